"""A researcher's own series (antt.data.series): place matching, cell checks with file/row/column,
provenance, and the template and data dictionary agreeing. Every series here is written to a
temporary folder; the counts are placeholders, not data."""

from __future__ import annotations

import csv
import io
import tempfile
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antt.data import clean, codebook, schemas
from antt.data.series import (
    COLUMNS,
    TEMPLATE,
    LoadedSeries,
    load_series,
    match_place,
    period_text,
    place_key,
    registered_sources,
    used_sources,
)
from antt.errors import DataError
from antt.reporting.provenance import series_citation_lines

from conftest import ROOT

OUTCOME = "new_drug_addicts"
SOURCES = pd.DataFrame(
    {
        "source_id": ["commune-police-records", "district-report"],
        "citation": ["Công an xã (placeholder). Sổ theo dõi người nghiện", "Huyện (placeholder). Báo cáo tổng kết"],
        "publication_date": ["unknown", "2024-01-15"],
    }
)


def write(tmp_path: Path, rows: list[dict], columns: tuple[str, ...] | None = None, name: str = "series.csv") -> Path:
    columns = columns or tuple(c for c in COLUMNS if any(c in r for r in rows))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r.get(c, "") for c in columns])
    path = tmp_path / name
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def yearly(
    place: str = "Ngọc Lũ",
    years=range(2015, 2021),
    source: str = "commune-police-records",
    indicator: str = OUTCOME,
    **extra,
) -> list[dict]:
    return [
        {"source_id": source, "place": place, "indicator": indicator, "year": str(y), "count": str(i % 4), **extra}
        for i, y in enumerate(years)
    ]


def load(path: Path, place: str = "Ngọc Lũ", indicator: str = OUTCOME) -> LoadedSeries:
    return load_series(path, place, indicator, sources=SOURCES)


def fails(path: Path, place: str = "Ngọc Lũ", indicator: str = OUTCOME, sources=SOURCES) -> DataError:
    with pytest.raises(DataError) as info:
        load_series(path, place, indicator, sources=sources)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message and "Traceback" not in message
    return info.value


# --- place matching ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "Ngoc Lu",
        "xã ngọc lũ",
        "Xã Ngọc Lũ",
        unicodedata.normalize("NFD", "Ngọc Lũ"),
        "xa Ngoc-Lu",
        "X. Ngọc Lũ",
        "Ngoc Lu commune",
        "xã Ngọc Lũ (Bình Lục)",
        "  NGỌC   LŨ ",
    ],
)
def test_the_forms_people_type_match_ngoc_lu(tmp_path, written):
    loaded = load(write(tmp_path, yearly(place=written)))
    assert loaded.place == unicodedata.normalize("NFC", written.strip())  # as written, edges trimmed
    assert len(loaded.frame) == 6


@pytest.mark.parametrize("requested", ["Ngoc Lu", "ngọc lũ", "xã Ngọc Lũ", unicodedata.normalize("NFD", "Ngọc Lũ")])
def test_the_requested_place_may_be_typed_the_same_ways(tmp_path, requested):
    assert len(load(write(tmp_path, yearly(place="Ngọc Lũ")), place=requested).frame) == 6


def test_place_key():
    forms = [
        "Ngoc Lu",
        "ngọc lũ",
        "Xã Ngọc Lũ",
        unicodedata.normalize("NFD", "Xã Ngọc Lũ"),
        "ngoc_lu",
        "phường Ngọc Lũ",
    ]
    assert {place_key(f) for f in forms} == {"ngoc lu"}
    assert place_key("Thị trấn Bình Mỹ") == place_key("TT.Bình Mỹ") == "binh my"
    assert place_key("Đồng Văn") == "dong van"
    assert place_key("Phương Đình") == "phuong dinh"  # a name that begins like «phường»


def test_tone_mark_style_does_not_matter(tmp_path):
    assert load(write(tmp_path, yearly(place="xã Hoà Bình")), place="Hòa Bình").place == "xã Hoà Bình"


