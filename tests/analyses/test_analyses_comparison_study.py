"""Notebook 05's simulation study (antt.analyses.comparison_study): panels shaped like the one analysed, tables and
sentences that say "simulated" in both languages, nothing without a panel or with no replicates."""

from __future__ import annotations

import pytest

from antt.analyses import comparison, comparison_study
from antt.models import comparison_validation as validation
from antt.reporting import language


@pytest.fixture(scope="module")
def study(example):
    """Four panels per scenario, no synthetic-control intervals (a few seconds)."""
    inputs, analysis = example
    return comparison_study.run(inputs, analysis, replicates=4, intervals=0, effect_ratio=0.6, seed=7)


def test_the_simulated_panels_take_the_shape_of_the_panel_analysed(example):
    inputs, analysis = example
    shape = comparison_study.panel_shape(inputs, analysis)
    design = comparison.EXAMPLE_DESIGN
    assert shape["n_treated_per_cohort"] == design["n_treated_per_cohort"]
    assert shape["n_never"] == design["n_never"] and shape["years"] == design["years"]
    low, high = shape["rate_range"]
    # The example's rates were drawn in 5-30: the communes' observed means lie around that range.
    assert 3 < low < 10 and 20 < high < 35 and shape["population"] is False


def test_the_study_is_drawn_in_the_kernel_unless_each_process_gets_enough_replicates(monkeypatch):
    monkeypatch.setattr(comparison_study, "default_workers", lambda: 4)
    per = comparison_study.MIN_REPLICATES_PER_PROCESS
    assert comparison_study.processes(4) == comparison_study.processes(2 * per - 1) == 1
    assert comparison_study.processes(2 * per) == 2 and comparison_study.processes(200) == 4


def test_no_panel_or_no_replicates_means_no_study(example):
    inputs, analysis = example
    assert comparison_study.run(inputs, analysis, 0, 0, 0.6, 1) is None
    bare = comparison.load(None, "new_drug_addicts")
    checks, _ = comparison.check(bare, None, [], 0.05)
    refused = comparison.analyse(bare, checks, None, None, None, 0.05, 1)
    assert comparison_study.run(bare, refused, 10, 0, 0.6, 1) is None
    summary = comparison_study.add_to_findings({"headline": {"vi": ["a"], "en": ["b"]}}, None)
    assert summary == {"headline": {"vi": ["a"], "en": ["b"]}, "simulation_study": None}


def test_the_study_table_says_simulated_and_gives_every_design_and_scenario(study):
    assert study.replicates == 4 and study.intervals == 0
    assert len(study.table) == 18 and tuple(study.table.columns) == validation.COLUMNS
    for lang in language.LANGS:
        table = comparison.labelled(comparison_study.study_table(study, lang), True, lang)
        assert language.message("fig_simulated", lang) in table.columns[0]
        assert len(table) == 6 and table.shape[1] == 7  # no failed fit: no column for them
        coverage = table.iloc[:, 4]
        # The synthetic control's intervals were not computed: its coverage is missing, not 0.
        assert coverage.iloc[2] == language.MISSING and coverage.iloc[3] == language.MISSING
        assert table.iloc[0, 6] == "4" and "±" in table.iloc[0, 2] and "(" in table.iloc[0, 4]
        intro = comparison_study.intro_text(study, lang)
        assert intro.startswith(("SIMULATED", "DỮ LIỆU MÔ PHỎNG")) and "4 (2017)" in intro


def test_the_findings_carry_the_study_and_its_sentence(study):
    summary = {"headline": {"vi": ["x"], "en": ["y"]}}
    comparison_study.add_to_findings(summary, study)
    out = summary["simulation_study"]
    assert out["simulated"] is True and out["replicates"] == 4 and out["shape"]["years"] == [2010, 2024]
    assert out["shape"]["n_treated_per_cohort"] == {"2017": 4, "2019": 4, "2021": 4}
    assert len(out["rows"]) == 18
    assert summary["headline"]["en"][1].startswith("Simulated check (4 panels")
    assert "false-positive rate" in summary["headline"]["en"][1]
    assert summary["headline"]["vi"][1].startswith("Kiểm tra bằng mô phỏng (4 bảng")
