"""Every project path, derived from the project root in one place.

Notebooks, tests, the Makefile's commands and the CLI all import these, so they agree.
The root is the folder that holds ``pyproject.toml``; ``ANTT_ROOT`` overrides it (used by tests
that build a project tree in a temporary folder).
"""

from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    override = os.environ.get("ANTT_ROOT")
    if override:
        return Path(override).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "data").is_dir():
            return parent
    return Path.cwd().resolve()


ROOT = _find_root()
DATA = ROOT / "data"
RAW = DATA / "raw"
# The runner points ANTT_PROCESSED_DIR at a job's staging folder (for the notebook that writes the
# processed data) or at the folder a job must read (the staged output of a notebook that ran before
# it in the same run, or an exploratory run's own copy); by default the committed data/processed.
PROCESSED = Path(os.environ.get("ANTT_PROCESSED_DIR") or DATA / "processed")
CODEBOOK = DATA / "codebook"
NOTEBOOKS = ROOT / "notebooks"
# The runner points ANTT_REPORTS_DIR at a staging folder while a notebook runs, so a failed run
# leaves the last good figures and results untouched; tests point it at a temporary folder.
REPORTS = Path(os.environ.get("ANTT_REPORTS_DIR") or ROOT / "reports")
FIGURES = REPORTS / "figures"
RESULTS = REPORTS / "results"
PARAMS_FILE = ROOT / "params.yaml"
# Source texts are not redistributed: they are read from the shared folder beside the project.
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"

FIGURES_CSV = RAW / "figures.csv"
INDICATORS_CSV = PROCESSED / "indicators.csv"
QUALITY_CSV = PROCESSED / "quality.csv"
