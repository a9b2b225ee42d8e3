"""The rest of the catalogue in ``backends.torch``: ``KLDivLoss``, ``MSELoss``,
``L1Loss``, ``HuberLoss``, ``SmoothL1Loss``, ``GaussianNLLLoss``,
``PoissonNLLLoss`` against ``torch.nn`` on every shared option (values and
gradients w.r.t. ``input``, and ``var`` for the Gaussian; float32 and
float64); ``FocalLoss`` against a float64 copy of torchvision's
``sigmoid_focal_loss``; the modules torch lacks against ``torch.nn``
(``CrossEntropyLoss`` at their neutral settings), ``torch.distributions`` and
hand-written float64 formulas; errors, legacy arguments, buffers,
``torch.compile``; each documented difference; ``CATALOG``."""

from __future__ import annotations

import importlib
import inspect
import itertools
import math
import warnings

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import backends.torch as bt  # noqa: E402
import losses  # noqa: E402
from losses._registry import LOSS_NAMES  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script:DeprecationWarning")

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
DTYPES = [torch.float32, torch.float64]
TOL = {torch.float32: dict(rtol=3e-5, atol=3e-6), torch.float64: dict(rtol=1e-11, atol=1e-13)}
F64 = torch.float64


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _randn(shape, seed, scale=1.0):
    return torch.randn(shape, generator=_gen(seed), dtype=F64) * scale


def _close(a, b, dtype, what):
    torch.testing.assert_close(a, b, **TOL[dtype], equal_nan=True, msg=lambda m: f"{what}: {m}")


def _grads(fn, args, wrt, seed=9):
    """Value of ``fn(*args)`` and its gradients w.r.t. ``args[i]`` for ``i`` in
    ``wrt`` (a random cotangent for a non-scalar value)."""
    args = [a.clone().requires_grad_() if i in wrt else a for i, a in enumerate(args)]
    v = fn(*args)
    ct = torch.rand(v.shape, generator=_gen(seed), dtype=F64).to(v)
    return v, torch.autograd.grad(v, [args[i] for i in wrt], ct)


def check(ours, ref, args, dtype, wrt=(0,)):
    """``ours(*args)`` equals ``ref(*args)``: dtype, shape, value and gradients."""
    va, ga = _grads(ours, args, wrt)
    vb, gb = _grads(ref, args, wrt)
    assert va.dtype == vb.dtype and va.shape == vb.shape, (va.dtype, vb.dtype, va.shape, vb.shape)
    _close(va, vb, dtype, "value")
    for i, a, b in zip(wrt, ga, gb):
        _close(a, b, dtype, f"gradient w.r.t. argument {i}")


# --- MSELoss, L1Loss, HuberLoss, SmoothL1Loss -------------------------------------------

ELEMENTWISE = {
    "MSE": (bt.MSELoss, nn.MSELoss, {}),
    "L1": (bt.L1Loss, nn.L1Loss, {}),
    "Huber-default": (bt.HuberLoss, nn.HuberLoss, {}),
    "Huber-0.3": (bt.HuberLoss, nn.HuberLoss, {"delta": 0.3}),
    "Huber-2.5": (bt.HuberLoss, nn.HuberLoss, {"delta": 2.5}),
    "SmoothL1-default": (bt.SmoothL1Loss, nn.SmoothL1Loss, {}),
    "SmoothL1-0": (bt.SmoothL1Loss, nn.SmoothL1Loss, {"beta": 0.0}),
    "SmoothL1-0.4": (bt.SmoothL1Loss, nn.SmoothL1Loss, {"beta": 0.4}),
    "SmoothL1-3": (bt.SmoothL1Loss, nn.SmoothL1Loss, {"beta": 3}),
}
SHAPES = {"NCd": (3, 4, 5), "N": (7,), "0d": ()}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", ELEMENTWISE)
def test_elementwise_regression_like_native(case, reduction, shape, dtype, device):
    ours, native, kw = ELEMENTWISE[case]
    x = _randn(SHAPES[shape], 1, 2.0).to(device, dtype)
    y = _randn(SHAPES[shape], 2, 2.0).to(device, dtype)
    if x.dim():
        y.view(-1)[0] = x.view(-1)[0]  # a tie: the L1 gradient there is 0 in both
    check(ours(reduction=reduction, **kw), native(reduction=reduction, **kw), (x, y), dtype)


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128], ids=str)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_l1_complex_like_native(reduction, dtype):
    """torch's L1Loss on complex inputs: |x - y| (real), gradient sgn(x - y)."""
    x = torch.randn(4, 3, dtype=dtype, generator=_gen(141))
    y = torch.randn(4, 3, dtype=dtype, generator=_gen(142))
    y[0, 0] = x[0, 0]  # a tie: gradient 0 in both
    va, (ga,) = _grads(bt.L1Loss(reduction=reduction), (x, y), (0,))
    vb, (gb,) = _grads(nn.L1Loss(reduction=reduction), (x, y), (0,))
    assert va.dtype == vb.dtype == x.real.dtype and ga.dtype == gb.dtype == dtype
    tol = TOL[torch.float64 if dtype == torch.complex128 else torch.float32]
    torch.testing.assert_close(va, vb, **tol)
    torch.testing.assert_close(ga, gb, **tol)
    assert ga[0, 0] == 0


# --- PoissonNLLLoss ------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("log_input,full,eps", [
    (True, False, 1e-8), (True, True, 1e-8), (False, False, 1e-8), (False, True, 1e-8),
    (False, False, 0.3), (True, True, 0.3)])
def test_poisson_nll_like_native(log_input, full, eps, reduction, dtype, device):
    shape = (4, 3, 2)
    z = _randn(shape, 3)
    x = z if log_input else torch.exp(z)  # log-rates or rates
    x.view(-1)[0] = 0.0 if not log_input else x.view(-1)[0]  # a zero rate: eps matters
    y = torch.poisson(torch.full(shape, 1.7, dtype=F64), generator=_gen(4))  # 0, 1 and > 1
    assert {0.0, 1.0} <= set(y.unique().tolist()) and y.max() > 1
    kw = dict(log_input=log_input, full=full, eps=eps, reduction=reduction)
    check(bt.PoissonNLLLoss(**kw), nn.PoissonNLLLoss(**kw), (x.to(device, dtype), y.to(device, dtype)), dtype)


# --- KLDivLoss -----------------------------------------------------------------------------

KL_SHAPES = {"NC": ((5, 4), 1), "NCd": ((3, 4, 2), 1), "C": ((4,), 0), "0d": ((), None)}


