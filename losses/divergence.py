"""Information-theory family: KL divergence, entropy, Jensen-Shannon
divergence, mutual information and conditional entropy -- the quantities
cross-entropy is built from (``H(P, Q) = H(P) + KL(P || Q)``).

All in nats. Probability inputs follow one log rule, Keras' clip made
one-sided where it can be: ``log(max(p, epsilon))``. It leaves ``0 log 0 = 0``
and every value with ``p >= epsilon`` exact, and keeps the gradient finite at
``p = 0`` (where the true derivative of ``p log p`` is infinite).

One-distribution losses (:func:`entropy`, :func:`mutual_information`,
:func:`conditional_entropy`) take their distribution as their only
positional argument. To fit the two-array protocol of
:func:`~losses.value_and_grad` and the registry they are also callable as
``(y_true=None, y_pred=distribution)``: ``losses.value_and_grad(losses.entropy,
None, p)`` gives ``H(p)`` and ``dH/dp``; a ``y_true`` other than ``None``
raises ``ValueError``.
"""

from __future__ import annotations

from typing import Any

from backends import table_for

from . import _checks
from ._declare import ARRAY, loss
from ._makers import make_distributions, make_joint, make_single
from ._xent import dense_true, masked_log_softmax, poison, where_mask

Array = Any

# --- shared pieces -----------------------------------------------------------


#: the log's floor ``log(max(p, epsilon))``: ``epsilon`` in ``(0, 0.5)``
LOG_FLOOR = _checks.in_range(0.0, 0.5, lo_open=True, hi_open=True)


def _flog(xp: Any, p: Array, epsilon: float) -> tuple:
    """``(log(max(p, epsilon)), 1 where p >= epsilon else 0)``."""
    inside = p >= epsilon
    return xp.log(xp.maximum(p, epsilon)), xp.where(inside, xp.ones_like(p), xp.zeros_like(p))


def _negative(xp: Any, x: Array, name: str) -> Any:
    """Negative entries of a distribution (probabilities or weights): see
    :func:`_checks.data`. NaN is not flagged: it propagates by itself."""
    return _checks.data(xp, x < 0.0, x, name, "negative value(s)",
                        "a distribution's probabilities or weights must be non-negative")


def _poison_rows(xp: Any, loss: Array, bad: Any, axes: tuple) -> Array:
    """``loss`` (``bad``'s shape less ``axes``) NaN where its distribution has a bad entry."""
    if bad is None:
        return loss
    n = xp.cast(bad, xp.dtype_of(loss))
    for a in sorted(axes, reverse=True):
        n = xp.sum(n, a)
    return poison(xp, loss, n > 0.0)


def _normalised(xp: Any, x: Array, ax: int) -> tuple:
    s = xp.sum(x, ax, keepdims=True)
    return x / s, s


# --- KL divergence -----------------------------------------------------------------


@loss("divergence",
      formula="sum_c p_c (log p_c - log q_c)",
      make=make_distributions,
      cases=({}, {"log_input": True, "zeros": True}, {"log_input": True, "log_target": True, "zeros": True}, {"from_logits": True, "axis": 1}, {"from_logits": True, "log_target": True}, {"log_target": True, "sample_weight": ARRAY, "reduction": "sum_over_batch_size"}, {"log_input": True, "axis": None, "reduction": "sum", "sample_weight": 0.25}, {"axis": None, "reduction": "none", "zeros": True}),
      natives={"keras": "keras.losses.kl_divergence", "torch": "F.kl_div", "optax": "optax.kl_divergence(_with_log_targets)"},
      checks={"from_logits": _checks.flag, "log_input": _checks.flag, "log_target": _checks.flag, "epsilon": LOG_FLOOR},
      arrays=("where",),
      saturate=True)
