"""The Vietnamese figure parser (antt.numerals): these tests are its specification."""

from __future__ import annotations

import unicodedata
from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antt.numerals import SCALES, FigureParseError, ParsedFigure, parse_figure, parse_number

# ---------------------------------------------------------------- parse_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("27", 27),
        ("1630", 1630),
        ("1.630", 1630),
        ("2.018", 2018),
        ("1.234.567", 1_234_567),
        ("1,5", 1.5),
        ("12,75", 12.75),
        ("0,125", 0.125),  # integer part 0: not English thousands, so not ambiguous
        ("1234,567", 1234.567),  # 4-digit integer part: not English thousands either
        ("1.234,5", 1234.5),
        ("1,2340", 1.234),
        ("20 nghìn", 20_000),
        ("20 ngàn", 20_000),
        ("20nghìn", 20_000),
        ("1,5 triệu", 1_500_000),
        ("3 tỷ", 3e9),
        ("3 tỉ", 3e9),
        ("1,5 nghìn tỷ", 1.5e12),
        ("20 NGHÌN", 20_000),
        ("20\u00a0nghìn", 20_000),
        ("20\u202fnghìn", 20_000),
        ("  1.630\t", 1630),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == expected
    assert parse_number(unicodedata.normalize("NFD", text)) == expected


