"""Child of tests/test_multidevice.py: torch DistributedDataParallel, 2 CPU processes (gloo).

Run as ``python tests/multidevice/torch_ddp.py`` with the repository on
``PYTHONPATH``. Trains a small model for 3 SGD steps with
``backends.torch.CrossEntropyLoss(weight=..., ignore_index=...)`` on a batch
of 16 split 8/8 (worker 0: 5 labels ignored, worker 1: none), and checks
that the DDP gradients and weights after every step equal single-process
training on the whole batch with ``torch.nn.CrossEntropyLoss`` (the
native: an independent reference) when the loss goes through
``backends.distributed.global_weighted_mean`` -- and differ with the naive
per-worker mean. Exits non-zero when a check fails.
"""

from __future__ import annotations

import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel as DDP

WORLD, N, D, C, IGN, STEPS, LR = 2, 16, 6, 4, -1, 3, 0.5


def data() -> tuple:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, D, generator=g, dtype=torch.float64)
    y = torch.randint(0, C, (N,), generator=g)
    y[[0, 2, 3, 5, 6]] = IGN  # all in worker 0's half
    w = torch.tensor([0.5, 1.0, 2.0, 3.0], dtype=torch.float64)
    return x, y, w


def model() -> torch.nn.Module:
    torch.manual_seed(1)
    return torch.nn.Sequential(torch.nn.Linear(D, 8), torch.nn.Tanh(), torch.nn.Linear(8, C)).double()


def reference() -> list:
    """Single process, whole batch, native torch loss: (grads, params) after each step."""
    x, y, w = data()
    m = model()
    crit = torch.nn.CrossEntropyLoss(weight=w, ignore_index=IGN)
    out = []
    for _ in range(STEPS):
        m.zero_grad()
        crit(m(x), y).backward()
        grads = [p.grad.clone() for p in m.parameters()]
        with torch.no_grad():
            for p in m.parameters():
                p -= LR * p.grad
        out.append((grads, [p.detach().clone() for p in m.parameters()]))
    return out


def train(rank: int, global_mean: bool) -> list:
    from backends.distributed import global_weighted_mean, sum_and_count
    from backends.torch import CrossEntropyLoss

    x, y, w = data()
    xs, ys = x.chunk(WORLD)[rank], y.chunk(WORLD)[rank]
    m = DDP(model())
    out = []
    for _ in range(STEPS):
        m.zero_grad()
        logits = m(xs)
        if global_mean:
            crit = CrossEntropyLoss(weight=w, ignore_index=IGN, reduction="sum")
            loss_sum = crit(logits, ys)
            s, count = sum_and_count(crit, logits, ys)
            torch.testing.assert_close(s, loss_sum, rtol=1e-12, atol=1e-12)
            loss = global_weighted_mean(loss_sum, count)
        else:  # the naive per-worker mean
            loss = CrossEntropyLoss(weight=w, ignore_index=IGN)(logits, ys)
        loss.backward()
        grads = [p.grad.clone() for p in m.parameters()]
        with torch.no_grad():
            for p in m.parameters():
                p -= LR * p.grad
        out.append((grads, [p.detach().clone() for p in m.parameters()], loss.detach()))
    return out


def worker(rank: int, port: int) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD)
    try:
        ref = reference()
        good, naive = train(rank, True), train(rank, False)
        x, y, w = data()
        for step, ((rg, rp), (gg, gp, gl), (ng, _, _)) in enumerate(zip(ref, good, naive)):
            for a, b in zip(gg, rg):
                torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12,
                                           msg=lambda m, s=step: f"step {s}: DDP gradient: {m}")
            for a, b in zip(gp, rp):
                torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12,
                                           msg=lambda m, s=step: f"step {s}: DDP weights: {m}")
            diff = max(float((a - b).abs().max() / b.abs().max()) for a, b in zip(ng, rg))
            assert diff > 1e-2, f"step {step}: the naive per-worker mean should differ; got {diff}"
            # the global loss value: the average of the workers' returned values
            value = gl.clone()
            dist.all_reduce(value)
            if step == 0:
                native = torch.nn.CrossEntropyLoss(weight=w, ignore_index=IGN)(model()(x), y)
                torch.testing.assert_close(value / WORLD, native.detach(), rtol=1e-12, atol=1e-12)
            if rank == 0:
                print(f"ok: step {step}: DDP gradients and weights equal single-process training; "
                      f"naive per-worker mean differs by {diff:.3g} (relative)", flush=True)
    finally:
        dist.destroy_process_group()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    mp.spawn(worker, args=(free_port(),), nprocs=WORLD, join=True)
    print("PASSED torch_ddp")
    sys.exit(0)
