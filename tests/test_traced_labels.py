"""Integer labels under tracing (``tf.function``, ``jax.jit``), where no error can be
raised: a bad label makes its element's loss NaN, and must not make the gradient of the
valid elements NaN (it did: ``where(bad, loss * nan, loss)`` sends ``0 * nan`` back
through the unselected branch)."""

from __future__ import annotations

import numpy as np
import pytest

import losses


def _closed_form(x: np.ndarray, y: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """d/dx of sum over ``rows`` of -log softmax(x)[y], divided by len(x)."""
    p = np.exp(x - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    g = p - np.eye(x.shape[1])[np.clip(y, 0, x.shape[1] - 1)]
    return np.where(rows[:, None], g, 0.0) / len(x)


X = np.random.default_rng(0).normal(size=(4, 3))
GOOD = np.array([0, 2, 1, 2])
BAD = np.array([0, 7, 1, 2])  # 7 is out of range for 3 classes


def _tf(y):
    tf = pytest.importorskip("tensorflow")

    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            v = losses.sparse_categorical_crossentropy(tf.constant(y), x, from_logits=True)
        return v, tape.gradient(v, x)

    v, g = f(tf.constant(X))
    return float(v), g.numpy()


def _jax(y):
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    jax.config.update("jax_enable_x64", True)
    f = jax.jit(jax.value_and_grad(
        lambda x: losses.sparse_categorical_crossentropy(jnp.asarray(y), x, from_logits=True)))
    v, g = f(jnp.asarray(X))
    return float(v), np.asarray(g)


@pytest.mark.parametrize("traced", [_tf, _jax], ids=["tf.function", "jax.jit"])
def test_valid_labels_give_finite_gradient(traced):
    v, g = traced(GOOD)
    rows = np.ones(4, bool)
    assert np.isfinite(v)
    np.testing.assert_allclose(g, _closed_form(X, GOOD, rows), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("traced", [_tf, _jax], ids=["tf.function", "jax.jit"])
def test_bad_label_poisons_only_its_loss(traced):
    v, g = traced(BAD)
    assert np.isnan(v)
    rows = BAD < 3
    # the valid rows keep their exact gradient; the bad row's is NaN (as its loss)
    assert np.isnan(g[~rows]).all()
    np.testing.assert_allclose(g[rows], _closed_form(X, BAD, rows)[rows], rtol=1e-10, atol=1e-12)
