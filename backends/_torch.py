"""PyTorch primitive table. See ``backends/_numpy.py`` for the reference list."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

name = "torch"
float32 = torch.float32
float64 = torch.float64
int64 = torch.int64
_HALF = (torch.float16, torch.bfloat16)
_is_wrapped = torch._C._functorch.is_functorch_wrapped_tensor
_is_compiling = torch.compiler.is_compiling

# --- dtypes, shapes, conversion ---------------------------------------------


def asarray(x: Any, like: Any = None) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x
    # Python numbers and lists go through NumPy, so they are float64/int64 as
    # NumPy makes them (torch would make float32 and lose precision)
    x = np.asarray(x)
    if not x.flags.writeable:
        x = x.copy()
    return torch.as_tensor(x, device=like.device if like is not None else None)


def dtype_name(x: Any) -> str:
    return str(x.dtype).rpartition(".")[2]


def kind(x: Any) -> str:
    dt = x.dtype
    if dt.is_floating_point:
        return "f"
    if dt == torch.bool:
        return "b"
    if dt.is_complex:
        return "c"
    return "i"


def is_half(x: Any) -> bool:
    return x.dtype in _HALF


def cast(x: Any, dtype: Any) -> torch.Tensor:
    return x.to(dtype)


def dtype_of(x: Any) -> Any:
    return x.dtype


def max_finite(dtype: Any) -> float:
    return torch.finfo(dtype).max


def shape(x: Any) -> tuple:
    return tuple(x.shape)


def ndim(x: Any) -> int:
    return x.dim()


def to_numpy(x: Any) -> np.ndarray:
    x = x.detach().cpu()
    if x.dtype == torch.bfloat16:
        x = x.float()
    return x.numpy()


def device_of(x: Any) -> str:
    return str(x.device)


# --- elementwise math --------------------------------------------------------

exp = torch.exp
log = torch.log
log1p = torch.log1p
expm1 = torch.expm1
abs = torch.abs  # noqa: A001
sqrt = torch.sqrt
square = torch.square
tanh = torch.tanh
sign = torch.sign
floor = torch.floor
isnan = torch.isnan
isfinite = torch.isfinite
sigmoid = torch.sigmoid
log_sigmoid = F.logsigmoid
softplus = F.softplus
logaddexp = torch.logaddexp


def maximum(a: Any, b: Any) -> torch.Tensor:
    if not isinstance(b, torch.Tensor):
        return torch.clamp(a, min=b)
    if not isinstance(a, torch.Tensor):
        return torch.clamp(b, min=a)
    return torch.maximum(a, b)


def minimum(a: Any, b: Any) -> torch.Tensor:
    if not isinstance(b, torch.Tensor):
        return torch.clamp(a, max=b)
    if not isinstance(a, torch.Tensor):
        return torch.clamp(b, max=a)
    return torch.minimum(a, b)


def where(cond: Any, a: Any, b: Any) -> torch.Tensor:
    return torch.where(cond, a, b)


def clip(x: Any, lo: Any, hi: Any) -> torch.Tensor:
    return torch.clamp(x, lo, hi)


def logsumexp(x: Any, axis: int, keepdims: bool = False) -> torch.Tensor:
    return torch.logsumexp(x, dim=axis, keepdim=keepdims)


def log_softmax(x: Any, axis: int) -> torch.Tensor:
    """``log softmax`` floored at the dtype's lowest finite value: a logit
    spread beyond the dtype's range gives a very negative, finite log p (not
    ``-inf``), so ``0 * log p`` stays 0 and the loss stays finite. The floor
    is a :func:`saturate`: the gradient stays the exact ``onehot - softmax``."""
    return saturate(torch.log_softmax(x, dim=axis), torch.finfo(x.dtype).max)


def softmax(x: Any, axis: int) -> torch.Tensor:
    return torch.softmax(x, dim=axis)


# --- reductions and indexing -------------------------------------------------


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:  # noqa: A001
    if axis is None:
        return torch.sum(x)
    return torch.sum(x, dim=axis, keepdim=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    if axis is None:
        return torch.mean(x)
    return torch.mean(x, dim=axis, keepdim=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:  # noqa: A001
    if axis is None:
        return torch.max(x)
    return torch.amax(x, dim=axis, keepdim=keepdims)


def _index(idx: Any) -> torch.Tensor:
    # torch indexes with int64 only: int32 raises in take_along_dim, and uint8
    # would be read as a boolean mask by table[idx]
    return idx if idx.dtype == torch.int64 else idx.long()


def take_along_axis(x: Any, idx: Any, axis: int) -> torch.Tensor:
    return torch.take_along_dim(x, _index(idx), dim=axis)


def expand_dims(x: Any, axis: int) -> torch.Tensor:
    return torch.unsqueeze(x, axis)


def squeeze(x: Any, axis: int) -> torch.Tensor:
    return torch.squeeze(x, axis)


def reshape(x: Any, shape: tuple) -> torch.Tensor:
    return torch.reshape(x, shape)


def gather(table: Any, idx: Any) -> torch.Tensor:
    return table[_index(idx)]


def one_hot(labels: Any, depth: int, axis: int, dtype: Any) -> torch.Tensor:
    out = F.one_hot(labels.long(), depth).to(dtype)
    return torch.movedim(out, -1, axis) if axis not in (-1, labels.dim()) else out


zeros_like = torch.zeros_like
ones_like = torch.ones_like
full_like = torch.full_like


def stop_gradient(x: Any) -> torch.Tensor:
    return x.detach()


class _SaturateCompiled(torch.autograd.Function):
    """Clip to ``[-limit, limit]`` in value, identity in the gradient. This
    one has no custom ``jvp``: Dynamo traces it under ``torch.compile``."""

    @staticmethod
    def forward(x: Any, limit: float) -> torch.Tensor:
        return torch.clamp(x, -limit, limit)

    @staticmethod
    def setup_context(ctx: Any, inputs: Any, output: Any) -> None:
        pass

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple:
        return g, None


class _Saturate(_SaturateCompiled):
    """:class:`_SaturateCompiled` identity in every derivative (backward,
    double backward, forward mode, vmap)."""

    generate_vmap_rule = True

    @staticmethod
    def jvp(ctx: Any, t: Any, _: Any) -> Any:
        return t


def saturate(x: Any, limit: float) -> torch.Tensor:
    if _is_compiling():  # Dynamo traces neither _is_wrapped nor a custom jvp
        return _SaturateCompiled.apply(x, limit)
    if not x.requires_grad and not _is_wrapped(x):
        return torch.clamp(x, -limit, limit)
    return _Saturate.apply(x, limit)


# --- eager data checks -------------------------------------------------------


def is_concrete(x: Any) -> bool:
    return not (_is_compiling() or _is_wrapped(x))


def any_true(x: Any) -> bool:
    return bool(torch.any(x))


def staged(x: Any) -> bool:
    """See ``backends/_jax.py``: no staged eager calls here."""
    return False


#: see ``backends/_jax.py``: eager calls run op by op here
stage = None
stage_key = None


def eager_minmax(x: Any, like: Any = None) -> tuple | None:
    if _is_compiling() or _is_wrapped(x) or (like is not None and _is_wrapped(like)):
        return None
    if x.numel() == 0:
        return 0, 0
    lo, hi = torch.aminmax(x)
    return int(lo), int(hi)


# --- autodiff and fused kernels ----------------------------------------------


def value_and_grad(f: Any, y_pred: Any) -> tuple:
    """``f(y_pred)`` and its vector-Jacobian product with ones (the gradient
    of ``sum(f(y_pred))``)."""
    x = y_pred.detach().requires_grad_(True)
    with torch.enable_grad():
        v = f(x)
        (g,) = torch.autograd.grad(v, x, grad_outputs=torch.ones_like(v), allow_unused=True)
    if g is None:
        g = torch.zeros_like(x)
    return v.detach(), g



def cross_entropy(logits: Any, target: Any, weight: Any, ignore_index: Any, label_smoothing: float,
                  reduction: str) -> torch.Tensor:
    """torch's fused ``F.cross_entropy`` (class axis 1); labels already validated.
    ``None`` where the spec must compute the loss itself."""
    if not target.is_floating_point():
        if target.dtype != torch.int64:
            target = target.long()
        return F.cross_entropy(logits, target, weight=weight,
                               ignore_index=-100 if ignore_index is None else ignore_index,
                               reduction=reduction, label_smoothing=label_smoothing)
    if _is_compiling() or _is_wrapped(logits):
        return None  # traced: the spec's branch-free path (the check below reads values)
    out = F.cross_entropy(logits, target, weight=weight, reduction=reduction,
                          label_smoothing=label_smoothing)
    # probability targets: torch computes target * log_softmax, which is
    # 0 * -inf = NaN for a logit spread beyond the dtype's range. Such a call
    # (rare; checked on the result only) takes the spec's own, finite path.
    if torch.isnan(out).any() and bool(torch.isfinite(logits).all()) and bool(torch.isfinite(target).all()):
        return None
    return out


#: the exceptions the fused kernel raises on an out-of-range label (CPU; on CUDA
#: it is a device-side assert, as for the native): the spec reads the labels
#: only then, to name the first bad one (see ``losses/crossentropy.py``)
label_errors = (IndexError,)
#: what torch's loss kernels raise on mismatched shapes (the fused paths return
#: ``None`` then, and the spec's path raises its own error naming the argument)
_SHAPE_ERRORS = (RuntimeError, ValueError)
_ENUM = {"none": 0, "mean": 1, "sum": 2, "sum_over_batch_size": 1}
_cross_entropy_loss = torch._C._nn.cross_entropy_loss
_nll_loss = torch._C._nn.nll_loss_nd
_bce_logits = torch.binary_cross_entropy_with_logits
_bce = torch._C._nn.binary_cross_entropy
#: the exceptions torch's ``binary_cross_entropy`` kernel raises on a probability or
#: target outside [0, 1] (CPU; on CUDA a device-side assert, as for the native)
range_errors = (RuntimeError,)
_INT = frozenset((torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8))
_MAX = {d: torch.finfo(d).max for d in (torch.float16, torch.bfloat16, torch.float32, torch.float64)}
_NO_LABEL = -(2 ** 63)  # ``ignore_index=None``: a value no label of a checked call holds
_LIMITS: dict = {}


def _limit_tensor(x: torch.Tensor, limit: float) -> torch.Tensor:
    """A cached 0-d tensor of ``limit`` in ``x``'s dtype and device."""
    key = (x.dtype, x.get_device(), limit)  # get_device: an int, cheaper to hash than a device
    t = _LIMITS.get(key)
    if t is None:
        t = _LIMITS[key] = torch.tensor(limit, dtype=x.dtype, device=x.device)
    return t


