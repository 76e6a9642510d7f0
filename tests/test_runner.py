"""The runner: parameters refused before any kernel starts, --list, parameter sets, caching,
failures that keep the last good outputs, byte-identical reruns."""

import json
import time

import nbformat
import pytest

from antt import notebooks, paths, runner
from conftest import ROOT, run_antt

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


def test_unknown_parameter_is_refused_with_the_list():
    with pytest.raises(runner.RunError) as err:
        _plan(overrides={"langue": "en"})
    message = str(err.value)
    assert "langue" in message and "lang: str = 'vi'" in message and CLEAN in message


def test_wrong_type_is_refused():
    with pytest.raises(runner.RunError, match="'fail_on_quality_error' must be bool"):
        _plan(overrides={"fail_on_quality_error": "yes"})


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
    assert result.returncode == 1 and "unknown parameter" in result.stderr
    assert not (project_copy / "reports").exists()


def test_list_prints_every_notebook():
    result = run_antt(ROOT, "run", "--list")
    assert result.returncode == 0
    for spec in SPECS:
        assert spec.name in result.stdout
        for name in spec.parameters:
            assert name in result.stdout


@pytest.mark.slow
def test_cache_force_and_invalidation(project_copy):
    assert run_antt(project_copy, "run", "--only", "01").returncode == 0
    report = project_copy / "reports" / "html" / f"{CLEAN}.html"
    first = report.read_bytes()
    again = run_antt(project_copy, "run", "--only", "01")
    assert f"[ cached] {CLEAN}" in again.stderr
    started = time.monotonic()
    forced = run_antt(project_copy, "run", "--only", "01", "--force")
    assert f"[   done] {CLEAN}" in forced.stderr and time.monotonic() - started > 1
    assert report.read_bytes() == first, "a forced rerun must give byte-identical HTML"
    codebook = project_copy / "data" / "codebook" / "labels.csv"
    codebook.write_text(codebook.read_text(encoding="utf-8").replace("Mã số liệu", "Mã"), encoding="utf-8")
    changed = run_antt(project_copy, "run", "--only", "01")
    assert f"[   done] {CLEAN}" in changed.stderr
    assert report.read_bytes() != first


@pytest.mark.slow
def test_a_failing_cell_is_named_and_kept(project_copy):
    nb_path = project_copy / "notebooks" / f"{CLEAN}.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise ValueError('deliberate failure for the test')"))
    nbformat.write(nb, nb_path)
    result = run_antt(project_copy, "run", "--only", "01")
    assert result.returncode == 1
    assert CLEAN in result.stderr and f"cell {len(nb.cells) - 1}" in result.stderr
    assert "ValueError: deliberate failure for the test" in result.stderr
    assert (project_copy / "reports" / "failed" / f"{CLEAN}.ipynb").exists()
    assert not (project_copy / "reports" / "html" / f"{CLEAN}.html").exists()
    assert not (project_copy / "reports" / "results").exists(), "results of a failed run must not be published"


def test_manifest_has_no_unfinished_entries():
    manifest = json.loads((paths.ROOT / "reports" / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in manifest.items():
        assert (ROOT / entry["html"]).exists() and (ROOT / entry["notebook"]).exists(), name


@pytest.mark.slow
def test_ctrl_c_leaves_nothing_half_written_and_no_kernel(project_copy):
    import os
    import signal
    import subprocess
    import sys

    first = run_antt(project_copy, "run", "--only", "01")
    assert first.returncode == 0, first.stderr
    before = {p: p.read_bytes() for p in sorted(project_copy.rglob("*")) if p.is_file() and "reports" in p.parts}
    env = {**os.environ, "ANTT_ROOT": str(project_copy), "ANTT_REPORTS_DIR": str(project_copy / "reports")}
    # n_sim=5000 keeps the validation notebook busy for minutes: the interrupt lands mid-run on any machine.
    proc = subprocess.Popen([sys.executable, "-m", "antt", "run", "--force", "--only", "04", "-p", "n_sim=5000"], cwd=project_copy, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(8)  # the validation notebook is running its simulations by now
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    leftovers = [p for p in project_copy.rglob("*.tmp")]
    assert not leftovers, leftovers
    assert not (project_copy / "reports" / "html" / "04_method_validation.html").exists()
    after = {p: p.read_bytes() for p in sorted(project_copy.rglob("*")) if p.is_file() and "reports" in p.parts
             and "failed" not in p.parts and p.name != "manifest.json"}
    assert after == {p: b for p, b in before.items() if p.name != "manifest.json"}
    kernels = subprocess.run(["pgrep", "-f", f"ipykernel.*{project_copy.name}"], capture_output=True, text=True)
    assert proc.pid and not subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True).stdout, kernels.stdout
