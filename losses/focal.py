"""Focal and poly family: binary / sigmoid / categorical / sparse categorical
focal cross-entropy and Poly-1 cross-entropy.

These are cross-entropies with a weight that depends on the prediction: the
focal factor ``(1 - p_t)^gamma`` (Lin et al., 2017, `Focal Loss for Dense
Object Detection <https://arxiv.org/abs/1708.02002>`_) or the first
polynomial term ``epsilon_1 (1 - p_t)`` (Leng et al., 2022, `PolyLoss
<https://arxiv.org/abs/2204.12511>`_). The cross-entropy pieces (log-prob
rules, label handling, smoothing) come from :mod:`losses._xent`.

Numerics of the focal factor ``m = u^gamma``, ``u = 1 - p_t``: its
derivative ``gamma u^(gamma-1)`` is infinite at ``u = 0`` when
``gamma < 1``, while the loss's true gradient there is finite (it tends to 0
for logits, as ``-log p_t ~ u``). So:

* logits: ``u`` is computed without cancellation (``sigmoid(-z)`` for a
  positive label; for softmax, the sum of the *other* classes' probabilities
  for the one class with ``p > 1/2``, whose ``log p`` is then ``log1p(-u)``),
  so easy examples keep their digits, and floored at ``1e-30`` (below it the
  factor's derivative is taken as 0; the value changes by less than
  ``1e-30^gamma`` times a cross-entropy that is itself ``~u``);
* probabilities: ``u`` is computed from the clipped probability
  ``clip(p, epsilon, 1 - epsilon)``, so ``u >= epsilon``.

Gradients (closed form and every framework's autodiff) stay finite for every
``gamma >= 0`` at every input.
"""

from __future__ import annotations

import numbers
from typing import Any

from backends import table_for

from . import _checks, _xent
from ._declare import ARRAY, loss
from ._makers import make_binary, make_dense, make_focal_dense, make_focal_sparse
from ._xent import CLIP_CHECKS, GAMMA, IGNORE_INDEX

Array = Any
#: floor of ``u = 1 - p_t`` in the focal factor (see the module docstring)
TINY = 1e-30

# --- shared pieces -----------------------------------------------------------


def _focal_factor(xp: Any, u: Array, gamma: float) -> tuple:
    """``(m, m / u)`` with ``m = max(u, TINY)^gamma``; ``m / u`` is set to 0
    where ``u <= TINY`` (the factor is constant there)."""
    uc = xp.maximum(u, TINY)
    m = uc ** gamma
    return m, xp.where(u > TINY, m / uc, 0.0 * u)


def _class_alpha(xp: Any, alpha: Any, y_pred: Array, ax: int, c: int | None) -> Any:
    """``alpha`` as a number in [0, 1] or an array of ``c`` such numbers
    shaped to broadcast along the class axis ``ax``."""
    if isinstance(alpha, numbers.Real) and not isinstance(alpha, bool):
        return _checks.number("alpha", alpha, 0.0, 1.0)
    if alpha is None or isinstance(alpha, (bool, str)):
        _checks.fail(f"`alpha` must be a number in [0, 1] or an array of {c} such numbers "
                     f"(one per class); got {alpha!r}")
    table_for(y_pred, alpha, names=("y_pred", "alpha"))  # TypeError if two frameworks meet
    a = xp.asarray(alpha, like=y_pred)
    if xp.kind(a) not in "fi":
        _checks.fail(f"`alpha` must be real; got dtype {xp.dtype_name(a)}")
    a = xp.cast(a, xp.dtype_of(y_pred))
    if xp.ndim(a) > 0:
        _checks.vector("alpha", xp.shape(a), c, "one weight per class")
    if xp.is_concrete(a):
        bad = (a < 0.0) | (a > 1.0) | xp.isnan(a)
        if xp.any_true(bad):
            import numpy as np

            _checks.fail(f"`alpha` must hold values in [0, 1]; got {np.asarray(xp.to_numpy(a)).tolist()}")
    if xp.ndim(a) > 0:
        a = xp.reshape(a, (c,) + (1,) * (xp.ndim(y_pred) - ax - 1))
    return a


