"""Keras 3 adapter: drop-in replacements for ``keras.losses``, and Keras-style
classes for the catalogue losses Keras lacks.

One import is the whole swap::

    from backends.keras import SparseCategoricalCrossentropy   # was keras.losses
    model.compile(optimizer="adam", loss=SparseCategoricalCrossentropy(from_logits=True))

Drop-ins (Keras' names, arguments, defaults): ``CategoricalCrossentropy``,
``SparseCategoricalCrossentropy``, ``BinaryCrossentropy``,
``BinaryFocalCrossentropy``, ``CategoricalFocalCrossentropy``, ``KLDivergence``,
``MeanSquaredError``, ``MeanAbsoluteError``, ``Huber``, ``LogCosh``,
``Poisson`` and their functional forms. Keras-style classes with no native:
``SparseCategoricalFocalCrossentropy``, ``PolyCrossentropy``, ``JSDivergence``,
``SmoothL1``, ``PoissonNLL``, ``GaussianNLL``. :data:`CATALOG` maps each class
name to the registry specs it uses and the native it equals.

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
``tests/test_keras_adapter.py`` and ``tests/test_keras_catalog.py``;
``docs/keras.md`` has the full table; the class docstrings say which apply):

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
* **``get_config`` has the native's keys, and also ``dtype``** (when one was
  given) and, for ``SparseCategoricalCrossentropy``, ``axis``; for ``Huber``,
  ``delta``; the native drops them, so a reloaded native loss silently falls
  back to ``axis=-1``, ``delta=1`` and ``floatx()``.
* **float64 stays float64**: Keras' JAX and torch backends compute a float64
  ``ops.mean`` in float32 (~1e-8 off); ours take per-example means in float64.
* **An integer ``y_pred`` of a regression function is cast to float**, then
  ``y_true`` to its dtype (Keras casts ``y_true`` to the integer dtype).
* **Focal losses**: logits are scored exactly (``log_sigmoid`` /
  ``log_softmax``) on every backend, where the natives clip ``sigmoid(z)`` (JAX,
  torch) or ``softmax(z)`` (all backends) to ``[1e-7, 1 - 1e-7]``; the binary
  focal factor of a probability uses the clipped ``p`` (finite gradient at
  ``p = 1``); ``alpha`` in ``[0, 1]`` and ``gamma >= 0`` are checked; a list
  ``alpha`` is used in the Loss's dtype (Keras: float32).
* **Regression shapes must match** after Keras' rank rule (the natives
  broadcast ``[N, 1]`` against ``[N, 3]``); ``LogCosh`` keeps its digits at
  small errors, where Keras' ``x + softplus(-2x) - log 2`` cancels.
"""

from __future__ import annotations

import functools
import inspect
import math
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import keras
import numpy as np
from keras import ops

import losses as _lb

from . import table_for as _table_for

try:  # Keras >= 3.6 keeps masks of attribute-less tensors (jax.Array) in a side table
    from keras.src.backend import set_keras_mask as _set_keras_mask
except ImportError:  # pragma: no cover - older Keras 3
    def _set_keras_mask(x: Any, mask: Any) -> None:
        x._keras_mask = mask


#: The declaration table: every public name of this module -> (the registry specs it
#: computes with, the native it equals, or None where Keras has none). It drives
#: ``__all__``, the classes (a ``_LossFunctionWrapper`` subclass must have a row), the
#: docs (``docs/gen_losses.py`` reads it as a literal) and the conformance tests (a
#: native named here without conformance cases fails ``tests/test_keras_catalog.py``).
#: A class's options, defaults and checks are those of the functional form it wraps
#: (its signature and its ``@_functional`` checks). Each class is followed by its
#: functional form (Keras' function of the per-example loss).
CATALOG: dict[str, tuple[tuple[str, ...], str | None]] = {
    "CategoricalCrossentropy": (("categorical_crossentropy",), "keras.losses.CategoricalCrossentropy"),
    "categorical_crossentropy": (("categorical_crossentropy",), "keras.losses.categorical_crossentropy"),
    "SparseCategoricalCrossentropy": (("sparse_categorical_crossentropy",),
                                      "keras.losses.SparseCategoricalCrossentropy"),
    "sparse_categorical_crossentropy": (("sparse_categorical_crossentropy",),
                                        "keras.losses.sparse_categorical_crossentropy"),
    "BinaryCrossentropy": (("binary_crossentropy",), "keras.losses.BinaryCrossentropy"),
    "binary_crossentropy": (("binary_crossentropy",), "keras.losses.binary_crossentropy"),
    "BinaryFocalCrossentropy": (("binary_focal_crossentropy",), "keras.losses.BinaryFocalCrossentropy"),
    "binary_focal_crossentropy": (("binary_focal_crossentropy",),
                                  "keras.losses.binary_focal_crossentropy"),
    "CategoricalFocalCrossentropy": (("categorical_focal_crossentropy",),
                                     "keras.losses.CategoricalFocalCrossentropy"),
    "categorical_focal_crossentropy": (("categorical_focal_crossentropy",),
                                       "keras.losses.categorical_focal_crossentropy"),
    "SparseCategoricalFocalCrossentropy": (("sparse_categorical_focal_crossentropy",), None),
    "sparse_categorical_focal_crossentropy": (("sparse_categorical_focal_crossentropy",), None),
    "PolyCrossentropy": (("poly1_crossentropy",), None),
    "poly_crossentropy": (("poly1_crossentropy",), None),
    "KLDivergence": (("kl_divergence",), "keras.losses.KLDivergence"),
    "kl_divergence": (("kl_divergence",), "keras.losses.kl_divergence"),
    "JSDivergence": (("js_divergence",), None),
    "js_divergence": (("js_divergence",), None),
    "MeanSquaredError": (("mean_squared_error",), "keras.losses.MeanSquaredError"),
    "mean_squared_error": (("mean_squared_error",), "keras.losses.mean_squared_error"),
    "MeanAbsoluteError": (("mean_absolute_error",), "keras.losses.MeanAbsoluteError"),
    "mean_absolute_error": (("mean_absolute_error",), "keras.losses.mean_absolute_error"),
    "MeanAbsolutePercentageError": (("mean_absolute_percentage_error",),
                                    "keras.losses.MeanAbsolutePercentageError"),
    "mean_absolute_percentage_error": (("mean_absolute_percentage_error",),
                                       "keras.losses.mean_absolute_percentage_error"),
    "MeanSquaredLogarithmicError": (("mean_squared_logarithmic_error",),
                                    "keras.losses.MeanSquaredLogarithmicError"),
    "mean_squared_logarithmic_error": (("mean_squared_logarithmic_error",),
                                       "keras.losses.mean_squared_logarithmic_error"),
    "Huber": (("huber",), "keras.losses.Huber"),
    "huber": (("huber",), "keras.losses.huber"),
    "SmoothL1": (("smooth_l1",), None),
    "smooth_l1": (("smooth_l1",), None),
    "LogCosh": (("log_cosh",), "keras.losses.LogCosh"),
    "log_cosh": (("log_cosh",), "keras.losses.log_cosh"),
    "Poisson": (("poisson",), "keras.losses.Poisson"),
    "poisson": (("poisson",), "keras.losses.poisson"),
    "PoissonNLL": (("poisson_nll",), None),
    "poisson_nll": (("poisson_nll",), None),
    "GaussianNLL": (("gaussian_nll",), None),
    "gaussian_nll": (("gaussian_nll",), None),
    "LinearCrossEntropy": (("linear_cross_entropy",), None),
    # --- margin ---
    "Hinge": (("hinge",), "keras.losses.Hinge"),
    "hinge": (("hinge",), "keras.losses.hinge"),
    "SquaredHinge": (("squared_hinge",), "keras.losses.SquaredHinge"),
    "squared_hinge": (("squared_hinge",), "keras.losses.squared_hinge"),
    "CategoricalHinge": (("categorical_hinge",), "keras.losses.CategoricalHinge"),
    "categorical_hinge": (("categorical_hinge",), "keras.losses.categorical_hinge"),
    "MulticlassHinge": (("multiclass_hinge",), None),
    "multiclass_hinge": (("multiclass_hinge",), None),
    "SoftMargin": (("soft_margin",), None),
    "soft_margin": (("soft_margin",), None),
    "HingeEmbedding": (("hinge_embedding",), None),
    "hinge_embedding": (("hinge_embedding",), None),
    "MultiMargin": (("multi_margin",), None),
    "multi_margin": (("multi_margin",), None),
    "MultiLabelMargin": (("multilabel_margin",), None),
    "multilabel_margin": (("multilabel_margin",), None),
    "MultiLabelSoftMargin": (("multilabel_soft_margin",), None),
    "multilabel_soft_margin": (("multilabel_soft_margin",), None),
    "MarginRanking": (("margin_ranking",), None),
    "margin_ranking": (("margin_ranking",), None),
    # --- similarity ---
    "CosineSimilarity": (("cosine_similarity",), "keras.losses.CosineSimilarity"),
    "cosine_similarity": (("cosine_similarity",), "keras.losses.cosine_similarity"),
    "CosineDistance": (("cosine_distance",), None),
    "cosine_distance": (("cosine_distance",), None),
    "CosineEmbedding": (("cosine_embedding",), None),
    "cosine_embedding": (("cosine_embedding",), None),
    "TripletMargin": (("triplet_margin",), None),
    "triplet_margin": (("triplet_margin",), None),
    # --- contrastive ---
    "Circle": (("circle",), "keras.losses.Circle"),
    "circle": (("circle",), "keras.losses.circle"),
    "NTXent": (("ntxent",), None),
    "ntxent": (("ntxent",), None),
    "RankingSoftmax": (("ranking_softmax_loss",), None),
    "ranking_softmax": (("ranking_softmax_loss",), None),
    # --- overlap ---
    "Dice": (("dice",), "keras.losses.Dice"),
    "dice": (("dice",), "keras.losses.dice"),
    "Tversky": (("tversky",), "keras.losses.Tversky"),
    "tversky": (("tversky",), "keras.losses.tversky"),
    "CategoricalGeneralizedCrossEntropy": (("generalized_cross_entropy",),
                                           "keras.losses.CategoricalGeneralizedCrossEntropy"),
    "categorical_generalized_cross_entropy": (("generalized_cross_entropy",),
                                              "keras.losses.categorical_generalized_cross_entropy"),
    "GeneralizedDice": (("generalized_dice",), None),
    "generalized_dice": (("generalized_dice",), None),
    "GeneralizedKLDivergence": (("generalized_kl_divergence",), None),
    "generalized_kl_divergence": (("generalized_kl_divergence",), None),
    # --- structured ---
    "SparsemaxLoss": (("sparsemax_loss",), None),
    "sparsemax_loss": (("sparsemax_loss",), None),
    "MulticlassSparsemaxLoss": (("multiclass_sparsemax_loss",), None),
    "multiclass_sparsemax_loss": (("multiclass_sparsemax_loss",), None),
    # --- sequence ---
    "CTC": (("ctc_loss",), "keras.losses.CTC"),
    "ctc": (("ctc_loss",), "keras.losses.ctc"),
}

__all__ = ["CATALOG", *CATALOG]

Tensor = Any
_PACKAGE = "lossbridge"


# --- option checks (at construction, naming the argument) ----------------------
# A check is ``check(name, value) -> normalised value`` (a Python bool, int, float or
# list: what get_config records), raising ValueError naming the argument.


def _fail(msg: str) -> None:
    raise ValueError(f"lossbridge: {msg}")


def _flag(name: str, value: Any) -> bool:
    if not (isinstance(value, (bool, np.bool_)) or isinstance(value, int) and value in (0, 1)):
        _fail(f"`{name}` must be True or False; got {value!r}")
    return bool(value)


