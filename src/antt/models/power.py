"""Power and minimum detectable drop of the headline interrupted time series, by simulation.

Simulated data only: every number here describes what the method could detect in series simulated
for a stated design; none is an estimate about any commune.

Design (``Design``): yearly counts from ``first_year`` to ``last_year`` (inclusive), the commune's
interventions ``{name: first year}``, and the model ``fit_its`` will fit to them. The design matrix is
built by ``antt.models.its._prepare`` itself (the code ``fit_its`` uses), with the same slope rule
(``slope_change=None``: level and slope terms from ``its.AUTO_SLOPE_MIN_POINTS`` points on, level only
below), so the simulated model cannot drift from the fitted one.

Simulated counts (``simulate_counts``): for the target intervention starting in year ``t0``, the expected
count in year ``t`` is::

    mu_t = baseline_rate * exp(trend * (t - t0)) * (1 - relative_drop) ** [t >= t0]
           * prod_k (1 - other_effects[k]) ** [t >= start_k]

so ``baseline_rate`` is the expected number of events per year in ``t0`` absent any effect, and
``relative_drop`` (0..1) the drop of the level at ``t0`` (1 = no more events). Other interventions have
no effect unless ``other_effects`` says so. Optional noise, in this order:

* AR(1) on the log rate: ``log mu_t + e_t - ar1_sd**2 / 2`` with ``e`` a stationary Gaussian AR(1) of lag-1
  correlation ``ar1_rho`` and marginal standard deviation ``ar1_sd`` (the ``- ar1_sd**2 / 2`` keeps the
  expected count at ``mu_t``);
* overdispersion: negative binomial NB2 as a gamma–Poisson mixture, variance ``mu + dispersion * mu**2``
  (``dispersion = 0``: Poisson).

The drop is applied by thinning: the series is drawn without the target's drop, then each event from
the target's start on is kept with probability ``1 - relative_drop`` (its own uniform number decides), which
gives exactly the counts above; with the same random numbers a larger drop never gives more events
(common random numbers, used by the search for the minimum detectable drop). Random numbers come from
``numpy.random.default_rng(numpy.random.SeedSequence(seed, spawn_key=...))`` with a spawn key derived
from the data-generating parameters of the cell (years, interventions, target, rate, drop, trend, noise):
results are reproducible, adding a cell to a table leaves the other cells unchanged, and cells that differ
only in the analysis (family, reference distribution, slope rule, alpha) are computed on the same series.

Detection (``detect_drops``) reproduces the headline decision of ``fit_its`` for the level term of the
target intervention, vectorised over many series: the Poisson GLM fitted by IRLS, the scale
``max(1, Pearson X2 / df_resid)`` (quasi-Poisson; 1 for "poisson"), a two-sided Wald test on the
headline's reference distribution (Student t on df_resid, or z; "poisson" always z) when the estimate is
finite, and the likelihood-ratio test (``F(1, df_resid)`` on the deviance drop divided by the scale, as
``its._lr_p_values``) when the maximum-likelihood estimate is on the boundary (separation, e.g. no events
after the intervention). A drop is detected when that p-value is below alpha and the estimated rate ratio
is below 1. A series without any event is never a detection (``fit_its`` refuses it). Whether the estimate
is on the boundary is decided as ``fit_its`` does, from the zero counts the fit drives to 0 (fitted linear
predictor below -10): by the null space of the other rows when that settles it, else by the linear
programmes of ``its._open_sides`` itself (memoised per pattern of zeros).

Monte Carlo error: every power comes with ``mc_se = sqrt(power (1 - power) / n_sim)``; the default
``n_sim = 2500`` keeps it at most 0.01 whatever the power. ``wald_power`` gives the analytic Wald
approximation from the expected Poisson information, the reference the tests check the simulation against.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from antt.models import its
from antt.models._common import check_alpha, dataclass_to_dict
from antt.models.sufficiency import check_sufficiency

#: Default number of simulated series per cell: the Monte Carlo SE sqrt(p (1 - p) / n) is <= 0.01 for any p.
DEFAULT_N_SIM = 2500
DEFAULT_SEED = 20240101
#: Points needed on each side of every intervention (as ``fit_its``'s default ``min_points``).
MIN_POINTS = 3

_ETA_MIN = -30.0  # expected counts below exp(-30) are treated as 0 (separation)
#: A zero count whose fitted linear predictor ends below this is fitted as 0: the MLE is on the boundary
#: (separation). Without separation fitted means stay far above exp(-10) ≈ 4.5e-5; with it IRLS drives them
#: to below exp(-20) before the deviance converges.
_SEPARATED_ETA = -10.0


# --------------------------------------------------------------------------------------------
# Design
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Design:
    """A yearly series to be analysed by ``fit_its``: its years, interventions and model options.

    ``first_year``..``last_year`` (inclusive, one count per year); ``interventions`` ``{name: first year}``;
    ``slope_change`` as in ``fit_its`` (``None``: automatic, slopes from ``its.AUTO_SLOPE_MIN_POINTS``
    points on); ``family`` "quasi-poisson" (headline: scale ``max(1, X2/df_resid)``) or "poisson" (scale 1,
    z reference); ``reference_distribution`` "t" (Student t on df_resid) or "z", used by quasi-Poisson.
    Checked on creation: every intervention inside the period with at least 3 years on each side (counted
    between neighbouring interventions, as ``fit_its`` does) and an identifiable model.
    """

    first_year: int
    last_year: int
    interventions: Mapping[str, int]
    slope_change: bool | None = None
    family: str = "quasi-poisson"
    reference_distribution: str = "t"

    def __post_init__(self) -> None:
        _check_design(self)
        object.__setattr__(
            self,
            "interventions",
            dict(sorted(((str(k), int(v)) for k, v in self.interventions.items()), key=lambda kv: kv[1])),
        )

    @property
    def years(self) -> np.ndarray:
        """The calendar years of the series."""
        return np.arange(self.first_year, self.last_year + 1)

    @property
    def n_years(self) -> int:
        return self.last_year - self.first_year + 1

    @property
    def slopes(self) -> bool:
        """Whether slope terms are fitted (``fit_its``'s automatic rule when ``slope_change`` is None)."""
        if self.slope_change is None:
            return self.n_years >= its.AUTO_SLOPE_MIN_POINTS
        return bool(self.slope_change)

    @property
    def df_resid(self) -> int:
        return self.n_years - design_matrix(self).shape[1]

    @property
    def headline_reference(self) -> str:
        """Reference distribution of the headline tests: "z" for plain Poisson, else ``reference_distribution``."""
        return "z" if self.family == "poisson" else self.reference_distribution

    def label(self) -> str:
        """e.g. "2012–2024, A 2018, B 2022" (for tables)."""
        return f"{self.first_year}–{self.last_year}, " + ", ".join(f"{k} {v}" for k, v in self.interventions.items())

    def key(self) -> tuple:
        """A hashable identity of the design (its ``interventions`` is a dict)."""
        return (
            self.first_year,
            self.last_year,
            tuple(self.interventions.items()),
            self.slopes,
            self.family,
            self.reference_distribution,
        )

    def __hash__(self) -> int:
        return hash(self.key())

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


def _check_design(design: Design) -> None:
    for name in ("first_year", "last_year"):
        value = getattr(design, name)
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ValueError(f"{name} must be a whole year, got {value!r}")
    if design.last_year <= design.first_year:
        raise ValueError(f"last_year ({design.last_year}) must be after first_year ({design.first_year})")
    if design.family not in its.FAMILIES:
        raise ValueError(f"family must be one of {its.FAMILIES}, got {design.family!r}")
    if design.reference_distribution not in its.REFERENCE_DISTRIBUTIONS:
        raise ValueError(f"reference_distribution must be 't' or 'z', got {design.reference_distribution!r}")
    if design.slope_change not in (None, True, False):
        raise ValueError(f"slope_change must be None, True or False, got {design.slope_change!r}")
    if not isinstance(design.interventions, Mapping) or not design.interventions:
        raise ValueError("interventions must be a non-empty {name: first year} mapping")
    period = f"{design.first_year}–{design.last_year}"
    for name, year in design.interventions.items():
        if isinstance(year, bool) or not isinstance(year, int | np.integer):
            raise ValueError(f"intervention {name!r}: the first year must be a whole year, got {year!r}")
        if not design.first_year < year <= design.last_year:
            raise ValueError(
                f"intervention {name!r} starts in {year}, not inside the period {period}: it must "
                f"start after {design.first_year} and by {design.last_year}, with years of data "
                f"before and from its start"
            )
    verdict = check_sufficiency(
        list(range(design.first_year, design.last_year + 1)), design.interventions, min_points=MIN_POINTS
    )
    if verdict.status == "refuse":
        raise ValueError(
            f"design {period}: fewer than {MIN_POINTS} years on a side of an intervention. " + verdict.message
        )
    x = _prepare(design).exog.to_numpy()
    if np.linalg.matrix_rank(x) < x.shape[1] or x.shape[0] - x.shape[1] < 1:
        raise ValueError(
            f"design {period}: {x.shape[0]} years cannot identify the {x.shape[1]} coefficients "
            f"({list(_prepare(design).exog.columns)}); collect more years or use slope_change=False"
        )


#: ``_prepare``'s answers per design key: a table asks for the same design in every cell.
_PREPARED: dict[tuple, its._Prepared] = {}


def _prepare(design: Design) -> its._Prepared:
    """``its._prepare`` on a dummy all-zero series of the design's years (the code ``fit_its`` runs).

    Memoised per ``design.key()`` (which holds everything ``its._prepare`` reads): callers must not modify it.
    """
    key = design.key()
    if key not in _PREPARED:
        if len(_PREPARED) > 1_000:
            _PREPARED.clear()
        years = np.arange(design.first_year, design.last_year + 1)
        dummy = pd.DataFrame({"year": years, "count": np.zeros(len(years), dtype=int)})
        _PREPARED[key] = its._prepare(dummy, design.interventions, design.slopes, 0, None, "count")
    return _PREPARED[key]


def design_matrix(design: Design) -> pd.DataFrame:
    """The design matrix ``fit_its`` fits for these years and interventions (columns intercept, time in
    years since ``first_year``, then ``level_<name>`` and, with slopes, ``slope_<name>`` per intervention)."""
    return _prepare(design).exog.copy()


def _target(design: Design, intervention: str | None) -> str:
    if intervention is None:
        return next(iter(design.interventions))  # the earliest
    if str(intervention) not in design.interventions:
        raise ValueError(
            f"intervention {intervention!r} is not in the design's interventions {list(design.interventions)}"
        )
    return str(intervention)


# --------------------------------------------------------------------------------------------
# Simulated counts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """What the simulated counts look like (see the module docstring for the formula).

    ``baseline_rate``: expected events per year in the target intervention's first year absent any effect
    (> 0). ``relative_drop``: drop of the level at the target intervention, 0..1. ``trend``: log-rate change
    per year (0 = flat). ``dispersion``: NB2 overdispersion, variance ``mu + dispersion * mu**2`` (>= 0).
    ``ar1_rho`` (-1 < rho < 1) and ``ar1_sd`` (>= 0): stationary AR(1) noise on the log rate, with marginal
    standard deviation ``ar1_sd``. ``other_effects``: relative drops of the other interventions (default none).
    """

    baseline_rate: float
    relative_drop: float
    trend: float = 0.0
    dispersion: float = 0.0
    ar1_rho: float = 0.0
    ar1_sd: float = 0.0
    other_effects: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_number(self.baseline_rate, "baseline_rate", low=0.0, low_open=True)
        _check_drop(self.relative_drop, "relative_drop")
        _check_number(self.trend, "trend")
        _check_number(self.dispersion, "dispersion", low=0.0)
        _check_number(self.ar1_sd, "ar1_sd", low=0.0)
        _check_number(self.ar1_rho, "ar1_rho")
        if not -1.0 < float(self.ar1_rho) < 1.0:
            raise ValueError(f"ar1_rho must be in (-1, 1) (a stationary AR(1)), got {self.ar1_rho!r}")
        effects = {str(k): float(v) for k, v in dict(self.other_effects or {}).items()}
        for name, drop in effects.items():
            _check_drop(drop, f"other_effects[{name!r}]")
        for name in ("baseline_rate", "relative_drop", "trend", "dispersion", "ar1_rho", "ar1_sd"):
            object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "other_effects", dict(sorted(effects.items())))


def _check_number(value: Any, name: str, low: float | None = None, low_open: bool = False) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not math.isfinite(float(value))
    ):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if low is not None and (float(value) <= low if low_open else float(value) < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low:g}, got {value!r}")


def _check_drop(value: Any, name: str) -> None:
    _check_number(value, name)
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(
            f"{name} must be a relative drop in [0, 1] (0.5 = the rate halves, 1 = no more events), got {value!r}"
        )


def expected_counts(design: Design, scenario: Scenario, intervention: str | None = None) -> np.ndarray:
    """Expected yearly counts ``mu_t`` (first_year..last_year) before noise, for the target intervention."""
    target = _target(design, intervention)
    for name in scenario.other_effects:
        if name not in design.interventions or name == target:
            raise ValueError(
                f"other_effects names {name!r}, which is not another intervention of the design "
                f"(target {target!r}, interventions {list(design.interventions)})"
            )
    years = design.years.astype(float)
    t0 = design.interventions[target]
    mu = scenario.baseline_rate * np.exp(scenario.trend * (years - t0))
    mu = mu * np.where(years >= t0, 1.0 - scenario.relative_drop, 1.0)
    for name, drop in scenario.other_effects.items():
        mu = mu * np.where(years >= design.interventions[name], 1.0 - drop, 1.0)
    return mu


def _spawn_key(design: Design, target: str, scenario: Scenario, common_drop: bool = False) -> tuple[int, ...]:
    """Spawn key of the cell's random numbers: a hash of the data-generating parameters only (not of the
    analysis options), so a cell's series do not depend on the other cells of a table. With
    ``common_drop`` the drop is left out (common random numbers across drops)."""
    parts = (
        design.first_year,
        design.last_year,
        tuple(design.interventions.items()),
        target,
        scenario.baseline_rate.hex(),
        None if common_drop else scenario.relative_drop.hex(),
        scenario.trend.hex(),
        scenario.dispersion.hex(),
        scenario.ar1_rho.hex(),
        scenario.ar1_sd.hex(),
        tuple((k, v.hex()) for k, v in scenario.other_effects.items()),
    )
    digest = hashlib.sha256(repr(("antt.models.power/v1",) + parts).encode()).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


def simulate_counts(
    design: Design,
    scenario: Scenario,
    n_sim: int = DEFAULT_N_SIM,
    seed: int = DEFAULT_SEED,
    intervention: str | None = None,
    common_drop: bool = False,
) -> np.ndarray:
    """``n_sim`` simulated yearly count series for the design, as an (n_sim, n_years) integer array.

    Simulated data only. Reproducible: the random numbers depend on ``seed`` and the data-generating
    parameters (see the module docstring); ``common_drop=True`` uses the same random numbers whatever the
    drop, so that counts never increase with the drop.
    """
    undropped, uniforms = _draw_counts(design, scenario, n_sim, seed, intervention, common_drop)
    return _thin(undropped, uniforms, design, _target(design, intervention), scenario.relative_drop)


def _draw_counts(
    design: Design, scenario: Scenario, n_sim: int, seed: int, intervention: str | None, common_drop: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The random numbers of ``simulate_counts``: the counts before the target's drop, (n_sim, n_years), and
    one uniform number per event from the target's start on (in row-major order of those cells). With
    ``common_drop`` neither depends on the drop, so one draw serves every drop of a search."""
    n_sim = _check_n_sim(n_sim)
    target = _target(design, intervention)
    rng = np.random.default_rng(
        np.random.SeedSequence(_check_seed(seed), spawn_key=_spawn_key(design, target, scenario, common_drop))
    )
    shape = (n_sim, design.n_years)
    log_noise = np.zeros(shape)
    if scenario.ar1_sd > 0:
        z = rng.standard_normal(shape)
        rho, sd = scenario.ar1_rho, scenario.ar1_sd
        log_noise[:, 0] = sd * z[:, 0]
        innovation_sd = sd * math.sqrt(1.0 - rho**2)
        for t in range(1, shape[1]):
            log_noise[:, t] = rho * log_noise[:, t - 1] + innovation_sd * z[:, t]
        log_noise -= sd**2 / 2
    undropped = Scenario(scenario.baseline_rate, 0.0, scenario.trend, other_effects=scenario.other_effects)
    lam = expected_counts(design, undropped, target) * np.exp(log_noise)
    if scenario.dispersion > 0:
        k = scenario.dispersion
        lam = lam * rng.gamma(shape=1.0 / k, scale=k, size=shape)
    counts = rng.poisson(lam).astype(np.int64)
    post = design.years >= design.interventions[target]
    return counts, rng.random(int(counts[:, post].sum()))


