"""The pages about all the reports of a folder: the index and the one-page summary, in each language.

Both open with the project's overall findings (the marked paragraph of the analysts' caveats,
``docs/caveats[.vi].md``, which the tests keep true to the data), the date of the data and the date of the
build; the index then lists the reports by the question each answers, the summary gives each question with its
first finding. The pipeline, which owns the folder layout, fills in ``IndexCard`` and ``About``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from antt import paths
from antt.data.clean import load_sources
from antt.reporting.html import (
    CAVEATS,
    esc,
    findings_html,
    load_results,
    page,
    select_language,
    sources_html,
    title_of,
    twin_links,
)
from antt.reporting.language import MISSING, message
from antt.reporting.provenance import data_date

INDEX_WORDS = ("index_title", "report", "executed_notebook", "sources", "reproduce", "reproduce_intro")  # html_<word>
COMMANDS = ("make reports", "make test")
OVERALL_MARK = "<!-- overall-findings -->"  # in docs/caveats[.vi].md, the line before the overall paragraph


@dataclass(frozen=True)
class IndexCard:
    """What the index shows of one report."""

    name: str
    label: str
    executed: Path  # the executed notebook (its title, in the page's language)
    results: Path  # its results file (headline findings, thumbnail)
    page_href: str  # links, relative to the index
    notebook_href: str
    locate_figure: Callable[[str], Path]  # a figure named in the results ("figures/x.png") → where it is now


@dataclass(frozen=True)
class About:
    """What the index and the summary say of the whole folder; hrefs are relative to them ("" for none)."""

    build_date: str  # YYYY-MM-DD (UTC), see antt.pipeline.printing.build_date
    data_date: str  # in words, in the page's language (``data_date_of``)
    indicators_href: str  # the processed figures the reports read
    summary_pdf_href: str  # the one-page summary's PDF in the page's language
    twins: dict[str, str]  # language → the same page in that language
    index_href: str = ""  # the index of its language
    glossary_href: str = ""  # the glossary of its language


@dataclass(frozen=True)
class Report:
    """One published report as the index and the summary show it, read once per language."""

    card: IndexCard
    results: dict
    heading: str  # the question it answers, else its title
    title: str


def overall_html(lang: str) -> str:
    """The paragraph after ``OVERALL_MARK`` in the caveats of ``lang``, as HTML ("" when there is none)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    path = paths.ROOT / "docs" / CAVEATS[lang]
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if OVERALL_MARK not in text:
        return ""
    paragraph = text.split(OVERALL_MARK, 1)[1].strip().split("\n\n", 1)[0]
    return markdown2html_mistune(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", paragraph))


def data_date_of(indicators: Path, lang: str) -> str:
    """The date of the data in words (``antt.reporting.provenance.data_date``) for the processed figures at
    ``indicators``; "–" when there are none."""
    if not indicators.exists():
        return MISSING
    return data_date(load_sources(), pd.read_csv(indicators, dtype=str), lang)


def _facts(about: About, lang: str) -> str:
    """Overall findings, data date, build date and the downloads."""
    rows = (
        ("html_data_date", esc(about.data_date)),
        ("html_build_date", f'<time datetime="{esc(about.build_date)}">{esc(about.build_date)}</time>'),
    )
    dates = "".join(f"<dt>{esc(message(key, lang))}</dt><dd>{value}</dd>" for key, value in rows)
    downloads = [
        f'<a href="{esc(href)}">{esc(message(key, lang))}</a>'
        for key, href in (
            ("html_glossary", about.glossary_href),
            ("html_indicators_csv", about.indicators_href),
            ("html_summary_pdf", about.summary_pdf_href),
        )
        if href
    ]
    heading = esc(message("html_overall", lang))
    return (
        f'<section class="summary overall"><h2>{heading}</h2>{overall_html(lang)}'
        f'<dl class="facts">{dates}</dl>'
        + (f'<p class="downloads">{" · ".join(downloads)}</p>' if downloads else "")
        + "</section>"
    )


_TITLES: dict[tuple[str, str], str] = {}  # (SHA-256 of an executed notebook, language) → its title


def _title(executed: Path, lang: str) -> str:
    """The executed notebook's title in ``lang``, parsed once per content: the index and the summary are
    rebuilt each time a run publishes, and parsing every notebook again made that grow with the square of
    the number of reports (a 60-commune sweep spent half its time there)."""
    data = executed.read_bytes()
    key = (hashlib.sha256(data).hexdigest(), lang)
    if key not in _TITLES:
        _TITLES[key] = title_of(select_language(nbformat.reads(data.decode("utf-8"), as_version=4), lang))
    return _TITLES[key]


def read_reports(cards: list[IndexCard], lang: str) -> list[Report]:
    """Each card's results and, from its executed notebook, its title in ``lang`` (read once for both pages)."""
    reports = []
    for card in cards:
        results = load_results(card.results)
        title = _title(card.executed, lang) or card.name
        question = results.get("question", {}).get(lang, "")
        heading = question or (f"{title} ({card.label})" if card.label else title)
        reports.append(Report(card, results, heading, title))
    return reports


def _card(report: Report, w: dict[str, str], lang: str) -> str:
    card, results, heading, title = report.card, report.results, report.heading, report.title
    findings = "".join(f"<li>{esc(f)}</li>" for f in results.get("headline", {}).get(lang, []))
    thumb = ""
    pictures = results.get("thumbnail")  # language → path ({} or, from an older run, a path: none)
    picture = pictures.get(lang) if isinstance(pictures, dict) else None
    if picture and card.locate_figure(picture).exists():
        # Linked, not embedded: an index of a hundred reports stays small, and loads its pictures as they show.
        thumb = f'<img src="{esc(picture)}" alt="{esc(heading)}" loading="lazy">'
    subtitle = f'<p class="report-title">{esc(title)}</p>' if heading != title else ""
    return (
        f'<article class="card">{thumb}<h2>{esc(heading)}</h2>{subtitle}<ul>{findings}</ul>'
        f'<a href="{esc(card.page_href)}">{esc(w["report"])}</a> · '
        f'<a href="{esc(card.notebook_href)}">{esc(w["executed_notebook"])}</a></article>'
    )


def _demonstration(report: Report) -> bool:
    """A report that runs a method on simulated data only (its results say ``"demonstration": true``)."""
    return bool(report.results.get("demonstration"))


def _demonstrations(reports: list[Report], w: dict[str, str], lang: str) -> str:
    """The demonstrations on simulated data, in their own section after the reports about the article."""
    shown = [report for report in reports if _demonstration(report)]
    if not shown:
        return ""
    return (
        f'<section class="demonstrations"><h2>{esc(message("html_demonstrations", lang))}</h2>'
        f"<p>{esc(message('html_demonstrations_intro', lang))}</p>"
        f'<div class="cards">{"".join(_card(report, w, lang) for report in shown)}</div></section>'
    )


def index_html(reports: list[Report], lang: str, about: About) -> str:
    """The index page in ``lang`` of a reports folder (the canonical ``reports/`` or an exploratory run's): the
    overall findings and dates, then one card per report with its key findings, a thumbnail and links."""
    w = {key: message(f"html_{key}", lang) for key in INDEX_WORDS}
    commands = "".join(f"<li><code>{c}</code></li>" for c in COMMANDS)
    body = (
        f'<nav class="site">{twin_links(about.twins)}</nav>'
        f'<header class="report"><h1>{esc(w["index_title"])}</h1></header><main>'
        f"{_facts(about, lang)}"
        f'<section class="cards">{"".join(_card(report, w, lang) for report in reports if not _demonstration(report))}'
        "</section>"
        f"{_demonstrations(reports, w, lang)}"
        f"<h2>{esc(w['sources'])}</h2>{sources_html(lang)}"
        f"<h2>{esc(w['reproduce'])}</h2><p>{esc(w['reproduce_intro'])}</p><ol>{commands}</ol></main>"
    )
    return page(w["index_title"], lang, body)


def summary_html(reports: list[Report], lang: str, about: About) -> str:
    """The one-page summary in ``lang``: the overall findings and dates, then each report's question and its
    first key finding with its plain words (printed to one A4 page)."""
    items = [
        f'<article class="brief"><h2>{esc(r.heading)}</h2><ul>{findings_html(r.results, lang, first=1)}</ul></article>'
        for r in reports
        if not _demonstration(r)  # a demonstration on simulated data is not a finding about the article
    ]
    title = message("html_summary_title", lang)
    index = f'<a href="{esc(about.index_href)}">{esc(message("html_all_reports", lang))}</a>'
    body = (
        f'<nav class="site">{index} · {twin_links(about.twins)}</nav>'
        f'<header class="report"><h1>{esc(title)}</h1></header>'
        f'<main class="one-page">{_facts(about, lang)}{"".join(items)}</main>'
    )
    return page(title, lang, body)
