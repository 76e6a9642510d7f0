"""Proportions: confidence intervals for one proportion, and homogeneity of a proportion across groups.

Conventions
-----------
* A proportion is ``successes / total`` (a fraction in [0, 1], not a percentage).
* ``alpha`` is the significance level: intervals have nominal coverage 1 − alpha and are two-sided
  (alpha/2 in each tail).
* Exact methods are used for small counts, and every result names its method.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from antt.models._common import check_alpha, check_count, dataclass_to_dict

#: Interval methods: our name -> statsmodels ``proportion_confint`` name.
PROPORTION_METHODS = {"wilson": "wilson", "clopper-pearson": "beta"}

#: Relative tolerance when comparing table probabilities in exact tests (as in R's fisher.test and scipy).
_PROB_RTOL = 1e-7


@dataclass(frozen=True)
class ProportionEstimate:
    """A proportion ``successes/total`` with a two-sided interval at level 1 − alpha.

    ``proportion``, ``lower`` and ``upper`` are fractions in [0, 1]; ``method`` is "wilson" (Wilson score
    interval) or "clopper-pearson" (exact, from beta quantiles).
    """

    successes: int
    total: int
    proportion: float
    lower: float
    upper: float
    method: str
    alpha: float

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


def _check_successes_total(successes: Any, total: Any, label: str = "") -> tuple[int, int]:
    where = f" ({label})" if label else ""
    s = check_count(successes, f"successes{where}")
    n = check_count(total, f"total{where}")
    if n == 0:
        raise ValueError(f"total{where} must be > 0: a proportion of nothing is undefined")
    if s > n:
        raise ValueError(f"successes{where} ({s}) cannot exceed total ({n})")
    return s, n


def proportion_interval(successes: int, total: int, alpha: float = 0.05, method: str = "wilson") -> ProportionEstimate:
    """Proportion ``successes/total`` with a two-sided confidence interval at level 1 − alpha.

    Parameters
    ----------
    successes, total:
        Integer counts with 0 <= successes <= total and total > 0.
    alpha:
        Significance level; the interval has nominal coverage 1 − alpha (alpha/2 in each tail).
    method:
        "wilson" (Wilson score interval, the default: good coverage, never outside [0, 1]) or
        "clopper-pearson" (exact interval from beta quantiles; conservative, coverage >= 1 − alpha).
        Computed with ``statsmodels.stats.proportion.proportion_confint`` (names "wilson", "beta").
    """
    s, n = _check_successes_total(successes, total)
    alpha = check_alpha(alpha)
    if method not in PROPORTION_METHODS:
        raise ValueError(f"method must be one of {sorted(PROPORTION_METHODS)}, got {method!r}")
    lower, upper = proportion_confint(s, n, alpha=alpha, method=PROPORTION_METHODS[method])
    return ProportionEstimate(
        successes=s, total=n, proportion=s / n, lower=float(lower), upper=float(upper), method=method, alpha=alpha
    )


# --------------------------------------------------------------------------------------------
# Exact conditional test of homogeneity for a 2 x k table (Freeman-Halton)
# --------------------------------------------------------------------------------------------


def _count_tables(column_totals: Sequence[int], row_total: int) -> int:
    """Number of 2 x k tables with the given column totals and first-row total (bounded compositions).

    Counted in floating point by convolution (exact below 2**53, ample for comparing with a cap).
    """
    ways = np.zeros(row_total + 1)
    ways[0] = 1.0
    for n_j in column_totals:
        ways = np.convolve(ways, np.ones(min(int(n_j), row_total) + 1))[: row_total + 1]
    return int(np.rint(ways[row_total])) if math.isfinite(ways[row_total]) else 2**63 - 1


def _log_table_probability(cells: np.ndarray, column_totals: np.ndarray, row_total: int) -> np.ndarray:
    """Log multivariate-hypergeometric probability of first rows ``cells`` (shape (..., k)) given the margins."""
    n = column_totals
    big_n = int(n.sum())
    log_binom_cols = gammaln(n + 1) - gammaln(cells + 1) - gammaln(n - cells + 1)
    log_norm = gammaln(big_n + 1) - gammaln(row_total + 1) - gammaln(big_n - row_total + 1)
    return log_binom_cols.sum(axis=-1) - log_norm


def _enumerate_log_probabilities(column_totals: np.ndarray, row_total: int) -> np.ndarray:
    """Log probabilities of every 2 x k table with the given margins (vectorised enumeration)."""
    k = len(column_totals)
    capacity_after = np.concatenate([np.cumsum(column_totals[::-1])[::-1][1:], [0]])
    sums = np.zeros(1, dtype=np.int64)
    logp = np.zeros(1)
    for j in range(k - 1):
        n_j = int(column_totals[j])
        f = np.arange(min(n_j, row_total) + 1)
        lb = gammaln(n_j + 1) - gammaln(f + 1) - gammaln(n_j - f + 1)
        new_sums = (sums[:, None] + f[None, :]).ravel()
        new_logp = (logp[:, None] + lb[None, :]).ravel()
        keep = (new_sums <= row_total) & (row_total - new_sums <= capacity_after[j])
        sums, logp = new_sums[keep], new_logp[keep]
    last = row_total - sums
    n_k = int(column_totals[-1])
    logp = logp + gammaln(n_k + 1) - gammaln(last + 1) - gammaln(n_k - last + 1)
    big_n = int(column_totals.sum())
    return logp - (gammaln(big_n + 1) - gammaln(row_total + 1) - gammaln(big_n - row_total + 1))


@dataclass(frozen=True)
class ExactTestResult:
    """p-value of the exact conditional (Freeman–Halton) test and how it was obtained."""

    p_value: float
    method: str  # "enumeration" or "monte-carlo"
    n_tables: int  # number of tables with the observed margins
    n_draws: int | None  # Monte Carlo draws (None for enumeration)
    seed: int | None
    mc_standard_error: float | None

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


def exact_homogeneity_test(
    successes: Sequence[int],
    totals: Sequence[int],
    max_tables: int = 2_000_000,
    n_draws: int = 100_000,
    seed: int = 20240101,
) -> ExactTestResult:
    """Exact conditional test of equal proportions across k groups (Freeman–Halton test for a 2 x k table).

    Conditioning on both margins, the tables' probabilities are multivariate hypergeometric. The p-value is
    the total probability of all tables no more probable than the observed one (relative tolerance 1e-7).
    All tables are enumerated when there are at most ``max_tables`` of them; otherwise the p-value is
    estimated from ``n_draws`` tables drawn with ``numpy.random.default_rng(seed)``, as
    (1 + hits) / (1 + n_draws). For k = 2 this is Fisher's exact two-sided test.
    """
    s = np.asarray([check_count(x, "successes") for x in successes], dtype=np.int64)
    n = np.asarray([check_count(x, "totals") for x in totals], dtype=np.int64)
    failures = n - s
    # Enumerate the row with the smaller total: fewer tables, same test.
    row = failures if failures.sum() <= s.sum() else s
    row_total = int(row.sum())
    n_tables = _count_tables(n.tolist(), row_total)
    log_obs = float(_log_table_probability(row.astype(float), n.astype(float), row_total))
    threshold = log_obs + math.log1p(_PROB_RTOL)
    if n_tables <= max_tables:
        logp = _enumerate_log_probabilities(n, row_total)
        p = float(np.exp(logp[logp <= threshold]).sum())
        return ExactTestResult(
            p_value=min(1.0, p),
            method="enumeration",
            n_tables=n_tables,
            n_draws=None,
            seed=None,
            mc_standard_error=None,
        )
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_hypergeometric(n, row_total, size=n_draws)
    logp = _log_table_probability(draws.astype(float), n.astype(float), row_total)
    hits = int((logp <= threshold).sum())
    p = (1 + hits) / (1 + n_draws)
    return ExactTestResult(
        p_value=p,
        method="monte-carlo",
        n_tables=n_tables,
        n_draws=n_draws,
        seed=seed,
        mc_standard_error=math.sqrt(p * (1 - p) / n_draws),
    )


# --------------------------------------------------------------------------------------------
# Homogeneity across groups
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomogeneityResult:
    """Test that k groups share one proportion, with an asymptotic and an exact p-value.

    * ``chi2``, ``dof``, ``p_value``: Pearson's chi-square test of homogeneity on the 2 x k table
      (no continuity correction).
    * ``expected_min``, ``n_expected_below_5``, ``approximation_doubtful``: whether the chi-square
      approximation can be trusted (doubtful when any expected count is below 5).
    * ``exact``: the exact conditional (Freeman–Halton) test; its p-value is ``exact_p_value``.
    * ``pairwise``: Fisher's exact test for every pair of groups, with Holm-adjusted p-values
      (columns group_a, group_b, proportion_a, proportion_b, p_value, p_holm, reject at ``alpha``).
    """

    labels: tuple[str, ...]
    successes: tuple[int, ...]
    totals: tuple[int, ...]
    alpha: float
    chi2: float
    dof: int
    p_value: float
    expected_min: float
    n_expected_below_5: int
    approximation_doubtful: bool
    exact: ExactTestResult
    pairwise: pd.DataFrame = field(repr=False, compare=False)
    method_note: str = ""

    @property
    def exact_p_value(self) -> float:
        return self.exact.p_value

    def to_dict(self) -> dict[str, Any]:
        out = dataclass_to_dict(self)
        out["exact_p_value"] = self.exact.p_value
        return out


def homogeneity_test(
    labels: Sequence[str],
    successes: Sequence[int],
    totals: Sequence[int],
    alpha: float = 0.05,
    max_tables: int = 2_000_000,
    n_draws: int = 100_000,
    seed: int = 20240101,
) -> HomogeneityResult:
    """Is the proportion ``successes/totals`` the same in every group?

    Pearson's chi-square test of homogeneity (``scipy.stats.chi2_contingency(correction=False)``) on the
    2 x k table of successes and failures, reported beside the exact conditional test (see
    ``exact_homogeneity_test``; ``max_tables``, ``n_draws`` and ``seed`` are passed to it), and pairwise
    Fisher exact tests (two-sided) with Holm's correction of the family-wise error at ``alpha``.
    """
    labels = tuple(str(x) for x in labels)
    if not (len(labels) == len(successes) == len(totals)):
        raise ValueError(
            f"labels, successes and totals must have the same length, got "
            f"{len(labels)}, {len(successes)} and {len(totals)}"
        )
    if len(labels) < 2:
        raise ValueError("a homogeneity test needs at least 2 groups")
    if len(set(labels)) != len(labels):
        raise ValueError(f"labels must be unique, got {list(labels)}")
    alpha = check_alpha(alpha)
    pairs_sn = [_check_successes_total(s, n, lab) for lab, s, n in zip(labels, successes, totals)]
    s = np.array([p[0] for p in pairs_sn], dtype=np.int64)
    n = np.array([p[1] for p in pairs_sn], dtype=np.int64)
    table = np.vstack([s, n - s])
    k = len(labels)
    dof = k - 1
    if table.sum(axis=1).min() == 0:
        # All successes or all failures: the groups cannot differ; expected counts of one row are zero.
        chi2_stat, p_chi2 = 0.0, 1.0
        expected = np.outer(table.sum(axis=1), n) / n.sum()
    else:
        res = stats.chi2_contingency(table, correction=False)
        chi2_stat, p_chi2, expected = float(res.statistic), float(res.pvalue), res.expected_freq
    below5 = int((expected < 5).sum())
    exact = exact_homogeneity_test(s, n, max_tables=max_tables, n_draws=n_draws, seed=seed)

    rows = []
    for i, j in itertools.combinations(range(k), 2):
        sub = [[int(s[i]), int(n[i] - s[i])], [int(s[j]), int(n[j] - s[j])]]
        p = float(stats.fisher_exact(sub, alternative="two-sided").pvalue)
        rows.append(
            {
                "group_a": labels[i],
                "group_b": labels[j],
                "proportion_a": s[i] / n[i],
                "proportion_b": s[j] / n[j],
                "p_value": min(1.0, p),
            }
        )
    pairwise = pd.DataFrame(rows)
    reject, p_holm, _, _ = multipletests(pairwise["p_value"].to_numpy(), alpha=alpha, method="holm")
    pairwise["p_holm"] = p_holm
    pairwise["reject"] = reject.astype(bool)

    how = (
        f"all {exact.n_tables} tables with the observed margins enumerated"
        if exact.method == "enumeration"
        else f"Monte Carlo estimate from {exact.n_draws} tables drawn with seed {exact.seed} "
        f"({exact.n_tables} tables are too many to enumerate)"
    )
    if below5:
        verdict = (
            f"The chi-square approximation is doubtful: {below5} of {table.size} expected counts are below 5 "
            f"(smallest {expected.min():.2f}); rely on the exact conditional test."
        )
    else:
        verdict = (
            "All expected counts are at least 5, so the chi-square approximation is adequate; "
            "the exact test is reported as a check."
        )
    note = (
        f"Homogeneity of {k} proportions: Pearson chi-square test without continuity correction "
        f"({dof} degrees of freedom) and the exact conditional Freeman–Halton test ({how}). {verdict} "
        f"Pairwise: Fisher's exact test (two-sided) for each of the {len(pairwise)} pairs, "
        f"Holm-adjusted for a family-wise error rate of {alpha:g}."
    )
    return HomogeneityResult(
        labels=labels,
        successes=tuple(int(x) for x in s),
        totals=tuple(int(x) for x in n),
        alpha=alpha,
        chi2=chi2_stat,
        dof=dof,
        p_value=p_chi2,
        expected_min=float(expected.min()),
        n_expected_below_5=below5,
        approximation_doubtful=bool(below5 > 0),
        exact=exact,
        pairwise=pairwise,
        method_note=note,
    )
