"""The notebooks with parameters other than params.yaml's (English, Clopper–Pearson, a researcher's
series, a commune by parameters only, a small simulation, a wrong language), checked on the library calls
each notebook makes, in the notebook's order, without executing a notebook: the real notebooks run only
under nbval and in the session build (conftest.built_project), whose outputs tests/test_results.py checks
for the canonical parameters. That each parameter reaches those calls is checked on the notebooks' code.
"""

import ast
import json
from pathlib import Path

import pytest

from antt.analyses import intervention, province
from antt.data import clean, codebook
from antt.models.validation import simulate_series
from antt.pipeline import notebooks, parameters
from antt.reporting import estimates
from antt.reporting.display import show
from antt.reporting.provenance import indicator_table

from conftest import ROOT, register_series_source

SPECS = {spec.name: spec for spec in notebooks.discover(ROOT / "notebooks")}


def _code(spec) -> ast.Module:
    """Every code cell of the notebook except the parameters cell, as one module."""
    nb = json.loads(spec.path.read_text(encoding="utf-8"))
    cells = [
        "".join(c["source"])
        for c in nb["cells"]
        if c["cell_type"] == "code" and "parameters" not in c["metadata"].get("tags", [])
    ]
    return ast.parse("\n".join(cells))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_parameter_reaches_the_notebooks_code(name):
    """A parameter the code never reads would be accepted by `antt run -p` and change nothing."""
    used = {node.id for node in ast.walk(_code(SPECS[name])) if isinstance(node, ast.Name)}
    unused = [p for p in SPECS[name].parameters if p not in used]
    assert not unused, f"{name}: parameters never read by the code: {unused}"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_notebook_checks_its_language_first(name):
    """The first call of each notebook's code is ``parameters.check(..., lang=lang, ...)``, which refuses a
    language there is no report for (below) before anything is computed."""
    calls = [node for node in ast.walk(_code(SPECS[name])) if isinstance(node, ast.Call)]
    checks = [c for c in calls if ast.unparse(c.func) == "parameters.check"]
    assert checks, f"{name} does not call parameters.check"
    assert any(k.arg == "lang" and ast.unparse(k.value) == "lang" for k in checks[0].keywords), name


def test_a_wrong_lang_is_refused():
    with pytest.raises(ValueError, match="lang must be one of"):
        parameters.check(lang="fr")


# --- 01 and 02 in English -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, heading, other", [("vi", "Số liệu gốc", "As written"), ("en", "As written", "Số liệu gốc")]
)
def test_the_cleaning_table_in_each_language(lang, heading, other):
    result = clean.clean(write=False)
    page = show(indicator_table(result.indicators, codebook.load_indicators(), lang), lang).html[lang]
    assert heading in page and other not in page


def test_province_in_english_with_clopper_pearson(tmp_path):
    indicators, code_book = clean.load_indicators(), codebook.load_indicators()
    props = province.proportions(indicators, code_book, codebook.load_part_whole(), 0.05, "clopper-pearson")
    assert len(props) and set(props["method"]) == {"clopper-pearson"}
    units = {lg: codebook.units(code_book, lg) for lg in ("vi", "en")}
    attainment = province.attainment(props)
    homogeneity = province.homogeneity(attainment, {k: units["en"][k] for k in attainment["indicator"]}, 0.05)
    ratios = province.ratios(indicators, codebook.load_ratios(), "en")
    headline = province.headline(props, homogeneity, ratios, indicators, units, "en")
    assert "Clopper–Pearson" in headline[0]
    counts = province.activity_counts(indicators, code_book, "en")
    province.make_figures(props, counts, clean.load_sources(), code_book, "en", tmp_path, "p_en")
    assert (tmp_path / "p_en_attainment.en.png").exists()


# --- 03 with other communes and a researcher's series ----------------------------------------------------


def _notebook_03(commune: str, outcome: str, interventions: dict, series_path: str = "", out_dir: Path | None = None):
    """What notebook 03 computes and writes to its results, cell by cell, with a small power plan."""
    code_book = codebook.load_indicators()
    outcome_label = {lg: codebook.labels(code_book, lg)[outcome].lower() for lg in ("vi", "en")}
    figures_table = intervention.commune_figures(clean.load_indicators(), commune)
    loaded = intervention.load_series(series_path, commune, outcome) if series_path else None
    series = loaded.frame if loaded is not None else intervention.series_from_indicators(figures_table, outcome)
    analysis = intervention.analyse(series, interventions, outcome_label["en"], 0.05)
    refusal = intervention.refusals(analysis, outcome_label)
    zero, bounds = intervention.stated_zero_bounds(figures_table, outcome, [1, 2, 3, 4, 5], 0.05)
    plan = intervention.power_plan(interventions, [[2012, 2025]], [5], [0.5], n_sim=20)
    sources = clean.load_sources()
    if out_dir is not None:
        intervention.make_figures(figures_table, interventions, analysis, plan, code_book, "", "en", out_dir, "nl")
    summary = intervention.findings(
        commune,
        analysis,
        refusal,
        zero,
        bounds,
        plan,
        figures_table,
        sources,
        interventions,
        thumbnail={},
        outcome_label=outcome_label,
        loaded=loaded,
        series_file=Path(series_path).name if series_path and loaded is None else "",
    )
    return analysis, summary


def test_cong_ly_by_parameters_only():
    _, summary = _notebook_03("Công Lý", "black_credit_crimes", {"Xã không có hoạt động tín dụng đen": None})
    assert summary["status"] == "refuse" and summary["unknown_starts"] == ["Xã không có hoạt động tín dụng đen"]
    assert summary["zero_count_bounds"] == [] and summary["fit"] is None