def kl_divergence(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, from_logits: bool = False, log_input: bool = False, log_target: bool = False, axis: int | None = -1, epsilon: float = 1e-7, where: Any = None) -> tuple:
    r"""Kullback-Leibler divergence ``KL(P || Q)`` of the prediction ``Q`` from the target ``P``.

    .. math:: \ell = \sum_c p_c\,(\log p_c - \log q_c)

    One spec; the options say which space each input is in:

    =========================================  =================================  ==========================================
    options                                    inputs                             native it equals
    =========================================  =================================  ==========================================
    (defaults)                                 ``P``, ``Q`` probabilities         ``keras.losses.kl_divergence``: both
                                                                                  clipped to ``[epsilon, 1]`` (a 0 in ``P``
                                                                                  counts as ``epsilon``)
    ``log_input=True``                         ``Q`` log-probabilities            ``torch.nn.functional.kl_div(input,
                                                                                  target)``, ``optax.kl_divergence``
    ``log_input=True, log_target=True``        both log-probabilities             ``F.kl_div(..., log_target=True)``,
                                                                                  ``optax.kl_divergence_with_log_targets``
    ``from_logits=True``                       ``Q`` logits (``log_softmax``)     --
    =========================================  =================================  ==========================================

    Outside the all-probability (Keras) case nothing is clipped and
    ``p log p = 0`` where ``p = 0``, as in torch and optax; a negative target
    probability gives NaN, as in torch.

    Args:
      y_true: the target ``P`` (probabilities, or log-probabilities with
        ``log_target=True``), same shape as ``y_pred``.
      y_pred: the prediction ``Q``: probabilities, log-probabilities
        (``log_input=True``) or logits (``from_logits=True``; exclusive with
        ``log_input``).
      axis: the class axis summed over; ``None`` keeps the point-wise terms
        (torch's ``F.kl_div`` with ``reduction="none"`` / ``"mean"``).
      reduction, sample_weight: as in :func:`~losses.categorical_crossentropy`.
        torch's ``reduction="batchmean"`` is ``reduction="sum"`` with
        ``sample_weight=1 / N`` (``N = y_pred.shape[0]``); its ``"mean"`` (over
        every element) is ``axis=None, reduction="mean"``.
      epsilon: the clip of the all-probability case.
      where: a mask broadcastable to ``y_pred`` (nonzero = included), as
        ``optax.kl_divergence(where=...)``: excluded elements leave the sum
        (and, with ``from_logits``, the softmax); a row with none included
        has loss 0 and is not counted by ``"mean"``.

    Native calls, with ``x`` torch's ``input`` (log-probabilities) and ``t``
    its ``target``: ``F.kl_div(x, t, reduction="batchmean", log_target=b)``
    = ``kl_divergence(t, x, log_input=True, log_target=b, axis=None,
    reduction="sum", sample_weight=1 / x.shape[0])``;
    ``optax.kl_divergence(log_q, p, axis=a)`` = ``kl_divergence(p, log_q,
    log_input=True, axis=a, reduction="none")``. Keras' ``KLDivergence()``
    = ``kl_divergence(p, q, reduction="sum_over_batch_size")``.

    Better than torch and optax: with ``log_target=True`` a target
    log-probability of ``-inf`` (probability 0) contributes 0 here; torch and
    optax compute ``exp(-inf) * (-inf - x) = NaN``. A negative target
    probability (``log_target=False``, outside the Keras case) gives NaN for
    its element, as torch's and optax's ``xlogy`` do.

    >>> import numpy as np
    >>> # KL((1/2, 1/2) || (1/4, 3/4)) = 1/2 log 2 + 1/2 log(2/3)
    >>> round(float(kl_divergence(np.array([[0.5, 0.5]]), np.array([[0.25, 0.75]]))), 6)
    0.143841
    """
    if from_logits and log_input:
        _checks.fail("`from_logits` and `log_input` are exclusive: y_pred holds logits "
                     "(from_logits=True) or log-probabilities (log_input=True)")
    if axis is None:
        if from_logits:
            _checks.fail("`from_logits=True` needs a class `axis` for the softmax; got axis=None")
        ax = None
    else:
        ax = _checks.axis(axis, xp.ndim(y_pred))
    y = dense_true(xp, y_true, y_pred)
    m = mf = rows = None
    if where is not None:  # excluded elements leave the sum (and the softmax)
        m, mf, rows, _ = where_mask(xp, where, y_pred, 0 if ax is None else ax)
    keras = not (from_logits or log_input or log_target)
    if from_logits:
        logq = xp.log_softmax(y_pred, ax) if m is None else masked_log_softmax(xp, y_pred, ax, m, rows)[0]
    elif log_input:
        logq = y_pred
    else:  # Keras: clip to [epsilon, 1]
        pc = xp.clip(y_pred, epsilon, 1.0)
        logq = xp.log(pc)
    if keras:  # Keras clips the target too: a 0 counts as epsilon
        t = xp.clip(y, epsilon, 1.0)
        lt = xp.log(t)
    else:  # torch / optax: t log t = 0 at t = 0 (and at log t = -inf), no clip
        t = xp.exp(y) if log_target else y
        pos = t != 0.0  # a negative target keeps its log: NaN, as torch and optax give
        lt = xp.where(pos, y, xp.zeros_like(y)) if log_target else xp.log(xp.where(pos, y, xp.ones_like(y)))
        logq = xp.where(pos, logq, xp.zeros_like(logq))  # multiplied by t = 0 there
    if m is not None:
        t = t * mf
    point = t * (lt - logq)
    if m is not None:  # 0 where excluded, whatever the inputs hold there
        point = xp.where(m, point, xp.zeros_like(point))
    loss = point if ax is None else xp.sum(point, ax)
    denom = None
    if m is not None:  # "mean" counts the rows (elements, axis=None) with something included
        denom = mf if ax is None else xp.cast(xp.squeeze(rows, ax), xp.dtype_of(y_pred))
    g = None
    if grad:
        if from_logits:
            g = xp.exp(logq) * xp.sum(t, ax, keepdims=True) - t
            if m is not None:
                g = g * mf
        elif log_input:
            g = -t
        else:
            inside = (y_pred >= epsilon) & (y_pred <= 1.0)
            g = xp.where(inside, -t / pc, 0.0 * t)
    return loss, denom, g, ax


