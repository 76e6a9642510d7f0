"""A commune-year panel (antt.data.panel): units from names as sources write them, cell checks with
file/row/column, adoption years, gaps and zeros, sources, naming units in parameters, and the template and
data dictionary agreeing. Every panel here is written to a temporary folder; the counts are placeholders,
not data."""

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
from antt.data.panel import (
    COLUMNS,
    GUIDE,
    OPTIONAL,
    REQUIRED,
    TEMPLATE,
    LoadedPanel,
    find_units,
    indicators_in_panel,
    load_panel,
    used_sources,
)
from antt.data.series import NoRowsError
from antt.errors import DataError

from conftest import ROOT

OUTCOME = "new_drug_addicts"
SOURCE = "commune-police-records"
SOURCES = pd.DataFrame(
    {
        "source_id": [SOURCE, "district-report", "example-placeholder-not-data"],
        "citation": ["Công an xã (placeholder)", "Huyện (placeholder)", "Template (placeholder)"],
        "publication_date": ["unknown", "2024-01-15", "unknown"],
    }
)
NGOC_LU = ("Ngọc Lũ", "Bình Lục", "Hà Nam")


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def csv_text(rows: list[dict], columns: tuple[str, ...] | None = None) -> str:
    columns = columns or tuple(c for c in COLUMNS if c in REQUIRED or any(c in r for r in rows))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r.get(c, "") for c in columns])
    return buf.getvalue()


def write(folder: Path, rows: list[dict], columns: tuple[str, ...] | None = None, name: str = "panel.csv") -> Path:
    path = folder / name
    path.write_text(csv_text(rows, columns), encoding="utf-8")
    return path


def unit_rows(
    place: tuple[str, str, str] = NGOC_LU,
    years=range(2015, 2021),
    adoption: str = "",
    indicator: str = OUTCOME,
    source: str = SOURCE,
    **extra,
) -> list[dict]:
    commune, district, province = place
    return [
        {
            "source_id": source,
            "commune": commune,
            "district": district,
            "province": province,
            "indicator": indicator,
            "year": str(y),
            "count": str(i % 4),
            "adoption_year": adoption,
            **extra,
        }
        for i, y in enumerate(years)
    ]


def load(path: Path, indicator: str = OUTCOME) -> LoadedPanel:
    return load_panel(path, indicator, sources=SOURCES)


def fails(path: Path, indicator: str = OUTCOME, sources=SOURCES) -> DataError:
    with pytest.raises(DataError) as info:
        load_panel(path, indicator, sources=sources)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message and "Traceback" not in message
    return info.value


# --- template and data dictionary ----------------------------------------------------------------


def test_the_template_loads_and_its_source_is_a_placeholder():
    panel = load(TEMPLATE)
    assert panel.source_ids == ("example-placeholder-not-data",)
    assert len(panel.units) == 3 and not panel.gaps
    assert list(panel.adoption.values()) == [2020, 2021, None]  # staggered adoption and a comparison unit
    assert "population" not in panel.frame  # an entirely blank column is no column
    with pytest.raises(DataError, match="not registered"):  # never mistaken for data
        load_panel(TEMPLATE, OUTCOME)


def test_the_template_header_is_the_codebook_panel_table():
    columns = codebook.load_columns()
    documented = columns[columns["table"] == "panel"]
    header = TEMPLATE.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(documented["column"])
    assert list(documented["column"]) == list(COLUMNS) == list(schemas.PANEL.columns)
    assert set(REQUIRED) | set(OPTIONAL) == set(COLUMNS)
    # adoption_year: a required column whose cells may be empty; population: an optional column
    values = dict(zip(documented["column"], documented["required"]))
    assert [c for c, r in values.items() if r == "no"] == ["population", "adoption_year"]
    assert "adoption_year" in REQUIRED and OPTIONAL == ("population",)


def test_the_typed_rows_follow_the_pandera_schema():
    rows = pd.read_csv(TEMPLATE, dtype=str, keep_default_na=False)
    rows["population"] = None
    rows["adoption_year"] = rows["adoption_year"].replace("", None)
    schemas.PANEL.validate(rows)