def _integer(name: str, value: Any, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        want = "an integer or None" if optional else "an integer"
        _fail(f"`{name}` must be {want}; got {value!r}")
    return int(value)


def _smoothing(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if isinstance(value, bool) or not 0.0 <= v <= 1.0:
        _fail(f"`{name}` must be a real number in [0, 1]; got {value!r}")
    return v


def _real(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False) -> Callable:
    """The check of a finite real number (not a bool) in ``[lo, hi]`` (``(lo, hi]``
    with ``lo_open``), as a Python float."""

    def check(name: str, value: Any) -> float:
        try:
            v = float(value) if not isinstance(value, (bool, np.bool_, str, bytes)) else math.nan
        except (TypeError, ValueError):
            v = math.nan
        ok = math.isfinite(v) and (lo is None or (v > lo if lo_open else v >= lo))
        if not ok or hi is not None and v > hi:
            lo_s = "-inf" if lo is None else f"{lo:g}"
            hi_s = "inf" if hi is None else f"{hi:g}"
            _fail(f"`{name}` must be a finite real number in {'(' if lo_open else '['}{lo_s}, "
                  f"{hi_s}]; got {value!r}")
        return v

    return check


def _alpha(name: str, value: Any) -> float | list[float]:
    """``alpha`` of the categorical focal losses: a number in ``[0, 1]`` or a 1-D
    sequence of such numbers, one per class (kept as a list: a JSON config)."""
    if isinstance(value, (list, tuple)) or np.ndim(value) > 0:
        a = np.asarray(value, dtype=object)
        if a.ndim != 1 or a.size == 0:
            _fail(f"`{name}` must be a number in [0, 1] or a 1-D sequence of such numbers "
                  f"(one per class); got {value!r}")
        return [_UNIT(name, v) for v in a.tolist()]
    return _UNIT(name, value)


_UNIT = _real(0.0, 1.0)

#: the check of each option, by name, unless a functional form declares another
_CHECKS: dict[str, Callable] = {
    "from_logits": _flag, "apply_class_balancing": _flag, "log_input": _flag, "full": _flag,
    "label_smoothing": _smoothing, "axis": _integer,
    "ignore_class": functools.partial(_integer, optional=True),
    "alpha": _UNIT, "gamma": _real(0.0), "beta": _real(0.0),
    "delta": _real(0.0, lo_open=True), "epsilon": _real(0.0, lo_open=True),
}


def _functional(**checks: Callable) -> Callable:
    """Declare a functional form: its signature (Keras' argument names, order and
    defaults) declares its options; each option is checked by ``checks[name]``, else
    by ``_CHECKS[name]``, before the body runs (so the body sees normalised values)."""

    def declare(fn: Callable) -> Callable:
        sig = inspect.signature(fn)
        table = {name: checks.get(name) or _CHECKS[name] for name in list(sig.parameters)[2:]}

        @functools.wraps(fn)
        def checked(*args: Any, **kwargs: Any) -> Tensor:
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            for name, check in table.items():
                bound.arguments[name] = check(name, bound.arguments[name])
            return fn(*bound.args)

        checked.checks = table
        return checked

    return declare


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


def _carried_logits(y_pred: Tensor, op_type: str) -> Tensor | None:
    """The logits behind a Keras ``softmax``/``sigmoid`` output, as Keras'
    TensorFlow backend finds them (``_get_logits`` in
    ``backend/tensorflow/nn.py``): the ``_keras_logits`` the activation cached
    on its output, or, for a TensorFlow graph tensor made by a
    ``Softmax``/``Sigmoid`` op, that op's input. ``None`` when there are none."""
    logits = getattr(y_pred, "_keras_logits", None)
    if logits is None and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        op = getattr(y_pred, "op", None)
        if (op is not None and not isinstance(y_pred, (tf.__internal__.EagerTensor, tf.Variable))
                and op.type == op_type and len(op.inputs) == 1):
            logits = op.inputs[0]
    return logits


def _logits_of(y_true: Any, y_pred: Any, from_logits: bool, op_type: str, fn_name: str, *,
               cast: bool = False) -> tuple[Tensor, Tensor, bool]:
    """Tensors (:func:`_tensors`), and the logits behind a Keras ``softmax``/``sigmoid``
    output in place of it (see :func:`_carried_logits`); warn, as Keras does, when
    ``from_logits=True`` was passed with such an output."""
    y_true, y_pred = _tensors(y_true, y_pred, cast=cast)
    logits = _carried_logits(y_pred, op_type)
    if logits is None:
        return y_true, y_pred, from_logits
    if from_logits:
        warnings.warn(
            f'"`{fn_name}` received `from_logits=True`, but the `output` argument was produced '
            f"by a {op_type} activation and thus does not represent logits. Was this intended?",
            stacklevel=4,
        )
    return y_true, logits, True


def _finite(x: Tensor) -> Tensor:
    """``x`` saturated at its dtype's largest finite value, with an identity
    gradient (``docs/extreme-values.md``): a mean or sum of losses that are
    each finite cannot overflow to ``inf``."""
    xp = _table_for(x)
    return xp.saturate(x, xp.max_finite(xp.dtype_of(x)))


def _mean(x: Tensor, axis: int) -> Tensor:
    """``ops.mean(x, axis)``, but a float64 mean in float64: Keras' JAX and torch
    backends compute it in float32 (``result_type(x.dtype, "float32")`` is float32 there
    for a framework dtype), off by ~1e-8, gradient included. The table's mean (``jnp.mean``,
    ``torch.mean``, ``tf.reduce_mean``) keeps float64."""
    if keras.backend.standardize_dtype(x.dtype) == "float64":
        return _table_for(x).mean(x, axis)
    return ops.mean(x, axis=axis)


def _eps() -> float:
    """Keras' fuzz factor, ``keras.config.epsilon()`` (1e-7 unless changed), read at
    call time as Keras' own losses do."""
    return float(keras.config.epsilon())


def _tensors(y_true: Any, y_pred: Any, *, cast: bool = True) -> tuple[Tensor, Tensor]:
    """Tensors; with ``cast``, ``y_true`` in ``y_pred``'s dtype (Keras'
    ``ops.cast(y_true, y_pred.dtype)``)."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    return (ops.cast(y_true, y_pred.dtype) if cast else y_true), y_pred


def _real_tensors(y_true: Any, y_pred: Any) -> tuple[Tensor, Tensor]:
    """Keras' regression inputs: tensors, ``y_true`` converted to ``y_pred``'s dtype;
    an integer or boolean ``y_pred`` is first cast to float, as Keras' ``ops.mean``
    promotes it (``result_type(dtype, "float32")``; Keras casts ``y_true`` to the
    integer dtype instead, truncating a fractional ``y_true``)."""
    y_pred = ops.convert_to_tensor(y_pred)
    if not keras.backend.is_float_dtype(y_pred.dtype):
        y_pred = ops.cast(y_pred, keras.backend.result_type(y_pred.dtype, "float32"))
    return ops.convert_to_tensor(y_true, dtype=y_pred.dtype), y_pred


def _labels(y_true: Any, y_pred: Any, axis: int) -> tuple[Tensor, Tensor]:
    """Tensors; integer labels with a size-1 class axis lose it (Keras' rule)."""
    y_true, y_pred = _tensors(y_true, y_pred, cast=False)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[axis] == 1:
        y_true = ops.squeeze(y_true, axis)
    return y_true, y_pred


def _masked(loss: Tensor, y_true: Tensor, ignore_class: int | None) -> Tensor:
    """``loss`` carrying the Keras mask of the elements whose label is not ``ignore_class``."""
    if ignore_class is not None:
        _set_keras_mask(loss, ops.reshape(ops.not_equal(y_true, ignore_class), ops.shape(loss)))
    return loss


def _alpha_array(alpha: float | list[float]) -> Any:
    return np.asarray(alpha) if isinstance(alpha, list) else alpha


# --- functional forms (Keras' names and arguments; per-element losses) ---------------


@_functional()
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
    y_true, y_pred, from_logits = _logits_of(y_true, y_pred, from_logits, "Softmax",
                                             "categorical_crossentropy")
    return _lb.categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                        label_smoothing=label_smoothing, axis=axis,
                                        reduction="none")


@_functional()
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
    y_true, y_pred = _labels(y_true, y_pred, axis)
    y_true, y_pred, from_logits = _logits_of(y_true, y_pred, from_logits, "Softmax",
                                             "sparse_categorical_crossentropy")
    loss = _lb.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis,
                                               ignore_index=ignore_class, reduction="none")
    return _masked(loss, y_true, ignore_class)


@_functional()
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
    >>> round(float(loss[0]), 6)  # log 2
    0.693147
    """
    y_true, y_pred, from_logits = _logits_of(y_true, y_pred, from_logits, "Sigmoid",
                                             "binary_crossentropy")
    loss = _lb.binary_crossentropy(y_true, y_pred, from_logits=from_logits,
                                   label_smoothing=label_smoothing, reduction="none")
    return _finite(_mean(loss, axis))


@_functional()
def binary_focal_crossentropy(y_true: Any, y_pred: Any, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                              label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    r"""Binary focal cross-entropy averaged over ``axis``, as
    ``keras.losses.binary_focal_crossentropy``.

    .. math:: \ell = \operatorname{mean}_{\text{axis}}\; w\,(1 - p_t)^\gamma\,
              \mathrm{BCE}(y', p),\qquad 1 - p_t = y'(1 - p) + (1 - y')\,p,
              \qquad w = \alpha y' + (1 - \alpha)(1 - y')\ \text{(class balancing) or } 1

    with ``y' = (1 - \varepsilon) y + \varepsilon / 2`` and ``p = sigmoid(y_pred)``
    for logits, else ``y_pred`` clipped to ``[epsilon, 1 - epsilon]``
    (``epsilon = keras.config.epsilon()``). The element-wise loss is
    :func:`losses.binary_focal_crossentropy`.

    Args:
      y_true, y_pred, from_logits, label_smoothing, axis: as in
        :func:`binary_crossentropy`.
      apply_class_balancing: weigh positives by ``alpha``, negatives by ``1 - alpha``.
      alpha: in ``[0, 1]``.
      gamma: the focusing parameter, ``>= 0``.

    Returns:
      ``y_pred``'s shape less ``axis``.

    Native: ``keras.losses.binary_focal_crossentropy``. Differences: logits are
    scored with ``log_sigmoid`` on every backend (Keras: on TensorFlow, where it
    recovers them; on JAX and torch it clips ``sigmoid(z)``, saturating at
    ``|z| > 16``); a Keras sigmoid output is scored from its logits where the
    tensors carry them (TensorFlow, torch); the factor of a probability uses the
    clipped ``p`` (Keras: unclipped, an infinite gradient at ``p = 1``,
    ``gamma < 1``); options are validated.

    >>> import numpy as np
    >>> loss = binary_focal_crossentropy(np.array([[1., 0.]]), np.array([[0., 0.]]), from_logits=True)
    >>> np.round(keras.ops.convert_to_numpy(loss), 6).tolist()  # (1/2)^2 log 2
    [0.173287]
    """
    y_true, y_pred = _tensors(y_true, y_pred)
    logits = None if from_logits else _carried_logits(y_pred, "Sigmoid")  # as Keras' TensorFlow
    if logits is not None:
        y_pred, from_logits = logits, True
    loss = _lb.binary_focal_crossentropy(
        y_true, y_pred, apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
        from_logits=from_logits, label_smoothing=label_smoothing, reduction="none", epsilon=_eps())
    return _mean(loss, axis)


@_functional(alpha=_alpha)
def categorical_focal_crossentropy(y_true: Any, y_pred: Any, alpha: Any = 0.25, gamma: float = 2.0,
                                   from_logits: bool = False, label_smoothing: float = 0.0,
                                   axis: int = -1) -> Tensor:
    r"""Per-example categorical focal cross-entropy, as
    ``keras.losses.categorical_focal_crossentropy``.

    .. math:: \ell = -\sum_c \alpha_c\,(1 - p_c)^\gamma\, y'_c \log p_c,
              \qquad y' = (1 - \varepsilon)\,y + \varepsilon / C

    ``p = softmax(y_pred)`` over ``axis`` (computed with ``log_softmax``) for
    logits, else ``y_pred`` renormalised over ``axis`` and clipped to
    ``[epsilon, 1 - epsilon]``. The loss is :func:`losses.categorical_focal_crossentropy`.

    Args:
      y_true: one-hot or soft targets, ``y_pred``'s shape.
      y_pred: logits or probabilities.
      alpha: a number in ``[0, 1]``, or one such number per class (laid along ``axis``).
      gamma: the focusing parameter, ``>= 0``.
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: ``\varepsilon`` in ``[0, 1]``; ``C`` is the size of ``axis``.
      axis: the class axis.

    Returns:
      ``y_pred``'s shape less ``axis``.

    Native: ``keras.losses.categorical_focal_crossentropy``. Differences: for
    logits Keras clips ``softmax(z)`` to ``[epsilon, 1 - epsilon]``, so a class
    with ``p_c < epsilon`` scores ``-log(epsilon) = 16.1`` with zero gradient;
    ours is exact there (equal whenever every ``p_c`` is inside the clip);
    ``C`` is the size of ``axis`` and a per-class ``alpha`` lies along ``axis``
    (Keras: the last axis for both, whatever ``axis`` is); options are validated.

    >>> import numpy as np
    >>> loss = categorical_focal_crossentropy(np.array([[0., 1.]]), np.array([[0., 0.]]), from_logits=True)
    >>> np.round(keras.ops.convert_to_numpy(loss), 6).tolist()  # alpha (1/2)^2 log 2
    [0.043322]
    """
    y_true, y_pred = _tensors(y_true, y_pred)
    return _lb.categorical_focal_crossentropy(
        y_true, y_pred, alpha=_alpha_array(alpha), gamma=gamma, from_logits=from_logits,
        label_smoothing=label_smoothing, axis=axis, reduction="none", epsilon=_eps())


@_functional(alpha=_alpha)
def sparse_categorical_focal_crossentropy(y_true: Any, y_pred: Any, alpha: Any = 0.25,
                                          gamma: float = 2.0, from_logits: bool = False,
                                          label_smoothing: float = 0.0,
                                          ignore_class: int | None = None, axis: int = -1) -> Tensor:
    r"""Per-example focal cross-entropy with integer labels (no Keras native).

    .. math:: \ell_i = -\sum_c \alpha_c \left[(1-\varepsilon)[c = y_i] + \tfrac{\varepsilon}{C}\right]
              (1 - p_{i,c})^\gamma \log p_{i,c}

    :func:`categorical_focal_crossentropy` of the one-hot labels, with
    :func:`sparse_categorical_crossentropy`'s label rules: labels of
    ``y_pred``'s shape less ``axis`` (or a size-1 axis there), ``ignore_class``
    elements get loss 0 and a Keras mask. The loss is
    :func:`losses.sparse_categorical_focal_crossentropy`.

    Args:
      y_true: integer labels (whole numbers of any dtype).
      y_pred: logits or probabilities.
      alpha, gamma, from_logits, label_smoothing: as in
        :func:`categorical_focal_crossentropy`.
      ignore_class: a label to leave out of the loss and the reduction.
      axis: the class axis, any.

    Returns:
      ``y_pred``'s shape less ``axis``; with ``ignore_class``, carrying the Keras
      mask of the elements counted.

    Native: none in Keras; it equals ``keras.losses.categorical_focal_crossentropy(
    one_hot(y_true), y_pred, ...)`` (and the Keras mask of ``ignore_class``).

    >>> import numpy as np
    >>> loss = sparse_categorical_focal_crossentropy(np.array([1]), np.array([[0., 0.]]), from_logits=True)
    >>> np.round(keras.ops.convert_to_numpy(loss), 6).tolist()
    [0.043322]
    """
    y_true, y_pred = _labels(y_true, y_pred, axis)
    loss = _lb.sparse_categorical_focal_crossentropy(
        y_true, y_pred, alpha=_alpha_array(alpha), gamma=gamma, from_logits=from_logits,
        label_smoothing=label_smoothing, axis=axis, ignore_index=ignore_class, reduction="none",
        epsilon=_eps())
    return _masked(loss, y_true, ignore_class)


@_functional(epsilon=_real())
def poly_crossentropy(y_true: Any, y_pred: Any, epsilon: float = 2.0, from_logits: bool = False,
                      label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    r"""Per-example Poly-1 cross-entropy (Leng et al., 2022; no Keras native).

    .. math:: \ell = -\sum_c y'_c \log p_c + \epsilon \sum_c y'_c (1 - p_c),
              \qquad y' = (1 - \varepsilon_{ls})\,y + \varepsilon_{ls} / C

    :func:`categorical_crossentropy` plus the first polynomial term. The loss
    is :func:`losses.poly1_crossentropy` (``poly_epsilon=epsilon``; its clip is
    ``keras.config.epsilon()``).

    Args:
      y_true: one-hot or soft targets, ``y_pred``'s shape.
      y_pred: logits or probabilities (renormalised over ``axis``; the log
        clips them to ``[1e-7, 1 - 1e-7]`` as Keras' cross-entropy does, the
        poly term uses them unclipped).
      epsilon: the poly-1 coefficient, any real number (default 2.0, optax's;
        the paper recommends -1 for detection).
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: in ``[0, 1]``; enters both terms.
      axis: the class axis.

    Returns:
      ``y_pred``'s shape less ``axis``.

    Native: none in Keras; ``optax.poly_loss_cross_entropy(logits, labels,
    epsilon)`` for ``from_logits=True``. A Keras softmax output is scored from
    its logits where the tensors carry them, as :func:`categorical_crossentropy`.

    >>> import numpy as np
    >>> loss = poly_crossentropy(np.array([[0., 1.]]), np.array([[0., 0.]]), from_logits=True)
    >>> np.round(keras.ops.convert_to_numpy(loss), 6).tolist()  # log 2 + 2 (1 - 1/2)
    [1.693147]
    """
    y_true, y_pred, from_logits = _logits_of(y_true, y_pred, from_logits, "Softmax",
                                             "poly_crossentropy", cast=True)
    return _lb.poly1_crossentropy(y_true, y_pred, poly_epsilon=epsilon, from_logits=from_logits,
                                  label_smoothing=label_smoothing, axis=axis, reduction="none",
                                  epsilon=_eps())


@_functional()
def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    r"""Per-example Kullback-Leibler divergence, as ``keras.losses.kl_divergence``.

    .. math:: \ell = \sum_c t_c \log(t_c / q_c),\qquad t = \mathrm{clip}(y, \epsilon, 1),
              \quad q = \mathrm{clip}(\hat y, \epsilon, 1)

    over the last axis, ``epsilon = keras.config.epsilon()`` (both clipped, as
    Keras does: a 0 in ``y_true`` counts as ``epsilon``). The loss is
    :func:`losses.kl_divergence` with its defaults.

    Args:
      y_true: the target distribution ``P``.
      y_pred: the predicted distribution ``Q`` (probabilities).

    Returns:
      ``y_pred``'s shape less the last axis.

    Native: ``keras.losses.kl_divergence`` -- equal.

    >>> import numpy as np
    >>> loss = kl_divergence(np.array([[0.5, 0.5]]), np.array([[0.25, 0.75]]))
    >>> np.round(keras.ops.convert_to_numpy(loss), 6).tolist()
    [0.143841]
    """
    y_true, y_pred = _tensors(y_true, y_pred)
    return _lb.kl_divergence(y_true, y_pred, reduction="none", epsilon=_eps())


@_functional()
def js_divergence(y_true: Any, y_pred: Any, from_logits: bool = False, axis: int = -1) -> Tensor:
    r"""Per-example Jensen-Shannon divergence in nats (no Keras native).

    .. math:: \mathrm{JS}(P, Q) = \tfrac12 \mathrm{KL}(P \| M) + \tfrac12 \mathrm{KL}(Q \| M),
              \qquad M = \tfrac12 (P + Q)

    Symmetric, at most ``log 2``. ``P`` and ``Q`` are renormalised over
    ``axis``; logs are floored at ``keras.config.epsilon()`` (``0 log 0 = 0``).
    The loss is :func:`losses.js_divergence`.

    Args:
      y_true: ``P``, probabilities or non-negative weights.
      y_pred: ``Q``, the same, or logits (``from_logits=True``).
      from_logits: whether ``y_pred`` holds logits.
      axis: the class axis.

    Returns:
      ``y_pred``'s shape less ``axis``.

    Native: none in Keras; ``scipy.spatial.distance.jensenshannon(p, q) ** 2``.

    >>> import numpy as np
    >>> loss = js_divergence(np.array([[1., 0.]]), np.array([[0., 1.]]))
    >>> np.round(keras.ops.convert_to_numpy(loss), 6).tolist()  # log 2
    [0.693147]
    """
    y_true, y_pred = _tensors(y_true, y_pred)
    return _lb.js_divergence(y_true, y_pred, from_logits=from_logits, axis=axis, reduction="none",
                             epsilon=_eps())


def _last_axis_mean(fn: Any, y_true: Any, y_pred: Any, **options: Any) -> Tensor:
    """Keras' regression convention: an integer ``y_pred`` cast to float, ``y_true`` to
    its dtype, the rank rule, then the element-wise loss averaged over the last axis."""
    y_true, y_pred = _same_rank(*_real_tensors(y_true, y_pred))
    return _mean(fn(y_true, y_pred, reduction="none", **options), -1)


@_functional()
def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    r"""Mean squared error over the last axis, as ``keras.losses.mean_squared_error``.

    .. math:: \ell = \operatorname{mean}_{-1} (\hat y - y)^2

    The element-wise loss is :func:`losses.mean_squared_error`. ``y_true`` and
    ``y_pred`` must have the same shape after Keras' rank rule (``[N]`` against
    ``[N, 1]`` is fine); other shapes raise ``ValueError`` naming both (Keras
    broadcasts them).

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(mean_squared_error(np.array([[0., 1.]]), np.array([[1., 3.]]))), 6).tolist()
    [2.5]
    """
    return _last_axis_mean(_lb.mean_squared_error, y_true, y_pred)


@_functional()
def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    r"""Mean absolute error over the last axis, as ``keras.losses.mean_absolute_error``.

    .. math:: \ell = \operatorname{mean}_{-1} |\hat y - y|

    The element-wise loss is :func:`losses.mean_absolute_error`; shapes as in
    :func:`mean_squared_error`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(mean_absolute_error(np.array([[0., 1.]]), np.array([[1., 3.]]))), 6).tolist()
    [1.5]
    """
    return _last_axis_mean(_lb.mean_absolute_error, y_true, y_pred)


@_functional()
def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    r"""Mean absolute percentage error over the last axis, as
    ``keras.losses.mean_absolute_percentage_error``.

    .. math:: \ell = \operatorname{mean}_{-1}\, 100\,|\hat y - y| / \max(|y|, \epsilon)

    ``epsilon = keras.config.epsilon()``. The element-wise loss is
    :func:`losses.mean_absolute_percentage_error`; shapes as in :func:`mean_squared_error`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(mean_absolute_percentage_error(np.array([[2., -4.]]), np.array([[1., -3.]]))), 6).tolist()
    [37.5]
    """
    return _last_axis_mean(_lb.mean_absolute_percentage_error, y_true, y_pred, epsilon=_eps())


@_functional()
def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    r"""Mean squared logarithmic error over the last axis, as
    ``keras.losses.mean_squared_logarithmic_error``.

    .. math:: \ell = \operatorname{mean}_{-1} \big(\log(1 + \max(\hat y, \epsilon))
              - \log(1 + \max(y, \epsilon))\big)^2

    ``epsilon = keras.config.epsilon()``. The element-wise loss is
    :func:`losses.mean_squared_logarithmic_error` (``log1p``: exact where
    Keras' ``log(x + 1)`` rounds small values); shapes as in :func:`mean_squared_error`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(mean_squared_logarithmic_error(np.array([[0., 1.]]), np.array([[0., 1.]]))), 6).tolist()
    [0.0]
    """
    return _last_axis_mean(_lb.mean_squared_logarithmic_error, y_true, y_pred, epsilon=_eps())


@_functional()
def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    r"""Huber loss averaged over the last axis, as ``keras.losses.huber``.

    .. math:: \ell = \operatorname{mean}_{-1} \begin{cases} \tfrac12 x^2 & |x| \le \delta \\
              \delta |x| - \tfrac12 \delta^2 & |x| > \delta \end{cases},\qquad x = \hat y - y

    The element-wise loss is :func:`losses.huber`; shapes as in
    :func:`mean_squared_error`. ``delta`` must be a finite number > 0
    (``ValueError`` otherwise; Keras computes with any).

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(huber(np.array([[0., 0.]]), np.array([[0.5, 3.0]]))), 6).tolist()
    [1.3125]
    """
    return _last_axis_mean(_lb.huber, y_true, y_pred, delta=delta)


@_functional()
def smooth_l1(y_true: Any, y_pred: Any, beta: float = 1.0) -> Tensor:
    r"""Smooth L1 loss averaged over the last axis (torch's ``SmoothL1Loss``; no Keras native).

    .. math:: \ell = \operatorname{mean}_{-1} \begin{cases} \tfrac{1}{2\beta} x^2 & |x| < \beta \\
              |x| - \tfrac12 \beta & |x| \ge \beta \end{cases},\qquad x = \hat y - y

    ``beta = 0`` is :func:`mean_absolute_error`; ``beta * smooth_l1(beta)`` is
    :func:`huber` at ``delta = beta``. The element-wise loss is
    :func:`losses.smooth_l1`; shapes as in :func:`mean_squared_error`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(smooth_l1(np.array([[0., 0.]]), np.array([[0.5, 3.0]]), beta=2.0)), 6).tolist()
    [1.03125]
    """
    return _last_axis_mean(_lb.smooth_l1, y_true, y_pred, beta=beta)


@_functional()
def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    r"""Log-cosh of the error averaged over the last axis, as ``keras.losses.log_cosh``.

    .. math:: \ell = \operatorname{mean}_{-1} \log\cosh(\hat y - y)

    The element-wise loss is :func:`losses.log_cosh`: accurate at small
    errors, where Keras' ``x + softplus(-2x) - log 2`` cancels (float32: about
    ``1e-7`` absolute error, so no correct digit below ``|x| ~ 3e-4``), and in
    float64 Keras subtracts ``log 2`` rounded to float32 (every value
    ``1.9e-9`` low). Equal elsewhere.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(log_cosh(np.array([[0., 0.]]), np.array([[1., -1.]]))), 6).tolist()
    [0.433781]
    """
    return _last_axis_mean(_lb.log_cosh, y_true, y_pred)


@_functional()
def poisson(y_true: Any, y_pred: Any) -> Tensor:
    r"""Poisson loss averaged over the last axis, as ``keras.losses.poisson``.

    .. math:: \ell = \operatorname{mean}_{-1}\, \hat y - y \log(\hat y + \epsilon)

    ``epsilon = keras.config.epsilon()``. The element-wise loss is
    :func:`losses.poisson`. Keras' rank rule applies (the native function
    broadcasts ``[N]`` against ``[N, 1]`` to ``[N, N]``; its class applies
    the rule); other mismatched shapes raise ``ValueError``.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(poisson(np.array([[2.]]), np.array([[1.]]))), 6).tolist()
    [1.0]
    """
    return _last_axis_mean(_lb.poisson, y_true, y_pred, epsilon=_eps())


@_functional()
def poisson_nll(y_true: Any, y_pred: Any, log_input: bool = True, full: bool = False,
                epsilon: float = 1e-8) -> Tensor:
    r"""Poisson negative log-likelihood averaged over the last axis (torch's
    ``PoissonNLLLoss``; no Keras native).

    .. math:: \ell = \operatorname{mean}_{-1} \begin{cases} e^{z} - y z & \text{log\_input} \\
              \hat y - y \log(\hat y + \epsilon) & \text{otherwise} \end{cases}
              + [\text{full}]\,[y > 1]\,(y \log y - y + \tfrac12 \log 2\pi y)

    The element-wise loss is :func:`losses.poisson_nll` (``eps=epsilon``).

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(poisson_nll(np.array([[2.]]), np.array([[0.]]))), 6).tolist()
    [1.0]
    """
    return _last_axis_mean(_lb.poisson_nll, y_true, y_pred, log_input=log_input, full=full, eps=epsilon)


@_functional()
def gaussian_nll(y_true: Any, y_pred: Any, full: bool = False, epsilon: float = 1e-6) -> Tensor:
    r"""Gaussian negative log-likelihood averaged over the last axis (torch's
    ``GaussianNLLLoss``; no Keras native).

    ``y_pred`` holds the predicted means and variances side by side on its
    last axis, ``[..., 2 D]`` for ``y_true`` of ``[..., D]``: ``mu =
    y_pred[..., :D]``, ``v = y_pred[..., D:]`` (a ``[N]`` ``y_true`` counts as
    ``[N, 1]``). Give the variance a positive activation (``softplus``).

    .. math:: \ell = \operatorname{mean}_{-1} \tfrac12\left(\log v' + \frac{(y - \mu)^2}{v'}\right)
              + [\text{full}]\,\tfrac12\log 2\pi, \qquad v' = \max(v, \epsilon)

    The element-wise loss is :func:`losses.gaussian_nll` (``eps=epsilon``):
    gradients reach both the means and the variances (through the clamp
    unchanged, as torch). A negative variance raises ``ValueError`` in eager
    mode; in a compiled step its elements' loss is NaN.

    >>> import numpy as np
    >>> v = gaussian_nll(np.array([[1.]]), np.array([[3., 2.]]))  # (log 2 + 2^2 / 2) / 2
    >>> np.round(keras.ops.convert_to_numpy(v) - 0.5 * np.log(2.0), 6).tolist()
    [1.0]
    """
    y_true, y_pred = _real_tensors(y_true, y_pred)
    if len(y_true.shape) == len(y_pred.shape) - 1:
        y_true = ops.expand_dims(y_true, -1)
    d, d2 = y_true.shape[-1] if len(y_true.shape) else None, y_pred.shape[-1] if len(y_pred.shape) else None
    if (len(y_true.shape) != len(y_pred.shape) or d is None or d2 is None or d2 != 2 * d
            or any(a is not None and b is not None and a != b
                   for a, b in zip(y_true.shape[:-1], y_pred.shape[:-1]))):
        _fail(f"`y_pred` must hold means and variances side by side on its last axis, shape "
              f"[..., 2 D] for `y_true` of shape [..., D]; got y_true.shape={tuple(y_true.shape)} "
              f"and y_pred.shape={tuple(y_pred.shape)}")
    mean, var = y_pred[..., :d], y_pred[..., d:]
    return _mean(_lb.gaussian_nll(y_true, mean, var, full=full, eps=epsilon, reduction="none"), -1)


# --- Loss classes: one base, driven by the declarations ---------------------------------


class _LossFunctionWrapper(keras.losses.Loss):
    """Keras' ``LossFunctionWrapper``, generated from a declaration. A subclass is::

        class Huber(_LossFunctionWrapper, fn=huber, name="huber_loss"):
            '''docstring'''

    ``fn`` is the functional form it wraps: its options (names, defaults, checks) are
    the class's. From them the subclass gets an ``__init__`` with a real signature (the
    options in ``fn``'s order, or ``order`` where Keras' differs, then ``reduction``,
    ``name`` (default ``name`` or ``fn``'s name) and ``dtype``), the options as checked
    attributes, ``call`` (Keras' rank rule unless ``same_rank=False``, then ``fn``),
    ``get_config`` (Keras' keys -- ``name``, ``reduction``, the options -- and ``dtype``
    when one was given) and its registration as ``lossbridge>ClassName``. Its name must
    be a key of :data:`CATALOG`.
    """

    _fn: ClassVar[Callable]
    _options: ClassVar[tuple[str, ...]] = ()
    _same_rank: ClassVar[bool] = True

    def __init_subclass__(cls, *, fn: Callable, name: str | None = None, order: str | None = None,
                          same_rank: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__name__ not in CATALOG:
            raise TypeError(f"{cls.__name__} has no row in CATALOG")
        params = list(inspect.signature(fn).parameters.values())[2:]
        cls._fn, cls._options, cls._same_rank = staticmethod(fn), tuple(p.name for p in params), same_rank
        P = inspect.Parameter
        given = {p.name: p for p in params} | {
            "reduction": P("reduction", P.POSITIONAL_OR_KEYWORD, default="sum_over_batch_size",
                           annotation="str | None"),
            "name": P("name", P.POSITIONAL_OR_KEYWORD, default=name or fn.__name__, annotation="str"),
            "dtype": P("dtype", P.POSITIONAL_OR_KEYWORD, default=None, annotation="Any"),
        }
        names = order.split() if order else [*cls._options, "reduction"]
        if "name" not in names:  # Keras' usual tail; an order naming it places it (Dice)
            names += ["name", "dtype"]
        if sorted(names) != sorted(given):
            raise TypeError(f"{cls.__name__}: order {names} is not a permutation of {sorted(given)}")
        self_ = P("self", P.POSITIONAL_OR_KEYWORD)
        cls.__init__ = _init(inspect.Signature([self_, *(given[n] for n in names)], return_annotation=None))
        cls.__init__.__qualname__ = f"{cls.__qualname__}.__init__"
        keras.saving.register_keras_serializable(package=_PACKAGE)(cls)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        # Keras' reduction sums before it divides: saturate, as every loss here does
        return _finite(super().__call__(y_true, y_pred, sample_weight))

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        if self._same_rank:
            y_true, y_pred = _same_rank(y_true, y_pred)
        return self._fn(y_true, y_pred, **{o: getattr(self, o) for o in self._options})

    def get_config(self) -> dict:
        config = super().get_config()
        if self._dtype_arg is not None:
            config["dtype"] = self._dtype_arg
        config.update((o, getattr(self, o)) for o in self._options)
        return config


def _init(signature: inspect.Signature) -> Callable:
    """The ``__init__`` of a :class:`_LossFunctionWrapper` subclass, with ``signature``."""

    def __init__(self: _LossFunctionWrapper, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        a = bound.arguments
        keras.losses.Loss.__init__(self, name=a["name"], reduction=a["reduction"], dtype=a["dtype"])
        # the argument as given (None: follow floatx() at load time too)
        self._dtype_arg = None if a["dtype"] is None else self._dtype_policy.name
        checks = self._fn.checks
        for option in self._options:
            setattr(self, option, checks[option](option, a[option]))

    __init__.__signature__ = signature
    return __init__


class CategoricalCrossentropy(_LossFunctionWrapper, fn=categorical_crossentropy):
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
    ``get_config`` keeps ``dtype`` when given.

    >>> import numpy as np
    >>> cce = CategoricalCrossentropy()
    >>> round(float(cce(np.array([[0., 1., 0.], [0., 0., 1.]]),
    ...                 np.array([[0.05, 0.95, 0.], [0.1, 0.8, 0.1]]))), 4)
    1.1769
    """


class SparseCategoricalCrossentropy(_LossFunctionWrapper, fn=sparse_categorical_crossentropy,
                                    order="from_logits ignore_class reduction axis"):
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
    ``get_config`` keeps ``axis`` (and ``dtype`` when given; Keras drops both).
    No ``label_smoothing``: Keras has none for sparse labels (use
    :func:`losses.sparse_categorical_crossentropy` or one-hot labels with
    :class:`CategoricalCrossentropy`).

    >>> import numpy as np
    >>> scce = SparseCategoricalCrossentropy()
    >>> round(float(scce(np.array([1, 2]), np.array([[0.05, 0.95, 0.], [0.1, 0.8, 0.1]]))), 4)
    1.1769
    """


class BinaryCrossentropy(_LossFunctionWrapper, fn=binary_crossentropy):
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
    ``get_config`` keeps ``dtype`` when given.

    >>> import numpy as np
    >>> bce = BinaryCrossentropy(from_logits=True)
    >>> round(float(bce(np.array([[0., 1.], [0., 0.]]), np.array([[-18.6, 0.51], [2.94, -12.8]]))), 4)
    0.8655
    """


class BinaryFocalCrossentropy(_LossFunctionWrapper, fn=binary_focal_crossentropy):
    r"""Drop-in ``keras.losses.BinaryFocalCrossentropy``.

    .. math:: \ell = \operatorname{mean}_{\text{axis}}\; w\,(1 - p_t)^\gamma\,
              \mathrm{BCE}(y', p),\qquad w = \alpha y' + (1 - \alpha)(1 - y')
              \ \text{(class balancing) or } 1

    See :func:`binary_focal_crossentropy`; the element-wise loss
    (:func:`losses.binary_focal_crossentropy`) is averaged over ``axis`` before
    ``sample_weight`` and the reduction apply, as Keras does.

    Args:
      apply_class_balancing: weigh positives by ``alpha``, negatives by ``1 - alpha``.
      alpha: in ``[0, 1]``.
      gamma: the focusing parameter, ``>= 0``.
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: in ``[0, 1]``.
      axis: the axis averaged over.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.BinaryFocalCrossentropy`` -- equal on every option.
    Differences: logits are scored with ``log_sigmoid`` on every backend (the
    native does so on TensorFlow; on JAX and torch it clips ``sigmoid(z)``,
    saturating at ``|z| > 16``); the focal factor of a probability uses the
    clipped ``p``; Keras sigmoid outputs are scored from their logits on torch
    too; options are validated (``alpha`` in ``[0, 1]``, ``gamma >= 0``);
    ``get_config`` keeps ``dtype`` when given.

    >>> import numpy as np
    >>> loss = BinaryFocalCrossentropy(gamma=2.0, from_logits=True)
    >>> round(float(loss(np.array([[0., 1.], [0., 0.]]), np.array([[-18.6, 0.51], [2.94, -12.8]]))), 4)
    0.6912
    """


class CategoricalFocalCrossentropy(_LossFunctionWrapper, fn=categorical_focal_crossentropy):
    r"""Drop-in ``keras.losses.CategoricalFocalCrossentropy``.

    .. math:: \ell = -\sum_c \alpha_c\,(1 - p_c)^\gamma\, y'_c \log p_c,
              \qquad y' = (1 - \varepsilon)\,y + \varepsilon / C

    See :func:`categorical_focal_crossentropy`.

    Args:
      alpha: a number in ``[0, 1]``, or a list of such numbers, one per class
        (laid along ``axis``).
      gamma: the focusing parameter, ``>= 0``.
      from_logits: whether ``y_pred`` holds logits (else probabilities,
        renormalised over ``axis`` and clipped to ``[1e-7, 1 - 1e-7]``).
      label_smoothing: in ``[0, 1]``; ``C`` is the size of ``axis``.
      axis: the class axis.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.CategoricalFocalCrossentropy`` -- equal on every
    option. Differences: logits use ``log_softmax`` (the native clips
    ``softmax(z)`` to ``[1e-7, 1 - 1e-7]``: a class below ``1e-7`` scores
    ``16.1`` with zero gradient); ``C`` of the smoothing is the size of
    ``axis`` and a per-class ``alpha`` lies along ``axis`` (the native uses
    the last axis for both); options are validated; ``get_config`` keeps ``dtype`` when given.

    >>> import numpy as np
    >>> loss = CategoricalFocalCrossentropy()
    >>> round(float(loss(np.array([[0., 1., 0.], [0., 0., 1.]]),
    ...                  np.array([[0.05, 0.95, 0.], [0.1, 0.8, 0.1]]))), 4)
    0.2332
    """


class SparseCategoricalFocalCrossentropy(_LossFunctionWrapper, fn=sparse_categorical_focal_crossentropy):
    r"""Focal cross-entropy with integer labels: :class:`CategoricalFocalCrossentropy`
    of the one-hot labels, with :class:`SparseCategoricalCrossentropy`'s labels
    and ``ignore_class``. No Keras native.

    .. math:: \ell_i = -\sum_c \alpha_c \left[(1-\varepsilon)[c = y_i] + \tfrac{\varepsilon}{C}\right]
              (1 - p_{i,c})^\gamma \log p_{i,c}

    Args:
      alpha, gamma, from_logits, label_smoothing: as in
        :class:`CategoricalFocalCrossentropy`.
      ignore_class: a label to leave out: its elements get loss 0 and a Keras
        mask, so ``"sum_over_batch_size"`` averages over the others.
      axis: the class axis, any.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    ``y_true`` holds integer labels of ``y_pred``'s shape less ``axis`` (or with
    a size-1 axis there); out-of-range labels raise ``ValueError`` in eager
    mode, give NaN in a compiled step. Equals
    ``keras.losses.CategoricalFocalCrossentropy`` on ``one_hot(y_true)`` (with
    ``ignore_class`` as a Keras mask) -- how it is tested. The loss is
    :func:`losses.sparse_categorical_focal_crossentropy`.

    >>> import numpy as np
    >>> loss = SparseCategoricalFocalCrossentropy()
    >>> round(float(loss(np.array([1, 2]), np.array([[0.05, 0.95, 0.], [0.1, 0.8, 0.1]]))), 4)
    0.2332
    """


class PolyCrossentropy(_LossFunctionWrapper, fn=poly_crossentropy):
    r"""Poly-1 cross-entropy (Leng et al., 2022, PolyLoss). No Keras native.

    .. math:: \ell = -\sum_c y'_c \log p_c + \epsilon \sum_c y'_c (1 - p_c)

    :class:`CategoricalCrossentropy` plus ``epsilon`` times the first
    polynomial term (``1 - p_t`` for one-hot targets). See
    :func:`poly_crossentropy`.

    Args:
      epsilon: the poly-1 coefficient, any real number (default 2.0; ``0`` is
        :class:`CategoricalCrossentropy`).
      from_logits, label_smoothing, axis: as in :class:`CategoricalCrossentropy`.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: none in Keras; ``optax.poly_loss_cross_entropy`` for logits.

    >>> import numpy as np
    >>> loss = PolyCrossentropy(epsilon=1.0, from_logits=True)
    >>> round(float(loss(np.array([[0., 1.]]), np.array([[0., 0.]]))), 6)  # log 2 + 1/2
    1.193147
    """


class KLDivergence(_LossFunctionWrapper, fn=kl_divergence):
    r"""Drop-in ``keras.losses.KLDivergence``.

    .. math:: \ell = \sum_c t_c \log(t_c / q_c),\qquad t = \mathrm{clip}(y, \epsilon, 1),
              \quad q = \mathrm{clip}(\hat y, \epsilon, 1)

    over the last axis (see :func:`kl_divergence`).

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.KLDivergence`` -- equal. ``get_config`` keeps ``dtype`` when given.

    >>> import numpy as np
    >>> round(float(KLDivergence()(np.array([[0.5, 0.5]]), np.array([[0.25, 0.75]]))), 6)
    0.143841
    """


class JSDivergence(_LossFunctionWrapper, fn=js_divergence):
    r"""Jensen-Shannon divergence in nats. No Keras native.

    .. math:: \mathrm{JS}(P, Q) = \tfrac12 \mathrm{KL}(P \| M) + \tfrac12 \mathrm{KL}(Q \| M),
              \qquad M = \tfrac12 (P + Q)

    over ``axis`` (see :func:`js_divergence`): symmetric, at most ``log 2``,
    finite where the supports differ.

    Args:
      from_logits: whether ``y_pred`` holds logits (else probabilities or
        non-negative weights, renormalised over ``axis``).
      axis: the class axis.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: none in Keras; ``scipy.spatial.distance.jensenshannon(p, q) ** 2``.

    >>> import numpy as np
    >>> round(float(JSDivergence()(np.array([[1., 0.]]), np.array([[0., 1.]]))), 6)
    0.693147
    """


class MeanSquaredError(_LossFunctionWrapper, fn=mean_squared_error):
    r"""Drop-in ``keras.losses.MeanSquaredError``: ``mean_{-1} (y_pred - y_true)^2``.

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.MeanSquaredError`` -- equal. Differences: shapes that
    differ after Keras' rank rule raise ``ValueError`` (the native broadcasts,
    e.g. ``[N, 1]`` against ``[N, 3]``); ``get_config`` keeps ``dtype`` when given.

    >>> import numpy as np
    >>> float(MeanSquaredError()(np.array([[0., 1.], [0., 0.]]), np.array([[1., 1.], [1., 0.]])))
    0.5
    """


class MeanAbsoluteError(_LossFunctionWrapper, fn=mean_absolute_error):
    r"""Drop-in ``keras.losses.MeanAbsoluteError``: ``mean_{-1} |y_pred - y_true|``.

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.MeanAbsoluteError`` -- equal; differences as
    :class:`MeanSquaredError`.

    >>> import numpy as np
    >>> float(MeanAbsoluteError()(np.array([[0., 1.], [0., 0.]]), np.array([[1., 1.], [1., 0.]])))
    0.5
    """


class MeanAbsolutePercentageError(_LossFunctionWrapper, fn=mean_absolute_percentage_error):
    r"""Drop-in ``keras.losses.MeanAbsolutePercentageError``:
    ``mean_{-1} 100 |y_pred - y_true| / max(|y_true|, epsilon)``.

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.MeanAbsolutePercentageError`` -- equal; differences as
    :class:`MeanSquaredError`.
    """


class MeanSquaredLogarithmicError(_LossFunctionWrapper, fn=mean_squared_logarithmic_error):
    r"""Drop-in ``keras.losses.MeanSquaredLogarithmicError``:
    ``mean_{-1} (log1p(max(y_pred, eps)) - log1p(max(y_true, eps)))^2``.

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.MeanSquaredLogarithmicError`` -- equal (``log1p`` keeps
    digits Keras' ``log(x + 1)`` rounds away); differences as :class:`MeanSquaredError`.
    """


class Huber(_LossFunctionWrapper, fn=huber, name="huber_loss"):
    r"""Drop-in ``keras.losses.Huber``.

    .. math:: \ell = \operatorname{mean}_{-1} \begin{cases} \tfrac12 x^2 & |x| \le \delta \\
              \delta |x| - \tfrac12 \delta^2 & |x| > \delta \end{cases},\qquad x = \hat y - y

    Args:
      delta: the threshold, a finite number > 0.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.Huber`` -- equal. Differences: ``get_config`` keeps
    ``delta`` (and ``dtype`` when given): the native drops it, so a reloaded native
    ``Huber(delta=0.5)`` silently becomes ``delta=1``; ``delta <= 0`` raises
    ``ValueError`` (the native computes with it); shapes as :class:`MeanSquaredError`.

    >>> import numpy as np
    >>> round(float(Huber()(np.array([[0., 1.], [0., 0.]]), np.array([[0.6, 0.4], [0.4, 0.6]]))), 6)
    0.155
    """


class SmoothL1(_LossFunctionWrapper, fn=smooth_l1):
    r"""Smooth L1 loss, torch's ``SmoothL1Loss`` in Keras' form (averaged over the last
    axis). No Keras native.

    .. math:: \ell = \operatorname{mean}_{-1} \begin{cases} \tfrac{1}{2\beta} x^2 & |x| < \beta \\
              |x| - \tfrac12 \beta & |x| \ge \beta \end{cases},\qquad x = \hat y - y

    Args:
      beta: the threshold, a finite number >= 0 (``0``: :class:`MeanAbsoluteError`).
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    ``SmoothL1(beta=b)`` is ``keras.losses.Huber(delta=b)`` divided by ``b``.

    >>> import numpy as np
    >>> round(float(SmoothL1()(np.array([[0., 1.], [0., 0.]]), np.array([[0.6, 0.4], [0.4, 0.6]]))), 6)
    0.155
    """


class LogCosh(_LossFunctionWrapper, fn=log_cosh):
    r"""Drop-in ``keras.losses.LogCosh``: ``mean_{-1} log cosh(y_pred - y_true)``.

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.LogCosh`` -- equal but where the native loses
    digits: at small errors (float32: the native's absolute error is about
    ``1e-7``, ours is relative to ``x^2 / 2``) and in float64 (the native
    subtracts ``log 2`` rounded to float32, ``1.9e-9`` too much). Shapes as
    :class:`MeanSquaredError`; ``get_config`` keeps ``dtype`` when given.

    >>> import numpy as np
    >>> round(float(LogCosh()(np.array([[0., 1.], [0., 0.]]), np.array([[1., 1.], [0., 0.]]))), 6)
    0.108445
    """


class Poisson(_LossFunctionWrapper, fn=poisson):
    r"""Drop-in ``keras.losses.Poisson``: ``mean_{-1} y_pred - y_true log(y_pred + epsilon)``,
    ``epsilon = keras.config.epsilon()``.

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.Poisson`` -- equal. Shapes as
    :class:`MeanSquaredError`; ``get_config`` keeps ``dtype`` when given.

    >>> import numpy as np
    >>> round(float(Poisson()(np.array([[2.]]), np.array([[1.]]))), 6)
    1.0
    """


class PoissonNLL(_LossFunctionWrapper, fn=poisson_nll):
    r"""Poisson negative log-likelihood, torch's ``PoissonNLLLoss`` in Keras' form
    (averaged over the last axis). No Keras native.

    See :func:`poisson_nll`.

    Args:
      log_input: whether ``y_pred`` holds log-rates (``exp(z) - y z``) or rates
        (``y_pred - y log(y_pred + epsilon)``).
      full: add Stirling's approximation of ``log(y!)`` where ``y > 1``.
      epsilon: a finite number > 0 (torch's ``eps``), used with ``log_input=False``.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    >>> import numpy as np
    >>> round(float(PoissonNLL()(np.array([[2.]]), np.array([[0.]]))), 6)
    1.0
    """


class GaussianNLL(_LossFunctionWrapper, fn=gaussian_nll, same_rank=False):
    r"""Gaussian negative log-likelihood, torch's ``GaussianNLLLoss`` in Keras' form.
    No Keras native.

    ``y_pred`` holds means and variances side by side on its last axis
    (``[..., 2 D]`` for ``y_true`` of ``[..., D]``; e.g. a ``Dense(2 D)`` layer
    whose second half goes through ``softplus``). See :func:`gaussian_nll`.

    .. math:: \ell = \operatorname{mean}_{-1} \tfrac12\left(\log v' + \frac{(y - \mu)^2}{v'}\right)
              + [\text{full}]\,\tfrac12\log 2\pi, \qquad v' = \max(v, \epsilon)

    Args:
      full: add the constant ``\tfrac12 \log 2\pi``.
      epsilon: the variance floor, a finite number > 0 (torch's ``eps``).
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    >>> import numpy as np
    >>> v = GaussianNLL()(np.array([[1.]]), np.array([[3., 2.]]))  # (log 2 + 2^2 / 2) / 2
    >>> round(float(v) - 0.5 * float(np.log(2.0)), 6)
    1.0
    """


# ==== linear cross-entropy (issue 14): self-contained section ====================


@keras.saving.register_keras_serializable(package=_PACKAGE)
class LinearCrossEntropy(keras.layers.Layer):
    r"""A model's output projection and its cross-entropy in one layer, for
    a large vocabulary: the ``[N, C]`` logits are never materialized.

    ``LinearCrossEntropy(units)([hidden, labels])`` owns a ``Dense``-style
    ``kernel`` ``[D, units]`` (and ``bias``), computes
    :func:`losses.linear_cross_entropy` of ``hidden @ kernel + bias`` against
    the integer ``labels`` in row chunks, adds its mean to the model's losses
    (``add_loss``) and returns the per-example losses. Train with
    ``model.compile(optimizer)`` (no ``loss``) and ``model.fit(x=[hidden_in,
    labels])``. Runs on Keras' TensorFlow, JAX and torch backends;
    serializable (``get_config``, ``model.save``/``load_model``).

    Args:
      units: the number of classes ``C``.
      use_bias: whether the projection has a bias.
      label_smoothing, ignore_index, chunk_size: as in
        :func:`losses.linear_cross_entropy`.
      kernel_initializer, bias_initializer: as in ``keras.layers.Dense``.

    Keras has no native equivalent (its ``Dense`` + ``SparseCategoricalCrossentropy``
    holds the logits).
    """

    def __init__(self, units: int, use_bias: bool = True, label_smoothing: float = 0.0,
                 ignore_index: int | None = None, chunk_size: int | None = None,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units, self.use_bias = int(units), bool(use_bias)
        self.label_smoothing, self.ignore_index, self.chunk_size = label_smoothing, ignore_index, chunk_size
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape: Any) -> None:
        d = input_shape[0][-1]
        self.kernel = self.add_weight(shape=(d, self.units), initializer=self.kernel_initializer,
                                      name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                    name="bias") if self.use_bias else None

    def call(self, inputs: Any) -> Any:
        hidden, labels = inputs
        w = keras.ops.transpose(self.kernel.value)
        b = None if self.bias is None else self.bias.value
        per = _lb.linear_cross_entropy(
            labels, keras.ops.convert_to_tensor(hidden), w, b, ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing, reduction="none", chunk_size=self.chunk_size)
        self.add_loss(keras.ops.mean(per))
        return per

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return tuple(input_shape[0][:-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "use_bias": self.use_bias,
                "label_smoothing": self.label_smoothing, "ignore_index": self.ignore_index,
                "chunk_size": self.chunk_size,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer)}




# --- margin ---------------------------------------------------------------------------------


def _power(name: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)) or value not in (1, 2):
        _fail(f"`{name}` must be 1 or 2; got {value!r}")
    return int(value)


def _weights(name: str, value: Any) -> list[float] | None:
    """Per-class weights: ``None`` or a 1-D sequence of finite numbers (a JSON config)."""
    if value is None:
        return None
    a = np.asarray(value, dtype=object)
    if a.ndim != 1 or a.size == 0:
        _fail(f"`{name}` must be None or a 1-D sequence of numbers (one per class); got {value!r}")
    return [_real()(name, v) for v in a.tolist()]


_MARGIN = _real()


@_functional()
def hinge(y_true: Any, y_pred: Any) -> Tensor:
    r"""Hinge loss averaged over the last axis, as ``keras.losses.hinge``.

    .. math:: \ell = \operatorname{mean}_{-1} \max(0,\ 1 - y\hat y)

    Labels ``-1`` or ``+1``; when every label is 0 or 1 they are mapped to -1
    and +1 first (Keras' rule). The element-wise loss is :func:`losses.hinge`
    (``convert_binary_labels=True``); shapes as in :func:`mean_squared_error`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(hinge(np.array([[1., 0.]]), np.array([[0.5, -2.0]]))), 6).tolist()
    [0.25]
    """
    return _last_axis_mean(_lb.hinge, y_true, y_pred, convert_binary_labels=True)


@_functional()
def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    r"""Squared hinge loss averaged over the last axis, as ``keras.losses.squared_hinge``.

    .. math:: \ell = \operatorname{mean}_{-1} \max(0,\ 1 - y\hat y)^2

    Labels as in :func:`hinge`. The element-wise loss is :func:`losses.squared_hinge`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(squared_hinge(np.array([[1., 0.]]), np.array([[0.5, -2.0]]))), 6).tolist()
    [0.125]
    """
    return _last_axis_mean(_lb.squared_hinge, y_true, y_pred, convert_binary_labels=True)


@_functional()
def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    r"""Per-example categorical hinge loss, as ``keras.losses.categorical_hinge``.

    .. math:: \ell = \max\big(0,\ 1 + \max_c (1 - y_c)\hat y_c - \textstyle\sum_c y_c \hat y_c\big)

    over the last axis; ``y_true`` one-hot (or ``{-1, +1}``) of ``y_pred``'s
    shape. The loss is :func:`losses.categorical_hinge`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(categorical_hinge(np.array([[0., 1.]]), np.array([[0.5, 0.25]]))), 6).tolist()
    [1.25]
    """
    y_true, y_pred = _real_tensors(y_true, y_pred)
    return _lb.categorical_hinge(y_true, y_pred, reduction="none")


@_functional(margin=_MARGIN)
def multiclass_hinge(y_true: Any, y_pred: Any, margin: float = 1.0, axis: int = -1) -> Tensor:
    r"""Per-example multi-class (Crammer-Singer) hinge loss with integer labels (no Keras native).

    .. math:: \ell_i = \max_c \big(\hat y_{i,c} + m\,[c \ne y_i]\big) - \hat y_{i,y_i}

    ``margin=0`` is the multi-class perceptron loss. Labels as
    :func:`sparse_categorical_crossentropy`'s (a bad one raises ``ValueError``
    in eager mode, NaN in a compiled step). The loss is
    :func:`losses.multiclass_hinge`; equals ``optax.multiclass_hinge_loss``.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(multiclass_hinge(np.array([0]), np.array([[0.5, 0.25]]))), 6).tolist()
    [0.75]
    """
    y_true, y_pred = _labels(y_true, y_pred, axis)
    return _lb.multiclass_hinge(y_true, y_pred, margin=margin, axis=axis, reduction="none")


@_functional()
def soft_margin(y_true: Any, y_pred: Any) -> Tensor:
    r"""Soft margin loss averaged over the last axis (torch's ``SoftMarginLoss``; no Keras native).

    .. math:: \ell = \operatorname{mean}_{-1} \log(1 + e^{-y\hat y})

    Labels ``-1`` or ``+1``. The element-wise loss is :func:`losses.soft_margin`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(soft_margin(np.array([[1.]]), np.array([[0.]]))), 6).tolist()
    [0.693147]
    """
    return _last_axis_mean(_lb.soft_margin, y_true, y_pred)


@_functional(margin=_MARGIN)
def hinge_embedding(y_true: Any, y_pred: Any, margin: float = 1.0) -> Tensor:
    r"""Hinge embedding loss averaged over the last axis (torch's
    ``HingeEmbeddingLoss``; no Keras native): ``y_pred`` holds distances.

    .. math:: \ell = \operatorname{mean}_{-1} \big([y \ne 1]\max(0,\ m - \hat y) + [y \ne -1]\,\hat y\big)

    The element-wise loss is :func:`losses.hinge_embedding`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(hinge_embedding(np.array([[1., -1.]]), np.array([[0.3, 0.4]]))), 6).tolist()
    [0.45]
    """
    return _last_axis_mean(_lb.hinge_embedding, y_true, y_pred, margin=margin)


@_functional(p=_power, margin=_MARGIN, weight=_weights)
def multi_margin(y_true: Any, y_pred: Any, p: int = 1, margin: float = 1.0, weight: Any = None,
                 axis: int = -1) -> Tensor:
    r"""Per-example multi-class margin loss with integer labels (torch's
    ``MultiMarginLoss``; no Keras native).

    .. math:: \ell_i = \frac1C \sum_{c \ne y_i} w_{y_i} \max(0,\ m - \hat y_{i,y_i} + \hat y_{i,c})^p

    ``p`` 1 or 2; ``weight`` ``None`` or one number per class. Labels as
    :func:`multiclass_hinge`. The loss is :func:`losses.multi_margin`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(multi_margin(np.array([0]), np.array([[0.5, 0.25]]))), 6).tolist()
    [0.375]
    """
    y_true, y_pred = _labels(y_true, y_pred, axis)
    w = None if weight is None else np.asarray(weight)
    return _lb.multi_margin(y_true, y_pred, p=p, margin=margin, class_weight=w, axis=axis,
                            reduction="none")


@_functional()
def multilabel_margin(y_true: Any, y_pred: Any) -> Tensor:
    r"""Per-example multi-label margin loss (torch's ``MultiLabelMarginLoss``; no Keras native).

    .. math:: \ell = \frac1C \sum_{j \in Y} \sum_{c \notin Y} \max(0,\ 1 - (\hat y_j - \hat y_c))

    ``y_true`` of ``y_pred``'s shape holds each row's class indices, then
    ``-1`` (what follows is ignored); whole numbers of any dtype (Keras' ``Loss``
    hands them over as floats). The loss is :func:`losses.multilabel_margin`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(multilabel_margin(np.array([[1, -1, 0]]), np.array([[0.1, 0.9, 0.2]]))), 6).tolist()
    [0.166667]
    """
    y_true, y_pred = _tensors(y_true, y_pred, cast=False)
    if not keras.backend.is_int_dtype(y_true.dtype):
        y_true = ops.cast(y_true, "int64")
    return _lb.multilabel_margin(y_true, y_pred, reduction="none")


@_functional(weight=_weights)
def multilabel_soft_margin(y_true: Any, y_pred: Any, weight: Any = None) -> Tensor:
    r"""Per-example multi-label soft margin loss (torch's ``MultiLabelSoftMarginLoss``;
    no Keras native): the binary cross-entropy of logits averaged over the last axis.

    .. math:: \ell = \frac1C \sum_c w_c \big(y_c\,\mathrm{softplus}(-\hat y_c) + (1 - y_c)\,\mathrm{softplus}(\hat y_c)\big)

    ``weight``: ``None`` or one number per class. The loss is
    :func:`losses.multilabel_soft_margin`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(multilabel_soft_margin(np.array([[1., 0.]]), np.array([[0., 0.]]))), 6).tolist()
    [0.693147]
    """
    y_true, y_pred = _real_tensors(y_true, y_pred)
    w = None if weight is None else np.asarray(weight)
    return _lb.multilabel_soft_margin(y_true, y_pred, class_weight=w, reduction="none")


@_functional(margin=_MARGIN)
def margin_ranking(y_true: Any, y_pred: Any, margin: float = 0.0) -> Tensor:
    r"""Margin ranking loss averaged over the last axis (torch's ``MarginRankingLoss``;
    no Keras native).

    ``y_pred`` holds the two scores side by side on its last axis, ``[..., 2 D]`` for
    ``y_true`` of ``[..., D]``: ``x1 = y_pred[..., :D]``, ``x2 = y_pred[..., D:]``;
    ``y_true`` is 1 where ``x1`` should rank higher, -1 where lower.

    .. math:: \ell = \operatorname{mean}_{-1} \max(0,\ m - y\,(x_1 - x_2))

    The element-wise loss is :func:`losses.margin_ranking` (gradients reach both scores).

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(margin_ranking(np.array([[1.]]), np.array([[0.5, 1.0]]), 0.1)), 6).tolist()
    [0.6]
    """
    y_true, y_pred = _real_tensors(y_true, y_pred)
    d = y_true.shape[-1] if len(y_true.shape) else None
    if len(y_pred.shape) != len(y_true.shape) or d is None or y_pred.shape[-1] != 2 * d:
        _fail(f"`y_pred` must hold the two scores side by side on its last axis, shape [..., 2 D] for "
              f"`y_true` of shape [..., D]; got y_true.shape={tuple(y_true.shape)} and "
              f"y_pred.shape={tuple(y_pred.shape)}")
    loss = _lb.margin_ranking(y_true, y_pred[..., :d], y_pred[..., d:], margin=margin, reduction="none")
    return _mean(loss, -1)


class Hinge(_LossFunctionWrapper, fn=hinge):
    r"""Drop-in ``keras.losses.Hinge``: ``mean_{-1} max(0, 1 - y_true * y_pred)``,
    labels ``-1``/``+1`` (0/1 labels are mapped to them, as Keras does).

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.Hinge`` -- equal; differences as :class:`MeanSquaredError`.
    """


class SquaredHinge(_LossFunctionWrapper, fn=squared_hinge):
    r"""Drop-in ``keras.losses.SquaredHinge``: ``mean_{-1} max(0, 1 - y_true * y_pred)^2``,
    labels as :class:`Hinge`.

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.SquaredHinge`` -- equal; differences as :class:`MeanSquaredError`.
    """


class CategoricalHinge(_LossFunctionWrapper, fn=categorical_hinge):
    r"""Drop-in ``keras.losses.CategoricalHinge``:
    ``max(0, 1 + max((1 - y_true) * y_pred) - sum(y_true * y_pred))`` over the last axis.

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.CategoricalHinge`` -- equal.
    """


class MulticlassHinge(_LossFunctionWrapper, fn=multiclass_hinge, same_rank=False):
    r"""Multi-class (Crammer-Singer) hinge loss with integer labels, Keras-style
    (no Keras native): :func:`multiclass_hinge` (``margin=0``: the perceptron loss).

    Args:
      margin, axis: as :func:`multiclass_hinge`.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.
    """


class SoftMargin(_LossFunctionWrapper, fn=soft_margin):
    r"""torch's ``SoftMarginLoss`` in Keras' form (averaged over the last axis): :func:`soft_margin`.

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.
    """


class HingeEmbedding(_LossFunctionWrapper, fn=hinge_embedding):
    r"""torch's ``HingeEmbeddingLoss`` in Keras' form (averaged over the last axis):
    :func:`hinge_embedding`.

    Args:
      margin: any finite number.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.
    """


class MultiMargin(_LossFunctionWrapper, fn=multi_margin, same_rank=False):
    r"""torch's ``MultiMarginLoss`` in Keras' form, integer labels: :func:`multi_margin`.

    Args:
      p, margin, weight, axis: as :func:`multi_margin`.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.
    """


class MultiLabelMargin(_LossFunctionWrapper, fn=multilabel_margin, same_rank=False):
    r"""torch's ``MultiLabelMarginLoss`` in Keras' form: :func:`multilabel_margin`.

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.
    """


class MultiLabelSoftMargin(_LossFunctionWrapper, fn=multilabel_soft_margin, same_rank=False):
    r"""torch's ``MultiLabelSoftMarginLoss`` in Keras' form: :func:`multilabel_soft_margin`.

    Args:
      weight: ``None`` or one number per class.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.
    """


class MarginRanking(_LossFunctionWrapper, fn=margin_ranking, same_rank=False):
    r"""torch's ``MarginRankingLoss`` in Keras' form: :func:`margin_ranking` (the two
    scores side by side on ``y_pred``'s last axis, averaged over it).

    Args:
      margin: any finite number.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.
    """


# ==== similarity ======================================================================


@_functional()
def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    r"""Negative cosine similarity along ``axis``, as ``keras.losses.cosine_similarity``.

    .. math:: \ell = -\sum_i \frac{y_i}{\max(\|y\|, \epsilon)} \frac{\hat y_i}{\max(\|\hat y\|, \epsilon)}

    ``epsilon = keras.config.epsilon()``; a zero vector scores 0. The
    per-pair loss is :func:`losses.cosine_similarity`. Keras' rank rule applies.

    Native: ``keras.losses.cosine_similarity`` -- equal; the gradient at a
    zero vector is finite (``-y / (|y| epsilon)``; the native's is NaN on
    TensorFlow, through ``rsqrt(0)``).

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(cosine_similarity(np.array([[0., 1.], [1., 1.]]),
    ...     np.array([[1., 0.], [-1., -1.]]))), 6).tolist()
    [-0.0, 1.0]
    """
    y_true, y_pred = _same_rank(*_real_tensors(y_true, y_pred))
    return _lb.cosine_similarity(y_true, y_pred, axis=axis, epsilon=_eps(), reduction="none")


class CosineSimilarity(_LossFunctionWrapper, fn=cosine_similarity):
    r"""Drop-in ``keras.losses.CosineSimilarity``: ``-cos(y_true, y_pred)`` along ``axis``.

    Args:
      axis: the feature axis, summed over.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.CosineSimilarity`` -- equal. Differences:
    ``get_config`` keeps ``axis`` (and ``dtype`` when given; the native drops
    both, so a reloaded native loss falls back to ``axis=-1``); the gradient
    at a zero vector is finite; ``axis`` is checked at construction.

    >>> import numpy as np
    >>> round(float(CosineSimilarity()(np.array([[0., 1.], [1., 1.]]), np.array([[1., 0.], [1., 1.]]))), 6)
    -0.5
    """


@_functional()
def cosine_distance(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    r"""Cosine distance ``1 - cos(y_true, y_pred)`` along ``axis`` (optax's
    ``cosine_distance``; no Keras native): ``1 +`` :func:`cosine_similarity`.

    ``epsilon = keras.config.epsilon()`` floors each norm, as in :func:`cosine_similarity`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(cosine_distance(np.array([[0., 1.]]), np.array([[0., -2.]]))), 6).tolist()
    [2.0]
    """
    y_true, y_pred = _same_rank(*_real_tensors(y_true, y_pred))
    return _lb.cosine_distance(y_true, y_pred, axis=axis, epsilon=_eps(), reduction="none")


class CosineDistance(_LossFunctionWrapper, fn=cosine_distance):
    r"""``1 - cos(y_true, y_pred)`` along ``axis``: optax's ``cosine_distance`` in Keras'
    form (in ``[0, 2]``, 0 for parallel vectors). No Keras native; equals
    ``1 + keras.losses.CosineSimilarity`` under every reduction but ``"sum"``.

    Args:
      axis: the feature axis, summed over.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    >>> import numpy as np
    >>> round(float(CosineDistance()(np.array([[0., 1.], [1., 1.]]), np.array([[1., 0.], [1., 1.]]))), 6)
    0.5
    """


def _side_by_side(y_pred: Any, k: int, names: str) -> list:
    """``y_pred``'s last axis split into ``k`` equal parts (``names`` for the message)."""
    y_pred = ops.convert_to_tensor(y_pred)
    if not keras.backend.is_float_dtype(y_pred.dtype):
        y_pred = ops.cast(y_pred, keras.backend.result_type(y_pred.dtype, "float32"))
    d = y_pred.shape[-1] if len(y_pred.shape) else None
    if d is None or d % k or d == 0:
        _fail(f"`y_pred` must hold {names} side by side on its last axis, shape [..., {k} D]; "
              f"got y_pred.shape={tuple(y_pred.shape)}")
    w = d // k
    return [y_pred[..., i * w:(i + 1) * w] for i in range(k)]


@_functional(margin=_real())
def cosine_embedding(y_true: Any, y_pred: Any, margin: float = 0.0) -> Tensor:
    r"""torch's ``CosineEmbeddingLoss`` per pair (no Keras native): ``y_pred`` holds the two
    vectors side by side on its last axis (``[..., 2 D]``: ``x1 = y_pred[..., :D]``,
    ``x2 = y_pred[..., D:]``); ``y_true`` the targets ``1`` / ``-1``, ``[...]`` (or ``[..., 1]``).

    .. math:: \ell = \begin{cases} 1 - \cos(x_1, x_2) & y = 1 \\
              \max(0, \cos(x_1, x_2) - \text{margin}) & y = -1 \end{cases}

    The per-pair loss is :func:`losses.cosine_embedding` (gradients reach both halves).

    >>> import numpy as np
    >>> v = cosine_embedding(np.array([1., -1.]), np.array([[1., 0., 1., 1.], [1., 0., 1., 1.]]))
    >>> np.round(keras.ops.convert_to_numpy(v), 6).tolist()
    [0.292893, 0.707107]
    """
    x1, x2 = _side_by_side(y_pred, 2, "the two vectors of each pair")
    y_true = ops.convert_to_tensor(y_true, dtype=x2.dtype)
    if len(y_true.shape) == len(x2.shape) and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    return _lb.cosine_embedding(x1, x2, y_true, margin=margin, reduction="none")


@_functional(margin=_real(), p=_real(0.0, lo_open=True), epsilon=_real(0.0), swap=_flag)
def triplet_margin(y_true: Any, y_pred: Any, margin: float = 1.0, p: float = 2.0, epsilon: float = 1e-6,
                   swap: bool = False) -> Tensor:
    r"""torch's ``TripletMarginLoss`` per triplet (no Keras native): ``y_pred`` holds anchor,
    positive and negative side by side on its last axis (``[..., 3 D]``); ``y_true`` is not
    used (Keras passes one: any array, e.g. zeros).

    .. math:: \ell = \max(0,\ \text{margin} + \|a - p + \epsilon\|_p - \|a - n + \epsilon\|_p)

    (with ``swap``, the negative distance is ``min(d(a, n), d(p, n))``). The per-triplet loss
    is :func:`losses.triplet_margin` (gradients reach all three parts).

    >>> import numpy as np
    >>> v = triplet_margin(np.zeros(1), np.array([[0., 0., 3., 4., 0., 1.]]), epsilon=0.0)
    >>> np.round(keras.ops.convert_to_numpy(v), 6).tolist()  # 1 + 5 - 1
    [5.0]
    """
    a, pos, neg = _side_by_side(y_pred, 3, "anchor, positive and negative")
    return _lb.triplet_margin(a, pos, neg, margin=margin, p=p, eps=epsilon, swap=swap, reduction="none")


class CosineEmbedding(_LossFunctionWrapper, fn=cosine_embedding, same_rank=False):
    r"""torch's ``CosineEmbeddingLoss`` in Keras' form. No Keras native.

    ``y_pred`` holds the two vectors of each pair side by side on its last axis
    (``[..., 2 D]``, e.g. two embeddings concatenated); ``y_true`` the targets ``1``
    (similar) / ``-1`` (dissimilar). See :func:`cosine_embedding`.

    Args:
      margin: a real number (torch's).
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    >>> import numpy as np
    >>> round(float(CosineEmbedding()(np.array([1., 1.]), np.array([[1., 0., 1., 0.], [1., 0., 0., 1.]]))), 6)
    0.5
    """


class TripletMargin(_LossFunctionWrapper, fn=triplet_margin, same_rank=False):
    r"""torch's ``TripletMarginLoss`` in Keras' form. No Keras native.

    ``y_pred`` holds anchor, positive and negative side by side on its last axis
    (``[..., 3 D]``); ``y_true`` is not used. See :func:`triplet_margin`.

    Args:
      margin: a real number; p: the norm degree, > 0; epsilon: torch's ``eps``, >= 0;
        swap: the distance swap.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    >>> import numpy as np
    >>> round(float(TripletMargin(epsilon=0.0)(np.zeros(1), np.array([[0., 0., 3., 4., 0., 1.]]))), 6)
    5.0
    """


# ==== contrastive: batch similarity losses ============================================


def _optional(name: str, value: Any) -> Any:
    """An optional array argument, passed as given."""
    return value


@_functional(ref_labels=_optional, ref_embeddings=_optional, remove_diagonal=_flag, gamma=_real(0.0),
             margin=_real())
def circle(y_true: Any, y_pred: Any, ref_labels: Any = None, ref_embeddings: Any = None,
           remove_diagonal: bool = True, gamma: float = 80, margin: float = 0.4) -> Tensor:
    r"""Per-example Circle loss, as ``keras.losses.circle`` (Sun et al., 2020).

    .. math:: \ell_i = \operatorname{softplus}\Big(\log\sum_{j \in P_i} e^{-\gamma\,
              [m + d_{ij}]_+ (m - d_{ij})} + \log\sum_{k \in N_i} e^{\gamma\,
              [1 + m - d_{ik}]_+ (1 - m - d_{ik})}\Big),\qquad d = \max(1 - e\,r^\top, 0)

    Args:
      y_true: ``[N]`` integer labels (cast to int32, as Keras).
      y_pred: ``[N, D]`` L2-normalised embeddings.
      ref_labels: ``[M]`` reference labels (default ``y_true``).
      ref_embeddings: ``[M, D]`` reference embeddings (default ``y_pred``).
      remove_diagonal: leave ``(i, i)`` out of the positives.
      gamma: the scale; margin: the relaxation.

    Returns:
      ``[N]``, carrying the Keras mask ``loss > 0`` (as Keras: an example with no
      positive or no negative is left out of a ``Loss``'s mean).

    Native: ``keras.losses.circle`` -- equal, values and gradients. The loss is
    :func:`losses.circle`; options are validated.

    >>> import numpy as np
    >>> e = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    >>> np.round(keras.ops.convert_to_numpy(circle(np.array([0, 0, 1]), e, gamma=1.0)), 6).tolist()
    [1.850902, 1.089867, 0.0]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, "int32")
    ref_labels = None if ref_labels is None else ops.cast(ref_labels, "int32")
    ref_embeddings = None if ref_embeddings is None else ops.convert_to_tensor(ref_embeddings)
    loss = _lb.circle(y_true, y_pred, ref_labels=ref_labels, ref_embeddings=ref_embeddings,
                      remove_diagonal=remove_diagonal, gamma=gamma, margin=margin, reduction="none")
    _set_keras_mask(loss, ops.greater(loss, 0.0))
    return loss


@_functional(remove_diagonal=_flag, gamma=_real(0.0), margin=_real())
def _circle_loss(y_true: Any, y_pred: Any, gamma: float = 80.0, margin: float = 0.4,
                 remove_diagonal: bool = True) -> Tensor:
    """:func:`circle` with :class:`Circle`'s options (Keras' order and defaults)."""
    return circle(y_true, y_pred, remove_diagonal=remove_diagonal, gamma=gamma, margin=margin)


class Circle(_LossFunctionWrapper, fn=_circle_loss, name="circle"):
    r"""Drop-in ``keras.losses.Circle``: Circle loss of integer labels and
    L2-normalised embeddings (Sun et al., 2020).

    See :func:`circle`: each example's loss compares its embedding with every
    other of the batch. As Keras, the per-example losses carry the mask
    ``loss > 0``, so ``"sum_over_batch_size"`` averages over the examples that
    have a positive and a negative.

    Args:
      gamma: the scale (default 80).
      margin: the relaxation (default 0.4).
      remove_diagonal: leave each example out of its own positives.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.Circle`` -- equal, values and gradients.
    Differences: options are validated (finite ``gamma >= 0`` and ``margin``,
    a boolean ``remove_diagonal``); half precision is computed in float32;
    float64 stays float64 on Keras' torch backend (the native computes its
    ``ops.matmul`` and ``ops.maximum`` there in float32); ``get_config``
    keeps ``dtype`` when given.

    >>> import numpy as np
    >>> e = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    >>> round(float(Circle(gamma=1.0)(np.array([0, 0, 1]), e)), 6)  # (1.850902 + 1.089867) / 2
    1.470384
    """


@_functional(temperature=_real(0.0, lo_open=True))
def ntxent(y_true: Any, y_pred: Any, temperature: float = 0.07) -> Tensor:
    r"""Per-anchor NT-Xent (SimCLR; optax's ``ntxent``, no Keras native), scaled so
    that the batch mean is optax's mean over positive pairs.

    .. math:: \ell_i = \frac{N}{\sum_k |P_k|} \sum_{j \in P_i}
              -\log \frac{e^{s_{ij}}}{e^{s_{ij}} + \sum_{k \in N_i} e^{s_{ik}}},
              \qquad s_{ij} = \cos(e_i, e_j) / T

    Args:
      y_true: ``[N]`` labels (equal labels: positive pairs).
      y_pred: ``[N, D]`` embeddings.
      temperature: ``T > 0``.

    Returns:
      ``[N]``: ``"sum_over_batch_size"`` of it is ``optax.losses.ntxent(y_pred,
      y_true, temperature)``. The loss is :func:`losses.ntxent`.

    >>> import numpy as np
    >>> e = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> np.round(keras.ops.convert_to_numpy(ntxent(np.array([0, 0, 1]), e, temperature=1.0)), 4).tolist()
    [0.4699, 0.4699, 0.0]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    per = _lb.ntxent(y_true, y_pred, temperature=temperature, reduction="none")
    _, pairs = _lb.sum_and_count(_lb.ntxent, y_true, y_pred, temperature=temperature)
    return per * (ops.cast(ops.shape(per)[0], per.dtype) / pairs)


@_functional()
def ranking_softmax(y_true: Any, y_pred: Any) -> Tensor:
    r"""Ranking softmax loss of each list (the last axis; optax's
    ``ranking_softmax_loss``, no Keras native).

    .. math:: \ell = -\sum_i y_i \log \frac{e^{s_i}}{\sum_j e^{s_j}}

    Args:
      y_true: relevance labels, ``y_pred``'s shape.
      y_pred: scores ``[..., list_size]``.

    Returns:
      ``y_pred``'s shape less the last axis: its mean is
      ``optax.losses.ranking_softmax_loss(y_pred, y_true)``. The loss is
      :func:`losses.ranking_softmax_loss`.

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(ranking_softmax(np.array([[1., 0., 0.]]),
    ...     np.array([[2., 1., 3.]]))), 3).tolist()
    [1.408]
    """
    y_true, y_pred = _real_tensors(y_true, y_pred)
    return _lb.ranking_softmax_loss(y_true, y_pred, reduction="none")


class NTXent(_LossFunctionWrapper, fn=ntxent, same_rank=False):
    r"""NT-Xent (normalized temperature-scaled cross-entropy, SimCLR). No Keras
    native: optax's ``ntxent`` in Keras' form.

    See :func:`ntxent`: with the default ``"sum_over_batch_size"`` the value is
    ``optax.losses.ntxent(y_pred, y_true, temperature)``, the mean of the
    softmax losses of the positive pairs.

    Args:
      temperature: ``T > 0`` (default 0.07).
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    >>> import numpy as np
    >>> e = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> round(float(NTXent(temperature=1.0)(np.array([0, 0, 1]), e)), 6)  # log(1 + e^-1)
    0.313262
    """


class RankingSoftmax(_LossFunctionWrapper, fn=ranking_softmax):
    r"""Ranking softmax loss over the last axis. No Keras native: optax's
    ``ranking_softmax_loss`` in Keras' form (the default reduction averages
    the lists, as optax's ``reduce_fn=jnp.mean``).

    .. math:: \ell = -\sum_i y_i \log \frac{e^{s_i}}{\sum_j e^{s_j}}

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    >>> import numpy as np
    >>> round(float(RankingSoftmax()(np.array([[1., 0., 0.]]), np.array([[2., 1., 3.]]))), 3)
    1.408
    """


# ==== overlap (Dice, Tversky, generalized Dice), robust and generalized KL ==============


def _sum_axes(name: str, value: Any) -> int | tuple[int, ...] | None:
    """``axis`` of the overlap losses: ``None``, an integer or a sequence of
    integers (kept as a tuple: Keras' config round trip)."""
    if value is None:
        return None
    items = list(value) if isinstance(value, (tuple, list)) else None
    if items is None:
        return _integer(name, value)
    return tuple(_integer(name, a) for a in items)


def _open_unit(name: str, value: Any) -> float:
    """``q`` of the generalized cross-entropy: a real number in ``(0, 1)``."""
    v = _real(0.0, 1.0, lo_open=True)(name, value)
    if v >= 1.0:
        _fail(f"`{name}` must be a finite real number in (0, 1); got {value!r}")
    return v


@_functional(axis=_sum_axes)
def dice(y_true: Any, y_pred: Any, axis: Any = None) -> Tensor:
    r"""Dice loss of sums over ``axis``, as ``keras.losses.dice``.

    .. math:: \ell = 1 - \frac{2 \sum y \hat y}{\sum y + \sum \hat y + \epsilon}

    ``epsilon = keras.config.epsilon()``; ``axis``: ``None`` (every axis, one
    number), an integer or a tuple. The loss is :func:`losses.dice`
    (``smooth_nr=0, smooth_dr=epsilon``).

    Returns:
      ``y_pred``'s shape without ``axis``.

    Native: ``keras.losses.dice`` -- equal. ``y_true`` and ``y_pred`` must have
    the same shape (Keras broadcasts them).

    >>> import numpy as np
    >>> round(float(dice(np.array([[1., 0.]]), np.array([[1., 1.]]))), 6)  # 1 - 2/3
    0.333333
    """
    y_true, y_pred = _real_tensors(y_true, y_pred)
    return _lb.dice(y_true, y_pred, axis=axis, smooth_dr=_eps(), reduction="none")


@_functional(alpha=_real(0.0), beta=_real(0.0), axis=_sum_axes)
def tversky(y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5, axis: Any = None) -> Tensor:
    r"""Tversky loss of sums over ``axis``, as ``keras.losses.tversky``.

    .. math:: \ell = 1 - \frac{I}{I + \alpha \sum (1 - \hat y) y + \beta \sum \hat y (1 - y)
              + \epsilon}, \qquad I = \sum y \hat y

    Keras' ``alpha`` multiplies ``sum((1 - y_pred) y_true)``, the false
    *negatives* (its docstring says false positives), ``beta`` the false
    positives: this is :func:`losses.tversky` (whose ``alpha`` weighs the false
    positives, as Salehi et al. and optax) with ``alpha`` and ``beta`` swapped,
    ``smooth_dr = keras.config.epsilon()``.

    Args:
      alpha, beta: numbers >= 0 (``ValueError`` otherwise; Keras takes any).
      axis: as in :func:`dice`.

    Native: ``keras.losses.tversky`` -- equal; shapes as :func:`dice`.

    >>> import numpy as np
    >>> round(float(tversky(np.array([[1., 0.]]), np.array([[1., 1.]]))), 6)  # 1 - 1/1.5
    0.333333
    """
    y_true, y_pred = _real_tensors(y_true, y_pred)
    return _lb.tversky(y_true, y_pred, alpha=beta, beta=alpha, axis=axis, smooth_dr=_eps(),
                       reduction="none")


@_functional(q=_open_unit)
def _generalized_cross_entropy(y_true: Any, y_pred: Any, q: float = 0.5) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred, cast=False)
    return _lb.generalized_cross_entropy(y_true, y_pred, q=q, reduction="none")


