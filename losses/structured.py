r"""Structured-prediction family: the sparsemax losses, Fenchel--Young losses
of the Gini negentropy (Blondel, Martins and Niculae, *Learning with
Fenchel-Young Losses*, JMLR 2020; Martins and Astudillo, *From Softmax to
Sparsemax*, ICML 2016).

A Fenchel--Young loss of a regularised max ``Omega*`` is
``L(z, y) = Omega*(z) + Omega(y) - <z, y>``; its gradient is
``argmax_p <z, p> - Omega(p) - y``. With ``Omega(p) = (||p||^2 - 1) / 2``
(the Gini negentropy, up to a constant) the argmax is the sparsemax, the
Euclidean projection of ``z`` onto the probability simplex, which is sparse:
classes below a threshold ``tau`` get probability exactly 0.

The projection is written once over ``xp`` with a sort and a running sum
(``xp.sort_desc``, ``xp.cumsum``): with ``u`` the scores sorted in decreasing
order, the support holds the ``k`` largest, ``k`` the largest with
``1 + k u_k > sum_{j <= k} u_j``, and ``tau = (sum_{j <= k} u_j - 1) / k``.
No data-dependent shape: it runs under ``jax.jit`` and ``tf.function``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _checks
from ._declare import ARRAY, loss
from ._makers import make_binary, make_sparse
from ._xent import IGNORE_INDEX, counted, dense_true, poison, sparse_labels

Array = Any

# --- input makers -------------------------------------------------------------------


def make_binary_scores(rng: np.random.Generator, options: dict) -> tuple:
    """Binary labels (0 or 1) and real scores, about half of them in the
    quadratic region ``|z| < 1`` and half beyond it."""
    y_true, _, opts = make_binary(rng, {**options, "from_logits": True})
    opts.pop("from_logits")
    return y_true, rng.normal(0.0, 1.5, size=np.shape(y_true)), opts


def make_sparse_scores(rng: np.random.Generator, options: dict) -> tuple:
    """Integer labels and real scores (``make_sparse``'s logits)."""
    labels, z, opts = make_sparse(rng, {**options, "from_logits": True})
    opts.pop("from_logits")
    return labels, z, opts


# --- the projection ----------------------------------------------------------------------


def sparsemax(xp: Any, z: Array, axis: int = -1) -> Array:
    r"""The sparsemax of ``z`` along ``axis``: its Euclidean projection onto the simplex.

    .. math:: \mathrm{sparsemax}(z) = \operatorname{argmin}_{p \in \Delta} \|p - z\|^2
              = \max(z - \tau(z), 0)

    ``xp`` is a backend's primitive table (``backends.table_for(z)``);
    differentiable by each framework's autodiff (its Jacobian is
    ``diag(s) - s s^T / |s|``, ``s`` the support). Equals
    ``optax.projections.projection_simplex`` row by row; a score of
    ``-inf`` gets 0.
    """
    u = xp.sort_desc(z, axis)
    cs = xp.cumsum(u, axis)
    k = xp.cumsum(xp.ones_like(u), axis)
    support = 1.0 + k * u > cs  # a prefix of the sorted scores
    size = xp.sum(xp.where(support, xp.ones_like(u), xp.zeros_like(u)), axis, keepdims=True)
    tau = (xp.sum(xp.where(support, u, xp.zeros_like(u)), axis, keepdims=True) - 1.0) / size
    return xp.where(z > tau, z - tau, xp.zeros_like(z))


# --- binary ---------------------------------------------------------------------------


def _binary_labels(xp: Any, y_true: Any, y_pred: Array) -> tuple:
    """``y_true`` as 0/1 floats of ``y_pred``'s shape, and the mask of other
    values (eager: a ``ValueError``; traced: NaN for those elements). A NaN
    label is not flagged: it propagates to a NaN loss by itself."""
    y = dense_true(xp, y_true, y_pred)
    bad = _checks.data(xp, (y != 0.0) & (y != 1.0) & (y == y), y, "y_true", "value(s) other than 0 and 1",
                       "binary sparsemax labels must be 0 or 1")
    return y, bad


@loss("structured", formula="sparse_plus((1 - 2y) z)", make=make_binary_scores,
      cases=({}, {"reduction": "none"}, {"sample_weight": ARRAY, "reduction": "sum"}),
      natives={"optax": "optax.losses.sparsemax_loss"})
def sparsemax_loss(xp: Any, y_true: Any, y_pred: Array, grad: bool) -> tuple:
    r"""Binary sparsemax loss: the Fenchel--Young loss of the sparse sigmoid.

    .. math:: \ell = \mathrm{sparse\_plus}(x),\quad x = (1 - 2y)\,z,\qquad
              \mathrm{sparse\_plus}(x) = \begin{cases} 0 & x \le -1 \\
              \tfrac14 (x + 1)^2 & -1 < x < 1 \\ x & x \ge 1 \end{cases}

    Zero if and only if ``sparse_sigmoid(z) = y`` (``z >= 1`` for ``y = 1``,
    ``z <= -1`` for ``y = 0``).

    Args:
      y_true: labels, 0 or 1 (bool, integer or float), ``y_pred``'s shape.
        Another value raises ``ValueError`` in eager mode and makes its
        element NaN under ``jit``/``tf.function``.
      y_pred: real scores (logits).
      reduction, sample_weight: as in :func:`~losses.binary_crossentropy`.

    Gradient: ``(1 - 2y) clip((x + 1) / 2, 0, 1)``.

    Native equivalent: ``optax.losses.sparsemax_loss(logits, labels)`` =
    ``sparsemax_loss(labels, logits, reduction="none")`` for labels 0 and 1
    (optax counts every nonzero label as 1).

    >>> import numpy as np
    >>> sparsemax_loss(np.array([1.0, 0.0]), np.array([0.0, 3.0]), reduction="none").tolist()
    [0.25, 3.0]
    """
    y, bad = _binary_labels(xp, y_true, y_pred)
    s = 1.0 - 2.0 * y
    x = s * y_pred
    zero = xp.zeros_like(x)
    loss = xp.where(x <= -1.0, zero, xp.where(x >= 1.0, x, 0.25 * (x + 1.0) * (x + 1.0)))
    g = None
    if grad:
        g = s * xp.where(x <= -1.0, zero, xp.where(x >= 1.0, xp.ones_like(x), 0.5 * (x + 1.0)))
    return poison(xp, loss, bad), None, g, None


# --- multiclass ------------------------------------------------------------------------


@loss("structured", formula="sum_c p_c (z_c - z_y) + (1 - ||p||^2) / 2, p = sparsemax(z)",
      make=make_sparse_scores,
      cases=({}, {"axis": 1, "ignore_index": -100}, {"sample_weight": ARRAY, "reduction": "sum"}),
      natives={"optax": "optax.losses.multiclass_sparsemax_loss"},
      checks={"ignore_index": IGNORE_INDEX})
def multiclass_sparsemax_loss(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, axis: int = -1,
                              ignore_index: int | None = None) -> tuple:
    r"""Multiclass sparsemax loss: the Fenchel--Young loss of the sparsemax.

    .. math:: \ell = \sum_c p_c (z_c - z_y) + \tfrac12 \left(1 - \|p\|^2\right),
              \qquad p = \mathrm{sparsemax}(z)

    (``= max_{q in simplex} <q, z> - (||q||^2 - 1) / 2 - z_y``), zero if and
    only if ``p`` is the one-hot of the label. Gradient: ``p - onehot(y)``.

    Args:
      y_true: integer labels of ``y_pred``'s shape less ``axis`` (rules and
        errors as in :func:`~losses.sparse_categorical_crossentropy`: out of
        ``[0, C)`` raises in eager mode, NaN under tracing).
      y_pred: real scores.
      axis: the class axis.
      ignore_index: a label value that contributes 0 and is not counted by
        ``reduction="mean"`` (torch's rule).
      reduction, sample_weight: as in :func:`~losses.sparse_categorical_crossentropy`.

    The scores are taken relative to the label's (``z_c - z_y``, the label's
    own term exactly 0) as optax does, so huge scores keep their digits.

    Native equivalent: ``optax.losses.multiclass_sparsemax_loss(scores,
    labels)`` (``[N, C]`` scores) = ``multiclass_sparsemax_loss(labels,
    scores, reduction="none")``; optax reads a label outside ``[0, C)``
    without a check.

    >>> import numpy as np
    >>> # p = sparsemax([1, 0]) = (1, 0), label 1: 1 (1 - 0) + (1 - 1) / 2;
    >>> # p = sparsemax([0, 0]) = (1/2, 1/2), label 0: 0 + (1 - 1/2) / 2
    >>> multiclass_sparsemax_loss(np.array([1, 0]), np.array([[1.0, 0.0], [0.0, 0.0]]), reduction="none").tolist()
    [1.0, 0.25]
    """
    ax = _checks.axis(axis, xp.ndim(y_pred))
    c = xp.shape(y_pred)[ax]
    labels = sparse_labels(xp, y_true, y_pred, ax, c, ignore_index)
    p = sparsemax(xp, y_pred, ax)
    onehot = xp.one_hot(labels.safe, c, ax, xp.dtype_of(y_pred))
    zy = xp.take_along_axis(y_pred, xp.expand_dims(labels.safe, ax), ax)
    # z_c - z_y on the support, 0 elsewhere and at the label: a -inf score (p = 0)
    # never meets a multiplication, so its gradient is 0, not NaN
    d = xp.where((p > 0.0) & (onehot == 0.0), y_pred - zy, xp.zeros_like(y_pred))
    loss = xp.sum(p * d, ax) + 0.5 * (1.0 - xp.sum(p * p, ax))
    g = p - onehot if grad else None
    if labels.keep is not None:  # ignored labels: loss 0, no gradient, not counted
        loss = xp.where(labels.keep, loss, xp.zeros_like(loss))
        g = None if g is None else g * xp.expand_dims(xp.cast(labels.keep, xp.dtype_of(g)), ax)
    return poison(xp, loss, labels.bad), counted(xp, labels.keep, None, loss), g, ax
