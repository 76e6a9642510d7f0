"""Key numbers of each notebook, written to ``reports/results/<notebook>.json``.

Plain JSON with sorted keys: byte-identical for equal results. Floats are written in full;
presentation rounds, results do not.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


from antt import paths
from antt.models._common import plain
from antt.io import write_json_atomic


def job_name(notebook: str) -> str:
    """The runner's name for this run (one per parameter set); the notebook's name otherwise."""
    return os.environ.get("ANTT_JOB") or notebook


def write(notebook: str, data: dict[str, Any], results_dir: str | Path | None = None) -> Path:
    """Write ``<results_dir>/<job name>.json`` (see ``job_name``)."""
    return write_json_atomic(plain(data), Path(results_dir or paths.RESULTS) / f"{job_name(notebook)}.json")


def thumbnail(exported: dict[str, dict]) -> str:
    """Path of the first exported figure's PNG, relative to the reports folder (for the index card)."""
    first = next(iter(exported.values()))["png"]
    return f"figures/{Path(first).name}"
