"""Focal and poly losses against independent sources: Keras 3's native focal
losses, optax (sigmoid focal, poly loss), a float64 copy of torchvision's
``sigmoid_focal_loss``, closed forms, mpmath derivatives at the extreme
points, and the documented differences from the natives."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from _fw import FRAMEWORKS

import losses

RNG = np.random.default_rng(20260511)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _binary_case(n=5, d=3, soft=False):
    z = RNG.normal(0.0, 2.0, (n, d))
    y = RNG.uniform(size=(n, d)) if soft else (RNG.uniform(size=(n, d)) < 0.5) * 1.0
    return y, z


def _dense_case(n=5, c=4):
    z = RNG.normal(0.0, 2.0, (n, c))
    return np.eye(c)[RNG.integers(0, c, n)], z


# --- Keras 3 natives ------------------------------------------------------------------

@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _k(x):
    import keras

    return keras.ops.convert_to_tensor(np.asarray(x, dtype=np.float64), dtype="float64")


def _np(x):
    import keras

    return np.asarray(keras.ops.convert_to_numpy(x))


BFCE_OPTIONS = [
    {},
    {"gamma": 0.5},
    {"gamma": 0.0},
    {"apply_class_balancing": True, "alpha": 0.3, "gamma": 3.0},
    {"label_smoothing": 0.2, "gamma": 1.5},
    {"apply_class_balancing": True, "label_smoothing": 0.1, "gamma": 0.5},
]


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("opts", BFCE_OPTIONS, ids=str)
def test_binary_focal_equals_keras_mean_over_last_axis(keras, opts, from_logits):
    y, z = _binary_case(soft=bool(opts.get("label_smoothing")))
    x = z if from_logits else _sigmoid(z)
    expected = _np(keras.losses.binary_focal_crossentropy(_k(y), _k(x), from_logits=from_logits, **opts))
    ours = losses.binary_focal_crossentropy(y, x, from_logits=from_logits, reduction="none", **opts)
    assert ours.shape == y.shape  # element-wise: Keras averages the last axis
    np.testing.assert_allclose(ours.mean(-1), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum"])
def test_binary_focal_equals_keras_class_with_sample_weight(keras, reduction):
    y, z = _binary_case()
    sw = RNG.uniform(0.1, 2.0, y.shape[0])
    native = keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=2.5, from_logits=True,
                                                  reduction=reduction, dtype="float64")
    expected = _np(native(_k(y), _k(z), sample_weight=_k(sw)))
    ours = losses.binary_focal_crossentropy(y, z, apply_class_balancing=True, gamma=2.5, from_logits=True,
                                            reduction=reduction, sample_weight=sw)
    if reduction == "sum":  # Keras sums per-row means; ours sums elements
        ours = ours / y.shape[1]
    np.testing.assert_allclose(ours, expected, rtol=1e-12)


CFCE_OPTIONS = [
    {},
    {"gamma": 0.5, "alpha": 1.0},
    {"gamma": 0.0, "alpha": 1.0},
    {"alpha": [0.2, 0.5, 0.9, 0.4], "gamma": 3.0},
    {"label_smoothing": 0.2, "alpha": [0.1, 0.2, 0.3, 0.4]},
]


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("opts", CFCE_OPTIONS, ids=str)
def test_categorical_focal_equals_keras(keras, opts, from_logits):
    y, z = _dense_case()
    if opts.get("label_smoothing"):
        y = RNG.dirichlet(np.ones(4), 5)
    x = z if from_logits else _softmax(z) * RNG.uniform(0.5, 2.0, (5, 1))  # Keras renormalises
    k_opts = dict(opts)
    if isinstance(opts.get("alpha"), list):
        k_opts["alpha"] = _k(opts["alpha"])
    expected = _np(keras.losses.categorical_focal_crossentropy(_k(y), _k(x), from_logits=from_logits,
                                                               **k_opts))
    ours = losses.categorical_focal_crossentropy(y, x, from_logits=from_logits, reduction="none", **opts)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-15)


def test_categorical_focal_class_axis_equals_keras_on_moved_axis(keras):
    # Keras lays a list alpha on the last axis; ours lays it along `axis`.
    z = RNG.normal(0.0, 2.0, (3, 4, 2))  # class axis 1
    y = np.moveaxis(np.eye(4)[RNG.integers(0, 4, (3, 2))], -1, 1)
    alpha = [0.2, 0.4, 0.6, 0.8]
    expected = _np(keras.losses.categorical_focal_crossentropy(
        _k(np.moveaxis(y, 1, -1)), _k(np.moveaxis(z, 1, -1)), alpha=_k(alpha), from_logits=True))
    ours = losses.categorical_focal_crossentropy(y, z, alpha=alpha, from_logits=True, axis=1,
                                                 reduction="none")
    np.testing.assert_allclose(ours, expected, rtol=1e-12)


def test_categorical_focal_equals_keras_class_reductions(keras):
    y, z = _dense_case()
    p = _softmax(z)
    sw = RNG.uniform(0.1, 2.0, 5)
    for reduction in ("sum_over_batch_size", "sum"):
        native = keras.losses.CategoricalFocalCrossentropy(gamma=1.5, reduction=reduction, dtype="float64")
        expected = _np(native(_k(y), _k(p), sample_weight=_k(sw)))
        ours = losses.categorical_focal_crossentropy(y, p, gamma=1.5, reduction=reduction, sample_weight=sw)
        np.testing.assert_allclose(ours, expected, rtol=1e-12)


def test_sparse_focal_equals_keras_categorical_focal_on_one_hot(keras):
    z = RNG.normal(0.0, 2.0, (6, 5))
    labels = RNG.integers(0, 5, 6)
    alpha = RNG.uniform(0.1, 0.9, 5)
    for from_logits, x in ((True, z), (False, _softmax(z))):
        expected = _np(keras.losses.categorical_focal_crossentropy(
            _k(np.eye(5)[labels]), _k(x), alpha=_k(alpha), gamma=0.5, from_logits=from_logits,
            label_smoothing=0.1))
        ours = losses.sparse_categorical_focal_crossentropy(labels, x, alpha=alpha, gamma=0.5,
                                                            from_logits=from_logits, label_smoothing=0.1,
                                                            reduction="none")
        np.testing.assert_allclose(ours, expected, rtol=1e-12)


# --- documented differences from Keras ------------------------------------------------


def test_categorical_focal_logits_do_not_saturate_like_keras(keras):
    # p_0 = e^-40 < epsilon: Keras clips softmax to [eps, 1-eps] and saturates at
    # -log(eps); ours is the log_softmax value 40 (with gamma=0, alpha=1).
    y, z = np.array([[1.0, 0.0]]), np.array([[-20.0, 20.0]])
    keras_v = float(_np(keras.losses.categorical_focal_crossentropy(_k(y), _k(z), alpha=1.0, gamma=0.0,
                                                                    from_logits=True))[0])
    ours = float(losses.categorical_focal_crossentropy(y, z, alpha=1.0, gamma=0.0, from_logits=True))
    assert keras_v == pytest.approx(-np.log(1e-7), rel=1e-6)
    assert ours == pytest.approx(40.0 + np.log1p(np.exp(-40.0)), rel=1e-12)
    _, g = losses.value_and_grad(losses.categorical_focal_crossentropy, y, z, alpha=1.0, gamma=0.0,
                                 from_logits=True)
    np.testing.assert_allclose(g, [[-1.0, 1.0]], atol=1e-15)  # Keras' gradient here is 0


def test_binary_focal_logits_keras_backends_differ_ours_is_stable(keras):
    # Keras on JAX/torch/NumPy: sigmoid, then clip -> saturates at -log(eps) = 16.12;
    # Keras on TensorFlow recovers the logits and equals ours.
    y, z = np.array([[1.0, 0.0]]), np.array([[-30.0, 30.0]])
    ours = losses.binary_focal_crossentropy(y, z, gamma=0.0, from_logits=True, reduction="none")
    np.testing.assert_allclose(ours, [[30.0 + np.log1p(np.exp(-30.0))] * 2], rtol=1e-13)
    code = ("import numpy as np, keras; print(float(keras.ops.convert_to_numpy("
            "keras.losses.binary_focal_crossentropy(np.array([[1.0, 0.0]]), np.array([[-30.0, 30.0]]), "
            "gamma=0.0, from_logits=True))[0]))")
    env = dict(os.environ, KERAS_BACKEND="numpy")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    # float32 there: -log(eps) = 16.12 for the positive, -log(1 - f32(1 - eps)) = 15.94 for the negative
    eps32 = np.float32(1e-7)
    saturated = (-np.log(eps32) - np.log(np.float32(1) - (np.float32(1) - eps32))) / 2
    assert float(out.stdout.split()[-1]) == pytest.approx(float(saturated), rel=1e-5)
    if keras.backend.backend() == "tensorflow":
        tf_v = _np(keras.losses.binary_focal_crossentropy(_k(y), _k(z), gamma=0.0, from_logits=True))
        np.testing.assert_allclose(tf_v, ours.mean(-1), rtol=1e-12)


def test_binary_focal_probabilities_finite_where_keras_gradient_is_not(keras):
    # y = 1, p = 1, gamma = 0.5: Keras' factor (1 - p)^0.5 uses the unclipped p and
    # its gradient is infinite; ours uses the clipped p: constant beyond the clip.
    tf = pytest.importorskip("tensorflow")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("needs Keras on the TensorFlow backend for the native gradient")
    y = tf.constant([[1.0, 0.0]], tf.float64)
    p = tf.constant([[1.0, 0.0]], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(p)
        v = tf.reduce_sum(keras.losses.binary_focal_crossentropy(y, p, gamma=0.5))
    assert not np.all(np.isfinite(tape.gradient(v, p).numpy()))
    ours, g = losses.value_and_grad(losses.binary_focal_crossentropy, y.numpy(), p.numpy(), gamma=0.5,
                                    reduction="sum")
    np.testing.assert_array_equal(g, 0.0)
    # values: Keras 0 * (-log(1 - eps)); ours eps^0.5 * (-log(1 - eps)): eps^gamma times the clipped CE
    assert abs(float(ours) - 2 * float(v.numpy())) <= 2 * 1e-7 ** 0.5 * -np.log1p(-1e-7) * (1 + 1e-12)


# --- optax and torchvision -----------------------------------------------------------


@pytest.mark.parametrize("alpha,gamma,soft", [(None, 2.0, False), (0.25, 2.0, False), (0.75, 0.5, True),
                                              (None, 0.0, True), (0.4, 3.0, False)])
def test_sigmoid_focal_equals_optax_values_and_gradients(alpha, gamma, soft):
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    jax.config.update("jax_enable_x64", True)
    y, z = _binary_case(soft=soft)
    native = lambda x: optax.sigmoid_focal_loss(x, y, alpha=alpha, gamma=gamma)  # noqa: E731
    v, g = losses.value_and_grad(losses.sigmoid_focal_loss, y, z, alpha=alpha, gamma=gamma, reduction="none")
    np.testing.assert_allclose(v, np.asarray(native(z)), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g, np.asarray(jax.grad(lambda x: native(x).sum())(z)), rtol=1e-10, atol=1e-14)


def _torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss, copied (torchvision is not installed here)."""
    import torch.nn.functional as F

    p = inputs.sigmoid()
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    return loss


