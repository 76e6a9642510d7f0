"""Designs that compare communes: did a commune-level model (programme) reduce yearly counts?

Input everywhere is a tidy panel DataFrame, one row per commune-year:

* ``unit`` (str): the commune; ``year`` (int); ``count`` (int >= 0): events in that year (e.g. new drug addicts);
* ``population`` (int > 0, optional): when the column is present the outcome is the rate per 10,000 people
  (``count / population * 10_000``; scale key "rate_per_10000"), else the count itself (scale key "count");
* ``adoption_year`` (pandas Int64, constant within a unit): the first year the unit ran the model; <NA> means never
  adopted within the panel.

Missing unit-years (gaps) and zeros are allowed. Three designs, each fitted only after ``check_designs`` says the
data can identify it (``DesignRefused``, a ValueError, otherwise; its ``check`` says what data would fix it):

* ``staggered_did``: Callaway & Sant'Anna (2021) group-time ATTs through ``diff_diff.CallawaySantAnna``, with the
  never-adopting units as the comparison group (the headline: a unit that adopts later is never used as a
  control, so the comparison cannot be contaminated by anticipation of its own programme). Outcome-regression
  estimation ("reg"; without covariates "reg", "ipw" and "dr" give the same numbers), analytic standard errors
  clustered by unit (CR1, i.e. the influence-function variance times G/(G-1)) with a Student t reference on
  G - 1 degrees of freedom (G = units in the fit): no bootstrap, so results are deterministic. On 300 simulated
  panels of 16 units the unclustered normal interval covered 92% and this one 95%. Base period "universal":
  every event-study estimate, before or after adoption, is relative to the year before adoption (event time -1,
  the reference, 0 by construction), so pre-period estimates read as placebo effects. Gaps are handled by
  diff-diff's within-cell panel differencing: each ATT(g, t) uses the units observed in both its base year and
  year t.
* ``synthetic_control``: Abadie, Diamond & Hainmueller (2010) through ``diff_diff.SyntheticControl`` for ONE
  treated unit, matched on its pre-adoption outcomes only (no covariates). V is uniform on the raw pre-period
  outcomes (``v_method="custom"``, ``standardize="none"``), so the donor weights minimise the pre-period mean
  squared prediction error itself. That is the smallest pre-period error diff-diff's default nested V search
  looks for (it found the same weights on a simulated 20 units x 13 years panel), without its random multistart
  and about 400 times faster there (fit and 19 placebo refits 0.07 s instead of 28 s). Needs a balanced window:
  donors with a missing year in the treated unit's years are dropped and listed.
* ``controlled_its``: a controlled interrupted time series: the counts (and populations) of the treated units and
  of the comparison units are summed per year, and a quasi-Poisson GLM with year fixed effects common to both
  series, a group indicator, a group-specific linear trend and a treated x post-adoption level change (and slope
  change with at least 12 years, as ``antt.models.its``) is fitted::

      log E[count_gt] = log(pop_gt) + year_t + g (a + b (t - T0)) + g post_t (level + slope (t - T0))

  where g = 1 for the treated series, T0 the (common) adoption year and post_t = 1 from T0 on. The scale is
  ``max(1, Pearson X2 / df_resid)`` and intervals use Student t on df_resid, as ``antt.models.its``'s headline.
  Units with gaps are dropped (a missing year would otherwise look like a drop in the summed series).

``simulate_panel`` makes panels with a known effect (simulated: the caller says so wherever they are shown).

Conventions: every interval is two-sided at 1 - alpha; estimates of ``staggered_did`` and
``synthetic_control`` are in outcome units per unit-year (counts, or rates per 10,000 people per year); those of
``controlled_its`` are rate ratios. Results hold stable keys and numbers, never words. Determinism: no bootstrap,
no wall clock; the only random numbers (the permutations of the conformal tests and ``simulate_panel``) are
seeded.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from antt.models._common import check_alpha, dataclass_to_dict
from antt.models.its import AUTO_SLOPE_MIN_POINTS
from antt.models.sufficiency import check_sufficiency

#: Outcome scale keys (see ``outcome_values``).
SCALE_COUNT = "count"
SCALE_RATE = "rate_per_10000"
#: Rates are per this many people.
RATE_PER = 10_000

DESIGNS = ("staggered_did", "synthetic_control", "controlled_its")

# --- Thresholds (a design below them is refused, not fitted) -----------------------------------------------------
#: Callaway–Sant'Anna: a cohort needs the year before adoption (the base) and one earlier year, so that at least one
#: pre-period event-study estimate (a placebo test of parallel trends) exists.
CS_MIN_YEARS_BEFORE = 2
#: ... and one year from adoption on, so that it has a post-adoption ATT(g, t).
CS_MIN_YEARS_AFTER = 1
#: Two comparison units at least: with one, the comparison's year-to-year change has no variance to estimate, so the
#: clustered standard error rests on the treated units alone.
CS_MIN_COMPARISON_UNITS = 2
#: Fewer treated units than this: a warning ("few_treated_units"): in simulations with 6 treated units the
#: per-estimate event-study tests rejected a true null 9% of the time at alpha 0.05 and the joint pre-trend test 27%
#: (see ``PreTrendTest``); with 20 they were at their nominal size.
CS_WARN_TREATED_BELOW = 10
#: Synthetic control: a convex combination of fewer than 4 donors barely differs from picking one comparison unit,
#: and the placebo test then has at most 4 placebos (smallest p-value 1/5).
SC_MIN_DONORS = 4
#: Five pre-adoption years: with fewer, the donor weights can fit noise (as many weights as years) and the
#: pre-period RMSPE, the denominator of the placebo statistic, is unreliable (Abadie 2021 asks for a long pre-period).
SC_MIN_YEARS_BEFORE = 5
SC_MIN_YEARS_AFTER = 1
#: Controlled ITS: as a single series (``antt.models.sufficiency.check_sufficiency``'s default ``min_points``),
#: 3 years on each side of the adoption year, so that the level change is not the last point against a trend.
CITS_MIN_YEARS_EACH_SIDE = 3
#: ... and fewer than this on a side gives a warning (``check_sufficiency``'s default ``warn_below``).
CITS_WARN_BELOW_YEARS = 8
CITS_MIN_COMPARISON_UNITS = 1
#: A slope change too from this many years on (``antt.models.its.AUTO_SLOPE_MIN_POINTS``).
CITS_SLOPE_MIN_YEARS = AUTO_SLOPE_MIN_POINTS
#: Synthetic-control weights below this are reported as 0 (diff-diff's own interpretability floor).
WEIGHT_FLOOR = 1e-6

# --- Method keys ---------------------------------------------------------------------------------------------------
METHOD_CS = "callaway_santanna"
METHOD_SC = "synthetic_control"
METHOD_CITS = "controlled_its_quasi_poisson"
CONFORMAL_AVERAGE = "conformal_cwz2021"
CONFORMAL_CONSTANT = "conformal_cwz2021_constant_effect_iid"
#: Status of an interval that ``synthetic_control(intervals=False)`` did not compute.
NOT_COMPUTED = "not_computed"
#: Random permutations drawn by each CWZ test with the iid scheme (diff-diff's default).
CONFORMAL_N_IID = 10_000
#: The constant-effect interval's bounds are located to within this fraction of the search step.
_BISECTION_TOLERANCE = 1e-3
#: The constant-effect test is scanned on 2 x this + 1 points, ``step`` apart (see ``_constant_effect_interval``).
_GRID_HALF_WIDTH = 20
_MAX_DOUBLINGS = 40

_REQUIRED = ("unit", "year", "count", "adoption_year")


class DesignRefused(ValueError):
    """The data cannot identify the requested design; ``check`` (a ``DesignCheck``) says why and what would fix it."""

    def __init__(self, check: DesignCheck):
        self.check = check
        parts = [f"{p.key} {p.values}" for p in check.problems]
        super().__init__(f"{check.design} refused: " + "; ".join(parts))


# --------------------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A machine-readable reason, with the numbers that say what would fix it, e.g.
    ``Problem("too_few_comparison_units", {"have": 1, "need": 2})``. The layer above words it from ``key``."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


@dataclass(frozen=True)
class DesignCheck:
    """Can ``design`` be fitted to these data? ``ok`` is False when ``problems`` (blocking) is not empty;
    ``warnings`` are fitted-but-weaker caveats. ``counts`` holds the numbers the verdict rests on (units per group,
    years, cohorts, ...; see ``check_designs``)."""

    design: str
    ok: bool
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


@dataclass(frozen=True)
class Estimate:
    """An estimate with its standard error, two-sided 1 - alpha interval [low, high] and two-sided p-value."""

    estimate: float
    se: float
    low: float
    high: float
    p: float

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


@dataclass(frozen=True)
class PreTrendTest:
    """Joint test that every pre-adoption event-study estimate is zero (parallel pre-trends).

    ``statistic`` is the Wald W = b' V^-1 b over the ``df_num`` = k pre-period estimates b (the reference row,
    event time -1, excluded) with V their block of diff-diff's event-study covariance (the unit-clustered
    influence-function covariance, off-diagonal terms included: the same W as diff-diff's ``DiagnosticReport``,
    which refers it to chi2(k)). Because V is estimated from G clusters (units), ``p`` uses the Hotelling T^2
    small-sample reference: (G - k) / (k (G - 1)) W ~ F(k, G - k), ``df_den`` = G - k. ``p_bonferroni`` = min(1, k
    x the smallest per-estimate p-value) (t on G - 1), valid whatever the covariance.

    Few treated units make every version oversized. Under exact parallel trends (``simulate_panel`` with
    year_sd=0, 200 panels, 7 pre-periods, alpha 0.05), the rejection rate was: with 3 treated units per cohort in 2
    cohorts and 10 comparison units, 27% (``p``), 12% (``p_bonferroni``), 56% for W / k against F(k, G - 1) and
    9% for a single pre-period estimate; with 10 per cohort and 20 comparison units 5%, 4%, 11% and 5%. Read a
    rejection with few treated units as a prompt to look at the event study, and a non-rejection never as proof of
    parallel trends (such tests have little power).

    ``status``: "ran"; "no_pre_periods" (no estimate before event time -1); "too_few_clusters" (G <= k: no
    Hotelling p; ``p_bonferroni`` is still given); "singular_covariance" (the block is not of full rank: p NaN).
    """

    statistic: float
    df_num: int
    df_den: float
    p: float
    p_bonferroni: float
    status: str
    method: str = "wald_hotelling_event_study"

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


@dataclass(frozen=True)
class DidResult:
    """Callaway–Sant'Anna staggered difference in differences (see the module docstring for the choices).

    * ``overall``: the simple aggregation (diff-diff's ``overall_att``, as R ``did::aggte(type="simple")``): the
      average of the post-adoption ATT(g, t) weighted by the number of treated units in each cell, i.e. in a
      balanced panel the mean effect over treated unit-years from adoption on, in outcome units per unit-year.
    * ``group_time``: cohort (adoption year), year, estimate, se, low, high, p, n_treated, n_comparison (units in
      the cell), reference (True for the base year, cohort - 1: estimate 0, no inference). Sorted by cohort, year.
    * ``event_study``: event_time (year - adoption year; negative before adoption), estimate, se, low, high, p,
      n_cohorts, reference (event time -1: estimate 0, no inference). Cohort-size weighted as diff-diff.
    * ``pre_trend``: ``PreTrendTest`` on the pre-period event-study estimates.
    * ``reference_distribution`` "t" with ``df`` = G - 1 (G = ``n_treated_units + n_comparison_units``).
    * ``gaps``: unit, year of the missing unit-years of the units in the fit (within the panel's years).
    * ``warnings``: the check's warnings plus ``Problem("unbalanced_panel", {"units": [...], "handling":
      "within_cell_differencing"})`` when there are gaps.
    * ``library_warnings``: diff-diff's warning texts, for diagnosis only (not for display).
    """

    method: str
    control_group: str
    estimation_method: str
    base_period: str
    scale: str
    alpha: float
    overall: Estimate
    reference_distribution: str
    df: float
    pre_trend: PreTrendTest
    n_treated_units: int
    n_comparison_units: int
    cohorts: tuple[int, ...]
    treated_units: tuple[str, ...]
    comparison_units: tuple[str, ...]
    group_time: pd.DataFrame = field(repr=False, compare=False)
    event_study: pd.DataFrame = field(repr=False, compare=False)
    gaps: pd.DataFrame = field(repr=False, compare=False)
    check: DesignCheck | None = None
    warnings: tuple[Problem, ...] = ()
    library_warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


@dataclass(frozen=True)
class EffectInterval:
    """An interval for an effect found by test inversion: every value the test does not reject at ``alpha``.

    ``status``: "ran" (bounded), "unbounded" (a side is infinite: the test cannot reject anything there, typically
    because its smallest attainable p-value exceeds alpha), "grid_limited" (diff-diff's grid ended inside the
    set), "empty" (no value tried is accepted: low and high NaN), "not_computable" (the test cannot be run on
    these years: -inf to inf), "not_computed" (``synthetic_control(intervals=False)``: NaN). ``details``: the
    test's own numbers (permutations, blocks, ...)."""

    low: float
    high: float
    method: str
    status: str
    alpha: float
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