def test_the_guides_exist_in_both_languages():
    for name in ("panel.md", "panel.vi.md"):
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        assert "data/templates/panel_template.csv" in text and "adoption_year" in text and "2025" in text
    assert (ROOT / GUIDE).is_file()


# --- units ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        ("xã Ngọc Lũ", "huyện Bình Lục", "tỉnh Hà Nam"),
        (nfd("Ngọc Lũ"), nfd("Bình Lục"), nfd("Hà Nam")),
        ("NGỌC LŨ", "bình lục", "  Hà   Nam "),
        ("X. Ngọc Lũ", "H. Bình Lục", "Hà Nam"),
        ("Ngoc Lu", "Binh Luc", "Ha Nam"),
        ("xã Ngọc Lũ (Bình Lục)", "Bình Lục", "Hà Nam"),
        ("Ngọc Lũ (huyện Bình Lục, tỉnh Hà Nam)", "Bình Lục", "Hà Nam"),
    ],
)
def test_the_forms_a_source_may_write_are_one_unit(tmp_path, variant):
    rows = unit_rows(years=range(2015, 2018)) + unit_rows(variant, years=range(2018, 2021))
    panel = load(write(tmp_path, rows))
    assert panel.units == ("Ngọc Lũ (Bình Lục, Hà Nam)",)  # the first written form
    assert list(panel.frame["year"]) == list(range(2015, 2021))
    written = " ".join(unicodedata.normalize("NFC", variant[0]).split())
    assert panel.written[panel.units[0]] == tuple(dict.fromkeys(("Ngọc Lũ", written)))


def test_tone_mark_style_does_not_matter(tmp_path):
    rows = unit_rows(("Hoà Hậu", "Lý Nhân", "Hà Nam"), years=[2015]) + unit_rows(
        ("Hòa Hậu", "Lý Nhân", "Hà Nam"), years=[2016]
    )
    panel = load(write(tmp_path, rows))
    assert panel.units == ("Hoà Hậu (Lý Nhân, Hà Nam)",) and panel.written[panel.units[0]] == ("Hoà Hậu", "Hòa Hậu")


def test_another_tone_is_another_unit(tmp_path):
    rows = unit_rows(years=[2015]) + unit_rows(("Ngọc Lủ", "Bình Lục", "Hà Nam"), years=[2015])
    assert len(load(write(tmp_path, rows)).units) == 2


def test_a_name_without_diacritics_merges_when_it_is_unambiguous(tmp_path):
    rows = unit_rows(("Ngoc Lu", "Binh Luc", "Ha Nam"), years=[2015, 2016]) + unit_rows(years=[2017, 2018])
    rows += unit_rows(("An Lão", "Bình Lục", "Hà Nam"), years=[2015])
    panel = load(write(tmp_path, rows))
    assert panel.units == ("Ngoc Lu (Binh Luc, Ha Nam)", "An Lão (Bình Lục, Hà Nam)")
    assert panel.written["Ngoc Lu (Binh Luc, Ha Nam)"] == ("Ngoc Lu", "Ngọc Lũ")
    assert find_units(panel, ["Ngọc Lũ"], "treated") == ["Ngoc Lu (Binh Luc, Ha Nam)"]


def test_a_name_without_diacritics_alone_is_a_unit(tmp_path):
    panel = load(write(tmp_path, unit_rows(("Ngoc Lu", "Binh Luc", "Ha Nam"))))
    assert panel.units == ("Ngoc Lu (Binh Luc, Ha Nam)",)


def test_a_name_without_diacritics_that_could_be_two_units_is_refused(tmp_path):
    rows = unit_rows(years=[2015]) + unit_rows(("Ngọc Lủ", "Bình Lục", "Hà Nam"), years=[2015])
    rows += unit_rows(("Ngoc Lu", "Bình Lục", "Hà Nam"), years=[2016])
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (3, "commune")
    assert "'Ngoc Lu'" in error.message and "ambiguous" in error.message
    assert "'Ngọc Lũ (Bình Lục, Hà Nam)', 'Ngọc Lủ (Bình Lục, Hà Nam)'" in error.message


