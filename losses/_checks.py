"""Cheap checks shared by every spec: option values, shapes, dtypes.

Every message names the argument and what was expected. Checks that read
data (labels in range, ...) live with the spec that needs them and run only
where the framework can raise (``xp.is_concrete``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

REDUCTIONS = ("none", "sum", "mean", "sum_over_batch_size")


def fail(msg: str) -> None:
    raise ValueError(f"lossbridge: {msg}")


def data(xp: Any, bad: Any, x: Any, name: str, counted: str, rule: str) -> Any:
    """A check that reads ``x``'s data; ``bad`` marks its elements that break
    ``rule``. Eager: ``ValueError`` naming the first bad value, its index and
    how many (``counted``) there are. Traced, where nothing can raise: the
    mask, for the caller to NaN-poison those elements. ``None`` when all pass."""
    if not xp.is_concrete(bad):
        return bad
    if xp.any_true(bad):
        b = np.asarray(xp.to_numpy(bad))
        where = tuple(int(i) for i in np.argwhere(b)[0])
        first = np.asarray(xp.to_numpy(x))[where].item()
        fail(f"`{name}` holds {first!r} at index {where} ({int(b.sum())} {counted}); {rule}")
    return None


def reduction(value: Any, allowed: tuple[str, ...] = REDUCTIONS) -> str:
    if value not in allowed:
        fail(f"`reduction` must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def number(name: str, value: Any, lo: float | None = None, hi: float | None = None,
           *, lo_open: bool = False, hi_open: bool = False) -> float:
    """A Python/NumPy real number within [lo, hi] (ends open when asked)."""
    if isinstance(value, (str, bytes)):
        fail(f"`{name}` must be a real number; got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        fail(f"`{name}` must be a real number; got {value!r}")
    if v != v:  # NaN; not math.isnan, which torch.compile cannot trace on a symbolic float
        fail(f"`{name}` must be a real number; got nan")
    if v in (float("inf"), float("-inf")):
        fail(f"`{name}` must be a finite number; got {v}")
    ok = True
    if lo is not None:
        ok &= v > lo if lo_open else v >= lo
    if hi is not None:
        ok &= v < hi if hi_open else v <= hi
    if not ok:
        lb = "(" if lo_open or lo is None else "["
        rb = ")" if hi_open or hi is None else "]"
        lo_s = "-inf" if lo is None else f"{lo:g}"
        hi_s = "inf" if hi is None else f"{hi:g}"
        fail(f"`{name}` must be in {lb}{lo_s}, {hi_s}{rb}; got {value!r}")
    return v


def flag(name: str, value: Any) -> bool:
    """``True``/``False``, ``0``/``1``, or a NumPy bool (``np.True_``, as Keras and optax take)."""
    if type(value).__name__ == "bool" and type(value).__module__ == "numpy":  # np.bool_
        return bool(value)
    if not isinstance(value, (bool, int)) or isinstance(value, int) and value not in (0, 1):
        fail(f"`{name}` must be True or False; got {value!r}")
    return bool(value)


def choice(name: str, value: Any, allowed: tuple) -> Any:
    if value not in allowed:
        fail(f"`{name}` must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def axis(value: Any, ndim: int, name: str = "axis", of: str = "y_pred") -> int:
    """Normalise a class axis against an array of rank ``ndim``."""
    if isinstance(value, bool) or not isinstance(value, int) and not hasattr(value, "__index__"):
        fail(f"`{name}` must be an integer; got {value!r}")
    value = int(value)
    if ndim < 1:
        fail(f"`{of}` must have at least 1 dimension (a class axis); got a scalar")
    if not -ndim <= value < ndim:
        fail(f"`{name}`={value} is out of range for `{of}` with {ndim} dimension(s); "
             f"expected an integer in [{-ndim}, {ndim - 1}]")
    return value % ndim


def float_pred(xp: Any, y_pred: Any, name: str = "y_pred") -> None:
    if xp.kind(y_pred) != "f":
        fail(f"`{name}` must be a floating-point array (logits or probabilities); got dtype "
             f"{xp.dtype_name(y_pred)}; cast it, e.g. to float32")


def _fmt(shape: tuple) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def same_shape(a_name: str, a_shape: tuple, b_name: str, b_shape: tuple) -> None:
    if len(a_shape) != len(b_shape) or any(
        x is not None and y is not None and x != y for x, y in zip(a_shape, b_shape)
    ):
        fail(f"`{a_name}` and `{b_name}` must have the same shape; got {a_name}.shape="
             f"{_fmt(a_shape)} and {b_name}.shape={_fmt(b_shape)}")


def broadcastable(name: str, shape: tuple, target_name: str, target: tuple,
                  given: tuple | None = None) -> None:
    """``shape`` must broadcast to ``target`` (NumPy rules, trailing alignment).
    ``given``: the shape the caller passed, when ``shape`` is it realigned."""
    if len(shape) > len(target) or any(
        s is not None and t is not None and s != 1 and s != t  # not `in (1, t)`: wrong on symbolic sizes
        for s, t in zip(reversed(shape), reversed(target))
    ):
        how = "" if given is None or given == shape else f" (aligned to its leading dimensions as {_fmt(shape)})"
        fail(f"`{name}` of shape {_fmt(shape if given is None else given)}{how} does not broadcast "
             f"to {target_name} of shape {_fmt(target)}")


def vector(name: str, shape: tuple, length: int | None, what: str) -> None:
    if len(shape) != 1 or (length is not None and shape[0] is not None and shape[0] != length):
        fail(f"`{name}` must be a 1-D array of length {length} ({what}); got shape {_fmt(shape)}")


fmt_shape = _fmt


# --- option checks for declarations (``@loss(checks={...})``) --------------------------
# Each is ``check(name, value) -> normalised value`` with a ``rule`` for the docs.


def _rule(check: Any, rule: str) -> Any:
    check.rule = rule
    return check


def in_range(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
             hi_open: bool = False, optional: bool = False) -> Any:
    """A real number in the interval (``None`` too, when ``optional``).

    Declared among a loss's ``traced`` options, the value may also be an
    array or a traced value (optax's options under ``jit``): a concrete array
    is checked element by element here; a traced one cannot raise, so the
    loss is NaN where it is out of range (:func:`out_of_range`, applied by
    ``_core.run``)."""

    def check(name: str, value: Any) -> Any:
        if optional and value is None:
            return None
        if is_array(value):
            return _array_in_range(check, name, value)
        return number(name, value, lo, hi, lo_open=lo_open, hi_open=hi_open)

    lb = "(" if lo_open or lo is None else "["
    rb = ")" if hi_open or hi is None else "]"
    span = f"{lb}{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}{rb}"
    check.bounds, check.span = (lo, hi, lo_open, hi_open), span
    return _rule(check, f"a number in {span}" + (" or None" if optional else ""))


_ARRAY_MODULES = ("numpy", "torch", "jax", "jaxlib", "tensorflow")


def is_array(value: Any) -> bool:
    """An array of any framework (NumPy included), not a number: not a Python,
    NumPy or symbolic (``torch.SymFloat`` under ``torch.compile``) scalar. Reads
    the type only, which Dynamo traces."""
    if isinstance(value, (int, float)) or value is None:
        return False
    t = type(value)
    return (t.__module__.split(".")[0] in _ARRAY_MODULES
            and t.__name__ not in ("SymFloat", "SymInt", "SymBool") and not issubclass(t, np.generic))


def out_of_range(xp: Any, check: Any, v: Any) -> Any:
    """The elements of ``v`` outside ``check``'s interval (NaN included)."""
    lo, hi, lo_open, hi_open = check.bounds
    ok = v == v
    if lo is not None:
        ok = ok & ((v > lo) if lo_open else (v >= lo))
    if hi is not None:
        ok = ok & ((v < hi) if hi_open else (v <= hi))
    return ~ok


def _array_in_range(check: Any, name: str, value: Any) -> Any:
    """A concrete array option is checked now; a traced one is returned as it is."""
    from backends import table_for

    xp = table_for(value, names=(name,))
    if xp.kind(xp.asarray(value)) not in "fib":
        fail(f"`{name}` must be real; got dtype {xp.dtype_name(value)}")
    if xp.staged(value):  # a staged eager call: a guard (op by op, the call raises below)
        xp.any_true(out_of_range(xp, check, xp.asarray(value)))
    elif xp.is_concrete(value):
        v = np.asarray(xp.to_numpy(value), dtype=np.float64)
        bad = np.asarray(out_of_range(np, check, v))
        if bad.any():
            first = v[tuple(np.argwhere(bad)[0])] if v.ndim else v
            fail(f"`{name}` must hold numbers in {check.span}; got {float(first)!r} "
                 f"({int(bad.sum())} of {v.size} out of range)")
    return value


def one_of(*allowed: Any) -> Any:
    """One of ``allowed``."""
    return _rule(lambda name, value: choice(name, value, allowed),
                 "one of " + ", ".join(map(repr, allowed)))


_rule(flag, "True or False")
#: a finite number > 0
POSITIVE = in_range(0.0, float("inf"), lo_open=True, hi_open=True)
#: Keras' probability clip ``[epsilon, 1 - epsilon]``: ``epsilon`` in ``[0, 0.5)``
CLIP_EPSILON = in_range(0.0, 0.5, hi_open=True)