def fused_kl_divergence(y_true: Any, y_pred: Any, reduction: str, log_target: bool = False,
                        divisor: int | None = None) -> Any:
    """The fused form of :func:`kl_divergence` with ``log_input=True,
    axis=None`` (torch's ``F.kl_div``), for the adapters
    (``losses.kl_divergence.fused``): the point-wise terms reduced by
    ``reduction`` (``"none"``, ``"mean"``, ``"sum"``; the sum divided by
    ``divisor``: ``"batchmean"``) and saturated as the spec, by the backend's
    fused kernel; ``None`` where it has none or it does not apply (the caller
    takes the spec's path, which checks everything). ``log_target`` must be a
    bool."""
    xp = table_for(y_pred)
    if xp.fused_kl_div is None:
        return None
    return xp.fused_kl_div(y_pred, y_true, reduction, log_target, divisor)


kl_divergence.fused = fused_kl_divergence


# --- entropy --------------------------------------------------------------------------


@loss("divergence",
      formula="-sum_c p_c log p_c",
      make=make_single,
      cases=({}, {"from_logits": True}, {"zeros": True, "axis": 1, "sample_weight": ARRAY}, {"from_logits": True, "axis": 1, "reduction": "sum"}),
      natives={"scipy": "scipy.stats.entropy"},
      checks={"from_logits": _checks.flag, "epsilon": LOG_FLOOR},
      inputs=("p",))
def entropy(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, from_logits: bool = False, axis: int = -1, epsilon: float = 1e-7) -> tuple:
    r"""Shannon entropy of a distribution, in nats.

    .. math:: H(p) = -\sum_c p_c \log p_c

    Args:
      p: probabilities or non-negative weights (renormalised over ``axis``, as
        ``scipy.stats.entropy`` does), or logits (``from_logits=True``:
        ``p = softmax``, computed with ``log_softmax``). A negative weight
        raises ``ValueError`` in eager mode and makes its distribution's
        entropy NaN under ``jit``/``tf.function`` (scipy gives ``-inf``).
      axis: the axis of the distribution.
      reduction, sample_weight: over the per-distribution entropies, as in
        :func:`~losses.categorical_crossentropy`.
      epsilon: the log's floor, ``log(max(p, epsilon))``: ``0 log 0 = 0`` and
        the gradient at ``p = 0`` is finite (``-log(epsilon) - ...`` instead
        of ``+inf``).

    Two-array form (``value_and_grad``, the registry): ``y_true`` is ``None``
    and ``p`` is ``y_pred`` -- see :mod:`losses.divergence`.

    Native equivalents: ``scipy.stats.entropy(p, axis=axis)``;
    ``torch.distributions.Categorical(logits=z).entropy()``
    (``from_logits=True``, ``reduction="none"``).

    >>> import numpy as np
    >>> round(float(entropy(np.array([1.0, 1.0, 2.0]))), 6)  # 1/2 log 4 + 1/2 log 2
    1.039721
    """
    ax = _checks.axis(axis, xp.ndim(y_pred), of="p")
    g = None
    if from_logits:
        logp = xp.log_softmax(y_pred, ax)
        p = xp.exp(logp)
        loss = -xp.sum(p * logp, ax)
        if grad:  # dH/dz_k = -p_k (log p_k + H)
            g = -p * (logp + xp.expand_dims(loss, ax))
        return loss, None, g, ax
    bad = _negative(xp, y_pred, "p")
    q, s = _normalised(xp, y_pred, ax)
    lq, iq = _flog(xp, q, epsilon)
    loss = _poison_rows(xp, -xp.sum(q * lq, ax), bad, (ax,))
    if grad:
        gq = -(lq + iq)
        g = (gq - xp.sum(gq * q, ax, keepdims=True)) / s
    return loss, None, g, ax


