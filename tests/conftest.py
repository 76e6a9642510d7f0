"""Shared fixtures and helpers.

- Notebooks run by tests (nbval, the runner) write figures and results to temporary folders, never into
  the committed ``reports/`` or ``data/processed/``.
- ``built_project``: the suite's one end-to-end build of the real notebooks, reused by every test that
  needs built reports. Tests of the runner's mechanics use ``toy_project`` (small notebooks, same runner).
  Under pytest-xdist (``make test``) the processes share each build: one builds, the others wait for it.
- Every execution of a real notebook is counted (nbval, and ``antt run`` through ``run_antt`` /
  ``start_antt``); the counts are printed at the end (the xdist controller adds up its workers'), and the
  session fails if a notebook ran more than once under nbval plus once per parameter set in the build.
- Marks: ``slow`` for tests that execute notebooks (nbval included) or long simulations, ``browser`` for
  Chromium; ``make test-fast`` runs neither.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections import Counter
from pathlib import Path

import nbformat
import pytest
import yaml
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_185f12b80bd82d9c.txt"
REFERENCE = ROOT.parent / "shared" / "reference"
PERTURB = ROOT / "tests" / "perturb"


def pytest_configure(config):
    # Set before any kernel starts: nbval's kernels inherit them. Notebook 01 writes the processed
    # data: under tests it writes a temporary copy, never the committed folder.
    os.environ.setdefault("ANTT_REPORTS_DIR", tempfile.mkdtemp(prefix="antt-test-reports-"))
    if "ANTT_PROCESSED_DIR" not in os.environ:
        processed = Path(tempfile.mkdtemp(prefix="antt-test-processed-"))
        shutil.copytree(ROOT / "data" / "processed", processed, dirs_exist_ok=True)
        os.environ["ANTT_PROCESSED_DIR"] = str(processed)
    config.pluginmanager.register(_NbvalCounter(), "antt-nbval-counter")


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items):
    # nbval's cells execute the real notebooks: slow, like every other test that executes one.
    for item in items:
        if _is_nbval(item):
            item.add_marker(pytest.mark.slow)


def _is_nbval(item) -> bool:
    return type(item).__name__ == "IPyNbCell"


# --------------------------------------------------------------------------------------------
# Counting the executions of the real notebooks
# --------------------------------------------------------------------------------------------

REAL_NOTEBOOKS = tuple(sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
#: (notebook, "nbval" or "antt run") -> executions in this session. A job of ``antt run`` counts for the
#: real notebook its name starts with (``03_intervention_effect__ngoc-lu``); toy notebooks have other names.
EXECUTIONS: Counter[tuple[str, str]] = Counter()


def _parameter_sets(notebook: str) -> int:
    given = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8")).get(notebook, {})
    return len(given) if isinstance(given, list) else 1


def execution_budget(notebook: str) -> dict[str, int]:
    """What one ``make test`` may execute: the notebook once under nbval, and one build (one job per parameter set)."""
    return {"nbval": 1, "antt run": _parameter_sets(notebook)}


def count_started_jobs(stderr: str) -> None:
    """Count the real notebooks that an ``antt run`` started (its ``[  start] <job>`` lines)."""
    for line in stderr.splitlines():
        if line.startswith("[  start] "):
            job = line.removeprefix("[  start] ").split(" ")[0]
            notebook = next((n for n in REAL_NOTEBOOKS if job == n or job.startswith(n + "__")), None)
            if notebook:
                EXECUTIONS[notebook, "antt run"] += 1


class _NbvalCounter:
    """Counts nbval's notebook executions: every cell of a notebook runs in one kernel, started for its first
    cell. Registered as a plugin, because the hooks of this conftest do not see the items of notebooks/."""

    def __init__(self):
        self.seen: set[str] = set()

    def pytest_runtest_setup(self, item):
        notebook = item.parent.path.stem if _is_nbval(item) else None
        if notebook in REAL_NOTEBOOKS and notebook not in self.seen:
            self.seen.add(notebook)
            EXECUTIONS[notebook, "nbval"] += 1


def _over_budget() -> list[str]:
    return [
        f"{notebook}: {how} executed it {EXECUTIONS[notebook, how]} times, at most {limit} expected"
        for notebook in REAL_NOTEBOOKS
        for how, limit in execution_budget(notebook).items()
        if EXECUTIONS[notebook, how] > limit
    ]


def _xdist_worker(config) -> bool:
    return hasattr(config, "workeroutput")


def pytest_sessionfinish(session, exitstatus):
    if _xdist_worker(session.config):  # the controller adds up the workers' counts (pytest_testnodedown)
        session.config.workeroutput["antt_executions"] = [[*key, n] for key, n in EXECUTIONS.items()]
    elif _over_budget() and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: called in the controller as each worker ends
def pytest_testnodedown(node, error):
    for notebook, how, n in getattr(node, "workeroutput", {}).get("antt_executions", []):
        EXECUTIONS[notebook, how] += n


def pytest_terminal_summary(terminalreporter):
    if not EXECUTIONS:
        return
    write = terminalreporter.write_line
    terminalreporter.write_sep("-", "executions of the real notebooks (nbval + antt run jobs)")
    for notebook in REAL_NOTEBOOKS:
        nbval, run = EXECUTIONS[notebook, "nbval"], EXECUTIONS[notebook, "antt run"]
        write(f"{notebook:<30} nbval {nbval}  antt run {run}  total {nbval + run}")
    for problem in _over_budget():
        write(f"OVER BUDGET: {problem} (build once with the session fixture built_project)", red=True)


# --------------------------------------------------------------------------------------------
# Running the command line
# --------------------------------------------------------------------------------------------


def committed_build_epoch() -> str:
    """The build date of the committed index (its ``<time datetime>``) as ``SOURCE_DATE_EPOCH``: every run of the
    tests dates its reports as the committed ones are (a rebuild is then byte-identical, on any day)."""
    index = ROOT / "reports" / "index.html"
    text = index.read_text(encoding="utf-8") if index.exists() else ""
    found = re.search(r'<time datetime="(\d{4}-\d{2}-\d{2})">', text)
    day = dt.date.fromisoformat(found.group(1)) if found else dt.date(2026, 1, 1)
    return str(int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()))


def antt_env(root: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of ``python -m antt`` with the project root at ``root`` (``env``: more variables)."""
    return {
        **os.environ,
        "SOURCE_DATE_EPOCH": committed_build_epoch(),
        "ANTT_BROWSER": "none",  # no PDFs: only the real project's build prints them (PRINTING_ENV)
        "ANTT_ROOT": str(root),
        "ANTT_REPORTS_DIR": str(root / "reports"),
        "ANTT_PROCESSED_DIR": str(root / "data" / "processed"),
        **(env or {}),
    }


