"""The similarity family (``losses/similarity.py``) and its adapter names.

* the neutral functions against independent float64 references (formulas
  written here, float64 central differences), on every backend, with gradients
  with respect to *every* input (each framework's autodiff) and the NumPy
  closed form with respect to ``y_pred``;
* ``backends.torch``'s ``CosineEmbeddingLoss``, ``TripletMarginLoss`` and
  ``TripletMarginWithDistanceLoss`` against ``torch.nn`` on every option,
  legacy arguments, shapes, float32 and float64, values and gradients w.r.t.
  every input; the cases of torch's ``test_nn.py`` for
  ``TripletMarginWithDistanceLoss`` (which has no module_db/common_nn case);
* ``backends.jax``'s traced options; ``backends.keras``' ``CosineSimilarity``
  at a zero vector (each documented difference).

Native conformance over the option grids also runs in ``tests/test_*_catalog.py``
and the peer suites (``tests/test_*_peer.py``).
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import losses
from tests._fw import FRAMEWORKS

RNG = np.random.default_rng(2026)


# --- independent float64 references ---------------------------------------------------


def ref_cosine(y, p, axis=-1, eps=1e-7, where=None):
    if where is not None:
        y, p = np.where(where, y, 0.0), np.where(where, p, 0.0)
    ny = np.maximum(np.linalg.norm(y, axis=axis, keepdims=True), eps)
    npp = np.maximum(np.linalg.norm(p, axis=axis, keepdims=True), eps)
    return np.sum((y / ny) * (p / npp), axis=axis)


def ref_embedding(x1, x2, t, margin=0.0):
    cos = (x1 * x2).sum(-1) / np.sqrt(((x1 * x1).sum(-1) + 1e-12) * ((x2 * x2).sum(-1) + 1e-12))
    return np.where(t == 1, 1.0 - cos, 0.0) + np.where(t == -1, np.maximum(cos - margin, 0.0), 0.0)


def ref_triplet(a, p, n, margin=1.0, deg=2.0, eps=1e-6, swap=False, eps_at="difference"):
    if eps_at == "difference":
        def d(x, y):
            return (np.abs(x - y + eps) ** deg).sum(-1) ** (1.0 / deg)
    else:
        def d(x, y):
            return (((x - y) ** deg).sum(-1) + eps) ** (1.0 / deg)
    dn = np.minimum(d(a, n), d(p, n)) if swap else d(a, n)
    return np.maximum(margin + d(a, p) - dn, 0.0)


def central(f, arrays, i, h=1e-6):
    """d sum(f(*arrays)) / d arrays[i], float64 central differences."""
    x = arrays[i]
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        hi = [a + e if j == i else a for j, a in enumerate(arrays)]
        lo = [a - e if j == i else a for j, a in enumerate(arrays)]
        g[idx] = (np.sum(f(*hi)) - np.sum(f(*lo))) / (2 * h)
    return g


# --- the neutral functions: values against the formulas, every backend -------------------

#: name -> (inputs maker, options, our call on arrays, the reference on float64 NumPy arrays)
def _pairs(shape=(5, 4)):
    y = RNG.normal(size=shape)
    return [y, 0.5 * y + RNG.normal(size=shape)]


MASK = RNG.uniform(size=(5, 4)) < 0.7
MASK[:, :2] = True
T = np.array([1.0, -1.0, 1.0, -1.0, -1.0])

NEUTRAL = {
    "cosine_similarity": (_pairs(), lambda y, p, **k: losses.cosine_similarity(y, p, reduction="none", **k),
                          lambda y, p: -ref_cosine(y, p)),
    "cosine_similarity-axis0-eps": (_pairs((4, 3)),
                                    lambda y, p: losses.cosine_similarity(y, p, axis=0, epsilon=2.5,
                                                                          reduction="none"),
                                    lambda y, p: -ref_cosine(y, p, axis=0, eps=2.5)),
    "cosine_distance-where": (_pairs(), lambda y, p: losses.cosine_distance(y, p, where=MASK, reduction="none"),
                              lambda y, p: 1.0 - ref_cosine(y, p, where=MASK)),
    "cosine_embedding": (_pairs(), lambda a, b: losses.cosine_embedding(a, b, T, margin=0.1, reduction="none"),
                         lambda a, b: ref_embedding(a, b, T, 0.1)),
    "triplet_margin": ([RNG.normal(size=(5, 3)) for _ in range(3)],
                       lambda a, p, n: losses.triplet_margin(a, p, n, margin=1.5, reduction="none"),
                       lambda a, p, n: ref_triplet(a, p, n, 1.5)),
    "triplet_margin-p3-swap": ([RNG.normal(size=(5, 3)) for _ in range(3)],
                               lambda a, p, n: losses.triplet_margin(a, p, n, p=3.0, eps=0.1, swap=True,
                                                                     reduction="none"),
                               lambda a, p, n: ref_triplet(a, p, n, 1.0, 3.0, 0.1, True)),
    "triplet_margin-sum": ([RNG.normal(size=(5, 3)) for _ in range(3)],
                           lambda a, p, n: losses.triplet_margin(a, p, n, p=4.0, margin=2.0, eps_at="sum",
                                                                 reduction="none"),
                           lambda a, p, n: ref_triplet(a, p, n, 2.0, 4.0, 1e-6, eps_at="sum")),
}


def _autodiff_grads(fw, call, arrays):
    """(value, [d sum(value) / d each array]) by the framework's own autodiff."""
    xs = [fw.to(a, "float64") for a in arrays]
    if fw.name == "torch":
        import torch

        xs = [x.requires_grad_() for x in xs]
        v = call(*xs)
        return fw.back(v), [fw.back(g) for g in torch.autograd.grad(v.sum(), xs)]
    if fw.name == "jax":
        import jax

        v = call(*xs)
        gs = jax.grad(lambda *a: call(*a).sum(), argnums=tuple(range(len(xs))))(*xs)
        return fw.back(v), [fw.back(g) for g in gs]
    import tensorflow as tf

    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        v = call(*xs)
        s = tf.reduce_sum(v)
    return fw.back(v), [fw.back(g) for g in tape.gradient(s, xs)]


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
@pytest.mark.parametrize("case", NEUTRAL)
def test_neutral_values_and_every_input_gradient_against_independent_references(case, fw):
    arrays, call, ref = NEUTRAL[case]
    if fw.name == "numpy":  # the closed form, w.r.t. y_pred (the second input)
        v = call(*arrays)
        name = case.split("-")[0]
        spec = getattr(losses, name)
        if name.startswith("cosine_") and name != "cosine_embedding":
            kw = {"axis": 0, "epsilon": 2.5} if "axis0" in case else {"where": MASK} if "where" in case else {}
            _, g = losses.value_and_grad(spec, *arrays, reduction="sum", **kw)
        else:
            _, g = losses.value_and_grad(spec, arrays[0], arrays[1], reduction="sum",
                                         **_rest_options(case, arrays))
        np.testing.assert_allclose(v, ref(*arrays), rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(g, central(ref, arrays, 1), rtol=1e-6, atol=1e-8)
        return
    v, grads = _autodiff_grads(fw, call, arrays)
    np.testing.assert_allclose(v, ref(*arrays), rtol=1e-12, atol=1e-13)
    for i, g in enumerate(grads):
        np.testing.assert_allclose(g, central(ref, arrays, i), rtol=1e-6, atol=1e-8, err_msg=f"input {i}")


def _rest_options(case, arrays):
    if case.startswith("cosine_embedding"):
        return {"target": T, "margin": 0.1}
    opts = {"triplet_margin": {"margin": 1.5}, "triplet_margin-p3-swap": {"p": 3.0, "eps": 0.1, "swap": True},
            "triplet_margin-sum": {"p": 4.0, "margin": 2.0, "eps_at": "sum"}}[case]
    return {"negative": arrays[2], **opts}


def test_cosine_zero_vector_scores_zero_with_a_finite_gradient():
    """``max(||x||, eps)``: a zero prediction scores 0; its gradient is the
    derivative of the clamped form, ``-y_hat / eps`` (finite differences agree)."""
    y = np.array([[3.0, 4.0]])
    p = np.zeros((1, 2))
    v, g = losses.value_and_grad(losses.cosine_similarity, y, p, reduction="sum")
    assert v == 0.0
    np.testing.assert_allclose(g, [[-0.6e7, -0.8e7]], rtol=1e-12)
    np.testing.assert_allclose(g, central(lambda a, b: -ref_cosine(a, b), [y, p], 1, h=1e-9), rtol=1e-6)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_cosine_keeps_the_direction_of_huge_vectors(fw):
    """Vectors whose sum of squares overflows (float32: past ~1.8e19) keep their
    direction: scored -1 when parallel, with a finite gradient (the natives' ``sum
    x^2`` is ``inf`` there and they score 0)."""
    y = np.array([[1e30, 2e30], [3e37, -4e37]])
    p = np.array([[2e30, 4e30], [-3e37, 4e37]])
    v = fw.back(losses.cosine_similarity(fw.to(y, "float32"), fw.to(p, "float32"), reduction="none"))
    np.testing.assert_allclose(v, [-1.0, 1.0], rtol=1e-6)
    _, g = losses.value_and_grad(losses.cosine_similarity, fw.to(y, "float32"), fw.to(p, "float32"))
    assert np.isfinite(fw.back(g)).all()


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
def test_triplet_distances_of_huge_vectors_do_not_overflow(fw):
    """float32 anchors 1e20 apart: torch's ``pairwise_distance`` squares to ``inf``
    (its loss is NaN); ours scales each difference by its largest entry first.
    An infinite input still gives ``inf`` (float64 math)."""
    a, pos, neg = np.array([[1e20, 0.0]]), np.array([[0.0, 1e20]]), np.array([[3e20, 0.0]])
    exact = 1.0 + np.sqrt(2.0) * 1e20 - 2e20
    for p in (2.0, 3.0):
        v = fw.back(losses.triplet_margin(*(fw.to(x, "float32") for x in (a, pos, neg)), p=p, margin=3e20))
        want = 3e20 + np.linalg.norm(a - pos + 1e-6, p, axis=-1) - np.linalg.norm(a - neg + 1e-6, p, axis=-1)
        np.testing.assert_allclose(v, want, rtol=1e-5)
    assert exact < 0.0  # margin 1: zero loss, not NaN
    assert fw.back(losses.triplet_margin(*(fw.to(x, "float32") for x in (a, pos, neg)))) == 0.0
    inf = fw.back(losses.triplet_margin(*(fw.to(x, "float64") for x in (a, np.array([[np.inf, 0.0]]), neg))))
    assert inf == np.inf


def test_cosine_epsilon_zero_zero_vector_is_nan_as_optax():
    with np.errstate(invalid="ignore", divide="ignore"):
        v = losses.cosine_distance(np.zeros((1, 2)), np.ones((1, 2)), epsilon=0.0, reduction="none")
    assert np.isnan(v).all()


def test_cosine_embedding_other_targets_score_zero_as_torch():
    x1, x2 = _pairs((3, 4))
    v = losses.cosine_embedding(x1, x2, np.array([0.0, 2.0, 1.0]), reduction="none")
    assert v[0] == 0.0 and v[1] == 0.0 and v[2] > 0.0


@pytest.mark.parametrize("call,match", [
    (lambda: losses.cosine_embedding(np.ones((3, 2)), np.ones((3, 2)), np.ones(4)), "`target`"),
    (lambda: losses.cosine_embedding(np.ones((3, 2)), np.ones((3, 2)), None), "`target` is required"),
    (lambda: losses.triplet_margin(np.ones((3, 2)), np.ones((3, 2)), np.ones((3, 3))), "`negative`"),
    (lambda: losses.triplet_margin(np.ones((3, 2)), np.ones((3, 2)), np.ones((3, 2)), p=0.0), "`p`"),
    (lambda: losses.triplet_margin(np.ones((3, 2)), np.ones((3, 2)), np.ones((3, 2)), eps_at="x"), "`eps_at`"),
    (lambda: losses.triplet_margin(np.ones((3, 2)), np.ones((3, 2)), np.ones((3, 2)), distance_function=3),
     "`distance_function`"),
    (lambda: losses.cosine_similarity(np.ones((3, 2)), np.ones((3, 2)), epsilon=-1.0), "`epsilon`"),
    (lambda: losses.cosine_similarity(np.ones((3, 2)), np.ones((3, 2)), axis=2), "`axis`"),
])
def test_bad_options_raise_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_distance_function_has_no_numpy_closed_form():
    a = [np.ones((2, 3))] * 3
    v = losses.triplet_margin(*a, distance_function=lambda x, y: np.abs(x - y).sum(-1))
    assert v == 1.0
    with pytest.raises(ValueError, match="no closed-form gradient"):
        losses.value_and_grad(losses.triplet_margin, a[0], a[1], negative=a[2],
                              distance_function=lambda x, y: np.abs(x - y).sum(-1))


# --- torch adapters against torch.nn ------------------------------------------------------

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import backends.torch as bt  # noqa: E402

DTYPES = [torch.float32, torch.float64]
TOL = {torch.float32: dict(rtol=3e-5, atol=3e-6), torch.float64: dict(rtol=1e-12, atol=1e-13)}


def _both(make_ours, make_native, args, dtype):
    """Values and gradients w.r.t. every floating input, ours against the native."""
    out = []
    for make in (make_ours, make_native):
        xs = [a.detach().clone().to(dtype).requires_grad_() if a.is_floating_point() else a.detach().clone()
              for a in args]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = make()(*xs)
        diff = [x for x in xs if x.requires_grad]
        ct = torch.linspace(0.5, 1.5, v.numel(), dtype=v.dtype).reshape(v.shape)
        out.append((v, torch.autograd.grad((v * ct).sum(), diff)))
    (va, ga), (vb, gb) = out
    assert va.dtype == vb.dtype and va.shape == vb.shape
    torch.testing.assert_close(va, vb, **TOL[dtype])
    assert len(ga) == len(gb) >= 2
    for a, b in zip(ga, gb):
        torch.testing.assert_close(a, b, **TOL[dtype])


def _t(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.4])
@pytest.mark.parametrize("batched", [True, False])
def test_cosine_embedding_like_native(batched, margin, reduction, dtype):
    if batched:
        args = (_t(6, 4, seed=1), _t(6, 4, seed=2), torch.tensor([1, -1, 1, -1, -1, 0]))
    else:
        args = (_t(4, seed=1), _t(4, seed=2), torch.tensor(-1))
    _both(lambda: bt.CosineEmbeddingLoss(margin, reduction=reduction),
          lambda: nn.CosineEmbeddingLoss(margin, reduction=reduction), args, dtype)


