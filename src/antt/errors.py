"""One error type for bad input: it names the file, the row and the column.

Error messages quote the values they complain about through :func:`quote`, so a hostile cell
(a megabyte of text, a newline) can neither flood the terminal nor split the one error line.
"""

from __future__ import annotations

import re
from pathlib import Path

# Enough to recognise a value in its file; the row and column say where the rest is.
QUOTE_LIMIT = 60
_LINE_BREAKS = re.compile(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to its first ``limit`` characters + ``…`` when longer."""
    return text if len(text) <= limit else text[:limit] + "…"


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` for an error message, shortened: a string longer than ``limit`` characters
    keeps its first ``limit`` and ends in ``…``; other values are cut the same way after ``repr``."""
    if isinstance(value, str):
        return repr(shorten(value, limit))
    return shorten(repr(value), limit)


def one_line(message: str) -> str:
    """``message`` with every line break (and the spaces around it) turned into ``; ``."""
    return _LINE_BREAKS.sub("; ", message.strip())


def os_error_message(exc: OSError) -> str:
    """One line for an OSError: the file(s) it names, then why (``indicators.csv: File too large``)."""
    where = ": ".join(str(name) for name in (exc.filename, exc.filename2) if name is not None)
    reason = exc.strerror or str(exc)
    return one_line(f"{where}: {reason}" if where else reason)


class DataError(ValueError):
    """Bad input data.

    ``row`` is the 1-based data row (the header is not counted; the file line is ``row + 1``);
    ``None`` when the problem concerns the whole file or a whole column. The message is kept on
    one line (the command line prints exactly one ``error:`` line); quote values with :func:`quote`.
    """

    def __init__(self, file: str | Path, message: str, row: int | None = None, column: str | None = None):
        self.file = str(file)
        self.row = row
        self.column = column
        self.message = one_line(message)
        where = [self.file]
        if row is not None:
            where.append(f"row {row} (line {row + 1})")
        if column is not None:
            where.append(f"column {quote(column)}")
        super().__init__(", ".join(where) + ": " + self.message)
