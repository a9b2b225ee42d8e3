"""Contrastive family: batch-level similarity and ranking losses.

* :func:`circle` -- Keras' ``Circle`` (Sun et al., 2020): per-example loss of
  integer labels and embeddings, over every pair of the batch;
* :func:`ntxent` -- optax's ``ntxent`` (NT-Xent, SimCLR): per-anchor sum of the
  softmax losses of its positive pairs, the mean over positive pairs;
* :func:`ranking_softmax_loss` -- optax's ``ranking_softmax_loss``: a softmax
  cross-entropy of relevance labels over each list.

The first two are *batch* losses: each example's loss depends on every row of
``y_pred`` (its similarity to the others), so their closed-form NumPy gradient
is a vector-Jacobian product (``losses/_core.py``): ``g(f)`` takes the
per-example cotangent ``f`` (the reduction's weights) and returns
``d/d y_pred``. The ranking loss is per list (the last axis), like a
cross-entropy over classes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _checks
from ._declare import ARRAY, loss

Array = Any
INF = float("inf")


# --- input makers ------------------------------------------------------------------


def make_groups(rng: np.random.Generator, options: dict) -> tuple:
    """Integer group labels ``[N]`` (every group of two or more, plus one
    singleton: an example with no positive) and embeddings ``[N, D]``; for
    ``circle`` the embeddings are unit rows (what Keras asks for)."""
    opts = dict(options)
    unit = opts.pop("unit", False)
    n, d = int(rng.integers(7, 10)), int(rng.integers(2, 5))
    labels = np.concatenate([[0, 0, 1, 1, 2, 2], rng.integers(0, 3, n - 7), [7]])  # 7: the singleton
    rng.shuffle(labels)
    e = rng.normal(size=(n, d))
    if unit:
        e /= np.linalg.norm(e, axis=1, keepdims=True)
    if opts.get("ref_labels") is ARRAY:  # a reference set of its own (no diagonal)
        m = int(rng.integers(4, 7))
        opts["ref_labels"] = np.concatenate([[0, 1, 2], rng.integers(0, 4, m - 3)])
        r = rng.normal(size=(m, d))
        opts["ref_embeddings"] = r / np.linalg.norm(r, axis=1, keepdims=True)
    if opts.get("sample_weight") is ARRAY:
        opts["sample_weight"] = rng.uniform(0.1, 2.0, size=n)
    return labels, e, opts


def make_ranking(rng: np.random.Generator, options: dict) -> tuple:
    """Relevance labels in ``{0, 1, 2}`` and scores ``[B, L]`` (``[B, 2, L]``
    with ``rank3``); ``where`` keeps about 70% of each list and drops the whole
    first list; ``weights`` positive."""
    opts = dict(options)
    shape = (int(rng.integers(2, 5)),) + ((2,) if opts.pop("rank3", False) else ()) + (
        int(rng.integers(3, 6)),)
    scores = rng.normal(0.0, 2.0, size=shape)
    labels = rng.integers(0, 3, size=shape).astype(np.float64)
    if opts.get("where") is ARRAY:
        w = rng.uniform(size=shape) < 0.7
        w.reshape(-1, shape[-1])[:, 0] = True
        w.reshape(-1, shape[-1])[0] = False
        opts["where"] = w
    if opts.get("weights") is ARRAY:
        opts["weights"] = rng.uniform(0.5, 2.0, size=shape)
    if opts.get("sample_weight") is ARRAY:
        opts["sample_weight"] = rng.uniform(0.1, 2.0, size=shape[:-1])
    return labels, scores, opts


# --- shared pieces -------------------------------------------------------------------


def _group_labels(xp: Any, y_true: Any, y_pred: Array, name: str = "y_true") -> Array:
    """``y_true`` as a ``[N]`` label array (a ``[N, 1]`` column is flattened),
    ``N`` the rows of ``y_pred``; ``y_pred`` must be ``[N, D]`` floating."""
    if y_true is None:
        _checks.fail(f"`{name}` must be an array of [N] group labels; got None")
    labels = xp.asarray(y_true, like=y_pred)
    if xp.kind(labels) not in "fib":
        _checks.fail(f"`{name}` must hold integer group labels; got dtype {xp.dtype_name(labels)}")
    shape = xp.shape(labels)
    if len(shape) == 2 and shape[1] == 1:
        labels = xp.reshape(labels, (-1,))
        shape = xp.shape(labels)
    if len(shape) != 1:
        _checks.fail(f"`{name}` must be a [N] array of group labels; got shape {tuple(shape)}")
    return xp.cast(labels, xp.dtype_of(y_pred) if xp.kind(labels) == "f" else xp.int64)


def _equal(xp: Any, a: Array, b: Array) -> Array:
    """``a[:, None] == b[None, :]`` of two label vectors (an integer one is cast
    to the other's floating dtype when their kinds differ)."""
    if xp.kind(a) != xp.kind(b):
        a, b = (a, xp.cast(b, xp.dtype_of(a))) if xp.kind(a) == "f" else (xp.cast(a, xp.dtype_of(b)), b)
    return xp.expand_dims(a, 1) == xp.expand_dims(b, 0)


def _rows(xp: Any, y_pred: Array, name: str = "y_pred") -> None:
    if len(xp.shape(y_pred)) != 2:
        _checks.fail(f"`{name}` must be a [N, D] array of embeddings; got shape {tuple(xp.shape(y_pred))}")


def _same_n(a_name: str, a: tuple, b_name: str, b: tuple) -> None:
    """One label per embedding: the leading dimensions of ``a`` and ``b`` agree."""
    if a[0] is not None and b[0] is not None and a[0] != b[0]:
        _checks.fail(f"`{a_name}` and `{b_name}` must have the same leading dimension (one label per "
                     f"embedding); got {a_name} of shape {tuple(a)} and {b_name} of shape {tuple(b)}")


def _masked_lse(xp: Any, x: Array, mask: Array) -> tuple[Array, Array]:
    """``(log sum_{mask} exp(x), has)`` over the last axis: ``-inf`` (with a zero,
    finite gradient) for rows where ``mask`` is empty (``has`` false)."""
    has = xp.sum(xp.cast(mask, xp.dtype_of(x)), -1) > 0
    if xp.shape(x)[-1] == 0:  # nothing to sum over (an empty batch)
        return xp.sum(x, -1) - INF, has
    floor = xp.where(xp.expand_dims(has, -1), xp.full_like(x, -INF), xp.zeros_like(x))
    lse = xp.logsumexp(xp.where(mask, x, floor), -1)
    return xp.where(has, lse, xp.full_like(lse, -INF)), has


def _softmax_in(xp: Any, x: Array, mask: Array, lse: Array, has: Array) -> Array:
    """``exp(x - lse)`` on ``mask``, 0 elsewhere (the gradient of :func:`_masked_lse`)."""
    safe = xp.where(has, lse, xp.zeros_like(lse))
    return xp.where(mask, xp.exp(xp.minimum(x - xp.expand_dims(safe, -1), 0.0)), xp.zeros_like(x))


def _rowdot(xp: Any, a: Array, b: Array) -> Array:
    return xp.sum(a * b, -1, keepdims=True)


# --- circle loss (Keras) ---------------------------------------------------------------


def _circle_terms(xp: Any, d: Array, pos: Array, neg: Array, gamma: Any, margin: Any) -> tuple:
    """Keras' weighted pair terms of the cosine distances ``d``:
    ``a = -gamma relu(m + d) (m - d)`` on positives, ``b = gamma relu(1 + m - d)
    (1 - m - d)`` on negatives, and their derivatives in ``d``."""
    wp = xp.maximum(margin + d, 0.0)
    wn = xp.maximum(1.0 + margin - d, 0.0)
    a = -gamma * wp * (margin - d)
    b = gamma * wn * (1.0 - margin - d)
    da = xp.where(margin + d > 0.0, 2.0 * gamma * d, xp.zeros_like(d))
    db = xp.where(1.0 + margin - d > 0.0, 2.0 * gamma * (d - 1.0), xp.zeros_like(d))
    return a, b, da, db


@loss("contrastive",
      formula="softplus(lse_{j pos} -g relu(m+d_ij)(m-d_ij) + lse_{k neg} g relu(1+m-d_ik)(1-m-d_ik)), "
              "d = max(1 - y_pred y_pred^T, 0)",
      make=make_groups,
      cases=({"unit": True}, {"unit": True, "gamma": 4.0, "margin": 0.25, "sample_weight": ARRAY},
             {"unit": True, "gamma": 2.0, "remove_diagonal": False, "ref_labels": ARRAY,
              "reduction": "none"}),
      natives={"keras": "keras.losses.circle"},
      checks={"gamma": _checks.in_range(0.0), "margin": _checks.in_range(),
              "remove_diagonal": _checks.flag},
      arrays=("ref_embeddings",))
def circle(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, ref_labels: Any = None,
           ref_embeddings: Any = None, remove_diagonal: bool = True, gamma: float = 80.0,
           margin: float = 0.4) -> tuple:
    r"""Circle loss of integer labels and L2-normalised embeddings, per example
    (Sun et al., 2020), as ``keras.losses.circle``.

    .. math::
        d_{ij} &= \max(1 - e_i \cdot r_j, 0) \\
        \ell_i &= \operatorname{softplus}\Big(\log\sum_{j \in P_i} e^{-\gamma\,
                  [m + d_{ij}]_+ (m - d_{ij})} + \log\sum_{k \in N_i} e^{\gamma\,
                  [1 + m - d_{ik}]_+ (1 - m - d_{ik})}\Big)

    ``P_i``: the references with example ``i``'s label (less ``i`` itself with
    ``remove_diagonal``), ``N_i``: the others. The embeddings are used as
    given (Keras does not normalise them either: end the model with
    ``UnitNormalization``). An example with no positive or no negative has
    loss 0 and is not counted by ``reduction="mean"`` (Keras masks it, as a
    loss of 0).

    Args:
      y_true: ``[N]`` integer group labels (whole-number floats too).
      y_pred: ``[N, D]`` embeddings (unit rows).
      ref_labels: ``[M]`` labels of a reference set (default: ``y_true``).
      ref_embeddings: ``[M, D]`` reference embeddings (default: ``y_pred``,
        whose gradient then flows through both sides).
      remove_diagonal: leave the pair ``(i, i)`` out of ``P_i``.
      gamma: the scale, a finite number ``>= 0`` (Keras' 80).
      margin: the relaxation ``m`` (any finite number; Keras' 0.4).
      reduction: ``"mean"`` (over the examples with a positive and a
        negative, weighted by ``sample_weight``), ``"sum"``, ``"none"`` (``[N]``)
        or ``"sum_over_batch_size"``.
      sample_weight: ``[N]`` weights of the examples.

    Under ``axis_name`` (``jax.shard_map``) the pairs are those within each
    device's shard (all-gather the embeddings first for the whole batch's
    pairs); the reduction then sums across the devices.

    Native equivalent: ``keras.losses.circle(y_true, y_pred, ref_labels,
    ref_embeddings, remove_diagonal, gamma, margin)``; its ``Circle`` class
    masks zero losses out of its mean, which ``reduction="mean"`` is.

    >>> import numpy as np
    >>> e = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    >>> np.round(circle(np.array([0, 0, 1]), e, gamma=1.0, reduction="none"), 6).tolist()
    [1.850902, 1.089867, 0.0]
    """
    _rows(xp, y_pred)
    labels = _group_labels(xp, y_true, y_pred)
    _same_n("y_true", xp.shape(labels), "y_pred", xp.shape(y_pred))
    ref = y_pred if ref_embeddings is None else ref_embeddings
    if ref_embeddings is not None:
        _rows(xp, ref, "ref_embeddings")
    rlab = labels if ref_labels is None else _group_labels(xp, ref_labels, y_pred, "ref_labels")
    _same_n("ref_labels", xp.shape(rlab), "ref_embeddings", xp.shape(ref))
    s = xp.matmul(y_pred, ref, transpose_b=True)
    d = xp.maximum(1.0 - s, 0.0)
    same = _equal(xp, labels, rlab)
    neg = ~same
    pos = same & ~xp.eye_like(s) if remove_diagonal else same
    a, b, da, db = _circle_terms(xp, d, pos, neg, gamma, margin)
    lp, hp = _masked_lse(xp, a, pos)
    ln, hn = _masked_lse(xp, b, neg)
    z = lp + ln
    per = xp.softplus(z)
    counted = xp.cast(hp & hn, xp.dtype_of(per))
    if not grad:
        return per, counted, None, None

    def vjp(f: Array) -> Array:
        c = xp.expand_dims(f * xp.sigmoid(z), 1)
        gs = c * (_softmax_in(xp, a, pos, lp, hp) * da + _softmax_in(xp, b, neg, ln, hn) * db)
        gs = xp.where(1.0 - s > 0.0, -gs, xp.zeros_like(gs))  # d/d s through d = max(1 - s, 0)
        g = xp.matmul(gs, ref)
        return g + xp.matmul(gs, y_pred, transpose_a=True) if ref_embeddings is None else g

    return per, counted, vjp, None


# --- NT-Xent (optax) -----------------------------------------------------------------------


def _unit_rows(xp: Any, e: Array) -> tuple[Array, Array, Array]:
    """optax's ``cosine_similarity`` normalisation: ``u = e / sqrt(max(|e|^2, eps))``
    with ``eps`` the machine epsilon of ``e``'s dtype; ``(u, norm, clipped)``."""
    eps = 2.0 ** -52 if xp.dtype_name(e) == "float64" else 2.0 ** -23
    n2 = xp.sum(e * e, -1, keepdims=True)
    nrm = xp.sqrt(xp.maximum(n2, eps))
    return e / nrm, nrm, n2 > eps


@loss("contrastive",
      formula="sum_{j pos(i)} softplus(lse_{k neg(i)} s_ik - s_ij) / #pos, s = cos(y_pred_i, y_pred_j) / T",
      make=make_groups,
      cases=({}, {"temperature": 0.5, "sample_weight": ARRAY}, {"temperature": 1.0, "reduction": "none"}),
      natives={"optax": "optax.losses.ntxent"},
      checks={"temperature": _checks.POSITIVE},
      traced=("temperature",))
def ntxent(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, temperature: Any = 0.07) -> tuple:
    r"""Normalized temperature-scaled cross-entropy (NT-Xent, SimCLR), per anchor.

    .. math::
        s_{ij} = \cos(e_i, e_j) / T, \qquad
        \ell_i = \sum_{j \in P_i} -\log \frac{e^{s_{ij}}}{e^{s_{ij}} + \sum_{k \in N_i} e^{s_{ik}}}

    ``P_i``: the other examples with ``i``'s label; ``N_i``: those with
    another label. ``reduction="mean"`` divides by the number of positive
    pairs, ``sum_i |P_i|`` (optax's mean: NaN when there is none).

    Args:
      y_true: ``[N]`` labels: examples with equal labels are positive pairs.
      y_pred: ``[N, D]`` embeddings (any norm: the cosine normalises them;
        a zero row has cosine 0, as optax's ``epsilon`` gives it).
      temperature: ``T > 0`` (an array or traced value too).
      reduction: ``"mean"`` (over positive pairs, weighted by the anchor's
        ``sample_weight``), ``"sum"``, ``"none"`` (``[N]``: each anchor's sum)
        or ``"sum_over_batch_size"``.
      sample_weight: ``[N]`` weights of the anchors.

    Under ``axis_name`` (``jax.shard_map``) the pairs are those within each
    device's shard (all-gather the embeddings first for the whole batch's
    pairs); the reduction then sums across the devices.

    Native equivalent: ``optax.losses.ntxent(embeddings, labels, temperature)``
    (= ours with ``reduction="mean"``).

    >>> import numpy as np
    >>> e = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> round(float(ntxent(np.array([0, 0, 1]), e, temperature=1.0)), 6)  # log(1 + e^-1)
    0.313262
    """
    _rows(xp, y_pred)
    labels = _group_labels(xp, y_true, y_pred)
    _same_n("y_true", xp.shape(labels), "y_pred", xp.shape(y_pred))
    u, nrm, inside = _unit_rows(xp, y_pred)
    s = xp.matmul(u, u, transpose_b=True) / temperature
    same = _equal(xp, labels, labels)
    pos, neg = same & ~xp.eye_like(s), ~same
    ln, hn = _masked_lse(xp, s, neg)
    t = xp.expand_dims(ln, 1) - s  # softplus(t) = -log(e^s / (e^s + sum_neg e^s))
    zero = xp.zeros_like(s)
    pair = xp.where(pos, xp.softplus(xp.where(pos, t, zero)), zero)
    per = xp.sum(pair, -1)
    count = xp.sum(xp.cast(pos, xp.dtype_of(per)), -1)
    if not grad:
        return per, count, None, None

    def vjp(f: Array) -> Array:
        sig = xp.where(pos, xp.sigmoid(t), zero) * xp.expand_dims(f, 1)
        gs = _softmax_in(xp, s, neg, ln, hn) * xp.sum(sig, -1, keepdims=True) - sig
        gu = (xp.matmul(gs, u) + xp.matmul(gs, u, transpose_a=True)) / temperature
        radial = xp.where(inside, u * _rowdot(xp, u, gu), xp.zeros_like(u))
        return (gu - radial) / nrm

    return per, count, vjp, None


# --- ranking softmax loss (optax) --------------------------------------------------------


def _same(xp: Any, name: str, v: Any, y_pred: Array) -> Array:
    _checks.broadcastable(name, xp.shape(v), "`y_pred`", xp.shape(y_pred))
    return xp.zeros_like(y_pred) + v


@loss("contrastive",
      formula="-sum_i y_i w_i log softmax(s)_i over each list's valid items",
      make=make_ranking,
      cases=({}, {"where": ARRAY, "weights": ARRAY, "sample_weight": ARRAY},
             {"rank3": True, "where": ARRAY, "reduction": "none"}),
      natives={"optax": "optax.losses.ranking_softmax_loss"},
      arrays=("where", "weights"))
def ranking_softmax_loss(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, where: Any = None,
                         weights: Any = None) -> tuple:
    r"""Ranking softmax loss of each list (the last axis), optax's.

    .. math:: \ell = -\sum_i w_i\,y_i \log \frac{e^{s_i}}{\sum_{j\ \mathrm{valid}} e^{s_j}},
              \qquad \partial\ell/\partial s_i = -w_i y_i + \mathrm{softmax}(s)_i \sum_j w_j y_j

    over the valid items (``where``); the labels are not normalised.

    Args:
      y_true: relevance labels, ``y_pred``'s shape (cast to its dtype).
      y_pred: scores ``[..., list_size]``.
      where: which items are valid (nonzero), broadcastable to ``y_pred``;
        a list with no valid item has loss 0 and is not counted by ``"mean"``.
      weights: per-item weights, broadcastable to ``y_pred``.
      reduction: ``"mean"`` (over the lists with a valid item, weighted by
        ``sample_weight``), ``"sum"``, ``"none"`` (``y_pred``'s shape less the
        last axis) or ``"sum_over_batch_size"``.
      sample_weight: weights of the lists.

    Native equivalent: ``optax.losses.ranking_softmax_loss(logits, labels,
    where=where, weights=weights, reduce_fn=jnp.mean)`` (``jnp.sum``:
    ``reduction="sum"``; ``None``: ``"none"``); optax's mean over no valid list
    is 0, ours NaN (``backends.jax.ranking_softmax_loss`` gives optax's).

    >>> import numpy as np
    >>> round(float(ranking_softmax_loss(np.array([1., 0., 0.]), np.array([2., 1., 3.]))), 3)
    1.408
    """
    if len(xp.shape(y_pred)) < 1:
        _checks.fail("`y_pred` must have a list axis (the last); got a scalar")
    y = xp.asarray(y_true, like=y_pred)
    if xp.kind(y) not in "fib":
        _checks.fail(f"`y_true` must be a real array of relevance labels; got dtype {xp.dtype_name(y)}")
    _checks.same_shape("y_true", xp.shape(y), "y_pred", xp.shape(y_pred))
    y = xp.cast(y, xp.dtype_of(y_pred))
    if weights is not None:
        y = y * _same(xp, "weights", weights, y_pred)
    if where is None:
        lsm = xp.log_softmax(y_pred, -1)
        per = -xp.sum(y * lsm, -1)
        g = (xp.exp(lsm) * xp.sum(y, -1, keepdims=True) - y) if grad else None
        return per, None, g, len(xp.shape(y_pred)) - 1
    m = _same(xp, "where", where, y_pred) != 0
    zero = xp.zeros_like(y_pred)
    y = xp.where(m, y, zero)
    lse, has = _masked_lse(xp, y_pred, m)
    safe = xp.where(has, lse, xp.zeros_like(lse))
    per = -xp.sum(xp.where(m, y * (y_pred - xp.expand_dims(safe, -1)), zero), -1)
    g = None
    if grad:
        g = _softmax_in(xp, y_pred, m, lse, has) * xp.sum(y, -1, keepdims=True) - y
    return per, xp.cast(has, xp.dtype_of(per)), g, len(xp.shape(y_pred)) - 1
