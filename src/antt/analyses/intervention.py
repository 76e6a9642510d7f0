"""One commune, one outcome, one or more interventions: what the data can say about the effect.

Glue between the processed data (and an optional series file) and ``antt.models``: it assembles the
yearly counts, asks the sufficiency check before anything is fitted, bounds a stated zero, and
turns "we cannot tell" into "collect N years" with the power simulation. Never fits, and never
reports a p-value from, a model the data cannot identify.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from antt.data import series
from antt.data.series import LoadedSeries
from antt.models.counts import zero_count_upper_bounds
from antt.models.its import counterfactual, fit_its
from antt.models.power import Design, minimum_detectable_drop_table, power_table
from antt.models.sufficiency import InsufficientDataError, check_sufficiency
from antt.text import key


def commune_figures(indicators: pd.DataFrame, commune: str) -> pd.DataFrame:
    """Every figure about ``commune`` (names compared by ``antt.text.key``: case, NFC/NFD and tone style do not matter)."""
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


def analyse(
    series: pd.DataFrame, interventions: dict[str, int | None], outcome_label: str, alpha: float
) -> dict[str, Any]:
    """Sufficiency verdict, and the fit only where the data can identify it.

    Returns ``{"status": "refuse"|"warn"|"ok", "verdict": SufficiencyVerdict | None, "result": ITSResult | None,
    "predictions": DataFrame | None, "unknown_starts": [...]}``.
    """
    missing_starts = unknown_starts(interventions)
    if missing_starts:
        return {
            "status": "refuse",
            "verdict": None,
            "result": None,
            "predictions": None,
            "unknown_starts": missing_starts,
        }
    verdict = check_sufficiency(series["year"].tolist(), interventions, outcome=outcome_label)
    if verdict.status == "refuse":
        return {"status": "refuse", "verdict": verdict, "result": None, "predictions": None, "unknown_starts": []}
    try:
        result = fit_its(series, interventions, alpha=alpha, outcome=outcome_label)
    except InsufficientDataError as exc:  # e.g. a rank-deficient design the year counts did not reveal
        return {"status": "refuse", "verdict": exc.verdict, "result": None, "predictions": None, "unknown_starts": []}
    return {
        "status": verdict.status,
        "verdict": verdict,
        "result": result,
        "predictions": counterfactual(result),
        "unknown_starts": [],
    }


def refusal_text(analysis: dict[str, Any], outcome_label: str, lang: str) -> str:
    """Why nothing was fitted and what to collect, in Vietnamese or English (built from the verdict)."""
    if analysis["unknown_starts"]:
        names = ", ".join(f"«{n}»" for n in analysis["unknown_starts"])
        return (
            f"Không ước lượng: bài báo không nêu năm bắt đầu của {names}. Cần năm triển khai và số đếm theo năm trước và sau năm đó."
            if lang == "vi"
            else f"Not estimated: the article does not state when {names} started. Its start year, and yearly counts before and after it, are needed."
        )
    verdict = analysis["verdict"]
    if lang == "en":
        return verdict.message
    present = ", ".join(str(y) for y in verdict.years_present) or "không có"
    parts = [
        f"Không ước lượng: chuỗi thời gian ngắt quãng cần ít nhất {verdict.min_points} điểm (năm) ở mỗi phía của mỗi "
        f"can thiệp; dữ liệu không đủ để xác định mô hình nên không có mô hình nào được khớp và không có giá trị p nào. "
        f"Các năm có số liệu: {present}."
    ]
    for s in verdict.interventions:
        need = []
        if s.missing_before:
            need.append(f"trước: {s.missing_before[0]}–{s.missing_before[-1]}")
        if s.missing_after:
            need.append(f"sau: {s.missing_after[0]}–{s.missing_after[-1]}")
        parts.append(
            f"«{s.name}» (từ {s.start}): {s.points_before} điểm trước, {s.points_after} điểm sau"
            + (f"; còn thiếu {', '.join(need)}." if need else ".")
        )
    if verdict.missing:
        parts.append(
            f"Cần thu thập số {outcome_label} theo từng năm, ít nhất cho các năm {verdict.missing[0]}–{verdict.missing[-1]}, rồi chạy lại."
        )
    return " ".join(parts)


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
    table = power_table(designs, baseline_rates, relative_drops, chosen, **options)
    minimum = minimum_detectable_drop_table(designs, baseline_rates, target_power, chosen, **options)
    return PowerPlan(table, minimum, tuple(skipped), target=chosen, target_power=target_power)


def _value_text(row, label: str, lang: str) -> str:
    from antt.reporting.tables import format_number

    value = row.raw_text if row.kind in ("stated_zero", "percent") else f"{format_number(row.value, lang)} {row.unit}"
    dated = not (pd.isna(row.period_start) or pd.isna(row.period_end)) and row.period_start == row.period_end
    return value if dated or row.kind == "stated_zero" else f"{label}: {value}"


def its_plot(analysis: dict[str, Any], interventions: dict[str, int], title: str, source: str, lang: str):
    """Observed counts, fitted line and counterfactual with their intervals (a fitted analysis only)."""
    from antt.reporting import estimates, figures
    from antt.reporting.tables import translator

    pred, result = analysis["predictions"], analysis["result"]
    calendar = pred["year"] + (pred["month"] - 1) / 12 if "month" in pred else pred["year"]

    def band(column: str) -> pd.DataFrame:
        return pd.DataFrame(
            {"time": calendar, "mean": pred[column], "lower": pred[f"{column}_lower"], "upper": pred[f"{column}_upper"]}
        )

    level = f"{100 * (1 - result.alpha):.0f}%"
    method = (
        f"GLM Poisson phân đoạn ({result.family}, phân phối {result.reference_distribution}), khoảng {level}"
        if lang == "vi"
        else f"segmented Poisson GLM ({result.family}, {result.reference_distribution} reference), {level} intervals"
    )
    levels = [estimates.short(row, lang) for row in result.headline.to_dict(orient="records") if row["kind"] == "level"]
    caption = f"{source}. {method}. {translator(lang)('rate_ratio')} ({level}): " + "; ".join(levels) + "."
    return figures.its_figure(
        pd.DataFrame({"time": calendar, "count": pred["count"]}),
        band("fitted"),
        band("counterfactual"),
        {n: float(y) for n, y in interventions.items()},
        title,
        caption,
        lang,
    )


def make_figures(
    figures_table: pd.DataFrame,
    interventions: dict[str, int | None],
    analysis: dict[str, Any],
    plan: PowerPlan,
    codebook: pd.DataFrame,
    source: str,
    lang: str,
    out_dir,
    prefix: str,
) -> dict[str, dict]:
    """Timeline, interrupted time series (only when fitted) and power heatmap (simulated; only with a plan), exported."""
    from antt.reporting import figures
    from antt.reporting.tables import format_decimal, format_number, translator

    t = translator(lang)
    labels = dict(zip(codebook["indicator"], codebook[f"label_{lang}"]))
    events = pd.DataFrame({"label": list(interventions), "year": list(interventions.values())})
    events = events[events["year"].notna()]
    points = pd.DataFrame(
        {
            "label": [labels[i] for i in figures_table["indicator"]],
            "year": [
                None if pd.isna(s) or pd.isna(e) or s != e else int(s)
                for s, e in zip(figures_table["period_start"], figures_table["period_end"])
            ],
            "value_text": [_value_text(r, labels[r.indicator], lang) for r in figures_table.itertuples()],
        }
    )
    out = {}
    if len(events) or points["year"].notna().any():  # nothing dated: no timeline to draw
        out["timeline"] = figures.timeline_figure(events, points, t("fig_timeline_title"), f"{source}.", lang)
    if analysis["result"] is not None:
        out["its"] = its_plot(analysis, interventions, t("fig_its_title"), source, lang)
    if not plan.table.empty:
        table = plan.table.assign(
            period=[f"{a}–{b}" for a, b in zip(plan.table["first_year"], plan.table["last_year"])]
        )
        starts = ", ".join(f"{year}" for year in interventions.values())
        caption = t("power_caption").format(
            target=plan.target,
            starts=starts,
            n_sim=format_number(int(table["n_sim"].iloc[0]), lang),
            mc_se=format_decimal(float(table["mc_se"].max()), lang, 3),
        )
        out["power"] = figures.power_heatmap(table, t("fig_power_title"), caption, lang, panel="period")
    return {name: figures.export(fig, f"{prefix}_{name}", out_dir) for name, fig in out.items()}
