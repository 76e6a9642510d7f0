"""Publishing: exploration folders, two-phase all-or-nothing moves, the manifest under a lock,
pruning; and the cache key's logical names (fast unit tests, no notebook runs)."""

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from antt.pipeline import inputs, publish


def _outputs(tmp_path: Path) -> publish.Outputs:
    return publish.Outputs(tmp_path / "reports", tmp_path / "processed", "")


def _stage(tmp_path: Path, name: str, files: dict[str, bytes]) -> publish.Stage:
    stage = publish.Stage(tmp_path / ".staging" / name)
    for relative, data in files.items():
        path = stage.folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return stage


def test_exploration_names_are_readable_and_sorted():
    assert publish.exploration_name({"lang": "en", "alpha": 0.1}) == "alpha-0.1__lang-en"
    assert publish.exploration_name({"commune": "Công Lý"}) == "commune-cong-ly"
    assert publish.exploration_name({"series_path": "/tmp/x/My Series.csv"}) == "series_path-my-series"
    long = publish.exploration_name({"interventions": {f"model {i}": 2000 + i for i in range(20)}})
    assert len(long) <= publish.MAX_NAME and long != publish.exploration_name({"interventions": {"model": 1}})


def test_overrides_write_apart_from_the_canonical_outputs():
    canonical = publish.for_overrides({})
    explored = publish.for_overrides({"alpha": 0.1})
    assert canonical.canonical and not explored.canonical
    assert (
        explored.root == canonical.root / "explore" / "alpha-0.1" and explored.processed == explored.root / "processed"
    )


def test_publish_moves_everything_and_records_the_files(tmp_path):
    outputs = _outputs(tmp_path)
    stage = _stage(
        tmp_path,
        "job",
        {"reports/html/a.html": b"page", "reports/results/a.json": b"{}", "processed/indicators.csv": b"x,y\n"},
    )
    entry = publish.publish(outputs, stage, "a", {"key": "k"})
    assert entry["files"] == ["html/a.html", "processed/indicators.csv", "results/a.json"]
    assert (outputs.processed / "indicators.csv").read_bytes() == b"x,y\n"
    assert json.loads(outputs.manifest.read_text(encoding="utf-8"))["a"]["key"] == "k"
    assert (outputs.root / "index.html").exists()


def test_a_failure_part_way_publishes_nothing(tmp_path, monkeypatch):
    outputs = _outputs(tmp_path)
    publish.publish(
        outputs, _stage(tmp_path, "old", {"reports/html/a.html": b"old", "processed/q.csv": b"old"}), "a", {}
    )
    stage = _stage(
        tmp_path, "new", {"reports/html/a.html": b"new", "processed/q.csv": b"new", "reports/results/a.json": b"new"}
    )
    real, calls = os.replace, []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(27, "File too large", str(dst))
        return real(src, dst)

    monkeypatch.setattr(publish.os, "replace", failing)
    with pytest.raises(OSError, match="File too large"):
        publish.publish(outputs, stage, "a", {})
    monkeypatch.setattr(publish.os, "replace", real)
    assert (outputs.root / "html" / "a.html").read_bytes() == b"old"
    assert (outputs.processed / "q.csv").read_bytes() == b"old"
    assert not (outputs.root / "results" / "a.json").exists()
    assert not [p for p in tmp_path.rglob(f"*{publish.TEMP_SUFFIX}")]


def test_jobs_published_together_each_keep_their_files_and_the_views_are_built_once(tmp_path, monkeypatch):
    outputs = _outputs(tmp_path)
    jobs = [
        (_stage(tmp_path, name, {f"reports/html/{name}.html": name.encode(), f"reports/results/{name}.json": b"{}"}),)
        + (name, {"key": name})
        for name in ("a", "b", "c")
    ]
    real, builds = publish._place_views, []
    monkeypatch.setattr(publish, "_place_views", lambda *args: builds.append(1) or real(*args))
    entries = publish.publish_together(outputs, jobs)
    assert len(builds) == 1
    assert [e["files"] for e in entries] == [[f"html/{n}.html", f"results/{n}.json"] for n in "abc"]
    manifest = json.loads(outputs.manifest.read_text(encoding="utf-8"))
    assert {n: manifest[n]["key"] for n in "abc"} == {"a": "a", "b": "b", "c": "c"}
    assert (outputs.root / "html" / "c.html").read_bytes() == b"c"


