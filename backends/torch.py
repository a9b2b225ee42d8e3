"""PyTorch adapter: drop-in replacements for ``torch.nn``'s cross-entropy losses.

Swap one import and keep the rest of the training script::

    from backends.torch import CrossEntropyLoss   # was: from torch.nn import CrossEntropyLoss

Each module has its native's name, constructor arguments (the deprecated
``size_average``/``reduce`` included), defaults, buffers and
``forward(input, target)`` semantics, and is a thin shell over a public
function of :mod:`losses` -- the same spec that runs on NumPy, TensorFlow and
JAX. They hold no math: they translate torch's conventions (class dim 1,
``reduction`` names, element-wise ``weight``) into the spec's options.

Works under ``torch.compile`` (no graph break in the loss), ``torch.func``
(``vmap``, ``grad``) and double backward. Errors are ``ValueError``/``TypeError``
naming torch's arguments (``input``, ``target``, ``weight``, ...).

Deliberate differences from the natives (each asserted by
``tests/test_torch_adapter.py``, listed in ``docs/torch.md``):

* bad labels, probabilities outside [0, 1] and bad shapes raise
  ``ValueError``/``TypeError`` (native: ``RuntimeError``/``IndexError``);
* a negative ``label_smoothing`` raises (native ignores it silently);
* ``weight``/``pos_weight`` and floating targets of another float dtype are
  cast to ``input``'s dtype, and class-index targets may be any integer dtype
  (native raises for a dtype mismatch and for targets other than int64/uint8);
* ``BCELoss``' gradient is the exact derivative of its clamped loss where
  ``p (1 - p) < 1e-12`` (see :class:`BCELoss`).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import torch
from torch import Tensor, nn

import losses

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss"]

#: torch's reduction names -> the spec's (``elementwise_mean`` is torch's
#: deprecated alias of ``mean``)
_REDUCTIONS = {"none": "none", "mean": "mean", "sum": "sum", "elementwise_mean": "mean"}
#: element-wise losses: torch's ``mean`` divides by the element count whatever the weights
_ELEMENTWISE = {"none": "none", "mean": "sum_over_batch_size", "sum": "sum"}
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


def _renamed(e: ValueError) -> ValueError:
    """``e`` with the spec's argument names replaced by torch's."""
    msg = _NAME_RE.sub(lambda m: _TORCH_NAMES[m.group(1)], str(e))
    return type(e)(msg).with_traceback(e.__traceback__)


def _shape(x: Tensor) -> tuple:
    return tuple(x.shape)


def _tensors(input: Any, target: Any) -> None:  # noqa: A002
    for name, x in (("input", input), ("target", target)):
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


def _same_shape(input: Tensor, target: Tensor) -> None:  # noqa: A002
    if _shape(target) != _shape(input):
        _fail(f"`target` must have input's shape; got target.shape={_shape(target)} and "
              f"input.shape={_shape(input)}")


def _elementwise_weight(weight: Tensor | None, input: Tensor) -> Tensor | None:  # noqa: A002
    """torch's element-wise ``weight``: broadcast (trailing dims aligned) to ``input``."""
    if weight is None:
        return None
    w, x = _shape(weight), _shape(input)
    if len(w) > len(x) or any(a != 1 and a != b for a, b in zip(reversed(w), reversed(x))):
        _fail(f"`weight` of shape {w} does not broadcast to input's shape {x}")
    return weight.expand(x)


class _Loss(nn.Module):
    """One base that holds ``reduction``, as torch's ``_Loss`` does."""

    reduction: str

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        elif reduction == "elementwise_mean":
            warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                          "instead.", stacklevel=3)
        self.reduction = reduction
        self._reduction()

    def _reduction(self) -> str:
        try:
            return _REDUCTIONS[self.reduction]
        except (KeyError, TypeError):
            _fail(f"`reduction` must be one of 'none', 'mean', 'sum'; got {self.reduction!r}")

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        _tensors(input, target)
        try:
            return self._loss(input, target)
        except ValueError as e:
            raise _renamed(e) from None

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        raise NotImplementedError


