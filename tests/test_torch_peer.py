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

#: ours whose native is a ``torch.nn`` module
NATIVE = {n for n, (_, native) in bt.CATALOG.items() if native == f"torch.nn.{n}"}
#: torch's functional form of each module we provide
FUNCTIONAL = {"l1_loss": "L1Loss", "mse_loss": "MSELoss", "smooth_l1_loss": "SmoothL1Loss",
              "huber_loss": "HuberLoss", "kl_div": "KLDivLoss", "nll_loss": "NLLLoss",
              "binary_cross_entropy": "BCELoss", "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
              "poisson_nll_loss": "PoissonNLLLoss", "cross_entropy": "CrossEntropyLoss",
              "gaussian_nll_loss": "GaussianNLLLoss"}
#: forward arguments of the functionals (the rest are constructor options)
_FORWARD = ("input", "target", "var")

_BCE_EDGE = ("BCELoss's gradient at p in {0, 1}: torch gives (p - y) / max(p (1 - p), 1e-12), ours the "
             "derivative of the clamped loss (0 or -1); issue 15 section 3, spec side "
             "(losses.binary_crossentropy log_min backward)")
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


def _grads(out, inputs):
    """Gradients of ``sum(out * ct)`` w.r.t. ``inputs`` (a fixed cotangent ``ct``)."""
    ct = torch.linspace(0.5, 1.5, out.numel(), dtype=out.real.dtype).reshape(out.shape)
    return torch.autograd.grad((out * ct).sum(), inputs, allow_unused=True)


def _run(make_native, make_ours, args, kwargs):
    """Native then ours on clones of ``args``; ``None`` when the native rejects the case."""
    def fresh():
        return [a.detach().clone().requires_grad_(a.requires_grad) if torch.is_tensor(a) else a for a in args]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        na = fresh()
        try:
            native_out = make_native()(*na, **kwargs)
        except Exception:  # noqa: BLE001 -- not applicable: the native rejects it
            pytest.skip("the native rejects this case")
        oa = fresh()
        our_out = make_ours()(*oa, **kwargs)
    grads_n = [a for a in na if torch.is_tensor(a) and a.requires_grad]
    grads_o = [a for a in oa if torch.is_tensor(a) and a.requires_grad]
    torch.testing.assert_close(our_out, native_out, equal_nan=True)
    if grads_n and native_out.requires_grad:
        for i, (a, b) in enumerate(zip(_grads(our_out, grads_o), _grads(native_out, grads_n))):
            if b is not None:
                torch.testing.assert_close(a, b, equal_nan=True, msg=lambda m, i=i: f"gradient {i}: {m}")


# --- module_db -----------------------------------------------------------------------

def _module_cases():
    cases = []
    for info in common_modules.module_db:
        name = info.module_cls.__name__
        if name not in NATIVE or info.module_cls is not getattr(nn, name):
            continue
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
    _run(lambda: getattr(nn, name)(*c.args, **c.kwargs), lambda: getattr(bt, name)(*c.args, **c.kwargs),
         f.args, f.kwargs)


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
    if x.is_floating_point() and dtype is not None:
        x = x.to(dtype)
    return x


@pytest.mark.parametrize("test", NN_CASES)
def test_common_nn_case(test, monkeypatch):
    dtype = test.get("default_dtype", torch.float64)
    x = _tensor(test, "input", dtype)
    x.requires_grad_(x.is_floating_point() or x.is_complex())
    args = [x] + ([_tensor(test, "target", dtype)] if "target_fn" in test or "target_size" in test
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
    assert covered == NATIVE, NATIVE - covered
    assert {n for n, (_, native) in bt.CATALOG.items() if native and native.startswith("torch.nn.")} == NATIVE


def test_every_xfail_names_a_case():
    keys = {f"{c.values[0]}-{c.values[1].desc}" for c in MODULE_CASES} | {c.id for c in NN_CASES}
    assert set(XFAIL) <= keys, set(XFAIL) - keys


@pytest.mark.xfail(strict=True, reason=_BCE_EDGE)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_gradient_at_the_ends_like_native(reduction, weighted):
    """Not an upstream case: issue 15 section 3's, in the same harness."""
    p = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.3], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0, 0.6], dtype=torch.float64)
    w = torch.tensor([0.5, 2.0, 1.0, 1.5, 1.0], dtype=torch.float64) if weighted else None
    _run(lambda: nn.BCELoss(weight=w, reduction=reduction), lambda: bt.BCELoss(weight=w, reduction=reduction),
         [p, y], {})
