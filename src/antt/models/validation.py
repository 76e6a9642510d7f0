"""Method validation on simulated series (simulated data only: say "simulated" wherever these are shown).

* ``simulate_series`` makes a yearly or monthly count series with known level and slope effects, optionally
  negative binomial (overdispersed) and with AR(1) noise on the log rate (autocorrelated).
* ``Scenario`` is one simulated design; ``default_scenarios`` the ones checked by default: low counts
  (2 a year), moderate counts (20 a year), overdispersed, autocorrelated and with a pre-existing trend.
* ``validation_study`` fits the headline model of ``fit_its`` (quasi-Poisson, t reference) to ``n_sim`` series per
  scenario with a true level rate ratio ``true_rr`` (coverage) and ``n_sim`` with none (false positives), and also
  runs the t-versus-z comparison on short overdispersed series and the naive before/after bias study. Every rate
  comes with its Monte Carlo standard error ``sqrt(r (1 - r) / n)`` and Wilson interval.
* ``coverage_study``, ``reference_comparison`` and ``trend_bias_study`` run one part each.

Engines: ``engine="fit_its"`` fits every series with ``fit_its`` (about 15 ms a series). ``engine="fast"`` (the
default) gets the same numbers from one vectorised IRLS that follows statsmodels' steps, for every series whose
fit is a plain Wald fit (the design restricted to the periods with events has full rank: no separation), and
hands every other series (refused, boundary, not identified, not converged) to ``fit_its``; the tests check that
both engines give the same draws (to 1e-9 relative, in practice 1e-13) on every default scenario and on series
with separation.

How each draw counts (the same rules everywhere):

* Coverage: the headline interval of the level rate ratio covers ``true_rr`` (``lower <= true_rr <= upper``).
  A term the data cannot identify has the interval 0 to inf, which covers; a boundary estimate (separation)
  has its one-sided profile-likelihood interval. A refused fit (``InsufficientDataError``, e.g. every count
  zero) and a fit that did not converge count as NOT covered.
* False positive: the headline test as reported rejects at ``alpha`` -- the Wald p-value, or for a boundary
  row the likelihood-ratio p-value (``lr_p_value``, obtained by refitting that series without ``light``).
  A refused fit, a not-identified term (no p-value) and a fit that did not converge count as NOT rejected.
* The scale floor: the headline quasi-Poisson scale is ``max(1, Pearson X2 / df_resid)``. The "unfloored"
  columns use the same fit with the scale NOT floored: ``se = se_poisson * sqrt(X2 / df_resid)``, the same
  reference distribution (t on df_resid by default). They differ from the headline only where X2/df < 1.
  Rows without a Wald interval (boundary, not identified, profile likelihood) keep their headline values.

Speed and reproducibility: draw ``i`` of a part always uses the seed
``numpy.random.SeedSequence(entropy, spawn_key=(i,))`` (the ``i``-th child of ``SeedSequence(entropy)``), so the
first ``n`` draws do not depend on ``n_sim`` and the results do not depend on the number of worker processes
(``workers``; the draws are spread over a process pool in fixed chunks and put back in order). Nothing here
reads or writes files: caching a study's results is the pipeline's business.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
import zlib
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from antt.models._common import check_alpha, check_count
from antt.models.its import AUTO_SLOPE_MIN_POINTS, fit_its
from antt.models.processes import default_workers, map_in_processes
from antt.models.proportions import proportion_interval
from antt.models.sufficiency import InsufficientDataError, check_sufficiency

#: Draws per task sent to a worker process (fixed, so the work split never depends on the worker count).
CHUNK = 100


# --------------------------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------------------------


def simulate_series(
    years_before: int = 8,
    years_after: int = 8,
    baseline_rate: float = 20.0,
    level_rr: float = 1.0,
    slope_rr: float = 1.0,
    trend_rr: float = 1.0,
    frequency: str = "year",
    seasonal_amplitude: float = 0.0,
    nb_alpha: float = 0.0,
    population: float | None = None,
    population_growth: float = 0.0,
    first_year: int = 2000,
    ar_rho: float = 0.0,
    ar_sd: float = 0.0,
    seed: int | np.random.SeedSequence = 0,
) -> pd.DataFrame:
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
    at the start).

    Noise: with ``ar_sd > 0`` the log rate of each period gets ``e_t - ar_sd**2 / 2``, where ``e`` is a
    stationary Gaussian AR(1) process with lag-1 autocorrelation ``ar_rho`` and standard deviation ``ar_sd``
    (``e_0 ~ N(0, ar_sd^2)``, ``e_t = ar_rho e_(t-1) + sqrt(1 - ar_rho^2) ar_sd z_t``); the ``- ar_sd**2 / 2`` keeps
    the expected count equal to ``expected``. ``e`` is returned in a ``log_rate_noise`` column (only then).
    With ``nb_alpha > 0`` counts are negative binomial given the rate (gamma–Poisson, variance
    mu + nb_alpha mu^2); otherwise Poisson. Random numbers: ``numpy.random.default_rng(seed)``, drawn in
    the order AR noise, gamma, Poisson (so a series without AR noise is what earlier versions drew).

    Columns: year, [month], count, expected (the expected count, noise averaged out), [population],
    [log_rate_noise].
    """
    arrays = _simulate_arrays(
        years_before,
        years_after,
        baseline_rate,
        level_rr,
        slope_rr,
        trend_rr,
        frequency,
        seasonal_amplitude,
        nb_alpha,
        population,
        population_growth,
        first_year,
        ar_rho,
        ar_sd,
        seed,
    )
    out = pd.DataFrame({"year": arrays["year"]})
    if arrays["month"] is not None:
        out["month"] = arrays["month"]
    out["count"] = arrays["count"]
    out["expected"] = arrays["expected"]
    if arrays["population"] is not None:
        out["population"] = arrays["population"]
    if arrays["log_rate_noise"] is not None:
        out["log_rate_noise"] = arrays["log_rate_noise"]
    out.attrs["interventions"] = {"simulated_intervention": arrays["start_year"]}
    out.attrs["simulated"] = True
    return out


