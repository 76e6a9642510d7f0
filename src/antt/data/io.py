"""Loading tables with clear errors, and atomic, deterministic writes.

Every CSV is read as text first (UTF-8 only, BOM tolerated, NFC-normalised: ``antt.text``),
then every cell is kept as a string exactly as written; schemas (``antt.data.schemas``) decide types.
Every record must have as many fields as the header: a short or long row is an error, never
padded or shifted. Writes go to a temporary file in the target folder and are moved into place
with ``os.replace``, so a failed run never leaves a half-written output; ``write_files_atomic``
writes a set of files that belong together (all are replaced, or none).
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from antt.errors import DataError, quote
from antt.text import TextEncodingError, read_text


def read_csv_text(path: str | Path, columns: list[str], optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a CSV as a table of strings; check its header against ``columns`` (+ ``optional``).

    Missing, misspelt, repeated and unexpected columns are errors that say which column and what
    was expected; so is a row with fewer or more fields than the header. Empty cells are empty strings.
    """
    path = Path(path)
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise DataError(path, "file not found") from None
    except TextEncodingError as exc:
        raise DataError(path, str(exc).removeprefix(f"{path}: ")) from None
    records = _records(path, text)
    if not records:
        raise DataError(path, "file is empty")
    header, rows = records[0], records[1:]
    _check_header(path, header, list(columns), list(columns) + list(optional))
    _check_field_counts(path, header, rows)
    if not rows:
        raise DataError(path, "the table has a header but no rows")
    return pd.DataFrame(rows, columns=header, dtype=str)


@contextlib.contextmanager
def _field_size_limit(size: int) -> Iterator[None]:
    # The csv module refuses fields over 128 KiB (a process-wide setting). No field is longer than
    # its file, and how long a cell may be is for the schemas to say, with row and column.
    previous = csv.field_size_limit()
    csv.field_size_limit(max(size, previous))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _blank(record: list[str]) -> bool:
    return len(record) <= 1 and not "".join(record).strip()


def _records(path: Path, text: str) -> list[list[str]]:
    """The CSV records of ``text`` (header first), blank lines skipped as pandas skips them.

    The csv module is used rather than ``pandas.read_csv`` because pandas pads a short row with
    empty cells and turns the extra field of a long first row into an index, silently.
    """
    records: list[list[str]] = []
    with _field_size_limit(len(text)):
        try:
            for record in csv.reader(io.StringIO(text, newline=""), strict=True):
                if not _blank(record):
                    records.append(record)
        except csv.Error as exc:
            # The failing record is the one after the last read: data row len(records) (header = 0).
            raise DataError(path, f"not a well-formed CSV file: {exc}", row=len(records) or None) from None
    return records


def _check_header(path: Path, header: list[str], columns: list[str], allowed: list[str]) -> None:
    for name in columns:
        if name not in header:
            near = difflib.get_close_matches(name, [h for h in header if h not in allowed], n=1)
            hint = f" (found {quote(near[0])}: misspelt?)" if near else ""
            raise DataError(
                path, f"required column is missing{hint}; expected columns: {', '.join(columns)}", column=name
            )
    for name in header:
        if name not in allowed:
            raise DataError(path, f"unexpected column; expected columns: {', '.join(allowed)}", column=name)
    repeated = pd.Index(header)[pd.Index(header).duplicated()]
    if len(repeated):
        raise DataError(path, "the column appears more than once in the header", column=repeated[0])


