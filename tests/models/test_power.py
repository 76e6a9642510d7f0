"""Power of the headline interrupted time series (simulated data only): the design is fit_its's, the
vectorised decision is fit_its's headline decision, the simulation matches an analytic Wald reference."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from antt.models.its import AUTO_SLOPE_MIN_POINTS, fit_its
from antt.models.power import (
    Design,
    Scenario,
    design_matrix,
    detect_drops,
    detection_power,
    minimum_detectable_drop,
    poisson_irls,
    power_table,
    simulate_counts,
    wald_power,
)
from antt.models.sufficiency import InsufficientDataError

NGOC_LU = {"A": 2018, "B": 2022}  # two interventions four years apart, as in the Ngọc Lũ series


def _series(design: Design, counts) -> pd.DataFrame:
    return pd.DataFrame({"year": design.years, "count": np.asarray(counts, dtype=int)})


# ------------------------------------------------------------------------------------------
# Vectorised IRLS
# ------------------------------------------------------------------------------------------


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
        # statsmodels takes the covariance from the weights of its last-but-one iterate: agreement to ~1e-6
        np.testing.assert_allclose(np.linalg.inv(ours["xtwx"][i]), glm.cov_params(), rtol=1e-5)
    assert ours["converged"].all()


def test_irls_under_separation_has_the_statsmodels_deviance():
    y = np.array([[3, 5, 4, 6, 2, 0, 0, 0, 0, 0]])
    t = np.arange(10.0)
    x = np.column_stack([np.ones(10), t, (t >= 5).astype(float)])
    ours = poisson_irls(x, y)
    glm = sm.GLM(y[0], x, family=sm.families.Poisson()).fit()
    assert ours["deviance"][0] == pytest.approx(glm.deviance, abs=1e-6)
    assert ours["params"][0, 2] < -15 and glm.params[2] < -15


# ------------------------------------------------------------------------------------------
# The design is the one fit_its fits
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("last_year", [2020, 2024])
def test_design_matrix_and_slope_rule_are_fit_its_own(last_year):
    design = Design(2012, last_year, NGOC_LU if last_year == 2024 else {"A": 2016})
    counts = np.random.default_rng(1).poisson(5, design.n_years)
    result = fit_its(_series(design, counts), design.interventions, sensitivity=False, offset_column=None, light=True)
    pd.testing.assert_frame_equal(design_matrix(design), result.fitted["prepared"].exog)
    assert design.slopes == result.slope_change == (design.n_years >= AUTO_SLOPE_MIN_POINTS)
    assert design.df_resid == result.df_resid


def test_vectorised_decision_reproduces_the_fit_its_headline():
    """~30 series of the 2012–2024 design with interventions in 2018 and 2022, from rich to zero-after."""
    design = Design(2012, 2024, NGOC_LU)
    scenarios = [(10, 0.5), (3, 0.75), (2, 1.0), (1, 0.5), (1, 1.0)]
    counts = np.vstack(
        [simulate_counts(design, Scenario(rate, drop), n_sim=6, seed=7) for rate, drop in scenarios]
        + [np.zeros((1, design.n_years), dtype=int)]
    )
    ours = {target: detect_drops(counts, design, target) for target in design.interventions}
    statuses, zero_after = set(), 0
    for k, row in enumerate(counts):
        if row.sum() == 0:
            with pytest.raises(InsufficientDataError):
                fit_its(_series(design, row), design.interventions, sensitivity=False, offset_column=None)
            assert all(ours[t].loc[k, "status"] == "no events" and not ours[t].loc[k, "detected"] for t in ours)
            continue
        zero_after += int(row[design.years >= 2018].sum() == 0)
        fit = fit_its(_series(design, row), design.interventions, sensitivity=False, offset_column=None)
        headline = fit.headline.set_index("term")
        for target, decisions in ours.items():
            h, o = headline.loc[f"level_{target}"], decisions.loc[k]
            statuses.add(h["status"])
            assert o["status"] == h["status"], (k, target, row)
            p = h["p_value"] if h["status"] == "estimated" else h["lr_p_value"]
            assert o["p_headline"] == pytest.approx(p, rel=1e-3, abs=1e-9), (k, target, row)
            if h["status"] == "boundary":  # fit_its gives no estimate there, only the limit it runs to
                assert o["coef"] == (-np.inf if h["limit"] == "0" else np.inf), (k, target, row)
                drop = h["limit"] == "0"
            else:
                assert o["coef"] == pytest.approx(h["coef"], rel=1e-4, abs=1e-6) or (
                    np.isnan(o["coef"]) and np.isnan(h["coef"])
                )
                drop = h["rate_ratio"] < 1
            assert o["detected"] == bool(p < 0.05 and drop), (k, target, row)
    assert statuses == {"estimated", "boundary", "not identified"}
    assert zero_after >= 3


# ------------------------------------------------------------------------------------------
# Analytic reference
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("drop", [0.15, 0.2, 0.25])
def test_simulated_power_matches_the_wald_approximation_for_a_long_poisson_series(drop):
    """40 years, a single level change after 20, 50 cases a year: the two-sided Wald z test's power from the
    expected information is the large-sample reference; the simulation must be within 2 MC SE of it."""
    design = Design(1990, 2029, {"X": 2010}, slope_change=False, family="poisson")
    reference = wald_power(design, 50, drop)
    assert 0.3 <= reference <= 0.95
    res = detection_power(design, 50, drop, n_sim=4000, seed=1)
    assert abs(res.power - reference) <= 2 * res.mc_se, (res.power, reference, res.mc_se)


def test_wald_power_has_size_alpha_without_an_effect_and_refuses_a_complete_drop():
    design = Design(1990, 2029, {"X": 2010}, slope_change=False, family="poisson")
    assert wald_power(design, 50, 0.0, alpha=0.05) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="relative_drop < 1"):
        wald_power(design, 50, 1.0)


# ------------------------------------------------------------------------------------------
# Tables: Monte Carlo error, determinism, direction of the effects
# ------------------------------------------------------------------------------------------


def test_power_table_has_small_mc_error_is_deterministic_and_cells_are_independent():
    designs = [Design(2012, last, NGOC_LU) for last in (2024, 2027)]
    table = power_table(designs, [5, 10], [0.75, 1.0], intervention="A", seed=3)
    assert len(table) == 8 and table["simulated"].all() and (table["n_sim"] == 2500).all()
    for col in (
        "first_year",
        "last_year",
        "n_years",
        "intervention",
        "baseline_rate",
        "relative_drop",
        "dispersion",
        "ar1_rho",
        "power",
        "mc_se",
        "n_sim",
        "simulated",
    ):
        assert col in table.columns
    np.testing.assert_allclose(table["mc_se"], np.sqrt(table["power"] * (1 - table["power"]) / table["n_sim"]))
    near_threshold = table[table["power"].between(0.7, 0.9)]
    assert len(near_threshold) >= 1 and (near_threshold["mc_se"] <= 0.01).all()
    assert (table["mc_se"] <= 0.01).all()
    pd.testing.assert_frame_equal(table, power_table(designs, [5, 10], [0.75, 1.0], intervention="A", seed=3))
    bigger = power_table(designs, [5, 10], [0.5, 0.75, 1.0], intervention="A", seed=3)  # a drop added
    key = ["last_year", "baseline_rate", "relative_drop"]
    merged = table.merge(bigger, on=key, suffixes=("", "_bigger"))
    assert len(merged) == len(table)
    np.testing.assert_array_equal(merged["power"], merged["power_bigger"])
    other_seed = power_table(designs[0], [10], [0.75], intervention="A", seed=4)
    assert other_seed["power"].iloc[0] != table.set_index(key)["power"].loc[(2024, 10.0, 0.75)]


def test_overdispersion_and_autocorrelation_lower_power():
    design = Design(2008, 2024, NGOC_LU, slope_change=False)
    plain = detection_power(design, 20, 0.5, seed=5)
    over = detection_power(design, 20, 0.5, dispersion=0.3, seed=5)
    ar = detection_power(design, 20, 0.5, ar1_rho=0.6, ar1_sd=0.4, seed=5)
    assert plain.power > 0.5
    for worse in (over, ar):
        assert plain.power - worse.power > 3 * math.hypot(plain.mc_se, worse.mc_se), (plain.power, worse.power)


def test_power_rises_with_baseline_rate_and_drop():
    design = Design(2008, 2024, NGOC_LU)
    table = power_table(design, [1, 3, 10, 30], [0.25, 0.5, 0.75], intervention="A", n_sim=1000, seed=8)
    grid = table.pivot(index="baseline_rate", columns="relative_drop", values="power")
    se = table.pivot(index="baseline_rate", columns="relative_drop", values="mc_se")
    slack = 3 * np.sqrt(se.to_numpy()[1:] ** 2 + se.to_numpy()[:-1] ** 2)
    assert (np.diff(grid.to_numpy(), axis=0) >= -slack).all()  # down the rates
    slack = 3 * np.sqrt(se.to_numpy()[:, 1:] ** 2 + se.to_numpy()[:, :-1] ** 2)
    assert (np.diff(grid.to_numpy(), axis=1) >= -slack).all()  # across the drops
    assert grid.iloc[-1, -1] > 0.9 and grid.iloc[0, 0] < 0.1


def test_minimum_detectable_drop_is_the_first_grid_drop_reaching_the_target():
    design = Design(2012, 2030, NGOC_LU)
    mde = minimum_detectable_drop(design, 10, intervention="A", seed=2)
    assert mde.relative_drop is not None and mde.power >= 0.8 and mde.mc_se <= 0.01
    evaluated = dict(mde.evaluated)
    below = round(mde.relative_drop - mde.step, 10)
    assert evaluated[below] < 0.8  # the bisection checked the grid point just below
    assert detection_power(design, 10, mde.relative_drop, "A", seed=2).power == pytest.approx(mde.power, abs=0.04)
    hopeless = minimum_detectable_drop(design, 0.5, intervention="A", seed=2)
    assert hopeless.relative_drop is None and hopeless.power < 0.8 and list(dict(hopeless.evaluated)) == [1.0]


# ------------------------------------------------------------------------------------------
# Simulated counts
# ------------------------------------------------------------------------------------------


def test_simulated_counts_have_the_stated_mean_variance_and_common_random_numbers():
    design = Design(2000, 2019, {"X": 2010}, slope_change=False)
    before = design.years < 2010
    nb = simulate_counts(design, Scenario(8, 0.5, dispersion=0.25), n_sim=20000, seed=1)
    pre, post = nb[:, before].ravel(), nb[:, ~before].ravel()
    assert pre.mean() == pytest.approx(8, rel=0.01) and post.mean() == pytest.approx(4, rel=0.015)
    assert pre.var() == pytest.approx(8 + 0.25 * 64, rel=0.03)
    ar = simulate_counts(design, Scenario(8, 0.0, ar1_rho=0.7, ar1_sd=0.5), n_sim=20000, seed=1).astype(float)
    assert ar.mean() == pytest.approx(8, rel=0.01)
    lag1 = np.corrcoef(ar[:, :-1].ravel(), ar[:, 1:].ravel())[0, 1]
    assert 0.3 < lag1 < 0.7  # AR(1) on the log rate correlates neighbouring years
    trend = simulate_counts(design, Scenario(8, 0.0, trend=0.1), n_sim=20000, seed=1)
    assert trend[:, design.years == 2010].mean() == pytest.approx(8, rel=0.02)
    small = simulate_counts(design, Scenario(8, 0.3), n_sim=500, seed=9, common_drop=True)
    large = simulate_counts(design, Scenario(8, 0.6), n_sim=500, seed=9, common_drop=True)
    assert (large <= small).all() and (large[:, before] == small[:, before]).all()
    np.testing.assert_array_equal(small, simulate_counts(design, Scenario(8, 0.3), n_sim=500, seed=9, common_drop=True))


# ------------------------------------------------------------------------------------------
# Input errors
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"relative_drop": 1.2}, r"relative_drop must be a relative drop in \[0, 1\]"),
        ({"relative_drop": -0.1}, r"relative_drop must be a relative drop in \[0, 1\]"),
        ({"baseline_rate": 0}, "baseline_rate must be > 0"),
        ({"baseline_rate": -2}, "baseline_rate must be > 0"),
        ({"dispersion": -0.1}, "dispersion must be >= 0"),
        ({"ar1_rho": 1.0, "ar1_sd": 0.3}, r"ar1_rho must be in \(-1, 1\)"),
        ({"intervention": "C"}, "intervention 'C' is not in the design"),
        ({"alpha": 1.5}, "alpha must be in"),
    ],
)
def test_bad_inputs_raise_clear_errors(kwargs, message):
    args = {"baseline_rate": 5, "relative_drop": 0.5, **kwargs}
    with pytest.raises(ValueError, match=message):
        detection_power(Design(2012, 2024, NGOC_LU), n_sim=10, **args)


@pytest.mark.parametrize(
    "interventions, message",
    [
        ({"A": 2030}, "starts in 2030, not inside the period 2012–2024"),
        ({"A": 2012}, "starts in 2012, not inside the period 2012–2024"),
        ({"A": 2023}, "fewer than 3 years on a side"),
        ({"A": 2018, "B": 2020}, "fewer than 3 years on a side"),
        ({}, "non-empty"),
    ],
)
def test_bad_designs_raise_clear_errors(interventions, message):
    with pytest.raises(ValueError, match=message):
        Design(2012, 2024, interventions)


def test_design_is_frozen_and_sorted():
    design = Design(2012, 2024, {"B": 2022, "A": 2018})
    assert list(design.interventions) == ["A", "B"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        design.first_year = 2010  # type: ignore[misc]
    with pytest.raises(ValueError, match="last_year"):
        Design(2024, 2012, NGOC_LU)
