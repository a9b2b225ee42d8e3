"""Conformance of ``backends.keras`` with Keras' native losses, on the active Keras backend.

Imported by ``tests/test_keras_adapter.py`` (the test process's backend, TensorFlow by
default), and run as a script in a subprocess per other backend (Keras picks its backend
at import time)::

    KERAS_BACKEND=jax python tests/_keras_conformance.py     # prints one JSON line

Each case builds our class and the native class with the same options, calls both on the
same inputs (with ``sample_weight`` and a Keras mask on ``y_pred`` when the case has them)
and compares the loss and its gradient with respect to ``y_pred``.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

if __name__ == "__main__":  # run from the repository root or tests/
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from keras import ops  # noqa: E402

import backends.keras as bk  # noqa: E402

try:
    from keras.src.backend import set_keras_mask
except ImportError:  # pragma: no cover
    def set_keras_mask(x: Any, mask: Any) -> None:
        x._keras_mask = mask

BACKEND = keras.backend.backend()
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")
NATIVE = {
    bk.CategoricalCrossentropy: keras.losses.CategoricalCrossentropy,
    bk.SparseCategoricalCrossentropy: keras.losses.SparseCategoricalCrossentropy,
    bk.BinaryCrossentropy: keras.losses.BinaryCrossentropy,
}


# --- autodiff on the active backend ------------------------------------------------


def value_and_grad(f: Any, x: np.ndarray, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """``f(x)`` and the vector-Jacobian product of ones (the gradient of its sum)."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        t = tf.constant(x, dtype=dtype)
        with tf.GradientTape() as tape:
            tape.watch(t)
            v = f(t)
        g = tape.gradient(v, t, output_gradients=tf.ones_like(v))
    elif BACKEND == "jax":
        import jax
        import jax.numpy as jnp

        v, vjp = jax.vjp(f, jnp.asarray(x, dtype=dtype))
        (g,) = vjp(jnp.ones_like(v))
    elif BACKEND == "torch":
        import torch

        t = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
        v = f(t)
        (g,) = torch.autograd.grad(v, t, torch.ones_like(v), allow_unused=True)
        v = v.detach()
    else:  # pragma: no cover
        raise RuntimeError(f"no autodiff for Keras backend {BACKEND!r}")
    v = ops.convert_to_numpy(v)
    g = np.zeros_like(x) if g is None else ops.convert_to_numpy(g)
    return np.asarray(v, np.float64), np.asarray(g, np.float64)


def tolerance(dtype: str) -> dict:
    """float64: 1e-9, except on Keras' JAX and torch backends, whose ``ops.mean`` computes
    a float64 mean in float32 (``result_type(x.dtype, "float32")`` is float32 there): the
    natives and the ``keras.ops`` references are off by ~1e-8 there, ours is not
    (``float64_exactness`` in ``_keras_catalog_conformance.py`` holds it to 1e-12)."""
    if dtype == "float64":
        return dict(rtol=1e-9, atol=1e-12) if BACKEND == "tensorflow" else dict(rtol=1e-7, atol=1e-7)
    return dict(rtol=2e-5, atol=1e-6)


# --- cases -------------------------------------------------------------------------


@dataclass
class Case:
    id: str
    cls: type
    options: dict
    reduction: str
    sw: str          # "none" | "N" | "NT": no sample_weight, shape [N], shape [N, T]
    mask: bool       # a Keras mask on y_pred
    dtype: str       # the Loss's dtype (and the inputs')
    seed: int = 0
    #: compare with the native on channels-last inputs (native axis=-1), where the
    #: native cannot or does not do ``axis=1`` right (see ``native_via_channels_last``)
    channels_last_ref: bool = field(default=False)


def native_via_channels_last(cls: type, options: dict, ndim: int) -> bool:
    """Where the native is wrong or raises for ``axis=1``, the reference is the native
    on the same data moved to channels-last. Sparse: the native raises for ``axis != -1``
    on TensorFlow and JAX. Categorical with label smoothing: the native divides the
    smoothing by ``y_true.shape[-1]`` instead of the class count (documented difference,
    asserted in ``test_keras_adapter.py``)."""
    if options.get("axis") != 1 or ndim < 3:
        return False
    if cls is bk.SparseCategoricalCrossentropy:
        return True
    return cls is bk.CategoricalCrossentropy and options.get("label_smoothing", 0) > 0


