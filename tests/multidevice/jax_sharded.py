"""Child of tests/test_multidevice.py: JAX data parallelism on 8 simulated CPU devices.

Run as ``python tests/multidevice/jax_sharded.py {jit|shard_map}`` with the
repository on ``PYTHONPATH``. ``XLA_FLAGS`` is set here, before JAX is
imported, so this must be a fresh process. Exits non-zero (an
``AssertionError``) when a check fails; prints one line per check passed.

Model: logits = x @ W + b, trained with ``losses.sparse_categorical_crossentropy``
(class weights, ignored labels); the batch of 32 is split 4 per device and
the ignored labels are spread unevenly (shard 0: 3 of 4 ignored, shards 1-2:
none, ...), so the mean of shard means is not the batch mean.
"""

from __future__ import annotations

import os
import sys

os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8").strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax.sharding import NamedSharding  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402

import losses  # noqa: E402

jax.config.update("jax_enable_x64", True)
assert jax.device_count() == 8, jax.devices()

N, D, C, IGN = 32, 5, 4, -1
rng = np.random.default_rng(0)
X = rng.normal(size=(N, D))
Y = rng.integers(0, C, size=N)
# uneven ignored labels per shard of 4: 3, 0, 0, 1, 2, 0, 1, 3
for i in (0, 1, 2, 13, 16, 17, 24, 29, 30, 31):
    Y[i] = IGN
CW = np.array([0.5, 1.0, 2.0, 3.0])
SW = rng.uniform(0.1, 2.0, size=N)
PARAMS = {"W": rng.normal(size=(D, C)) * 0.5, "b": rng.normal(size=C) * 0.1}
TOL = {"rtol": 1e-12, "atol": 1e-12}


def logits_of(params: dict, x: jax.Array) -> jax.Array:
    return x @ params["W"] + params["b"]


def ce(params: dict, x: jax.Array, y: jax.Array, sw: jax.Array | None = None, **kw: object) -> jax.Array:
    return losses.sparse_categorical_crossentropy(y, logits_of(params, x), from_logits=True,
                                                  class_weight=jnp.asarray(CW), ignore_index=IGN,
                                                  sample_weight=sw, **kw)


def numpy_ce_mean(params: dict) -> float:
    """torch's weighted mean, written out in float64 NumPy (independent of the library)."""
    z = X @ params["W"] + params["b"]
    logp = z - z.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    keep = Y != IGN
    yk = np.where(keep, Y, 0)
    w = CW[yk] * keep
    return float(-(w * logp[np.arange(N), yk]).sum() / w.sum())


def close(a: object, b: object, what: str) -> None:
    for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), err_msg=what, **TOL)
    print("ok:", what)


def far(a: object, b: object, what: str, rel: float = 1e-3) -> None:
    diff = max(float(np.max(np.abs(np.asarray(u) - np.asarray(v)) / (np.abs(np.asarray(v)) + 1e-12)))
               for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b)))
    assert diff > rel, f"{what}: expected a relative difference > {rel}, got {diff}"
    print(f"ok: {what} (relative difference {diff:.3g})")


# the single-device reference: everything on device 0, no sharding
dev0 = jax.devices()[0]
x0, y0, sw0 = (jax.device_put(jnp.asarray(a), dev0) for a in (X, Y, SW))
p0 = jax.device_put(jax.tree.map(jnp.asarray, PARAMS), dev0)
REF = jax.jit(jax.value_and_grad(ce))(p0, x0, y0)
REF_SW = jax.jit(jax.value_and_grad(ce))(p0, x0, y0, sw0)
REF_DX = jax.jit(jax.grad(ce, argnums=1))(p0, x0, y0)
np.testing.assert_allclose(float(REF[0]), numpy_ce_mean(PARAMS), rtol=1e-12)
assert x0.sharding.device_set == {dev0}


def check_jit() -> None:
    """(a) jax.jit over a batch sharded with NamedSharding: no axis_name needed."""
    mesh = jax.make_mesh((8,), ("batch",), axis_types=(jax.sharding.AxisType.Auto,))
    batch, repl = NamedSharding(mesh, P("batch")), NamedSharding(mesh, P())
    x, y, sw = (jax.device_put(jnp.asarray(a), batch) for a in (X, Y, SW))
    params = jax.device_put(jax.tree.map(jnp.asarray, PARAMS), repl)
    assert len(x.sharding.device_set) == 8 and x.addressable_shards[0].data.shape == (4, D)
    step = jax.jit(jax.value_and_grad(ce), out_shardings=repl)
    close(step(params, x, y), REF, "jit + NamedSharding: loss and parameter gradients")
    close(jax.jit(jax.value_and_grad(ce))(params, x, y, sw), REF_SW,
          "jit + NamedSharding with sample_weight: loss and parameter gradients")
    dx = jax.jit(jax.grad(ce, argnums=1))(params, x, y)
    assert len(dx.sharding.device_set) == 8
    close(dx, REF_DX, "jit + NamedSharding: gradient w.r.t. the sharded inputs")
    # a few SGD steps, sharded and not, stay together
    def sgd(p: dict, xb: jax.Array, yb: jax.Array) -> dict:
        g = jax.grad(ce)(p, xb, yb)
        return jax.tree.map(lambda a, b: a - 0.5 * b, p, g)
    ps, pr = params, p0
    for _ in range(3):
        ps, pr = jax.jit(sgd)(ps, x, y), jax.jit(sgd)(pr, x0, y0)
    close(ps, pr, "jit + NamedSharding: parameters after 3 SGD steps")

    # explicit sharding (jax.make_mesh's default axis type): the same, under jax.set_mesh
    emesh = jax.make_mesh((8,), ("batch",), axis_types=(jax.sharding.AxisType.Explicit,))
    eb = NamedSharding(emesh, P("batch"))
    ex, ey, esw = (jax.device_put(jnp.asarray(a), eb) for a in (X, Y, SW))
    ep = jax.device_put(jax.tree.map(jnp.asarray, PARAMS), NamedSharding(emesh, P()))
    with jax.set_mesh(emesh):
        close(jax.jit(jax.value_and_grad(ce))(ep, ex, ey), REF,
              "jit + explicit sharding: loss and parameter gradients")
        close(jax.jit(jax.value_and_grad(ce))(ep, ex, ey, esw), REF_SW,
              "jit + explicit sharding with sample_weight")


