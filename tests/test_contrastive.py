"""The contrastive family (``losses/contrastive.py``): ``circle`` (Keras), ``ntxent`` and
``ranking_softmax_loss`` (optax).

* the neutral functions on all four backends, float32 and float64, against float64
  references independent of the code under test: the natives (``keras.losses.circle``
  on TensorFlow, ``optax.losses.ntxent`` / ``ranking_softmax_loss`` on JAX), values and
  autodiff gradients, and brute-force loops over the pairs written here;
* the closed-form NumPy gradients (vector-Jacobian products of batch losses) against
  float64 central differences, under sample weights and every reduction;
* edge cases: examples with no positive or no negative, a batch with no positive pair,
  zero embeddings, lists with no valid item; finite gradients there on every backend;
* compiled calls (``jax.jit``, ``tf.function`` with an unknown batch size, Keras
  ``fit``) and bad input.

The adapters' conformance runs in the catalog suites (``tests/test_keras_catalog.py``,
``tests/test_jax_catalog.py``) and the natives' own tests in the peer suites.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _fw import FRAMEWORKS, convert
from test_parity import central_differences

import losses
from losses.contrastive import make_groups, make_ranking

FWS = [fw for fw in FRAMEWORKS]
TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=2e-5, atol=2e-5)}


def _close(a, b, dtype, scale=1.0, what=""):
    t = TOL[dtype]
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=t["rtol"],
                               atol=t["atol"] * max(1.0, scale), err_msg=what)


def _vg(fn, fw, y, p, dtype, **opts):
    args = {k: (convert(fw, v, dtype) if isinstance(v, np.ndarray) and v.dtype.kind == "f"
                else convert(fw, v, None)) for k, v in opts.items()}
    v, g = losses.value_and_grad(fn, convert(fw, y, None), fw.to(p, dtype), **args)
    return fw.back(v), fw.back(g)


# --- independent references -------------------------------------------------------------


def circle_loop(y, e, gamma=80.0, margin=0.4, remove_diagonal=True, ref_y=None, ref_e=None):
    """Per-example circle loss, pair by pair (the paper's formula as Keras writes it)."""
    ref_y = y if ref_y is None else ref_y
    ref_e = e if ref_e is None else ref_e
    out = []
    for i in range(len(y)):
        ps, ns = [], []
        for j in range(len(ref_y)):
            d = max(1.0 - float(e[i] @ ref_e[j]), 0.0)
            if y[i] == ref_y[j] and not (remove_diagonal and i == j):
                ps.append(-gamma * max(margin + d, 0.0) * (margin - d))
            elif y[i] != ref_y[j]:
                ns.append(gamma * max(1.0 + margin - d, 0.0) * (1.0 - margin - d))
        lse = lambda v: -math.inf if not v else max(v) + math.log(sum(math.exp(x - max(v)) for x in v))  # noqa: E731
        z = lse(ps) + lse(ns)
        out.append(0.0 if z == -math.inf else math.log1p(math.exp(z)) if z < 30 else z + math.log1p(math.exp(-z)))
    return np.array(out)


def ntxent_loop(y, e, temperature=0.07):
    """``(sum over anchors of their positive pairs' losses, number of positive pairs)``."""
    u = e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), np.sqrt(2.0 ** -52))
    s = u @ u.T / temperature
    per, count = np.zeros(len(y)), np.zeros(len(y))
    for i in range(len(y)):
        negs = [s[i, k] for k in range(len(y)) if y[k] != y[i]]
        for j in range(len(y)):
            if j != i and y[j] == y[i]:
                per[i] -= s[i, j] - math.log(math.exp(s[i, j]) + sum(math.exp(v) for v in negs))
                count[i] += 1
    return per, count


def _groups(seed, **opts):
    return make_groups(np.random.default_rng(seed), opts)


# --- neutral functions on every backend -----------------------------------------------------


