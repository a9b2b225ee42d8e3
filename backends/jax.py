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
* float16/bfloat16 inputs are computed in float32 and returned in the input
  dtype (optax computes in the half type): closer to the float64 value.
* ``smooth_labels``: ``alpha`` (a number, an array or a traced value, as in
  optax) must lie in ``[0, 1]``: an error when concrete, NaN when traced
  (optax computes with any value); a row that ``where``
  excludes entirely is returned unchanged (optax divides by 0 and gives
  ``inf``); and the number of included classes is counted on ``where``
  broadcast to ``labels``' shape (optax counts the un-broadcast mask).
* Errors name optax's arguments and say what was expected; optax raises
  ``TypeError`` for wrong dtypes, and so do we.

And in the rest of the catalogue (asserted by ``tests/test_jax_catalog.py``):

* Numeric options (``sigmoid_focal_loss``'s ``alpha``/``gamma``,
  ``poly_loss_cross_entropy``'s ``epsilon``, ``huber_loss``'s ``delta``) take
  numbers, arrays and traced values, as optax does, and must be in range:
  ``ValueError`` when concrete, NaN for the affected elements when traced
  (optax computes with any value).
* ``kl_divergence(_with_log_targets)``: a zero-probability target with a
  ``-inf`` log-prediction contributes 0 (optax: NaN).
* ``poly_loss_cross_entropy`` with ``where``: the gradient w.r.t. ``labels``
  is 0 at excluded elements (optax: NaN).
* ``log_cosh`` keeps full precision at small errors, where optax's cancels.
* ``safe_softmax_cross_entropy`` of a positive label on a ``-inf`` logit is a
  huge finite number (optax: ``inf``).

``CATALOG`` maps each public function to the registry specs it calls and the
optax function it replaces (``docs/losses.md`` is generated from it).
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import losses

Axis = int | tuple[int, ...] | None


# --- convention translation -------------------------------------------------

_TRUE, _PRED = re.compile(r"\by_true\b"), re.compile(r"\by_pred\b")


@contextlib.contextmanager
def _optax_names(true: str = "labels", pred: str = "logits") -> Iterator[None]:
    """Re-raise errors of :mod:`losses` with optax's argument names."""
    try:
        yield
    except ValueError as err:
        raise ValueError(_PRED.sub(pred, _TRUE.sub(true, str(err)))) from None


def _optax(true: str = "labels", pred: str = "logits") -> Callable[[Callable], Callable]:
    """Decorator: the function's errors from :mod:`losses` in optax's argument names."""
    def wrap(f: Callable) -> Callable:
        @functools.wraps(f)
        def call(*args: Any, **kwargs: Any) -> Any:
            with _optax_names(true, pred):
                return f(*args, **kwargs)
        return call
    return wrap


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


def _logits(x: Any) -> jax.Array:
    return _array(x, "logits", jnp.floating, "floating-point logits")


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


def _broadcast(**arrays: jax.Array | None) -> list:
    """The named arrays (``None``: absent, stays ``None``) broadcast together."""
    shape = _joint_shape(**{k: None if a is None else a.shape for k, a in arrays.items()})
    return [None if a is None else jnp.broadcast_to(a, shape) for a in arrays.values()]


def _binary(logits: Any, labels: Any) -> list:
    """optax's binary inputs as the spec's ``[labels, logits]``: floating
    logits, labels cast to their dtype (as optax), broadcast together."""
    logits = _logits(logits)
    logits, labels = _broadcast(logits=logits, labels=jnp.asarray(labels).astype(logits.dtype))
    return [labels, logits]


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


def _integer_label_inputs(logits: Any, labels: Any, axis: Any, where: Any) -> tuple:
    """optax's integer-label inputs as the spec's: ``(labels, logits, where,
    axis)`` broadcast together, a tuple ``axis`` made one flat class axis (last,
    in the order given; a label is a C-order index into it)."""
    logits = _logits(logits)
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
    return labels, logits, where, ax


# --- losses -----------------------------------------------------------------


@_optax()
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
    labels = jnp.asarray(labels)
    logits = _promote(_logits(logits), labels)  # optax: labels * log_softmax(logits)
    logits, labels, where, ax = _dist_inputs(logits, labels, axis, _expand_where(where, logits, axis),
                                             ("logits", "labels"))
    return losses.categorical_crossentropy(labels, logits, from_logits=True, axis=ax, where=where,
                                           reduction="none")


@_optax()
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

    A label on a class that ``where`` excludes scores its own logit against
    the included ones, ``logsumexp(included) - logit[label]``, as in optax. A
    label outside ``[0, C)`` raises ``ValueError`` in eager mode and gives NaN
    for that example under ``jit``/``vmap``/``checkpoint``; optax silently
    returns a number for a negative label (NaN for a label ``>= C``).
    Otherwise equal to ``optax.softmax_cross_entropy_with_integer_labels``.
    Calls :func:`losses.sparse_categorical_crossentropy` with
    ``from_logits=True, reduction="none", where_label="logit"``.

    >>> import jax.numpy as jnp
    >>> logits = jnp.array([[1.2, -0.8, -0.5], [0.9, -1.2, 1.1]])
    >>> softmax_cross_entropy_with_integer_labels(logits, jnp.array([0, 1])).round(4).tolist()
    [0.2761, 2.9518]
    """
    labels, logits, where, ax = _integer_label_inputs(logits, labels, axis, where)
    return losses.sparse_categorical_crossentropy(labels, logits, from_logits=True, axis=ax,
                                                  where=where, where_label="logit", reduction="none")


@_optax()
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
    return losses.binary_crossentropy(*_binary(logits, labels), from_logits=True, reduction="none")


@_optax()
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
      alpha: the smoothing amount in ``[0, 1]``: a number, or an array (maybe traced).
      axis: the class axis, a tuple of axes, or ``None`` for every axis;
        ``C`` is the number of elements along them.
      where: elements to include, broadcast against ``labels``: ``C`` becomes
        the number of included elements of each row. A row with none
        included is returned unchanged (optax gives ``inf``).

    Returns:
      The smoothed labels, ``labels``' shape and dtype.

    Native equivalent: ``optax.smooth_labels`` (identical for a scalar
    ``alpha`` in ``[0, 1]`` and a ``where`` of ``labels``' shape with an
    included element in every row). ``alpha`` may be an array (broadcast
    against ``labels``) or a traced value; out of ``[0, 1]`` it is an error when
    concrete and NaN when traced. Calls
    :func:`losses.smooth_labels`.

    >>> import jax.numpy as jnp
    >>> smooth_labels(jnp.array([[0.0, 1.0], [1.0, 0.0]]), 0.2).round(4).tolist()
    [[0.1, 0.9], [0.9, 0.1]]
    """
    labels = _array(labels, "labels", jnp.floating, "floating-point labels")
    w = None if where is None else jnp.asarray(where)
    if w is not None and _joint_shape(labels=labels.shape, where=w.shape) != labels.shape:
        _fail(f"`where` of shape {tuple(w.shape)} does not broadcast to `labels` of shape "
              f"{tuple(labels.shape)}")
    ax = _canon_axes(axis, labels.ndim, allow_none=True)
    if not isinstance(ax, tuple):
        return losses.smooth_labels(labels, alpha, axis=ax, where=w)
    if w is not None:
        w = _to_last(jnp.broadcast_to(w, labels.shape), ax)
    k = len(ax)
    moved = jnp.moveaxis(labels, ax, tuple(range(labels.ndim - k, labels.ndim)))
    out = losses.smooth_labels(_to_last(labels, ax), alpha, axis=-1, where=w)
    return jnp.moveaxis(out.reshape(moved.shape), tuple(range(labels.ndim - k, labels.ndim)), ax)


# --- the rest of optax's catalogue --------------------------------------------


