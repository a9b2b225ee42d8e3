"""Native conformance of the JAX adapter (``backends/jax.py``): each function
against optax 0.2.8's on every option they share -- values and gradients
(``jax.grad`` w.r.t. the logits, with a random cotangent), float32 and
float64, eager and under ``jit``, ``vmap`` and ``checkpoint``; ``jvp`` and
``hessian``; and every documented difference, asserted."""

from __future__ import annotations

import doctest
import functools
import os
import subprocess
import sys
import zlib

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
import jax.numpy as jnp  # noqa: E402

import losses  # noqa: E402
from backends import jax as bj  # noqa: E402

jax.config.update("jax_enable_x64", True)  # as tests/_fw.py does; float32 is asked for explicitly

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOL = {"float32": (2e-5, 2e-6), "float64": (1e-11, 1e-12)}


def close(actual, expected, dtype, what=""):
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    rtol, atol = TOL[dtype]
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale, err_msg=what)


# --- cases: (ours, optax's, inputs, call) -------------------------------------
# ``make(rng, dtype)`` returns the array inputs (the first is differentiated)
# and ``call(fn, *arrays)`` applies a function with the case's options.


def _logits(rng, shape, dtype):
    return jnp.asarray(rng.normal(0.0, 2.0, size=shape), dtype=dtype)


def _soft(rng, shape, axis, dtype):
    z = rng.normal(size=shape)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return jnp.asarray(e / e.sum(axis=axis, keepdims=True), dtype=dtype)


def _mask(rng, shape, axis=-1, empty_row=True):
    """A class mask of ``shape``: each row keeps a class, the first row none."""
    m = np.moveaxis(rng.uniform(size=shape) < 0.6, axis, -1).copy()
    m[..., 0] = True
    if empty_row:
        m.reshape(-1, m.shape[-1])[0] = False
    return np.moveaxis(m, -1, axis)


def _labels_in(rng, m, axis=-1):
    """A label per row on one of its included classes (any class for an empty row)."""
    mm = np.moveaxis(m, axis, -1)
    score = np.where(mm, rng.uniform(size=mm.shape), -1.0)
    return jnp.asarray(np.argmax(score, axis=-1))


def sce_cases():
    oh = lambda rng, n, c, d: jnp.asarray(np.eye(c)[rng.integers(0, c, n)], dtype=d)  # noqa: E731
    return {
        "one_hot": (lambda r, d: [_logits(r, (5, 4), d), oh(r, 5, 4, d)],
                    lambda f, x, y: f(x, y)),
        "soft": (lambda r, d: [_logits(r, (5, 4), d), _soft(r, (5, 4), -1, d)],
                 lambda f, x, y: f(x, y)),
        "smoothed": (lambda r, d: [_logits(r, (5, 4), d), optax.smooth_labels(oh(r, 5, 4, d), 0.1)],
                     lambda f, x, y: f(x, y)),
        "axis0": (lambda r, d: [_logits(r, (4, 5), d), _soft(r, (4, 5), 0, d)],
                  lambda f, x, y: f(x, y, axis=0)),
        "axis1_3d": (lambda r, d: [_logits(r, (2, 4, 3), d), _soft(r, (2, 4, 3), 1, d)],
                     lambda f, x, y: f(x, y, axis=1)),
        "axis_tuple": (lambda r, d: [_logits(r, (2, 3, 4), d), _soft(r, (2, 3, 4), (1, 2), d)],
                       lambda f, x, y: f(x, y, axis=(1, 2))),
        "axis_tuple_unordered": (lambda r, d: [_logits(r, (3, 2, 4), d), _soft(r, (3, 2, 4), (0, 2), d)],
                                 lambda f, x, y: f(x, y, axis=(2, 0))),
        "axis_none": (lambda r, d: [_logits(r, (3, 4), d), _soft(r, (3, 4), (0, 1), d)],
                      lambda f, x, y: f(x, y, axis=None)),
        "where_rows": (lambda r, d: [_logits(r, (5, 4), d), _soft(r, (5, 4), -1, d),
                                     jnp.asarray([True, False, True, True, False])],
                       lambda f, x, y, w: f(x, y, where=w)),
        "where_classes": (lambda r, d: [_logits(r, (5, 4), d), _soft(r, (5, 4), -1, d),
                                        jnp.asarray(_mask(r, (5, 4)))],
                          lambda f, x, y, w: f(x, y, where=w)),
        "where_axis0": (lambda r, d: [_logits(r, (4, 5), d), _soft(r, (4, 5), 0, d),
                                      jnp.asarray(_mask(r, (4, 5), axis=0))],
                        lambda f, x, y, w: f(x, y, axis=0, where=w)),
        "where_axis_tuple": (lambda r, d: [_logits(r, (2, 3, 4), d), _soft(r, (2, 3, 4), (1, 2), d),
                                           jnp.asarray([True, False])],
                             lambda f, x, y, w: f(x, y, axis=(1, 2), where=w)),
        "broadcast_labels": (lambda r, d: [_logits(r, (5, 4), d), _soft(r, (4,), -1, d)],
                             lambda f, x, y: f(x, y)),
        "integer_one_hot": (lambda r, d: [_logits(r, (5, 4), d), jnp.asarray(np.eye(4, dtype=np.int32)[[0, 1, 2, 3, 0]])],
                            lambda f, x, y: f(x, y)),
    }


