"""A commune-year panel: yearly counts of several communes, for designs with comparison units.

A panel file has the columns of the ``panel`` table of ``data/codebook/columns.csv`` (template:
``data/templates/panel_template.csv``; guide: ``docs/panel.md``): one row per commune, indicator and
year, with the year each commune adopted the model being evaluated. It feeds designs that compare
communes (staggered difference-in-differences, synthetic control, controlled interrupted time
series). :func:`load_panel` reads it, checks every cell, groups the rows into units, picks the rows of
one indicator, checks that their sources are registered, and returns them with their provenance
(:class:`LoadedPanel`). Every problem is a :class:`antt.errors.DataError` naming the file, the 1-based
data row and the column; nothing here writes a file.

Units. A unit is a (commune, district, province) triple. Each part is compared as
:mod:`antt.data.series` compares place names (:func:`antt.data.series.parse_place`): case, Unicode form
(NFC/NFD), tone-mark placement (``hoà`` = ``hòa``), spaces, hyphens and the level word («xã»,
«phường», «thị trấn», «huyện», «thị xã», «thành phố», «quận», «tỉnh», «X.», «H.», …) never matter;
another tone is another name («Ngọc Lủ» is not «Ngọc Lũ»). A district in parentheses after the
commune («Ngọc Lũ (Bình Lục)», or «(Bình Lục, Hà Nam)») that repeats the row's district (and
province) is ignored, as is a province in parentheses after the district; any other parenthesis
(«Ngọc Lũ (cũ)») is part of the name. A district written ``-`` means that the source's boundaries
have no district level (the two-tier administration from 1 July 2025).

A part written without any diacritic («Ngoc Lu») stands for every name with those letters: the rows
of «Ngoc Lu» belong to the unit «Ngọc Lũ» of the same district and province when the file has exactly
one such unit (or none: then «Ngoc Lu» is a unit of its own). When the file has two («Ngọc Lũ» and
«Ngọc Lủ»), nothing is guessed: the first row of «Ngoc Lu» is an error that lists them.

Every written form of a unit is kept (:attr:`LoadedPanel.written`); the unit's display name is its
first written form in the file, as ``"commune (district, province)"``. Units are named and ordered by
the whole file (every indicator), so the loads of two indicators of one file name their units alike.
The tool never maps communes across the 2025 mergers: pre- and post-merger names are different
units (``docs/panel.md``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from antt import paths
from antt.data import codebook, schemas
from antt.data.io import read_csv_text
from antt.data.series import (
    _QUALIFIER_RE,
    _SEPARATORS,
    _SLUG,
    MAX_COUNT,
    MAX_YEAR,
    MIN_YEAR,
    SIDECAR,
    NoRowsError,
    _bare,
    _listing,
    _Problems,
    _strip_level,
    _unknown_indicator,
    _whole,
    clean_sources,
    requested_count_indicator,
)
from antt.errors import DataError, one_line, quote
from antt.text import format_characters, key

__all__ = [
    "COLUMNS",
    "GUIDE",
    "NO_DISTRICT",
    "OPTIONAL",
    "REQUIRED",
    "TEMPLATE",
    "LoadedPanel",
    "find_units",
    "indicators_in_panel",
    "load_panel",
    "used_sources",
]

# Columns the header must have (``adoption_year``'s cells may be empty: not adopted in the panel's years).
REQUIRED = ("source_id", "commune", "district", "province", "indicator", "year", "count", "adoption_year")
OPTIONAL = ("population",)
COLUMNS = tuple(schemas.PANEL.columns)  # file order: source_id, commune, district, province, indicator,
# year, count, population, adoption_year
TEMPLATE = paths.DATA / "templates" / "panel_template.csv"
GUIDE = "docs/panel.md"
NO_DISTRICT = "-"  # the district of a commune under boundaries with no district level (from 1 July 2025)

MAX_UNITS_LISTED = 6  # display names are long: the runner keeps 600 characters of an error
_PLACES = ("commune", "district", "province")
_QUALIFIER_SPLIT = re.compile(r"\s*[,;]\s*")


# --------------------------------------------------------------------------------------------
# Names of the parts of a unit
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    """One part (commune, district or province) of a unit's name, in the forms it is compared in."""

    letters: str  # the name without diacritics nor level word (+ " (qualifier)"): equal for one unit
    stated: str  # the name with its diacritics, key form (+ qualifier); "" when written without any

    def compatible(self, other: _Part) -> bool:
        """Could both be the same name (a name without diacritics stands for every name with its letters)?"""
        return self.letters == other.letters and (not self.stated or not other.stated or self.stated == other.stated)