def test_another_tone_is_another_name_and_the_error_says_so(tmp_path):
    error = fails(write(tmp_path, yearly(place="Ngọc Lủ")))
    assert error.column == "place" and "'Ngọc Lủ'" in error.message and "other diacritics" in error.message


def test_plain_and_full_spellings_in_one_file_are_one_place(tmp_path):
    rows = yearly(place="Ngoc Lu", years=range(2012, 2016)) + yearly(place="xã Ngọc Lũ", years=range(2016, 2020))
    loaded = load(write(tmp_path, rows))
    assert loaded.place == "xã Ngọc Lũ" and set(loaded.places) == {"Ngoc Lu", "xã Ngọc Lũ"}
    assert list(loaded.frame["year"]) == list(range(2012, 2020))


def test_a_spelling_that_could_mean_two_places_is_refused(tmp_path):
    path = write(tmp_path, yearly(place="Ngọc Lũ") + yearly(place="Ngọc Lủ"))
    error = fails(path, place="Ngoc Lu")
    assert "ambiguous" in error.message and "'Ngọc Lũ'" in error.message and "'Ngọc Lủ'" in error.message
    assert len(load(path, place="Ngọc Lũ").frame) == 6  # written in full, it is not ambiguous


def test_two_districts_need_the_district(tmp_path):
    path = write(tmp_path, yearly(place="xã An Lão (Bình Lục)") + yearly(place="xã An Lão (Kim Bảng)"))
    assert "ambiguous" in fails(path, place="An Lão").message
    assert load(path, place="An Lão (Bình Lục)").place == "xã An Lão (Bình Lục)"


def test_an_unknown_place_lists_the_places_of_the_file(tmp_path):
    path = write(tmp_path, yearly(place="Công Lý") + yearly(place="xã Tiêu Động"))
    error = fails(path, place="Ngoc Luu")
    assert error.column == "place" and error.row is None
    assert error.message == (
        "no rows for place 'Ngoc Luu' (indicator 'new_drug_addicts'); places in the file: 'Công Lý', 'xã Tiêu Động'"
    )


def test_a_long_list_of_places_is_cut():
    written = [f"Xã {i:03d}" for i in range(40)]
    with pytest.raises(DataError, match="and 28 more"):
        match_place("Ngọc Lũ", written, "f.csv")


# --- indicators ----------------------------------------------------------------------------------


def test_a_misspelt_requested_indicator_is_refused_with_the_close_match(tmp_path):
    error = fails(write(tmp_path, yearly()), indicator="new_drug_adicts")
    assert "indicator 'new_drug_adicts' is not a key" in error.message and "'new_drug_addicts'" in error.message


def test_a_misspelt_indicator_in_the_file_names_its_row(tmp_path):
    rows = yearly()
    rows[3]["indicator"] = "new_drug_adicts"
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (4, "indicator") and "did you mean 'new_drug_addicts'" in error.message


def test_an_indicator_absent_for_the_place_lists_those_present(tmp_path):
    error = fails(write(tmp_path, yearly(indicator="drug_cases_uncovered")))
    assert (
        error.column == "indicator" and "indicators for this place in the file: 'drug_cases_uncovered'" in error.message
    )


def test_a_series_holds_counts_not_percentages(tmp_path):
    assert "a percent" in fails(write(tmp_path, yearly()), indicator="households_signed_commitment_share").message


# --- cells ---------------------------------------------------------------------------------------


def test_a_blank_population_cell_names_row_and_column(tmp_path):
    rows = yearly(population="5000")
    rows[2]["population"] = ""
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (3, "population") and "blank population" in error.message
    assert "row 3 (line 4)" in str(error)


def test_an_entirely_blank_month_column_is_a_yearly_series(tmp_path):
    loaded = load(write(tmp_path, yearly(), columns=COLUMNS))
    assert not loaded.monthly and list(loaded.frame.columns) == ["year", "count"]
    assert loaded.first_month is None and period_text(loaded) == "2015–2020"


def test_a_partly_blank_month_column_names_row_and_column(tmp_path):
    rows = yearly(month="1")
    rows[4]["month"] = ""
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (5, "month") and "blank month" in error.message