@pytest.mark.parametrize("alpha,gamma,reduction", [(0.25, 2.0, "none"), (-1.0, 2.0, "mean"),
                                                   (0.6, 0.5, "sum"), (-1.0, 1.0, "none")])
def test_sigmoid_focal_equals_torchvision(alpha, gamma, reduction):
    torch = pytest.importorskip("torch")
    y, z = _binary_case()
    x = torch.tensor(z, requires_grad=True)
    expected = _torchvision_sigmoid_focal_loss(x, torch.tensor(y), alpha, gamma, reduction)
    (g_native,) = torch.autograd.grad(expected.sum(), x)
    v, g = losses.value_and_grad(losses.sigmoid_focal_loss, y, z, alpha=alpha, gamma=gamma,
                                 reduction=reduction)
    np.testing.assert_allclose(v, expected.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g, g_native.numpy(), rtol=1e-10, atol=1e-15)


def test_sigmoid_focal_gradient_finite_where_torchvision_is_nan():
    # z = 40: sigmoid rounds to 1 in float64, torchvision's (1 - p_t)**0.5 backward is NaN.
    torch = pytest.importorskip("torch")
    y, z = np.array([1.0, 0.0]), np.array([40.0, -40.0])
    x = torch.tensor(z, requires_grad=True)
    loss = _torchvision_sigmoid_focal_loss(x, torch.tensor(y), 0.25, 0.5, "sum")
    (g_tv,) = torch.autograd.grad(loss, x)
    assert torch.isnan(g_tv).all()
    for fw in FRAMEWORKS:
        _, g = losses.value_and_grad(losses.sigmoid_focal_loss, fw.to(y, "float64"), fw.to(z, "float64"),
                                     gamma=0.5, reduction="sum")
        g = fw.back(g)
        assert np.all(np.isfinite(g)), fw.id
        assert np.all(np.abs(g) < 1e-20), fw.id  # exact: ~ -1.5 * 0.25 * e^-60


