"""Train a small MLP on scikit-learn's digits with lossbridge's optax-compatible
loss, then retrain from the same seed with optax's own and compare.

    python examples/jax_digits.py [--epochs 30] [--seed 0]

The model is pure ``jax.numpy`` (no flax), the optimizer optax's Adam, the data
``sklearn.datasets.load_digits`` (bundled with scikit-learn, no download). The
only change between the two runs is the import:

    from backends.jax import softmax_cross_entropy_with_integer_labels   # ours
    from optax import softmax_cross_entropy_with_integer_labels          # optax

Prints the per-epoch training loss and the final test accuracy of our run, then
the largest |difference| between the two runs' loss curves. Exit status 1 if
they differ by more than float32 tolerance.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from backends.jax import softmax_cross_entropy_with_integer_labels  # noqa: E402

#: per-epoch mean losses of the two runs must agree to this (float32, O(1) losses)
TOLERANCE = 1e-5


def data(seed: int) -> tuple:
    """Digits (1797 8x8 images, 10 classes) scaled to [0, 1]; a seeded 80/20 split."""
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    idx = np.random.default_rng(seed).permutation(len(x))
    cut = int(0.8 * len(x))
    tr, te = idx[:cut], idx[cut:]
    return jnp.asarray(x[tr]), jnp.asarray(y[tr]), jnp.asarray(x[te]), jnp.asarray(y[te])


def init(key: jax.Array, sizes: tuple[int, ...]) -> list:
    params = []
    for k, (m, n) in zip(jax.random.split(key, len(sizes) - 1), zip(sizes[:-1], sizes[1:])):
        params.append((jax.random.normal(k, (m, n), jnp.float32) * jnp.sqrt(2.0 / m),
                       jnp.zeros((n,), jnp.float32)))
    return params


def mlp(params: list, x: jax.Array) -> jax.Array:
    for w, b in params[:-1]:
        x = jax.nn.relu(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def train(loss_fn, args: argparse.Namespace, xtr, ytr) -> tuple[list, np.ndarray]:
    """Adam on mini-batches; returns the parameters and the per-epoch mean loss."""
    opt = optax.adam(args.lr)
    params = init(jax.random.PRNGKey(args.seed), (64, args.hidden, 10))
    state = opt.init(params)
    n_batches = len(xtr) // args.batch_size

    def objective(p, x, y):
        return jnp.mean(loss_fn(mlp(p, x), y))

    def step(carry, batch):
        p, s = carry
        loss, g = jax.value_and_grad(objective)(p, *batch)
        updates, s = opt.update(g, s, p)
        return (optax.apply_updates(p, updates), s), loss

    @jax.jit
    def epoch(p, s, key):
        order = jax.random.permutation(key, len(xtr))[: n_batches * args.batch_size]
        xb = xtr[order].reshape(n_batches, args.batch_size, -1)
        yb = ytr[order].reshape(n_batches, args.batch_size)
        (p, s), batch_losses = jax.lax.scan(step, (p, s), (xb, yb))
        return p, s, jnp.mean(batch_losses)

    curve = []
    keys = jax.random.split(jax.random.PRNGKey(args.seed + 1), args.epochs)
    for k in keys:
        params, state, loss = epoch(params, state, k)
        curve.append(float(loss))
    return params, np.array(curve)


def accuracy(params: list, x: jax.Array, y: jax.Array) -> float:
    return float(jnp.mean(jnp.argmax(mlp(params, x), -1) == y))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    xtr, ytr, xte, yte = data(args.seed)
    print(f"digits: {len(xtr)} train / {len(xte)} test, MLP 64-{args.hidden}-10, "
          f"Adam lr={args.lr}, batch {args.batch_size}, {jax.default_backend()}")

    params, ours = train(softmax_cross_entropy_with_integer_labels, args, xtr, ytr)
    for i, loss in enumerate(ours, 1):
        print(f"epoch {i:3d}  loss {loss:.6f}")
    print(f"test accuracy (lossbridge): {accuracy(params, xte, yte):.4f}")

    params_ref, ref = train(optax.softmax_cross_entropy_with_integer_labels, args, xtr, ytr)
    print(f"test accuracy (optax):      {accuracy(params_ref, xte, yte):.4f}")
    diff = float(np.max(np.abs(ours - ref)))
    ok = diff <= TOLERANCE
    print(f"loss curves, lossbridge vs optax: max |difference| = {diff:.2e} "
          f"({'within' if ok else 'OUTSIDE'} tolerance {TOLERANCE:g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
