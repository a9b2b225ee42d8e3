"""``backends.torch`` against ``torch.nn``: every shared option, values and
input gradients in float32 and float64 (CPU, and CUDA when present); buffers,
``state_dict`` and ``.to``; legacy ``size_average``/``reduce``;
``torch.compile`` without graph breaks; double backward, ``torch.func``; and
each documented difference from the native."""

from __future__ import annotations

import doctest
import itertools
import os
import subprocess
import sys
import warnings

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import backends.torch as bt  # noqa: E402

# torch's own internals (torch.func.jvp, inductor) still call torch.jit.script*
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script:DeprecationWarning")

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
DTYPES = [torch.float32, torch.float64]
TOL = {torch.float32: dict(rtol=2e-5, atol=2e-6), torch.float64: dict(rtol=1e-11, atol=1e-13)}
REDUCTIONS = ["mean", "sum", "none"]
#: input shapes: batched, K-dimensional, unbatched (class dim 1, 1, 0)
LAYOUTS = {"NC": (5, 4), "NCd": (3, 4, 2, 3), "C": (4,)}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _close(a, b, dtype, what):
    torch.testing.assert_close(a, b, **TOL[dtype], equal_nan=True, msg=lambda m: f"{what}: {m}")


def check_like_native(ours, native, x, target, dtype):
    """Same value and same gradient w.r.t. ``input`` (a random cotangent for
    ``reduction='none'``)."""
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    va, vb = ours(xa, target), native(xb, target)
    assert va.dtype == vb.dtype and va.shape == vb.shape
    _close(va, vb, dtype, "value")
    ct = torch.rand(va.shape, generator=_gen(9), dtype=torch.float64).to(va)
    (ga,) = torch.autograd.grad(va, xa, ct)
    (gb,) = torch.autograd.grad(vb, xb, ct)
    _close(ga, gb, dtype, "gradient")


def _class_dim(shape):
    return 0 if len(shape) == 1 else 1


def _labels(shape, c, seed, ignore=None):
    per = shape[:_class_dim(shape)] + shape[_class_dim(shape) + 1:]
    y = torch.randint(0, c, per, generator=_gen(seed))
    if ignore is not None and y.dim():
        y.view(-1)[1::3] = ignore
    return y


# --- CrossEntropyLoss ------------------------------------------------------------

CE_CONFIGS = {
    "defaults": {},
    "weight": {"weight": True},
    "ignore": {"ignore_index": -100, "_ignore": -100},
    "smoothing": {"label_smoothing": 0.15},
    # ignore_index inside [0, C) together with weight and smoothing
    "weight+ignore1+smoothing": {"weight": True, "ignore_index": 1, "_ignore": 1, "label_smoothing": 0.2},
}