def _softmax_focal(xp: Any, a: Array, y_pred: Array, ax: int, from_logits: bool, gamma: float,
                   epsilon: float, grad: bool) -> tuple:
    """``-sum_c a_c (1 - p_c)^gamma log p_c`` over ``ax`` and its gradient.

    ``a`` holds the per-class target weights (alpha times the smoothed,
    class-weighted target). With ``v_c = a_c (m_c - gamma m_c / u_c p_c log p_c)``
    the gradient has the cross-entropy form with targets ``v``."""
    if from_logits:
        logp = xp.log_softmax(y_pred, ax)
        p = xp.exp(logp)
        big = p > 0.5  # at most one class; its 1 - p is the sum of the others ...
        rest = xp.sum(xp.where(big, 0.0 * p, p), ax, keepdims=True)
        u = xp.where(big, rest + 0.0 * p, 1.0 - p)
        logp = xp.where(big, xp.log1p(-xp.where(big, u, 0.0 * u)), logp)  # ... and its log p log1p(-u)
    else:  # Keras: renormalise, clip to [eps, 1 - eps]; the factor uses the clipped p
        lp = _xent.log_probs(xp, y_pred, ax, "probs", epsilon)
        logp, p = lp.logp, lp.qc
        u = 1.0 - p
    m, m_u = _focal_factor(xp, u, gamma)
    loss = -xp.sum(a * m * logp, ax)
    g = None
    if grad:
        v = a * (m - gamma * m_u * p * logp)
        if from_logits:  # p S - v, written p (S - v) - v u so that p -> 1 does not cancel
            g = p * (xp.sum(v, ax, keepdims=True) - v) - v * u
        else:
            g = _xent.xent_grad(xp, v, ax, lp)
    return loss, g


# --- binary --------------------------------------------------------------------------


def _binary_focal(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, balance: bool, alpha: float,
                  gamma: float, from_logits: bool, label_smoothing: float = 0.0,
                  smoothing: str = "standard", epsilon: float = 1e-7) -> tuple:
    """The spec of :func:`binary_focal_crossentropy` and :func:`sigmoid_focal_loss`."""
    sm = _xent.resolve_smoothing(label_smoothing, smoothing, 2)
    y = _xent.smooth(_xent.dense_true(xp, y_true, y_pred), sm, 2)
    if from_logits:
        # The log-sigmoid form, not binary_crossentropy's softplus form: for the easy
        # examples the focal factor is about (an easy negative: z << 0, y = 0) that
        # one computes z + (-z + tiny) and loses the tiny loss's digits.
        # logits beyond max/(4 max(gamma, 1)) are saturated (identity gradient): there the
        # chain rule's ce * gamma * u^(gamma-1) would overflow before meeting du = 0
        # (an array gamma, maybe traced: the limit of gamma <= 1)
        z = xp.saturate(y_pred, xp.max_finite(xp.dtype_of(y_pred))
                        / (4.0 * (max(gamma, 1.0) if isinstance(gamma, float) else 1.0)))
        sp, sn = xp.sigmoid(z), xp.sigmoid(-z)
        ce = -(y * xp.log_sigmoid(z) + (1.0 - y) * xp.log_sigmoid(-z))
        u = y * sn + (1.0 - y) * sp  # 1 - p_t, no cancellation
        if grad:
            dce = (1.0 - y) * sp - y * sn
            du = (1.0 - 2.0 * y) * sp * sn
    else:  # Keras' clipped probability cross-entropy
        ce, dce, pc, inside = _xent.binary_clip_log(xp, y, y, y_pred, epsilon, grad)
        u = y * (1.0 - pc) + (1.0 - y) * pc
        if grad:
            du = xp.where(inside, 1.0 - 2.0 * y, 0.0 * y)
    m, m_u = _focal_factor(xp, u, gamma)
    loss = m * ce
    g = (gamma * m_u * du) * ce + m * dce if grad else None
    if balance:
        w = alpha * y + (1.0 - alpha) * (1.0 - y)
        loss = w * loss
        g = w * g if grad else None
    return loss, None, g, None


@loss("focal", formula="w (1-p_t)^g BCE(y', p)", make=make_binary,
      natives={"keras": "keras.losses.binary_focal_crossentropy (last-axis mean)"},
      checks={**CLIP_CHECKS, **GAMMA, "apply_class_balancing": _checks.flag,
              "alpha": _checks.in_range(0.0, 1.0)},
      saturate=True,
      cases=(
          {"from_logits": True},
          {"from_logits": False},
          {"from_logits": True, "gamma": 0.5, "apply_class_balancing": True, "alpha": 0.3,
           "reduction": "none"},
          {"from_logits": False, "gamma": 0.5, "apply_class_balancing": True, "soft": True},
          {"from_logits": True, "gamma": 0.0, "label_smoothing": 0.1, "soft": True},
          {"from_logits": False, "gamma": 3.0, "label_smoothing": 0.2, "smoothing": "additive",
           "sample_weight": ARRAY, "reduction": "sum_over_batch_size"},
      ))
