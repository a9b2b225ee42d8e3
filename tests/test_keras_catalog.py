"""The catalogue classes of ``backends.keras``: focal, poly, divergences, regression.

* Conformance (``_keras_catalog_conformance.py``): each class against the native Keras class
  (or, where Keras has none, a reference built from native Keras pieces) on every option --
  alpha, gamma, apply_class_balancing, label_smoothing, from_logits, axis, ignore_class,
  delta, beta, epsilon, log_input, full -- every reduction, sample_weight [N] and [N, T],
  Keras masks, float32 and float64: values and gradients w.r.t. y_pred. All cases on the
  test process's Keras backend; on the other of TensorFlow / JAX in one subprocess (JAX
  with x64, so float64 too).
* Signatures, defaults and ``CATALOG`` against the installed Keras.
* Each documented difference, asserted against closed forms (NumPy, float64).
* get_config / from_config, registration, a compiled model saved to .keras and loaded.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

keras = pytest.importorskip("keras")
import _keras_catalog_conformance as kcc  # noqa: E402
import _keras_conformance as kc  # noqa: E402
from keras import ops  # noqa: E402

import backends.keras as bk  # noqa: E402
from losses._registry import LOSS_NAMES  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKEND = keras.backend.backend()
NEW_CLASSES = kcc.CLASSES


def np_(x) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(ops.cast(x, "float64") if hasattr(x, "dtype") else x))


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    z = z - z.max(axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis, keepdims=True))


def subprocess_env(**extra: str) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **extra)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


# --- conformance -----------------------------------------------------------------------


@pytest.mark.parametrize("case", kcc.cases(), ids=lambda c: c.id)
def test_matches_reference(case):
    if case.dtype == "float64" and not kc.float64_available():  # JAX without x64
        case = dataclasses.replace(case, dtype="float32")
    msg = kcc.check(case)
    assert msg is None, msg


def test_every_class_meets_every_reduction_weight_mask_and_dtype():
    for cls in NEW_CLASSES:
        mine = [c for c in kcc.cases() if c.cls is cls]
        assert {c.reduction for c in mine} == set(kc.REDUCTIONS)
        assert {(c.sw, c.mask, c.dtype) for c in mine} == {
            (s, m, d) for s in ("none", "N", "NT") for m in (False, True) for d in ("float32", "float64")}
        quick = [c for c in kcc.cases(quick=True) if c.cls is cls]
        assert {c.reduction for c in quick} == set(kc.REDUCTIONS)
        assert {json.dumps(c.options, sort_keys=True) for c in quick} == {
            json.dumps(o, sort_keys=True) for o in kcc.OPTIONS[cls]}


def test_float64_exact_against_closed_forms():
    """Ours in float64 equals NumPy float64 closed forms to rounding (values, sums with
    sample weights, gradients), independent of the native."""
    for name, err in kcc.float64_exactness().items():
        assert err < 1e-12, (name, err)


OTHER_BACKENDS = [b for b in ("tensorflow", "jax", "torch") if b != BACKEND]


@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_matches_reference_on_other_keras_backend(backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tests", "_keras_catalog_conformance.py"), "--quick"],
        env=subprocess_env(KERAS_BACKEND=backend, JAX_ENABLE_X64="1"),
        capture_output=True, text=True, timeout=900,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["backend"] == backend
    assert r["cases"] == len(kcc.cases(quick=True))
    assert r["float64"] is True  # float64 cases ran in float64
    assert r["failures"] == []  # values, gradients, and no warning
    # float64 is float64 on every backend (Keras' torch ops.mean is not: ours avoids it)
    assert r["float64_exactness"] and max(r["float64_exactness"].values()) < 1e-12, r["float64_exactness"]


# --- names, signatures, CATALOG --------------------------------------------------------------


#: the classes of CATALOG (it lists the functional forms too: tests/test_docs.py)
CLASSES = {n: v for n, v in bk.CATALOG.items()
           if inspect.isclass(getattr(bk, n)) and issubclass(getattr(bk, n), keras.losses.Loss)}
#: the layers of CATALOG (LinearCrossEntropy: a projection that adds its loss; tests/test_linear_ce.py)
LAYERS = {n for n in bk.CATALOG if inspect.isclass(getattr(bk, n)) and issubclass(getattr(bk, n), keras.layers.Layer)}


def test_catalog_lists_every_public_class():
    public = {n for n in bk.__all__ if inspect.isclass(getattr(bk, n))
              and issubclass(getattr(bk, n), keras.losses.Loss)}
    assert set(CLASSES) == public
    registry = set(LOSS_NAMES)
    for name, (specs, native) in CLASSES.items():
        assert isinstance(specs, tuple) and specs and set(specs) <= registry, name
        if native is not None:
            assert native == f"keras.losses.{name}"
            assert issubclass(kcc.native_class(native), keras.losses.Loss)
        else:
            assert not hasattr(keras.losses, name), f"Keras has {name}: CATALOG should name it"


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_signature_matches_native(name):
    ours = inspect.signature(getattr(bk, name).__init__).parameters
    native = bk.CATALOG[name][1]
    if native is not None:  # same names, order, defaults
        theirs = inspect.signature(kcc.native_class(native).__init__).parameters
        assert [(p.name, p.default) for p in ours.values()] == \
            [(p.name, p.default) for p in theirs.values()]
    else:  # Keras' conventions: the three Loss arguments last, with Keras' defaults
        params = list(ours)
        assert params[-3:] == ["reduction", "name", "dtype"], params
        assert ours["reduction"].default == "sum_over_batch_size" and ours["dtype"].default is None
        assert isinstance(ours["name"].default, str) and ours["name"].default.islower()


#: documented: the config keys ours keeps beyond the native's (the native drops them, so
#: a reloaded native loss silently falls back to the default)
EXTRA_CONFIG_KEYS = {"SparseCategoricalCrossentropy": {"axis"}, "Huber": {"delta"}, "CosineSimilarity": {"axis"}}


@pytest.mark.parametrize("name", sorted(n for n, (_, native) in CLASSES.items() if native))
def test_config_keys_are_the_natives(name):
    """``get_config()`` has exactly the native's keys (``name``, ``reduction``, the
    options), plus the documented extras; ``dtype`` only when one was given."""
    native = kcc.native_class(bk.CATALOG[name][1])
    ours = getattr(bk, name)
    assert set(ours().get_config()) == set(native().get_config()) | EXTRA_CONFIG_KEYS.get(name, set())
    assert ours(dtype="float64").get_config()["dtype"] == "float64"
    assert set(ours(dtype="float64").get_config()) - set(ours().get_config()) == {"dtype"}


#: each functional form with a native: (the kind of inputs, the options it is called
#: with). Every such name of CATALOG must be here (a native named there without a case
#: fails test_every_declared_native_has_conformance_cases).
FUNCTION_CASES = {
    "binary_crossentropy": ("binary_logits", dict(from_logits=True, label_smoothing=0.2, axis=1)),
    "binary_focal_crossentropy": ("binary", dict(gamma=1.5, axis=1, apply_class_balancing=True,
                                                 label_smoothing=0.1)),
    "categorical_crossentropy": ("soft_logits", dict(from_logits=True, label_smoothing=0.1)),
    "categorical_focal_crossentropy": ("simplex", {}),
    "sparse_categorical_crossentropy": ("labels_logits", dict(from_logits=True)),
    "kl_divergence": ("simplex", {}),
    "mean_squared_error": ("real", {}),
    "mean_absolute_error": ("real", {}),
    "huber": ("real", dict(delta=0.7)),
    "log_cosh": ("real", {}),
    "mean_absolute_percentage_error": ("real", {}),
    "mean_squared_logarithmic_error": ("real", {}),
    "poisson": ("counts", {}),
    # --- margin ---
    "hinge": ("binary", {}),
    "squared_hinge": ("signs", {}),
    "categorical_hinge": ("one_hot", {}),
    # --- similarity ---
    "cosine_similarity": ("real", dict(axis=1)),
    # --- contrastive ---
    "circle": ("groups", dict(gamma=4.0, margin=0.3)),
    # --- overlap ---
    "dice": ("masks", dict(axis=(1, 2))),
    "tversky": ("masks", dict(alpha=0.3, beta=0.9, axis=2)),
    "categorical_generalized_cross_entropy": ("labels_probs", dict(q=0.3)),
}


def function_inputs(kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20)
    shape = (4, 3, 5)
    return {
        "binary_logits": lambda: ((rng.uniform(size=shape) < 0.5).astype(float), rng.normal(size=shape) * 2),
        "binary": lambda: ((rng.uniform(size=shape) < 0.5).astype(float), rng.uniform(0.05, 0.95, shape)),
        "soft_logits": lambda: (rng.dirichlet(np.ones(5), size=(4, 3)), rng.normal(size=shape) * 2),
        "simplex": lambda: (rng.dirichlet(np.ones(5), size=(4, 3)), rng.dirichlet(np.ones(5), size=(4, 3))),
        "labels_logits": lambda: (rng.integers(0, 5, (4, 3)), rng.normal(size=shape) * 2),
        "real": lambda: (rng.normal(size=shape), rng.normal(size=shape) * 2),
        "counts": lambda: (rng.integers(0, 5, shape).astype(float), rng.uniform(0.1, 4, shape)),
        "signs": lambda: (rng.choice([-1.0, 1.0], size=shape), rng.normal(size=shape) * 2),
        "one_hot": lambda: (np.eye(5)[rng.integers(0, 5, (4, 3))], rng.normal(size=shape) * 2),
        "groups": lambda: (np.array([0, 1, 0, 2, 1, 3]), rng.normal(size=(6, 3)) / np.sqrt(3.0)),
        "masks": lambda: ((rng.uniform(size=shape) < 0.4).astype(float), rng.uniform(size=shape)),
        # a tensor: the native multiplies y_pred by a tensor, which fails for NumPy on torch
        "labels_probs": lambda: (rng.integers(0, 5, (4, 3)),
                                 ops.convert_to_tensor(rng.dirichlet(np.ones(5), size=(4, 3)))),
    }[kind]()


@pytest.mark.parametrize("fn", sorted(FUNCTION_CASES))
def test_functional_form_signature_and_value_match_native(fn):
    ours, native = getattr(bk, fn), kcc.native_class(bk.CATALOG[fn][1])
    assert [(p.name, p.default) for p in inspect.signature(ours).parameters.values()] == \
        [(p.name, p.default) for p in inspect.signature(native).parameters.values()]
    kind, kw = FUNCTION_CASES[fn]
    y, p = function_inputs(kind)
    a, b = ours(y, p, **kw), native(ops.convert_to_tensor(y), p, **kw)
    assert tuple(a.shape) == tuple(b.shape)
    atol = 3e-9 if fn == "log_cosh" else 1e-14  # Keras' float32 log 2 (documented)
    # Keras' torch backend rounds q to float32 in ops.power (documented; ours is exact:
    # tests/test_overlap.py)
    rtol = 1e-7 if fn == "categorical_generalized_cross_entropy" and BACKEND == "torch" else 1e-12
    np.testing.assert_allclose(np_(a), np_(b), rtol=rtol, atol=atol)


#: names held to their native in a test file of their own: name -> the file
ELSEWHERE = {"CTC": "tests/test_ctc.py", "ctc": "tests/test_ctc.py"}  # --- sequence ---


def test_every_declared_native_has_conformance_cases():
    """Every name of CATALOG that claims a native is held against it: a class by the
    conformance cases (``_keras_conformance`` for the cross-entropies, else
    ``_keras_catalog_conformance``), a function by FUNCTION_CASES."""
    covered = {c.cls for c in kc.cases()} | {c.cls for c in kcc.cases()}
    for name, (_, native) in bk.CATALOG.items():
        if native is None:
            continue
        if name in ELSEWHERE:  # inputs the [N, C] harness does not make: its own file
            assert os.path.exists(os.path.join(ROOT, ELSEWHERE[name])), name
            continue
        obj = getattr(bk, name)
        if inspect.isclass(obj):
            assert obj in covered, f"{name} claims {native} but has no conformance case"
            assert obj in kc.NATIVE or kcc.NATIVE.get(obj) is kcc.native_class(native), name
        else:
            assert name in FUNCTION_CASES, f"{name} claims {native} but has no conformance case"


def test_regression_integer_y_pred_cast_to_float():
    """Documented: an integer ``y_pred`` is cast to float (Keras' ``ops.mean`` dtype),
    ``y_true`` to that; Keras casts ``y_true`` to the integer dtype instead."""
    y = np.array([[4, 8, 12], [1, 0, 3]])
    p = np.array([[3, 0, 1], [1, 2, 2]])
    d = (p - y).astype(np.float64)
    closed = {"mean_squared_error": (d ** 2).mean(-1), "mean_absolute_error": np.abs(d).mean(-1),
              "huber": np.where(np.abs(d) <= 1, 0.5 * d ** 2, np.abs(d) - 0.5).mean(-1),
              "log_cosh": np.log(np.cosh(d)).mean(-1),
              "smooth_l1": np.where(np.abs(d) < 1, 0.5 * d ** 2, np.abs(d) - 0.5).mean(-1),
              "poisson": (p - y * np.log(p + 1e-7)).mean(-1)}
    for fn, want in closed.items():
        got = getattr(bk, fn)(y, p)
        assert str(ops.dtype(got)) == "float32", fn
        np.testing.assert_allclose(np_(got), want, rtol=1e-6, err_msg=fn)
    for fn in ("mean_squared_error", "mean_absolute_error"):  # the natives agree on integers
        np.testing.assert_allclose(np_(getattr(bk, fn)(y, p)), np_(getattr(keras.losses, fn)(y, p)))
    # a fractional y_true: the native truncates it to y_pred's integer dtype
    assert float(bk.mean_squared_error(np.array([0.5]), np.array([1]))) == 0.25
    assert float(keras.losses.mean_squared_error(np.array([0.5]), np.array([1]))) == 1.0


# --- documented differences ----------------------------------------------------------------


def test_huber_config_keeps_delta_where_native_drops_it():
    ours = bk.Huber(delta=0.5, reduction="sum", dtype="float64")
    config = ours.get_config()
    assert config == {"name": "huber_loss", "reduction": "sum", "dtype": "float64", "delta": 0.5}
    native = keras.losses.Huber(delta=0.5, reduction="sum")
    assert "delta" not in native.get_config()
    y, p = np.zeros((2, 2)), np.array([[0.2, 3.0], [-1.0, 0.4]])
    el = np.where(np.abs(p) <= 0.5, 0.5 * p ** 2, 0.5 * np.abs(p) - 0.125).mean(-1).sum()
    assert float(bk.Huber.from_config(config)(y, p)) == pytest.approx(el, rel=1e-12)
    # the reloaded native silently computes delta=1
    el1 = np.where(np.abs(p) <= 1, 0.5 * p ** 2, np.abs(p) - 0.5).mean(-1).sum()
    assert float(keras.losses.Huber.from_config(native.get_config())(y, p)) == pytest.approx(el1, rel=1e-6)
    assert abs(el - el1) > 0.5


def test_log_cosh_accurate_where_native_cancels():
    x = np.array([[1e-4, -3e-4, 2e-5, 1e-3]])
    exact = (x ** 2 / 2 - x ** 4 / 12).mean(-1)  # log cosh x to float64 precision here
    kw = dict(reduction="none")
    ours32 = np_(bk.LogCosh(**kw)(np.zeros_like(x, np.float32), x.astype(np.float32)))
    native32 = np_(keras.losses.LogCosh(**kw)(np.zeros_like(x, np.float32), x.astype(np.float32)))
    np.testing.assert_allclose(ours32, exact, rtol=1e-6)
    assert abs(native32[0] - exact[0]) / exact[0] > 1e-3  # cancellation of log 2 in float32
    ours64 = np_(bk.LogCosh(**kw, dtype="float64")(np.zeros_like(x), x))
    native64 = np_(keras.losses.LogCosh(**kw, dtype="float64")(np.zeros_like(x), x))
    np.testing.assert_allclose(ours64, exact, rtol=1e-12)
    # the native subtracts log 2 rounded to float32
    np.testing.assert_allclose(native64 - exact, math.log(2.0) - float(np.float32(math.log(2.0))),
                               rtol=1e-3)


def test_categorical_focal_logits_exact_where_native_clips():
    z = np.array([[40.0, 0.0, 0.0]])
    y = np.array([[0.0, 1.0, 0.0]])
    lp = log_softmax(z)[0, 1]  # about -40
    exact = -0.25 * (1 - math.exp(lp)) ** 2 * lp
    kw = dict(from_logits=True, dtype="float64")
    v, g = kc.value_and_grad(lambda t: bk.CategoricalFocalCrossentropy(**kw)(y, t), z, "float64")
    assert float(v) == pytest.approx(exact, rel=1e-12)
    assert abs(g[0, 1] + 0.25) < 1e-12  # d/dz_1 ~ -alpha: the hard example is pushed
    vn, gn = kc.value_and_grad(lambda t: keras.losses.CategoricalFocalCrossentropy(**kw)(y, t), z, "float64")
    assert float(vn) == pytest.approx(-0.25 * math.log(1e-7), rel=1e-6)  # clipped: 16.1 alpha
    assert np.all(gn == 0)  # and no gradient


def test_categorical_focal_axis_counts_classes_and_lays_alpha_on_axis():
    rng = np.random.default_rng(21)
    n, c, t = 2, 3, 4
    z = rng.normal(size=(n, c, t))
    y = np.moveaxis(np.eye(c)[rng.integers(0, c, size=(n, t))], -1, 1)
    alpha = np.array([0.2, 0.5, 0.9])
    ls, gamma = 0.3, 1.5
    ys = y * (1 - ls) + ls / c
    lp = log_softmax(z, 1)
    exact = -(alpha[None, :, None] * (1 - np.exp(lp)) ** gamma * ys * lp).sum(1)
    kw = dict(from_logits=True, gamma=gamma, label_smoothing=ls, reduction="none", dtype="float64")
    ours = bk.CategoricalFocalCrossentropy(alpha=list(alpha), axis=1, **kw)(y, z)
    np.testing.assert_allclose(np_(ours), exact, rtol=1e-12)
    # the native smooths by y_true.shape[-1] (= T) and lays alpha on the last axis: with
    # C != T a per-class alpha does not even broadcast
    with pytest.raises(Exception):  # noqa: B017 - the backend's own broadcasting error
        np_(keras.losses.CategoricalFocalCrossentropy(alpha=alpha, axis=1, **kw)(y, z))
    native = np_(keras.losses.CategoricalFocalCrossentropy(alpha=0.5, axis=1, **kw)(y, z))
    ys_t = y * (1 - ls) + ls / t
    np.testing.assert_allclose(native, -(0.5 * (1 - np.exp(lp)) ** gamma * ys_t * lp).sum(1), rtol=1e-9)


def test_categorical_focal_alpha_list_in_loss_dtype():
    """A list ``alpha`` is used in the Loss's dtype; Keras converts it to float32 first."""
    rng = np.random.default_rng(22)
    z = rng.normal(size=(3, 3))
    y = np.eye(3)[[0, 2, 1]]
    alpha = [0.1, 0.3, 0.7]
    lp = log_softmax(z)
    exact = -(np.array(alpha) * (1 - np.exp(lp)) ** 2 * y * lp).sum(-1)
    kw = dict(alpha=alpha, from_logits=True, reduction="none", dtype="float64")
    np.testing.assert_allclose(np_(bk.CategoricalFocalCrossentropy(**kw)(y, z)), exact, rtol=1e-13)
    native = np_(keras.losses.CategoricalFocalCrossentropy(**kw)(y, z))
    a32 = np.array(alpha, np.float32).astype(np.float64)
    np.testing.assert_allclose(native, -(a32 * (1 - np.exp(lp)) ** 2 * y * lp).sum(-1), rtol=1e-9)
    assert np.max(np.abs(native - exact) / exact) > 1e-9


def test_binary_focal_logits_exact_on_every_backend():
    z = np.array([[30.0, -30.0, 0.5]])
    y = np.array([[0.0, 0.0, 1.0]])
    sp = np.logaddexp(0, z)  # -log(1 - sigmoid z)
    p = 1 / (1 + np.exp(-z))
    ce = np.where(y == 1, sp - z, sp)
    pt = np.where(y == 1, p, 1 - p)
    exact = ((1 - pt) ** 2 * ce).mean()
    kw = dict(from_logits=True, dtype="float64")
    assert float(bk.BinaryFocalCrossentropy(**kw)(y, z)) == pytest.approx(exact, rel=1e-12)
    native = float(keras.losses.BinaryFocalCrossentropy(**kw)(y, z))
    if BACKEND == "tensorflow":  # recovers the logits of its own sigmoid
        assert native == pytest.approx(exact, rel=1e-12)
    else:  # clips sigmoid(30) to 1 - 1e-7: -log(1e-7) instead of 30
        assert native == pytest.approx(((1 - pt) ** 2 * np.minimum(ce, -math.log(1e-7))).mean(), rel=1e-6)


def test_binary_focal_probability_factor_clipped_finite_gradient():
    """At ``p = 1, y = 1`` (``gamma < 1``) the native's factor has an infinite derivative
    and its gradient is NaN; ours uses the clipped ``p``: finite, the value within
    ``epsilon^gamma`` times the clipped cross-entropy."""
    y, p = np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]])
    kw = dict(gamma=0.5, dtype="float64")
    v, g = kc.value_and_grad(lambda t: bk.BinaryFocalCrossentropy(**kw)(y, t), p, "float64")
    assert np.all(np.isfinite(g)) and np.all(g == 0)
    assert float(v) == pytest.approx(1e-7 ** 0.5 * -math.log1p(-1e-7), rel=1e-6)
    vn, gn = kc.value_and_grad(lambda t: keras.losses.BinaryFocalCrossentropy(**kw)(y, t), p, "float64")
    assert float(vn) == 0.0 and not np.all(np.isfinite(gn))


