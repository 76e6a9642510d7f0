"""Pandera schemas for every table the project reads or writes.

Raw tables are validated as text (cells exactly as written); processed tables are typed.
Column lists here are the contract that ``data/codebook/columns.csv`` documents (a test checks both agree).
"""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa

from antt.text import WORD_PATTERN, format_characters

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
KEY = r"^[a-z][a-z0-9_]*$"
YEAR_OR_EMPTY = r"^(?:(?:19|20)[0-9]{2})?$"
SHA256 = r"^[0-9a-f]{64}$"

PERIOD_BASES = ["stated", "implied", "not_stated"]
EXCLUSION_REASONS = [
    "year",
    "year_range",
    "date",
    "time",
    "programme_number",
    "document_number",
    "licence_number",
    "phone_number",
    "name_with_number",
    "page_furniture",
]
FIGURE_KINDS = ["count", "fraction", "percent", "rank", "stated_zero", "magnitude"]
INDICATOR_KINDS = ["count", "fraction", "percent", "rank"]
GEO_LEVELS = ["commune", "district", "province"]
QUALIFIERS = ["exact", "nearly", "more_than", "about", "order_of_magnitude", "stated_absence"]
QUALITY_STATUSES = ["pass", "flag", "fail"]

# Whole numbers are exact in a float (what pandas and JSON carry) only below 2**53: from there on,
# 2**53 + 1 reads as 2**53. A count that large is a transcription error, never a statistic.
MAX_EXACT = 2**53
# Kinds whose value (and denominator) count things, so are whole; percentages may have decimals.
WHOLE_KINDS = ["count", "fraction", "rank"]
MAX_PERCENT = 100
# Licence rule: an evidence phrase has at most 15 words. Vietnamese syllables (words) have at most
# 7 letters, so 15 take about 120 characters with their spaces; 200 leaves room for numbers and
# punctuation while refusing a pasted paragraph or one endless "word".
MAX_EVIDENCE_WORDS = 15
MAX_EVIDENCE_CHARS = 200


def _no_format_characters(s: pd.Series) -> pd.Series:
    # The distinct cells are joined and their characters looked at once (a column of a million cells
    # has far fewer distinct ones, and ASCII text has no format character); the cells that hold one
    # are found only if some cell does.
    distinct = "".join(pd.unique(s.to_numpy(dtype=object)))
    found = set() if distinct.isascii() else format_characters(distinct)
    if not found:
        return pd.Series(True, index=s.index)
    return ~s.str.contains(f"[{re.escape(''.join(sorted(found)))}]", regex=True)


# Invisible characters hide text from a reviewer and defeat word counts (40 words glued by U+200B).
NO_FORMAT_CHARS = pa.Check(
    _no_format_characters,
    error="no invisible format characters (Unicode category Cf, e.g. U+200B zero-width space): delete them",
)


def _text(*checks: pa.Check, unique: bool = False) -> pa.Column:
    """A column of text exactly as written: never with invisible format characters."""
    return pa.Column(str, checks=[NO_FORMAT_CHARS, *checks], unique=unique)


NON_EMPTY = pa.Check.str_length(min_value=1)
NO_EDGE_SPACE = pa.Check(lambda s: s == s.str.strip(), element_wise=False, error="no leading/trailing spaces")


def _at_most_15_words(s: pd.Series) -> pd.Series:
    # Words are counted (a regular expression per cell, the slowest check of a million rows) only where
    # there can be too many: a word and the separator before the next take two characters, so 16 words
    # need at least 31 (a missing cell is counted, and fails, as before).
    ok = pd.Series(True, index=s.index)
    long = ~(s.str.len() <= 2 * MAX_EVIDENCE_WORDS).to_numpy(dtype=bool)
    if long.any():
        ok[long] = (s[long].str.count(WORD_PATTERN) <= MAX_EVIDENCE_WORDS).to_numpy(dtype=bool)
    return ok


MAX_15_WORDS = pa.Check(_at_most_15_words, error=f"at most {MAX_EVIDENCE_WORDS} words (licence rule)")
MAX_EVIDENCE_LENGTH = pa.Check.str_length(
    max_value=MAX_EVIDENCE_CHARS,
    error=f"at most {MAX_EVIDENCE_CHARS} characters (licence rule: {MAX_EVIDENCE_WORDS} words)",
)
EVIDENCE = (NON_EMPTY, NO_EDGE_SPACE, MAX_EVIDENCE_LENGTH, MAX_15_WORDS)

