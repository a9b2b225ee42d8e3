"""Native conformance of the rest of the JAX adapter's catalogue
(``backends/jax.py``: focal, poly, safe cross-entropy, KL, regression) against
optax 0.2.8 on every option they share -- values and gradients (``jax.vjp``
with a random cotangent, w.r.t. the predictions and, where they are floating
point, the targets), float32 and float64, under ``jit``; eager, ``vmap`` and
``checkpoint`` on one rich case per function; ``jvp`` and ``hessian``; the
``CATALOG`` dict; every documented difference, asserted; and the ``where``
option the poly-1 and KL specs gained for it, against float64 finite
differences."""

from __future__ import annotations

import importlib
import inspect
import zlib

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
import jax.numpy as jnp  # noqa: E402

import losses  # noqa: E402
from backends import jax as bj  # noqa: E402
from losses._registry import LOSS_NAMES  # noqa: E402

# as tests/_fw.py and tests/test_jax_adapter.py do (the suite runs with x64 on);
# every float32 input here is asked for explicitly
jax.config.update("jax_enable_x64", True)

TOL = {"float32": (2e-5, 2e-6), "float64": (1e-11, 1e-12)}


def close(actual, expected, dtype, what=""):
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    rtol, atol = TOL[dtype]
    scale = max(1.0, float(np.max(np.abs(expected[np.isfinite(expected)]), initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale, err_msg=what)


# --- inputs -----------------------------------------------------------------------


def _n(rng, shape, dtype, scale=2.0):
    return jnp.asarray(rng.normal(0.0, scale, size=shape), dtype=dtype)


def _u(rng, shape, dtype):
    return jnp.asarray(rng.uniform(size=shape), dtype=dtype)


def _dist(rng, shape, axis, dtype, zeros=False):
    """Random distributions over ``axis`` (an int or a tuple); ``zeros``: some 0 entries."""
    axes = (axis,) if isinstance(axis, int) else axis
    p = rng.uniform(0.05, 1.0, size=shape)
    if zeros:
        p[rng.uniform(size=shape) < 0.3] = 0.0
        p.reshape(-1)[::3] += 0.5
    return jnp.asarray(p / p.sum(axis=axes, keepdims=True), dtype=dtype)


def _logdist(rng, shape, axis, dtype):
    return jnp.log(_dist(rng, shape, axis, "float64")).astype(dtype)


def _mask(rng, shape, axis=-1, empty_row=True):
    m = np.moveaxis(rng.uniform(size=shape) < 0.6, axis, -1).copy()
    m[..., 0] = True
    if empty_row:
        m.reshape(-1, m.shape[-1])[0] = False
    return jnp.asarray(np.moveaxis(m, -1, axis))


# A case is (make(rng, dtype) -> arrays, call(fn, *arrays), diff): the arrays'
# positions to differentiate (the predictions first).
X = (0,)
XY = (0, 1)


def focal_cases():
    bin_ = lambda r, s, d: jnp.asarray(r.uniform(size=s) < 0.4, dtype=d)  # noqa: E731
    return {
        "defaults": (lambda r, d: [_n(r, (5, 3), d), bin_(r, (5, 3), d)], lambda f, x, y: f(x, y), X),
        "soft_alpha_gamma": (lambda r, d: [_n(r, (5, 3), d), _u(r, (5, 3), d)],
                             lambda f, x, y: f(x, y, alpha=0.7, gamma=0.5), XY),
        "gamma0_alpha1": (lambda r, d: [_n(r, (6,), d), bin_(r, (6,), d)],
                          lambda f, x, y: f(x, y, alpha=1.0, gamma=0.0), X),
        "gamma3_alpha0": (lambda r, d: [_n(r, (4, 2), d), _u(r, (4, 2), d)],
                          lambda f, x, y: f(x, y, alpha=0.0, gamma=3), XY),
        "int_labels": (lambda r, d: [_n(r, (7,), d), jnp.asarray(r.integers(0, 2, 7))],
                       lambda f, x, y: f(x, y, alpha=0.25), X),
        "broadcast": (lambda r, d: [_n(r, (1, 3), d), _u(r, (4, 1), d)],
                      lambda f, x, y: f(x, y, gamma=1.5), XY),
        "large_logits": (lambda r, d: [jnp.asarray([-30.0, -8.0, -1.0, 0.0, 1.0, 8.0, 30.0], dtype=d),
                                       jnp.asarray([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0], dtype=d)],
                         lambda f, x, y: f(x, y, alpha=0.25), X),
    }


def poly_cases():
    oh = lambda r, n, c, d: jnp.asarray(np.eye(c)[r.integers(0, c, n)], dtype=d)  # noqa: E731
    return {
        "one_hot": (lambda r, d: [_n(r, (5, 4), d), oh(r, 5, 4, d)], lambda f, x, y: f(x, y), X),
        "soft": (lambda r, d: [_n(r, (5, 4), d), _dist(r, (5, 4), -1, d)], lambda f, x, y: f(x, y), XY),
        "epsilon_-1": (lambda r, d: [_n(r, (5, 4), d), _dist(r, (5, 4), -1, d)],
                       lambda f, x, y: f(x, y, epsilon=-1.0), XY),
        "axis0": (lambda r, d: [_n(r, (4, 5), d), _dist(r, (4, 5), 0, d)],
                  lambda f, x, y: f(x, y, epsilon=0.5, axis=0), XY),
        "axis_tuple_unordered": (lambda r, d: [_n(r, (3, 2, 4), d), _dist(r, (3, 2, 4), (0, 2), d)],
                                 lambda f, x, y: f(x, y, axis=(2, 0)), XY),
        "axis_none": (lambda r, d: [_n(r, (3, 4), d), _dist(r, (3, 4), (0, 1), d)],
                      lambda f, x, y: f(x, y, axis=None), XY),
        # optax's gradient w.r.t. the labels is NaN at excluded elements (see
        # test_poly_where_label_gradient_is_zero_where_optax_gives_nan): logits only
        "where": (lambda r, d: [_n(r, (5, 4), d), _dist(r, (5, 4), -1, d), _mask(r, (5, 4))],
                  lambda f, x, y, w: f(x, y, where=w), X),
        "where_axis0": (lambda r, d: [_n(r, (4, 5), d), _dist(r, (4, 5), 0, d), _mask(r, (4, 5), axis=0)],
                        lambda f, x, y, w: f(x, y, axis=0, where=w, epsilon=-1.0), X),
        "where_broadcast": (lambda r, d: [_n(r, (5, 4), d), _dist(r, (5, 4), -1, d),
                                          jnp.asarray([[True, False, True, True]])],
                            lambda f, x, y, w: f(x, y, where=w), X),
        "broadcast_labels": (lambda r, d: [_n(r, (5, 4), d), _dist(r, (4,), -1, d)],
                             lambda f, x, y: f(x, y), X),
    }


def safe_cases():
    return {
        "soft": (lambda r, d: [_n(r, (5, 4), d), _dist(r, (5, 4), -1, d)], lambda f, x, y: f(x, y), XY),
        "neg_inf_logits": (lambda r, d: [jnp.asarray([[0.5, -jnp.inf, 1.0], [2.0, 1.0, -jnp.inf]], dtype=d),
                                         jnp.asarray([[0.3, 0.0, 0.7], [1.0, 0.0, 0.0]], dtype=d)],
                           lambda f, x, y: f(x, y), X),
        "broadcast_labels": (lambda r, d: [_n(r, (5, 4), d), _dist(r, (4,), -1, d)],
                             lambda f, x, y: f(x, y), X),
    }


def kl_cases():
    return {
        "plain": (lambda r, d: [_logdist(r, (5, 4), -1, d), _dist(r, (5, 4), -1, d)],
                  lambda f, x, y: f(x, y), XY),
        "zero_targets": (lambda r, d: [_logdist(r, (6, 4), -1, d), _dist(r, (6, 4), -1, d, zeros=True)],
                         lambda f, x, y: f(x, y), X),
        "axis0": (lambda r, d: [_logdist(r, (4, 5), 0, d), _dist(r, (4, 5), 0, d)],
                  lambda f, x, y: f(x, y, axis=0), XY),
        "axis_tuple": (lambda r, d: [_logdist(r, (2, 3, 4), (0, 2), d), _dist(r, (2, 3, 4), (0, 2), d)],
                       lambda f, x, y: f(x, y, axis=(2, 0)), XY),
        "axis_none": (lambda r, d: [_logdist(r, (3, 4), (0, 1), d), _dist(r, (3, 4), (0, 1), d)],
                      lambda f, x, y: f(x, y, axis=None), XY),
        "where": (lambda r, d: [_logdist(r, (5, 4), -1, d), _dist(r, (5, 4), -1, d), _mask(r, (5, 4))],
                  lambda f, x, y, w: f(x, y, where=w), XY),
        "where_axis_none": (lambda r, d: [_logdist(r, (3, 4), -1, d), _dist(r, (3, 4), -1, d),
                                          _mask(r, (3, 4))],
                            lambda f, x, y, w: f(x, y, axis=None, where=w), XY),
        "where_broadcast": (lambda r, d: [_logdist(r, (5, 4), -1, d), _dist(r, (5, 4), -1, d),
                                          jnp.asarray([True, True, False, True])],
                            lambda f, x, y, w: f(x, y, where=w), XY),
        "broadcast_targets": (lambda r, d: [_logdist(r, (5, 4), -1, d), _dist(r, (4,), -1, d)],
                              lambda f, x, y: f(x, y), XY),
    }


def kl_log_cases():
    return {
        "plain": (lambda r, d: [_logdist(r, (5, 4), -1, d), _logdist(r, (5, 4), -1, d)],
                  lambda f, x, y: f(x, y), XY),
        "axis_tuple": (lambda r, d: [_logdist(r, (2, 3, 4), (1, 2), d), _logdist(r, (2, 3, 4), (1, 2), d)],
                       lambda f, x, y: f(x, y, axis=(1, 2)), XY),
        "axis_none": (lambda r, d: [_logdist(r, (3, 4), (0, 1), d), _logdist(r, (3, 4), (0, 1), d)],
                      lambda f, x, y: f(x, y, axis=None), XY),
        "where": (lambda r, d: [_logdist(r, (5, 4), -1, d), _logdist(r, (5, 4), -1, d), _mask(r, (5, 4))],
                  lambda f, x, y, w: f(x, y, where=w), XY),
        "broadcast": (lambda r, d: [_logdist(r, (1, 4), -1, d), _logdist(r, (3, 4), -1, d)],
                      lambda f, x, y: f(x, y), XY),
    }


def square_cases():
    return {
        "targets": (lambda r, d: [_n(r, (5, 3), d), _n(r, (5, 3), d)], lambda f, x, y: f(x, y), XY),
        "no_targets": (lambda r, d: [_n(r, (4, 2, 3), d)], lambda f, x: f(x), X),
        "int_targets": (lambda r, d: [_n(r, (6,), d), jnp.asarray(r.integers(-3, 4, 6))],
                        lambda f, x, y: f(x, y), X),
        "targets_float64": (lambda r, d: [_n(r, (4,), d), _n(r, (4,), "float64")],
                            lambda f, x, y: f(x, y), XY),
    }


def huber_cases():
    return {
        "targets": (lambda r, d: [_n(r, (5, 3), d), _n(r, (5, 3), d)], lambda f, x, y: f(x, y), XY),
        "no_targets": (lambda r, d: [_n(r, (4, 2, 3), d)], lambda f, x: f(x), X),
        "delta_0.5": (lambda r, d: [_n(r, (8,), d), _n(r, (8,), d)], lambda f, x, y: f(x, y, delta=0.5), XY),
        "broadcast": (lambda r, d: [_n(r, (4, 3), d), _n(r, (1, 3), d)], lambda f, x, y: f(x, y), XY),
        "large": (lambda r, d: [jnp.asarray([-1e6, -2.0, 0.3, 1e6], dtype=d)],
                  lambda f, x: f(x, delta=2.0), X),
    }


def log_cosh_cases():
    return {
        "targets": (lambda r, d: [_n(r, (5, 3), d), _n(r, (5, 3), d)], lambda f, x, y: f(x, y), XY),
        "no_targets": (lambda r, d: [_n(r, (4, 2, 3), d)], lambda f, x: f(x), X),
        "broadcast": (lambda r, d: [_n(r, (4, 3), d), _n(r, (4, 1), d)], lambda f, x, y: f(x, y), XY),
        "large": (lambda r, d: [jnp.asarray([-80.0, -20.0, -1.5, 0.7, 20.0, 80.0], dtype=d)],
                  lambda f, x: f(x), X),
    }


def binary_margin_cases():
    sign = lambda r, s, d: jnp.asarray(r.choice([-1.0, 1.0], size=s), dtype=d)  # noqa: E731
    return {
        "signs": (lambda r, d: [_n(r, (5, 3), d), sign(r, (5, 3), d)], lambda f, x, y: f(x, y), XY),
        "int_targets": (lambda r, d: [_n(r, (7,), d), jnp.asarray(r.choice([-1, 1], size=7))],
                        lambda f, x, y: f(x, y), X),
        "scalar": (lambda r, d: [_n(r, (), d), sign(r, (), d)], lambda f, x, y: f(x, y), XY),
    }


def multiclass_margin_cases():
    return {
        "batch": (lambda r, d: [_n(r, (6, 4), d), jnp.asarray(r.integers(0, 4, 6))], lambda f, x, y: f(x, y), X),
        "one": (lambda r, d: [_n(r, (5,), d), jnp.asarray(r.integers(0, 5))], lambda f, x, y: f(x, y), X),
        "batch_3d": (lambda r, d: [_n(r, (2, 3, 4), d), jnp.asarray(r.integers(0, 4, (2, 3)))],
                     lambda f, x, y: f(x, y), X),
    }


# --- contrastive ---


def _groups(r, n):
    lab = np.concatenate([[0, 0, 1, 1], r.integers(0, 3, n - 4)])
    return jnp.asarray(r.permutation(lab))


def ntxent_cases():
    return {
        "defaults": (lambda r, d: [_n(r, (6, 3), d, 1.0), _groups(r, 6)], lambda f, x, y: f(x, y), X),
        "temperature_0.5": (lambda r, d: [_n(r, (8, 4), d, 1.0), _groups(r, 8)],
                            lambda f, x, y: f(x, y, temperature=0.5), X),
        "singleton_and_zero_row": (
            lambda r, d: [_n(r, (5, 2), d, 1.0).at[0].set(0.0), jnp.asarray([0, 0, 1, 1, 7])],
            lambda f, x, y: f(x, y, temperature=1.0), X),
        "array_temperature": (lambda r, d: [_n(r, (6, 3), d, 1.0), _groups(r, 6), jnp.asarray(0.2, d)],
                              lambda f, x, y, t: f(x, y, temperature=t), (0, 2)),
    }


def ranking_cases():
    rel = lambda r, s, d: jnp.asarray(r.integers(0, 3, s), dtype=d)  # noqa: E731
    return {
        "list": (lambda r, d: [_n(r, (5,), d), rel(r, (5,), d)], lambda f, x, y: f(x, y), XY),
        "batch_sum": (lambda r, d: [_n(r, (3, 4), d), rel(r, (3, 4), d)],
                      lambda f, x, y: f(x, y, reduce_fn=jnp.sum), XY),
        "none": (lambda r, d: [_n(r, (3, 4), d), rel(r, (3, 4), d)], lambda f, x, y: f(x, y, reduce_fn=None), XY),
        "weights": (lambda r, d: [_n(r, (3, 4), d), rel(r, (3, 4), d), _u(r, (3, 4), d) + 0.5],
                    lambda f, x, y, w: f(x, y, weights=w), (0, 1, 2)),
        # optax's gradient w.r.t. the labels is NaN at excluded items: logits only
        "where_empty_list": (lambda r, d: [_n(r, (4, 5), d), rel(r, (4, 5), d), _mask(r, (4, 5))],
                             lambda f, x, y, m: f(x, y, where=m), X),
        "where_rank3_none": (lambda r, d: [_n(r, (2, 3, 4), d), rel(r, (2, 3, 4), d), _mask(r, (2, 3, 4))],
                             lambda f, x, y, m: f(x, y, where=m, reduce_fn=None), X),
        "all_masked": (lambda r, d: [_n(r, (4,), d), rel(r, (4,), d), jnp.zeros(4, bool)],
                       lambda f, x, y, m: f(x, y, where=m) + 1.0, X),
    }


# --- overlap ---


def _onehot(rng, shape, dtype):
    return jnp.asarray(np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])], dtype=dtype)


