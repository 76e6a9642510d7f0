"""Loading tables with clear errors, and atomic, deterministic writes.

Every CSV is read as text first (UTF-8 only, BOM tolerated, NFC-normalised: ``antt.text``),
then every cell is kept as a string exactly as written; schemas (``antt.data.schemas``) decide types.
Every record must have as many fields as the header: a short or long row is an error, never
padded or shifted. Writes go to a temporary file in the target folder and are moved into place
with ``os.replace``, so a failed run never leaves a half-written output; ``write_files_atomic``
(and ``AtomicFiles``, which streams large tables) writes a set of files that belong together
(all are replaced, or none).

Scale: a CSV of a million rows is judged by the csv module (strict) in one streaming pass that keeps
no records, and the table is then built by pandas' C parser from the same bytes; CSV output is
streamed to its temporary file and hashed on the way (``AtomicFiles.write_csv``).
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import hashlib
import io
import itertools
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pandera.pandas as pa

from antt.errors import DataError, quote
from antt.text import TextEncodingError, read_utf8


def read_csv_text(path: str | Path, columns: list[str], optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a CSV as a table of strings; check its header against ``columns`` (+ ``optional``).

    Missing, misspelt, repeated and unexpected columns are errors that say which column and what
    was expected; so is a row with fewer or more fields than the header. Empty cells are empty strings.
    """
    path = Path(path)
    try:
        data = read_utf8(path)
    except FileNotFoundError:
        raise DataError(path, "file not found") from None
    except TextEncodingError as exc:
        raise DataError(path, str(exc).removeprefix(f"{path}: ")) from None
    scan = _scan_records(path, data)
    if scan.header is None:
        raise DataError(path, "file is empty")
    _check_header(path, scan.header, list(columns), list(columns) + list(optional))
    if scan.wrong_count is not None:
        _field_count_error(path, scan.header, *scan.wrong_count)
    if not scan.rows:
        raise DataError(path, "the table has a header but no rows")
    return _table(path, data, scan)


@dataclass
class _Scan:
    """What one pass of the csv module over a file found (no records are kept)."""

    header: list[str] | None = None
    rows: int = 0  # data records, blank ones not counted
    wrong_count: tuple[int, int] | None = None  # (row, field count) of the first row whose count differs
    blank_records: bool = False  # a blank record other than an empty line (pandas' reading would differ)


def _text_lines(data: bytes, piece: int = 1 << 24) -> Iterator[str]:
    """The lines of UTF-8 ``data`` (``\\n`` line ends) as ``io.StringIO(text, newline="")`` gives them,
    decoded a piece of about ``piece`` bytes at a time (cut after a ``\\n``: no character is split)."""

    def pieces() -> Iterator[io.StringIO]:
        start = 0
        while start < len(data):
            cut = data.find(b"\n", start + piece)
            end = len(data) if cut < 0 else cut + 1
            yield io.StringIO(data[start:end].decode("utf-8"), newline="")
            start = end

    # chain: the lines go straight from each StringIO to the csv reader, without a Python frame per line.
    return itertools.chain.from_iterable(pieces())


def _scan_records(path: Path, data: bytes) -> _Scan:
    """Judge ``data`` as the csv module does (strict), keeping counts only.

    Blank records (``_blank``) are skipped as pandas skips blank lines. The csv module is the judge
    rather than ``pandas.read_csv`` because pandas pads a short row with empty cells, turns the extra
    field of a long first row into an index, and accepts a stray quote, silently.
    """
    scan, records = _Scan(), 0
    with _field_size_limit(len(data)):
        try:
            for record in csv.reader(_text_lines(data), strict=True):
                if _blank(record):
                    scan.blank_records = scan.blank_records or record != []
                    continue
                records += 1
                if scan.header is None:
                    scan.header = record
                    continue
                scan.rows += 1
                if scan.wrong_count is None and len(record) != len(scan.header):
                    scan.wrong_count = (scan.rows, len(record))
        except csv.Error as exc:
            # The failing record is the one after the last read: data row ``records`` (header = 0).
            raise DataError(path, f"not a well-formed CSV file: {exc}", row=records or None) from None
    return scan


