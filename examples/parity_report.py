"""Main demo: every registered loss on every installed backend against the
float64 NumPy reference.

    python examples/parity_report.py [--dtype float32] [--loss NAME]

Prints one row per backend x device x loss x option set: the value, the
largest |difference| of the value and of the gradient (w.r.t. y_pred) from
the NumPy reference, and pass/fail. Exit status 1 if any row fails.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402

import losses  # noqa: E402
from losses._registry import REGISTRY, option_label  # noqa: E402

TOL = {"float64": 1e-10, "float32": 2e-5}


Backend = tuple[str, str, Any, Any]  # (framework, device, to(array, dtype), back(array))


def numpy_backends() -> list[Backend]:
    return [("numpy", "cpu", lambda x, d: x if d is None else x.astype(d), np.asarray)]


def torch_backends() -> list[Backend]:
    if not importlib.util.find_spec("torch"):
        return []
    import torch

    return [("torch", dev,
             lambda x, d, dev=dev: torch.as_tensor(x, device=dev).to(getattr(torch, d)) if d else torch.as_tensor(x, device=dev),
             lambda t: t.detach().cpu().numpy())
            for dev in ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])]


def tensorflow_backends() -> list[Backend]:
    if not importlib.util.find_spec("tensorflow"):
        return []
    import tensorflow as tf

    out = []
    for dev in ["CPU:0"] + [f"GPU:{i}" for i, _ in enumerate(tf.config.list_physical_devices("GPU"))]:
        def to(x, d, dev=dev):
            with tf.device(dev):
                t = tf.identity(tf.convert_to_tensor(x))
                return tf.cast(t, d) if d else t
        out.append(("tensorflow", dev, to, lambda t: t.numpy()))
    return out


#: XLA:CPU options for compile speed (the demo compiles one small program per
#: loss and option set and runs each once): the legacy fusion emitter and no
#: LLVM optimization. The same arithmetic (no fast math); XLA rejects flags it
#: does not know, so only for the jaxlib versions this was measured with, and
#: only when XLA_FLAGS is unset. Set XLA_FLAGS (even to "") to compile as usual.
FAST_COMPILE = {(0, 10): "--xla_cpu_use_fusion_emitters=false --xla_backend_optimization_level=0 "
                         "--xla_llvm_disable_expensive_passes=true"}


def jax_backends() -> list[Backend]:
    if not importlib.util.find_spec("jax"):
        return []
    import jax

    jax.config.update("jax_enable_x64", True)
    flags = FAST_COMPILE.get(tuple(int(p) for p in importlib.metadata.version("jaxlib").split(".")[:2]))
    fast = flags is not None and "XLA_FLAGS" not in os.environ
    if fast:  # read once, when JAX starts its CPU client (below); not passed on to TensorFlow
        os.environ["XLA_FLAGS"] = flags
    try:
        devs = jax.devices("cpu")
    finally:
        if fast:
            del os.environ["XLA_FLAGS"]
    try:
        devs = devs + jax.devices("gpu")
    except RuntimeError:
        pass
    return [("jax", f"{dev.platform}:{dev.id}",
             lambda x, d, dev=dev: jax.device_put(x, dev).astype(d) if d else jax.device_put(x, dev),
             np.asarray)
            for dev in devs]


def value_and_grad(backend: Backend, case: tuple, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """The loss and its gradient on ``backend``, as NumPy arrays."""
    _, _, to, back = backend
    entry, y_true, y_pred, opts = case

    def conv(x):
        if not isinstance(x, np.ndarray):
            return x
        return to(x, dtype if x.dtype.kind == "f" else None)

    v, g = losses.value_and_grad(entry.fn, conv(y_true), conv(y_pred), **{k: conv(v) for k, v in opts.items()})
    return back(v), back(g)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dtype", default="float64", choices=sorted(TOL))
    ap.add_argument("--loss", default=None, help="only this loss")
    args = ap.parse_args()
    if args.loss and args.loss not in {e.name for e in REGISTRY}:
        ap.error(f"--loss: no loss {args.loss!r}; one of {', '.join(sorted(e.name for e in REGISTRY))}")
    cases, labels = [], []
    for entry in REGISTRY:
        if args.loss and entry.name != args.loss:
            continue
        for i, options in enumerate(entry.option_sets):
            rng = np.random.default_rng(zlib.crc32(f"{entry.name}/{i}/0".encode()))
            cases.append((entry, *entry.make(rng, options)))
            labels.append(option_label(options))
    others = numpy_backends() + torch_backends() + tensorflow_backends()
    # JAX compiles one program per loss and option set (most of the demo's time,
    # much of it in XLA, which releases the GIL): its rows are computed in two
    # threads (one traces while the other compiles) while the other frameworks'
    # rows are computed here. Started after the imports: imports competing with
    # them for the GIL would hold back the first rows.
    jax_here = jax_backends()
    pool = ThreadPoolExecutor(max_workers=2)
    jax_rows = [[pool.submit(value_and_grad, b, case, args.dtype) for b in jax_here] for case in cases]
    here = others + jax_here
    head = ("backend", "device", "loss", "options", "value", "max|dvalue|", "max|dgrad|", "")
    w = [max(len(h), *(len(x) for x in col)) for h, col in zip(head[:4], (
        [b[0] for b in here], [b[1] for b in here], [c[0].name for c in cases], labels))] + [11, 11, 11, 4]
    w[3] = min(w[3], 60)
    print(f"lossbridge parity report ({args.dtype}; reference: NumPy float64, closed-form gradients)")
    print("  ".join(h.ljust(w[k]) for k, h in enumerate(head)).rstrip(), flush=True)
    rows = failed = 0
    for case, label, jax_results in zip(cases, labels, jax_rows):
        entry, y_true, y_pred, opts = case
        v_ref, g_ref = losses.value_and_grad(entry.fn, y_true, y_pred, **opts)
        results = [value_and_grad(b, case, args.dtype) for b in here[:len(here) - len(jax_here)]]
        results += [f.result() for f in jax_results]
        for (fw, dev, _, _), (v, g) in zip(here, results):
            scale = max(1.0, float(np.max(np.abs(v_ref))))
            dv = float(np.max(np.abs(v - v_ref)))
            dg = float(np.max(np.abs(g - g_ref)))
            ok = dv <= TOL[args.dtype] * scale and dg <= TOL[args.dtype] * max(1.0, float(np.max(np.abs(g_ref))))
            failed += not ok
            rows += 1
            shown = f"{float(v):.6g}" if np.ndim(v) == 0 else f"[{np.ndim(v)}-d]"
            cells = [fw, dev, entry.name, label[:60], shown, f"{dv:.1e}", f"{dg:.1e}", "pass" if ok else "FAIL"]
            print("  ".join(c.ljust(w[k]) for k, c in enumerate(cells)).rstrip(), flush=True)
    pool.shutdown()
    print(f"{rows - failed}/{rows} rows pass on {len(here)} backend/device pairs")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
