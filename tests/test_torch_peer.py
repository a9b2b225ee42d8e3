"""torch's own published criterion tests, run with ``backends.torch`` substituted.

Two upstream sources ship inside the installed torch (they need ``expecttest``):

* ``torch.testing._internal.common_modules.module_db``: for each ``ModuleInfo``
  of a module we provide (``nn.CrossEntropyLoss``, ``nn.NLLLoss``,
  ``nn.BCELoss``, ...), every sample of its ``module_inputs_func`` is run
  through the native and through ours, built from the same constructor
  arguments: forward values and the gradients w.r.t. every input that
  requires one must agree.
* ``torch.testing._internal.common_nn``: the criterion tests
  (``criterion_tests``) and the loss entries of ``get_new_module_tests()``
  whose constructor builds one of our modules (``nn.X``) or calls one of our
  functionals (``F.x``): each constructor runs twice, once as upstream wrote
  it and once with ``nn``/``F`` in ``common_nn`` answering our names with
  ours (functional calls become a call of our module).

Cases that fail with ours are marked ``xfail(strict=True)`` with the reason;
cases the native itself rejects are not counted.
"""

from __future__ import annotations

import inspect
import types
import warnings

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402, N812
from torch.testing._internal import common_modules, common_nn  # noqa: E402

import backends.torch as bt  # noqa: E402

#: natives whose module_db cases run in their own file, with the native's parameters
#: loaded into ours (a module with parameters: the samples alone do not make them equal)
ELSEWHERE = {"LinearCrossEntropyLoss": "tests/test_linear_ce.py",
             # no upstream case outside test_nn.py: its cases are ported there
             "TripletMarginWithDistanceLoss": "tests/test_similarity.py",
             # module_db and common_nn have no case for it: torch's own test_nn.py checks, ported
             "AdaptiveLogSoftmaxWithLoss": "tests/test_structured.py"}
#: ours whose native is a ``torch.nn`` module
NATIVE = {n for n, (_, native) in bt.CATALOG.items() if native == f"torch.nn.{n}"} - set(ELSEWHERE)
#: torch's functional form of each module we provide
FUNCTIONAL = {"l1_loss": "L1Loss", "mse_loss": "MSELoss", "smooth_l1_loss": "SmoothL1Loss",
              "huber_loss": "HuberLoss", "kl_div": "KLDivLoss", "nll_loss": "NLLLoss",
              "binary_cross_entropy": "BCELoss", "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
              "poisson_nll_loss": "PoissonNLLLoss", "cross_entropy": "CrossEntropyLoss",
              "gaussian_nll_loss": "GaussianNLLLoss",
              # --- margin ---
              "hinge_embedding_loss": "HingeEmbeddingLoss", "soft_margin_loss": "SoftMarginLoss",
              "multi_margin_loss": "MultiMarginLoss", "multilabel_margin_loss": "MultiLabelMarginLoss",
              "multilabel_soft_margin_loss": "MultiLabelSoftMarginLoss",
              "margin_ranking_loss": "MarginRankingLoss",
              # --- similarity ---
              "cosine_embedding_loss": "CosineEmbeddingLoss", "triplet_margin_loss": "TripletMarginLoss",
              "triplet_margin_with_distance_loss": "TripletMarginWithDistanceLoss"}
FUNCTIONAL["ctc_loss"] = "CTCLoss"  # --- sequence ---
#: forward arguments of the functionals (the rest are constructor options)

#: natives module_db marks ``supports_gradgrad`` whose double backward torch does not
#: implement ("derivative for aten::multi_margin_loss_backward is not implemented"):
#: first order only (ours has double backward; tests/test_margin.py checks it)
NO_GRADGRAD = {"MultiMarginLoss", "MultiLabelMarginLoss"}
_FORWARD = ("input", "input1", "input2", "anchor", "positive", "negative", "target", "var",
            "log_probs", "targets", "input_lengths", "target_lengths")

