"""The catalogue of user-facing words: every label, message and note in Vietnamese and English.

One file, ``data/codebook/labels.csv`` (columns key, vi, en). A text may hold ``{name}`` fields filled by
``message``; the models layer records notes as a key and its fields (``antt.models.notes.Note``), and
``note_text`` words them in either language.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from antt import paths
from antt.data.io import read_csv_text
from antt.errors import DataError
from antt.models.notes import Note

LANGS = ("vi", "en")


def load_labels(codebook_dir: str | Path | None = None) -> pd.DataFrame:
    """The catalogue as a DataFrame indexed by key, with columns vi and en (duplicated keys are an error)."""
    path = Path(codebook_dir or paths.CODEBOOK) / "labels.csv"
    table = read_csv_text(path, ["key", "vi", "en"])
    duplicated = table["key"][table["key"].duplicated()]
    if len(duplicated):
        raise DataError(path, f"duplicated key {duplicated.iloc[0]!r}", row=int(duplicated.index[0]) + 1, column="key")
    return table.set_index("key")


@lru_cache(maxsize=1)
def _project_labels() -> dict[str, dict[str, str]]:
    table = load_labels()
    return {lang: table[lang].to_dict() for lang in LANGS}


def message(key: str, lang: str, **fields: Any) -> str:
    """The catalogue text of ``key`` in ``lang`` with its ``{name}`` fields filled; KeyError when the key or a
    field is missing (a programming error, caught by the tests that render every note)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return _project_labels()[lang][key].format(**fields)


def note_text(note: Note, lang: str = "en") -> str:
    """The words of a model's caveat (``antt.models._common.Note``) in ``lang``."""
    return message(note.key, lang, **note.fields)


def english_notes(result: Any) -> tuple[str, ...]:
    """The English words of every note of a fitted result (``note_keys``), in order."""
    return tuple(note_text(n, "en") for n in result.note_keys)
