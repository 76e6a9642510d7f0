"""Method validation on simulated series: the simulation, the draws against ``fit_its``, the summaries with their
Monte Carlo SEs, reproducibility across worker counts, and the cache (simulated data only)."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from antt.models import validation as v
from antt.models.its import fit_its, naive_before_after
from antt.models.proportions import proportion_interval
from antt.models.validation import coverage_study, simulate_series, summarise_coverage

#: A scenario with so few events that fits are refused, on the boundary or not identified.
RARE = v.Scenario("rare", baseline_rate=0.4, years_before=4, years_after=4)
NUMERIC = [c for c in v.DRAW_COLUMNS if c not in ("sim", "status")]


def _part(scenario, level_rr, n_sim, engine, options=("quasi-poisson", "t", None), entropy=(11, 12), alpha=0.05):
    return v._Part("its", scenario, level_rr, alpha, n_sim, entropy, v._options(*options), engine)


def _draws(part):
    return v._frame(part, v._run_chunk(part, 0, part.n_sim))


# ---------------------------------------------------------------------------------------- simulation


def test_simulate_series_is_seeded_and_says_it_is_simulated():
    a = simulate_series(years_before=3, years_after=2, frequency="month", seasonal_amplitude=0.3, seed=4)
    b = simulate_series(years_before=3, years_after=2, frequency="month", seasonal_amplitude=0.3, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 60 and list(a.columns) == ["year", "month", "count", "expected"]
    assert a.attrs == {"interventions": {"simulated_intervention": 2003}, "simulated": True}
    assert a.loc[a["year"] == 2003, "month"].tolist() == list(range(1, 13))


def test_simulate_series_effects():
    s = simulate_series(years_before=2, years_after=2, baseline_rate=10, level_rr=0.5, trend_rr=2.0)
    np.testing.assert_allclose(s["expected"], [10 / 4, 10 / 2, 5, 10])
    zero = simulate_series(years_before=3, years_after=3, level_rr=0.0, seed=1)
    assert (zero.loc[zero["year"] >= 2003, "count"] == 0).all()
    pop = simulate_series(years_before=2, years_after=1, population=1000, population_growth=0.1, seed=1)
    np.testing.assert_allclose(pop["population"], 1000 * 1.1 ** np.array([-2, -1, 0]))


def _pooled(scenario_kwargs, n=1500):
    frames = [simulate_series(**scenario_kwargs, seed=np.random.SeedSequence(7, spawn_key=(i,))) for i in range(n)]
    return frames, np.array([f["count"].to_numpy() for f in frames], dtype=float)


def test_negative_binomial_counts_have_the_set_variance():
    _, counts = _pooled({"years_before": 4, "years_after": 4, "baseline_rate": 20.0, "nb_alpha": 0.15})
    mean, var = counts.mean(), counts.var(ddof=1)
    assert mean == pytest.approx(20.0, rel=0.02)
    assert var == pytest.approx(20.0 + 0.15 * 20.0**2, rel=0.08)  # mu + alpha mu^2 = 80, not 20 (Poisson)
    _, poisson = _pooled({"years_before": 4, "years_after": 4, "baseline_rate": 20.0})
    assert poisson.var(ddof=1) == pytest.approx(20.0, rel=0.05)


def test_ar1_noise_has_the_set_autocorrelation_and_keeps_the_mean():
    kwargs = {"years_before": 10, "years_after": 10, "baseline_rate": 20.0, "ar_rho": 0.5, "ar_sd": 0.2}
    frames, counts = _pooled(kwargs, n=800)
    noise = np.array([f["log_rate_noise"].to_numpy() for f in frames])
    assert noise.std() == pytest.approx(0.2, rel=0.05)  # stationary from the first year on
    assert noise[:, 0].std() == pytest.approx(0.2, rel=0.1)
    lag1 = np.corrcoef(noise[:, :-1].ravel(), noise[:, 1:].ravel())[0, 1]
    assert lag1 == pytest.approx(0.5, abs=0.05)
    lag2 = np.corrcoef(noise[:, :-2].ravel(), noise[:, 2:].ravel())[0, 1]
    assert lag2 == pytest.approx(0.25, abs=0.05)
    assert counts.mean() == pytest.approx(20.0, rel=0.02)  # exp(e - sd^2/2) has mean 1: the expected count holds
    # Without AR noise nothing changes: no column, and the same draws as before the option existed.
    plain = simulate_series(years_before=3, years_after=3, seed=5)
    assert "log_rate_noise" not in plain and plain.attrs == {
        "interventions": {"simulated_intervention": 2003},
        "simulated": True,
    }
    np.testing.assert_array_equal(plain["count"], np.random.default_rng(5).poisson(plain["expected"]))


def test_pre_existing_trend_scenario_falls_by_the_set_rate_ratio():
    sc = v.default_scenarios(trend_rr=0.93)[-1]
    assert sc.name == "pre_existing_trend" and sc.trend_rr == 0.93
    one = sc.simulate(1.0, 3)
    np.testing.assert_allclose(one["expected"].to_numpy()[1:] / one["expected"].to_numpy()[:-1], 0.93)
    counts = np.array([sc.counts(1.0, np.random.SeedSequence(3, spawn_key=(i,))) for i in range(1500)])
    slope = np.polyfit(np.arange(counts.shape[1]), np.log(counts.mean(axis=0)), 1)[0]
    assert math.exp(slope) == pytest.approx(0.93, abs=0.005)


def test_scenario_counts_are_the_simulated_series_counts():
    for sc in v.DEFAULT_SCENARIOS + (RARE,):
        seed = np.random.SeedSequence(9, spawn_key=(4,))
        np.testing.assert_array_equal(sc.counts(0.7, seed), sc.simulate(0.7, seed)["count"].to_numpy())


def test_default_scenarios_cover_the_issue():
    names = [s.name for s in v.DEFAULT_SCENARIOS]
    assert names == ["low_counts", "moderate_counts", "overdispersed", "autocorrelated", "pre_existing_trend"]
    low, moderate, over, auto, trend = v.DEFAULT_SCENARIOS
    assert low.baseline_rate == 2 and moderate.baseline_rate == 20 and 0.1 <= over.nb_alpha <= 0.2
    assert auto.ar_rho == 0.5 and auto.ar_sd > 0 and trend.trend_rr < 1
    with pytest.raises(ValueError, match="ar_rho"):
        v.Scenario("bad", ar_rho=1.0)
    with pytest.raises(ValueError, match="unique"):
        v.validation_study([moderate, moderate], n_sim=5, workers=1)


# ---------------------------------------------------------------------------------------- draws against fit_its


@pytest.mark.parametrize("scenario", v.DEFAULT_SCENARIOS + (v.REFERENCE_SCENARIO,), ids=lambda s: s.name)
def test_fast_engine_reproduces_fit_its(scenario):
    """The vectorised IRLS follows statsmodels' steps: the draws equal those of ``fit_its`` itself."""
    for level_rr in (0.7, 1.0):
        fast, slow = _draws(_part(scenario, level_rr, 25, "fast")), _draws(_part(scenario, level_rr, 25, "fit_its"))
        assert (fast["status"] == slow["status"]).all()
        np.testing.assert_allclose(fast[NUMERIC].to_numpy(), slow[NUMERIC].to_numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "options",
    [
        ("quasi-poisson", "t", None),
        pytest.param(("quasi-poisson", "z", None), marks=pytest.mark.slow),
        pytest.param(("poisson", "t", False), marks=pytest.mark.slow),
    ],
)
def test_fast_engine_hands_separated_and_refused_series_to_fit_its(options):
    fast, slow = _draws(_part(RARE, 0.3, 8, "fast", options)), _draws(_part(RARE, 0.3, 8, "fit_its", options))
    pd.testing.assert_frame_equal(fast, slow, rtol=1e-9)
    assert {"estimated", "boundary", "refused"} <= set(slow["status"])


