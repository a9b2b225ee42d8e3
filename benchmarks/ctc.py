"""CTC forward + backward: lossbridge against the native, per backend.

    python benchmarks/ctc.py [--backends torch,tensorflow,keras,jax,numpy] [--rounds 15]

A speech-sized batch (issue 13): float32 logits ``T = 200, N = 16, C = 32``,
labels of length ``L = 40`` drawn from the non-blank classes (blank 0). Two
variants: ``full`` (every input length ``T``, every label length ``L``) and
``varied`` (input lengths in ``[150, 200]``, label lengths in ``[20, 40]``).

Each row times one forward + backward (the gradient with respect to the
logits or log-probabilities), ours and the native side by side in one
process: warm-up, then paired rounds that alternate which goes first; the
table gives the medians and their ratio (goal: at most 1.5x).

- torch: eager ``backends.torch.CTCLoss`` vs ``torch.nn.CTCLoss`` (log-probs
  ``[T, N, C]`` as a leaf, ``reduction='mean'``).
- tensorflow: ``losses.ctc_loss`` under ``tf.function`` with a
  ``GradientTape`` vs ``tf.nn.ctc_loss`` (``blank_index=0``,
  ``logits_time_major=False``) the same way.
- keras: ``backends.keras.CTC`` vs ``keras.losses.CTC`` (TensorFlow backend,
  full lengths: Keras derives the label length from the non-zero labels and
  takes every step), inside ``tf.function`` with a tape.
- jax: ``jax.jit(jax.value_and_grad(sum of backends.jax.ctc_loss))`` vs the
  same over ``optax.ctc_loss``.
- torch-recursion (information, no goal): ``create_graph=True`` through
  ``backends.torch.CTCLoss`` -- the case that runs our recursion (the native
  has no second derivative) -- against the native's first-order step.
- numpy: ``losses.value_and_grad(losses.ctc_loss, ...)`` (closed-form
  forward--backward). NumPy has no native CTC: the reference column is
  torch's native ``F.ctc_loss`` on the CPU (log-softmax included), said so in
  the table.

It also checks that the compiled loops are loops: the JAX program (jaxpr of
the jitted value-and-grad) holds ``scan``/``while`` ops, no per-step unrolling,
and the ``tf.function`` graph holds a ``While`` op.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402

T, N, C, L = 200, 16, 32, 40
GOAL = 1.5


def make_inputs(variant: str, seed: int = 0) -> dict:
    """Logits ``[N, T, C]``, labels ``[N, L]`` in ``[1, C)`` (padded with 0 past
    their length), input and label lengths."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 1.0, size=(N, T, C)).astype(np.float32)
    labels = rng.integers(1, C, size=(N, L)).astype(np.int64)
    if variant == "full":
        in_len = np.full(N, T, dtype=np.int64)
        lab_len = np.full(N, L, dtype=np.int64)
    else:
        in_len = rng.integers(150, T + 1, size=N).astype(np.int64)
        lab_len = rng.integers(20, L + 1, size=N).astype(np.int64)
    labels[np.arange(L)[None, :] >= lab_len[:, None]] = 0
    return {"logits": logits, "labels": labels, "in_len": in_len, "lab_len": lab_len}


# --- per-backend steps: {"ours": fn, "native": fn}, each runs forward + backward -------


def torch_steps(d: dict) -> dict:
    import torch

    from backends.torch import CTCLoss

    lp = torch.tensor(d["logits"]).log_softmax(2).transpose(0, 1).contiguous().requires_grad_(True)
    y, il, tl = (torch.tensor(d[k]) for k in ("labels", "in_len", "lab_len"))
    ours_fn, native_fn = CTCLoss(), torch.nn.CTCLoss()

    def ours():
        (g,) = torch.autograd.grad(ours_fn(lp, y, il, tl), lp)
        return g

    def native():
        (g,) = torch.autograd.grad(native_fn(lp, y, il, tl), lp)
        return g

    return {"ours": ours, "native": native}


