"""Designs that compare communes: sufficiency refusals, Callaway–Sant'Anna, synthetic control, controlled ITS.

Every panel here is simulated (``simulate_panel``) or written by hand; seeds are fixed.
"""

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from antt.models.comparison import (
    CONFORMAL_AVERAGE,
    CONFORMAL_CONSTANT,
    DESIGNS,
    METHOD_CITS,
    METHOD_CS,
    METHOD_SC,
    SCALE_COUNT,
    SCALE_RATE,
    DesignRefused,
    Problem,
    check_designs,
    constant_effect_test,
    controlled_its,
    outcome_values,
    simulate_panel,
    staggered_did,
    synthetic_control,
)

YEARS = range(2010, 2023)


def _panel(rows: dict[str, list[int | None]], years: list[int], adoption: dict[str, int | None]) -> pd.DataFrame:
    """A hand-written panel: {unit: counts per year (None = missing year)}."""
    out = [
        (u, y, c, adoption.get(u))
        for u, counts in rows.items()
        for y, c in zip(years, counts, strict=True)
        if c is not None
    ]
    df = pd.DataFrame(out, columns=["unit", "year", "count", "adoption_year"])
    df["adoption_year"] = df["adoption_year"].astype("Int64")
    return df


def _flat(n_units: int, years: range, adoption: dict[str, int]) -> pd.DataFrame:
    """Units u00, u01, ... with a count of 10 every year."""
    rows = {f"u{i:02d}": [10] * len(years) for i in range(n_units)}
    return _panel(rows, list(years), adoption)


# ----------------------------------------------------------------------------------------------
# The panel
# ----------------------------------------------------------------------------------------------


def test_outcome_is_the_rate_per_10000_with_population_else_the_count():
    df = _panel({"a": [3, 5]}, [2020, 2021], {"a": None})
    out, scale = outcome_values(df)
    assert scale == SCALE_COUNT and out["outcome"].tolist() == [3.0, 5.0]
    df["population"] = [20_000, 25_000]
    out, scale = outcome_values(df)
    assert scale == SCALE_RATE and out["outcome"].tolist() == [1.5, 2.0]


@pytest.mark.parametrize(
    "change",
    [
        lambda df: pd.concat([df, df.iloc[:1]]),  # a duplicated unit-year
        lambda df: df.assign(count=[-1, 2]),
        lambda df: df.assign(count=[1.5, 2]),
        lambda df: df.assign(adoption_year=pd.array([2020, 2021], dtype="Int64")),  # varies within the unit
        lambda df: df.assign(population=[100, 0]),
        lambda df: df.drop(columns="adoption_year"),
    ],
)
def test_bad_panels_raise(change):
    with pytest.raises(ValueError):
        outcome_values(change(_panel({"a": [3, 5]}, [2020, 2021], {"a": None})))


# ----------------------------------------------------------------------------------------------
# Sufficiency
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("panel", [None, pd.DataFrame(columns=["unit", "year", "count", "adoption_year"])])
def test_no_panel_is_refused_by_every_design(panel):
    checks = check_designs(panel, None, None, None, None)
    assert set(checks) == set(DESIGNS)
    for check in checks.values():
        assert not check.ok and check.problems == (Problem("no_panel", {}),)
    for fit in (staggered_did, controlled_its):
        with pytest.raises(DesignRefused) as err:
            fit(panel)
        assert err.value.check.problems == (Problem("no_panel", {}),)
    with pytest.raises(DesignRefused):
        synthetic_control(panel, "u00")


def test_one_comparison_unit_is_too_few_for_callaway_santanna():
    df = _flat(3, YEARS, {"u00": 2016, "u01": 2018})
    check = check_designs(df, None, None, None, None)["staggered_did"]
    assert not check.ok
    assert Problem("too_few_comparison_units", {"have": 1, "need": 2}) in check.problems
    assert check.counts["treated_units"] == 2 and check.counts["comparison_units"] == 1
    with pytest.raises(DesignRefused, match="too_few_comparison_units"):
        staggered_did(df)


