"""The codebook: indicator keys with Vietnamese and English labels, units and definitions;
the article's abbreviations; implied part–whole relations; the data dictionary of every table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from antt import paths
from antt.data import schemas
from antt.data.io import read_checked
from antt.text import LANGUAGES


def _load(name: str, schema, codebook_dir: str | Path | None) -> pd.DataFrame:
    return read_checked(Path(codebook_dir or paths.CODEBOOK) / name, schema)


def load_indicators(codebook_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per indicator key (``indicator``), with labels, units, kind and place level."""
    return _load("indicators.csv", schemas.CODEBOOK_INDICATORS, codebook_dir)


def load_abbreviations(codebook_dir: str | Path | None = None) -> pd.DataFrame:
    return _load("abbreviations.csv", schemas.ABBREVIATIONS, codebook_dir)


def load_part_whole(codebook_dir: str | Path | None = None) -> pd.DataFrame:
    """Pairs of indicators where the first is a part of the second (same source, place and period).

    Both must be indicators of the codebook's ``indicators.csv``: a misspelt key would silently
    switch its check off.
    """
    known = pa.Check.isin(
        load_indicators(codebook_dir)["indicator"].tolist(), error="a known indicator (one of indicators.csv)"
    )
    schema = schemas.PART_WHOLE.update_columns(
        {name: {"checks": [*schemas.PART_WHOLE.columns[name].checks, known]} for name in ("part", "whole")}
    )
    return _load("part_whole.csv", schema, codebook_dir)


def load_ratios(codebook_dir: str | Path | None = None) -> pd.DataFrame:
    """Descriptive ratios the article invites: ``numerator`` and ``denominator`` are sums of indicator
    keys (``a+b``); ``key:denominator`` takes the denominator of an ``a/b`` figure."""
    return _load("ratios.csv", schemas.RATIOS, codebook_dir)


def load_columns(codebook_dir: str | Path | None = None) -> pd.DataFrame:
    """The data dictionary: one row per (table, column)."""
    return _load("columns.csv", schemas.COLUMNS, codebook_dir)


def check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")
    return lang


def labels(codebook: pd.DataFrame, lang: str) -> dict[str, str]:
    """Indicator key → label in ``lang`` ('vi' or 'en')."""
    return dict(zip(codebook["indicator"], codebook[f"label_{check_lang(lang)}"]))


def units(codebook: pd.DataFrame, lang: str) -> dict[str, str]:
    return dict(zip(codebook["indicator"], codebook[f"unit_{check_lang(lang)}"]))
