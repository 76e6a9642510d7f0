"""The raw data against the article: every statistic transcribed, every other number excluded with a reason,
every raw_text and evidence found where the row says. Needs ../shared/seeds (skips, saying why, without it)."""

import hashlib

import pytest

from antt.data import clean
from antt.sources import evidence
from antt.text import paragraphs

from conftest import SEED

SOURCE_ID = "baohanam-mttq-antt"


@pytest.fixture(scope="module")
def raw():
    return clean.load_raw()


def test_checksum_matches_the_source_text(raw, seed_text):
    row = raw.sources.set_index("source_id").loc[SOURCE_ID]
    assert row["text_file"] == SEED.name
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == row["sha256"]


def test_every_number_in_the_article_is_accounted_for(raw, seed_text):
    rows = evidence.rows_from_tables(SOURCE_ID, raw.figures, raw.exclusions)
    problems = evidence.check(paragraphs(seed_text), rows)
    assert not problems, "\n".join(p.message for p in problems)


def test_every_figure_points_at_its_paragraph(raw, seed_text):
    paras = paragraphs(seed_text)
    for fig in raw.figures.itertuples():
        paragraph = paras[int(fig.paragraph) - 1]
        assert fig.evidence in paragraph, f"{fig.figure_id}: evidence not in paragraph {fig.paragraph}"
        assert fig.raw_text in fig.evidence, f"{fig.figure_id}: raw_text not in its evidence"


def test_the_check_catches_a_missing_figure(raw, seed_text):
    rows = [r for r in evidence.rows_from_tables(SOURCE_ID, raw.figures, raw.exclusions) if r.raw_text != "1.630"]
    problems = evidence.check(paragraphs(seed_text), rows)
    assert [p.text for p in problems if p.kind == "untranscribed"] == ["1.630"]


def test_the_check_catches_a_wrong_evidence(raw, seed_text):
    rows = evidence.rows_from_tables(SOURCE_ID, raw.figures, raw.exclusions)
    rows[0] = evidence.Row("figure", "x", rows[0].paragraph, "28", "có 28 người nghiện ma túy")
    kinds = {p.kind for p in evidence.check(paragraphs(seed_text), rows)}
    assert {"evidence_not_found", "untranscribed"} <= kinds


def test_counts(raw):
    assert len(raw.figures) == 33
    assert len(raw.exclusions) == 17
    assert raw.figures["figure_id"].is_unique


def test_statements_and_word_forms_are_transcribed(raw):
    written = set(raw.figures["raw_text"])
    for form in (
        "1.630",
        "gần 20 nghìn",
        "1.216/2.018",
        "100%",
        "trên 100",
        "hàng trăm",
        "thứ nhất",
        "không phát sinh người nghiện mới",
    ):
        assert form in written, form


def test_check_source_command_passes_on_the_first_article(seed_text):
    from conftest import ROOT, run_antt

    result = run_antt(ROOT, "check-source", SOURCE_ID, str(SEED))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok:")
