"""The warm process that kernels are forked from (see ``antt.pipeline.forking``).

Run as a script (``python zygote.py MODULE…``), never imported: standard library only, and it must not
import ``antt``, so that no project module is in a kernel before its notebook imports it. It imports the
modules named on its command line (one that fails is skipped: the notebook reports it when it imports it),
prints ``ready``, then reads one JSON request per line on its standard input (``arguments``, ``environment``,
``cwd``, ``log``) and answers each with the process id of a new child that becomes an ipykernel with those
arguments. Children are reaped by the system (``SIGCHLD`` ignored here, restored in each child). It exits
when its standard input closes (the runner or the Dask worker that started it ended).
"""

import contextlib
import importlib
import json
import os
import signal
import sys


def become_kernel(request: dict) -> None:
    """In the forked child: a session of its own (as a launched kernel has), output to the kernel's log,
    the job's environment and folder, then ipykernel's own entry point. Never returns."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the notebook's own subprocesses must be waitable
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.environ.clear()
        os.environ.update(request["environment"])
        os.chdir(request["cwd"])
        # The kernel ends when the zygote does (ipykernel's parent poller): a worker or runner that dies takes
        # its kernels with it. (JPY_PARENT_PID would not do: ipykernel reads it when imported, in the zygote.)
        arguments = [*request["arguments"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.argv = ["ipykernel_launcher", *arguments]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=arguments)
        code = 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def main(modules: list[str]) -> None:
    for name in modules:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    requests, answers = sys.stdin, sys.stdout
    answers.write("ready\n")
    answers.flush()
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            become_kernel(request)  # its dup2 calls replace the pipes' descriptors 0 and 1
        answers.write(f"{pid}\n")
        answers.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