def test_a_boundary_draw_reports_the_likelihood_ratio_test_of_fit_its():
    """At the boundary the test as reported is fit_its's likelihood-ratio one (F with t, chi2 with z)."""
    options = dict(v._options("quasi-poisson", "t", None))
    for i in (1, 6):  # estimates at 0 and at inf (see the rare draws with entropy (11, 12))
        seed = np.random.SeedSequence((11, 12), spawn_key=(i,))
        row = dict(zip(v.DRAW_COLUMNS, v._its_draw(RARE, 0.3, 0.05, options, seed, i)))
        series = RARE.simulate(0.3, seed)
        t_ref, z_ref = (
            fit_its(
                series[["year", "count"]], series.attrs["interventions"], sensitivity=False, reference_distribution=ref
            ).rate_ratio(kind="level")
            for ref in ("t", "z")
        )
        assert row["status"] == t_ref["status"] == "boundary" and math.isnan(t_ref["p_value"])
        assert (row["lower"], row["upper"]) == (t_ref["lower"], t_ref["upper"])
        assert row["p_value"] == pytest.approx(t_ref["lr_p_value"], rel=1e-12)
        assert row["p_value_z"] == pytest.approx(z_ref["lr_p_value"], rel=1e-9)


def test_a_draw_is_the_headline_fit_of_its_series():
    sc, seed = v.DEFAULT_SCENARIOS[1], np.random.SeedSequence((11, 12), spawn_key=(3,))
    row = dict(zip(v.DRAW_COLUMNS, v._its_draw(sc, 0.7, 0.05, dict(v._options("quasi-poisson", "t", None)), seed, 3)))
    series = sc.simulate(0.7, seed)
    head = fit_its(series[["year", "count"]], series.attrs["interventions"], sensitivity=False).rate_ratio(kind="level")
    z = fit_its(
        series[["year", "count"]], series.attrs["interventions"], sensitivity=False, reference_distribution="z"
    ).rate_ratio(kind="level")
    assert (row["estimate"], row["lower"], row["upper"], row["p_value"]) == pytest.approx(
        (head["rate_ratio"], head["lower"], head["upper"], head["p_value"]), rel=1e-12
    )
    assert row["p_value_z"] == pytest.approx(z["p_value"], rel=1e-12)


