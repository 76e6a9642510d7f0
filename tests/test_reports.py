"""The committed reports are exactly what `make reports` produces from the committed data, and a
forced rerun is byte-identical (HTML, executed notebooks, figures, results, index)."""

import json

import pytest

from conftest import ROOT, run_antt

pytestmark = pytest.mark.slow


def _files(reports):
    skip = {"manifest.json"}
    return {p.relative_to(reports).as_posix(): p.read_bytes() for p in sorted(reports.rglob("*"))
            if p.is_file() and p.name not in skip and not {"build", "failed"} & set(p.relative_to(reports).parts)}


def test_committed_reports_are_what_the_pipeline_produces(project_copy):
    result = run_antt(project_copy, "run", "--force")
    assert result.returncode == 0, result.stderr
    produced, committed = _files(project_copy / "reports"), _files(ROOT / "reports")
    assert sorted(produced) == sorted(committed), "reports/ has stale or missing files: run make reports"
    differ = [name for name in produced if produced[name] != committed[name]]
    assert not differ, f"not byte-identical to the committed reports (run make reports): {differ}"
    manifest = json.loads((project_copy / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest) == sorted(json.loads((ROOT / "reports" / "manifest.json").read_text(encoding="utf-8")))


def test_reports_are_self_contained_and_escaped():
    for page in sorted((ROOT / "reports" / "html").glob("*.html")) + [ROOT / "reports" / "index.html"]:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower(), page.name
        assert "http://" not in text and "https://" not in text.replace("https://opensource.org", ""), page.name


def test_data_text_is_escaped():
    """A label containing markup shows as text in a report page."""
    from antt import report

    html = report.page("<script>alert(1)</script>", "vi", "")
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_table_text_from_data_is_escaped():
    import pandas as pd

    from antt import tables

    html = tables.show(pd.DataFrame({"label": ["<script>alert(1)</script>"]})).data
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    findings = tables.show_findings({"headline": {"vi": ["<b>x</b>"]}}, "vi").data
    assert "<b>x</b>" not in findings and "&lt;b&gt;x&lt;/b&gt;" in findings