def _simulate_arrays(
    years_before: int,
    years_after: int,
    baseline_rate: float,
    level_rr: float,
    slope_rr: float,
    trend_rr: float,
    frequency: str,
    seasonal_amplitude: float,
    nb_alpha: float,
    population: float | None,
    population_growth: float,
    first_year: int,
    ar_rho: float,
    ar_sd: float,
    seed: int | np.random.SeedSequence,
) -> dict[str, Any]:
    """``simulate_series`` as numpy arrays (keys year, month, count, expected, population, log_rate_noise: None
    when absent; start_year): the simulation studies draw thousands of series and skip the DataFrame."""
    if frequency not in ("year", "month"):
        raise ValueError(f"frequency must be 'year' or 'month', got {frequency!r}")
    if years_before < 0 or years_after < 0:
        raise ValueError("years_before and years_after must be >= 0")
    if baseline_rate <= 0 or level_rr < 0 or slope_rr <= 0 or trend_rr <= 0 or nb_alpha < 0:
        raise ValueError("baseline_rate, slope_rr and trend_rr must be > 0; level_rr and nb_alpha >= 0")
    if not -1 < ar_rho < 1 or ar_sd < 0:
        raise ValueError(f"ar_rho must be in (-1, 1) and ar_sd >= 0, got ar_rho={ar_rho!r}, ar_sd={ar_sd!r}")
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
    rate, noise = mu, None
    if ar_sd > 0:
        z = rng.standard_normal(len(k))
        noise = np.empty(len(k))
        innovation_sd = math.sqrt(1 - ar_rho**2) * ar_sd
        for i in range(len(k)):
            noise[i] = ar_sd * z[0] if i == 0 else ar_rho * noise[i - 1] + innovation_sd * z[i]
        rate = mu * np.exp(noise - ar_sd**2 / 2)
    if nb_alpha > 0:
        lam = rng.gamma(shape=1 / nb_alpha, scale=rate * nb_alpha)
        counts = rng.poisson(lam)
    else:
        counts = rng.poisson(rate)
    return {
        "year": year.astype(int),
        "month": None if month is None else month.astype(int),
        "count": counts.astype(int),
        "expected": mu,
        "population": pop,
        "log_rate_noise": noise,
        "start_year": int(start_year),
    }


@dataclass(frozen=True)
class Scenario:
    """One simulated yearly design with a single intervention (see ``simulate_series`` for the model).

    ``name`` is a plain key (the reports label it from the catalogue, ``scenario_<name>``); ``baseline_rate``
    the expected count per year at the intervention's start absent any effect; ``nb_alpha`` the negative
    binomial dispersion (0: Poisson); ``ar_rho`` and ``ar_sd`` the AR(1) noise on the log rate; ``trend_rr`` a
    pre-existing trend (rate ratio per year, before and after).
    """

    name: str
    baseline_rate: float = 20.0
    years_before: int = 8
    years_after: int = 8
    nb_alpha: float = 0.0
    ar_rho: float = 0.0
    ar_sd: float = 0.0
    trend_rr: float = 1.0

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError("a scenario needs a name")
        for field_name in ("years_before", "years_after"):
            check_count(getattr(self, field_name), field_name)
        if self.baseline_rate <= 0 or self.trend_rr <= 0 or self.nb_alpha < 0 or self.ar_sd < 0:
            raise ValueError(f"scenario {self.name!r}: baseline_rate and trend_rr must be > 0, nb_alpha and ar_sd >= 0")
        if not -1 < self.ar_rho < 1:
            raise ValueError(f"scenario {self.name!r}: ar_rho must be in (-1, 1), got {self.ar_rho!r}")

    def _arguments(self, level_rr: float) -> dict[str, Any]:
        return {
            "years_before": self.years_before,
            "years_after": self.years_after,
            "baseline_rate": self.baseline_rate,
            "level_rr": level_rr,
            "trend_rr": self.trend_rr,
            "nb_alpha": self.nb_alpha,
            "ar_rho": self.ar_rho,
            "ar_sd": self.ar_sd,
        }

    def simulate(self, level_rr: float, seed: int | np.random.SeedSequence) -> pd.DataFrame:
        """One simulated series of this scenario with the level rate ratio ``level_rr`` (``simulate_series``)."""
        return simulate_series(**self._arguments(level_rr), seed=seed)

    def counts(self, level_rr: float, seed: int | np.random.SeedSequence) -> np.ndarray:
        """The ``count`` column of ``simulate(level_rr, seed)``, without building the DataFrame."""
        arguments = {
            "slope_rr": 1.0,
            "frequency": "year",
            "seasonal_amplitude": 0.0,
            "population": None,
            "population_growth": 0.0,
            "first_year": 2000,
            **self._arguments(level_rr),
        }
        return _simulate_arrays(**arguments, seed=seed)["count"]

    def years(self) -> list[int]:
        """The years of every simulated series of this scenario (the intervention starts in
        ``2000 + years_before``, as ``attrs["interventions"]`` of ``simulate`` says)."""
        return list(range(2000, 2000 + self.years_before + self.years_after))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def default_scenarios(
    years_each_side: int = 8,
    low_rate: float = 2.0,
    moderate_rate: float = 20.0,
    nb_alpha: float = 0.15,
    ar_rho: float = 0.5,
    ar_sd: float = 0.2,
    trend_rr: float = 0.93,
) -> tuple[Scenario, ...]:
    """The scenarios checked by default, in report order: low counts (``low_rate`` a year, Poisson), moderate
    counts (``moderate_rate``, Poisson), overdispersed (moderate, negative binomial ``nb_alpha``), autocorrelated
    (moderate, AR(1) log-rate noise ``ar_rho``, ``ar_sd``) and a pre-existing trend (moderate, ``trend_rr`` per
    year); ``years_each_side`` years before and after the intervention."""
    common = {"years_before": years_each_side, "years_after": years_each_side}
    return (
        Scenario("low_counts", baseline_rate=low_rate, **common),
        Scenario("moderate_counts", baseline_rate=moderate_rate, **common),
        Scenario("overdispersed", baseline_rate=moderate_rate, nb_alpha=nb_alpha, **common),
        Scenario("autocorrelated", baseline_rate=moderate_rate, ar_rho=ar_rho, ar_sd=ar_sd, **common),
        Scenario("pre_existing_trend", baseline_rate=moderate_rate, trend_rr=trend_rr, **common),
    )