def _binary(rng, shape, dtype, p=0.4):
    return jnp.asarray(rng.uniform(size=shape) < p, dtype=dtype)


def dice_cases():
    return {
        "multiclass": (lambda r, d: [_n(r, (2, 4, 3, 3), d), _onehot(r, (2, 4, 3, 3), d)],
                       lambda f, x, y: f(x, y), XY),
        "binary_no_channel": (lambda r, d: [_n(r, (3, 5), d), _binary(r, (3, 5, 1), d)],
                              lambda f, x, y: f(x, y), X),
        "tversky_weights_none": (lambda r, d: [_n(r, (2, 5, 4), d), _onehot(r, (2, 5, 4), d),
                                               _u(r, (4,), d)],
                                 lambda f, x, y, w: f(x, y, class_weights=w, alpha=0.3, beta=0.7,
                                                      smooth=0.5, reduction="none"), X),
        # (apply_softmax=False: eager only in optax, its check reads the data: tests/test_overlap.py)
        "sum_background": (lambda r, d: [_n(r, (2, 6, 3), d), _onehot(r, (2, 6, 3), d)],
                           lambda f, x, y: f(x, y, reduction="sum", ignore_background=True,
                                             smooth=0.0), XY),
        "axis": (lambda r, d: [_n(r, (3, 4, 2), d), _onehot(r, (3, 4, 2), d)],
                 lambda f, x, y: f(x, y, axis=(0, 1), alpha=0.8, beta=0.1), X),
    }


