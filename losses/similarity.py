"""Similarity family: pairwise metric-learning losses -- cosine similarity and
distance, the cosine embedding loss and the triplet margin loss.

Each reduces a feature axis: ``reduction="none"`` returns one loss per pair
(``y_pred``'s shape without the feature axis), as Keras' ``cosine_similarity``,
optax's ``cosine_*``/``triplet_margin_loss`` and torch's
``CosineEmbeddingLoss``/``TripletMarginLoss`` do.

The losses of more than two arrays take the others as extra positional inputs
(``cosine_embedding(x1, x2, target)``, ``triplet_margin(anchor, positive,
negative)``); the closed-form gradient (NumPy) is the one with respect to the
second (``x2``, ``positive``); torch, TensorFlow and JAX differentiate every
input with their own autodiff.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _checks
from ._declare import ARRAY, loss

Array = Any
INF = float("inf")

# --- shared pieces -----------------------------------------------------------


def _host(x: Any) -> Any:
    """Python numbers and lists as NumPy arrays (see ``regression._host``)."""
    return np.asarray(x) if isinstance(x, (int, float, list, tuple)) else x


def _same(xp: Any, x: Any, like: Array, name: str, like_name: str) -> Array:
    """``x`` as a real array of ``like``'s dtype and shape."""
    if x is None:
        _checks.fail(f"`{name}` is required (an array of {like_name}'s shape)")
    a = xp.asarray(_host(x), like=like)
    if xp.kind(a) not in "fib":
        _checks.fail(f"`{name}` must be a real array; got dtype {xp.dtype_name(a)}")
    _checks.same_shape(name, xp.shape(a), like_name, xp.shape(like))
    return xp.cast(a, xp.dtype_of(like))


def _feature_axis(xp: Any, axis: Any, x: Array, of: str = "y_pred") -> int:
    return _checks.axis(axis, xp.ndim(x), of=of)


def _unit(xp: Any, x: Array, ax: int, epsilon: Any) -> tuple:
    """``(x / max(||x||, epsilon), ||x|| > epsilon, max(||x||, epsilon))`` along ``ax``,
    without overflow: ``x`` is first divided by ``s = max |x|`` (a constant to
    autodiff: ``x / max(||x||, eps) == (x/s) / max(||x/s||, eps/s)`` for every ``s > 0``),
    so vectors beyond ``sqrt(max float)`` keep their direction (the natives' sum of
    squares overflows to ``inf`` there and scores them 0)."""
    s = xp.stop_gradient(xp.max(xp.abs(x), ax, keepdims=True))
    s = xp.where(s > 0.0, s, xp.ones_like(s))  # a zero vector (or NaN: it stays NaN)
    xs = x / s
    ss = xp.sum(xs * xs, ax, keepdims=True)
    e = epsilon / s
    n = xp.sqrt(xp.maximum(ss, e * e))
    return xs / n, ss > e * e, n * s


def _cosine(xp: Any, y_true: Any, y_pred: Array, grad: bool, axis: int, epsilon: Any,
            where: Any) -> tuple:
    """``(cos, d cos / d y_pred or None, axis)`` with each vector divided by
    ``max(||x||, epsilon)`` along ``axis`` (elements where ``where`` is false
    left out)."""
    y = _same(xp, y_true, y_pred, "y_true", "y_pred")
    ax = _feature_axis(xp, axis, y_pred)
    p = y_pred
    if where is not None:
        _checks.broadcastable("where", xp.shape(where), "y_pred", xp.shape(y_pred))
        keep = where != 0
        y, p = xp.where(keep, y, xp.zeros_like(y)), xp.where(keep, p, xp.zeros_like(p))
    u_y = _unit(xp, y, ax, epsilon)[0]
    u_p, big, n_p = _unit(xp, p, ax, epsilon)
    cos = xp.sum(u_y * u_p, ax)
    g = None
    if grad:  # d cos/d p = (u_y - cos u_p [||p|| > eps]) / max(||p||, eps)
        g = (u_y - xp.expand_dims(cos, ax) * u_p * xp.cast(big, xp.dtype_of(p))) / n_p
        if where is not None:
            g = xp.where(keep, g, xp.zeros_like(g))
    return cos, g, ax


