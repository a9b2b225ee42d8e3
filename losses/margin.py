"""Margin family: hinge, squared hinge, categorical and multi-class hinge,
perceptron, soft margin, torch's multi-margin, multi-label margin,
multi-label soft margin, hinge embedding and margin ranking losses.

Binary margin losses take labels ``y`` in ``{-1, +1}`` and real scores
``x``; the margin is ``y x``. Class losses take integer labels (or one-hot
targets) and scores along a class axis, which they reduce. Each spec returns
the per-element loss and, on request, its closed-form gradient with respect
to ``y_pred`` (``losses/_core.py``). A hinge's kink has gradient 0 on the
flat side, as torch's kernels give it (``z > 0``); where a maximum over
classes is tied, the gradient is shared equally among the tied classes, as
JAX's and TensorFlow's ``max`` give it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _checks
from ._declare import ARRAY, loss
from ._makers import _sample_weight
from ._xent import poison, sparse_labels
from .regression import _host, _target

Array = Any

# --- input makers ----------------------------------------------------------------


def _shape(rng: np.random.Generator) -> tuple[int, int]:
    return int(rng.integers(2, 7)), int(rng.integers(2, 6))


def make_signs(rng: np.random.Generator, options: dict) -> tuple:
    """Labels in ``{-1, +1}`` (``{0, 1}`` with the popped option ``binary01``)
    and real scores kept off the hinge's kink."""
    opts = dict(options)
    shape = _shape(rng)
    y = np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)
    if opts.pop("binary01", False):
        y = (y + 1.0) / 2.0
    x = rng.normal(0.0, 1.5, size=shape)
    if opts.get("input2") is ARRAY:
        opts["input2"] = rng.normal(0.0, 1.5, size=shape)
    return y, x, _sample_weight(rng, opts, shape)


def make_embedding(rng: np.random.Generator, options: dict) -> tuple:
    """torch's hinge-embedding inputs: distances (positive) and labels in ``{-1, 1}``."""
    y, x, opts = make_signs(rng, options)
    return y, np.abs(x) + 0.05, opts


def make_class_scores(rng: np.random.Generator, options: dict) -> tuple:
    """Integer labels ``[N]`` (one-hot ``[N, C]`` with the popped option
    ``one_hot``) and scores ``[N, C]``; ``class_weight=ARRAY``: ``[C]`` weights."""
    opts = dict(options)
    n, c = int(rng.integers(2, 7)), int(rng.integers(2, 6))
    labels = rng.integers(0, c, size=n)
    x = rng.normal(0.0, 1.0, size=(n, c))
    if opts.get("class_weight") is ARRAY:
        opts["class_weight"] = rng.uniform(-1.0, 2.0, size=c)  # torch takes any sign
    y = np.eye(c)[labels] if opts.pop("one_hot", False) else labels
    return y, x, _sample_weight(rng, opts, (n,))


def make_one_hot_scores(rng: np.random.Generator, options: dict) -> tuple:
    """One-hot targets ``[N, C]`` and scores."""
    return make_class_scores(rng, {**options, "one_hot": True})


def make_multilabel(rng: np.random.Generator, options: dict) -> tuple:
    """torch's multi-label margin targets: per row, a few distinct class indices
    then ``-1`` padding (and anything after the first ``-1``), and scores."""
    opts = dict(options)
    n, c = int(rng.integers(2, 6)), int(rng.integers(3, 7))
    t = np.full((n, c), -1, dtype=np.int64)
    for i in range(n):
        k = int(rng.integers(0, c))  # 0 .. c-1 targets (a row of none too)
        t[i, :k] = rng.permutation(c)[:k]
        if k + 1 < c:
            t[i, k + 1:] = rng.integers(0, c, size=c - k - 1)  # after the first -1: ignored
    return t, rng.normal(0.0, 1.0, size=(n, c)), _sample_weight(rng, opts, (n,))


