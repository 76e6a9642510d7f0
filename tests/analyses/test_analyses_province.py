"""analyses.province (notebook 02): estimates, tables and findings from the processed data, in both languages;
every level is derived from alpha."""

from __future__ import annotations

import pytest

from antt import paths
from antt.analyses import province
from antt.data import clean, codebook
from antt.reporting.language import LANGS


def _run(alpha: float, method: str = "wilson"):
    indicators = clean.load_indicators(paths.PROCESSED / "indicators.csv")
    book = codebook.load_indicators()
    units = {lg: codebook.units(book, lg) for lg in LANGS}
    props = province.proportions(indicators, book, codebook.load_part_whole(), alpha, method)
    attainment = province.attainment(props)
    homogeneity = province.homogeneity(attainment, {k: units["vi"][k] for k in attainment["indicator"]}, alpha)
    ratios = province.ratios(indicators, codebook.load_ratios(), "vi")
    found = province.findings(props, homogeneity, ratios, indicators, clean.load_sources(), units, "figures/x.png")
    return props, homogeneity, ratios, found


@pytest.fixture(scope="module")
def default():
    return _run(0.05)


def test_findings_keys_and_words(default):
    _, _, _, found = default
    assert set(found) == {
        "proportions",
        "homogeneity",
        "ratios",
        "data_period",
        "data_date",
        "question",
        "headline",
        "plain",
        "limitations",
        "thumbnail",
    }
    assert all(len(found["plain"][lang]) == len(found["headline"][lang]) for lang in LANGS)
    for lang in LANGS:
        lines = found["headline"][lang] + found["limitations"][lang]
        assert len(found["headline"][lang]) == 4 and len(found["limitations"][lang]) == 4
        assert not any("{" in line or "prov_" in line for line in lines)
    assert "KTC 95%" in found["headline"]["vi"][0] and "95% CI" in found["headline"]["en"][0]
    assert "«gần 20 nghìn»" in found["headline"]["en"][3]  # the bounded figure, as written in the article


def test_alpha_gives_the_level_everywhere():
    props, _, _, found = _run(0.1, "clopper-pearson")
    assert "KTC 90%" in found["headline"]["vi"][0] and "(KTC 90%" in found["headline"]["vi"][2]
    assert "90% CI" in found["headline"]["en"][0] and "Clopper–Pearson" in found["headline"]["en"][0]
    assert not any("95%" in line for line in found["headline"]["en"])
    table = province.proportion_table(props, {k: k for k in props["indicator"]}, "en")
    assert table["Confidence interval"].str.endswith("(90%)").all()


def test_tables_render_in_both_languages(default):
    props, homogeneity, ratios, _ = default
    for lang in LANGS:
        for table in (
            province.proportion_table(props, {k: k for k in props["indicator"]}, lang),
            province.homogeneity_table(homogeneity, lang),
            province.pairwise_table(homogeneity, lang),
            province.ratio_table(ratios, lang),
        ):
            assert len(table) and "{" not in table.to_string()
    note = province.homogeneity_table(homogeneity, "vi").iloc[0]["Ghi chú"]
    assert note.startswith("xấp xỉ đáng ngờ: ") == bool(homogeneity.approximation_doubtful)
    exact = province.homogeneity_table(homogeneity, "vi").iloc[1]["Ghi chú"]
    assert exact == "liệt kê đủ 101.270 bảng có cùng các tổng biên", exact  # in words, grouped the Vietnamese way
    assert "11,48" in province.ratio_table(ratios, "vi").to_string()
