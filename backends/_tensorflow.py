"""TensorFlow primitive table. See ``backends/_numpy.py`` for the reference list."""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

name = "tensorflow"
float32 = tf.float32
float64 = tf.float64
int64 = tf.int64
_HALF = (tf.float16, tf.bfloat16)

# --- dtypes, shapes, conversion ---------------------------------------------


def asarray(x: Any, like: Any = None) -> tf.Tensor:
    if isinstance(x, (tf.Tensor, tf.Variable)):
        return x
    x = np.asarray(x)  # Python numbers and lists: float64/int64 as NumPy makes them
    if like is not None and tf.executing_eagerly():
        with tf.device(like.device):
            return tf.convert_to_tensor(x)
    return tf.convert_to_tensor(x)


def dtype_name(x: Any) -> str:
    return x.dtype.name


def kind(x: Any) -> str:
    dt = x.dtype
    if dt.is_floating:
        return "f"
    if dt == tf.bool:
        return "b"
    if dt.is_complex:
        return "c"
    return "i" if dt.is_integer else "?"


def is_half(x: Any) -> bool:
    return x.dtype in _HALF


def cast(x: Any, dtype: Any) -> tf.Tensor:
    return tf.cast(x, dtype)


def dtype_of(x: Any) -> Any:
    return x.dtype


def max_finite(dtype: Any) -> float:
    return float(tf.as_dtype(dtype).max)


def shape(x: Any) -> tuple:
    return tuple(x.shape)


def ndim(x: Any) -> int:
    return x.shape.rank


def to_numpy(x: Any) -> np.ndarray:
    if x.dtype == tf.bfloat16:
        x = tf.cast(x, tf.float32)
    return x.numpy()


def device_of(x: Any) -> str:
    return x.device or "cpu"


# --- elementwise math --------------------------------------------------------

exp = tf.math.exp
log = tf.math.log
log1p = tf.math.log1p
expm1 = tf.math.expm1
abs = tf.math.abs  # noqa: A001
sqrt = tf.math.sqrt
square = tf.math.square
tanh = tf.math.tanh
sign = tf.math.sign
floor = tf.math.floor
isnan = tf.math.is_nan
isfinite = tf.math.is_finite
sigmoid = tf.math.sigmoid
log_sigmoid = tf.math.log_sigmoid
softplus = tf.math.softplus


def _like(v: Any, x: Any) -> Any:
    return v if isinstance(v, (tf.Tensor, tf.Variable)) else tf.constant(v, dtype=x.dtype)


def maximum(a: Any, b: Any) -> tf.Tensor:
    # tf.maximum drops NaN of its first operand; make NaN propagate as in the others.
    a = _like(a, b)
    b = _like(b, a)
    return tf.where(tf.math.is_nan(a), a, tf.maximum(a, b))


def minimum(a: Any, b: Any) -> tf.Tensor:
    a = _like(a, b)
    b = _like(b, a)
    return tf.where(tf.math.is_nan(a), a, tf.minimum(a, b))


def logaddexp(a: Any, b: Any) -> tf.Tensor:
    m = tf.maximum(a, b)
    return m + tf.math.log1p(tf.exp(-tf.abs(a - b)))


def where(cond: Any, a: Any, b: Any) -> tf.Tensor:
    if not isinstance(a, (tf.Tensor, tf.Variable)):
        a = tf.constant(a, dtype=b.dtype)
    elif not isinstance(b, (tf.Tensor, tf.Variable)):
        b = tf.constant(b, dtype=a.dtype)
    return tf.where(cond, a, b)


def clip(x: Any, lo: Any, hi: Any) -> tf.Tensor:
    return tf.clip_by_value(x, lo, hi)


def logsumexp(x: Any, axis: int, keepdims: bool = False) -> tf.Tensor:
    return tf.math.reduce_logsumexp(x, axis=axis, keepdims=keepdims)


def log_softmax(x: Any, axis: int) -> tf.Tensor:
    """``log softmax`` floored at the dtype's lowest finite value: a logit
    spread beyond the dtype's range gives a very negative, finite log p (not
    ``-inf``), so ``0 * log p`` stays 0 and the loss stays finite. The floor
    is a :func:`saturate`: the gradient stays the exact ``onehot - softmax``."""
    return saturate(tf.nn.log_softmax(x, axis=axis), float(x.dtype.max))


def softmax(x: Any, axis: int) -> tf.Tensor:
    return tf.nn.softmax(x, axis=axis)


