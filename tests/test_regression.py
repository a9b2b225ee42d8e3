"""Regression losses against their natives (torch.nn.functional, keras.losses,
optax), closed forms, float64 finite differences and the identities between
them; bad options and shapes; the documented differences from the natives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _fw import FRAMEWORKS

import losses

TOL = {"float32": {"rtol": 2e-5, "atol": 2e-6}, "float64": {"rtol": 1e-10, "atol": 1e-12}}
DTYPES = ("float32", "float64")
REDUCTIONS = ("none", "sum", "mean")


def close(actual, expected, dtype, what=""):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                               err_msg=what, **TOL[dtype])


def real_pair(seed, shape=(5, 3), scale=1.5):
    rng = np.random.default_rng(seed)
    y = rng.normal(0.0, scale, size=shape)
    return y, y + rng.normal(0.0, scale, size=shape)


def count_pair(seed, log_rates, shape=(5, 4)):
    """Targets 0, 0.5, 1, 2, 5, ... (the Stirling mask's both sides) and rates."""
    rng = np.random.default_rng(seed)
    y = rng.choice([0.0, 0.5, 1.0, 2.0, 3.0, 5.0], size=shape)
    rate = rng.uniform(0.2, 4.0, size=shape)
    return y, np.log(rate) if log_rates else rate


# --- torch.nn.functional --------------------------------------------------------

TORCH_CASES = [
    ("mse", losses.mean_squared_error, {}, "mse_loss", {}),
    ("l1", losses.mean_absolute_error, {}, "l1_loss", {}),
    *[(f"huber-{d}", losses.huber, {"delta": d}, "huber_loss", {"delta": d}) for d in (0.5, 1.0, 2.5)],
    *[(f"smooth_l1-{b}", losses.smooth_l1, {"beta": b}, "smooth_l1_loss", {"beta": b})
      for b in (0.0, 0.5, 1.0, 2.0)],
    *[(f"poisson_nll-log={li}-full={fu}-eps={e}", losses.poisson_nll,
       {"log_input": li, "full": fu, "eps": e}, "poisson_nll_loss", {"log_input": li, "full": fu, "eps": e})
      for li in (True, False) for fu in (False, True) for e in (1e-8, 0.1)],
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn,opts,native,nopts", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_torch_natives(name, fn, opts, native, nopts, dtype):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    if fn in (losses.poisson_nll,):
        y, p = count_pair(1, opts["log_input"])
    else:
        y, p = real_pair(1)
    for reduction in REDUCTIONS:
        pt = torch.tensor(p, dtype=getattr(torch, dtype), requires_grad=True)
        yt = torch.tensor(y, dtype=getattr(torch, dtype))
        v = getattr(F, native)(pt, yt, reduction=reduction, **nopts)
        (g,) = torch.autograd.grad(v, pt, torch.ones_like(v))
        v, g = v.detach().numpy(), g.numpy()
        what = f"{name} reduction={reduction}"
        # torch autodiff through our spec
        ov, og = losses.value_and_grad(fn, yt, pt.detach(), reduction=reduction, **opts)
        close(ov.numpy(), v, dtype, what + " value (torch)")
        close(og.numpy(), g, dtype, what + " grad (torch)")
        # NumPy closed form
        nv, ng = losses.value_and_grad(fn, y.astype(dtype), p.astype(dtype), reduction=reduction, **opts)
        assert np.asarray(nv).dtype == np.dtype(dtype) and ng.dtype == np.dtype(dtype)
        close(nv, v, dtype, what + " value (numpy)")
        close(ng, g, dtype, what + " grad (numpy)")


def _var(rng, kind, shape, lo=0.1):
    vshape = {"full": shape, "drop_last": shape[:-1], "last_one": shape[:-1] + (1,),
              "first_one": (1,) + shape[1:], "middle_one": shape[:1] + (1,) + shape[2:]}[kind]
    return rng.uniform(lo, 2.0, size=vshape)


GAUSS_CASES = [
    (kind, shape, full, eps)
    for kind, shape in [("full", (4, 3)), ("drop_last", (4, 3)), ("last_one", (4, 3)),
                        ("first_one", (4, 3)), ("middle_one", (3, 2, 4)), ("float", (4, 3))]
    for full, eps in [(False, 1e-6), (True, 0.4)]
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind,shape,full,eps", GAUSS_CASES,
                         ids=[f"{k}-full={f}-eps={e}" for k, _, f, e in GAUSS_CASES])
def test_torch_gaussian_nll(kind, shape, full, eps, dtype):
    """Values, d/d mean and d/d var against torch's gaussian_nll_loss, incl.
    variances below ``eps`` (clamped; torch's gradient passes the clamp)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    y, m = real_pair(2, shape)
    var = 0.7 if kind == "float" else _var(rng, kind, shape, lo=0.05)
    if kind != "float":
        var.flat[0] = 0.01  # below eps=0.4: the clamp is exercised
    tdt = getattr(torch, dtype)
    for reduction in REDUCTIONS:
        mt = torch.tensor(m, dtype=tdt, requires_grad=True)
        yt = torch.tensor(y, dtype=tdt)
        vt = var if kind == "float" else torch.tensor(var, dtype=tdt, requires_grad=True)
        v = torch.nn.functional.gaussian_nll_loss(mt, yt, vt, full=full, eps=eps, reduction=reduction)
        grads = torch.autograd.grad(v, [mt] if kind == "float" else [mt, vt], torch.ones_like(v))
        what = f"gaussian {kind} full={full} reduction={reduction}"
        ours_t = losses.gaussian_nll_grads(yt, mt.detach(), vt if kind == "float" else vt.detach(),
                                           full=full, eps=eps, reduction=reduction)
        ours_n = losses.gaussian_nll_grads(y.astype(dtype), m.astype(dtype),
                                           var if kind == "float" else var.astype(dtype),
                                           full=full, eps=eps, reduction=reduction)
        for src, (ov, om, ovar) in (("torch", ours_t), ("numpy", ours_n)):
            ov, om, ovar = (np.asarray(x.detach() if hasattr(x, "detach") else x) for x in (ov, om, ovar))
            close(ov, v.detach().numpy(), dtype, f"{what} value ({src})")
            close(om, grads[0].numpy(), dtype, f"{what} d/dmean ({src})")
            if kind != "float":
                assert ovar.shape == var.shape
                close(ovar, grads[1].numpy(), dtype, f"{what} d/dvar ({src})")
            else:
                assert ovar.shape == () and ovar.dtype == np.dtype(dtype)
        # the plain value_and_grad: d/d mean
        pv, pg = losses.value_and_grad(losses.gaussian_nll, y.astype(dtype), m.astype(dtype),
                                       var=var, full=full, eps=eps, reduction=reduction)
        close(pg, grads[0].numpy(), dtype, f"{what} value_and_grad")


def test_gaussian_var_gradient_passes_the_clamp_like_torch():
    """Where var < eps, torch's d/d var is 0.5 (1/eps - r^2/eps^2), not 0."""
    torch = pytest.importorskip("torch")
    y, m, var, eps = np.array([0.0, 0.0]), np.array([1.0, 0.1]), np.array([1e-3, 2.0]), 0.5
    vt = torch.tensor(var, requires_grad=True)
    torch.nn.functional.gaussian_nll_loss(torch.tensor(m), torch.tensor(y), vt, eps=eps,
                                          reduction="sum").backward()
    expected = [0.5 * (1 / eps - 1 / eps**2), 0.5 * (1 / 2.0 - 0.01 / 4.0)]
    np.testing.assert_allclose(vt.grad.numpy(), expected, rtol=1e-14)
    for fw in FRAMEWORKS:
        _, _, dv = losses.gaussian_nll_grads(fw.to(y, None), fw.to(m, None), fw.to(var, None),
                                             eps=eps, reduction="sum")
        np.testing.assert_allclose(fw.back(dv), expected, rtol=1e-12, err_msg=fw.id)


@pytest.mark.parametrize("kind", ["full", "drop_last", "last_one", "first_one"])
def test_gaussian_var_gradient_matches_finite_differences(kind):
    rng = np.random.default_rng(3)
    y, m = real_pair(4, (3, 4))
    var = _var(rng, kind, (3, 4), lo=0.3)
    sw = rng.uniform(0.5, 2.0, 3)
    for reduction in ("mean", "none"):
        kw = {"eps": 1e-6, "full": True, "reduction": reduction, "sample_weight": sw}
        _, _, dv = losses.gaussian_nll_grads(y, m, var, **kw)
        fd = np.zeros_like(var)
        h = 1e-6
        for idx in np.ndindex(var.shape):
            a, b = var.copy(), var.copy()
            a[idx] += h
            b[idx] -= h
            fd[idx] = (np.sum(losses.gaussian_nll(y, m, a, **kw))
                       - np.sum(losses.gaussian_nll(y, m, b, **kw))) / (2 * h)
        np.testing.assert_allclose(dv, fd, rtol=1e-6, atol=1e-8, err_msg=reduction)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_gaussian_nll_grads_agree_across_frameworks(fw):
    rng = np.random.default_rng(5)
    y, m = real_pair(5, (4, 3))
    var = _var(rng, "drop_last", (4, 3), lo=0.05)
    ref = losses.gaussian_nll_grads(y, m, var, eps=0.2, reduction="mean")
    got = losses.gaussian_nll_grads(fw.to(y, None), fw.to(m, None), fw.to(var, None), eps=0.2)
    for r, g, what in zip(ref, got, ("value", "d/dmean", "d/dvar")):
        assert fw.back(g).shape == np.shape(r), what
        np.testing.assert_allclose(fw.back(g), r, rtol=1e-12, atol=1e-14, err_msg=what)


# --- keras.losses (the active Keras backend) --------------------------------------------


def _keras_value_and_grad(fn, y, p):
    """The native per-sample loss and the gradient of its mean w.r.t. ``p``."""
    keras = pytest.importorskip("keras")
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        pt = tf.constant(p)
        with tf.GradientTape() as tape:
            tape.watch(pt)
            v = fn(tf.constant(y), pt)
            s = tf.reduce_mean(v)
        return v.numpy(), tape.gradient(s, pt).numpy()
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        v = fn(jnp.asarray(y), jnp.asarray(p))
        g = jax.grad(lambda q: jnp.mean(fn(jnp.asarray(y), q)))(jnp.asarray(p))
        return np.asarray(v), np.asarray(g)
    import torch

    pt = torch.tensor(p, requires_grad=True)
    v = fn(torch.tensor(y), pt)
    (g,) = torch.autograd.grad(v.mean(), pt)
    return v.detach().cpu().numpy(), g.cpu().numpy()


def _keras_cases():
    try:
        import keras
    except ImportError:  # pragma: no cover
        return []
    K = keras.losses
    return [
        ("mse", losses.mean_squared_error, {}, K.mean_squared_error, False),
        ("mae", losses.mean_absolute_error, {}, K.mean_absolute_error, False),
        ("huber-1", losses.huber, {}, K.huber, False),
        ("huber-0.4", losses.huber, {"delta": 0.4}, lambda y, p: K.huber(y, p, delta=0.4), False),
        ("huber-3", losses.huber, {"delta": 3.0}, lambda y, p: K.huber(y, p, delta=3.0), False),
        ("log_cosh", losses.log_cosh, {}, K.log_cosh, False),
        ("poisson", losses.poisson, {}, K.poisson, True),
    ]


KERAS_CASES = _keras_cases()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn,opts,native,rates", KERAS_CASES, ids=[c[0] for c in KERAS_CASES])
def test_keras_natives(name, fn, opts, native, rates, dtype):
    """Keras averages the last axis: its per-sample loss is the mean over the
    last axis of our ``reduction="none"`` (``y_pred``'s shape); the batch mean
    is our ``"mean"``."""
    y, p = count_pair(2, False) if rates else real_pair(2, (5, 4))
    y, p = y.astype(dtype), p.astype(dtype)
    kv, kg = _keras_value_and_grad(native, y, p)
    assert kv.shape == (5,)
    if name == "log_cosh" and dtype == "float64":
        # documented: Keras subtracts log 2 rounded to float32 (ops.log(2.0)), 1.9e-9 off
        off = float(np.float32(math.log(2.0))) - math.log(2.0)
        assert off == pytest.approx(1.9047e-9, rel=1e-4)
        kv = kv + off
    per_element = fn(y, p, reduction="none", **opts)
    assert per_element.shape == p.shape
    close(per_element.mean(-1), kv, dtype, "per-sample (numpy)")
    v, g = losses.value_and_grad(fn, y, p, **opts)
    close(v, kv.mean(), dtype, "mean (numpy)")
    close(g, kg, dtype, "gradient (numpy)")
    for fw in FRAMEWORKS[1:]:
        v, g = losses.value_and_grad(fn, fw.to(y, None), fw.to(p, None), **opts)
        close(fw.back(v), kv.mean(), dtype, f"mean ({fw.id})")
        close(fw.back(g), kg, dtype, f"gradient ({fw.id})")


# --- optax -------------------------------------------------------------------------


def _optax_cases():
    try:
        import optax
    except ImportError:  # pragma: no cover
        return []
    return [
        ("l2_loss", losses.half_squared_error, {}, optax.l2_loss),
        ("squared_error", losses.mean_squared_error, {}, optax.squared_error),
        ("huber_loss-1", losses.huber, {}, optax.huber_loss),
        ("huber_loss-0.3", losses.huber, {"delta": 0.3}, lambda p, t: optax.huber_loss(p, t, delta=0.3)),
        ("log_cosh", losses.log_cosh, {}, optax.log_cosh),
    ]


OPTAX_CASES = _optax_cases()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn,opts,native", OPTAX_CASES, ids=[c[0] for c in OPTAX_CASES])
def test_optax_natives(name, fn, opts, native, dtype):
    """optax is element-wise, ``(predictions, targets)``: our ``reduction="none"``."""
    import jax
    import jax.numpy as jnp

    y, p = real_pair(3, (4, 5))
    yj, pj = jnp.asarray(y, dtype), jnp.asarray(p, dtype)
    nv, vjp = jax.vjp(lambda q: native(q, yj), pj)
    (ng,) = vjp(jnp.ones_like(nv))
    v, g = losses.value_and_grad(fn, yj, pj, reduction="none", **opts)
    assert v.dtype == nv.dtype and v.shape == nv.shape
    close(v, nv, dtype, "value (jax)")
    close(g, ng, dtype, "gradient (jax)")
    v, g = losses.value_and_grad(fn, y.astype(dtype), p.astype(dtype), reduction="none", **opts)
    close(v, nv, dtype, "value (numpy)")
    close(g, ng, dtype, "gradient (numpy)")


# --- log-cosh: large and small errors ------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_log_cosh_large_errors_are_finite(fw, dtype):
    x = np.array([1e4, -1e4, 3e3, 60.0])
    v, g = losses.value_and_grad(losses.log_cosh, fw.to(np.zeros(4), dtype), fw.to(x, dtype),
                                 reduction="none")
    v, g = fw.back(v), fw.back(g)
    assert np.all(np.isfinite(v)) and np.all(np.isfinite(g))
    np.testing.assert_allclose(v, np.abs(x) - math.log(2.0), rtol=1e-7 if dtype == "float32" else 1e-15)
    np.testing.assert_array_equal(g, np.sign(x))


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_log_cosh_overflow_and_small_errors_in_float32(fw):
    """Documented: finite where Keras' ``x + softplus(-2x)`` overflows, and
    accurate at small errors where Keras' and optax's forms cancel."""
    x = np.array([-2e38, 2e38, 1e-4, -3e-3, 0.02, 0.7, 1.0, 1.3], np.float32)
    x64 = x.astype(np.float64)
    exact = np.concatenate([np.abs(x64[:2]) - math.log(2.0), np.log(np.cosh(x64[2:]))])
    v, g = losses.value_and_grad(losses.log_cosh, fw.to(np.zeros(8, np.float32), None), fw.to(x, None),
                                 reduction="none")
    np.testing.assert_allclose(fw.back(v), exact, rtol=4e-7)
    np.testing.assert_allclose(fw.back(g), np.tanh(x.astype(np.float64)), rtol=5e-7)


def test_log_cosh_natives_lose_small_errors_and_keras_overflows():
    keras = pytest.importorskip("keras")
    optax = pytest.importorskip("optax")
    x = np.array([[1e-4, -2e38]], np.float32)
    k = keras.ops.convert_to_numpy(keras.losses.log_cosh(np.zeros((1, 1), np.float32), x[:, :1]))
    o = np.asarray(optax.log_cosh(x[:, :1]))
    ours = losses.log_cosh(np.zeros((1, 1), np.float32), x[:, :1], reduction="none")
    exact = np.log(np.cosh(np.float64(x[0, 0])))
    assert abs(ours[0, 0] / exact - 1) < 1e-6
    assert abs(float(k[0]) / exact - 1) > 0.5 and abs(float(o[0, 0]) / exact - 1) > 0.5
    big = keras.ops.convert_to_numpy(keras.losses.log_cosh(np.zeros((1, 1), np.float32), x[:, 1:]))
    assert np.isinf(big[0])
    assert np.isfinite(losses.log_cosh(np.zeros(1, np.float32), x[0, 1:]))


# --- identities and closed forms ------------------------------------------------------


@pytest.mark.parametrize("b", [0.3, 1.0, 2.5])
def test_huber_is_beta_times_smooth_l1(b):
    y, p = real_pair(6)
    for reduction in REDUCTIONS:
        hv, hg = losses.value_and_grad(losses.huber, y, p, delta=b, reduction=reduction)
        sv, sg = losses.value_and_grad(losses.smooth_l1, y, p, beta=b, reduction=reduction)
        np.testing.assert_allclose(hv, b * sv, rtol=1e-13)
        np.testing.assert_allclose(hg, b * sg, rtol=1e-13)


def test_smooth_l1_at_beta_zero_is_l1():
    y, p = real_pair(7)
    v, g = losses.value_and_grad(losses.smooth_l1, y, p, beta=0.0, reduction="none")
    np.testing.assert_array_equal(v, np.abs(p - y))
    np.testing.assert_array_equal(g, np.sign(p - y))


def test_huber_closed_form():
    x = np.array([-3.0, -1.0, -0.5, 0.0, 0.25, 1.0, 2.0])
    v, g = losses.value_and_grad(losses.huber, np.zeros(7), x, delta=1.0, reduction="none")
    np.testing.assert_allclose(v, [2.5, 0.5, 0.125, 0.0, 0.03125, 0.5, 1.5], rtol=1e-15)
    np.testing.assert_allclose(g, [-1.0, -1.0, -0.5, 0.0, 0.25, 1.0, 1.0], rtol=1e-15)


def test_half_squared_error_is_unit_variance_gaussian_nll():
    """The seed's "average cross-entropy": 0.5 (y - y_hat)^2 = torch's
    0.5 (log var + (y - mu)^2 / var) at var = 1, constants dropped."""
    y, p = real_pair(8)
    sw = np.linspace(0.5, 2.0, 5)
    for reduction in REDUCTIONS:
        hv, hg = losses.value_and_grad(losses.half_squared_error, y, p, reduction=reduction, sample_weight=sw)
        gv, gg = losses.value_and_grad(losses.gaussian_nll, y, p, var=1.0, full=False, reduction=reduction,
                                       sample_weight=sw)
        mv, mg = losses.value_and_grad(losses.mean_squared_error, y, p, reduction=reduction, sample_weight=sw)
        np.testing.assert_allclose(hv, gv, rtol=1e-14)
        np.testing.assert_allclose(hg, gg, rtol=1e-14)
        np.testing.assert_allclose(hv, 0.5 * mv, rtol=1e-14)
        np.testing.assert_allclose(hg, 0.5 * mg, rtol=1e-14)
        fv = losses.gaussian_nll(y, p, np.ones(5), full=True, reduction=reduction, sample_weight=sw)
        const = 0.5 * math.log(2 * math.pi) * (np.ones((5, 3)) * sw[:, None])
        const = {"none": const, "sum": const.sum(), "mean": 0.5 * math.log(2 * math.pi)}[reduction]
        np.testing.assert_allclose(fv, gv + const, rtol=1e-14)
    torch = pytest.importorskip("torch")
    t = torch.nn.functional.gaussian_nll_loss(torch.tensor(p), torch.tensor(y), torch.ones(5, 3, dtype=torch.float64))
    assert float(t) == pytest.approx(float(losses.half_squared_error(y, p)), rel=1e-14)


@pytest.mark.parametrize("eps", [1e-7, 1e-3])
def test_keras_poisson_is_poisson_nll_on_rates(eps):
    y, p = count_pair(9, False)
    a = losses.value_and_grad(losses.poisson, y, p, epsilon=eps, reduction="none")
    b = losses.value_and_grad(losses.poisson_nll, y, p, log_input=False, eps=eps, reduction="none")
    for u, w in zip(a, b):
        np.testing.assert_array_equal(u, w)


def test_poisson_nll_closed_forms():
    y = np.array([0.0, 0.5, 1.0, 2.0, 5.0])
    z = np.zeros(5)  # log-rate 0: exp(z) - y z = 1
    stirling = np.where(y > 1, y * np.log(np.where(y > 1, y, 1)) - y + 0.5 * np.log(2 * np.pi * np.where(y > 1, y, 1)), 0)
    v, g = losses.value_and_grad(losses.poisson_nll, y, z, full=True, reduction="none")
    np.testing.assert_allclose(v, 1.0 + stirling, rtol=1e-15)
    assert stirling[-1] == pytest.approx(5 * math.log(5) - 5 + 0.5 * math.log(10 * math.pi), rel=1e-15)
    np.testing.assert_allclose(g, 1.0 - y, rtol=1e-15)
    # counts may be integers
    yi = np.array([0, 1, 2, 5])
    assert losses.poisson_nll(yi, z[:4], full=True) == losses.poisson_nll(yi.astype(float), z[:4], full=True)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_python_targets_and_variance_keep_float64(fw):
    """Python lists/numbers are taken at float64, then cast to y_pred's dtype
    (torch and TF would otherwise round them through float32)."""
    p = np.array([0.3, 0.9])
    y = [0.1, 0.7]
    got = losses.mean_squared_error(y, fw.to(p, "float64"))
    assert fw.back(got) == pytest.approx(np.mean((p - np.array(y)) ** 2), rel=1e-15)
    got = losses.gaussian_nll(np.zeros(2), fw.to(p, "float64"), 0.7)
    assert fw.back(got) == pytest.approx(np.mean(0.5 * (np.log(0.7) + p**2 / 0.7)), rel=1e-15)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_gaussian_scalar_variance_forms(fw):
    """A 0-d array var is a scalar, like a Python number (documented: torch's
    native takes only a Python number)."""
    y, m = real_pair(10, (3, 4))
    a = losses.gaussian_nll(fw.to(y, None), fw.to(m, None), 0.6, reduction="none")
    b = losses.gaussian_nll(fw.to(y, None), fw.to(m, None), np.array(0.6), reduction="none")
    np.testing.assert_allclose(fw.back(a), fw.back(b), rtol=1e-15)
    np.testing.assert_allclose(fw.back(a), 0.5 * (np.log(0.6) + (m - y) ** 2 / 0.6), rtol=1e-14)
    _, _, dv = losses.gaussian_nll_grads(fw.to(y, None), fw.to(m, None), 0.6, reduction="sum")
    assert fw.back(dv).shape == ()
    assert float(fw.back(dv)) == pytest.approx(float(np.sum(0.5 * (1 / 0.6 - (m - y) ** 2 / 0.36))), rel=1e-12)


def test_torch_rejects_a_0d_tensor_variance_that_we_accept():
    torch = pytest.importorskip("torch")
    y, m = real_pair(10, (3, 4))
    with pytest.raises(ValueError, match="var is of incorrect size"):
        torch.nn.functional.gaussian_nll_loss(torch.tensor(m), torch.tensor(y), torch.tensor(0.6))
    assert np.isfinite(float(losses.gaussian_nll(torch.tensor(y), torch.tensor(m), torch.tensor(0.6))))


# --- bad input ---------------------------------------------------------------------------

ALL = [losses.mean_squared_error, losses.mean_absolute_error, losses.half_squared_error, losses.huber,
       losses.smooth_l1, losses.log_cosh, losses.poisson, losses.poisson_nll]


@pytest.mark.parametrize("fn,opts,name", [
    (losses.huber, {"delta": 0.0}, "delta"),
    (losses.huber, {"delta": -1.0}, "delta"),
    (losses.huber, {"delta": float("inf")}, "delta"),
    (losses.huber, {"delta": float("nan")}, "delta"),
    (losses.huber, {"delta": None}, "delta"),
    (losses.smooth_l1, {"beta": -0.1}, "beta"),
    (losses.smooth_l1, {"beta": float("inf")}, "beta"),
    (losses.poisson, {"epsilon": 0.0}, "epsilon"),
    (losses.poisson_nll, {"eps": 0.0}, "eps"),
    (losses.poisson_nll, {"eps": -1e-8, "log_input": False}, "eps"),
    (losses.poisson_nll, {"log_input": "yes"}, "log_input"),
    (losses.poisson_nll, {"full": 2}, "full"),
    (losses.gaussian_nll, {"var": 1.0, "eps": 0.0}, "eps"),
    (losses.gaussian_nll, {"var": 1.0, "full": None}, "full"),
    (losses.mean_squared_error, {"reduction": "batch"}, "reduction"),
])
def test_bad_options_name_the_argument(fn, opts, name):
    y, p = count_pair(0, False)
    with pytest.raises(ValueError, match=f"`{name}`"):
        fn(y, p, **opts)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_shape_mismatch_names_both_shapes(fw):
    p = fw.to(np.ones((4, 1)), None)
    y = fw.to(np.ones(4), None)
    for fn in ALL:
        with pytest.raises(ValueError, match=r"`y_true` and `y_pred`.*\(4,\).*\(4, 1\)"):
            fn(y, p)
    with pytest.raises(ValueError, match=r"`y_true` and `mean`.*\(4,\).*\(4, 1\)"):
        losses.gaussian_nll(y, p, 1.0)


def test_torch_broadcasts_a_shape_mismatch_that_we_refuse():
    torch = pytest.importorskip("torch")
    p, y = torch.zeros(4, 1), torch.arange(4.0)
    with pytest.warns(UserWarning, match="target size"):
        out = torch.nn.functional.mse_loss(p, y, reduction="none")
    assert out.shape == (4, 4)
    with pytest.raises(ValueError, match="same shape"):
        losses.mean_squared_error(y, p, reduction="none")


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_negative_or_misshapen_variance(fw):
    y, m = real_pair(0, (3, 4))
    yf, mf = fw.to(y, None), fw.to(m, None)
    bad = np.full((3, 4), 0.5)
    bad[1, 2] = -0.1
    with pytest.raises(ValueError, match=r"`var` must be non-negative.*-0\.1.*\(1, 2\)"):
        losses.gaussian_nll(yf, mf, fw.to(bad, None))
    with pytest.raises(ValueError, match="`var` must be non-negative"):
        losses.gaussian_nll(yf, mf, -1.0)
    for shape in [(4,), (3, 4, 1), (1, 1), (2, 4), (3, 2)]:
        with pytest.raises(ValueError, match=r"`var` has shape"):
            losses.gaussian_nll(yf, mf, fw.to(np.ones(shape), None))


def test_torch_also_rejects_negative_and_misshapen_variance():
    torch = pytest.importorskip("torch")
    y, m = torch.zeros(3, 4), torch.ones(3, 4)
    with pytest.raises(ValueError, match="negative"):
        torch.nn.functional.gaussian_nll_loss(m, y, -torch.ones(3, 4))
    with pytest.raises(ValueError, match="incorrect size"):
        torch.nn.functional.gaussian_nll_loss(m, y, torch.ones(1, 1))


def test_negative_variance_under_jit_is_nan():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    var = jnp.array([[0.5, -0.1], [0.5, 0.5]])
    out = jax.jit(lambda v: losses.gaussian_nll(jnp.zeros((2, 2)), jnp.ones((2, 2)), v, reduction="none"))(var)
    out = np.asarray(out)
    assert np.isnan(out[0, 1]) and np.isfinite(np.delete(out.ravel(), 1)).all()


def test_negative_variance_under_tf_function_is_nan():
    tf = pytest.importorskip("tensorflow")
    def loss(v):
        return losses.gaussian_nll(tf.zeros((2, 2), tf.float64), tf.ones((2, 2), tf.float64), v, reduction="none")

    f = tf.function(loss, autograph=False)
    out = f(tf.constant([[0.5], [-0.1]], tf.float64)).numpy()  # one variance per row
    assert np.isnan(out[1]).all() and np.isfinite(out[0]).all()


@pytest.mark.parametrize("fn", [*ALL, losses.gaussian_nll], ids=lambda f: f.__name__)
def test_half_precision_is_computed_in_float32(fn):
    y, p = count_pair(11, False)
    kw = {"var": 0.8} if fn is losses.gaussian_nll else {}
    v16 = fn(y.astype(np.float16), p.astype(np.float16), reduction="none", **kw)
    v32 = fn(y.astype(np.float16).astype(np.float32), p.astype(np.float16).astype(np.float32),
             reduction="none", **kw)
    assert v16.dtype == np.float16
    np.testing.assert_array_equal(v16, v32.astype(np.float16))


def test_registry_lists_the_regression_losses():
    from losses import regression

    declared = {n for n, f in vars(regression).items() if callable(f) and hasattr(f, "spec")}
    names = {e.name for e in losses.entries() if e.family == "regression"}
    assert names == declared and len(names) >= 9
    for e in losses.entries():
        if e.family == "regression":
            assert getattr(losses, e.name) is e.fn and e.name in losses.__all__
