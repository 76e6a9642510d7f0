"""Interrupted time series: segmented Poisson regression of yearly or monthly counts.

Model (log link)::

    log E[count_t] = log(population_t) + b0 + b1 * time_t
                     + sum_i [ level_i * step_i(t) + slope_i * ramp_i(t) ] + harmonics

* ``time_t`` is years (yearly data) or months (monthly data) since the first observation.
* ``step_i(t)`` is 1 from intervention i's first period on, 0 before; ``exp(level_i)`` is the rate ratio
  of the level change at the intervention's start (relative to the pre-intervention trend projected).
* ``ramp_i(t)`` is ``time_t − start_i`` from the start on (0 at the first post-intervention period) and 0
  before; ``exp(slope_i)`` is the change of the trend, as a rate ratio per year (or per month).
* The offset ``log(population)`` is used when a population column is present; rates are then per person
  (per period). Without it the model is for counts per period.
* Harmonics (monthly data only): ``sin(2 pi k month / 12)`` and ``cos(2 pi k month / 12)``, k = 1..K.

Headline family: quasi-Poisson, i.e. the Poisson GLM with scale ``max(1, Pearson X2 / df_resid)`` and,
by default, Student t reference on ``df_resid`` degrees of freedom for intervals and p-values. Plain
Poisson (scale 1, normal reference) is always reported beside it. Sensitivity analyses (never the
headline): a negative binomial (NB2) with its dispersion alpha estimated, and Newey–West (HAC) standard
errors. Durbin–Watson and the residual autocorrelation are descriptive only.

A model the data cannot identify is not fitted: ``fit_its`` first calls ``check_sufficiency`` and raises
``InsufficientDataError`` (with the verdict and a message saying which periods to collect) when there
are fewer than ``min_points`` points on either side of an intervention, and when the design is rank
deficient or leaves no residual degrees of freedom.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.stats.stattools import durbin_watson
from statsmodels.tsa.stattools import acf

from antt.models._common import check_alpha, dataclass_to_dict
from antt.models.sufficiency import (  # noqa: F401  (re-exported: the public API of antt.models.its)
    InsufficientDataError,
    InterventionSupport,
    SufficiencyVerdict,
    check_sufficiency,
    is_whole_number,
    period_label,
    period_ranges,
    start_index,
)

FAMILIES = ("quasi-poisson", "poisson")
REFERENCE_DISTRIBUTIONS = ("t", "z")

#: With fewer points than this, ``slope_change=None`` fits level changes only.
AUTO_SLOPE_MIN_POINTS = 12

HAC_CAVEAT = ("Newey–West (HAC) standard errors are a sensitivity analysis only: they rely on estimating "
              "autocovariances, which is unreliable on short series (intervals are typically too narrow with "
              "few points), and the maxlags choice is arbitrary.")


# --------------------------------------------------------------------------------------------
# Design
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Prepared:
    frame: pd.DataFrame  # sorted input with period, time
    exog: pd.DataFrame
    endog: np.ndarray
    offset: np.ndarray  # zeros when no offset
    has_offset: bool
    monthly: bool
    starts: dict[str, int]  # name -> time index (years or months since first observation)
    level_terms: dict[str, str]  # column -> intervention
    slope_terms: dict[str, str]


def _prepare(series: pd.DataFrame, interventions: Mapping[str, Any], slope_change: bool, harmonics: int,
             offset_column: str | None, count_column: str) -> _Prepared:
    monthly = "month" in series.columns
    df = series.copy()
    df["_period"] = df["year"].astype(int) * 12 + df["month"].astype(int) - 1 if monthly else df["year"].astype(int)
    df = df.sort_values("_period").reset_index(drop=True)
    first = int(df["_period"].iloc[0])
    df["time"] = (df["_period"] - first).astype(float)
    y = df[count_column].to_numpy(dtype=float)
    cols: dict[str, np.ndarray] = {"intercept": np.ones(len(df)), "time": df["time"].to_numpy()}
    starts, levels, slopes = {}, {}, {}
    for name, start in sorted(interventions.items(), key=lambda kv: start_index(str(kv[0]), kv[1], monthly)):
        st = start_index(str(name), start, monthly) - first
        starts[str(name)] = st
        t = df["time"].to_numpy()
        cols[f"level_{name}"] = (t >= st).astype(float)
        levels[f"level_{name}"] = str(name)
        if slope_change:
            cols[f"slope_{name}"] = np.where(t >= st, t - st, 0.0)
            slopes[f"slope_{name}"] = str(name)
    if harmonics:
        m = df["month"].to_numpy(dtype=float)
        for k in range(1, harmonics + 1):
            cols[f"sin{k}"] = np.sin(2 * np.pi * k * m / 12)
            cols[f"cos{k}"] = np.cos(2 * np.pi * k * m / 12)
    exog = pd.DataFrame(cols)
    if offset_column is not None:
        offset = np.log(df[offset_column].to_numpy(dtype=float))
    else:
        offset = np.zeros(len(df))
    return _Prepared(frame=df, exog=exog, endog=y, offset=offset, has_offset=offset_column is not None,
                     monthly=monthly, starts=starts, level_terms=levels, slope_terms=slopes)


def _validate_series(series: pd.DataFrame, count_column: str, offset_column: str | None) -> None:
    if not isinstance(series, pd.DataFrame):
        raise ValueError("series must be a pandas DataFrame with columns year, [month], count, [population]")
    for col in ("year", count_column):
        if col not in series.columns:
            raise ValueError(f"series has no column {col!r} (columns: {list(series.columns)})")
    needed = ["year", count_column] + (["month"] if "month" in series.columns else [])
    if offset_column is not None:
        needed.append(offset_column)
    if series[needed].isna().any().any():
        bad = [c for c in needed if series[c].isna().any()]
        raise ValueError(f"series has missing values in {bad}: drop those rows (the gap is then reported)")
    for col in ["year"] + (["month"] if "month" in series.columns else []):
        values = series[col].to_numpy(dtype=float)
        if not np.all(values == np.round(values)):
            raise ValueError(f"column {col!r} must hold whole numbers")
    if "month" in series.columns and not series["month"].between(1, 12).all():
        raise ValueError("column 'month' must be in 1..12")
    counts = series[count_column].to_numpy(dtype=float)
    if np.any(counts < 0) or not np.all(counts == np.round(counts)):
        raise ValueError(f"column {count_column!r} must hold non-negative whole counts")
    keys = ["year", "month"] if "month" in series.columns else ["year"]
    if series.duplicated(keys).any():
        dup = series.loc[series.duplicated(keys, keep=False), keys].drop_duplicates().to_dict("records")
        raise ValueError(f"series has more than one row for the same period: {dup}")
    if offset_column is not None and not (series[offset_column].to_numpy(dtype=float) > 0).all():
        raise ValueError(f"column {offset_column!r} (offset log({offset_column})) must be > 0")


# --------------------------------------------------------------------------------------------
# Inference helpers
# --------------------------------------------------------------------------------------------

def _crit(alpha: float, reference: str, df: float) -> float:
    return float(stats.t.ppf(1 - alpha / 2, df)) if reference == "t" else float(stats.norm.ppf(1 - alpha / 2))


def _p_two_sided(stat: np.ndarray, reference: str, df: float) -> np.ndarray:
    stat = np.abs(np.asarray(stat, dtype=float))
    return 2 * (stats.t.sf(stat, df) if reference == "t" else stats.norm.sf(stat))


#: A log-scale coefficient beyond this, or a standard error above ``_SEPARATED_SE``, marks separation.
_SEPARATED_COEF = 10.0
_SEPARATED_SE = 100.0


def _separated_terms(prep: _Prepared, params: pd.Series, bse: pd.Series) -> dict[str, int]:
    """Level/slope terms driven to ±infinity (separation): {column: direction (−1 or +1)}.

    A level term is separated when every count is zero on one side of its step (then its coefficient
    runs off, Hauck–Donner); any term is treated as separated when its coefficient or standard error is
    absurdly large on the log scale.
    """
    out = {}
    for col in list(prep.level_terms) + list(prep.slope_terms):
        b, se = float(params[col]), float(bse[col])
        on = prep.exog[col].to_numpy() > 0
        zero_side = prep.endog[on].sum() == 0 or prep.endog[~on].sum() == 0
        if (zero_side and abs(b) > _SEPARATED_COEF) or not math.isfinite(se) or se > _SEPARATED_SE:
            out[col] = -1 if b < 0 else 1
    return out


def _profile_bounds(prep: _Prepared, col: str, direction: int, min_deviance: float, scale: float,
                    critical: float) -> tuple[float, float]:
    """Profile-likelihood interval (log scale) for a separated coefficient.

    The set of b with (D(b) − D_min) / scale <= critical, where D(b) is the Poisson deviance with the
    coefficient fixed at b (the other coefficients refitted). The profile deviance is convex, so the
    bound on the finite side is found by bracketing and Brent's method; the other side is infinite.
    Returns (−inf, upper) for a coefficient running to −infinity, (lower, inf) for +infinity; an infinite
    finite-side bound means the data do not bound the effect at all (e.g. level and slope both free).
    """
    from scipy.optimize import brentq

    others = prep.exog.drop(columns=col)
    x = prep.exog[col].to_numpy()

    def excess(b: float) -> float:
        fit = _fit_glm(prep.endog, others, prep.offset + b * x)
        return (float(fit.deviance) - min_deviance) / scale - critical

    far = 40.0 * direction  # deep in the separated direction: the profile deviance is at its minimum
    step, edge = 2.0, 0.0
    while excess(edge) <= 0:
        edge -= direction * step
        step *= 2
        if abs(edge) > 50:
            return (-math.inf, math.inf)
    bound = float(brentq(excess, far, edge, xtol=1e-10)) if direction < 0 else float(brentq(excess, edge, far, xtol=1e-10))
    return (-math.inf, bound) if direction < 0 else (bound, math.inf)


def _exp(x: float) -> float:
    if x == -math.inf:
        return 0.0
    if x > 700:
        return math.inf
    return math.exp(x)


def _terms_table(model: str, headline: bool, params: pd.Series, bse: pd.Series, prep: _Prepared, alpha: float,
                 reference: str, df: float, lr_p: Mapping[str, float] | None = None,
                 profile: Mapping[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Rate ratios of the level/slope terms. Wald intervals, except for separated terms: their coefficient
    is reported as ±inf (rate ratio 0 or inf, its limit), with the profile-likelihood interval when given
    (``profile``) and NaN otherwise; their Wald p-value is NaN (meaningless: use lr_p_value)."""
    crit = _crit(alpha, reference, df)
    separated = _separated_terms(prep, params, bse)
    rows = []
    for col, kind, name in ([(c, "level", n) for c, n in prep.level_terms.items()]
                            + [(c, "slope", n) for c, n in prep.slope_terms.items()]):
        b, se = float(params[col]), float(bse[col])
        row = {"model": model, "headline": headline, "term": col, "intervention": name, "kind": kind}
        if col in separated:
            b_lim = math.inf * separated[col]
            lo, up = (profile or {}).get(col, (math.nan, math.nan))
            row.update({"coef": b_lim, "se": math.nan, "rate_ratio": _exp(b_lim), "lower": _exp(lo),
                        "upper": _exp(up), "p_value": math.nan, "separated": True,
                        "interval_method": "profile likelihood" if profile and col in profile
                        else "none (separation)"})
        else:
            row.update({"coef": b, "se": se, "rate_ratio": _exp(b), "lower": _exp(b - crit * se),
                        "upper": _exp(b + crit * se), "p_value": float(_p_two_sided(b / se, reference, df)),
                        "separated": False, "interval_method": "Wald"})
        row.update({"lr_p_value": (lr_p or {}).get(col, math.nan), "reference_distribution": reference,
                    "df": df if reference == "t" else math.inf})
        rows.append(row)
    return pd.DataFrame(rows)


