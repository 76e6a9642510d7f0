"""Power of a yearly interrupted time series to detect a drop in level, by simulation.

Simulated data only: every number here describes the method, not Hà Nam.

Design of each simulated series: ``years_before`` + ``years_after`` yearly Poisson counts with expected
value ``baseline_rate * exp(trend * (t − t0)) * (1 − relative_drop) ** post`` where ``t`` is the year
index, ``t0`` the intervention's first year and ``post`` is 1 from ``t0`` on. ``baseline_rate`` is thus the
expected count per year at the intervention absent any effect.

Each series is analysed with the level-change model (intercept, time, step: no slope change, as
``fit_its`` does below 12 points). Detection is a one-sided likelihood-ratio test of the step at level
alpha: the signed root of the deviance drop when the step is removed must indicate a drop and be
significant. A Wald test is useless here: a 100 % drop gives all-zero post counts, the step coefficient
runs to −infinity and its standard error explodes (separation, the Hauck–Donner effect), whereas the
deviance drop stays finite. For quasi-Poisson the deviance drop is divided by the scale
``max(1, X2/df_resid)`` and referred to F(1, df_resid) (its signed root to t on df_resid).

The fits use a small vectorised IRLS (``poisson_irls``), checked against statsmodels' GLM in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from antt.models._common import check_alpha

TESTS = ("quasi-poisson", "poisson")

_ETA_MIN = -30.0  # expected counts below exp(-30) are treated as 0 (separation)


def poisson_irls(exog: np.ndarray, endog: np.ndarray, offset: np.ndarray | None = None, max_iter: int = 100,
                 tol: float = 1e-10) -> dict[str, np.ndarray]:
    """Poisson log-link GLM fitted by IRLS to many series sharing one design, vectorised over series.

    ``exog`` is (n, p); ``endog`` is (B, n) counts (B series); ``offset`` is (n,) or (B, n) on the log scale.
    Returns a dict with ``params`` (B, p), ``mu`` (B, n), ``deviance`` (B,), ``pearson_chi2`` (B,),
    ``converged`` (B,). Linear predictors are floored at −30 so that separated fits (a segment of zeros)
    converge in deviance while their coefficient heads to −infinity, as in statsmodels.
    """
    x = np.asarray(exog, dtype=float)
    y = np.atleast_2d(np.asarray(endog, dtype=float))
    n, p = x.shape
    off = np.zeros_like(y) if offset is None else np.broadcast_to(np.asarray(offset, dtype=float), y.shape)
    mu = np.maximum((y + y.mean(axis=1, keepdims=True)) / 2, 1e-2)
    eta = np.log(mu)
    dev_old = np.full(y.shape[0], np.inf)
    converged = np.zeros(y.shape[0], dtype=bool)
    ridge = 1e-12 * np.eye(p)
    beta = np.zeros((y.shape[0], p))
    for _ in range(max_iter):
        z = eta - off + (y - mu) / mu
        xtwx = np.einsum("bi,ij,ik->bjk", mu, x, x) + ridge
        xtwz = np.einsum("bi,ij,bi->bj", mu, x, z)
        beta = np.linalg.solve(xtwx, xtwz[..., None])[..., 0]
        eta = np.maximum(beta @ x.T + off, _ETA_MIN)
        mu = np.exp(eta)
        dev = _deviance(y, mu)
        converged = np.abs(dev - dev_old) <= tol * (np.abs(dev) + 0.1)
        if converged.all():
            break
        dev_old = dev
    return {"params": beta, "mu": mu, "deviance": _deviance(y, mu),
            "pearson_chi2": (((y - mu) ** 2) / mu).sum(axis=1), "converged": converged}


def _deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return 2 * (term - (y - mu)).sum(axis=1)


def level_drop_p_values(counts: np.ndarray, years_before: int, test: str = "quasi-poisson") -> pd.DataFrame:
    """One-sided likelihood-ratio p-values for a drop in level, for each row of ``counts`` (B, n).

    Model: intercept + time (years) + step (1 from index ``years_before``). Returns columns ``coef``
    (step, log scale; −inf-like under separation), ``p_value`` (one-sided, for a drop), ``scale``.
    Series with no events at all get p = 1 (nothing can be detected).
    """
    if test not in TESTS:
        raise ValueError(f"test must be one of {TESTS}, got {test!r}")
    y = np.atleast_2d(np.asarray(counts, dtype=float))
    n = y.shape[1]
    t = np.arange(n, dtype=float)
    x_full = np.column_stack([np.ones(n), t, (t >= years_before).astype(float)])
    full = poisson_irls(x_full, y)
    reduced = poisson_irls(x_full[:, :2], y)
    drop = np.maximum(reduced["deviance"] - full["deviance"], 0.0)
    df_resid = n - 3
    coef = full["params"][:, 2]
    # Signed root of the (scaled) deviance drop: positive when the step points to a drop.
    if test == "poisson":
        scale = np.ones(len(y))
        root = np.where(coef < 0, 1.0, -1.0) * np.sqrt(drop)
        p_one = stats.norm.sf(root)
    else:
        scale = np.maximum(1.0, full["pearson_chi2"] / df_resid)
        root = np.where(coef < 0, 1.0, -1.0) * np.sqrt(drop / scale)
        p_one = stats.t.sf(root, df_resid)
    p_one = np.where(y.sum(axis=1) == 0, 1.0, p_one)
    return pd.DataFrame({"coef": coef, "p_value": p_one, "scale": scale})


def simulate_power(baseline_rates: Iterable[float] = (1, 2, 5, 10),
                   relative_drops: Iterable[float] = (0.25, 0.5, 0.75, 1.0),
                   years_each_side: Iterable[int] = (2, 3, 5, 7, 10), alpha: float = 0.05, n_sim: int = 200,
                   seed: int = 20240101, trend: float = 0.0, test: str = "quasi-poisson") -> pd.DataFrame:
    """Simulated power to detect a drop in the yearly level (simulated data; see the module docstring).

    Parameters
    ----------
    baseline_rates:
        Expected events per year at the intervention, absent any effect.
    relative_drops:
        Fractional drop of the level at the intervention (0.5 = the rate halves; 1.0 = no more events).
    years_each_side:
        Years of data before and after the intervention (the same number on each side). Note that
        ``fit_its`` refuses fewer than 3 points on a side; 2 is shown to say what such data could not do.
    alpha:
        One-sided significance level of the likelihood-ratio test for a drop.
    n_sim:
        Simulated series per cell.
    seed:
        Seed of ``numpy.random.default_rng``; the whole grid is deterministic given it.
    trend:
        True log-rate change per year (0 = flat), present on both sides.
    test:
        "quasi-poisson" (default, as the headline model: F test with scale max(1, X2/df)) or "poisson".

    Returns a DataFrame with columns baseline_rate, relative_drop, years_before, years_after, power
    (share of simulated series where the drop was detected), n_sim, mc_se (Monte Carlo standard error,
    sqrt(power (1 − power) / n_sim)).
    """
    alpha = check_alpha(alpha)
    if int(n_sim) < 1:
        raise ValueError(f"n_sim must be >= 1, got {n_sim}")
    n_sim = int(n_sim)
    rng = np.random.default_rng(seed)
    rows = []
    for years in years_each_side:
        years = int(years)
        if years < 2:
            raise ValueError(f"years_each_side must be >= 2 (the model has 3 coefficients), got {years}")
        t = np.arange(2 * years, dtype=float)
        post = t >= years
        for base in baseline_rates:
            if base <= 0:
                raise ValueError(f"baseline rates must be > 0, got {base}")
            for drop in relative_drops:
                if not 0 <= drop <= 1:
                    raise ValueError(f"relative drops must be in [0, 1], got {drop}")
                mu = base * np.exp(trend * (t - years)) * np.where(post, 1.0 - drop, 1.0)
                counts = rng.poisson(mu, size=(n_sim, len(t)))
                res = level_drop_p_values(counts, years, test=test)
                power = float((res["p_value"] < alpha).mean())
                rows.append({"baseline_rate": float(base), "relative_drop": float(drop), "years_before": years,
                             "years_after": years, "power": power, "n_sim": n_sim,
                             "mc_se": math.sqrt(power * (1 - power) / n_sim)})
    return pd.DataFrame(rows)
