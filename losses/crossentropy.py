"""Cross-entropy family: categorical, sparse categorical, binary, and the
label-smoothing helper they share.

Every loss here is one spec over a backend's primitive table ``xp`` (see
``losses/_core.py``) plus a public function with the docstring. The spec
returns the per-element loss and, on request, its closed-form gradient.
"""

from __future__ import annotations

from typing import Any

from backends import table_for

from . import _checks
from ._core import Spec, register, run

Array = Any
NAN = float("nan")
SMOOTHING_FORMS = ("standard", "seed")

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


def _dense_true(xp: Any, y_true: Any, y_pred: Array) -> Array:
    y = xp.asarray(y_true, like=y_pred)
    if xp.kind(y) not in "fib":
        _checks.fail(f"`y_true` must be a real array; got dtype {xp.dtype_name(y)}")
    _checks.same_shape("y_true", xp.shape(y), "y_pred", xp.shape(y_pred))
    return xp.cast(y, xp.dtype_of(y_pred))


def _class_count(xp: Any, y_pred: Array, ax: int) -> int | None:
    return xp.shape(y_pred)[ax]


def _prob_log(xp: Any, y_pred: Array, ax: int, epsilon: float) -> tuple:
    """Keras' probability rule: renormalise over the class axis, clip to
    ``[epsilon, 1 - epsilon]``, take the log. Returns ``(log q, q, clipped q, s)``."""
    s = xp.sum(y_pred, ax, keepdims=True)
    q = y_pred / s
    qc = xp.clip(q, epsilon, 1.0 - epsilon)
    return xp.log(qc), q, qc, s


def _xent_grad(xp: Any, a: Array, y_pred: Array, ax: int, from_logits: bool,
               epsilon: float, logp: Array, q: Any = None, qc: Any = None, s: Any = None) -> Array:
    """Gradient of ``-sum(a * log p, ax)`` w.r.t. ``y_pred`` (logits or probabilities)."""
    if from_logits:
        return xp.exp(logp) * xp.sum(a, ax, keepdims=True) - a
    inside = (q >= epsilon) & (q <= 1.0 - epsilon)
    gq = xp.where(inside, -a / qc, 0.0 * a)
    return (gq - xp.sum(gq * q, ax, keepdims=True)) / s


def smooth_labels(labels: Any, label_smoothing: float, *, axis: int = -1,
                  form: str = "standard") -> Array:
    """Smooth a distribution over the class axis.

    ``form="standard"`` (Keras, torch, optax): ``P' = (1 - e) P + e / C``.
    ``form="seed"``: ``P' = (P + e) / (1 + C e)``, which equals the standard
    form at ``e' = C e / (1 + C e)``.

    Native equivalent: ``optax.smooth_labels(labels, alpha)`` (standard form).

    >>> import numpy as np
    >>> smooth_labels(np.array([0., 1.]), 0.2).tolist()
    [0.1, 0.9]
    >>> smooth_labels(np.array([0., 1.]), 0.25, form="seed").tolist()
    [0.16666666666666666, 0.8333333333333334]
    """
    xp = table_for(labels)
    y = xp.asarray(labels)
    if xp.kind(y) != "f":
        _checks.fail(f"`labels` must be a floating-point array; got dtype {xp.dtype_name(y)}")
    ax = _checks.axis(axis, xp.ndim(y), of="labels")
    c = xp.shape(y)[ax]
    eps = smoothing_eps(label_smoothing, form, c)
    return y * (1.0 - eps) + eps / c if eps else y


# --- categorical ---------------------------------------------------------------


def _cce(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, from_logits: bool, label_smoothing: float,
         axis: int, class_weight: Any, smoothing: str, epsilon: float) -> tuple:
    ax = _checks.axis(axis, xp.ndim(y_pred))
    y = _dense_true(xp, y_true, y_pred)
    c = _class_count(xp, y_pred, ax)
    eps = smoothing_eps(label_smoothing, smoothing, c)
    if eps:
        y = y * (1.0 - eps) + eps / c
    if class_weight is not None:
        _checks.vector("class_weight", xp.shape(class_weight), c, "one weight per class")
        y = y * xp.reshape(class_weight, (c,) + (1,) * (xp.ndim(y_pred) - ax - 1))
    q = qc = s = None
    if from_logits:
        logp = xp.log_softmax(y_pred, ax)
    else:
        logp, q, qc, s = _prob_log(xp, y_pred, ax, epsilon)
    loss = -xp.sum(y * logp, ax)
    g = _xent_grad(xp, y, y_pred, ax, from_logits, epsilon, logp, q, qc, s) if grad else None
    return loss, None, g, ax


