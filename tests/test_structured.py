"""Sparsemax / Fenchel--Young losses and the adaptive softmax (issue 13).

* The neutral sparsemax losses on every backend against optax in float64
  (values and ``jax.grad``), edge cases (ties, huge scores, ``-inf``), and
  their label errors.
* ``backends.jax``: ``sparsemax_loss``, ``multiclass_sparsemax_loss``,
  ``make_fenchel_young_loss`` against optax under ``jit``, float32/float64,
  values and gradients (optax's own tests run with ours substituted in
  ``tests/test_optax_peer.py``).
* ``backends.torch.SparsemaxLoss``/``MulticlassSparsemaxLoss`` and the Keras
  classes against optax's reduced values.
* ``backends.torch.AdaptiveLogSoftmaxWithLoss`` against
  ``torch.nn.AdaptiveLogSoftmaxWithLoss``: values and gradients (input and
  every parameter), ``state_dict`` both ways, ``log_prob``, ``predict``,
  unbatched input, torch's own ``test_nn`` checks run on both; the neutral
  spec on NumPy (closed form), TensorFlow and JAX against the native.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from _fw import FRAMEWORKS

import losses

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
torch = pytest.importorskip("torch")
import jax.numpy as jnp  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402, N812

import backends.jax as bj  # noqa: E402
import backends.torch as bt  # noqa: E402

jax.config.update("jax_enable_x64", True)
TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def _scores(seed, shape, scale=1.5):
    return np.random.default_rng(seed).normal(0.0, scale, size=shape)


# --- references: optax in float64 -------------------------------------------------------


def _optax_binary(z, y):
    """optax's binary sparsemax loss and its gradient w.r.t. the scores (float64)."""
    f = lambda q: optax.losses.sparsemax_loss(q, jnp.asarray(y)).sum()  # noqa: E731
    zz = jnp.asarray(z, jnp.float64)
    return np.asarray(optax.losses.sparsemax_loss(zz, jnp.asarray(y))), np.asarray(jax.grad(f)(zz))


def _optax_multiclass(z, y):
    """optax's multiclass sparsemax loss ``[N]`` and its gradient (float64), ``[N, C]`` scores."""
    zz = jnp.asarray(z, jnp.float64)
    f = lambda q: optax.losses.multiclass_sparsemax_loss(q, jnp.asarray(y)).sum()  # noqa: E731
    return np.asarray(optax.losses.multiclass_sparsemax_loss(zz, jnp.asarray(y))), np.asarray(jax.grad(f)(zz))


