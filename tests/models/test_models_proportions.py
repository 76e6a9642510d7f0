"""Proportions: Wilson and Clopper–Pearson intervals, homogeneity (chi-square, exact), pairwise Fisher + Holm."""

import itertools
import json
import math

import numpy as np
import pytest
from scipy import stats

from antt.models.proportions import (
    _enumerate_log_probabilities,
    exact_homogeneity_test,
    homogeneity_test,
    proportion_interval,
)

# Provincial figures "by end of 2022" (reached the security-and-order standard / total).
LABELS = ["residential areas", "communes", "agencies", "enterprises", "schools"]
SUCCESSES = [673, 104, 285, 313, 63]
TOTALS = [686, 109, 292, 323, 65]


def wilson_by_formula(s, n, alpha):
    z = stats.norm.ppf(1 - alpha / 2)
    p = s / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


@pytest.mark.parametrize("alpha", [0.05, 0.10, 0.01])
def test_wilson_interval_673_of_686_matches_the_formula(alpha):
    est = proportion_interval(673, 686, alpha=alpha)
    lower, upper = wilson_by_formula(673, 686, alpha)
    assert est.method == "wilson" and est.alpha == alpha
    assert est.proportion == pytest.approx(673 / 686, abs=0, rel=1e-15)
    assert est.lower == pytest.approx(lower, rel=1e-12)
    assert est.upper == pytest.approx(upper, rel=1e-12)
    assert est.lower < est.proportion < est.upper


@pytest.mark.parametrize("s,n", [(63, 65), (1216, 2018), (0, 10), (10, 10), (104, 109)])
def test_clopper_pearson_matches_beta_quantiles(s, n):
    est = proportion_interval(s, n, method="clopper-pearson")
    lower = 0.0 if s == 0 else stats.beta.ppf(0.025, s, n - s + 1)
    upper = 1.0 if s == n else stats.beta.ppf(0.975, s + 1, n - s)
    assert est.lower == pytest.approx(lower, rel=1e-10, abs=1e-15)
    assert est.upper == pytest.approx(upper, rel=1e-10, abs=1e-15)
    assert est.method == "clopper-pearson"


def test_clopper_pearson_is_wider_than_wilson_here():
    w, cp = proportion_interval(63, 65), proportion_interval(63, 65, method="clopper-pearson")
    assert cp.lower < w.lower and cp.upper > w.upper


@pytest.mark.parametrize(
    "s,n,match",
    [
        (5, 4, "cannot exceed"),
        (-1, 4, ">= 0"),
        (2.5, 4, "integer"),
        (0, 0, "total must be > 0"),
        (True, 4, "boolean"),
        ("3", 4, "integer"),
    ],
)
def test_proportion_interval_rejects_bad_counts(s, n, match):
    with pytest.raises(ValueError, match=match):
        proportion_interval(s, n)


def test_proportion_interval_rejects_bad_method_and_alpha():
    with pytest.raises(ValueError, match="method"):
        proportion_interval(1, 2, method="wald")
    with pytest.raises(ValueError, match="alpha"):
        proportion_interval(1, 2, alpha=1.5)


def test_proportion_interval_accepts_integral_floats_and_numpy_ints():
    assert proportion_interval(np.int64(673), 686.0).successes == 673


def test_to_dict_is_plain_json():
    d = proportion_interval(673, 686).to_dict()
    assert json.loads(json.dumps(d)) == d
    assert set(d) == {"successes", "total", "proportion", "lower", "upper", "method", "alpha"}


def test_chi_square_statistic_by_hand_on_the_five_groups():
    res = homogeneity_test(LABELS, SUCCESSES, TOTALS)
    s, n = np.array(SUCCESSES), np.array(TOTALS)
    observed = np.vstack([s, n - s])
    expected = np.outer(observed.sum(axis=1), n) / n.sum()
    chi2 = ((observed - expected) ** 2 / expected).sum()
    assert res.chi2 == pytest.approx(chi2, rel=1e-12)
    assert res.dof == 4
    assert res.p_value == pytest.approx(stats.chi2.sf(chi2, 4), rel=1e-10)
    assert res.expected_min == pytest.approx(65 * 37 / 1475, rel=1e-12)  # schools' expected failures
    assert res.n_expected_below_5 == 2  # communes' and schools' expected failures
    assert res.approximation_doubtful
    assert "doubtful" in res.method_note and "exact" in res.method_note


def test_exact_test_enumerates_all_tables_whose_probabilities_sum_to_one():
    res = homogeneity_test(LABELS, SUCCESSES, TOTALS)
    assert res.exact.method == "enumeration"
    assert res.exact.n_tables == math.comb(37 + 4, 4)  # 37 failures in 5 groups of >= 65: compositions
    logp = _enumerate_log_probabilities(np.array(TOTALS), 37)
    assert len(logp) == res.exact.n_tables
    assert np.exp(logp).sum() == pytest.approx(1.0, rel=1e-9)
    assert 0 < res.exact_p_value <= 1
    # Neither test finds a difference between the five attainment rates.
    assert res.exact_p_value > 0.05 and res.p_value > 0.05


