"""Dice, Tversky, generalized Dice, generalized cross-entropy and generalized KL
against independent sources: closed forms written here (float64), float64 central
finite differences, and the natives (Keras, optax) -- for the neutral functions on
every backend and for each adapter name, values and gradients, float32 and float64."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _fw import FRAMEWORKS

import losses

RNG = np.random.default_rng(12)
DTYPES = ("float32", "float64")
TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


# --- closed forms (float64 NumPy, written from the papers / docs) ----------------------------


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _tversky_ref(t, p, alpha, beta, nr, dr, axis):
    i = (t * p).sum(axis)
    fp, fn = (p * (1 - t)).sum(axis), ((1 - p) * t).sum(axis)
    return 1 - (i + nr) / (i + alpha * fp + beta * fn + dr)


def _dice_ref(t, p, nr, dr, axis):
    return 1 - (2 * (t * p).sum(axis) + nr) / (p.sum(axis) + t.sum(axis) + dr)


def _gdice_ref(t, p, smooth):
    """optax's documented multiclass generalized Dice loss (per sample and class), [N, ..., C]."""
    axes = tuple(range(1, t.ndim - 1))
    f = t.sum(tuple(range(t.ndim - 1)))
    v = 1 / (f ** 2 + 1e-7)
    w = v / v.sum() * len(v)
    return w * _tversky_ref(t, p, 0.5, 0.5, smooth, smooth, axes)


def _gce_ref(labels, p, q):
    py = np.take_along_axis(p, labels[..., None], -1)[..., 0]
    return (1 - py ** q) / q


def _gkl_ref(t, logq, axis=-1):
    lt = np.log(np.where(t > 0, t, 1.0))
    return (np.where(t > 0, t * (lt - logq), 0.0) + np.exp(logq) - t).sum(axis)


def _fd(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        a, b = x.copy(), x.copy()
        a[i] += h
        b[i] -= h
        g[i] = (f(a) - f(b)) / (2 * h)
    return g


def _seg(n=4, s=5, c=3):
    t = np.eye(c)[RNG.integers(0, c, (n, s))]
    z = RNG.normal(0, 2, (n, s, c))
    return t, z


# --- the neutral functions: closed forms, every backend --------------------------------------

def _sig(z):
    return 1 / (1 + np.exp(-z))


#: name -> (the neutral function, its options, y_pred from random logits z, closed form of (t, y_pred))
NEUTRAL = {
    "dice": (losses.dice, dict(smooth_nr=0.3, smooth_dr=0.7, axis=1), _softmax,
             lambda t, p: _dice_ref(t, p, 0.3, 0.7, 1)),
    "dice_logits": (losses.dice, dict(from_logits=True, axis=(0, 1)), lambda z: z,
                    lambda t, z: _dice_ref(t, _softmax(z), 0.0, 1e-7, (0, 1))),
    "tversky": (losses.tversky, dict(alpha=0.2, beta=0.9, smooth_nr=1.0, smooth_dr=1.0, axis=1, from_logits=True),
                lambda z: z, lambda t, z: _tversky_ref(t, _softmax(z), 0.2, 0.9, 1.0, 1.0, 1)),
    "tversky_sigmoid": (losses.tversky, dict(alpha=0.7, beta=0.3, axis=(1, 2), from_logits=True),
                        lambda z: z[..., :1], lambda t, z: _tversky_ref(t[..., :1], _sig(z), 0.7, 0.3, 0.0, 1e-7,
                                                                        (1, 2))),
    "generalized_dice": (losses.generalized_dice, dict(from_logits=True), lambda z: z,
                         lambda t, z: _gdice_ref(t, _softmax(z), 1.0)),
}


def _call(name, t, x):
    fn, opts, _, _ = NEUTRAL[name]
    if name == "tversky_sigmoid":
        t = t[..., :1]
    return fn(t, x, reduction="none", **opts)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
@pytest.mark.parametrize("name", sorted(NEUTRAL))
def test_neutral_overlap_equals_closed_form(name, fw):
    _, _, make, ref = NEUTRAL[name]
    t, z = _seg()
    x = make(z)
    for dtype in DTYPES:
        got = fw.back(_call(name, fw.to(t, dtype), fw.to(x, dtype)))
        np.testing.assert_allclose(got, ref(t, x), **TOL[dtype], err_msg=dtype)


@pytest.mark.parametrize("name", sorted(NEUTRAL))
def test_neutral_overlap_gradient_equals_finite_differences(name):
    """NumPy's closed-form gradient (of the sum; ``[N]`` sample weights) and each
    framework's autodiff (of any weighted sum) against float64 central differences."""
    fn, opts, make, ref = NEUTRAL[name]
    t, z = _seg()
    x = make(z)
    tt = t[..., :1] if name == "tversky_sigmoid" else t
    per = ref(t, x)
    sw = RNG.uniform(0.5, 2.0, t.shape[0])
    swb = sw.reshape(sw.shape + (1,) * (per.ndim - 1)) if per.ndim else 1.0
    if per.ndim == 0 or per.shape[0] != t.shape[0]:  # the batch axis summed: no sample weights
        sw, swb = None, 1.0
    _, g = losses.value_and_grad(fn, tt, x, reduction="sum", sample_weight=sw, **opts)
    np.testing.assert_allclose(g, _fd(lambda y: float((swb * ref(t, y)).sum()), x), rtol=1e-6, atol=1e-8)
    w = RNG.uniform(0.5, 2.0, per.shape)
    fd = _fd(lambda y: float((w * ref(t, y)).sum()), x)
    for fw in FRAMEWORKS:
        if fw.name != "numpy":
            grad = {"torch": _torch_grad, "tensorflow": _tf_grad, "jax": _jax_grad}[fw.name]
            got = grad(lambda y, T: _call(name, T, y), x, t, w)  # noqa: B023
            np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8, err_msg=fw.name)


