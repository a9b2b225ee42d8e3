"""JAX primitive table. See ``backends/_numpy.py`` for the reference list."""

from __future__ import annotations

import functools
import threading
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp as _lse

name = "jax"
float32 = jnp.dtype(jnp.float32)
float64 = jnp.dtype(jnp.float64)
int64 = jnp.dtype(jnp.int64)
_HALF = {"float16", "bfloat16"}
_Tracer = jax.core.Tracer

# --- dtypes, shapes, conversion ---------------------------------------------


def asarray(x: Any, like: Any = None) -> jax.Array:
    return jnp.asarray(x)


def dtype_name(x: Any) -> str:
    return jnp.dtype(x.dtype).name


def kind(x: Any) -> str:
    dt = jnp.dtype(x.dtype)
    if jnp.issubdtype(dt, jnp.floating):
        return "f"
    if jnp.issubdtype(dt, jnp.integer):
        return "i"
    if dt == jnp.bool_:
        return "b"
    if jnp.issubdtype(dt, jnp.complexfloating):
        return "c"
    return "?"


def is_half(x: Any) -> bool:
    return jnp.dtype(x.dtype).name in _HALF


def cast(x: Any, dtype: Any) -> jax.Array:
    # without jax_enable_x64 (Keras' JAX backend, the default) a 64-bit request
    # means jax's 32-bit default; canonicalize it so that no warning is raised
    return jnp.asarray(x).astype(jax.dtypes.canonicalize_dtype(dtype))


def dtype_of(x: Any) -> Any:
    return x.dtype


def max_finite(dtype: Any) -> float:
    return float(jnp.finfo(dtype).max)


def shape(x: Any) -> tuple:
    return tuple(x.shape)


def ndim(x: Any) -> int:
    return x.ndim


def to_numpy(x: Any) -> np.ndarray:
    return np.asarray(x)


def device_of(x: Any) -> str:
    try:
        return str(next(iter(x.devices())))
    except Exception:  # tracers have no device
        return "traced"


# --- elementwise math --------------------------------------------------------

exp = jnp.exp
log = jnp.log
log1p = jnp.log1p
expm1 = jnp.expm1
abs = jnp.abs  # noqa: A001
sqrt = jnp.sqrt
square = jnp.square
tanh = jnp.tanh
sign = jnp.sign
floor = jnp.floor
isnan = jnp.isnan
isfinite = jnp.isfinite
sigmoid = jax.nn.sigmoid
log_sigmoid = jax.nn.log_sigmoid
softplus = jax.nn.softplus
maximum = jnp.maximum
minimum = jnp.minimum
logaddexp = jnp.logaddexp
where = jnp.where
clip = jnp.clip


def logsumexp(x: Any, axis: int, keepdims: bool = False) -> jax.Array:
    return _lse(x, axis=axis, keepdims=keepdims)


def log_softmax(x: Any, axis: int) -> jax.Array:
    """``log softmax`` floored at the dtype's lowest finite value: a logit
    spread beyond the dtype's range gives a very negative, finite log p (not
    ``-inf``), so ``0 * log p`` stays 0 and the loss stays finite. The floor
    is a :func:`saturate`: the gradient stays the exact ``onehot - softmax``."""
    return saturate(jax.nn.log_softmax(x, axis=axis), float(jnp.finfo(x.dtype).max))


def softmax(x: Any, axis: int) -> jax.Array:
    return jax.nn.softmax(x, axis=axis)


