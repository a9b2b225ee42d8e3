"""Deterministic costs of the drop-in losses against their natives (issue 16):
what the program allocates and which operations it issues, not how long it
takes (timing stays in ``benchmarks/overhead.py``).

JAX: ``jax.jit(jax.value_and_grad(loss)).lower(x).compile().memory_analysis()``
gives the temporary bytes XLA allocates besides the inputs and outputs. A loss
that stores the shifted logits or the log-softmax for its backward pass has a
logits-sized temporary; optax's has none.

torch (eager): ``torch.profiler`` counts, per call, the host syncs
(``aten::item``/``aten::_local_scalar_dense``: a read of a device value on the
host, which stalls a GPU pipeline) and the aten operations dispatched, forward
and backward, against the native module on the same inputs.

NumPy: the ``tracemalloc`` peak of ``losses.value_and_grad`` against the
logits' bytes (the returned gradient is one logits buffer; nothing else may be).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import losses

_HAVE_JAX = all(importlib.util.find_spec(m) for m in ("jax", "optax"))
needs_jax = pytest.mark.skipif(not _HAVE_JAX, reason="jax and optax are not installed")
if _HAVE_JAX:
    import jax
    import jax.numpy as jnp
    import optax

    from backends import jax as bj
else:  # the NumPy and torch tests below still run
    jax = None

N, C = 256, 4096
LOGITS = N * C * 4  # float32 bytes
#: what may be allocated beyond the native's temporaries: far below one logits buffer
SLACK = LOGITS // 16


def _temp_bytes(f, *args) -> int:
    compiled = jax.jit(jax.value_and_grad(f)).lower(*args).compile()
    return int(compiled.memory_analysis().temp_size_in_bytes)


@pytest.fixture(scope="module")
def inputs():
    if jax is None:
        pytest.skip("jax and optax are not installed")
    x = jax.random.normal(jax.random.PRNGKey(0), (N, C), jnp.float32)
    y = jax.random.randint(jax.random.PRNGKey(1), (N,), 0, C)
    return x, y


SPARSE = {} if not _HAVE_JAX else {
    "losses.sparse_categorical_crossentropy":
        lambda y: lambda z: losses.sparse_categorical_crossentropy(y, z, from_logits=True),
    "losses.sparse_categorical_crossentropy(sum)":
        lambda y: lambda z: losses.sparse_categorical_crossentropy(y, z, from_logits=True, reduction="sum"),
    "backends.jax.softmax_cross_entropy_with_integer_labels":
        lambda y: lambda z: bj.softmax_cross_entropy_with_integer_labels(z, y).mean(),
}


@needs_jax
@pytest.mark.parametrize("name", SPARSE)
def test_jax_sparse_xent_has_no_logits_sized_temporary(inputs, name):
    x, y = inputs
    native = _temp_bytes(lambda z: optax.softmax_cross_entropy_with_integer_labels(z, y).mean(), x)
    ours = _temp_bytes(SPARSE[name](y), x)
    assert native < SLACK  # optax keeps no logits-sized buffer: the reference itself
    assert ours <= native + SLACK, (
        f"{name}: {ours / LOGITS:.2f} logits-sized buffers of temporaries; optax {native / LOGITS:.2f}")


DENSE = {} if not _HAVE_JAX else {
    "losses.categorical_crossentropy":
        lambda y: lambda z: losses.categorical_crossentropy(y, z, from_logits=True),
    "losses.categorical_crossentropy(smoothing)":
        lambda y: lambda z: losses.categorical_crossentropy(y, z, from_logits=True, label_smoothing=0.1),
    "backends.jax.softmax_cross_entropy":
        lambda y: lambda z: bj.softmax_cross_entropy(z, y).mean(),
}


@needs_jax
@pytest.mark.parametrize("name", DENSE)
def test_jax_dense_xent_temporaries_no_more_than_optax(inputs, name):
    x, labels = inputs
    y = jax.nn.one_hot(labels, C, dtype=jnp.float32)
    smoothing = 0.1 if "smoothing" in name else 0.0  # optax's program: smooth_labels, then the loss
    native = _temp_bytes(lambda z, t: optax.softmax_cross_entropy(z, optax.smooth_labels(t, smoothing)).mean(), x, y)
    ours = _temp_bytes(lambda z, t: DENSE[name](t)(z), x, y)
    # optax stores its log_softmax (2 logits-sized buffers); ours, the derivative
    # written out, recomputes the softmax in the gradient's pass: at least one fewer
    assert ours <= native - LOGITS, (
        f"{name}: {ours / LOGITS:.2f} logits-sized buffers of temporaries; optax {native / LOGITS:.2f}")


# --- torch: host syncs and aten operations per eager call ------------------------------------

_HAVE_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not _HAVE_TORCH, reason="torch is not installed")
#: the reads of a device value on the host
_SYNCS = ("aten::item", "aten::_local_scalar_dense")
#: aten operations a drop-in may issue beyond its native's, forward and backward
#: together: the saturation of the value at the dtype's largest finite number
#: (one pass over the logits for max |x| and three scalar operations, with the
#: events they dispatch inside: 8-9), and a copy (3) where the kernel returns a view
#: (K-dimensional ``reduction='none'``). Class probabilities: the native's own
#: operations written out plus a term of zero mass kept at 0 (a cast to bool and
#: a ``where``, forward and backward) and the saturation: 27 more than the native
#: (which returns NaN there instead). ``KLDivLoss``: a zero target's term kept at 0
#: where the native's is NaN (a cast to bool and a ``where``, forward and backward: 11)
EXTRA_OPS = 12
EXTRA_OPS_PROBABILITIES = 27
EXTRA_OPS_ZERO_TARGET = EXTRA_OPS + 11


def _torch_cases() -> dict:
    if not _HAVE_TORCH:
        return {}
    import torch

    from backends import torch as bt

    g = torch.Generator().manual_seed(0)
    n, c = 64, 100
    x = torch.randn(n, c, generator=g)
    y = torch.randint(0, c, (n,), generator=g)
    y_ign = torch.where(torch.arange(n) % 7 == 0, torch.tensor(-100), y)
    w = torch.rand(c, generator=g) + 0.5
    x3 = torch.randn(8, c, 5, generator=g)
    y3 = torch.randint(0, c, (8, 5), generator=g)
    logp = torch.log_softmax(torch.randn(n, c, generator=g), 1)
    tb = torch.rand(n, c, generator=g)
    pw = torch.rand(c, generator=g) + 0.5
    ce_opts = {"weight": w, "label_smoothing": 0.1, "ignore_index": -100}
    return {
        "CrossEntropyLoss()": (bt.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), x, y),
        "CrossEntropyLoss(weight, label_smoothing, ignore_index)":
            (bt.CrossEntropyLoss(**ce_opts), torch.nn.CrossEntropyLoss(**ce_opts), x, y_ign),
        "CrossEntropyLoss(reduction='none'), [N, C, d]":
            (bt.CrossEntropyLoss(reduction="none"), torch.nn.CrossEntropyLoss(reduction="none"), x3, y3),
        "CrossEntropyLoss(label_smoothing) class probabilities":
            (bt.CrossEntropyLoss(label_smoothing=0.1), torch.nn.CrossEntropyLoss(label_smoothing=0.1), x,
             torch.softmax(torch.randn(n, c, generator=g), 1)),
        "losses.sparse_categorical_crossentropy(axis=1)":
            (lambda a, b: losses.sparse_categorical_crossentropy(b, a, from_logits=True, axis=1),
             torch.nn.CrossEntropyLoss(), x, y),
        "NLLLoss()": (bt.NLLLoss(), torch.nn.NLLLoss(), logp, y),
        "NLLLoss(weight, ignore_index, 'sum')":
            (bt.NLLLoss(weight=w, ignore_index=3, reduction="sum"),
             torch.nn.NLLLoss(weight=w, ignore_index=3, reduction="sum"), logp, y),
        "BCEWithLogitsLoss()": (bt.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss(), x, tb),
        "BCEWithLogitsLoss(weight, pos_weight)":
            (bt.BCEWithLogitsLoss(weight=tb[0], pos_weight=pw),
             torch.nn.BCEWithLogitsLoss(weight=tb[0], pos_weight=pw), x, tb),
        "BCELoss()": (bt.BCELoss(), torch.nn.BCELoss(), torch.sigmoid(x), tb),
        "BCELoss(weight, 'sum')": (bt.BCELoss(weight=tb[0], reduction="sum"),
                                   torch.nn.BCELoss(weight=tb[0], reduction="sum"), torch.sigmoid(x), tb),
        "MSELoss()": (bt.MSELoss(), torch.nn.MSELoss(), x, tb),
        "KLDivLoss('batchmean')": (bt.KLDivLoss(reduction="batchmean"),
                                   torch.nn.KLDivLoss(reduction="batchmean"), logp, tb.softmax(1)),
        "KLDivLoss('sum', log_target)": (bt.KLDivLoss(reduction="sum", log_target=True),
                                         torch.nn.KLDivLoss(reduction="sum", log_target=True), logp,
                                         tb.log_softmax(1)),
        "L1Loss('sum')": (bt.L1Loss(reduction="sum"), torch.nn.L1Loss(reduction="sum"), x, tb),
        "HuberLoss(delta=0.5)": (bt.HuberLoss(delta=0.5), torch.nn.HuberLoss(delta=0.5), x, tb),
        "SmoothL1Loss(beta=2)": (bt.SmoothL1Loss(beta=2.0), torch.nn.SmoothL1Loss(beta=2.0), x, tb),
    }


TORCH_CASES = _torch_cases()


def _profile(loss, x, t) -> tuple[int, int]:
    """(host syncs, aten operations) of one forward and backward call."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    def step():
        z = x.detach().requires_grad_()
        torch.autograd.grad(loss(z, t).sum(), z)

    step()  # warm: lazy initialisation, caches
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        step()
    names = [e.name for e in prof.events() if e.name.startswith("aten::")]
    syncs = sum(name == "aten::_local_scalar_dense" for name in names)
    return syncs, len(names)