def binary_focal_crossentropy(
    xp: Any, y_true: Any, y_pred: Array, grad: bool, *, apply_class_balancing: bool = False,
    alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
    label_smoothing: float = 0.0, smoothing: str = "standard", epsilon: float = 1e-7,
) -> tuple:
    r"""Element-wise binary focal cross-entropy (Keras 3 semantics).

    .. math:: \ell = w\,(1 - p_t)^\gamma\, \mathrm{BCE}(y', p),\qquad
              1 - p_t = y'(1 - p) + (1 - y')\,p,\qquad
              w = \alpha y' + (1 - \alpha)(1 - y') \text{ (class balancing) or } 1

    with ``p = sigmoid(y_pred)`` for logits, ``y' = (1 - e) y + e / 2`` the
    smoothed target (used in the factor and the weight too, as Keras does).

    Args:
      y_true: targets in ``[0, 1]``, same shape as ``y_pred``.
      y_pred: logits (``from_logits=True``) or probabilities.
      apply_class_balancing: weigh positives by ``alpha`` and negatives by
        ``1 - alpha``.
      alpha: in ``[0, 1]`` (checked even when unused).
      gamma: focusing parameter ``>= 0``; ``gamma = 0`` is
        :func:`~losses.binary_crossentropy` (times ``w``).
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing, smoothing, reduction, sample_weight: as in
        :func:`~losses.binary_crossentropy`.
      epsilon: probability clip: probabilities are clipped to
        ``[epsilon, 1 - epsilon]`` in the log *and* in the factor.

    Returns:
      The reduced loss, or ``y_pred``'s shape with ``reduction="none"``.

    Native equivalents:

    * ``keras.losses.binary_focal_crossentropy(y_true, y_pred, ...)`` is the
      mean over the last axis of ``reduction="none"`` here (ours stays
      element-wise, as :func:`~losses.binary_crossentropy`); the
      ``BinaryFocalCrossentropy`` class's ``"sum_over_batch_size"`` equals
      ours (``sample_weight`` of shape ``[N]`` included); its ``"sum"`` is
      ours divided by the last axis' size (it sums row means).
    * torchvision ``sigmoid_focal_loss`` and ``optax.sigmoid_focal_loss``:
      see :func:`sigmoid_focal_loss` (the same spec).

    Differences from Keras, both confined to inputs near the ends:

    * logits: ours is ``log_sigmoid``-stable. Keras computes
      ``sigmoid(z)`` and then the clipped probability cross-entropy on the
      JAX, torch and NumPy backends, which saturates at ``-log(epsilon)
      = 16.12`` (zero gradient) once ``|z| > 16.1``; Keras on the TensorFlow
      backend recovers the logits and equals ours.
    * probabilities: Keras' factor uses the unclipped ``p``, whose
      derivative is infinite at ``p = 1, y = 1`` (or ``p = 0, y = 0``) for
      ``gamma < 1``; ours uses the clipped one (as Keras' categorical focal
      loss does), so the loss is constant, with zero gradient, beyond the
      clip. Values differ by at most ``epsilon^gamma`` times the clipped
      cross-entropy there, and are the same inside ``[epsilon, 1 - epsilon]``.

    >>> import numpy as np
    >>> # p = 1/2: (1/2)^2 log 2
    >>> round(float(binary_focal_crossentropy(np.array([1.0]), np.array([0.0]),
    ...     from_logits=True)), 6)
    0.173287
    """
    return _binary_focal(xp, y_true, y_pred, grad, balance=apply_class_balancing, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         smoothing=smoothing, epsilon=epsilon)


# --- sigmoid focal loss (torchvision / optax form of the same spec) ---------------------


@loss("focal", formula="a_t (1-p_t)^g BCE_logits(y, z)", make=make_binary,
      natives={"torchvision": "torchvision.ops.sigmoid_focal_loss",
               "optax": "optax.sigmoid_focal_loss"},
      checks={**GAMMA, "alpha": _checks.in_range(None, 1.0, optional=True)}, saturate=True,
      traced=("alpha", "gamma"),
      cases=(
          {},
          {"alpha": None, "gamma": 0.5},
          {"alpha": -1.0, "gamma": 1.0, "soft": True, "reduction": "sum", "sample_weight": ARRAY},
      ))
