"""NumPy primitive table (the float64 reference backend).

Every table module exposes the same names; this one is the reference list.
Array math that is plain operators (``+ - * /``, comparisons) is not in the
table: the specs use the operators directly, which every framework overloads.

NumPy has no autodiff, so ``value_and_grad`` here is ``None``: the specs'
closed-form gradients are used instead (``losses.value_and_grad``).
"""

from __future__ import annotations

import builtins
import functools
from typing import Any

import numpy as np

name = "numpy"
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
_HALF = {"float16", "bfloat16"}

# --- dtypes, shapes, conversion ---------------------------------------------


def asarray(x: Any, like: Any = None) -> np.ndarray:
    return np.asarray(x)


def dtype_name(x: Any) -> str:
    return np.asarray(x).dtype.name if not hasattr(x, "dtype") else x.dtype.name


def kind(x: Any) -> str:
    """'f' floating, 'i' integer (signed or unsigned), 'b' bool, 'c' complex, '?' other."""
    k = x.dtype.kind
    if k in "fibc":
        return k
    if k == "u":
        return "i"
    return "f" if x.dtype.name == "bfloat16" else "?"  # ml_dtypes' bfloat16 is kind "V"


def is_half(x: Any) -> bool:
    dt = x.dtype
    return dt.char == "e" or (dt.kind == "V" and dt.name in _HALF)  # float16; bfloat16 (kind "V")


def cast(x: Any, dtype: Any) -> np.ndarray:
    return x.astype(dtype, copy=False) if isinstance(x, np.ndarray) else np.asarray(x, dtype)


def dtype_of(x: Any) -> Any:
    return x.dtype


@functools.cache
def max_finite(dtype: Any) -> float:
    """The largest finite value of a floating dtype (cached: ``finfo`` costs microseconds)."""
    if np.dtype(dtype).name == "bfloat16":
        import ml_dtypes

        return float(ml_dtypes.finfo(dtype).max)
    return float(np.finfo(dtype).max)


def shape(x: Any) -> tuple:
    return x.shape


def ndim(x: Any) -> int:
    return x.ndim


def to_numpy(x: Any) -> np.ndarray:
    return np.asarray(x)


def device_of(x: Any) -> str:
    return "cpu"


# --- elementwise math --------------------------------------------------------

exp = np.exp
log = np.log
log1p = np.log1p
expm1 = np.expm1
abs = np.abs  # noqa: A001
sqrt = np.sqrt
square = np.square
tanh = np.tanh
sign = np.sign
floor = np.floor
isnan = np.isnan
isfinite = np.isfinite
maximum = np.maximum
minimum = np.minimum
logaddexp = np.logaddexp


def where(cond: Any, a: Any, b: Any) -> np.ndarray:
    return np.where(cond, a, b)


def clip(x: Any, lo: Any, hi: Any) -> np.ndarray:
    return np.clip(x, lo, hi)


def sigmoid(x: Any) -> np.ndarray:
    # exp of a non-positive number only: no overflow warning at large |x|.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def log_sigmoid(x: Any) -> np.ndarray:
    return -np.logaddexp(np.zeros_like(x), -x)


def softplus(x: Any) -> np.ndarray:
    return np.logaddexp(np.zeros_like(x), x)


