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

import copy
import html
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
from nbconvert import HTMLExporter

from antt import __version__, paths
from antt.data.clean import load_sources
from antt.reporting.display import BUNDLE, FILE_LINK, TABLE
from antt.reporting.language import LANGS, MISSING, format_parameter, message
from antt.reporting.provenance import publication_date

CSS = (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table_outputs(nb: nbformat.NotebookNode) -> Iterator[tuple[int, dict]]:
    """The outputs of ``nb`` that carry a table's CSV (``display.TABLE``), numbered from 1 in notebook order."""
    outputs = (o for cell in nb.cells for o in cell.get("outputs", []) if TABLE in o.get("data", {}))
    yield from enumerate(outputs, start=1)


def table_file(prefix: str, number: int, lang: str) -> str:
    """Where the CSV of table ``number`` of job ``prefix`` in ``lang`` goes, relative to the reports folder."""
    return f"tables/{prefix}_table-{number}.{lang}.csv"


def table_files(nb: nbformat.NotebookNode, prefix: str) -> dict[str, str]:
    """Every table of an executed notebook as CSV, in every language: path (``table_file``) → CSV text."""
    return {
        table_file(prefix, number, lang): text
        for number, output in _table_outputs(nb)
        for lang, text in output["data"][TABLE].items()
    }


_TABLE_NUMBER = "antt-table-number"  # an output's table number, while ``select_language`` works


def select_language(nb: nbformat.NotebookNode, lang: str, prefix: str = "") -> nbformat.NotebookNode:
    """A copy in ``lang`` only: without the prose cells of the other languages nor the parameters cells, and
    with every output that carries several languages reduced to its HTML in ``lang``; with a job's ``prefix``,
    each table is followed by a link to its CSV (``table_files``)."""
    nb = copy.deepcopy(nb)
    words = esc(message("html_table_csv", lang))
    for number, output in _table_outputs(nb):  # numbered before cells are left out, as in ``table_files``
        output.setdefault("metadata", {})[_TABLE_NUMBER] = number
    drop = {f"lang-{other}" for other in set(LANGS) - {lang}} | {"parameters", "injected-parameters"}
    nb.cells = [c for c in nb.cells if not drop & set(c.metadata.get("tags", []))]
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            data.pop(TABLE, None)
            others = data.pop(BUNDLE, None)  # the languages Jupyter does not show
            if others is not None:
                output["data"] = {"text/html": others.get(lang, data["text/html"])}
            number = output.get("metadata", {}).pop(_TABLE_NUMBER, None)
            if number is not None:  # a wide table scrolls in its own box, which the keyboard can reach
                label = esc(message("html_table", lang, number=number))
                href = esc(table_file(prefix, number, lang))
                link = f'<p class="download"><a {FILE_LINK}="{href}">{words}</a></p>' if prefix else ""
                output["data"]["text/html"] = (  # (a NotebookNode copies what it is given: set it in place)
                    f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}">'
                    f"{output['data']['text/html']}</div>{link}"
                )
    return nb


@dataclass(frozen=True)
class Links:
    """Where a page's navigation points, relative to the page: the index of its language, its twins in the
    other languages (language → href) and the reports folder (for links to its files, such as figures)."""

    index: str
    twins: dict[str, str]
    root: str = ""
    pdf: str = ""  # the page printed to PDF ("" when no browser was there to print it)
    glossary: str = ""  # the glossary of the page's language


def _file_links(body: str, root: str) -> str:
    """Links that name a file of the reports folder (``display.FILE_LINK``) as links from the page."""
    return re.sub(rf'{FILE_LINK}="([^"]*)"', lambda m: f'href="{root}{m.group(1)}"', body)


def twin_links(twins: dict[str, str]) -> str:
    return " · ".join(
        f'<a href="{esc(href)}" hreflang="{other}" lang="{other}">{esc(message("html_language_name", other))}</a>'
        for other, href in twins.items()
    )


