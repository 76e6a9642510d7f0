"""Simulation study of the three comparison designs with known effects (simulated data only: say "simulated"
wherever these numbers are shown).

``comparison_study`` draws ``n_sim`` replicates; each replicate has two scenarios, each on its own simulated panel
(``antt.models.comparison.simulate_panel`` with ``design``): "effect" (every adopting unit's expected count times
``effect_ratio`` from its adoption year on) and "null" (``effect_ratio`` 1: no effect). On every panel it fits

* ``staggered_did`` (every cohort, never-adopting comparison units). Estimand: the panel's ``true_att_simple``
  (the simple aggregation's mean effect over treated unit-years, in outcome units, conditional on the drawn unit
  rates and year shocks). Interval: ``overall.low``/``overall.high``; test: ``overall.p``.
* ``synthetic_control`` for the first unit (by name) of the first cohort, with every never-adopting unit as a
  donor. Estimand: ``true_sc_att(unit)``. Interval (first ``n_sc`` replicates only, see Speed): ``att_interval``
  when its status is "ran", else ``constant_effect_interval`` (with the default design the unit has fewer pre-
  than post-adoption years, so the average-effect interval is "not_computable" and the constant-effect one is used
  every time; the draws say which in ``interval_method``). Test: the in-space placebo p-value ``placebo_p`` (with
  20 donors its smallest value is 1/21 < 0.05).
* ``controlled_its`` of the first cohort's units (summed) against the never-adopting units. Estimand: the rate
  ratio ``effect_ratio`` of the level change; bias is that of the LOG rate ratio (``level.coef -
  log(effect_ratio)``, scale key "log_rate_ratio"); coverage: ``level.low <= effect_ratio <= level.high``; test:
  ``level.p``.

Measures, one row per (design, scenario, measure) in ``COLUMNS``:

* "bias": mean of estimate - estimand over the replicates fitted; ``mc_se`` = sd / sqrt(n) (sd with ddof 1).
  ``scale``: the panel's outcome scale key ("count", or "rate_per_10000" when the design has ``population``) for
  the difference in differences and the synthetic control, "log_rate_ratio" for the controlled ITS.
* "coverage": share of the 1 - alpha intervals containing the estimand, over the replicates whose interval was
  computed (``interval_computed``; bounds NaN, e.g. an "empty" conformal set: not covered; an unbounded side
  covers); ``scale`` "share".
* "rejection_rate": share with p <= alpha (a NaN p-value does not reject); under "null" the false-positive rate,
  under "effect" the power. ``scale`` "share".

For a share r, ``mc_se`` = sqrt(r (1 - r) / n) and ``mc_low``/``mc_high`` its 95% Wilson interval
(``antt.models.validation.mc_rate``; unlike the standard error it is not 0 at a share of 0 or 1); for the bias,
mean -/+ 1.96 ``mc_se``. ``n``: replicates fitted
(the share's or the mean's denominator); ``n_failed``: replicates where the design was attempted and refused
(``DesignRefused``), raised a numerical error (ValueError, ArithmeticError, RuntimeError) or gave a non-finite
estimate. Failed replicates are left out of every measure of that design and scenario, and counted, never dropped
silently (``comparison_draws`` keeps their failure key).

Speed (one core of the 2-core machine the project is measured on): a replicate (both scenarios) takes about 0.45 s
without the synthetic control's intervals, two thirds of it the synthetic control's in-space placebos (every donor
refitted as if treated, in diff-diff); its intervals add about 0.15 s (about 60 permutation tests of 10,000 draws
each, the draws made once per fit: ``antt.models.comparison.constant_effect_test``). The synthetic control is fitted
on every replicate (its bias and placebo rejection rate use all ``n_sim``), its intervals on the first ``n_sc``
replicates only (default ``min(n_sim, SC_DEFAULT_REPLICATES)``; the coverage row's ``n`` says how many). The default
study (200 replicates, intervals on 10) takes about 90 s on one core; ``processes`` splits it into chunks of
replicates drawn in parallel, with the same table (measured: 20 replicates in 9.0 s alone, 40 in 10.2 s in 2
processes).

Reproducibility: replicate i, scenario j (0 "effect", 1 "null") uses ``numpy.random.SeedSequence(seed,
spawn_key=(i, j))``; its first two 32-bit words seed the panel and the synthetic control's permutations. So the
first replicates do not depend on ``n_sim`` or ``n_sc``, the "null" scenario does not depend on ``effect_ratio``,
and equal arguments give identical output. No files, no wall clock.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from functools import partial
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from antt.models._common import check_alpha, check_count
from antt.models.comparison import (
    DESIGNS,
    DesignRefused,
    SimulatedPanel,
    controlled_its,
    simulate_panel,
    staggered_did,
    synthetic_control,
)
from antt.models.processes import map_in_processes
from antt.models.validation import mc_rate

SCENARIOS = ("effect", "null")
MEASURES = ("bias", "coverage", "rejection_rate")
#: Columns of ``comparison_study``, in order.
COLUMNS = ("design", "scenario", "measure", "value", "mc_se", "mc_low", "mc_high", "n", "n_failed", "scale")
#: Columns of ``comparison_draws``, in order (one row per replicate, scenario and design attempted).
DRAW_COLUMNS = (
    "replicate",
    "scenario",
    "design",
    "status",
    "failure",
    "detail",
    "scale",
    "estimate",
    "truth",
    "low",
    "high",
    "p",
    "covered",
    "rejected",
    "interval_method",
    "interval_computed",
)
RAN = "ran"
FAILED = "failed"
SCALE_SHARE = "share"
SCALE_LOG_RATE_RATIO = "log_rate_ratio"
#: Replicates on which the synthetic control's intervals are computed by default (``min(n_sim, this)``): each adds
#: well under a second to the replicate's fits.
SC_DEFAULT_REPLICATES = 10
#: Errors that count a replicate as failed (``DesignRefused`` is a ValueError, as numpy's LinAlgError).
_FAILURES = (ValueError, ArithmeticError, RuntimeError)
_RESERVED = ("effect_ratio", "seed")
#: Normal quantile of the Monte Carlo intervals of the bias (95%).
_Z95 = 1.959963984540054


def default_design() -> dict[str, Any]:
    """The shape of the project's simulated example: ``simulate_panel``'s arguments except effect_ratio and seed."""
    return {
        "n_treated_per_cohort": {2017: 4, 2019: 4, 2021: 4},
        "n_never": 20,
        "years": range(2010, 2025),
        "rate_range": (5.0, 30.0),
        "year_sd": 0.1,
    }


def replicate_seeds(seed: int, replicate: int, scenario: int) -> tuple[int, int]:
    """(panel seed, synthetic-control seed) of replicate ``replicate``, scenario index ``scenario`` (0 "effect",
    1 "null"): the first two 32-bit words of ``SeedSequence(seed, spawn_key=(replicate, scenario))``."""
    words = np.random.SeedSequence(int(seed), spawn_key=(int(replicate), int(scenario))).generate_state(2, np.uint32)
    return int(words[0]), int(words[1])


def _first_cohort(sim: SimulatedPanel) -> tuple[str, list[str]]:
    """The first unit (by name) of the first cohort adopting within the panel's years, and that cohort's units."""
    panel = sim.panel
    first, last = int(panel["year"].min()), int(panel["year"].max())
    adoption = panel.groupby("unit", sort=True)["adoption_year"].first().dropna().astype(int)
    adoption = adoption[(adoption > first) & (adoption <= last)]
    if adoption.empty:
        raise ValueError("the simulated design has no cohort adopting within its years")
    units = sorted(adoption[adoption == adoption.min()].index)
    return units[0], units


def _row(replicate: int, scenario: str, design: str, scale: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "replicate": replicate,
        "scenario": scenario,
        "design": design,
        "status": RAN,
        "failure": "",
        "detail": "",
        "scale": scale,
        "estimate": math.nan,
        "truth": math.nan,
        "low": math.nan,
        "high": math.nan,
        "p": math.nan,
        "covered": False,
        "rejected": False,
        "interval_method": "",
        "interval_computed": False,
    }
    row.update(values)
    return row


def _judged(row: dict[str, Any], alpha: float) -> dict[str, Any]:
    """Fill covered and rejected; a non-finite estimate marks the replicate failed."""
    if not math.isfinite(row["estimate"]):
        row.update(status=FAILED, failure="non_finite_estimate", estimate=math.nan)
        return row
    row["covered"] = bool(row["low"] <= row["truth"] <= row["high"])  # NaN bounds compare False
    row["rejected"] = bool(row["p"] <= alpha)  # NaN compares False
    return row


def _attempt(
    fit: Callable[[], dict[str, Any]], replicate: int, scenario: str, design: str, scale: str, alpha: float
) -> dict[str, Any]:
    try:
        values = fit()
    except DesignRefused as err:
        detail = ",".join(p.key for p in err.check.problems)
        return _row(replicate, scenario, design, scale, status=FAILED, failure="design_refused", detail=detail)
    except _FAILURES as err:
        return _row(replicate, scenario, design, scale, status=FAILED, failure=type(err).__name__, detail=str(err))
    return _judged(_row(replicate, scenario, design, scale, **values), alpha)


def _fit_did(sim: SimulatedPanel, alpha: float) -> dict[str, Any]:
    res = staggered_did(sim.panel, alpha=alpha)
    o = res.overall
    return {
        "estimate": o.estimate,
        "truth": sim.true_att_simple,
        "low": o.low,
        "high": o.high,
        "p": o.p,
        "interval_computed": True,
    }


def _fit_sc(sim: SimulatedPanel, unit: str, alpha: float, seed: int, intervals: bool) -> dict[str, Any]:
    res = synthetic_control(sim.panel, unit, alpha=alpha, seed=seed, intervals=intervals)
    values = {"estimate": res.att, "truth": sim.true_sc_att(unit), "p": res.placebo_p}
    if intervals:
        interval = res.interval
        values.update(low=interval.low, high=interval.high, interval_method=interval.method, interval_computed=True)
    return values


def _fit_cits(sim: SimulatedPanel, treated: list[str], alpha: float) -> dict[str, Any]:
    res = controlled_its(sim.panel, treated=treated, alpha=alpha)
    lv = res.level
    with np.errstate(divide="ignore"):
        low, high = float(np.log(lv.low)), float(np.log(lv.high))
    truth = math.log(sim.true_cits_ratio)
    return {"estimate": lv.coef, "truth": truth, "low": low, "high": high, "p": lv.p, "interval_computed": True}


def _arguments(
    n_sim: int, seed: int, design: Mapping[str, Any] | None, effect_ratio: float, n_sc: int | None
) -> tuple[int, int, dict[str, Any], float, int]:
    n_sim = check_count(n_sim, "n_sim")
    if n_sim < 1:
        raise ValueError("n_sim must be >= 1")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if design is not None and not isinstance(design, Mapping):
        raise ValueError(f"design must be a mapping of simulate_panel's arguments, got {design!r}")
    reserved = sorted(k for k in (design or {}) if k in _RESERVED)
    if reserved:
        raise ValueError(f"design must not set {reserved}: comparison_study sets them")
    effect_ratio = float(effect_ratio)
    if not effect_ratio > 0 or not math.isfinite(effect_ratio):
        raise ValueError(f"effect_ratio must be a finite number > 0, got {effect_ratio!r}")
    n_sc = min(n_sim, SC_DEFAULT_REPLICATES) if n_sc is None else min(n_sim, check_count(n_sc, "n_sc"))
    return n_sim, int(seed), {**default_design(), **(design or {})}, effect_ratio, n_sc


def _chunks(n_sim: int, processes: int) -> list[range]:
    """Replicates 0 .. n_sim - 1 in contiguous chunks: one chunk without parallel processes, else about four per
    process, so that a process finishing early (the first replicates also compute the synthetic control's
    intervals) takes another chunk."""
    n_chunks = 1 if processes == 1 else min(n_sim, 4 * processes)
    bounds = np.linspace(0, n_sim, n_chunks + 1).round().astype(int)
    return [range(int(a), int(b)) for a, b in pairwise(bounds) if b > a]


def _replicate_rows(
    seed: int, alpha: float, arguments: dict[str, Any], effect_ratio: float, n_sc: int, replicates: range
) -> list[dict[str, Any]]:
    """The draws' rows of ``replicates`` (both scenarios, every design), in order. Each replicate depends only on
    its own seeds (``replicate_seeds``), so chunks drawn in any process, in any order, concatenate to the same
    table."""
    ratios = {"effect": effect_ratio, "null": 1.0}
    rows = []
    for i in replicates:
        for j, scenario in enumerate(SCENARIOS):
            panel_seed, sc_seed = replicate_seeds(seed, i, j)
            sim = simulate_panel(**arguments, effect_ratio=ratios[scenario], seed=panel_seed)
            unit, cohort = _first_cohort(sim)
            rows.append(_attempt(partial(_fit_did, sim, alpha), i, scenario, DESIGNS[0], sim.scale, alpha))
            fit_sc = partial(_fit_sc, sim, unit, alpha, sc_seed, i < n_sc)
            rows.append(_attempt(fit_sc, i, scenario, DESIGNS[1], sim.scale, alpha))
            fit_cits = partial(_fit_cits, sim, cohort, alpha)
            rows.append(_attempt(fit_cits, i, scenario, DESIGNS[2], SCALE_LOG_RATE_RATIO, alpha))
    return rows


def comparison_draws(
    n_sim: int = 200,
    seed: int = 20261205,
    alpha: float = 0.05,
    design: Mapping[str, Any] | None = None,
    effect_ratio: float = 0.6,
    *,
    n_sc: int | None = None,
    processes: int = 1,
) -> pd.DataFrame:
    """Every fit of the study (see the module docstring), one row per replicate, scenario and design attempted, in
    ``DRAW_COLUMNS`` order. estimate, truth, low and high are on the row's ``scale`` (the controlled ITS: log rate
    ratio); status "ran" or "failed" (failure: "design_refused" with the problem keys in ``detail``, the
    exception's class name with its message, or "non_finite_estimate"). ``design`` overrides keys of
    ``default_design()``. The synthetic control's intervals are computed on replicates 0 .. n_sc - 1 only
    (``interval_computed``). ``processes`` > 1 draws chunks of replicates in that many spawned processes
    (``antt.models.processes``): the same table, in about 1 / processes of the time on as many free cores (plus
    about 2 s for each process to start)."""
    alpha = check_alpha(alpha)
    n_sim, seed, arguments, effect_ratio, n_sc = _arguments(n_sim, seed, design, effect_ratio, n_sc)
    processes = check_count(processes, "processes")
    if processes < 1:
        raise ValueError("processes must be >= 1")
    draw = partial(_replicate_rows, seed, alpha, arguments, effect_ratio, n_sc)
    chunks = _chunks(n_sim, processes)
    if processes == 1 or len(chunks) == 1:
        parts = [draw(chunk) for chunk in chunks]
    else:
        parts = map_in_processes(draw, [(chunk,) for chunk in chunks], processes)
    rows = [row for part in parts for row in part]
    out = pd.DataFrame(rows, columns=list(DRAW_COLUMNS))
    out["replicate"] = out["replicate"].astype(np.int64)
    for column in ("estimate", "truth", "low", "high", "p"):
        out[column] = out[column].astype(float)
    for column in ("covered", "rejected", "interval_computed"):
        out[column] = out[column].astype(bool)
    return out


def summarise_draws(draws: pd.DataFrame) -> pd.DataFrame:
    """``comparison_study``'s table from ``comparison_draws``' rows: every (design, scenario, measure) in
    ``DESIGNS`` x ``SCENARIOS`` x ``MEASURES`` order, columns ``COLUMNS``. A measure without any fitted replicate
    (e.g. the synthetic control's coverage with ``n_sc`` 0) has value and mc_se NaN and n 0."""
    rows = []
    for design in DESIGNS:
        for scenario in SCENARIOS:
            part = draws[(draws["design"] == design) & (draws["scenario"] == scenario)]
            ran = part[part["status"] == RAN]
            n, n_failed = len(ran), int((part["status"] == FAILED).sum())
            scales = ran["scale"].unique() if n else part["scale"].unique()
            bias_scale = str(scales[0]) if len(scales) else (SCALE_LOG_RATE_RATIO if design == DESIGNS[2] else "")
            errors = ran["estimate"].to_numpy(float) - ran["truth"].to_numpy(float)
            bias = float(np.mean(errors)) if n else math.nan
            bias_se = float(np.std(errors, ddof=1) / math.sqrt(n)) if n > 1 else math.nan
            common = {"design": design, "scenario": scenario, "n": n, "n_failed": n_failed}
            half = _Z95 * bias_se
            bias_row = {"value": bias, "mc_se": bias_se, "mc_low": bias - half, "mc_high": bias + half}
            rows.append({**common, "measure": "bias", **bias_row, "scale": bias_scale})
            with_interval = ran[ran["interval_computed"]]
            for measure, judged, column in (
                ("coverage", with_interval, "covered"),
                ("rejection_rate", ran, "rejected"),
            ):
                rate = mc_rate(int(judged[column].sum()), len(judged))
                value = {
                    "value": rate["rate"],
                    "mc_se": rate["mc_se"],
                    "mc_low": rate["lower"],
                    "mc_high": rate["upper"],
                    "scale": SCALE_SHARE,
                    "n": len(judged),
                }
                rows.append({**common, "measure": measure, **value})
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["n"] = out["n"].astype(np.int64)
    out["n_failed"] = out["n_failed"].astype(np.int64)
    return out


def comparison_study(
    n_sim: int = 200,
    seed: int = 20261205,
    alpha: float = 0.05,
    design: dict | None = None,
    effect_ratio: float = 0.6,
    *,
    n_sc: int | None = None,
    processes: int = 1,
) -> pd.DataFrame:
    """Bias, coverage and rejection rate of the three comparison designs on simulated panels with a known effect
    (scenario "effect", rate ratio ``effect_ratio``) and without one ("null"), each with its Monte Carlo standard
    error: ``summarise_draws(comparison_draws(...))`` (see the module docstring for estimands, scales and the
    synthetic control's ``n_sc`` replicates, and ``comparison_draws`` for ``processes``). Columns ``COLUMNS``; 18
    rows."""
    draws = comparison_draws(n_sim, seed, alpha, design, effect_ratio, n_sc=n_sc, processes=processes)
    return summarise_draws(draws)
