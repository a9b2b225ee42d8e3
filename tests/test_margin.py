"""The margin family (``losses/margin.py``) and its adapter names against the natives.

* torch's six margin modules against ``torch.nn`` on every option (values and
  gradients, float32 and float64, every reduction, the shapes torch takes,
  legacy ``size_average``/``reduce``, signatures), and the edge cases of each:
  multi-label targets after the first ``-1`` and repeated, 0-d and 1-d inputs,
  negative class weights, labels other than +-1;
* Keras' functional forms on the label conversion (0/1 converted only when
  *every* label is 0 or 1), traced too;
* the names in another framework's style (torch ``HingeLoss``..., Keras
  ``SoftMargin``..., JAX ``soft_margin_loss``...) against the native they
  mirror (torch or optax), values and gradients;
* the double backward torch lacks (``MultiMarginLoss``, ``MultiLabelMarginLoss``)
  against float64 finite differences of ours;
* bad labels: ``ValueError`` in eager mode, NaN under ``jit``; bad options
  named; finite values where torch's ``SoftMarginLoss`` overflows.
"""

from __future__ import annotations

import inspect
import itertools
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402, N812

import backends.torch as bt  # noqa: E402
import losses  # noqa: E402

F64 = torch.float64
DTYPES = [torch.float32, torch.float64]
TOL = {torch.float32: dict(rtol=3e-5, atol=3e-6), torch.float64: dict(rtol=1e-11, atol=1e-13)}


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _randn(shape, seed, scale=1.0):
    return torch.randn(shape, generator=_gen(seed), dtype=F64) * scale


def _signs(shape, seed):
    return torch.where(torch.rand(shape, generator=_gen(seed)) < 0.5, -1.0, 1.0).to(F64)


def _value_and_grads(fn, args, wrt):
    args = [a.clone().requires_grad_() if i in wrt else a for i, a in enumerate(args)]
    v = fn(*args)
    ct = torch.rand(v.shape, generator=_gen(9), dtype=F64).to(v)
    return v, torch.autograd.grad(v, [args[i] for i in wrt], ct)


def check(ours, native, args, dtype, wrt=(0,)):
    args = [a.to(dtype) if a.is_floating_point() else a for a in args]
    (va, ga), (vb, gb) = _value_and_grads(ours, args, wrt), _value_and_grads(native, args, wrt)
    assert va.dtype == vb.dtype and va.shape == vb.shape, (va.dtype, vb.dtype, va.shape, vb.shape)
    torch.testing.assert_close(va, vb, **TOL[dtype])
    for i, a, b in zip(wrt, ga, gb):
        torch.testing.assert_close(a, b, **TOL[dtype], msg=lambda m, i=i: f"gradient {i}: {m}")


# --- torch drop-ins against torch.nn ------------------------------------------------------------


def _multilabel_targets(n, c, seed):
    """Rows of class indices then -1, with a repeated index and junk after the first -1."""
    g = _gen(seed)
    t = torch.full((n, c), -1, dtype=torch.long)
    for i in range(n):
        k = int(torch.randint(0, c, (), generator=g))
        t[i, :k] = torch.randperm(c, generator=g)[:k]
        if k + 1 < c:
            t[i, k + 1:] = torch.randint(0, c, (c - k - 1,), generator=g)
    t[0, :3] = torch.tensor([1, 1, -1])  # a class named twice counts twice, as in torch
    return t


