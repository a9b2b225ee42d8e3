"""PyTorch adapter: drop-in replacements for ``torch.nn``'s losses, and
torch-style modules for the catalogue losses torch lacks.

Swap one import and keep the rest of the training script::

    from backends.torch import CrossEntropyLoss   # was: from torch.nn import CrossEntropyLoss

Each module with a native (``CrossEntropyLoss``, ``NLLLoss``, ``BCELoss``,
``BCEWithLogitsLoss``, ``KLDivLoss``, ``MSELoss``, ``L1Loss``, ``HuberLoss``,
``SmoothL1Loss``, ``GaussianNLLLoss``, ``PoissonNLLLoss``; ``FocalLoss`` for
``torchvision.ops.sigmoid_focal_loss``) has its native's name, constructor
arguments (the deprecated ``size_average``/``reduce`` included), defaults,
buffers and ``forward`` semantics, and is a thin shell over a public function
of :mod:`losses` -- the same spec that runs on NumPy, TensorFlow and JAX. The
others (``CategoricalFocalLoss``, ``PolyLoss``, ``JSDivergenceLoss``,
``EntropyLoss``, ``LogCoshLoss``) follow torch's conventions: ``reduction``,
class dim 1, K-dimensional inputs, class-index or class-probability targets.
They hold no math: they translate torch's conventions (class dim 1,
``reduction`` names, element-wise ``weight``) into the spec's options.
:data:`CATALOG` maps each module to its specs and native; each module calls
the specs of its entry, and declares only its native's signature and the
argument mapping (``_args``, ``_fixed``, ``_reductions``; see :class:`_Loss`).

Works under ``torch.compile`` (no graph break in the loss), ``torch.func``
(``vmap``, ``grad``) and double backward. Errors are ``ValueError``/``TypeError``
naming torch's arguments (``input``, ``target``, ``weight``, ``var``, ...).

Deliberate differences from the natives (each asserted by
``tests/test_torch_adapter.py`` or ``tests/test_torch_catalog.py``, listed in
``docs/torch.md``):

* bad labels, probabilities outside [0, 1] and bad shapes raise
  ``ValueError``/``TypeError`` (native: ``RuntimeError``/``IndexError``);
  class indices are validated by the fused kernel, as the native's (no host
  sync): on CPU its ``IndexError`` becomes the ``ValueError``, on CUDA it is
  the native's device-side assert unless ``loss.check_labels = True``;
  ``target`` must have ``input``'s shape where the native broadcasts it;
* a negative ``label_smoothing`` raises (native ignores it silently);
  options the native leaves unchecked (``eps <= 0``) raise;
* ``weight``/``pos_weight``, ``var`` and floating targets of another float
  dtype are cast to ``input``'s dtype, and class-index targets may be any
  integer dtype (native raises for a dtype mismatch and for targets other
  than int64/uint8; the regression losses promote);
* ``KLDivLoss(log_target=True)``: a target of ``-inf`` contributes 0 (native NaN);
* ``GaussianNLLLoss`` also takes an ``int`` or 0-d tensor ``var``;
* ``FocalLoss``: ``alpha > 1`` raises; gradients stay finite where
  torchvision's are NaN.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.modules.adaptive import _ASMoutput

import losses

#: THE table of this adapter: every public module -> (the public functions of
#: :mod:`losses` it runs -- class indices first, class probabilities second --,
#: the native it equals or None). The modules call the specs named here; the
#: docs (``docs/gen_losses.py`` reads it as a literal: keep this shape) and the
#: conformance tests walk it. Argument mappings live on each class (``_args``).
CATALOG: dict[str, tuple[tuple[str, ...], str | None]] = {
    "CrossEntropyLoss": (("sparse_categorical_crossentropy", "categorical_crossentropy"),
                         "torch.nn.CrossEntropyLoss"),
    "NLLLoss": (("nll_loss",), "torch.nn.NLLLoss"),
    "BCELoss": (("binary_crossentropy",), "torch.nn.BCELoss"),
    "BCEWithLogitsLoss": (("binary_crossentropy",), "torch.nn.BCEWithLogitsLoss"),
    "KLDivLoss": (("kl_divergence",), "torch.nn.KLDivLoss"),
    "MSELoss": (("mean_squared_error",), "torch.nn.MSELoss"),
    "L1Loss": (("mean_absolute_error",), "torch.nn.L1Loss"),
    "HuberLoss": (("huber",), "torch.nn.HuberLoss"),
    "SmoothL1Loss": (("smooth_l1",), "torch.nn.SmoothL1Loss"),
    "GaussianNLLLoss": (("gaussian_nll",), "torch.nn.GaussianNLLLoss"),
    "PoissonNLLLoss": (("poisson_nll",), "torch.nn.PoissonNLLLoss"),
    "FocalLoss": (("sigmoid_focal_loss",), "torchvision.ops.sigmoid_focal_loss"),
    "CategoricalFocalLoss": (("sparse_categorical_focal_crossentropy", "categorical_focal_crossentropy"),
                             None),
    "PolyLoss": (("poly1_crossentropy",), None),
    "JSDivergenceLoss": (("js_divergence",), None),
    "EntropyLoss": (("entropy",), None),
    "LogCoshLoss": (("log_cosh",), None),
    "LinearCrossEntropyLoss": (("linear_cross_entropy",), "torch.nn.LinearCrossEntropyLoss"),
    # --- margin ---
    "HingeEmbeddingLoss": (("hinge_embedding",), "torch.nn.HingeEmbeddingLoss"),
    "SoftMarginLoss": (("soft_margin",), "torch.nn.SoftMarginLoss"),
    "MultiMarginLoss": (("multi_margin",), "torch.nn.MultiMarginLoss"),
    "MultiLabelMarginLoss": (("multilabel_margin",), "torch.nn.MultiLabelMarginLoss"),
    "MultiLabelSoftMarginLoss": (("multilabel_soft_margin",), "torch.nn.MultiLabelSoftMarginLoss"),
    "MarginRankingLoss": (("margin_ranking",), "torch.nn.MarginRankingLoss"),
    "HingeLoss": (("hinge",), None),
    "SquaredHingeLoss": (("squared_hinge",), None),
    "CategoricalHingeLoss": (("categorical_hinge",), None),
    "MulticlassHingeLoss": (("multiclass_hinge",), None),
    # --- similarity ---
    "CosineEmbeddingLoss": (("cosine_embedding",), "torch.nn.CosineEmbeddingLoss"),
    "TripletMarginLoss": (("triplet_margin",), "torch.nn.TripletMarginLoss"),
    "TripletMarginWithDistanceLoss": (("triplet_margin",), "torch.nn.TripletMarginWithDistanceLoss"),
    "CosineSimilarityLoss": (("cosine_similarity",), None),
    "CosineDistanceLoss": (("cosine_distance",), None),
    # --- contrastive ---
    "CircleLoss": (("circle",), None),
    "NTXentLoss": (("ntxent",), None),
    "RankingSoftmaxLoss": (("ranking_softmax_loss",), None),
    # --- overlap ---
    "DiceLoss": (("dice",), None),
    "TverskyLoss": (("tversky",), None),
    "GeneralizedDiceLoss": (("generalized_dice",), None),
    "GeneralizedCrossEntropyLoss": (("generalized_cross_entropy",), None),
    "GeneralizedKLDivLoss": (("generalized_kl_divergence",), None),
    # --- structured ---
    "AdaptiveLogSoftmaxWithLoss": (("adaptive_softmax_loss",), "torch.nn.AdaptiveLogSoftmaxWithLoss"),
    "SparsemaxLoss": (("sparsemax_loss",), None),
    "MulticlassSparsemaxLoss": (("multiclass_sparsemax_loss",), None),
    # --- sequence ---
    "CTCLoss": (("ctc_loss",), "torch.nn.CTCLoss"),
}
__all__ = ["CATALOG", *CATALOG]  # the table is the adapter's public names

#: torch's reduction names -> the spec's (``elementwise_mean`` is torch's
#: deprecated alias of ``mean``)
_REDUCTIONS = {"none": "none", "mean": "mean", "sum": "sum", "elementwise_mean": "mean"}
#: element-wise weighted losses: torch's ``mean`` divides by the element count whatever the weights
_ELEMENTWISE = {**_REDUCTIONS, "mean": "sum_over_batch_size", "elementwise_mean": "sum_over_batch_size"}
#: torch's reduction names without the deprecated alias (losses torch lacks, torchvision's)
_PLAIN = {"none": "none", "mean": "mean", "sum": "sum"}
#: the spec's argument names -> torch's, in error messages
_TORCH_NAMES = {"y_true": "target", "y_pred": "input", "class_weight": "weight",
                "sample_weight": "weight"}
_NAME_RE = re.compile(r"\b(" + "|".join(_TORCH_NAMES) + r")\b")


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """torch's ``_Reduction.legacy_get_string``: ``None`` counts as ``True``;
    both true -> ``'mean'``, only ``reduce`` -> ``'sum'``, else ``'none'``."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' "
                  "instead.", stacklevel=4)
    return ret


def _fail(msg: str, kind: type = ValueError) -> None:
    raise kind(f"lossbridge: {msg}")


def _renamed(e: ValueError, more: dict[str, str]) -> ValueError:
    """``e`` with the spec's argument names replaced by torch's (and the ``more`` replacements)."""
    msg = _NAME_RE.sub(lambda m: _TORCH_NAMES[m.group(1)], str(e))
    for old, new in more.items():
        msg = msg.replace(old, new)
    return type(e)(msg).with_traceback(e.__traceback__)


def _shape(x: Tensor) -> tuple:
    return tuple(x.shape)


def _tensors(**named: Any) -> None:
    for name, x in named.items():
        if not isinstance(x, Tensor):
            _fail(f"`{name}` must be a torch.Tensor; got {type(x).__name__}", TypeError)


def _class_dim(input: Tensor) -> int:  # noqa: A002
    if input.dim() == 0:
        _fail("`input` must have a class dimension: shape [C], [N, C] or [N, C, d1, ...]; "
              "got a 0-d tensor")
    return 0 if input.dim() == 1 else 1


def _index_target(input: Tensor, target: Tensor, cdim: int, probabilities: bool) -> None:  # noqa: A002
    """Class-index targets: ``input``'s shape without the class dim, integer dtype."""
    want = _shape(input)[:cdim] + _shape(input)[cdim + 1:]
    if _shape(target) != want:
        alt = f", or input's shape {_shape(input)} for class probabilities" if probabilities else ""
        _fail(f"`target` of class indices must have input's shape {_shape(input)} without the class "
              f"dim {cdim}, i.e. {want}{alt}; got target.shape={_shape(target)}")
    if target.dtype.is_floating_point or target.dtype.is_complex or target.dtype == torch.bool:
        _fail(f"`target` of class indices must be an integer tensor (torch.long); got {target.dtype}"
              + (f" (class probabilities need target.shape == input.shape = {_shape(input)})"
                 if probabilities else ""), TypeError)


def _probability_target(input: Tensor, target: Tensor, cdim: int, ignore_index: int) -> bool:  # noqa: A002
    """torch's rule for the softmax losses: a ``target`` of ``input``'s shape
    holds class probabilities (floating; ``ignore_index`` must be negative),
    any other class indices (checked). Whether they are probabilities."""
    if _shape(target) != _shape(input):
        _index_target(input, target, cdim, probabilities=True)
        return False
    if not target.dtype.is_floating_point:
        _fail(f"`target` has input's shape {_shape(input)}, so it holds class probabilities "
              f"and must be floating point; got {target.dtype} (class indices have "
              f"input's shape without the class dim {cdim})", TypeError)
    if ignore_index >= 0:
        _fail(f"`ignore_index`={ignore_index} is not supported with class-probability "
              "targets (as in torch); leave it at a negative value such as -100")
    return True


def _same_shape(input: Tensor, target: Tensor) -> None:  # noqa: A002
    if _shape(target) != _shape(input):
        _fail(f"`target` must have input's shape; got target.shape={_shape(target)} and "
              f"input.shape={_shape(input)}")


def _elementwise_weight(weight: Tensor | None, input: Tensor, expand: bool = True) -> Tensor | None:  # noqa: A002
    """torch's element-wise ``weight``: broadcast (trailing dims aligned) to
    ``input`` (checked; expanded when ``expand``)."""
    if weight is None:
        return None
    w, x = _shape(weight), _shape(input)
    if len(w) > len(x) or any(a != 1 and a != b for a, b in zip(reversed(w), reversed(x))):
        _fail(f"`weight` of shape {w} does not broadcast to input's shape {x}")
    return weight.expand(x) if expand else weight


