"""Notebooks 02–04 under papermill with default and overridden parameters (Ngọc Lũ and Công Lý,
vi and en, an external series), writing figures and results to a temporary reports folder."""

import json
import os

import nbformat
import papermill as pm
import pytest

from antt.models.validation import simulate_series

from conftest import ROOT, register_series_source

NOTEBOOKS = ROOT / "notebooks"
pytestmark = pytest.mark.slow


def _run(tmp_path, name, job, **params):
    reports = tmp_path / "reports"
    env = {"ANTT_REPORTS_DIR": str(reports), "ANTT_JOB": job}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel papermill starts inherits them
    try:
        pm.execute_notebook(
            str(NOTEBOOKS / f"{name}.ipynb"),
            str(tmp_path / f"{job}.ipynb"),
            parameters=params,
            cwd=str(NOTEBOOKS),
            progress_bar=False,
        )
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    results = json.loads((reports / "results" / f"{job}.json").read_text(encoding="utf-8"))
    return results, reports, nbformat.read(tmp_path / f"{job}.ipynb", as_version=4)


def test_province_in_english_with_clopper_pearson(tmp_path):
    results, reports, _ = _run(tmp_path, "02_province_results", "p_en", lang="en", interval_method="clopper-pearson")
    assert all(r["method"] == "clopper-pearson" for r in results["proportions"])
    assert "Clopper–Pearson" in results["headline"]["en"][0]
    assert (reports / "figures" / "p_en_attainment.png").exists()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_ngoc_lu_refuses_and_bounds_the_zero(tmp_path, lang):
    results, reports, nb = _run(tmp_path, "03_intervention_effect", f"nl_{lang}", lang=lang)
    assert results["status"] == "refuse" and results["fit"] is None and results["p_value_reported"] is False
    assert "2015–2024" in results["headline"][lang][0]
    bounds = {round(r["followup_years"]): r["upper_rate_per_year"] for r in results["zero_count_bounds"]}
    assert sorted(bounds) == [1, 2, 3, 4, 5]
    text = json.dumps([c.get("outputs") for c in nb.cells], ensure_ascii=False)
    assert "p-value" not in text and "Giá trị p" not in text, "no p-value may be shown for a refused model"
    assert not (reports / "figures" / f"nl_{lang}_its.png").exists()


def test_cong_ly_by_parameters_only(tmp_path):
    results, _, _ = _run(
        tmp_path,
        "03_intervention_effect",
        "cl_en",
        commune="Công Lý",
        outcome="black_credit_crimes",
        interventions={"Xã không có hoạt động tín dụng đen": None},
        lang="en",
    )
    assert results["status"] == "refuse" and results["unknown_starts"] == ["Xã không có hoạt động tín dụng đen"]
    assert results["zero_count_bounds"] == []


def test_a_series_file_gets_fitted(tmp_path):
    """A simulated series (written to tmp only, never to data/) passed as series_path is fitted."""
    series = simulate_series(years_before=8, years_after=8, baseline_rate=15, level_rr=0.5, first_year=2010, seed=3)
    table = series.drop(columns="expected").assign(
        source_id="simulated-test", place="xã Ngọc Lũ", indicator="new_drug_addicts"
    )
    path = tmp_path / "simulated_series.csv"
    table[["source_id", "place", "indicator", "year", "count"]].to_csv(path, index=False)
    register_series_source(tmp_path, "simulated-test", path.name)
    results, reports, _ = _run(
        tmp_path,
        "03_intervention_effect",
        "nl_series",
        series_path=str(path),
        interventions={"simulated model": 2018},
        lang="en",
    )
    assert results["status"] in {"ok", "warn"} and results["fit"] is not None
    level = next(r for r in results["fit"]["rate_ratios"] if r["headline"] and r["kind"] == "level")
    assert level["lower"] < 0.5 < level["upper"]
    assert (reports / "figures" / "nl_series_its.png").exists()
    assert results["data_period"] == "2010–2025" and results["series"]["source_ids"] == ["simulated-test"]
    assert any("Test series simulated-test" in line for line in results["citations"]["en"])


def test_method_validation_small_run(tmp_path):
    results, _reports, _ = _run(tmp_path, "04_method_validation", "mv", n_sim=30, lang="en")
    assert results["simulated"] is True and results["coverage"]["n_sim"] == 30
    assert all("Simulated" in line or "simulated" in line for line in results["headline"]["en"])
    assert "Refused" in results["refusal_on_short_series"]