@pytest.mark.parametrize("text", ["1.5", "1.23", "1.2345", "1234.567", "12.5"])
def test_dot_decimal_is_refused_with_the_convention(text):
    with pytest.raises(FigureParseError, match=r"'\.' groups thousands.*decimal mark is ','") as info:
        parse_number(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("text", ["1,630", "12,500", "1,234,567", "1,234.5"])
def test_parse_number_raises_on_ambiguous(text):
    with pytest.raises(FigureParseError, match=r"ambiguous|English"):
        parse_number(text)


@pytest.mark.parametrize(
    "text", ["", "abc", "12abc", "--", "-5", ",5", "1,,5", "1,2,3", "20 trăm", "1 triệu 200 nghìn", "٣"]
)
def test_parse_number_errors_quote_the_text(text):
    with pytest.raises(FigureParseError) as info:
        parse_number(text)
    assert repr(" ".join(text.split())) in str(info.value)


# ---------------------------------------------------------------- parse_figure: forms


def check(text, kind, value, lower, upper, qualifier, denominator=None):
    fig = parse_figure(text)
    assert fig == ParsedFigure(text, kind, value, denominator, lower, upper, qualifier)
    nfd = unicodedata.normalize("NFD", text)
    assert parse_figure(nfd) == ParsedFigure(nfd, kind, value, denominator, lower, upper, qualifier)


@pytest.mark.parametrize(("text", "value"), [("27", 27), ("1.630", 1630), ("0", 0), ("1,5 triệu", 1.5e6)])
def test_plain_count(text, value):
    check(text, "count", value, value, value, "exact")


@pytest.mark.parametrize(
    ("text", "value", "lower", "upper", "qualifier"),
    [
        ("gần 20 nghìn", 20_000, 15_000, 20_000, "nearly"),
        ("Gần 1.630", 1630, 1625, 1630, "nearly"),
        ("trên 12 nghìn", 12_000, 12_000, 13_000, "more_than"),
        ("trên 100", 100, 100, 200, "more_than"),
        ("hơn 1.630", 1630, 1630, 1640, "more_than"),
        ("HƠN 27", 27, 27, 28, "more_than"),
        ("khoảng 1,5 triệu", 1_500_000, 1_450_000, 1_550_000, "about"),
        ("chừng 300", 300, 250, 350, "about"),
        ("khoảng 2,25", 2.25, 2.245, 2.255, "about"),
        ("gần 1", 1, 0.5, 1, "nearly"),
        ("khoảng 0", 0, 0, 0.5, "about"),  # step of a written zero is 1; lower bound clipped at 0
    ],
)
def test_qualifiers(text, value, lower, upper, qualifier):
    check(text, "count", value, lower, upper, qualifier)


@pytest.mark.parametrize(
    ("text", "lower", "upper"),
    [
        ("hàng chục", 10, 99),
        ("hàng trăm", 100, 999),
        ("hàng nghìn", 1_000, 9_999),
        ("hàng ngàn", 1_000, 9_999),
        ("hàng chục nghìn", 10_000, 99_999),
        ("hàng trăm nghìn", 100_000, 999_999),
        ("hàng triệu", 1_000_000, 9_999_999),
        ("hàng chục triệu", 10_000_000, 99_999_999),
        ("Hàng tỷ", 1e9, 1e10 - 1),
    ],
)
def test_order_of_magnitude(text, lower, upper):
    check(text, "magnitude", None, lower, upper, "order_of_magnitude")


@pytest.mark.parametrize(
    ("text", "value", "denominator", "lower", "upper", "qualifier"),
    [
        ("1.216/2.018", 1216, 2018, 1216, 1216, "exact"),
        ("1.216 / 2.018", 1216, 2018, 1216, 1216, "exact"),
        ("1.216\u00a0/\u00a02.018", 1216, 2018, 1216, 1216, "exact"),
        ("5/12", 5, 12, 5, 5, "exact"),
        ("1216/2018", 1216, 2018, 1216, 1216, "exact"),
        ("gần 1.200/2.018", 1200, 2018, 1150, 1200, "nearly"),
        ("trên 1.200/2.018", 1200, 2018, 1200, 1300, "more_than"),
        ("1,5 nghìn/3 nghìn", 1500, 3000, 1500, 1500, "exact"),
    ],
)
def test_fractions(text, value, denominator, lower, upper, qualifier):
    check(text, "fraction", value, lower, upper, qualifier, denominator)


@pytest.mark.parametrize(
    "text", ["16/2/2017", "16/02/2017", "1/1/2020", "16/2", "31/12", "2/2017", "12/2018", "2017/2018"]
)
def test_dates_are_not_statistics(text):
    with pytest.raises(FigureParseError, match="looks like a date, not a statistic"):
        parse_figure(text)


@pytest.mark.parametrize("text", ["3/0", "1.216/0", "0/0"])
def test_zero_denominator(text):
    with pytest.raises(FigureParseError, match="zero denominator"):
        parse_figure(text)


@pytest.mark.parametrize(
    ("text", "value", "lower", "upper", "qualifier"),
    [
        ("100%", 100, 100, 100, "exact"),
        ("12,5 %", 12.5, 12.5, 12.5, "exact"),
        ("12,5\u00a0%", 12.5, 12.5, 12.5, "exact"),
        ("gần 50%", 50, 45, 50, "nearly"),
        ("trên 90%", 90, 90, 100, "more_than"),
        ("250%", 250, 250, 250, "exact"),  # growth above 100 % is allowed
    ],
)
def test_percentages(text, value, lower, upper, qualifier):
    check(text, "percent", value, lower, upper, qualifier)


@pytest.mark.parametrize(
    ("text", "rank"),
    [
        ("thứ nhất", 1),
        ("thứ nhì", 2),
        ("thứ hai", 2),
        ("thứ ba", 3),
        ("thứ tư", 4),
        ("thứ năm", 5),
        ("thứ sáu", 6),
        ("thứ bảy", 7),
        ("thứ tám", 8),
        ("thứ chín", 9),
        ("thứ mười", 10),
        ("thứ 3", 3),
        ("thứ 12", 12),
        ("Thứ Nhất", 1),
    ],
)
def test_ranks(text, rank):
    check(text, "rank", rank, rank, rank, "exact")


@pytest.mark.parametrize("text", ["thứ 0", "thứ mấy", "thứ 1,5"])
def test_bad_ranks(text):
    with pytest.raises(FigureParseError, match="not a rank"):
        parse_figure(text)


@pytest.mark.parametrize(
    "text", ["không phát sinh người nghiện mới", "không có vụ việc nào", "Không có", "không phát sinh"]
)
def test_stated_absence(text):
    check(text, "stated_zero", 0, 0, 0, "stated_absence")


@pytest.mark.parametrize("text", ["không có số liệu", "Không có thông tin về số vụ", "không có báo cáo"])
def test_missing_data_is_not_a_stated_zero(text):
    with pytest.raises(FigureParseError, match="data are missing, not a zero"):
        parse_figure(text)


def test_khong_alone_is_not_a_stated_absence():
    with pytest.raises(FigureParseError):
        parse_figure("không")


# ---------------------------------------------------------------- ambiguity and errors


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        ("1,630", "count", ["ambiguous", "1.63", "1630"]),
        ("12,500", "count", ["ambiguous", "12.5", "12500"]),
        ("khoảng 1,630", "count", ["ambiguous"]),
        ("1,234,567", "count", ["English"]),
        ("1,234.5", "count", ["English"]),
        ("12,500%", "percent", ["ambiguous"]),
        ("1,200/2.018", "fraction", ["ambiguous"]),
    ],
)
def test_ambiguous_numbers_need_review(text, kind, words):
    fig = parse_figure(text)
    assert fig.needs_review and fig.kind == kind
    assert fig.value is None and fig.lower is None and fig.upper is None
    assert all(w in fig.review_reason for w in words)


def test_ambiguous_denominator_needs_review():
    fig = parse_figure("1.216/2,018")
    assert fig.needs_review and fig.kind == "fraction"
    assert fig.value is None and fig.denominator is None


@pytest.mark.parametrize("text", ["1.5", "gần 1.5", "1.5%", "1.5/2"])
def test_dot_decimal_figures_are_errors(text):
    with pytest.raises(FigureParseError, match=r"'\.' groups thousands") as info:
        parse_figure(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "12abc", "--", "%", "gần", "trên abc", "hàng chục chục", "27 vụ", "1/abc", "/5"],
)
def test_other_text_is_an_error_that_quotes_it(text):
    with pytest.raises(FigureParseError) as info:
        parse_figure(text)
    assert repr(text) in str(info.value)