def binary_dice_cases():
    return {
        "plain": (lambda r, d: [_n(r, (3, 4, 4), d), _binary(r, (3, 4, 4), d)], lambda f, x, y: f(x, y), XY),
        "channel": (lambda r, d: [_n(r, (2, 5, 1), d), _binary(r, (2, 5, 1), d)],
                    lambda f, x, y: f(x, y, smooth=0.1), X),
    }


def generalized_dice_cases():
    return {
        "plain": (lambda r, d: [_n(r, (2, 4, 4, 3), d), _onehot(r, (2, 4, 4, 3), d)],
                  lambda f, x, y: f(x, y), X),
        "background": (lambda r, d: [_n(r, (3, 5, 4), d), _onehot(r, (3, 5, 4), d)],
                       lambda f, x, y: f(x, y, ignore_background=True, smooth=0.3), X),
    }


def generalized_kl_cases():
    return {
        "plain": (lambda r, d: [_n(r, (5, 4), d, 1.0), _u(r, (5, 4), d) * 2.0],
                  lambda f, x, y: f(x, y), XY),
        "zero_targets": (lambda r, d: [_logdist(r, (6, 4), -1, d), _dist(r, (6, 4), -1, d, zeros=True)],
                         lambda f, x, y: f(x, y), X),
        "axis_tuple": (lambda r, d: [_n(r, (2, 3, 4), d, 1.0), _u(r, (2, 3, 4), d)],
                       lambda f, x, y: f(x, y, axis=(2, 0)), XY),
        "where": (lambda r, d: [_n(r, (5, 4), d, 1.0), _u(r, (5, 4), d), _mask(r, (5, 4))],
                  lambda f, x, y, w: f(x, y, where=w), XY),
    }


