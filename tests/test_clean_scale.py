"""Cleaning at corpus scale (issue 14): the vectorised cleaning equals a row-by-row reference built from the
per-figure functions; the first bad row of a large file is named with its row and column; reading and writing
in pieces give the same results as whole-file reading and writing; ``antt clean --raw/--codebook/--out``.

The data sets are SYNTHETIC (``antt.data.synthetic``), generated into temporary folders.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antt import paths, text
from antt.data import clean, datapackage, schemas, synthetic
from antt.data import codebook as cb
from antt.data import io as dio
from antt.errors import DataError, quote
from antt.numerals import parse_figure

from conftest import run_antt

CODEBOOK = cb.load_indicators()
BOOK_ROWS = CODEBOOK.to_dict("records")
PART_WHOLE = cb.load_part_whole()
FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def _raw_folder(folder: Path, rows: int, edit=None) -> Path:
    synthetic.write_raw(folder, rows, BOOK_ROWS, edit=edit)
    return folder


@pytest.fixture(scope="module")
def medium(tmp_path_factory) -> Path:
    """6,000 SYNTHETIC figures (about 300 sources)."""
    return _raw_folder(tmp_path_factory.mktemp("medium") / "raw", 6000)


# --- the row-by-row reference --------------------------------------------------------------------------


def reference_indicators(raw: clean.RawData, codebook: pd.DataFrame) -> pd.DataFrame:
    """The processed table row by row, straight from parse_figure and parse_place (valid input only)."""
    province = dict(zip(raw.sources["source_id"], raw.sources["province"]))
    rows = []
    for fig in raw.figures.itertuples(index=False):
        parsed = parse_figure(fig.raw_text)
        assert clean.value_problem(parsed) is None
        rows.append(
            {
                "figure_id": fig.figure_id,
                "source_id": fig.source_id,
                "indicator": fig.indicator,
                **clean.parse_place(fig.place, province[fig.source_id]),
                "period_start": int(fig.period_start) if fig.period_start else None,
                "period_end": int(fig.period_end) if fig.period_end else None,
                "period_basis": fig.period_basis,
                **{k: getattr(parsed, k) for k in ("kind", "value", "denominator", "lower", "upper", "qualifier")},
                "needs_review": parsed.needs_review,
                "unit": fig.unit,
                "raw_text": fig.raw_text,
                "paragraph": int(fig.paragraph),
            }
        )
    return dio.validate(pd.DataFrame(rows, columns=list(schemas.INDICATORS.columns)), schemas.INDICATORS, "reference")


def first_error(raw: clean.RawData, codebook: pd.DataFrame, path: str = "figures.csv") -> str | None:
    """The error of row-by-row checking (``check_figure`` on each row in file order), or None."""
    sources = raw.sources.set_index("source_id")
    kinds = dict(zip(codebook["indicator"], codebook["kind"]))
    levels = dict(zip(codebook["indicator"], codebook["geo_level"]))
    for position, fig in enumerate(raw.figures.itertuples(index=False), start=1):
        try:
            clean.check_figure(
                fig, sources, kinds, levels, lambda c, m, row=position: DataError(path, m, row=row, column=c)
            )
        except DataError as exc:
            return str(exc)
    return None


def reference_quality(indicators: pd.DataFrame, part_whole: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """The quality checks figure by figure and pair by pair (a missing year matches any year)."""
    en = dict(zip(codebook["indicator"], codebook["label_en"]))
    vi = dict(zip(codebook["indicator"], codebook["label_vi"]))
    out = []

    def row(check, status, ids, message, message_vi):
        out.append({"check": check, "status": status, "figure_ids": ids, "message": message, "message_vi": message_vi})

    figs = list(indicators.itertuples())
    for f in figs:
        if f.kind == "fraction" and not math.isnan(f.value):
            sign = "≤" if f.value <= f.denominator else ">"
            status = "pass" if sign == "≤" else "fail"
            row(
                "numerator_within_denominator",
                status,
                f.figure_id,
                f"{f.raw_text}: numerator {sign} denominator",
                f"{f.raw_text}: tử số {sign} mẫu số",
            )
    same = lambda a, b: pd.isna(a) or pd.isna(b) or a == b  # noqa: E731
    for rel in part_whole.itertuples():
        for p in (f for f in figs if f.indicator == rel.part and not math.isnan(f.upper)):
            for w in (f for f in figs if f.indicator == rel.whole and not math.isnan(f.lower)):
                if (p.source_id, p.geo_name) == (w.source_id, w.geo_name) and all(
                    same(getattr(p, k), getattr(w, k)) for k in ("period_start", "period_end")
                ):
                    sign = "≤" if p.upper <= w.lower else ">"
                    part, whole = f"({p.raw_text}) {sign}", f"({w.raw_text})"
                    row(
                        "part_within_whole",
                        "pass" if sign == "≤" else "fail",
                        f"{p.figure_id};{w.figure_id}",
                        f"part «{en[rel.part]}» {part} whole «{en[rel.whole]}» {whole}",
                        f"phần «{vi[rel.part]}» {part} tổng «{vi[rel.whole]}» {whole}",
                    )
    numbers = [(f, role, getattr(f, role)) for role in ("value", "denominator") for f in figs]
    groups: dict[tuple, list] = {}
    for f, role, number in numbers:
        if f.kind in clean.COMPARABLE_KINDS and not math.isnan(number):
            groups.setdefault((f.source_id, number), []).append((f, role))
    for key in sorted(groups):
        members = groups[key]
        if len({f.indicator for f, _ in members}) > 1:
            described = "; ".join(f"«{en[f.indicator]}» ({role} of {f.raw_text})" for f, role in members)
            described_vi = "; ".join(
                f"«{vi[f.indicator]}» ({'giá trị' if role == 'value' else 'mẫu số'} của {f.raw_text})"
                for f, role in members
            )
            row(
                "repeated_value",
                "flag",
                ";".join(sorted(f.figure_id for f, _ in members)),
                f"the same value is reported for different indicators: {described}. "
                "Verify at source: coincidence or a copying error.",
                f"cùng một giá trị xuất hiện ở các chỉ tiêu khác nhau: {described_vi}. "
                "Cần đối chiếu tại nguồn: trùng hợp hay lỗi sao chép.",
            )
    for f in figs:
        if f.period_basis != "stated":
            basis_vi = "suy ra từ ngữ cảnh" if f.period_basis == "implied" else "không nêu"
            row(
                "period_not_stated",
                "flag",
                f.figure_id,
                f"period {f.period_basis.replace('_', ' ')}: {clean._period(f.period_start, f.period_end, 'unknown')}",
                f"thời gian {basis_vi}: {clean._period(f.period_start, f.period_end, 'không rõ')}",
            )
        if f.needs_review:
            row(
                "needs_review",
                "flag",
                f.figure_id,
                f"{f.raw_text!r} is ambiguous: check the source",
                f"{f.raw_text!r} không rõ nghĩa: kiểm tra lại nguồn",
            )
    table = pd.DataFrame(out, columns=list(schemas.QUALITY.columns)).astype("str")  # str even when empty
    return dio.validate(table, schemas.QUALITY, "reference")


# --- 1. the vectorised cleaning equals the reference ----------------------------------------------------


def test_a_medium_synthetic_corpus_cleans_as_row_by_row(medium, tmp_path):
    raw = clean.load_raw(medium)
    result = clean.clean(medium, paths.CODEBOOK, tmp_path / "out")
    assert len(result.indicators) == 6000 and raw.figures["raw_text"].nunique() < 6000 / 2
    pd.testing.assert_frame_equal(result.indicators, reference_indicators(raw, CODEBOOK))
    pd.testing.assert_frame_equal(result.quality, reference_quality(result.indicators, PART_WHOLE, CODEBOOK))
    checks = set(result.quality["check"])
    assert {"numerator_within_denominator", "part_within_whole", "repeated_value", "period_not_stated"} <= checks
    # Streamed to disk: the same bytes as the texts built in memory, the descriptor included.
    in_memory = clean.processed_files(result.indicators, result.quality, tmp_path / "out", medium, paths.CODEBOOK)
    for path, content in in_memory.items():
        assert path.read_bytes() == content.encode("utf-8"), path.name


SOURCES = pd.DataFrame(
    {"source_id": ["src-a", "src-b"], "province": ["Hà Nam", "Nam Định"]},
)
RAW_TEXTS = [
    "27",
    "1.630",
    "gần 20 nghìn",
    "trên 100",
    "hàng trăm",
    "không phát sinh",
    "1.216/2.018",
    "673/686",
    "45%",
    "1,5%",
    "thứ hai",
    "1,630",
    "1,216/2.018",
    "chín vụ",
    "16/2/2017",
    "250%",
    "trên 100%",
    "1,5",
    "27/30,5",
    "99999999999999999999999",
    "không có số liệu",
    "3/0",
    "hàng chục",
]
PLACES = ["xã Ngọc Lũ (Bình Lục)", "Xã Hoà Hậu", "huyện Bình Lục", "toàn tỉnh", "trong tỉnh", "tỉnh Hà Nam", "Hà Nội"]
INDICATORS = [
    "drug_addicts_registered",
    "tips_provided",
    "mediations_successful",
    "households_signed_commitment_share",
    "national_rank_e_id_activation",
    "complaints_received",
    "no_such_indicator",
]
YEARS = ["", "2018", "2022"]


@st.composite
def figure_tables(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 10))
    pick = lambda pool: [draw(st.sampled_from(pool)) for _ in range(n)]  # noqa: E731
    table = pd.DataFrame(
        {
            "figure_id": [f"f-{i}" for i in range(n)],
            "source_id": pick(["src-a", "src-a", "src-b", "no-such-source"]),
            "paragraph": pick(["1", "12"]),
            "raw_text": pick(RAW_TEXTS),
            "indicator": pick(INDICATORS),
            "place": pick(PLACES),
            "period_start": pick(YEARS),
            "period_end": pick(YEARS),
            "period_basis": pick(schemas.PERIOD_BASES),
            "unit": pick(["người", "vụ"]),
        },
        dtype="str",
    )
    return table


@FAST
@given(figures=figure_tables())
def test_the_first_bad_row_and_its_first_failing_check_are_reported_as_row_by_row(figures):
    raw = clean.RawData(SOURCES, figures, pd.DataFrame())
    expected = first_error(raw, CODEBOOK)
    try:
        table = clean.build_indicators(raw, CODEBOOK)
    except DataError as exc:
        assert str(exc) == expected
        return
    assert expected is None
    pd.testing.assert_frame_equal(table, reference_indicators(raw, CODEBOOK))


QUALITY_INDICATORS = {
    "complaints_received": "count",
    "complaints_forwarded": "count",
    "tips_provided": "count",
    "mediations_successful": "fraction",
    "households_signed_commitment_share": "percent",
    "national_rank_e_id_activation": "rank",
}


def test_one_figure_per_kind_of_place_has_the_row_by_row_types():
    """Found by hypothesis: a table whose only place is a province (no district) gave a text column where the
    row-by-row build gives object. One valid figure per place of the pool, alone in its table."""
    import itertools

    checked = 0
    for place in PLACES:
        for raw_text, indicator, year in itertools.product(RAW_TEXTS, INDICATORS, YEARS):
            row = {"figure_id": "f-0", "source_id": "src-a", "paragraph": "1", "raw_text": raw_text}
            row |= {"indicator": indicator, "place": place, "period_start": year, "period_end": year}
            row |= {"period_basis": "stated", "unit": "người"}
            raw = clean.RawData(SOURCES, pd.DataFrame([row], dtype="str"), pd.DataFrame())
            if first_error(raw, CODEBOOK) is None:
                pd.testing.assert_frame_equal(
                    clean.build_indicators(raw, CODEBOOK), reference_indicators(raw, CODEBOOK)
                )
                checked += 1
                break
    assert checked >= 3


@st.composite
def indicator_tables(draw) -> pd.DataFrame:
    rows = []
    for i in range(draw(st.integers(0, 14))):
        indicator = draw(st.sampled_from(sorted(QUALITY_INDICATORS)))
        kind = QUALITY_INDICATORS[indicator]
        value = float(draw(st.sampled_from([12, 102, 187, 190, 2018])))
        review = draw(st.booleans()) and kind in ("count", "fraction")
        denominator = float(draw(st.sampled_from([102, 187, 2018]))) if kind == "fraction" else None
        year = lambda: draw(st.sampled_from([2020, 2022, None]))  # noqa: E731
        rows.append(
            {
                "figure_id": f"fig-{i}",
                "source_id": draw(st.sampled_from(["src-a", "src-b"])),
                "indicator": indicator,
                "geo_level": "province",
                "geo_name": draw(st.sampled_from(["Hà Nam", "Nam Định"])),
                "district": None,
                "province": "Hà Nam",
                "period_start": year(),
                "period_end": year(),
                "period_basis": draw(st.sampled_from(schemas.PERIOD_BASES)),
                "kind": kind,
                "value": None if review else value,
                "denominator": denominator,
                "lower": None if review else value - draw(st.sampled_from([0, 5])),
                "upper": None if review else value + draw(st.sampled_from([0, 10])),
                "qualifier": "exact",
                "needs_review": review,
                "unit": "đơn",
                "raw_text": f"{int(value)}" + (f"/{int(denominator)}" if denominator else ""),
                "paragraph": 1,
            }
        )
    table = pd.DataFrame(rows, columns=list(schemas.INDICATORS.columns))
    numbers = dict.fromkeys(["value", "denominator", "lower", "upper"], float)
    return table.astype({"period_start": "Int64", "period_end": "Int64", "district": "str", **numbers})


@FAST
@given(indicators=indicator_tables())
def test_quality_checks_equal_the_pair_by_pair_reference(indicators):
    if indicators.empty:
        assert clean.quality_checks(indicators, PART_WHOLE, CODEBOOK).empty
        return
    got = clean.quality_checks(indicators, PART_WHOLE, CODEBOOK)
    pd.testing.assert_frame_equal(got, reference_quality(indicators, PART_WHOLE, CODEBOOK))


def test_a_part_with_an_unknown_year_is_compared_with_its_whole():
    """A missing year matches any year, on the part's side as on the whole's (row by row, a part without a
    year stopped the run with a TypeError)."""
    table = clean.clean(write=False).indicators
    table.loc[table["figure_id"] == "province-complaints-forwarded", ["period_start", "value", "lower", "upper"]] = (
        pd.NA,
        190.0,
        190.0,
        190.0,
    )
    pairs = clean.quality_checks(table, PART_WHOLE, CODEBOOK).query("check == 'part_within_whole'")
    assert list(pairs["status"]) == ["fail"]
    assert list(pairs["figure_ids"]) == ["province-complaints-forwarded;province-complaints-received"]


# --- 2. a bad row deep in a large file ----------------------------------------------------------------


def _clean_error(raw_dir: Path) -> DataError:
    with pytest.raises(DataError) as caught:
        clean.clean(raw_dir, paths.CODEBOOK, write=False)
    return caught.value


LARGE = 20_000


@pytest.mark.parametrize(
    "changes, row, column, words",
    [
        ({17345: {"raw_text": "chín vụ"}}, 17345, "raw_text", "chín vụ"),
        # The first bad row in file order, whatever its check: a place (row 12000) before a source (row 15000).
        ({15000: {"source_id": "no-such-source"}, 12000: {"place": "Hà Nội"}}, 12000, "place", "unrecognised place"),
        # Within a row, the checks' order: raw_text before place.
        ({16000: {"raw_text": "16/2/2017", "place": "Hà Nội"}}, 16000, "raw_text", "date"),
        ({18000: {"figure_id": "Not A Slug"}}, 18000, "figure_id", "str_matches"),
        ({19999: {"period_start": "2023", "period_end": "2021"}}, 19999, "period_end", "before period_start"),
    ],
)
def test_a_bad_row_deep_in_a_large_file_is_named_with_row_and_column(tmp_path, changes, row, column, words):
    raw_dir = _raw_folder(tmp_path / "raw", LARGE, edit=lambda position, values: changes.get(position))
    error = _clean_error(raw_dir)
    assert (Path(error.file).name, error.row, error.column) == ("figures.csv", row, column)
    assert words in error.message


@pytest.mark.parametrize(
    "line_change, row, expected",
    [
        (lambda line: line.rsplit(",", 3)[0], 19000, ["ends before this column", "column 'period_basis'"]),
        (lambda line: line + ",extra", 19000, ["14 fields but the header has 13"]),
        (lambda line: line.replace(",", ',"x"y,', 1), 19000, ["not a well-formed CSV"]),
    ],
)
def test_a_broken_record_deep_in_a_large_file_is_named_with_its_row(tmp_path, line_change, row, expected):
    raw_dir = _raw_folder(tmp_path / "raw", LARGE)
    figures = raw_dir / "figures.csv"
    lines = figures.read_text(encoding="utf-8").split("\n")
    lines[row] = line_change(lines[row])  # no field of a synthetic row spans lines: line number = row + 1
    figures.write_text("\n".join(lines), encoding="utf-8")
    error = _clean_error(raw_dir)
    assert error.row == row and Path(error.file).name == "figures.csv"
    for part in expected:
        assert part in str(error)


# --- 3. reading in pieces ------------------------------------------------------------------------------

CELLS = st.lists(
    st.sampled_from(
        [
            "a",
            "b",
            ",",
            '"',
            "\n",
            " ",
            "\t",
            "\x1a",
            "\x0b",
            "\u2028",
            "é",
            "#",
            "'",
            "\r\n",
            "\r",
            "nan",
            "NA",
            "1e5",
            "0012",
            "ọ",
        ]
    ),
    max_size=40,
)


@FAST
@given(body=CELLS)
def test_pandas_reads_what_the_csv_module_accepts_as_the_csv_module_does(tmp_path_factory, body):
    """read_csv_text judges a file with the csv module (strict) and builds the table with pandas: for any
    file the module accepts, the table is the module's records; anything else is a DataError."""
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes(("a,b,c\n" + "".join(body)).encode("utf-8"))
    try:
        normal = text.read_text(path)
    except text.TextEncodingError:
        return
    try:
        records = [r for r in csv.reader(io.StringIO(normal, newline=""), strict=True) if not dio._blank(r)]
    except csv.Error:
        records = None
    try:
        table = dio.read_csv_text(path, ["a", "b", "c"])
    except DataError:
        assert records is None or len(records) < 2 or any(len(r) != 3 for r in records[1:])
        return
    pd.testing.assert_frame_equal(table, pd.DataFrame(records[1:], columns=records[0], dtype=str))


