"""Raw figures → tidy, validated indicators (``data/processed/indicators.csv``) and a quality report.

"Make it tidy" (parse each figure, normalise places and periods) is separate from
"make it right" (``quality_checks``): the checks flag, they never drop or edit a figure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from antt import paths
from antt.data import codebook as cb
from antt.data import datapackage, schemas
from antt.data.io import csv_text, json_text, read_csv_text, validate, write_files_atomic
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
    return validate(read_csv_text(path, list(schema.columns)), schema, path)


def load_sources(raw_dir: str | Path | None = None) -> pd.DataFrame:
    """``sources.csv``, validated: citation, dates, checksum and licence of every source."""
    return _load(Path(raw_dir or paths.RAW) / "sources.csv", schemas.SOURCES)


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


def build_indicators(raw: RawData, codebook: pd.DataFrame, figures_path: str | Path = "figures.csv") -> pd.DataFrame:
    """One processed row per raw figure, in the raw order. Errors name the figures file, row and column."""
    sources = raw.sources.set_index("source_id")
    kinds = dict(zip(codebook["indicator"], codebook["kind"]))
    levels = dict(zip(codebook["indicator"], codebook["geo_level"]))
    rows = []
    for position, fig in enumerate(raw.figures.itertuples(index=False), start=1):

        def fail(column: str, message: str, row: int = position) -> DataError:
            return DataError(figures_path, message, row=row, column=column)

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
        rows.append(
            {
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
        )
    table = pd.DataFrame(rows, columns=list(schemas.INDICATORS.columns))
    return validate(table, schemas.INDICATORS, "indicators (in memory)")


def _row(check: str, status: str, figure_ids, message: str, message_vi: str) -> dict[str, str]:
    ids = figure_ids if isinstance(figure_ids, str) else ";".join(figure_ids)
    return {"check": check, "status": status, "figure_ids": ids, "message": message, "message_vi": message_vi}


def quality_checks(
    indicators: pd.DataFrame, part_whole: pd.DataFrame, codebook: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Checks that flag, never fix. ``status``: pass, flag (verify at source) or fail (impossible as written).
    The messages (English and Vietnamese) name indicators by their ``codebook`` labels (by key without one).

    A figure flagged ``needs_review`` has no value: it is left out of the comparisons (NaN would
    read as a failure), and its own flag says what to do.
    """
    label = {
        lang: dict(zip(codebook["indicator"], codebook[f"label_{lang}"])) if codebook is not None else {}
        for lang in ("en", "vi")
    }

    def name(indicator: str, lang: str) -> str:
        return label[lang].get(indicator, indicator)

    out = []
    for fig in indicators[(indicators["kind"] == "fraction") & indicators["value"].notna()].itertuples():
        ok = fig.value <= fig.denominator
        sign = "≤" if ok else ">"
        out.append(
            _row(
                "numerator_within_denominator",
                "pass" if ok else "fail",
                fig.figure_id,
                f"{fig.raw_text}: numerator {sign} denominator",
                f"{fig.raw_text}: tử số {sign} mẫu số",
            )
        )
    key = ["source_id", "geo_name", "period_start", "period_end"]
    for rel in part_whole.itertuples():
        parts = indicators[indicators["indicator"] == rel.part].dropna(subset=["upper"])
        wholes = indicators[indicators["indicator"] == rel.whole].dropna(subset=["lower"])
        for part in parts.itertuples():
            same = wholes[(wholes[key] == pd.Series({k: getattr(part, k) for k in key})).all(axis=1)]
            for whole in same.itertuples():
                ok = part.upper <= whole.lower
                sign = "≤" if ok else ">"
                out.append(
                    _row(
                        "part_within_whole",
                        "pass" if ok else "fail",
                        [part.figure_id, whole.figure_id],
                        f"part «{name(rel.part, 'en')}» ({part.raw_text}) {sign} "
                        f"whole «{name(rel.whole, 'en')}» ({whole.raw_text})",
                        f"phần «{name(rel.part, 'vi')}» ({part.raw_text}) {sign} "
                        f"tổng «{name(rel.whole, 'vi')}» ({whole.raw_text})",
                    )
                )
    comparable = indicators[indicators["kind"].isin(COMPARABLE_KINDS)]
    numbers = pd.concat(
        [
            comparable[["figure_id", "indicator", "source_id", "value", "raw_text"]].assign(role="value"),
            comparable[["figure_id", "indicator", "source_id", "denominator", "raw_text"]]
            .rename(columns={"denominator": "value"})
            .assign(role="denominator"),
        ]
    ).dropna(subset=["value"])
    for (_source, _value), group in numbers.groupby(["source_id", "value"], sort=True):
        if group["indicator"].nunique() > 1:
            # The numbers as the article wrote them (the raw texts), not re-formatted here.
            described = "; ".join(f"«{name(r.indicator, 'en')}» ({r.role} of {r.raw_text})" for r in group.itertuples())
            described_vi = "; ".join(
                f"«{name(r.indicator, 'vi')}» ({'giá trị' if r.role == 'value' else 'mẫu số'} của {r.raw_text})"
                for r in group.itertuples()
            )
            out.append(
                _row(
                    "repeated_value",
                    "flag",
                    sorted(group["figure_id"]),
                    f"the same value is reported for different indicators: {described}. "
                    "Verify at source: coincidence or a copying error.",
                    f"cùng một giá trị xuất hiện ở các chỉ tiêu khác nhau: {described_vi}. "
                    "Cần đối chiếu tại nguồn: trùng hợp hay lỗi sao chép.",
                )
            )
    for fig in indicators.itertuples():
        if fig.period_basis != "stated":
            basis_vi = "suy ra từ ngữ cảnh" if fig.period_basis == "implied" else "không nêu"
            out.append(
                _row(
                    "period_not_stated",
                    "flag",
                    fig.figure_id,
                    f"period {fig.period_basis.replace('_', ' ')}: {_period(fig, 'unknown')}",
                    f"thời gian {basis_vi}: {_period(fig, 'không rõ')}",
                )
            )
        if fig.needs_review:
            out.append(
                _row(
                    "needs_review",
                    "flag",
                    fig.figure_id,
                    f"{fig.raw_text!r} is ambiguous: check the source",
                    f"{fig.raw_text!r} không rõ nghĩa: kiểm tra lại nguồn",
                )
            )
    return validate(pd.DataFrame(out, columns=list(schemas.QUALITY.columns)), schemas.QUALITY, "quality (in memory)")