def sce_int_cases():
    return {
        "plain": (lambda r, d: [_logits(r, (6, 5), d), jnp.asarray(r.integers(0, 5, 6))],
                  lambda f, x, y: f(x, y)),
        "axis0": (lambda r, d: [_logits(r, (5, 6), d), jnp.asarray(r.integers(0, 5, 6))],
                  lambda f, x, y: f(x, y, axis=0)),
        "axis1_3d": (lambda r, d: [_logits(r, (2, 5, 3), d), jnp.asarray(r.integers(0, 5, (2, 3)))],
                     lambda f, x, y: f(x, y, axis=1)),
        "axis_tuple": (lambda r, d: [_logits(r, (2, 3, 4), d), jnp.asarray(r.integers(0, 12, 2))],
                       lambda f, x, y: f(x, y, axis=(1, 2))),
        "axis_tuple_unordered": (lambda r, d: [_logits(r, (2, 3, 4), d), jnp.asarray(r.integers(0, 12, 2))],
                                 lambda f, x, y: f(x, y, axis=(2, 1))),
        "where_rows": (lambda r, d: [_logits(r, (5, 4), d), jnp.asarray(r.integers(0, 4, 5)),
                                     jnp.asarray([True, True, False, True, False])],
                       lambda f, x, y, w: f(x, y, where=w)),
        "where_classes": (lambda r, d: (lambda m: [_logits(r, (6, 5), d), _labels_in(r, m), jnp.asarray(m)])(
                              _mask(r, (6, 5))),
                          lambda f, x, y, w: f(x, y, where=w)),
        "where_axis0": (lambda r, d: (lambda m: [_logits(r, (5, 6), d), _labels_in(r, m, 0), jnp.asarray(m)])(
                            _mask(r, (5, 6), axis=0)),
                        lambda f, x, y, w: f(x, y, axis=0, where=w)),
        "broadcast_labels": (lambda r, d: [_logits(r, (4, 5), d), jnp.asarray([3])],
                             lambda f, x, y: f(x, y)),
        "broadcast_logits": (lambda r, d: [_logits(r, (1, 5), d), jnp.asarray(r.integers(0, 5, 4))],
                             lambda f, x, y: f(x, y)),
    }


def sigmoid_cases():
    return {
        "binary": (lambda r, d: [_logits(r, (5, 3), d), jnp.asarray(r.uniform(size=(5, 3)) < 0.5, dtype=d)],
                   lambda f, x, y: f(x, y)),
        "soft": (lambda r, d: [_logits(r, (5, 3), d), jnp.asarray(r.uniform(size=(5, 3)), dtype=d)],
                 lambda f, x, y: f(x, y)),
        "bool_labels": (lambda r, d: [_logits(r, (7,), d), jnp.asarray(r.uniform(size=7) < 0.5)],
                        lambda f, x, y: f(x, y)),
        "broadcast": (lambda r, d: [_logits(r, (1, 3), d), jnp.asarray(r.uniform(size=(4, 1)), dtype=d)],
                      lambda f, x, y: f(x, y)),
        "large_logits": (lambda r, d: [jnp.asarray([-80.0, -20.0, 0.0, 20.0, 80.0], dtype=d),
                                       jnp.asarray([1.0, 0.0, 1.0, 1.0, 0.0], dtype=d)],
                         lambda f, x, y: f(x, y)),
    }