def _math_options() -> list[tuple[type, dict]]:
    out = []
    for fl in (False, True):
        for ls in (0.0, 0.2):
            for axis in (-1, 1):
                out.append((bk.CategoricalCrossentropy, dict(from_logits=fl, label_smoothing=ls, axis=axis)))
                out.append((bk.BinaryCrossentropy, dict(from_logits=fl, label_smoothing=ls, axis=axis)))
        for ic in (None, 2, -1):
            for axis in (-1, 1):
                out.append((bk.SparseCategoricalCrossentropy, dict(from_logits=fl, ignore_class=ic, axis=axis)))
    return out


def cases(quick: bool = False) -> list[Case]:
    """Every option set × every reduction; the sample-weight shape, the mask and the
    dtype rotate over the option sets so that each class meets every
    (reduction, sample_weight, mask) combination and both dtypes. ``quick``: every
    option set once, the reduction rotating too (each class still meets every
    reduction, sample-weight shape, mask and dtype)."""
    out = []
    per_class: dict[type, int] = {}
    for cls, opts in _math_options():
        j = per_class[cls] = per_class.get(cls, -1) + 1
        sw = ("none", "N", "NT")[j % 3]
        mask = (j // 3) % 2 == 1
        dtype = ("float32", "float64")[(j // 2) % 2]
        for red in (REDUCTIONS[j % len(REDUCTIONS)],) if quick else REDUCTIONS:
            name = "-".join(f"{k}={v}" for k, v in opts.items())
            out.append(Case(f"{cls.__name__}-{name}-{red}-sw{sw}-mask{int(mask)}-{dtype}",
                            cls, opts, red, sw, mask, dtype, seed=j))
    return out


def inputs(case: Case) -> dict:
    """NumPy inputs: 2-D [N, C] when the sample weight is [N], else 3-D with a
    sequence axis T ([N, T, C], or [N, C, T] for axis=1)."""
    rng = np.random.default_rng(case.seed)
    n, t, c = 4, 3, 5
    ndim = 2 if case.sw == "N" else 3
    axis = case.options["axis"]
    shape = (n, c) if ndim == 2 else ((n, c, t) if axis == 1 else (n, t, c))
    cax = 1 if (ndim == 2 or axis == 1) else 2
    loss_shape = (n,) if ndim == 2 else (n, t)
    fl = case.options["from_logits"]
    z = rng.normal(size=shape) * 2.0
    if case.cls is bk.BinaryCrossentropy:
        y_pred = z if fl else rng.uniform(0.02, 0.98, shape)
        y_true = np.where(rng.uniform(size=shape) < 0.3, rng.uniform(size=shape),
                          (rng.uniform(size=shape) < 0.5).astype(float))
    else:
        if fl:
            y_pred = z
        else:  # probabilities that do not sum to 1 (Keras renormalises them); sparse:
            # none above 1 - 1e-7, where Keras' TensorFlow backend clips before it
            # renormalises (a documented difference, tested on its own)
            e = np.exp(z - z.max(cax, keepdims=True))
            hi = 1.0 if case.cls is bk.SparseCategoricalCrossentropy else 1.3
            y_pred = e / e.sum(cax, keepdims=True) * rng.uniform(0.7, hi, size=loss_shape)[
                (slice(None),) * cax + (None,)]
        labels = rng.integers(0, c, size=loss_shape)
        if case.cls is bk.SparseCategoricalCrossentropy:
            ic = case.options["ignore_class"]
            if ic is not None:
                labels.flat[[0, 3]] = ic
            y_true = labels
        else:
            soft = rng.dirichlet(np.ones(c), size=loss_shape)
            y_true = np.moveaxis(soft, -1, cax) if cax != ndim - 1 else soft
    sw = {"none": None, "N": rng.uniform(0.2, 2.0, n), "NT": rng.uniform(0.0, 2.0, (n, t))}[case.sw]
    mask = None
    if case.mask:
        mask = rng.uniform(size=loss_shape) < 0.7
        mask.flat[0] = True
    return dict(y_true=y_true, y_pred=y_pred, sw=sw, mask=mask, ndim=ndim)


def _loss_fn(loss: Any, y_true: Any, sw: Any, mask: Any, channels_last: bool) -> Any:
    def f(y_pred: Any) -> Any:
        yt, yp = y_true, y_pred
        if channels_last:
            yp = ops.moveaxis(yp, 1, -1)
            if len(np.shape(yt)) == len(yp.shape):
                yt = np.moveaxis(yt, 1, -1)
        if mask is not None:
            set_keras_mask(yp, ops.convert_to_tensor(mask))
        return loss(yt, yp, sample_weight=sw)

    return f


def with_warnings(fn: Any, *args: Any) -> tuple[Any, set[str]]:
    """``fn(*args)`` and the messages of the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args)
    return out, {str(w.message)[:160] for w in caught}


def check(case: Case) -> str | None:
    """Compare ours with the native on ``case``; ``None`` when they agree, else why not."""
    d = inputs(case)
    opts = dict(case.options)
    ours = case.cls(**opts, reduction=case.reduction, dtype=case.dtype)
    via = native_via_channels_last(case.cls, opts, d["ndim"])
    n_opts = dict(opts, axis=-1) if via else opts
    native = NATIVE[case.cls](**n_opts, reduction=case.reduction, dtype=case.dtype)
    y_true = d["y_true"] if case.cls is bk.SparseCategoricalCrossentropy else d["y_true"].astype(case.dtype)
    sw = None if d["sw"] is None else d["sw"].astype(case.dtype)
    (v1, g1), w1 = with_warnings(
        value_and_grad, _loss_fn(ours, y_true, sw, d["mask"], False), d["y_pred"], case.dtype)
    (v2, g2), w2 = with_warnings(
        value_and_grad, _loss_fn(native, y_true, sw, d["mask"], via), d["y_pred"], case.dtype)
    tol = tolerance(case.dtype)
    if w1 - w2:
        return f"{case.id}: warned where the native does not: {sorted(w1 - w2)[:2]}"
    if v1.shape != v2.shape:
        return f"{case.id}: shape {v1.shape} != native {v2.shape}"
    if not np.all(np.isfinite(v1)) or not np.all(np.isfinite(g1)):
        return f"{case.id}: non-finite value or gradient"
    if not np.allclose(v1, v2, **tol):
        return f"{case.id}: value {v1.ravel()[:4]} != native {v2.ravel()[:4]}"
    if not np.allclose(g1, g2, **tol):
        return f"{case.id}: gradient differs by {np.max(np.abs(g1 - g2)):.3g}"
    return None


# --- Keras softmax / sigmoid outputs: scored from their logits? ------------------------


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def keras_logits_check() -> dict:
    """Ours and the native on the output of ``keras.activations.softmax``/``sigmoid``
    with extreme logits, beside two closed forms (NumPy, float64): ``exact`` (from the
    logits) and ``clipped`` (from the float32 probabilities clipped to
    ``[1e-7, 1 - 1e-7]``). Also the largest gradient error (w.r.t. the logits) of ours
    against the exact gradient, and whether ours warned."""
    lo, hi = float(np.float32(1e-7)), float(np.float32(1 - 1e-7))  # Keras clips in float32
    out = {}
    z = np.array([[30.0, 0.0, -30.0], [0.0, 1.0, 2.0]], np.float32)
    y = np.array([2, 0])
    p32 = np.exp(_log_softmax(z.astype(np.float64))).astype(np.float32).astype(np.float64)
    pc = np.clip(p32 / p32.sum(-1, keepdims=True), lo, hi)
    lsm = _log_softmax(z.astype(np.float64))
    sm_grad = (np.exp(lsm) - np.eye(3)[y]) / len(y)
    cases_ = {
        "sparse": (bk.SparseCategoricalCrossentropy, keras.losses.SparseCategoricalCrossentropy,
                   keras.activations.softmax, y, z,
                   -lsm[np.arange(2), y].mean(), -np.log(pc[np.arange(2), y]).mean(), sm_grad),
    }
    zb = np.array([[20.0, -20.0, 0.5]], np.float32)
    yb = np.array([[0.0, 1.0, 1.0]], np.float32)
    zb64 = zb.astype(np.float64)
    sp = np.logaddexp(0, zb64)  # softplus(z) = -log(1 - sigmoid(z))
    exact_b = ((1 - yb) * sp + yb * (sp - zb64)).mean()
    pb = np.clip((1 / (1 + np.exp(-zb64))).astype(np.float32).astype(np.float64), lo, hi)
    clipped_b = (-(yb * np.log(pb) + (1 - yb) * np.log(1 - pb))).mean()
    sig_grad = (1 / (1 + np.exp(-zb64)) - yb) / zb.size
    cases_["binary"] = (bk.BinaryCrossentropy, keras.losses.BinaryCrossentropy,
                        keras.activations.sigmoid, yb, zb, exact_b, clipped_b, sig_grad)
    for name, (ours_cls, native_cls, act, yt, logits, exact, clipped, grad) in cases_.items():
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            v_ours, g_ours = value_and_grad(lambda t, c=ours_cls, a=act, yt=yt: c()(yt, a(t)), logits, "float32")
            v_warn, _ = value_and_grad(
                lambda t, c=ours_cls, a=act, yt=yt: c(from_logits=True)(yt, a(t)), logits, "float32")
        warned = any("does not represent logits" in str(x.message) for x in w)
        v_nat, _ = value_and_grad(lambda t, c=native_cls, a=act, yt=yt: c()(yt, a(t)), logits, "float32")
        out[name] = {"ours": float(v_ours), "native": float(v_nat), "exact": float(exact),
                     "clipped": float(clipped), "grad_err": float(np.max(np.abs(g_ours - grad))),
                     "warned_from_logits_true": warned, "from_logits_true": float(v_warn)}
    return out


# --- a short fit: ours and the native from the same seed -----------------------------


def fit_histories(epochs: int = 3) -> tuple[list[float], list[float], list[str]]:
    """Loss histories of ours and the native, and the warnings only ours raised."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = (x[:, :3].sum(1) > 0).astype("int64") + (x[:, 3] > 0.5)

    def run(loss: Any) -> tuple[list[float], set[str]]:
        return with_warnings(_fit, loss)

    def _fit(loss: Any) -> list[float]:
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="tanh"),
                                  keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
        h = model.fit(x, y, batch_size=16, epochs=epochs, shuffle=False, verbose=0)
        return [float(v) for v in h.history["loss"]]

    (ours, w1), (native, w2) = run(bk.SparseCategoricalCrossentropy()), run(
        keras.losses.SparseCategoricalCrossentropy())
    return ours, native, sorted(w1 - w2)


def float64_available() -> bool:
    if BACKEND != "jax":
        return True
    import jax

    return bool(jax.config.jax_enable_x64)


def main(argv: list[str]) -> int:
    all_cases = cases(quick="--quick" in argv)
    if not float64_available():  # JAX without x64: Keras computes float64 losses in float32
        for c in all_cases:
            c.dtype = "float32"
    failures = [msg for msg in map(check, all_cases) if msg]  # incl. warnings the native lacks
    ours, native, extra = fit_histories()
    if extra:
        failures.append(f"fit: ours warned where the native does not: {extra[:2]}")
    logits = keras_logits_check()
    fit_diff = max(abs(a - b) for a, b in zip(ours, native))
    if not fit_diff < 1e-5 or not all(np.isfinite(ours)):
        failures.append(f"fit: ours {ours} vs native {native}")
    print(json.dumps({"backend": BACKEND, "cases": len(all_cases), "failures": failures,
                      "float64": float64_available(), "fit": [ours, native],
                      "keras_logits": logits}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