def _table(path: Path, data: bytes, scan: _Scan) -> pd.DataFrame:
    """The table of a file ``_scan_records`` accepted: pandas' C parser, strings as written.

    Blank records other than empty lines (a line of spaces, ``""``) are rare, and pandas reads some of
    them as rows (``""``): such a file is read record by record instead, as is any file on which the two
    readers would disagree in shape (a safeguard: none is known).
    """
    if not scan.blank_records:
        table = pd.read_csv(
            io.BytesIO(data),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            index_col=False,
            engine="c",
        )
        if list(table.columns) == scan.header and table.shape == (scan.rows, len(scan.header)):
            return table
    rows = _records(path, data)[1:]
    return pd.DataFrame(rows, columns=scan.header, dtype=str)


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


def _records(path: Path, data: bytes) -> list[list[str]]:
    """The CSV records of ``data`` (header first), blank ones skipped as pandas skips blank lines."""
    records: list[list[str]] = []
    with _field_size_limit(len(data)):
        try:
            for record in csv.reader(_text_lines(data), strict=True):
                if not _blank(record):
                    records.append(record)
        except csv.Error as exc:
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


def _field_count_error(path: Path, header: list[str], row: int, count: int) -> None:
    """Raise for data row ``row`` (1-based), which has ``count`` fields where the header has more or fewer."""
    expected = len(header)
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


_CHECKED: dict[tuple[str, str, int], tuple[pa.DataFrameSchema, pd.DataFrame]] = {}  # (path, SHA-256, schema id)


