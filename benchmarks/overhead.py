"""Overhead of lossbridge's cross-entropy against the native losses.

    python benchmarks/overhead.py [--frameworks torch,tensorflow,jax] [--sizes 64x10,4096x32000]

For each framework and size, times forward + backward (gradient w.r.t. the
logits) of ours and of the native equivalent, side by side in one process
(interleaved, median of repeats), and prints the ratio ours/native and the
extra microseconds per call. Peak extra memory of one forward+backward is
measured in a fresh subprocess per (framework, loss, implementation, size)
as the rise of the process's peak RSS (VmHWM) over its RSS once the inputs
exist -- host memory, so this is a CPU measurement.

Natives: torch ``F.cross_entropy`` (integer and probability targets);
TensorFlow ``keras.losses.(sparse_)categorical_crossentropy(from_logits=True)``
under ``tf.GradientTape``; JAX ``optax.softmax_cross_entropy(_with_integer_labels)``
under ``jax.jit`` (ours under ``jax.jit`` too).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402

LOSSES = ("categorical", "sparse")


def make_inputs(n: int, c: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, c)).astype(np.float32)
    labels = rng.integers(0, c, size=n)
    return logits, labels


# --- per-framework step builders: return {impl: callable()} that runs forward+backward

def torch_steps(n: int, c: int, loss: str):
    import torch
    import torch.nn.functional as F

    import losses

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    logits_np, labels_np = make_inputs(n, c)
    x = torch.tensor(logits_np, requires_grad=True)
    y = torch.tensor(labels_np)
    if loss == "categorical":
        t = F.one_hot(y, c).float()

        def ours():
            (g,) = torch.autograd.grad(losses.categorical_crossentropy(t, x, from_logits=True, axis=1), x)
            return g

        def native():
            (g,) = torch.autograd.grad(F.cross_entropy(x, t), x)
            return g
    else:
        def ours():
            (g,) = torch.autograd.grad(losses.sparse_categorical_crossentropy(y, x, from_logits=True, axis=1), x)
            return g

        def native():
            (g,) = torch.autograd.grad(F.cross_entropy(x, y), x)
            return g
    return {"ours": ours, "native": native}


def tensorflow_steps(n: int, c: int, loss: str):
    import keras
    import tensorflow as tf

    import losses

    logits_np, labels_np = make_inputs(n, c)
    x = tf.constant(logits_np)
    y = tf.constant(labels_np)
    if loss == "categorical":
        t = tf.one_hot(y, c)
        fo = lambda z: losses.categorical_crossentropy(t, z, from_logits=True)  # noqa: E731
        fn = lambda z: tf.reduce_mean(keras.losses.categorical_crossentropy(t, z, from_logits=True))  # noqa: E731
    else:
        fo = lambda z: losses.sparse_categorical_crossentropy(y, z, from_logits=True)  # noqa: E731
        fn = lambda z: tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, z, from_logits=True))  # noqa: E731

    def step(f):
        def run():
            with tf.GradientTape() as tape:
                tape.watch(x)
                v = f(x)
            return tape.gradient(v, x).numpy()
        return run

    return {"ours": step(fo), "native": step(fn)}


def jax_steps(n: int, c: int, loss: str):
    import jax
    import jax.numpy as jnp
    import optax

    import losses

    logits_np, labels_np = make_inputs(n, c)
    x = jnp.asarray(logits_np)
    y = jnp.asarray(labels_np)
    if loss == "categorical":
        t = jax.nn.one_hot(y, c)
        fo = jax.jit(jax.grad(lambda z: losses.categorical_crossentropy(t, z, from_logits=True)))
        fn = jax.jit(jax.grad(lambda z: jnp.mean(optax.softmax_cross_entropy(z, t))))
    else:
        fo = jax.jit(jax.grad(lambda z: losses.sparse_categorical_crossentropy(y, z, from_logits=True)))
        fn = jax.jit(jax.grad(lambda z: jnp.mean(optax.softmax_cross_entropy_with_integer_labels(z, y))))
    return {"ours": lambda: fo(x).block_until_ready(), "native": lambda: fn(x).block_until_ready()}


# --- NumPy (issue 16): ours vs a hand-fused in-place reference, same process ---------

def numpy_reference(x: np.ndarray, labels: np.ndarray | None = None,
                    target: np.ndarray | None = None) -> tuple:
    """Hand-fused in-place NumPy cross-entropy of logits ``x`` [N, C] (mean over
    rows) and its gradient: one max-shift written into the gradient buffer,
    ``exp`` in place, row sums, ``log``; gradient ``softmax - target`` scaled
    by ``1 / N``. The gradient is the only [N, C] allocation (``target`` dense:
    ``sum(target) * softmax - target``)."""
    n = x.shape[0]
    m = x.max(axis=1, keepdims=True)
    g = np.subtract(x, m, out=np.empty_like(x))
    if labels is not None:
        picked = g[np.arange(n), labels]  # x_y - m
    else:
        picked = np.einsum("ij,ij->i", target, g)  # sum_c t_c (x_c - m)
    np.exp(g, out=g)
    s = g.sum(axis=1, keepdims=True)
    logs = np.log(s)
    if labels is not None:
        value = np.mean(logs[:, 0] - picked)
        np.multiply(g, (1.0 / n) / s, out=g)
        g[np.arange(n), labels] -= x.dtype.type(1.0 / n)
    else:
        ts = target.sum(axis=1, keepdims=True)
        value = np.mean(ts[:, 0] * logs[:, 0] - picked)
        np.multiply(g, (ts / n) / s, out=g)
        g -= target * x.dtype.type(1.0 / n)  # one target-sized temporary (dense targets only)
    return value, g


def numpy_steps(n: int, c: int, loss: str):
    """Ours (``losses.value_and_grad``, NumPy's closed-form gradient) against
    :func:`numpy_reference`: ``{"ours", "native"}`` callables returning the gradient."""
    import losses

    x, labels = make_inputs(n, c)
    if loss == "categorical":
        t = np.eye(c, dtype=np.float32)[labels]

        def ours():
            return losses.value_and_grad(losses.categorical_crossentropy, t, x, from_logits=True)[1]

        def native():
            return numpy_reference(x, target=t)[1]
    else:
        def ours():
            return losses.value_and_grad(losses.sparse_categorical_crossentropy, labels, x,
                                         from_logits=True)[1]

        def native():
            return numpy_reference(x, labels=labels)[1]
    return {"ours": ours, "native": native}


def numpy_tracemalloc_peak(steps: dict, impl: str) -> int:
    """Peak bytes NumPy allocates (tracemalloc) during one call of ``steps[impl]``."""
    import gc
    import tracemalloc

    steps[impl]()  # warm (imports, caches)
    gc.collect()
    tracemalloc.start()
    try:
        out = steps[impl]()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del out
    return peak


def numpy_main(sizes: list, budget: float) -> None:
    """The NumPy rows: time (interleaved) and tracemalloc peak, in logits buffers."""
    print(f"{'framework':<11} {'loss':<12} {'size':<11} {'ours (ms)':>10} {'ref (ms)':>10} {'ratio':>7}"
          f" {'extra us':>9} {'peak ours':>10} {'peak ref':>9} (peaks in logits buffers)")
    for n, c in sizes:
        for loss in LOSSES:
            steps = numpy_steps(n, c, loss)
            t = time_pair(steps, budget)
            logits = n * c * 4
            po = numpy_tracemalloc_peak(steps, "ours") / logits
            pr = numpy_tracemalloc_peak(steps, "native") / logits
            print(f"{'numpy':<11} {loss:<12} {f'{n}x{c}':<11} {t['ours'] * 1e3:>10.3f} {t['native'] * 1e3:>10.3f}"
                  f" {t['ours'] / t['native']:>7.3f} {(t['ours'] - t['native']) * 1e6:>9.1f}"
                  f" {po:>10.3f} {pr:>9.3f}", flush=True)
            del steps


STEPS = {"torch": torch_steps, "tensorflow": tensorflow_steps, "jax": jax_steps}


def time_pair(steps: dict, budget_s: float) -> dict:
    """Interleaved timing: median seconds per call of each implementation."""
    for f in steps.values():  # warm up (compilation, caches)
        f()
        f()
    t0 = time.perf_counter()
    steps["native"]()
    one = time.perf_counter() - t0
    inner = max(1, int(0.02 / max(one, 1e-9)))
    rounds = max(5, min(200, int(budget_s / (2 * inner * max(one, 1e-9)))))
    samples: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(rounds):
        for k, f in steps.items():
            t = time.perf_counter()
            for _ in range(inner):
                f()
            samples[k].append((time.perf_counter() - t) / inner)
    return {k: statistics.median(v) for k, v in samples.items()}


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    return -1


def peak_child(fw: str, n: int, c: int, loss: str, impl: str) -> None:
    """Run in a subprocess: print the peak extra RSS (MiB) of one step."""
    steps = STEPS[fw](n, c, loss)
    f = steps[impl]
    before = _rss_kb("VmRSS:")
    # reset the high-water mark so it reflects only the step below
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    f()
    print(json.dumps({"extra_mib": (_rss_kb("VmHWM:") - before) / 1024}))


def measure_peak(fw: str, n: int, c: int, loss: str, impl: str) -> float:
    out = subprocess.run([sys.executable, __file__, "--peak-child", fw, str(n), str(c), loss, impl],
                         capture_output=True, text=True)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])["extra_mib"]
    except (IndexError, ValueError, KeyError):
        return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frameworks", default="torch,tensorflow,jax")
    ap.add_argument("--sizes", default="64x10,4096x32000")
    ap.add_argument("--budget", type=float, default=3.0, help="seconds of timing per row")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--peak-child", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peak_child:
        fw, n, c, loss, impl = args.peak_child
        peak_child(fw, int(n), int(c), loss, impl)
        return 0
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU(s), {platform.processor() or platform.platform()}")
    print(f"python {platform.python_version()}")
    head = f"{'framework':<11} {'loss':<12} {'size':<11} {'ours (ms)':>10} {'native (ms)':>12} {'ratio':>7} {'extra us':>9}"
    if not args.no_memory:
        head += f" {'peak MiB ours':>14} {'peak MiB native':>16}"
    print(head)
    fws = args.frameworks.split(",")
    if "numpy" in fws:  # its own table: time and tracemalloc peak against numpy_reference
        numpy_main(sizes, args.budget)
        fws.remove("numpy")
    for fw in fws:
        for n, c in sizes:
            for loss in LOSSES:
                steps = STEPS[fw](n, c, loss)
                t = time_pair(steps, args.budget)
                row = (f"{fw:<11} {loss:<12} {f'{n}x{c}':<11} {t['ours'] * 1e3:>10.3f} {t['native'] * 1e3:>12.3f}"
                       f" {t['ours'] / t['native']:>7.3f} {(t['ours'] - t['native']) * 1e6:>9.1f}")
                if not args.no_memory:
                    row += (f" {measure_peak(fw, n, c, loss, 'ours'):>14.1f}"
                            f" {measure_peak(fw, n, c, loss, 'native'):>16.1f}")
                print(row, flush=True)
                del steps
    return 0


if __name__ == "__main__":
    sys.exit(main())
