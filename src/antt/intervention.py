"""One commune, one outcome, one or more interventions: what the data can say about the effect.

Glue between the processed data (and an optional series file) and ``antt.models``: it assembles the
yearly counts, asks the sufficiency check before anything is fitted, bounds a stated zero, and
turns "we cannot tell" into "collect N years" with the power simulation. Never fits, and never
reports a p-value from, a model the data cannot identify.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from antt import schemas
from antt.io import read_csv_text, validate
from antt.models.counts import zero_count_upper_bounds
from antt.models.its import InsufficientDataError, check_sufficiency, counterfactual, fit_its
from antt.models.power import simulate_power
from antt.text import key


def commune_figures(indicators: pd.DataFrame, commune: str) -> pd.DataFrame:
    """Every figure about ``commune`` (names compared by ``antt.text.key``: case, NFC/NFD and tone style do not matter)."""
    rows = indicators[(indicators["geo_level"] == "commune") & (indicators["geo_name"].map(key) == key(commune))]
    return rows.reset_index(drop=True)


def load_series(path: str | Path, commune: str, outcome: str) -> pd.DataFrame:
    """Yearly (or monthly) counts from a series CSV (columns: data/codebook/columns.csv, table
    ``series``), restricted to the commune and outcome; validated with clear errors."""
    path = Path(path)
    table = read_csv_text(path, ["source_id", "place", "indicator", "year", "count"], optional=("month", "population"))
    table = table.replace("", None)
    table = validate(table, schemas.SERIES, path)
    chosen = table[(table["place"].map(key).str.contains(key(commune), regex=False)) & (table["indicator"] == outcome)]
    return chosen.drop(columns=["source_id", "place", "indicator"]).reset_index(drop=True)


def series_from_indicators(figures: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Counts of ``outcome`` the article states for a single calendar year (a figure whose period
    spans several years, or is open, is not a yearly count)."""
    rows = figures[(figures["indicator"] == outcome) & (figures["period_start"] == figures["period_end"])
                   & figures["value"].notna() & (figures["qualifier"].isin(["exact", "stated_absence"]))]
    return pd.DataFrame({"year": rows["period_start"].astype(int), "count": rows["value"].astype(int)}).reset_index(drop=True)


def stated_zero_bounds(figures: pd.DataFrame, outcome: str, followup_years: list[int],
                       alpha: float) -> tuple[pd.Series | None, pd.DataFrame]:
    """The figure stating a zero for ``outcome`` (or None) and the exact one-sided Poisson upper
    bounds on the yearly rate after 0 events in T years, for each assumed T (empty without a zero)."""
    rows = figures[(figures["indicator"] == outcome) & (figures["kind"] == "stated_zero")]
    if rows.empty:
        return None, pd.DataFrame()
    return rows.iloc[0], zero_count_upper_bounds(followup_years, alpha=alpha)


def unknown_starts(interventions: dict[str, int | None]) -> list[str]:
    return [name for name, year in interventions.items() if year is None]


def analyse(series: pd.DataFrame, interventions: dict[str, int | None], outcome_label: str, alpha: float) -> dict[str, Any]:
    """Sufficiency verdict, and the fit only where the data can identify it.

    Returns ``{"status": "refuse"|"warn"|"ok", "verdict": SufficiencyVerdict | None, "result": ITSResult | None,
    "predictions": DataFrame | None, "unknown_starts": [...]}``.
    """
    missing_starts = unknown_starts(interventions)
    if missing_starts:
        return {"status": "refuse", "verdict": None, "result": None, "predictions": None, "unknown_starts": missing_starts}
    verdict = check_sufficiency(series["year"].tolist(), interventions, outcome=outcome_label)
    if verdict.status == "refuse":
        return {"status": "refuse", "verdict": verdict, "result": None, "predictions": None, "unknown_starts": []}
    try:
        result = fit_its(series, interventions, alpha=alpha, outcome=outcome_label)
    except InsufficientDataError as exc:  # e.g. a rank-deficient design the year counts did not reveal
        return {"status": "refuse", "verdict": exc.verdict, "result": None, "predictions": None, "unknown_starts": []}
    return {"status": verdict.status, "verdict": verdict, "result": result, "predictions": counterfactual(result),
            "unknown_starts": []}


def refusal_text(analysis: dict[str, Any], outcome_label: str, lang: str) -> str:
    """Why nothing was fitted and what to collect, in Vietnamese or English (built from the verdict)."""
    if analysis["unknown_starts"]:
        names = ", ".join(f"«{n}»" for n in analysis["unknown_starts"])
        return (f"Không ước lượng: bài báo không nêu năm bắt đầu của {names}. Cần năm triển khai và số đếm theo năm trước và sau năm đó."
                if lang == "vi" else
                f"Not estimated: the article does not state when {names} started. Its start year, and yearly counts before and after it, are needed.")
    verdict = analysis["verdict"]
    if lang == "en":
        return verdict.message
    present = ", ".join(str(y) for y in verdict.years_present) or "không có"
    parts = [f"Không ước lượng: chuỗi thời gian ngắt quãng cần ít nhất {verdict.min_points} điểm (năm) ở mỗi phía của mỗi "
             f"can thiệp; dữ liệu không đủ để xác định mô hình nên không có mô hình nào được khớp và không có giá trị p nào. "
             f"Các năm có số liệu: {present}."]
    for s in verdict.interventions:
        need = []
        if s.missing_before:
            need.append(f"trước: {s.missing_before[0]}–{s.missing_before[-1]}")
        if s.missing_after:
            need.append(f"sau: {s.missing_after[0]}–{s.missing_after[-1]}")
        parts.append(f"«{s.name}» (từ {s.start}): {s.points_before} điểm trước, {s.points_after} điểm sau"
                     + (f"; còn thiếu {', '.join(need)}." if need else "."))
    if verdict.missing:
        parts.append(f"Cần thu thập số {outcome_label} theo từng năm, ít nhất cho các năm {verdict.missing[0]}–{verdict.missing[-1]}, rồi chạy lại.")
    return " ".join(parts)


