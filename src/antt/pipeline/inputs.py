"""What a job depends on, and the cache key that says whether it must run again.

A job's result is a function of: the notebook, its parameters, the files it reads, the code it
imports, the renderer that turns it into a page, and the installed libraries (``requirements.lock``).
Rather than trusting hand-written declarations, the runner *records* what each job reads: an audit
hook installed in the job's kernel (``sys.addaudithook``, events ``open``, ``os.listdir`` and
``os.scandir``) notes every file opened for reading and every folder listed under the project
root, and after the job the kernel reports them with the ``antt`` modules it imported. The
manifest keeps that list; the next run hashes those files again, so a job reruns exactly when
something it read last time changed (like a compiler's depfile). Files are recorded by *logical*
name, so the same content gives the same key wherever it lives:

- ``data/processed/…`` whatever folder the job read the processed data from (a staging folder of
  this run, an exploratory run's copy, or the committed one);
- ``antt/…`` a file of the imported package (wherever it is installed);
- any other path relative to the project root (``data/raw/figures.csv``, ``docs/caveats.md``).

Parameters whose names end in ``_path`` or ``_dir`` and point outside the project root are hashed
explicitly (whole file or folder): reads there are not recorded (a series file in the user's home).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from antt import paths
from antt.pipeline import syntax

PACKAGE = Path(__file__).resolve().parents[1]  # src/antt: the whole package, not this sub-package
ALWAYS = ("requirements.lock",)
# Read by the renderer in the runner process (page header and caveats), for every job.
RENDER_FILES = ("data/raw/sources.csv", "data/codebook/labels.csv", "docs/caveats.md", "docs/caveats.vi.md")
# Words, not data: the catalogue changes a page's words (and its cache key) but not its data version.
CATALOGUE = "data/codebook/labels.csv"
RENDER_MODULES = ("reporting.html", "pipeline.execute")
PROCESSED_PREFIX = "data/processed/"
LISTING = "listing:"

# Runs inside the kernel before the notebook: records reads under the project root. Names are
# kept on the sys module so the notebook's namespace stays clean.
HOOK_CODE = """
def _antt_install(roots, skip):
    import os, sys
    sys._antt_reads = reads = set()
    def hook(event, args):
        try:
            if event == "open":
                path, mode, flags = args
                if not isinstance(path, (str, bytes, os.PathLike)):
                    return
                if mode is not None and any(c in str(mode) for c in "wax+"):
                    return
                if mode is None and isinstance(flags, int) and flags & os.O_ACCMODE != os.O_RDONLY:
                    return
                kind = ""
            elif event in ("os.listdir", "os.scandir"):
                path = args[0] if args and args[0] is not None else "."
                if not isinstance(path, (str, bytes, os.PathLike)):
                    return
                kind = "listing:"
            else:
                return
            full = os.path.abspath(os.fsdecode(path))
            if any(full.startswith(r) for r in roots) and not any(full.startswith(s) for s in skip):
                reads.add(kind + full)
        except Exception:
            pass
    sys.addaudithook(hook)
_antt_install(%r, %r)
del _antt_install
"""

REPORT_CODE = (
    "__import__('json').dumps([sorted(__import__('sys')._antt_reads), sorted("
    "getattr(m, '__file__', None) or '' for n, m in list(__import__('sys').modules.items()) "
    "if n == 'antt' or n.startswith('antt.'))])"
)


def hook_code(processed_dir: Path, skip: list[Path]) -> str:
    """Code that installs the read-recording hook in a kernel: reads under the project root, the
    package and ``processed_dir`` are recorded; ``skip``: folders whose reads are the job's own outputs."""
    roots = [str(Path(r).resolve()) + "/" for r in (paths.ROOT, PACKAGE, processed_dir)]
    # Not inputs: the environment, the repository, and results shared between jobs (antt.memo: a cache).
    ignored = (".venv", ".git", "reports/.cache")
    skipped = [str(Path(s).resolve()) + "/" for s in skip] + [str(paths.ROOT / d) + "/" for d in ignored]
    return HOOK_CODE % (roots, skipped)