def _thin(undropped: np.ndarray, uniforms: np.ndarray, design: Design, target: str, drop: float) -> np.ndarray:
    """Thinning: each event from the target's start on survives with probability 1 - drop, decided by its own
    uniform number (a thinned Poisson, or gamma–Poisson given lam, count keeps its form with mean scaled)."""
    counts = undropped.copy()
    post = design.years >= design.interventions[target]
    after = counts[:, post].ravel()
    # The uniforms come cell by cell (row-major): a cell's survivors are the kept ones in its segment. A False
    # appended at the end keeps every segment start a valid index; empty segments are set to 0 afterwards.
    kept = np.append(uniforms < 1.0 - drop, False).view(np.uint8)
    survivors = np.add.reduceat(kept, np.cumsum(after) - after, dtype=np.int64)
    counts[:, post] = np.where(after > 0, survivors, 0).reshape(len(counts), int(post.sum()))
    return counts


def _check_n_sim(n_sim: Any) -> int:
    if isinstance(n_sim, bool) or not isinstance(n_sim, int | np.integer) or n_sim < 1:
        raise ValueError(f"n_sim must be a positive integer, got {n_sim!r}")
    return int(n_sim)


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


# --------------------------------------------------------------------------------------------
# Vectorised fits and the headline decision
# --------------------------------------------------------------------------------------------