# --- reductions and indexing -------------------------------------------------


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> tf.Tensor:  # noqa: A001
    return tf.reduce_sum(x, axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> tf.Tensor:
    return tf.reduce_mean(x, axis=axis, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> tf.Tensor:  # noqa: A001
    return tf.reduce_max(x, axis=axis, keepdims=keepdims)


def take_along_axis(x: Any, idx: Any, axis: int) -> tf.Tensor:
    """``x`` at ``idx`` (size 1 along ``axis``): a one-hot select and sum (TF's
    batched gather has a slow, Python-heavy gradient; a select, unlike a
    product with the one-hot, keeps ``-inf``/huge entries elsewhere out)."""
    hit = tf.one_hot(tf.squeeze(idx, axis), depth=x.shape[axis], axis=axis, on_value=True,
                     off_value=False, dtype=tf.bool)
    return tf.reduce_sum(tf.where(hit, x, tf.zeros_like(x)), axis=axis, keepdims=True)


def expand_dims(x: Any, axis: int) -> tf.Tensor:
    return tf.expand_dims(x, axis)


def squeeze(x: Any, axis: int) -> tf.Tensor:
    return tf.squeeze(x, axis)


def reshape(x: Any, shape: tuple) -> tf.Tensor:
    return tf.reshape(x, shape)


def gather(table: Any, idx: Any) -> tf.Tensor:
    return tf.gather(table, idx)


def one_hot(labels: Any, depth: int, axis: int, dtype: Any) -> tf.Tensor:
    return tf.one_hot(labels, depth, axis=axis, dtype=dtype)


zeros_like = tf.zeros_like
ones_like = tf.ones_like


def full_like(x: Any, value: float) -> tf.Tensor:
    return tf.fill(tf.shape(x), tf.constant(value, dtype=x.dtype))


stop_gradient = tf.stop_gradient


_SATURATE: dict = {}


def saturate(x: Any, limit: float) -> tf.Tensor:
    """Clip to ``[-limit, limit]`` in value, identity in the gradient."""
    f = _SATURATE.get(limit)
    if f is None:
        @tf.custom_gradient
        def f(v: Any) -> tuple:
            return tf.clip_by_value(v, -limit, limit), lambda dy: dy

        _SATURATE[limit] = f
    return f(x)


# --- eager data checks -------------------------------------------------------


def is_concrete(x: Any) -> bool:
    return tf.executing_eagerly() and hasattr(x, "numpy")


def any_true(x: Any) -> bool:
    return bool(tf.reduce_any(x))


def staged(x: Any) -> bool:
    """See ``backends/_jax.py``: no staged eager calls here."""
    return False


#: see ``backends/_jax.py``: eager calls run op by op here
stage = None
stage_key = None


def eager_minmax(x: Any, like: Any = None) -> tuple | None:
    if not (tf.executing_eagerly() and hasattr(x, "numpy")):
        return None
    a = x.numpy()
    if a.size == 0:
        return 0, 0
    return int(a.min()), int(a.max())


# --- autodiff and fused kernels ----------------------------------------------


def value_and_grad(f: Any, y_pred: Any) -> tuple:
    x = tf.identity(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(x)
        v = f(x)
    g = tape.gradient(v, x, output_gradients=tf.ones_like(v))
    if g is None:
        g = tf.zeros_like(x)
    return v, g


cross_entropy = None
fused_sparse_xent = None  # see backends/_numpy.py
fused_binary_xent = None
range_errors: tuple = ()
fused_elementwise = None
fused_kl_div = None
small_xent_value_and_grad = None  # see backends/_numpy.py
fused_dense_xent = None
label_errors: tuple = ()


def all_finite(x: Any) -> tf.Tensor:
    """See ``backends/_numpy.py``."""
    return tf.reduce_all(tf.math.is_finite(tf.stop_gradient(x)))


def cond(pred: Any, if_true: Any, if_false: Any) -> Any:
    """``tf.cond`` in a graph (``tf.function``: only the branch taken runs);
    eagerly both sides and a select, as torch: no host read of ``pred``
    (see ``backends/_numpy.py``)."""
    if tf.executing_eagerly():
        return tf.where(pred, if_true(), if_false())
    return tf.cond(pred, if_true, if_false)


dense_xent = None
#: NumPy's in-place closed-form cross-entropy kernels (see backends/_numpy.py): none here
softmax_rows = None
sub_scaled_rows = None


def sparse_xent(logits: Any, labels: Any) -> tf.Tensor:
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def softmax_xent(logits: Any, y: Any, recompute: Any) -> tf.Tensor | None:
    """``-sum(y * log_softmax(logits), -1)`` by TF's fused
    ``tf.nn.softmax_cross_entropy_with_logits`` (the kernel Keras' native
    uses): one pass, and the gradient ``softmax - labels`` is the kernel's
    second output, so a graph keeps no logits-sized buffer the native does not.

    That gradient is the derivative of the value only for labels that sum to
    1 per row, so rows whose sum ``s`` is not 1 (to a few ulps: class weights,
    unnormalised soft labels) are scored as ``s * xent(y / s)`` -- exact value,
    gradient ``s softmax - y`` and second derivative (TF's registered gradient
    of the kernel is itself differentiable). The rescaled labels are made only
    when some row needs them (a ``tf.cond``).

    Where the kernel's value is not finite (``-inf`` or non-finite logits, a
    spread beyond the dtype's range: the kernel has no floor) the value is
    ``recompute(stop_gradient(logits))`` (a ``tf.cond``: run only then) while
    the gradient stays the kernel's ``s softmax - y`` -- exact there too (its
    softmax is ``exp`` of shifted logits, 0 at ``-inf``). Not branching on
    ``logits`` inside the differentiated ``cond`` keeps its gradient from
    adding a logits-sized zeros buffer for the branch not taken.

    Eagerly the two branches are Python ``if`` on a host read of a scalar:
    free on the CPU; eager calls on an accelerator return ``None`` (the
    caller's ``log_softmax`` path), so there is no device sync the native
    does not do."""
    eager = tf.executing_eagerly()
    if eager and "CPU" not in (logits.device or "CPU").upper():
        return None
    s = tf.reduce_sum(y, -1)
    one = tf.abs(s - 1.0) <= 4.0 * float(np.finfo(y.dtype.as_numpy_dtype).eps)

    def rescaled() -> tf.Tensor:
        return y / tf.expand_dims(tf.where(s == 0.0, tf.ones_like(s), s), -1)

    labels = _branch(eager, tf.reduce_all(one), lambda: y, rescaled)
    fast = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    fast = fast * tf.where(one, tf.ones_like(s), s)
    held = tf.stop_gradient(fast)
    value = _branch(eager, all_finite(held), lambda: held, lambda: recompute(tf.stop_gradient(logits)))
    return _value_with_grad_of(fast, value)


def _branch(eager: bool, pred: Any, if_true: Any, if_false: Any) -> tf.Tensor:
    """``tf.cond`` in a graph; eagerly (CPU tensors) a Python ``if``."""
    if eager:
        return if_true() if bool(pred) else if_false()
    return tf.cond(pred, if_true, if_false)


@tf.custom_gradient
def _value_with_grad_of(a: Any, b: Any) -> tuple:
    """``b``'s value with ``a``'s gradient (identity into ``a``, nothing into ``b``)."""
    return tf.identity(b), lambda dy: (dy, None)


#: no named-axis collective (see ``backends/_numpy.py``)
psum = None


# --- chunked loops (linear_cross_entropy) --------------------------------------


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False) -> tf.Tensor:
    """``a @ b`` with either operand transposed (2-D); untransposed, also batched (3-D: ``ctc_loss``)."""
    return tf.linalg.matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b)


def concat(xs: Any, axis: int = 0) -> tf.Tensor:
    return tf.concat(xs, axis)


def scan_rows(body: Any, carry: Any, xs: tuple, chunk: int, remat: bool = False) -> tuple:
    """See ``backends/_numpy.py``: a Python loop over row slices (unrolled
    into the graph under ``tf.function``; the row count must be static).
    Each chunk's ops wait for the previous chunk's outputs (control
    dependencies), so a graph runs the chunks one after another, not all at
    once."""
    n = xs[0].shape[0]
    outs: list = []
    for i in range(0, n, chunk) if n else (0,):
        after = [t for t in tf.nest.flatten(outs[-1:]) + tf.nest.flatten(carry) if t is not None]
        with tf.control_dependencies(after):
            carry, ys = body(carry, tuple(None if x is None else x[i:i + chunk] for x in xs))
        outs.append(ys)
    if len(outs) == 1:
        return carry, outs[0]
    return carry, tuple(concat(list(parts), 0) for parts in zip(*outs))


def linear_xent(pass_fn: Any, h: Any, W: Any, b: Any, aux: Any, f: Any, reduce: bool) -> tf.Tensor:
    """See ``backends/_numpy.py``: a ``tf.custom_gradient`` whose gradient
    function recomputes the chunks in differentiable TF ops of the inputs, so
    an outer ``GradientTape`` records it (nested tapes: exact higher
    derivatives)."""
    f = tf.stop_gradient(f)

    @tf.custom_gradient
    def value(h: Any, W: Any, *bias: Any) -> tuple:
        b = bias[0] if bias else None
        loss = pass_fn(h, W, b, aux, f, False)[0]
        out = tf.reduce_sum(f * loss) if reduce else f * loss

        def grad(g: Any) -> tuple:
            _, gh, gW, gb = pass_fn(h, W, b, aux, f * g, True)
            return (gh, gW) + ((gb,) if bias else ())

        return out, grad

    return value(h, W, *(() if b is None else (b,)))


def add_at(x: Any, idx: Any, v: Any) -> tf.Tensor:
    """See ``backends/_numpy.py``."""
    rows = tf.range(tf.shape(x, out_type=idx.dtype)[0], dtype=idx.dtype)
    return tf.tensor_scatter_nd_add(x, tf.stack([rows, idx], 1), v)


def linear(x: Any, w: Any, b: Any = None) -> tf.Tensor:
    """``x @ w.T + b``."""
    z = tf.linalg.matmul(x, w, transpose_b=True)
    return z if b is None else z + b


def matmul_acc(acc: Any, a: Any, b: Any) -> tf.Tensor:
    """``acc + a.T @ b``."""
    return acc + tf.linalg.matmul(a, b, transpose_a=True)


def exp_sub(x: Any, m: Any) -> tf.Tensor:
    """``exp(x - m)`` (NumPy and torch may overwrite ``x``)."""
    return tf.exp(x - m)


def scale(x: Any, c: Any) -> tf.Tensor:
    """``x * c``."""
    return x * c


# --- margin -------------------------------------------------------------------------


def arange(n: int, like: Any) -> tf.Tensor:
    """``[0, 1, ..., n - 1]`` in ``like``'s dtype (on its device: TensorFlow's placement)."""
    return tf.range(n, dtype=like.dtype)


# --- similarity family ---------------------------------------------------------


def power(x: Any, p: Any) -> tf.Tensor:
    """``x ** p`` (``p`` a number, made in ``x``'s dtype without a float32 rounding,
    or a tensor, cast to it)."""
    p = tf.constant(p, dtype=x.dtype) if isinstance(p, (int, float)) else tf.cast(p, x.dtype)
    return tf.math.pow(x, p)


# --- batch losses (losses/contrastive.py) ----------------------------------------


def eye_like(x: Any) -> tf.Tensor:
    """The boolean identity of a 2-D ``x``'s shape (``True`` at ``[i, i]``; dynamic
    sizes under ``tf.function``)."""
    n = tf.shape(x)
    return tf.cast(tf.eye(n[0], n[1]), tf.bool)


# --- sort-based projections (sparsemax) ----------------------------------------


def sort_desc(x: Any, axis: int) -> tf.Tensor:
    """See ``backends/_numpy.py``."""
    return tf.sort(x, axis=axis, direction="DESCENDING")


def cumsum(x: Any, axis: int) -> tf.Tensor:
    """See ``backends/_numpy.py``."""
    return tf.cumsum(x, axis=axis)


# --- loops over time (ctc_loss) ------------------------------------------------


def scan(fn: Any, carry: Any, xs: tuple, reverse: bool = False) -> tuple:
    """See ``backends/_numpy.py``: one ``tf.scan`` (a ``while_loop``: compiled
    under ``tf.function``)."""
    return tuple(tf.scan(lambda c, x: tuple(fn(c, x)), tuple(xs), initializer=tuple(carry), reverse=reverse))


#: see ``backends/_numpy.py``: no fused CTC kernel here (the spec's scan is the loop)
ctc = None


def moveaxis(x: Any, source: int, destination: int) -> tf.Tensor:
    return tf.experimental.numpy.moveaxis(x, source, destination)


def take_classes(x: Any, idx: Any) -> tf.Tensor:
    """See ``backends/_numpy.py``: one batched gather."""
    return tf.gather(x, idx, axis=2, batch_dims=1)
