"""Raw figures → tidy, validated indicators (``data/processed/indicators.csv``) and a quality report.

"Make it tidy" (parse each figure, normalise places and periods) is separate from
"make it right" (``quality_checks``): the checks flag, they never drop or edit a figure.

Scale: a corpus has millions of figures but few distinct raw texts, places and periods. Each distinct
``raw_text`` is parsed once (``parse_figure``), each distinct (place, province) once (``parse_place``),
and the results are mapped back to the rows with numpy; the quality checks are joins and group-bys
with messages built only for the rows they report. The per-figure functions (``parse_figure``,
``parse_place``, ``value_problem``, ``check_figure``) remain the definition: a row that fails is
checked again on its own by ``check_figure``, so errors read exactly as row-by-row checking gives them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from antt import paths
from antt.data import codebook as cb
from antt.data import datapackage, schemas
from antt.data.io import AtomicFiles, csv_text, json_text, read_checked, read_csv_text, validate
from antt.errors import DataError, quote
from antt.numerals import FigureParseError, ParsedFigure, parse_figure
from antt.text import canonical_tone

# Which parsed kinds an indicator of a given codebook kind may take.
ALLOWED_KINDS = {
    "count": {"count", "magnitude", "stated_zero"},
    "fraction": {"fraction"},
    "percent": {"percent"},
    "rank": {"rank"},
}
# Value kinds compared by the repeated-value check (ranks and percentages repeat by nature).
COMPARABLE_KINDS = {"count", "fraction", "magnitude"}

COMMUNE = re.compile(r"^(?:xã|phường|thị trấn)\s+(?P<name>[^()]+?)\s*(?:\((?P<district>[^()]+)\))?$", re.IGNORECASE)
DISTRICT = re.compile(r"^(?:huyện|thị xã|thành phố)\s+(?P<name>[^()]+?)\s*$", re.IGNORECASE)
PROVINCE = re.compile(r"^tỉnh\s+(?P<name>[^()]+?)\s*$", re.IGNORECASE)
WHOLE_PROVINCE = re.compile(r"^(?:toàn|trong)\s+tỉnh$", re.IGNORECASE)


@dataclass(frozen=True)
class RawData:
    sources: pd.DataFrame
    figures: pd.DataFrame
    exclusions: pd.DataFrame


@dataclass(frozen=True)
class CleanResult:
    indicators: pd.DataFrame
    quality: pd.DataFrame


def _load(path: Path, schema) -> pd.DataFrame:
    return validate(read_csv_text(path, list(schema.columns)), schema, path, inplace=True)


def load_sources(raw_dir: str | Path | None = None) -> pd.DataFrame:
    """``sources.csv``, validated: citation, dates, checksum and licence of every source (``read_checked``)."""
    return read_checked(Path(raw_dir or paths.RAW) / "sources.csv", schemas.SOURCES)


def load_raw(raw_dir: str | Path | None = None) -> RawData:
    """Load and validate ``sources.csv``, ``figures.csv`` and ``exclusions.csv`` (never modified)."""
    raw_dir = Path(raw_dir or paths.RAW)
    return RawData(
        sources=load_sources(raw_dir),
        figures=_load(raw_dir / "figures.csv", schemas.FIGURES),
        exclusions=_load(raw_dir / "exclusions.csv", schemas.EXCLUSIONS),
    )


def parse_place(place: str, province: str) -> dict[str, str | None]:
    """A place as the article names it → ``geo_level``, ``geo_name``, ``district``, ``province``.

    «xã Ngọc Lũ (Bình Lục)» → commune, Ngọc Lũ, Bình Lục; «toàn tỉnh»/«trong tỉnh» → the source's
    province. Names get one tone-placement style (``canonical_tone``). Raises ValueError otherwise.
    """
    place = " ".join(canonical_tone(place).split())
    province = canonical_tone(province)
    if m := COMMUNE.match(place):
        district = m["district"]
        return {
            "geo_level": "commune",
            "geo_name": m["name"],
            "district": district and district.strip(),
            "province": province,
        }
    if m := DISTRICT.match(place):
        return {"geo_level": "district", "geo_name": m["name"], "district": m["name"], "province": province}
    if m := PROVINCE.match(place):
        return {"geo_level": "province", "geo_name": m["name"], "district": None, "province": m["name"]}
    if WHOLE_PROVINCE.match(place):
        return {"geo_level": "province", "geo_name": province, "district": None, "province": province}
    raise ValueError(
        f"unrecognised place {quote(place)}: expected «xã/phường/thị trấn NAME (DISTRICT)», «huyện NAME», "
        "«tỉnh NAME» or «toàn tỉnh»"
    )


def _year(text: str) -> int | None:
    return int(text) if text else None


def value_problem(parsed: ParsedFigure) -> str | None:
    """Why a parsed figure cannot be stored as written, or None.

    Numbers must be exact in a float (below 2**53: ``99999999999999999999999`` would become
    ``1e+23``), counts whole, and a percentage (a share of a whole) at most 100.
    """
    numbers = [x for x in (parsed.value, parsed.denominator, parsed.lower, parsed.upper) if x is not None]
    if any(not math.isfinite(x) or x >= schemas.MAX_EXACT for x in numbers):
        return (
            f"{quote(parsed.raw_text)} is too large to be stored exactly (numbers from 2**53, about 9 × 10**15, "
            f"are rounded): a transcription error?"
        )
    if parsed.kind in schemas.WHOLE_KINDS and not all(
        float(x).is_integer() for x in (parsed.value, parsed.denominator) if x is not None
    ):
        return f"{quote(parsed.raw_text)} is not a whole number: a {parsed.kind} counts things, so is whole"
    # «trên 100%» (more than 100 %) is as impossible for a share as 250 %.
    if (
        parsed.kind == "percent"
        and parsed.value is not None
        and (
            parsed.value > schemas.MAX_PERCENT
            or (parsed.qualifier == "more_than" and parsed.value >= schemas.MAX_PERCENT)
        )
    ):
        return f"{quote(parsed.raw_text)} is above {schemas.MAX_PERCENT} %: a percentage is a share of a whole"
    return None


def check_figure(
    fig: Any,
    sources: pd.DataFrame,
    kinds: dict[str, str],
    levels: dict[str, str],
    fail: Callable[[str, str], DataError],
) -> dict[str, Any]:
    """One raw figure (a row of ``figures.csv``, by attribute) → its processed row, or the DataError of
    its first failing check, in this order: source_id, indicator, raw_text (parse, kind, value), place
    (parse, geo level), period. ``sources`` is indexed by ``source_id``; ``kinds`` and ``levels`` map
    indicator → codebook kind and geo level; ``fail(column, message)`` makes the error.
    """
    if fig.source_id not in sources.index:
        raise fail("source_id", f"unknown source_id {quote(fig.source_id)}; known: {', '.join(sources.index)}")
    if fig.indicator not in kinds:
        raise fail(
            "indicator", f"unknown indicator {quote(fig.indicator)}: add it to data/codebook/indicators.csv first"
        )
    try:
        parsed = parse_figure(fig.raw_text)
    except FigureParseError as exc:
        raise fail("raw_text", str(exc)) from None
    if parsed.kind not in ALLOWED_KINDS[kinds[fig.indicator]]:
        raise fail(
            "raw_text",
            f"{quote(fig.raw_text)} parses as a {parsed.kind}, "
            f"but indicator {quote(fig.indicator)} is a {kinds[fig.indicator]}",
        )
    if problem := value_problem(parsed):
        raise fail("raw_text", problem)
    try:
        place = parse_place(fig.place, sources.loc[fig.source_id, "province"])
    except ValueError as exc:
        raise fail("place", str(exc)) from None
    if place["geo_level"] != levels[fig.indicator]:
        raise fail(
            "place",
            f"{quote(fig.place)} is a {place['geo_level']}, "
            f"but indicator {quote(fig.indicator)} is defined at {levels[fig.indicator]} level",
        )
    start, end = _year(fig.period_start), _year(fig.period_end)
    if fig.period_basis == "stated" and (start is None or end is None):
        raise fail("period_start", "a stated period needs both period_start and period_end")
    if start is not None and end is not None and start > end:
        raise fail("period_end", f"period_end {end} is before period_start {start}")
    return {
        "figure_id": fig.figure_id,
        "source_id": fig.source_id,
        "indicator": fig.indicator,
        **place,
        "period_start": start,
        "period_end": end,
        "period_basis": fig.period_basis,
        "kind": parsed.kind,
        "value": parsed.value,
        "denominator": parsed.denominator,
        "lower": parsed.lower,
        "upper": parsed.upper,
        "qualifier": parsed.qualifier,
        "needs_review": parsed.needs_review,
        "unit": fig.unit,
        "raw_text": fig.raw_text,
        "paragraph": int(fig.paragraph),
    }


def _distinct(values: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """(codes, distinct values): ``values`` == ``distinct[codes]``, distinct values in order of appearance."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, list(uniques)


