"""Keras' own published loss tests, run with ``backends.keras`` substituted.

``keras/src/losses/losses_test.py`` ships inside the installed Keras. It is loaded here
as a private copy of the module whose ``losses`` name (Keras' ``keras.src.losses.losses``)
is replaced by a namespace holding our classes and functions for every name of
:data:`backends.keras.CATALOG` that Keras also has, and Keras' own objects for the rest.
Its ``TestCase`` classes for the names we provide (``MeanSquaredErrorTest`` for
``MeanSquaredError``, ...) are collected by pytest as they are: each upstream test is a
test of ours. A test that asserts a native *limitation* ours lifts is marked
``xfail(strict=True)`` (it must keep failing on ours) and listed in :data:`NOT_APPLICABLE`
and in ``docs/keras.md``.

The suite runs on the test process's Keras backend; ``test_peer_suite_on_other_keras_backend``
runs it on the other installed backends (``KERAS_BACKEND`` is read at import time).

Run alone for the counts::

    KERAS_BACKEND=torch python -m pytest tests/test_keras_peer.py -q -n 0
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import types
import unittest
from collections.abc import Callable

import pytest

keras = pytest.importorskip("keras")
pytest.importorskip("absl")  # keras.src.testing's TestCase is absl's parameterized TestCase
from keras.src.losses import losses as _native  # noqa: E402

import backends.keras as bk  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKEND = keras.backend.backend()
UPSTREAM = os.path.join(os.path.dirname(_native.__file__), "losses_test.py")

#: upstream TestCase class -> the name it tests, where not ``<name>Test``
ALIASES = {"HuberLossTest": "Huber"}

#: upstream tests that assert a native limitation ours lifts: (test id, the backends
#: where it asserts it) -> why. Each is named in docs/keras.md.
NOT_APPLICABLE = {
    ("SparseCategoricalCrossentropyTest.test_binary_segmentation_different_axis",
     ("tensorflow", "jax")):
        "asserts that axis != -1 raises ValueError; ours takes any class axis on every backend",
    ("SparseCategoricalCrossentropyTest.test_multi_class_segmentation_different_axis",
     ("tensorflow", "jax")):
        "asserts that axis != -1 raises ValueError; ours takes any class axis on every backend",
    ("HuberLossTest.test_config", ("tensorflow", "jax", "torch")):
        "asserts that get_config() drops `delta`; ours keeps it, so a reloaded Huber keeps its delta",
    ("CosineSimilarityTest.test_config", ("tensorflow", "jax", "torch")):
        "asserts that get_config() drops `axis`; ours keeps it, so a reloaded CosineSimilarity keeps its axis",
}


#: upstream tests that Keras skips where its native cannot run them, run here on every
#: backend because ours can (test id -> the native limitation). Named in docs/keras.md.
LIFTED_SKIPS = {
    "SparseCategoricalCrossentropyTest.test_squeezes_singleton_class_dim_on_user_axis":
        "Keras skips it off torch: its TensorFlow and JAX backends take axis=-1 only",
    "BinaryCrossentropyTest.test_dtype_arg":
        "Keras skips it on torch (no bfloat16 there); ours computes half precision in float32",
    "BinaryFocalCrossentropyTest.test_dtype_arg":
        "Keras skips it on torch (no bfloat16 there); ours computes half precision in float32",
}


def _unskipped(fn: Callable) -> Callable:
    """``fn`` without its pytest marks (an upstream ``skipif``)."""

    def test(self: unittest.TestCase) -> None:
        fn(self)

    test.__name__, test.__qualname__, test.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    return test


def _load_upstream() -> types.ModuleType:
    """A private copy of Keras' ``losses_test`` module, its ``losses`` replaced by ours."""
    spec = importlib.util.spec_from_file_location("_keras_upstream_losses_test", UPSTREAM)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ours = {name: getattr(bk, name) for name in bk.CATALOG if hasattr(_native, name)}
    module.losses = types.SimpleNamespace(**{**vars(_native), **ours})
    module.PROVIDED = sorted(ours)
    return module


UPSTREAM_MODULE = _load_upstream()


