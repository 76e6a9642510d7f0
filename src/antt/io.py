"""Loading tables with clear errors, and atomic, deterministic writes.

Every CSV is read as text first (UTF-8 only, BOM tolerated, NFC-normalised: ``antt.text``),
then every cell is kept as a string exactly as written; schemas (``antt.schemas``) decide types.
Writes go to a temporary file in the target folder and are moved into place with ``os.replace``,
so a failed run never leaves a half-written output.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from antt.errors import DataError
from antt.text import TextEncodingError, read_text


def read_csv_text(path: str | Path, columns: list[str], optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a CSV as a table of strings; check its header against ``columns`` (+ ``optional``).

    Missing, misspelt and unexpected columns are errors that say which column and what was expected.
    Empty cells are empty strings.
    """
    path = Path(path)
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise DataError(path, "file not found") from None
    except TextEncodingError as exc:
        raise DataError(path, str(exc).removeprefix(f"{path}: ")) from None
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=False)
    except pd.errors.ParserError as exc:
        raise DataError(path, f"not a well-formed CSV file: {exc}") from None
    except pd.errors.EmptyDataError:
        raise DataError(path, "file is empty") from None
    header = [str(c) for c in table.columns]
    allowed = list(columns) + list(optional)
    for name in columns:
        if name not in header:
            near = difflib.get_close_matches(name, [h for h in header if h not in allowed], n=1)
            hint = f" (found '{near[0]}': misspelt?)" if near else ""
            raise DataError(path, f"required column is missing{hint}; expected columns: {', '.join(columns)}", column=name)
    for name in header:
        if name not in allowed:
            raise DataError(path, f"unexpected column; expected columns: {', '.join(allowed)}", column=name)
    if table.empty:
        raise DataError(path, "the table has a header but no rows")
    return table


def validate(table: pd.DataFrame, schema: pa.DataFrameSchema, path: str | Path) -> pd.DataFrame:
    """Validate with a pandera schema; the first failure becomes a DataError naming row and column."""
    try:
        return schema.validate(table, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.sort_values(["index", "column"], na_position="first", kind="stable")
        first = cases.iloc[0]
        row = None if pd.isna(first["index"]) else int(first["index"]) + 1
        column = None if pd.isna(first["column"]) else str(first["column"])
        more = f" ({len(cases) - 1} more problem(s) in this file)" if len(cases) > 1 else ""
        value = first["failure_case"]
        raise DataError(path, f"value {value!r} fails check {first['check']}{more}", row=row, column=column) from None


def _atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(text: str, path: str | Path) -> Path:
    """Write UTF-8 text with ``\\n`` line ends, atomically."""
    return _atomic_write(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


def write_bytes_atomic(data: bytes, path: str | Path) -> Path:
    return _atomic_write(Path(path), lambda tmp: tmp.write_bytes(data))


def csv_text(table: pd.DataFrame) -> str:
    """Deterministic CSV text: ``\\n`` line ends, no index, floats in shortest round-trip form."""
    return table.to_csv(index=False, lineterminator="\n", float_format=_format_float)


def _format_float(value: float) -> str:
    return f"{value:.15g}"


def write_csv_atomic(table: pd.DataFrame, path: str | Path) -> Path:
    return write_text_atomic(csv_text(table), path)


def write_json_atomic(data: object, path: str | Path) -> Path:
    """JSON with sorted keys and a trailing newline (byte-identical for equal data)."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False) + "\n"
    return write_text_atomic(text, path)