# --- gradients at the extreme points (gamma < 1, p -> 0 or 1) against mpmath -------------

@pytest.fixture(scope="module")
def mpmath():
    return pytest.importorskip("mpmath")


def _mp_binary_focal_logits(z, y, gamma):
    import mpmath

    s = 1 / (1 + mpmath.exp(-z))
    u = y * (1 - s) + (1 - y) * s
    ce = -(y * mpmath.log(s) + (1 - y) * mpmath.log(1 - s))
    return u ** gamma * ce


@pytest.mark.parametrize("gamma", [0.0, 0.3, 0.5, 1.0, 2.0])
def test_binary_focal_logit_gradient_at_extremes_equals_mpmath(mpmath, gamma):
    zs = np.array([-40.0, -20.0, -8.0, -1e-3, 8.0, 20.0, 40.0])
    with mpmath.workdps(60):
        for y in (0.0, 1.0, 0.3):
            v, g = losses.value_and_grad(losses.binary_focal_crossentropy, np.full_like(zs, y), zs,
                                         gamma=gamma, from_logits=True, reduction="none")
            for i, z in enumerate(zs):
                f = lambda t, y=y: _mp_binary_focal_logits(t, mpmath.mpf(y), gamma)  # noqa: E731
                assert v[i] == pytest.approx(float(f(mpmath.mpf(z))), rel=1e-12, abs=1e-16)
                assert g[i] == pytest.approx(float(mpmath.diff(f, mpmath.mpf(z))), rel=1e-9, abs=1e-16)