@pytest.mark.parametrize("size_average,reduce", [(None, False), (False, True), (True, None)])
def test_legacy_arguments_like_native(size_average, reduce):
    args = (_t(5, 3, seed=3), _t(5, 3, seed=4), _t(5, 3, seed=5))
    _both(lambda: bt.TripletMarginLoss(size_average=size_average, reduce=reduce),
          lambda: nn.TripletMarginLoss(size_average=size_average, reduce=reduce), args, torch.float64)
    t = torch.tensor([1, -1, 1, -1, 1])
    _both(lambda: bt.CosineEmbeddingLoss(size_average=size_average, reduce=reduce),
          lambda: nn.CosineEmbeddingLoss(size_average=size_average, reduce=reduce), args[:2] + (t,),
          torch.float64)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, dict(margin=0.5, p=1.0), dict(p=3.0, eps=1e-3, swap=True),
                                  dict(margin=2.0, p=1.5, swap=True), dict(p=2.0, eps=0.0)])
@pytest.mark.parametrize("shape", [(6, 4), (4,)])
def test_triplet_margin_like_native(shape, opts, reduction, dtype):
    args = (_t(*shape, seed=6), _t(*shape, seed=7), _t(*shape, seed=8))
    _both(lambda: bt.TripletMarginLoss(**opts, reduction=reduction),
          lambda: nn.TripletMarginLoss(**opts, reduction=reduction), args, dtype)


