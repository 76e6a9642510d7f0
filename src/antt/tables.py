"""Tables for people: processed data with Vietnamese or English labels from the codebook.

Only presentation: rows are never filtered or changed here, columns are selected, labelled and
formatted (Vietnamese number style for 'vi': 1.630, 1,5).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from antt import paths
from antt.codebook import check_lang, labels
from antt.errors import DataError
from antt.io import read_csv_text


def load_labels(codebook_dir: str | Path | None = None) -> pd.DataFrame:
    path = Path(codebook_dir or paths.CODEBOOK) / "labels.csv"
    table = read_csv_text(path, ["key", "vi", "en"])
    duplicated = table["key"][table["key"].duplicated()]
    if len(duplicated):
        raise DataError(path, f"duplicated key {duplicated.iloc[0]!r}", row=int(duplicated.index[0]) + 1, column="key")
    return table.set_index("key")


def translator(lang: str, codebook_dir: str | Path | None = None):
    """A function key → label in ``lang``; unknown keys are returned unchanged."""
    column = load_labels(codebook_dir)[check_lang(lang)]
    return lambda key: column.get(key, key)


def format_number(value: float | None, lang: str) -> str:
    """1630 → '1.630' (vi) or '1,630' (en); 1.5 → '1,5' / '1.5'; None → '–'."""
    if value is None or pd.isna(value):
        return "–"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")
    if lang == "vi":
        text = text.translate(str.maketrans(",.", ".,"))
    return text


def _period(row) -> str:
    start = "" if pd.isna(row.period_start) else str(row.period_start)
    end = "" if pd.isna(row.period_end) else str(row.period_end)
    if start and end:
        return start if start == end else f"{start}–{end}"
    if start:
        return f"{start}–?"
    return f"?–{end}" if end else "?"


def indicator_table(indicators: pd.DataFrame, codebook: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per figure: label, place, period, as written, value with bounds, qualifier."""
    t = translator(lang)
    names = labels(codebook, lang)
    rows = []
    for row in indicators.itertuples():
        value = format_number(row.value, lang)
        if row.kind == "fraction":
            value = f"{value}/{format_number(row.denominator, lang)}"
        bounds = "" if row.lower == row.upper else f"[{format_number(row.lower, lang)}; {format_number(row.upper, lang)}]"
        rows.append({
            t("figure_id"): row.figure_id,
            t("indicator"): names[row.indicator],
            t("place"): row.geo_name,
            t("period"): _period(row),
            t("period_basis"): t(row.period_basis),
            t("raw_text"): row.raw_text,
            t("value"): value,
            t("bounds"): bounds,
            t("qualifier"): t(row.qualifier),
            t("unit"): row.unit,
        })
    return pd.DataFrame(rows)