class _Loss(nn.Module):
    """One base that holds ``reduction``, as torch's ``_Loss`` does, and the
    call of the spec. A module declares what it translates: the specs
    (from :data:`CATALOG`), ``_args`` (its option attributes -> the spec's
    keywords), ``_fixed`` (keywords it always passes) and ``_reductions``."""

    reduction: str
    #: the reduction names this loss accepts -> the spec's
    _reductions: dict[str, str] = _REDUCTIONS
    #: the public functions of :mod:`losses` it calls (its :data:`CATALOG` entry)
    _specs: tuple[str, ...] = ()
    #: option attribute -> the spec's keyword, passed on as it is
    _args: dict[str, str] = {}
    #: keywords passed to the spec on every call
    _fixed: dict[str, Any] = {}
    #: options registered as buffers even when ``None`` (a tensor option always is one)
    _buffer_options: tuple[str, ...] = ()
    #: more replacements in error messages (spec wording -> torch's)
    _messages: dict[str, str] = {}
    #: the fused forms of the first and the last spec (set with ``_specs``)
    _fused_first: Callable | None = None
    _fused_last: Callable | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__ == __name__ and cls.__name__ in CATALOG:
            cls._specs = CATALOG[cls.__name__][0]
            # the specs' fused forms (losses.<spec>.fused), looked up once, not per call
            first, last = (getattr(getattr(losses, cls._specs[i]), "fused", None) for i in (0, -1))
            cls._fused_first = None if first is None else staticmethod(first)
            cls._fused_last = None if last is None else staticmethod(last)

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", **options: Any) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        elif reduction == "elementwise_mean" and "elementwise_mean" in self._reductions:
            warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                          "instead.", stacklevel=3)
        self.reduction = reduction
        self._reduction()
        for name, value in options.items():
            if name in self._buffer_options or isinstance(value, Tensor):
                self.register_buffer(name, value)
            else:
                setattr(self, name, value)

    def _reduction(self) -> str:
        if type(self.reduction) is str:  # the common case, without a try
            red = self._reductions.get(self.reduction)
            if red is not None:
                return red
        try:
            return self._reductions[self.reduction]
        except (KeyError, TypeError):
            names = ", ".join(repr(k) for k in self._reductions if k != "elementwise_mean")
            _fail(f"`reduction` must be one of {names}; got {self.reduction!r}")

    def _options(self, input: Tensor) -> dict[str, Any]:  # noqa: A002
        """The spec's keywords: the fixed ones, the options, the reduction."""
        kwargs = {**self._fixed, "reduction": self._reduction()}
        for attr, kw in self._args.items():
            kwargs[kw] = getattr(self, attr)
        return kwargs

    def _call(self, which: int, *args: Any, **kwargs: Any) -> Tensor:
        """Spec ``which`` of :data:`CATALOG`'s entry on ``args``."""
        return getattr(losses, self._specs[which])(*args, **kwargs)

    def _translated(self, loss: Any, *args: Tensor) -> Tensor:
        """``loss(*args)`` with errors in torch's argument names."""
        try:
            return loss(*args)
        except ValueError as e:
            raise _renamed(e, self._messages) from None

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        _tensors(input=input, target=target)
        return self._translated(self._loss, input, target)

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """The element-wise form: ``target`` of ``input``'s shape, one spec."""
        _same_shape(input, target)
        return self._call(0, target, input, **self._options(input))


class _WeightedLoss(_Loss):
    """``_Loss`` with a ``weight`` buffer (moves with ``.to``/``.double()``,
    saved in ``state_dict``), as torch's ``_WeightedLoss``."""

    weight: Tensor | None
    _buffer_options = ("weight",)

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean", **options: Any) -> None:
        super().__init__(size_average, reduce, reduction, weight=weight, **options)


class _ClassLoss(_WeightedLoss):
    """The softmax losses: class dim 1 (0 unbatched); class-index targets, or
    (``_probabilities``) class probabilities by torch's rule (same shape as
    ``input``), which go to the last spec of the entry without ``ignore_index``."""

    ignore_index: int
    label_smoothing: float = 0.0
    _probabilities = True
    _fixed = {"from_logits": True}
    #: the loss is torch's cross-entropy (``CrossEntropyLoss``, ``NLLLoss``): class
    #: indices go straight to the fused kernel
    _fused = False
    #: ``input`` holds log-probabilities (``NLLLoss``), not logits
    _log_probs = False
    #: opt-in (``loss.check_labels = True``): read the labels on the host before
    #: the kernel, so that a bad one raises the ``ValueError`` naming it on CUDA
    #: too (one host sync per call). By default the fused kernel validates them,
    #: as the native's does: on CPU its ``IndexError`` becomes that same
    #: ``ValueError`` (the labels are read only then); on CUDA it is the
    #: kernel's device-side assert, exactly as with the native.
    check_labels: bool = False

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        # class indices: straight to the fused kernel, options as given, no host
        # read (the spec's fused form, losses.<spec>.fused); anything else, or
        # None from it, takes the spec's path
        if self._fused and type(input) is Tensor and type(target) is Tensor and input.dim() > 0 \
                and type(self.ignore_index) is int:
            fused = self._fused_first
            weight = self._buffers["weight"]  # (self.weight: nn.Module.__getattr__, slower)
            try:
                if fused is None:
                    value = None
                elif self._log_probs:
                    value = fused(target, input, self._reduction(), weight, self.ignore_index,
                                  self.check_labels)
                else:
                    value = fused(target, input, self._reduction(), weight, self.ignore_index,
                                  self.label_smoothing, self.check_labels)
                if (value is None and self._probabilities and target.shape == input.shape
                        and target.dtype.is_floating_point and self.ignore_index < 0):
                    # class probabilities: the spec's fused form too
                    dense = self._fused_last
                    if dense is not None:
                        value = dense(target, input, self._reduction(), weight, self.label_smoothing)
            except ValueError as e:
                raise _renamed(e, self._messages) from None
            if value is not None:
                return value
        return super().forward(input, target)

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        cdim = _class_dim(input)
        kw = {"axis": cdim, **self._options(input)}
        if not self._probabilities:
            _index_target(input, target, cdim, probabilities=False)
        elif _probability_target(input, target, cdim, self.ignore_index):
            return self._call(-1, target, input, **kw)
        return self._call(0, target, input, ignore_index=self.ignore_index, **kw)


class _ElementWeighted(_Loss):
    """Binary cross-entropies: torch's element-wise ``weight`` (broadcast to
    ``input``) as the spec's ``sample_weight``; ``'mean'`` counts elements."""

    weight: Tensor | None
    _reductions = _ELEMENTWISE
    _buffer_options = ("weight",)

    def _options(self, input: Tensor) -> dict[str, Any]:  # noqa: A002
        kwargs = super()._options(input)
        kwargs["sample_weight"] = _elementwise_weight(self.weight, input)
        return kwargs


class CrossEntropyLoss(_ClassLoss):
    r"""Drop-in for :class:`torch.nn.CrossEntropyLoss` over
    :func:`losses.sparse_categorical_crossentropy` /
    :func:`losses.categorical_crossentropy` (``axis=1``, ``from_logits=True``).

    ``input`` holds logits ``[C]``, ``[N, C]`` or ``[N, C, d1, ...]`` (class
    dim 1; 0 when unbatched). ``target`` holds class indices (``input``'s shape
    without the class dim, integer dtype) or class probabilities (``input``'s
    shape, floating). With class indices ``y``, class weights ``w``
    (``weight``), smoothing ``e`` and ``C`` classes:

    .. math:: \ell_n = (1-e)\, w_{y_n} (-\log p_{n,y_n})
              + \frac{e}{C} \sum_c w_c (-\log p_{n,c}),
              \qquad p = \mathrm{softmax}(\text{input}, \text{dim}=1)

    elements with ``y_n = ignore_index`` contribute 0, and ``'mean'`` divides
    by ``sum_n w_{y_n}`` over the counted elements. With probabilities ``t``:
    ``\ell_n = -\sum_c w_c t'_c \log p_{n,c}``, ``t' = (1-e) t + e/C``, and
    ``'mean'`` divides by the number of ``\ell_n``. All exactly as the native.

    Args:
      weight: ``[C]`` class weights (a buffer).
      size_average, reduce: deprecated; mapped to ``reduction`` as torch does
        (with torch's warning).
      ignore_index: a class-index value that contributes nothing (not allowed
        ``>= 0`` with probability targets, as in torch).
      reduction: ``'mean'``, ``'sum'`` or ``'none'``.
      label_smoothing: ``e`` in ``[0, 1]``.

    Cost: class indices go straight to torch's fused kernel with the options
    as given; the kernel validates the labels (no host sync), as the native's.

    Differences from the native: bad labels raise ``ValueError`` naming the
    first on CPU (native: ``IndexError``; on CUDA both hit the kernel's
    device-side assert unless ``check_labels = True`` is set on the module,
    which reads the labels on the host first; under ``torch.compile``/``vmap``
    the element's loss is NaN); a negative ``label_smoothing`` raises ``ValueError``
    (native silently ignores it); ``weight`` is cast to ``input``'s dtype
    (native raises on a mismatch); class-index targets may be any integer
    dtype (native: int64 or uint8 only).

    >>> import torch
    >>> loss = CrossEntropyLoss(label_smoothing=0.1)
    >>> x, y = torch.randn(4, 3, 5), torch.randint(0, 3, (4, 5))
    >>> torch.allclose(loss(x, y), torch.nn.CrossEntropyLoss(label_smoothing=0.1)(x, y))
    True
    """

    _reductions = _REDUCTIONS
    _args = {"weight": "class_weight", "label_smoothing": "label_smoothing"}
    _fused = True

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)


class NLLLoss(_ClassLoss):
    r"""Drop-in for :class:`torch.nn.NLLLoss` over :func:`losses.nll_loss` (``axis=1``).

    ``input`` holds log-probabilities ``[C]``, ``[N, C]`` or
    ``[N, C, d1, ...]``; ``target`` class indices (``input``'s shape without
    the class dim).

    .. math:: \ell_n = -w_{y_n}\, x_{n, y_n}

    0 for ``y_n = ignore_index``; ``'mean'`` divides by ``sum_n w_{y_n}`` over
    the counted elements, exactly as the native.

    Args: ``weight``, ``size_average``, ``ignore_index``, ``reduce``,
    ``reduction`` as in :class:`CrossEntropyLoss`.

    Differences from the native: as :class:`CrossEntropyLoss` (``ValueError``
    for bad labels, ``weight`` cast to ``input``'s dtype, any integer target dtype).

    >>> import torch
    >>> x, y = torch.randn(4, 3).log_softmax(1), torch.tensor([0, 2, 1, -100])
    >>> torch.allclose(NLLLoss()(x, y), torch.nn.NLLLoss()(x, y))
    True
    """

    _reductions = _REDUCTIONS
    _args = {"weight": "class_weight"}
    _fixed: dict[str, Any] = {}
    _probabilities = False
    _fused = True
    _log_probs = True

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction, ignore_index=ignore_index)


class BCELoss(_ElementWeighted):
    r"""Drop-in for :class:`torch.nn.BCELoss` over
    :func:`losses.binary_crossentropy` (``log_min=-100``).

    ``input`` holds probabilities, ``target`` values in ``[0, 1]`` of the same
    shape; ``weight`` rescales element-wise (broadcast to ``input``):

    .. math:: \ell = -w \left[ y \max(\log p, -100) + (1-y) \max(\log(1-p), -100) \right]

    ``'mean'`` divides ``sum(\ell)`` by the number of elements whatever the
    weights, as the native. ``input`` or ``target`` outside ``[0, 1]`` (or NaN)
    raises ``ValueError`` (native: ``RuntimeError``); under ``torch.compile``
    or ``vmap`` that element's loss is NaN instead. The check is the fused
    kernel's, as the native's (no host sync; the values are read only when
    it fails); on CUDA it is the kernel's device-side assert.

    The gradient is the native's, ``w (p - y) / max(p (1 - p), 1e-12)``, at
    the ends too (``p = 0, y = 1``: ``-1e12``), where the clamped loss itself
    is flat: the most wrong examples keep being pushed. (In float16 that is
    ``-inf``, as the native's.)

    Also: a ``target`` of another dtype is cast to ``input``'s (native raises).

    >>> import torch
    >>> p, y = torch.rand(4, 3), torch.rand(4, 3)
    >>> torch.allclose(BCELoss()(p, y), torch.nn.BCELoss()(p, y))
    True
    """

    _fixed = {"log_min": -100.0}

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction, weight=weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        # straight to the fused kernel, which checks [0, 1] itself (the spec's
        # fused form, losses.<spec>.fused); else, or on None, the spec's path
        fused = self._fused_first
        if fused is not None and type(input) is Tensor and type(target) is Tensor:
            reduction = self._reduction()
            try:
                value = fused(target, input, reduction,
                              _elementwise_weight(self._buffers["weight"], input, False), None,
                              from_logits=False)
            except ValueError as e:
                raise _renamed(e, self._messages) from None
            if value is not None:
                return value
        return super().forward(input, target)