def _scalar(name: str, value: Any, what: str) -> Any:
    """A real option: a number, or an array or traced value (as optax takes),
    which the spec checks when concrete and makes NaN where out of range when traced."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return value
    if isinstance(value, (str, bytes)) or value is None:
        _fail(f"`{name}` must be a real number ({what}); got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        _fail(f"`{name}` must be a real number ({what}); got {value!r}")


def _promote(pred: jax.Array, other: jax.Array) -> jax.Array:
    """``pred`` in the dtype optax's arithmetic gives ``pred`` and ``other``
    (our specs compute in ``y_pred``'s dtype)."""
    dtype = jnp.result_type(pred, other)
    if dtype != pred.dtype and jnp.issubdtype(dtype, jnp.floating):
        return pred.astype(dtype)
    return pred


def _dist_inputs(pred: jax.Array, true: jax.Array, axis: Any, where: Any,
                 names: tuple[str, str]) -> tuple:
    """``pred``, ``true`` and ``where`` broadcast together (as optax's
    arithmetic and ``jnp.sum(..., where=)`` do), with ``axis`` made one class
    axis: a tuple of axes, or ``None`` (every axis), is moved last and flattened."""
    w = None if where is None else jnp.asarray(where)
    pred, true, w = _broadcast(**{names[0]: pred, names[1]: true, "where": w})
    ax = _canon_axes(axis, pred.ndim, allow_none=True)
    if isinstance(ax, tuple):
        pred, true, w = (None if a is None else _to_last(a, ax) for a in (pred, true, w))
        ax = -1
    return pred, true, w, ax


@_optax()
def sigmoid_focal_loss(
    logits: Any,
    labels: Any,
    *,
    alpha: float | None = None,
    gamma: float = 2.0,
) -> jax.Array:
    r"""Sigmoid focal loss (Lin et al., 2017), element-wise.

    .. math:: \ell = \alpha_t\,(1 - p_t)^\gamma\,
              \mathrm{BCE}(\sigma(x), y),\qquad
              1 - p_t = y\,(1 - p) + (1 - y)\,p,\qquad
              \alpha_t = \alpha y + (1 - \alpha)(1 - y) \text{ (1 when } \alpha \text{ is None)}

    Args:
      logits: logits of each binary prediction.
      labels: targets in ``[0, 1]`` (binary or soft; cast to ``logits``'
        dtype), broadcast against ``logits``.
      alpha: weight of the positives, ``None`` (no weighting) or a
        number in ``[0, 1]``.
      gamma: the focusing exponent ``>= 0`` (a number or an array, maybe traced).

    Returns:
      The element-wise loss, of the broadcast shape.

    Native equivalent: ``optax.sigmoid_focal_loss`` (equal for ``alpha``
    ``None`` or in ``[0, 1]`` and ``gamma >= 0``). Both take arrays and
    traced values; optax applies values out of range as given, here they are
    a ``ValueError`` when concrete and NaN when traced. Calls
    :func:`losses.sigmoid_focal_loss` with ``reduction="none"``.

    >>> import jax.numpy as jnp
    >>> [round(float(v), 4) for v in sigmoid_focal_loss(jnp.array([0.0, 2.0]), jnp.array([1.0, 0.0]))]
    [0.1733, 1.6501]
    """
    a = None if alpha is None else _scalar("alpha", alpha, "the weight of the positives in [0, 1], or None")
    if isinstance(a, float) and not 0.0 <= a <= 1.0:
        _fail(f"`alpha` must be None or in [0, 1]; got {alpha!r}")
    g = _scalar("gamma", gamma, "the focusing exponent, >= 0")
    return losses.sigmoid_focal_loss(*_binary(logits, labels), alpha=a, gamma=g, reduction="none")


@_optax()
def poly_loss_cross_entropy(
    logits: Any,
    labels: Any,
    *,
    epsilon: float = 2.0,
    axis: Axis = -1,
    where: Any = None,
) -> jax.Array:
    r"""Poly-1 loss (Leng et al., 2022): softmax cross-entropy plus
    ``epsilon`` times the first polynomial term.

    .. math:: \ell = -\sum_j y_j \log p_j + \epsilon \sum_j y_j (1 - p_j),
              \qquad p = \mathrm{softmax}(x)

    Args:
      logits: unnormalised log-probabilities, e.g. ``[batch, classes]``.
      labels: target distributions (floating point), broadcast against
        ``logits``.
      epsilon: the coefficient of the first polynomial term, a number or
        an array (maybe traced) (2 for ImageNet classification, -1 for detection, per the
        paper).
      axis: the class axis; a tuple of axes is one joint distribution over
        them; ``None`` is every axis.
      where: elements to include, broadcast against ``logits``: excluded
        elements leave the softmax and both sums (a row with none included
        has loss 0).

    Returns:
      The per-example loss: ``logits``' shape without ``axis``.

    Native equivalent: ``optax.poly_loss_cross_entropy`` (equal on every
    option; optax also takes an array or traced ``epsilon``). Calls
    :func:`losses.poly1_crossentropy` with ``from_logits=True,
    reduction="none"``.

    >>> import jax.numpy as jnp
    >>> poly_loss_cross_entropy(jnp.array([[0.0, 0.0]]), jnp.array([[0.0, 1.0]])).round(4).tolist()
    [1.6931]
    """
    labels = _array(labels, "labels", jnp.floating, "floating-point target distributions")
    eps = _scalar("epsilon", epsilon, "the coefficient of the first polynomial term")
    logits, labels, where, ax = _dist_inputs(_promote(_logits(logits), labels), labels, axis, where,
                                             ("logits", "labels"))
    return losses.poly1_crossentropy(labels, logits, poly_epsilon=eps, from_logits=True, axis=ax,
                                     where=where, reduction="none")


def safe_softmax_cross_entropy(logits: Any, labels: Any) -> jax.Array:
    r"""Softmax cross-entropy over the last axis with ``0 log 0 = 0``.

    .. math:: \sigma_i = -\sum_j y_{ij} \log \mathrm{softmax}(x_i)_j,
              \quad \text{a term with } y_{ij} = 0 \text{ counting } 0
              \text{ even where } x_{ij} = -\infty

    Args:
      logits: unnormalised log-probabilities ``[..., classes]``; ``-inf``
        marks an impossible class.
      labels: target distributions, broadcast against ``logits``.

    Returns:
      The per-example loss: ``logits``' shape without the last axis.

    Native equivalent: ``optax.safe_softmax_cross_entropy`` (equal, values
    and gradients). A positive label on a ``-inf`` logit (an infinite loss)
    gives a huge finite number here (each infinite term saturates at the
    dtype's largest finite value), ``inf`` in optax. The same
    spec as :func:`softmax_cross_entropy` (which is just as safe; optax's
    ``softmax_cross_entropy`` gives NaN there): calls
    :func:`losses.categorical_crossentropy` with ``from_logits=True,
    reduction="none"``.

    >>> import jax.numpy as jnp
    >>> safe_softmax_cross_entropy(jnp.array([[0.0, 0.0, -jnp.inf]]),
    ...                            jnp.array([[1.0, 0.0, 0.0]])).round(4).tolist()
    [0.6931]
    """
    return softmax_cross_entropy(_logits(logits), labels, axis=-1)


def _kl(log_predictions: Any, targets: Any, axis: Any, where: Any, log_target: bool) -> jax.Array:
    tname = "log_targets" if log_target else "targets"
    lp = _array(log_predictions, "log_predictions", jnp.floating, "floating-point log-probabilities")
    t = _array(targets, tname, jnp.floating,
               "floating-point log-probabilities" if log_target else "floating-point probabilities")
    lp = _promote(lp, t)
    lp, t, w, ax = _dist_inputs(lp, t, axis, where, ("log_predictions", tname))
    with _optax_names(tname, "log_predictions"):
        return losses.kl_divergence(t, lp, log_input=True, log_target=log_target, axis=ax, where=w,
                                    reduction="none")


def kl_divergence(
    log_predictions: Any,
    targets: Any,
    axis: Axis = -1,
    where: Any = None,
) -> jax.Array:
    r"""Kullback-Leibler divergence ``KL(targets || predictions)``.

    .. math:: \ell = \sum_j t_j (\log t_j - \log q_j), \qquad 0 \log 0 = 0

    Args:
      log_predictions: log-probabilities ``log q`` of the predicted
        distribution.
      targets: probabilities ``t`` of the target distribution, broadcast
        against ``log_predictions``.
      axis: the axis summed over; a tuple of axes, or ``None`` for every axis.
      where: elements to include in the sum, broadcast against the inputs.

    Returns:
      The divergence: the inputs' shape without ``axis``.

    Native equivalent: ``optax.kl_divergence`` (equal on every option). A
    zero target with a ``-inf`` log-prediction contributes 0 here, NaN in
    optax (``0 * inf``). Calls :func:`losses.kl_divergence` with
    ``log_input=True, reduction="none"``.

    >>> import jax.numpy as jnp
    >>> kl_divergence(jnp.log(jnp.array([[0.25, 0.75]])), jnp.array([[0.5, 0.5]])).round(6).tolist()
    [0.143841]
    """
    return _kl(log_predictions, targets, axis, where, log_target=False)


def kl_divergence_with_log_targets(
    log_predictions: Any,
    log_targets: Any,
    axis: Axis = -1,
    where: Any = None,
) -> jax.Array:
    r"""Kullback-Leibler divergence with the target in log space.

    .. math:: \ell = \sum_j e^{l_j} (l_j - \log q_j)

    Args:
      log_predictions: log-probabilities ``log q`` of the prediction.
      log_targets: log-probabilities ``l`` of the target, broadcast against
        ``log_predictions``.
      axis, where: as in :func:`kl_divergence`.

    Returns:
      The divergence: the inputs' shape without ``axis``.

    Native equivalent: ``optax.kl_divergence_with_log_targets`` (equal on
    every option). A log-target of ``-inf`` (probability 0) contributes 0
    here, NaN in optax (``0 * (-inf - x)``). Calls
    :func:`losses.kl_divergence` with ``log_input=True, log_target=True,
    reduction="none"``.

    >>> import jax.numpy as jnp
    >>> kl_divergence_with_log_targets(jnp.log(jnp.array([[0.25, 0.75]])),
    ...                                jnp.log(jnp.array([[0.5, 0.5]]))).round(6).tolist()
    [0.143841]
    """
    return _kl(log_predictions, log_targets, axis, where, log_target=True)


def _regression(predictions: Any, targets: Any, same_shape: bool) -> tuple:
    """optax's regression inputs as the spec's ``(y_true, y_pred)``: floating
    ``predictions``; ``targets`` ``None`` (zeros), of the same shape
    (``same_shape``) or broadcast."""
    predictions = _array(predictions, "predictions", jnp.floating, "floating-point predictions")
    if targets is None:
        return jnp.zeros_like(predictions), predictions
    targets = jnp.asarray(targets)
    if same_shape and predictions.shape != targets.shape:
        _fail(f"`predictions` and `targets` must have the same shape (optax does not broadcast "
              f"them here); got {tuple(predictions.shape)} and {tuple(targets.shape)}")
    predictions, targets = _broadcast(predictions=_promote(predictions, targets), targets=targets)
    return targets, predictions


@_optax("targets", "predictions")
def squared_error(predictions: Any, targets: Any | None = None) -> jax.Array:
    r"""Element-wise squared error :math:`(\hat y - y)^2`.

    Args:
      predictions: floating-point predictions of any shape.
      targets: targets of the same shape, or ``None`` for zeros.

    Returns:
      The element-wise loss, ``predictions``' shape.

    Native equivalent: ``optax.squared_error`` (identical; a shape mismatch
    is a ``ValueError`` in both). Calls :func:`losses.mean_squared_error`
    with ``reduction="none"``.

    >>> import jax.numpy as jnp
    >>> squared_error(jnp.array([1.0, 3.0]), jnp.array([0.0, 1.0])).tolist()
    [1.0, 4.0]
    """
    return losses.mean_squared_error(*_regression(predictions, targets, same_shape=True), reduction="none")


@_optax("targets", "predictions")
def l2_loss(predictions: Any, targets: Any | None = None) -> jax.Array:
    r"""Element-wise half squared error :math:`\tfrac12 (\hat y - y)^2`.

    Args:
      predictions: floating-point predictions of any shape.
      targets: targets of the same shape, or ``None`` for zeros.

    Returns:
      The element-wise loss, ``predictions``' shape.

    Native equivalent: ``optax.l2_loss`` (identical). Calls
    :func:`losses.half_squared_error` with ``reduction="none"``.

    >>> import jax.numpy as jnp
    >>> l2_loss(jnp.array([1.0, 3.0]), jnp.array([0.0, 1.0])).tolist()
    [0.5, 2.0]
    """
    return losses.half_squared_error(*_regression(predictions, targets, same_shape=True), reduction="none")


@_optax("targets", "predictions")
def huber_loss(predictions: Any, targets: Any | None = None, *, delta: float = 1.0) -> jax.Array:
    r"""Element-wise Huber loss.

    .. math:: \ell = \begin{cases} \tfrac12 x^2 & |x| \le \delta \\
              \delta |x| - \tfrac12 \delta^2 & |x| > \delta \end{cases},
              \qquad x = \hat y - y

    Args:
      predictions: floating-point predictions.
      targets: targets broadcast against ``predictions``, or ``None`` for
        zeros.
      delta: the threshold, a finite number ``> 0`` or an array of them (maybe traced).

    Returns:
      The element-wise loss, of the broadcast shape.

    Native equivalent: ``optax.huber_loss`` (equal for ``delta > 0``; optax
    also takes an array or traced ``delta``, and any value). Calls
    :func:`losses.huber` with ``reduction="none"``.

    >>> import jax.numpy as jnp
    >>> huber_loss(jnp.array([0.5, 3.0])).tolist()
    [0.125, 2.5]
    """
    d = _scalar("delta", delta, "the threshold, > 0")
    return losses.huber(*_regression(predictions, targets, same_shape=False), delta=d, reduction="none")


@_optax("targets", "predictions")
def log_cosh(predictions: Any, targets: Any | None = None) -> jax.Array:
    r"""Element-wise :math:`\log\cosh(\hat y - y)`.

    Args:
      predictions: floating-point predictions.
      targets: targets broadcast against ``predictions``, or ``None`` for
        zeros.

    Returns:
      The element-wise loss, of the broadcast shape.

    Native equivalent: ``optax.log_cosh``. More accurate at small errors:
    optax's ``logaddexp(x, -x) - log 2`` cancels to the absolute precision of
    ``log 2`` (in float32 no correct digit below ``|x|`` of about 1e-4); ours
    keeps full relative precision there, and equals optax elsewhere. Calls
    :func:`losses.log_cosh` with ``reduction="none"``.

    >>> import jax.numpy as jnp
    >>> [round(float(v), 6) for v in log_cosh(jnp.array([0.0, 1.0]))]
    [0.0, 0.433781]
    """
    return losses.log_cosh(*_regression(predictions, targets, same_shape=False), reduction="none")


#: every public function: (the registry specs it calls, the optax function it equals)
CATALOG: dict[str, tuple[tuple[str, ...], str | None]] = {
    "huber_loss": (("huber",), "optax.losses.huber_loss"),
    "kl_divergence": (("kl_divergence",), "optax.losses.kl_divergence"),
    "kl_divergence_with_log_targets": (("kl_divergence",), "optax.losses.kl_divergence_with_log_targets"),
    "l2_loss": (("half_squared_error",), "optax.losses.l2_loss"),
    "log_cosh": (("log_cosh",), "optax.losses.log_cosh"),
    "poly_loss_cross_entropy": (("poly1_crossentropy",), "optax.losses.poly_loss_cross_entropy"),
    "safe_softmax_cross_entropy": (("categorical_crossentropy",),
                                   "optax.losses.safe_softmax_cross_entropy"),
    "sigmoid_binary_cross_entropy": (("binary_crossentropy",), "optax.losses.sigmoid_binary_cross_entropy"),
    "sigmoid_focal_loss": (("sigmoid_focal_loss",), "optax.losses.sigmoid_focal_loss"),
    "smooth_labels": ((), "optax.losses.smooth_labels"),
    "softmax_cross_entropy": (("categorical_crossentropy",), "optax.losses.softmax_cross_entropy"),
    "softmax_cross_entropy_with_integer_labels": (("sparse_categorical_crossentropy",),
                                                  "optax.losses.softmax_cross_entropy_with_integer_labels"),
    "squared_error": (("mean_squared_error",), "optax.losses.squared_error"),
    "linear_softmax_cross_entropy_with_integer_labels": (("linear_cross_entropy",), None),
    # --- margin ---
    "hinge_loss": (("hinge",), "optax.losses.hinge_loss"),
    "perceptron_loss": (("hinge",), "optax.losses.perceptron_loss"),
    "multiclass_hinge_loss": (("multiclass_hinge",), "optax.losses.multiclass_hinge_loss"),
    "multiclass_perceptron_loss": (("multiclass_hinge",), "optax.losses.multiclass_perceptron_loss"),
    "squared_hinge_loss": (("squared_hinge",), None),
    "categorical_hinge_loss": (("categorical_hinge",), None),
    "soft_margin_loss": (("soft_margin",), None),
    "hinge_embedding_loss": (("hinge_embedding",), None),
    "multi_margin_loss": (("multi_margin",), None),
    "multilabel_margin_loss": (("multilabel_margin",), None),
    "multilabel_soft_margin_loss": (("multilabel_soft_margin",), None),
    "margin_ranking_loss": (("margin_ranking",), None),
    # --- similarity ---
    "cosine_similarity": (("cosine_similarity",), "optax.losses.cosine_similarity"),
    "cosine_distance": (("cosine_distance",), "optax.losses.cosine_distance"),
    "triplet_margin_loss": (("triplet_margin",), "optax.losses.triplet_margin_loss"),
    "cosine_embedding_loss": (("cosine_embedding",), None),
    # --- contrastive ---
    "ntxent": (("ntxent",), "optax.losses.ntxent"),
    "ranking_softmax_loss": (("ranking_softmax_loss",), "optax.losses.ranking_softmax_loss"),
    "circle_loss": (("circle",), None),
    # --- overlap ---
    "dice_loss": (("tversky",), "optax.losses.dice_loss"),
    "binary_dice_loss": (("tversky",), "optax.losses.binary_dice_loss"),
    "multiclass_generalized_dice_loss": (("generalized_dice",), "optax.losses.multiclass_generalized_dice_loss"),
    "generalized_kl_divergence": (("generalized_kl_divergence",), "optax.losses.generalized_kl_divergence"),
    "convex_kl_divergence": (("generalized_kl_divergence",), "optax.losses.convex_kl_divergence"),
    "generalized_cross_entropy_with_integer_labels": (("generalized_cross_entropy",), None),
    # --- structured ---
    "sparsemax_loss": (("sparsemax_loss",), "optax.losses.sparsemax_loss"),
    "multiclass_sparsemax_loss": (("multiclass_sparsemax_loss",), "optax.losses.multiclass_sparsemax_loss"),
    "make_fenchel_young_loss": ((), "optax.losses.make_fenchel_young_loss"),
    # --- sequence ---
    "ctc_loss": (("ctc_loss",), "optax.losses.ctc_loss"),
    "ctc_loss_with_forward_probs": (("ctc_loss",), "optax.losses.ctc_loss_with_forward_probs"),
}
__all__ = ["CATALOG", *CATALOG]  # the table is the adapter's public names


# ==== linear cross-entropy (issue 14): self-contained section ====================


def linear_softmax_cross_entropy_with_integer_labels(
    embeddings: Any, kernel: Any, labels: Any, bias: Any = None, *, chunk_size: int | None = None,
) -> jax.Array:
    r"""Per-example cross-entropy of the logits ``embeddings @ kernel + bias``,
    computed without them: ``softmax_cross_entropy_with_integer_labels(
    embeddings @ kernel + bias, labels)`` for a large vocabulary.

    ``kernel`` is ``[D, C]`` as a flax ``nn.Dense`` stores it (``bias``
    ``[C]``); ``embeddings`` ``[..., D]``; ``labels`` ``embeddings.shape[:-1]``
    integers. The rows are swept in chunks of ``chunk_size`` (``None``: 32 MiB
    of logits per chunk) inside a ``lax.scan``, each chunk recomputed in the
    backward pass (``jax.checkpoint``), so the compiled program holds no
    ``[N, C]`` buffer. Safe under ``jit`` (sharded batches too), ``grad``,
    ``jvp``, ``hessian`` and ``vmap``. optax has no such function; the
    formula is :func:`losses.linear_cross_entropy`'s.

    >>> import jax.numpy as jnp
    >>> x, k = jnp.ones((2, 3)), jnp.zeros((3, 4))
    >>> [round(float(v), 4) for v in linear_softmax_cross_entropy_with_integer_labels(
    ...     x, k, jnp.array([0, 3]))]  # log 4
    [1.3863, 1.3863]
    """
    k = jnp.asarray(kernel)
    if k.ndim != 2:
        _fail(f"`kernel` must be a [D, C] matrix (flax Dense layout); got shape {k.shape}")
    with _optax_names("labels", "embeddings"):
        return losses.linear_cross_entropy(labels, embeddings, k.T, bias, reduction="none",
                                           chunk_size=chunk_size)




# --- margin ---------------------------------------------------------------------------


def _signed(predictor_outputs: Any, targets: Any, same_shape: bool) -> tuple:
    """optax's binary margin inputs as the spec's ``(y_true, y_pred)``."""
    return _regression(predictor_outputs, targets, same_shape)


def _scores(scores: Any, labels: Any) -> tuple:
    """optax's multi-class margin inputs: integer ``labels`` and ``scores`` (class axis
    last), ``scores`` promoted as optax's float one-hot labels promote them (float64
    under ``jax_enable_x64``)."""
    labels, scores, _, ax = _integer_label_inputs(scores, labels, -1, None)
    one_hot = jax.dtypes.canonicalize_dtype(jnp.float64)
    return labels, scores.astype(jnp.promote_types(scores.dtype, one_hot)), ax


@_optax("targets", "predictor_outputs")
def hinge_loss(predictor_outputs: Any, targets: Any) -> jax.Array:
    r"""Element-wise hinge loss :math:`\max(0,\ 1 - x y)`, targets in ``{-1, 1}``.

    Native equivalent: ``optax.hinge_loss`` (identical; ``predictor_outputs``
    and ``targets`` broadcast). Calls :func:`losses.hinge` with ``reduction="none"``.

    >>> import jax.numpy as jnp
    >>> hinge_loss(jnp.array([0.25, 2.0]), jnp.array([1.0, -1.0])).tolist()
    [0.75, 3.0]
    """
    return losses.hinge(*_signed(predictor_outputs, targets, False), reduction="none")


@_optax("targets", "predictor_outputs")
def perceptron_loss(predictor_outputs: Any, targets: Any) -> jax.Array:
    r"""Element-wise perceptron loss :math:`\max(0,\ -x y)`, targets in ``{-1, 1}``.

    Native equivalent: ``optax.perceptron_loss`` (identical; the shapes must
    be equal, ``ValueError`` otherwise). Calls :func:`losses.hinge` with
    ``margin=0, reduction="none"``.

    >>> import jax.numpy as jnp
    >>> perceptron_loss(jnp.array([0.25, 2.0]), jnp.array([1.0, -1.0])).tolist()
    [0.0, 2.0]
    """
    return losses.hinge(*_signed(predictor_outputs, targets, True), margin=0.0, reduction="none")


@_optax("labels", "scores")
def multiclass_hinge_loss(scores: Any, labels: Any) -> jax.Array:
    r"""Per-example multi-class hinge loss
    :math:`\max_c (s_c + [c \ne y]) - s_y` (class axis last).

    Native equivalent: ``optax.multiclass_hinge_loss``. Difference: a label
    outside ``[0, C)`` raises ``ValueError`` (NaN under tracing); optax scores
    it against an all-zero one-hot row. Calls :func:`losses.multiclass_hinge`.

    >>> import jax.numpy as jnp
    >>> multiclass_hinge_loss(jnp.array([[0.5, 0.25]]), jnp.array([0])).tolist()
    [0.75]
    """
    labels, scores, ax = _scores(scores, labels)
    return losses.multiclass_hinge(labels, scores, axis=ax, reduction="none")


@_optax("labels", "scores")
def multiclass_perceptron_loss(scores: Any, labels: Any) -> jax.Array:
    r"""Per-example multi-class perceptron loss :math:`\max_c s_c - s_y` (class axis last).

    Native equivalent: ``optax.multiclass_perceptron_loss``; labels as
    :func:`multiclass_hinge_loss`. Calls :func:`losses.multiclass_hinge` with ``margin=0``.

    >>> import jax.numpy as jnp
    >>> multiclass_perceptron_loss(jnp.array([[0.5, 0.25]]), jnp.array([1])).tolist()
    [0.25]
    """
    labels, scores, ax = _scores(scores, labels)
    return losses.multiclass_hinge(labels, scores, margin=0.0, axis=ax, reduction="none")


@_optax("targets", "predictor_outputs")
def squared_hinge_loss(predictor_outputs: Any, targets: Any) -> jax.Array:
    r"""Element-wise squared hinge loss :math:`\max(0,\ 1 - x y)^2`, targets in
    ``{-1, 1}`` (no optax native; Keras' ``squared_hinge`` before its mean).
    Calls :func:`losses.squared_hinge`.

    >>> import jax.numpy as jnp
    >>> squared_hinge_loss(jnp.array([0.25, 2.0]), jnp.array([1.0, -1.0])).tolist()
    [0.5625, 9.0]
    """
    return losses.squared_hinge(*_signed(predictor_outputs, targets, False), reduction="none")


@_optax("labels", "scores")
def categorical_hinge_loss(scores: Any, labels: Any) -> jax.Array:
    r"""Per-example categorical hinge loss
    :math:`\max(0,\ 1 + \max_c (1 - y_c) s_c - \sum_c y_c s_c)`, one-hot ``labels``
    of ``scores``' shape, class axis last (no optax native; Keras' ``categorical_hinge``).
    Calls :func:`losses.categorical_hinge`.

    >>> import jax.numpy as jnp
    >>> categorical_hinge_loss(jnp.array([[0.5, 0.25]]), jnp.array([[0.0, 1.0]])).tolist()
    [1.25]
    """
    return losses.categorical_hinge(*_signed(scores, labels, True), reduction="none")


@_optax("targets", "predictor_outputs")
def soft_margin_loss(predictor_outputs: Any, targets: Any) -> jax.Array:
    r"""Element-wise soft margin loss :math:`\log(1 + e^{-x y})`, targets in
    ``{-1, 1}`` (no optax native; torch's ``SoftMarginLoss``). Calls
    :func:`losses.soft_margin`.

    >>> import jax.numpy as jnp
    >>> [round(v, 6) for v in soft_margin_loss(jnp.array([0.0]), jnp.array([1.0])).tolist()]
    [0.693147]
    """
    return losses.soft_margin(*_signed(predictor_outputs, targets, False), reduction="none")


@_optax("targets", "predictor_outputs")
def hinge_embedding_loss(predictor_outputs: Any, targets: Any, *, margin: float = 1.0) -> jax.Array:
    r"""Element-wise hinge embedding loss
    :math:`[y \ne 1]\max(0,\ m - x) + [y \ne -1]\,x` of distances ``x``
    (no optax native; torch's ``HingeEmbeddingLoss``). Calls :func:`losses.hinge_embedding`.

    >>> import jax.numpy as jnp
    >>> [round(v, 6) for v in hinge_embedding_loss(jnp.array([0.3, 0.4]), jnp.array([1.0, -1.0])).tolist()]
    [0.3, 0.6]
    """
    return losses.hinge_embedding(*_signed(predictor_outputs, targets, True), margin=margin,
                                  reduction="none")


@_optax("labels", "scores")
def multi_margin_loss(scores: Any, labels: Any, *, p: int = 1, margin: float = 1.0,
                      weights: Any = None) -> jax.Array:
    r"""Per-example multi-class margin loss
    :math:`\frac1C \sum_{c \ne y} w_y \max(0,\ m - s_y + s_c)^p` (class axis last;
    no optax native; torch's ``MultiMarginLoss``). ``weights``: ``[C]`` or ``None``.
    Calls :func:`losses.multi_margin`.

    >>> import jax.numpy as jnp
    >>> multi_margin_loss(jnp.array([[0.5, 0.25]]), jnp.array([0])).tolist()
    [0.375]
    """
    labels, scores, _, ax = _integer_label_inputs(scores, labels, -1, None)
    return losses.multi_margin(labels, scores, p=p, margin=margin, class_weight=weights, axis=ax,
                               reduction="none")


@_optax("labels", "scores")
def multilabel_margin_loss(scores: Any, labels: Any) -> jax.Array:
    r"""Per-example multi-label margin loss
    :math:`\frac1C \sum_{j \in Y} \sum_{c \notin Y} \max(0,\ 1 - (s_j - s_c))`;
    ``labels`` of ``scores``' shape hold each row's class indices, then ``-1``
    (no optax native; torch's ``MultiLabelMarginLoss``). Calls :func:`losses.multilabel_margin`.

    >>> import jax.numpy as jnp
    >>> [round(v, 6) for v in multilabel_margin_loss(jnp.array([[0.1, 0.9, 0.2]]), jnp.array([[1, -1, 0]])).tolist()]
    [0.166667]
    """
    scores = _logits(scores)
    labels = _array(labels, "labels", jnp.integer, "integer class indices")
    return losses.multilabel_margin(labels, scores, reduction="none")


@_optax("labels", "logits")
def multilabel_soft_margin_loss(logits: Any, labels: Any, *, weights: Any = None) -> jax.Array:
    r"""Per-example multi-label soft margin loss: the sigmoid binary cross-entropy
    averaged (weighted by ``weights``) over the last axis (no optax native;
    torch's ``MultiLabelSoftMarginLoss``). Calls :func:`losses.multilabel_soft_margin`.

    >>> import jax.numpy as jnp
    >>> [round(v, 6) for v in multilabel_soft_margin_loss(jnp.array([[0.0, 0.0]]), jnp.array([[1.0, 0.0]])).tolist()]
    [0.693147]
    """
    return losses.multilabel_soft_margin(*_signed(logits, labels, True), class_weight=weights,
                                         reduction="none")


@_optax("targets", "predictions1")
def margin_ranking_loss(predictions1: Any, predictions2: Any, targets: Any, *,
                        margin: float = 0.0) -> jax.Array:
    r"""Element-wise margin ranking loss :math:`\max(0,\ m - y (x_1 - x_2))`,
    targets in ``{-1, 1}`` (no optax native; torch's ``MarginRankingLoss``).
    Calls :func:`losses.margin_ranking`.

    >>> import jax.numpy as jnp
    >>> [round(v, 6) for v in margin_ranking_loss(jnp.array([0.5]), jnp.array([1.0]), jnp.array([1.0]), margin=0.1).tolist()]
    [0.6]
    """
    targets, x1 = _signed(predictions1, targets, True)
    x2 = _array(predictions2, "predictions2", jnp.floating, "floating-point predictions").astype(x1.dtype)
    return losses.margin_ranking(targets, x1, x2, margin=margin, reduction="none")


# ==== similarity ===================================================================


def _cosine_args(predictions: Any, targets: Any, epsilon: Any, axis: Axis, where: Any) -> tuple:
    """optax's cosine inputs as the spec's: ``(targets, predictions)`` and options,
    broadcast, a tuple or ``None`` ``axis`` flattened to one feature axis, and
    ``epsilon`` -- optax's floor of the *squared* norm -- as the spec's floor of the norm."""
    p = _array(predictions, "predictions", jnp.floating, "floating-point predictions")
    t = _array(targets, "targets", jnp.floating, "floating-point targets")
    p, t, w, ax = _dist_inputs(_promote(p, t), t, axis, where, ("predictions", "targets"))
    e = _scalar("epsilon", epsilon, "the floor of the squared norm, >= 0")
    e = jnp.sqrt(e) if hasattr(e, "shape") else math.sqrt(e) if e >= 0 else e
    return (t, p), {"axis": ax, "epsilon": e, "where": w, "reduction": "none"}


@_optax("targets", "predictions")
def cosine_similarity(predictions: Any, targets: Any, *, epsilon: Any = 0.0, axis: Axis = -1,
                      where: Any = None) -> jax.Array:
    r"""Cosine similarity of ``predictions`` and ``targets`` along ``axis``.

    .. math:: \cos = \sum_i \frac{\hat y_i}{\sqrt{\max(\|\hat y\|^2, \epsilon)}}
              \frac{y_i}{\sqrt{\max(\|y\|^2, \epsilon)}}

    Args:
      predictions, targets: floating-point vectors, broadcast together.
      epsilon: the floor of each squared norm, >= 0 (a number, an array or a traced value).
      axis: an int, a tuple of ints or ``None`` (every axis).
      where: elements to include, broadcast against the inputs.

    Returns:
      The similarities, the inputs' shape without ``axis``.

    Native equivalent: ``optax.losses.cosine_similarity`` (equal; a negative
    ``epsilon`` raises ``ValueError``). It is minus :func:`losses.cosine_similarity`
    (a loss, Keras' sign) with ``epsilon=sqrt(epsilon)``.

    >>> import jax.numpy as jnp
    >>> round(float(cosine_similarity(jnp.array([2.0, 0.0]), jnp.array([1.0, 1.0]))), 6)
    0.707107
    """
    args, opts = _cosine_args(predictions, targets, epsilon, axis, where)
    return -losses.cosine_similarity(*args, **opts)


@_optax("targets", "predictions")
def cosine_distance(predictions: Any, targets: Any, *, epsilon: Any = 0.0, axis: Axis = -1,
                    where: Any = None) -> jax.Array:
    r"""Cosine distance ``1 - cos`` of ``predictions`` and ``targets`` along ``axis``.

    Arguments as :func:`cosine_similarity`.

    Native equivalent: ``optax.losses.cosine_distance`` (equal). Calls
    :func:`losses.cosine_distance` with ``epsilon=sqrt(epsilon)``, ``reduction="none"``.

    >>> import jax.numpy as jnp
    >>> round(float(cosine_distance(jnp.array([2.0, 0.0]), jnp.array([-1.0, 0.0]))), 6)
    2.0
    """
    args, opts = _cosine_args(predictions, targets, epsilon, axis, where)
    return losses.cosine_distance(*args, **opts)


@_optax("anchors", "positives")
def triplet_margin_loss(anchors: Any, positives: Any, negatives: Any, axis: int = -1,
                        norm_degree: Any = 2, margin: Any = 1.0, eps: Any = 1e-6) -> jax.Array:
    r"""Triplet margin loss of anchors, positives and negatives along ``axis``.

    .. math:: \ell = \max\big(0,\ d(a, p) - d(a, n) + \text{margin}\big),\qquad
              d(a, b) = \Big(\sum_i (a_i - b_i)^k + \epsilon\Big)^{1/k}

    Args:
      anchors, positives, negatives: floating-point embeddings, broadcast together.
      axis: the feature axis (an int).
      norm_degree: ``k``, a number > 0 (concrete: the spec picks its form by it).
      margin: a real number or array (maybe traced).
      eps: a number >= 0 or array (maybe traced).

    Returns:
      The per-triplet losses, the broadcast shape without ``axis``.

    Native equivalent: ``optax.losses.triplet_margin_loss`` (equal; like
    optax, ``(a - b)^k`` has no absolute value). Calls
    :func:`losses.triplet_margin` with ``eps_at="sum"``, ``reduction="none"``.

    >>> import jax.numpy as jnp
    >>> a, p, n = jnp.zeros((1, 2)), jnp.array([[3., 4.]]), jnp.array([[0., 1.]])
    >>> [round(float(v), 4) for v in triplet_margin_loss(a, p, n)]  # 5 - 1 + 1
    [5.0]
    """
    a = _array(anchors, "anchors", jnp.floating, "floating-point embeddings")
    p = _array(positives, "positives", jnp.floating, "floating-point embeddings")
    n = _array(negatives, "negatives", jnp.floating, "floating-point embeddings")
    dtype = jnp.result_type(a, p, n)
    a, p, n = _broadcast(anchors=a.astype(dtype), positives=p.astype(dtype), negatives=n.astype(dtype))
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -a.ndim <= axis < max(a.ndim, 1):
        _fail(f"`axis` must be an int in [{-a.ndim}, {a.ndim - 1}]; got {axis!r}")
    a, p, n = (jnp.moveaxis(x, int(axis), -1) for x in (a, p, n))
    try:
        k = float(norm_degree)
    except (TypeError, jax.errors.ConcretizationTypeError):
        _fail(f"`norm_degree` must be a concrete number > 0 (not a traced value); got {norm_degree!r}")
    return losses.triplet_margin(a, p, n, p=k, margin=_scalar("margin", margin, "a real number"),
                                 eps=_scalar("eps", eps, "a number >= 0"), eps_at="sum", reduction="none")


@_optax("x1", "x2")
def cosine_embedding_loss(x1: Any, x2: Any, targets: Any, *, margin: Any = 0.0) -> jax.Array:
    r"""Cosine embedding loss of pairs along the last axis (torch's
    ``CosineEmbeddingLoss``, per pair; no optax native).

    .. math:: \ell = \begin{cases} 1 - \cos(x_1, x_2) & t = 1 \\
              \max(0, \cos(x_1, x_2) - \text{margin}) & t = -1 \\ 0 & \text{otherwise}\end{cases}

    Args:
      x1, x2: floating-point vectors ``[..., D]`` of one shape.
      targets: ``1`` or ``-1`` per pair, ``[...]``.
      margin: a real number (or an array or traced value).

    Returns:
      The per-pair losses, ``[...]``. Calls :func:`losses.cosine_embedding`.

    >>> import jax.numpy as jnp
    >>> [round(float(v), 6) for v in cosine_embedding_loss(
    ...     jnp.array([[1., 0.], [1., 0.]]), jnp.array([[1., 1.], [1., 1.]]), jnp.array([1, -1]))]
    [0.292893, 0.707107]
    """
    a = _array(x1, "x1", jnp.floating, "floating-point vectors")
    b = _array(x2, "x2", jnp.floating, "floating-point vectors")
    dtype = jnp.result_type(a, b)
    return losses.cosine_embedding(a.astype(dtype), b.astype(dtype), jnp.asarray(targets),
                                   margin=_scalar("margin", margin, "a real number"), reduction="none")


# ==== contrastive: batch similarity and ranking losses =============================


def ntxent(embeddings: Any, labels: Any, temperature: Any = 0.07) -> jax.Array:
    r"""Normalized temperature-scaled cross-entropy (NT-Xent, SimCLR), optax's ``ntxent``.

    .. math:: \frac{1}{\sum_i |P_i|} \sum_i \sum_{j \in P_i}
              -\log \frac{e^{s_{ij}}}{e^{s_{ij}} + \sum_{k \in N_i} e^{s_{ik}}},
              \qquad s_{ij} = \cos(e_i, e_j) / T

    over the positive pairs ``(i, j)`` (equal labels, ``i != j``); ``N_i`` the
    examples with another label.

    Args:
      embeddings: ``[batch, features]`` floating-point embeddings.
      labels: ``[batch]`` labels: equal labels are positive pairs.
      temperature: ``T > 0`` (a number, an array or a traced value).

    Returns:
      The scalar mean over positive pairs (NaN when there is none, as optax).

    Native equivalent: ``optax.losses.ntxent`` -- equal, values and gradients.
    Differences: ``temperature <= 0`` raises ``ValueError`` when concrete (NaN
    when traced; optax computes with it); float16/bfloat16 are computed in
    float32. Calls :func:`losses.ntxent`.

    >>> import jax.numpy as jnp
    >>> e = jnp.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> round(float(ntxent(e, jnp.array([0, 0, 1]), temperature=1.0)), 6)  # log(1 + e^-1)
    0.313262
    """
    e = _array(embeddings, "embeddings", jnp.floating, "floating-point embeddings")
    lab = jnp.asarray(labels)
    if lab.ndim < 1 or e.ndim < 1 or lab.shape[0] != e.shape[0]:
        _fail(f"`labels` and `embeddings` must have the same leading dimension; got labels of shape "
              f"{lab.shape} and embeddings of shape {e.shape}")
    t = _scalar("temperature", temperature, "the temperature, > 0")
    with _optax_names("labels", "embeddings"):
        return losses.ntxent(lab, e, temperature=t)


def ranking_softmax_loss(
    logits: Any,
    labels: Any,
    *,
    where: Any = None,
    weights: Any = None,
    reduce_fn: Callable[..., Any] | None = jnp.mean,
) -> jax.Array:
    r"""Ranking softmax loss of each list (the last axis), optax's.

    .. math:: \ell(s, y) = -\sum_i w_i y_i \log \frac{e^{s_i}}{\sum_{j\ \mathrm{valid}} e^{s_j}}

    Args:
      logits: ``[..., list_size]`` scores.
      labels: ``[..., list_size]`` relevance labels (cast to ``logits``' dtype).
      where: optional ``[..., list_size]`` mask of the valid items.
      weights: optional ``[..., list_size]`` item weights.
      reduce_fn: ``jnp.mean`` (over the lists with a valid item; 0 when there
        is none), ``jnp.sum``, ``None`` (per list), or any function called as
        ``reduce_fn(loss, where=valid_lists)``.

    Native equivalent: ``optax.losses.ranking_softmax_loss`` -- equal, values
    and gradients. Calls :func:`losses.ranking_softmax_loss` with
    ``reduction="none"``; ``reduce_fn`` is applied as optax applies it.

    >>> import jax.numpy as jnp
    >>> round(float(ranking_softmax_loss(jnp.array([2., 1., 3.]), jnp.array([1., 0., 0.]))), 3)
    1.408
    """
    s = _logits(logits)
    with _optax_names("labels", "logits"):
        per = losses.ranking_softmax_loss(jnp.asarray(labels), s, where=where, weights=weights,
                                          reduction="none")
    valid = None if where is None else jnp.any(jnp.asarray(where), axis=-1)
    if reduce_fn is None:
        return per
    out = reduce_fn(per, where=valid)
    if reduce_fn is jnp.mean:  # optax's _safe_reduce: a mean over no list is 0
        out = jnp.where(jnp.isnan(out) & ~jnp.any(jnp.isnan(per)), 0.0, out)
    return out


def circle_loss(
    embeddings: Any,
    labels: Any,
    *,
    gamma: float = 80.0,
    margin: float = 0.4,
    remove_diagonal: bool = True,
) -> jax.Array:
    r"""Circle loss per example (Sun et al., 2020; Keras' ``circle``, no optax native).

    .. math:: \ell_i = \operatorname{softplus}\Big(\log\sum_{j \in P_i} e^{-\gamma\,
              [m + d_{ij}]_+ (m - d_{ij})} + \log\sum_{k \in N_i} e^{\gamma\,
              [1 + m - d_{ik}]_+ (1 - m - d_{ik})}\Big),\qquad d = \max(1 - e e^\top, 0)

    Args:
      embeddings: ``[batch, features]`` L2-normalised embeddings.
      labels: ``[batch]`` integer labels.
      gamma: the scale, ``>= 0``; margin: the relaxation ``m``.
      remove_diagonal: leave ``(i, i)`` out of the positives ``P_i``.

    Returns:
      ``[batch]`` (0 for an example with no positive or no negative; average
      over the others for Keras' ``Circle``).

    Equals ``keras.losses.circle(labels, embeddings, ...)``. Calls
    :func:`losses.circle` with ``reduction="none"``.

    >>> import jax.numpy as jnp
    >>> e = jnp.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    >>> [round(float(v), 4) for v in circle_loss(e, jnp.array([0, 0, 1]), gamma=1.0)]
    [1.8509, 1.0899, 0.0]
    """
    e = _array(embeddings, "embeddings", jnp.floating, "floating-point embeddings")
    with _optax_names("labels", "embeddings"):
        return losses.circle(jnp.asarray(labels), e, gamma=gamma, margin=margin,
                             remove_diagonal=remove_diagonal, reduction="none")


# ==== overlap (Dice, Tversky, generalized Dice), generalized KL, robust ==================

_SEG_REDUCTIONS = ("mean", "sum", "none")


def _seg_inputs(predictions: Any, targets: Any) -> tuple:
    """optax's segmentation inputs: floating ``predictions``, a missing trailing
    channel added to one of them, equal shapes (``ValueError`` otherwise)."""
    p = _array(predictions, "predictions", jnp.floating, "floating-point logits or probabilities")
    t = jnp.asarray(targets)
    if p.ndim == t.ndim - 1:
        p = p[..., None]
    if t.ndim == p.ndim - 1:
        t = t[..., None]
    if p.shape != t.shape:
        _fail(f"`predictions` and `targets` must have the same shape (a trailing channel of size 1 "
              f"may be missing from one); got {p.shape} and {t.shape}")
    return p, t


def _check_distributions(p: jax.Array) -> None:
    """optax's check of ``apply_softmax=False`` inputs: rows summing to 1 along the
    class axis, read when ``p`` is concrete (optax cannot run it under ``jit``).
    Skipped for a single channel, whose "sum" is the probability itself (optax
    raises there unless every probability is 1)."""
    if p.shape[-1] == 1 or isinstance(p, jax.core.Tracer):
        return
    s = jnp.sum(p, axis=-1)
    if not bool(jnp.allclose(s, 1.0, rtol=1e-5)):
        _fail("When apply_softmax=False, predictions must be valid probability distributions "
              f"that sum to 1 along the class axis. Found sum range: [{float(jnp.min(s)):.6f}, "
              f"{float(jnp.max(s)):.6f}]")


def _seg_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """optax's ``axis``: ``None`` is every axis but the first and the last."""
    if axis is None:
        return tuple(range(1, ndim - 1))
    ax = _canon_axes(axis, ndim, allow_none=False)
    if isinstance(ax, int):
        if not -ndim <= ax < ndim:
            _fail(f"`axis`={axis!r} is out of range for `predictions` with {ndim} dimension(s)")
        ax = (ax % ndim,)
    return tuple(sorted(ax))


def _over_classes(loss: jax.Array, reduction: str, ignore_background: bool, classes: int) -> jax.Array:
    """optax's class step: drop class 0 (``ignore_background``, more than one
    class), then ``reduction`` over the last axis."""
    if ignore_background and classes > 1:
        loss = loss[..., 1:]
    if reduction == "mean":
        return jnp.mean(loss, axis=-1)
    return jnp.sum(loss, axis=-1) if reduction == "sum" else loss


@_optax("targets", "predictions")
def dice_loss(
    predictions: Any,
    targets: Any,
    *,
    class_weights: Any = None,
    smooth: Any = 1.0,
    alpha: Any = 0.5,
    beta: Any = 0.5,
    apply_softmax: bool = True,
    reduction: str = "mean",
    ignore_background: bool = False,
    axis: Any = None,
) -> jax.Array:
    r"""Soft Dice / Tversky loss per class, reduced over the classes (optax's).

    .. math:: \ell_c = 1 - \frac{I_c + s}{I_c + \alpha (P_c - I_c) + \beta (T_c - I_c) + s}

    with ``I_c = sum(p t)``, ``P_c = sum(p)``, ``T_c = sum(t)`` over ``axis``
    (``None``: every axis but the first and the last), ``p = softmax`` over the
    last axis (``sigmoid`` for one channel) when ``apply_softmax``.

    Args:
      predictions: logits (or probabilities) ``[..., C]``, or ``[...]`` for one channel.
      targets: one-hot or binary targets, ``predictions``' shape.
      class_weights: ``[C]`` weights of the per-class losses.
      smooth, alpha, beta: numbers >= 0 (arrays and traced values too).
      apply_softmax: whether ``predictions`` are logits.
      reduction: over the classes: ``"mean"``, ``"sum"`` or ``"none"`` (per class).
      ignore_background: drop class 0 (with more than one class).
      axis: the summed axes.

    Native equivalent: ``optax.losses.dice_loss`` (equal on every option); the
    loss is :func:`losses.tversky` (``smooth_nr = smooth_dr = smooth``).
    Differences: an unknown ``reduction`` raises before computing; the
    probability check of ``apply_softmax=False`` is skipped for one channel
    (optax then raises unless every probability is 1) and under ``jit``
    (where optax cannot run it); ``alpha``, ``beta``, ``smooth`` < 0 raise.

    >>> import jax.numpy as jnp
    >>> v = dice_loss(jnp.array([[[0.9, 0.1], [0.2, 0.8]]]), jnp.array([[[1., 0.], [0., 1.]]]),
    ...               apply_softmax=False, smooth=0.0)
    >>> [round(float(x), 6) for x in v]
    [0.150376]
    """
    _checks_reduction(reduction)
    p, t = _seg_inputs(predictions, targets)
    if not apply_softmax:
        _check_distributions(p)
    axes = _seg_axes(axis, p.ndim)
    sw = None
    if class_weights is not None:
        cw = jnp.asarray(class_weights)
        if cw.ndim != 1:
            _fail(f"`class_weights` must be a 1-D array (one weight per class); got shape {cw.shape}")
        sw = jnp.broadcast_to(cw, tuple(d for i, d in enumerate(p.shape) if i not in axes))
    per = losses.tversky(t, p, alpha=alpha, beta=beta, smooth_nr=smooth, smooth_dr=smooth, axis=axes,
                         from_logits=apply_softmax, class_axis=-1, reduction="none", sample_weight=sw)
    return _over_classes(per, reduction, ignore_background, p.shape[-1])


def _checks_reduction(reduction: Any) -> None:
    if reduction not in _SEG_REDUCTIONS:
        _fail(f"`reduction` must be one of 'mean', 'sum', 'none'; got {reduction!r}")


def binary_dice_loss(
    predictions: Any,
    targets: Any,
    *,
    smooth: Any = 1.0,
    apply_sigmoid: bool = True,
) -> jax.Array:
    r"""Binary Dice loss: :func:`dice_loss` of one channel.

    Args:
      predictions: logits (or probabilities) ``[...]`` or ``[..., 1]``.
      targets: binary targets, the same shape.
      smooth: the smoothing term.
      apply_sigmoid: whether ``predictions`` are logits.

    Returns:
      ``[N]``: one loss per example (summed over every axis but the first).

    Native equivalent: ``optax.losses.binary_dice_loss`` (equal); with
    ``apply_sigmoid=False`` ours takes any probabilities (optax raises
    unless every one is 1: its distribution check sums a single channel).

    >>> import jax.numpy as jnp
    >>> v = binary_dice_loss(jnp.array([[0.5, 1.0]]), jnp.array([[1., 1.]]), apply_sigmoid=False,
    ...                      smooth=0.0)  # 1 - 1.5 / 1.75
    >>> [round(float(x), 6) for x in v]
    [0.142857]
    """
    p = jnp.asarray(predictions)
    t = jnp.asarray(targets)
    if p.ndim == t.ndim and p.shape[-1] != 1:
        p, t = p[..., None], t[..., None]
    return dice_loss(p, t, smooth=smooth, apply_softmax=apply_sigmoid, reduction="mean")


@_optax("targets", "predictions")
def multiclass_generalized_dice_loss(
    predictions: Any,
    targets: Any,
    *,
    smooth: Any = 1.0,
    apply_softmax: bool = True,
    ignore_background: bool = False,
) -> jax.Array:
    r"""Generalized Dice loss (Sudre et al., 2017): per-class Dice losses
    weighed by the inverse square class masses of the targets, averaged.

    .. math:: \ell = \operatorname{mean}_{n, c}\, w_c \Big(1 - \frac{I_{n,c} + s}
              {(P_{n,c} + T_{n,c}) / 2 + s}\Big), \qquad
              w_c = C \frac{v_c}{\sum_k v_k},\ v_c = \frac{1}{F_c^2 + 10^{-7}}

    Args:
      predictions: logits (or probabilities) ``[N, ..., C]``.
      targets: one-hot targets, the same shape.
      smooth: the smoothing term.
      apply_softmax: whether ``predictions`` are logits.
      ignore_background: leave class 0 out of the mean (its weight still counts in ``w``).

    Returns:
      A scalar.

    Native equivalent: ``optax.losses.multiclass_generalized_dice_loss``
    (equal); the loss is :func:`losses.generalized_dice` with ``smooth_nr =
    smooth_dr = 2 smooth``.

    >>> import jax.numpy as jnp
    >>> t = jnp.array([[[1., 0.], [0., 1.]]])
    >>> float(multiclass_generalized_dice_loss(t, t, apply_softmax=False, smooth=0.0))
    0.0
    """
    p = _array(predictions, "predictions", jnp.floating, "floating-point logits or probabilities")
    t = jnp.asarray(targets)
    if p.shape != t.shape:
        _fail(f"`predictions` and `targets` must have the same shape; got {p.shape} and {t.shape}")
    if not apply_softmax:
        _check_distributions(p)
    per = losses.generalized_dice(t, p, smooth_nr=2.0 * smooth, smooth_dr=2.0 * smooth,
                                  from_logits=apply_softmax, reduction="none")
    return jnp.mean(_over_classes(per, "none", ignore_background, p.shape[-1]))


def generalized_kl_divergence(
    log_predictions: Any,
    targets: Any,
    axis: Axis = -1,
    where: Any = None,
) -> jax.Array:
    r"""Generalized Kullback-Leibler divergence of unnormalised measures.

    .. math:: \ell = \sum_j t_j (\log t_j - \log q_j) + q_j - t_j, \qquad 0 \log 0 = 0

    Args:
      log_predictions: ``log q``, the predicted measure in log space.
      targets: the target measure ``t`` (non-negative), broadcast against it.
      axis, where: as in :func:`kl_divergence`.

    Returns:
      The inputs' shape without ``axis``.

    Native equivalent: ``optax.losses.generalized_kl_divergence`` (equal on
    every option); the loss is :func:`losses.generalized_kl_divergence`.

    >>> import jax.numpy as jnp
    >>> generalized_kl_divergence(jnp.log(jnp.array([2.0, 1.0])), jnp.array([1.0, 1.0])).round(6).tolist()
    0.306853
    """
    lp = _array(log_predictions, "log_predictions", jnp.floating, "floating-point log-values")
    t = _array(targets, "targets", jnp.floating, "floating-point values")
    lp = _promote(lp, t)
    lp, t, w, ax = _dist_inputs(lp, t, axis, where, ("log_predictions", "targets"))
    with _optax_names("targets", "log_predictions"):
        return losses.generalized_kl_divergence(t, lp, axis=ax, where=w, reduction="none")


def convex_kl_divergence(
    log_predictions: Any,
    targets: Any,
    axis: Axis = -1,
    where: Any = None,
) -> jax.Array:
    """Deprecated alias of :func:`generalized_kl_divergence` (``DeprecationWarning``),
    as ``optax.losses.convex_kl_divergence``."""
    warnings.warn("The function convex_kl_divergence is deprecated. Please use "
                  "generalized_kl_divergence instead.", DeprecationWarning, stacklevel=2)
    return generalized_kl_divergence(log_predictions, targets, axis=axis, where=where)


@_optax()
def generalized_cross_entropy_with_integer_labels(
    logits: Any,
    labels: Any,
    *,
    q: float = 0.5,
    axis: int = -1,
) -> jax.Array:
    r"""Generalized cross-entropy (Zhang and Sabuncu, 2018) of logits and
    integer labels, optax-style (Keras' ``CategoricalGeneralizedCrossEntropy``;
    optax has none).

    .. math:: \ell = \frac{1 - p_y^{\,q}}{q}, \qquad p = \mathrm{softmax}(z)

    Args:
      logits: ``[..., C]`` (class axis ``axis``).
      labels: integer labels, ``logits``' shape without ``axis``; out of range:
        ``ValueError`` (NaN under ``jit``).
      q: a number in ``(0, 1)``.

    The loss is :func:`losses.generalized_cross_entropy` with ``from_logits=True``.

    >>> import jax.numpy as jnp
    >>> generalized_cross_entropy_with_integer_labels(jnp.log(jnp.array([[0.25, 0.75]])),
    ...                                               jnp.array([0])).round(6).tolist()
    [1.0]
    """
    return losses.generalized_cross_entropy(labels, _logits(logits), q=q, from_logits=True, axis=axis,
                                            reduction="none")


# ==== sparsemax and Fenchel-Young losses (issue 13): self-contained section ====


@_optax()
def sparsemax_loss(logits: Any, labels: Any) -> jax.Array:
    r"""Binary sparsemax loss, element-wise.

    .. math:: \ell = \mathrm{sparse\_plus}((1 - 2y)\,z)

    zero if and only if ``jax.nn.sparse_sigmoid(logits) == labels``.

    Args:
      logits: real scores.
      labels: 0 or 1 (bool, integer or float), broadcast against ``logits``.

    Returns:
      The element-wise loss, of the broadcast shape, in ``logits``' dtype.

    Native equivalent: ``optax.losses.sparsemax_loss`` (equal, values and
    gradients). Difference: a label other than 0 or 1 raises ``ValueError``
    (NaN under ``jit``); optax counts every nonzero label as 1. Calls
    :func:`losses.sparsemax_loss` with ``reduction="none"``.

    >>> import jax.numpy as jnp
    >>> sparsemax_loss(jnp.array([0.0, 3.0, -2.0]), jnp.array([1, 0, 0])).tolist()
    [0.25, 3.0, 0.0]
    """
    return losses.sparsemax_loss(*_binary(logits, labels), reduction="none")


@_optax(pred="scores")
def multiclass_sparsemax_loss(scores: Any, labels: Any) -> jax.Array:
    r"""Multiclass sparsemax loss, per example.

    .. math:: \ell = \sum_c p_c (z_c - z_y) + \tfrac12 (1 - \|p\|^2),\qquad
              p = \mathrm{sparsemax}(z)

    Args:
      scores: ``[N, C]`` real scores (any leading shape: the class axis is last).
      labels: integer labels, ``scores``' shape without the last axis.

    Returns:
      The per-example loss, ``scores.shape[:-1]``.

    Native equivalent: ``optax.losses.multiclass_sparsemax_loss`` (equal,
    values and gradients ``sparsemax(z) - onehot(y)``). Differences: a label
    outside ``[0, C)`` raises ``ValueError`` (NaN for that example under
    ``jit``), where optax reads some score; leading shapes other than
    ``[N]`` are per-example too (optax's ``vmap`` takes ``[N, C]`` only).
    Calls :func:`losses.multiclass_sparsemax_loss` with ``reduction="none"``.

    >>> import jax.numpy as jnp
    >>> multiclass_sparsemax_loss(jnp.array([[1.0, 0.0], [0.0, 0.0]]), jnp.array([1, 0])).tolist()
    [1.0, 0.25]
    """
    scores = _array(scores, "scores", jnp.floating, "floating-point scores")
    labels = _array(labels, "labels", jnp.integer, "integer class labels")
    if scores.ndim < 1:
        _fail("`scores` must have a class axis (last); got a 0-d array")
    return losses.multiclass_sparsemax_loss(labels, scores, reduction="none")


def make_fenchel_young_loss(max_fun: Any) -> Callable:
    r"""The Fenchel--Young loss of a regularized max function ``max_fun``.

    .. math:: L(\theta, y) = \Omega^*(\theta) - \langle \theta, y\rangle

    where ``max_fun`` is :math:`\Omega^*` (``jax.nn.logsumexp``: the
    softmax cross-entropy; ``p . z + (1 - ||p||^2) / 2`` with ``p =
    sparsemax(z)``: the sparsemax loss). Its gradient is
    :math:`\nabla\Omega^*(\theta) - y`.

    Args:
      max_fun: a function of one ``[n]`` vector of scores (and extra
        arguments) to a scalar.

    Returns:
      ``fy_loss(scores, targets, *args, **kwargs)``: ``max_fun`` applied to
      each vector along the last axis of ``scores`` (any leading shape) minus
      the dot product with ``targets`` (broadcast against ``scores``) over
      that axis; ``args``/``kwargs`` go to ``max_fun``.

    Native equivalent: ``optax.losses.make_fenchel_young_loss`` (equal,
    values and gradients). Our losses of this form, on every backend:
    :func:`losses.multiclass_sparsemax_loss` (and, for ``logsumexp``,
    :func:`losses.sparse_categorical_crossentropy` with ``from_logits=True``).

    >>> import jax.numpy as jnp
    >>> fy = make_fenchel_young_loss(jax.nn.logsumexp)
    >>> round(float(fy(jnp.array([0.0, 0.0]), jnp.array([1.0, 0.0]))), 6)  # log 2
    0.693147
    """
    if not callable(max_fun):
        _fail(f"`max_fun` must be a function of a score vector to a scalar; got {max_fun!r}")
    rowwise = jnp.vectorize(max_fun, signature="(n)->()")
    dot = jnp.vectorize(jnp.vdot, signature="(n),(n)->()")

    def fenchel_young_loss(scores: Any, targets: Any, *args: Any, **kwargs: Any) -> jax.Array:
        return rowwise(scores, *args, **kwargs) - dot(targets, scores)

    fenchel_young_loss.__doc__ = f"The Fenchel-Young loss of {getattr(max_fun, '__name__', max_fun)!s}."
    return fenchel_young_loss


# --- sequence ----------------------------------------------------------------------


def _ctc_args(logits: Any, logit_paddings: Any, labels: Any, label_paddings: Any) -> dict:
    for name, x, rank in (("logits", logits, 3), ("labels", labels, 2)):
        if jnp.ndim(x) != rank:
            raise ValueError(f"lossbridge: `{name}` must have rank {rank}; got shape {jnp.shape(x)}")
    if jnp.shape(labels) != jnp.shape(label_paddings):
        raise ValueError(f"lossbridge: `label_paddings` must have labels' shape {jnp.shape(labels)}; "
                         f"got {jnp.shape(label_paddings)}")
    if jnp.shape(logit_paddings) != jnp.shape(logits)[:2]:
        raise ValueError(f"lossbridge: `logit_paddings` must have shape [B, T] = {jnp.shape(logits)[:2]}; "
                         f"got {jnp.shape(logit_paddings)}")
    return {"input_paddings": jnp.asarray(logit_paddings), "label_paddings": jnp.asarray(label_paddings)}


def ctc_loss(logits: Any, logit_paddings: Any, labels: Any, label_paddings: Any, *, blank_id: int = 0,
             log_epsilon: Any = -1e5) -> jax.Array:
    r"""CTC loss per sequence, optax's signature, over :func:`losses.ctc_loss`.

    .. math:: \ell_b = -\log \sum_{\pi \in \mathcal B^{-1}(y_b)} \prod_{t:\ \text{not padded}}
              \operatorname{softmax}(z_{b,t})[\pi_t]

    Args:
      logits: ``[B, T, K]`` logits (``K`` classes, the blank included).
      logit_paddings: ``[B, T]``, 1.0 at padded steps.
      labels: ``[B, N]`` integer labels, right-padded.
      label_paddings: ``[B, N]``, 1.0 at padded labels.
      blank_id: the blank class.
      log_epsilon: the stand-in for ``log 0`` (an impossible alignment costs
        about ``-log_epsilon`` per missing step, so the loss stays finite).

    Returns:
      ``[B]`` losses.

    Native equivalent: ``optax.losses.ctc_loss`` -- equal, ``log_epsilon``
    included. Paddings are read as ``> 0.5`` (optax blends fractional ones);
    a label outside ``[0, K)`` within a sequence's length raises ``ValueError``
    in eager mode (NaN rows under ``jit``).

    >>> import jax.numpy as jnp
    >>> z, pad = jnp.zeros((1, 2, 2)), jnp.zeros((1, 2))
    >>> round(float(ctc_loss(z, pad, jnp.array([[1]]), jnp.zeros((1, 1)))[0]), 6)  # -log(3/4)
    0.287682
    """
    return losses.ctc_loss(labels, logits, **_ctc_args(logits, logit_paddings, labels, label_paddings),
                           blank=blank_id, log_epsilon=log_epsilon, reduction="none")


def ctc_loss_with_forward_probs(logits: Any, logit_paddings: Any, labels: Any, label_paddings: Any, *,
                                blank_id: int = 0, log_epsilon: Any = -1e5) -> tuple[jax.Array, jax.Array,
                                                                                     jax.Array]:
    r""":func:`ctc_loss` and the forward probabilities, optax's signature.

    Returns ``(loss [B], logalpha_blank [T, B, N+1], logalpha_nonblank [T, B, N])``:
    ``log`` of the mass of the alignment prefixes that end at step ``t`` in the
    blank after ``n`` labels, or emitting label ``n`` (the last blank row also
    holds the final emit-to-blank move). Arguments as :func:`ctc_loss`.

    Native equivalent: ``optax.losses.ctc_loss_with_forward_probs`` -- equal.

    >>> import jax.numpy as jnp
    >>> loss, a_blank, a_emit = ctc_loss_with_forward_probs(
    ...     jnp.zeros((1, 2, 2)), jnp.zeros((1, 2)), jnp.array([[1]]), jnp.zeros((1, 1)))
    >>> a_blank.shape, a_emit.shape
    ((2, 1, 2), (2, 1, 1))
    """
    return losses.ctc_forward_probs(labels, logits, **_ctc_args(logits, logit_paddings, labels, label_paddings),
                                    blank=blank_id, log_epsilon=log_epsilon)
