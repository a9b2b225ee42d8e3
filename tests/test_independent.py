"""The NumPy reference against independent sources: scikit-learn's log_loss,
closed forms, and the information identities."""

from __future__ import annotations

import numpy as np
import pytest

import losses

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def _probs(rng, n, c):
    z = rng.normal(size=(n, c))
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    return np.clip(p, 1e-3, None) / np.clip(p, 1e-3, None).sum(1, keepdims=True)


@pytest.mark.parametrize("seed", range(5))
def test_sparse_and_categorical_equal_sklearn_log_loss(seed):
    rng = np.random.default_rng(seed)
    n, c = 20, int(rng.integers(3, 8))
    p = _probs(rng, n, c)
    y = rng.integers(0, c, n)
    sw = rng.uniform(0.1, 3.0, n)
    expected = sklearn_metrics.log_loss(y, p, labels=np.arange(c))
    assert losses.sparse_categorical_crossentropy(y, p) == pytest.approx(expected, rel=1e-12)
    assert losses.categorical_crossentropy(np.eye(c)[y], p) == pytest.approx(expected, rel=1e-12)
    expected_w = sklearn_metrics.log_loss(y, p, labels=np.arange(c), sample_weight=sw)
    got = losses.sparse_categorical_crossentropy(y, p, sample_weight=sw)  # weighted mean
    assert got == pytest.approx(expected_w, rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_binary_equals_sklearn_log_loss(seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.01, 0.99, 30)
    y = (rng.uniform(size=30) < 0.5).astype(float)
    expected = sklearn_metrics.log_loss(y, p)
    assert losses.binary_crossentropy(y, p) == pytest.approx(expected, rel=1e-12)
    assert losses.binary_crossentropy(y, np.log(p / (1 - p)), from_logits=True) == pytest.approx(expected, rel=1e-10)


def test_closed_forms():
    # uniform logits: log C; label smoothing does not change it
    for c in (2, 5, 10):
        z = np.zeros((3, c))
        y = np.eye(c)[[0, 1, c - 1]]
        assert losses.categorical_crossentropy(y, z, from_logits=True, label_smoothing=0.3) == pytest.approx(np.log(c))
    # torch's weighted mean: sum w_y l / sum w_y
    z = np.array([[0.0, 0.0], [0.0, np.log(3.0)]])
    w = np.array([1.0, 3.0])
    v = losses.sparse_categorical_crossentropy([0, 1], z, from_logits=True, class_weight=w)
    assert v == pytest.approx((np.log(2) + 3 * np.log(4 / 3)) / 4)
    # ignore_index removes the element from numerator and denominator
    v = losses.sparse_categorical_crossentropy([0, -100], z, from_logits=True, ignore_index=-100)
    assert v == pytest.approx(np.log(2))
    # pos_weight scales the positive term
    v = losses.binary_crossentropy([1.0, 0.0], [0.0, 0.0], from_logits=True, pos_weight=[3.0],
                                   reduction="none")
    np.testing.assert_allclose(v, [3 * np.log(2), np.log(2)])
    # torch's log clamp: p = 0 with y = 1 gives 100
    assert losses.binary_crossentropy([1.0], [0.0], log_min=-100.0) == pytest.approx(100.0)


@pytest.mark.parametrize("eps", [0.05, 0.1, 0.5, 2.0])
def test_additive_smoothing_equals_standard_at_rescaled_eps(eps):
    rng = np.random.default_rng(1)
    c = 4
    y = rng.dirichlet(np.ones(c), 5)
    direct = (y + eps) / (1 + c * eps)
    np.testing.assert_allclose(losses.smooth_labels(y, eps, form="additive"), direct, rtol=1e-13)
    np.testing.assert_allclose(losses.smooth_labels(y, c * eps / (1 + c * eps)), direct, rtol=1e-13)
    z = rng.normal(size=(5, c))
    a = losses.categorical_crossentropy(y, z, from_logits=True, label_smoothing=eps, smoothing="additive")
    b = losses.categorical_crossentropy(direct, z, from_logits=True)
    assert a == pytest.approx(b, rel=1e-12)