# --- structured (issue 13) ---


def sparsemax_cases():
    bin_ = lambda r, s: jnp.asarray(r.integers(0, 2, s))  # noqa: E731
    return {
        "int_labels": (lambda r, d: [_n(r, (6, 3), d, 1.5), bin_(r, (6, 3))], lambda f, x, y: f(x, y), X),
        "float_labels_broadcast": (lambda r, d: [_n(r, (4, 3), d, 1.5), jnp.asarray([1.0, 0.0, 1.0], dtype=d)],
                                   lambda f, x, y: f(x, y), X),
        "edges": (lambda r, d: [jnp.asarray([-3.0, -1.0, 0.0, 1.0, 3.0, 1e6], dtype=d),
                                jnp.asarray([1, 0, 1, 1, 0, 1])], lambda f, x, y: f(x, y), X),
    }


def multiclass_sparsemax_cases():
    return {
        "random": (lambda r, d: [_n(r, (6, 5), d, 1.5), jnp.asarray(r.integers(0, 5, 6))],
                   lambda f, x, y: f(x, y), X),
        "ties_and_large": (lambda r, d: [jnp.asarray([[0.5, 0.5, 0.5, -1.0], [1.0, 1.0, 0.0, 0.0],
                                                      [30.0, 30.5, -20.0, 0.0]], dtype=d), jnp.asarray([0, 2, 1])],
                           lambda f, x, y: f(x, y), X),
    }


def fenchel_young_cases():
    lse = jax.nn.logsumexp
    return {
        "logsumexp_soft": (lambda r, d: [_n(r, (2, 3, 5), d), _dist(r, (2, 3, 5), -1, d)],
                           lambda f, x, y: f(lse)(x, y), XY),
        "logsumexp_broadcast": (lambda r, d: [_n(r, (4, 5), d), _dist(r, (5,), -1, d)],
                                lambda f, x, y: f(lse)(x, y), XY),
        "kwargs": (lambda r, d: [_n(r, (4, 5), d), _dist(r, (4, 5), -1, d)],
                   lambda f, x, y: f(lambda z, t=1.0: t * lse(z / t))(x, y, t=0.5), XY),
    }


def _optax_multiclass_sparsemax(scores, labels):
    """optax's, its float32 run in float64 and rounded: under x64 its projection's
    custom JVP promotes a float32 tangent to float64, which JAX rejects."""
    return optax.losses.multiclass_sparsemax_loss(scores.astype(jnp.float64), labels).astype(scores.dtype)


FUNCS = {
    "dice_loss": (bj.dice_loss, optax.losses.dice_loss, dice_cases()),
    "binary_dice_loss": (bj.binary_dice_loss, optax.losses.binary_dice_loss, binary_dice_cases()),
    "multiclass_generalized_dice_loss": (bj.multiclass_generalized_dice_loss,
                                         optax.losses.multiclass_generalized_dice_loss,
                                         generalized_dice_cases()),
    "generalized_kl_divergence": (bj.generalized_kl_divergence, optax.losses.generalized_kl_divergence,
                                  generalized_kl_cases()),
    "convex_kl_divergence": (bj.convex_kl_divergence, optax.losses.convex_kl_divergence,
                             {"plain": generalized_kl_cases()["plain"]}),
    "sigmoid_focal_loss": (bj.sigmoid_focal_loss, optax.losses.sigmoid_focal_loss, focal_cases()),
    "poly_loss_cross_entropy": (bj.poly_loss_cross_entropy, optax.losses.poly_loss_cross_entropy,
                                poly_cases()),
    "safe_softmax_cross_entropy": (bj.safe_softmax_cross_entropy,
                                   optax.losses.safe_softmax_cross_entropy, safe_cases()),
    "kl_divergence": (bj.kl_divergence, optax.losses.kl_divergence, kl_cases()),
    "kl_divergence_with_log_targets": (bj.kl_divergence_with_log_targets,
                                       optax.losses.kl_divergence_with_log_targets, kl_log_cases()),
    "squared_error": (bj.squared_error, optax.losses.squared_error, square_cases()),
    "l2_loss": (bj.l2_loss, optax.losses.l2_loss, square_cases()),
    "huber_loss": (bj.huber_loss, optax.losses.huber_loss, huber_cases()),
    "log_cosh": (bj.log_cosh, optax.losses.log_cosh, log_cosh_cases()),
    # --- margin ---
    "hinge_loss": (bj.hinge_loss, optax.losses.hinge_loss, binary_margin_cases()),
    "perceptron_loss": (bj.perceptron_loss, optax.losses.perceptron_loss, binary_margin_cases()),
    "multiclass_hinge_loss": (bj.multiclass_hinge_loss, optax.losses.multiclass_hinge_loss,
                              multiclass_margin_cases()),
    "multiclass_perceptron_loss": (bj.multiclass_perceptron_loss, optax.losses.multiclass_perceptron_loss,
                                   multiclass_margin_cases()),
    # --- contrastive ---
    "ntxent": (bj.ntxent, optax.losses.ntxent, ntxent_cases()),
    "ranking_softmax_loss": (bj.ranking_softmax_loss, optax.losses.ranking_softmax_loss, ranking_cases()),
    # --- structured ---
    "sparsemax_loss": (bj.sparsemax_loss, optax.losses.sparsemax_loss, sparsemax_cases()),
    "multiclass_sparsemax_loss": (bj.multiclass_sparsemax_loss, _optax_multiclass_sparsemax,
                                  multiclass_sparsemax_cases()),
    "make_fenchel_young_loss": (bj.make_fenchel_young_loss, optax.losses.make_fenchel_young_loss,
                                fenchel_young_cases()),
}


# --- similarity ---