def _name_words(text: str) -> str:
    """The name proper of ``text`` (key form): separators collapsed, the level word removed."""
    words, _level = _strip_level(_SEPARATORS.sub(" ", key(text)).split())
    return " ".join(words)


def _split(written: str) -> tuple[str, tuple[str, ...]]:
    """«xã Ngọc Lũ (Bình Lục, Hà Nam)» → («xã ngọc lũ», ("binh luc", "ha nam")): the name (key form) and the
    pieces of a trailing parenthesis, without diacritics nor level word."""
    text = key(written)
    if (m := _QUALIFIER_RE.match(text)) and m["name"].strip() and m["qualifier"].strip():
        pieces = (_bare(_name_words(p)) for p in _QUALIFIER_SPLIT.split(m["qualifier"]))
        return m["name"], tuple(p for p in pieces if p)
    return text, ()


def _part(written: str, redundant: tuple[tuple[str, ...], ...] = ()) -> _Part:
    """The part ``written``, with a parenthesis that is one of ``redundant`` (the row's district and province,
    say) left out."""
    text, qualifier = _split(written)
    if qualifier in redundant:
        qualifier = ()
    name = _name_words(text)
    bare = _bare(name)
    suffix = f" ({', '.join(qualifier)})" if qualifier else ""
    return _Part(bare + suffix, ("" if name == bare else name) + suffix)


def _letters_only(written: str) -> str:
    """The name of ``written`` without diacritics, level word or parenthesis (for redundancy checks)."""
    return _bare(_name_words(_split(written)[0]))


def _identity(commune: str, district: str, province: str) -> tuple[_Part, _Part, _Part]:
    """The unit a row's three cells name (a parenthesis repeating the outer parts is left out)."""
    d, p = _letters_only(district), _letters_only(province)
    return (_part(commune, ((d,), (d, p))), _part(district, ((p,),)), _part(province))


def _compatible(a: tuple[_Part, ...], b: tuple[_Part, ...]) -> bool:
    return all(x.compatible(y) for x, y in zip(a, b))


def _display(commune: str, district: str, province: str) -> str:
    return f"{commune} ({district}, {province})"


def _units_listing(units, limit: int = MAX_UNITS_LISTED) -> str:
    """Display names quoted in full (up to the error's quoting limit), at most ``limit`` of them."""
    units = list(units)
    shown = ", ".join(quote(u) for u in units[:limit])
    return shown + (f" and {len(units) - limit} more" if len(units) > limit else "")


def _written(cell: str) -> str:
    """A name as written: spaces collapsed (the file is NFC already)."""
    return " ".join(cell.split())