def torch_recursion_steps(d: dict) -> dict:
    """Not a goal row: ``create_graph=True`` (a gradient with its own derivative,
    which the native lacks) runs our recursion, a Python loop over ``T``;
    against the native's first-order step."""
    steps = torch_steps(d)
    import torch

    from backends.torch import CTCLoss

    lp = torch.tensor(d["logits"]).log_softmax(2).transpose(0, 1).contiguous().requires_grad_(True)
    y, il, tl = (torch.tensor(d[k]) for k in ("labels", "in_len", "lab_len"))
    fn = CTCLoss()

    def ours():
        (g,) = torch.autograd.grad(fn(lp, y, il, tl), lp, create_graph=True)
        return g

    return {"ours": ours, "native": steps["native"]}


def _tf_inputs(d: dict) -> tuple:
    import tensorflow as tf

    return (tf.constant(d["logits"]), tf.constant(d["labels"].astype(np.int32)),
            tf.constant(d["in_len"].astype(np.int32)), tf.constant(d["lab_len"].astype(np.int32)))


def tensorflow_steps(d: dict) -> dict:
    import tensorflow as tf

    import losses

    x, y, il, tl = _tf_inputs(d)

    @tf.function
    def ours(x, y, il, tl):
        with tf.GradientTape() as tape:
            tape.watch(x)
            v = losses.ctc_loss(y, x, input_lengths=tf.cast(il, x.dtype), label_lengths=tf.cast(tl, x.dtype),
                                reduction="sum")
        return v, tape.gradient(v, x)

    @tf.function
    def native(x, y, il, tl):
        with tf.GradientTape() as tape:
            tape.watch(x)
            v = tf.reduce_sum(tf.nn.ctc_loss(y, x, tl, il, logits_time_major=False, blank_index=0))
        return v, tape.gradient(v, x)

    return {"ours": lambda: ours(x, y, il, tl), "native": lambda: native(x, y, il, tl),
            "graph": ours.get_concrete_function(x, y, il, tl).graph}


def keras_steps(d: dict) -> dict:
    import keras
    import tensorflow as tf

    from backends.keras import CTC

    x, y, _, _ = _tf_inputs(d)
    ours_fn, native_fn = CTC(), keras.losses.CTC()

    def make(fn):
        @tf.function
        def step(x, y):
            with tf.GradientTape() as tape:
                tape.watch(x)
                v = fn(y, x)
            return v, tape.gradient(v, x)
        return step

    o, nat = make(ours_fn), make(native_fn)
    return {"ours": lambda: o(x, y), "native": lambda: nat(x, y)}


def jax_steps(d: dict) -> dict:
    import jax
    import jax.numpy as jnp
    import optax

    from backends.jax import ctc_loss

    x = jnp.asarray(d["logits"])
    y = jnp.asarray(d["labels"].astype(np.int32))
    lpad = jnp.asarray((np.arange(T)[None, :] >= d["in_len"][:, None]).astype(np.float32))
    ypad = jnp.asarray((np.arange(L)[None, :] >= d["lab_len"][:, None]).astype(np.float32))

    def ours_loss(x):
        return jnp.sum(ctc_loss(x, lpad, y, ypad))

    def native_loss(x):
        return jnp.sum(optax.ctc_loss(x, lpad, y, ypad))

    o = jax.jit(jax.value_and_grad(ours_loss))
    nat = jax.jit(jax.value_and_grad(native_loss))
    return {"ours": lambda: jax.block_until_ready(o(x)), "native": lambda: jax.block_until_ready(nat(x)),
            "jaxpr": jax.make_jaxpr(jax.value_and_grad(ours_loss))(x),
            "hlo": o.lower(x).compile().as_text()}