@pytest.mark.parametrize("blank", ["   \n", '""\n', "\t\n", "\n\n"])
def test_blank_records_are_skipped_as_before(tmp_path, blank):
    path = tmp_path / "t.csv"
    path.write_text(f"a,b\n1,2\n{blank}3,4\n", encoding="utf-8")
    assert dio.read_csv_text(path, ["a", "b"]).to_dict("list") == {"a": ["1", "3"], "b": ["2", "4"]}


def reference_read_text(data: bytes) -> tuple[str, str | list[str]]:
    """How a file's valid UTF-8 bytes were read whole: ("text", the text), ("empty", ""), or ("mojibake" or
    "VNI", the first three examples)."""
    content = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    content = unicodedata.normalize("NFC", content.replace("\r\n", "\n").replace("\r", "\n"))
    if not content.strip():
        return "empty", ""
    if len(bad := text._MOJIBAKE_RE.findall(content)) >= text._MOJIBAKE_MIN:
        return "mojibake", bad[:3]
    words = text._WORD_RE.findall(content)
    vni = [w for w in words if text._VNI_RE.search(w)]
    if len(vni) >= text._VNI_MIN and len(vni) > sum(bool(text._VIET_RE.search(w)) for w in words):
        return "VNI", vni[:3]
    return "text", content


