"""Cross-entropy family: categorical, sparse categorical, negative
log-likelihood, binary, and the label-smoothing helper they share.

Every loss here is one spec over a backend's primitive table ``xp`` (see
``losses/_core.py``) plus a public function with the docstring. The spec
returns the per-element loss and, on request, its closed-form gradient.
"""

from __future__ import annotations

from typing import Any

from backends import table_for

from . import _checks
from ._core import REDUCED
from ._declare import ARRAY, loss
from ._makers import make_binary, make_dense, make_log_probs, make_sparse
from ._xent import CLIP_CHECKS, IGNORE_INDEX, SMOOTHING

Array = Any
NAN = float("nan")
SMOOTHING_FORMS = ("standard", "seed")
_RED = ({"reduction": "none"}, {"reduction": "sum"}, {"reduction": "sum_over_batch_size"})

# --- shared pieces -----------------------------------------------------------


def smoothing_eps(label_smoothing: Any, form: str, num_classes: int | None) -> float:
    """The standard smoothing amount equivalent to ``label_smoothing`` in ``form``.

    The seed's form ``P' = (P + e) / (1 + C e)`` equals standard smoothing
    ``P' = (1 - e') P + e' / C`` at ``e' = C e / (1 + C e)``.
    """
    _checks.choice("smoothing", form, SMOOTHING_FORMS)
    if form == "standard":
        return _checks.number("label_smoothing", label_smoothing, 0.0, 1.0)
    eps = _checks.number("label_smoothing", label_smoothing, 0.0, float("inf"), hi_open=True)
    if eps and num_classes is None:
        _checks.fail("the class count must be known (static) for `label_smoothing` in the seed form")
    return num_classes * eps / (1.0 + num_classes * eps) if eps else 0.0


def _clip_eps(epsilon: Any) -> float:
    """Keras' probability clip ``[epsilon, 1 - epsilon]``: ``epsilon`` in
    ``[0, 0.5)`` (checked even when ``y_pred`` holds logits)."""
    return _checks.number("epsilon", epsilon, 0.0, 0.5, hi_open=True)


def _poison(xp: Any, loss: Array, bad: Array) -> Array:
    """``loss`` with NaN where ``bad`` (traced calls cannot raise). A factor
    NaN-or-1 keeps the other elements' gradients exact; ``where(bad, loss * nan,
    loss)`` would not: its gradient is ``0 * nan = nan`` everywhere."""
    return loss * xp.where(bad, xp.full_like(loss, NAN), xp.ones_like(loss))


def _dense_true(xp: Any, y_true: Any, y_pred: Array) -> Array:
    y = xp.asarray(y_true, like=y_pred)
    if xp.kind(y) not in "fib":
        _checks.fail(f"`y_true` must be a real array; got dtype {xp.dtype_name(y)}")
    _checks.same_shape("y_true", xp.shape(y), "y_pred", xp.shape(y_pred))
    return xp.cast(y, xp.dtype_of(y_pred))


def _class_count(xp: Any, y_pred: Array, ax: int) -> int | None:
    return xp.shape(y_pred)[ax]


def _where_mask(xp: Any, where: Any, y_pred: Array, ax: int, of: str = "y_pred") -> tuple:
    """The ``where`` option (broadcastable to ``y_pred``; nonzero = included)
    as ``(m, mf, rows, cnt)``: ``m`` the included elements (bool, ``y_pred``'s
    shape), ``mf`` the same in ``y_pred``'s dtype, ``rows`` (bool, class axis
    kept) the rows with at least one included class, ``cnt`` (class axis
    kept) the number of included classes per row -- 1 for a row with none, so
    that dividing by it is always safe."""
    _checks.broadcastable("where", xp.shape(where), f"`{of}`", xp.shape(y_pred))
    zero = xp.zeros_like(y_pred)
    m = (zero + where) != 0
    mf = xp.cast(m, xp.dtype_of(y_pred))
    cnt = xp.sum(mf, ax, keepdims=True)
    rows = cnt > 0
    return m, mf, rows, xp.where(rows, cnt, xp.ones_like(cnt))


