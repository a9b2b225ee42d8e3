"""Non-finite inputs stay non-finite (issue 15 §2): saturation keeps *finite*
inputs from overflowing and never turns an input whose exact loss is
infinite or undefined into a finite number -- on every backend and dtype,
reduced or not. Expected values are float64 arithmetic written here."""

from __future__ import annotations

import numpy as np
import pytest
from _fw import FRAMEWORKS

import losses

INF, NAN = np.inf, np.nan

#: (name, loss, y_true, y_pred, options, exact value of the first element)
CASES = [
    # -log softmax(z)_0 with z_0 = -inf: +inf
    ("sparse, label on a -inf logit", losses.sparse_categorical_crossentropy, np.array([0, 1]),
     np.array([[-INF, 1.0], [0.0, 0.0]]), {"from_logits": True}, INF),
    # a +inf logit: log-sum-exp = inf, inf - inf in the shift: undefined
    ("sparse, +inf on another class", losses.sparse_categorical_crossentropy, np.array([0, 1]),
     np.array([[1.0, INF], [0.0, 0.0]]), {"from_logits": True}, NAN),
    # smoothing puts mass on every class, the -inf one too: +inf
    ("sparse smoothed, -inf on another class", losses.sparse_categorical_crossentropy, np.array([1, 1]),
     np.array([[-INF, 1.0], [0.0, 0.0]]), {"from_logits": True, "label_smoothing": 0.1}, INF),
    # no mass on the -inf class: 0 log 0 = 0, the exact value is finite: log(1) = 0
    ("sparse, -inf on a class without mass", losses.sparse_categorical_crossentropy, np.array([1, 1]),
     np.array([[-INF, 1.0], [0.0, 0.0]]), {"from_logits": True}, 0.0),
    # optax's safe_softmax_cross_entropy test: mass 1/2 on a -inf logit: +inf
    ("categorical, mass on a -inf logit", losses.categorical_crossentropy, np.array([[0.5, 0.5], [0.0, 1.0]]),
     np.array([[-INF, 1.0], [0.0, 0.0]]), {"from_logits": True}, INF),
    # (1 - y) z - log sigmoid(z) at z = +inf, y = 0: +inf
    ("binary logits, +inf with y = 0", losses.binary_crossentropy, np.array([[0.0], [1.0]]),
     np.array([[INF], [0.0]]), {"from_logits": True}, INF),
    ("binary logits, NaN", losses.binary_crossentropy, np.array([[0.0], [1.0]]),
     np.array([[NAN], [0.0]]), {"from_logits": True}, NAN),
]


def _check(value, exact):
    if np.isnan(exact):
        assert np.isnan(value), value
    elif np.isinf(exact):
        assert value == exact, value
    else:
        assert value == pytest.approx(exact, abs=1e-6), value


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
@pytest.mark.parametrize("name,fn,y,z,opts,exact", CASES, ids=[c[0] for c in CASES])
def test_non_finite_input_gives_the_exact_non_finite_value(name, fn, y, z, opts, exact, fw, dtype, reduction):
    yt = fw.to(y, None) if y.dtype.kind == "i" else fw.to(y, dtype)
    out = np.asarray(fw.back(fn(yt, fw.to(z, dtype), reduction=reduction, **opts)), np.float64).ravel()
    if reduction == "none":
        _check(out[0], exact)
        assert np.isfinite(out[1:]).all()  # the other rows are untouched
    else:  # the second row's loss is finite: the reduction carries the first's
        _check(out[0], exact if not np.isfinite(exact) else out[0])
        assert np.isfinite(out[0]) == np.isfinite(exact)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_finite_inputs_still_saturate(fw):
    """The other half of the rule: logits at the float32 limit give the largest
    finite float32, not inf (docs/extreme-values.md)."""
    big = float(np.finfo(np.float32).max)
    z = np.array([[-big, big]])
    v = losses.sparse_categorical_crossentropy(fw.to(np.array([0]), None), fw.to(z, "float32"),
                                               from_logits=True)
    assert float(np.asarray(fw.back(v))) == pytest.approx(big, rel=1e-6)