def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float) -> Tensor:
    r"""Per-example generalized cross-entropy of integer labels, as
    ``keras.losses.categorical_generalized_cross_entropy``.

    .. math:: \ell = \frac{1 - p_y^{\,q}}{q}

    Args:
      y_true: integer class labels ``[...]`` (or ``[..., 1]``).
      y_pred: class probabilities ``[..., C]``.
      q: a number in ``(0, 1)`` (``ValueError`` otherwise; the native function
        takes any).

    Native: ``keras.losses.categorical_generalized_cross_entropy`` -- equal.
    Differences: a label outside ``[0, C)`` or a fractional one raises
    ``ValueError`` (the native scores it as ``p_y = 0`` or truncates it);
    labels ``[N, 1]`` score ``[N]`` (the native broadcasts them to ``[N, N]``);
    at ``p_y = 0`` the gradient of the other classes is 0 (native NaN).
    The loss is :func:`losses.generalized_cross_entropy`.

    >>> import numpy as np
    >>> round(float(categorical_generalized_cross_entropy(np.array([0]), np.array([[0.25, 0.75]]), 0.5)[0]), 6)
    1.0
    """
    return _generalized_cross_entropy(y_true, y_pred, q)


categorical_generalized_cross_entropy.checks = _generalized_cross_entropy.checks


