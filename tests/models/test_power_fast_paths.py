"""The fast paths of the power simulation give what the plain computations they replace give: the vectorised
normal-equation solve, the thinning, one draw per minimum-drop search, the grouping of zero patterns, the
deviance and the linear programmes asked about one column only."""

import dataclasses

import numpy as np
import pytest

from antt.models import its, power
from antt.models.power import Design, Scenario

NGOC_LU = {"A": 2018, "B": 2022}


def test_vectorised_normal_solve_agrees_with_lapack():
    rng = np.random.default_rng(11)
    x = power.design_matrix(Design(2008, 2030, NGOC_LU)).to_numpy(dtype=float)
    n, p = x.shape
    mu = np.exp(rng.normal(1.0, 1.0, size=(400, n)))
    xtwx = mu @ (x[:, :, None] * x[:, None, :]).reshape(n, p * p)
    rhs = rng.normal(size=(400, p)) * 50
    ours = power._solve_normal(np.ascontiguousarray(xtwx.T), np.ascontiguousarray(rhs.T), ridge=1e-12)
    lapack = np.linalg.solve(xtwx.reshape(-1, p, p) + 1e-12 * np.eye(p), rhs[..., None])[..., 0]
    relative = np.abs(ours - lapack).max(axis=1) / np.abs(lapack).max(axis=1)
    assert relative.max() < 1e-10


def test_a_matrix_that_is_not_positive_definite_takes_the_pseudo_inverse():
    indefinite = np.array([[1.0, 2.0], [2.0, 1.0]]).reshape(4, 1)
    assert np.isnan(power._solve_normal(indefinite.copy(), np.ones((2, 1)))).all()
    # IRLS weights are positive; negative ones make X' W X indefinite: the step takes the pseudo-inverse.
    x = np.column_stack([np.ones(4), np.arange(4.0)])
    mu = np.array([[1.0, -3.0, 2.0, 1.0], [1.0, 2.0, 3.0, 4.0]])
    z = np.array([[0.5, 1.0, -1.0, 2.0], [0.1, 0.2, 0.3, 0.4]])
    outer = (x[:, :, None] * x[:, None, :]).reshape(4, 4)
    step = power._irls_step(x, outer, mu, z, ridge=0.0)
    for i in range(2):
        expected = np.linalg.solve(x.T @ (mu[i, :, None] * x), x.T @ (mu[i] * z[i]))
        np.testing.assert_allclose(step[i], expected, rtol=1e-12)


def _thin_event_by_event(undropped, uniforms, post, drop):
    """The definition: events taken cell by cell (row-major) from the target's start on, each kept when its own
    uniform number is below 1 - drop."""
    counts = undropped.copy()
    used = 0
    for i in range(counts.shape[0]):
        for t in np.flatnonzero(post):
            events = int(undropped[i, t])
            counts[i, t] = int((uniforms[used : used + events] < 1.0 - drop).sum())
            used += events
    assert used == len(uniforms)
    return counts


@pytest.mark.parametrize("rate, dispersion", [(0.3, 0.0), (4.0, 0.5)])
def test_thinning_keeps_each_event_by_its_own_uniform(rate, dispersion):
    design = Design(2012, 2025, NGOC_LU)
    scenario = Scenario(rate, 0.0, dispersion=dispersion)
    undropped, uniforms = power._draw_counts(design, scenario, 40, 3, "A", common_drop=True)
    post = design.years >= 2018
    for drop in (0.0, 0.35, 1.0):
        np.testing.assert_array_equal(
            power._thin(undropped, uniforms, design, "A", drop),
            _thin_event_by_event(undropped, uniforms, post, drop),
        )


def test_minimum_detectable_drop_evaluates_the_common_random_number_series():
    design = Design(2012, 2025, NGOC_LU)
    found = power.minimum_detectable_drop(design, 10.0, step=0.1, n_sim=300, seed=5)
    assert len(found.evaluated) >= 3  # a bisection: several drops from the one draw
    for drop, simulated_power in found.evaluated:
        counts = power.simulate_counts(design, Scenario(10.0, drop), 300, 5, "A", common_drop=True)
        assert power.detect_drops(counts, design, "A")["detected"].mean() == simulated_power


def test_unique_rows_are_numpy_unique_rows():
    rng = np.random.default_rng(2)
    flags = rng.random((500, 19)) < 0.1
    flags[::3, 9:] = True  # many repeats
    patterns, which = power._unique_rows(flags)
    expected = np.unique(flags, axis=0)
    assert len(patterns) == len(expected)
    assert {row.tobytes() for row in patterns} == {row.tobytes() for row in expected}
    np.testing.assert_array_equal(patterns[which], flags)


def test_deviance_is_the_plain_formula_to_the_bit():
    rng = np.random.default_rng(4)
    y = rng.poisson(2.0, size=(300, 14)).astype(float)
    mu = np.exp(rng.normal(0.0, 2.0, size=y.shape))
    with np.errstate(divide="ignore", invalid="ignore"):
        plain = 2 * (np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)).sum(axis=1)
    np.testing.assert_array_equal(power._deviance(y, mu), plain)


@pytest.mark.parametrize(
    "zeros",
    ["00000000000000", "11111100000000", "10000000001111", "00000111110001", "11111111111110"],
)
def test_open_sides_of_one_column_are_those_of_all_columns(zeros):
    prep = power._prepare(Design(2012, 2025, NGOC_LU))
    series = dataclasses.replace(prep, endog=np.array([0.0 if c == "0" else 1.0 for c in zeros]))
    every = its._open_sides(series)
    for column in prep.exog.columns:
        one = its._open_sides(series, [column])
        assert one == ({column: every[column]} if column in every else {})


def test_design_matrix_is_a_copy():
    design = Design(2012, 2025, NGOC_LU)
    design_matrix = power.design_matrix(design)
    design_matrix.iloc[:, :] = 99.0
    assert power.design_matrix(design).iloc[0, 0] == 1.0
