"""Frameworks and devices the tests run on: CPU always, GPUs when present.

``FRAMEWORKS`` lists a ``Fw`` per (framework, device) that is installed here;
a framework that is not installed is absent, and ``MISSING`` says why (the
tests of a missing framework are skipped with that reason; CI installs all
four, where ``tests/test_ci_complete.py`` fails if any is missing).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@dataclass(frozen=True)
class Fw:
    name: str      # numpy | torch | tensorflow | jax
    device: str    # cpu | cuda:0 | GPU:0 ...
    to: Callable[[np.ndarray, Any], Any]   # (array, dtype name or None) -> framework array
    back: Callable[[Any], np.ndarray]

    @property
    def id(self) -> str:
        return f"{self.name}-{self.device}"


def _np_to(x: np.ndarray, dtype: str | None) -> np.ndarray:
    return x if dtype is None else x.astype(dtype)


FRAMEWORKS: list[Fw] = [Fw("numpy", "cpu", _np_to, np.asarray)]
MISSING: dict[str, str] = {}

try:
    import torch

    def _torch(device: str) -> Fw:
        def to(x: np.ndarray, dtype: str | None) -> Any:
            t = torch.as_tensor(np.ascontiguousarray(x), device=device)
            return t if dtype is None else t.to(getattr(torch, dtype))

        def back(x: Any) -> np.ndarray:
            x = x.detach().cpu()
            return (x.float() if x.dtype == torch.bfloat16 else x).numpy()

        return Fw("torch", device, to, back)

    FRAMEWORKS.append(_torch("cpu"))
    if torch.cuda.is_available():
        FRAMEWORKS.append(_torch("cuda"))
except ImportError as e:  # pragma: no cover - CI installs torch
    MISSING["torch"] = str(e)

try:
    import tensorflow as tf

    def _tf(device: str) -> Fw:
        def to(x: np.ndarray, dtype: str | None) -> Any:
            with tf.device(device):
                t = tf.identity(tf.convert_to_tensor(x))
                return t if dtype is None else tf.cast(t, dtype)

        def back(x: Any) -> np.ndarray:
            x = tf.convert_to_tensor(x)
            return (tf.cast(x, tf.float32) if x.dtype == tf.bfloat16 else x).numpy()

        return Fw("tensorflow", device, to, back)

    FRAMEWORKS.append(_tf("CPU:0"))
    for i, _ in enumerate(tf.config.list_physical_devices("GPU")):
        FRAMEWORKS.append(_tf(f"GPU:{i}"))
except ImportError as e:  # pragma: no cover
    MISSING["tensorflow"] = str(e)

try:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)

    def _jax(device: Any) -> Fw:
        def to(x: np.ndarray, dtype: str | None) -> Any:
            a = jax.device_put(jnp.asarray(x), device)
            return a if dtype is None else a.astype(dtype)

        def back(x: Any) -> np.ndarray:
            x = np.asarray(x)
            return x.astype(np.float32) if x.dtype.name == "bfloat16" else x

        return Fw("jax", f"{device.platform}:{device.id}", to, back)

    FRAMEWORKS.append(_jax(jax.devices("cpu")[0]))
    try:
        FRAMEWORKS.extend(_jax(d) for d in jax.devices("gpu"))
    except RuntimeError:
        pass
except ImportError as e:  # pragma: no cover
    MISSING["jax"] = str(e)


def convert(fw: Fw, value: Any, dtype: str | None) -> Any:
    """Move a NumPy input to ``fw``: float arrays in ``dtype``, others as they are."""
    if not isinstance(value, np.ndarray):
        return value
    return fw.to(value, dtype if value.dtype.kind == "f" else None)