def check_shard_map() -> None:
    """(b) shard_map: each device sees its shard; axis_name makes the reduction global."""
    mesh = jax.make_mesh((8,), ("batch",), axis_types=(jax.sharding.AxisType.Explicit,))
    batch = NamedSharding(mesh, P("batch"))
    x, y, sw = (jax.device_put(jnp.asarray(a), batch) for a in (X, Y, SW))
    params = jax.device_put(jax.tree.map(jnp.asarray, PARAMS), NamedSharding(mesh, P()))

    def sharded(fn, out=None):  # noqa: ANN001, ANN202
        return jax.jit(jax.shard_map(fn, mesh=mesh, in_specs=(P(), P("batch"), P("batch")),
                                     out_specs=(P(), P()) if out is None else out))

    with_axis = sharded(jax.value_and_grad(lambda p, a, b: ce(p, a, b, axis_name="batch")))
    close(with_axis(params, x, y), REF, "shard_map + axis_name: loss and parameter gradients")

    dx = sharded(jax.grad(lambda p, a, b: ce(p, a, b, axis_name="batch"), argnums=1),
                 out=P("batch"))(params, x, y)
    close(dx, REF_DX, "shard_map + axis_name: gradient w.r.t. the sharded inputs")

    with_sw = jax.jit(jax.shard_map(
        jax.value_and_grad(lambda p, a, b, s: ce(p, a, b, s, axis_name="batch")), mesh=mesh,
        in_specs=(P(), P("batch"), P("batch"), P("batch")), out_specs=(P(), P())))
    close(with_sw(params, x, y, sw), REF_SW, "shard_map + axis_name with sample_weight")

    # without axis_name: each shard's own weighted mean, averaged over devices
    # (the usual pmean of losses and gradients) -- not the batch's mean
    def naive(p, a, b):  # noqa: ANN001, ANN202
        v, g = jax.value_and_grad(ce)(p, a, b)
        return jax.lax.pmean(v, "batch"), jax.lax.pmean(g, "batch")
    naive_vg = sharded(naive)(params, x, y)
    far(naive_vg[0], REF[0], "shard_map without axis_name: mean of shard means differs (loss)")
    far(naive_vg[1], REF[1], "shard_map without axis_name: mean of shard means differs (gradients)")

    # the other reductions
    red = {r: jax.jit(ce, static_argnames="reduction")(p0, x0, y0, reduction=r)
           for r in ("sum", "sum_over_batch_size", "none")}
    for r, out in (("sum", P()), ("sum_over_batch_size", P()), ("none", P("batch"))):
        got = sharded(lambda p, a, b, r=r: ce(p, a, b, reduction=r, axis_name="batch"), out=out)(
            params, x, y)
        close(got, red[r], f"shard_map + axis_name, reduction={r!r}")

    # a plain mean (no weights, no ignored labels): mean squared error
    ref_mse = jax.jit(jax.value_and_grad(
        lambda p, a: losses.mean_squared_error(jnp.tanh(a[:, :C]), logits_of(p, a))))(p0, x0)
    mse = jax.jit(jax.shard_map(jax.value_and_grad(
        lambda p, a: losses.mean_squared_error(jnp.tanh(a[:, :C]), logits_of(p, a), axis_name="batch")),
        mesh=mesh, in_specs=(P(), P("batch")), out_specs=(P(), P())))(params, x)
    close(mse, ref_mse, "shard_map + axis_name: unweighted mean (mean_squared_error)")

    # a tuple of axis names: the batch split over a 4 x 2 mesh
    mesh2 = jax.make_mesh((4, 2), ("data", "model"), axis_types=(jax.sharding.AxisType.Explicit,) * 2)
    b2 = NamedSharding(mesh2, P(("data", "model")))
    x2, y2 = jax.device_put(jnp.asarray(X), b2), jax.device_put(jnp.asarray(Y), b2)
    p2 = jax.device_put(jax.tree.map(jnp.asarray, PARAMS), NamedSharding(mesh2, P()))
    vg2 = jax.jit(jax.shard_map(
        jax.value_and_grad(lambda p, a, b: ce(p, a, b, axis_name=("data", "model"))), mesh=mesh2,
        in_specs=(P(), P(("data", "model")), P(("data", "model"))), out_specs=(P(), P())))(p2, x2, y2)
    close(vg2, REF, "shard_map over two mesh axes, axis_name=('data', 'model')")

    # errors: an unbound name, a bad value, a non-JAX array
    for bad, msg in (("nope", "not a mapped axis"), (("batch", 3), "must be None")):
        try:
            sharded(lambda p, a, b, bad=bad: ce(p, a, b, axis_name=bad))(params, x, y)
        except ValueError as e:
            assert msg in str(e) and "axis_name" in str(e), e
        else:
            raise AssertionError(f"axis_name={bad!r} did not raise")
    print("ok: bad axis_name raises ValueError")


if __name__ == "__main__":
    {"jit": check_jit, "shard_map": check_shard_map}[sys.argv[1]]()
    print("PASSED", sys.argv[1])
