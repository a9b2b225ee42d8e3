"""Cross-entropy building blocks, written once for every spec of the
cross-entropy and focal families (``losses/crossentropy.py``,
``losses/focal.py``).

* option checks for the declarations (``@loss(checks=...)``);
* targets: ``y_true`` read as a distribution, label smoothing
  (:class:`Smoothing`), the ``where`` mask (:class:`Mask`), class weights
  laid along the class axis;
* log-probabilities (:class:`LogProbs`) from logits (optionally masked),
  probabilities (Keras' renormalise-and-clip rule) or log-probabilities, and
  the gradient of ``-sum(a * log p)`` for each (:func:`xent_grad`);
* integer labels: reading, range checks, the ``"mean"`` denominator of the
  counted (not ignored) labels (:class:`Labels`);
* :func:`poison`: NaN where a traced call cannot raise.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

from . import _checks

Array = Any
NAN = float("nan")
#: label smoothing forms: ``"standard"`` ``(1 - e) P + e / C`` (Keras, torch, optax) and
#: ``"additive"`` (Laplace/Lidstone) ``(P + e) / (1 + C e)``
SMOOTHING_FORMS = ("standard", "additive")
#: deprecated names of smoothing forms
SMOOTHING_ALIASES = {"seed": "additive"}

# --- option checks ----------------------------------------------------------------------


def _ignore_index(name: str, value: Any) -> Any:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        _checks.fail(f"`{name}` must be an integer or None; got {value!r}")
    return value


_ignore_index.rule = "an integer or None"
#: ``ignore_index``: a label value (an integer) or ``None``
IGNORE_INDEX = _ignore_index


def smoothing_form(name: str, value: Any, stacklevel: int = 5) -> str:
    """A smoothing form of :data:`SMOOTHING_FORMS`; a deprecated alias
    (``"seed"``) gives its form with a ``DeprecationWarning`` naming it.
    ``stacklevel`` 5 points the warning at the caller of a public loss
    (caller, loss, ``_core.run``, ``_core._prepare``, this check)."""
    if isinstance(value, str) and value in SMOOTHING_ALIASES:
        new = SMOOTHING_ALIASES[value]
        warnings.warn(f"lossbridge: `{name}`={value!r} is deprecated; use `{name}`={new!r} (the same "
                      f"additive (Laplace/Lidstone) smoothing (P + e) / (1 + C e))",
                      DeprecationWarning, stacklevel=stacklevel)
        return new
    return _checks.choice(name, value, SMOOTHING_FORMS)


smoothing_form.rule = "one of " + ", ".join(map(repr, SMOOTHING_FORMS)) + " ('seed': deprecated 'additive')"
#: the smoothing form option
SMOOTHING = smoothing_form
#: the options of a loss of logits or clipped probabilities, with label smoothing
CLIP_CHECKS = {"from_logits": _checks.flag, "epsilon": _checks.CLIP_EPSILON, "smoothing": SMOOTHING}
#: the focusing parameter of the focal losses
GAMMA = {"gamma": _checks.in_range(0.0, float("inf"), hi_open=True)}

# --- targets ----------------------------------------------------------------------------


def dense_true(xp: Any, y_true: Any, y_pred: Array) -> Array:
    """``y_true`` as a distribution of ``y_pred``'s shape and dtype."""
    y = xp.asarray(y_true, like=y_pred)
    if xp.kind(y) not in "fib":
        _checks.fail(f"`y_true` must be a real array; got dtype {xp.dtype_name(y)}")
    _checks.same_shape("y_true", xp.shape(y), "y_pred", xp.shape(y_pred))
    return xp.cast(y, xp.dtype_of(y_pred))


def smoothing_eps(label_smoothing: Any, form: str, num_classes: int | None) -> float:
    """The standard smoothing amount equivalent to ``label_smoothing`` in ``form``.

    Additive (Laplace/Lidstone) smoothing ``P' = (P + e) / (1 + C e)`` equals
    standard smoothing ``P' = (1 - e') P + e' / C`` at ``e' = C e / (1 + C e)``.
    """
    _checks.choice("smoothing", form, SMOOTHING_FORMS)
    if form == "standard":
        return _checks.number("label_smoothing", label_smoothing, 0.0, 1.0)
    eps = _checks.number("label_smoothing", label_smoothing, 0.0, float("inf"), hi_open=True)
    if eps and num_classes is None:
        _checks.fail("the class count must be known (static) for additive `label_smoothing`")
    return num_classes * eps / (1.0 + num_classes * eps) if eps else 0.0


