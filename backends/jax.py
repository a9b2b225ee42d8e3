r"""optax-compatible losses for JAX: a one-line swap for ``optax.losses``.

>>> from backends.jax import softmax_cross_entropy_with_integer_labels  # was: from optax import ...

Every function here has optax's name, argument order, defaults and return
convention (per-example losses, no reduction) and equals optax 0.2.8 on every
option they share, values and gradients. Each only translates conventions --
``(logits, labels)`` to our ``(y_true, y_pred)``, optax's ``axis`` forms and
``where`` broadcasting, dtype promotion -- and calls the public functions of
:mod:`losses` with ``reduction="none"``. All are pure and safe under
``jax.jit``, ``jax.grad``, ``jax.vmap``, ``jax.checkpoint``, ``jax.jvp`` and
``jax.hessian``.

Deliberate differences from optax (each asserted by ``tests/test_jax_adapter.py``):

* An integer label outside ``[0, C)`` raises ``ValueError`` in eager mode and
  makes that example's loss NaN under tracing (``jit``, ``vmap``,
  ``checkpoint``). optax never checks: a label ``>= C`` gives NaN and a
  negative label ``-C <= y < 0`` silently indexes from the end.
* A label on a class that ``where`` excludes is treated the same way (optax
  returns the finite number ``logsumexp(included logits) - logit[label]``).
* float16/bfloat16 inputs are computed in float32 and returned in the input
  dtype (optax computes in the half type): closer to the float64 value.
* ``smooth_labels``: ``alpha`` must be a concrete scalar in ``[0, 1]`` (optax
  takes any array, traced ones included, and any value); a row that ``where``
  excludes entirely is returned unchanged (optax divides by 0 and gives
  ``inf``); and the number of included classes is counted on ``where``
  broadcast to ``labels``' shape (optax counts the un-broadcast mask).
* Errors name optax's arguments and say what was expected; optax raises
  ``TypeError`` for wrong dtypes, and so do we.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import losses

__all__ = [
    "sigmoid_binary_cross_entropy",
    "smooth_labels",
    "softmax_cross_entropy",
    "softmax_cross_entropy_with_integer_labels",
]

Axis = int | tuple[int, ...] | None


# --- convention translation -------------------------------------------------

_NAMES = ((re.compile(r"\by_true\b"), "labels"), (re.compile(r"\by_pred\b"), "logits"))


@contextlib.contextmanager
def _optax_names() -> Iterator[None]:
    """Re-raise errors of :mod:`losses` with optax's argument names."""
    try:
        yield
    except ValueError as err:
        msg = str(err)
        for pat, name in _NAMES:
            msg = pat.sub(name, msg)
        raise ValueError(msg) from None


def _fail(msg: str) -> None:
    raise ValueError(f"lossbridge: {msg}")


def _array(x: Any, name: str, kind: Any, what: str) -> jax.Array:
    """``x`` as a JAX array of dtype kind ``kind`` (``TypeError`` otherwise, as optax)."""
    try:
        a = jnp.asarray(x)
    except TypeError:
        raise TypeError(f"lossbridge: `{name}` must be an array of {what}; got {type(x).__name__}") from None
    if not jnp.issubdtype(a.dtype, kind):
        raise TypeError(f"lossbridge: `{name}` must hold {what}; got dtype {a.dtype}")
    return a


def _canon_axes(axis: Any, ndim: int, *, allow_none: bool) -> int | tuple[int, ...]:
    """optax's ``axis``: an int (returned as given, the spec checks it), or a
    tuple of distinct ints (returned in range ``[0, ndim)``, order kept), or
    ``None`` for every axis when ``allow_none``."""
    if axis is None and allow_none:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        return int(axis)
    if isinstance(axis, tuple) and all(
        isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis
    ):
        out = []
        for a in axis:
            if not -ndim <= a < ndim:
                _fail(f"`axis`={axis!r} is out of range for `logits` with {ndim} dimension(s); "
                      f"expected integers in [{-ndim}, {ndim - 1}]")
            out.append(int(a) % ndim)
        if len(set(out)) != len(out):
            _fail(f"`axis`={axis!r} repeats an axis")
        return tuple(out)
    allowed = "an int, a tuple of ints or None" if allow_none else "an int or a tuple of ints"
    _fail(f"`axis` must be {allowed}; got {axis!r}")


