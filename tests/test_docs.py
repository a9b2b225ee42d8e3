"""``docs/losses.md`` is generated (``docs/gen_losses.py``) and must be current;
the adapters' ``CATALOG`` dicts it reads must be true."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import subprocess
import sys

import pytest

import losses
from losses._registry import LOSS_NAMES  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "docs"))
import gen_losses  # noqa: E402


def test_losses_md_is_current():
    with open(os.path.join(ROOT, "docs", "losses.md"), encoding="utf-8") as f:
        current = f.read()
    assert current == gen_losses.render(), "docs/losses.md is stale: run `python docs/gen_losses.py`"


def test_check_flag_fails_on_a_stale_file(tmp_path, monkeypatch):
    stale = tmp_path / "losses.md"
    stale.write_text("# out of date\n", encoding="utf-8")
    monkeypatch.setattr(gen_losses, "OUT", str(stale))
    assert gen_losses.main(["--check"]) == 1
    assert gen_losses.main([]) == 0  # rewrites it ...
    assert gen_losses.main(["--check"]) == 0  # ... and then it is current
    assert stale.read_text(encoding="utf-8") == gen_losses.render()


def test_generator_runs_as_a_script_and_imports_no_framework():
    code = ("import runpy, sys; sys.argv = ['gen_losses.py', '--check']\n"
            "try:\n    runpy.run_path('docs/gen_losses.py', run_name='__main__')\n"
            "except SystemExit as e:\n    rc = e.code\n"
            "bad = [m for m in ('torch', 'tensorflow', 'jax', 'keras') if m in sys.modules]\n"
            "print(rc, bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=ROOT), timeout=120)
    assert out.stdout.split() == ["0", "[]"], out.stdout + out.stderr


def test_every_registry_loss_is_a_row():
    text = gen_losses.render()
    rows = [line for line in text.splitlines() if line.startswith("| **")]
    every = losses.REGISTRY + losses._registry.OTHER
    assert len(rows) == len(every)
    for e in every:
        assert sum(line.startswith(f"| **{e.name}** ") for line in rows) == 1, e.name


def _all_of(path):
    """An adapter's ``__all__``: a literal list, or one built from its ``CATALOG``
    (``["CATALOG", *CATALOG]``), read without importing the adapter."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "__all__":
            return set(eval(compile(ast.Expression(node.value), path, "eval"),  # noqa: S307
                            {"CATALOG": gen_losses.read_catalog(path)}))
    raise AssertionError(f"{path} has no __all__")


@pytest.mark.parametrize("fw,path", gen_losses.ADAPTERS)
def test_catalogs_cover_every_public_name_with_registry_specs(fw, path):
    catalog = gen_losses.read_catalog(path)
    assert set(catalog) == _all_of(path) - {"CATALOG"}
    names = set(LOSS_NAMES)
    for name, (specs, native) in catalog.items():
        assert isinstance(specs, tuple) and set(specs) <= names, (name, specs)
        assert native is None or isinstance(native, str)


@pytest.mark.parametrize("fw,path", gen_losses.ADAPTERS[:2])  # JAX's: tests/test_jax_catalog.py
def test_catalog_natives_exist(fw, path):
    for _name, (_, native) in gen_losses.read_catalog(path).items():
        if native is None:  # ours only: no native to point at
            continue
        mod, _, attr = native.rpartition(".")
        if mod.startswith("torchvision."):  # not installable beside the CPU torch: the
            continue  # formula is checked by a float64 copy in tests/test_torch_catalog.py
        assert hasattr(importlib.import_module(mod), attr), native


def test_natives_json_is_what_the_installed_frameworks_export():
    """``docs/natives.json`` (the native column of docs/losses.md) is current:
    ``python docs/gen_losses.py --natives`` rewrites it."""
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    pytest.importorskip("optax")
    assert gen_losses.read_natives() == gen_losses.installed_natives()


def test_every_native_is_listed_once_with_its_replacement():
    text = gen_losses.render()
    natives = [n for v in gen_losses.read_natives().values() for n in v]
    assert len(natives) > 90  # keras.losses, torch.nn *Loss and optax.losses: 99 in the pinned versions
    for n in natives:
        rows = [line for line in text.splitlines() if line.startswith(f"| `{n}` |")]
        assert len(rows) == 1, n
    claimed = {native for _, path in gen_losses.ADAPTERS
               for _, native in gen_losses.read_catalog(path).values() if native}
    for n in natives:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{n}` |"))
        assert ("not provided" in row) == (n not in claimed), row


def _read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("fw,path", gen_losses.ADAPTERS)
def test_every_adapter_name_is_on_its_page_and_in_the_readme(fw, path):
    """Hand-written pages may not fall behind the adapters: every public name of
    an adapter appears in its docs page, and every class (or optax-named
    function) in the README's list for that framework."""
    page = _read(f"docs/{os.path.basename(path)[:-3]}.md")
    readme = _read("README.md")
    for name in gen_losses.read_catalog(path):
        assert f"`{name}`" in page or f"{name}(" in page, f"{name} is missing from docs/{fw} page"
        if fw != "Keras" or name[0].isupper():  # Keras' functional forms: "their functional forms"
            assert f"`{name}`" in readme or f"import {name}" in readme, f"{name} is missing from README.md"


def test_every_registry_loss_has_its_options_documented():
    text = gen_losses.render()
    for e in losses.REGISTRY:
        for p in inspect.signature(e.fn).parameters.values():
            if p.kind is p.KEYWORD_ONLY and p.name not in ("reduction", "sample_weight", "axis_name"):
                assert f"| {e.name} | `{p.name}` |" in text, (e.name, p.name)
