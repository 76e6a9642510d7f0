"""The runner: parameters refused before any kernel starts (one error line naming params.yaml or
the override), --list, parameter sets, exploratory runs apart from the canonical outputs, failures
that publish nothing, Ctrl-C, the console."""

import json
import math
import os
import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from antt import paths
from antt.pipeline import notebooks, runner

from conftest import ROOT, register_series_source, run_antt

SPECS = notebooks.discover(ROOT / "notebooks")
CLEAN = "01_clean_source_statistics"


def _plan(params=None, overrides=None):
    return runner.plan(SPECS, params if params is not None else runner.load_params(), overrides or {})


def test_every_notebook_declares_typed_documented_parameters():
    for spec in SPECS:
        assert spec.description, spec.name
        assert "lang" in spec.parameters, spec.name
        for p in spec.parameters.values():
            assert p.type_name in {"str", "int", "float", "bool", "dict", "list"}, (spec.name, p)
            assert p.help, f"{spec.name}.{p.name} has no help comment"


def test_unknown_parameter_is_refused_naming_the_override():
    with pytest.raises(runner.RunError) as err:
        _plan(overrides={"langue": "en"})
    message = str(err.value)
    assert message.startswith("override -p langue='en'") and "antt run --list" in message


def test_wrong_type_is_refused_naming_the_override():
    with pytest.raises(
        runner.RunError,
        match=r"override -p fail_on_quality_error='yes': parameter 'fail_on_quality_error'.* must be bool",
    ):
        _plan(overrides={"fail_on_quality_error": "yes"})


def test_wrong_type_in_params_yaml_names_the_file_and_set():
    with pytest.raises(
        runner.RunError, match=r"params.yaml: 03_intervention_effect, parameter set 2: parameter 'alpha'"
    ):
        _plan(params={"03_intervention_effect": [{"commune": "A"}, {"commune": "B", "alpha": "high"}]})


def test_params_file_with_unknown_notebook_is_refused():
    with pytest.raises(runner.RunError, match="unknown notebook"):
        _plan(params={"99_nothing": [{}]})


def test_override_applies_and_parameter_sets_get_names():
    spec = next(s for s in SPECS if s.name == CLEAN)
    jobs = runner.plan([spec], {CLEAN: [{"lang": "vi"}, {"lang": "en"}]}, {})
    assert [j.name for j in jobs] == [CLEAN, f"{CLEAN}__en"]
    assert [j.label for j in jobs] == ["", "lang = en"]
    single = runner.plan([spec], {CLEAN: [{}]}, {"lang": "en"})
    assert single[0].name == f"{CLEAN}__en" and single[0].params["lang"] == "en"
    default = runner.plan([spec], {CLEAN: [{}]}, {})
    assert default[0].name == CLEAN


def test_one_report_per_commune():
    jobs = [j for j in _plan() if j.spec.name == "03_intervention_effect"]
    assert [j.name for j in jobs] == ["03_intervention_effect__ngoc-lu", "03_intervention_effect__cong-ly"]
    assert [j.label for j in jobs] == ["commune = Ngọc Lũ", "commune = Công Lý"]
    english = [j for j in _plan(overrides={"lang": "en"}) if j.spec.name == "03_intervention_effect"]
    assert [j.name for j in english] == ["03_intervention_effect__ngoc-lu__en", "03_intervention_effect__cong-ly__en"]


def test_slug_of_vietnamese_values():
    assert runner.slug("commune-Công Lý") == "commune-cong-ly"
    assert runner.slug("Đồng Văn") == "dong-van"


def test_override_values_are_yaml_and_nfc():
    import unicodedata

    name, value = runner.parse_override(unicodedata.normalize("NFD", 'commune="Công Lý"'))
    assert (name, value) == ("commune", "Công Lý")
    assert runner.parse_override("alpha=0.1") == ("alpha", 0.1)


def test_refusal_happens_before_any_kernel(project_copy):
    result = run_antt(project_copy, "run", "-p", "nonsense=1")
    assert result.returncode == 1 and "no notebook takes a parameter 'nonsense'" in result.stderr
    assert not (project_copy / "reports").exists()


