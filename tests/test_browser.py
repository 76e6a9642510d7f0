"""Every committed report and the index, opened in headless Chromium (Debian's package, driven by
Playwright): no console errors, no request outside the file, images decoded, Vietnamese text
present, every index link resolves. Saves a screenshot of the index under reports/build/."""

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REPORTS = ROOT / "reports"
PAGES = sorted((REPORTS / "html").glob("*.html")) + [REPORTS / "index.html"]
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("ANTT_REQUIRE_BROWSER"):
            pytest.fail(f"ANTT_REQUIRE_BROWSER is set but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (make browser, or apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file://", "data:")) else None)
    page.goto(path.as_uri(), wait_until="load")
    return page, errors, outside


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


@pytest.mark.browser
def test_index_links_resolve_and_screenshot(browser):
    index = REPORTS / "index.html"
    page, _errors, _ = _open(browser, index)
    try:
        hrefs = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        assert hrefs, "the index links to nothing"
        for href in hrefs:
            url = urlparse(href)
            assert url.scheme == "file", href
            assert Path(unquote(url.path)).is_file(), f"broken link {href}"
        shot = REPORTS / "build" / "index.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    finally:
        page.close()