@pytest.mark.parametrize("cls", [bk.MeanSquaredError, bk.MeanAbsoluteError, bk.Huber, bk.LogCosh,
                                 bk.Poisson, bk.SmoothL1, bk.PoissonNLL])
def test_regression_mismatched_shapes_raise_where_native_broadcasts(cls):
    y = np.ones((4, 1))
    p = np.full((4, 3), 2.0)
    with pytest.raises(ValueError, match=r"y_true.*y_pred.*\(4, 1\).*\(4, 3\)"):
        cls()(y, p)
    native = bk.CATALOG[cls.__name__][1]
    if native is not None:
        assert np.isfinite(np_(kcc.native_class(native)()(y, p)))  # broadcast silently


@pytest.mark.parametrize("y_shape, p_shape", [((4,), (4, 1)), ((4, 1), (4,))])
@pytest.mark.parametrize("cls", [bk.MeanSquaredError, bk.Huber, bk.Poisson, bk.KLDivergence])
def test_rank_rule_like_native(cls, y_shape, p_shape):
    rng = np.random.default_rng(23)
    y = rng.uniform(0.1, 0.9, y_shape).astype(np.float32)
    p = rng.uniform(0.1, 0.9, p_shape).astype(np.float32)
    for reduction in ("none", "sum"):
        a = np_(cls(reduction=reduction)(y, p))
        b = np_(kcc.NATIVE[cls](reduction=reduction)(y, p))
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("cls, kwargs, name", [
    (bk.BinaryFocalCrossentropy, dict(alpha=1.5), "alpha"),
    (bk.BinaryFocalCrossentropy, dict(alpha=[0.5]), "alpha"),
    (bk.BinaryFocalCrossentropy, dict(gamma=-1.0), "gamma"),
    (bk.BinaryFocalCrossentropy, dict(apply_class_balancing="yes"), "apply_class_balancing"),
    (bk.BinaryFocalCrossentropy, dict(label_smoothing=2.0), "label_smoothing"),
    (bk.CategoricalFocalCrossentropy, dict(alpha=[0.5, 1.2]), "alpha"),
    (bk.CategoricalFocalCrossentropy, dict(alpha=[[0.5, 0.2]]), "alpha"),
    (bk.CategoricalFocalCrossentropy, dict(alpha=[]), "alpha"),
    (bk.CategoricalFocalCrossentropy, dict(gamma=float("nan")), "gamma"),
    (bk.CategoricalFocalCrossentropy, dict(axis=1.5), "axis"),
    (bk.SparseCategoricalFocalCrossentropy, dict(ignore_class=0.5), "ignore_class"),
    (bk.SparseCategoricalFocalCrossentropy, dict(from_logits=2), "from_logits"),
    (bk.PolyCrossentropy, dict(epsilon="2"), "epsilon"),
    (bk.PolyCrossentropy, dict(epsilon=float("inf")), "epsilon"),
    (bk.JSDivergence, dict(axis=None), "axis"),
    (bk.Huber, dict(delta=0.0), "delta"),
    (bk.Huber, dict(delta=-1.0), "delta"),
    (bk.Huber, dict(delta=True), "delta"),
    (bk.SmoothL1, dict(beta=-0.5), "beta"),
    (bk.PoissonNLL, dict(epsilon=0.0), "epsilon"),
    (bk.PoissonNLL, dict(log_input=None), "log_input"),
    (bk.GaussianNLL, dict(epsilon=-1e-6), "epsilon"),
    (bk.GaussianNLL, dict(full="no"), "full"),
    (bk.MeanSquaredError, dict(reduction="avg"), "reduction"),
])
def test_bad_options_raise_naming_the_argument(cls, kwargs, name):
    with pytest.raises(ValueError, match=name):
        cls(**kwargs)


