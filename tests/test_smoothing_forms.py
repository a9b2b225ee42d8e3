"""Additive (Laplace/Lidstone) label smoothing, ``(P + e) / (1 + C e)``, and
its deprecated alias ``"seed"``.

Expected values are closed forms written here (NumPy), not the library's.
"""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest

import losses
from losses._registry import REGISTRY

#: the losses with a ``smoothing`` option
SMOOTHED = [e for e in REGISTRY if "smoothing" in inspect.signature(e.fn).parameters]


def test_every_smoothed_loss_is_found():
    names = {e.name for e in SMOOTHED}
    assert {"categorical_crossentropy", "sparse_categorical_crossentropy", "nll_loss",
            "binary_crossentropy", "poly1_crossentropy"} <= names


def _additive_case(entry):
    """The entry's registry case with additive smoothing, or its first case with it added."""
    case = next((o for o in entry.option_sets if o.get("smoothing") == "additive"),
                {**entry.option_sets[0], "label_smoothing": 0.2, "smoothing": "additive"})
    return entry.make(np.random.default_rng(0), case)


@pytest.mark.parametrize("entry", SMOOTHED, ids=lambda e: e.name)
def test_seed_alias_warns_and_equals_additive(entry):
    y, p, opts = _additive_case(entry)
    opts = {**opts, "reduction": "none"}
    want = np.asarray(entry.fn(y, p, **opts))
    want_v, want_g = losses.value_and_grad(entry.fn, y, p, **opts)
    with pytest.warns(DeprecationWarning, match=r"`smoothing`='seed' is deprecated.*'additive'") as rec:
        got = np.asarray(entry.fn(y, p, **{**opts, "smoothing": "seed"}))
    # the warning points at the caller (so Python's default filters show it)
    assert os.path.samefile(rec[0].filename, __file__)
    with pytest.warns(DeprecationWarning):
        got_v, got_g = losses.value_and_grad(entry.fn, y, p, **{**opts, "smoothing": "seed"})
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got_v, want_v)
    np.testing.assert_array_equal(got_g, want_g)
    assert np.any(want_g != 0)


def test_smooth_labels_seed_form_alias_warns_and_equals_additive():
    y = np.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])
    with pytest.warns(DeprecationWarning, match=r"`form`='seed' is deprecated.*'additive'") as rec:
        got = losses.smooth_labels(y, 0.25, form="seed")
    assert os.path.samefile(rec[0].filename, __file__)
    np.testing.assert_array_equal(got, losses.smooth_labels(y, 0.25, form="additive"))


def test_an_unknown_form_names_the_forms():
    with pytest.raises(ValueError, match=r"`smoothing` must be one of 'standard', 'additive'; got 'lidstone'"):
        losses.categorical_crossentropy(np.eye(2), np.zeros((2, 2)), smoothing="lidstone")
    with pytest.raises(ValueError, match=r"`form` must be one of 'standard', 'additive'; got 'laplace'"):
        losses.smooth_labels(np.eye(2), 0.1, form="laplace")


def _log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


@pytest.mark.parametrize("c", [2, 3, 7])
@pytest.mark.parametrize("e", [0.05, 0.3, 2.0])
def test_additive_equals_standard_at_rescaled_amount(c, e):
    rng = np.random.default_rng(c)
    y = rng.dirichlet(np.ones(c), size=5)
    closed = (y + e) / (1.0 + c * e)  # additive smoothing, written out
    e_std = c * e / (1.0 + c * e)  # the equivalent standard amount
    np.testing.assert_allclose((1.0 - e_std) * y + e_std / c, closed, rtol=1e-14)  # the algebra
    np.testing.assert_allclose(losses.smooth_labels(y, e, form="additive"), closed, rtol=1e-13)
    np.testing.assert_allclose(losses.smooth_labels(y, e_std), closed, rtol=1e-13)

    z = rng.normal(size=(5, c))
    xent = -(closed * _log_softmax(z)).sum(-1)
    additive = losses.categorical_crossentropy(y, z, from_logits=True, label_smoothing=e,
                                               smoothing="additive", reduction="none")
    standard = losses.categorical_crossentropy(y, z, from_logits=True, label_smoothing=e_std,
                                               reduction="none")
    np.testing.assert_allclose(additive, xent, rtol=1e-12)
    np.testing.assert_allclose(standard, xent, rtol=1e-12)

    labels = rng.integers(0, c, size=5)
    onehot = (np.eye(c)[labels] + e) / (1.0 + c * e)
    sparse = losses.sparse_categorical_crossentropy(labels, z, from_logits=True, label_smoothing=e,
                                                    smoothing="additive", reduction="none")
    np.testing.assert_allclose(sparse, -(onehot * _log_softmax(z)).sum(-1), rtol=1e-12)


@pytest.mark.parametrize("e", [0.1, 1.5])
def test_binary_additive_smoothing_closed_form(e):
    rng = np.random.default_rng(1)
    y = (rng.uniform(size=(4, 3)) < 0.5) * 1.0
    z = rng.normal(size=(4, 3))
    t = (y + e) / (1.0 + 2.0 * e)  # two classes: y and 1 - y
    s = 1.0 / (1.0 + np.exp(-z))
    closed = -(t * np.log(s) + (1.0 - t) * np.log(1.0 - s))
    got = losses.binary_crossentropy(y, z, from_logits=True, label_smoothing=e,
                                     smoothing="additive", reduction="none")
    np.testing.assert_allclose(got, closed, rtol=1e-12)