def smooth_cases():
    oh = lambda r, shape, d: jnp.asarray(_soft(r, shape, -1, d) > 0.3, dtype=d)  # noqa: E731
    return {
        "alpha_0.1": (lambda r, d: [oh(r, (5, 4), d)], lambda f, y: f(y, 0.1)),
        "alpha_0": (lambda r, d: [oh(r, (5, 4), d)], lambda f, y: f(y, 0.0)),
        "alpha_1": (lambda r, d: [oh(r, (5, 4), d)], lambda f, y: f(y, 1.0)),
        "axis0": (lambda r, d: [oh(r, (4, 5), d)], lambda f, y: f(y, 0.2, axis=0)),
        "axis_tuple": (lambda r, d: [oh(r, (2, 3, 4), d)], lambda f, y: f(y, 0.2, axis=(0, 2))),
        "axis_none": (lambda r, d: [oh(r, (3, 4), d)], lambda f, y: f(y, 0.3, axis=None)),
        "where": (lambda r, d: [oh(r, (5, 4), d), jnp.asarray(_mask(r, (5, 4), empty_row=False))],
                  lambda f, y, w: f(y, 0.2, where=w)),
        "where_axis_tuple": (lambda r, d: [oh(r, (2, 3, 4), d),
                                           jnp.asarray(_mask(r, (2, 3, 4), empty_row=False))],
                             lambda f, y, w: f(y, 0.2, axis=(1, 2), where=w)),
    }


FUNCS = {
    "softmax_cross_entropy": (bj.softmax_cross_entropy, optax.softmax_cross_entropy, sce_cases()),
    "softmax_cross_entropy_with_integer_labels": (
        bj.softmax_cross_entropy_with_integer_labels,
        optax.softmax_cross_entropy_with_integer_labels, sce_int_cases()),
    "sigmoid_binary_cross_entropy": (
        bj.sigmoid_binary_cross_entropy, optax.sigmoid_binary_cross_entropy, sigmoid_cases()),
    "smooth_labels": (bj.smooth_labels, optax.smooth_labels, smooth_cases()),
}
CASES = [(f, c) for f, (_, _, cases) in FUNCS.items() for c in cases]
#: one rich case per function for the other transformations
REPRESENTATIVE = {"softmax_cross_entropy": "where_classes",
                  "softmax_cross_entropy_with_integer_labels": "where_classes",
                  "sigmoid_binary_cross_entropy": "broadcast", "smooth_labels": "where_axis_tuple"}


def _inputs(func, case, dtype, mode):
    rng = np.random.default_rng(zlib.crc32(f"{func}/{case}".encode()))
    arrays = FUNCS[func][2][case][0](rng, dtype)
    if mode == "vmap":  # a leading batch of two: the inputs, and the first one rescaled
        arrays = [jnp.stack([a, a * 0.5 + 0.25 if i == 0 else a]) for i, a in enumerate(arrays)]
    return arrays


def _value_and_grad(fn, call, mode):
    """``(value, d<sum(value * ct)>/dx)`` of ``call(fn, x, *rest)`` under ``mode``,
    with a fixed non-constant cotangent ``ct``. ``vmap`` and ``checkpoint``
    run inside ``jit`` (JAX's eager op-by-op dispatch is slow); ``eager`` runs
    without any transformation but the gradient's."""
    f = lambda x, *rest: call(fn, x, *rest)  # noqa: E731
    if mode == "vmap":
        f = jax.vmap(f)
    elif mode == "checkpoint":
        f = jax.checkpoint(f)

    def run(x, *rest):
        v, pull = jax.vjp(lambda x: f(x, *rest), x)
        ct = 1.0 + 0.5 * jnp.sin(jnp.arange(v.size, dtype=v.dtype)).reshape(v.shape)
        return v, pull(ct)[0]

    return run if mode == "eager" else jax.jit(run)