MULTI_INPUTS = {
    "random": lambda: (_scores(1, (7, 5)), np.random.default_rng(2).integers(0, 5, 7)),
    "ties": lambda: (np.array([[0.5, 0.5, 0.5, -1.0], [1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]),
                     np.array([0, 2, 3])),
    "huge": lambda: (np.array([[0.0, 1e5, 0.0], [1e5, 0.0, 0.0], [0.0, 0.0, 1e5], [3e4, 3e4 + 0.5, -2e4]]),
                     np.array([1, 2, 2, 0])),
    "one_class": lambda: (_scores(3, (4, 1)), np.zeros(4, dtype=np.int64)),
}


@functools.cache
def _multi_ref(case):
    return _optax_multiclass(*MULTI_INPUTS[case]())


@functools.cache
def _binary_inputs():
    z = np.concatenate([_scores(4, (13,)), [-1.0, 1.0, -3.0, 3.0, 0.0, 1e6, -1e6]])
    y = (np.arange(z.size) % 3 == 0) * 1.0
    return z, y, *_optax_binary(z, y)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fw", FRAMEWORKS, ids=[f.id for f in FRAMEWORKS])
@pytest.mark.parametrize("case", sorted(MULTI_INPUTS))
def test_multiclass_sparsemax_on_every_backend_equals_optax(case, fw, dtype):
    z, y = MULTI_INPUTS[case]()
    v_ref, g_ref = _multi_ref(case)
    v, g = losses.value_and_grad(losses.multiclass_sparsemax_loss, fw.to(y, None), fw.to(z, dtype),
                                 reduction="sum")
    tol = TOL[dtype] if case != "huge" else dict(rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fw.back(v), v_ref.sum(), **tol)
    np.testing.assert_allclose(fw.back(g), g_ref, **tol)
    per = fw.back(losses.multiclass_sparsemax_loss(fw.to(y, None), fw.to(z, dtype), reduction="none"))
    np.testing.assert_allclose(per, v_ref, **tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fw", FRAMEWORKS, ids=[f.id for f in FRAMEWORKS])
def test_binary_sparsemax_on_every_backend_equals_optax(fw, dtype):
    z, y, v_ref, g_ref = _binary_inputs()
    v, g = losses.value_and_grad(losses.sparsemax_loss, fw.to(y, dtype), fw.to(z, dtype), reduction="none")
    np.testing.assert_allclose(fw.back(v), v_ref, **TOL[dtype])
    np.testing.assert_allclose(fw.back(g), g_ref, **TOL[dtype])


def test_sparsemax_projection_equals_optax_and_is_sparse():
    from backends import table_for

    z = _scores(5, (6, 7), 2.0)
    p = losses.structured.sparsemax(table_for(z), z, -1)
    ref = np.stack([np.asarray(optax.projections.projection_simplex(jnp.asarray(r))) for r in z])
    np.testing.assert_allclose(p, ref, rtol=1e-12, atol=1e-14)
    assert (p == 0).any() and np.allclose(p.sum(-1), 1.0)
    # along another axis: the same projection of the transposed rows
    np.testing.assert_allclose(losses.structured.sparsemax(table_for(z), z.T, 0), ref.T, rtol=1e-12)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=[f.id for f in FRAMEWORKS])
def test_multiclass_sparsemax_minus_inf_score_gets_zero_gradient(fw):
    """A ``-inf`` score is a class with probability 0: finite loss, gradient 0 there."""
    z = np.array([[2.0, -np.inf, 1.5, 0.0]])
    v, g = losses.value_and_grad(losses.multiclass_sparsemax_loss, fw.to(np.array([2]), None), fw.to(z, None))
    # sparsemax = (3/4, 0, 1/4, 0): 3/4 (2 - 1.5) + (1 - 5/8) / 2
    np.testing.assert_allclose(fw.back(v), 0.5625, rtol=1e-12)
    np.testing.assert_allclose(fw.back(g), [[0.75, 0.0, -0.75, 0.0]], rtol=1e-12, atol=1e-15)


def test_multiclass_sparsemax_k_dim_axis_equals_the_moved_axis():
    z = _scores(6, (3, 4, 5))
    y = np.random.default_rng(7).integers(0, 4, (3, 5))
    a = losses.multiclass_sparsemax_loss(y, z, axis=1, reduction="none")
    b = losses.multiclass_sparsemax_loss(y, np.moveaxis(z, 1, -1), reduction="none")
    np.testing.assert_allclose(a, b, rtol=1e-13)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=[f.id for f in FRAMEWORKS])
def test_bad_labels_raise_naming_y_true(fw):
    with pytest.raises(ValueError, match=r"`y_true`.*2\.0.*0 or 1"):
        losses.sparsemax_loss(fw.to(np.array([1.0, 2.0]), "float64"), fw.to(np.zeros(2), "float64"))
    with pytest.raises(ValueError, match=r"`y_true`.*label 3.*\[0, 2\]"):
        losses.multiclass_sparsemax_loss(fw.to(np.array([0, 3]), None), fw.to(np.zeros((2, 3)), "float64"))


def test_bad_labels_under_jit_are_nan_for_their_element_only():
    f = jax.jit(lambda y, z: losses.multiclass_sparsemax_loss(y, z, reduction="none"))
    v = np.asarray(f(jnp.array([0, 3, 1]), jnp.zeros((3, 3))))
    assert np.isnan(v[1]) and np.isfinite(v[[0, 2]]).all()
    g = jax.jit(lambda y, z: losses.sparsemax_loss(y, z, reduction="none"))
    v = np.asarray(g(jnp.array([0.0, 0.5, 1.0]), jnp.zeros(3)))
    assert np.isnan(v[1]) and np.allclose(v[[0, 2]], 0.25)


# --- backends.jax against optax ---------------------------------------------------------


# (under jit, float32/float64, values and gradients: tests/test_jax_catalog.py)


def test_jax_multiclass_sparsemax_vmap_and_errors():
    z, y = jnp.asarray(_scores(9, (2, 4, 3))), jnp.asarray([[0, 1, 2, 0], [2, 2, 1, 0]])
    np.testing.assert_allclose(jax.vmap(bj.multiclass_sparsemax_loss)(z, y),
                               jax.vmap(optax.losses.multiclass_sparsemax_loss)(z, y), rtol=1e-12)
    with pytest.raises(TypeError, match="`labels`"):
        bj.multiclass_sparsemax_loss(z[0], y[0].astype(jnp.float32))
    with pytest.raises(ValueError, match=r"`labels`.*label 3"):
        bj.multiclass_sparsemax_loss(z[0], jnp.asarray([0, 1, 3, 0]))
    with pytest.raises(ValueError, match=r"`labels`.*0 or 1"):
        bj.sparsemax_loss(z[0], jnp.full((4, 3), 2))


