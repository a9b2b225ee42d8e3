r"""Adaptive softmax (Grave et al., *Efficient softmax approximation for
GPUs*, ICML 2017): a two-level softmax whose frequent classes (the
*shortlist*) sit in the head with one entry per tail cluster, each tail
cluster a softmax of its own behind a low-rank projection.

With ``h`` a row of hidden features, the head scores ``h W_h^T + b_h``
(``shortlist + n_clusters`` entries) and cluster ``i`` scores
``(h P_i^T) O_i^T`` (``P_i``: ``[d_i, D]``, ``O_i``: ``[n_i, d_i]``), the
log-probability of class ``c`` is

.. math:: \log p(c) = \begin{cases} \log\mathrm{softmax}(\text{head})_c & c < \text{shortlist} \\
          \log\mathrm{softmax}(\text{head})_{\text{shortlist} + i}
          + \log\mathrm{softmax}(\text{cluster}_i)_{c - \text{lo}_i} & c \in \text{cluster } i
          \end{cases}

The layout (``shortlist``, the clusters' bounds ``lo_i``) follows from the
weights' shapes: ``shortlist = W_h.shape[0] - n_clusters`` and cluster ``i``
holds the next ``O_i.shape[0]`` classes -- exactly
``torch.nn.AdaptiveLogSoftmaxWithLoss``'s ``head`` and ``tail`` parameters
(``cutoffs = [shortlist, shortlist + n_0, ...]``).

Written once over a backend's primitive table ``xp``; every cluster is
scored for every row (no data-dependent shapes, so it runs under
``jax.jit`` and ``tf.function``), the rows of other clusters masked out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from backends import table_for

from . import _checks, _core
from ._xent import check_labels, poison

Array = Any
__all__ = ["adaptive_log_prob", "adaptive_softmax_loss"]


class _Net(NamedTuple):
    xp: Any
    h: Array
    head_w: Array
    head_b: Array | None
    tail: list  # [(P_i, O_i)]
    shortlist: int
    bounds: list  # [(lo_i, hi_i)]

    @property
    def n_classes(self) -> int:
        return self.bounds[-1][1] if self.bounds else self.shortlist


def _net(hidden: Any, head_weight: Any, tail: Any, head_bias: Any, target: Any = None) -> _Net:
    """The inputs on one backend, their shapes checked, the layout read off the weights."""
    if not isinstance(tail, Sequence) or not all(isinstance(t, Sequence) and len(t) == 2 for t in tail):
        _checks.fail("`tail` must be a sequence of (projection [d_i, D], output [n_i, d_i]) weight pairs "
                     f"(torch's AdaptiveLogSoftmaxWithLoss.tail[i][0].weight, [1].weight); got {tail!r}")
    flat = [w for pair in tail for w in pair]
    names = ("y_true", "hidden", "head_weight", "head_bias", *(f"tail[{i // 2}][{i % 2}]" for i in range(len(flat))))
    xp = table_for(target, hidden, head_weight, head_bias, *flat, names=names)
    h = xp.asarray(hidden)
    _checks.float_pred(xp, h, "hidden")
    if xp.ndim(h) != 2:
        _checks.fail(f"`hidden` must be [N, D] features; got shape {xp.shape(h)}")
    d = xp.shape(h)[1]
    arrays = [xp.asarray(w, like=h) for w in (head_weight, *flat)]
    for name, w in zip(names[2:3] + names[4:], arrays):
        if xp.ndim(w) != 2:
            _checks.fail(f"`{name}` must be a 2-D weight matrix; got shape {xp.shape(w)}")
    hw, flat = arrays[0], arrays[1:]
    pairs = [(flat[2 * i], flat[2 * i + 1]) for i in range(len(tail))]
    if xp.shape(hw)[1] != d or any(xp.shape(p)[1] != d for p, _ in pairs):
        _checks.fail(f"`head_weight` and each tail projection must be [*, D] with D = hidden.shape[1] = {d}; "
                     f"got {[xp.shape(hw)] + [xp.shape(p) for p, _ in pairs]}")
    if any(xp.shape(o)[1] != xp.shape(p)[0] for p, o in pairs):
        _checks.fail("each tail pair must chain: output.shape[1] == projection.shape[0]; got "
                     f"{[(xp.shape(p), xp.shape(o)) for p, o in pairs]}")
    shortlist = xp.shape(hw)[0] - len(pairs)
    if shortlist < 0:
        _checks.fail(f"`head_weight` needs one row per shortlist class and per cluster: at least "
                     f"{len(pairs)} rows; got {xp.shape(hw)[0]}")
    hb = None
    if head_bias is not None:
        hb = xp.asarray(head_bias, like=h)
        _checks.same_shape("head_bias", xp.shape(hb), "head_weight.shape[:1]", xp.shape(hw)[:1])
    bounds, lo = [], shortlist
    for _, o in pairs:
        bounds.append((lo, lo + xp.shape(o)[0]))
        lo += xp.shape(o)[0]
    return _Net(xp, h, hw, hb, pairs, shortlist, bounds)


def _cluster_scores(net: _Net, i: int) -> tuple:
    """``(h P_i^T, its scores (h P_i^T) O_i^T)``."""
    xp = net.xp
    p, o = net.tail[i]
    a = xp.linear(net.h, p)
    return a, xp.linear(a, o)


def adaptive_log_prob(hidden: Any, head_weight: Any, tail: Any, head_bias: Any = None) -> Array:
    r"""Log-probabilities of every class, ``[N, n_classes]`` (see :mod:`losses.adaptive`).

    Args:
      hidden: ``[N, D]`` features.
      head_weight: ``[shortlist + n_clusters, D]``; ``head_bias``: its ``[shortlist + n_clusters]`` bias or ``None``.
      tail: one ``(projection [d_i, D], output [n_i, d_i])`` weight pair per cluster.

    Native equivalent: ``torch.nn.AdaptiveLogSoftmaxWithLoss.log_prob(hidden)``.

    >>> import numpy as np
    >>> lp = adaptive_log_prob(np.zeros((1, 2)), np.zeros((3, 2)), [(np.zeros((1, 2)), np.zeros((2, 1)))])
    >>> np.exp(lp).round(4).tolist()  # head: 1/3 each; the cluster's 1/3 split in two
    [[0.3333, 0.3333, 0.1667, 0.1667]]
    """
    net = _net(hidden, head_weight, tail, head_bias)
    xp = net.xp
    head = xp.log_softmax(xp.linear(net.h, net.head_w, net.head_b), -1)
    parts = [head[:, :net.shortlist]]
    for i in range(len(net.tail)):
        lp = xp.log_softmax(_cluster_scores(net, i)[1], -1)
        parts.append(lp + head[:, net.shortlist + i:net.shortlist + i + 1])
    return xp.concat(parts, -1)


def _targets(net: _Net, y_true: Any) -> tuple:
    """``(labels, head index, [(in cluster i, index in it)], bad)``: labels
    checked in ``[0, n_classes)`` (eager: ``ValueError``; traced: ``bad``)."""
    xp = net.xp
    labels = xp.asarray(y_true, like=net.h)
    if xp.kind(labels) != "i":
        _checks.fail(f"`y_true` must hold integer class labels; got dtype {xp.dtype_name(labels)}")
    if xp.shape(labels) != xp.shape(net.h)[:1]:
        _checks.fail(f"`y_true` must hold one label per row of `hidden`: shape {xp.shape(net.h)[:1]}; "
                     f"got {xp.shape(labels)}")
    checked = check_labels(xp, labels, None, y_true, net.n_classes, None, net.h)
    t = checked.safe
    g, clusters = t, []
    for i, (lo, hi) in enumerate(net.bounds):
        inside = (t >= lo) & (t < hi)
        g = xp.where(inside, net.shortlist + i, g)
        clusters.append((inside, xp.where(inside, t - lo, 0 * t)))
    return g, clusters, checked.bad


def _nll(net: _Net, y_true: Any, grad: bool) -> tuple:
    """Per-row ``-log p(y)`` and, with ``grad``, the gradients of its sum with
    respect to the scores: ``(nll, bad, [(head scores, d head)] + per cluster)``."""
    xp = net.xp
    g, clusters, bad = _targets(net, y_true)
    head = xp.linear(net.h, net.head_w, net.head_b)
    lp = xp.log_softmax(head, -1)
    out = xp.squeeze(xp.take_along_axis(lp, xp.expand_dims(g, -1), -1), -1)
    terms = [(None, lp, g, None)]
    for i, (inside, rel) in enumerate(clusters):
        a, z = _cluster_scores(net, i)
        clp = xp.log_softmax(z, -1)
        pick = xp.squeeze(xp.take_along_axis(clp, xp.expand_dims(rel, -1), -1), -1)
        out = out + xp.where(inside, pick, xp.zeros_like(pick))
        terms.append((a, clp, rel, inside))
    return -out, bad, terms if grad else None


def _grads(net: _Net, terms: list, f: Array) -> tuple:
    """Closed-form gradients of ``sum(f * nll)``: ``(d hidden, d head_weight,
    d head_bias or None, [(d P_i, d O_i)])``. For a softmax block the score
    gradient is ``f (softmax - onehot)`` on the rows it serves."""
    xp = net.xp
    dh = dhw = dhb = None
    dtail = []
    for i, (a, lp, idx, inside) in enumerate(terms):
        c = xp.shape(lp)[-1]
        fr = f if inside is None else xp.where(inside, f, xp.zeros_like(f))
        gz = xp.expand_dims(fr, -1) * (xp.exp(lp) - xp.one_hot(idx, c, -1, xp.dtype_of(lp)))
        if i == 0:
            dhw = xp.matmul(gz, net.h, transpose_a=True)
            dhb = None if net.head_b is None else xp.sum(gz, 0)
            dh = xp.matmul(gz, net.head_w)
            continue
        p, o = net.tail[i - 1]
        da = xp.matmul(gz, o)
        dtail.append((xp.matmul(da, net.h, transpose_a=True), xp.matmul(gz, a, transpose_a=True)))
        dh = dh + xp.matmul(da, p)
    return dh, dhw, dhb, dtail


def _setup(y_true: Any, hidden: Any, head_weight: Any, tail: Any, head_bias: Any, reduction: str,
           sample_weight: Any, grad: bool) -> tuple:
    _checks.reduction(reduction)
    net = _net(hidden, head_weight, tail, head_bias, y_true)
    nll, bad, terms = _nll(net, y_true, grad)
    sw = None if sample_weight is None else _core._weights(net.xp, sample_weight, nll, net.h)
    value = _core.reduce(net.xp, poison(net.xp, nll, bad), None, sw, reduction)
    return net, nll, terms, sw, value


def adaptive_softmax_loss(y_true: Any, hidden: Any, head_weight: Any, tail: Any, head_bias: Any = None, *,
                          reduction: str = "mean", sample_weight: Any = None) -> Array:
    r"""Negative log-likelihood of the adaptive softmax, ``-log p(y)`` per row.

    .. math:: \ell_n = -\log p(y_n \mid h_n)\quad\text{(see :mod:`losses.adaptive`)}

    Args:
      y_true: ``[N]`` integer labels in ``[0, n_classes)``: out of range
        raises ``ValueError`` in eager mode and makes the row NaN under
        tracing.
      hidden: ``[N, D]`` features.
      head_weight: ``[shortlist + n_clusters, D]``.
      tail: one ``(projection [d_i, D], output [n_i, d_i])`` weight pair per
        cluster (torch ``Linear`` layout: ``[out, in]``).
      head_bias: ``[shortlist + n_clusters]`` or ``None``.
      reduction: ``"mean"`` (default), ``"sum"``, ``"none"`` or ``"sum_over_batch_size"``.
      sample_weight: per-row weights (``"mean"`` divides by their sum).

    Gradients: ``losses.value_and_grad(adaptive_softmax_loss, y, hidden,
    head_weight=W, tail=T, head_bias=b)`` gives ``(value, (d hidden, d
    head_weight, d head_bias or None, [(d P_i, d O_i)]))`` on every backend
    (the closed form); torch, TensorFlow and JAX also differentiate it with
    their own autodiff.

    Native equivalent: ``torch.nn.AdaptiveLogSoftmaxWithLoss(...)(hidden,
    y)`` = ``(-adaptive_softmax_loss(y, hidden, head.weight, tail,
    head.bias, reduction="none"), adaptive_softmax_loss(...))``; see
    ``backends.torch.AdaptiveLogSoftmaxWithLoss``.

    >>> import numpy as np
    >>> h, hw, tail = np.zeros((2, 2)), np.zeros((3, 2)), [(np.zeros((1, 2)), np.zeros((2, 1)))]
    >>> adaptive_softmax_loss(np.array([0, 3]), h, hw, tail, reduction="none").round(4).tolist()  # log 3, log 6
    [1.0986, 1.7918]
    """
    return _setup(y_true, hidden, head_weight, tail, head_bias, reduction, sample_weight, False)[-1]


def _value_and_grad(y_true: Any, hidden: Any, head_weight: Any = None, tail: Any = None, head_bias: Any = None,
                    *, reduction: str = "mean", sample_weight: Any = None) -> tuple:
    """``losses.value_and_grad(adaptive_softmax_loss, y, hidden, head_weight=W, tail=T, ...)``."""
    if head_weight is None or tail is None:
        _checks.fail("value_and_grad(adaptive_softmax_loss, y_true, hidden, head_weight=..., tail=...): "
                     "`head_weight` and `tail` are required")
    net, nll, terms, sw, value = _setup(y_true, hidden, head_weight, tail, head_bias, reduction,
                                        sample_weight, True)
    f = _core._grad_factor(net.xp, nll, None, sw, reduction)
    return value, _grads(net, terms, f)


_core.register_value_and_grad(adaptive_softmax_loss, _value_and_grad)
