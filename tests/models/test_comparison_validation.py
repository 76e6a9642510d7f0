"""The simulation study of the comparison designs: its table, determinism, Monte Carlo SEs, plausible null
rejection rates and failed replicates counted (simulated data only)."""

import math
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from antt.models import comparison_validation as cv
from antt.models.comparison import DESIGNS, DesignCheck, DesignRefused, Problem


@pytest.fixture(scope="module")
def small():
    """Three replicates, the synthetic control's intervals on the first one only."""
    return cv.comparison_draws(n_sim=3, n_sc=1)


def test_the_table_has_one_row_per_design_scenario_and_measure(small):
    table = cv.summarise_draws(small)
    assert tuple(table.columns) == cv.COLUMNS
    assert len(table) == len(DESIGNS) * len(cv.SCENARIOS) * len(cv.MEASURES) == 18
    expected = [(d, s, m) for d in DESIGNS for s in cv.SCENARIOS for m in cv.MEASURES]
    assert list(table[["design", "scenario", "measure"]].itertuples(index=False, name=None)) == expected
    n = table.set_index(["design", "measure", "scenario"])["n"].sort_index()
    assert (n.loc["staggered_did"] == 3).all() and (n.loc["controlled_its"] == 3).all()
    # The synthetic control ran on every replicate; its coverage's n says on how many its intervals were computed.
    assert (n.loc[("synthetic_control", "coverage")] == 1).all()
    assert (n.loc[("synthetic_control", ["bias", "rejection_rate"])] == 3).all()
    sc = small[small["design"] == "synthetic_control"]
    assert sc["interval_computed"].tolist() == [True, True, False, False, False, False]
    assert sc.loc[~sc["interval_computed"], ["low", "high"]].isna().all().all()
    assert small.loc[small["design"] != "synthetic_control", "interval_computed"].all()
    assert (table["n_failed"] == 0).all()
    scales = table.set_index(["design", "measure"])["scale"]
    assert set(scales.loc[["staggered_did", "synthetic_control"], "bias"]) == {"count"}
    assert set(scales.loc["controlled_its", "bias"]) == {"log_rate_ratio"}
    assert set(table.loc[table["measure"] != "bias", "scale"]) == {"share"}


def test_the_estimands_are_the_simulated_truths(small):
    ran = small.set_index(["scenario", "design"])
    assert (ran.loc["null", "truth"] == 0).all()
    assert np.allclose(ran.loc[("effect", "controlled_its"), "truth"], math.log(0.6))
    sc = ran.loc[("effect", "synthetic_control")]
    assert sc["interval_method"].iloc[0] in ("conformal_cwz2021", "conformal_cwz2021_constant_effect_iid")
    assert (sc["interval_method"].iloc[1:] == "").all()
    assert (ran.loc[("effect", "staggered_did"), "truth"] < 0).all()


def test_same_arguments_same_table(small):
    again = cv.comparison_draws(n_sim=3, n_sc=1)
    pd.testing.assert_frame_equal(again, small, check_exact=True)
    pd.testing.assert_frame_equal(cv.summarise_draws(again), cv.summarise_draws(small), check_exact=True)
    pd.testing.assert_frame_equal(
        cv.comparison_study(n_sim=2, n_sc=0), cv.comparison_study(n_sim=2, n_sc=0), check_exact=True
    )


def test_drawn_in_parallel_processes_the_table_is_the_same(small):
    """Three chunks of one replicate each, drawn by two spawned processes, concatenate to the serial table (the
    synthetic control's intervals included)."""
    assert cv._chunks(3, 2) == [range(0, 1), range(1, 2), range(2, 3)]
    assert cv._chunks(200, 2) == [range(25 * k, 25 * (k + 1)) for k in range(8)]
    assert cv._chunks(5, 1) == [range(0, 5)]
    parallel = cv.comparison_draws(n_sim=3, n_sc=1, processes=2)
    pd.testing.assert_frame_equal(parallel, small, check_exact=True)


