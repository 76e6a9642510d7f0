"""Bounded ratios (interval arithmetic) and exact Poisson bounds."""

import json
import math

import numpy as np
import pytest
from scipy import stats

from antt.models.counts import poisson_rate_interval, zero_count_upper_bound, zero_count_upper_bounds
from antt.models.ratios import derived_ratio, sum_bounded

TEAMS = sum_bounded((518, 518, 518), (687, 687, 687), (102, 102, 102))


def test_sum_bounded_exact_counts():
    assert (TEAMS.value, TEAMS.lower, TEAMS.upper) == (1307, 1307, 1307)
    assert tuple(TEAMS) == (1307, 1307, 1307)
    assert sum_bounded([(1, 1, 1), (2, 2, 2)]).value == 3  # one iterable of triples


def test_sum_bounded_with_a_magnitude_has_no_value():
    total = sum_bounded((20000, 15000, 20000), (None, 100, 999))
    assert total.value is None
    assert (total.lower, total.upper) == (15100, 20999)
    assert "not a sampling interval" in total.note


def test_derived_ratio_nearly_twenty_thousand_over_teams():
    r = derived_ratio((20000, 15000, 20000), TEAMS)
    assert r.value == pytest.approx(20000 / 1307)
    assert r.lower == pytest.approx(15000 / 1307)
    assert r.upper == pytest.approx(20000 / 1307)
    assert r.note == "descriptive: bounds from the figures' qualifiers, not a sampling interval"


def test_derived_ratio_interval_arithmetic_with_both_bounded():
    r = derived_ratio((50, 40, 60), (10, 8, 12))
    assert r.value == 5
    assert r.lower == pytest.approx(40 / 12) and r.upper == pytest.approx(60 / 8)


def test_derived_ratio_magnitude_numerator_has_no_value():
    r = derived_ratio((None, 100, 999), (10, 10, 10))
    assert r.value is None and r.lower == 10 and r.upper == pytest.approx(99.9)
    assert derived_ratio((5, 5, 5), (None, 1, 2)).value is None
    assert json.loads(json.dumps(r.to_dict()))["value"] is None


@pytest.mark.parametrize(
    "num,den,match",
    [
        ((5, 6, 7), (1, 1, 1), "outside its bounds"),
        ((5, 5, 5), (0, 0, 1), "lower bound must be > 0"),
        ((5, 7, 6), (1, 1, 1), "exceeds upper"),
        ((5, 5), (1, 1, 1), "triple"),
        ((math.nan, 1, 2), (1, 1, 1), "finite"),
        ((-1, -1, -1), (1, 1, 1), ">= 0"),
    ],
)
def test_derived_ratio_rejects_bad_triples(num, den, match):
    with pytest.raises(ValueError, match=match):
        derived_ratio(num, den)


@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_zero_count_upper_bounds(alpha):
    table = zero_count_upper_bounds(range(1, 6), alpha=alpha)
    assert list(table["followup_years"]) == [1, 2, 3, 4, 5]
    assert (table["events"] == 0).all() and (table["sides"] == "one-sided").all()
    t = table["followup_years"].to_numpy()
    np.testing.assert_allclose(table["upper_rate_per_year"], -np.log(alpha) / t, rtol=1e-14)
    np.testing.assert_allclose(table["upper_rate_per_year"], stats.chi2.ppf(1 - alpha, 2) / 2 / t, rtol=1e-10)
    np.testing.assert_allclose(
        table["upper_rate_per_year_two_sided"], stats.chi2.ppf(1 - alpha / 2, 2) / 2 / t, rtol=1e-10
    )
    assert zero_count_upper_bound(3, alpha) == pytest.approx(-math.log(alpha) / 3)


def test_zero_count_rule_of_three():
    assert zero_count_upper_bound(1) == pytest.approx(2.9957, abs=1e-4)


@pytest.mark.parametrize("count,years", [(0, 5), (1, 2), (7, 3.5), (120, 10)])
def test_poisson_rate_interval_is_garwood_and_matches_statsmodels(count, years):
    from statsmodels.stats.rates import confint_poisson

    est = poisson_rate_interval(count, years)
    lower = 0.0 if count == 0 else stats.chi2.ppf(0.025, 2 * count) / 2 / years
    upper = stats.chi2.ppf(0.975, 2 * count + 2) / 2 / years
    assert est.rate == count / years
    assert est.lower == pytest.approx(lower, rel=1e-12, abs=1e-15)
    assert est.upper == pytest.approx(upper, rel=1e-12)
    sm_lower, sm_upper = confint_poisson(count, years, method="exact-c", alpha=0.05)
    assert est.lower == pytest.approx(float(np.nan_to_num(sm_lower)), rel=1e-9, abs=1e-12)
    assert est.upper == pytest.approx(float(sm_upper), rel=1e-9)


def test_poisson_rate_interval_rejects_bad_input():
    with pytest.raises(ValueError, match="exposure"):
        poisson_rate_interval(1, 0)
    with pytest.raises(ValueError, match="integer"):
        poisson_rate_interval(1.5, 2)
    with pytest.raises(ValueError, match="exposure"):
        zero_count_upper_bounds([0])
