"""Run the notebooks: parameters from ``params.yaml`` (+ overrides), dependency order, parallel
jobs on warm kernels, a cache that reruns exactly what changed, and all-or-nothing publishing.

- *Where*: ``params.yaml`` alone is the canonical build (``reports/``, ``data/processed/``); any
  override goes to ``reports/explore/<name>/`` (``antt.pipeline.publish``).
- *What reruns*: a job whose notebook, parameters, recorded inputs or renderer changed
  (``antt.pipeline.inputs``); a job whose inputs are produced in this run is decided when they are.
- *When it is published*: a job's staged outputs are published once it and every job in this run
  that depends on it (and so validates its outputs) succeeded, after its own dependencies were
  published; a failure leaves the last good outputs in place.

Deciding what to run uses only the standard library, PyYAML and small ``antt`` modules: the heavy
stack (papermill, nbconvert) is imported only when a notebook must run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from antt import paths
from antt.pipeline import inputs, parameters, printing, publish
from antt.pipeline.console import Progress
from antt.pipeline.notebooks import NotebookSpec, describe, discover
from antt.pipeline.paramsfile import ParamsError, describe_override
from antt.pipeline.paramsfile import load as _load_params
from antt.pipeline.paramsfile import parse_override as _parse_override
from antt.pipeline.publish import Outputs, Stage
from antt.text import LANGUAGES


class RunError(RuntimeError):
    """A notebook failed or its parameters were refused; the message says which and why, in one line."""


@dataclass(frozen=True)
class Job:
    spec: NotebookSpec
    params: dict[str, Any]
    name: str  # output name: the notebook's, plus the parameter set when there are several
    label: str = ""  # the parameter set in words, for titles
    overrides: tuple[str, ...] = ()  # the overrides that apply to this job, as typed (for messages)


slug = publish._readable


def load_params(path: Path = paths.PARAMS_FILE) -> dict[str, list[dict[str, Any]]]:
    try:
        return _load_params(path)
    except ParamsError as exc:
        raise RunError(str(exc)) from None


def parse_override(text: str) -> tuple[str, Any]:
    try:
        return _parse_override(text)
    except ParamsError as exc:
        raise RunError(str(exc)) from None


def plan(
    specs: list[NotebookSpec], params: dict[str, list[dict]], overrides: dict[str, Any], only: list[str] | None = None
) -> list[Job]:
    """Jobs in dependency order; refuses unknown notebooks, names and types before anything runs,
    saying whether the culprit is ``params.yaml`` or an override."""
    names = {s.name for s in specs}
    for name in params:
        if name not in names:
            raise RunError(
                f"{paths.PARAMS_FILE.name}: unknown notebook {name!r}; notebooks: {', '.join(sorted(names))}"
            )
    for name, value in overrides.items():
        if not any(name in s.parameters for s in specs):
            raise RunError(
                f"override {describe_override(name, value)}: no notebook takes a parameter {name!r}; "
                f"see `antt run --list`"
            )
    jobs = []
    for spec in order(specs):
        if only and not any(spec.name.startswith(o) for o in only):
            continue
        if not spec.kernel_name:
            raise RunError(
                f"{spec.path}: the notebook has no kernelspec in its metadata; open it with the "
                f"'antt (project)' kernel and save it (the runner does not guess a kernel)"
            )
        applied = {k: v for k, v in overrides.items() if k in spec.parameters}
        given = params.get(spec.name, [{}])
        for position, values in enumerate(given, start=1):
            _check(
                spec,
                values,
                f"{paths.PARAMS_FILE.name}: {spec.name}" + (f", parameter set {position}" if len(given) > 1 else ""),
            )
        for name, value in applied.items():
            _check(spec, {name: value}, f"override {describe_override(name, value)}")
        sets = [{**values, **applied} for values in given]
        typed = tuple(describe_override(k, v) for k, v in applied.items())
        for values, (suffix, label) in zip(sets, _set_names(spec, sets, typed, given)):
            full = {name: p.default for name, p in spec.parameters.items()} | values
            jobs.append(Job(spec, full, f"{spec.name}__{suffix}" if suffix else spec.name, label, typed))
    if only and not jobs:
        raise RunError(
            f"--only {' '.join(only)}: no notebook name starts with that; notebooks: {', '.join(sorted(names))}"
        )
    return jobs


def _check(spec: NotebookSpec, values: dict[str, Any], where: str) -> None:
    found = parameters.problems(spec, values)
    if found:
        raise RunError(f"{where}: {found[0]}"[:400])


def _set_names(
    spec: NotebookSpec, sets: list[dict[str, Any]], overrides: tuple[str, ...], given: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    """Short names for several parameter sets of one notebook: the values of the fewest differing
    scalar parameters (in the notebook's order) that tell the sets apart, and a non-default
    language; e.g. ``ngoc-lu`` and ``cong-ly`` for two communes."""

    def scalar(v: Any) -> bool:
        return isinstance(v, str | int | float | bool) or v is None

    differing = [
        k
        for k in spec.parameters
        if len(sets) > 1
        and k != "lang"
        and all(scalar(s.get(k)) for s in sets)
        and len({repr(s.get(k)) for s in sets}) > 1
    ]
    chosen: list[str] = []
    for k in differing:
        if len({tuple(repr(s.get(c)) for c in chosen) for s in sets}) == len(sets):
            break
        chosen.append(k)
    names = []
    default_lang = spec.parameters["lang"].default if "lang" in spec.parameters else None
    for s in sets:
        keys = chosen + (["lang"] if s.get("lang", default_lang) != default_lang else [])
        names.append(
            (
                "__".join(slug(s.get(k, spec.parameters[k].default)) for k in keys),
                ", ".join(f"{k} = {s.get(k, spec.parameters[k].default)}" for k in keys),
            )
        )
    if len({n for n, _ in names}) != len(names):
        if overrides and len({repr(sorted(g.items())) for g in given}) == len(given):
            raise RunError(
                f"override {' '.join(overrides)} gives the {len(sets)} parameter sets of {spec.name} in "
                f"{paths.PARAMS_FILE.name} the same values; choose one set with params.yaml, or override a "
                f"parameter the sets do not set"
            )
        raise RunError(
            f"{paths.PARAMS_FILE.name}: the parameter sets of {spec.name} must differ in a text or number parameter"
        )
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
                raise RunError(f"{spec.path}: depends on unknown notebook {dep!r}")
            visit(by_name[dep], stack + (spec.name,))
        seen.add(spec.name)
        done.append(spec)

    for spec in specs:
        visit(spec)
    return done


def _discover() -> list[NotebookSpec]:
    try:
        return discover(paths.NOTEBOOKS)
    except (ValueError, OSError) as exc:
        raise RunError(" ".join(str(exc).split())) from None


#: Set by the SIGINT handler of ``interrupt_guard``: a Ctrl-C is remembered even if a library that was
#: running in the main thread when it landed caught the KeyboardInterrupt, so nothing is published after it.
INTERRUPTED = threading.Event()


@contextlib.contextmanager
def interrupt_guard() -> Iterator[None]:
    """Within: Ctrl-C (SIGINT) sets ``INTERRUPTED`` and raises KeyboardInterrupt; on leaving, a remembered
    interrupt is raised again if it was swallowed (the run then ends as interrupted, exit 130)."""

    def handler(signum, frame):
        INTERRUPTED.set()
        raise KeyboardInterrupt

    INTERRUPTED.clear()
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
        if INTERRUPTED.is_set():
            raise KeyboardInterrupt
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_interrupted() -> None:
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt


def run(
    overrides: dict[str, Any] | None = None,
    force: bool = False,
    only: list[str] | None = None,
    jobs_limit: int | None = None,
    progress: Progress | None = None,
) -> list[str]:
    """Run what changed; publish what succeeded. Returns the names of the jobs that ran.
    Raises RunError (one line) on the first failure, after publishing what it did not affect."""
    progress = progress or Progress()
    overrides = overrides or {}
    specs = _discover()
    params = load_params()
    everything = plan(specs, params, overrides)
    jobs = plan(specs, params, overrides, only) if only else everything
    outputs = publish.for_overrides(overrides)
    shown = _shown(outputs.root)
    progress.plan(
        len(jobs), shown + ("" if outputs.canonical else " (exploratory: the canonical reports are not touched)")
    )
    workers = max(1, jobs_limit or os.cpu_count() or 1)
    if not printing.available() and not printing.switched_off():
        print("warning: no browser (make browser, or set ANTT_BROWSER): no PDFs are printed", file=sys.stderr)
    with printing.printer() as printer:  # one browser for the run's PDFs, started when the first is printed
        try:
            with publish.run_folder(outputs) as folder:
                ran = _Run(jobs, outputs, folder, force, progress, workers, printer).execute()
        finally:
            if outputs.canonical:
                publish.prune(outputs, {j.name for j in everything})
            progress.summary(_shown(publish.index_page(outputs.root, LANGUAGES[0])))
        try:
            publish.print_summaries(outputs, printer)
        except RuntimeError as exc:
            raise RunError(f"the one-page summary: {exc}") from None
    return ran


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


class _Run:
    """One run's jobs, their states and the order in which they execute and publish.

    States: waiting → (cached | running → done → published | failed) ; waiting → skipped when a
    dependency failed or the run stopped.
    """

    def __init__(
        self,
        jobs: list[Job],
        outputs: Outputs,
        folder: Path,
        force: bool,
        progress: Progress,
        workers: int,
        printer: printing.Printer | None = None,
    ):
        self.jobs, self.outputs, self.folder, self.force = jobs, outputs, folder, force
        self.progress, self.workers, self.printer = progress, workers, printer
        with publish.locked(outputs):
            self.manifest = publish.load_manifest(outputs)
        self.state = {j.name: "waiting" for j in jobs}
        self.keys: dict[str, str] = {}
        self.entries: dict[str, dict[str, Any]] = {}
        self.stages = {j.name: Stage(folder / j.name) for j in jobs}
        by_spec: dict[str, list[Job]] = {}
        for j in jobs:
            by_spec.setdefault(j.spec.name, []).append(j)
        self.deps = {j.name: [d.name for dep in j.spec.depends_on for d in by_spec.get(dep, [])] for j in jobs}
        self.dependents = {j.name: [k.name for k in jobs if j.name in self.deps[k.name]] for j in jobs}
        self.by_name = {j.name: j for j in jobs}
        self.failure: str | None = None
        self.ran: list[str] = []
        self.candidates: set[str] = set()

    # -- decisions ------------------------------------------------------------------------------
    def _read_dir(self, job: Job) -> Path:
        """Where ``job`` reads the processed data: its own staging folder if it writes them, the
        staged output of a writer that ran in this run, the exploration's copy, or the canonical data."""
        if job.spec.writes_processed:
            return self.stages[job.name].processed
        for name in self._ancestors(job.name):
            if self.by_name[name].spec.writes_processed and self.state[name] == "done":
                return self.stages[name].processed
        if self.outputs.processed.is_dir() and any(self.outputs.processed.iterdir()):
            return self.outputs.processed
        return paths.PROCESSED

    def _ancestors(self, name: str) -> list[str]:
        out: list[str] = []
        for dep in self.deps[name]:
            out += [dep] + self._ancestors(dep)
        return out

    def _descendants(self, name: str) -> list[str]:
        out: list[str] = []
        for dep in self.dependents[name]:
            out += [dep] + self._descendants(dep)
        return out

    def _is_cached(self, job: Job) -> bool:
        entry = self.manifest.get(job.name)
        if self.force or not entry:
            return False
        read_dir = self.outputs.processed if job.spec.writes_processed else self._read_dir(job)
        key = inputs.key(job.spec.path, job.params, entry.get("reads", []), read_dir)
        return entry.get("key") == key and all(p.exists() for p in publish.entry_files(self.outputs, entry))

    def _ready(self) -> list[Job]:
        ready = []
        for job in self.jobs:
            if self.state[job.name] != "waiting":
                continue
            states = [self.state[d] for d in self.deps[job.name]]
            if any(s in ("failed", "skipped") for s in states):
                self.state[job.name] = "skipped"
                self.progress.finish("skipped", job.name, "a notebook it depends on failed")
            elif all(s in ("cached", "done", "published") for s in states):
                ready.append(job)
        return ready

    def _will_run(self) -> list[Job]:
        """Jobs that may need a kernel: not cached now, or depending on one that may run."""
        maybe: set[str] = set()
        for job in self.jobs:
            if any(d in maybe for d in self.deps[job.name]) or not self._is_cached(job):
                maybe.add(job.name)
        return [j for j in self.jobs if j.name in maybe]

    # -- execution ------------------------------------------------------------------------------
    def execute(self) -> list[str]:
        candidates = self._will_run()
        self.candidates = {j.name for j in candidates}
        if not candidates:
            for job in self.jobs:
                self.state[job.name] = "cached"
                self.progress.finish("cached", job.name)
            return []
        from antt.pipeline.kernels import KernelPool

        pool = KernelPool(
            [j.spec.kernel_name for j in candidates],
            paths.NOTEBOOKS,
            ahead=min(self.workers, len(candidates)),
            preload=inputs.preload_modules(sorted({j.spec.path for j in candidates})),
        )
        running: dict[Future, Job] = {}
        try:
            from antt.pipeline.execute import execute_job  # the heavy imports overlap with the kernels' warm-up

            with ThreadPoolExecutor(max_workers=self.workers) as threads:
                try:
                    while True:
                        self._start_ready(threads, running, pool, execute_job)
                        self._publish_ready()
                        if not running:
                            break
                        finished, _ = wait(running, return_when=FIRST_COMPLETED)
                        _check_interrupted()
                        for future in finished:
                            self._finished(running.pop(future), future)
                finally:
                    # Inside the ``with``, so before the executor waits for its threads: shutting the kernels
                    # down ends any notebook still running (Ctrl-C, failure), and its outputs are never published.
                    pool.close()
        finally:
            pool.close()  # also when the import or the executor failed (closing twice is harmless)
        for job in self.jobs:
            if self.state[job.name] == "waiting":
                upstream_failed = any(self.state[d] in ("failed", "skipped") for d in self._ancestors(job.name))
                self.state[job.name] = "skipped"
                self.progress.finish(
                    "skipped",
                    job.name,
                    "a notebook it depends on failed" if upstream_failed else "not started after a failure",
                )
        self._publish_ready()
        if self.failure:
            withheld = [j.name for j in self.jobs if self.state[j.name] == "done"]
            note = (
                f" (not published, as they depend on or feed a failed notebook: {', '.join(withheld)})"
                if withheld
                else ""
            )
            raise RunError(self.failure + note)
        return self.ran

    def _start_ready(self, threads: ThreadPoolExecutor, running: dict, pool, execute_job) -> None:
        """Mark ready jobs cached, or submit them; repeat while cached jobs make others ready."""
        progressed = True
        while progressed and not self.failure:
            progressed = False
            for job in self._ready():
                if self._is_cached(job):
                    self.state[job.name] = "cached"
                    self.progress.finish("cached", job.name)
                    if job.name in self.candidates:  # a kernel was planned for it
                        pool.cancel(job.spec.kernel_name)
                    progressed = True
                else:
                    self.state[job.name] = "running"
                    running[threads.submit(self._one, execute_job, pool, job, self._read_dir(job))] = job

    def _one(self, execute_job, pool, job: Job, read_dir: Path) -> dict[str, Any]:
        from antt.pipeline.kernels import KernelStartError

        try:
            km = pool.acquire(job.spec.kernel_name)
        except KernelStartError as exc:
            raise RuntimeError(f"notebook {job.name}: {exc}") from None
        self.progress.start(job.name)
        try:
            entry = execute_job(job, km, self.stages[job.name], read_dir, self.outputs.root / "failed", self.printer)
        finally:
            pool.release(km)
        entry["key"] = inputs.key(job.spec.path, job.params, entry["reads"], read_dir)
        return entry

    def _finished(self, job: Job, future: Future) -> None:
        try:
            self.entries[job.name] = future.result()
        except BaseException as exc:
            self.state[job.name] = "failed"
            message = " ".join(str(exc).split()) or type(exc).__name__
            if job.overrides:
                message += f" [with override {' '.join(job.overrides)}]"
            self.progress.finish("failed", job.name, message if not self.failure else "")
            self.failure = self.failure or message
            if isinstance(exc, KeyboardInterrupt):
                raise
            return
        self.state[job.name] = "done"
        self.ran.append(job.name)
        self.progress.finish("done", job.name)

    def _publish_ready(self) -> None:
        """Publish, in dependency order, every job that succeeded along with all that depends on it."""
        changed = True
        while changed:
            changed = False
            for job in self.jobs:
                if self.state[job.name] != "done":
                    continue
                downstream_ok = all(
                    self.state[d] in ("done", "cached", "published") for d in self._descendants(job.name)
                )
                upstream_ok = all(self.state[d] in ("cached", "published") for d in self.deps[job.name])
                if downstream_ok and upstream_ok:
                    _check_interrupted()
                    publish.publish(self.outputs, self.stages[job.name], job.name, self.entries[job.name])
                    self.state[job.name] = "published"
                    changed = True


def list_notebooks() -> str:
    """Every notebook with its parameters (``antt run --list``)."""
    specs = _discover()
    params = load_params()
    blocks = []
    for spec in order(specs):
        sets = params.get(spec.name, [{}])
        extra = f"\n  runs: {len(sets)} parameter set(s) from params.yaml" if len(sets) > 1 else ""
        blocks.append(describe(spec) + extra)
    return "\n\n".join(blocks)