CIRCLE_OPTS = [dict(), dict(gamma=4.0, margin=0.25), dict(gamma=2.0, margin=0.6, remove_diagonal=False)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fw", FWS, ids=[f.id for f in FWS])
@pytest.mark.parametrize("k", range(3))
def test_circle_equals_keras_native_on_every_backend(k, fw, dtype):
    """Values and gradients of ``losses.circle`` (each backend's autodiff, NumPy's closed
    form) equal ``keras.losses.circle`` differentiated by TensorFlow in float64, and the
    pair-by-pair loop."""
    tf = pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    y, e, _ = _groups(10 + k, unit=True)
    opts = CIRCLE_OPTS[k]
    w = np.random.default_rng(k).uniform(0.5, 2.0, len(y))
    x = tf.constant(e)
    with tf.GradientTape() as tape:
        tape.watch(x)
        native = keras.losses.circle(tf.constant(y), x, **opts)
        total = tf.reduce_sum(native * w)
    g_ref = tape.gradient(total, x).numpy()
    np.testing.assert_allclose(native.numpy(), circle_loop(y, e, **opts), rtol=1e-12, atol=1e-12)
    v, g = _vg(losses.circle, fw, y, e, dtype, reduction="sum", sample_weight=w, **opts)
    _close(v, float(total), dtype, abs(float(total)), "value")
    _close(g, g_ref, dtype, float(np.abs(g_ref).max()), "gradient")


def test_circle_mean_counts_the_examples_keras_counts():
    """``reduction="mean"`` averages over examples with a positive and a negative: the
    native ``keras.losses.Circle`` (its mask ``loss > 0``) on a batch with a singleton."""
    keras = pytest.importorskip("keras")
    y, e, _ = _groups(3, unit=True)
    assert np.sum(y == y[np.argmax(y)]) == 1  # the singleton
    per = circle_loop(y, e, gamma=4.0)
    assert (per == 0).sum() == 1
    ours = float(losses.circle(y, e, gamma=4.0))
    assert ours == pytest.approx(per.sum() / (len(y) - 1), rel=1e-12)
    assert ours == pytest.approx(float(keras.losses.Circle(gamma=4.0, dtype="float64")(y, e)), rel=1e-12)


def test_circle_reference_set_gradient_only_through_y_pred():
    """With ``ref_embeddings`` the gradient is w.r.t. ``y_pred`` alone (finite differences)."""
    y, e, o = _groups(4, unit=True, ref_labels=losses.contrastive.ARRAY)
    f = lambda p: float(np.sum(losses.circle(y, p, gamma=3.0, reduction="sum", **o)))  # noqa: E731
    _, g = losses.value_and_grad(losses.circle, y, e, gamma=3.0, reduction="sum", **o)
    np.testing.assert_allclose(losses.circle(y, e, gamma=3.0, reduction="none", **o),
                               circle_loop(y, e, 3.0, ref_y=o["ref_labels"], ref_e=o["ref_embeddings"]),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g, central_differences(f, e), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fw", FWS, ids=[f.id for f in FWS])
@pytest.mark.parametrize("temperature", [0.07, 0.5])
def test_ntxent_equals_optax_on_every_backend(temperature, fw, dtype):
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    y, e, _ = _groups(20, unit=False)
    with jax.enable_x64(True):
        ref, g_ref = jax.value_and_grad(lambda p: optax.losses.ntxent(p, jax.numpy.asarray(y), temperature))(
            jax.numpy.asarray(e))
    per, count = ntxent_loop(y, e, temperature)
    assert float(ref) == pytest.approx(per.sum() / count.sum(), rel=1e-12)
    v, g = _vg(losses.ntxent, fw, y, e, dtype, temperature=temperature)
    _close(v, float(ref), dtype, abs(float(ref)), "value")
    _close(g, np.asarray(g_ref), dtype, float(np.abs(g_ref).max()), "gradient")


@pytest.mark.parametrize("reduction", ["none", "sum", "mean", "sum_over_batch_size"])
def test_ntxent_reductions_and_weights_against_the_loop(reduction):
    y, e, _ = _groups(21)
    w = np.random.default_rng(1).uniform(0.2, 2.0, len(y))
    per, count = ntxent_loop(y, e, 0.3)
    expect = {"none": per * w, "sum": (per * w).sum(), "mean": (per * w).sum() / (count * w).sum(),
              "sum_over_batch_size": (per * w).sum() / len(y)}[reduction]
    got = losses.ntxent(y, e, temperature=0.3, reduction=reduction, sample_weight=w)
    np.testing.assert_allclose(got, expect, rtol=1e-12)
    _, g = losses.value_and_grad(losses.ntxent, y, e, temperature=0.3, reduction=reduction, sample_weight=w)
    f = lambda p: float(np.sum(losses.ntxent(y, p, temperature=0.3, reduction=reduction, sample_weight=w)))  # noqa: E731
    np.testing.assert_allclose(g, central_differences(f, e), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fw", FWS, ids=[f.id for f in FWS])
@pytest.mark.parametrize("case", ["plain", "where_weights", "rank3"])
def test_ranking_softmax_loss_equals_optax_on_every_backend(case, fw, dtype):
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    A = losses.contrastive.ARRAY
    opts = {"plain": {}, "where_weights": {"where": A, "weights": A}, "rank3": {"rank3": True, "where": A}}[case]
    y, s, o = make_ranking(np.random.default_rng(30), opts)
    jnp = jax.numpy
    with jax.enable_x64(True):
        jo = {k: jnp.asarray(v) for k, v in o.items()}
        ref, g_ref = jax.value_and_grad(
            lambda p: optax.losses.ranking_softmax_loss(p, jnp.asarray(y), reduce_fn=jnp.sum, **jo))(jnp.asarray(s))
    v, g = _vg(losses.ranking_softmax_loss, fw, y, s, dtype, reduction="sum", **o)
    _close(v, float(ref), dtype, abs(float(ref)), "value")
    _close(g, np.asarray(g_ref), dtype, float(np.abs(g_ref).max()), "gradient")


def test_ranking_mean_is_over_lists_with_a_valid_item():
    y = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]])
    s = np.array([[0.5, -1.0, 2.0], [1.0, 3.0, 0.0]])
    where = np.array([[True, False, True], [False, False, False]])
    first = -(1.0 * (0.5 - np.logaddexp(0.5, 2.0)) + 2.0 * (2.0 - np.logaddexp(0.5, 2.0)))
    assert float(losses.ranking_softmax_loss(y, s, where=where)) == pytest.approx(first, rel=1e-12)
    np.testing.assert_allclose(losses.ranking_softmax_loss(y, s, where=where, reduction="none"), [first, 0.0])
    _, g = losses.value_and_grad(losses.ranking_softmax_loss, y, s, where=where)
    assert np.all(g[1] == 0.0) and g[0, 1] == 0.0 and np.all(np.isfinite(g))


