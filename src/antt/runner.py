"""Run the notebooks: parameters from ``params.yaml`` (+ overrides), dependency order, parallel
waves, content-hash caching, atomic outputs, clear failures.

Deciding what to run uses only the standard library, PyYAML and ``antt.notebooks``: the heavy
stack (papermill, nbconvert) is imported in the worker that executes a notebook, so a run where
nothing changed returns in well under a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from antt import paths
from antt.notebooks import NotebookSpec, check_parameters, describe, discover

# Inputs whose content decides whether a notebook must run again (besides the notebook and its parameters).
HASHED_TREES = ("data/raw", "data/codebook", "src/antt", "docs")
HASHED_FILES = ("requirements.lock",)
MANIFEST = "manifest.json"


class RunError(RuntimeError):
    """A notebook failed or its parameters were refused; the message says which and why."""


@dataclass(frozen=True)
class Job:
    spec: NotebookSpec
    params: dict[str, Any]
    name: str  # output name: the notebook's, plus the parameter set when there are several
    label: str = ""  # the parameter set in words, for titles
    key: str = field(default="", compare=False)


def slug(text: str) -> str:
    """ASCII slug: «Công Lý» → 'cong-ly' (đ → d)."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def load_params(path: Path = paths.PARAMS_FILE) -> dict[str, list[dict[str, Any]]]:
    """``params.yaml`` → notebook name → list of parameter sets (NFC strings)."""
    if not path.exists():
        return {}
    text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise RunError(f"{path}: expected a mapping of notebook name → parameters")
    return {name: (sets if isinstance(sets, list) else [sets or {}]) for name, sets in data.items()}


def parse_override(text: str) -> tuple[str, Any]:
    """``name=value`` with a YAML value: ``lang=en``, ``alpha=0.1``, ``commune="Công Lý"``."""
    if "=" not in text:
        raise RunError(f"override {text!r}: expected name=value")
    name, value = text.split("=", 1)
    return name.strip(), yaml.safe_load(unicodedata.normalize("NFC", value))


def plan(specs: list[NotebookSpec], params: dict[str, list[dict]], overrides: dict[str, Any],
         only: list[str] | None = None) -> list[Job]:
    """Jobs in dependency order; refuses unknown notebooks, names and types before anything runs."""
    names = {s.name for s in specs}
    for name in params:
        if name not in names:
            raise RunError(f"params.yaml names unknown notebook {name!r}; notebooks: {', '.join(sorted(names))}")
    unknown = [k for k in overrides if not any(k in s.parameters for s in specs)]
    if unknown:
        raise RunError(f"unknown parameter(s) {', '.join(unknown)}; the notebooks take:\n" + "\n".join(describe(s) for s in specs))
    jobs = []
    for spec in order(specs):
        if only and not any(spec.name.startswith(o) for o in only):
            continue
        sets = [{**values, **{k: v for k, v in overrides.items() if k in spec.parameters}} for values in params.get(spec.name, [{}])]
        for values in sets:
            try:
                check_parameters(spec, values)
            except ValueError as exc:
                raise RunError(str(exc)) from None
        for values, (suffix, label) in zip(sets, _set_names(spec, sets)):
            full = {name: p.default for name, p in spec.parameters.items()} | values
            jobs.append(Job(spec, full, f"{spec.name}__{suffix}" if suffix else spec.name, label))
    return jobs