def logical_names(reads: list[str], modules: list[str], processed_dirs: list[Path]) -> list[str]:
    """Absolute paths read in the kernel → sorted logical names (see the module docstring)."""
    names = set()
    for item in list(reads) + [m for m in modules if m]:
        kind = LISTING if item.startswith(LISTING) else ""
        path = Path(item.removeprefix(LISTING)).resolve()
        # The import system lists the package's and the working folder's contents: imported
        # modules are recorded by name instead, and a new notebook beside this one is not an input.
        if kind and (path.is_relative_to(PACKAGE) or path.is_relative_to(paths.NOTEBOOKS.resolve())):
            continue
        name = _logical(path, processed_dirs)
        if name is not None and "__pycache__" not in name:
            names.add(kind + name)
    return sorted(names)


def _logical(path: Path, processed_dirs: list[Path]) -> str | None:
    if path.is_relative_to(PACKAGE):
        return "antt/" + path.relative_to(PACKAGE).as_posix()
    for folder in processed_dirs:
        if path.is_relative_to(folder.resolve()):
            return PROCESSED_PREFIX + path.relative_to(folder.resolve()).as_posix()
    if path.is_relative_to(paths.ROOT):
        return path.relative_to(paths.ROOT).as_posix()
    return None


def resolve(name: str, processed_dir: Path) -> Path:
    """A logical name → the file it means now."""
    if name.startswith("antt/"):
        return PACKAGE / name.removeprefix("antt/")
    if name.startswith(PROCESSED_PREFIX):
        return processed_dir / name.removeprefix(PROCESSED_PREFIX)
    return paths.ROOT / name


@functools.cache
def render_inputs() -> tuple[str, ...]:
    """Logical names of what the renderer reads: its data files and the closure of its ``antt`` imports."""
    modules = import_closure([f"antt.{m}" for m in RENDER_MODULES])
    return tuple(sorted(set(RENDER_FILES) | {"antt/" + m for m in modules} | {"antt/reporting/templates/report.css"}))


def import_closure(modules: list[str]) -> set[str]:
    """Files (relative to the package) of ``modules`` and every ``antt`` module they import, at any depth."""
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        module = todo.pop()
        file = _module_file(module)
        if file is None or file in seen:
            continue
        seen.add(file)
        todo += _antt_imports(syntax.parse((PACKAGE / file).read_text(encoding="utf-8")))
        parts = module.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # parent packages run first
    return seen


def preload_modules(notebooks: list[Path]) -> tuple[str, ...]:
    """Modules worth importing into a kernel before its notebook runs (read from the code, never
    imported): what the notebooks import, and what the ``antt`` modules they import, at any depth,
    import at module level; never ``antt`` itself, whose paths depend on the environment each job sets.
    An ``antt`` module imported inside a function counts (the analyses import their figures that way),
    a library imported inside a function does not (that import is lazy on purpose). ``from a import b``
    gives ``a`` and ``a.b``, as ``b`` may be a submodule (``kernels.preload_code`` tells them apart)."""
    found: set[str] = set()
    imported: list[str] = []
    for notebook in notebooks:
        for source in _code_cells(notebook):
            with contextlib.suppress(SyntaxError):  # the notebook will say so when it runs
                imported += _top_level_imports(syntax.parse(source), found)
    for file in import_closure(imported):
        _top_level_imports(syntax.parse((PACKAGE / file).read_text(encoding="utf-8")), found)
    return tuple(sorted(found))


def _code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]
    # IPython's magics and shell escapes are not Python: blank them out before parsing.
    return [
        "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
        for source, cell in zip(sources, cells, strict=True)
        if cell.get("cell_type") == "code"
    ]


