"""PDFs of the report pages, printed by headless Chromium (the browser the tests use), and the build date.

- **The browser.** ``ANTT_BROWSER`` names it; else ``chromium`` on the PATH (Debian's package: ``make browser``).
  Without one, no PDF is printed and the pages do not link any (``available``): a warning says so.
  ``ANTT_BROWSER=none`` turns printing off without a warning.
- **Same inputs, same bytes.** Chromium's PDF is deterministic for one version of it, but for the two
  timestamps of its information dictionary (``/CreationDate``, ``/ModDate``). They are blanked with spaces of the
  same length, so the file's cross-reference offsets stay valid and the PDF carries no clock. The printed
  content depends on the browser's version (fonts, layout engine): PDFs are reproducible on one version.
- **Build date.** ``SOURCE_DATE_EPOCH`` (reproducible-builds.org) when set, else the clock; as a UTC date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import queue
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

# Every headless Chromium of the project (the printer here, the browser tests): no sandbox (root in containers),
# no GPU, and no background network traffic (which a closed network refuses, noisily).
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
TIMEOUT_MS = 120_000
CLEAN_LOCALE = {"TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}  # the printer's: no local clock or locale
_TIMESTAMP = re.compile(rb"/(?:CreationDate|ModDate) \(D:[^)]*\)")
_LOCAL_HREF = re.compile(r'(<a\b[^>]*?)\s+href="(?!https?://)[^"]*"')


def switched_off() -> bool:
    """``ANTT_BROWSER=none``: print no PDF, on purpose (the tests of the runner do not need them)."""
    return os.environ.get("ANTT_BROWSER", "").strip().lower() == "none"


def browser() -> str | None:
    """The Chromium executable: ``ANTT_BROWSER``, else ``chromium`` on the PATH; None when there is none or
    printing is ``switched_off``."""
    named = os.environ.get("ANTT_BROWSER", "").strip()
    if switched_off():
        return None
    if named:
        return named if Path(named).is_file() else None
    return shutil.which("chromium")


def available() -> bool:
    return browser() is not None


def build_date() -> str:
    """Today's date in UTC (``YYYY-MM-DD``), or that of ``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch.isdigit() else dt.datetime.now(dt.UTC)
    return moment.date().isoformat()


def without_timestamps(pdf: bytes) -> bytes:
    """``pdf`` with its creation and modification dates blanked (same length: offsets stay valid)."""
    return _TIMESTAMP.sub(lambda m: b" " * len(m.group(0)), pdf)


def printable(html: str) -> str:
    """The page without its links to files: in a PDF they would point at wherever the page was printed
    (Chromium writes them as absolute ``file://`` addresses); web addresses stay."""
    return _LOCAL_HREF.sub(r"\1", html)


def launch(playwright, executable: str, env: dict[str, str] | None = None):
    """A headless Chromium (``executable``) started by Playwright with ``FLAGS`` (``env``: its environment)."""
    return playwright.chromium.launch(executable_path=executable, args=list(FLAGS), timeout=TIMEOUT_MS, env=env)


class Printer:
    """One browser for a whole run, started on first use on a thread of its own (Playwright's synchronous API
    belongs to the thread that started it); ``print_pdf`` may be called from any thread. Use as a context
    manager (``printer()``).

    Every page is printed in the same tab, navigated from one page to the next: a new tab per page cost about
    2.5 times the CPU (a renderer set up each time; ``make bench`` measures the sweep) and printed the same
    bytes. A page that fails to print closes the tab, and the next page gets a new one."""

    def __init__(self, executable: str):
        self.executable = executable
        self._requests: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._failure = ""  # why the browser failed (then every request fails at once)

    def print_pdf(self, page: Path, target: Path) -> None:
        """Print the HTML file ``page`` (``printable``) to ``target``, A4 and margins from the page's print
        stylesheet. Raises RuntimeError (one line) when the browser fails."""
        done: Future = Future()
        with self._lock:  # a request is queued only while the browser is starting or serving
            if self._failure:
                raise RuntimeError(f"printing {page.name} to PDF failed: {self._failure}")
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="antt-printer", daemon=True)
                self._thread.start()
            self._requests.put((page, target, done))
        done.result()

    def close(self) -> None:
        if self._thread is not None:
            self._requests.put(None)
            self._thread.join()

    def _serve(self) -> None:
        from playwright.sync_api import sync_playwright

        pending = None
        try:
            with sync_playwright() as playwright:
                browser = launch(playwright, self.executable, env={**os.environ, **CLEAN_LOCALE})
                tab = None
                try:
                    while (pending := self._requests.get()) is not None:
                        tab = tab if tab is not None and not tab.is_closed() else browser.new_page()
                        if not self._print(tab, *pending):
                            tab.close()  # a page that failed may leave the tab in any state: the next gets a new one
                            tab = None
                        pending = None
                finally:
                    browser.close()
        except Exception as exc:  # the browser would not start or died: fail this request and every later one
            with self._lock:
                self._failure = " ".join(str(exc).split())[:300] or type(exc).__name__
                failed = [pending] if pending else []
                while not self._requests.empty():
                    failed.append(self._requests.get())
            for item in filter(None, failed):
                item[2].set_exception(RuntimeError(f"printing {item[0].name} to PDF failed: {self._failure}"))

    @staticmethod
    def _print(tab, page: Path, target: Path, done: Future) -> bool:
        """Print ``page`` in ``tab``; False when this page failed (``done`` carries why)."""
        with tempfile.TemporaryDirectory(prefix="antt-print-") as folder:
            source = Path(folder) / "page.html"
            source.write_text(printable(page.read_text(encoding="utf-8")), encoding="utf-8")
            try:
                tab.goto(source.as_uri(), wait_until="load", timeout=TIMEOUT_MS)
                pdf = tab.pdf(prefer_css_page_size=True, print_background=True)
            except Exception as exc:  # this page failed; the browser carries on
                done.set_exception(RuntimeError(f"printing {page.name} to PDF failed: {' '.join(str(exc).split())}"))
                return False
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(without_timestamps(pdf))
        done.set_result(None)
        return True


@contextlib.contextmanager
def printer() -> Iterator[Printer | None]:
    """The run's printer, or None when there is no browser (or printing is ``switched_off``)."""
    executable = browser()
    if executable is None:
        yield None
        return
    shared = Printer(executable)
    try:
        yield shared
    finally:
        shared.close()