def _check_against_optax(func, case, dtype, mode):
    ours, theirs, cases = FUNCS[func]
    call = cases[case][1]
    x, *rest = _inputs(func, case, dtype, mode)
    v, g = _value_and_grad(ours, call, mode)(x, *rest)
    v_ref, g_ref = _value_and_grad(theirs, call, mode)(x, *rest)
    assert v.shape == v_ref.shape and v.dtype == v_ref.dtype, (v.shape, v_ref.shape, v.dtype, v_ref.dtype)
    close(v, v_ref, dtype, "value")
    assert g.dtype == x.dtype
    close(g, g_ref, dtype, "gradient")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("func,case", CASES, ids=[f"{f}[{c}]" for f, c in CASES])
def test_equals_optax_under_jit(func, case, dtype):
    """Every shared option: values and gradients w.r.t. the first input
    (logits; labels for smooth_labels)."""
    _check_against_optax(func, case, dtype, "jit")


@pytest.mark.parametrize("mode", ["eager", "vmap", "checkpoint"])
@pytest.mark.parametrize("func", list(FUNCS))
def test_equals_optax_eager_vmap_checkpoint(func, mode):
    _check_against_optax(func, REPRESENTATIVE[func], "float32", mode)


@pytest.mark.parametrize("func", list(FUNCS)[:3])
def test_jvp_and_hessian_equal_optax(func):
    ours, theirs, cases = FUNCS[func]
    case = next(iter(cases))
    x, *rest = _inputs(func, case, "float64", "eager")
    t = jnp.asarray(np.random.default_rng(2).normal(size=x.shape))
    f = lambda fn: lambda x: jnp.sum(cases[case][1](fn, x, *rest))  # noqa: E731
    jvp = lambda fn: jax.jit(lambda x, t: jax.jvp(f(fn), (x,), (t,)))(x, t)  # noqa: E731
    (v, dv), (v_ref, dv_ref) = jvp(ours), jvp(theirs)
    close(v, v_ref, "float64")
    close(dv, dv_ref, "float64")
    close(jax.jit(jax.hessian(f(ours)))(x), jax.jit(jax.hessian(f(theirs)))(x), "float64", "hessian")


def test_softmax_cross_entropy_derivatives_in_the_labels_equal_optax():
    """The written-out derivative (``custom_jvp``) in both arguments: the
    gradient w.r.t. soft labels (``-log_softmax``), a joint ``jvp``, a mixed
    second derivative and ``vmap`` of the gradient, against optax in float64."""
    rng = np.random.default_rng(5)
    x = jnp.asarray(rng.normal(size=(4, 6)))
    y = jnp.asarray(rng.dirichlet(np.ones(6), 4) * 0.8)  # row mass 0.8: not normalised
    tx, ty = (jnp.asarray(rng.normal(size=(4, 6))) for _ in range(2))
    out = []
    for fn in (bj.softmax_cross_entropy, optax.softmax_cross_entropy):
        f = lambda x, y, fn=fn: jnp.sum(fn(x, y) ** 2)  # noqa: E731
        out.append(jax.tree.leaves((
            jax.grad(f, 1)(x, y), jax.jvp(f, (x, y), (tx, ty)), jax.jacfwd(jax.grad(f, 0), 1)(x, y),
            jax.vmap(jax.grad(f, 1))(x[:, None], y[:, None]))))
    assert len(out[0]) == len(out[1]) == 5
    for a, b in zip(*out):
        close(a, b, "float64")


def test_signatures_match_optax():
    import inspect

    for name, (ours, theirs, _) in FUNCS.items():
        a, b = inspect.signature(ours), inspect.signature(theirs)
        assert [(p.name, p.kind, p.default) for p in a.parameters.values()] == [
            (p.name, p.kind, p.default) for p in b.parameters.values()], name


