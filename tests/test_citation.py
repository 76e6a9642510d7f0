"""CITATION.cff is a valid Citation File Format 1.2.0 file that agrees with the package and LICENSE.

No offline CFF validator fits our pins (cffconvert needs jsonschema<4), so the file is checked
structurally with jsonschema against the subset of the CFF 1.2.0 schema written below: the required
keys and the types of the keys this repository uses. The negative tests prove the check can fail.
"""

from __future__ import annotations

import copy
import datetime as dt

import jsonschema
import pytest
import yaml
from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

import antt

from conftest import ROOT

CFF = ROOT / "CITATION.cff"
LICENSE = ROOT / "LICENSE"

_NON_EMPTY = {"type": "string", "minLength": 1}
_PERSON = {
    "type": "object",
    "properties": {
        "family-names": _NON_EMPTY,
        "given-names": _NON_EMPTY,
        "name-particle": _NON_EMPTY,
        "email": _NON_EMPTY,
        "orcid": {"type": "string", "pattern": r"^https://orcid\.org/"},
    },
    "required": ["family-names"],
}
_ENTITY = {
    "type": "object",
    "properties": {
        "name": _NON_EMPTY,
        "city": _NON_EMPTY,
        "region": _NON_EMPTY,
        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
    },
    "required": ["name"],
}
_AUTHORS = {"type": "array", "minItems": 1, "items": {"anyOf": [_PERSON, _ENTITY]}}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
# The reference types of CFF 1.2.0 (schema.json, definitions.reference.properties.type.enum).
REFERENCE_TYPES = [
    "art",
    "article",
    "audiovisual",
    "bill",
    "blog",
    "book",
    "catalogue",
    "conference",
    "conference-paper",
    "data",
    "database",
    "dictionary",
    "edited-work",
    "encyclopedia",
    "film-broadcast",
    "generic",
    "government-document",
    "grant",
    "hearing",
    "historical-work",
    "legal-case",
    "legal-rule",
    "magazine-article",
    "manual",
    "map",
    "multimedia",
    "music",
    "newspaper-article",
    "pamphlet",
    "patent",
    "personal-communication",
    "proceedings",
    "report",
    "serial",
    "slides",
    "software",
    "software-code",
    "software-container",
    "software-executable",
    "software-virtual-machine",
    "sound-recording",
    "standard",
    "statute",
    "thesis",
    "unpublished",
    "video",
    "website",
]
CFF_1_2_0_SUBSET = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["cff-version", "message", "title", "authors"],
    "properties": {
        "cff-version": {"const": "1.2.0"},
        "message": _NON_EMPTY,
        "title": _NON_EMPTY,
        "abstract": _NON_EMPTY,
        "authors": _AUTHORS,
        "version": {"type": "string", "minLength": 1},
        "license": {"anyOf": [_NON_EMPTY, {"type": "array", "minItems": 1, "items": _NON_EMPTY}]},
        "date-released": _DATE,
        "keywords": {"type": "array", "items": _NON_EMPTY},
        "repository-code": {"type": "string", "format": "uri", "pattern": "^https?://"},
        "type": {"enum": ["dataset", "software"]},
        "references": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "title", "authors"],
                "properties": {
                    "type": {"enum": REFERENCE_TYPES},
                    "title": _NON_EMPTY,
                    "authors": _AUTHORS,
                    "publisher": _ENTITY,
                    "languages": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]{2,3}$"}},
                    "notes": _NON_EMPTY,
                    "date-published": _DATE,
                },
            },
        },
    },
}