def _build(cls, native_cls, cfg, c, dtype, device, reduction):
    kw = {k: v for k, v in cfg.items() if not k.startswith("_")}
    for name in ("weight", "pos_weight"):
        if kw.get(name) is True:
            kw[name] = (torch.rand(c, generator=_gen(7), dtype=torch.float64) * 2 + 0.2).to(device, dtype)
    return cls(**kw, reduction=reduction), native_cls(**kw, reduction=reduction)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("cfg", CE_CONFIGS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_class_indices(reduction, cfg, layout, dtype, device):
    shape, cfg = LAYOUTS[layout], CE_CONFIGS[cfg]
    c = shape[_class_dim(shape)]
    ours, native = _build(bt.CrossEntropyLoss, nn.CrossEntropyLoss, cfg, c, dtype, device, reduction)
    x = torch.randn(shape, generator=_gen(1), dtype=torch.float64).to(device, dtype) * 2
    y = _labels(shape, c, 2, cfg.get("_ignore")).to(device)
    check_like_native(ours, native, x, y, dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("cfg", ["defaults", "weight", "smoothing", "weight+smoothing+ignore-5"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_class_probabilities(reduction, cfg, layout, dtype, device):
    cfg = {"defaults": {}, "weight": {"weight": True}, "smoothing": {"label_smoothing": 0.1},
           # a negative ignore_index is allowed (and unused) with probabilities
           "weight+smoothing+ignore-5": {"weight": True, "label_smoothing": 0.3, "ignore_index": -5}}[cfg]
    shape = LAYOUTS[layout]
    c = shape[_class_dim(shape)]
    ours, native = _build(bt.CrossEntropyLoss, nn.CrossEntropyLoss, cfg, c, dtype, device, reduction)
    x = torch.randn(shape, generator=_gen(3), dtype=torch.float64).to(device, dtype)
    t = torch.softmax(torch.randn(shape, generator=_gen(4), dtype=torch.float64), _class_dim(shape))
    check_like_native(ours, native, x, t.to(device, dtype), dtype)


def test_cross_entropy_all_ignored_is_nan_like_native():
    x, y = torch.randn(3, 4), torch.full((3,), -100)
    for kw in ({}, {"weight": torch.rand(4)}, {"label_smoothing": 0.1}):
        assert torch.isnan(bt.CrossEntropyLoss(**kw)(x, y)) and torch.isnan(nn.CrossEntropyLoss(**kw)(x, y))


def test_zero_weight_denominator_with_smoothing_is_not_finite():
    """docs/torch.md: every counted target weighted 0, with label smoothing:
    native NaN ((1-e) 0/0 + e/C s/0). Ours: NaN in eager mode (torch's fused
    kernel), inf where the spec's own math runs (torch.compile, torch.func):
    ((1-e) 0 + e/C s) / 0. Never a finite number; without smoothing both NaN."""
    x, y, w = torch.randn(2, 3), torch.tensor([0, 0]), torch.tensor([0.0, 1.0, 1.0])
    assert torch.isnan(nn.CrossEntropyLoss(weight=w, label_smoothing=0.1)(x, y))
    assert not torch.isfinite(bt.CrossEntropyLoss(weight=w, label_smoothing=0.1)(x, y))
    traced = torch.func.grad_and_value(lambda z: bt.CrossEntropyLoss(weight=w, label_smoothing=0.1)(z, y))(x)[1]
    assert torch.isinf(traced)
    assert torch.isnan(bt.CrossEntropyLoss(weight=w)(x, y)) and torch.isnan(nn.CrossEntropyLoss(weight=w)(x, y))


def test_cross_entropy_half_precision_returns_input_dtype():
    x, y = torch.randn(6, 5).to(torch.bfloat16), torch.randint(0, 5, (6,))
    ours, native = bt.CrossEntropyLoss(label_smoothing=0.1)(x, y), nn.CrossEntropyLoss(label_smoothing=0.1)(x, y)
    assert ours.dtype == native.dtype == torch.bfloat16
    torch.testing.assert_close(ours.float(), native.float(), rtol=1e-2, atol=1e-2)


# --- NLLLoss ---------------------------------------------------------------------

NLL_CONFIGS = {
    "defaults": {},
    "weight": {"weight": True},
    "ignore": {"ignore_index": -100, "_ignore": -100},
    "weight+ignore2": {"weight": True, "ignore_index": 2, "_ignore": 2},
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("cfg", NLL_CONFIGS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction, cfg, layout, dtype, device):
    shape, cfg = LAYOUTS[layout], NLL_CONFIGS[cfg]
    c = shape[_class_dim(shape)]
    ours, native = _build(bt.NLLLoss, nn.NLLLoss, cfg, c, dtype, device, reduction)
    x = torch.log_softmax(torch.randn(shape, generator=_gen(5), dtype=torch.float64), _class_dim(shape))
    y = _labels(shape, c, 6, cfg.get("_ignore")).to(device)
    check_like_native(ours, native, x.to(device, dtype), y, dtype)


# --- BCELoss, BCEWithLogitsLoss ------------------------------------------------------

#: shape, and the shapes of element-wise weights / pos_weight that broadcast to it
BINARY_LAYOUTS = {"NC": ((5, 3), (3,), (5, 1)), "NCd": ((2, 3, 4), (4,), (3, 1)), "scalar": ((), (), ())}


def _binary_case(layout, cfg, dtype, device, logits):
    shape, w_shape, pw_shape = BINARY_LAYOUTS[layout]
    kw = {}
    if "weight" in cfg:
        kw["weight"] = (torch.rand(w_shape, generator=_gen(11), dtype=torch.float64) * 2).to(device, dtype)
    if "full_weight" in cfg:
        kw["weight"] = torch.rand(shape, generator=_gen(12), dtype=torch.float64).to(device, dtype)
    if "pos_weight" in cfg:
        kw["pos_weight"] = (torch.rand(pw_shape, generator=_gen(13), dtype=torch.float64) * 3).to(device, dtype)
    z = torch.randn(shape, generator=_gen(14), dtype=torch.float64) * 3
    x = z if logits else torch.sigmoid(z)
    hard = (torch.rand(shape, generator=_gen(15), dtype=torch.float64) < 0.5).double()
    soft = torch.rand(shape, generator=_gen(16), dtype=torch.float64)
    t = soft if "soft" in cfg else hard
    return kw, x.to(device, dtype), t.to(device, dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("layout", BINARY_LAYOUTS)
@pytest.mark.parametrize("cfg", ["defaults", "soft", "weight", "full_weight+soft"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_loss(reduction, cfg, layout, dtype, device):
    kw, x, t = _binary_case(layout, cfg, dtype, device, logits=False)
    check_like_native(bt.BCELoss(**kw, reduction=reduction), nn.BCELoss(**kw, reduction=reduction), x, t, dtype)


def test_bce_loss_clamps_the_log_at_minus_100_like_native():
    p, y = torch.tensor([0.0, 1.0, 0.0, 1.0]), torch.tensor([1.0, 0.0, 0.0, 1.0])
    torch.testing.assert_close(bt.BCELoss(reduction="none")(p, y), nn.BCELoss(reduction="none")(p, y))
    assert bt.BCELoss(reduction="none")(p, y).tolist() == [100.0, 100.0, 0.0, 0.0]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("layout", BINARY_LAYOUTS)
@pytest.mark.parametrize("cfg", ["defaults", "soft", "weight", "pos_weight", "weight+pos_weight+soft",
                                 "full_weight+pos_weight"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_loss(reduction, cfg, layout, dtype, device):
    kw, x, t = _binary_case(layout, cfg, dtype, device, logits=True)
    check_like_native(bt.BCEWithLogitsLoss(**kw, reduction=reduction),
                      nn.BCEWithLogitsLoss(**kw, reduction=reduction), x, t, dtype)


# --- constructor, reduction names, buffers ------------------------------------------

PAIRS = [(bt.CrossEntropyLoss, nn.CrossEntropyLoss), (bt.NLLLoss, nn.NLLLoss),
         (bt.BCELoss, nn.BCELoss), (bt.BCEWithLogitsLoss, nn.BCEWithLogitsLoss)]
PAIR_IDS = [p[0].__name__ for p in PAIRS]


def _sample(cls, c=3):
    x = torch.randn(4, c, generator=_gen(21))
    if cls is bt.NLLLoss:
        return x.log_softmax(1), torch.tensor([0, 2, 1, 2])
    if cls is bt.CrossEntropyLoss:
        return x, torch.tensor([0, 2, 1, 2])
    t = torch.rand(4, c, generator=_gen(22))
    return (x.sigmoid(), t) if cls is bt.BCELoss else (x, t)


@pytest.mark.parametrize("ours,native", PAIRS, ids=PAIR_IDS)
def test_signature_and_defaults_match_native(ours, native):
    import inspect

    a, b = inspect.signature(ours.__init__), inspect.signature(native.__init__)
    assert [(p.name, p.default) for p in a.parameters.values()] == \
        [(p.name, p.default) for p in b.parameters.values()]
    assert list(inspect.signature(ours.forward).parameters) == list(inspect.signature(native.forward).parameters)


@pytest.mark.parametrize("ours,native", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("size_average,reduce", [
    (sa, r) for sa, r in itertools.product([None, True, False], repeat=2) if (sa, r) != (None, None)])
def test_legacy_size_average_and_reduce(ours, native, size_average, reduce):
    with warnings.catch_warnings(record=True) as wa:
        warnings.simplefilter("always")
        a = ours(size_average=size_average, reduce=reduce, reduction="sum")
    with warnings.catch_warnings(record=True) as wb:
        warnings.simplefilter("always")
        b = native(size_average=size_average, reduce=reduce, reduction="sum")
    assert a.reduction == b.reduction
    assert [str(w.message) for w in wa] == [str(w.message) for w in wb]
    assert [w.category for w in wa] == [w.category for w in wb]
    x, t = _sample(ours)
    torch.testing.assert_close(a(x, t), b(x, t))


@pytest.mark.parametrize("ours,native", PAIRS, ids=PAIR_IDS)
def test_elementwise_mean_alias(ours, native):
    with pytest.warns(UserWarning, match="elementwise_mean"):
        a = ours(reduction="elementwise_mean")
    x, t = _sample(ours)
    with pytest.warns(UserWarning, match="elementwise_mean"):
        expected = native(reduction="elementwise_mean")(x, t)
    torch.testing.assert_close(a(x, t), expected)


@pytest.mark.parametrize("ours,native", PAIRS, ids=PAIR_IDS)
def test_bad_reduction_raises_value_error(ours, native):
    with pytest.raises(ValueError, match="`reduction` must be one of 'none', 'mean', 'sum'; got 'avg'"):
        ours(reduction="avg")
    m = ours()
    m.reduction = "batchmean"  # changed after construction: checked at call time
    with pytest.raises(ValueError, match="got 'batchmean'"):
        m(*_sample(ours))


@pytest.mark.parametrize("ours,native", PAIRS, ids=PAIR_IDS)
def test_buffers_state_dict_and_to(ours, native):
    kw = {"weight": torch.rand(3, generator=_gen(23)) + 0.5}
    if ours is bt.BCEWithLogitsLoss:
        kw["pos_weight"] = torch.rand(3, generator=_gen(24)) + 0.5
    a, b = ours(**kw), native(**kw)
    assert dict(a.named_buffers()).keys() == dict(b.named_buffers()).keys()
    assert a.state_dict().keys() == b.state_dict().keys()
    assert ours().state_dict().keys() == native().state_dict().keys()
    # a native's state_dict loads into ours (and back)
    fresh = ours(**{k: torch.zeros_like(v) for k, v in kw.items()})
    fresh.load_state_dict(b.state_dict())
    for k, v in kw.items():
        assert torch.equal(getattr(fresh, k), v)
    # .double() / .to(dtype) move the buffers; results then match the native in float64
    a64, b64 = a.double(), b.to(torch.float64)
    assert all(buf.dtype == torch.float64 for buf in a64.buffers())
    x, t = _sample(ours)
    x = x.double()
    t = t.double() if t.is_floating_point() else t
    torch.testing.assert_close(a64(x, t), b64(x, t), rtol=1e-12, atol=1e-14)
    assert a.to(torch.float16).weight.dtype == torch.float16


# --- torch.compile, double backward, torch.func ----------------------------------------

COMPILE_CASES = [
    ("CE-indices", lambda: bt.CrossEntropyLoss(weight=torch.rand(4) + .5, ignore_index=1, label_smoothing=.1),
     lambda n: (torch.randn(n, 4, 3), torch.randint(0, 4, (n, 3)))),
    ("CE-probs", lambda: bt.CrossEntropyLoss(weight=torch.rand(4) + .5, label_smoothing=.1),
     lambda n: (torch.randn(n, 4), torch.softmax(torch.randn(n, 4), 1))),
    ("NLL", lambda: bt.NLLLoss(weight=torch.rand(4) + .5, reduction="sum"),
     lambda n: (torch.randn(n, 4).log_softmax(1), torch.randint(0, 4, (n,)))),
    ("BCE", lambda: bt.BCELoss(weight=torch.rand(3)),
     lambda n: (torch.rand(n, 3), torch.rand(n, 3))),
    ("BCEWithLogits", lambda: bt.BCEWithLogitsLoss(weight=torch.rand(3), pos_weight=torch.rand(3) + .5),
     lambda n: (torch.randn(n, 3), torch.rand(n, 3))),
]


@pytest.mark.parametrize("name,make,data", COMPILE_CASES, ids=[c[0] for c in COMPILE_CASES])
def test_compiles_without_graph_breaks(name, make, data):
    """``fullgraph=True`` raises on any graph break; ``dynamic=True`` traces
    symbolic shapes (batch sizes change). Dynamo only (``backend="eager"``),
    to keep this fast; the inductor run is the training test below."""
    m = make()
    torch._dynamo.reset()
    compiled = torch.compile(m, backend="eager", fullgraph=True, dynamic=True)
    for n in (5, 7):
        x, t = data(n)
        torch.testing.assert_close(compiled(x, t), m(x, t))


def test_torch_export():
    m = bt.CrossEntropyLoss(weight=torch.rand(4) + .5, ignore_index=0, label_smoothing=0.1)
    x, y = torch.randn(5, 4, 3), torch.randint(0, 4, (5, 3))
    exported = torch.export.export(m, (x, y)).module()
    torch.testing.assert_close(exported(x, y), nn.CrossEntropyLoss(weight=m.weight, ignore_index=0,
                                                                   label_smoothing=0.1)(x, y))


def test_compiled_bad_label_gives_nan_not_a_wrong_number():
    m = bt.CrossEntropyLoss()
    compiled = torch.compile(m, backend="eager", fullgraph=True)
    x = torch.randn(3, 4)
    with pytest.raises(ValueError, match="`target` holds class label 7"):
        m(x, torch.tensor([0, 1, 7]))  # eager: a clear error
    assert torch.isnan(compiled(x, torch.tensor([0, 1, 7])))  # traced: cannot raise


def _train(loss_fn, compile_step, steps=4):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    x, y = torch.randn(32, 6, generator=_gen(31)), torch.randint(0, 4, (32,), generator=_gen(32))

    def step(x, y):
        return loss_fn(model(x), y)

    f = torch.compile(step, fullgraph=True) if compile_step else step
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = f(x, y)
        loss.backward()
        opt.step()
        out.append(loss.item())
    return out, [p.detach().clone() for p in model.parameters()]


def test_compiled_model_with_our_loss_trains_like_eager_and_native():
    """Default backend (inductor), model + loss in one graph (``fullgraph``)."""
    torch._dynamo.reset()
    loss_fn = bt.CrossEntropyLoss(weight=torch.linspace(0.5, 2, 4), label_smoothing=0.1)
    compiled, p_c = _train(loss_fn, True)
    eager, p_e = _train(loss_fn, False)
    native, p_n = _train(nn.CrossEntropyLoss(weight=torch.linspace(0.5, 2, 4), label_smoothing=0.1), False)
    assert eager[-1] < eager[0]  # it trains
    torch.testing.assert_close(compiled, eager, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(eager, native, rtol=1e-5, atol=1e-6)
    for a, b in zip(p_c, p_n):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


FUNC_CASES = [
    ("CE", lambda w: (bt.CrossEntropyLoss(weight=w, ignore_index=0, label_smoothing=.1),
                      nn.CrossEntropyLoss(weight=w, ignore_index=0, label_smoothing=.1)),
     lambda g: (torch.randn(3, 5, 4, generator=g, dtype=torch.float64), torch.randint(0, 4, (3, 5), generator=g))),
    ("CE-probs", lambda w: (bt.CrossEntropyLoss(weight=w, label_smoothing=.1),
                            nn.CrossEntropyLoss(weight=w, label_smoothing=.1)),
     lambda g: (torch.randn(3, 5, 4, generator=g, dtype=torch.float64),
                torch.softmax(torch.randn(3, 5, 4, generator=g, dtype=torch.float64), -1))),
    ("NLL", lambda w: (bt.NLLLoss(weight=w), nn.NLLLoss(weight=w)),
     lambda g: (torch.randn(3, 5, 4, generator=g, dtype=torch.float64).log_softmax(-1),
                torch.randint(0, 4, (3, 5), generator=g))),
    ("BCE", lambda w: (bt.BCELoss(weight=w), nn.BCELoss(weight=w)),
     lambda g: (torch.rand(3, 5, 4, generator=g, dtype=torch.float64) * .98 + .01,
                torch.rand(3, 5, 4, generator=g, dtype=torch.float64))),
    ("BCEWithLogits", lambda w: (bt.BCEWithLogitsLoss(weight=w, pos_weight=w), nn.BCEWithLogitsLoss(weight=w, pos_weight=w)),
     lambda g: (torch.randn(3, 5, 4, generator=g, dtype=torch.float64), torch.rand(3, 5, 4, generator=g, dtype=torch.float64))),
]


@pytest.mark.parametrize("name,make,data", FUNC_CASES, ids=[c[0] for c in FUNC_CASES])
def test_double_backward(name, make, data):
    ours, native = make(torch.rand(4, generator=_gen(41), dtype=torch.float64) + .5)
    x, t = data(_gen(42))
    x, t = x[0], t[0]
    assert torch.autograd.gradgradcheck(lambda p: ours(p, t), (x.clone().requires_grad_(),))
    hvp = []
    for m in (ours, native):
        p = x.clone().requires_grad_()
        (g,) = torch.autograd.grad(m(p, t), p, create_graph=True)
        s = (g * torch.cos(x)).sum()
        # NLL is linear in its input: its gradient may not depend on it at all
        hvp.append(torch.autograd.grad(s, p, allow_unused=True, materialize_grads=True)[0]
                   if s.requires_grad else torch.zeros_like(x))
    torch.testing.assert_close(hvp[0], hvp[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,make,data", FUNC_CASES, ids=[c[0] for c in FUNC_CASES])
def test_vmap_and_func_grad_match_native_per_example(name, make, data):
    """``vmap`` over a leading batch of whole problems. (The native
    ``CrossEntropyLoss`` with ``weight`` and ``label_smoothing`` cannot be
    vmapped -- it uses ``masked_select`` -- so the reference is a loop.)"""
    ours, native = make(torch.rand(4, generator=_gen(43), dtype=torch.float64) + .5)
    x, t = data(_gen(44))
    loop = [native(a, b) for a, b in zip(x, t)]
    torch.testing.assert_close(torch.func.vmap(ours)(x, t), torch.stack(loop), rtol=1e-12, atol=1e-14)
    grads = torch.func.vmap(torch.func.grad(ours))(x, t)
    expected = [torch.func.grad(native)(a, b) for a, b in zip(x, t)]
    torch.testing.assert_close(grads, torch.stack(expected), rtol=1e-10, atol=1e-12)
    # forward mode
    tangent = torch.cos(x[0])
    _, jo = torch.func.jvp(lambda p: ours(p, t[0]), (x[0],), (tangent,))
    _, jn = torch.func.jvp(lambda p: native(p, t[0]), (x[0],), (tangent,))
    torch.testing.assert_close(jo, jn, rtol=1e-10, atol=1e-12)


# --- errors: clear, and in torch's names -------------------------------------------------

BAD_CALLS = [
    ("CE label out of range", lambda: bt.CrossEntropyLoss()(torch.randn(3, 4), torch.tensor([0, 1, 4])),
     ValueError, "`target` holds class label 4 at index \\(2,\\)"),
    ("CE negative label", lambda: bt.CrossEntropyLoss()(torch.randn(3, 4), torch.tensor([0, -1, 2])),
     ValueError, "`target` holds class label -1"),
    ("CE target [N, 1]", lambda: bt.CrossEntropyLoss()(torch.randn(3, 4), torch.zeros(3, 1, dtype=torch.long)),
     ValueError, "`target` of class indices must have input's shape \\(3, 4\\) without the class dim 1"),
    ("CE float index target", lambda: bt.CrossEntropyLoss()(torch.randn(3, 4), torch.tensor([0.0, 1.0, 2.0])),
     TypeError, "`target` of class indices must be an integer tensor"),
    ("CE integer probabilities", lambda: bt.CrossEntropyLoss()(torch.randn(3, 4), torch.zeros(3, 4, dtype=torch.long)),
     TypeError, "class probabilities and must be floating point"),
    ("CE probabilities + ignore_index >= 0", lambda: bt.CrossEntropyLoss(ignore_index=1)(torch.randn(3, 4), torch.rand(3, 4)),
     ValueError, "`ignore_index`=1 is not supported with class-probability targets"),
    ("CE weight length", lambda: bt.CrossEntropyLoss(weight=torch.ones(3))(torch.randn(3, 4), torch.tensor([0, 1, 2])),
     ValueError, "`weight` must be a 1-D array of length 4"),
    ("CE label_smoothing > 1", lambda: bt.CrossEntropyLoss(label_smoothing=1.5)(torch.randn(3, 4), torch.tensor([0, 1, 2])),
     ValueError, "`label_smoothing` must be in \\[0, 1\\]; got 1.5"),
    ("CE integer input", lambda: bt.CrossEntropyLoss()(torch.ones(3, 4, dtype=torch.long), torch.tensor([0, 1, 2])),
     ValueError, "`input` must be a floating-point array"),
    ("CE 0-d input", lambda: bt.CrossEntropyLoss()(torch.tensor(1.0), torch.tensor(0)),
     ValueError, "`input` must have a class dimension"),
    ("CE list target", lambda: bt.CrossEntropyLoss()(torch.randn(3, 4), [0, 1, 2]),
     TypeError, "`target` must be a torch.Tensor; got list"),
    ("NLL probability target", lambda: bt.NLLLoss()(torch.randn(3, 4), torch.rand(3, 4)),
     ValueError, "`target` of class indices must have input's shape \\(3, 4\\) without the class dim 1, i.e. \\(3,\\); got"),
    ("NLL label out of range", lambda: bt.NLLLoss()(torch.randn(3, 4), torch.tensor([0, 9, 2])),
     ValueError, "`target` holds class label 9"),
    ("BCE input > 1", lambda: bt.BCELoss()(torch.tensor([0.5, 1.5]), torch.tensor([1.0, 0.0])),
     ValueError, "`input` holds 1.5 at index \\(1,\\) .* must lie in \\[0, 1\\]"),
    ("BCE NaN input", lambda: bt.BCELoss()(torch.tensor([float("nan")]), torch.tensor([1.0])),
     ValueError, "`input` holds nan"),
    ("BCE target < 0", lambda: bt.BCELoss()(torch.tensor([0.5]), torch.tensor([-0.5])),
     ValueError, "`target` holds -0.5"),
    ("BCE shape mismatch", lambda: bt.BCELoss()(torch.rand(3, 2), torch.rand(3)),
     ValueError, "`target` must have input's shape; got target.shape=\\(3,\\) and input.shape=\\(3, 2\\)"),
    ("BCE weight shape", lambda: bt.BCELoss(weight=torch.ones(3))(torch.rand(3, 2), torch.rand(3, 2)),
     ValueError, "`weight` of shape \\(3,\\) does not broadcast to input's shape \\(3, 2\\)"),
    ("BCEWithLogits pos_weight shape", lambda: bt.BCEWithLogitsLoss(pos_weight=torch.ones(3))(torch.randn(2, 4), torch.rand(2, 4)),
     ValueError, "`pos_weight` of shape \\(3,\\) does not broadcast to input of shape \\(2, 4\\)"),
]


@pytest.mark.parametrize("name,call,exc,match", BAD_CALLS, ids=[b[0] for b in BAD_CALLS])
def test_bad_input_raises_a_clear_error_in_torch_names(name, call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert "y_true" not in str(info.value) and "y_pred" not in str(info.value)


# --- documented differences from the native ------------------------------------------------


def test_bce_gradient_at_the_clamp_equals_native():
    """BCELoss: the native's backward, w (p - y) / max(p (1 - p), 1e-12), also at
    the ends, where the clamped loss is flat (issue 15 section 3): a zero there
    would stop the most-wrong examples from training."""
    p = torch.tensor([0.0, 1.0, 1.0, 1e-13, 1e-6, 0.5, 1 - 1e-6], dtype=torch.float64)
    y = torch.tensor([1.0, 1.0, 0.0, 1.0, 1.0, 0.3, 0.0], dtype=torch.float64)
    w = torch.tensor([1.0, 2.0, 0.5, 1.0, 1.0, 3.0, 1.0], dtype=torch.float64)
    for reduction in ("sum", "mean", "none"):
        grads = []
        for m in (bt.BCELoss(weight=w, reduction=reduction), nn.BCELoss(weight=w, reduction=reduction)):
            q = p.clone().requires_grad_()
            grads.append(torch.autograd.grad(m(q, y).sum(), q)[0])
        ours, native = grads
        torch.testing.assert_close(ours, native, rtol=1e-12, atol=0)
    assert ours[0].item() == pytest.approx(-1e12, rel=1e-6)  # p = 0, y = 1: pushed, not 0


def test_difference_negative_label_smoothing_raises():
    x, y = torch.randn(3, 4), torch.tensor([0, 1, 2])
    # native: a negative value is silently ignored (the loss equals no smoothing)
    torch.testing.assert_close(nn.CrossEntropyLoss(label_smoothing=-0.1)(x, y), nn.CrossEntropyLoss()(x, y))
    with pytest.raises(ValueError, match="`label_smoothing` must be in \\[0, 1\\]; got -0.1"):
        bt.CrossEntropyLoss(label_smoothing=-0.1)(x, y)


def test_difference_weight_is_cast_to_the_input_dtype():
    x, y, w = torch.randn(3, 4, dtype=torch.float64), torch.tensor([0, 1, 2]), torch.rand(4) + .5
    with pytest.raises(RuntimeError):
        nn.CrossEntropyLoss(weight=w)(x, y)  # float32 weight, float64 input
    torch.testing.assert_close(bt.CrossEntropyLoss(weight=w)(x, y), nn.CrossEntropyLoss(weight=w.double())(x, y))
    torch.testing.assert_close(bt.NLLLoss(weight=w)(x, y), nn.NLLLoss(weight=w.double())(x, y))


def test_uint8_class_indices_like_native():
    x, y = torch.randn(3, 4), torch.tensor([0, 3, 2], dtype=torch.uint8)
    w = torch.rand(4) + .5
    torch.testing.assert_close(bt.CrossEntropyLoss(weight=w)(x, y), nn.CrossEntropyLoss(weight=w)(x, y))
    torch.testing.assert_close(bt.NLLLoss(weight=w)(x, y), nn.NLLLoss(weight=w)(x, y))
    # (the native raises for uint8 with weight and label_smoothing together: compare with int64)
    torch.testing.assert_close(bt.CrossEntropyLoss(weight=w, label_smoothing=.1)(x, y),
                               nn.CrossEntropyLoss(weight=w, label_smoothing=.1)(x, y.long()))


def test_difference_any_integer_target_dtype():
    x, y = torch.randn(3, 4), torch.tensor([0, 1, 2], dtype=torch.int32)
    with pytest.raises(RuntimeError):
        nn.CrossEntropyLoss()(x, y)  # native: int64 or uint8 only
    torch.testing.assert_close(bt.CrossEntropyLoss()(x, y), nn.CrossEntropyLoss()(x, y.long()))
    torch.testing.assert_close(bt.NLLLoss()(x, y), nn.NLLLoss()(x, y.long()))


def test_difference_binary_target_is_cast_to_the_input_dtype():
    p, t = torch.rand(4, 3), torch.randint(0, 2, (4, 3))
    with pytest.raises(RuntimeError):
        nn.BCELoss()(p, t)
    with pytest.raises(RuntimeError):
        nn.BCEWithLogitsLoss()(p, t)
    torch.testing.assert_close(bt.BCELoss()(p, t), nn.BCELoss()(p, t.float()))
    torch.testing.assert_close(bt.BCEWithLogitsLoss()(p, t), nn.BCEWithLogitsLoss()(p, t.float()))
    torch.testing.assert_close(bt.BCELoss()(p, t.double()), nn.BCELoss()(p, t.float()))


def test_difference_bad_labels_are_value_errors():
    x = torch.randn(3, 4)
    with pytest.raises(IndexError):
        nn.CrossEntropyLoss()(x, torch.tensor([0, 1, 4]))
    with pytest.raises(ValueError):
        bt.CrossEntropyLoss()(x, torch.tensor([0, 1, 4]))
    with pytest.raises(RuntimeError):
        nn.BCELoss()(torch.tensor([1.5]), torch.tensor([1.0]))
    with pytest.raises(ValueError):
        bt.BCELoss()(torch.tensor([1.5]), torch.tensor([1.0]))


# --- docstring examples, the example script -------------------------------------------------


def test_docstring_examples():
    result = doctest.testmod(bt, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 4 and result.failed == 0


def test_torch_digits_example_runs():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "torch_digits.py"), "--epochs", "2"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "test accuracy" in out.stdout and "max |difference|" in out.stdout