@dataclass(frozen=True)
class SynthResult:
    """Synthetic control for one treated unit (ADH 2010; see the module docstring for V).

    * ``weights``: Series donor -> weight (on the simplex), descending, weights below 1e-6 dropped.
    * ``path``: year, post (bool), treated (observed outcome), synthetic (weighted donors), gap (treated -
      synthetic), for every year of the window.
    * ``att``: the mean post-adoption gap (outcome units per year).
    * ``att_interval``: diff-diff's ``conformal_average_effect`` (Chernozhukov, Wüthrich & Zhu 2021, appendix
      A.1; method "conformal_cwz2021", moving-block permutations): the panel is cut into blocks as long as the
      post-period, so with T years and T* post years only floor(T0 / T*) + 1 blocks remain and the smallest
      p-value is 1 / blocks. Whenever that exceeds alpha (every yearly panel with fewer than about 20 blocks) the
      interval is unbounded ("unbounded" status; ``check_designs`` warns "conformal_resolution").
    * ``constant_effect_interval``: the CWZ 2021 (section 2.2) test of the sharp null "the effect is c in every
      post year" (q = 1, iid permutations of the residuals over time, ``CONFORMAL_N_IID`` draws seeded by
      ``seed``), inverted over c (method "conformal_cwz2021_constant_effect_iid"): bounded whenever the
      post-period is short relative to the panel. Valid under exchangeable (iid) errors over time. The test is
      scanned on a grid around diff-diff's conformal point estimate and the edges bisected (see
      ``_constant_effect_interval``): the interval is the hull of the accepted values. It is conservative: on 60
      simulated panels (1 treated unit, 19 donors, 8 + 5 years, counts about 5-30 a year) it covered the true mean
      effect 98-100% of the time at alpha 0.05, with a median width of about 8.5 standard deviations of ``att``
      (30 counts a year against 3.5). It takes most of the fit's time (about 60 tests, 1.2 s).
    * ``pre_rmspe``, ``post_rmspe``: root mean squared gap before / from adoption; ``rmspe_ratio`` = post / pre.
    * ``placebo_p``: in-space placebo p-value (ADH): the rank of the treated unit's RMSPE ratio among the
      ``n_placebos`` donors refitted as if treated (each against all other units, the treated one included) and
      itself, divided by ``n_placebos + 1``. ``smallest_attainable_p`` = 1 / (n_placebos + 1).
    * ``placebos``: unit, rmspe_ratio, pre_rmspe, post_rmspe, treated (bool), status ("treated", "placebo",
      "failed"); descending ratio.
    * ``in_time``: placebo_year, att (mean gap over [placebo_year, adoption)), ratio (post-fake / pre-fake
      RMSPE), pre_rmspe, n_pre, n_post, status ("ran", "infeasible", "failed") of the backdated placebo fitted on
      the years before ``placebo_year`` only.
    * ``dropped_units``: donors dropped for a missing year in the window; ``window``: the years used.
    * ``warnings``: the check's, plus "perfect_pre_fit" (pre_rmspe, pre_sd) when the donors reproduce the treated
      unit's pre-adoption outcomes exactly (RMSPE ratios then divide by fitted noise).
    """

    method: str
    treated_unit: str
    adoption_year: int
    scale: str
    alpha: float
    seed: int
    v_method: str
    att: float
    att_interval: EffectInterval
    constant_effect_interval: EffectInterval
    pre_rmspe: float
    post_rmspe: float
    rmspe_ratio: float
    placebo_p: float
    n_placebos: int
    n_failed_placebos: int
    smallest_attainable_p: float
    dropped_units: tuple[str, ...]
    window: tuple[int, ...]
    weights: pd.Series = field(repr=False, compare=False)
    path: pd.DataFrame = field(repr=False, compare=False)
    placebos: pd.DataFrame = field(repr=False, compare=False)
    in_time: pd.DataFrame = field(repr=False, compare=False)
    check: DesignCheck | None = None
    warnings: tuple[Problem, ...] = ()
    library_warnings: tuple[str, ...] = ()

    @property
    def interval(self) -> EffectInterval:
        """The interval to report: the average effect's when bounded ("ran"), else the constant effect's (bounded
        on short panels, where the average effect's is not)."""
        return self.att_interval if self.att_interval.status == "ran" else self.constant_effect_interval

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


@dataclass(frozen=True)
class RateRatio:
    """exp(coef): a rate ratio with its two-sided 1 - alpha interval (t on df_resid) and p-value; coef and se on
    the log scale (se includes the quasi-Poisson scale)."""

    ratio: float
    low: float
    high: float
    p: float
    coef: float
    se: float

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


