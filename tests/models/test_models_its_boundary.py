"""Interrupted time series on short count series with zeros: separation, unidentified terms, failed
sensitivity fits. ``fit_its`` either returns ordered, finite-or-explicitly-unbounded estimates with a named
interval method, or refuses with ``InsufficientDataError``; it never raises anything else."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antt.models.its import STATUSES, _ProfileFailure, _search_bound, fit_its
from antt.models.sufficiency import InsufficientDataError
from antt.models.validation import simulate_series
from antt.reporting.language import english_notes

HEADLINE_MODELS = ("quasi-poisson", "poisson")


def check_result(res) -> None:
    """What every fit must satisfy, whatever the data."""
    rr = res.rate_ratios
    assert set(rr["status"]) <= set(STATUSES)
    assert rr["interval_method"].map(lambda m: isinstance(m, str) and m != "").all()
    for row in rr.to_dict(orient="records"):
        status, est, lo, up = row["status"], row["rate_ratio"], row["lower"], row["upper"]
        if status == "did not converge":  # only a sensitivity model may fail, and then it shows no number
            assert row["model"] not in HEADLINE_MODELS, row
            assert all(math.isnan(row[c]) for c in ("coef", "rate_ratio", "lower", "upper", "p_value")), row
        elif status == "not identified":  # no estimate, and an explicit 0-to-infinity interval
            assert math.isnan(est) and lo == 0.0 and up == math.inf, row
        elif status == "boundary":  # no estimate, only the limit it runs to, and a one-sided bound
            assert math.isnan(est) and math.isnan(row["coef"]) and row["limit"] in ("0", "∞"), row
            if row["model"] in HEADLINE_MODELS:
                # one-sided: open towards the limit (the other bound may be unbounded too, when the profile
                # finds no bound within exp(±20): the interval method says so)
                assert (lo == 0.0 < up) if row["limit"] == "0" else (lo < math.inf == up), row
            else:  # a sensitivity model at the boundary: its limit, and no interval
                assert math.isnan(lo) and math.isnan(up) and row["interval_method"].startswith("none"), row
        else:
            assert status == "estimated" and not math.isnan(est) and est >= 0 and row["limit"] == "", row
            assert not (math.isnan(lo) or math.isnan(up)), row
            assert 0.0 <= lo <= est <= up <= math.inf, row
    for status in res.sensitivity_status.values():
        assert status in ("converged", "did not converge")
    # JSON cannot hold inf or NaN: to_dict writes them as "inf" and null.
    json.dumps(res.to_dict(), allow_nan=False)


@st.composite
def short_series(draw):
    n = draw(st.integers(6, 20))
    counts = draw(st.lists(st.one_of(st.just(0), st.just(0), st.integers(0, 30)), min_size=n, max_size=n))
    if draw(st.booleans()):  # a run of zeros (e.g. "no new addicts after the model")
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(a + 1, n))
        counts[a:b] = [0] * (b - a)
    first = draw(st.integers(3, n - 3))  # at least 3 points on each side: fit_its's default min_points
    interventions = {"first": 2000 + first}
    if n - first >= 6 and draw(st.booleans()):
        interventions["second"] = 2000 + draw(st.integers(first + 3, n - 3))
    data = pd.DataFrame({"year": range(2000, 2000 + n), "count": counts})
    if draw(st.booleans()):
        growth = draw(st.floats(-0.05, 0.1))
        data["population"] = np.round(20_000 * (1 + growth) ** np.arange(n))
    return data, interventions


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=short_series(), slope_change=st.sampled_from([None, False, True]), sensitivity=st.booleans())
def test_fit_its_never_crashes_and_reports_ordered_bounds(case, slope_change, sensitivity):
    data, interventions = case
    try:
        res = fit_its(data, interventions, slope_change=slope_change, sensitivity=sensitivity)
    except InsufficientDataError as exc:
        assert str(exc).startswith("Refused")
        return
    check_result(res)


# ----------------------------------------------------------------------------------------------
# Regression cases
# ----------------------------------------------------------------------------------------------

ARTICLE = pd.DataFrame({"year": range(2012, 2025), "count": [6, 8, 5, 9, 7, 6, 0, 0, 0, 0, 0, 0, 0]})
NGOC_LU = {"model_2018": 2018, "model_2022": 2022}


@pytest.mark.parametrize("slope_change", [None, False])
def test_no_new_addicts_after_the_model_gives_a_one_sided_bound(slope_change):
    """The article's case: no new addicts from 2018 on. 13 points, so slopes are added automatically
    (slope_change=None): this used to raise "f(a) and f(b) must have different signs"."""
    res = fit_its(ARTICLE, NGOC_LU, slope_change=slope_change, outcome="new drug addicts")
    check_result(res)
    assert res.slope_change == (slope_change is None)
    first = res.rate_ratio("model_2018")
    assert first["status"] == "boundary"
    assert first["interval_method"] == "one-sided profile likelihood (MLE on the boundary)"
    assert (
        math.isnan(first["rate_ratio"]) and first["limit"] == "0" and first["lower"] == 0.0 and 0 < first["upper"] < 1
    )
    assert first["lr_p_value"] < 0.05
    # Zeros on both sides of 2022: the second step cannot be estimated, and says so.
    second = res.rate_ratio("model_2022")
    assert second["status"] == "not identified" and math.isnan(second["rate_ratio"])
    assert any("'level_model_2022' ('model_2022') is not identified" in n for n in english_notes(res))
    back = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    row = next(r for r in back["rate_ratios"] if r["term"] == "level_model_2022" and r["headline"])
    assert row["rate_ratio"] is None and row["upper"] == "inf"


def test_no_events_before_the_intervention_gives_a_lower_bound():
    data = pd.DataFrame({"year": range(2012, 2025), "count": [0] * 6 + [5, 7, 6, 8, 4, 6, 3]})
    res = fit_its(data, NGOC_LU, slope_change=False)
    check_result(res)
    first = res.rate_ratio("model_2018")
    assert first["status"] == "boundary" and math.isnan(first["rate_ratio"]) and first["limit"] == "∞"
    assert 1 < first["lower"] < math.inf and first["upper"] == math.inf
    assert res.rate_ratio("model_2022")["interval_method"] == "Wald"
    # With a free pre-intervention trend fitted to zeros only, the level change is not identified at all.
    with_slopes = fit_its(data, NGOC_LU)
    check_result(with_slopes)
    assert with_slopes.rate_ratio("model_2018")["status"] == "not identified"


@pytest.mark.parametrize(
    "counts",
    [
        [0, 7, 0, 2, 3, 10, 0, 0, 0, 0, 0, 0, 0],  # overdispersed low-count simulations that used to crash
        [3, 1, 5, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0],
    ],
)
def test_overdispersed_low_counts_with_a_zero_tail(counts):
    data = pd.DataFrame({"year": range(2000, 2013), "count": counts})
    res = fit_its(data, {"simulated_intervention": 2006})
    check_result(res)
    assert res.rate_ratio()["status"] == "boundary" and res.rate_ratio()["upper"] < math.inf


@pytest.mark.parametrize(
    "counts",
    [
        [1, 0, 0, 1, 0, 2, 5, 3, 0, 0, 0, 1, 1],
        [0, 0, 1, 3, 4, 7, 2, 1, 0, 0, 0, 0, 0],  # Newton from alpha ~ 5e-9 used to take minutes, ending in NaN
    ],
)
def test_negative_binomial_with_nan_parameters_is_reported_as_not_converged(counts):
    """No overdispersion: the NB's alpha runs to 0 and statsmodels' Newton step returned NaN parameters with
    converged=True. That used to be read as separation and shown as a rate ratio of infinity."""
    data = pd.DataFrame({"year": range(2000, 2013), "count": counts})
    res = fit_its(data, {"x": 2006})
    check_result(res)
    nb = res.rate_ratios[res.rate_ratios["model"] == "negative-binomial (sensitivity)"]
    assert (nb["status"] == "did not converge").all() and nb["rate_ratio"].isna().all()
    assert not nb["separated"].any()
    assert res.sensitivity_status["negative-binomial (sensitivity)"] == "did not converge"
    assert res.nb_alpha is None
    assert any("negative binomial sensitivity fit did not converge" in n for n in english_notes(res))
    assert res.rate_ratio()["status"] == "estimated"  # the headline is unaffected


def test_known_level_drop_is_covered():
    data = simulate_series(years_before=10, years_after=10, baseline_rate=100, level_rr=0.5, seed=20240611)
    res = fit_its(data.drop(columns="expected"), data.attrs["interventions"])
    check_result(res)
    row = res.rate_ratio()
    assert row["status"] == "estimated" and row["interval_method"] == "Wald"
    assert row["lower"] < 0.5 < row["upper"]
    assert res.sensitivity_status == {
        "negative-binomial (sensitivity)": "converged",
        "poisson-HAC (sensitivity)": "converged",
    }


def test_search_bound_never_raises():
    """No sign change within the reach, or a refit that fails: the side is unbounded, not an exception."""
    assert _search_bound(lambda b: -1.0, 0.0, 1, 20.0) == math.inf
    assert _search_bound(lambda b: -1.0, 0.0, -1, 20.0) == -math.inf

    def failing(b):
        raise _ProfileFailure("refit failed")

    assert _search_bound(failing, 0.0, 1, 20.0) == math.inf
    assert _search_bound(lambda b: b - 3.0, 0.0, 1, 20.0) == pytest.approx(3.0, abs=1e-9)
    assert _search_bound(lambda b: -b - 15.0, -5.0, -1, 20.0) == pytest.approx(-15.0, abs=1e-9)