def _cos_distance(x, y):
    return 1.0 - torch.nn.functional.cosine_similarity(x, y)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("distance", ["default", "pairwise_p1", "cosine", "functional"])
def test_triplet_margin_with_distance_like_native(distance, swap, reduction, dtype):
    fn = {"default": None, "pairwise_p1": nn.PairwiseDistance(p=1.0), "cosine": _cos_distance,
          "functional": torch.nn.functional.pairwise_distance}[distance]
    args = (_t(5, 3, seed=9), _t(5, 3, seed=10), _t(5, 3, seed=11))
    _both(lambda: bt.TripletMarginWithDistanceLoss(distance_function=fn, margin=0.7, swap=swap, reduction=reduction),
          lambda: nn.TripletMarginWithDistanceLoss(distance_function=fn, margin=0.7, swap=swap,
                                                   reduction=reduction), args, dtype)


def test_triplet_with_distance_default_parity_like_torch_test_nn():
    """torch ``test_nn.py``'s ``test_triplet_margin_with_distance_loss_default_parity``:
    the default distance equals ``TripletMarginLoss`` (values and gradients)."""
    for swap, margin in ((False, 1.0), (True, 0.5), (True, 2.0)):
        args = [_t(7, 5, seed=s).requires_grad_() for s in (12, 13, 14)]
        a = bt.TripletMarginWithDistanceLoss(margin=margin, swap=swap)(*args)
        b = nn.TripletMarginLoss(margin=margin, swap=swap)(*args)
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-13)
        ga, gb = (torch.autograd.grad(x, args) for x in (a, b))
        for x, y in zip(ga, gb):
            torch.testing.assert_close(x, y, rtol=1e-12, atol=1e-13)
        assert torch.autograd.gradcheck(lambda *z, s=swap, m=margin: bt.TripletMarginWithDistanceLoss(
            margin=m, swap=s)(*z), args)