def test_one_year_before_adoption_is_too_few_and_says_what_to_collect():
    df = _flat(5, range(2010, 2016), {"u00": 2011})
    check = check_designs(df, None, None, None, None)["staggered_did"]
    assert not check.ok
    assert check.problems == (
        Problem("too_few_years_before", {"unit_or_cohort": "2011", "have": 1, "need": 2, "collect_from": 2009}),
    )


def test_a_short_cohort_beside_a_good_one_is_only_a_warning():
    df = _flat(6, YEARS, {"u00": 2011, "u01": 2016})
    check = check_designs(df)["staggered_did"]
    assert check.ok and check.counts["usable_cohorts"] == 1
    assert Problem("too_few_years_before", {"unit_or_cohort": "2011", "have": 1, "need": 2, "collect_from": 2009}) in (
        check.warnings
    )


def test_synthetic_control_with_three_donors_is_refused():
    df = _flat(4, YEARS, {"u00": 2018})
    check = check_designs(df)["synthetic_control"]
    assert not check.ok
    assert check.problems == (Problem("too_few_donors", {"have": 3, "need": 4, "dropped_for_gaps": []}),)
    with pytest.raises(DesignRefused, match="too_few_donors"):
        synthetic_control(df, "u00")


def test_synthetic_control_takes_exactly_one_treated_unit():
    df = _flat(8, YEARS, {"u00": 2018, "u01": 2018})
    check = check_designs(df)["synthetic_control"]
    assert not check.ok and check.problems == (Problem("several_treated_units", {"have": 2, "need": 1}),)
    # One at a time is fine.
    assert check_designs(df, treated=["u00"])["synthetic_control"].ok


def test_synthetic_control_needs_five_years_before():
    df = _flat(8, range(2014, 2023), {"u00": 2018})
    check = check_designs(df)["synthetic_control"]
    assert check.problems == (
        Problem("too_few_years_before", {"unit_or_cohort": "u00", "have": 4, "need": 5, "collect_from": 2013}),
    )


def test_controlled_its_needs_one_adoption_year():
    df = _flat(6, YEARS, {"u00": 2016, "u01": 2018})
    check = check_designs(df)["controlled_its"]
    assert not check.ok and check.problems == (Problem("several_adoption_years", {"years": [2016, 2018]}),)
    assert check_designs(df, treated=["u01"])["controlled_its"].ok


def test_controlled_its_needs_three_years_after():
    df = _flat(6, YEARS, {"u00": 2021})
    check = check_designs(df)["controlled_its"]
    assert check.problems == (
        Problem("too_few_years_after", {"unit_or_cohort": "2021", "have": 2, "need": 3, "collect_until": 2023}),
    )


def test_placebo_resolution_is_a_warning_with_nine_donors():
    df = _flat(10, YEARS, {"u00": 2018})
    check = check_designs(df, alpha=0.05)["synthetic_control"]
    assert check.ok and check.counts["donors"] == 9
    assert Problem("placebo_resolution", {"donors": 9, "smallest_p": 0.1, "alpha": 0.05}) in check.warnings
    assert all(
        p.key != "placebo_resolution"
        for p in check_designs(_flat(21, YEARS, {"u00": 2018}))["synthetic_control"].warnings
    )


def test_explicit_lists_are_checked():
    df = _flat(6, YEARS, {"u00": 2016, "u01": 2018})
    check = check_designs(df, treated=["u00", "zz"], comparison=["u01", "u02", "u03"])["staggered_did"]
    assert not check.ok
    keys = {p.key: p.values for p in check.problems}
    assert keys["unknown_units"] == {"units": ["zz"]}
    assert keys["comparison_adopts_in_window"] == {"units": ["u01"], "last_year": 2022}


def test_the_window_bounds_the_check():
    df = _flat(6, YEARS, {"u00": 2016})
    # Adopting in the window's first year: always treated there, so no treated unit is left.
    check = check_designs(df, first_year=2016)["staggered_did"]
    assert Problem("no_treated_units", {"first_year": 2016, "last_year": 2022}) in check.problems
    assert check.counts["always_treated_units"] == 1


