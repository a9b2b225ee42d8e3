"""Every registered loss x option set, traced (``jax.jit``, ``tf.function``,
``torch.func``): the same values and gradients as eager, and an out-of-range
label poisons only its own element (loss and gradient), never the others."""

from __future__ import annotations

import numpy as np
import pytest
from _fw import FRAMEWORKS, convert
from test_parity import CASE_IDS, CASES, assert_close, inputs

import losses

CPU = {f.name: f for f in FRAMEWORKS if f.device.lower().startswith("cpu")}
# the first option set of each loss, and every one with a data check that
# behaves differently when traced (labels, ignore_index, torch's log clamp)
TRACED = [(k, c) for k, c in enumerate(CASES)
          if c[1] == 0 or {"ignore_index", "log_min"} & set(c[0].option_sets[c[1]])]


def _traced_value_and_grad(name, f, y_pred):
    """``(sum(f(p)), d sum(f(p)) / dp)`` with ``f`` traced by the framework."""
    if name == "jax":
        import jax
        import jax.numpy as jnp

        return jax.jit(jax.value_and_grad(lambda p: jnp.sum(f(p))))(y_pred)
    if name == "torch":
        import torch

        g, v = torch.func.grad_and_value(lambda p: torch.sum(f(p)))(y_pred)
        return v, g
    import tensorflow as tf

    @tf.function
    def vg(p):
        with tf.GradientTape() as tape:
            tape.watch(p)
            v = tf.reduce_sum(f(p))
        return v, tape.gradient(v, p)

    return vg(y_pred)


@pytest.mark.parametrize("name", [n for n in ("jax", "torch", "tensorflow") if n in CPU])
@pytest.mark.parametrize("entry,i", [c for _, c in TRACED], ids=[CASE_IDS[k] for k, _ in TRACED])
def test_traced_equals_eager(entry, i, name):
    fw = CPU[name]
    y_true, y_pred, opts = inputs(entry, i)
    v_ref, g_ref = losses.value_and_grad(entry.fn, y_true, y_pred, **opts)
    args = {k: convert(fw, v, "float64") for k, v in opts.items()}
    t = convert(fw, y_true, "float64")
    v, g = _traced_value_and_grad(name, lambda p: entry.fn(t, p, **args), fw.to(y_pred, "float64"))
    assert_close(fw.back(v), np.sum(v_ref), "float64", "value")
    assert_close(fw.back(g), g_ref, "float64", "gradient")


@pytest.mark.parametrize("name", [n for n in ("jax", "torch", "tensorflow") if n in CPU])
@pytest.mark.parametrize("fn", [losses.sparse_categorical_crossentropy, losses.nll_loss])
def test_bad_label_poisons_only_its_element(name, fn):
    fw = CPU[name]
    rng = np.random.default_rng(3)
    z = rng.normal(size=(4, 3))
    good, bad = np.array([0, 2, 1, 1]), np.array([0, 2, 7, 1])
    _, g_ref = losses.value_and_grad(fn, good, z, reduction="none")
    t = fw.to(bad, None)
    v, g = _traced_value_and_grad(name, lambda p: fn(t, p, reduction="none"), fw.to(z, "float64"))
    g = fw.back(g)
    assert np.isnan(fw.back(v))
    assert np.isnan(g[2]).any()  # the bad element's row
    np.testing.assert_allclose(np.delete(g, 2, 0), np.delete(g_ref, 2, 0), rtol=1e-12)