@pytest.mark.parametrize("make", [lambda: bt.TripletMarginLoss(p=3.0, swap=True), lambda: bt.CosineEmbeddingLoss(0.1),
                                  lambda: bt.CosineSimilarityLoss()])
def test_double_backward(make):
    """torch's gradgradcheck through our modules (every input that is floating)."""
    args = [_t(4, 3, seed=s).requires_grad_() for s in (30, 31, 32)]
    m = make()
    if isinstance(m, bt.CosineEmbeddingLoss):
        args[2] = torch.tensor([1.0, -1.0, -1.0, 1.0])
    elif isinstance(m, bt.CosineSimilarityLoss):
        args = args[:2]
    assert torch.autograd.gradgradcheck(lambda *z: m(*z), args)


def test_triplet_with_distance_stores_pairwise_distance_like_native():
    ours, native = bt.TripletMarginWithDistanceLoss(), nn.TripletMarginWithDistanceLoss()
    assert type(ours.distance_function) is type(native.distance_function) is nn.PairwiseDistance
    assert ours.state_dict().keys() == native.state_dict().keys()


@pytest.mark.parametrize("name", ["CosineEmbeddingLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss"])
def test_constructor_signature_like_native(name):
    a, b = inspect.signature(getattr(bt, name)), inspect.signature(getattr(nn, name))
    assert [(p.name, p.kind, p.default) for p in a.parameters.values()] == [
        (p.name, p.kind, p.default) for p in b.parameters.values()]