@_functional(smooth=_real(0.0), from_logits=_flag, axis=_sum_axes)
def generalized_dice(y_true: Any, y_pred: Any, smooth: float = 1.0, from_logits: bool = False,
                     axis: Any = None) -> Tensor:
    r"""Generalized Dice loss (Sudre et al., 2017) per example and class (no Keras native).

    .. math:: \ell_{n,c} = w_c \Big(1 - \frac{I_{n,c} + s}{(P_{n,c} + T_{n,c}) / 2 + s}\Big),
              \qquad w_c \propto \frac{1}{T_c^2 + 10^{-7}}

    over the spatial axes (``axis=None``: all but the batch and the last, the
    class axis); the weights ``w`` (mean 1) come from the targets' class masses
    in the batch. ``optax.losses.multiclass_generalized_dice_loss`` is the
    mean of this. The loss is :func:`losses.generalized_dice`
    (``smooth_nr = smooth_dr = 2 smooth``).

    Args:
      smooth: the smoothing term, a number >= 0 (optax's ``smooth``).
      from_logits: whether ``y_pred`` holds logits (``softmax`` over the last
        axis; ``sigmoid`` for one class).
      axis: the summed axes.

    Returns:
      ``[N, C]`` for ``[N, ..., C]`` inputs with the default ``axis``.

    >>> import numpy as np
    >>> t = np.array([[[1., 0.], [1., 0.]]])
    >>> np.round(keras.ops.convert_to_numpy(generalized_dice(t, t)), 6).tolist()
    [[0.0, 0.0]]
    """
    y_true, y_pred = _real_tensors(y_true, y_pred)
    return _lb.generalized_dice(y_true, y_pred, smooth_nr=2.0 * smooth, smooth_dr=2.0 * smooth,
                                from_logits=from_logits, axis=axis, reduction="none")


