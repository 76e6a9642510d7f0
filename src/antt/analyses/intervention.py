"""Notebook 03 (intervention effect, one report per commune): its glue, tables, figures and findings.

One commune, one outcome, one or more interventions: what the data can say about the effect. Glue between
the processed data (and an optional series file) and ``antt.models``: it assembles the yearly counts, asks
the sufficiency check before anything is fitted (``analyse`` → ``InterventionAnalysis``), bounds a stated
zero, and turns "we cannot tell" into "collect N years" with the power simulation (``power_plan``). Never
fits, and never reports a p-value from, a model the data cannot identify. Then the tables, figures and
findings of the notebook, in Vietnamese and English.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from antt import jsonable as jsonable_module
from antt import memo, paths
from antt.data import series
from antt.data.series import LoadedSeries
from antt.models import _common as common_module
from antt.models import its as its_module
from antt.models import notes as notes_module
from antt.models import power as power_module
from antt.models import sufficiency as sufficiency_module
from antt.models.counts import zero_count_upper_bounds
from antt.models.its import counterfactual, fit_its
from antt.models.power import Design, minimum_detectable_drop_table, power_table
from antt.models.sufficiency import InsufficientDataError, check_sufficiency, period_ranges
from antt.reporting import estimates
from antt.reporting.display import show, show_text
from antt.reporting.language import (
    LANGS,
    each_lang,
    format_decimal,
    format_level,
    format_number,
    format_percent,
    message,
    note_text,
    translator,
)
from antt.reporting.provenance import citation_lines, data_date, publication_date, series_citation_lines, year_span
from antt.text import key


def commune_figures(indicators: pd.DataFrame, commune: str) -> pd.DataFrame:
    """Every figure about ``commune`` (names compared by ``antt.text.key``: case, NFC/NFD and tone style do not
    matter)."""
    rows = indicators[(indicators["geo_level"] == "commune") & (indicators["geo_name"].map(key) == key(commune))]
    return rows.reset_index(drop=True)


def load_series(
    path: str | Path, commune: str, outcome: str, sources: pd.DataFrame | None = None
) -> LoadedSeries | None:
    """The commune's counts of ``outcome`` from a series file (``antt.data.series.load_series``: place names
    as people type them, every cell checked, sources registered), or None when the file holds no counts
    of ``outcome`` at all: a file about one outcome leaves the other parameter sets on the article's
    figures (the report says so). A file with counts of ``outcome`` but none for the commune is an
    error listing the places it has."""
    if outcome not in series.indicators_in(path):
        return None
    return series.load_series(path, commune, outcome, sources=sources)


def series_from_indicators(figures: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Counts of ``outcome`` the article states for a single calendar year (a figure whose period
    spans several years, or is open, is not a yearly count)."""
    rows = figures[
        (figures["indicator"] == outcome)
        & (figures["period_start"] == figures["period_end"])
        & figures["value"].notna()
        & (figures["qualifier"].isin(["exact", "stated_absence"]))
    ]
    return pd.DataFrame({"year": rows["period_start"].astype(int), "count": rows["value"].astype(int)}).reset_index(
        drop=True
    )


def stated_zero_bounds(
    figures: pd.DataFrame, outcome: str, followup_years: list[int], alpha: float
) -> tuple[pd.Series | None, pd.DataFrame]:
    """The figure stating a zero for ``outcome`` (or None) and the exact one-sided Poisson upper
    bounds on the yearly rate after 0 events in T years, for each assumed T (empty without a zero)."""
    rows = figures[(figures["indicator"] == outcome) & (figures["kind"] == "stated_zero")]
    if rows.empty:
        return None, pd.DataFrame()
    return rows.iloc[0], zero_count_upper_bounds(followup_years, alpha=alpha)


def unknown_starts(interventions: dict[str, int | None]) -> list[str]:
    return [name for name, year in interventions.items() if year is None]