def power(baseline_rates: list[float], relative_drops: list[float], years_each_side: list[int], alpha: float,
          n_sim: int, seed: int) -> pd.DataFrame:
    """Power of the level-change model by simulation (simulated data only)."""
    return simulate_power(baseline_rates, relative_drops, years_each_side, alpha=alpha, n_sim=n_sim, seed=seed)


def years_needed(power_table: pd.DataFrame, target: float = 0.8) -> pd.DataFrame:
    """For each baseline rate and drop: the fewest years on each side that reach ``target`` power
    (None when no simulated length does)."""
    rows = []
    for (rate, drop), group in power_table.groupby(["baseline_rate", "relative_drop"], sort=True):
        enough = group[group["power"] >= target].sort_values("years_before")
        rows.append({"baseline_rate": rate, "relative_drop": drop,
                     "years_each_side": None if enough.empty else int(enough["years_before"].iloc[0])})
    table = pd.DataFrame(rows)
    table.attrs["max_years"] = int(power_table["years_before"].max())
    return table


def _value_text(row, label: str, lang: str) -> str:
    from antt.tables import format_number

    value = row.raw_text if row.kind in ("stated_zero", "percent") else f"{format_number(row.value, lang)} {row.unit}"
    dated = not (pd.isna(row.period_start) or pd.isna(row.period_end)) and row.period_start == row.period_end
    return value if dated or row.kind == "stated_zero" else f"{label}: {value}"


def its_plot(analysis: dict[str, Any], interventions: dict[str, int], title: str, source: str, lang: str):
    """Observed counts, fitted line and counterfactual with their intervals (a fitted analysis only)."""
    from antt import figures

    pred, result = analysis["predictions"], analysis["result"]
    calendar = pred["year"] + (pred["month"] - 1) / 12 if "month" in pred else pred["year"]

    def band(column: str) -> pd.DataFrame:
        return pd.DataFrame({"time": calendar, "mean": pred[column], "lower": pred[f"{column}_lower"],
                             "upper": pred[f"{column}_upper"]})

    level = f"{100 * (1 - result.alpha):.0f}%"
    method = (f"GLM Poisson phân đoạn ({result.family}, phân phối {result.reference_distribution}), khoảng {level}"
              if lang == "vi" else
              f"segmented Poisson GLM ({result.family}, {result.reference_distribution} reference), {level} intervals")
    return figures.its_figure(pd.DataFrame({"time": calendar, "count": pred["count"]}), band("fitted"), band("counterfactual"),
                              {n: float(y) for n, y in interventions.items()}, title, f"{source}. {method}.", lang)


def make_figures(figures_table: pd.DataFrame, interventions: dict[str, int | None], analysis: dict[str, Any],
                 power_table: pd.DataFrame, codebook: pd.DataFrame, source: str, lang: str, out_dir, prefix: str) -> dict[str, dict]:
    """Timeline, interrupted time series (only when fitted) and power heatmap (simulated), exported."""
    from antt import figures
    from antt.tables import translator

    t = translator(lang)
    labels = dict(zip(codebook["indicator"], codebook[f"label_{lang}"]))
    events = pd.DataFrame({"label": list(interventions), "year": list(interventions.values())})
    events = events[events["year"].notna()]
    points = pd.DataFrame({
        "label": [labels[i] for i in figures_table["indicator"]],
        "year": [None if pd.isna(s) or pd.isna(e) or s != e else int(s) for s, e in zip(figures_table["period_start"], figures_table["period_end"])],
        "value_text": [_value_text(r, labels[r.indicator], lang) for r in figures_table.itertuples()],
    })
    out = {}
    if len(events) or points["year"].notna().any():  # nothing dated: no timeline to draw
        out["timeline"] = figures.timeline_figure(events, points, t("fig_timeline_title"), f"{source}.", lang)
    if analysis["result"] is not None:
        out["its"] = its_plot(analysis, interventions, t("fig_its_title"), source, lang)
    power = power_table.rename(columns={"years_before": "years_each_side"})
    n_sim = int(power["n_sim"].iloc[0])
    caption = (f"Dữ liệu mô phỏng: số đếm Poisson theo năm, giảm một mức tại năm can thiệp; phát hiện bằng kiểm định tỷ số "
               f"hợp lý một phía (quasi-Poisson, F) ở mức α; {n_sim} lần mô phỏng mỗi ô." if lang == "vi" else
               f"Simulated data: yearly Poisson counts with a level drop at the intervention; detection by a one-sided "
               f"likelihood-ratio test (quasi-Poisson, F) at level α; {n_sim} simulations per cell.")
    out["power"] = figures.power_heatmap(power, t("fig_power_title"), caption, lang)
    return {name: figures.export(fig, f"{prefix}_{name}", out_dir) for name, fig in out.items()}