# --------------------------------------------------------------------------------------------
# The loaded panel
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedPanel:
    """The counts of one indicator for every unit of a panel file, with their provenance.

    ``frame`` has one row per unit and year, sorted by unit (in the order of :attr:`units`) then year:
    ``unit`` (str, the display name), ``commune``, ``district``, ``province`` (str, the unit's first
    written forms), ``year`` (int64, calendar year), ``count`` (int64, events in the year, ≥ 0; 0 is a
    recorded zero), ``population`` (int64, people, > 0; only when the file has the column) and
    ``adoption_year`` (Int64, calendar year; ``<NA>`` = the unit did not adopt the model within the
    panel's years). A year missing for a unit has no row (:attr:`gaps`), never a zero.
    """

    frame: pd.DataFrame
    path: Path
    indicator: str
    units: tuple[str, ...]  # display names "commune (district, province)", in order of first appearance in the file
    written: dict[str, tuple[str, ...]]  # unit -> every written commune form of the file, in file order
    source_ids: tuple[str, ...]  # of the indicator's rows, in file order
    first_year: int  # the panel's first and last years (of the indicator's rows)
    last_year: int
    rows: tuple[int, ...]  # 1-based data rows used (the indicator's rows), ascending
    gaps: dict[str, tuple[int, ...]]  # unit -> years between first_year and last_year it has no row for
    # unit -> its (commune, district, province) as compared (for find_units); internal, not part of the API
    _parts: dict[str, tuple[_Part, _Part, _Part]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def adoption(self) -> dict[str, int | None]:
        """Unit -> the first year it ran the model (None: not adopted within the panel's years). A year
        before :attr:`first_year` means treated throughout; after :attr:`last_year`, not yet treated."""
        firsts = self.frame.drop_duplicates("unit")
        return {
            unit: None if pd.isna(year) else int(year) for unit, year in zip(firsts["unit"], firsts["adoption_year"])
        }


# --------------------------------------------------------------------------------------------
# Reading and checking a panel file
# --------------------------------------------------------------------------------------------


@dataclass
class _Unit:
    display: str
    first: tuple[str, str, str]  # first written (commune, district, province)
    parts: tuple[_Part, _Part, _Part]  # resolved: each part's letters and its diacritics when any form states them
    written: list[str]  # commune forms, file order
    rows: list[int]


@dataclass
class _Checked:
    table: pd.DataFrame  # typed rows (row: 1-based) with their ``unit`` (display name)
    units: dict[str, _Unit]  # in order of first appearance
    has_population: bool


def _read(path: Path) -> pd.DataFrame:
    try:
        return read_csv_text(path, list(REQUIRED), optional=OPTIONAL)
    except OSError as exc:  # e.g. permission denied
        raise DataError(path, exc.strerror or str(exc)) from None


def _place_problem(column: str, cell: str) -> str:
    if column == "district" and cell == NO_DISTRICT:
        return ""
    if not any(c.isalnum() for c in _part(cell).letters):
        extra = (
            f" (or {NO_DISTRICT} when the source's boundaries have no district level)" if column == "district" else ""
        )
        return f"{column} {quote(cell)} has no name: write the {column} as the source names it{extra}"
    return ""


def _check_cells(path: Path, table: pd.DataFrame, kinds: dict[str, str]) -> tuple[pd.DataFrame, bool]:
    """Every cell checked; returns the typed rows (an entirely blank population column dropped) and
    whether the file has populations."""
    table = table.apply(lambda column: column.str.strip())
    if "population" in table.columns and (table["population"] == "").all():
        table = table.drop(columns="population")
    order = [c for c in COLUMNS if c in table.columns]
    problems = _Problems(path, order)
    typed: dict[str, list] = {c: [] for c in order}
    known = list(kinds)
    place_problems: dict[tuple[str, str], str] = {}  # (column, cell) -> problem: names repeat on many rows
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
                if column == "adoption_year":
                    value = None  # not adopted within the panel's years
                elif column == "population":
                    why = "blank population: give it for every row, or leave the whole column empty"
                else:
                    why = "blank cell in a required column"
            elif column == "source_id" and not _SLUG.fullmatch(cell):
                why = (
                    f"source_id {quote(cell)} must be a slug of lower-case letters, digits and hyphens, "
                    "as in data/raw/sources.csv"
                )
            elif column in _PLACES:
                if (column, cell) not in place_problems:
                    place_problems[column, cell] = _place_problem(column, cell)
                value, why = _written(cell), place_problems[column, cell]
            elif column == "indicator":
                if cell not in kinds:
                    why = _unknown_indicator(cell, known) + "; add a new statistic to the codebook first"
                elif kinds[cell] != "count":
                    why = (
                        f"indicator {quote(cell)} is a {kinds[cell]} in data/codebook/indicators.csv; a panel "
                        f"holds counts: choose a count indicator"
                    )
            elif column == "year":
                value, why = _whole(cell, "year", MIN_YEAR, MAX_YEAR)
            elif column == "count":
                value, why = _whole(cell, "count", 0, MAX_COUNT)
            elif column == "population":
                value, why = _whole(cell, "population", 1, MAX_COUNT)
            elif column == "adoption_year":
                value, why = _whole(cell, "adoption_year", MIN_YEAR, MAX_YEAR)
            if why:
                problems.add(row, column, why)
            typed[column].append(value)
    problems.raise_first()
    out = pd.DataFrame({c: pd.Series(v, dtype=object if c == "adoption_year" else None) for c, v in typed.items()})
    out["row"] = range(1, len(out) + 1)
    return out, "population" in out


def _resolve_units(table: pd.DataFrame, problems: _Problems) -> tuple[list[str | None], dict[str, _Unit]]:
    """The unit of every row (None where the name is ambiguous: a problem is added) and the units."""
    places = list(zip(table["commune"], table["district"], table["province"]))
    first_row: dict[tuple, int] = {}  # written triple -> first row
    identity: dict[tuple, tuple] = {}  # written triple -> identity
    first_of: dict[tuple, int] = {}  # identity -> first row
    for row, written in enumerate(places, start=1):
        if written not in first_row:
            first_row[written] = row
            identity[written] = ident = _identity(*written)
            first_of.setdefault(ident, row)
    written_of = {ident: w for w, ident in reversed(identity.items())}  # identity -> its first written triple
    groups: dict[tuple, list[tuple]] = {}
    for ident in first_of:  # file order
        groups.setdefault(tuple(p.letters for p in ident), []).append(ident)

    unit_of: dict[tuple, str] = {}  # identity -> display name
    resolved: list[tuple[int, tuple, list[tuple]]] = []  # (first row, first written, identities)
    for group in groups.values():
        clear = []
        for ident in group:
            neighbours = [other for other in group if _compatible(ident, other)]
            for i, column in enumerate(_PLACES):
                stated = {}
                for other in neighbours:
                    if other[i].stated:
                        stated.setdefault(other[i].stated, _display(*written_of[other]))
                if len(stated) > 1:
                    w = written_of[ident]
                    problems.add(
                        first_of[ident],
                        column,
                        f"{column} {quote(w[i])} (of {quote(_display(*w))}) is ambiguous: written without "
                        f"diacritics, it could be the {column} of {_units_listing(stated.values())}; write "
                        f"it with its diacritics as the source does",
                    )
                    break
            else:
                clear.append(ident)
        # Without the ambiguous identities, compatibility is transitive: the components are the units.
        components: list[list[tuple]] = []
        for ident in clear:
            home = next((c for c in components if _compatible(ident, c[0])), None)
            if home is None:
                components.append([ident])
            else:
                home.append(ident)
        for members in components:
            row = min(first_of[m] for m in members)
            first = next(written_of[m] for m in members if first_of[m] == row)
            resolved.append((row, first, members))

    units: dict[str, _Unit] = {}
    for row, first, members in sorted(resolved, key=lambda item: item[0]):
        display = _display(*first)
        if display in units:  # two units whose written forms read alike (commas or parentheses in names)
            problems.add(
                row,
                "commune",
                f"unit {quote(display)} reads like the unit of row {units[display].rows[0]}, but is another: "
                f"write the names without commas or parentheses",
            )
            continue
        parts = tuple(
            _Part(members[0][i].letters, next((m[i].stated for m in members if m[i].stated), "")) for i in range(3)
        )
        units[display] = _Unit(display, first, parts, [], [])
        for m in members:
            unit_of[m] = display
    assignment: list[str | None] = []
    for row, written in enumerate(places, start=1):
        display = unit_of.get(identity[written])
        assignment.append(display)
        if display is not None:
            unit = units[display]
            unit.rows.append(row)
            if written[0] not in unit.written:
                unit.written.append(written[0])
    order = sorted(units.values(), key=lambda u: u.rows[0])
    return assignment, {u.display: u for u in order}


def _check_units(path: Path, table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, _Unit]]:
    """Units resolved, one adoption year per unit, one row per unit, indicator and year."""
    problems = _Problems(path, list(COLUMNS))
    assignment, units = _resolve_units(table, problems)
    table = table.assign(unit=pd.Series(assignment, index=table.index, dtype=object))  # None: ambiguous
    adoption: dict[str, tuple[int, int | None]] = {}  # unit -> (row, adoption year) of its first row
    seen: dict[tuple, tuple[int, str, str]] = {}  # (unit, indicator, year) -> (row, source_id, commune)
    differing: set[str] = set()
    for record in table.itertuples(index=False):
        if record.unit is None:
            continue
        row, unit = int(record.row), record.unit
        first = adoption.setdefault(unit, (row, record.adoption_year))
        if record.adoption_year != first[1] and unit not in differing:
            differing.add(unit)
            other = "empty" if first[1] is None else str(first[1])
            this = "empty" if record.adoption_year is None else str(record.adoption_year)
            problems.add(
                row,
                "adoption_year",
                f"adoption_year is {this} here but {other} on row {first[0]} for unit {quote(unit)}: a unit has one "
                f"adoption year on every row (empty: not adopted within the panel's years)",
            )
        where = (unit, record.indicator, record.year)
        if where in seen:
            first_row, source, commune = seen[where]
            sources = (
                f" (sources {quote(source)} and {quote(record.source_id)}: the years of several sources must not "
                f"overlap)"
                if source != record.source_id
                else ""
            )
            spelling = (
                f" (written {quote(commune)} and {quote(record.commune)}: one commune)"
                if commune != record.commune
                else ""
            )
            problems.add(
                row,
                "year",
                f"{record.year} appears twice for unit {quote(unit)} and indicator {quote(record.indicator)}: rows "
                f"{first_row} and {row}{spelling}{sources}; keep one row per unit, indicator and year",
            )
        else:
            seen[where] = (row, record.source_id, record.commune)
    problems.raise_first()
    return table, units