def _mp_categorical_focal_logits(zs, k, gamma):
    import mpmath

    m = max(zs)
    e = [mpmath.exp(z - m) for z in zs]
    p = e[k] / sum(e)
    return (1 - p) ** gamma * -mpmath.log(p)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_categorical_focal_logit_gradient_at_extremes_equals_mpmath(mpmath, gamma):
    # p_target -> 1 (first row) and -> 0 (second row)
    z = np.array([[30.0, 0.0, -5.0], [-30.0, 10.0, 0.0], [18.0, -1.0, 0.5]])
    y = np.eye(3)[[0, 0, 0]]
    _, g = losses.value_and_grad(losses.categorical_focal_crossentropy, y, z, alpha=1.0, gamma=gamma,
                                 from_logits=True, reduction="sum")
    with mpmath.workdps(60):
        for r in range(3):
            zr = [mpmath.mpf(v) for v in z[r]]
            for c in range(3):
                order = tuple(int(j == c) for j in range(3))
                exact = mpmath.diff(lambda *t: _mp_categorical_focal_logits(t, 0, gamma), zr, order)
                assert g[r, c] == pytest.approx(float(exact), rel=1e-8, abs=1e-300)


def test_probability_paths_gradients_at_extremes_equal_mpmath_and_are_zero_beyond_the_clip(mpmath):
    eps = 1e-7
    # inside the clip the gradient equals the exact derivative; beyond it, 0
    for gamma in (0.5, 2.0):
        p = np.array([1e-9, 2e-7, 0.5, 1 - 1e-6, 1 - 1e-9, 1.0, 0.0])
        y = np.ones_like(p)
        _, g = losses.value_and_grad(losses.binary_focal_crossentropy, y, p, gamma=gamma, reduction="none")
        assert np.all(np.isfinite(g))
        f = lambda t, gamma=gamma: (1 - t) ** gamma * -mpmath.log(t)  # noqa: E731
        with mpmath.workdps(50):
            for i, pi in enumerate(p):
                exact = float(mpmath.diff(f, mpmath.mpf(pi))) if eps <= pi <= 1 - eps else 0.0
                assert g[i] == pytest.approx(exact, rel=1e-7, abs=1e-300)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_autodiff_gradients_finite_at_extremes(fw, dtype):
    z = np.array([[-800.0, -90.0, -40.0, -17.0, 0.0, 17.0, 40.0, 90.0, 800.0]])
    y = (np.arange(9)[None] % 2) * 1.0
    p = np.array([[0.0, 1e-12, 1e-7, 0.5, 1 - 1e-7, 1.0, 1.0, 0.0, 1e-30]])
    cases = [
        (losses.binary_focal_crossentropy, y, z, {"from_logits": True}),
        (losses.binary_focal_crossentropy, np.ones_like(p), p, {}),
        (losses.binary_focal_crossentropy, 1.0 - np.ones_like(p), p, {}),
        (losses.sigmoid_focal_loss, y, z, {}),
        (losses.categorical_focal_crossentropy, np.eye(9)[[5]], z, {"from_logits": True}),
        (losses.categorical_focal_crossentropy, np.eye(9)[[4]], z / 10, {"from_logits": True}),
        (losses.sparse_categorical_focal_crossentropy, np.array([8]), z, {"from_logits": True}),
        (losses.sparse_categorical_focal_crossentropy, np.array([0]), z, {"from_logits": True}),
    ]
    for gamma in (0.0, 0.5, 2.0):
        for fn, t, x, kw in cases:
            v, g = losses.value_and_grad(fn, fw.to(t, dtype), fw.to(x, dtype), gamma=gamma, **kw)
            assert np.isfinite(fw.back(v)), (fn.__name__, kw, gamma)
            assert np.all(np.isfinite(fw.back(g))), (fn.__name__, kw, gamma)