def _kl_inputs(shape, cdim, log_target):
    x = _randn(shape, 5)
    t = _randn(shape, 6)
    if cdim is not None:
        x, t = x.log_softmax(cdim), t.softmax(cdim)
        t.view(-1)[1] = 0.0  # a zero target probability: contributes 0, as the native's xlogy
    else:
        x, t = -x.abs(), torch.rand((), generator=_gen(7), dtype=F64)
    return x, (t.log() if log_target and cdim is None else t)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", KL_SHAPES)
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
def test_kl_div_like_native(reduction, log_target, shape, dtype, device):
    shape, cdim = KL_SHAPES[shape]
    x, t = _kl_inputs(shape, cdim, False)
    if log_target:  # native gives NaN for a log-target of -inf: use a finite one (see the difference test)
        t = (t + 0.01).log()
    args = (x.to(device, dtype), t.to(device, dtype))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="reduction: 'mean'")
        check(bt.KLDivLoss(reduction=reduction, log_target=log_target),
              nn.KLDivLoss(reduction=reduction, log_target=log_target), args, dtype)


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
def test_kl_div_target_gradient_like_native(reduction, log_target):
    """The gradient w.r.t. the target too (eager tensors take the fused path;
    the spec's path through a Tensor subclass), where the native's is finite."""
    x, t = _kl_inputs((5, 4), 1, False)
    t = (t + 0.01).log() if log_target else t + 0.01
    kw = dict(reduction=reduction, log_target=log_target)
    vb, gb = _grads(nn.KLDivLoss(**kw), (x, t), (0, 1))
    for sub in (torch.Tensor, _Sub):
        va, ga = _grads(bt.KLDivLoss(**kw), (x.as_subclass(sub), t.as_subclass(sub)), (0, 1))
        torch.testing.assert_close(va.as_subclass(torch.Tensor), vb, **TOL[F64])
        for a, b in zip(ga, gb):
            torch.testing.assert_close(a.as_subclass(torch.Tensor), b, **TOL[F64])


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_target_gradient_at_a_zero_target_is_zero(log_target):
    """A zero target probability (log-target ``-inf``) at a ``-inf`` input:
    term 0 and gradient 0 w.r.t. both (the native: NaN)."""
    x, t = _kl_inputs((3, 4), 1, False)
    x[0, 1] = -math.inf
    t = t.log() if log_target else t  # t[0, 1] = 0
    for sub in (torch.Tensor, _Sub):
        v, (gx, gt) = _grads(bt.KLDivLoss(reduction="sum", log_target=log_target),
                             (x.as_subclass(sub), t.as_subclass(sub)), (0, 1))
        assert torch.isfinite(v) and gx[0, 1] == 0 and gt[0, 1] == 0, sub


class _Sub(torch.Tensor):
    """A Tensor subclass: the adapters take the spec's path for it."""


@pytest.mark.parametrize("shape", [(0, 4), (0,)])
def test_kl_div_batchmean_of_an_empty_batch_is_nan_like_native(shape):
    """``sum / N`` with ``N = 0``: the native's ``0 / 0`` (ours raised
    ``ZeroDivisionError`` before)."""
    x, t = torch.zeros(shape), torch.zeros(shape)
    assert torch.isnan(nn.KLDivLoss(reduction="batchmean")(x, t))
    for sub in (torch.Tensor, _Sub):
        assert torch.isnan(bt.KLDivLoss(reduction="batchmean")(x.as_subclass(sub), t.as_subclass(sub)))


def test_kl_div_zero_target_contributes_nothing_like_native():
    x, t = _kl_inputs((3, 4), 1, False)
    a, (ga,) = _grads(bt.KLDivLoss(reduction="none"), (x, t), (0,))
    b, (gb,) = _grads(nn.KLDivLoss(reduction="none"), (x, t), (0,))
    assert a[0, 1] == 0 and b[0, 1] == 0 and ga[0, 1] == 0 and gb[0, 1] == 0
    # and with -inf input where the target is 0 (log-probability of an impossible class)
    x[0, 1] = -math.inf
    assert bt.KLDivLoss(reduction="none")(x, t)[0, 1] == 0


def test_kl_div_mean_warns_like_native_per_call():
    x, t = _kl_inputs((3, 4), 1, False)
    ours, native = bt.KLDivLoss(), nn.KLDivLoss()
    for m in (ours, native):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m(x, t)
            m(x, t)
        assert len(w) == 2, m
        m.msgs = [str(i.message) for i in w]
    assert ours.msgs == native.msgs
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning for the others
        bt.KLDivLoss(reduction="batchmean")(x, t)


def test_kl_div_negative_target_is_nan_like_native():
    x, t = _kl_inputs((3, 4), 1, False)
    t[1, 2] = -0.1
    a, b = bt.KLDivLoss(reduction="none")(x, t), nn.KLDivLoss(reduction="none")(x, t)
    assert torch.isnan(a[1, 2]) and torch.isnan(b[1, 2])
    torch.testing.assert_close(a, b, equal_nan=True)


def test_difference_kl_div_log_target_minus_inf_contributes_zero():
    """KLDivLoss docstring: native gives NaN, ours 0 (exp(-inf) = 0 probability)."""
    x, t = _kl_inputs((3, 4), 1, False)
    lt = t.log()  # lt[0, 1] = -inf
    a = bt.KLDivLoss(reduction="none", log_target=True)(x, lt)
    b = nn.KLDivLoss(reduction="none", log_target=True)(x, lt)
    assert torch.isnan(b[0, 1]) and a[0, 1] == 0
    torch.testing.assert_close(a.sum(), nn.KLDivLoss(reduction="sum")(x, t))


# --- GaussianNLLLoss -----------------------------------------------------------------------

#: var shapes for input (4, 3, 2): the native's accepted forms
VAR_SHAPES = {"same": (4, 3, 2), "one-fewer-dim": (4, 3), "last-dim-1": (4, 3, 1),
              "middle-dim-1": (4, 1, 2), "float": None}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("var_shape", VAR_SHAPES)
