"""Generate ``docs/losses.md``: the catalogue across NumPy and the three adapters.

    python docs/gen_losses.py          # rewrite docs/losses.md
    python docs/gen_losses.py --check  # exit 1 if docs/losses.md is stale
    python docs/gen_losses.py --natives  # also re-read the natives' names (imports them)

Sources: the registry (``losses/_registry.py``: name, formula, natives) and the
``CATALOG`` dicts of ``backends/torch.py``, ``backends/keras.py`` and
``backends/jax.py``, read from the source with :mod:`ast` (no framework is
imported), plus :data:`UNSUPPORTED` below. The output is deterministic: sorted,
no timestamps.
"""

from __future__ import annotations

import ast
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "docs", "losses.md")
ADAPTERS = (("torch", "backends/torch.py"), ("Keras", "backends/keras.py"), ("JAX", "backends/jax.py"))

#: every loss the three natives export (``docs/natives.json``, rewritten by
#: ``python docs/gen_losses.py --natives``, which imports the frameworks; the
#: docs test holds it against the installed packages)
NATIVES = os.path.join(ROOT, "docs", "natives.json")

#: native options an adapter leaves unsupported, with the reason
#: (from docs/torch.md, docs/keras.md, docs/jax.md)
UNSUPPORTED: dict[str, tuple[tuple[str, str], ...]] = {
    "torch": (
        ("`torch.jit.script`", "the modules dispatch in Python to the shared spec, and TorchScript "
         "is deprecated in torch 2.13: use `torch.compile` or `torch.export`"),
    ),
    "Keras": (),
    "JAX": (
        ("`smooth_labels(alpha=...)` traced, an array, or outside `[0, 1]`", "the smoothing amount "
         "is validated as a concrete number in `[0, 1]` (`TypeError` for a traced one); optax "
         "computes whatever the formula gives"),
        ("`sigmoid_focal_loss(alpha=..., gamma=...)` traced or arrays; `alpha` outside `[0, 1]`, "
         "`gamma < 0`", "the spec takes concrete scalar options and checks their range; optax "
         "applies any value as a weight or exponent"),
        ("`poly_loss_cross_entropy(epsilon=...)` traced or an array", "the spec takes a concrete "
         "scalar (`TypeError` for a traced one)"),
        ("`huber_loss(delta=...)` traced, an array, or `<= 0`", "the spec takes a concrete number "
         "`> 0` (optax returns 0 everywhere for `delta = 0`)"),
        ("`softmax_cross_entropy(where=...)` of another rank with `axis=None`", "optax fails with "
         "an internal `TypeError`; ours says `where` must have `logits`' rank"),
        ("`softmax_cross_entropy_with_integer_labels(axis=None)`", "as optax: `ValueError`"),
    ),
}


def installed_natives() -> dict[str, list[str]]:
    """Every loss name the installed Keras, torch and optax export (imports them)."""
    import keras
    import optax.losses
    import torch.nn

    not_losses = {"Loss", "deserialize", "get", "serialize"}
    return {
        "keras": sorted(f"keras.losses.{n}" for n in dir(keras.losses)
                        if not n.startswith("_") and n not in not_losses),
        "torch": sorted(f"torch.nn.{n}" for n in dir(torch.nn)
                        if n.endswith("Loss") and not n.startswith("_") and isinstance(getattr(torch.nn, n), type)),
        "optax": sorted(f"optax.losses.{n}" for n in dir(optax.losses) if not n.startswith("_")),
    }


def read_natives() -> dict[str, list[str]]:
    with open(NATIVES, encoding="utf-8") as f:
        return json.load(f)