def _set_names(spec: NotebookSpec, sets: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Short names for several parameter sets of one notebook: the values of the fewest differing
    scalar parameters (in the notebook's order) that tell the sets apart, and a non-default
    language; e.g. ``ngoc-lu`` and ``cong-ly`` for two communes."""
    def scalar(v: Any) -> bool:
        return isinstance(v, str | int | float | bool) or v is None

    differing = [k for k in spec.parameters if len(sets) > 1 and k != "lang"
                 and all(scalar(s.get(k)) for s in sets) and len({repr(s.get(k)) for s in sets}) > 1]
    chosen: list[str] = []
    for k in differing:
        if len({tuple(repr(s.get(c)) for c in chosen) for s in sets}) == len(sets):
            break
        chosen.append(k)
    names = []
    for s in sets:
        keys = chosen + (["lang"] if s.get("lang", "vi") != "vi" else [])
        names.append(("__".join(slug(s.get(k, spec.parameters[k].default)) for k in keys),
                      ", ".join(f"{k} = {s.get(k, spec.parameters[k].default)}" for k in keys)))
    if len({n for n, _ in names}) != len(names):
        raise RunError(f"{spec.name}: parameter sets in params.yaml must differ in a text or number parameter")
    return names


def order(specs: list[NotebookSpec]) -> list[NotebookSpec]:
    """Topological order by ``depends_on`` (ties by name)."""
    by_name = {s.name: s for s in specs}
    done: list[NotebookSpec] = []
    seen: set[str] = set()

    def visit(spec: NotebookSpec, stack: tuple[str, ...] = ()) -> None:
        if spec.name in seen:
            return
        if spec.name in stack:
            raise RunError(f"dependency cycle: {' → '.join(stack + (spec.name,))}")
        for dep in spec.depends_on:
            if dep not in by_name:
                raise RunError(f"{spec.name} depends on unknown notebook {dep!r}")
            visit(by_name[dep], stack + (spec.name,))
        seen.add(spec.name)
        done.append(spec)

    for spec in specs:
        visit(spec)
    return done


def input_key(job: Job) -> str:
    """SHA-256 over the notebook, its parameters, the data it reads and the project's code."""
    digest = hashlib.sha256()
    digest.update(job.spec.path.read_bytes())
    digest.update(json.dumps(job.params, sort_keys=True, ensure_ascii=False, default=str).encode())
    paths.digest_trees(digest, *(paths.ROOT / tree for tree in HASHED_TREES))
    for name in HASHED_FILES:
        if (paths.ROOT / name).exists():
            digest.update((paths.ROOT / name).read_bytes())
    for name, value in sorted(job.params.items()):
        if name.endswith("_path") and value and (paths.ROOT / str(value)).is_file():
            digest.update((paths.ROOT / str(value)).read_bytes())
    return digest.hexdigest()


def outputs(job: Job) -> list[Path]:
    return [paths.REPORTS / "notebooks" / f"{job.name}.ipynb", paths.REPORTS / "html" / f"{job.name}.html"]


def _manifest_path() -> Path:
    return paths.REPORTS / MANIFEST


def load_manifest() -> dict[str, Any]:
    try:
        return json.loads(_manifest_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


class Progress:
    """One line per notebook; on a terminal also the 'running' lines."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.tty = stream.isatty() and not os.environ.get("CI")

    def __call__(self, status: str, name: str, seconds: float | None = None) -> None:
        if status == "running" and not self.tty:
            return
        took = f" ({seconds:.1f} s)" if seconds is not None else ""
        print(f"[{status:>7}] {name}{took}", file=self.stream, flush=True)


def run(overrides: dict[str, Any] | None = None, force: bool = False, only: list[str] | None = None,
        jobs_limit: int | None = None, progress: Progress | None = None) -> list[str]:
    """Run what changed. Returns the names of the jobs that ran. Raises RunError on the first failure."""
    progress = progress or Progress()
    specs = discover(paths.NOTEBOOKS)
    jobs = plan(specs, load_params(), overrides or {}, only)
    manifest = load_manifest()
    keyed = [Job(j.spec, j.params, j.name, j.label, input_key(j)) for j in jobs]
    pending = []
    for job in keyed:
        entry = manifest.get(job.name, {})
        if not force and entry.get("key") == job.key and all(p.exists() for p in outputs(job)):
            progress("cached", job.name)
        else:
            pending.append(job)
    ran: list[str] = []
    if pending:
        ran = _run_pending(pending, manifest, progress, max(1, min(jobs_limit or os.cpu_count() or 1, len(pending))))
        from antt.report import write_index

        write_index()
    return ran


def _run_pending(pending: list[Job], manifest: dict[str, Any], progress: Progress, workers: int) -> list[str]:
    """Run each job as soon as its dependencies have finished, ``workers`` at a time, each on a fresh warm kernel.

    Threads drive the kernels (separate processes), so notebooks run in parallel; every kernel is
    shut down when the run ends, fails or is interrupted.
    """
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    from antt.kernels import KernelPool

    kernel = pending[0].spec.kernel_name
    planned = {j.spec.name for j in pending}
    first_wave = _next_wave(pending, set(), planned)
    pool = KernelPool(kernel, paths.NOTEBOOKS, size=min(workers, len(first_wave)), needed=len(pending))
    try:  # the heavy imports overlap with the kernels' warm-up
        from antt.execute import execute_job
        from antt.report import render_report  # noqa: F401
    except BaseException:
        pool.close()
        raise
    ran: list[str] = []
    waiting = list(pending)
    done_names: set[str] = set()

    def one(job: Job) -> tuple[Job, float, dict[str, Any]]:
        km = pool.acquire()
        started = time.monotonic()
        progress("running", job.name)
        try:
            info = execute_job(job, km)
            return job, time.monotonic() - started, info
        except BaseException as exc:
            exc.add_note(f"{time.monotonic() - started:.1f}")
            raise
        finally:
            pool.release(km)

    failure: BaseException | None = None
    with ThreadPoolExecutor(max_workers=workers) as threads:
        running: dict = {}
        try:
            while waiting or running:
                # Start every job whose dependencies are done, unless something failed.
                ready = [] if failure else _next_wave(waiting, done_names, planned)
                for job in ready:
                    waiting.remove(job)
                    running[threads.submit(one, job)] = job
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    job = running.pop(future)
                    try:
                        _, seconds, info = future.result()
                    except Exception as exc:
                        notes = getattr(exc, "__notes__", ["0"])
                        progress("failed", job.name, float(notes[-1]))
                        failure = failure or exc
                        continue
                    progress("done", job.name, seconds)
                    manifest[job.name] = {"key": job.key, "label": job.label, **info}
                    ran.append(job.name)
                    unfinished = {j.spec.name for j in waiting} | {j.spec.name for j in running.values()}
                    if job.spec.name not in unfinished:
                        done_names.add(job.spec.name)
                _write_manifest(manifest)
        finally:
            # Before the executor waits for its threads: shutting the kernels down ends any notebook
            # still running (Ctrl-C, failure), and its outputs are never published.
            pool.close()
    if failure:
        raise RunError(str(failure)) from None
    return ran


def _next_wave(waiting: list[Job], done_names: set[str], planned: set[str]) -> list[Job]:
    """The jobs whose dependencies have all finished (dependencies not in this run count as done)."""
    return [j for j in waiting if all(d in done_names or d not in planned for d in j.spec.depends_on)]


def _write_manifest(manifest: dict[str, Any]) -> None:
    from antt.io import write_json_atomic

    write_json_atomic(manifest, _manifest_path())


def list_notebooks() -> str:
    specs = discover(paths.NOTEBOOKS)
    params = load_params()
    blocks = []
    for spec in order(specs):
        sets = params.get(spec.name, [{}])
        extra = f"\n  runs: {len(sets)} parameter set(s) from params.yaml" if len(sets) > 1 else ""
        blocks.append(describe(spec) + extra)
    return "\n\n".join(blocks)