def test_native_accepts_out_of_range_options():
    """Documented: Keras computes with ``alpha=1.5``, ``gamma=-1`` or ``delta=-1``; we raise."""
    y, p = np.array([[0.0, 1.0]]), np.array([[0.3, 0.6]])
    assert np.isfinite(np_(keras.losses.BinaryFocalCrossentropy(alpha=1.5, apply_class_balancing=True)(y, p)))
    assert np.isfinite(np_(keras.losses.CategoricalFocalCrossentropy(gamma=-1.0)(y, p)))
    assert np.isfinite(np_(keras.losses.Huber(delta=-1.0)(y, p)))


# --- Keras semantics, against closed forms ------------------------------------------------


def test_sparse_focal_ignore_class_mask_and_weights_closed_form():
    rng = np.random.default_rng(24)
    n, c = 8, 4
    z = rng.normal(size=(n, c))
    y = rng.integers(0, c, n)
    y[[1, 5]] = -1
    sw = rng.uniform(0.5, 2.0, n)
    lp = log_softmax(z)
    safe = np.clip(y, 0, c - 1)
    el = -0.25 * (1 - np.exp(lp[np.arange(n), safe])) ** 2 * lp[np.arange(n), safe]
    keep = y != -1

    def call(reduction, labels=y):
        loss = bk.SparseCategoricalFocalCrossentropy(from_logits=True, ignore_class=-1,
                                                     reduction=reduction, dtype="float64")
        return np_(loss(labels, z, sample_weight=sw))

    assert call("sum_over_batch_size") == pytest.approx((el * sw * keep).sum() / keep.sum(), rel=1e-12)
    assert call("mean_with_sample_weight") == pytest.approx(
        (el * sw * keep).sum() / (sw * keep).sum(), rel=1e-12)
    np.testing.assert_allclose(call("none"), el * sw * keep, rtol=1e-12)
    assert call("sum", y[:, None]) == pytest.approx((el * sw * keep).sum(), rel=1e-12)  # [N, 1] labels