def cosine_cases():
    def zero_row(r, d):
        x = np.asarray(r.normal(size=(4, 3)))
        x[0] = 0.0
        return [jnp.asarray(x, dtype=d), _n(r, (4, 3), d)]

    return {
        "defaults": (lambda r, d: [_n(r, (5, 4), d), _n(r, (5, 4), d)], lambda f, x, y: f(x, y), XY),
        "zero_row_epsilon": (zero_row, lambda f, x, y: f(x, y, epsilon=1e-2), XY),
        "epsilon_above_norms": (lambda r, d: [_n(r, (4, 3), d, 0.1), _n(r, (4, 3), d)],
                                lambda f, x, y: f(x, y, epsilon=0.2), XY),
        "axis0": (lambda r, d: [_n(r, (4, 5), d), _n(r, (4, 5), d)], lambda f, x, y: f(x, y, axis=0), XY),
        "axis_tuple": (lambda r, d: [_n(r, (3, 2, 4), d), _n(r, (3, 2, 4), d)],
                       lambda f, x, y: f(x, y, axis=(2, 0)), XY),
        "axis_none": (lambda r, d: [_n(r, (3, 4), d), _n(r, (3, 4), d)], lambda f, x, y: f(x, y, axis=None), XY),
        "where": (lambda r, d: [_n(r, (5, 4), d), _n(r, (5, 4), d), _mask(r, (5, 4), empty_row=False)],
                  lambda f, x, y, w: f(x, y, where=w), XY),
        "broadcast": (lambda r, d: [_n(r, (1, 4), d), _n(r, (3, 4), d)], lambda f, x, y: f(x, y), XY),
    }


XYZ = (0, 1, 2)


def triplet_cases():
    t3 = lambda r, d, s=(5, 3): [_n(r, s, d, 1.0) for _ in range(3)]  # noqa: E731
    return {
        "defaults": (t3, lambda f, a, p, n: f(a, p, n), XYZ),
        "norm4_margin": (t3, lambda f, a, p, n: f(a, p, n, norm_degree=4, margin=0.3), XYZ),
        "norm1_eps": (lambda r, d: [jnp.abs(x) + 3.0 * (i == 0) for i, x in enumerate(t3(r, d))],
                      lambda f, a, p, n: f(a, p, n, norm_degree=1, eps=0.5), XYZ),
        "axis0": (lambda r, d: t3(r, d, (3, 5)), lambda f, a, p, n: f(a, p, n, axis=0, margin=2.0), XYZ),
        "broadcast": (lambda r, d: [_n(r, (1, 3), d), _n(r, (4, 3), d), _n(r, (4, 3), d)],
                      lambda f, a, p, n: f(a, p, n, margin=3.0), XYZ),
        "array_margin": (lambda r, d: [*t3(r, d), jnp.asarray([0.5, 1.0, 2.0, 3.0, 4.0], dtype=d)],
                         lambda f, a, p, n, m: f(a, p, n, margin=m), XYZ),
    }


FUNCS.update({
    "cosine_similarity": (bj.cosine_similarity, optax.losses.cosine_similarity, cosine_cases()),
    "cosine_distance": (bj.cosine_distance, optax.losses.cosine_distance, cosine_cases()),
    "triplet_margin_loss": (bj.triplet_margin_loss, optax.losses.triplet_margin_loss, triplet_cases()),
})
CASES = [(f, c) for f, (_, _, cases) in FUNCS.items() for c in cases]
#: one rich case per function for the other transformations
REPRESENTATIVE = {"sigmoid_focal_loss": "broadcast", "poly_loss_cross_entropy": "where_axis0",
                  "safe_softmax_cross_entropy": "neg_inf_logits", "kl_divergence": "where",
                  "kl_divergence_with_log_targets": "axis_tuple", "squared_error": "targets",
                  "l2_loss": "no_targets", "huber_loss": "broadcast", "log_cosh": "broadcast",
                  # --- margin ---
                  "hinge_loss": "signs", "perceptron_loss": "signs", "multiclass_hinge_loss": "batch_3d",
                  "multiclass_perceptron_loss": "batch",
                  # --- similarity ---
                  "cosine_similarity": "where", "cosine_distance": "axis_tuple",
                  "triplet_margin_loss": "broadcast",
                  # --- contrastive ---
                  "ntxent": "temperature_0.5", "ranking_softmax_loss": "where_empty_list",
                  # --- overlap ---
                  "dice_loss": "tversky_weights_none", "binary_dice_loss": "plain",
                  "multiclass_generalized_dice_loss": "plain", "generalized_kl_divergence": "where",
                  "convex_kl_divergence": "plain",
                  # --- structured ---
                  "sparsemax_loss": "float_labels_broadcast", "multiclass_sparsemax_loss": "random",
                  "make_fenchel_young_loss": "logsumexp_soft"}


def _inputs(func, case, dtype, mode):
    rng = np.random.default_rng(zlib.crc32(f"{func}/{case}".encode()))
    arrays = FUNCS[func][2][case][0](rng, dtype)
    if mode == "vmap":  # a leading batch of two: the inputs, and the first one rescaled
        arrays = [jnp.stack([a, a * 0.5 + 0.25 if i == 0 else a]) for i, a in enumerate(arrays)]
    return arrays


def _value_and_grad(fn, call, diff, mode):
    """``(value, grads)`` of ``call(fn, *arrays)`` under ``mode``: the vjp with a
    fixed non-constant cotangent w.r.t. the arrays at positions ``diff``.
    ``vmap`` and ``checkpoint`` run inside ``jit``."""
    f = lambda *arrays: call(fn, *arrays)  # noqa: E731
    if mode == "vmap":
        f = jax.vmap(f)
    elif mode == "checkpoint":
        f = jax.checkpoint(f)

    def run(*arrays):
        def part(*d):
            a = list(arrays)
            for i, v in zip(diff, d):
                a[i] = v
            return f(*a)

        v, pull = jax.vjp(part, *(arrays[i] for i in diff))
        ct = 1.0 + 0.5 * jnp.sin(jnp.arange(v.size, dtype=v.dtype)).reshape(v.shape)
        return v, pull(ct)

    return run if mode == "eager" else jax.jit(run)