@_functional(log_input=_flag, axis=_integer)
def generalized_kl_divergence(y_true: Any, y_pred: Any, log_input: bool = False, axis: int = -1) -> Tensor:
    r"""Per-example generalized Kullback-Leibler divergence of unnormalised
    measures (no Keras native).

    .. math:: \ell = \sum_c y_c (\log y_c - \log \hat y_c) + \hat y_c - y_c

    over ``axis`` (``0 log 0 = 0``); ``y_pred`` holds the measure ``Q``, or
    ``log Q`` with ``log_input=True``. For distributions it is
    ``keras.losses.kl_divergence`` without the clip. The loss is
    :func:`losses.generalized_kl_divergence`; equals
    ``optax.losses.generalized_kl_divergence(log(y_pred), y_true)``.

    >>> import numpy as np
    >>> round(float(generalized_kl_divergence(np.array([[1., 1.]]), np.array([[2., 1.]]))[0]), 6)
    0.306853
    """
    y_true, y_pred = _real_tensors(y_true, y_pred)
    return _lb.generalized_kl_divergence(y_true, y_pred, log_input=log_input, axis=axis,
                                         reduction="none")


class Dice(_LossFunctionWrapper, fn=dice, order="reduction name axis dtype"):
    r"""Drop-in ``keras.losses.Dice``: :func:`dice` of sums over ``axis``.

    .. math:: \ell = 1 - \frac{2 \sum y \hat y}{\sum y + \sum \hat y + \epsilon}

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.
      axis: the summed axes: ``None`` (every axis: one number per call), an
        integer or a tuple (``(1, 2, 3)``: one loss per image of ``[N, H, W, C]``).

    Native: ``keras.losses.Dice`` -- equal. Differences: a non-integer
    ``axis`` raises ``ValueError`` when the loss is built; shapes as
    :func:`dice`; ``get_config`` keeps ``dtype`` when given.

    >>> import numpy as np
    >>> round(float(Dice()(np.array([[1., 0.]]), np.array([[1., 1.]]))), 6)
    0.333333
    """