@pytest.mark.parametrize("make", [lambda: bt.TripletMarginWithDistanceLoss(margin=0.0),
                                  lambda: bt.TripletMarginWithDistanceLoss(margin=-1.0)])
def test_non_positive_margin_raises_at_construction_like_native(make):
    with pytest.raises(ValueError, match="margin"):
        make()


def test_triplet_non_positive_margin_and_rank_mismatch_raise():
    x = _t(3, 2)
    with pytest.raises(ValueError, match="margin"):
        bt.TripletMarginLoss(margin=0.0)(x, x, x)
    with pytest.raises(ValueError, match="same number of dimensions"):
        bt.TripletMarginLoss()(x, x, x[0])
    with pytest.raises(ValueError, match="target"):
        bt.CosineEmbeddingLoss()(x, x, torch.ones(3, 1))
    with pytest.raises(ValueError, match="input1"):
        bt.CosineEmbeddingLoss()(x[:2], x, torch.ones(3))


# --- JAX: traced options ---------------------------------------------------------------------


def test_optax_traced_epsilon_and_margin_equal_optax():
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    import jax.numpy as jnp

    from backends import jax as bj

    x, y = jnp.asarray(RNG.normal(size=(4, 3)) * 0.3), jnp.asarray(RNG.normal(size=(4, 3)))
    for name in ("cosine_similarity", "cosine_distance"):
        f = getattr(bj, name)
        ours = jax.jit(lambda e, f=f: f(x, y, epsilon=e))(0.2)
        theirs = getattr(optax.losses, name)(x, y, epsilon=0.2)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    a, p, n = (jnp.asarray(RNG.normal(size=(4, 3))) for _ in range(3))
    ours = jax.jit(lambda m, e: bj.triplet_margin_loss(a, p, n, margin=m, eps=e))(0.7, 0.1)
    np.testing.assert_allclose(ours, optax.losses.triplet_margin_loss(a, p, n, margin=0.7, eps=0.1), rtol=1e-12)
    bad = jax.jit(lambda e: bj.cosine_distance(x, y, epsilon=e))(-1.0)
    assert np.isnan(np.asarray(bad)).all()  # traced and out of range: NaN, never a number
    with pytest.raises(ValueError, match="epsilon"):
        bj.cosine_distance(x, y, epsilon=-1.0)


