r"""Data-parallel training that gives the single-process answer (``torch.distributed``).

A weighted mean over a batch split across workers is not the mean of the
workers' means once class weights, ignored labels, sample weights or masks
leave the shards unequal. With ``N`` workers, shard ``r`` holding a numerator
``S_r = sum(loss * w)`` and a denominator ``D_r = sum(denom * w)`` (the
summed class weights of its counted labels, for ``CrossEntropyLoss``), the
single-process loss of the whole batch is

.. math:: L = \frac{\sum_r S_r}{\sum_r D_r}
   \qquad\text{not}\qquad \frac1N \sum_r \frac{S_r}{D_r}.

``DistributedDataParallel`` (and FSDP) *average* the workers' gradients, so
the per-worker loss to backpropagate is ``N * S_r / D`` with
``D = all_reduce(D_r)``: its averaged gradient is ``sum_r grad S_r / D =
grad L``. ``D`` holds no gradient (labels and weights only), so the one extra
collective is an ``all_reduce`` of a scalar. :func:`global_weighted_mean`
does exactly that::

    from backends.torch import CrossEntropyLoss
    from backends.distributed import global_weighted_mean, sum_and_count

    criterion = CrossEntropyLoss(weight=w, ignore_index=-100, reduction="sum")
    logits = model(x)                                  # x, y: this worker's shard
    loss_sum = criterion(logits, y)                    # S_r
    _, count = sum_and_count(criterion, logits, y)     # D_r = sum of weight[y], y not ignored
    global_weighted_mean(loss_sum, count).backward()   # DDP's averaged grads == grad L

For JAX use the losses' ``axis_name`` option inside ``jax.shard_map`` (or
plain ``jax.jit`` over sharded arrays, which needs nothing); see
``docs/multi-device.md``. Importing this module imports no framework.
"""

from __future__ import annotations

from typing import Any

import losses

__all__ = ["global_sum", "global_weighted_mean", "sum_and_count"]

Tensor = Any


def _dist() -> Any:
    import torch.distributed as dist

    if not dist.is_available() or not dist.is_initialized():
        raise ValueError("lossbridge: torch.distributed is not initialised; call "
                         "torch.distributed.init_process_group(...) first (or use the loss's own "
                         "reduction='mean' in a single process)")
    return dist


def global_sum(x: Tensor, *, group: Any = None) -> Tensor:
    """The sum of ``x`` over every worker of ``group`` (default: the world).

    An ``all_reduce(SUM)`` of a detached copy: ``x`` is left unchanged and the
    result carries no gradient (use it for denominators and for logging, e.g.
    ``global_sum(loss_sum) / global_sum(count)`` is the global mean). Every
    worker must call it (it is a collective).

    Native equivalent: ``torch.distributed.all_reduce(x.detach().clone(),
    op=ReduceOp.SUM, group=group)``.
    """
    import torch

    dist = _dist()
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"lossbridge: `x` must be a torch.Tensor; got {type(x).__name__}")
    out = x.detach().clone()
    dist.all_reduce(out, op=dist.ReduceOp.SUM, group=group)
    return out


def global_weighted_mean(loss_sum: Tensor, count: Tensor, *, group: Any = None,
                         grad_averaging: bool = True) -> Tensor:
    r"""The per-worker loss whose data-parallel gradient is that of the global mean.

    .. math:: \ell_r = N \, \frac{S_r}{\sum_{r'} D_{r'}}

    with ``S_r = loss_sum`` (this worker's summed, weighted loss: the loss
    with ``reduction="sum"``), ``D_r = count`` (this worker's denominator: see
    :func:`sum_and_count`) and ``N`` the number of workers in ``group``.
    ``DistributedDataParallel`` averages the workers' gradients, giving
    :math:`\sum_r \nabla S_r / D = \nabla L`, the gradient of the
    single-process ``reduction="mean"`` loss on the whole batch.
    ``grad_averaging=False`` drops the factor ``N`` (for a set-up that *sums*
    gradients across workers, e.g. a hand-written ``all_reduce(SUM)``).

    The value on one worker is not ``L``; ``L`` is the average of the
    returned values over workers, i.e. ``global_sum(loss.detach()) / N``
    (with ``grad_averaging``), or ``global_sum(loss_sum) / global_sum(count)``.
    If every label of the whole batch is ignored, ``D = 0`` and the loss is
    NaN, as the native's ``reduction="mean"`` is.
    """
    import torch

    for name, v in (("loss_sum", loss_sum), ("count", count)):
        if not isinstance(v, torch.Tensor):
            raise TypeError(f"lossbridge: `{name}` must be a torch.Tensor; got {type(v).__name__}")
        if v.numel() != 1:
            raise ValueError(f"lossbridge: `{name}` must hold one number (a reduced sum); "
                             f"got shape {tuple(v.shape)}")
    if not isinstance(grad_averaging, bool):
        raise ValueError(f"lossbridge: `grad_averaging` must be True or False; got {grad_averaging!r}")
    dist = _dist()
    total = global_sum(count.to(loss_sum.dtype), group=group)
    scale = dist.get_world_size(group) if grad_averaging else 1
    return loss_sum * scale / total


def sum_and_count(criterion: Any, input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:  # noqa: A002
    """This worker's ``(S_r, D_r)`` for a torch cross-entropy criterion.

    ``criterion`` is a ``CrossEntropyLoss`` or ``NLLLoss`` -- ours
    (:mod:`backends.torch`) or ``torch.nn``'s: its ``weight``,
    ``ignore_index`` and ``label_smoothing`` are read, its ``reduction`` is
    not. Returns the summed loss (``criterion`` with ``reduction="sum"``,
    differentiable) and the denominator of its ``reduction="mean"``: the sum
    of ``weight[target]`` over the targets that are not ``ignore_index``
    (class-index targets), or the number of samples (probability targets),
    exactly as torch documents it. Computed by
    :func:`losses.sum_and_count`; class dim 1 (0 for an unbatched ``[C]``
    input).
    """
    import torch

    kind = type(criterion).__name__
    if kind not in ("CrossEntropyLoss", "NLLLoss"):
        raise TypeError("lossbridge: `criterion` must be a CrossEntropyLoss or NLLLoss (ours or "
                        f"torch.nn's); got {kind}. For an element-wise loss the count is "
                        "input.numel()")
    for name, v in (("input", input), ("target", target)):
        if not isinstance(v, torch.Tensor):
            raise TypeError(f"lossbridge: `{name}` must be a torch.Tensor; got {type(v).__name__}")
    cdim = 0 if input.dim() == 1 else 1
    weight = criterion.weight
    if kind == "NLLLoss":
        return losses.sum_and_count(losses.nll_loss, target, input, axis=cdim, class_weight=weight,
                                    ignore_index=criterion.ignore_index)
    eps = criterion.label_smoothing
    if tuple(target.shape) == tuple(input.shape):  # class probabilities
        return losses.sum_and_count(losses.categorical_crossentropy, target, input, from_logits=True,
                                    axis=cdim, class_weight=weight, label_smoothing=eps)
    return losses.sum_and_count(losses.sparse_categorical_crossentropy, target, input, from_logits=True,
                                axis=cdim, class_weight=weight, ignore_index=criterion.ignore_index,
                                label_smoothing=eps)