#: upstream cases that fail with ours: case id -> why (strict: a fix XPASSes, which fails)
XFAIL: dict[str, str] = {}


def _functional(name: str):
    """Our module ``name`` called as torch's functional form."""
    sig = inspect.signature(getattr(F, {v: k for k, v in FUNCTIONAL.items()}[name]))
    cls = getattr(bt, name)
    options = set(inspect.signature(cls.__init__).parameters)

    def call(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        given = bound.arguments
        module = cls(**{k: v for k, v in given.items() if k in options and k not in _FORWARD})
        return module(*(given[k] for k in _FORWARD if k in given))

    return call


def _proxy(real: types.ModuleType, ours: dict) -> types.SimpleNamespace:
    ns = types.SimpleNamespace(**{k: getattr(real, k) for k in dir(real) if not k.startswith("__")})
    for k, v in ours.items():
        setattr(ns, k, v)
    return ns


_NN = {name: getattr(bt, name) for name in NATIVE}
_F = {f: _functional(name) for f, name in FUNCTIONAL.items() if name in NATIVE}


def _grads(out, inputs, create_graph=False):
    """Gradients of ``sum(out * ct)`` w.r.t. ``inputs`` (a fixed cotangent ``ct``)."""
    ct = torch.linspace(0.5, 1.5, out.numel(), dtype=out.real.dtype).reshape(out.shape)
    return torch.autograd.grad((out * ct).sum(), inputs, allow_unused=True, create_graph=create_graph)


def _derivatives(out, inputs, order):
    """``[out, its gradients (, the gradients of their weighted sum)]``; an
    undefined gradient (no path to that input) counts as zeros, as autograd's."""
    if not inputs or not out.requires_grad:
        return [out]
    first = [torch.zeros_like(x) if g is None else g for g, x in zip(_grads(out, inputs, order > 1), inputs)]
    if order == 1:
        return [out, *first]
    used = [g for g in first if g.requires_grad]
    second = torch.autograd.grad(
        sum((g * torch.linspace(1.0, 2.0, g.numel(), dtype=g.real.dtype).reshape(g.shape)).sum() for g in used),
        inputs, allow_unused=True) if used else [None] * len(inputs)
    return [out, *first, *(torch.zeros_like(x) if g is None else g for g, x in zip(second, inputs))]


#: float32 first derivatives where the native's own rounding is the larger error: module
#: -> tolerance. (None now: CTCLoss's first order is the native kernel, exactly -- see
#: tests/test_ctc.py, which also holds the recursion's create_graph gradient against float64.)
FLOAT32_GRAD_TOL: dict = {}


def _run(make_native, make_ours, args, kwargs, order=1, grad_tol=None):
    """Native then ours on clones of ``args``: values and derivatives up to
    ``order`` w.r.t. the inputs that require grad. Skipped when the native
    rejects the case (see :func:`test_module_db_error_inputs_fail_in_ours_too`)."""
    def fresh():
        return [a.detach().clone().requires_grad_(a.requires_grad) if torch.is_tensor(a) else a for a in args]

    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for make in (make_native, make_ours):
            a = fresh()
            try:
                out = make()(*a, **kwargs)
            except Exception:  # noqa: BLE001 -- not applicable: the native rejects it
                if make is make_native:
                    pytest.skip("the native rejects this case")
                raise
            results.append(_derivatives(out, [x for x in a if torch.is_tensor(x) and x.requires_grad], order))
    native, ours = results
    assert len(ours) == len(native)
    first = 1 + (len(native) - 1) // order if order > 1 else len(native)
    for i, (b, a) in enumerate(zip(native, ours)):
        # second order in float32: the two double backwards round differently (BCELoss: the
        # native's is 1e-4 off the float64 value, ours 1e-7), so a float32-sized tolerance
        tol = {"rtol": 3e-4, "atol": 1e-5} if i >= first and b.dtype == torch.float32 else {}
        if grad_tol and 0 < i < first and b.dtype == torch.float32:
            tol = grad_tol
        torch.testing.assert_close(a.detach(), b.detach(), equal_nan=True, **tol,
                                   msg=lambda m, i=i: f"derivative {i}: {m}")


# --- module_db -----------------------------------------------------------------------

#: each of ours with a ``torch.nn`` native -> its index in ``module_db``
INFO = {info.module_cls.__name__: i for i, info in enumerate(common_modules.module_db)
        if info.module_cls.__name__ in NATIVE and info.module_cls is getattr(nn, info.module_cls.__name__)}


def _module_cases():
    cases = []
    for name, idx in INFO.items():
        info = common_modules.module_db[idx]
        for dtype in (torch.float64, torch.float32):
            samples = info.module_inputs_func(info, device="cpu", dtype=dtype, requires_grad=True,
                                              training=True)
            for i, s in enumerate(samples):
                cases.append(pytest.param(name, s, id=f"{name}-{str(dtype)[6:]}-{i}-{s.desc}",
                                          marks=_marks(f"{name}-{s.desc}")))
    return cases


def _marks(key: str):
    reason = XFAIL.get(key)
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


MODULE_CASES = _module_cases()


@pytest.mark.parametrize("name,sample", MODULE_CASES)
def test_module_db_sample(name, sample):
    c, f = sample.constructor_input, sample.forward_input
    info = common_modules.module_db[INFO[name]]
    # a native without double backward (CTCLoss: module_db skips its test_gradgrad) checks order 1
    no_gradgrad = any(getattr(d, "test_name", None) == "test_gradgrad" for d in info.decorators)
    order = 2 if info.supports_gradgrad and not no_gradgrad and name not in NO_GRADGRAD else 1
    _run(lambda: getattr(nn, name)(*c.args, **c.kwargs), lambda: getattr(bt, name)(*c.args, **c.kwargs),
         f.args, f.kwargs, order, FLOAT32_GRAD_TOL.get(name))


#: upstream error inputs a documented difference makes valid for ours -> the native call it then equals
WEIGHT_CAST = {"NLLLoss-0-": "a float16 `weight` with float64 `input`: ours casts `weight` to `input`'s dtype"}
ERROR_CASES = [pytest.param(name, e, id=f"{name}-{i}-{e.module_error_input.desc}")
               for name, idx in sorted(INFO.items()) if common_modules.module_db[idx].module_error_inputs_func
               for i, e in enumerate(common_modules.module_db[idx].module_error_inputs_func(
                   common_modules.module_db[idx], device="cpu", dtype=torch.float64, requires_grad=False,
                   training=True))]


@pytest.mark.parametrize("name,error", ERROR_CASES)
def test_module_db_error_inputs_fail_in_ours_too(name, error):
    """Each bad call torch's own tests expect its module to reject, ours
    rejects too (with ``ValueError``/``TypeError`` where torch raises
    ``RuntimeError``/``IndexError``: a documented difference)."""
    c, f = error.module_error_input.constructor_input, error.module_error_input.forward_input
    with pytest.raises(error.error_type):
        getattr(nn, name)(*c.args, **c.kwargs)(*f.args, **f.kwargs)
    if any(k.startswith(f"{name}-") and error.module_error_input.desc == k.split("-", 2)[2] for k in WEIGHT_CAST):
        cast = {**c.kwargs, "weight": c.kwargs["weight"].to(f.args[0].dtype)}
        _run(lambda: getattr(nn, name)(*c.args, **cast), lambda: getattr(bt, name)(*c.args, **c.kwargs), f.args, {})
        return
    with pytest.raises((ValueError, TypeError, error.error_type)):
        getattr(bt, name)(*c.args, **c.kwargs)(*f.args, **f.kwargs)


# --- common_nn ------------------------------------------------------------------------

def _uses_ours(test: dict) -> bool:
    fullname = str(test.get("fullname") or test.get("module_name") or "")
    return any(fullname.startswith(n) for n in NATIVE | {"NLLLoss2d", "NLLLossNd"})


def _nn_cases():
    tests = [t for t in common_nn.criterion_tests + common_nn.get_new_module_tests() if _uses_ours(t)]
    return [pytest.param(t, id=t.get("fullname") or t["module_name"], marks=_marks(t.get("fullname", "")))
            for t in tests]


NN_CASES = _nn_cases()


def _make(test: dict):
    if "constructor" in test:
        return test["constructor"](*test.get("constructor_args", ()))
    return getattr(common_nn.nn, test["module_name"])(*test.get("constructor_args", ()))


def _tensor(test: dict, what: str, dtype):
    if f"{what}_fn" in test:
        x = test[f"{what}_fn"]()
    elif f"{what}_size" in test:
        x = torch.randn(test[f"{what}_size"], generator=torch.Generator().manual_seed(len(what)))  # 5, 6
    else:
        x = test[what]
    if isinstance(x, tuple):  # several inputs (MarginRankingLoss: input1, input2)
        return tuple(a.to(dtype) if a.is_floating_point() and dtype is not None else a for a in x)
    if isinstance(x, tuple):  # several inputs (CosineEmbeddingLoss, TripletMarginLoss)
        return tuple(t.to(dtype) if t.is_floating_point() and dtype is not None else t for t in x)
    if x.is_floating_point() and dtype is not None:
        x = x.to(dtype)
    return x


@pytest.mark.parametrize("test", NN_CASES)
def test_common_nn_case(test, monkeypatch):
    dtype = test.get("default_dtype", torch.float64)
    x = _tensor(test, "input", dtype)
    xs = list(x) if isinstance(x, tuple) else [x]
    for a in xs:
        a.requires_grad_(a.is_floating_point() or a.is_complex())
    args = xs + ([_tensor(test, "target", dtype)] if "target_fn" in test or "target_size" in test
                  or "target" in test else [])
    with monkeypatch.context() as m:
        ours_nn, ours_f = _proxy(nn, _NN), _proxy(F, _F)

        def make_ours():
            m.setattr(common_nn, "nn", ours_nn)
            m.setattr(common_nn, "F", ours_f)
            return _make(test)

        native = _make(test)
        _run(lambda: native, make_ours, args, {})


# --- the harness itself -----------------------------------------------------------------

def test_every_native_module_has_upstream_cases():
    """A name that claims a ``torch.nn`` native must meet torch's own tests."""
    covered = {c.values[0] for c in MODULE_CASES}
    covered |= {n for n in NATIVE if any(c.id.startswith(n) for c in NN_CASES)}  # common_nn only: TripletMarginLoss
    assert covered == NATIVE, NATIVE - covered
    claims = {n for n, (_, native) in bt.CATALOG.items() if native and native.startswith("torch.nn.")}
    assert claims == NATIVE | set(ELSEWHERE)


def test_every_xfail_names_a_case():
    keys = {f"{c.values[0]}-{c.values[1].desc}" for c in MODULE_CASES} | {c.id for c in NN_CASES}
    assert set(XFAIL) <= keys, set(XFAIL) - keys


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_gradient_at_the_ends_like_native(reduction, weighted):
    """Not an upstream case: issue 15 section 3's, in the same harness: torch's
    gradient ``(p - y) / max(p (1 - p), 1e-12)`` where a log is clamped."""
    p = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.3], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0, 0.6], dtype=torch.float64)
    w = torch.tensor([0.5, 2.0, 1.0, 1.5, 1.0], dtype=torch.float64) if weighted else None
    _run(lambda: nn.BCELoss(weight=w, reduction=reduction), lambda: bt.BCELoss(weight=w, reduction=reduction),
         [p, y], {})