def make_multilabel_soft(rng: np.random.Generator, options: dict) -> tuple:
    """Multi-hot (or soft, popped option ``soft``) targets, logits; ``class_weight=ARRAY``: ``[C]``."""
    opts = dict(options)
    shape = _shape(rng)
    y = rng.uniform(size=shape) if opts.pop("soft", False) else (rng.uniform(size=shape) < 0.4) * 1.0
    if opts.get("class_weight") is ARRAY:
        opts["class_weight"] = rng.uniform(-1.0, 2.0, size=shape[-1:])
    return y, rng.normal(0.0, 2.0, size=shape), _sample_weight(rng, opts, shape[:1])


# --- shared pieces ---------------------------------------------------------------------


def _relu(xp: Any, z: Array) -> Array:
    """``max(z, 0)`` with gradient ``[z > 0]`` on every backend (torch's margin
    kernels); NaN stays NaN (a NaN input is never a finite loss)."""
    return xp.where((z > 0.0) | (z != z), z, xp.zeros_like(z))


def _signs(xp: Any, y_true: Any, y_pred: Array, convert: bool) -> Array:
    """Labels of ``y_pred``'s shape and dtype; with ``convert``, Keras' rule:
    when every label is 0 or 1, they become -1 and +1 (else unchanged)."""
    y = _target(xp, y_true, y_pred)
    if _checks.flag("convert_binary_labels", convert):
        binary = xp.sum(xp.abs(y * (y - 1.0))) == 0.0  # y (y - 1) = 0 iff y in {0, 1}
        y = xp.where(binary, 2.0 * y - 1.0, y)
    return y


def _tie_share(xp: Any, t: Array, m: Array, ax: int) -> Array:
    """The gradient of ``max(t, ax)`` (``m``, kept dims): shared among the tied maxima."""
    hit = xp.cast(t == m, xp.dtype_of(t))
    return hit / xp.sum(hit, ax, keepdims=True)


def _class_axis(xp: Any, y_pred: Array, axis: int) -> int:
    return _checks.axis(axis, len(xp.shape(y_pred)))


def _one_hot(xp: Any, y_true: Any, y_pred: Array, ax: int) -> tuple:
    """Checked integer labels as a one-hot array along ``ax`` and their bad-label mask."""
    c = xp.shape(y_pred)[ax]
    lab = sparse_labels(xp, y_true, y_pred, ax, c, None)
    return xp.one_hot(lab.safe, c, ax, xp.dtype_of(y_pred)), lab.bad


# --- binary margins ------------------------------------------------------------------


_MARGIN = _checks.in_range()
_SIGN_CHECKS = {"margin": _MARGIN, "convert_binary_labels": _checks.flag}


@loss("margin",
      formula="max(0, margin - y * y_pred)",
      make=make_signs,
      cases=({}, {"margin": 0.0, "reduction": "none"}, {"binary01": True, "convert_binary_labels": True,
                                                          "sample_weight": ARRAY}),
      natives={"keras": "keras.losses.hinge", "optax": "optax.hinge_loss; optax.perceptron_loss (margin=0)"},
      checks=_SIGN_CHECKS)
def hinge(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, margin: float = 1.0,
          convert_binary_labels: bool = False) -> tuple:
    r"""Hinge loss, element-wise, labels in ``{-1, +1}``.

    .. math:: \ell = \max(0,\ m - y\hat y), \qquad
              \partial\ell/\partial\hat y = -y\,[m - y\hat y > 0]

    ``margin=0`` is the perceptron loss ``max(0, -y \hat y)``.

    Args:
      y_true: labels ``-1`` or ``+1``, ``y_pred``'s shape.
      y_pred: real scores (the decision function).
      margin: ``m``, any finite number (1: the hinge, 0: the perceptron).
      convert_binary_labels: Keras' rule: when *every* label is 0 or 1, map
        them to -1 and +1 (otherwise use them as they are).
      reduction, sample_weight: as :func:`mean_squared_error`.

    Native equivalents: ``keras.losses.hinge`` (``convert_binary_labels=True``,
    averages the last axis), ``optax.hinge_loss(predictor_outputs, targets)``,
    ``optax.perceptron_loss`` (``margin=0``).

    >>> import numpy as np
    >>> hinge(np.array([1., -1.]), np.array([0.25, 2.0]), reduction="none").tolist()
    [0.75, 3.0]
    """
    y = _signs(xp, y_true, y_pred, convert_binary_labels)
    z = margin - y * y_pred
    return _relu(xp, z), None, (xp.where(z > 0.0, -y, xp.zeros_like(y)) if grad else None), None


