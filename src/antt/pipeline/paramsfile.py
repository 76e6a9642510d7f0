"""Reading ``params.yaml`` and ``-p name=value`` overrides, with one-line errors.

``params.yaml`` maps a notebook name to one parameter set (a mapping) or a list of sets (one report
each). It is read as UTF-8 text (``antt.text``: legacy encodings are refused, strings come out
NFC) with PyYAML's safe loader, extended to refuse what YAML would otherwise accept silently:
a key given twice (YAML keeps the last one) and tags such as ``!!python/object`` (the safe loader
never executes them, but its error is a traceback). Errors give the file, line and column.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import yaml

from antt.text import TextEncodingError, read_text


class ParamsError(ValueError):
    """Bad ``params.yaml`` or override; the message says where (file, line, column or override)."""


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
        out[str(name)] = sets
    return out


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
