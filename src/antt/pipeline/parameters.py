"""The one checker of a notebook's parameters: names, types and values.

papermill injects values but never checks them. The runner calls ``problems`` before a kernel starts
(unknown names, wrong types, bad values such as ``lang='fr'`` or ``alpha=2``), so an override or a
``params.yaml`` set is refused in one line; the notebook calls ``check`` right after its ``parameters``
cell (so a run from JupyterLab or nbval is checked by the same value rules), which also NFC-normalises
strings and resolves every ``*_dir``/``*_path`` against the project root. Standard library only: the
runner plans without importing the scientific stack.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from antt import paths
from antt.text import LANGUAGES

if TYPE_CHECKING:
    from antt.pipeline.notebooks import NotebookSpec


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_normalise(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_normalise(v) for v in value)
    return value


def value_problem(name: str, value: Any) -> str | None:
    """What is wrong with ``value`` for a parameter called ``name`` (rules by name, whatever the notebook), or
    None: ``lang`` is one of the report languages; ``alpha`` is a number strictly between 0 and 1; the simulation
    study's ``study_replicates`` and ``study_intervals`` are whole numbers >= 0 and ``study_effect`` a ratio > 0."""
    if name == "lang" and value not in LANGUAGES:
        return f"lang must be one of {', '.join(LANGUAGES)}, got {value!r}"
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if name == "alpha" and not (number and 0 < value < 1):
        return f"alpha must be a number between 0 and 1, got {value!r}"
    whole = isinstance(value, int) and not isinstance(value, bool)
    if name in ("study_replicates", "study_intervals") and not (whole and value >= 0):
        return f"{name} must be a whole number >= 0, got {value!r}"
    if name == "study_effect" and not (number and 0 < value < float("inf")):
        return f"study_effect must be a rate ratio > 0, got {value!r}"
    return None


def problems(spec: NotebookSpec, values: dict[str, Any]) -> list[str]:
    """Every problem of ``values`` for the notebook ``spec``: unknown names, wrong types, bad values."""
    found = []
    for name, value in values.items():
        param = spec.parameters.get(name)
        if param is None:
            found.append(f"{spec.name} has no parameter {name!r}; it takes: {', '.join(spec.parameters)}")
        elif not param.accepts(value):
            found.append(
                f"parameter {name!r} of {spec.name} must be {param.type_name}, got {type(value).__name__} {value!r}"
            )
        elif (problem := value_problem(name, _normalise(value))) is not None:
            found.append(f"parameter {name!r} of {spec.name}: {problem}")
    return found


def resolve(path: str | Path | None) -> Path | None:
    """A path relative to the project root (absolute paths are kept); None and "" stay None."""
    if path is None or path == "":
        return None
    path = Path(path)
    return path if path.is_absolute() else paths.ROOT / path


def _default_dirs() -> dict[str, Path]:
    """Folders an empty ``*_dir`` parameter stands for (read when called: the runner sets them per job)."""
    return {"processed_dir": paths.PROCESSED}


def check(**params: Any) -> dict[str, Any]:
    """Inside a notebook: the parameters normalised (NFC strings, resolved ``*_dir``/``*_path``; an empty
    ``processed_dir`` is the run's processed folder, ``antt.paths.PROCESSED``), after the value rules of
    ``value_problem`` (ValueError naming the parameter)."""
    out = {}
    for name, value in params.items():
        value = _normalise(value)
        problem = value_problem(name, value)
        if problem is not None:
            raise ValueError(problem)
        if name.endswith(("_dir", "_path")):
            value = resolve(value) or _default_dirs().get(name)
        out[name] = value
    return out