# --- Jensen-Shannon divergence -----------------------------------------------------------


@loss("divergence",
      formula="1/2 KL(P||M) + 1/2 KL(Q||M), M = (P+Q)/2",
      make=make_distributions,
      cases=({}, {"from_logits": True}, {"zeros": True, "unnormalised": True, "sample_weight": ARRAY, "reduction": "sum"}, {"from_logits": True, "axis": 1, "zeros": True}),
      natives={"scipy": "scipy.spatial.distance.jensenshannon ** 2"},
      checks={"from_logits": _checks.flag, "epsilon": LOG_FLOOR})
def js_divergence(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, from_logits: bool = False, axis: int = -1, epsilon: float = 1e-7) -> tuple:
    r"""Jensen-Shannon divergence, in nats.

    .. math:: \mathrm{JS}(P, Q) = \tfrac12 \mathrm{KL}(P \| M) + \tfrac12 \mathrm{KL}(Q \| M),
              \qquad M = \tfrac12 (P + Q)

    Symmetric, bounded by ``log 2``, finite even where the supports differ.

    Args:
      y_true: ``P``: probabilities or non-negative weights (renormalised over
        ``axis``), same shape as ``y_pred``.
      y_pred: ``Q``: the same, or logits (``from_logits=True``). A negative
        weight in ``P`` or ``Q`` raises ``ValueError`` in eager mode (NaN
        under ``jit``/``tf.function``).
      axis: the class axis.
      reduction, sample_weight: as in :func:`~losses.categorical_crossentropy`.
      epsilon: the log's floor ``log(max(x, epsilon))`` (see
        :func:`entropy`).

    Native equivalent: ``scipy.spatial.distance.jensenshannon(p, q,
    axis=axis) ** 2`` (scipy returns the distance, the square root).

    >>> import numpy as np
    >>> round(float(js_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0]))), 6)  # log 2
    0.693147
    """
    ax = _checks.axis(axis, xp.ndim(y_pred))
    y = dense_true(xp, y_true, y_pred)
    bad = _negative(xp, y, "y_true")
    if not from_logits:
        bad_q = _negative(xp, y_pred, "y_pred")
        bad = bad_q if bad is None else bad if bad_q is None else bad | bad_q
    p, _ = _normalised(xp, y, ax)
    lp, _ = _flog(xp, p, epsilon)
    if from_logits:
        lq = xp.log_softmax(y_pred, ax)
        q = xp.exp(lq)
        iq = 1.0
    else:
        q, s = _normalised(xp, y_pred, ax)
        lq, iq = _flog(xp, q, epsilon)
    lm, im = _flog(xp, 0.5 * (p + q), epsilon)
    loss = _poison_rows(xp, 0.5 * xp.sum(p * (lp - lm) + q * (lq - lm), ax), bad, (ax,))
    g = None
    if grad:
        gq = 0.5 * (lq - lm + iq - im)
        gq = gq - xp.sum(gq * q, ax, keepdims=True)
        g = q * gq if from_logits else gq / s
    return loss, None, g, ax


# --- mutual information and conditional entropy of a joint table -------------------------


def _joint(xp: Any, table: Array, x_axis: int, y_axis: int, epsilon: float) -> tuple:
    """Normalised joint ``P``, its scale ``s``, the axes, and the floored logs
    (with their inside-masks) of ``P`` and of the marginals ``P(X)``, ``P(Y)``."""
    nd = xp.ndim(table)
    if nd < 2:
        _checks.fail(f"`joint` must have at least 2 dimensions (X and Y); got shape "
                     f"{_checks.fmt_shape(xp.shape(table))}")
    xa = _checks.axis(x_axis, nd, "x_axis", of="joint")
    ya = _checks.axis(y_axis, nd, "y_axis", of="joint")
    if xa == ya:
        _checks.fail(f"`x_axis` and `y_axis` must be different axes of `joint`; both are {xa}")
    s = xp.sum(xp.sum(table, xa, keepdims=True), ya, keepdims=True)
    p = table / s
    px = xp.sum(p, ya, keepdims=True)
    py = xp.sum(p, xa, keepdims=True)
    return p, s, xa, ya, _flog(xp, p, epsilon), _flog(xp, px, epsilon), _flog(xp, py, epsilon)