@dataclass(frozen=True)
class InterventionAnalysis:
    """What the data can say about the effect: the sufficiency check, and the fit only where the data identify it.

    ``status``: "refuse" (nothing fitted), "warn" (fitted on few points) or "ok"; ``verdict``: the
    ``antt.models.sufficiency.SufficiencyVerdict`` (None when an intervention has no start year);
    ``result``: the ``antt.models.its.ITSResult`` and ``predictions`` its ``counterfactual`` (both None when
    refused); ``unknown_starts``: interventions without a start year.
    """

    status: str
    verdict: Any = None
    result: Any = None
    predictions: pd.DataFrame | None = None
    unknown_starts: tuple[str, ...] = ()

    @property
    def fitted(self) -> bool:
        return self.result is not None

    def warning(self, lang: str) -> str:
        """In ``lang``: the warning that the fit rests on few points (status "warn"), else ""."""
        if self.status != "warn":
            return ""
        present = period_ranges(list(self.verdict.years_present), False)
        return message("note_sufficiency_warn", lang, warn_below=self.verdict.warn_below, present=present)


def analyse(
    series: pd.DataFrame, interventions: dict[str, int | None], outcome_label: str, alpha: float
) -> InterventionAnalysis:
    """Sufficiency verdict, and the fit only where the data can identify it (``InterventionAnalysis``)."""
    missing_starts = unknown_starts(interventions)
    if missing_starts:
        return InterventionAnalysis("refuse", unknown_starts=tuple(missing_starts))
    verdict = check_sufficiency(series["year"].tolist(), interventions, outcome=outcome_label)
    if verdict.status == "refuse":
        return InterventionAnalysis("refuse", verdict)
    try:
        result = fit_its(series, interventions, alpha=alpha, outcome=outcome_label)
    except InsufficientDataError as exc:  # e.g. a rank-deficient design the year counts did not reveal
        return InterventionAnalysis("refuse", exc.verdict)
    return InterventionAnalysis(verdict.status, verdict, result, counterfactual(result))


def refusal_text(analysis: InterventionAnalysis, outcome_label: str, lang: str) -> str:
    """Why nothing was fitted and what to collect, in ``lang`` (built from the verdict); "" when fitted."""
    if analysis.fitted:
        return ""
    return estimates.refusal_text(analysis.verdict, list(analysis.unknown_starts), outcome_label, lang)


def question(commune: str, interventions: dict[str, int | None], outcome: str, lang: str) -> str:
    """The report's question: did these interventions reduce the outcome in this commune?"""
    models = ", ".join(f"«{name}»" for name in interventions)
    return message("question_intervention", lang, models=models, outcome=outcome, commune=commune)


def refusals(analysis: InterventionAnalysis, outcome_label: dict[str, str]) -> dict[str, str]:
    """``refusal_text`` in every language (``outcome_label``: the outcome's words by language); {} when fitted."""
    return {} if analysis.fitted else {lg: refusal_text(analysis, outcome_label[lg], lg) for lg in LANGS}


@dataclass(frozen=True)
class PowerPlan:
    """What yearly data would answer the question, for the commune's real design (simulated data only).

    ``table``: ``antt.models.power.power_table`` for every period × baseline rate × drop (power and its
    Monte Carlo standard error); ``minimum_drops``: ``minimum_detectable_drop_table`` per period × rate;
    ``skipped``: periods that cannot hold the design, with the reason; ``reason``: why there is no plan at
    all (an intervention without a start year), else "".
    """

    table: pd.DataFrame
    minimum_drops: pd.DataFrame
    skipped: tuple[tuple[str, str], ...] = ()
    reason: str = ""
    target: str = ""
    target_power: float = 0.8


#: The code a power plan depends on (part of the key of its shared result): ``antt.models.power`` and the
#: ``antt`` modules it imports, at any depth (a test keeps the list complete).
MODEL_CODE = tuple(
    Path(module.__file__)
    for module in (power_module, its_module, sufficiency_module, common_module, notes_module, jsonable_module)
)

#: The code and words a shared figure depends on (part of the key of its shared result): this module and
#: ``antt.reporting.figures`` with the ``antt`` modules they import, at any depth (a test keeps the list
#: complete), and the catalogue of words.
FIGURE_CODE = tuple(
    Path(jsonable_module.__file__).parent / name
    for name in (
        "analyses/intervention.py",
        "data/clean.py",
        "data/codebook.py",
        "data/datapackage.py",
        "data/io.py",
        "data/schemas.py",
        "data/series.py",
        "errors.py",
        "jsonable.py",
        "memo.py",
        "models/_common.py",
        "models/counts.py",
        "models/its.py",
        "models/notes.py",
        "models/power.py",
        "models/sufficiency.py",
        "numerals.py",
        "paths.py",
        "reporting/display.py",
        "reporting/estimates.py",
        "reporting/figures.py",
        "reporting/language.py",
        "reporting/provenance.py",
        "text.py",
    )
) + (paths.CODEBOOK / "labels.csv",)


