"""Where a run's outputs go, how a job's outputs are staged and published all at once, and the
manifest that lists what is published.

- **Canonical and exploratory runs live apart.** A run with ``params.yaml`` alone writes the
  canonical, committed outputs: ``reports/`` and ``data/processed/``. A run with any override writes
  under ``reports/explore/<name>/`` (git-ignored; the name is derived from the overrides), which has
  its own ``processed/``, manifest and index, and never touches the canonical files.
- **All or nothing per job.** A job writes into its own staging folder (inside the output folder,
  so on the same file system). Publishing is two phases: every staged file is first moved to a
  temporary name beside its target (this is where a full disk, a size limit or a read-only folder
  shows up; on failure every temporary is removed and nothing is published), then each is renamed
  over its target, which cannot fail for those reasons. The manifest is then updated.
- **One writer at a time.** Publishing, pruning and the manifest's read-modify-write happen under an
  exclusive lock on ``<output folder>/.lock`` (``fcntl.flock``), so concurrent runs never lose or
  mix entries.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from antt import paths
from antt.pipeline import printing
from antt.text import FILE_SUFFIX, LANGUAGES, other_languages

MANIFEST = "manifest.json"
EXPLORE = "explore"
STAGING = ".staging"
TEMP_SUFFIX = ".antt-tmp"
REPORT_FOLDERS = ("html", "notebooks", "figures", "results", "tables", "pdf")
MAX_NAME = 80


@dataclass(frozen=True)
class Outputs:
    """The folders one run writes to."""

    root: Path  # reports/ (canonical) or reports/explore/<name>/
    processed: Path  # data/processed/ (canonical) or <root>/processed/
    name: str  # "" for the canonical build, else the exploration's folder name

    @property
    def canonical(self) -> bool:
        return not self.name

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST


# The layout of a reports folder (canonical or exploratory, or a job's staging folder): owned here, and only
# here; the notebooks write figures and results through ``antt.paths`` (FIGURES, RESULTS), which the runner
# points at the staging folder.
def executed_notebook(root: Path, name: str) -> Path:
    return root / "notebooks" / f"{name}.ipynb"


def report_page(root: Path, name: str, lang: str) -> Path:
    return root / "html" / f"{name}{FILE_SUFFIX[lang]}.html"


def report_pdf(root: Path, name: str, lang: str) -> Path:
    return root / "pdf" / f"{name}{FILE_SUFFIX[lang]}.pdf"


def summary_page(root: Path, lang: str) -> Path:
    return root / f"summary{FILE_SUFFIX[lang]}.html"


def summary_pdf(root: Path, lang: str) -> Path:
    return root / "pdf" / f"summary{FILE_SUFFIX[lang]}.pdf"


def glossary_page(root: Path, lang: str) -> Path:
    return root / f"glossary{FILE_SUFFIX[lang]}.html"


def index_page(root: Path, lang: str) -> Path:
    return root / f"index{FILE_SUFFIX[lang]}.html"


def _href(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def _twins(page_in, lang: str) -> dict[str, str]:
    """Links from the page ``page_in(lang)`` to the same page in the other languages (language → href)."""
    return {other: _href(page_in(other), page_in(lang)) for other in other_languages(lang)}


def page_links(root: Path, name: str, lang: str):
    """The navigation of the report page ``name`` in ``lang`` (``antt.reporting.html.Links``)."""
    from antt.reporting.html import Links

    page = report_page(root, name, lang)
    twins = _twins(lambda other: report_page(root, name, other), lang)
    pdf = _href(report_pdf(root, name, lang), page) if printing.available() else ""
    return Links(
        index=_href(index_page(root, lang), page),
        twins=twins,
        root=_href(root, page) + "/",
        pdf=pdf,
        glossary=_href(glossary_page(root, lang), page),
    )


def results_file(root: Path, name: str) -> Path:
    return root / "results" / f"{name}.json"


def index_cards(root: Path, manifest: dict[str, Any], locate, lang: str) -> list:
    """One ``antt.reporting.overview.IndexCard`` per published report of ``manifest``, in name order, for the
    index in ``lang``; ``locate`` maps a published path to where its content is now (a temporary name while
    publishing)."""
    from antt.reporting.overview import IndexCard

    cards = []
    for name in sorted(manifest):
        executed = locate(executed_notebook(root, name))
        if not executed.exists():
            continue
        cards.append(
            IndexCard(
                name=name,
                label=manifest[name].get("label", ""),
                executed=executed,
                results=locate(results_file(root, name)),
                page_href=report_page(root, name, lang).relative_to(root).as_posix(),
                notebook_href=executed_notebook(root, name).relative_to(root).as_posix(),
                locate_figure=lambda relative: locate(root / relative),
            )
        )
    return cards


def for_overrides(overrides: dict[str, Any]) -> Outputs:
    """The canonical outputs when there are no overrides; else the exploration's own folder."""
    if not overrides:
        return Outputs(paths.REPORTS, paths.PROCESSED, "")
    name = exploration_name(overrides)
    root = paths.REPORTS / EXPLORE / name
    return Outputs(root, root / "processed", name)