def poisson_irls(
    exog: np.ndarray, endog: np.ndarray, offset: np.ndarray | None = None, max_iter: int = 100, tol: float = 1e-10
) -> dict[str, np.ndarray]:
    """Poisson log-link GLM fitted by IRLS to many series sharing one design, vectorised over series.

    ``exog`` is (n, p); ``endog`` is (B, n) counts (B series); ``offset`` is (n,) or (B, n) on the log scale.
    Returns a dict with ``params`` (B, p), ``eta`` (B, n; linear predictor, offset included), ``mu`` (B, n),
    ``deviance`` (B,), ``pearson_chi2`` (B,), ``converged`` (B,), ``xtwx`` (B, p, p; X' diag(mu) X at the
    fitted means). Linear predictors are floored at −30 so that separated fits (a segment of zeros) converge
    in deviance while their coefficient heads to −infinity, as in statsmodels. Starts from
    ``mu = (y + mean(y)) / 2`` (at least 0.01), as statsmodels; a series stops iterating once its deviance
    changes by at most ``tol * (|deviance| + 0.1)``. Each step solves ``(X' W X + 1e-12 I) b = X' W z`` for
    all the series still iterating at once (``_irls_step``).
    """
    x = np.asarray(exog, dtype=float)
    y = np.atleast_2d(np.asarray(endog, dtype=float))
    n_series, p = y.shape[0], x.shape[1]
    off = None if offset is None else np.broadcast_to(np.asarray(offset, dtype=float), y.shape)
    mu = np.maximum((y + y.mean(axis=1, keepdims=True)) / 2, 1e-2)
    eta = np.log(mu)
    beta = np.zeros((n_series, p))
    dev = _deviance(y, mu)
    converged = np.zeros(n_series, dtype=bool)
    outer = (x[:, :, None] * x[:, None, :]).reshape(len(x), p * p)  # row i: x_i x_i'; mu @ outer = X' diag(mu) X
    # The series still iterating (``rows``) are kept packed in their own arrays, dropped as they converge.
    rows, ya, offa, etaa, mua, b, deva = np.arange(n_series), y, off, eta, mu, beta, dev
    dev_old = np.full(n_series, np.inf)
    for _ in range(max_iter):
        z = (ya - mua) / mua
        z += etaa if offa is None else etaa - offa  # working response eta - offset + (y - mu) / mu
        b = _irls_step(x, outer, mua, z, ridge=1e-12)
        etaa = b @ x.T
        if offa is not None:
            etaa += offa
        np.maximum(etaa, _ETA_MIN, out=etaa)
        mua = np.exp(etaa)
        deva = _deviance(ya, mua)
        done = np.abs(deva - dev_old) <= tol * (np.abs(deva) + 0.1)
        dev_old = deva
        if done.any():
            finished = rows[done]
            beta[finished], eta[finished], mu[finished], dev[finished] = b[done], etaa[done], mua[done], deva[done]
            converged[finished] = True
            keep = np.flatnonzero(~done)
            rows, ya, etaa, mua, b, deva = (a.take(keep, axis=0) for a in (rows, ya, etaa, mua, b, deva))
            offa = None if offa is None else offa.take(keep, axis=0)
            dev_old = deva
        if rows.size == 0:
            break
    beta[rows], eta[rows], mu[rows], dev[rows] = b, etaa, mua, deva  # not converged: the last iterate
    xtwx = (mu @ outer).reshape(-1, p, p)
    return {
        "params": beta,
        "eta": eta,
        "mu": mu,
        "deviance": dev,
        "pearson_chi2": (((y - mu) ** 2) / mu).sum(axis=1),
        "converged": converged,
        "xtwx": xtwx,
    }