# --- edge cases: finite gradients on every backend -------------------------------------------


@pytest.mark.parametrize("fw", FWS, ids=[f.id for f in FWS])
def test_edge_batches_have_finite_gradients_everywhere(fw):
    """A singleton (no positive), a batch of one label (no negative), a zero embedding,
    an all-masked list: the values are the natives' (0 terms), the gradients finite and
    equal to NumPy's closed form."""
    y = np.array([0, 0, 1, 1, 5])
    e = np.random.default_rng(0).normal(size=(5, 3))
    e[2] = 0.0
    cases = [(losses.circle, y, e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-9), {"gamma": 8.0}),
             (losses.circle, np.zeros(5, int), e, {}),
             (losses.ntxent, y, e, {"temperature": 0.5}),
             (losses.ntxent, np.zeros(5, int), e, {}),
             (losses.ranking_softmax_loss, np.ones((2, 3)), np.ones((2, 3)),
              {"where": np.array([[True, True, False], [False, False, False]])})]
    for fn, yy, p, o in cases:
        v_ref, g_ref = losses.value_and_grad(fn, yy, p, reduction="sum", **o)
        v, g = _vg(fn, fw, yy, p, "float64", reduction="sum", **o)
        assert np.isfinite(v) and np.all(np.isfinite(g)), fn.__name__
        _close(v, v_ref, "float64")
        _close(g, g_ref, "float64", float(np.abs(g_ref).max()))
    assert float(losses.circle(np.zeros(5, int), e, reduction="sum")) == 0.0  # no negative
    assert float(losses.ntxent(np.zeros(5, int), e, reduction="sum")) == 0.0  # no negative