def _sum2(xp: Any, x: Array, a: int, b: int) -> Array:
    return xp.sum(xp.sum(x, max(a, b)), min(a, b))


def _table_grad(xp: Any, gp: Array, p: Array, s: Array, xa: int, ya: int) -> Array:
    """From ``d/dP`` to ``d/dtable`` through ``P = table / sum(table)``."""
    return (gp - xp.sum(xp.sum(gp * p, xa, keepdims=True), ya, keepdims=True)) / s


@loss("divergence",
      formula="sum_xy P(x,y) log P(x,y) / (P(x) P(y))",
      make=make_joint,
      cases=({}, {"zeros": True}, {"batch": True, "x_axis": 2, "y_axis": 0, "sample_weight": ARRAY, "reduction": "sum"}),
      natives={"sklearn": "sklearn.metrics.mutual_info_score(contingency=...)"},
      checks={"epsilon": LOG_FLOOR},
      inputs=("joint",))
def mutual_information(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, x_axis: int = -2, y_axis: int = -1, epsilon: float = 1e-7) -> tuple:
    r"""Mutual information ``I(X; Y)`` of a joint distribution table, in nats.

    .. math:: I(X; Y) = \sum_{x, y} P(x, y) \log \frac{P(x, y)}{P(x)\,P(y)}
              = H(X) + H(Y) - H(X, Y) \;\ge 0

    Args:
      joint: ``P(X, Y)`` with ``X`` along ``x_axis`` and ``Y`` along
        ``y_axis`` (other axes are a batch of tables). Unnormalised tables
        are accepted -- each is divided by its total, so a contingency table
        of counts works as well as probabilities -- and the gradient is that
        of the normalised quantity (orthogonal to the table: scaling it
        changes nothing). A negative cell raises ``ValueError`` in eager mode
        (its table's value is NaN under ``jit``/``tf.function``).
      x_axis, y_axis: the axes of ``X`` and ``Y`` (default: the last two).
      reduction, sample_weight: over the batch of tables, as in
        :func:`~losses.categorical_crossentropy`.
      epsilon: the log's floor (see :func:`entropy`): zero cells are exact,
        the gradient there is finite.

    Two-array form: ``(None, joint)`` -- see :mod:`losses.divergence`.

    Native equivalent: ``sklearn.metrics.mutual_info_score(None, None,
    contingency=joint)`` for one 2-D table.

    >>> import numpy as np
    >>> round(float(mutual_information(np.array([[1.0, 0.0], [0.0, 1.0]]))), 6)  # log 2
    0.693147
    """
    p, s, xa, ya, (lp, ip), (lx, ix), (ly, iy) = _joint(xp, y_pred, x_axis, y_axis, epsilon)
    loss = _poison_rows(xp, _sum2(xp, p * (lp - lx - ly), xa, ya), _negative(xp, y_pred, "joint"),
                        (xa, ya))
    g = _table_grad(xp, (lp + ip) - (lx + ix) - (ly + iy), p, s, xa, ya) if grad else None
    return loss, None, g, (min(xa, ya), max(xa, ya))


@loss("divergence",
      formula="-sum_xy P(x,y) log P(x,y) / P(y)",
      make=make_joint,
      cases=({}, {"batch": True, "x_axis": -1, "y_axis": -2, "reduction": "none"}, {"batch": True, "x_axis": 0, "y_axis": 2, "zeros": True, "sample_weight": ARRAY}),
      natives={},
      checks={"epsilon": LOG_FLOOR},
      inputs=("joint",))