def _sparsemax_max(z):
    """The Gini max function: ``max_p <p, z> - (||p||^2 - 1) / 2 = p . z + (1 - ||p||^2) / 2``."""
    p = optax.projections.projection_simplex(z)
    return jnp.dot(p, z) + 0.5 * (1.0 - jnp.dot(p, p))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_make_fenchel_young_loss_of_sparsemax_equals_optax(dtype):
    """The sparsemax max function (logsumexp and keyword arguments: tests/test_jax_catalog.py)."""
    max_fun, kwargs = _sparsemax_max, {}
    with jax.enable_x64(dtype == "float64"):  # float32: as above
        _fenchel_young_equals_optax(max_fun, kwargs, dtype)


def _fenchel_young_equals_optax(max_fun, kwargs, dtype):
    rng = np.random.default_rng(10)
    z = jnp.asarray(rng.normal(0, 1.5, (2, 3, 5)), dtype)
    soft = jnp.asarray(rng.dirichlet(np.ones(5), (2, 3)), dtype)
    ours, theirs = bj.make_fenchel_young_loss(max_fun), optax.losses.make_fenchel_young_loss(max_fun)
    for t in (soft, soft[0, 0]):
        def vg(f, t=t):
            return jax.jit(jax.value_and_grad(lambda s, u: jnp.sum(f(s, u, **kwargs) ** 2), argnums=(0, 1)))(z, t)
        (v, (gz, gt)), (v_ref, (gz_ref, gt_ref)) = vg(ours), vg(theirs)
        np.testing.assert_allclose(v, v_ref, **TOL[dtype])
        np.testing.assert_allclose(gz, gz_ref, **TOL[dtype])
        np.testing.assert_allclose(gt, gt_ref, **TOL[dtype])
    # the sparsemax max function's Fenchel-Young loss is our multiclass sparsemax loss
    y = jnp.asarray(rng.integers(0, 5, (2, 3)))
    np.testing.assert_allclose(bj.make_fenchel_young_loss(_sparsemax_max)(z, jax.nn.one_hot(y, 5, dtype=dtype)),
                               losses.multiclass_sparsemax_loss(y, z, reduction="none"), **TOL[dtype])
    with pytest.raises(ValueError, match="`max_fun`"):
        bj.make_fenchel_young_loss(3.0)


# --- torch and Keras styles --------------------------------------------------------------------


@functools.cache
def _module_inputs():
    z = _scores(11, (6, 4))
    yb = (np.random.default_rng(12).uniform(size=(6, 4)) < 0.5) * 1.0
    yc = np.random.default_rng(13).integers(0, 4, 6)
    return z, yb, yc, (_optax_binary(z, yb), _optax_multiclass(z, yc))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_torch_sparsemax_modules_equal_optax_reduced(reduction, dtype):
    red = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    z, yb, yc, refs = _module_inputs()
    for module, target, (v_ref, g_ref) in zip((bt.SparsemaxLoss, bt.MulticlassSparsemaxLoss), (yb, yc), refs):
        x = torch.tensor(z, dtype=dtype, requires_grad=True)
        out = module(reduction=reduction)(x, torch.tensor(target, dtype=dtype if target.dtype.kind == "f" else None))
        out.sum().backward()
        tol = TOL[str(dtype)[6:]]
        np.testing.assert_allclose(out.detach().numpy(), red(v_ref), **tol)
        scale = 1.0 / v_ref.size if reduction == "mean" else 1.0
        np.testing.assert_allclose(x.grad.numpy(), g_ref * scale, **tol)


