"""Train a small MLP on scikit-learn's bundled digits (8x8 images, 10 classes,
no download) with lossbridge's ``CrossEntropyLoss`` -- the one-line swap --
then retrain from the same seed with ``torch.nn.CrossEntropyLoss`` and compare
the two loss curves. Exits 1 if they differ beyond float32 tolerance.

    PYTHONPATH=. python examples/torch_digits.py [--epochs 15]
"""

from __future__ import annotations

import argparse
import sys

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

from backends.torch import CrossEntropyLoss  # was: from torch.nn import CrossEntropyLoss

#: float32 training: the curves may differ by rounding, amplified a little by training
TOLERANCE = 1e-4


def load() -> tuple:
    x, y = load_digits(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    f, i = (lambda a: torch.tensor(a, dtype=torch.float32)), (lambda a: torch.tensor(a, dtype=torch.long))
    return f(x_tr), i(y_tr), f(x_te), i(y_te)


def train(loss_fn: nn.Module, data: tuple, epochs: int, seed: int) -> tuple:
    """Mini-batch SGD with momentum; returns (per-epoch mean loss, test accuracy)."""
    x, y, x_te, y_te = data
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    order = torch.Generator().manual_seed(seed)

    curve = []
    for _ in range(epochs):
        perm, total = torch.randperm(len(x), generator=order), 0.0
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        curve.append(total / len(x))
    with torch.no_grad():
        acc = (model(x_te).argmax(1) == y_te).float().mean().item()
    return curve, acc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--label-smoothing", type=float, default=0.1)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)  # small model: threads only add noise
    data = load()

    ours, acc = train(CrossEntropyLoss(label_smoothing=args.label_smoothing), data, args.epochs, args.seed)
    for e, v in enumerate(ours, 1):
        print(f"epoch {e:3d}  loss {v:.6f}")
    print(f"test accuracy (lossbridge CrossEntropyLoss): {acc:.4f}")

    native, acc_n = train(nn.CrossEntropyLoss(label_smoothing=args.label_smoothing), data, args.epochs,
                          args.seed)
    diff = max(abs(a - b) for a, b in zip(ours, native))
    print(f"test accuracy (torch.nn.CrossEntropyLoss):   {acc_n:.4f}")
    print(f"max |difference| of the loss curves: {diff:.3g} (tolerance {TOLERANCE:g})")
    if not diff <= TOLERANCE:
        print("FAIL: the loss curves differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