class BCEWithLogitsLoss(_ElementWeighted):
    r"""Drop-in for :class:`torch.nn.BCEWithLogitsLoss` over
    :func:`losses.binary_crossentropy` (``from_logits=True``).

    .. math:: \ell = w \left[ (1-y)\, z + (1 + (w_+ - 1) y)\, \mathrm{softplus}(-z) \right]

    ``weight`` ``w`` rescales element-wise (broadcast to ``input``);
    ``pos_weight`` ``w_+`` broadcasts with ``input`` (trailing dims: one per
    class for ``[N, C]``); ``'mean'`` divides by the number of elements. Both
    are buffers. Exactly the native's values and gradients.

    Difference from the native: a ``target`` of another dtype is cast to
    ``input``'s (native raises for integer targets).

    >>> import torch
    >>> z, y, pw = torch.randn(4, 3), torch.rand(4, 3), torch.tensor([1.0, 2.0, 0.5])
    >>> torch.allclose(BCEWithLogitsLoss(pos_weight=pw)(z, y),
    ...                torch.nn.BCEWithLogitsLoss(pos_weight=pw)(z, y))
    True
    """

    pos_weight: Tensor | None
    _buffer_options = ("weight", "pos_weight")
    _args = {"pos_weight": "pos_weight"}
    _fixed = {"from_logits": True}

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        # straight to the fused kernel (the spec's fused form, losses.<spec>.fused);
        # anything it does not take, or None from it, takes the spec's path
        fused = self._fused_first
        if fused is not None and type(input) is Tensor and type(target) is Tensor:
            reduction = self._reduction()
            try:
                b = self._buffers  # (self.weight: nn.Module.__getattr__, slower)
                value = fused(target, input, reduction, _elementwise_weight(b["weight"], input, False),
                              b["pos_weight"] if "pos_weight" in b else self.pos_weight)
            except ValueError as e:
                raise _renamed(e, self._messages) from None
            if value is not None:
                return value
        return super().forward(input, target)

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction, weight=weight, pos_weight=pos_weight)


# --- regression ---------------------------------------------------------------------


def _number(name: str, value: Any) -> None:
    """torch's ``TypeError`` for a non-number option (``HuberLoss``' ``delta``)."""
    if isinstance(value, bool) or not isinstance(value, (float, int)):
        _fail(f"`{name}` must be a float or int; got {type(value).__name__}", TypeError)


class _FusedElementwise(_Loss):
    """The element-wise regression losses with a fused native kernel: a call
    goes straight to the spec's fused form (``losses.<spec>.fused``: torch's
    ``mse_loss``, ``l1_loss``, ``huber_loss``, ``smooth_l1_loss``); anything
    it does not take (another shape, complex, traced) takes the spec's path."""

    #: the option that is the kernel's parameter (``delta``, ``beta``) and its lower
    #: bound (``delta > 0``, ``beta >= 0``: the spec's checks raise otherwise)
    _param: str | None = None
    _param_open = True

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        fused = self._fused_first
        if fused is not None and type(input) is Tensor and type(target) is Tensor:
            param = None
            if self._param is not None:
                param = getattr(self, self._param)
                if (type(param) not in (int, float) or not param < float("inf")
                        or not (param > 0 if self._param_open else param >= 0)):
                    fused = None
            value = None if fused is None else fused(target, input, self._reduction(), param)
            if value is not None:
                return value
        return super().forward(input, target)


class MSELoss(_FusedElementwise):
    r"""Drop-in for :class:`torch.nn.MSELoss` over :func:`losses.mean_squared_error`.

    .. math:: \ell = (x - y)^2

    ``'mean'`` averages every element, as the native. ``target`` must have
    ``input``'s shape (native broadcasts a mismatch with a warning; ours
    raises ``ValueError``) and is cast to ``input``'s dtype.

    >>> import torch
    >>> x, y = torch.randn(4, 3), torch.randn(4, 3)
    >>> torch.allclose(MSELoss()(x, y), torch.nn.MSELoss()(x, y))
    True
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)


class L1Loss(_FusedElementwise):
    r"""Drop-in for :class:`torch.nn.L1Loss` over :func:`losses.mean_absolute_error`.

    .. math:: \ell = |x - y|

    (gradient ``sign(x - y)``, 0 at a tie, as the native). Shapes and dtypes
    as :class:`MSELoss`. Complex ``input``/``target``, as the native: the
    loss of the modulus ``|x - y|`` (real), gradient ``sgn(x - y)``; the
    spec runs on the modulus against 0 (torch's complex convention, no
    other math here).

    >>> import torch
    >>> x, y = torch.randn(4, 3), torch.randn(4, 3)
    >>> torch.allclose(L1Loss(reduction="sum")(x, y), torch.nn.L1Loss(reduction="sum")(x, y))
    True
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        if input.is_complex() or target.is_complex():  # as torch: |x - y|, the complex modulus
            _same_shape(input, target)
            input = (input - target).abs()  # noqa: A001
            target = torch.zeros_like(input)
        return super()._loss(input, target)


class HuberLoss(_FusedElementwise):
    r"""Drop-in for :class:`torch.nn.HuberLoss` over :func:`losses.huber`.

    .. math:: \ell = \begin{cases} \tfrac12 (x - y)^2 & |x - y| \le \delta \\
              \delta (|x - y| - \tfrac12 \delta) & \text{otherwise} \end{cases}

    Args:
      reduction: ``'mean'``, ``'sum'`` or ``'none'``.
      delta: the threshold, a number > 0 (a non-number raises ``TypeError``
        as the native; ``delta <= 0`` raises ``ValueError``, native
        ``RuntimeError``).

    Shapes and dtypes as :class:`MSELoss`.

    >>> import torch
    >>> x, y = torch.randn(4, 3) * 3, torch.randn(4, 3)
    >>> torch.allclose(HuberLoss(delta=0.5)(x, y), torch.nn.HuberLoss(delta=0.5)(x, y))
    True
    """

    _args = {"delta": "delta"}
    _param = "delta"

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        _number("delta", delta)
        super().__init__(reduction=reduction, delta=delta)


class SmoothL1Loss(_FusedElementwise):
    r"""Drop-in for :class:`torch.nn.SmoothL1Loss` over :func:`losses.smooth_l1`.

    .. math:: \ell = \begin{cases} \tfrac12 (x - y)^2 / \beta & |x - y| < \beta \\
              |x - y| - \tfrac12 \beta & \text{otherwise} \end{cases}

    ``beta = 0`` is :class:`L1Loss`, as the native; a negative ``beta``
    raises ``ValueError`` (native ``RuntimeError``). Shapes and dtypes as
    :class:`MSELoss`.

    >>> import torch
    >>> x, y = torch.randn(4, 3) * 3, torch.randn(4, 3)
    >>> torch.allclose(SmoothL1Loss(beta=2.0)(x, y), torch.nn.SmoothL1Loss(beta=2.0)(x, y))
    True
    """

    _args = {"beta": "beta"}
    _param = "beta"
    _param_open = False

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction, beta=beta)


class LogCoshLoss(_Loss):
    r"""Log-cosh loss (no torch native) over :func:`losses.log_cosh`.

    .. math:: \ell = \log\cosh(x - y), \qquad \partial\ell/\partial x = \tanh(x - y)

    Stable everywhere: finite for every finite input, exact digits at small
    ``|x - y|`` (see :func:`losses.log_cosh`). Torch-style: ``reduction``
    ``'mean'`` (every element), ``'sum'`` or ``'none'``; ``target`` of
    ``input``'s shape. Equals ``keras.losses.LogCosh`` /
    ``optax.log_cosh`` up to their rounding.

    >>> import torch
    >>> LogCoshLoss(reduction="none")(torch.tensor([0.0, 1e4]), torch.zeros(2)).tolist()
    [0.0, 9999.306640625]
    """

    _reductions = _PLAIN

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)


class PoissonNLLLoss(_Loss):
    r"""Drop-in for :class:`torch.nn.PoissonNLLLoss` over :func:`losses.poisson_nll`.

    .. math:: \ell = \begin{cases} e^{x} - y x & \text{log\_input} \\
              x - y \log(x + \epsilon) & \text{otherwise} \end{cases}
              \;+\; [\text{full}]\,[y > 1]\,\big(y\log y - y + \tfrac12\log(2\pi y)\big)

    ``forward(log_input, target)`` -- the first argument is named as the
    native's (it holds log-rates or rates, as the ``log_input`` option says).

    Differences from the native: ``eps <= 0`` raises ``ValueError`` (native
    does not check); ``target`` must have ``input``'s shape (native
    broadcasts) and is cast to its dtype.

    >>> import torch
    >>> x, y = torch.randn(4, 3), torch.poisson(torch.full((4, 3), 2.0))
    >>> torch.allclose(PoissonNLLLoss(full=True)(x, y), torch.nn.PoissonNLLLoss(full=True)(x, y))
    True
    """

    _args = {"log_input": "log_input", "full": "full", "eps": "eps"}

    def __init__(self, log_input: bool = True, full: bool = False, size_average: bool | None = None,
                 eps: float = 1e-8, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction, log_input=log_input, full=full, eps=eps)

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return super().forward(log_input, target)


class GaussianNLLLoss(_Loss):
    r"""Drop-in for :class:`torch.nn.GaussianNLLLoss` over :func:`losses.gaussian_nll`.

    .. math:: \ell = \tfrac12\left(\log v' + \frac{(x - y)^2}{v'}\right)
              + [\text{full}]\,\tfrac12\log 2\pi, \qquad v' = \max(\text{var}, \text{eps})

    ``forward(input, target, var)``: ``input`` the predicted means,
    ``target`` samples of ``input``'s shape, ``var`` the variances: a tensor of
    ``input``'s shape; of ``input``'s shape without its last dimension, or with
    exactly one dimension of size 1 (homoscedastic, shared along it); or a
    number. Other shapes raise ``ValueError`` as the native does, and so does
    a negative variance. The gradient with respect to ``var`` passes the
    ``eps`` clamp unchanged, as the native's (which clamps under ``no_grad``).

    Differences from the native: ``var`` may also be a Python ``int`` or a 0-d
    tensor (a scalar variance for any ``input``; native accepts only a
    ``float``, and a 0-d tensor only when ``input`` is 1-d); ``eps <= 0``
    raises ``ValueError``; ``target`` must have ``input``'s shape (native
    broadcasts); ``target`` and ``var`` are cast to ``input``'s dtype. Under
    ``torch.compile``/``torch.func`` a negative variance gives NaN for its
    elements instead of the error.

    >>> import torch
    >>> x, y, v = torch.randn(4, 3), torch.randn(4, 3), torch.rand(4, 1) + 0.1
    >>> torch.allclose(GaussianNLLLoss(full=True)(x, y, v), torch.nn.GaussianNLLLoss(full=True)(x, y, v))
    True
    """

    _reductions = _PLAIN
    _args = {"full": "full", "eps": "eps"}
    #: the Gaussian spec calls the prediction ``mean``; torch calls it ``input``
    _messages = {"`mean`": "`input`", "mean's": "input's"}

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction, full=full, eps=eps)

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:  # noqa: A002
        _tensors(input=input, target=target)
        if isinstance(var, bool) or not isinstance(var, (Tensor, float, int)):
            _fail(f"`var` must be a torch.Tensor or a number; got {type(var).__name__}", TypeError)
        if not isinstance(var, Tensor):  # a 0-d tensor: a Python number would go through NumPy (a graph break)
            var = torch.full((), float(var), dtype=input.dtype, device=input.device)
        return self._translated(self._gaussian, input, target, var)

    def _gaussian(self, input: Tensor, target: Tensor, var: Tensor) -> Tensor:  # noqa: A002
        _same_shape(input, target)
        return self._call(0, target, input, var, **self._options(input))


# --- divergences ---------------------------------------------------------------------

_KL_MEAN_WARNING = (
    "reduction: 'mean' divides the total loss by both the batch size and the support size."
    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
    "'mean' will be changed to behave the same as 'batchmean' in the next major release.")


