"""lossbridge: each loss written once, run on NumPy, PyTorch, TensorFlow and JAX.

>>> import numpy as np, losses
>>> round(float(losses.sparse_categorical_crossentropy(
...     np.array([2]), np.array([[1.0, 2.0, 3.0]]), from_logits=True)), 6)
0.407606

Importing this package imports no framework: a backend is imported the first
time an array of that framework arrives. Every loss declared in a family
module (``@loss`` in ``losses/<family>.py``) is exported here through that
module's ``__all__``.
"""

from . import (
               contrastive,
               crossentropy,
               divergence,
               focal,
               margin,
               overlap,
               regression,
               robust,
               sequence,
               similarity,
               structured,
)
from ._core import reduce, sum_and_count, value_and_grad
from ._registry import REGISTRY, Entry, entries
from .adaptive import adaptive_log_prob, adaptive_softmax_loss
from .contrastive import *  # noqa: F403
from .crossentropy import *  # noqa: F403  (each family: its declared losses and helpers)
from .divergence import *  # noqa: F403
from .focal import *  # noqa: F403
from .linear import linear_cross_entropy
from .margin import *  # noqa: F403
from .overlap import *  # noqa: F403
from .regression import *  # noqa: F403
from .regression import gaussian_nll_grads
from .robust import *  # noqa: F403
from .sequence import *  # noqa: F403
from .similarity import *  # noqa: F403
from .structured import *  # noqa: F403

__all__ = ["REGISTRY", "Entry", "entries", "gaussian_nll_grads", "linear_cross_entropy", "reduce", "sum_and_count",
           "value_and_grad"]
__all__ += crossentropy.__all__ + divergence.__all__ + focal.__all__ + regression.__all__
__all__ += margin.__all__
__all__ += similarity.__all__
__all__ += contrastive.__all__
__all__ += overlap.__all__
__all__ += robust.__all__
__all__ += structured.__all__ + ["adaptive_log_prob", "adaptive_softmax_loss"]
__all__ += sequence.__all__
__version__ = "0.1.0"
