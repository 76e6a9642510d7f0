"""Simulation tools: vectorised IRLS against statsmodels, power, coverage (simulated data only)."""

import time

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from antt.models import coverage_study, level_drop_p_values, poisson_irls, simulate_power, simulate_series
from antt.models.validation import summarise_coverage


def test_vectorised_irls_matches_statsmodels_glm():
    rng = np.random.default_rng(3)
    n = 12
    t = np.arange(n, dtype=float)
    x = np.column_stack([np.ones(n), t, (t >= 6).astype(float)])
    y = rng.poisson(np.linspace(2, 30, n), size=(6, n))
    offset = np.log(np.linspace(1, 3, n))
    ours = poisson_irls(x, y, offset=offset)
    for i in range(len(y)):
        glm = sm.GLM(y[i], x, family=sm.families.Poisson(), offset=offset).fit()
        np.testing.assert_allclose(ours["params"][i], glm.params, rtol=1e-7, atol=1e-9)
        assert ours["deviance"][i] == pytest.approx(glm.deviance, rel=1e-8, abs=1e-10)
        assert ours["pearson_chi2"][i] == pytest.approx(glm.pearson_chi2, rel=1e-7)
    assert ours["converged"].all()


def test_irls_under_separation_has_the_statsmodels_deviance():
    y = np.array([[3, 5, 4, 6, 2, 0, 0, 0, 0, 0]])
    t = np.arange(10.0)
    x = np.column_stack([np.ones(10), t, (t >= 5).astype(float)])
    ours = poisson_irls(x, y)
    glm = sm.GLM(y[0], x, family=sm.families.Poisson()).fit()
    assert ours["deviance"][0] == pytest.approx(glm.deviance, abs=1e-6)
    assert ours["params"][0, 2] < -15 and glm.params[2] < -15


def test_likelihood_ratio_detects_a_complete_drop_where_wald_cannot():
    y = np.array([[3, 5, 4, 6, 2, 0, 0, 0, 0, 0], [3, 5, 4, 6, 2, 4, 3, 5, 4, 6], [0] * 10])
    res = level_drop_p_values(y, 5, test="poisson")
    assert res["p_value"][0] < 0.001
    assert res["p_value"][1] > 0.2
    assert res["p_value"][2] == 1.0  # no events at all: nothing to detect
    increase = level_drop_p_values(np.array([[2, 3, 2, 3, 2, 9, 10, 9, 10, 9]]), 5)
    assert increase["p_value"][0] > 0.5  # one-sided: an increase is not a drop


def test_power_is_deterministic_and_has_the_promised_columns():
    kwargs = dict(baseline_rates=(5,), relative_drops=(0.5,), years_each_side=(5,), n_sim=50, seed=1)
    a, b = simulate_power(**kwargs), simulate_power(**kwargs)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["baseline_rate", "relative_drop", "years_before", "years_after", "power", "n_sim",
                               "mc_se"]
    p = a["power"].iloc[0]
    assert a["mc_se"].iloc[0] == pytest.approx(np.sqrt(p * (1 - p) / 50))


@pytest.mark.slow
def test_power_increases_with_years_and_effect_size_and_the_default_grid_is_fast():
    start = time.perf_counter()
    grid = simulate_power(seed=2024)
    elapsed = time.perf_counter() - start
    assert elapsed < 60, elapsed
    assert len(grid) == 4 * 4 * 5 and (grid["n_sim"] == 200).all()
    by_years = grid.groupby("years_before")["power"].mean()
    assert by_years.is_monotonic_increasing
    by_drop = grid.groupby("relative_drop")["power"].mean()
    assert by_drop.is_monotonic_increasing
    by_rate = grid.groupby("baseline_rate")["power"].mean()
    assert by_rate.is_monotonic_increasing
    cell = grid.set_index(["baseline_rate", "relative_drop", "years_before"])["power"]
    assert cell[(10.0, 1.0, 10)] > 0.95  # ten event-free years after ten years of about 10 a year
    assert cell[(1.0, 0.25, 3)] < 0.1  # a small drop in a rare event is invisible in a few years
    # Each power is within Monte Carlo error of 0..1 and nominal-size-ish when nothing could be detected.
    assert grid["power"].between(0, 1).all()


@pytest.mark.slow
def test_level_rate_ratio_interval_covers_the_truth_in_200_simulated_series():
    study = coverage_study(n_sim=200, true_rr=0.7, years_before=8, years_after=8, baseline_rate=20, seed=20240101)
    assert len(study) == 200 and study["fitted"].all()
    summary = summarise_coverage(study)
    assert summary["coverage"] >= 0.90, summary
    assert abs(summary["mean_log_rr_bias"]) < 0.05
    again = coverage_study(n_sim=5, true_rr=0.7, seed=20240101)
    pd.testing.assert_frame_equal(again, study.head(5))


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