def _to_last(x: jax.Array, axes: tuple[int, ...]) -> jax.Array:
    """Move ``axes`` (in the given order) to the end and flatten them into one."""
    k = len(axes)
    x = jnp.moveaxis(x, axes, tuple(range(x.ndim - k, x.ndim)))
    return x.reshape(x.shape[:x.ndim - k] + (math.prod(x.shape[x.ndim - k:]),))


def _joint_shape(**shapes: tuple | None) -> tuple:
    """The broadcast of the named shapes (``None``: absent), or a ``ValueError`` naming them."""
    given = {k: tuple(v) for k, v in shapes.items() if v is not None}
    try:
        return tuple(np.broadcast_shapes(*given.values()))
    except ValueError:
        _fail(" and ".join(f"`{k}` of shape {v}" for k, v in given.items())
              + " do not broadcast together")


def _expand_where(where: Any, logits: jax.Array, axis: Any) -> jax.Array | None:
    """optax's ``where``: a mask of ``logits``' rank, or of the per-example
    shape, which is then expanded at ``axis``."""
    if where is None:
        return None
    w = jnp.asarray(where)
    if w.ndim == logits.ndim:
        return w
    if axis is None:
        _fail(f"`where` must have the rank of `logits` ({logits.ndim}) when axis=None; "
              f"got shape {tuple(w.shape)}")
    try:
        return jnp.expand_dims(w, axis)
    except (ValueError, TypeError):
        _fail(f"`where` of shape {tuple(w.shape)} is neither of `logits`' rank ({logits.ndim}) "
              f"nor of its per-example shape (without axis={axis!r})")


# --- losses -----------------------------------------------------------------


def softmax_cross_entropy(
    logits: Any,
    labels: Any,
    axis: Axis = -1,
    where: Any = None,
) -> jax.Array:
    r"""Softmax cross-entropy between logits and target distributions.

    .. math:: \sigma_i = -\sum_j y_{ij} \log \mathrm{softmax}(x_i)_j

    Args:
      logits: unnormalised log-probabilities, e.g. ``[batch, classes]``.
      labels: target distributions (one-hot, soft or smoothed), broadcast
        against ``logits``.
      axis: the class axis; a tuple of axes is one joint distribution over
        them; ``None`` is every axis.
      where: elements to include, of ``logits``' shape or of the per-example
        shape (one flag per example). Excluded elements leave the softmax and
        the sum; an example with none included has loss 0.

    Returns:
      The per-example loss: ``logits``' shape without ``axis``.

    Native equivalent: ``optax.softmax_cross_entropy`` (identical on every
    option). Calls :func:`losses.categorical_crossentropy` with
    ``from_logits=True, reduction="none"``.

    >>> import jax.numpy as jnp
    >>> logits = jnp.array([[1.2, -0.8, -0.5], [0.9, -1.2, 1.1]])
    >>> labels = jnp.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    >>> softmax_cross_entropy(logits, labels).round(4).tolist()
    [0.2761, 2.9518]
    """
    logits = _array(logits, "logits", jnp.floating, "floating-point logits")
    labels = jnp.asarray(labels)
    dtype = jnp.result_type(logits, labels)  # optax: labels * log_softmax(logits)
    if dtype != logits.dtype and jnp.issubdtype(dtype, jnp.floating):
        logits = logits.astype(dtype)
    where = _expand_where(where, logits, axis)
    shape = _joint_shape(logits=logits.shape, labels=labels.shape,
                         where=None if where is None else where.shape)
    logits, labels = jnp.broadcast_to(logits, shape), jnp.broadcast_to(labels, shape)
    if where is not None:
        where = jnp.broadcast_to(where, shape)
    ax = _canon_axes(axis, len(shape), allow_none=True)
    if isinstance(ax, tuple):
        logits, labels = _to_last(logits, ax), _to_last(labels, ax)
        where = None if where is None else _to_last(where, ax)
        ax = -1
    with _optax_names():
        return losses.categorical_crossentropy(labels, logits, from_logits=True, axis=ax,
                                               where=where, reduction="none")


