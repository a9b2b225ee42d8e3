"""The catalogue: every loss with its option sets, input maker and natives.

The parity tests, the demo (``examples/parity_report.py``) and the docs walk
:data:`REGISTRY`. A loss enters it by its declaration
(``@loss(...)`` in ``losses/<family>.py``, see :mod:`losses._declare`).

An option set is a dict of keyword arguments. A value ``ARRAY`` asks the
entry's input maker to supply an array for that option (class weights,
``pos_weight``, ``sample_weight``, ...) that fits the generated shapes.
"""

from __future__ import annotations

from . import crossentropy, focal, regression  # noqa: F401  (declare their losses)
from . import divergence as dv
from ._declare import ARRAY, DECLARED, Entry
from ._makers import (
    make_distributions,
    make_joint,
    make_single,
)

__all__ = ["ARRAY", "REGISTRY", "Entry", "entries", "option_label"]

_LEGACY: tuple[Entry, ...] = (
    Entry(
        "kl_divergence", dv.kl_divergence, "divergence", make_distributions,
        (
            {},
            {"log_input": True, "zeros": True},
            {"log_input": True, "log_target": True, "zeros": True},
            {"from_logits": True, "axis": 1},
            {"from_logits": True, "log_target": True},
            {"log_target": True, "sample_weight": ARRAY, "reduction": "sum_over_batch_size"},
            {"log_input": True, "axis": None, "reduction": "sum", "sample_weight": 0.25},
            {"axis": None, "reduction": "none", "zeros": True},
        ),
        "sum_c p_c (log p_c - log q_c)",
        {"keras": "keras.losses.kl_divergence", "torch": "F.kl_div",
         "optax": "optax.kl_divergence(_with_log_targets)"},
    ),
    Entry(
        "entropy", dv.entropy_pair, "divergence", make_single,
        (
            {},
            {"from_logits": True},
            {"zeros": True, "axis": 1, "sample_weight": ARRAY},
            {"from_logits": True, "axis": 1, "reduction": "sum"},
        ),
        "-sum_c p_c log p_c",
        {"scipy": "scipy.stats.entropy"},
    ),
    Entry(
        "js_divergence", dv.js_divergence, "divergence", make_distributions,
        (
            {},
            {"from_logits": True},
            {"zeros": True, "unnormalised": True, "sample_weight": ARRAY, "reduction": "sum"},
            {"from_logits": True, "axis": 1, "zeros": True},
        ),
        "1/2 KL(P||M) + 1/2 KL(Q||M), M = (P+Q)/2",
        {"scipy": "scipy.spatial.distance.jensenshannon ** 2"},
    ),
    Entry(
        "mutual_information", dv.mutual_information_pair, "divergence", make_joint,
        (
            {},
            {"zeros": True},
            {"batch": True, "x_axis": 2, "y_axis": 0, "sample_weight": ARRAY, "reduction": "sum"},
        ),
        "sum_xy P(x,y) log P(x,y) / (P(x) P(y))",
        {"sklearn": "sklearn.metrics.mutual_info_score(contingency=...)"},
    ),
    Entry(
        "conditional_entropy", dv.conditional_entropy_pair, "divergence", make_joint,
        (
            {},
            {"batch": True, "x_axis": -1, "y_axis": -2, "reduction": "none"},
            {"batch": True, "x_axis": 0, "y_axis": 2, "zeros": True, "sample_weight": ARRAY},
        ),
        "-sum_xy P(x,y) log P(x,y) / P(y)",
        {},
    ),
)



REGISTRY: tuple[Entry, ...] = _LEGACY + tuple(DECLARED)


def entries() -> tuple[Entry, ...]:
    return REGISTRY


def option_label(opts: dict) -> str:
    """A short, stable label for an option set (test ids, the demo's table)."""
    return ",".join(f"{k}={'arr' if v is ARRAY else v}" for k, v in opts.items()) or "defaults"
