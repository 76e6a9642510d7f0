"""The one parameter checker: the runner (before any kernel starts) and the notebook apply the same rules."""

from __future__ import annotations

import unicodedata

import pytest

from antt import paths
from antt.pipeline import notebooks, parameters, runner

SPECS = notebooks.discover(paths.NOTEBOOKS)
BY_NAME = {spec.name: spec for spec in SPECS}


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("lang", "vi", None),
        ("lang", "en", None),
        ("lang", "fr", "lang must be one of vi, en, got 'fr'"),
        ("alpha", 0.05, None),
        ("alpha", 1, "alpha must be a number between 0 and 1, got 1"),
        ("alpha", 0.0, "alpha must be a number between 0 and 1, got 0.0"),
        ("alpha", True, "alpha must be a number between 0 and 1, got True"),
        ("alpha", "0.1", "alpha must be a number between 0 and 1, got '0.1'"),
        ("commune", "fr", None),  # rules go by name: only lang, alpha and the study's have value rules
        ("study_replicates", 0, None),
        ("study_replicates", -1, "study_replicates must be a whole number >= 0, got -1"),
        ("study_intervals", 2.5, "study_intervals must be a whole number >= 0, got 2.5"),
        ("study_intervals", True, "study_intervals must be a whole number >= 0, got True"),
        ("study_effect", 0.6, None),
        ("study_effect", 0, "study_effect must be a rate ratio > 0, got 0"),
        ("study_effect", float("nan"), "study_effect must be a rate ratio > 0, got nan"),
    ],
)
def test_value_rules(name, value, problem):
    assert parameters.value_problem(name, value) == problem


def test_problems_lists_names_types_and_values():
    spec = BY_NAME["02_province_results"]
    found = parameters.problems(spec, {"alpha": 2.0, "lang": "de", "interval_method": 3, "colour": "red"})
    assert found[0] == "parameter 'alpha' of 02_province_results: alpha must be a number between 0 and 1, got 2.0"
    assert found[1] == "parameter 'lang' of 02_province_results: lang must be one of vi, en, got 'de'"
    assert found[2] == "parameter 'interval_method' of 02_province_results must be str, got int 3"
    assert found[3].startswith("02_province_results has no parameter 'colour'; it takes: processed_dir, ")
    assert parameters.problems(spec, {"alpha": 0.1, "lang": "en"}) == []


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"lang": "fr"}, "lang must be one of vi, en, got 'fr'"),
        ({"alpha": 1.5}, "alpha must be a number between 0 and 1, got 1.5"),
    ],
)
def test_the_runner_refuses_a_bad_value_before_any_kernel_starts(override, message):
    with pytest.raises(runner.RunError, match=message) as caught:
        runner.plan(SPECS, runner.load_params(), override)
    assert str(caught.value).startswith("override -p ")
    assert "\n" not in str(caught.value)


def test_check_in_the_notebook_normalises_and_resolves():
    nfd = unicodedata.normalize("NFD", "Ngọc Lũ")
    checked = parameters.check(commune=nfd, lang="vi", alpha=0.05, codebook_dir="data/codebook", processed_dir="")
    assert checked["commune"] == "Ngọc Lũ" and unicodedata.is_normalized("NFC", checked["commune"])
    assert checked["codebook_dir"] == paths.ROOT / "data" / "codebook"
    assert checked["processed_dir"] == paths.PROCESSED
    assert parameters.check(series_path="/tmp/x.csv")["series_path"].as_posix() == "/tmp/x.csv"
    with pytest.raises(ValueError, match="lang must be one of vi, en"):
        parameters.check(lang="EN")
