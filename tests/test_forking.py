"""Kernels forked from the zygote: real Jupyter kernels, one fresh process per job, and nothing of one
job (globals, matplotlib's rcParams, random state, the project's modules) is seen by the next."""

import json
import os
import sys
from pathlib import Path

import pytest

from antt.pipeline import forking, kernels

ROOT = Path(__file__).resolve().parents[1]

# What a job sees when its kernel starts: every piece of state a notebook could change.
STATE = (
    "__import__('json').dumps({"
    "'pid': __import__('os').getpid(),"
    "'globals': sorted(k for k in globals() if not k.startswith('_') and k not in ('In', 'Out', 'exit', 'quit', "
    "'get_ipython', 'open')),"
    "'project': sorted(n for n in __import__('sys').modules if n == 'antt' or n.startswith('antt.')),"
    "'rc': __import__('matplotlib').rcParams['lines.linewidth'],"
    "'numpy_state': int(__import__('numpy').random.get_state()[1][:8].sum()),"
    "'backend': __import__('matplotlib').get_backend(),"
    "'threads': __import__('os').environ.get('OPENBLAS_NUM_THREADS'),"
    "})"
)
# What a job may do to its kernel.
MUTATE = (
    "leaked = 1\n"
    "import matplotlib, numpy\n"
    "matplotlib.rcParams['lines.linewidth'] = 9.0\n"
    "numpy.random.seed(7); numpy.random.random(3)\n"
    "import antt.models.counts\n"
)


def _state(km) -> dict:
    reply = kernels.run_code(km, "", {"state": STATE}, timeout=120)["user_expressions"]["state"]
    assert reply["status"] == "ok", reply
    return json.loads(reply["data"]["text/plain"].strip("'"))


class ForkedKernels:
    """Kernels forked from this process's zygote, one per ``acquire``, as a worker starts them."""

    def acquire(self, name: str):
        return kernels.start_kernel(name, ROOT / "notebooks", preload=("matplotlib.pyplot", "numpy"))

    def release(self, km) -> None:
        kernels.shutdown(km)


@pytest.fixture(scope="module")
def pool_of_three():
    forking.start(("matplotlib.pyplot", "numpy", *kernels.FORK_PRELOAD), kernels.THREAD_SETTINGS)
    try:
        yield ForkedKernels()
    finally:
        forking.stop()


def test_kernels_are_forked_from_the_zygote():
    assert forking.fork_arguments([sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "c"]) == [
        "-f",
        "c",
    ]
    assert forking.fork_arguments(["/usr/bin/env", "python3", "-m", "ipykernel_launcher", "-f", "c"]) is None
    assert forking.fork_arguments(["R", "--slave", "-e", "IRkernel::main()"]) is None


def test_no_state_leaks_from_one_job_to_the_next(pool_of_three):
    seen = []
    for _ in range(3):
        km = pool_of_three.acquire("antt")
        try:
            assert isinstance(km.provisioner, forking.ForkedProvisioner) and forking.started()
            before = _state(km)
            kernels.run_code(km, MUTATE)
            after = _state(km)
        finally:
            pool_of_three.release(km)
        # the mutation took effect in its own kernel ...
        assert "leaked" in after["globals"] and after["rc"] == 9.0 and "antt.models.counts" in after["project"]
        assert after["numpy_state"] != before["numpy_state"]
        seen.append((before, after))
    # ... and the next kernels started as the first did: another process, the same clean state, and not the
    # random state the previous job left (numpy seeds its global generator when a kernel first uses it)
    assert len({before["pid"] for before, _ in seen}) == 3
    ignored = ("pid", "numpy_state")
    first = {k: v for k, v in seen[0][0].items() if k not in ignored}
    for (before, _), (_, previous) in zip(seen[1:], seen[:-1]):
        assert {k: v for k, v in before.items() if k not in ignored} == first
        assert before["numpy_state"] != previous["numpy_state"]
    assert first["globals"] == [] and first["project"] == []
    assert first["rc"] != 9.0 and first["backend"] == forking.INLINE_BACKEND and first["threads"] == "1"


def test_a_forked_kernel_is_shut_down_and_gone(pool_of_three):
    km = pool_of_three.acquire("antt")
    pid = km.provisioner.pid
    os.kill(pid, 0)  # alive
    pool_of_three.release(km)
    assert km.provisioner is None or km.provisioner.process is None or km.provisioner.process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