def make_pairs(rng: np.random.Generator, options: dict) -> tuple:
    """Two arrays of vectors along ``axis`` (3-D when ``axis`` is not -1), a
    ``where`` mask for ``where=ARRAY`` (each vector keeps >= 2 entries)."""
    opts = dict(options)
    n, d = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    ax = opts.get("axis", -1)
    shape = (n, d) if ax == -1 else tuple(np.insert(np.array([n, 3]), ax, d).tolist())
    y_true = rng.normal(0.0, 1.0, size=shape)
    y_pred = 0.5 * y_true + rng.normal(0.0, 1.0, size=shape)
    if opts.get("where") is ARRAY:
        m = rng.uniform(size=shape) < 0.7
        first = np.moveaxis(m, ax, -1)
        first[..., :2] = True
        opts["where"] = m
    per = tuple(np.delete(np.array(shape), ax).tolist())
    if opts.get("sample_weight") is ARRAY:
        opts["sample_weight"] = rng.uniform(0.1, 2.0, size=per[:1])
    return y_true, y_pred, opts


def make_embedding_pairs(rng: np.random.Generator, options: dict) -> tuple:
    """``x1``, ``x2`` ``[N, D]`` and, for ``target=ARRAY``, ``+-1`` targets ``[N]``."""
    x1, x2, opts = make_pairs(rng, options)
    if opts.get("target") is ARRAY:
        t = np.where(rng.uniform(size=x1.shape[:1]) < 0.5, 1.0, -1.0)
        t[0], t[-1] = 1.0, -1.0
        opts["target"] = t
    return x1, x2, opts


def make_triplets(rng: np.random.Generator, options: dict) -> tuple:
    """Anchors, positives near them and, for ``negative=ARRAY``, negatives, ``[N, D]``:
    about half the triplets inside the margin (a non-zero loss)."""
    opts = dict(options)
    n, d = int(rng.integers(3, 7)), int(rng.integers(2, 6))
    a = rng.normal(0.0, 1.0, size=(n, d))
    pos = a + rng.normal(0.0, 0.6, size=(n, d))
    if opts.get("negative") is ARRAY:
        opts["negative"] = a + rng.normal(0.0, 0.9, size=(n, d))
    if opts.get("sample_weight") is ARRAY:
        opts["sample_weight"] = rng.uniform(0.1, 2.0, size=(n,))
    return a, pos, opts


_REAL = _checks.in_range()
_EPSILON = _checks.in_range(0.0, INF, hi_open=True)


# --- cosine similarity and distance -------------------------------------------


@loss("similarity",
      formula="-sum(y / max(|y|, eps) * p / max(|p|, eps))  over axis",
      make=make_pairs,
      cases=({}, {"axis": 1, "epsilon": 0.5, "reduction": "none"}, {"where": ARRAY, "sample_weight": ARRAY}),
      natives={"keras": "keras.losses.cosine_similarity", "optax": "-optax.losses.cosine_similarity"},
      checks={"epsilon": _EPSILON}, arrays=("where",), traced=("epsilon",))
def cosine_similarity(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, axis: int = -1,
                      epsilon: float = 1e-7, where: Any = None) -> tuple:
    r"""Negative cosine similarity along ``axis``: a loss, -1 for parallel vectors.

    .. math:: \ell = -\sum_i \frac{y_i}{\max(\|y\|, \epsilon)} \frac{\hat y_i}{\max(\|\hat y\|, \epsilon)},
              \qquad \partial\ell/\partial\hat y = -\frac{\hat u_y - \cos\cdot \hat u_p\,[\|\hat y\| > \epsilon]}{\max(\|\hat y\|, \epsilon)}

    A zero vector scores 0 (with ``epsilon > 0``), with a finite gradient; a
    vector whose sum of squares overflows keeps its direction (each vector is
    scaled by its largest entry first; the natives score it 0).

    Args:
      y_true: target vectors, ``y_pred``'s shape.
      y_pred: predicted vectors (floating point).
      axis: the feature axis, summed over.
      epsilon: the floor of each norm, a number >= 0 (Keras:
        ``backend.epsilon()`` = 1e-7); ``0`` gives NaN for a zero vector, as
        optax's default does. An array or a traced value is accepted too.
      where: optional mask broadcast against ``y_pred``: elements where it is
        false are left out of both norms and the sum (optax's ``where``).
      reduction, sample_weight: as :func:`losses.mean_squared_error`; the loss
        has ``y_pred``'s shape without ``axis``.

    Native equivalents: ``keras.losses.cosine_similarity(y_true, y_pred,
    axis)`` (``x * min(rsqrt(sum x^2), 1/eps)``: equal); ``-optax.losses.
    cosine_similarity(y_pred, y_true, epsilon=eps**2, axis, where)`` (optax
    floors the squared norm).

    >>> import numpy as np
    >>> cosine_similarity(np.array([[0., 1.], [1., 1.]]), np.array([[1., 0.], [2., 2.]]),
    ...                   reduction="none").round(6).tolist()
    [-0.0, -1.0]
    """
    cos, g, ax = _cosine(xp, y_true, y_pred, grad, axis, epsilon, where)
    return -cos, None, (-g if grad else None), ax


