"""What a Dask worker does with one notebook job: the task ``run_job`` and the worker's warm state.

A job travels as a ``JobRequest`` (the job, the digest of its notebook) and comes back as a ``JobResult``:
every file it wrote, as bytes, keyed by its path in the staging folder (``reports/…``, ``processed/…``), with
the manifest entry and the digests of what it read. Nothing is written outside the worker's temporary
folder, so a worker that dies mid-job leaves nothing behind; the client stages the returned bytes and
publishes them (all or nothing, as before). The processed data a job reads arrive as a task argument: the
result of the job that wrote them in this run (a task dependency), or the files of the folder it reads.

A notebook that fails is a result (``error``, and the executed notebook as far as it ran), not an
exception: running it again would fail again. A worker that dies is the scheduler's business: it gives the
job to another worker (``distributed.scheduler.allowed-failures`` times at most).

Warm state, one per worker process (``WorkerState``): the kernel zygote (``antt.pipeline.forking``), one
spare kernel forked ahead of the next job, and the browser that prints the PDFs. The ``Warm`` worker plugin
starts it when the worker joins (while the client is still planning) and ends it when the worker closes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from antt import paths
from antt.pipeline import forking, inputs, kernels, printing, publish
from antt.pipeline.notebooks import discover


@dataclass(frozen=True)
class JobRequest:
    job: Any  # antt.pipeline.runner.Job
    notebook_digest: str  # SHA-256 of the client's notebook: the worker's copy must be the same


@dataclass
class JobResult:
    name: str
    files: dict[str, bytes] = field(default_factory=dict)  # "reports/…" or "processed/…" → content
    entry: dict[str, Any] = field(default_factory=dict)  # manifest entry: label, reads
    digests: dict[str, str] = field(default_factory=dict)  # logical name read → SHA-256 as the worker saw it
    error: str = ""  # one line when the notebook failed
    failed_notebook: bytes = b""  # the executed notebook as far as it ran, when it failed
    worker: str = ""

    def processed(self) -> dict[str, bytes]:
        """The processed data this job wrote (relative to the processed folder)."""
        return {k.removeprefix("processed/"): v for k, v in self.files.items() if k.startswith("processed/")}


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class WorkerState:
    """The zygote, a spare kernel and the printer of one worker process."""

    def __init__(self):
        threading.excepthook = _one_line_warning
        self.lock = threading.Lock()
        self.spare: dict[str, Any] = {}  # kernel name → started kernel (or the exception its start raised)
        self.spare_threads: list[threading.Thread] = []
        self.printer: printing.Printer | None = None
        self.warm()

    def warm(self) -> None:
        specs = discover(paths.NOTEBOOKS)
        preload = inputs.preload_modules(sorted(s.path for s in specs))
        self.preload = preload
        forking.start(preload + kernels.FORK_PRELOAD, kernels.THREAD_SETTINGS)
        for name in sorted({s.kernel_name for s in specs if s.kernel_name}):
            self._start_spare(name)
        executable = printing.browser()
        self.printer = printing.Printer(executable) if executable else None

    def _start_spare(self, name: str) -> None:
        def start():
            try:
                km = kernels.start_kernel(name, paths.NOTEBOOKS, preload=self.preload)
            except BaseException as exc:
                km = exc
            with self.lock:
                self.spare[name] = km

        thread = threading.Thread(target=start, daemon=True)
        thread.start()
        self.spare_threads.append(thread)

    def kernel(self, name: str):
        """A fresh kernel for one job (the spare, if it is ready), and the next spare set going."""
        for thread in self.spare_threads:
            thread.join()
        self.spare_threads = []
        with self.lock:
            km = self.spare.pop(name, None)
        if km is None:
            km = kernels.start_kernel(name, paths.NOTEBOOKS, preload=self.preload)
        self._start_spare(name)
        if isinstance(km, BaseException):
            raise km
        return km

    def close(self) -> None:
        for thread in self.spare_threads:
            thread.join()
        with self.lock:
            spares, self.spare = list(self.spare.values()), {}
        for km in spares:
            if not isinstance(km, BaseException):
                kernels.shutdown(km)
        if self.printer is not None:
            self.printer.close()
            self.printer = None
        forking.stop()


def _one_line_warning(args: threading.ExceptHookArgs) -> None:
    """An exception that ends a helper thread of the worker (e.g. a kernel client's heartbeat thread that
    could not make its socket while its kernel was being stopped; seen once under load) is one warning line
    on the run's console, not a traceback: the job's result does not depend on it."""
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "a thread"
    print(f"warning: worker {name}: {args.exc_type.__name__}: {args.exc_value}", file=sys.stderr)


_state: WorkerState | None = None
_state_lock = threading.Lock()


def state() -> WorkerState:
    global _state
    with _state_lock:
        if _state is None:
            _state = WorkerState()
        return _state


def close_state() -> None:
    global _state
    with _state_lock:
        if _state is not None:
            _state.close()
            _state = None


def _collect(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_job(request: JobRequest, processed: JobResult | dict[str, bytes]) -> JobResult:
    """The Dask task of one notebook job (see the module docstring). ``processed``: the processed data the
    job reads, as the result of the job that wrote them in this run, or as the files of their folder."""
    from antt.pipeline.execute import execute_job
    from antt.pipeline.kernels import KernelStartError

    job = request.job
    result = JobResult(job.name, worker=_worker_address())
    notebook = paths.NOTEBOOKS / f"{job.spec.name}.ipynb"
    if not notebook.is_file() or digest(notebook.read_bytes()) != request.notebook_digest:
        result.error = (
            f"notebook {job.name}: the worker {result.worker} has another {notebook.name} than this checkout; "
            f"the workers need the same project checkout and environment (docs/cluster.md)"
        )
        return result
    job = dataclasses.replace(job, spec=dataclasses.replace(job.spec, path=notebook))  # this checkout's copy
    files = processed.processed() if isinstance(processed, JobResult) else processed
    warm = state()
    with tempfile.TemporaryDirectory(prefix="antt-job-") as tmp:
        folder = Path(tmp)
        stage = publish.Stage(folder / "stage")
        read_dir = stage.processed if job.spec.writes_processed else folder / "read"
        if not job.spec.writes_processed:
            for name, content in files.items():
                (read_dir / name).parent.mkdir(parents=True, exist_ok=True)
                (read_dir / name).write_bytes(content)
        try:
            km = warm.kernel(job.spec.kernel_name)
        except KernelStartError as exc:
            result.error = f"notebook {job.name}: {exc}"
            return result
        try:
            entry = execute_job(job, km, stage, read_dir, folder / "failed", warm.printer)
        except RuntimeError as exc:
            result.error = " ".join(str(exc).split())
            failed = folder / "failed" / f"{job.name}.ipynb"
            result.failed_notebook = failed.read_bytes() if failed.is_file() else b""
            return result
        finally:
            kernels.shutdown(km)
        result.entry = entry
        result.files = _collect(stage.folder)
        result.digests = inputs.digests(entry["reads"], read_dir)
    return result


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "this process"


class Warm(WorkerPlugin):
    """Dask worker plugin: the worker's warm state is made when it joins, and ended when it closes."""

    name = "antt-warm"

    def setup(self, worker=None) -> None:
        state()  # quick: the zygote imports and the spare kernel starts in the background

    def teardown(self, worker=None) -> None:
        close_state()
