"""Is every number in a source accounted for? Compares a source text with its transcribed figures
and its exclusion list.

A *number* here is a run of digits (with the ``.``, ``,`` and ``/`` inside Vietnamese numbers,
fractions and dates) or a word form the figure parser reads (``hàng trăm``, ``thứ nhất``,
``không phát sinh``). Each figure and exclusion row points at one place in the text: its
evidence phrase must occur once in its paragraph and its ``raw_text`` once in the evidence.
Pure standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER = re.compile(
    r"\d+(?:[.,/]\d+)*"
    r"|\bhàng (?:chục|trăm|nghìn|ngàn|vạn|triệu|tỷ)\b"
    r"|\bthứ (?:nhất|nhì|hai|ba|tư|năm|sáu|bảy|tám|chín|mười)\b"
    r"|\bkhông phát sinh\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Row:
    """A figure or an exclusion: where it claims to be in the source."""

    kind: str  # "figure" or "exclusion"
    ident: str  # figure_id, or "exclusion row N"
    paragraph: int
    raw_text: str
    evidence: str


@dataclass(frozen=True)
class Problem:
    # untranscribed | evidence_not_found | evidence_ambiguous | raw_text_not_in_evidence | paragraph_missing | duplicate
    kind: str
    paragraph: int
    text: str
    message: str


def _occurrences(haystack: str, needle: str) -> list[int]:
    """Start offsets of ``needle`` not glued to a digit or letter on either side."""
    pattern = re.compile(
        r"(?<![\w])" + re.escape(needle) + r"(?![\w])"
        if needle[:1].isalnum() and needle[-1:].isalnum()
        else re.escape(needle)
    )
    return [m.start() for m in pattern.finditer(haystack)]


def occurrences(haystack: str, needle: str) -> list[int]:
    """Start offsets of ``needle`` in ``haystack`` as :func:`check` counts them (not glued to a
    letter or digit when ``needle`` starts/ends with one); used to draft valid evidence."""
    return _occurrences(haystack, needle)


def numbers(paragraph: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of every number-like token in a paragraph."""
    return [(m.start(), m.end(), m.group()) for m in NUMBER.finditer(paragraph)]


def check(paragraphs: list[str], rows: list[Row]) -> list[Problem]:
    """Every problem found; an empty list means every number is accounted for."""
    problems: list[Problem] = []
    covered: dict[int, list[tuple[int, int, str]]] = {}
    for row in rows:
        if not 1 <= row.paragraph <= len(paragraphs):
            problems.append(
                Problem(
                    "paragraph_missing",
                    row.paragraph,
                    row.raw_text,
                    f"{row.ident}: the source has {len(paragraphs)} paragraphs, not {row.paragraph}",
                )
            )
            continue
        text = paragraphs[row.paragraph - 1]
        found = _occurrences(text, row.evidence)
        if not found:
            problems.append(
                Problem(
                    "evidence_not_found",
                    row.paragraph,
                    row.evidence,
                    f"{row.ident}: evidence {row.evidence!r} is not in paragraph {row.paragraph}",
                )
            )
            continue
        if len(found) > 1:
            problems.append(
                Problem(
                    "evidence_ambiguous",
                    row.paragraph,
                    row.evidence,
                    f"{row.ident}: evidence {row.evidence!r} occurs {len(found)} times in paragraph {row.paragraph}; "
                    "lengthen it",
                )
            )
            continue
        inner = _occurrences(row.evidence, row.raw_text)
        if len(inner) != 1:
            problems.append(
                Problem(
                    "raw_text_not_in_evidence",
                    row.paragraph,
                    row.raw_text,
                    f"{row.ident}: raw_text {row.raw_text!r} occurs {len(inner)} times in its evidence "
                    f"{row.evidence!r} (needs exactly 1)",
                )
            )
            continue
        start = found[0] + inner[0]
        span = (start, start + len(row.raw_text), row.ident)
        for other in covered.get(row.paragraph, []):
            if other[:2] == span[:2]:
                problems.append(
                    Problem(
                        "duplicate",
                        row.paragraph,
                        row.raw_text,
                        f"{row.ident} and {other[2]} point at the same {row.raw_text!r}",
                    )
                )
        covered.setdefault(row.paragraph, []).append(span)
    for number, text in enumerate(paragraphs, start=1):
        spans = covered.get(number, [])
        for start, end, token in numbers(text):
            if not any(s <= start and end <= e for s, e, _ in spans):
                context = text[max(0, start - 30) : end + 30].replace("\n", " ")
                problems.append(
                    Problem(
                        "untranscribed",
                        number,
                        token,
                        f"paragraph {number}: {token!r} is neither a figure nor an exclusion (…{context}…)",
                    )
                )
    return problems


def rows_from_tables(source_id: str, figures, exclusions) -> list[Row]:
    """Rows of one source from the raw ``figures`` and ``exclusions`` tables (pandas DataFrames)."""
    rows = [
        Row("figure", f.figure_id, int(f.paragraph), f.raw_text, f.evidence)
        for f in figures.itertuples()
        if f.source_id == source_id
    ]
    rows += [
        Row("exclusion", f"exclusion row {i}", int(e.paragraph), e.raw_text, e.evidence)
        for i, e in enumerate(exclusions.itertuples(), start=1)
        if e.source_id == source_id
    ]
    return rows
