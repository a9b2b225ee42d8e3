"""Deterministic costs of the TensorFlow cross-entropies under ``tf.function``
against the natives (issue 16): the logits-sized ops of the traced
forward+backward graph, not how long it takes (timing stays in
``benchmarks/overhead.py --tf-function``); plus the values and gradients of
the fused-kernel path (traced; eager on the CPU too) at extreme and
non-finite logits, against the eager call and float64 math.

A separate file from ``tests/test_cost.py`` (JAX): that module is skipped
whole when JAX is missing.
"""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

import losses  # noqa: E402
from backends import keras as bk  # noqa: E402

N, C = 32, 1000
#: ops that make no new buffer (views, inputs, constants)
_FREE = {"Identity", "IdentityN", "Reshape", "Placeholder", "Const", "StopGradient", "NoOp",
         "ExpandDims", "Squeeze", "PreventGradient"}


def _step(f):
    @tf.function(autograph=False)
    def step(t, z):
        with tf.GradientTape() as tape:
            tape.watch(z)
            v = f(t, z)
        return v, tape.gradient(v, z)
    return step


def _logits_sized_ops(f, t, z) -> int:
    """Float ops of the traced step (outer graph: ``tf.cond`` branches that run
    only for non-finite values are not counted) with an ``[N, C]`` output."""
    graph = _step(f).get_concrete_function(t, z).graph
    return sum(1 for op in graph.get_operations() if op.type not in _FREE
               for o in op.outputs if o.dtype.is_floating and tuple(o.shape) == (N, C))


@pytest.fixture(scope="module")
def inputs():
    rng = np.random.default_rng(0)
    z = tf.constant(rng.normal(size=(N, C)).astype(np.float32))
    y = tf.constant(rng.integers(0, C, N))
    return z, y


DENSE = {
    "losses.categorical_crossentropy": lambda t, z: losses.categorical_crossentropy(t, z, from_logits=True),
    "backends.keras.CategoricalCrossentropy": bk.CategoricalCrossentropy(from_logits=True),
}


@pytest.mark.parametrize("name", DENSE)
def test_tf_function_dense_xent_logits_sized_ops(inputs, name):
    z, y = inputs
    t = tf.one_hot(y, C)
    native = _logits_sized_ops(keras.losses.CategoricalCrossentropy(from_logits=True), t, z)
    ours = _logits_sized_ops(DENSE[name], t, z)
    # +1: the tf.cond that passes the labels through when they sum to 1 (no new buffer)
    assert ours <= native + 1, f"{name}: {ours} logits-sized ops; keras {native}"


SPARSE = {
    "losses.sparse_categorical_crossentropy":
        lambda t, z: losses.sparse_categorical_crossentropy(t, z, from_logits=True),
    "backends.keras.SparseCategoricalCrossentropy": bk.SparseCategoricalCrossentropy(from_logits=True),
}


@pytest.mark.parametrize("name", SPARSE)
def test_tf_function_sparse_xent_logits_sized_ops(inputs, name):
    z, y = inputs
    native = _logits_sized_ops(keras.losses.SparseCategoricalCrossentropy(from_logits=True), y, z)
    assert _logits_sized_ops(SPARSE[name], y, z) <= native


def _graph_ops(f, t, z) -> int:
    """Every op of the traced step but constants, placeholders and no-ops (the
    outer graph: a ``tf.cond``'s branches count as its one op)."""
    graph = _step(f).get_concrete_function(t, z).graph
    return sum(1 for op in graph.get_operations() if op.type not in ("Const", "Placeholder", "NoOp"))


@pytest.mark.parametrize("name", SPARSE)
def test_tf_function_sparse_xent_graph_ops(inputs, name):
    """The whole step's graph, not only its logits-sized ops: the guards ours
    adds (the label range check and NaN for a bad label, fractional-label
    detection for Keras' float labels, the lazy saturation test) stay within
    the ops counted 2026-12-06 (15 over ``tf.nn``'s kernel and a mean for the function,
    24 over Keras' native for the adapter, whose own wrapper adds more)."""
    z, y = inputs
    ours = _graph_ops(SPARSE[name], y, z)
    if name.startswith("losses."):
        bare = _graph_ops(lambda t, z: tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(t, z)), y, z)
        assert ours <= bare + 15, f"{name}: {ours} ops; tf.nn + mean {bare}"
    else:
        native = _graph_ops(keras.losses.SparseCategoricalCrossentropy(from_logits=True), y, z)
        assert ours <= native + 24, f"{name}: {ours} ops; keras {native}"


