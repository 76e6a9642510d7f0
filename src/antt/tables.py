"""Tables for people: processed data with Vietnamese or English labels from the codebook.

Only presentation: rows are never filtered or changed here, columns are selected, labelled and
formatted (Vietnamese number style for 'vi': 1.630, 1,5).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from antt import paths
from antt.codebook import check_lang, labels
from antt.io import read_csv_text


def load_labels(codebook_dir: str | Path | None = None) -> pd.DataFrame:
    path = Path(codebook_dir or paths.CODEBOOK) / "labels.csv"
    table = read_csv_text(path, ["key", "vi", "en"])
    return table.set_index("key", verify_integrity=True)


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
    t = translator(lang)
    shown = quality.assign(check=quality["check"].map(t), status=quality["status"].map(t))
    return shown.rename(columns={c: t(c) for c in shown.columns})


def quality_summary(quality: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Number of rows per check and status."""
    t = translator(lang)
    counts = quality.groupby(["check", "status"], sort=True).size().reset_index(name="count")
    counts["check"] = counts["check"].map(t)
    counts["status"] = counts["status"].map(t)
    return counts.rename(columns={c: t(c) for c in counts.columns})