def _check_against_optax(func, case, dtype, mode):
    ours, theirs, cases = FUNCS[func]
    _, call, diff = cases[case]
    arrays = _inputs(func, case, dtype, mode)
    v, g = _value_and_grad(ours, call, diff, mode)(*arrays)
    v_ref, g_ref = _value_and_grad(theirs, call, diff, mode)(*arrays)
    assert v.shape == v_ref.shape and v.dtype == v_ref.dtype, (v.shape, v_ref.shape, v.dtype, v_ref.dtype)
    assert np.all(np.isfinite(np.asarray(v_ref, np.float64))), "a case must have a finite reference"
    close(v, v_ref, dtype, "value")
    for i, a, b in zip(diff, g, g_ref):
        assert a.dtype == arrays[i].dtype == b.dtype
        close(a, b, dtype, f"gradient w.r.t. argument {i}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("func,case", CASES, ids=[f"{f}[{c}]" for f, c in CASES])
def test_equals_optax_under_jit(func, case, dtype):
    _check_against_optax(func, case, dtype, "jit")


@pytest.mark.parametrize("mode", ["vmap", "checkpoint"])
@pytest.mark.parametrize("func", list(FUNCS))
def test_equals_optax_eager_vmap_checkpoint(func, mode):
    _check_against_optax(func, REPRESENTATIVE[func], "float32", mode)


@pytest.mark.parametrize("func", ["kl_divergence", "huber_loss", "log_cosh", "cosine_similarity", "triplet_margin_loss"])
def test_jvp_and_hessian_equal_optax(func):
    ours, theirs, cases = FUNCS[func]
    case = REPRESENTATIVE[func]
    x, *rest = _inputs(func, case, "float64", "eager")
    t = jnp.asarray(np.random.default_rng(2).normal(size=x.shape))
    f = lambda fn: lambda x: jnp.sum(cases[case][1](fn, x, *rest))  # noqa: E731
    jvp = lambda fn: jax.jit(lambda x, t: jax.jvp(f(fn), (x,), (t,)))(x, t)  # noqa: E731
    (v, dv), (v_ref, dv_ref) = jvp(ours), jvp(theirs)
    close(v, v_ref, "float64")
    close(dv, dv_ref, "float64")
    close(jax.jit(jax.hessian(f(ours)))(x), jax.jit(jax.hessian(f(theirs)))(x), "float64", "hessian")


def test_signatures_match_optax():
    for name, (_, native) in bj.CATALOG.items():
        if native is None:  # ours only (the linear cross-entropy): no optax signature to match
            continue
        ours, theirs = getattr(bj, name), getattr(optax.losses, name)
        a, b = inspect.signature(ours), inspect.signature(theirs)
        assert [(p.name, p.kind, p.default) for p in a.parameters.values()] == [
            (p.name, p.kind, p.default) for p in b.parameters.values()], name


# --- CATALOG --------------------------------------------------------------------


def _resolve(dotted):
    mod, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(mod), attr)


def test_catalog_lists_every_public_function_with_its_specs_and_native():
    assert set(bj.CATALOG) == set(bj.__all__) - {"CATALOG"}
    registry = set(LOSS_NAMES)
    for name, (specs, native) in bj.CATALOG.items():
        assert callable(getattr(bj, name))
        assert set(specs) <= registry, (name, specs)
        if native is None:  # ours only (optax has no such loss): optax-style names
            assert not hasattr(optax.losses, name), name
            continue
        assert _resolve(native) is getattr(optax.losses, name), name


#: a call of each optax-style margin function optax lacks
_X, _S = jnp.asarray([[0.5, -1.0, 2.0]]), jnp.asarray([[1.0, -1.0, 1.0]])
MARGIN_CALLS = {
    "squared_hinge_loss": lambda f: f(_X, _S), "soft_margin_loss": lambda f: f(_X, _S),
    "categorical_hinge_loss": lambda f: f(_X, jnp.eye(3)[:1]), "hinge_embedding_loss": lambda f: f(_X, _S),
    "multi_margin_loss": lambda f: f(_X, jnp.asarray([1])),
    "multilabel_margin_loss": lambda f: f(_X, jnp.asarray([[2, -1, 0]])),
    "multilabel_soft_margin_loss": lambda f: f(_X, jnp.eye(3)[:1]),
    "margin_ranking_loss": lambda f: f(_X, _X * 0.5, _S),
}


@pytest.mark.parametrize("name", sorted(bj.CATALOG))
def test_catalog_specs_are_the_ones_called(name, monkeypatch):
    """Each function calls exactly the public functions of the specs it lists."""
    called = []
    for spec in set(LOSS_NAMES) | {"smooth_labels", "ctc_forward_probs"}:
        real = getattr(losses, spec)
        monkeypatch.setattr(losses, spec, lambda *a, _s=spec, _f=real, **k: (called.append(_s), _f(*a, **k))[1])
    if name in MARGIN_CALLS:  # ours only (tests/test_margin.py holds them against torch)
        MARGIN_CALLS[name](getattr(bj, name))
        assert tuple(dict.fromkeys(called)) == bj.CATALOG[name][0]
        return
    func, case = (name, REPRESENTATIVE[name]) if name in FUNCS else (name, None)
    if case is None:  # the four of tests/test_jax_adapter.py
        x, y = jnp.asarray([[0.5, -1.0, 2.0]]), jnp.eye(3)[:1]
        call = {"smooth_labels": lambda f: f(y, 0.1), "softmax_cross_entropy": lambda f: f(x, y),
                "softmax_cross_entropy_with_integer_labels": lambda f: f(x, jnp.asarray([1])),
                "sigmoid_binary_cross_entropy": lambda f: f(x, y),
                "linear_softmax_cross_entropy_with_integer_labels":
                    lambda f: f(x, jnp.ones((3, 4)), jnp.asarray([1])),
                "cosine_embedding_loss": lambda f: f(x, y, jnp.asarray([-1])),
                "circle_loss": lambda f: f(jnp.eye(3), jnp.asarray([0, 0, 1])),
                "generalized_cross_entropy_with_integer_labels": lambda f: f(x, jnp.asarray([1])),
                # --- sequence ---
                "ctc_loss": lambda f: f(x[None], jnp.zeros((1, 1)), jnp.asarray([[1]]), jnp.zeros((1, 1))),
                "ctc_loss_with_forward_probs":
                    lambda f: f(x[None], jnp.zeros((1, 1)), jnp.asarray([[1]]), jnp.zeros((1, 1)))}[name]
        call(getattr(bj, name))
    else:
        arrays = _inputs(func, case, "float64", "eager")
        jax.eval_shape(lambda *a: FUNCS[func][2][case][1](getattr(bj, name), *a), *arrays)
    # smooth_labels calls its helper; make_fenchel_young_loss builds on the user's max function
    # ctc_loss_with_forward_probs: the ctc_loss lattice with its forward probabilities
    expected = {"ctc_loss_with_forward_probs": ("ctc_forward_probs",)}.get(name) or bj.CATALOG[name][0] \
        or (("smooth_labels",) if name == "smooth_labels" else ())
    assert tuple(dict.fromkeys(called)) == expected


# --- documented differences -----------------------------------------------------


