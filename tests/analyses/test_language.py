"""The one home of language: numbers through Babel with Python's rounding, every catalogue key used in src/
present in both languages, and no word chosen by a ``lang ==`` branch outside ``antt.reporting.language``."""

from __future__ import annotations

import ast
import json
import math
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antt.reporting import figures, glossary, language, overview
from antt.reporting.language import format_decimal, format_level, format_number, format_p, format_percent

from conftest import ROOT

SRC = ROOT / "src" / "antt"


# ---------------------------------------------------------------- numbers
@pytest.mark.parametrize(
    ("call", "vi", "en"),
    [
        (lambda lg: format_number(1630, lg), "1.630", "1,630"),
        (lambda lg: format_number(1.5, lg), "1,5", "1.5"),
        (lambda lg: format_number(2.001, lg), "2", "2"),
        (lambda lg: format_number(None, lg), "–", "–"),
        (lambda lg: format_number(math.nan, lg), "–", "–"),
        (lambda lg: format_decimal(11.4767, lg), "11,5", "11.5"),
        (lambda lg: format_decimal(1234.56, lg), "1.234,6", "1,234.6"),
        (lambda lg: format_decimal(0.5, lg, 2, trim=True), "0,5", "0.5"),
        (lambda lg: format_percent(0.954128, lg), "95,4%", "95.4%"),
        (lambda lg: format_percent(0.25, lg, 1, trim=True), "25%", "25%"),
        (lambda lg: format_p(0.36912, lg), "0,369", "0.369"),
        (lambda lg: format_p(0.0004, lg), "< 0,001", "< 0.001"),
        (lambda lg: format_level(0.05, lg), "95%", "95%"),
        (lambda lg: format_level(0.1, lg), "90%", "90%"),
    ],
)
def test_numbers_in_each_language(call, vi, en):
    assert (call("vi"), call("en")) == (vi, en)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"), [(2.675, 2, "2.67"), (0.125, 2, "0.12"), (1.005, 2, "1.00")]
)
def test_ties_round_as_python_formats_the_binary_value(value, decimals, expected):
    """Babel alone rounds Decimal(str(x)) (2.675 → 2.68); the reports keep Python's f-string rounding."""
    assert format_decimal(value, "en", decimals) == expected == f"{value:.{decimals}f}"


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False), st.integers(min_value=0, max_value=3))
def test_format_decimal_is_pythons_grouped_fixed_point(value, decimals):
    expected = f"{value:,.{decimals}f}"
    assert format_decimal(value, "en", decimals) == expected
    assert format_decimal(value, "vi", decimals) == expected.translate(str.maketrans(",.", ".,"))


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_format_percent_is_pythons_fixed_point_of_the_percentage(share):
    assert format_percent(share, "en") == f"{100 * share:,.1f}%"
    assert format_percent(share, "vi", 0) == f"{100 * share:,.0f}%".replace(",", ".")


def test_an_unknown_language_is_refused():
    for call in (lambda: format_number(1, "fr"), lambda: language.message("yes", "fr"), lambda: figures.words("fr")):
        with pytest.raises(ValueError, match="lang"):
            call()


# ---------------------------------------------------------------- the catalogue
KEY_PREFIX = re.compile(r"(prov|its|clean|val|html|fig|method_name|power|cmp)_[a-z0-9_\-]+")


def _keys_in(path) -> set[str]:
    """Catalogue keys a module names literally: the first argument of ``message(...)``/``t(...)`` (both branches
    of a conditional), and any string constant assigned or returned that names a key by its prefix."""
    keys: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"message", "t"}:
            arg = node.args[0] if node.args else None
            options = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
            keys |= {o.value for o in options if isinstance(o, ast.Constant) and isinstance(o.value, str)}
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and KEY_PREFIX.fullmatch(node.value)
            and not node.value.endswith("_")  # "cmp_design_" is the head of an f-string key, built at run time
        ):
            keys.add(node.value)
    return keys


