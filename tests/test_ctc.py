"""CTC: ``losses.ctc_loss`` and its adapters against the natives (torch ``CTCLoss``,
Keras ``CTC``/``ctc``, optax ``ctc_loss``/``ctc_loss_with_forward_probs``), values and
gradients; infeasible alignments; the compiled loops; bad input.

The registry cases of ``ctc_loss`` run in tests/test_parity.py (every backend against
the NumPy float64 reference, whose forward--backward gradient is held against finite
differences there)."""

from __future__ import annotations

import numpy as np
import pytest

import losses

T, N, C = 9, 3, 5
LABELS = np.array([[1, 1, 2, 3], [2, 3, 0, 0], [4, 4, 4, 4]])  # row 2: 4 repeats need 7 steps
IN_LEN = np.array([9, 7, 6])  # row 2 infeasible (6 < 7)
LAB_LEN = np.array([3, 2, 4])


def _logits(seed=0, shape=(N, T, C)):
    return np.random.default_rng(seed).normal(size=shape) * 1.5


def _log_probs(z):
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


# --- torch ----------------------------------------------------------------------------


torch = pytest.importorskip("torch")


def _torch_pair(make, args, lp):
    out = make()(lp, *args)
    (g,) = torch.autograd.grad(out.sum(), lp)
    return out.detach(), g


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("form", ["padded", "concatenated", "intlists", "unnormalised", "blank2"])
def test_torch_ctc_loss_equals_native(dtype, reduction, zero_infinity, form):
    import backends.torch as bt

    z = _logits(1, (T, N, C))
    lp = torch.tensor(z if form == "unnormalised" else _log_probs(z), dtype=getattr(torch, dtype))
    labels, blank = LABELS, 0
    if form == "blank2":  # blank 2: labels 2 -> 0
        labels, blank = np.where(LABELS == 2, 0, LABELS), 2
    targets = torch.tensor(labels)
    if form == "concatenated":
        targets = torch.cat([targets[i, :n] for i, n in enumerate(LAB_LEN)])
    il, tl = torch.tensor(IN_LEN), torch.tensor(LAB_LEN)
    if form == "intlists":
        il, tl = tuple(int(v) for v in IN_LEN), tuple(int(v) for v in LAB_LEN)
    kw = dict(blank=blank, reduction=reduction, zero_infinity=zero_infinity)
    v_ref, g_ref = _torch_pair(lambda: torch.nn.CTCLoss(**kw), (targets, il, tl), lp.clone().requires_grad_())
    v, g = _torch_pair(lambda: bt.CTCLoss(**kw), (targets, il, tl), lp.clone().requires_grad_())
    assert v.dtype == v_ref.dtype and v.shape == v_ref.shape
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == "float64" else dict(rtol=1e-5, atol=2e-5)
    torch.testing.assert_close(v, v_ref, equal_nan=True, **tol)
    torch.testing.assert_close(g, g_ref, equal_nan=True, **tol)
    if reduction == "none" and not zero_infinity:
        assert v[2] == float("inf") and torch.isnan(g[:6, 2]).all() and (g[6:, 2] == 0).all()


def test_torch_unbatched_and_empty_target():
    import backends.torch as bt

    lp = torch.tensor(_log_probs(_logits(2, (T, C))))
    for t, n in ((torch.tensor([1, 2]), 2), (torch.tensor([], dtype=torch.long), 0)):
        a = bt.CTCLoss(reduction="none")(lp, t, torch.tensor(T), torch.tensor(n))
        b = torch.nn.CTCLoss(reduction="none")(lp, t, torch.tensor(T), torch.tensor(n))
        torch.testing.assert_close(a, b)
    # an empty target: every step blank
    assert float(bt.CTCLoss(reduction="sum")(lp, torch.tensor([], dtype=torch.long), torch.tensor(T), torch.tensor(0))) == \
        pytest.approx(-float(lp[:, 0].sum()), rel=1e-12)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_torch_eager_first_order_is_the_native_kernel(reduction, zero_infinity):
    """Eager, first order (no ``create_graph``): torch's fused kernel runs
    (``backends/_torch.py`` ``ctc``), so values and float32 gradients are the
    native's bit for bit (the recursion's gradient differs by ~1e-5 here)."""
    import backends.torch as bt

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(50, 3, 15, generator=gen).log_softmax(2)
    y = torch.randint(1, 15, (3, 30), generator=gen)
    args = (y, torch.tensor([50, 40, 20]), torch.tensor([30, 25, 20]))  # row 2 infeasible
    kw = dict(reduction=reduction, zero_infinity=zero_infinity)
    v_ref, g_ref = _torch_pair(lambda: torch.nn.CTCLoss(**kw), args, x.clone().requires_grad_())
    v, g = _torch_pair(lambda: bt.CTCLoss(**kw), args, x.clone().requires_grad_())
    torch.testing.assert_close(v, v_ref, rtol=0, atol=0, equal_nan=True)
    torch.testing.assert_close(g, g_ref, rtol=0, atol=0, equal_nan=True)
    # logits through the neutral spec take the kernel too (after a log-softmax)
    z = torch.randn(3, 50, 15, generator=gen, requires_grad=True)
    v = losses.ctc_loss(y, z, input_lengths=args[1], label_lengths=args[2], reduction="sum", zero_infinity=True)
    v_ref = torch.nn.functional.ctc_loss(z.log_softmax(2).transpose(0, 1), *args, reduction="sum", zero_infinity=True)
    g, g_ref = (torch.autograd.grad(u, z)[0] for u in (v, v_ref))
    torch.testing.assert_close(v, v_ref, rtol=0, atol=0)
    torch.testing.assert_close(g, g_ref, rtol=0, atol=0)