@pytest.mark.parametrize(
    "column, value, why",
    [
        ("count", "-1", "must not be negative"),
        ("count", "2.5", "digits only"),
        ("count", "1.630", "thousands separators"),
        ("count", "1.234.567", "digits only"),
        ("count", "9" * 5000, "between 0 and"),
        ("count", "ba", "whole number"),
        ("count", "", "blank cell"),
        ("year", "1850", "between 1900 and 2100"),
        ("year", "", "blank cell"),
        ("month", "13", "between 1 and 12"),
        ("population", "0", "between 1 and"),
        ("source_id", "Police Records", "slug"),
        ("place", "", "blank cell"),
        ("place", "Ngọc\u200bLũ", "U+200B"),
    ],
)
def test_bad_cells_are_reported_with_row_and_column(tmp_path, column, value, why):
    rows = yearly(month="6", population="5000")
    rows[1][column] = value
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (2, column) and why in error.message


def test_several_problems_are_counted(tmp_path):
    rows = yearly()
    rows[1]["count"], rows[3]["year"] = "x", "y"
    error = fails(write(tmp_path, rows))
    assert error.row == 2 and "(1 more problem(s) in this file)" in error.message


def test_a_duplicate_year_is_refused(tmp_path):
    rows = yearly() + yearly(years=[2017])
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (7, "year") and "rows 3 and 7" in error.message


def test_the_same_year_under_two_spellings_is_a_duplicate(tmp_path):
    error = fails(write(tmp_path, yearly(place="Ngọc Lũ") + yearly(place="Ngoc Lu", years=[2016])))
    assert error.row == 7 and "appears twice" in error.message


def test_two_sources_may_not_overlap(tmp_path):
    rows = yearly(years=range(2012, 2018)) + yearly(years=range(2017, 2020), source="district-report")
    error = fails(write(tmp_path, rows))
    assert "'commune-police-records' and 'district-report'" in error.message and "overlap" in error.message


def test_two_sources_that_do_not_overlap_are_both_cited(tmp_path):
    rows = yearly(years=range(2012, 2017)) + yearly(years=range(2017, 2020), source="district-report")
    loaded = load(write(tmp_path, rows))
    assert loaded.source_ids == ("commune-police-records", "district-report")
    assert (loaded.first_year, loaded.last_year) == (2012, 2019) and period_text(loaded) == "2012–2019"
    assert series_citation_lines(loaded, "en", SOURCES) == [
        "Công an xã (placeholder). Sổ theo dõi người nghiện (not stated) — data for 2012–2016",
        "Huyện (placeholder). Báo cáo tổng kết (2024-01-15) — data for 2017–2019",
    ]
    assert list(used_sources(loaded, SOURCES)["source_id"]) == list(loaded.source_ids)


def test_an_unregistered_source_is_refused(tmp_path):
    rows = yearly(source="my-own-records")
    error = fails(write(tmp_path, rows), sources=None)  # the project's data/raw/sources.csv
    assert (error.row, error.column) == (1, "source_id") and "not registered in data/raw/sources.csv" in error.message
    assert "docs/own_series.md" in error.message


def _sidecar_row(source_id: str, citation: str) -> dict:
    project = clean.load_sources()
    row = project.iloc[0].to_dict()
    row.update(source_id=source_id, citation=citation, title="Sổ theo dõi (placeholder)", text_file="series.csv")
    return row


def test_a_sources_csv_beside_the_series_registers_its_source(tmp_path):
    path = write(tmp_path, yearly(source="my-own-records"))
    pd.DataFrame([_sidecar_row("my-own-records", "Công an xã (placeholder), sổ theo dõi")]).to_csv(
        tmp_path / "sources.csv", index=False
    )
    loaded = load_series(path, "Ngọc Lũ", OUTCOME)
    assert loaded.source_ids == ("my-own-records",)
    assert series_citation_lines(loaded, "en")[0].startswith("Công an xã (placeholder), sổ theo dõi")
    registered = registered_sources(path)
    assert set(clean.load_sources()["source_id"]) < set(registered["source_id"])


