"""Extreme logits through the adapters, and the documented differences from
the natives (``docs/extreme-values.md``).

Every cross-entropy adapter gives a finite value and the exact gradient at
logits up to +-the dtype's largest value; where the native overflows, the test
asserts that it still does (so the doc's claim stays true) and that ours is
finite with the right value.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
optax = pytest.importorskip("optax")
keras = pytest.importorskip("keras")

from backends import jax as bj  # noqa: E402
from backends import keras as bk  # noqa: E402
from backends import torch as bt  # noqa: E402

F32MAX = float(np.finfo(np.float32).max)
TDTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
           "float64": torch.float64}


def _softmax64(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# --- torch ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dt", list(TDTYPES))
@pytest.mark.parametrize("case", ["index", "probabilities", "smoothing", "weight+ignore"])
def test_torch_cross_entropy_extremes(case, dt):
    d = TDTYPES[dt]
    m = torch.finfo(d).max
    z = torch.tensor([[m, -m, 0.0], [-m, m, -m], [1.0, 2.0, 3.0]], dtype=d, requires_grad=True)
    y = torch.tensor([1, 1, 0])
    kw = {"label_smoothing": 0.1} if case == "smoothing" else {}
    if case == "weight+ignore":
        kw = {"weight": torch.tensor([1.0, 2.0, 0.5], dtype=d), "ignore_index": 0}
    target = torch.eye(3, dtype=d)[y] if case == "probabilities" else y
    loss = bt.CrossEntropyLoss(**kw)(z, target)
    (g,) = torch.autograd.grad(loss, z)
    assert torch.isfinite(loss) and torch.isfinite(g).all()
    # the gradient of the summed loss is softmax(z) - y' exactly, even when
    # the value saturates
    zs = z.detach().double().numpy()
    ls = kw.get("label_smoothing", 0.0)
    yy = np.eye(3)[y.numpy()] * (1 - ls) + ls / 3
    gsum = torch.autograd.grad(bt.CrossEntropyLoss(reduction="sum", **kw)(z, target), z)[0]
    exp = _softmax64(zs) - yy
    if case == "weight+ignore":
        w = np.array([1.0, 2.0, 0.5])[y.numpy()] * (y.numpy() != 0)
        exp = exp * w[:, None]
    tol = 2e-2 if dt in ("float16", "bfloat16") else 1e-6
    np.testing.assert_allclose(gsum.double().numpy(), exp, atol=tol)


def test_torch_native_probability_targets_overflow_ours_do_not():
    """Documented difference 1: ``torch.nn.CrossEntropyLoss`` with
    class-probability targets returns ``inf`` at logits of +-3e38 (float32);
    ours saturates at float32's largest value with the exact gradient."""
    z = torch.tensor([[3e38, -3e38, 0.0]], requires_grad=True)
    t = torch.tensor([[0.0, 1.0, 0.0]])
    native = torch.nn.CrossEntropyLoss()(z, t)
    assert not torch.isfinite(native)
    ours = bt.CrossEntropyLoss()(z, t)
    (g,) = torch.autograd.grad(ours, z)
    assert float(ours) == F32MAX
    np.testing.assert_allclose(g.numpy(), [[1.0, -1.0, 0.0]], atol=1e-7)


def test_torch_native_half_label_smoothing_overflows_ours_does_not():
    """Documented difference 2: float16 ``CrossEntropyLoss(label_smoothing=0.1)``
    overflows to ``inf`` at logits of +-3e4 (the smoothing term sums every
    class's log-probability in float16); ours computes in float32 and returns
    the right float16 value."""
    z = torch.tensor([[3e4, -3e4, -3e4, -3e4], [0.0, 1.0, 2.0, 3.0]], dtype=torch.float16)
    y = torch.tensor([0, 2])
    native = torch.nn.CrossEntropyLoss(label_smoothing=0.1)(z, y)
    assert not torch.isfinite(native)
    ours = bt.CrossEntropyLoss(label_smoothing=0.1)(z, y)
    ref = torch.nn.CrossEntropyLoss(label_smoothing=0.1)(z.double(), y)
    assert torch.isfinite(ours)
    np.testing.assert_allclose(float(ours), float(ref), rtol=2e-3)


def test_torch_half_bce_gradient_at_the_ends_is_the_natives():
    """float16 ``BCELoss`` at p = 0 and p = 1: the loss is clamped (finite),
    the gradient is torch's ``(p - y) / max(p (1 - p), 1e-12)`` (issue 15
    section 3), about -3e11 here, which no float16 holds: -inf and +inf, as
    the native's. Elsewhere it is finite and equal."""
    p = torch.tensor([0.0, 1.0, 0.5], dtype=torch.float16, requires_grad=True)
    y = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float16)
    (gn,) = torch.autograd.grad(torch.nn.BCELoss()(p, y), p)
    loss = bt.BCELoss()(p, y)
    (g,) = torch.autograd.grad(loss, p)
    assert g.tolist()[:2] == [-float("inf"), float("inf")] == gn.tolist()[:2]
    np.testing.assert_allclose(g.float().numpy()[2], -2.0 / 3.0, rtol=1e-3)
    np.testing.assert_allclose(float(loss), (100.0 + 100.0 + np.log(2.0)) / 3.0, rtol=1e-3)


