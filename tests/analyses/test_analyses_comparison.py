"""Notebook 05's glue (antt.analyses.comparison): the refusal on the article's data, the SIMULATED example end to
end (every interval covers its true value, the placebo p-value is reported), and the example's provenance."""

from __future__ import annotations

import csv
import shutil

import pytest

from antt.analyses import comparison
from antt.reporting import language


def test_with_the_articles_data_alone_every_design_refuses_and_says_which_panel_to_collect():
    inputs = comparison.load(None, "new_drug_addicts")
    checks, _ = comparison.check(inputs, None, [], 0.05)
    analysis = comparison.analyse(inputs, checks, None, None, None, 0.05, 1)
    assert analysis.estimated == [] and all(not c.ok for c in checks.values())
    summary = comparison.findings(analysis, inputs, "Ngọc Lũ", "Ba không với ma túy", 2022, {"vi": "x", "en": "x"}, {})
    assert summary["p_value_reported"] is False and summary["demonstration"] is False
    english = " ".join(summary["headline"]["en"])
    assert "No comparison design can be estimated" in english
    assert "at least 19 communes" in english and "from 2017 to at least 2024" in english
    assert "docs/panel.md" in english
    assert "docs/panel.vi.md" in " ".join(summary["headline"]["vi"])


def test_the_simulated_example_estimates_every_design_and_each_interval_covers_the_truth(example):
    inputs, analysis = example
    assert inputs.simulated and analysis.estimated == ["staggered_did", "synthetic_control", "controlled_its"]
    did, sc, cits = analysis.did, analysis.sc, analysis.cits
    truths = analysis.truths
    assert did.overall.low <= truths["staggered_did"] <= did.overall.high
    interval = sc.interval
    assert interval.low <= truths["synthetic_control"] <= interval.high
    assert cits.level.low <= truths["controlled_its"] <= cits.level.high
    assert truths["controlled_its"] == pytest.approx(comparison.EXAMPLE_DESIGN["effect_ratio"])
    assert 0 < sc.placebo_p <= 1 and sc.smallest_attainable_p == pytest.approx(1 / 21)


def test_the_simulated_report_says_simulated_and_reports_the_placebo_p_value(example):
    inputs, analysis = example
    summary = comparison.findings(analysis, inputs, "Mô Phỏng 01", "Mô hình mô phỏng", 0, {"vi": "x", "en": "x"}, {})
    assert summary["demonstration"] is True and summary["simulated"] is True
    english = summary["headline"]["en"]
    assert english[0].startswith("Simulated data")
    assert summary["question"]["en"].startswith("Simulated demonstration")
    assert summary["question"]["vi"].startswith("Minh hoạ trên dữ liệu mô phỏng")
    for lang in language.LANGS:  # every table of a simulated panel says so in its heading
        word = language.message("fig_simulated", lang)
        tables = [comparison.units_table(inputs, lang), comparison.design_table(analysis.checks, lang)]
        tables += [comparison.event_study_table(analysis.did, lang), comparison.weights_table(analysis.sc, lang)]
        assert all(word in comparison.labelled(table, True, lang).columns[0] for table in tables)
    assert any("placebo p-value" in line for line in english)
    assert sum("the interval covers it" in line for line in english) == 3
    for lang in language.LANGS:
        table = comparison.estimates_table(analysis, lang, simulated=True)
        assert len(table) == 3 and language.message("cmp_col_truth", lang) in table.columns


def test_the_simulated_figures_carry_the_word_simulated(example, tmp_path):
    _, analysis = example
    for lang in language.LANGS:
        exported = comparison.make_figures(analysis, True, "source", lang, tmp_path, "t")
        assert set(exported) == {"event_study", "synthetic_control", "controlled_its"}
        word = language.message("fig_simulated", lang)
        assert all(word.casefold() in figure["title"].casefold() for figure in exported.values())


def test_the_committed_example_is_what_its_generator_writes(tmp_path):
    """The example's three files trace to code and a seed: regenerating them gives the same bytes."""
    written = comparison.write_simulated_example(tmp_path)
    for path in written:
        assert path.read_bytes() == (comparison.EXAMPLE / path.name).read_bytes(), path.name
    with open(tmp_path / "sources.csv", encoding="utf-8") as handle:
        (source,) = list(csv.DictReader(handle))
    assert source["source_id"].startswith(comparison.SIMULATED_PREFIX) and "SIMULATED" in source["title"]


def test_a_truth_file_is_refused_for_a_panel_that_is_not_simulated(tmp_path):
    folder = tmp_path / "real"
    shutil.copytree(comparison.EXAMPLE, folder)
    for name in ("panel.csv", "sources.csv"):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace("simulated-panel-example", "district-records"))
    with pytest.raises(ValueError, match="simulated panels only"):
        comparison.load(folder / "panel.csv", "new_drug_addicts", truth_path=folder / "truth.csv")


def test_the_controlled_series_falls_back_to_the_communes_cohort(example):
    """With staggered adoption the controlled series takes the cohort of the commune asked about."""
    inputs, analysis = example
    assert analysis.checks["controlled_its"].ok
    year = inputs.loaded.adoption[analysis.sc.treated_unit]
    assert analysis.cits.adoption_year == year
    assert set(analysis.cits.treated_units) == {u for u, a in inputs.loaded.adoption.items() if a == year}