DEFAULT_SCENARIOS = default_scenarios()
#: Short, overdispersed series with no effect: where a z reference inflates false positives.
REFERENCE_SCENARIO = Scenario("short_overdispersed", baseline_rate=20.0, years_before=4, years_after=4, nb_alpha=0.05)
#: A falling trend and no effect: where the naive before/after comparison finds a spurious drop.
TREND_BIAS_SCENARIO = Scenario("falling_trend", baseline_rate=20.0, trend_rr=0.9)


# --------------------------------------------------------------------------------------------
# One draw
# --------------------------------------------------------------------------------------------

#: Columns of the draws of an ITS part, in order (see ``coverage_study``).
DRAW_COLUMNS = (
    "sim",
    "status",
    "estimate",
    "lower",
    "upper",
    "p_value",
    "p_value_z",
    "lower_unfloored",
    "upper_unfloored",
    "p_value_unfloored",
    "scale",
    "pearson_dispersion",
    "df_resid",
)
TREND_COLUMNS = ("sim", "naive_rate_ratio", "segmented_rate_ratio")
REFUSED = "refused"
_WALD = "Wald"


def _fit(series: pd.DataFrame, options: dict[str, Any], alpha: float, **extra: Any):
    return fit_its(
        series[["year", "count"]], series.attrs["interventions"], alpha=alpha, sensitivity=False, **{**options, **extra}
    )


def _its_draw(
    scenario: Scenario, level_rr: float, alpha: float, options: dict[str, Any], seed: np.random.SeedSequence, sim: int
) -> tuple:
    """One simulated series fitted; a tuple in ``DRAW_COLUMNS`` order."""
    series = scenario.simulate(level_rr, seed)
    try:
        res = _fit(series, options, alpha, light=True)
    except InsufficientDataError:
        nan = math.nan
        return (sim, REFUSED, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan)
    head = res.rate_ratio(kind="level")
    status, reference, df = str(head["status"]), res.reference_distribution, float(res.df_resid)
    dispersion = float(res.pearson_dispersion)
    lower, upper = float(head["lower"]), float(head["upper"])
    if head["interval_method"] == _WALD:
        coef, se = float(head["coef"]), float(head["se"])
        p_value = float(head["p_value"])
        p_z = float(2 * stats.norm.sf(abs(coef / se)))
        # Unfloored: the quasi-Poisson scale without max(1, .): Poisson se times sqrt(X2/df), same reference.
        se_u = float(res.rate_ratio(kind="level", model="poisson")["se"]) * math.sqrt(dispersion)
        crit = float(stats.t.ppf(1 - alpha / 2, df)) if reference == "t" else float(stats.norm.ppf(1 - alpha / 2))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            lower_u, upper_u = float(np.exp(coef - crit * se_u)), float(np.exp(coef + crit * se_u))
            stat = abs(coef / se_u) if se_u > 0 else (math.inf if coef != 0 else 0.0)
        p_u = float(2 * (stats.t.sf(stat, df) if reference == "t" else stats.norm.sf(stat)))
    else:
        # No Wald interval (boundary: one-sided profile likelihood; not identified: 0 to inf): the test as
        # reported is the likelihood-ratio one, which light fits skip, so this (rare) series is refitted.
        if status in ("boundary", "estimated"):  # estimated: a profile interval where Wald values were not finite
            p_value = float(_fit(series, options, alpha).rate_ratio(kind="level")["lr_p_value"])
            # The z reference turns fit_its's F(1, df) test of the scaled deviance drop into chi2(1) of the same drop.
            p_z = (
                float(stats.chi2.sf(stats.f.isf(p_value, 1, df), 1))
                if reference == "t" and res.family == "quasi-poisson"
                else p_value
            )
        else:
            p_value = p_z = math.nan
        lower_u, upper_u, p_u = lower, upper, p_value
    # At the boundary fit_its reports no estimate, only its limit: the draw keeps the limit (0 or inf).
    estimate = (0.0 if head["limit"] == "0" else math.inf) if status == "boundary" else float(head["rate_ratio"])
    return (sim, status, estimate, lower, upper, p_value, p_z, lower_u, upper_u, p_u, float(res.scale), dispersion, df)


def _naive_rate_ratio(scenario: Scenario, seed: np.random.SeedSequence) -> float:
    """The naive before/after rate ratio of a series with no effect: ``naive_before_after``'s formula (mean count
    after / mean count before; inf when no event before) on the counts alone (tested against it)."""
    counts = scenario.counts(1.0, seed)
    before, after = counts[: scenario.years_before].mean(), counts[scenario.years_before :].mean()
    return float(after / before) if before > 0 else math.inf


#: The segmented model of the trend-bias study: level change only (the trend is the pre-existing one).
_TREND_OPTIONS = {"family": "quasi-poisson", "reference_distribution": "t", "slope_change": False}


# --------------------------------------------------------------------------------------------
# Parts, the process pool and the cache
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    """``n_sim`` draws of one kind ("its" or "trend") from one scenario; draw i uses the seed
    ``SeedSequence(entropy, spawn_key=(i,))``."""

    kind: str
    scenario: Scenario
    level_rr: float
    alpha: float
    n_sim: int
    entropy: tuple[int, ...]
    options: tuple[tuple[str, Any], ...] = ()
    engine: str = "fast"


def _run_chunk(part: _Part, start: int, stop: int) -> list[tuple]:
    """Draws ``start`` to ``stop - 1`` of ``part`` (a worker's task)."""
    options = dict(part.options)
    seeds = [np.random.SeedSequence(part.entropy, spawn_key=(i,)) for i in range(start, stop)]
    if part.kind == "trend":
        options = _TREND_OPTIONS
    if part.engine == "fast":
        rows = _its_draws_fast(part.scenario, part.level_rr, part.alpha, options, seeds, start)
    else:
        rows = [
            _its_draw(part.scenario, part.level_rr, part.alpha, options, seed, i)
            for i, seed in zip(range(start, stop), seeds)
        ]
    if part.kind == "trend":  # the segmented model's level rate ratio beside the naive ratio of the same series
        return [(row[0], _naive_rate_ratio(part.scenario, seed), row[2]) for row, seed in zip(rows, seeds)]
    return rows


