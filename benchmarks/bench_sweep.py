"""Sweep benchmark (make bench): the marginal cost of one more commune report, on synthetic communes.

In a temporary copy of the project, ``params.yaml`` declares notebook 03 once per row of a generated table
of SYNTHETIC communes ("Mô Phỏng 001", …: simulated yearly counts of new drug addicts, 2012-2024, one
simulated prevention model adopted in 2016, 2018 or 2020, a simulated source registered beside the
series). It times ``antt run --force --only 03`` on the first ``--small`` rows and on all ``--rows``, in one
run of this script, and prints the marginal wall time per report: (T(rows) - T(small)) / (rows - small).
With ``--cluster`` it also starts a ``dask scheduler`` and two ``dask worker`` processes, runs the same sweep
through them (``--scheduler``) and checks that the reports are byte-identical to the local run's.
Target: marginal cost <= 0.5 s per report. Exits 1 if a target is missed or the reports differ.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import BIN, copy_project

TARGET_SECONDS = 0.5
SOURCE_ID = "synthetic-sweep-benchmark"
MODEL = "Mô hình mô phỏng"  # "simulated model"
YEARS = range(2012, 2025)
WAVES = (2016, 2018, 2020)


def generate(folder: Path, communes: int, seed: int = 20261204) -> tuple[Path, Path]:
    """Write the SYNTHETIC series (with its own sources.csv beside it) and the table of communes; return both."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with open(Path(__file__).resolve().parents[1] / "data" / "raw" / "sources.csv", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    source = dict.fromkeys(header, "")
    source |= {
        "source_id": SOURCE_ID,
        "title": "SYNTHETIC benchmark series (simulated counts, not data)",
        "publisher": "antt benchmarks (simulated)",
        "author": "benchmarks/bench_sweep.py",
        "place": "Hà Nam",
        "province": "Hà Nam",
        "language": "vi",
        "publication_date": "unknown",
        "publication_date_note": "Simulated by the benchmark; not a publication.",
        "access_date": "2026-12-04",
        "text_file": "series.csv",
        "sha256": "0" * 64,
        "licence": "Simulated data, no rights",
        "citation": "SYNTHETIC: simulated by benchmarks/bench_sweep.py; not data about any commune.",
    }
    with open(folder / "sources.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerow(source)
    rows, table = [], []
    for index in range(1, communes + 1):
        name = f"Mô Phỏng {index:03d}"
        start = WAVES[index % len(WAVES)]
        rate = float(rng.uniform(2, 20))
        for year in YEARS:
            expected = rate * (0.6 if year >= start else 1.0)
            rows.append([SOURCE_ID, f"xã {name}", "new_drug_addicts", year, "", int(rng.poisson(expected)), ""])
        table.append([name, json.dumps({MODEL: start}, ensure_ascii=False)])
    series = folder / "series.csv"
    with open(series, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_id", "place", "indicator", "year", "month", "count", "population"])
        writer.writerows(rows)
    communes_csv = folder / "communes.csv"
    with open(communes_csv, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["commune", "interventions"])
        writer.writerows(table)
    return series, communes_csv


def write_params(project: Path, communes_csv: Path, series: Path, rows: int) -> None:
    """``params.yaml`` of the copy: notebook 03 once per row of the first ``rows`` communes."""
    table = project / f"communes-{rows}.csv"
    lines = communes_csv.read_text(encoding="utf-8").splitlines()
    table.write_text("\n".join(lines[: rows + 1]) + "\n", encoding="utf-8")
    (project / "params.yaml").write_text(
        f"03_intervention_effect:\n  each_row_of: {table.name}\n  series_path: {series}\n  lang: vi\n",
        encoding="utf-8",
    )


def sweep(project: Path, env: dict[str, str], rows: int, communes_csv: Path, series: Path, *extra: str) -> float:
    write_params(project, communes_csv, series, rows)
    shutil.rmtree(project / "reports", ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "antt"), "run", "--force", "--only", "03", *extra], env=env, cwd=project, capture_output=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"antt run failed ({rows} communes): {done.stderr.decode()[-2000:]}")
    return elapsed


def digests(reports: Path) -> dict[str, str]:
    return {
        p.relative_to(reports).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(reports.rglob("*"))
        if p.is_file() and ".cache" not in p.parts and p.name != "manifest.json"
    }


def on_cluster(project: Path, env: dict[str, str], rows: int, communes_csv: Path, series: Path) -> float:
    """The same sweep through a separately started ``dask scheduler`` and two ``dask worker`` processes."""
    scheduler_file = project / "scheduler.json"
    processes = [
        subprocess.Popen(
            [str(BIN / "dask"), "scheduler", "--scheduler-file", str(scheduler_file), "--port", "0", "--no-dashboard"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        while not scheduler_file.exists():
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            processes.append(
                subprocess.Popen(
                    [str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard"],
                    env=env,
                    cwd=project,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        return sweep(project, env, rows, communes_csv, series, "--scheduler", address)
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100, help="communes in the large sweep (default 100)")
    parser.add_argument("--small", type=int, default=10, help="communes in the small sweep (default 10)")
    parser.add_argument("--cluster", action="store_true", help="also run the sweep on a dask scheduler + 2 workers")
    parser.add_argument(
        "--without-pdfs", action="store_true", help="print no PDF (ANTT_BROWSER=none): what the pages alone cost"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="antt-sweep-") as tmp:
        project = copy_project(Path(tmp) / "project")
        series, communes_csv = generate(Path(tmp) / "synthetic", args.rows)
        env = {
            **os.environ,
            "ANTT_ROOT": str(project),
            "CI": "1",
            "ANTT_SHARED_CACHE": str(Path(tmp) / "shared"),
        }
        if args.without_pdfs:
            env["ANTT_BROWSER"] = "none"
        shutil.rmtree(Path(tmp) / "shared", ignore_errors=True)
        small = sweep(project, env, args.small, communes_csv, series)
        shutil.rmtree(Path(tmp) / "shared", ignore_errors=True)  # both sweeps start without shared results
        large = sweep(project, env, args.rows, communes_csv, series)
        local = digests(project / "reports")
        marginal = (large - small) / (args.rows - args.small)
        pdfs = "without PDFs" if args.without_pdfs else "with PDFs"
        print(f"SYNTHETIC commune sweep (simulated data) on {os.cpu_count()} cores, notebook 03, {pdfs}, local cluster")
        print(f"  {args.small:4d} reports: {small:7.2f} s")
        print(f"  {args.rows:4d} reports: {large:7.2f} s")
        print(f"  marginal cost: {marginal:.3f} s per report (target <= {TARGET_SECONDS} s)")
        ok = marginal <= TARGET_SECONDS
        if args.cluster:
            shutil.rmtree(Path(tmp) / "shared", ignore_errors=True)
            remote = on_cluster(project, env, args.rows, communes_csv, series)
            same = digests(project / "reports") == local
            print(f"  dask scheduler + 2 workers: {remote:7.2f} s; reports byte-identical to the local run: {same}")
            ok = ok and same
    print(f"  {'ok  ' if ok else 'MISS'} targets")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
