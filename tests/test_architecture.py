"""The package's layers: lower layers never import higher ones, and every sub-package is listed in the README.

Read from the source (``ast``), so a lazy import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "src" / "antt"

# What each part of the package may import from ``antt`` (besides itself). The ground floor
# (paths, errors, text, numerals, jsonable, memo) imports only the ground floor; ``cli`` may import anything.
GROUND = {"paths", "errors", "text", "numerals", "jsonable", "memo"}
ALLOWED: dict[str, set[str]] = {
    "ground": GROUND,
    "models": GROUND,
    "data": GROUND,
    "sources": GROUND | {"data"},
    "reporting": GROUND | {"data", "models"},
    "analyses": GROUND | {"data", "models", "reporting"},
    "pipeline": GROUND | {"data", "reporting"},
}
SUBPACKAGES = ("data", "sources", "models", "reporting", "analyses", "pipeline")


def _part(module: str) -> str:
    """'antt.data.clean' → 'data'; 'antt.paths' → 'paths' (a ground-floor module or cli)."""
    return module.split(".")[1] if module.count(".") >= 1 else ""


def _layer(part: str) -> str:
    return "ground" if part in GROUND else part


def _imports(path: Path) -> set[str]:
    """Every ``antt`` module that a file imports (``from antt import x`` counts as ``antt.x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "antt":
                found |= {f"antt.{alias.name}" for alias in node.names}
            elif node.module.startswith("antt."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("antt.")}
    return found


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def layer_violations() -> list[str]:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        layer = _layer(_part(module)) if module.count(".") else "ground"
        if layer not in ALLOWED:  # cli, __main__, the package's face: the top
            continue
        for imported in sorted(_imports(path)):
            target = _part(imported)
            if target in {"__version__", ""}:
                continue
            target_layer = _layer(target)
            if target_layer != layer and target_layer not in ALLOWED[layer] and target not in ALLOWED[layer]:
                problems.append(f"{module} ({layer}) imports {imported} ({target_layer})")
    return problems


def test_no_module_imports_a_higher_layer():
    assert layer_violations() == []


def test_the_layer_check_can_fail(tmp_path, monkeypatch):
    """A models module importing reporting is caught (the check is not vacuous)."""
    fake = tmp_path / "src" / "antt"
    (fake / "models").mkdir(parents=True)
    (fake / "models" / "bad.py").write_text("from antt.reporting import language\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert layer_violations() == ["antt.models.bad (models) imports antt.reporting (reporting)"]


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_each_subpackage_imports_and_is_in_the_readme(name):
    module = importlib.import_module(f"antt.{name}")
    assert module.__doc__, f"antt.{name} needs a docstring saying what belongs there"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("```", 2)[1]
    assert f"src/antt/{name}/" in layout, f"the README layout does not list src/antt/{name}/"


def test_the_readme_lists_every_subpackage_that_exists():
    existing = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert existing == set(SUBPACKAGES)


def test_models_have_one_import_path():
    """``antt.models`` re-exports nothing: each name is imported from the module that defines it."""
    import antt.models

    public = [n for n in vars(antt.models) if not n.startswith("_")]
    modules = {n for n in public if isinstance(getattr(antt.models, n), type(antt.models))}
    assert set(public) <= modules | {"annotations"}, sorted(set(public) - modules)


def test_the_runner_builds_asts_only_through_its_lock():
    """CPython 3.11 fails two threads building ASTs at once (antt.pipeline.syntax): the pipeline's
    threads call ``ast.parse`` and ``ast.literal_eval`` on text only through ``syntax``."""
    offenders = []
    for path in sorted((PACKAGE / "pipeline").glob("*.py")):
        if path.name == "syntax.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            call = node.func if isinstance(node, ast.Call) else None
            if isinstance(call, ast.Attribute) and isinstance(call.value, ast.Name) and call.value.id == "ast":
                text_argument = call.attr == "parse" or (
                    call.attr == "literal_eval" and node.args and not isinstance(node.args[0], ast.Attribute)
                )
                if text_argument:
                    offenders.append(f"{path.name}:{node.lineno} ast.{call.attr}")
    assert not offenders, f"use antt.pipeline.syntax: {offenders}"


def test_the_syntax_lock_serialises_parsing():
    import threading

    from antt.pipeline import syntax

    finished = threading.Event()
    with syntax._LOCK:
        thread = threading.Thread(target=lambda: (syntax.parse("x = 1"), finished.set()), daemon=True)
        thread.start()
        assert not finished.wait(0.2), "parsed while another thread held the lock"
    assert finished.wait(10)