# --------------------------------------------------------------------------------------------
# The fast engine: one vectorised IRLS for the series whose fit is a plain Wald fit
# --------------------------------------------------------------------------------------------

ENGINES = ("fast", "fit_its")


def _design(scenario: Scenario, slope_change: bool | None) -> np.ndarray:
    """The design ``fit_its`` builds for a yearly series of ``scenario`` without offset: intercept, time (years since
    the first), level step, and (``slope_change``, automatic as in ``fit_its``) the ramp after the start. The
    level step is column 2."""
    n, start = scenario.years_before + scenario.years_after, scenario.years_before
    time = np.arange(n, dtype=float)
    columns = [np.ones(n), time, (time >= start).astype(float)]
    if slope_change is None:
        slope_change = n >= AUTO_SLOPE_MIN_POINTS
    if slope_change:
        columns.append(np.where(time >= start, time - start, 0.0))
    return np.column_stack(columns)


def _poisson_deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    return 2 * (special.xlogy(y, y / mu) - (y - mu)).sum(axis=-1)


def _poisson_irls(
    x: np.ndarray, y: np.ndarray, scale_of: Any, max_iter: int = 100, tol: float = 1e-8
) -> dict[str, np.ndarray]:
    """Poisson log-link GLM of the rows of ``y`` (series × n) on ``x`` (n × p) by IRLS, vectorised over series, step
    for step as statsmodels' ``GLM.fit()``, which ``fit_its`` uses twice: the Poisson fit, and the quasi-Poisson
    fit with its scale fixed. statsmodels starts at ``mu = (y + mean(y)) / 2``, solves the weighted least squares
    of the working response, and stops once the deviance divided by the scale changes by at most ``tol``; the
    covariance is ``inv(X' W X)`` with the weights of the last step. Following the same steps (not merely
    converging to the same MLE) is what makes the draws agree with ``fit_its``'s: stopping where the deviance
    settles leaves the coefficients about ``sqrt(tol)`` from the exact MLE, and the quasi-Poisson fit, whose
    criterion is divided by its scale, may stop a step earlier than the Poisson fit.

    ``scale_of(pearson_dispersion)`` gives the scale of the second fit (``max(1, X2/df)`` for quasi-Poisson).
    Returns a dict of arrays: params, cov (of the Poisson fit, scale 1), mu (its fitted means), params_scaled
    and cov_scaled (the fit with the scale, covariance still without it), converged. Only for series whose MLE
    is finite (see ``_its_draws_fast``)."""
    n_series, p = y.shape[0], x.shape[1]
    mu = (y + y.mean(axis=1, keepdims=True)) / 2
    eta = np.log(mu)
    deviances, params, covs = [_poisson_deviance(y, mu)], [], []
    stop = np.full(n_series, -1)
    with np.errstate(all="ignore"):
        for k in range(max_iter):
            z = eta + (y - mu) / mu
            xtwx = np.einsum("ni,sn,nj->sij", x, mu, x)
            b = np.linalg.solve(xtwx, np.einsum("ni,sn->si", x, mu * z)[..., None])[..., 0]
            eta = b @ x.T
            mu = np.exp(eta)
            deviances.append(_poisson_deviance(y, mu))
            params.append(b)
            covs.append(np.linalg.inv(xtwx))
            stop[(stop < 0) & (np.abs(deviances[-1] - deviances[-2]) <= tol)] = k
            if (stop >= 0).all():
                break
        rows = np.arange(n_series)
        converged = stop >= 0
        final = np.where(converged, stop, len(params) - 1)
        params_arr, cov_arr, dev_arr = np.stack(params), np.stack(covs), np.stack(deviances)
        beta, cov = params_arr[final, rows], cov_arr[final, rows]
        mu = np.exp(beta @ x.T)
        dispersion = ((y - mu) ** 2 / mu).sum(axis=1) / (y.shape[1] - p)
        scale = scale_of(dispersion)
        # The scaled fit's criterion is |delta deviance| / scale <= tol: the first step where that holds.
        settled = np.abs(np.diff(dev_arr, axis=0)) <= tol * scale[None, :]
        scaled_stop = np.where(settled.any(axis=0), settled.argmax(axis=0), final)
    return {
        "params": beta,
        "cov": cov,
        "mu": mu,
        "dispersion": dispersion,
        "scale": scale,
        "params_scaled": params_arr[scaled_stop, rows],
        "cov_scaled": cov_arr[scaled_stop, rows],
        "converged": converged & np.isfinite(beta).all(axis=1),
    }