class KLDivLoss(_Loss):
    r"""Drop-in for :class:`torch.nn.KLDivLoss` over :func:`losses.kl_divergence`
    (``log_input=True, axis=None``).

    ``input`` holds log-probabilities; ``target`` probabilities, or
    log-probabilities with ``log_target=True``; same shape:

    .. math:: \ell = t\,(\log t - x), \qquad \ell = e^{t}(t - x) \text{ (log\_target)}

    with ``0 log 0 = 0``: a zero target contributes 0 (and 0 gradient), as
    the native's ``xlogy``. Reductions: ``'none'`` (``input``'s shape),
    ``'sum'``, ``'batchmean'`` (the sum divided by ``input.size(0)``; the sum
    for a 0-d ``input``) and ``'mean'`` (the average over *every* element,
    with the native's warning at each eager call; ``'batchmean'`` is the true
    KL divergence).

    Difference from the native: with ``log_target=True`` a target of ``-inf``
    (probability 0) contributes 0 (native NaN). As the native, a negative
    target probability gives NaN for its element. ``target`` must have
    ``input``'s shape (native broadcasts) and is cast to its dtype.

    >>> import torch
    >>> x, t = torch.randn(4, 3).log_softmax(1), torch.softmax(torch.randn(4, 3), 1)
    >>> torch.allclose(KLDivLoss(reduction="batchmean")(x, t),
    ...                torch.nn.KLDivLoss(reduction="batchmean")(x, t))
    True
    """

    _reductions = {**_REDUCTIONS, "batchmean": "sum"}
    _args = {"log_target": "log_target"}
    _fixed = {"log_input": True, "axis": None}

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction, log_target=log_target)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        # straight to the fused form (losses.kl_divergence.fused); anything it
        # does not take, or None from it, takes the spec's path
        fused = self._fused_first
        if fused is not None and type(input) is Tensor and type(target) is Tensor \
                and type(self.log_target) is bool:
            reduction, n = self._batchmean(input)
            value = fused(target, input, reduction, self.log_target, n)  # the native's sum / N
            if value is not None:
                if self.reduction == "mean":
                    warnings.warn(_KL_MEAN_WARNING, stacklevel=3)
                return value
        return super().forward(input, target)

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        if self.reduction == "mean" and not torch.compiler.is_compiling():
            warnings.warn(_KL_MEAN_WARNING, stacklevel=4)
        _same_shape(input, target)
        reduction, n = self._batchmean(input)
        sample_weight = None
        if n is not None:  # a tensor: no graph break
            sample_weight = torch.full((), 1.0 / n, dtype=input.dtype, device=input.device)
        return self._call(0, target, input, sample_weight=sample_weight,
                          **{**self._options(input), "reduction": reduction})

    def _batchmean(self, input: Tensor) -> tuple[str, int | None]:  # noqa: A002
        """The spec's reduction and the batch size ``N`` the sum is divided by:
        ``"batchmean"`` is the sum over ``N`` (the sum for a 0-d ``input``;
        NaN for ``N = 0``, the native's ``0 / 0``: the mean of no element)."""
        if self.reduction != "batchmean" or input.dim() == 0:
            return self._reduction(), None
        if input.shape[0] == 0:
            return "mean", None
        return "sum", input.shape[0]


class JSDivergenceLoss(_Loss):
    r"""Jensen-Shannon divergence (no torch native) over :func:`losses.js_divergence`.

    .. math:: \mathrm{JS}(P, Q) = \tfrac12 \mathrm{KL}(P \| M) + \tfrac12 \mathrm{KL}(Q \| M),
              \qquad M = \tfrac12 (P + Q)

    per distribution along the class dim 1 (0 for an unbatched ``[C]``
    input), in nats, bounded by ``log 2``; ``input`` ``[C]``, ``[N, C]`` or
    ``[N, C, d1, ...]``, ``target`` ``P`` of the same shape (probabilities or
    non-negative weights, renormalised).

    Args:
      reduction: ``'mean'`` over the distributions (``N d1 ...`` of them),
        ``'sum'`` or ``'none'`` (``input``'s shape less the class dim).
      log_input: ``True`` (default): ``input`` holds logits or
        log-probabilities, ``Q = softmax(input, dim=1)`` (computed with
        ``log_softmax``), as the inputs of :class:`CrossEntropyLoss` and
        :class:`KLDivLoss`; ``False``: probabilities (renormalised).

    Equals ``scipy.spatial.distance.jensenshannon(p, q, axis=1) ** 2``.

    >>> import torch
    >>> x, t = torch.tensor([[0.0, -1e4]]), torch.tensor([[0.0, 1.0]])
    >>> round(JSDivergenceLoss()(x, t).item(), 6)  # disjoint supports: log 2
    0.693147
    """

    _reductions = _PLAIN
    _args = {"log_input": "from_logits"}
    _fixed: dict[str, Any] = {}

    def __init__(self, reduction: str = "mean", log_input: bool = True) -> None:
        super().__init__(reduction=reduction, log_input=log_input)

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        _same_shape(input, target)
        return self._call(0, target, input, axis=_class_dim(input), **self._options(input))


class EntropyLoss(_Loss):
    r"""Shannon entropy of predicted distributions (no torch native) over
    :func:`losses.entropy`: ``forward(input)``, one argument.

    .. math:: H(p) = -\sum_c p_c \log p_c

    per distribution along the class dim 1 (0 for ``[C]``), in nats. Use it
    as a regulariser: minimise it for confident predictions (entropy
    minimisation), or subtract it to keep them spread.

    Args:
      reduction: ``'mean'`` over the distributions, ``'sum'`` or ``'none'``
        (``input``'s shape less the class dim).
      log_input: ``True`` (default): ``input`` holds logits,
        ``p = softmax(input, dim=1)`` (exactly
        ``torch.distributions.Categorical(logits=...).entropy()``);
        ``False``: probabilities (renormalised; ``0 log 0 = 0``).

    >>> import torch
    >>> z = torch.randn(4, 3)
    >>> torch.allclose(EntropyLoss(reduction="none")(z),
    ...                torch.distributions.Categorical(logits=z).entropy())
    True
    """

    _reductions = _PLAIN
    _args = {"log_input": "from_logits"}

    def __init__(self, reduction: str = "mean", log_input: bool = True) -> None:
        super().__init__(reduction=reduction, log_input=log_input)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        _tensors(input=input)
        return self._translated(self._entropy, input)

    def _entropy(self, input: Tensor) -> Tensor:  # noqa: A002
        return self._call(0, input, axis=_class_dim(input), **self._options(input))


# --- focal and poly ----------------------------------------------------------------------


class FocalLoss(_Loss):
    r"""Sigmoid focal loss as a module: ``FocalLoss(alpha, gamma, reduction)(inputs, targets)``
    equals ``torchvision.ops.sigmoid_focal_loss(inputs, targets, alpha, gamma, reduction)``;
    over :func:`losses.sigmoid_focal_loss`.

    .. math:: \ell = \alpha_t\,(1 - p_t)^\gamma\, \mathrm{BCE}_\text{logits}(x, y),\qquad
              p = \sigma(x),\; p_t = p y + (1 - p)(1 - y),\;
              \alpha_t = \alpha y + (1 - \alpha)(1 - y)

    ``input`` holds logits of any shape, ``target`` binary (or soft) labels of
    the same shape. Defaults as torchvision's, ``reduction='none'``
    included (``'mean'`` averages every element).

    Args:
      alpha: weight of the positives in ``[0, 1]``; negative (torchvision) or
        ``None`` (optax): no weighting.
      gamma: focusing parameter ``>= 0``.
      reduction: ``'none'``, ``'mean'`` or ``'sum'``.

    Differences from torchvision: ``alpha > 1`` raises ``ValueError``
    (torchvision weighs the negatives by ``1 - alpha < 0``); ``(1 - p_t)`` is
    computed without cancellation, so where torchvision's rounds to 0 (``|x| >
    17`` in float32) its gradient with ``gamma < 1`` is NaN and ours finite.

    >>> import torch
    >>> round(FocalLoss(reduction="sum")(torch.zeros(1), torch.ones(1)).item(), 6)  # .25 (1/2)^2 log 2
    0.043322
    """

    _reductions = _PLAIN
    _args = {"alpha": "alpha", "gamma": "gamma"}

    def __init__(self, alpha: float | None = 0.25, gamma: float = 2.0, reduction: str = "none") -> None:
        super().__init__(reduction=reduction, alpha=alpha, gamma=gamma)


class CategoricalFocalLoss(_ClassLoss):
    r"""Softmax (multi-class) focal loss (no torch native), torch-style: over
    :func:`losses.sparse_categorical_focal_crossentropy` (class indices) /
    :func:`losses.categorical_focal_crossentropy` (class probabilities),
    ``axis=1``, ``from_logits=True``.

    ``input`` holds logits ``[C]``, ``[N, C]`` or ``[N, C, d1, ...]``;
    ``target`` class indices or class probabilities by
    :class:`CrossEntropyLoss`' rule. With ``p = softmax(input, dim=1)``,
    ``t'`` the (smoothed) target distribution and ``w`` the class weights:

    .. math:: \ell_n = -\sum_c \alpha_c\, w_c\, t'_{n,c}\, (1 - p_{n,c})^\gamma \log p_{n,c}

    Class indices: ``ignore_index`` contributes 0 and ``'mean'`` divides by
    ``sum_n w_{y_n}`` over the counted elements (as ``CrossEntropyLoss``);
    probabilities: ``'mean'`` divides by the number of distributions. With
    ``gamma=0, alpha=1`` it is :class:`CrossEntropyLoss` exactly.

    Args:
      weight: ``[C]`` class weights (a buffer), as ``CrossEntropyLoss``.
      alpha: a number in ``[0, 1]`` or ``[C]`` such numbers (a buffer when a
        tensor); a focal weight outside the ``'mean'`` denominator. Default
        0.25, as ``keras.losses.CategoricalFocalCrossentropy``.
      gamma: focusing parameter ``>= 0``.
      ignore_index, reduction (``'mean'``, ``'sum'``, ``'none'``),
        label_smoothing: as ``CrossEntropyLoss``.

    Gradients stay finite for every ``gamma >= 0`` (also ``gamma < 1`` at
    ``p -> 1``). Equal to Keras' ``CategoricalFocalCrossentropy(from_logits=True)``
    wherever every ``p`` lies in ``[1e-7, 1 - 1e-7]`` (Keras clips the softmax).

    >>> import torch
    >>> x, y = torch.randn(4, 3), torch.tensor([0, 2, 1, 2])
    >>> torch.allclose(CategoricalFocalLoss(alpha=1.0, gamma=0.0)(x, y), torch.nn.CrossEntropyLoss()(x, y))
    True
    """

    alpha: Any
    _reductions = _PLAIN
    _args = {"weight": "class_weight", "alpha": "alpha", "gamma": "gamma", "label_smoothing": "label_smoothing"}

    def __init__(self, weight: Tensor | None = None, alpha: float | Tensor = 0.25, gamma: float = 2.0,
                 ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, None, None, reduction, alpha=alpha, gamma=gamma, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)


