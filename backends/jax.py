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
