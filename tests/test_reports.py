"""The committed reports and processed data are exactly what `make reports` produces from the
committed inputs: the suite's one build (conftest.built_project, a forced rebuild in a copy under another
time zone, locale and hash seed, with linear algebra off by a few ulps as on another CPU: conftest.EXOTIC_ENV,
conftest.PERTURBED_ENV and tests/test_precision.py) is byte-identical — HTML, executed notebooks, figures,
results, index, manifest and data/processed. Tests that read the committed outputs (test_results.py,
test_browser.py, ...) therefore read what the build produced."""

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import PRINTING_ENV, ROOT


def _committed(folder: str) -> list[str]:
    """Tracked files under ``folder`` (exploratory runs and run-private files are git-ignored)."""
    return sorted(
        subprocess.run(["git", "ls-files", folder], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    )


@pytest.mark.slow
def test_committed_outputs_are_what_the_pipeline_produces(built_project):
    if not Path(PRINTING_ENV["ANTT_BROWSER"]).is_file():  # the committed reports include and link their PDFs
        if os.environ.get("ANTT_REQUIRE_BROWSER"):
            pytest.fail("ANTT_REQUIRE_BROWSER is set but chromium is missing: the PDFs cannot be rebuilt")
        pytest.skip("chromium is not installed (make browser): a rebuild cannot print the committed PDFs")
    for folder in ("reports", "data/processed"):
        produced = sorted(
            p.relative_to(built_project).as_posix()
            for p in (built_project / folder).rglob("*")
            if p.is_file() and not {".staging", "failed", "build", ".cache"} & set(p.parts) and p.name != ".lock"
        )
        committed = _committed(folder)
        if not committed:
            pytest.skip("not a git checkout: nothing to compare with")
        assert produced == committed, f"{folder}/ has stale or missing files: run make reports"
        differ = [name for name in produced if (built_project / name).read_bytes() != (ROOT / name).read_bytes()]
        assert not differ, f"not byte-identical to the committed files (run make reports): {differ}"


def test_reports_are_self_contained_and_escaped():
    for page in sorted((ROOT / "reports" / "html").glob("*.html")) + sorted((ROOT / "reports").glob("index*.html")):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower(), page.name
        assert "http://" not in text and "https://" not in text.replace("https://opensource.org", ""), page.name


def test_data_text_is_escaped():
    """A label containing markup shows as text in a report page."""
    from antt.reporting import html

    page = html.page("<script>alert(1)</script>", "vi", "")
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_table_text_from_data_is_escaped():
    import pandas as pd

    from antt.reporting import display

    html = display.show(pd.DataFrame({"label": ["<script>alert(1)</script>"]}), "vi").html["en"]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    findings = display.show_findings({"headline": {"vi": ["<b>x</b>"], "en": []}}, "vi").html["vi"]
    assert "<b>x</b>" not in findings and "&lt;b&gt;x&lt;/b&gt;" in findings


def test_one_output_carries_every_language_and_each_page_shows_its_own():
    import nbformat
    import pandas as pd

    from antt.reporting import display, html

    shown = display.show(lambda lg: pd.DataFrame({{"vi": "Cột", "en": "Column"}[lg]: [1]}), "vi")
    data = shown._repr_mimebundle_()
    assert "Cột" in data["text/html"] and set(data[display.BUNDLE]) == {"en"}  # Jupyter shows the preview
    assert "Column" in data[display.BUNDLE]["en"]
    output = nbformat.v4.new_output("display_data", data=data)
    prose = {lg: nbformat.v4.new_markdown_cell(f"# {lg}", metadata={"tags": [f"lang-{lg}"]}) for lg in ("vi", "en")}
    nb = nbformat.v4.new_notebook(cells=[*prose.values(), nbformat.v4.new_code_cell("x", outputs=[output])])
    for lang, word, other in (("vi", "Cột", "Column"), ("en", "Column", "Cột")):
        page = html.select_language(nb, lang)
        assert [c.source for c in page.cells if c.cell_type == "markdown"] == [f"# {lang}"]
        (out,) = page.cells[-1].outputs
        assert set(out.data) == {"text/html"} and word in out.data["text/html"] and other not in out.data["text/html"]
    assert display.show_text({"vi": "", "en": ""}, "vi") is None and display.show_notes([], "vi") is None


def test_a_page_answers_first_and_ends_with_the_technical_section(tmp_path):
    """Question and key findings, then limitations, then the notebook's sections, then parameters and
    versions; the notebook's own findings cell is not repeated, and cells tagged report-technical move down."""
    import json
    from types import SimpleNamespace

    import nbformat

    from antt.reporting import html

    def cell(text, tags):
        return nbformat.v4.new_markdown_cell(text, metadata={"tags": tags})

    nb = nbformat.v4.new_notebook(
        cells=[
            cell("# Tiêu đề\n\nGiới thiệu.", ["lang-vi"]),
            cell("## Phần chi tiết", ["lang-vi"]),
            cell("## Cờ chất lượng", ["lang-vi", "report-technical"]),
            cell("## Kết quả chính (sổ tay)", ["lang-vi", "report-summary"]),
            cell("## Một phần không có dữ liệu", ["lang-vi", "section-empty"]),
        ]
    )
    results = tmp_path / "r.json"
    words = {
        "question": {"vi": "Câu hỏi?"},
        "headline": {"vi": ["Một kết quả."]},
        "limitations": {"vi": ["Một giới hạn."]},
        "sections_absent": ["empty"],
    }
    results.write_text(json.dumps(words), encoding="utf-8")
    job = SimpleNamespace(
        params={"alpha": 0.05, "interventions": {"A": None}}, label="", name="x", spec=SimpleNamespace(name="x")
    )
    page = html.render_report(nb, job, results, "", "vi", html.Links("../index.html", {"en": "x.en.html"}))
    order = ["Câu hỏi?", "Một kết quả.", "Một giới hạn.", "Phần chi tiết", "Tham số", "Cờ chất lượng"]
    positions = [page.index(text) for text in order]
    assert positions == sorted(positions), dict(zip(order, positions))
    assert "Kết quả chính (sổ tay)" not in page
    assert "<code>alpha</code>: 0,05" in page and "A: không rõ" in page  # parameters as a reader reads them


# --- every page speaks its own language ------------------------------------------------------------------


def _visible_text(path) -> list[tuple[str, str]]:
    """(language, text) of every piece of visible text of a page, outside code, scripts, styles and the title."""
    from html.parser import HTMLParser

    page_lang = "en" if path.name.endswith(".en.html") else "vi"

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack, self.chunks = [], []

        def handle_starttag(self, tag, attrs):
            if tag not in ("br", "img", "meta", "link", "hr", "input"):
                self.stack.append((tag, dict(attrs).get("lang")))

        def handle_endtag(self, tag):
            while self.stack and self.stack.pop()[0] != tag:
                pass

        def handle_data(self, data):
            if not {"style", "script", "code", "title"} & {t for t, _ in self.stack}:
                langs = [lang for _, lang in self.stack if lang]
                self.chunks.append((langs[-1] if langs else page_lang, data))

    parser = Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.chunks


def _source_words() -> list[str]:
    """Vietnamese that an English page shows on purpose: the article's words as written, the names of the
    models and places as the source gives them, and the citations (longest first)."""
    import csv

    rows = list(csv.DictReader((ROOT / "data" / "raw" / "figures.csv").open(encoding="utf-8")))
    words = {r["raw_text"] for r in rows} | {r["place"] for r in rows}
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    for parameter_set in params["03_intervention_effect"]:
        words |= set(parameter_set["interventions"]) | {parameter_set["commune"]}
    return sorted(words, key=len, reverse=True)


SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
ENGLISH = re.compile(r"\b(the|and|of|with|not|is|are|for|per|none|stated|unknown)\b")
VIETNAMESE = re.compile(r"(?<![\wÀ-ỹ])(người|vụ|đối tượng|của|và|các|những|được|không|số liệu|năm)(?![\wÀ-ỹ])")
PLURAL_S = re.compile(r"\w\(s\)")


def _catalogue_phrases() -> dict[str, list[str]]:
    """For each language, the catalogue's phrases that exist only in the other language: the literal parts (of 3
    words or more) of every text whose two languages differ. A Vietnamese page must show none of the English
    ones, and the reverse."""
    from antt.reporting.language import load_labels

    phrases = {"vi": set(), "en": set()}
    for _, row in load_labels().iterrows():
        if row.vi == row.en:
            continue
        for lang, text, other in (("vi", row.en, row.vi), ("en", row.vi, row.en)):
            for part in re.split(r"\{[^}]*\}", text):
                part = part.strip(" .,:;()")
                if len(part.split()) >= 3 and part not in other:
                    phrases[lang].add(part)
    return {lang: sorted(found) for lang, found in phrases.items()}


PAGES = sorted((ROOT / "reports" / "html").glob("*.html")) + sorted((ROOT / "reports").glob("*.html"))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_no_page_shows_a_catalogue_text_of_the_other_language(path):
    """Every word of the catalogue that a page shows is in the page's language (checked against all 300-odd
    texts of data/codebook/labels.csv, not only against a list of function words)."""
    phrases = _catalogue_phrases()
    found = []
    for lang, text in _visible_text(path):
        text = " ".join(text.split())
        found += [f"{lang} page shows {p!r}" for p in phrases[lang] if p in text]
    assert not found, found


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_every_page_speaks_its_own_language(path):
    """No key or snake_case label, no leftover English on a Vietnamese page, no Vietnamese words on an English
    page (quotes «…», the article's words as written, names and citations aside), no '(s)' plurals."""
    source = _source_words()
    problems = set()
    for lang, text in _visible_text(path):
        text = re.sub(r"«[^»]*»", "", text)
        for words in source:
            text = text.replace(words, "")
        problems |= {f"snake_case {m}" for m in SNAKE.findall(text)}
        problems |= {f"{lang} page: '{m}' in {text.strip()[:60]!r}" for m in PLURAL_S.findall(text)}
        leftover = ENGLISH if lang == "vi" else VIETNAMESE
        problems |= {f"{lang} page: '{m}' in {text.strip()[:60]!r}" for m in leftover.findall(text)}
    assert not problems, sorted(problems)


def test_each_report_is_about_its_own_subject():
    """The Công Lý report has no section on a stated zero (the article states none for it) and asks about its
    own commune; the simulated method validation cites its method references, not the article."""
    html_dir = ROOT / "reports" / "html"
    cong_ly = (html_dir / "03_intervention_effect__cong-ly.html").read_text(encoding="utf-8")
    ngoc_lu = (html_dir / "03_intervention_effect__ngoc-lu.html").read_text(encoding="utf-8")
    assert "Một số 0 được nêu" in ngoc_lu and "Một số 0 được nêu" not in cong_ly
    assert "ở xã Công Lý không?" in cong_ly and "người nghiện" not in cong_ly.split("<main>")[0]
    validation = (html_dir / "04_method_validation.en.html").read_text(encoding="utf-8")
    cited = validation.split("<dt>Data sources</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert "Bernal JL" in cited and "Trần Ích" not in cited


def test_every_key_finding_with_plain_words_is_paired_with_them():
    """A report's ``plain`` sentences pair one to one with its ``headline`` findings ("" where the finding
    is plain already), and the statistical findings of 02 and 04 all have one."""
    import json

    for path in sorted((ROOT / "reports" / "results").glob("*.json")):
        found = json.loads(path.read_text(encoding="utf-8"))
        for lang, plain in found.get("plain", {}).items():
            assert len(plain) == len(found["headline"][lang]), (path.name, lang)
    for name, count in (("02_province_results", 4), ("04_method_validation", 2)):
        found = json.loads((ROOT / "reports" / "results" / f"{name}.json").read_text(encoding="utf-8"))
        assert all(sum(bool(p) for p in found["plain"][lang]) >= count for lang in ("vi", "en")), name


@pytest.mark.parametrize("path", sorted((ROOT / "reports" / "html").glob("*.html")), ids=lambda p: p.name)
def test_every_report_has_a_table_of_contents_that_leads_somewhere(path):
    from urllib.parse import unquote

    text = path.read_text(encoding="utf-8")
    toc = re.search(r'<nav class="toc"[^>]*>(.*?)</nav>', text, re.S)
    assert toc, path.name
    anchors = [unquote(a) for a in re.findall(r'href="#([^"]+)"', toc.group(1))]
    assert "technical" in anchors and len(anchors) >= 2, anchors
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    assert not [a for a in anchors if a not in ids], path.name