def test_a_series_file_gets_fitted(tmp_path):
    """A simulated series (written to tmp only, never to data/) passed as series_path is fitted."""
    series = simulate_series(years_before=8, years_after=8, baseline_rate=15, level_rr=0.5, first_year=2010, seed=3)
    table = series.drop(columns="expected").assign(
        source_id="simulated-test", place="xã Ngọc Lũ", indicator="new_drug_addicts"
    )
    path = tmp_path / "simulated_series.csv"
    table[["source_id", "place", "indicator", "year", "count"]].to_csv(path, index=False)
    register_series_source(tmp_path, "simulated-test", path.name)
    figures = tmp_path / "figures"
    _, summary = _notebook_03("Ngọc Lũ", "new_drug_addicts", {"simulated model": 2018}, str(path), out_dir=figures)
    assert summary["status"] in {"ok", "warn"} and summary["fit"] is not None
    level = next(r for r in summary["fit"]["rate_ratios"] if r["headline"] and r["kind"] == "level")
    assert level["lower"] < 0.5 < level["upper"]
    assert (figures / "nl_its.en.png").exists()
    assert summary["data_period"]["en"] == "2010–2025" and summary["series"]["source_ids"] == ["simulated-test"]
    assert any("Test series simulated-test" in line for line in summary["citations"]["en"])


def _zero_after_series(directory: Path, place: str) -> Path:
    """The scenario the article reports, as a researcher's file: new addicts 2012–2024, none from 2018."""
    path = directory / "ngoc_lu_records.csv"
    counts = [4, 6, 5, 7, 6, 5, 0, 0, 0, 0, 0, 0, 0]
    path.write_text(
        "source_id,place,indicator,year,count\n"
        + "".join(f"commune-records,{place},new_drug_addicts,{y},{c}\n" for y, c in zip(range(2012, 2025), counts)),
        encoding="utf-8",
    )
    register_series_source(directory, "commune-records", path.name)
    return path


INTERVENTIONS = {"Dòng họ không có tội phạm, tệ nạn ma túy": 2018, "Ba không với ma túy": 2022}


def test_a_series_with_no_new_addicts_after_2018_is_estimated(tmp_path):
    """params.yaml's Ngọc Lũ set with a researcher's series (`antt run -p series_path=...`): a one-sided bound
    where the estimate is on the boundary, never an infinite or NaN estimate; the other commune's set stays
    on the article's figures and says why."""
    series = _zero_after_series(tmp_path, "Ngoc Lu")  # typed without diacritics
    analysis, summary = _notebook_03("Ngọc Lũ", "new_drug_addicts", INTERVENTIONS, str(series))
    assert summary["series"]["place"] == "Ngoc Lu" and summary["data_period"]["en"] == "2012–2024"
    assert any("Test series commune-records" in line for line in summary["citations"]["vi"])
    rows = summary["fit"]["rate_ratios"]
    first = next(r for r in rows if r["headline"] and r["kind"] == "level" and r["intervention"].startswith("Dòng họ"))
    assert first["status"] == "boundary" and first["interval_method"].startswith("one-sided profile likelihood")
    assert first["rate_ratio"] is None and first["limit"] == "0" and 0 < first["upper"] < 1
    assert first["lr_p_value"] < 0.05
    for row in rows + summary["fit"]["coefficients"]:  # an estimate is a finite number or absent, never inf or NaN
        assert row.get("rate_ratio") is None or row["rate_ratio"] == row["rate_ratio"] < float("inf"), row
        assert row["coef"] is None or abs(row["coef"]) < float("inf"), row
    nb = [r for r in rows if r["model"] == "negative-binomial (sensitivity)"]
    assert nb and all(r["status"] == "did not converge" and r["rate_ratio"] is None for r in nb)
    page = show(estimates.rate_ratio_table(analysis.result.rate_ratios, "vi"), "vi").html["vi"]  # the report's table
    assert "không hội tụ" in page and "&lt; 0,550" in page
    _, other = _notebook_03("Công Lý", "black_credit_crimes", {"Xã không có hoạt động tín dụng đen": None}, str(series))
    assert other["series"] is None and "ngoc_lu_records.csv" in other["limitations"]["en"][0]


def test_a_series_for_an_unknown_place_is_refused_in_one_line(tmp_path):
    series = _zero_after_series(tmp_path, "Ngọc Lụ")  # another commune's name: not Ngọc Lũ
    with pytest.raises(Exception) as caught:
        _notebook_03("Ngọc Lũ", "new_drug_addicts", INTERVENTIONS, str(series))
    message = str(caught.value)
    assert "ngoc_lu_records.csv" in message and "places in the file: 'Ngọc Lụ'" in message, message
    assert "\n" not in message


# --- 04 with a small simulation --------------------------------------------------------------------------


def test_method_validation_small_run():
    from antt.analyses import validation as report
    from antt.models import validation

    study = validation.validation_study(n_sim=30, workers=1)
    short = simulate_series(years_before=2, years_after=5, baseline_rate=20.0, seed=20240104)
    refusal = {lg: report.short_series_refusal(short, lg) for lg in ("vi", "en")}
    summary = report.findings(study, refusal, thumbnail={})
    assert summary["simulated"] is True and summary["coverage"]["n_sim"] == 30
    assert all("Simulated" in line or "simulated" in line for line in summary["headline"]["en"])
    assert summary["refusal_on_short_series"]["en"].startswith("Not estimated")
