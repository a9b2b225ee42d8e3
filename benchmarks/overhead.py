"""Overhead of lossbridge's cross-entropy against the native losses.

    python benchmarks/overhead.py [--frameworks torch,tensorflow,jax] [--sizes 64x10,4096x32000]
    python benchmarks/overhead.py --modules [64x100]   # torch eager modules vs torch.nn's
    python benchmarks/overhead.py --jax-value-and-grad --sizes 2048x32000,4096x32000
    python benchmarks/overhead.py --tf-function --sizes 64x100,4096x32000
    python benchmarks/overhead.py --frameworks numpy --sizes 64x100,4096x32000

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


# --- TensorFlow under tf.function (issue 16): ours, the Keras adapter, the native -----------

TF_FUNCTION_LOSSES = ("categorical", "sparse", "binary")


def _tf_function_losses(n: int, c: int, loss: str) -> tuple:
    """``(x, target, {impl: loss_fn(target, logits)})`` for :func:`tf_function_steps`."""
    import keras
    import tensorflow as tf

    import losses
    from backends import keras as bk

    logits_np, labels_np = make_inputs(n, c)
    x = tf.constant(logits_np)
    y = tf.constant(labels_np)
    if loss == "categorical":
        t = tf.one_hot(y, c)
        fns = {"ours": lambda t, z: losses.categorical_crossentropy(t, z, from_logits=True),
               "keras_adapter": bk.CategoricalCrossentropy(from_logits=True),
               "native": keras.losses.CategoricalCrossentropy(from_logits=True),
               "tf.nn": lambda t, z: tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(t, z))}
    elif loss == "sparse":
        t = y
        fns = {"ours": lambda t, z: losses.sparse_categorical_crossentropy(t, z, from_logits=True),
               "keras_adapter": bk.SparseCategoricalCrossentropy(from_logits=True),
               "native": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
               "tf.nn": lambda t, z: tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(t, z))}
    else:
        t = tf.cast(tf.constant(np.random.default_rng(1).random((n, c)) < 0.5), tf.float32)
        fns = {"ours": lambda t, z: losses.binary_crossentropy(t, z, from_logits=True),
               "keras_adapter": bk.BinaryCrossentropy(from_logits=True),
               "native": keras.losses.BinaryCrossentropy(from_logits=True),
               "tf.nn": lambda t, z: tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(t, z))}
    return x, t, fns


def _tf_step(f):
    import tensorflow as tf

    @tf.function(autograph=False)
    def step(t, z):
        with tf.GradientTape() as tape:
            tape.watch(z)
            v = f(t, z)
        return v, tape.gradient(v, z)

    return step


def tensorflow_function_steps(n: int, c: int, loss: str):
    """Forward + backward under one ``tf.function`` (a tape inside) per implementation."""
    x, t, fns = _tf_function_losses(n, c, loss)
    out = {}
    for k, f in fns.items():
        step = _tf_step(f)
        out[k] = lambda step=step: step(t, x)[1].numpy()
    return out


def tf_graph_buffers(n: int, c: int, loss: str) -> dict:
    """Per implementation: the number of float ops in the traced forward+backward
    graph whose output is logits-sized (``[n, c]``), the inputs and the returned
    gradient excluded -- a deterministic count of the logits-sized buffers a step
    may hold (TF's CPU allocator has no peak statistics to read)."""
    x, t, fns = _tf_function_losses(n, c, loss)
    return {k: count_logits_sized(_tf_step(f), t, x) for k, f in fns.items()}


def count_logits_sized(step, t, x) -> int:
    """Float ops of ``step``'s concrete graph with an output of ``x``'s shape,
    less the one that returns the gradient. Ops inside ``tf.cond`` branches
    (a fallback that runs only for non-finite values) are not counted.
    Shape-only ops (Identity, Reshape, ...) and constants are not counted."""
    import tensorflow as tf

    shape = tuple(x.shape)
    skip = {"Identity", "IdentityN", "Reshape", "Placeholder", "Const", "StopGradient", "NoOp",
            "ExpandDims", "Squeeze", "PreventGradient"}
    graph = step.get_concrete_function(t, x).graph
    seen = 0

    def walk(g) -> None:
        nonlocal seen
        for op in g.get_operations():
            if op.type not in skip:
                for o in op.outputs:
                    if o.dtype.is_floating and tuple(o.shape) == shape:
                        seen += 1

    walk(graph)
    del tf
    return seen - 1  # the gradient itself


def run_tensorflow_function(sizes, budget: float, memory: bool) -> None:
    print("\ntf.function forward+backward (tape inside), ratio = impl / native keras.losses Loss")
    print(f"{'loss':<12} {'size':<11} {'impl':<14} {'ms':>9} {'ratio':>7} {'extra us':>9}"
          + (f" {'logits-sized ops':>17}" if memory else ""))
    for n, c in sizes:
        for loss in TF_FUNCTION_LOSSES:
            steps = tensorflow_function_steps(n, c, loss)
            t = time_pair(steps, budget)
            bufs = tf_graph_buffers(n, c, loss) if memory else {}
            for k in steps:
                row = (f"{loss:<12} {f'{n}x{c}':<11} {k:<14} {t[k] * 1e3:>9.3f} {t[k] / t['native']:>7.3f}"
                       f" {(t[k] - t['native']) * 1e6:>9.1f}")
                if memory:
                    row += f" {bufs[k]:>17}"
                print(row, flush=True)
            del steps


# --- JAX as users run it (issue 16): jit(value_and_grad(loss)), compiled temp bytes ------

def jax_value_and_grad_pairs(n: int, c: int) -> dict:
    """``{row: (ours, optax, target)}``: losses of the logits ``z`` and the
    target ``t``, both arguments of the jitted function, as a training step
    passes its batch (a target closed over is a compile-time constant XLA folds:
    the dense rows then measure a program no user runs)."""
    import jax
    import jax.numpy as jnp
    import optax

    import losses
    from backends import jax as bj

    _, labels_np = make_inputs(n, c)
    y = jnp.asarray(labels_np)
    t = jax.nn.one_hot(y, c, dtype=jnp.float32)
    sparse_native = lambda z, y: optax.softmax_cross_entropy_with_integer_labels(z, y).mean()  # noqa: E731
    dense_native = lambda z, t: optax.softmax_cross_entropy(z, t).mean()  # noqa: E731
    return {
        "losses.sparse_categorical_crossentropy": (
            lambda z, y: losses.sparse_categorical_crossentropy(y, z, from_logits=True), sparse_native, y),
        "backends.jax.softmax_cross_entropy_with_integer_labels().mean()": (
            lambda z, y: bj.softmax_cross_entropy_with_integer_labels(z, y).mean(), sparse_native, y),
        "losses.categorical_crossentropy": (
            lambda z, t: losses.categorical_crossentropy(t, z, from_logits=True), dense_native, t),
        "backends.jax.softmax_cross_entropy().mean()": (
            lambda z, t: bj.softmax_cross_entropy(z, t).mean(), dense_native, t),
    }


def run_jax_value_and_grad(sizes, budget: float) -> None:
    """``jax.jit(jax.value_and_grad(loss))(z, target)`` of ours against
    optax's, and the compiled program's temporary bytes
    (``memory_analysis().temp_size_in_bytes``)."""
    import jax
    import jax.numpy as jnp

    print("\nJAX jit(value_and_grad(loss))(logits, target), float32; ratio = ours / optax;"
          " temp = compiled temp bytes")
    print(f"{'row':<66} {'size':<11} {'ours ms':>9} {'optax ms':>9} {'ratio':>7} {'temp MiB ours':>14} {'optax':>8}")
    for n, c in sizes:
        x = jnp.asarray(make_inputs(n, c)[0])
        for name, (ours, native, y) in jax_value_and_grad_pairs(n, c).items():
            fo, fn = jax.jit(jax.value_and_grad(ours)), jax.jit(jax.value_and_grad(native))
            temp = {k: f.lower(x, y).compile().memory_analysis().temp_size_in_bytes / 2**20
                    for k, f in (("ours", fo), ("native", fn))}
            t = time_pair({"ours": lambda fo=fo, x=x, y=y: jax.block_until_ready(fo(x, y)),
                           "native": lambda fn=fn, x=x, y=y: jax.block_until_ready(fn(x, y))}, budget)
            print(f"{name:<66} {f'{n}x{c}':<11} {t['ours'] * 1e3:>9.3f} {t['native'] * 1e3:>9.3f}"
                  f" {t['ours'] / t['native']:>7.3f} {temp['ours']:>14.1f} {temp['native']:>8.1f}", flush=True)


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


# --- torch eager modules against the native modules (issue 16) -------------------------------

def torch_module_pairs(n: int, c: int) -> dict:
    """{row: (ours(x) -> loss, native(x) -> loss, x)}: the drop-in modules and
    ``losses.sparse_categorical_crossentropy`` against ``torch.nn``'s on the
    same inputs (targets fixed, logits passed in)."""
    import torch

    import losses
    from backends import torch as bt

    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, c, generator=g)
    y = torch.randint(0, c, (n,), generator=g)
    y_ign = torch.where(torch.arange(n) % 7 == 0, torch.tensor(-100), y)
    w = torch.rand(c, generator=g) + 0.5
    logp = torch.log_softmax(torch.randn(n, c, generator=g), 1)
    t = torch.rand(n, c, generator=g)
    pw = torch.rand(c, generator=g) + 0.5
    opts = {"weight": w, "label_smoothing": 0.1, "ignore_index": -100}
    pair = {
        "CrossEntropyLoss()": (bt.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), x, y),
        "losses.sparse_categorical_crossentropy": (
            lambda a, b: losses.sparse_categorical_crossentropy(b, a, from_logits=True, axis=1),
            torch.nn.CrossEntropyLoss(), x, y),
        "CrossEntropyLoss(weight, ls, ii)": (bt.CrossEntropyLoss(**opts), torch.nn.CrossEntropyLoss(**opts), x, y_ign),
        "CrossEntropyLoss() probabilities": (bt.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), x,
                                             torch.softmax(t, 1)),
        "NLLLoss()": (bt.NLLLoss(), torch.nn.NLLLoss(), logp, y),
        "BCEWithLogitsLoss()": (bt.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss(), x, t),
        "BCEWithLogitsLoss(weight, pos_weight)": (bt.BCEWithLogitsLoss(weight=t[0], pos_weight=pw),
                                                  torch.nn.BCEWithLogitsLoss(weight=t[0], pos_weight=pw), x, t),
        "BCELoss()": (bt.BCELoss(), torch.nn.BCELoss(), torch.sigmoid(x), t),
        "KLDivLoss(batchmean)": (bt.KLDivLoss(reduction="batchmean"),
                                 torch.nn.KLDivLoss(reduction="batchmean"), logp, torch.softmax(t, 1)),
        "MSELoss()": (bt.MSELoss(), torch.nn.MSELoss(), x, t),
        "SmoothL1Loss()": (bt.SmoothL1Loss(), torch.nn.SmoothL1Loss(), x, t),
        "HuberLoss()": (bt.HuberLoss(), torch.nn.HuberLoss(), x, t),
    }
    return pair