def _smooth_terms(label_smoothing: Any, form: str, eps: float, cnt: Any) -> tuple:
    """``(k, b)`` with ``P' = k P + b`` the smoothing of ``form`` over ``cnt``
    classes (an array: the included classes of each row)."""
    if form == "standard":
        return 1.0 - eps, eps / cnt
    e = float(label_smoothing)  # seed form: (P + e) / (1 + C e)
    return 1.0 / (1.0 + cnt * e), e / (1.0 + cnt * e)


def _squeezed(xp: Any, v: Any, ax: int) -> Any:
    """``v`` without its (kept) class axis; Python numbers pass through."""
    return v if isinstance(v, float) else xp.squeeze(v, ax)


def _masked_log_softmax(xp: Any, y_pred: Array, ax: int, m: Array, rows: Array) -> tuple:
    """``log softmax`` over the included classes of each row. Returns
    ``(log p, p)``: ``log p`` is finite everywhere (excluded elements are
    replaced by 0 before the shift, so ``-inf`` or huge excluded logits do no
    harm) and ``p`` is 0 at excluded elements. A row with no included class
    is computed as all zeros (its loss is dropped by the caller)."""
    zero = xp.zeros_like(y_pred)
    z = xp.where(m, y_pred, xp.where(rows, xp.full_like(y_pred, -float("inf")), zero))
    lse = xp.logsumexp(z, ax, keepdims=True)
    return xp.where(m, y_pred, zero) - lse, xp.exp(z - lse)


def _prob_log(xp: Any, y_pred: Array, ax: int, epsilon: float, m: Any = None,
              rows: Any = None) -> tuple:
    """Keras' probability rule: renormalise over the class axis, clip to
    ``[epsilon, 1 - epsilon]``, take the log. Returns ``(log q, q, clipped q, s)``.
    With a mask ``m`` only the included elements are renormalised (the
    excluded ones become 0)."""
    if m is not None:
        y_pred = xp.where(m, y_pred, xp.zeros_like(y_pred))
    s = xp.sum(y_pred, ax, keepdims=True)
    if rows is not None:
        s = xp.where(rows, s, xp.ones_like(s))
    q = y_pred / s
    qc = xp.clip(q, epsilon, 1.0 - epsilon)
    return xp.log(qc), q, qc, s


def _xent_grad(xp: Any, a: Array, y_pred: Array, ax: int, from_logits: bool,
               epsilon: float, logp: Array, q: Any = None, qc: Any = None, s: Any = None,
               p: Any = None, mf: Any = None, log_probs: bool = False) -> Array:
    """Gradient of ``-sum(a * log p, ax)`` w.r.t. ``y_pred`` (logits, probabilities,
    or -- ``log_probs`` -- the log-probabilities themselves).

    With a ``where`` mask: ``p`` is the masked softmax and ``mf`` the mask
    (``a`` is already 0 at excluded elements)."""
    if log_probs:
        return -a
    if from_logits:
        return (xp.exp(logp) if p is None else p) * xp.sum(a, ax, keepdims=True) - a
    inside = (q >= epsilon) & (q <= 1.0 - epsilon)
    gq = xp.where(inside, -a / qc, 0.0 * a)
    t = xp.sum(gq * q, ax, keepdims=True)
    return (gq - (t if mf is None else mf * t)) / s


