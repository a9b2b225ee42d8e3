"""Parity: every registered loss x option set x backend x device x dtype
equals the float64 NumPy reference, values and gradients; the reference's
closed-form gradient equals float64 central finite differences."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from _fw import FRAMEWORKS, convert

import losses
from losses._registry import REGISTRY, option_label

CASES = [(e, i) for e in REGISTRY for i in range(len(e.option_sets))]
CASE_IDS = [f"{e.name}[{option_label(e.option_sets[i])}]" for e, i in CASES]
TOL = {"float64": (1e-10, 1e-12), "float32": (2e-5, 2e-6)}


def inputs(entry, i, seed=0):
    rng = np.random.default_rng(zlib.crc32(f"{entry.name}/{i}/{seed}".encode()))
    return entry.make(rng, entry.option_sets[i])


def reference(entry, y_true, y_pred, opts):
    return losses.value_and_grad(entry.fn, y_true, y_pred, **opts)


def assert_close(actual, expected, dtype, what):
    rtol, atol = TOL[dtype]
    scale = max(1.0, float(np.max(np.abs(expected))) if np.size(expected) else 1.0)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale, err_msg=what)


#: every backend/device x dtype but NumPy float64, which *is* the reference: its
#: closed-form gradient is held against float64 central finite differences below,
#: its values against the natives (conformance suites) and sklearn/scipy
#: (tests/test_independent.py) -- comparing it with itself would test nothing
TARGETS = [(fw, dt) for fw in FRAMEWORKS for dt in ("float64", "float32")
           if not (fw.name == "numpy" and dt == "float64")]


@pytest.mark.parametrize("fw,dtype", TARGETS, ids=[f"{fw.id}-{dt}" for fw, dt in TARGETS])
@pytest.mark.parametrize("entry,i", CASES, ids=CASE_IDS)
def test_value_and_grad_match_reference(entry, i, fw, dtype):
    y_true, y_pred, opts = inputs(entry, i)
    v_ref, g_ref = reference(entry, y_true, y_pred, opts)
    args = {k: convert(fw, v, dtype) for k, v in opts.items()}
    v, g = losses.value_and_grad(entry.fn, convert(fw, y_true, dtype), fw.to(y_pred, dtype), **args)
    assert fw.back(v).dtype == np.dtype(dtype), "loss comes back in y_pred's dtype"
    assert fw.back(g).shape == y_pred.shape and fw.back(g).dtype == np.dtype(dtype)
    assert_close(fw.back(v), v_ref, dtype, "value")
    assert_close(fw.back(g), g_ref, dtype, "gradient")
    # the plain call gives the same value as value_and_grad
    assert_close(fw.back(entry.fn(convert(fw, y_true, dtype), fw.to(y_pred, dtype), **args)),
                 v_ref, dtype, "plain call")


def central_differences(f, x, h=1e-6, where=None):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        if where is not None and not where[idx]:
            continue
        a, b = x.copy(), x.copy()
        a[idx] += h
        b[idx] -= h
        g[idx] = (f(a) - f(b)) / (2 * h)
    return g


@pytest.mark.parametrize("entry,i", CASES, ids=CASE_IDS)
def test_closed_form_gradient_matches_finite_differences(entry, i):
    y_true, y_pred, opts = inputs(entry, i)
    _, g = reference(entry, y_true, y_pred, opts)
    # step relative to each input's scale keeps probabilities inside (0, 1); an
    # exact 0 in a distribution (zeros=True) sits on the domain's boundary, where
    # a central difference would step to a negative probability (an error): the
    # derivative is one-sided there, so only its finiteness is checked
    inside = y_pred != 0
    h = 1e-6 * max(1e-3, float(np.min(np.abs(y_pred[inside]))))
    fd = central_differences(lambda p: float(np.sum(entry.fn(y_true, p, **opts))), y_pred, h, inside)
    assert np.isfinite(g).all()
    np.testing.assert_allclose(g[inside], fd[inside], rtol=1e-5, atol=1e-6 * max(1.0, np.max(np.abs(fd))))