def test_list_prints_every_notebook():
    result = run_antt(ROOT, "run", "--list")
    assert result.returncode == 0
    for spec in SPECS:
        assert spec.name in result.stdout
        for name in spec.parameters:
            assert name in result.stdout


def _one_error_line(result) -> str:
    """Exactly one ``error:`` line, no traceback, exit 1; returns the line."""
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 1, result.stderr
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    return errors[0]


def _snapshot(root):
    """Every published file (reports and processed data), except run-private folders."""
    private = {".staging", "failed", "explore"}
    files = [
        p
        for folder in ("reports", "data/processed")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file() and not private & set(p.relative_to(root).parts) and p.name != ".lock"
    ]
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


PARAMS_CASES = {
    "yaml syntax": ("01_clean_source_statistics:\n  lang: [vi\n", ["params.yaml, line", "column"]),
    "python tag": ("01_clean_source_statistics: !!python/object:os.system {}\n", ["params.yaml, line 1", "tags"]),
    "duplicate key": (
        "01_clean_source_statistics:\n  lang: vi\n01_clean_source_statistics:\n  lang: en\n",
        ["params.yaml, line 3", "given twice", "line 1"],
    ),
    "not a mapping": ("- 01_clean_source_statistics\n", ["params.yaml", "expected a mapping"]),
    "set not a mapping": ("02_province_results: [1, 2]\n", ["params.yaml", "02_province_results, parameter set 1"]),
}


@pytest.mark.parametrize("case", sorted(PARAMS_CASES))
def test_bad_params_yaml_gives_one_line(project_copy, case):
    text, expected = PARAMS_CASES[case]
    (project_copy / "params.yaml").write_text(text, encoding="utf-8")
    line = _one_error_line(run_antt(project_copy, "run"))
    for part in expected:
        assert part in line, line
    assert not (project_copy / "reports").exists()


def test_params_yaml_in_a_legacy_encoding_is_refused(project_copy):
    path = project_copy / "params.yaml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1258", errors="replace"))
    line = _one_error_line(run_antt(project_copy, "run"))
    assert "params.yaml" in line and "UTF-8" in line


def test_an_override_that_makes_parameter_sets_equal_is_named(project_copy):
    result = run_antt(
        project_copy, "run", "-p", "commune=Ngoc Lu", "-p", "outcome=new_drug_addicts", "-p", "interventions={}"
    )
    line = _one_error_line(result)
    assert line.startswith("error: override -p commune='Ngoc Lu' -p outcome='new_drug_addicts' -p interventions={}"), (
        line
    )
    assert "03_intervention_effect" in line and "same values" in line


def test_a_bad_override_value_is_named(project_copy):
    line = _one_error_line(run_antt(project_copy, "run", "-p", "alpha=[0.1"))
    assert line.startswith("error: override -p 'alpha=[0.1'")


def test_a_notebook_without_kernelspec_is_refused_by_name(project_copy):
    path = project_copy / "notebooks" / "04_method_validation.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    del nb["metadata"]["kernelspec"]
    path.write_text(json.dumps(nb), encoding="utf-8")
    line = _one_error_line(run_antt(project_copy, "run"))
    assert "04_method_validation.ipynb" in line and "kernelspec" in line


def test_a_file_that_is_not_a_notebook_is_refused_by_name(project_copy):
    (project_copy / "notebooks" / "05_broken.ipynb").write_text("not json", encoding="utf-8")
    line = _one_error_line(run_antt(project_copy, "run", "--list"))
    assert "05_broken.ipynb" in line and "not a Jupyter notebook" in line


@pytest.mark.slow
def test_failed_cell_publishes_nothing_and_is_named(built_project, tmp_path):
    """A cell that raises after notebook 01 has cleaned: neither data/processed nor any report changes."""
    root = _copy(built_project, tmp_path)
    before = _snapshot(root)
    nb_path = root / "notebooks" / f"{CLEAN}.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise ValueError('deliberate failure for the test')"))
    nbformat.write(nb, nb_path)
    result = run_antt(root, "run", "--only", "01")
    line = _one_error_line(result)
    assert (
        CLEAN in line and f"cell {len(nb.cells) - 1}" in line and "ValueError: deliberate failure for the test" in line
    )
    assert (root / "reports" / "failed" / f"{CLEAN}.ipynb").exists()
    assert _snapshot(root) == before