class Tversky(_LossFunctionWrapper, fn=tversky, order="alpha beta reduction name axis dtype"):
    r"""Drop-in ``keras.losses.Tversky``: :func:`tversky` of sums over ``axis``.

    Args:
      alpha: Keras' weight of ``sum((1 - y_pred) y_true)`` (the false
        negatives), a number >= 0.
      beta: Keras' weight of ``sum(y_pred (1 - y_true))`` (the false
        positives), a number >= 0.
      reduction, name, axis, dtype: as in :class:`Dice`.

    Native: ``keras.losses.Tversky`` -- equal; ``alpha``/``beta`` < 0 raise
    ``ValueError`` (the native takes them); shapes as :func:`dice`.

    >>> import numpy as np
    >>> round(float(Tversky(alpha=0.2, beta=0.8)(np.array([[1., 0.]]), np.array([[1., 1.]]))), 6)
    0.444444
    """


class CategoricalGeneralizedCrossEntropy(_LossFunctionWrapper, fn=_generalized_cross_entropy,
                                         name="categorical_generalized_cross_entropy"):
    r"""Drop-in ``keras.losses.CategoricalGeneralizedCrossEntropy``:
    ``(1 - p_y^q) / q`` of integer labels and probabilities.

    Args:
      q: a number in ``(0, 1)`` (``ValueError`` otherwise, as the native).
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.

    Native: ``keras.losses.CategoricalGeneralizedCrossEntropy`` -- equal;
    differences as :func:`categorical_generalized_cross_entropy`.

    >>> import numpy as np
    >>> round(float(CategoricalGeneralizedCrossEntropy()(np.array([0]), np.array([[0.25, 0.75]]))), 6)
    1.0
    """


