"""The cache never serves stale results and never reruns for nothing: each kind of input is changed,
one at a time, in a built copy of the project, and exactly the jobs that depend on it must rerun.

The dependencies are not declared by hand: the runner records what each job read (antt.pipeline.inputs),
so this test checks the recording as much as the cache. The copy's own src/ is put first on
PYTHONPATH so that the runner and its kernels import the copy's code, which the test edits."""

import os
import shutil

import pytest

from conftest import register_series_source, run_antt

pytestmark = pytest.mark.slow

NGOC_LU, CONG_LY = "03_intervention_effect__ngoc-lu", "03_intervention_effect__cong-ly"
ALL = {"01_clean_source_statistics", "02_province_results", NGOC_LU, CONG_LY, "04_method_validation"}
SERIES = "data/series/ngoc_lu.csv"


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


# (what changes, file, edit, jobs that must rerun) — in this order, each on top of the previous.
STEPS = [
    ("nothing the jobs read (README.md)", "README.md", _append("\nA line.\n"), set()),
    (
        "one notebook",
        "notebooks/02_province_results.ipynb",
        _replace(
            '"cells": [', '"cells": [\n  {"cell_type": "markdown", "id": "added", "metadata": {}, "source": ["Note."]},'
        ),
        {"02_province_results"},
    ),
    (
        "one parameter of one set",
        "params.yaml",
        _replace(
            "    lang: vi\n  - commune: Công Lý", f"    series_path: {SERIES}\n    lang: vi\n  - commune: Công Lý"
        ),
        {NGOC_LU},
    ),
    ("a series file passed by path", SERIES, _series([5, 6, 4, 7, 5, 4, 3, 3, 2, 1]), {NGOC_LU}),
    (
        "a raw CSV read only by the cleaning (its output unchanged)",
        "data/raw/exclusions.csv",
        _replace(
            "Period of the figures that follow.",
            "Period of the figures that follow it.",
        ),
        {"01_clean_source_statistics"},
    ),
    (
        "a raw CSV whose change reaches the processed data",
        "data/raw/figures.csv",
        _replace("gần 20 nghìn,với gần 20 nghìn", "gần 21 nghìn,với gần 21 nghìn"),
        {"01_clean_source_statistics", "02_province_results", NGOC_LU, CONG_LY},
    ),
    (
        "the codebook (ratios, read by the province analysis)",
        "data/codebook/ratios.csv",
        _replace("Members per team (security", "Members per team (for security"),
        {"02_province_results"},
    ),
    (
        "a helper module under src/",
        "src/antt/analyses/province.py",
        _append("\n# a comment\n"),
        {"02_province_results", NGOC_LU, CONG_LY},
    ),
    ("the lock file", "requirements.lock", _append("# a comment\n"), ALL),
]


def _reran(stderr: str) -> set[str]:
    return {line.split("] ", 1)[1].split(" (")[0] for line in stderr.splitlines() if line.startswith("[   done] ")}


def test_exactly_the_dependent_jobs_rerun(built_project, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(built_project, root, ignore=shutil.ignore_patterns(".staging", ".lock"))
    env = {"PYTHONPATH": os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    (root / SERIES).parent.mkdir(parents=True)
    (root / SERIES).write_text(_series([5, 6, 4, 7, 5, 4, 3, 3, 2, 2])(""), encoding="utf-8")
    register_series_source((root / SERIES).parent, "my-records", "ngoc_lu.csv")
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
