"""Strip outputs and execution counts from notebooks (keeps kernelspec, tags and metadata.antt)."""

from __future__ import annotations

from pathlib import Path

import nbformat

from antt import paths


def strip_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    nb.metadata.pop("papermill", None)
    return nb


def strip_notebooks(targets: list[str] | None = None) -> list[Path]:
    files = [Path(t) for t in targets] if targets else sorted(paths.NOTEBOOKS.glob("*.ipynb"))
    for path in files:
        nb = nbformat.read(path, as_version=4)
        nbformat.write(strip_notebook(nb), path)
    return files