def _tested_name(cls_name: str) -> str:
    return ALIASES.get(cls_name, cls_name.removesuffix("Test"))


def _peer_classes() -> dict[str, type]:
    """The upstream TestCase classes of the names we provide, not-applicable tests marked."""
    out = {}
    for cls_name, cls in vars(UPSTREAM_MODULE).items():
        if (isinstance(cls, type) and issubclass(cls, unittest.TestCase)
                and _tested_name(cls_name) in UPSTREAM_MODULE.PROVIDED):
            out[cls_name] = cls
    for test_id in LIFTED_SKIPS:
        cls_name, method = test_id.split(".")
        setattr(out[cls_name], method, _unskipped(getattr(out[cls_name], method)))
    for (test_id, backends), why in NOT_APPLICABLE.items():
        cls_name, method = test_id.split(".")
        if BACKEND in backends:
            cls = out[cls_name]
            setattr(cls, method, pytest.mark.xfail(strict=True, reason=f"not applicable: {why}")(
                getattr(cls, method)))
    return out


PEER_CLASSES = _peer_classes()
globals().update(PEER_CLASSES)  # collected by pytest as unittest classes


def test_every_native_class_we_provide_has_upstream_tests():
    """Each Keras class we provide a drop-in for has its upstream TestCase here (a new
    drop-in is picked up without editing this file)."""
    natives = {name for name, (_, native) in bk.CATALOG.items()
               if native is not None and name[0].isupper()}
    assert natives == {_tested_name(c) for c in PEER_CLASSES}
    assert set(UPSTREAM_MODULE.PROVIDED) >= natives


def test_not_applicable_tests_exist_and_are_documented():
    with open(os.path.join(ROOT, "docs", "keras.md"), encoding="utf-8") as f:
        doc = f.read()
    for test_id in [t for t, _ in NOT_APPLICABLE] + list(LIFTED_SKIPS):
        cls_name, method = test_id.split(".")
        assert callable(getattr(PEER_CLASSES[cls_name], method)), test_id
        assert test_id in doc, f"docs/keras.md does not name {test_id}"


def test_substitution_reaches_the_upstream_tests():
    """The upstream module's ``losses`` is ours for the names we provide (else the suite
    would silently test Keras)."""
    assert UPSTREAM_MODULE.losses.MeanSquaredError is bk.MeanSquaredError
    assert UPSTREAM_MODULE.losses.sparse_categorical_crossentropy is bk.sparse_categorical_crossentropy
    assert UPSTREAM_MODULE.losses.Hinge is bk.Hinge
    for name, obj in vars(_native).items():  # the names we do not provide stay Keras'
        if name not in bk.CATALOG:
            assert getattr(UPSTREAM_MODULE.losses, name) is obj, name


OTHER_BACKENDS = [b for b in ("tensorflow", "jax", "torch") if b != BACKEND]


@pytest.fixture(scope="module", autouse=True)
def other_backend_runs(request: pytest.FixtureRequest) -> dict[str, subprocess.Popen]:
    """This file under pytest on each other installed Keras backend (one process each:
    Keras reads ``KERAS_BACKEND`` at import time), started with the module's first test
    when ``test_peer_suite_on_other_keras_backend`` is selected, so that they run beside
    the in-process suite."""
    runs = {}
    selected = {item.callspec.params["backend"] for item in request.session.items
                if getattr(item, "originalname", None) == "test_peer_suite_on_other_keras_backend"}
    for backend in OTHER_BACKENDS:
        if backend not in selected or importlib.util.find_spec(backend) is None:
            continue
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
        runs[backend] = subprocess.Popen(
            [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider", "-n", "0",
             "-k", "not other_keras_backend"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    yield runs
    for run in runs.values():
        if run.poll() is None:
            run.kill()
            run.wait()


@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_peer_suite_on_other_keras_backend(backend, other_backend_runs):
    if backend not in other_backend_runs:
        pytest.skip(f"{backend} is not installed")
    stdout, stderr = other_backend_runs[backend].communicate(timeout=600)
    tail = stdout[-3000:]
    assert other_backend_runs[backend].returncode == 0, tail + stderr[-2000:]
    assert " failed" not in tail and " passed" in tail, tail