def numpy_steps(d: dict) -> dict:
    import torch
    import torch.nn.functional as F

    import losses

    x, y = d["logits"], d["labels"]
    il, tl = d["in_len"].astype(np.float32), d["lab_len"].astype(np.float32)
    xt = torch.tensor(x).requires_grad_(True)
    yt, ilt, tlt = (torch.tensor(d[k]) for k in ("labels", "in_len", "lab_len"))

    def ours():
        return losses.value_and_grad(losses.ctc_loss, y, x, input_lengths=il, label_lengths=tl, reduction="sum")

    def native():  # torch's native on the CPU: log-softmax + F.ctc_loss, forward + backward
        lp = xt.log_softmax(2).transpose(0, 1)
        (g,) = torch.autograd.grad(F.ctc_loss(lp, yt, ilt, tlt, reduction="sum"), xt)
        return g

    return {"ours": ours, "native": native}


STEPS = {"torch": torch_steps, "torch-recursion": torch_recursion_steps, "tensorflow": tensorflow_steps, "keras": keras_steps, "jax": jax_steps,
         "numpy": numpy_steps}
NATIVE = {"torch": "torch.nn.CTCLoss", "torch-recursion": "torch.nn.CTCLoss (first order)", "tensorflow": "tf.nn.ctc_loss", "keras": "keras.losses.CTC",
          "jax": "optax.ctc_loss", "numpy": "torch F.ctc_loss (CPU; no NumPy native)"}


def paired(ours, native, rounds: int, warmup: int = 2) -> tuple[float, float]:
    """Median seconds of ``ours`` and ``native``: paired rounds, alternating order."""
    for _ in range(warmup):
        ours()
        native()
    a, b = [], []
    for i in range(rounds):
        for name in (("ours", "native") if i % 2 == 0 else ("native", "ours")):
            fn = ours if name == "ours" else native
            t0 = time.perf_counter()
            fn()
            (a if name == "ours" else b).append(time.perf_counter() - t0)
    return statistics.median(a), statistics.median(b)


def check_loops(steps: dict, backend: str) -> str:
    """Loop structure of the compiled program (no Python loop over T)."""
    if backend == "jax":
        text = str(steps["jaxpr"])
        hlo = steps["hlo"]
        return (f"jaxpr: {text.count('scan[')} scan op(s); compiled HLO: {hlo.count(' while(')} while op(s); "
                f"{len(text.splitlines())} jaxpr lines (T = {T} unrolled would be thousands)")
    if backend == "tensorflow":
        ops = [op.type for op in steps["graph"].get_operations()]
        return (f"tf.function graph: {sum(o in ('While', 'StatelessWhile') for o in ops)} While op(s), "
                f"{len(ops)} ops at the top level")
    return ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="torch,tensorflow,keras,jax,numpy,torch-recursion")
    ap.add_argument("--variants", default="full,varied")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--torch-threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    args = ap.parse_args()
    if args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU(s), {platform.platform()}")
    print(f"python {platform.python_version()}; {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"CTC forward+backward, float32, T={T} N={N} C={C} L={L}, median of {args.rounds} paired rounds")
    if any(b.startswith(("torch", "numpy")) for b in args.backends.split(",")):
        import torch

        print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s)")
    rows, notes = [], []
    for backend in args.backends.split(","):
        for variant in args.variants.split(","):
            if backend == "keras" and variant != "full":
                continue  # keras.losses.CTC takes every step; lengths come from the labels
            steps = STEPS[backend](make_inputs(variant))
            if variant == "full":
                note = check_loops(steps, backend)
                if note:
                    notes.append(f"{backend}: {note}")
            o, nat = paired(steps["ours"], steps["native"], args.rounds)
            rows.append((backend, variant, o * 1e3, nat * 1e3, o / nat))
            print(f"  {backend:<11}{variant:<8}{o * 1e3:10.2f}{nat * 1e3:12.2f}{o / nat:9.2f}", flush=True)
    print()
    print("| backend | lengths | ours (ms) | native (ms) | ratio | goal 1.5x | native |")
    print("|---|---|---|---|---|---|---|")
    for b, v, o, nat, r in rows:
        goal = "n/a (info)" if b == "torch-recursion" else "met" if r <= GOAL else "NOT met"
        print(f"| {b} | {v} | {o:.2f} | {nat:.2f} | {r:.2f} | {goal} | {NATIVE[b]} |")
    for n in notes:
        print(n)


if __name__ == "__main__":
    main()