# --- poly-1 against optax ---------------------------------------------------------------


@pytest.mark.parametrize("eps,axis,smooth", [(2.0, -1, 0.0), (-1.0, -1, 0.0), (1.0, 1, 0.0), (2.0, -1, 0.2)])
def test_poly1_equals_optax_values_and_gradients(eps, axis, smooth):
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    jax.config.update("jax_enable_x64", True)
    z = RNG.normal(0.0, 2.0, (4, 5, 3))
    y = np.moveaxis(RNG.dirichlet(np.ones(5 if axis == 1 else 3), (4, 3 if axis == 1 else 5)), -1, axis)
    y_native = np.asarray(optax.smooth_labels(np.moveaxis(y, axis, -1), smooth))
    y_native = np.moveaxis(y_native, -1, axis)

    def native(x):
        return optax.losses.poly_loss_cross_entropy(x, y_native, epsilon=eps, axis=axis)

    v, g = losses.value_and_grad(losses.poly1_crossentropy, y, z, poly_epsilon=eps, from_logits=True,
                                 axis=axis, label_smoothing=smooth, reduction="none")
    np.testing.assert_allclose(v, np.asarray(native(z)), rtol=1e-12)
    np.testing.assert_allclose(g, np.asarray(jax.grad(lambda x: native(x).sum())(z)), rtol=1e-10, atol=1e-14)


def test_poly1_probabilities_equal_logits_and_closed_form():
    y, z = _dense_case()
    p = _softmax(z)
    a = losses.poly1_crossentropy(y, z, from_logits=True, poly_epsilon=1.5, reduction="none")
    b = losses.poly1_crossentropy(y, p * 3.0, poly_epsilon=1.5, reduction="none")  # renormalised
    pt = (y * p).sum(-1)
    np.testing.assert_allclose(a, -np.log(pt) + 1.5 * (1 - pt), rtol=1e-12)
    np.testing.assert_allclose(b, a, rtol=1e-12)
    # poly_epsilon = 0 is the cross-entropy
    np.testing.assert_allclose(losses.poly1_crossentropy(y, z, from_logits=True, poly_epsilon=0.0),
                               -np.mean(np.log(pt)), rtol=1e-12)


# --- closed forms and identities ----------------------------------------------------------