# --- Keras: a zero vector ---------------------------------------------------------------------


def test_keras_cosine_similarity_zero_vector_value_like_native_gradient_finite():
    keras = pytest.importorskip("keras")
    import backends.keras as bk

    y = np.array([[3.0, 4.0], [1.0, 0.0]], dtype="float32")
    p = np.array([[0.0, 0.0], [2.0, 1.0]], dtype="float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(bk.cosine_similarity(y, p)),
                               keras.ops.convert_to_numpy(keras.losses.cosine_similarity(y, p)), rtol=1e-6)
    _, g = losses.value_and_grad(losses.cosine_similarity, y.astype(float), p.astype(float),
                                 epsilon=float(keras.config.epsilon()), reduction="none")
    assert np.isfinite(g).all() and np.abs(g[0]).max() > 1e6


# --- the names in the other frameworks' style ---------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dim,eps,zero", [(1, 1e-8, False), (0, 0.5, False), (1, 1e-3, True)])
@pytest.mark.parametrize("distance", [False, True])
def test_torch_cosine_losses_are_torch_cosine_similarity(distance, dim, eps, zero, reduction, dtype):
    """``CosineSimilarityLoss`` = ``-F.cosine_similarity``, ``CosineDistanceLoss`` = ``1 - ...``."""
    x, y = _t(5, 4, seed=20), _t(5, 4, seed=21)
    if zero:
        x[0] = 0.0
    red = {"mean": torch.mean, "sum": torch.sum, "none": lambda v: v}[reduction]
    cls, offset = (bt.CosineDistanceLoss, 1.0) if distance else (bt.CosineSimilarityLoss, 0.0)
    _both(lambda: cls(dim, eps, reduction),
          lambda: lambda a, b: red(offset - torch.nn.functional.cosine_similarity(a, b, dim, eps)), (x, y), dtype)


def test_jax_cosine_embedding_loss_equals_torch_native_values_and_gradients():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    from backends import jax as bj

    x1, x2 = _t(6, 4, seed=22), _t(6, 4, seed=23)
    t = torch.tensor([1, -1, 1, -1, -1, 0])
    a, b = x1.clone().requires_grad_(), x2.clone().requires_grad_()
    ref = nn.CosineEmbeddingLoss(0.2, reduction="none")(a, b, t)
    ga, gb = torch.autograd.grad(ref.sum(), (a, b))
    f = lambda p, q: bj.cosine_embedding_loss(p, q, jnp.asarray(t.numpy()), margin=0.2)  # noqa: E731
    v = jax.jit(f)(jnp.asarray(x1.numpy()), jnp.asarray(x2.numpy()))
    g1, g2 = jax.grad(lambda p, q: f(p, q).sum(), argnums=(0, 1))(jnp.asarray(x1.numpy()), jnp.asarray(x2.numpy()))
    np.testing.assert_allclose(v, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g1, ga.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(g2, gb.numpy(), rtol=1e-10, atol=1e-13)