FRAGMENTS = st.sampled_from(
    [
        "Ngọc Lũ",
        "hòa",
        "hoa\u0300",
        " ",
        "\n",
        "\r\n",
        "\r",
        "1.630",
        "Ã¡",
        "áº¡",
        "Ã",
        "Ngoïc",
        "Vieät",
        "ñaø",
        "ña",
        "khaùc",
        "aü",
        "cañ",
        "Ñoà",
        "Noël",
        "\u212b",
        "x",
        "Ồ",
        "a\u0301",
    ]
)


@FAST
@given(parts=st.lists(FRAGMENTS, min_size=1, max_size=30), size=st.sampled_from([1, 3, 16, 1 << 20]))
def test_reading_in_pieces_equals_reading_whole(tmp_path_factory, parts, size):
    path = tmp_path_factory.mktemp("txt") / "t.txt"
    data = "".join(parts).encode("utf-8")
    path.write_bytes(data)
    if not data.strip():
        return
    kind, expected = reference_read_text(data)
    if kind == "text":
        assert text.read_utf8(path, chunk_bytes=size) == expected.encode("utf-8")
        return
    with pytest.raises(text.TextEncodingError) as caught:
        text.read_utf8(path, chunk_bytes=size)
    message = str(caught.value)
    assert (kind if kind != "empty" else "file is empty") in message
    if kind != "empty":
        assert f"(e.g. {', '.join(map(quote, expected))})" in message