def _nav(lang: str, links: Links) -> str:
    index = f'<a href="{esc(links.index)}">{esc(message("html_all_reports", lang))}</a>'
    more = [(links.glossary, "html_glossary"), (links.pdf, "html_pdf")]
    extra = [f'<a href="{esc(href)}">{esc(message(key, lang))}</a>' for href, key in more if href]
    return f'<nav class="site">{" · ".join([index, *extra, twin_links(links.twins)])}</nav>'


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


def sources_html(lang: str, source_ids: list[str] | None = None) -> str:
    """The citations of ``source_ids`` (a report's own sources, from its results), or of every registered source."""
    sources = load_sources()
    if source_ids:
        sources = sources[sources["source_id"].isin(source_ids)]
    items = []
    for s in sources.itertuples():
        items.append(f"<li>{esc(s.citation)} ({esc(publication_date(s.publication_date, lang))})</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _citations_html(results: dict[str, Any], lang: str) -> str:
    """The sources a report used: the citations its results carry (a researcher's series included; a citation
    given as ``{"text": …, "lang": …}`` is marked with its own language), else those of its ``sources`` ids,
    else every registered source."""
    lines = results.get("citations", {}).get(lang)
    if lines:
        items = (
            f'<li lang="{esc(line["lang"])}">{esc(line["text"])}</li>'
            if isinstance(line, dict)
            else f"<li>{esc(line)}</li>"
            for line in lines
        )
        return "<ul>" + "".join(items) + "</ul>"
    return sources_html(lang, results.get("sources"))


def _parameter_html(value: Any, lang: str) -> str:
    """A parameter's value as a reader reads it; a key of the codebook (``new_drug_addicts``) as code."""
    if isinstance(value, str) and re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)+", value):
        return f"<code>{esc(value)}</code>"
    return esc(format_parameter(value, lang))


def _in_language(value: Any, lang: str) -> str:
    """A results field that is either the same in every language (a string) or given by language."""
    return value.get(lang, "") if isinstance(value, dict) else str(value or "")


def _technical(job, lang: str, results: dict[str, Any], data_version: str, cells_html: str) -> str:
    """The end of a page: parameters, sources, period, dates and versions, then the notebook's cells tagged
    ``report-technical`` (such as quality flags) and the project's data log and caveats, folded."""
    params = "<br>".join(f"<code>{esc(k)}</code>: {_parameter_html(v, lang)}" for k, v in sorted(job.params.items()))
    version = f"antt {__version__}" + (
        f", {message('html_data_version', lang, version=data_version)}" if data_version else ""
    )
    rows = (
        ("html_parameters", params),
        ("html_data_sources", _citations_html(results, lang)),
        ("html_data_period", esc(_in_language(results.get("data_period", ""), lang)) or MISSING),
        ("html_data_date", esc(results.get("data_date", {}).get(lang, "")) or MISSING),
        ("html_version", esc(version)),
    )
    items = "".join(f"<dt>{esc(message(key, lang))}</dt><dd>{value}</dd>" for key, value in rows)
    caveats = _caveats_html(lang)
    more = message("html_caveats", lang, file=f"docs/{CAVEATS[lang]}")
    folded = f"<details><summary>{esc(more)}</summary>{caveats}</details>" if caveats else ""
    heading = esc(message("html_technical", lang))
    return f'<section class="technical" id="technical"><h2>{heading}</h2><dl>{items}</dl>{cells_html}{folded}</section>'