#: elements of ``x`` up to which :func:`saturate_fresh` takes ``max |x|`` by
#: ``abs().amax()`` (faster there than ``aminmax`` and two scalar ops; slower above)
_SMALL_ABS = 8192
_grad_enabled = torch.is_grad_enabled
_set_grad = torch._C._set_grad_enabled


#: logits from which, on the CPU, the fused paths read their result on the host
#: instead of passing over the logits (:func:`_within`)
_READ_FROM = 1 << 16


def _reads(x: torch.Tensor) -> bool:
    """Whether a fused path on ``x`` reads its result on the host (:func:`_within`)
    instead of passing over ``x``: a large ``x`` on the CPU only. There torch's
    operations run synchronously: reading a scalar stalls nothing and costs
    ~1 µs, where the guard's pass over ``x`` costs 10-15% of the kernel (a
    [1024, 8192] cross-entropy: 1.7 ms of 11). Elsewhere (CUDA and the other
    asynchronous or lazy devices, where a read would stall the queue) and for a
    small ``x`` (whose guard is a few scalar ops; the per-call budget of issue 16
    counts host reads) the fused paths stay sync-free."""
    return x.numel() >= _READ_FROM and x.device.type == "cpu"


def _within(value: torch.Tensor, limit: float) -> bool:
    """Whether ``value`` is within ``+-limit`` (NaN is not), read on the host
    (only where :func:`_reads`)."""
    if value.dim() == 0:
        return -limit <= value.item() <= limit  # (NaN: False)
    grad = _grad_enabled()
    _set_grad(False)
    try:
        return value.numel() == 0 or value.abs().amax().item() <= limit
    finally:
        _set_grad(grad)