@pytest.mark.parametrize(
    "lines, examples",
    [
        (["Ã¡ một", "hai Ã©", "ba áº¡ Ã³"], ["Ã¡", "Ã©", "áº¡"]),
        (["Ngoïc Vieät", "nhaø", "ñaø khaùc"], ["Ngoïc", "Vieät", "nhaø"]),
    ],
)
def test_examples_of_damage_are_the_first_three_of_the_file(tmp_path, lines, examples):
    path = tmp_path / "t.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for size in (1, 1 << 20):
        with pytest.raises(text.TextEncodingError) as caught:
            text.read_utf8(path, chunk_bytes=size)
        assert f"(e.g. {', '.join(map(quote, examples))})" in str(caught.value)


def test_a_utf8_error_is_reported_at_its_offset_in_any_piece(tmp_path):
    path = tmp_path / "t.csv"
    data = ("a,b\n" + "ọ,1\n" * 1000).encode("utf-8") + b"\xff,2\n"
    path.write_bytes(data)
    for size in (1, 10, 1 << 20):
        with pytest.raises(text.TextEncodingError, match=f"byte 0xff at offset {len(data) - 4}"):
            text.read_utf8(path, chunk_bytes=size)


def test_the_rare_characters_include_every_case_variant():
    """The scan for VNI and mojibake looks for the characters of ``_RARE_RE``: every character that the
    case-insensitive classes of ``_VNI_RE`` accept as a tone byte or an ñ, and every mojibake lead."""
    seconds = re.compile("[äåëïøûüù]|ñ", re.IGNORECASE)
    needed = {chr(c) for c in range(0x110000) if seconds.fullmatch(chr(c))} | set(text._MOJIBAKE_LEADS)
    assert {c for c in needed if text._RARE_RE.fullmatch(c)} == needed


