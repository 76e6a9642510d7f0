"""The committed results (reports/results/*.json) against values computed here from the formulas, and what
the notebooks show with the canonical parameters (params.yaml). The committed outputs are what the suite's
one build produces, byte for byte (tests/test_reports.py), so these checks read the build without rerunning it."""

import json
import math

import nbformat
import pytest
from scipy import stats

from antt.reporting.results import SIGNIFICANT_DIGITS

from conftest import ROOT

RESULTS = ROOT / "reports" / "results"
# Results are written to SIGNIFICANT_DIGITS significant digits: half a unit in the last written place.
WRITTEN = 0.5 * 10 ** (1 - SIGNIFICANT_DIGITS)


def _load(name):
    return json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))


def _wilson(k, n, alpha=0.05):
    z = stats.norm.ppf(1 - alpha / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize("k, n", [(673, 686), (104, 109), (285, 292), (313, 323), (63, 65), (1216, 2018), (102, 187)])
def test_wilson_bounds_in_the_results(k, n):
    rows = [r for r in _load("02_province_results")["proportions"] if (r["successes"], r["total"]) == (k, n)]
    assert len(rows) == 1
    lower, upper = _wilson(k, n)
    assert rows[0]["lower"] == pytest.approx(lower, rel=WRITTEN) and rows[0]["upper"] == pytest.approx(
        upper, rel=WRITTEN
    )


def test_chi_square_in_the_results():
    h = _load("02_province_results")["homogeneity"]
    table = [h["successes"], [n - s for s, n in zip(h["successes"], h["totals"])]]
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    assert (h["chi2"], h["p_value"], h["dof"]) == (pytest.approx(chi2, rel=WRITTEN), pytest.approx(p, rel=WRITTEN), dof)
    assert h["approximation_doubtful"] is True  # 2 failures among 65 schools: expected counts below 5


def test_members_per_team_bounds():
    ratio = {r["ratio"]: r for r in _load("02_province_results")["ratios"]}["members_per_team"]
    teams = 518 + 687 + 102
    assert (ratio["lower"], ratio["upper"]) == (
        pytest.approx(15000 / teams, rel=WRITTEN),
        pytest.approx(20000 / teams, rel=WRITTEN),
    )


def test_zero_count_bounds_and_refusal_for_ngoc_lu():
    result = _load("03_intervention_effect__ngoc-lu")
    assert [row["followup_years"] for row in result["zero_count_bounds"]] == [1, 2, 3, 4, 5]
    for row in result["zero_count_bounds"]:
        assert row["upper_rate_per_year"] == pytest.approx(-math.log(0.05) / row["followup_years"], rel=WRITTEN)
        assert row["upper_rate_per_year"] == pytest.approx(
            stats.chi2.ppf(0.95, 2) / 2 / row["followup_years"], rel=WRITTEN
        )
    assert result["status"] == "refuse" and result["fit"] is None


def test_validation_scenarios_carry_their_monte_carlo_errors():
    scenarios = _load("04_method_validation")["scenarios"]
    assert len(scenarios) >= 4
    for row in scenarios:
        n = row["n_sim"]
        assert n >= 2000
        for rate, se, lower, upper in (
            ("coverage", "coverage_se", "coverage_lower", "coverage_upper"),
            ("false_positive_rate", "false_positive_se", "false_positive_lower", "false_positive_upper"),
        ):
            p = row[rate]
            assert row[se] == pytest.approx(math.sqrt(p * (1 - p) / n), rel=WRITTEN)
            wilson = _wilson(round(p * n), n)
            assert (row[lower], row[upper]) == (
                pytest.approx(wilson[0], rel=WRITTEN),
                pytest.approx(wilson[1], rel=WRITTEN),
            )
        assert row["coverage_se"] < 0.01 and row["false_positive_se"] < 0.01


def test_power_table_of_ngoc_lu_is_for_its_real_design_with_small_monte_carlo_errors():
    power = _load("03_intervention_effect__ngoc-lu")["power"]
    table = power["table"]
    assert table and all(r["simulated"] for r in table)
    assert {r["intervention_year"] for r in table} == {2018}
    assert all("2018" in r["interventions"] and "2022" in r["interventions"] for r in table)
    for row in table:
        p, n = row["power"], row["n_sim"]
        assert row["mc_se"] == pytest.approx(math.sqrt(p * (1 - p) / n), rel=WRITTEN, abs=1e-12)
        if 0.7 <= p <= 0.9:
            assert row["mc_se"] <= 0.01
        assert row["slope_change"] == (row["n_years"] >= 12)  # fit_its's automatic slope rule


def _executed(name: str) -> str:
    """Every output of the executed notebook ``name`` (reports/notebooks/), as text."""
    nb = nbformat.read(ROOT / "reports" / "notebooks" / f"{name}.ipynb", as_version=4)
    return json.dumps([cell.get("outputs") for cell in nb.cells], ensure_ascii=False)


def test_the_cleaning_report_shows_the_figures_as_written():
    assert "Số liệu gốc" in _executed("01_clean_source_statistics")


def test_ngoc_lu_is_refused_without_a_p_value_and_bounds_the_stated_zero():
    result = _load("03_intervention_effect__ngoc-lu")
    assert result["status"] == "refuse" and result["fit"] is None and result["p_value_reported"] is False
    for lang in ("vi", "en"):
        assert "2015–2024" in result["headline"][lang][0], lang
        assert "p-value" not in json.dumps(result["headline"][lang], ensure_ascii=False)
    text = _executed("03_intervention_effect__ngoc-lu")
    assert "p-value" not in text and "Giá trị p" not in text, "no p-value may be shown for a refused model"
    assert not list((ROOT / "reports" / "figures").glob("03_intervention_effect__ngoc-lu_its.*"))


def test_cong_ly_is_refused_for_its_unknown_start():
    result = _load("03_intervention_effect__cong-ly")
    assert result["status"] == "refuse" and result["unknown_starts"] == ["Xã không có hoạt động tín dụng đen"]
    assert result["zero_count_bounds"] == []
