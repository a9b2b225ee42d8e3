"""Eager JAX calls: one staged (compiled, cached) program vs op by op.

    python benchmarks/jax_eager.py [--repeats N]

An eager call of a loss on concrete JAX arrays runs as one ``jax.jit``
program cached by its static configuration (``losses/_core.py``,
``_staged``); before, it ran op by op (every primitive dispatched from
Python, and compiled for each new shape). Side by side in one process,
interleaved: the first call at a new shape (compilation included) and the
median of repeated calls, for the loss and for ``losses.value_and_grad``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import losses  # noqa: E402
from losses import _core  # noqa: E402

_STAGED = _core._staged


def op_by_op(on: bool) -> None:
    _core._staged = (lambda *a, **k: _core._UNSTAGED) if on else _STAGED


def timed(f) -> float:
    t = time.perf_counter()
    jax.block_until_ready(f())
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=50)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    cases = [
        ("sparse_categorical_crossentropy", {"from_logits": True}, "labels"),
        ("categorical_crossentropy", {"from_logits": True, "label_smoothing": 0.1}, "dense"),
        ("binary_crossentropy", {"from_logits": True}, "binary"),
    ]
    print(f"jax {jax.__version__}, {os.cpu_count()} CPU(s)")
    print(f"{'loss':34s} {'call':15s} {'size':8s} {'first: op-by-op':>16s} {'staged':>8s}"
          f" {'repeat: op-by-op':>17s} {'staged':>9s}")
    for name, opts, kind in cases:
        fn = getattr(losses, name)
        for n, c in [(64, 10), (1024, 1000)]:
            z = jnp.asarray(rng.normal(size=(n, c)).astype(np.float32))
            if kind == "labels":
                y = jnp.asarray(rng.integers(0, c, size=n))
            elif kind == "dense":
                y = jax.nn.one_hot(jnp.asarray(rng.integers(0, c, size=n)), c)
            else:
                y = jnp.asarray((rng.uniform(size=(n, c)) < 0.5).astype(np.float32))
            for call, f in [("loss", lambda fn=fn, y=y, z=z, o=opts: fn(y, z, **o)),
                            ("value_and_grad",
                             lambda fn=fn, y=y, z=z, o=opts: losses.value_and_grad(fn, y, z, **o))]:
                first, rep = {}, {True: [], False: []}
                for mode in (True, False):  # first call at this shape: op by op, then staged
                    op_by_op(mode)
                    first[mode] = timed(f)
                for _ in range(args.repeats):
                    for mode in (True, False):
                        op_by_op(mode)
                        rep[mode].append(timed(f))
                op_by_op(False)
                med = {m: statistics.median(v) for m, v in rep.items()}
                print(f"{name:34s} {call:15s} {f'{n}x{c}':8s} {first[True] * 1e3:13.1f} ms {first[False] * 1e3:5.1f} ms"
                      f" {med[True] * 1e3:14.3f} ms {med[False] * 1e3:6.3f} ms")


if __name__ == "__main__":
    main()
