"""``nll_loss`` (log-probability input) against independent sources: the
logits path it must equal, and closed forms."""

from __future__ import annotations

import numpy as np
import pytest

import losses


def _log_softmax(z, axis):
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("opts", [
    {},
    {"ignore_index": 2, "class_weight": np.array([0.5, 2.0, 1.0, 3.0]), "label_smoothing": 0.2},
    {"reduction": "none", "class_weight": np.array([0.5, 2.0, 1.0, 3.0])},
])
def test_equals_sparse_crossentropy_on_log_softmax(opts):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5, 4, 3))
    y = rng.integers(0, 4, size=(5, 3))
    a = losses.nll_loss(y, _log_softmax(z, 1), axis=1, **opts)
    b = losses.sparse_categorical_crossentropy(y, z, from_logits=True, axis=1, **opts)
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_closed_forms():
    x = np.log(np.array([[0.5, 0.5], [0.25, 0.75], [0.9, 0.1]]))
    # weighted mean: sum w_y (-x_y) / sum w_y, the ignored label out of both
    w = np.array([1.0, 3.0])
    v = losses.nll_loss([1, 0, -100], x, class_weight=w, ignore_index=-100)
    assert v == pytest.approx((3 * np.log(2) + np.log(4)) / 4)
    # log-probabilities are used as given (no renormalisation): any real x
    assert losses.nll_loss([0], np.array([[2.0, 7.0]]), reduction="sum") == -2.0
    # gradient -w_y / sum w_y at the label, 0 elsewhere
    _, g = losses.value_and_grad(losses.nll_loss, np.array([1, 0]), x[:2], class_weight=w)
    np.testing.assert_allclose(g, [[0.0, -0.75], [-0.25, 0.0]])


def test_bad_labels_name_the_argument():
    with pytest.raises(ValueError, match="y_true.*class label 5"):
        losses.nll_loss([5], np.zeros((1, 3)))
