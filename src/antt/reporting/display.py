"""What a notebook shows on the page, in every report language at once: tables, paragraphs, lists of findings
and notes, exported figures.

A notebook runs once and its pages are built in every language of ``LANGS``: each output carries its HTML in
the notebook's preview language as ``text/html`` (what Jupyter shows) and in the other languages under
``BUNDLE`` (``antt.reporting.html`` picks the page's language). The content of an output is given as a value
that is the same in every language (a table of numbers), a mapping ``{lang: value}``, or a function of the
language (``lambda lg: table(lg)``).

Plain, escaped HTML (deterministic: no random ids, unlike ``DataFrame.style``), so that text coming from
data never turns into markup and reruns give the same bytes.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from antt.reporting.language import LANGS, each_lang, message, note_text

#: MIME type of an output's HTML in the languages other than the one Jupyter shows.
BUNDLE = "application/vnd.antt.languages+json"
#: MIME type of a table's CSV text in every language (language → CSV): the page links it as a download.
TABLE = "application/vnd.antt.table+json"


@dataclass(frozen=True)
class Bilingual:
    """An output in every report language (``html``: language → HTML), shown in ``preview`` by Jupyter."""

    html: dict[str, str]
    preview: str
    csv: dict[str, str] | None = None  # a table's CSV text by language, for its download

    def _repr_mimebundle_(self, include=None, exclude=None):
        others = {lg: text for lg, text in self.html.items() if lg != self.preview}
        return {"text/html": self.html[self.preview], BUNDLE: others, **({TABLE: self.csv} if self.csv else {})}


def per_language(value: Any) -> dict[str, Any]:
    """``value`` in every language: a function of the language is called, a mapping is read by language,
    anything else is the same in every language."""
    if callable(value) and not isinstance(value, pd.DataFrame):
        return each_lang(value)
    if isinstance(value, Mapping):
        return {lg: value[lg] for lg in LANGS}
    return dict.fromkeys(LANGS, value)


def _output(html_of: Callable[[str], str], preview: str) -> Bilingual:
    return Bilingual(each_lang(html_of), preview)


def _table_html(table: pd.DataFrame, index: bool) -> str:
    with pd.option_context("display.max_colwidth", None):
        return table.to_html(index=index, escape=True, border=0, na_rep="–")


def _table_csv(table: pd.DataFrame, index: bool) -> str:
    """The table as shown (its cells are the page's formatted text), as UTF-8 CSV with "\n" line ends."""
    return table.to_csv(index=index, lineterminator="\n", na_rep="")


def show(table: Any, lang: str, index: bool = False) -> Bilingual:
    """A table (see the module docstring for how it may be given) as plain, escaped HTML without the row
    index; full cell text, no truncation. ``lang``: the language Jupyter shows. The output also carries the
    table as CSV in every language (``TABLE``): the page links it for download."""
    tables = per_language(table)
    csv = each_lang(lambda lg: _table_csv(tables[lg], index))
    return Bilingual(each_lang(lambda lg: _table_html(tables[lg], index)), lang, csv)


def show_text(text: Any, lang: str) -> Bilingual | None:
    """A paragraph of (escaped) text in every language; nothing when it is empty in every language."""
    texts = per_language(text)
    if not any(texts.values()):
        return None
    return _output(lambda lg: f'<p class="note">{html.escape(texts[lg])}</p>' if texts[lg] else "", lang)


def show_findings(findings: dict, lang: str) -> Bilingual:
    """The headline findings of a notebook (its results' ``headline``: language → items) as an escaped list."""

    def items(lg: str) -> str:
        return "".join(f"<li>{html.escape(str(item))}</li>" for item in findings.get("headline", {}).get(lg, []))

    return _output(lambda lg: f'<ul class="findings">{items(lg)}</ul>', lang)


def show_notes(notes, lang: str, title_key: str = "model_notes") -> Bilingual | None:
    """The notes of a fit (``antt.models.notes.Note``) as an escaped list under a heading; nothing when there
    are none."""
    if not notes:
        return None

    def block(lg: str) -> str:
        items = "".join(f"<li>{html.escape(note_text(note, lg))}</li>" for note in notes)
        return (
            f'<p class="note"><strong>{html.escape(message(title_key, lg))}</strong></p><ul class="notes">{items}</ul>'
        )

    return _output(block, lang)


#: Attribute of a link to a file of the reports folder ("figures/x.svg"); the page's renderer, which knows
#: where the page lives, turns it into an ``href``.
FILE_LINK = "data-antt-file"


def show_figures(exported: Any, lang: str) -> Bilingual:
    """Exported figures (``antt.reporting.figures.export`` by name, given per language) inline, in order: each
    a PNG data URI with its title as alt text, and a caption with its source and method and links to its SVG
    and PNG files."""
    by_language = per_language(exported)

    def figure(files: dict) -> str:
        png = base64.b64encode(Path(files["png"]).read_bytes()).decode("ascii")
        title, caption = html.escape(files.get("title", "")), html.escape(files.get("caption", ""))
        links = " · ".join(
            f'<a {FILE_LINK}="figures/{html.escape(Path(files[ext]).name)}">{ext.upper()}</a>' for ext in ("svg", "png")
        )
        return (
            f'<figure class="chart"><img src="data:image/png;base64,{png}" width="800" alt="{title}">'
            f'<figcaption><strong>{title}</strong> {caption} <span class="files">({links})</span></figcaption></figure>'
        )

    return _output(lambda lg: "".join(figure(files) for files in by_language[lg].values()), lang)
