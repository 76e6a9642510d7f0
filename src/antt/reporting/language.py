"""The one home of language: every user-facing word and every number as a reader sees it, in Vietnamese and English.

Words: one file, ``data/codebook/labels.csv`` (columns key, vi, en). A text may hold ``{name}`` fields filled by
``message``; the models layer records notes as a key and its fields (``antt.models.notes.Note``), and
``note_text`` words them in either language. No other module chooses words by language: they ask for a key.

Numbers: ``format_decimal``, ``format_number``, ``format_percent`` and ``format_p`` write numbers through
``babel.numbers`` with the locale's symbols ("vi": ``1.630``, ``1,5``; "en": ``1,630``, ``1.5``). Rounding is
that of Python's own formatting (``f"{x:.2f}"``): the exact binary value of a float is rounded half-even
(``_rounded``) before Babel sees it, because Babel rounds ``Decimal(str(x))``, which differs at ties
(2.675 is 2.67499… in binary: Python writes 2.67, Babel alone 2.68). Parsing numbers as articles write them
stays in ``antt.numerals``.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from babel import numbers

from antt import paths
from antt.data.codebook import check_lang
from antt.data.io import read_csv_text
from antt.errors import DataError
from antt.models.notes import Note
from antt.text import LANGUAGES

LANGS = LANGUAGES
MISSING = "–"  # how a missing number reads, in either language


# ---------------------------------------------------------------- words
def load_labels(codebook_dir: str | Path | None = None) -> pd.DataFrame:
    """The catalogue as a DataFrame indexed by key, with columns vi and en (duplicated keys are an error)."""
    path = Path(codebook_dir or paths.CODEBOOK) / "labels.csv"
    table = read_csv_text(path, ["key", "vi", "en"])
    duplicated = table["key"][table["key"].duplicated()]
    if len(duplicated):
        raise DataError(path, f"duplicated key {duplicated.iloc[0]!r}", row=int(duplicated.index[0]) + 1, column="key")
    return table.set_index("key")


@lru_cache(maxsize=1)
def _project_labels() -> dict[str, dict[str, str]]:
    table = load_labels()
    return {lang: table[lang].to_dict() for lang in LANGS}


def message(key: str, lang: str, **fields: Any) -> str:
    """The catalogue text of ``key`` in ``lang`` with its ``{name}`` fields filled; KeyError when the key or a
    field is missing (a programming error, caught by the tests that render every key used)."""
    return _project_labels()[check_lang(lang)][key].format(**fields)


def translator(lang: str, codebook_dir: str | Path | None = None):
    """A function key → label in ``lang``, for labels that may come from data (a table's column names, a
    method or status code): unknown keys are returned unchanged. Texts with fields go through ``message``."""
    if codebook_dir is None:
        column = _project_labels()[check_lang(lang)]
    else:
        column = load_labels(codebook_dir)[check_lang(lang)].to_dict()
    return lambda key: column.get(key, key)


def pick(lang: str, **by_lang: Any) -> Any:
    """The value given for ``lang`` (``pick(lang, vi=..., en=...)``): for data that comes in one column per
    language, such as the quality messages."""
    return by_lang[check_lang(lang)]


def each_lang(make) -> dict[str, Any]:
    """``{lang: make(lang)}`` for every language, in the order of ``LANGS``."""
    return {lang: make(lang) for lang in LANGS}


def note_text(note: Note, lang: str = "en") -> str:
    """The words of a model's caveat (``antt.models.notes.Note``) in ``lang``."""
    return message(note.key, lang, **note.fields)


def english_notes(result: Any) -> tuple[str, ...]:
    """The English words of every note of a fitted result (``note_keys``), in order."""
    return tuple(note_text(n, "en") for n in result.note_keys)