def test_torch_multiclass_sparsemax_k_dim_unbatched_and_errors():
    """K-dim (class dim 1) and unbatched inputs, as CrossEntropyLoss lays them out."""
    x3, y3 = torch.tensor(_scores(14, (3, 4, 5))), torch.tensor(np.random.default_rng(15).integers(0, 4, (3, 5)))
    np.testing.assert_allclose(bt.MulticlassSparsemaxLoss(reduction="none")(x3, y3).numpy(),
                               _optax_multiclass(np.moveaxis(x3.numpy(), 1, -1).reshape(-1, 4),
                                                 y3.numpy().reshape(-1))[0].reshape(3, 5), rtol=1e-12)
    np.testing.assert_allclose(float(bt.MulticlassSparsemaxLoss()(x3[0, :, 0], y3[0, 0])),
                               _optax_multiclass(x3[0, :, 0].numpy()[None], y3[0, :1].numpy())[0][0], rtol=1e-12)
    with pytest.raises(ValueError, match="`target`"):
        bt.MulticlassSparsemaxLoss()(x3, y3[:, :2])
    with pytest.raises(ValueError, match="`reduction`"):
        bt.SparsemaxLoss(reduction="batchmean")


def test_keras_sparsemax_classes_equal_optax_reduced():
    keras = pytest.importorskip("keras")
    import backends.keras as bk

    z = _scores(16, (6, 4))
    yb = (np.random.default_rng(17).uniform(size=(6, 4)) < 0.5) * 1.0
    yc = np.random.default_rng(18).integers(0, 4, 6)
    sw = np.linspace(0.5, 1.5, 6)
    vb, vc = _optax_binary(z, yb)[0].mean(-1), _optax_multiclass(z, yc)[0]
    for cls, y, ref in ((bk.SparsemaxLoss, yb, vb), (bk.MulticlassSparsemaxLoss, yc, vc)):
        got = cls()(y, z.astype("float32"), sample_weight=sw)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(got), np.mean(ref * sw), rtol=2e-6)
        got = cls(reduction="sum", dtype="float64")(y, z)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(got), np.sum(ref), rtol=1e-12)
        restored = cls.from_config(cls(name="x").get_config())
        assert restored.name == "x"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(bk.multiclass_sparsemax_loss(yc[:, None], z)), vc,
                               rtol=1e-12)


# --- adaptive softmax ----------------------------------------------------------------------------

T64 = torch.float64


def _pair(dtype=T64, head_bias=True, div_value=2.0, seed=0, in_features=16, n_classes=20, cutoffs=(5, 10, 15)):
    """(native, ours) with the same parameters (ours loads the native's state_dict)."""
    torch.manual_seed(seed)
    native = nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, list(cutoffs), div_value=div_value,
                                           head_bias=head_bias, dtype=dtype)
    ours = bt.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, list(cutoffs), div_value=div_value,
                                         head_bias=head_bias, dtype=dtype)
    ours.load_state_dict(native.state_dict())
    return native, ours


TARGET = torch.tensor([0, 17, 4, 19, 9, 10, 15, 12, 3, 6, 14, 1])


def _asm_derivatives(m, x, y):
    """output, loss and the gradients of a weighted sum of both w.r.t. the input and every parameter."""
    x = x.detach().clone().requires_grad_(True)
    out = m(x, y)
    w = torch.linspace(0.5, 1.5, out.output.numel(), dtype=x.dtype).reshape(out.output.shape)
    params = [p for _, p in sorted(m.named_parameters())]
    grads = torch.autograd.grad((out.output * w).sum() + 3.0 * out.loss, [x, *params], allow_unused=True)
    # the native leaves the weights of a cluster no target falls in out of the graph: zero
    return [out.output, out.loss, *(torch.zeros_like(p) if g is None else g for g, p in zip(grads, [x, *params]))]


@pytest.mark.parametrize("head_bias", [False, True])
@pytest.mark.parametrize("div_value", [4.0, 2.0, 1.5])
@pytest.mark.parametrize("dtype", [torch.float32, T64])
def test_adaptive_equals_native_values_and_every_gradient(dtype, div_value, head_bias):
    native, ours = _pair(dtype, head_bias, div_value, in_features=64)
    x = torch.randn(12, 64, dtype=dtype, generator=torch.Generator().manual_seed(1))
    out = ours(x, TARGET)
    assert type(out) is type(native(x, TARGET)) and out._fields == ("output", "loss")
    for a, b in zip(_asm_derivatives(ours, x, TARGET), _asm_derivatives(native, x, TARGET)):
        torch.testing.assert_close(a, b)
    torch.testing.assert_close(ours.log_prob(x), native.log_prob(x))
    assert torch.equal(ours.predict(x), native.predict(x))