def _fit_glm(y: np.ndarray, exog: pd.DataFrame, offset: np.ndarray, **fit_kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.GLM(y, exog, family=sm.families.Poisson(), offset=offset).fit(**fit_kwargs)


def _lr_p_values(prep: _Prepared, full_deviance: float, scale: float, reference: str, df_resid: float,
                 quasi: bool) -> dict[str, float]:
    """Likelihood-ratio (deviance) test of each level/slope term: chi2(1) for Poisson; for quasi-Poisson
    F(1, df_resid) on the deviance drop divided by the scale (chi2(1) of the scaled drop under a z reference)."""
    out = {}
    for col in list(prep.level_terms) + list(prep.slope_terms):
        reduced = _fit_glm(prep.endog, prep.exog.drop(columns=col), prep.offset)
        drop = max(0.0, float(reduced.deviance) - full_deviance)
        if not quasi:
            out[col] = float(stats.chi2.sf(drop, 1))
        elif reference == "t":
            out[col] = float(stats.f.sf(drop / scale, 1, df_resid))
        else:
            out[col] = float(stats.chi2.sf(drop / scale, 1))
    return out


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ITSResult:
    """A fitted interrupted time series (see the module docstring for the model).

    * ``rate_ratios``: one row per model and level/slope term — columns model ("quasi-poisson",
      "poisson", "negative-binomial (sensitivity)", "poisson-HAC (sensitivity)"), headline (bool), term,
      intervention, kind ("level": rate ratio of the step at the start; "slope": rate ratio per
      ``time_unit`` of the change in trend), coef (log scale), se, rate_ratio, lower, upper (two-sided
      interval at 1 − alpha), p_value (Wald), lr_p_value (likelihood ratio / F on the deviance, Poisson
      and quasi-Poisson only), reference_distribution, df.
    * ``coefficients``: every coefficient of the headline model on the log scale with its interval.
    * ``scale``: the quasi-Poisson scale used, ``max(1, pearson_dispersion)``; ``pearson_dispersion`` is
      Pearson X2 / df_resid of the Poisson fit.
    * ``predictions``: expected counts per period with and without the interventions (see ``counterfactual``).
    * ``verdict``: the data-sufficiency verdict; ``notes``: plain-English caveats.

    ``fitted`` holds the statsmodels results and the design (not serialised by ``to_dict``).
    """

    family: str
    reference_distribution: str
    alpha: float
    frequency: str
    time_unit: str
    n_points: int
    interventions: dict[str, str]
    slope_change: bool
    harmonics: int
    offset_column: str | None
    verdict: SufficiencyVerdict
    pearson_dispersion: float
    scale: float
    deviance: float
    df_resid: float
    rate_ratios: pd.DataFrame = field(repr=False, compare=False)
    coefficients: pd.DataFrame = field(repr=False, compare=False)
    predictions: pd.DataFrame = field(repr=False, compare=False)
    nb_alpha: float | None = None
    nb_alpha_se: float | None = None
    hac_maxlags: int | None = None
    hac_caveat: str = HAC_CAVEAT
    durbin_watson: float = math.nan
    residual_acf: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()
    fitted: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def headline(self) -> pd.DataFrame:
        """The rows of ``rate_ratios`` for the headline model."""
        return self.rate_ratios[self.rate_ratios["headline"]].reset_index(drop=True)

    def rate_ratio(self, intervention: str | None = None, kind: str = "level", model: str | None = None) -> dict:
        """One row of ``rate_ratios`` as a dict (default: the headline model's level change of the first
        intervention)."""
        rr = self.rate_ratios
        rr = rr[rr["model"] == (model or self.family)]
        rr = rr[rr["kind"] == kind]
        if intervention is not None:
            rr = rr[rr["intervention"] == intervention]
        if rr.empty:
            raise KeyError(f"no {kind} term for intervention {intervention!r} in model {model or self.family!r}")
        return rr.iloc[0].to_dict()

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self, skip=("fitted",))


