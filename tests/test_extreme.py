"""Extreme logits: every cross-entropy-family loss from logits (categorical,
sparse, binary, focal, poly, KL and entropy from logits) gives a finite value
and a finite gradient on every backend, in float16, bfloat16, float32 and
float64, for logits of +-1e4 and up to +-the dtype's largest finite value; the
softmax losses' gradient rows sum to 0. A value beyond the dtype's range
saturates at its largest finite value (``docs/extreme-values.md``).

Plus a seeded hypothesis fuzz over shapes, class counts, options, dtypes and
values: either a documented error, or a finite result equal to the float64
reference within the dtype's tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest
from _fw import FRAMEWORKS

import losses

ml_dtypes = pytest.importorskip("ml_dtypes")

DTYPES = ("float16", "bfloat16", "float32", "float64")


def dtype_max(dt: str) -> float:
    return float(ml_dtypes.finfo(ml_dtypes.bfloat16).max) if dt == "bfloat16" else float(np.finfo(dt).max)


C = 4
LABELS = np.array([1, 2, 0, 3])
ONEHOT = np.eye(C)[LABELS]
SOFT = np.full((4, C), 0.25)
#: (name, function, y_true, options, softmax over the last axis?)
CASES = [
    ("categorical", losses.categorical_crossentropy, ONEHOT, {"from_logits": True}, True),
    ("categorical+smoothing", losses.categorical_crossentropy, ONEHOT,
     {"from_logits": True, "label_smoothing": 0.1}, True),
    ("categorical+soft+weights", losses.categorical_crossentropy, SOFT,
     {"from_logits": True, "class_weight": np.array([1.0, 2.0, 0.5, 1.0])}, False),
    ("sparse", losses.sparse_categorical_crossentropy, LABELS, {"from_logits": True}, True),
    ("sparse+smoothing+ignore", losses.sparse_categorical_crossentropy, LABELS,
     {"from_logits": True, "label_smoothing": 0.2, "ignore_index": 3}, True),
    ("binary", losses.binary_crossentropy, ONEHOT, {"from_logits": True}, False),
    ("binary+pos_weight", losses.binary_crossentropy, ONEHOT,
     {"from_logits": True, "pos_weight": np.array([3.0, 1.0, 2.0, 0.5])}, False),
    ("binary_focal", losses.binary_focal_crossentropy, ONEHOT,
     {"from_logits": True, "gamma": 0.5, "apply_class_balancing": True}, False),
    ("sigmoid_focal", losses.sigmoid_focal_loss, ONEHOT, {"gamma": 2.0}, False),
    ("categorical_focal", losses.categorical_focal_crossentropy, ONEHOT,
     {"from_logits": True, "gamma": 0.5}, False),
    ("sparse_focal", losses.sparse_categorical_focal_crossentropy, LABELS,
     {"from_logits": True, "gamma": 2.0}, False),
    ("poly1", losses.poly1_crossentropy, ONEHOT, {"from_logits": True}, True),
    ("kl_from_logits", losses.kl_divergence, SOFT, {"from_logits": True}, True),
]


def extreme_logits(v: float) -> np.ndarray:
    return np.array([[v, -v, 0.0, v], [-v, -v, -v, v], [0.0, 0.0, 0.0, 0.0], [v, -v, v / 2, -v / 2]])


def _to(fw, x, dt):
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        return fw.to(x, None) if isinstance(x, np.ndarray) else x
    if dt == "bfloat16" and fw.name == "numpy":
        return x.astype(ml_dtypes.bfloat16)
    return fw.to(x.astype(np.float32 if dt == "bfloat16" else dt), dt)


@pytest.mark.parametrize("magnitude", ["1e4", "max"])
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
@pytest.mark.parametrize("name,fn,y_true,opts,softmax", CASES, ids=[c[0] for c in CASES])
def test_finite_value_and_gradient(name, fn, y_true, opts, softmax, fw, dt, magnitude):
    v = 1e4 if magnitude == "1e4" else dtype_max(dt)
    if dt == "float16" and magnitude == "1e4":
        v = 1e4  # representable in float16 (max 65504)
    z = extreme_logits(v)
    kw = {k: _to(fw, a, dt) for k, a in opts.items()}
    for reduction in ("mean", "none"):
        value, grad = losses.value_and_grad(fn, _to(fw, y_true, dt), _to(fw, z, dt),
                                            reduction=reduction, **kw)
        value = np.asarray(fw.back(value), np.float64)
        grad = np.asarray(fw.back(grad), np.float64)
        assert np.isfinite(value).all(), f"{reduction}: value {value}"
        assert np.isfinite(grad).all(), f"{reduction}: gradient {grad}"
        if softmax:
            np.testing.assert_allclose(grad.sum(-1), 0.0, atol=1e-2 if dt in ("float16", "bfloat16") else 1e-5)


def test_saturation_keeps_the_gradient_exact():
    """At a logit spread beyond float32's range the loss saturates at float32's
    largest value while the gradient is the exact softmax - onehot."""
    torch = pytest.importorskip("torch")
    m = float(np.finfo(np.float32).max)
    z = torch.tensor([[m, -m, 0.0]], requires_grad=True)
    loss = losses.sparse_categorical_crossentropy(torch.tensor([1]), z, from_logits=True)
    (g,) = torch.autograd.grad(loss, z)
    assert float(loss) == m
    np.testing.assert_allclose(g.numpy(), [[1.0, -1.0, 0.0]], atol=1e-7)


def _softmax64(z: np.ndarray) -> np.ndarray:
    """A float64 softmax independent of the library: shift by the row max
    (a spread beyond float64's range gives exp(-inf) = 0, the exact limit)."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


EXACT = [c for c in CASES if c[0] in ("categorical", "categorical+smoothing", "sparse", "sparse+smoothing+ignore")]


@pytest.mark.parametrize("magnitude", ["1e4", "max"])
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
@pytest.mark.parametrize("name,fn,y_true,opts,softmax", EXACT, ids=[c[0] for c in EXACT])
def test_softmax_gradient_is_exact(name, fn, y_true, opts, softmax, fw, dt, magnitude):
    """Finite is not enough: at any logit size the gradient of the summed
    softmax cross-entropy is exactly ``softmax(z) - y'`` (``y'`` the smoothed
    target, 0 on ignored rows), not a gradient zeroed by an overflow guard."""
    v = 1e4 if magnitude == "1e4" else dtype_max(dt)
    z = extreme_logits(v)
    zr = np.asarray(fw.back(_to(fw, z, dt)), np.float64)  # the logits as the backend holds them
    ls = opts.get("label_smoothing", 0.0)
    y = ONEHOT * (1 - ls) + ls / C
    expected = _softmax64(zr) - y
    if "ignore_index" in opts:
        expected[LABELS == opts["ignore_index"]] = 0.0
    _, grad = losses.value_and_grad(fn, _to(fw, y_true, dt), _to(fw, z, dt), reduction="sum",
                                    **{k: _to(fw, a, dt) for k, a in opts.items()})
    tol = 1e-2 if dt in ("float16", "bfloat16") else 1e-6
    np.testing.assert_allclose(np.asarray(fw.back(grad), np.float64), expected, atol=tol)