def sigmoid_focal_loss(
    xp: Any, y_true: Any, y_pred: Array, grad: bool, *, alpha: float | None = 0.25,
    gamma: float = 2.0,
) -> tuple:
    r"""Sigmoid focal loss on logits, torchvision's and optax's form.

    .. math:: \ell = \alpha_t\,(1 - p_t)^\gamma\,
              \mathrm{BCE}_\text{logits}(y, z),\qquad
              \alpha_t = \alpha y + (1 - \alpha)(1 - y)

    The same spec as :func:`binary_focal_crossentropy` with
    ``from_logits=True`` and ``apply_class_balancing = alpha >= 0``: only the
    way the weighting is switched off differs. ``alpha=None`` (optax) or a
    negative ``alpha`` (torchvision) turns it off; ``alpha`` in ``[0, 1]``
    applies it; ``alpha > 1`` raises ``ValueError``.

    Args:
      y_true: targets in ``[0, 1]`` (binary or soft), same shape as ``y_pred``.
      y_pred: logits.
      alpha: weight of the positives, ``None`` or negative for none.
      gamma: focusing parameter ``>= 0``.
      reduction, sample_weight: as in :func:`~losses.binary_crossentropy`.

    Native equivalents:

    * ``torchvision.ops.sigmoid_focal_loss(inputs, targets, alpha, gamma,
      reduction)`` = ``sigmoid_focal_loss(targets, inputs, alpha=alpha,
      gamma=gamma, reduction=reduction)`` (torchvision's default reduction
      is ``"none"``, ours ``"mean"``). Better: torchvision computes
      ``(1 - p_t)^gamma`` from ``p = sigmoid(z)``, which rounds to 1 for
      large ``z`` (``z > 17`` in float32, ``> 37`` in float64); with
      ``gamma < 1`` its gradient there is NaN. Ours stays finite.
    * ``optax.sigmoid_focal_loss(logits, labels, alpha=alpha, gamma=gamma)``
      = ``sigmoid_focal_loss(labels, logits, alpha=alpha, gamma=gamma,
      reduction="none")`` for ``alpha`` ``None`` or in ``[0, 1]`` (optax
      applies a negative ``alpha`` as a weight).

    >>> import numpy as np
    >>> # z = 0, y = 1: alpha (1/2)^2 log 2
    >>> round(float(sigmoid_focal_loss(np.array([1.0]), np.array([0.0]))), 6)
    0.043322
    """
    # a negative number: no weighting (torchvision); an array (optax's, maybe traced) always weighs
    balance = alpha is not None and (not isinstance(alpha, float) or alpha >= 0.0)
    return _binary_focal(xp, y_true, y_pred, grad, balance=balance,
                         alpha=alpha if balance else 0.0, gamma=gamma, from_logits=True)


# --- categorical ---------------------------------------------------------------


@loss("focal", formula="-sum_c a_c (1-p_c)^g y'_c log p_c", make=make_focal_dense,
      natives={"keras": "keras.losses.categorical_focal_crossentropy"},
      checks={**CLIP_CHECKS, **GAMMA}, arrays=("class_weight",), saturate=True,
      cases=(
          {"from_logits": True},
          {"from_logits": False},
          {"from_logits": True, "alpha": ARRAY, "gamma": 0.5, "soft": True},
          {"from_logits": False, "alpha": ARRAY, "gamma": 0.5, "label_smoothing": 0.1, "axis": 1},
          {"from_logits": True, "gamma": 0.0, "alpha": 1.0, "label_smoothing": 0.2,
           "smoothing": "additive"},
          {"from_logits": True, "axis": 1, "gamma": 3.0, "sample_weight": ARRAY, "reduction": "sum"},
      ))