def _torch_grad(f, z, t, w):
    import torch

    x = torch.tensor(z, requires_grad=True)
    (f(x, torch.tensor(t)) * torch.tensor(w)).sum().backward()
    return x.grad.numpy()


def _tf_grad(f, z, t, w):
    import tensorflow as tf

    x = tf.Variable(z)
    with tf.GradientTape() as tape:
        v = tf.reduce_sum(f(x, tf.constant(t)) * w)
    return tape.gradient(v, x).numpy()


def _jax_grad(f, z, t, w):
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True):
        return np.asarray(jax.grad(lambda x: jnp.sum(f(x, jnp.asarray(t)) * w))(jnp.asarray(z)))


def test_dice_alpha_beta_one_half_is_dice_with_doubled_smoothing():
    t, z = _seg()
    p = _softmax(z)
    np.testing.assert_allclose(losses.tversky(t, p, smooth_nr=0.2, smooth_dr=0.4, axis=1, reduction="none"),
                               losses.dice(t, p, smooth_nr=0.4, smooth_dr=0.8, axis=1, reduction="none"),
                               rtol=1e-13)


def test_tversky_array_alpha_per_class():
    t, z = _seg()
    p = _softmax(z)
    a = np.array([0.1, 0.5, 0.9])
    got = losses.tversky(t, p, alpha=a, beta=1 - a, axis=1, reduction="none")
    np.testing.assert_allclose(got, _tversky_ref(t, p, a, 1 - a, 0.0, 1e-7, 1), rtol=1e-12)
    _, g = losses.value_and_grad(losses.tversky, t, p, alpha=a, beta=1 - a, axis=1, reduction="sum")
    np.testing.assert_allclose(g, _fd(lambda x: float(_tversky_ref(t, x, a, 1 - a, 0.0, 1e-7, 1).sum()), p),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_generalized_cross_entropy_equals_closed_form(fw):
    labels = RNG.integers(0, 4, (6,))
    z = RNG.normal(0, 2, (6, 4))
    p = _softmax(z)
    for dtype in DTYPES:
        for q in (0.1, 0.5, 0.9):
            v = fw.back(losses.generalized_cross_entropy(fw.to(labels, None), fw.to(p, dtype), q=q, reduction="none"))
            np.testing.assert_allclose(v, _gce_ref(labels, p, q), **TOL[dtype])
            v = fw.back(losses.generalized_cross_entropy(fw.to(labels, None), fw.to(z, dtype), q=q,
                                                         from_logits=True, reduction="none"))
            np.testing.assert_allclose(v, _gce_ref(labels, p, q), **TOL[dtype])


def test_generalized_cross_entropy_limits_and_gradient():
    labels = RNG.integers(0, 4, (6,))
    z = RNG.normal(0, 2, (6, 4))
    p = _softmax(z)
    ce = -np.log(np.take_along_axis(p, labels[:, None], 1)[:, 0])
    np.testing.assert_allclose(losses.generalized_cross_entropy(labels, z, q=1e-7, from_logits=True,
                                                                reduction="none"), ce, rtol=1e-5)
    for fl, x in ((False, p), (True, z)):
        _, g = losses.value_and_grad(losses.generalized_cross_entropy, labels, x, q=0.3, from_logits=fl,
                                     reduction="sum")
        ref = (lambda y: _gce_ref(labels, _softmax(y), 0.3)) if fl else (lambda y: _gce_ref(labels, y, 0.3))
        np.testing.assert_allclose(g, _fd(lambda y: float(ref(y).sum()), x), rtol=1e-6, atol=1e-8)  # noqa: B023
    # ignore_index: 0 and not counted by "mean"
    lab = labels.copy()
    lab[:2] = -1
    mean = losses.generalized_cross_entropy(lab, p, ignore_index=-1)
    assert mean == pytest.approx(_gce_ref(labels, p, 0.5)[2:].mean(), rel=1e-12)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_generalized_kl_equals_closed_form(fw):
    t = RNG.uniform(0, 2, (5, 4))
    t[0, 1] = 0.0
    logq = RNG.normal(0, 1, (5, 4))
    for dtype in DTYPES:
        v = fw.back(losses.generalized_kl_divergence(fw.to(t, dtype), fw.to(logq, dtype), reduction="none"))
        np.testing.assert_allclose(v, _gkl_ref(t, logq), **TOL[dtype])
        v = fw.back(losses.generalized_kl_divergence(fw.to(t, dtype), fw.to(np.exp(logq), dtype),
                                                     log_input=False, axis=0, reduction="none"))
        np.testing.assert_allclose(v, _gkl_ref(t, logq, 0), **TOL[dtype])


def test_bad_options_name_the_argument():
    t, z = _seg()
    with pytest.raises(ValueError, match="`axis`.*repeats"):
        losses.dice(t, z, axis=(1, -2))
    with pytest.raises(ValueError, match="`axis`.*class axis"):
        losses.generalized_dice(t, z, axis=(1, 2))
    with pytest.raises(ValueError, match="`alpha`"):
        losses.tversky(t, z, alpha=-0.1)
    with pytest.raises(ValueError, match="`smooth_dr`"):
        losses.dice(t, z, smooth_dr=float("nan"))
    with pytest.raises(ValueError, match="`q`"):
        losses.generalized_cross_entropy(np.array([0]), np.array([[0.5, 0.5]]), q=1.0)
    with pytest.raises(ValueError, match="`y_true`.*label 2"):
        losses.generalized_cross_entropy(np.array([2]), np.array([[0.5, 0.5]]))
    with pytest.raises(ValueError, match="same shape"):
        losses.dice(t[:, :2], z)


# --- Keras adapter ---------------------------------------------------------------------------


def test_keras_gce_is_exact_where_the_native_rounds_q():
    keras = pytest.importorskip("keras")
    import backends.keras as bk

    labels = RNG.integers(0, 5, (4, 3))
    p = _softmax(RNG.normal(0, 1, (4, 3, 5)))
    got = keras.ops.convert_to_numpy(bk.categorical_generalized_cross_entropy(
        labels, keras.ops.convert_to_tensor(p, dtype="float64"), 0.3))
    np.testing.assert_allclose(got, _gce_ref(labels, p, 0.3), rtol=1e-14)


def test_keras_tversky_alpha_weighs_false_negatives_as_keras_does():
    keras = pytest.importorskip("keras")
    import backends.keras as bk

    t, p = np.array([[1.0, 1.0, 0.0]]), np.array([[1.0, 0.0, 0.0]])  # I = 1, FN = 1, FP = 0
    ours = float(bk.Tversky(alpha=0.9, beta=0.1)(t, p))
    native = float(keras.losses.Tversky(alpha=0.9, beta=0.1)(t, p))
    assert ours == pytest.approx(native, rel=1e-6) == pytest.approx(1 - 1 / 1.9, rel=1e-6)
    assert float(losses.tversky(t, p, alpha=0.1, beta=0.9)) == pytest.approx(1 - 1 / 1.9, rel=1e-6)


def test_keras_dice_default_axis_sums_everything_and_errors():
    keras = pytest.importorskip("keras")
    import backends.keras as bk

    t, z = _seg()
    p = _softmax(z)
    v = bk.dice(t, p)
    assert tuple(v.shape) == ()
    np.testing.assert_allclose(float(v), float(keras.losses.dice(t, p)), rtol=1e-6)
    with pytest.raises(ValueError, match="`axis`"):
        bk.Dice(axis="1")
    with pytest.raises(ValueError, match="`q`"):
        bk.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match="`alpha`"):
        bk.Tversky(alpha=-1.0)