def smooth_labels(labels: Any, label_smoothing: float, *, axis: int = -1,
                  form: str = "standard", where: Any = None) -> Array:
    """Smooth a distribution over the class axis.

    ``form="standard"`` (Keras, torch, optax): ``P' = (1 - e) P + e / C``.
    ``form="seed"``: ``P' = (P + e) / (1 + C e)``, which equals the standard
    form at ``e' = C e / (1 + C e)``.

    ``where`` (broadcastable to ``labels``; nonzero = included) makes ``C``
    the number of included classes of each row, as ``optax.smooth_labels``
    does; the formula applies to every element. A row with no included class
    is returned unchanged (optax divides by 0 there and gives ``inf``).

    Native equivalent: ``optax.smooth_labels(labels, alpha, where=...)``
    (standard form).

    >>> import numpy as np
    >>> smooth_labels(np.array([0., 1.]), 0.2).tolist()
    [0.1, 0.9]
    >>> smooth_labels(np.array([0., 1.]), 0.25, form="seed").tolist()
    [0.16666666666666666, 0.8333333333333334]
    """
    xp = table_for(labels, where, names=("labels", "where"))
    y = xp.asarray(labels)
    if xp.kind(y) != "f":
        _checks.fail(f"`labels` must be a floating-point array; got dtype {xp.dtype_name(y)}")
    ax = _checks.axis(axis, xp.ndim(y), of="labels")
    c = xp.shape(y)[ax]
    eps = smoothing_eps(label_smoothing, form, c)
    if where is None:
        return y * (1.0 - eps) + eps / c if eps else y
    w = xp.asarray(where, like=y)
    if xp.kind(w) not in "fib":
        _checks.fail(f"`where` must be a boolean (or 0/1) array; got dtype {xp.dtype_name(w)}")
    _, _, rows, cnt = _where_mask(xp, xp.cast(w, xp.dtype_of(y)), y, ax, of="labels")
    if not eps:
        return y
    k, b = _smooth_terms(label_smoothing, form, eps, cnt)
    return xp.where(rows, y * k + b, y)


# --- categorical ---------------------------------------------------------------


@loss("crossentropy", formula="-sum_c w_c y'_c log softmax(z)_c", make=make_dense, cases=(
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
    ), natives={"keras": "keras.losses.categorical_crossentropy",
             "torch": "F.cross_entropy (probability targets)", "optax": "optax.softmax_cross_entropy"}, checks={**CLIP_CHECKS, "smoothing": SMOOTHING}, arrays=("class_weight", "where"), saturate=True, fuses_reduction=True)
