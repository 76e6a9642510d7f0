"""Bring your own yearly (or monthly) series: a researcher's counts as a first-class input.

A series file has the columns of the ``series`` table of ``data/codebook/columns.csv`` (template:
``data/templates/series_template.csv``; guide: ``docs/own_series.md``). :func:`load_series` reads
it, checks every cell, picks the rows of one place and one indicator, checks that their sources are
registered in ``data/raw/sources.csv``, and returns them with their provenance
(:class:`LoadedSeries`). Every problem is a :class:`antt.errors.DataError` naming the file, the
1-based data row and the column; nothing here writes a file.

Place matching (:func:`match_place`). A place name has up to three parts: the name proper, an
administrative level (a leading «xã», «phường», «thị trấn», «thị xã», «thành phố», «huyện»,
«quận», «tỉnh», the abbreviations «X.», «P.», «TT.», «H.», «Q.», «TX.», «TP.», or an English
«commune», «ward», «township», «district», «province» before or after it) and a qualifier in
parentheses (the district: «xã Ngọc Lũ (Bình Lục)»). Case, Unicode form (NFC/NFD), tone-mark
placement (``hoà`` = ``hòa``), spaces, hyphens and underscores never matter. Without diacritics,
only «xa», «thi tran», «thi xa», «thanh pho» and «huyen» are taken for a level: «Phuong», «Quan»
and «Tinh» begin real names (Phương Đình, Quan Sơn, Tĩnh Gia). Then:

* a name written *with* diacritics is a full name: «Ngọc Lủ» is not «Ngọc Lũ» (another tone is
  another name; the error points out the near miss);
* a name written *without* any diacritic («Ngoc Lu») stands for every name with those letters;
* a missing level or qualifier stands for any level or qualifier.

The rows of every written form compatible with the requested place are used together. When a
form left unspecified could mean two different places present in the file (or the request), the
load refuses and lists them, rather than guessing: «Ngoc Lu» when the file has both «Ngọc Lũ» and
«Ngọc Lủ»; «Ngọc Lũ» when it has «Ngọc Lũ (A)» and «Ngọc Lũ (B)».
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from antt import paths
from antt.data import codebook, schemas
from antt.data.io import read_csv_text
from antt.errors import DataError, quote
from antt.text import format_characters, key, nfc

__all__ = [
    "COLUMNS",
    "OPTIONAL",
    "REQUIRED",
    "TEMPLATE",
    "LoadedSeries",
    "NoRowsError",
    "PlaceName",
    "covers",
    "load_series",
    "match_place",
    "parse_place",
    "period_text",
    "place_key",
    "used_sources",
]

REQUIRED = ("source_id", "place", "indicator", "year", "count")
OPTIONAL = ("month", "population")
COLUMNS = tuple(schemas.SERIES.columns)  # file order: source_id, place, indicator, year, month, count, population
TEMPLATE = paths.DATA / "templates" / "series_template.csv"
GUIDE = "docs/own_series.md"

MIN_YEAR, MAX_YEAR = 1900, 2100  # as schemas.SERIES
MAX_COUNT = schemas.MAX_EXACT  # whole numbers above 2**53 are not exact in a float
MAX_LISTED = 12  # places or indicators listed in one error line (the runner keeps 600 characters of an error)
_DIGITS = re.compile(r"[0-9]+")
_SLUG = re.compile(schemas.SLUG)

# Administrative words that open a name, in key form (with diacritics), and their level.
_LEVEL_WORDS = {
    ("thị", "trấn"): "commune",
    ("xã",): "commune",
    ("phường",): "commune",
    ("thị", "xã"): "district",
    ("thành", "phố"): "district",
    ("huyện",): "district",
    ("quận",): "district",
    ("tỉnh",): "province",
    ("commune",): "commune",
    ("ward",): "commune",
    ("township",): "commune",
    ("district",): "district",
    ("province",): "province",
}
# The same written without diacritics; not «phuong», «quan», «tinh», which begin real names written
# without diacritics (Phương Đình, Quan Sơn, Tĩnh Gia).
_PLAIN_LEVEL_WORDS = {
    ("thi", "tran"): "commune",
    ("xa",): "commune",
    ("thi", "xa"): "district",
    ("thanh", "pho"): "district",
    ("huyen",): "district",
}
_ABBREVIATIONS = {
    "x": "commune",
    "p": "commune",
    "tt": "commune",
    "h": "district",
    "q": "district",
    "tx": "district",
    "tp": "district",
}
_ABBREVIATION_RE = re.compile(r"^(?P<abbr>tt|tx|tp|x|p|h|q)\.\s*(?P<rest>.*)$")
_TRAILING_WORDS = {
    "commune": "commune",
    "ward": "commune",
    "township": "commune",
    "district": "district",
    "province": "province",
}
_QUALIFIER_RE = re.compile(r"^(?P<name>.*?)\s*\((?P<qualifier>[^()]*)\)$")
_SEPARATORS = re.compile(r"[\s\-_‐‑–]+")


class NoRowsError(DataError):
    """A valid series file with no rows for the place (or for the indicator at that place); the
    message lists the places (or indicators) the file has."""


# --------------------------------------------------------------------------------------------
# Place names
# --------------------------------------------------------------------------------------------


def _bare(s: str) -> str:
    """``s`` without diacritics (đ → d), NFC."""
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in s if not unicodedata.combining(c)))


@dataclass(frozen=True)
class PlaceName:
    """A place name taken apart for matching (see the module docstring)."""

    written: str  # as written (NFC, spaces collapsed)
    name: str  # the name proper: key form (casefolded, canonical tone), level and qualifier removed
    level: str  # "commune", "district", "province" or "" (not stated)
    qualifier: str  # the qualifier in parentheses, without diacritics or level ("binh luc"), or ""

    @property
    def bare(self) -> str:
        return _bare(self.name)

    @property
    def plain(self) -> bool:
        """Written without any diacritic: stands for every name with the same letters."""
        return self.name == self.bare

    def compatible(self, other: PlaceName, skip: str = "") -> bool:
        """Could both denote the same place (``skip``: a part not compared)?"""
        return (
            self.bare == other.bare
            and (skip == "name" or self.plain or other.plain or self.name == other.name)
            and (skip == "level" or not self.level or not other.level or self.level == other.level)
            and (skip == "qualifier" or not self.qualifier or not other.qualifier or self.qualifier == other.qualifier)
        )

    def stated(self, part: str) -> str:
        """The value of ``part`` when the name states it, else ""."""
        if part == "name":
            return "" if self.plain else self.name
        return getattr(self, part)


def _strip_level(words: list[str]) -> tuple[list[str], str]:
    """Words of a name (key form) without a leading or trailing administrative word, and its level."""
    if words:
        if m := _ABBREVIATION_RE.match(words[0]):
            remaining = ([m["rest"]] if m["rest"] else []) + words[1:]
            if remaining:
                return remaining, _ABBREVIATIONS[m["abbr"]]
        for size in (2, 1):
            opening = tuple(words[:size])
            level = _LEVEL_WORDS.get(opening) or _PLAIN_LEVEL_WORDS.get(opening)
            if level and len(words) > size:
                return words[size:], level
        if len(words) > 1 and words[-1] in _TRAILING_WORDS:
            return words[:-1], _TRAILING_WORDS[words[-1]]
    return words, ""


def parse_place(written: str) -> PlaceName:
    """«Xã Ngọc Lũ (Bình Lục)» → name ``ngọc lũ``, level ``commune``, qualifier ``binh luc``."""
    text = key(written)
    qualifier = ""
    if (m := _QUALIFIER_RE.match(text)) and m["name"].strip() and m["qualifier"].strip():
        text = m["name"]
        q_words, _ = _strip_level(_SEPARATORS.sub(" ", m["qualifier"]).split())
        qualifier = _bare(" ".join(q_words))
    words, level = _strip_level(_SEPARATORS.sub(" ", text).split())
    return PlaceName(nfc(" ".join(written.split())), " ".join(words), level, qualifier)


def place_key(name: str) -> str:
    """The diacritic-free matching key of a place name.

    ``place_key("Xã Ngọc Lũ") == place_key("ngoc-lu") == place_key("Ngọc Lũ") == "ngoc lu"`` (NFD
    input too); a qualifier in parentheses is kept: ``place_key("xã Ngọc Lũ (Bình Lục)") ==
    "ngoc lu (binh luc)"``. Equal keys are necessary, not sufficient, for a match: see
    :func:`match_place` (a name written with diacritics must agree on them).
    """
    place = parse_place(name)
    return place.bare + (f" ({place.qualifier})" if place.qualifier else "")


def _listing(names, limit: int = MAX_LISTED) -> str:
    names = list(names)
    shown = ", ".join(quote(n, 30) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def match_place(requested: str, written: list[str], path: str | Path = "", indicator: str | None = None) -> list[str]:
    """The written forms (of ``written``, the distinct places of a file) that denote ``requested``.

    Raises DataError (naming ``path``, column ``place``) when a form left unspecified could mean
    two different places, and :class:`NoRowsError` when nothing matches (listing the places of the
    file and any near miss: the same letters with other diacritics).
    """
    if not key(requested):
        raise DataError(path, 'no place given: name the commune (e.g. commune="Ngọc Lũ")', column="place")
    want = parse_place(requested)
    places = {w: parse_place(w) for w in dict.fromkeys(written)}
    same_letters = [p for p in places.values() if p.bare == want.bare]
    chosen = [w for w, p in places.items() if p.bare == want.bare and p.compatible(want)]
    for one in [places[w] for w in chosen] + [want]:
        for part in ("name", "level", "qualifier"):
            if one.stated(part):
                continue
            meanings = {
                p.stated(part): p.written
                for p in same_letters + [want]
                if p.stated(part) and p.compatible(one, skip=part)
            }
            if len(meanings) > 1:
                who = "it" if one is want else f"the file's {quote(one.written)}"
                raise DataError(
                    path,
                    f"place {quote(requested)} is ambiguous: {who} could be any of "
                    f"{_listing(sorted(meanings.values()))}; write the place in full (diacritics, "
                    f"«xã»/«huyện», district in parentheses) in the file and in the parameter",
                    column="place",
                )
    if chosen:
        return chosen
    near = [p.written for p in same_letters]
    hint = (
        (
            f" (the file has {_listing(near)}: the same letters, but other diacritics, level or district, so "
            f"another place; correct the file or the parameter)"
        )
        if near
        else ""
    )
    what = f" (indicator {quote(indicator)})" if indicator else ""
    raise NoRowsError(
        path,
        f"no rows for place {quote(requested)}{what}{hint}; places in the file: "
        f"{_listing(sorted(places, key=lambda w: (parse_place(w).bare, w)))}",
        column="place",
    )


# --------------------------------------------------------------------------------------------
# Reading and checking a series file
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedSeries:
    """The counts of one place and indicator from a series file, with their provenance."""

    frame: pd.DataFrame  # year, [month], count, [population]: int64, sorted by period, one row per period
    path: Path
    place: str  # as written in the file (the fullest form when several were matched)
    places: tuple[str, ...]  # every written form matched, in file order
    indicator: str
    source_ids: tuple[str, ...]  # in order of their first period
    first_year: int
    last_year: int
    first_month: int | None  # monthly series only
    last_month: int | None
    rows: tuple[int, ...]  # 1-based data rows of the file used, in file order
    source_years: tuple[tuple[str, int, int], ...]  # (source_id, first year, last year) of each source

    @property
    def monthly(self) -> bool:
        return "month" in self.frame.columns


class _Problems:
    """Problems of a file, gathered so that the first one (by row, then column) is raised with a
    count of the others."""

    def __init__(self, path: Path, order: list[str]):
        self.path, self.order, self.items = path, order, []

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.items.append((row or 0, self.order.index(column) if column in self.order else -1, row, column, message))

    def raise_first(self) -> None:
        if not self.items:
            return
        _, _, row, column, message = min(self.items, key=lambda item: item[:2])
        more = f" ({len(self.items) - 1} more problem(s) in this file)" if len(self.items) > 1 else ""
        raise DataError(self.path, message + more, row=row, column=column)


def _whole(cell: str, what: str, low: int, high: int) -> tuple[int | None, str]:
    """(value, "") or (None, why) for a cell that must be a whole number in [low, high]."""
    if not _DIGITS.fullmatch(cell):
        if re.fullmatch(r"[0-9]+(?:[.,][0-9]+)+", cell):
            why = (
                "must be written with digits only, without thousands separators or decimals "
                "(1.630 and 1,5 are ambiguous)"
            )
        elif re.fullmatch(r"-[0-9]+", cell):
            why = "must not be negative"
        else:
            why = "must be a whole number written with digits"
        return None, f"{what} {quote(cell)} {why}"
    if len(cell.lstrip("0")) > len(str(high)) or not low <= int(cell) <= high:
        return None, f"{what} {quote(cell)} must be between {low} and {high}"
    return int(cell), ""


def _read(path: Path) -> pd.DataFrame:
    try:
        return read_csv_text(path, list(REQUIRED), optional=OPTIONAL)
    except OSError as exc:  # e.g. permission denied
        raise DataError(path, exc.strerror or str(exc)) from None


def _check_cells(path: Path, table: pd.DataFrame, known_indicators: list[str]) -> pd.DataFrame:
    """Every cell checked; returns the typed table (source_id, place, indicator, year, [month], count,
    [population], row). Entirely blank optional columns are dropped."""
    table = table.apply(lambda column: column.str.strip())
    for name in OPTIONAL:
        if name in table.columns and (table[name] == "").all():
            table = table.drop(columns=name)
    order = [c for c in COLUMNS if c in table.columns]
    problems = _Problems(path, order)
    typed: dict[str, list] = {c: [] for c in order}
    for row, record in enumerate(table[order].itertuples(index=False, name=None), start=1):
        for column, cell in zip(order, record):
            value, why = cell, ""
            hidden = format_characters(cell)
            if hidden:
                why = (
                    f"invisible character(s) {', '.join(f'U+{ord(c):04X}' for c in sorted(hidden))} in "
                    f"{quote(cell)}: delete them"
                )
            elif cell == "":
                why = {
                    "month": "blank month in a monthly series: give the month of every row, or leave the whole "
                    "column empty for a yearly series",
                    "population": "blank population: give it for every row, or leave the whole column empty",
                }.get(column, "blank cell in a required column")
            elif column == "source_id" and not _SLUG.fullmatch(cell):
                why = (
                    f"source_id {quote(cell)} must be a slug of lower-case letters, digits and hyphens, "
                    "as in data/raw/sources.csv"
                )
            elif column == "indicator" and cell not in known_indicators:
                why = _unknown_indicator(cell, known_indicators) + "; add a new statistic to the codebook first"
            elif column == "year":
                value, why = _whole(cell, "year", MIN_YEAR, MAX_YEAR)
            elif column == "month":
                value, why = _whole(cell, "month", 1, 12)
            elif column == "count":
                value, why = _whole(cell, "count", 0, MAX_COUNT)
            elif column == "population":
                value, why = _whole(cell, "population", 1, MAX_COUNT)
            if why:
                problems.add(row, column, why)
            typed[column].append(value)
    problems.raise_first()
    out = pd.DataFrame(typed)
    for column in ("year", "month", "count", "population"):
        if column in out:
            out[column] = out[column].astype("int64")
    out["row"] = range(1, len(out) + 1)
    return out


def _unknown_indicator(name: str, known: list[str]) -> str:
    near = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f"did you mean {_listing(near)}?" if near else f"known: {_listing(sorted(known))}"
    return f"indicator {quote(name)} is not a key of data/codebook/indicators.csv ({hint})"


def _check_duplicates(path: Path, rows: pd.DataFrame, periods: list[str], place: str | None = None) -> None:
    """One row per (place, indicator, period); ``place`` names the matched place when the rows of several
    written forms are compared together."""
    keys = (["_place"] if place is None else []) + ["indicator", *periods]
    repeated = rows[rows.duplicated(keys, keep=False)]
    if repeated.empty:
        return
    second = rows[rows.duplicated(keys, keep="first")].iloc[0]
    first = repeated[(repeated[keys] == second[keys]).all(axis=1)].iloc[0]
    when = "/".join(str(second[p]) for p in reversed(periods))
    sources = (
        (
            f" (sources {quote(first['source_id'])} and {quote(second['source_id'])}: the years of several sources "
            f"must not overlap)"
        )
        if first["source_id"] != second["source_id"]
        else ""
    )
    where = quote(place if place is not None else second["place"])
    raise DataError(
        path,
        f"{when} appears twice for place {where} and indicator {quote(second['indicator'])}: rows "
        f"{first['row']} and {second['row']}{sources}; keep one row per period",
        row=int(second["row"]),
        column=periods[-1],
    )


def _check_sources(path: Path, rows: pd.DataFrame, sources) -> None:
    if sources is _ANY_SOURCE:
        return
    known = set(sources["source_id"])
    for row in rows.itertuples():
        if row.source_id not in known:
            raise DataError(
                path,
                f"source_id {quote(row.source_id)} is not registered in data/raw/sources.csv nor in a "
                f"{SIDECAR} beside the series: add its row (citation, publisher, dates, licence, "
                f"checksum) as {GUIDE} says; registered: {_listing(sorted(known))}",
                row=int(row.row),
                column="source_id",
            )


def requested_count_indicator(path: Path, indicator, indicators: pd.DataFrame, holder: str) -> str:
    """The indicator asked for, as a key of ``indicators`` (``codebook.load_indicators``), which must be a count;
    a DataError naming ``path`` and the column otherwise (``holder``: "a series", "a panel": what holds counts)."""
    known = list(indicators["indicator"])
    name = key(indicator) if isinstance(indicator, str) else indicator
    if not isinstance(name, str) or name not in known:
        raise DataError(path, f"the requested {_unknown_indicator(str(indicator), known)}", column="indicator")
    kind = dict(zip(indicators["indicator"], indicators["kind"]))[name]
    if kind != "count":
        raise DataError(
            path,
            f"indicator {quote(name)} is a {kind} in data/codebook/indicators.csv; {holder} holds counts: "
            f"choose a count indicator",
            column="indicator",
        )
    return name


def load_series(
    path: str | Path,
    place: str,
    indicator: str,
    sources: pd.DataFrame | None = None,
    codebook_dir: str | Path | None = None,
) -> LoadedSeries:
    """The counts of ``place`` and ``indicator`` in the series file ``path``, checked.

    ``place`` is matched as the module docstring says; ``indicator`` must be a count indicator of
    ``data/codebook/indicators.csv``. ``sources`` (default: ``data/raw/sources.csv``) must register
    every ``source_id`` of the chosen rows. Every cell of the file is checked (a blank required
    cell, a count that is not a non-negative whole number, a year outside 1900–2100, a month outside
    1–12, a partly blank ``month`` or ``population`` column, an unknown indicator), and each period
    occurs once per place and indicator. Raises :class:`DataError` (file, row, column) otherwise,
    :class:`NoRowsError` (a DataError) when the file has no rows for the place and indicator;
    never writes anything.
    """
    path = Path(path)
    indicators = codebook.load_indicators(codebook_dir)
    known = list(indicators["indicator"])
    indicator = requested_count_indicator(path, indicator, indicators, "a series")
    if not isinstance(place, str):
        raise DataError(path, f"the place must be text, got {quote(place)}", column="place")

    table = _check_cells(path, _read(path), known)
    periods = ["year", "month"] if "month" in table else ["year"]
    table["_place"] = [(lambda p: f"{p.name}|{p.level}|{p.qualifier}")(parse_place(w)) for w in table["place"]]
    _check_duplicates(path, table, periods)

    written = list(dict.fromkeys(table["place"]))
    forms = match_place(place, written, path, indicator)
    rows = table[table["place"].isin(forms)]
    chosen = rows[rows["indicator"] == indicator]
    if chosen.empty:
        present = sorted(set(rows["indicator"]))
        raise NoRowsError(
            path,
            f"no rows for place {quote(place)} with indicator {quote(indicator)}; indicators for "
            f"this place in the file: {_listing(present)}",
            column="indicator",
        )
    _check_duplicates(path, chosen, periods, place=place)
    _check_sources(path, chosen, clean_sources(sources, path))

    chosen = chosen.sort_values(periods, kind="stable")
    frame = chosen[[c for c in ("year", "month", "count", "population") if c in chosen]].reset_index(drop=True)
    first, last = chosen.iloc[0], chosen.iloc[-1]
    used = [f for f in forms if f in set(chosen["place"])]
    fullest = min(
        used,
        key=lambda f: (parse_place(f).plain, not parse_place(f).level, not parse_place(f).qualifier, used.index(f)),
    )
    monthly = "month" in chosen
    return LoadedSeries(
        frame=frame,
        path=path,
        place=fullest,
        places=tuple(used),
        indicator=indicator,
        source_ids=tuple(dict.fromkeys(chosen["source_id"])),
        first_year=int(first["year"]),
        last_year=int(last["year"]),
        first_month=int(first["month"]) if monthly else None,
        last_month=int(last["month"]) if monthly else None,
        rows=tuple(int(r) for r in sorted(chosen["row"])),
        source_years=tuple(
            (str(s), int(g["year"].min()), int(g["year"].max())) for s, g in chosen.groupby("source_id", sort=False)
        ),
    )


def indicators_in(path: str | Path, codebook_dir: str | Path | None = None) -> set[str]:
    """The indicators a series file has counts for (every cell checked, as :func:`load_series` does)."""
    path = Path(path)
    known = list(codebook.load_indicators(codebook_dir)["indicator"])
    return set(_check_cells(path, _read(path), known)["indicator"])


def covers(path: str | Path, place: str, indicator: str, codebook_dir: str | Path | None = None) -> bool:
    """Whether the series file has rows for ``place`` and ``indicator`` (the file is checked as
    :func:`load_series` checks it, sources aside: a bad file or an ambiguous place still raises)."""
    try:
        load_series(path, place, indicator, sources=_ANY_SOURCE, codebook_dir=codebook_dir)
    except NoRowsError:
        return False
    return True


_ANY_SOURCE = object()  # for covers(): sources are not checked


SIDECAR = "sources.csv"  # a series' own source registry, beside the series file


def registered_sources(path: str | Path) -> pd.DataFrame:
    """The sources a series file may cite: ``data/raw/sources.csv`` and, when there is one, the
    ``sources.csv`` beside the series file (the same columns and checks, for records kept outside the
    repository). An id registered in both must have the same row in both."""
    from antt.data import clean

    project = clean.load_sources()
    sidecar = Path(path).parent / SIDECAR
    if not sidecar.is_file() or sidecar.resolve() == (paths.RAW / SIDECAR).resolve():
        return project
    extra = clean.load_sources(sidecar.parent)
    known = project.set_index("source_id")
    for row, record in enumerate(extra.itertuples(index=False), start=1):
        if record.source_id in known.index and tuple(known.loc[record.source_id]) != tuple(record)[1:]:
            raise DataError(
                sidecar,
                f"source_id {quote(record.source_id)} is also registered in data/raw/sources.csv, "
                f"with other details: use another id or the same row",
                row=row,
                column="source_id",
            )
    return pd.concat([project, extra[~extra["source_id"].isin(known.index)]], ignore_index=True)


def clean_sources(sources: pd.DataFrame | None, path: str | Path | None = None) -> pd.DataFrame:
    """``sources`` or, when None, the registered sources: ``registered_sources(path)`` for a series file,
    else ``data/raw/sources.csv`` (validated)."""
    if sources is not None:
        return sources
    if path is not None:
        return registered_sources(path)
    from antt.data import clean

    return clean.load_sources()


# --------------------------------------------------------------------------------------------
# What a report says about a series
# --------------------------------------------------------------------------------------------


def period_text(loaded: LoadedSeries) -> str:
    """'2012–2024' (yearly) or '01/2012–12/2024' (monthly): the period the series really covers.
    Gaps inside it are not shown; a single period is given once ('2020')."""
    if loaded.monthly:
        start, end = f"{loaded.first_month:02d}/{loaded.first_year}", f"{loaded.last_month:02d}/{loaded.last_year}"
    else:
        start, end = str(loaded.first_year), str(loaded.last_year)
    return start if start == end else f"{start}–{end}"


def used_sources(loaded: LoadedSeries, sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows of ``sources`` (default: ``data/raw/sources.csv``) the series' counts come from, in the
    series' order."""
    sources = clean_sources(sources, loaded.path)
    by_id = sources.set_index("source_id")
    return by_id.loc[list(loaded.source_ids)].reset_index()
