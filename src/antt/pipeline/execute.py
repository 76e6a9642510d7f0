"""Execute one notebook job with papermill on a warm kernel, into the job's staging folder.

Nothing here writes outside the staging folder except the executed copy of a failed notebook
(``<output folder>/failed/``, git-ignored, for the user to read). The executed notebook is
normalised before it is saved, so an unchanged input gives a byte-identical output: papermill's
per-cell timing and run metadata are removed and cell ids are renumbered (papermill gives its
injected-parameters cell a random id).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import papermill as pm
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from antt.pipeline import inputs, printing, publish, syntax
from antt.pipeline.kernels import run_code, set_environment
from antt.text import LANGUAGES


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


class WarmEngine(NBClientEngine):
    """papermill engine that executes on the kernel manager passed as ``km``.

    The runner asks papermill not to save the notebook after every cell (``request_save_on_cell_execute``):
    each save serialised the whole notebook, figures included, twice per cell, about 0.6 CPU-s of a short
    report. Nobody watches the file while it runs; what a failure needs, the notebook as far as it ran, is
    written here (``partial_path``) when execution stops with an error papermill does not save itself (the
    kernel died, a timeout)."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        km=None,
        partial_path=None,
        **kwargs,
    ):
        kwargs.pop("input_path", None)
        kwargs.pop("timeout", None)
        kwargs.pop("startup_timeout", None)
        client = PapermillNotebookClient(
            nb_man,
            km=km,
            kernel_name=kernel_name,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            **kwargs,
        )
        try:
            return client.execute()
        except BaseException:
            if partial_path:
                nbformat.write(nb_man.nb, partial_path)
            raise


papermill_engines.register("antt-warm", WarmEngine)


PAPERMILL_TAGS = {"injected-parameters", "papermill-error-cell-tag"}


def _failure_message(job, nb: nbformat.NotebookNode | None, exc: BaseException) -> str:
    """'notebook X failed, cell N ("first line"): Error: message', N counted in the notebook file
    (papermill's injected cells are not counted). One line, whatever the error says."""
    text = f"notebook {job.name} failed: {type(exc).__name__}: {exc}"
    if nb is not None:
        own = [c for c in nb.cells if not PAPERMILL_TAGS & set(c.metadata.get("tags", []))]
        for index, cell in enumerate(own):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    first = cell.source.splitlines()[0][:60] if cell.source else ""
                    text = (
                        f"notebook {job.name} failed, cell {index} ({first!r}): "
                        f"{output.get('ename', '')}: {output.get('evalue', '')}"
                    )
                    break
            else:
                continue
            break
    text = " ".join(text.split())
    return text if len(text) <= 600 else text[:600] + "…"


def _read_partial(path: Path) -> nbformat.NotebookNode | None:
    """The executed notebook as far as it was written, or None (absent, or cut short by the failure)."""
    try:
        return nbformat.read(path, as_version=4)
    except Exception:
        return None


def _recorded_reads(km) -> tuple[list[str], list[str]]:
    """The files the kernel read under the project root, and the ``antt`` modules it imported."""
    value = run_code(km, "", {"reads": inputs.REPORT_CODE})["user_expressions"]["reads"]
    if value.get("status") != "ok":
        raise RuntimeError(f"could not read the job's recorded inputs: {value.get('ename')}: {value.get('evalue')}")
    reads, modules = json.loads(syntax.literal(value["data"]["text/plain"]))
    return reads, modules


def execute_job(
    job, km, stage, processed_dir: Path, failed_dir: Path, printer: printing.Printer | None = None
) -> dict[str, Any]:
    """Run ``job`` (an ``antt.pipeline.runner.Job``) on the started kernel ``km``, writing into ``stage``
    (an ``antt.pipeline.publish.Stage``); ``processed_dir`` is where the job reads the processed data (its own
    staging folder if the notebook writes them); ``printer`` prints its pages to PDF (none: no PDF).
    Returns the manifest entry (without its files).

    On failure the executed notebook is kept under ``failed_dir`` and nothing is published."""
    from antt.reporting.html import render_report, table_files

    stage.reports.mkdir(parents=True, exist_ok=True)
    stage.processed.mkdir(parents=True, exist_ok=True)
    tmp_nb = stage.folder / f"{job.name}.ipynb"
    try:
        set_environment(
            km, {"ANTT_REPORTS_DIR": str(stage.reports), "ANTT_JOB": job.name, "ANTT_PROCESSED_DIR": str(processed_dir)}
        )
        run_code(km, inputs.hook_code(processed_dir, [stage.reports]))
        # No cwd here: the kernel was started in notebooks/, and papermill's chdir is process-wide.
        pm.execute_notebook(
            str(job.spec.path),
            str(tmp_nb),
            parameters=job.params,
            engine_name="antt-warm",
            km=km,
            partial_path=str(tmp_nb),
            request_save_on_cell_execute=False,
            progress_bar=False,
            log_output=False,
            report_mode=False,
        )
        reads, modules = _recorded_reads(km)
    except BaseException as exc:
        nb = _read_partial(tmp_nb)
        if nb is not None:
            failed_dir.mkdir(parents=True, exist_ok=True)
            nbformat.write(normalise(nb), failed_dir / f"{job.name}.ipynb")
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise RuntimeError(_failure_message(job, nb, exc)) from None
    recorded = inputs.logical_names(reads, modules, [processed_dir, stage.processed])
    nb = normalise(nbformat.read(tmp_nb, as_version=4))
    tmp_nb.unlink()
    version = inputs.data_version(recorded, processed_dir)
    results = publish.results_file(stage.reports, job.name)
    written = {publish.executed_notebook(stage.reports, job.name): nbformat.writes(nb) + "\n"}
    written |= {stage.reports / relative: text for relative, text in table_files(nb, job.name).items()}
    for lang in LANGUAGES:
        links = publish.page_links(stage.reports, job.name, lang)
        written[publish.report_page(stage.reports, job.name, lang)] = render_report(
            nb, job, results, version, lang, links
        )
    for path, text in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    if printer is not None:  # else the pages link no PDF (publish.page_links) and the run warns once
        for lang in LANGUAGES:
            printer.print_pdf(
                publish.report_page(stage.reports, job.name, lang), publish.report_pdf(stage.reports, job.name, lang)
            )
    (failed_dir / f"{job.name}.ipynb").unlink(missing_ok=True)
    return {"label": job.label, "reads": recorded}
