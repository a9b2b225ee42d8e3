"""Hypothesis fuzz of the cross-entropy family (issue 6 §2).

Shapes, class counts, options, dtypes and values (up to +-1e4, and +-60000 in
float32/float64) are drawn with a fixed seed and a bounded number of examples.
Every draw must give either the documented error (an invalid option: a
``ValueError`` naming it) or, on every backend, a finite value and gradient
equal to the float64 NumPy reference computed on the same (dtype-rounded)
inputs, within the dtype's tolerance.

The reference is the NumPy float64 path, itself checked against sklearn,
the natives and float64 finite differences elsewhere (``test_independent``,
``test_parity``); what the fuzz adds is that no shape, option or magnitude
makes any backend or dtype drift from it, overflow, or return NaN.
"""

from __future__ import annotations

import numpy as np
import pytest
from _fw import FRAMEWORKS, Fw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import losses

ml_dtypes = pytest.importorskip("ml_dtypes")

#: (name, function, kind of y_true, extra options strategy)
LOSSES = {
    "categorical_crossentropy": (losses.categorical_crossentropy, "dist"),
    "sparse_categorical_crossentropy": (losses.sparse_categorical_crossentropy, "labels"),
    "binary_crossentropy": (losses.binary_crossentropy, "binary"),
    "binary_focal_crossentropy": (losses.binary_focal_crossentropy, "binary"),
    "categorical_focal_crossentropy": (losses.categorical_focal_crossentropy, "onehot"),
    "sparse_categorical_focal_crossentropy": (losses.sparse_categorical_focal_crossentropy, "labels"),
    "poly1_crossentropy": (losses.poly1_crossentropy, "onehot"),
    "kl_divergence": (losses.kl_divergence, "dist"),
}
SMOOTHING = {"categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
             "binary_focal_crossentropy", "categorical_focal_crossentropy", "poly1_crossentropy"}
FOCAL = {"binary_focal_crossentropy", "categorical_focal_crossentropy",
         "sparse_categorical_focal_crossentropy"}
EPS = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7, "float32": 2.0 ** -23, "float64": 2.0 ** -52}


def _round(x: np.ndarray, dt: str) -> np.ndarray:
    """``x`` rounded to ``dt`` and back to float64: the reference sees exactly
    the input the backend sees."""
    d = ml_dtypes.bfloat16 if dt == "bfloat16" else dt
    return x.astype(d).astype(np.float64)


def _to(fw: Fw, x: np.ndarray, dt: str):
    if fw.name == "numpy":
        return x.astype(ml_dtypes.bfloat16 if dt == "bfloat16" else dt)
    return fw.to(x.astype(np.float32 if dt == "bfloat16" else dt), dt)


@st.composite
def draws(draw):
    name = draw(st.sampled_from(sorted(LOSSES)))
    fn, kind = LOSSES[name]
    dt = draw(st.sampled_from(["float16", "bfloat16", "float32", "float64"]))
    n = draw(st.integers(1, 5))
    c = draw(st.integers(2, 6))
    high = 1e4 if dt in ("float16", "bfloat16") else draw(st.sampled_from([10.0, 1e4, 6e4]))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    z = rng.uniform(-high, high, size=(n, c)) * (rng.uniform(size=(n, c)) < 0.7)
    if kind == "labels":
        y = rng.integers(0, c, size=n)
    elif kind == "binary":
        y = (rng.uniform(size=(n, c)) < 0.5).astype(np.float64)
    else:
        y = np.eye(c)[rng.integers(0, c, size=n)]
        if kind == "dist":
            y = 0.5 * y + 0.5 * rng.dirichlet(np.ones(c), size=n)
    opts: dict = {"from_logits": True,
                  "reduction": draw(st.sampled_from(["mean", "sum", "none", "sum_over_batch_size"]))}
    invalid: list[str] = []  # the invalid options drawn: the error names one of them
    if name in SMOOTHING and draw(st.booleans()):
        ls = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0, -0.1, 1.5]))
        opts["label_smoothing"] = ls
        if not 0.0 <= ls <= 1.0:
            invalid.append("label_smoothing")
    if name in FOCAL:
        g = draw(st.sampled_from([0.0, 0.5, 2.0, 5.0, -1.0]))
        opts["gamma"] = g
        if g < 0:
            invalid.append("gamma")
    if name == "poly1_crossentropy":
        opts["poly_epsilon"] = draw(st.sampled_from([-1.0, 0.0, 1.0, 2.0]))
    return name, fn, dt, y, z, opts, invalid


