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
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from antt import paths
from antt.pipeline import inputs, parameters, printing, publish
from antt.pipeline.console import Progress
from antt.pipeline.notebooks import NotebookSpec, describe, discover
from antt.pipeline.paramsfile import ParamsError, ParamSet, describe_override
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
            if isinstance(values, ParamSet) and values.file is not None:  # a row of a table: name row and column
                for name, value in values.items():
                    _check(spec, {name: value}, values.where(name))
                continue
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


#: While jobs still run, finished jobs are published at most this often (seconds), and at most once per
#: ``PUBLISH_FACTOR`` times the duration of the last publication (``_Run._publish_ready``).
PUBLISH_EVERY = 1.0
PUBLISH_FACTOR = 4

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
    scheduler: str | None = None,
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
    with printing.printer() as printer:  # the one-page summaries; the jobs print on their workers
        try:
            with publish.run_folder(outputs) as folder:
                ran = _Run(jobs, outputs, folder, force, progress, workers, scheduler).execute()
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
        scheduler: str | None = None,
    ):
        self.jobs, self.outputs, self.folder, self.force = jobs, outputs, folder, force
        self.progress, self.workers = progress, workers
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
        self.scheduler = scheduler  # --scheduler; else DASK_SCHEDULER_ADDRESS; else a local cluster
        self.run_id = uuid.uuid4().hex  # task keys unique on a cluster shared by several runs and users
        self.futures: dict[str, Any] = {}  # job name → its task (kept: later jobs may depend on it)
        self.scattered: dict[Path, Any] = {}  # processed folder → its files, sent to the cluster
        self.next_publish = 0.0  # time.monotonic() before which finished jobs wait while others run

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
        if not candidates:
            for job in self.jobs:
                self.state[job.name] = "cached"
                self.progress.finish("cached", job.name)
            return []
        from distributed import wait as wait_for

        from antt.pipeline import cluster

        running: dict[Any, Job] = {}
        try:
            address = cluster.scheduler_address(self.scheduler)
            with cluster.connect(address, min(self.workers, len(candidates))) as client:
                try:
                    while True:
                        self._start_ready(client, running)
                        self._publish_ready(final=not running)
                        if not running:
                            break
                        try:
                            finished = wait_for(list(running), self._until_publish(), "FIRST_COMPLETED").done
                        except TimeoutError:  # finished jobs are due to be published
                            finished = set()
                        _check_interrupted()
                        for future in sorted(finished, key=lambda f: running[f].name):
                            self._finished(running.pop(future), future)
                finally:
                    for future in running:  # Ctrl-C or a failure: what still runs is never published
                        future.cancel()
        except cluster.ClusterError as exc:
            raise RunError(str(exc)) from None
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

    def _start_ready(self, client, running: dict) -> None:
        """Mark ready jobs cached, or submit them as tasks; repeat while cached jobs make others ready. A job
        that reads processed data written in this run depends on that job's task; any other gets the files
        of the folder it reads (sent to the cluster once)."""
        from antt.pipeline.worker import JobRequest, digest, run_job

        progressed = True
        while progressed and not self.failure:
            progressed = False
            for job in self._ready():
                if self._is_cached(job):
                    self.state[job.name] = "cached"
                    self.progress.finish("cached", job.name)
                    progressed = True
                    continue
                self.state[job.name] = "running"
                request = JobRequest(job, digest(job.spec.path.read_bytes()))
                future = client.submit(
                    run_job,
                    request,
                    self._processed_input(client, job),
                    key=f"antt-{job.name}-{self.run_id}",
                    pure=False,
                )
                self.futures[job.name] = future
                running[future] = job
                self.progress.start(job.name)

    def _processed_input(self, client, job: Job):
        if job.spec.writes_processed:
            return {}
        for name in self._ancestors(job.name):
            if self.by_name[name].spec.writes_processed and self.state[name] == "done":
                return self.futures[name]
        folder = self._read_dir(job)
        if folder not in self.scattered:
            files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
            self.scattered[folder] = client.scatter(files, hash=False)
        return self.scattered[folder]

    def _finished(self, job: Job, future) -> None:
        try:
            result = future.result()
            if result.error:
                failed = self.outputs.root / "failed" / f"{job.name}.ipynb"
                if result.failed_notebook:
                    failed.parent.mkdir(parents=True, exist_ok=True)
                    failed.write_bytes(result.failed_notebook)
                raise RuntimeError(result.error)
            self.entries[job.name] = self._stage(job, result)
        except BaseException as exc:
            self.state[job.name] = "failed"
            message = " ".join(str(exc).split()) or type(exc).__name__
            if type(exc).__name__ == "KilledWorker":
                message = f"notebook {job.name}: the workers running it died ({message})"
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

    def _stage(self, job: Job, result) -> dict[str, Any]:
        """Write a job's returned files into its staging folder; its manifest entry, with the cache key of this
        checkout. Refuses a result whose worker read other files than this checkout has."""
        stage = self.stages[job.name]
        for relative, content in result.files.items():
            target = stage.folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        read_dir = self._read_dir(job)
        entry = dict(result.entry)
        mine = inputs.digests(entry["reads"], read_dir)
        differ = sorted(n for n, d in result.digests.items() if mine.get(n) != d)
        if differ:
            raise RuntimeError(
                f"notebook {job.name}: the worker {result.worker} read another {differ[0]} than this checkout has; "
                f"the workers need the same project checkout and environment (docs/cluster.md)"
            )
        entry["key"] = inputs.key(job.spec.path, job.params, entry["reads"], read_dir)
        (self.outputs.root / "failed" / f"{job.name}.ipynb").unlink(missing_ok=True)
        return entry

    def _publishable(self) -> list[Job]:
        """The jobs that succeeded whose dependents all succeeded too, and whose dependencies are published (or
        cached, or in this list), in dependency order."""
        chosen: dict[str, Job] = {}
        changed = True
        while changed:
            changed = False
            for job in self.jobs:
                if self.state[job.name] != "done" or job.name in chosen:
                    continue
                downstream_ok = all(
                    self.state[d] in ("done", "cached", "published") for d in self._descendants(job.name)
                )
                upstream_ok = all(self.state[d] in ("cached", "published") or d in chosen for d in self.deps[job.name])
                if downstream_ok and upstream_ok:
                    chosen[job.name] = job
                    changed = True
        return list(chosen.values())

    def _until_publish(self) -> float | None:
        """Seconds until the finished jobs are due to be published (None: none is waiting)."""
        if not self._publishable():
            return None
        return max(0.05, self.next_publish - time.monotonic())

    def _publish_ready(self, final: bool = True) -> None:
        """Publish every job that ``_publishable`` gives, together. While other jobs still run (``final`` False),
        publishing waits ``PUBLISH_EVERY`` seconds after the last one, or ``PUBLISH_FACTOR`` times as long as it
        took: the index and summary it rebuilds grow with the number of reports, so a sweep publishes in
        batches instead of once per report. A Ctrl-C publishes nothing more (``INTERRUPTED``): the jobs finished
        since the last publication, at most one such interval's work, run again next time."""
        batch = self._publishable()
        if not batch or (not final and time.monotonic() < self.next_publish):
            return
        _check_interrupted()
        started = time.monotonic()
        publish.publish_together(self.outputs, [(self.stages[j.name], j.name, self.entries[j.name]) for j in batch])
        for job in batch:
            self.state[job.name] = "published"
        finished = time.monotonic()
        self.next_publish = finished + max(PUBLISH_EVERY, PUBLISH_FACTOR * (finished - started))


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