class Smoothing(NamedTuple):
    """Label smoothing ``P' = k P + b`` of ``amount`` in ``form``; ``eps`` is
    the equivalent standard amount (0: no smoothing)."""

    eps: float
    amount: Any
    form: str

    def terms(self, c: int, cnt: Any = None) -> tuple:
        """``(k, b)`` over ``c`` classes, or over ``cnt`` (an array: the
        included classes of each row, class axis kept) under a ``where`` mask."""
        if cnt is None or self.form == "standard":
            return 1.0 - self.eps, self.eps / (c if cnt is None else cnt)
        e = float(self.amount)  # additive: (P + e) / (1 + C e)
        return 1.0 / (1.0 + cnt * e), e / (1.0 + cnt * e)


def resolve_smoothing(label_smoothing: Any, form: str, c: int | None) -> Smoothing:
    """Check ``label_smoothing`` against ``form`` over ``c`` classes."""
    return Smoothing(smoothing_eps(label_smoothing, form, c), label_smoothing, form)


class Mask(NamedTuple):
    """The ``where`` option: ``m`` the included elements (bool, ``y_pred``'s
    shape), ``mf`` the same in ``y_pred``'s dtype, ``rows`` (bool, class axis
    kept) the rows with at least one included class, ``cnt`` (class axis
    kept) the number of included classes per row -- 1 for a row with none, so
    that dividing by it is always safe."""

    m: Array
    mf: Array
    rows: Array
    cnt: Array


def where_mask(xp: Any, where: Any, y_pred: Array, ax: int, of: str = "y_pred") -> Mask:
    """The ``where`` option (broadcastable to ``y_pred``; nonzero = included)."""
    _checks.broadcastable("where", xp.shape(where), f"`{of}`", xp.shape(y_pred))
    zero = xp.zeros_like(y_pred)
    m = (zero + where) != 0
    mf = xp.cast(m, xp.dtype_of(y_pred))
    cnt = xp.sum(mf, ax, keepdims=True)
    rows = cnt > 0
    return Mask(m, mf, rows, xp.where(rows, cnt, xp.ones_like(cnt)))


def smooth(y: Array, sm: Smoothing, c: int, mask: Mask | None = None) -> Array:
    """The smoothed target ``k y + b`` over ``c`` classes; under a ``where``
    mask over each row's included classes, and 0 at excluded elements."""
    if mask is None:
        return y * (1.0 - sm.eps) + sm.eps / c if sm.eps else y
    if sm.eps:
        k, b = sm.terms(c, mask.cnt)
        y = y * k + b
    return y * mask.mf


def class_column(xp: Any, v: Array, c: int, nd: int, ax: int) -> Array:
    """A ``[C]`` vector laid along the class axis ``ax`` of a rank-``nd`` array."""
    return xp.reshape(v, (c,) + (1,) * (nd - ax - 1))


def check_class_weight(xp: Any, class_weight: Any, c: int | None) -> None:
    if class_weight is not None:
        _checks.vector("class_weight", xp.shape(class_weight), c, "one weight per class")


def row_denom(xp: Any, mask: Mask | None, ax: int, like: Array) -> Array | None:
    """The ``"mean"`` denominator under a ``where`` mask: 1 for a row with an
    included class, 0 for a row with none; ``None`` (1 everywhere) without."""
    return None if mask is None else xp.cast(xp.squeeze(mask.rows, ax), xp.dtype_of(like))


# --- log-probabilities and the cross-entropy gradient -----------------------------------


class LogProbs(NamedTuple):
    """``log p`` of a prediction over its class axis, and what the gradient
    of a cross-entropy needs: ``mode`` says what ``y_pred`` holds
    (``"logits"``, ``"probs"`` or ``"log_probs"``); ``p`` the softmax (logits;
    ``None``: ``exp(logp)``); ``q``, ``qc``, ``s`` the renormalised and
    clipped probabilities and the row sums (probs), ``epsilon`` the clip."""

    logp: Array
    mode: str
    p: Any = None
    q: Any = None
    qc: Any = None
    s: Any = None
    epsilon: float = 0.0