def _tolerance(dt: str, zmax: float) -> tuple[float, float]:
    """(rtol, atol) of the value: half precision is computed in float32 and
    rounded once at the end; the absolute error of a log-sum-exp grows with
    the logits' size."""
    compute = "float64" if dt == "float64" else "float32"
    return 4 * EPS[dt], 64 * EPS[compute] * (1.0 + zmax)


def _grad_atol(dt: str, zmax: float, ref_g: np.ndarray) -> float:
    """The gradient's absolute tolerance, relative to its own scale: a softmax
    computed from logits of size ``zmax`` is off by about ``EPS * zmax``
    relative, and the result is rounded to ``dt``. Always well below the
    gradient's largest entry, so an all-zero gradient fails
    (``test_gradient_tolerance_rejects_a_zero_gradient``)."""
    compute = "float64" if dt == "float64" else "float32"
    scale = float(np.max(np.abs(ref_g))) if ref_g.size else 0.0
    # + the output dtype's smallest normal: a gradient entry below it underflows
    # (float64 reference 2e-103, float32/float16 result 0) or loses digits
    tiny = float(ml_dtypes.finfo(ml_dtypes.bfloat16 if dt == "bfloat16" else dt).tiny)
    return (4 * EPS[compute] * (1.0 + zmax) + 4 * EPS[dt]) * scale + tiny


def _grad_close(g: np.ndarray, ref_g: np.ndarray, dt: str, zmax: float, where: str = "") -> None:
    np.testing.assert_allclose(g, ref_g, rtol=4 * EPS[dt], atol=_grad_atol(dt, zmax, ref_g), err_msg=where)


@pytest.mark.parametrize("dt", ["float16", "bfloat16", "float32", "float64"])
def test_gradient_tolerance_rejects_a_zero_gradient(dt):
    """The planted bug of the fuzz: a backend that returns a zero gradient at
    the largest logits the fuzz draws (6e4 in float32/float64, 1e4 in half)."""
    zmax = 1e4 if dt in ("float16", "bfloat16") else 6e4
    rng = np.random.default_rng(0)
    ref_g = rng.dirichlet(np.ones(4), size=3) - np.eye(4)[[0, 1, 2]]  # softmax - onehot
    _grad_close(ref_g * (1 + EPS[dt]), ref_g, dt, zmax)  # an honest rounding passes
    with pytest.raises(AssertionError):
        _grad_close(np.zeros_like(ref_g), ref_g, dt, zmax)


@settings(max_examples=80, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(draws())
def test_fuzz_error_or_reference(case):
    name, fn, dt, y, z, opts, invalid = case
    z = _round(z, dt)
    if invalid:
        for fw in FRAMEWORKS:
            with pytest.raises(ValueError, match="|".join(f"`{o}`" for o in invalid)):
                fn(fw.to(y, None), _to(fw, z, dt), **opts)
        return
    ref_v, ref_g = losses.value_and_grad(fn, y, z, **opts)
    ref_v, ref_g = np.asarray(ref_v, np.float64), np.asarray(ref_g, np.float64)
    assert np.isfinite(ref_v).all() and np.isfinite(ref_g).all(), (name, opts)
    rtol, atol = _tolerance(dt, float(np.abs(z).max()))
    for fw in FRAMEWORKS:
        ya = fw.to(y, None) if y.dtype.kind == "i" else _to(fw, y, dt)
        v, g = losses.value_and_grad(fn, ya, _to(fw, z, dt), **opts)
        v, g = np.asarray(fw.back(v), np.float64), np.asarray(fw.back(g), np.float64)
        where = f"{name} {fw.id} {dt} {opts}"
        assert np.isfinite(v).all() and np.isfinite(g).all(), where
        scale = 1.0 if opts["reduction"] in ("none",) else max(1, y.shape[0] * (1 if y.ndim == 1 else y.shape[1]))
        np.testing.assert_allclose(v, ref_v, rtol=rtol, atol=atol * scale, err_msg=where)
        _grad_close(g, ref_g, dt, float(np.abs(z).max()), where)
