"""``backends.keras`` against Keras' native losses.

* Conformance (``_keras_conformance.py``): each class against its native class on every
  option they share -- from_logits, label_smoothing, axis (-1 and channels-first 1),
  ignore_class, every reduction, sample_weight [N] and [N, T], Keras masks on y_pred,
  float32 and float64 -- values and gradients w.r.t. y_pred. All cases on the test
  process's Keras backend; every option set on each other backend in a subprocess
  (Keras picks its backend at import time), with a short ``fit`` against the native.
* Each documented difference, asserted against closed forms (NumPy, float64).
* Keras semantics with closed forms: masks, ignore_class, sample weights, dtype.
* get_config / from_config, registration, model.save / load_model.
* The example ``examples/keras_digits.py``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

keras = pytest.importorskip("keras")
import _keras_conformance as kc  # noqa: E402
from keras import ops  # noqa: E402

import backends.keras as bk  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKEND = keras.backend.backend()
CLASSES = (bk.CategoricalCrossentropy, bk.SparseCategoricalCrossentropy, bk.BinaryCrossentropy)


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


@pytest.mark.parametrize("case", kc.cases(), ids=lambda c: c.id)
def test_matches_native(case):
    msg = kc.check(case)
    assert msg is None, msg


def assert_keras_logits(backend: str, result: dict) -> None:
    """Documented: a Keras softmax/sigmoid output is scored from its logits wherever the
    tensor carries them (TensorFlow, torch); the native does so on TensorFlow only."""
    for name, r in result.items():
        carries_logits = backend in ("tensorflow", "torch")
        want = r["exact"] if carries_logits else r["clipped"]
        assert r["ours"] == pytest.approx(want, rel=1e-5), (name, r)
        native_want = r["exact"] if backend == "tensorflow" else r["clipped"]
        assert r["native"] == pytest.approx(native_want, rel=1e-5), (name, r)
        assert abs(r["exact"] - r["clipped"]) > 1.0  # the case tells the two rules apart
        if carries_logits:
            assert r["grad_err"] < 1e-6, (name, r)
            # from_logits=True on a softmax output: Keras' TensorFlow warning, and the logits
            assert r["warned_from_logits_true"], (name, r)
            assert r["from_logits_true"] == pytest.approx(r["exact"], rel=1e-5)


OTHER_BACKENDS = [b for b in ("tensorflow", "jax", "torch") if b != BACKEND]


@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_matches_native_on_other_keras_backend(backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tests", "_keras_conformance.py"), "--quick"],
        env=subprocess_env(KERAS_BACKEND=backend), capture_output=True, text=True, timeout=900,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["backend"] == backend
    assert r["cases"] == len(kc.cases(quick=True))
    assert r["failures"] == []  # values, gradients, and no warning the native lacks
    ours, native = r["fit"]
    assert np.all(np.isfinite(ours)) and len(ours) == 3
    np.testing.assert_allclose(ours, native, rtol=0, atol=1e-5)
    assert_keras_logits(backend, r["keras_logits"])


def test_keras_softmax_output_scored_from_logits():
    assert_keras_logits(BACKEND, kc.keras_logits_check())


def test_tensorflow_graph_softmax_op_scored_from_logits():
    """In a ``tf.function``, Keras' TensorFlow backend takes the input of a ``Softmax``
    op as the logits (``_get_logits``); ours does the same."""
    if BACKEND != "tensorflow":
        pytest.skip("TensorFlow graph ops exist on the TensorFlow backend only")
    import tensorflow as tf

    z = np.array([[30.0, 0.0, -30.0], [0.0, 1.0, 2.0]], np.float32)
    y = np.array([2, 0])
    exact = -log_softmax(z.astype(np.float64))[np.arange(2), y].mean()

    def graph_loss(loss):
        @tf.function
        def f(t):
            return loss(y, tf.nn.softmax(t))

        return float(f(tf.constant(z)))

    assert graph_loss(bk.SparseCategoricalCrossentropy()) == pytest.approx(exact, rel=1e-6)
    assert graph_loss(keras.losses.SparseCategoricalCrossentropy()) == pytest.approx(exact, rel=1e-6)


# --- documented differences ----------------------------------------------------------


def test_sparse_any_class_axis_where_native_raises():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(3, 4, 5))  # [N, C, T], channels-first
    y = rng.integers(0, 4, size=(3, 5))
    expected = -np.take_along_axis(log_softmax(z, 1), y[:, None], 1)[:, 0]
    ours = bk.SparseCategoricalCrossentropy(from_logits=True, axis=1, reduction="none", dtype="float64")
    np.testing.assert_allclose(np_(ours(y, z)), expected, rtol=1e-12)
    native = keras.losses.SparseCategoricalCrossentropy(from_logits=True, axis=1, reduction="none",
                                                        dtype="float64")
    if BACKEND in ("tensorflow", "jax"):
        with pytest.raises(ValueError):
            native(y, z)
    else:
        np.testing.assert_allclose(np_(native(y, z)), expected, rtol=1e-12)


def test_categorical_smoothing_counts_the_classes_on_axis():
    rng = np.random.default_rng(2)
    n, c, t, ls = 2, 3, 5, 0.3
    z = rng.normal(size=(n, c, t))
    y = np.moveaxis(np.eye(c)[rng.integers(0, c, size=(n, t))], -1, 1)

    def closed_form(classes):
        ys = y * (1 - ls) + ls / classes
        return -(ys * log_softmax(z, 1)).sum(1)

    kw = dict(from_logits=True, label_smoothing=ls, axis=1, reduction="none", dtype="float64")
    np.testing.assert_allclose(np_(bk.CategoricalCrossentropy(**kw)(y, z)), closed_form(c), rtol=1e-12)
    # the native divides by y_true.shape[-1] (= T here), whatever the axis
    np.testing.assert_allclose(np_(keras.losses.CategoricalCrossentropy(**kw)(y, z)), closed_form(t),
                               rtol=1e-12)


def test_sparse_probabilities_renormalised_then_clipped():
    p = np.array([[3.0, 1.0], [0.2, 0.6]])  # rows that do not sum to 1
    y = np.array([0, 1])
    ours_rule = -np.log(np.clip(p / p.sum(1, keepdims=True), 1e-7, 1 - 1e-7))[np.arange(2), y]
    kw = dict(reduction="none", dtype="float64")
    np.testing.assert_allclose(np_(bk.SparseCategoricalCrossentropy(**kw)(y, p)), ours_rule, rtol=1e-12)
    native = np_(keras.losses.SparseCategoricalCrossentropy(**kw)(y, p))
    if BACKEND == "tensorflow":  # clip each entry, then renormalise
        pc = np.clip(p, 1e-7, 1 - 1e-7)
        np.testing.assert_allclose(native, -np.log(pc / pc.sum(1, keepdims=True))[np.arange(2), y],
                                   rtol=1e-12)
        assert abs(native[0] - ours_rule[0]) > 0.4  # -log 0.5 against -log 0.75
    else:
        np.testing.assert_allclose(native, ours_rule, rtol=1e-12)
    # the categorical native renormalises first on every backend, as we do
    np.testing.assert_allclose(np_(keras.losses.CategoricalCrossentropy(**kw)(np.eye(2)[y], p)),
                               ours_rule, rtol=1e-12)


@pytest.mark.parametrize("half", ["float16", "bfloat16"])
def test_half_precision_computed_in_float32(half):
    ml_dtypes = pytest.importorskip("ml_dtypes")  # NumPy's bfloat16 (a TensorFlow and JAX dependency)
    hd = np.dtype(ml_dtypes.bfloat16) if half == "bfloat16" else np.dtype(np.float16)
    rng = np.random.default_rng(3)
    z = (rng.normal(size=(64, 10)) * 3).astype(hd)
    y = rng.integers(0, 10, 64)
    truth = -log_softmax(z.astype(np.float64))[np.arange(64), y]
    kw = dict(from_logits=True, reduction="none", dtype=half)
    ours = bk.SparseCategoricalCrossentropy(**kw)(y, ops.convert_to_tensor(z))
    native = keras.losses.SparseCategoricalCrossentropy(**kw)(y, ops.convert_to_tensor(z))
    assert str(ops.dtype(ours)) == half  # Keras' rule: the Loss's dtype
    ulp = 2.0 ** -(10 if half == "float16" else 7)
    # the float32 result, rounded once to the half type
    np.testing.assert_allclose(np_(ours), truth.astype(hd).astype(np.float64), rtol=ulp, atol=0)
    assert np.abs(np_(ours) - truth).sum() <= np.abs(np_(native) - truth).sum()
    reduced = bk.SparseCategoricalCrossentropy(from_logits=True, dtype=half)(y, ops.convert_to_tensor(z))
    assert str(ops.dtype(reduced)) == half


def test_get_config_keeps_axis_and_dtype():
    ours = bk.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, axis=1,
                                            reduction="sum", name="s", dtype="float64")
    config = ours.get_config()
    assert config == {"name": "s", "reduction": "sum", "dtype": "float64", "from_logits": True,
                      "ignore_class": -1, "axis": 1}
    again = bk.SparseCategoricalCrossentropy.from_config(config)
    assert again.get_config() == config and again.dtype == "float64"
    # the native drops both
    native = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, axis=1,
                                                        reduction="sum", name="s", dtype="float64")
    assert "axis" not in native.get_config() and "dtype" not in native.get_config()
    # no dtype given: Keras' keys only (the reloaded loss follows floatx() at load time)
    assert "dtype" not in bk.SparseCategoricalCrossentropy().get_config()
    assert bk.SparseCategoricalCrossentropy.from_config(
        bk.SparseCategoricalCrossentropy().get_config())._dtype_arg is None


@pytest.mark.parametrize("cls, kwargs", [
    (cls, kw) for cls in CLASSES for kw in (dict(from_logits=True, axis=1, reduction="sum", name="x"),
                                           dict(reduction=None, dtype="float64"))
] + [(bk.CategoricalCrossentropy, dict(label_smoothing=0.25)), (bk.BinaryCrossentropy, dict(label_smoothing=0.5)),
     (bk.SparseCategoricalCrossentropy, dict(ignore_class=255))], ids=repr)
def test_config_round_trip(cls, kwargs):
    loss = cls(**kwargs)
    config = loss.get_config()
    again = cls.from_config(config)
    assert again.get_config() == config
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is cls and restored.get_config() == config
    native_config = kc.NATIVE[cls](**kwargs).get_config()
    for key, value in native_config.items():  # every native key, with the native's value
        assert config[key] == value, key


@pytest.mark.parametrize("cls, kwargs, name", [
    (bk.CategoricalCrossentropy, dict(label_smoothing=1.5), "label_smoothing"),
    (bk.CategoricalCrossentropy, dict(label_smoothing=-0.1), "label_smoothing"),
    (bk.BinaryCrossentropy, dict(label_smoothing="a"), "label_smoothing"),
    (bk.BinaryCrossentropy, dict(from_logits="yes"), "from_logits"),
    (bk.CategoricalCrossentropy, dict(axis=1.0), "axis"),
    (bk.BinaryCrossentropy, dict(axis=True), "axis"),
    (bk.SparseCategoricalCrossentropy, dict(ignore_class=1.5), "ignore_class"),
    (bk.SparseCategoricalCrossentropy, dict(ignore_class=True), "ignore_class"),
    (bk.SparseCategoricalCrossentropy, dict(reduction="avg"), "reduction"),
])
def test_bad_options_raise_naming_the_argument(cls, kwargs, name):
    with pytest.raises(ValueError, match=name):
        cls(**kwargs)


def test_numpy_scalars_accepted_as_python_numbers():
    loss = bk.SparseCategoricalCrossentropy(from_logits=np.bool_(True), ignore_class=np.int64(255),
                                            axis=np.int32(1))
    config = loss.get_config()
    assert (config["from_logits"], config["ignore_class"], config["axis"]) == (True, 255, 1)
    assert all(type(config[k]) in (bool, int) for k in ("from_logits", "ignore_class", "axis"))
    assert type(bk.CategoricalCrossentropy(label_smoothing=np.float32(0.25)).label_smoothing) is float


def test_native_accepts_out_of_range_smoothing():
    """Documented: Keras takes label_smoothing=1.5 and computes with it; we raise."""
    y, z = np.eye(3)[[0, 2]], np.zeros((2, 3))
    native = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=1.5)
    assert np.isfinite(np_(native(y, z)))
    with pytest.raises(ValueError, match="label_smoothing"):
        bk.CategoricalCrossentropy(from_logits=True, label_smoothing=1.5)


@pytest.mark.parametrize("labels, match", [([0, 3], "label 3"), ([0.0, 1.5], "fractional")])
def test_bad_labels_raise_in_eager_mode(labels, match):
    with pytest.raises(ValueError, match=match) as info:
        bk.SparseCategoricalCrossentropy(from_logits=True)(np.array(labels), np.zeros((2, 3)))
    assert "y_true" in str(info.value)


# --- Keras semantics, against closed forms ----------------------------------------------


def test_ignore_class_mask_and_sample_weight_closed_form():
    rng = np.random.default_rng(4)
    n, c = 8, 4
    z = rng.normal(size=(n, c))
    y = rng.integers(0, c, n)
    y[[1, 5]] = -1  # ignored
    sw = rng.uniform(0.5, 2.0, n)
    mask = np.ones(n, bool)
    mask[2] = False  # a Keras mask on y_pred
    el = -log_softmax(z)[np.arange(n), np.clip(y, 0, c - 1)]
    keep = (y != -1) & mask

    def call(reduction):
        loss = bk.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction=reduction,
                                                dtype="float64")
        zt = ops.convert_to_tensor(z)
        kc.set_keras_mask(zt, ops.convert_to_tensor(mask))
        return np_(loss(y, zt, sample_weight=sw))

    # Keras: masked elements weigh 0; "sum_over_batch_size"/"mean" divide by the count kept,
    # "mean_with_sample_weight" by the kept sample weights, "sum" by nothing
    assert call("sum_over_batch_size") == pytest.approx((el * sw * keep).sum() / keep.sum(), rel=1e-12)
    assert call("mean") == pytest.approx((el * sw * keep).sum() / keep.sum(), rel=1e-12)
    assert call("sum") == pytest.approx((el * sw * keep).sum(), rel=1e-12)
    assert call("mean_with_sample_weight") == pytest.approx(
        (el * sw * keep).sum() / (sw * keep).sum(), rel=1e-12)
    np.testing.assert_allclose(call("none"), el * sw * keep, rtol=1e-12)


def test_binary_averages_over_axis_closed_form():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(3, 4, 2))
    y = (rng.uniform(size=z.shape) < 0.5).astype(float)
    el = np.logaddexp(0, z) - y * z  # element-wise BCE with logits
    for axis in (-1, 1):
        loss = bk.BinaryCrossentropy(from_logits=True, axis=axis, reduction="none", dtype="float64")
        np.testing.assert_allclose(np_(loss(y, z)), el.mean(axis), rtol=1e-12)


def test_loss_dtype_rule_float64():
    z = np.random.default_rng(6).normal(size=(5, 3)).astype(np.float32)
    y = np.array([0, 1, 2, 1, 0])
    v = bk.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")(y, z)
    assert str(ops.dtype(v)) == "float64"  # inputs converted to the Loss's dtype, as Keras does
    assert float(v) == pytest.approx(-log_softmax(z.astype(np.float64))[np.arange(5), y].mean(), rel=1e-12)


@pytest.mark.parametrize("y_shape, p_shape", [((4,), (4, 1)), ((4, 1), (4,)), ((4, 1), (4, 1))])
def test_binary_rank_rule_like_native(y_shape, p_shape):
    rng = np.random.default_rng(7)
    y = (rng.uniform(size=y_shape) < 0.5).astype(np.float32)
    p = rng.uniform(0.1, 0.9, p_shape).astype(np.float32)
    for reduction in ("none", "sum_over_batch_size"):
        ours = np_(bk.BinaryCrossentropy(reduction=reduction)(y, p))
        native = np_(keras.losses.BinaryCrossentropy(reduction=reduction)(y, p))
        assert ours.shape == native.shape
        np.testing.assert_allclose(ours, native, rtol=1e-6)


def test_sparse_labels_with_trailing_unit_axis():
    rng = np.random.default_rng(8)
    z = rng.normal(size=(4, 3)).astype(np.float32)
    y = rng.integers(0, 3, size=(4, 1))
    for reduction in ("none", "sum"):
        np.testing.assert_allclose(
            np_(bk.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction)(y, z)),
            np_(keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction)(y, z)),
            rtol=1e-6)


# --- functional forms ----------------------------------------------------------------------


def test_functional_forms_match_native():
    rng = np.random.default_rng(9)
    z = rng.normal(size=(4, 3, 5))
    p = np.exp(log_softmax(z))
    soft = rng.dirichlet(np.ones(5), size=(4, 3))
    labels = rng.integers(0, 5, size=(4, 3))
    binary = (rng.uniform(size=z.shape) < 0.5).astype(float)
    pairs = [
        (bk.categorical_crossentropy(soft, z, from_logits=True, label_smoothing=0.1),
         keras.losses.categorical_crossentropy(soft, z, from_logits=True, label_smoothing=0.1)),
        (bk.categorical_crossentropy(soft, p), keras.losses.categorical_crossentropy(soft, p)),
        (bk.sparse_categorical_crossentropy(labels, z, from_logits=True),
         keras.losses.sparse_categorical_crossentropy(ops.convert_to_tensor(labels), z, from_logits=True)),
        (bk.binary_crossentropy(binary, z, from_logits=True, label_smoothing=0.2, axis=1),
         keras.losses.binary_crossentropy(binary, z, from_logits=True, label_smoothing=0.2, axis=1)),
        (bk.binary_crossentropy(binary, p), keras.losses.binary_crossentropy(binary, p)),
    ]
    for ours, native in pairs:
        assert tuple(ours.shape) == tuple(native.shape)
        np.testing.assert_allclose(np_(ours), np_(native), rtol=1e-6, atol=1e-7)


def test_functional_ignore_class_sets_the_keras_mask():
    from keras.src.backend import get_keras_mask

    labels = np.array([[0, 2, 1], [2, 2, 0]])
    z = np.random.default_rng(10).normal(size=(2, 3, 4))
    ours = bk.sparse_categorical_crossentropy(ops.convert_to_tensor(labels), z, from_logits=True,
                                              ignore_class=2)
    native = keras.losses.sparse_categorical_crossentropy(ops.convert_to_tensor(labels), z,
                                                          from_logits=True, ignore_class=2)
    np.testing.assert_array_equal(np_(get_keras_mask(ours)), labels != 2)
    np.testing.assert_array_equal(np_(get_keras_mask(ours)), np_(get_keras_mask(native)))
    np.testing.assert_allclose(np_(ours), np_(native), rtol=1e-6)


# --- registration, fit, save and load -----------------------------------------------------


def test_registered_under_lossbridge():
    for cls in CLASSES:
        assert keras.saving.get_registered_name(cls) == f"lossbridge>{cls.__name__}"
        assert keras.saving.get_registered_object(f"lossbridge>{cls.__name__}") is cls


@pytest.mark.parametrize("loss, make_y", [
    (bk.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0, name="scce"),
     lambda rng: rng.integers(0, 3, 32)),
    (bk.CategoricalCrossentropy(label_smoothing=0.1, reduction="sum"),
     lambda rng: np.eye(3)[rng.integers(0, 3, 32)]),
    (bk.BinaryCrossentropy(from_logits=True, label_smoothing=0.2, reduction="mean_with_sample_weight"),
     lambda rng: (rng.uniform(size=(32, 3)) < 0.5).astype("float32")),
], ids=lambda v: type(v).__name__ if isinstance(v, keras.losses.Loss) else "")
def test_fit_save_load_round_trip(loss, make_y, tmp_path):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = make_y(rng)
    keras.utils.set_random_seed(0)
    activation = None if getattr(loss, "from_logits", False) else "softmax"
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation=activation)])
    model.compile(optimizer="sgd", loss=loss)
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0).history["loss"]
    assert np.all(np.isfinite(history))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)  # no custom_objects: registered on import
    assert type(loaded.loss) is type(loss)
    assert loaded.loss.get_config() == loss.get_config()
    before = model.evaluate(x, y, verbose=0)
    after = loaded.evaluate(x, y, verbose=0)
    assert after == pytest.approx(before, rel=1e-6)


def test_example_keras_digits_runs():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "keras_digits.py"), "--epochs", "2"],
                         env=subprocess_env(), capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "agree" in out.stdout and "same" in out.stdout
    assert out.stdout.count("\n    ") >= 2  # one row per epoch


def test_no_warning_from_our_code_on_plain_calls():
    z = np.random.default_rng(12).normal(size=(4, 3)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bk.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1)(np.array([0, 1, 2, 1]), z)


def test_docstring_examples():
    import doctest

    result = doctest.testmod(bk)
    assert result.attempted >= 9 and result.failed == 0