@loss("margin",
      formula="max(0, margin - y * y_pred)^2",
      make=make_signs,
      cases=({}, {"binary01": True, "convert_binary_labels": True, "reduction": "none"},
             {"margin": 0.5, "sample_weight": ARRAY}),
      natives={"keras": "keras.losses.squared_hinge"},
      checks=_SIGN_CHECKS)
def squared_hinge(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, margin: float = 1.0,
                  convert_binary_labels: bool = False) -> tuple:
    r"""Squared hinge loss, element-wise, labels in ``{-1, +1}``.

    .. math:: \ell = \max(0,\ m - y\hat y)^2, \qquad
              \partial\ell/\partial\hat y = -2y\max(0,\ m - y\hat y)

    Args: as :func:`hinge`.

    Native equivalent: ``keras.losses.squared_hinge``
    (``convert_binary_labels=True``, averages the last axis).

    >>> import numpy as np
    >>> squared_hinge(np.array([1., -1.]), np.array([0.25, 2.0]), reduction="none").tolist()
    [0.5625, 9.0]
    """
    y = _signs(xp, y_true, y_pred, convert_binary_labels)
    h = _relu(xp, margin - y * y_pred)
    return h * h, None, (-2.0 * y * h if grad else None), None


@loss("margin",
      formula="log(1 + exp(-y * y_pred))",
      make=make_signs,
      cases=({}, {"reduction": "none"}, {"sample_weight": ARRAY}),
      natives={"torch": "F.soft_margin_loss"})
def soft_margin(xp: Any, y_true: Any, y_pred: Array, grad: bool) -> tuple:
    r"""Soft margin (logistic) loss, element-wise, labels in ``{-1, +1}``.

    .. math:: \ell = \log(1 + e^{-y\hat y}) = \mathrm{softplus}(-y\hat y), \qquad
              \partial\ell/\partial\hat y = -y\,\sigma(-y\hat y)

    Computed as a softplus: finite for every finite input (torch's
    ``log1p(exp(-y x))`` overflows to ``inf`` past ``-y x > 88`` in float32).

    Args: as :func:`mean_squared_error`; ``y_true`` labels ``-1`` or ``+1``.

    Native equivalent: ``torch.nn.functional.soft_margin_loss(input, target)``.

    >>> import numpy as np
    >>> round(float(soft_margin(np.array([1.]), np.array([0.]))), 6)  # log 2
    0.693147
    """
    y = _target(xp, y_true, y_pred)
    m = -y * y_pred
    return xp.softplus(m), None, (-y * xp.sigmoid(m) if grad else None), None


@loss("margin",
      formula="[y != 1] max(0, margin - y_pred) + [y != -1] y_pred",
      make=make_embedding,
      cases=({}, {"margin": 0.5, "reduction": "none"}, {"margin": 2.0, "sample_weight": ARRAY}),
      natives={"torch": "F.hinge_embedding_loss"},
      checks={"margin": _MARGIN})
def hinge_embedding(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, margin: float = 1.0) -> tuple:
    r"""Hinge embedding loss (torch's), element-wise: ``y_pred`` holds distances.

    .. math:: \ell = [y \ne 1]\,\max(0,\ m - x) + [y \ne -1]\,x

    so ``x`` for similar pairs (``y = 1``) and ``max(0, m - x)`` for
    dissimilar ones (``y = -1``); any other label counts both, as in torch.

    Args:
      y_true: ``1`` or ``-1``, ``y_pred``'s shape.
      y_pred: the distances ``x``.
      margin: ``m``, any finite number.
      reduction, sample_weight: as :func:`mean_squared_error`.

    Native equivalent: ``torch.nn.functional.hinge_embedding_loss(input, target, margin)``.

    >>> import numpy as np
    >>> hinge_embedding(np.array([1., -1.]), np.array([0.3, 0.4]), reduction="none").tolist()
    [0.3, 0.6]
    """
    y = _target(xp, y_true, y_pred)
    z = margin - y_pred
    far, near = y != 1.0, y != -1.0
    zero = xp.zeros_like(y_pred)
    loss = xp.where(far, _relu(xp, z), zero) + xp.where(near, y_pred, zero)
    g = None
    if grad:
        g = xp.where(far & (z > 0.0), zero - 1.0, zero) + xp.where(near, zero + 1.0, zero)
    return loss, None, g, None