def test_a_district_without_diacritics_that_could_be_two_is_refused(tmp_path):
    rows = unit_rows(("An Lão", "Bình Lục", "Hà Nam"), years=[2015])
    rows += unit_rows(("An Lão", "Bình Lúc", "Hà Nam"), years=[2015])
    rows += unit_rows(("An Lão", "Binh Luc", "Hà Nam"), years=[2016])
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (3, "district") and "'Binh Luc'" in error.message


def test_the_same_commune_name_in_two_districts_is_two_units(tmp_path):
    rows = unit_rows(("xã An Lão", "Bình Lục", "Hà Nam"), adoption="2018")
    rows += unit_rows(("xã An Lão", "Kim Bảng", "Hà Nam"))
    panel = load(write(tmp_path, rows))
    assert panel.units == ("xã An Lão (Bình Lục, Hà Nam)", "xã An Lão (Kim Bảng, Hà Nam)")
    assert panel.adoption == {"xã An Lão (Bình Lục, Hà Nam)": 2018, "xã An Lão (Kim Bảng, Hà Nam)": None}
    assert len(panel.frame) == 12


def test_a_parenthesis_that_is_not_the_district_is_part_of_the_name(tmp_path):
    rows = unit_rows(("Ngọc Lũ (cũ)", "Bình Lục", "Hà Nam"), years=[2015]) + unit_rows(years=[2015])
    panel = load(write(tmp_path, rows))
    assert panel.units == ("Ngọc Lũ (cũ) (Bình Lục, Hà Nam)", "Ngọc Lũ (Bình Lục, Hà Nam)")
    assert find_units(panel, ["Ngọc Lũ (cũ)"], "treated") == ["Ngọc Lũ (cũ) (Bình Lục, Hà Nam)"]
    assert find_units(panel, ["Ngọc Lũ (Bình Lục)"], "treated") == ["Ngọc Lũ (Bình Lục, Hà Nam)"]


def test_boundaries_without_districts_write_a_dash(tmp_path):
    rows = unit_rows(("Ngọc Lũ", "-", "Ninh Bình"))
    panel = load(write(tmp_path, rows))
    assert panel.units == ("Ngọc Lũ (-, Ninh Bình)",)
    assert find_units(panel, ["Ngoc Lu (Ninh Binh)"], "treated") == ["Ngọc Lũ (-, Ninh Bình)"]
    rows[2]["district"] = "—"
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (3, "district") and "has no name" in error.message


# --- adoption years ------------------------------------------------------------------------------


def test_an_adoption_year_that_differs_within_a_unit_is_refused(tmp_path):
    rows = unit_rows(adoption="2018")
    rows[3]["adoption_year"] = "2019"
    rows[4]["adoption_year"] = "2020"  # one error per unit: the first row that differs
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (4, "adoption_year")
    assert "2019 here but 2018 on row 1" in error.message and "'Ngọc Lũ (Bình Lục, Hà Nam)'" in error.message
    assert "more problem" not in error.message


def test_an_adoption_year_against_an_empty_one_is_refused(tmp_path):
    rows = unit_rows(("Ngoc Lu", "Binh Luc", "Ha Nam"), years=[2015]) + unit_rows(years=[2016], adoption="2018")
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (2, "adoption_year") and "is 2018 here but empty on row 1" in error.message


@pytest.mark.parametrize("adoption, meaning", [("2010", "treated throughout"), ("2030", "not yet treated")])
def test_an_adoption_year_outside_the_panel_is_kept(tmp_path, adoption, meaning):
    panel = load(write(tmp_path, unit_rows(adoption=adoption)))
    unit = panel.units[0]
    assert panel.adoption == {unit: int(adoption)} and panel.frame["adoption_year"].dtype == "Int64"
    assert (panel.first_year, panel.last_year) == (2015, 2020)


