"""The layout the README shows is the layout that exists, and the house rules on committed files hold."""

import json
import re
import subprocess

from conftest import ROOT, SEED


def _readme_layout() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    return [line.split()[0] for line in block.splitlines() if line.strip()]


def test_readme_layout_matches_the_tree():
    entries = _readme_layout()
    assert len(entries) >= 8
    for entry in entries:
        assert (ROOT / entry).exists(), f"README lists {entry}, which does not exist"
    top = {e.split("/")[0].rstrip("/") for e in entries}
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    tracked_top = {t.split("/")[0] for t in tracked if not t.startswith(".")}
    unlisted = tracked_top - top - {"README.md", "Makefile", "pyproject.toml", "LICENSE", "CITATION.cff", "docs"}
    assert not unlisted, f"top-level entries not described in the README layout: {sorted(unlisted)}"


def test_data_dictionary_matches_the_schemas():
    from antt.data import codebook, schemas

    columns = codebook.load_columns()
    for table, schema in {
        "sources": schemas.SOURCES,
        "figures": schemas.FIGURES,
        "exclusions": schemas.EXCLUSIONS,
        "indicators": schemas.INDICATORS,
        "quality": schemas.QUALITY,
        "series": schemas.SERIES,
        "panel": schemas.PANEL,
    }.items():
        documented = list(columns.loc[columns["table"] == table, "column"])
        assert documented == list(schema.columns), f"data/codebook/columns.csv disagrees with the {table} schema"


def test_abbreviations_table_matches_the_codebook():
    from antt.data import codebook

    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for row in codebook.load_abbreviations().itertuples():
        if row.abbreviation in {"GP-BTTTT", "CCCD"}:
            continue
        assert f"| {row.abbreviation} | {row.expansion_vi} |" in text, row.abbreviation


def test_design_card_layout():
    for name in (
        "notebooks",
        "data/raw",
        "data/processed",
        "src",
        "reports",
        "tests",
        "environment.yml",
        "README.md",
        "pyproject.toml",
        "Makefile",
        ".ci/run",
    ):
        assert (ROOT / name).exists(), name


def test_notebooks_are_committed_without_outputs():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert nb["metadata"]["kernelspec"]["name"] == "antt", path.name
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, (
                    f"{path.name}: strip outputs (make strip)"
                )
        tagged = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: exactly one cell tagged 'parameters'"


def test_notebooks_are_numbered():
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_no_sentence_of_the_article_is_committed():
    if not SEED.exists():
        import pytest

        pytest.skip(f"source text absent ({SEED}): nothing to compare against")
    text = SEED.read_text(encoding="utf-8").replace("\n", " ")
    long_pieces = [s.strip()[:80] for s in text.split(". ") if len(s.strip()) > 80]
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split("\n")
    for name in filter(None, tracked):
        path = ROOT / name
        if path.is_file() and path.suffix in {
            ".csv",
            ".md",
            ".py",
            ".ipynb",
            ".html",
            ".json",
            ".txt",
            ".yml",
            ".yaml",
            ".cff",
        }:
            body = path.read_text(encoding="utf-8", errors="ignore")
            hits = [p for p in long_pieces if p in body]
            assert not hits, f"{name} holds text of the article (all rights reserved): {hits[0]!r}"


def test_readme_headline_findings_come_from_the_results():
    results = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "reports" / "results").glob("*.json"))]
    published = {line for r in results for line in r.get("headline", {}).get("en", [])}
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Headline findings", 1)[1].split("\n## ", 1)[0]
    bullets = [line[2:] for line in block.splitlines() if line.startswith("- ")]
    assert len(bullets) >= 4
    for bullet in bullets:
        assert bullet in published, f"README headline not in reports/results: {bullet!r}"