# ----------------------------------------------------------------------------------------------
# Callaway–Sant'Anna
# ----------------------------------------------------------------------------------------------


def test_callaway_santanna_matches_a_hand_calculated_difference_in_differences():
    """Two treated and three comparison units; 2019 is the base year, 2020 the first treated year."""
    counts = {"a": [3, 5, 9], "b": [4, 4, 6], "c": [2, 3, 3], "d": [7, 6, 8], "e": [1, 2, 1]}
    df = _panel(counts, [2018, 2019, 2020], {"a": 2020, "b": 2020})
    res = staggered_did(df)
    dt = np.array([9 - 5, 6 - 4])  # treated changes 2019 -> 2020
    dc = np.array([3 - 3, 8 - 6, 1 - 2])
    assert res.overall.estimate == pytest.approx(dt.mean() - dc.mean(), abs=1e-12)
    # Influence-function variance of a difference of two means, clustered by unit (CR1: x G / (G - 1)), t on G - 1.
    se = math.sqrt((((dt - dt.mean()) ** 2).sum() / 4 + ((dc - dc.mean()) ** 2).sum() / 9) * 5 / 4)
    assert res.overall.se == pytest.approx(se, rel=1e-10)
    assert res.df == 4 and res.reference_distribution == "t"
    from scipy import stats

    half = stats.t.ppf(0.975, 4) * se
    assert (res.overall.low, res.overall.high) == pytest.approx(
        (res.overall.estimate - half, res.overall.estimate + half)
    )
    # The pre-period estimate (event time -2, base 2019): the same comparison one year earlier.
    es = res.event_study.set_index("event_time")
    pre = (np.mean([3, 4]) - np.mean([5, 4])) - (np.mean([2, 7, 1]) - np.mean([3, 6, 2]))
    assert es.loc[-2, "estimate"] == pytest.approx(pre, abs=1e-12)
    assert es.loc[-1, "reference"] and es.loc[-1, "estimate"] == 0
    assert res.method == METHOD_CS and res.control_group == "never_treated" and res.cohorts == (2020,)
    assert res.n_treated_units == 2 and res.n_comparison_units == 3
    assert res.pre_trend.df_num == 1 and res.pre_trend.status == "ran"


def test_callaway_santanna_finds_a_large_effect_and_covers_the_truth():
    sim = simulate_panel({2016: 4, 2018: 4}, 12, YEARS, effect_ratio=0.4, seed=0)
    res = staggered_did(sim.panel)
    assert res.overall.high < 0
    assert res.overall.low <= sim.true_att_simple <= res.overall.high
    assert res.scale == SCALE_COUNT and res.cohorts == (2016, 2018)
    assert set(res.group_time.columns) >= {"cohort", "year", "estimate", "se", "low", "high"}
    post = res.event_study[res.event_study["event_time"] >= 0]
    assert (post["estimate"] < 0).all()
    assert res.event_study["event_time"].min() == 2010 - 2018
    assert Problem("few_treated_units", {"have": 8, "warn_below": 10}) in res.warnings


def test_callaway_santanna_without_effect_covers_zero():
    sim = simulate_panel({2016: 4, 2018: 4}, 12, YEARS, effect_ratio=1.0, seed=0)
    assert sim.true_att_simple == 0
    res = staggered_did(sim.panel)
    assert res.overall.low <= 0 <= res.overall.high


def test_true_att_simple_is_the_mean_over_treated_unit_years_from_adoption():
    sim = simulate_panel({2016: 2, 2018: 3}, 4, YEARS, effect_ratio=0.5, seed=3, population=True)
    e = sim.expected
    post = e[e["adoption_year"].notna() & (e["year"] >= e["adoption_year"].fillna(9999))]
    diff = (post["expected_with"] - post["expected_without"]) / (post["population"] / 10_000)
    assert sim.true_att_simple == pytest.approx(diff.mean())
    assert sim.scale == SCALE_RATE and len(post) == 2 * 7 + 3 * 5


# ----------------------------------------------------------------------------------------------
# Synthetic control
# ----------------------------------------------------------------------------------------------


