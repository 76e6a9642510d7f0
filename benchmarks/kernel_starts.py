"""Kernel starts under load (make bench-kernels; part of make stress).

Starts ``--starts`` kernels (default 200), ``--parallel`` at a time (default 8), with one busy
process per core, exactly as the runner does (``antt.pipeline.kernels.start_kernel``: IPC transport, fixed
thread counts, up to three tries), and shuts each down. Kernels are not warmed up (the scientific
stack is not imported), so the figure is about starting, where the races were. Prints the number of
starts that failed after their tries (must be 0), the tries that failed and were retried, and the
median and slowest start. Exits 1 if any start failed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from antt import paths
from antt.pipeline import kernels

BUSY = "while True: pass"


def one_start(retried: list[str]) -> tuple[bool, float, str]:
    began = time.monotonic()
    try:
        km = kernels.start_kernel("antt", paths.NOTEBOOKS, timeout=120, failures=retried)
    except kernels.KernelStartError as exc:
        return False, time.monotonic() - began, str(exc)
    kernels.shutdown(km)
    return True, time.monotonic() - began, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=200)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 1, help="busy processes (default: one per core)")
    args = parser.parse_args(argv)
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(args.busy)]
    retried: list[str] = []
    try:
        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            outcomes = list(pool.map(lambda _: one_start(retried), range(args.starts)))
        wall = time.monotonic() - began
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    failed = [why for ok, _, why in outcomes if not ok]
    times = sorted(seconds for _, seconds, _ in outcomes)
    print(
        f"kernel starts: {args.starts} ({args.parallel} at a time, {args.busy} busy process(es), "
        f"{os.cpu_count()} core(s)) in {wall:.0f} s"
    )
    print(f"  failed after retries: {len(failed)}; tries that failed and were retried: {len(retried)}")
    print(f"  start time: median {statistics.median(times):.2f} s, slowest {times[-1]:.2f} s")
    for why in sorted(set(failed))[:5] + sorted(set(retried))[:5]:
        print(f"  reason: {why}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
