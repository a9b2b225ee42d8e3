"""Eager JAX calls on concrete arrays run as one cached compiled program
(``losses/_core.py``, ``_staged``): one compilation per static configuration
and shape, none on a repeated call, the op-by-op path's values, gradients and
errors (a data check that fails reruns the call op by op, which raises)."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import losses  # noqa: E402
from losses import _core  # noqa: E402

LOGITS = np.array([[1.0, 2.0, 3.0, 0.5], [0.5, -1.0, 2.0, 0.0], [0.0, 0.3, -0.2, 1.5]], np.float32)
LABELS = np.array([2, 0, 3])


def _expected(z: np.ndarray, y: np.ndarray) -> float:  # closed form, float64
    z = z.astype(np.float64)
    return float(np.mean(np.log(np.exp(z).sum(-1)) - z[np.arange(len(y)), y]))


class _Compiles:
    """Counts XLA backend compilations (jax.monitoring events)."""

    def __init__(self) -> None:
        self.n = 0
        jax.monitoring.register_event_duration_secs_listener(self._on)

    def _on(self, event: str, duration: float, **_: object) -> None:
        if event == "/jax/core/compile/backend_compile_duration":
            self.n += 1

    def __enter__(self) -> _Compiles:
        self.n = 0
        return self

    def __exit__(self, *exc: object) -> None:
        pass


@pytest.fixture(scope="module")
def compiles() -> _Compiles:
    return _Compiles()


def _op_by_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_core, "_staged", lambda *a, **k: _core._UNSTAGED)


def test_one_program_per_configuration(compiles):
    z = jnp.asarray(LOGITS[:, :3] * 1.5)  # a shape no other test uses
    y = jnp.asarray(LABELS % 3)
    with compiles:
        v = losses.sparse_categorical_crossentropy(y, z, from_logits=True)
    assert compiles.n == 1
    assert float(v) == pytest.approx(_expected(LOGITS[:, :3] * 1.5, LABELS % 3), rel=1e-6)
    y2, z2 = jnp.asarray((LABELS + 1) % 3), jnp.asarray(LOGITS[:, :3] - 1.0)
    with compiles:  # new data, same shapes and options: no compilation
        losses.sparse_categorical_crossentropy(y2, z2, from_logits=True)
    assert compiles.n == 0
    with compiles:  # another static option: one more program
        losses.sparse_categorical_crossentropy(y, z, from_logits=True, label_smoothing=0.2)
    assert compiles.n == 1


def test_op_by_op_compiles_more(compiles, monkeypatch):
    """The cost the staged program removes: op by op, a first call at a new
    shape compiles many primitives."""
    _op_by_op(monkeypatch)
    z = jnp.asarray(np.tile(LOGITS, (2, 2)))  # [6, 8]: a fresh shape
    with compiles:
        losses.sparse_categorical_crossentropy(jnp.asarray(np.tile(LABELS, 2)), z, from_logits=True)
    assert compiles.n > 5


@pytest.mark.parametrize("name, y, opts", [
    ("sparse_categorical_crossentropy", LABELS, {"from_logits": True, "label_smoothing": 0.1}),
    ("categorical_crossentropy", np.eye(4, dtype=np.float32)[LABELS], {"from_logits": True}),
    ("binary_crossentropy", (LOGITS > 0.4).astype(np.float32), {"from_logits": True}),
    ("sparse_categorical_focal_crossentropy", LABELS, {"from_logits": True, "gamma": 2.0}),
])
def test_same_values_and_gradients_as_op_by_op(name, y, opts, monkeypatch):
    fn = getattr(losses, name)
    yj, zj = jnp.asarray(y), jnp.asarray(LOGITS)
    staged = losses.value_and_grad(fn, yj, zj, **opts), fn(yj, zj, **opts, reduction="none")
    _op_by_op(monkeypatch)
    eager = losses.value_and_grad(fn, yj, zj, **opts), fn(yj, zj, **opts, reduction="none")
    for a, b in zip(jax.tree_util.tree_leaves(staged), jax.tree_util.tree_leaves(eager)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("call", ["loss", "value_and_grad"])
def test_bad_label_raises_as_op_by_op(call, monkeypatch):
    bad = jnp.asarray(np.array([2, 7, 3]))
    z = jnp.asarray(LOGITS)

    def run():
        if call == "loss":
            return losses.sparse_categorical_crossentropy(bad, z, from_logits=True)
        return losses.value_and_grad(losses.sparse_categorical_crossentropy, bad, z, from_logits=True)

    with pytest.raises(ValueError) as staged:
        run()
    assert "`y_true` holds class label 7 at index (1,)" in str(staged.value)
    _op_by_op(monkeypatch)
    with pytest.raises(ValueError) as eager:
        run()
    assert str(staged.value) == str(eager.value)
    # the good call after a failed one still runs staged, and right
    monkeypatch.undo()
    v = losses.sparse_categorical_crossentropy(jnp.asarray(LABELS), z, from_logits=True)
    assert float(v) == pytest.approx(_expected(LOGITS, LABELS), rel=1e-6)


def test_bad_array_option_raises():
    z = jnp.asarray(LOGITS)
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.value_and_grad(losses.sparse_categorical_crossentropy, jnp.asarray(LABELS), z,
                              from_logits=True, label_smoothing=jnp.asarray([0.1, 1.5, 0.0]))


def test_grad_vmap_jit_of_eager_calls():
    y, z = jnp.asarray(LABELS), jnp.asarray(LOGITS)
    f = lambda p: losses.sparse_categorical_crossentropy(y, p, from_logits=True)  # noqa: E731
    g = jax.grad(f)(z)
    sm = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
    np.testing.assert_allclose(np.asarray(g), (sm - np.eye(4)[LABELS]) / 3, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(jax.vmap(f)(jnp.stack([z, z + 1.0]))),
                               [_expected(LOGITS, LABELS)] * 2, rtol=1e-6)
    assert float(jax.jit(f)(z)) == pytest.approx(_expected(LOGITS, LABELS), rel=1e-6)
    with pytest.raises(ValueError, match="class label 9"):  # grad: labels concrete, checked
        jax.grad(lambda p: losses.sparse_categorical_crossentropy(jnp.asarray([9, 0, 1]), p,
                                                                  from_logits=True))(z)


def test_constants_under_jit_trace_as_before():
    """All arrays concrete but inside a user's jit (closure constants): the
    call is traced as before; a bad label is NaN there, not an error."""
    z = jnp.asarray(LOGITS)
    good = jax.jit(lambda: losses.sparse_categorical_crossentropy(jnp.asarray(LABELS), z, from_logits=True))()
    assert float(good) == pytest.approx(_expected(LOGITS, LABELS), rel=1e-6)
    per = jax.jit(lambda: losses.sparse_categorical_crossentropy(
        jnp.asarray([2, 7, 3]), z, from_logits=True, reduction="none"))()
    assert np.isnan(np.asarray(per)).tolist() == [False, True, False]
