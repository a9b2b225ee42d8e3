"""One declaration per loss.

A loss is one decorated spec in ``losses/<family>.py``::

    @loss("regression", formula="log cosh(y_pred - y)", make=make_real,
          cases=({}, {"reduction": "none"}),
          natives={"keras": "keras.losses.log_cosh", "optax": "optax.log_cosh"})
    def log_cosh(xp, y_true, y_pred, grad, *, scale: float = 1.0):
        r'''Docstring of the public function: formula, Args, natives, doctest.'''
        ...
        return loss, denom, g, axis

The spec's keyword-only parameters *are* the options: their names, defaults
and annotations become the public function's signature, followed by the
options every loss has (``reduction``, ``sample_weight``, ``axis_name``).
``checks`` maps an option to the check that validates (and normalises) it
before the spec runs -- :mod:`losses._checks` has the factories; ``arrays``
names the options that may hold arrays (moved to ``y_pred``'s framework,
device and dtype); ``traced`` the numeric options that may also be arrays
or traced values (checked when concrete, NaN where out of range when not).
The decorator returns the public function (generated code, so its
signature is real and a call pays no argument binding), and
adds the loss to the registry (:data:`DECLARED`): the parity tests, the demo
and the docs walk it. The name joins the family module's ``__all__``, which
``losses/__init__.py`` re-exports: a new loss needs no other line.

A loss of one array (``inputs=("p",)``: entropies) gets a two-array form
too, ``entry.fn(None, p, **options)``, which is what the registry and
``value_and_grad`` call. Extra positional inputs (``inputs=("y_true",
"mean", "var")``) are options of the spec of the same name.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._core import Spec, no_target, register, run

#: an option value in ``cases`` that asks the entry's input maker for an array
ARRAY = "<array>"

#: the options every public loss takes after its own: (name, annotation, default)
COMMON = (("reduction", "str", "mean"), ("sample_weight", "Any", None), ("axis_name", "AxisName", None))


@dataclass(frozen=True)
class Entry:
    """One loss of the catalogue."""

    name: str
    #: the public function, or its two-array form for a loss of one array
    fn: Callable[..., Any]
    family: str
    #: ``make(rng, options) -> (y_true, y_pred, options)``: float64 NumPy inputs,
    #: with every ``ARRAY`` option replaced by an array
    make: Callable[[Any, dict], tuple]
    option_sets: tuple[dict, ...]
    formula: str
    #: native equivalents, by framework
    natives: dict[str, str] = field(default_factory=dict)
    #: the spec (options, checks, flags)
    spec: Spec | None = None


#: every declared loss, in declaration order
DECLARED: list[Entry] = []


def loss(family: str, *, formula: str, make: Callable, cases: tuple[dict, ...],
         natives: dict[str, str] | None = None, checks: dict[str, Callable] | None = None,
         arrays: tuple[str, ...] = (), traced: tuple[str, ...] = (), saturate: bool = False,
         fuses_reduction: bool = False,
         inputs: tuple[str, ...] = ("y_true", "y_pred"), name: str | None = None) -> Callable:
    """Declare a loss: see the module docstring."""

    def declare(fn: Callable) -> Callable:
        spec_name = name or fn.__name__
        params = [p for p in inspect.signature(fn).parameters.values() if p.kind is p.KEYWORD_ONLY]
        missing = [p.name for p in params if p.default is p.empty and p.name not in inputs]
        if missing:
            raise TypeError(f"{spec_name}: options {missing} need a default")
        spec = Spec(spec_name, fn, arrays=tuple(arrays), traced=tuple(traced),
                    fuses_reduction=fuses_reduction,
                    saturate=saturate, checks=tuple((checks or {}).items()), unary=len(inputs) == 1)
        module = sys.modules[fn.__module__]
        public = _generate(spec, fn, params, inputs, module.__dict__)
        module.__dict__.setdefault("__all__", []).append(spec_name)  # `from family import *`
        register(spec, public)
        entry_fn = public
        if len(inputs) == 1:
            entry_fn = _two_array_form(public)
            register(spec, entry_fn)  # registered last: value_and_grad calls the two-array form
        DECLARED.append(Entry(spec_name, entry_fn, family, make, tuple(cases), formula,
                              dict(natives or {}), spec))
        return public

    return declare


def _generate(spec: Spec, fn: Callable, params: list, inputs: tuple[str, ...], ns: dict) -> Callable:
    """The public function's source, compiled in the family module's namespace
    (so its doctest is found there), closing over the spec and the defaults."""
    extra = inputs[2:] if len(inputs) > 1 else ()
    opts = [p for p in params if p.name not in extra]
    sig = [f"{n}: Any" for n in inputs] + ["*"]
    defaults = {}
    for p in opts:
        defaults[p.name] = p.default
        sig.append(f"{p.name}: {_ann(p)} = __d[{p.name!r}]")
    sig += [f"{n}: {a} = {d!r}" for n, a, d in COMMON]
    body = ", ".join(f"{n!r}: {n}" for n in [*extra, *(p.name for p in opts)])
    y_true, y_pred = ("None", inputs[0]) if len(inputs) == 1 else inputs[:2]
    src = (f"def __make(__spec, __run, __d):\n"
           f"    def {spec.name}({', '.join(sig)}) -> Array:\n"
           f"        return __run(__spec, {y_true}, {y_pred}, reduction, sample_weight, {{{body}}}, "
           f"axis_name=axis_name)\n"
           f"    return {spec.name}\n")
    local: dict = {}
    exec(compile(src, f"<lossbridge declaration of {spec.name}>", "exec"), ns, local)  # noqa: S102
    public = local["__make"](spec, run, defaults)
    public.__doc__ = fn.__doc__
    public.__qualname__ = spec.name
    public.spec = spec
    return public


def _ann(p: inspect.Parameter) -> str:
    a = p.annotation
    return "Any" if a is p.empty else a if isinstance(a, str) else getattr(a, "__name__", str(a))


def _two_array_form(public: Callable) -> Callable:
    """``pair(None, x, **options) = public(x, **options)``: what the registry
    and ``value_and_grad`` call for a loss of one array."""
    name = public.__name__

    def pair(y_true: Any, y_pred: Any, **options: Any) -> Any:
        no_target(y_true, name)
        return public(y_pred, **options)

    params = list(inspect.signature(public).parameters.values())
    P = inspect.Parameter
    pair.__signature__ = inspect.signature(public).replace(parameters=[
        P("y_true", P.POSITIONAL_OR_KEYWORD), params[0].replace(name="y_pred"), *params[1:]])
    pair.__name__ = pair.__qualname__ = name
    pair.__doc__ = public.__doc__
    pair.spec = public.spec
    return pair