def _jsonable(value):
    """YAML turns unquoted dates into datetime.date; CFF means the ISO string."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _errors(cff: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(CFF_1_2_0_SUBSET, format_checker=jsonschema.FormatChecker())
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(_jsonable(cff))
    ]


@pytest.fixture(scope="module")
def cff() -> dict:
    assert CFF.exists(), "CITATION.cff is missing"
    return yaml.safe_load(CFF.read_text(encoding="utf-8"))


def test_citation_file_is_valid_cff_1_2_0(cff):
    problems = _errors(cff)
    assert not problems, "CITATION.cff:\n" + "\n".join(problems)


def test_the_schema_itself_is_valid():
    jsonschema.Draft202012Validator.check_schema(CFF_1_2_0_SUBSET)


def test_version_matches_the_package(cff):
    assert cff["version"] == antt.__version__, "CITATION.cff version differs from antt.__version__"


def test_license_is_an_spdx_id_and_matches_license_file(cff):
    licence = cff["license"]
    try:
        assert canonicalize_license_expression(licence) == licence, f"{licence!r} is not spelt as its SPDX id"
    except InvalidLicenseExpression as exc:  # pragma: no cover - message only
        pytest.fail(f"CITATION.cff license {licence!r} is not an SPDX id: {exc}")
    text = LICENSE.read_text(encoding="utf-8")
    assert (
        licence == "MIT" and text.startswith("MIT License") and "Permission is hereby granted, free of charge" in text
    )


def test_license_file_says_the_article_is_not_redistributed():
    text = " ".join(LICENSE.read_text(encoding="utf-8").split())
    assert "does not redistribute its text" in text
    assert "Trần Ích" in text and "Báo Hà Nam điện tử" in text


def test_the_source_article_is_referenced(cff):
    refs = [r for r in cff.get("references", []) if r["type"] == "newspaper-article"]
    assert len(refs) == 1
    ref = refs[0]
    assert ref["title"] == "Nâng cao hiệu quả công tác phối hợp bảo đảm an ninh trật tự ở cơ sở"
    assert ref["authors"] == [{"family-names": "Trần", "given-names": "Ích"}]
    assert ref["publisher"]["name"] == "Báo Hà Nam điện tử"
    assert "date not stated" in " ".join(ref["notes"].split())
    assert "date-published" not in ref, "the article carries no date: do not invent one"


def test_reference_agrees_with_sources_csv(cff):
    from antt.data import clean

    source = clean.load_raw().sources.iloc[0]
    ref = cff["references"][0]
    assert ref["title"] == source["title"]
    assert ref["publisher"]["name"] == source["publisher"]
    assert f"{ref['authors'][0]['family-names']} {ref['authors'][0]['given-names']}" == source["author"]


@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda c: c.pop("authors"), "authors"),
        (lambda c: c.__setitem__("authors", []), "authors"),
        (lambda c: c.__setitem__("authors", [{"given-names": "Ích"}]), "authors/0"),
        (lambda c: c.__setitem__("cff-version", "1.1.0"), "cff-version"),
        (lambda c: c.pop("message"), "message"),
        (lambda c: c.__setitem__("date-released", "25/11/2026"), "date-released"),
        (lambda c: c["references"][0].pop("title"), "references/0"),
        (lambda c: c["references"][0].__setitem__("type", "newspaper"), "references/0/type"),
    ],
    ids=[
        "no-authors",
        "empty-authors",
        "author-without-name",
        "wrong-cff-version",
        "no-message",
        "bad-date",
        "reference-without-title",
        "unknown-reference-type",
    ],
)
def test_a_broken_copy_is_refused(cff, mutate, where):
    broken = copy.deepcopy(cff)
    mutate(broken)
    problems = _errors(broken)
    assert problems, "the broken copy passed validation"
    assert any(p.startswith(where) or (where in {"authors", "message"} and p.startswith("(root)")) for p in problems), (
        problems
    )


def test_a_written_broken_copy_is_refused(tmp_path, cff):
    """The same check on a file on disk: CITATION.cff without authors."""
    text = CFF.read_text(encoding="utf-8")
    head, rest = text.split("authors:\n", 1)
    rest = rest.split("version:", 1)[1]
    path = tmp_path / "CITATION.cff"
    path.write_text(head + "version:" + rest, encoding="utf-8")
    broken = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert "authors" not in broken and broken["references"][0]["authors"]
    assert any("'authors' is a required property" in p for p in _errors(broken))


def test_an_unquoted_date_is_read_as_iso(cff):
    dated = {**copy.deepcopy(cff), "date-released": dt.date(2026, 11, 25)}
    assert not _errors(dated)