def test_empty_adoption_is_na(tmp_path):
    panel = load(write(tmp_path, unit_rows()))
    assert panel.frame["adoption_year"].isna().all() and panel.adoption == {panel.units[0]: None}


# --- frame, gaps and zeros -----------------------------------------------------------------------


def test_the_frame_order_types_and_provenance(tmp_path):
    rows = unit_rows(("Công Lý", "Lý Nhân", "Hà Nam"), years=[2017, 2015], population="9000")
    rows += unit_rows(years=[2016, 2015, 2017], adoption="2016", population="8000", source="district-report")
    rows += unit_rows(("Công Lý", "Lý Nhân", "Hà Nam"), years=[2019], indicator="drug_cases_uncovered", population="1")
    path = write(tmp_path, rows)
    panel = load(path)
    assert list(panel.frame.columns) == [
        "unit",
        "commune",
        "district",
        "province",
        "year",
        "count",
        "population",
        "adoption_year",
    ]
    assert [str(panel.frame[c].dtype) for c in ("year", "count", "population", "adoption_year")] == [
        "int64",
        "int64",
        "int64",
        "Int64",
    ]
    assert list(panel.frame["unit"]) == ["Công Lý (Lý Nhân, Hà Nam)"] * 2 + ["Ngọc Lũ (Bình Lục, Hà Nam)"] * 3
    assert list(panel.frame["year"]) == [2015, 2017, 2015, 2016, 2017]
    assert list(panel.frame["commune"]) == ["Công Lý"] * 2 + ["Ngọc Lũ"] * 3
    assert panel.rows == (1, 2, 3, 4, 5) and panel.source_ids == (SOURCE, "district-report")
    assert (panel.path, panel.indicator, panel.first_year, panel.last_year) == (path, OUTCOME, 2015, 2017)
    assert panel.gaps == {"Công Lý (Lý Nhân, Hà Nam)": (2016,)}
    assert list(used_sources(panel, SOURCES)["source_id"]) == [SOURCE, "district-report"]
    assert indicators_in_panel(path) == {OUTCOME, "drug_cases_uncovered"}
    other = load(path, "drug_cases_uncovered")
    assert other.units == ("Công Lý (Lý Nhân, Hà Nam)",) and other.rows == (6,)


def test_gaps_are_reported_and_zeros_kept(tmp_path):
    rows = unit_rows(years=[2015, 2016, 2019]) + unit_rows(("Công Lý", "Lý Nhân", "Hà Nam"), years=range(2015, 2020))
    for r in rows:
        r["count"] = "0"
    panel = load(write(tmp_path, rows))
    assert panel.gaps == {"Ngọc Lũ (Bình Lục, Hà Nam)": (2017, 2018)}
    assert len(panel.frame) == 8 and (panel.frame["count"] == 0).all()


def test_a_blank_population_cell_names_row_and_column(tmp_path):
    rows = unit_rows(population="5000")
    rows[2]["population"] = ""
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (3, "population") and "blank population" in error.message


def test_population_is_all_or_nothing_across_the_file(tmp_path):
    rows = unit_rows(population="5000") + unit_rows(("Công Lý", "Lý Nhân", "Hà Nam"), indicator="tips_provided")
    error = fails(write(tmp_path, rows))  # the other indicator's rows have no population
    assert (error.row, error.column) == (7, "population")
    assert load(write(tmp_path, unit_rows(population="5000"))).frame["population"].eq(5000).all()
    blank = load(write(tmp_path, unit_rows(), columns=COLUMNS))
    assert "population" not in blank.frame


