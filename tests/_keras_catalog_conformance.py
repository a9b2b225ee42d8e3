"""Conformance of the catalogue classes of ``backends.keras`` (focal, poly, divergences,
regression) on the active Keras backend.

Imported by ``tests/test_keras_catalog.py`` (cases on the test process's backend) and run
as a script in one subprocess per other backend (Keras picks its backend at import time)::

    KERAS_BACKEND=jax JAX_ENABLE_X64=1 python tests/_keras_catalog_conformance.py --quick  # one JSON line

Each case builds our class and a reference with the same options, calls both on the same
inputs (``sample_weight`` of shape ``[N]`` or ``[N, T]``, a Keras mask on ``y_pred``) under
every reduction, and compares the loss and its gradient with respect to ``y_pred``. The
reference is the native Keras class where Keras has one; where it has none, it is built
from native Keras pieces: ``keras.losses.CategoricalFocalCrossentropy`` on one-hot labels
(sparse focal), ``keras.losses.categorical_crossentropy`` plus the poly term (Poly-1),
``keras.losses.huber / beta`` (smooth L1), or the documented formula in ``keras.ops``
in a plain ``keras.losses.Loss`` (JS divergence, Poisson and Gaussian NLL)
-- so Keras' own ``Loss`` does the weighting, masking and reduction of the reference.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

if __name__ == "__main__":  # run from the repository root or tests/
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import _keras_conformance as kc  # noqa: E402
import keras  # noqa: E402
from keras import ops  # noqa: E402

import backends.keras as bk  # noqa: E402

BACKEND = keras.backend.backend()
REDUCTIONS = kc.REDUCTIONS
N, T, C = 4, 3, 5


def native_class(dotted: str) -> type:
    """``keras.losses.X`` from its dotted name (``CATALOG``'s second field)."""
    obj: Any = keras
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


#: the Keras class each of ours must equal (the rest have references built below)
NATIVE = {getattr(bk, name): native_class(native)
          for name, (_, native) in bk.CATALOG.items() if native is not None}

#: option sets (our constructor's keyword arguments) per class
OPTIONS: dict[type, list[dict]] = {
    bk.BinaryFocalCrossentropy: [
        dict(from_logits=fl, **o) for fl in (False, True) for o in (
            {},
            dict(apply_class_balancing=True, alpha=0.3, gamma=0.5),
            dict(label_smoothing=0.2, gamma=3.0, axis=1),
            dict(apply_class_balancing=True, alpha=0.8, label_smoothing=0.1, gamma=0.0),
        )
    ],
    bk.CategoricalFocalCrossentropy: [
        dict(from_logits=fl, **o) for fl in (False, True) for o in (
            {},
            dict(alpha=0.6, gamma=0.5, label_smoothing=0.2),
            dict(alpha=0.4, gamma=1.5, axis=1),
            dict(alpha=[0.1, 0.3, 0.5, 0.7, 0.9], gamma=0.0, label_smoothing=0.1, axis=1),
        )
    ],
    bk.SparseCategoricalFocalCrossentropy: [
        dict(from_logits=fl, **o) for fl in (False, True) for o in (
            {},
            dict(alpha=[0.2, 0.4, 0.6, 0.8, 1.0], gamma=0.5, ignore_class=2),
            dict(label_smoothing=0.2, ignore_class=-1, gamma=3.0, axis=1),
            dict(alpha=1.0, gamma=2.0, axis=1),
        )
    ],
    bk.PolyCrossentropy: [
        dict(from_logits=fl, **o) for fl in (False, True) for o in (
            {}, dict(epsilon=-1.0, label_smoothing=0.1), dict(epsilon=1.0, label_smoothing=0.2, axis=1),
        )
    ],
    bk.KLDivergence: [{}, {}, {}],
    bk.JSDivergence: [dict(from_logits=False), dict(from_logits=True),
                      dict(from_logits=False, axis=1), dict(from_logits=True, axis=1)],
    bk.MeanSquaredError: [{}, {}, {}],
    bk.MeanAbsoluteError: [{}, {}, {}],
    bk.Huber: [{}, dict(delta=0.5), dict(delta=2.0)],
    bk.SmoothL1: [{}, dict(beta=0.5), dict(beta=0.0)],
    bk.LogCosh: [{}, {}, {}],
    bk.MeanAbsolutePercentageError: [{}, {}, {}],
    bk.MeanSquaredLogarithmicError: [{}, {}, {}],
    bk.Poisson: [{}, {}, {}],
    bk.PoissonNLL: [{}, dict(full=True), dict(log_input=False), dict(log_input=False, full=True, epsilon=1e-3)],
    bk.GaussianNLL: [{}, dict(full=True), dict(epsilon=0.05)],
    # --- margin ---
    bk.Hinge: [{}, {}, {}],
    bk.SquaredHinge: [{}, {}, {}],
    bk.CategoricalHinge: [{}, {}, {}],
    # --- similarity ---
    bk.CosineSimilarity: [{}, dict(axis=1), dict(axis=-1)],
    bk.CosineDistance: [{}, dict(axis=1), dict(axis=-1)],
    bk.CosineEmbedding: [{}, dict(margin=0.2), dict(margin=-0.3)],
    bk.TripletMargin: [{}, dict(margin=0.5, p=1.0, swap=True), dict(p=3.0, epsilon=1e-3, margin=2.0)],
    # --- overlap ---
    bk.Dice: [dict(axis=-1), dict(axis=1), dict(axis=[-1])],
    bk.Tversky: [dict(axis=-1), dict(alpha=0.2, beta=0.8, axis=1), dict(alpha=1.5, beta=0.0, axis=-1)],
    bk.CategoricalGeneralizedCrossEntropy: [{}, dict(q=0.2), dict(q=0.9)],
}
CLASSES = tuple(OPTIONS)
CLASS_AXIS = (bk.CategoricalFocalCrossentropy, bk.SparseCategoricalFocalCrossentropy,
              bk.PolyCrossentropy, bk.JSDivergence)


@dataclass
class Case:
    id: str
    cls: type
    options: dict
    reduction: str
    sw: str          # "none" | "N" | "NT": no sample_weight, shape [N], shape [N, T]
    mask: bool       # a Keras mask on y_pred
    dtype: str       # the Loss's dtype (and the inputs')
    seed: int


def cases(quick: bool = False) -> list[Case]:
    """Every option set x every reduction. Per class, the j-th case takes the
    sample-weight shape ``j % 3`` and (dtype, mask) ``j % 4``: with 12 or more
    cases a class meets every (sample_weight, mask, dtype) combination.

    ``quick`` (the subprocesses: JAX compiles every new shape and dtype, so cases
    are dear there): ``max(5, option sets)`` cases per class, the option sets
    cycling and the reduction rotating, so that each class still meets every option
    set and every reduction (and, rotating, the sample-weight shapes, masks and dtypes)."""
    out = []
    for cls, option_sets in OPTIONS.items():
        if quick:
            n = max(5, len(option_sets))
            plan = [(j % len(option_sets), REDUCTIONS[j % 5]) for j in range(n)]
        else:
            plan = [(k, red) for k in range(len(option_sets)) for red in REDUCTIONS]
        for j, (k, red) in enumerate(plan):
            opts = option_sets[k]
            sw = ("none", "N", "NT")[j % 3]
            dtype = ("float32", "float64")[j % 2]
            mask = (j // 2) % 2 == 1
            name = "-".join(f"{a}={v}" for a, v in opts.items()) or "defaults"
            out.append(Case(f"{cls.__name__}-{k}-{name}-{red}-sw{sw}-mask{int(mask)}-{dtype}",
                            cls, opts, red, sw, mask, dtype, seed=1000 * k + j))
    return out


# --- inputs ------------------------------------------------------------------------------


def inputs(case: Case) -> dict:
    """NumPy float64 inputs: 2-D ``[N, C]`` when the sample weight is ``[N]``, else 3-D
    ``[N, T, C]`` (``[N, C, T]`` for ``axis=1``). ``C`` is the class / feature axis;
    ``cax`` its position."""
    rng = np.random.default_rng(case.seed)
    ndim = 2 if case.sw == "N" else 3
    axis = case.options.get("axis", -1)
    shape = (N, C) if ndim == 2 else ((N, C, T) if axis == 1 else (N, T, C))
    cax = 1 if (ndim == 2 or axis == 1) else 2
    loss_shape = (N,) if ndim == 2 else (N, T)
    cls, fl = case.cls, case.options.get("from_logits", False)
    z = rng.normal(size=shape) * 2.0
    labels = None
    if cls is bk.BinaryFocalCrossentropy:
        y_pred = z if fl else rng.uniform(0.02, 0.98, shape)
        y_true = np.where(rng.uniform(size=shape) < 0.3, rng.uniform(size=shape),
                          (rng.uniform(size=shape) < 0.5).astype(float))
    elif cls in CLASS_AXIS:
        if fl:
            y_pred = z
        else:  # positive, not summing to 1 (renormalised)
            e = np.exp(z / 2.0)
            y_pred = e / e.sum(cax, keepdims=True) * rng.uniform(0.7, 1.3, size=loss_shape)[
                (slice(None),) * cax + (None,)]
        if cls is bk.SparseCategoricalFocalCrossentropy:
            labels = rng.integers(0, C, size=loss_shape)
            ic = case.options.get("ignore_class")
            if ic is not None:
                labels.flat[[1, 3]] = ic
            y_true = labels
        elif cls is bk.JSDivergence:  # non-negative weights (renormalised)
            y_true = rng.uniform(0.05, 1.0, size=shape)
        else:
            soft = rng.dirichlet(np.ones(C), size=loss_shape)
            y_true = np.moveaxis(soft, -1, cax)
    elif cls is bk.KLDivergence:
        y_true = rng.dirichlet(np.ones(C), size=loss_shape)
        y_true[rng.uniform(size=y_true.shape) < 0.2] = 0.0  # clipped to epsilon
        y_pred = rng.uniform(0.01, 0.9, size=shape)
    elif cls is bk.Poisson or cls is bk.PoissonNLL and not case.options.get("log_input", True):
        y_true = rng.integers(0, 6, size=shape).astype(float)
        y_pred = rng.uniform(0.1, 5.0, size=shape)
    elif cls is bk.PoissonNLL:
        y_true = rng.integers(0, 6, size=shape).astype(float)
        y_pred = rng.normal(size=shape)
    elif cls is bk.GaussianNLL:
        y_true = rng.normal(size=shape)
        var = rng.uniform(0.1, 2.0, size=shape)  # above every epsilon: the clamp is tested apart
        y_pred = np.concatenate([y_true + rng.normal(size=shape), var], axis=-1)
    elif cls in (bk.Hinge, bk.SquaredHinge):  # 0/1 labels (converted) or -1/+1, by seed
        y_true = (rng.uniform(size=shape) < 0.5).astype(float)
        if case.seed % 2:
            y_true = 2.0 * y_true - 1.0
        y_pred = rng.normal(size=shape) * 1.5
    elif cls is bk.CategoricalHinge:
        y_true = np.eye(C)[rng.integers(0, C, size=loss_shape)]
        y_pred = rng.normal(size=shape) * 1.5
    elif cls is bk.CosineEmbedding:  # x1 | x2, targets +-1 (and one 0: scores 0)
        y_true = np.where(rng.uniform(size=loss_shape) < 0.5, 1.0, -1.0)
        y_true.flat[0] = 0.0
        x1 = rng.normal(size=shape)
        y_pred = np.concatenate([x1, 0.5 * x1 + rng.normal(size=shape)], axis=-1)
    elif cls is bk.TripletMargin:  # anchor | positive | negative; y_true unused
        y_true = np.zeros(loss_shape)
        a = rng.normal(size=shape)
        y_pred = np.concatenate([a, a + 0.6 * rng.normal(size=shape), a + rng.normal(size=shape)], axis=-1)
    elif cls in (bk.Dice, bk.Tversky):  # masks against probabilities
        y_true = (rng.uniform(size=shape) < 0.4).astype(float)
        y_pred = rng.uniform(0.0, 1.0, size=shape)
    elif cls is bk.CategoricalGeneralizedCrossEntropy:  # labels, probabilities on the last axis
        labels = y_true = rng.integers(0, C, size=loss_shape)
        e = np.exp(z)
        y_pred = e / e.sum(-1, keepdims=True)
    else:  # MSE, MAE, Huber, SmoothL1, LogCosh: errors on both sides of 0.5, 1, 2
        y_true = rng.normal(size=shape)
        y_pred = y_true + rng.normal(size=shape) * 1.5
    sw = {"none": None, "N": rng.uniform(0.2, 2.0, N), "NT": rng.uniform(0.0, 2.0, (N, T))}[case.sw]
    mask = None
    if case.mask:
        mask = rng.uniform(size=loss_shape) < 0.7
        mask.flat[0] = True
    return dict(y_true=y_true, y_pred=y_pred, sw=sw, mask=mask, ndim=ndim, cax=cax, labels=labels)


# --- references ----------------------------------------------------------------------------


class _Formula(keras.losses.Loss):
    """A plain ``keras.losses.Loss`` whose ``call`` is a formula: Keras' own ``__call__``
    converts, weighs, masks and reduces."""

    def __init__(self, fn: Any, reduction: str, dtype: str) -> None:
        super().__init__(reduction=reduction, dtype=dtype)
        self.fn = fn

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return self.fn(y_true, y_pred)


def _wrap(fn: Any, case: Case) -> keras.losses.Loss:
    return _Formula(fn, case.reduction, case.dtype)


def _poly_ref(y: Any, z: Any, epsilon: float, from_logits: bool, label_smoothing: float) -> Any:
    """``keras.losses.categorical_crossentropy + epsilon * sum(y' (1 - p))`` (last axis)."""
    ce = keras.losses.categorical_crossentropy(y, z, from_logits=from_logits,
                                               label_smoothing=label_smoothing)
    ys = y * (1.0 - label_smoothing) + label_smoothing / y.shape[-1]
    p = ops.softmax(z, axis=-1) if from_logits else z / ops.sum(z, axis=-1, keepdims=True)
    return ce + epsilon * ops.sum(ys * (1.0 - p), axis=-1)


def _js_ref(y: Any, z: Any, from_logits: bool) -> Any:
    """``JS(P, Q) = KL(P || M) / 2 + KL(Q || M) / 2`` (last axis), P and Q renormalised."""
    p = y / ops.sum(y, axis=-1, keepdims=True)
    q = ops.softmax(z, axis=-1) if from_logits else z / ops.sum(z, axis=-1, keepdims=True)
    m = 0.5 * (p + q)
    return 0.5 * ops.sum(p * (ops.log(p) - ops.log(m)) + q * (ops.log(q) - ops.log(m)), axis=-1)


def _poisson_nll_ref(y: Any, x: Any, log_input: bool, full: bool, epsilon: float) -> Any:
    """torch's documented ``PoissonNLLLoss``, averaged over the last axis."""
    loss = ops.exp(x) - y * x if log_input else x - y * ops.log(x + epsilon)
    if full:
        ys = ops.where(y > 1.0, y, ops.ones_like(y))
        stirling = ys * ops.log(ys) - ys + 0.5 * ops.log(2.0 * math.pi * ys)
        loss = loss + ops.where(y > 1.0, stirling, ops.zeros_like(y))
    return ops.mean(loss, axis=-1)


def _gaussian_nll_ref(y: Any, out: Any, full: bool, epsilon: float) -> Any:
    """torch's documented ``GaussianNLLLoss`` on ``out = [mean | var]``, averaged over the last axis."""
    d = y.shape[-1]
    mu, var = out[..., :d], ops.maximum(out[..., d:], epsilon)
    loss = 0.5 * (ops.log(var) + ops.square(y - mu) / var)
    return ops.mean(loss + (0.5 * math.log(2.0 * math.pi) if full else 0.0), axis=-1)


def _embedding_ref(y: Any, x: Any, margin: float) -> Any:
    """torch's ``cosine_embedding_loss`` (ATen's formula, ``EPSILON = 1e-12``) in ``keras.ops``."""
    c = x.shape[-1] // 2
    x1, x2 = x[..., :c], x[..., c:]
    s = lambda v: ops.sum(v, axis=-1)  # noqa: E731
    cos = s(x1 * x2) / ops.sqrt((s(x1 * x1) + 1e-12) * (s(x2 * x2) + 1e-12))
    zero = ops.zeros_like(cos)
    return ops.where(y == 1.0, 1.0 - cos, zero) + ops.where(y == -1.0, ops.maximum(cos - margin, 0.0), zero)


def _triplet_ref(x: Any, margin: float, deg: float, eps: float, swap: bool) -> Any:
    """torch's ``triplet_margin_loss`` (``pairwise_distance`` ``||a - b + eps||_p``) in ``keras.ops``."""
    c = x.shape[-1] // 3
    a, p, n = x[..., :c], x[..., c:2 * c], x[..., 2 * c:]

    def dist(u: Any, v: Any) -> Any:
        return ops.power(ops.sum(ops.power(ops.abs(u - v + eps), deg), axis=-1), 1.0 / deg)

    dn = ops.minimum(dist(a, n), dist(p, n)) if swap else dist(a, n)
    return ops.maximum(margin + dist(a, p) - dn, 0.0)


def reference(case: Case, d: dict) -> tuple[keras.losses.Loss, Any, Any, bool]:
    """``(loss, y_true, mask, channels_last)``: the reference Loss, the ``y_true`` and
    Keras mask to call it with, and whether ``y_pred`` (and a same-rank ``y_true``) are
    moved to channels-last first (class-axis losses with ``axis=1``: the references work
    on the last axis; the native categorical focal loss also smooths over and lays a
    per-class ``alpha`` along the last axis whatever ``axis`` is -- documented
    differences, tested on their own)."""
    o, cls = dict(case.options), case.cls
    channels_last = cls in CLASS_AXIS and o.get("axis", -1) == 1 and d["ndim"] == 3
    if channels_last:
        o["axis"] = -1
    if isinstance(o.get("alpha"), list):  # Keras converts a list to float32 (documented difference)
        o["alpha"] = np.asarray(o["alpha"])
    y_true, mask = d["y_true"], d["mask"]
    if cls is bk.SparseCategoricalFocalCrossentropy:
        ic = o.pop("ignore_class", None)
        labels = d["labels"]
        y_true = np.moveaxis(np.eye(C)[np.clip(labels, 0, C - 1)], -1, d["cax"])
        if ic is not None:  # ignore_class: masked out, as Keras masks it
            keep = labels != ic
            mask = keep if mask is None else mask & keep
        return keras.losses.CategoricalFocalCrossentropy(**o, reduction=case.reduction, dtype=case.dtype), \
            y_true, mask, channels_last
    if cls in NATIVE:
        return NATIVE[cls](**o, reduction=case.reduction, dtype=case.dtype), y_true, mask, channels_last
    if cls is bk.PolyCrossentropy:
        kw = dict(epsilon=o.get("epsilon", 2.0), from_logits=o["from_logits"],
                  label_smoothing=o.get("label_smoothing", 0.0))
        return _wrap(lambda y, z: _poly_ref(y, z, **kw), case), y_true, mask, channels_last
    if cls is bk.JSDivergence:
        fl = o["from_logits"]
        return _wrap(lambda y, z: _js_ref(y, z, fl), case), y_true, mask, channels_last
    if cls is bk.SmoothL1:
        beta = o.get("beta", 1.0)
        if beta == 0.0:
            return keras.losses.MeanAbsoluteError(reduction=case.reduction, dtype=case.dtype), \
                y_true, mask, False
        return _wrap(lambda y, x: keras.losses.huber(y, x, delta=beta) / beta, case), y_true, mask, False
    if cls is bk.PoissonNLL:
        kw = dict(log_input=o.get("log_input", True), full=o.get("full", False),
                  epsilon=o.get("epsilon", 1e-8))
        return _wrap(lambda y, x: _poisson_nll_ref(y, x, **kw), case), y_true, mask, False
    if cls is bk.GaussianNLL:
        kw = dict(full=o.get("full", False), epsilon=o.get("epsilon", 1e-6))
        return _wrap(lambda y, x: _gaussian_nll_ref(y, x, **kw), case), y_true, mask, False
    if cls is bk.CosineEmbedding:
        return _wrap(lambda y, x: _embedding_ref(y, x, o.get("margin", 0.0)), case), y_true, mask, False
    if cls is bk.TripletMargin:
        kw = dict(margin=o.get("margin", 1.0), deg=o.get("p", 2.0), eps=o.get("epsilon", 1e-6),
                  swap=o.get("swap", False))
        return _wrap(lambda y, x: _triplet_ref(x, **kw), case), y_true, mask, False
    if cls is bk.CosineDistance:  # 1 + Keras' own negative cosine similarity
        ax = o.get("axis", -1)
        return _wrap(lambda y, x: 1.0 + keras.losses.cosine_similarity(y, x, axis=ax), case), y_true, mask, False
    raise AssertionError(f"no reference for {cls.__name__}")


def tolerance(case: Case) -> tuple[dict, dict]:
    """(value tolerance, gradient tolerance). Documented: in float64 Keras' ``log_cosh``
    subtracts ``log 2`` rounded to float32, every element ``1.9e-9`` low (a sum over up to
    24 weighted elements here)."""
    tol = kc.tolerance(case.dtype)
    if case.cls is bk.LogCosh and case.dtype == "float64":
        return dict(rtol=1e-9, atol=1e-7), tol
    return tol, tol


def check(case: Case) -> str | None:
    """Compare ours with the reference on ``case``; ``None`` when they agree, else why not."""
    d = inputs(case)
    ours = case.cls(**case.options, reduction=case.reduction, dtype=case.dtype)
    ref, ref_true, ref_mask, channels_last = reference(case, d)
    sparse = case.cls in (bk.SparseCategoricalFocalCrossentropy, bk.CategoricalGeneralizedCrossEntropy)
    y_true = d["y_true"] if sparse else d["y_true"].astype(case.dtype)
    ref_true = ref_true.astype(case.dtype)
    sw = None if d["sw"] is None else d["sw"].astype(case.dtype)
    (v1, g1), w1 = kc.with_warnings(
        kc.value_and_grad, kc._loss_fn(ours, y_true, sw, d["mask"], False), d["y_pred"], case.dtype)
    (v2, g2), w2 = kc.with_warnings(
        kc.value_and_grad, kc._loss_fn(ref, ref_true, sw, ref_mask, channels_last), d["y_pred"],
        case.dtype)
    tv, tg = tolerance(case)
    if w1 - w2:  # (a warning Keras' own code raises for both does not count)
        return f"{case.id}: warned where the reference does not: {sorted(w1 - w2)[:2]}"
    if v1.shape != v2.shape:
        return f"{case.id}: shape {v1.shape} != reference {v2.shape}"
    if not np.all(np.isfinite(v1)) or not np.all(np.isfinite(g1)):
        return f"{case.id}: non-finite value or gradient"
    if not np.allclose(v1, v2, **tv):
        return f"{case.id}: value {v1.ravel()[:4]} != reference {v2.ravel()[:4]}"
    if not np.allclose(g1, g2, **tg):
        return f"{case.id}: gradient differs by {np.max(np.abs(g1 - g2)):.3g}"
    return None


# --- float64 exactness against NumPy closed forms --------------------------------------


def _closed_forms(y: np.ndarray, p: np.ndarray, z: np.ndarray) -> dict:
    """``name -> (Loss, y_true, y_pred, per-example float64 loss, d(sum)/d(y_pred))``."""
    d = p - y
    lsz = np.logaddexp(0.0, z)  # softplus(z) = -log(1 - sigmoid(z))
    b = (y > 0).astype(float)
    sig = 1 / (1 + np.exp(-z))
    pt1 = b * (1 - sig) + (1 - b) * sig  # 1 - p_t
    bal = 0.3 * b + 0.7 * (1 - b)
    q = np.abs(p) + 0.1
    qn = q / q.sum(-1, keepdims=True)
    soft = y ** 2 / (y ** 2).sum(-1, keepdims=True)
    ys = soft * 0.8 + 0.2 / y.shape[-1]  # label_smoothing 0.2
    gauss = 0.5 * (np.log(q) + d ** 2 / q) + 0.5 * math.log(2 * math.pi)
    return {
        "MeanSquaredError": (bk.MeanSquaredError(), y, p, (d ** 2).mean(-1), 2 * d / d.shape[-1]),
        "Huber": (bk.Huber(delta=0.5), y, p,
                  np.where(np.abs(d) <= 0.5, 0.5 * d ** 2, 0.5 * np.abs(d) - 0.125).mean(-1), None),
        "LogCosh": (bk.LogCosh(), y, p, np.log(np.cosh(d)).mean(-1), np.tanh(d) / d.shape[-1]),
        "BinaryCrossentropy": (bk.BinaryCrossentropy(from_logits=True), b, z,
                               (lsz - b * z).mean(-1), (sig - b) / z.shape[-1]),
        "BinaryFocalCrossentropy": (
            bk.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3, gamma=1.5, from_logits=True),
            b, z, (bal * pt1 ** 1.5 * (lsz - b * z)).mean(-1), None),
        "CategoricalFocalCrossentropy": (
            bk.CategoricalFocalCrossentropy(alpha=0.6, gamma=0.5, label_smoothing=0.2),
            soft, q,
            -(0.6 * (1 - qn) ** 0.5 * ys * np.log(qn)).sum(-1), None),
        "GaussianNLL": (bk.GaussianNLL(full=True), y, np.concatenate([p, q], -1), gauss.mean(-1), None),
    }


def float64_exactness() -> dict[str, float]:
    """The largest relative error of ours (float64, ``reduction="none"`` and ``"sum"``
    with a ``[N]`` sample weight, and the gradient where a closed form is written) against
    NumPy float64 closed forms, per class: about 1e-16 where ours computes in float64."""
    rng = np.random.default_rng(7)
    y, p, z = rng.normal(size=(4, 6)), rng.normal(size=(4, 6)), rng.normal(size=(4, 6)) * 3
    sw = rng.uniform(0.5, 2.0, 4)
    out = {}
    for name, (loss, yt, yp, el, grad) in _closed_forms(y, p, z).items():
        config = dict(loss.get_config(), dtype="float64")
        none = type(loss).from_config(dict(config, reduction="none"))
        summed = type(loss).from_config(dict(config, reduction="sum"))
        v, g = kc.value_and_grad(lambda t, s=summed, yt=yt: s(yt, t, sample_weight=sw), yp, "float64")
        errs = [np.max(np.abs(kc.value_and_grad(lambda t, n=none, yt=yt: n(yt, t), yp, "float64")[0] - el)
                       / np.abs(el)), abs(float(v) - (el * sw).sum()) / abs((el * sw).sum())]
        if grad is not None:
            errs.append(np.max(np.abs(g - grad * sw[:, None])) / np.max(np.abs(grad)))
        out[name] = float(max(errs))
    return out


def main(argv: list[str]) -> int:
    all_cases = cases(quick="--quick" in argv)
    if not kc.float64_available():  # JAX without x64: Keras computes float64 losses in float32
        for c in all_cases:
            c.dtype = "float32"
    failures = [msg for msg in map(check, all_cases) if msg]
    exact = float64_exactness() if kc.float64_available() else {}
    print(json.dumps({"backend": BACKEND, "cases": len(all_cases), "failures": failures,
                      "float64": kc.float64_available(), "float64_exactness": exact}))
    return 0


# --- contrastive: Circle (labels [N], embeddings [N, D], a per-example loss) -------------

OPTIONS[bk.Circle] = [{}, dict(gamma=4.0, margin=0.25), dict(gamma=2.0, margin=0.6, remove_diagonal=False)]
# no Keras native: references in keras.ops below (the optax formulas)
OPTIONS[bk.NTXent] = [{}, dict(temperature=0.5), dict(temperature=1.0)]
OPTIONS[bk.RankingSoftmax] = [{}, {}, {}]
CLASSES = tuple(OPTIONS)
_GROUPS = (bk.Circle, bk.NTXent)
_element_inputs = inputs


def inputs(case: Case) -> dict:  # noqa: F811  (the batch losses' inputs, then the rest)
    """Circle: ``[N]`` group labels (pairs, and a singleton whose loss is 0: Keras
    masks it out of the mean) and unit ``[N, D]`` embeddings; a ``[N]`` sample
    weight in place of ``[N, T]``."""
    if case.cls not in _GROUPS:
        return _element_inputs(case)
    rng = np.random.default_rng(case.seed)
    labels = rng.permutation(np.array([0, 0, 1, 1, 2, 2, 0, 9]))
    e = rng.normal(size=(8, 3))
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    sw = None if case.sw == "none" else rng.uniform(0.2, 2.0, 8)
    mask = None
    if case.mask:
        mask = rng.uniform(size=8) < 0.7
        mask[0] = True
    return dict(y_true=labels, y_pred=e, sw=sw, mask=mask, ndim=2, cax=1, labels=labels)


def _ntxent_ref(y: Any, e: Any, temperature: float) -> Any:
    """optax's ``ntxent`` per anchor (its positive pairs' softmax losses), times
    ``N / (number of positive pairs)``: the batch mean is optax's value."""
    eps = 2.0 ** -52 if keras.backend.standardize_dtype(e.dtype) == "float64" else 2.0 ** -23
    u = e / ops.sqrt(ops.maximum(ops.sum(e * e, axis=-1, keepdims=True), eps))
    s = ops.matmul(u, ops.transpose(u)) / temperature
    y = ops.cast(y, "int32")
    same = ops.equal(y[:, None], y[None, :])
    pos = ops.logical_and(same, ops.logical_not(ops.eye(ops.shape(y)[0], dtype="bool")))
    neg = ops.logical_not(same)
    lneg = ops.logsumexp(ops.where(neg, s, float("-inf")), axis=1, keepdims=True)
    pair = ops.where(pos, ops.logaddexp(lneg, s) - s, 0.0)
    n = ops.cast(ops.shape(y)[0], e.dtype)
    return ops.sum(pair, axis=1) * n / ops.sum(ops.cast(pos, e.dtype))


_element_reference = reference


def reference(case: Case, d: dict) -> tuple[keras.losses.Loss, Any, Any, bool]:  # noqa: F811
    """The Keras-ops references of the contrastive classes Keras lacks, then the rest."""
    if case.cls is bk.NTXent:
        t = case.options.get("temperature", 0.07)
        return _wrap(lambda y, e: _ntxent_ref(y, e, t), case), d["y_true"], d["mask"], False
    if case.cls is bk.RankingSoftmax:
        ref = _wrap(lambda y, z: -ops.sum(y * ops.log_softmax(z, axis=-1), axis=-1), case)
        return ref, d["y_true"], d["mask"], False
    return _element_reference(case, d)


_element_tolerance = tolerance


def tolerance(case: Case) -> tuple[dict, dict]:  # noqa: F811
    """Documented: Keras' torch backend computes ``ops.matmul`` and ``ops.maximum`` of
    float64 tensors in float32 (``circle``'s similarities and distances), so there the
    native Circle is float32-accurate only; ours stays float64 (held to 1e-15 against the
    native on JAX, tests/test_contrastive.py)."""
    # the NTXent reference's ops.logaddexp is float32 on Keras' JAX and torch backends
    if (case.cls is bk.Circle and BACKEND == "torch" or case.cls is bk.NTXent and BACKEND != "tensorflow") \
            and case.dtype == "float64":
        tol = kc.tolerance("float32")
        return tol, tol
    return _element_tolerance(case)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