def power_plan(
    interventions: dict[str, int | None],
    periods: list[list[int]],
    baseline_rates: list[float],
    relative_drops: list[float],
    *,
    target: str = "",
    dispersion: float = 0.0,
    ar1_rho: float = 0.0,
    ar1_sd: float = 0.0,
    alpha: float = 0.05,
    n_sim: int = 2500,
    seed: int = 20221231,
    target_power: float = 0.8,
) -> PowerPlan:
    """Power and minimum detectable drop of the model ``fit_its`` will fit, for the commune's interventions and
    each candidate period ``[first_year, last_year]`` of yearly counts (simulated; see ``antt.models.power``).
    ``target`` names the intervention whose level change is tested (default: the first)."""
    empty = pd.DataFrame()
    missing = unknown_starts(interventions)
    if missing:
        return PowerPlan(empty, empty, reason="unknown_start")
    designs, skipped = [], []
    for first, last in periods:
        try:
            designs.append(Design(int(first), int(last), {k: int(v) for k, v in interventions.items()}))
        except ValueError as exc:
            skipped.append((f"{first}–{last}", str(exc)))
    if not designs:
        return PowerPlan(empty, empty, tuple(skipped), reason="no_period")
    chosen = target or next(iter(interventions))
    options = {
        "dispersion": dispersion,
        "ar1_rho": ar1_rho,
        "ar1_sd": ar1_sd,
        "alpha": alpha,
        "n_sim": n_sim,
        "seed": seed,
    }
    # The same design gives the same tables whatever the commune: computed once for a sweep (antt.memo).
    arguments = {
        "designs": [[d.first_year, d.last_year, d.interventions] for d in designs],
        "baseline_rates": baseline_rates,
        "relative_drops": relative_drops,
        "target": chosen,
        "target_power": target_power,
        **options,
    }
    table, minimum = memo.shared(
        "intervention.power_plan",
        arguments,
        MODEL_CODE,
        lambda: (
            power_table(designs, baseline_rates, relative_drops, chosen, **options),
            minimum_detectable_drop_table(designs, baseline_rates, target_power, chosen, **options),
        ),
    )
    return PowerPlan(table, minimum, tuple(skipped), target=chosen, target_power=target_power)


# ---------------------------------------------------------------- tables
def interventions_table(interventions: dict, lang: str) -> pd.DataFrame:
    """The interventions and their start years ('not stated' when unknown)."""
    t = translator(lang)
    return pd.DataFrame(
        {
            t("intervention_name"): list(interventions),
            t("start_year"): [t("not_stated") if y is None else str(y) for y in interventions.values()],
        }
    )


