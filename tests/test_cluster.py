"""The same sweep on a separately started Dask cluster (``dask scheduler`` + two ``dask worker``s): reports
byte-identical to a local run's, and every report published although a worker is killed in the middle.
Uses the toy project (conftest), with a sweep declared from a table (``each_row_of``)."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import TOY_ALONE, antt_env, copy_tree, finish_antt, run_antt, start_antt

ROWS = 6
DASK = Path(sys.executable).with_name("dask")


def _sweep(project: Path, pause: float) -> list[str]:
    """``params.yaml``: the toy notebook that pauses, once per row of a table; returns the job names."""
    # The kernels run in notebooks/: relative pid files give both copies the same parameters (and pages).
    rows = ["pause,pid_file"] + [f"{pause + i / 100},../kernel-{i}.pid" for i in range(ROWS)]
    (project / "rows.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (project / "params.yaml").write_text(f"{TOY_ALONE}:\n  each_row_of: rows.csv\n  lang: vi\n", encoding="utf-8")
    return [f"{TOY_ALONE}__{pause + i / 100}" for i in range(ROWS)]


def _reports(project: Path) -> dict[str, str]:
    """Every published report file → its SHA-256 (the run-private folders and the pid files aside)."""
    reports = project / "reports"
    private = {".staging", "failed", ".cache"}
    return {
        p.relative_to(reports).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(reports.rglob("*"))
        if p.is_file() and not private & set(p.relative_to(reports).parts) and p.name != ".lock"
    }


@pytest.fixture
def cluster(toy_project):
    """A ``dask scheduler`` and two ``dask worker`` processes for the toy project (its checkout: ANTT_ROOT)."""
    env = antt_env(toy_project)
    scheduler_file = toy_project / "scheduler.json"
    started = [
        subprocess.Popen(
            [str(DASK), "scheduler", "--scheduler-file", str(scheduler_file), "--port", "0", "--no-dashboard"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            started.append(
                subprocess.Popen(
                    [str(DASK), "worker", address, "--nthreads", "1", "--no-dashboard"],
                    env=env,
                    cwd=toy_project,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _worker_of(kernel: int) -> int:
    """The Dask worker process that runs a kernel: the parent of the kernel's parent (the zygote)."""
    zygote = int(Path(f"/proc/{kernel}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return int(Path(f"/proc/{zygote}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.slow
def test_a_sweep_on_a_cluster_survives_a_killed_worker_and_matches_a_local_run(toy_project, cluster, tmp_path):
    local = copy_tree(toy_project, tmp_path / "local")
    env = {"SOURCE_DATE_EPOCH": "1767225600"}
    names = _sweep(toy_project, 2.0)
    assert _sweep(local, 2.0) == names

    run = start_antt(toy_project, "run", "--only", "04", "--scheduler", cluster, env=env)
    try:
        first = toy_project / "kernel-0.pid"
        deadline = time.monotonic() + 120
        while not (first.exists() and first.read_text()) and time.monotonic() < deadline:
            assert run.poll() is None, run.communicate()[1]
            time.sleep(0.1)
        killed = _worker_of(int(first.read_text()))
        os.kill(killed, signal.SIGKILL)  # in the middle of a job: its job goes to the other worker
        code, err = finish_antt(run, timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
    assert code == 0, err
    published = _reports(toy_project)
    for name in names:
        assert f"html/{name}.html" in published and f"results/{name}.json" in published, (name, err)
    assert not list(toy_project.rglob("*.tmp"))

    assert run_antt(local, "run", "--only", "04", env=env).returncode == 0
    mine = _reports(local)
    assert mine == published


def test_an_unreachable_scheduler_is_one_error_line(toy_project):
    result = run_antt(toy_project, "run", "--force", "--only", "04", "--scheduler", "tcp://127.0.0.1:9")
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 1 and len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in errors[0]


def test_a_helper_thread_that_fails_in_a_worker_is_one_warning_line(capsys, monkeypatch):
    """A kernel client's helper thread that dies (once: a heartbeat thread's socket under load) must not
    print a traceback on the run's console; the job's result does not depend on it."""
    import threading

    from antt.pipeline import worker

    monkeypatch.setattr(threading, "excepthook", worker._one_line_warning)
    thread = threading.Thread(target=lambda: 1 / 0, name="heartbeat")
    thread.start()
    thread.join()
    assert capsys.readouterr().err == "warning: worker heartbeat: ZeroDivisionError: division by zero\n"