def test_synthetic_control_with_a_huge_effect():
    sim = simulate_panel({2018: 1}, 19, YEARS, rate_range=(20, 40), effect_ratio=0.2, seed=2)
    unit = sim.panel["unit"].iloc[0]
    res = synthetic_control(sim.panel, unit)
    assert res.method == METHOD_SC and res.treated_unit == unit and res.adoption_year == 2018
    assert res.n_placebos == 19 and res.placebo_p == res.smallest_attainable_p == pytest.approx(1 / 20)
    truth = sim.true_sc_att(unit)
    ci = res.constant_effect_interval
    assert ci.method == CONFORMAL_CONSTANT and ci.status == "ran"
    assert ci.low <= truth <= ci.high and ci.high < 0
    # The CWZ average-effect interval has 2 blocks here (8 pre, 5 post years): it cannot be bounded at 5%.
    assert res.att_interval.method == CONFORMAL_AVERAGE and res.att_interval.status == "unbounded"
    assert res.att_interval.details["n_blocks"] == 2 and math.isinf(res.att_interval.low)
    assert Problem("conformal_resolution", {"blocks": 2, "smallest_p": 0.5, "alpha": 0.05}) in res.warnings
    # Weights on the simplex, descending; the path adds up.
    assert res.weights.sum() == pytest.approx(1, abs=1e-6) and res.weights.is_monotonic_decreasing
    path = res.path
    assert list(path["year"]) == list(YEARS)
    assert np.allclose(path["treated"] - path["synthetic"], path["gap"])
    assert res.att == pytest.approx(path.loc[path["post"], "gap"].mean())
    assert res.rmspe_ratio == pytest.approx(res.post_rmspe / res.pre_rmspe)
    assert res.placebos["treated"].sum() == 1 and len(res.placebos) == 20
    assert res.in_time["placebo_year"].tolist() == [2014] and res.in_time["status"].tolist() == ["ran"]
    assert res.dropped_units == ()


def test_synthetic_control_without_effect_covers_zero():
    sim = simulate_panel({2018: 1}, 19, YEARS, rate_range=(20, 40), effect_ratio=1.0, seed=2)
    res = synthetic_control(sim.panel, sim.panel["unit"].iloc[0], in_time_year=2015)
    ci = res.constant_effect_interval
    assert ci.low <= 0 <= ci.high and res.placebo_p > 0.05
    assert res.in_time["placebo_year"].tolist() == [2015]


def test_synthetic_control_without_intervals_is_the_same_fit():
    sim = simulate_panel({2018: 1}, 8, YEARS, effect_ratio=0.6, seed=4)
    unit = sim.panel["unit"].iloc[0]
    full, quick = synthetic_control(sim.panel, unit), synthetic_control(sim.panel, unit, intervals=False)
    assert (quick.att, quick.placebo_p, quick.pre_rmspe) == (full.att, full.placebo_p, full.pre_rmspe)
    pd.testing.assert_series_equal(quick.weights, full.weights, check_exact=True)
    pd.testing.assert_frame_equal(quick.in_time, full.in_time, check_exact=True)
    for interval in (quick.att_interval, quick.constant_effect_interval):
        assert interval.status == "not_computed" and math.isnan(interval.low) and math.isnan(interval.high)
    assert full.constant_effect_interval.status != "not_computed"
    with pytest.raises(ValueError, match="intervals"):
        synthetic_control(sim.panel, unit, intervals=1)