# --- documented differences -----------------------------------------------------


def _x(dtype="float32"):
    return jnp.asarray([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [0.0, 0.3, -0.2]], dtype=dtype)


@pytest.mark.parametrize("bad", [3, -1, -3, 100, -100])
def test_out_of_range_label_raises_eagerly(bad):
    with pytest.raises(ValueError, match=rf"`labels` holds class label {bad} at index \(1,\)"):
        bj.softmax_cross_entropy_with_integer_labels(_x(), jnp.asarray([0, bad, 2]))
    with pytest.raises(ValueError, match="`labels` holds class label"):  # also under grad
        jax.grad(lambda x: bj.softmax_cross_entropy_with_integer_labels(x, jnp.asarray([0, bad, 2])).sum())(_x())


@pytest.mark.parametrize("transform", ["jit", "vmap", "checkpoint"])
def test_out_of_range_label_is_nan_under_tracing_where_optax_returns_a_number(transform):
    labels = jnp.asarray([0, -1, 3])  # -1: optax indexes from the end; 3: optax gives NaN
    x = _x()
    wrap = {"jit": jax.jit, "vmap": jax.vmap, "checkpoint": jax.checkpoint}[transform]
    ours = wrap(bj.softmax_cross_entropy_with_integer_labels)(x, labels)
    theirs = wrap(optax.softmax_cross_entropy_with_integer_labels)(x, labels)
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert np.isnan(ours[1]) and np.isnan(ours[2]), ours
    close(ours[0], theirs[0], "float32")  # the good label is untouched
    # optax: label -1 silently takes the last class; label 3 is NaN
    last = -jax.nn.log_softmax(x[1])[-1]
    assert np.isfinite(theirs[1]) and theirs[1] == pytest.approx(float(last), rel=1e-6)
    assert np.isnan(theirs[2])


def test_label_on_excluded_class_equals_optax_value_and_gradient():
    """optax's number for a label on a class that ``where`` excludes: logsumexp
    over the included classes minus the label's own logit (a closed form written
    here), eagerly and under jit, with optax's gradient; the neutral function
    raises unless asked (``where_label="logit"``)."""
    x, labels = _x(), jnp.asarray([1, 0, 2])
    where = jnp.asarray([[True, False, True], [True, True, True], [True, True, True]])
    for f in (bj.softmax_cross_entropy_with_integer_labels, jax.jit(bj.softmax_cross_entropy_with_integer_labels)):
        ours = f(x, labels, where=where)
        theirs = optax.softmax_cross_entropy_with_integer_labels(x, labels, where=where)
        close(ours, theirs, "float32")
    want = float(jax.nn.logsumexp(x[0, jnp.asarray([0, 2])]) - x[0, 1])
    assert float(ours[0]) == pytest.approx(want, rel=1e-6)
    g = [jax.grad(lambda z, fn=fn: fn(z, labels, where=where).sum())(x)
         for fn in (bj.softmax_cross_entropy_with_integer_labels, optax.softmax_cross_entropy_with_integer_labels)]
    close(g[0], g[1], "float32")
    with pytest.raises(ValueError, match="`where` excludes"):
        losses.sparse_categorical_crossentropy(labels, x, from_logits=True, where=where)


def test_excluded_row_label_is_not_checked():
    x = _x()
    where = jnp.asarray([True, False, True])
    labels = jnp.asarray([0, -1, 2])  # the excluded row's padding label
    ours = bj.softmax_cross_entropy_with_integer_labels(x, labels, where=where)
    theirs = optax.softmax_cross_entropy_with_integer_labels(x, labels, where=where)
    close(ours, theirs, "float32")
    assert float(ours[1]) == 0.0