def torch_counts(f, x, t) -> tuple[int, int]:
    """(host syncs, aten operations) of one forward call, by ``torch.profiler``."""
    from torch.profiler import ProfilerActivity, profile

    f(x, t)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        f(x, t)
    names = [e.name for e in prof.events() if e.name.startswith("aten::")]
    return sum(n == "aten::_local_scalar_dense" for n in names), len(names)


def torch_modules(n: int, c: int, budget_s: float) -> None:
    """Print ours against the native per eager call (forward; forward and
    backward), paired and alternating in this process, with the profiler's
    host syncs and aten operation counts of the forward."""
    import torch

    torch.set_num_threads(1)  # per-call overhead, not intra-op parallelism
    print(f"torch {torch.__version__}, eager, CPU, 1 thread, [{n}, {c}]; us per call, median of "
          "interleaved rounds")
    print(f"{'module':<40} {'fwd ours':>9} {'native':>8} {'extra':>7} {'f+b ours':>9} {'native':>8} "
          f"{'extra':>7} {'syncs':>7} {'aten ops':>9}")
    for name, (ours, native, x, t) in torch_module_pairs(n, c).items():
        xg = x.detach().requires_grad_()

        def fwd(f, x=x, t=t):
            return lambda: f(x, t)

        def fb(f, xg=xg, t=t):
            return lambda: torch.autograd.grad(f(xg, t), xg)

        tf = time_pair({"ours": fwd(ours), "native": fwd(native)}, budget_s / 2)
        tb = time_pair({"ours": fb(ours), "native": fb(native)}, budget_s / 2)
        so, oo = torch_counts(ours, x, t)
        sn, on = torch_counts(native, x, t)
        print(f"{name:<40} {tf['ours'] * 1e6:>9.1f} {tf['native'] * 1e6:>8.1f} "
              f"{(tf['ours'] - tf['native']) * 1e6:>7.1f} {tb['ours'] * 1e6:>9.1f} {tb['native'] * 1e6:>8.1f} "
              f"{(tb['ours'] - tb['native']) * 1e6:>7.1f} {f'{so}/{sn}':>7} {f'{oo}/{on}':>9}", flush=True)


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
    ap.add_argument("--modules", metavar="NxC", nargs="?", const="64x100",
                    help="torch eager modules against torch.nn's (default size 64x100), then exit")
    ap.add_argument("--peak-child", nargs=5, help=argparse.SUPPRESS)
    ap.add_argument("--jax-value-and-grad", action="store_true",
                    help="only the JAX jit(value_and_grad) rows with compiled temp bytes (ours vs optax)")
    ap.add_argument("--tf-function", action="store_true",
                    help="only the TensorFlow tf.function rows (ours, the Keras adapter, the native)")
    args = ap.parse_args()
    if args.peak_child:
        fw, n, c, loss, impl = args.peak_child
        peak_child(fw, int(n), int(c), loss, impl)
        return 0
    if args.modules:
        n, c = (int(v) for v in args.modules.split("x"))
        torch_modules(n, c, args.budget)
        return 0
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU(s), {platform.processor() or platform.platform()}")
    print(f"python {platform.python_version()}")
    if args.jax_value_and_grad:
        run_jax_value_and_grad(sizes, args.budget)
        return 0
    if args.tf_function:
        run_tensorflow_function(sizes, args.budget, not args.no_memory)
        return 0
    fws = args.frameworks.split(",")
    if "numpy" in fws:  # its own table: time and tracemalloc peak against numpy_reference
        numpy_main(sizes, args.budget)
        fws.remove("numpy")
    if not fws:
        return 0
    head = f"{'framework':<11} {'loss':<12} {'size':<11} {'ours (ms)':>10} {'native (ms)':>12} {'ratio':>7} {'extra us':>9}"
    if not args.no_memory:
        head += f" {'peak MiB ours':>14} {'peak MiB native':>16}"
    print(head)
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
