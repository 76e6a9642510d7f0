"""Cleaning: the committed processed data is reproduced byte for byte; Unicode forms do not matter;
places and periods are normalised; quality checks flag without dropping."""

import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from antt import paths
from antt.data import clean, codebook
from antt.text import key

EXPECTED_REPEATS = {
    ("ngoc-lu-2022-drug-suspects-arrested", "ngoc-lu-2022-illicit-drug-users"),  # 12
    ("province-complaints-forwarded", "province-traffic-self-managed-teams"),  # 102
    ("province-complaints-received", "province-offenders-supported"),  # 187
    ("province-digital-teams", "province-mediations-successful"),  # 2.018
    ("province-digital-team-members", "province-forum-participants"),  # trên 12 nghìn
}


def _clean_into(tmp: Path, raw_dir: Path = paths.RAW) -> dict[str, bytes]:
    clean.clean(raw_dir, paths.CODEBOOK, tmp)
    return {name: (tmp / name).read_bytes() for name in ("indicators.csv", "quality.csv")}


def test_committed_processed_data_is_reproduced_byte_for_byte(tmp_path):
    produced = _clean_into(tmp_path)
    for name, data in produced.items():
        assert data == (paths.PROCESSED / name).read_bytes(), f"data/processed/{name} is stale: run make reports"


def test_nfd_input_gives_byte_identical_output(tmp_path):
    raw_nfd = tmp_path / "raw"
    shutil.copytree(paths.RAW, raw_nfd)
    for path in raw_nfd.glob("*.csv"):
        path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")), encoding="utf-8")
    assert (raw_nfd / "figures.csv").read_bytes() != (paths.RAW / "figures.csv").read_bytes()
    assert _clean_into(tmp_path / "nfd", raw_nfd) == _clean_into(tmp_path / "nfc")


def test_bom_is_accepted(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(paths.RAW, raw)
    (raw / "figures.csv").write_bytes(b"\xef\xbb\xbf" + (paths.RAW / "figures.csv").read_bytes())
    assert _clean_into(tmp_path / "bom", raw) == _clean_into(tmp_path / "plain")


def test_processed_round_trip_through_the_schema():
    table = clean.load_indicators()
    assert len(table) == 33
    assert str(table["period_start"].dtype) == "Int64"
    members = table.set_index("figure_id").loc["province-self-managed-team-members"]
    assert (members["value"], members["lower"], members["upper"], members["qualifier"]) == (
        20000,
        15000,
        20000,
        "nearly",
    )
    zero = table.set_index("figure_id").loc["ngoc-lu-new-drug-addicts-after-models"]
    assert (zero["value"], zero["kind"], zero["qualifier"]) == (0, "stated_zero", "stated_absence")


@pytest.mark.parametrize(
    "place, expected",
    [
        ("xã Ngọc Lũ (Bình Lục)", ("commune", "Ngọc Lũ", "Bình Lục", "Hà Nam")),
        ("Xã Công Lý (Lý Nhân)", ("commune", "Công Lý", "Lý Nhân", "Hà Nam")),
        ("xã Hoà Hậu", ("commune", "Hòa Hậu", None, "Hà Nam")),
        ("huyện Bình Lục", ("district", "Bình Lục", "Bình Lục", "Hà Nam")),
        ("toàn tỉnh", ("province", "Hà Nam", None, "Hà Nam")),
        ("trong tỉnh", ("province", "Hà Nam", None, "Hà Nam")),
        ("tỉnh Hà Nam", ("province", "Hà Nam", None, "Hà Nam")),
    ],
)
def test_places(place, expected):
    got = clean.parse_place(unicodedata.normalize("NFD", place), "Hà Nam")
    assert (got["geo_level"], got["geo_name"], got["district"], got["province"]) == expected


def test_unknown_place_is_refused():
    with pytest.raises(ValueError, match="unrecognised place"):
        clean.parse_place("Hà Nội và các vùng lân cận", "Hà Nam")


def test_tone_styles_are_one_key():
    assert (
        key("Hoà") == key("hòa")
        and key("Thuỷ") == key("thủy")
        and key(unicodedata.normalize("NFD", "Ngọc Lũ")) == key("ngọc lũ")
    )


def test_quality_flags_the_repeated_values():
    quality = clean.clean(write=False).quality
    repeats = {tuple(ids.split(";")) for ids in quality.loc[quality["check"] == "repeated_value", "figure_ids"]}
    assert repeats == EXPECTED_REPEATS
    assert set(quality["status"]) <= {"pass", "flag"}


def test_quality_flags_every_unstated_period():
    result = clean.clean(write=False)
    unstated = set(result.indicators.loc[result.indicators["period_basis"] != "stated", "figure_id"])
    flagged = set(result.quality.loc[result.quality["check"] == "period_not_stated", "figure_ids"])
    assert unstated == flagged and len(unstated) == 13


def _indicators(**changes) -> pd.DataFrame:
    table = clean.clean(write=False).indicators.copy()
    for figure_id, values in changes.items():
        for column, value in values.items():
            table.loc[table["figure_id"] == figure_id, column] = value
    return table


def test_numerator_above_denominator_fails():
    table = _indicators(**{"province-safe-schools": {"value": 66.0, "lower": 66.0, "upper": 66.0}})
    quality = clean.quality_checks(table, codebook.load_part_whole())
    failed = clean.failures(quality)
    assert list(failed["figure_ids"]) == ["province-safe-schools"]


def test_part_above_whole_fails_and_stops_the_run(tmp_path):
    table = _indicators(**{"province-complaints-forwarded": {"value": 190.0, "lower": 190.0, "upper": 190.0}})
    quality = clean.quality_checks(table, codebook.load_part_whole())
    assert list(clean.failures(quality)["check"]) == ["part_within_whole"]
    with pytest.raises(ValueError, match="quality check"):
        clean.raise_on_failures(quality)


def test_flags_never_drop_figures():
    result = clean.clean(write=False)
    assert list(result.indicators["figure_id"]) == list(clean.load_raw().figures["figure_id"])


def test_quality_messages_in_both_languages():
    from antt.reporting import provenance

    quality = clean.clean(write=False).quality
    assert (quality["message_vi"] != quality["message"]).all()
    shown_vi, shown_en = provenance.quality_table(quality, "vi"), provenance.quality_table(quality, "en")
    assert list(shown_vi["Nội dung"]) == list(quality["message_vi"])
    assert list(shown_en["Message"]) == list(quality["message"])
