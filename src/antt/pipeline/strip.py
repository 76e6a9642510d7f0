"""Strip outputs and execution counts from notebooks (keeps kernelspec, tags and metadata.antt).

Every file is read and checked to be a Jupyter notebook (version 4) before anything is written,
and the stripped notebooks are written together (``write_files_atomic``): a wrong argument (a CSV
file, broken JSON, a named pipe) is one DataError naming the file, and no file has changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import nbformat.validator

from antt import paths
from antt.data.io import write_files_atomic
from antt.errors import DataError, shorten
from antt.text import TextEncodingError, check_regular_file

NOT_A_NOTEBOOK = "not a Jupyter notebook"


def strip_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    nb.metadata.pop("papermill", None)
    return nb


def _json(path: Path) -> tuple[str, object]:
    """The file's text and its parsed JSON."""
    try:
        check_regular_file(path)
        text = path.read_bytes().decode("utf-8")
        return text, json.loads(text)
    except FileNotFoundError:
        raise DataError(path, "file not found") from None
    except TextEncodingError as exc:
        raise DataError(path, str(exc).removeprefix(f"{path}: ")) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(path, f"{NOT_A_NOTEBOOK}: not UTF-8 JSON ({shorten(str(exc), 120)})") from None


def _schema_error(data: dict) -> str | None:
    """The first way ``data`` breaks the nbformat 4 schema, or None. The schema's validator is used
    directly: ``nbformat.validate`` normalises first and fails on non-notebooks with whatever error
    the bad value provokes (TypeError, AttributeError...)."""
    minor = data.get("nbformat_minor")
    validator = nbformat.validator.get_validator(4, minor) if isinstance(minor, int) and minor >= 0 else None
    if validator is None:
        return f"no nbformat 4 schema for nbformat_minor {minor!r}"
    error = next(iter(validator.iter_errors(data)), None)
    return None if error is None else str(error.message)


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """A notebook file, checked against the nbformat 4 schema before nbformat reads it."""
    path = Path(path)
    text, data = _json(path)
    if not isinstance(data, dict) or data.get("nbformat") != 4:
        raise DataError(path, f'{NOT_A_NOTEBOOK} in format 4 (a JSON object with "nbformat": 4)')
    if problem := _schema_error(data):
        raise DataError(path, f"{NOT_A_NOTEBOOK}: {shorten(problem, 120)}")
    return nbformat.reads(text, as_version=4)


def _notebook_text(nb: nbformat.NotebookNode) -> str:
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"  # as nbformat.write ends a file


def strip_notebooks(targets: list[str] | None = None) -> list[Path]:
    files = [Path(t) for t in targets] if targets else sorted(paths.NOTEBOOKS.glob("*.ipynb"))
    stripped = {path: _notebook_text(strip_notebook(read_notebook(path))) for path in files}
    write_files_atomic(stripped)
    return files