def test_sparse_focal_bad_labels_raise():
    with pytest.raises(ValueError, match="y_true"):
        bk.SparseCategoricalFocalCrossentropy(from_logits=True)(np.array([0, 3]), np.zeros((2, 3)))


def test_gaussian_nll_layout_and_gradients_closed_form():
    rng = np.random.default_rng(25)
    y = rng.normal(size=(5, 2))
    mu, var = rng.normal(size=(5, 2)), rng.uniform(0.2, 2.0, size=(5, 2))
    var[0, 0] = 1e-8  # below epsilon: clamped, the gradient passes unchanged (torch)
    out = np.concatenate([mu, var], -1)
    vc = np.maximum(var, 1e-6)
    el = 0.5 * (np.log(vc) + (y - mu) ** 2 / vc) + 0.5 * math.log(2 * math.pi)
    loss = bk.GaussianNLL(full=True, reduction="sum", dtype="float64")
    v, g = kc.value_and_grad(lambda t: loss(y, t), out, "float64")
    assert float(v) == pytest.approx(el.mean(-1).sum(), rel=1e-12)
    g_mu = (mu - y) / vc / 2  # / 2: the mean over the last axis
    g_var = 0.5 * (1 / vc - (y - mu) ** 2 / vc ** 2) / 2
    np.testing.assert_allclose(g, np.concatenate([g_mu, g_var], -1), rtol=1e-9)
    # a [N] target against [N, 2]
    y1 = y[:, 0]
    one = bk.GaussianNLL(reduction="none", dtype="float64")(y1, out[:, [0, 2]])
    np.testing.assert_allclose(np_(one), (el[:, 0] - 0.5 * math.log(2 * math.pi)), rtol=1e-12)