def _used_keys() -> set[str]:
    keys = set().union(*(_keys_in(p) for p in SRC.rglob("*.py")))
    # Keys built at run time, from the values that build them.
    keys |= {f"fig_{w}" for w in figures.WORDS} | {f"html_{w}" for w in overview.INDEX_WORDS}
    keys |= {f"glossary_{t}{part}" for t in glossary.TERMS for part in ("", "_text", "_forms")}
    keys |= {f"power_{reason}" for reason in ("unknown_start", "no_period")}
    keys |= {f"method_name_{m}" for m in ("wilson", "clopper-pearson")}
    keys |= {k for k in _catalogue().index if k.startswith(("val_scenario_", "val_short_"))}
    for path in (SRC / "models").glob("*.py"):
        keys |= set(re.findall(r'Note\("([a-z_]+)"', path.read_text(encoding="utf-8")))
    # Notebook 05: a word per design, per design check's problem (antt.models.comparison.Problem) and per scale.
    from antt.models import comparison

    source = (SRC / "models" / "comparison.py").read_text(encoding="utf-8")
    keys |= {f"cmp_problem_{k}" for k in re.findall(r'Problem\(\s*"([a-z_]+)"', source)} - {
        "cmp_problem_design_not_identified"
    }
    keys |= {f"cmp_{part}_{d}" for part in ("design", "assume", "method") for d in comparison.DESIGNS}
    keys |= {f"cmp_scale_{s}" for s in (comparison.SCALE_COUNT, comparison.SCALE_RATE)}
    keys |= {
        f"cmp_{k}_{v}"
        for k, v in (
            ("group", "treated"),
            ("group", "comparison"),
            ("side", "before"),
            ("side", "after"),
            ("side", "all"),
        )
    }
    return keys


def _catalogue():
    return language.load_labels()


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_catalogue_key_used_in_src_exists_in_both_languages():
    catalogue = _catalogue()
    used = _used_keys()
    assert len(used) > 150
    missing = sorted(used - set(catalogue.index))
    assert not missing, f"keys used in src/ but not in data/codebook/labels.csv: {missing}"
    empty = [k for k in used if not catalogue.loc[k, "vi"].strip() or not catalogue.loc[k, "en"].strip()]
    assert not empty, empty


def test_both_languages_fill_the_same_fields():
    """A text asks for the same fields in both languages (no English words passed in from the models)."""
    catalogue = _catalogue()
    differ = {k: (_fields(r.vi), _fields(r.en)) for k, r in catalogue.iterrows() if _fields(r.vi) != _fields(r.en)}
    assert not differ, differ


# ---------------------------------------------------------------- no language branch
BRANCH = re.compile(
    r"""\blang\s*[!=]=|[!=]=\s*lang\b|[!=]=\s*["'](?:vi|en)["']|["'](?:vi|en)["']\s*[!=]=|["'](?:vi|en)["']\s+if\b"""
)
LANGUAGE_MODULE = SRC / "reporting" / "language.py"


def _branches(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if BRANCH.search(line)]


def test_no_language_branch_in_src_outside_the_language_module():
    found = {
        str(p.relative_to(SRC)): _branches(p.read_text(encoding="utf-8"))
        for p in sorted(SRC.rglob("*.py"))
        if p != LANGUAGE_MODULE
    }
    assert {k: v for k, v in found.items() if v} == {}, "move the words to data/codebook/labels.csv"


def test_the_branch_check_can_fail():
    assert _branches('x = "Nguồn" if lang == "vi" else "Source"')
    assert _branches("drop = [o for o in LANGS if o != lang]")
    assert not _branches('drop = set(LANGS) - {lang}; key = f"caveats.{lang}"')


@pytest.mark.parametrize("notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebooks_choose_no_words(notebook):
    """Code cells orchestrate: no language branch and no words (no letter outside ASCII) except in the
    parameters cell, whose defaults are data (a commune, an intervention's name)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] != "code" or "parameters" in cell["metadata"].get("tags", []):
            continue
        source = "".join(cell["source"])
        assert not _branches(source), source
        assert source.isascii(), source