def _cases():
    x2, x1 = _randn((6, 5), 1, 1.5), _randn((5,), 2, 1.5)
    labels, label0 = torch.randint(0, 5, (6,), generator=_gen(3)), torch.tensor(2)
    w = _randn((5,), 4, 2.0)  # negative weights too, as torch's own tests use
    pm = _signs((6, 5), 5)
    pm_mixed = pm.clone()
    pm_mixed[0, :2] = torch.tensor([0.0, 3.0])  # neither 1 nor -1: both terms (torch)
    dist = _randn((6, 5), 6).abs()
    return {
        "HingeEmbedding": (bt.HingeEmbeddingLoss, nn.HingeEmbeddingLoss, [{}, {"margin": 0.5}, {"margin": -0.3}],
                           [(dist, pm), (dist, pm_mixed), (dist[0, 0], pm[0, 0])]),
        "SoftMargin": (bt.SoftMarginLoss, nn.SoftMarginLoss, [{}], [(x2, pm), (x1, pm[0]), (x2[0, 0], pm[0, 0])]),
        "MultiMargin": (bt.MultiMarginLoss, nn.MultiMarginLoss,
                        [{}, {"p": 2}, {"margin": 0.3, "weight": w}, {"p": 2, "margin": 2.0, "weight": w}],
                        [(x2, labels), (x1, label0), (x1, label0[None])]),
        "MultiLabelMargin": (bt.MultiLabelMarginLoss, nn.MultiLabelMarginLoss, [{}],
                             [(x2, _multilabel_targets(6, 5, 7)), (x1, _multilabel_targets(1, 5, 8)[0]),
                              (x2[0, 0], torch.tensor(0))]),
        "MultiLabelSoftMargin": (bt.MultiLabelSoftMarginLoss, nn.MultiLabelSoftMarginLoss,
                                 [{}, {"weight": w}, {"weight": _randn((6, 5), 9)}],
                                 [(x2, (pm > 0).to(F64)), (x2, torch.rand((6, 5), generator=_gen(10), dtype=F64)),
                                  (x2, (pm > 0).long())]),
    }


CASES = [(name, k, j) for name, (_, _, opts, inputs) in _cases().items()
         for k in range(len(opts)) for j in range(len(inputs))]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,k,j", CASES, ids=[f"{n}-opts{k}-in{j}" for n, k, j in CASES])
