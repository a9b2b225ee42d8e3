"""Dispatch: lazy framework detection, mixing rules, tracers and symbolic tensors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from _fw import MISSING

import backends
import losses

LOGITS = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
LABELS = np.array([2, 0])
EXPECTED = float(np.mean([np.log(np.exp(LOGITS[i]).sum()) - LOGITS[i, LABELS[i]] for i in range(2)]))


def test_import_losses_imports_no_framework():
    code = ("import losses, backends, sys; "
            "print(sorted(m for m in ('torch','tensorflow','jax','keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_numpy_call_imports_no_framework():
    code = ("import numpy as np, losses, sys; "
            "losses.categorical_crossentropy(np.eye(3), np.eye(3) + 1.0, from_logits=True); "
            "print(sorted(m for m in ('torch','tensorflow','jax','keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_python_lists_are_numpy():
    v = losses.sparse_categorical_crossentropy(LABELS.tolist(), LOGITS.tolist(), from_logits=True)
    assert isinstance(v, (np.ndarray, np.floating))
    assert float(v) == pytest.approx(EXPECTED, rel=1e-12)


def test_type_cache_and_neutral_values():
    assert backends.framework_of(1.0) is None
    assert backends.framework_of([1, 2]) is None
    assert backends.framework_of(np.zeros(2)) == "numpy"
    assert backends.framework_of(np.float32(1)) == "numpy"
    with pytest.raises(TypeError, match="unsupported array type"):
        backends.framework_of(object())


def test_unsupported_array_type_names_it():
    with pytest.raises(TypeError, match="builtins.str"):
        losses.categorical_crossentropy("abc", LOGITS)


torch = pytest.importorskip("torch", reason=MISSING.get("torch", "")) if "torch" in MISSING else None


@pytest.mark.skipif("torch" in MISSING or "jax" in MISSING, reason="needs torch and jax")
def test_two_frameworks_raise_type_error_naming_both():
    import jax.numpy as jnp
    import torch

    with pytest.raises(TypeError) as ei:
        losses.sparse_categorical_crossentropy(torch.tensor(LABELS), jnp.asarray(LOGITS), from_logits=True)
    msg = str(ei.value)
    assert "torch" in msg and "jax" in msg and "y_true" in msg and "y_pred" in msg


@pytest.mark.skipif("torch" in MISSING, reason=MISSING.get("torch", ""))
def test_numpy_beside_torch_is_converted_to_torch():
    import torch

    v = losses.sparse_categorical_crossentropy(LABELS, torch.tensor(LOGITS), from_logits=True,
                                               class_weight=np.ones(3))
    assert isinstance(v, torch.Tensor) and float(v) == pytest.approx(EXPECTED, rel=1e-12)


@pytest.mark.skipif("jax" in MISSING, reason=MISSING.get("jax", ""))
def test_jax_tracers_jit_grad_vmap():
    import jax
    import jax.numpy as jnp

    logits, labels = jnp.asarray(LOGITS), jnp.asarray(LABELS)
    f = jax.jit(lambda z: losses.sparse_categorical_crossentropy(labels, z, from_logits=True))
    assert float(f(logits)) == pytest.approx(EXPECTED, rel=1e-12)
    onehot = jax.nn.one_hot(labels, 3, dtype=logits.dtype)
    g = jax.grad(losses.categorical_crossentropy, argnums=1)(onehot, logits, from_logits=True)
    expected_g = (jax.nn.softmax(logits) - onehot) / 2
    np.testing.assert_allclose(np.asarray(g), np.asarray(expected_g), rtol=1e-12)
    per = jax.vmap(lambda y, z: losses.sparse_categorical_crossentropy(y, z[None], from_logits=True))(
        labels[:, None], logits)
    assert float(jnp.mean(per)) == pytest.approx(EXPECTED, rel=1e-12)


@pytest.mark.skipif("tensorflow" in MISSING, reason=MISSING.get("tensorflow", ""))
def test_tf_function_symbolic_tensors():
    import tensorflow as tf

    @tf.function
    def f(y, z):
        return losses.sparse_categorical_crossentropy(y, z, from_logits=True)

    assert float(f(tf.constant(LABELS), tf.constant(LOGITS))) == pytest.approx(EXPECTED, rel=1e-12)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int64), tf.TensorSpec([None, 3], tf.float64)])
    def g(y, z):
        return losses.sparse_categorical_crossentropy(y, z, from_logits=True)

    assert float(g(tf.constant(LABELS), tf.constant(LOGITS))) == pytest.approx(EXPECTED, rel=1e-12)


def test_value_and_grad_rejects_unknown_loss_and_option():
    with pytest.raises(TypeError, match="registered losses"):
        losses.value_and_grad(np.mean, LABELS, LOGITS)
    with pytest.raises(ValueError, match="from_logit"):
        losses.value_and_grad(losses.sparse_categorical_crossentropy, LABELS, LOGITS, from_logit=True)
