"""One error type for bad input: it names the file, the row and the column."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Bad input data.

    ``row`` is the 1-based data row (the header is not counted; the file line is ``row + 1``);
    ``None`` when the problem concerns the whole file or a whole column.
    """

    def __init__(self, file: str | Path, message: str, row: int | None = None, column: str | None = None):
        self.file = str(file)
        self.row = row
        self.column = column
        self.message = message
        where = [self.file]
        if row is not None:
            where.append(f"row {row} (line {row + 1})")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(", ".join(where) + ": " + message)
