"""The cache never serves stale results and never reruns for nothing.

Two halves, because a job reruns exactly when something it *read* last time changed:

- the mechanics, on the toy project (conftest.TOY_NOTEBOOKS, the dependency structure of the real
  notebooks): each kind of input is changed, one at a time, and exactly the jobs that depend on it must
  rerun, including the jobs downstream of the writer only when its output changed. The copy's own src/
  is put first on PYTHONPATH so that the runner and its kernels import the copy's code, which the test edits;
- what the real jobs read: the reads recorded in the committed manifest (which the session build
  records again, byte for byte: tests/test_reports.py) put each input under exactly the right jobs.
"""

import json
import os

import pytest

from conftest import (
    ROOT,
    TOY_JOBS,
    TOY_REPORT,
    TOY_SET_JOBS,
    TOY_WRITER,
    run_antt,
)

SERIES = "data/series/toy.csv"


def _append(text: str):
    return lambda old: old + text


def _replace(old_text: str, new_text: str):
    def edit(old: str) -> str:
        assert old_text in old, old_text
        return old.replace(old_text, new_text, 1)

    return edit


def _series(counts):
    rows = "".join(
        f"my-records,Ngọc Lũ,new_drug_addicts,{year},{count}\n" for year, count in zip(range(2014, 2024), counts)
    )
    return lambda _old: "source_id,place,indicator,year,count\n" + rows


SET_A, SET_B = TOY_SET_JOBS
# (what changes, file, edit, jobs that must rerun) — in this order, each on top of the previous.
STEPS = [
    ("nothing the jobs read (README.md)", "README.md", _append("\nA line.\n"), set()),
    (
        "one notebook",
        f"notebooks/{TOY_REPORT}.ipynb",
        _replace(
            '"cells": [', '"cells": [\n  {"cell_type": "markdown", "id": "added", "metadata": {}, "source": ["N"]},'
        ),
        {TOY_REPORT},
    ),
    (
        "one parameter of one set",
        "params.yaml",
        _replace("  - place: a\n", f"  - place: a\n    series_path: {SERIES}\n"),
        {SET_A},
    ),
    ("a series file passed by path", SERIES, _series([5, 6, 4, 7, 5, 4, 3, 3, 2, 1]), {SET_A}),
    (
        "a raw CSV read only by the cleaning (its output unchanged)",
        "data/raw/exclusions.csv",
        _replace("Period of the figures that follow.", "Period of the figures that follow it."),
        {TOY_WRITER},
    ),
    (
        "a raw CSV whose change reaches the processed data",
        "data/raw/figures.csv",
        _replace("gần 20 nghìn,với gần 20 nghìn", "gần 21 nghìn,với gần 21 nghìn"),
        {TOY_WRITER, TOY_REPORT, SET_A, SET_B},
    ),
    (
        "the codebook file read by one job",
        "data/codebook/ratios.csv",
        _replace("Members per team (security", "Members per team (for security"),
        {TOY_REPORT},
    ),
    ("a module under src/", "src/antt/models/ratios.py", _append("\n# a comment\n"), {TOY_REPORT, SET_A, SET_B}),
    ("the lock file", "requirements.lock", _append("# a comment\n"), TOY_JOBS),
]


def _reran(stderr: str) -> set[str]:
    return {line.split("] ", 1)[1].split(" (")[0] for line in stderr.splitlines() if line.startswith("[   done] ")}


@pytest.mark.slow
def test_exactly_the_dependent_jobs_rerun(toy_project):
    root = toy_project
    env = {"PYTHONPATH": os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    (root / SERIES).parent.mkdir(parents=True)
    (root / SERIES).write_text(_series([5, 6, 4, 7, 5, 4, 3, 3, 2, 2])(""), encoding="utf-8")
    start = run_antt(root, "run", env=env)
    assert start.returncode == 0 and not _reran(start.stderr), start.stderr
    table, wrong = [], []
    for what, name, edit, expected in STEPS:
        path = root / name
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        result = run_antt(root, "run", env=env)
        assert result.returncode == 0, f"{what}: {result.stderr}"
        reran = _reran(result.stderr)
        table.append(f"{what:<58} {name:<40} {', '.join(sorted(reran)) or '—'}")
        if reran != expected:
            wrong.append(f"{what}: reran {sorted(reran)}, expected {sorted(expected)}")
    print("\n".join(["input changed | file | jobs rerun", *table]))
    assert not wrong, "\n".join(wrong + table)


# --- what the real jobs are recorded to read --------------------------------------------------------------

NGOC_LU, CONG_LY = "03_intervention_effect__ngoc-lu", "03_intervention_effect__cong-ly"
CLEAN, PROVINCE, VALIDATION = "01_clean_source_statistics", "02_province_results", "04_method_validation"
COMPARE, DEMONSTRATION = "05_compare_communes__ngoc-lu", "05_compare_communes__mo-phong-01"
# input -> the real jobs whose recorded reads include it (the notebooks' own files aside)
READ_BY = {
    "README.md": set(),
    "data/raw/exclusions.csv": {CLEAN},
    "data/raw/figures.csv": {CLEAN},
    "data/processed/indicators.csv": {PROVINCE, NGOC_LU, CONG_LY},
    "data/codebook/ratios.csv": {PROVINCE},
    "antt/analyses/province.py": {PROVINCE},  # 03 reads the source line from antt.reporting.provenance
    "antt/data/clean.py": {CLEAN, PROVINCE, NGOC_LU, CONG_LY, COMPARE, DEMONSTRATION},
    "antt/models/validation.py": {VALIDATION, COMPARE, DEMONSTRATION},  # 05's simulation study: its MC rates
    "antt/models/comparison_validation.py": {COMPARE, DEMONSTRATION},
    "antt/data/panel.py": {COMPARE, DEMONSTRATION},
    "data/examples/simulated-panel/panel.csv": {DEMONSTRATION},
    "data/examples/simulated-panel/truth.csv": {DEMONSTRATION},
}


def test_each_input_is_recorded_for_exactly_the_jobs_that_read_it():
    manifest = json.loads((ROOT / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == {CLEAN, PROVINCE, NGOC_LU, CONG_LY, VALIDATION, COMPARE, DEMONSTRATION}
    wrong = {
        name: sorted(job for job, entry in manifest.items() if name in entry["reads"])
        for name, jobs in READ_BY.items()
        if {job for job, entry in manifest.items() if name in entry["reads"]} != jobs
    }
    assert not wrong, f"recorded readers differ from the expected ones: {wrong}"