def test_torch_module_like_native(name, k, j, reduction, dtype):
    ours, native, opts, inputs = _cases()[name]
    kw = dict(opts[k], reduction=reduction)
    if "weight" in kw:
        kw["weight"] = kw["weight"].to(dtype)
    check(ours(**kw), native(**kw), inputs[j], dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("margin", [0.0, 0.5, -1.0])
@pytest.mark.parametrize("shape", [(7,), (3, 4), ()])
def test_margin_ranking_like_native_both_inputs(shape, margin, reduction, dtype):
    a, b, y = _randn(shape, 11, 1.5), _randn(shape, 12, 1.5), _signs(shape, 13)
    kw = dict(margin=margin, reduction=reduction)
    check(bt.MarginRankingLoss(**kw), nn.MarginRankingLoss(**kw), (a, b, y), dtype, wrt=(0, 1))
    check(bt.MarginRankingLoss(**kw), nn.MarginRankingLoss(**kw), (a, b, y.long()), dtype, wrt=(0, 1))


NATIVE = [bt.HingeEmbeddingLoss, bt.SoftMarginLoss, bt.MultiMarginLoss, bt.MultiLabelMarginLoss,
          bt.MultiLabelSoftMarginLoss, bt.MarginRankingLoss]


@pytest.mark.parametrize("ours", NATIVE, ids=lambda c: c.__name__)
def test_signature_constants_and_buffers_like_native(ours):
    native = getattr(nn, ours.__name__)

    def params(f):
        return [(p.name, p.default, p.kind) for p in inspect.signature(f).parameters.values()]

    assert params(ours.__init__) == params(native.__init__)
    assert [p[0] for p in params(ours.forward)] == [p[0] for p in params(native.forward)]
    if "weight" in inspect.signature(native.__init__).parameters:
        w = torch.ones(5)
        assert set(ours(weight=w).state_dict()) == set(native(weight=w).state_dict()) == {"weight"}
        assert ours(weight=w).double().weight.dtype == F64


@pytest.mark.parametrize("ours", NATIVE, ids=lambda c: c.__name__)
@pytest.mark.parametrize("size_average,reduce", [
    (sa, r) for sa, r in itertools.product([None, True, False], repeat=2) if (sa, r) != (None, None)])
def test_legacy_size_average_and_reduce(ours, size_average, reduce):
    native = getattr(nn, ours.__name__)
    args = {"MultiMarginLoss": (_randn((4, 3), 21), torch.tensor([0, 2, 1, 2])),
            "MultiLabelMarginLoss": (_randn((4, 3), 21), torch.tensor([[0, -1, 1]] * 4)),
            "MarginRankingLoss": (_randn((4,), 21), _randn((4,), 22), _signs((4,), 23))}.get(
        ours.__name__, (_randn((4, 3), 21), _signs((4, 3), 22)))
    got = []
    for cls in (ours, native):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m = cls(size_average=size_average, reduce=reduce)
            v = m(*args)
        got.append((m.reduction, [str(i.message) for i in w], v))
    assert got[0][:2] == got[1][:2]
    torch.testing.assert_close(got[0][2], got[1][2])


def test_multi_margin_bad_options_raise_like_native():
    for cls in (nn.MultiMarginLoss, bt.MultiMarginLoss):
        with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
            cls(p=3)
        with pytest.raises(ValueError, match="expected weight to be None or 1D tensor, got 2D"):
            cls(weight=torch.ones(2, 2))


@pytest.mark.parametrize("call", [
    lambda m: m(bt.MultiMarginLoss(), torch.randn(3, 4), torch.tensor([0, 4, 1])),
    lambda m: m(bt.MultiMarginLoss(), torch.randn(3, 4), torch.tensor([0, -1, 1])),
    lambda m: m(bt.MultiLabelMarginLoss(), torch.randn(2, 4), torch.tensor([[0, 4, -1, 1]] * 2)),
    lambda m: m(bt.MultiLabelMarginLoss(), torch.randn(2, 4), torch.tensor([[0, -2, -1, 1]] * 2)),
])
def test_bad_labels_raise_value_error_naming_target(call):
    with pytest.raises(ValueError, match="`target`"):
        call(lambda m, *a: m(*a))


def test_bad_shapes_raise_value_error():
    with pytest.raises(ValueError, match="same number of dimensions"):
        bt.MarginRankingLoss()(torch.randn(3), torch.randn(3), torch.ones(1, 3))
    with pytest.raises(ValueError, match="`input1`"):
        bt.MarginRankingLoss()(torch.randn(3), torch.randn(4), torch.ones(3))
    with pytest.raises(ValueError, match="`target`"):
        bt.SoftMarginLoss()(torch.randn(3, 2), torch.ones(3, 1))  # native broadcasts


def test_difference_soft_margin_finite_where_native_overflows():
    x, y = torch.tensor([-100.0, 100.0, 3.0], requires_grad=True), torch.tensor([1.0, -1.0, 1.0])
    native = nn.SoftMarginLoss(reduction="none")(x, y)
    assert torch.isinf(native[:2]).all()
    ours = bt.SoftMarginLoss(reduction="none")(x, y)
    torch.testing.assert_close(ours.detach(), torch.tensor([100.0, 100.0, native[2].item()]))
    (g,) = torch.autograd.grad(ours.sum(), x)
    torch.testing.assert_close(g, torch.tensor([-1.0, 1.0, -torch.sigmoid(torch.tensor(-3.0)).item()]))


@pytest.mark.parametrize("name", ["MultiMarginLoss", "MultiLabelMarginLoss"])
def test_double_backward_torch_lacks_equals_finite_differences(name):
    """torch raises for these natives' double backward; ours has one: the
    Hessian-vector product against central differences of our gradient."""
    x = _randn((4, 5), 31, 1.2)
    t = torch.tensor([0, 3, 1, 4]) if name == "MultiMarginLoss" else _multilabel_targets(4, 5, 32)
    m = getattr(bt, name)(**({"p": 2} if name == "MultiMarginLoss" else {}))
    v = _randn((4, 5), 33)

    def grad(z, create=False):
        z = z.clone().requires_grad_()
        return torch.autograd.grad(m(z, t), z, create_graph=create)[0]

    z = x.clone().requires_grad_()
    (g,) = torch.autograd.grad(m(z, t), z, create_graph=True)
    # p = 1 (the multi-label margin) is piecewise linear: its gradient is constant, no graph
    hv = torch.autograd.grad((g * v).sum(), z)[0] if g.requires_grad else torch.zeros_like(x)
    h = 1e-6
    fd = (grad(x + h * v) - grad(x - h * v)) / (2 * h)
    torch.testing.assert_close(hv, fd, rtol=1e-6, atol=1e-8)
    assert name != "MultiMarginLoss" or hv.abs().sum() > 0  # p = 2: a non-zero Hessian


# --- names in torch's style for losses torch lacks ------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_torch_style_hinge_modules(reduction, dtype):
    keras = pytest.importorskip("keras")
    x, y = _randn((6, 4), 41, 1.5), _signs((6, 4), 42)
    red = {"mean": torch.mean, "sum": torch.sum, "none": lambda a: a}[reduction]
    for margin in (1.0, 0.0, 0.4):
        for ours, power in ((bt.HingeLoss, 1), (bt.SquaredHingeLoss, 2)):
            ref = lambda z, t, m=margin, k=power: red((m - t * z).clamp_min(0) ** k)  # noqa: E731
            check(ours(margin=margin, reduction=reduction), ref, (x, y), dtype)
    labels = torch.tensor([0, 3, 1, 1, 2, 0])
    onehot = torch.eye(4, dtype=F64)[labels]
    want = keras.losses.categorical_hinge(onehot.numpy(), x.numpy())
    got = bt.CategoricalHingeLoss(reduction="none")(x, onehot)
    np.testing.assert_allclose(got.numpy(), keras.ops.convert_to_numpy(want), rtol=1e-12)
    # categorical hinge with class dim 1 of a [N, C, d] input equals the last-axis form
    x3 = _randn((3, 4, 2), 43)
    t3 = torch.eye(4, dtype=F64)[torch.tensor([[0, 1], [2, 3], [1, 1]])].movedim(-1, 1)
    torch.testing.assert_close(bt.CategoricalHingeLoss(reduction="none")(x3, t3),
                               losses.categorical_hinge(t3.movedim(1, -1), x3.movedim(1, -1), reduction="none"))


def test_torch_style_multiclass_hinge_equals_optax():
    optax = pytest.importorskip("optax")
    jnp = pytest.importorskip("jax.numpy")
    x, y = _randn((6, 4), 51), torch.tensor([0, 3, 1, 1, 2, 0])
    for ours, ref in ((bt.MulticlassHingeLoss(reduction="none"), optax.losses.multiclass_hinge_loss),
                      (bt.MulticlassHingeLoss(margin=0.0, reduction="none"), optax.losses.multiclass_perceptron_loss)):
        np.testing.assert_allclose(ours(x, y).numpy(), np.asarray(ref(jnp.asarray(x.numpy()), jnp.asarray(y.numpy()))),
                                   rtol=1e-6)


# --- Keras ----------------------------------------------------------------------------------------


def test_keras_hinge_converts_binary_labels_only_when_all_are_binary():
    keras = pytest.importorskip("keras")
    import backends.keras as bk

    p = np.array([[0.3, -1.2, 2.0], [0.7, 0.1, -0.4]])
    for y in (np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]),   # converted to -1/+1
              np.array([[-1.0, 1.0, 1.0], [1.0, -1.0, -1.0]]),
              np.array([[0.0, 1.0, 2.0], [1.0, 0.0, -1.0]])):  # not all binary: as given
        for ours, native in ((bk.hinge, keras.losses.hinge), (bk.squared_hinge, keras.losses.squared_hinge)):
            np.testing.assert_allclose(keras.ops.convert_to_numpy(ours(y, p)),
                                       keras.ops.convert_to_numpy(native(y, p)), rtol=1e-12)
    yb = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    direct = losses.hinge(2 * yb - 1, p, reduction="none").mean(-1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(bk.hinge(yb, p)), direct, rtol=1e-12)


