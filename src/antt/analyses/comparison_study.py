"""Notebook 05's simulation study: how well do the three comparison designs work on panels shaped like the one
analysed? SIMULATED panels with the panel's cohorts, comparison communes, years and range of yearly counts (or
rates), once with a known effect and once without, through ``antt.models.comparison_validation``: bias, coverage of
the intervals and rejection rate (power with the effect, false-positive rate without), each with its Monte Carlo
error. Every table, sentence and result of the study says "simulated", whatever the panel.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from antt.analyses.comparison import DESIGN_ORDER, ComparisonAnalysis, ComparisonInputs, design_name, labelled
from antt.models import comparison_validation as validation
from antt.models.comparison import RATE_PER, SCALE_RATE
from antt.models.processes import default_workers
from antt.reporting.display import show, show_text
from antt.reporting.estimates import format_ratio
from antt.reporting.language import MISSING, and_list, each_lang, format_decimal, format_level, message, translator

#: A commune's yearly rate in the simulation is drawn between the smallest and largest commune means of the panel,
#: but not below this (a commune without any case would make a design's counts all zero).
MIN_RATE = 0.5
#: Standard deviation of the yearly shock common to all communes, on the log scale: assumed (a panel's own is not
#: estimated), as ``simulate_panel``'s default; the report states it.
YEAR_SD = 0.1
#: Replicates per process below which the study is drawn in the kernel alone: starting a process costs about 2 s,
#: a replicate about half a second.
MIN_REPLICATES_PER_PROCESS = 20


@dataclass(frozen=True)
class Study:
    """The study's table (``antt.models.comparison_validation.COLUMNS``) and how it was made: ``shape`` holds
    ``simulate_panel``'s arguments (``panel_shape``), ``replicates`` panels per scenario, the synthetic control's
    intervals on the first ``intervals`` of them, the effect's rate ratio, alpha and the seed."""

    table: pd.DataFrame
    shape: dict[str, Any]
    replicates: int
    intervals: int
    effect_ratio: float
    alpha: float
    seed: int


def panel_shape(inputs: ComparisonInputs, analysis: ComparisonAnalysis) -> dict[str, Any] | None:
    """``simulate_panel``'s arguments for panels shaped like the analysed one: the adopting communes per adoption
    year (those of the difference in differences), the never-adopting comparison communes, the years, and the range
    of the communes' mean yearly outcome (before adoption for adopting communes). With a population column the
    outcome is a rate per 10,000 and the simulated populations are ``simulate_panel``'s (5,000-50,000), not the
    panel's. None without a panel or without a difference-in-differences fit (the shape of the cohorts comes from
    it)."""
    if inputs.frame is None or analysis.did is None:
        return None
    did = analysis.did
    frame = inputs.frame
    adoption = frame.groupby("unit", sort=True)["adoption_year"].first()
    cohorts = Counter(int(adoption[u]) for u in did.treated_units)
    first, last = int(frame["year"].min()), int(frame["year"].max())
    has_population = "population" in frame
    outcome = frame["count"].astype(float)
    if has_population:
        outcome = outcome / frame["population"].astype(float) * RATE_PER
    before = frame["adoption_year"].isna() | (frame["year"] < frame["adoption_year"].fillna(last + 1))
    used = frame["unit"].isin(list(did.treated_units) + list(did.comparison_units)) & before
    means = outcome[used].groupby(frame.loc[used, "unit"]).mean()
    low, high = max(float(means.min()), MIN_RATE), max(float(means.max()), MIN_RATE * 2)
    return {
        "n_treated_per_cohort": dict(sorted(cohorts.items())),
        "n_never": len(did.comparison_units),
        "years": range(first, last + 1),
        "rate_range": (round(low, 2), round(high, 2)),
        "year_sd": YEAR_SD,
        "population": has_population,
    }


def run(
    inputs: ComparisonInputs,
    analysis: ComparisonAnalysis,
    replicates: int,
    intervals: int,
    effect_ratio: float,
    seed: int,
) -> Study | None:
    """The study on ``replicates`` simulated panels per scenario (0: no study, None), intervals of the synthetic
    control on the first ``intervals``; None too when the panel gives no shape (``panel_shape``)."""
    shape = panel_shape(inputs, analysis)
    if replicates == 0 or shape is None:
        return None
    table = validation.comparison_study(
        n_sim=replicates,
        seed=seed,
        alpha=analysis.alpha,
        design=shape,
        effect_ratio=effect_ratio,
        n_sc=intervals,
        processes=processes(replicates),
    )
    return Study(table, shape, replicates, min(intervals, replicates), effect_ratio, analysis.alpha, seed)


