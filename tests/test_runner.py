"""The runner: parameters refused before any kernel starts (one error line naming params.yaml or
the override), --list, parameter sets, exploratory runs apart from the canonical outputs, failures
that publish nothing, Ctrl-C, the console. Runs that execute notebooks use the toy project
(conftest.TOY_NOTEBOOKS): the real notebooks run only under nbval and in the session build."""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from antt import paths
from antt.pipeline import notebooks, runner

from conftest import (
    ROOT,
    TOY_ALONE,
    TOY_JOBS,
    TOY_REPORT,
    TOY_SET_JOBS,
    TOY_SETS,
    TOY_WRITER,
    finish_antt,
    run_antt,
    start_antt,
)

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
    private = {".staging", "failed", "explore", ".cache"}
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


# --- the runner's mechanics, on the toy project (conftest.TOY_NOTEBOOKS: small notebooks with the
# dependency structure of the real ones); what the real notebooks do is checked on the session build.


def _add_cell(root, name, code):
    path = root / "notebooks" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(code))
    nbformat.write(nb, path)
    return nb


def _set_params(root, name, text):
    """Replace the parameter set of toy notebook ``name`` in the copy's params.yaml by ``text`` (YAML lines)."""
    path = root / "params.yaml"
    old = path.read_text(encoding="utf-8")
    start = old.index(f"{name}:\n")
    end = old.find("\n0", start + 1)
    path.write_text(old[:start] + f"{name}:\n{text}" + (old[end:] if end != -1 else "\n"), encoding="utf-8")


@pytest.mark.slow
def test_failed_cell_publishes_nothing_and_is_named(toy_project):
    """A cell that raises after the writer has cleaned: neither data/processed nor any report changes."""
    before = _snapshot(toy_project)
    nb = _add_cell(toy_project, TOY_WRITER, "raise ValueError('deliberate failure for the test')")
    line = _one_error_line(run_antt(toy_project, "run", "--only", "01"))
    assert TOY_WRITER in line and f"cell {len(nb.cells) - 1}" in line
    assert "ValueError: deliberate failure for the test" in line
    assert (toy_project / "reports" / "failed" / f"{TOY_WRITER}.ipynb").exists()
    assert _snapshot(toy_project) == before