def test_neutral_binary_conversion_traced_under_jit():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    p = jnp.asarray([0.3, -1.2, 2.0])
    f = jax.jit(lambda y: losses.hinge(y, p, convert_binary_labels=True, reduction="none"))
    np.testing.assert_allclose(f(jnp.asarray([0.0, 1.0, 1.0])), np.maximum(0, 1 - np.array([-1, 1, 1]) * p))
    np.testing.assert_allclose(f(jnp.asarray([0.0, 1.0, 2.0])), np.maximum(0, 1 - np.array([0, 1, 2]) * p))


def _keras_vs_torch(ours, native, y, x, **kw):
    keras = pytest.importorskip("keras")
    got = keras.ops.convert_to_numpy(ours(y.numpy(), x.numpy(), **kw))
    np.testing.assert_allclose(got, native(x, y).numpy(), rtol=1e-12, atol=1e-14)


def test_keras_style_classes_and_functions_equal_torch():
    import backends.keras as bk

    x, pm = _randn((6, 5), 61, 1.5), _signs((6, 5), 62)
    labels, w = torch.tensor([0, 3, 1, 4, 2, 0]), _randn((5,), 63)
    mean = lambda f: lambda a, b: f(a, b, reduction="none").mean(-1)  # noqa: E731
    _keras_vs_torch(bk.soft_margin, mean(F.soft_margin_loss), pm, x)
    _keras_vs_torch(bk.hinge_embedding, lambda a, b: F.hinge_embedding_loss(a, b, 0.7, reduction="none").mean(-1),
                    pm, x.abs(), margin=0.7)
    _keras_vs_torch(bk.multi_margin, lambda a, b: F.multi_margin_loss(a, b, 2, 0.5, w, reduction="none"),
                    labels, x, p=2, margin=0.5, weight=w.tolist())
    t = _multilabel_targets(6, 5, 64)
    _keras_vs_torch(bk.multilabel_margin, lambda a, b: F.multilabel_margin_loss(a, b, reduction="none"), t, x)
    _keras_vs_torch(bk.multilabel_soft_margin,
                    lambda a, b: F.multilabel_soft_margin_loss(a, b, w, reduction="none"), (pm > 0).to(F64), x,
                    weight=w.tolist())
    x2 = _randn((6, 5), 65)
    _keras_vs_torch(bk.margin_ranking, lambda a, b: F.margin_ranking_loss(a[:, :5], a[:, 5:], b, 0.2,
                                                                          reduction="none").mean(-1),
                    pm, torch.cat([x, x2], -1), margin=0.2)
    with pytest.raises(ValueError, match=r"side by side.*\[\.\.\., 2 D\]"):
        bk.margin_ranking(pm.numpy(), x.numpy())
    # the classes: Keras' reduction of the same per-example losses
    cls = bk.MultiMargin(p=2, weight=w.tolist(), reduction="sum", dtype="float64")
    keras = pytest.importorskip("keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(cls(labels.numpy(), x.numpy())),
                               F.multi_margin_loss(x, labels, 2, 1.0, w, reduction="sum").numpy(), rtol=1e-12)
    cfg = cls.get_config()
    assert cfg["p"] == 2 and cfg["weight"] == pytest.approx(w.tolist())
    assert bk.MultiMargin.from_config(cfg).weight == cfg["weight"]
    with pytest.raises(ValueError, match="`p` must be 1 or 2"):
        bk.MultiMargin(p=3)