def _check_file(path: Path, indicators: pd.DataFrame) -> _Checked:
    kinds = dict(zip(indicators["indicator"], indicators["kind"]))
    table, has_population = _check_cells(path, _read(path), kinds)
    table, units = _check_units(path, table)
    return _Checked(table, units, has_population)


def _check_sources(path: Path, rows: pd.DataFrame, sources: pd.DataFrame) -> None:
    known = set(sources["source_id"])
    problems = _Problems(path, list(COLUMNS))
    firsts = rows.drop_duplicates("source_id")  # each unregistered source once, at its first row
    for row, source_id in zip(firsts["row"], firsts["source_id"]):
        if source_id not in known:
            problems.add(
                int(row),
                "source_id",
                f"source_id {quote(source_id)} is not registered in data/raw/sources.csv nor in a {SIDECAR} "
                f"beside the panel: add its row (citation, publisher, dates, licence, checksum) as {GUIDE} says; "
                f"registered: {_listing(sorted(known))}",
            )
    problems.raise_first()


def load_panel(
    path: str | Path,
    indicator: str,
    sources: pd.DataFrame | None = None,
    codebook_dir: str | Path | None = None,
) -> LoadedPanel:
    """The counts of ``indicator`` for every unit of the panel file ``path``, checked.

    ``indicator`` must be a count indicator of ``data/codebook/indicators.csv``. ``sources`` (default:
    ``data/raw/sources.csv`` and a ``sources.csv`` beside the file) must register every ``source_id`` of the
    indicator's rows. The whole file is checked, whatever the indicator: every cell (a blank required cell, a
    count that is not a whole number ≥ 0, a year or adoption year outside 1900–2100, a partly blank
    ``population`` column, an unknown or non-count indicator, a place with no name), the units (a name
    without diacritics that could be two units), one adoption year per unit, one row per unit, indicator and
    year. Raises :class:`DataError` (file, row, column) for the first problem by row then column, with the
    number of the others; :class:`antt.data.series.NoRowsError` (a DataError listing the indicators of the
    file) when the file has no rows for ``indicator``. Never writes anything.
    """
    path = Path(path)
    indicators = codebook.load_indicators(codebook_dir)
    indicator = requested_count_indicator(path, indicator, indicators, "a panel")
    checked = _check_file(path, indicators)
    table = checked.table
    chosen = table[table["indicator"] == indicator]
    if chosen.empty:
        raise NoRowsError(
            path,
            f"no rows for indicator {quote(indicator)}; indicators in the file: "
            f"{_listing(sorted(set(table['indicator'])))}",
            column="indicator",
        )
    _check_sources(path, chosen, clean_sources(sources, path))

    present = set(chosen["unit"])
    order = [u for u in checked.units if u in present]
    rank = {u: i for i, u in enumerate(order)}
    chosen = chosen.assign(_rank=chosen["unit"].map(rank)).sort_values(["_rank", "year"], kind="stable")
    units = checked.units
    frame = pd.DataFrame(
        {
            "unit": chosen["unit"].to_numpy(dtype=object),
            "commune": [units[u].first[0] for u in chosen["unit"]],
            "district": [units[u].first[1] for u in chosen["unit"]],
            "province": [units[u].first[2] for u in chosen["unit"]],
            "year": chosen["year"].astype("int64").to_numpy(),
            "count": chosen["count"].astype("int64").to_numpy(),
        }
    )
    if checked.has_population:
        frame["population"] = chosen["population"].astype("int64").to_numpy()
    frame["adoption_year"] = pd.array(list(chosen["adoption_year"]), dtype="Int64")
    first_year, last_year = int(frame["year"].min()), int(frame["year"].max())
    span = range(first_year, last_year + 1)
    gaps = {}
    for unit, years in frame.groupby("unit", sort=False)["year"]:
        present = set(years)
        if missing := tuple(y for y in span if y not in present):
            gaps[unit] = missing
    return LoadedPanel(
        frame=frame,
        path=path,
        indicator=indicator,
        units=tuple(order),
        written={u: tuple(units[u].written) for u in order},
        source_ids=tuple(dict.fromkeys(chosen.sort_values("row")["source_id"])),
        first_year=first_year,
        last_year=last_year,
        rows=tuple(int(r) for r in sorted(chosen["row"])),
        gaps=gaps,
        _parts={u: units[u].parts for u in order},
    )


