"""The bad-input catalogue: one table of bad calls, each run on NumPy, torch,
TensorFlow (eager) and JAX (eager) for every registry loss it applies to.

``CASES`` is the table. Each record names the case, the losses it applies to
(a predicate over the registry's public functions), an input builder (small
NumPy inputs, converted to each backend by the harness), and the expected
outcome: an exception type with a regex its message must match, or a
behaviour (a check on the result). Some cases expect a different outcome per
backend (two frameworks in one call: NumPy beside a framework array is host
data, not an error) or run only where they mean something (``jax.jit`` and
``tf.function`` cases).

``docs/bad-input.md`` is generated from this table::

    PYTHONPATH=. python tests/test_bad_input.py        # rewrite docs/bad-input.md

and ``test_doc_is_current`` fails when the file is stale.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
from _fw import FRAMEWORKS, Fw, convert  # noqa: E402

from losses._registry import REGISTRY  # noqa: E402

ENTRIES = {e.name: e for e in REGISTRY}
NAMES = tuple(ENTRIES)
BACKENDS = ("numpy", "torch", "tensorflow", "jax")
N, C, K = 3, 4, 2  # batch, classes, element-wise width
DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "bad-input.md")

# --- the losses by input kind ------------------------------------------------

#: the kind of inputs a loss takes follows from its declared input maker
_KINDS = {"dense": ("make_dense", "make_focal_dense", "make_distributions", "make_segmentation"),
          "sparse": ("make_sparse", "make_log_probs", "make_focal_sparse"),
          "binary": ("make_binary",),
          "real": ("make_real", "make_rates", "make_poisson_nll", "make_gaussian"),
          "unary": ("make_single", "make_joint"),
          # --- margin ---
          "margin": ("make_signs", "make_embedding", "make_multilabel", "make_multilabel_soft")}
_KINDS["dense"] += ("make_one_hot_scores",)
_KINDS["sparse"] += ("make_class_scores",)
# --- structured ---
_KINDS["sparse"] += ("make_sparse_scores",)
_KINDS["binary"] += ("make_binary_scores",)
# --- similarity ---
_KINDS["real"] += ("make_pairs", "make_embedding_pairs", "make_triplets")
# --- contrastive ---
_KINDS["groups"] = ("make_groups",)
_KINDS["real"] += ("make_ranking",)  # relevance labels and scores, one shape
# --- sequence ---
_KINDS["sequence"] = ("make_ctc",)


def _of_kind(kind: str) -> tuple[str, ...]:
    return tuple(e.name for e in REGISTRY if e.make.__name__ in _KINDS[kind])


DENSE, SPARSE, BINARY, REAL, UNARY = map(_of_kind, ("dense", "sparse", "binary", "real", "unary"))
MARGIN = _of_kind("margin")
GROUPS = _of_kind("groups")  # [N] group labels, [N, D] embeddings (batch losses)
SEQUENCE = _of_kind("sequence")  # labels [N, S], logits [N, T, C] (CTC)
assert sorted(DENSE + SPARSE + BINARY + REAL + UNARY + MARGIN + GROUPS + SEQUENCE) == sorted(NAMES), \
    "a registry loss has an input maker this table does not know: add it to _KINDS"
TWO_INPUT = DENSE + SPARSE + BINARY + REAL + MARGIN + GROUPS
#: losses whose ``y_pred`` holds probabilities by default (Keras' clip rule)
CLIPPED = ("categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
           "binary_focal_crossentropy", "categorical_focal_crossentropy",
           "sparse_categorical_focal_crossentropy", "poly1_crossentropy", "kl_divergence")


def takes(option: str) -> Callable[[str], bool]:
    """The losses whose public function has ``option``."""
    return lambda name: option in inspect.signature(ENTRIES[name].fn).parameters


def among(*names: str) -> Callable[[str], bool]:
    return lambda name: name in names


def every(name: str) -> bool:
    return True


# --- valid base inputs (float64 NumPy), one builder per loss ------------------


def _probs(rng: np.random.Generator, shape: tuple, ax: int = -1) -> np.ndarray:
    z = rng.normal(size=shape)
    e = np.exp(z - z.max(ax, keepdims=True))
    return e / e.sum(ax, keepdims=True)


def base(name: str, n: int = N, c: int = C, k: int = K, axis: int = -1) -> tuple:
    """``(y_true, y_pred, options)``: a small valid call of loss ``name`` with
    batch ``n``; ``c`` classes (class losses, along ``axis``; ``axis=1`` makes
    a ``[n, c, 5]`` K-dim layout) or ``k`` columns (element-wise losses)."""
    rng = np.random.default_rng(NAMES.index(name))
    kdim = axis == 1
    shape = (n, c, 5) if kdim else (n, c)
    per = (n, 5) if kdim else (n,)
    opts: dict = {"axis": 1} if kdim else {}
    if name in DENSE:
        if name == "categorical_crossentropy" or name == "categorical_focal_crossentropy" \
                or name == "poly1_crossentropy":
            y = np.moveaxis(np.eye(c)[rng.integers(0, c, per)], -1, 1 if kdim else -1)
        else:
            y = _probs(rng, shape, 1 if kdim else -1)
        if name in ("dice", "tversky"):  # a loss per row (their default, axis=None, sums the batch)
            opts.setdefault("axis", -1)
        return y, _probs(rng, shape, 1 if kdim else -1), opts
    if name in SPARSE:
        labels = rng.integers(0, c, per)
        p = _probs(rng, shape, 1 if kdim else -1)
        return labels, (np.log(p) if name == "nll_loss" else p), opts
    if name in BINARY:
        y = (rng.uniform(size=(n, k)) < 0.5) * 1.0
        z = rng.normal(size=(n, k))
        return y, (z if name == "sigmoid_focal_loss" else 1.0 / (1.0 + np.exp(-z))), {}
    if name in REAL:
        if ENTRIES[name].make.__name__ in ("make_rates", "make_poisson_nll"):
            rate = rng.uniform(0.5, 3.0, (n, k))
            return rng.integers(0, 4, (n, k)) * 1.0, (np.log(rate) if name == "poisson_nll" else rate), {}
        y = rng.normal(size=(n, k))
        o = {"var": rng.uniform(0.5, 2.0, (n, k))} if name == "gaussian_nll" else {}
        o = {"target": np.where(rng.uniform(size=n) < 0.5, 1.0, -1.0)} if name == "cosine_embedding" else o
        o = {"negative": rng.normal(size=(n, k))} if name == "triplet_margin" else o
        return y, y + rng.normal(size=(n, k)), o
    if name in MARGIN:  # labels +-1 and scores; class indices then -1; multi-hot targets
        x = rng.normal(size=(n, k))
        if name == "multilabel_margin":  # c classes, one target each
            return np.where(np.arange(c) == 0, rng.integers(0, c, (n, c)), -1), rng.normal(size=(n, c)), {}
        if name == "multilabel_soft_margin":
            return (rng.uniform(size=(n, c)) < 0.5) * 1.0, rng.normal(size=(n, c)), {}
        o = {"input2": rng.normal(size=(n, k))} if name == "margin_ranking" else {}
        return rng.choice([-1.0, 1.0], (n, k)), x, o
    if name in GROUPS:  # group labels (a pair and the rest), embeddings
        return np.arange(n) // 2, rng.normal(size=(n, c)), {}
    if name in SEQUENCE:  # n sequences of 6 steps, 2 labels each
        return rng.integers(1, c, (n, 2)), rng.normal(size=(n, 6, c)), {}
    if name == "entropy":
        return None, rng.uniform(0.1, 2.0, shape), opts
    return None, rng.uniform(0.1, 2.0, (n, 3, c)), {}  # a batch of joint tables


# --- expected outcomes ----------------------------------------------------------


@dataclass(frozen=True)
class Raises:
    """``exc`` whose message matches every regex of ``parts`` (each may hold
    ``{t}``/``{p}``: the escaped shapes of ``y_true``/``y_pred``)."""

    exc: type
    parts: tuple[str, ...]
    label: str = ""

    def regex(self, y_true: Any = None, y_pred: Any = None) -> str:
        t = re.escape(str(tuple(np.shape(y_true)))) if y_true is not None else ""
        p = re.escape(str(tuple(np.shape(y_pred)))) if y_pred is not None else ""
        return "(?s)" + "".join(f"(?=.*(?:{q.format(t=t, p=p)}))" for q in self.parts)

    @property
    def outcome(self) -> str:
        return self.label or self.exc.__name__


@dataclass(frozen=True)
class Behaves:
    """No error; ``check(result, ctx)`` asserts the documented behaviour."""

    label: str
    check: Callable[[Any, dict], None]

    @property
    def outcome(self) -> str:
        return self.label


NA = None  # the case does not run on that backend


@dataclass(frozen=True)
class Case:
    name: str
    applies: Callable[[str], bool]
    #: ``build(loss) -> (y_true, y_pred, options)`` in NumPy
    build: Callable[[str], tuple]
    expect: Raises | Behaves | dict  # one outcome, or one per backend (NA: not run there)
    #: how the call is made: "eager" (a plain call), "jax.jit" or "tf.function"
    mode: str = "eager"
    #: the arrays of the call, per backend, when not the plain conversion
    convert: Callable[[Fw, str, tuple], tuple] | None = None
    #: the doc's message example, when it cannot be produced on NumPy
    example: str = ""
    note: str = ""

    def losses(self) -> tuple[str, ...]:
        return tuple(n for n in NAMES if self.applies(n))

    def outcome(self, backend: str) -> Raises | Behaves | None:
        return self.expect.get(backend, NA) if isinstance(self.expect, dict) else self.expect


def _fn(name: str) -> Callable:
    return ENTRIES[name].fn


def _to(fw: Fw, x: Any) -> Any:
    return convert(fw, x, "float64")


def _call(fw: Fw, name: str, args: tuple) -> Any:
    y, p, opts = args
    return _fn(name)(_to(fw, y), _to(fw, p), **{k: _to(fw, v) for k, v in opts.items()})


def _np(fw: Fw, x: Any) -> np.ndarray:
    return np.asarray(fw.back(x), dtype=np.float64)


# --- builders ---------------------------------------------------------------------


def _with(**extra: Any) -> Callable[[str], tuple]:
    def build(name: str) -> tuple:
        y, p, o = base(name)
        return y, p, {**o, **extra}

    return build


def _batch_mismatch(name: str) -> tuple:
    _, p, o = base(name)
    y, _, _ = base(name, n=N + 1)
    return y, p, o


def _last_dim_mismatch(name: str) -> tuple:
    _, p, o = base(name)
    y, _, _ = base(name, c=C + 1, k=K + 1)
    return y, p, o


def _kdim_channels_last(name: str) -> tuple:
    """``y_pred`` ``[N, C, 5]`` with ``axis=1`` (torch's layout) but ``y_true``
    laid out channels-last: ``[N, 5, C]`` targets, ``[N, C]`` labels."""
    y, p, o = base(name, axis=1)
    y = np.moveaxis(y, 1, -1) if name in DENSE else y[:, :C]
    return y, p, o


def _labels(*values: Any, **extra: Any) -> Callable[[str], tuple]:
    def build(name: str) -> tuple:
        _, p, o = base(name)
        return np.array(values), p, {**o, **extra}

    return build


def _int_pred(name: str) -> tuple:
    y, p, o = base(name)
    return y, np.round(p * 3).astype(np.int64), o


def _sample_weight_bad(name: str) -> tuple:
    y, p, o = base(name)
    return y, p, {**o, "sample_weight": np.ones(N + 1)}


def _class_weight_bad(name: str) -> tuple:
    y, p, o = base(name)
    return y, p, {**o, "class_weight": np.ones(C + 1)}


def _alpha_bad(name: str) -> tuple:
    y, p, o = base(name)
    return y, p, {**o, "alpha": np.full(C + 1, 0.25)}


def _pos_weight_bad(name: str) -> tuple:
    y, p, o = base(name)
    return y, p, {**o, "pos_weight": np.ones(K + 1)}


def _bad_epsilon(name: str) -> tuple:
    y, p, o = base(name)
    return y, p, {**o, ("eps" if "eps" in inspect.signature(_fn(name)).parameters else "epsilon"): -1e-3}


def _axis_bad(name: str) -> tuple:
    y, p, o = base(name)
    return y, p, {**o, "axis": 2}


def _probs_outside(name: str) -> tuple:
    """Two classes (columns) whose probabilities sum to 1 but leave [0, 1]."""
    y, _, o = base(name, c=2, k=2)
    p = np.array([[1.25, -0.25], [0.5, 0.5], [-0.5, 1.5]])
    return y, p, o


def _nan_at(where: str) -> Callable[[str], tuple]:
    def build(name: str) -> tuple:
        y, p, o = base(name)
        if where == "y_pred":
            p = p.copy()
            # nll and the generalized cross-entropy read the target's entry only
            p[0, y[0] if name in ("nll_loss", "generalized_cross_entropy") else 0] = np.nan
        elif where == "y_true":
            y = y.copy()
            y[0, 0] = np.nan
        elif where == "labels":
            y = y.astype(np.float64)
            y[0] = np.nan
        else:
            o = {**o, "sample_weight": np.array([np.nan] + [1.0] * (N - 1))}
        return y, p, o

    return build


def _first_negative(name: str) -> tuple:
    """Distribution 0 of the batch all negative; ``reduction="none"``."""
    y, p, o = base(name)
    p = p.copy()
    p[0] = -p[0]
    return y, p, {**o, "reduction": "none"}


def _inf_pred(name: str) -> tuple:
    y, p, o = base(name)
    p = p.copy()
    p[0, 0] = np.inf
    return y, p, o


def _empty(name: str) -> tuple:
    return base(name, n=0)


def _multilabel_bad(value: int, reduction: str = "mean") -> Callable[[str], tuple]:
    """Multi-label targets whose row 0 names class ``value`` (out of range)."""
    def build(name: str) -> tuple:
        y, p, o = base(name)
        y = y.copy()
        y[0, 0] = value
        return y, p, {**o, "reduction": reduction}

    return build


#: an out-of-range value of each option that may be an array or a traced value
_TRACED_BAD = {"huber": {"delta": -1.0}, "sigmoid_focal_loss": {"gamma": -1.0},
               "poly1_crossentropy": {"poly_epsilon": np.nan}}
TRACED = tuple(_TRACED_BAD)


def _traced_option(name: str) -> tuple:
    y, p, o = base(name)
    return y, p, {**o, **{k: np.asarray(v) for k, v in _TRACED_BAD[name].items()}}


def _logits_at(value: float) -> Callable[[str], tuple]:
    """Logits (``from_logits=True``) whose row 0 has ``value`` on its label's
    class (``-inf``) or on another class (``+inf``); ``reduction="none"``."""
    def build(name: str) -> tuple:
        y, p, o = base(name)
        z = np.log(p)
        label = int(y[0]) if y.ndim == 1 else int(np.argmax(y[0]))
        z[0, label if value < 0 else (label + 1) % C] = value
        return y, z, {**o, "from_logits": True, "reduction": "none"}

    return build


# --- checks of behaviours ------------------------------------------------------------


def _is_nan(v: Any, ctx: dict) -> None:
    a = _np(ctx["fw"], v)
    assert a.shape == () and np.isnan(a), f"expected NaN, got {a!r}"


def _not_finite(v: Any, ctx: dict) -> None:
    a = _np(ctx["fw"], v)
    assert a.shape == () and not np.isfinite(a), f"expected inf or NaN, got {a!r}"


def _all_nan(v: Any, ctx: dict) -> None:
    a = _np(ctx["fw"], v)
    assert np.isnan(a).all(), f"expected NaN, got {a!r}"


def _first_is(exact: float) -> Callable[[Any, dict], None]:
    """Row 0 is ``exact`` (``inf``, or NaN), the other rows finite."""
    def check(v: Any, ctx: dict) -> None:
        a = _np(ctx["fw"], v)
        assert (np.isnan(a[0]) if np.isnan(exact) else a[0] == exact), a
        assert np.isfinite(a[1:]).all(), a

    return check


def _clip_rule(v: Any, ctx: dict) -> None:
    """Finite; the same value on every backend (NumPy's); and, for the losses
    that clip ``y_pred`` without using it elsewhere, the loss of the clipped
    probabilities (``[epsilon, 1 - epsilon]``, KL's ``[epsilon, 1]``)."""
    fw, name, (y, p, o) = ctx["fw"], ctx["loss"], ctx["args"]
    a = _np(fw, v)
    assert np.isfinite(a), a
    ref = np.asarray(_fn(name)(y, p, **o), dtype=np.float64)
    np.testing.assert_allclose(a, ref, rtol=1e-12)
    if name != "poly1_crossentropy":  # its poly term uses the unclipped p
        hi = 1.0 if name == "kl_divergence" else 1.0 - 1e-7
        clipped = np.asarray(_fn(name)(y, np.clip(p, 1e-7, hi), **o), dtype=np.float64)
        np.testing.assert_allclose(a, clipped, rtol=1e-6)


def _empty_rule(v: Any, ctx: dict) -> None:
    """``"mean"`` (the result here) is NaN; ``"sum"`` is 0, ``"none"`` an empty
    array and ``"sum_over_batch_size"`` NaN (called here)."""
    fw, name, (y, p, o) = ctx["fw"], ctx["loss"], ctx["args"]
    a = _np(fw, v)
    assert a.shape == () and np.isnan(a), a
    s = _np(fw, _call(fw, name, (y, p, {**o, "reduction": "sum"})))
    assert s.shape == () and s == 0.0, s
    sob = _np(fw, _call(fw, name, (y, p, {**o, "reduction": "sum_over_batch_size"})))
    assert np.isnan(sob), sob
    none = _np(fw, _call(fw, name, (y, p, {**o, "reduction": "none"})))
    assert none.size == 0 and none.shape[0] == 0, none.shape


def _poisoned(v: Any, ctx: dict) -> None:
    """``reduction="none"``: element 1 (the bad label) NaN, the others equal
    to the eager loss of the same call with that label made valid."""
    fw, name, (y, p, o) = ctx["fw"], ctx["loss"], ctx["args"]
    a = _np(fw, v)
    assert np.isnan(a[1]), a
    good = y.copy()
    good[1] = 0
    ref = np.asarray(_fn(name)(good, p, **o), dtype=np.float64)
    np.testing.assert_allclose(a[[0, 2]], ref[[0, 2]], rtol=1e-10)


def _first_nan(v: Any, ctx: dict) -> None:
    """``reduction="none"``: distribution 0 (the one with a negative entry) NaN,
    the others equal to the eager loss."""
    fw, name, (y, p, o) = ctx["fw"], ctx["loss"], ctx["args"]
    a = _np(fw, v)
    assert np.isnan(a[0]), a
    np.testing.assert_allclose(a[1:], np.asarray(_fn(name)(y, np.abs(p), **o))[1:], rtol=1e-10)


# --- two frameworks -------------------------------------------------------------------

OTHER = {"numpy": "torch", "torch": "jax", "tensorflow": "torch", "jax": "tensorflow"}
INSTALLED = {f.name for f in FRAMEWORKS}


def _fw(name: str) -> Fw:
    return next(f for f in FRAMEWORKS if f.name == name and f.device.lower().startswith("cpu"))


def _mixed_convert(fw: Fw, name: str, args: tuple) -> tuple:
    """``y_pred`` on ``fw``; ``y_true`` (or, for a one-distribution loss,
    ``sample_weight``) on another framework."""
    y, p, o = args
    other = _fw(OTHER[fw.name])
    if name in UNARY:
        return None, _to(fw, p), {**{k: _to(fw, v) for k, v in o.items()},
                                  "sample_weight": other.to(np.ones(N), "float64")}
    return _to(other, y), _to(fw, p), {k: _to(fw, v) for k, v in o.items()}


def _numpy_beside_torch(v: Any, ctx: dict) -> None:
    import torch

    assert isinstance(v, torch.Tensor), type(v)
    y, p, o = ctx["args"]
    ref = np.asarray(_fn(ctx["loss"])(y, p, **o), dtype=np.float64)
    np.testing.assert_allclose(v.numpy(), ref, rtol=1e-12)


# --- the catalogue -------------------------------------------------------------------

SHAPE = ("y_true|x1|anchor", "{t}", "y_pred|mean|input1|x2|positive", "{p}")
CASES: tuple[Case, ...] = (
    # --- sequence --- (CTC: lengths and labels)
    Case("input_lengths > T", among(*SEQUENCE), _with(input_lengths=np.array([7, 6, 6])),
         Raises(ValueError, ("`input_lengths`", "7", r"\[0, 6\]"))),
    Case("negative label_lengths", among(*SEQUENCE), _with(label_lengths=np.array([2, -1, 2])),
         Raises(ValueError, ("`label_lengths`", "-1", r"\[0, 2\]"))),
    Case("CTC label = C (out of range)", among(*SEQUENCE), lambda n: (lambda b: (b[0] * 0 + C, b[1], {}))(base(n)),
         Raises(ValueError, ("`y_true`", "invalid labels", r"\[0, 4\)"))),
    # shapes
    Case("batch size of y_true != y_pred's", among(*TWO_INPUT), _batch_mismatch,
         Raises(ValueError, SHAPE)),
    Case("class count / width of y_true != y_pred's", among(*DENSE, *BINARY, *REAL, *MARGIN),
         _last_dim_mismatch, Raises(ValueError, SHAPE)),
    Case("K-dim layout (axis=1), y_true channels-last", among(*DENSE, *SPARSE),
         _kdim_channels_last, Raises(ValueError, SHAPE)),
    Case("sample_weight of the wrong shape", every, _sample_weight_bad,
         Raises(ValueError, ("`sample_weight`", r"\(4,\)", "does not broadcast"))),
    Case("class_weight of the wrong length", takes("class_weight"), _class_weight_bad,
         Raises(ValueError, ("`class_weight`", "length 4", r"\(5,\)"))),
    Case("alpha (per class) of the wrong length", among("categorical_focal_crossentropy",
                                                       "sparse_categorical_focal_crossentropy"),
         _alpha_bad, Raises(ValueError, ("`alpha`", "length 4", r"\(5,\)"))),
    Case("pos_weight of the wrong shape", takes("pos_weight"), _pos_weight_bad,
         Raises(ValueError, ("`pos_weight`", r"\(3,\)", "does not broadcast", r"\(3, 2\)"))),
    # labels
    Case("sparse label = C (out of range)", among(*SPARSE), _labels(0, C, 1),
         Raises(ValueError, ("`y_true`", r"label 4\b", r"\[0, 3\]"))),
    Case("sparse label = -1, no ignore_index", among(*SPARSE), _labels(0, -1, 1),
         Raises(ValueError, ("`y_true`", "label -1", r"\[0, 3\]"))),
    Case("sparse label = -1, ignore_index=-100", lambda n: n in SPARSE and takes("ignore_index")(n),
         _labels(0, -1, 1, ignore_index=-100),
         Raises(ValueError, ("`y_true`", "label -1", r"\[0, 3\]", "ignore_index=-100"))),
    Case("sparse label = C under jax.jit", among(*SPARSE), _labels(0, C, 1, reduction="none"),
         {"jax": Behaves("element NaN", _poisoned)}, mode="jax.jit",
         note="nothing can raise under tracing: that element's loss is NaN, the others exact"),
    Case("sparse label = -1 under jax.jit", among(*SPARSE), _labels(0, -1, 1, reduction="none"),
         {"jax": Behaves("element NaN", _poisoned)}, mode="jax.jit",
         note="as above: that element NaN, the others exact"),
    Case("sparse label = C under tf.function", among(*SPARSE), _labels(0, C, 1, reduction="none"),
         {"tensorflow": Behaves("element NaN", _poisoned)}, mode="tf.function",
         note="as under jax.jit: that element NaN, the others exact"),
    Case("sparse label = -1 under tf.function", among(*SPARSE), _labels(0, -1, 1, reduction="none"),
         {"tensorflow": Behaves("element NaN", _poisoned)}, mode="tf.function",
         note="as under jax.jit: that element NaN, the others exact"),
    Case("fractional float labels", among(*SPARSE), _labels(0.0, 1.5, 2.0),
         Raises(ValueError, ("`y_true`", "fractional", "1.5"))),
    Case("NaN float label", among(*SPARSE), _nan_at("labels"),
         Raises(ValueError, ("`y_true`", "fractional", "nan"))),
    # dtypes
    Case("integer y_pred", every, _int_pred,
         Raises(ValueError, ("`y_pred`", "floating-point", "int64")),
         note="never cast silently: integer logits/probabilities are almost always a bug"),
    # options
    Case("unknown reduction", every, _with(reduction="avg"),
         Raises(ValueError, ("`reduction`", "'mean'", "'avg'"))),
    Case("label_smoothing > 1", takes("label_smoothing"), _with(label_smoothing=1.5),
         Raises(ValueError, ("`label_smoothing`", r"\[0, 1\]", "1.5"))),
    Case("label_smoothing < 0", takes("label_smoothing"), _with(label_smoothing=-0.1),
         Raises(ValueError, ("`label_smoothing`", r"\[0, 1\]", "-0.1"))),
    Case("from_logits not a bool", takes("from_logits"), _with(from_logits="yes"),
         Raises(ValueError, ("`from_logits`", "True or False", "'yes'"))),
    Case("unknown smoothing form", takes("smoothing"), _with(smoothing="keras"),
         Raises(ValueError, ("`smoothing`", "'standard', 'additive'", "'keras'"))),
    Case("ignore_index not an integer", takes("ignore_index"), _with(ignore_index=1.5),
         Raises(ValueError, ("`ignore_index`", "integer or None", "1.5"))),
    Case("axis out of range", takes("axis"), _axis_bad,
         Raises(ValueError, ("`axis`=2", "out of range", r"\[-2, 1\]"))),
    Case("x_axis out of range", takes("x_axis"), _with(x_axis=3),
         Raises(ValueError, ("`x_axis`=3", "out of range", r"\[-3, 2\]"))),
    Case("gamma < 0", takes("gamma"), _with(gamma=-1.0),
         Raises(ValueError, ("`gamma`", r"\[0, inf", "-1.0"))),
    Case("alpha > 1", among("binary_focal_crossentropy", "sigmoid_focal_loss",
                            "categorical_focal_crossentropy", "sparse_categorical_focal_crossentropy"),
         _with(alpha=1.5), Raises(ValueError, ("`alpha`", "1]", "1.5"))),
    Case("delta <= 0", takes("delta"), _with(delta=0.0),
         Raises(ValueError, ("`delta`", r"\(0, inf\)", "0.0"))),
    Case("beta < 0", takes("beta"), _with(beta=-1.0),
         Raises(ValueError, ("`beta`", r"\[0, inf\)", "-1.0"))),
    Case("epsilon / eps < 0", lambda n: takes("epsilon")(n) or takes("eps")(n), _bad_epsilon,
         Raises(ValueError, ("`eps(ilon)?`", r"[\[(]0, ", "-0.001"))),
    Case("log_min > 0", takes("log_min"), _with(log_min=1.0),
         Raises(ValueError, ("`log_min`", r"\(-inf, 0\)", "1.0"))),
    Case("negative variance", takes("var"), lambda n: (lambda b: (b[0], b[1], {"var": -b[2]["var"]}))(base(n)),
         Raises(ValueError, ("`var`", "non-negative", "-"))),
    # probabilities outside [0, 1]
    Case("probabilities outside [0, 1] (from_logits=False)", among(*CLIPPED), _probs_outside,
         Behaves("clipped (finite)", _clip_rule),
         note="Keras' rule: probabilities are clipped to [epsilon, 1 - epsilon] (KL: [epsilon, 1]); "
              "the class losses renormalise over the class axis first; poly-1's polynomial term uses "
              "the unclipped p"),
    Case("probabilities outside [0, 1], log_min (torch's BCELoss rule)", takes("log_min"),
         lambda n: (lambda b: (b[0], b[1], {"log_min": -100.0}))(_probs_outside(n)),
         Raises(ValueError, ("`y_pred`", "1.25", r"\[0, 1\]"))),
    Case("negative weights in a distribution", among("entropy", "js_divergence", *UNARY[1:]),
         lambda n: (lambda b: (b[0], b[1] - 1.0, b[2]))(base(n)),
         Raises(ValueError, ("`(y_pred|p|joint)`", "non-negative", "-"))),
    Case("negative weights in a distribution under jax.jit", among("entropy", "mutual_information"),
         _first_negative,
         {"jax": Behaves("distribution NaN", _first_nan)}, mode="jax.jit",
         note="nothing can raise under tracing: that distribution's value is NaN, the others exact"),
    Case("negative target probability (kl_divergence, log_input)", among("kl_divergence"),
         lambda n: (lambda b: (b[0] * np.array([[-1.0, 1.0, 1.0, 1.0]]), np.log(b[1]),
                               {"log_input": True}))(base(n)),
         Behaves("NaN", _is_nan), note="log of a negative probability, as torch's kl_div"),
    # two frameworks
    Case("arrays of two frameworks in one call", every, lambda n: base(n),
         {"numpy": Behaves("converted (NumPy is host data)", _numpy_beside_torch),
          **{b: Raises(TypeError, (b, OTHER[b], "y_pred", "y_true|sample_weight"))
             for b in BACKENDS[1:]}},
         convert=_mixed_convert,
         example="lossbridge: arrays of two frameworks in one call: `y_true` is a torch array "
                 "(torch.Tensor) and `y_pred` is a jax array (jaxlib._jax.ArrayImpl); convert "
                 "them to one framework first",
         note="NumPy arrays (and Python lists) beside one framework's arrays are converted to it"),
    # NaN / inf
    Case("NaN in y_pred", every, _nan_at("y_pred"), Behaves("NaN", _is_nan),
         note="nll_loss reads only the target's log-probability (as torch's nll_loss): the NaN is put there"),
    Case("NaN in y_true", among(*DENSE, *BINARY, *REAL,
                                *(n for n in MARGIN if n not in ("multilabel_margin", "hinge_embedding"))),
         _nan_at("y_true"), Behaves("NaN", _is_nan),
         note="sparse labels: see 'NaN float label'; hinge_embedding counts a label that is neither "
              "1 nor -1 (NaN too) in both terms, as torch: its loss stays that of the distance"),
    Case("NaN in sample_weight", every, _nan_at("sample_weight"), Behaves("NaN", _is_nan),
         note="the weighted element's loss is NaN, so is the mean"),
    Case("+inf in y_pred (regression)", among(*REAL), _inf_pred, Behaves("inf or NaN", _not_finite),
         note="never finite. (Class losses: a logit of -inf is a valid masked class and gives a finite "
              "loss; a probability of inf follows the clip rule above)"),
    # options as arrays and traced values (optax's), non-finite inputs (issue 15)
    Case("option out of range, a concrete array", among(*TRACED), _traced_option,
         Raises(ValueError, ("`(delta|gamma|poly_epsilon)` must hold numbers in",))),
    Case("option out of range, traced under jax.jit", among(*TRACED), _traced_option,
         {"jax": Behaves("NaN", _all_nan)}, mode="jax.jit+options",
         note="the option is a traced argument: nothing can raise, the loss is NaN, never a number"),
    Case("option out of range, traced under tf.function", among(*TRACED), _traced_option,
         {"tensorflow": Behaves("NaN", _all_nan)}, mode="tf.function+options", note="as under jax.jit"),
    Case("non-finite option (gamma = inf)", takes("gamma"), _with(gamma=np.inf),
         Raises(ValueError, ("`gamma` must be a finite number",))),
    Case("logit -inf under the label (from_logits)",
         among("sparse_categorical_crossentropy", "categorical_crossentropy"), _logits_at(-np.inf),
         Behaves("+inf", _first_is(np.inf)), note="the exact loss is infinite: never saturated to a number"),
    Case("logit +inf on another class (from_logits)",
         among("sparse_categorical_crossentropy", "categorical_crossentropy"), _logits_at(np.inf),
         Behaves("NaN", _first_is(np.nan)), note="inf - inf in the log-sum-exp: undefined, as every framework"),
    # --- margin ---
    Case("multi-label target outside [-1, C)", among("multilabel_margin"), _multilabel_bad(-2),
         Raises(ValueError, ("`y_true`", "-2", r"\[0, 3\] or -1"))),
    Case("multi-label target = C under jax.jit", among("multilabel_margin"), _multilabel_bad(C, "none"),
         {"jax": Behaves("example NaN", _first_is(np.nan))}, mode="jax.jit",
         note="nothing can raise under tracing: that example's loss is NaN, the others exact"),
    Case("margin not finite", takes("margin"), _with(margin=np.nan),
         Raises(ValueError, ("`margin`", "nan"))),
    Case("p not 1 or 2", among("multi_margin"), _with(p=3),
         Raises(ValueError, ("`p` must be 1 or 2", "3"))),
    Case("p not positive", among("triplet_margin"), _with(p=0.0),
         Raises(ValueError, (r"`p` must be in \(0, inf\)", "got 0"))),
    # empty batch
    Case("empty batch (N = 0)", every, _empty,
         Behaves("mean: NaN, sum: 0, none: empty", _empty_rule),
         note="mean and sum_over_batch_size of nothing are NaN (0/0, as torch), sum is 0, "
              "none returns the empty per-element array"),
)


def _params() -> list:
    out = []
    for case in CASES:
        for name in case.losses():
            for fw in FRAMEWORKS:
                if case.convert is _mixed_convert and OTHER[fw.name] not in INSTALLED:
                    continue  # a one-framework environment (tox -e torch ...): CI has all four
                if case.outcome(fw.name) is not NA:
                    out.append(pytest.param(case, name, fw, id=f"{case.name}-{name}-{fw.id}"))
    return out


def _run(case: Case, name: str, fw: Fw, args: tuple) -> Any:
    if case.mode == "eager":
        if case.convert is not None:
            y, p, o = case.convert(fw, name, args)
            return _fn(name)(y, p, **o)
        return _call(fw, name, args)
    y, p, o = args
    y, p = _to(fw, y), _to(fw, p)
    o = {k: _to(fw, v) for k, v in o.items()}
    traced = {k: v for k, v in o.items() if case.mode.endswith("+options") and k in _TRACED_BAD.get(name, {})}
    fixed = {k: v for k, v in o.items() if k not in traced}
    if case.mode.startswith("jax.jit"):
        import jax

        return jax.jit(lambda q, t: _fn(name)(y, q, **fixed, **t))(p, traced)
    import tensorflow as tf

    return tf.function(lambda q, t: _fn(name)(y, q, **fixed, **t))(p, traced)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case,name,fw", _params())
def test_bad_input(case: Case, name: str, fw: Fw) -> None:
    args = case.build(name)
    expect = case.outcome(fw.name)
    if isinstance(expect, Raises):
        with pytest.raises(expect.exc, match=expect.regex(args[0], args[1])):
            _run(case, name, fw, args)
    else:
        expect.check(_run(case, name, fw, args), {"fw": fw, "loss": name, "args": args})


# --- the generated doc -------------------------------------------------------------


def _example(case: Case) -> str:
    if case.example:
        return case.example
    for b in BACKENDS:
        e = case.outcome(b)
        if isinstance(e, Raises) and b == "numpy":
            name = case.losses()[0]
            args = case.build(name)
            try:
                _run(case, name, FRAMEWORKS[0], args)
            except e.exc as err:
                return str(err)
            raise AssertionError(f"{case.name}: no error on NumPy")
    return case.note


def _losses_cell(case: Case) -> str:
    names = case.losses()
    if len(names) == len(NAMES):
        return "all"
    return ", ".join(f"`{n}`" for n in names)


def render_doc() -> str:
    lines = [
        "# Bad input: what every loss does with it",
        "",
        "<!-- generated by `PYTHONPATH=. python tests/test_bad_input.py` from the table `CASES` in",
        "     tests/test_bad_input.py; tests/test_bad_input.py::test_doc_is_current fails when stale -->",
        "",
        "One catalogue of bad calls, each run by `tests/test_bad_input.py` on every backend for",
        "every loss it applies to. Each error names the argument and what was expected. A cell",
        "says what that backend does (eager mode unless the case says otherwise); `-` means the",
        "case is not run there. The last column is a message example (the first loss listed,",
        "on NumPy) or the documented behaviour.",
        "",
        "Decisions, the same on every backend:",
        "",
        "* integer `y_pred` is an error, never a silent cast;",
        "* probabilities outside [0, 1] with `from_logits=False` follow Keras' rule: renormalised",
        "  over the class axis and clipped to `[epsilon, 1 - epsilon]` (KL: `[epsilon, 1]`), a",
        "  finite loss; under `log_min` (torch's `BCELoss` rule) they are an error (NaN under",
        "  tracing); a negative weight in the distribution of `entropy`, `js_divergence`,",
        "  `mutual_information` or `conditional_entropy` is an error (NaN under tracing);",
        "* a bad sparse label raises in eager mode on every backend; under `jax.jit`,",
        "  `tf.function` (and `torch.compile`/`torch.func`) nothing can raise, so that element's",
        "  loss is NaN and the other elements are exact;",
        "* NaN anywhere in the inputs gives NaN, never a finite number;",
        "* an empty batch: `mean` and `sum_over_batch_size` are NaN (0/0, as torch), `sum` is 0,",
        "  `none` is the empty per-element array.",
        "",
        "| case | losses | numpy | torch | tensorflow | jax | message / behaviour |",
        "|---|---|---|---|---|---|---|",
    ]
    for case in CASES:
        cells = []
        for b in BACKENDS:
            e = case.outcome(b)
            cells.append("-" if e is NA else e.outcome)
        msg = _example(case).replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {case.name} | {_losses_cell(case)} | " + " | ".join(cells) + f" | {msg} |")
    lines.append("")
    return "\n".join(lines)


def test_doc_is_current() -> None:
    with open(DOC, encoding="utf-8") as f:
        current = f.read()
    assert current == render_doc(), (
        "docs/bad-input.md is stale: run `PYTHONPATH=. python tests/test_bad_input.py`")


def test_every_case_runs_somewhere() -> None:
    for case in CASES:
        assert case.losses(), case.name
        assert any(case.outcome(b) is not NA for b in BACKENDS), case.name
        if case.example:  # a hand-written example must match its own case's regex
            e = next(case.outcome(b) for b in BACKENDS if isinstance(case.outcome(b), Raises))
            fill = e.regex().replace("(?=.*(?:))", "")
            assert re.search(fill, case.example), case.name


if __name__ == "__main__":
    with open(DOC, "w", encoding="utf-8") as f:
        f.write(render_doc())
    print(f"wrote {DOC}")