# --- 4. writing in pieces --------------------------------------------------------------------------------


@st.composite
def tables(draw) -> pd.DataFrame:
    n = draw(st.integers(0, 8))
    strings = st.one_of(st.none(), st.text(st.sampled_from('ab ,"\n\r\tọ;'), max_size=6))
    floats = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 1.5, 1630.0, 2.0**53, 2.0**60, 1e-7, 0.1 + 0.2]))
    return pd.DataFrame(
        {
            "text": pd.Series(draw(st.lists(strings, min_size=n, max_size=n)), dtype="str"),
            "number": pd.Series(draw(st.lists(floats, min_size=n, max_size=n)), dtype=float),
            "year": pd.array(draw(st.lists(st.sampled_from([None, 2020, 1999]), min_size=n, max_size=n)), "Int64"),
            "flag": pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool),
            "count": pd.Series(draw(st.lists(st.integers(0, 10**12), min_size=n, max_size=n)), dtype=np.int64),
        }
    )


@FAST
@given(table=tables())
def test_the_csv_writer_writes_what_pandas_writes(table):
    expected = table.to_csv(index=False, lineterminator="\n", float_format=dio._format_float)
    assert dio.csv_text(table) == expected


def test_the_csv_writer_writes_in_pieces(monkeypatch):
    table = clean.clean(write=False).indicators
    whole = dio.csv_text(table)
    monkeypatch.setattr(dio, "_CSV_ROWS", 4)
    assert dio.csv_text(table) == whole == (paths.PROCESSED / "indicators.csv").read_text(encoding="utf-8")


