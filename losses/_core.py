"""The driver every public loss goes through, the one reduction, and
``value_and_grad``.

A *spec* is ``fn(xp, y_true, y_pred, grad, **options)`` written once over a
backend's primitive table ``xp``. It returns ``(loss, denom, g, axis)``:

* ``loss``  -- the per-element loss (``y_pred``'s shape, less the class axis
  when the spec reduces one);
* ``denom`` -- per-element weight of the ``"mean"`` denominator (class weight
  of the target, 0 for ignored labels), or ``None`` for 1 everywhere;
* ``g``     -- when ``grad`` is true, ``d loss / d y_pred`` element by element
  (``y_pred``'s shape), else ``None``; NumPy uses it, the other backends use
  their own autodiff and the tests hold the two against each other. A batch
  loss, whose every element depends on every row of ``y_pred`` (contrastive
  losses), returns instead its vector-Jacobian product: a callable taking the
  per-element cotangent (``loss``'s shape) and returning ``d / d y_pred``;
* ``axis``  -- the class axis ``loss`` was reduced over, a tuple of
  non-negative axes (a loss over a table, e.g. a joint distribution), or
  ``None``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, NamedTuple

from backends import table_for

from . import _checks

Array = Any


class Spec(NamedTuple):
    name: str
    fn: Callable[..., tuple]
    #: option names that may hold arrays (converted to y_pred's framework and device)
    arrays: tuple[str, ...] = ()
    #: the spec takes ``_reduction`` (the reduction, or ``None`` when there are
    #: sample weights) and may return ``denom=REDUCED`` with the reduced value,
    #: when a fused kernel computed it in one call
    fuses_reduction: bool = False
    #: a value beyond the output dtype's range saturates at its largest finite
    #: value, with an unchanged (identity) gradient: logits of any finite size
    #: give a finite loss (the cross-entropy family)
    saturate: bool = False
    #: ``(option, check)`` pairs: ``check(option, value)`` validates and
    #: normalises the value before the spec runs (``losses._checks``)
    checks: tuple = ()
    #: a loss of one array (``y_true`` must be ``None``: entropies)
    unary: bool = False
    #: numeric options that may be arrays or traced values (optax's under ``jit``):
    #: moved to ``y_pred``'s framework and dtype unless a Python number; out of
    #: range under a trace, they make the loss NaN (``_checks.out_of_range``)
    traced: tuple[str, ...] = ()


#: ``denom`` of a spec whose ``loss`` is already the reduced value
REDUCED = "reduced"
#: ``denom`` of a spec whose ``loss`` is the reduced value, already saturated
#: (at the ``_limit`` it was given)
SATURATED = "saturated"


_BY_PUBLIC: dict[Any, Spec] = {}
_PUBLIC: dict[str, Callable] = {}


def register(spec: Spec, public: Callable) -> None:
    _BY_PUBLIC[public] = spec
    _BY_PUBLIC[spec.name] = spec
    _PUBLIC[spec.name] = public


def spec_of(loss: Any) -> Spec:
    try:
        return _BY_PUBLIC[loss]
    except (KeyError, TypeError):
        raise TypeError(
            f"lossbridge: `loss` must be one of the registered losses (a function from "
            f"`losses` or its name: {', '.join(sorted(_PUBLIC))}); got {loss!r}"
        ) from None


def _option_checks(spec: Spec, y_true: Any, opts: dict) -> None:
    """The checks of the options (and of a unary loss's missing target), in place."""
    if spec.unary:
        no_target(y_true, spec.name)
    for k, check in spec.checks:
        opts[k] = check(k, opts[k])


def _prepare(spec: Spec, y_true: Any, y_pred: Any, sample_weight: Any, opts: dict) -> tuple:
    arrays = [opts.get(k) for k in spec.arrays]
    xp = table_for(y_true, y_pred, sample_weight, *arrays, *(opts[k] for k in spec.traced),
                   names=("y_true", "y_pred", "sample_weight", *spec.arrays, *spec.traced))
    y_pred = xp.asarray(y_pred)
    _checks.float_pred(xp, y_pred)
    out_dtype = None
    if xp.is_half(y_pred):  # float16 / bfloat16: compute in float32
        out_dtype = xp.dtype_of(y_pred)
        y_pred = xp.cast(y_pred, xp.float32)
    for k in spec.traced:
        v = opts[k]
        if v is not None and not isinstance(v, (int, float)):
            opts[k] = xp.cast(xp.asarray(v, like=y_pred), xp.dtype_of(y_pred))
    for k, v in zip(spec.arrays, arrays):
        if v is not None:
            v = xp.asarray(v, like=y_pred)
            if xp.kind(v) == "f" or xp.kind(v) == "b" or xp.kind(v) == "i":
                v = xp.cast(v, xp.dtype_of(y_pred))
            opts[k] = v
    return xp, y_pred, out_dtype


def no_target(y_true: Any, name: str) -> None:
    """A loss of one array takes no ``y_true``."""
    if y_true is not None:
        _checks.fail(f"{name}() takes one distribution: `y_true` must be None (pass the distribution "
                     f"as `y_pred`, or call {name}(distribution)); got a {type(y_true).__name__}")


def _poison_traced(xp: Any, spec: Spec, opts: dict, loss: Array) -> Array:
    """NaN where a traced option is out of range (an eager one raised in its check):
    element by element where the option broadcasts against the loss, else all of it."""
    checks = dict(spec.checks)
    for k in spec.traced:
        v = opts[k]
        if v is None or isinstance(v, (int, float)) or xp.is_concrete(v) or k not in checks:
            continue
        bad = _checks.out_of_range(xp, checks[k], v)
        b_shape, l_shape = xp.shape(bad), xp.shape(loss)
        fits = len(b_shape) <= len(l_shape) and all(
            b in (1, x) for b, x in zip(reversed(b_shape), reversed(l_shape)))
        if not fits:
            bad = xp.sum(xp.cast(bad, xp.dtype_of(loss))) > 0
        loss = loss * xp.where(bad, xp.zeros_like(loss) + float("nan"), xp.ones_like(loss))
    return loss


def _weights(xp: Any, sample_weight: Any, loss: Array, like: Array) -> Array:
    sw = xp.asarray(sample_weight, like=like)
    if xp.kind(sw) not in "fib":
        _checks.fail(f"`sample_weight` must be a real array; got dtype {xp.dtype_name(sw)}")
    sw = xp.cast(sw, xp.dtype_of(loss))
    s_shape, l_shape = xp.shape(sw), xp.shape(loss)
    given = s_shape
    if len(s_shape) < len(l_shape) and len(s_shape) > 0:
        # leading alignment: a [N] weight weighs samples of a [N, ...] loss
        s_shape = s_shape + (1,) * (len(l_shape) - len(s_shape))
        sw = xp.reshape(sw, s_shape)
    _checks.broadcastable("sample_weight", s_shape, "the per-element loss", l_shape, given)
    return sw


AxisName = str | tuple[str, ...] | None


def axis_name_check(axis_name: Any) -> AxisName:
    """``axis_name``: ``None``, a non-empty string or a non-empty tuple of them."""
    if axis_name is None or (isinstance(axis_name, str) and axis_name):
        return axis_name
    if (isinstance(axis_name, tuple) and axis_name
            and all(isinstance(a, str) and a for a in axis_name)):
        return axis_name
    _checks.fail("`axis_name` must be None, a mapped axis name (a non-empty str) or a non-empty "
                 f"tuple of them, as jax.lax.psum takes; got {axis_name!r}")


def _collective(xp: Any, axis_name: AxisName) -> Callable[[Array], Array]:
    """``x -> psum(x, axis_name)`` of ``xp``, or a ``ValueError`` where the
    backend has no named-axis collective (every backend but JAX)."""
    if xp.psum is None:
        _checks.fail(
            f"`axis_name`={axis_name!r} is a JAX mapped-axis name (jax.shard_map, jax.pmap) and "
            f"works on JAX arrays only; got {xp.name} arrays. For torch.distributed use "
            "backends.distributed.global_weighted_mean; for tf.distribute / Keras, compile "
            "the loss into the strategy's step (see docs/multi-device.md)")

    def psum(x: Array) -> Array:
        try:
            return xp.psum(x, axis_name)
        except NameError as e:  # JAX: "unbound axis name: ..."
            _checks.fail(f"`axis_name`={axis_name!r} is not a mapped axis here ({e}); call the "
                         "loss inside jax.shard_map/jax.pmap over that axis, or leave axis_name=None "
                         "(jax.jit over sharded arrays needs no axis_name)")
    return psum


def reduce(xp: Any, loss: Array, denom: Array | None, sw: Array | None, reduction: str,
           axis_name: AxisName = None, limit: float | None = None, finite: Array | None = None) -> Array:
    """The one reduction.

    * ``"none"``: ``loss * sw``;
    * ``"sum"``: ``sum(loss * sw)``;
    * ``"mean"``: ``sum(loss * sw) / sum(denom * sw)`` -- a weighted mean whose
      denominator counts each element by its sample weight times its class
      weight (0 for ignored labels), as torch's ``reduction='mean'`` does with
      ``weight``/``ignore_index``; the plain mean when there are no weights;
    * ``"sum_over_batch_size"``: ``sum(loss * sw) / loss.size`` (Keras' default).

    With ``axis_name`` (JAX only: a mapped axis of ``jax.shard_map`` or
    ``jax.pmap``, or a tuple of them) every sum is over the whole batch split
    across that axis -- ``psum(sum(.), axis_name)`` -- so each device gets the
    single-device value of the whole batch: ``"mean"`` is
    ``psum(sum(loss * sw)) / psum(sum(denom * sw))`` (not the mean of the
    shards' means, which differs when weights, ignored labels or masks leave
    the shards unequal), ``"sum_over_batch_size"`` is
    ``psum(sum(loss * sw)) / psum(loss.size)``, ``"sum"`` is the global sum,
    and ``"none"`` is unchanged: each device's per-element losses are its
    shard of the single-device result.

    With ``limit`` (the saturating specs: ``docs/extreme-values.md``) a value
    beyond ``+-limit`` saturates there with an identity gradient -- except a
    ``"mean"`` over a zero denominator (every counted element weighted 0),
    which stays the ``inf``/``NaN`` of its division: an undefined mean is
    never a finite number. ``finite`` (a boolean scalar: were all the inputs
    finite? -- or a function returning it, called only where some value is
    beyond ``limit``) limits saturation to finite inputs: a non-finite input
    keeps the ``inf``/``NaN`` its arithmetic gives.
    """
    value, den = _reduce(xp, loss, denom, sw, reduction, axis_name)
    if limit is None:
        return value
    saturated = _saturate(xp, value, limit, finite, lazy=axis_name is None)
    return saturated if den is None else xp.where(den == 0, value, saturated)


def _saturate(xp: Any, value: Array, limit: float, finite: Any, lazy: bool = True) -> Array:
    """``value`` saturated at ``+-limit`` where the inputs were finite
    (``finite``: a boolean scalar, or a function returning it).

    Saturation changes nothing unless some value is beyond ``limit`` (or NaN),
    so where the backend can branch (``xp.cond``: ``jit``, ``tf.function``,
    NumPy) the finite-input test -- a pass over the inputs -- runs only then
    (``lazy``; not under ``axis_name``, whose test is a collective that every
    device must run)."""
    if finite is None:
        return xp.saturate(value, limit)

    def gated() -> Array:
        return xp.where(finite() if callable(finite) else finite, xp.saturate(value, limit), value)

    if not lazy or xp.cond is None or not callable(finite):
        return gated()
    # every |value| within limit, and none NaN (NaN <= limit is false), if their sum
    # is: two ops, one for a reduced value (a sum that overflows only takes the gated
    # path, which gives the same result)
    mag = xp.abs(value)
    if xp.ndim(value) != 0:  # (an unknown rank, None, too)
        mag = xp.sum(mag)
    return xp.cond(mag <= limit, lambda: value, gated)


def _all_finite(xp: Any, x: Array, axis_name: AxisName = None) -> Array:
    """A boolean scalar: every element of ``x`` is finite (across the devices of
    ``axis_name``: the flag is the same on each, as the reduced value is).
    Saturation keeps finite inputs from overflowing; it never turns an
    infinite or undefined exact value into a finite number (docs/extreme-values.md)."""
    finite = xp.all_finite(x)
    if axis_name is not None:
        missing = _collective(xp, axis_name)(1.0 - xp.cast(finite, xp.dtype_of(x)))
        return missing == 0.0
    return finite


def _reduce(xp: Any, loss: Array, denom: Array | None, sw: Array | None, reduction: str,
            axis_name: AxisName) -> tuple[Array, Array | None]:
    """``(value, denominator of a weighted "mean" or None)``."""
    if sw is not None:
        loss = loss * sw
    if reduction == "none":
        return loss, None
    if axis_name is None:
        total = xp.sum
        if reduction == "sum_over_batch_size" or (reduction == "mean" and denom is None and sw is None):
            return xp.mean(loss), None
    else:
        psum = _collective(xp, axis_name)

        def total(x: Array) -> Array:
            return psum(xp.sum(x))
    num = total(loss)
    if reduction == "sum":
        return num, None
    if reduction == "sum_over_batch_size" or (denom is None and sw is None):  # global plain mean
        return num / psum(xp.zeros_like(num) + float(_size(xp.shape(loss)))), None
    den = total(_counted(xp, loss, denom, sw))
    return num / den, den


def _counted(xp: Any, loss: Array, denom: Array | None, sw: Array | None) -> Array:
    """What a weighted "mean" counts per element: ``denom * sw`` (1 where the
    spec gives no ``denom``, ``denom`` where there are no sample weights)."""
    if denom is None:
        return xp.ones_like(loss) if sw is None else xp.zeros_like(loss) + sw
    return denom if sw is None else denom * sw


def _limit(xp: Any, spec: Spec, out_dtype: Any, like: Array) -> float | None:
    """The saturation limit of ``spec``'s value: the largest finite value of
    the output dtype, or ``None`` for a spec that does not saturate."""
    if not spec.saturate:
        return None
    return xp.max_finite(out_dtype if out_dtype is not None else xp.dtype_of(like))


def _grad_factor(xp: Any, loss: Array, denom: Array | None, sw: Array | None, reduction: str) -> Any:
    one = xp.ones_like(loss)
    f = one if sw is None else one * sw
    if reduction == "mean":
        d = (one if denom is None else denom) * (1.0 if sw is None else sw)
        return f / xp.sum(d)
    if reduction == "sum_over_batch_size":
        return f / max(int(_size(xp.shape(loss))), 1) if _size(xp.shape(loss)) else f * float("nan")
    return f


def _size(shape: tuple) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def run(spec: Spec, y_true: Any, y_pred: Any, reduction: str, sample_weight: Any,
        opts: dict, grad: bool = False, axis_name: AxisName = None) -> Any:
    """Evaluate ``spec`` and reduce; with ``grad``, also its closed-form
    gradient; with ``axis_name``, reduce over the whole batch split across
    that JAX mapped axis (see :func:`reduce`)."""
    _checks.reduction(reduction)
    axis_name_check(axis_name)
    _option_checks(spec, y_true, opts)
    if not grad and axis_name is None and sample_weight is None:
        direct = getattr(_PUBLIC[spec.name], "direct_call", None)
        if direct is not None:  # a spec's own direct path (a fused kernel), or None
            out = direct(y_true, y_pred, reduction, opts)
            if out is not None:
                return out
    if not grad and axis_name is None:
        out = _staged(spec, "loss", y_true, y_pred, reduction, sample_weight, opts)
        if out is not _UNSTAGED:
            return out
    return _run(spec, y_true, y_pred, reduction, sample_weight, opts, grad, axis_name)


def _run(spec: Spec, y_true: Any, y_pred: Any, reduction: str, sample_weight: Any,
         opts: dict, grad: bool, axis_name: AxisName) -> Any:
    """:func:`run` after its checks of the options, op by op."""
    xp, y_pred, out_dtype = _prepare(spec, y_true, y_pred, sample_weight, opts)
    if axis_name is not None:
        _collective(xp, axis_name)  # fails early on a backend without collectives
    limit = _limit(xp, spec, out_dtype, y_pred)
    if spec.fuses_reduction:
        fused = sample_weight is None and not grad and axis_name is None
        opts["_reduction"] = reduction if fused else None
        opts["_limit"] = limit
    loss, denom, g, axis = spec.fn(xp, y_true, y_pred, grad, **opts)
    if spec.traced and denom is not REDUCED and denom is not SATURATED:
        loss = _poison_traced(xp, spec, opts, loss)
    def finite() -> Array:
        return _all_finite(xp, y_pred, axis_name)

    if denom is SATURATED:
        value = loss
    elif denom is REDUCED:  # a fused kernel: NaN for an undefined mean, as the spec's
        value = loss if limit is None else _saturate(xp, loss, limit, finite, lazy=axis_name is None)
    else:
        sw = None if sample_weight is None else _weights(xp, sample_weight, loss, y_pred)
        value = reduce(xp, loss, denom, sw, reduction, axis_name, limit, finite)
    if out_dtype is not None:
        value = xp.cast(value, out_dtype)
    if not grad:
        return value
    f = _grad_factor(xp, loss, denom, sw, reduction)
    if callable(g):  # a batch loss (each element's loss depends on every row): g is its VJP
        g = g(f)
        return value, (g if out_dtype is None else xp.cast(g, out_dtype))
    axes = () if axis is None else axis if isinstance(axis, tuple) else (axis,)
    for a in sorted(axes):  # non-negative, ascending: each is a position in g's shape
        f = xp.expand_dims(f, a)
    # an element with zero gradient (an ignored label) stays zero when the scale
    # is not finite (a "mean" over no counted element), as autodiff gives it
    g = xp.where(g == 0, g, g * f)
    if out_dtype is not None:
        g = xp.cast(g, out_dtype)
    return value, g


def sum_and_count(loss: Any, y_true: Any, y_pred: Any, **options: Any) -> tuple[Array, Array]:
    """The two halves of a mean: ``(sum(loss * sw), sum(denom * sw))``.

    ``loss`` is a public loss function of :mod:`losses` (or its name) and
    ``options`` its keyword arguments; ``reduction`` (``"mean"`` by default,
    or ``"sum_over_batch_size"``) says which mean. The first value is the
    numerator, differentiable with respect to ``y_pred``; the second is the
    denominator the loss divides by: for ``"mean"`` the sum over counted
    elements of sample weight times class weight (0 for ignored labels and
    rows that ``where`` excludes), for ``"sum_over_batch_size"`` the number of
    per-element losses. ``loss(...) == sum / count`` on one device.

    In data-parallel training each worker computes these on its shard; the
    single-device mean of the whole batch is ``global_sum(sum) /
    global_sum(count)`` -- not the mean of the workers' means. See
    :mod:`backends.distributed` (torch) and the ``axis_name`` option (JAX).

    >>> import numpy as np, losses
    >>> s, n = losses.sum_and_count(losses.sparse_categorical_crossentropy,
    ...     np.array([0, 1, -1]), np.zeros((3, 2)), from_logits=True,
    ...     ignore_index=-1, class_weight=np.array([1.0, 3.0]))
    >>> round(float(s), 6), float(n)  # (1 + 3) log 2, 1 + 3
    (2.772589, 4.0)
    """
    spec = spec_of(loss)
    opts = _bind(_PUBLIC[spec.name], y_true, y_pred, options)
    reduction = opts.pop("reduction")
    sample_weight = opts.pop("sample_weight")
    if opts.pop("axis_name", None) is not None:
        _checks.fail("sum_and_count() gives the local parts: leave `axis_name` out "
                     "(sum them across devices yourself, or call the loss with axis_name)")
    _checks.reduction(reduction, ("mean", "sum_over_batch_size"))
    _option_checks(spec, y_true, opts)
    xp, y_pred, out_dtype = _prepare(spec, y_true, y_pred, sample_weight, opts)
    if spec.fuses_reduction:
        opts["_reduction"] = None
    per, denom, _, _ = spec.fn(xp, y_true, y_pred, False, **opts)
    sw = None if sample_weight is None else _weights(xp, sample_weight, per, y_pred)
    total = reduce(xp, per, None, sw, "sum")
    if reduction == "sum_over_batch_size":
        count = xp.zeros_like(total) + float(_size(xp.shape(per)))
    else:
        count = xp.sum(_counted(xp, per, denom, sw))
    limit = _limit(xp, spec, out_dtype, total)
    if limit is not None:
        total = _saturate(xp, total, limit, lambda: _all_finite(xp, y_pred))
    if out_dtype is not None:
        total, count = xp.cast(total, out_dtype), xp.cast(count, out_dtype)
    return total, count


#: losses whose arguments are not ``(y_true, y_pred)`` (``linear_cross_entropy``):
#: their own ``value_and_grad``, keyed by the public function and its name
_OWN_GRAD: dict[Any, Callable] = {}


def register_value_and_grad(public: Callable, fn: Callable) -> None:
    """Give ``value_and_grad(public, ...)`` to ``fn`` (a loss outside the registry)."""
    _OWN_GRAD[public] = _OWN_GRAD[public.__name__] = fn


def value_and_grad(loss: Any, y_true: Any, y_pred: Any, **options: Any) -> tuple[Array, Array]:
    """The loss and its gradient with respect to ``y_pred``, on every backend.

    ``loss`` is a public loss function of :mod:`losses` (or its name);
    ``options`` are its keyword arguments. NumPy arrays use the spec's
    closed-form gradient; torch, TensorFlow and JAX arrays use the framework's
    own autodiff through the same spec. With ``reduction="none"`` the gradient
    is that of the *sum* of the returned per-element losses (a vector-Jacobian
    product with ones).

    >>> import numpy as np, losses
    >>> v, g = losses.value_and_grad(losses.categorical_crossentropy,
    ...     np.array([[0., 1.]]), np.array([[0., 0.]]), from_logits=True)
    >>> round(float(v), 6), g.tolist()
    (0.693147, [[0.5, -0.5]])

    ``linear_cross_entropy(y_true, hidden, weight=W, bias=b, ...)`` gives
    ``(value, (d_hidden, d_weight[, d_bias]))``.
    """
    own = _OWN_GRAD.get(loss) if isinstance(loss, str) or callable(loss) else None
    if own is not None:
        return own(y_true, y_pred, **options)
    spec = spec_of(loss)
    arrays = [options.get(k) for k in spec.arrays]
    xp = table_for(y_true, y_pred, options.get("sample_weight"), *arrays,
                   names=("y_true", "y_pred", "sample_weight", *spec.arrays))
    if xp.value_and_grad is None:  # a closed-form backend (NumPy)
        small = getattr(_PUBLIC[spec.name], "small_value_and_grad", None)
        if small is not None:  # a small call's hand-fused path, or None
            out = small(xp, y_true, y_pred, options)
            if out is not None:
                return out
        opts = _bind(_PUBLIC[spec.name], y_true, y_pred, options)
        reduction = opts.pop("reduction")
        sample_weight = opts.pop("sample_weight")
        axis_name = opts.pop("axis_name", None)
        return run(spec, y_true, y_pred, reduction, sample_weight, opts, grad=True, axis_name=axis_name)
    public = _PUBLIC[spec.name]
    if xp.stage is not None:
        out = _staged(spec, "value_and_grad", y_true, y_pred, None, None, options)
        if out is not _UNSTAGED:
            return out
    return xp.value_and_grad(lambda p: public(y_true, p, **options), xp.asarray(y_pred))


# --- staged eager calls (JAX) ------------------------------------------------------
#
# A backend with ``xp.stage`` (JAX) runs an eager call on concrete arrays as one
# compiled program instead of op by op (see ``backends/_jax.py``): the arrays
# are its arguments, every other value (Python numbers, strings, None, tuples,
# callables) is static and part of the cache key with the arrays' shapes and
# dtypes. Where the program cannot be built (a check fails while tracing, data
# read on the host, an unhashable option) the key is marked and that call runs
# op by op, as it does where a guard fires (a data check fails): the errors,
# and their messages, are those of the op-by-op call.

_UNSTAGED = object()
_NOT_STAGEABLE = object()  # a key whose program could not be built
#: compiled programs, by (kind, spec, reduction, static values, array keys)
_STAGED: dict = {}
#: programs built per loss: past _STAGE_LIMIT (options changing every call, a
#: Python float annealed step by step...) that loss runs op by op
_STAGED_COUNT: dict[str, int] = {}
_STAGE_LIMIT = 64


def _static_key(v: Any) -> Any:
    """``(type, value)`` (a tuple's recursively): ``1``, ``1.0`` and ``True``
    compare equal but may trace differently."""
    if type(v) is tuple:
        return (tuple, tuple(_static_key(x) for x in v))
    hash(v)  # TypeError: not stageable
    return (type(v), v)


def _staged(spec: Spec, kind: str, y_true: Any, y_pred: Any, reduction: Any, sample_weight: Any,
            opts: dict) -> Any:
    """``run`` (``kind="loss"``) or ``value_and_grad`` (``kind="value_and_grad"``)
    as one compiled program, or ``_UNSTAGED`` (the caller goes op by op)."""
    try:
        xp = table_for(y_true, y_pred, sample_weight)
    except TypeError:
        return _UNSTAGED
    if xp.stage is None:
        return _UNSTAGED
    names = (" y_true", " y_pred", " sample_weight", *opts)  # the spaces: no clash with an option
    values = (y_true, y_pred, sample_weight, *opts.values())
    where, args, key = [], [], [kind, spec.name, reduction]
    try:
        for name, v in zip(names, values):
            k = xp.stage_key(v)
            if k is False:
                return _UNSTAGED
            if k is None:
                key.append((name, _static_key(v)))
            else:
                key.append((name, k))
                where.append(name)
                args.append(v)
        key = tuple(key)
        entry = _STAGED.get(key)
    except TypeError:  # an unhashable option
        return _UNSTAGED
    if entry is _NOT_STAGEABLE:
        return _UNSTAGED
    if entry is None:
        if _STAGED_COUNT.get(spec.name, 0) >= _STAGE_LIMIT:
            return _UNSTAGED
        _STAGED_COUNT[spec.name] = _STAGED_COUNT.get(spec.name, 0) + 1
        fixed = {n: v for n, v in zip(names, values) if n not in where}  # no array kept alive
        public, keys = _PUBLIC[spec.name], tuple(opts)

        def fn(*arrays: Any) -> Any:
            a = {**fixed, **dict(zip(where, arrays))}
            o = {k: a[k] for k in keys}
            yt, yp, sw = a[" y_true"], a[" y_pred"], a[" sample_weight"]
            if kind == "loss":
                return _run(spec, yt, yp, reduction, sw, o, False, None)
            return xp.value_and_grad(lambda p: public(yt, p, **o), xp.asarray(yp))

        entry = _STAGED[key] = xp.stage(fn)
    try:
        out, ok = entry(*args)
    except Exception:  # noqa: BLE001 -- op by op gives the error (or the value)
        _STAGED[key] = _NOT_STAGEABLE
        return _UNSTAGED
    return out if ok else _UNSTAGED


@functools.cache
def _signature(public: Callable) -> inspect.Signature:
    """``inspect.signature(public)``, computed once per public function."""
    return inspect.signature(public)


@functools.cache
def _defaults(public: Callable) -> dict | None:
    """The options of ``public`` (keyword-only, after its two arrays) and their
    defaults, or ``None`` where binding needs the general rule."""
    params = list(_signature(public).parameters.values())
    if len(params) < 2 or any(p.kind is not p.KEYWORD_ONLY or p.default is p.empty for p in params[2:]):
        return None
    return {p.name: p.default for p in params[2:]}


def _bind(public: Callable, y_true: Any, y_pred: Any, options: dict) -> dict:
    """``options`` with the public function's defaults filled in."""
    defaults = _defaults(public)
    if defaults is not None and defaults.keys() >= options.keys():  # the common call: no binding
        return {**defaults, **options}
    try:
        bound = _signature(public).bind(y_true, y_pred, **options)
    except TypeError as e:
        _checks.fail(f"{public.__name__}(): {e}")
    bound.apply_defaults()
    opts = dict(bound.arguments)
    for name in list(opts)[:2]:  # the two positional arrays
        del opts[name]
    return opts
