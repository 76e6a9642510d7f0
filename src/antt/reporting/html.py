"""HTML reports for analysts (nbconvert) and the index pages, in every language of ``LANGS``.

One executed notebook gives one page per language: prose cells tagged ``lang-vi``/``lang-en`` are kept
in their language only, and outputs that carry every language (``antt.reporting.display.BUNDLE``) show
the page's. Each page is one self-contained file: code hidden, figures embedded as data URIs, our own
stylesheet inlined, and no script, style or font fetched from anywhere (nbconvert's ``basic`` template,
wrapped in our page, instead of the ``lab`` template that pulls MathJax and require.js from a CDN). It
links to its twins in the other languages and to the index of its language (``Links``: the pipeline
owns the layout). Text that comes from data is escaped. Nothing in a page depends on when it was
built, so reruns are byte-identical.
"""

from __future__ import annotations

import base64
import copy
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from antt import __version__, paths
from antt.data.clean import load_sources
from antt.reporting.display import BUNDLE, FILE_LINK
from antt.reporting.language import LANGS, MISSING, format_parameter, message
from antt.reporting.provenance import publication_date

INDEX_WORDS = ("index_title", "report", "executed_notebook", "sources", "reproduce", "reproduce_intro")  # html_<word>
CSS = (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
COMMANDS = ("make reports", "make test")


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def select_language(nb: nbformat.NotebookNode, lang: str) -> nbformat.NotebookNode:
    """A copy in ``lang`` only: without the prose cells of the other languages nor the parameters cells, and
    with every output that carries several languages reduced to its HTML in ``lang``."""
    nb = copy.deepcopy(nb)
    drop = {f"lang-{other}" for other in set(LANGS) - {lang}} | {"parameters", "injected-parameters"}
    nb.cells = [c for c in nb.cells if not drop & set(c.metadata.get("tags", []))]
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            others = output.get("data", {}).pop(BUNDLE, None)  # the languages Jupyter does not show
            if others is not None:
                output["data"] = {"text/html": others.get(lang, output["data"]["text/html"])}
    return nb


@dataclass(frozen=True)
class Links:
    """Where a page's navigation points, relative to the page: the index of its language, its twins in the
    other languages (language → href) and the reports folder (for links to its files, such as figures)."""

    index: str
    twins: dict[str, str]
    root: str = ""


def _file_links(body: str, root: str) -> str:
    """Links that name a file of the reports folder (``display.FILE_LINK``) as links from the page."""
    return re.sub(rf'{FILE_LINK}="([^"]*)"', lambda m: f'href="{root}{m.group(1)}"', body)


def _twin_links(twins: dict[str, str]) -> str:
    return " · ".join(
        f'<a href="{_esc(href)}" hreflang="{other}" lang="{other}">{_esc(message("html_language_name", other))}</a>'
        for other, href in twins.items()
    )


def _nav(lang: str, links: Links) -> str:
    index = f'<a href="{_esc(links.index)}">{_esc(message("html_all_reports", lang))}</a>'
    return f'<nav class="site">{" · ".join([index, _twin_links(links.twins)])}</nav>'


def title_of(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def load_results(path: Path) -> dict[str, Any]:
    """A results file's content; {} when the job wrote none."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@dataclass(frozen=True)
class IndexCard:
    """What the index shows of one report; the pipeline, which owns the folder layout, fills it in."""

    name: str
    label: str
    executed: Path  # the executed notebook (its title, in the page's language)
    results: Path  # its results file (headline findings, thumbnail)
    page_href: str  # links, relative to the index
    notebook_href: str
    locate_figure: Callable[[str], Path]  # a figure named in the results ("figures/x.png") → where it is now


def _sources_html(lang: str, source_ids: list[str] | None = None) -> str:
    """The citations of ``source_ids`` (a report's own sources, from its results), or of every registered source."""
    sources = load_sources()
    if source_ids:
        sources = sources[sources["source_id"].isin(source_ids)]
    items = []
    for s in sources.itertuples():
        items.append(f"<li>{_esc(s.citation)} ({_esc(publication_date(s.publication_date, lang))})</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _citations_html(results: dict[str, Any], lang: str) -> str:
    """The sources a report used: the citations its results carry (a researcher's series included; a citation
    given as ``{"text": …, "lang": …}`` is marked with its own language), else those of its ``sources`` ids,
    else every registered source."""
    lines = results.get("citations", {}).get(lang)
    if lines:
        items = (
            f'<li lang="{_esc(line["lang"])}">{_esc(line["text"])}</li>'
            if isinstance(line, dict)
            else f"<li>{_esc(line)}</li>"
            for line in lines
        )
        return "<ul>" + "".join(items) + "</ul>"
    return _sources_html(lang, results.get("sources"))


def _parameter_html(value: Any, lang: str) -> str:
    """A parameter's value as a reader reads it; a key of the codebook (``new_drug_addicts``) as code."""
    if isinstance(value, str) and re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)+", value):
        return f"<code>{_esc(value)}</code>"
    return _esc(format_parameter(value, lang))


def _technical(job, lang: str, results: dict[str, Any], data_version: str, cells_html: str) -> str:
    """The end of a page: parameters, sources, period, dates and versions, then the notebook's cells tagged
    ``report-technical`` (such as quality flags) and the project's data log and caveats, folded."""
    params = "<br>".join(f"<code>{_esc(k)}</code>: {_parameter_html(v, lang)}" for k, v in sorted(job.params.items()))
    version = f"antt {__version__}" + (
        f", {message('html_data_version', lang, version=data_version)}" if data_version else ""
    )
    rows = (
        ("html_parameters", params),
        ("html_data_sources", _citations_html(results, lang)),
        ("html_data_period", _esc(results.get("data_period", "")) or MISSING),
        ("html_data_date", _esc(results.get("data_date", {}).get(lang, "")) or MISSING),
        ("html_version", _esc(version)),
    )
    items = "".join(f"<dt>{_esc(message(key, lang))}</dt><dd>{value}</dd>" for key, value in rows)
    caveats = _caveats_html(lang)
    more = message("html_caveats", lang, file=f"docs/{CAVEATS[lang]}")
    folded = f"<details><summary>{_esc(more)}</summary>{caveats}</details>" if caveats else ""
    heading = _esc(message("html_technical", lang))
    return f'<section class="technical"><h2>{heading}</h2><dl>{items}</dl>{cells_html}{folded}</section>'


def _summary(lang: str, results: dict[str, Any]) -> str:
    """The answer first: the report's key findings (with their intervals), then its limitations."""
    parts = []
    for css, key, field in (
        ("summary", "html_summary", "headline"),
        ("limitations", "html_limitations", "limitations"),
    ):
        items = "".join(f"<li>{_esc(i)}</li>" for i in results.get(field, {}).get(lang, []))
        if items:
            parts.append(f'<section class="{css}"><h2>{_esc(message(key, lang))}</h2><ul>{items}</ul></section>')
    return "".join(parts)


CAVEATS = {"vi": "caveats.vi.md", "en": "caveats.md"}  # docs/ file of the data log and caveats, by language


def _caveats_html(lang: str) -> str:
    """The data log and caveats (docs/caveats[.vi].md) rendered to HTML, links reduced to their text
    (they point into the repository, not next to the report)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    path = paths.ROOT / "docs" / CAVEATS[lang]
    if not path.exists():
        return ""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", path.read_text(encoding="utf-8"))
    return markdown2html_mistune(text)


def page(title: str, lang: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def render_report(
    nb: nbformat.NotebookNode, job, results_path: Path, data_version: str, lang: str, links: Links
) -> str:
    """The analyst's HTML page in ``lang`` for an executed notebook; ``results_path`` is the job's results file
    (still staged), ``data_version`` a short digest of the data files the job read.

    The answer comes first: the title and the report's question, its key findings and limitations (from the
    results file), then the notebook's sections as details, then a technical section (parameters, sources,
    versions, the cells tagged ``report-technical``). Cells tagged ``report-summary`` (the notebook's own
    list of findings) are left out: the summary at the top shows them; so are the cells tagged
    ``section-<name>`` when the results list ``<name>`` in ``sections_absent`` (a section without data)."""
    shown = select_language(nb, lang)
    results = load_results(results_path)
    question = results.get("question", {}).get(lang, "")
    title = title_of(shown) or job.spec.name
    if job.label and not question:  # the question names what the parameters chose (the commune)
        title = f"{title} ({job.label})"
    left_out = {"report-summary", "report-technical"} | {f"section-{s}" for s in results.get("sections_absent", [])}
    details = _file_links(_cells_html(shown, lambda tags: not left_out & tags), links.root)
    technical = _cells_html(shown, lambda tags: "report-technical" in tags)
    header = (
        f'<header class="report"><h1>{_esc(title)}</h1>'
        + (f'<p class="question">{_esc(question)}</p>' if question else "")
        + "</header>"
    )
    detail = f'<section class="details"><h2>{_esc(message("html_details", lang))}</h2>{details}</section>'
    main = (
        f"<main>\n{_summary(lang, results)}{detail}\n{_technical(job, lang, results, data_version, technical)}</main>"
    )
    return page(title, lang, _nav(lang, links) + header + main)


def _cells_html(nb: nbformat.NotebookNode, keep: Callable[[set[str]], bool]) -> str:
    """The cells of ``nb`` whose tags ``keep`` accepts, as HTML without code or prompts ("" when none)."""
    part = copy.copy(nb)
    part.cells = [c for c in nb.cells if keep(set(c.metadata.get("tags", [])))]
    if not part.cells:
        return ""
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    body, _ = exporter.from_notebook_node(part)
    return body


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def index_html(cards: list[IndexCard], lang: str, twins: dict[str, str]) -> str:
    """The index page in ``lang`` of a reports folder (the canonical ``reports/`` or an exploratory run's): one
    card per report with its key findings, a thumbnail and links; ``twins``: the index in the other languages."""
    w = {key: message(f"html_{key}", lang) for key in INDEX_WORDS}
    shown = []
    for card in cards:
        results = load_results(card.results)
        findings = "".join(f"<li>{_esc(f)}</li>" for f in results.get("headline", {}).get(lang, []))
        title = title_of(select_language(nbformat.read(card.executed, as_version=4), lang)) or card.name
        question = results.get("question", {}).get(lang, "")  # reports are listed by the question they answer
        heading = question or (f"{title} ({card.label})" if card.label else title)
        thumb = ""
        pictures = results.get("thumbnail")  # language → path ({} or, from an older run, a path: none)
        picture = card.locate_figure(pictures[lang]) if isinstance(pictures, dict) and pictures.get(lang) else None
        if picture is not None and picture.exists():
            thumb = f'<img src="{_data_uri(picture)}" alt="{_esc(heading)}">'
        subtitle = f'<p class="report-title">{_esc(title)}</p>' if question else ""
        shown.append(
            f'<article class="card">{thumb}<h2>{_esc(heading)}</h2>{subtitle}<ul>{findings}</ul>'
            f'<a href="{_esc(card.page_href)}">{_esc(w["report"])}</a> · '
            f'<a href="{_esc(card.notebook_href)}">{_esc(w["executed_notebook"])}</a></article>'
        )
    commands = "".join(f"<li><code>{c}</code></li>" for c in COMMANDS)
    body = (
        f'<nav class="site">{_twin_links(twins)}</nav>'
        f'<header class="report"><h1>{_esc(w["index_title"])}</h1></header><main>'
        f'<section class="cards">{"".join(shown)}</section>'
        f"<h2>{_esc(w['sources'])}</h2>{_sources_html(lang)}"
        f"<h2>{_esc(w['reproduce'])}</h2><p>{_esc(w['reproduce_intro'])}</p><ol>{commands}</ol></main>"
    )
    return page(w["index_title"], lang, body)
