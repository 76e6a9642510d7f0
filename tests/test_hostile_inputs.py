"""Hostile input: each case gets exactly one ``error:`` line on stderr naming the file (row and column
where there is one), a non-zero exit, no traceback, and data/processed (and data/raw) unchanged."""

from __future__ import annotations

import csv
import io
import os
import resource
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from antt import paths
from antt.analyses import province
from antt.data import clean, codebook
from antt.data.io import write_files_atomic
from antt.errors import DataError, quote
from antt.text import count_words

from conftest import ROOT, run_antt

FIGURES = "data/raw/figures.csv"
PART_WHOLE = "data/codebook/part_whole.csv"
ZWSP = "\u200b"
MEGABYTE = 1_000_000


# --- helpers ---------------------------------------------------------------------------------------------


def _snapshot(root: Path, folder: str = "data/processed") -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / folder).rglob("*")) if p.is_file()}


def _rows(root: Path, name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO((root / name).read_text(encoding="utf-8"), newline="")))


def _write_rows(root: Path, name: str, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (root / name).write_text(out.getvalue(), encoding="utf-8")


def _set_cell(root: Path, name: str, row: int, column: str, value: str) -> None:
    """Set one cell (``row`` 1-based over data rows, as DataError counts them)."""
    rows = _rows(root, name)
    rows[row][rows[0].index(column)] = value
    _write_rows(root, name, rows)


def _error_line(result: subprocess.CompletedProcess, *parts: str) -> str:
    """The one error line; checks the exit code and that the line names every part."""
    assert result.returncode != 0, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {result.stderr[:2000]!r}"
    line = lines[0]
    assert line.startswith("error:") and "Traceback" not in line, line[:2000]
    for part in parts:
        assert part in line, f"{part!r} not in {line[:2000]!r}"
    return line


def _clean_fails(root: Path, *parts: str) -> str:
    """``antt clean`` on the copy fails with one error line naming ``parts``; nothing written."""
    processed, raw = _snapshot(root), _snapshot(root, "data/raw")
    line = _error_line(run_antt(root, "clean", timeout=120), *parts)
    assert _snapshot(root) == processed, "data/processed changed"
    assert _snapshot(root, "data/raw") == raw, "data/raw changed"
    return line


# --- 1. impossible percentages and fractions -------------------------------------------------------------


@pytest.mark.parametrize("text", ["250%", "100,5%", "trên 100%"])
def test_a_percentage_above_100_is_refused(project_copy, text):
    _set_cell(project_copy, FIGURES, 6, "raw_text", text)
    _clean_fails(project_copy, "figures.csv", "row 6", "column 'raw_text'", "above 100")


def test_a_fraction_above_its_denominator_is_a_quality_failure(project_copy):
    _set_cell(project_copy, FIGURES, 29, "raw_text", "687/686")
    _clean_fails(
        project_copy,
        "figures.csv",
        "row 29",
        "column 'raw_text'",
        "numerator_within_denominator",
        "province-safe-residential-areas",
    )


def test_the_processed_schema_refuses_a_percentage_above_100(tmp_path):
    table = clean.clean(write=False).indicators
    table.loc[table["figure_id"] == "ngoc-lu-households-signed-commitment", ["value", "upper"]] = 250.0
    path = tmp_path / "indicators.csv"
    path.write_text(table.to_csv(index=False), encoding="utf-8")
    with pytest.raises(DataError, match=r"row 6 .*a percentage is at most 100"):
        clean.load_indicators(path)


# --- 2. counts that cannot be stored exactly --------------------------------------------------------------


@pytest.mark.parametrize(
    "text, reason",
    [
        ("99999999999999999999999", "too large to be stored exactly"),
        ("9.007.199.254.740.993", "too large to be stored exactly"),  # 2**53 + 1 reads as 2**53
        ("1,5", "not a whole number"),
        ("27/30,5", "not a whole number"),
    ],
)
def test_a_count_that_is_not_exact_or_not_whole_is_refused(project_copy, text, reason):
    row, name = (29, "province-safe-residential-areas") if "/" in text else (1, "ngoc-lu-2022-registered-drug-addicts")
    _set_cell(project_copy, FIGURES, row, "raw_text", text)
    line = _clean_fails(project_copy, "figures.csv", f"row {row}", "column 'raw_text'", reason)
    assert "e+" not in line, f"{name}: the count is shown rounded: {line}"


def test_large_exact_counts_are_written_digit_for_digit(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in paths.RAW.glob("*.csv"):
        (raw / path.name).write_bytes(path.read_bytes())
    _set_cell(tmp_path, "raw/figures.csv", 1, "raw_text", "1.234.567.890.123.456")
    clean.clean(raw, processed_dir=tmp_path / "processed", fail_on_quality_error=False)
    assert ",1234567890123456," in (tmp_path / "processed" / "indicators.csv").read_text(encoding="utf-8")


# --- 3. part_whole.csv naming unknown indicators ----------------------------------------------------------


@pytest.mark.parametrize("column", ["part", "whole"])
def test_a_part_whole_row_with_an_unknown_indicator_is_refused(project_copy, column):
    _set_cell(project_copy, PART_WHOLE, 1, column, "complaints_typo")
    _clean_fails(project_copy, "part_whole.csv", "row 1", f"column '{column}'", "complaints_typo", "indicators.csv")


# --- 4. the evidence rule cannot be dodged ----------------------------------------------------------------


def test_one_enormous_evidence_word_is_refused(project_copy):
    _set_cell(project_copy, FIGURES, 6, "evidence", "x" * MEGABYTE)
    line = _clean_fails(project_copy, "figures.csv", "row 6", "column 'evidence'", "200 characters")
    assert len(line) < 1000


def test_words_glued_by_zero_width_spaces_are_refused(project_copy):
    _set_cell(project_copy, FIGURES, 6, "evidence", ZWSP.join(["từ"] * 40))
    _clean_fails(project_copy, "figures.csv", "row 6", "column 'evidence'", "Cf", "U+200B")


def _insert(root: Path, name: str, row: int, column: str, char: str) -> None:
    value = _rows(root, name)[row][_rows(root, name)[0].index(column)]
    _set_cell(root, name, row, column, value[:2] + char + value[2:])


@pytest.mark.parametrize(
    "name, row, column",
    [
        (FIGURES, 2, "note"),
        ("data/raw/exclusions.csv", 3, "evidence"),
        ("data/raw/sources.csv", 1, "title"),
    ],
)
def test_invisible_format_characters_are_refused_in_every_raw_table(project_copy, name, row, column):
    _insert(project_copy, name, row, column, ZWSP)
    _clean_fails(project_copy, Path(name).name, f"row {row}", f"column '{column}'", "format characters")


@pytest.mark.parametrize("char", ["\u200d", "\u00ad", "\u202e", "\ufeff", "\U000e0041"])
def test_every_invisible_format_character_is_refused(project_copy, char):
    _insert(project_copy, FIGURES, 9, "place", char)
    _clean_fails(project_copy, "figures.csv", "row 9", "column 'place'", "format characters")


def test_words_are_counted_by_a_tokeniser_not_by_spaces():
    assert count_words(ZWSP.join(["từ"] * 40)) == 40
    assert count_words("hòa giải thành 1.216/2.018 vụ việc mâu thuẫn") == 8
    assert count_words("điều tra, khám phá 9 vụ") == 6
    assert count_words("Fax: (0226)3853.342") == 3


# --- 5. quoted values are shortened -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, value",
    [
        ("raw_text", "chín " * (MEGABYTE // 5)),  # the figure parser's message
        ("figure_id", "A" * MEGABYTE),  # a schema check (io.validate)
        ("source_id", "x" * MEGABYTE),  # a message of the cleaning step
    ],
)
def test_an_enormous_value_is_shortened_in_the_error(project_copy, column, value):
    _set_cell(project_copy, FIGURES, 3, column, value)
    line = _clean_fails(project_copy, "figures.csv", "row 3", f"column '{column}'", "…")
    assert len(line) < 1000, len(line)


def test_quote_keeps_the_first_60_characters():
    assert quote("x" * 61) == repr("x" * 60 + "…") and quote("short") == "'short'"
    assert quote("a\nb") == "'a\\nb'", "a quoted value never breaks the line"


# --- 6. rows with too few or too many fields --------------------------------------------------------------


@pytest.mark.parametrize(
    "row, change, expected",
    [
        (4, lambda r: r[:-1], ["row 4", "column 'note'", "12 field(s) but the header has 13"]),
        (4, lambda r: r[:-3], ["row 4", "column 'period_basis'", "ends before this column"]),
        (4, lambda r: [*r, "extra"], ["row 4", "14 fields but the header has 13", "too many"]),
        (1, lambda r: [*r, "extra"], ["row 1", "too many"]),  # pandas would make it an index
    ],
)
def test_a_row_with_the_wrong_number_of_fields_is_refused(project_copy, row, change, expected):
    rows = _rows(project_copy, FIGURES)
    rows[row] = change(rows[row])
    _write_rows(project_copy, FIGURES, rows)
    _clean_fails(project_copy, "figures.csv", *expected)


def test_a_broken_quote_is_refused_with_its_row(project_copy):
    path = project_copy / FIGURES
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[3] = lines[3].replace('"điều tra, khám phá 9 vụ"', '"điều tra, khám phá" 9 vụ', 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    _clean_fails(project_copy, "figures.csv", "row 3", "not a well-formed CSV")


# --- 7. extract never writes into data/raw ----------------------------------------------------------------


ARTICLE = "Năm 2022, xã có 27 người nghiện ma túy có hồ sơ quản lý.\n\nTổ chức ký cam kết tới 68 dòng họ.\n"


def _outside_link(root: Path, target: Path) -> str:
    link = root.parent / "innocent.csv"
    link.symlink_to(target)
    return str(link)


def _linked_folder(root: Path, target: Path) -> str:
    link = root.parent / "drafts"
    link.symlink_to(target, target_is_directory=True)
    return str(link / "figures.csv")


@pytest.mark.parametrize(
    "option, where",
    [
        ("--out", "direct"),
        ("--out", "symlink"),
        ("--out", "symlinked folder"),
        ("--exclusions-out", "dotdot"),
        ("--exclusions-out", "new file"),
    ],
)
def test_extract_refuses_to_write_inside_data_raw(project_copy, option, where):
    raw = project_copy / "data" / "raw"
    out = {
        "direct": lambda: "data/raw/figures.csv",
        "dotdot": lambda: "data/codebook/../raw/exclusions.csv",
        "new file": lambda: "data/raw/draft.csv",
        "symlink": lambda: _outside_link(project_copy, raw / "figures.csv"),
        "symlinked folder": lambda: _linked_folder(project_copy, raw),
    }[where]()
    article = project_copy.parent / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    before = _snapshot(project_copy, "data")
    result = run_antt(
        project_copy, "extract", str(article), "--source-id", "baohanam-mttq-antt", option, out, timeout=120
    )
    _error_line(result, out, option, "data/raw")
    assert _snapshot(project_copy, "data") == before
    assert not (raw / "draft.csv").exists()


def test_extract_still_writes_outside_data_raw(project_copy):
    article = project_copy.parent / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = run_antt(
        project_copy, "extract", str(article), "--source-id", "baohanam-mttq-antt", "--out", "drafts.csv", timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "27" in (project_copy / "drafts.csv").read_text(encoding="utf-8")


# --- 8. a named pipe instead of a file --------------------------------------------------------------------


def test_a_named_pipe_is_refused_without_blocking(project_copy):
    path = project_copy / FIGURES
    path.unlink()
    os.mkfifo(path)
    processed = _snapshot(project_copy)
    try:
        result = run_antt(project_copy, "clean", timeout=60)  # TimeoutExpired fails the test: no hang
    finally:
        path.unlink()
    _error_line(result, "figures.csv", "named pipe")
    assert _snapshot(project_copy) == processed


# --- 9. strip-notebooks on files that are not notebooks ---------------------------------------------------


def _notebook_with_output(path: Path) -> bytes:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "1 + 1",
                execution_count=1,
                outputs=[nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=1)],
            )
        ]
    )
    nbformat.write(nb, path)
    return path.read_bytes()


@pytest.mark.parametrize(
    "name, content",
    [
        ("some.csv", "a,b\n1,2\n"),
        ("broken.ipynb", '{"cells": ['),
        ("list.ipynb", "[1, 2]"),
        ("wrong.ipynb", '{"cells": 3, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'),
        ("latin1.ipynb", b"\xff\xfe{}"),
    ],
)
def test_strip_notebooks_refuses_what_is_not_a_notebook(project_copy, name, content):
    good = project_copy / "good.ipynb"
    good_bytes = _notebook_with_output(good)
    bad = project_copy / name
    bad.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    bad_bytes = bad.read_bytes()
    result = run_antt(project_copy, "strip-notebooks", str(good), str(bad), timeout=120)
    _error_line(result, name, "not")
    assert good.read_bytes() == good_bytes and bad.read_bytes() == bad_bytes, "nothing may be written"
    assert not list(project_copy.glob(".*.tmp"))


def test_strip_notebooks_still_strips(project_copy):
    good = project_copy / "good.ipynb"
    _notebook_with_output(good)
    result = run_antt(project_copy, "strip-notebooks", str(good), timeout=120)
    assert result.returncode == 0, result.stderr
    assert nbformat.read(good, as_version=4).cells[0].outputs == []


# --- 10. a figure flagged for review stops the province analysis with its name -----------------------------


@pytest.fixture
def flagged_raw(tmp_path, monkeypatch):
    """A copy of data/raw (the analysis's raw file) and a function that flags one figure in it."""
    root = tmp_path / "project"
    (root / "data" / "raw").mkdir(parents=True)
    for path in paths.RAW.glob("*.csv"):
        (root / "data" / "raw" / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(paths, "FIGURES_CSV", root / FIGURES)

    def flag(row: int, text: str):
        _set_cell(root, FIGURES, row, "raw_text", text)
        return clean.clean(root / "data" / "raw", write=False).indicators

    return flag


@pytest.mark.parametrize(
    "row, figure_id, text, analysis",
    [
        (13, "province-tips-provided", "1,630", "proportions"),
        (13, "province-tips-provided", "1,630", "ratios"),  # where notebook 02 failed on a NaN bound
        (13, "province-tips-provided", "1,630", "activity_counts"),
        (17, "province-mediations-successful", "1,216/2.018", "proportions"),
        (17, "province-mediations-successful", "1,216/2.018", "ratios"),
    ],
)
def test_a_figure_flagged_for_review_is_named_before_analysis(flagged_raw, row, figure_id, text, analysis):
    indicators = flagged_raw(row, text)
    flagged = indicators.set_index("figure_id").loc[figure_id]
    assert flagged["needs_review"] and flagged["value"] != flagged["value"], "the parser leaves a flagged value empty"
    code_book = codebook.load_indicators()
    call = {
        "proportions": lambda: province.proportions(indicators, code_book, codebook.load_part_whole()),
        "ratios": lambda: province.ratios(indicators, codebook.load_ratios(), "en"),
        "activity_counts": lambda: province.activity_counts(indicators, code_book, "en"),
    }[analysis]
    with pytest.raises(DataError) as caught:
        call()
    message = str(caught.value)
    for part in (FIGURES, f"row {row}", "column 'raw_text'", figure_id, "needs review", "unambiguously", "analysed"):
        assert part in message, f"{part!r} not in {message!r}"
    assert "\n" not in message and "nan" not in message


def test_reviewed_figures_are_analysed():
    indicators = clean.clean(write=False).indicators
    props = province.proportions(indicators, codebook.load_indicators(), codebook.load_part_whole())
    assert len(props) and props["proportion"].notna().all()


# --- 11. the three processed files are written together ---------------------------------------------------


def _limit_file_size(limit: int):
    def apply() -> None:  # runs in the child before exec; Python then ignores SIGXFSZ, so writes raise EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    return apply


def test_a_failed_write_leaves_all_three_processed_files_as_they_were(project_copy):
    processed = project_copy / "data" / "processed"
    sizes = sorted(p.stat().st_size for p in processed.iterdir())
    limit = (sizes[-2] + sizes[-1]) // 2  # the small files fit, the large one (datapackage.json) does not
    _set_cell(project_copy, FIGURES, 1, "raw_text", "28")  # the outputs would change
    before = _snapshot(project_copy)
    env = {
        **os.environ,
        "ANTT_ROOT": str(project_copy),
        "ANTT_REPORTS_DIR": str(project_copy / "reports"),
        "ANTT_PROCESSED_DIR": str(processed),
    }  # as run_antt sets them; it takes no preexec_fn
    result = subprocess.run(
        [sys.executable, "-m", "antt", "clean"],
        cwd=project_copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size(limit),
    )
    _error_line(result, "datapackage.json", "File too large")
    assert _snapshot(project_copy) == before
    assert not list(processed.glob(".*")), "temporary files left behind"
    assert run_antt(project_copy, "clean").returncode == 0, "without the limit the same run succeeds"
    assert _snapshot(project_copy) != before


def test_write_files_atomic_writes_all_or_nothing(tmp_path):
    first, blocker = tmp_path / "first.txt", tmp_path / "not-a-folder"
    first.write_text("old", encoding="utf-8")
    blocker.write_text("a file where a folder is expected", encoding="utf-8")
    with pytest.raises(OSError):
        write_files_atomic({first: "new", blocker / "second.txt": b"new"})
    assert first.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.txt", "not-a-folder"]
    write_files_atomic({first: "new", tmp_path / "second.txt": b"new"})
    assert first.read_text(encoding="utf-8") == "new" and (tmp_path / "second.txt").read_bytes() == b"new"


def test_the_descriptor_is_written_for_the_folder_being_written(tmp_path):
    clean.clean(processed_dir=tmp_path)
    for name in ("indicators.csv", "quality.csv", "datapackage.json"):
        assert (tmp_path / name).read_bytes() == (ROOT / "data" / "processed" / name).read_bytes()


def test_a_reference_table_checked_once_is_checked_again_when_its_file_changes(tmp_path):
    """``io.read_checked`` keeps a validated table per file content: a later edit that breaks the file is an
    error, not the table checked before; and a caller that changes its copy does not change the next one."""
    raw = tmp_path / "raw"
    raw.mkdir()
    good = (ROOT / "data" / "raw" / "sources.csv").read_text(encoding="utf-8")
    (raw / "sources.csv").write_text(good, encoding="utf-8")
    first = clean.load_sources(raw)
    first.loc[0, "title"] = "changed by the caller"
    assert clean.load_sources(raw).loc[0, "title"] != "changed by the caller"
    rows = _rows(raw, "sources.csv")
    rows[1][rows[0].index("access_date")] = "not a date"
    with open(raw / "sources.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(DataError) as caught:
        clean.load_sources(raw)
    assert "access_date" in str(caught.value) and "row 1" in str(caught.value), caught.value