def saturate_fresh(value: torch.Tensor, x: torch.Tensor, limit: float, signed: bool) -> torch.Tensor:
    """``value``, a fresh result computed from ``x`` (eager, unwrapped
    tensors), saturated at ``limit`` (``-limit`` too when ``signed``) unless
    ``x`` holds an infinity: in place with autograd off, so autograd keeps the
    kernel's own gradient (the identity of :func:`saturate`). No host read,
    and no ``x``-sized temporary beyond ``_SMALL_ABS`` elements: one pass over
    ``x``, then 2-3 scalar ops, each in place on a fresh 0-d tensor. A NaN in
    ``x`` does not stop it (``fmax`` drops it; a NaN value stays NaN under a
    clamp)."""
    n = x.numel()
    if not n or (_reads(x) and _within(value, limit)):  # (a large CPU x: read)
        return value
    if value._base is not None:  # a view (K-dim "none"): its own storage, so that
        value = value.clone()     # autograd does not rebuild the view's backward
    grad = _grad_enabled()
    _set_grad(False)  # not recorded: cheaper than two detached aliases
    try:
        # max |x| (NaN if x holds one): a small x by abs and amax (a temporary of at
        # most _SMALL_ABS elements; one op fewer), a larger one by aminmax (none)
        if n <= _SMALL_ABS:
            top = x.abs().amax()
        else:
            lo, hi = torch.aminmax(x)
            top = torch.maximum(hi, lo.neg_(), out=hi)
        # the bound, in place: limit, or inf where x holds an infinity
        bound = torch.fmax(top, _limit_tensor(value, limit), out=top)
        value.clamp_(min=bound.neg() if signed else None, max=bound)
    finally:
        _set_grad(grad)
    return value