@pytest.mark.parametrize("half", ["bfloat16", "float16"])
def test_half_precision_computed_in_float32(half):
    rng = np.random.default_rng(3)
    x64 = rng.normal(0, 3, size=(64, 10))
    labels = jnp.asarray(rng.integers(0, 10, 64))
    x = jnp.asarray(x64, dtype=half)
    exact = np.asarray(optax.softmax_cross_entropy_with_integer_labels(x.astype(jnp.float64), labels))
    ours = bj.softmax_cross_entropy_with_integer_labels(x, labels)
    theirs = optax.softmax_cross_entropy_with_integer_labels(x, labels)
    assert ours.dtype == theirs.dtype == jnp.dtype(half)
    # ours: the float32 computation rounded once to the half type
    via32 = bj.softmax_cross_entropy_with_integer_labels(x.astype(jnp.float32), labels).astype(half)
    np.testing.assert_array_equal(np.asarray(ours, np.float32), np.asarray(via32, np.float32))
    err_ours = np.abs(np.asarray(ours, np.float64) - exact).mean()
    err_theirs = np.abs(np.asarray(theirs, np.float64) - exact).mean()
    assert err_ours <= err_theirs, (err_ours, err_theirs)


def test_smooth_labels_alpha_traced_or_array_equals_optax_and_out_of_range_is_error_or_nan():
    y = jnp.eye(3)
    close(jax.jit(bj.smooth_labels)(y, 0.1), optax.smooth_labels(y, 0.1), "float64")  # traced alpha
    a = jnp.asarray([[0.1], [0.2], [0.3]])  # an array, broadcast against the labels
    close(bj.smooth_labels(y, a), optax.smooth_labels(y, a), "float64")
    assert np.all(np.isnan(jax.jit(bj.smooth_labels)(y, 1.5)))
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="`label_smoothing` must be in \\[0, 1\\]"):
            bj.smooth_labels(y, bad)
        assert np.all(np.isfinite(optax.smooth_labels(y, bad)))  # optax: any number
    with pytest.raises(ValueError, match="`label_smoothing` must hold numbers in"):
        bj.smooth_labels(y, np.array([0.1, 0.2, 1.3]))


def test_smooth_labels_where_row_with_nothing_included_is_unchanged_not_inf():
    y = jnp.eye(3)
    where = jnp.asarray([[True, True, False], [False, False, False], [True, True, True]])
    ours, theirs = bj.smooth_labels(y, 0.3, where=where), optax.smooth_labels(y, 0.3, where=where)
    np.testing.assert_array_equal(ours[1], y[1])
    assert np.all(np.isinf(theirs[1]))
    close(np.asarray(ours)[[0, 2]], np.asarray(theirs)[[0, 2]], "float64")


def test_smooth_labels_where_counts_the_broadcast_mask():
    y = jnp.eye(4)[:2]
    where = jnp.asarray([[True], [True]])  # every class of both rows included
    ours, theirs = bj.smooth_labels(y, 0.4, where=where), optax.smooth_labels(y, 0.4, where=where)
    close(ours, 0.6 * y + 0.4 / 4, "float64")  # C = 4 included classes
    close(theirs, 0.6 * y + 0.4 / 1, "float64")  # optax counts the un-broadcast column: 1


# --- errors: optax's types, our messages ------------------------------------------


def test_dtype_errors_are_type_errors_as_in_optax():
    xi = jnp.asarray([[1, 2]])
    for ours, theirs, args in [
        (bj.softmax_cross_entropy, optax.softmax_cross_entropy, (xi, jnp.eye(2)[:1])),
        (bj.softmax_cross_entropy_with_integer_labels, optax.softmax_cross_entropy_with_integer_labels,
         (xi, jnp.asarray([1]))),
        (bj.softmax_cross_entropy_with_integer_labels, optax.softmax_cross_entropy_with_integer_labels,
         (_x(), jnp.asarray([1.0, 0.0, 2.0]))),
        (bj.sigmoid_binary_cross_entropy, optax.sigmoid_binary_cross_entropy, (xi, xi)),
        (bj.smooth_labels, optax.smooth_labels, (xi, 0.1)),
    ]:
        with pytest.raises(TypeError):
            theirs(*args)
        with pytest.raises(TypeError, match="lossbridge: `(logits|labels)` must hold"):
            ours(*args)