def test_torch_create_graph_gradient_is_the_recursion_closer_to_float64():
    """With ``create_graph=True`` (a gradient that has its own derivative, which
    the native lacks) the gradient is the recursion's: within the peer suite's
    float32 tolerance of the native (tests/test_torch_peer.py), and nearer to
    the float64 gradient than the native's."""
    import backends.torch as bt

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(50, 3, 15, generator=gen, dtype=torch.float64).log_softmax(2)
    y = torch.randint(1, 15, (3, 30), generator=gen)
    args = (y, (50, 50, 50), (30, 25, 20))
    ref = _torch_pair(lambda: torch.nn.CTCLoss(reduction="sum"), args, x.clone().requires_grad_())[1]
    xf = x.float().requires_grad_()
    native = _torch_pair(lambda: torch.nn.CTCLoss(reduction="sum"), args, xf)[1]
    (ours,) = torch.autograd.grad(bt.CTCLoss(reduction="sum")(xf, *args), xf, create_graph=True)
    ours = ours.detach()
    err = {k: float((g.double() - ref).abs().max()) for k, g in (("native", native), ("ours", ours))}
    assert err["ours"] < 1e-5 and err["ours"] < err["native"], err
    torch.testing.assert_close(ours, native, rtol=1e-2, atol=2e-4)


def test_torch_forward_mode_and_func_transforms_take_the_recursion():
    """Forward-mode AD and ``torch.func`` transforms (which the native kernel
    lacks) run the recursion: ``jvp`` equals the gradient (the native's) dotted
    with the tangent, and ``vmap`` over a batch of inputs equals the loop."""
    import backends.torch as bt

    lp = torch.tensor(_log_probs(_logits(4, (T, N, C))))
    args = (torch.tensor(LABELS), torch.tensor([9, 7, 7]), torch.tensor(LAB_LEN))
    f = lambda x: bt.CTCLoss(reduction="sum")(x, *args)  # noqa: E731
    tangent = torch.tensor(_logits(5, (T, N, C)))
    x = lp.clone().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x)
    v, jv = torch.func.jvp(f, (lp,), (tangent,))
    torch.testing.assert_close(v, f(lp), rtol=1e-12, atol=0)
    torch.testing.assert_close(jv, (g * tangent).sum(), rtol=1e-10, atol=1e-12)
    with torch.autograd.forward_ad.dual_level():
        out = torch.autograd.forward_ad.unpack_dual(f(torch.autograd.forward_ad.make_dual(lp, tangent)))
    torch.testing.assert_close(out.tangent, jv, rtol=1e-12, atol=1e-14)
    batch = torch.stack([lp, lp.flip(0)])
    torch.testing.assert_close(torch.func.vmap(f)(batch), torch.stack([f(b) for b in batch]), rtol=1e-12, atol=0)


def test_torch_double_backward():
    """Ours has a second derivative (the native has none): gradgradcheck in float64."""
    import backends.torch as bt

    lp = torch.tensor(_log_probs(_logits(3, (5, 2, 3))), requires_grad=True)
    args = (torch.tensor([[1, 2], [2, 0]]), torch.tensor([5, 4]), torch.tensor([2, 1]))
    assert torch.autograd.gradgradcheck(lambda x: bt.CTCLoss(reduction="sum")(x, *args), (lp,))


