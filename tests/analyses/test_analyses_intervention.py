"""analyses.intervention (notebook 03): a typed analysis, refusals and findings in both languages, from small
made-up series (none of it is data)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from antt.analyses import intervention as I
from antt.reporting.language import LANGS

LABEL = {"vi": "người nghiện mới", "en": "new addicts"}
SOURCES = pd.DataFrame(
    {
        "source_id": ["s1"],
        "citation": ["Made-up source (test input)"],
        "publication_date": ["unknown"],
        "publisher": ["P"],
        "author": [""],
    }
)


def _figures(**extra) -> pd.DataFrame:
    row = {
        "figure_id": "f1",
        "source_id": "s1",
        "indicator": "new_drug_addicts",
        "geo_level": "commune",
        "geo_name": "Xã Thử",
        "period_start": 2022,
        "period_end": 2022,
        "kind": "stated_zero",
        "value": 0.0,
        "qualifier": "stated_absence",
        "raw_text": "không phát sinh người nghiện mới",
        "unit": "người",
    }
    return pd.DataFrame([{**row, **extra}])


def _series(before: list[int], after: list[int], start: int = 2014) -> pd.DataFrame:
    counts = before + after
    return pd.DataFrame({"year": range(start - len(before), start - len(before) + len(counts)), "count": counts})


@pytest.fixture(scope="module")
def fitted():
    series = _series([20, 22, 19, 21, 23, 20, 18, 22], [12, 11, 13, 10, 12, 11, 9, 12])
    return I.analyse(series, {"Mô hình thử": 2014}, LABEL["en"], 0.05)


@pytest.fixture(scope="module")
def plan():
    return I.power_plan({"Mô hình thử": 2014}, [[2008, 2020]], [5], [0.5, 1.0], n_sim=20, alpha=0.1)


def test_the_analysis_is_a_frozen_typed_result(fitted):
    assert isinstance(fitted, I.InterventionAnalysis) and fitted.fitted and fitted.status in ("ok", "warn")
    assert fitted.predictions is not None and fitted.unknown_starts == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        fitted.status = "refuse"
    assert I.refusals(fitted, LABEL) == {} and I.refusal_text(fitted, LABEL["en"], "en") == ""


def test_an_unknown_start_is_refused_in_both_languages():
    analysis = I.analyse(_series([1, 2], [3]), {"Mô hình A": None}, LABEL["en"], 0.05)
    assert (analysis.status, analysis.verdict, analysis.result, analysis.unknown_starts) == (
        "refuse",
        None,
        None,
        ("Mô hình A",),
    )
    words = I.refusals(analysis, LABEL)
    assert "«Mô hình A»" in words["vi"] and words["en"].startswith("Not estimated: the article does not state when")


def test_too_few_years_are_refused_with_what_to_collect():
    analysis = I.analyse(_series([3, 4], [1, 0, 2], start=2022), {"Mô hình A": 2022}, LABEL["en"], 0.05)
    assert analysis.status == "refuse" and not analysis.fitted and analysis.verdict is not None
    words = I.refusals(analysis, LABEL)
    assert words["en"].startswith("Not estimated: an interrupted time series needs at least")
    assert "Collect yearly counts of new addicts for at least 2019" in words["en"], words["en"]
    assert "Cần thu thập số người nghiện mới theo từng năm" in words["vi"] and "2020, 2021" in words["vi"]
    assert "{" not in words["vi"] and "its_" not in words["vi"]


def test_a_fit_on_few_points_warns_in_the_page_language(fitted):
    analysis = I.analyse(_series([20, 22, 19, 21, 23], [12, 11, 13, 10, 12]), {"Mô hình thử": 2014}, "x", 0.05)
    assert analysis.status == "warn" and analysis.fitted
    assert analysis.warning("vi").startswith("Khớp kèm cảnh báo: dưới 8 điểm") and "2009–2018" in analysis.warning("vi")
    assert analysis.warning("en").startswith("Fitted with a warning: fewer than 8 points")
    assert fitted.warning("vi") == fitted.warning("en") == ""


def test_findings_of_a_fitted_series(fitted, plan):
    zero, bounds = I.stated_zero_bounds(_figures(), "new_drug_addicts", [1, 5], 0.1)
    found = I.findings(
        "Xã Thử", fitted, {}, zero, bounds, plan, _figures(), SOURCES, {"Mô hình thử": 2014}, {}, outcome_label=LABEL
    )
    assert found["question"] == {
        "vi": "Mô hình «Mô hình thử» có làm giảm số người nghiện mới ở xã Xã Thử không?",
        "en": "Did «Mô hình thử» reduce the number of new addicts in Xã Thử commune?",
    }
    assert found["status"] == fitted.status and found["p_value_reported"] and found["fit"]["notes"]
    assert found["unknown_starts"] == [] and found["power"]["table"] and found["sources"] == ["s1"]
    for lang in LANGS:
        lines = found["headline"][lang] + found["limitations"][lang] + found["citations"][lang]
        assert all(lines) and not any("{" in line for line in lines)
    assert found["citations"]["vi"] == ["Made-up source (test input) (không rõ)"]
    zero_vi = next(line for line in found["headline"]["vi"] if line.startswith("«không phát sinh"))
    assert "Poisson 90%" in zero_vi  # the level from alpha, not a literal
    assert any("exact one-sided 90% Poisson bound" in line for line in found["headline"]["en"])
    assert found["limitations"]["en"][0].startswith("The estimates rest on the 16 points")


def test_limitations_say_what_the_estimates_rest_on():
    refused = I.analyse(_series([], [], start=2022), {"A": None}, LABEL["en"], 0.05)
    empty = _figures().iloc[0:0]
    assert I.basis_text("Xã Thử", refused, empty, None, "", "vi").startswith("Bài báo không có số liệu nào")
    assert "(figures given: 1, 2022–2022)" in I.basis_text("Xã Thử", refused, _figures(), None, "", "en")
    unused = I.basis_text("Xã Thử", refused, empty, None, "my_series.csv", "en")
    assert unused.startswith("The series file my_series.csv has no counts")
    no_plan = I.PowerPlan(pd.DataFrame(), pd.DataFrame(), reason="unknown_start")
    assert I.power_lines(no_plan, "en")[0].startswith("Power cannot be computed")
    assert len(I.limitation_lines("basis", None, no_plan, "vi")) == 3


def test_tables_in_both_languages(plan):
    _, bounds = I.stated_zero_bounds(_figures(), "new_drug_addicts", [1, 5], 0.1)
    for lang in LANGS:
        for table in (
            I.interventions_table({"A": 2018, "B": None}, lang),
            I.zero_bound_table(bounds, lang),
            I.power_plan_table(plan.table, lang),
            I.minimum_drop_table(plan.minimum_drops, lang),
        ):
            assert len(table) and "{" not in table.to_string()
    assert list(I.interventions_table({"B": None}, "en").iloc[0]) == ["B", "not stated"]
    assert "(90%, một phía)" in I.zero_bound_table(bounds, "vi").columns[1]
    assert "Smallest drop detected with 80% power" in I.minimum_drop_table(plan.minimum_drops, "en").columns