def categorical_focal_crossentropy(
    xp: Any, y_true: Any, y_pred: Array, grad: bool, *, alpha: Any = 0.25, gamma: float = 2.0,
    from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
    smoothing: str = "standard", epsilon: float = 1e-7, class_weight: Any = None,
) -> tuple:
    r"""Categorical focal cross-entropy (Keras 3 semantics).

    .. math:: \ell = -\sum_c \alpha_c\,(1 - p_c)^\gamma\, y'_c \log p_c,
              \qquad y' = (1 - \varepsilon)\,y + \varepsilon / C

    Args:
      y_true: target distribution (one-hot or soft), same shape as ``y_pred``.
      y_pred: logits (``from_logits=True``) or probabilities; probabilities
        are renormalised over ``axis`` and clipped to ``[epsilon,
        1 - epsilon]``, and the factor uses the clipped ``p`` (as Keras).
      alpha: a number in ``[0, 1]`` or ``[C]`` numbers in ``[0, 1]`` (one per
        class, along ``axis``). Unlike ``class_weight`` elsewhere it does not
        enter the ``"mean"`` denominator (as in Keras).
      gamma: focusing parameter ``>= 0``; ``gamma = 0, alpha = 1`` is
        :func:`~losses.categorical_crossentropy`.
      from_logits, label_smoothing, smoothing, axis, reduction, sample_weight,
        epsilon: as in :func:`~losses.categorical_crossentropy`.
      class_weight: ``[C]`` weights ``w_c`` multiplying each class's term
        (``\ell = -\sum_c w_c \alpha_c \ldots``), as torch's
        ``CrossEntropyLoss(weight)`` with probability targets: not in the
        ``"mean"`` denominator. ``None`` (Keras): 1.

    Returns:
      The reduced loss, or ``y_pred``'s shape less ``axis`` with
      ``reduction="none"``.

    Native equivalent: ``keras.losses.categorical_focal_crossentropy`` and
    ``CategoricalFocalCrossentropy``: equal for probabilities. For logits,
    Keras takes ``softmax`` then clips it to ``[epsilon, 1 - epsilon]`` (on
    every backend), so its loss saturates at ``-log(epsilon) = 16.12`` with
    zero gradient when ``p_c < epsilon``; ours uses ``log_softmax`` and
    equals Keras whenever all ``p_c`` lie in ``[epsilon, 1 - epsilon]``.
    Keras broadcasts a list ``alpha`` against the last axis whatever ``axis``
    is; ours lays it along ``axis``.

    >>> import numpy as np
    >>> # two classes at p = 1/2: alpha (1/2)^2 log 2
    >>> round(float(categorical_focal_crossentropy(np.array([[0., 1.]]),
    ...     np.array([[0.0, 0.0]]), from_logits=True)), 6)
    0.043322
    """
    nd = xp.ndim(y_pred)
    ax = _checks.axis(axis, nd)
    y = _xent.dense_true(xp, y_true, y_pred)
    c = xp.shape(y_pred)[ax]
    y = _xent.smooth(y, _xent.resolve_smoothing(label_smoothing, smoothing, c), c)
    a = y * _class_alpha(xp, alpha, y_pred, ax, c)
    _xent.check_class_weight(xp, class_weight, c)
    if class_weight is not None:  # torch's probability-target weights: not in the "mean" denominator
        a = a * _xent.class_column(xp, class_weight, c, nd, ax)
    loss, g = _softmax_focal(xp, a, y_pred, ax, from_logits, gamma, epsilon, grad)
    return loss, None, g, ax


# --- sparse categorical ----------------------------------------------------------


@loss("focal", formula="sum_c a_c w_c [(1-e)[c=y] + e/C] (1-p_c)^g (-log p_c)", make=make_focal_sparse,
      natives={},
      checks={**CLIP_CHECKS, **GAMMA, "ignore_index": IGNORE_INDEX},
      arrays=("class_weight",), saturate=True,
      cases=(
          {"from_logits": True},
          {"from_logits": False, "gamma": 0.5, "label_smoothing": 0.3, "smoothing": "additive",
           "alpha": ARRAY},
          {"from_logits": True, "alpha": ARRAY, "class_weight": ARRAY, "label_smoothing": 0.1},
          {"from_logits": True, "ignore_index": -100, "gamma": 0.5, "reduction": "none"},
          {"from_logits": True, "axis": 1, "ignore_index": 1, "class_weight": ARRAY,
           "sample_weight": ARRAY},
      ))