def indicators_in_panel(path: str | Path, codebook_dir: str | Path | None = None) -> set[str]:
    """The indicators a panel file has counts for (the whole file checked as :func:`load_panel` checks it,
    sources aside)."""
    return set(_check_file(Path(path), codebook.load_indicators(codebook_dir)).table["indicator"])


# --------------------------------------------------------------------------------------------
# Naming units in parameters
# --------------------------------------------------------------------------------------------


def _unit_parts(panel: LoadedPanel, unit: str) -> tuple[_Part, _Part, _Part]:
    if unit in panel._parts:
        return panel._parts[unit]
    row = panel.frame.loc[panel.frame["unit"] == unit].iloc[0]
    return _identity(row["commune"], row["district"], row["province"])


_TYPED = re.compile(r"(?P<name>.*?)\s*\((?P<inside>[^()]*)\)\s*")


def _readings(name: str) -> list[tuple[_Part | None, ...]]:
    """What a typed name may mean: (commune, district, province) parts, None where it says nothing."""
    readings: list[tuple[_Part | None, ...]] = [(_part(name), None, None)]
    if (m := _TYPED.fullmatch(name)) and m["name"].strip():
        pieces = [p for p in _QUALIFIER_SPLIT.split(m["inside"].strip()) if p]
        commune = _part(m["name"])
        if len(pieces) == 1:
            readings += [(commune, _part(pieces[0]), None), (commune, None, _part(pieces[0]))]
        elif len(pieces) == 2:
            readings.append((commune, _part(pieces[0]), _part(pieces[1])))
    return readings