def test_adaptive_state_dict_loads_both_ways_and_unbatched_input():
    native, ours = _pair()
    assert list(native.state_dict()) == list(ours.state_dict())
    assert [(n, p.shape) for n, p in native.named_parameters()] == [(n, p.shape) for n, p in ours.named_parameters()]
    fresh = nn.AdaptiveLogSoftmaxWithLoss(16, 20, [5, 10, 15], div_value=2.0, head_bias=True, dtype=T64)
    fresh.load_state_dict(ours.state_dict())
    x = torch.randn(12, 16, dtype=T64)
    torch.testing.assert_close(fresh(x, TARGET).loss, ours(x, TARGET).loss)
    for i in (0, 1, 3):  # a shortlist target, tail targets
        a, b = _asm_derivatives(ours, x[i], TARGET[i]), _asm_derivatives(native, x[i], TARGET[i])
        assert a[0].shape == b[0].shape == ()
        for u, v in zip(a, b):
            torch.testing.assert_close(u, v)


def test_adaptive_torch_func_and_compile():
    native, ours = _pair()
    x = torch.randn(12, 16, dtype=T64)
    g = torch.func.grad(lambda h: ours(h, TARGET).loss)(x)
    xr = x.clone().requires_grad_(True)
    native(xr, TARGET).loss.backward()
    torch.testing.assert_close(g, xr.grad)
    compiled = torch.compile(ours, backend="eager", fullgraph=True)
    torch.testing.assert_close(compiled(x, TARGET).output, native(x, TARGET).output)


# torch's own checks of the module (test/test_nn.py, ``test_adaptive_log_softmax``), run on the
# native and on ours: the same assertions, with ours raising ValueError where torch raises RuntimeError


@pytest.mark.parametrize("module", ["native", "ours"])
def test_torch_test_nn_adaptive_log_softmax_checks(module):
    cls = nn.AdaptiveLogSoftmaxWithLoss if module == "native" else bt.AdaptiveLogSoftmaxWithLoss
    runtime = RuntimeError if module == "native" else ValueError
    for cutoffs in ([5, 15, 15], [5, 15, 10], [5, 10, 25], [5, 10, 20]):  # argument validation
        with pytest.raises(ValueError, match="cutoffs should be a sequence of unique,"):
            cls(16, 20, cutoffs, div_value=2.0)
    cls(16, 20, [5, 10, 19], div_value=2.0)
    asfm = cls(16, 20, [5, 10, 15], div_value=2.0)
    with pytest.raises(runtime):  # input and target of different batch sizes
        asfm(torch.randn(2, 16), torch.tensor([0, 5, 10]))
    with pytest.raises(runtime, match="[Tt]arget"):  # out-of-bound targets
        asfm(torch.randn(2, 16), torch.tensor([0, 20]))
    # cluster sizes
    assert asfm.head.weight.size() == (5 + 3, 16)
    assert [t[1].weight.size() for t in asfm.tail] == [(5, 8), (5, 4), (5, 2)]
    assert asfm(torch.randn(2, 16), torch.tensor([0, 17])).output.size() == (2,)
    # no batch dim
    x, y = torch.randn(1, 16), torch.tensor([17])
    torch.testing.assert_close(asfm(x, y).output.squeeze(0), asfm(x.squeeze(0), y.squeeze(0)).output)
    # log_prob returns log-probabilities; forward gives the same numbers
    asfm = cls(8, 4, [2], div_value=2.0)
    x = torch.randn(4, 8)
    logprob_out = asfm.log_prob(x)
    torch.testing.assert_close(torch.exp(logprob_out).data.sum(1), torch.ones(4))
    for v in range(4):
        y = torch.full((4,), v, dtype=torch.long)
        out, loss = asfm(x, y)
        torch.testing.assert_close(out, logprob_out.gather(1, y.unsqueeze(1)).squeeze())
        torch.testing.assert_close(loss, F.nll_loss(logprob_out, y))
    # predict: argmax in the shortlist, outside it, and half and half
    x = torch.randn(64, 8).abs_()
    for layout in ("shortlist", "clusters", "half"):
        asfm = cls(8, 10, [4, 8], div_value=2.0, head_bias=True)
        asfm.head.weight.data.abs_()
        asfm.head.bias.data.abs_()
        s = asfm.shortlist_size
        if layout == "shortlist":
            asfm.head.weight.data[s:, :].zero_()
        elif layout == "clusters":
            asfm.head.weight.data[:s, :].zero_()
        else:
            x[:32, :s].zero_()
            x[32:, s:].zero_()
            asfm.head.weight.data[:s, s:].zero_()
            asfm.head.weight.data[s:, :s].zero_()
        assert torch.equal(asfm.predict(x), asfm.log_prob(x).argmax(dim=1))