def _pair(name: str, value: Any) -> Any:
    return _host(value)


@loss("margin",
      formula="max(0, margin - y * (x1 - x2))",
      make=make_signs,
      cases=({"input2": ARRAY}, {"input2": ARRAY, "margin": 0.5, "reduction": "none"},
             {"input2": ARRAY, "margin": -0.2, "sample_weight": ARRAY}),
      natives={"torch": "F.margin_ranking_loss"},
      checks={"input2": _pair, "margin": _MARGIN},
      arrays=("input2",),
      inputs=("y_true", "input1", "input2"))
def margin_ranking(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, input2: Any,
                   margin: float = 0.0) -> tuple:
    r"""Margin ranking loss (torch's), element-wise: should ``input1`` rank
    above ``input2`` (``y = 1``) or below (``y = -1``)?

    .. math:: \ell = \max(0,\ m - y\,(x_1 - x_2)), \qquad
              \partial\ell/\partial x_1 = -\partial\ell/\partial x_2 = -y\,[\ell > 0]

    :func:`losses.value_and_grad` gives the gradient with respect to
    ``input1`` (the ``y_pred`` of this loss); torch, TensorFlow and JAX
    differentiate ``input2`` with their own autodiff.

    Args:
      y_true: ``1`` or ``-1``, ``input1``'s shape.
      input1, input2: the two scores, of one shape.
      margin: ``m``, any finite number.
      reduction, sample_weight: as :func:`mean_squared_error`.

    Native equivalent: ``torch.nn.functional.margin_ranking_loss(input1, input2, target, margin)``.

    >>> import numpy as np
    >>> margin_ranking(np.array([1., -1.]), np.array([0.5, 0.5]), np.array([1.0, 0.0]),
    ...                margin=0.1, reduction="none").tolist()
    [0.6, 0.6]
    """
    if input2 is None:
        _checks.fail("`input2` is required (an array of input1's shape)")
    y = _target(xp, y_true, y_pred, "input1")
    _checks.same_shape("input2", xp.shape(input2), "input1", xp.shape(y_pred))
    z = margin - y * (y_pred - input2)
    return _relu(xp, z), None, (xp.where(z > 0.0, -y, xp.zeros_like(y)) if grad else None), None


# --- class margins ---------------------------------------------------------------------------


@loss("margin",
      formula="max(0, 1 + max_c (1 - y_c) y_pred_c - sum_c y_c y_pred_c)",
      make=make_one_hot_scores,
      cases=({}, {"reduction": "none"}, {"sample_weight": ARRAY}),
      natives={"keras": "keras.losses.categorical_hinge"})
def categorical_hinge(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, axis: int = -1) -> tuple:
    r"""Categorical hinge loss (Keras'), one value per example (``axis`` reduced).

    .. math:: \ell = \max\big(0,\ 1 + \max_c (1 - y_c)\hat y_c - \textstyle\sum_c y_c \hat y_c\big)

    Args:
      y_true: one-hot (or ``{-1, +1}``) targets, ``y_pred``'s shape.
      y_pred: scores.
      axis: the class axis.
      reduction, sample_weight: as :func:`categorical_crossentropy`.

    Native equivalent: ``keras.losses.categorical_hinge`` (last axis).

    >>> import numpy as np
    >>> categorical_hinge(np.array([[0., 1.]]), np.array([[0.5, 0.25]])).tolist()
    1.25
    """
    ax = _class_axis(xp, y_pred, axis)
    y = _target(xp, y_true, y_pred)
    pos = xp.sum(y * y_pred, ax)
    t = (1.0 - y) * y_pred
    neg = xp.max(t, ax, keepdims=True)
    z = xp.squeeze(neg, ax) - pos + 1.0
    g = None
    if grad:
        active = xp.expand_dims(xp.cast(z > 0.0, xp.dtype_of(z)), ax)
        g = active * ((1.0 - y) * _tie_share(xp, t, neg, ax) - y)
    return _relu(xp, z), None, g, (ax,)