def _irls_step(x: np.ndarray, outer: np.ndarray, mu: np.ndarray, z: np.ndarray, ridge: float) -> np.ndarray:
    """The IRLS update of each series (rows of ``mu`` and ``z``, (B, n)): the coefficients b solving
    ``(X' W X + ridge I) b = X' W z`` with W = diag(mu); ``outer`` is (n, p * p), row i holding x_i x_i'.
    Returns b, (B, p).

    By the vectorised ``_solve_normal``. The rare series whose matrix is singular to working precision (a
    pivot that is not positive: far-out separation in a badly scaled design) take the minimum-norm solution
    (pseudo-inverse: nothing along the directions the data cannot determine); NaN input stays NaN.
    """
    # Coefficient-major (one series per column), as the vectorised solve reads them.
    b = _solve_normal(outer.T @ mu.T, x.T @ (mu * z).T, ridge)
    failed = np.flatnonzero(np.isnan(b[:, 0]))
    if failed.size:
        p = x.shape[1]
        xtwx = (mu[failed] @ outer).reshape(-1, p, p) + ridge * np.eye(p)
        rhs = (mu[failed] * z[failed]) @ x
        finite = np.isfinite(xtwx).all(axis=(1, 2)) & np.isfinite(rhs).all(axis=1)
        b[failed[finite]] = (np.linalg.pinv(xtwx[finite], hermitian=True) @ rhs[finite, :, None])[..., 0]
    return b