class PolyLoss(_ClassLoss):
    r"""Poly-1 cross-entropy (no torch native), torch-style, over
    :func:`losses.poly1_crossentropy` (``axis=1``, ``from_logits=True``).

    .. math:: \ell_n = -\sum_c t'_{n,c} \log p_{n,c} + \epsilon \sum_c t'_{n,c}(1 - p_{n,c})

    i.e. ``CE + epsilon (1 - p_y)`` for class indices (Leng et al., 2022,
    `PolyLoss <https://arxiv.org/abs/2204.12511>`_); ``p = softmax(input,
    dim=1)``, ``t'`` the (smoothed) target distribution. ``input`` and
    ``target`` as :class:`CrossEntropyLoss` (class indices or probabilities;
    ``ignore_index`` with indices: 0 and not counted by ``'mean'``).

    Args:
      epsilon: the poly-1 coefficient, any real number. Default 2.0, as
        ``optax.poly_loss_cross_entropy`` (the paper's ImageNet value; it
        suggests -1 for detection).
      ignore_index, reduction (``'mean'``, ``'sum'``, ``'none'``),
        label_smoothing: as ``CrossEntropyLoss``.

    No ``weight``: the poly term has no agreed class-weighted form.
    ``epsilon=0`` is :class:`CrossEntropyLoss` exactly.

    >>> import torch
    >>> x, y = torch.randn(4, 3), torch.tensor([0, 2, -100, 2])
    >>> torch.allclose(PolyLoss(epsilon=0.0)(x, y), torch.nn.CrossEntropyLoss()(x, y))
    True
    """

    _reductions = _PLAIN
    _args = {"epsilon": "poly_epsilon", "label_smoothing": "label_smoothing"}

    def __init__(self, epsilon: float = 2.0, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(None, None, None, reduction, epsilon=epsilon, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)


# ==== linear cross-entropy (issue 14): self-contained section ====================


def _linear_ce_checks(num_classes: int, weight: Any, label_smoothing: Any) -> None:
    if weight is not None and tuple(weight.shape) != (num_classes,):
        raise ValueError(f"lossbridge: expected weight shape to be {(num_classes,)}, got "
                         f"{tuple(weight.shape)}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"lossbridge: expected label_smoothing to be in range [0, 1], got "
                         f"{label_smoothing}")


class LinearCrossEntropyLoss(nn.Module):
    r"""Drop-in for :class:`torch.nn.LinearCrossEntropyLoss` (torch >= 2.13)
    over :func:`losses.linear_cross_entropy`: the cross-entropy of
    ``self.linear(input)`` without materializing the ``[N, C]`` logits.

    Same constructor (``in_features, num_classes, *, out_features, bias,
    device, dtype, reduction, weight, ignore_index, label_smoothing,
    options``), parameters (``linear.weight`` ``[C * prod(out_features),
    in_features]``, ``linear.bias``), ``weight`` buffer and ``state_dict``
    (it loads the native's), and ``forward(input, target)``: ``input``
    ``[in_features]`` or ``[N, in_features]``; ``target`` class indices
    ``[]``, ``[N]`` or ``[N, *out_features]``, or class probabilities
    ``[C]`` or ``[N, C, *out_features]``. Values and gradients equal the
    native's ``options=None`` reference path, with every option.

    Unlike the native's chunked path (``options=LinearCrossEntropyOptions()``)
    it is always chunked -- ``options.batch_chunk_size`` is the rows per
    chunk when given, else :data:`losses.linear.CHUNK_BYTES` of logits per
    chunk -- and keeps double backward, forward mode, ``torch.func`` and
    ``torch.compile``, label smoothing, probability targets and
    ``out_features``. Differences: bad arguments raise ``ValueError``
    (native: ``RuntimeError``); bad labels raise ``ValueError`` naming the
    first (native: ``IndexError``).

    >>> import torch
    >>> loss = LinearCrossEntropyLoss(16, 100, label_smoothing=0.1)
    >>> x, y = torch.randn(8, 16), torch.randint(0, 100, (8,))
    >>> native = torch.nn.LinearCrossEntropyLoss(16, 100, label_smoothing=0.1)
    >>> _ = native.load_state_dict(loss.state_dict())
    >>> torch.allclose(loss(x, y), native(x, y))
    True
    """

    _specs = CATALOG["LinearCrossEntropyLoss"][0]

    __constants__ = ["num_classes", "out_features", "reduction", "ignore_index", "label_smoothing"]

    def __init__(self, in_features: int, num_classes: int, *, out_features: tuple[int, ...] = (),
                 bias: bool = False, device: Any = None, dtype: Any = None, reduction: str = "mean",
                 weight: Tensor | None = None, ignore_index: int | None = None,
                 label_smoothing: float = 0.0, options: Any = None) -> None:
        _linear_ce_checks(num_classes, weight, label_smoothing)
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"lossbridge: `reduction` must be one of 'mean', 'sum', 'none'; got {reduction!r}")
        super().__init__()
        self.register_buffer("weight", weight)
        self.reduction = reduction
        self.num_classes = num_classes
        self.out_features = tuple(out_features)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.options = options
        size = num_classes
        for d in self.out_features:
            size *= d
        self.linear = nn.Linear(in_features, size, bias=bias, device=device, dtype=dtype)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        c, out = self.num_classes, self.out_features
        w = self.linear.weight.reshape((c, *out, self.linear.in_features))
        b = None if self.linear.bias is None else self.linear.bias.reshape((c, *out))
        batch = tuple(input.shape[:-1])
        ignore = self.ignore_index
        if target.shape == (*batch, c, *out):  # probabilities, class dim after the batch
            if not target.is_floating_point():
                raise ValueError("lossbridge: Expected floating point type for target with class "
                                 f"probabilities, got {target.dtype}")
            target = target.movedim(len(batch), -1)
        elif ignore is None:
            ignore = -100
        chunk = getattr(self.options, "batch_chunk_size", None)
        return losses.linear_cross_entropy(
            target, input, w, b, ignore_index=ignore, class_weight=self.weight,
            label_smoothing=self.label_smoothing, reduction=self.reduction, chunk_size=chunk)

    def extra_repr(self) -> str:
        return (f"num_classes={self.num_classes}, out_features={self.out_features}, "
                f"reduction={self.reduction!r}")




# --- margin -------------------------------------------------------------------------------


def _class_scores(input: Tensor, target: Tensor) -> None:  # noqa: A002
    """``MultiMarginLoss``' shapes: ``input`` ``[C]`` or ``[N, C]``, ``target``
    ``[]`` or ``[N]`` of class indices."""
    if input.dim() not in (1, 2) or _shape(target) != _shape(input)[:-1] and not (
            input.dim() == 1 and _shape(target) == (1,)):
        _fail(f"`input` must be [C] or [N, C] and `target` its shape without the class dim; got "
              f"input.shape={_shape(input)} and target.shape={_shape(target)}")


class HingeEmbeddingLoss(_Loss):
    r"""Drop-in for :class:`torch.nn.HingeEmbeddingLoss` over :func:`losses.hinge_embedding`.

    .. math:: \ell = [y \ne 1]\,\max(0,\ \text{margin} - x) + [y \ne -1]\,x

    ``input`` holds distances, ``target`` ``1`` (similar) or ``-1``
    (dissimilar), of ``input``'s shape (native broadcasts; ours raises
    ``ValueError``) and cast to its dtype. ``'mean'`` averages every element.

    >>> import torch
    >>> x, y = torch.rand(4, 3), torch.randint(0, 2, (4, 3)) * 2.0 - 1
    >>> torch.allclose(HingeEmbeddingLoss(margin=0.5)(x, y), torch.nn.HingeEmbeddingLoss(margin=0.5)(x, y))
    True
    """

    _args = {"margin": "margin"}

    def __init__(self, margin: float = 1.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction, margin=margin)


class SoftMarginLoss(_Loss):
    r"""Drop-in for :class:`torch.nn.SoftMarginLoss` over :func:`losses.soft_margin`.

    .. math:: \ell = \log(1 + e^{-y x})

    computed as ``softplus(-y x)``: finite where the native's
    ``log1p(exp(-y x))`` overflows to ``inf`` (``-y x > 88`` in float32), equal
    elsewhere. ``target`` (``1`` or ``-1``) must have ``input``'s shape and is
    cast to its dtype.

    >>> import torch
    >>> x, y = torch.randn(4, 3), torch.randint(0, 2, (4, 3)) * 2.0 - 1
    >>> torch.allclose(SoftMarginLoss()(x, y), torch.nn.SoftMarginLoss()(x, y))
    True
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)


class MultiMarginLoss(_WeightedLoss):
    r"""Drop-in for :class:`torch.nn.MultiMarginLoss` over :func:`losses.multi_margin`.

    .. math:: \ell_n = \frac1C \sum_{c \ne y_n} w_{y_n} \max(0,\ \text{margin} - x_{n,y_n} + x_{n,c})^p

    ``input`` ``[C]`` or ``[N, C]``; ``target`` class indices ``[]`` or
    ``[N]``; ``weight`` a ``[C]`` buffer (any sign); ``'mean'`` divides by
    ``N`` whatever the weights, as the native. ``p`` must be 1 or 2
    (``ValueError``, as the native). A label out of range raises
    ``ValueError`` (native ``RuntimeError``).

    >>> import torch
    >>> x, y = torch.randn(4, 3), torch.tensor([0, 2, 1, 2])
    >>> torch.allclose(MultiMarginLoss(p=2)(x, y), torch.nn.MultiMarginLoss(p=2)(x, y))
    True
    """

    _args = {"p": "p", "margin": "margin", "weight": "class_weight"}

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        if p != 1 and p != 2:
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.dim()}D instead")
        super().__init__(weight, size_average, reduce, reduction, p=p, margin=margin)

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        _class_scores(input, target)
        if input.dim() == 1 and target.dim() == 1:  # [C] with a [1] target: torch's [1]-shaped loss
            return self._call(0, target, input[None], **self._options(input))
        return self._call(0, target, input, **self._options(input))


class MultiLabelMarginLoss(_Loss):
    r"""Drop-in for :class:`torch.nn.MultiLabelMarginLoss` over :func:`losses.multilabel_margin`.

    .. math:: \ell_n = \frac1C \sum_{j \in Y_n} \sum_{c \notin Y_n} \max(0,\ 1 - (x_{n,j} - x_{n,c}))

    ``input`` ``[C]`` or ``[N, C]`` (or a 0-d scalar, one class);
    ``target`` integer class indices of ``input``'s shape, each row's
    targets first, then ``-1`` (what follows the first ``-1`` is ignored).
    A value outside ``[-1, C)`` raises ``ValueError`` (native ``RuntimeError``).

    >>> import torch
    >>> x, y = torch.randn(2, 4), torch.tensor([[3, 0, -1, 1], [1, -1, 2, 2]])
    >>> torch.allclose(MultiLabelMarginLoss()(x, y), torch.nn.MultiLabelMarginLoss()(x, y))
    True
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        if input.dim() == 0:  # one class: as [1]
            _same_shape(input, target)
            return self._call(0, target.reshape(1), input.reshape(1), **self._options(input))
        if input.dim() > 2:
            _fail(f"`input` must be [C] or [N, C]; got input.shape={_shape(input)}")
        _same_shape(input, target)
        return self._call(0, target, input, **self._options(input))


class MultiLabelSoftMarginLoss(_WeightedLoss):
    r"""Drop-in for :class:`torch.nn.MultiLabelSoftMarginLoss` over
    :func:`losses.multilabel_soft_margin`.

    .. math:: \ell_n = \frac1C \sum_c w_c \big(y_{n,c}\,\mathrm{softplus}(-x_{n,c})
              + (1 - y_{n,c})\,\mathrm{softplus}(x_{n,c})\big)

    ``input`` ``[..., C]`` logits, ``target`` of its shape (cast to its
    dtype); ``weight`` a buffer broadcast against ``input`` (``[C]``: one per class).

    >>> import torch
    >>> x, y = torch.randn(4, 3), torch.randint(0, 2, (4, 3)).float()
    >>> torch.allclose(MultiLabelSoftMarginLoss()(x, y), torch.nn.MultiLabelSoftMarginLoss()(x, y))
    True
    """

    _reductions = _PLAIN
    _args = {"weight": "class_weight"}

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)


class MarginRankingLoss(_Loss):
    r"""Drop-in for :class:`torch.nn.MarginRankingLoss` over :func:`losses.margin_ranking`.

    .. math:: \ell = \max(0,\ -y\,(x_1 - x_2) + \text{margin})

    ``forward(input1, input2, target)``: ``target`` ``1`` (``input1`` should
    rank higher) or ``-1``; the three of one shape (native broadcasts; ours
    raises ``ValueError``), ``target`` cast to ``input1``'s dtype.

    >>> import torch
    >>> a, b, y = torch.randn(5), torch.randn(5), torch.tensor([1., -1, 1, 1, -1])
    >>> torch.allclose(MarginRankingLoss(0.2)(a, b, y), torch.nn.MarginRankingLoss(0.2)(a, b, y))
    True
    """

    _args = {"margin": "margin"}
    _messages = {"`input1`": "`input1`"}

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction, margin=margin)

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        _tensors(input1=input1, input2=input2, target=target)
        return self._translated(self._ranking, input1, input2, target)

    def _ranking(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        if input1.dim() != input2.dim() or input1.dim() != target.dim():
            _fail(f"`input1`, `input2` and `target` must have the same number of dimensions; got "
                  f"{input1.dim()}, {input2.dim()} and {target.dim()}")
        return self._call(0, target, input1, input2.to(input1.dtype), **self._options(input1))


class HingeLoss(_Loss):
    r"""Hinge loss (no torch native), torch-style, over :func:`losses.hinge`.

    .. math:: \ell = \max(0,\ \text{margin} - y x)

    ``target`` ``1`` or ``-1`` of ``input``'s shape; ``margin=0`` is the
    perceptron loss. ``'mean'`` averages every element. Equals
    ``optax.hinge_loss`` (``margin=1``) / ``optax.perceptron_loss``
    (``margin=0``); ``keras.losses.Hinge`` for ``{-1, 1}`` labels.

    >>> import torch
    >>> HingeLoss(reduction="none")(torch.tensor([0.25, 2.0]), torch.tensor([1.0, -1.0])).tolist()
    [0.75, 3.0]
    """

    _reductions = _PLAIN
    _args = {"margin": "margin"}

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction, margin=margin)