def test_a_sidecar_may_not_redefine_a_project_source(tmp_path):
    path = write(tmp_path, yearly(source="baohanam-mttq-antt"))
    pd.DataFrame([_sidecar_row("baohanam-mttq-antt", "Another citation")]).to_csv(tmp_path / "sources.csv", index=False)
    with pytest.raises(DataError) as caught:
        load_series(path, "Ngọc Lũ", OUTCOME)
    assert caught.value.column == "source_id" and "also registered" in caught.value.message


def test_a_registered_source_from_sources_csv_is_accepted(tmp_path):
    loaded = load_series(write(tmp_path, yearly(source="baohanam-mttq-antt")), "Ngoc Lu", OUTCOME)
    assert loaded.source_ids == ("baohanam-mttq-antt",)
    assert series_citation_lines(loaded, "vi")[0].endswith("(không rõ)")


def test_the_frame_period_and_provenance(tmp_path):
    rows = [
        {
            "source_id": "commune-police-records",
            "place": "Ngọc Lũ",
            "indicator": OUTCOME,
            "year": str(y),
            "month": str(m),
            "count": str(m % 3),
            "population": "9000",
        }
        for y in (2021, 2020)
        for m in (12, 3, 1)
    ]
    rows.append(
        {
            "source_id": "district-report",
            "place": "Công Lý",
            "indicator": OUTCOME,
            "year": "2020",
            "month": "1",
            "count": "4",
            "population": "100",
        }
    )
    path = write(tmp_path, rows)
    loaded = load(path)
    assert list(loaded.frame.columns) == ["year", "month", "count", "population"]
    assert all(str(t) == "int64" for t in loaded.frame.dtypes)
    assert list(zip(loaded.frame["year"], loaded.frame["month"])) == [
        (2020, 1),
        (2020, 3),
        (2020, 12),
        (2021, 1),
        (2021, 3),
        (2021, 12),
    ]
    assert (loaded.monthly, loaded.first_month, loaded.last_month) == (True, 1, 12)
    assert period_text(loaded) == "01/2020–12/2021"
    assert loaded.source_ids == ("commune-police-records",) and loaded.rows == (1, 2, 3, 4, 5, 6)
    assert loaded.path == path and loaded.indicator == OUTCOME


def test_whole_file_problems(tmp_path):
    assert "file not found" in fails(tmp_path / "absent.csv").message
    header_only = tmp_path / "header.csv"
    header_only.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    assert "no rows" in fails(header_only).message
    missing = write(tmp_path, [{k: v for k, v in r.items() if k != "source_id"} for r in yearly()])
    assert fails(missing).column == "source_id"


def test_the_file_is_never_modified(tmp_path):
    path = write(tmp_path, yearly(place="Ngoc Lu"))
    before = path.read_bytes()
    load(path)
    assert path.read_bytes() == before


# --- template and data dictionary ----------------------------------------------------------------


def test_the_template_header_is_the_codebook_series_table():
    columns = codebook.load_columns()
    documented = list(columns.loc[columns["table"] == "series", "column"])
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()
    assert lines == [",".join(documented)], "the template holds its header and nothing else (no invented numbers)"
    assert documented == list(COLUMNS) == list(schemas.SERIES.columns)
    required = list(columns.loc[(columns["table"] == "series") & (columns["required"] == "yes"), "column"])
    assert required == ["source_id", "place", "indicator", "year", "count"]


def test_the_docs_show_the_real_command_and_link_the_guide():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/own_series.md" in readme
    for name in ("own_series.md", "own_series.vi.md"):
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        assert "antt run --only 03 -p series_path=" in text and "data/templates/series_template.csv" in text


# --- any messy file: a result or a DataError, nothing else ------------------------------------------