@pytest.mark.parametrize("y_shape, p_shape", [((4, 2), (4, 3)), ((4, 2), (4, 2)), ((3, 2), (4, 4))])
def test_gaussian_nll_bad_layout_raises(y_shape, p_shape):
    with pytest.raises(ValueError, match="y_pred"):
        bk.GaussianNLL()(np.zeros(y_shape), np.ones(p_shape))


def test_gaussian_nll_negative_variance_raises_in_eager_mode():
    with pytest.raises(ValueError, match="var"):
        bk.GaussianNLL()(np.zeros((2, 1)), np.array([[0.0, -1.0], [0.0, 1.0]]))


def test_epsilon_follows_keras_config():
    y = np.array([[0.0, 2.0, 1.0]])
    p = np.array([[0.0, 0.5, 1e-9]])
    old = keras.config.epsilon()
    try:
        keras.config.set_epsilon(1e-3)
        for ours, native in [(bk.Poisson, keras.losses.Poisson), (bk.KLDivergence, keras.losses.KLDivergence)]:
            a = float(ours(dtype="float64")(y / 3 if ours is bk.KLDivergence else y, p))
            b = float(native(dtype="float64")(y / 3 if ours is bk.KLDivergence else y, p))
            assert a == pytest.approx(b, rel=1e-12)
        assert float(bk.Poisson(dtype="float64")(y, p)) == pytest.approx(
            (p - y * np.log(p + 1e-3)).mean(), rel=1e-12)
    finally:
        keras.config.set_epsilon(old)