def masked_log_softmax(xp: Any, y_pred: Array, ax: int, m: Array, rows: Array) -> tuple:
    """``log softmax`` over the included classes of each row. Returns
    ``(log p, p)``: ``log p`` is finite everywhere (excluded elements are
    replaced by 0 before the shift, so ``-inf`` or huge excluded logits do no
    harm) and ``p`` is 0 at excluded elements. A row with no included class
    is computed as all zeros (its loss is dropped by the caller)."""
    zero = xp.zeros_like(y_pred)
    z = xp.where(m, y_pred, xp.where(rows, xp.full_like(y_pred, -float("inf")), zero))
    lse = xp.logsumexp(z, ax, keepdims=True)
    return xp.where(m, y_pred, zero) - lse, xp.exp(z - lse)


def prob_log(xp: Any, y_pred: Array, ax: int, epsilon: float, mask: Mask | None = None) -> LogProbs:
    """Keras' probability rule: renormalise over the class axis, clip to
    ``[epsilon, 1 - epsilon]``, take the log. With a mask only the included
    elements are renormalised (the excluded ones become 0)."""
    if mask is not None:
        y_pred = xp.where(mask.m, y_pred, xp.zeros_like(y_pred))
    s = xp.sum(y_pred, ax, keepdims=True)
    if mask is not None:
        s = xp.where(mask.rows, s, xp.ones_like(s))
    q = y_pred / s
    qc = xp.clip(q, epsilon, 1.0 - epsilon)
    return LogProbs(xp.log(qc), "probs", q=q, qc=qc, s=s, epsilon=epsilon)


def log_probs(xp: Any, y_pred: Array, ax: int, mode: str, epsilon: float = 0.0,
              mask: Mask | None = None) -> LogProbs:
    """``log p`` of ``y_pred`` holding ``mode`` (see :class:`LogProbs`), over
    the included classes of a ``where`` mask. Log-probabilities are used as
    given."""
    if mode == "log_probs":
        return LogProbs(y_pred, mode)
    if mode == "probs":
        return prob_log(xp, y_pred, ax, epsilon, mask)
    if mask is None:
        return LogProbs(xp.log_softmax(y_pred, ax), mode)
    logp, p = masked_log_softmax(xp, y_pred, ax, mask.m, mask.rows)
    return LogProbs(logp, mode, p=p)


def xent_grad(xp: Any, a: Array, ax: int, lp: LogProbs, mf: Any = None) -> Array:
    """Gradient of ``-sum(a * log p, ax)`` with respect to ``y_pred`` (what
    ``lp`` was computed from). With a ``where`` mask ``mf`` (``a`` is already
    0 at excluded elements)."""
    if lp.mode == "log_probs":
        return -a
    if lp.mode == "logits":
        return (xp.exp(lp.logp) if lp.p is None else lp.p) * xp.sum(a, ax, keepdims=True) - a
    inside = (lp.q >= lp.epsilon) & (lp.q <= 1.0 - lp.epsilon)
    gq = xp.where(inside, -a / lp.qc, 0.0 * a)
    t = xp.sum(gq * lp.q, ax, keepdims=True)
    return (gq - (t if mf is None else mf * t)) / lp.s


def binary_clip_log(xp: Any, y: Array, py: Array, p: Array, epsilon: float, grad: bool) -> tuple:
    """Keras' binary cross-entropy of probabilities ``-(py log pc + (1 - y)
    log(1 - pc))``, ``pc = clip(p, epsilon, 1 - epsilon)`` (``py``: ``y``
    times a positive weight). Returns ``(loss, gradient or None, pc, inside
    or None)``, ``inside`` the elements the clip leaves alone."""
    pc = xp.clip(p, epsilon, 1.0 - epsilon)
    loss = -(py * xp.log(pc) + (1.0 - y) * xp.log(1.0 - pc))
    g = inside = None
    if grad:
        inside = (p >= epsilon) & (p <= 1.0 - epsilon)
        g = xp.where(inside, (1.0 - y) / (1.0 - pc) - py / pc, 0.0 * p)
    return loss, g, pc, inside


# --- integer labels ---------------------------------------------------------------------


class Labels(NamedTuple):
    """Checked integer labels: ``labels`` as given (integer dtype), ``safe``
    the same with every bad or ignored label replaced by 0 (safe to gather
    with), ``keep`` the counted elements (``None``: all), ``bad`` the bad
    labels of a traced call (``None``: none, or eager, where they raised)."""

    labels: Array
    safe: Array
    keep: Any
    bad: Any


def read_labels(xp: Any, y_true: Any, y_pred: Array, ax: int, name: str = "y_true") -> tuple:
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