@loss("margin",
      formula="max_c (y_pred_c + margin [c != y]) - y_pred_y",
      make=make_class_scores,
      cases=({}, {"margin": 0.0, "reduction": "none"}, {"margin": 2.0, "sample_weight": ARRAY}),
      natives={"optax": "optax.multiclass_hinge_loss; optax.multiclass_perceptron_loss (margin=0)"},
      checks={"margin": _MARGIN})
def multiclass_hinge(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, margin: float = 1.0,
                     axis: int = -1) -> tuple:
    r"""Multi-class hinge loss (Crammer-Singer), one value per example.

    .. math:: \ell = \max_c \big(\hat y_c + m\,[c \ne y]\big) - \hat y_y

    ``margin=0`` is the multi-class perceptron loss ``max_c \hat y_c - \hat y_y``.

    Args:
      y_true: integer labels, ``y_pred``'s shape less ``axis``; a label
        outside ``[0, C)`` raises ``ValueError`` in eager mode and makes its
        example's loss NaN under tracing.
      y_pred: scores.
      margin: ``m``, any finite number.
      axis: the class axis.
      reduction, sample_weight: as :func:`sparse_categorical_crossentropy`.

    Native equivalents: ``optax.multiclass_hinge_loss(scores, labels)``,
    ``optax.multiclass_perceptron_loss`` (``margin=0``).

    >>> import numpy as np
    >>> multiclass_hinge(np.array([0]), np.array([[0.5, 0.25]])).tolist()
    0.75
    """
    ax = _class_axis(xp, y_pred, axis)
    oh, bad = _one_hot(xp, y_true, y_pred, ax)
    t = y_pred + margin * (1.0 - oh)
    m = xp.max(t, ax, keepdims=True)
    loss = xp.squeeze(m, ax) - xp.sum(oh * y_pred, ax)
    g = _tie_share(xp, t, m, ax) - oh if grad else None
    return poison(xp, loss, bad), None, g, (ax,)


def _power(name: str, value: Any) -> int:
    if isinstance(value, bool) or value not in (1, 2):
        _checks.fail(f"`{name}` must be 1 or 2; got {value!r}")
    return int(value)


@loss("margin",
      formula="sum_{c != y} w_y max(0, margin - y_pred_y + y_pred_c)^p / C",
      make=make_class_scores,
      cases=({}, {"p": 2, "margin": 0.5, "reduction": "none"}, {"class_weight": ARRAY, "sample_weight": ARRAY}),
      natives={"torch": "F.multi_margin_loss"},
      checks={"p": _power, "margin": _MARGIN},
      arrays=("class_weight",))