def test_focal_alpha_gamma_traced_or_arrays_equal_optax_and_out_of_range_is_error_or_nan():
    """optax's options under jit (traced), as arrays, and their gradients; out of
    range: a ValueError when concrete, NaN when traced (optax computes a number)."""
    x, y = jnp.asarray([0.5, -1.0, 2.0]), jnp.asarray([1.0, 0.0, 1.0])
    f = jax.jit(lambda a, g: bj.sigmoid_focal_loss(x, y, alpha=a, gamma=g))
    close(f(0.25, 2.0), optax.losses.sigmoid_focal_loss(x, y, alpha=0.25, gamma=2.0), "float64")
    a = jnp.asarray([0.1, 0.5, 0.9])  # one alpha per element, as optax broadcasts it
    close(bj.sigmoid_focal_loss(x, y, alpha=a, gamma=jnp.asarray(1.5)),
          optax.losses.sigmoid_focal_loss(x, y, alpha=a, gamma=1.5), "float64")
    grads = [jax.grad(lambda g, fn=fn: fn(x, y, alpha=0.25, gamma=g).sum())(2.0)
             for fn in (bj.sigmoid_focal_loss, optax.losses.sigmoid_focal_loss)]
    close(grads[0], grads[1], "float64")
    assert np.all(np.isnan(f(0.25, -1.0))) and np.all(np.isnan(f(1.5, 2.0)))
    for bad in (-0.5, 1.5):  # optax applies it as a weight: a number, not an error
        assert np.all(np.isfinite(optax.losses.sigmoid_focal_loss(x, y, alpha=bad)))
        with pytest.raises(ValueError, match=r"`alpha` must be None or in \[0, 1\]"):
            bj.sigmoid_focal_loss(x, y, alpha=bad)
    with pytest.raises(ValueError, match="`alpha` must hold numbers in"):
        bj.sigmoid_focal_loss(x, y, alpha=np.array([0.1, 2.0, 0.3]))
    with pytest.raises(ValueError, match="`gamma` must be in"):
        bj.sigmoid_focal_loss(x, y, gamma=-1.0)
    with pytest.raises(ValueError, match="`gamma` must be a finite number"):
        bj.sigmoid_focal_loss(x, y, gamma=float("inf"))


def test_poly_epsilon_and_huber_delta_traced_equal_optax():
    x, y = jnp.asarray([[0.5, -1.0, 2.0]]), jnp.asarray([[0.2, 0.3, 0.5]])
    close(jax.jit(lambda e: bj.poly_loss_cross_entropy(x, y, epsilon=e))(1.0),
          optax.losses.poly_loss_cross_entropy(x, y, epsilon=1.0), "float64")
    g = [jax.grad(lambda e, fn=fn: fn(x, y, epsilon=e).sum())(1.0)
         for fn in (bj.poly_loss_cross_entropy, optax.losses.poly_loss_cross_entropy)]
    close(g[0], g[1], "float64")
    close(jax.jit(lambda d: bj.huber_loss(x, delta=d))(0.7), optax.losses.huber_loss(x, delta=0.7), "float64")
    g = [jax.grad(lambda d, fn=fn: fn(x, delta=d).sum())(0.7) for fn in (bj.huber_loss, optax.losses.huber_loss)]
    close(g[0], g[1], "float64")
    assert np.all(np.isnan(jax.jit(lambda d: bj.huber_loss(x, delta=d))(0.0)))
    for bad in (0.0, -1.0):  # optax: a number (0 everywhere for delta=0)
        assert np.all(np.isfinite(optax.losses.huber_loss(x, delta=bad)))
        with pytest.raises(ValueError, match="`delta` must be in"):
            bj.huber_loss(x, delta=bad)


def test_kl_zero_probability_is_zero_where_optax_gives_nan():
    lp = jnp.asarray([[-jnp.inf, jnp.log(0.4), jnp.log(0.6)]])
    t = jnp.asarray([[0.0, 0.5, 0.5]])
    exact = 0.5 * np.log(0.5 / 0.4) + 0.5 * np.log(0.5 / 0.6)
    assert np.isnan(optax.losses.kl_divergence(lp, t)[0])
    close(bj.kl_divergence(lp, t), [exact], "float64")
    assert np.isnan(optax.losses.kl_divergence_with_log_targets(lp, jnp.log(t))[0])
    close(bj.kl_divergence_with_log_targets(jnp.log(jnp.asarray([[0.3, 0.4, 0.3]])), jnp.log(t)),
          [0.5 * np.log(0.5 / 0.4) + 0.5 * np.log(0.5 / 0.3)], "float64")
    g = jax.grad(lambda lp: bj.kl_divergence(lp, t).sum())(lp)
    np.testing.assert_array_equal(np.asarray(g), -np.asarray(t))  # finite, = optax's -t


def test_poly_where_label_gradient_is_zero_where_optax_gives_nan():
    x = jnp.asarray([[0.5, -1.0, 2.0], [1.0, 0.2, 0.3]])
    y = jnp.asarray([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]])
    w = jnp.asarray([[False, False, False], [True, False, True]])
    grad_y = lambda f: jax.jit(jax.grad(lambda y: f(x, y, where=w).sum()))(y)  # noqa: E731
    ours, theirs = np.asarray(grad_y(bj.poly_loss_cross_entropy)), np.asarray(grad_y(optax.losses.poly_loss_cross_entropy))
    assert np.all(np.isnan(theirs[~np.asarray(w)]))
    assert np.all(ours[~np.asarray(w)] == 0.0)  # an excluded label does not enter the loss
    close(ours[np.asarray(w)], theirs[np.asarray(w)], "float64")


def test_kl_negative_target_is_nan_as_in_optax():
    lp, t = jnp.log(jnp.asarray([[0.5, 0.5]])), jnp.asarray([[-0.5, 1.5]])
    assert np.isnan(optax.losses.kl_divergence(lp, t)[0])
    assert np.isnan(bj.kl_divergence(lp, t)[0])


def test_safe_cross_entropy_of_an_impossible_label_is_inf_as_optax():
    """Target mass on a -inf logit: the exact loss is +inf (issue 15 section 2),
    as optax's; finite logits still saturate (tests/test_nonfinite.py)."""
    x = jnp.asarray([[0.0, -jnp.inf], [0.0, -jnp.inf]], dtype="float32")
    y = jnp.asarray([[0.0, 1.0], [0.5, 0.5]], dtype="float32")
    theirs, ours = optax.losses.safe_softmax_cross_entropy(x, y), bj.safe_softmax_cross_entropy(x, y)
    assert np.all(np.isinf(theirs)) and np.all(np.asarray(ours) == np.inf)