def sparse_labels(xp: Any, y_true: Any, y_pred: Array, ax: int, c: int, ignore_index: Any,
                  mask: Mask | None = None, excluded_ok: bool = False) -> Labels:
    """``y_true`` read and range-checked as integer labels of ``c`` classes.

    With a ``where`` mask a row with no included class is not kept (its
    label is not checked) and a label on an excluded class is bad.

    In eager mode a bad label raises ``ValueError``; under tracing (``jit``,
    ``tf.function``, ``torch.compile``, ``torch.func``) nothing can raise, so
    the bad elements come back as a mask for NaN-poisoning. ``excluded_ok``:
    a label on an excluded class is a valid label (optax's rule)."""
    labels, fractional = read_labels(xp, y_true, y_pred, ax)
    return check_labels(xp, labels, fractional, y_true, c, ignore_index, y_pred, mask, ax, excluded_ok)


def check_labels(xp: Any, labels: Array, fractional: Any, y_true: Any, c: int, ignore_index: Any,
                 like: Array, mask: Mask | None = None, ax: int = -1, excluded_ok: bool = False) -> Labels:
    """Range-check integer ``labels`` (read from ``y_true``; ``fractional``
    flags float labels that were not whole numbers): see :func:`sparse_labels`."""
    mm = xp.eager_minmax(labels, like)
    if mm is not None:  # eager: read the data, raise on a bad label
        if fractional is not None and xp.any_true(fractional):
            _raise_bad_labels(xp, y_true, labels, fractional, fractional, c, ignore_index)
        lo, hi = mm
        if mask is None and lo >= 0 and hi < c:  # fast path: every label is a class
            if ignore_index is None or not lo <= ignore_index <= hi:
                return Labels(labels, labels, None, None)
            return Labels(labels, labels, labels != ignore_index, None)
    valid = (labels >= 0) & (labels < c)
    keep = None if ignore_index is None else labels != ignore_index
    excluded = None
    if mask is not None:
        keep, in_mask, excluded = _masked_labels(xp, labels, valid, keep, mask, ax)
        valid, excluded = (valid, None) if excluded_ok else (in_mask, excluded)
    bad = ~valid if keep is None else ~valid & keep
    if fractional is not None:
        bad = bad | fractional
    if mm is not None or xp.staged(bad):  # staged: any_true is a guard (op by op, it raises)
        if xp.any_true(bad):
            _raise_bad_labels(xp, y_true, labels, bad, fractional, c, ignore_index, excluded)
        bad = None
    return Labels(labels, xp.where(valid, labels, xp.zeros_like(labels)), keep, bad)


def _masked_labels(xp: Any, labels: Array, valid: Array, keep: Any, mask: Mask, ax: int) -> tuple:
    """``(keep, valid, excluded)`` under a ``where`` mask: rows with no
    included class are not kept; a label on an excluded class is not valid."""
    row_kept = xp.squeeze(mask.rows, ax)
    keep = row_kept if keep is None else keep & row_kept
    inside = xp.where(valid, labels, 0 * labels)
    included = xp.squeeze(xp.take_along_axis(mask.mf, xp.expand_dims(inside, ax), ax), ax) != 0
    return keep, valid & included, valid & ~included


def _raise_bad_labels(xp: Any, raw: Any, labels: Any, bad: Any, fractional: Any, c: int,
                      ignore_index: Any, excluded: Any = None, name: str = "y_true") -> None:
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


def drop_ignored(xp: Any, a: Array, keep: Any, ax: int) -> Array:
    """Targets ``a`` (class axis ``ax``) with the rows of ignored labels zeroed."""
    return a if keep is None else a * xp.cast(xp.expand_dims(keep, ax), xp.dtype_of(a))


def counted(xp: Any, keep: Any, weight: Any, like: Array) -> Any:
    """The ``"mean"`` denominator of per-element losses ``like``: ``weight``
    (``None``: 1) where ``keep``, 0 at ignored labels; ``weight`` itself when
    nothing is ignored. ``zeros_like``, not ``0 * loss``: an ignored element
    has no gradient path."""
    if keep is None:
        return weight
    return xp.where(keep, xp.ones_like(like) if weight is None else weight, xp.zeros_like(like))


def poison(xp: Any, loss: Array, bad: Array | None) -> Array:
    """``loss`` with NaN where ``bad`` (traced calls cannot raise; ``None``:
    none). A factor NaN-or-1 keeps the other elements' gradients exact;
    ``where(bad, loss * nan, loss)`` would not: its gradient is ``0 * nan =
    nan`` everywhere."""
    if bad is None:
        return loss
    return loss * xp.where(bad, NAN, xp.ones_like(loss))  # NaN broadcast: no NaN-filled buffer