def _readable(value: Any) -> str:
    """A value as a short ASCII word: «Công Lý» → 'cong-ly', 0.1 → '0.1', a file path → its stem."""
    if isinstance(value, str) and ("/" in value or value.endswith(".csv")):
        value = Path(value).stem
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.") or "empty"


def exploration_name(overrides: dict[str, Any]) -> str:
    """``alpha=0.1, lang=en`` → ``alpha-0.1__lang-en`` (sorted by name); long names end in a short hash."""
    name = "__".join(
        f"{k if re.fullmatch(r'[a-z0-9_]+', k) else _readable(k)}-{_readable(v)}" for k, v in sorted(overrides.items())
    )
    if len(name) > MAX_NAME:
        tag = hashlib.sha256(json.dumps(overrides, sort_keys=True, default=str).encode()).hexdigest()[:8]
        name = f"{name[: MAX_NAME - 9].rstrip('-_.')}-{tag}"
    return name


@contextlib.contextmanager
def locked(outputs: Outputs) -> Iterator[None]:
    """Hold the output folder's lock (blocking until other runs release it)."""
    outputs.root.mkdir(parents=True, exist_ok=True)
    with open(outputs.root / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_manifest(outputs: Outputs) -> dict[str, Any]:
    """The published jobs. A missing or damaged manifest is an empty one (every job reruns), with a warning."""
    try:
        data = json.loads(outputs.manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        data = exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        print(
            f"warning: {outputs.manifest} is not a manifest (a JSON object of jobs); ignoring it: every notebook "
            f"reruns and it is rewritten",
            file=sys.stderr,
        )
        return {}
    # Entries without a list of files come from an older runner: their jobs rerun.
    return {name: entry for name, entry in data.items() if isinstance(entry.get("files"), list)}


@dataclass(frozen=True)
class Stage:
    """One job's staging folder: ``reports/`` mirrors the output folder, ``processed/`` the processed data."""

    folder: Path

    @property
    def reports(self) -> Path:
        return self.folder / "reports"

    @property
    def processed(self) -> Path:
        return self.folder / "processed"

    def targets(self, outputs: Outputs) -> dict[Path, Path]:
        """Staged file → where it is published."""
        moves = {}
        for base, target in ((self.reports, outputs.root), (self.processed, outputs.processed)):
            if base.is_dir():
                for path in sorted(p for p in base.rglob("*") if p.is_file()):
                    moves[path] = target / path.relative_to(base)
        return moves


@contextlib.contextmanager
def run_folder(outputs: Outputs) -> Iterator[Path]:
    """A private staging folder for one run (removed at the end, whatever happens).

    Each run holds a lock on its folder; folders left by runs that were killed (lock free) are
    removed when the next run starts. A folder is locked before it takes its ``run-`` name, so a run
    starting at the same moment never takes another's new folder for an abandoned one.
    """
    base = outputs.root / STAGING
    _remove_abandoned(base)
    folder, handle = _new_locked_folder(base)
    with handle:
        try:
            yield folder
        finally:
            # The (git-ignored) base folder stays: removing it when empty let two runs starting in a loop
            # remove it under each other's feet until one gave up (make test caught it under load).
            shutil.rmtree(folder, ignore_errors=True)


def _new_locked_folder(base: Path, tries: int = 10):
    """A new ``run-…`` folder under ``base`` and the open, locked handle of its ``.lock``."""
    for _ in range(tries):
        try:
            base.mkdir(parents=True, exist_ok=True)
            new = Path(tempfile.mkdtemp(prefix=NEW_RUN, dir=base))
        except (FileNotFoundError, FileExistsError):  # someone removed the base folder in between (make clean)
            continue
        handle = open(new / ".lock", "a+b")  # noqa: SIM115 — held for the whole run by the caller
        fcntl.flock(handle, fcntl.LOCK_EX)
        folder = new.with_name("run-" + new.name.removeprefix(NEW_RUN))
        os.rename(new, folder)
        return folder, handle
    raise OSError(errno.ENOENT, "could not create a staging folder", str(base))


NEW_RUN = "new-"
#: A folder still named ``new-…`` after this long belongs to a run killed while it was being made.
NEW_RUN_SECONDS = 60


def _remove_abandoned(base: Path) -> None:
    try:
        folders = sorted(base.iterdir())
    except FileNotFoundError:  # none yet, or another run just removed the empty folder
        return
    for folder in folders:
        if folder.name.startswith("run-"):
            try:
                with open(folder / ".lock", "rb") as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    shutil.rmtree(folder, ignore_errors=True)
            except BlockingIOError:
                continue  # a live run
            except OSError:
                shutil.rmtree(folder, ignore_errors=True)
        elif folder.name.startswith(NEW_RUN):
            with contextlib.suppress(OSError):
                if time.time() - folder.stat().st_mtime > NEW_RUN_SECONDS:
                    shutil.rmtree(folder, ignore_errors=True)


def publish(outputs: Outputs, stage: Stage, name: str, entry: dict[str, Any]) -> dict[str, Any]:
    """Publish a job's staged files, the updated manifest and the index all at once (under the lock).

    Returns the manifest entry as written: ``entry`` plus the published files, relative to the
    output folder (``processed/…`` for the processed data).
    """
    return publish_together(outputs, [(stage, name, entry)])[0]


def publish_together(outputs: Outputs, jobs: list[tuple[Stage, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """``publish`` for several jobs at once: every job's files, the manifest with all their entries, and the
    index and summary built once (they read every published report, so building them once per job would cost
    the square of a sweep's size). All of it, or nothing, is published."""
    each = [stage.targets(outputs) for stage, _, _ in jobs]
    moves = {source: target for targets in each for source, target in targets.items()}
    with locked(outputs):
        placed = _place(moves)
        try:
            manifest = load_manifest(outputs)
            entries = []
            for (_, name, entry), targets in zip(jobs, each, strict=True):
                manifest[name] = {**entry, "files": sorted(_relative(outputs, t) for t in targets.values())}
                entries.append(manifest[name])
            placed += _place_views(outputs, manifest, {target: temporary for temporary, target in placed})
        except BaseException:
            _discard(placed)
            raise
        _commit(placed)
    return entries


def about(outputs: Outputs, lang: str, page_in, build_date: str, data_date: str) -> Any:
    """What the index or the summary (``page_in(lang)``: its path) says of the whole folder
    (``antt.reporting.overview.About``); ``build_date`` and ``data_date`` are the same for both."""
    from antt.reporting.overview import About

    here = page_in(lang)
    indicators = outputs.processed / "indicators.csv"
    return About(
        build_date=build_date,
        data_date=data_date,
        indicators_href=_href(indicators, here) if indicators.exists() else "",
        summary_pdf_href=_href(summary_pdf(outputs.root, lang), here) if printing.available() else "",
        twins=_twins(page_in, lang),
        index_href=_href(index_page(outputs.root, lang), here),
        glossary_href=_href(glossary_page(outputs.root, lang), here),
    )


def _place_views(outputs: Outputs, manifest: dict[str, Any], pending: dict[Path, Path]) -> list[tuple[Path, Path]]:
    """The manifest, the index and the summary, as temporaries beside their targets (the index reads the files
    about to be published from their temporary names). The summary's PDF is printed at the end of the run
    (``print_summaries``)."""
    from antt.data.io import json_text
    from antt.reporting.glossary import glossary_html
    from antt.reporting.overview import data_date_of, index_html, read_reports, summary_html

    views = {outputs.manifest: json_text(manifest)}
    built = printing.build_date()  # once: the index and the summary say the same day
    for lang in LANGUAGES:
        reports = read_reports(index_cards(outputs.root, manifest, lambda path: pending.get(path, path), lang), lang)
        dates = (built, data_date_of(outputs.processed / "indicators.csv", lang))
        index_about = about(outputs, lang, lambda lg: index_page(outputs.root, lg), *dates)
        views[index_page(outputs.root, lang)] = index_html(reports, lang, index_about)
        summary_about = about(outputs, lang, lambda lg: summary_page(outputs.root, lg), *dates)
        views[summary_page(outputs.root, lang)] = summary_html(reports, lang, summary_about)
        glossary_twins = _twins(lambda lg: glossary_page(outputs.root, lg), lang)
        views[glossary_page(outputs.root, lang)] = glossary_html(lang, index_about.index_href, glossary_twins)
    placed: list[tuple[Path, Path]] = []
    try:
        for target, text in views.items():
            temporary = _temporary(target)
            temporary.write_text(text, encoding="utf-8", newline="\n")
            placed.append((temporary, target))
    except BaseException:
        _discard(placed)
        raise
    return placed


def _stale_summaries(outputs: Outputs) -> bool:
    """Whether a summary page was rewritten after its PDF was printed (or has none)."""
    for lang in LANGUAGES:
        html, pdf = summary_page(outputs.root, lang), summary_pdf(outputs.root, lang)
        if html.exists() and (not pdf.exists() or pdf.stat().st_mtime_ns < html.stat().st_mtime_ns):
            return True
    return False


def print_summaries(outputs: Outputs, printer: printing.Printer | None) -> None:
    """Print each language's summary page to its PDF when the page changed, all or none (under the lock);
    nothing without a printer."""
    if printer is None or not _stale_summaries(outputs):
        return
    with locked(outputs):
        placed: list[tuple[Path, Path]] = []
        try:
            for lang in LANGUAGES:
                target = summary_pdf(outputs.root, lang)
                temporary = _temporary(target)
                printer.print_pdf(summary_page(outputs.root, lang), temporary)
                placed.append((temporary, target))
        except BaseException:
            _discard(placed)
            raise
        _commit(placed)


def _relative(outputs: Outputs, target: Path) -> str:
    if target.is_relative_to(outputs.processed):
        return "processed/" + target.relative_to(outputs.processed).as_posix()
    return target.relative_to(outputs.root).as_posix()


def entry_files(outputs: Outputs, entry: dict[str, Any]) -> list[Path]:
    """The published files of a manifest entry, as paths."""
    return [
        outputs.processed / f.removeprefix("processed/") if f.startswith("processed/") else outputs.root / f
        for f in entry.get("files", [])
    ]


def _temporary(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir():
        raise IsADirectoryError(21, "Is a directory: cannot publish a file there", str(target))
    return target.with_name(f".{target.name}.{os.getpid()}{TEMP_SUFFIX}")


def _place(moves: dict[Path, Path]) -> list[tuple[Path, Path]]:
    """Phase 1: every staged file to a temporary name beside its target. This is where a full disk,
    a size limit or a folder that cannot be written shows up; on failure nothing is left behind."""
    placed: list[tuple[Path, Path]] = []
    try:
        for source, target in moves.items():
            temporary = _temporary(target)
            try:
                os.replace(source, temporary)
            except OSError as exc:
                if exc.errno != errno.EXDEV:  # another file system: copy instead
                    raise
                shutil.copyfile(source, temporary)
            placed.append((temporary, target))
            os.chmod(temporary, 0o644)
    except BaseException:
        _discard(placed)
        raise
    return placed


def _discard(placed: list[tuple[Path, Path]]) -> None:
    for temporary, _ in placed:
        temporary.unlink(missing_ok=True)


def _commit(placed: list[tuple[Path, Path]]) -> None:
    """Phase 2: rename every temporary over its target (same folder: no space needed, cannot be cut short by a
    size limit)."""
    for temporary, target in placed:
        os.replace(temporary, target)


def prune(outputs: Outputs, keep: set[str]) -> list[Path]:
    """Remove the jobs no parameter set produces any more, and files no job claims (canonical build only).

    Returns the removed files. Runs under the lock; also removes temporaries left by killed runs.
    """
    removed: list[Path] = []
    with locked(outputs):
        manifest = load_manifest(outputs)
        for name in sorted(set(manifest) - keep):
            for path in entry_files(outputs, manifest.pop(name)):
                if path.exists() and not path.is_relative_to(outputs.processed):
                    path.unlink()
                    removed.append(path)
        claimed = {p for entry in manifest.values() for p in entry_files(outputs, entry)}
        claimed |= {summary_pdf(outputs.root, lang) for lang in LANGUAGES}  # views of the folder, not of a job
        for folder in REPORT_FOLDERS:
            for path in sorted((outputs.root / folder).rglob("*")) if (outputs.root / folder).is_dir() else []:
                if path.is_file() and (path not in claimed or path.name.endswith(TEMP_SUFFIX)):
                    path.unlink()
                    removed.append(path)
        for path in outputs.processed.glob(f".*{TEMP_SUFFIX}") if outputs.processed.is_dir() else []:
            path.unlink()
        views = [page(outputs.root, lang) for page in (index_page, summary_page, glossary_page) for lang in LANGUAGES]
        if removed or not all(view.exists() for view in views):
            _commit(_place_views(outputs, manifest, {}))
    return removed