class SquaredHingeLoss(HingeLoss):
    r"""Squared hinge loss (no torch native), torch-style, over :func:`losses.squared_hinge`.

    .. math:: \ell = \max(0,\ \text{margin} - y x)^2

    As :class:`HingeLoss`; equals ``keras.losses.SquaredHinge`` for ``{-1, 1}`` labels.

    >>> import torch
    >>> SquaredHingeLoss(reduction="none")(torch.tensor([0.25, 2.0]), torch.tensor([1.0, -1.0])).tolist()
    [0.5625, 9.0]
    """


class CategoricalHingeLoss(_Loss):
    r"""Categorical hinge loss (no torch native), torch-style, over
    :func:`losses.categorical_hinge` along the class dim 1 (0 for ``[C]``).

    .. math:: \ell_n = \max\big(0,\ 1 + \max_c (1 - y_{n,c}) x_{n,c} - \textstyle\sum_c y_{n,c} x_{n,c}\big)

    ``target`` one-hot of ``input``'s shape; ``'mean'`` averages the examples.
    Equals ``keras.losses.CategoricalHinge`` (class axis last there).

    >>> import torch
    >>> CategoricalHingeLoss()(torch.tensor([[0.5, 0.25]]), torch.tensor([[0.0, 1.0]])).item()
    1.25
    """

    _reductions = _PLAIN

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        _same_shape(input, target)
        return self._call(0, target, input, axis=_class_dim(input), **self._options(input))


class MulticlassHingeLoss(_Loss):
    r"""Multi-class (Crammer-Singer) hinge loss (no torch native), torch-style,
    over :func:`losses.multiclass_hinge` along the class dim 1 (0 for ``[C]``).

    .. math:: \ell_n = \max_c \big(x_{n,c} + \text{margin}\,[c \ne y_n]\big) - x_{n,y_n}

    ``target`` class indices (``input``'s shape without the class dim);
    ``margin=0`` is the multi-class perceptron loss. Equals
    ``optax.multiclass_hinge_loss`` / ``optax.multiclass_perceptron_loss``.

    >>> import torch
    >>> MulticlassHingeLoss()(torch.tensor([[0.5, 0.25]]), torch.tensor([0])).item()
    0.75
    """

    _reductions = _PLAIN
    _args = {"margin": "margin"}

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction, margin=margin)

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        cdim = _class_dim(input)
        _index_target(input, target, cdim, probabilities=False)
        return self._call(0, target, input, axis=cdim, **self._options(input))


# --- similarity ----------------------------------------------------------------------


def _triplet_dims(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    _tensors(anchor=anchor, positive=positive, negative=negative)
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        _fail("The anchor, positive, and negative tensors are expected to have the same number of "
              f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D inputs")


def _positive_margin(margin: Any, who: str) -> None:
    _number("margin", margin)
    if margin <= 0:
        _fail(f"{who}: `margin` must be greater than 0; got {margin}")


class CosineEmbeddingLoss(_Loss):
    r"""Drop-in for :class:`torch.nn.CosineEmbeddingLoss` over :func:`losses.cosine_embedding`.

    .. math:: \ell = \begin{cases} 1 - \cos(x_1, x_2) & y = 1 \\
              \max(0, \cos(x_1, x_2) - \text{margin}) & y = -1 \end{cases}

    ``forward(input1, input2, target)``: ``input1``, ``input2`` ``[N, D]`` with
    ``target`` ``[N]``, or ``[D]`` with a 0-d ``target`` (other ranks raise
    ``ValueError``; native ``RuntimeError``); ``target`` values other than
    ``1``/``-1`` score 0, as the native. ``input1`` and ``target`` are cast to
    ``input2``'s dtype; ``input1`` must have ``input2``'s shape (native
    broadcasts).

    >>> import torch
    >>> a, b, t = torch.randn(4, 3), torch.randn(4, 3), torch.tensor([1, -1, 1, -1])
    >>> torch.allclose(CosineEmbeddingLoss(0.1)(a, b, t), torch.nn.CosineEmbeddingLoss(0.1)(a, b, t))
    True
    """

    _args = {"margin": "margin"}
    _messages = {"`x1`": "`input1`", "`x2`": "`input2`", "x1.shape": "input1.shape",
                 "x2.shape": "input2.shape", "x2 without": "input2 without"}

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        _number("margin", margin)
        super().__init__(size_average, reduce, reduction, margin=margin)

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        _tensors(input1=input1, input2=input2, target=target)
        if target.dim() not in (0, 1) or input1.dim() != target.dim() + 1 or input2.dim() != target.dim() + 1:
            _fail(f"`target` must be 0-D with 1-D inputs or 1-D with 2-D inputs; got target "
                  f"{target.dim()}D, input1 {input1.dim()}D and input2 {input2.dim()}D")
        return self._translated(lambda a, b, t: self._call(0, a, b, t, **self._options(b)),
                                input1, input2, target)


class TripletMarginLoss(_Loss):
    r"""Drop-in for :class:`torch.nn.TripletMarginLoss` over :func:`losses.triplet_margin`.

    .. math:: \ell = \max(0,\ \text{margin} + \|a - p + \epsilon\|_p - \|a - n + \epsilon\|_p)

    (with ``swap``, the negative distance is ``min(d(a, n), d(p, n))``).
    ``forward(anchor, positive, negative)``: tensors of one shape ``[N, D]``
    or ``[D]`` (native broadcasts tensors of one rank); ``margin <= 0``
    raises ``ValueError`` as the native.

    >>> import torch
    >>> a, p, n = torch.randn(4, 3), torch.randn(4, 3), torch.randn(4, 3)
    >>> torch.allclose(TripletMarginLoss(p=1.0, swap=True)(a, p, n),
    ...                torch.nn.TripletMarginLoss(p=1.0, swap=True)(a, p, n))
    True
    """

    _args = {"margin": "margin", "p": "p", "eps": "eps", "swap": "swap"}
    _messages = {"`y_pred`": "`positive`"}

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction, margin=margin, p=p, eps=eps, swap=swap)

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        _positive_margin(self.margin, "TripletMarginLoss")
        _triplet_dims(anchor, positive, negative)
        return self._translated(lambda a, p, n: self._call(0, a, p, n, **self._options(p)),
                                anchor, positive, negative)


class TripletMarginWithDistanceLoss(_Loss):
    r"""Drop-in for :class:`torch.nn.TripletMarginWithDistanceLoss` over
    :func:`losses.triplet_margin`.

    .. math:: \ell = \max(0,\ \text{margin} + d(a, p) - d(a, n))

    ``distance_function``: any callable ``(x1, x2) -> distances`` of torch
    tensors; ``None`` stores ``nn.PairwiseDistance()`` as the native does. A
    :class:`torch.nn.PairwiseDistance` without ``keepdim`` (the default
    included) is computed by the spec's own p-norm distance. ``margin <= 0``
    raises ``ValueError`` at construction, as the native.

    >>> import torch
    >>> a, p, n = torch.randn(4, 3), torch.randn(4, 3), torch.randn(4, 3)
    >>> cos = lambda x, y: 1.0 - torch.nn.functional.cosine_similarity(x, y)
    >>> torch.allclose(TripletMarginWithDistanceLoss(distance_function=cos)(a, p, n),
    ...                torch.nn.TripletMarginWithDistanceLoss(distance_function=cos)(a, p, n))
    True
    """

    _reductions = _PLAIN
    _args = {"margin": "margin", "swap": "swap"}
    _messages = {"`y_pred`": "`positive`"}

    def __init__(self, *, distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
                 margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        _positive_margin(margin, "TripletMarginWithDistanceLoss")
        if distance_function is not None and not callable(distance_function):
            _fail(f"`distance_function` must be a callable or None; got {distance_function!r}", TypeError)
        self.distance_function = distance_function if distance_function is not None else nn.PairwiseDistance()
        self.margin, self.swap = margin, swap

    def _distance(self) -> dict[str, Any]:
        f = self.distance_function
        if type(f) is nn.PairwiseDistance and not f.keepdim:
            return {"p": float(f.norm), "eps": float(f.eps)}
        return {"distance_function": f}

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        _triplet_dims(anchor, positive, negative)
        return self._translated(
            lambda a, p, n: self._call(0, a, p, n, **self._options(p), **self._distance()),
            anchor, positive, negative)


class CosineSimilarityLoss(_Loss):
    r"""``-cos(input, target)`` along ``dim``: Keras' ``CosineSimilarity`` as a torch module
    over :func:`losses.cosine_similarity`. No torch native loss.

    .. math:: \ell = -\frac{x \cdot y}{\max(\|x\|, \epsilon)\,\max(\|y\|, \epsilon)}

    The same as ``-torch.nn.functional.cosine_similarity(input, target, dim, eps)``
    reduced: ``dim`` and ``eps`` are that function's (``dim=1``, ``eps=1e-8``).
    ``target`` must have ``input``'s shape (cast to its dtype); the loss has
    ``input``'s shape without ``dim`` before the reduction.

    >>> import torch
    >>> x, y = torch.randn(4, 3), torch.randn(4, 3)
    >>> torch.allclose(CosineSimilarityLoss()(x, y), -torch.nn.functional.cosine_similarity(x, y).mean())
    True
    """

    _args = {"dim": "axis", "eps": "epsilon"}

    def __init__(self, dim: int = 1, eps: float = 1e-8, reduction: str = "mean") -> None:
        _number("eps", eps)
        super().__init__(reduction=reduction, dim=dim, eps=eps)


class CosineDistanceLoss(CosineSimilarityLoss):
    r"""``1 - cos(input, target)`` along ``dim``: optax's ``cosine_distance`` as a torch
    module over :func:`losses.cosine_distance` (``1 +`` :class:`CosineSimilarityLoss`).
    No torch native loss; ``dim``, ``eps`` as ``torch.nn.functional.cosine_similarity``'s.

    >>> import torch
    >>> x, y = torch.randn(4, 3), torch.randn(4, 3)
    >>> torch.allclose(CosineDistanceLoss()(x, y), 1 - torch.nn.functional.cosine_similarity(x, y).mean())
    True
    """


# ==== contrastive: batch similarity and ranking losses =================================


class _GroupLoss(_Loss):
    """Batch losses of ``input`` ``[N, D]`` embeddings and ``target`` ``[N]``
    group labels (each example's loss depends on the whole batch)."""

    _reductions = _PLAIN

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return self._call(0, target, input, **self._options(input))


class CircleLoss(_GroupLoss):
    r"""Circle loss (Sun et al., 2020; Keras' ``Circle``, no torch native) over
    :func:`losses.circle`.

    .. math:: \ell_i = \operatorname{softplus}\Big(\log\sum_{j \in P_i} e^{-\gamma\,
              [m + d_{ij}]_+ (m - d_{ij})} + \log\sum_{k \in N_i} e^{\gamma\,
              [1 + m - d_{ik}]_+ (1 - m - d_{ik})}\Big),\qquad d = \max(1 - x x^\top, 0)

    ``forward(input, target)``: ``input`` ``[N, D]`` L2-normalised embeddings
    (``F.normalize`` them), ``target`` ``[N]`` integer labels; ``P_i`` the other
    examples with ``i``'s label, ``N_i`` the rest.

    Args:
      gamma: the scale, ``>= 0`` (default 80).
      margin: the relaxation (default 0.4).
      remove_diagonal: leave ``(i, i)`` out of the positives.
      reduction: ``'mean'`` over the examples with a positive and a negative
        (Keras' ``Circle``), ``'sum'`` or ``'none'`` (``[N]``).

    Equals ``keras.losses.Circle(gamma, margin, remove_diagonal)``.

    >>> import torch
    >>> e = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    >>> CircleLoss(gamma=1.0, reduction="none")(e, torch.tensor([0, 0, 1])).round(decimals=6).tolist()
    [1.850902, 1.089867, 0.0]
    """

    _args = {"gamma": "gamma", "margin": "margin", "remove_diagonal": "remove_diagonal"}

    def __init__(self, gamma: float = 80.0, margin: float = 0.4, remove_diagonal: bool = True,
                 reduction: str = "mean") -> None:
        super().__init__(reduction=reduction, gamma=gamma, margin=margin, remove_diagonal=remove_diagonal)


class NTXentLoss(_GroupLoss):
    r"""Normalized temperature-scaled cross-entropy (NT-Xent, SimCLR; optax's
    ``ntxent``, no torch native) over :func:`losses.ntxent`.

    .. math:: \ell_i = \sum_{j \in P_i} -\log \frac{e^{s_{ij}}}{e^{s_{ij}} + \sum_{k \in N_i} e^{s_{ik}}},
              \qquad s_{ij} = \cos(x_i, x_j) / T

    ``forward(input, target)``: ``input`` ``[N, D]`` embeddings, ``target``
    ``[N]`` labels (equal labels: positive pairs).

    Args:
      temperature: ``T > 0`` (default 0.07).
      reduction: ``'mean'`` over the positive pairs (optax's value), ``'sum'``
        or ``'none'`` (``[N]``: each anchor's sum over its pairs).

    Equals ``optax.losses.ntxent(input, target, temperature)`` for ``'mean'``.

    >>> import torch
    >>> e = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    >>> round(NTXentLoss(temperature=1.0)(e, torch.tensor([0, 0, 1])).item(), 6)  # log(1 + e^-1)
    0.313262
    """

    _args = {"temperature": "temperature"}

    def __init__(self, temperature: float = 0.07, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction, temperature=temperature)


class RankingSoftmaxLoss(_Loss):
    r"""Ranking softmax loss of each list (optax's ``ranking_softmax_loss``, no
    torch native) over :func:`losses.ranking_softmax_loss`.

    .. math:: \ell = -\sum_i w_i y_i \log \frac{e^{x_i}}{\sum_{j\ \mathrm{valid}} e^{x_j}}

    ``forward(input, target, where=None, weight=None)``: ``input`` scores
    ``[..., L]`` (the last dim is the list), ``target`` relevance labels of its
    shape; ``where`` marks the valid items, ``weight`` weighs them.

    Args:
      reduction: ``'mean'`` over the lists with a valid item (optax's
        ``reduce_fn=jnp.mean``, but NaN where none is valid), ``'sum'`` or
        ``'none'`` (``input``'s shape less the last dim).

    >>> import torch
    >>> round(RankingSoftmaxLoss()(torch.tensor([2., 1., 3.]), torch.tensor([1., 0., 0.])).item(), 3)
    1.408
    """

    _reductions = _PLAIN

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)

    def forward(self, input: Tensor, target: Tensor, where: Tensor | None = None,  # noqa: A002
                weight: Tensor | None = None) -> Tensor:
        _tensors(input=input, target=target)
        return self._translated(lambda x, t: self._call(0, t, x, where=where, weights=weight,
                                                        **self._options(x)), input, target)


# ==== overlap (Dice, Tversky, generalized Dice), robust, generalized KL =================


class _OverlapLoss(_Loss):
    """The segmentation losses: ``input`` ``[N, C, d1, ...]`` (logits with
    ``log_input``: ``softmax`` over dim 1, ``sigmoid`` for one channel; else
    probabilities), ``target`` of the same shape (one-hot or binary masks); the
    overlap sums run over the spatial dims ``d1, ...``, one loss per sample and
    class: ``reduction='none'`` gives ``[N, C]``."""

    _reductions = _PLAIN
    _fixed = {"class_axis": 1}

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        if input.dim() < 3:
            _fail(f"`input` must be [N, C, d1, ...] (a batch of C-channel maps); got shape {_shape(input)}")
        _same_shape(input, target)
        axis = tuple(range(2, input.dim()))
        return self._call(0, target, input, axis=axis, **self._options(input))


class DiceLoss(_OverlapLoss):
    r"""Soft Dice loss per sample and class (no torch native) over :func:`losses.dice`.

    .. math:: \ell_{n,c} = 1 - \frac{2 \sum_i p_{n,c,i} t_{n,c,i} + s_n}
              {\sum_i p_{n,c,i} + \sum_i t_{n,c,i} + s_d}

    Args:
      reduction: ``'mean'`` over the ``N C`` losses, ``'sum'`` or ``'none'`` (``[N, C]``).
      smooth_nr, smooth_dr: the smoothing terms, numbers >= 0 (MONAI's names and defaults).
      log_input: ``input`` holds logits (``softmax`` over dim 1; ``sigmoid`` for
        one channel); ``False`` (default): probabilities.

    Equals ``keras.losses.dice(t, p, axis=spatial axes)`` (``smooth_nr=0,
    smooth_dr=1e-7``) and MONAI's ``DiceLoss`` (probabilities, ``include_background=True``).

    >>> import torch
    >>> p = torch.tensor([[[0.9, 0.2], [0.1, 0.8]]])  # [N=1, C=2, 2 pixels]
    >>> t = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    >>> [round(v, 6) for v in DiceLoss(reduction="none", smooth_nr=0.0, smooth_dr=0.0)(p, t)[0].tolist()]
    [0.142857, 0.157895]
    """

    _args = {"smooth_nr": "smooth_nr", "smooth_dr": "smooth_dr", "log_input": "from_logits"}

    def __init__(self, reduction: str = "mean", smooth_nr: float = 1e-5, smooth_dr: float = 1e-5,
                 log_input: bool = False) -> None:
        super().__init__(reduction=reduction, smooth_nr=smooth_nr, smooth_dr=smooth_dr, log_input=log_input)


class TverskyLoss(_OverlapLoss):
    r"""Tversky loss per sample and class (no torch native) over :func:`losses.tversky`.

    .. math:: \ell_{n,c} = 1 - \frac{I + s_n}{I + \alpha\,FP + \beta\,FN + s_d},
              \quad I = \sum p t,\ FP = \sum p (1 - t),\ FN = \sum (1 - p) t

    over the spatial dims. ``alpha = beta = 1/2`` is :class:`DiceLoss` with the
    smoothing terms doubled.

    Args:
      alpha: weight of the false positives, a number >= 0.
      beta: weight of the false negatives, a number >= 0.
      reduction, smooth_nr, smooth_dr, log_input: as in :class:`DiceLoss`.

    Equals ``optax.losses.dice_loss(x, t, alpha=a, beta=b, smooth=s,
    reduction="none")`` (channels last, ``smooth_nr = smooth_dr = s``,
    ``log_input=True``) and ``keras.losses.tversky`` with ``alpha`` and ``beta``
    swapped (Keras' ``alpha`` weighs the false negatives).

    >>> import torch
    >>> p, t = torch.tensor([[[1.0, 1.0]]]), torch.tensor([[[1.0, 0.0]]])  # I = 1, FP = 1, FN = 0
    >>> round(TverskyLoss(alpha=0.2, beta=0.8, smooth_nr=0.0, smooth_dr=0.0)(p, t).item(), 6)
    0.166667
    """

    _args = {"alpha": "alpha", "beta": "beta", **DiceLoss._args}

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, reduction: str = "mean",
                 smooth_nr: float = 1e-5, smooth_dr: float = 1e-5, log_input: bool = False) -> None:
        super().__init__(reduction=reduction, alpha=alpha, beta=beta, smooth_nr=smooth_nr,
                         smooth_dr=smooth_dr, log_input=log_input)