def zero_bound_table(bounds: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Upper bounds on the yearly rate after a stated zero, by assumed follow-up."""
    t = translator(lang)
    level = format_level(float(bounds["alpha"].iloc[0]), lang)
    return pd.DataFrame(
        {
            t("followup"): [format_number(x, lang) for x in bounds["followup_years"]],
            message("upper_bound_column", lang, label=t("upper_bound"), level=level): [
                format_number(round(x, 2), lang) for x in bounds["upper_rate_per_year"]
            ],
        }
    )


def show_zero_bounds(bounds: pd.DataFrame, lang: str):
    """The bounds table, or a sentence saying that the article states no zero for this outcome."""
    if bounds.empty:
        return show_text(lambda lg: message("its_no_stated_zero", lg), lang)
    return show(lambda lg: zero_bound_table(bounds, lg), lang)


def _period_label(first, last, slopes, lang: str) -> str:
    return f"{first}–{last} ({message('slopes_fitted' if slopes else 'level_only', lang)})"


def _power_cell(power: float, mc_se: float, lang: str) -> str:
    return f"{format_decimal(power, lang, 3)} ± {format_decimal(mc_se, lang, 3)}"


def power_plan_table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Simulated power by period × baseline rate (rows) and drop (columns), each cell 'power ± MC SE'."""
    t = translator(lang)
    rows = []
    for (first, last, slopes, rate), group in table.groupby(
        ["first_year", "last_year", "slope_change", "baseline_rate"], sort=False
    ):
        row = {
            t("power_period"): _period_label(first, last, slopes, lang),
            t("baseline_rate"): format_number(rate, lang),
        }
        for cell in group.itertuples():
            row[format_percent(cell.relative_drop, lang, 0)] = _power_cell(cell.power, cell.mc_se, lang)
        rows.append(row)
    return pd.DataFrame(rows)


def minimum_drop_text(row, lang: str) -> str:
    """'75% (0.998 ± 0.001)' or 'not reached even by a 100% drop (power 0.098 ± 0.006)' for one
    ``minimum_detectable_drop_table`` row."""
    if pd.isna(row.relative_drop):
        return message(
            "not_reachable", lang, power=format_decimal(row.power, lang, 3), mc_se=format_decimal(row.mc_se, lang, 3)
        )
    return f"{format_percent(row.relative_drop, lang, 0)} ({_power_cell(row.power, row.mc_se, lang)})"


def minimum_drop_table(minimum: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The smallest drop detected with the target power, by period and baseline rate (simulated)."""
    t = translator(lang)
    target = format_percent(float(minimum["target_power"].iloc[0]), lang, 0)
    return pd.DataFrame(
        {
            t("power_period"): [
                _period_label(a, b, s, lang)
                for a, b, s in zip(minimum["first_year"], minimum["last_year"], minimum["slope_change"])
            ],
            t("baseline_rate"): [format_number(x, lang) for x in minimum["baseline_rate"]],
            message("minimum_drop", lang, power=target): [minimum_drop_text(r, lang) for r in minimum.itertuples()],
        }
    )


def show_power_plan(plan: PowerPlan, lang: str):
    """The power and minimum-drop tables of a ``PowerPlan``, or why there are none."""
    from IPython.display import display

    if plan.reason:
        return show_text(lambda lg: message(f"power_{plan.reason}", lg), lang)
    for period, why in plan.skipped:
        display(show_text(f"{period}: {why}", lang))
    display(show(lambda lg: power_plan_table(plan.table, lg), lang))
    return show(lambda lg: minimum_drop_table(plan.minimum_drops, lg), lang)


def show_fit(analysis: InterventionAnalysis, lang: str) -> None:
    """The rate ratios of every model and the notes of the fit (nothing when refused)."""
    from IPython.display import display

    from antt.reporting.display import show_notes

    if analysis.fitted:
        display(show(lambda lg: estimates.rate_ratio_table(analysis.result.rate_ratios, lg), lang))
        display(show_notes(analysis.result.note_keys, lang))


# ---------------------------------------------------------------- figures
def _value_text(row, label: str, unit: str, lang: str) -> str:
    """A figure's value as the timeline writes it: '27 người', the article's words of a percent, the article's
    words of a stated zero glossed in ``lang``; undated figures are prefixed with their label."""
    if row.kind == "stated_zero":
        value = message("fig_stated_zero", lang, quote=row.raw_text)
    else:
        value = row.raw_text if row.kind == "percent" else f"{format_number(row.value, lang)} {unit}"
    dated = not (pd.isna(row.period_start) or pd.isna(row.period_end)) and row.period_start == row.period_end
    return value if dated else f"{label}: {value}"


def its_plot(
    analysis: InterventionAnalysis,
    interventions: dict[str, int],
    title: str,
    source: str,
    lang: str,
    ylabel: str | None = None,
):
    """Observed counts, fitted line and counterfactual with their intervals (a fitted analysis only)."""
    return estimates.its_plot(analysis.result, analysis.predictions, interventions, title, source, lang, ylabel=ylabel)


def _timeline_points(figures_table: pd.DataFrame, codebook: pd.DataFrame, lang: str) -> pd.DataFrame:
    labels = dict(zip(codebook["indicator"], codebook[f"label_{lang}"]))
    units = dict(zip(codebook["indicator"], codebook[f"unit_{lang}"]))
    return pd.DataFrame(
        {
            "label": [labels[i] for i in figures_table["indicator"]],
            "year": [
                None if pd.isna(s) or pd.isna(e) or s != e else int(s)
                for s, e in zip(figures_table["period_start"], figures_table["period_end"])
            ],
            "value_text": [
                _value_text(r, labels[r.indicator], units[r.indicator], lang) for r in figures_table.itertuples()
            ],
        }
    )


def _power_figure(plan: PowerPlan, interventions: dict[str, int | None], lang: str):
    from antt.reporting import figures

    table = plan.table.assign(period=[f"{a}–{b}" for a, b in zip(plan.table["first_year"], plan.table["last_year"])])
    caption = message(
        "power_caption",
        lang,
        target=plan.target,
        starts=", ".join(f"{year}" for year in interventions.values()),
        n_sim=format_number(int(table["n_sim"].iloc[0]), lang),
        mc_se=format_decimal(float(table["mc_se"].max()), lang, 3),
    )
    return figures.power_heatmap(table, message("fig_power_title", lang), caption, lang, panel="period")


def make_figures(
    figures_table: pd.DataFrame,
    interventions: dict[str, int | None],
    analysis: InterventionAnalysis,
    plan: PowerPlan,
    codebook: pd.DataFrame,
    source: str,
    lang: str,
    out_dir,
    prefix: str,
    outcome_label: str | None = None,
) -> dict[str, dict]:
    """Timeline, interrupted time series (only when fitted; its axis names ``outcome_label``, the outcome's words
    in ``lang``) and power heatmap (simulated; only with a plan), exported."""
    from antt.reporting import figures

    events = pd.DataFrame({"label": list(interventions), "year": list(interventions.values())})
    events = events[events["year"].notna()]
    points = _timeline_points(figures_table, codebook, lang)
    drawn = {}
    if len(events) or points["year"].notna().any():  # nothing dated: no timeline to draw
        title, caption = message("fig_timeline_title", lang), f"{source}."
        # Depends on the interventions and the article's figures about the commune, not on its series: communes
        # of a sweep that adopted the same models in the same years share one drawing (antt.memo).
        drawn["timeline"] = _shared_drawing(
            "intervention.timeline_figure",
            {
                "events": events.to_csv(index=False),
                "points": points.to_csv(index=False),
                "title": title,
                "caption": caption,
                "lang": lang,
            },
            lambda: figures.timeline_figure(events, points, title, caption, lang),
        )
    if analysis.fitted:
        ylabel = outcome_label[:1].upper() + outcome_label[1:] if outcome_label else None
        its = its_plot(analysis, interventions, message("fig_its_title", lang), source, lang, ylabel)
        drawn["its"] = figures.render(its)
    if not plan.table.empty:
        # Depends on the design only, not on the commune: drawn once for a sweep (antt.memo).
        drawn["power"] = _shared_drawing(
            "intervention.power_figure",
            {
                "table": plan.table.to_csv(index=False, float_format="%.17g"),
                "target": plan.target,
                "interventions": interventions,
                "lang": lang,
            },
            lambda: _power_figure(plan, interventions, lang),
        )
    return {name: figures.write(data, figures.stem(prefix, name, lang), out_dir) for name, data in drawn.items()}


def _shared_drawing(name: str, arguments: dict, draw) -> dict:
    """``figures.render(draw())``, drawn once for every job that asks with the same ``arguments`` (``antt.memo``;
    the key also covers ``FIGURE_CODE`` and the versions of the plotting libraries)."""
    from antt.reporting import figures

    return memo.shared(
        name,
        arguments,
        FIGURE_CODE,
        lambda: figures.render(draw()),
        libraries=memo.LIBRARIES + ("matplotlib", "seaborn", "Babel"),
    )


# ---------------------------------------------------------------- findings
def effect_lines(analysis: InterventionAnalysis, refusal: dict[str, str], lang: str) -> list[str]:
    """One sentence per intervention and term of the headline model (``antt.reporting.estimates``), or the
    refusal."""
    if not analysis.fitted:
        return [refusal[lang]]
    result = analysis.result
    order = list(result.interventions)  # interventions in start order, each level change before its slope change
    rows = sorted(
        result.headline.to_dict(orient="records"),
        key=lambda r: (order.index(r["intervention"]), r["kind"] != "level"),
    )
    return [estimates.sentence(row, lang, result.alpha) for row in rows]


def zero_lines(zero: Any, bounds: pd.DataFrame, lang: str) -> list[str]:
    """What a stated zero does and does not mean: the bounds at the shortest and longest follow-up."""
    if zero is None or bounds.empty:
        return []
    first, last = bounds.iloc[0], bounds.iloc[-1]
    return [
        message(
            "its_zero_bound",
            lang,
            raw_text=zero.raw_text,
            first_years=format_decimal(first.followup_years, lang, 0),
            first_rate=format_decimal(first.upper_rate_per_year, lang),
            last_years=format_decimal(last.followup_years, lang, 0),
            last_rate=format_decimal(last.upper_rate_per_year, lang),
            level=format_level(float(first.alpha), lang),
        )
    ]


def power_lines(plan: PowerPlan, lang: str) -> list[str]:
    """One sentence per candidate period: the smallest drop detectable with the target power (simulated)."""
    if plan.reason:
        return [message(f"power_{plan.reason}", lang)]
    lines = []
    for (first, last, slopes), group in plan.minimum_drops.groupby(
        ["first_year", "last_year", "slope_change"], sort=False
    ):
        parts = "; ".join(
            f"{format_number(r.baseline_rate, lang)} → {minimum_drop_text(r, lang)}" for r in group.itertuples()
        )
        lines.append(
            message(
                "power_finding",
                lang,
                n_sim=format_number(int(group["n_sim"].iloc[0]), lang),
                period=f"{first}–{last}",
                model=message("slopes_fitted" if slopes else "level_only", lang),
                target=plan.target,
                power=format_percent(plan.target_power, lang, 0),
                parts=parts,
            )
        )
    return lines


def plain_zero(bounds: pd.DataFrame, lang: str) -> list[str]:
    """``zero_lines`` in plain words: the rate a year without a case still allows."""
    if bounds.empty:
        return []
    return [message("plain_zero", lang, rate=format_decimal(bounds.iloc[0].upper_rate_per_year, lang))]


def plain_power(plan: PowerPlan, lang: str) -> list[str]:
    """``power_lines`` in plain words: per period, the fewest cases a year from which an effect can be shown."""
    if plan.reason:
        return [""]  # the reason is already plain
    lines = []
    for (first, last, _), group in plan.minimum_drops.groupby(["first_year", "last_year", "slope_change"], sort=False):
        reached = group[group["relative_drop"].notna()].sort_values("baseline_rate")
        if reached.empty:
            rate = format_number(group["baseline_rate"].max(), lang)
            lines.append(message("plain_power_none", lang, period=f"{first}–{last}", rate=rate))
            continue
        row = reached.iloc[0]
        lines.append(
            message(
                "plain_power_some",
                lang,
                period=f"{first}–{last}",
                rate=format_number(row.baseline_rate, lang),
                drop=format_percent(row.relative_drop, lang, 0),
            )
        )
    return lines


def basis_text(
    commune: str,
    analysis: InterventionAnalysis,
    figures_table: pd.DataFrame,
    loaded: LoadedSeries | None,
    series_file: str,
    lang: str,
) -> str:
    """What the estimates rest on: the researcher's series, a supplied series, the article's few figures, or
    nothing; first, a series file that was given but has no counts of this outcome."""
    if loaded is not None:
        text = message(
            "its_basis_series",
            lang,
            file=loaded.path.name,
            n_points=format_number(len(loaded.frame), lang),
            period=series.period_text(loaded),
            place=loaded.place,
            sources=", ".join(loaded.source_ids),
        )
    elif analysis.fitted:
        text = message("its_basis_fitted", lang, n_points=format_number(analysis.result.n_points, lang))
    elif len(figures_table):
        span = year_span(figures_table) or message("its_years_not_stated", lang)
        text = message(
            "its_basis_figures", lang, n_fig=format_number(len(figures_table), lang), commune=commune, span=span
        )
    else:
        text = message("its_basis_none", lang, commune=commune)
    return message("its_series_file_unused", lang, file=series_file, basis=text) if series_file else text


def limitation_lines(basis: str, loaded: LoadedSeries | None, plan: PowerPlan, lang: str) -> list[str]:
    """The basis, that the article's figures are second-hand (without a series), that simulated data only
    serve the power, and why power jumps at a 100% drop (with a power table)."""
    return (
        [basis]
        + ([] if loaded is not None else [message("its_limit_article", lang)])
        + [message("its_limit_simulated", lang)]
        + ([message("power_boundary_jump", lang)] if not plan.table.empty else [])
    )


def citations(figures_table: pd.DataFrame, sources: pd.DataFrame, loaded: LoadedSeries | None, lang: str) -> list[str]:
    """The article(s) the commune's figures come from, then the sources of the researcher's series."""
    article = sources[sources["source_id"].isin(set(figures_table["source_id"]))]
    return citation_lines(article, lang) + (series_citation_lines(loaded, lang) if loaded is not None else [])


def data_date_text(sources: pd.DataFrame, figures_table: pd.DataFrame, loaded: LoadedSeries | None, lang: str) -> str:
    """The publication dates of the series' sources, else of the article (when it gives figures of the commune),
    else the words for "no figure"."""
    if loaded is not None:
        return ", ".join(publication_date(d, lang) for d in series.used_sources(loaded)["publication_date"])
    return data_date(sources, figures_table, lang) if len(figures_table) else message("data_no_figures", lang)


def period_text(figures_table: pd.DataFrame, loaded: LoadedSeries | None, lang: str) -> str:
    """The years the data cover ('2015–2024'), or the words for "no figure" when the commune has none."""
    if loaded is not None:
        return series.period_text(loaded)
    return year_span(figures_table) or message("data_no_figures", lang)


def _fit_dict(result) -> dict[str, Any]:
    """The fit as written to the results file, with its notes in English words beside their keys."""
    return {**result.to_dict(), "notes": [note_text(n, "en") for n in result.note_keys]}


def _power_dict(plan: PowerPlan) -> dict[str, Any]:
    return {
        "target": plan.target,
        "reason": plan.reason,
        "skipped": [list(x) for x in plan.skipped],
        "table": plan.table.to_dict(orient="records"),
        "minimum_detectable_drops": plan.minimum_drops.to_dict(orient="records"),
    }


def _series_dict(loaded: LoadedSeries | None) -> dict[str, Any] | None:
    if loaded is None:
        return None
    return {
        "file": loaded.path.name,
        "place": loaded.place,
        "indicator": loaded.indicator,
        "source_ids": list(loaded.source_ids),
        "period": series.period_text(loaded),
        "rows": len(loaded.frame),
    }


def findings(
    commune: str,
    analysis: InterventionAnalysis,
    refusal: dict[str, str],
    zero: Any,
    bounds: pd.DataFrame,
    plan: PowerPlan,
    figures_table: pd.DataFrame,
    sources: pd.DataFrame,
    interventions: dict[str, int | None],
    thumbnail: dict[str, str],
    outcome_label: dict[str, str],
    loaded: LoadedSeries | None = None,
    series_file: str = "",
) -> dict[str, Any]:
    """Key numbers of the intervention analysis and what it can and cannot say (vi, en), as written to the
    results file. ``outcome_label``: the outcome's words by language (for the report's question).

    ``loaded`` is the researcher's series when one was used (``load_series``): the report then states its
    real period and cites its sources; ``series_file`` names a series file that was given but holds no
    counts of this outcome (the article's figures are used, and the report says so).
    """
    used_ids = sorted(set(figures_table["source_id"]) | set(loaded.source_ids if loaded is not None else ()))

    def headline_and_plain(lang: str) -> tuple[list[str], list[str]]:
        """The key findings and, one for one, their plain words ("" where a finding is plain already)."""
        effect, stated_zero = effect_lines(analysis, refusal, lang), zero_lines(zero, bounds, lang)
        plain = [""] * len(effect) + (plain_zero(bounds, lang) if stated_zero else []) + plain_power(plan, lang)
        return effect + stated_zero + power_lines(plan, lang), plain

    def limitations(lang: str) -> list[str]:
        basis = basis_text(commune, analysis, figures_table, loaded, series_file, lang)
        return limitation_lines(basis, loaded, plan, lang)

    said = each_lang(headline_and_plain)
    return {
        "commune": commune,
        "interventions": interventions,
        "status": analysis.status,
        "verdict": None if analysis.verdict is None else analysis.verdict.to_dict(),
        "unknown_starts": list(analysis.unknown_starts),
        "fit": _fit_dict(analysis.result) if analysis.fitted else None,
        "p_value_reported": analysis.fitted,
        "zero_count_bounds": bounds.to_dict(orient="records"),
        # The page leaves out the notebook's cells tagged section-<name> for these (nothing to show there).
        "sections_absent": [] if len(bounds) else ["stated-zero"],
        "power": _power_dict(plan),
        "data_period": each_lang(lambda lang: period_text(figures_table, loaded, lang)),
        "data_date": each_lang(lambda lang: data_date_text(sources, figures_table, loaded, lang)),
        "sources": used_ids,
        "citations": each_lang(lambda lang: citations(figures_table, sources, loaded, lang)),
        "series": _series_dict(loaded),
        "question": each_lang(lambda lang: question(commune, interventions, outcome_label[lang], lang)),
        "headline": {lang: lines for lang, (lines, _) in said.items()},
        "plain": {lang: plain for lang, (_, plain) in said.items()},
        "limitations": each_lang(limitations),
        "thumbnail": thumbnail,
    }
