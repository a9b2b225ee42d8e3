"""The catalogue: every loss with its option sets, input maker and natives.

The parity tests, the demo (``examples/parity_report.py``) and the docs walk
:data:`REGISTRY`. A loss enters it by its declaration (``@loss(...)`` in
``losses/<family>.py``, see :mod:`losses._declare`): there is no list to edit.

An option set is a dict of keyword arguments. A value ``ARRAY`` asks the
entry's input maker to supply an array for that option (class weights,
``pos_weight``, ``sample_weight``, ...) that fits the generated shapes.
"""

from __future__ import annotations

from . import crossentropy, divergence, focal, regression  # noqa: F401  (declare their losses)
from ._declare import ARRAY, DECLARED, Entry
from .adaptive import adaptive_softmax_loss
from .linear import linear_cross_entropy

__all__ = ["ARRAY", "LOSS_NAMES", "OTHER", "REGISTRY", "Entry", "entries", "option_label"]

REGISTRY: tuple[Entry, ...] = tuple(DECLARED)

#: losses outside the two-array protocol ``fn(y_true, y_pred)`` of the parity
#: suite, with tests of their own (``tests/test_linear_ce.py``); the docs list them
OTHER: tuple[Entry, ...] = (
    Entry("linear_cross_entropy", linear_cross_entropy, "crossentropy", None, (),
          "sparse CE of hidden @ weight.T + bias, in row chunks (no [N, C] logits)",
          {"torch": "F.linear_cross_entropy"}),
    Entry("adaptive_softmax_loss", adaptive_softmax_loss, "structured", None, (),
          "-log p(y): head log-softmax (+ the tail cluster's log-softmax) from hidden and the projections",
          {"torch": "torch.nn.AdaptiveLogSoftmaxWithLoss"}),
)

#: every loss an adapter may name as its spec
LOSS_NAMES: frozenset[str] = frozenset(e.name for e in REGISTRY + OTHER)


def entries() -> tuple[Entry, ...]:
    return REGISTRY


def option_label(opts: dict) -> str:
    """A short, stable label for an option set (test ids, the demo's table)."""
    return ",".join(f"{k}={'arr' if v is ARRAY else v}" for k, v in opts.items()) or "defaults"