def _asm_arrays(seed=0):
    native, _ = _pair(seed=seed)
    x = torch.randn(12, 16, dtype=T64, generator=torch.Generator().manual_seed(seed + 1))
    params = [native.head.weight, native.head.bias] + [w for seq in native.tail for w in (seq[0].weight, seq[1].weight)]
    grads = torch.autograd.grad(native(x.requires_grad_(True), TARGET).loss, [x, *params])
    arrays = [a.detach().numpy() for a in (x, *params)]
    return native(x, TARGET).loss.detach().numpy(), native.log_prob(x).detach().numpy(), arrays, [g.numpy() for g in grads]


def _tail(ws):
    return [(ws[i], ws[i + 1]) for i in range(0, len(ws), 2)]


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=[f.id for f in FRAMEWORKS])
def test_adaptive_spec_on_every_backend_equals_native(fw):
    """``losses.adaptive_softmax_loss`` / ``adaptive_log_prob`` on each backend, the
    gradients from ``losses.value_and_grad`` (the closed form) and, on the autodiff
    frameworks, from their own autodiff: equal to torch's native module."""
    loss_ref, lp_ref, (x, hw, hb, *tw), g_ref = _asm_arrays()
    to = lambda a: fw.to(a, "float64")  # noqa: E731
    y = fw.to(TARGET.numpy(), None)
    v, (dx, dhw, dhb, dtail) = losses.value_and_grad(losses.adaptive_softmax_loss, y, to(x), head_weight=to(hw),
                                                     tail=_tail([to(w) for w in tw]), head_bias=to(hb))
    np.testing.assert_allclose(fw.back(v), loss_ref, rtol=1e-12)
    got = [dx, dhw, dhb] + [w for pair in dtail for w in pair]
    for a, b in zip(got, g_ref):
        np.testing.assert_allclose(fw.back(a), b, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(fw.back(losses.adaptive_log_prob(to(x), to(hw), _tail([to(w) for w in tw]), to(hb))),
                               lp_ref, rtol=1e-12)
    if fw.name == "jax":  # the framework's own autodiff through the spec, every weight
        f = lambda *a: losses.adaptive_softmax_loss(y, a[0], a[1], _tail(a[3:]), a[2])  # noqa: E731
        auto = jax.grad(f, argnums=tuple(range(3 + len(tw))))(*(to(a) for a in (x, hw, hb, *tw)))
    elif fw.name == "tensorflow":
        import tensorflow as tf

        vs = [tf.Variable(to(a)) for a in (x, hw, hb, *tw)]
        with tf.GradientTape() as tape:
            loss = losses.adaptive_softmax_loss(y, vs[0], vs[1], _tail(vs[3:]), vs[2])
        auto = tape.gradient(loss, vs)
    else:
        return
    for a, b in zip(auto, g_ref):
        np.testing.assert_allclose(fw.back(a), b, rtol=1e-10, atol=1e-13)


def test_adaptive_spec_jit_bad_labels_and_bad_shapes():
    _, _, (x, hw, hb, *tw), _ = _asm_arrays()
    f = jax.jit(lambda y: losses.adaptive_softmax_loss(y, x, hw, _tail(tw), hb, reduction="none"))
    v = np.asarray(f(jnp.asarray([0, 20, 3])[jnp.asarray([0, 1, 2])].repeat(4)))
    assert np.isnan(v[4:8]).all() and np.isfinite(v[:4]).all() and np.isfinite(v[8:]).all()
    with pytest.raises(ValueError, match=r"`y_true`.*label 20.*\[0, 19\]"):
        losses.adaptive_softmax_loss(np.full(12, 20), x, hw, _tail(tw), hb)
    with pytest.raises(ValueError, match="`tail`"):
        losses.adaptive_softmax_loss(np.zeros(12, int), x, hw, [tw[0]], hb)
    with pytest.raises(ValueError, match=r"hidden\.shape\[1\] = 3"):
        losses.adaptive_softmax_loss(np.zeros(12, int), x[:, :3], hw, _tail(tw), hb)
    with pytest.raises(ValueError, match="chain"):
        losses.adaptive_softmax_loss(np.zeros(12, int), x, hw, [(tw[0], tw[3])] + _tail(tw[2:])[1:], hb)
    with pytest.raises(ValueError, match=r"input\.shape\[1\] = 4"):
        bt.AdaptiveLogSoftmaxWithLoss(16, 20, [5])(torch.randn(3, 4), torch.tensor([0, 1, 2]))