class GeneralizedDiceLoss(_OverlapLoss):
    r"""Generalized Dice loss (Sudre et al., 2017; no torch native) over
    :func:`losses.generalized_dice`: per sample and class, weighed by the
    inverse square class masses of the batch's targets.

    .. math:: \ell_{n,c} = w_c \Big(1 - \frac{2 I_{n,c} + s_n}{P_{n,c} + T_{n,c} + s_d}\Big),
              \qquad w_c = C \frac{v_c}{\sum_k v_k},\ v_c = \frac{1}{F_c^2 + 10^{-7}}

    Args:
      reduction, log_input: as in :class:`DiceLoss`.
      smooth_nr, smooth_dr: the smoothing terms (default 2: optax's ``smooth=1``).

    ``'mean'`` with ``log_input=True`` equals
    ``optax.losses.multiclass_generalized_dice_loss`` (channels last).

    >>> import torch
    >>> t = torch.tensor([[[1.0, 1.0], [0.0, 0.0]]])  # class 1 absent: weight ~ 2
    >>> [round(v, 6) for v in GeneralizedDiceLoss(reduction="none")(torch.full((1, 2, 2), 0.5), t)[0].tolist()]
    [0.0, 0.666667]
    """

    _args = DiceLoss._args

    def __init__(self, reduction: str = "mean", smooth_nr: float = 2.0, smooth_dr: float = 2.0,
                 log_input: bool = False) -> None:
        super().__init__(reduction=reduction, smooth_nr=smooth_nr, smooth_dr=smooth_dr, log_input=log_input)


class GeneralizedCrossEntropyLoss(_Loss):
    r"""Generalized cross-entropy (Zhang and Sabuncu, 2018; no torch native) over
    :func:`losses.generalized_cross_entropy`, in :class:`CrossEntropyLoss`'s form.

    .. math:: \ell = \frac{1 - p_y^{\,q}}{q}, \qquad p = \mathrm{softmax}(x, \text{dim}=1)

    ``input`` ``[C]``, ``[N, C]`` or ``[N, C, d1, ...]`` (class dim 1),
    ``target`` class indices (``input``'s shape without the class dim).

    Args:
      q: a number in ``(0, 1)``: near 0 the cross-entropy, at 1 the MAE of the
        probabilities.
      reduction: ``'mean'``, ``'sum'`` or ``'none'``.
      log_input: ``input`` holds logits (default); ``False``: probabilities.

    Equals ``keras.losses.CategoricalGeneralizedCrossEntropy(q)`` on
    probabilities (``log_input=False``, class axis last there).

    >>> import torch
    >>> x = torch.log(torch.tensor([[0.25, 0.75]]))
    >>> round(GeneralizedCrossEntropyLoss()(x, torch.tensor([0])).item(), 6)  # (1 - 0.5) / 0.5
    1.0
    """

    _reductions = _PLAIN
    _args = {"q": "q", "log_input": "from_logits"}

    def __init__(self, q: float = 0.5, reduction: str = "mean", log_input: bool = True) -> None:
        super().__init__(reduction=reduction, q=q, log_input=log_input)

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        cdim = _class_dim(input)
        _index_target(input, target, cdim, probabilities=False)
        return self._call(0, target, input, axis=cdim, **self._options(input))


class GeneralizedKLDivLoss(_Loss):
    r"""Generalized Kullback-Leibler divergence of unnormalised measures (no torch
    native) over :func:`losses.generalized_kl_divergence`, in :class:`KLDivLoss`'s form.

    .. math:: \ell = \sum_c t_c (\log t_c - x_c) + e^{x_c} - t_c

    per distribution along the class dim 1 (0 for ``[C]``), ``input`` ``x`` the
    log-measure (``log_input=True``, default) or the measure, ``target`` ``t``
    (non-negative) of the same shape.

    Args:
      reduction: ``'mean'`` over the distributions, ``'sum'`` or ``'none'``.
      log_input: whether ``input`` holds log-values.

    Equals ``optax.losses.generalized_kl_divergence(x, t, axis=1)``.

    >>> import torch
    >>> x, t = torch.log(torch.tensor([[2.0, 1.0]])), torch.tensor([[1.0, 1.0]])
    >>> round(GeneralizedKLDivLoss()(x, t).item(), 6)  # log(1/2) + 2 - 1
    0.306853
    """

    _reductions = _PLAIN
    _args = {"log_input": "log_input"}

    def __init__(self, reduction: str = "mean", log_input: bool = True) -> None:
        super().__init__(reduction=reduction, log_input=log_input)

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        _same_shape(input, target)
        return self._call(0, target, input, axis=_class_dim(input), **self._options(input))


# ==== sparsemax and adaptive softmax (issue 13): self-contained section ====


