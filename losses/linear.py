"""Fused linear cross-entropy: the loss of a linear output layer (a
language model's head) without ever holding its ``[N, C]`` logits.

Written once over a backend's primitive table ``xp``. The rows are swept in
chunks (``xp.scan_rows``: a Python loop over views on NumPy, torch and
TensorFlow, a ``lax.scan`` on JAX); each chunk computes its logits
``z = h W^T + b``, their log-sum-exp and its rows' losses, and -- when a
gradient is asked for -- ``G = f (s softmax(z) - A)``, from which it adds
``G W`` to ``dh``, ``G^T h`` to ``dW`` and ``sum G`` to ``db``. Nothing
logits-sized outlives a chunk. The backward pass recomputes each chunk's
logits (or, torch, reduced loss: the forward sweep computes the gradient
too). See ``docs/linear-cross-entropy.md``.
"""

from __future__ import annotations

import functools
from typing import Any

from backends import table_for

from . import _checks, _core
from ._xent import check_labels, poison

Array = Any
#: bytes of one chunk's ``[rows, C]`` logits when ``chunk_size=None``
CHUNK_BYTES = 32 * 2**20


def _prod(shape: tuple) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _chunk(chunk_size: Any, n: int, c: int, itemsize: int) -> int:
    """Rows per chunk: ``chunk_size``, or as many as keep one chunk's logits
    within :data:`CHUNK_BYTES` (at least 1, at most ``n``)."""
    if chunk_size is None:
        rows = max(CHUNK_BYTES // max(c * itemsize, 1), 1)
    else:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            _checks.fail(f"`chunk_size` must be None or a positive int (rows per chunk); got {chunk_size!r}")
        rows = chunk_size
    return max(min(rows, n), 1)


# --- the sweep -------------------------------------------------------------------


def _linear_part(xp: Any, z: Array, rc: list, cw: Any, sparse: bool) -> Array:
    """``sum_c A_c z_c`` per row of one chunk's logits ``z`` (the loss is
    ``s lse(z)`` minus this)."""
    if not sparse:
        return xp.sum(rc[0] * z, -1)
    label, kw, e, _ = rc
    out = kw * xp.squeeze(xp.take_along_axis(z, xp.expand_dims(label, -1), -1), -1)
    if e is not None:
        out = out + e * xp.sum(z if cw is None else cw * z, -1)
    return out


def _softmax_terms(xp: Any, z: Array) -> tuple:
    """``(e, ssum, lse)``: ``e = exp(z - m)`` with ``m`` the row max (held
    constant: ``lse`` does not depend on it), ``ssum = sum(e)``, ``lse = m +
    log ssum`` -- one exp pass serves the loss and the softmax ``e / ssum``.
    ``z`` may be overwritten (``xp.exp_sub``): read it before."""
    m = xp.stop_gradient(xp.max(z, -1, keepdims=True))
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    e = xp.exp_sub(z, m)
    ssum = xp.sum(e, -1, keepdims=True)
    return e, ssum, xp.squeeze(m + xp.log(ssum), -1)


def _logits_grad(xp: Any, e: Array, ssum: Array, fc: Array, rc: list, cw: Any, sparse: bool) -> Array:
    """``f (s softmax(z) - A)``: the gradient of ``sum(f * loss)`` w.r.t. the
    chunk's logits (the label's ``-f kw`` added in place of a one-hot; ``e``
    may be overwritten)."""
    gz = xp.scale(e, xp.expand_dims(fc * rc[-1], -1) / ssum)
    if not sparse:
        return gz - xp.expand_dims(fc, -1) * rc[0]
    label, kw, eps_c, _ = rc
    if eps_c is not None:
        fe = xp.expand_dims(fc * eps_c, -1)
        gz = gz - (fe if cw is None else fe * cw)
    return xp.add_at(gz, label, -(fc * kw))


def _sweep(xp: Any, chunk: int, sparse: bool, h: Array, W: Array, b: Array | None, aux: tuple,
           f: Array, grad: bool, remat: bool = False, tangents: tuple | None = None) -> tuple:
    """One pass over the rows: ``(loss rows, dh, dW, db)``, the gradients
    (of ``sum(f * loss)``) ``None`` unless ``grad``; with ``tangents =
    (th, tW, tb)`` (forward mode; ``None`` entries are zero) instead
    ``(loss rows, f * (the rows' directional derivatives))``.

    ``aux = (rows, cw)``: per-row target terms and the class weights. The
    loss of a row is ``s lse(z) - sum_c A_c z_c`` with ``A`` the row's
    (smoothed, weighted) target and ``s = sum_c A_c``; sparse rows hold
    ``(label, kw, e, s)`` for ``A = kw onehot(label) + e cw``, dense rows
    ``(A, s)``."""
    rows, cw = aux
    th, tw, tb = (None, None, None) if tangents is None else tangents

    def body(carry: Any, xs: tuple) -> tuple:
        hc, fc, thc, *rc = xs
        z = xp.linear(hc, W, b)
        lin = _linear_part(xp, z, rc, cw, sparse)
        e, ssum, lse = _softmax_terms(xp, z)  # z is spent
        loss = rc[-1] * lse - lin
        if not grad and tangents is None:
            return carry, (loss,)
        gz = _logits_grad(xp, e, ssum, fc, rc, cw, sparse)
        if tangents is not None:
            dz = [xp.linear(hc, tw) if tw is not None else None,
                  xp.linear(thc, W) if thc is not None else None, tb]
            t = xp.zeros_like(loss)
            for d in dz:
                t = t if d is None else t + xp.sum(gz * d, -1)
            return carry, (loss, t)
        gw, gb = carry
        gw = xp.matmul_acc(gw, gz, hc)
        gb = None if gb is None else gb + xp.sum(gz, 0)
        return (gw, gb), (loss, xp.matmul(gz, W))

    init = None
    if grad:
        init = (xp.zeros_like(W), None if b is None else xp.zeros_like(b))
    carry, ys = xp.scan_rows(body, init, (h, f, th) + tuple(rows), chunk, remat)
    if tangents is not None:
        return ys
    if not grad:
        return ys[0], None, None, None
    return ys[0], ys[1], carry[0], carry[1]


# --- arguments -------------------------------------------------------------------


def _arrays(xp: Any, hidden: Any, weight: Any, bias: Any) -> tuple:
    """``(h, W, b, out_dtype)`` checked; half precision computed in float32."""
    h = xp.asarray(hidden)
    W = xp.asarray(weight, like=h)
    b = None if bias is None else xp.asarray(bias, like=h)
    for name, x in (("hidden", h), ("weight", W), ("bias", b)):
        if x is not None:
            _checks.float_pred(xp, x, name)
    hs, ws = xp.shape(h), xp.shape(W)
    if len(hs) < 1:
        _checks.fail("`hidden` must have at least 1 dimension (features last); got a scalar")
    if len(ws) < 2 or ws[-1] != hs[-1]:
        _checks.fail(f"`weight` must have shape (C, *out_features, D) with D = hidden.shape[-1] = "
                     f"{hs[-1]} (torch.nn.Linear's layout); got weight.shape={_checks.fmt_shape(ws)}")
    if len(ws) > 2 and len(hs) < 2:
        _checks.fail("a `weight` with out_features (ndim > 2) needs batched `hidden` (N, D); "
                     f"got hidden.shape={_checks.fmt_shape(hs)}")
    if b is not None and xp.shape(b) != ws[:-1]:
        _checks.fail(f"`bias` must have shape {_checks.fmt_shape(ws[:-1])} (weight.shape[:-1]); "
                     f"got {_checks.fmt_shape(xp.shape(b))}")
    out_dtype = None
    if xp.is_half(h):
        out_dtype = xp.dtype_of(h)
    dt = xp.float32 if out_dtype is not None else xp.dtype_of(h)
    h, W = xp.cast(h, dt), xp.cast(W, dt)
    b = None if b is None else xp.cast(b, dt)
    return h, W, b, out_dtype


def _targets(xp: Any, y_true: Any, h: Array, c: int, lshape: tuple, n: int, m: int,
             ignore_index: Any, cw: Array | None, eps: float) -> tuple:
    """``(sparse, rows, denom, kept, bad)`` over the losses' grid ``lshape``
    (batch + out_features) flattened to ``[N, M]``: per-row target terms
    (each ``[N, M]``; dense targets ``[N, M, C]``), the weighted mean's
    denominator per element (``None``: 1 each), the kept (not ignored)
    elements (``None``: all) and the bad-label mask of a traced call."""
    y = xp.asarray(y_true, like=h)
    ys, dt = xp.shape(y), xp.dtype_of(h)
    if xp.kind(y) == "f" and ys == lshape + (c,):  # probabilities
        if ignore_index is not None:
            _checks.fail("`ignore_index` applies to integer labels; probability targets (y_true of "
                         "shape hidden.shape[:-1] + out_features + (C,)) take none")
        a = xp.reshape(xp.cast(y, dt), (n, m, c))
        if eps:
            a = a * (1.0 - eps) + eps / c
        if cw is not None:
            a = a * cw
        return False, (a, xp.sum(a, -1)), None, None, None
    if ys != lshape:
        _checks.fail(f"`y_true` must have shape {_checks.fmt_shape(lshape)} (integer labels: "
                     f"hidden.shape[:-1] + out_features) or {_checks.fmt_shape(lshape + (c,))} "
                     f"(class probabilities); got {_checks.fmt_shape(ys)}")
    fractional = None
    if xp.kind(y) == "f":
        fractional = xp.reshape(xp.floor(y) != y, (n, m))
        y = xp.cast(xp.where(xp.floor(y) != y, xp.zeros_like(y), y), xp.int64)  # NaN too
    elif xp.kind(y) != "i":
        _checks.fail(f"`y_true` must hold integer class labels or class probabilities; got dtype "
                     f"{xp.dtype_name(y)}")
    _, safe, keep, bad = check_labels(xp, xp.reshape(y, (n, m)), fractional, y_true, c, ignore_index, h)
    one = xp.ones_like(xp.cast(safe, dt))
    w_y = one if cw is None else xp.gather(cw, safe)
    kept = None if keep is None else xp.cast(keep, dt)
    kw = (1.0 - eps) * (w_y if kept is None else w_y * kept)
    e = None
    s = kw
    if eps:
        e = (eps / c) * (one if kept is None else kept)
        s = s + e * (float(c) if cw is None else xp.sum(cw))
    denom = None if cw is None and kept is None else (w_y if kept is None else w_y * kept)
    return True, (safe, kw, e, s), denom, kept, bad



# --- the loss ----------------------------------------------------------------------


class _Setup:
    """Everything a call needs, checked and laid out: ``h [N, D]``, per
    output position ``j < M`` the weight ``W_j [C, D]``, bias, target terms
    and gradient factors ``f [N]`` (``sum_i f_i loss_i`` is the reduced
    loss, ``f_i loss_i`` the unreduced one)."""

    def __init__(self, y_true: Any, hidden: Any, weight: Any, bias: Any, ignore_index: Any,
                 class_weight: Any, label_smoothing: Any, reduction: str, sample_weight: Any,
                 chunk_size: Any) -> None:
        _checks.reduction(reduction)
        xp = self.xp = table_for(y_true, hidden, weight, bias, class_weight, sample_weight,
                                 names=("y_true", "hidden", "weight", "bias", "class_weight",
                                        "sample_weight"))
        h, W, b, self.out_dtype = _arrays(xp, hidden, weight, bias)
        self.h_shape, self.w_shape = xp.shape(h), xp.shape(W)
        c, d, out = self.w_shape[0], self.w_shape[-1], self.w_shape[1:-1]
        batch = self.h_shape[:-1]
        n, m = self.n, self.m = _prod(batch), _prod(out)
        self.lshape = batch + out
        eps = _checks.number("label_smoothing", label_smoothing, 0.0, 1.0)
        if ignore_index is not None and (isinstance(ignore_index, bool) or not isinstance(ignore_index, int)):
            _checks.fail(f"`ignore_index` must be an integer or None; got {ignore_index!r}")
        dt = xp.dtype_of(h)
        cw = None
        if class_weight is not None:
            cw = xp.cast(xp.asarray(class_weight, like=h), dt)
            _checks.vector("class_weight", xp.shape(cw), c, "one weight per class")
        self.sparse, rows, denom, kept, bad = _targets(xp, y_true, h, c, self.lshape, n, m,
                                                       ignore_index, cw, eps)
        ref = xp.reshape(rows[-1], self.lshape)  # loss-shaped
        sw = None if sample_weight is None else _core._weights(xp, sample_weight, ref, h)
        f = _core._grad_factor(xp, ref, None if denom is None else xp.reshape(denom, self.lshape),
                               sw, reduction)
        f = xp.stop_gradient(xp.reshape(f, (n, m)))
        # a "mean" over no counted element is NaN (0 / 0), as the unfused loss
        self.nan_if_empty = reduction == "mean" and (denom is not None or sw is not None)
        self.f_raw = f
        if kept is not None:  # an ignored row: exactly zero gradient, even when f is not finite
            f = xp.where(kept != 0, f, xp.zeros_like(f))
        if bad is not None:
            f = poison(xp, f, bad)
        self.reduce = reduction != "none"
        self.h = xp.reshape(h, (n, d))
        self.W = W if len(self.w_shape) == 2 else xp.reshape(W, (c, m, d))
        self.b = b if b is None or len(self.w_shape) == 2 else xp.reshape(b, (c, m))
        self.rows, self.cw, self.f = rows, cw, f
        item = 8 if xp.dtype_name(h) == "float64" else 4
        self.sweep = functools.partial(_sweep, xp, _chunk(chunk_size, n, c, item), self.sparse)

    def position(self, j: int) -> tuple:
        """``(W_j, b_j, aux_j, f_j)`` of output position ``j``."""
        W, b = self.W, self.b
        if len(self.w_shape) > 2:  # out_features: position j of [C, M, D] and [C, M]
            W = W[:, j]
            b = None if b is None else b[:, j]
        rows = tuple(None if r is None else r[:, j] for r in self.rows)
        return W, b, (rows, self.cw), self.f[:, j]


def _value(st: _Setup) -> Array:
    xp, outs = st.xp, []
    for j in range(st.m):
        W, b, aux, f = st.position(j)
        out = None if xp.linear_xent is None else xp.linear_xent(st.sweep, st.h, W, b, aux, f, st.reduce)
        if out is None:  # no rule for it: differentiate the chunks as they are
            loss = st.sweep(st.h, W, b, aux, f, False, remat=True)[0]
            out = xp.sum(f * loss) if st.reduce else f * loss
        outs.append(out)
    return _combine(st, outs)


def _combine(st: _Setup, outs: list) -> Array:
    xp = st.xp
    if st.reduce:
        value = outs[0]
        for o in outs[1:]:
            value = value + o
        if st.nan_if_empty:
            value = value + 0.0 * xp.sum(st.f_raw)
    else:
        value = outs[0] if st.m == 1 else xp.concat([xp.expand_dims(o, 1) for o in outs], 1)
        value = xp.reshape(value, st.lshape)
    return value if st.out_dtype is None else xp.cast(value, st.out_dtype)


def _value_and_grad(st: _Setup) -> tuple:
    """The value and ``(dh, dW[, db])`` in closed form (one sweep per position)."""
    xp, outs, gws, gbs, gh = st.xp, [], [], [], None
    for j in range(st.m):
        W, b, aux, f = st.position(j)
        loss, dh, dw, db = st.sweep(st.h, W, b, aux, f, True)
        outs.append(xp.sum(f * loss) if st.reduce else f * loss)
        gh = dh if gh is None else gh + dh
        gws.append(dw)
        gbs.append(db)
    if len(st.w_shape) > 2:
        gws = [xp.concat([xp.expand_dims(g, 1) for g in gws], 1)]
        gbs = [None if b is None else xp.concat([xp.expand_dims(g, 1) for g in gbs], 1)]
    grads = (xp.reshape(gh, st.h_shape), xp.reshape(gws[0], st.w_shape))
    if gbs[0] is not None:
        grads += (xp.reshape(gbs[0], st.w_shape[:-1]),)
    if st.out_dtype is not None:
        grads = tuple(xp.cast(g, st.out_dtype) for g in grads)
    return _combine(st, outs), grads


def linear_cross_entropy(
    y_true: Any, hidden: Any, weight: Any, bias: Any = None, *, ignore_index: int | None = None,
    class_weight: Any = None, label_smoothing: float = 0.0, reduction: str = "mean",
    sample_weight: Any = None, chunk_size: int | None = None,
) -> Array:
    r"""Cross-entropy of a linear layer's logits, computed without the logits.

    .. math:: z = h W^\top + b,\qquad
              \ell_i = (1-\varepsilon)\, w_{y_i} (-\log p_{i,y_i})
              + \frac{\varepsilon}{C} \sum_c w_c (-\log p_{i,c}),\quad
              p_i = \mathrm{softmax}(z_i)

    equal to ``sparse_categorical_crossentropy(y_true, hidden @ weight.T +
    bias, from_logits=True, ...)`` (and, with probability targets, to
    :func:`categorical_crossentropy`) on every option they share, values and
    gradients, but the ``[N, C]`` logits are never held: the rows are swept
    in chunks of ``chunk_size`` (each chunk's logits, log-sum-exp, loss and
    gradient contributions), and the backward pass recomputes each chunk.
    Extra memory: a few ``[chunk_size, C]`` buffers.

    Args:
      y_true: integer labels of shape ``hidden.shape[:-1] + out_features``,
        or class probabilities of that shape ``+ (C,)`` (class axis last).
        A label outside ``[0, C)`` (and not ``ignore_index``) raises in eager
        mode and makes the loss NaN under tracing.
      hidden: ``[..., D]`` features (the layer's input).
      weight: ``[C, D]`` -- ``torch.nn.Linear``'s layout (a flax ``Dense``
        kernel is its transpose, ``[D, C]``: ``backends.jax`` takes that) --
        or ``[C, *out_features, D]`` for a K-dimensional loss as
        ``torch.nn.LinearCrossEntropyLoss(out_features=...)`` (a softmax
        over ``C`` at every output position).
      bias: ``[C, *out_features]`` or ``None``.
      ignore_index: a label value that contributes nothing (integer labels).
      class_weight: ``[C]`` weights ``w``; with ``reduction="mean"`` and
        integer labels the mean divides by ``sum_i s_i w_{y_i}`` (torch's
        weighted mean); with probability targets by the number of rows.
      label_smoothing: ``\varepsilon`` in ``[0, 1]``.
      reduction: ``"mean"``, ``"sum"``, ``"none"`` or ``"sum_over_batch_size"``.
      sample_weight: weights broadcast against the per-element loss
        (leading dimensions aligned). No gradient flows to ``sample_weight``
        or ``class_weight``.
      chunk_size: rows per chunk; ``None`` picks the most rows whose logits
        fit in :data:`CHUNK_BYTES` (32 MiB: 256 rows of 32768 float32 classes).

    Returns:
      The reduced loss, or per-element losses of shape
      ``hidden.shape[:-1] + out_features`` with ``reduction="none"``.

    Gradients: ``losses.value_and_grad(linear_cross_entropy, y, h, weight=W,
    bias=b)`` gives ``(value, (dh, dW, db))`` on every backend (the closed
    form); torch, TensorFlow and JAX also differentiate it with their own
    autodiff, to any order.

    Native equivalents: ``torch.nn.functional.linear_cross_entropy(h, W, y,
    linear_bias=b, ...)`` (torch >= 2.13); JAX, optax, TensorFlow and Keras
    have none.

    >>> import numpy as np
    >>> h, W = np.ones((2, 3)), np.zeros((4, 3))
    >>> round(float(linear_cross_entropy(np.array([0, 3]), h, W)), 6)  # log 4
    1.386294
    """
    return _value(_Setup(y_true, hidden, weight, bias, ignore_index, class_weight, label_smoothing,
                         reduction, sample_weight, chunk_size))


def _public_value_and_grad(y_true: Any, hidden: Any, weight: Any = None, bias: Any = None,
                           **options: Any) -> tuple:
    """``losses.value_and_grad(linear_cross_entropy, y, hidden, weight=W, bias=b, ...)``."""
    if weight is None:
        _checks.fail("value_and_grad(linear_cross_entropy, y_true, hidden, weight=...): `weight` is required")
    st = _Setup(y_true, hidden, weight, bias, options.pop("ignore_index", None),
                options.pop("class_weight", None), options.pop("label_smoothing", 0.0),
                options.pop("reduction", "mean"), options.pop("sample_weight", None),
                options.pop("chunk_size", None))
    if options:
        _checks.fail(f"linear_cross_entropy() got unexpected option(s) {', '.join(sorted(options))}")
    return _value_and_grad(st)


_core.register_value_and_grad(linear_cross_entropy, _public_value_and_grad)
