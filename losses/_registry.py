"""The catalogue: every loss with its option sets, input maker and natives.

The parity tests, the demo (``examples/parity_report.py``) and the docs walk
:data:`REGISTRY`. A loss enters it by its declaration
(``@loss(...)`` in ``losses/<family>.py``, see :mod:`losses._declare`).

An option set is a dict of keyword arguments. A value ``ARRAY`` asks the
entry's input maker to supply an array for that option (class weights,
``pos_weight``, ``sample_weight``, ...) that fits the generated shapes.
"""

from __future__ import annotations

from . import crossentropy as ce
from . import (
    divergence,  # noqa: F401  (declares its losses)
    regression,  # noqa: F401  (declares its losses)
)
from . import focal as fc
from ._declare import ARRAY, DECLARED, Entry
from ._makers import (
    make_binary,
    make_dense,
    make_focal_dense,
    make_focal_sparse,
    make_log_probs,
    make_sparse,
)

__all__ = ["ARRAY", "REGISTRY", "Entry", "entries", "option_label"]

_RED = ({"reduction": "none"}, {"reduction": "sum"}, {"reduction": "sum_over_batch_size"})

_LEGACY: tuple[Entry, ...] = (
    Entry(
        "categorical_crossentropy", ce.categorical_crossentropy, "crossentropy", make_dense,
        (
            {"from_logits": True},
            {"from_logits": False},
            {"from_logits": True, "label_smoothing": 0.1, "soft": True},
            {"from_logits": False, "label_smoothing": 0.2},
            {"from_logits": True, "label_smoothing": 0.1, "smoothing": "seed"},
            {"from_logits": True, "axis": 1},
            {"from_logits": False, "axis": 1, "soft": True},
            {"from_logits": True, "sample_weight": ARRAY},
            {"from_logits": True, "class_weight": ARRAY, "label_smoothing": 0.1, "soft": True},
            {"from_logits": False, "class_weight": ARRAY, "axis": 1},
            {"from_logits": True, "where": ARRAY, "soft": True},
            {"from_logits": False, "where": ARRAY, "soft": True, "sample_weight": ARRAY},
            {"from_logits": True, "where": ARRAY, "axis": 1, "label_smoothing": 0.2,
             "class_weight": ARRAY},
            *({"from_logits": True, **r} for r in _RED),
        ),
        "-sum_c w_c y'_c log softmax(z)_c",
        {"keras": "keras.losses.categorical_crossentropy",
         "torch": "F.cross_entropy (probability targets)", "optax": "optax.softmax_cross_entropy"},
    ),
    Entry(
        "sparse_categorical_crossentropy", ce.sparse_categorical_crossentropy, "crossentropy",
        make_sparse,
        (
            {"from_logits": True},
            {"from_logits": False},
            {"from_logits": True, "label_smoothing": 0.1},
            {"from_logits": True, "class_weight": ARRAY},
            {"from_logits": True, "ignore_index": -100},
            {"from_logits": True, "ignore_index": 1, "class_weight": ARRAY, "label_smoothing": 0.2},
            {"from_logits": False, "class_weight": ARRAY, "label_smoothing": 0.1},
            {"from_logits": True, "axis": 1, "ignore_index": -100},
            {"from_logits": True, "label_smoothing": 0.3, "smoothing": "seed"},
            {"from_logits": True, "sample_weight": ARRAY, "class_weight": ARRAY},
            {"from_logits": False, "where": ARRAY, "label_smoothing": 0.1},
            {"from_logits": True, "where": ARRAY, "axis": 1, "ignore_index": -100,
             "label_smoothing": 0.2, "class_weight": ARRAY},
            {"from_logits": True, "where": ARRAY, "label_smoothing": 0.3, "smoothing": "seed"},
        ),
        "(1-e) w_y (-log p_y) + e/C sum_c w_c (-log p_c)",
        {"keras": "keras.losses.sparse_categorical_crossentropy", "torch": "F.cross_entropy",
         "optax": "optax.softmax_cross_entropy_with_integer_labels"},
    ),
    Entry(
        "nll_loss", ce.nll_loss, "crossentropy", make_log_probs,
        (
            {},
            {"class_weight": ARRAY},
            {"ignore_index": -100},
            {"ignore_index": 1, "class_weight": ARRAY, "label_smoothing": 0.2},
            {"axis": 1, "ignore_index": -100, "class_weight": ARRAY},
            {"sample_weight": ARRAY, "class_weight": ARRAY},
            {"label_smoothing": 0.3, "smoothing": "seed"},
            *({"ignore_index": -100, **r} for r in _RED),
        ),
        "(1-e) w_y (-x_y) + e/C sum_c w_c (-x_c), x = log-probabilities",
        {"torch": "F.nll_loss"},
    ),
    Entry(
        "binary_crossentropy", ce.binary_crossentropy, "crossentropy", make_binary,
        (
            {"from_logits": True},
            {"from_logits": False},
            {"from_logits": True, "soft": True, "label_smoothing": 0.1},
            {"from_logits": False, "label_smoothing": 0.2},
            {"from_logits": True, "pos_weight": ARRAY},
            {"from_logits": False, "log_min": -100.0},
            {"from_logits": False, "pos_weight": ARRAY, "soft": True},
            {"from_logits": True, "sample_weight": ARRAY},
            *({"from_logits": True, **r} for r in _RED),
        ),
        "-[w+ y log s(z) + (1-y) log(1-s(z))]",
        {"keras": "keras.losses.binary_crossentropy",
         "torch": "F.binary_cross_entropy(_with_logits)",
         "optax": "optax.sigmoid_binary_cross_entropy"},
    ),

)