def softmax_cross_entropy_with_integer_labels(
    logits: Any,
    labels: Any,
    axis: int | tuple[int, ...] = -1,
    where: Any = None,
) -> jax.Array:
    r"""Softmax cross-entropy between logits and integer class labels.

    .. math:: \sigma_i = \log \sum_j e^{x_{ij}} - x_{i y_i}

    Args:
      logits: unnormalised log-probabilities, e.g. ``[batch, classes]``.
      labels: integer class labels of ``logits``' per-example shape
        (broadcast against it). With a tuple ``axis`` a label is a flat
        (C-order) index into the slice ``logits[axis]``.
      axis: the class axis, or a tuple of axes (not ``None``, as in optax).
      where: elements to include, of ``logits``' shape or of the per-example
        shape. Excluded classes leave the softmax; an example with none
        included has loss 0 and its label is not checked.

    Returns:
      The per-example loss: ``logits``' shape without ``axis``.

    A label outside ``[0, C)``, or on a class that ``where`` excludes, raises
    ``ValueError`` in eager mode and gives NaN for that example under
    ``jit``/``vmap``/``checkpoint``; optax silently returns a number for a
    negative or excluded label (NaN for a label ``>= C``). Otherwise equal to
    ``optax.softmax_cross_entropy_with_integer_labels``. Calls
    :func:`losses.sparse_categorical_crossentropy` with ``from_logits=True,
    reduction="none"``.

    >>> import jax.numpy as jnp
    >>> logits = jnp.array([[1.2, -0.8, -0.5], [0.9, -1.2, 1.1]])
    >>> softmax_cross_entropy_with_integer_labels(logits, jnp.array([0, 1])).round(4).tolist()
    [0.2761, 2.9518]
    """
    logits = _array(logits, "logits", jnp.floating, "floating-point logits")
    labels = _array(labels, "labels", jnp.integer, "integer class labels")
    if axis is None:
        _fail("`axis` must be an int or a tuple of ints (optax takes no None here); got None")
    ax = _canon_axes(axis, logits.ndim, allow_none=False)
    if not isinstance(ax, tuple) and not -logits.ndim <= ax < logits.ndim:
        _fail(f"`axis`={ax} is out of range for `logits` with {logits.ndim} dimension(s); "
              f"expected an integer in [{-logits.ndim}, {logits.ndim - 1}]")
    where = _expand_where(where, logits, axis)
    if isinstance(ax, tuple):  # one flat class axis, last, in the order given
        if where is not None:
            where = _to_last(jnp.broadcast_to(where, _joint_shape(
                logits=logits.shape, where=where.shape)), ax)
        logits = _to_last(logits, ax)
        ax = logits.ndim - 1
    ax %= logits.ndim
    per = logits.shape[:ax] + logits.shape[ax + 1:]
    if labels.ndim != len(per):
        _fail(f"`labels` must have the per-example shape of `logits` (without axis={axis!r}): "
              f"{per}; got shape {tuple(labels.shape)}")
    try:
        np.broadcast_shapes(per, labels.shape)
    except ValueError:
        _fail(f"`labels` of shape {tuple(labels.shape)} does not broadcast against the "
              f"per-example shape {per} of `logits` (without axis={axis!r})")
    shape = _joint_shape(logits=logits.shape, labels=labels.shape[:ax] + (1,) + labels.shape[ax:],
                         where=None if where is None else where.shape)
    logits = jnp.broadcast_to(logits, shape)
    labels = jnp.broadcast_to(labels, shape[:ax] + shape[ax + 1:])
    with _optax_names():
        return losses.sparse_categorical_crossentropy(labels, logits, from_logits=True, axis=ax,
                                                      where=where, reduction="none")


