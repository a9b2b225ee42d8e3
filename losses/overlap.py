r"""Overlap (segmentation) family: Dice, Tversky and generalized Dice losses.

Each is one minus an overlap ratio of *sums*: over ``axis`` (the pixels of an
image, and possibly the classes) the soft intersection ``I = sum(t p)``,
the predicted mass ``P = sum(p)`` and the target mass ``T = sum(t)``:

* Dice: :math:`1 - (2 I + s_n) / (P + T + s_d)`;
* Tversky: :math:`1 - (I + s_n) / (I + \alpha (P - I) + \beta (T - I) + s_d)`,
  ``alpha`` weighing the false positives ``P - I``, ``beta`` the false
  negatives ``T - I`` (Salehi et al. 2017); ``alpha = beta = 1/2`` is Dice
  with both smoothing terms doubled.

``smooth_nr`` / ``smooth_dr`` are the numerator's and denominator's smoothing
terms (MONAI's names): Keras adds ``keras.config.epsilon()`` to the
denominator only (``smooth_nr=0, smooth_dr=1e-7``, the defaults here), optax
adds ``smooth`` to both.

The per-element loss keeps every axis not summed (``reduction="none"``):
with ``axis=None`` (Keras' default) all axes are summed and the loss is one
number; ``axis=(1, 2)`` on ``[N, H, W, C]`` gives one loss per image and class.

``from_logits=True`` turns ``y_pred`` into probabilities first: ``sigmoid``
when ``class_axis`` has size 1, else ``softmax`` over ``class_axis`` (optax's
rule). When the class axis is kept in the loss, the softmax couples the
classes' losses: the closed-form NumPy gradient is exact for every reduction
whose weights are constant along the class axis (``sample_weight`` of the
batch, as the tests use); the autodiff backends are exact for any weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _checks
from ._declare import ARRAY, loss
from .regression import _target  # one rule for y_true: y_pred's dtype, y_pred's shape

Array = Any
INF = float("inf")
#: a weight or smoothing term: a finite number >= 0 (or an array of them, traced under jit)
NON_NEGATIVE = _checks.in_range(0.0, INF, hi_open=True)
_TRACED = ("smooth_nr", "smooth_dr")
_CHECKS = {"smooth_nr": NON_NEGATIVE, "smooth_dr": NON_NEGATIVE, "from_logits": _checks.flag}


# --- input maker ---------------------------------------------------------------------


def make_segmentation(rng: np.random.Generator, options: dict) -> tuple:
    """One-hot (or, with one class, binary) targets ``[N, S, C]`` and predictions:
    probabilities (``softmax``/``sigmoid`` of random logits) or, with
    ``from_logits``, the logits; ``binary`` (popped) makes ``C = 1``."""
    opts = dict(options)
    n, s = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    c = 1 if opts.pop("binary", False) else int(rng.integers(2, 5))
    z = rng.normal(0.0, 2.0, size=(n, s, c))
    if c == 1:
        y_true = (rng.uniform(size=(n, s, 1)) < 0.5) * 1.0
        p = 1.0 / (1.0 + np.exp(-z))
    else:
        y_true = np.eye(c)[rng.integers(0, c, size=(n, s))]
        p = np.exp(z - z.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
    y_pred = z if opts.get("from_logits", False) else p
    if opts.get("sample_weight") is ARRAY:
        opts["sample_weight"] = rng.uniform(0.1, 2.0, size=(n,))
    return y_true, y_pred, opts


# --- shared pieces ---------------------------------------------------------------------


def _axes(value: Any, nd: int, name: str = "axis") -> tuple[int, ...]:
    """``axis``: ``None`` (every axis), an integer or a sequence of distinct
    integers, as non-negative axes in ascending order."""
    if value is None:
        return tuple(range(nd))
    items = list(value) if isinstance(value, (tuple, list)) else [value]
    out = [_checks.axis(a, nd, name) for a in items] if nd else []
    if not nd and items:
        _checks.fail(f"`{name}`={value!r}: `y_pred` is a scalar (no axis to sum over)")
    if len(set(out)) != len(out):
        _checks.fail(f"`{name}`={value!r} repeats an axis")
    return tuple(sorted(out))


def _probabilities(xp: Any, y_pred: Array, from_logits: bool, class_axis: int) -> tuple:
    """``(p, back)``: the probabilities and the map of ``d/dp`` to ``d/dy_pred``
    (``sigmoid`` for a size-1 class axis, else ``softmax`` over it, with logits)."""
    if not from_logits:
        return y_pred, lambda g: g
    cax = _checks.axis(class_axis, xp.ndim(y_pred), "class_axis")
    if xp.shape(y_pred)[cax] == 1:
        p = xp.sigmoid(y_pred)
        return p, lambda g: g * p * (1.0 - p)
    p = xp.softmax(y_pred, cax)
    return p, lambda g: p * (g - xp.sum(g * p, cax, keepdims=True))


def _sums(xp: Any, y_true: Any, y_pred: Array, axis: Any, from_logits: bool,
          class_axis: int) -> tuple:
    """``(t, p, back, axes, I, P, T)``: the targets, probabilities, their
    gradient map, the summed axes and the three sums over them."""
    t = _target(xp, y_true, y_pred)
    p, back = _probabilities(xp, y_pred, from_logits, class_axis)
    axes = _axes(axis, xp.ndim(y_pred))
    inter, pred, true = (_total(xp, x, axes) for x in (t * p, p, t))
    return t, p, back, axes, inter, pred, true


def _total(xp: Any, x: Array, axes: tuple[int, ...]) -> Array:
    """``x`` summed over ``axes`` in one reduction (the natives' rounding)."""
    return xp.sum(x, axes) if axes else x


def _spread(xp: Any, x: Array, axes: tuple[int, ...]) -> Array:
    """A summed quantity with its summed axes back as size-1 axes."""
    for a in axes:
        x = xp.expand_dims(x, a)
    return x


def _tversky_terms(xp: Any, y_true: Any, y_pred: Array, grad: bool, alpha: Any, beta: Any,
                   smooth_nr: Any, smooth_dr: Any, axis: Any, from_logits: bool,
                   class_axis: int, weight: Array | None = None) -> tuple:
    """``(loss, g, axes)`` of the Tversky loss (``alpha=beta=None``: Dice's form),
    times ``weight`` (``y_pred``'s rank, size 1 on the summed axes) if given."""
    t, p, back, axes, inter, pred, true = _sums(xp, y_true, y_pred, axis, from_logits, class_axis)
    if alpha is None:  # Dice: 1 - (2 I + s_n) / (P + T + s_d)
        num, den = 2.0 * inter + smooth_nr, pred + true + smooth_dr
    else:  # I + beta FN + alpha FP, the soft counts summed directly (no cancellation)
        fn, fp = _total(xp, (1.0 - p) * t, axes), _total(xp, p * (1.0 - t), axes)
        num = inter + smooth_nr
        den = inter + fn * beta + fp * alpha + smooth_dr
    loss = 1.0 - num / den
    if weight is not None:
        wl = weight
        for a in reversed(axes):
            wl = xp.squeeze(wl, a)
        loss = loss * wl
    g = None
    if grad:
        n, d = _spread(xp, num, axes), _spread(xp, den, axes)
        if alpha is None:  # d/dp of -(2I + s_n)/S = -(2 t S - N) / S^2
            g = (n - 2.0 * t * d) / (d * d)
        else:  # -(t D - N (alpha + (1 - alpha - beta) t)) / D^2
            # an array option broadcasts against the loss (trailing dims): spread its full shape
            a, b = (v if isinstance(v, (int, float)) else _spread(xp, xp.zeros_like(loss) + v, axes)
                    for v in (alpha, beta))
            g = (n * (a + (1.0 - a - b) * t) - t * d) / (d * d)
        g = back(g if weight is None else g * weight)
    return loss, g, axes


# --- Dice ----------------------------------------------------------------------------------


@loss("overlap",
      formula="1 - (2 sum(t p) + s_n) / (sum(p) + sum(t) + s_d)",
      make=make_segmentation,
      cases=({}, {"axis": (1,), "sample_weight": ARRAY, "smooth_nr": 1.0, "smooth_dr": 1.0},
             {"axis": (1,), "from_logits": True, "reduction": "sum"}),
      natives={"keras": "keras.losses.dice"},
      checks=_CHECKS, traced=_TRACED)
def dice(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, smooth_nr: float = 0.0,
         smooth_dr: float = 1e-7, axis: Any = None, from_logits: bool = False,
         class_axis: int = -1) -> tuple:
    r"""Dice loss: one minus the soft Dice coefficient of sums over ``axis``.

    .. math:: \ell = 1 - \frac{2 \sum t p + s_n}{\sum p + \sum t + s_d}, \qquad
              \frac{\partial \ell}{\partial p_i} = \frac{(2 I + s_n) - 2 t_i S}{S^2},
              \quad S = \sum p + \sum t + s_d

    Args:
      y_true: targets (binary masks, one-hot or soft), ``y_pred``'s shape.
      y_pred: probabilities, or logits with ``from_logits``.
      smooth_nr, smooth_dr: added to the numerator and the denominator,
        numbers >= 0 (arrays broadcast against the loss too; traced under
        ``jit``). Keras: ``0`` and ``keras.config.epsilon()``.
      axis: the axes summed over: ``None`` (every axis: one number, Keras'
        default), an integer or a tuple of them; the loss keeps the others.
      from_logits: apply ``sigmoid`` (size-1 ``class_axis``) or ``softmax``
        over ``class_axis`` first.
      class_axis: the class axis of ``from_logits``.
      reduction, sample_weight: over the per-element losses, as in
        :func:`~losses.mean_squared_error`.

    Native equivalents: ``keras.losses.dice(y_true, y_pred, axis)`` =
    ``dice(y_true, y_pred, axis=axis, reduction="none")`` with the default
    smoothing; ``optax.dice_loss(logits, targets, smooth=s)`` (``alpha =
    beta = 1/2``, its class mean aside) = ``dice(..., smooth_nr=2 s,
    smooth_dr=2 s, axis=spatial axes, from_logits=True)``.

    >>> import numpy as np
    >>> # I = 1, P = 2, T = 1: 1 - 2/3
    >>> round(float(dice(np.array([1., 0.]), np.array([1., 1.]), smooth_dr=0.0)), 6)
    0.333333
    """
    loss_, g, axes = _tversky_terms(xp, y_true, y_pred, grad, None, None, smooth_nr, smooth_dr,
                                    axis, from_logits, class_axis)
    return loss_, None, g, axes


# --- Tversky -------------------------------------------------------------------------------


@loss("overlap",
      formula="1 - (I + s_n) / (I + alpha (P - I) + beta (T - I) + s_d), I = sum(t p)",
      make=make_segmentation,
      cases=({"alpha": 0.3, "beta": 0.7},
             {"axis": (1,), "alpha": 0.8, "beta": 0.4, "smooth_nr": 1.0, "smooth_dr": 1.0,
              "from_logits": True, "sample_weight": ARRAY},
             {"axis": (1, 2), "binary": True, "from_logits": True, "reduction": "none"}),
      natives={"keras": "keras.losses.tversky", "optax": "optax.losses.dice_loss"},
      checks={**_CHECKS, "alpha": NON_NEGATIVE, "beta": NON_NEGATIVE},
      traced=("alpha", "beta", *_TRACED))
def tversky(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, alpha: float = 0.5,
            beta: float = 0.5, smooth_nr: float = 0.0, smooth_dr: float = 1e-7, axis: Any = None,
            from_logits: bool = False, class_axis: int = -1) -> tuple:
    r"""Tversky loss: Dice with false positives and false negatives weighed apart.

    .. math:: \ell = 1 - \frac{I + s_n}{I + \alpha (P - I) + \beta (T - I) + s_d},
              \qquad I = \sum t p,\ P = \sum p,\ T = \sum t

    over ``axis``; ``P - I`` are the (soft) false positives, ``T - I`` the
    false negatives (Salehi et al., 2017). ``alpha = beta = 1/2`` is
    :func:`dice` with ``2 s_n``, ``2 s_d``.

    Args:
      alpha: weight of the false positives, a number >= 0 (or an array
        broadcast against the loss, e.g. one per class; traced under ``jit``).
      beta: weight of the false negatives, the same.
      y_true, y_pred, smooth_nr, smooth_dr, axis, from_logits, class_axis,
        reduction, sample_weight: as in :func:`dice`.

    Native equivalents: ``keras.losses.tversky(y_true, y_pred, alpha=a,
    beta=b, axis)`` = ``tversky(..., alpha=b, beta=a, axis=axis,
    reduction="none")`` -- Keras' ``alpha`` multiplies ``sum((1 - p) t)``, the
    false *negatives*, although its docstring says false positives;
    ``optax.losses.dice_loss(logits, targets, smooth=s, alpha=a, beta=b,
    reduction="none")`` = ``tversky(targets, logits, alpha=a, beta=b,
    smooth_nr=s, smooth_dr=s, axis=spatial axes, from_logits=True,
    reduction="none")``.

    >>> import numpy as np
    >>> # I = 1, FP = 1, FN = 0: 1 - 1 / (1 + 0.5)
    >>> round(float(tversky(np.array([1., 0.]), np.array([1., 1.]), smooth_dr=0.0)), 6)
    0.333333
    """
    loss_, g, axes = _tversky_terms(xp, y_true, y_pred, grad, alpha, beta, smooth_nr, smooth_dr,
                                    axis, from_logits, class_axis)
    return loss_, None, g, axes


# --- generalized Dice ----------------------------------------------------------------------


@loss("overlap",
      formula="w_c (1 - (2 I_c + s_n) / (P_c + T_c + s_d)), w_c = C v_c / sum(v), v_c = 1 / (T_c^2 + 1e-7)",
      make=make_segmentation,
      cases=({"from_logits": True}, {"smooth_nr": 0.5, "smooth_dr": 0.5, "sample_weight": ARRAY}),
      natives={"optax": "optax.losses.multiclass_generalized_dice_loss"},
      checks=_CHECKS, traced=_TRACED)
def generalized_dice(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, smooth_nr: float = 2.0,
                     smooth_dr: float = 2.0, axis: Any = None, from_logits: bool = False,
                     class_axis: int = -1) -> tuple:
    r"""Generalized Dice loss (Sudre et al., 2017): per-class Dice losses weighed
    by the inverse square of each class's target mass.

    .. math:: \ell_{n,c} = w_c \Big(1 - \frac{2 I_{n,c} + s_n}{P_{n,c} + T_{n,c} + s_d}\Big),
              \qquad w_c = C \frac{v_c}{\sum_k v_k},\quad v_c = \frac{1}{F_c^2 + 10^{-7}}

    where ``F_c`` is class ``c``'s target mass over the whole batch (every
    axis but ``class_axis``). The weights depend on the targets only.

    Args:
      axis: the axes summed per class: ``None`` (default) is every axis but
        the first (the batch) and ``class_axis``; it must not hold
        ``class_axis``. The loss is ``[N, ..., C]``: ``"mean"`` is optax's
        value.
      smooth_nr, smooth_dr: as in :func:`dice`; the defaults (2, 2) are
        optax's ``smooth=1`` in :func:`dice`'s form.
      y_true, y_pred, from_logits, class_axis, reduction, sample_weight: as
        in :func:`dice`.

    Native equivalent: ``optax.losses.multiclass_generalized_dice_loss(
    logits, targets, smooth=s)`` = ``generalized_dice(targets, logits,
    smooth_nr=2 s, smooth_dr=2 s, from_logits=True)``.

    >>> import numpy as np
    >>> t = np.array([[[1., 0.], [1., 0.]]])  # class 1 absent: weight ~ 2, class 0 ~ 0
    >>> v = generalized_dice(t, np.full((1, 2, 2), 0.5), reduction="none")  # 2 (1 - 2/3)
    >>> [round(float(x), 6) for x in v.ravel()]
    [0.0, 0.666667]
    """
    nd = xp.ndim(y_pred)
    cax = _checks.axis(class_axis, nd, "class_axis")
    if axis is None:
        axis = tuple(a for a in range(1, nd) if a != cax)
    axes = _axes(axis, nd)
    if cax in axes:
        _checks.fail(f"`axis`={axis!r} holds the class axis {cax}: the generalized Dice loss "
                     "weighs each class, so the class axis must be kept")
    freq = _target(xp, y_true, y_pred)
    for a in reversed(range(nd)):
        if a != cax:
            freq = xp.sum(freq, a, keepdims=True)
    inv = 1.0 / (freq * freq + 1e-7)
    w = inv / xp.sum(inv) * float(xp.shape(y_pred)[cax])  # [1, ..., C, ..., 1]
    loss_, g, axes = _tversky_terms(xp, y_true, y_pred, grad, None, None, smooth_nr, smooth_dr,
                                    axes, from_logits, class_axis, weight=w)
    return loss_, None, g, axes