# --- focal, poly and information-theory entries ------------------------------------------


_LEGACY += (
    Entry(
        "binary_focal_crossentropy", fc.binary_focal_crossentropy, "focal", make_binary,
        (
            {"from_logits": True},
            {"from_logits": False},
            {"from_logits": True, "gamma": 0.5, "apply_class_balancing": True, "alpha": 0.3,
             "reduction": "none"},
            {"from_logits": False, "gamma": 0.5, "apply_class_balancing": True, "soft": True},
            {"from_logits": True, "gamma": 0.0, "label_smoothing": 0.1, "soft": True},
            {"from_logits": False, "gamma": 3.0, "label_smoothing": 0.2, "smoothing": "seed",
             "sample_weight": ARRAY, "reduction": "sum_over_batch_size"},
        ),
        "w (1-p_t)^g BCE(y', p)",
        {"keras": "keras.losses.binary_focal_crossentropy (last-axis mean)"},
    ),
    Entry(
        "sigmoid_focal_loss", fc.sigmoid_focal_loss, "focal", make_binary,
        (
            {},
            {"alpha": None, "gamma": 0.5},
            {"alpha": -1.0, "gamma": 1.0, "soft": True, "reduction": "sum", "sample_weight": ARRAY},
        ),
        "a_t (1-p_t)^g BCE_logits(y, z)",
        {"torchvision": "torchvision.ops.sigmoid_focal_loss", "optax": "optax.sigmoid_focal_loss"},
    ),
    Entry(
        "categorical_focal_crossentropy", fc.categorical_focal_crossentropy, "focal",
        make_focal_dense,
        (
            {"from_logits": True},
            {"from_logits": False},
            {"from_logits": True, "alpha": ARRAY, "gamma": 0.5, "soft": True},
            {"from_logits": False, "alpha": ARRAY, "gamma": 0.5, "label_smoothing": 0.1, "axis": 1},
            {"from_logits": True, "gamma": 0.0, "alpha": 1.0, "label_smoothing": 0.2,
             "smoothing": "seed"},
            {"from_logits": True, "axis": 1, "gamma": 3.0, "sample_weight": ARRAY, "reduction": "sum"},
        ),
        "-sum_c a_c (1-p_c)^g y'_c log p_c",
        {"keras": "keras.losses.categorical_focal_crossentropy"},
    ),
    Entry(
        "sparse_categorical_focal_crossentropy", fc.sparse_categorical_focal_crossentropy, "focal",
        make_focal_sparse,
        (
            {"from_logits": True},
            {"from_logits": False, "gamma": 0.5, "label_smoothing": 0.3, "smoothing": "seed",
             "alpha": ARRAY},
            {"from_logits": True, "alpha": ARRAY, "class_weight": ARRAY, "label_smoothing": 0.1},
            {"from_logits": True, "ignore_index": -100, "gamma": 0.5, "reduction": "none"},
            {"from_logits": True, "axis": 1, "ignore_index": 1, "class_weight": ARRAY,
             "sample_weight": ARRAY},
        ),
        "sum_c a_c w_c [(1-e)[c=y] + e/C] (1-p_c)^g (-log p_c)",
        {},
    ),
    Entry(
        "poly1_crossentropy", fc.poly1_crossentropy, "focal", make_dense,
        (
            {"from_logits": True},
            {"from_logits": False},
            {"from_logits": True, "poly_epsilon": -1.0, "soft": True, "label_smoothing": 0.1,
             "axis": 1},
            {"from_logits": False, "poly_epsilon": 1.0, "soft": True, "smoothing": "seed",
             "label_smoothing": 0.2, "sample_weight": ARRAY, "reduction": "sum"},
        ),
        "-sum_c y'_c log p_c + e1 sum_c y'_c (1 - p_c)",
        {"optax": "optax.poly_loss_cross_entropy"},
    ),
)



REGISTRY: tuple[Entry, ...] = _LEGACY + tuple(DECLARED)


def entries() -> tuple[Entry, ...]:
    return REGISTRY


def option_label(opts: dict) -> str:
    """A short, stable label for an option set (test ids, the demo's table)."""
    return ",".join(f"{k}={'arr' if v is ARRAY else v}" for k, v in opts.items()) or "defaults"