def sparse_categorical_focal_crossentropy(
    xp: Any, y_true: Any, y_pred: Array, grad: bool, *, alpha: Any = 0.25, gamma: float = 2.0,
    from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
    ignore_index: int | None = None, class_weight: Any = None, smoothing: str = "standard",
    epsilon: float = 1e-7,
) -> tuple:
    r"""Focal cross-entropy with integer class labels.

    .. math:: \ell_i = \sum_c \alpha_c\, w_c \left[(1-\varepsilon)\,[c = y_i]
              + \tfrac{\varepsilon}{C}\right] (1 - p_{i,c})^\gamma (-\log p_{i,c})

    i.e. :func:`categorical_focal_crossentropy` of the one-hot labels, with
    the class weights ``w`` (1 when absent) and ``ignore_index`` of
    :func:`~losses.sparse_categorical_crossentropy`: ``reduction="mean"``
    divides by ``sum_i s_i w_{y_i}`` over the counted elements (torch's
    weighted mean), ignored labels contribute 0. ``gamma = 0, alpha = 1`` is
    :func:`~losses.sparse_categorical_crossentropy` exactly.

    Args:
      y_true: integer labels of ``y_pred``'s shape less ``axis`` (rules and
        errors as in :func:`~losses.sparse_categorical_crossentropy`).
      y_pred: logits (``from_logits=True``) or probabilities.
      alpha: a number or ``[C]`` numbers in ``[0, 1]`` (a focal weight that,
        unlike ``class_weight``, is not in the ``"mean"`` denominator).
      gamma: focusing parameter ``>= 0``.
      axis, ignore_index, class_weight, label_smoothing, smoothing, reduction,
        sample_weight, epsilon: as in
        :func:`~losses.sparse_categorical_crossentropy`.

    Native equivalents: none in Keras, torch or optax;
    ``keras.losses.categorical_focal_crossentropy(one_hot(y_true), y_pred)``
    for the options they share.

    >>> import numpy as np
    >>> round(float(sparse_categorical_focal_crossentropy(np.array([1]),
    ...     np.array([[0.0, 0.0]]), from_logits=True)), 6)
    0.043322
    """
    nd = xp.ndim(y_pred)
    ax = _checks.axis(axis, nd)
    c = xp.shape(y_pred)[ax]
    sm = _xent.resolve_smoothing(label_smoothing, smoothing, c)
    cw = class_weight
    _xent.check_class_weight(xp, cw, c)
    al = _class_alpha(xp, alpha, y_pred, ax, c)
    labels = _xent.sparse_labels(xp, y_true, y_pred, ax, c, ignore_index)
    a = _xent.smooth(xp.one_hot(labels.safe, c, ax, xp.dtype_of(y_pred)), sm, c)
    w_y = None
    if cw is not None:  # w_c [(1 - e) onehot_c + e / C]: the sparse cross-entropy's weights
        a = a * _xent.class_column(xp, cw, c, nd, ax)
        w_y = xp.gather(cw, labels.safe)
    a = _xent.drop_ignored(xp, a, labels.keep, ax)
    loss, g = _softmax_focal(xp, a * al, y_pred, ax, from_logits, gamma, epsilon, grad)
    denom = _xent.counted(xp, labels.keep, w_y, loss)
    return _xent.poison(xp, loss, labels.bad), denom, g, ax


# --- Poly-1 ------------------------------------------------------------------------


@loss("focal", formula="-sum_c y'_c log p_c + e1 sum_c y'_c (1 - p_c)", make=make_dense,
      natives={"optax": "optax.poly_loss_cross_entropy"},
      checks={**CLIP_CHECKS, "poly_epsilon": _checks.in_range(), "ignore_index": IGNORE_INDEX},
      arrays=("where",), traced=("poly_epsilon",), saturate=True,
      cases=(
          {"from_logits": True},
          {"from_logits": False},
          {"from_logits": True, "poly_epsilon": -1.0, "soft": True, "label_smoothing": 0.1,
           "axis": 1},
          {"from_logits": False, "poly_epsilon": 1.0, "soft": True, "smoothing": "additive",
           "label_smoothing": 0.2, "sample_weight": ARRAY, "reduction": "sum"},
      ))
