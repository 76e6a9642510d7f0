"""Where the notebook jobs run: a Dask distributed cluster, local by default.

- No address: a ``LocalCluster`` of worker processes on this machine (one per core, or ``-j``), one thread
  each (a job at a time per worker: the kernels' arithmetic runs on one thread, see ``kernels``), closed at
  the end of the run.
- An address (``antt run --scheduler tcp://host:8786``, or Dask's own ``DASK_SCHEDULER_ADDRESS``): the
  jobs go to that scheduler's workers, which need the same project checkout and environment
  (``docs/cluster.md``); the cluster outlives the run, and its workers stay warm for the next one.

Either way every worker gets the ``antt.pipeline.worker.Warm`` plugin (kernel zygote, spare kernel,
browser). The client is the default one while the run lasts (``distributed.wait`` uses it). Dask's own
log lines are kept to errors: the run's console is ``antt.pipeline.console``'s.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import dask
from distributed import Client, LocalCluster

#: How long to wait for a remote scheduler before giving up (seconds).
CONNECT_TIMEOUT = 20


class ClusterError(RuntimeError):
    """The scheduler cannot be reached (one line)."""


def scheduler_address(option: str | None) -> str | None:
    """The scheduler to use: the option, else Dask's ``scheduler-address`` setting (``DASK_SCHEDULER_ADDRESS``)."""
    return option or dask.config.get("scheduler-address", None) or None


@contextlib.contextmanager
def connect(address: str | None, workers: int) -> Iterator[Client]:
    """A client of the remote scheduler at ``address``, or of a local cluster of ``workers`` processes."""
    for name in ("distributed", "tornado"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from antt.pipeline.worker import Warm

    with contextlib.ExitStack() as stack:
        if address:
            try:
                client = stack.enter_context(Client(address, timeout=CONNECT_TIMEOUT, set_as_default=True))
            except (OSError, TimeoutError) as exc:
                raise ClusterError(
                    f"cannot reach the Dask scheduler at {address}: {' '.join(str(exc).split())}"
                ) from None
        else:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    scheduler_port=0,
                    # A local worker's own errors (e.g. "failed to communicate with scheduler during heartbeat"
                    # while the run closes the cluster after a failed job) are not the user's to act on: a job's
                    # failure reaches the console through its result, as one line.
                    silence_logs=logging.CRITICAL,
                )
            )
            client = stack.enter_context(Client(cluster, set_as_default=True))
        client.register_plugin(Warm())
        yield client
