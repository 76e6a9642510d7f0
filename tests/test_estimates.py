"""One formatting path: a rate ratio reads the same in the table, the findings and the figure caption."""

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from antt.models.its import fit_its
from antt.reporting import estimates, language

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("value", "en", "vi"),
    [
        (0.5446, "0.545", "0,545"),
        (1.0, "1.00", "1,00"),
        (12.34, "12.3", "12,3"),
        (0.0012345, "0.00123", "0,00123"),
        (0.0, "0", "0"),
        (math.inf, "∞", "∞"),
        (math.nan, "–", "–"),
        (None, "–", "–"),
        (1234.5, "1234", "1234"),
    ],
)
def test_format_ratio_rounds_once_to_three_significant_digits(value, en, vi):
    assert estimates.format_ratio(value, "en") == en
    assert estimates.format_ratio(value, "vi") == vi


@given(st.floats(min_value=1e-6, max_value=1e6, allow_nan=False))
def test_format_ratio_never_ends_in_a_bare_decimal_point_and_stays_close(value):
    text = estimates.format_ratio(value, "en")
    assert not text.endswith(".")
    assert float(text) == pytest.approx(value, rel=5.1e-3)


@pytest.mark.parametrize("value", [1.001, 0.999, 2.5, 1630.0, 1.5])
def test_format_number_never_writes_a_bare_decimal_point(value):
    for lang in ("en", "vi"):
        text = language.format_number(value, lang)
        assert not text.endswith((".", ",")), text


def _rows(status, **values):
    base = {
        "model": "quasi-poisson",
        "headline": True,
        "intervention": "A",
        "kind": "level",
        "rate_ratio": 0.5,
        "lower": 0.3,
        "upper": 0.9,
        "p_value": 0.01,
        "lr_p_value": 0.012,
        "status": status,
        "interval_method": "Wald",
        "reference_distribution": "t",
        "df": 7.0,
    }
    base.update(values)
    return base


def test_interval_text_by_status():
    assert estimates.interval_text(_rows("estimated"), "en") == "0.300 – 0.900"
    boundary = _rows(
        "boundary",
        rate_ratio=math.nan,
        limit="0",
        lower=0.0,
        upper=0.5498,
        p_value=math.nan,
        interval_method="one-sided profile likelihood (MLE on the boundary)",
    )
    assert estimates.interval_text(boundary, "en") == "< 0.550"
    assert estimates.interval_text(boundary, "vi") == "< 0,550"
    up = _rows("boundary", rate_ratio=math.nan, limit="∞", lower=3.1, upper=math.inf)
    assert estimates.estimate_text(up, "en") == "∞"
    assert estimates.interval_text(up, "en") == "> 3.10"
    flat = _rows("not identified", rate_ratio=math.nan, lower=0.0, upper=math.inf)
    assert estimates.interval_text(flat, "en") == "0 – ∞"
    failed = _rows("did not converge", rate_ratio=math.nan, lower=math.nan, upper=math.nan)
    assert estimates.interval_text(failed, "en") == "–"


def test_boundary_sentence_names_its_method_and_the_likelihood_ratio_p():
    row = _rows(
        "boundary",
        rate_ratio=0.0,
        lower=0.0,
        upper=0.5498,
        p_value=math.nan,
        interval_method="one-sided profile likelihood (MLE on the boundary)",
    )
    en = estimates.sentence(row, "en", 0.05)
    assert "< 0.550" in en and "one-sided profile likelihood" in en and "likelihood-ratio p = 0.012" in en
    vi = estimates.sentence(row, "vi", 0.05)
    assert "< 0,550" in vi and "hợp lý hồ sơ một phía" in vi and "0,012" in vi
    assert "nan" not in en + vi and "inf" not in en + vi


def test_wald_sentence_has_interval_method_reference_and_p():
    en = estimates.sentence(_rows("estimated", rate_ratio=0.5446, lower=0.31, upper=0.958), "en", 0.05)
    assert en == ("Level change at «A»: rate ratio 0.545 (95% CI 0.310 – 0.958; Wald, t (7 df); p = 0.010).")


def test_hac_rows_carry_their_caveat_next_to_the_numbers():
    row = _rows("estimated", model="poisson-HAC (sensitivity)", headline=False, p_value=0.0004)
    described = estimates.describe(row, "en")
    assert described.p_value == "< 0.001"
    assert "Sensitivity analysis only" in described.caveat
    assert "độ nhạy" in estimates.describe(row, "vi").caveat


@pytest.fixture(scope="module")
def fitted():
    series = pd.DataFrame(
        {
            "year": range(2004, 2024),
            "count": [96, 104, 99, 110, 93, 101, 97, 105, 99, 103, 52, 47, 55, 50, 49, 53, 51, 46, 52, 48],
        }
    )
    return fit_its(series, {"model": 2014})


def test_the_same_estimate_reads_the_same_in_table_findings_and_caption(fitted):
    for lang in ("en", "vi"):
        row = fitted.rate_ratio(kind="level")
        described = estimates.describe(row, lang)
        table = estimates.rate_ratio_table(fitted.rate_ratios, lang)
        t = language.translator(lang)
        first = table.iloc[0]
        assert first[t("rate_ratio")] == described.estimate
        assert first[t("interval")] == described.interval
        sentence = estimates.sentence(row, lang, fitted.alpha)
        assert described.estimate in sentence and described.interval in sentence
        assert f"{described.estimate} ({described.interval})" in estimates.short(row, lang)


def test_every_note_key_used_by_the_models_is_in_the_catalogue_in_both_languages():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "antt" / "models").glob("*.py"))
    keys = set(re.findall(r'Note\("([a-z_]+)"', source))
    assert len(keys) >= 15
    labels = language.load_labels()
    missing = sorted(keys - set(labels.index))
    assert not missing, missing


def test_every_note_of_a_fit_renders_in_both_languages(fitted):
    series = pd.DataFrame({"year": range(2012, 2025), "count": [4, 6, 5, 7, 6, 5, 0, 0, 0, 0, 0, 0, 0]})
    boundary = fit_its(series, {"A": 2018, "B": 2022})
    notes = list(fitted.note_keys) + list(boundary.note_keys)
    assert {"note_separation", "note_not_identified", "note_t_reference"} <= {n.key for n in notes}
    for note in notes:
        for lang in ("vi", "en"):
            text = language.note_text(note, lang)
            assert text and "{" not in text
    assert any(text.startswith("Separation") for text in language.english_notes(boundary))
