"""Printing pages to PDF: what is removed so that a PDF does not depend on where or when it was printed."""

import shutil
from pathlib import Path

import pytest

from antt.pipeline import printing

from conftest import run_antt


def test_a_printable_page_keeps_web_links_and_drops_links_to_files():
    page = '<a href="../index.html">i</a> <a class="term" href="glossary.html#ci">CI</a> <a href="https://x.org">w</a>'
    assert printing.printable(page) == '<a>i</a> <a class="term">CI</a> <a href="https://x.org">w</a>'


def test_timestamps_are_blanked_at_the_same_length():
    pdf = b"<</Creator (x) /CreationDate (D:20261204183119+00'00') /ModDate (D:20261204183119+14'00')>>"
    blank = printing.without_timestamps(pdf)
    assert len(blank) == len(pdf) and b"D:2026" not in blank and b"/Creator (x)" in blank


@pytest.mark.parametrize("epoch,day", [("0", "1970-01-01"), ("1764806400", "2025-12-04")])
def test_the_build_date_follows_source_date_epoch_in_utc(monkeypatch, epoch, day):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    assert printing.build_date() == day


@pytest.mark.parametrize("named", ["no-such-browser", "none"])
def test_without_a_browser_there_is_no_printer(monkeypatch, tmp_path, named):
    monkeypatch.setenv("ANTT_BROWSER", named if named == "none" else str(tmp_path / named))
    assert not printing.available()
    with printing.printer() as printer:
        assert printer is None


# --- in a run (the toy project) --------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _published(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted((root / "reports").rglob("*"))
        if p.is_file() and not {".staging", "failed", "explore", ".cache"} & set(p.parts) and p.name != ".lock"
    }


@pytest.mark.slow
def test_a_run_prints_each_page_and_the_summary_and_links_them(toy_project):
    if not Path(CHROMIUM).is_file():
        pytest.skip("Debian's chromium is not installed (make browser)")
    result = run_antt(toy_project, "run", "--only", "01", "--force", env={"ANTT_BROWSER": CHROMIUM})
    assert result.returncode == 0, result.stderr
    reports = toy_project / "reports"
    for lang, suffix in (("vi", ""), ("en", ".en")):
        pdf = reports / "pdf" / f"01_toy_clean{suffix}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF-"), lang
        page = (reports / "html" / f"01_toy_clean{suffix}.html").read_text(encoding="utf-8")
        assert f'href="../pdf/01_toy_clean{suffix}.pdf"' in page
        summary = reports / "pdf" / f"summary{suffix}.pdf"
        assert summary.read_bytes().startswith(b"%PDF-")
        assert f'href="pdf/summary{suffix}.pdf"' in (reports / f"index{suffix}.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_browser_that_fails_publishes_nothing(toy_project):
    before = _published(toy_project)
    result = run_antt(toy_project, "run", "--only", "01", "--force", env={"ANTT_BROWSER": shutil.which("false")})
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 1 and len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "PDF" in errors[0], errors
    assert _published(toy_project) == before