def _its_draws_fast(
    scenario: Scenario,
    level_rr: float,
    alpha: float,
    options: dict[str, Any],
    seeds: Sequence[np.random.SeedSequence],
    first: int,
) -> list[tuple]:
    """The rows ``_its_draw`` would give for these seeds, with ``fit_its``'s formulas applied to one vectorised
    Poisson IRLS wherever its fit is a plain Wald fit, and ``_its_draw`` (``fit_its`` itself) elsewhere.

    A plain Wald fit is guaranteed when the design restricted to the periods with events has full column rank:
    then no direction of the coefficients can leave the likelihood flat or increasing (Haberman 1974), so the
    MLE is finite, there is no boundary or not-identified term, and ``fit_its`` reports Wald intervals:
    quasi-Poisson ``se = se_poisson * sqrt(max(1, X2/df))``, ``b ± crit * se`` and the two-sided p-value on
    t(df_resid) (z with ``reference_distribution="z"``; plain Poisson: scale 1 and z). Everything else -- a
    design ``fit_its`` refuses, a series whose events leave the design rank deficient (e.g. all zero, or
    events in one year only after the start), an IRLS that does not converge -- is fitted by ``fit_its``. Since
    ``_poisson_irls`` takes statsmodels' steps, the draws agree with ``fit_its``'s to rounding (about 1e-13
    relative; the tests require 1e-9)."""
    family = options.get("family", "quasi-poisson")
    reference = "z" if family == "poisson" else options.get("reference_distribution", "t")
    x = _design(scenario, options.get("slope_change"))
    n, p = x.shape
    verdict = check_sufficiency(scenario.years(), {"simulated_intervention": 2000 + scenario.years_before})
    if verdict.status == "refuse" or np.linalg.matrix_rank(x) < p or n - p < 1:
        return [_its_draw(scenario, level_rr, alpha, options, seed, first + i) for i, seed in enumerate(seeds)]
    y = np.array([scenario.counts(level_rr, seed) for seed in seeds], dtype=float)
    plain = np.array([np.linalg.matrix_rank(x[row > 0]) == p if (row > 0).sum() >= p else False for row in y])
    rows: list[tuple | None] = [None] * len(seeds)
    if plain.any():
        quasi = family == "quasi-poisson"
        try:
            fit = _poisson_irls(x, y[plain], (lambda d: np.maximum(1.0, d)) if quasi else (lambda d: np.ones_like(d)))
        except np.linalg.LinAlgError:  # a singular step somewhere in the batch: every series goes to fit_its
            return [_its_draw(scenario, level_rr, alpha, options, seed, first + i) for i, seed in enumerate(seeds)]
        df, dispersion, scale = float(n - p), fit["dispersion"], fit["scale"]
        with np.errstate(all="ignore"):
            # The headline row is the scaled fit's (quasi-Poisson) or the Poisson fit's; the unfloored se is the
            # Poisson fit's se times sqrt(X2/df), as in ``_its_draw``.
            coef = fit["params_scaled"][:, 2] if quasi else fit["params"][:, 2]
            se = np.sqrt(scale * (fit["cov_scaled"][:, 2, 2] if quasi else fit["cov"][:, 2, 2]))
            se_u = np.sqrt(fit["cov"][:, 2, 2]) * np.sqrt(dispersion)
            if reference == "t":
                crit = float(stats.t.ppf(1 - alpha / 2, df))
                p_value, p_u = 2 * stats.t.sf(np.abs(coef / se), df), 2 * stats.t.sf(np.abs(coef / se_u), df)
            else:
                crit = float(stats.norm.ppf(1 - alpha / 2))
                p_value, p_u = 2 * stats.norm.sf(np.abs(coef / se)), 2 * stats.norm.sf(np.abs(coef / se_u))
            p_z = 2 * stats.norm.sf(np.abs(coef / se))
            values = np.column_stack(
                [
                    np.exp(coef),
                    np.exp(coef - crit * se),
                    np.exp(coef + crit * se),
                    p_value,
                    p_z,
                    np.exp(coef - crit * se_u),
                    np.exp(coef + crit * se_u),
                    p_u,
                    scale,
                    dispersion,
                ]
            )
        converged = fit["converged"]
        good = converged & np.isfinite(values).all(axis=1)
        for k, i in enumerate(np.flatnonzero(plain)):
            if good[k]:
                rows[i] = (first + int(i), "estimated", *(float(v) for v in values[k]), df)
    return [
        row if row is not None else _its_draw(scenario, level_rr, alpha, options, seeds[i], first + i)
        for i, row in enumerate(rows)
    ]


def _frame(part: _Part, rows: list[tuple]) -> pd.DataFrame:
    columns = DRAW_COLUMNS if part.kind == "its" else TREND_COLUMNS
    out = pd.DataFrame.from_records(rows, columns=list(columns))
    out["sim"] = out["sim"].astype(np.int64)
    for col in columns[1:]:
        out[col] = out[col].astype(str) if col == "status" else out[col].astype(float)
    return out


def _compute(parts: Sequence[_Part], workers: int) -> list[pd.DataFrame]:
    """Every draw of ``parts``, in order: in this process with one worker, else over a process pool.

    The pool uses the "spawn" start method (safe inside a Jupyter kernel, whose threads make fork unsafe); the
    draws go out in fixed chunks of ``CHUNK`` and come back in order, so the result never depends on
    ``workers``. An interrupt cancels the chunks not yet started. Like any "spawn" pool it needs a script that
    calls it to guard its top level with ``if __name__ == "__main__":``; if the pool breaks (that, or a worker
    killed), the draws are computed in this process instead, with a warning."""
    tasks = [
        (j, start, min(start + CHUNK, part.n_sim))
        for j, part in enumerate(parts)
        for start in range(0, part.n_sim, CHUNK)
    ]
    rows: list[list[tuple]] = [[] for _ in parts]
    if workers <= 1 or len(tasks) <= 1:
        for j, start, stop in tasks:
            rows[j].extend(_run_chunk(parts[j], start, stop))
    else:
        try:
            chunks = map_in_processes(_run_chunk, [(parts[j], start, stop) for j, start, stop in tasks], workers)
        except BrokenProcessPool as exc:
            warnings.warn(
                f"the simulation's process pool broke ({exc}); computing in this process instead",
                RuntimeWarning,
                stacklevel=4,
            )
            return _compute(parts, 1)
        for (j, _, _), chunk in zip(tasks, chunks):
            rows[j].extend(chunk)
    return [_frame(part, r) for part, r in zip(parts, rows)]


def _draws(parts: Sequence[_Part], workers: int | None) -> list[pd.DataFrame]:
    """The draws of every part, computed together (over ``workers`` processes; None: one per core)."""
    workers = default_workers() if workers is None else int(workers)
    if workers < 1:
        raise ValueError(f"workers must be >= 1 (or None: one per core), got {workers!r}")
    return _compute(list(parts), workers)


def _entropy(seed: int, label: str) -> tuple[int, ...]:
    """Seed entropy of a part: the study's seed and a stable hash of the part's label."""
    return (int(seed), zlib.crc32(label.encode()))


def _check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    return engine


def _options(family: str, reference_distribution: str, slope_change: bool | None) -> tuple[tuple[str, Any], ...]:
    return (("family", family), ("reference_distribution", reference_distribution), ("slope_change", slope_change))


