"""Warm kernels: each notebook still gets a fresh kernel of its own, but the kernel is started,
and the scientific stack imported into it, while the previous notebook runs.

The warm-up imports third-party modules only (never ``antt``, whose paths depend on the
environment each job sets), with ``silent=True`` and no names left behind, so a notebook sees a
clean namespace. Only ``jupyter_client`` is imported here, so kernels start warming up before the
runner imports papermill and nbconvert. ``antt.execute`` runs a notebook on a given kernel.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from jupyter_client import KernelManager
from jupyter_client.blocking import BlockingKernelClient

WARM_MODULES = ("numpy", "pandas", "scipy.stats", "statsmodels.api", "matplotlib.pyplot", "seaborn",
                "pandera.pandas", "IPython.display", "nbformat")
WARM_CODE = "[__import__('importlib').import_module(m) for m in %r]" % (WARM_MODULES,)


def _blocking_client(km: KernelManager) -> BlockingKernelClient:
    kc = BlockingKernelClient()
    kc.load_connection_info(km.get_connection_info())
    return kc


def start_kernel(kernel_name: str, cwd: Path, timeout: float = 120) -> KernelManager:
    # nbclient must get an asynchronous client: with a blocking one its wait for output blocks the
    # event loop, so a kernel that dies (Ctrl-C, shutdown) is never noticed and the run hangs.
    km = KernelManager(kernel_name=kernel_name, client_class="jupyter_client.asynchronous.AsyncKernelClient")
    km.start_kernel(cwd=str(cwd))
    kc = _blocking_client(km)
    try:
        kc.start_channels()
        kc.wait_for_ready(timeout=timeout)
        kc.execute_interactive(WARM_CODE, silent=True, store_history=False, timeout=timeout)
    except BaseException:
        km.shutdown_kernel(now=True)
        raise
    finally:
        kc.stop_channels()
    return km


def set_environment(km: KernelManager, values: dict[str, str], timeout: float = 30) -> None:
    """Set environment variables inside a running kernel (no names left in its namespace)."""
    kc = _blocking_client(km)
    try:
        kc.start_channels()
        kc.execute_interactive(f"__import__('os').environ.update({values!r})", silent=True, store_history=False, timeout=timeout)
    finally:
        kc.stop_channels()


class KernelPool:
    """Up to ``size`` kernels started ahead of need; ``acquire`` hands one out (each kernel once)."""

    def __init__(self, kernel_name: str, cwd: Path, size: int, needed: int):
        """Start ``size`` kernels now (the first wave's width: on two cores, warming kernels that
        cannot run yet only slows the ones that can); one more each time a kernel is handed out."""
        self.kernel_name, self.cwd = kernel_name, cwd
        self.ready: queue.Queue = queue.Queue()
        self.to_start = needed
        self.lock = threading.Lock()
        self.live: set[KernelManager] = set()
        self.threads: list[threading.Thread] = []
        for _ in range(min(size, needed)):
            self._start_one()

    def _start_one(self) -> None:
        with self.lock:
            if self.to_start <= 0:
                return
            self.to_start -= 1

        def work():
            try:
                km = start_kernel(self.kernel_name, self.cwd)
                with self.lock:
                    self.live.add(km)
                self.ready.put(km)
            except BaseException as exc:  # handed to the job that waits for this kernel
                self.ready.put(exc)

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        self.threads.append(thread)

    def acquire(self) -> KernelManager:
        item = self.ready.get()
        if isinstance(item, BaseException):
            raise item
        self._start_one()  # the next one warms up while this one works
        return item

    def release(self, km: KernelManager) -> None:
        with self.lock:
            self.live.discard(km)
        km.shutdown_kernel(now=True)

    def close(self) -> None:
        """Shut down every kernel this pool started, including those still warming up."""
        with self.lock:
            self.to_start = 0
        for thread in self.threads:
            thread.join(timeout=150)
        with self.lock:
            live, self.live = list(self.live), set()
        for km in live:
            try:
                km.shutdown_kernel(now=True)
            except Exception:  # already gone
                pass