def poly1_crossentropy(
    xp: Any, y_true: Any, y_pred: Array, grad: bool, *, poly_epsilon: float = 2.0,
    from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
    smoothing: str = "standard", epsilon: float = 1e-7, ignore_index: int | None = None,
    where: Any = None,
) -> tuple:
    r"""Poly-1 cross-entropy: cross-entropy plus a weighted first polynomial term.

    .. math:: \ell = -\sum_c y'_c \log p_c + \epsilon_1 \sum_c y'_c (1 - p_c)

    (``1 - p_t`` for a one-hot target), ``y' = (1 - e) y + e / C``.

    Args:
      y_true: target distribution, same shape as ``y_pred``; or integer class
        labels of ``y_pred``'s shape less ``axis`` (their one-hot
        distribution; label rules and errors as in
        :func:`~losses.sparse_categorical_crossentropy`).
      y_pred: logits (``from_logits=True``) or probabilities.
      poly_epsilon: ``\epsilon_1``, any real number. Named so as not to clash
        with ``epsilon``, the probability clip of every loss here; optax calls
        it ``epsilon``. Default ``2.0``, optax's (the paper's ImageNet value;
        it recommends ``-1`` for detection).
      from_logits: default ``False`` as every loss of this catalogue (Keras'
        convention); optax takes logits, so pass ``from_logits=True`` for its
        behaviour. Probabilities are renormalised over ``axis``; the log uses
        Keras' clip to ``[epsilon, 1 - epsilon]``, the poly term the unclipped
        ``p`` (it is bounded, and clipping would only zero its gradient).
      label_smoothing, smoothing, axis, reduction, sample_weight, epsilon: as
        in :func:`~losses.categorical_crossentropy` (the smoothed ``y'``
        enters both terms).
      ignore_index: with integer labels, a label value that contributes 0
        and is not counted by ``reduction="mean"`` (torch's rule).
      where: a mask broadcastable to ``y_pred`` (nonzero = included), as in
        :func:`~losses.categorical_crossentropy` and
        ``optax.poly_loss_cross_entropy(where=...)``: excluded elements leave
        the softmax and both sums; a row with none included has loss 0 and
        is not counted by ``"mean"``.

    Native equivalent: ``optax.poly_loss_cross_entropy(logits, labels,
    epsilon=k, axis=a, where=w)`` = ``poly1_crossentropy(labels, logits,
    poly_epsilon=k, from_logits=True, axis=a, where=w, reduction="none")``. None in
    Keras or torch.

    >>> import numpy as np
    >>> # two classes at p = 1/2: log 2 + 2 (1 - 1/2)
    >>> round(float(poly1_crossentropy(np.array([[0., 1.]]), np.array([[0.0, 0.0]]),
    ...     from_logits=True)), 6)
    1.693147
    """
    ax = _checks.axis(axis, xp.ndim(y_pred))
    c = xp.shape(y_pred)[ax]
    keep = bad = None
    if xp.ndim(xp.asarray(y_true, like=y_pred)) == xp.ndim(y_pred) - 1:  # integer class labels
        labels = _xent.sparse_labels(xp, y_true, y_pred, ax, c, ignore_index)
        keep, bad = labels.keep, labels.bad
        y = xp.one_hot(labels.safe, c, ax, xp.dtype_of(y_pred))
    else:
        y = _xent.dense_true(xp, y_true, y_pred)
    sm = _xent.resolve_smoothing(label_smoothing, smoothing, c)
    mask = None if where is None else _xent.where_mask(xp, where, y_pred, ax)
    # as categorical_crossentropy's: C counts the included classes; ignored labels: no target
    y = _xent.drop_ignored(xp, _xent.smooth(y, sm, c, mask), keep, ax)
    lp = _xent.log_probs(xp, y_pred, ax, "logits" if from_logits else "probs", epsilon, mask)
    if from_logits and mask is None:
        lp = lp._replace(p=xp.exp(lp.logp))
    p = lp.p if from_logits else lp.q  # log p: Keras' clipped rule; the poly term: renormalised p
    k = poly_epsilon
    loss = -xp.sum(y * lp.logp, ax) + k * xp.sum(y * (1.0 - p), ax)
    # a row without an included class, or an ignored label, is not counted by "mean"
    denom = _xent.counted(xp, keep, _xent.row_denom(xp, mask, ax, y_pred), loss)
    g = None
    if grad:
        mf = None if mask is None else mask.mf
        g = _xent.xent_grad(xp, y, ax, lp, mf)
        yp = xp.sum(y * p, ax, keepdims=True)
        if mf is not None:  # excluded elements: p = y = 0 (logits); q's denominator skips them
            yp = yp * mf
        if not isinstance(k, float) and xp.ndim(k) > 0:  # per-example epsilon: along the class axis
            k = xp.expand_dims(k, ax)
        g = g + (k * p * (yp - y) if from_logits else -k * (y - yp) / lp.s)
    return _xent.poison(xp, loss, bad), denom, g, ax