# --- reductions and indexing -------------------------------------------------


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> jax.Array:  # noqa: A001
    return jnp.sum(x, axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> jax.Array:
    return jnp.mean(x, axis=axis, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> jax.Array:  # noqa: A001
    return jnp.max(x, axis=axis, keepdims=keepdims)


def take_along_axis(x: Any, idx: Any, axis: int) -> jax.Array:
    return jnp.take_along_axis(x, idx, axis=axis, mode="clip")


def expand_dims(x: Any, axis: int) -> jax.Array:
    return jnp.expand_dims(x, axis)


def squeeze(x: Any, axis: int) -> jax.Array:
    return jnp.squeeze(x, axis)


def reshape(x: Any, shape: tuple) -> jax.Array:
    return jnp.reshape(x, shape)


def gather(table: Any, idx: Any) -> jax.Array:
    # the output is laid out like ``idx``: under an explicitly sharded mesh
    # (jax.make_mesh's default), a replicated table indexed by a batch-sharded
    # ``idx`` is otherwise ambiguous and jnp.take raises
    return jnp.asarray(table).at[idx].get(mode="clip", out_sharding=jax.typeof(idx).sharding)


def one_hot(labels: Any, depth: int, axis: int, dtype: Any) -> jax.Array:
    return jax.nn.one_hot(labels, depth, axis=axis, dtype=dtype)


zeros_like = jnp.zeros_like
ones_like = jnp.ones_like
full_like = jnp.full_like
stop_gradient = jax.lax.stop_gradient


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def saturate(x: Any, limit: float) -> jax.Array:
    """Clip to ``[-limit, limit]`` in value, identity in every derivative."""
    return jnp.clip(x, -limit, limit)


@saturate.defjvp
def _saturate_jvp(limit: float, primals: tuple, tangents: tuple) -> tuple:
    (x,), (t,) = primals, tangents
    return saturate(x, limit), t


# --- eager data checks -------------------------------------------------------


def is_concrete(x: Any) -> bool:
    """True when the data can be read now -- or, inside a staged eager call
    (:func:`stage`), when it could be read in the same call made op by op:
    a check of it becomes a guard of the compiled program (:func:`any_true`)."""
    return not isinstance(x, _Tracer) or staged(x)


def any_true(x: Any) -> bool:
    """``bool(any(x))``. Inside a staged eager call, for a value of the staged
    program: a guard -- the program also returns ``any(x)`` and ``False`` is
    assumed here; where a guard is true, the caller makes the call again op by
    op, whose check raises (:func:`stage`)."""
    calls = _STAGING_NOW.calls
    if calls and isinstance(x, _Tracer) and x._trace is calls[-1][0]:
        calls[-1][1].append(jnp.any(x))
        return False
    return bool(jnp.any(x))


def staged(x: Any) -> bool:
    """Whether ``x`` is a value of the staged eager call being traced
    (:func:`stage`): data the same call op by op could read."""
    calls = _STAGING_NOW.calls
    return bool(calls) and isinstance(x, _Tracer) and x._trace is calls[-1][0]


# --- staged eager calls ----------------------------------------------------------
#
# An eager JAX call op by op compiles every primitive for every new shape and
# dtype (most of a first call's time) and dispatches each from Python (most of
# a repeated call's time). ``losses._core`` runs an eager call on concrete
# arrays instead as one compiled program, cached by its static configuration.
# The eager data checks (labels in range, ...) become guards: the program
# returns whether any of them failed, and then the call is made again op by
# op, which raises the same error as before.

class _Staging(threading.local):
    #: ``(trace, guards)`` of this thread's staged calls being traced, innermost last
    calls: list

    def __init__(self) -> None:
        self.calls = []


_STAGING_NOW = _Staging()


def stage_key(x: Any) -> Any:
    """The part of a staged call's cache key for ``x``: ``(shape, dtype,
    weak type)`` of a concrete JAX or NumPy array; ``None`` for a value that is
    not an array (it is static: part of the key itself); ``False`` for an
    array that cannot be staged (a tracer: the call is already traced)."""
    if isinstance(x, _Tracer):
        return False
    if isinstance(x, jax.Array):
        return ("jax", x.shape, x.dtype, x.weak_type)
    if isinstance(x, np.ndarray):
        return ("numpy", x.shape, x.dtype.str)
    if isinstance(x, np.generic) or type(x).__module__.partition(".")[0] in ("torch", "tensorflow"):
        return False
    return None


def stage(fn: Any) -> Any:
    """``fn(*arrays)`` as one ``jax.jit`` program: returns ``call(*arrays) ->
    (out, ok)``, where ``ok`` is false when a guard (:func:`any_true`) fired,
    i.e. the same call made op by op would raise (or take another branch)."""

    def traced(*args: Any) -> tuple:
        trace = next((a._trace for a in jax.tree_util.tree_leaves(args) if isinstance(a, _Tracer)), None)
        guards: list = []
        _STAGING_NOW.calls.append((trace, guards))
        try:
            out = fn(*args)
        finally:
            _STAGING_NOW.calls.pop()
        return out, (jnp.any(jnp.stack(guards)) if guards else None)

    jitted = jax.jit(traced)

    def call(*args: Any) -> tuple:
        out, failed = jitted(*args)
        if isinstance(failed, _Tracer):  # called inside a trace (constants under jit): op by op
            return out, False
        return out, failed is None or not bool(failed)

    return call


def eager_minmax(x: Any, like: Any = None) -> tuple | None:
    # ``like`` is not consulted: under jax.grad the labels are concrete and can
    # be read (and raise); under jit even constants are staged (checked below)
    if isinstance(x, _Tracer) or x.size == 0:
        return None if isinstance(x, _Tracer) else (0, 0)
    lo, hi = jnp.min(x), jnp.max(x)
    if isinstance(lo, _Tracer):  # inside jit, even constants are staged
        return None
    return int(lo), int(hi)


# --- autodiff and fused kernels ----------------------------------------------


def value_and_grad(f: Any, y_pred: Any) -> tuple:
    v, vjp = jax.vjp(f, y_pred)
    (g,) = vjp(jnp.ones_like(v))
    return v, g


#: Fused kernels (``None`` where the framework has none that pays; see
#: benchmarks/overhead.py). ``cross_entropy(logits, target, weight, ignore_index,
#: label_smoothing, reduction)``: torch's ``F.cross_entropy`` -- class axis 1,
#: integer or probability targets, the whole reduced loss in one call.
#: ``sparse_xent(logits, labels)``: per-example -log softmax(logits)[label],
#: class axis last, labels valid.
cross_entropy = None
fused_sparse_xent = None  # see backends/_numpy.py
fused_binary_xent = None
range_errors: tuple = ()
fused_elementwise = None
fused_kl_div = None
small_xent_value_and_grad = None  # see backends/_numpy.py
fused_dense_xent = None
label_errors: tuple = ()
#: NumPy's in-place closed-form cross-entropy kernels (see backends/_numpy.py): none here
softmax_rows = None
sub_scaled_rows = None


def sparse_xent(logits: Any, labels: Any) -> jax.Array:
    """``logsumexp(z) - z_y`` computed as optax's integer-label cross-entropy:
    the shifted logits are never stored, so ``jit(value_and_grad)`` keeps no
    logits-sized temporary (the gradient ``softmax - onehot`` fuses into its
    output). A ``-inf`` logit at the label gives ``+inf``; a ``+inf`` logit NaN."""
    m = jax.lax.stop_gradient(jnp.max(logits, axis=-1, keepdims=True))
    picked = jnp.take_along_axis(logits, labels[..., None], axis=-1)[..., 0]
    lse = jnp.log(jnp.sum(jnp.exp(logits - m), axis=-1))
    return lse - (picked - m[..., 0])


def _dense_xent_parts(z: Any, y: Any, ax: int) -> tuple:
    """The value of :func:`dense_xent` with the shifted logits ``s`` and
    ``lse = log sum exp(s)`` (kept dims) its derivative reuses."""
    m = jax.lax.stop_gradient(jnp.max(z, axis=ax, keepdims=True))
    s = z - m
    lse = jnp.log(jnp.sum(jnp.exp(s), axis=ax, keepdims=True))
    # the floor -finfo.max: y = 0 at a -inf logit contributes 0 (not 0 * -inf);
    # target mass there is caught by ``hit`` (a where in the same fused pass)
    floor = jnp.finfo(s.dtype).min
    loss = jnp.sum(y, axis=ax) * jnp.squeeze(lse, ax) - jnp.sum(y * jnp.maximum(s, floor), axis=ax)
    hit = jnp.any((z == -jnp.inf) & (y != 0), axis=ax)
    return jnp.where(hit, jnp.inf, loss), s, lse


@functools.partial(jax.custom_jvp, nondiff_argnums=(2,))
def dense_xent(logits: Any, y: Any, ax: int) -> jax.Array:
    """``-sum(y * log_softmax(z), ax)`` as ``sum(y) lse - sum(y s)`` with
    ``s = z - max z`` and ``lse = log sum exp(s)``, the derivative written out
    (``custom_jvp``): ``d/dz = sum(y) softmax(z) - y``, ``d/dy = lse - s``.
    Nothing logits-sized is stored for the backward pass: under
    ``jit(value_and_grad)`` the softmax is recomputed inside the gradient's
    fused output pass (optax's ``softmax_cross_entropy`` keeps its
    ``log_softmax``: 2 logits-sized temporaries at [2048, 32000] float32, 500
    MiB; this keeps none of them). ``y = 0`` at a ``-inf`` logit contributes 0;
    ``y != 0`` there gives ``+inf`` with a zero gradient in that row (the
    native: ``+inf`` and NaN). Forward-mode, ``vmap`` and higher derivatives
    follow from the rule, which is itself differentiable."""
    return _dense_xent_parts(logits, y, ax)[0]


def _dense_xent_jvp(ax: int, primals: tuple, tangents: tuple) -> tuple:
    z, y = primals
    dz, dy = tangents
    loss, s, lse = _dense_xent_parts(z, y, ax)
    t = jnp.zeros_like(loss)
    if not isinstance(dz, jax.custom_derivatives.SymbolicZero):
        p = jnp.exp(s - lse)
        t = t + jnp.sum((jnp.sum(y, axis=ax, keepdims=True) * p - y) * dz, axis=ax)
    if not isinstance(dy, jax.custom_derivatives.SymbolicZero):
        # -log_softmax(z); 0 where z = -inf and y = 0 (the value's convention)
        nlp = jnp.where((s == -jnp.inf) & (y == 0), jnp.zeros_like(s), lse - s)
        t = t + jnp.sum(nlp * dy, axis=ax)
    return loss, jnp.where(loss == jnp.inf, jnp.zeros_like(t), t)


dense_xent.defjvp(_dense_xent_jvp, symbolic_zeros=True)


softmax_xent = None  # see backends/_numpy.py


def all_finite(x: Any) -> jax.Array:
    """See ``backends/_numpy.py``. ``sum(x * 0) == 0``: NaN unless every
    element is finite, never an overflow; one multiply-add pass that XLA keeps
    fused inside ``cond`` (an isfinite-and-cast pass there made it store the
    exponentials of a cross-entropy: a logits-sized temporary)."""
    return jnp.sum(jax.lax.stop_gradient(x) * 0.0) == 0.0


def cond(pred: Any, if_true: Any, if_false: Any) -> Any:
    """``jax.lax.cond`` over closures (see ``backends/_numpy.py``): under
    ``jit`` only the branch taken runs; under ``vmap`` of a batched ``pred``
    both run and are selected, as ``jnp.where``."""
    return jax.lax.cond(pred, if_true, if_false)


def psum(x: Any, axis_name: Any) -> jax.Array:
    """The sum over a named mapped axis of ``shard_map``/``pmap`` (the
    reduction's ``axis_name``). An unbound name raises ``NameError`` (inside
    ``shard_map``, ``jax.lax.psum``'s own error is a bare ``AssertionError``)."""
    jax.lax.axis_size(axis_name)
    return jax.lax.psum(x, axis_name)


# --- chunked loops (linear_cross_entropy) --------------------------------------


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False) -> jax.Array:
    """``a @ b`` with either operand transposed (2-D); untransposed, also batched (3-D: ``ctc_loss``)."""
    return jnp.matmul(a.T if transpose_a else a, b.T if transpose_b else b)


def concat(xs: Any, axis: int = 0) -> jax.Array:
    return jnp.concatenate(xs, axis=axis)


def scan_rows(body: Any, carry: Any, xs: tuple, chunk: int, remat: bool = False) -> tuple:
    """See ``backends/_numpy.py``: a ``lax.scan`` over ``k`` chunks of the rows
    padded with zeros to ``k * chunk`` (the padded rows' outputs are dropped).
    Chunk ``j`` holds rows ``j, j + k, j + 2k, ...``: the scanned axis is new
    and a batch sharded over devices stays sharded within each chunk (each
    device sweeps its own rows; ``scan`` needs its leading axis replicated).
    ``remat`` wraps the body in ``jax.checkpoint``, so reverse mode saves only
    each chunk's inputs and recomputes the rest."""
    n = xs[0].shape[0]
    k = -(-n // chunk) or 1
    pad = k * chunk - n

    def split(x: Any) -> Any:
        if x is None:
            return None
        x = jnp.pad(x, [(0, pad)] + [(0, 0)] * (x.ndim - 1)) if pad else x
        return jnp.swapaxes(x.reshape((chunk, k) + x.shape[1:]), 0, 1)

    def join(y: Any) -> Any:
        return jnp.swapaxes(y, 0, 1).reshape((k * chunk,) + y.shape[2:])[:n]

    fn = jax.checkpoint(body) if remat else body
    carry, ys = jax.lax.scan(fn, carry, tuple(split(x) for x in xs))
    return carry, tuple(join(y) for y in ys)


def linear_xent(pass_fn: Any, h: Any, W: Any, b: Any, aux: Any, f: Any, reduce: bool) -> Any:
    """See ``backends/_numpy.py``. A reduced loss is a ``jax.custom_jvp``
    whose rule computes the value and the gradient in one sweep and gives the
    tangent ``<dh, th> + <dW, tW> + <db, tb>``: reverse mode transposes it for
    free, and forward mode, ``hessian`` and ``vmap`` differentiate the sweep
    (plain JAX). ``None`` for ``reduce=False`` (the caller's ``scan`` with
    ``jax.checkpoint`` is differentiated as it is)."""
    if not reduce:
        return None
    return _linear_xent(pass_fn, h, W, b, aux, jax.lax.stop_gradient(f))


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _linear_xent(pass_fn: Any, h: Any, W: Any, b: Any, aux: Any, f: Any) -> jax.Array:
    return jnp.sum(f * pass_fn(h, W, b, aux, f, False)[0])


@_linear_xent.defjvp
def _linear_xent_jvp(pass_fn: Any, primals: tuple, tangents: tuple) -> tuple:
    h, W, b, aux, f = primals
    th, tW, tb = tangents[:3]
    loss, gh, gW, gb = pass_fn(h, W, b, aux, f, True)
    t = jnp.sum(gh * th) + jnp.sum(gW * tW)  # not vdot: a contraction over sharded rows is ambiguous
    if b is not None:
        t = t + jnp.sum(gb * tb)
    return jnp.sum(f * loss), t


def add_at(x: Any, idx: Any, v: Any) -> jax.Array:
    """See ``backends/_numpy.py``."""
    rows = jax.lax.broadcasted_iota(idx.dtype, idx.shape, 0, out_sharding=jax.typeof(idx).sharding)
    return x.at[rows, idx].add(v, out_sharding=jax.typeof(x).sharding)


def linear(x: Any, w: Any, b: Any = None) -> jax.Array:
    """``x @ w.T + b``."""
    z = x @ w.T
    return z if b is None else z + b


def matmul_acc(acc: Any, a: Any, b: Any) -> jax.Array:
    """``acc + a.T @ b`` (a ``scan`` carry: XLA updates it in place), laid
    out like ``acc`` (a sum over rows sharded across devices: a reduction)."""
    mesh = getattr(jax.typeof(a).sharding, "mesh", None)
    out = None
    if mesh is not None and mesh.axis_names:  # rows sharded over a mesh: a replicated sum
        out = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec(None, None))
    return acc + jnp.matmul(a.T, b, out_sharding=out)


def exp_sub(x: Any, m: Any) -> jax.Array:
    """``exp(x - m)`` (NumPy and torch may overwrite ``x``)."""
    return jnp.exp(x - m)


def scale(x: Any, c: Any) -> jax.Array:
    """``x * c``."""
    return x * c


# --- margin -------------------------------------------------------------------------


def arange(n: int, like: Any) -> jax.Array:
    """``[0, 1, ..., n - 1]`` in ``like``'s dtype."""
    return jnp.arange(n, dtype=like.dtype)


# --- similarity family ---------------------------------------------------------

power = jnp.power


# --- batch losses (losses/contrastive.py) ----------------------------------------


def eye_like(x: Any) -> jax.Array:
    """The boolean identity of a 2-D ``x``'s shape (``True`` at ``[i, i]``)."""
    return jnp.eye(x.shape[0], x.shape[1], dtype=bool)


# --- sort-based projections (sparsemax) ----------------------------------------


def sort_desc(x: Any, axis: int) -> jax.Array:
    """See ``backends/_numpy.py``."""
    return jnp.flip(jnp.sort(x, axis=axis), axis=axis)


def cumsum(x: Any, axis: int) -> jax.Array:
    """See ``backends/_numpy.py``."""
    return jnp.cumsum(x, axis=axis)


# --- loops over time (ctc_loss) ------------------------------------------------


def scan(fn: Any, carry: Any, xs: tuple, reverse: bool = False) -> tuple:
    """See ``backends/_numpy.py``: one ``lax.scan`` (compiled: no Python loop)."""
    def step(c: Any, x: Any) -> tuple:
        c = fn(c, x)
        return c, c

    return jax.lax.scan(step, tuple(carry), tuple(xs), reverse=reverse)[1]


#: see ``backends/_numpy.py``: no fused CTC kernel here (the spec's scan is the loop)
ctc = None

moveaxis = jnp.moveaxis


def take_classes(x: Any, idx: Any) -> jax.Array:
    """See ``backends/_numpy.py``."""
    return jnp.take_along_axis(x, idx[:, None, :], axis=2)