class _WeightedLoss(_Loss):
    """``_Loss`` with a ``weight`` buffer (moves with ``.to``/``.double()``,
    saved in ``state_dict``), as torch's ``_WeightedLoss``."""

    weight: Tensor | None

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
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

    Differences from the native: bad labels raise ``ValueError`` naming the
    first (native: ``IndexError``; under ``torch.compile``/``vmap`` the
    element's loss is NaN); a negative ``label_smoothing`` raises ``ValueError``
    (native silently ignores it); ``weight`` is cast to ``input``'s dtype
    (native raises on a mismatch); class-index targets may be any integer
    dtype (native: int64 or uint8 only).

    >>> import torch
    >>> loss = CrossEntropyLoss(label_smoothing=0.1)
    >>> x, y = torch.randn(4, 3, 5), torch.randint(0, 3, (4, 5))
    >>> torch.allclose(loss(x, y), torch.nn.CrossEntropyLoss(label_smoothing=0.1)(x, y))
    True
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        cdim = _class_dim(input)
        if _shape(target) == _shape(input):  # torch's rule: same shape = class probabilities
            if not target.dtype.is_floating_point:
                _fail(f"`target` has input's shape {_shape(input)}, so it holds class probabilities "
                      f"and must be floating point; got {target.dtype} (class indices have "
                      f"input's shape without the class dim {cdim})", TypeError)
            if self.ignore_index >= 0:
                _fail(f"`ignore_index`={self.ignore_index} is not supported with class-probability "
                      "targets (as in torch); leave it at a negative value such as -100")
            return losses.categorical_crossentropy(
                target, input, from_logits=True, axis=cdim, label_smoothing=self.label_smoothing,
                class_weight=self.weight, reduction=self._reduction())
        _index_target(input, target, cdim, probabilities=True)
        return losses.sparse_categorical_crossentropy(
            target, input, from_logits=True, axis=cdim, label_smoothing=self.label_smoothing,
            ignore_index=self.ignore_index, class_weight=self.weight, reduction=self._reduction())


class NLLLoss(_WeightedLoss):
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

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        cdim = _class_dim(input)
        _index_target(input, target, cdim, probabilities=False)
        return losses.nll_loss(target, input, axis=cdim, ignore_index=self.ignore_index,
                               class_weight=self.weight, reduction=self._reduction())


class BCELoss(_WeightedLoss):
    r"""Drop-in for :class:`torch.nn.BCELoss` over
    :func:`losses.binary_crossentropy` (``log_min=-100``).

    ``input`` holds probabilities, ``target`` values in ``[0, 1]`` of the same
    shape; ``weight`` rescales element-wise (broadcast to ``input``):

    .. math:: \ell = -w \left[ y \max(\log p, -100) + (1-y) \max(\log(1-p), -100) \right]

    ``'mean'`` divides ``sum(\ell)`` by the number of elements whatever the
    weights, as the native. ``input`` or ``target`` outside ``[0, 1]`` (or NaN)
    raises ``ValueError`` (native: ``RuntimeError``); under ``torch.compile``
    or ``vmap`` that element's loss is NaN instead.

    Difference from the native -- the gradient where ``p (1 - p) < 1e-12``:
    the native backward is ``w (p - y) / max(p (1 - p), 1e-12)``, a capped
    formula; ours is the exact derivative of the clamped loss above:
    ``w [(1-y)/(1-p) - y/p]`` with each term 0 where its log is clamped. They
    agree wherever ``p (1 - p) >= 1e-12``. At the ends they differ, e.g.
    ``p = 0, y = 1``: native ``-1e12``, ours ``0`` (the loss is flat at 100
    there); ``p = 1, y = 1``: native ``0``, ours ``-1``. Probabilities that
    saturate train poorly with either: prefer :class:`BCEWithLogitsLoss`.

    Also: a ``target`` of another dtype is cast to ``input``'s (native raises).

    >>> import torch
    >>> p, y = torch.rand(4, 3), torch.rand(4, 3)
    >>> torch.allclose(BCELoss()(p, y), torch.nn.BCELoss()(p, y))
    True
    """

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        _same_shape(input, target)
        return losses.binary_crossentropy(
            target, input, log_min=-100.0, reduction=_ELEMENTWISE[self._reduction()],
            sample_weight=_elementwise_weight(self.weight, input))


class BCEWithLogitsLoss(_Loss):
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

    weight: Tensor | None
    pos_weight: Tensor | None

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def _loss(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        _same_shape(input, target)
        return losses.binary_crossentropy(
            target, input, from_logits=True, pos_weight=self.pos_weight,
            reduction=_ELEMENTWISE[self._reduction()],
            sample_weight=_elementwise_weight(self.weight, input))


#: every public module: (the registry specs it calls, the torch module it equals)
CATALOG: dict[str, tuple[tuple[str, ...], str | None]] = {
    "BCELoss": (("binary_crossentropy",), "torch.nn.BCELoss"),
    "BCEWithLogitsLoss": (("binary_crossentropy",), "torch.nn.BCEWithLogitsLoss"),
    "CrossEntropyLoss": (("categorical_crossentropy", "sparse_categorical_crossentropy"),
                         "torch.nn.CrossEntropyLoss"),
    "NLLLoss": (("nll_loss",), "torch.nn.NLLLoss"),
}