def test_half_precision_returns_the_loss_dtype():
    rng = np.random.default_rng(26)
    y, p = rng.normal(size=(8, 4)), rng.normal(size=(8, 4)) * 3
    exact = np.where(np.abs(p - y) <= 1, 0.5 * (p - y) ** 2, np.abs(p - y) - 0.5).mean()
    v = bk.Huber(dtype="float16")(y.astype(np.float16), p.astype(np.float16))
    assert str(ops.dtype(v)) == "float16"
    assert float(v) == pytest.approx(exact, rel=2e-3)


def test_smooth_l1_is_huber_over_beta_and_mae_at_zero():
    rng = np.random.default_rng(27)
    y, p = rng.normal(size=(6, 3)), rng.normal(size=(6, 3)) * 2
    d = np.abs(p - y)
    for beta in (0.5, 2.0):
        exact = np.where(d < beta, 0.5 * d ** 2 / beta, d - 0.5 * beta).mean()
        assert float(bk.SmoothL1(beta=beta, dtype="float64")(y, p)) == pytest.approx(exact, rel=1e-12)
    assert float(bk.SmoothL1(beta=0.0, dtype="float64")(y, p)) == pytest.approx(d.mean(), rel=1e-12)


# --- config, registration, save and load ------------------------------------------------------


