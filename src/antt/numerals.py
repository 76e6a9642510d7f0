"""The Vietnamese figure parser: statistics as an article writes them, with their bounds.

Conventions of Vietnamese writing (the tests are the specification):

* ``.`` groups thousands (``1.630`` = 1630, ``1.234.567``); ``,`` is the decimal mark
  (``1,5`` = 1.5). A ``.`` followed by anything but three digits (``1.5``) is refused.
* Scale words multiply: ``nghìn``/``ngàn`` 1e3, ``triệu`` 1e6, ``tỷ``/``tỉ`` 1e9, and they
  chain (``1,5 nghìn tỷ`` = 1.5e12). Input is NFC-normalised, any Unicode space (NBSP...)
  counts as a space, keywords are case-insensitive.
* Ambiguity is flagged, never guessed: a lone ``,`` followed by exactly three digits after a
  1-3 digit integer part without leading zero (``1,630``) reads 1.63 in Vietnamese and 1630 in
  English; English thousands (``1,234,567``) and English order (``1,234.5``) are flagged too.
  ``parse_figure`` returns ``needs_review=True`` for them; ``parse_number`` raises.
* Qualifier bounds assume the writer rounded to the last non-zero digit written: ``step`` is the
  place value of that digit times the scale (``20 nghìn`` -> 10 000, ``1.630`` -> 10,
  ``1,5 triệu`` -> 100 000; a written zero -> 1 times the scale). ``gần X`` (nearly) ->
  [X - step/2, X]; ``trên X``/``hơn X`` (more than) -> [X, X + step]; ``khoảng X``/``chừng X``
  (about) -> [X - step/2, X + step/2], lower bounds clipped at 0.
* ``hàng chục``/``trăm``/``nghìn``... (order of magnitude 10**k) -> [10**k, 10**(k+1) - 1].
* ``không phát sinh ...``/``không có ...`` is a stated zero, unless it says the data are
  missing (``không có số liệu``, ``thông tin``, ``thống kê``, ``báo cáo``): that is an error.
* ``a/b`` is a fraction (a qualifier applies to the numerator) unless it looks like a date:
  three parts (``16/2/2017``), day/month (``16/2``: a <= 31, b <= 12, a > b, both 1-2 digits),
  month/year (``2/2017``: a <= 12, b a year 1900-2100 written without ``.``) or a year range
  (``2017/2018``). Percentages are in percent units (0-100, more allowed).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from antt.errors import quote

__all__ = ["FigureParseError", "ParsedFigure", "parse_figure", "parse_number"]

SCALES = {"nghìn": 10**3, "ngàn": 10**3, "triệu": 10**6, "tỷ": 10**9, "tỉ": 10**9}
QUALIFIERS = {"gần": "nearly", "trên": "more_than", "hơn": "more_than", "khoảng": "about", "chừng": "about"}
ORDINALS = {
    "nhất": 1,
    "nhì": 2,
    "hai": 2,
    "ba": 3,
    "tư": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
    "mười": 10,
}
MAGNITUDES = {"chục": 10, "trăm": 100, **SCALES}
NO_DATA = ("số liệu", "thông tin", "thống kê", "báo cáo")  # "không có số liệu": no data, not zero

_SCALE_ALT = "|".join(SCALES)
_NUMBER_RE = re.compile(rf"([0-9.,]+)( ?(?:{_SCALE_ALT})(?: (?:{_SCALE_ALT}))*)?")
_VIETNAMESE_RE = re.compile(r"(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]+)?")
_AMBIGUOUS_RE = re.compile(r"[1-9][0-9]{0,2},[0-9]{3}")
_ENGLISH_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_MAGNITUDE_RE = re.compile(rf"hàng ((?:chục |trăm )?(?:{_SCALE_ALT})|chục|trăm)")
_DIGITS_RE = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class ParsedFigure:
    """A figure as written (``raw_text``) and what it means.

    ``value``: the count, the numerator, the percentage (0-100) or the rank; None for
    ``magnitude`` and when ``needs_review``. ``lower``/``upper``: bounds implied by the
    qualifier (equal to ``value`` when exact); None when ``needs_review``.
    """

    raw_text: str
    kind: str  # "count" | "fraction" | "percent" | "rank" | "stated_zero" | "magnitude"
    value: float | None
    denominator: float | None
    lower: float | None
    upper: float | None
    qualifier: str  # "exact" | "nearly" | "more_than" | "about" | "order_of_magnitude" | "stated_absence"
    needs_review: bool = False
    review_reason: str = ""


class FigureParseError(ValueError):
    """A text that is not a figure; the message quotes the text and says what is wrong."""


class _Ambiguous(FigureParseError):
    """A number with two plausible readings (Vietnamese vs English separators)."""


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _number(text: str) -> tuple[Decimal, Decimal]:
    """Value and rounding step of a bare number with optional scale words (normalised text)."""
    match = _NUMBER_RE.fullmatch(text.casefold())
    if not match:
        raise FigureParseError(
            f"{quote(text)} is not a number (digits with Vietnamese separators, "
            f"optionally followed by nghìn/ngàn/triệu/tỷ)"
        )
    token, scale = match.group(1), Decimal(1)
    for word in (match.group(2) or "").split():
        scale *= SCALES[word]
    if _VIETNAMESE_RE.fullmatch(token):
        if _AMBIGUOUS_RE.fullmatch(token):
            raise _Ambiguous(
                f"{quote(text)} is ambiguous: in Vietnamese ',' is the decimal mark "
                f"({token} = {Decimal(token.replace(',', '.')).normalize()} written with a decimal "
                f"point) but in English it groups thousands "
                f"({token} = {token.replace(',', '')}); check the source"
            )
        value = Decimal(token.replace(".", "").replace(",", "."))
        step = Decimal(1).scaleb(value.normalize().as_tuple().exponent) if value else Decimal(1)
        return value * scale, step * scale
    if _ENGLISH_RE.fullmatch(token):
        raise _Ambiguous(
            f"{quote(text)} uses English separators (',' groups thousands, '.' is the decimal mark); "
            f"Vietnamese writes 1.234.567 and 1,5; check the source"
        )
    if "." in token:
        raise FigureParseError(
            f"{quote(text)} is not a Vietnamese number: '.' groups thousands in threes (1.630 = 1630) "
            f"and the decimal mark is ',' (1,5 = 1.5)"
        )
    raise FigureParseError(f"{quote(text)} is not a number: misplaced ',' or '.'")


def parse_number(text: str) -> float:
    """A bare number with optional scale words: ``"1.630"`` -> 1630.0, ``"1,5"`` -> 1.5,
    ``"20 nghìn"`` -> 20000.0. Raises :class:`FigureParseError`, also for ambiguous numbers."""
    return float(_number(_normalise(text))[0])


def _date_like(parts: list[str]) -> bool:
    if len(parts) > 2:
        return True
    a, b = parts
    if not (_DIGITS_RE.fullmatch(a) and _DIGITS_RE.fullmatch(b)):
        return False
    x, y = int(a), int(b)
    years = range(1900, 2101)
    return (len(a) <= 2 and len(b) <= 2 and 1 <= y <= 12 and y < x <= 31) or (
        len(b) == 4 and y in years and (1 <= x <= 12 or (len(a) == 4 and y == x + 1))
    )


def _bounds(qualifier: str, value: Decimal, step: Decimal) -> tuple[float, float]:
    lower, upper = {
        "exact": (value, value),
        "nearly": (value - step / 2, value),
        "more_than": (value, value + step),
        "about": (value - step / 2, value + step / 2),
    }[qualifier]
    return float(max(lower, Decimal(0))), float(upper)


def parse_figure(text: str) -> ParsedFigure:
    """Parse the whole raw text of a figure (count, fraction, percent, rank, stated zero,
    order of magnitude) with its qualifier; see the module docstring for the conventions."""
    s = _normalise(text)
    low = s.casefold()
    if not s:
        raise FigureParseError(f"{quote(text)} is empty, not a figure")
    if re.match(r"không (?:phát sinh|có)(?: |$)", low):
        if any(word in low for word in NO_DATA):
            raise FigureParseError(f"{quote(text)} says data are missing, not a zero")
        return ParsedFigure(text, "stated_zero", 0.0, None, 0.0, 0.0, "stated_absence")
    if match := re.fullmatch(r"thứ (\S+)", low):
        word = match.group(1)
        rank = ORDINALS.get(word) or (int(word) if _DIGITS_RE.fullmatch(word) and int(word) else None)
        if rank is None:
            raise FigureParseError(f"{quote(text)} is not a rank (thứ nhất, thứ hai, ..., thứ 12)")
        return ParsedFigure(text, "rank", float(rank), None, float(rank), float(rank), "exact")
    if match := _MAGNITUDE_RE.fullmatch(low):
        unit = 1
        for word in match.group(1).split():
            unit *= MAGNITUDES[word]
        return ParsedFigure(text, "magnitude", None, None, float(unit), float(10 * unit - 1), "order_of_magnitude")
    qualifier = "exact"
    if (match := re.match(r"(\S+) ", low)) and match.group(1) in QUALIFIERS:
        qualifier, s = QUALIFIERS[match.group(1)], s[match.end() :]
    kind, denominator, parts = "count", None, [s]
    if "/" in s:
        kind, parts = "fraction", [p.strip() for p in s.split("/")]
        if _date_like(parts):
            raise FigureParseError(f"{quote(text)} looks like a date, not a statistic")
    elif s.endswith("%"):
        kind, parts = "percent", [s[:-1].rstrip()]
    try:
        if kind == "fraction":
            denominator = float(_number(parts[1])[0])
        value, step = _number(parts[0])
    except _Ambiguous as err:
        return ParsedFigure(text, kind, None, denominator, None, None, qualifier, True, str(err))
    except FigureParseError as err:
        raise FigureParseError(f"cannot read {quote(text)} as a figure: {err}") from None
    if denominator == 0:
        raise FigureParseError(f"{quote(text)} has a zero denominator")
    return ParsedFigure(text, kind, float(value), denominator, *_bounds(qualifier, value, step), qualifier)
