"""Reading ``params.yaml`` and ``-p name=value`` overrides, with one-line errors.

``params.yaml`` maps a notebook name to one parameter set (a mapping) or a list of sets (one report
each). A set with the key ``each_row_of: FILE.csv`` stands for one set per row of that CSV (a sweep: a
table of communes with their interventions, say): the columns are parameter names, each cell a YAML value
as after ``-p name=`` (an empty cell leaves the parameter at its default), and the set's other keys apply to
every row. The table's path is relative to the folder of ``params.yaml``; its rows are checked as every
other set is, and a problem names the table's file, row and column.

``params.yaml`` (and any table) is read as UTF-8 text (``antt.text``: legacy encodings are refused,
strings come out NFC); ``params.yaml`` with PyYAML's safe loader, extended to refuse what YAML would
otherwise accept silently: a key given twice (YAML keeps the last one) and tags such as
``!!python/object`` (the safe loader never executes them, but its error is a traceback). Errors give
the file, line and column.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from antt.errors import DataError, quote
from antt.text import TextEncodingError, read_text

#: The key of a parameter set that stands for one set per row of a CSV table.
TABLE_KEY = "each_row_of"


class ParamsError(ValueError):
    """Bad ``params.yaml`` or override; the message says where (file, line, column or override)."""


class ParamSet(dict):
    """One parameter set, and where it was written when it is a row of a table (for messages)."""

    def __init__(self, values: dict[str, Any], file: Path | None = None, row: int | None = None):
        super().__init__(values)
        self.file, self.row = file, row

    def where(self, column: str | None = None) -> str:
        """``communes.csv, row 3 (line 4), column 'alpha'`` (as ``DataError`` names a place), or ""."""
        if self.file is None:
            return ""
        return str(DataError(self.file, "", self.row, column)).removesuffix(": ")


class _StrictLoader(yaml.SafeLoader):
    """Safe loader that refuses duplicate keys."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} is given twice (first on line {seen[key].line + 1}); YAML would keep only the last",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def _where(path: Path, mark: yaml.Mark | None) -> str:
    return f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark is not None else str(path)


def _yaml_message(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    if "could not determine a constructor for the tag" in problem:
        problem = "YAML tags (such as !!python/object) are not allowed; write plain values"
    return " ".join(str(problem).split())


def load(path: Path) -> dict[str, list[dict[str, Any]]]:
    """``params.yaml`` → notebook name → list of parameter sets. A missing file means no sets."""
    if not path.exists():
        return {}
    try:
        text = read_text(path)
    except TextEncodingError as exc:
        raise ParamsError(str(exc)) from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        raise ParamsError(f"{_where(path, mark)}: {_yaml_message(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of notebook name → parameters, got {type(data).__name__}")
    out = {}
    for name, sets in data.items():
        sets = sets if isinstance(sets, list) else [sets or {}]
        for position, values in enumerate(sets, start=1):
            if not isinstance(values, dict):
                raise ParamsError(
                    f"{path}: {name}, parameter set {position}: expected name: value pairs, got {values!r}"[:300]
                )
        out[str(name)] = [row for values in sets for row in _expand(values, path, f"{name}")]
    return out


def _expand(values: dict[str, Any], path: Path, where: str) -> list[dict[str, Any]]:
    """A parameter set as written, or one set per row of the table it names (``each_row_of``)."""
    if TABLE_KEY not in values:
        return [values]
    table = values[TABLE_KEY]
    if not isinstance(table, str) or not table.strip():
        raise ParamsError(f"{path}: {where}: {TABLE_KEY} must name a CSV file, got {table!r}"[:300])
    shared = {k: v for k, v in values.items() if k != TABLE_KEY}
    return read_table(path.parent / table, shared)


def read_table(path: Path, shared: dict[str, Any] | None = None) -> list[ParamSet]:
    """One parameter set per data row of the CSV ``path``: ``shared`` plus the row's non-empty cells, each
    read as a YAML value. Errors name the file, the row and the column."""
    shared = shared or {}
    try:
        text = read_text(path)
    except (TextEncodingError, OSError) as exc:
        raise ParamsError(
            " ".join(str(exc).split()) if isinstance(exc, TextEncodingError) else f"{path}: {exc.strerror or exc}"
        ) from None
    records = [r for r in csv.reader(text.splitlines()) if any(cell.strip() for cell in r)]
    if not records:
        raise ParamsError(f"{path}: the table has no header row")
    header = [h.strip() for h in records[0]]
    for position, name in enumerate(header):
        if not name:
            raise ParamsError(str(DataError(path, f"column {position + 1} has no name (a parameter name)")))
        if header.count(name) > 1:
            raise ParamsError(str(DataError(path, "the column is given twice", column=name)))
        if name in shared:
            raise ParamsError(
                str(
                    DataError(
                        path,
                        f"the column is also set for every row in params.yaml ({name}: {shared[name]!r}); keep one",
                        column=name,
                    )
                )[:400]
            )
    if len(records) == 1:
        raise ParamsError(f"{path}: the table has a header but no rows")
    sets = []
    for row, cells in enumerate(records[1:], start=1):
        if len(cells) != len(header):
            raise ParamsError(str(DataError(path, f"{len(cells)} fields, but the header has {len(header)}", row)))
        values = dict(shared)
        for name, cell in zip(header, cells):
            if cell.strip():
                values[name] = _cell_value(path, row, name, cell)
        sets.append(ParamSet(values, path, row))
    return sets


def _cell_value(path: Path, row: int, column: str, cell: str) -> Any:
    try:
        return yaml.load(unicodedata.normalize("NFC", cell), Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise ParamsError(str(DataError(path, f"{quote(cell)}: {_yaml_message(exc)}", row, column))[:400]) from None


def parse_override(text: str) -> tuple[str, Any]:
    """``name=value`` with a YAML value: ``lang=en``, ``alpha=0.1``, ``commune="Công Lý"``."""
    if "=" not in text:
        raise ParamsError(f"override -p {text!r}: expected name=value")
    name, value = text.split("=", 1)
    try:
        parsed = yaml.load(unicodedata.normalize("NFC", value), Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise ParamsError(f"override -p {text!r}: {_yaml_message(exc)}") from None
    return name.strip(), parsed


def describe_override(name: str, value: Any) -> str:
    """How the user typed it, for messages: ``-p commune='Ngoc Lu'``."""
    return f"-p {name}={value!r}"