def conditional_entropy(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, x_axis: int = -2, y_axis: int = -1, epsilon: float = 1e-7) -> tuple:
    r"""Conditional entropy ``H(X | Y)`` of a joint distribution table, in nats.

    .. math:: H(X \mid Y) = -\sum_{x, y} P(x, y) \log \frac{P(x, y)}{P(y)}
              = H(X, Y) - H(Y) = H(X) - I(X; Y)

    ``X`` is along ``x_axis``, the conditioning ``Y`` along ``y_axis``;
    swap them for ``H(Y | X)``.

    Args:
      joint, x_axis, y_axis, reduction, sample_weight, epsilon: as in
        :func:`mutual_information` (unnormalised tables are normalised).

    Two-array form: ``(None, joint)`` -- see :mod:`losses.divergence`.

    Native equivalent: none; ``sum_y P(y) scipy.stats.entropy(P(X | y))``.

    >>> import numpy as np
    >>> # X uniform on {0, 1} and independent of Y: H(X | Y) = log 2
    >>> round(float(conditional_entropy(np.array([[1.0, 3.0], [1.0, 3.0]]))), 6)
    0.693147
    """
    p, s, xa, ya, (lp, ip), _, (ly, iy) = _joint(xp, y_pred, x_axis, y_axis, epsilon)
    loss = _poison_rows(xp, -_sum2(xp, p * (lp - ly), xa, ya), _negative(xp, y_pred, "joint"),
                        (xa, ya))
    g = _table_grad(xp, (ly + iy) - (lp + ip), p, s, xa, ya) if grad else None
    return loss, None, g, (min(xa, ya), max(xa, ya))




# --- generalized KL divergence (unnormalised measures) -----------------------------------


@loss("divergence",
      formula="sum_c p_c (log p_c - log q_c) + q_c - p_c",
      make=make_distributions,
      cases=({"log_input": True, "unnormalised": True},
             {"log_input": True, "zeros": True, "unnormalised": True, "sample_weight": ARRAY, "axis": 1},
             {"log_input": False, "unnormalised": True, "reduction": "sum"}),
      natives={"optax": "optax.losses.generalized_kl_divergence"},
      checks={"log_input": _checks.flag},
      arrays=("where",))
def generalized_kl_divergence(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, log_input: bool = True,
                              axis: int = -1, where: Any = None) -> tuple:
    r"""Generalized Kullback-Leibler divergence of unnormalised measures.

    .. math:: \ell = \sum_c p_c\,(\log p_c - \log q_c) + q_c - p_c

    The Bregman divergence of ``x log x - x``; for distributions (both
    summing to 1) it is :func:`kl_divergence`. ``p log p = 0`` where
    ``p = 0``; a negative ``p`` gives NaN (its log), as optax.

    Args:
      y_true: the target measure ``P`` (non-negative), ``y_pred``'s shape.
      y_pred: ``log Q`` (``log_input=True``, the default, optax's form) or ``Q``.
      log_input: whether ``y_pred`` holds log-values.
      axis: the axis summed over.
      where: a mask broadcastable to ``y_pred`` (nonzero = included), as
        optax's ``where``: excluded elements leave the sum; a row with none
        included has loss 0 and is not counted by ``"mean"``.
      reduction, sample_weight: as in :func:`~losses.categorical_crossentropy`.

    Native equivalent: ``optax.losses.generalized_kl_divergence(log_q, p,
    axis=a, where=w)`` (and its deprecated alias ``convex_kl_divergence``) =
    ``generalized_kl_divergence(p, log_q, axis=a, where=w, reduction="none")``.

    >>> import numpy as np
    >>> # p = (1, 1), q = (2, 1): log(1/2) + 2 - 1
    >>> round(float(generalized_kl_divergence(np.array([1.0, 1.0]), np.log(np.array([2.0, 1.0])))), 6)
    0.306853
    """
    ax = _checks.axis(axis, xp.ndim(y_pred))
    y = dense_true(xp, y_true, y_pred)
    m = None
    if where is not None:
        m, mf, rows, _ = where_mask(xp, where, y_pred, ax)
    logq = y_pred if log_input else xp.log(y_pred)
    q = xp.exp(y_pred) if log_input else y_pred
    pos = y != 0.0  # t log t = 0 at t = 0; a negative t keeps its log: NaN
    lt = xp.log(xp.where(pos, y, xp.ones_like(y)))
    point = xp.where(pos, y * (lt - logq), xp.zeros_like(y)) + q - y
    if m is not None:
        point = xp.where(m, point, xp.zeros_like(point))
    loss_ = xp.sum(point, ax)
    denom = None if m is None else xp.cast(xp.squeeze(rows, ax), xp.dtype_of(y_pred))
    g = None
    if grad:
        g = q - y if log_input else 1.0 - xp.where(pos, y, xp.zeros_like(y)) / y_pred
        if m is not None:
            g = g * mf
    return loss_, denom, g, ax