@needs_torch
@pytest.mark.parametrize("name", TORCH_CASES)
def test_torch_drop_in_adds_no_host_sync_and_few_ops(name):
    ours, native, x, t = TORCH_CASES[name]
    syncs, ops = _profile(ours, x, t)
    native_syncs, native_ops = _profile(native, x, t)
    assert syncs <= native_syncs, f"{name}: {syncs} host syncs per call; the native {native_syncs}"
    extra = (EXTRA_OPS_PROBABILITIES if "probabilities" in name
             else EXTRA_OPS_ZERO_TARGET if name.startswith("KLDivLoss") else EXTRA_OPS)
    assert ops <= native_ops + extra, f"{name}: {ops} aten operations per call; the native {native_ops}"


def _large_cases():
    """[1024, 100] logits (past ``_READ_FROM``: the CPU read path) with the
    values that make the native's result differ from ours, float32."""
    import torch

    g = torch.Generator().manual_seed(3)
    x = torch.randn(1024, 100, generator=g)
    y = torch.randint(0, 100, (1024,), generator=g)
    t = torch.softmax(torch.randn(1024, 100, generator=g), 1)
    huge = x.clone()
    huge[0, 0], huge[0, 1] = 3e38, -3e38  # finite, overflowing: saturates
    y_huge = y.clone()
    y_huge[0] = 1
    neg_inf = x.clone()
    neg_inf[0, 0] = -float("inf")  # zero target there: the native's 0 * -inf = NaN
    t_zero = t.clone()
    t_zero[0, 0] = 0.0
    pos_inf = huge.clone()
    pos_inf[1, 2] = float("inf")  # a non-finite input: no saturation anywhere
    return {"plain": (x, y, t), "huge": (huge, y_huge, t), "zero target at -inf": (neg_inf, y, t_zero),
            "inf logit": (pos_inf, y_huge, t)}


