"""Train a small language-model head over a 32768-token vocabulary with
lossbridge's ``LinearCrossEntropyLoss`` (logits never materialized), then the
same model from the same seed with ``nn.Linear`` + ``nn.CrossEntropyLoss``, and
compare the loss curves and the peak memory of a training step.

Each run is a fresh subprocess; its peak extra memory is the rise of the
process's peak RSS over its RSS before the first step (host memory, CPU).
Exits 1 if the curves differ beyond float32 tolerance.

    PYTHONPATH=. python examples/lm_head_linear_ce.py [--steps 8] [--vocab 32768]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

TOLERANCE = 1e-3  # float32 training, different summation orders


def corpus(n: int, vocab: int, seed: int):  # noqa: ANN201
    """A token stream where the next token is ``(7 t + 3) mod V`` 90% of the time."""
    import torch

    g = torch.Generator().manual_seed(seed)
    t = torch.empty(n + 1, dtype=torch.long)
    t[0] = 0
    noise = torch.randint(0, vocab, (n,), generator=g)
    keep = torch.rand(n, generator=g) < 0.9
    for i in range(n):
        t[i + 1] = (7 * t[i] + 3) % vocab if keep[i] else noise[i]
    return t[:-1], t[1:]


def peak_mib() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def child(kind: str, steps: int, vocab: int, tokens: int, dim: int) -> dict:
    import torch
    from torch import nn

    from backends.torch import LinearCrossEntropyLoss

    torch.manual_seed(0)
    x, y = corpus(tokens, vocab, seed=1)
    body = nn.Sequential(nn.Embedding(vocab, dim), nn.Linear(dim, dim), nn.Tanh())
    if kind == "ours":
        head = LinearCrossEntropyLoss(dim, vocab, bias=True)
        loss_of = lambda h: head(h, y)  # noqa: E731
    else:
        head = nn.Linear(dim, vocab)
        ce = nn.CrossEntropyLoss()
        loss_of = lambda h: ce(head(h), y)  # noqa: E731
    # the same initial head: LinearCrossEntropyLoss keeps it in .linear (the native layout)
    torch.manual_seed(1)
    init = nn.Linear(dim, vocab)
    (head.linear if kind == "ours" else head).load_state_dict(init.state_dict())
    opt = torch.optim.Adam([*body.parameters(), *head.parameters()], lr=3e-3)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    base = rss_mib()
    curve = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_of(body(x))
        loss.backward()
        opt.step()
        curve.append(float(loss))
    return {"curve": curve, "extra_mib": peak_mib() - base}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--vocab", type=int, default=32768)
    ap.add_argument("--tokens", type=int, default=2048)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--child", choices=("ours", "naive"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child, a.steps, a.vocab, a.tokens, a.dim)))
        return 0
    runs = {}
    for kind in ("ours", "naive"):
        p = subprocess.run([sys.executable, __file__, "--child", kind, "--steps", str(a.steps),
                            "--vocab", str(a.vocab), "--tokens", str(a.tokens), "--dim", str(a.dim)],
                           capture_output=True, text=True, check=True)
        runs[kind] = json.loads(p.stdout.strip().splitlines()[-1])
    print(f"{a.tokens} tokens x vocabulary {a.vocab}, hidden {a.dim}: logits "
          f"{a.tokens * a.vocab * 4 / 2**20:.0f} MiB")
    print(f"{'step':>4} {'ours':>10} {'nn.Linear+CE':>13}")
    for i, (u, v) in enumerate(zip(runs["ours"]["curve"], runs["naive"]["curve"])):
        print(f"{i:>4} {u:>10.5f} {v:>13.5f}")
    o, n = runs["ours"]["extra_mib"], runs["naive"]["extra_mib"]
    print(f"peak extra memory of training: ours {o:.0f} MiB, nn.Linear + CrossEntropyLoss {n:.0f} MiB "
          f"({o / n:.2f}x)")
    diff = max(abs(u - v) for u, v in zip(runs["ours"]["curve"], runs["naive"]["curve"]))
    print(f"largest loss difference: {diff:.2e} (tolerance {TOLERANCE:g})")
    return 0 if diff <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
