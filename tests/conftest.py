"""Shared fixtures. Notebooks run by tests (papermill, nbval) write figures and results to a
temporary reports folder, never into the committed ``reports/``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_185f12b80bd82d9c.txt"
REFERENCE = ROOT.parent / "shared" / "reference"


def pytest_configure(config):
    # Set before any kernel starts: nbval's and papermill's kernels inherit them. Notebook 01 writes
    # the processed data: under tests it writes a temporary copy, never the committed folder.
    os.environ.setdefault("ANTT_REPORTS_DIR", tempfile.mkdtemp(prefix="antt-test-reports-"))
    if "ANTT_PROCESSED_DIR" not in os.environ:
        processed = Path(tempfile.mkdtemp(prefix="antt-test-processed-"))
        shutil.copytree(ROOT / "data" / "processed", processed, dirs_exist_ok=True)
        os.environ["ANTT_PROCESSED_DIR"] = str(processed)


@pytest.fixture
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the source article is not redistributed; it is read from {SEED}, which is absent here")
    from antt.text import read_text

    return read_text(SEED)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the project's data, notebooks and params in a temporary root (for ANTT_ROOT)."""
    root = tmp_path / "project"
    for name in ("data", "notebooks", "docs"):
        shutil.copytree(ROOT / name, root / name)
    for name in ("params.yaml", "pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return root


# Another time zone, locale and hash seed than the usual ones: the built copy must still be
# byte-identical to the committed outputs.
EXOTIC_ENV = {"TZ": "Pacific/Kiritimati", "LANG": "vi_VN.UTF-8", "PYTHONHASHSEED": "4242"}


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """A copy of the project (committed reports and processed data included) after ``antt run --force``
    under ``EXOTIC_ENV``. Read-only: tests that change it copy it first."""
    root = tmp_path_factory.mktemp("built") / "project"
    for name in ("data", "notebooks", "docs", "reports"):
        shutil.copytree(
            ROOT / name, root / name, ignore=shutil.ignore_patterns("explore", ".staging", "failed", "build", ".lock")
        )
    for name in ("params.yaml", "pyproject.toml", "requirements.lock", "README.md"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    result = run_antt(root, "run", "--force", env=EXOTIC_ENV)
    assert result.returncode == 0, result.stderr
    return root


def run_antt(
    root: Path, *args: str, timeout: int = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``python -m antt ARGS`` with the project root at ``root`` (``env``: more variables)."""
    env = {
        **os.environ,
        "ANTT_ROOT": str(root),
        "ANTT_REPORTS_DIR": str(root / "reports"),
        "ANTT_PROCESSED_DIR": str(root / "data" / "processed"),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "antt", *args], cwd=root, env=env, capture_output=True, text=True, timeout=timeout
    )


def register_series_source(directory: Path, source_id: str, series_file: str) -> Path:
    """Write ``directory/sources.csv`` registering ``source_id`` for a test series (the columns of
    data/raw/sources.csv; placeholder citation): the way a researcher registers records kept outside
    the repository (docs/own_series.md)."""
    import csv
    import hashlib

    header = (ROOT / "data" / "raw" / "sources.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    digest = (
        hashlib.sha256((directory / series_file).read_bytes()).hexdigest()
        if (directory / series_file).exists()
        else "0" * 64
    )
    row = {
        "source_id": source_id,
        "title": "Test series (placeholder)",
        "publisher": "Test",
        "author": "",
        "place": "Ngọc Lũ",
        "province": "Hà Nam",
        "language": "vi",
        "publication_date": "unknown",
        "publication_date_note": "",
        "access_date": "2026-11-29",
        "url": "",
        "text_file": series_file,
        "sha256": digest,
        "licence": "Test data",
        "citation": f"Test series {source_id} (placeholder).",
    }
    path = directory / "sources.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
    return path