def test_unfloored_columns_differ_only_where_the_floor_acts():
    draws = _draws(_part(v.DEFAULT_SCENARIOS[1], 0.7, 200, "fast"))
    over = draws["pearson_dispersion"] >= 1
    assert 0.2 < over.mean() < 0.8  # Poisson counts: X2/df falls on either side of 1
    for a, b in (("lower", "lower_unfloored"), ("upper", "upper_unfloored"), ("p_value", "p_value_unfloored")):
        np.testing.assert_allclose(draws.loc[over, a], draws.loc[over, b], rtol=1e-12)
    under = draws[~over]
    assert (under["scale"] == 1).all()
    assert (under["lower_unfloored"] > under["lower"]).all() and (under["upper_unfloored"] < under["upper"]).all()
    assert (under["p_value_unfloored"] < under["p_value"]).all()
    np.testing.assert_allclose(draws["scale"], np.maximum(1, draws["pearson_dispersion"]))


def test_naive_ratio_is_naive_before_after():
    sc = v.TREND_BIAS_SCENARIO
    for i in range(5):
        seed = np.random.SeedSequence(1, spawn_key=(i,))
        series = sc.simulate(1.0, seed)
        expected = naive_before_after(series, series.attrs["interventions"]["simulated_intervention"]).rate_ratio
        assert v._naive_rate_ratio(sc, seed) == pytest.approx(expected, rel=1e-14)


# ---------------------------------------------------------------------------------------- summaries


def test_summarise_coverage_counts_not_identified_boundary_and_refused_rows():
    study = pd.DataFrame(
        {
            "sim": [0, 1, 2, 3, 4],
            "true_rr": 0.7,
            "status": ["estimated", "boundary", "not identified", "refused", "estimated"],
            "estimate": [0.8, 0.0, math.nan, math.nan, 0.5],
            "lower": [0.5, 0.0, 0.0, math.nan, 0.2],
            "upper": [1.2, 0.4, math.inf, math.nan, 0.6],
            "fitted": [True, True, True, False, True],
        }
    )
    study["covered"] = v.covered(study, 0.7)
    assert study["covered"].tolist() == [True, False, True, False, False]
    out = summarise_coverage(study)
    assert out["coverage"] == 0.4 and out["coverage_se"] == pytest.approx(math.sqrt(0.4 * 0.6 / 5))
    assert out["n_fitted"] == 4 and out["n_refused"] == 1 and out["n_not_identified"] == 1 and out["n_boundary"] == 1
    # Only finite, positive estimates enter the log bias (never log(0) or log(NaN)).
    assert out["mean_log_rr_bias"] == pytest.approx((math.log(0.8 / 0.7) + math.log(0.5 / 0.7)) / 2)
    assert math.isfinite(out["median_estimate"])


def test_coverage_study_on_rare_events_summarises_every_status():
    study = coverage_study(n_sim=20, true_rr=0.3, years_before=4, years_after=4, baseline_rate=0.4, seed=5)
    assert {"estimated", "boundary", "not identified", "refused"} <= set(study["status"])
    assert not study.loc[study["status"] == "refused", "covered"].any()
    assert study.loc[study["status"] == "not identified", "covered"].all()
    out = summarise_coverage(study)
    assert math.isfinite(out["mean_log_rr_bias"]) and out["n_sim"] == 20
    assert out["n_refused"] == int((study["status"] == "refused").sum()) > 0


def test_level_rate_ratio_interval_covers_the_truth_in_200_simulated_series():
    study = coverage_study(n_sim=200, true_rr=0.7, years_before=8, years_after=8, baseline_rate=20, seed=20240101)
    assert len(study) == 200 and study["fitted"].all()
    summary = summarise_coverage(study)
    assert summary["coverage"] >= 0.90, summary
    assert abs(summary["mean_log_rr_bias"]) < 0.05
    again = coverage_study(n_sim=5, true_rr=0.7, seed=20240101)
    pd.testing.assert_frame_equal(again, study.head(5))


