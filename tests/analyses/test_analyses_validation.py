"""analyses.validation (notebook 04): words of a small simulated study in both languages, levels from alpha."""

from __future__ import annotations

import pytest

from antt.analyses import validation as A
from antt.models import validation as simulation
from antt.reporting.language import LANGS


@pytest.fixture(scope="module")
def study():
    return simulation.validation_study(n_sim=40, workers=1, alpha=0.1)


def test_findings_keys_and_words(study):
    found = A.findings(study, "Refused (test input).", "figures/x.png")
    assert found["simulated"] is True and found["alpha"] == 0.1
    assert found["coverage"]["scenario"] == "moderate_counts"
    assert set(found["scale_floor"]) == {"conservative_only_because_of_the_floor", "below_nominal"}
    for lang in LANGS:
        lines = found["headline"][lang] + found["limitations"][lang]
        assert len(found["headline"][lang]) == 6 and all(lines)
        assert not any("{" in line or "val_" in line for line in lines)
    assert "90% interval" in found["headline"]["en"][0] and "khoảng 90%" in found["headline"]["vi"][0]
    assert "false-positive rate at 10%" in found["headline"]["en"][1]
    assert not any("95%" in line or "5%:" in line for line in found["headline"]["en"][:2])


def test_texts_and_tables_in_both_languages(study):
    for lang in LANGS:
        for text in (
            A.caption(study, lang),
            A.floor_text(study.summary, study.alpha, lang),
            A.nominal_text(study.summary, study.alpha, lang),
            A.scenario_heading(study.reference_scenario, lang),
        ):
            assert text and "{" not in text and "val_" not in text
        for table in (
            A.summary_table(study.summary, lang),
            A.reference_table(study.reference, lang),
            A.trend_bias_table(study.trend_bias, lang),
        ):
            assert len(table) and "{" not in table.to_string() and "val_" not in table.to_string()
    assert "khoảng 90%" in A.caption(study, "vi") and "at 10%" in A.caption(study, "en")
    assert A.scenario_label({"scenario": "unknown_one"}, "en") == "unknown_one"


def test_the_example_fit_and_the_refusal_of_a_short_series():
    example = A.example_fit(simulation.simulate_series(baseline_rate=20.0, level_rr=0.7, seed=1), 0.05)
    assert example.result.n_points == 16 and "expected" not in example.series
    assert set(example.predictions.columns) >= {"fitted", "counterfactual_lower"}
    short = simulation.simulate_series(years_before=2, years_after=5, seed=4)
    assert A.short_series_refusal(short, "en").startswith("Not estimated: an interrupted time series needs")
    refusal_vi = A.short_series_refusal(short, "vi")  # says what is missing, asks nobody to collect made-up data
    assert (
        "«can thiệp mô phỏng»" in refusal_vi and "còn thiếu trước: 1999" in refusal_vi and "thu thập" not in refusal_vi
    )
    assert A.short_series_refusal(simulation.simulate_series(seed=2), "vi") == ""
