"""Main demo: every registered loss on every installed backend against the
float64 NumPy reference.

    python examples/parity_report.py [--dtype float32] [--loss NAME]

Prints one row per backend x device x loss x option set: the value, the
largest |difference| of the value and of the gradient (w.r.t. y_pred) from
the NumPy reference, and pass/fail. Exit status 1 if any row fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402

import losses  # noqa: E402
from losses._registry import REGISTRY, option_label  # noqa: E402

TOL = {"float64": 1e-10, "float32": 2e-5}


def backends_here() -> list[tuple[str, str, object, object]]:
    """(framework, device, to(array, dtype), back(array)) for what is installed."""
    out = [("numpy", "cpu", lambda x, d: x if d is None else x.astype(d), np.asarray)]
    if importlib.util.find_spec("torch"):
        import torch

        for dev in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
            out.append(("torch", dev,
                        lambda x, d, dev=dev: torch.as_tensor(x, device=dev).to(getattr(torch, d)) if d else torch.as_tensor(x, device=dev),
                        lambda t: t.detach().cpu().numpy()))
    if importlib.util.find_spec("tensorflow"):
        import tensorflow as tf

        devs = ["CPU:0"] + [f"GPU:{i}" for i, _ in enumerate(tf.config.list_physical_devices("GPU"))]
        for dev in devs:
            def to(x, d, dev=dev):
                with tf.device(dev):
                    t = tf.identity(tf.convert_to_tensor(x))
                    return tf.cast(t, d) if d else t
            out.append(("tensorflow", dev, to, lambda t: t.numpy()))
    if importlib.util.find_spec("jax"):
        import jax

        jax.config.update("jax_enable_x64", True)
        devs = jax.devices("cpu")
        try:
            devs = devs + jax.devices("gpu")
        except RuntimeError:
            pass
        for dev in devs:
            out.append(("jax", f"{dev.platform}:{dev.id}",
                        lambda x, d, dev=dev: jax.device_put(x, dev).astype(d) if d else jax.device_put(x, dev),
                        np.asarray))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dtype", default="float64", choices=sorted(TOL))
    ap.add_argument("--loss", default=None, help="only this loss")
    args = ap.parse_args()
    rows, failed = [], 0
    here = backends_here()
    for entry in REGISTRY:
        if args.loss and entry.name != args.loss:
            continue
        for i, options in enumerate(entry.option_sets):
            rng = np.random.default_rng(zlib.crc32(f"{entry.name}/{i}/0".encode()))
            y_true, y_pred, opts = entry.make(rng, options)
            v_ref, g_ref = losses.value_and_grad(entry.fn, y_true, y_pred, **opts)
            for fw, dev, to, back in here:
                def conv(x, to=to):
                    if not isinstance(x, np.ndarray):
                        return x
                    return to(x, args.dtype if x.dtype.kind == "f" else None)
                kw = {k: conv(v) for k, v in opts.items()}
                v, g = losses.value_and_grad(entry.fn, conv(y_true), conv(y_pred), **kw)
                v, g = back(v), back(g)
                scale = max(1.0, float(np.max(np.abs(v_ref))))
                dv = float(np.max(np.abs(v - v_ref)))
                dg = float(np.max(np.abs(g - g_ref)))
                ok = dv <= TOL[args.dtype] * scale and dg <= TOL[args.dtype] * max(1.0, float(np.max(np.abs(g_ref))))
                failed += not ok
                shown = float(v) if np.ndim(v) == 0 else f"[{np.ndim(v)}-d]"
                rows.append((fw, dev, entry.name, option_label(options), shown, dv, dg, "pass" if ok else "FAIL"))
    head = ("backend", "device", "loss", "options", "value", "max|dvalue|", "max|dgrad|", "")
    w = [max(len(str(r[k])) if not isinstance(r[k], float) else 11 for r in rows + [head]) for k in range(8)]
    w[3] = min(w[3], 60)
    print(f"lossbridge parity report ({args.dtype}; reference: NumPy float64, closed-form gradients)")
    print("  ".join(h.ljust(w[k]) for k, h in enumerate(head)))
    for r in rows:
        cells = [str(r[0]), str(r[1]), r[2], r[3][:60],
                 f"{r[4]:.6g}" if isinstance(r[4], float) else r[4], f"{r[5]:.1e}", f"{r[6]:.1e}", r[7]]
        print("  ".join(c.ljust(w[k]) for k, c in enumerate(cells)))
    print(f"{len(rows) - failed}/{len(rows)} rows pass on {len({(r[0], r[1]) for r in rows})} backend/device pairs")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
