"""lossbridge: each loss written once, run on NumPy, PyTorch, TensorFlow and JAX.

>>> import numpy as np, losses
>>> round(float(losses.sparse_categorical_crossentropy(
...     np.array([2]), np.array([[1.0, 2.0, 3.0]]), from_logits=True)), 6)
0.407606

Importing this package imports no framework: a backend is imported the first
time an array of that framework arrives.
"""

from . import divergence, regression
from ._core import reduce, sum_and_count, value_and_grad
from ._registry import REGISTRY, Entry, entries
from .crossentropy import (
    binary_crossentropy,
    categorical_crossentropy,
    nll_loss,
    smooth_labels,
    sparse_categorical_crossentropy,
)
from .divergence import *  # noqa: F403  (every declared loss: the family's __all__)
from .focal import (
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
    poly1_crossentropy,
    sigmoid_focal_loss,
    sparse_categorical_focal_crossentropy,
)
from .regression import *  # noqa: F403
from .regression import gaussian_nll_grads

__all__ = [
    "REGISTRY",
    "Entry",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "entries",
    "gaussian_nll_grads",
    "nll_loss",
    "poly1_crossentropy",
    "reduce",
    "sigmoid_focal_loss",
    "smooth_labels",
    "sparse_categorical_crossentropy",
    "sparse_categorical_focal_crossentropy",
    "sum_and_count",
    "value_and_grad",
]
__all__ += divergence.__all__ + regression.__all__  # every declared loss of those families
__version__ = "0.1.0"