def _compute_in(x: torch.Tensor) -> torch.Tensor | None:
    """``x`` in the dtype the fused kernels compute in: float32/float64 as is,
    float16/bfloat16 as float32; ``None`` for any other dtype (no fused path)."""
    d = x.dtype
    if d is torch.float32 or d is torch.float64:
        return x
    return x.float() if d in _HALF else None


def fused_sparse_xent(logits: Any, labels: Any, weight: Any, ignore_index: Any, label_smoothing: float,
                      reduction: str, limit: float | None, signed: bool, log_probs: bool = False) -> Any:
    """torch's fused cross-entropy kernel (``F.cross_entropy``, class dim 1)
    on integer ``labels``, the labels left to the kernel to validate (it
    raises :data:`label_errors`), the value saturated (:func:`saturate_fresh`).
    ``None`` where it does not apply (the caller takes the spec's own path):
    traced or wrapped tensors (``torch.compile``, ``torch.func``: there a bad
    label must make NaN, which the kernel cannot), labels that are not an
    integer tensor of ``logits``' shape less dim 1, a reduction the kernel
    lacks. float16/bfloat16 logits are computed in float32 and cast back.
    ``log_probs``: ``logits`` hold log-probabilities: ``F.nll_loss``'s kernel
    (no smoothing), nothing saturated."""
    red = _ENUM.get(reduction)
    if (red is None or type(labels) is not torch.Tensor or labels.dtype not in _INT or _is_compiling()
            or _is_wrapped(logits) or _is_wrapped(labels)):
        return None
    dtype = logits.dtype
    x = _compute_in(logits)
    if x is None:
        return None
    if weight is not None and weight.dtype is not x.dtype:
        weight = weight.to(x.dtype)
    if labels.dtype is not torch.int64:
        labels = labels.long()
    ignore = _NO_LABEL if ignore_index is None else ignore_index
    try:  # the kernel checks the shapes (no Python check per call)
        value = (_nll_loss(x, labels, weight, red, ignore) if log_probs
                 else _cross_entropy_loss(x, labels, weight, red, ignore, label_smoothing))
    except _SHAPE_ERRORS:
        return None  # labels not of logits' shape less dim 1: the spec's path names them
    if not log_probs:
        value = saturate_fresh(value, x, _MAX[dtype] if limit is None else limit, signed)
    return value if x is logits else value.to(dtype)


def fused_binary_xent(logits: Any, target: Any, weight: Any, pos_weight: Any, reduction: str,
                      limit: float | None, signed: bool, probs: bool = False) -> Any:
    """torch's fused ``F.binary_cross_entropy_with_logits`` (``weight``
    element-wise, ``pos_weight`` per class, both broadcast to ``logits``;
    ``"mean"``/``"sum_over_batch_size"`` divide by the element count), the
    value saturated (:func:`saturate_fresh`). ``target`` and the weights are
    cast to the logits' dtype; float16/bfloat16 are computed in float32.
    ``None`` where it does not apply: traced or wrapped tensors, a ``target``
    not of the logits' shape or not real.

    ``probs``: ``logits`` hold probabilities: torch's ``binary_cross_entropy``
    (each log clamped at -100; no ``pos_weight``), whose kernel checks that the
    probabilities and targets lie in [0, 1] (raising :data:`range_errors`).
    Its value is at most ``100 w`` per element: saturated only where it can
    overflow (with ``weight``, gated on the weights' being finite, or a half
    dtype, computed in float32)."""
    red = _ENUM.get(reduction)
    if (red is None or type(target) is not torch.Tensor or target.shape != logits.shape
            or target.dtype.is_complex or _is_compiling() or _is_wrapped(logits) or _is_wrapped(target)
            or (weight is not None and _is_wrapped(weight))
            or (pos_weight is not None and _is_wrapped(pos_weight))):
        return None
    dtype = logits.dtype
    x = _compute_in(logits)
    if x is None:
        return None
    if target.dtype != x.dtype:
        target = target.to(x.dtype)
    if weight is not None and weight.dtype != x.dtype:
        weight = weight.to(x.dtype)
    if pos_weight is not None and pos_weight.dtype != x.dtype:
        pos_weight = pos_weight.to(x.dtype)
    limit = _MAX[dtype] if limit is None else limit
    if not probs:
        value = saturate_fresh(_bce_logits(x, target, weight, pos_weight, red), x, limit, signed)
    elif pos_weight is not None:
        return None
    else:
        value = _bce(x, target, weight, red)
        if weight is not None:
            value = saturate_fresh(value, weight, limit, True)
        elif x is not logits:
            value.detach().clamp_(max=limit)
    return value if x is logits else value.to(dtype)


