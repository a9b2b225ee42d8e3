"""lossbridge: each loss written once, run on NumPy, PyTorch, TensorFlow and JAX.

>>> import numpy as np, losses
>>> round(float(losses.sparse_categorical_crossentropy(
...     np.array([2]), np.array([[1.0, 2.0, 3.0]]), from_logits=True)), 6)
0.407606

Importing this package imports no framework: a backend is imported the first
time an array of that framework arrives.
"""

from ._core import reduce, sum_and_count, value_and_grad
from ._registry import REGISTRY, Entry, entries
from .crossentropy import (
    binary_crossentropy,
    categorical_crossentropy,
    nll_loss,
    smooth_labels,
    sparse_categorical_crossentropy,
)
from .divergence import (
    conditional_entropy,
    entropy,
    js_divergence,
    kl_divergence,
    mutual_information,
)
from .focal import (
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
    poly1_crossentropy,
    sigmoid_focal_loss,
    sparse_categorical_focal_crossentropy,
)
from .linear import linear_cross_entropy
from .regression import (
    gaussian_nll,
    gaussian_nll_grads,
    half_squared_error,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_squared_error,
    poisson,
    poisson_nll,
    smooth_l1,
)

__all__ = [
    "REGISTRY",
    "Entry",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "conditional_entropy",
    "entries",
    "entropy",
    "gaussian_nll",
    "gaussian_nll_grads",
    "half_squared_error",
    "huber",
    "js_divergence",
    "kl_divergence",
    "linear_cross_entropy",
    "log_cosh",
    "mean_absolute_error",
    "mean_squared_error",
    "mutual_information",
    "nll_loss",
    "poisson",
    "poisson_nll",
    "poly1_crossentropy",
    "reduce",
    "sigmoid_focal_loss",
    "smooth_l1",
    "smooth_labels",
    "sparse_categorical_crossentropy",
    "sparse_categorical_focal_crossentropy",
    "sum_and_count",
    "value_and_grad",
]
__version__ = "0.1.0"
