"""What a run prints: a line when each job starts and ends (with its time), a heartbeat for jobs
that run longer than a few seconds, and a summary. Lines go to standard error, one event per line,
so they read the same in a terminal, a CI log or a file."""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field

# A "still running" line this often for each running job (ANTT_HEARTBEAT_SECONDS changes it).
HEARTBEAT_SECONDS = float(os.environ.get("ANTT_HEARTBEAT_SECONDS") or 10)


@dataclass
class Progress:
    stream: object = field(default_factory=lambda: sys.stderr)
    heartbeat: float = HEARTBEAT_SECONDS
    started: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: {"done": 0, "cached": 0, "failed": 0, "skipped": 0})
    t0: float = field(default_factory=time.monotonic)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def line(self, text: str) -> None:
        with self._lock:
            print(text, file=self.stream, flush=True)

    def event(self, status: str, name: str, seconds: float | None = None, why: str = "") -> None:
        took = f" ({seconds:.1f} s)" if seconds is not None else ""
        self.line(f"[{status:>7}] {name}{took}{f': {why}' if why else ''}")

    def plan(self, to_check: int, destination: str) -> None:
        self.t0 = time.monotonic()
        self.line(f"antt run: {to_check} job(s) → {destination}")

    def start(self, name: str) -> None:
        with self._lock:
            self.started[name] = time.monotonic()
            if self._ticker is None:
                self._ticker = threading.Thread(target=self._tick, daemon=True)
                self._ticker.start()
        self.event("start", name)

    def finish(self, status: str, name: str, why: str = "") -> None:
        with self._lock:
            began = self.started.pop(name, None)
            self.counts[status] = self.counts.get(status, 0) + 1
        self.event(status, name, None if began is None else time.monotonic() - began, why)

    def _tick(self) -> None:
        while not self._stop.wait(self.heartbeat):
            now = time.monotonic()
            with self._lock:
                running = sorted(self.started.items(), key=lambda kv: kv[1])
            for name, began in running:
                if now - began >= self.heartbeat:
                    self.event("running", name, now - began)

    def summary(self, destination: str) -> None:
        self._stop.set()
        c = self.counts
        self.line(
            f"antt run: {c['done']} ran, {c['cached']} cached, {c['failed']} failed, {c['skipped']} not run "
            f"in {time.monotonic() - self.t0:.1f} s; reports: {destination}"
        )