def test_keras_cross_style_classes_equal_optax():
    pytest.importorskip("keras")
    optax = pytest.importorskip("optax")
    import jax

    import backends.keras as bk

    t, z = _seg(4, 6, 3)
    with jax.enable_x64(True):
        want = float(optax.losses.multiclass_generalized_dice_loss(z, t, smooth=0.5))
        want_kl = np.asarray(optax.losses.generalized_kl_divergence(np.log(z ** 2 + 0.1), t))
    got = float(bk.GeneralizedDice(smooth=0.5, from_logits=True, dtype="float64")(t, z))
    assert got == pytest.approx(want, rel=1e-10)
    got_kl = np.asarray(bk.generalized_kl_divergence(t, z ** 2 + 0.1))
    np.testing.assert_allclose(got_kl, want_kl, rtol=1e-12)


# --- JAX adapter -----------------------------------------------------------------------------


def test_jax_apply_softmax_false_equals_optax_eagerly_and_runs_under_jit():
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    import jax.numpy as jnp

    import backends.jax as bj

    t, z = _seg(2, 6, 3)
    with jax.enable_x64(True):
        p = jnp.asarray(_softmax(z))
        for kw in (dict(reduction="sum", ignore_background=True, smooth=0.0), dict(alpha=0.2, beta=0.6)):
            np.testing.assert_allclose(bj.dice_loss(p, t, apply_softmax=False, **kw),
                                       optax.losses.dice_loss(p, t, apply_softmax=False, **kw), rtol=1e-12)
            g = jax.grad(lambda x: jnp.sum(bj.dice_loss(x, t, apply_softmax=False, **kw)))(p)  # noqa: B023
            g_ref = jax.grad(lambda x: jnp.sum(optax.losses.dice_loss(x, t, apply_softmax=False, **kw)))(p)  # noqa: B023
            np.testing.assert_allclose(g, g_ref, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(
            bj.multiclass_generalized_dice_loss(p, t, apply_softmax=False, ignore_background=True),
            optax.losses.multiclass_generalized_dice_loss(p, t, apply_softmax=False, ignore_background=True),
            rtol=1e-12)
        # under jit optax cannot read the data; ours skips the check and computes
        jitted = jax.jit(lambda x: bj.dice_loss(x, t, apply_softmax=False))(p)
        np.testing.assert_allclose(jitted, bj.dice_loss(p, t, apply_softmax=False), rtol=1e-12)
        with pytest.raises(ValueError, match="valid probability distributions"):
            bj.dice_loss(p * 2.0, t, apply_softmax=False)
        # one channel: optax's row-sum check rejects any probability but 1; ours computes
        pb, tb = jnp.asarray([[0.5, 1.0]]), jnp.asarray([[1.0, 1.0]])
        assert float(bj.binary_dice_loss(pb, tb, apply_sigmoid=False, smooth=0.0)[0]) == \
            pytest.approx(1 - 1.5 / 1.75, rel=1e-12)
        with pytest.raises(ValueError):
            optax.losses.binary_dice_loss(pb, tb, apply_sigmoid=False)
        with pytest.raises(ValueError, match="`reduction`"):
            bj.dice_loss(p, t, reduction="batchmean")


def test_jax_convex_kl_warns_and_gce_equals_closed_form():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    import backends.jax as bj

    t, logq = RNG.uniform(0, 1, (3, 4)), RNG.normal(0, 1, (3, 4))
    with jax.enable_x64(True):
        with pytest.warns(DeprecationWarning, match="use generalized_kl_divergence"):
            v = bj.convex_kl_divergence(jnp.asarray(logq), jnp.asarray(t))
        np.testing.assert_allclose(v, _gkl_ref(t, logq), rtol=1e-12)
        labels, z = RNG.integers(0, 4, (5,)), RNG.normal(0, 2, (5, 4))
        np.testing.assert_allclose(bj.generalized_cross_entropy_with_integer_labels(jnp.asarray(z), labels, q=0.7),
                                   _gce_ref(labels, _softmax(z), 0.7), rtol=1e-12)
        with pytest.raises(ValueError, match="`labels`"):
            bj.generalized_cross_entropy_with_integer_labels(jnp.asarray(z), labels + 4)


# --- torch adapter ---------------------------------------------------------------------------


def _torch_value_grad(module, x, *rest):
    import torch

    xt = torch.tensor(x, requires_grad=True)
    v = module(xt, *(torch.as_tensor(r) for r in rest))
    w = torch.tensor(RNG.uniform(0.5, 2.0, tuple(v.shape)), dtype=v.dtype) if v.dim() else 1.0
    (v * w).sum().backward()
    return v.detach().numpy(), xt.grad.numpy(), (w if isinstance(w, float) else w.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_overlap_modules_equal_optax(dtype):
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    import jax.numpy as jnp

    import backends.torch as bt

    t, z = _seg(3, 6, 3)  # channels last [N, S, C]; torch wants [N, C, S]
    z, t = z.astype(dtype), t.astype(dtype)
    first = lambda a: np.moveaxis(a, -1, 1)  # noqa: E731
    cases = [
        (bt.TverskyLoss(alpha=0.3, beta=0.6, smooth_nr=0.5, smooth_dr=0.5, log_input=True, reduction="none"),
         lambda x: optax.losses.dice_loss(x, t, alpha=0.3, beta=0.6, smooth=0.5, reduction="none")),
        (bt.DiceLoss(smooth_nr=1.0, smooth_dr=1.0, log_input=True, reduction="sum"),  # optax: s = nr / 2
         lambda x: jnp.sum(optax.losses.dice_loss(x, t, smooth=0.5, reduction="none"))),
        (bt.GeneralizedDiceLoss(log_input=True),
         lambda x: optax.losses.multiclass_generalized_dice_loss(x, t)),
    ]
    with jax.enable_x64(dtype == "float64"):
        for module, ref in cases:
            v, g, w = _torch_value_grad(module, first(z), first(t))
            ref_v = np.asarray(ref(jnp.asarray(z)))
            ref_g = np.asarray(jax.grad(lambda x: jnp.sum(ref(x) * jnp.asarray(w)))(jnp.asarray(z)))  # noqa: B023
            np.testing.assert_allclose(v, ref_v, **TOL[dtype], err_msg=type(module).__name__)
            np.testing.assert_allclose(g, first(ref_g), rtol=TOL[dtype]["rtol"] * 10,
                                       atol=TOL[dtype]["atol"] * 10, err_msg=type(module).__name__)
    del torch


def test_torch_gce_and_generalized_kl_equal_closed_forms():
    torch = pytest.importorskip("torch")

    import backends.torch as bt

    labels, z = RNG.integers(0, 4, (5, 3)), RNG.normal(0, 2, (5, 4, 3))  # [N, C, d]
    p = _softmax(np.moveaxis(z, 1, -1))
    v = bt.GeneralizedCrossEntropyLoss(q=0.4, reduction="none")(torch.tensor(z), torch.tensor(labels))
    np.testing.assert_allclose(v.numpy(), _gce_ref(labels, p, 0.4), rtol=1e-12)
    with pytest.raises(ValueError, match="`target`"):
        bt.GeneralizedCrossEntropyLoss()(torch.tensor(z), torch.tensor(labels[:, :2]))
    t, logq = RNG.uniform(0, 1, (5, 4)), RNG.normal(0, 1, (5, 4))
    v = bt.GeneralizedKLDivLoss(reduction="sum")(torch.tensor(logq), torch.tensor(t))
    assert float(v) == pytest.approx(_gkl_ref(t, logq).sum(), rel=1e-12)
    with pytest.raises(ValueError, match="`input` must be \\[N, C, d1"):
        bt.DiceLoss()(torch.rand(2, 3), torch.rand(2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bt.DiceLoss()(torch.rand(2, 3, 4), torch.rand(2, 3, 4))