def read_catalog(path: str) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """The literal ``CATALOG`` dict of an adapter module, without importing it."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
        if isinstance(target, ast.Name) and target.id == "CATALOG" and node.value is not None:
            return ast.literal_eval(node.value)
    raise SystemExit(f"{path}: no literal CATALOG dict")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{_cell(text)}`"


def render() -> str:
    sys.path.insert(0, ROOT)
    import losses  # NumPy only: imports no framework

    catalogs = {fw: read_catalog(path) for fw, path in ADAPTERS}
    by_spec: dict[str, dict[str, list[str]]] = {}
    for fw, cat in catalogs.items():
        for name, (specs, native) in sorted(cat.items()):
            for spec in specs:
                cell = _code(name) + (f" (= {_code(native)})" if native else "")
                by_spec.setdefault(spec, {}).setdefault(fw, []).append(cell)
    from losses._registry import LOSS_NAMES, OTHER

    names = LOSS_NAMES
    unknown = sorted(set(by_spec) - names)
    if unknown:
        raise SystemExit(f"CATALOG names specs that are not in the registry: {unknown}")

    lines = [
        "# The loss catalogue",
        "",
        "<!-- generated by docs/gen_losses.py from losses/_registry.py and the adapters' CATALOG "
        "dicts; do not edit by hand -->",
        "",
        "Every loss of the registry, the function that computes it on any array type "
        "(`losses.`, NumPy and every framework), the adapters that wrap it with a framework's "
        "own conventions, and the natives it equals. `(= native)` after an adapter name is "
        "the native it is a drop-in for; each adapter's page lists its options and deliberate "
        "differences: [torch](torch.md), [Keras](keras.md), [JAX](jax.md).",
        "",
        "| loss | NumPy / any backend | torch | Keras | JAX (optax names) | formula | natives |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in sorted(losses.REGISTRY + OTHER, key=lambda e: (e.family, e.name)):
        row = [f"**{e.name}** ({e.family})", _code(f"losses.{e.fn.__name__}")]
        for fw, _ in ADAPTERS:
            row.append("<br>".join(by_spec.get(e.name, {}).get(fw, [])) or "—")
        row.append(_code(e.formula))
        row.append("<br>".join(f"{k}: {_code(v)}" for k, v in sorted(e.natives.items())) or "—")
        lines.append("| " + " | ".join(row) + " |")
    helpers = sorted((fw, name, native) for fw, cat in catalogs.items()
                     for name, (specs, native) in cat.items() if not specs)
    if helpers:
        lines += ["", "Adapter functions that are not losses: "
                  + "; ".join(f"{fw} {_code(n)}" + (f" (= {_code(v)})" if v else "")
                              for fw, n, v in helpers) + "."]
    lines += _natives_section(catalogs)
    lines += ["", "## Native options left unsupported", ""]
    for fw, _ in ADAPTERS:
        lines += [f"### {fw}", ""]
        if UNSUPPORTED[fw]:
            lines += ["| native option | why |", "|---|---|"]
            lines += [f"| {_cell(opt)} | {_cell(why)} |" for opt, why in UNSUPPORTED[fw]]
        else:
            lines.append("None.")
        lines.append("")
    lines += _options_section(losses)
    return "\n".join(lines)


def _natives_section(catalogs: dict) -> list[str]:
    """Every native loss of the three frameworks and the adapter name that replaces it."""
    replaced: dict[str, list[str]] = {}
    for fw, cat in catalogs.items():
        for name, (_, native) in cat.items():
            if native:
                replaced.setdefault(native, []).append(f"{fw} {_code(name)}")
    natives = read_natives()
    total = sum(len(v) for v in natives.values())
    missing = [n for v in natives.values() for n in v if n not in replaced]
    lines = ["", "## Every native loss and what replaces it", "",
             f"{total - len(missing)} of the {total} loss names that `keras.losses`, `torch.nn` and "
             f"`optax.losses` export have a drop-in here; {len(missing)} are not provided yet.", "",
             "| native | replaced by |", "|---|---|"]
    for fw in sorted(natives):
        lines += [f"| {_code(n)} | " + ("<br>".join(sorted(replaced[n])) if n in replaced
                                        else "**not provided**") + " |" for n in natives[fw]]
    return lines


def _options_section(losses: object) -> list[str]:
    """Each loss's own options, from its declaration: default and accepted values."""
    import inspect

    from losses._core import spec_of

    lines = ["## Options of each loss", "",
             "From the declarations (`@loss` in `losses/<family>.py`); every loss also takes "
             "`reduction`, `sample_weight` and `axis_name`.", "",
             "| loss | option | default | accepts |", "|---|---|---|---|"]
    for e in sorted(losses.REGISTRY, key=lambda e: e.name):
        spec = spec_of(e.name)
        checks = dict(spec.checks)
        params = inspect.signature(e.fn).parameters.values()
        for p in params:
            if p.kind is not p.KEYWORD_ONLY or p.name in ("reduction", "sample_weight", "axis_name"):
                continue
            rule = getattr(checks.get(p.name), "rule", "") or (
                "an array, or None" if p.name in spec.arrays else str(p.annotation).strip("'"))
            lines.append(f"| {e.name} | `{p.name}` | {_code(repr(p.default))} | {_cell(rule)} |")
    lines.append("")
    return lines


def main(argv: list[str]) -> int:
    if "--natives" in argv:
        with open(NATIVES, "w", encoding="utf-8") as f:
            json.dump(installed_natives(), f, indent=1)
            f.write("\n")
    text = render()
    if "--check" in argv:
        try:
            with open(OUT, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print("docs/losses.md is stale: run `python docs/gen_losses.py`", file=sys.stderr)
            return 1
        return 0
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