def run_antt(
    root: Path, *args: str, timeout: int = 600, env: dict[str, str] | None = None, preexec_fn=None
) -> subprocess.CompletedProcess:
    """``python -m antt ARGS`` with the project root at ``root``; the notebooks it starts are counted."""
    result = subprocess.run(
        [sys.executable, "-m", "antt", *args],
        cwd=root,
        env=antt_env(root, env),
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
    )
    count_started_jobs(result.stderr)
    return result


def start_antt(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``python -m antt ARGS`` in the background; end it with ``finish_antt``."""
    return subprocess.Popen(
        [sys.executable, "-m", "antt", *args],
        cwd=root,
        env=antt_env(root, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_antt(process: subprocess.Popen, timeout: int = 600) -> tuple[int, str]:
    """Wait for a ``start_antt`` process; its exit code and standard error (its notebooks are counted)."""
    _, err = process.communicate(timeout=timeout)
    count_started_jobs(err)
    return process.returncode, err


# --------------------------------------------------------------------------------------------
# Project copies
# --------------------------------------------------------------------------------------------


@pytest.fixture
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the source article is not redistributed; it is read from {SEED}, which is absent here")
    from antt.text import read_text

    return read_text(SEED)


def _copy_project(root: Path, folders=("data", "notebooks", "docs"), files=("params.yaml", "pyproject.toml")) -> Path:
    ignore = shutil.ignore_patterns(
        "explore", ".staging", "failed", "build", ".cache", ".lock", "__pycache__", "*.egg-info"
    )
    for name in folders:
        shutil.copytree(ROOT / name, root / name, ignore=ignore)
    for name in (*files, "requirements.lock"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "src", root / "src", ignore=ignore)
    return root


def copy_tree(source: Path, target: Path) -> Path:
    """A writable copy of a built project (``built_project``, ``toy_built``) for a test that changes it."""
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(".staging", ".lock"))
    return target


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the project's data, notebooks and params in a temporary root (for ANTT_ROOT), without reports."""
    return _copy_project(tmp_path / "project")


# Another time zone, locale and hash seed than the usual ones, and linear algebra off by a few ulps as on
# another CPU (tests/perturb): the build must still be byte-identical to the committed outputs.
EXOTIC_ENV = {"TZ": "Pacific/Kiritimati", "LANG": "vi_VN.UTF-8", "PYTHONHASHSEED": "4242"}
PERTURBED_ENV = {
    "ANTT_PERTURB_SEED": "20240101",
    "PYTHONPATH": os.pathsep.join(p for p in (str(PERTURB), os.environ.get("PYTHONPATH")) if p),
}


# The committed reports link and include PDFs printed by Chromium: the build that must reproduce them prints too.
PRINTING_ENV = {"ANTT_BROWSER": shutil.which("chromium") or "/usr/bin/chromium"}


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium, driven by Playwright with the printer's flags (``antt.pipeline.printing``);
    the tests that use it skip without it, or fail when ``ANTT_REQUIRE_BROWSER`` is set (CI)."""
    from antt.pipeline import printing

    executable = PRINTING_ENV["ANTT_BROWSER"]
    if not Path(executable).is_file():
        if os.environ.get("ANTT_REQUIRE_BROWSER"):
            pytest.fail(f"ANTT_REQUIRE_BROWSER is set but {executable} is missing (make browser)")
        pytest.skip("Debian's chromium is not installed (make browser, or apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = printing.launch(playwright, executable)
        yield instance
        instance.close()


def _build_once(tmp_path_factory, name: str, build) -> Path:
    """``build(root)`` once per session, also when pytest-xdist runs the tests in several processes: the
    first process to ask builds under a file lock, the others wait for it and reuse its project (or its
    failure: a build that failed is not tried again). ``build`` returns (exit code, standard error)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers of this session
    folder = base / name
    status = folder / "exit-code"
    with FileLock(base / f"{name}.lock"):
        if not status.exists():
            folder.mkdir(exist_ok=True)
            code, stderr = build(folder / "project")
            (folder / "antt-run.log").write_text(stderr, encoding="utf-8")
            status.write_text(str(code), encoding="utf-8")
    log = (folder / "antt-run.log").read_text(encoding="utf-8")
    assert status.read_text(encoding="utf-8") == "0", log
    return folder / "project"


def _build_real_project(root: Path) -> tuple[int, str]:
    _copy_project(
        root,
        folders=("data", "notebooks", "docs", "reports"),
        files=("params.yaml", "pyproject.toml", "README.md"),
    )
    # A heartbeat every second: the console test reads this run's log (build_log) instead of running its own.
    env = {**EXOTIC_ENV, **PERTURBED_ENV, **PRINTING_ENV, "ANTT_HEARTBEAT_SECONDS": "1"}
    result = run_antt(root, "run", "--force", env=env, timeout=1800)
    return result.returncode, result.stderr


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """The suite's one end-to-end build: a copy of the project (committed reports and processed data included)
    after ``antt run --force`` under ``EXOTIC_ENV`` and ``PERTURBED_ENV``. Read-only: copy it (``copy_tree``)
    to change it. Every real notebook runs here once per parameter set, and nowhere else but under nbval."""
    return _build_once(tmp_path_factory, "built", _build_real_project)


@pytest.fixture(scope="session")
def build_log(built_project) -> str:
    """What the session build printed (standard error of ``antt run --force``)."""
    return (built_project.parent / "antt-run.log").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# A toy project: four small notebooks with the dependency structure of the real ones
# --------------------------------------------------------------------------------------------

TOY_WRITER, TOY_REPORT, TOY_SETS, TOY_ALONE = "01_toy_clean", "02_toy_report", "03_toy_sets", "04_toy_alone"
TOY_SET_JOBS = (f"{TOY_SETS}__a", f"{TOY_SETS}__b")
TOY_JOBS = {TOY_WRITER, TOY_REPORT, *TOY_SET_JOBS, TOY_ALONE}
TOY_PARAMS = f"""\
{TOY_WRITER}:
  lang: vi
{TOY_REPORT}:
  lang: vi
{TOY_SETS}:
  - place: a
    lang: vi
  - place: b
    lang: vi
{TOY_ALONE}:
  lang: vi
"""

# name -> (description, depends_on, writes_processed, parameters cell, code cells)
TOY_NOTEBOOKS = {
    TOY_WRITER: (
        "Cleans data/raw into data/processed with the real cleaning (as 01 does).",
        [],
        True,
        'lang: str = "vi"  # language of the page: "vi" or "en"',
        [
            "from IPython.display import HTML\n\nfrom antt.data import clean\nfrom antt.reporting import results\n\n"
            "result = clean.clean()\n"
            f'results.write("{TOY_WRITER}", {{"headline": {{"vi": ["Đã làm sạch."], "en": ["Cleaned."]}}}})\n'
            "HTML(result.indicators.to_html())  # a page larger than the processed files",
        ],
    ),
    TOY_REPORT: (
        "Reads the processed data, a codebook file and a module of the package (as 02 does).",
        [TOY_WRITER],
        False,
        'lang: str = "vi"  # language of the page: "vi" or "en"',
        [
            "from antt import paths\nfrom antt.models import ratios  # noqa: F401 - a light input of this job\n"
            "from antt.reporting import results\n\n"
            'rows = (paths.PROCESSED / "indicators.csv").read_text(encoding="utf-8").count("\\n")\n'
            'ratios = (paths.CODEBOOK / "ratios.csv").read_text(encoding="utf-8")\n'
            f'results.write("{TOY_REPORT}", {{"rows": rows}})\nprint(rows, "rows")',
        ],
    ),
    TOY_SETS: (
        "One report per place; reads the processed data and an optional series file (as 03 does).",
        [TOY_WRITER],
        False,
        'place: str = "a"  # the place reported on\n'
        'series_path: str = ""  # optional file of counts; empty: none\n'
        'lang: str = "vi"  # language of the page: "vi" or "en"',
        [
            "from pathlib import Path\n\nfrom antt import paths\n"
            "from antt.models import ratios  # noqa: F401 - a light input of this job\n"
            "from antt.reporting import results\n\n"
            'rows = (paths.PROCESSED / "indicators.csv").read_text(encoding="utf-8").count("\\n")\n'
            "series = (paths.ROOT / series_path).read_text(encoding='utf-8') if series_path else ''\n"
            f'results.write("{TOY_SETS}", {{"place": place, "rows": rows, "series_lines": series.count("\\n")}})\n'
            "print(place, rows, len(series))",
        ],
    ),
    TOY_ALONE: (
        "Depends on nothing; can pause (as 04 runs its simulations) and say which process runs it.",
        [],
        False,
        "pause: float = 0.0  # seconds to wait before finishing\n"
        'pid_file: str = ""  # file where the kernel writes its process id; empty: none\n'
        'lang: str = "vi"  # language of the page: "vi" or "en"',
        [
            "import os\nimport time\n\nfrom antt.reporting import results\n\n"
            "if pid_file:\n    with open(pid_file, 'w') as out:\n        out.write(str(os.getpid()))\n"
            "time.sleep(pause)\n"
            f'results.write("{TOY_ALONE}", {{"paused": pause}})\nprint("done")',
        ],
    ),
}


def _toy_notebook(description, depends_on, writes_processed, parameters, code) -> nbformat.NotebookNode:
    cells = [
        nbformat.v4.new_markdown_cell(f"# {description}"),
        nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        *(nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in code),
    ]
    antt = {"description": description, "depends_on": depends_on, "writes_processed": writes_processed}
    metadata = {"kernelspec": {"name": "antt", "display_name": "antt (project)", "language": "python"}, "antt": antt}
    return nbformat.v4.new_notebook(cells=cells, metadata=metadata)


def write_toy_project(root: Path) -> Path:
    """The project's data, docs and code with the toy notebooks and their params.yaml (no reports)."""
    _copy_project(root, folders=("data", "docs"), files=("pyproject.toml", "README.md"))
    (root / "notebooks").mkdir()
    for name, spec in TOY_NOTEBOOKS.items():
        nbformat.write(_toy_notebook(*spec), root / "notebooks" / f"{name}.ipynb")
    (root / "params.yaml").write_text(TOY_PARAMS, encoding="utf-8")
    return root


def _build_toy_project(root: Path) -> tuple[int, str]:
    result = run_antt(write_toy_project(root), "run")
    return result.returncode, result.stderr


@pytest.fixture(scope="session")
def toy_built(tmp_path_factory) -> Path:
    """A toy project after ``antt run``. Read-only: tests copy it with ``toy_project``."""
    return _build_once(tmp_path_factory, "toy", _build_toy_project)


@pytest.fixture
def toy_project(toy_built, tmp_path) -> Path:
    """A writable copy of the built toy project."""
    return copy_tree(toy_built, tmp_path / "project")


def register_series_source(directory: Path, source_id: str, series_file: str) -> Path:
    """Write ``directory/sources.csv`` registering ``source_id`` for a test series (the columns of
    data/raw/sources.csv; placeholder citation): the way a researcher registers records kept outside
    the repository (docs/own_series.md)."""
    import csv
    import hashlib

    header = (ROOT / "data" / "raw" / "sources.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    digest = (
        hashlib.sha256((directory / series_file).read_bytes()).hexdigest()
        if (directory / series_file).exists()
        else "0" * 64
    )
    row = {
        "source_id": source_id,
        "title": "Test series (placeholder)",
        "publisher": "Test",
        "author": "",
        "place": "Ngọc Lũ",
        "province": "Hà Nam",
        "language": "vi",
        "publication_date": "unknown",
        "publication_date_note": "",
        "access_date": "2026-11-29",
        "url": "",
        "text_file": series_file,
        "sha256": digest,
        "licence": "Test data",
        "citation": f"Test series {source_id} (placeholder).",
    }
    path = directory / "sources.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
    return path


@pytest.fixture(scope="module")
def example():
    """The SIMULATED example panel analysed as notebook 05's demonstration report does: (inputs, analysis)."""
    from antt.analyses import comparison

    inputs = comparison.load(
        comparison.EXAMPLE / "panel.csv", "new_drug_addicts", truth_path=comparison.EXAMPLE / "truth.csv"
    )
    unit, chosen = comparison.treated_unit(inputs, "Mô Phỏng 01", [])
    checks, pool = comparison.check(inputs, chosen, [], 0.05)
    return inputs, comparison.analyse(inputs, checks, unit, chosen, pool, 0.05, 20261205)