def test_streamed_files_are_all_or_nothing(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "a.csv").write_text("old", encoding="utf-8")
    with pytest.raises(ZeroDivisionError), dio.AtomicFiles() as out:
        out.write_csv(target / "a.csv", clean.clean(write=False).quality)
        out.write_json(target / "b.json", {"x": 1})
        1 / 0  # noqa: B018 - an interruption before commit
    assert sorted(p.name for p in target.iterdir()) == ["a.csv"] and (target / "a.csv").read_text() == "old"


# --- 5. the command line ---------------------------------------------------------------------------------


def _error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1 and len(lines) == 1, result.stdout + result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in lines[0]
    return lines[0]


def test_antt_clean_reads_and_writes_the_folders_given(tmp_path):
    raw_dir = _raw_folder(tmp_path / "raw", 2000)
    result = run_antt(
        paths.ROOT, "clean", "--raw", str(raw_dir), "--codebook", str(paths.CODEBOOK), "--out", str(tmp_path / "out")
    )
    assert result.returncode == 0, result.stderr
    assert f"2000 indicators written to {tmp_path / 'out'}" in result.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [*datapackage.TABLES.values(), datapackage.DESCRIPTOR]
    )


def test_antt_clean_on_bad_input_names_file_row_and_column_and_writes_nothing(tmp_path):
    raw_dir = _raw_folder(tmp_path / "raw", 2000, edit=lambda row, values: {"raw_text": "1,5"} if row == 1500 else None)
    out = tmp_path / "out"
    result = run_antt(paths.ROOT, "clean", "--raw", str(raw_dir), "--out", str(out))
    line = _error_line(result)
    for part in ("figures.csv", "row 1500", "column 'raw_text'"):
        assert part in line
    assert not out.exists()


@pytest.mark.parametrize("where", ["the raw folder", "inside it", "data/raw"])
def test_antt_clean_refuses_to_write_into_a_raw_folder(project_copy, where):
    raw_dir = _raw_folder(project_copy / "synthetic", 50)
    out = {"the raw folder": raw_dir, "inside it": raw_dir / "processed", "data/raw": project_copy / "data/raw"}[where]
    before = {p: p.read_bytes() for p in sorted(project_copy.joinpath("data").rglob("*")) if p.is_file()}
    raw_files = {p: p.read_bytes() for p in raw_dir.iterdir()}
    result = run_antt(project_copy, "clean", "--raw", str(raw_dir), "--out", str(out))
    assert "--out" in _error_line(result)
    assert {p: p.read_bytes() for p in raw_dir.iterdir()} == raw_files
    assert {p: p.read_bytes() for p in sorted(project_copy.joinpath("data").rglob("*")) if p.is_file()} == before