def test_no_positive_pair_is_nan_as_optax():
    jnp = pytest.importorskip("jax.numpy")
    optax = pytest.importorskip("optax")
    y, e = np.arange(4), np.random.default_rng(1).normal(size=(4, 2))
    with np.errstate(invalid="ignore"):
        assert np.isnan(float(losses.ntxent(y, e)))
        assert np.isnan(float(losses.circle(y, e)))  # a mean over no counted example
    assert np.isnan(float(optax.losses.ntxent(jnp.asarray(e), jnp.asarray(y))))
    assert float(losses.circle(y, e, reduction="sum")) == 0.0


# --- compiled calls ----------------------------------------------------------------------------


def test_tf_function_with_an_unknown_batch_size():
    tf = pytest.importorskip("tensorflow")
    y, e, _ = _groups(40, unit=True)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int64), tf.TensorSpec([None, None], tf.float64)])
    def step(labels, emb):
        with tf.GradientTape() as tape:
            tape.watch(emb)
            v = losses.circle(labels, emb, gamma=4.0) + losses.ntxent(labels, emb)
        return v, tape.gradient(v, emb)

    v, g = step(tf.constant(y), tf.constant(e))
    v1, g1 = losses.value_and_grad(losses.circle, y, e, gamma=4.0)
    v2, g2 = losses.value_and_grad(losses.ntxent, y, e)
    _close(v.numpy(), v1 + v2, "float64", abs(v1 + v2))
    _close(g.numpy(), g1 + g2, "float64", float(np.abs(g1 + g2).max()))


def test_jax_jit_and_traced_temperature():
    jax = pytest.importorskip("jax")
    y, e, _ = _groups(41)
    with jax.enable_x64(True):
        f = jax.jit(lambda p, t: losses.ntxent(y, p, temperature=t))
        assert float(f(e, 0.3)) == pytest.approx(float(losses.ntxent(y, e, temperature=0.3)), rel=1e-12)
        assert np.isnan(float(f(e, -1.0)))  # out of range when traced: NaN
    with pytest.raises(ValueError, match="temperature"):
        losses.ntxent(y, e, temperature=0.0)


def test_keras_fit_with_circle():
    """A model trained with ``Circle()`` (TensorFlow's graph: unknown batch size)."""
    keras = pytest.importorskip("keras")
    from backends.keras import Circle

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    labels = (x[:, 0] > 0).astype("int32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.UnitNormalization()])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=Circle(gamma=8.0))
    hist = model.fit(x, labels, batch_size=16, epochs=3, verbose=0, shuffle=False)
    assert np.all(np.isfinite(hist.history["loss"])) and hist.history["loss"][-1] < hist.history["loss"][0]


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [losses.circle, losses.ntxent])
def test_batch_loss_bad_shapes_name_the_arguments(fn):
    e = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"`y_true` and `y_pred`.*\(3,\).*\(4, 2\)"):
        fn(np.arange(3), e)
    with pytest.raises(ValueError, match=r"`y_true` must be a \[N\] array"):
        fn(np.zeros((4, 2), int), e)
    with pytest.raises(ValueError, match=r"`y_pred` must be a \[N, D\] array"):
        fn(np.arange(4), np.zeros(4))


