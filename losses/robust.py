r"""Noise-robust classification: the generalized cross-entropy (Zhang and
Sabuncu, 2018).

.. math:: \ell = \frac{1 - p_y^{\,q}}{q}, \qquad 0 < q < 1

It interpolates between the cross-entropy (``q -> 0``: ``-log p_y``) and the
mean absolute error of the probabilities (``q = 1``: ``1 - p_y``); larger
``q`` is more robust to noisy labels.
"""

from __future__ import annotations

from typing import Any

from . import _checks
from ._declare import ARRAY, loss
from ._makers import make_sparse
from ._xent import IGNORE_INDEX, counted, drop_ignored, poison, sparse_labels

Array = Any


@loss("robust",
      formula="(1 - p_y^q) / q",
      make=make_sparse,
      cases=({}, {"q": 0.8, "from_logits": True, "sample_weight": ARRAY},
             {"q": 0.2, "axis": 1, "ignore_index": 0, "reduction": "sum"}),
      natives={"keras": "keras.losses.categorical_generalized_cross_entropy"},
      checks={"q": _checks.in_range(0.0, 1.0, lo_open=True, hi_open=True), "from_logits": _checks.flag,
              "ignore_index": IGNORE_INDEX})
def generalized_cross_entropy(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, q: float = 0.5,
                              from_logits: bool = False, axis: int = -1,
                              ignore_index: int | None = None) -> tuple:
    r"""Generalized cross-entropy of integer labels.

    .. math:: \ell = \frac{1 - p_y^{\,q}}{q}, \qquad
              \frac{\partial\ell}{\partial p_y} = -p_y^{\,q - 1}

    With logits, ``p_y^q = exp(q log_softmax(z)_y)`` and
    ``d/dz = p_y^q (softmax(z) - onehot(y))``.

    Args:
      y_true: integer class labels, ``y_pred``'s shape without ``axis`` (a
        size-1 class axis is squeezed); a label outside ``[0, C)`` raises
        ``ValueError`` in eager mode and makes its loss NaN when traced
        (Keras scores it as ``p_y = 0``: loss ``1/q``).
      y_pred: probabilities (not clipped, as Keras), or logits with ``from_logits``.
      q: the exponent, a number in ``(0, 1)``.
      from_logits: whether ``y_pred`` holds logits.
      axis: the class axis.
      ignore_index: a label value that is not scored (loss 0, not counted by
        ``"mean"``), as torch's ``CrossEntropyLoss``; ``None``: every label counts.
      reduction, sample_weight: as in :func:`~losses.sparse_categorical_crossentropy`.

    Native equivalent: ``keras.losses.categorical_generalized_cross_entropy(
    y_true, y_pred, q)`` = ``generalized_cross_entropy(y_true, y_pred, q=q,
    reduction="none")``. At ``p_y = 0`` the gradient is ``-inf`` at the label
    and 0 elsewhere (Keras: NaN elsewhere, ``0 * -inf``).

    >>> import numpy as np
    >>> round(float(generalized_cross_entropy(np.array([0]), np.array([[0.25, 0.75]]))), 6)  # (1 - 0.5) / 0.5
    1.0
    """
    ax = _checks.axis(axis, xp.ndim(y_pred))
    c = xp.shape(y_pred)[ax]
    lab = sparse_labels(xp, y_true, y_pred, ax, c, ignore_index)
    idx = xp.expand_dims(lab.safe, ax)
    g = None
    if from_logits:
        lp = xp.log_softmax(y_pred, ax)
        pq = xp.exp(q * xp.take_along_axis(lp, idx, ax))  # p_y^q, keepdims
        if grad:
            onehot = xp.one_hot(lab.safe, c, ax, xp.dtype_of(y_pred))
            g = pq * (xp.exp(lp) - onehot)
    else:
        py = xp.take_along_axis(y_pred, idx, ax)
        pq = py ** q
        if grad:
            onehot = xp.one_hot(lab.safe, c, ax, xp.dtype_of(y_pred))
            g = xp.where(onehot != 0, -(py ** (q - 1.0)) + 0.0 * y_pred, xp.zeros_like(y_pred))
    loss_ = xp.squeeze((1.0 - pq) / q, ax)
    if lab.keep is not None:  # ignored labels: 0, no gradient, not counted
        loss_ = xp.where(lab.keep, loss_, xp.zeros_like(loss_))
        g = None if g is None else drop_ignored(xp, g, lab.keep, ax)
    return poison(xp, loss_, lab.bad), counted(xp, lab.keep, None, loss_), g, ax
