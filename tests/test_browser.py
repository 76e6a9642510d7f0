"""Every committed report and index, in every language, opened in headless Chromium (Debian's package, driven
by Playwright): no console errors, no request outside the file, images decoded, Vietnamese text present on
Vietnamese pages, every link resolves, and every page links to the index of its language and to its twins in
the other languages. Saves a screenshot of each index under reports/build/."""

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import ROOT

REPORTS = ROOT / "reports"
REPORT_PAGES = sorted((REPORTS / "html").glob("*.html"))
PAGES = REPORT_PAGES + sorted(REPORTS.glob("*.html"))  # the reports, then the index, summary and glossary


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file://", "data:")) else None)
    page.goto(path.as_uri(), wait_until="load")
    _scroll_to_every_image(page)
    return page, errors, outside


def _scroll_to_every_image(page) -> None:
    """The index loads its thumbnails as they come into view (``loading="lazy"``): scroll to each picture, as a
    reader would, and wait until it has loaded or failed; then back to the top."""
    page.evaluate(
        """async () => {
            for (const image of document.images) {
                image.scrollIntoView();
                if (!image.complete) await new Promise(done => { image.onload = image.onerror = done; });
            }
            window.scrollTo(0, 0);
        }"""
    )


def test_there_are_reports():
    assert len(PAGES) >= 2


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_page_opens_offline_and_renders(browser, path):
    page, errors, outside = _open(browser, path)
    try:
        assert not errors, errors
        assert not outside, f"requests outside the file: {outside}"
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
        assert all(ok and w > 0 and h > 0 for ok, w, h in images), images
        text = page.inner_text("body")
        lang = page.evaluate("document.documentElement.lang")
        assert page.title().strip()
        if lang == "vi":
            assert any(word in text for word in ("Hà Nam", "số liệu", "Ngọc Lũ")), "Vietnamese text missing"
            assert any(ch in text for ch in "ạảấầẩậắằẳặẹẻếềểệịọỏốồổộớờởợụủứừửựỳỷỹ"), "diacritics missing"
        assert "<script" not in path.read_text(encoding="utf-8").lower()
    finally:
        page.close()


def _links(page) -> list[Path]:
    hrefs = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    assert all(urlparse(h).scheme == "file" for h in hrefs), hrefs
    return [Path(unquote(urlparse(h).path)) for h in hrefs]


def _language_of(path: Path) -> str:
    """``x.en.html`` → "en"; ``x.html`` → "vi" (the default pages keep their names)."""
    suffixes = path.name.removesuffix(".html").rsplit(".", 1)
    return suffixes[1] if len(suffixes) == 2 and suffixes[1] in ("vi", "en") else "vi"


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_every_link_resolves_and_leads_to_the_index_and_the_twin(browser, path):
    page, _errors, _ = _open(browser, path)
    try:
        links = _links(page)
        broken = [str(link) for link in links if not link.is_file()]
        assert not broken, f"broken links: {broken}"
        lang = _language_of(path)
        assert page.evaluate("document.documentElement.lang") == lang
        index = REPORTS / ("index.html" if lang == "vi" else f"index.{lang}.html")
        twin_lang = "en" if lang == "vi" else "vi"
        stem = path.name.removesuffix(".html").removesuffix(f".{lang}")
        twin = path.parent / (f"{stem}.html" if twin_lang == "vi" else f"{stem}.{twin_lang}.html")
        if path.parent == REPORTS:  # a page about all reports links to its twin and to its language's reports
            assert twin in links and all(_language_of(p) == lang for p in links if p.parent.name == "html")
            assert path == index or index in links, (index, links)
        else:
            assert index in links and twin in links, (index, twin, links)
    finally:
        page.close()


SHOWN = {"index": REPORTS, "03_intervention_effect__ngoc-lu": REPORTS / "html"}  # screenshots: page → folder