def test_circle_bad_options_and_reference_set():
    y, e = np.arange(4) // 2, np.eye(4)[:, :3]
    with pytest.raises(ValueError, match="`gamma`"):
        losses.circle(y, e, gamma=-1.0)
    with pytest.raises(ValueError, match="`remove_diagonal`"):
        losses.circle(y, e, remove_diagonal="yes")
    with pytest.raises(ValueError, match=r"`ref_labels` and `ref_embeddings`.*\(2,\).*\(3, 3\)"):
        losses.circle(y, e, ref_labels=np.arange(2), ref_embeddings=np.eye(3))


def test_ranking_bad_shapes():
    with pytest.raises(ValueError, match="`y_true`"):
        losses.ranking_softmax_loss(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="`where`"):
        losses.ranking_softmax_loss(np.zeros((2, 3)), np.zeros((2, 3)), where=np.ones((2, 4), bool))


# --- cross-style names (no native in that framework) --------------------------------------------


def test_keras_ntxent_and_ranking_softmax_equal_optax_values_and_gradients():
    """``NTXent()`` (default reduction) is ``optax.losses.ntxent``; ``RankingSoftmax()`` is
    ``optax.losses.ranking_softmax_loss`` (``reduce_fn=jnp.mean``): float64 values and
    TensorFlow gradients against JAX's."""
    tf = pytest.importorskip("tensorflow")
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    from backends.keras import NTXent, RankingSoftmax

    jnp = jax.numpy
    y, e, _ = _groups(50)
    r, s, _ = make_ranking(np.random.default_rng(51), {})
    for ours, native, t, p in [
            (NTXent(temperature=0.3, dtype="float64"), lambda p: optax.losses.ntxent(p, jnp.asarray(y), 0.3), y, e),
            (RankingSoftmax(dtype="float64"), lambda p: optax.losses.ranking_softmax_loss(p, jnp.asarray(r)), r, s)]:
        x = tf.constant(p)
        with tf.GradientTape() as tape:
            tape.watch(x)
            v = ours(t, x)
        g = tape.gradient(v, x).numpy()
        with jax.enable_x64(True):
            v_ref, g_ref = jax.value_and_grad(native)(jnp.asarray(p))
        assert float(v) == pytest.approx(float(v_ref), rel=1e-12)
        np.testing.assert_allclose(g, np.asarray(g_ref), rtol=1e-10, atol=1e-12)
    for cls in (NTXent, RankingSoftmax):  # Keras-style config round trip
        loss = cls(reduction="sum", name="x")
        assert cls.from_config(loss.get_config()).get_config() == loss.get_config()


def test_jax_circle_loss_equals_keras_circle():
    jax = pytest.importorskip("jax")
    keras = pytest.importorskip("keras")
    from backends.jax import circle_loss

    y, e, _ = _groups(52, unit=True)
    with jax.enable_x64(True):
        ours = circle_loss(jax.numpy.asarray(e), jax.numpy.asarray(y), gamma=4.0, margin=0.3)
        f = jax.jit(lambda p: circle_loss(p, jax.numpy.asarray(y), gamma=4.0, margin=0.3).sum())
        g = jax.grad(f)(jax.numpy.asarray(e))
    np.testing.assert_allclose(np.asarray(ours), keras.losses.circle(y, e, gamma=4.0, margin=0.3).numpy(), rtol=1e-12)
    _, g_ref = losses.value_and_grad(losses.circle, y, e, gamma=4.0, margin=0.3, reduction="sum")
    np.testing.assert_allclose(np.asarray(g), g_ref, rtol=1e-10, atol=1e-12)