def fused_dense_xent(logits: Any, target: Any, weight: Any, label_smoothing: float, reduction: str,
                     limit: float | None, signed: bool) -> Any:
    """``-sum_c w_c t'_c log_softmax(logits)_c`` over class dim 1 (0 when
    1-D), ``t' = (1 - e) t + e / C``, reduced as torch's ``F.cross_entropy``
    with class probabilities (``"mean"``: over the examples), written in the
    native's own operations but with a term of zero target mass kept at 0 (the
    native's ``0 * -inf`` is NaN at a ``-inf`` or overflowing logit), then
    saturated (:func:`saturate_fresh`). No host read. ``None`` where it does
    not apply: traced or wrapped tensors, a target that needs a gradient (its
    gradient at a zero entry would be 0, not ``-log p``), a reduction the
    native lacks."""
    if (reduction not in _FUSED or type(target) is not torch.Tensor or target.shape != logits.shape
            or not target.dtype.is_floating_point or target.requires_grad or _is_compiling()
            or _is_wrapped(logits) or _is_wrapped(target)
            or (weight is not None and (weight.requires_grad or _is_wrapped(weight)))):
        return None
    dtype = logits.dtype
    x = _compute_in(logits)
    if x is None:
        return None
    t = target if target.dtype is x.dtype else target.to(x.dtype)
    lim = _MAX[dtype] if limit is None else limit
    if _reads(x):
        # large, on the CPU: the native's own kernel, whose result is ours unless it
        # is NaN (its 0 * -inf at a zero target) or beyond the limit -- read (_within)
        w = None if weight is None else weight.to(x.dtype)
        try:
            value = _cross_entropy_loss(x, t, w, _ENUM[reduction], -100, float(label_smoothing))
        except _SHAPE_ERRORS:
            return None
        if _within(value, lim):
            return value if x is logits else value.to(dtype)
    ax = 1 if x.dim() > 1 else 0
    c = x.shape[ax]
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + label_smoothing / c
    if weight is not None:
        t = t * weight.to(x.dtype).view((c,) + (1,) * (x.dim() - ax - 1))
    terms = t * torch.log_softmax(x, ax)
    loss = torch.where(t.bool(), terms, t).sum(ax).neg()  # t: 0 there, and needs no gradient
    if reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    value = saturate_fresh(loss, x, lim, signed)
    return value if x is logits else value.to(dtype)


_FUSED = ("none", "mean", "sum")
_ELEMENTWISE = {"mse": torch._C._nn.mse_loss, "l1": torch._C._nn.l1_loss,
                "huber": torch._C._nn.huber_loss, "smooth_l1": torch._C._nn.smooth_l1_loss}


def _pointwise_inputs(x: Any, target: Any) -> tuple | None:
    """``(x, target, dtype)`` for a fused point-wise kernel: ``x`` in its
    compute dtype (:func:`_compute_in`), ``target`` cast to it, ``dtype`` the
    result's; ``None`` where such a kernel does not apply: traced or wrapped
    tensors, a target of another shape or complex, a non-floating ``x``."""
    if (type(target) is not torch.Tensor or target.shape != x.shape or target.dtype.is_complex
            or _is_compiling() or _is_wrapped(x) or _is_wrapped(target)):
        return None
    xc = _compute_in(x)
    if xc is None:
        return None
    return xc, (target if target.dtype is xc.dtype else target.to(xc.dtype)), x.dtype