@needs_torch
@pytest.mark.parametrize("case", ["plain", "huge", "zero target at -inf", "inf logit"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.1, "weight": "w"}])
def test_torch_large_cpu_read_path_gives_the_sync_free_values(case, reduction, options, monkeypatch):
    """Past ``_READ_FROM`` logits on the CPU the fused paths read their result
    (one scalar) instead of passing over the logits, and class probabilities
    take the native kernel unless that result is NaN or beyond the limit. Its
    values and gradients must be the sync-free path's on the same inputs
    (``_READ_FROM`` raised past them), NaN and inf where they are; at the
    finite overflow the value is the limit, at a non-finite input it is not
    saturated (``docs/extreme-values.md``)."""
    import torch

    from backends import _torch as B
    from backends import torch as bt

    x, y, t = _large_cases()[case]
    assert x.numel() >= B._READ_FROM
    if options:
        options = {**options, "weight": torch.linspace(0.5, 1.5, 100)}
    for target in (y, t):
        out = []
        for read_from in (B._READ_FROM, 10 ** 9):
            monkeypatch.setattr(B, "_READ_FROM", read_from)
            z = x.clone().requires_grad_()
            v = bt.CrossEntropyLoss(reduction=reduction, **options)(z, target)
            (g,) = torch.autograd.grad(v.sum(), z)
            out.append((v.detach(), g))
        (v_read, g_read), (v_free, g_free) = out
        torch.testing.assert_close(v_read, v_free, equal_nan=True)
        torch.testing.assert_close(g_read, g_free, equal_nan=True)
        if case == "huge" and reduction != "none":
            assert v_read.item() == torch.finfo(torch.float32).max
        if case == "inf logit" and reduction != "none":
            assert not torch.isfinite(v_read)