@dataclass(frozen=True)
class CitsResult:
    """Controlled interrupted time series (model in the module docstring).

    * ``level``: rate ratio of the treated series' level change at the adoption year, relative to its own trend
      projected and net of the year effects shared with the comparison series.
    * ``slope``: rate ratio per year of the change of the treated series' trend (None when not fitted: fewer than
      ``CITS_SLOPE_MIN_YEARS`` years, or ``slope_change=False``).
    * ``dispersion``: Pearson X2 / df_resid of the Poisson fit; ``quasi_scale`` = max(1, dispersion).
    * ``series``: year, post (bool), treated_count, comparison_count, [treated_population,
      comparison_population], observed (treated outcome: count, or rate per 10,000), fitted, counterfactual
      (level and slope set to 0: the treated trend continued), counterfactual_low, counterfactual_high (pointwise
      1 - alpha, t on df_resid), comparison_observed. Outcome-scale columns are per year.
    * ``coefficients``: term, coef, se, low, high, p of every coefficient (log scale).
    * ``dropped_units``: units dropped for a missing year; ``dropped_years``: years without any event in either
      series (their year effect would be -infinity; they carry no information on the other terms).
    """

    method: str
    scale: str
    alpha: float
    adoption_year: int
    treated_units: tuple[str, ...]
    comparison_units: tuple[str, ...]
    level: RateRatio
    slope: RateRatio | None
    slope_change: bool
    reference_distribution: str
    df_resid: float
    dispersion: float
    quasi_scale: float
    n_years: int
    dropped_units: tuple[str, ...]
    dropped_years: tuple[int, ...]
    series: pd.DataFrame = field(repr=False, compare=False)
    coefficients: pd.DataFrame = field(repr=False, compare=False)
    check: DesignCheck | None = None
    warnings: tuple[Problem, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


# --------------------------------------------------------------------------------------------------------------
# The panel
# --------------------------------------------------------------------------------------------------------------


def _whole(values: pd.Series, name: str, allow_na: bool = False) -> pd.Series:
    """``values`` as Int64 after checking they are whole numbers (NA only when ``allow_na``)."""
    if values.isna().any() and not allow_na:
        raise ValueError(f"column {name!r} has missing values")
    present = values.dropna()
    objects = present.dtype == object or pd.api.types.is_bool_dtype(present)
    if objects and not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in present):
        raise ValueError(f"column {name!r} must hold whole numbers")
    numeric = pd.to_numeric(present, errors="coerce").astype(float)
    if numeric.isna().any() or not np.all(np.isfinite(numeric)) or not np.all(numeric == np.round(numeric)):
        raise ValueError(f"column {name!r} must hold whole numbers")
    # Positional, not by label: a panel built with pd.concat can repeat index labels.
    out = pd.array([pd.NA] * len(values), dtype="Int64")
    out[values.notna().to_numpy()] = numeric.astype(np.int64).to_numpy()
    return pd.Series(out, index=values.index)


