"""Deterministic costs of the drop-in losses against their natives (issue 16):
what the compiled program allocates, not how long it takes (timing stays in
``benchmarks/overhead.py``).

JAX: ``jax.jit(jax.value_and_grad(loss)).lower(x).compile().memory_analysis()``
gives the temporary bytes XLA allocates besides the inputs and outputs. A loss
that stores the shifted logits or the log-softmax for its backward pass has a
logits-sized temporary; optax's has none.
"""

from __future__ import annotations

import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
import jax.numpy as jnp  # noqa: E402

import losses  # noqa: E402
from backends import jax as bj  # noqa: E402

N, C = 256, 4096
LOGITS = N * C * 4  # float32 bytes
#: what may be allocated beyond the native's temporaries: far below one logits buffer
SLACK = LOGITS // 16


def _temp_bytes(f, *args) -> int:
    compiled = jax.jit(jax.value_and_grad(f)).lower(*args).compile()
    return int(compiled.memory_analysis().temp_size_in_bytes)


@pytest.fixture(scope="module")
def inputs():
    x = jax.random.normal(jax.random.PRNGKey(0), (N, C), jnp.float32)
    y = jax.random.randint(jax.random.PRNGKey(1), (N,), 0, C)
    return x, y


SPARSE = {
    "losses.sparse_categorical_crossentropy":
        lambda y: lambda z: losses.sparse_categorical_crossentropy(y, z, from_logits=True),
    "losses.sparse_categorical_crossentropy(sum)":
        lambda y: lambda z: losses.sparse_categorical_crossentropy(y, z, from_logits=True, reduction="sum"),
    "backends.jax.softmax_cross_entropy_with_integer_labels":
        lambda y: lambda z: bj.softmax_cross_entropy_with_integer_labels(z, y).mean(),
}


@pytest.mark.parametrize("name", SPARSE)
def test_jax_sparse_xent_has_no_logits_sized_temporary(inputs, name):
    x, y = inputs
    native = _temp_bytes(lambda z: optax.softmax_cross_entropy_with_integer_labels(z, y).mean(), x)
    ours = _temp_bytes(SPARSE[name](y), x)
    assert native < SLACK  # optax keeps no logits-sized buffer: the reference itself
    assert ours <= native + SLACK, (
        f"{name}: {ours / LOGITS:.2f} logits-sized buffers of temporaries; optax {native / LOGITS:.2f}")


DENSE = {
    "losses.categorical_crossentropy":
        lambda y: lambda z: losses.categorical_crossentropy(y, z, from_logits=True),
    "losses.categorical_crossentropy(smoothing)":
        lambda y: lambda z: losses.categorical_crossentropy(y, z, from_logits=True, label_smoothing=0.1),
    "backends.jax.softmax_cross_entropy":
        lambda y: lambda z: bj.softmax_cross_entropy(z, y).mean(),
}


@pytest.mark.parametrize("name", DENSE)
def test_jax_dense_xent_temporaries_no_more_than_optax(inputs, name):
    x, labels = inputs
    y = jax.nn.one_hot(labels, C, dtype=jnp.float32)
    smoothing = 0.1 if "smoothing" in name else 0.0  # optax's program: smooth_labels, then the loss
    native = _temp_bytes(lambda z, t: optax.softmax_cross_entropy(z, optax.smooth_labels(t, smoothing)).mean(), x, y)
    ours = _temp_bytes(lambda z, t: DENSE[name](t)(z), x, y)
    assert ours <= native + SLACK, (
        f"{name}: {ours / LOGITS:.2f} logits-sized buffers of temporaries; optax {native / LOGITS:.2f}")