SOURCES = pa.DataFrameSchema(
    {
        "source_id": _text(pa.Check.str_matches(SLUG), unique=True),
        "title": _text(NON_EMPTY),
        "publisher": _text(NON_EMPTY),
        "author": _text(),
        "place": _text(NON_EMPTY),
        "province": _text(NON_EMPTY),
        "language": _text(pa.Check.isin(["vi", "en"])),
        "publication_date": _text(pa.Check.str_matches(r"^(?:unknown|[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?)$")),
        "publication_date_note": _text(),
        "access_date": _text(pa.Check.str_matches(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")),
        "url": _text(),
        "text_file": _text(NON_EMPTY),
        "sha256": _text(pa.Check.str_matches(SHA256)),
        "licence": _text(NON_EMPTY),
        "citation": _text(NON_EMPTY),
    },
    strict=True,
    ordered=True,
)

FIGURES = pa.DataFrameSchema(
    {
        "figure_id": _text(pa.Check.str_matches(SLUG), unique=True),
        "source_id": _text(NON_EMPTY),
        "paragraph": _text(pa.Check.str_matches(r"^[1-9][0-9]*$")),
        "raw_text": _text(NON_EMPTY, NO_EDGE_SPACE),
        "evidence": _text(*EVIDENCE),
        "indicator": _text(pa.Check.str_matches(KEY)),
        "place": _text(NON_EMPTY),
        "period_text": _text(NON_EMPTY),
        "period_start": _text(pa.Check.str_matches(YEAR_OR_EMPTY)),
        "period_end": _text(pa.Check.str_matches(YEAR_OR_EMPTY)),
        "period_basis": _text(pa.Check.isin(PERIOD_BASES)),
        "unit": _text(NON_EMPTY),
        "note": _text(),
    },
    strict=True,
    ordered=True,
)

EXCLUSIONS = pa.DataFrameSchema(
    {
        "source_id": _text(NON_EMPTY),
        "paragraph": _text(pa.Check.str_matches(r"^[1-9][0-9]*$")),
        "raw_text": _text(NON_EMPTY, NO_EDGE_SPACE),
        "evidence": _text(*EVIDENCE),
        "reason": _text(pa.Check.isin(EXCLUSION_REASONS)),
        "note": _text(),
    },
    strict=True,
    ordered=True,
)

CODEBOOK_INDICATORS = pa.DataFrameSchema(
    {
        "indicator": _text(pa.Check.str_matches(KEY), unique=True),
        "topic": _text(pa.Check.str_matches(KEY)),
        "kind": _text(pa.Check.isin(INDICATOR_KINDS)),
        "geo_level": _text(pa.Check.isin(GEO_LEVELS)),
        "unit_vi": _text(NON_EMPTY),
        "unit_en": _text(NON_EMPTY),
        "label_vi": _text(NON_EMPTY),
        "label_en": _text(NON_EMPTY),
        "definition_en": _text(NON_EMPTY),
    },
    strict=True,
    ordered=True,
)

ABBREVIATIONS = pa.DataFrameSchema(
    {
        "abbreviation": _text(NON_EMPTY, unique=True),
        "expansion_vi": _text(NON_EMPTY),
        "expansion_en": _text(NON_EMPTY),
    },
    strict=True,
    ordered=True,
)

PART_WHOLE = pa.DataFrameSchema(
    {"part": _text(pa.Check.str_matches(KEY)), "whole": _text(pa.Check.str_matches(KEY)), "reason": _text(NON_EMPTY)},
    strict=True,
    ordered=True,
)

RATIO_TERMS = r"^[a-z][a-z0-9_]*(?::denominator)?(?:\+[a-z][a-z0-9_]*(?::denominator)?)*$"
RATIOS = pa.DataFrameSchema(
    {
        "ratio": _text(pa.Check.str_matches(KEY), unique=True),
        "numerator": _text(pa.Check.str_matches(RATIO_TERMS)),
        "denominator": _text(pa.Check.str_matches(RATIO_TERMS)),
        "label_vi": _text(NON_EMPTY),
        "label_en": _text(NON_EMPTY),
        "unit_vi": _text(NON_EMPTY),
        "unit_en": _text(NON_EMPTY),
    },
    strict=True,
    ordered=True,
)

COLUMNS = pa.DataFrameSchema(
    {
        "table": _text(NON_EMPTY),
        "column": _text(NON_EMPTY),
        "type": _text(pa.Check.isin(["string", "integer", "number", "year", "boolean"])),
        "required": _text(pa.Check.isin(["yes", "no"])),
        "unit": _text(),
        "description_en": _text(NON_EMPTY),
        "description_vi": _text(NON_EMPTY),
    },
    strict=True,
    ordered=True,
    unique=["table", "column"],
)

_nullable_float = dict(nullable=True, coerce=True)
_EXACT = pa.Check.lt(MAX_EXACT, error="below 2**53 (larger numbers are not exact)")


def _whole(values: pd.Series) -> pd.Series:
    return values.isna() | (values % 1 == 0)


INDICATORS = pa.DataFrameSchema(
    {
        "figure_id": pa.Column(str, pa.Check.str_matches(SLUG), unique=True),
        "source_id": pa.Column(str, pa.Check.str_matches(SLUG)),
        "indicator": pa.Column(str, pa.Check.str_matches(KEY)),
        "geo_level": pa.Column(str, pa.Check.isin(GEO_LEVELS)),
        "geo_name": pa.Column(str, NON_EMPTY),
        "district": pa.Column(str, nullable=True),
        "province": pa.Column(str, NON_EMPTY),
        "period_start": pa.Column("Int64", pa.Check.in_range(1900, 2100), nullable=True, coerce=True),
        "period_end": pa.Column("Int64", pa.Check.in_range(1900, 2100), nullable=True, coerce=True),
        "period_basis": pa.Column(str, pa.Check.isin(PERIOD_BASES)),
        "kind": pa.Column(str, pa.Check.isin(FIGURE_KINDS)),
        "value": pa.Column(float, [pa.Check.ge(0), _EXACT], **_nullable_float),
        "denominator": pa.Column(float, [pa.Check.gt(0), _EXACT], **_nullable_float),
        "lower": pa.Column(float, [pa.Check.ge(0), _EXACT], **_nullable_float),
        "upper": pa.Column(float, [pa.Check.ge(0), _EXACT], **_nullable_float),
        "qualifier": pa.Column(str, pa.Check.isin(QUALIFIERS)),
        "needs_review": pa.Column(bool, coerce=True),
        "unit": pa.Column(str, NON_EMPTY),
        "raw_text": pa.Column(str, NON_EMPTY),
        "paragraph": pa.Column(int, pa.Check.ge(1), coerce=True),
    },
    checks=[
        pa.Check(
            lambda df: (df["lower"] <= df["upper"]) | df["lower"].isna() | df["upper"].isna(), error="lower <= upper"
        ),
        pa.Check(
            lambda df: df["value"].isna() | ((df["lower"] <= df["value"]) & (df["value"] <= df["upper"])),
            error="lower <= value <= upper",
        ),
        pa.Check(
            lambda df: df["period_start"].isna() | df["period_end"].isna() | (df["period_start"] <= df["period_end"]),
            error="period_start <= period_end",
        ),
        pa.Check(
            lambda df: (df["kind"] != "percent") | ~(df["value"] > MAX_PERCENT),
            error=f"a percentage is at most {MAX_PERCENT}",
        ),
        pa.Check(
            lambda df: ~df["kind"].isin(WHOLE_KINDS) | (_whole(df["value"]) & _whole(df["denominator"])),
            error="counts, fractions and ranks are whole numbers",
        ),
    ],
    strict=True,
    ordered=True,
)

QUALITY = pa.DataFrameSchema(
    {
        "check": pa.Column(str, pa.Check.str_matches(KEY)),
        "status": pa.Column(str, pa.Check.isin(QUALITY_STATUSES)),
        "figure_ids": pa.Column(str, NON_EMPTY),
        "message": pa.Column(str, NON_EMPTY),
        "message_vi": pa.Column(str, NON_EMPTY),
    },
    strict=True,
    ordered=True,
)

# Yearly (or monthly) counts for the interrupted-time-series model; see data/codebook/columns.csv.
SERIES = pa.DataFrameSchema(
    {
        "source_id": pa.Column(str, NON_EMPTY),
        "place": pa.Column(str, NON_EMPTY),
        "indicator": pa.Column(str, pa.Check.str_matches(KEY)),
        "year": pa.Column(int, pa.Check.in_range(1900, 2100), coerce=True),
        "month": pa.Column("Int64", pa.Check.in_range(1, 12), nullable=True, coerce=True, required=False),
        "count": pa.Column(int, pa.Check.ge(0), coerce=True),
        "population": pa.Column(float, pa.Check.gt(0), nullable=True, coerce=True, required=False),
    },
    strict=True,
)

# Commune-year counts of a panel of communes (comparison designs); see data/codebook/columns.csv and
# antt.data.panel. ``adoption_year`` is a required column whose cells may be empty (not adopted).
PANEL = pa.DataFrameSchema(
    {
        "source_id": pa.Column(str, NON_EMPTY),
        "commune": pa.Column(str, NON_EMPTY),
        "district": pa.Column(str, NON_EMPTY),
        "province": pa.Column(str, NON_EMPTY),
        "indicator": pa.Column(str, pa.Check.str_matches(KEY)),
        "year": pa.Column(int, pa.Check.in_range(1900, 2100), coerce=True),
        "count": pa.Column(int, pa.Check.ge(0), coerce=True),
        "population": pa.Column(float, pa.Check.gt(0), nullable=True, coerce=True, required=False),
        "adoption_year": pa.Column("Int64", pa.Check.in_range(1900, 2100), nullable=True, coerce=True),
    },
    strict=True,
)
