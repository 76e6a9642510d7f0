"""Kernels forked from a warm process: each job still gets a fresh kernel process of its own, but the
scientific stack is imported once per runner (or Dask worker), not once per job.

How: a *zygote* (``antt.pipeline.zygote``, run as a script) imports the notebooks' third-party modules
once and forks a child for each kernel. The child takes a session of its own (as a launched kernel has,
so the terminal's Ctrl-C does not reach it), writes to the kernel's log, takes the job's environment and
working folder, and runs ipykernel's own entry point with the arguments the kernelspec gives. It is then
an ordinary Jupyter kernel: jupyter_client talks to it through ``ForkedProvisioner`` (its local
provisioner, with the process forked instead of launched), papermill runs the notebook over the Jupyter
protocol as before, and the executed notebook is the same bytes.

No state leaks from one job to the next: each kernel is a new process, and what it inherits is the
zygote's state right after its imports, the same for every job. The zygote never imports ``antt`` (whose
paths depend on each job's environment), so a kernel holds no project module its notebook did not import;
``tests/test_forking.py`` checks globals, matplotlib's rcParams, the random state and the project's
modules across jobs. Python's ``random`` reseeds itself in a forked child; numpy's global generator does
not (it starts from the same state in every kernel): the notebooks seed their generators explicitly.

Only a kernelspec that runs this interpreter's ``ipykernel_launcher`` is forked (``fork_arguments``); any
other kernel is launched the usual way. The numerical libraries read their thread counts when imported, so
the zygote starts with the kernels' fixed thread counts in its environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

ZYGOTE = Path(__file__).with_name("zygote.py")
#: The value ipykernel sets when the variable is absent (``IPKernelApp.init_gui_pylab``). The zygote
#: imports matplotlib before any kernel exists, so the variable must be there first.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def fork_arguments(argv: list[str]) -> list[str] | None:
    """The arguments of ``ipykernel_launcher`` when the kernelspec's ``argv`` runs it on this interpreter
    (``python [-X…] -m ipykernel_launcher ARGS``), else None (that kernel is launched, not forked)."""
    if len(argv) < 3 or "-m" not in argv:
        return None
    at = argv.index("-m")
    if argv[at + 1 : at + 2] != ["ipykernel_launcher"] or not all(a.startswith("-X") for a in argv[1:at]):
        return None
    try:
        same = Path(argv[0]).samefile(sys.executable)
    except OSError:
        return None
    return argv[at + 2 :] if same else None


class Zygote:
    """One zygote process and the lock that keeps its requests and answers in step."""

    def __init__(self, modules: tuple[str, ...], environment: dict[str, str]):
        env = {**os.environ, **environment}
        env.setdefault("MPLBACKEND", INLINE_BACKEND)
        self.process = subprocess.Popen(
            [sys.executable, str(ZYGOTE), *modules],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            start_new_session=True,  # Ctrl-C in the terminal is the runner's to handle
        )
        self.lock = threading.Lock()
        self.ready = False

    def fork(self, arguments: list[str], environment: dict[str, str], cwd: str, log: str) -> int:
        """A new kernel process; returns its pid. Waits for the zygote's imports the first time."""
        request = {"arguments": arguments, "environment": environment, "cwd": cwd, "log": log}
        with self.lock:
            if not self.ready:
                if self.process.stdout.readline().strip() != "ready":
                    raise RuntimeError(f"the kernel zygote ended while importing (exit {self.process.wait()})")
                self.ready = True
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline().strip()
        if not answer.isdigit():
            raise RuntimeError(f"the kernel zygote ended (exit {self.process.wait()})")
        return int(answer)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()  # it exits when its input ends
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()


_zygote: Zygote | None = None
_zygote_lock = threading.Lock()


def start(modules: tuple[str, ...], environment: dict[str, str]) -> None:
    """Start this process's zygote (once), importing ``modules`` with ``environment``'s variables set. It
    imports in the background; later calls change nothing (the first set of modules stays)."""
    global _zygote
    with _zygote_lock:
        if _zygote is None or _zygote.process.poll() is not None:
            _zygote = Zygote(modules, environment)


def started() -> bool:
    """Whether kernels are forked (this process's zygote was started and runs)."""
    return _zygote is not None and _zygote.process.poll() is None


def stop() -> None:
    """End the zygote (kernels already forked live on until they are shut down)."""
    global _zygote
    with _zygote_lock:
        if _zygote is not None:
            _zygote.close()
            _zygote = None


class ForkedProcess:
    """The part of ``subprocess.Popen`` that jupyter_client's ``LocalProvisioner`` uses, for a forked kernel.

    The zygote, not this process, is the kernel's parent and reaps it, so the exit status is unknown: a
    kernel that has ended polls as 0, one that was killed from here as minus the signal."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            self.returncode = 0 if self.returncode is None else self.returncode

    def terminate(self) -> None:
        self.send_signal(15)

    def kill(self) -> None:
        self.send_signal(9)


class ForkedProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with the kernel forked from the zygote instead of launched."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        arguments = fork_arguments(cmd)
        zygote = _zygote
        if arguments is None or zygote is None:
            return await super().launch_kernel(cmd, **kwargs)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        environment = dict(kwargs.get("env") or os.environ)
        environment.setdefault("MPLBACKEND", INLINE_BACKEND)
        log = getattr(kwargs.get("stdout"), "name", os.devnull)
        self.process = ForkedProcess(zygote.fork(arguments, environment, cwd, log))
        self.pid = self.process.pid
        # The child makes its own session (setsid) once it runs; until then its group is the zygote's, so
        # signals go to the kernel's process only.
        self.pgid = None
        self.cwd = cwd
        return self.connection_info