def _try(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)``, or None if it raises a ValueError or a TypeError: the row is then marked
    bad, and ``check_figure`` (which calls the same function) raises the error for it, in row order."""
    try:
        return function(*args)
    except (ValueError, TypeError):
        return None


_PARSED_FIELDS = ("value", "denominator", "lower", "upper")
_PLACE_FIELDS = ("geo_level", "geo_name", "district", "province")


# The columns of figures.csv that build_indicators (and check_figure) read.
FIGURE_COLUMNS_USED = (
    "figure_id",
    "source_id",
    "paragraph",
    "raw_text",
    "indicator",
    "place",
    "period_start",
    "period_end",
    "period_basis",
    "unit",
)


def build_indicators(raw: RawData, codebook: pd.DataFrame, figures_path: str | Path = "figures.csv") -> pd.DataFrame:
    """One processed row per raw figure, in the raw order. Errors name the figures file, row and column.

    Every check of ``check_figure`` is evaluated for all rows at once (on distinct values); the first
    row in file order that fails any is then checked alone by ``check_figure``, which raises its error.
    """
    figures = raw.figures
    sources = raw.sources.set_index("source_id")
    kinds = dict(zip(codebook["indicator"], codebook["kind"]))
    levels = dict(zip(codebook["indicator"], codebook["geo_level"]))
    bad = ~figures["source_id"].isin(sources.index).to_numpy()
    bad |= ~figures["indicator"].isin(list(kinds)).to_numpy()

    # raw_text: parse, kind allowed for the indicator, value storable.
    text_codes, texts = _distinct(figures["raw_text"])
    parsed = [_try(parse_figure, text) for text in texts]
    indicator_kinds = list(ALLOWED_KINDS)
    allowed = np.zeros((len(indicator_kinds) + 1, len(parsed)), dtype=bool)  # last row: an unknown kind
    for k, indicator_kind in enumerate(indicator_kinds):
        allowed[k] = [p is not None and p.kind in ALLOWED_KINDS[indicator_kind] for p in parsed]
    storable = np.array([p is not None and value_problem(p) is None for p in parsed], dtype=bool)
    kind_of = {i: indicator_kinds.index(k) for i, k in kinds.items() if k in ALLOWED_KINDS}
    row_kind = figures["indicator"].map(kind_of).fillna(len(indicator_kinds)).to_numpy(dtype=np.intp)
    bad |= ~allowed[row_kind, text_codes]
    bad |= ~storable[text_codes]

    # place, read against the source's province: each distinct pair once.
    province = figures["source_id"].map(sources["province"])
    place_codes, places = _distinct(figures["place"])
    province_codes, provinces = _distinct(province)
    pair_codes, pairs = _distinct(pd.Series(place_codes.astype(np.int64) * len(provinces) + province_codes))
    read = [
        _try(parse_place, places[pair // len(provinces)], provinces[pair % len(provinces)])
        if isinstance(provinces[pair % len(provinces)], str)
        else None
        for pair in pairs
    ]
    level = figures["indicator"].map(levels).to_numpy(dtype=object)
    read_level = np.array([r and r["geo_level"] for r in read], dtype=object)[pair_codes]
    bad |= read_level != level  # also where the place does not parse (None)

    # periods and paragraph
    starts, start_ok = _numbers(figures["period_start"], _year)
    ends, end_ok = _numbers(figures["period_end"], _year)
    bad |= ~(start_ok & end_ok)
    stated = (figures["period_basis"] == "stated").to_numpy()
    bad |= stated & (np.isnan(starts) | np.isnan(ends))
    bad |= starts > ends  # False where either is NaN
    paragraph_codes, paragraph_texts = _distinct(figures["paragraph"])
    paragraph_ints = [_try(int, text) for text in paragraph_texts]
    bad |= np.array([p is None for p in paragraph_ints], dtype=bool)[paragraph_codes]

    if bad.any():
        _raise_first(figures, np.flatnonzero(bad), sources, kinds, levels, figures_path)

    parsed_table = pd.DataFrame(
        {
            "kind": pd.Series([p.kind for p in parsed], dtype="str"),
            **{field: pd.Series([getattr(p, field) for p in parsed], dtype=float) for field in _PARSED_FIELDS},
            "qualifier": pd.Series([p.qualifier for p in parsed], dtype="str"),
            "needs_review": pd.Series([p.needs_review for p in parsed], dtype=bool),
        }
    ).take(text_codes)
    # Inferred, as a row-by-row build infers them: text where any place has the field, object when none has it
    # (a table of province-level places only has no district); hypothesis found the difference.
    place_table = pd.DataFrame({f: pd.Series([r[f] for r in read]) for f in _PLACE_FIELDS}).take(pair_codes)
    columns = {
        "figure_id": figures["figure_id"],
        "source_id": figures["source_id"],
        "indicator": figures["indicator"],
        **{f: place_table[f] for f in _PLACE_FIELDS},
        "period_start": pd.array(starts, dtype="Int64"),
        "period_end": pd.array(ends, dtype="Int64"),
        "period_basis": figures["period_basis"],
        **{f: parsed_table[f] for f in ("kind", *_PARSED_FIELDS, "qualifier", "needs_review")},
        "unit": figures["unit"],
        "raw_text": figures["raw_text"],
        "paragraph": _integers(paragraph_ints)[paragraph_codes],
    }
    index = pd.RangeIndex(len(figures))
    table = pd.DataFrame(
        {name: (c.set_axis(index) if isinstance(c, pd.Series) else c) for name, c in columns.items()},
        index=index,
    )
    return validate(table, schemas.INDICATORS, "indicators (in memory)", inplace=True)


def _integers(values: list[int]) -> np.ndarray:
    """int64 if every value fits (the schema's type), else Python ints (the schema then names the row)."""
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        return np.array(values, dtype=object)


def _numbers(texts: pd.Series, convert: Callable[[str], int | None]) -> tuple[np.ndarray, np.ndarray]:
    """(numbers, ok): ``convert`` of each row's text as floats (NaN for None), converted once per distinct text;
    ``ok`` is False where ``convert`` raises."""
    codes, distinct = _distinct(texts)
    converted = [_try(lambda t: (True, convert(t)), text) for text in distinct]
    ok = np.array([c is not None for c in converted], dtype=bool)
    numbers = np.array([np.nan if c is None or c[1] is None else c[1] for c in converted], dtype=float)
    return numbers[codes], ok[codes]


def _raise_first(
    figures: pd.DataFrame,
    positions: np.ndarray,
    sources: pd.DataFrame,
    kinds: dict[str, str],
    levels: dict[str, str],
    figures_path: str | Path,
) -> None:
    """Check the rows at ``positions`` (0-based, ascending) one by one; the first failing one raises."""
    for position in positions:
        fig = next(figures.iloc[[position]].itertuples(index=False))

        def fail(column: str, message: str, row: int = int(position) + 1) -> DataError:
            return DataError(figures_path, message, row=row, column=column)

        check_figure(fig, sources, kinds, levels, fail)
    # Every row marked bad failed a check above: reaching here is a bug of the vectorised checks.
    raise RuntimeError(f"rows {list(positions[:5])} were marked bad but pass check_figure")


QUALITY_COLUMNS = list(schemas.QUALITY.columns)


def _block(check: str, status, figure_ids, message, message_vi) -> pd.DataFrame:
    """Quality rows of one check; ``status`` and the texts are arrays (or one value for every row)."""
    n = len(figure_ids)
    return pd.DataFrame(
        {
            "check": np.full(n, check, dtype=object),
            "status": np.broadcast_to(np.asarray(status, dtype=object), (n,)),
            "figure_ids": np.asarray(figure_ids, dtype=object),
            "message": np.asarray(message, dtype=object),
            "message_vi": np.asarray(message_vi, dtype=object),
        },
        columns=QUALITY_COLUMNS,
    )


def _text(values) -> np.ndarray:
    """Values as an object array of strings, for element-wise ``+``."""
    return np.asarray(values, dtype=object)


def quality_checks(
    indicators: pd.DataFrame, part_whole: pd.DataFrame, codebook: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Checks that flag, never fix. ``status``: pass, flag (verify at source) or fail (impossible as written).
    The messages (English and Vietnamese) name indicators by their ``codebook`` labels (by key without one).

    A figure flagged ``needs_review`` has no value: it is left out of the comparisons (NaN would
    read as a failure), and its own flag says what to do.

    Rows come check by check: numerator_within_denominator (figure order), part_within_whole (relation by
    relation, parts in figure order, then their wholes in figure order), repeated_value (by source, then
    value), then period_not_stated and needs_review figure by figure.
    """
    label = {
        lang: dict(zip(codebook["indicator"], codebook[f"label_{lang}"])) if codebook is not None else {}
        for lang in ("en", "vi")
    }

    def name(indicators: pd.Series, lang: str) -> np.ndarray:
        labelled = indicators.map(label[lang])
        return _text(labelled.where(labelled.notna(), indicators))

    blocks = [
        _numerators(indicators),
        *(_part_whole(indicators, rel.part, rel.whole, name) for rel in part_whole.itertuples()),
        _repeated_values(indicators, name),
        _per_figure(indicators),
    ]
    blocks = [b for b in blocks if len(b)]
    if blocks:
        table = pd.concat(blocks, ignore_index=True).astype("str")
    else:
        table = pd.DataFrame({c: pd.Series([], dtype="str") for c in QUALITY_COLUMNS})  # not object columns
    return validate(table, schemas.QUALITY, "quality (in memory)", inplace=True)


def _numerators(indicators: pd.DataFrame) -> pd.DataFrame:
    fractions = indicators[(indicators["kind"] == "fraction") & indicators["value"].notna()]
    ok = (fractions["value"] <= fractions["denominator"]).to_numpy()  # False for a NaN denominator: a fail
    sign, raw = np.where(ok, "≤", ">").astype(object), _text(fractions["raw_text"])
    return _block(
        "numerator_within_denominator",
        np.where(ok, "pass", "fail"),
        _text(fractions["figure_id"]),
        raw + ": numerator " + sign + " denominator",
        raw + ": tử số " + sign + " mẫu số",
    )


def _part_whole(indicators: pd.DataFrame, part: str, whole: str, name) -> pd.DataFrame:
    """Every part of a whole with the same source, place and period, part by part.

    A missing year (NA) on either side matches any year: the two periods may be the same, so the figures
    are compared (the check is a prompt to look at the source, and says which figures it compared).
    """
    position = pd.RangeIndex(len(indicators))
    keep = ["figure_id", "source_id", "geo_name", "period_start", "period_end", "raw_text"]
    parts = indicators.set_axis(position)[indicators["indicator"].to_numpy() == part].dropna(subset=["upper"])
    wholes = indicators.set_axis(position)[indicators["indicator"].to_numpy() == whole].dropna(subset=["lower"])
    pairs = pd.merge(
        parts[[*keep, "upper"]].rename_axis("part_at").reset_index(),
        wholes[[*keep, "lower"]].rename_axis("whole_at").reset_index(),
        on=["source_id", "geo_name"],
        suffixes=("_part", "_whole"),
    )
    for end in ("period_start", "period_end"):
        a, b = pairs[f"{end}_part"], pairs[f"{end}_whole"]
        pairs = pairs[(a.isna() | b.isna() | (a == b)).fillna(False).to_numpy(dtype=bool)]
    pairs = pairs.sort_values(["part_at", "whole_at"], kind="stable")
    ok = (pairs["upper"] <= pairs["lower"]).to_numpy()
    sign = np.where(ok, "≤", ">").astype(object)
    part_raw, whole_raw = _text(pairs["raw_text_part"]), _text(pairs["raw_text_whole"])
    labels = {lang: (name(pd.Series([part]), lang)[0], name(pd.Series([whole]), lang)[0]) for lang in ("en", "vi")}
    return _block(
        "part_within_whole",
        np.where(ok, "pass", "fail"),
        _text(pairs["figure_id_part"]) + ";" + _text(pairs["figure_id_whole"]),
        f"part «{labels['en'][0]}» (" + part_raw + ") " + sign + f" whole «{labels['en'][1]}» (" + whole_raw + ")",
        f"phần «{labels['vi'][0]}» (" + part_raw + ") " + sign + f" tổng «{labels['vi'][1]}» (" + whole_raw + ")",
    )


def _repeated_values(indicators: pd.DataFrame, name) -> pd.DataFrame:
    """One flag per (source, value) that different indicators report, values and denominators alike."""
    comparable = indicators[indicators["kind"].isin(COMPARABLE_KINDS)]
    numbers = pd.concat(
        [
            comparable[["figure_id", "indicator", "source_id", "value", "raw_text"]].assign(role="value"),
            comparable[["figure_id", "indicator", "source_id", "denominator", "raw_text"]]
            .rename(columns={"denominator": "value"})
            .assign(role="denominator"),
        ],
        ignore_index=True,
    ).dropna(subset=["value"])
    grouped = numbers.groupby(["source_id", "value"], sort=True)
    group = grouped.ngroup().to_numpy()
    repeated = (grouped["indicator"].transform("nunique") > 1).to_numpy()
    # Groups in (source, value) order, rows within a group in the order above (values, then denominators).
    order = np.flatnonzero(repeated)[np.argsort(group[repeated], kind="stable")]
    if not len(order):
        return _block("repeated_value", "flag", [], [], [])
    rows = numbers.iloc[order]
    is_value = (rows["role"] == "value").to_numpy()
    raw = _text(rows["raw_text"])
    # The numbers as the article wrote them (the raw texts), not re-formatted here.
    described = "«" + name(rows["indicator"], "en") + "» (" + _text(rows["role"]) + " of " + raw + ")"
    described_vi = (
        "«"
        + name(rows["indicator"], "vi")
        + "» ("
        + np.where(is_value, "giá trị", "mẫu số").astype(object)
        + " của "
        + raw
        + ")"
    )
    parts = pd.DataFrame(
        {"group": group[order], "figure_id": _text(rows["figure_id"]), "en": described, "vi": described_vi}
    ).groupby("group", sort=False)
    joined = parts.agg({"figure_id": lambda ids: ";".join(sorted(ids)), "en": "; ".join, "vi": "; ".join})
    return _block(
        "repeated_value",
        "flag",
        joined["figure_id"].to_numpy(dtype=object),
        "the same value is reported for different indicators: "
        + joined["en"].to_numpy(dtype=object)
        + ". Verify at source: coincidence or a copying error.",
        "cùng một giá trị xuất hiện ở các chỉ tiêu khác nhau: "
        + joined["vi"].to_numpy(dtype=object)
        + ". Cần đối chiếu tại nguồn: trùng hợp hay lỗi sao chép.",
    )


def _per_figure(indicators: pd.DataFrame) -> pd.DataFrame:
    """period_not_stated and needs_review flags, figure by figure (a figure's period flag first)."""
    unstated = np.flatnonzero((indicators["period_basis"] != "stated").to_numpy())
    periods = indicators.iloc[unstated]
    # A message depends only on (basis, start, end): built once per distinct combination.
    codes, combos = _combinations(periods["period_basis"], periods["period_start"], periods["period_end"])
    messages = np.array(
        [f"period {basis.replace('_', ' ')}: {_period(start, end, 'unknown')}" for basis, start, end in combos],
        dtype=object,
    )
    messages_vi = np.array(
        [
            f"thời gian {'suy ra từ ngữ cảnh' if basis == 'implied' else 'không nêu'}: "
            f"{_period(start, end, 'không rõ')}"
            for basis, start, end in combos
        ],
        dtype=object,
    )
    flagged = np.flatnonzero(indicators["needs_review"].to_numpy(dtype=bool))
    review_raw = indicators["raw_text"].iloc[flagged]
    period_block = _block("period_not_stated", "flag", _text(periods["figure_id"]), messages[codes], messages_vi[codes])
    review_block = _block(
        "needs_review",
        "flag",
        _text(indicators["figure_id"].iloc[flagged]),
        _text(review_raw.map(lambda t: f"{t!r} is ambiguous: check the source")),
        _text(review_raw.map(lambda t: f"{t!r} không rõ nghĩa: kiểm tra lại nguồn")),
    )
    # Interleave by figure: (position, 0) for its period flag, (position, 1) for its review flag.
    at = np.concatenate([unstated, flagged])
    second = np.concatenate([np.zeros(len(unstated), dtype=int), np.ones(len(flagged), dtype=int)])
    order = np.lexsort((second, at))
    return pd.concat([period_block, review_block], ignore_index=True).iloc[order].reset_index(drop=True)


def _combinations(*columns: pd.Series) -> tuple[np.ndarray, list[tuple]]:
    """(codes, distinct tuples) of the rows of ``columns``: row i is ``tuples[codes[i]]`` (missing values
    included, as found). Codes are renumbered after each column, so they stay below the number of rows."""
    codes, tuples = np.zeros(len(columns[0]), dtype=np.int64), [()]
    for column in columns:
        column_codes, values = _distinct(column.astype(object))
        codes, pairs = _distinct(pd.Series(codes * len(values) + column_codes))
        tuples = [(*tuples[pair // len(values)], values[pair % len(values)]) for pair in pairs]
    return codes, tuples


def _period(start, end, unknown: str) -> str:
    """'2018–2022', '2022' for one year, ``unknown`` when neither end is known."""
    start = unknown if pd.isna(start) else str(start)
    end = unknown if pd.isna(end) else str(end)
    if start == end:
        return start
    return f"{start}–{end}"


def failures(quality: pd.DataFrame) -> pd.DataFrame:
    return quality[quality["status"] == "fail"]


def clean(
    raw_dir: str | Path | None = None,
    codebook_dir: str | Path | None = None,
    processed_dir: str | Path | None = None,
    write: bool = True,
    fail_on_quality_error: bool = True,
) -> CleanResult:
    """Run the whole cleaning step; write ``indicators.csv``, ``quality.csv`` and the data package
    descriptor ``datapackage.json`` (which records the two files' hashes) into ``processed_dir``.

    Everything is computed and validated (and, with ``fail_on_quality_error``, failed quality
    checks raise) before the first byte is written, and the three files are written together
    (``write_processed``): bad input or a failed write leaves ``processed_dir`` as it was.
    """
    raw_dir = Path(raw_dir or paths.RAW)
    codebook_dir = Path(codebook_dir or paths.CODEBOOK)
    raw = load_raw(raw_dir)
    # Validated, the columns the processed table does not carry (evidence, period_text, note) are let go:
    # with a million figures, the evidence phrases alone take a hundred megabytes.
    raw = RawData(raw.sources, raw.figures[list(FIGURE_COLUMNS_USED)], raw.exclusions)
    codebook = cb.load_indicators(codebook_dir)
    unknown = np.flatnonzero(~raw.exclusions["source_id"].isin(raw.sources["source_id"]).to_numpy())
    if len(unknown):
        position = int(unknown[0])
        source_id = raw.exclusions["source_id"].iloc[position]
        raise DataError(
            raw_dir / "exclusions.csv", f"unknown source_id {quote(source_id)}", row=position + 1, column="source_id"
        )
    indicators = build_indicators(raw, codebook, raw_dir / "figures.csv")
    quality = quality_checks(indicators, cb.load_part_whole(codebook_dir), codebook)
    if fail_on_quality_error:
        raise_on_failures(quality, raw_dir / "figures.csv", raw.figures["figure_id"])
    if write:
        write_processed(indicators, quality, Path(processed_dir or paths.PROCESSED), raw_dir, codebook_dir)
    return CleanResult(indicators, quality)


def write_processed(
    indicators: pd.DataFrame, quality: pd.DataFrame, processed_dir: Path, raw_dir: Path, codebook_dir: Path
) -> list[Path]:
    """Write the three processed files together (all or none, ``AtomicFiles``). The tables are streamed
    to disk (a million rows are never one string in memory); the descriptor records the sizes and hashes
    of the very bytes written. The same bytes as ``processed_files``."""
    with AtomicFiles() as out:
        facts = {
            datapackage.TABLES[name]: out.write_csv(processed_dir / datapackage.TABLES[name], table)
            for name, table in (("indicators", indicators), ("quality", quality))
        }
        out.write_json(processed_dir / datapackage.DESCRIPTOR, datapackage.describe(facts, codebook_dir, raw_dir))
        return out.commit()


def processed_files(
    indicators: pd.DataFrame, quality: pd.DataFrame, processed_dir: Path, raw_dir: Path, codebook_dir: Path
) -> dict[Path, str]:
    """Path → text of the three processed files; the descriptor describes the very texts written."""
    tables = {datapackage.TABLES["indicators"]: csv_text(indicators), datapackage.TABLES["quality"]: csv_text(quality)}
    descriptor = datapackage.describe(tables, codebook_dir, raw_dir)
    return {
        **{processed_dir / name: text for name, text in tables.items()},
        processed_dir / datapackage.DESCRIPTOR: json_text(descriptor),
    }


def load_indicators(path: str | Path | None = None) -> pd.DataFrame:
    """Read ``indicators.csv`` back, typed and validated by the same schema it was written with."""
    path = Path(path or paths.INDICATORS_CSV)
    table = read_csv_text(path, list(schemas.INDICATORS.columns))
    table = table.replace("", None)
    # astype(bool) would read the text "False" as True: map the two spellings explicitly.
    table["needs_review"] = table["needs_review"].map({"True": True, "False": False})
    return validate(table, schemas.INDICATORS, path)


def raise_on_failures(
    quality: pd.DataFrame, figures_path: str | Path = "figures.csv", figure_ids: Sequence[str] = ()
) -> None:
    """Stop with one message (one line) listing every failed check (flags do not stop a run).

    ``figure_ids``, the figures file's ids in file order, lets the error name the row (and its
    ``raw_text``) of the first figure concerned.
    """
    failed = failures(quality)
    if len(failed):
        listed = "; ".join(f"{r.check}: {r.message} [{r.figure_ids}]" for r in failed.itertuples())
        first = failed["figure_ids"].iloc[0].split(";")[0]
        found = np.flatnonzero(np.asarray(figure_ids, dtype=object) == first)
        row = int(found[0]) + 1 if len(found) else None
        raise DataError(
            figures_path,
            f"{len(failed)} quality check(s) failed; correct the transcription or the source: {listed}",
            row=row,
            column="raw_text" if row else None,
        )


def load_quality(path: str | Path | None = None) -> pd.DataFrame:
    """Read ``quality.csv`` back, validated."""
    path = Path(path or paths.QUALITY_CSV)
    return validate(read_csv_text(path, list(schemas.QUALITY.columns)), schemas.QUALITY, path)