@pytest.mark.parametrize("full,eps", [(False, 1e-6), (True, 1e-6), (False, 0.3)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gaussian_nll_like_native(reduction, full, eps, var_shape, dtype, device):
    shape = (4, 3, 2)
    x = _randn(shape, 11).to(device, dtype)
    y = _randn(shape, 12).to(device, dtype)
    kw = dict(full=full, eps=eps, reduction=reduction)
    if VAR_SHAPES[var_shape] is None:
        check(bt.GaussianNLLLoss(**kw), nn.GaussianNLLLoss(**kw), (x, y, 0.7), dtype)
        check(bt.GaussianNLLLoss(**kw), nn.GaussianNLLLoss(**kw), (x, y, 0.1), dtype)  # below eps=0.3
        return
    v = torch.rand(VAR_SHAPES[var_shape], generator=_gen(13), dtype=F64) + 0.05
    v.view(-1)[0] = 0.0  # clamped to eps; the gradient passes the clamp in both
    check(bt.GaussianNLLLoss(**kw), nn.GaussianNLLLoss(**kw), (x, y, v.to(device, dtype)), dtype, wrt=(0, 2))


@pytest.mark.parametrize("input_shape,var_shape", [
    ((4, 3, 2), (4, 2)), ((4, 3, 2), (3, 2)), ((4, 3, 2), (4, 1, 1)), ((4, 3), (4, 3, 1)), ((4, 3), (2,))])
def test_gaussian_nll_bad_var_shape_is_a_value_error_like_native(input_shape, var_shape):
    x, y, v = torch.randn(input_shape), torch.randn(input_shape), torch.rand(var_shape) + .1
    with pytest.raises(ValueError, match="var is of incorrect size"):
        nn.GaussianNLLLoss()(x, y, v)
    with pytest.raises(ValueError, match=r"`var` has shape .* does not fit `input` of shape") as e:
        bt.GaussianNLLLoss()(x, y, v)
    assert "mean" not in str(e.value).replace("'mean'", "")


@pytest.mark.parametrize("var", [torch.tensor([[0.5], [-0.1], [1.0]]), -0.5])
def test_gaussian_nll_negative_var_is_a_value_error_like_native(var):
    x, y = torch.randn(3, 2), torch.randn(3, 2)
    with pytest.raises(ValueError, match="var has negative entry"):
        nn.GaussianNLLLoss()(x, y, var)
    with pytest.raises(ValueError, match="`var` must be non-negative"):
        bt.GaussianNLLLoss()(x, y, var)


def test_difference_gaussian_nll_accepts_int_and_0d_var():
    """GaussianNLLLoss docstring: an int or 0-d tensor var is a scalar variance
    (native: TypeError for an int; ValueError for 0-d var with a 2-d input)."""
    x, y = torch.randn(3, 2), torch.randn(3, 2)
    with pytest.raises((TypeError, AttributeError)):
        nn.GaussianNLLLoss()(x, y, 2)
    with pytest.raises(ValueError):
        nn.GaussianNLLLoss()(x, y, torch.tensor(2.0))
    expected = nn.GaussianNLLLoss()(x, y, 2.0)
    torch.testing.assert_close(bt.GaussianNLLLoss()(x, y, 2), expected)
    torch.testing.assert_close(bt.GaussianNLLLoss()(x, y, torch.tensor(2.0)), expected)


# --- FocalLoss against a float64 copy of torchvision ------------------------------------------


def torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss (torchvision 0.2x), copied verbatim."""
    p = torch.sigmoid(inputs)
    ce_loss = nn.functional.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "none":
        pass
    elif reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    else:
        raise ValueError(f"Invalid Value for arg 'reduction': '{reduction} \n Supported reduction modes: "
                         "'none', 'mean', 'sum'")
    return loss


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("alpha,gamma", [(0.25, 2.0), (0.6, 0.5), (-1.0, 1.5), (0.0, 0.0), (1.0, 3.0)])
@pytest.mark.parametrize("soft", [False, True])
def test_focal_loss_like_torchvision(alpha, gamma, reduction, soft, dtype):
    x = _randn((6, 3, 2), 21, 3.0)
    y = torch.rand(x.shape, generator=_gen(22), dtype=F64)
    y = y if soft else (y < 0.4).to(F64)

    def ref(a, b):  # the formula in float64, the result in the input's dtype
        return torchvision_sigmoid_focal_loss(a.double(), b.double(), alpha, gamma, reduction).to(a.dtype)

    check(bt.FocalLoss(alpha, gamma, reduction), ref, (x.to(dtype), y.to(dtype)), dtype)


def test_focal_loss_defaults_are_torchvisions():
    sig = inspect.signature(bt.FocalLoss.__init__).parameters
    assert [(n, p.default) for n, p in sig.items()][1:] == [("alpha", 0.25), ("gamma", 2.0), ("reduction", "none")]
    x, y = _randn((4, 3), 23), (torch.rand(4, 3, generator=_gen(24)) < .5).double()
    torch.testing.assert_close(bt.FocalLoss()(x, y), torchvision_sigmoid_focal_loss(x, y))
    torch.testing.assert_close(bt.FocalLoss(alpha=None)(x, y), torchvision_sigmoid_focal_loss(x, y, alpha=-1))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("gamma", [0.0, 0.1, 0.5, 0.99, 2.0])
def test_focal_loss_gradients_finite_at_saturated_probabilities(gamma, dtype):
    """p -> 0 and p -> 1 on both labels, gamma < 1 included."""
    z = torch.tensor([-1e4, -200.0, -40.0, -17.5, 17.5, 40.0, 200.0, 1e4], dtype=dtype)
    for label in (0.0, 1.0):
        y = torch.full_like(z, label)
        v, (g,) = _grads(bt.FocalLoss(gamma=gamma, reduction="sum"), (z, y), (0,))
        assert torch.isfinite(v) and torch.isfinite(g).all(), (label, v, g)
        # the easy side: d/dz -> 0; the hard side: |d/dz| -> alpha_t
        easy = g[-1] if label else g[0]
        assert abs(easy.item()) < 1e-30


def test_difference_focal_loss_gradient_where_torchvision_is_nan():
    """FocalLoss docstring: torchvision's (1 - p_t) rounds to 0 at large |x|;
    with gamma < 1 its gradient is NaN there, ours finite (and equal elsewhere)."""
    z, y = torch.tensor([20.0, 1.0]), torch.tensor([1.0, 1.0])
    _, (g_tv,) = _grads(lambda a, b: torchvision_sigmoid_focal_loss(a, b, gamma=0.5, reduction="sum"), (z, y), (0,))
    _, (g,) = _grads(bt.FocalLoss(gamma=0.5, reduction="sum"), (z, y), (0,))
    assert torch.isnan(g_tv[0]) and torch.isfinite(g).all()
    torch.testing.assert_close(g[1], g_tv[1])


def test_difference_focal_loss_alpha_above_one_raises():
    x, y = torch.randn(3), torch.ones(3)
    assert torch.isfinite(torchvision_sigmoid_focal_loss(x, y, alpha=1.5)).all()  # torchvision: accepted
    with pytest.raises(ValueError, match="`alpha`"):
        bt.FocalLoss(alpha=1.5)(x, y)


# --- CategoricalFocalLoss, PolyLoss: class dim 1, indices or probabilities ---------------------

CLASS_LAYOUTS = {"NC": (5, 4), "NCd": (3, 4, 2, 3), "C": (4,)}


def _cdim(shape):
    return 0 if len(shape) == 1 else 1


def _class_inputs(layout, seed, ignore=None):
    shape = CLASS_LAYOUTS[layout]
    cd, c = _cdim(shape), shape[_cdim(shape)]
    x = _randn(shape, seed, 2.0)
    per = shape[:cd] + shape[cd + 1:]
    y = torch.randint(0, c, per, generator=_gen(seed + 1))
    if ignore is not None and y.dim():
        y.view(-1)[1::3] = ignore
    t = _randn(shape, seed + 2).softmax(cd)
    return x, y, t, cd, c


def focal_reference(x, target, cd, c, alpha, gamma, weight, ignore_index, smoothing, reduction):
    """-sum_c alpha_c w_c t'_c (1 - p_c)^gamma log p_c in float64, torch's CE reductions."""
    logp = x.double().log_softmax(cd)
    p = logp.exp()
    probs = target.shape == x.shape
    if probs:
        t, keep = target.double(), None
    else:
        keep = target != ignore_index
        t = nn.functional.one_hot(torch.where(keep, target, 0), c).double().movedim(-1, cd)
    t = (1 - smoothing) * t + smoothing / c
    shape = [1] * x.dim()
    shape[cd] = c
    w = torch.ones(c, dtype=F64) if weight is None else weight.double()
    a = torch.as_tensor(alpha, dtype=F64)
    a = a.reshape(shape) if a.dim() else a
    per = -(a * w.reshape(shape) * t * (1 - p) ** gamma * logp).sum(cd)
    if keep is not None:
        per = per * keep
    if reduction == "none":
        return per
    if reduction == "sum":
        return per.sum()
    if probs:
        return per.mean()
    wy = w[torch.where(keep, target, 0)] * keep
    return per.sum() / wy.sum()


FOCAL_CONFIGS = {
    "defaults": {},
    "gamma0.5+alpha-vector": {"gamma": 0.5, "alpha": "vector"},
    "weight+ignore1+smoothing": {"weight": True, "ignore_index": 1, "label_smoothing": 0.2, "gamma": 1.5},
    "weight+ignore-100": {"weight": True, "gamma": 3.0, "alpha": 0.7},
}


def _focal_kwargs(cfg, c):
    kw = dict(FOCAL_CONFIGS[cfg])
    if kw.get("weight"):
        kw["weight"] = torch.rand(c, generator=_gen(31), dtype=F64) * 2 + .2
    if kw.get("alpha") == "vector":
        kw["alpha"] = torch.rand(c, generator=_gen(32), dtype=F64)
    return kw


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("layout", CLASS_LAYOUTS)
@pytest.mark.parametrize("targets", ["indices", "probabilities"])
@pytest.mark.parametrize("cfg", FOCAL_CONFIGS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_categorical_focal_loss_formula(reduction, cfg, targets, layout, dtype):
    kw = _focal_kwargs(cfg, 4)
    ignore = kw.get("ignore_index", -100)
    if targets == "probabilities" and ignore >= 0:
        kw.pop("ignore_index")
        ignore = -100
    x, y, t, cd, c = _class_inputs(layout, 33, ignore if targets == "indices" else None)
    target = y if targets == "indices" else t.to(dtype)
    full = dict(alpha=0.25, gamma=2.0, weight=None, ignore_index=-100, label_smoothing=0.0) | kw
    ref_kw = dict(full, smoothing=full.pop("label_smoothing"))
    ref_kw.pop("ignore_index")

    def ref(a, b):
        return focal_reference(a, b, cd, c, ignore_index=ignore, reduction=reduction, **ref_kw).to(a.dtype)

    mod = bt.CategoricalFocalLoss(**{k: v.to(dtype) if torch.is_tensor(v) else v for k, v in kw.items()},
                                  reduction=reduction)
    check(mod, ref, (x.to(dtype), target), dtype)


@pytest.mark.parametrize("layout", CLASS_LAYOUTS)
@pytest.mark.parametrize("targets", ["indices", "probabilities"])
@pytest.mark.parametrize("cfg", [{}, {"weight": True, "ignore_index": 2, "label_smoothing": 0.1},
                                 {"weight": True, "label_smoothing": 0.3}], ids=["defaults", "all", "weight+smoothing"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_neutral_focal_and_poly_equal_native_cross_entropy(reduction, cfg, targets, layout):
    """gamma=0, alpha=1 focal and epsilon=0 poly-1 are torch's CrossEntropyLoss."""
    cfg = dict(cfg)
    if cfg.get("weight"):
        cfg["weight"] = torch.rand(4, generator=_gen(41), dtype=F64) + .3
    if targets == "probabilities":
        cfg.pop("ignore_index", None)
    x, y, t, _, _ = _class_inputs(layout, 42, cfg.get("ignore_index") if targets == "indices" else None)
    target = y if targets == "indices" else t
    native = nn.CrossEntropyLoss(**cfg, reduction=reduction)
    check(bt.CategoricalFocalLoss(alpha=1.0, gamma=0.0, **cfg, reduction=reduction), native, (x, target), F64)
    cfg.pop("weight", None)  # PolyLoss has no weight
    check(bt.PolyLoss(epsilon=0.0, **cfg, reduction=reduction), nn.CrossEntropyLoss(**cfg, reduction=reduction),
          (x, target), F64)


def poly_reference(x, target, cd, c, epsilon, ignore_index, smoothing, reduction):
    """Native cross-entropy plus epsilon sum_c t'_c (1 - p_c), with torch's CE reductions."""
    ce = nn.functional.cross_entropy(x, target, ignore_index=ignore_index, label_smoothing=smoothing,
                                     reduction="none")
    p = x.softmax(cd)
    if target.shape == x.shape:
        t, keep = target, torch.ones_like(ce)
    else:
        keep = (target != ignore_index).to(x.dtype)
        t = nn.functional.one_hot(torch.where(target != ignore_index, target, 0), c).to(x.dtype).movedim(-1, cd)
    t = (1 - smoothing) * t + smoothing / c
    per = ce + epsilon * (t * (1 - p)).sum(cd) * keep
    return {"none": per, "sum": per.sum(), "mean": per.sum() / keep.sum()}[reduction]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("layout", CLASS_LAYOUTS)
@pytest.mark.parametrize("targets", ["indices", "probabilities"])
@pytest.mark.parametrize("epsilon,ignore,smoothing", [(2.0, -100, 0.0), (-1.0, 1, 0.1), (0.5, -7, 0.25)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_poly_loss_formula(reduction, epsilon, ignore, smoothing, targets, layout, dtype):
    if targets == "probabilities":
        ignore = -100
    x, y, t, cd, c = _class_inputs(layout, 51, ignore if targets == "indices" else None)
    target = y if targets == "indices" else t.to(dtype)

    def ref(a, b):
        b = b.double() if b.is_floating_point() else b
        return poly_reference(a.double(), b, cd, c, epsilon, ignore, smoothing, reduction).to(a.dtype)

    check(bt.PolyLoss(epsilon, ignore, reduction, smoothing), ref, (x.to(dtype), target), dtype)


@pytest.mark.parametrize("gamma", [0.0, 0.3, 0.9, 2.0])
def test_categorical_focal_gradients_finite_at_saturated_probabilities(gamma):
    x = torch.tensor([[1e4, 0.0, -1e4], [50.0, -50.0, 0.0], [-200.0, 200.0, 0.0]])
    for y in (torch.tensor([0, 0, 1]), torch.tensor([2, 1, 0])):  # easy, then hard
        v, (g,) = _grads(bt.CategoricalFocalLoss(gamma=gamma, reduction="sum"), (x, y), (0,))
        assert torch.isfinite(v) and torch.isfinite(g).all(), (gamma, y, v, g)


# --- JSDivergenceLoss, EntropyLoss, LogCoshLoss ------------------------------------------


def js_reference(x, t, cd, log_input):
    q = x.softmax(cd) if log_input else x / x.sum(cd, keepdim=True)
    p = t / t.sum(cd, keepdim=True)
    m = (p + q) / 2
    def plogp_m(a):  # a log(a / m), 0 where a = 0 (gradient too)
        return a * torch.log(torch.where(a > 0, a, torch.ones_like(a)) / m)

    return 0.5 * (plogp_m(p) + plogp_m(q)).sum(cd)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("layout", CLASS_LAYOUTS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_js_divergence_formula(reduction, log_input, layout, dtype):
    x, _, t, cd, _ = _class_inputs(layout, 61)
    if not log_input:
        x = x.softmax(cd) * 3  # unnormalised weights are renormalised
    t.view(-1)[0] = 0.0  # a zero target probability

    def ref(a, b):
        per = js_reference(a.double(), b.double(), cd, log_input)
        return {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction].to(a.dtype)

    check(bt.JSDivergenceLoss(reduction, log_input), ref, (x.to(dtype), t.to(dtype)), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("layout", CLASS_LAYOUTS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_entropy_like_torch_distributions(reduction, log_input, layout, dtype):
    x, _, _, cd, _ = _class_inputs(layout, 71)
    if not log_input:
        x = x.softmax(cd) * 2

    def ref(a):
        a = a.double().movedim(cd, -1)
        d = torch.distributions.Categorical(logits=a) if log_input else torch.distributions.Categorical(probs=a)
        per = d.entropy()
        return {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction].to(x.dtype if dtype == F64 else dtype)

    check(bt.EntropyLoss(reduction, log_input), ref, (x.to(dtype),), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_log_cosh_formula(reduction, dtype):
    x, y = _randn((4, 3, 2), 81, 3.0), _randn((4, 3, 2), 82, 3.0)

    def ref(a, b):
        per = torch.log(torch.cosh(a.double() - b.double()))
        return {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction].to(a.dtype)

    check(bt.LogCoshLoss(reduction), ref, (x.to(dtype), y.to(dtype)), dtype)


def test_log_cosh_is_finite_where_log_of_cosh_overflows():
    d = torch.tensor([1e4, -1e30, 1e-6], dtype=F64)
    v, (g,) = _grads(bt.LogCoshLoss("none"), (d, torch.zeros(3, dtype=F64)), (0,))
    torch.testing.assert_close(v, torch.tensor([1e4 - math.log(2), 1e30 - math.log(2), 0.5e-12], dtype=F64))
    torch.testing.assert_close(g, torch.tanh(d) * torch.rand(3, generator=_gen(9), dtype=F64))


# --- constructors, legacy arguments, reductions ----------------------------------------------

NATIVE_PAIRS = [(bt.KLDivLoss, nn.KLDivLoss), (bt.MSELoss, nn.MSELoss), (bt.L1Loss, nn.L1Loss),
                (bt.HuberLoss, nn.HuberLoss), (bt.SmoothL1Loss, nn.SmoothL1Loss),
                (bt.GaussianNLLLoss, nn.GaussianNLLLoss), (bt.PoissonNLLLoss, nn.PoissonNLLLoss)]
IDS = [p[0].__name__ for p in NATIVE_PAIRS]


@pytest.mark.parametrize("ours,native", NATIVE_PAIRS, ids=IDS)
def test_signature_and_defaults_match_native(ours, native):
    def params(f):
        return [(p.name, p.default, p.kind) for p in inspect.signature(f).parameters.values()]

    assert params(ours.__init__) == params(native.__init__)
    assert [p[0] for p in params(ours.forward)] == [p[0] for p in params(native.forward)]
    assert ours().reduction == native().reduction


def _sample(cls):
    x = _randn((4, 3), 91)
    if cls is bt.KLDivLoss:
        return x.log_softmax(1), _randn((4, 3), 92).softmax(1)
    if cls is bt.PoissonNLLLoss:
        return x, torch.poisson(torch.full((4, 3), 2.0, dtype=F64), generator=_gen(93))
    return x, _randn((4, 3), 94)


LEGACY = [p for p in NATIVE_PAIRS if "size_average" in inspect.signature(p[1].__init__).parameters]


@pytest.mark.parametrize("ours,native", LEGACY, ids=[p[0].__name__ for p in LEGACY])
@pytest.mark.parametrize("size_average,reduce", [
    (sa, r) for sa, r in itertools.product([None, True, False], repeat=2) if (sa, r) != (None, None)])
def test_legacy_size_average_and_reduce(ours, native, size_average, reduce):
    got = []
    for cls in (ours, native):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m = cls(size_average=size_average, reduce=reduce, reduction="sum")
            v = m(*_sample(ours))
        got.append((m.reduction, [str(i.message) for i in w], v))
    assert got[0][:2] == got[1][:2]
    torch.testing.assert_close(got[0][2], got[1][2])


@pytest.mark.parametrize("ours,native", NATIVE_PAIRS, ids=IDS)
def test_reduction_names(ours, native):
    x, t = _sample(ours)
    args = (x, t, 0.5) if ours is bt.GaussianNLLLoss else (x, t)
    with pytest.raises(ValueError, match="`reduction` must be one of .*got 'avg'"):
        ours(reduction="avg")
    with pytest.raises(ValueError):  # the native, at its first call
        native(reduction="avg")(*args)
    if ours is bt.KLDivLoss:
        torch.testing.assert_close(ours(reduction="batchmean")(*args), native(reduction="batchmean")(*args))
    else:
        with pytest.raises(ValueError, match="got 'batchmean'"):
            ours(reduction="batchmean")
    if ours is not bt.GaussianNLLLoss:  # the deprecated alias, with torch's warning
        with pytest.warns(UserWarning, match="elementwise_mean"):
            m = ours(reduction="elementwise_mean")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.testing.assert_close(m(*args), native(reduction="mean")(*args))


@pytest.mark.parametrize("cls", [bt.FocalLoss, bt.CategoricalFocalLoss, bt.PolyLoss, bt.JSDivergenceLoss,
                                 bt.EntropyLoss, bt.LogCoshLoss])
def test_own_modules_take_the_three_reductions(cls):
    for bad in ("avg", "elementwise_mean", "batchmean"):
        with pytest.raises(ValueError, match="`reduction` must be one of 'none', 'mean', 'sum'"):
            cls(reduction=bad)


def test_huber_delta_type_error_like_native():
    with pytest.raises(TypeError):
        nn.HuberLoss(delta="1")
    with pytest.raises(TypeError, match="`delta` must be a float or int; got str"):
        bt.HuberLoss(delta="1")


# --- errors: clear, in torch's names -------------------------------------------------------

BAD_CALLS = [
    ("MSE shape", lambda: bt.MSELoss()(torch.randn(3, 2), torch.randn(3)),
     ValueError, r"`target` must have input's shape; got target.shape=\(3,\) and input.shape=\(3, 2\)"),
    ("KL shape", lambda: bt.KLDivLoss(reduction="batchmean")(torch.randn(3, 2), torch.rand(2, 3)), ValueError, "`target` must have input's shape"),
    ("Huber delta 0", lambda: bt.HuberLoss(delta=0)(torch.randn(3), torch.randn(3)), ValueError, "`delta`"),
    ("SmoothL1 beta < 0", lambda: bt.SmoothL1Loss(beta=-1.0)(torch.randn(3), torch.randn(3)), ValueError, "`beta`"),
    ("Poisson eps 0", lambda: bt.PoissonNLLLoss(eps=0.0)(torch.randn(3), torch.rand(3)), ValueError, "`eps`"),
    ("Gaussian target shape", lambda: bt.GaussianNLLLoss()(torch.randn(3, 2), torch.randn(3, 1), 1.0),
     ValueError, "`target` must have input's shape"),
    ("Gaussian var list", lambda: bt.GaussianNLLLoss()(torch.randn(3), torch.randn(3), [1.0, 1.0, 1.0]),
     TypeError, "`var` must be a torch.Tensor or a number; got list"),
    ("Focal shape", lambda: bt.FocalLoss()(torch.randn(3, 2), torch.rand(3)), ValueError, "`target` must have input's shape"),
    ("Focal gamma < 0", lambda: bt.FocalLoss(gamma=-1.0)(torch.randn(3), torch.rand(3)), ValueError, "`gamma`"),
    ("CatFocal label", lambda: bt.CategoricalFocalLoss()(torch.randn(3, 4), torch.tensor([0, 4, 1])),
     ValueError, r"`target` holds class label 4 at index \(1,\)"),
    ("CatFocal target shape", lambda: bt.CategoricalFocalLoss()(torch.randn(3, 4), torch.zeros(3, 1, dtype=torch.long)),
     ValueError, "`target` of class indices must have input's shape"),
    ("CatFocal alpha length", lambda: bt.CategoricalFocalLoss(alpha=torch.ones(3))(torch.randn(3, 4), torch.tensor([0, 1, 1])),
     ValueError, "`alpha` must be a 1-D array of length 4"),
    ("CatFocal weight length", lambda: bt.CategoricalFocalLoss(weight=torch.ones(3))(torch.randn(3, 4), torch.rand(3, 4)),
     ValueError, "`weight` must be a 1-D array of length 4"),
    ("Poly label", lambda: bt.PolyLoss()(torch.randn(3, 4), torch.tensor([0, -1, 1])), ValueError, "`target` holds class label -1"),
    ("Poly probs + ignore_index", lambda: bt.PolyLoss(ignore_index=0)(torch.randn(3, 4), torch.rand(3, 4)),
     ValueError, "`ignore_index`=0 is not supported with class-probability targets"),
    ("Poly integer probabilities", lambda: bt.PolyLoss()(torch.randn(3, 4), torch.zeros(3, 4, dtype=torch.long)),
     TypeError, "must be floating point"),
    ("JS shape", lambda: bt.JSDivergenceLoss()(torch.randn(3, 4), torch.rand(3, 3)), ValueError, "`target` must have input's shape"),
    ("Entropy 0-d", lambda: bt.EntropyLoss()(torch.tensor(1.0)), ValueError, "`input` must have a class dimension"),
    ("Entropy list", lambda: bt.EntropyLoss()([1.0, 2.0]), TypeError, "`input` must be a torch.Tensor"),
]


@pytest.mark.parametrize("name,call,exc,match", BAD_CALLS, ids=[b[0] for b in BAD_CALLS])
def test_bad_input_raises_a_clear_error_in_torch_names(name, call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert "y_true" not in str(info.value) and "y_pred" not in str(info.value)


def test_difference_shape_mismatch_is_a_value_error():
    """Native regression losses broadcast a mismatch (with a warning) or raise
    RuntimeError; ours raise ValueError naming both shapes."""
    x, y = torch.randn(4, 1), torch.randn(4)
    with pytest.warns(UserWarning, match="different to the input size"):
        assert nn.MSELoss(reduction="none")(x, y).shape == (4, 4)
    with pytest.raises(RuntimeError), pytest.warns(UserWarning, match="different to the input size"):
        nn.MSELoss()(torch.randn(3, 2), torch.randn(3))
    for cls in (bt.MSELoss, bt.L1Loss, bt.HuberLoss, bt.SmoothL1Loss, bt.PoissonNLLLoss):
        with pytest.raises(ValueError, match="`target` must have input's shape"):
            cls()(x, y)


def test_difference_target_is_cast_to_the_input_dtype():
    x, y = torch.randn(4, 3), torch.randn(4, 3, dtype=F64)
    out = bt.MSELoss()(x, y)
    assert out.dtype == torch.float32  # native promotes to float64
    torch.testing.assert_close(out, nn.MSELoss()(x, y.float()))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=str)
@pytest.mark.parametrize("ours,native", NATIVE_PAIRS, ids=IDS)
def test_half_precision_returns_the_input_dtype_like_native(ours, native, dtype):
    """Computed in float32 internally; the loss comes back in the input's dtype."""
    x, t = (a.to(dtype) for a in _sample(ours))
    args = (x, t, torch.full((4, 1), 0.5, dtype=dtype)) if ours is bt.GaussianNLLLoss else (x, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = ours()(*args), native()(*args)
    assert a.dtype == b.dtype == dtype
    torch.testing.assert_close(a.float(), b.float(), rtol=2e-2, atol=2e-2)


# --- buffers, .to, state_dict ------------------------------------------------------------------


def test_categorical_focal_buffers_state_dict_and_to():
    w, a = torch.rand(4, generator=_gen(101)) + .5, torch.rand(4, generator=_gen(102))
    m = bt.CategoricalFocalLoss(weight=w, alpha=a, gamma=1.5)
    assert set(dict(m.named_buffers())) == {"weight", "alpha"}
    assert set(m.state_dict()) == {"weight", "alpha"}
    assert bt.CategoricalFocalLoss().state_dict() == {}  # None buffers are not saved (as torch's)
    fresh = bt.CategoricalFocalLoss(weight=torch.zeros(4), alpha=torch.zeros(4), gamma=1.5)
    fresh.load_state_dict(m.state_dict())
    assert torch.equal(fresh.weight, w) and torch.equal(fresh.alpha, a)
    x, y = _randn((5, 4), 103), torch.randint(0, 4, (5,), generator=_gen(104))
    m64 = m.double()
    assert m64.weight.dtype == m64.alpha.dtype == F64
    expected = focal_reference(x, y, 1, 4, a.double(), 1.5, w.double(), -100, 0.0, "mean")
    torch.testing.assert_close(m64(x, y), expected, rtol=1e-12, atol=1e-14)
    assert m.to(torch.float16).alpha.dtype == torch.float16
    # a float32 module on float64 input: the buffers are cast to the input's dtype
    m32 = bt.CategoricalFocalLoss(weight=w, alpha=a, gamma=1.5)
    torch.testing.assert_close(m32(x, y), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("cls", [bt.KLDivLoss, bt.MSELoss, bt.GaussianNLLLoss, bt.PoissonNLLLoss, bt.FocalLoss,
                                 bt.PolyLoss, bt.JSDivergenceLoss, bt.EntropyLoss, bt.LogCoshLoss])
def test_modules_without_tensors_have_an_empty_state_dict(cls):
    assert cls().state_dict() == {} and list(cls().buffers()) == []


# --- torch.compile ---------------------------------------------------------------------------


def test_compile_fullgraph_smoke():
    """``fullgraph=True`` (a graph break is an error), ``dynamic=True``, Dynamo
    with the eager backend: GaussianNLLLoss (tensor var, shared along the last
    dim; the negative-var check becomes NaN-poisoning under tracing; a number
    var) and KLDivLoss ('mean', whose per-call warning is skipped when
    compiling; 'batchmean')."""
    torch._dynamo.reset()
    g = bt.GaussianNLLLoss(full=True)
    k = bt.KLDivLoss(reduction="mean")
    cg = torch.compile(g, backend="eager", fullgraph=True, dynamic=True)
    ck = torch.compile(k, backend="eager", fullgraph=True, dynamic=True)
    for n in (5, 7):
        x, y, v = _randn((n, 3), n), _randn((n, 3), n + 1), torch.rand(n, 1, dtype=F64) + .1
        torch.testing.assert_close(cg(x, y, v), nn.GaussianNLLLoss(full=True)(x, y, v))
        lx, t = x.log_softmax(1), y.softmax(1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.testing.assert_close(ck(lx, t), nn.KLDivLoss()(lx, t))
    v = torch.tensor([[1.0], [-1.0], [1.0], [1.0], [1.0]], dtype=F64)
    x, y = _randn((5, 3), 1), _randn((5, 3), 2)
    assert torch.isnan(cg(x, y, v))  # traced: cannot raise; never a finite wrong number
    # a Python-number var and 'batchmean' (1 / N): no NumPy detour, no graph break
    torch._dynamo.reset()
    cf = torch.compile(bt.GaussianNLLLoss(), backend="eager", fullgraph=True)
    cb = torch.compile(bt.KLDivLoss(reduction="batchmean"), backend="eager", fullgraph=True)
    torch.testing.assert_close(cf(x, y, 0.5), nn.GaussianNLLLoss()(x, y, 0.5))
    lx, t = x.log_softmax(1), y.softmax(1)
    torch.testing.assert_close(cb(lx, t), nn.KLDivLoss(reduction="batchmean")(lx, t))


def test_compile_inductor_gradients():
    """The default backend (inductor): FocalLoss value and gradient equal eager."""
    torch._dynamo.reset()
    m = bt.FocalLoss(gamma=0.5, reduction="mean")
    f = torch.compile(m, fullgraph=True)  # forward and (AOTAutograd) backward compiled
    x, y = _randn((6, 4), 111, 5.0), (torch.rand(6, 4, generator=_gen(112)) < .5).double()
    x[0, 0], y[0, 0] = 60.0, 1.0  # a saturated probability: finite gradient at gamma < 1
    x.requires_grad_()
    vc, ve = f(x, y), m(x, y)
    torch.testing.assert_close(vc, ve, rtol=1e-10, atol=1e-12)
    gc, ge = torch.autograd.grad(vc, x)[0], torch.autograd.grad(ve, x)[0]
    assert torch.isfinite(gc).all()
    torch.testing.assert_close(gc, ge, rtol=1e-10, atol=1e-12)


# --- CATALOG -----------------------------------------------------------------------------------


def test_catalog_covers_every_public_module():
    names = set(bt.__all__) - {"CATALOG"}
    assert set(bt.CATALOG) == names
    for name in names:
        assert issubclass(getattr(bt, name), nn.Module)


@pytest.mark.parametrize("name", sorted(bt.CATALOG))
def test_catalog_entries(name):
    specs, native = bt.CATALOG[name]
    assert isinstance(specs, tuple) and specs and all(s in LOSS_NAMES for s in specs)
    if native is None:
        assert not hasattr(nn, name)  # our own name: torch has no such module
        return
    assert native.rsplit(".", 1)[1] == name or native == "torchvision.ops.sigmoid_focal_loss"
    if native.startswith("torch."):
        mod, attr = native.rsplit(".", 1)
        assert getattr(importlib.import_module(mod), attr).__name__ == name


# --- the spec options these modules added (NumPy closed forms against torch autograd) -------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_spec_additions_numpy_closed_form_equals_torch_autograd(reduction):
    """``poly1_crossentropy`` with integer labels and ``ignore_index``, and
    ``categorical_focal_crossentropy`` with ``class_weight``: NumPy's
    closed-form value and gradient equal torch's autograd through the spec."""
    import numpy as np

    x = _randn((5, 4, 3), 121, 2.0)
    y = torch.randint(0, 4, (5, 3), generator=_gen(122))
    y[1, 1] = y[3, 0] = -1
    t = _randn((5, 4, 3), 123).softmax(1)
    w = torch.rand(4, generator=_gen(124), dtype=F64) + .3
    cases = [(losses.poly1_crossentropy, y, dict(poly_epsilon=1.5, from_logits=True, axis=1, ignore_index=-1,
                                                  label_smoothing=0.1)),
             (losses.categorical_focal_crossentropy, t, dict(gamma=1.5, alpha=0.4, from_logits=True, axis=1,
                                                              class_weight=w))]
    for fn, target, kw in cases:
        kw = dict(kw, reduction=reduction)
        vt, gt = losses.value_and_grad(fn, target, x, **kw)
        np_kw = {k: v.numpy() if torch.is_tensor(v) else v for k, v in kw.items()}
        vn, gn = losses.value_and_grad(fn, target.numpy(), x.numpy(), **np_kw)
        np.testing.assert_allclose(vn, vt.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(gn, gt.numpy(), rtol=1e-10, atol=1e-13)
    # a bad label in a traced call: NaN for its element, never a wrong number
    bad = y.clone()
    bad[0, 0] = 9
    v = torch.func.vmap(lambda a: losses.poly1_crossentropy(bad, a, from_logits=True, axis=1, ignore_index=-1,
                                                            reduction="none"))(x[None])[0]
    assert torch.isnan(v[0, 0]) and torch.isfinite(v[1:]).all()


# --- the table drives the modules and their conformance -----------------------------------------

#: natives outside ``torch.nn`` (those are held to torch's own tests by
#: tests/test_torch_peer.py) -> the conformance test here
OTHER_NATIVES = {"FocalLoss": test_focal_loss_like_torchvision}


def test_every_native_claim_has_a_conformance_case():
    claims = {n for n, (_, native) in bt.CATALOG.items() if native and not native.startswith("torch.nn.")}
    assert set(OTHER_NATIVES) == claims, claims ^ set(OTHER_NATIVES)
    for name, test in OTHER_NATIVES.items():
        assert test.pytestmark, name  # parametrized over the shared options


def _catalog_args(name, n=4):
    """Valid ``forward`` arguments for module ``name`` with a batch of ``n``."""
    x, t = _randn((n, 3), 131).log_softmax(1), _randn((n, 3), 132).softmax(1)  # log-probabilities, probabilities
    return {"EntropyLoss": (x,), "GaussianNLLLoss": (x, t, 0.5), "BCELoss": (t, t),
            "NLLLoss": (x, torch.arange(n) % 3),
            "LinearCrossEntropyLoss": (x.exp(), torch.arange(n) % 5),
            # --- margin ---
            "MultiMarginLoss": (x, torch.arange(n) % 3), "MulticlassHingeLoss": (x, torch.arange(n) % 3),
            "MultiLabelMarginLoss": (x, (torch.arange(3 * n).reshape(n, 3) % 4) - 1),
            "MarginRankingLoss": (x[:, 0], t[:, 0], torch.where(torch.arange(n) % 2 == 0, 1.0, -1.0).to(x)),
            # --- similarity ---
            "CosineEmbeddingLoss": (x, t, 1.0 - 2.0 * (torch.arange(n) % 2)),
            "TripletMarginLoss": (x, t, _randn((n, 3), 133)),
            "TripletMarginWithDistanceLoss": (x, t, _randn((n, 3), 133)),
            # --- contrastive: [N, D] embeddings and [N] group labels ---
            "CircleLoss": (torch.nn.functional.normalize(x, dim=1), torch.arange(n) % 2),
            "NTXentLoss": (x, torch.arange(n) % 2),
            # --- overlap --- (maps [N, C, d]: probabilities and one-hot masks)
            **dict.fromkeys(("DiceLoss", "TverskyLoss", "GeneralizedDiceLoss"),
                            (_randn((n, 3, 4), 133).softmax(1),
                             torch.nn.functional.one_hot(torch.arange(4 * n).reshape(n, 4) % 3, 3)
                             .movedim(-1, 1).to(F64))),
            "GeneralizedCrossEntropyLoss": (x, torch.arange(n) % 3),
            # --- structured ---
            "SparsemaxLoss": (x, (t > 0.3).to(t.dtype)), "MulticlassSparsemaxLoss": (x, torch.arange(n) % 3),
            "AdaptiveLogSoftmaxWithLoss": (x.exp(), torch.arange(n) % 5),
            # --- sequence --- log-probs [T, N, C], labels [N, 2], lengths
            "CTCLoss": (_randn((6, n, 3), 133).log_softmax(2), torch.arange(2 * n).reshape(n, 2) % 2 + 1,
                        torch.full((n,), 6), torch.full((n,), 2))}.get(name, (x, t))


def _catalog_module(name):
    """Module ``name`` with its default options (the linear loss: 3 features, 5 classes)."""
    cls = getattr(bt, name)
    if name == "AdaptiveLogSoftmaxWithLoss":  # 3 features, 5 classes: a shortlist of 2, clusters [2, 4), [4, 5)
        return cls(3, 5, [2, 4], div_value=1.0).double()
    return cls(3, 5) if name == "LinearCrossEntropyLoss" else cls()


@pytest.mark.parametrize("dynamic", [False, True])
@pytest.mark.parametrize("name", sorted(bt.CATALOG))
def test_every_module_compiles_to_one_graph(name, dynamic, request):
    """``fullgraph=True`` (a graph break is an error), Dynamo with the eager
    backend, default options, two batch sizes (``dynamic=True``: symbolic)."""
    torch._dynamo.reset()
    m = _catalog_module(name)
    compiled = torch.compile(m, backend="eager", fullgraph=True, dynamic=dynamic)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in (5, 7):
            args = _catalog_args(name, n)
            torch.testing.assert_close(compiled(*args), m(*args))


@pytest.mark.parametrize("name", sorted(bt.CATALOG))
def test_each_module_calls_the_specs_of_its_catalog_entry(name, monkeypatch):
    cls = getattr(bt, name)
    assert cls._specs == bt.CATALOG[name][0]
    called = []
    specs = bt.CATALOG[name][0]
    for spec in specs:
        real = getattr(losses, spec)
        monkeypatch.setattr(losses, spec, lambda *a, _s=spec, _f=real, **k: (called.append(_s), _f(*a, **k))[1])
    # a spec's fused form (losses.<spec>.fused, looked up once per class) counts as the spec
    for attr, spec in (("_fused_first", specs[0]), ("_fused_last", specs[-1])):
        form = getattr(cls, attr, None)
        if form is not None:
            monkeypatch.setattr(cls, attr, staticmethod(
                lambda *a, _s=spec, _f=form, **k: (called.append(_s), _f(*a, **k))[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _catalog_module(name)(*_catalog_args(name))
    assert called and set(called) <= set(bt.CATALOG[name][0])