def fused_elementwise(kind: str, x: Any, target: Any, reduction: str, param: Any = None) -> Any:
    """torch's fused regression kernels (``mse_loss``, ``l1_loss``,
    ``huber_loss(delta=param)``, ``smooth_l1_loss(beta=param)``) on a
    ``target`` of ``x``'s shape, cast to ``x``'s dtype; float16/bfloat16 are
    computed in float32. ``None`` where it does not apply: traced or wrapped
    tensors, another shape, complex or non-floating ``x``."""
    red = _ENUM.get(reduction)
    inputs = None if red is None else _pointwise_inputs(x, target)
    if inputs is None:
        return None
    x, target, dtype = inputs
    if kind == "smooth_l1" and param == 0:  # as F.smooth_l1_loss: beta = 0 is l1_loss (its
        kind, param = "l1", None              # gradient at a tie is 0; the kernel's is not)
    f = _ELEMENTWISE[kind]
    value = f(x, target, red) if param is None else f(x, target, red, param)
    return value if value.dtype is dtype else value.to(dtype)


def fused_kl_div(log_q: Any, target: Any, reduction: str, log_target: bool, divisor: int | None = None) -> Any:
    """The point-wise KL divergence of torch's ``F.kl_div`` in about as few
    operations as the native but with the spec's edge cases
    (:func:`losses.kl_divergence`, ``log_input=True, axis=None``):
    ``t (log t - log_q)``, ``t = target`` or ``exp(target)`` (``log_target``),
    a zero ``t`` contributing 0 with 0 gradient even where ``log_q`` or the
    log-target is ``-inf`` (the native: NaN), reduced (``"none"``, ``"mean"``,
    ``"sum"``; the sum divided by ``divisor``, ``"batchmean"``'s ``N``, as the
    native divides), saturated (:func:`saturate_fresh`, signed). No host read.
    ``None`` where it does not apply: traced or wrapped tensors, another
    shape, complex or non-floating ``log_q``."""
    inputs = _pointwise_inputs(log_q, target) if reduction in _FUSED else None
    if inputs is None:
        return None
    x, y, dtype = inputs
    t = y.exp() if log_target else y
    if y.requires_grad:  # the target's own gradient is 0 at t = 0 (lt - x is -inf there)
        pos = t != 0.0  # a negative probability keeps its log: NaN, as the native
        lt = torch.where(pos, y, 0.0) if log_target else torch.where(pos, y, 1.0).log()
        point = t * (lt - torch.where(pos, x, 0.0))
    else:  # a term of t = 0 (NaN or +-inf there) is never selected: gradient 0 * t = 0
        point = torch.where(t.bool(), t * ((y if log_target else t.log()) - x), _limit_tensor(x, 0.0))
    if reduction == "mean":
        point = point.mean()
    elif reduction == "sum":
        point = point.sum() if divisor is None else point.sum() / divisor
    value = saturate_fresh(point, x, _MAX[dtype], True)
    return value if value.dtype is dtype else value.to(dtype)


sparse_xent = None
def all_finite(x: Any) -> torch.Tensor:
    """See ``backends/_numpy.py`` (a tensor: no host read)."""
    return torch.isfinite(x.detach()).all()


#: no branch without a host sync in eager torch: both sides are computed (see backends/_numpy.py)
cond = None
dense_xent = None
small_xent_value_and_grad = None  # see backends/_numpy.py
softmax_xent = None  # see backends/_numpy.py
#: NumPy's in-place closed-form cross-entropy kernels (see backends/_numpy.py): none here
softmax_rows = None
sub_scaled_rows = None

#: no named-axis collective (see ``backends/_numpy.py``)
psum = None


# --- chunked loops (linear_cross_entropy) --------------------------------------


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False) -> torch.Tensor:
    """``a @ b`` with either operand transposed (2-D); untransposed, also batched (3-D: ``ctc_loss``)."""
    return (a.mT if transpose_a else a) @ (b.mT if transpose_b else b)


def concat(xs: Any, axis: int = 0) -> torch.Tensor:
    return torch.cat(xs, dim=axis)


def scan_rows(body: Any, carry: Any, xs: tuple, chunk: int, remat: bool = False) -> tuple:
    """See ``backends/_numpy.py``: a Python loop over row slices (views);
    ``remat`` (while a graph is recorded): each chunk under
    ``torch.utils.checkpoint``, so autograd keeps only its inputs."""
    from ._numpy import _python_scan

    if remat and torch.is_grad_enabled():
        import torch.utils.checkpoint as ckpt

        plain = body

        def body(carry: Any, xs: Any) -> tuple:
            return ckpt.checkpoint(plain, carry, xs, use_reentrant=False)
    return _python_scan(body, carry, xs, chunk, concat)