def _solve_normal(xtwx: np.ndarray, rhs: np.ndarray, ridge: float = 0.0) -> np.ndarray:
    """Solve ``(X' W X + ridge I) b = rhs`` for B series at once, coefficient-major: ``xtwx`` (p * p, B) holds
    the symmetric positive definite matrices X' W X flattened row-major, one series per column; ``rhs`` is
    (p, B). Returns b as (B, p), NaN for a series whose elimination meets a pivot that is not positive (its
    matrix is not positive definite to working precision). Both inputs are overwritten.

    Gaussian elimination without pivoting on the upper triangle (LDL', stable for positive definite matrices),
    vectorised over the series: with a few coefficients and many series this is several times faster than
    ``numpy.linalg.solve``, which calls LAPACK once per series. It agrees with LAPACK's LU to rounding.
    """
    p = rhs.shape[0]
    a = xtwx.reshape(p, p, -1)  # a[i, j]: entry (i, j) of every series, contiguous
    diagonal = np.arange(p)
    a[diagonal, diagonal] += ridge
    b = rhs
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero pivot is caught below
        for k in range(p - 1):
            ratio = a[k, k + 1 :] / a[k, k]  # the pivot column, read from the pivot row (the matrix is symmetric)
            for i in range(k + 1, p):
                a[i, i:] -= ratio[i - k - 1] * a[k, i:]
            b[k + 1 :] -= ratio * b[k]
        for k in range(p - 1, -1, -1):
            b[k] -= (a[k, k + 1 :] * b[k + 1 :]).sum(axis=0)
            b[k] /= a[k, k]
    positive = (a.diagonal() > 0).all(axis=1)  # the pivots; NaN is not positive
    if not positive.all():
        b[:, ~positive] = np.nan
    return np.ascontiguousarray(b.T)