_CELLS = st.one_of(
    st.sampled_from(["Ngọc Lũ", "Ngoc Lu", OUTCOME, "commune-police-records", "2015", "2016", "2017", "3", "5"]),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "7",
            "-3",
            "1.630",
            "2,5",
            "2019",
            "1899",
            "13",
            "12",
            "1e3",
            "ngoc lu",
            "Ngọc Lũ",
            "xã Ngọc Lũ",
            "Ngọc Lủ",
            "Ngoc Lu (A)",
            OUTCOME,
            "black_credit_crimes",
            "new_drug_adicts",
            "commune-police-records",
            "district-report",
            "Unregistered",
            "\u200b",
            '"',
            "NaN",
            "None",
            "99999999999999999999",
            "(",
            "()",
            "xã",
            "X.",
        ]
    ),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
)


_VALID_HEADER = st.sets(st.sampled_from(["month", "population"])).flatmap(
    lambda optional: st.permutations(["source_id", "place", "indicator", "year", "count", *sorted(optional)])
)
_ANY_HEADER = st.lists(st.sampled_from(COLUMNS + ("extra",)), min_size=1, max_size=8)


_GOOD = {
    "source_id": st.sampled_from(["commune-police-records", "district-report"]),
    "place": st.sampled_from(["Ngọc Lũ", "Ngoc Lu", "xã Ngọc Lũ", "Ngọc Lủ", "Công Lý", "Ngọc Lũ (A)"]),
    "indicator": st.sampled_from([OUTCOME, OUTCOME, "black_credit_crimes"]),
    "year": st.integers(2010, 2025).map(str),
    "month": st.one_of(st.just(""), st.integers(1, 12).map(str)),
    "count": st.integers(0, 50).map(str),
    "population": st.one_of(st.just(""), st.integers(1, 10**5).map(str)),
    "extra": st.just(""),
}


@st.composite
def _messy_tables(draw):
    columns = draw(st.one_of(_VALID_HEADER, _VALID_HEADER, _VALID_HEADER, _ANY_HEADER))
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.integers(0, 19)):
            rows.append([draw(_GOOD[c]) if draw(st.integers(0, 5)) else draw(_CELLS) for c in columns])
        else:  # now and then a short or long row
            rows.append(draw(st.lists(_CELLS, max_size=9)))
    return columns, rows


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=_messy_tables(),
    place=st.sampled_from(["Ngọc Lũ", "Ngoc Lu", "", "xã", "Công Lý"]),
    indicator=st.sampled_from([OUTCOME, "nope", ""]),
)
def test_any_messy_file_gives_a_series_or_a_data_error(table, place, indicator):
    columns, rows = table
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "messy.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        try:
            loaded = load_series(path, place, indicator, sources=SOURCES)
        except DataError as exc:
            assert "\n" not in str(exc)
        else:
            assert len(loaded.frame) >= 1 and loaded.frame["count"].ge(0).all()


@settings(max_examples=60, deadline=None)
@given(
    years=st.lists(st.integers(1900, 2100), min_size=1, max_size=12, unique=True),
    counts=st.lists(st.integers(0, 10**6), min_size=12, max_size=12),
)
def test_valid_yearly_series_round_trip(years, counts):
    with tempfile.TemporaryDirectory() as folder:
        rows = [
            {
                "source_id": "commune-police-records",
                "place": "xã Ngọc Lũ",
                "indicator": OUTCOME,
                "year": str(y),
                "count": str(c),
            }
            for y, c in zip(years, counts)
        ]
        loaded = load(write(Path(folder), rows), place="Ngoc Lu")
    assert list(loaded.frame["year"]) == sorted(years)
    assert dict(zip(loaded.frame["year"], loaded.frame["count"])) == dict(zip(years, counts))
    assert (loaded.first_year, loaded.last_year) == (min(years), max(years))


def test_covers_says_whether_a_file_has_the_place_without_checking_sources(tmp_path):
    from antt.data.series import NoRowsError, covers

    path = write(tmp_path, yearly(place="Ngoc Lu", source="not-yet-registered"))
    assert covers(path, "Ngọc Lũ", OUTCOME) and not covers(path, "Công Lý", OUTCOME)
    assert not covers(path, "Ngọc Lũ", "black_credit_crimes")
    assert isinstance(fails(path, place="Công Lý"), NoRowsError)
    with pytest.raises(DataError):
        covers(path, "Ngọc Lũ", "new_drug_adicts")