CATEGORICAL = Spec("categorical_crossentropy", _cce, arrays=("class_weight",))


def categorical_crossentropy(
    y_true: Any, y_pred: Any, *, from_logits: bool = False, label_smoothing: float = 0.0,
    axis: int = -1, class_weight: Any = None, reduction: str = "mean", sample_weight: Any = None,
    smoothing: str = "standard", epsilon: float = 1e-7,
) -> Array:
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
    return run(CATEGORICAL, y_true, y_pred, reduction, sample_weight,
               {"from_logits": from_logits, "label_smoothing": label_smoothing, "axis": axis,
                "class_weight": class_weight, "smoothing": smoothing, "epsilon": epsilon})


register(CATEGORICAL, categorical_crossentropy)

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
        labels = xp.cast(xp.where(fractional, 0.0 * labels, labels), xp.int64)
    elif k != "i":
        _checks.fail(f"`{name}` must hold integer class labels; got dtype {xp.dtype_name(labels)}")
    return labels, fractional


def _check_labels(xp: Any, labels: Array, c: int, ignore_index: Any, fractional: Any,
                  raw: Any, name: str = "y_true") -> tuple:
    """Range-check labels. Returns ``(safe labels, keep mask or None, bad mask or None)``.

    In eager mode a bad label raises; under tracing (``jit``, ``tf.function``,
    ``torch.compile``) the bad elements are returned for NaN-poisoning."""
    valid = (labels >= 0) & (labels < c)
    keep = None if ignore_index is None else labels != ignore_index
    bad = ~valid if keep is None else ~valid & keep
    if fractional is not None:
        bad = bad | fractional
    if xp.is_concrete(bad):
        if xp.any_true(bad):
            _raise_bad_labels(xp, raw, labels, bad, fractional, c, ignore_index, name)
        bad = None
        if keep is None:
            return labels, None, None
    return xp.where(valid, labels, 0 * labels), keep, bad


def _raise_bad_labels(xp: Any, raw: Any, labels: Any, bad: Any, fractional: Any, c: int,
                      ignore_index: Any, name: str) -> None:
    import numpy as np

    b = np.asarray(xp.to_numpy(bad))
    r = np.asarray(xp.to_numpy(xp.asarray(raw, like=labels)))
    if r.shape != b.shape:
        r = r.reshape(b.shape)
    vals = r[b]
    first = vals.flat[0].item()  # a Python number: `3`, not `np.float32(3.0)`
    if isinstance(first, float) and first.is_integer():  # whole float labels (Keras passes floats)
        first = int(first)
    where = tuple(int(i) for i in np.argwhere(b)[0])
    allowed = f"integers in [0, {c - 1}]"
    if ignore_index is not None:
        allowed += f" or ignore_index={ignore_index}"
    if fractional is not None and np.asarray(xp.to_numpy(fractional))[where]:
        _checks.fail(f"`{name}` holds a fractional class label {first!r} at index {where}; "
                     f"expected whole numbers ({allowed}) for {c} classes")
    _checks.fail(f"`{name}` holds class label {first!r} at index {where} "
                 f"({vals.size} bad label(s)); expected {allowed} for {c} classes")


def _scce(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, from_logits: bool,
          label_smoothing: float, axis: int, ignore_index: Any, class_weight: Any,
          smoothing: str, epsilon: float) -> tuple:
    ax = _checks.axis(axis, xp.ndim(y_pred))
    c = _class_count(xp, y_pred, ax)
    eps = smoothing_eps(label_smoothing, smoothing, c)
    if ignore_index is not None and (isinstance(ignore_index, bool) or not isinstance(ignore_index, int)):
        _checks.fail(f"`ignore_index` must be an integer or None; got {ignore_index!r}")
    cw = class_weight
    if cw is not None:
        _checks.vector("class_weight", xp.shape(cw), c, "one weight per class")
    labels, fractional = _labels(xp, y_true, y_pred, ax)
    raw = y_true
    safe, keep, bad = _check_labels(xp, labels, c, ignore_index, fractional, raw)
    if from_logits:
        logp = xp.log_softmax(y_pred, ax)
        q = qc = s = None
    else:
        logp, q, qc, s = _prob_log(xp, y_pred, ax, epsilon)
    loss = -xp.squeeze(xp.take_along_axis(logp, xp.expand_dims(safe, ax), ax), ax)
    w_y = None
    if cw is not None:
        w_y = xp.gather(cw, safe)
        loss = loss * w_y
    cw_b = None
    if eps:
        if cw is None:
            smooth = -xp.sum(logp, ax)
        else:
            cw_b = xp.reshape(cw, (c,) + (1,) * (xp.ndim(y_pred) - ax - 1))
            smooth = -xp.sum(logp * cw_b, ax)
        loss = (1.0 - eps) * loss + (eps / c) * smooth
    denom = w_y
    if keep is not None:
        loss = xp.where(keep, loss, 0.0 * loss)
        denom = xp.where(keep, xp.ones_like(loss) if w_y is None else w_y, 0.0 * loss)
    if bad is not None:
        # a NaN constant, not `loss * NAN`: the unselected branch of `where` must not
        # carry NaN into the gradient of the valid elements
        loss = xp.where(bad, xp.full_like(loss, NAN), loss)
    g = None
    if grad:
        a = xp.one_hot(safe, c, ax, xp.dtype_of(y_pred))
        if w_y is not None:
            a = a * xp.expand_dims(w_y, ax)
        if eps:
            a = (1.0 - eps) * a + (eps / c) * (1.0 if cw_b is None else cw_b)
        if keep is not None:
            a = a * xp.cast(xp.expand_dims(keep, ax), xp.dtype_of(y_pred))
        g = _xent_grad(xp, a, y_pred, ax, from_logits, epsilon, logp, q, qc, s)
    return loss, denom, g, ax