def test_log_cosh_is_accurate_at_small_errors_where_optax_cancels():
    x = jnp.asarray(np.geomspace(1e-6, 1e-2, 25), dtype="float32")
    t = np.asarray(x, np.float64)  # the float32-rounded inputs
    exact = t**2 / 2 - t**4 / 12 + t**6 / 45  # Taylor series: the next term is < 1e-17 relative
    ours = np.asarray(bj.log_cosh(x), np.float64)
    theirs = np.asarray(optax.losses.log_cosh(x), np.float64)
    assert np.max(np.abs(ours - exact) / exact) < 1e-6
    assert np.max(np.abs(theirs - exact) / exact) > 1e-2  # optax: no correct digit at small x


def test_half_precision_focal_keeps_optax_dtype():
    rng = np.random.default_rng(4)
    x = jnp.asarray(rng.normal(0, 2, 32), dtype="bfloat16")
    y = jnp.asarray(rng.uniform(size=32) < 0.5, dtype="bfloat16")
    ours = jax.jit(lambda x, y: bj.sigmoid_focal_loss(x, y, alpha=0.25))(x, y)
    theirs = optax.losses.sigmoid_focal_loss(x, y, alpha=0.25)
    assert ours.dtype == theirs.dtype == jnp.bfloat16
    exact = optax.losses.sigmoid_focal_loss(x.astype("float64"), y.astype("float64"), alpha=0.25)
    err = lambda v: np.abs(np.asarray(v, np.float64) - np.asarray(exact)).mean()  # noqa: E731
    assert err(ours) <= err(theirs)


# --- errors: optax's types, our messages ------------------------------------------


def test_dtype_errors_are_type_errors_as_in_optax():
    xi, xf = jnp.asarray([[1, 2]]), jnp.asarray([[0.1, 0.9]])
    for name, args in [
        ("sigmoid_focal_loss", (xi, xf)), ("poly_loss_cross_entropy", (xi, xf)),
        ("poly_loss_cross_entropy", (xf, xi)), ("safe_softmax_cross_entropy", (xi, xf)),
        ("kl_divergence", (xi, xf)), ("kl_divergence", (xf, xi)),
        ("kl_divergence_with_log_targets", (xf, xi)), ("squared_error", (xi,)),
        ("l2_loss", (xi, xi)), ("huber_loss", (xi,)), ("log_cosh", (xi, xf)),
    ]:
        with pytest.raises(TypeError):
            getattr(optax.losses, name)(*args)
        with pytest.raises(TypeError, match=r"lossbridge: `(logits|labels|log_predictions|targets|"
                                            r"log_targets|predictions)` must hold"):
            getattr(bj, name)(*args)


def test_shape_errors_name_optax_arguments():
    x = jnp.ones((3, 2))
    with pytest.raises(ValueError, match="Shape mismatch"):
        optax.losses.squared_error(x, jnp.ones((1, 2)))
    with pytest.raises(ValueError, match=r"`predictions` and `targets` must have the same shape"):
        bj.squared_error(x, jnp.ones((1, 2)))
    with pytest.raises(ValueError, match=r"`predictions` and `targets` must have the same shape"):
        bj.l2_loss(x, jnp.ones(2))
    with pytest.raises(ValueError, match=r"`predictions` of shape \(3, 2\) and `targets` of shape \(4,\)"):
        bj.huber_loss(x, jnp.ones(4))
    with pytest.raises(ValueError, match=r"`log_predictions` of shape \(3, 2\) and `targets`"):
        bj.kl_divergence(x, jnp.ones((2, 2)))
    with pytest.raises(ValueError, match="`where`"):
        bj.poly_loss_cross_entropy(x, x, where=jnp.ones(3, bool))
    with pytest.raises(ValueError, match=r"`axis`=\(0, 4\) is out of range"):
        bj.kl_divergence(x, x, axis=(0, 4))
    with pytest.raises(ValueError) as info:
        bj.poly_loss_cross_entropy(x, x, axis=5)
    assert "`axis`" in str(info.value) and "y_pred" not in str(info.value)


# --- the where option of the poly-1 and KL specs, on NumPy (closed-form gradient) ----


def _fd(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@pytest.mark.parametrize("fn,opts", [
    (losses.poly1_crossentropy, {"from_logits": True, "poly_epsilon": -1.0}),
    (losses.poly1_crossentropy, {"from_logits": False, "label_smoothing": 0.2, "axis": 0}),
    (losses.kl_divergence, {"from_logits": True}),
    (losses.kl_divergence, {"log_input": True, "axis": None}),
    (losses.kl_divergence, {"axis": 0}),
], ids=["poly_logits", "poly_probs_axis0", "kl_logits", "kl_log_input_pointwise", "kl_probs_axis0"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_where_closed_form_gradient_equals_finite_differences(fn, opts, reduction):
    rng = np.random.default_rng(5)
    ax = opts.get("axis", -1)
    ax = 1 if ax is None else ax
    z = rng.normal(size=(5, 4))
    x = z if opts.get("from_logits") or opts.get("log_input") else np.exp(z) / np.exp(z).sum(ax, keepdims=True)
    y = np.asarray(_dist(rng, (5, 4), ax, "float64"))
    w = np.asarray(_mask(rng, (5, 4), axis=ax))
    v, g = losses.value_and_grad(fn, y, x, where=w, reduction=reduction, **opts)
    f = lambda x: float(fn(y, x, where=w, reduction=reduction, **opts))  # noqa: E731
    np.testing.assert_allclose(g, _fd(f, x), rtol=1e-6, atol=1e-8)
    # the mask counts: excluded elements leave the loss (changing them changes nothing) ...
    x2 = np.where(w, x, x + 0.3 * rng.uniform(size=x.shape))
    assert float(fn(y, x2, where=w, reduction=reduction, **opts)) == pytest.approx(float(v), rel=1e-12)
    # ... and a fully included mask is the unmasked loss
    assert float(fn(y, x, where=np.ones_like(w), reduction=reduction, **opts)) == pytest.approx(
        float(fn(y, x, reduction=reduction, **opts)), rel=1e-12)


#: names held to optax in a test file of their own (--- sequence ---)
ELSEWHERE = {"ctc_loss": "tests/test_ctc.py", "ctc_loss_with_forward_probs": "tests/test_ctc.py"}


def test_every_native_claim_has_conformance_cases():
    """Each optax name of ``CATALOG`` has cases here or in tests/test_jax_adapter.py
    (and optax's own tests in tests/test_optax_peer.py)."""
    import test_jax_adapter

    claims = {n for n, (_, native) in bj.CATALOG.items() if native}
    covered = set(FUNCS) | set(test_jax_adapter.FUNCS) | set(ELSEWHERE)
    assert covered == claims, claims ^ covered
    assert all(FUNCS[n][2] for n in FUNCS) and all(test_jax_adapter.FUNCS[n][2] for n in test_jax_adapter.FUNCS)