CONFIG_CASES = [
    (bk.BinaryFocalCrossentropy, dict(apply_class_balancing=True, alpha=0.4, gamma=1.0, from_logits=True,
                                      label_smoothing=0.1, axis=1, reduction="sum", name="b")),
    (bk.CategoricalFocalCrossentropy, dict(alpha=[0.2, 0.8], gamma=0.5, label_smoothing=0.2, axis=1,
                                           dtype="float64")),
    (bk.SparseCategoricalFocalCrossentropy, dict(alpha=0.5, ignore_class=-1, axis=1, reduction=None)),
    (bk.PolyCrossentropy, dict(epsilon=-1.0, from_logits=True, label_smoothing=0.1)),
    (bk.KLDivergence, dict(reduction="mean", name="kl")),
    (bk.JSDivergence, dict(from_logits=True, axis=1)),
    (bk.MeanSquaredError, dict(dtype="float64")),
    (bk.MeanAbsoluteError, dict(reduction="sum")),
    (bk.Huber, dict(delta=0.3, reduction="mean_with_sample_weight")),
    (bk.SmoothL1, dict(beta=0.25)),
    (bk.LogCosh, dict(name="lc")),
    (bk.MeanAbsolutePercentageError, dict(name="mape")),
    (bk.MeanSquaredLogarithmicError, dict(name="msle", reduction="sum")),
    (bk.Poisson, dict(reduction="none")),
    (bk.PoissonNLL, dict(log_input=False, full=True, epsilon=1e-4)),
    (bk.GaussianNLL, dict(full=True, epsilon=1e-3)),
    # --- margin ---
    (bk.Hinge, dict(name="h", reduction="sum")),
    (bk.SquaredHinge, dict(dtype="float64")),
    (bk.CategoricalHinge, dict(reduction="mean")),
    # --- similarity ---
    (bk.CosineSimilarity, dict(axis=1, reduction="sum", name="cos")),
    (bk.CosineDistance, dict(axis=0, dtype="float64")),
    (bk.CosineEmbedding, dict(margin=0.25, reduction="sum")),
    (bk.TripletMargin, dict(margin=0.5, p=1.0, epsilon=0.0, swap=True, name="t")),
    # --- contrastive ---
    (bk.Circle, dict(gamma=16.0, margin=0.3, remove_diagonal=False, reduction="sum")),
    (bk.NTXent, dict(temperature=0.2, name="simclr")),
    (bk.RankingSoftmax, dict(reduction="mean_with_sample_weight")),
    # --- overlap ---
    (bk.Dice, dict(axis=(1, 2), reduction="sum", name="d")),
    (bk.Tversky, dict(alpha=0.3, beta=0.9, axis=-1, dtype="float64")),
    (bk.CategoricalGeneralizedCrossEntropy, dict(q=0.2, name="gce")),
]


