"""Autodiff at the edges the random parity inputs never hit, on every
framework's own autodiff, against closed forms:

* binary cross-entropy from logits at ``z = 0`` (zero-initialised output
  layers): the gradient is ``sigmoid(0) - y``;
* sparse cross-entropy under tracing (``jax.jit``, ``tf.function``), where a
  bad label NaN-poisons its own element: every other element's loss and
  gradient must stay exact (not NaN).
"""

from __future__ import annotations

import numpy as np
import pytest
from _fw import FRAMEWORKS

import losses


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_binary_logits_gradient_at_zero_and_extremes(fw, dtype):
    z = np.array([0.0, -0.0, 0.0, 1e-3, -40.0, 40.0, -700.0, 700.0])
    y = np.array([1.0, 0.0, 0.3, 1.0, 1.0, 0.0, 0.0, 1.0])
    v, g = losses.value_and_grad(losses.binary_crossentropy, fw.to(y, dtype), fw.to(z, dtype),
                                 from_logits=True, reduction="none")
    exact_v = (1 - y) * z + np.logaddexp(0.0, -z)
    exact_g = 1.0 / (1.0 + np.exp(-z)) - y
    tol = 1e-14 if dtype == "float64" else 1e-7
    np.testing.assert_allclose(fw.back(v), exact_v, rtol=tol * 10, atol=tol)
    np.testing.assert_allclose(fw.back(g), exact_g, rtol=tol * 10, atol=tol)


def _sparse_case():
    z = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [0.0, 0.3, -0.2]])
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    return z, logp


def _check_traced(loss, grad, labels, logp):
    loss, grad = np.asarray(loss), np.asarray(grad)
    ok = (labels >= 0) & (labels < 3)
    assert np.all(np.isnan(loss[~ok])) and np.all(np.isnan(grad[~ok]))
    np.testing.assert_allclose(loss[ok], -logp[ok.nonzero()[0], labels[ok]], rtol=1e-12)
    expected = np.exp(logp) - np.eye(3)[np.where(ok, labels, 0)]
    np.testing.assert_allclose(grad[ok], expected[ok], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("labels", [[2, 0, 1], [2, 7, 1]], ids=["good", "one_bad"])
def test_sparse_under_jax_jit(labels):
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    z, logp = _sparse_case()
    labels = np.array(labels)

    @jax.jit
    def f(y, x):
        def per(x):
            return losses.sparse_categorical_crossentropy(y, x, from_logits=True, reduction="none")
        v, pull = jax.vjp(per, x)
        return v, pull(jnp.ones_like(v))[0]

    _check_traced(*f(jnp.asarray(labels), jnp.asarray(z)), labels, logp)


@pytest.mark.parametrize("labels", [[2, 0, 1], [2, -1, 1]], ids=["good", "one_bad"])
def test_sparse_under_tf_function(labels):
    tf = pytest.importorskip("tensorflow")

    z, logp = _sparse_case()
    labels = np.array(labels)

    @tf.function
    def f(y, x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            v = losses.sparse_categorical_crossentropy(y, x, from_logits=True, reduction="none")
            total = tf.reduce_sum(v)
        return v, tape.gradient(total, x)

    _check_traced(*f(tf.constant(labels), tf.constant(z)), labels, logp)
