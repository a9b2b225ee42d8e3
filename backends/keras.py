"""Keras 3 adapter: drop-in replacements for ``keras.losses`` cross-entropies.

One import is the whole swap::

    from backends.keras import SparseCategoricalCrossentropy   # was keras.losses
    model.compile(optimizer="adam", loss=SparseCategoricalCrossentropy(from_logits=True))

The classes are :class:`keras.losses.Loss` subclasses with Keras' names,
arguments and defaults (``keras/src/losses/losses.py``, Keras 3.15). Each one
only translates conventions and calls a public function of :mod:`losses` with
``reduction="none"``; Keras' own ``Loss.__call__`` then does what it does for
the native classes: converts the inputs to the Loss's dtype, applies
``sample_weight`` and Keras masks (``y_pred``'s mask, and the mask
``ignore_class`` puts on the per-element loss) and reduces with
``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
``"mean_with_sample_weight"`` or ``"none"``/``None``.

They run on whichever Keras backend is active: the tensors reaching ``call``
are that backend's (``tf.Tensor``, ``jax.Array``, ``torch.Tensor``) and
:mod:`losses` dispatches on them. The classes are registered with
``keras.saving.register_keras_serializable(package="lossbridge")`` when this
module is imported, so a model compiled with them saves with
``model.save("m.keras")`` and loads with ``keras.models.load_model`` with no
``custom_objects``.

Deliberate differences from the native classes (each tested in
``tests/test_keras_adapter.py``; ``docs/keras.md`` has the full table):

* **Options are validated when the loss is built**: ``label_smoothing``
  outside ``[0, 1]``, a non-integer ``axis`` or ``ignore_class``, a
  non-boolean ``from_logits`` raise ``ValueError`` naming the argument
  (Keras accepts them and computes something).
* **``SparseCategoricalCrossentropy(axis=...)`` works for any class axis on
  every backend** (``axis=1`` for channels-first); the native raises
  ``ValueError`` for ``axis != -1`` on TensorFlow and JAX.
* **Label smoothing counts the classes along ``axis``**
  (``CategoricalCrossentropy``); the native divides by ``y_true.shape[-1]``
  whatever ``axis`` is, which is wrong for ``axis != -1``.
* **Probabilities from a Keras ``softmax``/``sigmoid`` use their logits** on
  every backend whose tensors carry them (``_keras_logits``: TensorFlow and
  torch), as the native does on TensorFlow only; on torch the native clips
  the probabilities to ``[1e-7, 1 - 1e-7]`` instead. JAX arrays carry no
  logits, so there both clip.
* **Sparse probabilities are renormalised, then clipped** on every backend
  (Keras' JAX and torch backends' rule, and Keras' rule for categorical);
  Keras' TensorFlow backend clips each entry first, then renormalises
  (``log_softmax(log(clip(p)))``), so a row that does not sum to 1 and has an
  entry near or above 1 gets another value there (``[3, 1]`` scores class 0
  as ``-log 0.5`` instead of ``-log 0.75``). The two agree within ``1e-7``
  for rows without such entries.
* **float16 / bfloat16 per-element losses are computed in float32** and
  rounded once (the native computes in the half type); the reduction and the
  returned dtype are Keras' (the Loss's dtype).
* **``get_config`` also records ``dtype``** (when one was given) and, for
  ``SparseCategoricalCrossentropy``, ``axis``; the native drops both, so a
  reloaded native loss silently falls back to ``axis=-1`` and ``floatx()``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import keras
import numpy as np
from keras import ops

import losses as _lb

try:  # Keras >= 3.6 keeps masks of attribute-less tensors (jax.Array) in a side table
    from keras.src.backend import set_keras_mask as _set_keras_mask
except ImportError:  # pragma: no cover - older Keras 3
    def _set_keras_mask(x: Any, mask: Any) -> None:
        x._keras_mask = mask

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
]

Tensor = Any
_PACKAGE = "lossbridge"


# --- option checks (at construction, naming the argument) ----------------------


def _fail(msg: str) -> None:
    raise ValueError(f"lossbridge: {msg}")


def _check_flag(name: str, value: Any) -> bool:
    if not (isinstance(value, (bool, np.bool_)) or isinstance(value, int) and value in (0, 1)):
        _fail(f"`{name}` must be True or False; got {value!r}")
    return bool(value)


def _check_int(name: str, value: Any, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        want = "an integer or None" if optional else "an integer"
        _fail(f"`{name}` must be {want}; got {value!r}")
    return int(value)


def _check_smoothing(value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if isinstance(value, bool) or not 0.0 <= v <= 1.0:
        _fail(f"`label_smoothing` must be a real number in [0, 1]; got {value!r}")
    return v


# --- conventions -----------------------------------------------------------------


def _same_rank(y_true: Tensor, y_pred: Tensor) -> tuple[Tensor, Tensor]:
    """Keras' ``squeeze_or_expand_to_same_rank`` (``LossFunctionWrapper.call``):
    when the ranks differ by one and the longer one ends in a size-1 axis,
    squeeze it (or expand a rank-1 partner)."""
    r_true, r_pred = len(y_true.shape), len(y_pred.shape)
    if r_true == r_pred + 1 and y_true.shape[-1] == 1:
        if r_pred == 1:
            y_pred = ops.expand_dims(y_pred, -1)
        else:
            y_true = ops.squeeze(y_true, -1)
    elif r_pred == r_true + 1 and y_pred.shape[-1] == 1:
        if r_true == 1:
            y_true = ops.expand_dims(y_true, -1)
        else:
            y_pred = ops.squeeze(y_pred, -1)
    return y_true, y_pred


def _logits_of(y_pred: Tensor, from_logits: bool, op_type: str, fn_name: str) -> tuple[Tensor, bool]:
    """Use the logits behind a Keras ``softmax``/``sigmoid`` output, as Keras'
    TensorFlow backend does (``_get_logits`` in ``backend/tensorflow/nn.py``):
    the ``_keras_logits`` the activation cached on its output, or, for a
    TensorFlow graph tensor made by a ``Softmax``/``Sigmoid`` op, that op's
    input."""
    logits = getattr(y_pred, "_keras_logits", None)
    if logits is None and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        op = getattr(y_pred, "op", None)
        if (op is not None and not isinstance(y_pred, (tf.__internal__.EagerTensor, tf.Variable))
                and op.type == op_type and len(op.inputs) == 1):
            logits = op.inputs[0]
    if logits is None:
        return y_pred, from_logits
    if from_logits:
        warnings.warn(
            f'"`{fn_name}` received `from_logits=True`, but the `output` argument was produced '
            f"by a {op_type} activation and thus does not represent logits. Was this intended?",
            stacklevel=3,
        )
    return logits, True


# --- functional forms (Keras' names and arguments; per-element losses) ---------------


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    r"""Per-example categorical cross-entropy, as ``keras.losses.categorical_crossentropy``.

    .. math:: \ell = -\sum_c y'_c \log p_c,\qquad y' = (1 - \varepsilon)\,y + \varepsilon / C

    with ``p = softmax(y_pred)`` over ``axis`` for logits, or ``y_pred``
    renormalised over ``axis`` and clipped to ``[1e-7, 1 - 1e-7]``.

    Args:
      y_true: one-hot or soft targets, ``y_pred``'s shape.
      y_pred: logits or probabilities.
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: ``\varepsilon`` in ``[0, 1]``.
      axis: the class axis.

    Returns:
      ``y_pred``'s shape less ``axis``, in ``y_pred``'s dtype.

    Native: ``keras.losses.categorical_crossentropy``. Differences: ``C`` is
    the size of ``axis`` (Keras: ``y_true.shape[-1]``); a Keras softmax output
    is scored from its logits on every backend that carries them (Keras: on
    TensorFlow only); options are validated.

    >>> import numpy as np
    >>> loss = categorical_crossentropy(np.array([[0., 1.]]), np.array([[0., 0.]]), from_logits=True)
    >>> np.round(keras.ops.convert_to_numpy(loss), 6).tolist()
    [0.693147]
    """
    _check_flag("from_logits", from_logits)
    _check_smoothing(label_smoothing)
    _check_int("axis", axis)
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    y_pred, from_logits = _logits_of(y_pred, from_logits, "Softmax", "categorical_crossentropy")
    return _lb.categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                        label_smoothing=label_smoothing, axis=axis,
                                        reduction="none")


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Tensor:
    r"""Per-example cross-entropy with integer labels, as
    ``keras.losses.sparse_categorical_crossentropy``.

    .. math:: \ell_i = -\log p_{i, y_i}

    Args:
      y_true: integer class labels (any dtype holding whole numbers: Keras'
        ``Loss`` hands them over as floats), ``y_pred``'s shape less
        ``axis``, or with a size-1 axis there.
      y_pred: logits or probabilities (renormalised over ``axis`` and clipped
        to ``[1e-7, 1 - 1e-7]``).
      from_logits: whether ``y_pred`` holds logits.
      ignore_class: a label whose elements get loss 0 and a Keras mask, so
        that a Keras ``Loss`` leaves them out of the reduction (the mean is
        over the other elements).
      axis: the class axis, any (``axis=1`` for channels-first).

    Returns:
      ``y_pred``'s shape less ``axis``; with ``ignore_class``, carrying the
      Keras mask of the elements counted.

    A label outside ``[0, C)`` (other than ``ignore_class``) raises
    ``ValueError`` in eager mode; in a compiled step (``fit``) that element's
    loss is NaN.

    Native: ``keras.losses.sparse_categorical_crossentropy``. Differences:
    any ``axis`` on every backend (Keras: ``axis=-1`` only on TensorFlow and
    JAX); probabilities are renormalised then clipped on every backend (Keras'
    TensorFlow backend clips each entry first, which differs for rows that do
    not sum to 1 and have an entry near 1); Keras softmax outputs are
    scored from their logits where the tensors carry them (TensorFlow, torch).

    >>> import numpy as np
    >>> loss = sparse_categorical_crossentropy(np.array([1]), np.array([[0., 0.]]), from_logits=True)
    >>> np.round(keras.ops.convert_to_numpy(loss), 6).tolist()
    [0.693147]
    """
    _check_flag("from_logits", from_logits)
    _check_int("ignore_class", ignore_class, optional=True)
    _check_int("axis", axis)
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    y_pred, from_logits = _logits_of(y_pred, from_logits, "Softmax", "sparse_categorical_crossentropy")
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[axis] == 1:
        y_true = ops.squeeze(y_true, axis)
    loss = _lb.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis,
                                               ignore_index=ignore_class, reduction="none")
    if ignore_class is not None:
        _set_keras_mask(loss, ops.reshape(ops.not_equal(y_true, ignore_class), ops.shape(loss)))
    return loss


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    r"""Binary cross-entropy averaged over ``axis``, as ``keras.losses.binary_crossentropy``.

    .. math:: \ell = \operatorname{mean}_{\text{axis}}
              -\left[y' \log \sigma(z) + (1 - y') \log(1 - \sigma(z))\right],
              \qquad y' = (1 - \varepsilon)\,y + \varepsilon / 2

    The element-wise loss is :func:`losses.binary_crossentropy`; as Keras does,
    this form averages it over ``axis`` (the features axis).

    Args:
      y_true: targets in ``[0, 1]``, ``y_pred``'s shape.
      y_pred: logits or probabilities (clipped to ``[1e-7, 1 - 1e-7]``).
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: ``\varepsilon`` in ``[0, 1]``.
      axis: the axis averaged over.

    Returns:
      ``y_pred``'s shape less ``axis``.

    Native: ``keras.losses.binary_crossentropy``. Differences: a Keras
    sigmoid output is scored from its logits where the tensors carry them
    (Keras: on TensorFlow only); options are validated.

    >>> import numpy as np
    >>> loss = binary_crossentropy(np.array([[1., 0.]]), np.array([[0., 0.]]), from_logits=True)
    >>> np.round(keras.ops.convert_to_numpy(loss), 6).tolist()
    [0.693147]
    """
    _check_flag("from_logits", from_logits)
    _check_smoothing(label_smoothing)
    _check_int("axis", axis)
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    y_pred, from_logits = _logits_of(y_pred, from_logits, "Sigmoid", "binary_crossentropy")
    loss = _lb.binary_crossentropy(y_true, y_pred, from_logits=from_logits,
                                   label_smoothing=label_smoothing, reduction="none")
    return ops.mean(loss, axis=axis)


# --- Loss classes ------------------------------------------------------------------


class _Base(keras.losses.Loss):
    """Shared by the classes: Keras' ``Loss`` plus ``dtype`` in the config."""

    def __init__(self, name: str | None, reduction: str | None, dtype: Any) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        # the argument as given (None: follow floatx() at load time too)
        self._dtype_arg = None if dtype is None else self._dtype_policy.name

    def get_config(self) -> dict:
        config = super().get_config()
        config["dtype"] = self._dtype_arg
        return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CategoricalCrossentropy(_Base):
    r"""Drop-in ``keras.losses.CategoricalCrossentropy``.

    .. math:: \ell = -\sum_c y'_c \log p_c,\qquad y' = (1 - \varepsilon)\,y + \varepsilon / C

    Args:
      from_logits: whether ``y_pred`` holds logits (else probabilities,
        renormalised over ``axis`` and clipped to ``[1e-7, 1 - 1e-7]``).
      label_smoothing: ``\varepsilon`` in ``[0, 1]``; ``C`` is the size of
        ``axis``.
      axis: the class axis (``1`` for channels-first).
      reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
        ``"mean_with_sample_weight"``, ``"none"`` or ``None`` -- Keras' own.
      name: the loss's name.
      dtype: the dtype of the loss (Keras' rule; ``None``: ``floatx()``).

    Native: ``keras.losses.CategoricalCrossentropy`` -- equal on every option.
    Differences: the smoothing's ``C`` is the size of ``axis`` (Keras uses
    ``y_true.shape[-1]``, wrong for ``axis != -1``); Keras softmax outputs are
    scored from their logits on torch too (Keras: TensorFlow only); half
    precision is computed in float32; options are validated at construction;
    ``get_config`` keeps ``dtype``.

    >>> import numpy as np
    >>> cce = CategoricalCrossentropy()
    >>> round(float(cce(np.array([[0., 1., 0.], [0., 0., 1.]]),
    ...                 np.array([[0.05, 0.95, 0.], [0.1, 0.8, 0.1]]))), 4)
    1.1769
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str = "categorical_crossentropy", dtype: Any = None) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = _check_flag("from_logits", from_logits)
        self.label_smoothing = _check_smoothing(label_smoothing)
        self.axis = _check_int("axis", axis)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        y_true, y_pred = _same_rank(y_true, y_pred)
        return categorical_crossentropy(y_true, y_pred, from_logits=self.from_logits,
                                        label_smoothing=self.label_smoothing, axis=self.axis)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(from_logits=self.from_logits, label_smoothing=self.label_smoothing,
                      axis=self.axis)
        return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class SparseCategoricalCrossentropy(_Base):
    r"""Drop-in ``keras.losses.SparseCategoricalCrossentropy``.

    .. math:: \ell_i = -\log p_{i, y_i}

    Args:
      from_logits: whether ``y_pred`` holds logits (else probabilities,
        renormalised over ``axis`` and clipped to ``[1e-7, 1 - 1e-7]``).
      ignore_class: a label to leave out: its elements get loss 0 and are
        masked, so ``"sum_over_batch_size"`` averages over the others (Keras'
        rule: a Keras mask on the per-element loss).
      reduction: as in :class:`CategoricalCrossentropy`.
      axis: the class axis -- any, on every backend (``1`` for
        channels-first).
      name: the loss's name.
      dtype: the dtype of the loss.

    ``y_true`` holds integer labels of ``y_pred``'s shape less ``axis`` (or
    with a size-1 axis there). A label outside ``[0, C)`` (and not
    ``ignore_class``) raises ``ValueError`` in eager mode; in a compiled
    step (``fit``) that element's loss is NaN.

    Native: ``keras.losses.SparseCategoricalCrossentropy`` -- equal on every
    option. Differences: ``axis != -1`` works on every backend (Keras raises
    on TensorFlow and JAX); probabilities are renormalised, then clipped on
    every backend (Keras' TensorFlow backend clips each entry first: another
    value for a row that does not sum to 1 and has an entry near or above 1);
    Keras softmax outputs are scored
    from their logits on torch too; half precision is computed in float32;
    ``get_config`` keeps ``axis`` and ``dtype`` (Keras drops both).
    No ``label_smoothing``: Keras has none for sparse labels (use
    :func:`losses.sparse_categorical_crossentropy` or one-hot labels with
    :class:`CategoricalCrossentropy`).

    >>> import numpy as np
    >>> scce = SparseCategoricalCrossentropy()
    >>> round(float(scce(np.array([1, 2]), np.array([[0.05, 0.95, 0.], [0.1, 0.8, 0.1]]))), 4)
    1.1769
    """

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: str | None = "sum_over_batch_size", axis: int = -1,
                 name: str = "sparse_categorical_crossentropy", dtype: Any = None) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = _check_flag("from_logits", from_logits)
        self.ignore_class = _check_int("ignore_class", ignore_class, optional=True)
        self.axis = _check_int("axis", axis)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        y_true, y_pred = _same_rank(y_true, y_pred)
        return sparse_categorical_crossentropy(y_true, y_pred, from_logits=self.from_logits,
                                               ignore_class=self.ignore_class, axis=self.axis)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(from_logits=self.from_logits, ignore_class=self.ignore_class, axis=self.axis)
        return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class BinaryCrossentropy(_Base):
    r"""Drop-in ``keras.losses.BinaryCrossentropy``.

    .. math:: \ell = \operatorname{mean}_{\text{axis}}
              -\left[y' \log p + (1 - y') \log(1 - p)\right],
              \qquad y' = (1 - \varepsilon)\,y + \varepsilon / 2

    with ``p = sigmoid(y_pred)`` for logits, else ``y_pred`` clipped to
    ``[1e-7, 1 - 1e-7]``. As Keras does, the element-wise loss
    (:func:`losses.binary_crossentropy`) is averaged over ``axis`` before
    ``sample_weight`` and the reduction apply.

    Args:
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: ``\varepsilon`` in ``[0, 1]``.
      axis: the axis averaged over (the features axis).
      reduction: as in :class:`CategoricalCrossentropy`.
      name: the loss's name.
      dtype: the dtype of the loss.

    Native: ``keras.losses.BinaryCrossentropy`` -- equal on every option.
    Differences: Keras sigmoid outputs are scored from their logits on torch
    too; half precision is computed in float32; options are validated;
    ``get_config`` keeps ``dtype``.

    >>> import numpy as np
    >>> bce = BinaryCrossentropy(from_logits=True)
    >>> round(float(bce(np.array([[0., 1.], [0., 0.]]), np.array([[-18.6, 0.51], [2.94, -12.8]]))), 4)
    0.8655
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str = "binary_crossentropy", dtype: Any = None) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = _check_flag("from_logits", from_logits)
        self.label_smoothing = _check_smoothing(label_smoothing)
        self.axis = _check_int("axis", axis)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        y_true, y_pred = _same_rank(y_true, y_pred)
        return binary_crossentropy(y_true, y_pred, from_logits=self.from_logits,
                                   label_smoothing=self.label_smoothing, axis=self.axis)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(from_logits=self.from_logits, label_smoothing=self.label_smoothing,
                      axis=self.axis)
        return config


#: every public class and function: (the registry specs it calls, the Keras native it equals)
CATALOG: dict[str, tuple[tuple[str, ...], str | None]] = {
    "BinaryCrossentropy": (("binary_crossentropy",), "keras.losses.BinaryCrossentropy"),
    "CategoricalCrossentropy": (("categorical_crossentropy",), "keras.losses.CategoricalCrossentropy"),
    "SparseCategoricalCrossentropy": (("sparse_categorical_crossentropy",),
                                      "keras.losses.SparseCategoricalCrossentropy"),
    "binary_crossentropy": (("binary_crossentropy",), "keras.losses.binary_crossentropy"),
    "categorical_crossentropy": (("categorical_crossentropy",), "keras.losses.categorical_crossentropy"),
    "sparse_categorical_crossentropy": (("sparse_categorical_crossentropy",),
                                        "keras.losses.sparse_categorical_crossentropy"),
}