def test_axis_errors():
    with pytest.raises(ValueError):
        optax.softmax_cross_entropy_with_integer_labels(_x(), jnp.asarray([0, 1, 2]), axis=None)
    with pytest.raises(ValueError, match="`axis` must be an int or a tuple of ints"):
        bj.softmax_cross_entropy_with_integer_labels(_x(), jnp.asarray([0, 1, 2]), axis=None)
    with pytest.raises(ValueError, match="`axis`=2 is out of range"):
        bj.softmax_cross_entropy_with_integer_labels(_x(), jnp.asarray([0, 1, 2]), axis=2)
    with pytest.raises(ValueError, match="`axis`=5 is out of range"):
        bj.softmax_cross_entropy(_x(), jnp.eye(3), axis=5)
    with pytest.raises(ValueError, match="repeats an axis"):
        bj.softmax_cross_entropy(_x(), jnp.eye(3), axis=(1, -1))
    with pytest.raises(ValueError, match="`axis` must be"):
        bj.softmax_cross_entropy(_x(), jnp.eye(3), axis="last")


def test_shape_errors_name_optax_arguments():
    with pytest.raises(ValueError, match=r"`labels` of shape \(2,\) does not broadcast"):
        bj.softmax_cross_entropy_with_integer_labels(_x(), jnp.asarray([0, 1]))
    with pytest.raises(ValueError, match="`labels` must have the per-example shape"):
        bj.softmax_cross_entropy_with_integer_labels(_x(), jnp.asarray([[0], [1], [2]]))
    with pytest.raises(ValueError, match=r"`logits` of shape \(3, 3\) and `labels` of shape \(2, 3\)"):
        bj.softmax_cross_entropy(_x(), jnp.eye(3)[:2])
    with pytest.raises(ValueError, match="`where`"):
        bj.softmax_cross_entropy(_x(), jnp.eye(3), where=jnp.asarray([True, False]))
    with pytest.raises(ValueError, match="`where`.*rank"):
        bj.softmax_cross_entropy(_x(), jnp.eye(3), axis=None, where=jnp.asarray([True, False, True]))
    with pytest.raises(ValueError, match="`where` of shape"):
        bj.smooth_labels(jnp.eye(3), 0.1, where=jnp.ones((3, 3, 1), bool))


def test_spec_errors_are_renamed_to_optax_arguments():
    with pytest.raises(ValueError) as info:
        bj.softmax_cross_entropy_with_integer_labels(_x(), jnp.asarray([0, 7, 1]))
    assert "`labels`" in str(info.value) and "y_true" not in str(info.value)


# --- docs and neutral use --------------------------------------------------------


def test_docstring_examples_run():
    failed, tried = doctest.testmod(bj, optionflags=doctest.ELLIPSIS)[:2]
    assert tried >= 5 and failed == 0


def test_neutral_losses_under_grad_jit_vmap():
    """The docs' recipe: ``losses.*`` directly, differentiated w.r.t. y_pred (argnums=1)."""
    x, labels = _x("float64"), jnp.asarray([2, 0, 1])
    loss = functools.partial(losses.sparse_categorical_crossentropy, from_logits=True)
    ref = lambda x: jnp.mean(optax.softmax_cross_entropy_with_integer_labels(x, labels))  # noqa: E731
    close(jax.jit(loss)(labels, x), ref(x), "float64")
    close(jax.jit(jax.grad(loss, argnums=1))(labels, x), jax.grad(ref)(x), "float64")
    per = jax.jit(jax.vmap(loss))(labels, x)  # one call per example
    close(per, optax.softmax_cross_entropy_with_integer_labels(x, labels), "float64")


def test_example_trains_and_matches_optax():
    env = dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "jax_digits.py"),
                           "--epochs", "2"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    import re

    assert re.search(r"epoch +2 +loss \d", proc.stdout), proc.stdout
    acc = [float(a) for a in re.findall(r"test accuracy \((?:lossbridge|optax)\): +([\d.]+)", proc.stdout)]
    assert len(acc) == 2 and acc[0] > 0.5, proc.stdout  # it learns; 10 classes
    diff = float(re.search(r"max \|difference\| = ([\d.e+-]+)", proc.stdout).group(1))
    assert diff <= 1e-5