def quality_table(quality: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The quality rows with labels and the message in ``lang``."""
    t = translator(lang)
    message = quality["message_vi"] if lang == "vi" else quality["message"]
    return pd.DataFrame({t("check"): quality["check"].map(t), t("status"): quality["status"].map(t),
                         t("figure_ids"): quality["figure_ids"], t("message"): message})


def quality_summary(quality: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Number of rows per check and status."""
    t = translator(lang)
    counts = quality.groupby(["check", "status"], sort=True).size().reset_index(name="count")
    counts["check"] = counts["check"].map(t)
    counts["status"] = counts["status"].map(t)
    return counts.rename(columns={c: t(c) for c in counts.columns})


def show(table: pd.DataFrame, index: bool = False):
    """Display a table as plain, escaped HTML without the row index (deterministic: no random ids,
    unlike ``DataFrame.style``); full cell text, no truncation."""
    from IPython.display import HTML

    with pd.option_context("display.max_colwidth", None):
        return HTML(table.to_html(index=index, escape=True, border=0, na_rep="–"))


def show_findings(findings: dict, lang: str):
    """The headline findings of a notebook as an escaped HTML list."""
    import html

    from IPython.display import HTML

    items = "".join(f"<li>{html.escape(str(item))}</li>" for item in findings.get("headline", {}).get(lang, []))
    return HTML(f'<ul class="findings">{items}</ul>')


def format_decimal(value: float, lang: str, decimals: int = 1) -> str:
    """Fixed decimals in the language's style: 11.4767 → '11,5' (vi) or '11.5' (en)."""
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if lang == "vi" else text


def format_percent(share: float, lang: str, decimals: int = 1) -> str:
    """0.981 → '98,1%' (vi) or '98.1%' (en)."""
    return format_decimal(100 * share, lang, decimals) + "%"


def format_p(p: float, lang: str) -> str:
    """p-values with three decimals; below 0.001 as '< 0,001'."""
    text = "< 0.001" if p < 0.001 else f"{p:.3f}"
    return text.replace(".", ",") if lang == "vi" else text


def proportion_table(props: pd.DataFrame, labels: dict[str, str], lang: str) -> pd.DataFrame:
    """Proportions with their interval, method and level in words."""
    t = translator(lang)
    rows = []
    for r in props.itertuples():
        level = format_percent(1 - r.alpha, lang, 0)
        rows.append({
            t("indicator"): labels[r.indicator],
            t("raw_text"): f"{format_number(r.successes, lang)}/{format_number(r.total, lang)}",
            t("proportion"): format_percent(r.proportion, lang),
            t("interval"): f"{format_percent(r.lower, lang)} – {format_percent(r.upper, lang)} ({level})",
            t("method"): t(r.method),
            t("derived"): t("yes") if r.derived else t("no"),
        })
    return pd.DataFrame(rows)


def homogeneity_table(result, lang: str) -> pd.DataFrame:
    """The chi-square test and the exact test side by side."""
    t = translator(lang)
    doubtful = ("xấp xỉ đáng ngờ: " if lang == "vi" else "approximation doubtful: ") if result.approximation_doubtful else ""
    expected = ("giá trị kỳ vọng nhỏ nhất " if lang == "vi" else "smallest expected count ") + format_number(round(result.expected_min, 2), lang)
    return pd.DataFrame([
        {t("test"): t("chi2"), t("statistic"): format_number(round(result.chi2, 3), lang), t("df"): result.dof,
         t("p_value"): format_p(result.p_value, lang), t("bounds_note"): doubtful + expected},
        {t("test"): t("exact_test"), t("statistic"): "–", t("df"): "–",
         t("p_value"): format_p(result.exact.p_value, lang), t("bounds_note"): f"{result.exact.method}, {result.exact.n_tables}"},
    ])


def pairwise_table(result, lang: str) -> pd.DataFrame:
    t = translator(lang)
    pw = result.pairwise
    return pd.DataFrame({
        t("group_a"): pw["group_a"], t("group_b"): pw["group_b"],
        t("p_value"): [format_p(p, lang) for p in pw["p_value"]],
        t("p_holm"): [format_p(p, lang) for p in pw["p_holm"]],
        t("different"): [t("yes") if r else t("no") for r in pw["reject"]],
    })


def ratio_table(ratios: pd.DataFrame, lang: str) -> pd.DataFrame:
    t = translator(lang)
    fmt = lambda x: format_number(None if x is None or pd.isna(x) else round(x, 2), lang)  # noqa: E731
    return pd.DataFrame({
        t("ratio"): ratios["label"], t("value"): [fmt(v) for v in ratios["value"]],
        t("bounds"): [f"[{fmt(lo)}; {fmt(up)}]" for lo, up in zip(ratios["lower"], ratios["upper"])],
        t("unit"): ratios["unit"],
    })


def show_figures(exported: dict[str, dict]) -> None:
    """Display exported figures (their PNG files) inline, in order."""
    from IPython.display import Image, display

    for files in exported.values():
        display(Image(filename=str(files["png"]), width=800))


def zero_bound_table(bounds: pd.DataFrame, lang: str) -> pd.DataFrame:
    t = translator(lang)
    level = format_percent(1 - float(bounds["alpha"].iloc[0]), lang, 0)
    return pd.DataFrame({
        t("followup"): [format_number(x, lang) for x in bounds["followup_years"]],
        f"{t('upper_bound')} ({level}, {'một phía' if lang == 'vi' else 'one-sided'})":
            [format_number(round(x, 2), lang) for x in bounds["upper_rate_per_year"]],
    })


def show_zero_bounds(bounds: pd.DataFrame, lang: str):
    """The bounds table, or a sentence saying that the article states no zero for this outcome."""
    if bounds.empty:
        return show_text("Bài báo không có câu «không phát sinh» nào cho chỉ tiêu này ở xã." if lang == "vi"
                         else "The article states no zero for this outcome in the commune.")
    return show(zero_bound_table(bounds, lang))


def rate_ratio_table(rate_ratios: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Every model's rate ratios with interval and p-value; the headline model first."""
    t = translator(lang)
    rr = rate_ratios.sort_values("headline", ascending=False, kind="stable")
    fmt = lambda x: "∞" if x == float("inf") else format_number(round(float(x), 3), lang)  # noqa: E731
    # Rows without an estimate (a sensitivity model that did not converge, a term the data cannot
    # identify) say why instead of showing "–"; an unbounded side shows as ∞, a missing interval as "–".
    why = {"did not converge": "không hội tụ" if lang == "vi" else "did not converge",
           "not identified": "không xác định được" if lang == "vi" else "not identified"}
    status = rr["status"] if "status" in rr else pd.Series("estimated", index=rr.index)
    return pd.DataFrame({
        t("model"): rr["model"] + rr["headline"].map({True: " ★", False: ""}),
        t("intervention_name"): rr["intervention"], t("term"): rr["kind"].map(t),
        t("rate_ratio"): [why.get(s, fmt(x)) for s, x in zip(status, rr["rate_ratio"])],
        t("interval"): ["–" if pd.isna(lo) or pd.isna(up) else f"{fmt(lo)} – {fmt(up)}"
                        for lo, up in zip(rr["lower"], rr["upper"])],
        t("p_value"): ["–" if pd.isna(p) else format_p(p, lang) for p in rr["p_value"]],
    })


def years_needed_table(needed: pd.DataFrame, lang: str) -> pd.DataFrame:
    t = translator(lang)
    return pd.DataFrame({
        t("baseline_rate"): [format_number(x, lang) for x in needed["baseline_rate"]],
        t("relative_drop"): [format_percent(x, lang, 0) for x in needed["relative_drop"]],
        t("years_needed"): [t("not_reached") if pd.isna(x) else str(int(x)) for x in needed["years_each_side"]],
    })


def interventions_table(interventions: dict, lang: str) -> pd.DataFrame:
    t = translator(lang)
    unknown = "không nêu" if lang == "vi" else "not stated"
    return pd.DataFrame({t("intervention_name"): list(interventions),
                         t("start_year"): [unknown if y is None else str(y) for y in interventions.values()]})


def show_text(text: str):
    """A paragraph of (escaped) text; nothing when empty."""
    import html

    from IPython.display import HTML

    return HTML(f'<p class="note">{html.escape(text)}</p>') if text else None


def coverage_table(summary: dict, true_rr: float, lang: str) -> pd.DataFrame:
    t = translator(lang)
    return pd.DataFrame([{
        t("n_sim"): summary["n_sim"], t("true_value"): format_number(true_rr, lang),
        t("median_estimate"): format_number(round(summary["median_estimate"], 3), lang),
        t("coverage"): format_percent(summary["coverage"], lang),
        t("interval"): f"{format_percent(summary['coverage_lower'], lang)} – {format_percent(summary['coverage_upper'], lang)} (Wilson)",
    }])


def reference_table(comparison: pd.DataFrame, lang: str) -> pd.DataFrame:
    t = translator(lang)
    return pd.DataFrame({
        t("reference_distribution"): comparison["reference_distribution"],
        t("false_positive_rate"): [format_percent(x, lang) for x in comparison["false_positive_rate"]],
        t("interval"): [f"{format_percent(lo, lang)} – {format_percent(up, lang)} (Wilson)" for lo, up in zip(comparison["lower"], comparison["upper"])],
        t("n_sim"): comparison["n_sim"],
    })


def trend_bias_table(study: pd.DataFrame, lang: str) -> pd.DataFrame:
    t = translator(lang)
    return pd.DataFrame({
        t("method"): study["method"], t("true_value"): [format_number(x, lang) for x in study["true_rate_ratio"]],
        t("median_rate_ratio"): [format_number(round(x, 3), lang) for x in study["median_rate_ratio"]],
        t("share_spurious"): [format_percent(x, lang) for x in study["share_below_0_9"]],
    })
