"""Accessibility: every committed report and index, in every language, checked with axe-core (WCAG 2.0/2.1/2.2
A and AA rules) in Debian's headless Chromium at a desktop and a phone width. A violation of impact "serious"
or "critical" fails the test, listing the rule, its impact and the selectors of the elements at fault.

axe-core's JavaScript comes from the pinned PyPI package axe-playwright-python (installed by ``make setup``,
no network at test time). It is injected into the opened page by the test: the page files stay script-free."""

from pathlib import Path

import pytest

from conftest import ROOT

REPORTS = ROOT / "reports"
PAGES = sorted((REPORTS / "html").glob("*.html")) + sorted(REPORTS.glob("*.html"))  # with index, summary, glossary
VIEWPORTS = {"desktop": (1200, 900), "phone": (390, 844)}
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe_script() -> str:
    from axe_playwright_python.base import AXE_SCRIPT  # the bundled axe.min.js (its banner names the version)

    return AXE_SCRIPT


def _axe(browser, axe_script: str, path: Path) -> dict[str, dict]:
    """axe's results for the page at each width of ``VIEWPORTS`` (one load: the page is resized between runs)."""
    page = browser.new_page()
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.evaluate(axe_script)
        results = {}
        for name, (width, height) in VIEWPORTS.items():
            page.set_viewport_size({"width": width, "height": height})
            results[name] = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                WCAG_A_AA,
            )
        return results
    finally:
        page.close()


def _describe(violation: dict) -> str:
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
    shown = "; ".join(targets[:5]) + (f"; … ({len(targets)} elements)" if len(targets) > 5 else "")
    return f"{violation['id']} [{violation['impact']}] {violation['help']}: {shown}"


def test_axe_core_is_bundled(axe_script):
    assert axe_script.startswith("/*! axe v4."), axe_script[:40]


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_no_serious_or_critical_axe_violation(browser, axe_script, path):
    problems = []
    for viewport, results in _axe(browser, axe_script, path).items():
        assert results["testEngine"]["version"].startswith("4.")
        failing = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
        problems += [
            f"{path.name} at {viewport} (axe-core {results['testEngine']['version']}): {_describe(v)}" for v in failing
        ]
    assert not problems, "\n".join(problems)
