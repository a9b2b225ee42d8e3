"""Deterministic costs of the drop-in losses against their natives (issue 16):
what the compiled program allocates, not how long it takes (timing stays in
``benchmarks/overhead.py``).

JAX: ``jax.jit(jax.value_and_grad(loss)).lower(x).compile().memory_analysis()``
gives the temporary bytes XLA allocates besides the inputs and outputs. A loss
that stores the shifted logits or the log-softmax for its backward pass has a
logits-sized temporary; optax's has none.

NumPy: the ``tracemalloc`` peak of ``losses.value_and_grad`` against the
logits' bytes (the returned gradient is one logits buffer; nothing else may be).
"""

from __future__ import annotations

import numpy as np
import pytest

import losses

try:
    import jax
    import jax.numpy as jnp
    import optax

    from backends import jax as bj
except ImportError:  # the NumPy tests below still run
    jax = None
needs_jax = pytest.mark.skipif(jax is None, reason="jax and optax are not installed")

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


SPARSE = {} if jax is None else {
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


DENSE = {} if jax is None else {
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
    assert ours <= native + SLACK, (
        f"{name}: {ours / LOGITS:.2f} logits-sized buffers of temporaries; optax {native / LOGITS:.2f}")


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