@pytest.mark.parametrize("n_pre_years", [8, 4])
def test_constant_effect_test_reuses_permutations_with_the_public_calls_p_values(n_pre_years):
    """The interval's p(c) draws its permutations once; each p-value must equal diff-diff's public
    ``conformal_test``, which draws them again per call (also with fewer years before than after adoption, where
    diff-diff warns)."""
    import diff_diff as dd

    years = range(2018 - n_pre_years, 2023)
    sim = simulate_panel({2018: 1}, 9, years, rate_range=(10, 40), effect_ratio=0.6, seed=5)
    data = sim.panel.rename(columns={"count": "outcome"})[["unit", "year", "outcome"]].copy()
    data["outcome"] = data["outcome"].astype(float)
    treated = sim.panel["unit"].iloc[0]
    data["treated"] = ((data["unit"] == treated) & (data["year"] >= 2018)).astype(np.int64)
    est = dd.SyntheticControl(v_method="custom", custom_v=np.ones(n_pre_years), standardize="none", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = est.fit(data, outcome="outcome", treatment="treated", unit="unit", time="year", treated_unit=treated)
        p_value = constant_effect_test(res, seed=11)
        effects = [-12.5, 0.0, -3.25, 40.0, -12.5, 7.0]
        fast = [p_value(c) for c in effects]
        public = [float(res.conformal_test(c, q=1, scheme="iid", n_iid=10_000, seed=11)["p_value"]) for c in effects]
    assert fast == public
    assert len(set(fast)) > 2  # the effects tested are told apart


def test_in_time_year_must_be_a_pre_adoption_year():
    sim = simulate_panel({2018: 1}, 6, YEARS, seed=1)
    with pytest.raises(ValueError, match="in_time_year"):
        synthetic_control(sim.panel, sim.panel["unit"].iloc[0], in_time_year=2019)


# ----------------------------------------------------------------------------------------------
# Controlled interrupted time series
# ----------------------------------------------------------------------------------------------


def test_controlled_its_covers_the_true_rate_ratio():
    sim = simulate_panel({2018: 3}, 12, YEARS, effect_ratio=0.7, seed=0, population=True)
    res = controlled_its(sim.panel)
    assert res.method == METHOD_CITS and res.scale == SCALE_RATE and res.adoption_year == 2018
    assert res.level.low <= sim.true_cits_ratio <= res.level.high and res.level.high < 1
    assert res.slope_change and res.slope is not None  # 13 years >= 12
    assert res.df_resid == 13 - 4 and res.quasi_scale == max(1.0, res.dispersion)
    s = res.series
    assert len(s) == 13 and np.allclose(s.loc[~s["post"], "counterfactual"], s.loc[~s["post"], "fitted"], rtol=1e-12)
    assert np.allclose(s["observed"], s["treated_count"] / s["treated_population"] * 10_000)
    assert (s["counterfactual_low"] <= s["counterfactual"]).all() and (
        s["counterfactual"] <= s["counterfactual_high"]
    ).all()


def test_controlled_its_without_effect_covers_one_and_fits_levels_only_on_short_series():
    sim = simulate_panel({2016: 3}, 12, range(2010, 2021), effect_ratio=1.0, seed=0)
    res = controlled_its(sim.panel)
    assert res.level.low <= 1 <= res.level.high
    assert not res.slope_change and res.slope is None and res.scale == SCALE_COUNT


# ----------------------------------------------------------------------------------------------
# Gaps, zeros, determinism
# ----------------------------------------------------------------------------------------------


def test_gaps_and_zeros_do_not_crash():
    sim = simulate_panel({2018: 1}, 8, YEARS, rate_range=(0.2, 3), effect_ratio=0.5, seed=3)
    df = sim.panel
    gapped = "Mô Phỏng 03"
    df = df[~((df["unit"] == gapped) & (df["year"] == 2014))].copy()
    df.loc[df["unit"] == "Mô Phỏng 05", "count"] = 0  # a commune without any event
    assert (df["count"] == 0).mean() > 0.2

    sc = synthetic_control(df, "Mô Phỏng 01")
    assert sc.dropped_units == (gapped,) and gapped not in sc.weights.index
    assert Problem("dropped_for_gaps", {"units": [gapped], "missing": {gapped: [2014]}}) in sc.warnings
    assert sc.n_placebos == 7 and math.isfinite(sc.att)

    did = staggered_did(df)
    assert did.gaps.to_dict("records") == [{"unit": gapped, "year": 2014}]
    assert Problem("unbalanced_panel", {"units": [gapped], "handling": "within_cell_differencing"}) in did.warnings
    assert math.isfinite(did.overall.estimate) and math.isfinite(did.overall.se)

    cits = controlled_its(df)
    assert cits.dropped_units == (gapped,) and gapped not in cits.comparison_units
    assert math.isfinite(cits.level.ratio)


def test_a_year_without_any_event_is_dropped_from_the_controlled_its():
    years = list(range(2012, 2020))
    rows = {"t": [2, 3, 0, 2, 1, 1, 2, 1], "c1": [4, 5, 0, 6, 5, 4, 5, 6], "c2": [3, 2, 0, 4, 3, 5, 4, 3]}
    res = controlled_its(_panel(rows, years, {"t": 2016}))
    assert res.dropped_years == (2014,) and res.n_years == 7
    assert Problem("years_without_events", {"years": [2014]}) in res.warnings


def test_no_events_after_adoption_is_refused():
    years = list(range(2012, 2020))
    rows = {"t": [2, 3, 1, 2, 0, 0, 0, 0], "c1": [4, 5, 3, 6, 5, 4, 5, 6]}
    check = check_designs(_panel(rows, years, {"t": 2016}))["controlled_its"]
    assert Problem("no_events", {"group": "treated", "side": "after"}) in check.problems


def test_controlled_its_slope_change_can_be_forced_either_way():
    sim = simulate_panel({2018: 3}, 12, YEARS, effect_ratio=0.7, seed=0)
    assert controlled_its(sim.panel, slope_change=False).slope is None
    short = simulate_panel({2016: 3}, 12, range(2010, 2021), seed=0)
    forced = controlled_its(short.panel, slope_change=True)
    assert forced.slope_change and forced.slope is not None and forced.df_resid == 11 - 4
    with pytest.raises(ValueError, match="slope_change"):
        controlled_its(sim.panel, slope_change="no")


def test_a_panel_with_repeated_index_labels_gives_the_same_results():
    """A panel made with pd.concat repeats index labels (it crashed in the whole-number check)."""
    sim = simulate_panel({2018: 3}, 12, YEARS, effect_ratio=0.7, seed=0)
    repeated = sim.panel.set_axis(np.arange(len(sim.panel)) % 5)
    _same(controlled_its(repeated), controlled_its(sim.panel))
    _same(staggered_did(repeated), staggered_did(sim.panel))


def _same(a, b) -> None:
    assert a.to_dict() == b.to_dict()
    for name in ("group_time", "event_study", "path", "placebos", "in_time", "series", "coefficients"):
        if hasattr(a, name):
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def test_every_design_is_deterministic():
    sim = simulate_panel({2018: 2}, 10, YEARS, effect_ratio=0.6, seed=11, dispersion=0.1)
    again = simulate_panel({2018: 2}, 10, YEARS, effect_ratio=0.6, seed=11, dispersion=0.1)
    pd.testing.assert_frame_equal(sim.panel, again.panel, check_exact=True)
    _same(staggered_did(sim.panel), staggered_did(again.panel))
    _same(controlled_its(sim.panel), controlled_its(again.panel))
    unit = sim.panel["unit"].iloc[0]
    a, b = synthetic_control(sim.panel, unit, seed=5), synthetic_control(again.panel, unit, seed=5)
    _same(a, b)
    pd.testing.assert_series_equal(a.weights, b.weights, check_exact=True)


def test_simulate_panel_names_and_overdispersion():
    sim = simulate_panel({2016: 1, 2018: 2}, 3, range(2015, 2020), seed=0)
    units = sorted(sim.panel["unit"].unique())
    assert units == [f"Mô Phỏng {i:02d}" for i in range(1, 7)] and sim.simulated
    adoption = sim.panel.groupby("unit")["adoption_year"].first()
    assert adoption.tolist()[:3] == [2016, 2018, 2018] and adoption.isna().sum() == 3
    # Negative binomial counts vary more than Poisson ones around the same expectation.
    pois = simulate_panel({}, 200, range(2000, 2020), rate_range=(10, 10), year_sd=0, seed=1).panel["count"]
    nb = simulate_panel({}, 200, range(2000, 2020), rate_range=(10, 10), year_sd=0, seed=1, dispersion=0.5).panel[
        "count"
    ]
    assert pois.var() == pytest.approx(10, rel=0.1) and nb.var() == pytest.approx(10 + 0.5 * 100, rel=0.15)