def _deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Poisson deviance of each row, ``2 sum(y log(y / mu) - (y - mu))`` with ``0 log 0 = 0``."""
    ratio = y / mu
    # Where y = 0 the ratio is 0 and becomes 1 (positive ratios are unchanged by adding 0): log(1) * 0 = 0 gives
    # 0 log 0 without taking log(0), which numpy computes several times more slowly.
    ratio += y == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.log(ratio, out=ratio)
    term *= y
    term -= y - mu
    return 2 * term.sum(axis=1)


#: Open sides of the target column for a set of rows fitted as 0, memoised per (design, column, rows).
_SIDES_CACHE: dict[tuple, tuple[bool, bool]] = {}


def _target_sides(prep: its._Prepared, key: tuple, column: str, separated_rows: np.ndarray) -> tuple[bool, bool]:
    """(runs to −inf, runs to +inf) of ``column`` when the zero-count rows ``separated_rows`` are the ones the
    fit drives to 0, memoised per pattern.

    The directions along which the likelihood never decreases (see ``its._open_sides``) are then the d with
    X d = 0 on the other rows and X d <= 0 on ``separated_rows``; they span the null space N of the other
    rows. If no vector of N moves ``column``, its MLE is finite. If N is a line, that line (oriented so that
    X d < 0 on ``separated_rows``) gives the side. Otherwise, or if the line contradicts the pattern, the
    linear programmes of ``its._open_sides`` (the code ``fit_its`` runs, asked about ``column`` only) decide,
    on a series that is 0 exactly on ``separated_rows``.
    """
    cache_key = (key, column, separated_rows.tobytes())
    if cache_key in _SIDES_CACHE:
        return _SIDES_CACHE[cache_key]
    if len(_SIDES_CACHE) > 200_000:
        _SIDES_CACHE.clear()
    x = prep.exog.to_numpy(dtype=float)
    x = x / np.abs(x).max(axis=0)
    j = list(prep.exog.columns).index(column)
    _, sv, vt = np.linalg.svd(x[~separated_rows])
    rank = int((sv > 1e-9 * sv[0]).sum())
    null = vt[rank:].T  # (p, dim N)
    sides = None
    if null.shape[1] and np.all(np.abs(null[j]) < 1e-9):
        sides = (False, False)
    elif null.shape[1] == 1:
        v = null[:, 0]
        v = -v if (x[separated_rows] @ v).sum() > 0 else v
        if np.all(x[separated_rows] @ v < -1e-9):
            sides = (bool(v[j] < 0), bool(v[j] > 0))
    if sides is None:
        endog = np.where(separated_rows, 0.0, 1.0)
        sides = its._open_sides(dataclasses.replace(prep, endog=endog), [column]).get(column, (False, False))
    _SIDES_CACHE[cache_key] = sides
    return sides


ESTIMATED, BOUNDARY, NOT_IDENTIFIED = its.ESTIMATED, its.BOUNDARY, its.NOT_IDENTIFIED
NO_EVENTS = "no events"  # fit_its refuses a series without events: never a detection


def detect_drops(
    counts: np.ndarray, design: Design, intervention: str | None = None, alpha: float = 0.05
) -> pd.DataFrame:
    """The headline decision of ``fit_its`` on the level term of ``intervention`` for each series (row).

    ``counts``: (B, n_years) yearly counts for the design's years. One row per series with columns:

    * ``events``: total count; ``status``: "estimated", "boundary" (MLE at ±infinity: separation),
      "not identified" or "no events" (as the ``status`` of ``fit_its``'s headline row; "no events":
      ``fit_its`` refuses the series);
    * ``coef``: log rate ratio of the level change (±inf at the boundary, NaN when not identified or no
      events); ``scale``: the headline scale (``max(1, X2/df_resid)``; 1 for "poisson");
    * ``p_value``: two-sided Wald p-value (estimated rows only, else NaN); ``lr_p_value``: likelihood-ratio
      p-value (computed for the other rows only, else NaN); ``p_headline``: the one the headline uses;
    * ``detected``: ``p_headline < alpha`` and the rate ratio below 1.
    """
    return pd.DataFrame(_decisions(counts, design, intervention, alpha))


def _decisions(counts: np.ndarray, design: Design, intervention: str | None, alpha: float) -> dict[str, np.ndarray]:
    """The columns of ``detect_drops`` as arrays: the power tables count two of them, without a DataFrame."""
    alpha = check_alpha(alpha)
    target = _target(design, intervention)
    prep = _prepare(design)
    x = prep.exog.to_numpy(dtype=float)
    column = f"level_{target}"
    j = list(prep.exog.columns).index(column)
    y = np.atleast_2d(np.asarray(counts, dtype=float))
    if y.ndim != 2 or y.shape[1] != design.n_years:
        raise ValueError(
            f"counts must be (series, {design.n_years}) for {design.first_year}–{design.last_year}, "
            f"got shape {np.shape(counts)}"
        )
    if np.any(y < 0) or not np.all(y == np.round(y)):
        raise ValueError("counts must be non-negative whole numbers")
    n_series, (n, p) = y.shape[0], x.shape
    df_resid = float(n - p)
    quasi = design.family == "quasi-poisson"
    reference = design.headline_reference

    status = np.full(n_series, NO_EVENTS, dtype=object)
    coef, scale = np.full(n_series, np.nan), np.full(n_series, np.nan)
    wald_p, lr_p = np.full(n_series, np.nan), np.full(n_series, np.nan)
    has_events = np.flatnonzero(y.sum(axis=1) > 0)
    if has_events.size:
        yy = y[has_events]
        full = poisson_irls(x, yy)
        sc = np.maximum(1.0, full["pearson_chi2"] / df_resid) if quasi else np.ones(len(yy))
        separated = (yy == 0) & (full["eta"] < _SEPARATED_ETA)
        sides = np.zeros((len(yy), 2), dtype=bool)
        rows = np.flatnonzero(separated.any(axis=1))
        if rows.size:
            patterns, which = _unique_rows(separated[rows])
            key = design.key()
            sides[rows] = np.array([_target_sides(prep, key, column, pattern) for pattern in patterns])[which]
        st = np.where(sides.all(axis=1), NOT_IDENTIFIED, np.where(sides.any(axis=1), BOUNDARY, ESTIMATED))
        b = full["params"][:, j]
        c = np.where(st == ESTIMATED, b, np.where(st == BOUNDARY, np.where(sides[:, 0], -np.inf, np.inf), np.nan))
        est = st == ESTIMATED
        if est.any():
            var = np.linalg.solve(full["xtwx"][est], np.broadcast_to(np.eye(p)[j], (int(est.sum()), p))[..., None])
            se = np.sqrt(sc[est] * var[:, j, 0])
            wp = np.full(len(yy), np.nan)
            wp[est] = its._p_two_sided(b[est] / se, reference, df_resid)
        else:
            wp = np.full(len(yy), np.nan)
        lp = np.full(len(yy), np.nan)
        if (~est).any():
            reduced = poisson_irls(np.delete(x, j, axis=1), yy[~est])
            drop = np.maximum(reduced["deviance"] - full["deviance"][~est], 0.0)
            lp[~est] = _lr_p(drop, sc[~est], quasi, reference, df_resid)
        status[has_events], coef[has_events], scale[has_events] = st, c, sc
        wald_p[has_events], lr_p[has_events] = wp, lp
    p_head = np.where(status == ESTIMATED, wald_p, lr_p)
    detected = (p_head < alpha) & (coef < 0)
    return {
        "events": y.sum(axis=1).astype(np.int64),
        "status": status,
        "coef": coef,
        "scale": scale,
        "p_value": wald_p,
        "lr_p_value": lr_p,
        "p_headline": p_head,
        "detected": detected,
    }


def _unique_rows(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a boolean (R, n) array and, for each row, the index of its distinct row.

    As ``numpy.unique(flags, axis=0, return_inverse=True)`` up to the order of the distinct rows, but sorting
    one packed byte string per row instead of the rows themselves, which is much faster.
    """
    packed = np.packbits(flags, axis=1)
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, which = np.unique(keys, return_index=True, return_inverse=True)
    return flags[first], which.ravel()


def _lr_p(drop: np.ndarray, scale: np.ndarray, quasi: bool, reference: str, df_resid: float) -> np.ndarray:
    """As ``its._lr_p_values``: chi2(1) for Poisson; quasi-Poisson F(1, df_resid) on drop / scale (t reference)
    or chi2(1) on drop / scale (z reference)."""
    if not quasi:
        return stats.chi2.sf(drop, 1)
    if reference == "t":
        return stats.f.sf(drop / scale, 1, df_resid)
    return stats.chi2.sf(drop / scale, 1)


# --------------------------------------------------------------------------------------------
# Power, tables, minimum detectable drop, Wald reference
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PowerResult:
    """Simulated power to detect a drop (simulated data only).

    ``power``: share of the ``n_sim`` simulated series in which the headline detects a drop (two-sided test
    at ``alpha`` and a rate ratio below 1) of the target intervention's level; ``mc_se``: its Monte Carlo
    standard error ``sqrt(power (1 - power) / n_sim)``; ``detected``: the number of such series;
    ``statuses``: how many series had each ``detect_drops`` status.
    """

    design: Design
    intervention: str
    scenario: Scenario
    alpha: float
    power: float
    mc_se: float
    n_sim: int
    detected: int
    seed: int
    statuses: dict[str, int] = field(default_factory=dict)
    simulated: bool = True

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