@pytest.mark.parametrize("table", [[[8, 2], [1, 5]], [[673, 13], [104, 5]], [[3, 0], [0, 3]], [[10, 10], [10, 10]]])
def test_exact_test_equals_fisher_on_2x2(table):
    (a, b), (c, d) = table
    exact = exact_homogeneity_test([a, c], [a + b, c + d])
    fisher = stats.fisher_exact(table).pvalue
    assert exact.p_value == pytest.approx(min(1.0, fisher), rel=1e-9)


def test_exact_test_matches_brute_force_on_a_small_2x3_table():
    s, n = [1, 4, 6], [5, 6, 7]
    row_total = sum(s)

    def prob(cells):
        return math.prod(math.comb(nj, fj) for nj, fj in zip(n, cells)) / math.comb(sum(n), row_total)

    p_obs = prob(s)
    tables = [c for c in itertools.product(*(range(nj + 1) for nj in n)) if sum(c) == row_total]
    brute = sum(prob(c) for c in tables if prob(c) <= p_obs * (1 + 1e-7))
    assert exact_homogeneity_test(s, n).p_value == pytest.approx(brute, rel=1e-10)


def test_monte_carlo_fallback_agrees_with_enumeration_and_is_seeded():
    exact = homogeneity_test(LABELS, SUCCESSES, TOTALS).exact
    mc = homogeneity_test(LABELS, SUCCESSES, TOTALS, max_tables=1000, n_draws=20_000, seed=7).exact
    assert mc.method == "monte-carlo" and mc.n_draws == 20_000 and mc.seed == 7
    assert abs(mc.p_value - exact.p_value) < 4 * mc.mc_standard_error
    again = homogeneity_test(LABELS, SUCCESSES, TOTALS, max_tables=1000, n_draws=20_000, seed=7).exact
    assert again.p_value == mc.p_value
    note = homogeneity_test(LABELS, SUCCESSES, TOTALS, max_tables=1000, n_draws=2000, seed=7).method_note
    assert "Monte Carlo" in note and "seed 7" in note


def test_pairwise_fisher_with_holm():
    res = homogeneity_test(LABELS, SUCCESSES, TOTALS)
    pw = res.pairwise
    assert list(pw.columns[:2]) == ["group_a", "group_b"] and {"p_value", "p_holm", "reject"} <= set(pw.columns)
    assert len(pw) == 10
    s, n = dict(zip(LABELS, SUCCESSES)), dict(zip(LABELS, TOTALS))
    for row in pw.itertuples():
        table = [[s[row.group_a], n[row.group_a] - s[row.group_a]], [s[row.group_b], n[row.group_b] - s[row.group_b]]]
        assert row.p_value == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-12)
    # Holm by hand: sorted p-values times (m - rank), running maximum, capped at 1.
    p = pw["p_value"].to_numpy()
    order = np.argsort(p)
    m = len(p)
    adjusted = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    holm = np.empty(m)
    holm[order] = adjusted
    np.testing.assert_allclose(pw["p_holm"].to_numpy(), holm, rtol=1e-12)
    assert (pw["reject"] == (pw["p_holm"] <= 0.05)).all()


def test_holm_rejects_a_clear_difference():
    res = homogeneity_test(["a", "b", "c"], [90, 50, 88], [100, 100, 100])
    rejected = {(r.group_a, r.group_b) for r in res.pairwise.itertuples() if r.reject}
    assert rejected == {("a", "b"), ("b", "c")}
    assert not res.approximation_doubtful and res.exact_p_value < 1e-6


def test_homogeneity_input_checks_and_degenerate_tables():
    with pytest.raises(ValueError, match="same length"):
        homogeneity_test(["a", "b"], [1], [2, 3])
    with pytest.raises(ValueError, match="unique"):
        homogeneity_test(["a", "a"], [1, 1], [2, 3])
    with pytest.raises(ValueError, match="cannot exceed"):
        homogeneity_test(["a", "b"], [3, 1], [2, 3])
    res = homogeneity_test(["a", "b"], [5, 7], [5, 7])  # all successes: nothing can differ
    assert res.p_value == 1.0 and res.exact_p_value == pytest.approx(1.0)


def test_homogeneity_to_dict_is_plain_json():
    d = homogeneity_test(LABELS, SUCCESSES, TOTALS).to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert back["exact_p_value"] == d["exact"]["p_value"]
    assert len(back["pairwise"]) == 10 and back["labels"] == LABELS
