"""Reading text safely (antt.text): UTF-8 only, NFC, refusals that name the file; name keys."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antt.text import TextEncodingError, canonical_tone, key, nfc, paragraphs, read_text

SENTENCE = "Xã Ngọc Lũ, huyện Bình Lục, tỉnh Hà Nam không phát sinh người nghiện mới."
# Genuine Vietnamese with many diacritics, in both tone styles, capitals included.
LONG_PARAGRAPH = (
    "Năm 2018, công tác bảo đảm an ninh trật tự ở khu dân cư được Ủy ban MTTQ xã phối hợp "
    "với công an triển khai đồng bộ. Số người nghiện ma túy giảm rõ rệt; nhiều gia đình "
    "được hòa giải, không để xảy ra mâu thuẫn kéo dài. Bà Nguyễn Thị Thủy, ủy viên ủy ban, "
    "cho biết người dân khỏe mạnh, đoàn kết, tích cực tố giác tội phạm. Tổ hòa giải ở cơ sở "
    "đã giải quyết dứt điểm các vụ việc, giữ vững bình yên thôn xóm. Ông Trần Văn Quý, "
    "trưởng thôn, nói: «Khu dân cư an toàn là nhờ mỗi người tự giác». Các hộ kinh doanh, "
    "nhà trọ đều ký cam kết; lực lượng dân phòng tuần tra ban đêm, hoà giải, thuỷ lợi, "
    "khoẻ — tất cả được ghi nhận. XÃ NGỌC LŨ ĐÃ ĐƯỢC CÔNG NHẬN “ĐẠT CHUẨN AN TOÀN VỀ ANTT”… "
    "Ủy ban nhân dân huyện khen thưởng 12 tập thể và 27 cá nhân có thành tích xuất sắc."
)
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(s: str) -> bytes:
    """Windows-1258 bytes: precomposed base letters (â, ơ, ư...) plus combining tone marks."""
    out = b""
    for ch in s:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = nfc("".join(c for c in parts if c not in _TONES))
            out += (base + "".join(c for c in parts if c in _TONES)).encode("cp1258")
    return out


def write(tmp_path: Path, data: bytes, name: str = "article.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refusal(path: Path | str) -> str:
    with pytest.raises(TextEncodingError) as info:
        read_text(path)
    assert str(path) in str(info.value)
    return str(info.value)


def test_nfd_and_nfc_files_read_identically(tmp_path):
    nfd = write(tmp_path, unicodedata.normalize("NFD", SENTENCE).encode(), "nfd.txt")
    nfc_file = write(tmp_path, SENTENCE.encode(), "nfc.txt")
    assert read_text(nfd) == read_text(nfc_file) == SENTENCE
    assert unicodedata.is_normalized("NFC", read_text(nfd))


def test_accepts_str_and_path(tmp_path):
    path = write(tmp_path, SENTENCE.encode())
    assert read_text(str(path)) == read_text(path) == SENTENCE


def test_bom_is_dropped(tmp_path):
    assert read_text(write(tmp_path, b"\xef\xbb\xbf" + SENTENCE.encode())) == SENTENCE


def test_crlf_and_cr_become_lf(tmp_path):
    path = write(tmp_path, "Đoạn một\r\nDòng hai\rDòng ba\r\n".encode())
    assert read_text(path) == "Đoạn một\nDòng hai\nDòng ba\n"


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", b"\xef\xbb\xbf", "\u00a0 \u3000\n".encode()])
def test_empty_or_whitespace_file(tmp_path, data):
    assert refusal(write(tmp_path, data)).endswith("file is empty")


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", bytes(range(1, 32)) * 4, b"ab\x00cd"],
)
def test_binary_file(tmp_path, data):
    assert "looks like a binary file, not text" in refusal(write(tmp_path, data, "image.png"))


def test_a_stray_control_byte_is_still_text(tmp_path):
    assert read_text(write(tmp_path, SENTENCE.encode() + b"\x1b")) == SENTENCE + "\x1b"


def test_utf16_refused(tmp_path):
    assert "UTF-16" in refusal(write(tmp_path, SENTENCE.encode("utf-16")))


@pytest.mark.parametrize(
    "data",
    [
        unicodedata.normalize("NFD", "Xã Ngọc Lũ").encode("cp1258"),
        to_cp1258(SENTENCE),
        to_cp1258(LONG_PARAGRAPH),
        "Xã Ngọc Lũ".encode("latin-1", errors="replace") + b"\xe3",  # Latin-1 ã
    ],
)
def test_legacy_encodings_refused(tmp_path, data):
    message = refusal(write(tmp_path, data))
    assert "not UTF-8" in message
    assert "Windows-1258, TCVN3, VNI" in message and "re-save it as UTF-8" in message


@pytest.mark.parametrize(
    "mojibake",
    [
        SENTENCE.encode().decode("cp1252", errors="replace"),
        SENTENCE.encode().decode("latin-1"),
        unicodedata.normalize("NFD", SENTENCE).encode().decode("cp1252", errors="replace"),
        "Hoạt động của Ủy ban".encode().decode("cp1252", errors="replace"),
        "Thá»§y, ngÆ°á»i nghiá»‡n, Ä‘Æ°á»£c",
    ],
)
def test_mojibake_refused(tmp_path, mojibake):
    assert "mojibake" in refusal(write(tmp_path, mojibake.encode()))


def test_vni_shown_as_latin1_refused(tmp_path):
    vni = "Xaõ Ngoïc Luõ, huyeän Bình Luïc, tænh Haø Nam khoâng phaùt sinh ngöôøi nghieän môùi."
    message = refusal(write(tmp_path, vni.encode()))
    assert "VNI" in message and "re-save it as UTF-8" in message


@pytest.mark.parametrize(
    "text",
    [
        SENTENCE,
        LONG_PARAGRAPH,
        LONG_PARAGRAPH.upper(),
        unicodedata.normalize("NFD", LONG_PARAGRAPH),
        "XÃ» «ĐÃ» “NGÃ” ĐÃ… XÃ–XÃ— ÌT’",  # capitals next to punctuation
        "Ông Müller (Köln) và bà Noël đến thăm xã Ngọc Lũ, huyện Bình Lục, tỉnh Hà Nam.",
    ],
)
def test_genuine_vietnamese_is_never_refused(tmp_path, text):
    assert read_text(write(tmp_path, text.encode())) == nfc(text)


_VOWELS = "aăâeêioôơuưy"
_VIETNAMESE_LETTERS = (
    "".join(nfc(v + tone) for v in _VOWELS + _VOWELS.upper() for tone in ("", *_TONES))
    + "đĐbcdghklmnpqrstvxBCDGHKLMNPQRSTVX"
)
_PUNCTUATION = " \n\u00a0.,;:!?()-–—…“”‘’«»\"'0123456789%/"


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=_VIETNAMESE_LETTERS + _PUNCTUATION, min_size=1))
def test_any_text_of_vietnamese_letters_is_accepted(tmp_path, text):
    path = write(tmp_path, text.encode())
    if text.strip():
        assert read_text(path) == nfc(text.replace("\r", "\n"))
    else:
        assert refusal(path).endswith("file is empty")


def test_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_text(tmp_path / "nope.txt")


def test_nfc():
    assert nfc(unicodedata.normalize("NFD", "Ngọc Lũ")) == "Ngọc Lũ"


def test_paragraphs_split_on_blank_and_whitespace_lines():
    text = "  Đoạn một\ndòng hai  \n\n   \n\t\nĐoạn hai\n \u00a0\nĐoạn ba\n\n\n"
    assert paragraphs(text) == ["Đoạn một\ndòng hai", "Đoạn hai", "Đoạn ba"]


@pytest.mark.parametrize("text", ["", "\n\n", "  \n \t \n"])
def test_paragraphs_of_blank_text(text):
    assert paragraphs(text) == []


def test_paragraphs_crlf():
    assert paragraphs("a\r\nb\r\n\r\nc") == ["a\nb", "c"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("hoà", "hòa"),
        ("khoẻ", "khỏe"),
        ("Thuỷ", "Thủy"),
        ("HOÀ", "HÒA"),
        ("uỷ ban", "ủy ban"),
        ("Uỷ ban MTTQ", "Ủy ban MTTQ"),
        ("hoà giải, khoẻ mạnh, thuỷ lợi", "hòa giải, khỏe mạnh, thủy lợi"),
        ("tuỳ", "tùy"),
        ("huỷ", "hủy"),
        ("hòa", "hòa"),
        ("Thủy", "Thủy"),
        ("quý", "quý"),
        ("Quý", "Quý"),
        ("quỳnh", "quỳnh"),
        ("hoàng", "hoàng"),
        ("toán", "toán"),
        ("khuyến", "khuyến"),
        ("thuận", "thuận"),
        ("người", "người"),
        ("A1 hoà2", "A1 hòa2"),
    ],
)
def test_canonical_tone(given, expected):
    assert canonical_tone(given) == expected
    assert canonical_tone(unicodedata.normalize("NFD", given)) == expected


@given(st.text(alphabet=_VIETNAMESE_LETTERS + " ,.\n"))
def test_canonical_tone_is_nfc_idempotent_and_form_blind(text):
    once = canonical_tone(text)
    assert unicodedata.is_normalized("NFC", once)
    assert canonical_tone(once) == once
    assert canonical_tone(unicodedata.normalize("NFD", text)) == once
    assert once.casefold() == canonical_tone(text.casefold()).casefold()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (unicodedata.normalize("NFD", "Ngọc Lũ"), "ngọc  lũ"),
        ("Hòa", "hoà"),
        ("  Xã Ngọc\u00a0Lũ\n", "xã ngọc lũ"),
        ("ỦY BAN", "uỷ ban"),
        ("Đồn Xá", "đồn xá"),
    ],
)
def test_key_equivalences(a, b):
    assert key(a) == key(b)


@pytest.mark.parametrize(("a", "b"), [("Hòa", "Hoàng"), ("Hòa", "Hóa"), ("Ngọc Lũ", "Ngoc Lu")])
def test_key_keeps_distinct_names_apart(a, b):
    assert key(a) != key(b)
