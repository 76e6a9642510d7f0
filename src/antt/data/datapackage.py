"""A Frictionless Data Package descriptor for ``data/processed/`` (``datapackage.json``).

Everything in the descriptor is derived from files of the repository, so it cannot drift from them:

- field names, types, units and descriptions from the data dictionary (``data/codebook/columns.csv``);
- the allowed values of categorical columns from ``antt.data.schemas``;
- the codebook (``data/codebook/indicators.csv``) embedded as an inline resource ``codebook``, with a
  foreign key from ``indicators.indicator`` (the descriptor's resources must lie inside ``data/processed/``:
  frictionless refuses ``../`` paths, so the codebook travels inside the descriptor);
- the source's citation and licence from ``data/raw/sources.csv``;
- ``version`` from ``antt.__version__``; ``bytes`` and ``hash`` of each CSV from its content: the files in
  ``data/processed/`` (``build_descriptor``), or the texts about to be written (``describe``, used by
  ``antt.data.clean`` so that the three files are written together and always agree).

No timestamps: rebuilding gives byte-identical JSON. Rebuild after the processed data or the codebook change::

    python -m antt.data.datapackage

Reuse, in two lines of pandas::

    import pandas as pd
    indicators = pd.read_csv("data/processed/indicators.csv")
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from antt import __version__, paths
from antt.data import codebook, schemas
from antt.data.io import FileFacts, read_csv_text, validate, write_json_atomic

NAME = "antt-ha-nam-community-security-statistics"
TITLE = "Community security and order (ANTT) statistics from a Báo Hà Nam article, Hà Nam province"
DESCRIPTION = (
    "Statistics stated in one Vietnamese newspaper article (Báo Hà Nam điện tử, author Trần Ích, publication date "
    "not stated) on how the Fatherland Front (MTTQ) and the police coordinate security and order in Hà Nam "
    "province: drug figures of xã Ngọc Lũ (Bình Lục) and provincial results for 2020–2022. One row per figure, "
    "transcribed by hand with a verbatim evidence phrase (kept in data/raw/figures.csv of the repository), parsed "
    "the Vietnamese way (1.630 = 1630; 1,5 = 1.5) and validated. Qualified figures («gần», «trên», «hàng trăm») "
    "carry bounds (lower, upper) by a rounding convention, not confidence intervals. quality.csv lists the checks: "
    "'flag' means verify at source. The figures are official figures as reported by a newspaper; the underlying "
    "records were not seen. Read docs/caveats.md of the repository before drawing conclusions."
)
LICENCE_NOTE = (
    "The descriptor, the tables' structure and the codebook are MIT-licensed (see LICENSE). The figures are facts "
    "reported in the cited article, redistributed with its citation; the article's text is all rights reserved and "
    "is not included."
)

# Column names of the tables in the data dictionary → resource file names in data/processed/.
TABLES = {"indicators": "indicators.csv", "quality": "quality.csv"}
DESCRIPTOR = "datapackage.json"
RESOURCE_DESCRIPTIONS = {
    "indicators": "One row per figure stated in the source: parsed value, denominator, bounds, qualifier, place "
    "and period. Units of value, denominator, lower and upper are the row's unit (the counted noun "
    "as written; English in the codebook's unit_en).",
    "quality": "Data-quality checks of the indicators: pass, flag (verify at source) or fail. figure_ids lists "
    "the figures concerned, separated by ';'.",
    "codebook": "The codebook (data/codebook/indicators.csv of the repository): one row per indicator key, with "
    "topic, kind, place level, units and labels in Vietnamese and English, and a definition.",
}
# Allowed values of categorical columns (the same lists the pandera schemas check).
ENUMS = {
    ("indicators", "geo_level"): schemas.GEO_LEVELS,
    ("indicators", "period_basis"): schemas.PERIOD_BASES,
    ("indicators", "kind"): schemas.FIGURE_KINDS,
    ("indicators", "qualifier"): schemas.QUALIFIERS,
    ("quality", "status"): schemas.QUALITY_STATUSES,
}
NON_NEGATIVE = {("indicators", c) for c in ("value", "denominator", "lower", "upper")}
CODEBOOK_ENUMS = {"kind": schemas.INDICATOR_KINDS, "geo_level": schemas.GEO_LEVELS}
INDICATOR_UNIT = "indicator unit: the row's unit column (as written in Vietnamese); English in the codebook's unit_en"
DATA_DICTIONARY = "data/codebook/columns.csv"


def _field(table: str, row: Any) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": row.column,
        "type": row.type,
        "description": row.description_en,
        "description_vi": row.description_vi,
    }
    if row.type == "boolean":
        field["trueValues"], field["falseValues"] = ["True"], ["False"]
    if row.unit:
        field["unit"] = INDICATOR_UNIT if row.unit == "indicator unit" else row.unit
    constraints: dict[str, Any] = {}
    if row.required == "yes":
        constraints["required"] = True
    if (table, row.column) in ENUMS:
        constraints["enum"] = list(ENUMS[(table, row.column)])
    if (table, row.column) in NON_NEGATIVE:
        constraints["minimum"] = 0
    if constraints:
        field["constraints"] = constraints
    return field


def _fields(columns, table: str) -> list[dict[str, Any]]:
    rows = columns[columns["table"] == table]
    if rows.empty:
        raise ValueError(f"{DATA_DICTIONARY} documents no column of table {table!r}")
    return [_field(table, row) for row in rows.itertuples(index=False)]


def _file_facts(content: bytes | str | FileFacts) -> dict[str, Any]:
    facts = content if isinstance(content, FileFacts) else FileFacts.of(content)
    return {"bytes": facts.size, "hash": "sha256:" + facts.sha256}


def _csv_resource(name: str, content: bytes | str | FileFacts, columns) -> dict[str, Any]:
    filename = TABLES[name]
    resource = {
        "name": name,
        "path": filename,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": RESOURCE_DESCRIPTIONS[name],
        "schema": {"fields": _fields(columns, name), "missingValues": [""]},
        **_file_facts(content),
    }
    return resource


def _codebook_resource(codebook_dir: Path) -> dict[str, Any]:
    table = codebook.load_indicators(codebook_dir)
    header = list(table.columns)
    fields = []
    for column in header:
        field: dict[str, Any] = {"name": column, "type": "string", "constraints": {"required": True}}
        if column in CODEBOOK_ENUMS:
            field["constraints"]["enum"] = list(CODEBOOK_ENUMS[column])
        fields.append(field)
    return {
        "name": "codebook",
        "profile": "tabular-data-resource",
        "format": "inline",
        "description": RESOURCE_DESCRIPTIONS["codebook"],
        "data": [header, *([str(v) for v in row] for row in table.itertuples(index=False))],
        "schema": {"fields": fields, "primaryKey": ["indicator"], "missingValues": [""]},
    }


def _sources(raw_dir: Path) -> list[dict[str, Any]]:
    path = raw_dir / "sources.csv"
    sources = validate(read_csv_text(path, list(schemas.SOURCES.columns)), schemas.SOURCES, path)
    items = []
    for row in sources.itertuples(index=False):
        item = {
            "title": row.citation,
            "id": row.source_id,
            "author": row.author,
            "publisher": row.publisher,
            "publication_date": row.publication_date,
            "publication_date_note": row.publication_date_note,
            "access_date": row.access_date,
            "language": row.language,
            "licence": row.licence,
        }
        if row.url:
            item["path"] = row.url
        items.append({k: v for k, v in item.items() if v != ""})
    return items


def build_descriptor(root: str | Path | None = None) -> dict[str, Any]:
    """The descriptor of ``data/processed/`` as a dict (deterministic: no timestamps).

    ``root`` is the project root (default: ``antt.paths.ROOT``); tests pass a copy of the project.
    """
    root = Path(root) if root is not None else paths.ROOT
    data = root / "data"
    contents = {filename: (data / "processed" / filename).read_bytes() for filename in TABLES.values()}
    return describe(contents, data / "codebook", data / "raw")


def describe(
    contents: Mapping[str, bytes | str | FileFacts], codebook_dir: str | Path, raw_dir: str | Path
) -> dict[str, Any]:
    """The descriptor of a processed folder whose CSV files have ``contents`` (file name → bytes, text
    written as UTF-8, or the size and hash of a file already written), with the codebook and sources of
    ``codebook_dir`` and ``raw_dir``."""
    codebook_dir, raw = Path(codebook_dir), Path(raw_dir)
    columns = codebook.load_columns(codebook_dir)
    indicators = _csv_resource("indicators", contents[TABLES["indicators"]], columns)
    indicators["schema"]["primaryKey"] = ["figure_id"]
    indicators["schema"]["foreignKeys"] = [
        {"fields": ["indicator"], "reference": {"resource": "codebook", "fields": ["indicator"]}}
    ]
    quality = _csv_resource("quality", contents[TABLES["quality"]], columns)
    return {
        "profile": "tabular-data-package",
        "name": NAME,
        "title": TITLE,
        "description": DESCRIPTION,
        "version": __version__,
        "keywords": [
            "Vietnam",
            "Hà Nam",
            "security and order",
            "ANTT",
            "MTTQ",
            "drug prevention",
            "community policing",
            "newspaper figures",
        ],
        "licenses": [
            {"name": "MIT", "title": "MIT License", "path": "https://opensource.org/licenses/MIT"},
        ],
        "licence_note": LICENCE_NOTE,
        "contributors": [{"title": "antt project contributors", "role": "author"}],
        "sources": _sources(raw),
        "resources": [indicators, quality, _codebook_resource(codebook_dir)],
    }


def write_descriptor(path: str | Path | None = None, root: str | Path | None = None) -> Path:
    """Write the descriptor as JSON (sorted keys, indent 2, trailing newline), atomically."""
    root = Path(root) if root is not None else paths.ROOT
    path = Path(path) if path is not None else root / "data" / "processed" / DESCRIPTOR
    return write_json_atomic(build_descriptor(root), path)


if __name__ == "__main__":  # python -m antt.data.datapackage
    print(write_descriptor())