def _check_field_counts(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Every row has exactly as many fields as the header (row numbers are 1-based data rows)."""
    counts = pd.Series([len(r) for r in rows], index=pd.RangeIndex(1, len(rows) + 1), dtype=int)
    wrong = counts[counts != len(header)]
    if wrong.empty:
        return
    row, count, expected = int(wrong.index[0]), int(wrong.iloc[0]), len(header)
    if count < expected:
        raise DataError(
            path,
            f"the row has {count} field(s) but the header has {expected}: it ends before this column "
            f"(a lost comma or a cut line?)",
            row=row,
            column=header[count],
        )
    raise DataError(
        path,
        f"the row has {count} fields but the header has {expected}: {count - expected} too many "
        f"(a value with a comma must be in double quotes)",
        row=row,
    )


def validate(table: pd.DataFrame, schema: pa.DataFrameSchema, path: str | Path) -> pd.DataFrame:
    """Validate with a pandera schema; the first failure becomes a DataError naming row and column."""
    try:
        return schema.validate(table, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.sort_values(["index", "column"], na_position="first", kind="stable")
        first = cases.iloc[0]
        row = None if pd.isna(first["index"]) else int(first["index"]) + 1
        more = f" ({len(cases) - 1} more problem(s) in this file)" if len(cases) > 1 else ""
        if row is not None and first["schema_context"] == "DataFrameSchema" and pd.notna(first["check_number"]):
            # A check across columns: pandera lists every cell of the row, so no one column is to blame.
            raise DataError(path, f"the row fails check {first['check']}{more}", row=row) from None
        column = None if pd.isna(first["column"]) else str(first["column"])
        value = quote(first["failure_case"])
        raise DataError(path, f"value {value} fails check {first['check']}{more}", row=row, column=column) from None


def _write_temporary(path: Path, content: bytes) -> Path:
    """``content`` in a new temporary file beside ``path`` (removed again if writing fails).

    An OSError names ``path``: a failed ``write`` has no file name of its own, and the temporary
    name would mean nothing to the user.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _naming(exc, path) from exc
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, 0o644)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _naming(exc, path) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _naming(exc: OSError, path: Path) -> OSError:
    """The same error (same errno, so the same subclass) naming ``path`` alone."""
    return OSError(exc.errno, exc.strerror, str(path)) if exc.errno is not None else exc


def _encoded(content: bytes | str) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def write_files_atomic(files: Mapping[Path, bytes | str]) -> list[Path]:
    """Write files that belong together so that either all are replaced or none is.

    Every file is first written in full to a temporary file beside its target (text as UTF-8,
    as given: use ``\\n`` line ends); if any write fails (disk full, file-size limit, interrupt),
    every temporary is removed and the error raised, and no target has changed. Only then are the
    temporaries renamed onto their targets with ``os.replace``: a rename within a folder allocates
    no data, so a full disk or a size limit cannot stop the renames part-way.
    """
    temporaries: dict[Path, Path] = {}
    try:
        for path, content in files.items():
            temporaries[Path(path)] = _write_temporary(Path(path), _encoded(content))
        for path, tmp in list(temporaries.items()):
            try:
                os.replace(tmp, path)
            except OSError as exc:  # e.g. the target is a folder
                raise _naming(exc, path) from exc
            del temporaries[path]
    finally:
        for tmp in temporaries.values():
            tmp.unlink(missing_ok=True)
    return [Path(p) for p in files]


def write_text_atomic(text: str, path: str | Path) -> Path:
    """Write UTF-8 text atomically, line ends as given (no platform translation: use ``\\n``)."""
    return write_files_atomic({Path(path): text})[0]


def write_bytes_atomic(data: bytes, path: str | Path) -> Path:
    return write_files_atomic({Path(path): data})[0]


def csv_text(table: pd.DataFrame) -> str:
    """Deterministic CSV text: ``\\n`` line ends, no index, floats in shortest round-trip form
    (whole numbers in full: ``1630``, never ``1.63e+03``)."""
    return table.to_csv(index=False, lineterminator="\n", float_format=_format_float)


# Whole numbers up to 2**53 are exact in a float: write them digit for digit.
_EXACT_WHOLE = 2**53


def _format_float(value: float) -> str:
    if value.is_integer() and abs(value) <= _EXACT_WHOLE:
        return str(int(value))
    text = f"{value:.15g}"
    return text if float(text) == value else repr(value)


def json_text(data: object) -> str:
    """JSON with sorted keys, indent 2 and a trailing newline (identical text for equal data)."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_json_atomic(data: object, path: str | Path) -> Path:
    """:func:`json_text` written atomically (byte-identical for equal data)."""
    return write_text_atomic(json_text(data), path)
