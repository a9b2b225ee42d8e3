"""Input makers of the catalogue: ``make(rng, options) -> (y_true, y_pred, options)``.

Each returns float64 NumPy inputs fitting the option set, with every
``ARRAY`` option replaced by an array that fits the generated shapes. A
declaration (``losses._declare.loss``) names its maker.
"""

from __future__ import annotations

import numpy as np

from ._declare import ARRAY


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