# --------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------


def mc_rate(hits: int, n: int, alpha: float = 0.05) -> dict[str, float]:
    """A simulated rate ``hits / n`` with its Monte Carlo standard error ``sqrt(r (1 - r) / n)`` and its Wilson
    interval at 1 − alpha: keys rate, mc_se, lower, upper."""
    if n <= 0:
        return {"rate": math.nan, "mc_se": math.nan, "lower": math.nan, "upper": math.nan}
    r = hits / n
    ci = proportion_interval(int(hits), int(n), alpha=alpha)
    return {"rate": r, "mc_se": math.sqrt(r * (1 - r) / n), "lower": ci.lower, "upper": ci.upper}


def covered(draws: pd.DataFrame, true_rr: float, unfloored: bool = False) -> pd.Series:
    """Whether each draw's interval covers ``true_rr`` (refused fits: False; see the module docstring)."""
    lo, up = ("lower_unfloored", "upper_unfloored") if unfloored else ("lower", "upper")
    return (draws[lo] <= true_rr) & (true_rr <= draws[up])  # NaN compares False


def rejected(draws: pd.DataFrame, alpha: float, column: str = "p_value") -> pd.Series:
    """Whether each draw's test rejects at ``alpha`` (no p-value: False; see the module docstring)."""
    return draws[column] < alpha  # NaN compares False


def _status_counts(draws: pd.DataFrame) -> dict[str, int]:
    status = draws["status"]
    return {
        "n_refused": int((status == REFUSED).sum()),
        "n_not_identified": int((status == "not identified").sum()),
        "n_boundary": int((status == "boundary").sum()),
        "n_not_converged": int((status == "did not converge").sum()),
    }


def _log_bias(draws: pd.DataFrame, true_rr: float) -> float:
    est = draws.loc[draws["status"] == "estimated", "estimate"]
    est = est[np.isfinite(est) & (est > 0)]
    return float(np.mean(np.log(est) - math.log(true_rr))) if len(est) else math.nan


def summarise_coverage(study: pd.DataFrame, alpha: float = 0.05) -> dict[str, Any]:
    """Coverage of a ``coverage_study`` with its Monte Carlo SE and Wilson interval at 1 − alpha, and the bias
    of log(RR).

    Returns a dict: n_sim, n_fitted, coverage, coverage_se, coverage_lower, coverage_upper, coverage_unfloored,
    coverage_unfloored_se, mean_log_rr_bias (mean of log(estimate) − log(true_rr) over the draws with a finite,
    positive estimate: boundary estimates 0 or inf and not-identified terms are left out), median_estimate (over
    the draws with an estimate), n_refused, n_not_identified, n_boundary, n_not_converged.
    """
    n = len(study)
    true_rr = float(study["true_rr"].iloc[0]) if n else math.nan
    cov = mc_rate(int(study["covered"].sum()), n, alpha)
    unf = mc_rate(int(study["covered_unfloored"].sum()), n, alpha) if "covered_unfloored" in study else None
    estimates = study.loc[study["fitted"], "estimate"].dropna()
    out = {
        "n_sim": n,
        "n_fitted": int(study["fitted"].sum()),
        "coverage": cov["rate"],
        "coverage_se": cov["mc_se"],
        "coverage_lower": cov["lower"],
        "coverage_upper": cov["upper"],
        "coverage_unfloored": unf["rate"] if unf else math.nan,
        "coverage_unfloored_se": unf["mc_se"] if unf else math.nan,
        "mean_log_rr_bias": _log_bias(study if "status" in study else study.assign(status="estimated"), true_rr),
        "median_estimate": float(estimates.median()) if len(estimates) else math.nan,
    }
    if "status" in study:
        out.update(_status_counts(study))
    return out