def _power_from_counts(
    counts: np.ndarray, design: Design, target: str, scenario: Scenario, alpha: float, seed: int
) -> PowerResult:
    decisions = _decisions(counts, design, target, alpha)
    n_sim = len(decisions["detected"])
    detected = int(decisions["detected"].sum())
    statuses, how_many = np.unique(decisions["status"].astype(str), return_counts=True)
    p = detected / n_sim
    return PowerResult(
        design=design,
        intervention=target,
        scenario=scenario,
        alpha=alpha,
        power=p,
        mc_se=math.sqrt(p * (1 - p) / n_sim),
        n_sim=n_sim,
        detected=detected,
        seed=seed,
        statuses={str(k): int(v) for k, v in zip(statuses, how_many)},
    )


def detection_power(
    design: Design,
    baseline_rate: float,
    relative_drop: float,
    intervention: str | None = None,
    *,
    trend: float = 0.0,
    dispersion: float = 0.0,
    ar1_rho: float = 0.0,
    ar1_sd: float = 0.0,
    other_effects: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    n_sim: int = DEFAULT_N_SIM,
    seed: int = DEFAULT_SEED,
) -> PowerResult:
    """Simulated power of the headline model to detect a drop of ``relative_drop`` at ``intervention``.

    ``baseline_rate``: expected events per year in the intervention's first year absent any effect;
    ``intervention``: the target (default: the earliest); other arguments as ``Scenario``;
    ``alpha``: two-sided level of the headline test. Simulated data only (see the module docstring).
    """
    alpha = check_alpha(alpha)
    target = _target(design, intervention)
    scenario = Scenario(baseline_rate, relative_drop, trend, dispersion, ar1_rho, ar1_sd, other_effects or {})
    counts = simulate_counts(design, scenario, n_sim, seed, target)
    return _power_from_counts(counts, design, target, scenario, alpha, seed)


