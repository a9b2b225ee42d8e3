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
from . import divergence as dv
from . import focal as fc
from . import regression as rg

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


def make_log_probs(rng: np.random.Generator, options: dict) -> tuple:
    """Integer labels and log-probabilities (``log_softmax`` of random logits)."""
    labels, z, opts = make_sparse(rng, {**options, "from_logits": True})
    opts.pop("from_logits")
    ax = opts.get("axis", -1)
    m = z.max(axis=ax, keepdims=True)
    return labels, z - m - np.log(np.exp(z - m).sum(axis=ax, keepdims=True)), opts


def make_binary(rng: np.random.Generator, options: dict) -> tuple:
    opts = dict(options)
    shape = (int(rng.integers(2, 7)), int(rng.integers(1, 5)))
    z = rng.normal(0.0, 2.0, size=shape)
    y_pred = z if opts.get("from_logits", False) else 1.0 / (1.0 + np.exp(-z))
    y_true = rng.uniform(size=shape) if opts.pop("soft", False) else (rng.uniform(size=shape) < 0.5) * 1.0
    if opts.get("pos_weight") is ARRAY:
        opts["pos_weight"] = rng.uniform(0.5, 3.0, size=shape[-1:])
    return y_true, y_pred, _sample_weight(rng, opts, shape)


# --- regression inputs ----------------------------------------------------------


def _reg_shape(rng: np.random.Generator) -> tuple[int, int]:
    return int(rng.integers(2, 7)), int(rng.integers(1, 5))


def make_real(rng: np.random.Generator, options: dict) -> tuple:
    """Real targets and predictions; option ``scale`` (popped) spreads the errors."""
    opts = dict(options)
    shape = _reg_shape(rng)
    scale = opts.pop("scale", 1.5)
    y_true = rng.normal(0.0, scale, size=shape)
    y_pred = y_true + rng.normal(0.0, scale, size=shape)
    return y_true, y_pred, _sample_weight(rng, opts, shape)


def _counts(rng: np.random.Generator, options: dict, log_rates: bool) -> tuple:
    opts = dict(options)
    shape = _reg_shape(rng)
    y_true = rng.integers(0, 6, size=shape).astype(np.float64)  # full meets 0, 1 and > 1
    rate = rng.uniform(0.2, 4.0, size=shape)
    return y_true, np.log(rate) if log_rates else rate, _sample_weight(rng, opts, shape)


def make_rates(rng: np.random.Generator, options: dict) -> tuple:
    """Counts in [0, 5] and positive rates."""
    return _counts(rng, options, False)


def make_poisson_nll(rng: np.random.Generator, options: dict) -> tuple:
    """Counts in [0, 5] and log-rates (``log_input``, the default) or rates."""
    return _counts(rng, options, options.get("log_input", True))