def sigmoid_binary_cross_entropy(logits: Any, labels: Any) -> jax.Array:
    r"""Element-wise sigmoid cross-entropy (binary or multi-label).

    .. math:: \ell = -y \log \sigma(x) - (1 - y) \log(1 - \sigma(x))

    Args:
      logits: logits of each binary prediction.
      labels: targets in ``[0, 1]`` (binary or soft; bool and integer labels
        are cast to ``logits``' dtype), broadcast against ``logits``.

    Returns:
      The element-wise loss, of the broadcast shape.

    Native equivalent: ``optax.sigmoid_binary_cross_entropy`` (identical).
    Calls :func:`losses.binary_crossentropy` with ``from_logits=True,
    reduction="none"``.

    >>> import jax.numpy as jnp
    >>> sigmoid_binary_cross_entropy(jnp.array([0.0, 2.0]), jnp.array([1.0, 0.0])).round(4).tolist()
    [0.6931, 2.1269]
    """
    logits = _array(logits, "logits", jnp.floating, "floating-point logits")
    labels = jnp.asarray(labels).astype(logits.dtype)  # optax casts labels to logits' dtype
    shape = _joint_shape(logits=logits.shape, labels=labels.shape)
    logits, labels = jnp.broadcast_to(logits, shape), jnp.broadcast_to(labels, shape)
    with _optax_names():
        return losses.binary_crossentropy(labels, logits, from_logits=True, reduction="none")


def smooth_labels(
    labels: Any,
    alpha: float,
    *,
    axis: Axis = -1,
    where: Any = None,
) -> jax.Array:
    r"""Label smoothing: :math:`y' = (1 - \alpha)\, y + \alpha / C`.

    Args:
      labels: target distributions (floating point).
      alpha: the smoothing amount, a concrete number in ``[0, 1]``.
      axis: the class axis, a tuple of axes, or ``None`` for every axis;
        ``C`` is the number of elements along them.
      where: elements to include, broadcast against ``labels``: ``C`` becomes
        the number of included elements of each row. A row with none
        included is returned unchanged (optax gives ``inf``).

    Returns:
      The smoothed labels, ``labels``' shape and dtype.

    Native equivalent: ``optax.smooth_labels`` (identical for a scalar
    ``alpha`` in ``[0, 1]`` and a ``where`` of ``labels``' shape with an
    included element in every row). ``alpha`` cannot be a traced value: under
    ``jit`` pass it as a Python number or a static argument. Calls
    :func:`losses.smooth_labels`.

    >>> import jax.numpy as jnp
    >>> smooth_labels(jnp.array([[0.0, 1.0], [1.0, 0.0]]), 0.2).round(4).tolist()
    [[0.1, 0.9], [0.9, 0.1]]
    """
    labels = _array(labels, "labels", jnp.floating, "floating-point labels")
    if isinstance(alpha, jax.core.Tracer):
        raise TypeError("lossbridge: `alpha` must be a concrete number in [0, 1]; got a traced "
                        "value (under jit, pass alpha as a Python number or a static argument)")
    if np.ndim(alpha) != 0:
        _fail(f"`alpha` must be a scalar in [0, 1]; got an array of shape {np.shape(alpha)}")
    w = None if where is None else jnp.asarray(where)
    if w is not None and _joint_shape(labels=labels.shape, where=w.shape) != labels.shape:
        _fail(f"`where` of shape {tuple(w.shape)} does not broadcast to `labels` of shape "
              f"{tuple(labels.shape)}")
    ax = _canon_axes(axis, labels.ndim, allow_none=True)
    if not isinstance(ax, tuple):
        with _optax_names():
            return losses.smooth_labels(labels, alpha, axis=ax, where=w)
    if w is not None:
        w = _to_last(jnp.broadcast_to(w, labels.shape), ax)
    k = len(ax)
    moved = jnp.moveaxis(labels, ax, tuple(range(labels.ndim - k, labels.ndim)))
    with _optax_names():
        out = losses.smooth_labels(_to_last(labels, ax), alpha, axis=-1, where=w)
    return jnp.moveaxis(out.reshape(moved.shape), tuple(range(labels.ndim - k, labels.ndim)), ax)