@loss("similarity",
      formula="1 - sum(y / max(|y|, eps) * p / max(|p|, eps))  over axis",
      make=make_pairs,
      cases=({"epsilon": 0.0}, {"where": ARRAY, "reduction": "none"}),
      natives={"optax": "optax.losses.cosine_distance"},
      checks={"epsilon": _EPSILON}, arrays=("where",), traced=("epsilon",))
def cosine_distance(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, axis: int = -1,
                    epsilon: float = 1e-7, where: Any = None) -> tuple:
    r"""Cosine distance along ``axis``: ``1 - cos``, in ``[0, 2]``.

    .. math:: \ell = 1 - \cos(y, \hat y), \qquad \cos = \sum_i
              \frac{y_i}{\max(\|y\|, \epsilon)} \frac{\hat y_i}{\max(\|\hat y\|, \epsilon)}

    ``cosine_distance = 1 + cosine_similarity``; arguments as
    :func:`cosine_similarity`.

    Native equivalent: ``optax.losses.cosine_distance(y_pred, y_true,
    epsilon=eps**2, axis, where)`` (optax floors the squared norm; its
    default ``epsilon=0`` is ours ``epsilon=0``).

    >>> import numpy as np
    >>> cosine_distance(np.array([[0., 1.], [1., 1.]]), np.array([[1., 0.], [-2., -2.]]),
    ...                 reduction="none").round(6).tolist()
    [1.0, 2.0]
    """
    cos, g, ax = _cosine(xp, y_true, y_pred, grad, axis, epsilon, where)
    return 1.0 - cos, None, (-g if grad else None), ax


# --- cosine embedding (torch) ------------------------------------------------------

#: torch's ``EPSILON`` of ``cosine_embedding_loss`` (aten/src/ATen/native/Loss.cpp)
_EMBED_EPS = 1e-12


def _embedding_target(xp: Any, target: Any, like: Array, per: tuple) -> Array:
    if target is None:
        _checks.fail("`target` is required: 1 (similar) or -1 (dissimilar) per pair")
    t = xp.asarray(_host(target), like=like)
    if xp.kind(t) not in "fib":
        _checks.fail(f"`target` must be a real array of 1 and -1; got dtype {xp.dtype_name(t)}")
    _checks.same_shape("target", xp.shape(t), "x2 without its last dimension", per)
    return xp.cast(t, xp.dtype_of(like))


@loss("similarity",
      formula="1 - cos(x1, x2) if target = 1;  max(0, cos(x1, x2) - margin) if target = -1",
      make=make_embedding_pairs,
      cases=({"target": ARRAY}, {"target": ARRAY, "margin": 0.2, "reduction": "none"},
             {"target": ARRAY, "margin": -0.3, "sample_weight": ARRAY, "reduction": "sum"}),
      natives={"torch": "F.cosine_embedding_loss"},
      checks={"margin": _REAL}, arrays=("target",), traced=("margin",), inputs=("x1", "x2", "target"))
def cosine_embedding(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, target: Any,
                     margin: float = 0.0) -> tuple:
    r"""Cosine embedding loss of pairs of vectors (last axis), torch's ``CosineEmbeddingLoss``.

    .. math:: \ell = \begin{cases} 1 - \cos(x_1, x_2) & t = 1 \\
              \max(0, \cos(x_1, x_2) - \text{margin}) & t = -1 \\ 0 & \text{otherwise}\end{cases},
              \qquad \cos = \frac{x_1\cdot x_2}{\sqrt{(\|x_1\|^2 + 10^{-12})(\|x_2\|^2 + 10^{-12})}}

    Args:
      x1, x2: vectors along the last axis, same shape (``[N, D]`` or ``[D]``).
      target: ``1`` (similar) or ``-1`` (dissimilar) per pair, ``x2``'s shape
        without its last axis; any other value scores 0, as in torch.
      margin: a real number (torch suggests ``[-1, 1]``, ``0`` to ``0.5``).
      reduction, sample_weight: as :func:`losses.mean_squared_error`; the
        loss has ``x2``'s shape without its last axis.

    The closed-form gradient (NumPy) is with respect to ``x2``; at
    ``cos == margin`` of a ``-1`` pair it passes, as torch's ``clamp_min``.

    Native equivalent: ``torch.nn.functional.cosine_embedding_loss(x1, x2,
    target, margin)`` (Keras and optax have none).

    >>> import numpy as np
    >>> cosine_embedding(np.array([[1., 0.], [1., 0.]]), np.array([[1., 1.], [1., 1.]]),
    ...                  np.array([1., -1.]), reduction="none").round(6).tolist()
    [0.292893, 0.707107]
    """
    x1 = _same(xp, y_true, y_pred, "x1", "x2")
    x2 = y_pred
    _feature_axis(xp, -1, x2, of="x2")
    t = _embedding_target(xp, target, x2, xp.shape(x2)[:-1])
    b = xp.sum(x2 * x2, -1) + _EMBED_EPS
    den = xp.sqrt((xp.sum(x1 * x1, -1) + _EMBED_EPS) * b)
    cos = xp.sum(x1 * x2, -1) / den
    pos, neg = t == 1.0, t == -1.0
    zero = xp.zeros_like(cos)
    hinge = cos - margin
    loss = xp.where(pos, 1.0 - cos, zero) + xp.where(neg, xp.maximum(hinge, 0.0), zero)
    g = None
    if grad:
        dcos = x1 / xp.expand_dims(den, -1) - xp.expand_dims(cos / b, -1) * x2
        w = xp.where(pos, -xp.ones_like(cos), xp.where(neg & (hinge >= 0.0), xp.ones_like(cos), zero))
        g = xp.expand_dims(w, -1) * dcos
    return loss, None, g, -1 % xp.ndim(x2)