def logsumexp(x: Any, axis: int, keepdims: bool = False) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isneginf(m), np.zeros_like(m), m)  # a +inf (or NaN) logit: NaN, as the frameworks
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(x: Any, axis: int) -> np.ndarray:
    """``log softmax`` floored at the dtype's lowest finite value: a logit
    spread beyond the dtype's range gives a very negative, finite log p (not
    ``-inf``), so ``0 * log p`` stays 0 and the loss stays finite."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isneginf(m), np.zeros_like(m), m)  # a +inf (or NaN) logit: NaN, as the frameworks
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        d = x - m  # shifted first, as torch/TF/JAX do: (x - m) - log(sum exp(x - m)) keeps
        # log S when |m| >> log S, where x - (m + log S) would round it away
        return np.maximum(d - np.log(np.sum(np.exp(d), axis=axis, keepdims=True)), -np.finfo(x.dtype).max)


def softmax(x: Any, axis: int) -> np.ndarray:
    return np.exp(log_softmax(x, axis))


# --- reductions and indexing -------------------------------------------------


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return np.sum(x, axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return np.mean(x, axis=axis, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return np.max(x, axis=axis, keepdims=keepdims)


def take_along_axis(x: Any, idx: Any, axis: int) -> np.ndarray:
    return np.take_along_axis(x, idx, axis=axis)


def expand_dims(x: Any, axis: int) -> np.ndarray:
    return np.expand_dims(x, axis)


def squeeze(x: Any, axis: int) -> np.ndarray:
    return np.squeeze(x, axis=axis)


def reshape(x: Any, shape: tuple) -> np.ndarray:
    return np.reshape(x, shape)


def gather(table: Any, idx: Any) -> np.ndarray:
    """``table[idx]`` for a 1-D ``table`` and an integer array ``idx``."""
    return np.take(table, idx)


def one_hot(labels: Any, depth: int, axis: int, dtype: Any) -> np.ndarray:
    out = (np.expand_dims(labels, -1) == np.arange(depth)).astype(dtype)
    return np.moveaxis(out, -1, axis) if axis not in (-1, labels.ndim) else out


def zeros_like(x: Any) -> np.ndarray:
    return np.zeros_like(x)


def ones_like(x: Any) -> np.ndarray:
    return np.ones_like(x)


def full_like(x: Any, value: float) -> np.ndarray:
    return np.full_like(x, value)


def stop_gradient(x: Any) -> Any:
    return x


def saturate(x: Any, limit: float) -> np.ndarray:
    """``x`` clipped to ``[-limit, limit]`` (NaN kept); its derivative is taken
    as 1 (the autodiff tables implement it so): a loss beyond the dtype's range
    saturates without changing its gradient."""
    return np.clip(x, -limit, limit)


def all_finite(x: Any) -> Any:
    """A boolean scalar: every element of ``x`` is finite (no gradient path)."""
    return np.isfinite(x).all()


def cond(pred: Any, if_true: Any, if_false: Any) -> Any:
    """``if_true()`` where the boolean scalar ``pred`` holds, else ``if_false()``:
    only the branch taken is computed (a guard that rarely applies costs one
    scalar test). ``None`` in a table that cannot branch without a host sync
    (torch): there both are computed and selected."""
    return if_true() if pred else if_false()


# --- eager data checks -------------------------------------------------------


def is_concrete(x: Any) -> bool:
    """True when the data can be read now (not a traced/symbolic value)."""
    return True


def any_true(x: Any) -> bool:
    return bool(np.any(x))


def staged(x: Any) -> bool:
    """See ``backends/_jax.py``: no staged eager calls here."""
    return False


#: see ``backends/_jax.py``: eager calls run op by op here
stage = None
stage_key = None


def eager_minmax(x: Any, like: Any = None) -> tuple | None:
    """``(min, max)`` of an integer array as Python ints, or ``None`` when the
    data cannot be read now (traced). An empty array gives ``(0, 0)``."""
    if x.size == 0:
        return 0, 0
    return int(x.min()), int(x.max())


# --- autodiff and fused kernels ----------------------------------------------

value_and_grad = None

#: the reductions of :func:`small_xent_value_and_grad`: the gradient's scale
_SMALL_REDUCTIONS = frozenset(("mean", "sum_over_batch_size", "sum", "none"))


def small_xent_value_and_grad(x: Any, labels: Any, target: Any, reduction: str) -> tuple | None:
    """The cross-entropy of logits and its gradient for a small call, as one
    hand-fused pass (the per-call cost of the generic path is Python):
    ``x`` ``[N, C]`` float32/float64 of at most ``_CHUNK_ELEMS`` elements,
    integer ``labels`` ``[N]`` in ``[0, C)`` or a ``target`` of ``x``'s
    shape and dtype (``-sum(target * log_softmax(x))`` per row; gradient
    ``sum(target) softmax - target``), times the reduction's scale (``1 / N``
    for a mean). ``None`` (the caller takes the generic path, which checks
    and handles everything) for any other input, and wherever the value is
    not finite: an infinite or NaN logit, target mass on a ``-inf`` logit, an
    overflow to saturate."""
    if (type(x) is not np.ndarray or x.ndim != 2 or x.dtype.type not in (np.float32, np.float64)
            or not 0 < x.size <= _CHUNK_ELEMS or reduction not in _SMALL_REDUCTIONS):
        return None
    n, c = x.shape
    if labels is not None:
        if type(labels) is not np.ndarray or labels.shape != (n,) or labels.dtype.kind not in "iu":
            return None
        lo, hi = eager_minmax(labels)
        if lo < 0 or hi >= c:
            return None
    elif type(target) is not np.ndarray or target.shape != x.shape or target.dtype != x.dtype:
        return None
    with np.errstate(all="ignore"):
        m = x.max(axis=1, keepdims=True)
        g = np.subtract(x, m)
        if labels is not None:
            rows = np.arange(n)
            picked = g[rows, labels]
        else:
            picked = np.einsum("ij,ij->i", target, g)
            total = target.sum(axis=1, keepdims=True)
        np.exp(g, out=g)
        s = g.sum(axis=1, keepdims=True)
        logs = np.log(s)
        if labels is not None:
            loss = logs[:, 0] - picked
        else:
            loss = total[:, 0] * logs[:, 0] - picked
        if reduction == "none":
            value, f = loss, 1.0
        elif reduction == "sum":
            value, f = loss.sum(), 1.0
        else:
            value, f = loss.mean(), 1.0 / n
        if not np.isfinite(value).all():
            return None
        if labels is not None:
            np.multiply(g, f / s, out=g)
            g[rows, labels] -= f
        else:
            np.multiply(g, total * (f / s), out=g)
            g -= target * f if f != 1.0 else target
    return value, g
#: Fused kernels (``None`` where the framework has none that pays; see
#: benchmarks/overhead.py). ``cross_entropy(logits, target, weight, ignore_index,
#: label_smoothing, reduction)``: torch's ``F.cross_entropy`` -- class axis 1,
#: integer or probability targets, the whole reduced loss in one call.
#: ``sparse_xent(logits, labels)``: per-example -log softmax(logits)[label],
#: class axis last, labels valid. ``dense_xent(logits, y, axis)``:
#: ``-sum(y * log_softmax(logits), axis)`` (no ``where`` mask).
#: ``softmax_xent(logits, y, recompute)``: the same over the last axis by a
#: kernel, its value replaced by ``recompute(logits)`` (the floored
#: ``log_softmax`` form) wherever the kernel's is not finite, or ``None`` where
#: the backend declines this call (TensorFlow eager off the CPU).
cross_entropy = None
sparse_xent = None
#: ``fused_sparse_xent(logits, labels, weight, ignore_index, label_smoothing,
#: reduction, signed)``: the reduced sparse cross-entropy (class axis 1) in one
#: fused call whose kernel validates the labels itself (raising one of
#: ``label_errors``), saturated at the dtype's largest value unless the logits
#: hold an infinity (at ``-limit`` too when ``signed``), with the kernel's own
#: gradient; no host read. ``None`` (the function) where the framework has none;
#: it returns ``None`` where it does not apply.
fused_sparse_xent = None
label_errors: tuple = ()
#: ``fused_binary_xent(logits, target, weight, pos_weight, reduction, limit,
#: signed)``: the reduced binary cross-entropy of logits in one fused call
#: (torch's ``binary_cross_entropy_with_logits``), saturated as above; ``None``
#: where the framework has none, and from it where it does not apply.
#: ``probs=True``: of probabilities (torch's ``BCELoss`` rule), the kernel checking
#: that they and the targets lie in [0, 1] (raising one of ``range_errors``).
fused_binary_xent = None
range_errors: tuple = ()
#: ``fused_elementwise(kind, y_pred, y_true, reduction, param)``: a reduced
#: element-wise regression loss (``kind`` ``"mse"``, ``"l1"``, ``"huber"`` with
#: ``param`` delta, ``"smooth_l1"`` with ``param`` beta) in one fused call
#: (torch's ``mse_loss``, ...); ``None`` as above.
fused_elementwise = None
#: ``fused_kl_div(log_q, target, reduction, log_target, divisor)``: the point-wise
#: KL divergence ``t (log t - log_q)`` (``t = exp(target)`` with ``log_target``;
#: ``0 log 0 = 0``) reduced (``"none"``, ``"mean"``, ``"sum"``, the sum divided
#: by ``divisor``), saturated as ``fused_sparse_xent`` (signed); ``None`` as above.
fused_kl_div = None
#: ``fused_dense_xent(logits, target, weight, label_smoothing, reduction, limit,
#: signed)``: the reduced cross-entropy of class probabilities (class axis 1),
#: no host read, saturated as ``fused_sparse_xent``; ``None`` as above.
fused_dense_xent = None
dense_xent = None
softmax_xent = None

#: rows of a chunk of :func:`softmax_rows`: about this many elements, so that a
#: chunk's shift, ``exp`` and row sums run in cache (one pass over memory)
_CHUNK_ELEMS = 1 << 17


def softmax_rows(x: Any, target: Any = None) -> tuple:
    """The in-place cross-entropy kernel of a 2-D ``x`` (class axis last), in
    row chunks: ``(e, m, s, t, neg_inf)`` with ``e = exp(x - m)`` in one new
    ``x``-sized buffer (the caller turns it into the gradient in place: it is
    the only ``x``-sized allocation), ``m`` the row max (0 for a row of
    ``-inf``), ``s`` the row sums of ``e`` (``[N, 1]``), ``t`` (with a dense
    ``target`` of ``x``'s shape) ``-sum(target * log_softmax(x))`` per row,
    ``log_softmax`` floored as :func:`log_softmax` does, else ``None``, and
    ``neg_inf`` whether any ``x`` is ``-inf`` (checked only with a ``target``;
    without, only rows of ``-inf`` set it). ``None`` in a table whose
    autodiff makes the gradient (only NumPy uses closed forms)."""
    n, c = x.shape
    e = np.empty_like(x)
    m = np.empty((n, 1), x.dtype)
    s = np.empty((n, 1), x.dtype)
    t = None if target is None else np.empty(n, x.dtype)
    floor = -np.finfo(x.dtype).max
    neg_inf = False
    step = builtins.max(1, _CHUNK_ELEMS // builtins.max(c, 1))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i in range(0, n, step):
            j = builtins.min(i + step, n)
            xc, ec = x[i:j], e[i:j]
            mc = np.max(xc, axis=1, keepdims=True, out=m[i:j])
            low = np.isneginf(mc)
            if low.any():
                neg_inf = True
                mc[low] = 0.0  # a row of -inf; a +inf (or NaN) logit: NaN, as the frameworks
            elif target is not None and not neg_inf and np.isneginf(xc.min()):
                neg_inf = True
            np.subtract(xc, mc, out=ec)
            d = None if t is None else ec.copy()  # the shifted logits: a chunk-sized copy
            np.exp(ec, out=ec)
            sc = np.sum(ec, axis=1, keepdims=True, out=s[i:j])
            if d is not None:
                np.subtract(d, np.log(sc), out=d)
                np.maximum(d, floor, out=d)
                np.multiply(d, target[i:j], out=d)
                np.negative(np.sum(d, axis=1), out=t[i:j])
    return e, m, s, t, neg_inf


def sub_scaled_rows(e: Any, y: Any, f: Any) -> Any:
    """``e - y * f`` (2-D ``e`` and ``y``, ``f`` ``[N, 1]``) written into ``e``, in row
    chunks: no ``e``-sized temporary."""
    n, c = e.shape
    step = builtins.max(1, _CHUNK_ELEMS // builtins.max(c, 1))
    for i in range(0, n, step):
        ec = e[i:i + step]
        ec -= y[i:i + step] * f[i:i + step]
    return e

#: ``psum(x, axis_name)``: the sum of ``x`` over a named mapped axis (JAX's
#: ``shard_map``/``pmap``), for the reduction's ``axis_name``; ``None`` where
#: the framework has no named-axis collective (``axis_name`` then raises).
psum = None


# --- chunked loops (linear_cross_entropy) --------------------------------------


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False) -> np.ndarray:
    """``a @ b`` with either operand transposed (2-D); untransposed, also batched (3-D: ``ctc_loss``)."""
    return (a.T if transpose_a else a) @ (b.T if transpose_b else b)


def concat(xs: Any, axis: int = 0) -> np.ndarray:
    return np.concatenate(xs, axis=axis)


def _python_scan(body: Any, carry: Any, xs: tuple, chunk: int, concat: Any) -> tuple:
    """:func:`scan_rows` as a Python loop over row slices (eager backends)."""
    n = xs[0].shape[0]
    outs = []
    for i in range(0, n, chunk) if n else (0,):
        carry, ys = body(carry, tuple(None if x is None else x[i:i + chunk] for x in xs))
        outs.append(ys)
    if len(outs) == 1:
        return carry, outs[0]
    return carry, tuple(concat(list(parts), 0) for parts in zip(*outs))


def scan_rows(body: Any, carry: Any, xs: tuple, chunk: int, remat: bool = False) -> tuple:
    """Run ``body(carry, row_chunk) -> (carry, ys)`` over ``chunk`` rows of the
    arrays ``xs`` (a tuple; ``None`` entries pass through) at a time; returns
    the last carry and the ``ys`` (a tuple of row arrays) concatenated.
    ``remat`` (JAX): recompute each chunk in the backward pass."""
    return _python_scan(body, carry, xs, chunk, concat)


#: ``linear_xent(pass_fn, h, W, b, aux, f, reduce)``: a loss with a
#: closed-form gradient (see ``losses/linear.py``), or ``None`` where the
#: backend has no rule for it (NumPy: the caller uses the closed form).
linear_xent = None


def add_at(x: Any, idx: Any, v: Any) -> np.ndarray:
    """``x`` with ``v[i]`` added at ``x[i, idx[i]]`` (2-D ``x``; may update ``x`` in place)."""
    x[np.arange(x.shape[0]), idx] += v
    return x


def linear(x: Any, w: Any, b: Any = None) -> np.ndarray:
    """``x @ w.T + b`` (``torch.nn.functional.linear``)."""
    z = x @ w.T
    return z if b is None else np.add(z, b, out=z)


def matmul_acc(acc: Any, a: Any, b: Any) -> np.ndarray:
    """``acc + a.T @ b`` (may update ``acc`` in place)."""
    return np.add(acc, a.T @ b, out=acc)


def exp_sub(x: Any, m: Any) -> np.ndarray:
    """``exp(x - m)``, overwriting ``x`` (an intermediate the caller is done with)."""
    return np.exp(np.subtract(x, m, out=x), out=x)


def scale(x: Any, c: Any) -> np.ndarray:
    """``x * c``, overwriting ``x`` (an intermediate the caller is done with)."""
    return np.multiply(x, c, out=x)


# --- margin -------------------------------------------------------------------------


def arange(n: int, like: Any) -> np.ndarray:
    """``[0, 1, ..., n - 1]`` in ``like``'s dtype (and device)."""
    return np.arange(n, dtype=like.dtype)


# --- similarity family ---------------------------------------------------------

power = np.power


# --- batch losses (losses/contrastive.py) ----------------------------------------


def eye_like(x: Any) -> np.ndarray:
    """The boolean identity of a 2-D ``x``'s shape (``True`` at ``[i, i]``)."""
    return np.eye(x.shape[0], x.shape[1], dtype=bool)


# --- sort-based projections (sparsemax) ----------------------------------------


def sort_desc(x: Any, axis: int) -> np.ndarray:
    """``x`` sorted along ``axis``, largest first."""
    return np.flip(np.sort(x, axis=axis), axis=axis)


def cumsum(x: Any, axis: int) -> np.ndarray:
    """Running sum along ``axis``."""
    return np.cumsum(x, axis=axis)


# --- loops over time (ctc_loss) ------------------------------------------------


def scan(fn: Any, carry: Any, xs: tuple, reverse: bool = False) -> tuple:
    """``carry = fn(carry, tuple(x[t] for x in xs))`` for each ``t`` of the leading
    axis (last to first with ``reverse``); returns the carries (a tuple of
    arrays) stacked along a new leading axis, entry ``t`` the carry after
    step ``t`` -- ``tf.scan``'s contract. A Python loop here and in torch; a
    compiled loop in JAX (``lax.scan``) and TensorFlow (``tf.scan``)."""
    return _loop_scan(fn, carry, xs, reverse, np.stack, list)


def _loop_scan(fn: Any, carry: Any, xs: tuple, reverse: bool, stack: Any, unstack: Any) -> tuple:
    """The Python loop of :func:`scan`. ``unstack`` splits each ``x`` into its
    steps once (torch: ``unbind``, whose backward is one ``stack``; indexing
    ``x[t]`` per step would make autograd write a zero-filled ``x``-sized
    gradient per step)."""
    n = xs[0].shape[0]
    steps = [unstack(x) for x in xs]
    outs = [None] * n
    for t in (range(n - 1, -1, -1) if reverse else range(n)):
        carry = fn(carry, tuple(x[t] for x in steps))
        outs[t] = carry
    return tuple(stack([o[i] for o in outs]) for i in range(len(carry)))


#: ``ctc(lp [T, N, C], labels [N, S], input_lengths [N], label_lengths [N], blank,
#: zero_infinity, generic)``: a framework's fused CTC kernel -- per-sequence
#: ``-log Z`` of log-probabilities ``lp`` (used as given; gradient
#: ``exp(lp) - occupancy`` at live steps, torch's convention), ``inf`` where no
#: alignment exists (0, zero gradient, with ``zero_infinity``); inputs already
#: validated. ``generic(lp)`` is the spec's own recursion (same value), for the
#: derivatives the kernel lacks. Returns ``None`` where the kernel cannot run
#: (traced); ``None`` itself where the framework has no kernel that pays
#: (benchmarks/ctc.py: TensorFlow's is slower than the spec's ``tf.scan``).
ctc = None


def moveaxis(x: Any, source: int, destination: int) -> np.ndarray:
    return np.moveaxis(x, source, destination)


def take_classes(x: Any, idx: Any) -> np.ndarray:
    """``out[n, t, s] = x[n, t, idx[n, s]]`` (``x`` is ``[N, T, C]``, ``idx`` ``[N, S]``)."""
    return np.take_along_axis(x, idx[:, None, :], axis=2)
