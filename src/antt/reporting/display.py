"""What a notebook shows on the page: tables, paragraphs, lists of findings and notes, exported figures.

Plain, escaped HTML (deterministic: no random ids, unlike ``DataFrame.style``), so that text coming from
data never turns into markup and reruns give the same bytes.
"""

from __future__ import annotations

import html

import pandas as pd

from antt.reporting.language import message, note_text


def show(table: pd.DataFrame, index: bool = False):
    """Display a table as plain, escaped HTML without the row index; full cell text, no truncation."""
    from IPython.display import HTML

    with pd.option_context("display.max_colwidth", None):
        return HTML(table.to_html(index=index, escape=True, border=0, na_rep="–"))


def show_text(text: str):
    """A paragraph of (escaped) text; nothing when empty."""
    from IPython.display import HTML

    return HTML(f'<p class="note">{html.escape(text)}</p>') if text else None


def show_findings(findings: dict, lang: str):
    """The headline findings of a notebook as an escaped HTML list."""
    from IPython.display import HTML

    items = "".join(f"<li>{html.escape(str(item))}</li>" for item in findings.get("headline", {}).get(lang, []))
    return HTML(f'<ul class="findings">{items}</ul>')


def show_notes(notes, lang: str, title_key: str = "model_notes"):
    """The notes of a fit (``antt.models.notes.Note``) as an escaped HTML list under a heading, in ``lang``;
    nothing when there are none."""
    from IPython.display import HTML

    if not notes:
        return None
    items = "".join(f"<li>{html.escape(note_text(note, lang))}</li>" for note in notes)
    title = html.escape(message(title_key, lang))
    return HTML(f'<p class="note"><strong>{title}</strong></p><ul class="notes">{items}</ul>')


def show_figures(exported: dict[str, dict]) -> None:
    """Display exported figures (their PNG files) inline, in order."""
    from IPython.display import Image, display

    for files in exported.values():
        display(Image(filename=str(files["png"]), width=800))