def outcome_values(panel: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Check the panel and add the column ``outcome`` (float): the rate per 10,000 people when a ``population``
    column is present (scale key "rate_per_10000"), else the count (scale key "count").

    Returns a copy sorted by unit and year with columns unit (str), year (int64), count (int64), [population
    (int64)], adoption_year (Int64) and outcome. Raises ValueError for a missing column, a duplicated unit-year,
    negative or fractional counts, a population that is missing or not > 0, or an adoption year that varies
    within a unit.
    """
    if not isinstance(panel, pd.DataFrame):
        raise ValueError("panel must be a pandas DataFrame with columns unit, year, count, adoption_year")
    missing = [c for c in _REQUIRED if c not in panel.columns]
    if missing:
        raise ValueError(f"panel has no column(s) {missing} (columns: {list(panel.columns)})")
    has_pop = "population" in panel.columns
    df = pd.DataFrame(
        {
            "unit": panel["unit"].astype(str).to_numpy(),
            "year": _whole(panel["year"], "year").astype(np.int64).to_numpy(),
            "count": _whole(panel["count"], "count").astype(np.int64).to_numpy(),
        }
    )
    if (df["count"] < 0).any():
        raise ValueError("column 'count' must be >= 0")
    if has_pop:
        pop = _whole(panel["population"], "population")
        if (pop <= 0).any():
            raise ValueError("column 'population' must be > 0")
        df["population"] = pop.astype(np.int64).to_numpy()
    df["adoption_year"] = _whole(panel["adoption_year"], "adoption_year", allow_na=True).to_numpy()
    df["adoption_year"] = df["adoption_year"].astype("Int64")
    if df.duplicated(["unit", "year"]).any():
        dup = df.loc[df.duplicated(["unit", "year"], keep=False), ["unit", "year"]].drop_duplicates()
        raise ValueError(f"panel has more than one row for the same unit-year: {dup.to_dict('records')}")
    per_unit = df.groupby("unit")["adoption_year"].nunique(dropna=False)
    if (per_unit > 1).any():
        raise ValueError(f"adoption_year varies within unit(s) {sorted(per_unit[per_unit > 1].index)}")
    df = df.sort_values(["unit", "year"], kind="mergesort").reset_index(drop=True)
    if has_pop:
        df["outcome"] = df["count"].to_numpy(dtype=float) * RATE_PER / df["population"].to_numpy(dtype=float)
        return df, SCALE_RATE
    df["outcome"] = df["count"].to_numpy(dtype=float)
    return df, SCALE_COUNT


# --------------------------------------------------------------------------------------------------------------
# Who is treated, who compares, which years are missing
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Selection:
    """Units of each group after the caller's lists (or the defaults) and the blocking problems of the lists."""

    frame: pd.DataFrame  # the panel restricted to [first, last]
    first: int
    last: int
    years: tuple[int, ...]  # years with data for some unit, in [first, last]
    adoption: dict[str, int | None]
    treated: tuple[str, ...]
    comparison: tuple[str, ...]
    always_treated: tuple[str, ...]
    problems: tuple[Problem, ...]


def _adopts_in(adoption: int | None, first: int, last: int) -> bool:
    return adoption is not None and first < adoption <= last


def _select(
    df: pd.DataFrame,
    treated: Sequence[str] | None,
    comparison: Sequence[str] | None,
    first: int,
    last: int,
) -> _Selection:
    frame = df[(df["year"] >= first) & (df["year"] <= last)].reset_index(drop=True)
    units = sorted(frame["unit"].unique())
    adoption_col = frame.groupby("unit", sort=True)["adoption_year"].first()
    adoption = {u: (None if pd.isna(a) else int(a)) for u, a in adoption_col.items()}
    problems: list[Problem] = []
    always = tuple(u for u in units if adoption[u] is not None and adoption[u] <= first)
    if treated is None:
        tr = [u for u in units if _adopts_in(adoption[u], first, last)]
    else:
        tr = list(dict.fromkeys(str(u) for u in treated))
        unknown = [u for u in tr if u not in adoption]
        if unknown:
            problems.append(Problem("unknown_units", {"units": unknown}))
        bad = [u for u in tr if u in adoption and not _adopts_in(adoption[u], first, last)]
        if bad:
            problems.append(
                Problem("treated_without_adoption_in_window", {"units": bad, "first_year": first, "last_year": last})
            )
        tr = [u for u in tr if u in adoption and _adopts_in(adoption[u], first, last)]
    if comparison is None:
        comp = [u for u in units if (adoption[u] is None or adoption[u] > last) and u not in tr]
    else:
        comp = list(dict.fromkeys(str(u) for u in comparison))
        unknown = [u for u in comp if u not in adoption]
        if unknown:
            problems.append(Problem("unknown_units", {"units": unknown}))
        adopting = [u for u in comp if u in adoption and adoption[u] is not None and adoption[u] <= last]
        if adopting:
            problems.append(Problem("comparison_adopts_in_window", {"units": adopting, "last_year": last}))
        both = [u for u in comp if u in tr]
        if both:
            problems.append(Problem("unit_in_both_groups", {"units": both}))
        comp = [u for u in comp if u in adoption and u not in adopting and u not in both]
    years = tuple(int(y) for y in sorted(frame["year"].unique()))
    return _Selection(frame, first, last, years, adoption, tuple(tr), tuple(comp), always, tuple(problems))


def _observed(frame: pd.DataFrame) -> dict[str, set[int]]:
    return {u: set(int(y) for y in g) for u, g in frame.groupby("unit", sort=True)["year"]}


def _gapped(units: Sequence[str], observed: dict[str, set[int]], years: Sequence[int]) -> dict[str, list[int]]:
    """{unit: its missing years among ``years``} for the units with at least one."""
    out = {}
    for u in units:
        miss = [y for y in years if y not in observed.get(u, set())]
        if miss:
            out[u] = miss
    return out


def _window(first_year: int | None, last_year: int | None, df: pd.DataFrame) -> tuple[int, int]:
    first = int(df["year"].min()) if first_year is None else int(first_year)
    last = int(df["year"].max()) if last_year is None else int(last_year)
    if first > last:
        raise ValueError(f"first_year {first} is after last_year {last}")
    return first, last


# --------------------------------------------------------------------------------------------------------------
# Sufficiency
# --------------------------------------------------------------------------------------------------------------


def _refuse(design: str, problems: list[Problem], counts: dict[str, int] | None = None) -> DesignCheck:
    return DesignCheck(design, False, tuple(problems), (), counts or {})


def _before(adoption: int, have: int, need: int, label: str | None = None) -> Problem:
    return Problem(
        "too_few_years_before",
        {
            "unit_or_cohort": label or str(adoption),
            "have": have,
            "need": need,
            "collect_from": adoption - need,
        },
    )


def _after(adoption: int, have: int, need: int, label: str | None = None) -> Problem:
    return Problem(
        "too_few_years_after",
        {
            "unit_or_cohort": label or str(adoption),
            "have": have,
            "need": need,
            "collect_until": adoption + need - 1,
        },
    )


def _check_cs(sel: _Selection) -> DesignCheck:
    """Callaway–Sant'Anna. Blocking: no treated unit; fewer than ``CS_MIN_COMPARISON_UNITS`` comparison units; no
    cohort with ``CS_MIN_YEARS_BEFORE`` years observed before adoption and ``CS_MIN_YEARS_AFTER`` from it on (then
    each cohort's shortfall is listed). Cohorts short of those (while another is fine) are warnings: they enter the
    fit, without a pre-trend estimate or without a post-adoption effect."""
    problems = list(sel.problems)
    observed = _observed(sel.frame)
    cohorts: dict[int, list[str]] = {}
    for u in sel.treated:
        cohorts.setdefault(sel.adoption[u], []).append(u)
    counts = {
        "units": len(observed),
        "treated_units": len(sel.treated),
        "comparison_units": len(sel.comparison),
        "cohorts": len(cohorts),
        "years": len(sel.years),
        "always_treated_units": len(sel.always_treated),
    }
    if not sel.treated:
        problems.append(Problem("no_treated_units", {"first_year": sel.first, "last_year": sel.last}))
    if len(sel.comparison) < CS_MIN_COMPARISON_UNITS:
        problems.append(
            Problem("too_few_comparison_units", {"have": len(sel.comparison), "need": CS_MIN_COMPARISON_UNITS})
        )
    short: list[Problem] = []
    usable = 0
    for g, members in sorted(cohorts.items()):
        years = set().union(*(observed.get(u, set()) for u in members))
        before = sum(1 for y in years if y < g)
        after = sum(1 for y in years if y >= g)
        if before < CS_MIN_YEARS_BEFORE:
            short.append(_before(g, before, CS_MIN_YEARS_BEFORE))
        if after < CS_MIN_YEARS_AFTER:
            short.append(_after(g, after, CS_MIN_YEARS_AFTER))
        usable += before >= CS_MIN_YEARS_BEFORE and after >= CS_MIN_YEARS_AFTER
    counts["usable_cohorts"] = usable
    warnings_: list[Problem] = []
    if 0 < len(sel.treated) < CS_WARN_TREATED_BELOW:
        warnings_.append(Problem("few_treated_units", {"have": len(sel.treated), "warn_below": CS_WARN_TREATED_BELOW}))
    if cohorts and not usable:
        problems += short
    else:
        warnings_ += short
    return DesignCheck("staggered_did", not problems, tuple(problems), tuple(warnings_), counts)


@dataclass(frozen=True)
class _ScPlan:
    treated: str
    adoption: int
    window: tuple[int, ...]
    donors: tuple[str, ...]
    dropped: tuple[str, ...]


def _check_sc(sel: _Selection, alpha: float) -> tuple[DesignCheck, _ScPlan | None]:
    """Synthetic control. Blocking: not exactly one treated unit; fewer than ``SC_MIN_YEARS_BEFORE`` years of the
    treated unit before adoption or ``SC_MIN_YEARS_AFTER`` from it on; fewer than ``SC_MIN_DONORS`` donors observed
    in every year the treated unit is observed. Warnings: donors dropped for gaps ("dropped_for_gaps"), the treated
    unit's own gaps ("treated_unit_gaps"), a placebo p-value that can never reach alpha ("placebo_resolution":
    1 / (donors + 1) > alpha) and a CWZ average-effect interval that will be unbounded ("conformal_resolution")."""
    problems = list(sel.problems)
    observed = _observed(sel.frame)
    counts = {
        "units": len(observed),
        "treated_units": len(sel.treated),
        "donors_listed": len(sel.comparison),
        "years": len(sel.years),
    }
    if len(sel.treated) == 0:
        problems.append(Problem("no_treated_units", {"first_year": sel.first, "last_year": sel.last}))
    elif len(sel.treated) > 1:
        problems.append(Problem("several_treated_units", {"have": len(sel.treated), "need": 1}))
    if problems:
        return _refuse("synthetic_control", problems, counts), None
    unit = sel.treated[0]
    g = sel.adoption[unit]
    window = tuple(y for y in sel.years if y in observed[unit])
    gaps = _gapped(sel.comparison, observed, window)
    donors = tuple(u for u in sel.comparison if u not in gaps)
    dropped = tuple(u for u in sel.comparison if u in gaps)
    before = sum(1 for y in window if y < g)
    after = sum(1 for y in window if y >= g)
    counts.update(donors=len(donors), dropped_for_gaps=len(dropped), years_before=before, years_after=after)
    if before < SC_MIN_YEARS_BEFORE:
        problems.append(_before(g, before, SC_MIN_YEARS_BEFORE, unit))
    if after < SC_MIN_YEARS_AFTER:
        problems.append(_after(g, after, SC_MIN_YEARS_AFTER, unit))
    if len(donors) < SC_MIN_DONORS:
        problems.append(
            Problem("too_few_donors", {"have": len(donors), "need": SC_MIN_DONORS, "dropped_for_gaps": list(dropped)})
        )
    warnings_: list[Problem] = []
    if dropped:
        warnings_.append(Problem("dropped_for_gaps", {"units": list(dropped), "missing": gaps}))
    own_gaps = [y for y in sel.years if y not in observed[unit]]
    if own_gaps:
        warnings_.append(Problem("treated_unit_gaps", {"unit": unit, "years": own_gaps}))
    if donors and 1 / (len(donors) + 1) > alpha:
        warnings_.append(
            Problem("placebo_resolution", {"donors": len(donors), "smallest_p": 1 / (len(donors) + 1), "alpha": alpha})
        )
    if before and after:
        blocks = before // after + 1
        if 1 / blocks > alpha:
            warnings_.append(
                Problem("conformal_resolution", {"blocks": blocks, "smallest_p": 1 / blocks, "alpha": alpha})
            )
    plan = _ScPlan(unit, g, window, donors, dropped) if not problems else None
    return DesignCheck("synthetic_control", not problems, tuple(problems), tuple(warnings_), counts), plan


@dataclass(frozen=True)
class _CitsPlan:
    adoption: int
    treated: tuple[str, ...]
    comparison: tuple[str, ...]
    years: tuple[int, ...]
    dropped: tuple[str, ...]


def _check_cits(sel: _Selection) -> tuple[DesignCheck, _CitsPlan | None]:
    """Controlled ITS. Blocking: no treated unit; treated units with different adoption years
    ("several_adoption_years"); fewer than ``CITS_MIN_COMPARISON_UNITS`` comparison units or
    ``CITS_MIN_YEARS_EACH_SIDE`` years on a side of the adoption year (counted by
    ``antt.models.sufficiency.check_sufficiency``) after units with gaps are dropped; no event in the treated series
    before or from adoption, or in the comparison series ("no_events"). Warnings: units dropped for gaps, fewer
    than ``CITS_WARN_BELOW_YEARS`` years on a side ("few_years")."""
    problems = list(sel.problems)
    observed = _observed(sel.frame)
    counts = {
        "units": len(observed),
        "treated_units": len(sel.treated),
        "comparison_units": len(sel.comparison),
        "years": len(sel.years),
    }
    if not sel.treated:
        problems.append(Problem("no_treated_units", {"first_year": sel.first, "last_year": sel.last}))
        return _refuse("controlled_its", problems, counts), None
    adoptions = sorted({sel.adoption[u] for u in sel.treated})
    if len(adoptions) > 1:
        problems.append(Problem("several_adoption_years", {"years": adoptions}))
        return _refuse("controlled_its", problems, counts), None
    g = adoptions[0]
    gaps = _gapped(sel.treated + sel.comparison, observed, sel.years)
    treated = tuple(u for u in sel.treated if u not in gaps)
    comparison = tuple(u for u in sel.comparison if u not in gaps)
    dropped = tuple(u for u in sel.treated + sel.comparison if u in gaps)
    counts.update(treated_units=len(treated), comparison_units=len(comparison), dropped_for_gaps=len(dropped))
    warnings_: list[Problem] = []
    if dropped:
        warnings_.append(Problem("dropped_for_gaps", {"units": list(dropped), "missing": gaps}))
    if not treated:
        problems.append(Problem("no_treated_units", {"dropped_for_gaps": [u for u in sel.treated if u in gaps]}))
    if len(comparison) < CITS_MIN_COMPARISON_UNITS:
        problems.append(
            Problem("too_few_comparison_units", {"have": len(comparison), "need": CITS_MIN_COMPARISON_UNITS})
        )
    verdict = check_sufficiency(
        list(sel.years), {"model": g}, min_points=CITS_MIN_YEARS_EACH_SIDE, warn_below=CITS_WARN_BELOW_YEARS
    )
    side = verdict.interventions[0]
    counts.update(years_before=side.points_before, years_after=side.points_after)
    if side.points_before < CITS_MIN_YEARS_EACH_SIDE:
        problems.append(_before(g, side.points_before, CITS_MIN_YEARS_EACH_SIDE))
    if side.points_after < CITS_MIN_YEARS_EACH_SIDE:
        problems.append(_after(g, side.points_after, CITS_MIN_YEARS_EACH_SIDE))
    if verdict.status == "warn":
        warnings_.append(
            Problem(
                "few_years",
                {"before": side.points_before, "after": side.points_after, "warn_below": CITS_WARN_BELOW_YEARS},
            )
        )
    if treated and comparison:
        frame = sel.frame
        tr = frame[frame["unit"].isin(treated)]
        for side_key, part in (("before", tr[tr["year"] < g]), ("after", tr[tr["year"] >= g])):
            if len(part) and part["count"].sum() == 0:
                problems.append(Problem("no_events", {"group": "treated", "side": side_key}))
        if frame.loc[frame["unit"].isin(comparison), "count"].sum() == 0:
            problems.append(Problem("no_events", {"group": "comparison", "side": "all"}))
    plan = _CitsPlan(g, treated, comparison, sel.years, dropped) if not problems else None
    return DesignCheck("controlled_its", not problems, tuple(problems), tuple(warnings_), counts), plan


def _empty(panel: pd.DataFrame | None) -> bool:
    return panel is None or (isinstance(panel, pd.DataFrame) and panel.empty)


def check_designs(
    panel: pd.DataFrame | None,
    treated: list[str] | None = None,
    comparison: list[str] | None = None,
    first_year: int | None = None,
    last_year: int | None = None,
    *,
    alpha: float = 0.05,
) -> dict[str, DesignCheck]:
    """Which designs can these data identify? ``{"staggered_did", "synthetic_control", "controlled_its"} ->
    DesignCheck``, before any fit.

    ``first_year``/``last_year`` (default: the panel's) bound the window. ``treated`` None: every unit whose
    adoption year lies in (first_year, last_year] (a unit adopting in first_year or earlier is always treated in the
    window and is used by no design; ``counts["always_treated_units"]``). ``comparison`` None: every unit not
    adopting in the window (adoption year <NA> or after last_year); for the synthetic control these are the
    donors. Explicit lists are checked: unknown units, treated units without an adoption year in the window,
    comparison units adopting in it and units in both lists are blocking problems.

    Problem keys: "no_panel", "unknown_units", "treated_without_adoption_in_window", "comparison_adopts_in_window",
    "unit_in_both_groups", "no_treated_units", "too_few_comparison_units" (have, need), "too_few_years_before"
    (unit_or_cohort, have, need, collect_from = adoption - need), "too_few_years_after" (unit_or_cohort, have,
    need, collect_until = adoption + need - 1), "several_treated_units" (have, need: the synthetic control takes
    exactly one treated unit; fit one per unit), "too_few_donors" (have, need, dropped_for_gaps),
    "several_adoption_years" (years), "no_events" (group, side). Warning keys: "placebo_resolution" (donors,
    smallest_p, alpha), "conformal_resolution" (blocks, smallest_p, alpha), "dropped_for_gaps" (units, missing),
    "treated_unit_gaps", "few_years", and a Callaway–Sant'Anna cohort short of years (the keys above). Thresholds:
    the ``CS_*``, ``SC_*`` and ``CITS_*`` constants of this module.
    """
    alpha = check_alpha(alpha)
    if _empty(panel):
        return {d: _refuse(d, [Problem("no_panel", {})]) for d in DESIGNS}
    df, _ = outcome_values(panel)
    first, last = _window(first_year, last_year, df)
    sel = _select(df, treated, comparison, first, last)
    if sel.frame.empty:
        return {d: _refuse(d, [Problem("no_panel", {"first_year": first, "last_year": last})]) for d in DESIGNS}
    return {
        "staggered_did": _check_cs(sel),
        "synthetic_control": _check_sc(sel, alpha)[0],
        "controlled_its": _check_cits(sel)[0],
    }


def _prepared(panel: pd.DataFrame | None, design: str) -> tuple[pd.DataFrame, str]:
    if _empty(panel):
        raise DesignRefused(_refuse(design, [Problem("no_panel", {})]))
    return outcome_values(panel)


def _library_messages(caught: list[warnings.WarningMessage]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))