def test_jobs_published_together_are_all_published_or_none(tmp_path, monkeypatch):
    outputs = _outputs(tmp_path)
    jobs = [(_stage(tmp_path, n, {f"reports/html/{n}.html": b"new"}), n, {}) for n in ("a", "b")]
    real, calls = os.replace, []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) == 2:  # the second job's page
            raise OSError(28, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(publish.os, "replace", failing)
    with pytest.raises(OSError, match="No space left"):
        publish.publish_together(outputs, jobs)
    monkeypatch.setattr(publish.os, "replace", real)
    assert not (outputs.root / "html").exists() or not list((outputs.root / "html").iterdir())
    assert not outputs.manifest.exists()
    assert not [p for p in tmp_path.rglob(f"*{publish.TEMP_SUFFIX}")]


def _publish_many(root: str, worker: int, count: int) -> None:
    base = Path(root)
    outputs = _outputs(base)
    for i in range(count):
        name = f"w{worker}-{i}"
        publish.publish(outputs, _stage(base / f"s{worker}", name, {f"reports/results/{name}.json": b"{}"}), name, {})


def test_concurrent_publishers_lose_no_entry(tmp_path):
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_publish_many, args=(str(tmp_path), w, 15)) for w in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    manifest = json.loads(_outputs(tmp_path).manifest.read_text(encoding="utf-8"))
    assert len(manifest) == 45


def test_prune_removes_what_no_parameter_set_produces(tmp_path):
    outputs = _outputs(tmp_path)
    publish.publish(outputs, _stage(tmp_path, "keep", {"reports/html/keep.html": b"k"}), "keep", {})
    publish.publish(
        outputs,
        _stage(tmp_path, "gone", {"reports/html/gone.html": b"g", "reports/figures/gone.png": b"g"}),
        "gone",
        {},
    )
    (outputs.root / "figures" / "orphan.png").write_bytes(b"o")
    removed = publish.prune(outputs, {"keep"})
    assert sorted(p.name for p in removed) == ["gone.html", "gone.png", "orphan.png"]
    assert sorted(json.loads(outputs.manifest.read_text(encoding="utf-8"))) == ["keep"]
    assert (outputs.root / "html" / "keep.html").exists()


@pytest.mark.parametrize("text", ["[]", "{not json", '{"a": 1}'])
def test_a_damaged_manifest_reads_as_empty_with_a_warning(tmp_path, capsys, text):
    outputs = _outputs(tmp_path)
    outputs.root.mkdir(parents=True)
    outputs.manifest.write_text(text, encoding="utf-8")
    assert publish.load_manifest(outputs) == {}
    assert "warning:" in capsys.readouterr().err


def test_abandoned_staging_folders_are_removed(tmp_path):
    outputs = _outputs(tmp_path)
    abandoned = outputs.root / publish.STAGING / "run-dead"
    abandoned.mkdir(parents=True)
    (abandoned / ".lock").write_bytes(b"")
    with publish.run_folder(outputs) as folder:
        assert folder.is_dir() and not abandoned.exists()
    assert not folder.exists()


def test_a_folder_being_made_is_not_taken_for_abandoned_unless_it_is_old(tmp_path):
    outputs = _outputs(tmp_path)
    base = outputs.root / publish.STAGING
    fresh, old = base / f"{publish.NEW_RUN}fresh", base / f"{publish.NEW_RUN}old"
    for folder in (fresh, old):
        folder.mkdir(parents=True)
    os.utime(old, (1, 1))
    with publish.run_folder(outputs) as folder:
        assert folder.name.startswith("run-") and (folder / ".lock").exists()
        assert fresh.exists() and not old.exists()


def _runs_in_a_row(root: str, times: int) -> int:
    outputs = publish.Outputs(Path(root), Path(root) / "processed", "")
    for _ in range(times):
        with publish.run_folder(outputs) as folder:
            (folder / "x").write_text("x", encoding="utf-8")
    return times


def test_runs_starting_at_the_same_time_each_keep_their_folder(tmp_path):
    """Two runs making and cleaning up staging folders at the same moments: none removes the other's (this
    failed once: a run took the folder another had just made, before its lock, for an abandoned one)."""
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        assert pool.starmap(_runs_in_a_row, [(str(tmp_path / "reports"), 200)] * 2) == [200, 200]


