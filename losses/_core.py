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
  their own autodiff and the tests hold the two against each other;
* ``axis``  -- the class axis ``loss`` was reduced over, a tuple of
  non-negative axes (a loss over a table, e.g. a joint distribution), or
  ``None``.
"""

from __future__ import annotations

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


#: ``denom`` of a spec whose ``loss`` is already the reduced value
REDUCED = "reduced"


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


def public_of(loss: Any) -> Callable:
    return _PUBLIC[spec_of(loss).name]


def _prepare(spec: Spec, y_true: Any, y_pred: Any, sample_weight: Any, opts: dict) -> tuple:
    arrays = [opts.get(k) for k in spec.arrays]
    xp = table_for(y_true, y_pred, sample_weight, *arrays,
                   names=("y_true", "y_pred", "sample_weight", *spec.arrays))
    y_pred = xp.asarray(y_pred)
    _checks.float_pred(xp, y_pred)
    out_dtype = None
    if xp.is_half(y_pred):  # float16 / bfloat16: compute in float32
        out_dtype = xp.dtype_of(y_pred)
        y_pred = xp.cast(y_pred, xp.float32)
    for k, v in zip(spec.arrays, arrays):
        if v is not None:
            v = xp.asarray(v, like=y_pred)
            if xp.kind(v) == "f" or xp.kind(v) == "b" or xp.kind(v) == "i":
                v = xp.cast(v, xp.dtype_of(y_pred))
            opts[k] = v
    return xp, y_pred, out_dtype


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


def reduce(xp: Any, loss: Array, denom: Array | None, sw: Array | None, reduction: str) -> Array:
    """The one reduction.

    * ``"none"``: ``loss * sw``;
    * ``"sum"``: ``sum(loss * sw)``;
    * ``"mean"``: ``sum(loss * sw) / sum(denom * sw)`` -- a weighted mean whose
      denominator counts each element by its sample weight times its class
      weight (0 for ignored labels), as torch's ``reduction='mean'`` does with
      ``weight``/``ignore_index``; the plain mean when there are no weights;
    * ``"sum_over_batch_size"``: ``sum(loss * sw) / loss.size`` (Keras' default).
    """
    if sw is not None:
        loss = loss * sw
    if reduction == "mean":
        if denom is None and sw is None:
            return xp.mean(loss)
        if denom is None:
            denom = xp.zeros_like(loss) + sw
        elif sw is not None:
            denom = denom * sw
        return xp.sum(loss) / xp.sum(denom)
    if reduction == "sum":
        return xp.sum(loss)
    if reduction == "none":
        return loss
    return xp.mean(loss)  # sum_over_batch_size


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
        opts: dict, grad: bool = False) -> Any:
    """Evaluate ``spec`` and reduce; with ``grad``, also its closed-form gradient."""
    _checks.reduction(reduction)
    xp, y_pred, out_dtype = _prepare(spec, y_true, y_pred, sample_weight, opts)
    if spec.fuses_reduction:
        opts["_reduction"] = None if sample_weight is not None or grad else reduction
    loss, denom, g, axis = spec.fn(xp, y_true, y_pred, grad, **opts)
    if denom is REDUCED:
        value = loss
    else:
        sw = None if sample_weight is None else _weights(xp, sample_weight, loss, y_pred)
        value = reduce(xp, loss, denom, sw, reduction)
    if spec.saturate:
        value = xp.saturate(value, xp.max_finite(out_dtype if out_dtype is not None else xp.dtype_of(value)))
    if out_dtype is not None:
        value = xp.cast(value, out_dtype)
    if not grad:
        return value
    f = _grad_factor(xp, loss, denom, sw, reduction)
    axes = () if axis is None else axis if isinstance(axis, tuple) else (axis,)
    for a in sorted(axes):  # non-negative, ascending: each is a position in g's shape
        f = xp.expand_dims(f, a)
    # an element with zero gradient (an ignored label) stays zero when the scale
    # is not finite (a "mean" over no counted element), as autodiff gives it
    g = xp.where(g == 0, g, g * f)
    if out_dtype is not None:
        g = xp.cast(g, out_dtype)
    return value, g


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
    """
    spec = spec_of(loss)
    arrays = [options.get(k) for k in spec.arrays]
    xp = table_for(y_true, y_pred, options.get("sample_weight"), *arrays,
                   names=("y_true", "y_pred", "sample_weight", *spec.arrays))
    if xp.value_and_grad is None:
        opts = _bind(_PUBLIC[spec.name], y_true, y_pred, options)
        reduction = opts.pop("reduction")
        sample_weight = opts.pop("sample_weight")
        return run(spec, y_true, y_pred, reduction, sample_weight, opts, grad=True)
    public = _PUBLIC[spec.name]
    return xp.value_and_grad(lambda p: public(y_true, p, **options), xp.asarray(y_pred))


def _bind(public: Callable, y_true: Any, y_pred: Any, options: dict) -> dict:
    """``options`` with the public function's defaults filled in."""
    import inspect

    try:
        bound = inspect.signature(public).bind(y_true, y_pred, **options)
    except TypeError as e:
        _checks.fail(f"{public.__name__}(): {e}")
    bound.apply_defaults()
    opts = dict(bound.arguments)
    for name in list(opts)[:2]:  # the two positional arrays
        del opts[name]
    return opts