def make_gaussian(rng: np.random.Generator, options: dict) -> tuple:
    """Observations, means and, for ``var=ARRAY``, variances in [0.1, 2] shaped by
    the popped option ``var_shape``: ``"full"`` (default), ``"drop_last"``
    (mean's shape less the last dim), ``"last_one"`` or ``"first_one"`` (a
    size-1 last or first dimension). (A 0-d ``var`` is tested in ``tests/test_regression.py``: the
    parity harness's torch conversion makes 0-d arrays 1-d.)"""
    opts = dict(options)
    shape = _reg_shape(rng)
    y_true = rng.normal(0.0, 1.5, size=shape)
    mean = y_true + rng.normal(0.0, 1.0, size=shape)
    kind = opts.pop("var_shape", "full")
    if opts.get("var") is ARRAY:
        vshape = {"full": shape, "drop_last": shape[:-1], "last_one": shape[:-1] + (1,),
                  "first_one": (1,) + shape[1:]}[kind]
        opts["var"] = rng.uniform(0.1, 2.0, size=vshape)
    return y_true, mean, _sample_weight(rng, opts, shape)


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
        "nll_loss", ce.nll_loss, "crossentropy", make_log_probs,
        (
            {},
            {"class_weight": ARRAY},
            {"ignore_index": -100},
            {"ignore_index": 1, "class_weight": ARRAY, "label_smoothing": 0.2},
            {"axis": 1, "ignore_index": -100, "class_weight": ARRAY},
            {"sample_weight": ARRAY, "class_weight": ARRAY},
            {"label_smoothing": 0.3, "smoothing": "seed"},
            *({"ignore_index": -100, **r} for r in _RED),
        ),
        "(1-e) w_y (-x_y) + e/C sum_c w_c (-x_c), x = log-probabilities",
        {"torch": "F.nll_loss"},
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
    # --- regression (element-wise; Keras' functions average the last axis) ---
    Entry(
        "mean_squared_error", rg.mean_squared_error, "regression", make_real,
        ({}, {"sample_weight": ARRAY}, {"reduction": "none"}),
        "(y_pred - y)^2",
        {"torch": "F.mse_loss", "keras": "keras.losses.mean_squared_error",
         "optax": "optax.squared_error"},
    ),
    Entry(
        "mean_absolute_error", rg.mean_absolute_error, "regression", make_real,
        ({}, {"reduction": "sum", "sample_weight": ARRAY}),
        "|y_pred - y|",
        {"torch": "F.l1_loss", "keras": "keras.losses.mean_absolute_error"},
    ),
    Entry(
        "half_squared_error", rg.half_squared_error, "regression", make_real,
        ({}, {"reduction": "none"}),
        "(y_pred - y)^2 / 2",
        {"optax": "optax.l2_loss", "torch": "0.5 * F.mse_loss"},
    ),
    Entry(
        "huber", rg.huber, "regression", make_real,
        (
            {},
            {"delta": 0.5, "reduction": "none"},
            {"delta": 2.0, "sample_weight": ARRAY},
            {"delta": 0.3, "reduction": "sum"},
        ),
        "x^2/2 if |x| <= d else d|x| - d^2/2",
        {"torch": "F.huber_loss", "keras": "keras.losses.huber", "optax": "optax.huber_loss"},
    ),
    Entry(
        "smooth_l1", rg.smooth_l1, "regression", make_real,
        (
            {},
            {"beta": 0.5, "reduction": "none"},
            {"beta": 0.0},
            {"beta": 2.0, "sample_weight": ARRAY},
        ),
        "x^2/(2b) if |x| < b else |x| - b/2",
        {"torch": "F.smooth_l1_loss"},
    ),
    Entry(
        "log_cosh", rg.log_cosh, "regression", make_real,
        ({}, {"scale": 0.3}, {"scale": 20.0, "reduction": "none"}, {"sample_weight": ARRAY}),
        "log cosh(y_pred - y)",
        {"keras": "keras.losses.log_cosh", "optax": "optax.log_cosh"},
    ),
    Entry(
        "poisson", rg.poisson, "regression", make_rates,
        ({}, {"epsilon": 1e-3, "reduction": "none"}, {"sample_weight": ARRAY}),
        "y_pred - y log(y_pred + eps)",
        {"keras": "keras.losses.poisson"},
    ),
    Entry(
        "poisson_nll", rg.poisson_nll, "regression", make_poisson_nll,
        (
            {},
            {"log_input": False},
            {"full": True, "reduction": "none"},
            {"log_input": False, "full": True, "eps": 1e-3, "sample_weight": ARRAY},
        ),
        "exp(z) - y z  |  y_pred - y log(y_pred + eps); + Stirling where y > 1",
        {"torch": "F.poisson_nll_loss"},
    ),
    Entry(
        "gaussian_nll", rg.gaussian_nll, "regression", make_gaussian,
        (
            {"var": ARRAY},
            {"var": ARRAY, "var_shape": "drop_last"},
            {"var": ARRAY, "var_shape": "last_one", "full": True},
            {"var": ARRAY, "var_shape": "first_one", "reduction": "none"},
            {"var": ARRAY, "eps": 0.5, "sample_weight": ARRAY},
            {"var": 1.0, "reduction": "sum"},
            {"var": 0.7, "full": True},
        ),
        "(log max(v, eps) + (y - mu)^2 / max(v, eps)) / 2 [+ log(2 pi)/2]",
        {"torch": "F.gaussian_nll_loss"},
    ),
)