class _LinearXent(torch.autograd.Function):
    """``sum(f * loss)`` (``reduce``) or ``f * loss`` of a loss with a
    closed-form, chunked gradient ``pass_fn(h, W, b, aux, u, grad) -> (loss,
    dh, dW, db)`` (the gradient of ``sum(u * loss)``).

    With ``pre`` (a reduced loss whose inputs need gradients) the forward pass
    also computes the gradient, in the same sweep over the chunks, and a plain
    backward only scales it. A backward with ``create_graph`` (double
    backward, ``torch.func``) recomputes it in differentiable torch ops, so
    every higher derivative is exact."""

    generate_vmap_rule = True

    @staticmethod
    def forward(h: Any, W: Any, b: Any, f: Any, pass_fn: Any, aux: Any, reduce: bool,
                pre: bool) -> tuple:
        loss, gh, gW, gb = pass_fn(h, W, b, aux, f, pre)
        out = torch.sum(f * loss) if reduce else f * loss
        empty = h.new_empty(0)
        return (out, empty if gh is None else gh, empty if gW is None else gW,
                empty if gb is None else gb)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: tuple) -> None:
        h, W, b, f, pass_fn, aux, reduce, pre = inputs
        ctx.save_for_backward(h, W, b, f)
        ctx.save_for_forward(h, W, b, f)
        ctx.mark_non_differentiable(*output[1:])
        ctx.pass_fn, ctx.aux, ctx.reduce = pass_fn, aux, reduce
        ctx.pre = tuple(g.detach() for g in output[1:]) if pre else None

    @staticmethod
    def backward(ctx: Any, g: Any, *_: Any) -> tuple:
        h, W, b, f = ctx.saved_tensors
        if ctx.pre is not None and not torch.is_grad_enabled():
            gh, gW, gb = (g * x for x in ctx.pre)
        else:
            _, gh, gW, gb = ctx.pass_fn(h, W, b, ctx.aux, f * g, True)
        return gh, gW, None if b is None else gb, None, None, None, None, None

    @staticmethod
    def jvp(ctx: Any, th: Any, tW: Any, tb: Any, *_: Any) -> tuple:
        h, W, b, f = ctx.saved_tensors
        _, t = ctx.pass_fn(h, W, b, ctx.aux, f, False, tangents=(th, tW, tb))
        return torch.sum(t) if ctx.reduce else t, None, None, None


def linear_xent(pass_fn: Any, h: Any, W: Any, b: Any, aux: Any, f: Any, reduce: bool) -> Any:
    """See ``backends/_numpy.py``: a :class:`_LinearXent`. Under
    ``torch.compile`` ``None`` (the caller differentiates the chunks itself:
    Dynamo does not trace a Function that takes a Python callable)."""
    if _is_compiling():
        return None
    ins = (h, W) if b is None else (h, W, b)
    pre = bool(reduce and torch.is_grad_enabled() and not any(_is_wrapped(t) for t in ins)
               and any(t.requires_grad for t in ins))
    return _LinearXent.apply(h, W, b, f.detach(), pass_fn, aux, reduce, pre)[0]


def add_at(x: Any, idx: Any, v: Any) -> torch.Tensor:
    """See ``backends/_numpy.py`` (in place on ``x``, an intermediate)."""
    return x.scatter_add_(1, _index(idx).unsqueeze(1), v.unsqueeze(1))


linear = F.linear


def matmul_acc(acc: Any, a: Any, b: Any) -> torch.Tensor:
    """``acc + a.T @ b``: in place (``addmm_``) where no graph is recorded."""
    if torch.is_grad_enabled() or _is_wrapped(acc) or _is_compiling():
        return torch.addmm(acc, a.mT, b)
    return acc.addmm_(a.mT, b)


def _recording(x: Any) -> bool:
    return torch.is_grad_enabled() or _is_wrapped(x) or _is_compiling()


def exp_sub(x: Any, m: Any) -> torch.Tensor:
    """``exp(x - m)``: in place on ``x`` (an intermediate the caller is done
    with) where no graph is recorded."""
    return torch.exp(x - m) if _recording(x) else x.sub_(m).exp_()


