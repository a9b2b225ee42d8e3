"""Options as the natives take them (issue 15 §1, §4): numeric options as
numbers, arrays (broadcast as the native does) and traced values on every
backend; out of range an error when concrete, NaN when traced; NumPy bools
for flags; non-finite numbers rejected."""

from __future__ import annotations

import numpy as np
import pytest
from _fw import FRAMEWORKS

import losses

Y = np.array([[0.0, 1.0, -2.0], [3.0, 0.5, 0.0]])
P = np.array([[0.4, 3.0, -2.1], [0.0, 0.5, 4.0]])
DELTA = np.array([0.5, 1.0, 2.0])  # one threshold per column, broadcast against the rows


def _huber_closed_form(y, p, d):
    """Written here from the formula: x^2/2 where |x| <= d, else d |x| - d^2/2;
    its derivative clip(x, -d, d)."""
    x = p - y
    return np.where(np.abs(x) <= d, 0.5 * x * x, d * np.abs(x) - 0.5 * d * d), np.clip(x, -d, d)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_array_delta_broadcasts_on_every_backend(fw):
    want, g_want = _huber_closed_form(Y, P, DELTA)
    v, g = losses.value_and_grad(losses.huber, fw.to(Y, "float64"), fw.to(P, "float64"),
                                 delta=fw.to(DELTA, "float64"), reduction="sum")
    np.testing.assert_allclose(fw.back(v), want.sum(), rtol=1e-12)
    np.testing.assert_allclose(fw.back(g), g_want, rtol=1e-12)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_concrete_out_of_range_array_option_is_an_error(fw):
    with pytest.raises(ValueError, match=r"`delta` must hold numbers in \(0, inf\); got -1.0"):
        losses.huber(fw.to(Y, "float64"), fw.to(P, "float64"), delta=fw.to(np.array([0.5, -1.0, 1.0]), "float64"))


def test_traced_delta_under_jax_jit_and_its_gradient():
    jax = pytest.importorskip("jax")
    f = jax.jit(lambda d: losses.huber(Y, P, delta=d, reduction="none"))
    want, _ = _huber_closed_form(Y, P, 0.7)
    np.testing.assert_allclose(np.asarray(f(0.7)), want, rtol=1e-6)
    # d/d delta: |x| - delta where |x| > delta, else 0 (closed form)
    x = np.abs(P - Y)
    g = jax.grad(lambda d: losses.huber(Y, P, delta=d, reduction="sum"))(0.7)
    np.testing.assert_allclose(float(g), np.where(x > 0.7, x - 0.7, 0.0).sum(), rtol=1e-6)
    out = np.asarray(jax.jit(lambda d: losses.huber(Y, P, delta=d, reduction="none"))(jax.numpy.asarray(DELTA * -1)))
    assert np.isnan(out).all()  # every column's delta is out of range: NaN, never a number


def test_traced_delta_under_tf_function_is_nan_where_out_of_range():
    tf = pytest.importorskip("tensorflow")
    f = tf.function(lambda d: losses.huber(tf.constant(Y), tf.constant(P), delta=d, reduction="none"))
    want, _ = _huber_closed_form(Y, P, DELTA)
    np.testing.assert_allclose(f(tf.constant(DELTA)).numpy(), want, rtol=1e-12)
    out = f(tf.constant([0.5, -1.0, 1.0], tf.float64)).numpy()
    assert np.isnan(out[:, 1]).all() and np.isfinite(out[:, [0, 2]]).all()


def test_traced_focal_options_under_torch_func():
    torch = pytest.importorskip("torch")
    z, y = torch.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=torch.float64), torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    gamma = torch.tensor(2.0, dtype=torch.float64)
    eager = losses.sigmoid_focal_loss(y, z, alpha=0.25, gamma=2.0)
    traced = torch.func.grad(lambda g: losses.sigmoid_focal_loss(y, z, alpha=0.25, gamma=g))(gamma)
    assert torch.isfinite(traced)
    torch.testing.assert_close(losses.sigmoid_focal_loss(y, z, alpha=0.25, gamma=gamma), eager)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_numpy_bool_flags_equal_python_bools(fw):
    y, z = np.array([1, 0]), np.array([[0.3, -0.2], [1.0, 2.0]])
    a = losses.sparse_categorical_crossentropy(fw.to(y, None), fw.to(z, "float64"), from_logits=np.True_)
    b = losses.sparse_categorical_crossentropy(fw.to(y, None), fw.to(z, "float64"), from_logits=True)
    np.testing.assert_array_equal(fw.back(a), fw.back(b))


@pytest.mark.parametrize("option,value", [("gamma", float("inf")), ("gamma", float("nan")),
                                          ("alpha", float("-inf"))])
def test_non_finite_options_are_an_error(option, value):
    with pytest.raises(ValueError, match=f"`{option}` must be a"):
        losses.sigmoid_focal_loss(np.array([1.0]), np.array([0.5]), **{option: value})