# --- focal, poly and information-theory entries ------------------------------------------


def _alpha(rng: np.random.Generator, opts: dict, c: int) -> dict:
    if opts.get("alpha") is ARRAY:
        opts["alpha"] = rng.uniform(0.1, 0.9, size=c)
    return opts


def make_focal_dense(rng: np.random.Generator, options: dict) -> tuple:
    y_true, y_pred, opts = make_dense(rng, options)
    return y_true, y_pred, _alpha(rng, opts, y_pred.shape[opts.get("axis", -1)])


def make_focal_sparse(rng: np.random.Generator, options: dict) -> tuple:
    y_true, y_pred, opts = make_sparse(rng, options)
    return y_true, y_pred, _alpha(rng, opts, y_pred.shape[opts.get("axis", -1)])


def _dirichlet(rng: np.random.Generator, shape: tuple, ax: int, zeros: bool) -> np.ndarray:
    """Random distributions along ``ax``; with ``zeros``, about a quarter of the
    entries are 0 (each distribution keeps one positive entry)."""
    rows = rng.dirichlet(np.ones(shape[ax]), size=int(np.prod(shape) // shape[ax]))
    if zeros:
        rows[rng.uniform(size=rows.shape) < 0.25] = 0.0
        rows[np.arange(len(rows)), rng.integers(0, rows.shape[1], len(rows))] += 0.5
        rows /= rows.sum(1, keepdims=True)
    return np.moveaxis(rows.reshape(tuple(np.delete(shape, ax)) + (shape[ax],)), -1, ax)


def make_distributions(rng: np.random.Generator, options: dict) -> tuple:
    """Target and prediction distributions for KL / JS (``soft`` and ``axis``
    as in ``make_dense``; ``zeros`` puts zeros in the target; ``log_input``,
    ``log_target``, ``from_logits`` choose the spaces; ``unnormalised`` scales
    both by random positive factors)."""
    opts = dict(options)
    pointwise = "axis" in opts and opts["axis"] is None
    shape, ax = _shape(rng, {} if pointwise else opts)
    z = rng.normal(0.0, 2.0, size=shape)
    logq = z - np.log(np.exp(z).sum(ax, keepdims=True))
    if opts.get("from_logits", False):
        y_pred = z
    elif opts.get("log_input", False):
        y_pred = logq
    else:
        y_pred = np.exp(logq)
    p = _dirichlet(rng, shape, ax, opts.pop("zeros", False))
    if opts.pop("unnormalised", False):  # a random positive scale per distribution
        per_row = tuple(1 if i == ax else d for i, d in enumerate(shape))
        p = p * rng.uniform(0.5, 3.0, size=per_row)
        y_pred = y_pred * rng.uniform(0.5, 3.0, size=per_row)
    with np.errstate(divide="ignore"):
        y_true = np.log(p) if opts.get("log_target", False) else p
    return y_true, y_pred, _sample_weight(rng, opts, tuple(np.delete(shape, ax)))


def make_single(rng: np.random.Generator, options: dict) -> tuple:
    """``(None, distribution, options)`` for the one-distribution losses:
    positive weights (renormalised by the loss; ``zeros`` adds zero entries)
    or logits."""
    opts = dict(options)
    shape, ax = _shape(rng, opts)
    if opts.get("from_logits", False):
        x = rng.normal(0.0, 2.0, size=shape)
    else:
        x = _dirichlet(rng, shape, ax, opts.pop("zeros", False)) * rng.uniform(0.5, 3.0)
    return None, x, _sample_weight(rng, opts, tuple(np.delete(shape, ax)))


def make_joint(rng: np.random.Generator, options: dict) -> tuple:
    """``(None, table, options)``: a joint table ``P(X, Y)`` of positive counts
    (``zeros``: some empty cells), batched when ``batch`` (popped) is set; the
    ``X``/``Y`` axes follow ``x_axis``/``y_axis``."""
    opts = dict(options)
    nx, ny = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    batch = int(rng.integers(2, 4)) if opts.pop("batch", False) else None
    xa, ya = opts.get("x_axis", -2), opts.get("y_axis", -1)
    nd = 2 if batch is None else 3
    shape = [batch] * nd
    shape[xa % nd], shape[ya % nd] = nx, ny
    t = rng.uniform(0.1, 3.0, size=tuple(shape))
    if opts.pop("zeros", False):
        t[rng.uniform(size=t.shape) < 0.25] = 0.0
        t.flat[0] = 1.0
    per = (batch,) if batch is not None else ()
    return None, t, _sample_weight(rng, opts, per)


REGISTRY += (
    Entry(
        "binary_focal_crossentropy", fc.binary_focal_crossentropy, "focal", make_binary,
        (
            {"from_logits": True},
            {"from_logits": False},
            {"from_logits": True, "gamma": 0.5, "apply_class_balancing": True, "alpha": 0.3,
             "reduction": "none"},
            {"from_logits": False, "gamma": 0.5, "apply_class_balancing": True, "soft": True},
            {"from_logits": True, "gamma": 0.0, "label_smoothing": 0.1, "soft": True},
            {"from_logits": False, "gamma": 3.0, "label_smoothing": 0.2, "smoothing": "seed",
             "sample_weight": ARRAY, "reduction": "sum_over_batch_size"},
        ),
        "w (1-p_t)^g BCE(y', p)",
        {"keras": "keras.losses.binary_focal_crossentropy (last-axis mean)"},
    ),
    Entry(
        "sigmoid_focal_loss", fc.sigmoid_focal_loss, "focal", make_binary,
        (
            {},
            {"alpha": None, "gamma": 0.5},
            {"alpha": -1.0, "gamma": 1.0, "soft": True, "reduction": "sum", "sample_weight": ARRAY},
        ),
        "a_t (1-p_t)^g BCE_logits(y, z)",
        {"torchvision": "torchvision.ops.sigmoid_focal_loss", "optax": "optax.sigmoid_focal_loss"},
    ),
    Entry(
        "categorical_focal_crossentropy", fc.categorical_focal_crossentropy, "focal",
        make_focal_dense,
        (
            {"from_logits": True},
            {"from_logits": False},
            {"from_logits": True, "alpha": ARRAY, "gamma": 0.5, "soft": True},
            {"from_logits": False, "alpha": ARRAY, "gamma": 0.5, "label_smoothing": 0.1, "axis": 1},
            {"from_logits": True, "gamma": 0.0, "alpha": 1.0, "label_smoothing": 0.2,
             "smoothing": "seed"},
            {"from_logits": True, "axis": 1, "gamma": 3.0, "sample_weight": ARRAY, "reduction": "sum"},
        ),
        "-sum_c a_c (1-p_c)^g y'_c log p_c",
        {"keras": "keras.losses.categorical_focal_crossentropy"},
    ),
    Entry(
        "sparse_categorical_focal_crossentropy", fc.sparse_categorical_focal_crossentropy, "focal",
        make_focal_sparse,
        (
            {"from_logits": True},
            {"from_logits": False, "gamma": 0.5, "label_smoothing": 0.3, "smoothing": "seed",
             "alpha": ARRAY},
            {"from_logits": True, "alpha": ARRAY, "class_weight": ARRAY, "label_smoothing": 0.1},
            {"from_logits": True, "ignore_index": -100, "gamma": 0.5, "reduction": "none"},
            {"from_logits": True, "axis": 1, "ignore_index": 1, "class_weight": ARRAY,
             "sample_weight": ARRAY},
        ),
        "sum_c a_c w_c [(1-e)[c=y] + e/C] (1-p_c)^g (-log p_c)",
        {},
    ),
    Entry(
        "poly1_crossentropy", fc.poly1_crossentropy, "focal", make_dense,
        (
            {"from_logits": True},
            {"from_logits": False},
            {"from_logits": True, "poly_epsilon": -1.0, "soft": True, "label_smoothing": 0.1,
             "axis": 1},
            {"from_logits": False, "poly_epsilon": 1.0, "soft": True, "smoothing": "seed",
             "label_smoothing": 0.2, "sample_weight": ARRAY, "reduction": "sum"},
        ),
        "-sum_c y'_c log p_c + e1 sum_c y'_c (1 - p_c)",
        {"optax": "optax.poly_loss_cross_entropy"},
    ),
    Entry(
        "kl_divergence", dv.kl_divergence, "divergence", make_distributions,
        (
            {},
            {"log_input": True, "zeros": True},
            {"log_input": True, "log_target": True, "zeros": True},
            {"from_logits": True, "axis": 1},
            {"from_logits": True, "log_target": True},
            {"log_target": True, "sample_weight": ARRAY, "reduction": "sum_over_batch_size"},
            {"log_input": True, "axis": None, "reduction": "sum", "sample_weight": 0.25},
            {"axis": None, "reduction": "none", "zeros": True},
        ),
        "sum_c p_c (log p_c - log q_c)",
        {"keras": "keras.losses.kl_divergence", "torch": "F.kl_div",
         "optax": "optax.kl_divergence(_with_log_targets)"},
    ),
    Entry(
        "entropy", dv.entropy_pair, "divergence", make_single,
        (
            {},
            {"from_logits": True},
            {"zeros": True, "axis": 1, "sample_weight": ARRAY},
            {"from_logits": True, "axis": 1, "reduction": "sum"},
        ),
        "-sum_c p_c log p_c",
        {"scipy": "scipy.stats.entropy"},
    ),
    Entry(
        "js_divergence", dv.js_divergence, "divergence", make_distributions,
        (
            {},
            {"from_logits": True},
            {"zeros": True, "unnormalised": True, "sample_weight": ARRAY, "reduction": "sum"},
            {"from_logits": True, "axis": 1, "zeros": True},
        ),
        "1/2 KL(P||M) + 1/2 KL(Q||M), M = (P+Q)/2",
        {"scipy": "scipy.spatial.distance.jensenshannon ** 2"},
    ),
    Entry(
        "mutual_information", dv.mutual_information_pair, "divergence", make_joint,
        (
            {},
            {"zeros": True},
            {"batch": True, "x_axis": 2, "y_axis": 0, "sample_weight": ARRAY, "reduction": "sum"},
        ),
        "sum_xy P(x,y) log P(x,y) / (P(x) P(y))",
        {"sklearn": "sklearn.metrics.mutual_info_score(contingency=...)"},
    ),
    Entry(
        "conditional_entropy", dv.conditional_entropy_pair, "divergence", make_joint,
        (
            {},
            {"batch": True, "x_axis": -1, "y_axis": -2, "reduction": "none"},
            {"batch": True, "x_axis": 0, "y_axis": 2, "zeros": True, "sample_weight": ARRAY},
        ),
        "-sum_xy P(x,y) log P(x,y) / P(y)",
        {},
    ),
)


def entries() -> tuple[Entry, ...]:
    return REGISTRY


def option_label(opts: dict) -> str:
    """A short, stable label for an option set (test ids, the demo's table)."""
    return ",".join(f"{k}={'arr' if v is ARRAY else v}" for k, v in opts.items()) or "defaults"
