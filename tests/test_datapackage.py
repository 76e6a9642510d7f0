"""The reusable data package (data/processed/datapackage.json) and the analysts' caveats (docs/caveats*.md).

The descriptor is current (equal to ``antt.data.datapackage.build_descriptor()``), deterministic, and valid for
the ``frictionless`` library without touching the network; broken copies of the data are reported invalid.
The caveats name only figures that exist and discuss every figure the quality checks flag.
"""

from __future__ import annotations

import json
import re
import shutil
import socket

import frictionless
import pandas as pd
import pytest

import antt
from antt.data import codebook, datapackage

from conftest import ROOT

PROCESSED = ROOT / "data" / "processed"
DESCRIPTOR = PROCESSED / "datapackage.json"
REBUILD = "rebuild it with `.venv/bin/python -m antt.data.datapackage` and commit it"
# The README's snippet, run verbatim from the project root.
README_SNIPPET = 'import pandas as pd\nindicators = pd.read_csv("data/processed/indicators.csv")\n'


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test (validation must work offline)."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted during validation")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert not attempts, f"validation tried the network: {attempts}"


def _errors(report: frictionless.Report) -> list[list]:
    return report.flatten(["type", "fieldName", "rowNumber", "note"])


# --- the descriptor -------------------------------------------------------------------------------------


def test_committed_descriptor_is_current():
    assert DESCRIPTOR.exists(), f"{DESCRIPTOR} is missing: {REBUILD}"
    committed = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
    assert committed == datapackage.build_descriptor(), f"datapackage.json is stale: {REBUILD}"


def test_committed_bytes_equal_a_rebuild(tmp_path):
    written = datapackage.write_descriptor(tmp_path / "datapackage.json")
    assert written.read_bytes() == DESCRIPTOR.read_bytes(), f"datapackage.json is not as written: {REBUILD}"


