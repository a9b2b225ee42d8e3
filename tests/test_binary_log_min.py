"""``binary_crossentropy(log_min=...)`` (torch's BCELoss rule) at the edges of
[0, 1], on every backend: the clamped loss, torch's finite gradient, and the
[0, 1] domain check."""

from __future__ import annotations

import numpy as np
import pytest
from _fw import FRAMEWORKS

import losses

# p at and near the clamps; y = 1 and y = 0 at each
P = np.array([0.0, 1e-13, 0.3, 1.0 - 1e-9, 1.0, 0.0, 1.0, 0.5])
Y = np.array([1.0, 1.0, 0.7, 0.0, 1.0, 0.0, 0.0, 0.25])


def expected():
    """Closed form, written here from torch's kernel: loss = -[y max(log p, -100)
    + (1-y) max(log(1-p), -100)]; d/dp = (p - y) / max(p (1 - p), EPSILON), its
    ``EPSILON = 1e-12`` a C float (1e-12 rounded to float32): about -1e12 at
    p = 0, y = 1 -- the most wrong examples keep being pushed."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lp, l1p = np.log(P), np.log1p(-P)
        loss = -(Y * np.maximum(lp, -100) + (1 - Y) * np.maximum(l1p, -100))
    g = (P - Y) / np.maximum(P * (1 - P), float(np.float32(1e-12)))
    return loss, g


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_gradient_at_the_clamps_is_finite_and_exact(fw):
    loss_ref, g_ref = expected()
    v, g = losses.value_and_grad(losses.binary_crossentropy, fw.to(Y, "float64"), fw.to(P, "float64"),
                                 log_min=-100.0, reduction="none")
    np.testing.assert_allclose(fw.back(v), loss_ref, rtol=1e-12)
    assert np.all(np.isfinite(fw.back(g)))
    np.testing.assert_allclose(fw.back(g), g_ref, rtol=1e-9)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
@pytest.mark.parametrize("y,p,name", [([1.0], [1.5], "y_pred"), ([1.0], [-0.1], "y_pred"),
                                      ([1.0], [np.nan], "y_pred"), ([2.0], [0.5], "y_true")])
def test_outside_unit_interval_raises_in_eager_mode(fw, y, p, name):
    with pytest.raises(ValueError, match=f"`{name}` holds .* outside \\[0, 1\\]"):
        losses.binary_crossentropy(fw.to(np.array(y), "float32"), fw.to(np.array(p), "float32"), log_min=-100.0)


def test_outside_unit_interval_is_nan_under_jit():
    jax = pytest.importorskip("jax")
    f = jax.jit(lambda y, p: losses.binary_crossentropy(y, p, log_min=-100.0, reduction="none"))
    out = np.asarray(f(np.array([1.0, 2.0, 1.0]), np.array([1.5, 0.5, 0.5])))
    assert np.isnan(out[:2]).all() and out[2] == pytest.approx(np.log(2))


def test_keras_rule_keeps_clipping_out_of_range_values():
    # without log_min (Keras' rule) values outside [0, 1] are clipped, not rejected
    assert losses.binary_crossentropy([1.0], [1.5]) == pytest.approx(-np.log(1 - 1e-7))