def categorical_crossentropy(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1, class_weight: Any = None, smoothing: str = "standard", epsilon: float = 1e-7, where: Any = None, **fused: Any) -> tuple:
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
      label_smoothing: ``\varepsilon`` in ``[0, 1]`` (``smoothing="seed"``:
        any ``\varepsilon \ge 0`` of the seed's form ``(P + e)/(1 + C e)``).
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
    _reduction = fused.get("_reduction")
    nd = xp.ndim(y_pred)
    ax = _checks.axis(axis, nd)
    y = _dense_true(xp, y_true, y_pred)
    c = _class_count(xp, y_pred, ax)
    eps = smoothing_eps(label_smoothing, smoothing, c)
    cw = class_weight
    if cw is not None:
        _checks.vector("class_weight", xp.shape(cw), c, "one weight per class")
    if (from_logits and where is None and _reduction in _FUSED_REDUCTIONS
            and xp.cross_entropy is not None and (ax == 1 or nd == 1)):
        fused = xp.cross_entropy(y_pred, y, cw, None, eps, _reduction)
        if fused is not None:
            return fused, REDUCED, None, None
    m = mf = rows = None
    if where is not None:
        m, mf, rows, cnt = _where_mask(xp, where, y_pred, ax)
        if eps:
            k, b = _smooth_terms(label_smoothing, smoothing, eps, cnt)
            y = y * k + b
        y = y * mf
    elif eps:
        y = y * (1.0 - eps) + eps / c
    if cw is not None:
        y = y * xp.reshape(cw, (c,) + (1,) * (nd - ax - 1))
    q = qc = s = p = None
    if from_logits:
        if m is None:
            logp = xp.log_softmax(y_pred, ax)
        else:
            logp, p = _masked_log_softmax(xp, y_pred, ax, m, rows)
    else:
        logp, q, qc, s = _prob_log(xp, y_pred, ax, epsilon, m, rows)
    loss = -xp.sum(y * logp, ax)
    denom = None if rows is None else xp.cast(xp.squeeze(rows, ax), xp.dtype_of(y_pred))
    g = _xent_grad(xp, y, y_pred, ax, from_logits, epsilon, logp, q, qc, s, p, mf) if grad else None
    return loss, denom, g, ax


_FUSED_REDUCTIONS = ("mean", "sum", "none")


# --- sparse categorical ----------------------------------------------------------


def _labels(xp: Any, y_true: Any, y_pred: Array, ax: int, name: str = "y_true") -> tuple:
    """Integer labels of shape ``y_pred.shape`` less ``ax`` (a trailing size-1
    class axis is squeezed, as Keras allows). Returns ``(labels, fractional)``
    where ``fractional`` flags float labels that are not whole numbers."""
    labels = xp.asarray(y_true, like=y_pred)
    p_shape = xp.shape(y_pred)
    want = p_shape[:ax] + p_shape[ax + 1:]
    l_shape = xp.shape(labels)
    if len(l_shape) == len(p_shape) and l_shape[ax] == 1:
        labels = xp.squeeze(labels, ax)
        l_shape = l_shape[:ax] + l_shape[ax + 1:]
    if len(l_shape) != len(want) or any(
        a is not None and b is not None and a != b for a, b in zip(l_shape, want)
    ):
        fmt = _checks.fmt_shape
        _checks.fail(
            f"`{name}` (integer labels) must have the shape of `y_pred` without its class axis "
            f"(axis={ax}): expected {fmt(want)} for y_pred.shape={fmt(p_shape)}; "
            f"got {name}.shape={fmt(xp.shape(y_true) if hasattr(y_true, 'shape') else l_shape)}"
        )
    k = xp.kind(labels)
    fractional = None
    if k == "f":
        fractional = xp.floor(labels) != labels
        labels = xp.cast(xp.where(fractional, xp.zeros_like(labels), labels), xp.int64)  # NaN too
    elif k != "i":
        _checks.fail(f"`{name}` must hold integer class labels; got dtype {xp.dtype_name(labels)}")
    return labels, fractional


def _check_labels(xp: Any, labels: Array, c: int, ignore_index: Any, fractional: Any,
                  raw: Any, name: str = "y_true", like: Any = None, mask: Any = None,
                  ax: int = -1) -> tuple:
    """Range-check labels. Returns ``(safe labels, keep mask or None, bad mask or None)``.

    ``mask``: ``(mf, rows)`` from :func:`_where_mask`; a row with no included
    class is not kept (its label is not checked) and a label on an excluded
    class is bad.

    In eager mode a bad label raises ``ValueError``; under tracing (``jit``,
    ``tf.function``, ``torch.compile``, ``torch.func``) nothing can raise, so
    the bad elements come back as a mask for NaN-poisoning."""
    mm = xp.eager_minmax(labels, like)
    if mm is not None:  # eager: read the data, raise on a bad label
        if fractional is not None and xp.any_true(fractional):
            _raise_bad_labels(xp, raw, labels, fractional, fractional, c, ignore_index, name)
        lo, hi = mm
        if mask is None and lo >= 0 and hi < c:  # fast path: every label is a class
            if ignore_index is None or not lo <= ignore_index <= hi:
                return labels, None, None
            return labels, labels != ignore_index, None
    valid = (labels >= 0) & (labels < c)
    keep = None if ignore_index is None else labels != ignore_index
    excluded = None
    if mask is not None:
        mf, rows = mask
        row_kept = xp.squeeze(rows, ax)
        keep = row_kept if keep is None else keep & row_kept
        inside = xp.where(valid, labels, 0 * labels)
        included = xp.squeeze(xp.take_along_axis(mf, xp.expand_dims(inside, ax), ax), ax) != 0
        excluded = valid & ~included
        valid = valid & included
    bad = ~valid if keep is None else ~valid & keep
    if fractional is not None:
        bad = bad | fractional
    if mm is not None:
        if xp.any_true(bad):
            _raise_bad_labels(xp, raw, labels, bad, fractional, c, ignore_index, name, excluded)
        bad = None
    return xp.where(valid, labels, 0 * labels), keep, bad


def _raise_bad_labels(xp: Any, raw: Any, labels: Any, bad: Any, fractional: Any, c: int,
                      ignore_index: Any, name: str, excluded: Any = None) -> None:
    import numpy as np

    b = np.asarray(xp.to_numpy(bad))
    r = np.asarray(xp.to_numpy(xp.asarray(raw, like=labels)))
    if r.shape != b.shape:
        r = r.reshape(b.shape)
    vals = r[b]
    first = vals.flat[0].item()  # a Python number: "5", not "np.int64(5)"
    if isinstance(first, float) and first.is_integer():  # whole float labels (Keras passes floats)
        first = int(first)
    where = tuple(int(i) for i in np.argwhere(b)[0])
    allowed = f"integers in [0, {c - 1}]"
    if ignore_index is not None:
        allowed += f" or ignore_index={ignore_index}"
    if fractional is not None and np.asarray(xp.to_numpy(fractional))[where]:
        _checks.fail(f"`{name}` holds a fractional class label {first!r} at index {where}; "
                     f"expected whole numbers ({allowed}) for {c} classes")
    if excluded is not None and np.asarray(xp.to_numpy(excluded))[where]:
        _checks.fail(f"`{name}` holds class label {first!r} at index {where}, a class that `where` "
                     f"excludes from that row; a label must be one of its row's included classes")
    _checks.fail(f"`{name}` holds class label {first!r} at index {where} "
                 f"({vals.size} bad label(s)); expected {allowed} for {c} classes")


def _sparse(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, mode: str,
            label_smoothing: float, axis: int, ignore_index: Any, class_weight: Any,
            smoothing: str, epsilon: float, where: Any = None, _reduction: Any = None) -> tuple:
    """The sparse body shared by :func:`sparse_categorical_crossentropy` and
    :func:`nll_loss`; ``mode`` says what ``y_pred`` holds: ``"logits"``,
    ``"probs"`` or ``"log_probs"``."""
    nd = xp.ndim(y_pred)
    ax = _checks.axis(axis, nd)
    c = _class_count(xp, y_pred, ax)
    eps = smoothing_eps(label_smoothing, smoothing, c)
    cw = class_weight
    if cw is not None:
        _checks.vector("class_weight", xp.shape(cw), c, "one weight per class")
    labels, fractional = _labels(xp, y_true, y_pred, ax)
    m = mf = rows = cnt = None
    if where is not None:
        m, mf, rows, cnt = _where_mask(xp, where, y_pred, ax)
    safe, keep, bad = _check_labels(xp, labels, c, ignore_index, fractional, y_true, like=y_pred,
                                    mask=None if m is None else (mf, rows), ax=ax)
    if (mode == "logits" and m is None and bad is None and _reduction in _FUSED_REDUCTIONS
            and xp.cross_entropy is not None and (ax == 1 or nd == 1)):
        return xp.cross_entropy(y_pred, labels, cw, ignore_index, eps, _reduction), REDUCED, None, None
    q = qc = s = p = None
    if (mode == "logits" and m is None and not eps and not grad and xp.sparse_xent is not None
            and ax == nd - 1):
        loss = xp.sparse_xent(y_pred, safe)
    else:
        if mode == "log_probs":
            logp = y_pred
        elif mode == "logits":
            if m is None:
                logp = xp.log_softmax(y_pred, ax)
            else:
                logp, p = _masked_log_softmax(xp, y_pred, ax, m, rows)
        else:
            logp, q, qc, s = _prob_log(xp, y_pred, ax, epsilon, m, rows)
        loss = -xp.squeeze(xp.take_along_axis(logp, xp.expand_dims(safe, ax), ax), ax)
    w_y = None
    if cw is not None:
        w_y = xp.gather(cw, safe)
        loss = loss * w_y
    cw_b = None
    k, b = 1.0 - eps, eps / c  # P' = k P + b
    if eps and m is not None:
        k, b = _smooth_terms(label_smoothing, smoothing, eps, cnt)
    if eps:
        terms = logp if mf is None else logp * mf
        if cw is not None:
            cw_b = xp.reshape(cw, (c,) + (1,) * (nd - ax - 1))
            terms = terms * cw_b
        smooth = -xp.sum(terms, ax)
        if m is None:
            loss = k * loss + b * smooth
        else:
            loss = _squeezed(xp, k, ax) * loss + _squeezed(xp, b, ax) * smooth
    denom = w_y
    if keep is not None:
        # zeros_like, not 0 * loss: an ignored element must have no gradient path,
        # or a 0 "mean" denominator (every label ignored) makes it 0 * inf = NaN
        zero = xp.zeros_like(loss)
        loss = xp.where(keep, loss, zero)
        denom = xp.where(keep, xp.ones_like(loss) if w_y is None else w_y, zero)
    if bad is not None:
        loss = _poison(xp, loss, bad)
    g = None
    if grad:
        a = xp.one_hot(safe, c, ax, xp.dtype_of(y_pred))
        if w_y is not None:
            a = a * xp.expand_dims(w_y, ax)
        if eps:
            spread = b if cw_b is None else b * cw_b
            a = k * a + (spread if mf is None else spread * mf)
        if keep is not None:
            a = a * xp.cast(xp.expand_dims(keep, ax), xp.dtype_of(y_pred))
        g = _xent_grad(xp, a, y_pred, ax, mode == "logits", epsilon, logp, q, qc, s, p, mf,
                       log_probs=mode == "log_probs")
    return loss, denom, g, ax


@loss("crossentropy", formula="(1-e) w_y (-log p_y) + e/C sum_c w_c (-log p_c)", make=make_sparse,
      cases=(
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
      natives={"keras": "keras.losses.sparse_categorical_crossentropy", "torch": "F.cross_entropy",
               "optax": "optax.softmax_cross_entropy_with_integer_labels"},
      checks={**CLIP_CHECKS, "smoothing": SMOOTHING, "ignore_index": IGNORE_INDEX},
      arrays=("class_weight", "where"), saturate=True, fuses_reduction=True)
def sparse_categorical_crossentropy(
    xp: Any, y_true: Any, y_pred: Array, grad: bool, *, from_logits: bool = False,
    label_smoothing: float = 0.0, axis: int = -1, ignore_index: int | None = None,
    class_weight: Any = None, smoothing: str = "standard", epsilon: float = 1e-7, where: Any = None,
    **fused: Any,
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
        eager mode, NaN under tracing); optax returns a finite number there.
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
    return _sparse(xp, y_true, y_pred, grad, mode="logits" if from_logits else "probs",
                   label_smoothing=label_smoothing, axis=axis, ignore_index=ignore_index,
                   class_weight=class_weight, smoothing=smoothing, epsilon=epsilon, where=where,
                   _reduction=fused.get("_reduction"))


# --- negative log-likelihood of integer labels ------------------------------------


@loss("crossentropy", formula="(1-e) w_y (-x_y) + e/C sum_c w_c (-x_c), x = log-probabilities",
      make=make_log_probs,
      cases=(
          {},
          {"class_weight": ARRAY},
          {"ignore_index": -100},
          {"ignore_index": 1, "class_weight": ARRAY, "label_smoothing": 0.2},
          {"axis": 1, "ignore_index": -100, "class_weight": ARRAY},
          {"sample_weight": ARRAY, "class_weight": ARRAY},
          {"label_smoothing": 0.3, "smoothing": "seed"},
          *({"ignore_index": -100, **r} for r in _RED),
      ),
      natives={"torch": "F.nll_loss"},
      checks={"smoothing": SMOOTHING, "ignore_index": IGNORE_INDEX}, arrays=("class_weight",))
def nll_loss(
    xp: Any, y_true: Any, y_pred: Array, grad: bool, *, axis: int = -1,
    ignore_index: int | None = None, class_weight: Any = None, label_smoothing: float = 0.0,
    smoothing: str = "standard",
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
    return _sparse(xp, y_true, y_pred, grad, mode="log_probs", epsilon=0.0,
                   label_smoothing=label_smoothing, axis=axis, ignore_index=ignore_index,
                   class_weight=class_weight, smoothing=smoothing)

# --- binary --------------------------------------------------------------------------


@loss("crossentropy", formula="-[w+ y log s(z) + (1-y) log(1-s(z))]", make=make_binary, cases=(
        {"from_logits": True},
        {"from_logits": False},
        {"from_logits": True, "soft": True, "label_smoothing": 0.1},
        {"from_logits": False, "label_smoothing": 0.2},
        {"from_logits": True, "pos_weight": ARRAY},
        {"from_logits": False, "log_min": -100.0},
        {"from_logits": False, "pos_weight": ARRAY, "soft": True},
        {"from_logits": True, "sample_weight": ARRAY},
        *({"from_logits": True, **r} for r in _RED),
    ), natives={"keras": "keras.losses.binary_crossentropy",
             "torch": "F.binary_cross_entropy(_with_logits)",
             "optax": "optax.sigmoid_binary_cross_entropy"}, checks={**CLIP_CHECKS, "smoothing": SMOOTHING, "log_min": _checks.in_range(None, 0.0, hi_open=True, optional=True)}, arrays=("pos_weight",), saturate=True)
def binary_crossentropy(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, from_logits: bool = False, label_smoothing: float = 0.0, pos_weight: Any = None, smoothing: str = "standard", epsilon: float = 1e-7, log_min: float | None = None) -> tuple:
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
        The gradient is that of the clamped loss: 0 for a clamped log term
        (torch's own backward differs there, see ``backends.torch.BCELoss``).
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
    y = _dense_true(xp, y_true, y_pred)
    bad = None
    if log_min is not None and not from_logits:  # torch's rule: defined on [0, 1] only
        bad = _unit_interval(xp, y_pred, "y_pred", "probabilities")
        bad_y = _unit_interval(xp, y, "y_true", "targets")
        bad = bad_y if bad is None else bad if bad_y is None else bad | bad_y
    eps = smoothing_eps(label_smoothing, smoothing, 2)
    if eps:
        y = y * (1.0 - eps) + 0.5 * eps
    pw = pos_weight
    if pw is not None:
        _checks.broadcastable("pos_weight", xp.shape(pw), "y_pred", xp.shape(y_pred))
    g = None
    if from_logits:
        z = y_pred
        lw = 1.0 if pw is None else 1.0 + (pw - 1.0) * y
        # (1-y) z + lw * softplus(-z), softplus(-z) = -log_sigmoid(z): one smooth,
        # stable primitive. (relu(-z) + softplus(-|z|) is equal but has kinks at
        # z = 0 whose autodiff subgradients do not cancel: JAX gave -1, not -0.5.)
        loss = (1.0 - y) * z - lw * xp.log_sigmoid(z)
        if grad:
            g = (1.0 - y) - lw * xp.sigmoid(-z)
        return loss, None, g, None
    p = y_pred
    py = y if pw is None else pw * y
    if log_min is None:  # Keras: clip to [epsilon, 1 - epsilon]
        pc = xp.clip(p, epsilon, 1.0 - epsilon)
        loss = -(py * xp.log(pc) + (1.0 - y) * xp.log(1.0 - pc))
        if grad:
            inside = (p >= epsilon) & (p <= 1.0 - epsilon)
            g = xp.where(inside, (1.0 - y) / (1.0 - pc) - py / pc, 0.0 * p)
        return loss, None, g, None
    # torch: each log clamped at log_min. The logs are taken of safe values
    # (1 where p is 0 or 1, whose log is clamped anyway) so that autodiff gives
    # the clamped loss's gradient there (0), not 0 * inf = NaN.
    pos, below1 = p > 0.0, p < 1.0
    p_s = xp.where(pos, p, 0.0 * p + 1.0)
    p_1 = xp.where(below1, p, 0.0 * p)
    lo = 0.0 * p + log_min
    lp = xp.maximum(xp.where(pos, xp.log(p_s), lo), log_min)
    l1p = xp.maximum(xp.where(below1, xp.log1p(-p_1), lo), log_min)
    loss = -(py * lp + (1.0 - y) * l1p)
    if bad is not None:
        loss = _poison(xp, loss, bad)
    if grad:
        g = (xp.where(l1p > log_min, (1.0 - y) / (1.0 - p_1), 0.0 * p)
             - xp.where(lp > log_min, py / p_s, 0.0 * p))
    return loss, None, g, None


def _unit_interval(xp: Any, x: Array, name: str, what: str) -> Any:
    """Elements of ``x`` outside ``[0, 1]`` (NaN included): see :func:`_checks.data`."""
    return _checks.data(xp, ~((x >= 0.0) & (x <= 1.0)), x, name, "value(s) outside [0, 1]",
                        f"with `log_min` (torch's BCELoss rule) {what} must lie in [0, 1]")