def _time_frame(prep: _Prepared) -> pd.DataFrame:
    cols = ["year", "month"] if prep.monthly else ["year"]
    out = prep.frame[cols].copy().astype(int)
    out.insert(0, "time", prep.frame["time"].to_numpy())
    return out


def counterfactual(result: ITSResult, alpha: float | None = None) -> pd.DataFrame:
    """Expected counts per period from the headline model, with and without the interventions.

    Columns: time (years or months since the first observation), year, [month], count (observed),
    offset (log scale; 0 without population), fitted, fitted_lower, fitted_upper (with the interventions,
    as observed), counterfactual, counterfactual_lower, counterfactual_upper (every level/slope term set to
    0: the pre-intervention trend continued), and ``post`` (True from the first intervention on).

    Intervals are pointwise at 1 − alpha (default: the fit's alpha) for the expected count, computed on
    the link scale with the headline model's covariance (scale included) and reference distribution, then
    exponentiated. statsmodels' ``get_prediction`` ignores the fitted offset whenever ``exog`` is given and
    would silently return rates per person: the offset is therefore always passed again explicitly.
    """
    alpha = result.alpha if alpha is None else check_alpha(alpha)
    glm = result.fitted["headline"]
    prep: _Prepared = result.fitted["prepared"]
    reference = "z" if result.family == "poisson" else result.reference_distribution
    crit = _crit(alpha, reference, glm.df_resid)
    exog_cf = prep.exog.copy()
    for col in list(prep.level_terms) + list(prep.slope_terms):
        exog_cf[col] = 0.0
    out = _time_frame(prep)
    out["count"] = prep.endog.astype(np.int64)
    out["offset"] = prep.offset
    for label, exog in (("fitted", prep.exog), ("counterfactual", exog_cf)):
        pred = glm.get_prediction(exog=exog, offset=prep.offset, which="linear")  # offset passed: see docstring
        eta, se = np.asarray(pred.predicted, dtype=float), np.asarray(pred.se, dtype=float)
        with np.errstate(over="ignore"):  # a separated fit can have astronomically wide upper limits
            out[label] = np.exp(eta)
            out[f"{label}_lower"] = np.exp(eta - crit * se)
            out[f"{label}_upper"] = np.exp(eta + crit * se)
    first_start = min(prep.starts.values())
    out["post"] = out["time"] >= first_start
    return out


