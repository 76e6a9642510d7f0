"""Kernels that start every time: liveness from the process, IPC transport, fixed thread counts,
bounded retries, forked from a warm process.

Why liveness from the process: a client that is not attached to its kernel manager decides
whether the kernel is alive from heartbeats, and a kernel still importing on a loaded machine
misses them: it was reported as "Kernel died before replying to kernel_info" although it was
starting normally (reproduced with 8 parallel starts on 2 busy cores: every start failed). Our
clients have the manager as parent, so they ask the process.

Why IPC: with TCP, jupyter_client picks free ports by binding and releasing them, and the kernel
binds them again later; under load another process can take a port in between, and the kernel
dies before replying to ``kernel_info``. IPC sockets live in a private temporary folder per kernel,
so there is nothing to race for (and ipykernel's "running over TCP without encryption" warning,
printed once per kernel, goes away).

Why fixed thread counts: the numerical libraries size their thread pools from the machine's load
and core count; one thread per library makes a kernel's arithmetic independent of what else the
machine is doing. Only thread counts are set: ``OPENBLAS_CORETYPE`` and the like are left as the
environment has them (some machines set them on purpose).

Each notebook still gets a fresh kernel of its own, forked from a process that imported the scientific
stack once (``antt.pipeline.forking``; launched the usual way when that process is not running), and
started while the previous notebook runs (``antt.pipeline.worker``). The modules its notebook will
import are imported into it before the notebook runs (a no-op for what a forked kernel already has).
Which modules: what the run's notebooks import at module level, directly or through ``antt`` (``inputs.preload_modules``
reads the code), never ``antt`` itself, whose paths depend on the environment each job sets. The
warm-up runs with ``silent=True``, leaves no names behind, so a notebook sees a clean namespace, and
ignores a module that fails to import: the notebook reports that failure when it runs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from jupyter_client import KernelManager
from jupyter_client.blocking import BlockingKernelClient

from antt.pipeline import forking

THREAD_SETTINGS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}
START_TRIES = 3
#: Imported by the forkserver besides the notebooks' own modules: the kernel itself, and what the libraries
#: import only when first used, which every job would otherwise pay again (pandera's first validation imports
#: its checks and, through them, hypothesis: about 0.08 s; matplotlib's SVG backend; Babel's dates).
FORK_PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "matplotlib_inline.backend_inline",
    "pandera.backends.pandas.builtin_checks",
    "matplotlib.backends.backend_svg",
    "babel.dates",
)


class KernelStartError(RuntimeError):
    """A kernel did not start within ``START_TRIES`` tries; the message says why, in one line."""


def kernel_environment() -> dict[str, str]:
    """The runner's environment with fixed thread counts (everything else inherited unchanged)."""
    return {**os.environ, **THREAD_SETTINGS}


def _blocking_client(km: KernelManager) -> BlockingKernelClient:
    # With the manager as parent, "is the kernel alive?" asks the process, not the heartbeat: a
    # kernel busy importing under load misses heartbeats and was taken for dead ("Kernel died
    # before replying to kernel_info") although it was starting normally.
    kc = BlockingKernelClient(parent=km)
    kc.load_connection_info(km.get_connection_info())
    return kc


def preload_code(modules: tuple[str, ...]) -> str:
    """Code that imports ``modules`` in a kernel and leaves no names behind. A name whose parent module
    already has it as a non-module attribute (``pathlib.Path``) is skipped; a module that fails to import
    is ignored (the notebook reports the failure when it imports it)."""
    return (
        "def _antt_preload(names):\n"
        "    import importlib, sys, types\n"
        "    for name in sorted(names):\n"
        "        parent, _, last = name.rpartition('.')\n"
        "        if parent in sys.modules and not isinstance(getattr(sys.modules[parent], last, None), "
        "(types.ModuleType, type(None))):\n"
        "            continue\n"
        "        try:\n"
        "            importlib.import_module(name)\n"
        "        except Exception:\n"
        "            pass\n"
        f"_antt_preload({list(modules)!r})\n"
        "del _antt_preload\n"
    )