# --- cells ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, value, why",
    [
        ("count", "-1", "must not be negative"),
        ("count", "2.5", "digits only"),
        ("count", "1.630", "thousands separators"),
        ("count", "ba", "whole number"),
        ("count", "", "blank cell"),
        ("count", "9" * 5000, "between 0 and"),
        ("year", "1850", "between 1900 and 2100"),
        ("year", "2020.0", "digits only"),
        ("year", "", "blank cell"),
        ("adoption_year", "2200", "between 1900 and 2100"),
        ("adoption_year", "'18", "whole number"),
        ("population", "0", "between 1 and"),
        ("source_id", "Police Records", "slug"),
        ("source_id", "", "blank cell"),
        ("commune", "", "blank cell"),
        ("commune", "xã ?", "has no name"),
        ("district", "", "blank cell"),
        ("province", "", "blank cell"),
        ("commune", "Ngọc\u200bLũ", "U+200B"),
        ("indicator", "new_drug_adicts", "did you mean 'new_drug_addicts'"),
        ("indicator", "households_signed_commitment_share", "a panel holds counts"),
    ],
)
def test_bad_cells_are_reported_with_file_row_and_column(tmp_path, column, value, why):
    rows = unit_rows(population="5000", adoption="2018")
    rows[1][column] = value
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (2, column) and why in error.message
    assert f"row 2 (line 3), column '{column}'" in str(error)


def test_several_problems_are_counted_and_the_first_raised(tmp_path):
    rows = unit_rows()
    rows[3]["year"], rows[1]["count"], rows[1]["indicator"] = "y", "x", "nope"
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (2, "indicator") and "(2 more problem(s) in this file)" in error.message


# --- duplicates ----------------------------------------------------------------------------------


def test_a_duplicate_year_names_both_rows(tmp_path):
    error = fails(write(tmp_path, unit_rows() + unit_rows(years=[2017])))
    assert (error.row, error.column) == (7, "year")
    assert (
        "2017 appears twice for unit 'Ngọc Lũ (Bình Lục, Hà Nam)'" in error.message and "rows 3 and 7" in error.message
    )


def test_a_duplicate_under_another_spelling_or_source_is_a_duplicate(tmp_path):
    rows = unit_rows() + unit_rows(("xã Ngoc Lu", "Binh Luc", "Ha Nam"), years=[2016], source="district-report")
    error = fails(write(tmp_path, rows))
    assert (error.row, error.column) == (7, "year") and "rows 2 and 7" in error.message
    assert "'Ngọc Lũ' and 'xã Ngoc Lu'" in error.message and "must not overlap" in error.message


def test_the_same_year_of_two_indicators_is_no_duplicate(tmp_path):
    rows = unit_rows() + unit_rows(indicator="drug_cases_uncovered")
    assert len(load(write(tmp_path, rows)).frame) == 6


# --- sources -------------------------------------------------------------------------------------


def test_an_unregistered_source_is_refused(tmp_path):
    rows = unit_rows(("Công Lý", "Lý Nhân", "Hà Nam"), source="baohanam-mttq-antt") + unit_rows(source="my-records")
    error = fails(write(tmp_path, rows), sources=None)  # the project's data/raw/sources.csv
    assert (error.row, error.column) == (7, "source_id")
    assert "'my-records' is not registered in data/raw/sources.csv" in error.message and GUIDE in error.message
    assert "more problem" not in error.message  # one problem per source, not per row


def test_only_the_indicator_rows_need_registered_sources(tmp_path):
    rows = unit_rows(source="baohanam-mttq-antt") + unit_rows(indicator="tips_provided", source="not-yet")
    assert load_panel(write(tmp_path, rows), OUTCOME).source_ids == ("baohanam-mttq-antt",)