def _newey_west_lags(n: int) -> int:
    """Newey–West (1994) rule of thumb: floor(4 (n/100)^(2/9)), at least 1."""
    return max(1, int(math.floor(4 * (n / 100) ** (2 / 9))))


def fit_its(series: pd.DataFrame, interventions: Mapping[str, Any], slope_change: bool | None = None,
            harmonics: int = 0, offset_column: str | None = "population", alpha: float = 0.05,
            family: str = "quasi-poisson", reference_distribution: str = "t", count_column: str = "count",
            sensitivity: bool = True, hac_maxlags: int | None = None, min_points: int = 3, warn_below: int = 8,
            outcome: str = "events", light: bool = False) -> ITSResult:
    """Fit a segmented Poisson (quasi-Poisson by default) interrupted time series.

    Parameters
    ----------
    series:
        DataFrame with ``year``, optional ``month`` (1–12; then the data are monthly and time is in
        months), ``count_column`` (non-negative whole counts per period) and optionally the population
        column named by ``offset_column``. Gaps are allowed (time keeps its calendar spacing).
    interventions:
        ``{name: first year}``; for monthly data ``{name: (year, month)}`` is also accepted (an integer
        year means its January).
    slope_change:
        Add a change-in-slope term per intervention. ``None`` (automatic): level and slope with at least
        12 points, level only below (the result's ``notes`` say so).
    harmonics:
        Number of sin/cos pairs of month (period 12) for seasonality; monthly data only.
    offset_column:
        Column whose log is the offset (rates per person per period). With the default "population" and
        no such column, counts are modelled without an offset (noted). ``None``: no offset.
    alpha:
        Intervals are two-sided at 1 − alpha.
    family:
        Headline model: "quasi-poisson" (default; scale ``max(1, X2/df_resid)``) or "poisson".
    reference_distribution:
        "t" (default: Student t on df_resid degrees of freedom, since the scale is estimated) or "z"
        (normal; what published quasi-Poisson analyses computed with R's ``confint.default`` or
        statsmodels' defaults report). Applies to quasi-Poisson and the sensitivity models; plain Poisson,
        whose scale is fixed at 1, always uses z.
    sensitivity:
        Also fit the negative binomial (NB2, dispersion estimated) and Poisson-HAC sensitivity models.
    hac_maxlags:
        Lags of the Newey–West covariance; default floor(4 (n/100)^(2/9)), at least 1.
    min_points, warn_below, outcome:
        Passed to ``check_sufficiency``.
    light:
        For simulation studies that fit thousands of series: skip the likelihood-ratio p-values
        (``lr_p_value`` is NaN) and the predictions (empty). Estimates, Wald intervals and p-values are
        unchanged.

    Raises
    ------
    InsufficientDataError
        When the verdict is "refuse", the design matrix is rank deficient, no residual degree of freedom
        is left, or every count is zero. Nothing is fitted in that case.
    """
    alpha = check_alpha(alpha)
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    if reference_distribution not in REFERENCE_DISTRIBUTIONS:
        raise ValueError(f"reference_distribution must be 't' or 'z', got {reference_distribution!r}")
    if not is_whole_number(harmonics) or not 0 <= harmonics <= 5:
        raise ValueError(f"harmonics must be an integer 0..5, got {harmonics!r}")
    notes: list[str] = []
    if offset_column is not None and offset_column not in series.columns:
        if offset_column == "population":
            notes.append("No population column: counts per period are modelled without an offset.")
            offset_column = None
        else:
            raise ValueError(f"offset column {offset_column!r} is not in the series (columns: {list(series.columns)})")
    _validate_series(series, count_column, offset_column)
    monthly = "month" in series.columns
    if harmonics and not monthly:
        raise ValueError("harmonics need monthly data (a 'month' column)")

    verdict = check_sufficiency(series["year"].astype(int).tolist(), interventions, min_points=min_points,
                                warn_below=warn_below,
                                months=series["month"].astype(int).tolist() if monthly else None, outcome=outcome)
    if verdict.status == "refuse":
        raise InsufficientDataError(verdict)
    if verdict.status == "warn":
        notes.append(verdict.message)

    n = len(series)
    if slope_change is None:
        slope_change = n >= AUTO_SLOPE_MIN_POINTS
        if not slope_change:
            notes.append(f"Level change only: with {n} points (< {AUTO_SLOPE_MIN_POINTS}) a change in slope "
                         f"cannot be estimated reliably, so slope_change was set to False automatically.")
    prep = _prepare(series, interventions, bool(slope_change), harmonics, offset_column, count_column)
    p = prep.exog.shape[1]
    periods = prep.frame["_period"].astype(int).tolist()
    gaps = sorted(set(range(periods[0], periods[-1] + 1)) - set(periods))
    if gaps:
        notes.append(f"Gaps in the series ({period_ranges(gaps, monthly)} missing): time keeps its calendar spacing; "
                     f"the missing periods are simply not used.")
    refusal = None
    if prep.endog.sum() == 0:
        refusal = ("Refused: every count is zero, so no rate or change of rate can be estimated. An exact "
                   "zero-count upper bound on the rate is what such data support.")
    elif np.linalg.matrix_rank(prep.exog.to_numpy()) < p:
        refusal = (f"Refused: the design matrix (columns {list(prep.exog.columns)}) is rank deficient with these "
                   f"{n} points, so some effects cannot be separated. Collect more periods around the "
                   f"interventions or drop terms (slope_change=False, fewer harmonics).")
    elif n - p < 1:
        refusal = (f"Refused: {n} points for {p} coefficients leave no residual degree of freedom, so neither the "
                   f"scale nor any interval can be estimated. Collect more periods or drop terms.")
    if refusal:
        raise InsufficientDataError(dataclasses.replace(verdict, status="refuse",
                                                        message=refusal + " " + verdict.message))

    df_resid = float(n - p)
    # Poisson (scale 1, normal reference).
    pois = _fit_glm(prep.endog, prep.exog, prep.offset)
    dispersion = float(pois.pearson_chi2 / pois.df_resid)
    scale = max(1.0, dispersion)
    use_t = reference_distribution == "t"
    quasi = _fit_glm(prep.endog, prep.exog, prep.offset, scale=scale, use_t=use_t)
    if dispersion < 1:
        notes.append(f"Pearson X2/df = {dispersion:.3g} < 1 (underdispersion or a small sample): the quasi-Poisson "
                     f"scale is floored at 1, so its intervals are never narrower than Poisson's.")
    if family == "quasi-poisson" and reference_distribution == "t":
        notes.append(f"Quasi-Poisson intervals and p-values use Student t with {df_resid:g} degrees of freedom.")
    elif family == "quasi-poisson":
        notes.append("Quasi-Poisson intervals use the normal (z) reference, as published analyses often do; "
                     "with few points t is more honest.")

    if light:
        lr_pois = lr_quasi = {col: math.nan for col in list(prep.level_terms) + list(prep.slope_terms)}
    else:
        lr_pois = _lr_p_values(prep, float(pois.deviance), 1.0, "z", df_resid, quasi=False)
        lr_quasi = _lr_p_values(prep, float(pois.deviance), scale, reference_distribution, df_resid, quasi=True)
    # Separation (a side of a step with no events): the coefficient runs to ±infinity and Wald intervals are
    # meaningless (Hauck–Donner); report the profile-likelihood interval and the likelihood-ratio p-value.
    separated = _separated_terms(prep, pois.params, pois.bse)
    q_quasi = (float(stats.f.ppf(1 - alpha, 1, df_resid)) if reference_distribution == "t"
               else float(stats.chi2.ppf(1 - alpha, 1)))
    q_pois = float(stats.chi2.ppf(1 - alpha, 1))
    prof_quasi = {c: _profile_bounds(prep, c, d, float(pois.deviance), scale, q_quasi) for c, d in separated.items()}
    prof_pois = {c: _profile_bounds(prep, c, d, float(pois.deviance), 1.0, q_pois) for c, d in separated.items()}
    for col in separated:
        name = {**prep.level_terms, **prep.slope_terms}[col]
        notes.append(f"Separation in {col!r} ({name!r}): with no events on one side its coefficient is infinite, "
                     f"so its rate ratio is reported at its limit with a profile-likelihood interval and the "
                     f"likelihood-ratio p-value (lr_p_value); the Wald p-value is not reported.")
    tables = [
        _terms_table("quasi-poisson", family == "quasi-poisson", quasi.params, quasi.bse, prep, alpha,
                     reference_distribution, df_resid, lr_quasi, prof_quasi),
        _terms_table("poisson", family == "poisson", pois.params, pois.bse, prep, alpha, "z", df_resid, lr_pois,
                     prof_pois),
    ]
    headline_glm = quasi if family == "quasi-poisson" else pois
    head_ref = reference_distribution if family == "quasi-poisson" else "z"
    if family == "poisson" and reference_distribution == "t":
        notes.append("Plain Poisson has its scale fixed at 1: its intervals use the normal (z) reference.")

    fitted: dict[str, Any] = {"poisson": pois, "quasi-poisson": quasi, "headline": headline_glm, "prepared": prep}
    nb_alpha = nb_alpha_se = None
    maxlags = None
    if sensitivity:
        # Negative binomial (NB2) with the dispersion alpha estimated by maximum likelihood.
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                nbm = NegativeBinomial(prep.endog, prep.exog, loglike_method="nb2", offset=prep.offset)
                # Start from the Poisson fit and a moment estimate of alpha; BFGS works on log(alpha), which
                # keeps alpha > 0 near the Poisson boundary; Newton polishes if BFGS stops early.
                mu = np.asarray(pois.mu, dtype=float)
                alpha0 = max(1e-4, float(((prep.endog - mu) ** 2 - mu).sum() / (mu ** 2).sum()))
                start = np.append(pois.params.to_numpy(), alpha0)
                nb = nbm.fit(start_params=start, disp=0, method="bfgs", maxiter=2000)
                if not nb.mle_retvals.get("converged", True):
                    caught.clear()
                    nb = nbm.fit(start_params=nb.params.to_numpy(), disp=0, method="newton", maxiter=200)
            converged = bool(nb.mle_retvals.get("converged", True)) and np.all(np.isfinite(nb.bse))
            nb_alpha = float(nb.params["alpha"])
            nb_alpha_se = float(nb.bse["alpha"]) if np.isfinite(nb.bse["alpha"]) else None
            tables.append(_terms_table("negative-binomial (sensitivity)", False, nb.params, nb.bse, prep, alpha,
                                       reference_distribution, df_resid))
            fitted["negative-binomial"] = nb
            if not converged or any("converge" in str(w.message).lower() for w in caught):
                notes.append("The negative binomial fit did not converge cleanly (typical when the data show no "
                             "overdispersion, alpha near 0): treat it with caution.")
        except Exception as exc:  # noqa: BLE001 - a sensitivity analysis must not break the headline
            notes.append(f"The negative binomial sensitivity fit failed ({type(exc).__name__}: {exc}).")
        maxlags = hac_maxlags if hac_maxlags is not None else _newey_west_lags(n)
        hac = _fit_glm(prep.endog, prep.exog, prep.offset, cov_type="HAC", cov_kwds={"maxlags": int(maxlags)},
                       use_t=use_t)
        tables.append(_terms_table("poisson-HAC (sensitivity)", False, hac.params, hac.bse, prep, alpha,
                                   reference_distribution, df_resid))
        fitted["poisson-HAC"] = hac
        if n < 30:
            notes.append(f"HAC standard errors with {n} points are unreliable; see hac_caveat.")

    resid = np.asarray(pois.resid_pearson, dtype=float)
    dw = float(durbin_watson(resid))
    nlags = max(1, min(n // 2, 12))
    acf_values = tuple(float(x) for x in acf(resid, nlags=nlags, fft=False)[1:])
    notes.append("Durbin–Watson and the residual autocorrelations are descriptive only"
                 + (f"; with {n} points (< 12) they say little about autocorrelation." if n < 12 else "."))

    crit = _crit(alpha, head_ref, df_resid)
    coefficients = pd.DataFrame({"term": list(prep.exog.columns), "coef": headline_glm.params.to_numpy(),
                                 "se": headline_glm.bse.to_numpy()})
    coefficients["lower"] = coefficients["coef"] - crit * coefficients["se"]
    coefficients["upper"] = coefficients["coef"] + crit * coefficients["se"]
    coefficients["p_value"] = _p_two_sided(coefficients["coef"] / coefficients["se"], head_ref, df_resid)

    interventions_out = {name: period_label(start_index(name, s, monthly), monthly) for name, s in
                         ((str(k), v) for k, v in interventions.items())}
    result = ITSResult(
        family=family, reference_distribution=head_ref, alpha=alpha, frequency="month" if monthly else "year",
        time_unit="months" if monthly else "years", n_points=n, interventions=interventions_out,
        slope_change=bool(slope_change), harmonics=int(harmonics), offset_column=offset_column, verdict=verdict,
        pearson_dispersion=dispersion, scale=scale if family == "quasi-poisson" else 1.0,
        deviance=float(pois.deviance), df_resid=df_resid,
        rate_ratios=pd.concat(tables, ignore_index=True), coefficients=coefficients, predictions=pd.DataFrame(),
        nb_alpha=nb_alpha, nb_alpha_se=nb_alpha_se, hac_maxlags=maxlags, durbin_watson=dw,
        residual_acf=acf_values, notes=tuple(notes), fitted=fitted)
    return result if light else dataclasses.replace(result, predictions=counterfactual(result))


# --------------------------------------------------------------------------------------------
# A deliberately naive comparison (for demonstration only)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NaiveComparison:
    """Mean rate after / mean rate before an intervention, ignoring any trend (demonstration only)."""

    rate_before: float
    rate_after: float
    rate_ratio: float
    points_before: int
    points_after: int
    note: str = ("naive before/after ratio: ignores the underlying trend, so it is biased whenever the rate was "
                 "already changing; never a headline estimate")

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


def naive_before_after(series: pd.DataFrame, intervention: Any, count_column: str = "count",
                       offset_column: str | None = None) -> NaiveComparison:
    """Naive rate ratio (total count / total exposure after) / (… before) around one intervention.

    Rates are per period (per person per period with ``offset_column``). Shown only to demonstrate the
    bias that the segmented model avoids: under a pre-existing trend this ratio moves even when the
    intervention did nothing.
    """
    monthly = "month" in series.columns
    period = series["year"].astype(int) * 12 + series["month"].astype(int) - 1 if monthly else series["year"].astype(int)
    start = start_index("intervention", intervention, monthly)
    post = (period >= start).to_numpy()
    counts = series[count_column].to_numpy(dtype=float)
    exposure = series[offset_column].to_numpy(dtype=float) if offset_column else np.ones(len(series))
    if post.all() or not post.any():
        raise ValueError("the intervention must fall inside the series")
    before = counts[~post].sum() / exposure[~post].sum()
    after = counts[post].sum() / exposure[post].sum()
    return NaiveComparison(rate_before=float(before), rate_after=float(after),
                           rate_ratio=float(after / before) if before > 0 else math.inf,
                           points_before=int((~post).sum()), points_after=int(post.sum()))