@needs_torch
def test_torch_large_cpu_call_reads_its_result_instead_of_passing_over_the_logits():
    """The deterministic cost of the read path: no ``aminmax``/``abs`` pass over
    the [1024, 100] logits (the guard), one host read of the result; the small
    call keeps its zero reads (``test_torch_drop_in_adds_no_host_sync_and_few_ops``)."""
    from torch.profiler import ProfilerActivity, profile

    from backends import torch as bt

    x, y, t = _large_cases()["plain"]
    for target in (y, t):
        loss = bt.CrossEntropyLoss()
        loss(x, target)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            loss(x, target)
        names = [e.name for e in prof.events() if e.name.startswith("aten::")]
        assert not {"aten::aminmax", "aten::abs", "aten::where"} & set(names), names
        assert names.count("aten::_local_scalar_dense") == 1, names


@needs_torch
def test_torch_bad_probability_still_names_the_value_on_cpu():
    """``BCELoss``: the kernel checks [0, 1] (no host read on the happy path);
    on CPU its ``RuntimeError`` becomes the ``ValueError`` naming the value."""
    import torch

    from backends import torch as bt

    with pytest.raises(ValueError, match=r"`input` holds 1.5 at index \(1,\)"):
        bt.BCELoss()(torch.tensor([0.5, 1.5]), torch.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"`target` holds -0.5 at index \(0,\)"):
        bt.BCELoss()(torch.tensor([0.5]), torch.tensor([-0.5]))


@needs_torch
def test_torch_bad_label_still_names_the_label_on_cpu():
    """The kernel validates the labels (no host read on the happy path); on CPU
    its ``IndexError`` becomes the ``ValueError`` naming the first bad label.
    ``check_labels = True`` reads them first (one sync), as on CUDA one would."""
    import torch

    from backends import torch as bt

    x = torch.randn(3, 4)
    for m in (bt.CrossEntropyLoss(), bt.CrossEntropyLoss(label_smoothing=0.1, weight=torch.ones(4)),
              bt.NLLLoss()):
        with pytest.raises(ValueError, match=r"`target` holds class label 4 at index \(2,\)"):
            m(x, torch.tensor([0, 1, 4]))
    m = bt.CrossEntropyLoss()
    m.check_labels = True
    with pytest.raises(ValueError, match=r"`target` holds class label -1 at index \(1,\)"):
        m(x, torch.tensor([0, -1, 2]))
    assert _profile(m, x, torch.tensor([0, 1, 2]))[0] > 0  # the opt-in read


# --- NumPy: tracemalloc peak of value_and_grad against the logits' size -----------------
#
# NumPy has no autodiff: ``losses.value_and_grad`` uses the spec's closed-form
# gradient. The cross-entropy of logits runs NumPy's in-place row-chunk kernel
# (``backends/_numpy.softmax_rows``): the returned gradient is its only
# logits-sized allocation, float32 stays float32. Peak = 1.0 logits (the
# gradient) + chunk-sized and per-row temporaries.

NP_N, NP_C = 512, 4000


def _np_peak(f) -> tuple:
    import gc
    import tracemalloc

    f()  # warm: imports, caches
    gc.collect()
    tracemalloc.start()
    try:
        out = f()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, out


def _np_inputs():
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(NP_N, NP_C)).astype(np.float32)
    labels = rng.integers(0, NP_C, size=NP_N)
    return x, labels


