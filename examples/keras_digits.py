"""Keras demo: a small Dense classifier on scikit-learn's digits, trained with lossbridge's
``SparseCategoricalCrossentropy`` -- then retrained from the same seed with Keras' native
loss, to show that the two loss curves agree.

    python examples/keras_digits.py [--epochs 15] [--seed 0]
    KERAS_BACKEND=jax python examples/keras_digits.py      # any Keras backend

The data are bundled with scikit-learn (no download). Prints the per-epoch training loss
of both runs, the test accuracy of both, and the largest |difference| of the two loss
curves; saves the model trained with our loss to a ``.keras`` file and loads it back (no
``custom_objects``: importing ``backends.keras`` registers the loss). Exit status 1 if the
curves differ by more than float32 tolerance or the reloaded model disagrees.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from backends.keras import SparseCategoricalCrossentropy  # noqa: E402  -- the one-line swap

#: largest |difference| allowed between the two loss curves (float32 training)
TOL = 1e-5


def data(seed: int) -> tuple[np.ndarray, ...]:
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    return train_test_split(x, y, test_size=0.2, random_state=seed, stratify=y)


def train(loss: keras.losses.Loss, epochs: int, seed: int, x: np.ndarray, y: np.ndarray) -> tuple:
    keras.utils.set_random_seed(seed)  # same initial weights and batch order for both runs
    model = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10),  # logits
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss, metrics=["accuracy"])
    history = model.fit(x, y, batch_size=64, epochs=epochs, verbose=0)
    return model, history.history["loss"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if hasattr(keras.config, "enable_unsafe_deterministic_mode"):
        keras.config.enable_unsafe_deterministic_mode()
    x_tr, x_te, y_tr, y_te = data(args.seed)
    print(f"Keras {keras.__version__}, backend {keras.backend.backend()}; digits: "
          f"{len(x_tr)} train / {len(x_te)} test, 64 features, 10 classes")

    ours_model, ours = train(SparseCategoricalCrossentropy(from_logits=True), args.epochs, args.seed,
                             x_tr, y_tr)
    native_model, native = train(keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                                 args.epochs, args.seed, x_tr, y_tr)

    print(f"\n{'epoch':>5}  {'lossbridge':>12}  {'keras native':>12}  {'|diff|':>9}")
    for i, (a, b) in enumerate(zip(ours, native), 1):
        print(f"{i:>5}  {a:>12.6f}  {b:>12.6f}  {abs(a - b):>9.2e}")
    acc_ours = ours_model.evaluate(x_te, y_te, verbose=0, return_dict=True)["accuracy"]
    acc_native = native_model.evaluate(x_te, y_te, verbose=0, return_dict=True)["accuracy"]
    print(f"\ntest accuracy: lossbridge {acc_ours:.4f}, keras native {acc_native:.4f}")
    diff = max(abs(a - b) for a, b in zip(ours, native))
    ok = bool(np.isfinite(ours).all()) and diff <= TOL
    print(f"max |difference| of the loss curves: {diff:.3g} (tolerance {TOL:g}): "
          f"{'agree' if ok else 'DIFFER'}")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "digits.keras")
        ours_model.save(path)
        loaded = keras.models.load_model(path)  # no custom_objects needed
    before = ours_model.evaluate(x_te, y_te, verbose=0, return_dict=True)["loss"]
    after = loaded.evaluate(x_te, y_te, verbose=0, return_dict=True)["loss"]
    same = type(loaded.loss) is SparseCategoricalCrossentropy and abs(before - after) <= 1e-6
    print(f"saved and loaded: loss {type(loaded.loss).__module__}.{type(loaded.loss).__name__}, "
          f"test loss {before:.6f} -> {after:.6f}: {'same' if same else 'CHANGED'}")
    return 0 if ok and same else 1


if __name__ == "__main__":
    sys.exit(main())
