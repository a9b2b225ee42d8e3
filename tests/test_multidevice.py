"""Data-parallel training gives the single-device answer: simulated multi-device CPU set-ups.

Each check runs a child script of ``tests/multidevice/`` in a fresh Python
process, because the device set-up must happen before the framework is
imported: ``XLA_FLAGS=--xla_force_host_platform_device_count=8`` (JAX, 8 CPU
devices), ``KERAS_BACKEND``, TensorFlow logical devices, ``torch.distributed``
workers. A child exits non-zero on a failed check; its output is shown here.

* JAX ``jit`` over ``NamedSharding``-sharded batches and ``shard_map`` with
  the losses' ``axis_name``: loss and gradients equal the unsharded
  computation (class weights, ignored labels spread unevenly over the
  shards); without ``axis_name`` the mean of shard means differs.
* torch ``DistributedDataParallel`` (2 gloo workers) with
  ``backends.distributed.global_weighted_mean``: gradients and weights equal
  single-process training step by step; the naive per-worker mean differs.
* Keras ``fit`` under ``keras.distribution.DataParallel`` (JAX, 8 devices)
  and ``tf.distribute.MirroredStrategy`` (TensorFlow, 2 CPUs): our loss
  equals Keras' own, step by step.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _fw import MISSING

ROOT = Path(__file__).resolve().parent.parent
CHILDREN = ROOT / "tests" / "multidevice"
#: a guard, not the budget: each child takes ~5-15 s on an idle 2-core machine
TIMEOUT = 300


def _child(script: str, *args: str, needs: tuple[str, ...], env: dict | None = None) -> str:
    missing = [fw for fw in needs if fw in MISSING]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    e = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "KERAS_BACKEND")}
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    e.update(OMP_NUM_THREADS="1", TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    proc = subprocess.run([sys.executable, str(CHILDREN / script), *args], cwd=ROOT, env=e,
                          capture_output=True, text=True, timeout=TIMEOUT)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{script} {' '.join(args)} failed (rc={proc.returncode}):\n{out[-6000:]}"
    assert "PASSED" in proc.stdout, out[-6000:]
    return proc.stdout


def test_jax_jit_named_sharding_equals_unsharded():
    out = _child("jax_sharded.py", "jit", needs=("jax",))
    assert "gradient w.r.t. the sharded inputs" in out and "after 3 SGD steps" in out


def test_jax_shard_map_axis_name_equals_unsharded():
    out = _child("jax_sharded.py", "shard_map", needs=("jax",))
    assert "shard_map + axis_name: loss and parameter gradients" in out
    assert "without axis_name: mean of shard means differs" in out


def test_torch_ddp_global_weighted_mean_equals_single_process():
    out = _child("torch_ddp.py", needs=("torch",))
    assert out.count("DDP gradients and weights equal single-process training") == 3


@pytest.mark.parametrize("backend,needs", [("jax", ("jax",)), ("tensorflow", ("tensorflow",))])
def test_keras_distributed_fit_matches_native(backend, needs):
    out = _child("keras_fit.py", backend, needs=needs, env={"KERAS_BACKEND": backend})
    assert "ours vs keras' SparseCategoricalCrossentropy: weights equal after each of 8 steps" in out


# --- cheap in-process checks: the errors and the local parts ------------------


@pytest.mark.parametrize("fw", ["numpy", "torch", "tensorflow"])
def test_axis_name_raises_on_backends_without_collectives(fw):
    import numpy as np

    import losses

    if fw in MISSING:
        pytest.skip(MISSING[fw])
    y, p = np.array([0, 1]), np.zeros((2, 3))
    if fw == "torch":
        import torch
        y, p = torch.tensor(y), torch.tensor(p)
    elif fw == "tensorflow":
        import tensorflow as tf
        y, p = tf.constant(y), tf.constant(p)
    for reduction in ("mean", "sum", "none"):
        with pytest.raises(ValueError, match=r"`axis_name`='batch' is a JAX mapped-axis name.*"
                                             rf"got {fw} arrays"):
            losses.sparse_categorical_crossentropy(y, p, from_logits=True, axis_name="batch",
                                                   reduction=reduction)


@pytest.mark.parametrize("bad", [3, "", (), ("batch", 1), ["batch"]])
def test_axis_name_bad_value(bad):
    import numpy as np

    import losses

    with pytest.raises(ValueError, match="`axis_name` must be None, a mapped axis name"):
        losses.mean_squared_error(np.zeros(2), np.ones(2), axis_name=bad)


def test_sum_and_count_against_torch_native():
    """The parts of torch's weighted mean, against the native's mean and a hand count."""
    if "torch" in MISSING:
        pytest.skip(MISSING["torch"])
    import torch

    import backends.distributed as bd
    from backends.torch import CrossEntropyLoss, NLLLoss

    g = torch.Generator().manual_seed(0)
    x = torch.randn(7, 4, 3, generator=g, dtype=torch.float64)
    y = torch.randint(0, 4, (7, 3), generator=g)
    y[0, :2] = -5
    w = torch.tensor([0.5, 1.0, 2.0, 3.0], dtype=torch.float64)
    count = w[y[y != -5]].sum()
    for crit, native, inp in (
        (CrossEntropyLoss(weight=w, ignore_index=-5, label_smoothing=0.1, reduction="sum"),
         torch.nn.CrossEntropyLoss(weight=w, ignore_index=-5, label_smoothing=0.1), x),
        (NLLLoss(weight=w, ignore_index=-5), torch.nn.NLLLoss(weight=w, ignore_index=-5),
         torch.log_softmax(x, 1)),
    ):
        s, n = bd.sum_and_count(crit, inp, y)
        torch.testing.assert_close(n, count, rtol=1e-12, atol=0)
        torch.testing.assert_close(s / n, native(inp, y), rtol=1e-12, atol=1e-12)
    # probability targets: torch's mean divides by the number of samples
    t = torch.softmax(torch.randn(7, 4, 3, generator=g, dtype=torch.float64), 1)
    s, n = bd.sum_and_count(torch.nn.CrossEntropyLoss(weight=w), x, t)
    assert float(n) == 21.0
    torch.testing.assert_close(s / n, torch.nn.CrossEntropyLoss(weight=w)(x, t), rtol=1e-12, atol=1e-12)
    with pytest.raises(TypeError, match="`criterion` must be a CrossEntropyLoss or NLLLoss"):
        bd.sum_and_count(torch.nn.MSELoss(), x, t)
    with pytest.raises(ValueError, match="torch.distributed is not initialised"):
        bd.global_weighted_mean(s, n)


def test_losses_sum_and_count_numpy():
    """sum / count == the loss, against hand-written float64 formulas."""
    import numpy as np

    import losses

    rng = np.random.default_rng(1)
    z, y = rng.normal(size=(6, 3)), np.array([0, 2, -1, 1, -1, 2])
    cw, sw = np.array([0.5, 2.0, 3.0]), rng.uniform(0.1, 2.0, size=6)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    keep = y != -1
    yk = np.where(keep, y, 0)
    per = -logp[np.arange(6), yk] * cw[yk] * keep * sw
    opts = dict(from_logits=True, ignore_index=-1, class_weight=cw, sample_weight=sw)
    s, n = losses.sum_and_count(losses.sparse_categorical_crossentropy, y, z, **opts)
    np.testing.assert_allclose([s, n], [per.sum(), (cw[yk] * keep * sw).sum()], rtol=1e-12)
    s, n = losses.sum_and_count("sparse_categorical_crossentropy", y, z, reduction="sum_over_batch_size",
                                **opts)
    np.testing.assert_allclose([s, n], [per.sum(), 6.0], rtol=1e-12)
    for bad, msg in (({"reduction": "sum"}, "`reduction` must be one of 'mean', 'sum_over_batch_size'"),
                     ({"axis_name": "b"}, "leave `axis_name` out")):
        with pytest.raises(ValueError, match=msg):
            losses.sum_and_count(losses.sparse_categorical_crossentropy, y, z, **{**opts, **bad})