def _period(fig, unknown: str) -> str:
    """'2018–2022', '2022' for one year, ``unknown`` when neither end is known."""
    start = unknown if pd.isna(fig.period_start) else str(fig.period_start)
    end = unknown if pd.isna(fig.period_end) else str(fig.period_end)
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
    (``write_files_atomic``): bad input or a failed write leaves ``processed_dir`` as it was.
    """
    raw_dir = Path(raw_dir or paths.RAW)
    codebook_dir = Path(codebook_dir or paths.CODEBOOK)
    raw = load_raw(raw_dir)
    codebook = cb.load_indicators(codebook_dir)
    known = set(raw.sources["source_id"])
    for position, source_id in enumerate(raw.exclusions["source_id"], start=1):
        if source_id not in known:
            raise DataError(
                raw_dir / "exclusions.csv", f"unknown source_id {quote(source_id)}", row=position, column="source_id"
            )
    indicators = build_indicators(raw, codebook, raw_dir / "figures.csv")
    quality = quality_checks(indicators, cb.load_part_whole(codebook_dir), codebook)
    if fail_on_quality_error:
        raise_on_failures(quality, raw_dir / "figures.csv", raw.figures["figure_id"])
    if write:
        write_files_atomic(
            processed_files(indicators, quality, Path(processed_dir or paths.PROCESSED), raw_dir, codebook_dir)
        )
    return CleanResult(indicators, quality)


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
        first, ids = failed["figure_ids"].iloc[0].split(";")[0], list(figure_ids)
        row = ids.index(first) + 1 if first in ids else None
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