# --- JAX ------------------------------------------------------------------------------------------


def _jax_vs_torch(ours, native, args, wrt=(0,), **kw):
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    with jax.enable_x64(True):
        ja = [jnp.asarray(a.numpy()) for a in args]
        f = jax.jit(lambda *d: ours(*[d[wrt.index(i)] if i in wrt else a for i, a in enumerate(ja)], **kw))
        v, pull = jax.vjp(f, *(ja[i] for i in wrt))
        ct = np.random.default_rng(0).uniform(0.5, 1.5, v.shape)
        g = pull(jnp.asarray(ct))
    ta = [a.clone().requires_grad_() if i in wrt else a for i, a in enumerate(args)]
    vt = native(*ta)
    gt = torch.autograd.grad(vt, [ta[i] for i in wrt], torch.as_tensor(ct))
    np.testing.assert_allclose(np.asarray(v), vt.detach().numpy(), rtol=1e-12, atol=1e-14)
    for a, b in zip(g, gt):
        np.testing.assert_allclose(np.asarray(a), b.numpy(), rtol=1e-12, atol=1e-14)


def test_jax_style_functions_equal_torch():
    from backends import jax as bj

    x, pm = _randn((6, 5), 71, 1.5), _signs((6, 5), 72)
    labels, w = torch.tensor([0, 3, 1, 4, 2, 0]), _randn((5,), 73)
    none = dict(reduction="none")
    _jax_vs_torch(bj.soft_margin_loss, lambda a, b: F.soft_margin_loss(a, b, **none), (x, pm))
    _jax_vs_torch(bj.hinge_embedding_loss, lambda a, b: F.hinge_embedding_loss(a, b, 0.4, **none),
                  (x.abs(), pm), margin=0.4)
    _jax_vs_torch(bj.multi_margin_loss, lambda a, b: F.multi_margin_loss(a, b, 2, 0.7, w, **none), (x, labels),
                  p=2, margin=0.7, weights=w.numpy())
    _jax_vs_torch(bj.multilabel_margin_loss, lambda a, b: F.multilabel_margin_loss(a, b, **none),
                  (x, _multilabel_targets(6, 5, 74)))
    _jax_vs_torch(bj.multilabel_soft_margin_loss, lambda a, b: F.multilabel_soft_margin_loss(a, b, w, **none),
                  (x, (pm > 0).to(F64)), weights=w.numpy())
    _jax_vs_torch(bj.margin_ranking_loss, lambda a, b, c: F.margin_ranking_loss(a, b, c, 0.3, **none),
                  (x, _randn((6, 5), 75), pm), (0, 1), margin=0.3)
    sq = lambda a, b: (1 - a * b).clamp_min(0) ** 2  # noqa: E731  (Keras' squared_hinge before its mean)
    _jax_vs_torch(bj.squared_hinge_loss, sq, (x, pm))