class GeneralizedDice(_LossFunctionWrapper, fn=generalized_dice, same_rank=False):
    r"""Generalized Dice loss (no Keras native): :func:`generalized_dice` per
    example and class, then Keras' reduction (``"sum_over_batch_size"``: the
    mean over examples and classes, ``optax.losses.multiclass_generalized_dice_loss``).

    Args:
      smooth, from_logits, axis: as in :func:`generalized_dice`.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.
    """


class GeneralizedKLDivergence(_LossFunctionWrapper, fn=generalized_kl_divergence):
    r"""Generalized Kullback-Leibler divergence of unnormalised measures (no Keras
    native): :func:`generalized_kl_divergence` per example, then Keras' reduction.

    Args:
      log_input, axis: as in :func:`generalized_kl_divergence`.
      reduction, name, dtype: as in :class:`CategoricalCrossentropy`.
    """
# ==== sparsemax losses (issue 13): self-contained section ====


@_functional()
def sparsemax_loss(y_true: Any, y_pred: Any) -> Tensor:
    r"""Binary sparsemax loss averaged over the last axis (optax's
    ``sparsemax_loss``; no Keras native).

    .. math:: \ell = \operatorname{mean}_{-1} \mathrm{sparse\_plus}((1 - 2y)\,z)

    ``y_pred`` holds scores (logits), ``y_true`` 0 or 1 (another value raises
    ``ValueError`` eagerly, NaN in a compiled step); shapes as in
    :func:`binary_crossentropy`. The element-wise loss is
    :func:`losses.sparsemax_loss`: zero once ``z >= 1`` for ``y = 1``
    (``z <= -1`` for ``y = 0``).

    >>> import numpy as np
    >>> np.round(keras.ops.convert_to_numpy(sparsemax_loss(np.array([[1., 0.]]), np.array([[0., 3.]]))), 6).tolist()
    [1.625]
    """
    return _last_axis_mean(_lb.sparsemax_loss, y_true, y_pred)