NP_CASES = {
    "sparse": lambda x, y, t: losses.value_and_grad(
        losses.sparse_categorical_crossentropy, y, x, from_logits=True),
    "sparse(sum, class_weight, ignore_index)": lambda x, y, t: losses.value_and_grad(
        losses.sparse_categorical_crossentropy, y, x, from_logits=True, reduction="sum",
        class_weight=np.linspace(0.5, 2.0, NP_C, dtype=np.float32), ignore_index=int(y[0])),
    "sparse(sample_weight)": lambda x, y, t: losses.value_and_grad(
        losses.sparse_categorical_crossentropy, y, x, from_logits=True,
        sample_weight=np.linspace(0.0, 1.0, NP_N, dtype=np.float32)),
    "categorical": lambda x, y, t: losses.value_and_grad(
        losses.categorical_crossentropy, t, x, from_logits=True),
}


@pytest.mark.parametrize("name", NP_CASES)
def test_numpy_xent_gradient_is_the_only_logits_sized_allocation(name):
    x, labels = _np_inputs()
    t = np.eye(NP_C, dtype=np.float32)[labels]
    logits = x.nbytes
    peak, (value, g) = _np_peak(lambda: NP_CASES[name](x, labels, t))
    assert g.dtype == np.float32 and np.asarray(value).dtype == np.float32, (g.dtype, np.asarray(value).dtype)
    assert g.shape == x.shape
    # the gradient (1.0) + a quarter of one logits buffer for chunk- and row-sized temporaries
    assert peak <= 1.25 * logits, f"{name}: peak {peak / logits:.2f} logits-sized buffers (goal <= 1.25)"
    # the value and gradient are right: softmax - onehot (times the reduction's scale), against float64
    x64 = x.astype(np.float64)
    p = np.exp(x64 - x64.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    if name in ("sparse", "categorical"):
        ref = (p - np.eye(NP_C)[labels]) / NP_N
        np.testing.assert_allclose(g, ref, rtol=1e-4, atol=1e-9)
        np.testing.assert_allclose(value, -np.log(p[np.arange(NP_N), labels]).mean(), rtol=1e-5)


# --- NumPy: a small call is one hand-fused pass, not the generic path ---------------------


@pytest.mark.parametrize("reduction", ["mean", "sum_over_batch_size", "sum", "none"])
@pytest.mark.parametrize("dense", [False, True], ids=["sparse", "categorical"])
def test_numpy_small_xent_call_skips_the_generic_path(dense, reduction, monkeypatch):
    """``value_and_grad`` of a [64, 100] cross-entropy of logits (the per-call
    cost is Python: ``benchmarks/overhead.py --frameworks numpy``) runs without
    ``losses._core.run``, right against float64; a non-finite value (target
    mass on a ``-inf`` logit) still takes the generic path's ``+inf``."""
    import losses._core as core

    rng = np.random.default_rng(3)
    n, c = 64, 100
    x = rng.standard_normal((n, c)).astype(np.float32)
    labels = rng.integers(0, c, n)
    t = rng.random((n, c)).astype(np.float32)
    t /= t.sum(1, keepdims=True) * 1.5  # row mass 2/3: sum(t) softmax - t, not softmax - t
    loss = losses.categorical_crossentropy if dense else losses.sparse_categorical_crossentropy
    y = t if dense else labels
    generic = core.run

    def no_generic(*a, **k):
        raise AssertionError("the generic path ran")

    monkeypatch.setattr(core, "run", no_generic)
    value, g = losses.value_and_grad(loss, y, x, from_logits=True, reduction=reduction)
    x64 = x.astype(np.float64)
    logp = x64 - x64.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    tt = t.astype(np.float64) if dense else np.eye(c)[labels]
    rows = -(tt * logp).sum(1)
    scale = 1.0 if reduction in ("sum", "none") else 1.0 / n
    ref = {"none": rows, "sum": rows.sum()}.get(reduction, rows.mean())
    np.testing.assert_allclose(value, ref, rtol=1e-5)
    np.testing.assert_allclose(g, (tt.sum(1, keepdims=True) * np.exp(logp) - tt) * scale, rtol=1e-4, atol=1e-9)
    assert g.dtype == np.float32 and np.asarray(value).dtype == np.float32
    x[5, labels[5]] = -np.inf
    if dense:
        t[5, labels[5]] = 0.5
    with pytest.raises(AssertionError, match="the generic path ran"):
        losses.value_and_grad(loss, y, x, from_logits=True, reduction=reduction)
    monkeypatch.setattr(core, "run", generic)
    value, g = losses.value_and_grad(loss, y, x, from_logits=True, reduction=reduction)
    assert np.isposinf(value[5] if reduction == "none" else value)