# --------------------------------------------------------------------------------------------------------------
# Staggered difference in differences (Callaway & Sant'Anna 2021)
# --------------------------------------------------------------------------------------------------------------


def _pre_trend(es: Any, n_clusters: int) -> PreTrendTest:
    et = np.asarray(es.event_time)
    att = np.asarray(es.att, dtype=float)
    se = np.asarray(es.se, dtype=float)
    ref = np.asarray(es.is_reference, dtype=bool)
    pre = (et < 0) & ~ref & np.isfinite(att) & np.isfinite(se)
    k = int(pre.sum())
    if k == 0:
        return PreTrendTest(math.nan, 0, math.nan, math.nan, math.nan, "no_pre_periods")
    p_single = np.asarray(es.p_value, dtype=float)[pre]
    bonferroni = float(min(1.0, k * np.min(p_single))) if np.all(np.isfinite(p_single)) else math.nan
    df_den = float(n_clusters - k)
    if es.vcov is None or es.vcov_index is None:
        return PreTrendTest(math.nan, k, df_den, math.nan, bonferroni, "singular_covariance")
    position = {int(e): i for i, e in enumerate(np.asarray(es.vcov_index))}
    idx = [position[int(e)] for e in et[pre]]
    block = np.asarray(es.vcov, dtype=float)[np.ix_(idx, idx)]
    block = 0.5 * (block + block.T)
    if not np.all(np.isfinite(block)) or np.linalg.matrix_rank(block) < k:
        return PreTrendTest(math.nan, k, df_den, math.nan, bonferroni, "singular_covariance")
    b = att[pre]
    wald = float(b @ np.linalg.solve(block, b))
    if df_den < 1:
        return PreTrendTest(wald, k, df_den, math.nan, bonferroni, "too_few_clusters")
    f_stat = wald * df_den / (k * (n_clusters - 1))
    return PreTrendTest(wald, k, df_den, float(stats.f.sf(f_stat, k, df_den)), bonferroni, "ran")


