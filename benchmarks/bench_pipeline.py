"""Pipeline benchmark (make bench): one run on this machine, five timings.

(a) floor: one Python process importing pandas, statsmodels.api, seaborn, papermill and nbconvert (the fastest of
    3, after one untimed);
(b) naive: every notebook job through the ``papermill`` CLI, then ``jupyter nbconvert --to html``, one after the other;
(c) ``antt run --force``;
(d) ``antt run`` with nothing changed;
(e) ``antt run --force -p study_replicates=0``: the pipeline without notebook 05's simulation study (the
    demonstration report's 200 simulated panels per scenario, about 90 CPU-s), for comparison only: not a target.
Targets: (c) <= (b)/2, (c) <= 3 x (a), (d) < 1 s. Runs in a temporary copy of the project, so the
committed reports are not touched. Prints the figures; exits 1 if a target is missed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FLOOR_RUNS = 3


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def copy_project(target: Path) -> Path:
    for name in ("data", "notebooks"):
        shutil.copytree(ROOT / name, target / name)
    for name in ("params.yaml", "pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "src", target / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return target


def main() -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from antt.pipeline import notebooks, runner

    with tempfile.TemporaryDirectory(prefix="antt-bench-") as tmp:
        project = copy_project(Path(tmp) / "project")
        env = {**os.environ, "ANTT_ROOT": str(project), "ANTT_REPORTS_DIR": str(project / "reports"), "CI": "1"}
        # The floor is the fastest of FLOOR_RUNS imports after one untimed (file cache warmed): a single cold
        # import measured between 2.6 and 10 s on the same machine in one day.
        imports = [sys.executable, "-c", "import pandas, statsmodels.api, seaborn, papermill, nbconvert"]
        timed(imports, env, project)
        floor = min(timed(imports, env, project) for _ in range(FLOOR_RUNS))

        jobs = runner.plan(notebooks.discover(project / "notebooks"), runner.load_params(project / "params.yaml"), {})
        naive_dir = Path(tmp) / "naive"
        naive_dir.mkdir()
        start = time.perf_counter()
        for job in jobs:
            out = naive_dir / f"{job.name}.ipynb"
            args = [
                str(BIN / "papermill"),
                str(job.spec.path),
                str(out),
                "--cwd",
                str(project / "notebooks"),
                "--no-progress-bar",
            ]
            for name, value in job.params.items():
                # -y takes YAML; JSON is YAML (None -> null), and keeps «Công Lý» as written.
                args += ["-y", f"{name}: {json.dumps(value, ensure_ascii=False)}"]
            subprocess.run(
                args,
                env={**env, "ANTT_JOB": job.name},
                cwd=project,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            subprocess.run(
                [str(BIN / "jupyter"), "nbconvert", "--to", "html", str(out)],
                env=env,
                cwd=project,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        naive = time.perf_counter() - start

        forced = timed([str(BIN / "antt"), "run", "--force"], env, project)
        unchanged = timed([str(BIN / "antt"), "run"], env, project)
        without_study = timed([str(BIN / "antt"), "run", "--force", "-p", "study_replicates=0"], env, project)

    checks = [
        ("(c) <= (b) / 2", forced <= naive / 2),
        ("(c) <= 3 x (a)", forced <= 3 * floor),
        ("(d) < 1 s", unchanged < 1.0),
    ]
    print(f"notebook jobs: {len(jobs)} on {os.cpu_count()} cores")
    print(f"(a) floor, import pandas/statsmodels/seaborn/papermill/nbconvert: {floor:6.2f} s")
    print(f"(b) naive, papermill CLI + nbconvert CLI, sequential:             {naive:6.2f} s")
    print(
        f"(c) antt run --force:                                             {forced:6.2f} s  "
        f"({forced / naive:.2f} x b, {forced / floor:.2f} x a)"
    )
    print(f"(d) antt run, nothing changed:                                    {unchanged:6.2f} s")
    print(
        f"(e) antt run --force -p study_replicates=0 (no study; no target):  {without_study:6.2f} s  "
        f"({without_study / floor:.2f} x a)"
    )
    return verdict(checks)


def verdict(checks: list[tuple[str, bool]]) -> int:
    """Print each target as met (ok) or missed (MISS); the exit status: 1 if any was missed."""
    for name, ok in checks:
        print(f"  {'ok  ' if ok else 'MISS'} {name}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