# --- triplet margin -------------------------------------------------------------


def _norm_p(xp: Any, d: Array, p: float, grad: bool) -> tuple:
    """``(||d||_p along the last axis, d ||d||_p / d d or None)``; both 0 at ``d = 0``
    (torch's ``norm`` backward). For ``p > 1`` each vector is first divided by its
    largest finite ``|entry|`` ``m`` (a constant to autodiff: ``||d||_p = m ||d/m||_p``
    for every ``m > 0``), so no power overflows for finite inputs (torch's does: NaN
    past ``|d| ~ 1.8e19`` in float32)."""
    m = None
    if p != 1.0:
        m = xp.stop_gradient(xp.max(xp.abs(d), -1, keepdims=True))
        m = xp.where((m > 0.0) & xp.isfinite(m), m, xp.ones_like(m))  # inf: unscaled, stays inf
        d = d / m
    if p == 2.0:
        s = xp.sum(d * d, -1)
    elif p == 1.0:
        s = xp.sum(xp.abs(d), -1)
    else:
        s = xp.sum(xp.power(xp.abs(d), p), -1)
    nz = s != 0.0  # NaN stays NaN
    safe = xp.where(nz, s, xp.ones_like(s))
    r = xp.sqrt(safe) if p == 2.0 else safe if p == 1.0 else xp.power(safe, 1.0 / p)
    n = xp.where(nz, r, xp.zeros_like(s))
    if m is not None:
        n = n * xp.squeeze(m, -1)
    if not grad:
        return n, None
    if p == 1.0:
        return n, xp.sign(d)
    inv = xp.expand_dims(xp.where(nz, 1.0 / xp.power(r, p - 1.0) if p != 2.0 else 1.0 / r,
                                  xp.zeros_like(s)), -1)
    gd = d if p == 2.0 else xp.sign(d) * xp.power(xp.abs(d), p - 1.0)
    return n, gd * inv


def _dist(xp: Any, a: Array, b: Array, p: float, eps: Any, eps_at: str, grad: bool) -> tuple:
    """``(distance of each pair, its gradient with respect to a or None)`` (with
    respect to ``b`` it is the negative). ``"difference"``: torch's
    ``pairwise_distance`` ``||a - b + eps||_p``; ``"sum"``: optax's
    ``(sum (a - b)^p + eps)^(1/p)`` (no absolute value)."""
    if eps_at == "difference":
        return _norm_p(xp, a - b + eps, p, grad)
    d = a - b
    s = xp.sum(d * d if p == 2.0 else xp.power(d, p), -1) + eps
    n = xp.sqrt(s) if p == 2.0 else xp.power(s, 1.0 / p)
    if not grad:
        return n, None
    dd = d if p == 2.0 else xp.power(d, p - 1.0)
    return n, dd * xp.expand_dims(xp.power(s, 1.0 / p - 1.0), -1)


def _distance_function(name: str, value: Any) -> Any:
    if value is not None and not callable(value):
        _checks.fail(f"`{name}` must be None (the p-norm distance) or a callable "
                     f"(x1, x2) -> distances; got {value!r}")
    return value


