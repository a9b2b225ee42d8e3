"""The catalogue: every loss with its option sets, input maker and natives.

The parity tests, the demo (``examples/parity_report.py``) and the docs walk
this list; adding a loss here is all it takes for them to cover it.

An option set is a dict of keyword arguments. A value ``ARRAY`` asks the
entry's input maker to supply an array for that option (class weights,
``pos_weight``, ``sample_weight``, ...) that fits the generated shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import crossentropy as ce

ARRAY = "<array>"


@dataclass(frozen=True)
class Entry:
    """One loss of the catalogue."""

    name: str
    fn: Callable[..., Any]
    family: str
    #: ``make(rng, options) -> (y_true, y_pred, options)``: float64 NumPy inputs,
    #: with every ``ARRAY`` option replaced by an array
    make: Callable[[np.random.Generator, dict], tuple]
    option_sets: tuple[dict, ...]
    formula: str
    #: native equivalents, by framework
    natives: dict[str, str] = field(default_factory=dict)


def _shape(rng: np.random.Generator, opts: dict) -> tuple[tuple[int, ...], int]:
    """A random shape for ``y_pred`` and its class axis, honouring ``axis``."""
    n = int(rng.integers(2, 7))
    c = int(rng.integers(2, 6))
    axis = opts.get("axis", -1)
    if axis in (-1,):
        return (n, c), 1
    extra = int(rng.integers(2, 4))
    shape = [n, extra, extra]
    shape.insert(axis, c)
    return tuple(shape[:3]), axis


def _sample_weight(rng: np.random.Generator, opts: dict, per_example: tuple[int, ...]) -> dict:
    if opts.get("sample_weight") is ARRAY:
        opts["sample_weight"] = rng.uniform(0.1, 2.0, size=per_example[:1])
    return opts


def _logits_or_probs(rng: np.random.Generator, shape: tuple, axis: int, from_logits: bool) -> np.ndarray:
    z = rng.normal(0.0, 2.0, size=shape)
    if from_logits:
        return z
    p = np.exp(z - z.max(axis=axis, keepdims=True))
    return p / p.sum(axis=axis, keepdims=True)


def _where(rng: np.random.Generator, shape: tuple, ax: int) -> np.ndarray:
    """A boolean ``where`` mask of ``shape``: about 30% of the classes
    excluded, every row keeping at least one class except the first, which is
    fully excluded (its loss must be 0 and not counted)."""
    m = np.moveaxis(rng.uniform(size=shape) < 0.7, ax, -1).copy()
    keep = rng.integers(0, shape[ax], size=m.shape[:-1])
    np.put_along_axis(m, keep[..., None], True, axis=-1)
    m.reshape(-1, shape[ax])[0] = False
    return np.moveaxis(m, -1, ax)


def make_dense(rng: np.random.Generator, options: dict) -> tuple:
    opts = dict(options)
    shape, ax = _shape(rng, opts)
    y_pred = _logits_or_probs(rng, shape, ax, opts.get("from_logits", False))
    if opts.pop("soft", False):
        y_true = rng.dirichlet(np.ones(shape[ax]), size=int(np.prod(shape) // shape[ax]))
        y_true = np.moveaxis(y_true.reshape(tuple(np.delete(shape, ax)) + (shape[ax],)), -1, ax)
    else:
        labels = rng.integers(0, shape[ax], size=tuple(np.delete(shape, ax)))
        y_true = np.moveaxis(np.eye(shape[ax])[labels], -1, ax)
    if opts.get("class_weight") is ARRAY:
        opts["class_weight"] = rng.uniform(0.2, 2.0, size=shape[ax])
    if opts.get("where") is ARRAY:
        opts["where"] = _where(rng, shape, ax)
    return y_true, y_pred, _sample_weight(rng, opts, tuple(np.delete(shape, ax)))


def make_sparse(rng: np.random.Generator, options: dict) -> tuple:
    opts = dict(options)
    shape, ax = _shape(rng, opts)
    c = shape[ax]
    y_pred = _logits_or_probs(rng, shape, ax, opts.get("from_logits", False))
    per = tuple(np.delete(shape, ax))
    labels = rng.integers(0, c, size=per)
    if opts.get("where") is ARRAY:
        # each label on one of its row's included classes; the fully excluded
        # first row gets an out-of-range label, which must not be checked
        m = opts["where"] = _where(rng, shape, ax)
        scores = np.where(np.moveaxis(m, ax, -1), rng.uniform(size=per + (c,)), -1.0)
        labels = np.argmax(scores, axis=-1)
        labels.flat[0] = c
    if opts.get("ignore_index") is not None:
        counted = labels.flat[1]
        labels[rng.uniform(size=per) < 0.3] = opts["ignore_index"]
        if opts.get("where") is None:
            labels.flat[0] = 0  # at least one counted element
        else:
            labels.flat[1] = counted
    if opts.get("class_weight") is ARRAY:
        opts["class_weight"] = rng.uniform(0.2, 2.0, size=c)
    return labels, y_pred, _sample_weight(rng, opts, per)


def make_binary(rng: np.random.Generator, options: dict) -> tuple:
    opts = dict(options)
    shape = (int(rng.integers(2, 7)), int(rng.integers(1, 5)))
    z = rng.normal(0.0, 2.0, size=shape)
    y_pred = z if opts.get("from_logits", False) else 1.0 / (1.0 + np.exp(-z))
    y_true = rng.uniform(size=shape) if opts.pop("soft", False) else (rng.uniform(size=shape) < 0.5) * 1.0
    if opts.get("pos_weight") is ARRAY:
        opts["pos_weight"] = rng.uniform(0.5, 3.0, size=shape[-1:])
    return y_true, y_pred, _sample_weight(rng, opts, shape)


_RED = ({"reduction": "none"}, {"reduction": "sum"}, {"reduction": "sum_over_batch_size"})

REGISTRY: tuple[Entry, ...] = (
    Entry(
        "categorical_crossentropy", ce.categorical_crossentropy, "crossentropy", make_dense,
        (
            {"from_logits": True},
            {"from_logits": False},
            {"from_logits": True, "label_smoothing": 0.1, "soft": True},
            {"from_logits": False, "label_smoothing": 0.2},
            {"from_logits": True, "label_smoothing": 0.1, "smoothing": "seed"},
            {"from_logits": True, "axis": 1},
            {"from_logits": False, "axis": 1, "soft": True},
            {"from_logits": True, "sample_weight": ARRAY},
            {"from_logits": True, "class_weight": ARRAY, "label_smoothing": 0.1, "soft": True},
            {"from_logits": False, "class_weight": ARRAY, "axis": 1},
            {"from_logits": True, "where": ARRAY, "soft": True},
            {"from_logits": False, "where": ARRAY, "soft": True, "sample_weight": ARRAY},
            {"from_logits": True, "where": ARRAY, "axis": 1, "label_smoothing": 0.2,
             "class_weight": ARRAY},
            *({"from_logits": True, **r} for r in _RED),
        ),
        "-sum_c w_c y'_c log softmax(z)_c",
        {"keras": "keras.losses.categorical_crossentropy",
         "torch": "F.cross_entropy (probability targets)", "optax": "optax.softmax_cross_entropy"},
    ),
    Entry(
        "sparse_categorical_crossentropy", ce.sparse_categorical_crossentropy, "crossentropy",
        make_sparse,
        (
            {"from_logits": True},
            {"from_logits": False},
            {"from_logits": True, "label_smoothing": 0.1},
            {"from_logits": True, "class_weight": ARRAY},
            {"from_logits": True, "ignore_index": -100},
            {"from_logits": True, "ignore_index": 1, "class_weight": ARRAY, "label_smoothing": 0.2},
            {"from_logits": False, "class_weight": ARRAY, "label_smoothing": 0.1},
            {"from_logits": True, "axis": 1, "ignore_index": -100},
            {"from_logits": True, "label_smoothing": 0.3, "smoothing": "seed"},
            {"from_logits": True, "sample_weight": ARRAY, "class_weight": ARRAY},
            {"from_logits": False, "where": ARRAY, "label_smoothing": 0.1},
            {"from_logits": True, "where": ARRAY, "axis": 1, "ignore_index": -100,
             "label_smoothing": 0.2, "class_weight": ARRAY},
            {"from_logits": True, "where": ARRAY, "label_smoothing": 0.3, "smoothing": "seed"},
        ),
        "(1-e) w_y (-log p_y) + e/C sum_c w_c (-log p_c)",
        {"keras": "keras.losses.sparse_categorical_crossentropy", "torch": "F.cross_entropy",
         "optax": "optax.softmax_cross_entropy_with_integer_labels"},
    ),
    Entry(
        "binary_crossentropy", ce.binary_crossentropy, "crossentropy", make_binary,
        (
            {"from_logits": True},
            {"from_logits": False},
            {"from_logits": True, "soft": True, "label_smoothing": 0.1},
            {"from_logits": False, "label_smoothing": 0.2},
            {"from_logits": True, "pos_weight": ARRAY},
            {"from_logits": False, "log_min": -100.0},
            {"from_logits": False, "pos_weight": ARRAY, "soft": True},
            {"from_logits": True, "sample_weight": ARRAY},
            *({"from_logits": True, **r} for r in _RED),
        ),
        "-[w+ y log s(z) + (1-y) log(1-s(z))]",
        {"keras": "keras.losses.binary_crossentropy",
         "torch": "F.binary_cross_entropy(_with_logits)",
         "optax": "optax.sigmoid_binary_cross_entropy"},
    ),
)


def entries() -> tuple[Entry, ...]:
    return REGISTRY


def option_label(opts: dict) -> str:
    """A short, stable label for an option set (test ids, the demo's table)."""
    return ",".join(f"{k}={'arr' if v is ARRAY else v}" for k, v in opts.items()) or "defaults"