def _sidecar(folder: Path, source_id: str) -> None:
    header = (ROOT / "data" / "raw" / "sources.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    row = clean.load_sources().iloc[0].to_dict()
    row.update(source_id=source_id, title="Sổ theo dõi (placeholder)", text_file="panel.csv")
    row["citation"] = "Công an huyện (placeholder), sổ theo dõi"
    pd.DataFrame([row], columns=header).to_csv(folder / "sources.csv", index=False)


def test_a_sources_csv_beside_the_panel_registers_its_source(tmp_path):
    path = write(tmp_path, unit_rows(source="district-police-records"))
    assert fails(path, sources=None).column == "source_id"
    _sidecar(tmp_path, "district-police-records")
    panel = load_panel(path, OUTCOME)
    assert panel.source_ids == ("district-police-records",)
    assert list(used_sources(panel)["citation"]) == ["Công an huyện (placeholder), sổ theo dõi"]


# --- the whole file ------------------------------------------------------------------------------


def test_whole_file_problems(tmp_path):
    assert "file not found" in fails(tmp_path / "absent.csv").message
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert "file is empty" in fails(empty).message
    header_only = tmp_path / "header.csv"
    header_only.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    assert "no rows" in fails(header_only).message


def test_a_missing_column_is_named_with_the_expected_ones(tmp_path):
    columns = tuple(c for c in COLUMNS if c not in ("adoption_year", "population"))
    error = fails(write(tmp_path, unit_rows(), columns=columns))
    assert error.column == "adoption_year" and error.row is None
    assert "required column is missing" in error.message and ", ".join(REQUIRED) in error.message


def test_an_unknown_column_is_refused(tmp_path):
    rows = [dict(r, treated="1") for r in unit_rows()]
    error = fails(write(tmp_path, rows, columns=(*COLUMNS, "treated")))
    assert error.column == "treated" and "unexpected column" in error.message


def test_a_legacy_encoding_is_refused(tmp_path):
    path = tmp_path / "panel.csv"
    path.write_bytes(nfd(csv_text(unit_rows(("Công Lý", "Lý Nhân", "Hà Nam")))).encode("cp1258", errors="replace"))
    error = fails(path)
    assert "UTF-8" in error.message and error.row is None


def test_bom_crlf_and_nfd_read_as_plain_utf8(tmp_path):
    rows = unit_rows(adoption="2018")
    plain = load(write(tmp_path, rows)).frame
    other = tmp_path / "windows.csv"
    other.write_bytes(b"\xef\xbb\xbf" + nfd(csv_text(rows)).replace("\n", "\r\n").encode("utf-8"))
    pd.testing.assert_frame_equal(load(other).frame, plain)


def test_no_rows_for_the_indicator_lists_those_present(tmp_path):
    error = fails(write(tmp_path, unit_rows(indicator="drug_cases_uncovered")))
    assert isinstance(error, NoRowsError) and error.column == "indicator"
    assert "indicators in the file: 'drug_cases_uncovered'" in error.message


def test_the_requested_indicator_is_checked(tmp_path):
    path = write(tmp_path, unit_rows())
    assert "did you mean 'new_drug_addicts'" in fails(path, indicator="new_drug_adicts").message
    assert "a panel holds counts" in fails(path, indicator="households_signed_commitment_share").message
    assert load(path, indicator="  NEW_DRUG_ADDICTS ").indicator == OUTCOME


def test_the_file_is_never_modified(tmp_path):
    path = write(tmp_path, unit_rows(("Ngoc Lu", "Binh Luc", "Ha Nam")))
    before = path.read_bytes()
    load(path)
    assert path.read_bytes() == before


# --- naming units in parameters --------------------------------------------------------------------


@pytest.fixture
def panel(tmp_path) -> LoadedPanel:
    rows = unit_rows(("xã Ngọc Lũ", "huyện Bình Lục", "tỉnh Hà Nam"), adoption="2018")
    rows += unit_rows(("An Lão", "Bình Lục", "Hà Nam")) + unit_rows(("An Lão", "Kim Bảng", "Hà Nam"))
    rows += unit_rows(("Hòa Hậu", "Lý Nhân", "Hà Nam"))
    return load(write(tmp_path, rows))


@pytest.mark.parametrize(
    "typed",
    ["Ngoc Lu", "Ngọc Lũ", "xã Ngọc Lũ (Bình Lục)", nfd("ngọc lũ"), "Ngọc Lũ (Bình Lục, Hà Nam)", "ngoc-lu"],
)
def test_typed_names_find_their_unit(panel, typed):
    assert find_units(panel, [typed], "treated") == ["xã Ngọc Lũ (huyện Bình Lục, tỉnh Hà Nam)"]


def test_display_names_and_tone_styles_find_their_units(panel):
    assert find_units(panel, list(panel.units), "controls") == list(panel.units)
    assert find_units(panel, ["Hoà Hậu", "Hoa Hau", "An Lão (Kim Bảng)"], "controls") == [
        "Hòa Hậu (Lý Nhân, Hà Nam)",
        "An Lão (Kim Bảng, Hà Nam)",
    ]
    assert find_units(panel, "Ngoc Lu", "treated") == ["xã Ngọc Lũ (huyện Bình Lục, tỉnh Hà Nam)"]


def test_a_name_of_two_units_is_refused_with_both(panel):
    with pytest.raises(ValueError) as info:
        find_units(panel, ["Ngọc Lũ", "An Lao"], "controls")
    message = str(info.value)
    assert message.startswith("controls: 'An Lao' could be any of 2 units") and "\n" not in message
    assert "'An Lão (Bình Lục, Hà Nam)', 'An Lão (Kim Bảng, Hà Nam)'" in message
    assert "e.g. 'An Lão (Bình Lục)'" in message


@pytest.mark.parametrize(
    "typed, hint",
    [
        ("Ngọc Lủ", "the same letters, with other diacritics"),
        ("Ngoc Luu", "did you mean 'xã Ngọc Lũ (huyện Bình Lục, tỉnh Hà Nam)'?"),
        ("Ngọc Lũ (Kim Bảng)", "the same letters"),
        ("Tiêu Động", "units of the panel: 'xã Ngọc Lũ"),
    ],
)
def test_an_unknown_name_lists_near_misses(panel, typed, hint):
    with pytest.raises(ValueError) as info:
        find_units(panel, [typed], "treated")
    message = str(info.value)
    assert message.startswith(f"treated: no unit of the panel is '{typed}'") and hint in message
    assert "\n" not in message and not isinstance(info.value, DataError)


@pytest.mark.parametrize("typed", ["", "   ", 3])
def test_a_blank_name_is_refused(panel, typed):
    with pytest.raises(ValueError, match=r"^treated: "):
        find_units(panel, [typed], "treated")


# --- properties ------------------------------------------------------------------------------------

_NAMES = {  # (commune, district, province): its other spellings (NFD, tone style, case, level words, no diacritics)
    ("Hòa Hậu", "Lý Nhân", "Hà Nam"): [
        ("Hoà Hậu", "Lý Nhân", "Hà Nam"),
        ("xã Hòa Hậu", "huyện Lý Nhân", "tỉnh Hà Nam"),
        ("Hoa Hau", "Ly Nhan", "Ha Nam"),
    ],
    ("Thanh Thủy", "Thanh Liêm", "Hà Nam"): [
        ("Thanh Thuỷ", "Thanh Liêm", "Hà Nam"),
        ("THANH THỦY", "THANH LIÊM", "HÀ NAM"),
        ("Thanh Thủy (Thanh Liêm)", "H. Thanh Liêm", "Hà Nam"),
    ],
    ("An Lão", "Bình Lục", "Hà Nam"): [("X. An Lão", "Binh Luc", "Hà Nam"), ("an lão", "bình lục", "hà nam")],
    ("An Lão", "Kim Bảng", "Hà Nam"): [("An Lao", "Kim Bang", "Ha Nam"), ("xã An Lão", "Kim Bảng", "tỉnh Hà Nam")],
}
_CANONICAL = list(_NAMES)


@st.composite
def _panels(draw):
    """Rows of a valid panel (canonical names), a shuffled order of them and a choice of spelling per row."""
    units = draw(st.lists(st.sampled_from(range(len(_CANONICAL))), min_size=1, max_size=4, unique=True))
    rows = []
    for u in units:
        years = draw(st.lists(st.integers(2010, 2024), min_size=1, max_size=6, unique=True))
        adoption = draw(st.one_of(st.just(""), st.integers(2005, 2030).map(str)))
        for y in years:
            rows.append((u, y, draw(st.integers(0, 50)), adoption))
    spellings = draw(st.lists(st.integers(0, 3), min_size=len(rows), max_size=len(rows)))
    return rows, draw(st.permutations(range(len(rows)))), spellings


def _as_rows(rows, spelling=lambda i, place: place) -> list[dict]:
    out = []
    for i, (u, year, count, adoption) in enumerate(rows):
        commune, district, province = spelling(i, _CANONICAL[u])
        out.append(
            {
                "source_id": SOURCE,
                "commune": commune,
                "district": district,
                "province": province,
                "indicator": OUTCOME,
                "year": str(year),
                "count": str(count),
                "adoption_year": adoption,
            }
        )
    return out


def _found(panel: LoadedPanel, place: tuple[str, str, str]) -> list[str]:
    try:
        return find_units(panel, ["{} ({}, {})".format(*place)], "unit")
    except ValueError:  # not in this panel
        return []


def _names(panel: LoadedPanel) -> dict[str, str]:
    """Each unit of ``panel`` -> its canonical spelling."""
    return {unit: "{} ({}, {})".format(*place) for place in _CANONICAL for unit in _found(panel, place)}


def _canonical(panel: LoadedPanel) -> pd.DataFrame:
    """The frame with each unit named by its canonical spelling, in a fixed order."""
    names = _names(panel)
    assert len(names) == len(panel.units)
    frame = panel.frame.drop(columns=["commune", "district", "province"]).assign(unit=panel.frame["unit"].map(names))
    return frame.sort_values(["unit", "year"]).reset_index(drop=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_panels())
def test_shuffled_and_respelt_rows_give_the_same_panel(drawn):
    rows, order, spellings = drawn
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        plain = load(write(folder, _as_rows(rows), name="plain.csv"))
        # NFD throughout: the very same frame, display names included
        (folder / "nfd.csv").write_text(nfd(csv_text(_as_rows(rows))), encoding="utf-8")
        pd.testing.assert_frame_equal(load(folder / "nfd.csv").frame, plain.frame)
        # shuffled rows, each in one of its spellings: the same units, years, counts and adoption years
        shuffled = [rows[i] for i in order]
        respelt = _as_rows(
            shuffled, lambda i, place: ([place, *_NAMES[place]])[spellings[i] % (len(_NAMES[place]) + 1)]
        )
        other = load(write(folder, respelt, name="respelt.csv"))
    assert len(other.units) == len(plain.units)
    pd.testing.assert_frame_equal(_canonical(other), _canonical(plain))
    for attribute in ("gaps", "adoption"):
        renamed = [{_names(p)[u]: v for u, v in getattr(p, attribute).items()} for p in (other, plain)]
        assert renamed[0] == renamed[1], attribute


# --- any messy file: a panel or a DataError, nothing else ----------------------------------------------

_CELLS = st.sampled_from(
    [
        "",
        " ",
        "0",
        "7",
        "-3",
        "1.630",
        "2019",
        "1899",
        "-",
        "Ngọc Lũ",
        "Ngoc Lu",
        "Ngọc Lủ",
        "Ngọc Lũ (cũ)",
        "Bình Lục",
        "Binh Luc",
        "Hà Nam",
        OUTCOME,
        "households_signed_commitment_share",
        SOURCE,
        "Unregistered",
        "\u200b",
        '"',
        "(",
        "()",
        "xã",
    ]
)
_HEADERS = st.one_of(
    st.just(COLUMNS),
    st.just(REQUIRED),
    st.lists(st.sampled_from((*COLUMNS, "extra")), min_size=1, max_size=10),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(columns=_HEADERS, cells=st.lists(st.lists(_CELLS, min_size=9, max_size=9), max_size=8))
def test_any_messy_file_gives_a_panel_or_a_data_error(columns, cells):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(row[: len(columns)] for row in cells)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "messy.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        try:
            panel = load_panel(path, OUTCOME, sources=SOURCES)
        except DataError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(str(path))
        else:
            assert len(panel.frame) >= 1 and panel.frame["count"].ge(0).all()
            assert not panel.frame.duplicated(["unit", "year"]).any()
