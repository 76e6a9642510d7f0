"""Bad input: one clear error naming file, row and column; a non-zero exit; nothing written."""

import unicodedata

import pytest

from conftest import ROOT, TOY_WRITER, run_antt

FIGURES = "data/raw/figures.csv"


def _edit(root, name, transform):
    path = root / name
    path.write_text(transform(path.read_text(encoding="utf-8")), encoding="utf-8")


def _replace_cell(row: int, column: str, value: str):
    """Transform: set one cell of figures.csv (row is 1-based over data rows)."""
    import csv
    import io

    def apply(text: str) -> str:
        rows = list(csv.reader(io.StringIO(text)))
        rows[row][rows[0].index(column)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue()

    return apply


def _drop_column(column: str):
    import csv
    import io

    def apply(text: str) -> str:
        rows = list(csv.reader(io.StringIO(text)))
        index = rows[0].index(column)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([r[:index] + r[index + 1 :] for r in rows])
        return out.getvalue()

    return apply


CASES = {
    "value that does not parse": (
        FIGURES,
        _replace_cell(3, "raw_text", "chín vụ"),
        ["figures.csv", "row 3", "column 'raw_text'", "chín vụ"],
    ),
    "date as a figure": (FIGURES, _replace_cell(5, "raw_text", "16/2/2017"), ["row 5", "raw_text", "date"]),
    "unknown source_id": (
        FIGURES,
        _replace_cell(2, "source_id", "no-such-source"),
        ["row 2", "column 'source_id'", "no-such-source"],
    ),
    "unknown indicator": (
        FIGURES,
        _replace_cell(4, "indicator", "new_addicts_typo"),
        ["row 4", "column 'indicator'", "codebook"],
    ),
    "kind mismatch": (FIGURES, _replace_cell(29, "raw_text", "673"), ["row 29", "raw_text", "fraction"]),
    "unknown place": (FIGURES, _replace_cell(1, "place", "Hà Nội"), ["row 1", "column 'place'"]),
    "missing column": (FIGURES, _drop_column("unit"), ["figures.csv", "column 'unit'", "missing"]),
    "misspelt column": (
        FIGURES,
        lambda t: t.replace(",indicator,", ",indicatr,", 1),
        ["column 'indicator'", "indicatr", "misspelt"],
    ),
    "duplicated figure_id": (
        FIGURES,
        _replace_cell(7, "figure_id", "ngoc-lu-2022-illicit-drug-users"),
        ["figures.csv", "row 2", "column 'figure_id'", "unique"],
    ),
    "evidence over 15 words": (
        FIGURES,
        _replace_cell(6, "evidence", " ".join(["từ"] * 16)),
        ["row 6", "column 'evidence'", "15 words"],
    ),
    "bad year": (FIGURES, _replace_cell(1, "period_start", "22"), ["row 1", "column 'period_start'"]),
    "empty file": (FIGURES, lambda t: "", ["figures.csv", "empty"]),
    "header only": (FIGURES, lambda t: t.splitlines()[0] + "\n", ["figures.csv", "no rows"]),
    "unknown exclusion source": (
        "data/raw/exclusions.csv",
        lambda t: t.replace("\nbaohanam-mttq-antt,4,", "\nother-source,4,", 1),
        ["exclusions.csv", "row 3", "column 'source_id'"],
    ),
    "bad codebook kind": (
        "data/codebook/indicators.csv",
        lambda t: t.replace(",drugs,count,", ",drugs,tally,", 1),
        ["indicators.csv", "row 1", "column 'kind'"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gives_one_clear_error_and_writes_nothing(project_copy, case):
    name, transform, expected = CASES[case]
    processed = project_copy / "data" / "processed"
    before = {p.name: p.read_bytes() for p in processed.iterdir()}
    _edit(project_copy, name, transform)
    result = run_antt(project_copy, "clean")
    assert result.returncode == 1, result.stdout + result.stderr
    message = result.stderr.strip()
    assert message.startswith("error: ") and "Traceback" not in message, message
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    assert {p.name: p.read_bytes() for p in processed.iterdir()} == before


@pytest.mark.parametrize("encoding", ["cp1258", "utf-16"])
def test_wrong_encoding_is_refused(project_copy, encoding):
    path = project_copy / FIGURES
    text = (
        unicodedata.normalize("NFD", path.read_text(encoding="utf-8"))
        if encoding == "cp1258"
        else path.read_text(encoding="utf-8")
    )
    path.write_bytes(text.encode(encoding, errors="replace"))
    result = run_antt(project_copy, "clean")
    assert result.returncode == 1
    assert "figures.csv" in result.stderr and "UTF-8" in result.stderr


def test_a_binary_file_is_refused(project_copy):
    (project_copy / FIGURES).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    result = run_antt(project_copy, "clean")
    assert result.returncode == 1 and "binary" in result.stderr


def test_the_good_copy_cleans(project_copy):
    result = run_antt(project_copy, "clean")
    assert result.returncode == 0, result.stderr
    for name in ("indicators.csv", "quality.csv"):
        assert (project_copy / "data/processed" / name).read_bytes() == (ROOT / "data/processed" / name).read_bytes()


@pytest.mark.slow
def test_make_reports_path_fails_cleanly_on_bad_input(toy_project):
    """Through the runner (what `make reports` calls), in the toy project whose first notebook runs the real
    cleaning: non-zero exit, the error names the notebook, file, row and column, and neither processed data
    nor reports are touched."""
    snapshot = {p: p.read_bytes() for p in sorted((toy_project / "data/processed").iterdir())}
    reports = {
        p: p.read_bytes() for p in sorted((toy_project / "reports").rglob("*")) if p.is_file() and p.name != ".lock"
    }
    _edit(toy_project, FIGURES, _replace_cell(3, "raw_text", "9 ,5,"))
    result = run_antt(toy_project, "run", "--only", "01")
    assert result.returncode == 1
    assert TOY_WRITER in result.stderr and "figures.csv" in result.stderr and "row 3" in result.stderr
    assert {p: p.read_bytes() for p in sorted((toy_project / "data/processed").iterdir())} == snapshot
    failed = toy_project / "reports" / "failed" / f"{TOY_WRITER}.ipynb"
    assert failed.exists()
    after = {
        p: p.read_bytes()
        for p in sorted((toy_project / "reports").rglob("*"))
        if p.is_file() and "failed" not in p.parts and p.name != ".lock"
    }
    manifest = toy_project / "reports" / "manifest.json"
    assert {k: v for k, v in after.items() if k != manifest} == {k: v for k, v in reports.items() if k != manifest}