class SparsemaxLoss(_Loss):
    r"""Binary sparsemax loss (no torch native) over :func:`losses.sparsemax_loss`.

    .. math:: \ell = \mathrm{sparse\_plus}((1 - 2y)\,x),\qquad
              \mathrm{sparse\_plus}(u) = \begin{cases} 0 & u \le -1 \\
              \tfrac14 (u + 1)^2 & |u| < 1 \\ u & u \ge 1 \end{cases}

    The Fenchel--Young loss of the sparse sigmoid: zero once ``x >= 1`` for
    ``y = 1`` (``x <= -1`` for ``y = 0``). Torch-style: ``forward(input,
    target)`` with ``input`` scores (logits) and ``target`` of its shape
    holding 0 or 1 (another value raises ``ValueError``; NaN under
    ``torch.func``/``torch.compile`` tracing); ``reduction`` ``'mean'``
    (every element), ``'sum'`` or ``'none'``. Equals
    ``optax.losses.sparsemax_loss(input, target)`` reduced.

    >>> import torch
    >>> SparsemaxLoss(reduction="none")(torch.tensor([0.0, 3.0]), torch.tensor([1.0, 0.0])).tolist()
    [0.25, 3.0]
    """

    _reductions = _PLAIN

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)


class MulticlassSparsemaxLoss(_Loss):
    r"""Multiclass sparsemax loss (no torch native) over
    :func:`losses.multiclass_sparsemax_loss`.

    .. math:: \ell = \sum_c p_c (x_c - x_y) + \tfrac12 (1 - \|p\|^2),\qquad
              p = \mathrm{sparsemax}(x)

    The Fenchel--Young loss of the sparsemax (gradient ``p - onehot(y)``),
    laid out as :class:`CrossEntropyLoss` with class indices: ``input``
    ``[C]``, ``[N, C]`` or ``[N, C, d1, ...]`` scores (class dim 1, 0
    unbatched), ``target`` class indices of ``input``'s shape without the
    class dim (out of ``[0, C)``: ``ValueError``); ``reduction`` ``'mean'``,
    ``'sum'`` or ``'none'``. Equals
    ``optax.losses.multiclass_sparsemax_loss(input, target)`` reduced.

    >>> import torch
    >>> loss = MulticlassSparsemaxLoss(reduction="none")
    >>> loss(torch.tensor([[1.0, 0.0], [0.0, 0.0]]), torch.tensor([1, 0])).tolist()
    [1.0, 0.25]
    """

    _reductions = _PLAIN

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        cdim = _class_dim(input)
        _index_target(input, target, cdim, probabilities=False)
        return self._call(0, target, input, axis=cdim, **self._options(input))


class AdaptiveLogSoftmaxWithLoss(nn.Module):
    r"""Drop-in for :class:`torch.nn.AdaptiveLogSoftmaxWithLoss` over
    :func:`losses.adaptive_softmax_loss` and :func:`losses.adaptive_log_prob`.

    Same constructor (``in_features, n_classes, cutoffs, div_value=4.0,
    head_bias=False, device=None, dtype=None``, its checks and error), the
    same parameters under the same names (``head`` a ``Linear(in_features,
    shortlist + n_clusters)``, ``tail[i]`` a ``Sequential`` of two bias-free
    ``Linear``), so a ``state_dict`` loads both ways, and the same methods:
    ``forward(input, target)`` returns ``_ASMoutput(output, loss)`` (torch's
    namedtuple: ``output`` the target's log-probability per row, ``loss``
    their negated mean), ``log_prob(input)`` ``[N, n_classes]``,
    ``predict(input)`` the most likely class, ``reset_parameters()``;
    unbatched ``input`` ``[in_features]`` with a 0-d ``target``. Values and
    gradients (input and every parameter) equal the native's.

    The computation is the backend-neutral spec of :mod:`losses.adaptive`
    (the same runs on NumPy, TensorFlow and JAX). Differences: every tail
    cluster is scored for every row, the rows of other clusters masked out
    (the native gathers each cluster's rows first: less arithmetic when
    clusters are large, but data-dependent shapes and a host sync), so
    ``torch.compile`` captures it in one graph and ``torch.func`` transforms
    it; bad shapes and targets out of ``[0, n_classes)`` raise ``ValueError``
    (native: ``RuntimeError``); ``predict`` is ``log_prob(input).argmax(1)``
    (the native's shortcut gives the same class).

    >>> import torch
    >>> asm = AdaptiveLogSoftmaxWithLoss(16, 10, [4, 7])
    >>> native = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 10, [4, 7])
    >>> _ = native.load_state_dict(asm.state_dict())
    >>> x, y = torch.randn(5, 16), torch.tensor([0, 3, 4, 7, 9])
    >>> torch.allclose(asm(x, y).loss, native(x, y).loss)
    True
    """

    _specs = CATALOG["AdaptiveLogSoftmaxWithLoss"][0]

    in_features: int
    n_classes: int
    cutoffs: list[int]
    div_value: float
    head_bias: bool
    head: nn.Linear
    tail: nn.ModuleList

    def __init__(self, in_features: int, n_classes: int, cutoffs: Any, div_value: float = 4.0,
                 head_bias: bool = False, device: Any = None, dtype: Any = None) -> None:
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an "
                             "increasing order, where each value is between 1 and n_classes-1")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = nn.Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = nn.ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(nn.Sequential(nn.Linear(in_features, hsz, bias=False, **factory),
                                           nn.Linear(hsz, osz, bias=False, **factory)))

    def reset_parameters(self) -> None:
        """Re-initialises the parameters as ``__init__`` does."""
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def _weights(self) -> tuple:
        """The parameters as plain-tensor views (free; a ``Parameter``'s type is then never
        looked up inside a ``torch.compile`` trace, where the dispatch cache cannot fill)."""
        def v(p: Tensor | None) -> Tensor | None:
            return None if p is None else p.view(p.shape)

        return v(self.head.weight), [(v(seq[0].weight), v(seq[1].weight)) for seq in self.tail], v(self.head.bias)

    def forward(self, input_: Tensor, target_: Tensor) -> Any:
        """``_ASMoutput(output, loss)``: ``output[n] = log p(target[n] | input[n])``,
        ``loss = -output.mean()``."""
        _tensors(input=input_, target=target_)
        if target_.dim() == 1:
            if input_.dim() != 2 or input_.size(0) != target_.size(0):
                _fail(f"a 1-D `target` needs a 2-D `input` of the same batch size; got input.shape="
                      f"{_shape(input_)} and target.shape={_shape(target_)}")
        elif target_.dim() == 0:
            if input_.dim() != 1:
                _fail(f"a 0-d `target` needs a 1-D `input`; got input.shape={_shape(input_)}")
        else:
            _fail(f"`target` must be 0-d or 1-D (multi-target not supported); got shape {_shape(target_)}")
        batched = target_.dim() > 0
        x, t = (input_, target_) if batched else (input_.unsqueeze(0), target_.unsqueeze(0))
        hw, tail, hb = self._weights()
        try:
            nll = losses.adaptive_softmax_loss(t, x, hw, tail, hb, reduction="none")
        except ValueError as e:
            raise _renamed(e, {"hidden": "input"}) from None
        output = -nll
        return _ASMoutput(output if batched else output.squeeze(0), nll.mean())

    def log_prob(self, input: Tensor) -> Tensor:  # noqa: A002
        """Log-probabilities of every class: ``[N, n_classes]`` for ``input`` ``[N, in_features]``."""
        hw, tail, hb = self._weights()
        try:
            return losses.adaptive_log_prob(input, hw, tail, hb)
        except ValueError as e:
            raise _renamed(e, {"hidden": "input"}) from None

    def predict(self, input: Tensor) -> Tensor:  # noqa: A002
        """The most likely class of each row: ``log_prob(input).argmax(1)``."""
        return torch.argmax(self.log_prob(input), dim=1)


# --- sequence ----------------------------------------------------------------------


def _lengths(name: str, value: Any, n: int, device: Any) -> Tensor:
    """torch's ``input_lengths``/``target_lengths``: a tensor or a sequence of ints."""
    if isinstance(value, Tensor):
        if value.is_floating_point() or value.is_complex() or value.dtype == torch.bool:
            _fail(f"`{name}` must hold integers; got dtype {value.dtype}", TypeError)
        t = value
    elif isinstance(value, (list, tuple)) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        t = torch.tensor(value, dtype=torch.long, device=device)
    elif isinstance(value, int) and not isinstance(value, bool):
        t = torch.tensor([value], dtype=torch.long, device=device)
    else:
        _fail(f"`{name}` must be a tensor or a tuple/list of ints; got {type(value).__name__}", TypeError)
    if t.numel() != n:
        _fail(f"`{name}` must have one length per sequence ({n}); got {t.numel()}")
    return t.reshape(n)


def _padded(targets: Tensor, lengths: Tensor) -> Tensor:
    """Concatenated 1-D targets as ``[N, max length]``, right-padded with 0."""
    n = lengths.shape[0]
    if bool((lengths < 0).any()):
        _fail(f"`target_lengths` must be non-negative; got {lengths.tolist()}")
    total = int(lengths.sum())
    if targets.shape[0] != total:
        _fail(f"concatenated `targets` must hold sum(target_lengths) = {total} labels; got {targets.shape[0]}")
    s = int(lengths.max()) if n else 0
    out = targets.new_zeros((n, s))
    out[torch.arange(s, device=targets.device)[None, :] < lengths[:, None]] = targets
    return out


class CTCLoss(_Loss):
    r"""Drop-in for :class:`torch.nn.CTCLoss` over :func:`losses.ctc_loss` (``log_probs=True``).

    .. math:: \ell_n = -\log \sum_{\pi \in \mathcal B^{-1}(y_n)} \prod_{t < T_n} p_{t,n}[\pi_t]

    ``forward(log_probs, targets, input_lengths, target_lengths)``: ``log_probs``
    ``[T, N, C]`` (or ``[T, C]`` unbatched), log-probabilities used as given;
    ``targets`` padded ``[N, S]`` or concatenated 1-D (``sum(target_lengths)``
    labels; ``[S]`` unbatched); the lengths a tensor or a tuple of ints.
    ``reduction='mean'`` divides each loss by its target length (at least 1)
    and averages over the batch. An impossible alignment gives ``inf`` (NaN
    gradient), or 0 and a zero gradient with ``zero_infinity=True``. The
    gradient is torch's: ``exp(log_probs) - occupancy`` (the gradient through
    the log-softmax that made ``log_probs``).

    Differences from the native: a label equal to ``blank`` or outside
    ``[0, C)`` within a target's length, and a length out of range, raise
    ``ValueError`` (native: undefined or a runtime error); under
    ``torch.compile``/``torch.func`` such rows are NaN.

    Computation: eager, first order, it is torch's fused kernel (the native's
    values and gradients bit for bit). A gradient that must itself be
    differentiated (``create_graph=True``; the native has no second
    derivative), forward-mode AD, ``torch.func`` and ``torch.compile`` run the
    recursion of :mod:`losses.sequence` instead (equal in value; a Python loop
    over ``T``, ~10x slower: ``benchmarks/ctc.py``).

    >>> import torch
    >>> lp = torch.randn(12, 2, 5).log_softmax(2)
    >>> y, il, tl = torch.tensor([[1, 2, 2], [3, 4, 0]]), torch.tensor([12, 10]), torch.tensor([3, 2])
    >>> torch.allclose(CTCLoss()(lp, y, il, tl), torch.nn.CTCLoss()(lp, y, il, tl))
    True
    """

    blank: int
    zero_infinity: bool
    _messages = {"`target`": "`targets`", "`input`": "`log_probs`", "label_lengths": "target_lengths",
                 "`label_paddings`": "`target_lengths`"}

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(None, None, reduction, blank=blank, zero_infinity=zero_infinity)

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths: Tensor | tuple,
                target_lengths: Tensor | tuple) -> Tensor:
        _tensors(log_probs=log_probs, targets=targets)
        return self._translated(self._ctc, log_probs, targets, input_lengths, target_lengths)

    def _ctc(self, log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any) -> Tensor:
        if log_probs.dim() not in (2, 3):
            _fail(f"`log_probs` must have shape [T, N, C] or [T, C]; got {list(log_probs.shape)}")
        unbatched = log_probs.dim() == 2
        lp = log_probs.unsqueeze(1) if unbatched else log_probs
        n = lp.shape[1]
        il = _lengths("input_lengths", input_lengths, n, lp.device)
        tl = _lengths("target_lengths", target_lengths, n, lp.device)
        if unbatched:
            targets = targets.unsqueeze(0)
        elif targets.dim() == 1:
            targets = _padded(targets, tl)
        reduction = self._reduction()
        out = losses.ctc_loss(targets, lp.transpose(0, 1), input_lengths=il, label_lengths=tl,
                              blank=self.blank, zero_infinity=self.zero_infinity, log_probs=True,
                              scale_by_length=reduction == "mean", reduction=reduction)
        return out.squeeze(0) if unbatched and reduction == "none" else out

    def extra_repr(self) -> str:
        return f"blank={self.blank}, reduction={self.reduction!r}, zero_infinity={self.zero_infinity}"
