"""Execute one notebook job with papermill on a warm kernel and write its outputs atomically.

The executed notebook is normalised before it is saved, so an unchanged input gives a
byte-identical output: papermill's per-cell timing and run metadata are removed and cell ids
are renumbered (papermill gives its injected-parameters cell a random id).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import nbformat
import papermill as pm
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from antt import paths
from antt.io import write_bytes_atomic, write_text_atomic


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop run-specific metadata (times, durations, paths) and give cells stable ids."""
    run_meta = nb.metadata.get("papermill", {})
    nb.metadata["papermill"] = {"parameters": run_meta.get("parameters", {})}
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:02d}"
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)
    return nb


def _publish(staging: Path) -> None:
    """Move the figures and results a successful run wrote into ``reports/`` (atomic per file)."""
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        write_bytes_atomic(path.read_bytes(), paths.REPORTS / path.relative_to(staging))


class WarmEngine(NBClientEngine):
    """papermill engine that executes on the kernel manager passed as ``km``."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, km=None, **kwargs):
        kwargs.pop("input_path", None)
        kwargs.pop("timeout", None)
        kwargs.pop("startup_timeout", None)
        client = PapermillNotebookClient(nb_man, km=km, kernel_name=kernel_name, timeout=execution_timeout,
                                         startup_timeout=start_timeout, log_output=log_output,
                                         stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
        return client.execute()


papermill_engines.register("antt-warm", WarmEngine)


PAPERMILL_TAGS = {"injected-parameters", "papermill-error-cell-tag"}


def _failure_message(job, nb: nbformat.NotebookNode | None, exc: BaseException) -> str:
    """'notebook X failed, cell N ("first line"): Error: message', N counted in the notebook file
    (papermill's injected cells are not counted)."""
    if nb is not None:
        own = [c for c in nb.cells if not PAPERMILL_TAGS & set(c.metadata.get("tags", []))]
        for index, cell in enumerate(own):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    first = cell.source.splitlines()[0][:60] if cell.source else ""
                    return f"notebook {job.name} failed, cell {index} ({first!r}): {output.get('ename', '')}: {output.get('evalue', '')}"
    return f"notebook {job.name} failed: {type(exc).__name__}: {exc}"


def execute_job(job, km) -> dict[str, Any]:
    """Run ``job`` (an ``antt.runner.Job``) on the started kernel ``km``; returns manifest info.
    On failure the executed notebook is kept under ``reports/failed/`` and the last good outputs
    stay untouched."""
    from antt.kernels import set_environment
    from antt.report import render_report

    out_nb = paths.REPORTS / "notebooks" / f"{job.name}.ipynb"
    out_html = paths.REPORTS / "html" / f"{job.name}.html"
    failed_dir = paths.REPORTS / "failed"
    with tempfile.TemporaryDirectory(prefix="antt-run-") as tmp:
        tmp_nb = Path(tmp) / f"{job.name}.ipynb"
        staging = Path(tmp) / "reports"
        try:
            set_environment(km, {"ANTT_REPORTS_DIR": str(staging), "ANTT_JOB": job.name})
            # No cwd here: the kernel was started in notebooks/, and papermill's chdir is process-wide.
            pm.execute_notebook(str(job.spec.path), str(tmp_nb), parameters=job.params, engine_name="antt-warm",
                                km=km, progress_bar=False, log_output=False, report_mode=False)
        except BaseException as exc:
            nb = nbformat.read(tmp_nb, as_version=4) if tmp_nb.exists() else None
            if nb is not None:
                failed_dir.mkdir(parents=True, exist_ok=True)
                nbformat.write(normalise(nb), failed_dir / f"{job.name}.ipynb")
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise RuntimeError(_failure_message(job, nb, exc)) from None
        nb = normalise(nbformat.read(tmp_nb, as_version=4))
        _publish(staging)
    html = render_report(nb, job)
    write_text_atomic(nbformat.writes(nb) + "\n", out_nb)
    write_text_atomic(html, out_html)
    (failed_dir / f"{job.name}.ipynb").unlink(missing_ok=True)
    return {"notebook": out_nb.relative_to(paths.ROOT).as_posix(), "html": out_html.relative_to(paths.ROOT).as_posix()}