@_functional()
def multiclass_sparsemax_loss(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    r"""Per-example multiclass sparsemax loss with integer labels (optax's
    ``multiclass_sparsemax_loss``; no Keras native).

    .. math:: \ell = \sum_c p_c (z_c - z_y) + \tfrac12 (1 - \|p\|^2),\qquad
              p = \mathrm{sparsemax}(z)

    ``y_true``: integer labels of ``y_pred``'s shape less ``axis`` (or with a
    size-1 axis there), as :func:`sparse_categorical_crossentropy`;
    ``y_pred``: scores. The loss is :func:`losses.multiclass_sparsemax_loss`.

    >>> import numpy as np
    >>> loss = multiclass_sparsemax_loss(np.array([1, 0]), np.array([[1., 0.], [0., 0.]]))
    >>> np.round(keras.ops.convert_to_numpy(loss), 6).tolist()
    [1.0, 0.25]
    """
    y_true, y_pred = _labels(y_true, y_pred, axis)
    return _lb.multiclass_sparsemax_loss(y_true, y_pred, axis=axis, reduction="none")


class SparsemaxLoss(_LossFunctionWrapper, fn=sparsemax_loss):
    r"""Binary sparsemax loss, Keras-style (no Keras native): :func:`sparsemax_loss`
    with Keras' ``reduction`` (``"sum_over_batch_size"`` default), ``name``, ``dtype``.

    .. math:: \ell = \operatorname{mean}_{-1} \mathrm{sparse\_plus}((1 - 2y)\,z)

    Equals ``optax.losses.sparsemax_loss`` averaged as Keras averages.

    >>> import numpy as np
    >>> round(float(SparsemaxLoss()(np.array([[1., 0.]]), np.array([[0., 3.]]))), 6)
    1.625
    """


class MulticlassSparsemaxLoss(_LossFunctionWrapper, fn=multiclass_sparsemax_loss):
    r"""Multiclass sparsemax loss, Keras-style (no Keras native):
    :func:`multiclass_sparsemax_loss` with Keras' ``reduction``, ``name``, ``dtype``.

    .. math:: \ell = \sum_c p_c (z_c - z_y) + \tfrac12 (1 - \|p\|^2)

    Equals ``optax.losses.multiclass_sparsemax_loss`` reduced as Keras reduces.

    >>> import numpy as np
    >>> round(float(MulticlassSparsemaxLoss()(np.array([1, 0]), np.array([[1., 0.], [0., 0.]]))), 6)
    0.625
    """


# --- sequence ----------------------------------------------------------------------


@_functional()
def ctc(y_true: Any, y_pred: Any) -> Tensor:
    r"""CTC loss per sequence, as ``keras.losses.ctc``, over :func:`losses.ctc_loss`.

    .. math:: \ell_n = -\log \sum_{\pi \in \mathcal B^{-1}(y_n)} \prod_t
              \operatorname{softmax}(z_{n,t})[\pi_t]

    ``y_true``: labels ``[N, S]`` (integers, or floats holding them, as the
    ``Loss`` class passes them), padded with 0 -- the blank (``mask_index``);
    a sequence's length is its number of non-zero labels. ``y_pred``: logits
    ``[N, T, C]``, every step counted. Other ranks raise ``ValueError``, as the
    native.

    Differences from the native (TensorFlow backend: ``tf.nn.ctc_loss``): a
    float64 ``y_pred`` is computed in float64 (native: float32, cast back);
    where no alignment exists (more labels plus repeats than steps) the loss
    is ``inf`` (native: a finite ``~709``; the JAX backend ``~1e5``); a label
    outside ``[0, C)`` raises ``ValueError``.

    >>> import numpy as np
    >>> z = (np.arange(24).reshape((2, 4, 3)) - 12) / 100
    >>> np.round(keras.ops.convert_to_numpy(ctc(np.array([[1, 2, 1, 0], [1, 2, 0, 2]]), z)), 5).tolist()
    [2.44293, 2.45436]
    """
    if len(ops.shape(y_true)) != 2:
        raise ValueError("Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` "
                         f"in integer format. Received: y_true.shape={ops.shape(y_true)}")
    if len(ops.shape(y_pred)) != 3:
        raise ValueError("Logits `y_pred` are expected to be a tensor of shape `(batch_size, max_length, "
                         f"num_classes)`. Received: y_pred.shape={ops.shape(y_pred)}")
    labels = ops.cast(ops.convert_to_tensor(y_true), "int32")
    y_pred = ops.convert_to_tensor(y_pred)
    if keras.backend.standardize_dtype(y_pred.dtype) not in ("float32", "float64"):
        y_pred = ops.cast(y_pred, "float32")
    lengths = ops.sum(ops.cast(ops.not_equal(labels, 0), y_pred.dtype), axis=-1)
    return _lb.ctc_loss(labels, y_pred, label_lengths=lengths, blank=0, reduction="none")


class CTC(_LossFunctionWrapper, fn=ctc, same_rank=False):
    r"""Drop-in ``keras.losses.CTC``: :func:`ctc` per sequence, reduced by Keras
    (``"sum_over_batch_size"`` by default).

    Args:
      reduction, name, dtype: as in :class:`CategoricalCrossentropy` (``name`` ``"ctc"``).

    Native: ``keras.losses.CTC`` -- equal where an alignment exists (see
    :func:`ctc`; an impossible one saturates at the dtype's largest finite
    value in the reduced loss, as every loss here does).

    >>> import numpy as np
    >>> z = (np.arange(24).reshape((2, 4, 3)) - 12) / 100
    >>> round(float(CTC()(np.array([[1, 2, 1, 0], [1, 2, 0, 2]]), z)), 5)
    2.44865
    """
