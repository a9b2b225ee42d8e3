"""Cross-entropy building blocks shared by every spec of the cross-entropy
and focal families (``losses/crossentropy.py``, ``losses/focal.py``).
"""

from __future__ import annotations

from typing import Any

from . import _checks


def _ignore_index(name: str, value: Any) -> Any:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        _checks.fail(f"`{name}` must be an integer or None; got {value!r}")
    return value


_ignore_index.rule = "an integer or None"
#: ``ignore_index``: a label value (an integer) or ``None``
IGNORE_INDEX = _ignore_index
#: the options of a loss that takes logits or clipped probabilities
CLIP_CHECKS = {"from_logits": _checks.flag, "epsilon": _checks.CLIP_EPSILON}
#: the focusing parameter of the focal losses
GAMMA = {"gamma": _checks.in_range(0.0)}
SMOOTHING = _checks.one_of("standard", "seed")
