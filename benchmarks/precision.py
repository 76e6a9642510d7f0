"""How many digits of the results are the same on every machine? Measured, not guessed.

The last digits of a statsmodels fit depend on the CPU code path OpenBLAS picks. This script stands
in for "another machine" with the perturbation harness of ``tests/perturb`` (``sitecustomize``:
every dense linear-algebra output multiplied by ``1 + k eps``, k a seeded random integer in
[-4, 4]; no ``OPENBLAS_*`` variable is touched), in a temporary copy of the project:

1. it patches the copy's ``antt/reporting/results.py`` to write every digit (``SIGNIFICANT_DIGITS = 17``,
   which round-trips any double, and ``ZERO_BELOW = 0.0``); the copy's ``src`` goes first on
   PYTHONPATH, before the editable install's ``src`` (a ``.pth`` entry), so the runner and the
   Jupyter kernels it starts (which inherit the environment) use it;
2. for each scenario it runs ``python -m antt run --force`` unperturbed, then with
   ``ANTT_PERTURB_SEED`` = each seed;
3. it compares every float in ``reports/**/results/*.json`` with the unperturbed run and prints,
   per file, the largest relative deviation (and the largest absolute one, which is what counts
   for values near 0), the significant digits that stayed the same, the worst values and, for
   tables of model rows, the largest deviation per model.

Scenarios: the pipeline as committed (``params.yaml``), and notebook 03 fitted to two made-up
yearly series supplied with ``-p series_path=...`` (not committed reports, but the same code path
writes their results): one overdispersed, one without overdispersion, where the negative binomial
sensitivity fit sits at its boundary (alpha -> 0). The last is shown for information and left out
of the verdict: an ill-posed fit that no written precision can make stable. ``--no-fitted`` skips
the fitted scenarios.

The other output files (notebooks, HTML, figures, data/processed) that differ between runs are
listed too. ``--check`` keeps the copy's rounding as it is and checks, scenario by scenario, that
every output file of the perturbed runs is byte-identical to the unperturbed run's.

    .venv/bin/python benchmarks/precision.py [--seeds 1 2 3 4] [--check] [--no-fitted]

Exit status: 0; 1 when ``--check`` finds a difference or the written precision leaves less than
``MARGIN`` digits of margin; 2 when a run fails (three attempts each).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PERTURB = ROOT / "tests" / "perturb"
SEED_ENV = "ANTT_PERTURB_SEED"
FULL = {"SIGNIFICANT_DIGITS": "17", "ZERO_BELOW": "0.0"}
MARGIN = 3  # digits to keep below what the measurement shows to be stable
NEAR_ZERO = 1e-6  # below this, relative deviations say little: the absolute one is shown as well
YEARS = list(range(2012, 2025))  # both interventions of Ngọc Lũ (2018, 2022) with >= 3 points each side


@dataclass(frozen=True)
class Scenario:
    label: str
    counts: tuple[int, ...] | None = None  # a made-up yearly series for notebook 03, or the committed pipeline
    in_verdict: bool = True
    note: str = ""


SCENARIOS = (
    Scenario("pipeline as committed (params.yaml)"),
    Scenario(
        "notebook 03 fitted to an overdispersed series (not committed)", (14, 25, 9, 21, 12, 30, 8, 19, 6, 15, 4, 12, 3)
    ),
    Scenario(
        "notebook 03 fitted to a series without overdispersion (not committed)",
        (14, 17, 12, 15, 16, 13, 9, 11, 8, 10, 5, 7, 4),
        in_verdict=False,
        note="information only: its negative binomial fit is at the boundary alpha -> 0, ill-posed",
    ),
)


def copy_project(target: Path) -> Path:
    """The same tree as the tests' ``project_copy`` fixture."""
    for name in ("data", "notebooks", "docs"):
        shutil.copytree(ROOT / name, target / name)
    for name in ("params.yaml", "pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "src", target / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return target


def write_every_digit(project: Path) -> None:
    path = project / "src" / "antt" / "reporting" / "results.py"
    text = path.read_text(encoding="utf-8")
    for name, value in FULL.items():
        text, n = re.subn(rf"^{name} = .*$", f"{name} = {value}", text, flags=re.MULTILINE)
        if n != 1:
            sys.exit(f"{path}: expected one line '{name} = ...', found {n}")
    path.write_text(text, encoding="utf-8")


def write_series(project: Path, index: int, counts: tuple[int, ...]) -> str:
    """A made-up series in its own folder, with the ``sources.csv`` beside it that registers its source (as
    docs/own_series.md asks of a researcher); returns its path relative to the project."""
    rows = ["source_id,place,indicator,year,count,population"]
    for i, (year, count) in enumerate(zip(YEARS, counts, strict=True)):
        rows.append(f"precision-benchmark,xã Ngọc Lũ (Bình Lục),new_drug_addicts,{year},{count},{9000 + 57 * i}")
    folder = project / f"precision_series_{index}"
    folder.mkdir(exist_ok=True)
    name = f"precision_series_{index}.csv"
    (folder / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    with open(project / "data" / "raw" / "sources.csv", encoding="utf-8", newline="") as handle:
        template = next(csv.DictReader(handle))
    template.update(
        source_id="precision-benchmark",
        title="Made-up series for the precision benchmark (not real data)",
        citation="Made-up series for the precision benchmark (not real data)",
        text_file=name,
        sha256=hashlib.sha256((folder / name).read_bytes()).hexdigest(),
    )
    with open(folder / "sources.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(template))
        writer.writeheader()
        writer.writerow(template)
    return f"{folder.name}/{name}"


def outputs(project: Path) -> dict[str, bytes]:
    """Every output file (reports/ and data/processed/), as the byte-identity test sees them."""
    files = {}
    for top in (project / "reports", project / "data" / "processed"):
        for path in sorted(top.rglob("*")):
            rel = path.relative_to(project)
            if (
                path.is_file()
                and path.name != "manifest.json"
                and not {"build", "failed"} & set(rel.parts)
                and not any(part.startswith(".") for part in rel.parts)
            ):
                files[rel.as_posix()] = path.read_bytes()
    return files


def run(project: Path, seed: int | None, args: list[str]) -> tuple[dict[str, bytes], float]:
    env = {k: v for k, v in os.environ.items() if k != SEED_ENV}
    env.update(
        {
            "ANTT_ROOT": str(project),
            "ANTT_REPORTS_DIR": str(project / "reports"),
            "CI": "1",
            "ANTT_PROCESSED_DIR": str(project / "data" / "processed"),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(project / "src"), str(PERTURB), os.environ.get("PYTHONPATH")) if p
            ),
        }
    )
    if seed is not None:
        env[SEED_ENV] = str(seed)
    started = time.perf_counter()
    for attempt in (1, 2, 3):  # again on failure: under load a starting kernel can miss its heartbeat ("Kernel died")
        for stale in (project / "reports", project / "data" / "processed"):
            shutil.rmtree(stale, ignore_errors=True)  # nothing from a previous run may survive a failed one
        shutil.copytree(ROOT / "data" / "processed", project / "data" / "processed")  # inputs of notebooks 02-04
        returncode, stderr = _antt_run(project, env, args)
        if returncode == 0:
            return outputs(project), time.perf_counter() - started
        print(f"antt run {' '.join(args)} failed (seed {seed}, attempt {attempt}):\n{stderr[-4000:]}", file=sys.stderr)
    sys.exit(2)


def _antt_run(project: Path, env: dict[str, str], args: list[str], timeout: float = 900) -> tuple[int, str]:
    """``python -m antt run --force ARGS``; on timeout its whole process group (kernels included) is ended."""
    process = subprocess.Popen(
        [sys.executable, "-m", "antt", "run", "--force", *args],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
        return process.returncode, stderr
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        _, stderr = process.communicate()
        return -1, f"{stderr}\n(timed out after {timeout:.0f} s)"


def leaves(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in leaves(item, f"{path}.{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in leaves(item, f"{path}[{i}]").items()}
    return {path or ".": value}


def results_files(files: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    return {
        name: leaves(json.loads(data))
        for name, data in files.items()
        if name.endswith(".json") and "results" in Path(name).parts[:-1]
    }


def model_of(path: str, values: dict[str, Any]) -> str | None:
    """The model a value belongs to: its table row's ``model`` column, or the NB dispersion."""
    row = re.match(r"^(.*\[\d+\])\.[^.\[]+$", path)
    if row and isinstance(values.get(f"{row.group(1)}.model"), str):
        return values[f"{row.group(1)}.model"]
    return "negative-binomial (sensitivity)" if re.search(r"\.nb_alpha(_se)?$", path) else None


def digits(rel: float) -> float:
    """Significant digits two values agree to, given their relative difference (inf when equal)."""
    return math.inf if rel == 0 else math.floor(-math.log10(rel))


def compare(base: dict[str, bytes], others: dict[int, dict[str, bytes]]) -> list[dict[str, Any]]:
    """One row per results file: deviations of every float from the unperturbed run, over all seeds."""
    rows = []
    for name, values in sorted(results_files(base).items()):
        row = {
            "file": name,
            "floats": sum(isinstance(v, float) for v in values.values()),
            "changed": set(),
            "max_rel": 0.0,
            "rel": {},
            "max_abs": 0.0,
            "max_abs_near_zero": 0.0,
            "zero_noise": 0.0,
            "by_model": {},
            "other_changes": [],
        }
        for seed, files in others.items():
            perturbed = results_files(files).get(name, {})
            if set(perturbed) != set(values):
                row["other_changes"].append(f"seed {seed}: different keys or list lengths")
            for path, a in values.items():
                b = perturbed.get(path)
                if not isinstance(a, float) or not isinstance(b, float):
                    if b != a:
                        row["other_changes"].append(f"seed {seed}: {path}: {a!r} -> {b!r}")
                    continue
                if b == a:
                    continue
                row["changed"].add(path)
                diff = abs(b - a)
                row["max_abs"] = max(row["max_abs"], diff)
                if abs(a) < NEAR_ZERO:
                    row["max_abs_near_zero"] = max(row["max_abs_near_zero"], diff)
                if a == 0:
                    row["zero_noise"] = max(row["zero_noise"], abs(b))
                    continue
                rel = diff / abs(a)
                if rel > row["rel"].get(path, (0.0,))[0]:
                    row["rel"][path] = (rel, a, b, seed)
                row["max_rel"] = max(row["max_rel"], rel)
                model = model_of(path, values)
                if model:
                    row["by_model"][model] = max(row["by_model"].get(model, 0.0), rel)
        rows.append(row)
    return rows


def print_table(scenario: Scenario, rows: list[dict[str, Any]], n_seeds: int) -> float:
    """Print the rows; return the fewest stable digits over the files."""
    print(
        f"\n{scenario.label}: results at full precision, {n_seeds} perturbed run(s) against the unperturbed one"
        + (f"\n  ({scenario.note})" if scenario.note else "")
    )
    print(f"  {'file':<56} {'floats':>6} {'moved':>5} {'max rel dev':>11} {'max abs dev':>11} {'stable digits':>13}")
    fewest = math.inf
    for r in rows:
        stable = digits(r["max_rel"])
        fewest = min(fewest, stable)
        shown = "all" if stable == math.inf else str(stable)
        name = r["file"].split("/results/")[-1]
        print(
            f"  {name:<56} {r['floats']:>6} {len(r['changed']):>5} {r['max_rel']:>11.2e} {r['max_abs']:>11.2e} "
            f"{shown:>13}"
        )
        for path, (rel, a, b, seed) in sorted(r["rel"].items(), key=lambda kv: -kv[1][0])[:3]:
            print(f"      {rel:.1e}  {path} = {a!r} (seed {seed}: {b!r})")
        for model, rel in sorted(r["by_model"].items(), key=lambda kv: -kv[1]):
            print(f"      by model: {model:<40} max rel dev {rel:.1e}, stable digits {digits(rel)}")
        if r["max_abs_near_zero"]:
            print(f"      values with |x| < {NEAR_ZERO:g}: max abs dev {r['max_abs_near_zero']:.2e}")
        if r["zero_noise"]:
            print(f"      exact zeros that moved: max |x| {r['zero_noise']:.2e}")
        for change in r["other_changes"][:8]:
            print(f"      NOT A FLOAT DEVIATION: {change[:160]}")
        if len(r["other_changes"]) > 8:
            print(f"      ... {len(r['other_changes']) - 8} more")
    return fewest


def differing_files(base: dict[str, bytes], others: dict[int, dict[str, bytes]]) -> list[str]:
    names = set(base).union(*others.values())
    return sorted(n for n in names if any(files.get(n) != base.get(n) for files in others.values()))


def first_difference(base: dict[str, bytes], others: dict[int, dict[str, bytes]], name: str) -> str:
    """The first differing line of a text file (trimmed), or the sizes of a binary one."""
    for seed, files in others.items():
        a, b = base.get(name), files.get(name)
        if a == b:
            continue
        if a is None or b is None:
            return f"seed {seed}: present in only one run"
        try:
            lines_a, lines_b = a.decode().splitlines(), b.decode().splitlines()
        except UnicodeDecodeError:
            return f"seed {seed}: binary, {len(a)} vs {len(b)} bytes"
        count = sum(x != y for x, y in zip(lines_a, lines_b)) + abs(len(lines_a) - len(lines_b))
        for x, y in zip(lines_a + [""], lines_b + [""]):
            if x != y:
                return f"seed {seed}: {count} line(s) differ, first: {x.strip()[:80]!r} vs {y.strip()[:80]!r}"
    return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[1, 2, 3, 4], help="perturbation seeds (default 1 2 3 4)"
    )
    parser.add_argument(
        "--check", action="store_true", help="keep the rounding; check perturbed outputs are byte-identical"
    )
    parser.add_argument("--no-fitted", action="store_true", help="only the committed pipeline (no fitted series)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    from antt.reporting import results

    print(
        f"python {sys.version.split()[0]}; perturbation: k in [-4, 4] ulps per linear-algebra output; "
        f"seeds {args.seeds}"
    )
    print(
        f"written precision (src/antt/reporting/results.py): SIGNIFICANT_DIGITS = {results.SIGNIFICANT_DIGITS}, "
        f"ZERO_BELOW = {results.ZERO_BELOW:g}" + ("" if args.check else "; measured at full precision")
    )
    scenarios = SCENARIOS[:1] if args.no_fitted else SCENARIOS
    status, fewest = 0, math.inf
    with tempfile.TemporaryDirectory(prefix="antt-precision-") as tmp:
        project = copy_project(Path(tmp) / "project")
        if not args.check:
            write_every_digit(project)
        for index, scenario in enumerate(scenarios):
            run_args = (
                []
                if scenario.counts is None
                else ["--only", "03", "-p", f"series_path={write_series(project, index, scenario.counts)}"]
            )
            base, seconds = run(project, None, run_args)
            print(f"[{scenario.label}] unperturbed: {seconds:.0f} s, {len(base)} files", flush=True)
            others = {}
            for seed in args.seeds:
                others[seed], seconds = run(project, seed, run_args)
                print(f"[{scenario.label}] {SEED_ENV}={seed}: {seconds:.0f} s", flush=True)
            moved = differing_files(base, others)
            if args.check:
                print(
                    f"\n{scenario.label}: rounded as committed, {len(others)} perturbed run(s) "
                    "against the unperturbed one:"
                )
                print("  every output file byte-identical" if not moved else "  DIFFERENT:")
                for name in moved:
                    print(f"    {name}: {first_difference(base, others, name)}")
                status = 1 if moved and scenario.in_verdict else status
                continue
            stable = print_table(scenario, compare(base, others), len(others))
            if scenario.in_verdict:
                fewest = min(fewest, stable)
            other = [m for m in moved if "/results/" not in f"/{m}"]
            print(f"  other output files that differ at full precision: {len(other)}")
            for name in other:
                print(f"    {name}: {first_difference(base, others, name)}")
    if not args.check:
        allowed = fewest - MARGIN
        ok = allowed >= results.SIGNIFICANT_DIGITS
        print(
            f"\nfewest stable significant digits (scenarios in the verdict): {fewest}; with a margin of {MARGIN} "
            f"digits at most {allowed} may be written."
        )
        print(
            f"SIGNIFICANT_DIGITS = {results.SIGNIFICANT_DIGITS}: "
            + (f"ok, margin {fewest - results.SIGNIFICANT_DIGITS} digits" if ok else "TOO MANY for this margin")
        )
        status = 0 if ok else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