SPARSE = Spec("sparse_categorical_crossentropy", _scce, arrays=("class_weight",))


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, *, from_logits: bool = False, label_smoothing: float = 0.0,
    axis: int = -1, ignore_index: int | None = None, class_weight: Any = None,
    reduction: str = "mean", sample_weight: Any = None, smoothing: str = "standard",
    epsilon: float = 1e-7,
) -> Array:
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
    return run(SPARSE, y_true, y_pred, reduction, sample_weight,
               {"from_logits": from_logits, "label_smoothing": label_smoothing, "axis": axis,
                "ignore_index": ignore_index, "class_weight": class_weight,
                "smoothing": smoothing, "epsilon": epsilon})


register(SPARSE, sparse_categorical_crossentropy)

# --- binary --------------------------------------------------------------------------


def _bce(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, from_logits: bool,
         label_smoothing: float, pos_weight: Any, smoothing: str, epsilon: float,
         log_min: float | None) -> tuple:
    y = _dense_true(xp, y_true, y_pred)
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
        # (1-y) z + lw * softplus(-z), with softplus(-z) = relu(-z) + log1p(exp(-|z|))
        loss = (1.0 - y) * z + lw * (xp.maximum(-z, 0.0) + xp.softplus(-xp.abs(z)))
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
    lp, l1p = xp.log(p), xp.log1p(-p)  # torch: clamp the logs at log_min
    loss = -(py * xp.maximum(lp, log_min) + (1.0 - y) * xp.maximum(l1p, log_min))
    if grad:
        g = (xp.where(l1p > log_min, (1.0 - y) / (1.0 - p), 0.0 * p)
             - xp.where(lp > log_min, py / p, 0.0 * p))
    return loss, None, g, None


BINARY = Spec("binary_crossentropy", _bce, arrays=("pos_weight",))


def binary_crossentropy(
    y_true: Any, y_pred: Any, *, from_logits: bool = False, label_smoothing: float = 0.0,
    pos_weight: Any = None, reduction: str = "mean", sample_weight: Any = None,
    smoothing: str = "standard", epsilon: float = 1e-7, log_min: float | None = None,
) -> Array:
    r"""Element-wise binary cross-entropy.

    .. math:: \ell = -\left[w_+\, y \log \sigma(z) + (1 - y) \log(1 - \sigma(z))\right],
              \qquad y' = (1 - \varepsilon)\, y + \varepsilon / 2

    Args:
      y_true: targets in ``[0, 1]``, same shape as ``y_pred``.
      y_pred: logits (``from_logits=True``) or probabilities.
      pos_weight: ``w_+``, broadcast against ``y_pred`` (torch's
        ``BCEWithLogitsLoss(pos_weight=...)``: one per class on the last axis).
      log_min: ``None`` clips probabilities to ``[epsilon, 1 - epsilon]``
        (Keras); a number clamps each log at ``log_min`` instead (torch's
        ``BCELoss`` uses ``-100``).
      label_smoothing, smoothing, reduction, sample_weight: as in
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
    return run(BINARY, y_true, y_pred, reduction, sample_weight,
               {"from_logits": from_logits, "label_smoothing": label_smoothing,
                "pos_weight": pos_weight, "smoothing": smoothing, "epsilon": epsilon,
                "log_min": log_min})


register(BINARY, binary_crossentropy)