def test_mc_rate_formula():
    r = v.mc_rate(95, 100)
    ci = proportion_interval(95, 100)
    assert (r["rate"], r["lower"], r["upper"]) == (0.95, ci.lower, ci.upper)
    assert r["mc_se"] == pytest.approx(math.sqrt(0.95 * 0.05 / 100), rel=1e-14)
    assert math.isnan(v.mc_rate(0, 0)["rate"])


def test_small_validation_study_has_the_promised_columns_and_mc_ses():
    study = v.validation_study(n_sim=60, workers=1)
    s = study.summary
    assert s["scenario"].tolist() == [sc.name for sc in v.DEFAULT_SCENARIOS]
    for col in (
        "coverage",
        "coverage_se",
        "coverage_lower",
        "coverage_upper",
        "coverage_unfloored",
        "coverage_unfloored_se",
        "false_positive_rate",
        "false_positive_se",
        "false_positive_unfloored",
        "false_positive_unfloored_se",
        "false_positive_z",
        "share_floored",
        "n_refused",
        "n_not_identified",
        "n_boundary",
        "n_not_converged",
        "n_fits",
    ):
        assert col in s, col
    assert (s["n_sim"] == 60).all() and (s["n_fits"] == 120).all()
    for rate, se in (
        ("coverage", "coverage_se"),
        ("coverage_unfloored", "coverage_unfloored_se"),
        ("false_positive_rate", "false_positive_se"),
        ("false_positive_unfloored", "false_positive_unfloored_se"),
    ):
        np.testing.assert_allclose(s[se], np.sqrt(s[rate] * (1 - s[rate]) / 60), rtol=1e-12)
    draws = study.draws
    cov = draws[(draws["scenario"] == "moderate_counts") & (draws["purpose"] == "coverage")]
    assert s.set_index("scenario").loc["moderate_counts", "coverage"] == v.covered(cov, 0.7).mean()
    fp = draws[(draws["scenario"] == "moderate_counts") & (draws["purpose"] == "false_positive")]
    assert s.set_index("scenario").loc["moderate_counts", "false_positive_rate"] == (fp["p_value"] < 0.05).mean()
    assert study.reference["reference_distribution"].tolist() == ["t", "z"]
    assert (study.reference["n_sim"] == 60).all() and list(study.trend_bias["n_sim"]) == [60, 60]
    # The first draws do not depend on n_sim.
    fewer = v.validation_study(n_sim=30, workers=1)
    pd.testing.assert_frame_equal(
        fewer.draws.reset_index(drop=True),
        draws.groupby(["scenario", "purpose"], sort=False).head(30).reset_index(drop=True),
    )


def test_results_are_identical_with_one_and_two_workers():
    scenarios = v.DEFAULT_SCENARIOS[:2]  # CHUNK = 100: two chunks per part, 12 tasks over the pool
    one = v.validation_study(scenarios, n_sim=150, workers=1)
    two = v.validation_study(scenarios, n_sim=150, workers=2)
    pd.testing.assert_frame_equal(one.draws, two.draws, check_exact=True)
    pd.testing.assert_frame_equal(one.summary, two.summary, check_exact=True)
    pd.testing.assert_frame_equal(one.trend_bias, two.trend_bias, check_exact=True)


# ---------------------------------------------------------------------------------------- report words


def test_findings_and_tables_of_a_small_study(tmp_path):
    from antt.analyses import validation as analysis
    from antt.reporting import results

    study = v.validation_study(n_sim=40, workers=1)
    summary = analysis.findings(study, "Refused: too short.", "figures/x.png")
    assert summary["simulated"] is True and summary["coverage"]["scenario"] == "moderate_counts"
    assert all(line.startswith("Simulated") for line in summary["headline"]["en"])
    assert all(line.startswith("Mô phỏng") for line in summary["headline"]["vi"])
    path = results.write("04_method_validation", summary, results_dir=tmp_path)
    written = json.loads(path.read_text(encoding="utf-8"))
    assert [r["scenario"] for r in written["scenarios"]] == [sc.name for sc in v.DEFAULT_SCENARIOS]
    for lang in ("vi", "en"):
        table = analysis.summary_table(study.summary, lang)
        assert len(table) == 5 and "{" not in table.to_string()
        for text in (
            analysis.floor_text(study.summary, 0.05, lang),
            analysis.caption(study, lang),
            analysis.nominal_text(study.summary, 0.05, lang),
        ):
            assert text and "{" not in text and "val_" not in text
        assert "±" in analysis.reference_table(study.reference, lang).to_string()
        assert "val_" not in analysis.trend_bias_table(study.trend_bias, lang).to_string()
