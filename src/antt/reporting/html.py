"""HTML reports for analysts (nbconvert) and the index page.

Each report is one self-contained file: code hidden, prose in the run's language only (cells
tagged ``lang-vi``/``lang-en``), figures embedded as data URIs, our own stylesheet inlined, and no
script, style or font fetched from anywhere (nbconvert's ``basic`` template, wrapped in our page,
instead of the ``lab`` template that pulls MathJax and require.js from a CDN). Text that comes from
data is escaped. Nothing in a page depends on when it was built, so reruns are byte-identical.
"""

from __future__ import annotations

import base64
import copy
import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from antt import __version__, paths
from antt.data.clean import load_sources
from antt.data.io import write_text_atomic

CSS = (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
COMMANDS = ("make reports", "make test")


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def select_language(nb: nbformat.NotebookNode, lang: str) -> nbformat.NotebookNode:
    """A copy without the prose cells of the other language and without the parameters cells."""
    nb = copy.deepcopy(nb)
    drop = {f"lang-{other}" for other in ("vi", "en") if other != lang} | {"parameters", "injected-parameters"}
    nb.cells = [c for c in nb.cells if not drop & set(c.metadata.get("tags", []))]
    return nb


def title_of(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def load_results(name: str, results_dir: Path | None = None) -> dict[str, Any]:
    path = Path(results_dir or paths.RESULTS) / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _sources_html(lang: str, source_ids: list[str] | None = None) -> str:
    """The citations of ``source_ids`` (a report's own sources, from its results), or of every registered source."""
    sources = load_sources()
    if source_ids:
        sources = sources[sources["source_id"].isin(source_ids)]
    items = []
    for s in sources.itertuples():
        date = s.publication_date if s.publication_date != "unknown" else ("không rõ" if lang == "vi" else "not stated")
        items.append(f"<li>{_esc(s.citation)} ({_esc(date)})</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _citations_html(results: dict[str, Any], lang: str) -> str:
    """The sources a report used: the citations its results carry (a researcher's series included), else
    those of its ``sources`` ids, else every registered source."""
    lines = results.get("citations", {}).get(lang)
    if lines:
        return "<ul>" + "".join(f"<li>{_esc(line)}</li>" for line in lines) + "</ul>"
    return _sources_html(lang, results.get("sources"))


def _header(title: str, job, lang: str, results: dict[str, Any], data_version: str) -> str:
    words = {
        "vi": ("Tham số", "Nguồn dữ liệu", "Thời kỳ của dữ liệu", "Ngày của dữ liệu", "Phiên bản", "Bản tiếng Anh"),
        "en": ("Parameters", "Data sources", "Period of the data", "Date of the data", "Version", "Vietnamese version"),
    }[lang]
    params = ", ".join(f"{_esc(k)} = {_esc(v)}" for k, v in sorted(job.params.items()))
    period = results.get("data_period", "")
    data_date = results.get("data_date", {}).get(lang, "")
    version = f"antt {__version__}" + (
        f", {'dữ liệu' if lang == 'vi' else 'data'} {data_version}" if data_version else ""
    )
    return (
        f'<header class="report"><h1>{_esc(title)}</h1><dl>'
        f"<dt>{words[0]}</dt><dd>{params}</dd>"
        f"<dt>{words[1]}</dt><dd>{_citations_html(results, lang)}</dd>"
        f"<dt>{words[2]}</dt><dd>{_esc(period)}</dd>"
        f"<dt>{words[3]}</dt><dd>{_esc(data_date)}</dd>"
        f"<dt>{words[4]}</dt><dd>{_esc(version)}</dd>"
        f"</dl></header>"
    )


def _caveats_html(lang: str) -> str:
    """The data log and caveats (docs/caveats[.vi].md) rendered to HTML, links reduced to their text
    (they point into the repository, not next to the report)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    path = paths.ROOT / "docs" / ("caveats.vi.md" if lang == "vi" else "caveats.md")
    if not path.exists():
        return ""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", path.read_text(encoding="utf-8"))
    return markdown2html_mistune(text)


def _limitations(lang: str, results: dict[str, Any]) -> str:
    """This report's limitations (from its results), then the project's data log and caveats, folded."""
    heading, more = (
        ("Giới hạn của phân tích", "Nhật ký dữ liệu, giả định và lưu ý (docs/caveats.vi.md)")
        if lang == "vi"
        else ("Limitations", "Data log, assumptions and caveats (docs/caveats.md)")
    )
    items = "".join(f"<li>{_esc(i)}</li>" for i in results.get("limitations", {}).get(lang, []))
    caveats = _caveats_html(lang)
    folded = f"<details><summary>{_esc(more)}</summary>{caveats}</details>" if caveats else ""
    return f'<section class="limitations"><h2>{heading}</h2><ul>{items}</ul>{folded}</section>'


def page(title: str, lang: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def render_report(nb: nbformat.NotebookNode, job, results_dir: Path, data_version: str) -> str:
    """The analyst's HTML page for an executed notebook; ``results_dir`` holds the job's results
    (still staged), ``data_version`` is a short digest of the data files the job read."""
    lang = job.params.get("lang", "vi")
    shown = select_language(nb, lang)
    title = title_of(shown) or job.spec.name
    if job.label:
        title = f"{title} ({job.label})"
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    body, _ = exporter.from_notebook_node(shown)
    results = load_results(job.name, results_dir)
    main = f"<main>\n{body}\n</main>"
    return page(title, lang, _header(title, job, lang, results, data_version) + main + _limitations(lang, results))


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def index_html(
    reports_dir: Path, manifest: dict[str, Any], lang: str = "vi", locate: Callable[[Path], Path] = lambda path: path
) -> str:
    """The page ``<reports_dir>/index.html``: one card per report of ``manifest`` with its key
    findings, a thumbnail and links (the canonical ``reports/`` or an exploratory run's folder).
    ``locate`` maps a published path to where its content is now (the publisher passes the
    temporary names of the files it is about to rename into place)."""
    words = {
        "vi": (
            "Báo cáo an ninh trật tự cơ sở tỉnh Hà Nam",
            "Báo cáo",
            "Sổ tay đã chạy",
            "Nguồn",
            "Cách tạo lại các báo cáo",
            "Trên máy chỉ có python3 và make, hai lệnh sau cài đặt mọi thứ, chạy lại toàn bộ và kiểm thử:",
        ),
        "en": (
            "Community security and order reports, Hà Nam province",
            "Report",
            "Executed notebook",
            "Sources",
            "How to reproduce",
            "On a machine with only python3 and make, these two commands install everything, rebuild and test:",
        ),
    }[lang]
    cards = []
    for name in sorted(manifest):
        executed = locate(reports_dir / "notebooks" / f"{name}.ipynb")
        if not executed.exists():
            continue
        results_file = locate(reports_dir / "results" / f"{name}.json")
        results = json.loads(results_file.read_text(encoding="utf-8")) if results_file.exists() else {}
        findings = "".join(f"<li>{_esc(f)}</li>" for f in results.get("headline", {}).get(lang, []))
        thumb = ""
        picture = locate(reports_dir / results["thumbnail"]) if results.get("thumbnail") else None
        if picture is not None and picture.exists():
            thumb = f'<img src="{_data_uri(picture)}" alt="{_esc(results.get("title", name))}">'
        title = title_of(select_language(nbformat.read(executed, as_version=4), lang)) or name
        if manifest[name].get("label"):
            title = f"{title} ({manifest[name]['label']})"
        cards.append(
            f'<article class="card">{thumb}<h2>{_esc(title)}</h2><ul>{findings}</ul>'
            f'<a href="html/{_esc(name)}.html">{words[1]}</a> · <a href="notebooks/{_esc(name)}.ipynb">{words[2]}</a></article>'
        )
    commands = "".join(f"<li><code>{c}</code></li>" for c in COMMANDS)
    body = (
        f'<header class="report"><h1>{_esc(words[0])}</h1></header><main>'
        f'<section class="cards">{"".join(cards)}</section>'
        f"<h2>{words[3]}</h2>{_sources_html(lang)}"
        f"<h2>{words[4]}</h2><p>{_esc(words[5])}</p><ol>{commands}</ol></main>"
    )
    return page(words[0], lang, body)


def write_index(reports_dir: Path, manifest: dict[str, Any], lang: str = "vi") -> Path:
    """Write ``<reports_dir>/index.html`` (see ``index_html``)."""
    return write_text_atomic(index_html(reports_dir, manifest, lang), reports_dir / "index.html")
