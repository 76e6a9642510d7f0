"""The test suite itself: the real notebooks run only where conftest counts them (nbval, and ``antt run``
through ``run_antt`` / ``start_antt``), so the count printed at the end of ``make test`` is the whole story,
and the session fails when a notebook runs more than nbval's once plus the one build."""

import re

from conftest import ROOT, count_started_jobs, execution_budget

# Ways to execute a notebook or start the command line without the counting helpers.
UNCOUNTED = re.compile(r"execute_notebook|NotebookClient|(import|from) (papermill|nbclient|nbval)|\"antt\",\s*\"run\"")


def test_no_test_executes_a_notebook_behind_the_counters_back():
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path.name not in {"conftest.py", "test_suite.py"} and UNCOUNTED.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"execute notebooks with conftest.run_antt / start_antt (counted): {offenders}"


def test_the_budget_is_nbval_once_and_one_build():
    assert execution_budget("01_clean_source_statistics") == {"nbval": 1, "antt run": 1}
    assert execution_budget("03_intervention_effect") == {"nbval": 1, "antt run": 2}  # two communes in params.yaml


def test_started_jobs_count_for_their_real_notebook(monkeypatch):
    import conftest

    monkeypatch.setattr(conftest, "EXECUTIONS", type(conftest.EXECUTIONS)())
    count_started_jobs(
        "antt run: 3 job(s) → reports\n[  start] 03_intervention_effect__ngoc-lu\n"
        "[   done] 03_intervention_effect__ngoc-lu (9.0 s)\n[  start] 01_toy_clean\n[  start] 04_method_validation\n"
    )
    assert dict(conftest.EXECUTIONS) == {
        ("03_intervention_effect", "antt run"): 1,
        ("04_method_validation", "antt run"): 1,
    }