def test_config_cases_cover_every_class():
    assert {cls for cls, _ in CONFIG_CASES} == set(NEW_CLASSES)


@pytest.mark.parametrize("cls, kwargs", CONFIG_CASES, ids=lambda v: v.__name__ if isinstance(v, type) else "")
def test_config_round_trip(cls, kwargs):
    loss = cls(**kwargs)
    config = loss.get_config()
    for key, value in kwargs.items():
        assert config[key] == (value if key != "reduction" or value is not None else None), key
    again = cls.from_config(config)
    assert again.get_config() == config
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is cls and restored.get_config() == config
    json.dumps(config)  # JSON-serialisable (alpha lists stay lists)
    native = bk.CATALOG[cls.__name__][1]
    if native is not None:  # every native key, with the native's value
        for key, value in kcc.native_class(native)(**kwargs).get_config().items():
            assert config[key] == value, key


def test_registered_under_lossbridge():
    for name in CLASSES:
        cls = getattr(bk, name)
        assert keras.saving.get_registered_name(cls) == f"lossbridge>{name}"
        assert keras.saving.get_registered_object(f"lossbridge>{name}") is cls


@pytest.mark.parametrize("loss, out_dim, make_y", [
    (bk.Huber(delta=0.5, name="h"), 3, lambda rng: rng.normal(size=(32, 3)).astype("float32")),
    (bk.CategoricalFocalCrossentropy(alpha=[0.2, 0.3, 0.5], gamma=1.5, from_logits=True), 3,
     lambda rng: np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]),
    (bk.GaussianNLL(full=True), 4, lambda rng: rng.normal(size=(32, 2)).astype("float32")),
], ids=lambda v: type(v).__name__ if isinstance(v, keras.losses.Loss) else "")
def test_fit_save_load_round_trip(loss, out_dim, make_y, tmp_path):
    rng = np.random.default_rng(28)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = make_y(rng)
    keras.utils.set_random_seed(0)
    inp = keras.Input((4,))
    out = keras.layers.Dense(out_dim)(inp)
    if isinstance(loss, bk.GaussianNLL):  # [means | softplus variances]
        out = keras.layers.Concatenate()([out[:, :2], keras.layers.Activation("softplus")(out[:, 2:])])
    model = keras.Model(inp, out)
    model.compile(optimizer="sgd", loss=loss)
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0).history["loss"]
    assert np.all(np.isfinite(history)) and history[-1] < history[0]
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)  # no custom_objects: registered on import
    assert type(loaded.loss) is type(loss)
    assert loaded.loss.get_config() == loss.get_config()
    before = model.evaluate(x, y, verbose=0)
    after = loaded.evaluate(x, y, verbose=0)
    assert after == pytest.approx(before, rel=1e-6)
    assert before == pytest.approx(float(loss(y, model.predict(x, verbose=0))), rel=1e-5)
