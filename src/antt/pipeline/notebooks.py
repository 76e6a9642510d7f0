"""What the notebooks declare: parameters (from the cell tagged ``parameters``) and metadata.

Pure standard library (``json`` + ``ast``): the runner decides what to run without importing
papermill or the scientific stack. Each parameter line is ``name: type = literal  # help``.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from antt.pipeline import syntax

TYPES = {"str": str, "int": int, "float": float, "bool": bool, "dict": dict, "list": list}


@dataclass(frozen=True)
class Parameter:
    name: str
    type_name: str
    default: Any
    help: str

    def accepts(self, value: Any) -> bool:
        expected = TYPES.get(self.type_name.split("[")[0].split("|")[0].strip())
        if expected is None:
            return True
        if "None" in self.type_name and value is None:
            return True
        if expected is float:
            return isinstance(value, int | float) and not isinstance(value, bool)
        if expected is int:
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, expected)


@dataclass(frozen=True)
class NotebookSpec:
    name: str
    path: Path
    description: str
    depends_on: tuple[str, ...]
    parameters: dict[str, Parameter]
    kernel_name: str = ""  # empty when the notebook has no kernelspec (the runner refuses to guess)
    writes_processed: bool = False  # metadata.antt.writes_processed: the notebook writes data/processed


def read_spec(path: str | Path) -> NotebookSpec:
    """Parameters and metadata (``metadata.antt.description``, ``metadata.antt.depends_on``) of a notebook."""
    path = Path(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        nb["cells"]
    except (UnicodeDecodeError, json.JSONDecodeError, TypeError, KeyError) as exc:
        raise ValueError(f"{path}: not a Jupyter notebook ({type(exc).__name__}: {exc})") from None
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{path}: expected exactly one cell tagged 'parameters', found {len(cells)}")
    source = "".join(cells[0]["source"])
    lines = source.splitlines()
    params = {}
    try:
        body = syntax.parse(source).body
    except SyntaxError as exc:
        raise ValueError(f"{path}: parameters cell line {exc.lineno}: {exc.msg}") from None
    for node in body:
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            raise ValueError(f"{path}: parameters cell line {node.lineno}: use 'name: type = literal  # help'")
        line = lines[node.lineno - 1]
        help_text = line.split("#", 1)[1].strip() if "#" in line else ""
        params[node.target.id] = Parameter(
            node.target.id, ast.unparse(node.annotation), ast.literal_eval(node.value), help_text
        )
    meta = nb.get("metadata", {}).get("antt", {})
    kernel = (nb.get("metadata", {}).get("kernelspec") or {}).get("name", "")
    return NotebookSpec(
        path.stem,
        path,
        meta.get("description", ""),
        tuple(meta.get("depends_on", [])),
        params,
        kernel,
        bool(meta.get("writes_processed", False)),
    )


def discover(notebooks_dir: str | Path) -> list[NotebookSpec]:
    """Numbered notebooks (``01_…``) in name order."""
    return [read_spec(p) for p in sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))]


def describe(spec: NotebookSpec) -> str:
    lines = [f"{spec.name}: {spec.description}"]
    for p in spec.parameters.values():
        lines.append(f"  {p.name}: {p.type_name} = {p.default!r}  # {p.help}")
    return "\n".join(lines)