def test_jax_bad_label_is_error_eager_and_nan_under_jit():
    jax = pytest.importorskip("jax")
    from backends import jax as bj

    s, y = jax.numpy.zeros((3, 4)), jax.numpy.asarray([0, 4, 1])
    for f in (bj.multiclass_hinge_loss, bj.multi_margin_loss):
        with pytest.raises(ValueError, match="`labels`"):
            f(s, y)
        v = np.asarray(jax.jit(f)(s, y))
        assert np.isnan(v[1]) and np.isfinite(v[[0, 2]]).all()
    t = jax.numpy.asarray([[0, -1, 0, 0], [1, 7, -1, 0], [3, -1, -1, -1]])
    with pytest.raises(ValueError, match="`labels`"):
        bj.multilabel_margin_loss(s, t)
    v = np.asarray(jax.jit(bj.multilabel_margin_loss)(s, t))
    assert np.isnan(v[1]) and np.isfinite(v[[0, 2]]).all()


# --- the neutral functions -----------------------------------------------------------------------


def test_neutral_multiclass_margin_zero_is_perceptron_and_hinge_margin_zero_is_perceptron():
    rng = np.random.default_rng(81)
    s, y = rng.normal(size=(5, 4)), rng.integers(0, 4, 5)
    np.testing.assert_allclose(losses.multiclass_hinge(y, s, margin=0.0, reduction="none"),
                               s.max(-1) - s[np.arange(5), y], rtol=1e-15)
    x, t = rng.normal(size=7), rng.choice([-1.0, 1.0], 7)
    np.testing.assert_allclose(losses.hinge(t, x, margin=0.0, reduction="none"), np.maximum(0, -t * x))


def test_neutral_class_axis_and_tied_maxima_gradient():
    """``axis=0`` equals the transposed call; a tied maximum shares its gradient."""
    rng = np.random.default_rng(82)
    s, y = rng.normal(size=(5, 4)), rng.integers(0, 4, 5)
    v0, g0 = losses.value_and_grad(losses.multiclass_hinge, y, s.T.copy(), axis=0, reduction="sum")
    v1, g1 = losses.value_and_grad(losses.multiclass_hinge, y, s, reduction="sum")
    np.testing.assert_allclose(v0, v1, rtol=1e-15)
    np.testing.assert_allclose(g0, g1.T, rtol=1e-15)
    tie = np.array([[0.0, 2.0, 2.0]])  # label 0: s + 1 - onehot = [0, 3, 3]
    _, g = losses.value_and_grad(losses.multiclass_hinge, np.array([0]), tie, reduction="sum")
    np.testing.assert_allclose(g, [[-1.0, 0.5, 0.5]])
    jax = pytest.importorskip("jax")
    gj = jax.grad(lambda z: losses.multiclass_hinge(np.array([0]), z, reduction="sum"))(jax.numpy.asarray(tie))
    np.testing.assert_allclose(np.asarray(gj), g)


def test_neutral_bad_options_are_named():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match="`p` must be 1 or 2"):
        losses.multi_margin(np.array([0, 1]), x, p=3)
    with pytest.raises(ValueError, match="`class_weight` must be a 1-D array of length 3"):
        losses.multi_margin(np.array([0, 1]), x, class_weight=np.ones(2))
    with pytest.raises(ValueError, match="`margin`"):
        losses.hinge(np.ones(3), np.ones(3), margin=float("nan"))
    with pytest.raises(ValueError, match="`convert_binary_labels`"):
        losses.hinge(np.ones(3), np.ones(3), convert_binary_labels="yes")
    with pytest.raises(ValueError, match="`input2`"):
        losses.margin_ranking(np.ones(3), np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="`y_true`"):
        losses.multilabel_margin(np.array([[0.5, 1, -1]]), np.zeros((1, 3)))