_KILLED_PARENT = """
import multiprocessing, threading, time, warnings
warnings.simplefilter("ignore")
from antt.models import comparison_validation as cv
if __name__ == "__main__":
    def tell():
        while len(multiprocessing.active_children()) < 2:
            time.sleep(0.05)
        print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
    threading.Thread(target=tell, daemon=True).start()
    cv.comparison_draws(n_sim=400, n_sc=0, processes=2)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process states from /proc")
def test_the_study_processes_end_when_the_process_drawing_the_study_is_killed(tmp_path):
    """A kernel killed mid-study (Ctrl-C, a dead worker) must not leave its study processes waiting forever."""
    script = tmp_path / "study.py"
    script.write_text(_KILLED_PARENT, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        children = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(children) == 2 and all(_running(pid) for pid in children)
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_running(pid) for pid in children)


def test_the_first_replicates_do_not_depend_on_n_sim_and_null_not_on_the_effect():
    short = cv.comparison_draws(n_sim=2, n_sc=0)
    long = cv.comparison_draws(n_sim=4, n_sc=0)
    pd.testing.assert_frame_equal(long[long["replicate"] < 2].reset_index(drop=True), short)
    other = cv.comparison_draws(n_sim=2, n_sc=0, effect_ratio=0.8)
    null = short["scenario"] == "null"
    pd.testing.assert_frame_equal(other[null], short[null])
    assert not other[~null]["estimate"].equals(short[~null]["estimate"])


def test_shares_and_their_monte_carlo_standard_errors(small):
    table = cv.summarise_draws(small)
    shares = table[table["measure"] != "bias"]
    assert shares["value"].between(0, 1).all()
    n = shares["n"].to_numpy(float)
    p = shares["value"].to_numpy(float)
    np.testing.assert_allclose(shares["mc_se"], np.sqrt(p * (1 - p) / n))
    # Wilson intervals: inside [0, 1], around the share, and not empty at a share of 0 or 1.
    assert (shares["mc_low"] <= shares["value"]).all() and (shares["value"] <= shares["mc_high"]).all()
    assert (shares["mc_high"] - shares["mc_low"] > 0).all() and shares["mc_low"].ge(0).all()
    bias = table[table["measure"] == "bias"]
    np.testing.assert_allclose(bias["mc_high"] - bias["value"], 1.959963984540054 * bias["mc_se"])
    for (design, scenario), part in small.groupby(["design", "scenario"]):
        row = table.set_index(["design", "scenario", "measure"]).loc[(design, scenario, "bias")]
        errors = part["estimate"] - part["truth"]
        assert row["value"] == pytest.approx(errors.mean())
        expected_se = errors.std(ddof=1) / math.sqrt(len(errors)) if len(errors) > 1 else math.nan
        assert row["mc_se"] == pytest.approx(expected_se, nan_ok=True)


def test_under_the_null_did_and_cits_rarely_reject():
    table = cv.comparison_study(n_sim=20, n_sc=0).set_index(["design", "scenario", "measure"])
    for design in ("staggered_did", "controlled_its"):
        assert table.loc[(design, "null", "rejection_rate"), "value"] <= 0.3
        assert table.loc[(design, "null", "coverage"), "value"] >= 0.7
        assert table.loc[(design, "effect", "rejection_rate"), "value"] >= 0.5  # rate ratio 0.6: power
    sc = table.loc["synthetic_control"]
    assert (sc.loc[(slice(None), "coverage"), "n"] == 0).all() and sc.loc[
        (slice(None), "coverage"), "value"
    ].isna().all()
    assert (sc.loc[(slice(None), ["bias", "rejection_rate"]), "n"] == 20).all()
    # Placebo p-values are at least 1/21 with 20 donors: without an effect the test seldom rejects.
    assert sc.loc[("null", "rejection_rate"), "value"] <= 0.3


def test_a_refused_replicate_is_counted_not_dropped(monkeypatch):
    calls = {"n": 0}
    fit = cv.controlled_its

    def refuse_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # replicate 0, scenario "null"
            check = DesignCheck("controlled_its", False, (Problem("too_few_comparison_units", {"have": 0}),), (), {})
            raise DesignRefused(check)
        return fit(*args, **kwargs)

    monkeypatch.setattr(cv, "controlled_its", refuse_once)
    draws = cv.comparison_draws(n_sim=3, n_sc=0)
    failed = draws[draws["status"] == cv.FAILED]
    assert len(failed) == 1
    assert failed.iloc[0][["replicate", "scenario", "design", "failure", "detail"]].tolist() == [
        0,
        "null",
        "controlled_its",
        "design_refused",
        "too_few_comparison_units",
    ]
    table = cv.summarise_draws(draws).set_index(["design", "scenario", "measure"]).sort_index()
    assert table.loc[("controlled_its", "null"), "n"].tolist() == [2, 2, 2]
    assert table.loc[("controlled_its", "null"), "n_failed"].tolist() == [1, 1, 1]
    assert table.loc[("controlled_its", "effect"), "n_failed"].tolist() == [0, 0, 0]


def test_numerical_failures_and_non_finite_estimates_count_as_failed(monkeypatch):
    fit = cv.staggered_did

    def broken(panel, alpha):
        res = fit(panel, alpha=alpha)
        if panel["count"].sum() % 2:
            raise np.linalg.LinAlgError("singular")
        return res

    monkeypatch.setattr(cv, "staggered_did", broken)
    draws = cv.comparison_draws(n_sim=4, n_sc=0)
    did = draws[draws["design"] == "staggered_did"]
    n_failed = int((did["status"] == cv.FAILED).sum())
    assert n_failed >= 1 and set(did.loc[did["status"] == cv.FAILED, "failure"]) == {"LinAlgError"}
    table = cv.summarise_draws(draws)
    bias = table[(table["design"] == "staggered_did") & (table["measure"] == "bias")]
    assert bias["n_failed"].sum() == n_failed and (bias["n"] + bias["n_failed"] == 4).all()
    row = cv._judged(cv._row(0, "null", "staggered_did", "count", estimate=math.nan), 0.05)
    assert row["status"] == cv.FAILED and row["failure"] == "non_finite_estimate"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_sim": 0},
        {"seed": -1},
        {"seed": 1.5},
        {"alpha": 1.0},
        {"effect_ratio": 0.0},
        {"design": {"seed": 3}},
        {"processes": 0},
        {"processes": 1.5},
    ],
)
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        cv.comparison_draws(**{"n_sim": 1, "n_sc": 0, **kwargs})


def test_design_overrides_the_default_shape():
    draws = cv.comparison_draws(n_sim=1, n_sc=0, design={"population": True, "n_never": 10})
    assert set(draws.loc[draws["design"] == "staggered_did", "scale"]) == {"rate_per_10000"}
    assert (draws["status"] == cv.RAN).all()


@pytest.mark.slow
def test_synthetic_control_under_the_null_and_with_an_effect():
    """Ten replicates of the synthetic control (about 35 s): placebo rejections rare under the null, the conformal
    interval covering most of the time."""
    table = cv.comparison_study(n_sim=10, n_sc=10).set_index(["design", "scenario", "measure"])
    sc = table.loc["synthetic_control"]
    assert (sc["n"] + sc["n_failed"] == 10).all()
    assert sc.loc[("null", "rejection_rate"), "value"] <= 0.3
    assert sc.loc[("null", "coverage"), "value"] >= 0.7
    assert sc.loc[("effect", "coverage"), "value"] >= 0.7