def _softmax64(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("v", [1e4, 6e4, float(np.finfo(np.float32).max)])
def test_tf_function_dense_xent_extreme_logits(v):
    """Finite value and the exact gradient ``softmax - y`` at extreme finite
    logits (a spread beyond float32's range: the kernel's value overflows and
    the floored ``log_softmax`` gives it), as the eager path."""
    z = np.array([[v, -v, 0.0, v], [-v, -v, -v, v], [0.0, 0.0, 0.0, 0.0], [v, -v, v / 2, -v / 2]], np.float32)
    y = np.eye(4, dtype=np.float32)[[1, 2, 0, 3]]
    step = _step(lambda t, x: losses.categorical_crossentropy(t, x, from_logits=True, reduction="sum"))
    value, grad = step(tf.constant(y), tf.constant(z))
    eager = losses.categorical_crossentropy(tf.constant(y), tf.constant(z), from_logits=True, reduction="sum")
    assert np.isfinite(value.numpy())
    assert value.numpy() == eager.numpy()
    np.testing.assert_allclose(grad.numpy(), _softmax64(z.astype(np.float64)) - y, atol=1e-6)


def test_tf_function_dense_xent_neg_inf_logit_and_unnormalised_targets():
    """A ``-inf`` logit without target mass: finite (the kernel's ``0 * inf``
    is recomputed); with mass: ``+inf``. Soft targets that do not sum to 1 and
    class weights: value and gradient ``s softmax - y`` (``s`` the row sum)
    from float64 math."""
    z = np.array([[-np.inf, 1.0, 2.0], [-np.inf, 0.0, 1.0], [0.5, -1.0, 3.0]], np.float32)
    y = np.array([[0.0, 0.3, 0.9], [1.0, 0.0, 0.0], [0.2, 0.2, 0.2]], np.float32)
    w = np.array([1.0, 2.0, 0.5], np.float32)
    step = _step(lambda t, x: losses.categorical_crossentropy(t, x, from_logits=True, reduction="none",
                                                              class_weight=tf.constant(w)))
    value, grad = step(tf.constant(y), tf.constant(z))
    yw = y.astype(np.float64) * w
    with np.errstate(invalid="ignore", divide="ignore"):
        logp = np.log(_softmax64(z.astype(np.float64)))
    expected = np.array([-(yw[0, 1:] * logp[0, 1:]).sum(), np.inf, -(yw[2] * logp[2]).sum()])
    np.testing.assert_allclose(value.numpy(), expected, rtol=1e-6)
    s = yw.sum(-1, keepdims=True)
    g = s * _softmax64(z.astype(np.float64)) - yw
    np.testing.assert_allclose(grad.numpy()[[0, 2]], g[[0, 2]], atol=1e-6)


def test_tf_function_dense_xent_second_order_matches_eager():
    """Nested tapes: the Hessian-vector product through the fused kernel equals
    the eager (``log_softmax``) path's, for labels that sum to 1 and not."""
    rng = np.random.default_rng(1)
    z = tf.constant(rng.normal(size=(4, 6)).astype(np.float32))
    for y in (np.eye(6, dtype=np.float32)[[0, 3, 5, 1]], rng.random((4, 6)).astype(np.float32)):
        y = tf.constant(y)

        def hvp(x, y=y):
            with tf.GradientTape() as outer:
                outer.watch(x)
                with tf.GradientTape() as inner:
                    inner.watch(x)
                    v = losses.categorical_crossentropy(y, x, from_logits=True)
                g = inner.gradient(v, x)
                s = tf.reduce_sum(g * tf.sin(x))
            return g, outer.gradient(s, x)

        traced = tf.function(hvp, autograph=False)(z)
        eager = hvp(z)
        for a, b in zip(traced, eager):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)
