"""Event counts over a follow-up time: exact Poisson bounds on a yearly rate.

Conventions: a rate is events per year of follow-up ("rate per year"); ``exposure_years`` is the length
of follow-up in years (or person-years when the count concerns a population); ``alpha`` is the
significance level. Intervals are exact (Garwood, from chi-square quantiles).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from scipy import stats

from antt.models._common import check_alpha, check_count, dataclass_to_dict


def _check_exposure(exposure: Any) -> float:
    if isinstance(exposure, bool) or not isinstance(exposure, numbers.Real) or not math.isfinite(float(exposure)):
        raise ValueError(f"exposure (years of follow-up) must be a finite number, got {exposure!r}")
    if float(exposure) <= 0:
        raise ValueError(f"exposure (years of follow-up) must be > 0, got {exposure}")
    return float(exposure)


@dataclass(frozen=True)
class RateEstimate:
    """A Poisson rate ``count / exposure_years`` (events per year) with an exact two-sided interval.

    ``lower``/``upper`` are Garwood's exact central limits at level 1 − alpha (alpha/2 in each tail):
    lower = chi2.ppf(alpha/2, 2k)/(2T) (0 when k = 0), upper = chi2.ppf(1 − alpha/2, 2k + 2)/(2T).
    """

    count: int
    exposure_years: float
    rate: float
    lower: float
    upper: float
    alpha: float
    method: str = "exact (Garwood), two-sided"

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


def poisson_rate_interval(count: int, exposure_years: float, alpha: float = 0.05) -> RateEstimate:
    """Yearly rate of ``count`` events in ``exposure_years`` years, with Garwood's exact two-sided interval.

    The interval is central (alpha/2 in each tail) and has coverage >= 1 − alpha. It equals
    ``statsmodels.stats.rates.confint_poisson(count, exposure, method="exact-c")``.
    """
    k = check_count(count, "count")
    t = _check_exposure(exposure_years)
    alpha = check_alpha(alpha)
    lower = 0.0 if k == 0 else float(stats.chi2.ppf(alpha / 2, 2 * k)) / (2 * t)
    upper = float(stats.chi2.ppf(1 - alpha / 2, 2 * k + 2)) / (2 * t)
    return RateEstimate(count=k, exposure_years=t, rate=k / t, lower=lower, upper=upper, alpha=alpha)


def zero_count_upper_bound(followup_years: float, alpha: float = 0.05) -> float:
    """One-sided exact upper 1 − alpha confidence bound on a yearly rate after 0 events in T years: −ln(alpha)/T.

    (Equal to chi2.ppf(1 − alpha, 2)/(2T); for alpha = 0.05 this is the "rule of three", about 3/T.)
    """
    t = _check_exposure(followup_years)
    alpha = check_alpha(alpha)
    return -math.log(alpha) / t


def zero_count_upper_bounds(followup_years: Iterable[float] = range(1, 6), alpha: float = 0.05) -> pd.DataFrame:
    """What "no new cases" rules out: upper bounds on the yearly rate when 0 events were seen in T years.

    Returns one row per follow-up length T with columns

    * ``followup_years`` (T), ``events`` (0), ``alpha``;
    * ``upper_rate_per_year``: the exact one-sided upper 1 − alpha bound, −ln(alpha)/T events per year
      (the headline: with zero events only an upper bound is informative);
    * ``upper_rate_per_year_two_sided``: the upper limit of the exact two-sided 1 − alpha interval,
      −ln(alpha/2)/T, for comparison;
    * ``sides`` ("one-sided") and ``method``.

    The bound assumes a constant Poisson rate over the period; it says nothing about the rate before.
    """
    alpha = check_alpha(alpha)
    rows = []
    for t in followup_years:
        t = _check_exposure(t)
        rows.append(
            {
                "followup_years": t,
                "events": 0,
                "alpha": alpha,
                "upper_rate_per_year": -math.log(alpha) / t,
                "upper_rate_per_year_two_sided": -math.log(alpha / 2) / t,
                "sides": "one-sided",
                "method": "exact Poisson upper bound for 0 events: -ln(alpha)/T",
            }
        )
    return pd.DataFrame(rows)