def test_gamma_zero_alpha_one_is_cross_entropy():
    z = RNG.normal(0.0, 2.0, (6, 4))
    labels = np.array([0, 1, -100, 3, 2, 1])
    cw = RNG.uniform(0.2, 2.0, 4)
    sw = RNG.uniform(0.5, 1.5, 6)
    common = {"from_logits": True, "ignore_index": -100, "class_weight": cw, "label_smoothing": 0.1,
              "sample_weight": sw}
    a = losses.sparse_categorical_focal_crossentropy(labels, z, alpha=1.0, gamma=0.0, **common)
    # the torch weighted mean, by hand
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    keep = labels != -100
    lab = np.where(keep, labels, 0)
    per = 0.9 * cw[lab] * -logp[np.arange(6), lab] + 0.1 / 4 * (cw * -logp).sum(-1)
    expected = (per * sw * keep).sum() / (cw[lab] * sw * keep).sum()
    assert float(a) == pytest.approx(expected, rel=1e-12)
    y, zz = _binary_case()
    b = losses.binary_focal_crossentropy(y, zz, gamma=0.0, from_logits=True)
    bce = np.mean(np.logaddexp(0, zz) - y * zz)
    assert float(b) == pytest.approx(bce, rel=1e-12)


def test_focal_closed_form_values():
    # binary, p = 0.8 for the positive: (0.2)^2 * -log 0.8, balanced with alpha
    v = losses.binary_focal_crossentropy([1.0, 0.0], [0.8, 0.8], apply_class_balancing=True, alpha=0.25,
                                         reduction="none")
    np.testing.assert_allclose(v, [0.25 * 0.04 * -np.log(0.8), 0.75 * 0.64 * -np.log(0.2)], rtol=1e-12)
    # categorical, target p = 0.7
    v = losses.categorical_focal_crossentropy([[0.0, 1.0, 0.0]], [[0.2, 0.7, 0.1]], alpha=0.5, gamma=0.5)
    assert float(v) == pytest.approx(0.5 * 0.3 ** 0.5 * -np.log(0.7), rel=1e-12)


def test_sparse_focal_weighted_mean_and_ignore_index():
    z = np.log(np.array([[0.5, 0.5], [0.25, 0.75], [0.9, 0.1]]))
    cw = np.array([1.0, 3.0])
    v = losses.sparse_categorical_focal_crossentropy([0, 1, 7], z, from_logits=True, alpha=1.0, gamma=1.0,
                                                     class_weight=cw, ignore_index=7)
    expected = (1 * 0.5 * np.log(2) + 3 * 0.25 * -np.log(0.75)) / (1 + 3)
    assert float(v) == pytest.approx(expected, rel=1e-12)


def test_sparse_focal_bad_label_under_jit_is_nan():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    f = jax.jit(lambda t, x: losses.sparse_categorical_focal_crossentropy(t, x, from_logits=True,
                                                                          reduction="none"))
    out = np.asarray(f(jnp.array([5, 1]), jnp.zeros((2, 3))))
    assert np.isnan(out[0]) and np.isfinite(out[1])


def _fp16_focal(fw, y, z):
    if fw == "numpy":
        h = z.astype(np.float16)
    else:
        import torch

        y, h = torch.tensor(y), torch.tensor(z, dtype=torch.float16)
    return losses.binary_focal_crossentropy(y, h, from_logits=True, gamma=0.5, reduction="none")


def _correctly_rounded(v, ref) -> np.ndarray:
    """Which elements of ``v`` (float16) are ``ref`` rounded once to float16
    (within float32's own error)."""
    v = np.asarray(v.float() if hasattr(v, "float") else v, np.float64)
    ulp = np.spacing(ref.astype(np.float16)).astype(np.float64)
    return np.abs(v - ref) <= 0.5 * ulp * (1 + 1e-3)