KERAS_STYLE = [("MulticlassHinge", dict(margin=0.5)), ("SoftMargin", {}), ("HingeEmbedding", dict(margin=2.0)),
               ("MultiMargin", dict(p=2, margin=0.3, weight=[1.0, -0.5, 2.0, 1.0])), ("MultiLabelMargin", {}),
               ("MultiLabelSoftMargin", dict(weight=[0.5, 1.0, 2.0, 1.5])), ("MarginRanking", dict(margin=0.1))]


@pytest.mark.parametrize("name,kw", KERAS_STYLE, ids=[n for n, _ in KERAS_STYLE])
def test_keras_style_classes_config_round_trip_and_reduction(name, kw):
    keras = pytest.importorskip("keras")
    import backends.keras as bk

    rng = np.random.default_rng(91)
    x = rng.normal(size=(3, 4))
    y = {"MulticlassHinge": rng.integers(0, 4, 3), "MultiMargin": rng.integers(0, 4, 3),
         "MultiLabelMargin": np.array([[0, 2, -1, 1], [3, -1, -1, -1], [1, 0, 2, -1]]),
         "MultiLabelSoftMargin": (rng.uniform(size=(3, 4)) < 0.5) * 1.0,
         "MarginRanking": rng.choice([-1.0, 1.0], (3, 2))}.get(name, rng.choice([-1.0, 1.0], (3, 4)))
    cls = getattr(bk, name)
    loss = cls(**kw, reduction="sum", name="m", dtype="float64")
    again = cls.from_config(loss.get_config())
    assert again.get_config() == loss.get_config()
    per = keras.ops.convert_to_numpy(cls(**kw, reduction="none", dtype="float64")(y, x))
    fn = getattr(bk, {"MultiLabelMargin": "multilabel_margin", "MultiLabelSoftMargin": "multilabel_soft_margin",
                      "MulticlassHinge": "multiclass_hinge", "SoftMargin": "soft_margin",
                      "HingeEmbedding": "hinge_embedding", "MultiMargin": "multi_margin",
                      "MarginRanking": "margin_ranking"}[name])
    np.testing.assert_allclose(per, keras.ops.convert_to_numpy(fn(y, x, **kw)), rtol=1e-12)
    np.testing.assert_allclose(float(again(y, x)), per.sum(), rtol=1e-12)


def test_multilabel_margin_memory_grows_with_the_targets_not_the_classes_squared():
    """``MultiLabelMarginLoss`` with few targets per row over many classes: the
    native's time is O(N K C); ours used to build [N, C, C] pairs (an out-of-
    memory error at [1024, 4096] where the native ran). Eagerly the pairs are
    now [N, K, C], K the most targets any row has: the NumPy value and gradient
    at [8, 2048], K = 3, stay under 64 logits-sized buffers of tracemalloc peak (the
    pairs were 2048 of them), and equal torch's native in float64, values and
    gradients, with rows of 0, 1 and 3 targets, a repeated target among them."""
    import tracemalloc

    n, c = 8, 2048
    rng = np.random.default_rng(5)
    x = rng.normal(size=(n, c))
    y = np.full((n, c), -1, dtype=np.int64)
    y[1, 0] = 7
    y[2:, :3] = rng.integers(0, c, (n - 2, 3))
    y[3, 1] = y[3, 0]  # named twice: counts twice
    tracemalloc.start()
    v, g = losses.value_and_grad(losses.multilabel_margin, y, x, reduction="sum")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * x.nbytes, f"peak {peak / x.nbytes:.1f} logits-sized buffers"
    xt = torch.tensor(x, requires_grad=True)
    ref = F.multilabel_margin_loss(xt, torch.tensor(y), reduction="sum")
    (g_ref,) = torch.autograd.grad(ref, xt)
    np.testing.assert_allclose(v, ref.item(), rtol=1e-12)
    np.testing.assert_allclose(g, g_ref.numpy(), rtol=1e-12, atol=1e-15)
    m = bt.MultiLabelMarginLoss(reduction="none")
    torch.testing.assert_close(m(xt, torch.tensor(y)),
                               F.multilabel_margin_loss(xt, torch.tensor(y), reduction="none"))