@pytest.mark.slow
def test_a_kernel_that_dies_mid_notebook_keeps_the_notebook_as_far_as_it_ran(toy_project):
    """papermill does not save after each cell (``execute.WarmEngine``): a kernel that dies must still leave the
    executed notebook up to that cell under reports/failed, and publish nothing."""
    before = _snapshot(toy_project)
    _add_cell(toy_project, TOY_WRITER, "print('the last words before the kernel dies')")
    _add_cell(toy_project, TOY_WRITER, "import os\nos._exit(3)")
    line = _one_error_line(run_antt(toy_project, "run", "--only", "01"))
    assert TOY_WRITER in line and "DeadKernelError" in line, line
    failed = nbformat.read(toy_project / "reports" / "failed" / f"{TOY_WRITER}.ipynb", as_version=4)
    printed = [o.get("text", "") for c in failed.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert "the last words before the kernel dies\n" in printed
    assert _snapshot(toy_project) == before


@pytest.mark.slow
def test_a_later_notebook_failing_withholds_the_processed_data(toy_project):
    """The writer succeeds but a reader of its output fails: the writer's processed data and reports stay
    unpublished."""
    before = _snapshot(toy_project)
    _add_cell(toy_project, TOY_REPORT, "raise RuntimeError('02 fails')")
    line = _one_error_line(run_antt(toy_project, "run", "--force", "--only", "01", "--only", "02"))
    assert TOY_REPORT in line and "not published" in line and TOY_WRITER in line
    assert _snapshot(toy_project) == before


@pytest.mark.slow
def test_publishing_into_an_unwritable_place_publishes_nothing(toy_project):
    """reports/html cannot be written (here: it is a file): the writer's processed data stay as they were."""
    shutil.rmtree(toy_project / "reports" / "html")
    (toy_project / "reports" / "html").write_text("in the way", encoding="utf-8")
    before = _snapshot(toy_project)
    line = _one_error_line(run_antt(toy_project, "run", "--only", "01", "--force"))
    assert "html" in line
    assert _snapshot(toy_project) == before


@pytest.mark.slow
def test_a_file_size_limit_while_writing_gives_one_line(toy_project):
    import resource

    before = _snapshot(toy_project)
    # Larger than what the kernel writes (processed data, results), smaller than the writer's page.
    small = max(p.stat().st_size for p in (toy_project / "data" / "processed").iterdir())
    limit = (toy_project / "reports" / "html" / f"{TOY_WRITER}.html").stat().st_size // 2
    assert small < limit

    def cap():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    line = _one_error_line(run_antt(toy_project, "run", "--only", "01", "--force", preexec_fn=cap))
    assert "too large" in line.lower(), line
    assert _snapshot(toy_project) == before


@pytest.mark.slow
def test_exploratory_runs_leave_the_canonical_outputs_alone(toy_project, tmp_path):
    before = _snapshot(toy_project)
    series = tmp_path / "my_series.csv"
    series.write_text("year,count\n2020,3\n2021,2\n", encoding="utf-8")
    english = run_antt(toy_project, "run", "--only", "01", "-p", "lang=en")
    assert english.returncode == 0, english.stderr
    explored = run_antt(toy_project, "run", "--only", "03", "-p", f"series_path={series}")
    assert explored.returncode == 0, explored.stderr
    assert _snapshot(toy_project) == before, "an exploratory run changed the canonical outputs"
    lang_en = toy_project / "reports" / "explore" / "lang-en"
    assert (lang_en / "html" / f"{TOY_WRITER}__en.html").exists() and (lang_en / "index.html").exists()
    assert (lang_en / "processed" / "indicators.csv").read_bytes() == (
        toy_project / "data" / "processed" / "indicators.csv"
    ).read_bytes()
    folder = toy_project / "reports" / "explore" / "series_path-my-series"
    assert folder.is_dir(), sorted(p.name for p in (toy_project / "reports" / "explore").iterdir())
    for job in TOY_SET_JOBS:
        assert json.loads((folder / "results" / f"{job}.json").read_text(encoding="utf-8"))["series_lines"] == 3
    assert "exploratory" in explored.stderr


@pytest.mark.slow
def test_concurrent_runs_keep_every_entry(toy_built, toy_project):
    runs = [start_antt(toy_project, "run", "--force", "--only", only) for only in ("01", "04")]
    for run in runs:
        code, err = finish_antt(run)
        assert code == 0, err
    manifest = json.loads((toy_project / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest) == sorted(TOY_JOBS)
    assert _snapshot(toy_project) == _snapshot(toy_built)


@pytest.mark.slow
def test_a_damaged_manifest_is_a_warning_and_is_rebuilt(toy_project):
    (toy_project / "reports" / "manifest.json").write_text("[]", encoding="utf-8")
    result = run_antt(toy_project, "run", "--only", "01")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "warning: " in result.stderr and "manifest.json" in result.stderr
    assert f"[   done] {TOY_WRITER}" in result.stderr
    assert TOY_WRITER in json.loads((toy_project / "reports" / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_removed_parameter_set_is_pruned(toy_project):
    _set_params(toy_project, TOY_SETS, "  - place: a\n    lang: vi\n")
    result = run_antt(toy_project, "run")
    assert result.returncode == 0, result.stderr
    leftovers = [p.name for p in (toy_project / "reports").rglob(f"*{TOY_SET_JOBS[1]}*")]
    assert not leftovers, leftovers
    assert TOY_SET_JOBS[1] not in (toy_project / "reports" / "index.html").read_text(encoding="utf-8")
    assert TOY_SET_JOBS[1] not in json.loads((toy_project / "reports" / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_has_no_unfinished_entries():
    manifest = json.loads((paths.ROOT / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest
    for name, entry in manifest.items():
        for file in entry["files"]:
            path = (
                ROOT / "data" / "processed" / file.removeprefix("processed/")
                if file.startswith("processed/")
                else ROOT / "reports" / file
            )
            assert path.exists(), (name, file)


def _alive(pid: int) -> bool:
    """Running (a zombie, exited but not yet reaped, is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        children = subprocess.run(["pgrep", "-P", str(todo.pop())], capture_output=True, text=True).stdout.split()
        todo += [int(c) for c in children if int(c) not in found]
        found |= {int(c) for c in children}
    return found


@pytest.mark.slow
def test_ctrl_c_ends_the_run_at_once_leaves_nothing_half_written_and_no_kernel(toy_project, tmp_path):
    """Ctrl-C while a notebook runs (here it would pause 600 s): the run ends within seconds with exit 130,
    its kernel is gone and nothing is published or left half-written."""
    import signal

    pid_file = tmp_path / "kernel.pid"
    _set_params(toy_project, TOY_ALONE, f"  pause: 600\n  pid_file: {pid_file}\n  lang: vi\n")
    before = _snapshot(toy_project)
    run, kernel = start_antt(toy_project, "run", "--only", "04"), None
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not (pid_file.exists() and pid_file.read_text()):
            assert run.poll() is None, "the run ended before its notebook started"
            time.sleep(0.2)
        kernel = int(pid_file.read_text())
        # The run is running its notebook: it has not exited, and the notebook's kernel is its descendant (on a
        # worker of its local cluster, forked from that worker's zygote), alive.
        assert run.poll() is None
        descendants = _descendants(run.pid)
        assert kernel in descendants and _alive(kernel), (kernel, descendants)
        run.send_signal(signal.SIGINT)
        code, err = finish_antt(run, timeout=15)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        if kernel is not None and _alive(kernel):
            deadline = time.monotonic() + 5
            while _alive(kernel) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(kernel):
                os.kill(kernel, 9)
                pytest.fail(f"kernel {kernel} left running after the run ended")
    assert code == 130, err
    assert not list(toy_project.rglob("*.tmp")) and not list(toy_project.rglob("*.antt-tmp"))
    assert not list((toy_project / "reports").glob(".staging/run-*"))
    assert _snapshot(toy_project) == before


@pytest.mark.slow
def test_console_says_what_happens(build_log):
    """The session build's console: a line when each job starts and ends, a heartbeat for long jobs (every
    second there), a summary; nothing of the kernels' transport."""
    jobs = [j.name for j in _plan()]
    lines = build_log.splitlines()
    assert lines[0].startswith(f"antt run: {len(jobs)} job(s)")
    for job in jobs:
        assert f"[  start] {job}" in lines
        assert any(line.startswith(f"[   done] {job} (") for line in lines), job
    assert any(line.startswith("[running] ") for line in lines), "no heartbeat for a long job"
    assert lines[-1].startswith(f"antt run: {len(jobs)} ran, 0 cached, 0 failed")
    assert "TCP" not in build_log


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
