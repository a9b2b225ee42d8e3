"""The rest of the catalogue against the natives: every torch module and Keras
loss with a native of the same name, forward + backward, ours / native.

    python benchmarks/catalog_overhead.py --torch [--size 64x100]
    python benchmarks/catalog_overhead.py --keras [--size 1024x4096]

``benchmarks/overhead.py`` measures the cross-entropies row by row as issue 16
lists them; this script sweeps the other losses (issue 16's "every loss, not
just CE") to find the ones that cost more than their native. torch: eager
modules, one thread, ``autograd.grad`` of the loss; Keras: one
``tf.function`` per loss with a tape inside. Ours and the native alternate
(median of 9 rounds); the ratio is ours / native.
"""

from __future__ import annotations

import argparse
import os
import statistics
import timeit
import warnings
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _paired(ours: Callable, native: Callable, budget_s: float = 0.02, rounds: int = 9) -> tuple[float, float]:
    """Median seconds per call of each, interleaved."""
    ours()
    native()
    one = min(timeit.repeat(native, number=1, repeat=3))
    num = max(1, int(budget_s / max(one, 1e-7)))
    a, b = [], []
    for _ in range(rounds):
        a.append(timeit.timeit(ours, number=num) / num)
        b.append(timeit.timeit(native, number=num) / num)
    return statistics.median(a), statistics.median(b)


def torch_rows(n: int, c: int) -> None:
    import torch

    import backends.torch as bt

    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    x, t = torch.randn(n, c, generator=g), torch.rand(n, c, generator=g)
    pm = torch.where(torch.rand(n, generator=g) < 0.5, 1.0, -1.0)
    pmc = torch.where(torch.rand(n, c, generator=g) < 0.5, 1.0, -1.0)
    lab = torch.randint(0, c, (n,), generator=g)
    multi = torch.full((n, c), -1, dtype=torch.long)  # two targets per row
    multi[:, 0], multi[:, 1] = lab, (lab + 1) % c
    cases = {
        "SoftMarginLoss": (x, pmc), "MultiLabelSoftMarginLoss": (x, (t > 0.5).float()),
        "HingeEmbeddingLoss": (x, pmc), "PoissonNLLLoss": (x, 3 * t), "GaussianNLLLoss": (x, t, t + 0.1),
        "MultiMarginLoss": (x, lab), "MultiLabelMarginLoss": (x, multi), "CosineEmbeddingLoss": (x, t, pm),
        "TripletMarginLoss": (x, t, torch.randn(n, c, generator=g)), "MarginRankingLoss": (x[:, 0], t[:, 0], pm),
        "NLLLoss": (x.log_softmax(1), lab), "BCELoss": (torch.sigmoid(x), t), "MSELoss": (x, t),
        "HuberLoss": (x, t), "KLDivLoss": (x.log_softmax(1), t.softmax(1)), "BCEWithLogitsLoss": (x, t),
        "CrossEntropyLoss": (x, lab), "CrossEntropyLoss probabilities": (x, t.softmax(1)),
    }
    print(f"torch {torch.__version__}, eager, one thread, [{n}, {c}], forward + backward")
    print(f"{'module':<34} {'ours us':>11} {'native us':>11} {'ratio':>7}")
    for name, args in cases.items():
        cls = name.split(" ")[0]
        ours, native = getattr(bt, cls)(), getattr(torch.nn, cls)()

        def step(m: Callable, args: tuple = args) -> Callable:
            z = args[0].clone().requires_grad_()
            return lambda: torch.autograd.grad(m(z, *args[1:]), z)

        try:
            a, b = _paired(step(ours), step(native))
        except (RuntimeError, MemoryError) as e:
            print(f"{name:<34} {type(e).__name__}: {str(e)[:60]}")
            continue
        print(f"{name:<34} {a * 1e6:>11.1f} {b * 1e6:>11.1f} {a / b:>7.2f}", flush=True)


def keras_rows(n: int, c: int) -> None:
    import keras
    import numpy as np
    import tensorflow as tf

    import backends.keras as bk

    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(n, c)).astype(np.float32))
    lab = tf.constant(rng.integers(0, c, n))
    oh = tf.one_hot(lab, c)
    mh = tf.constant((rng.random((n, c)) < 0.5).astype(np.float32))
    t = tf.constant(rng.random((n, c)).astype(np.float32))
    logits = {"from_logits": True}
    cases = {
        "MeanSquaredError": ({}, t, x), "MeanAbsoluteError": ({}, t, x), "Huber": ({}, t, x),
        "LogCosh": ({}, t, x), "BinaryCrossentropy": (logits, mh, x),
        "CategoricalCrossentropy": (logits, oh, x), "CategoricalCrossentropy probabilities": ({}, oh, tf.nn.softmax(x)),
        "SparseCategoricalCrossentropy": (logits, lab, x), "KLDivergence": ({}, tf.nn.softmax(x), tf.nn.softmax(t)),
        "Poisson": ({}, t, tf.sigmoid(x)), "CosineSimilarity": ({}, t, x), "Hinge": ({}, 2 * mh - 1, x),
        "SquaredHinge": ({}, 2 * mh - 1, x), "CategoricalHinge": ({}, oh, x),
        "BinaryFocalCrossentropy": (logits, mh, x), "CategoricalFocalCrossentropy": (logits, oh, x),
        "MeanSquaredLogarithmicError": ({}, t, tf.sigmoid(x)), "MeanAbsolutePercentageError": ({}, t + 1, x),
    }

    def step(f: Callable) -> Callable:
        @tf.function(autograph=False)
        def s(t: tf.Tensor, z: tf.Tensor) -> tuple:
            with tf.GradientTape() as tape:
                tape.watch(z)
                v = f(t, z)
            return v, tape.gradient(v, z)
        return s

    print(f"tensorflow {tf.__version__}, keras {keras.__version__}, tf.function, [{n}, {c}], "
          "forward + backward")
    print(f"{'loss':<40} {'ours ms':>9} {'keras ms':>9} {'ratio':>7}")
    for name, (kw, target, z) in cases.items():
        cls = name.split(" ")[0]
        ours, native = step(getattr(bk, cls)(**kw)), step(getattr(keras.losses, cls)(**kw))
        a, b = _paired(lambda o=ours, t=target, z=z: o(t, z), lambda n=native, t=target, z=z: n(t, z),
                       budget_s=0.05, rounds=7)
        print(f"{name:<40} {a * 1e3:>9.2f} {b * 1e3:>9.2f} {a / b:>7.2f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--torch", action="store_true", help="torch modules against torch.nn's")
    ap.add_argument("--keras", action="store_true", help="Keras losses against keras.losses'")
    ap.add_argument("--size", default=None, help="NxC (torch default 64x100, Keras 1024x4096)")
    args = ap.parse_args()
    if not (args.torch or args.keras):
        ap.error("name --torch or --keras")
    if args.torch:
        torch_rows(*(int(v) for v in (args.size or "64x100").split("x")))
    if args.keras:
        keras_rows(*(int(v) for v in (args.size or "1024x4096").split("x")))


if __name__ == "__main__":
    main()