def _contents(details: str, lang: str) -> str:
    """A table of contents: the sections of the details (the notebook's headings of level 2, with the ids
    nbconvert gives them) and the technical section."""
    entries = [
        (quote(anchor, safe="-_.~"), re.sub(r"<[^>]+>", "", text).strip())
        for anchor, text in re.findall(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', details, re.S)
    ]
    entries.append(("technical", esc(message("html_technical", lang))))
    items = "".join(f'<li><a href="#{anchor}">{text}</a></li>' for anchor, text in entries if text)
    words = esc(message("html_contents", lang))
    return f'<nav class="toc" aria-label="{words}"><h2>{words}</h2><ol>{items}</ol></nav>'


def finding_html(finding: str, plain: str, lang: str) -> str:
    """A finding and, when it has one, its plain-words sentence under it."""
    said = f'<p class="plain"><strong>{esc(message("html_plain", lang))}</strong> {esc(plain)}</p>' if plain else ""
    return f"<li>{esc(finding)}{said}</li>"


def findings_html(results: dict[str, Any], lang: str, first: int | None = None) -> str:
    """The results' ``headline`` findings (the ``first`` ones) with their ``plain`` sentences, as list items."""
    found = results.get("headline", {}).get(lang, [])[:first]
    plain = results.get("plain", {}).get(lang, [])
    return "".join(finding_html(f, plain[i] if i < len(plain) else "", lang) for i, f in enumerate(found))


def _summary(lang: str, results: dict[str, Any]) -> str:
    """The answer first: the report's key findings (with their intervals and plain words), then its limitations."""
    parts = []
    for css, key, items in (
        ("summary", "html_summary", findings_html(results, lang)),
        (
            "limitations",
            "html_limitations",
            "".join(f"<li>{esc(i)}</li>" for i in results.get("limitations", {}).get(lang, [])),
        ),
    ):
        if items:
            parts.append(f'<section class="{css}"><h2>{esc(message(key, lang))}</h2><ul>{items}</ul></section>')
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
        f"<title>{esc(title)}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
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
    shown = select_language(nb, lang, job.name)
    results = load_results(results_path)
    question = results.get("question", {}).get(lang, "")
    title = title_of(shown) or job.spec.name
    if job.label and not question:  # the question names what the parameters chose (the commune)
        title = f"{title} ({job.label})"
    left_out = {"report-summary", "report-technical"} | {f"section-{s}" for s in results.get("sections_absent", [])}
    details = _file_links(_cells_html(shown, lambda tags: not left_out & tags), links.root)
    technical = _file_links(_cells_html(shown, lambda tags: "report-technical" in tags), links.root)
    header = (
        f'<header class="report"><h1>{esc(title)}</h1>'
        + (f'<p class="question">{esc(question)}</p>' if question else "")
        + "</header>"
    )
    detail = f'<section class="details"><h2>{esc(message("html_details", lang))}</h2>{details}</section>'
    answer = _summary(lang, results)
    if links.glossary:  # each statistical term, the first time it appears, leads to its plain-words entry
        from antt.reporting.glossary import link_terms

        linked: set[str] = set()  # a term is linked once per page
        answer, detail = (link_terms(part, lang, links.glossary, linked) for part in (answer, detail))
    technical_html = _technical(job, lang, results, data_version, technical)
    main = f"<main>\n{answer}{_contents(details, lang)}{detail}\n{technical_html}</main>"
    return page(title, lang, _nav(lang, links) + header + main)


def _cells_html(nb: nbformat.NotebookNode, keep: Callable[[set[str]], bool]) -> str:
    """The cells of ``nb`` whose tags ``keep`` accepts, as HTML without code or prompts ("" when none)."""
    part = copy.copy(nb)
    part.cells = [c for c in nb.cells if keep(set(c.metadata.get("tags", [])))]
    if not part.cells:
        return ""
    body, _ = _exporter().from_notebook_node(part)
    return body


_EXPORTERS = threading.local()


def _exporter() -> HTMLExporter:
    """This thread's nbconvert exporter, made once: making one compiles its templates again (about 0.1 s, as
    long as exporting a report's cells)."""
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:
        exporter = _EXPORTERS.html = HTMLExporter(
            template_name="basic",
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            anchor_link_text="",
        )
    return exporter