@pytest.mark.parametrize("dt", list(TDTYPES))
def test_torch_bce_with_logits_extremes(dt):
    d = TDTYPES[dt]
    m = torch.finfo(d).max
    z = torch.tensor([[m, -m, 0.0], [-m, m, 1.0]], dtype=d, requires_grad=True)
    y = torch.tensor([[0.0, 1.0, 1.0], [0.0, 1.0, 0.0]], dtype=d)
    pw = torch.tensor([3.0, 1.0, 2.0], dtype=d)
    loss = bt.BCEWithLogitsLoss(pos_weight=pw)(z, y)
    (g,) = torch.autograd.grad(loss, z)
    assert torch.isfinite(loss) and torch.isfinite(g).all()


# --- Keras (TensorFlow backend, in process) -------------------------------------------------------


@pytest.mark.parametrize("name", ["CategoricalCrossentropy", "SparseCategoricalCrossentropy",
                                  "BinaryCrossentropy"])
def test_keras_extremes_finite_where_native_is_not(name):
    """Documented difference 4: Keras' cross-entropies return ``inf`` at logits
    of +-float32 max (and their reduction sums before it divides); ours are
    finite, saturating at float32's largest value, with the native's gradient
    on the rows where the native's is finite."""
    z = np.array([[F32MAX, -F32MAX, 0.0], [-F32MAX, F32MAX, 3.0], [1.0, 2.0, 3.0]], np.float32)
    y = np.array([1, 2, 0])
    yt = y if name.startswith("Sparse") else np.eye(3, dtype=np.float32)[y]
    native = getattr(keras.losses, name)(from_logits=True)
    ours = getattr(bk, name)(from_logits=True)
    assert not np.isfinite(float(native(yt, z)))
    x = tf.Variable(z)
    with tf.GradientTape() as tape:
        value = ours(yt, x)
    g = tape.gradient(value, x).numpy()
    assert np.isfinite(float(value)) and float(value) == F32MAX
    assert np.isfinite(g).all()
    # a finite row: the gradient equals the native's
    xr = tf.Variable(z[2:])
    with tf.GradientTape() as tape:
        nv = native(yt[2:], xr)
    with tf.GradientTape() as tape2:
        ov = ours(yt[2:], xr)
    np.testing.assert_allclose(tape2.gradient(ov, xr).numpy(), tape.gradient(nv, xr).numpy(), rtol=1e-5)
    np.testing.assert_allclose(float(ov), float(nv), rtol=1e-6)


# --- JAX -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dt", ["float16", "bfloat16", "float32"])
@pytest.mark.parametrize("name", ["softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels",
                                  "sigmoid_binary_cross_entropy"])
def test_jax_extremes(name, dt):
    """Documented difference 5: optax's softmax cross-entropies return ``inf``
    at logits of +-dtype max; ours saturate, with the exact gradient
    ``softmax(z) - y``; ours are finite under ``jit``."""
    m = float(jnp.finfo(dt).max)
    z = jnp.asarray([[m, -m, 0.0], [1.0, 2.0, 3.0]], dtype=dt)
    y = np.array([1, 2])
    labels = jnp.asarray(y) if name.endswith("integer_labels") else jnp.asarray(np.eye(3)[y], dtype=dt)
    ours = jax.jit(getattr(bj, name))
    value = ours(z, labels)
    g = jax.grad(lambda a: ours(a, labels).astype(jnp.float32).sum())(z)
    assert jnp.isfinite(value).all() and jnp.isfinite(g).all()
    if name.startswith("softmax"):
        assert not jnp.isfinite(getattr(optax, name)(z, labels)).all()
        exp = _softmax64(np.asarray(z, np.float64)) - np.eye(3)[y]
        np.testing.assert_allclose(np.asarray(g, np.float64), exp, atol=1e-2 if dt != "float32" else 1e-6)


@pytest.mark.parametrize("target", ["index", "probabilities"])
def test_torch_compiled_extremes_keep_the_exact_gradient(target):
    """Under ``torch.compile`` the saturating floor keeps its identity
    gradient too (Dynamo traces a jvp-free ``autograd.Function`` there)."""
    m = F32MAX
    z0 = torch.tensor([[m, -m, 0.0], [1.0, 2.0, 3.0]])
    y = torch.tensor([1, 2])
    t = y if target == "index" else torch.eye(3)[y] * 0.9 + 0.1 / 3
    crit = bt.CrossEntropyLoss(reduction="sum")
    f = torch.compile(lambda a: crit(a, t), backend="eager", fullgraph=True)
    z = z0.clone().requires_grad_()
    loss = f(z)
    (g,) = torch.autograd.grad(loss, z)
    yy = np.eye(3)[y.numpy()] if target == "index" else t.double().numpy()
    assert torch.isfinite(loss)
    np.testing.assert_allclose(g.double().numpy(), _softmax64(z0.double().numpy()) - yy, atol=1e-6)
