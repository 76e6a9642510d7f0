"""Interrupted time series: Sicily reference, offset trap, quasi-Poisson scale, refusals, sensitivity."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from antt.models.its import HAC_CAVEAT, counterfactual, fit_its, naive_before_after
from antt.models.sufficiency import InsufficientDataError, check_sufficiency
from antt.models.validation import simulate_series
from antt.reporting.language import english_notes

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
SICILY = REFERENCE / "sicily.csv"


@pytest.fixture
def sicily() -> pd.DataFrame:
    if not SICILY.exists():
        pytest.skip(
            f"Sicily reference data (Lopez Bernal et al. 2017, third-party, not redistributed) are read "
            f"from {SICILY}, which is absent here"
        )
    return pd.read_csv(SICILY)


def _level(res, model=None):
    row = res.rate_ratio(kind="level", model=model)
    return round(row["rate_ratio"], 4), round(row["lower"], 4), round(row["upper"], 4)


# ----------------------------------------------------------------------------------------------
# Sicily (Lopez Bernal, Cummins & Gasparrini 2017): reference/README.md, statsmodels 0.15.0, z reference
# ----------------------------------------------------------------------------------------------


def test_sicily_poisson_and_quasi_poisson(sicily):
    res = fit_its(
        sicily,
        {"smoking_ban": 2005},
        slope_change=False,
        offset_column="stdpop",
        count_column="aces",
        reference_distribution="z",
    )
    assert res.interventions == {"smoking_ban": "2005-01"} and res.frequency == "month"
    assert res.verdict.status == "ok" and res.verdict.interventions[0].points_before == 36
    assert _level(res, "poisson") == (0.8944, 0.8647, 0.9251)
    assert round(res.scale, 3) == 3.559
    assert _level(res, "quasi-poisson") == (0.8944, 0.8392, 0.9532)
    assert _level(res) == _level(res, "quasi-poisson")  # headline


def test_sicily_quasi_poisson_with_two_harmonic_pairs(sicily):
    res = fit_its(
        sicily,
        {"smoking_ban": (2005, 1)},
        slope_change=False,
        harmonics=2,
        offset_column="stdpop",
        count_column="aces",
        reference_distribution="z",
    )
    assert _level(res) == (0.8851, 0.8394, 0.9332)


def test_sicily_t_reference_is_wider_than_z_and_is_the_default(sicily):
    kwargs = dict(slope_change=False, offset_column="stdpop", count_column="aces")
    t_res = fit_its(sicily, {"smoking_ban": 2005}, **kwargs)
    z_res = fit_its(sicily, {"smoking_ban": 2005}, reference_distribution="z", **kwargs)
    assert t_res.reference_distribution == "t" and t_res.df_resid == 56
    t_row, z_row = t_res.rate_ratio(), z_res.rate_ratio()
    assert t_row["rate_ratio"] == z_row["rate_ratio"]
    ratio = math.log(t_row["upper"] / t_row["rate_ratio"]) / math.log(z_row["upper"] / z_row["rate_ratio"])
    assert ratio == pytest.approx(stats.t.ppf(0.975, 56) / stats.norm.ppf(0.975), rel=1e-10)
    assert t_row["p_value"] > z_row["p_value"]
    # The same interval as statsmodels' own conf_int with use_t=True (scale fixed to max(1, X2/df)).
    quasi = t_res.fitted["quasi-poisson"]
    assert quasi.use_t
    lo, up = np.exp(quasi.conf_int().loc["level_smoking_ban"])
    assert (t_row["lower"], t_row["upper"]) == pytest.approx((lo, up), rel=1e-12)


def test_sicily_sensitivity_models(sicily):
    res = fit_its(sicily, {"smoking_ban": 2005}, slope_change=False, offset_column="stdpop", count_column="aces")
    models = set(res.rate_ratios["model"])
    assert models == {"quasi-poisson", "poisson", "negative-binomial (sensitivity)", "poisson-HAC (sensitivity)"}
    assert res.rate_ratios.loc[res.rate_ratios["headline"], "model"].tolist() == ["quasi-poisson"]
    assert 0 < res.nb_alpha < 0.05  # estimated (about 0.0028), not the GLM family's silent alpha = 1
    assert res.hac_maxlags == 3 and res.hac_caveat == HAC_CAVEAT
    assert 0 < res.durbin_watson < 4 and len(res.residual_acf) == 12
    assert any("descriptive only" in n for n in english_notes(res))


# ----------------------------------------------------------------------------------------------
# The offset trap
# ----------------------------------------------------------------------------------------------


def _growing_population_series(seed=1):
    rng = np.random.default_rng(seed)
    years = np.arange(2000, 2016)
    population = 50_000 * 1.15 ** (years - 2000)  # grows eightfold: rates and counts differ a lot
    rate = 4e-4 * np.where(years >= 2008, 0.7, 1.0)
    return pd.DataFrame({"year": years, "count": rng.poisson(rate * population), "population": population})


def test_predictions_pass_the_offset_again():
    """Would fail if the offset were not passed to get_prediction: the 'fitted' column would be rates per
    person (about 4e-4) instead of expected counts (about 20 to 170)."""
    data = _growing_population_series()
    res = fit_its(data, {"programme": 2008}, slope_change=False)
    pred = res.predictions
    glm = res.fitted["headline"]
    np.testing.assert_allclose(pred["fitted"], glm.fittedvalues, rtol=1e-10)
    np.testing.assert_allclose(pred["offset"], np.log(data["population"]), rtol=1e-14)
    assert pred["fitted"].min() > 10
    # Before the intervention the counterfactual is the fitted model itself.
    pre = ~pred["post"]
    np.testing.assert_allclose(pred.loc[pre, "counterfactual"], pred.loc[pre, "fitted"], rtol=1e-12)
    # After it, fitted / counterfactual is the level rate ratio.
    post = pred["post"]
    np.testing.assert_allclose(
        pred.loc[post, "fitted"] / pred.loc[post, "counterfactual"], res.rate_ratio()["rate_ratio"], rtol=1e-10
    )
    assert (pred["fitted_lower"] < pred["fitted"]).all() and (pred["fitted"] < pred["fitted_upper"]).all()
    assert (pred["counterfactual_lower"] < pred["counterfactual"]).all()


def test_the_trap_exists_in_statsmodels():
    """Documents why ``counterfactual`` passes the offset: without it statsmodels silently returns rates."""
    data = _growing_population_series()
    res = fit_its(data, {"programme": 2008}, slope_change=False)
    glm, exog = res.fitted["headline"], res.fitted["prepared"].exog
    without = np.asarray(glm.get_prediction(exog=exog).predicted_mean)
    np.testing.assert_allclose(without * data["population"].to_numpy(), glm.fittedvalues, rtol=1e-10)
    again = counterfactual(res, alpha=0.1)
    assert (
        again["fitted_upper"] - again["fitted_lower"]
        < res.predictions["fitted_upper"] - res.predictions["fitted_lower"]
    ).all()


# ----------------------------------------------------------------------------------------------
# Quasi-Poisson scale, reference distribution, negative binomial
# ----------------------------------------------------------------------------------------------


def test_quasi_poisson_scale_is_floored_at_one_on_underdispersed_data():
    data = pd.DataFrame(
        {"year": range(2005, 2021), "count": [100, 101, 99, 100, 102, 100, 99, 101, 80, 81, 79, 80, 80, 81, 79, 80]}
    )
    res = fit_its(data, {"x": 2013}, slope_change=False, sensitivity=False)
    assert res.pearson_dispersion < 0.1
    assert res.scale == 1.0
    quasi, pois = (res.rate_ratios.set_index("model").loc[m] for m in ("quasi-poisson", "poisson"))
    assert quasi["se"] == pytest.approx(pois["se"], rel=1e-10)
    assert any("floored at 1" in n for n in english_notes(res))


def test_quasi_poisson_scale_is_pearson_x2_over_df_when_overdispersed():
    data = simulate_series(years_before=10, years_after=10, baseline_rate=50, level_rr=0.7, nb_alpha=0.2, seed=5).drop(
        columns="expected"
    )
    res = fit_its(data, data.attrs["interventions"], sensitivity=False)
    glm = sm.GLM(data["count"], res.fitted["prepared"].exog, family=sm.families.Poisson()).fit()
    assert res.scale == pytest.approx(glm.pearson_chi2 / glm.df_resid, rel=1e-10) and res.scale > 1
    q, p = (res.rate_ratio(model=m) for m in ("quasi-poisson", "poisson"))
    assert q["se"] == pytest.approx(p["se"] * math.sqrt(res.scale), rel=1e-8)


def test_t_versus_z_on_a_short_series():
    data = simulate_series(years_before=5, years_after=5, baseline_rate=30, level_rr=0.6, seed=2)
    t_res = fit_its(data, data.attrs["interventions"], sensitivity=False)
    z_res = fit_its(data, data.attrs["interventions"], reference_distribution="z", sensitivity=False)
    t_row, z_row = t_res.rate_ratio(), z_res.rate_ratio()
    assert t_res.df_resid == 7 and t_row["df"] == 7 and math.isinf(z_row["df"])
    assert t_row["lower"] < z_row["lower"] and t_row["upper"] > z_row["upper"]
    stat = t_row["coef"] / t_row["se"]
    assert t_row["p_value"] == pytest.approx(2 * stats.t.sf(abs(stat), 7), rel=1e-10)
    assert z_row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(stat)), rel=1e-10)
    # Plain Poisson (scale fixed at 1) always uses z.
    assert t_res.rate_ratio(model="poisson")["reference_distribution"] == "z"


def test_negative_binomial_alpha_is_estimated_not_one():
    data = simulate_series(
        years_before=5, years_after=5, baseline_rate=40, level_rr=0.8, nb_alpha=0.3, frequency="month", seed=11
    ).drop(columns="expected")
    res = fit_its(data, data.attrs["interventions"], slope_change=False)
    assert 0.15 < res.nb_alpha < 0.5, res.nb_alpha
    assert abs(res.nb_alpha - 1) > 0.4
    nb = res.rate_ratio(model="negative-binomial (sensitivity)")
    assert 0.6 < nb["rate_ratio"] < 1.0
    assert not res.rate_ratios.query("model == 'negative-binomial (sensitivity)'")["headline"].any()


def test_hac_is_reported_with_its_caveat_on_short_series():
    data = simulate_series(years_before=6, years_after=6, baseline_rate=30, level_rr=0.7, seed=4)
    res = fit_its(data, data.attrs["interventions"], hac_maxlags=2)
    assert res.hac_maxlags == 2 and "short series" in res.hac_caveat
    assert any("HAC" in n and "unreliable" in n for n in english_notes(res))
    assert "poisson-HAC (sensitivity)" in set(res.rate_ratios["model"])


# ----------------------------------------------------------------------------------------------
# Data sufficiency and refusals
# ----------------------------------------------------------------------------------------------

NGOC_LU = {"model_2018": 2018, "model_2022": 2022}


def test_article_has_no_series_so_the_model_is_refused_with_what_to_collect():
    verdict = check_sufficiency([], NGOC_LU, outcome="new drug addicts")
    assert verdict.status == "refuse"
    assert verdict.years_present == ()
    msg = verdict.message
    assert "Collect yearly counts of new drug addicts for at least 2015–2024" in msg
    for piece in ("2015–2017 before", "2018–2020 after", "2019–2021 before", "2022–2024 after"):
        assert piece in msg, piece
    first, second = verdict.interventions
    assert first.missing_before == ("2015", "2016", "2017") and second.missing_after == ("2022", "2023", "2024")
    assert json.loads(json.dumps(verdict.to_dict()))["status"] == "refuse"


def test_fit_its_refuses_below_three_points_and_names_the_missing_years():
    data = pd.DataFrame({"year": [2016, 2017, 2018, 2019, 2020], "count": [4, 5, 3, 2, 2]})
    with pytest.raises(InsufficientDataError) as info:
        fit_its(data, {"model_2018": 2018}, outcome="new drug addicts")
    err = info.value
    assert isinstance(err, ValueError)
    assert err.verdict.status == "refuse"
    assert err.verdict.interventions[0].points_before == 2
    assert err.verdict.interventions[0].missing_before == ("2015",)
    assert "missing at least 2015 before" in str(err)
    assert "Collect yearly counts of new drug addicts for at least 2015" in str(err)


def test_two_interventions_count_the_points_between_them():
    years = list(range(2014, 2026))
    verdict = check_sufficiency(years, NGOC_LU)
    first, second = verdict.interventions
    assert (first.points_before, first.points_after) == (4, 4)  # after the first stops at 2021
    assert (second.points_before, second.points_after) == (4, 4)  # before the second starts at 2018
    assert verdict.status == "warn"
    close = check_sufficiency(years, {"a": 2018, "b": 2020})
    assert close.status == "refuse" and "analyse them as one intervention" in close.message


def test_warn_between_three_and_seven_points_and_ok_from_eight():
    data = simulate_series(years_before=3, years_after=4, baseline_rate=20, seed=1)
    res = fit_its(data, data.attrs["interventions"], sensitivity=False)
    assert res.verdict.status == "warn"
    assert any(n.startswith("Fitted with a warning") for n in english_notes(res))
    ok = simulate_series(years_before=8, years_after=8, baseline_rate=20, seed=1)
    assert fit_its(ok, ok.attrs["interventions"], sensitivity=False).verdict.status == "ok"


def test_level_only_by_default_below_twelve_points():
    short = simulate_series(years_before=5, years_after=6, seed=3)
    res = fit_its(short, short.attrs["interventions"], sensitivity=False)
    assert not res.slope_change and set(res.rate_ratios["kind"]) == {"level"}
    assert any("Level change only" in n for n in english_notes(res))
    long = simulate_series(years_before=6, years_after=6, seed=3)
    res = fit_its(long, long.attrs["interventions"], sensitivity=False)
    assert res.slope_change and set(res.rate_ratios["kind"]) == {"level", "slope"}
    forced = fit_its(short, short.attrs["interventions"], slope_change=True, sensitivity=False)
    assert forced.slope_change


def test_rank_deficient_design_is_refused():
    # Monthly data observed only in January: the harmonics are constant, collinear with the intercept.
    data = pd.DataFrame({"year": range(2000, 2012), "month": 1, "count": [10, 12, 9, 11, 10, 12, 8, 7, 8, 9, 7, 8]})
    with pytest.raises(InsufficientDataError, match="rank deficient"):
        fit_its(data, {"x": 2006}, harmonics=1, slope_change=False)


def test_all_zero_counts_are_refused():
    data = pd.DataFrame({"year": range(2010, 2020), "count": 0})
    with pytest.raises(InsufficientDataError, match="every count is zero"):
        fit_its(data, {"x": 2015})


def test_separation_gets_a_profile_likelihood_interval_and_the_likelihood_ratio_test():
    """No events after the start (what "no new addicts arose" would look like in a series)."""
    data = pd.DataFrame({"year": range(2010, 2020), "count": [3, 5, 4, 6, 4, 0, 0, 0, 0, 0]})
    res = fit_its(data, {"x": 2015})
    assert any("Separation" in n for n in english_notes(res))
    for model in ("quasi-poisson", "poisson"):
        row = res.rate_ratio(model=model)
        assert row["separated"] and row["status"] == "boundary"
        assert row["interval_method"] == "one-sided profile likelihood (MLE on the boundary)"
        assert math.isnan(row["rate_ratio"]) and row["limit"] == "0" and row["lower"] == 0.0 and 0 < row["upper"] < 1
        assert math.isnan(row["p_value"])  # Wald is meaningless here (Hauck–Donner)
        assert row["lr_p_value"] < 0.05  # the deviance test sees the drop
    # The profile bound: refitting with the level fixed at log(upper), the deviance rises by exactly the
    # critical value (chi2(1) for Poisson; scale * F(1, df) for quasi-Poisson with the t reference).
    glm = res.fitted["poisson"]
    x = res.fitted["prepared"].exog
    for model, critical in (
        ("poisson", stats.chi2.ppf(0.95, 1)),
        ("quasi-poisson", res.scale * stats.f.ppf(0.95, 1, res.df_resid)),
    ):
        b = math.log(res.rate_ratio(model=model)["upper"])
        refit = sm.GLM(
            data["count"], x.drop(columns="level_x"), family=sm.families.Poisson(), offset=b * x["level_x"]
        ).fit()
        assert refit.deviance - glm.deviance == pytest.approx(critical, rel=1e-6)
    # Sensitivity models give no interval rather than a meaningless one (the negative binomial does not
    # converge here: its rows say so and carry no numbers).
    nb_or_hac = res.rate_ratios[~res.rate_ratios["model"].isin(["poisson", "quasi-poisson"])]
    assert nb_or_hac["separated"].all() and nb_or_hac["lower"].isna().all()
    assert set(nb_or_hac["status"]) <= {"boundary", "did not converge"}
    assert res.rate_ratio(model="poisson-HAC (sensitivity)")["limit"] == "0"
    json.dumps(res.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    "bad,match",
    [
        (pd.DataFrame({"year": [2010, 2010, 2011], "count": [1, 2, 3]}), "more than one row"),
        (pd.DataFrame({"year": [2010, 2011], "count": [1, -2]}), "non-negative"),
        (pd.DataFrame({"year": [2010, 2011], "n": [1, 2]}), "no column 'count'"),
        (pd.DataFrame({"year": [2010, 2011], "count": [1.5, 2]}), "whole counts"),
    ],
)
def test_bad_series_are_rejected(bad, match):
    with pytest.raises(ValueError, match=match):
        fit_its(bad, {"x": 2011})


def test_option_checks():
    data = simulate_series(seed=0)
    with pytest.raises(ValueError, match="harmonics need monthly"):
        fit_its(data, data.attrs["interventions"], harmonics=1)
    with pytest.raises(ValueError, match="family"):
        fit_its(data, data.attrs["interventions"], family="negative-binomial")
    with pytest.raises(ValueError, match="offset column"):
        fit_its(data, data.attrs["interventions"], offset_column="people")
    with pytest.raises(ValueError, match="integer"):
        fit_its(data, {"x": (2008, 1)})  # (year, month) only for monthly data


def test_monthly_sufficiency_labels_months():
    years = [2004] * 12 + [2005] * 2
    months = list(range(1, 13)) + [1, 2]
    verdict = check_sufficiency(years, {"ban": (2005, 1)}, months=months)
    assert verdict.status == "refuse" and verdict.interventions[0].missing_after == ("2005-03",)
    assert "monthly" in verdict.message


def test_two_interventions_are_fitted():
    data = simulate_series(years_before=6, years_after=12, baseline_rate=40, level_rr=0.7, seed=8)
    res = fit_its(data, {"first": 2006, "second": 2012}, slope_change=False, sensitivity=False)
    assert list(res.headline["intervention"]) == ["first", "second"]
    assert res.rate_ratio("first")["rate_ratio"] < 1


def test_result_to_dict_is_plain_json():
    data = simulate_series(years_before=6, years_after=6, seed=9)
    d = fit_its(data, data.attrs["interventions"]).to_dict()
    back = json.loads(json.dumps(d, allow_nan=False))
    assert "fitted" not in back and back["family"] == "quasi-poisson"
    assert isinstance(back["rate_ratios"], list) and isinstance(back["predictions"], list)
    assert back["verdict"]["status"] == "warn"


# ----------------------------------------------------------------------------------------------
# Naive before/after versus the segmented model
# ----------------------------------------------------------------------------------------------


def test_naive_before_after_is_biased_under_a_trend_and_the_segmented_model_is_not():
    naive, segmented = [], []
    for seed in range(40):
        data = simulate_series(years_before=8, years_after=8, baseline_rate=200, level_rr=1.0, trend_rr=0.9, seed=seed)
        naive.append(math.log(naive_before_after(data, 2008).rate_ratio))
        segmented.append(
            math.log(
                fit_its(data, data.attrs["interventions"], slope_change=False, sensitivity=False).rate_ratio()[
                    "rate_ratio"
                ]
            )
        )
    # Truth: no effect (log RR 0). The naive ratio sees the trend: about 8 * log(0.9) = -0.84.
    assert np.mean(naive) < -0.7
    assert abs(np.mean(segmented)) < 0.03
    assert "biased" in naive_before_after(data, 2008).note


def test_gaps_are_noted_and_keep_calendar_time():
    data = simulate_series(years_before=6, years_after=6, seed=12)
    gappy = data[data["year"] != 2002].drop(columns="expected")
    res = fit_its(gappy, gappy.attrs["interventions"], sensitivity=False)
    assert any("Gaps in the series (2002 missing)" in n for n in english_notes(res))
    assert res.predictions["time"].tolist() == [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert res.verdict.interventions[0].points_before == 5
