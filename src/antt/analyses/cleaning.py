"""Notebook 01 (clean the source statistics): the tables it shows and its findings.

The cleaning itself is ``antt.data.clean``; this module presents its inputs (sources, exclusions) and
outputs (indicators, quality checks) and counts what happened, in Vietnamese and English.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from antt.reporting.language import LANGS, format_number, message, translator
from antt.reporting.provenance import data_dates, data_period, publication_date

SOURCE_COLUMNS = ["source_id", "title", "publisher", "author", "publication_date", "citation"]


def sources_table(sources: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The registered sources, columns labelled in ``lang``, publication dates as a reader reads them."""
    table = sources[SOURCE_COLUMNS].copy()
    table["publication_date"] = [publication_date(d, lang) for d in table["publication_date"]]
    return table.rename(columns=translator(lang))


def exclusions_table(exclusions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """How many numbers of the article were excluded, by reason."""
    t = translator(lang)
    table = exclusions.groupby("reason").size().rename(t("count")).reset_index()
    table["reason"] = [t(f"exclusion_{reason}") for reason in table["reason"]]
    return table.rename(columns=t)


def quality_summary(quality: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Number of rows per check and status."""
    t = translator(lang)
    counts = quality.groupby(["check", "status"], sort=True).size().reset_index(name="count")
    counts["check"] = counts["check"].map(t)
    counts["status"] = counts["status"].map(t)
    return counts.rename(columns={c: t(c) for c in counts.columns})


def flagged(quality: pd.DataFrame) -> pd.DataFrame:
    """The quality rows that did not pass (flags and failures)."""
    return quality[quality["status"] != "pass"]


def _counts(raw, result) -> dict[str, int]:
    flags = result.quality[result.quality["status"] == "flag"]
    return {
        "n_fig": len(raw.figures),
        "n_exc": len(raw.exclusions),
        "n_src": len(raw.sources),
        "repeated": int((flags["check"] == "repeated_value").sum()),
        "periods": int((flags["check"] == "period_not_stated").sum()),
    }


def headline(counts: dict[str, int], lang: str) -> list[str]:
    """What the cleaning found, one sentence per fact."""
    n = {k: format_number(v, lang) for k, v in counts.items()}
    return [
        message("clean_finding_figures", lang, n_fig=n["n_fig"], n_exc=n["n_exc"]),
        message("clean_finding_repeated", lang, repeated=n["repeated"]),
        message("clean_finding_periods", lang, periods=n["periods"]),
    ]


def limitations(counts: dict[str, int], lang: str) -> list[str]:
    """What the cleaned data cannot say."""
    n = {k: format_number(v, lang) for k, v in counts.items()}
    sources = (
        message("clean_limit_one_source", lang)
        if counts["n_src"] == 1
        else message("clean_limit_sources", lang, n_src=n["n_src"])
    )
    return [sources, message("clean_limit_periods", lang, periods=n["periods"]), message("clean_limit_bounds", lang)]


def findings(raw, result) -> dict[str, Any]:
    """Counts of the cleaning step (figures, exclusions, quality flags by check and status) and their summary
    in words, as written to the results file."""
    quality, indicators = result.quality, result.indicators
    by_check = quality.groupby(["check", "status"], sort=True).size()
    counts = _counts(raw, result)
    return {
        "figures_transcribed": counts["n_fig"],
        "numbers_excluded": counts["n_exc"],
        "exclusions_by_reason": {k: int(v) for k, v in raw.exclusions.groupby("reason").size().items()},
        "indicators_written": len(indicators),
        "quality": {f"{check}:{status}": int(n) for (check, status), n in by_check.items()},
        "quality_flags": int((quality["status"] == "flag").sum()),
        "quality_failures": int((quality["status"] == "fail").sum()),
        "sources": sorted(raw.sources["source_id"]),
        "data_period": data_period(indicators),
        "data_date": data_dates(raw.sources, indicators),
        "question": {lang: message("question_cleaning", lang) for lang in LANGS},
        "headline": {lang: headline(counts, lang) for lang in LANGS},
        "limitations": {lang: limitations(counts, lang) for lang in LANGS},
    }
