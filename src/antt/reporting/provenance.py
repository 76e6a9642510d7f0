"""Where the numbers come from, as a reader sees it: the figures as written with their values and bounds, the
quality checks, the period and date of the data, source lines and citations.

Shared by the analyses of several notebooks (cleaning, province, intervention). Only presentation: rows are
never filtered or changed here, columns are selected, labelled and formatted.
"""

from __future__ import annotations

import pandas as pd

from antt.data import series
from antt.data.codebook import labels, units
from antt.data.series import LoadedSeries
from antt.reporting.language import LANGS, format_number, message, pick, translator

UNKNOWN_DATE = "unknown"  # how sources.csv writes a publication date the source does not give


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
    names, unit_words = labels(codebook, lang), units(codebook, lang)
    rows = []
    for row in indicators.itertuples():
        value = format_number(row.value, lang)
        if row.kind == "fraction":
            value = f"{value}/{format_number(row.denominator, lang)}"
        bounds = (
            "" if row.lower == row.upper else f"[{format_number(row.lower, lang)}; {format_number(row.upper, lang)}]"
        )
        rows.append(
            {
                t("figure_id"): row.figure_id,
                t("indicator"): names[row.indicator],
                t("place"): row.geo_name,
                t("period"): _period(row),
                t("period_basis"): t(row.period_basis),
                t("raw_text"): row.raw_text,
                t("value"): value,
                t("bounds"): bounds,
                t("qualifier"): t(row.qualifier),
                t("unit"): unit_words[row.indicator],  # the codebook's unit in lang (the words as written are beside)
            }
        )
    return pd.DataFrame(rows)


def quality_table(quality: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The quality rows with labels and the message in ``lang``."""
    t = translator(lang)
    return pd.DataFrame(
        {
            t("check"): quality["check"].map(t),
            t("status"): quality["status"].map(t),
            t("figure_ids"): quality["figure_ids"],
            t("message"): pick(lang, vi=quality["message_vi"], en=quality["message"]),
        }
    )


def year_span(table: pd.DataFrame) -> str:
    """'2018–2022': first and last year any figure of ``table`` refers to; '' without any."""
    years = pd.concat([table["period_start"], table["period_end"]]).dropna()
    return f"{int(years.min())}–{int(years.max())}" if len(years) else ""


def data_period(indicators: pd.DataFrame) -> str:
    """'2018–2022': first and last year any figure refers to."""
    return year_span(indicators)


def publication_date(date: str, lang: str) -> str:
    """A source's publication date as written in sources.csv, or the words for 'not stated'."""
    return date if date != UNKNOWN_DATE else message("date_not_stated", lang)


def data_date(sources: pd.DataFrame, indicators: pd.DataFrame, lang: str) -> str:
    """The sources' publication dates; when none is stated, that and the end of the latest figures."""
    latest = indicators["period_end"].dropna().max()
    dates = sorted(set(sources["publication_date"]))
    if dates == [UNKNOWN_DATE]:
        return message("data_date_unknown", lang, latest=latest)
    return ", ".join(dates)


def data_dates(sources: pd.DataFrame, indicators: pd.DataFrame) -> dict[str, str]:
    """``data_date`` in every language."""
    return {lang: data_date(sources, indicators, lang) for lang in LANGS}


def source_line(sources: pd.DataFrame, lang: str) -> str:
    """'Nguồn: Báo Hà Nam điện tử (Trần Ích)' for figure captions."""
    names = "; ".join(f"{s.publisher} ({s.author})" if s.author else s.publisher for s in sources.itertuples())
    return message("source_line", lang, names=names)


def citation_lines(sources: pd.DataFrame, lang: str) -> list[str]:
    """One line per source: its full citation and publication date."""
    return [f"{r.citation} ({publication_date(r.publication_date, lang)})" for r in sources.itertuples()]


def series_citation_lines(loaded: LoadedSeries, lang: str, sources: pd.DataFrame | None = None) -> list[str]:
    """One line per source of a researcher's series (``antt.data.series.used_sources``): its citation and
    publication date; with several sources, the years each covers ('… (2025-01-15) — data for 2012–2017')."""
    spans = {s: (str(a) if a == b else f"{a}–{b}") for s, a, b in loaded.source_years}
    table = series.used_sources(loaded, sources)
    lines = citation_lines(table, lang)
    if len(table) > 1:
        lines = [
            f"{line} — {message('series_data_for', lang, years=spans[sid])}"
            for line, sid in zip(lines, table["source_id"])
        ]
    return lines
