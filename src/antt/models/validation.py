"""Method validation on simulated series (simulated data only: say "simulated" wherever these are shown).

``simulate_series`` makes a yearly or monthly count series with known level and slope effects;
``coverage_study`` fits ``fit_its`` to many such series and records whether each interval covers the true
level rate ratio; ``summarise_coverage`` condenses that into the coverage with its Wilson interval.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from antt.models._common import check_alpha
from antt.models.its import InsufficientDataError, fit_its
from antt.models.proportions import proportion_interval


def simulate_series(years_before: int = 8, years_after: int = 8, baseline_rate: float = 20.0, level_rr: float = 1.0,
                    slope_rr: float = 1.0, trend_rr: float = 1.0, frequency: str = "year",
                    seasonal_amplitude: float = 0.0, nb_alpha: float = 0.0, population: float | None = None,
                    population_growth: float = 0.0, first_year: int = 2000,
                    seed: int | np.random.SeedSequence = 0) -> pd.DataFrame:
    """A simulated count series with a known intervention effect.

    The intervention starts in ``first_year + years_before`` (January for monthly data); the returned
    DataFrame's ``attrs["interventions"]`` holds ``{"simulated_intervention": that year}`` and
    ``attrs["simulated"]`` is True.

    Expected count per period (per year, or per month when ``frequency="month"``)::

        baseline_rate * trend_rr ** u * level_rr ** post * slope_rr ** (u * post)
                      * exp(seasonal_amplitude * sin(2 pi month / 12)) * (population_t / population_0)

    where ``u`` is the time in years since the intervention's start (months / 12 for monthly data) and
    ``post`` is 1 from the start on. So ``baseline_rate`` is the expected count per period at the start
    absent any effect, ``level_rr`` the rate ratio of the level change, ``slope_rr`` and ``trend_rr``
    rate ratios per year. With ``population`` a ``population`` column is added (growing by
    ``population_growth`` per year, relative), and counts scale with it (``population_0`` is its value
    at the start). With ``nb_alpha > 0`` counts are negative binomial (gamma–Poisson, variance
    mu + nb_alpha mu^2); otherwise Poisson. Random numbers: ``numpy.random.default_rng(seed)``.

    Columns: year, [month], count, expected, [population].
    """
    if frequency not in ("year", "month"):
        raise ValueError(f"frequency must be 'year' or 'month', got {frequency!r}")
    if years_before < 0 or years_after < 0:
        raise ValueError("years_before and years_after must be >= 0")
    if baseline_rate <= 0 or level_rr < 0 or slope_rr <= 0 or trend_rr <= 0 or nb_alpha < 0:
        raise ValueError("baseline_rate, slope_rr and trend_rr must be > 0; level_rr and nb_alpha >= 0")
    rng = np.random.default_rng(seed)
    per_year = 12 if frequency == "month" else 1
    n_before, n_after = years_before * per_year, years_after * per_year
    k = np.arange(-n_before, n_after)  # periods since the start
    u = k / per_year
    post = (k >= 0).astype(float)
    start_year = first_year + years_before
    if frequency == "month":
        year = start_year + np.floor_divide(k, 12)
        month = np.mod(k, 12) + 1
        season = np.exp(seasonal_amplitude * np.sin(2 * np.pi * month / 12))
    else:
        year, month, season = start_year + k, None, np.ones(len(k))
    log_mu = math.log(baseline_rate) + u * math.log(trend_rr) + u * post * math.log(slope_rr) + np.log(season)
    pop = None
    if population is not None:
        if population <= 0:
            raise ValueError("population must be > 0")
        pop = population * (1 + population_growth) ** u
        log_mu = log_mu + np.log(pop / population)
    mu = np.exp(log_mu) * np.where(post > 0, level_rr, 1.0)  # level_rr = 0 allowed (no events after)
    if nb_alpha > 0:
        lam = rng.gamma(shape=1 / nb_alpha, scale=mu * nb_alpha)
        counts = rng.poisson(lam)
    else:
        counts = rng.poisson(mu)
    out = pd.DataFrame({"year": year.astype(int)})
    if month is not None:
        out["month"] = month.astype(int)
    out["count"] = counts.astype(int)
    out["expected"] = mu
    if pop is not None:
        out["population"] = pop
    out.attrs["interventions"] = {"simulated_intervention": int(start_year)}
    out.attrs["simulated"] = True
    return out


def coverage_study(n_sim: int = 200, true_rr: float = 0.7, years_before: int = 8, years_after: int = 8,
                   baseline_rate: float = 20.0, trend_rr: float = 1.0, slope_rr: float = 1.0, nb_alpha: float = 0.0,
                   frequency: str = "year", family: str = "quasi-poisson", reference_distribution: str = "t",
                   slope_change: bool | None = None, alpha: float = 0.05, seed: int = 20240101) -> pd.DataFrame:
    """Fit ``fit_its`` to ``n_sim`` simulated series and check the level rate ratio's interval (simulated).

    Each series comes from ``simulate_series`` with ``level_rr=true_rr`` and an independent child seed of
    ``numpy.random.SeedSequence(seed)`` (deterministic). Sensitivity models are skipped for speed.

    Returns one row per simulation: sim, true_rr, estimate (headline level rate ratio), lower, upper
    (interval at 1 − alpha), covered (lower <= true_rr <= upper), p_value, scale, fitted (False when the
    fit was refused, e.g. all counts zero; such rows count as not covered).
    """
    alpha = check_alpha(alpha)
    children = np.random.SeedSequence(seed).spawn(int(n_sim))
    rows: list[dict[str, Any]] = []
    for i, child in enumerate(children):
        series = simulate_series(years_before=years_before, years_after=years_after, baseline_rate=baseline_rate,
                                 level_rr=true_rr, slope_rr=slope_rr, trend_rr=trend_rr, frequency=frequency,
                                 nb_alpha=nb_alpha, seed=child)
        try:
            res = fit_its(series.drop(columns="expected"), series.attrs["interventions"], slope_change=slope_change,
                          alpha=alpha, family=family, reference_distribution=reference_distribution,
                          sensitivity=False, light=True)
        except InsufficientDataError:
            rows.append({"sim": i, "true_rr": true_rr, "estimate": math.nan, "lower": math.nan, "upper": math.nan,
                         "covered": False, "p_value": math.nan, "scale": math.nan, "fitted": False})
            continue
        level = res.rate_ratio(kind="level")
        rows.append({"sim": i, "true_rr": true_rr, "estimate": level["rate_ratio"], "lower": level["lower"],
                     "upper": level["upper"], "covered": bool(level["lower"] <= true_rr <= level["upper"]),
                     "p_value": level["p_value"], "scale": res.scale, "fitted": True})
    return pd.DataFrame(rows)


def summarise_coverage(study: pd.DataFrame, alpha: float = 0.05) -> dict[str, Any]:
    """Coverage of a ``coverage_study`` with its Wilson interval at 1 − alpha, and the bias of log(RR).

    Returns a dict: n_sim, n_fitted, coverage, coverage_lower, coverage_upper, mean_log_rr_bias
    (mean of log(estimate) − log(true_rr) over fitted series), median_estimate.
    """
    n = len(study)
    covered = int(study["covered"].sum())
    ci = proportion_interval(covered, n, alpha=alpha)
    fitted = study[study["fitted"]]
    return {"n_sim": n, "n_fitted": int(len(fitted)), "coverage": covered / n, "coverage_lower": ci.lower,
            "coverage_upper": ci.upper,
            "mean_log_rr_bias": float(np.mean(np.log(fitted["estimate"]) - np.log(fitted["true_rr"]))),
            "median_estimate": float(fitted["estimate"].median())}


def reference_comparison(n_sim: int = 200, years_each_side: int = 4, baseline_rate: float = 20.0, nb_alpha: float = 0.05,
                         alpha: float = 0.05, seed: int = 20240102) -> pd.DataFrame:
    """False-positive rate of the level change with a t versus a z reference on short, overdispersed
    simulated series with no effect (true rate ratio 1). One row per reference distribution:
    reference_distribution, n_sim, false_positive_rate (share of p < alpha), and its Wilson interval."""
    rows = []
    for reference in ("t", "z"):
        study = coverage_study(n_sim=n_sim, true_rr=1.0, years_before=years_each_side, years_after=years_each_side,
                               baseline_rate=baseline_rate, nb_alpha=nb_alpha, reference_distribution=reference,
                               alpha=alpha, seed=seed)
        hits = int((study["p_value"] < alpha).sum())
        ci = proportion_interval(hits, len(study), alpha=alpha)
        rows.append({"reference_distribution": reference, "n_sim": len(study), "false_positive_rate": hits / len(study),
                     "lower": ci.lower, "upper": ci.upper, "nominal": alpha})
    return pd.DataFrame(rows)


def trend_bias_study(n_sim: int = 200, trend_rr: float = 0.9, years_each_side: int = 8, baseline_rate: float = 20.0,
                     seed: int = 20240103) -> pd.DataFrame:
    """Simulated series with a falling trend and NO intervention effect: the naive before/after rate
    ratio against the segmented model's level rate ratio. One row per method: method, median rate
    ratio, share of series where the method's estimate is below 0.9 (a spurious "effect")."""
    from antt.models.its import naive_before_after

    children = np.random.SeedSequence(seed).spawn(int(n_sim))
    naive, segmented = [], []
    for child in children:
        series = simulate_series(years_before=years_each_side, years_after=years_each_side, baseline_rate=baseline_rate,
                                 level_rr=1.0, trend_rr=trend_rr, seed=child)
        start = next(iter(series.attrs["interventions"].values()))
        naive.append(naive_before_after(series, start).rate_ratio)
        fit = fit_its(series.drop(columns="expected"), series.attrs["interventions"], slope_change=False, sensitivity=False,
                      light=True)
        segmented.append(fit.rate_ratio(kind="level")["rate_ratio"])
    return pd.DataFrame([
        {"method": "naive before/after", "median_rate_ratio": float(np.median(naive)),
         "share_below_0_9": float(np.mean(np.array(naive) < 0.9)), "true_rate_ratio": 1.0},
        {"method": "segmented Poisson (level change, trend)", "median_rate_ratio": float(np.median(segmented)),
         "share_below_0_9": float(np.mean(np.array(segmented) < 0.9)), "true_rate_ratio": 1.0},
    ])
