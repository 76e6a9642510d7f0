"""Simulation draws over a pool of processes, shared by the simulation studies (``validation``,
``comparison_validation``). Nothing here knows about files, notebooks or the rest of the project."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def default_workers() -> int:
    """Worker processes by default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def map_in_processes(func: Callable[..., Any], arguments: Sequence[tuple], workers: int) -> list[Any]:
    """``[func(*args) for args in arguments]``, computed over at most ``workers`` spawned processes, in order.

    "spawn": the caller may be a Jupyter kernel, whose threads make fork unsafe; each process imports the stack
    once (about 2 s). An interrupt cancels the calls not yet started. Each process ends once this one has ended
    (``_exit_with``). A process that dies raises ``concurrent.futures.process.BrokenProcessPool``."""
    pool = ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(arguments))),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_exit_with,
        initargs=(os.getpid(),),
    )
    try:
        futures = [pool.submit(func, *args) for args in arguments]
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _exit_with(parent: int) -> None:
    """Run in each pool process as it starts: end it once ``parent`` (the process that made the pool) has ended.
    A kernel killed mid-study (a Ctrl-C, a dead worker) would otherwise leave its processes waiting for more work
    forever. Checks once a second (an orphan is adopted by another process, so its parent id changes)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
