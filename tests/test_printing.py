"""Printing pages to PDF: what is removed so that a PDF does not depend on where or when it was printed."""

import os
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


def _chromium() -> str:
    if not Path(CHROMIUM).is_file():
        if os.environ.get("ANTT_REQUIRE_BROWSER"):
            pytest.fail(f"ANTT_REQUIRE_BROWSER is set but {CHROMIUM} is missing (make browser)")
        pytest.skip("Debian's chromium is not installed (make browser)")
    return CHROMIUM


def _print_each(executable: str, pages: list[Path], out: Path) -> list[bytes]:
    printer = printing.Printer(executable)
    try:
        for index, page in enumerate(pages):
            printer.print_pdf(page, out / f"{index}.pdf")
    finally:
        printer.close()
    return [(out / f"{index}.pdf").read_bytes() for index in range(len(pages))]


@pytest.mark.browser
def test_pages_printed_one_after_another_in_one_tab_are_the_bytes_of_a_fresh_browser(tmp_path):
    """The printer navigates one tab from page to page: nothing of a page may carry over into the next PDF."""
    executable = _chromium()
    short = tmp_path / "short.html"
    short.write_text('<!DOCTYPE html><html lang="vi"><body><h1>Ngọc Lũ</h1><p>Một trang.</p></body></html>')
    long = tmp_path / "long.html"
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80"><rect width="200" height="80"/></svg>'
    long.write_text(
        '<!DOCTYPE html><html lang="en"><head><style>@page { size: A4; margin: 2cm }</style></head><body>'
        + "".join(f"<h2>Section {i}</h2><p>{'Text of the section. ' * 40}</p>{svg}" for i in range(12))
        + "</body></html>"
    )
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir(), (tmp_path / "c").mkdir()
    in_turn = _print_each(executable, [short, long, short, long], tmp_path / "a")
    fresh_short = _print_each(executable, [short], tmp_path / "b")[0]
    fresh_long = _print_each(executable, [long], tmp_path / "c")[0]
    assert in_turn[0] != in_turn[1]
    assert in_turn == [fresh_short, fresh_long, fresh_short, fresh_long]