def read_checked(path: str | Path, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """``read_csv_text`` then ``validate`` with ``schema``, done once per file content and process (a copy
    each time). For the small reference tables (sources, codebook) that a report reads about ten times, at
    about 30 ms a validation. The file is read every time (and so recorded as the job's input), and a changed
    file is checked again."""
    path = Path(path)
    try:
        key = (str(path.resolve()), hashlib.sha256(path.read_bytes()).hexdigest(), id(schema))
    except OSError:
        key = None  # read_csv_text gives the one-line error of a file that cannot be read
    cached = _CHECKED.get(key) if key is not None else None
    if cached is None or cached[0] is not schema:
        table = validate(read_csv_text(path, list(schema.columns)), schema, path, inplace=True)
        if key is None:
            return table
        cached = _CHECKED[key] = (schema, table)
    return cached[1].copy()


def validate(
    table: pd.DataFrame, schema: pa.DataFrameSchema, path: str | Path, *, inplace: bool = False
) -> pd.DataFrame:
    """Validate with a pandera schema; the first failure becomes a DataError naming row and column.

    ``inplace=True`` when the caller hands ``table`` over (its coerced columns may be replaced): pandera
    then works on it rather than on a copy (a table of a million rows: a copy is a hundred megabytes).
    """
    try:
        return schema.validate(table, lazy=True, inplace=inplace)
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


def _write_temporary(path: Path, fill: Callable[[BinaryIO], None]) -> Path:
    """A new temporary file beside ``path``, written by ``fill(handle)`` (removed again if writing fails).

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
            fill(handle)
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


@dataclass(frozen=True)
class FileFacts:
    """Size (bytes) and SHA-256 (hex digest) of a file's content, as written."""

    size: int
    sha256: str

    @classmethod
    def of(cls, content: bytes | str) -> FileFacts:
        data = _encoded(content)
        return cls(len(data), hashlib.sha256(data).hexdigest())


class _HashingWriter:
    """A text stream for CSV writers: writes what it is given as UTF-8 to ``handle``, counting and
    hashing the bytes on the way. Small writes (pandas writes line by line) are gathered first."""

    _GATHER = 1 << 20  # characters

    def __init__(self, handle: BinaryIO) -> None:
        self.handle, self.size, self.hash = handle, 0, hashlib.sha256()
        self.pending: list[str] = []
        self.pending_length = 0

    def write(self, text: str) -> int:
        self.pending.append(text)
        self.pending_length += len(text)
        if self.pending_length >= self._GATHER:
            self.flush()
        return len(text)

    def flush(self) -> None:
        data = "".join(self.pending).encode("utf-8")
        self.pending, self.pending_length = [], 0
        self.handle.write(data)
        self.hash.update(data)
        self.size += len(data)

    def facts(self) -> FileFacts:
        return FileFacts(self.size, self.hash.hexdigest())


class AtomicFiles:
    """Files that belong together: each is written in full to a temporary file beside its target, and
    ``commit`` moves them all into place; leaving the ``with`` block without ``commit`` (an error, an
    interrupt) removes every temporary, and no target has changed.

    Writes report the :class:`FileFacts` of what they wrote, so a descriptor can record the size and hash
    of a table streamed to disk (``write_csv``) without holding its text in memory.
    """

    def __init__(self) -> None:
        self._temporaries: dict[Path, Path] = {}

    def __enter__(self) -> AtomicFiles:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for tmp in self._temporaries.values():
            tmp.unlink(missing_ok=True)
        self._temporaries.clear()

    def _add(self, path: Path, fill: Callable[[BinaryIO], None]) -> None:
        path = Path(path)
        previous = self._temporaries.pop(path, None)
        if previous is not None:
            previous.unlink(missing_ok=True)
        self._temporaries[path] = _write_temporary(path, fill)

    def write(self, path: Path, content: bytes | str) -> FileFacts:
        """Write ``content`` (text as UTF-8, as given: use ``\\n`` line ends)."""
        data = _encoded(content)
        self._add(path, lambda handle: handle.write(data))
        return FileFacts.of(data)

    def write_json(self, path: Path, data: object) -> FileFacts:
        """Stream :func:`json_text` of ``data`` (the same bytes) without building the text in memory."""
        writers: list[_HashingWriter] = []

        def fill(handle: BinaryIO) -> None:
            writers.append(_HashingWriter(handle))
            json.dump(data, writers[-1], **_JSON_OPTIONS)
            writers[-1].write("\n")
            writers[-1].flush()

        self._add(path, fill)
        return writers[-1].facts()

    def write_csv(self, path: Path, table: pd.DataFrame) -> FileFacts:
        """Stream ``table`` as :func:`csv_text` would give it (the same bytes), hashing on the way."""
        writers: list[_HashingWriter] = []

        def fill(handle: BinaryIO) -> None:
            writers.append(_HashingWriter(handle))
            _to_csv(table, writers[-1])
            writers[-1].flush()

        self._add(path, fill)
        return writers[-1].facts()

    def commit(self) -> list[Path]:
        """Move every temporary onto its target with ``os.replace``: a rename within a folder allocates
        no data, so a full disk or a size limit cannot stop the renames part-way."""
        targets = list(self._temporaries)
        for path in targets:
            try:
                os.replace(self._temporaries[path], path)
            except OSError as exc:  # e.g. the target is a folder
                raise _naming(exc, path) from exc
            del self._temporaries[path]
        return targets


def write_files_atomic(files: Mapping[Path, bytes | str]) -> list[Path]:
    """Write files that belong together so that either all are replaced or none is.

    Every file is first written in full to a temporary file beside its target (text as UTF-8,
    as given: use ``\\n`` line ends); if any write fails (disk full, file-size limit, interrupt),
    every temporary is removed and the error raised, and no target has changed. Only then are the
    temporaries renamed onto their targets with ``os.replace`` (:class:`AtomicFiles`).
    """
    with AtomicFiles() as out:
        for path, content in files.items():
            out.write(Path(path), content)
        out.commit()
    return [Path(p) for p in files]


def write_text_atomic(text: str, path: str | Path) -> Path:
    """Write UTF-8 text atomically, line ends as given (no platform translation: use ``\\n``)."""
    return write_files_atomic({Path(path): text})[0]


def write_bytes_atomic(data: bytes, path: str | Path) -> Path:
    return write_files_atomic({Path(path): data})[0]


def csv_text(table: pd.DataFrame) -> str:
    """Deterministic CSV text: ``\\n`` line ends, no index, floats in shortest round-trip form
    (whole numbers in full: ``1630``, never ``1.63e+03``)."""
    out = io.StringIO()
    _to_csv(table, out)
    return out.getvalue()


# Rows written per piece: each piece is one string of a few megabytes.
_CSV_ROWS = 1 << 15
# Only a cell with one of these can need quotes (QUOTE_MINIMAL, ``\\n`` line ends); the csv module decides.
_CSV_SPECIAL = re.compile('[,"\r\n]')


def _csv_field(value: str) -> str:
    """``value`` as the csv module writes it in a row of more than one field."""
    if not _CSV_SPECIAL.search(value):
        return value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([value, ""])
    return out.getvalue()[: -len(",\n")]


def _cell_format(column: pd.Series) -> Callable[[Any], str] | None:
    """How ``DataFrame.to_csv(float_format=_format_float)`` writes a (non-missing) value of ``column``,
    for the types the processed tables use; None for any other type (pandas then writes the table)."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype) or (
        pd.api.types.is_object_dtype(dtype) and all(isinstance(v, str) for v in column.dropna())
    ):
        return _csv_field
    if dtype == np.float64:
        return _format_float
    if dtype == np.int64 or dtype == np.bool_ or isinstance(dtype, pd.Int64Dtype):
        return str
    return None


def _to_csv(table: pd.DataFrame, stream) -> None:
    """Write ``table`` as ``table.to_csv(stream, index=False, lineterminator="\\n", float_format=_format_float)``
    does, byte for byte, in pieces of ``_CSV_ROWS`` rows.

    pandas formats and writes a million rows cell by cell and line by line (seconds per table); here each
    distinct value of a piece's column is formatted once (``_csv_field``: quotes exactly where the csv
    module puts them) and the piece's lines are joined in C. Tables of other types, of one column (where
    the csv module quotes a lone empty cell) or with unusual column labels are left to pandas.
    """
    formats = [_cell_format(column) for _, column in table.items()]
    labels = list(table.columns)
    if (
        len(labels) < 2
        or None in formats
        or not all(isinstance(c, str) for c in labels)
        or len(set(labels)) < len(labels)
    ):
        table.to_csv(stream, index=False, lineterminator="\n", float_format=_format_float)
        return
    stream.write(",".join(_csv_field(label) for label in labels) + "\n")
    for start in range(0, len(table), _CSV_ROWS):
        piece = table.iloc[start : start + _CSV_ROWS]
        cells = []
        for (_, column), format_cell in zip(piece.items(), formats):
            codes, distinct = pd.factorize(column, use_na_sentinel=True)
            # Code -1 (a missing value) takes the last entry: the empty cell.
            distinct = np.asarray(distinct, dtype=object)  # iterating a pandas array boxes cell by cell
            cells.append(np.array([*map(format_cell, distinct), ""], dtype=object)[codes])
        stream.write("\n".join(map(",".join, zip(*cells))) + "\n")


# Whole numbers up to 2**53 are exact in a float: write them digit for digit.
_EXACT_WHOLE = 2**53


def _format_float(value: float) -> str:
    if value.is_integer() and abs(value) <= _EXACT_WHOLE:
        return str(int(value))
    text = f"{value:.15g}"
    # float(): the repr of a numpy float is «np.float64(0.30000000000000004)», not a number.
    return text if float(text) == value else repr(float(value))


_JSON_OPTIONS: dict[str, Any] = {"ensure_ascii": False, "indent": 2, "sort_keys": True, "allow_nan": False}


def json_text(data: object) -> str:
    """JSON with sorted keys, indent 2 and a trailing newline (identical text for equal data)."""
    return json.dumps(data, **_JSON_OPTIONS) + "\n"


def write_json_atomic(data: object, path: str | Path) -> Path:
    """:func:`json_text` written atomically (byte-identical for equal data)."""
    return write_text_atomic(json_text(data), path)