def scale(x: Any, c: Any) -> torch.Tensor:
    """``x * c``: in place on ``x`` where no graph is recorded."""
    return x * c if _recording(x) else x.mul_(c)


# --- margin -------------------------------------------------------------------------


def arange(n: int, like: Any) -> torch.Tensor:
    """``[0, 1, ..., n - 1]`` in ``like``'s dtype and device."""
    return torch.arange(n, dtype=like.dtype, device=like.device)


# --- similarity family ---------------------------------------------------------

power = torch.pow


# --- batch losses (losses/contrastive.py) ----------------------------------------


def eye_like(x: Any) -> torch.Tensor:
    """The boolean identity of a 2-D ``x``'s shape (``True`` at ``[i, i]``)."""
    return torch.eye(x.shape[0], x.shape[1], dtype=torch.bool, device=x.device)


# --- sort-based projections (sparsemax) ----------------------------------------


def sort_desc(x: Any, axis: int) -> torch.Tensor:
    """See ``backends/_numpy.py``."""
    return torch.sort(x, dim=axis, descending=True).values


def cumsum(x: Any, axis: int) -> torch.Tensor:
    """See ``backends/_numpy.py``."""
    return torch.cumsum(x, dim=axis)


# --- loops over time (ctc_loss) ------------------------------------------------


def scan(fn: Any, carry: Any, xs: tuple, reverse: bool = False) -> tuple:
    """See ``backends/_numpy.py``: a Python loop over the leading axis."""
    from ._numpy import _loop_scan

    return _loop_scan(fn, carry, xs, reverse, torch.stack, torch.unbind)


moveaxis = torch.movedim


class _NativeCTC(torch.autograd.Function):
    """torch's fused CTC kernel (``aten._ctc_loss`` and ``_ctc_loss_backward``,
    what ``F.ctc_loss`` runs): the per-sequence loss and, in a first-order
    backward, the native gradient. The native has no second derivative: a
    backward that must itself be differentiable (``create_graph=True``)
    differentiates ``generic`` (the spec's recursion, equal in value) instead."""

    @staticmethod
    def forward(ctx: Any, lp: Any, targets: Any, in_len: Any, lab_len: Any, blank: int, zero_infinity: bool,
                generic: Any) -> torch.Tensor:
        nll, alpha = torch.ops.aten._ctc_loss.Tensor(lp, targets, in_len, lab_len, blank, zero_infinity)
        ctx.save_for_backward(lp, targets, in_len, lab_len, nll, alpha)
        ctx.blank, ctx.zero_infinity, ctx.generic = blank, zero_infinity, generic
        if zero_infinity:  # as F.ctc_loss: the kernel gives inf, zero_infinity zeroes it after
            return torch.where(nll == float("inf"), torch.zeros_like(nll), nll)
        return nll

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        lp, targets, in_len, lab_len, nll, alpha = ctx.saved_tensors
        if torch.is_grad_enabled():  # create_graph: a gradient with its own derivative
            with torch.enable_grad():
                (g,) = torch.autograd.grad(ctx.generic(lp), lp, grad, create_graph=True)
        else:
            g = torch.ops.aten._ctc_loss_backward.Tensor(grad, lp, targets, in_len, lab_len, nll, alpha,
                                                         ctx.blank, ctx.zero_infinity)
        return g, None, None, None, None, None, None


def ctc(lp: Any, labels: Any, in_len: Any, lab_len: Any, blank: int, zero_infinity: bool,
        generic: Any) -> torch.Tensor | None:
    """See ``backends/_numpy.py``: torch's fused kernel, eager only. ``None``
    (the spec's recursion) under ``torch.compile``, ``torch.func`` transforms,
    forward-mode AD (the native has no forward derivative), for an empty
    ``lp`` (the kernel raises) and for CUDA under
    ``torch.use_deterministic_algorithms`` (its backward has none)."""
    if _is_compiling() or _is_wrapped(lp) or torch.autograd.forward_ad.unpack_dual(lp).tangent is not None:
        return None
    if lp.numel() == 0 or (lp.is_cuda and torch.are_deterministic_algorithms_enabled()):
        return None  # the kernel rejects an empty batch
    return _NativeCTC.apply(lp, labels.long(), in_len.long(), lab_len.long(), blank, zero_infinity, generic)


def take_classes(x: Any, idx: Any) -> torch.Tensor:
    """See ``backends/_numpy.py``."""
    return torch.take_along_dim(x, _index(idx)[:, None, :], dim=2)