def find_units(panel: LoadedPanel, names: list[str], parameter: str) -> list[str]:
    """The display names of the units that user-typed commune ``names`` denote, in the order given
    (a unit named twice is listed once).

    A name is matched as the panel's cells are («Ngoc Lu», «xã Ngọc Lũ», «Ngọc Lũ» and the NFD form all
    denote «Ngọc Lũ»); a district, or «district, province», in parentheses narrows it down («Ngọc Lũ (Bình
    Lục)»), so a display name denotes its unit. Raises ValueError, whose one-line message begins with
    ``parameter`` (e.g. ``treated``), for a name that matches no unit (listing near misses and the units) or
    several (listing them: the same commune name in two districts).
    """
    if isinstance(names, str):
        names = [names]
    found: list[str] = []
    for name in names:
        if not isinstance(name, str) or not key(name):
            raise ValueError(one_line(f"{parameter}: {quote(name)} is not a commune name; give names as text"))
        readings = _readings(name)
        matches = [
            unit
            for unit in panel.units
            if any(
                all(want is None or want.compatible(have) for want, have in zip(reading, _unit_parts(panel, unit)))
                for reading in readings
            )
        ]
        if len(matches) > 1:
            example = panel.frame.loc[panel.frame["unit"] == matches[0]].iloc[0]
            narrowed = f"{example['commune']} ({example['district']})"
            raise ValueError(
                one_line(
                    f"{parameter}: {quote(name)} could be any of {len(matches)} units of the panel: "
                    f"{_units_listing(matches)}; add the district in parentheses, e.g. {quote(narrowed)}"
                )
            )
        if not matches:
            raise ValueError(one_line(f"{parameter}: no unit of the panel is {quote(name)}{_near_misses(panel, name)}"))
        found.append(matches[0])
    return list(dict.fromkeys(found))


def _near_misses(panel: LoadedPanel, name: str) -> str:
    m = _TYPED.fullmatch(name)
    wanted = _part(m["name"] if m and m["name"].strip() else name).letters
    letters = {unit: _unit_parts(panel, unit)[0].letters for unit in panel.units}
    same = [u for u, lt in letters.items() if lt == wanted]
    if same:
        hint = f" (the same letters, with other diacritics or in another district: {_units_listing(same)})"
    else:
        close = difflib.get_close_matches(wanted, list(dict.fromkeys(letters.values())), n=3, cutoff=0.6)
        near = [u for u in panel.units if letters[u] in close]
        hint = f" (did you mean {_units_listing(near)}?)" if near else ""
    return f"{hint}; units of the panel: {_units_listing(panel.units)}"


def used_sources(panel: LoadedPanel, sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """The registry rows (``data/raw/sources.csv`` and a ``sources.csv`` beside the panel, or ``sources``) of
    the sources the panel's counts come from, in the order of :attr:`LoadedPanel.source_ids`."""
    sources = clean_sources(sources, panel.path)
    return sources.set_index("source_id").loc[list(panel.source_ids)].reset_index()
