"""Notebook 05: compare communes. Did a model reduce a count where it was adopted, against communes that did not
adopt it? The glue between a commune-year panel (``antt.data.panel``), the designs of
``antt.models.comparison`` (staggered difference-in-differences, synthetic control, controlled interrupted time
series) and the report: what can be estimated, the estimates with their intervals and methods, the assumptions
each rests on, and, when nothing can be estimated, which panel to collect.

Simulated panels: a panel whose every source id starts with ``simulated-`` is simulated. Its report says so in
its title, tables and figures, is listed apart from the reports about the article (``"demonstration"`` in the
results), and, given the simulation's expected counts (``truth_path``), says whether each interval covers the
true value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from antt import paths
from antt.data import panel as panel_data
from antt.data.panel import LoadedPanel
from antt.models import comparison as designs
from antt.models.comparison import CitsResult, DesignCheck, DidResult, Problem, SynthResult
from antt.reporting.display import show, show_text
from antt.reporting.estimates import format_ratio
from antt.reporting.language import (
    MISSING,
    and_list,
    each_lang,
    format_decimal,
    format_level,
    format_p,
    format_p_clause,
    message,
    translator,
)

SIMULATED_PREFIX = "simulated-"  # source ids of simulated panels (docs/panel.md)
DESIGN_ORDER = designs.DESIGNS
#: What the refusal asks for when there is no panel at all: enough comparison communes for a synthetic control's
#: placebo p-value to reach 0.05 (1 / (19 + 1)), and the years the most demanding design needs on each side.
COLLECT_DONORS = 19
COLLECT_YEARS_BEFORE = max(designs.SC_MIN_YEARS_BEFORE, designs.CITS_MIN_YEARS_EACH_SIDE)
COLLECT_YEARS_AFTER = max(designs.CITS_MIN_YEARS_EACH_SIDE, designs.SC_MIN_YEARS_AFTER)


@dataclass(frozen=True)
class ComparisonInputs:
    """The panel as loaded (None: the article's data only), the model-ready frame restricted to the years asked
    for, whether it is simulated, and the simulation's expected counts when given."""

    loaded: LoadedPanel | None
    frame: pd.DataFrame | None
    simulated: bool
    truth: pd.DataFrame | None = None


@dataclass(frozen=True)
class ComparisonAnalysis:
    checks: dict[str, DesignCheck]
    did: DidResult | None = None
    sc: SynthResult | None = None
    cits: CitsResult | None = None
    alpha: float = 0.05
    scale: str = designs.SCALE_COUNT
    truths: dict[str, float] = field(default_factory=dict)

    @property
    def estimated(self) -> list[str]:
        return [d for d in DESIGN_ORDER if getattr(self, _ATTR[d]) is not None]


_ATTR = {"staggered_did": "did", "synthetic_control": "sc", "controlled_its": "cits"}


# ---------------------------------------------------------------- inputs
def load(
    panel_path: Path | None, outcome: str, first_year: int = 0, last_year: int = 0, truth_path: Path | None = None
) -> ComparisonInputs:
    """The panel of ``outcome`` from ``panel_path`` (None: no panel), restricted to [first_year, last_year] (0: the
    panel's own), and the simulation's expected counts from ``truth_path`` (simulated panels only)."""
    if panel_path is None:
        return ComparisonInputs(None, None, False)
    loaded = panel_data.load_panel(panel_path, outcome)
    simulated = all(s.startswith(SIMULATED_PREFIX) for s in loaded.source_ids)
    if truth_path is not None and not simulated:
        raise ValueError(f"truth_path is for simulated panels only; the sources of {panel_path.name} are not simulated")
    keep = ["unit", "year", "count", "adoption_year"] + (["population"] if "population" in loaded.frame else [])
    frame = loaded.frame[keep]
    first, last = first_year or loaded.first_year, last_year or loaded.last_year
    frame = frame[frame["year"].between(first, last)].reset_index(drop=True)
    truth = None
    if truth_path is not None:  # the simulation's communes are named as in the panel's commune column
        names = loaded.frame[["unit", "commune"]].drop_duplicates()
        truth = pd.read_csv(truth_path, encoding="utf-8").merge(names, on="commune").drop(columns="adoption_year")
        truth = truth.merge(loaded.frame[["unit", "year", "adoption_year"]], on=["unit", "year"])
    return ComparisonInputs(loaded, frame, simulated, truth)


def treated_unit(inputs: ComparisonInputs, commune: str, treated: list[str]) -> tuple[str | None, list[str] | None]:
    """The synthetic control's unit (``commune`` matched to the panel's units) and the treated units asked for
    (None: every adopting unit)."""
    if inputs.loaded is None:
        return None, None
    chosen = panel_data.find_units(inputs.loaded, treated, "treated") if treated else None
    unit = panel_data.find_units(inputs.loaded, [commune], "commune")[0] if commune else None
    return unit, chosen


def check(inputs: ComparisonInputs, treated: list[str] | None, comparison: list[str], alpha: float):
    """``antt.models.comparison.check_designs`` on the inputs (every design refused when there is no panel)."""
    pool = panel_data.find_units(inputs.loaded, comparison, "comparison") if comparison and inputs.loaded else None
    return designs.check_designs(inputs.frame, treated, pool, alpha=alpha), pool


# ---------------------------------------------------------------- estimation
def analyse(
    inputs: ComparisonInputs,
    checks: dict[str, DesignCheck],
    unit: str | None,
    treated: list[str] | None,
    comparison: list[str] | None,
    alpha: float,
    seed: int,
) -> ComparisonAnalysis:
    """Every design the checks allow, fitted; a synthetic control needs one unit: ``unit``, which must adopt."""
    if inputs.frame is None:
        return ComparisonAnalysis(checks, alpha=alpha)
    _, scale = designs.outcome_values(inputs.frame)
    did = sc = cits = None
    if checks["staggered_did"].ok:
        did = designs.staggered_did(inputs.frame, alpha, treated, comparison)
    if unit is not None:  # a synthetic control is for one commune: the one asked about
        one = designs.check_designs(inputs.frame, [unit], comparison, alpha=alpha)["synthetic_control"]
        checks = {**checks, "synthetic_control": one}
        if one.ok:
            sc = designs.synthetic_control(inputs.frame, unit, comparison, alpha, seed)
    cits_treated = treated
    if unit is not None and treated is None and _needs_one_year(checks["controlled_its"]):
        # The controlled series needs one adoption year: with staggered adoption, that of the commune asked about
        # and of the communes adopting the same year (the bridge to the single-commune analysis of notebook 03).
        year = inputs.loaded.adoption[unit]
        cits_treated = [u for u, adopted in inputs.loaded.adoption.items() if adopted == year]
        cohort = designs.check_designs(inputs.frame, cits_treated, comparison, alpha=alpha)["controlled_its"]
        checks = {**checks, "controlled_its": cohort}
    if checks["controlled_its"].ok:
        cits = designs.controlled_its(inputs.frame, cits_treated, comparison, alpha)
    truths = _truths(inputs, did, sc, cits)
    return ComparisonAnalysis(checks, did, sc, cits, alpha, scale, truths)


def _new_warnings(analysis: ComparisonAnalysis, design: str) -> list[Problem]:
    """A fit's warnings that its design check did not already give (those are in the table of designs)."""
    result = getattr(analysis, _ATTR[design])
    given = analysis.checks[design].warnings
    return [w for w in result.warnings if w not in given]


def _needs_one_year(check: DesignCheck) -> bool:
    return any(problem.key == "several_adoption_years" for problem in check.problems)


def _truths(inputs: ComparisonInputs, did, sc, cits) -> dict[str, float]:
    """The true value of each estimand of a simulated panel, from the simulation's expected counts."""
    if inputs.truth is None:
        return {}
    expected = inputs.truth.merge(inputs.frame[["unit", "year"]], on=["unit", "year"])
    if "population" in inputs.frame:
        expected = expected.merge(inputs.frame[["unit", "year", "population"]], on=["unit", "year"])
    effect = expected["expected_with"] - expected["expected_without"]
    if "population" in expected:
        effect = effect / expected["population"] * designs.RATE_PER
    expected = expected.assign(effect=effect, post=expected["year"] >= expected["adoption_year"])
    truths: dict[str, float] = {}
    if did is not None:
        rows = expected[expected["unit"].isin(did.treated_units) & expected["post"]]
        truths["staggered_did"] = float(rows["effect"].mean())
    if sc is not None:
        rows = expected[(expected["unit"] == sc.treated_unit) & expected["post"]]
        truths["synthetic_control"] = float(rows["effect"].mean())
    if cits is not None:
        rows = expected[expected["unit"].isin(cits.treated_units) & expected["post"]]
        truths["controlled_its"] = float((rows["expected_with"] / rows["expected_without"]).mean())
    return truths


# ---------------------------------------------------------------- words
def _values(values: dict[str, Any], lang: str) -> dict[str, str]:
    """A problem's numbers as words: lists joined, shares as numbers."""
    out = {}
    for name, value in values.items():
        if isinstance(value, list | tuple):
            out[name] = and_list([str(v) for v in value], lang)
        elif isinstance(value, float):
            out[name] = format_decimal(value, lang, 3, trim=True)
        elif name in ("group", "side"):
            out[name] = message(f"cmp_{name}_{value}", lang)
        else:
            out[name] = str(value)
    return out


def problem_text(problem: Problem, lang: str) -> str:
    """A design check's problem or warning (``antt.models.comparison.Problem``) in words."""
    fields = _values(problem.values, lang)
    if problem.key == "placebo_resolution":
        fields["need"] = str(COLLECT_DONORS)
    return message(f"cmp_problem_{problem.key}", lang, **fields)


def design_name(design: str, lang: str) -> str:
    return message(f"cmp_design_{design}", lang)


def design_table(checks: dict[str, DesignCheck], lang: str) -> pd.DataFrame:
    """One row per design: can it be estimated, and why not (what to collect), and its caveats."""
    t = translator(lang)
    rows = []
    for design in DESIGN_ORDER:
        c = checks[design]
        rows.append(
            {
                t("cmp_col_design"): design_name(design, lang),
                t("cmp_col_status"): t("cmp_yes") if c.ok else t("cmp_no"),
                t("cmp_col_reasons"): " ".join(problem_text(p, lang) for p in c.problems) or MISSING,
                t("cmp_col_caveats"): " ".join(problem_text(p, lang) for p in c.warnings) or MISSING,
            }
        )
    return pd.DataFrame(rows)


def assumptions_table(lang: str) -> pd.DataFrame:
    t = translator(lang)
    return pd.DataFrame(
        {
            t("cmp_col_design"): [design_name(d, lang) for d in DESIGN_ORDER],
            t("cmp_col_assumption"): [message(f"cmp_assume_{d}", lang) for d in DESIGN_ORDER],
        }
    )


def units_table(inputs: ComparisonInputs, lang: str) -> pd.DataFrame:
    """The panel's communes: adoption year and years with data."""
    t = translator(lang)
    if inputs.frame is None:
        return pd.DataFrame()
    rows = []
    for unit, part in inputs.frame.groupby("unit", sort=False):
        adoption = part["adoption_year"].iloc[0]
        years = sorted(part["year"])
        rows.append(
            {
                t("cmp_col_commune"): unit,
                t("cmp_col_adoption"): MISSING if pd.isna(adoption) else str(int(adoption)),
                t("cmp_col_years"): f"{years[0]}–{years[-1]}"
                + (f" ({len(years)})" if len(years) < years[-1] - years[0] + 1 else ""),
            }
        )
    return pd.DataFrame(rows)


def _number(value: float, lang: str) -> str:
    return format_decimal(value, lang, 2)  # "–" when missing, "∞" when unbounded


def _interval(low: float, high: float, lang: str, ratio: bool = False) -> str:
    if pd.isna(low) or pd.isna(high) or abs(low) == float("inf") or abs(high) == float("inf"):
        return message("cmp_unbounded", lang)
    show_number = format_ratio if ratio else _number
    return f"{show_number(low, lang)} – {show_number(high, lang)}"


def estimates_table(analysis: ComparisonAnalysis, lang: str, simulated: bool) -> pd.DataFrame:
    """One row per estimated design: estimate, interval, p-value (placebo p for the synthetic control), method, and
    for a simulated panel the true value and whether the interval covers it."""
    t = translator(lang)
    scale = message(f"cmp_scale_{analysis.scale}", lang)
    rows = []
    for design in analysis.estimated:
        result = getattr(analysis, _ATTR[design])
        if design == "staggered_did":
            o = result.overall
            row = (_number(o.estimate, lang) + f" {scale}", _interval(o.low, o.high, lang), format_p(o.p, lang))
            method = message("cmp_method_staggered_did", lang, df=format_decimal(result.df, lang, 0))
            low, high = o.low, o.high
        elif design == "synthetic_control":
            interval = result.interval
            row = (
                _number(result.att, lang) + f" {scale}",
                _interval(interval.low, interval.high, lang),
                format_p(result.placebo_p, lang),
            )
            method = message("cmp_method_synthetic_control", lang)
            low, high = interval.low, interval.high
        else:
            level = result.level
            row = (
                format_ratio(level.ratio, lang),
                _interval(level.low, level.high, lang, ratio=True),
                format_p(level.p, lang),
            )
            method = message("cmp_method_controlled_its", lang, df=format_decimal(result.df_resid, lang, 0))
            low, high = level.low, level.high
        entry = {
            t("cmp_col_design"): design_name(design, lang),
            t("cmp_col_estimate"): row[0],
            t("cmp_col_interval"): f"{format_level(analysis.alpha, lang)}: {row[1]}",
            t("cmp_col_p"): row[2],
            t("cmp_col_method"): method,
            t("cmp_col_caveats"): " ".join(problem_text(w, lang) for w in _new_warnings(analysis, design)) or MISSING,
        }
        if simulated and design in analysis.truths:
            truth = analysis.truths[design]
            entry[t("cmp_col_truth")] = (
                format_ratio(truth, lang) if design == "controlled_its" else _number(truth, lang)
            )
            entry[t("cmp_col_covered")] = t("cmp_yes") if low <= truth <= high else t("cmp_no")
        rows.append(entry)
    return pd.DataFrame(rows)


def event_study_table(did: DidResult, lang: str) -> pd.DataFrame:
    t = translator(lang)
    es = did.event_study
    return pd.DataFrame(
        {
            t("cmp_col_event_time"): es["event_time"].astype(int),
            t("cmp_col_estimate"): [
                t("cmp_reference") if ref else _number(v, lang) for v, ref in zip(es["estimate"], es["reference"])
            ],
            t("cmp_col_interval"): [
                MISSING if ref else _interval(lo, hi, lang)
                for lo, hi, ref in zip(es["low"], es["high"], es["reference"])
            ],
        }
    )


def weights_table(sc: SynthResult, lang: str) -> pd.DataFrame:
    t = translator(lang)
    return pd.DataFrame(
        {
            t("cmp_col_commune"): list(sc.weights.index),
            t("cmp_col_weight"): [format_decimal(w, lang, 3) for w in sc.weights],
        }
    )


def show_panel(inputs: ComparisonInputs, lang: str):
    """The panel's communes, or why there is none; a simulated panel is said to be simulated first."""
    from IPython.display import display

    if inputs.loaded is None:
        return show_text(lambda lg: message("cmp_problem_no_panel", lg), lang)
    if inputs.simulated:
        display(show_text(lambda lg: message("cmp_simulated_panel", lg), lang))
    return show(lambda lg: labelled(units_table(inputs, lg), inputs.simulated, lg), lang)


def labelled(table: pd.DataFrame, simulated: bool, lang: str) -> pd.DataFrame:
    """A table of a simulated panel says so in its first column's heading."""
    if not simulated or table.empty:
        return table
    first = table.columns[0]
    return table.rename(columns={first: f"{first} ({message('fig_simulated', lang)})"})


def show_details(analysis: ComparisonAnalysis, simulated: bool, lang: str) -> None:
    """The event study and the synthetic control's weights, for the designs estimated."""
    from IPython.display import display

    if analysis.did is not None:
        display(show(lambda lg: labelled(event_study_table(analysis.did, lg), simulated, lg), lang))
    if analysis.sc is not None:
        display(show(lambda lg: labelled(weights_table(analysis.sc, lg), simulated, lg), lang))


def source_line(inputs: ComparisonInputs, lang: str) -> str:
    """The panel's sources as a figure's caption names them: their titles and the panel file."""
    if inputs.loaded is None:
        return ""
    if inputs.simulated:  # its registry row is the generator's, in English: the page says it in its own language
        titles = [message("cmp_simulated_source", lang)]
    else:
        titles = panel_data.used_sources(inputs.loaded)["title"].tolist()
    return message(
        "cmp_panel_source",
        lang,
        file=f"{'; '.join(titles)} ({inputs.loaded.path.name})",
        units=len(inputs.loaded.units),
        first=inputs.loaded.first_year,
        last=inputs.loaded.last_year,
    )


def citations(inputs: ComparisonInputs, lang: str) -> list[str]:
    """The panel's sources, or with no panel the article, where the model and its year come from."""
    from antt.data.clean import load_sources
    from antt.reporting.provenance import citation_lines

    if inputs.loaded is None:
        return citation_lines(load_sources(), lang)
    if inputs.simulated:
        return [message("cmp_simulated_citation", lang)]
    return citation_lines(panel_data.used_sources(inputs.loaded), lang)


def show_designs(checks: dict[str, DesignCheck], simulated: bool, lang: str):
    return show(lambda lg: labelled(design_table(checks, lg), simulated, lg), lang)


def show_estimates(analysis: ComparisonAnalysis, simulated: bool, lang: str):
    if not analysis.estimated:
        return show_text(lambda lg: message("cmp_none_estimated", lg), lang)
    return show(lambda lg: labelled(estimates_table(analysis, lg, simulated), simulated, lg), lang)


# ---------------------------------------------------------------- findings
def collect_text(commune: str, model: str, model_year: int, outcome_label: str, alpha: float, lang: str) -> str:
    """Which panel to collect, when there is none: the commune and comparison communes, the years."""
    first = model_year - COLLECT_YEARS_BEFORE
    last = model_year + COLLECT_YEARS_AFTER - 1
    ask = message(
        "cmp_collect",
        lang,
        outcome=outcome_label,
        commune=commune,
        donors=COLLECT_DONORS,
        model=model,
        first=first,
        last=last,
    )
    why = message(
        "cmp_collect_why",
        lang,
        donors=COLLECT_DONORS,
        alpha=format_decimal(alpha, lang, 2, trim=True),
        years_before=COLLECT_YEARS_BEFORE,
    )
    return f"{ask} {why}"


def result_lines(analysis: ComparisonAnalysis, lang: str, simulated: bool) -> list[str]:
    """One sentence per estimate (and the pre-trend test and in-time placebo), with the truth when simulated."""
    scale = message(f"cmp_scale_{analysis.scale}", lang)
    level = format_level(analysis.alpha, lang)
    lines = []

    def truth_line(design: str, low: float, high: float, ratio: bool = False) -> None:
        if simulated and design in analysis.truths:
            truth = analysis.truths[design]
            covered = message("cmp_covers" if low <= truth <= high else "cmp_misses", lang)
            shown = format_ratio(truth, lang) if ratio else _number(truth, lang)
            lines.append(message("cmp_truth_sentence", lang, truth=shown, covered=covered))

    if analysis.did is not None:
        did, o = analysis.did, analysis.did.overall
        lines.append(
            message(
                "cmp_did_sentence",
                lang,
                estimate=_number(o.estimate, lang),
                scale=scale,
                level=level,
                low=_number(o.low, lang),
                high=_number(o.high, lang),
                p=format_p_clause(o.p, lang),
                treated=did.n_treated_units,
                comparison=did.n_comparison_units,
            )
        )
        truth_line("staggered_did", o.low, o.high)
        if did.pre_trend.status == "ran":
            lines.append(
                message(
                    "cmp_pretrend_sentence", lang, df_num=did.pre_trend.df_num, p=format_p_clause(did.pre_trend.p, lang)
                )
            )
    if analysis.sc is not None:
        sc = analysis.sc
        interval = sc.interval
        lines.append(
            message(
                "cmp_sc_sentence",
                lang,
                unit=sc.treated_unit,
                estimate=_number(sc.att, lang),
                scale=scale,
                level=level,
                low=_number(interval.low, lang),  # an unbounded side reads ∞
                high=_number(interval.high, lang),
                p=format_p(sc.placebo_p, lang),
                smallest=format_p(sc.smallest_attainable_p, lang),
                ratio=format_decimal(sc.rmspe_ratio, lang, 2),
            )
        )
        truth_line("synthetic_control", interval.low, interval.high)
        ran = sc.in_time[sc.in_time["status"] == "ran"]
        if len(ran):
            first = ran.iloc[0]
            lines.append(
                message(
                    "cmp_sc_in_time_sentence",
                    lang,
                    year=int(first["placebo_year"]),
                    att=_number(first["att"], lang),
                    scale=scale,
                )
            )
    if analysis.cits is not None:
        cits = analysis.cits
        lines.append(
            message(
                "cmp_cits_sentence",
                lang,
                year=cits.adoption_year,
                ratio=format_ratio(cits.level.ratio, lang),
                level=level,
                low=format_ratio(cits.level.low, lang),
                high=format_ratio(cits.level.high, lang),
                p=format_p_clause(cits.level.p, lang),
            )
        )
        truth_line("controlled_its", cits.level.low, cits.level.high, ratio=True)
    return lines


def findings(
    analysis: ComparisonAnalysis,
    inputs: ComparisonInputs,
    commune: str,
    model: str,
    model_year: int,
    outcome_label: dict[str, str],
    thumbnail: dict[str, str],
) -> dict[str, Any]:
    """Key numbers and what the comparison can and cannot say (vi, en), as written to the results file."""

    def headline(lang: str) -> list[str]:
        lines = result_lines(analysis, lang, inputs.simulated)
        if not lines:
            lines = [
                message("cmp_none_estimated", lang),
                collect_text(commune, model, model_year, outcome_label[lang], analysis.alpha, lang),
            ]
        if inputs.simulated:
            lines.insert(0, message("cmp_simulated_panel", lang))
        return lines

    def limitations(lang: str) -> list[str]:
        reasons = {d: " ".join(problem_text(p, lang) for p in analysis.checks[d].problems) for d in DESIGN_ORDER}
        refused = [d for d in DESIGN_ORDER if not analysis.checks[d].ok]
        if refused and len({reasons[d] for d in refused}) == 1 and len(refused) == len(DESIGN_ORDER):
            return [message("cmp_limit_one_panel", lang), reasons[refused[0]]]  # the same reason for every design
        return [message("cmp_limit_one_panel", lang), *(f"{design_name(d, lang)}: {reasons[d]}" for d in refused)]

    loaded = inputs.loaded
    return {
        "demonstration": inputs.simulated,
        "simulated": inputs.simulated,
        "commune": commune,
        "model": model,
        "designs": {d: analysis.checks[d].to_dict() for d in DESIGN_ORDER},
        "estimated": analysis.estimated,
        "p_value_reported": bool(analysis.estimated),
        "staggered_did": None if analysis.did is None else _did_dict(analysis.did),
        "synthetic_control": None if analysis.sc is None else _sc_dict(analysis.sc),
        "controlled_its": None if analysis.cits is None else _cits_dict(analysis.cits),
        "truths": analysis.truths,
        "panel": None
        if loaded is None
        else {
            "file": loaded.path.name,
            "units": len(loaded.units),
            "first_year": loaded.first_year,
            "last_year": loaded.last_year,
            "sources": list(loaded.source_ids),
        },
        "sources": [] if loaded is None else list(loaded.source_ids),
        "citations": each_lang(lambda lg: citations(inputs, lg)),
        "question": each_lang(
            lambda lg: message(
                "cmp_question_simulated" if inputs.simulated else "cmp_question",
                lg,
                model=model,
                outcome=outcome_label[lg],
            )
        ),
        "headline": each_lang(headline),
        "limitations": each_lang(limitations),
        "thumbnail": thumbnail,
    }


def _did_dict(did: DidResult) -> dict[str, Any]:
    return {
        "method": did.method,
        "overall": did.overall.to_dict(),
        "df": did.df,
        "pre_trend": did.pre_trend.to_dict(),
        "n_treated_units": did.n_treated_units,
        "n_comparison_units": did.n_comparison_units,
        "cohorts": list(did.cohorts),
    }


def _sc_dict(sc: SynthResult) -> dict[str, Any]:
    interval = sc.interval
    return {
        "method": sc.method,
        "treated_unit": sc.treated_unit,
        "att": sc.att,
        "interval": {
            "low": interval.low,
            "high": interval.high,
            "method": interval.method,
            "status": interval.status,
        },
        "placebo_p": sc.placebo_p,
        "smallest_attainable_p": sc.smallest_attainable_p,
        "n_placebos": sc.n_placebos,
        "rmspe_ratio": sc.rmspe_ratio,
        "weights": {unit: float(w) for unit, w in sc.weights.items()},
    }


def _cits_dict(cits: CitsResult) -> dict[str, Any]:
    return {
        "method": cits.method,
        "adoption_year": cits.adoption_year,
        "level": cits.level.to_dict(),
        "df_resid": cits.df_resid,
        "dispersion": cits.dispersion,
    }


# ---------------------------------------------------------------- figures
def make_figures(
    analysis: ComparisonAnalysis, simulated: bool, source: str, lang: str, out_dir, prefix: str
) -> dict[str, dict]:
    """The event study, the synthetic control and the controlled series, for the designs estimated, exported."""
    from antt.reporting import comparison_figures as draw
    from antt.reporting import figures

    scale = message(f"cmp_scale_{analysis.scale}", lang)
    ylabel = message("fig_cmp_effect", lang, scale=scale)
    level = format_level(analysis.alpha, lang)

    def caption(design: str, df: float | None = None) -> str:
        method = message(f"cmp_method_{design}", lang, df=format_decimal(df, lang, 0) if df is not None else "")
        return message("fig_cmp_caption", lang, source=source, method=method, level=level)

    out = {}
    if analysis.did is not None:
        out["event_study"] = draw.event_study_figure(
            analysis.did.event_study,
            message("fig_cmp_event_title", lang),
            caption("staggered_did", analysis.did.df),
            lang,
            ylabel=ylabel,
            simulated=simulated,
        )
    if analysis.sc is not None:
        sc = analysis.sc
        out["synthetic_control"] = draw.synthetic_control_figure(
            sc.path,
            sc.placebos,
            sc.adoption_year,
            message("fig_cmp_sc_title", lang),
            caption("synthetic_control"),
            lang,
            ylabel=scale,
            unit=sc.treated_unit,
            simulated=simulated,
        )
    if analysis.cits is not None:
        cits = analysis.cits
        per_commune = analysis.scale == designs.SCALE_COUNT  # summed counts shown per commune; rates as they are
        out["controlled_its"] = draw.controlled_its_figure(
            cits.series,
            cits.adoption_year,
            message("fig_cmp_cits_title", lang),
            caption("controlled_its", cits.df_resid),
            lang,
            ylabel=scale,
            n_treated=len(cits.treated_units) if per_commune else 1,
            n_comparison=len(cits.comparison_units) if per_commune else 1,
            simulated=simulated,
        )
    return {name: figures.export(fig, figures.stem(prefix, name, lang), out_dir) for name, fig in out.items()}


# ---------------------------------------------------------------- the simulated example
EXAMPLE = paths.DATA / "examples" / "simulated-panel"
EXAMPLE_SOURCE = "simulated-panel-example"
EXAMPLE_SEED = 20261205
#: The example's design: three cohorts of four communes adopting in 2017, 2019 and 2021, twenty communes that never
#: adopt (enough for a placebo p-value of 1/21 < 0.05), 2010–2024, and a 40% drop from adoption on.
EXAMPLE_DESIGN = {
    "n_treated_per_cohort": {2017: 4, 2019: 4, 2021: 4},
    "n_never": 20,
    "years": range(2010, 2025),
    "rate_range": (5.0, 30.0),
    "effect_ratio": 0.6,
    "year_sd": 0.1,
}


def _example_place(unit: str) -> tuple[str, str, str]:
    return f"xã {unit}", "huyện Mô Phỏng", "tỉnh Mô Phỏng"


def write_simulated_example(folder: Path = EXAMPLE, seed: int = EXAMPLE_SEED) -> list[Path]:
    """Write the SIMULATED example panel (``panel.csv``), its source (``sources.csv``, id ``simulated-…``) and the
    simulation's expected counts (``truth.csv``) into ``folder``, all or none; returns the three paths. The same
    seed gives the same bytes (a test regenerates them)."""
    import csv
    import hashlib
    import io

    from antt.data.io import AtomicFiles

    simulated = designs.simulate_panel(**EXAMPLE_DESIGN, seed=seed)
    panel_rows = io.StringIO()
    writer = csv.writer(panel_rows, lineterminator="\n")
    writer.writerow(panel_data.COLUMNS)
    for row in simulated.panel.itertuples(index=False):
        commune, district, province = _example_place(row.unit)
        adoption = "" if pd.isna(row.adoption_year) else int(row.adoption_year)
        writer.writerow(
            [EXAMPLE_SOURCE, commune, district, province, "new_drug_addicts", row.year, row.count, "", adoption]
        )
    panel_text = panel_rows.getvalue()
    truth_rows = io.StringIO()
    writer = csv.writer(truth_rows, lineterminator="\n")
    writer.writerow(["commune", "year", "adoption_year", "expected_with", "expected_without"])
    for row in simulated.expected.itertuples(index=False):
        adoption = "" if pd.isna(row.adoption_year) else int(row.adoption_year)
        writer.writerow(
            [_example_place(row.unit)[0], row.year, adoption, f"{row.expected_with:.6f}", f"{row.expected_without:.6f}"]
        )
    source = {
        "source_id": EXAMPLE_SOURCE,
        "title": "SIMULATED example panel (generated counts, not data)",
        "publisher": "antt (simulated)",
        "author": "antt.analyses.comparison.write_simulated_example",
        "place": "Mô Phỏng (simulated)",
        "province": "Mô Phỏng (simulated)",
        "language": "vi",
        "publication_date": "unknown",
        "publication_date_note": "Simulated; not a publication.",
        "access_date": "2026-12-05",
        "url": "",
        "text_file": "panel.csv",
        "sha256": hashlib.sha256(panel_text.encode("utf-8")).hexdigest(),
        "licence": "Simulated data, no rights",
        "citation": f"SIMULATED by antt.analyses.comparison.write_simulated_example(seed={seed}); not data.",
    }
    source_rows = io.StringIO()
    writer = csv.DictWriter(source_rows, list(source), lineterminator="\n")
    writer.writeheader()
    writer.writerow(source)
    texts = {"panel.csv": panel_text, "sources.csv": source_rows.getvalue(), "truth.csv": truth_rows.getvalue()}
    folder.mkdir(parents=True, exist_ok=True)
    with AtomicFiles() as files:
        for name, text in texts.items():
            files.write(folder / name, text)
        files.commit()
    return [folder / name for name in texts]