def multi_margin(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, p: int = 1, margin: float = 1.0,
                 class_weight: Any = None, axis: int = -1) -> tuple:
    r"""Multi-class margin loss (torch's ``MultiMarginLoss``), one value per example.

    .. math:: \ell = \frac1C \sum_{c \ne y} w_y \max(0,\ m - \hat y_y + \hat y_c)^p

    Args:
      y_true: integer labels, ``y_pred``'s shape less ``axis`` (range-checked
        as :func:`multiclass_hinge`).
      y_pred: scores, ``C`` classes along ``axis``.
      p: 1 or 2.
      margin: ``m``, any finite number.
      class_weight: ``[C]`` weights (any sign, as torch), the target's
        weighs its example; ``"mean"`` still divides by the number of examples.
      axis: the class axis.
      reduction, sample_weight: as :func:`mean_squared_error`.

    Native equivalent: ``torch.nn.functional.multi_margin_loss(input, target, p, margin, weight)``.

    >>> import numpy as np
    >>> multi_margin(np.array([0]), np.array([[0.5, 0.25]])).tolist()  # (1 - .5 + .25) / 2
    0.375
    """
    ax = _class_axis(xp, y_pred, axis)
    c = xp.shape(y_pred)[ax]
    oh, bad = _one_hot(xp, y_true, y_pred, ax)
    s_y = xp.sum(oh * y_pred, ax, keepdims=True)
    h = _relu(xp, margin - s_y + y_pred) * (1.0 - oh)
    w = 1.0
    if class_weight is not None:
        _checks.vector("class_weight", xp.shape(class_weight), c, "one weight per class")
        shape = [1] * len(xp.shape(y_pred))
        shape[ax] = c
        w = xp.sum(oh * xp.reshape(class_weight, tuple(shape)), ax, keepdims=True) / c
    else:
        w = w / c
    loss = xp.sum((h if p == 1 else h * h) * w, ax)
    g = None
    if grad:
        d = (xp.cast(h > 0.0, xp.dtype_of(h)) if p == 1 else 2.0 * h) * w
        g = d - oh * xp.sum(d, ax, keepdims=True)
    return poison(xp, loss, bad), None, g, (ax,)


def _multilabel_targets(xp: Any, y_true: Any, y_pred: Array) -> tuple:
    """torch's multi-label margin targets: per row, the class indices before
    the first ``-1``. Returns ``(named, valid, bad)``: the one-hot classes
    ``[.., K, C]`` of the target slots (``y_true``'s first ``K`` columns, ``K``
    the most targets any row has where the data can be read now, else every
    column; a bad index as class 0), which slots hold a target (``[.., K]``,
    float), and the mask of bad rows of a traced call. Memory ``O(K C)`` per
    row, as the native's time, not ``O(C^2)``."""
    t = xp.asarray(y_true, like=y_pred)
    _checks.same_shape("y_true", xp.shape(t), "y_pred", xp.shape(y_pred))
    if xp.kind(t) != "i":
        _checks.fail(f"`y_true` must hold integer class indices (padded with -1); got dtype {xp.dtype_name(t)}")
    c = xp.shape(y_pred)[-1]
    bad = _checks.data(xp, (t < -1) | (t >= c), t, "y_true", "out of range",
                       f"expected class indices in [0, {c - 1}] or -1 (the end of a row's targets)")
    pos = xp.arange(c, y_pred)
    big = xp.zeros_like(y_pred) + float(c)
    end = -xp.max(-xp.where(t < 0, pos + xp.zeros_like(y_pred), big), -1, keepdims=True)  # first -1
    most = xp.eager_minmax(end, y_pred)
    k = c if most is None else max(1, min(c, most[1]))  # (a traced call: every column)
    if k < c:
        t, pos = t[..., :k], pos[:k]
    valid = xp.cast(pos < end, xp.dtype_of(y_pred))  # [.., K]
    safe = xp.where((t >= 0) & (t < c), t, xp.zeros_like(t))
    named = xp.one_hot(safe, c, -1, xp.dtype_of(y_pred))  # [.., K, C]
    return named, valid, None if bad is None else xp.sum(xp.cast(bad, xp.dtype_of(y_pred)), -1) > 0.0


@loss("margin",
      formula="sum_{j in y} sum_{c not in y} max(0, 1 - (y_pred_j - y_pred_c)) / C",
      make=make_multilabel,
      cases=({}, {"reduction": "none"}, {"sample_weight": ARRAY}),
      natives={"torch": "F.multilabel_margin_loss"})