@pytest.mark.slow
def test_a_later_notebook_failing_withholds_the_processed_data(built_project, tmp_path):
    """01 succeeds but 02, which reads its output, fails: 01's processed data and reports are not published."""
    root = _copy(built_project, tmp_path)
    before = _snapshot(root)
    nb_path = root / "notebooks" / "02_province_results.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('02 fails')"))
    nbformat.write(nb, nb_path)
    result = run_antt(root, "run", "--force", "--only", "01", "--only", "02")
    line = _one_error_line(result)
    assert "02_province_results" in line and "not published" in line and CLEAN in line
    assert _snapshot(root) == before


@pytest.mark.slow
def test_publishing_into_an_unwritable_place_publishes_nothing(built_project, tmp_path):
    """reports/html cannot be written (here: it is a file): 01's processed data stay as they were."""
    root = _copy(built_project, tmp_path)
    shutil.rmtree(root / "reports" / "html")
    (root / "reports" / "html").write_text("in the way", encoding="utf-8")
    before = _snapshot(root)
    line = _one_error_line(run_antt(root, "run", "--only", "01", "--force"))
    assert "html" in line
    assert _snapshot(root) == before


@pytest.mark.slow
def test_a_file_size_limit_while_writing_gives_one_line(built_project, tmp_path):
    import resource

    root = _copy(built_project, tmp_path)
    before = _snapshot(root)
    # Larger than what the kernel writes (processed data, results), smaller than the page of 01.
    small = max(p.stat().st_size for p in (root / "data" / "processed").iterdir())
    limit = (root / "reports" / "html" / f"{CLEAN}.html").stat().st_size // 2
    assert small < limit

    def cap():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {
        **os.environ,
        "ANTT_ROOT": str(root),
        "ANTT_REPORTS_DIR": str(root / "reports"),
        "ANTT_PROCESSED_DIR": str(root / "data" / "processed"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "antt", "run", "--only", "01", "--force"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=cap,
        timeout=600,
    )
    line = _one_error_line(result)
    assert "too large" in line.lower(), line
    assert _snapshot(root) == before


@pytest.mark.slow
def test_exploratory_runs_leave_the_canonical_outputs_alone(built_project, tmp_path):
    root = _copy(built_project, tmp_path)
    before = _snapshot(root)
    series = tmp_path / "my_series.csv"
    series.write_text(
        "source_id,place,indicator,year,count\n"
        + "".join(
            f"my-records,Ngọc Lũ,new_drug_addicts,{y},{c}\n"
            for y, c in zip(range(2012, 2025), [5, 6, 4, 7, 5, 6, 3, 2, 2, 1, 1, 0, 0])
        ),
        encoding="utf-8",
    )
    register_series_source(tmp_path, "my-records", series.name)
    english = run_antt(root, "run", "--only", "01", "-p", "lang=en")
    assert english.returncode == 0, english.stderr
    explored = run_antt(
        root,
        "run",
        "--only",
        "03",
        "-p",
        f"series_path={series}",
        "-p",
        "commune=Ngọc Lũ",
        "-p",
        "interventions={Dòng họ: 2018}",
    )
    assert explored.returncode == 0, explored.stderr
    assert _snapshot(root) == before, "an exploratory run changed the canonical outputs"
    lang_en = root / "reports" / "explore" / "lang-en"
    assert (lang_en / "html" / f"{CLEAN}__en.html").exists() and (lang_en / "index.html").exists()
    assert (lang_en / "processed" / "indicators.csv").read_bytes() == (
        root / "data" / "processed" / "indicators.csv"
    ).read_bytes()
    folder = root / "reports" / "explore" / "commune-ngoc-lu__interventions-dong-ho-2018__series_path-my-series"
    assert folder.is_dir(), sorted(p.name for p in (root / "reports" / "explore").iterdir())
    assert "exploratory" in explored.stderr


@pytest.mark.slow
def test_concurrent_runs_keep_every_entry(built_project, tmp_path):
    root = _copy(built_project, tmp_path)
    env = {
        **os.environ,
        "ANTT_ROOT": str(root),
        "ANTT_REPORTS_DIR": str(root / "reports"),
        "ANTT_PROCESSED_DIR": str(root / "data" / "processed"),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "antt", "run", "--force", "--only", only],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for only in ("01", "04")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    manifest = json.loads((root / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest) == sorted(
        json.loads((built_project / "reports" / "manifest.json").read_text(encoding="utf-8"))
    )
    assert _snapshot(root) == _snapshot(built_project)


@pytest.mark.slow
def test_a_damaged_manifest_is_a_warning_and_is_rebuilt(built_project, tmp_path):
    root = _copy(built_project, tmp_path)
    (root / "reports" / "manifest.json").write_text("[]", encoding="utf-8")
    result = run_antt(root, "run", "--only", "01")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "warning: " in result.stderr and "manifest.json" in result.stderr
    assert f"[   done] {CLEAN}" in result.stderr
    assert CLEAN in json.loads((root / "reports" / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_removed_parameter_set_is_pruned(built_project, tmp_path):
    root = _copy(built_project, tmp_path)
    params = root / "params.yaml"
    text = params.read_text(encoding="utf-8")
    params.write_text(
        text[: text.index("  - commune: Công Lý")] + text[text.index("04_method_validation:") :], encoding="utf-8"
    )
    result = run_antt(root, "run")
    assert result.returncode == 0, result.stderr
    leftovers = [p.name for p in (root / "reports").rglob("*cong-ly*")]
    assert not leftovers, leftovers
    assert "cong-ly" not in (root / "reports" / "index.html").read_text(encoding="utf-8")
    assert "03_intervention_effect__cong-ly" not in json.loads(
        (root / "reports" / "manifest.json").read_text(encoding="utf-8")
    )


def test_manifest_has_no_unfinished_entries():
    manifest = json.loads((paths.ROOT / "reports" / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in manifest.items():
        for file in entry["files"]:
            path = (
                ROOT / "data" / "processed" / file.removeprefix("processed/")
                if file.startswith("processed/")
                else ROOT / "reports" / file
            )
            assert path.exists(), (name, file)


@pytest.mark.slow
def test_ctrl_c_leaves_nothing_half_written_and_no_kernel(built_project, tmp_path):
    import signal

    root = _copy(built_project, tmp_path)
    before = _snapshot(root)
    env = {
        **os.environ,
        "ANTT_ROOT": str(root),
        "ANTT_REPORTS_DIR": str(root / "reports"),
        "ANTT_PROCESSED_DIR": str(root / "data" / "processed"),
    }
    # --force on the canonical build keeps 04 busy with its simulations when the interrupt lands.
    proc = subprocess.Popen(
        [sys.executable, "-m", "antt", "run", "--force", "--only", "04"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((root / "reports" / ".staging").glob("run-*/04*")):
        time.sleep(0.2)
    time.sleep(3)
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert children, "the run should have a kernel running when it is interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert not list(root.rglob("*.tmp")) and not list(root.rglob("*.antt-tmp"))
    assert not list((root / "reports").glob(".staging/run-*"))
    assert _snapshot(root) == before
    alive = [pid for pid in children if subprocess.run(["kill", "-0", pid], capture_output=True).returncode == 0]
    assert not alive, f"kernels left running: {alive}"


@pytest.mark.slow
def test_console_says_what_happens(built_project, tmp_path):
    root = _copy(built_project, tmp_path)
    result = run_antt(root, "run", "--only", "04", "--force", env={"ANTT_HEARTBEAT_SECONDS": "1"})
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("antt run: 1 job(s)")
    assert "[  start] 04_method_validation" in lines
    assert any(line.startswith("[   done] 04_method_validation (") for line in lines)
    assert any(line.startswith("[running] 04_method_validation (") for line in lines), "no heartbeat for a long job"
    assert lines[-1].startswith("antt run: 1 ran, 0 cached, 0 failed")
    assert "TCP" not in result.stderr


def _copy(built, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(built, root, symlinks=True, ignore=shutil.ignore_patterns(".staging", ".lock"))
    return root


def _zero_after_series(directory, place: str):
    """The scenario the article reports, as a researcher's file: new addicts 2012–2024, none from 2018."""
    path = directory / "ngoc_lu_records.csv"
    counts = [4, 6, 5, 7, 6, 5, 0, 0, 0, 0, 0, 0, 0]
    path.write_text(
        "source_id,place,indicator,year,count\n"
        + "".join(f"commune-records,{place},new_drug_addicts,{y},{c}\n" for y, c in zip(range(2012, 2025), counts)),
        encoding="utf-8",
    )
    register_series_source(directory, "commune-records", path.name)
    return path


@pytest.mark.slow
def test_a_series_with_no_new_addicts_after_2018_is_estimated_from_the_command_line(built_project, tmp_path):
    root = _copy(built_project, tmp_path)
    before = _snapshot(root)
    series = _zero_after_series(tmp_path, "Ngoc Lu")  # typed without diacritics
    result = run_antt(root, "run", "--only", "03", "-p", f"series_path={series}")
    assert result.returncode == 0, result.stderr
    assert _snapshot(root) == before
    folder = root / "reports" / "explore" / "series_path-ngoc-lu-records"
    data = json.loads((folder / "results" / "03_intervention_effect__ngoc-lu.json").read_text(encoding="utf-8"))
    assert data["series"]["place"] == "Ngoc Lu" and data["data_period"] == "2012–2024"
    assert any("Test series commune-records" in line for line in data["citations"]["vi"])
    rows = data["fit"]["rate_ratios"]
    first = next(r for r in rows if r["headline"] and r["kind"] == "level" and r["intervention"].startswith("Dòng họ"))
    assert first["status"] == "boundary" and first["interval_method"].startswith("one-sided profile likelihood")
    assert (
        first["rate_ratio"] is None and first["limit"] == "0" and 0 < first["upper"] < 1 and first["lr_p_value"] < 0.05
    )
    for row in rows + data["fit"]["coefficients"]:  # an estimate is a finite number or absent (null), never inf or NaN
        assert row.get("rate_ratio") is None or math.isfinite(row["rate_ratio"]), row
        assert row["coef"] is None or math.isfinite(row["coef"]), row
    nb = [r for r in rows if r["model"] == "negative-binomial (sensitivity)"]
    assert nb and all(r["status"] == "did not converge" and r["rate_ratio"] is None for r in nb)
    page = (folder / "html" / "03_intervention_effect__ngoc-lu.html").read_text(encoding="utf-8")
    assert "không hội tụ" in page and "&lt; 0,550" in page and "Test series commune-records" in page
    other = json.loads((folder / "results" / "03_intervention_effect__cong-ly.json").read_text(encoding="utf-8"))
    assert other["series"] is None and "ngoc_lu_records.csv" in other["limitations"]["en"][0]


@pytest.mark.slow
def test_a_series_for_an_unknown_place_fails_with_one_line_listing_the_places(built_project, tmp_path):
    root = _copy(built_project, tmp_path)
    before = _snapshot(root)
    series = _zero_after_series(tmp_path, "Ngọc Lụ")  # another commune's name: not Ngọc Lũ
    line = _one_error_line(run_antt(root, "run", "--only", "03", "-p", f"series_path={series}"))
    assert "ngoc_lu_records.csv" in line and "places in the file: 'Ngọc Lụ'" in line, line
    assert _snapshot(root) == before


def test_a_ctrl_c_swallowed_by_a_library_still_ends_the_run_as_interrupted():
    """A library running in the main thread when Ctrl-C lands may catch the KeyboardInterrupt; the run must
    still end as interrupted (exit 130, nothing published after it), not as a success."""
    import signal

    from antt.pipeline import runner

    with pytest.raises(KeyboardInterrupt), runner.interrupt_guard():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # the handler runs here and raises
        except KeyboardInterrupt:
            pass  # what a careless library might do
        assert runner.INTERRUPTED.is_set()
        with pytest.raises(KeyboardInterrupt):
            runner._check_interrupted()  # checked before every publication
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