def test_rebuild_is_deterministic_json(tmp_path):
    first = datapackage.write_descriptor(tmp_path / "a.json").read_bytes()
    second = datapackage.write_descriptor(tmp_path / "b.json").read_bytes()
    assert first == second
    text = first.decode("utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert "created" not in json.loads(text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text), "no timestamps in the descriptor"


def test_descriptor_metadata():
    d = datapackage.build_descriptor()
    assert d["version"] == antt.__version__
    assert re.fullmatch(r"[a-z0-9._-]+", d["name"])
    assert d["title"] and "docs/caveats.md" in d["description"]
    assert d["licenses"][0]["name"] == "MIT" and "not included" in d["licence_note"]
    sources = pd.read_csv(ROOT / "data" / "raw" / "sources.csv", dtype=str, keep_default_na=False)
    assert [s["title"] for s in d["sources"]] == list(sources["citation"])
    assert [s["publication_date"] for s in d["sources"]] == list(sources["publication_date"])
    assert [r["name"] for r in d["resources"]] == ["indicators", "quality", "codebook"]


@pytest.mark.parametrize("name", ["indicators", "quality"])
def test_csv_resources_follow_the_data_dictionary(name):
    resource = next(r for r in datapackage.build_descriptor()["resources"] if r["name"] == name)
    assert (resource["path"], resource["format"], resource["mediatype"], resource["encoding"]) == (
        f"{name}.csv",
        "csv",
        "text/csv",
        "utf-8",
    )
    assert resource["schema"]["missingValues"] == [""]
    columns = codebook.load_columns()
    documented = columns[columns["table"] == name]
    fields = resource["schema"]["fields"]
    assert [f["name"] for f in fields] == list(documented["column"])
    header = (PROCESSED / resource["path"]).read_text(encoding="utf-8").splitlines()[0].split(",")
    assert [f["name"] for f in fields] == header
    for field, row in zip(fields, documented.itertuples()):
        assert field["type"] == row.type and field["type"] in {"string", "integer", "number", "boolean", "year"}
        assert field["description"] == row.description_en and field["description_vi"] == row.description_vi
        assert ("unit" in field) == bool(row.unit), field["name"]
        assert field.get("constraints", {}).get("required", False) == (row.required == "yes"), field["name"]


def test_indicators_keys_and_units():
    resources = {r["name"]: r for r in datapackage.build_descriptor()["resources"]}
    schema = resources["indicators"]["schema"]
    assert schema["primaryKey"] == ["figure_id"]
    assert schema["foreignKeys"] == [
        {"fields": ["indicator"], "reference": {"resource": "codebook", "fields": ["indicator"]}}
    ]
    units = {f["name"]: f.get("unit") for f in schema["fields"]}
    assert units["period_start"] == units["period_end"] == "year"
    assert all(units[c].startswith("indicator unit") for c in ("value", "denominator", "lower", "upper"))


def test_codebook_resource_is_the_codebook():
    resource = next(r for r in datapackage.build_descriptor()["resources"] if r["name"] == "codebook")
    table = codebook.load_indicators()
    header, *rows = resource["data"]
    assert header == list(table.columns)
    assert rows == table.astype(str).values.tolist()
    assert resource["schema"]["primaryKey"] == ["indicator"]


# --- validation with frictionless -----------------------------------------------------------------------


def test_frictionless_validates_the_package_offline(no_network):
    report = frictionless.validate(str(DESCRIPTOR))
    assert report.valid, _errors(report)
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    indicators = pd.read_csv(PROCESSED / "indicators.csv")
    quality = pd.read_csv(PROCESSED / "quality.csv")
    assert rows == {"indicators": len(indicators), "quality": len(quality), "codebook": len(codebook.load_indicators())}


@pytest.fixture
def project_data(tmp_path):
    """A copy of data/ in a temporary project root (the descriptor is rebuilt there)."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "data", root / "data")
    return root


def _break(root, old: str, new: str) -> None:
    path = root / "data" / "processed" / "indicators.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8", newline="\n")


ROW_27 = (
    "ngoc-lu-2022-registered-drug-addicts,baohanam-mttq-antt,drug_addicts_registered,commune,Ngọc Lũ,Bình Lục,Hà Nam,"
    "2022,2022,stated,count,27,,27,27,exact"
)


@pytest.mark.parametrize(
    "old, new, error, field",
    [
        (ROW_27, ROW_27.replace(",count,27,", ",count,twenty-seven,"), "type-error", "value"),
        (ROW_27, ROW_27.replace(",count,27,", ",count,-27,"), "constraint-error", "value"),
        (ROW_27, ROW_27.replace(",2022,2022,stated", ",2022,2022,guessed"), "constraint-error", "period_basis"),
        (ROW_27, ROW_27.replace(",drug_addicts_registered,", ",drug_addicts_registerd,"), "foreign-key", None),
        (
            ROW_27,
            ROW_27.replace("ngoc-lu-2022-registered-drug-addicts", "ngoc-lu-2022-illicit-drug-users"),
            "primary-key",
            None,
        ),
        (ROW_27, ROW_27.replace(",2022,2022,", ",22,2022,"), "type-error", "period_start"),
    ],
    ids=[
        "non-numeric-value",
        "negative-value",
        "unknown-period-basis",
        "unknown-indicator",
        "duplicate-figure-id",
        "non-year",
    ],
)
def test_a_broken_copy_is_invalid(project_data, no_network, old, new, error, field):
    _break(project_data, old, new)
    path = datapackage.write_descriptor(root=project_data)  # hashes match: only the injected error remains
    report = frictionless.validate(str(path))
    assert not report.valid
    errors = _errors(report)
    assert {e[0] for e in errors} == {error}, errors
    if field:
        assert {e[1] for e in errors} == {field}, errors


def test_data_changed_after_the_descriptor_is_invalid(project_data, no_network):
    shutil.copy(DESCRIPTOR, project_data / "data" / "processed" / "datapackage.json")
    _break(project_data, ROW_27, ROW_27.replace(",count,27,", ",count,28,"))
    report = frictionless.validate(str(project_data / "data" / "processed" / "datapackage.json"))
    assert not report.valid
    assert "hash-count" in {e[0] for e in _errors(report)}


def test_the_descriptor_refuses_a_table_the_dictionary_does_not_document(project_data):
    path = project_data / "data" / "codebook" / "columns.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("quality,")), encoding="utf-8")
    with pytest.raises(ValueError, match="quality"):
        datapackage.build_descriptor(project_data)


# --- reuse with pandas ----------------------------------------------------------------------------------


def test_readme_pandas_snippet_works(monkeypatch):
    monkeypatch.chdir(ROOT)
    scope: dict = {}
    exec(README_SNIPPET, scope)
    indicators = scope["indicators"]
    assert len(indicators) == 33 and indicators["figure_id"].is_unique
    assert indicators["value"].dtype == float and indicators["needs_review"].dtype == bool
    assert indicators.loc[indicators["figure_id"] == "province-tips-provided", "value"].item() == 1630


# --- the caveats ----------------------------------------------------------------------------------------

CAVEATS = {"en": ROOT / "docs" / "caveats.md", "vi": ROOT / "docs" / "caveats.vi.md"}
RATINGS = {
    "en": ({"green", "amber", "red"}, {"high", "medium", "low"}),
    "vi": ({"xanh", "vàng", "đỏ"}, {"cao", "trung bình", "thấp"}),
}
FIGURES_WORD = {"en": "figures", "vi": "số liệu"}


@pytest.fixture(scope="module")
def indicators():
    return pd.read_csv(PROCESSED / "indicators.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def quality():
    return pd.read_csv(PROCESSED / "quality.csv", dtype=str, keep_default_na=False)


def _text(lang: str) -> str:
    path = CAVEATS[lang]
    assert path.exists(), f"{path} is missing"
    return path.read_text(encoding="utf-8")


def _section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


@pytest.mark.parametrize("lang", CAVEATS)
def test_caveats_name_only_figures_that_exist(lang, indicators):
    known = set(indicators["figure_id"]) | set(indicators["source_id"])
    named = set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", _text(lang)))
    assert named, "no figure_id named"
    assert not named - known, f"{CAVEATS[lang].name} names figures not in indicators.csv: {sorted(named - known)}"


@pytest.mark.parametrize("lang", CAVEATS)
def test_every_flagged_figure_is_discussed(lang, quality):
    text = _text(lang)
    flagged = {fid for ids in quality.loc[quality["status"] != "pass", "figure_ids"] for fid in ids.split(";")}
    missing = sorted(fid for fid in flagged if f"`{fid}`" not in text)
    assert not missing, f"{CAVEATS[lang].name} does not discuss flagged figures: {missing}"


@pytest.mark.parametrize("lang", CAVEATS)
def test_every_repeated_value_pair_is_named_together(lang, quality):
    lines = _text(lang).splitlines()
    repeats = quality[(quality["check"] == "repeated_value") & (quality["status"] == "flag")]
    assert len(repeats) == 5
    for ids in repeats["figure_ids"]:
        pair = ids.split(";")
        assert any(all(f"`{fid}`" in line for fid in pair) for line in lines), f"no line names {pair} together"


@pytest.mark.parametrize("lang", CAVEATS)
def test_the_counts_stated_are_the_data_counts(lang, quality, indicators):
    text = _text(lang)
    periods = int(((quality["check"] == "period_not_stated") & (quality["status"] == "flag")).sum())
    unstated = (indicators["period_basis"] != "stated").sum()
    assert periods == unstated
    assert f"{periods} {FIGURES_WORD[lang]}" in text
    raw = ROOT / "data" / "raw"
    n_figures = len(pd.read_csv(raw / "figures.csv"))
    n_excluded = len(pd.read_csv(raw / "exclusions.csv"))
    assert f"{n_figures} {FIGURES_WORD[lang]}" in text and f" {n_excluded} " in text


@pytest.mark.parametrize("lang", CAVEATS)
def test_the_data_log_places_every_figure(lang, indicators):
    log = _section(_text(lang), "## 1.", "## 2.")
    missing = sorted(fid for fid in indicators["figure_id"] if f"`{fid}`" not in log)
    assert not missing, f"the data log does not assign these figures to a producer: {missing}"
    for source_id in set(indicators["source_id"]):
        assert f"`{source_id}`" in log


@pytest.mark.parametrize("lang", CAVEATS)
def test_qualifier_bounds_are_those_of_the_data(lang, indicators):
    text = _text(lang)
    qualified = indicators[indicators["qualifier"].isin(["nearly", "more_than", "about", "order_of_magnitude"])]
    assert len(qualified)
    for row in qualified.itertuples():
        lower, upper = (f"{int(float(b)):,}".replace(",", " ") for b in (row.lower, row.upper))
        bounds = f"[{lower}, {upper}]"
        rows = [line for line in text.splitlines() if f"`{row.figure_id}`" in line and "[" in line]
        assert rows, f"{row.figure_id} ({row.raw_text}) is missing from the table of bounds"
        assert all(bounds in line and row.raw_text in line for line in rows), f"{row.figure_id}: expected {bounds}"


@pytest.mark.parametrize("lang", CAVEATS)
def test_every_caveat_is_rated_and_explained(lang):
    text = _text(lang)
    quality_words, impact_words = RATINGS[lang]
    summary = _section(text, "## 2.", "### C1.")
    rows = re.findall(r"^\| (C\d+) \| [^|]+ \| ([^|]+) \| ([^|]+) \|$", summary, flags=re.M)
    assert len(rows) >= 10
    for cid, q, i in rows:
        assert q.strip() in quality_words and i.strip() in impact_words, (cid, q, i)
        assert re.search(rf"^### {cid}\. .+ — .*{re.escape(q.strip())}.*{re.escape(i.strip())}$", text, flags=re.M), (
            f"{cid}: its section heading must repeat the ratings ({q.strip()}, {i.strip()})"
        )
    assert [c for c, _, _ in rows] == re.findall(r"^### (C\d+)\.", text, flags=re.M)


@pytest.mark.parametrize("lang", CAVEATS)
def test_the_source_is_not_rated_green(lang):
    log = _section(_text(lang), "### 1.1", "### 1.2")
    green = RATINGS[lang][0] - {"amber", "red", "vàng", "đỏ"}
    for line in log.splitlines():
        if line.startswith(("| Quality", "| Suitability", "| Chất lượng", "| Mức phù hợp")):
            rating = re.search(r"\*\*(\w+)\*\*", line).group(1)
            assert rating not in green, "a newspaper article without the underlying records is not green"


def test_the_two_languages_discuss_the_same_caveats():
    ids = {lang: re.findall(r"^### (C\d+)\.", _text(lang), flags=re.M) for lang in CAVEATS}
    assert ids["en"] == ids["vi"]
    named = {lang: set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", _text(lang))) for lang in CAVEATS}
    assert named["en"] == named["vi"]
    assert "caveats.vi.md" in _text("en") and "caveats.md" in _text("vi")
