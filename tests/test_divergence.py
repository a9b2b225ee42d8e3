"""KL divergence, entropy, Jensen-Shannon, mutual information and conditional
entropy against independent sources: Keras, torch and optax natives, scipy,
scikit-learn, closed forms and the information identities."""

from __future__ import annotations

import numpy as np
import pytest
from _fw import FRAMEWORKS

import losses

RNG = np.random.default_rng(7)


def _dist(shape, zeros=False):
    p = RNG.dirichlet(np.ones(shape[-1]), shape[:-1])
    if zeros:
        p[RNG.uniform(size=p.shape) < 0.3] = 0.0
        p[..., 0] += 0.2
        p /= p.sum(-1, keepdims=True)
    return p


def _log_softmax(z, axis=-1):
    m = z.max(axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis, keepdims=True))


# --- KL: Keras, torch, optax -------------------------------------------------------------


def test_kl_equals_keras_including_its_target_clip():
    keras = pytest.importorskip("keras")
    p, q = _dist((5, 4), zeros=True), _dist((5, 4))
    q[0, 1] = 1e-9  # below the clip
    k = lambda x: keras.ops.convert_to_tensor(x, dtype="float64")  # noqa: E731
    expected = np.asarray(keras.ops.convert_to_numpy(keras.losses.kl_divergence(k(p), k(q))))
    np.testing.assert_allclose(losses.kl_divergence(p, q, reduction="none"), expected, rtol=1e-12, atol=1e-15)
    native = keras.losses.KLDivergence(dtype="float64")
    np.testing.assert_allclose(losses.kl_divergence(p, q, reduction="sum_over_batch_size"),
                               keras.ops.convert_to_numpy(native(k(p), k(q))), rtol=1e-12)
    # the documented Keras rule: a 0 in P counts as epsilon (xlogy would give 0 there)
    eps = 1e-7
    pc, qc = np.clip(p, eps, 1), np.clip(q, eps, 1)
    np.testing.assert_allclose(losses.kl_divergence(p, q, reduction="none"),
                               (pc * np.log(pc / qc)).sum(-1), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean", "batchmean"])
def test_kl_equals_torch_kl_div_values_and_gradients(reduction, log_target):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = _log_softmax(RNG.normal(0.0, 2.0, (4, 5, 3)), axis=1)  # input: log-probabilities
    p = np.moveaxis(_dist((4, 3, 5), zeros=not log_target), -1, 1)
    t = np.log(p) if log_target else p
    xt = torch.tensor(x, requires_grad=True)
    native = F.kl_div(xt, torch.tensor(t), reduction=reduction, log_target=log_target)
    (g_native,) = torch.autograd.grad(native.sum(), xt)
    ours = {"reduction": reduction}
    if reduction == "batchmean":  # = sum / batch size: sum with a scalar sample weight
        ours = {"reduction": "sum", "sample_weight": 1.0 / x.shape[0]}
    v, g = losses.value_and_grad(losses.kl_divergence, t, x, log_input=True, log_target=log_target,
                                 axis=None, **ours)
    np.testing.assert_allclose(v, native.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g, g_native.numpy(), rtol=1e-12, atol=1e-15)


def test_kl_with_class_axis_equals_torch_summed_over_it():
    torch = pytest.importorskip("torch")
    x = _log_softmax(RNG.normal(0.0, 2.0, (4, 5, 3)), axis=1)
    p = np.moveaxis(_dist((4, 3, 5)), -1, 1)
    native = torch.nn.functional.kl_div(torch.tensor(x), torch.tensor(p), reduction="none").sum(1)
    ours = losses.kl_divergence(p, x, log_input=True, axis=1, reduction="none")
    np.testing.assert_allclose(ours, native.numpy(), rtol=1e-12)


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_equals_optax_values_and_gradients(log_target):
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    jax.config.update("jax_enable_x64", True)
    log_q = _log_softmax(RNG.normal(0.0, 2.0, (6, 4)))
    p = _dist((6, 4), zeros=not log_target)
    t = np.log(p) if log_target else p
    native_fn = optax.losses.kl_divergence_with_log_targets if log_target else optax.losses.kl_divergence
    v, g = losses.value_and_grad(losses.kl_divergence, t, log_q, log_input=True, log_target=log_target,
                                 reduction="none")
    np.testing.assert_allclose(v, np.asarray(native_fn(log_q, t)), rtol=1e-12, atol=1e-15)
    g_native = jax.grad(lambda x: native_fn(x, t).sum())(log_q)
    np.testing.assert_allclose(g, np.asarray(g_native), rtol=1e-12, atol=1e-15)


def test_kl_log_target_minus_inf_is_zero_where_torch_and_optax_give_nan():
    torch = pytest.importorskip("torch")
    optax = pytest.importorskip("optax")
    x = np.log(np.array([[0.2, 0.3, 0.5]]))
    with np.errstate(divide="ignore"):
        lt = np.log(np.array([[0.0, 0.4, 0.6]]))  # -inf for the empty class
    assert np.isnan(torch.nn.functional.kl_div(torch.tensor(x), torch.tensor(lt), reduction="sum",
                                               log_target=True).item())
    assert np.isnan(float(optax.losses.kl_divergence_with_log_targets(x, lt).sum()))
    expected = 0.4 * np.log(0.4 / 0.3) + 0.6 * np.log(0.6 / 0.5)
    for fw in FRAMEWORKS:
        v, g = losses.value_and_grad(losses.kl_divergence, fw.to(lt, "float64"), fw.to(x, "float64"),
                                     log_input=True, log_target=True, reduction="sum")
        assert float(fw.back(v)) == pytest.approx(expected, rel=1e-12), fw.id
        np.testing.assert_allclose(fw.back(g), [[0.0, -0.4, -0.6]], rtol=1e-12, err_msg=fw.id)


def test_kl_input_spaces_agree():
    z = RNG.normal(0.0, 2.0, (5, 4))
    p = _dist((5, 4))
    log_q = _log_softmax(z)
    a = losses.kl_divergence(p, z, from_logits=True, reduction="none")
    b = losses.kl_divergence(p, log_q, log_input=True, reduction="none")
    c = losses.kl_divergence(np.log(p), log_q, log_input=True, log_target=True, reduction="none")
    d = losses.kl_divergence(p, np.exp(log_q), reduction="none")  # no entry below the clip here
    for x in (b, c, d):
        np.testing.assert_allclose(x, a, rtol=1e-11)
    np.testing.assert_allclose(a, (p * (np.log(p) - log_q)).sum(-1), rtol=1e-12)
    assert np.all(a >= 0) and losses.kl_divergence(p, p, reduction="sum") == pytest.approx(0.0, abs=1e-15)


# --- entropy and the cross-entropy identity ----------------------------------------------

@pytest.fixture(scope="module")
def scipy_stats():
    return pytest.importorskip("scipy.stats")


@pytest.mark.parametrize("zeros", [False, True])
def test_entropy_equals_scipy(scipy_stats, zeros):
    w = _dist((6, 5), zeros=zeros) * RNG.uniform(0.5, 3.0, (6, 1))  # unnormalised
    np.testing.assert_allclose(losses.entropy(w, reduction="none"), scipy_stats.entropy(w, axis=-1),
                               rtol=1e-12)
    wt = np.swapaxes(w, 0, 1)
    np.testing.assert_allclose(losses.entropy(wt, axis=0, reduction="none"), scipy_stats.entropy(wt, axis=0),
                               rtol=1e-12)


def test_entropy_from_logits_equals_scipy_and_torch(scipy_stats):
    torch = pytest.importorskip("torch")
    z = RNG.normal(0.0, 3.0, (6, 5))
    expected = scipy_stats.entropy(np.exp(_log_softmax(z)), axis=-1)
    np.testing.assert_allclose(losses.entropy(z, from_logits=True, reduction="none"), expected, rtol=1e-12)
    zt = torch.tensor(z, requires_grad=True)
    native = torch.distributions.Categorical(logits=zt).entropy()
    (g_native,) = torch.autograd.grad(native.sum(), zt)
    v, g = losses.value_and_grad(losses.entropy, None, z, from_logits=True, reduction="none")
    np.testing.assert_allclose(v, native.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(g, g_native.numpy(), rtol=1e-10, atol=1e-15)


def test_entropy_closed_forms():
    for c in (2, 3, 7):
        assert float(losses.entropy(np.ones(c))) == pytest.approx(np.log(c), rel=1e-14)
        assert float(losses.entropy(np.zeros(c), from_logits=True)) == pytest.approx(np.log(c), rel=1e-14)
    assert float(losses.entropy(np.array([0.0, 1.0, 0.0]))) == 0.0  # 0 log 0 = 0, log 1 = 0


def test_entropy_gradient_finite_at_zero_on_every_backend():
    p = np.array([[0.0, 0.25, 0.75]])
    _, g_ref = losses.value_and_grad(losses.entropy, None, p)
    # closed form: f(q) = -sum q log max(q, eps), q = p / sum(p): df/dq_c = -(log max(q_c, eps)
    # + [q_c >= eps]), projected by the normalisation: g = df/dq - sum_c q_c df/dq_c, and
    # sum_c q_c df/dq_c = H - 1; at p_0 = 0: g_0 = -log(eps) - (H - 1)
    h = -(0.25 * np.log(0.25) + 0.75 * np.log(0.75))
    assert g_ref[0, 0] == pytest.approx(-np.log(1e-7) - h + 1.0, rel=1e-12)
    for fw in FRAMEWORKS:
        v, g = losses.value_and_grad(losses.entropy, None, fw.to(p, "float64"))
        np.testing.assert_allclose(fw.back(g), g_ref, rtol=1e-12, err_msg=fw.id)


@pytest.mark.parametrize("from_logits", [False, True])
def test_cross_entropy_is_entropy_plus_kl(from_logits):
    p = _dist((6, 4))
    z = RNG.normal(0.0, 1.0, (6, 4))
    q = z if from_logits else np.exp(_log_softmax(z))  # all within [eps, 1 - eps]
    h_pq = losses.categorical_crossentropy(p, q, from_logits=from_logits, reduction="none")
    h_p = losses.entropy(p, reduction="none")
    kl = losses.kl_divergence(p, q, from_logits=from_logits, reduction="none")
    np.testing.assert_allclose(h_pq, h_p + kl, rtol=1e-12)
    # gradients w.r.t. the prediction: equal for logits (H(P) does not depend on it); for
    # probabilities the cross-entropy renormalises q (Keras) and KL does not (Keras), so they
    # differ by the normalisation's projection: a constant sum(p) / N per element (mean over N)
    _, g1 = losses.value_and_grad(losses.categorical_crossentropy, p, q, from_logits=from_logits)
    _, g2 = losses.value_and_grad(losses.kl_divergence, p, q, from_logits=from_logits)
    np.testing.assert_allclose(g1 - g2, 0.0 if from_logits else 1.0 / len(p), atol=1e-12)


# --- Jensen-Shannon -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scipy_distance():
    return pytest.importorskip("scipy.spatial.distance")


@pytest.mark.parametrize("zeros", [False, True])
def test_js_equals_scipy_jensenshannon_squared(scipy_distance, zeros):
    p = _dist((6, 5), zeros=zeros) * RNG.uniform(0.5, 3.0, (6, 1))
    q = _dist((6, 5), zeros=zeros) * RNG.uniform(0.5, 3.0, (6, 1))
    expected = scipy_distance.jensenshannon(p, q, axis=-1) ** 2
    np.testing.assert_allclose(losses.js_divergence(p, q, reduction="none"), expected, rtol=1e-10, atol=1e-15)
    z = RNG.normal(0.0, 2.0, (6, 5))
    expected = scipy_distance.jensenshannon(p, np.exp(_log_softmax(z)), axis=-1) ** 2
    np.testing.assert_allclose(losses.js_divergence(p, z, from_logits=True, reduction="none"), expected,
                               rtol=1e-10)


def test_js_properties():
    p, q = _dist((8, 4)), _dist((8, 4))
    a = losses.js_divergence(p, q, reduction="none")
    np.testing.assert_allclose(a, losses.js_divergence(q, p, reduction="none"), rtol=1e-12)  # symmetric
    assert np.all(a >= 0) and np.all(a <= np.log(2))
    np.testing.assert_allclose(losses.js_divergence(p, p, reduction="none"), 0.0, atol=1e-15)
    # disjoint supports: log 2, with a finite gradient
    v, g = losses.value_and_grad(losses.js_divergence, np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    assert float(v) == pytest.approx(np.log(2), rel=1e-14) and np.all(np.isfinite(g))


# --- mutual information and conditional entropy --------------------------------------------

@pytest.fixture(scope="module")
def sklearn_metrics():
    return pytest.importorskip("sklearn.metrics")


def _table(nx, ny, zeros=False):
    t = RNG.integers(0 if zeros else 1, 9, (nx, ny)).astype(float)
    t[0, 0] += 1.0
    return t


def _cond_entropy_scipy(t):
    """H(X | Y) = sum_y P(y) H(X | Y = y), X on axis 0."""
    import scipy.stats as scipy_stats

    p = t / t.sum()
    py = p.sum(0)
    return sum(py[j] * scipy_stats.entropy(p[:, j]) for j in range(p.shape[1]) if py[j] > 0)


@pytest.mark.parametrize("zeros", [False, True])
def test_mutual_information_equals_sklearn(sklearn_metrics, zeros):
    for nx, ny in ((2, 2), (3, 5), (4, 3)):
        t = _table(nx, ny, zeros)  # a contingency table of counts
        expected = sklearn_metrics.mutual_info_score(None, None, contingency=t)
        assert float(losses.mutual_information(t)) == pytest.approx(expected, rel=1e-10, abs=1e-15)
        # axes: Y first, X last gives the same (I is symmetric); unnormalised = normalised
        assert float(losses.mutual_information(t.T, x_axis=-1, y_axis=-2)) == pytest.approx(expected, abs=1e-14)
        assert float(losses.mutual_information(t / t.sum())) == pytest.approx(expected, abs=1e-14)


@pytest.mark.parametrize("zeros", [False, True])
def test_conditional_entropy_and_the_identities(scipy_stats, zeros):
    t = np.stack([_table(3, 4, zeros) for _ in range(5)])  # a batch of tables [B, X, Y]
    h_x_y = losses.conditional_entropy(t, reduction="none")
    mi = losses.mutual_information(t, reduction="none")
    h_x = losses.entropy(t.sum(-1), reduction="none")  # marginal of X
    h_y = losses.entropy(t.sum(-2), reduction="none")
    h_xy = losses.entropy(t.reshape(5, -1), reduction="none")
    np.testing.assert_allclose(h_x_y, [_cond_entropy_scipy(x) for x in t], rtol=1e-12)
    np.testing.assert_allclose(mi, h_x - h_x_y, rtol=1e-10, atol=1e-14)  # I = H(X) - H(X|Y)
    np.testing.assert_allclose(mi, h_x + h_y - h_xy, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(losses.conditional_entropy(t, x_axis=-1, y_axis=-2, reduction="none"),
                               h_y - mi, rtol=1e-10, atol=1e-14)  # H(Y|X)
    assert np.all(mi >= -1e-15) and np.all(h_x_y <= h_x + 1e-15)


def test_independent_tables_have_zero_information(scipy_stats):
    for _ in range(5):
        px, py = RNG.dirichlet(np.ones(3)), RNG.dirichlet(np.ones(4))
        t = np.outer(px, py) * 17.0
        v, g = losses.value_and_grad(losses.mutual_information, None, t)
        assert float(v) == pytest.approx(0.0, abs=1e-14)
        np.testing.assert_allclose(g, 0.0, atol=1e-13)  # a minimum: the gradient vanishes
        assert float(losses.conditional_entropy(t)) == pytest.approx(scipy_stats.entropy(px), rel=1e-12)
    # perfectly dependent: I = H(X) = log n, H(X|Y) = 0
    assert float(losses.mutual_information(np.eye(4))) == pytest.approx(np.log(4), rel=1e-14)
    assert float(losses.conditional_entropy(np.eye(4))) == 0.0


def test_mutual_information_gradient_is_scale_free():
    t = _table(3, 4)
    _, g = losses.value_and_grad(losses.mutual_information, None, t)
    assert float(np.sum(g * t)) == pytest.approx(0.0, abs=1e-13)  # d/ds I(s T) = 0
    _, g2 = losses.value_and_grad(losses.mutual_information, None, 2.0 * t)
    np.testing.assert_allclose(g2, g / 2.0, rtol=1e-11, atol=1e-15)


# --- the one-distribution protocol and bad input ------------------------------------------


def test_one_distribution_losses_fit_value_and_grad_and_registry():
    p = _dist((3, 4))
    t = _table(3, 3)
    for fn, x in ((losses.entropy, p), (losses.mutual_information, t), (losses.conditional_entropy, t)):
        v, _ = losses.value_and_grad(fn, None, x)
        assert float(v) == pytest.approx(float(fn(x)), rel=1e-15)
        assert float(losses.value_and_grad(fn.__name__, None, x)[0]) == pytest.approx(float(v), rel=1e-15)
        entry = next(e for e in losses.REGISTRY if e.name == fn.__name__)
        assert float(entry.fn(None, x)) == pytest.approx(float(v), rel=1e-15)
        with pytest.raises(ValueError, match="`y_true` must be None"):
            entry.fn(x, x)
        with pytest.raises(ValueError, match="`y_true` must be None"):
            losses.value_and_grad(fn, x, x)


P3 = np.array([[0.2, 0.3, 0.5]])
T22 = np.array([[1.0, 2.0], [3.0, 4.0]])
BAD = [
    (losses.kl_divergence, P3, P3, {"from_logits": True, "log_input": True}, "`from_logits` and `log_input`"),
    (losses.kl_divergence, P3, P3, {"from_logits": True, "axis": None}, "`from_logits=True` needs"),
    (losses.kl_divergence, P3, P3, {"log_target": 1.5}, "`log_target`"),
    (losses.kl_divergence, P3, P3, {"epsilon": 0.0}, "`epsilon`"),
    (losses.kl_divergence, P3[:, :2], P3, {}, "`y_true` and `y_pred`"),
    (losses.kl_divergence, P3, P3, {"axis": 3}, "`axis`"),
    (losses.js_divergence, P3, P3, {"reduction": "batchmean"}, "`reduction`"),
    (losses.entropy, None, P3, {"axis": 5}, "`axis`"),
    (losses.entropy, None, P3, {"from_logits": None}, "`from_logits`"),
    (losses.mutual_information, None, T22, {"x_axis": 1, "y_axis": -1}, "`x_axis` and `y_axis`"),
    (losses.mutual_information, None, P3[0], {}, "`joint` must have at least 2"),
    (losses.conditional_entropy, None, T22, {"y_axis": 2}, "`y_axis`"),
]


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.id)
@pytest.mark.parametrize("fn,y,x,kw,match", BAD, ids=[f"{b[0].__name__}-{sorted(b[3])}" for b in BAD])
def test_bad_input_names_the_argument(fn, y, x, kw, match, fw):
    args = (fw.to(x, "float64"),) if y is None else (fw.to(y, "float64"), fw.to(x, "float64"))
    with pytest.raises(ValueError, match=match):
        fn(*args, **kw)