def _top_level_imports(tree: ast.Module, others: set[str]) -> list[str]:
    """The ``antt`` modules that ``tree`` imports at module level; other modules are added to ``others``."""
    antt: list[str] = []
    statements = list(tree.body)
    while statements:
        node = statements.pop()
        if isinstance(node, ast.If | ast.Try | ast.With):  # `try: import x` and the like, not functions
            if not (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)):  # for type checkers
                statements += node.body
            statements += [*getattr(node, "orelse", []), *getattr(node, "finalbody", [])]
            statements += [s for handler in getattr(node, "handlers", []) for s in handler.body]
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names if a.name != "*")]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top == "antt":
                antt.append(name)
            elif top != "__future__":
                others.add(name)
    return antt


def _antt_imports(tree: ast.Module) -> list[str]:
    """Every ``antt`` module (or name in one) that ``tree`` imports, at module level or inside functions."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "antt"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "antt":
            found.append(node.module)
            found += [f"{node.module}.{a.name}" for a in node.names]
    return found


def _module_file(module: str) -> str | None:
    rel = Path(*module.split(".")[1:]) if module != "antt" else Path()
    for candidate in (rel.with_suffix(".py") if module != "antt" else None, rel / "__init__.py"):
        if candidate is not None and (PACKAGE / candidate).is_file():
            return candidate.as_posix()
    return None


def key(notebook: Path, params: dict[str, Any], recorded: list[str], processed_dir: Path) -> str:
    """SHA-256 of everything the job's result depends on (see the module docstring).

    ``recorded`` is what the job read last time (from the manifest); a file that no longer exists
    hashes differently from any content, so its removal reruns the job too.
    """
    digest = hashlib.sha256()
    digest.update(notebook.read_bytes())
    digest.update(json.dumps(params, sort_keys=True, ensure_ascii=False, default=str).encode())
    for name in sorted(set(recorded) | set(render_inputs()) | set(ALWAYS)):
        digest.update(name.encode() + b"\0" + _named_digest(name, processed_dir))
    for name, value in sorted(params.items()):
        if name.endswith(("_path", "_dir")) and value:
            path = (Path(str(value)) if Path(str(value)).is_absolute() else paths.ROOT / str(value)).resolve()
            if not path.is_relative_to(paths.ROOT):  # reads inside the project are recorded, file by file
                digest.update(f"{name}\0".encode() + _tree_digest(path))
    return digest.hexdigest()


def digests(recorded: list[str], processed_dir: Path) -> dict[str, str]:
    """Logical name → SHA-256 (hex) of what it means here and now: a worker's record of what it read, which the
    client compares with its own files (the workers must run the same checkout)."""
    return {name: _named_digest(name, processed_dir).hex() for name in recorded}


def _named_digest(name: str, processed_dir: Path) -> bytes:
    """The digest of what the logical ``name`` (a file, or a ``listing:`` of a folder) means now."""
    return _content_digest(resolve(name.removeprefix(LISTING), processed_dir), name.startswith(LISTING))


def _content_digest(path: Path, listing: bool) -> bytes:
    try:
        if listing:
            return hashlib.sha256("\n".join(sorted(p.name for p in path.iterdir())).encode()).digest()
        return hashlib.sha256(path.read_bytes()).digest()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return b"missing"


def _tree_digest(path: Path) -> bytes:
    """A file's content, or every file of a folder (relative name and content)."""
    if not path.is_dir():
        return _content_digest(path, False)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0" + _content_digest(file, False))
    return digest.digest()


def data_version(recorded: list[str], processed_dir: Path) -> str:
    """Short SHA-256 of the data files a job read (``data/…``, content only, the word catalogue excepted): which
    data a page was built from; "" when it read none (a page of simulated data only)."""
    data = sorted(n for n in recorded if n.startswith("data/") and n != CATALOGUE)
    if not data:
        return ""
    digest = hashlib.sha256()
    for name in data:
        digest.update(name.encode() + b"\0" + _content_digest(resolve(name, processed_dir), False))
    return digest.hexdigest()[:12]
