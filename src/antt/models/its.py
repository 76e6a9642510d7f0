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

Separation (no events on a side of a step, e.g. "no new addicts after the model") puts the maximum-likelihood
estimate on the boundary: a linear programme finds the coefficients that run off to ±infinity, whose rate
ratios are then reported at their limit (0 or inf) with a one-sided profile-likelihood interval, or as not
identified when the likelihood is flat in them; every row of ``rate_ratios`` says which (``status``,
``interval_method``). A sensitivity model that fails is reported as "did not converge", never as a number.

A model the data cannot identify is not fitted: ``fit_its`` first calls ``check_sufficiency`` and raises
``InsufficientDataError`` (with the verdict and a message saying which periods to collect) when there
are fewer than ``min_points`` points on either side of an intervention, and when the design is rank
deficient or leaves no residual degrees of freedom.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from scipy.optimize import brentq, linprog, minimize_scalar
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.stats.stattools import durbin_watson
from statsmodels.tsa.stattools import acf

from antt.models._common import check_alpha, dataclass_to_dict
from antt.models.notes import Note
from antt.models.sufficiency import (
    InsufficientDataError,
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

HAC_CAVEAT = (
    "Newey–West (HAC) standard errors are a sensitivity analysis only: they rely on estimating "
    "autocovariances, which is unreliable on short series (intervals are typically too narrow with "
    "few points), and the maxlags choice is arbitrary."
)


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


def _prepare(
    series: pd.DataFrame,
    interventions: Mapping[str, Any],
    slope_change: bool,
    harmonics: int,
    offset_column: str | None,
    count_column: str,
) -> _Prepared:
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
    return _Prepared(
        frame=df,
        exog=exog,
        endog=y,
        offset=offset,
        has_offset=offset_column is not None,
        monthly=monthly,
        starts=starts,
        level_terms=levels,
        slope_terms=slopes,
    )


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


#: ``status`` of a term in ``rate_ratios`` (and of a coefficient in ``coefficients``).
ESTIMATED = "estimated"
BOUNDARY = "boundary"  # the MLE is infinite (separation): the rate ratio's estimate is its limit, 0 or inf
NOT_IDENTIFIED = "not identified"  # the likelihood is flat in the term: no estimate, interval 0 to inf
NOT_CONVERGED = "did not converge"  # a sensitivity model whose fit failed: no numbers at all
STATUSES = (ESTIMATED, BOUNDARY, NOT_IDENTIFIED, NOT_CONVERGED)

#: Tolerance of the linear programmes that look for directions of separation (columns scaled to max |x| = 1).
_LP_TOL = 1e-7
#: Profile-likelihood searches stop where a term shifts the linear predictor by this much (a rate ratio
#: beyond exp(±20), about 5e8): a bound further out is reported as unbounded. Further out the constrained
#: IRLS fits stop converging and the profile deviance turns into noise (which broke the old root search).
_PROFILE_REACH = 20.0


def _level_slope(prep: _Prepared) -> list[tuple[str, str, str]]:
    """(column, kind, intervention) of every level and slope term, levels first."""
    return [(c, "level", n) for c, n in prep.level_terms.items()] + [
        (c, "slope", n) for c, n in prep.slope_terms.items()
    ]


def _open_sides(prep: _Prepared, columns: Sequence[str] | None = None) -> dict[str, tuple[bool, bool]]:
    """Coefficients without a finite maximum-likelihood estimate: {column: (runs to −inf, runs to +inf)}.

    The Poisson likelihood never decreases along a direction d of the coefficients iff X d = 0 on the rows
    with events and X d <= 0 on the rows with zero counts (Haberman 1974). Such a d exists exactly when the
    MLE is on the boundary (some fitted means are 0: separation, e.g. no events after a step); then IRLS
    stops at an arbitrary large coefficient whose sign and standard error mean nothing. Coefficient j can
    run off to −inf (+inf) iff some such d has d_j < 0 (> 0): each question is a small linear programme.
    Coefficients with a finite MLE are absent from the result. ``columns`` (default: all) limits the
    questions to those coefficients; each answer is its own programme, so it does not depend on the others.
    """
    zero = prep.endog == 0
    if not zero.any():
        return {}
    x = prep.exog.to_numpy(dtype=float)
    norm = np.abs(x).max(axis=0)
    x = x / np.where(norm > 0, norm, 1.0)  # the LP's tolerances are absolute; scaling keeps every sign
    problem: dict[str, Any] = {
        "A_ub": x[zero],
        "b_ub": np.zeros(int(zero.sum())),
        "bounds": [(-1.0, 1.0)] * x.shape[1],
        "method": "highs",
    }
    if (~zero).any():
        problem.update(A_eq=x[~zero], b_eq=np.zeros(int((~zero).sum())))

    def lowest(c: np.ndarray) -> float:
        res = linprog(c, **problem)
        return float(res.fun) if res.status == 0 else 0.0

    if lowest(x[zero].sum(axis=0)) > -_LP_TOL:  # no zero-count row can be driven to a mean of 0
        return {}
    out = {}
    for j, col in enumerate(prep.exog.columns):
        if columns is not None and col not in columns:
            continue
        unit = np.eye(x.shape[1])[j]
        sides = (lowest(unit) < -_LP_TOL, lowest(-unit) < -_LP_TOL)
        if any(sides):
            out[str(col)] = sides
    return out


@dataclass(frozen=True)
class _TermInterval:
    """A term's estimate and interval on the log scale (±inf: unbounded), with its status and method."""

    status: str
    coef: float  # ±inf at the boundary, NaN when not identified
    lower: float
    upper: float
    method: str


class _ProfileFailure(RuntimeError):
    """A constrained refit behind the profile likelihood failed (that side is then reported as unbounded)."""


def _profile_deviance(prep: _Prepared, col: str) -> Callable[[float], float]:
    """b -> Poisson deviance with the coefficient of ``col`` fixed at b and the others refitted. Memoised:
    the Poisson and quasi-Poisson intervals share the evaluations."""
    others, x, cache = prep.exog.drop(columns=col), prep.exog[col].to_numpy(), {}

    def deviance(b: float) -> float:
        if b not in cache:
            try:
                # IRLS crawls when other coefficients run off too (separation persists at every b); the
                # deviance is then within ~1e-6 of its infimum, far below any critical value, so stop there.
                dev = float(_fit_glm(prep.endog, others, prep.offset + b * x, tol=1e-7).deviance)
            except Exception as exc:
                raise _ProfileFailure(f"refit with {col} = {b:g} failed: {exc}") from exc
            if not math.isfinite(dev):
                raise _ProfileFailure(f"non-finite deviance with {col} = {b:g}")
            cache[b] = dev
        return cache[b]

    return deviance


def _search_bound(excess: Callable[[float], float], inside: float, direction: int, reach: float) -> float:
    """Where ``excess`` (convex, <= 0 at ``inside``) turns positive going from ``inside`` in ``direction``.

    The bracket is widened by doubling steps up to ``±reach``, then Brent's method polishes the root. Returns
    ±inf (never raises) when ``excess`` is still <= 0 at the reach or a refit fails on the way: reporting
    an unbounded side is the conservative answer when no bound can be established.
    """
    step = reach / 40
    try:
        while True:
            b = inside + direction * step
            if direction * b >= reach:
                b = direction * reach
            if excess(b) > 0:
                lo, hi = sorted((inside, b))
                return float(brentq(excess, lo, hi, xtol=1e-10))
            if b == direction * reach:
                return direction * math.inf
            inside, step = b, 2 * step
    except _ProfileFailure:
        return direction * math.inf


def _inside_point(excess: Callable[[float], float], b_hat: float, sides: tuple[bool, bool], reach: float) -> float:
    """A coefficient value inside the profile interval to search outward from: the fitted value, else the far
    end of an open side (the profile deviance falls to its infimum there), else the profile's minimum."""
    candidates = [float(np.clip(b_hat, -reach, reach))] if math.isfinite(b_hat) else []
    candidates += [side * reach for side, is_open in zip((-1, 1), sides) if is_open]
    for b in candidates:
        if excess(b) <= 0:
            return b
    best = float(minimize_scalar(excess, bounds=(-reach, reach), method="bounded").x)
    if excess(best) <= 0:
        return best
    raise _ProfileFailure("no coefficient value inside the profile-likelihood interval was found")


def _profile_interval(
    deviance: Callable[[float], float],
    b_hat: float,
    min_deviance: float,
    scale: float,
    critical: float,
    sides: tuple[bool, bool],
    reach: float,
) -> _TermInterval:
    """Profile-likelihood interval (log scale) of one coefficient: the b with (D(b) − D_min) / scale <=
    critical, D(b) the deviance with the coefficient fixed at b. ``sides`` (from ``_open_sides``) says which
    sides are unbounded because the MLE is on the boundary there; the profile deviance is convex, so each
    finite bound is a single root, found by ``_search_bound``."""
    if all(sides):
        return _TermInterval(
            NOT_IDENTIFIED,
            math.nan,
            -math.inf,
            math.inf,
            "none: not identified (the profile likelihood is flat: every rate ratio fits equally well)",
        )

    def excess(b: float) -> float:
        return (deviance(b) - min_deviance) / scale - critical

    method = "one-sided profile likelihood (MLE on the boundary)" if any(sides) else "profile likelihood"
    try:
        start = _inside_point(excess, b_hat, sides, reach)
    except _ProfileFailure:
        start = float(np.clip(b_hat, -reach, reach)) if math.isfinite(b_hat) else 0.0
        lower, upper = -math.inf, math.inf
    else:
        lower = -math.inf if sides[0] else _search_bound(excess, start, -1, reach)
        upper = math.inf if sides[1] else _search_bound(excess, start, 1, reach)
    if (not sides[0] and lower == -math.inf) or (not sides[1] and upper == math.inf):
        method += f" (no bound found within a rate ratio of exp(±{_PROFILE_REACH:g}): reported as unbounded)"
    if any(sides):
        return _TermInterval(BOUNDARY, -math.inf if sides[0] else math.inf, lower, upper, method)
    return _TermInterval(ESTIMATED, start, lower, upper, method)


def _exp(x: float) -> float:
    if x == -math.inf:
        return 0.0
    if x > 700:
        return math.inf
    return math.exp(x)


def _row_values(
    status: str,
    method: str,
    coef: float = math.nan,
    se: float = math.nan,
    lower: float = math.nan,
    upper: float = math.nan,
    p_value: float = math.nan,
) -> dict[str, Any]:
    """The numeric columns of a ``rate_ratios`` row from log-scale values (NaN: not reported). At the boundary
    there is no estimate (coef and rate_ratio NaN): ``limit`` says where the MLE runs, "0" or "∞"."""
    limit = ("0" if coef < 0 else "∞") if status == BOUNDARY else ""
    if status == BOUNDARY:
        coef = math.nan
    return {
        "coef": coef,
        "se": se,
        "rate_ratio": _exp(coef),
        "limit": limit,
        "lower": _exp(lower),
        "upper": _exp(upper),
        "p_value": p_value,
        "separated": status in (BOUNDARY, NOT_IDENTIFIED),
        "interval_method": method,
        "status": status,
    }


def _term_values(
    b: float,
    se: float,
    crit: float,
    reference: str,
    df: float,
    profile: _TermInterval | None,
    sides: tuple[bool, bool] | None,
    failed: bool,
) -> dict[str, Any]:
    wald_ok = math.isfinite(b) and math.isfinite(se)
    if failed or (profile is None and sides is None and not wald_ok):
        return _row_values(NOT_CONVERGED, "none (the model did not converge)")
    if profile is not None:  # the Wald p-value is meaningless at the boundary (Hauck–Donner): use lr_p_value
        return _row_values(profile.status, profile.method, profile.coef, lower=profile.lower, upper=profile.upper)
    if sides is not None and all(sides):
        return _row_values(
            NOT_IDENTIFIED,
            "none: not identified (the likelihood is flat in this term)",
            lower=-math.inf,
            upper=math.inf,
        )
    if sides is not None:
        return _row_values(
            BOUNDARY,
            "none (MLE on the boundary: see the profile-likelihood interval of the Poisson models)",
            -math.inf if sides[0] else math.inf,
        )
    return _row_values(
        ESTIMATED, "Wald", b, se, b - crit * se, b + crit * se, float(_p_two_sided(b / se, reference, df))
    )


def _terms_table(
    model: str,
    headline: bool,
    params: pd.Series,
    bse: pd.Series,
    prep: _Prepared,
    alpha: float,
    reference: str,
    df: float,
    lr_p: Mapping[str, float] | None = None,
    profile: Mapping[str, _TermInterval] | None = None,
    open_sides: Mapping[str, tuple[bool, bool]] | None = None,
    failed: bool = False,
) -> pd.DataFrame:
    """Rate ratios of the level/slope terms, with their ``status`` and ``interval_method``: Wald for terms with
    a finite MLE; the ``profile`` intervals where given (terms at the boundary, or whose Wald values are not
    finite); for other terms at the boundary (``open_sides``) the rate ratio's limit without an interval;
    and no numbers at all (status "did not converge") for a model whose fit ``failed``."""
    crit = _crit(alpha, reference, df)
    rows = []
    for col, kind, name in _level_slope(prep):
        row = {"model": model, "headline": headline, "term": col, "intervention": name, "kind": kind}
        row.update(
            _term_values(
                float(params[col]),
                float(bse[col]),
                crit,
                reference,
                df,
                (profile or {}).get(col),
                (open_sides or {}).get(col),
                failed,
            )
        )
        row["separated"] = row["separated"] or col in (open_sides or {})  # a property of the data, even if failed
        row.update(
            {
                "lr_p_value": (lr_p or {}).get(col, math.nan),
                "reference_distribution": reference,
                "df": df if reference == "t" else math.inf,
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _fit_glm(y: np.ndarray, exog: pd.DataFrame, offset: np.ndarray, **fit_kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.GLM(y, exog, family=sm.families.Poisson(), offset=offset).fit(**fit_kwargs)


def _lr_p_values(
    prep: _Prepared, full_deviance: float, scale: float, reference: str, df_resid: float, quasi: bool
) -> dict[str, float]:
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
      and quasi-Poisson only), reference_distribution, df, separated (bool), status and interval_method:

      - status "estimated": a finite estimate; interval_method "Wald" (or "profile likelihood" when the
        Wald values are not finite).
      - status "boundary": the MLE is infinite (separation: no events on one side of a step, given the
        other terms): there is no estimate, so coef and rate_ratio are NaN and ``limit`` says where the rate
        ratio runs, "0" (a drop to no events) or "∞" (empty column "" for other statuses). The Poisson and quasi-Poisson
        interval is one-sided, "one-sided profile likelihood (MLE on the boundary)": lower 0 with a finite
        upper bound, or a finite lower bound with upper inf; p_value is NaN (Wald is meaningless there:
        use lr_p_value). Sensitivity models give no interval (NaN) for such terms.
      - status "not identified": the likelihood is flat in the term (no events on either side of it), so
        no estimate: coef and rate_ratio are NaN, the interval is 0 to inf.
      - status "did not converge": a sensitivity model whose fit failed or returned non-finite values; no
        numbers (NaN) in its rows, and ``sensitivity_status`` says so.

      An unbounded side is ``math.inf`` (or 0 on the rate-ratio scale) in memory; ``to_dict`` writes inf
      as the string "inf" and NaN as null (``antt.jsonable.plain``), so the JSON never holds a
      non-finite number. A profile bound beyond a rate ratio of exp(±20) is reported as unbounded.
    * ``coefficients``: every coefficient of the headline model on the log scale with its Wald interval and
      a status ("boundary" and "not identified" rows carry no estimate and no interval; a boundary row's
      ``limit``, "-∞" or "∞", says where its coefficient runs).
    * ``sensitivity_status``: {model: "converged" | "did not converge"} for the sensitivity models fitted.
    * ``scale``: the quasi-Poisson scale used, ``max(1, pearson_dispersion)``; ``pearson_dispersion`` is
      Pearson X2 / df_resid of the Poisson fit.
    * ``predictions``: expected counts per period with and without the interventions (see ``counterfactual``).
    * ``verdict``: the data-sufficiency verdict; ``note_keys``: the caveats as ``Note`` data (catalogue key and
      fields; ``antt.reporting.language.note_text`` words them).

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
    durbin_watson: float | None = None
    residual_acf: tuple[float, ...] = ()
    note_keys: tuple[Note, ...] = ()
    sensitivity_status: dict[str, str] = field(default_factory=dict)
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
    Under separation (see ``ITSResult``) the covariance is numerically singular: a band can then be
    unbounded (inf) or missing (NaN).
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
        # A separated fit has a numerically singular covariance: its limits can be astronomically wide, or
        # NaN where rounding makes a variance negative (no band can be drawn there).
        with np.errstate(over="ignore", invalid="ignore"):
            eta, se = np.asarray(pred.predicted, dtype=float), np.asarray(pred.se, dtype=float)
            out[label] = np.exp(eta)
            out[f"{label}_lower"] = np.exp(eta - crit * se)
            out[f"{label}_upper"] = np.exp(eta + crit * se)
    first_start = min(prep.starts.values())
    out["post"] = out["time"] >= first_start
    return out


def _newey_west_lags(n: int) -> int:
    """Newey–West (1994) rule of thumb: floor(4 (n/100)^(2/9)), at least 1."""
    return max(1, math.floor(4 * (n / 100) ** (2 / 9)))


def _check_options(family: str, reference_distribution: str, harmonics: int) -> None:
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    if reference_distribution not in REFERENCE_DISTRIBUTIONS:
        raise ValueError(f"reference_distribution must be 't' or 'z', got {reference_distribution!r}")
    if not is_whole_number(harmonics) or not 0 <= harmonics <= 5:
        raise ValueError(f"harmonics must be an integer 0..5, got {harmonics!r}")


def _resolve_offset(series: pd.DataFrame, offset_column: str | None, notes: list[Note]) -> str | None:
    if offset_column is not None and offset_column not in series.columns:
        if offset_column == "population":
            notes.append(Note("note_no_population"))
            return None
        raise ValueError(f"offset column {offset_column!r} is not in the series (columns: {list(series.columns)})")
    return offset_column


def _refusal(prep: _Prepared) -> str | None:
    """Why these data cannot identify the model at all (None: they can)."""
    n, p = prep.exog.shape
    if prep.endog.sum() == 0:
        return (
            "Refused: every count is zero, so no rate or change of rate can be estimated. An exact "
            "zero-count upper bound on the rate is what such data support."
        )
    if np.linalg.matrix_rank(prep.exog.to_numpy()) < p:
        return (
            f"Refused: the design matrix (columns {list(prep.exog.columns)}) is rank deficient with these "
            f"{n} points, so some effects cannot be separated. Collect more periods around the "
            f"interventions or drop terms (slope_change=False, fewer harmonics)."
        )
    if n - p < 1:
        return (
            f"Refused: {n} points for {p} coefficients leave no residual degree of freedom, so neither the "
            f"scale nor any interval can be estimated. Collect more periods or drop terms."
        )
    return None


def _scale_notes(dispersion: float, family: str, reference: str, df_resid: float) -> list[Note]:
    notes: list[Note] = []
    if dispersion < 1:
        notes.append(Note("note_underdispersion", {"dispersion": f"{dispersion:.3g}"}))
    if family == "quasi-poisson" and reference == "t":
        notes.append(Note("note_t_reference", {"df": f"{df_resid:g}"}))
    elif family == "quasi-poisson":
        notes.append(Note("note_z_reference"))
    elif reference == "t":
        notes.append(Note("note_poisson_z"))
    return notes


def _profile_intervals(
    prep: _Prepared,
    pois: Any,
    scale: float,
    alpha: float,
    reference: str,
    df_resid: float,
    open_sides: Mapping[str, tuple[bool, bool]],
) -> tuple[dict, dict]:
    """Profile-likelihood intervals (quasi-Poisson, Poisson) of the level/slope terms Wald cannot handle:
    those at the boundary, and any whose Wald values are not finite. Critical values: chi2(1) for Poisson;
    for quasi-Poisson the scaled deviance against F(1, df_resid) (chi2(1) under a z reference)."""
    q_quasi = float(stats.f.ppf(1 - alpha, 1, df_resid)) if reference == "t" else float(stats.chi2.ppf(1 - alpha, 1))
    q_pois = float(stats.chi2.ppf(1 - alpha, 1))
    prof_quasi, prof_pois = {}, {}
    for col, _, _ in _level_slope(prep):
        b, se = float(pois.params[col]), float(pois.bse[col])
        if col not in open_sides and math.isfinite(b) and math.isfinite(se):
            continue
        deviance, sides = _profile_deviance(prep, col), open_sides.get(col, (False, False))
        reach = _PROFILE_REACH / float(np.abs(prep.exog[col]).max())
        prof_quasi[col] = _profile_interval(deviance, b, float(pois.deviance), scale, q_quasi, sides, reach)
        prof_pois[col] = _profile_interval(deviance, b, float(pois.deviance), 1.0, q_pois, sides, reach)
    return prof_quasi, prof_pois


def _boundary_notes(prep: _Prepared, profile: Mapping[str, _TermInterval]) -> list[Note]:
    names = {**prep.level_terms, **prep.slope_terms}
    notes: list[Note] = []
    for col, interval in profile.items():
        if interval.status == BOUNDARY:
            notes.append(
                Note("note_separation", {"term": col, "name": names[col], "limit": "0" if interval.coef < 0 else "∞"})
            )
        elif interval.status == NOT_IDENTIFIED:
            notes.append(Note("note_not_identified", {"term": col, "name": names[col]}))
    return notes


#: Below this the NB2 dispersion has run to its boundary 0 (the model is Poisson): Newton steps from there
#: are slow (minutes: the log-gamma terms of 1/alpha) and end in NaN, so they are not attempted.
_NB_ALPHA_ZERO = 1e-6


def _fit_negative_binomial(prep: _Prepared, pois: Any, checked: list[str]) -> tuple[Any, Note | None]:
    """NB2 with alpha estimated by maximum likelihood, and the note saying why it is unusable (None: usable).

    statsmodels can stop with NaN parameters while reporting convergence (when alpha runs to its boundary
    0, i.e. no overdispersion, Newton steps alpha below 0), so convergence, finite parameters and finite
    standard errors of the ``checked`` terms are all required.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = NegativeBinomial(prep.endog, prep.exog, loglike_method="nb2", offset=prep.offset)
        # Start from the Poisson fit and a moment estimate of alpha; BFGS works on log(alpha), which keeps
        # alpha > 0 near the Poisson boundary; Newton polishes if BFGS stops early with finite values.
        mu = np.asarray(pois.mu, dtype=float)
        alpha0 = max(1e-4, float(((prep.endog - mu) ** 2 - mu).sum() / (mu**2).sum()))
        nb = model.fit(start_params=np.append(pois.params.to_numpy(), alpha0), disp=0, method="bfgs", maxiter=2000)
        at_zero = np.isfinite(nb.params["alpha"]) and nb.params["alpha"] < _NB_ALPHA_ZERO
        if not nb.mle_retvals.get("converged", True) and np.all(np.isfinite(nb.params)) and not at_zero:
            caught.clear()
            nb = model.fit(start_params=nb.params.to_numpy(), disp=0, method="newton", maxiter=200)
    if at_zero and not nb.mle_retvals.get("converged", True):
        return nb, Note("note_nb_alpha_zero", {"floor": f"{_NB_ALPHA_ZERO:g}"})
    if not np.all(np.isfinite(nb.params)):
        return nb, Note("note_nb_failed", {"detail": "non-finite parameters"})
    if not nb.mle_retvals.get("converged", True) or any("converge" in str(w.message).lower() for w in caught):
        return nb, Note("note_nb_failed", {"detail": "the optimiser did not converge"})
    if not all(math.isfinite(float(nb.bse[c])) for c in checked):
        return nb, Note("note_nb_failed", {"detail": "non-finite standard errors"})
    return nb, None


def _sensitivity_models(
    prep: _Prepared,
    pois: Any,
    alpha: float,
    reference: str,
    df_resid: float,
    use_t: bool,
    hac_maxlags: int | None,
    open_sides: Mapping[str, tuple[bool, bool]],
    notes: list[Note],
) -> tuple[list[pd.DataFrame], dict[str, Any], dict[str, Any]]:
    """Negative binomial and Poisson-HAC rows, their statsmodels results, and the ITSResult fields they set.
    A model that fails, does not converge or returns non-finite values gets rows with status "did not
    converge" and no numbers: a sensitivity analysis must neither break the headline nor show noise."""
    checked = [c for c, _, _ in _level_slope(prep) if c not in open_sides]
    n = len(prep.endog)
    tables, fitted = [], {}
    out: dict[str, Any] = {"nb_alpha": None, "nb_alpha_se": None, "sensitivity_status": {}}
    nb_name, hac_name = "negative-binomial (sensitivity)", "poisson-HAC (sensitivity)"
    try:
        nb, nb_problem = _fit_negative_binomial(prep, pois, checked)
    except Exception as exc:
        nb, nb_problem = None, Note("note_nb_failed", {"detail": f"{type(exc).__name__}: {exc}"})
    if nb is not None:
        fitted["negative-binomial"] = nb
    if nb_problem is None:
        out["nb_alpha"] = float(nb.params["alpha"])
        out["nb_alpha_se"] = float(nb.bse["alpha"]) if np.isfinite(nb.bse["alpha"]) else None
    else:
        notes.append(nb_problem)
    params = nb.params if nb is not None else pois.params
    bse = nb.bse if nb is not None else pois.bse
    tables.append(
        _terms_table(
            nb_name,
            False,
            params,
            bse,
            prep,
            alpha,
            reference,
            df_resid,
            open_sides=open_sides,
            failed=nb_problem is not None,
        )
    )
    out["sensitivity_status"][nb_name] = "converged" if nb_problem is None else NOT_CONVERGED

    out["hac_maxlags"] = maxlags = hac_maxlags if hac_maxlags is not None else _newey_west_lags(n)
    try:
        hac = _fit_glm(
            prep.endog, prep.exog, prep.offset, cov_type="HAC", cov_kwds={"maxlags": int(maxlags)}, use_t=use_t
        )
        hac_ok = all(math.isfinite(float(hac.bse[c])) for c in checked)
        fitted["poisson-HAC"] = hac
    except Exception as exc:
        hac, hac_ok = pois, False
        notes.append(Note("note_hac_failed", {"detail": f"{type(exc).__name__}: {exc}"}))
    if not hac_ok:
        notes.append(Note("note_hac_not_finite"))
    tables.append(
        _terms_table(
            hac_name,
            False,
            hac.params,
            hac.bse,
            prep,
            alpha,
            reference,
            df_resid,
            open_sides=open_sides,
            failed=not hac_ok,
        )
    )
    out["sensitivity_status"][hac_name] = "converged" if hac_ok else NOT_CONVERGED
    if n < 30:
        notes.append(Note("note_hac_unreliable", {"n": n}))
    return tables, fitted, out


def _residual_diagnostics(pois: Any, n: int, notes: list[Note]) -> tuple[float | None, tuple[float, ...]]:
    """Durbin–Watson and residual autocorrelations (descriptive); None and () when the residuals vanish."""
    notes.append(Note("note_dw_short", {"n": n}) if n < 12 else Note("note_dw_descriptive"))
    resid = np.asarray(pois.resid_pearson, dtype=float)
    if not np.all(np.isfinite(resid)) or float(np.sum(resid**2)) < 1e-6:
        # A fit that is exact on every point with events (the rest fitted as 0) leaves nothing to correlate.
        notes.append(Note("note_residuals_zero"))
        return None, ()
    nlags = max(1, min(n // 2, 12))
    return float(durbin_watson(resid)), tuple(float(x) for x in acf(resid, nlags=nlags, fft=False)[1:])


def _coefficients_table(
    glm: Any, prep: _Prepared, open_sides: Mapping[str, tuple[bool, bool]], crit: float, reference: str, df_resid: float
) -> pd.DataFrame:
    """Every headline coefficient (log scale) with its Wald interval; a coefficient without a finite MLE shows
    its limit (±inf, or NaN when not identified) and no interval, since IRLS stops at an arbitrary value."""
    out = pd.DataFrame(
        {"term": list(prep.exog.columns), "coef": glm.params.to_numpy(dtype=float), "se": glm.bse.to_numpy(dtype=float)}
    )
    out["lower"] = out["coef"] - crit * out["se"]
    out["upper"] = out["coef"] + crit * out["se"]
    out["p_value"] = _p_two_sided(out["coef"] / out["se"], reference, df_resid)
    out["status"] = ESTIMATED
    out["limit"] = ""
    for i, col in enumerate(out["term"]):
        if col in open_sides:
            down, up = open_sides[col]
            out.loc[i, ["coef", "se", "lower", "upper", "p_value"]] = math.nan
            out.loc[i, "limit"] = "" if down and up else ("-∞" if down else "∞")
            out.loc[i, "status"] = NOT_IDENTIFIED if down and up else BOUNDARY
    return out


def fit_its(
    series: pd.DataFrame,
    interventions: Mapping[str, Any],
    slope_change: bool | None = None,
    harmonics: int = 0,
    offset_column: str | None = "population",
    alpha: float = 0.05,
    family: str = "quasi-poisson",
    reference_distribution: str = "t",
    count_column: str = "count",
    sensitivity: bool = True,
    hac_maxlags: int | None = None,
    min_points: int = 3,
    warn_below: int = 8,
    outcome: str = "events",
    light: bool = False,
) -> ITSResult:
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

    Returns
    -------
    ITSResult
        Each term's ``status`` is "estimated", "boundary" (separation: rate ratio at its limit with a
        one-sided profile-likelihood interval), "not identified" (no estimate, interval 0 to inf) or, for
        a sensitivity model, "did not converge" (no numbers); see ``ITSResult``.

    Raises
    ------
    InsufficientDataError
        When the verdict is "refuse", the design matrix is rank deficient, no residual degree of freedom
        is left, or every count is zero. Nothing is fitted in that case.
    """
    alpha = check_alpha(alpha)
    _check_options(family, reference_distribution, harmonics)
    notes: list[Note] = []
    offset_column = _resolve_offset(series, offset_column, notes)
    _validate_series(series, count_column, offset_column)
    if harmonics and "month" not in series.columns:
        raise ValueError("harmonics need monthly data (a 'month' column)")
    verdict = _sufficient(series, interventions, min_points, warn_below, outcome, notes)
    prep, slope_change = _design(series, interventions, slope_change, harmonics, offset_column, count_column, notes)
    refusal = _refusal(prep)
    if refusal:
        raise InsufficientDataError(
            dataclasses.replace(verdict, status="refuse", message=f"{refusal} {verdict.message}")
        )
    head = _headline_fits(prep, family, reference_distribution, alpha, light, notes)
    tables, fitted, extra = head.tables, head.fitted, {}
    if sensitivity:
        sens_tables, sens_fitted, extra = _sensitivity_models(
            prep,
            head.poisson,
            alpha,
            reference_distribution,
            head.df_resid,
            reference_distribution == "t",
            hac_maxlags,
            head.open_sides,
            notes,
        )
        tables, fitted = tables + sens_tables, {**fitted, **sens_fitted}
    dw, acf_values = _residual_diagnostics(head.poisson, len(series), notes)
    head_ref = reference_distribution if family == "quasi-poisson" else "z"
    coefficients = _coefficients_table(
        fitted["headline"], prep, head.open_sides, _crit(alpha, head_ref, head.df_resid), head_ref, head.df_resid
    )
    monthly = "month" in series.columns
    result = ITSResult(
        family=family,
        reference_distribution=head_ref,
        alpha=alpha,
        frequency="month" if monthly else "year",
        time_unit="months" if monthly else "years",
        n_points=len(series),
        interventions={
            str(name): period_label(start_index(str(name), start, monthly), monthly)
            for name, start in interventions.items()
        },
        slope_change=slope_change,
        harmonics=int(harmonics),
        offset_column=offset_column,
        verdict=verdict,
        pearson_dispersion=head.dispersion,
        scale=head.scale if family == "quasi-poisson" else 1.0,
        deviance=float(head.poisson.deviance),
        df_resid=head.df_resid,
        rate_ratios=pd.concat(tables, ignore_index=True),
        coefficients=coefficients,
        predictions=pd.DataFrame(),
        durbin_watson=dw,
        residual_acf=acf_values,
        note_keys=tuple(notes),
        fitted=fitted,
        **extra,
    )
    return result if light else dataclasses.replace(result, predictions=counterfactual(result))


def _sufficient(
    series: pd.DataFrame,
    interventions: Mapping[str, Any],
    min_points: int,
    warn_below: int,
    outcome: str,
    notes: list[Note],
) -> SufficiencyVerdict:
    """Step 1 of ``fit_its``: the data-sufficiency verdict (InsufficientDataError on "refuse"; a note on "warn")."""
    monthly = "month" in series.columns
    verdict = check_sufficiency(
        series["year"].astype(int).tolist(),
        interventions,
        min_points=min_points,
        warn_below=warn_below,
        months=series["month"].astype(int).tolist() if monthly else None,
        outcome=outcome,
    )
    if verdict.status == "refuse":
        raise InsufficientDataError(verdict)
    if verdict.status == "warn":
        present = period_ranges(list(verdict.years_present), False)
        fields = {"warn_below": verdict.warn_below, "present": present}
        notes.append(Note("note_sufficiency_warn", fields))
    return verdict


def _design(
    series: pd.DataFrame,
    interventions: Mapping[str, Any],
    slope_change: bool | None,
    harmonics: int,
    offset_column: str | None,
    count_column: str,
    notes: list[Note],
) -> tuple[_Prepared, bool]:
    """Step 2 of ``fit_its``: the design (slope terms decided automatically when ``slope_change`` is None) and
    the notes on level-only models and gaps in the series."""
    n = len(series)
    if slope_change is None:
        slope_change = n >= AUTO_SLOPE_MIN_POINTS
        if not slope_change:
            notes.append(Note("note_level_only", {"n": n, "min_points": AUTO_SLOPE_MIN_POINTS}))
    prep = _prepare(series, interventions, bool(slope_change), harmonics, offset_column, count_column)
    periods = prep.frame["_period"].astype(int).tolist()
    gaps = sorted(set(range(periods[0], periods[-1] + 1)) - set(periods))
    if gaps:
        notes.append(Note("note_gaps", {"gaps": period_ranges(gaps, "month" in series.columns)}))
    return prep, bool(slope_change)


@dataclass(frozen=True)
class _HeadlineFits:
    """What step 3 of ``fit_its`` computes: the Poisson and quasi-Poisson fits and their terms tables."""

    poisson: Any
    dispersion: float
    scale: float
    df_resid: float
    open_sides: Any
    tables: list[pd.DataFrame]
    fitted: dict[str, Any]


def _headline_fits(
    prep: _Prepared, family: str, reference_distribution: str, alpha: float, light: bool, notes: list[Note]
) -> _HeadlineFits:
    """Step 3 of ``fit_its``: Poisson (scale 1, normal reference) and quasi-Poisson (the same fit with scale
    max(1, X2/df)); likelihood-ratio p-values (not when ``light``); profile-likelihood intervals for terms at a
    boundary. Separation (no events on a side of a step) puts the MLE on the boundary, where Wald intervals are
    meaningless (Hauck–Donner): such terms get profile-likelihood intervals and the likelihood-ratio p-value."""
    df_resid = float(len(prep.endog) - prep.exog.shape[1])
    pois = _fit_glm(prep.endog, prep.exog, prep.offset)
    dispersion = float(pois.pearson_chi2 / pois.df_resid)
    scale = max(1.0, dispersion)
    quasi = _fit_glm(prep.endog, prep.exog, prep.offset, scale=scale, use_t=reference_distribution == "t")
    notes += _scale_notes(dispersion, family, reference_distribution, df_resid)
    if light:
        lr_pois = lr_quasi = {col: math.nan for col, _, _ in _level_slope(prep)}
    else:
        lr_pois = _lr_p_values(prep, float(pois.deviance), 1.0, "z", df_resid, quasi=False)
        lr_quasi = _lr_p_values(prep, float(pois.deviance), scale, reference_distribution, df_resid, quasi=True)
    open_sides = _open_sides(prep)
    prof_quasi, prof_pois = _profile_intervals(prep, pois, scale, alpha, reference_distribution, df_resid, open_sides)
    notes += _boundary_notes(prep, prof_pois)
    quasi_terms = (quasi.params, quasi.bse, prep, alpha, reference_distribution, df_resid, lr_quasi, prof_quasi)
    pois_terms = (pois.params, pois.bse, prep, alpha, "z", df_resid, lr_pois, prof_pois)
    tables = [
        _terms_table("quasi-poisson", family == "quasi-poisson", *quasi_terms, open_sides),
        _terms_table("poisson", family == "poisson", *pois_terms, open_sides),
    ]
    headline = quasi if family == "quasi-poisson" else pois
    fitted = {"poisson": pois, "quasi-poisson": quasi, "headline": headline, "prepared": prep}
    return _HeadlineFits(pois, dispersion, scale, df_resid, open_sides, tables, fitted)


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
    note: str = (
        "naive before/after ratio: ignores the underlying trend, so it is biased whenever the rate was "
        "already changing; never a headline estimate"
    )

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


def naive_before_after(
    series: pd.DataFrame, intervention: Any, count_column: str = "count", offset_column: str | None = None
) -> NaiveComparison:
    """Naive rate ratio (total count / total exposure after) / (… before) around one intervention.

    Rates are per period (per person per period with ``offset_column``). Shown only to demonstrate the
    bias that the segmented model avoids: under a pre-existing trend this ratio moves even when the
    intervention did nothing.
    """
    monthly = "month" in series.columns
    period = (
        series["year"].astype(int) * 12 + series["month"].astype(int) - 1 if monthly else series["year"].astype(int)
    )
    start = start_index("intervention", intervention, monthly)
    post = (period >= start).to_numpy()
    counts = series[count_column].to_numpy(dtype=float)
    exposure = series[offset_column].to_numpy(dtype=float) if offset_column else np.ones(len(series))
    if post.all() or not post.any():
        raise ValueError("the intervention must fall inside the series")
    before = counts[~post].sum() / exposure[~post].sum()
    after = counts[post].sum() / exposure[post].sum()
    return NaiveComparison(
        rate_before=float(before),
        rate_after=float(after),
        rate_ratio=float(after / before) if before > 0 else math.inf,
        points_before=int((~post).sum()),
        points_after=int(post.sum()),
    )