def test_torch_modules_equal_the_natives():
    """``CircleLoss`` = ``keras.losses.Circle`` (mean over counted examples),
    ``NTXentLoss`` = ``optax.losses.ntxent``, ``RankingSoftmaxLoss`` (``where``,
    ``weight``) = ``optax.losses.ranking_softmax_loss``: values and autograd gradients."""
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    keras = pytest.importorskip("keras")
    optax = pytest.importorskip("optax")
    from backends.torch import CircleLoss, NTXentLoss, RankingSoftmaxLoss

    jnp = jax.numpy
    y, e, _ = _groups(53, unit=True)
    x = torch.tensor(e, requires_grad=True)
    v = CircleLoss(gamma=4.0)(x, torch.tensor(y))
    v.backward()
    assert v.item() == pytest.approx(float(keras.losses.Circle(gamma=4.0, dtype="float64")(y, e)), rel=1e-12)
    _, g_ref = losses.value_and_grad(losses.circle, y, e, gamma=4.0)
    np.testing.assert_allclose(x.grad.numpy(), g_ref, rtol=1e-10, atol=1e-12)
    r, s, o = make_ranking(np.random.default_rng(54), {"where": losses.contrastive.ARRAY,
                                                         "weights": losses.contrastive.ARRAY})
    with jax.enable_x64(True):
        cases = [(NTXentLoss(temperature=0.2), (torch.tensor(y),), e,
                  lambda p: optax.losses.ntxent(p, jnp.asarray(y), 0.2)),
                 (RankingSoftmaxLoss(reduction="sum"),
                  (torch.tensor(r), torch.tensor(o["where"]), torch.tensor(o["weights"])), s,
                  lambda p: optax.losses.ranking_softmax_loss(p, jnp.asarray(r), where=jnp.asarray(o["where"]),
                                                              weights=jnp.asarray(o["weights"]),
                                                              reduce_fn=jnp.sum))]
        for module, rest, p, native in cases:
            x = torch.tensor(p, requires_grad=True)
            v = module(x, *rest)
            v.backward()
            v_ref, g_ref = jax.value_and_grad(native)(jnp.asarray(p))
            assert v.item() == pytest.approx(float(v_ref), rel=1e-12)
            np.testing.assert_allclose(x.grad.numpy(), np.asarray(g_ref), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="`reduction`"):
        CircleLoss(reduction="batchmean")


@pytest.mark.parametrize("fw", [f for f in FWS if f.name in ("torch", "jax")], ids=lambda f: f.id)
def test_half_precision_computed_in_float32(fw):
    """float16 embeddings: the loss comes back in float16, computed in float32 (equal to
    the float32 result rounded once)."""
    y, e, _ = _groups(60, unit=True)
    for fn, o in ((losses.circle, {"gamma": 4.0}), (losses.ntxent, {})):
        half = fw.back(fn(fw.to(y, None), fw.to(e, "float16"), **o))
        assert half.dtype == np.float16
        single = fw.back(fn(fw.to(y, None), fw.to(e.astype(np.float16).astype(np.float32), "float32"), **o))
        assert float(half) == float(np.float16(single))


def test_adapter_errors_name_the_native_arguments():
    jnp = pytest.importorskip("jax.numpy")
    torch = pytest.importorskip("torch")
    pytest.importorskip("keras")
    from backends import jax as bj
    from backends.keras import Circle
    from backends.torch import NTXentLoss

    with pytest.raises(ValueError, match=r"`labels` and `embeddings`.*\(3,\).*\(4, 2\)"):
        bj.ntxent(jnp.zeros((4, 2)), jnp.arange(3))
    with pytest.raises(TypeError, match="`embeddings`"):
        bj.ntxent(jnp.zeros((4, 2), int), jnp.arange(4))
    with pytest.raises(TypeError, match="`logits`"):
        bj.ranking_softmax_loss(jnp.zeros(3, int), jnp.zeros(3))
    with pytest.raises(ValueError, match="`gamma`"):
        Circle(gamma=-1.0)
    with pytest.raises(ValueError, match=r"`target` and `input`.*\(3,\).*\(4, 2\)"):
        NTXentLoss()(torch.zeros(4, 2), torch.arange(3))