def _start_once(kernel_name: str, cwd: Path, timeout: float, preload: tuple[str, ...]) -> KernelManager:
    # A short private folder: IPC socket paths are limited to about 100 bytes.
    sockets = Path(tempfile.mkdtemp(prefix="antt-k-"))
    # nbclient must get an asynchronous client: with a blocking one its wait for output blocks the
    # event loop, so a kernel that dies (Ctrl-C, shutdown) is never noticed and the run hangs.
    km = KernelManager(
        kernel_name=kernel_name,
        transport="ipc",
        ip=str(sockets / "k"),
        connection_file=str(sockets / "kernel.json"),
        client_class="jupyter_client.asynchronous.AsyncKernelClient",
    )
    km.antt_socket_dir = sockets  # removed by shutdown()
    if forking.started() and forking.fork_arguments(km.kernel_spec.argv) is not None:
        km.provisioner = forking.ForkedProvisioner(kernel_id=sockets.name, kernel_spec=km.kernel_spec, parent=km)
    log = open(sockets / "kernel.log", "wb")  # noqa: SIM115 — the kernel writes it while it lives
    km.antt_log = log
    try:
        # History off: a kernel per job has no use for it, and its SQLite file in ~/.ipython is
        # shared state that fails on a full disk or a size limit. The kernel's own messages go to a
        # log (its last line is quoted if the kernel dies), not to the run's console.
        km.start_kernel(
            cwd=str(cwd),
            env=kernel_environment(),
            stdout=log,
            stderr=log,
            extra_arguments=["--HistoryManager.enabled=False"],
        )
        kc = _blocking_client(km)
        try:
            kc.start_channels()
            kc.wait_for_ready(timeout=timeout)
            if not preload:
                return km
            reply = kc.execute_interactive(preload_code(preload), silent=True, store_history=False, timeout=timeout)
            if reply["content"].get("status") != "ok":
                raise RuntimeError(f"warm-up failed: {reply['content'].get('ename')}: {reply['content'].get('evalue')}")
        finally:
            kc.stop_channels()
    except BaseException as exc:
        lines = (sockets / "kernel.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()
        exc.antt_log_line = lines[-1] if lines else ""
        shutdown(km)
        raise
    return km


def start_kernel(
    kernel_name: str,
    cwd: Path,
    timeout: float = 120,
    tries: int = START_TRIES,
    preload: tuple[str, ...] = (),
    failures: list[str] | None = None,
) -> KernelManager:
    """A started kernel with the modules ``preload`` imported; a kernel that dies or hangs while
    starting is replaced, up to ``tries`` times. Each failed try's reason is appended to ``failures``
    when given (the kernel-start benchmark counts them)."""
    reasons = [] if failures is None else failures
    for _ in range(tries):
        try:
            return _start_once(kernel_name, cwd, timeout, preload)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            reasons.append(" ".join(f"{type(exc).__name__}: {exc}{_last_log_line(exc)}".split()))
    raise KernelStartError(f"kernel {kernel_name!r} did not start after {tries} tries: {reasons[-1]}")


def _last_log_line(exc: BaseException) -> str:
    line = getattr(exc, "antt_log_line", "")
    return f" (kernel said: {line[:200]})" if line else ""


def shutdown(km: KernelManager) -> None:
    """Stop the kernel (if it runs) and remove its socket folder."""
    try:
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    except Exception:
        pass
    finally:
        if getattr(km, "antt_log", None):
            km.antt_log.close()
        sockets = getattr(km, "antt_socket_dir", None)
        if sockets:
            shutil.rmtree(sockets, ignore_errors=True)


# A set-up request waits in the kernel's queue behind the warm-up import of the scientific stack, which takes
# 3 s on an idle machine and has taken over 30 s with every core busy (make stress): allow for that.
SETUP_TIMEOUT = 300.0


def run_code(
    km: KernelManager, code: str, user_expressions: dict[str, str] | None = None, timeout: float = SETUP_TIMEOUT
) -> dict:
    """Run ``code`` silently in a started kernel (no history, no output); returns the reply's content.
    Raises RuntimeError when the code fails, TimeoutError after ``timeout`` seconds without a reply."""
    kc = _blocking_client(km)
    try:
        kc.start_channels()
        reply = kc.execute_interactive(
            code, silent=True, store_history=False, timeout=timeout, user_expressions=user_expressions or {}
        )
    finally:
        kc.stop_channels()
    content = reply["content"]
    if content.get("status") != "ok":
        raise RuntimeError(f"kernel set-up failed: {content.get('ename')}: {content.get('evalue')}")
    return content


def set_environment(km: KernelManager, values: dict[str, str], timeout: float = SETUP_TIMEOUT) -> None:
    """Set environment variables inside a running kernel (no names left in its namespace)."""
    run_code(km, f"__import__('os').environ.update({values!r})", timeout=timeout)
