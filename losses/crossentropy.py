"""Cross-entropy family: categorical, sparse categorical, negative
log-likelihood, binary, and the label-smoothing helper they share.

Every loss here is one declaration (``@loss``, see ``losses/_declare.py``):
a spec over a backend's primitive table ``xp`` (see ``losses/_core.py``)
whose docstring, options and registry cases make the public function. The
spec returns the per-element loss and, on request, its closed-form gradient.
The building blocks (targets, smoothing, masks, log-probabilities, labels,
the gradient) are in ``losses/_xent.py``, shared with ``losses/focal.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from backends import table_for

from . import _checks
from ._core import REDUCED, SATURATED
from ._declare import ARRAY, loss
from ._makers import make_binary, make_dense, make_log_probs, make_sparse
from ._xent import (
    CLIP_CHECKS,
    IGNORE_INDEX,
    SMOOTHING,
    Labels,
    LogProbs,
    Mask,
    Smoothing,
    binary_clip_log,
    check_class_weight,
    class_column,
    counted,
    dense_true,
    drop_ignored,
    log_probs,
    poison,
    resolve_smoothing,
    row_denom,
    smooth,
    smoothing_form,
    sparse_labels,
    where_mask,
    xent_grad,
)

Array = Any
INF = float("inf")
_RED = ({"reduction": "none"}, {"reduction": "sum"}, {"reduction": "sum_over_batch_size"})
#: the reductions a fused kernel (``xp.cross_entropy``) computes
_FUSED_REDUCTIONS = ("mean", "sum", "none")


__all__ = ["smooth_labels"]  # + every loss declared below (the decorator adds it)

def smooth_labels(labels: Any, label_smoothing: float, *, axis: int = -1,
                  form: str = "standard", where: Any = None) -> Array:
    """Smooth a distribution over the class axis.

    ``form="standard"`` (Keras, torch, optax): ``P' = (1 - e) P + e / C``.
    ``form="additive"`` (additive, Laplace/Lidstone smoothing):
    ``P' = (P + e) / (1 + C e)``, any ``e >= 0``; it equals the standard form
    at ``e' = C e / (1 + C e)``. ``form="seed"`` is a deprecated alias of
    ``"additive"`` (``DeprecationWarning``).

    ``where`` (broadcastable to ``labels``; nonzero = included) makes ``C``
    the number of included classes of each row, as ``optax.smooth_labels``
    does; the formula applies to every element. A row with no included class
    is returned unchanged (optax divides by 0 there and gives ``inf``).

    Native equivalent: ``optax.smooth_labels(labels, alpha, where=...)``
    (standard form).

    >>> import numpy as np
    >>> smooth_labels(np.array([0., 1.]), 0.2).tolist()
    [0.1, 0.9]
    >>> smooth_labels(np.array([0., 1.]), 0.25, form="additive").tolist()
    [0.16666666666666666, 0.8333333333333334]
    """
    xp = table_for(labels, where, names=("labels", "where"))
    y = xp.asarray(labels)
    if xp.kind(y) != "f":
        _checks.fail(f"`labels` must be a floating-point array; got dtype {xp.dtype_name(y)}")
    ax = _checks.axis(axis, xp.ndim(y), of="labels")
    c = xp.shape(y)[ax]
    form = smoothing_form("form", form, stacklevel=3)
    mask = None
    if where is not None:
        w = xp.asarray(where, like=y)
        if xp.kind(w) not in "fib":
            _checks.fail(f"`where` must be a boolean (or 0/1) array; got dtype {xp.dtype_name(w)}")
        mask = where_mask(xp, xp.cast(w, xp.dtype_of(y)), y, ax, of="labels")
    if _checks.is_array(label_smoothing):  # an array or a traced value (optax's alpha under jit)
        return _smooth_by_array(xp, y, label_smoothing, form, c, mask)
    sm = resolve_smoothing(label_smoothing, form, c)
    if mask is None:
        return smooth(y, sm, c)
    if not sm.eps:
        return y
    k, b = sm.terms(c, mask.cnt)
    return xp.where(mask.rows, y * k + b, y)


_UNIT = _checks.in_range(0.0, 1.0)


def _smooth_by_array(xp: Any, y: Array, amount: Any, form: str, c: int, mask: Any) -> Array:
    """Standard smoothing by an array amount (broadcast against ``labels``, as
    optax's ``alpha``): checked in ``[0, 1]`` when concrete, NaN where it is
    out of range when traced."""
    if form != "standard":
        _checks.fail("an array or traced `label_smoothing` takes the standard form; the additive "
                     "form takes a number")
    a = xp.cast(xp.asarray(_UNIT("label_smoothing", amount), like=y), xp.dtype_of(y))
    cnt = c if mask is None else mask.cnt
    out = y * (1.0 - a) + a / cnt
    if mask is not None:
        out = xp.where(mask.rows, out, y)
    if not xp.is_concrete(a):
        out = poison(xp, out, _checks.out_of_range(xp, _UNIT, a))
    return out


def _fusable(xp: Any, reduction: Any, ax: int, nd: int) -> bool:
    """Whether the backend's fused kernel (torch's ``F.cross_entropy``:
    class axis 1) computes this reduced cross-entropy of logits in one call."""
    return reduction in _FUSED_REDUCTIONS and xp.cross_entropy is not None and (ax == 1 or nd == 1)


# --- categorical ---------------------------------------------------------------


@loss("crossentropy", formula="-sum_c w_c y'_c log softmax(z)_c", make=make_dense,
      natives={"keras": "keras.losses.categorical_crossentropy",
               "torch": "F.cross_entropy (probability targets)",
               "optax": "optax.softmax_cross_entropy"},
      checks=CLIP_CHECKS, arrays=("class_weight", "where"), saturate=True, fuses_reduction=True,
      cases=(
          {"from_logits": True},
          {"from_logits": False},
          {"from_logits": True, "label_smoothing": 0.1, "soft": True},
          {"from_logits": False, "label_smoothing": 0.2},
          {"from_logits": True, "label_smoothing": 0.1, "smoothing": "additive"},
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
      ))
def categorical_crossentropy(
    xp: Any, y_true: Any, y_pred: Array, grad: bool, *, from_logits: bool = False,
    label_smoothing: float = 0.0, axis: int = -1, class_weight: Any = None,
    smoothing: str = "standard", epsilon: float = 1e-7, where: Any = None, **fused: Any,
) -> tuple:
    r"""Cross-entropy between a target distribution and a prediction.

    .. math:: \ell = -\sum_c w_c\, y'_c \log p_c,\qquad
              p = \mathrm{softmax}(y_\text{pred}) \text{ (logits)},\quad
              y' = (1 - \varepsilon)\,y + \varepsilon / C

    Args:
      y_true: target distribution (one-hot or soft), same shape as ``y_pred``.
      y_pred: logits (``from_logits=True``) or probabilities. Probabilities
        are renormalised over ``axis`` and clipped to ``[epsilon, 1-epsilon]``
        as Keras does.
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: ``\varepsilon`` in ``[0, 1]`` (``smoothing="additive"``:
        any ``\varepsilon \ge 0``).
      smoothing: ``"standard"``, ``y' = (1 - \varepsilon)\,y + \varepsilon / C``
        (Keras, torch, optax), or ``"additive"`` (Laplace/Lidstone),
        ``y' = (y + \varepsilon) / (1 + C\varepsilon)``, which is the standard
        form at ``C\varepsilon / (1 + C\varepsilon)``. ``"seed"`` is a deprecated
        alias of ``"additive"`` (``DeprecationWarning``).
      axis: the class axis.
      class_weight: ``[C]`` weights ``w`` (1 when absent). As in torch's
        ``cross_entropy`` with probability targets, they scale each term but
        ``reduction="mean"`` still divides by the number of examples.
      reduction: ``"mean"`` (weighted by ``sample_weight``), ``"sum"``,
        ``"none"`` or ``"sum_over_batch_size"``.
      sample_weight: weights broadcast against the per-example loss
        (leading dimensions aligned: shape ``[N]`` weighs samples).
      epsilon: the probability clip, in ``[0, 0.5)`` (``ValueError``
        otherwise, also with ``from_logits=True``, where it is unused).
      where: a mask broadcastable to ``y_pred`` (nonzero = included), as
        ``optax.softmax_cross_entropy(where=...)``: excluded elements leave
        the softmax (or the renormalisation of probabilities) and the sum, and
        label smoothing spreads over the included classes of each row. A row
        with no included class has loss 0, gradient 0, and is not counted by
        ``reduction="mean"``.

    Returns:
      The reduced loss, or per-example losses (``y_pred``'s shape less
      ``axis``) with ``reduction="none"``.

    Native equivalents: ``keras.losses.categorical_crossentropy``,
    ``torch.nn.functional.cross_entropy`` with probability targets
    (``axis=1``), ``optax.softmax_cross_entropy``.

    >>> import numpy as np
    >>> round(float(categorical_crossentropy(np.array([[0., 1.]]),
    ...     np.array([[0.0, 0.0]]), from_logits=True)), 6)
    0.693147
    """
    nd = xp.ndim(y_pred)
    ax = _checks.axis(axis, nd)
    y = dense_true(xp, y_true, y_pred)
    c = xp.shape(y_pred)[ax]
    sm = resolve_smoothing(label_smoothing, smoothing, c)
    check_class_weight(xp, class_weight, c)
    reduction = fused.get("_reduction")
    if (from_logits and where is None and xp.fused_dense_xent is not None
            and reduction in _FUSED_REDUCTIONS and (ax == 1 or nd == 1)):
        value = xp.fused_dense_xent(y_pred, y, class_weight, sm.eps, reduction, fused.get("_limit"),
                                    class_weight is not None)
        if value is not None:  # no host read (xp.cross_entropy checks its result for NaN)
            return value, SATURATED, None, None
    if from_logits and where is None and _fusable(xp, reduction, ax, nd):
        value = xp.cross_entropy(y_pred, y, class_weight, None, sm.eps, reduction)
        if value is not None:
            return value, REDUCED, None, None
    mask = None if where is None else where_mask(xp, where, y_pred, ax)
    y = smooth(y, sm, c, mask)
    if class_weight is not None:
        y = y * class_column(xp, class_weight, c, nd, ax)
    def hit() -> Array:  # target mass on a -inf logit
        return xp.sum(xp.cast((y_pred == -INF) & (y != 0), xp.dtype_of(loss)), ax) > 0

    if from_logits and mask is None and grad and xp.softmax_rows is not None and ax == nd - 1:
        loss, g = _dense_rows(xp, y, y_pred)
        return _infinite_where_mass(xp, loss, hit()) if g.neg_inf else loss, None, g, ax
    fast = None
    if from_logits and mask is None and not grad and xp.softmax_xent is not None and ax == nd - 1:
        # the backend's kernel; where its value is not finite, the floored
        # log_softmax's (finite logits: a finite loss); None: the backend declines
        fast = xp.softmax_xent(y_pred, y, lambda z: _logits_xent(xp, z, y, ax))
    if fast is not None:
        loss, lp = fast, None
    elif from_logits and mask is None and not grad and xp.dense_xent is not None:
        # the backend's fused form with its derivative written out: no
        # log-softmax stored; +inf (gradient 0) where target mass sits on a -inf logit
        loss, lp = xp.dense_xent(y_pred, y, ax), None
    else:
        lp = log_probs(xp, y_pred, ax, "logits" if from_logits else "probs", epsilon, mask)
        loss = -xp.sum(y * lp.logp, ax)
        if from_logits:
            loss = _infinite_where_mass(xp, loss, hit())
    g = xent_grad(xp, y, ax, lp, None if mask is None else mask.mf) if grad else None
    return loss, row_denom(xp, mask, ax, y_pred), g, ax


def _logits_xent(xp: Any, y_pred: Array, y: Array, ax: int) -> Array:
    """``-sum(y log softmax(z))`` by the floored ``log_softmax`` (no mask):
    ``+inf`` where target mass sits on a ``-inf`` logit."""
    loss = -xp.sum(y * xp.log_softmax(y_pred, ax), ax)
    hit = xp.sum(xp.cast((y_pred == -INF) & (y != 0), xp.dtype_of(loss)), ax) > 0
    return _infinite_where_mass(xp, loss, hit)


class _RowsGrad:
    """The gradient of a cross-entropy of logits from NumPy's in-place kernel
    (:func:`backends._numpy.softmax_rows`), as the vector-Jacobian product
    ``run`` calls with the per-element cotangent ``f`` (the reduction's scale):
    ``f * (sum(a) softmax - a)`` for targets ``a``, written into the kernel's
    ``exp`` buffer -- the only logits-sized allocation. ``a`` is a dense target
    (``y``) or integer labels (``labels``, each with weight ``w``: class
    weight, 0 where ignored; ``None``: 1)."""

    def __init__(self, xp: Any, shape: tuple, e: Array, s: Array, neg_inf: bool,
                 y: Any = None, labels: Any = None, w: Any = None) -> None:
        self.xp, self.shape, self.e, self.s, self.neg_inf = xp, shape, e, s, neg_inf
        self.y, self.labels, self.w = y, labels, w

    def __call__(self, f: Array) -> Array:
        xp, e = self.xp, self.e
        f = xp.reshape(f, (-1, 1))
        total = xp.sum(self.y, 1, keepdims=True) if self.labels is None else self.w
        ok = xp.all_finite(f)
        # an element whose gradient is 0 (an ignored label) stays 0 where the scale is
        # not finite (a "mean" over no counted element), as autodiff gives it: unscaled first
        r = (1.0 / self.s) if total is None else total / self.s
        xp.scale(e, f * r if ok else r)
        pull = f if ok else xp.ones_like(f)
        if self.labels is None:
            xp.sub_scaled_rows(e, self.y, pull)
        else:
            xp.add_at(e, self.labels, -xp.reshape(pull if self.w is None else pull * self.w, (-1,)))
        if not ok:
            e = xp.where(e == 0, e, e * f)
        return xp.reshape(e, self.shape)


def _size(shape: tuple) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _dense_rows(xp: Any, y: Array, y_pred: Array) -> tuple:
    """``-sum(y * log_softmax(y_pred))`` (class axis last) by NumPy's in-place kernel."""
    shape = xp.shape(y_pred)
    c = shape[-1]
    rows = (_size(shape[:-1]), c)
    x2, y2 = xp.reshape(y_pred, rows), xp.reshape(y, rows)
    e, _, s, t, neg_inf = xp.softmax_rows(x2, y2)
    return xp.reshape(t, shape[:-1]), _RowsGrad(xp, shape, e, s, neg_inf, y=y2)


def _sparse_rows(xp: Any, sp: _Sparse, y_pred: Array) -> tuple:
    """Sparse cross-entropy of logits (class axis last, no smoothing, no mask) and
    its gradient by NumPy's in-place kernel."""
    shape = xp.shape(y_pred)
    x2 = xp.reshape(y_pred, (_size(shape[:-1]), sp.c))
    e, m, s, _, neg_inf = xp.softmax_rows(x2)
    lab = xp.reshape(sp.labels.safe, (-1, 1))
    xy = xp.take_along_axis(x2, lab, 1)
    logp = xy - m - xp.log(s)  # as log_softmax: shifted first
    logp = xp.maximum(logp, -xp.max_finite(xp.dtype_of(y_pred)))
    picked = xp.reshape(-logp, shape[:-1])
    loss, denom, _, ax = _sparse_terms(xp, sp, y_pred, None, picked, False)
    hit = xp.reshape(xy == -INF, shape[:-1])  # the label's class at -inf: +inf
    if sp.labels.keep is not None:
        hit = hit & sp.labels.keep
    loss = _infinite_where_mass(xp, loss, hit)
    w = None
    if sp.class_weight is not None:
        w = xp.gather(sp.class_weight, sp.labels.safe)
    if sp.labels.keep is not None:
        w = xp.cast(sp.labels.keep, xp.dtype_of(y_pred)) if w is None else w * sp.labels.keep
    w = None if w is None else xp.reshape(w, (-1, 1))
    return loss, denom, _RowsGrad(xp, shape, e, s, neg_inf, labels=lab[:, 0], w=w), ax


def _infinite_where_mass(xp: Any, loss: Array, hit: Array) -> Array:
    """``+inf`` where target mass sits on a ``-inf`` logit (``hit``): the exact
    loss there is infinite, which ``log_softmax``'s floor (it keeps *finite*
    logits from overflowing) must not turn into a finite number."""
    return xp.where(hit, xp.zeros_like(loss) + INF, loss)


# --- sparse categorical and negative log-likelihood: one body, three modes ----------------


class _Sparse(NamedTuple):
    """A sparse cross-entropy's resolved options and checked labels."""

    ax: int
    c: int
    sm: Smoothing
    class_weight: Any
    ignore_index: Any
    labels: Labels
    mask: Mask | None


def _sparse_setup(xp: Any, y_true: Any, y_pred: Array, *, axis: int, ignore_index: Any,
                  class_weight: Any, label_smoothing: float, smoothing: str,
                  where: Any = None, excluded_ok: bool = False) -> _Sparse:
    ax = _checks.axis(axis, xp.ndim(y_pred))
    c = xp.shape(y_pred)[ax]
    sm = resolve_smoothing(label_smoothing, smoothing, c)
    check_class_weight(xp, class_weight, c)
    mask = None if where is None else where_mask(xp, where, y_pred, ax)
    labels = sparse_labels(xp, y_true, y_pred, ax, c, ignore_index, mask, excluded_ok)
    return _Sparse(ax, c, sm, class_weight, ignore_index, labels, mask)


def _sparse_from_logits(xp: Any, sp: _Sparse, y_pred: Array, grad: bool, reduction: Any) -> tuple:
    """Logits: the backend's fused kernel where it applies, else log-softmax."""
    nd = xp.ndim(y_pred)
    if sp.mask is None and sp.labels.bad is None and _fusable(xp, reduction, sp.ax, nd):
        value = xp.cross_entropy(y_pred, sp.labels.labels, sp.class_weight, sp.ignore_index,
                                 sp.sm.eps, reduction)
        return value, REDUCED, None, None
    if (sp.mask is None and not sp.sm.eps and not grad and xp.sparse_xent is not None
            and sp.ax == nd - 1):  # the value alone, by the backend's fused kernel
        return _sparse_terms(xp, sp, y_pred, None, xp.sparse_xent(y_pred, sp.labels.safe), grad)
    if (grad and sp.mask is None and not sp.sm.eps and xp.softmax_rows is not None
            and sp.ax == nd - 1):  # NumPy: one logits-sized buffer, the gradient
        return _sparse_rows(xp, sp, y_pred)
    lp = log_probs(xp, y_pred, sp.ax, "logits", mask=sp.mask)
    if sp.mask is not None:  # a label on an excluded class (where_label="logit"): its own logit
        at_label = xp.one_hot(sp.labels.safe, sp.c, sp.ax, xp.dtype_of(y_pred)) != 0
        lp = lp._replace(logp=xp.where(at_label & ~sp.mask.m, y_pred + lp.logp, lp.logp))
    loss, denom, g, ax = _sparse_terms(xp, sp, y_pred, lp, None, grad)
    # the label's class, or (smoothed) any included class, at -inf: +inf
    hit = xp.squeeze(xp.take_along_axis(y_pred, xp.expand_dims(sp.labels.safe, ax), ax), ax) == -INF
    if sp.sm.eps:
        neg = y_pred == -INF
        hit = hit | (xp.sum(xp.cast(neg if sp.mask is None else neg & sp.mask.m, xp.dtype_of(loss)), ax) > 0)
    if sp.labels.keep is not None:
        hit = hit & sp.labels.keep
    return _infinite_where_mass(xp, loss, hit), denom, g, ax


def _sparse_from_probs(xp: Any, sp: _Sparse, y_pred: Array, grad: bool, epsilon: float) -> tuple:
    """Probabilities: Keras' renormalise-and-clip rule."""
    return _sparse_terms(xp, sp, y_pred, log_probs(xp, y_pred, sp.ax, "probs", epsilon, sp.mask),
                         None, grad)


def _sparse_from_log_probs(xp: Any, sp: _Sparse, y_pred: Array, grad: bool) -> tuple:
    """Log-probabilities, used as given (nothing normalised or clipped)."""
    return _sparse_terms(xp, sp, y_pred, log_probs(xp, y_pred, sp.ax, "log_probs"), None, grad)


def _sparse_terms(xp: Any, sp: _Sparse, y_pred: Array, lp: LogProbs | None, picked: Any,
                  grad: bool) -> tuple:
    """``(1 - e) w_y (-log p_y) + e/C sum_c w_c (-log p_c)`` per element, its
    ``"mean"`` denominator and gradient, from ``lp`` (or from ``picked``, the
    ``-log p_y`` of a fused kernel, when there is no smoothing and no gradient)."""
    ax, c, sm, cw, labels, mask = sp.ax, sp.c, sp.sm, sp.class_weight, sp.labels, sp.mask
    if lp is not None:
        picked = -xp.squeeze(xp.take_along_axis(lp.logp, xp.expand_dims(labels.safe, ax), ax), ax)
    loss, w_y = picked, None
    if cw is not None:
        w_y = xp.gather(cw, labels.safe)
        loss = loss * w_y
    k = b = cw_b = None
    if sm.eps:
        k, b = sm.terms(c, None if mask is None else mask.cnt)
        terms = lp.logp if mask is None else xp.where(mask.m, lp.logp, xp.zeros_like(lp.logp))
        if cw is not None:
            cw_b = class_column(xp, cw, c, xp.ndim(y_pred), ax)
            terms = terms * cw_b
        loss = _squeezed(xp, k, ax) * loss + _squeezed(xp, b, ax) * (-xp.sum(terms, ax))
    denom = counted(xp, labels.keep, w_y, loss)
    if labels.keep is not None:  # zeros_like, not 0 * loss: no gradient path (see counted)
        loss = xp.where(labels.keep, loss, xp.zeros_like(loss))
    loss = poison(xp, loss, labels.bad)
    g = None
    if grad:
        a = xp.one_hot(labels.safe, c, ax, xp.dtype_of(y_pred))
        if w_y is not None:
            a = a * xp.expand_dims(w_y, ax)
        if sm.eps:
            spread = b if cw_b is None else b * cw_b
            a = k * a + (spread if mask is None else spread * mask.mf)
        g = xent_grad(xp, drop_ignored(xp, a, labels.keep, ax), ax, lp,
                      None if mask is None else mask.mf)
    return loss, denom, g, ax


def sparse_fused(xp: Any, y_true: Any, y_pred: Array, reduction: Any, limit: float | None, *,
                 axis: int, ignore_index: Any, class_weight: Any, label_smoothing: float,
                 smoothing: str = "standard", log_probs: bool = False) -> Array | None:
    """The reduced sparse cross-entropy of logits by the backend's fused kernel
    (``xp.fused_sparse_xent``: torch's ``F.cross_entropy``), saturated at
    ``limit`` (``None``: ``y_pred``'s dtype's largest value); ``None`` where it
    does not apply (the spec's own path then runs). No host read: the kernel
    validates the labels. Where it rejects one (torch on CPU: ``IndexError``),
    the labels are read to raise the spec's ``ValueError`` naming the first bad
    label; on CUDA the kernel's device-side assert fires, as the native's does.
    ``log_probs``: ``y_pred`` holds log-probabilities (:func:`nll_loss`; no
    smoothing, nothing saturated)."""
    if (reduction not in _FUSED_REDUCTIONS or xp.fused_sparse_xent is None
            or (log_probs and label_smoothing)):
        return None
    nd = xp.ndim(y_pred)
    ax = _checks.axis(axis, nd)
    if not (ax == 1 or nd == 1):
        return None
    c = xp.shape(y_pred)[ax]
    eps = resolve_smoothing(label_smoothing, smoothing, c).eps if label_smoothing else 0.0
    check_class_weight(xp, class_weight, c)
    try:
        return xp.fused_sparse_xent(y_pred, y_true, class_weight, ignore_index, eps, reduction,
                                    limit, class_weight is not None, log_probs)
    except xp.label_errors as e:
        error = e
    sparse_labels(xp, y_true, y_pred, ax, c, ignore_index)  # raises the ValueError naming the label
    raise error


def fused_sparse_crossentropy(y_true: Any, y_pred: Any, reduction: str, class_weight: Any = None,
                              ignore_index: int | None = None, label_smoothing: float = 0.0,
                              check_labels: bool = False, log_probs: bool = False) -> Any:
    """:func:`sparse_categorical_crossentropy` of logits ``y_pred`` (class axis
    1, or 0 when it is 1-D) by the backend's fused kernel (see
    :func:`sparse_fused`), or ``None`` where that does not apply: for the
    adapters, which check their options once and fall back to the public
    function on ``None``. ``class_weight`` of another float dtype is cast to
    ``y_pred``'s. ``check_labels``: read the labels on the host first (a
    sync), so that a bad one raises the ``ValueError`` naming it on every
    device (a CUDA kernel can only assert). ``log_probs``: :func:`nll_loss`
    of log-probabilities ``y_pred`` instead (no ``label_smoothing``)."""
    xp = table_for(y_pred)
    fused = xp.fused_sparse_xent
    if fused is None or (log_probs and label_smoothing):
        return None
    ax = 1 if xp.ndim(y_pred) > 1 else 0
    if check_labels:
        sparse_labels(xp, y_true, y_pred, ax, xp.shape(y_pred)[ax], ignore_index)
    eps = resolve_smoothing(label_smoothing, "standard", None).eps if label_smoothing else 0.0
    if class_weight is not None:
        check_class_weight(xp, class_weight, xp.shape(y_pred)[ax])
    try:
        return fused(y_pred, y_true, class_weight, ignore_index, eps, reduction, None,
                     class_weight is not None, log_probs)
    except xp.label_errors as e:
        error = e
    sparse_labels(xp, y_true, y_pred, ax, xp.shape(y_pred)[ax], ignore_index)  # raises, naming the label
    raise error


def _squeezed(xp: Any, v: Any, ax: int) -> Any:
    """``v`` without its (kept) class axis; Python numbers pass through."""
    return v if isinstance(v, float) else xp.squeeze(v, ax)


@loss("crossentropy", formula="(1-e) w_y (-log p_y) + e/C sum_c w_c (-log p_c)", make=make_sparse,
      natives={"keras": "keras.losses.sparse_categorical_crossentropy", "torch": "F.cross_entropy",
               "optax": "optax.softmax_cross_entropy_with_integer_labels"},
      checks={**CLIP_CHECKS, "ignore_index": IGNORE_INDEX, "where_label": _checks.one_of("error", "logit")},
      arrays=("class_weight", "where"), saturate=True, fuses_reduction=True,
      cases=(
          {"from_logits": True},
          {"from_logits": False},
          {"from_logits": True, "label_smoothing": 0.1},
          {"from_logits": True, "class_weight": ARRAY},
          {"from_logits": True, "ignore_index": -100},
          {"from_logits": True, "ignore_index": 1, "class_weight": ARRAY, "label_smoothing": 0.2},
          {"from_logits": False, "class_weight": ARRAY, "label_smoothing": 0.1},
          {"from_logits": True, "axis": 1, "ignore_index": -100},
          {"from_logits": True, "label_smoothing": 0.3, "smoothing": "additive"},
          {"from_logits": True, "sample_weight": ARRAY, "class_weight": ARRAY},
          {"from_logits": False, "where": ARRAY, "label_smoothing": 0.1},
          {"from_logits": True, "where": ARRAY, "axis": 1, "ignore_index": -100,
           "label_smoothing": 0.2, "class_weight": ARRAY},
          {"from_logits": True, "where": ARRAY, "label_smoothing": 0.3, "smoothing": "additive"},
      ))
def sparse_categorical_crossentropy(
    xp: Any, y_true: Any, y_pred: Array, grad: bool, *, from_logits: bool = False,
    label_smoothing: float = 0.0, axis: int = -1, ignore_index: int | None = None,
    class_weight: Any = None, smoothing: str = "standard", epsilon: float = 1e-7,
    where: Any = None, where_label: str = "error", **fused: Any,
) -> tuple:
    r"""Cross-entropy with integer class labels.

    .. math:: \ell_i = (1-\varepsilon)\, w_{y_i} (-\log p_{i,y_i})
              + \frac{\varepsilon}{C} \sum_c w_c (-\log p_{i,c})

    with ``w`` the class weights (1 when absent). Ignored labels contribute 0.
    ``reduction="mean"`` divides by ``sum_i s_i w_{y_i}`` over the counted
    (not ignored) elements, ``s`` the sample weights -- exactly torch's
    ``F.cross_entropy(weight=..., ignore_index=..., label_smoothing=...)``.

    Args:
      y_true: integer labels of ``y_pred``'s shape less ``axis`` (a size-1
        class axis is squeezed, as Keras allows). Float labels must be whole
        numbers. A label outside ``[0, C)`` (and not ``ignore_index``) raises
        ``ValueError`` in eager mode; under ``jit``/``tf.function`` it makes
        that element's loss NaN.
      y_pred: logits (``from_logits=True``) or probabilities.
      axis: the class axis (torch's ``[N, C, d1, ...]`` layout is ``axis=1``).
      ignore_index: a label value that contributes nothing.
      class_weight: ``[C]`` weights.
      where: a mask broadcastable to ``y_pred`` (nonzero = included), as
        ``optax.softmax_cross_entropy_with_integer_labels(where=...)``:
        excluded classes leave the softmax, and smoothing spreads over the
        included classes of each row. A row with no included class has loss 0,
        gradient 0, is not counted by ``reduction="mean"`` and its label is
        not checked. A label on an excluded class is a bad label (raises in
        eager mode, NaN under tracing), unless ``where_label="logit"``.
      where_label: ``"error"``, or ``"logit"``: a label on a class that
        ``where`` excludes scores its own logit against the included ones,
        ``logsumexp(included logits) - logit[label]``, as optax does
        (``from_logits=True``).
      label_smoothing, smoothing, reduction, sample_weight, epsilon: as in
        :func:`categorical_crossentropy`.

    Native equivalents: ``torch.nn.functional.cross_entropy`` (``axis=1``),
    ``keras.losses.sparse_categorical_crossentropy``,
    ``optax.softmax_cross_entropy_with_integer_labels``.

    >>> import numpy as np
    >>> round(float(sparse_categorical_crossentropy(np.array([1]),
    ...     np.array([[0.0, 0.0]]), from_logits=True)), 6)
    0.693147
    """
    if from_logits and where is None and xp.fused_sparse_xent is not None:
        value = sparse_fused(xp, y_true, y_pred, fused.get("_reduction"), fused.get("_limit"), axis=axis,
                             ignore_index=ignore_index, class_weight=class_weight,
                             label_smoothing=label_smoothing, smoothing=smoothing)
        if value is not None:
            return value, SATURATED, None, None
    sp = _sparse_setup(xp, y_true, y_pred, axis=axis, ignore_index=ignore_index,
                       class_weight=class_weight, label_smoothing=label_smoothing,
                       smoothing=smoothing, where=where, excluded_ok=where_label == "logit")
    if from_logits:
        return _sparse_from_logits(xp, sp, y_pred, grad, fused.get("_reduction"))
    return _sparse_from_probs(xp, sp, y_pred, grad, epsilon)


@loss("crossentropy", make=make_log_probs,
      formula="(1-e) w_y (-x_y) + e/C sum_c w_c (-x_c), x = log-probabilities",
      natives={"torch": "F.nll_loss"},
      checks={"smoothing": SMOOTHING, "ignore_index": IGNORE_INDEX}, arrays=("class_weight",),
      fuses_reduction=True,
      cases=(
          {},
          {"class_weight": ARRAY},
          {"ignore_index": -100},
          {"ignore_index": 1, "class_weight": ARRAY, "label_smoothing": 0.2},
          {"axis": 1, "ignore_index": -100, "class_weight": ARRAY},
          {"sample_weight": ARRAY, "class_weight": ARRAY},
          {"label_smoothing": 0.3, "smoothing": "additive"},
          *({"ignore_index": -100, **r} for r in _RED),
      ))
def nll_loss(
    xp: Any, y_true: Any, y_pred: Array, grad: bool, *, axis: int = -1,
    ignore_index: int | None = None, class_weight: Any = None, label_smoothing: float = 0.0,
    smoothing: str = "standard", **fused: Any,
) -> tuple:
    r"""Negative log-likelihood of integer labels under given log-probabilities.

    .. math:: \ell_i = (1-\varepsilon)\, w_{y_i} (-x_{i,y_i})
              + \frac{\varepsilon}{C} \sum_c w_c (-x_{i,c})

    with ``x = y_pred`` the log-probabilities (used as given: nothing is
    normalised or clipped) and ``w`` the class weights (1 when absent). It is
    :func:`sparse_categorical_crossentropy` with ``log p`` supplied by the
    caller: ``nll_loss(y, log_softmax(z))`` equals
    ``sparse_categorical_crossentropy(y, z, from_logits=True)``. Ignored
    labels contribute 0; ``reduction="mean"`` divides by ``sum_i s_i w_{y_i}``
    over the counted elements (torch's weighted mean).

    Args:
      y_true: integer labels of ``y_pred``'s shape less ``axis``; checked as
        in :func:`sparse_categorical_crossentropy`.
      y_pred: log-probabilities, class axis ``axis``.
      axis: the class axis (torch's ``[N, C, d1, ...]`` layout is ``axis=1``).
      ignore_index, class_weight, label_smoothing, smoothing, reduction,
        sample_weight: as in :func:`sparse_categorical_crossentropy`.

    Gradient: ``d loss / d x_{i,c} = -a_{i,c}`` with
    ``a = (1-e) w_y onehot(y) + (e/C) w`` (0 for ignored labels), scaled by the
    reduction.

    Native equivalents: ``torch.nn.functional.nll_loss`` (``axis=1``; it has no
    ``label_smoothing``).

    >>> import numpy as np
    >>> round(float(nll_loss(np.array([1, 0]), np.log(np.array([[0.5, 0.5], [0.25, 0.75]])))), 6)
    1.039721
    """
    if xp.fused_sparse_xent is not None:
        value = sparse_fused(xp, y_true, y_pred, fused.get("_reduction"), None, axis=axis,
                             ignore_index=ignore_index, class_weight=class_weight,
                             label_smoothing=label_smoothing, smoothing=smoothing, log_probs=True)
        if value is not None:
            return value, SATURATED, None, None
    sp = _sparse_setup(xp, y_true, y_pred, axis=axis, ignore_index=ignore_index,
                       class_weight=class_weight, label_smoothing=label_smoothing,
                       smoothing=smoothing)
    return _sparse_from_log_probs(xp, sp, y_pred, grad)


# --- binary --------------------------------------------------------------------------


@loss("crossentropy", formula="-[w+ y log s(z) + (1-y) log(1-s(z))]", make=make_binary,
      natives={"keras": "keras.losses.binary_crossentropy",
               "torch": "F.binary_cross_entropy(_with_logits)",
               "optax": "optax.sigmoid_binary_cross_entropy"},
      checks={**CLIP_CHECKS, "log_min": _checks.in_range(None, 0.0, hi_open=True, optional=True)},
      arrays=("pos_weight",), saturate=True,
      cases=(
          {"from_logits": True},
          {"from_logits": False},
          {"from_logits": True, "soft": True, "label_smoothing": 0.1},
          {"from_logits": False, "label_smoothing": 0.2},
          {"from_logits": True, "pos_weight": ARRAY},
          {"from_logits": False, "log_min": -100.0},
          {"from_logits": False, "pos_weight": ARRAY, "soft": True},
          {"from_logits": True, "sample_weight": ARRAY},
          *({"from_logits": True, **r} for r in _RED),
      ))
def binary_crossentropy(
    xp: Any, y_true: Any, y_pred: Array, grad: bool, *, from_logits: bool = False,
    label_smoothing: float = 0.0, pos_weight: Any = None, smoothing: str = "standard",
    epsilon: float = 1e-7, log_min: float | None = None,
) -> tuple:
    r"""Element-wise binary cross-entropy.

    .. math:: \ell = -\left[w_+\, y \log \sigma(z) + (1 - y) \log(1 - \sigma(z))\right],
              \qquad y' = (1 - \varepsilon)\, y + \varepsilon / 2

    Args:
      y_true: targets in ``[0, 1]``, same shape as ``y_pred``.
      y_pred: logits (``from_logits=True``) or probabilities.
      pos_weight: ``w_+``, broadcast against ``y_pred`` (torch's
        ``BCEWithLogitsLoss(pos_weight=...)``: one per class on the last axis).
      log_min: ``None`` clips probabilities to ``[epsilon, 1 - epsilon]``
        (Keras); a number ``< 0`` clamps each log at ``log_min`` instead
        (torch's ``BCELoss`` uses ``-100``). Under this rule the loss is defined for
        ``y_pred`` and ``y_true`` in ``[0, 1]`` only, as in torch: a value
        outside (or NaN) raises ``ValueError`` in eager mode and makes that
        element's loss NaN under ``jit``/``tf.function``/``torch.compile``.
        The gradient is torch's, ``(p - y) / max(p (1 - p), 1e-12)`` (with
        ``pos_weight``: ``(p (w y + 1 - y) - w y) / max(...)``): where a log
        is clamped it still pushes (about ``-1e12`` at ``p = 0, y = 1``),
        rather than the clamped loss's zero.
      label_smoothing, smoothing, reduction, sample_weight, epsilon: as in
        :func:`categorical_crossentropy`. The loss is element-wise (no class
        axis): ``reduction="none"`` returns ``y_pred``'s shape, where
        ``keras.losses.binary_crossentropy`` averages the last axis.

    Native equivalents: ``torch.nn.functional.binary_cross_entropy(_with_logits)``,
    ``keras.losses.binary_crossentropy`` (averaged over the last axis),
    ``optax.sigmoid_binary_cross_entropy``.

    >>> import numpy as np
    >>> round(float(binary_crossentropy(np.array([1.0]), np.array([0.0]),
    ...     from_logits=True)), 6)
    0.693147
    """
    y = dense_true(xp, y_true, y_pred)
    bad = None
    if log_min is not None and not from_logits:  # torch's rule: defined on [0, 1] only
        bad = _unit_interval(xp, y_pred, "y_pred", "probabilities")
        bad_y = _unit_interval(xp, y, "y_true", "targets")
        bad = bad_y if bad is None else bad if bad_y is None else bad | bad_y
    y = smooth(y, resolve_smoothing(label_smoothing, smoothing, 2), 2)
    pw = pos_weight
    if pw is not None:
        _checks.broadcastable("pos_weight", xp.shape(pw), "y_pred", xp.shape(y_pred))
    if from_logits:
        loss, g = _binary_logits(xp, y, y_pred, pw, grad)
        return loss, None, g, None
    py = y if pw is None else pw * y
    if log_min is None:  # Keras: clip to [epsilon, 1 - epsilon]
        loss, g, _, _ = binary_clip_log(xp, y, py, y_pred, epsilon, grad)
        return loss, None, g, None
    loss, g = _binary_log_min(xp, y, py, y_pred, log_min, grad)
    return poison(xp, loss, bad), None, g, None


def _binary_logits(xp: Any, y: Array, z: Array, pw: Any, grad: bool) -> tuple:
    """``(loss, gradient or None)`` of logits ``z``."""
    lw = 1.0 if pw is None else 1.0 + (pw - 1.0) * y
    # (1-y) z + lw * softplus(-z), softplus(-z) = -log_sigmoid(z): one smooth,
    # stable primitive. (relu(-z) + softplus(-|z|) is equal but has kinks at
    # z = 0 whose autodiff subgradients do not cancel: JAX gave -1, not -0.5.)
    loss = (1.0 - y) * z - lw * xp.log_sigmoid(z)
    return loss, ((1.0 - y) - lw * xp.sigmoid(-z) if grad else None)


#: torch's floor of ``p (1 - p)`` in ``BCELoss``'s backward: ``EPSILON = 1e-12`` of its
#: kernel, a C ``float`` (so 1e-12 rounded to float32) in every dtype
TORCH_BCE_EPS = 9.999999960041972e-13


def _binary_log_min(xp: Any, y: Array, py: Array, p: Array, log_min: float, grad: bool) -> tuple:
    """torch's ``BCELoss``: the value with each log clamped at ``log_min``, the
    gradient torch's ``(p (py + 1 - y) - py) / max(p (1 - p), 1e-12)`` -- finite
    and pushing at ``p = 0`` and ``p = 1``, where the clamped loss is flat.
    Written as ``stop_gradient(L - S) + S``: ``S`` is a smooth loss with that
    gradient (the unclamped cross-entropy where ``p (1 - p) > 1e-12``, its
    quadratic continuation by the floored gradient, centred on the nearest
    end, within ``1e-12`` of 0 and 1), so every backend's autodiff, higher
    orders included, differentiates ``S``."""
    pos, below1 = p > 0.0, p < 1.0
    p_s = xp.where(pos, p, 0.0 * p + 1.0)
    p_1 = xp.where(below1, p, 0.0 * p)
    lo = 0.0 * p + log_min
    lp = xp.maximum(xp.where(pos, xp.log(p_s), lo), log_min)
    l1p = xp.maximum(xp.where(below1, xp.log1p(-p_1), lo), log_min)
    value = -(py * lp + (1.0 - y) * l1p)
    a = py + 1.0 - y  # d/dp = (a p - py) / max(p (1 - p), eps)
    inner = p * (1.0 - p) > TORCH_BCE_EPS
    p_in = xp.where(inner, p, 0.0 * p + 0.5)
    end = xp.where(p < 0.5, 0.0 * p, 0.0 * p + 1.0)
    t = p - end
    s = xp.where(inner, -(py * xp.log(p_in) + (1.0 - y) * xp.log1p(-p_in)),
                 (0.5 * a * t * t + (a * end - py) * t) / TORCH_BCE_EPS)
    loss = xp.stop_gradient(value - s) + s
    g = (a * p - py) / xp.maximum(p * (1.0 - p), TORCH_BCE_EPS) if grad else None
    return loss, g


def fused_binary_crossentropy(y_true: Any, y_pred: Any, reduction: str, sample_weight: Any = None,
                              pos_weight: Any = None, from_logits: bool = True) -> Any:
    """:func:`binary_crossentropy` of logits by the backend's fused kernel
    (``xp.fused_binary_xent``: torch's ``binary_cross_entropy_with_logits``),
    saturated as the spec's value, or ``None`` where that does not apply: for
    the adapters, which check their options once and fall back to the public
    function on ``None``. ``sample_weight`` is element-wise (broadcast to
    ``y_pred``; the caller checks that it does), ``reduction`` ``"mean"``
    divides by the element count. ``from_logits=False``: probabilities under
    torch's rule (``log_min=-100``), which the kernel checks lie in [0, 1] with
    the targets; where it rejects them (torch on CPU), the data are read to
    raise the spec's ``ValueError`` naming the first bad value (CUDA: the
    kernel's device-side assert, as the native's)."""
    xp = table_for(y_pred)
    fused = xp.fused_binary_xent
    if fused is None:
        return None
    if pos_weight is not None:
        _checks.broadcastable("pos_weight", xp.shape(pos_weight), "y_pred", xp.shape(y_pred))
    signed = sample_weight is not None or pos_weight is not None
    if from_logits:
        return fused(y_pred, y_true, sample_weight, pos_weight, reduction, None, signed)
    try:
        return fused(y_pred, y_true, sample_weight, pos_weight, reduction, None, signed, True)
    except xp.range_errors as e:
        error = e
    _unit_interval(xp, y_pred, "y_pred", "probabilities")  # raise, naming the first bad value
    if xp.kind(y_true) in "fib":
        _unit_interval(xp, xp.cast(y_true, xp.dtype_of(y_pred)), "y_true", "targets")
    raise error


def fused_nll_loss(y_true: Any, y_pred: Any, reduction: str, class_weight: Any = None,
                   ignore_index: int | None = None, check_labels: bool = False) -> Any:
    """:func:`nll_loss` of log-probabilities ``y_pred`` (class axis 1, or 0
    when it is 1-D) by the backend's fused kernel: see
    :func:`fused_sparse_crossentropy`."""
    return fused_sparse_crossentropy(y_true, y_pred, reduction, class_weight, ignore_index, 0.0,
                                     check_labels, log_probs=True)


def fused_dense_crossentropy(y_true: Any, y_pred: Any, reduction: str, class_weight: Any = None,
                             label_smoothing: float = 0.0) -> Any:
    """:func:`categorical_crossentropy` of logits ``y_pred`` and class
    probabilities ``y_true`` (class axis 1, or 0 when 1-D) by the backend's
    fused form (``xp.fused_dense_xent``), or ``None`` where that does not
    apply: for the adapters, as :func:`fused_sparse_crossentropy`."""
    xp = table_for(y_pred)
    fused = xp.fused_dense_xent
    if fused is None or reduction not in _FUSED_REDUCTIONS or xp.ndim(y_pred) == 0:
        return None
    c = xp.shape(y_pred)[1 if xp.ndim(y_pred) > 1 else 0]
    eps = resolve_smoothing(label_smoothing, "standard", c).eps if label_smoothing else 0.0
    if class_weight is not None:
        check_class_weight(xp, class_weight, c)
    return fused(y_pred, y_true, class_weight, eps, reduction, None, class_weight is not None)


#: the options :func:`small_value_and_grad` takes (any other: the generic path)
_SMALL_OPTIONS = frozenset(("from_logits", "axis", "reduction"))


def _small_value_and_grad(dense: bool) -> Callable:
    def small_value_and_grad(xp: Any, y_true: Any, y_pred: Any, options: dict) -> tuple | None:
        """``value_and_grad`` of a small cross-entropy of logits on a closed-form
        backend (NumPy) in one hand-fused pass, or ``None``: the caller takes
        the generic path (every other option or input, every non-finite value;
        see ``backends/_numpy.py``'s ``small_xent_value_and_grad``)."""
        axis, reduction = options.get("axis", -1), options.get("reduction", "mean")
        if (xp.small_xent_value_and_grad is None or options.get("from_logits") is not True
                or not _SMALL_OPTIONS.issuperset(options) or type(axis) is not int or axis not in (-1, 1)
                or type(reduction) is not str):
            return None
        if dense:
            return xp.small_xent_value_and_grad(y_pred, None, y_true, reduction)
        return xp.small_xent_value_and_grad(y_pred, y_true, None, reduction)

    small_value_and_grad.__qualname__ = small_value_and_grad.__name__ = (
        f"small_{'dense' if dense else 'sparse'}_value_and_grad")
    return small_value_and_grad


def _sparse_call(y_true: Any, y_pred: Any, reduction: str, opts: dict) -> Any:
    """``sparse_categorical_crossentropy(y_true, y_pred, **opts)`` of logits
    with no ``where`` and no sample weights, options checked: straight to
    :func:`sparse_fused` (torch's kernel, class axis 1), skipping the generic
    path's Python; ``None`` where that does not apply (no fused kernel, another
    axis, an option that is not yet the backend's array or a Python number)."""
    cw, ii, ls = opts["class_weight"], opts["ignore_index"], opts["label_smoothing"]
    if (opts["from_logits"] is not True or opts["where"] is not None or type(getattr(y_pred, "ndim", None)) is not int
            or not (cw is None or type(cw) is type(y_pred)) or not (ii is None or type(ii) is int)
            or type(ls) not in (int, float)):
        return None
    return sparse_fused(table_for(y_pred), y_true, y_pred, reduction, None, axis=opts["axis"],
                        ignore_index=ii, class_weight=cw, label_smoothing=ls, smoothing=opts["smoothing"])


#: a call's direct path, taken by ``losses._core.run`` (``losses.<spec>.direct_call``)
sparse_categorical_crossentropy.direct_call = _sparse_call
#: ``value_and_grad``'s path for a small call (``losses.<spec>.small_value_and_grad``)
categorical_crossentropy.small_value_and_grad = _small_value_and_grad(True)
sparse_categorical_crossentropy.small_value_and_grad = _small_value_and_grad(False)
#: each spec's fused form, for the adapters (``losses.<spec>.fused``)
categorical_crossentropy.fused = fused_dense_crossentropy
sparse_categorical_crossentropy.fused = fused_sparse_crossentropy
nll_loss.fused = fused_nll_loss
binary_crossentropy.fused = fused_binary_crossentropy


def _unit_interval(xp: Any, x: Array, name: str, what: str) -> Any:
    """Elements of ``x`` outside ``[0, 1]`` (NaN included): see :func:`_checks.data`."""
    return _checks.data(xp, ~((x >= 0.0) & (x <= 1.0)), x, name, "value(s) outside [0, 1]",
                        f"with `log_min` (torch's BCELoss rule) {what} must lie in [0, 1]")

