"""Fused linear cross-entropy against the naive ``loss(h @ W.T, y)``.

    python benchmarks/linear_ce.py [--size 4096x256x32768] [--backends torch,jax,tensorflow,numpy]
                                   [--repeats 2]

Each row is one forward + backward (gradients w.r.t. ``hidden`` and
``weight``, float32, CPU) in a fresh subprocess:

* ``extra MiB``: the rise of the process's peak RSS (VmHWM, reset through
  ``/proc/self/clear_refs`` after a small warm-up) over its RSS once the
  inputs exist -- for torch, TensorFlow and NumPy; for JAX the compiled
  program's temp bytes (``memory_analysis().temp_size_in_bytes``), with the
  RSS rise in brackets;
* ``time s``: the fastest of ``--repeats`` calls after the first (JAX: of
  the compiled function).

Methods: ``naive`` (torch ``F.cross_entropy(h @ W.T, y)``, TF
``sparse_softmax_cross_entropy_with_logits`` under a tape in ``tf.function``,
JAX the optax formula under ``jit``, NumPy our closed-form gradient of the
logits' loss and the chain rule); ``ours`` (``losses.linear_cross_entropy``,
reduction mean: on JAX its ``custom_jvp``); ``ours-remat`` (JAX: reduction
``"none"`` then ``mean``, which takes the plain ``lax.scan`` + ``jax.checkpoint``
path); ``torch-chunked`` (``F.linear_cross_entropy(options=
LinearCrossEntropyOptions())``, torch >= 2.13).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402

#: rows per chunk of ours (``--chunk-size``; None: the default budget)
CHUNK = None
METHODS = {"torch": ("naive", "ours", "torch-chunked"), "jax": ("naive", "ours", "ours-remat"),
           "tensorflow": ("naive", "ours"), "numpy": ("naive", "ours")}


def _status(key: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0  # MiB
    return float("nan")


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _inputs(n: int, d: int, c: int) -> tuple:
    rng = np.random.default_rng(0)
    return (rng.normal(size=(n, d)).astype(np.float32), (rng.normal(size=(c, d)) * 0.05).astype(np.float32),
            rng.integers(0, c, n))


def _step(backend: str, method: str, n: int, d: int, c: int):  # noqa: ANN202
    """A function of no arguments that runs one forward + backward."""
    import losses

    h, w, y = _inputs(n, d, c)
    if backend == "numpy":
        if method == "naive":
            def run():  # noqa: ANN202
                _, gz = losses.value_and_grad(losses.sparse_categorical_crossentropy, y, h @ w.T,
                                              from_logits=True)
                return gz @ w, gz.T @ h
            return run
        return lambda: losses.value_and_grad(losses.linear_cross_entropy, y, h, weight=w, chunk_size=CHUNK)
    if backend == "torch":
        import torch
        import torch.nn.functional as F

        th, tw, ty = torch.tensor(h, requires_grad=True), torch.tensor(w, requires_grad=True), torch.tensor(y)
        f = {"naive": lambda: F.cross_entropy(th @ tw.T, ty),
             "ours": lambda: losses.linear_cross_entropy(ty, th, tw, chunk_size=CHUNK),
             "torch-chunked": lambda: F.linear_cross_entropy(
                 th, tw, ty, options=torch.nn.LinearCrossEntropyOptions())}[method]
        return lambda: torch.autograd.grad(f(), [th, tw])
    if backend == "tensorflow":
        import tensorflow as tf

        th, tw, ty = tf.constant(h), tf.constant(w), tf.constant(y)

        @tf.function
        def run():  # noqa: ANN202
            with tf.GradientTape() as tape:
                tape.watch([th, tw])
                if method == "naive":
                    v = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                        ty, tf.matmul(th, tw, transpose_b=True)))
                else:
                    v = losses.linear_cross_entropy(ty, th, tw, chunk_size=CHUNK)
            return tape.gradient(v, [th, tw])
        return run
    import jax
    import jax.numpy as jnp

    jh, jw, jy = jnp.asarray(h), jnp.asarray(w), jnp.asarray(y)

    def loss(h, w):  # noqa: ANN001, ANN202
        if method == "naive":
            z = h @ w.T
            return jnp.mean(jax.nn.logsumexp(z, -1) - jnp.take_along_axis(z, jy[:, None], -1)[:, 0])
        if method == "ours":
            return losses.linear_cross_entropy(jy, h, w, chunk_size=CHUNK)
        return jnp.mean(losses.linear_cross_entropy(jy, h, w, reduction="none", chunk_size=CHUNK))

    compiled = jax.jit(jax.value_and_grad(loss, (0, 1))).lower(jh, jw).compile()
    run = lambda: jax.block_until_ready(compiled(jh, jw))  # noqa: E731
    run.temp = compiled.memory_analysis().temp_size_in_bytes / 2**20
    return run


def child(backend: str, method: str, n: int, d: int, c: int, repeats: int) -> dict:
    _step(backend, method, 64, d, 512)()  # warm-up: kernels, lazy imports
    run = _step(backend, method, n, d, c)
    import gc

    gc.collect()
    _reset_peak()
    rss0 = _status("VmRSS")
    run()
    extra = _status("VmHWM") - rss0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    out = {"backend": backend, "method": method, "extra_mib": extra, "time_s": min(times)}
    if hasattr(run, "temp"):
        out["temp_mib"] = run.temp
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="4096x256x32768", help="NxDxC")
    ap.add_argument("--backends", default="torch,jax,tensorflow,numpy")
    ap.add_argument("--methods", default=None, help="comma list (default: all for the backend)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=None, help="rows per chunk (default: ours picks)")
    ap.add_argument("--child", nargs=2, metavar=("BACKEND", "METHOD"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    n, d, c = (int(v) for v in a.size.split("x"))
    global CHUNK
    CHUNK = a.chunk_size
    if a.child:
        print(json.dumps(child(*a.child, n, d, c, a.repeats)))
        return
    print(f"N={n} D={d} C={c} float32, forward + backward (grads w.r.t. hidden and weight); "
          f"naive logits = {n * c * 4 / 2**20:.0f} MiB")
    print(f"{'backend':<11} {'method':<14} {'extra MiB':>18} {'x naive':>8} {'time s':>8} {'x naive':>8}")
    for backend in a.backends.split(","):
        base = None
        for method in (a.methods.split(",") if a.methods else METHODS[backend]):
            extra = [] if a.chunk_size is None else ["--chunk-size", str(a.chunk_size)]
            p = subprocess.run([sys.executable, __file__, "--size", a.size, "--repeats", str(a.repeats),
                                *extra, "--child", backend, method], capture_output=True, text=True)
            if p.returncode:
                print(f"{backend:<11} {method:<14} failed: {p.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(p.stdout.strip().splitlines()[-1])
            mem = r.get("temp_mib", r["extra_mib"])
            shown = f"{mem:.0f}" + (f" [rss {r['extra_mib']:.0f}]" if "temp_mib" in r else "")
            base = base or (mem, r["time_s"])
            print(f"{backend:<11} {method:<14} {shown:>18} {mem / base[0]:>8.2f} {r['time_s']:>8.2f} "
                  f"{r['time_s'] / base[1]:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
