"""Results computed once and shared by every job that asks for them: a content-addressed cache on disk.

A sweep of a hundred commune reports asks a hundred times for results that depend only on the study design
(the simulated power of a model for given years and interventions), not on the commune. ``shared`` computes
such a result once and keeps it under ``reports/.cache/shared/`` (git-ignored; ``make clean`` removes it),
named by the SHA-256 of what it depends on: a name, the arguments, the source files of the code that
computes it and the versions of the numerical libraries. Jobs running at the same time wait for the one
that computes (a lock per result), so it is computed once per machine.

Only pure functions of their arguments belong here (seeded simulations included). The runner does not
count these files as a job's inputs (``antt.pipeline.inputs``): they are a cache, not data. Set
``ANTT_SHARED_CACHE`` to another folder, or to ``none`` to compute everything every time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from antt import paths

T = TypeVar("T")
LIBRARIES = ("numpy", "scipy", "pandas", "statsmodels")
DEFAULT = paths.ROOT / "reports" / ".cache" / "shared"


def folder() -> Path | None:
    """Where shared results are kept, or None when switched off (``ANTT_SHARED_CACHE=none``)."""
    setting = os.environ.get("ANTT_SHARED_CACHE", "").strip()
    if setting.lower() == "none":
        return None
    return Path(setting) if setting else DEFAULT


def key(name: str, arguments: dict, code: tuple[Path, ...], libraries: tuple[str, ...] = LIBRARIES) -> str:
    """SHA-256 of the name, the arguments (as sorted JSON), the code's source files and the versions of
    ``libraries``."""
    digest = hashlib.sha256(name.encode() + b"\0")
    digest.update(json.dumps(arguments, sort_keys=True, ensure_ascii=False, default=repr).encode() + b"\0")
    for file in sorted(code):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    for library in libraries:
        digest.update(f"{library}={metadata.version(library)}\0".encode())
    return digest.hexdigest()


def shared(
    name: str,
    arguments: dict,
    code: tuple[Path, ...],
    compute: Callable[[], T],
    libraries: tuple[str, ...] = LIBRARIES,
) -> T:
    """``compute()``, or the result it gave before for the same name, arguments, code and versions of
    ``libraries`` (see the module)."""
    where = folder()
    if where is None:
        return compute()
    where.mkdir(parents=True, exist_ok=True)
    target = where / f"{key(name, arguments, code, libraries)}.pickle"
    with open(target.with_suffix(".lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a job computing this result holds it; the others wait, then read
        with contextlib.suppress(FileNotFoundError, EOFError, pickle.UnpicklingError), open(target, "rb") as handle:
            return pickle.load(handle)
        result = compute()
        fd, temporary = tempfile.mkstemp(dir=where, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, target)
        return result