def and_list(items: list[str], lang: str) -> str:
    """'a', 'a and b', 'a, b and c' with the catalogue's word for 'and'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {message('val_and', lang)} {items[-1]}"


# ---------------------------------------------------------------- numbers
def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _rounded(value: float, decimals: int) -> Decimal:
    """``value`` rounded to ``decimals`` as Python's ``f"{value:.{decimals}f}"`` rounds it: the exact binary
    value, half-even."""
    return Decimal(float(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)


def _pattern(decimals: int, trim: bool, grouping: bool) -> str:
    whole = "#,##0" if grouping else "0"
    return whole + ("." + ("#" if trim else "0") * decimals if decimals else "")


def format_decimal(
    value: float | None, lang: str, decimals: int = 1, *, trim: bool = False, grouping: bool = True
) -> str:
    """``value`` with ``decimals`` decimals in the language's style: 1234.56 → '1.234,6' (vi) or '1,234.6' (en);
    ``trim`` drops trailing zeros (1.50 → '1,5', 2.00 → '2'); None or NaN → '–'."""
    check_lang(lang)
    if _missing(value):
        return MISSING
    if math.isinf(value):
        return ("-" if value < 0 else "") + "∞"
    return numbers.format_decimal(_rounded(value, decimals), format=_pattern(decimals, trim, grouping), locale=lang)


def format_number(value: float | None, lang: str) -> str:
    """A count or a descriptive number: 1630 → '1.630' (vi) or '1,630' (en); 1.5 → '1,5' / '1.5' (at most two
    decimals, no trailing zeros); None or NaN → '–'."""
    return format_decimal(value, lang, 2, trim=True)


def format_percent(share: float | None, lang: str, decimals: int = 1, *, trim: bool = False) -> str:
    """A share as a percentage: 0.981 → '98,1%' (vi) or '98.1%' (en); ``decimals=0``: 0.95 → '95%'; ``trim``
    drops trailing zeros (0.5 → '50%'); None or NaN → '–'."""
    check_lang(lang)
    if _missing(share):
        return MISSING
    percent = _rounded(100 * float(share), decimals)  # as f"{100 * share:.{decimals}f}" rounds it
    return numbers.format_percent(percent.scaleb(-2), format=_pattern(decimals, trim, grouping=True) + "%", locale=lang)


def format_level(alpha: float, lang: str) -> str:
    """The confidence level of ``alpha`` as a percentage: 0.05 → '95%', 0.1 → '90%'."""
    return format_percent(1 - alpha, lang, 0)


P_FLOOR = 0.001  # p-values below this read '< 0.001'


def format_p(p: float | None, lang: str) -> str:
    """A p-value with three decimals; below 0.001 as '< 0,001' (vi) or '< 0.001' (en); None or NaN → '–'."""
    if _missing(p):
        return MISSING
    if p < P_FLOOR:
        return f"< {format_decimal(P_FLOOR, lang, 3)}"
    return format_decimal(p, lang, 3)


def format_p_clause(p: float | None, lang: str) -> str:
    """ "p = 0.034", or "p < 0.001" below ``P_FLOOR`` (never "p = < 0.001"); "p = –" when missing."""
    text = format_p(p, lang)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def format_significant(value: float | None, lang: str, digits: int) -> str:
    """``value`` with ``digits`` significant digits: (0.5446, 3) → '0.545' ('0,545'), 12.34 → '12.3', 1 → '1.00';
    0 → '0'; infinity → '∞'; None or NaN → '–'. Not grouped (1234.5 → '1234'), as a rate ratio has always read."""
    if _missing(value):
        return MISSING
    value = float(value)
    if math.isinf(value) or value == 0:
        return format_decimal(value, lang, 0)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return format_decimal(value, lang, decimals, grouping=False)


def format_parameter(value: Any, lang: str) -> str:
    """A notebook parameter as a reader sees it: a float with the language's decimal mark and every digit it
    has (0.05 → '0,05'), an integer without grouping (a year, a seed), True/False as yes/no, a list joined
    with semicolons (a comma is the Vietnamese decimal mark), a mapping as 'key: value · …', None as
    'unknown', an empty text as '–'."""
    if isinstance(value, bool):
        return message("yes" if value else "no", lang)
    if isinstance(value, float):
        return format_decimal(value, lang, max(0, -Decimal(repr(value)).as_tuple().exponent), grouping=False)
    if value is None:
        return message("html_unknown", lang)
    if isinstance(value, dict):
        return " · ".join(f"{key}: {format_parameter(item, lang)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(format_parameter(item, lang) for item in value)
    return str(value) if str(value) else MISSING