def callaway_santanna_fit(data: pd.DataFrame, alpha: float) -> tuple[Any, Any, list[warnings.WarningMessage]]:
    """diff-diff's Callaway–Sant'Anna fit as ``staggered_did`` configures it (never-adopting comparison, "reg",
    universal base period, errors clustered by unit, no bootstrap): the results, their event-study aggregation and
    the warnings caught while fitting.

    ``data``: columns unit, year (int), outcome (float, any scale) and first_treat (int; 0 = never adopts). The
    seam the golden test (``tests/models/test_comparison_golden.py``) uses to run the same configuration on a
    published continuous outcome."""
    import diff_diff as dd

    est = dd.CallawaySantAnna(
        control_group="never_treated",
        estimation_method="reg",
        alpha=alpha,
        base_period="universal",
        cluster="unit",
        n_bootstrap=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = est.fit(data, outcome="outcome", unit="unit", time="year", first_treat="first_treat")
        es = res.aggregate("event_study")
    return res, es, caught


def staggered_did(
    panel: pd.DataFrame,
    alpha: float = 0.05,
    treated: list[str] | None = None,
    comparison: list[str] | None = None,
) -> DidResult:
    """Callaway–Sant'Anna group-time ATTs, their simple and event-study aggregations and a pre-trend test.

    ``treated``/``comparison`` as ``check_designs`` (window: the panel's years); units in neither list are left
    out. Comparison: never-adopting units only (``control_group="never_treated"``). Estimates are in outcome units
    (counts or rates per 10,000, per unit-year). Raises ``DesignRefused`` when ``check_designs`` refuses.
    """
    alpha = check_alpha(alpha)
    df, scale = _prepared(panel, "staggered_did")
    first, last = _window(None, None, df)
    sel = _select(df, treated, comparison, first, last)
    check = _check_cs(sel)
    if not check.ok:
        raise DesignRefused(check)
    data = sel.frame[sel.frame["unit"].isin(sel.treated + sel.comparison)].copy()
    treated_set = set(sel.treated)
    data["first_treat"] = [sel.adoption[u] if u in treated_set else 0 for u in data["unit"]]
    data["first_treat"] = data["first_treat"].astype(np.int64)
    res, es, caught = callaway_santanna_fit(data, alpha)
    df_t = math.nan if res.df_inference is None else float(res.df_inference)
    lo, hi = res.overall_conf_int
    overall = Estimate(float(res.overall_att), float(res.overall_se), float(lo), float(hi), float(res.overall_p_value))
    observed = _observed(data)
    gaps = _gapped(sel.treated + sel.comparison, observed, sel.years)
    gap_rows = pd.DataFrame([(u, y) for u, ys in gaps.items() for y in ys], columns=["unit", "year"]).astype(
        {"unit": str, "year": np.int64}
    )
    result_warnings = list(check.warnings)
    if gaps:
        result_warnings.append(
            Problem("unbalanced_panel", {"units": sorted(gaps), "handling": "within_cell_differencing"})
        )
    return DidResult(
        method=METHOD_CS,
        control_group="never_treated",
        estimation_method="reg",
        base_period="universal",
        scale=scale,
        alpha=alpha,
        overall=overall,
        reference_distribution="t" if not math.isnan(df_t) else "z",
        df=df_t,
        pre_trend=_pre_trend(es, int(res.n_clusters or len(sel.treated) + len(sel.comparison))),
        n_treated_units=int(res.n_treated_units),
        n_comparison_units=int(res.n_control_units),
        cohorts=tuple(int(g) for g in sorted(res.groups)),
        treated_units=sel.treated,
        comparison_units=sel.comparison,
        group_time=_group_time_table(res),
        event_study=_event_study_table(es),
        gaps=gap_rows,
        check=check,
        warnings=tuple(result_warnings),
        library_warnings=_library_messages(caught),
    )


def _group_time_table(res: Any) -> pd.DataFrame:
    rows = []
    for (g, t), cell in res.group_time_effects.items():
        lo, hi = cell.get("conf_int", (math.nan, math.nan))
        se = float(cell.get("se", math.nan))
        reference = bool(int(t) == int(g) - 1 and float(cell["effect"]) == 0.0 and not np.isfinite(se))
        rows.append(
            {
                "cohort": int(g),
                "year": int(t),
                "estimate": float(cell["effect"]),
                "se": se,
                "low": float(lo),
                "high": float(hi),
                "p": float(cell.get("p_value", math.nan)),
                "n_treated": int(cell.get("n_treated", 0) or 0),
                "n_comparison": int(cell.get("n_control", 0) or 0),
                "reference": reference,
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values(["cohort", "year"], kind="mergesort").reset_index(drop=True)


def _event_study_table(es: Any) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "event_time": np.asarray(es.event_time).astype(np.int64),
            "estimate": np.asarray(es.att, dtype=float),
            "se": np.asarray(es.se, dtype=float),
            "low": np.asarray(es.conf_int_lower, dtype=float),
            "high": np.asarray(es.conf_int_upper, dtype=float),
            "p": np.asarray(es.p_value, dtype=float),
            "n_cohorts": np.asarray(es.n, dtype=float),
            "reference": np.asarray(es.is_reference, dtype=bool),
        }
    )
    return out.sort_values("event_time", kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------------
# Synthetic control (Abadie, Diamond & Hainmueller 2010)
# --------------------------------------------------------------------------------------------------------------


def _float(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _average_interval(res: Any, alpha: float, seed: int) -> tuple[EffectInterval, float]:
    """diff-diff's CWZ average-effect interval, and its point estimate (the CWZ proxy's mean post residual).

    With fewer pre-adoption than post-adoption years there is no full pre-block: status "not_computable" (interval
    -inf to inf) and the point estimate is the synthetic control's own ``att``."""
    n_pre, n_post = len(res.pre_periods), len(res.post_periods)
    if n_pre < n_post:
        details = {"scheme": "moving_block", "n_pre": n_pre, "n_post": n_post}
        interval = EffectInterval(-math.inf, math.inf, CONFORMAL_AVERAGE, "not_computable", alpha, details)
        return interval, float(res.att)
    out = res.conformal_average_effect(alpha=alpha, seed=seed)
    details = {
        k: (int(out[k]) if k in ("n_perms", "n_blocks", "n_dropped_pre", "n_grid_nonconverged") else out[k])
        for k in ("n_perms", "n_blocks", "n_dropped_pre", "n_grid_nonconverged", "contiguous")
        if k in out
    }
    details["scheme"] = "moving_block"
    details["point_estimate"] = _float(out["point_estimate"])
    interval = EffectInterval(
        _float(out["lower"]), _float(out["upper"]), CONFORMAL_AVERAGE, str(out["status"]), alpha, details
    )
    return interval, _float(out["point_estimate"])


def constant_effect_test(res: Any, seed: int) -> Callable[[float], float]:
    """p(c) of CWZ's sharp-null test of a constant effect c per post year on diff-diff's fit ``res`` (q = 1, iid
    permutations, ``CONFORMAL_N_IID`` draws seeded by ``seed``).

    The numbers are those of ``res.conformal_test(c, q=1, scheme="iid", n_iid=CONFORMAL_N_IID, seed=seed)``, which
    draws its 10,000 permutations again, in a Python loop, on every call: 90% of an interval's time (about 60
    tests). Here the first test goes through that public call (its checks and warnings included) and the others
    reuse the same permutations (the same generator and seed draw the same ones), through the functions
    ``conformal_test`` itself calls. diff-diff is pinned; a test compares the p-values with the public call's."""
    from diff_diff.conformal import _make_perms, _single_null_pvalue

    state: dict[str, Any] = {}

    def p_value(c: float) -> float:
        if not state:
            test = res.conformal_test(float(c), q=1, scheme="iid", n_iid=CONFORMAL_N_IID, seed=seed)
            y1, y0, n_pre, n_post, _ = res._conformal_panel()
            post = np.zeros(n_pre + n_post, dtype=bool)
            post[n_pre:] = True
            perms = _make_perms(n_pre + n_post, "iid", CONFORMAL_N_IID, np.random.default_rng(seed))
            state.update(y1=y1, y0=y0, post=post, perms=perms)
            return float(test["p_value"])
        out = _single_null_pvalue(
            state["y1"], state["y0"], state["post"], np.full(int(state["post"].sum()), float(c)), state["perms"], 1
        )
        if not out["converged"]:
            # The public call's warning, so that the fit's library warnings do not depend on the path taken.
            warnings.warn(
                "conformal proxy did not fully converge; the p-value uses a near-optimal proxy.",
                UserWarning,
                stacklevel=2,
            )
        return float(out["p_value"])

    return p_value


def _constant_effect_interval(res: Any, alpha: float, seed: int, center: float, step: float) -> EffectInterval:
    """Invert CWZ's sharp-null test of a constant effect c (q = 1, iid permutations): the hull of {c: p(c) > alpha}.

    p(c) is scanned on the grid ``center + step * k``, k = -``_GRID_HALF_WIDTH`` .. ``_GRID_HALF_WIDTH``, with
    ``step`` half the larger of the pre-period RMSPE and the standard deviation of the treated unit's pre-adoption
    outcomes (p(c) need not be monotone on either side, so a search from the centre alone can miss accepted
    values). The outermost
    accepted grid points are then pushed outward (doubling the distance while accepted, when they are the grid's
    ends) and the edges bisected to ``_BISECTION_TOLERANCE * step``. ``details["contiguous"]`` is False when a grid
    point between the bounds is rejected (the reported interval is then the set's hull)."""
    cache: dict[float, float] = {}
    p_value = constant_effect_test(res, seed)

    def accepted(c: float) -> bool:
        if c not in cache:
            cache[c] = p_value(c)
        return cache[c] > alpha

    details: dict[str, Any] = {"scheme": "iid", "n_iid": CONFORMAL_N_IID, "q": 1, "seed": seed, "step": step}
    grid = [center + step * k for k in range(-_GRID_HALF_WIDTH, _GRID_HALF_WIDTH + 1)]
    inside = [i for i, c in enumerate(grid) if accepted(c)]
    if not inside:
        details["n_tests"] = len(cache)
        return EffectInterval(math.nan, math.nan, CONFORMAL_CONSTANT, "empty", alpha, details)
    details["contiguous"] = len(inside) == inside[-1] - inside[0] + 1
    bounds = []
    for direction, i in ((-1, inside[0]), (1, inside[-1])):
        last_in, first_out = grid[i], None
        if 0 < i < len(grid) - 1:
            first_out = grid[i + direction]
        else:
            width = step * _GRID_HALF_WIDTH
            for _ in range(_MAX_DOUBLINGS):
                width *= 2
                c = center + direction * width
                if not accepted(c):
                    first_out = c
                    break
                last_in = c
        if first_out is None:
            bounds.append(direction * math.inf)
            continue
        while abs(first_out - last_in) > _BISECTION_TOLERANCE * step:
            mid = 0.5 * (last_in + first_out)
            if accepted(mid):
                last_in = mid
            else:
                first_out = mid
        bounds.append(last_in)
    details["n_tests"] = len(cache)
    status = "ran" if all(math.isfinite(b) for b in bounds) else "unbounded"
    return EffectInterval(bounds[0], bounds[1], CONFORMAL_CONSTANT, status, alpha, details)


def synthetic_control(
    panel: pd.DataFrame,
    treated_unit: str,
    donors: list[str] | None = None,
    alpha: float = 0.05,
    seed: int = 0,
    in_time_year: int | None = None,
    intervals: bool = True,
) -> SynthResult:
    """Synthetic control for ``treated_unit`` (which must adopt within the panel's years), with in-space and
    in-time placebos and CWZ conformal intervals (see ``SynthResult``).

    ``donors`` None: every unit not adopting within the panel; donors missing a year in which the treated unit is
    observed are dropped (``dropped_units``). ``in_time_year``: the backdated placebo adoption year, a pre-adoption
    year of the window (default: the middle pre-adoption year, ``pre_years[len(pre_years) // 2]``). ``seed`` seeds
    the conformal tests' permutations. ``intervals`` False skips both conformal intervals (status "not_computed",
    bounds NaN): about 95% of a fit's time, for simulation studies that need only the estimate and the placebo
    p-value. Raises ``DesignRefused`` when ``check_designs`` refuses.
    """
    import diff_diff as dd

    alpha = check_alpha(alpha)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not isinstance(intervals, bool):
        raise ValueError(f"intervals must be True or False, got {intervals!r}")
    df, scale = _prepared(panel, "synthetic_control")
    first, last = _window(None, None, df)
    sel = _select(df, [treated_unit], donors, first, last)
    check, plan = _check_sc(sel, alpha)
    if not check.ok or plan is None:
        raise DesignRefused(check)
    pre_years = [y for y in plan.window if y < plan.adoption]
    if in_time_year is None:
        in_time_year = pre_years[len(pre_years) // 2]
    elif int(in_time_year) not in pre_years:
        raise ValueError(f"in_time_year must be a pre-adoption year of the window {pre_years}, got {in_time_year!r}")
    data = sel.frame[sel.frame["unit"].isin((plan.treated,) + plan.donors) & sel.frame["year"].isin(plan.window)]
    data = data[["unit", "year", "outcome"]].copy()
    data["treated"] = ((data["unit"] == plan.treated) & (data["year"] >= plan.adoption)).astype(np.int64)
    est = dd.SyntheticControl(
        v_method="custom", custom_v=np.ones(len(pre_years)), standardize="none", alpha=alpha, seed=int(seed)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = est.fit(
            data,
            outcome="outcome",
            treatment="treated",
            unit="unit",
            time="year",
            treated_unit=plan.treated,
            pre_period_outcomes="all",
            donor_pool=list(plan.donors),
        )
        res.in_space_placebo()
        pre_outcomes = data.loc[(data["unit"] == plan.treated) & (data["year"] < plan.adoption), "outcome"]
        if intervals:
            average, center = _average_interval(res, alpha, int(seed))
            spread = max(float(res.pre_rmspe), float(np.std(pre_outcomes)), 1e-6 * max(1.0, abs(center)))
            constant = _constant_effect_interval(res, alpha, int(seed), center, spread / 2)
        else:
            average = EffectInterval(math.nan, math.nan, CONFORMAL_AVERAGE, NOT_COMPUTED, alpha, {})
            constant = EffectInterval(math.nan, math.nan, CONFORMAL_CONSTANT, NOT_COMPUTED, alpha, {})
        in_time = res.in_time_placebo(placebo_periods=[int(in_time_year)])
    path = _sc_path(res, data, plan)
    post_gap = path.loc[path["post"], "gap"].to_numpy()
    weights = res.get_weights_df()
    weights = weights[weights["weight"] >= WEIGHT_FLOOR].copy()
    weights["unit"] = weights["unit"].astype(str)
    weights = weights.sort_values(["weight", "unit"], ascending=[False, True], kind="mergesort")
    n_placebos = int(res.n_placebos)
    return SynthResult(
        method=METHOD_SC,
        treated_unit=plan.treated,
        adoption_year=plan.adoption,
        scale=scale,
        alpha=alpha,
        seed=int(seed),
        v_method="uniform_pre_outcomes",
        att=float(np.mean(post_gap)),
        att_interval=average,
        constant_effect_interval=constant,
        pre_rmspe=float(res.pre_rmspe),
        post_rmspe=float(np.sqrt(np.mean(post_gap**2))),
        rmspe_ratio=float(res.rmspe_ratio),
        placebo_p=float(res.placebo_p_value),
        n_placebos=n_placebos,
        n_failed_placebos=int(res.n_failed) + int(res.n_infeasible),
        smallest_attainable_p=1.0 / (n_placebos + 1),
        dropped_units=plan.dropped,
        window=plan.window,
        weights=pd.Series(weights["weight"].to_numpy(dtype=float), index=pd.Index(weights["unit"], name="unit")),
        path=path,
        placebos=_placebo_table(res),
        in_time=_in_time_table(in_time),
        check=check,
        warnings=check.warnings + _fit_warnings(res, pre_outcomes),
        library_warnings=_library_messages(caught),
    )


def _fit_warnings(res: Any, pre_outcomes: pd.Series) -> tuple[Problem, ...]:
    """ "perfect_pre_fit": the donors reproduce the treated unit's pre-adoption outcomes (pre-RMSPE below 1e-6 of
    their spread, e.g. as many donors as pre-adoption years): the RMSPE ratios, hence the placebo p-value, rest on
    a denominator that is fitted noise."""
    spread = float(np.std(pre_outcomes))
    if float(res.pre_rmspe) <= 1e-6 * max(spread, 1e-12):
        return (Problem("perfect_pre_fit", {"pre_rmspe": float(res.pre_rmspe), "pre_sd": spread}),)
    return ()


def _sc_path(res: Any, data: pd.DataFrame, plan: _ScPlan) -> pd.DataFrame:
    gap = res.get_gap_df()
    treated = data[data["unit"] == plan.treated].set_index("year")["outcome"]
    years = gap["period"].astype(np.int64).to_numpy()
    out = pd.DataFrame(
        {
            "year": years,
            "post": years >= plan.adoption,
            "treated": treated.loc[years].to_numpy(dtype=float),
            "gap": gap["gap"].to_numpy(dtype=float),
        }
    )
    out.insert(3, "synthetic", out["treated"] - out["gap"])
    return out.sort_values("year", kind="mergesort").reset_index(drop=True)


def _placebo_table(res: Any) -> pd.DataFrame:
    pl = res.get_placebo_df()
    out = pd.DataFrame(
        {
            "unit": pl["unit"].astype(str).to_numpy(),
            "rmspe_ratio": pl["rmspe_ratio"].to_numpy(dtype=float),
            "pre_rmspe": np.sqrt(pl["pre_mspe"].to_numpy(dtype=float)),
            "post_rmspe": np.sqrt(pl["post_mspe"].to_numpy(dtype=float)),
            "treated": pl["is_treated"].to_numpy(dtype=bool),
            "status": pl["status"].astype(str).to_numpy(),
        }
    )
    out = out.sort_values(["rmspe_ratio", "unit"], ascending=[False, True], na_position="last", kind="mergesort")
    return out.reset_index(drop=True)


def _in_time_table(it: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "placebo_year": it["placebo_period"].astype(np.int64).to_numpy(),
            "att": it["placebo_att"].to_numpy(dtype=float),
            "ratio": it["rmspe_ratio"].to_numpy(dtype=float),
            "pre_rmspe": it["pre_fit_rmspe"].to_numpy(dtype=float),
            "n_pre": it["n_pre_fake"].astype(np.int64).to_numpy(),
            "n_post": it["n_post_fake"].astype(np.int64).to_numpy(),
            "status": it["status"].astype(str).to_numpy(),
        }
    )


# --------------------------------------------------------------------------------------------------------------
# Controlled interrupted time series
# --------------------------------------------------------------------------------------------------------------


def _cits_series(sel: _Selection, plan: _CitsPlan, has_pop: bool) -> pd.DataFrame:
    frame = sel.frame
    cols = ["count", "population"] if has_pop else ["count"]
    parts = {}
    for name, units in (("treated", plan.treated), ("comparison", plan.comparison)):
        sums = frame[frame["unit"].isin(units)].groupby("year", sort=True)[cols].sum()
        parts[name] = sums.reindex(list(plan.years))
    out = pd.DataFrame({"year": np.asarray(plan.years, dtype=np.int64)})
    out["post"] = out["year"] >= plan.adoption
    for name in ("treated", "comparison"):
        out[f"{name}_count"] = parts[name]["count"].to_numpy(dtype=np.int64)
    if has_pop:
        for name in ("treated", "comparison"):
            out[f"{name}_population"] = parts[name]["population"].to_numpy(dtype=np.int64)
    return out


def _cits_design(series: pd.DataFrame, adoption: int, slope: bool, has_pop: bool):
    years = series["year"].to_numpy()
    n = len(years)
    rows = []
    for group in (0, 1):
        for i, y in enumerate(years):
            t = float(y - adoption)
            post = float(y >= adoption)
            row = {f"year_{int(yy)}": float(j == i) for j, yy in enumerate(years)}
            row.update(group=float(group), group_trend=group * t, level=group * post)
            if slope:
                row["slope"] = group * post * t
            rows.append(row)
    exog = pd.DataFrame(rows)
    endog = np.concatenate([series["comparison_count"], series["treated_count"]]).astype(float)
    if has_pop:
        offset = np.log(np.concatenate([series["comparison_population"], series["treated_population"]]).astype(float))
    else:
        offset = np.zeros(2 * n)
    return exog, endog, offset


def controlled_its(
    panel: pd.DataFrame,
    treated: list[str] | None = None,
    comparison: list[str] | None = None,
    alpha: float = 0.05,
    slope_change: bool | None = None,
) -> CitsResult:
    """Controlled interrupted time series of the summed treated units against the summed comparison units (model
    in the module docstring). ``treated``/``comparison`` as ``check_designs``; the treated units must share one
    adoption year. ``slope_change``: fit the change of the treated series' trend too (None: from
    ``CITS_SLOPE_MIN_YEARS`` years on, as ``antt.models.its``). Raises ``DesignRefused`` when ``check_designs``
    refuses, and when the design left after dropping years without events is rank deficient or leaves no residual
    degree of freedom."""
    alpha = check_alpha(alpha)
    if slope_change is not None and not isinstance(slope_change, bool):
        raise ValueError(f"slope_change must be True, False or None, got {slope_change!r}")
    df, scale = _prepared(panel, "controlled_its")
    has_pop = scale == SCALE_RATE
    first, last = _window(None, None, df)
    sel = _select(df, treated, comparison, first, last)
    check, plan = _check_cits(sel)
    if not check.ok or plan is None:
        raise DesignRefused(check)
    series = _cits_series(sel, plan, has_pop)
    empty = (series["treated_count"] == 0) & (series["comparison_count"] == 0)
    dropped_years = tuple(int(y) for y in series.loc[empty, "year"])
    series = series[~empty].reset_index(drop=True)
    slope = len(plan.years) >= CITS_SLOPE_MIN_YEARS if slope_change is None else slope_change
    exog, endog, offset = _cits_design(series, plan.adoption, slope, has_pop)
    n, p = exog.shape
    if np.linalg.matrix_rank(exog.to_numpy()) < p or n - p < 1:
        problem = Problem("design_not_identified", {"rows": n, "coefficients": p, "dropped_years": list(dropped_years)})
        raise DesignRefused(DesignCheck("controlled_its", False, (problem,), check.warnings, check.counts))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(endog, exog, family=sm.families.Poisson(), offset=offset).fit()
    df_resid = float(n - p)
    dispersion = float(fit.pearson_chi2 / df_resid)
    quasi_scale = max(1.0, dispersion)
    params = fit.params.to_numpy(dtype=float)
    cov = fit.cov_params().to_numpy(dtype=float) * quasi_scale
    se = np.sqrt(np.diag(cov))
    crit = float(stats.t.ppf(1 - alpha / 2, df_resid))
    pvals = 2 * stats.t.sf(np.abs(params / se), df_resid)
    coefficients = pd.DataFrame(
        {
            "term": list(exog.columns),
            "coef": params,
            "se": se,
            "low": params - crit * se,
            "high": params + crit * se,
            "p": pvals,
        }
    )
    terms = list(exog.columns)

    def ratio(term: str) -> RateRatio:
        i = terms.index(term)
        b, s = float(params[i]), float(se[i])
        return RateRatio(math.exp(b), math.exp(b - crit * s), math.exp(b + crit * s), float(pvals[i]), b, s)

    series = _cits_predictions(series, exog, offset, params, cov, crit, terms, has_pop)
    result_warnings = list(check.warnings)
    if dropped_years:
        result_warnings.append(Problem("years_without_events", {"years": list(dropped_years)}))
    return CitsResult(
        method=METHOD_CITS,
        scale=scale,
        alpha=alpha,
        adoption_year=plan.adoption,
        treated_units=plan.treated,
        comparison_units=plan.comparison,
        level=ratio("level"),
        slope=ratio("slope") if slope else None,
        slope_change=slope,
        reference_distribution="t",
        df_resid=df_resid,
        dispersion=dispersion,
        quasi_scale=quasi_scale,
        n_years=len(series),
        dropped_units=plan.dropped,
        dropped_years=dropped_years,
        series=series,
        coefficients=coefficients,
        check=check,
        warnings=tuple(result_warnings),
    )


def _cits_predictions(
    series: pd.DataFrame,
    exog: pd.DataFrame,
    offset: np.ndarray,
    params: np.ndarray,
    cov: np.ndarray,
    crit: float,
    terms: list[str],
    has_pop: bool,
) -> pd.DataFrame:
    """Add observed, fitted and counterfactual (with its pointwise interval) treated outcomes to ``series``."""
    n = len(series)
    x = exog.to_numpy(dtype=float)[n:]  # the treated rows
    off = offset[n:]
    x_cf = x.copy()
    for term in ("level", "slope"):
        if term in terms:
            x_cf[:, terms.index(term)] = 0.0
    per = series["treated_population"].to_numpy(dtype=float) / RATE_PER if has_pop else np.ones(n)
    eta, eta_cf = x @ params + off, x_cf @ params + off
    se_cf = np.sqrt(np.einsum("ij,jk,ik->i", x_cf, cov, x_cf))
    out = series.copy()
    out["observed"] = out["treated_count"].to_numpy(dtype=float) / per
    out["fitted"] = np.exp(eta) / per
    out["counterfactual"] = np.exp(eta_cf) / per
    out["counterfactual_low"] = np.exp(eta_cf - crit * se_cf) / per
    out["counterfactual_high"] = np.exp(eta_cf + crit * se_cf) / per
    comp_per = series["comparison_population"].to_numpy(dtype=float) / RATE_PER if has_pop else np.ones(n)
    out["comparison_observed"] = out["comparison_count"].to_numpy(dtype=float) / comp_per
    return out


# --------------------------------------------------------------------------------------------------------------
# Simulation (validation and demonstration; simulated data only)
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulatedPanel:
    """A simulated panel and its truth (simulated: the caller says so wherever it is shown).

    * ``panel``: unit, year, count, [population], adoption_year: the input of every design here.
    * ``expected``: unit, year, adoption_year, [population], expected_with, expected_without: the expected counts
      with the model (effect from adoption on) and without it, given the drawn unit rates and year shocks.
    * ``true_att_simple``: the estimand of Callaway–Sant'Anna's simple aggregation on the panel's outcome scale
      (counts, or rates per 10,000 when ``population``): diff-diff weights each post-adoption cell ATT(g, t) by its
      number of treated units, so on this balanced panel it is the mean, over treated unit-years from adoption on
      (cohorts adopting after the first and by the last year), of (expected_with - expected_without) (divided by
      population / 10,000 for rates). It is conditional on the drawn rates and shocks; parallel trends hold on
      average over them, not exactly given them (unit rates differ and the year shocks are multiplicative).
    * ``true_sc_att(unit)``: the mean over the unit's post-adoption years of the same difference.
    * ``true_cits_ratio``: the rate ratio of the effect, ``effect_ratio``.
    """

    panel: pd.DataFrame = field(repr=False, compare=False)
    expected: pd.DataFrame = field(repr=False, compare=False)
    scale: str = SCALE_COUNT
    effect_ratio: float = 1.0
    seed: int = 0
    true_att_simple: float = math.nan
    true_cits_ratio: float = 1.0
    simulated: bool = True

    def true_sc_att(self, unit: str) -> float:
        """Mean post-adoption effect of ``unit`` on the outcome scale (see the class docstring)."""
        rows = self.expected[(self.expected["unit"] == unit)]
        if rows.empty or rows["adoption_year"].isna().all():
            raise ValueError(f"{unit!r} is not a simulated adopting unit")
        post = rows[rows["year"] >= rows["adoption_year"]]
        return float(np.mean(_effect_on_scale(post, self.scale)))


def _effect_on_scale(rows: pd.DataFrame, scale: str) -> np.ndarray:
    diff = rows["expected_with"].to_numpy(dtype=float) - rows["expected_without"].to_numpy(dtype=float)
    if scale == SCALE_RATE:
        return diff / (rows["population"].to_numpy(dtype=float) / RATE_PER)
    return diff


def simulate_panel(
    n_treated_per_cohort: dict[int, int],
    n_never: int,
    years: range,
    rate_range: tuple[float, float] = (5, 30),
    effect_ratio: float = 0.7,
    year_sd: float = 0.1,
    dispersion: float = 0.0,
    seed: int = 0,
    population: bool = False,
) -> SimulatedPanel:
    """Simulate a yearly panel of communes with a known multiplicative effect of a model.

    Units "Mô Phỏng 01", "Mô Phỏng 02", ... (simulated): first the adopting units, cohort by cohort in increasing
    adoption year, then ``n_never`` never-adopting ones (adoption_year <NA>). Each unit's rate is drawn uniformly in
    ``rate_range`` (expected events per year; per 10,000 people per year when ``population``, with populations
    drawn uniformly among the integers 5,000–50,000 and constant over the years); every year has a multiplicative
    shock exp(N(0, year_sd)) common to all units; from its adoption year on a unit's expected count is multiplied
    by ``effect_ratio``. Counts are Poisson, or negative binomial (variance mu + dispersion mu^2, a gamma-Poisson
    mixture) when ``dispersion`` > 0. Random numbers: ``numpy.random.Generator(PCG64(seed))``, drawn in the order
    rates, shocks, populations, gamma mixing (when dispersion > 0), counts.
    """
    years = [int(y) for y in years]
    if not years:
        raise ValueError("years must not be empty")
    if n_never < 0 or any(k < 0 for k in n_treated_per_cohort.values()):
        raise ValueError("unit numbers must be >= 0")
    lo, hi = float(rate_range[0]), float(rate_range[1])
    if not 0 < lo <= hi:
        raise ValueError(f"rate_range must satisfy 0 < low <= high, got {rate_range!r}")
    if not effect_ratio > 0 or dispersion < 0 or year_sd < 0:
        raise ValueError("effect_ratio must be > 0, dispersion and year_sd >= 0")
    rng = np.random.Generator(np.random.PCG64(seed))
    adoption: list[int | None] = []
    for g in sorted(n_treated_per_cohort):
        adoption += [int(g)] * int(n_treated_per_cohort[g])
    adoption += [None] * int(n_never)
    n_units, n_years = len(adoption), len(years)
    width = max(2, len(str(n_units)))
    names = [f"Mô Phỏng {i + 1:0{width}d}" for i in range(n_units)]
    rates = rng.uniform(lo, hi, n_units)
    shocks = np.exp(rng.normal(0.0, year_sd, n_years))
    pops = rng.integers(5_000, 50_001, n_units)
    exposure = pops / RATE_PER if population else np.ones(n_units)
    mu0 = (rates * exposure)[:, None] * shocks[None, :]
    adopt_arr = np.array([a if a is not None else np.iinfo(np.int64).max for a in adoption], dtype=np.int64)
    post = adopt_arr[:, None] <= np.asarray(years)[None, :]
    mu1 = np.where(post, mu0 * effect_ratio, mu0)
    lam = rng.gamma(1.0 / dispersion, dispersion * mu1) if dispersion > 0 else mu1
    counts = rng.poisson(lam)
    unit_col = np.repeat(names, n_years)
    year_col = np.tile(np.asarray(years, dtype=np.int64), n_units)
    adoption_col = pd.array(np.repeat([pd.NA if a is None else a for a in adoption], n_years), dtype="Int64")
    panel = pd.DataFrame({"unit": unit_col, "year": year_col, "count": counts.ravel().astype(np.int64)})
    expected = pd.DataFrame({"unit": unit_col, "year": year_col, "adoption_year": adoption_col})
    if population:
        panel["population"] = np.repeat(pops.astype(np.int64), n_years)
        expected["population"] = panel["population"].to_numpy()
    panel["adoption_year"] = adoption_col
    expected["expected_with"] = mu1.ravel()
    expected["expected_without"] = mu0.ravel()
    scale = SCALE_RATE if population else SCALE_COUNT
    first, last = years[0], years[-1]
    in_window = expected["adoption_year"].notna() & (expected["adoption_year"] > first)
    in_window &= expected["adoption_year"] <= last
    cells = expected[in_window & (expected["year"] >= expected["adoption_year"])]
    true_att = float(np.mean(_effect_on_scale(cells, scale))) if len(cells) else math.nan
    return SimulatedPanel(
        panel=panel,
        expected=expected,
        scale=scale,
        effect_ratio=float(effect_ratio),
        seed=int(seed),
        true_att_simple=true_att,
        true_cits_ratio=float(effect_ratio),
    )
