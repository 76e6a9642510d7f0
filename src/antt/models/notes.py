"""Caveats of a model's result as data, so that the models layer holds no words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Note:
    """A caveat of a result, as data: a catalogue key and the fields of its text (plain strings and numbers).

    The models layer holds no words: ``antt.reporting.language.note_text`` renders a note in Vietnamese or
    English from ``data/codebook/labels.csv``."""

    key: str
    fields: dict[str, Any] = field(default_factory=dict)