# --- neutral, every backend -------------------------------------------------------------


def _fw_cases():
    from _fw import FRAMEWORKS

    return FRAMEWORKS


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_infeasible_on_every_backend(zero_infinity):
    """No alignment: +inf with a NaN gradient at the live steps (torch's), or 0 and a
    zero gradient with ``zero_infinity``; the other rows are untouched."""
    from _fw import FRAMEWORKS, convert

    z = _logits(4)
    kw = dict(input_lengths=IN_LEN, label_lengths=LAB_LEN, zero_infinity=zero_infinity, reduction="none")
    v_np, g_np = losses.value_and_grad(losses.ctc_loss, LABELS, z, **kw)
    assert v_np[2] == (0.0 if zero_infinity else np.inf) and np.isfinite(v_np[:2]).all()
    live = np.arange(T) < IN_LEN[2]
    assert (np.isnan(g_np[2, live]).all() and (g_np[2, ~live] == 0).all()) if not zero_infinity \
        else (g_np[2] == 0).all()
    for fw in FRAMEWORKS:
        if fw.name == "numpy":
            continue
        args = {k: convert(fw, v, "float64") for k, v in kw.items()}
        call = lambda x, a=args, fw=fw: losses.value_and_grad(  # noqa: E731
            losses.ctc_loss, convert(fw, LABELS, None), x, **a)
        if fw.name == "jax":  # eager JAX traces the scan at each call: jit once
            import jax

            call = jax.jit(call)
        v, g = call(fw.to(z, "float64"))
        np.testing.assert_allclose(fw.back(v), v_np, rtol=1e-12, err_msg=fw.id)
        np.testing.assert_allclose(fw.back(g), g_np, rtol=1e-10, atol=1e-12, err_msg=fw.id)


def test_numpy_closed_form_equals_autodiff_with_log_epsilon():
    """The forward--backward gradient runs over the same transitions as the forward
    recursion, log_epsilon terms included: equal to JAX's autodiff of it, also on an
    infeasible row (where the log_epsilon paths carry all the mass)."""
    jax = pytest.importorskip("jax")
    z = _logits(5)
    kw = dict(input_lengths=IN_LEN, label_lengths=LAB_LEN, log_epsilon=-30.0, reduction="sum")
    v, g = losses.value_and_grad(losses.ctc_loss, LABELS, z, **kw)
    with jax.enable_x64(True):
        args = {k: (jax.numpy.asarray(a) if isinstance(a, np.ndarray) else a) for k, a in kw.items()}
        vj, gj = jax.jit(lambda x: losses.value_and_grad(losses.ctc_loss, jax.numpy.asarray(LABELS), x,
                                                         **args))(jax.numpy.asarray(z))
    assert v > 30.0  # the infeasible row costs about -log_epsilon
    np.testing.assert_allclose(v, np.asarray(vj), rtol=1e-13)
    np.testing.assert_allclose(g, np.asarray(gj), rtol=1e-9, atol=1e-12)


def test_closed_form_against_brute_force():
    """-log of the sum over every path that collapses to the labels (enumerated)."""
    import itertools

    z = _logits(6, (1, 5, 3))
    lp = _log_probs(z)[0]
    for labels in ([1, 2], [1, 1], [2], []):
        total = 0.0
        for path in itertools.product(range(3), repeat=5):
            collapsed = [k for i, k in enumerate(path) if k != 0 and (i == 0 or path[i - 1] != k)]
            if collapsed == labels:
                total += np.exp(sum(lp[t, k] for t, k in enumerate(path)))
        y = np.array([labels + [0] * (2 - len(labels))])
        v = losses.ctc_loss(y, z, label_lengths=np.array([len(labels)]), reduction="none")
        np.testing.assert_allclose(v, [-np.log(total)], rtol=1e-12)


# --- compiled loops ---------------------------------------------------------------------


def test_jit_compiles_one_scan_whatever_t():
    """Under jax.jit the recursion is a lax.scan: the program does not grow with T."""
    jax = pytest.importorskip("jax")
    import backends.jax as bj

    def size(t):
        z = jax.numpy.zeros((2, t, 4))
        f = lambda z: bj.ctc_loss(z, jax.numpy.zeros((2, t)), jax.numpy.ones((2, 3), int),  # noqa: E731
                                  jax.numpy.zeros((2, 3))).sum()
        text = str(jax.make_jaxpr(jax.grad(f))(z))
        return text.count("\n"), text.count("scan[")

    (n10, s10), (n100, s100) = size(10), size(100)
    assert n10 == n100 and s10 == s100 >= 1