@pytest.mark.browser
@pytest.mark.parametrize("width,height", [(1200, 900), (390, 844)], ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", SHOWN)
def test_screenshots(browser, name, lang, width, height):
    """Screenshots of the index and of one report in each language, at both widths, under reports/build/ (to
    look at): the whole page on a desktop, the first screen on a phone."""
    path = SHOWN[name] / (f"{name}.html" if lang == "vi" else f"{name}.{lang}.html")
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(path.as_uri(), wait_until="load")
        shot = REPORTS / "build" / f"{name}.{lang}.{width}px.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=width > 500)
        assert shot.stat().st_size > 10_000
    finally:
        page.close()


def _pdf_pages(path: Path) -> int:
    """Pages of a PDF printed by Chromium (its page objects)."""
    return len(re.findall(rb"/Type /Page\b", path.read_bytes()))


def test_every_report_has_its_pdf_and_the_summary_is_one_page():  # the committed files: no browser needed
    pdfs = {p.name for p in (REPORTS / "pdf").glob("*.pdf")}
    expected = {p.name.removesuffix(".html") + ".pdf" for p in REPORT_PAGES}
    expected |= {"summary.pdf", "summary.en.pdf"}
    assert pdfs == expected
    for name in ("summary.pdf", "summary.en.pdf"):
        assert _pdf_pages(REPORTS / "pdf" / name) == 1, name
    for name in pdfs:
        data = (REPORTS / "pdf" / name).read_bytes()
        assert data.startswith(b"%PDF-") and b"/CreationDate" not in data, name  # no clock in the file
        assert b"file://" not in data, name  # nor the folder it was printed in


@pytest.mark.browser
@pytest.mark.parametrize("width,height", [(1200, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_answer_is_in_the_first_screen(browser, width, height):
    late = []
    for path in REPORT_PAGES:
        page = browser.new_page(viewport={"width": width, "height": height})
        try:
            page.goto(path.as_uri(), wait_until="load")
            top = page.evaluate("document.querySelector('section.summary').getBoundingClientRect().top")
            if top >= height:
                late.append(f"{path.name}: key findings start at {top:.0f} px")
        finally:
            page.close()
    assert not late, late


@pytest.mark.browser
def test_no_page_scrolls_sideways_on_a_phone(browser):
    """Wide tables scroll inside their own box, figures scale: the page itself fits 390 px."""
    wide = []
    for path in PAGES:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        try:
            page.goto(path.as_uri(), wait_until="load")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide.append(f"{path.name}: {width} px")
        finally:
            page.close()
    assert not wide, wide


def test_every_figure_has_alt_text_a_caption_and_its_files():  # read from the files: no browser needed
    from html.parser import HTMLParser

    class Figures(HTMLParser):
        def __init__(self):
            super().__init__()
            self.images, self.captions, self.links = [], 0, []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "img":
                self.images.append(attrs.get("alt", ""))
            elif tag == "figcaption":
                self.captions += 1
            elif tag == "a" and attrs.get("href", "").endswith((".svg", ".png")):
                self.links.append(attrs["href"])

    for path in sorted((REPORTS / "html").glob("*.html")):
        found = Figures()
        found.feed(path.read_text(encoding="utf-8"))
        assert all(alt.strip() for alt in found.images), f"{path.name}: an image without alt text"
        assert found.captions == len(found.images), (
            f"{path.name}: {len(found.images)} images, {found.captions} captions"
        )
        assert len(found.links) == 2 * len(found.images), path.name
        assert all((path.parent / href).resolve().is_file() for href in found.links), found.links


def test_every_table_has_its_csv():  # read from the files: no browser needed
    """Each table of a report sits in a scroll box followed by a link to its CSV, whose header is the table's."""
    import csv
    import html as html_lib

    for path in REPORT_PAGES:
        text = path.read_text(encoding="utf-8")
        box = r'<div [^>]*class="table-scroll"[^>]*>(.*?)</div><p class="download"><a href="([^"]+)"'
        boxes = re.findall(box, text, re.S)
        assert boxes and len(boxes) == text.count('class="table-scroll"'), path.name
        for table, href in boxes:
            head = table.split("</thead>")[0]
            header = [html_lib.unescape(h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head)]
            with (path.parent / href).open(encoding="utf-8", newline="") as handle:
                assert next(csv.reader(handle)) == header, (path.name, href)
