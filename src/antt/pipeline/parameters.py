"""Checking a notebook's parameters right after its ``parameters`` cell.

papermill injects values but never checks them; the runner checks names and types before a kernel
starts, and this function checks values inside the notebook (so a run from JupyterLab or nbval is
checked too): strings are NFC-normalised, ``lang`` must be 'vi' or 'en', and every parameter whose
name ends in ``_dir`` or ``_path`` is resolved against the project root when relative.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from antt import paths
from antt.data.codebook import check_lang


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_normalise(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_normalise(v) for v in value)
    return value


def resolve(path: str | Path | None) -> Path | None:
    """A path relative to the project root (absolute paths are kept); None stays None."""
    if path is None or path == "":
        return None
    path = Path(path)
    return path if path.is_absolute() else paths.ROOT / path


def _default_dirs() -> dict[str, Path]:
    """Folders an empty ``*_dir`` parameter stands for (read when called: the runner sets them per job)."""
    return {"processed_dir": paths.PROCESSED}


def check(**params: Any) -> dict[str, Any]:
    """Return the parameters normalised: NFC strings, checked ``lang``, resolved ``*_dir``/``*_path``
    (an empty ``processed_dir`` is the run's processed folder, ``antt.paths.PROCESSED``)."""
    out = {}
    for name, value in params.items():
        value = _normalise(value)
        if name == "lang":
            value = check_lang(value)
        elif name.endswith(("_dir", "_path")):
            value = resolve(value) or _default_dirs().get(name)
        elif name == "alpha" and not 0 < float(value) < 1:
            raise ValueError(f"alpha must be between 0 and 1, got {value!r}")
        out[name] = value
    return out