def summarise_scenarios(
    draws: pd.DataFrame, scenarios: Sequence[Scenario], true_rr: float, alpha: float = 0.05
) -> pd.DataFrame:
    """One row per scenario from the draws of ``validation_study`` (purposes "coverage" and "false_positive").

    Columns: scenario and its parameters (baseline_rate, years_before, years_after, nb_alpha, ar_rho, ar_sd,
    trend_rr), true_rr, n_sim (draws per purpose), coverage, coverage_se, coverage_lower, coverage_upper (Wilson),
    coverage_unfloored, coverage_unfloored_se, coverage_unfloored_lower, coverage_unfloored_upper,
    false_positive_rate, false_positive_se, false_positive_lower, false_positive_upper, false_positive_unfloored,
    false_positive_unfloored_se, false_positive_unfloored_lower, false_positive_unfloored_upper, false_positive_z,
    false_positive_z_se (the same fits with a z reference), share_floored (share of fitted draws with Pearson
    X2/df < 1, where the floor is active), median_estimate, mean_log_rr_bias, and over all 2 n_sim fits of the
    scenario: n_fits, n_refused, n_not_identified, n_boundary, n_not_converged.
    """
    rows = []
    for sc in scenarios:
        mine = draws[draws["scenario"] == sc.name]
        cov = mine[mine["purpose"] == "coverage"]
        fp = mine[mine["purpose"] == "false_positive"]
        n_c, n_f = len(cov), len(fp)
        c = mc_rate(int(covered(cov, true_rr).sum()), n_c, alpha)
        cu = mc_rate(int(covered(cov, true_rr, unfloored=True).sum()), n_c, alpha)
        f = mc_rate(int(rejected(fp, alpha).sum()), n_f, alpha)
        fu = mc_rate(int(rejected(fp, alpha, "p_value_unfloored").sum()), n_f, alpha)
        fz = mc_rate(int(rejected(fp, alpha, "p_value_z").sum()), n_f, alpha)
        fitted = mine[mine["status"] != REFUSED]
        est = cov.loc[cov["status"].isin(["estimated", "boundary"]), "estimate"]
        row = {
            "scenario": sc.name,
            **{k: v for k, v in sc.to_dict().items() if k != "name"},
            "true_rr": true_rr,
            "n_sim": n_c,
            "coverage": c["rate"],
            "coverage_se": c["mc_se"],
            "coverage_lower": c["lower"],
            "coverage_upper": c["upper"],
            "coverage_unfloored": cu["rate"],
            "coverage_unfloored_se": cu["mc_se"],
            "coverage_unfloored_lower": cu["lower"],
            "coverage_unfloored_upper": cu["upper"],
            "false_positive_rate": f["rate"],
            "false_positive_se": f["mc_se"],
            "false_positive_lower": f["lower"],
            "false_positive_upper": f["upper"],
            "false_positive_unfloored": fu["rate"],
            "false_positive_unfloored_se": fu["mc_se"],
            "false_positive_unfloored_lower": fu["lower"],
            "false_positive_unfloored_upper": fu["upper"],
            "false_positive_z": fz["rate"],
            "false_positive_z_se": fz["mc_se"],
            "share_floored": float((fitted["pearson_dispersion"] < 1).mean()) if len(fitted) else math.nan,
            "median_estimate": float(est.median()) if len(est) else math.nan,
            "mean_log_rr_bias": _log_bias(cov, true_rr),
            "n_fits": len(mine),
            **_status_counts(mine),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def conservative_by_floor(summary: pd.DataFrame, alpha: float = 0.05) -> list[str]:
    """Scenarios whose coverage is clearly above the nominal 1 − alpha only because of the scale floor: the Wilson
    interval of the headline coverage lies above 1 − alpha, that of the unfloored coverage does not."""
    nominal = 1 - alpha
    keep = (summary["coverage_lower"] > nominal) & ~(summary["coverage_unfloored_lower"] > nominal)
    return summary.loc[keep, "scenario"].tolist()


def below_nominal(summary: pd.DataFrame, alpha: float = 0.05) -> list[str]:
    """Scenarios where the headline is clearly anti-conservative: the Wilson interval of coverage lies below
    1 − alpha, or that of the false-positive rate above alpha."""
    keep = (summary["coverage_upper"] < 1 - alpha) | (summary["false_positive_lower"] > alpha)
    return summary.loc[keep, "scenario"].tolist()


def _reference_table(draws: pd.DataFrame, alpha: float) -> pd.DataFrame:
    rows = []
    for reference, column in (("t", "p_value"), ("z", "p_value_z")):
        r = mc_rate(int(rejected(draws, alpha, column).sum()), len(draws), alpha)
        rows.append(
            {
                "reference_distribution": reference,
                "n_sim": len(draws),
                "false_positive_rate": r["rate"],
                "mc_se": r["mc_se"],
                "lower": r["lower"],
                "upper": r["upper"],
                "nominal": alpha,
            }
        )
    return pd.DataFrame(rows)


def _trend_table(draws: pd.DataFrame, threshold: float = 0.9) -> pd.DataFrame:
    rows = []
    for method, col in (
        ("naive before/after", "naive_rate_ratio"),
        ("segmented Poisson (level change, trend)", "segmented_rate_ratio"),
    ):
        values = draws[col].to_numpy(dtype=float)
        share = mc_rate(int(np.sum(values < threshold)), len(values))
        rows.append(
            {
                "method": method,
                "n_sim": len(values),
                "median_rate_ratio": float(np.nanmedian(values)),
                "share_below_0_9": share["rate"],
                "share_se": share["mc_se"],
                "true_rate_ratio": 1.0,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Studies
# --------------------------------------------------------------------------------------------


def coverage_study(
    n_sim: int = 2000,
    true_rr: float = 0.7,
    years_before: int = 8,
    years_after: int = 8,
    baseline_rate: float = 20.0,
    trend_rr: float = 1.0,
    nb_alpha: float = 0.0,
    ar_rho: float = 0.0,
    ar_sd: float = 0.0,
    family: str = "quasi-poisson",
    reference_distribution: str = "t",
    slope_change: bool | None = None,
    alpha: float = 0.05,
    seed: int = 20240101,
    workers: int | None = 1,
    engine: str = "fast",
) -> pd.DataFrame:
    """Fit ``fit_its`` to ``n_sim`` simulated yearly series and check the level rate ratio's interval (simulated).

    Draw i uses the seed ``SeedSequence(seed, spawn_key=(i,))`` (the i-th child of ``SeedSequence(seed)``).
    Sensitivity models are skipped for speed. See the module docstring for how refused, boundary and
    not-identified fits count and for the "unfloored" columns.

    Returns one row per draw: sim, true_rr, status ("estimated", "boundary", "not identified", "did not converge"
    or "refused"), estimate (headline level rate ratio), lower, upper (interval at 1 − alpha), covered, p_value
    (the test as reported), p_value_z (the same fit, z reference), lower_unfloored, upper_unfloored,
    covered_unfloored, p_value_unfloored, scale, pearson_dispersion, df_resid, fitted (False when refused).
    """
    alpha = check_alpha(alpha)
    scenario = Scenario(
        "coverage_study",
        baseline_rate=baseline_rate,
        years_before=years_before,
        years_after=years_after,
        nb_alpha=nb_alpha,
        ar_rho=ar_rho,
        ar_sd=ar_sd,
        trend_rr=trend_rr,
    )
    part = _Part(
        "its",
        scenario,
        float(true_rr),
        alpha,
        check_count(n_sim, "n_sim"),
        (int(seed),),
        _options(family, reference_distribution, slope_change),
        _check_engine(engine),
    )
    (draws,) = _draws([part], workers)
    out = draws.copy()
    out.insert(1, "true_rr", float(true_rr))
    out["covered"] = covered(out, true_rr)
    out["covered_unfloored"] = covered(out, true_rr, unfloored=True)
    out["fitted"] = out["status"] != REFUSED
    return out


def reference_comparison(
    n_sim: int = 2000,
    years_each_side: int = 4,
    baseline_rate: float = 20.0,
    nb_alpha: float = 0.05,
    alpha: float = 0.05,
    seed: int = 20240102,
    workers: int | None = 1,
    engine: str = "fast",
) -> pd.DataFrame:
    """False-positive rate of the level change with a t versus a z reference on short, overdispersed simulated
    series with no effect (true rate ratio 1); both from the same fits. One row per reference distribution:
    reference_distribution, n_sim, false_positive_rate (share of p < alpha), mc_se, lower, upper (Wilson),
    nominal."""
    alpha = check_alpha(alpha)
    scenario = Scenario(
        "short_overdispersed",
        baseline_rate=baseline_rate,
        years_before=years_each_side,
        years_after=years_each_side,
        nb_alpha=nb_alpha,
    )
    part = _Part(
        "its",
        scenario,
        1.0,
        alpha,
        check_count(n_sim, "n_sim"),
        (int(seed),),
        _options("quasi-poisson", "t", None),
        _check_engine(engine),
    )
    (draws,) = _draws([part], workers)
    return _reference_table(draws, alpha)


def trend_bias_study(
    n_sim: int = 2000,
    trend_rr: float = 0.9,
    years_each_side: int = 8,
    baseline_rate: float = 20.0,
    seed: int = 20240103,
    workers: int | None = 1,
    engine: str = "fast",
) -> pd.DataFrame:
    """Simulated series with a falling trend and NO intervention effect: the naive before/after rate ratio against
    the segmented model's level rate ratio (level change only). One row per method: method, n_sim,
    median_rate_ratio, share_below_0_9 (share of series where the estimate is below 0.9, a spurious "effect"),
    share_se (its Monte Carlo SE), true_rate_ratio."""
    scenario = Scenario(
        "falling_trend",
        baseline_rate=baseline_rate,
        years_before=years_each_side,
        years_after=years_each_side,
        trend_rr=trend_rr,
    )
    part = _Part("trend", scenario, 1.0, 0.05, check_count(n_sim, "n_sim"), (int(seed),), engine=_check_engine(engine))
    (draws,) = _draws([part], workers)
    return _trend_table(draws)


@dataclass(frozen=True)
class ValidationStudy:
    """The results of ``validation_study`` (all simulated).

    * ``summary``: one row per scenario (see ``summarise_scenarios``).
    * ``draws``: every ITS draw, columns scenario, purpose ("coverage" with the level rate ratio ``true_rr``,
      "false_positive" with none, "reference" for the t-versus-z part), then ``DRAW_COLUMNS``.
    * ``reference``: false-positive rates with t and z references on ``reference_scenario`` (same fits).
    * ``trend_bias``: the naive before/after ratio against the segmented model on ``trend_scenario``.
    """

    scenarios: tuple[Scenario, ...]
    reference_scenario: Scenario
    trend_scenario: Scenario
    n_sim: int
    true_rr: float
    alpha: float
    seed: int
    summary: pd.DataFrame = dataclasses.field(repr=False)
    draws: pd.DataFrame = dataclasses.field(repr=False)
    reference: pd.DataFrame = dataclasses.field(repr=False)
    trend_bias: pd.DataFrame = dataclasses.field(repr=False)


def validation_study(
    scenarios: Sequence[Scenario] = DEFAULT_SCENARIOS,
    n_sim: int = 2000,
    true_rr: float = 0.7,
    alpha: float = 0.05,
    seed: int = 20240101,
    reference_scenario: Scenario = REFERENCE_SCENARIO,
    trend_scenario: Scenario = TREND_BIAS_SCENARIO,
    workers: int | None = None,
    engine: str = "fast",
) -> ValidationStudy:
    """The whole simulated validation: per scenario ``n_sim`` draws with the level rate ratio ``true_rr``
    (coverage) and ``n_sim`` with none (false positives); ``n_sim`` draws of ``reference_scenario`` with no effect
    (t versus z); ``n_sim`` draws of ``trend_scenario`` (naive before/after bias). Headline model: ``fit_its``'s
    defaults (quasi-Poisson, t reference, level and slope change with 12 points or more).

    Part p's draw i uses ``SeedSequence((seed, crc32(label_p)), spawn_key=(i,))``, label_p naming the part
    ("coverage:<scenario>", "false_positive:<scenario>", "reference:<scenario>", "trend:<scenario>"): results do not
    depend on the other scenarios or on ``workers`` (None: one per core).
    ``engine``: "fast" (default) or "fit_its" (see the module docstring).
    """
    alpha = check_alpha(alpha)
    n_sim = check_count(n_sim, "n_sim")
    if n_sim < 1:
        raise ValueError("n_sim must be >= 1")
    if not true_rr > 0:
        raise ValueError(f"true_rr must be > 0, got {true_rr!r}")
    scenarios = tuple(scenarios)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must be unique, got {names}")
    options, engine = _options("quasi-poisson", "t", None), _check_engine(engine)
    parts, labels = [], []
    for sc in scenarios:
        for purpose, rr in (("coverage", float(true_rr)), ("false_positive", 1.0)):
            parts.append(_Part("its", sc, rr, alpha, n_sim, _entropy(seed, f"{purpose}:{sc.name}"), options, engine))
            labels.append((sc.name, purpose))
    parts.append(
        _Part(
            "its",
            reference_scenario,
            1.0,
            alpha,
            n_sim,
            _entropy(seed, f"reference:{reference_scenario.name}"),
            options,
            engine,
        )
    )
    labels.append((reference_scenario.name, "reference"))
    parts.append(
        _Part("trend", trend_scenario, 1.0, alpha, n_sim, _entropy(seed, f"trend:{trend_scenario.name}"), engine=engine)
    )
    frames = _draws(parts, workers)
    its_frames = [
        f.assign(scenario=name, purpose=purpose)[["scenario", "purpose", *DRAW_COLUMNS]]
        for f, (name, purpose) in zip(frames[:-1], labels)
    ]
    draws = pd.concat(its_frames, ignore_index=True)
    return ValidationStudy(
        scenarios=scenarios,
        reference_scenario=reference_scenario,
        trend_scenario=trend_scenario,
        n_sim=n_sim,
        true_rr=float(true_rr),
        alpha=alpha,
        seed=int(seed),
        summary=summarise_scenarios(draws, scenarios, float(true_rr), alpha),
        draws=draws,
        reference=_reference_table(draws[draws["purpose"] == "reference"], alpha),
        trend_bias=_trend_table(frames[-1]),
    )
