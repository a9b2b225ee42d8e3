"""The ``where`` mask of the categorical and sparse cross-entropies and of
``smooth_labels``, on the NumPy reference, against independent closed forms:
a masked row equals the same loss on the sub-array of its included classes.
(The parity harness covers the other backends and the gradients; the JAX
adapter's tests hold it against optax.)"""

from __future__ import annotations

import numpy as np
import pytest
from _fw import FRAMEWORKS
from test_parity import central_differences

import losses


def _case(seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 2.0, size=(4, 6))
    m = rng.uniform(size=z.shape) < 0.6
    m[:, 0] = True
    m[1] = False  # a row with no included class
    m[3] = True  # a row with every class included
    return rng, z, m


def _log_softmax(v):
    return v - np.log(np.sum(np.exp(v - v.max()))) - v.max()


@pytest.mark.parametrize("seed", range(3))
def test_sparse_masked_row_equals_loss_on_included_classes(seed):
    rng, z, m = _case(seed)
    labels = np.array([rng.choice(np.flatnonzero(r)) if r.any() else 99 for r in m])
    got = losses.sparse_categorical_crossentropy(labels, z, from_logits=True, where=m,
                                                 reduction="none")
    for i, row in enumerate(m):
        if not row.any():
            assert got[i] == 0.0
            continue
        idx = np.flatnonzero(row)
        expected = -_log_softmax(z[i, idx])[list(idx).index(labels[i])]
        assert got[i] == pytest.approx(expected, rel=1e-12)
    # "mean" counts only the rows with an included class
    mean = losses.sparse_categorical_crossentropy(labels, z, from_logits=True, where=m)
    assert mean == pytest.approx(got.sum() / 3, rel=1e-12)


@pytest.mark.parametrize("from_logits", [True, False])
def test_categorical_masked_row_equals_loss_on_included_classes(from_logits):
    rng, z, m = _case(1)
    y = rng.dirichlet(np.ones(6), size=4)
    pred = z if from_logits else np.exp(z) / np.exp(z).sum(1, keepdims=True)
    got = losses.categorical_crossentropy(y, pred, from_logits=from_logits, where=m, reduction="none")
    for i, row in enumerate(m):
        if not row.any():
            assert got[i] == 0.0
            continue
        idx = np.flatnonzero(row)
        if from_logits:
            logp = _log_softmax(z[i, idx])
        else:
            logp = np.log(pred[i, idx] / pred[i, idx].sum())
        assert got[i] == pytest.approx(-np.sum(y[i, idx] * logp), rel=1e-10)


def test_smoothing_spreads_over_included_classes():
    _, z, m = _case(2)
    labels = np.array([0, 3, 0, 5])
    eps = 0.2
    got = losses.sparse_categorical_crossentropy(labels, z, from_logits=True, where=m,
                                                 label_smoothing=eps, reduction="none")
    for i in (0, 2, 3):
        idx = np.flatnonzero(m[i])
        target = np.zeros(len(idx))
        target[list(idx).index(labels[i])] = 1.0
        target = (1 - eps) * target + eps / len(idx)
        assert got[i] == pytest.approx(-np.sum(target * _log_softmax(z[i, idx])), rel=1e-12)
    assert got[1] == 0.0


def test_smooth_labels_where_counts_included_classes_and_leaves_empty_rows():
    _, _, m = _case(3)
    y = np.eye(6)[[0, 1, 2, 3]]
    got = losses.smooth_labels(y, 0.3, where=m)
    for i, row in enumerate(m):
        if row.any():
            np.testing.assert_allclose(got[i], 0.7 * y[i] + 0.3 / row.sum(), rtol=1e-14)
        else:
            np.testing.assert_array_equal(got[i], y[i])
    # additive form over the included classes: (P + e) / (1 + C_i e)
    got = losses.smooth_labels(y, 0.25, where=m, form="additive")
    np.testing.assert_allclose(got[0], (y[0] + 0.25) / (1 + m[0].sum() * 0.25), rtol=1e-14)


def test_excluded_logits_may_be_minus_inf():
    z = np.array([[1.0, -np.inf, 0.5], [0.0, 2.0, -np.inf]])
    m = np.isfinite(z)
    v, g = losses.value_and_grad(losses.sparse_categorical_crossentropy, np.array([0, 1]), z,
                                 from_logits=True, where=m, reduction="none")
    assert np.all(np.isfinite(v)) and np.all(np.isfinite(g))
    np.testing.assert_allclose(v, [-_log_softmax(np.array([1.0, 0.5]))[0],
                                   -_log_softmax(np.array([0.0, 2.0]))[1]], rtol=1e-12)
    assert g[0, 1] == 0.0 and g[1, 2] == 0.0


def test_label_on_an_excluded_class_is_an_error_naming_where():
    _, z, m = _case(0)
    bad = int(np.flatnonzero(~m[0])[0])
    with pytest.raises(ValueError, match="`where` excludes"):
        losses.sparse_categorical_crossentropy(np.array([bad, 0, 0, 0]), z, from_logits=True, where=m)
    with pytest.raises(ValueError, match="`where`.*does not broadcast"):
        losses.categorical_crossentropy(np.eye(6)[:4], z, from_logits=True, where=m[:, :3])


@pytest.mark.parametrize("smoothing", ["standard", "additive"])
def test_categorical_smoothing_with_where_equals_smoothed_sub_array(smoothing):
    rng, z, m = _case(4)
    y = rng.dirichlet(np.ones(6), size=4)
    eps = 0.3
    got = losses.categorical_crossentropy(y, z, from_logits=True, where=m, label_smoothing=eps,
                                          smoothing=smoothing, reduction="none")
    for i, row in enumerate(m):
        if not row.any():
            assert got[i] == 0.0
            continue
        idx, c = np.flatnonzero(row), row.sum()
        t = y[i, idx]
        t = (1 - eps) * t + eps / c if smoothing == "standard" else (t + eps) / (1 + c * eps)
        assert got[i] == pytest.approx(-np.sum(t * _log_softmax(z[i, idx])), rel=1e-12)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_where_label_logit_scores_an_excluded_label_by_its_own_logit(fw):
    """``where_label="logit"``: a label on an excluded class gives
    ``logsumexp(included) - z[label]`` (optax's rule; closed form here), with
    gradient ``softmax(included) - onehot(label)``, checked against float64
    central differences of the closed form."""
    z = np.array([[10.0, 1.0, -2.0], [1.0, 4.0, 0.2], [0.3, -1.0, 2.0]])
    labels = np.array([1, 0, 2])
    w = np.array([[1, 0, 1], [1, 1, 1], [0, 1, 1]], dtype=bool)

    def closed(z):
        lse = np.log(np.sum(np.where(w, np.exp(z), 0.0), axis=1))
        return np.sum(lse - z[np.arange(3), labels])

    fd = central_differences(closed, z)
    v, g = losses.value_and_grad(losses.sparse_categorical_crossentropy, fw.to(labels, None),
                                 fw.to(z, "float64"), from_logits=True, where=fw.to(w, None),
                                 where_label="logit", reduction="sum")
    np.testing.assert_allclose(fw.back(v), closed(z), rtol=1e-12)
    np.testing.assert_allclose(fw.back(g), fd, rtol=1e-6, atol=1e-8)