def test_tf_function_compiles_a_while_loop():
    tf = pytest.importorskip("tensorflow")
    z = tf.constant(_logits(7), tf.float64)

    @tf.function
    def step(z):
        with tf.GradientTape() as tape:
            tape.watch(z)
            v = losses.ctc_loss(LABELS, z, input_lengths=IN_LEN[[0, 1, 1]], label_lengths=LAB_LEN[[0, 1, 1]])
        return v, tape.gradient(v, z)

    graph = step.get_concrete_function(z).graph
    assert any(op.type in ("While", "StatelessWhile") for op in graph.get_operations())
    assert sum(op.type in ("While", "StatelessWhile") for op in graph.get_operations()) <= 4  # not unrolled
    v, g = step(z)
    v_ref, g_ref = losses.value_and_grad(losses.ctc_loss, LABELS, _logits(7), input_lengths=IN_LEN[[0, 1, 1]],
                                         label_lengths=LAB_LEN[[0, 1, 1]])
    np.testing.assert_allclose(v.numpy(), v_ref, rtol=1e-12)
    np.testing.assert_allclose(g.numpy(), g_ref, rtol=1e-10, atol=1e-13)


# --- optax ------------------------------------------------------------------------------


@pytest.mark.parametrize("log_epsilon", [-1e5, -20.0])
@pytest.mark.parametrize("blank_id", [0, 2])
def test_optax_ctc_equals_native(log_epsilon, blank_id):
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    import backends.jax as bj

    jnp = jax.numpy
    with jax.enable_x64(True):
        z = jnp.asarray(_logits(8))
        pad = jnp.asarray((np.arange(T)[None] >= IN_LEN[:, None]).astype(float))
        lab = jnp.asarray(np.where(LABELS == blank_id, 0, LABELS) if blank_id else LABELS)
        lpad = jnp.asarray((np.arange(4)[None] >= LAB_LEN[:, None]).astype(float))
        args, kw = (pad, lab, lpad), dict(blank_id=blank_id, log_epsilon=log_epsilon)
        ours, theirs = jax.jit(lambda z: bj.ctc_loss_with_forward_probs(z, *args, **kw))(z), \
            optax.ctc_loss_with_forward_probs(z, *args, **kw)
        for a, b in zip(ours, theirs):
            assert a.shape == b.shape and a.dtype == b.dtype
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9)
        grad = [jax.jit(jax.grad(lambda z, f=f: f(z, *args, **kw).sum()))(z) for f in (bj.ctc_loss, optax.ctc_loss)]
        np.testing.assert_allclose(grad[0], grad[1], rtol=1e-9, atol=1e-11)
        # a traced log_epsilon, as optax takes it
        f = jax.jit(lambda z, e: bj.ctc_loss(z, *args, blank_id=blank_id, log_epsilon=e))
        np.testing.assert_allclose(f(z, log_epsilon), theirs[0], rtol=1e-12)


def test_optax_float32_without_x64():
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    import backends.jax as bj

    jnp = jax.numpy
    with jax.enable_x64(False):
        z = jnp.asarray(_logits(9), jnp.float32)
        args = (jnp.zeros((N, T)), jnp.asarray(LABELS[:2].tolist() + [[1, 2, 3, 4]]), jnp.zeros((N, 4)))
        a, b = jax.jit(bj.ctc_loss)(z, *args), optax.ctc_loss(z, *args)
        assert a.dtype == b.dtype == jnp.float32
        np.testing.assert_allclose(a, b, rtol=2e-6)
        ga, gb = (jax.jit(jax.grad(lambda z, f=f: f(z, *args).sum()))(z) for f in (bj.ctc_loss, optax.ctc_loss))
        np.testing.assert_allclose(ga, gb, rtol=1e-4, atol=2e-6)


# --- Keras ------------------------------------------------------------------------------