def test_parsed_figure_is_frozen():
    with pytest.raises(FrozenInstanceError):
        parse_figure("27").value = 28


# ---------------------------------------------------------------- article_numeral


def article_numeral(value: float | int, scale: str | None = None) -> str:
    """Write a non-negative number as the article would, the inverse of ``parse_number``: the writer of the
    round-trip properties below (the reports format numbers with Babel, in antt.reporting.language).
    It takes the full value (``article_numeral(20000, "nghìn")`` is ``"20 nghìn"``) so that
    ``parse_number(article_numeral(x, scale)) == x``.

    ``1630`` -> ``"1.630"``, ``1.5`` -> ``"1,5"``, ``(20000, "nghìn")`` -> ``"20 nghìn"``
    (``value`` is the full value, divided by the scale). Floats are written from their shortest
    ``repr``. Three decimals with a 1-3 digit integer part get a trailing zero (``"1,2340"``).
    """
    if scale is not None and scale not in SCALES:
        raise ValueError(f"unknown scale word {scale!r}; use one of {sorted(SCALES)}")
    number = Decimal(repr(value) if isinstance(value, float) else int(value))
    if not number.is_finite() or number < 0:
        raise ValueError(f"article_numeral writes non-negative finite numbers, not {value!r}")
    number /= SCALES[scale] if scale else 1
    digits = format(number.normalize(), "f")
    whole, _, frac = digits.partition(".")
    whole = f"{int(whole):,}".replace(",", ".")
    if len(frac) == 3 and len(whole) <= 3 and whole != "0":
        frac += "0"
    out = f"{whole},{frac}" if frac else whole
    return f"{out} {scale}" if scale else out


@pytest.mark.parametrize(
    ("value", "scale", "expected"),
    [
        (0, None, "0"),
        (27, None, "27"),
        (1630, None, "1.630"),
        (1630.0, None, "1.630"),
        (1_234_567, None, "1.234.567"),
        (1.5, None, "1,5"),
        (12.75, None, "12,75"),
        (0.125, None, "0,125"),
        (1.234, None, "1,2340"),  # never the ambiguous "1,234"
        (999.001, None, "999,0010"),
        (1234.567, None, "1.234,567"),
        (20_000, "nghìn", "20 nghìn"),
        (1_500_000, "triệu", "1,5 triệu"),
        (1234, "nghìn", "1,2340 nghìn"),
        (3e9, "tỷ", "3 tỷ"),
    ],
)
def test_article_numeral(value, scale, expected):
    assert article_numeral(value, scale) == expected


@pytest.mark.parametrize(("value", "scale"), [(-1, None), (float("nan"), None), (float("inf"), None), (5, "trăm")])
def test_article_numeral_errors(value, scale):
    with pytest.raises(ValueError):
        article_numeral(value, scale)


# ---------------------------------------------------------------- properties

integers = st.integers(min_value=0, max_value=10**12)
scales = st.sampled_from(["nghìn", "ngàn", "triệu", "tỷ", "tỉ"])


@given(integers)
def test_integers_round_trip(n):
    assert parse_number(article_numeral(n)) == n


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=3))
def test_decimals_round_trip(units, places):
    value = units / 10**places  # correctly rounded, like parsing the decimal text
    assert parse_number(article_numeral(value)) == value


@given(st.integers(min_value=0, max_value=10**9))
def test_thousands_round_trip(n):
    text = article_numeral(n * 1000, "nghìn")
    assert text == f"{article_numeral(n)} nghìn"
    assert parse_number(text) == n * 1000


@given(integers, scales)
def test_scaled_integers_round_trip(n, scale):
    assert parse_number(article_numeral(n, scale)) == n


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=0, max_value=10**9))
def test_fractions_round_trip(b, a):
    a = a % (b + 1)  # a part of a whole: a <= b
    fig = parse_figure(f"{article_numeral(a)}/{article_numeral(b)}")
    assert (fig.kind, fig.value, fig.denominator, fig.lower, fig.upper) == ("fraction", a, b, a, a)


@given(
    st.sampled_from(["", "gần ", "trên ", "hơn ", "khoảng ", "chừng ", "GẦN "]),
    st.integers(min_value=0, max_value=10**12),
    st.integers(min_value=0, max_value=3),
    st.sampled_from([None, "nghìn", "triệu", "tỷ"]),
    st.sampled_from(["", "%", "/10.000.000.000.000"]),
)
def test_bounds_contain_the_value(qualifier, units, places, scale, suffix):
    value = units / 10**places
    fig = parse_figure(f"{qualifier}{article_numeral(value, scale)}{suffix}")
    assert not fig.needs_review
    assert fig.value == value  # article_numeral takes the full value, whatever the scale word
    assert 0 <= fig.lower <= fig.value <= fig.upper


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=2))
def test_percent_round_trip(units, places):
    value = units / 10**places
    fig = parse_figure(f"{article_numeral(value)}%")
    assert (fig.kind, fig.value, fig.lower, fig.upper) == ("percent", value, value, value)