def test_logical_names_do_not_depend_on_where_the_files_are(tmp_path):
    from antt import paths

    staged = tmp_path / "stage" / "processed"
    reads = [
        str(staged / "indicators.csv"),
        str(paths.ROOT / "data" / "raw" / "figures.csv"),
        "listing:" + str(paths.NOTEBOOKS),
        "/usr/lib/python3/x.py",
    ]
    modules = [str(inputs.PACKAGE / "data" / "clean.py"), str(inputs.PACKAGE / "__pycache__" / "x.pyc")]
    assert inputs.logical_names(reads, modules, [staged]) == [
        "antt/data/clean.py",
        "data/processed/indicators.csv",
        "data/raw/figures.csv",
    ]


def test_the_key_follows_content_not_location(tmp_path):
    from antt import paths

    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        (folder / "indicators.csv").write_text("same", encoding="utf-8")
    notebook = paths.NOTEBOOKS / "02_province_results.ipynb"
    recorded = ["data/processed/indicators.csv"]
    assert inputs.key(notebook, {"alpha": 0.05}, recorded, a) == inputs.key(notebook, {"alpha": 0.05}, recorded, b)
    (b / "indicators.csv").write_text("changed", encoding="utf-8")
    assert inputs.key(notebook, {"alpha": 0.05}, recorded, a) != inputs.key(notebook, {"alpha": 0.05}, recorded, b)
    assert inputs.key(notebook, {"alpha": 0.05}, recorded, a) != inputs.key(notebook, {"alpha": 0.1}, recorded, a)


def test_the_renderer_inputs_cover_its_imports():
    rendered = inputs.render_inputs()
    assert {
        "antt/reporting/html.py",
        "antt/pipeline/execute.py",
        "antt/pipeline/inputs.py",
        "docs/caveats.md",
        "data/raw/sources.csv",
    } <= set(rendered)


def test_a_worker_gives_each_job_a_fresh_kernel_and_starts_the_next_one_ahead(monkeypatch):
    """The worker's spare kernel: each job takes the one started ahead (or starts one), and the next is started;
    a start failure reaches the job that asks, not the worker."""
    import itertools

    from antt.pipeline import kernels, worker

    counter = itertools.count()
    started, stopped = [], []

    def start(name, cwd, preload=()):
        number = next(counter)
        started.append(number)
        if number == 2:
            raise kernels.KernelStartError("no kernel")
        return number

    monkeypatch.setattr(kernels, "start_kernel", start)
    monkeypatch.setattr(kernels, "shutdown", stopped.append)
    monkeypatch.setattr(worker.forking, "start", lambda *a: None)
    monkeypatch.setattr(worker.printing, "browser", lambda: None)
    monkeypatch.setattr(worker.forking, "stop", lambda: None)
    state = worker.WorkerState()  # starts a spare for the notebooks' kernel
    assert state.kernel("antt") == 0 and state.kernel("antt") == 1
    with pytest.raises(kernels.KernelStartError):
        state.kernel("antt")
    assert state.kernel("antt") == 3
    state.close()
    assert stopped == [4] and started == [0, 1, 2, 3, 4]


def test_kernels_preload_what_the_notebooks_import_and_nothing_of_antt(tmp_path):
    import nbformat

    notebook = tmp_path / "nb.ipynb"
    cells = [
        "%matplotlib inline\nimport numpy as np\nfrom antt.analyses import province",
        "def later():\n    import sqlite3  # lazy: not preloaded\n",
        "this is not python(",
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), notebook)
    preload = inputs.preload_modules([notebook])
    assert "numpy" in preload and "sqlite3" not in preload
    assert not [m for m in preload if m.split(".")[0] == "antt"]
    assert "pandas" in preload  # imported at module level by antt.data, which province imports
    assert "seaborn" in preload  # province imports antt.reporting.figures inside a function; figures imports it


def test_the_preload_skips_names_that_are_not_modules_and_leaves_nothing_behind():
    import sys

    from antt.pipeline import kernels

    namespace: dict = {}
    exec(kernels.preload_code(("json", "pathlib.Path", "antt_no_such_module", "email.mime")), namespace)
    assert set(namespace) == {"__builtins__"}
    assert "email.mime" in sys.modules and "antt_no_such_module" not in sys.modules
    assert "pathlib.Path" not in sys.modules