def power_table(
    designs: Design | Iterable[Design],
    baseline_rates: Iterable[float],
    relative_drops: Iterable[float],
    intervention: str | None = None,
    *,
    trend: float = 0.0,
    dispersion: float = 0.0,
    ar1_rho: float = 0.0,
    ar1_sd: float = 0.0,
    other_effects: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    n_sim: int = DEFAULT_N_SIM,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Simulated power for every design × baseline rate × drop (simulated data only).

    One row per cell, columns: design (label), first_year, last_year, n_years, interventions ("name year"
    list), intervention (target), intervention_year, slope_change (as fitted), family,
    reference_distribution, df_resid, baseline_rate (events per year at the target's start absent any
    effect), relative_drop, trend, dispersion, ar1_rho, ar1_sd, alpha, power, mc_se, n_sim, seed, simulated
    (always True). Each cell's series depend only on ``seed`` and that cell's data-generating parameters.
    """
    alpha = check_alpha(alpha)
    rows = []
    for design in _designs(designs):
        target = _target(design, intervention)
        for rate in baseline_rates:
            for drop in relative_drops:
                res = detection_power(
                    design,
                    rate,
                    drop,
                    target,
                    trend=trend,
                    dispersion=dispersion,
                    ar1_rho=ar1_rho,
                    ar1_sd=ar1_sd,
                    other_effects=other_effects,
                    alpha=alpha,
                    n_sim=n_sim,
                    seed=seed,
                )
                rows.append(
                    {
                        **_design_columns(design, target),
                        **_scenario_columns(res.scenario),
                        "alpha": alpha,
                        "power": res.power,
                        "mc_se": res.mc_se,
                        "n_sim": res.n_sim,
                        "seed": seed,
                        "simulated": True,
                    }
                )
    return pd.DataFrame(rows)


def _designs(designs: Design | Iterable[Design]) -> list[Design]:
    out = [designs] if isinstance(designs, Design) else list(designs)
    if not out or not all(isinstance(d, Design) for d in out):
        raise ValueError("designs must be a Design or a non-empty list of Design")
    return out


def _design_columns(design: Design, target: str) -> dict[str, Any]:
    return {
        "design": design.label(),
        "first_year": design.first_year,
        "last_year": design.last_year,
        "n_years": design.n_years,
        "interventions": ", ".join(f"{k} {v}" for k, v in design.interventions.items()),
        "intervention": target,
        "intervention_year": design.interventions[target],
        "slope_change": design.slopes,
        "family": design.family,
        "reference_distribution": design.headline_reference,
        "df_resid": design.df_resid,
    }


def _scenario_columns(scenario: Scenario) -> dict[str, Any]:
    return {
        "baseline_rate": scenario.baseline_rate,
        "relative_drop": scenario.relative_drop,
        "trend": scenario.trend,
        "dispersion": scenario.dispersion,
        "ar1_rho": scenario.ar1_rho,
        "ar1_sd": scenario.ar1_sd,
    }


@dataclass(frozen=True)
class MinimumDetectableDrop:
    """The smallest relative drop on a grid detected with at least ``target_power`` (simulated data only).

    ``relative_drop`` is None when even a 100 % drop falls short; ``power`` and ``mc_se`` are then those of
    the 100 % drop. ``evaluated`` lists the (drop, power) pairs simulated by the search. All drops share
    their random numbers (common random numbers; counts never increase with the drop), so the power is
    close to monotone in the drop and the search is a bisection on the grid ``step, 2 step, ..., 1``.
    """

    design: Design
    intervention: str
    baseline_rate: float
    target_power: float
    relative_drop: float | None
    power: float
    mc_se: float
    n_sim: int
    alpha: float
    step: float
    trend: float
    dispersion: float
    ar1_rho: float
    ar1_sd: float
    seed: int
    evaluated: tuple[tuple[float, float], ...] = ()
    simulated: bool = True

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


def minimum_detectable_drop(
    design: Design,
    baseline_rate: float,
    target_power: float = 0.8,
    intervention: str | None = None,
    *,
    step: float = 0.05,
    trend: float = 0.0,
    dispersion: float = 0.0,
    ar1_rho: float = 0.0,
    ar1_sd: float = 0.0,
    other_effects: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    n_sim: int = DEFAULT_N_SIM,
    seed: int = DEFAULT_SEED,
) -> MinimumDetectableDrop:
    """Smallest drop on the grid ``step, 2 step, ..., 1`` whose simulated power reaches ``target_power``.

    Reads as: "with these intervention years, collecting yearly counts for first_year–last_year at about
    ``baseline_rate`` events a year, a drop of ``relative_drop`` is detected with ``power`` (± ``mc_se``)".
    Simulated data only; bisection with common random numbers (see ``MinimumDetectableDrop``).
    """
    alpha = check_alpha(alpha)
    target = _target(design, intervention)
    _check_number(target_power, "target_power")
    if not 0.0 < float(target_power) < 1.0:
        raise ValueError(f"target_power must be in (0, 1), got {target_power!r}")
    _check_number(step, "step")
    n_steps = round(1.0 / float(step)) if 0 < step <= 0.5 else 0
    if n_steps == 0 or abs(n_steps * step - 1.0) > 1e-9:
        raise ValueError(f"step must divide 1 into whole steps (e.g. 0.05, 0.1), got {step!r}")
    grid = [round(k * float(step), 10) for k in range(1, n_steps + 1)]
    seed = _check_seed(seed)
    cache: dict[int, PowerResult] = {}

    def scenario(drop: float) -> Scenario:
        return Scenario(baseline_rate, drop, trend, dispersion, ar1_rho, ar1_sd, other_effects or {})

    # Common random numbers: the draw does not depend on the drop, so it is made once and thinned per drop.
    undropped, uniforms = _draw_counts(design, scenario(grid[-1]), n_sim, seed, target, common_drop=True)

    def at(k: int) -> PowerResult:
        if k not in cache:
            counts = _thin(undropped, uniforms, design, target, grid[k])
            cache[k] = _power_from_counts(counts, design, target, scenario(grid[k]), alpha, seed)
        return cache[k]

    lo, hi = -1, len(grid) - 1  # power(lo) < target (virtual), power(hi) >= target once checked
    found = at(hi).power >= target_power
    if found:
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if at(mid).power >= target_power:
                hi = mid
            else:
                lo = mid
    best = at(hi)
    return MinimumDetectableDrop(
        design=design,
        intervention=target,
        baseline_rate=float(baseline_rate),
        target_power=float(target_power),
        relative_drop=grid[hi] if found else None,
        power=best.power,
        mc_se=best.mc_se,
        n_sim=best.n_sim,
        alpha=alpha,
        step=float(step),
        trend=float(trend),
        dispersion=float(dispersion),
        ar1_rho=float(ar1_rho),
        ar1_sd=float(ar1_sd),
        seed=seed,
        evaluated=tuple((grid[k], cache[k].power) for k in sorted(cache)),
    )


def minimum_detectable_drop_table(
    designs: Design | Iterable[Design],
    baseline_rates: Iterable[float],
    target_power: float = 0.8,
    intervention: str | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """``minimum_detectable_drop`` for every design × baseline rate, one row each (simulated data only).

    Columns: the design columns of ``power_table``, baseline_rate, target_power, relative_drop (NaN when
    even a 100 % drop is not detected with ``target_power``), power, mc_se, n_sim, alpha, dispersion,
    ar1_rho, ar1_sd, trend, seed, simulated. ``kwargs`` go to ``minimum_detectable_drop``.
    """
    rows = []
    for design in _designs(designs):
        target = _target(design, intervention)
        for rate in baseline_rates:
            m = minimum_detectable_drop(design, rate, target_power, target, **kwargs)
            rows.append(
                {
                    **_design_columns(design, target),
                    "baseline_rate": m.baseline_rate,
                    "target_power": m.target_power,
                    "relative_drop": math.nan if m.relative_drop is None else m.relative_drop,
                    "power": m.power,
                    "mc_se": m.mc_se,
                    "n_sim": m.n_sim,
                    "alpha": m.alpha,
                    "trend": m.trend,
                    "dispersion": m.dispersion,
                    "ar1_rho": m.ar1_rho,
                    "ar1_sd": m.ar1_sd,
                    "seed": m.seed,
                    "simulated": True,
                }
            )
    return pd.DataFrame(rows)


def wald_power(
    design: Design,
    baseline_rate: float,
    relative_drop: float,
    intervention: str | None = None,
    alpha: float = 0.05,
    trend: float = 0.0,
    other_effects: Mapping[str, float] | None = None,
) -> float:
    """Analytic power of the two-sided Wald z test of the target's level change in the Poisson model.

    With ``mu`` the expected counts (``expected_counts``), ``se = sqrt([(X' diag(mu) X)^-1]_jj)`` from the
    expected Fisher information and ``delta = log(1 - relative_drop)``::

        power = Phi(|delta| / se - z) + Phi(-|delta| / se - z),  z = Phi^-1(1 - alpha / 2)

    A large-sample approximation for Poisson counts (no overdispersion, scale 1, normal reference):
    accurate for long series with many events, the analytic reference of the simulation. A 100 % drop
    (delta = -inf, information singular) is refused.
    """
    alpha = check_alpha(alpha)
    target = _target(design, intervention)
    scenario = Scenario(baseline_rate, relative_drop, trend, other_effects=other_effects or {})
    if scenario.relative_drop >= 1.0:
        raise ValueError("wald_power needs relative_drop < 1: a 100 % drop has no finite log rate ratio")
    prep = _prepare(design)
    x = prep.exog.to_numpy(dtype=float)
    j = list(prep.exog.columns).index(f"level_{target}")
    mu = expected_counts(design, scenario, target)
    se = math.sqrt(float(np.linalg.inv(x.T @ (mu[:, None] * x))[j, j]))
    delta = abs(math.log1p(-scenario.relative_drop))
    z = float(stats.norm.ppf(1 - alpha / 2))
    return float(stats.norm.cdf(delta / se - z) + stats.norm.cdf(-delta / se - z))