@pytest.mark.parametrize("fw", ["numpy", "torch"])
def test_half_precision_computed_in_float32(monkeypatch, fw):
    """float16 in, float16 out, computed in float32 and rounded once: each of
    2,000 focal terms is its float64 reference rounded to float16 (all but
    the few that sit within float32's error of a rounding boundary). Computed
    in float16 (the planted bug: no upcast) most terms are an ulp or more
    off, which this test also checks on NumPy, so it can tell the two apart."""
    if fw == "torch":
        pytest.importorskip("torch")
    import backends._numpy as tn

    rng = np.random.default_rng(16)
    y = (rng.uniform(size=(500, 4)) < 0.5) * 1.0
    z = rng.normal(0.0, 3.0, (500, 4)).astype(np.float16).astype(np.float64)
    ref = np.asarray(losses.binary_focal_crossentropy(y, z, from_logits=True, gamma=0.5, reduction="none"))
    v = _fp16_focal(fw, y, z)
    assert str(v.dtype).endswith("float16")
    assert _correctly_rounded(v, ref).mean() > 0.99
    if fw == "numpy":
        monkeypatch.setattr(tn, "is_half", lambda x: False)  # plant: compute in float16
        v16 = _fp16_focal(fw, y, z)
        assert v16.dtype == np.float16 and _correctly_rounded(v16, ref).mean() < 0.9


# --- bad input ---------------------------------------------------------------------------

Y2, Z2 = np.array([[0.0, 1.0, 0.0]]), np.array([[0.1, 0.7, 0.2]])
BAD = [
    (losses.binary_focal_crossentropy, Y2, Z2, {"gamma": -1.0}, "`gamma`"),
    (losses.binary_focal_crossentropy, Y2, Z2, {"alpha": 1.5}, "`alpha`"),
    (losses.binary_focal_crossentropy, Y2, Z2, {"alpha": -0.5, "apply_class_balancing": True}, "`alpha`"),
    (losses.binary_focal_crossentropy, Y2, Z2, {"label_smoothing": 1.5}, "`label_smoothing`"),
    (losses.binary_focal_crossentropy, Y2, Z2, {"from_logits": "yes"}, "`from_logits`"),
    (losses.binary_focal_crossentropy, Y2, Z2, {"smoothing": "other"}, "`smoothing`"),
    (losses.binary_focal_crossentropy, Y2[:, :2], Z2, {}, "`y_true` and `y_pred`"),
    (losses.sigmoid_focal_loss, Y2, Z2, {"alpha": 1.5}, "`alpha`"),
    (losses.sigmoid_focal_loss, Y2, Z2, {"gamma": float("nan")}, "`gamma`"),
    (losses.categorical_focal_crossentropy, Y2, Z2, {"alpha": [0.2, 1.2, 0.3]}, "`alpha`"),
    (losses.categorical_focal_crossentropy, Y2, Z2, {"alpha": [0.2, 0.3]}, "`alpha`"),
    (losses.categorical_focal_crossentropy, Y2, Z2, {"alpha": "x"}, "`alpha`"),
    (losses.categorical_focal_crossentropy, Y2, Z2, {"gamma": -0.1}, "`gamma`"),
    (losses.categorical_focal_crossentropy, Y2, Z2, {"epsilon": 0.7}, "`epsilon`"),
    (losses.categorical_focal_crossentropy, Y2, Z2, {"axis": 2}, "`axis`"),
    (losses.sparse_categorical_focal_crossentropy, np.array([3]), Z2, {}, "`y_true`"),
    (losses.sparse_categorical_focal_crossentropy, np.array([1]), Z2, {"ignore_index": "a"}, "`ignore_index`"),
    (losses.sparse_categorical_focal_crossentropy, np.array([1]), Z2, {"alpha": -0.1}, "`alpha`"),
    (losses.sparse_categorical_focal_crossentropy, np.array([1]), Z2, {"class_weight": np.ones(2)},
     "`class_weight`"),
    (losses.poly1_crossentropy, Y2, Z2, {"poly_epsilon": float("nan")}, "`poly_epsilon`"),
    (losses.poly1_crossentropy, Y2, Z2, {"label_smoothing": -0.1}, "`label_smoothing`"),
]


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
@pytest.mark.parametrize("fn,y,x,kw,match", BAD, ids=[f"{b[0].__name__}-{sorted(b[3])}" for b in BAD])
def test_bad_input_names_the_argument(fn, y, x, kw, match, fw):
    with pytest.raises(ValueError, match=match):
        fn(fw.to(y, None if y.dtype.kind == "i" else "float64"), fw.to(x, "float64"), **kw)
