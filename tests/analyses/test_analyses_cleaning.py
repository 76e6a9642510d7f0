"""analyses.cleaning (notebook 01): the tables it shows and its findings, in both languages."""

from __future__ import annotations

import pandas as pd
import pytest

from antt.analyses import cleaning
from antt.data import clean


@pytest.fixture(scope="module")
def cleaned():
    return clean.load_raw(), clean.clean(write=False)


def test_findings_count_what_the_cleaning_did(cleaned):
    raw, result = cleaned
    found = cleaning.findings(raw, result)
    assert found["figures_transcribed"] == len(raw.figures) and found["numbers_excluded"] == len(raw.exclusions)
    assert found["indicators_written"] == len(result.indicators)
    assert found["quality_flags"] + found["quality_failures"] == len(cleaning.flagged(result.quality))
    assert sum(found["quality"].values()) == len(result.quality)
    assert set(found) >= {"data_period", "data_date", "headline", "limitations", "sources"}
    for lang in ("vi", "en"):
        lines = found["headline"][lang] + found["limitations"][lang] + [found["data_date"][lang]]
        assert len(found["headline"][lang]) == 3 and all(lines)
        assert not any("{" in line or "clean_" in line for line in lines)
    assert found["headline"]["vi"][0].startswith(f"{len(raw.figures)} số liệu")
    assert found["headline"]["en"][0].startswith(f"{len(raw.figures)} statistics")


def test_one_source_or_several():
    counts = {"n_fig": 1200, "n_exc": 3, "n_src": 1, "repeated": 0, "periods": 2}
    assert "bài báo" in cleaning.limitations(counts, "vi")[0]
    several = cleaning.limitations({**counts, "n_src": 2}, "en")[0]
    assert several.startswith("2 sources")
    assert cleaning.headline(counts, "vi")[0].startswith("1.200 số liệu")
    assert cleaning.headline(counts, "en")[0].startswith("1,200 statistics")


def test_tables_are_labelled_in_each_language(cleaned):
    raw, result = cleaned
    assert "Publisher" in cleaning.sources_table(raw.sources, "en").columns
    assert "Cơ quan xuất bản" in cleaning.sources_table(raw.sources, "vi").columns
    exclusions = cleaning.exclusions_table(raw.exclusions, "en")
    assert list(exclusions.columns) == ["Reason", "Count"] and exclusions["Count"].sum() == len(raw.exclusions)
    for lang in ("vi", "en"):  # every reason in words, none as its code
        reasons = cleaning.exclusions_table(raw.exclusions, lang).iloc[:, 0]
        assert not [r for r in reasons if "_" in r or r in set(raw.exclusions["reason"])], reasons
    assert "số điện thoại hoặc fax" in set(cleaning.exclusions_table(raw.exclusions, "vi").iloc[:, 0])
    summary = cleaning.quality_summary(result.quality, "vi")
    assert list(summary.columns) == ["Kiểm tra", "Kết quả", "Số lượng"]
    assert summary["Số lượng"].sum() == len(result.quality)


def test_flagged_keeps_every_row_that_did_not_pass():
    quality = pd.DataFrame({"status": ["pass", "flag", "fail"], "check": ["a", "b", "c"]})
    assert list(cleaning.flagged(quality)["check"]) == ["b", "c"]
