"""The extractor (``antt extract``) and the source check (``antt check-source``).

Every sentence here was written for these tests; none is taken from a source article (the articles
are all rights reserved). Places are real Hà Nam names, the events are invented.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from antt.cli import main
from antt.data import schemas
from antt.sources import evidence
from antt.sources.extract import REVIEW_COLUMNS, check_source, extract
from antt.text import TextEncodingError, paragraphs

from conftest import ROOT, SEED

SOURCE = "test-source"
NAN = float("nan")


def one(table: pd.DataFrame, raw_text: str) -> pd.Series:
    rows = table[table["raw_text"] == raw_text]
    assert len(rows) == 1, f"{raw_text!r}: {len(rows)} rows in\n{table}"
    return rows.iloc[0]


def same(a, b) -> bool:
    return (a is None or (isinstance(a, float) and math.isnan(a))) if b is None or b != b else a == b


# sentence, raw_text, kind, value, denominator, qualifier, unit
STATISTICS = [
    ("Năm 2021, xã Tân Sơn (Kim Bảng) phát hiện 14 vụ đánh bạc.", "14", "count", 14, None, "exact", "vụ"),
    ("Lực lượng công an tiếp nhận 2.345 tin báo về tội phạm.", "2.345", "count", 2345, None, "exact", "tin báo"),
    (
        "Toàn huyện có gần 20 nghìn hội viên tham gia phong trào.",
        "gần 20 nghìn",
        "count",
        20000,
        None,
        "nearly",
        "hội viên",
    ),
    (
        "Các câu lạc bộ thu hút trên 12 nghìn lượt người tới dự.",
        "trên 12 nghìn",
        "count",
        12000,
        None,
        "more_than",
        "lượt người",
    ),
    ("Mỗi quý có khoảng 300 cuộc họp dân ở các thôn.", "khoảng 300", "count", 300, None, "about", "cuộc"),
    ("Đoàn viên thanh niên đã giúp hơn 1.500 hộ dân sửa nhà.", "hơn 1.500", "count", 1500, None, "more_than", "hộ dân"),
    ("Ngân sách hỗ trợ 1,5 tỷ đồng cho các thôn khó khăn.", "1,5 tỷ", "count", 1.5e9, None, "exact", "đồng"),
    (
        "Hội đã vận động hàng trăm hộ gia đình ký cam kết.",
        "hàng trăm",
        "magnitude",
        None,
        None,
        "order_of_magnitude",
        "hộ gia đình",
    ),
    (
        "Phường lắp mới hàng chục camera an ninh trên các tuyến phố.",
        "hàng chục",
        "magnitude",
        None,
        None,
        "order_of_magnitude",
        "camera",
    ),
    ("Tỉnh đứng thứ nhất cả nước về cải cách hành chính.", "thứ nhất", "rank", 1, None, "exact", "hạng"),
    ("Huyện Duy Tiên xếp thứ hai trong tỉnh về thu hút đầu tư.", "thứ hai", "rank", 2, None, "exact", "hạng"),
    ("Đã có 100% thôn, tổ dân phố xây dựng hương ước.", "100%", "percent", 100, None, "exact", "%"),
    ("Tỷ lệ hộ nghèo của xã còn 2,5% vào cuối kỳ.", "2,5%", "percent", 2.5, None, "exact", "%"),
    (
        "Sau một năm, phường không phát sinh đối tượng nghiện mới.",
        "không phát sinh đối tượng nghiện mới",
        "stated_zero",
        0,
        None,
        "stated_absence",
        "đối tượng",
    ),
    (
        "Trong dịp lễ hội, thị trấn không phát sinh vụ cháy nổ nào.",
        "không phát sinh vụ cháy nổ nào",
        "stated_zero",
        0,
        None,
        "stated_absence",
        "vụ",
    ),
    (
        "Trong năm, thôn không phát sinh tụ điểm về ma túy.",
        "không phát sinh tụ điểm",
        "stated_zero",
        0,
        None,
        "stated_absence",
        "tụ điểm",
    ),
    ("Kết quả có 45/52 thôn đạt danh hiệu làng văn hóa.", "45/52", "fraction", 45, 52, "exact", "thôn"),
    ("Tòa án đã xét xử xong 1.102/1.150 vụ án hình sự.", "1.102/1.150", "fraction", 1102, 1150, "exact", "vụ án"),
    (
        "Đến nay 21/24 xã, phường, thị trấn có trụ sở công an chính quy.",
        "21/24",
        "fraction",
        21,
        24,
        "exact",
        "xã, phường, thị trấn",
    ),
    (
        "Đoàn liên ngành kiểm tra 38 cơ sở kinh doanh có điều kiện.",
        "38",
        "count",
        38,
        None,
        "exact",
        "cơ sở kinh doanh",
    ),
    ("Ban công tác mặt trận đã hòa giải 57 vụ việc tranh chấp đất đai.", "57", "count", 57, None, "exact", "vụ việc"),
    ("Trường tổ chức 12 buổi ngoại khóa cho 640 học sinh khối chín.", "640", "count", 640, None, "exact", "học sinh"),
    ("Chi đoàn trồng 250 gốc sưa dọc tuyến đê.", "250", "count", 250, None, "exact", "gốc sưa"),  # general rule
]

# sentence, raw_text, reason
NON_STATISTICS = [
    ("Năm 2022, hội nghị được tổ chức tại nhà văn hóa thôn.", "2022", "year"),
    ("Quy chế có hiệu lực từ năm 2019 ở mọi xã.", "2019", "year"),
    ("Kế hoạch được thực hiện trong giai đoạn 2021-2025.", "2021-2025", "year_range"),
    ("Niên khóa 2017/2018 khép lại với nhiều thành tích.", "2017/2018", "year_range"),
    ("Văn bản được ký ngày 16/2/2017 tại trụ sở ủy ban.", "16/2/2017", "date"),
    ("Hội nghị sơ kết diễn ra ngày 12/5 tại hội trường.", "12/5", "date"),
    ("Tháng 3/2023, huyện tổ chức hội thi tuyên truyền.", "3/2023", "date"),
    ("Các đơn vị gửi báo cáo trước ngày 15 hằng tháng.", "15", "date"),
    ("Trong 6 tháng đầu năm, xã ra mắt đội dân phòng.", "6", "date"),
    ("Chương trình văn nghệ diễn ra vào sáng thứ Hai, 5/6 tại sân đình.", "thứ Hai", "date"),
    ("Buổi lễ bắt đầu lúc 14h30 tại sân vận động huyện.", "14h30", "time"),
    ("Cuộc họp khai mạc vào 8 giờ sáng tại hội trường.", "8 giờ", "time"),
    ("Hai ngành thực hiện chương trình phối hợp số 12 về an ninh nông thôn.", "12", "programme_number"),
    ("Tỉnh triển khai chương trình 135 ở các xã vùng khó.", "135", "programme_number"),
    ("Xã triển khai Đề án 07 về dữ liệu dân cư.", "07", "document_number"),
    ("Theo Quyết định số 1234/QĐ-UBND của tỉnh, xã được công nhận.", "1234/QĐ-UBND", "document_number"),
    ("Việc xử phạt căn cứ Nghị định 100 của Chính phủ.", "100", "document_number"),
    ("Giấy phép hoạt động số 45/GP-BTTTT đã được cấp lại.", "45/GP-BTTTT", "licence_number"),
    ("Người dân gọi đường dây nóng 0912.345.678 của công an huyện.", "0912.345.678", "phone_number"),
    ("Điện thoại: (0226) 3841.234 - 3841.235", "(0226) 3841.234 - 3841.235", "phone_number"),
    ("Fax: (024)3825.1234", "(024)3825.1234", "phone_number"),
    ("Mọi phản ánh xin gọi tổng đài 1900 1234 của tòa soạn.", "1900 1234", "phone_number"),
    ("Xã ra mắt mô hình “Hai không với tội phạm” ở các thôn.", "Hai", "name_with_number"),
    ("Các hộ cam kết thực hiện mô hình 5 không trong khu dân cư.", "5", "name_with_number"),
    ("Phong trào “3 sạch” được chị em hưởng ứng.", "3", "name_with_number"),
    ("Số ca mắc COVID-19 trên địa bàn giảm mạnh.", "COVID-19", "name_with_number"),
    ("Người dân thôn 3 tích cực tham gia tuần tra.", "3", "name_with_number"),
    ("Địa chỉ: số 8 đường Trần Hưng Đạo, thành phố Phủ Lý", "8", "page_furniture"),
    ("1. Tình hình an ninh trật tự trên địa bàn", "1", "page_furniture"),
]

# sentence, raw_text, words expected in the reason
LOW_CONFIDENCE = [
    ("Công an huyện đã xác minh 1,630 tin báo trong kỳ.", "1,630", "ambiguous"),
    ("Có 2018 người tham gia ngày hội.", "2018", "year"),
    ("Thứ nhất, cần làm tốt công tác tuyên truyền.", "Thứ nhất", "enumeration"),
    ("Hội thi được tổ chức lần thứ 3 tại xã.", "thứ 3", "ordinal"),
    ("Mỗi đợt huy động 10-15 người tuần tra.", "10", "range"),
    ("Sau 3 năm thực hiện, mô hình được nhân rộng.", "3", "length of time"),
]


@pytest.mark.parametrize(
    "sentence, raw_text, kind, value, denominator, qualifier, unit", STATISTICS, ids=[case[1] for case in STATISTICS]
)
def test_statistics_are_drafted_with_value_qualifier_and_unit(
    sentence, raw_text, kind, value, denominator, qualifier, unit
):
    candidates, excluded = extract(sentence, SOURCE)
    row = one(candidates, raw_text)
    assert (row["kind"], row["qualifier"], row["unit"]) == (kind, qualifier, unit)
    assert same(row["value"], value) and same(row["denominator"], denominator)
    assert raw_text not in set(excluded["raw_text"])
    assert row["indicator"] == "" and row["source_id"] == SOURCE and row["paragraph"] == "1"


@pytest.mark.parametrize("sentence, raw_text, reason", NON_STATISTICS, ids=[f"{c[2]}:{c[1]}" for c in NON_STATISTICS])
def test_non_statistics_are_excluded_with_their_reason(sentence, raw_text, reason):
    candidates, excluded = extract(sentence, SOURCE)
    assert one(excluded, raw_text)["reason"] == reason
    assert raw_text not in set(candidates["raw_text"]), candidates
    assert set(excluded["reason"]) <= set(schemas.EXCLUSION_REASONS)


@pytest.mark.parametrize("sentence, raw_text, reason", LOW_CONFIDENCE, ids=[c[1] for c in LOW_CONFIDENCE])
def test_doubtful_figures_are_drafted_with_low_confidence_and_a_reason(sentence, raw_text, reason):
    candidates, _ = extract(sentence, SOURCE)
    row = one(candidates, raw_text)
    assert row["confidence"] == "low" and reason in row["confidence_reason"], row["confidence_reason"]


def test_a_text_without_numbers_gives_empty_tables_with_the_columns():
    candidates, excluded = extract("Bài viết này không có con số nào.", SOURCE)
    assert candidates.empty and list(candidates.columns) == list(schemas.FIGURES.columns) + REVIEW_COLUMNS
    assert excluded.empty and list(excluded.columns) == list(schemas.EXCLUSIONS.columns)


def test_ambiguous_separator_is_not_guessed():
    row = one(extract("Công an huyện đã xác minh 1,630 tin báo trong kỳ.", SOURCE)[0], "1,630")
    assert math.isnan(row["value"])


def test_a_clear_figure_with_known_unit_and_place_has_high_confidence():
    row = one(extract("Năm 2021, xã Tân Sơn (Kim Bảng) phát hiện 14 vụ đánh bạc.", SOURCE)[0], "14")
    assert (row["confidence"], row["confidence_reason"]) == ("high", "")
    guessed = one(extract("Chi đoàn xã An Lão trồng 250 gốc sưa dọc tuyến đê.", SOURCE)[0], "250")
    assert guessed["confidence"] == "medium" and "guessed" in guessed["confidence_reason"]


def test_place_and_period_stated_in_the_sentence():
    row = one(extract("Từ năm 2019 đến hết năm 2023, xã Hòa Hậu (Lý Nhân) thành lập 15 tổ hòa giải.", SOURCE)[0], "15")
    assert row["place"] == "xã Hòa Hậu (Lý Nhân)"
    assert (row["period_text"], row["period_start"], row["period_end"], row["period_basis"]) == (
        "Từ năm 2019 đến hết năm 2023",
        "2019",
        "2023",
        "stated",
    )


def test_period_forms():
    cases = {
        "Đến hết năm 2023, toàn tỉnh có 321 câu lạc bộ phòng chống ma túy.": ("2023", "2023"),
        "Năm 2020, huyện Thanh Liêm bắt 7 đối tượng truy nã.": ("2020", "2020"),
        "Từ năm 2018, thị trấn Vĩnh Trụ duy trì 9 đội tuần tra.": ("2018", ""),
        "Trong giai đoạn 2016-2020, tỉnh Hà Nam xây 40 trụ sở.": ("2016", "2020"),
    }
    for sentence, (start, end) in cases.items():
        row = extract(sentence, SOURCE)[0].iloc[0]
        assert (row["period_start"], row["period_end"], row["period_basis"]) == (start, end, "stated"), sentence


def test_place_forms_and_the_district_given_elsewhere():
    text = (
        "Xã Yên Nam (Duy Tiên) là địa bàn trọng điểm về ma túy.\n\n"
        "Năm 2020, Công an xã Yên Nam bắt 7 đối tượng. Toàn tỉnh có 321 câu lạc bộ.\n\n"
        "Ủy ban MTTQ tỉnh Hà Nam khen thưởng 11 tập thể."
    )
    candidates, _ = extract(text, SOURCE)
    assert one(candidates, "7")["place"] == "xã Yên Nam (Duy Tiên)"
    assert one(candidates, "321")["place"] == "toàn tỉnh"
    assert one(candidates, "11")["place"] == "tỉnh Hà Nam"


def test_a_horizon_or_a_comparison_year_is_not_the_period_and_earlier_sentences_imply_it():
    text = (
        "Đề án có tầm nhìn đến năm 2030, huyện Bình Lục đã lập 16 tổ công nghệ. "
        "Năm 2021, xã lập 4 tổ, giảm 2 tổ so với năm 2020. Xã có 30 tình nguyện viên."
    )
    candidates, _ = extract(text, SOURCE)
    assert one(candidates, "16")["period_basis"] == "not_stated" and one(candidates, "16")["period_text"] == "không nêu"
    assert one(candidates, "2")["period_start"] == "2021"
    later = one(candidates, "30")
    assert (later["period_start"], later["period_basis"]) == ("2021", "implied") and "another sentence" in later["note"]


def test_nfd_input_gives_the_same_drafts_as_nfc():
    text = "Từ năm 2019 đến hết năm 2023, xã Hòa Hậu (Lý Nhân) thành lập 15 tổ hòa giải và hàng trăm nhóm Zalo."
    nfc_tables = extract(text, SOURCE)
    nfd_tables = extract(unicodedata.normalize("NFD", text), SOURCE)
    for a, b in zip(nfc_tables, nfd_tables):
        pd.testing.assert_frame_equal(a, b)


ARTICLE = "\n\n".join(
    [
        "Nâng cao hiệu quả phòng chống tội phạm ở khu dân cư",
        " ".join(case[0] for case in STATISTICS[:12]),
        " ".join(case[0] for case in STATISTICS[12:]),
        " ".join(case[0] for case in NON_STATISTICS[:20]),
        " ".join(case[0] for case in LOW_CONFIDENCE),
        "Thôn Đông có 12 hộ nghèo được hỗ trợ. Thôn Tây có 12 hộ nghèo được hỗ trợ.",
        "Xã triển khai mô hình “Hai không với tội phạm” và mô hình 5 không.",
        "Giấy phép số 45/GP-BTTTT do Sở cấp ngày 16/2/2017\n"
        "Điện thoại: (0226) 3841.234 - 3841.235 | Fax: (024)3825.1234",
    ]
)


def test_drafts_of_a_whole_article_pass_the_source_check_and_the_schemas():
    candidates, excluded = extract(ARTICLE, SOURCE)
    paras = paragraphs(ARTICLE)
    rows = [
        evidence.Row("figure", r.figure_id, int(r.paragraph), r.raw_text, r.evidence) for r in candidates.itertuples()
    ]
    rows += [
        evidence.Row("exclusion", f"x{i}", int(r.paragraph), r.raw_text, r.evidence)
        for i, r in enumerate(excluded.itertuples())
    ]
    assert evidence.check(paras, rows) == []
    assert list(candidates.columns) == list(schemas.FIGURES.columns) + REVIEW_COLUMNS
    drafts = candidates[list(schemas.FIGURES.columns)].assign(  # what the researcher fills in
        indicator="draft_indicator",
        place=candidates["place"].replace("", "toàn tỉnh"),
        unit=candidates["unit"].replace("", "người"),
    )
    schemas.FIGURES.validate(drafts)
    schemas.EXCLUSIONS.validate(excluded)
    for row in pd.concat([candidates, excluded]).itertuples():
        assert len(row.evidence.split()) <= 15
        assert len(evidence.occurrences(paras[int(row.paragraph) - 1], row.evidence)) == 1
        assert len(evidence.occurrences(row.evidence, row.raw_text)) == 1


def test_a_repeated_phrase_gets_a_longer_unique_evidence():
    text = "Thôn Đông có 12 hộ nghèo được hỗ trợ. Thôn Tây có 12 hộ nghèo được hỗ trợ."
    candidates, _ = extract(text, SOURCE)
    assert len(candidates) == 2 and candidates["evidence"].is_unique
    assert "Đông" in candidates["evidence"].iloc[0] and "Tây" in candidates["evidence"].iloc[1]
    assert candidates["figure_id"].is_unique


def test_figure_ids_are_readable_unique_slugs():
    candidates, _ = extract(ARTICLE, SOURCE)
    assert candidates["figure_id"].is_unique
    assert candidates["figure_id"].str.fullmatch(schemas.SLUG[1:-1]).all()
    assert (
        one(extract("Năm 2021, xã Tân Sơn (Kim Bảng) phát hiện 14 vụ đánh bạc.", SOURCE)[0], "14")["figure_id"]
        == "tan-son-2021-vu-danh-bac"
    )


def test_paragraphs_are_numbered_like_the_raw_data():
    text = "Tiêu đề\n\n\n   \nĐoạn hai có 5 tổ.\nDòng hai của đoạn hai có 6 tổ.\n\nĐoạn ba có 7 tổ."
    candidates, _ = extract(text, SOURCE)
    assert dict(zip(candidates["raw_text"], candidates["paragraph"])) == {"5": "2", "6": "2", "7": "3"}


def test_the_extractor_knows_no_particular_article():
    module = (ROOT / "src" / "antt" / "sources" / "extract.py").read_text(encoding="utf-8")
    figures = pd.read_csv(ROOT / "data" / "raw" / "figures.csv", dtype=str, keep_default_na=False)
    exclusions = pd.read_csv(ROOT / "data" / "raw" / "exclusions.csv", dtype=str, keep_default_na=False)
    for phrase in list(figures["evidence"]) + list(exclusions["evidence"]):
        if len(phrase.split()) >= 3:
            assert phrase not in module, phrase
    for place in figures["place"]:
        name = place.split("(")[0].removeprefix("xã ").removeprefix("tỉnh ").strip()
        if name not in {"toàn tỉnh", "trong tỉnh"}:
            assert name not in module, name


# --- the command line ---------------------------------------------------------------------------


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_extract_writes_drafts_and_exclusions(tmp_path, capsys):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out, excl = tmp_path / "drafts.csv", tmp_path / "exclusions.csv"
    code, stdout, stderr = run(
        capsys, "extract", str(article), "--source-id", SOURCE, "--out", str(out), "--exclusions-out", str(excl)
    )
    assert code == 0 and stdout == ""
    drafts = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(drafts.columns) == list(schemas.FIGURES.columns) + REVIEW_COLUMNS
    assert list(pd.read_csv(excl, dtype=str).columns) == list(schemas.EXCLUSIONS.columns)
    assert "candidate figure(s)" in stderr and "exclusions written" in stderr
    code, stdout, stderr = run(capsys, "extract", str(article), "--source-id", SOURCE, "--figures-only")
    assert code == 0
    assert next(csv.reader(io.StringIO(stdout))) == list(schemas.FIGURES.columns)
    assert "excluded: paragraph" in stderr  # listed for review when not written to a file


def cp1258(text: str) -> bytes:
    return unicodedata.normalize("NFD", text).encode("cp1258", errors="replace")


BAD_FILES = {
    "empty": (b"", "empty"),
    "blank lines only": (b"\n  \n\t\n", "empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    "cp1258": (cp1258("Năm 2021, xã Tân Sơn phát hiện 14 vụ đánh bạc và 3 vụ trộm cắp."), "UTF-8"),
    "utf-16": ("Năm 2021, xã Tân Sơn phát hiện 14 vụ.".encode("utf-16"), "UTF-16"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input_is_refused_with_one_error_line(tmp_path, capsys, case):
    data, words = BAD_FILES[case]
    article = tmp_path / "article.txt"
    article.write_bytes(data)
    out = tmp_path / "drafts.csv"
    code, stdout, stderr = run(capsys, "extract", str(article), "--source-id", SOURCE, "--out", str(out))
    assert code == 1 and stdout == "" and not out.exists()
    assert stderr.startswith("error: ") and stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert "article.txt" in stderr and words in stderr
    with pytest.raises(TextEncodingError):
        extract(article, SOURCE)


def test_missing_file_and_bad_source_id(tmp_path, capsys):
    code, _, stderr = run(capsys, "extract", str(tmp_path / "none.txt"), "--source-id", SOURCE)
    assert code == 1 and stderr.startswith("error: ") and "not found" in stderr
    article = tmp_path / "a.txt"
    article.write_text("Xã có 5 tổ.", encoding="utf-8")
    code, _, stderr = run(capsys, "extract", str(article), "--source-id", "Not A Slug")
    assert code == 1 and stderr.startswith("error: ") and "slug" in stderr
    with pytest.raises(ValueError, match="empty"):
        extract("  \n ", SOURCE)


# --- check-source on a synthetic source -------------------------------------------------------

SYNTHETIC = (
    "Kết quả phòng chống tội phạm\n\n"
    "Năm 2023, xã Liêm Tiết (Thanh Liêm) phát hiện 14 vụ trộm cắp và 6 vụ đánh bạc; "
    "có gần 2 nghìn hội viên tham gia.\n\n"
    "Đường dây nóng: 0912.345.678"
)


def write_raw(raw: Path, text: Path, figures: list[dict], exclusions: list[dict], sha256: str | None = None) -> None:
    raw.mkdir(exist_ok=True)
    source = {
        "source_id": SOURCE,
        "title": "Kết quả phòng chống tội phạm",
        "publisher": "Báo thử",
        "author": "",
        "place": "Thanh Liêm",
        "province": "Hà Nam",
        "language": "vi",
        "publication_date": "unknown",
        "publication_date_note": "",
        "access_date": "2026-01-01",
        "url": "",
        "text_file": text.name,
        "sha256": sha256 or hashlib.sha256(text.read_bytes()).hexdigest(),
        "licence": "test text",
        "citation": "Written for the tests.",
    }
    pd.DataFrame([source], columns=list(schemas.SOURCES.columns)).to_csv(raw / "sources.csv", index=False)
    pd.DataFrame(figures, columns=list(schemas.FIGURES.columns)).to_csv(raw / "figures.csv", index=False)
    pd.DataFrame(exclusions, columns=list(schemas.EXCLUSIONS.columns)).to_csv(raw / "exclusions.csv", index=False)


def figure(figure_id: str, raw_text: str, evidence: str, unit: str) -> dict:
    return {
        "figure_id": figure_id,
        "source_id": SOURCE,
        "paragraph": "2",
        "raw_text": raw_text,
        "evidence": evidence,
        "indicator": "thefts",
        "place": "xã Liêm Tiết (Thanh Liêm)",
        "period_text": "Năm 2023",
        "period_start": "2023",
        "period_end": "2023",
        "period_basis": "stated",
        "unit": unit,
        "note": "",
    }


FIGURES = [
    figure("thefts", "14", "phát hiện 14 vụ trộm cắp", "vụ"),
    figure("gambling", "6", "6 vụ đánh bạc", "vụ"),
    figure("members", "gần 2 nghìn", "có gần 2 nghìn hội viên", "hội viên"),
]
EXCLUSIONS = [
    {
        "source_id": SOURCE,
        "paragraph": "2",
        "raw_text": "2023",
        "evidence": "Năm 2023, xã Liêm Tiết",
        "reason": "year",
        "note": "",
    },
    {
        "source_id": SOURCE,
        "paragraph": "3",
        "raw_text": "0912.345.678",
        "evidence": "Đường dây nóng: 0912.345.678",
        "reason": "phone_number",
        "note": "",
    },
]


@pytest.fixture
def synthetic(tmp_path):
    text = tmp_path / "synthetic.txt"
    text.write_text(SYNTHETIC, encoding="utf-8")
    return text, tmp_path / "raw"


def test_check_source_passes_when_every_number_is_accounted_for(synthetic, capsys):
    text, raw = synthetic
    write_raw(raw, text, FIGURES, EXCLUSIONS)
    code, stdout, stderr = run(capsys, "check-source", SOURCE, str(text), "--raw-dir", str(raw))
    assert code == 0 and stdout.startswith("ok:") and stderr == ""


def test_check_source_lists_untranscribed_numbers_and_rows_not_in_the_text(synthetic, capsys):
    text, raw = synthetic
    wrong = figure("thefts", "15", "phát hiện 15 vụ trộm cắp", "vụ")
    write_raw(raw, text, [wrong, FIGURES[2]], EXCLUSIONS)
    code, stdout, stderr = run(capsys, "check-source", SOURCE, str(text), "--raw-dir", str(raw))
    assert code == 1
    assert "untranscribed: paragraph 2: '14'" in stdout and "untranscribed: paragraph 2: '6'" in stdout
    assert "evidence_not_found" in stdout and "15 vụ trộm cắp" in stdout
    assert "problem(s)" in stderr
    problems, _, _ = check_source(SOURCE, text, raw)
    assert {p.kind for p in problems} == {"untranscribed", "evidence_not_found"}


def test_check_source_warns_when_the_checksum_differs(synthetic, capsys):
    text, raw = synthetic
    write_raw(raw, text, FIGURES, EXCLUSIONS, sha256="0" * 64)
    code, stdout, stderr = run(capsys, "check-source", SOURCE, str(text), "--raw-dir", str(raw))
    assert code == 0 and stdout.startswith("ok:")
    assert stderr.startswith("warning: ") and "SHA-256" in stderr


def test_check_source_errors(synthetic, capsys, tmp_path):
    text, raw = synthetic
    write_raw(raw, text, FIGURES, EXCLUSIONS)
    code, _, stderr = run(capsys, "check-source", "other-source", str(text), "--raw-dir", str(raw))
    assert code == 1 and stderr.startswith("error: ") and "unknown source_id" in stderr
    code, _, stderr = run(capsys, "check-source", SOURCE, str(tmp_path / "none.txt"), "--raw-dir", str(raw))
    assert code == 1 and stderr.startswith("error: ") and "file not found" in stderr
    bad = tmp_path / "bad.txt"
    bad.write_bytes(cp1258(SYNTHETIC))
    code, _, stderr = run(capsys, "check-source", SOURCE, str(bad), "--raw-dir", str(raw))
    assert code == 1 and stderr.startswith("error: ") and "UTF-8" in stderr and stderr.count("\n") == 1


def test_extract_then_review_then_check_source(synthetic, capsys):
    """The documented workflow: the drafts, once an indicator is assigned, pass check-source."""
    text, raw = synthetic
    candidates, excluded = extract(text, SOURCE)
    assert sorted(candidates["raw_text"]) == ["14", "6", "gần 2 nghìn"]
    assert sorted(excluded["reason"]) == ["phone_number", "year"]
    drafts = candidates[list(schemas.FIGURES.columns)].assign(indicator="thefts")
    write_raw(raw, text, drafts.to_dict("records"), excluded.to_dict("records"))
    code, stdout, _ = run(capsys, "check-source", SOURCE, str(text), "--raw-dir", str(raw))
    assert code == 0, stdout


def test_check_source_on_the_first_article(seed_text, capsys):
    """The registered article against the committed raw data (skips where the text is absent)."""
    for args in (
        ["baohanam-mttq-antt", str(SEED)],
        ["baohanam-mttq-antt"],
    ):  # the text_file in ../shared/seeds by default
        code, stdout, stderr = run(capsys, "check-source", *args)
        assert code == 0 and stdout.startswith("ok:") and stderr == "", stdout + stderr
    code, _, stderr = run(capsys, "check-source", "no-such-source")
    assert code == 1 and stderr.startswith("error: ") and "unknown source_id" in stderr