@loss("similarity",
      formula="max(0, margin + d(a, p) - d(a, n));  d = ||a - b + eps||_p  |  (sum (a - b)^p + eps)^(1/p)",
      make=make_triplets,
      cases=({"negative": ARRAY},
             {"negative": ARRAY, "p": 1.0, "swap": True, "margin": 0.5, "reduction": "none"},
             {"negative": ARRAY, "p": 4.0, "eps_at": "sum", "margin": 2.0, "sample_weight": ARRAY}),
      natives={"torch": "F.triplet_margin_loss", "optax": "optax.losses.triplet_margin_loss"},
      checks={"margin": _REAL, "p": _checks.POSITIVE, "eps": _EPSILON, "swap": _checks.flag,
              "eps_at": _checks.one_of("difference", "sum"), "distance_function": _distance_function},
      arrays=("negative",), traced=("margin", "eps"), inputs=("anchor", "positive", "negative"))
def triplet_margin(xp: Any, y_true: Any, y_pred: Array, grad: bool, *, negative: Any,
                   margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                   eps_at: str = "difference", distance_function: Any = None) -> tuple:
    r"""Triplet margin loss of anchors, positives and negatives (vectors along the last axis).

    .. math:: \ell = \max\big(0,\ \text{margin} + d(a, p) - d'(a, n)\big),\qquad
              d'(a, n) = \min(d(a, n), d(p, n)) \text{ with swap, else } d(a, n)

    with ``d(a, b) = ||a - b + eps||_p`` (``eps_at="difference"``, torch's
    ``pairwise_distance``) or ``(sum_i (a_i - b_i)^p + eps)^{1/p}``
    (``eps_at="sum"``, optax's; no absolute value, as optax), or
    ``distance_function(a, b)`` when one is given (a callable of the inputs'
    framework, torch's ``TripletMarginWithDistanceLoss``; not on NumPy with
    a gradient: no closed form).

    Args:
      anchor, positive, negative: ``[N, D]`` (or ``[D]``) arrays of one shape.
      margin: a real number (torch requires > 0, optax takes any).
      p: the norm degree, > 0.
      eps: >= 0, see ``eps_at``.
      swap: use the distance swap (Balntas et al., 2016).
      eps_at: ``"difference"`` (torch) or ``"sum"`` (optax).
      distance_function: ``None`` or a callable ``(x1, x2) -> distances``.
      reduction, sample_weight: as :func:`losses.mean_squared_error`; the
        loss has ``positive``'s shape without its last axis.

    The closed-form gradient (NumPy) is with respect to ``positive``; it
    passes at ``margin + d(a, p) - d'(a, n) == 0``, as torch's ``clamp_min``.

    Native equivalents: ``torch.nn.functional.triplet_margin_loss(anchor,
    positive, negative, margin, p, eps, swap)``;
    ``optax.losses.triplet_margin_loss(anchor, positive, negative,
    norm_degree=p, margin, eps)`` with ``eps_at="sum"``;
    ``torch.nn.functional.triplet_margin_with_distance_loss``.

    >>> import numpy as np
    >>> a, pos, neg = np.zeros((1, 2)), np.array([[3., 4.]]), np.array([[0., 1.]])
    >>> float(triplet_margin(a, pos, neg, eps=0.0))  # 1 + 5 - 1
    5.0
    """
    a = _same(xp, y_true, y_pred, "anchor", "positive")
    n = _same(xp, negative, y_pred, "negative", "positive")
    _feature_axis(xp, -1, y_pred, of="positive")
    if distance_function is not None:
        if grad:
            _checks.fail("`distance_function` has no closed-form gradient: differentiate it "
                         "with torch, TensorFlow or JAX arrays")
        dp, dn = distance_function(a, y_pred), distance_function(a, n)
        if swap:
            dn = xp.minimum(dn, distance_function(y_pred, n))
        return xp.maximum(margin + dp - dn, 0.0), None, None, -1 % xp.ndim(y_pred)
    dp, gp = _dist(xp, a, y_pred, p, eps, eps_at, grad)  # d/d positive = -gp
    dn = _dist(xp, a, n, p, eps, eps_at, False)[0]
    gs = None
    if swap:  # torch: d(positive, negative), not symmetric with eps
        ds, gs = _dist(xp, y_pred, n, p, eps, eps_at, grad)
        use_swap = ds < dn
        dn = xp.where(use_swap, ds, dn)
    h = margin + dp - dn
    loss = xp.maximum(h, 0.0)
    g = None
    if grad:
        on = xp.expand_dims(xp.cast(h >= 0.0, xp.dtype_of(y_pred)), -1)
        g = -gp
        if swap:
            g = g - xp.where(xp.expand_dims(use_swap, -1), gs, xp.zeros_like(gs))
        g = on * g
    return loss, None, g, -1 % xp.ndim(y_pred)