def processes(replicates: int) -> int:
    """Processes drawing the study: one per core this process may use, but at least ``MIN_REPLICATES_PER_PROCESS``
    replicates each. The study's table does not depend on it."""
    return max(1, min(default_workers(), replicates // MIN_REPLICATES_PER_PROCESS))


# ---------------------------------------------------------------- words
def _share(row: pd.Series, lang: str) -> str:
    """A share with its 95% Monte Carlo (Wilson) interval, which unlike its standard error is not 0 at 0 or 1."""
    if row["n"] == 0:
        return MISSING
    low, high = format_decimal(row["mc_low"], lang, 3), format_decimal(row["mc_high"], lang, 3)
    return f"{format_decimal(row['value'], lang, 3)} ({low}–{high})"


def _bias(row: pd.Series, lang: str) -> str:
    if row["n"] == 0:
        return MISSING
    return f"{format_decimal(row['value'], lang, 3)} ± {format_decimal(row['mc_se'], lang, 3)}"


def study_table(study: Study, lang: str) -> pd.DataFrame:
    """One row per design and scenario: bias ± its Monte Carlo standard error (and its unit), coverage and rejection
    rate with their 95% Monte Carlo intervals, and the panels behind them."""
    t = translator(lang)
    table = study.table.set_index(["design", "scenario", "measure"]).sort_index()
    scenarios = {
        "effect": message("cmp_study_effect", lang, ratio=format_ratio(study.effect_ratio, lang)),
        "null": message("cmp_study_null", lang),
    }
    rows = []
    for design in DESIGN_ORDER:
        for scenario, label in scenarios.items():
            part = table.loc[(design, scenario)]
            bias, coverage = part.loc["bias"], part.loc["coverage"]
            panels = str(int(bias["n"]))
            if coverage["n"] != bias["n"]:
                panels = message("cmp_study_panels_intervals", lang, n=panels, intervals=int(coverage["n"]))
            rows.append(
                {
                    t("cmp_col_design"): design_name(design, lang),
                    t("cmp_study_col_scenario"): label,
                    t("cmp_study_col_bias"): _bias(bias, lang),
                    t("cmp_study_col_unit"): message(f"cmp_scale_{bias['scale']}", lang),
                    t("cmp_study_col_coverage"): _share(coverage, lang),
                    t("cmp_study_col_rejection"): _share(part.loc["rejection_rate"], lang),
                    t("cmp_study_col_panels"): panels,
                    t("cmp_study_col_failed"): str(int(bias["n_failed"])),
                }
            )
    out = pd.DataFrame(rows)
    if not study.table["n_failed"].any():  # the intro says that no fit failed
        out = out.drop(columns=t("cmp_study_col_failed"))
    return out


def intro_text(study: Study, lang: str) -> str:
    shape = study.shape
    cohorts = and_list([f"{n} ({year})" for year, n in shape["n_treated_per_cohort"].items()], lang)
    scale = message(f"cmp_scale_{SCALE_RATE if shape['population'] else 'count'}", lang)
    return message(
        "cmp_study_intro",
        lang,
        replicates=study.replicates,
        cohorts=cohorts,
        never=shape["n_never"],
        first=shape["years"].start,
        last=shape["years"].stop - 1,
        low=format_decimal(shape["rate_range"][0], lang, 2, trim=True),
        high=format_decimal(shape["rate_range"][1], lang, 2, trim=True),
        scale=scale,
        year_sd=format_decimal(shape["year_sd"], lang, 2, trim=True),
        ratio=format_ratio(study.effect_ratio, lang),
        intervals=study.intervals,
        alpha=format_decimal(study.alpha, lang, 2, trim=True),
        level=format_level(study.alpha, lang),
        failed=int(study.table.loc[study.table["measure"] == "bias", "n_failed"].sum()),
    )


def show_study(study: Study | None, lang: str):
    """The study's description and table, or why there is none."""
    from IPython.display import display

    if study is None:
        return show_text(lambda lg: message("cmp_study_none", lg), lang)
    display(show_text(lambda lg: intro_text(study, lg), lang))
    return show(lambda lg: labelled(study_table(study, lg), True, lg), lang)


def study_line(study: Study, lang: str) -> str:
    """One sentence for the key findings: the false-positive rate and power of each design, ± MC SE."""
    table = study.table.set_index(["design", "scenario", "measure"]).sort_index()
    parts = []
    for design in DESIGN_ORDER:
        null, effect = table.loc[(design, "null", "rejection_rate")], table.loc[(design, "effect", "rejection_rate")]
        if null["n"] == 0:
            continue
        parts.append(
            message(
                "cmp_study_design_clause",
                lang,
                design=design_name(design, lang),
                false_positive=f"{format_decimal(null['value'], lang, 2)} ± {format_decimal(null['mc_se'], lang, 2)}",
                power=f"{format_decimal(effect['value'], lang, 2)} ± {format_decimal(effect['mc_se'], lang, 2)}",
            )
        )
    return message(
        "cmp_study_sentence",
        lang,
        replicates=study.replicates,
        ratio=format_ratio(study.effect_ratio, lang),
        clauses="; ".join(parts),
    )


def to_dict(study: Study | None) -> dict[str, Any] | None:
    """The study as written to the results file (numbers and keys; every row says it is simulated)."""
    if study is None:
        return None
    shape = dict(study.shape)
    shape["years"] = [shape["years"].start, shape["years"].stop - 1]
    shape["n_treated_per_cohort"] = {str(k): v for k, v in shape["n_treated_per_cohort"].items()}
    shape["rate_range"] = list(shape["rate_range"])
    rows = study.table.replace({np.nan: None}).to_dict("records")
    return {
        "simulated": True,
        "shape": shape,
        "replicates": study.replicates,
        "intervals": study.intervals,
        "effect_ratio": study.effect_ratio,
        "alpha": study.alpha,
        "seed": study.seed,
        "rows": rows,
        "sentence": each_lang(lambda lg: study_line(study, lg)),
    }


def add_to_findings(summary: dict[str, Any], study: Study | None) -> dict[str, Any]:
    """``summary`` (``antt.analyses.comparison.findings``) with the study under "simulation_study" and its sentence
    at the end of each language's headline."""
    summary["simulation_study"] = to_dict(study)
    if study is not None:
        for lang, lines in summary["headline"].items():
            lines.append(study_line(study, lang))
    return summary
