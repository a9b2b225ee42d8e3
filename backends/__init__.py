"""Dispatch: from the arrays' types to a backend's primitive table.

The framework of an array is read from ``type(x).__module__`` (the way
array-api-compat and einops do it) and cached per type, so importing this
package imports no framework; a backend's table module -- and with it the
framework -- is imported the first time an array of that framework arrives.

Rules:

* Python scalars, lists, tuples and ``None`` are neutral: they take the
  framework of the arrays beside them (NumPy when there are none).
* NumPy arrays are host data: beside arrays of one framework they are
  converted to it (as ``jnp``/``tf`` ops and ``keras.ops`` do); alone they run
  on the NumPy backend.
* Arrays of two different frameworks in one call raise ``TypeError`` naming
  both (torch + jax, say): we never move data between frameworks silently.

The adapters (``backends.torch``, ``backends.keras``, ``backends.jax``) are
the public faces; the tables (``backends._numpy`` ...) are private.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

__all__ = ["framework_of", "table_for", "table", "FRAMEWORKS"]

#: Frameworks we dispatch to, keyed by the root of the array type's module.
_ROOTS = {
    "numpy": "numpy",
    "torch": "torch",
    "tensorflow": "tensorflow",
    "jax": "jax",
    "jaxlib": "jax",
}
FRAMEWORKS: tuple[str, ...] = ("numpy", "torch", "tensorflow", "jax")

_NEUTRAL = (int, float, bool, complex, list, tuple, type(None))
_type_cache: dict[type, str | None] = {t: None for t in _NEUTRAL}
_tables: dict[str, ModuleType] = {}


def _describe(t: type) -> str:
    return f"{t.__module__}.{t.__qualname__}"


def _lookup(t: type) -> str | None:
    for klass in t.__mro__:
        root = (klass.__module__ or "").partition(".")[0]
        if root in _ROOTS:
            return _ROOTS[root]
    raise TypeError(
        f"lossbridge: unsupported array type {_describe(t)}; expected a NumPy "
        "array, a torch.Tensor, a tf.Tensor, a jax.Array, or a Python scalar/list"
    )


def framework_of(x: Any) -> str | None:
    """Name of the framework ``x`` belongs to, or ``None`` for neutral values."""
    t = type(x)
    try:
        return _type_cache[t]
    except KeyError:
        name = _type_cache[t] = _lookup(t)
        return name


def table(name: str) -> ModuleType:
    """The primitive table of framework ``name`` (imports it on first use).

    The imports are plain ``from . import`` statements, not
    ``importlib.import_module``: when the first call of a process comes inside
    ``torch.compile``, its tracer runs an import statement but cannot follow
    ``importlib`` (a graph break, an error with ``fullgraph=True``)."""
    try:
        return _tables[name]
    except KeyError:
        pass
    if name == "numpy":
        from . import _numpy as mod
    elif name == "torch":
        from . import _torch as mod
    elif name == "tensorflow":
        from . import _tensorflow as mod
    elif name == "jax":
        from . import _jax as mod
    else:
        raise ValueError(f"lossbridge: no primitive table for {name!r}; expected one of {FRAMEWORKS}")
    _tables[name] = mod
    return mod


def table_for(*arrays: Any, names: tuple[str, ...] | None = None) -> ModuleType:
    """The table for the framework of ``arrays``.

    ``names`` (optional) label the arrays in the ``TypeError`` raised when two
    frameworks meet.
    """
    found: str | None = None
    where = -1
    for i, a in enumerate(arrays):
        t = type(a)
        try:
            fw = _type_cache[t]
        except KeyError:
            fw = _type_cache[t] = _lookup(t)
        if fw is None or fw == "numpy" or fw == found:
            continue
        if found is not None:
            a_name = names[where] if names else f"argument {where}"
            b_name = names[i] if names else f"argument {i}"
            raise TypeError(
                f"lossbridge: arrays of two frameworks in one call: `{a_name}` is a "
                f"{found} array ({_describe(type(arrays[where]))}) and `{b_name}` is a "
                f"{fw} array ({_describe(t)}); convert them to one framework first"
            )
        found, where = fw, i
    return table(found or "numpy")