def multilabel_margin(xp: Any, y_true: Any, y_pred: Array, grad: bool) -> tuple:
    r"""Multi-label margin loss (torch's ``MultiLabelMarginLoss``), one value
    per example (the last axis reduced).

    .. math:: \ell = \frac1C \sum_{j \in Y} \sum_{c \notin Y} \max(0,\ 1 - (\hat y_j - \hat y_c))

    ``Y`` is the set of class indices in the row of ``y_true`` before its
    first ``-1`` (a class named twice counts twice, as in torch).

    Args:
      y_true: integer class indices, ``y_pred``'s shape, each row padded
        with ``-1`` after its targets; values outside ``[-1, C)`` raise
        ``ValueError`` (NaN for the example under tracing).
      y_pred: scores ``[..., C]``.
      reduction, sample_weight: as :func:`mean_squared_error`.

    Native equivalent: ``torch.nn.functional.multilabel_margin_loss(input, target)``.

    >>> import numpy as np
    >>> v = multilabel_margin(np.array([[1, -1, 0]]), np.array([[0.1, 0.9, 0.2]]))
    >>> round(float(v), 6)  # (max(0, 1 - 0.8) + max(0, 1 - 0.7)) / 3
    0.166667
    """
    c = xp.shape(y_pred)[-1]
    named, valid, bad = _multilabel_targets(xp, y_true, y_pred)
    named = named * xp.expand_dims(valid, -1)  # [.., k, c]: slot k names class c
    other = xp.cast(xp.sum(named, -2) == 0.0, xp.dtype_of(y_pred))  # the classes not named
    wide = xp.expand_dims(y_pred, -2)  # a select, not a product: another class's inf stays out
    target = xp.sum(xp.where(named != 0.0, wide, xp.zeros_like(named)), -1)  # [.., k]: slot k's score
    z = 1.0 - xp.expand_dims(target, -1) + wide  # [.., k, c]
    pair = xp.expand_dims(valid, -1) * xp.expand_dims(other, -2) / c
    loss = xp.sum(xp.sum(_relu(xp, z) * pair, -1), -1)
    g = None
    if grad:
        d = xp.cast(z > 0.0, xp.dtype_of(z)) * pair
        g = xp.sum(d, -2) - xp.sum(named * xp.expand_dims(xp.sum(d, -1), -1), -2)
    return poison(xp, loss, bad), None, g, (len(xp.shape(y_pred)) - 1,)


@loss("margin",
      formula="mean_c w_c (y_c softplus(-y_pred_c) + (1 - y_c) softplus(y_pred_c))",
      make=make_multilabel_soft,
      cases=({}, {"class_weight": ARRAY, "reduction": "none"}, {"soft": True, "sample_weight": ARRAY}),
      natives={"torch": "F.multilabel_soft_margin_loss"},
      arrays=("class_weight",))
def multilabel_soft_margin(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, class_weight: Any = None) -> tuple:
    r"""Multi-label soft margin loss (torch's ``MultiLabelSoftMarginLoss``):
    the binary cross-entropy of logits averaged over the last axis, one value
    per example.

    .. math:: \ell = \frac1C \sum_c w_c \big(y_c\,\mathrm{softplus}(-\hat y_c)
              + (1 - y_c)\,\mathrm{softplus}(\hat y_c)\big), \qquad
              \partial\ell/\partial\hat y_c = w_c (\sigma(\hat y_c) - y_c) / C

    Args:
      y_true: targets in ``[0, 1]`` (multi-hot), ``y_pred``'s shape.
      y_pred: logits ``[..., C]``.
      class_weight: weights broadcast against ``y_pred`` (``[C]``: one per
        class; any sign, as torch).
      reduction, sample_weight: as :func:`mean_squared_error`.

    Native equivalent: ``torch.nn.functional.multilabel_soft_margin_loss(input, target, weight)``.

    >>> import numpy as np
    >>> round(float(multilabel_soft_margin(np.array([[1., 0.]]), np.array([[0., 0.]]))), 6)  # log 2
    0.693147
    """
    y = _target(xp, y_true, y_pred)
    c = xp.shape(y_pred)[-1]
    el = y * xp.softplus(-y_pred) + (1.0 - y) * xp.softplus(y_pred)
    w = 1.0 / c
    if class_weight is not None:
        if len(xp.shape(class_weight)) == 1:
            _checks.vector("class_weight", xp.shape(class_weight), c, "one weight per class")
        _checks.broadcastable("class_weight", xp.shape(class_weight), "y_pred", xp.shape(y_pred))
        w = class_weight / c
    g = (xp.sigmoid(y_pred) - y) * w if grad else None
    return xp.sum(el * w, -1), None, g, (len(xp.shape(y_pred)) - 1,)