def test_keras_ctc_equals_native():
    keras = pytest.importorskip("keras")
    import backends.keras as bk

    tf = pytest.importorskip("tensorflow")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the reference is Keras' TensorFlow backend (tf.nn.ctc_loss)")
    y = np.array([[1, 2, 2, 0], [3, 0, 0, 0], [4, 4, 1, 2]])
    x = tf.Variable(_logits(10).astype("float32"))
    for ours, native in ((bk.CTC(), keras.losses.CTC()), (bk.CTC(reduction="sum"), keras.losses.CTC(reduction="sum")),
                         (bk.CTC(reduction="none"), keras.losses.CTC(reduction="none")),
                         (bk.ctc, keras.losses.ctc)):
        out = []
        for f in (ours, native):
            with tf.GradientTape() as tape:
                v = f(y, x)
            out.append((v.numpy(), tape.gradient(v, x).numpy()))
        np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-5)
        np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-4, atol=1e-6)
    sw = np.array([0.5, 1.0, 2.0])
    np.testing.assert_allclose(bk.CTC()(y, x, sample_weight=sw), keras.losses.CTC()(y, x, sample_weight=sw),
                               rtol=1e-5)
    assert bk.CTC(dtype="bfloat16")(y, x).dtype == keras.losses.CTC(dtype="bfloat16")(y, x).dtype
    assert bk.CTC(name="c").get_config() == keras.losses.CTC(name="c").get_config()


def test_keras_ctc_float64_is_computed_in_float64():
    """The native computes float64 in float32; ours in float64 (the torch float64 reference)."""
    pytest.importorskip("keras")
    import backends.keras as bk

    y = np.array([[1, 2, 2, 0], [3, 0, 0, 0]])
    z = _logits(11)[:2]
    v = np.asarray(bk.ctc(y, z))
    lp = torch.tensor(_log_probs(z)).transpose(0, 1)
    ref = torch.nn.functional.ctc_loss(lp, torch.tensor(y), torch.tensor([T, T]), torch.tensor([3, 1]),
                                       reduction="none")
    np.testing.assert_allclose(v, ref.numpy(), rtol=1e-13)


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("kw,arg", [
    (dict(input_lengths=np.array([T + 1, 2, 2])), "input_lengths"),
    (dict(input_lengths=np.array([-1, 2, 2])), "input_lengths"),
    (dict(label_lengths=np.array([5, 2, 2])), "label_lengths"),
    (dict(label_lengths=np.array([1, -2, 2])), "label_lengths"),
    (dict(input_lengths=np.array([3, 3])), "input_lengths"),
    (dict(blank=C), "blank"),
    (dict(label_paddings=np.zeros((N, 3))), "label_paddings"),
    (dict(input_lengths=np.array([3, 3, 3]), input_paddings=np.zeros((N, T))), "input_"),
])
def test_bad_lengths_and_options(kw, arg):
    with pytest.raises(ValueError, match=arg):
        losses.ctc_loss(LABELS, _logits(), **kw)


def test_bad_labels_and_shapes():
    with pytest.raises(ValueError, match="y_true"):
        losses.ctc_loss(np.array([[1, C, 0, 0]] * N), _logits())
    with pytest.raises(ValueError, match="y_true"):
        losses.ctc_loss(LABELS.astype(float), _logits())
    with pytest.raises(ValueError, match="y_pred"):
        losses.ctc_loss(LABELS, _logits()[0])
    # a label past the length may be anything (padding)
    assert np.isfinite(losses.ctc_loss(np.array([[1, -1, 99, 7]] * N), _logits(), label_lengths=np.ones(N, int)))


def test_bad_input_under_jit_is_nan_rows():
    jax = pytest.importorskip("jax")
    f = jax.jit(lambda il: losses.ctc_loss(LABELS, jax.numpy.asarray(_logits()), input_lengths=il,
                                           label_lengths=LAB_LEN, reduction="none", zero_infinity=True))
    v = np.asarray(f(jax.numpy.asarray([T + 5, 7, 6])))
    assert np.isnan(v[0]) and np.isfinite(v[1:]).all()


def test_torch_bad_input():
    import backends.torch as bt

    lp = torch.tensor(_log_probs(_logits(1, (T, N, C))))
    with pytest.raises(ValueError, match="input_lengths"):
        bt.CTCLoss()(lp, torch.tensor(LABELS), torch.tensor([T + 1, 2, 2]), torch.tensor(LAB_LEN))
    with pytest.raises(ValueError, match="targets"):
        bt.CTCLoss()(lp, torch.tensor([1, 2, 3]), torch.tensor(IN_LEN), torch.tensor(LAB_LEN))
    with pytest.raises(TypeError, match="input_lengths"):
        bt.CTCLoss()(lp, torch.tensor(LABELS), torch.tensor([9.0, 2.0, 2.0]), torch.tensor(LAB_LEN))
