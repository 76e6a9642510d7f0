"""Cleaning benchmark (issue 14): ``antt clean`` on a SYNTHETIC corpus of a million figures.

Generates ``--rows`` SYNTHETIC figure rows (default 1,000,000; ``antt.data.synthetic``, seeded, so every run
cleans the same data) into a temporary raw folder: sources titled «SYNTHETIC benchmark source n», 10–30
figures each, the codebook's real indicators, places of their geo level, Vietnamese raw texts that repeat.
Then runs ``antt clean --raw <tmp> --codebook data/codebook --out <tmp>`` as a child process and prints
the rows, the wall time, rows per second and the child's peak memory (maximum resident set size).
Generating is timed apart and not counted. Targets: wall time <= 60 s, peak memory <= 1.5 GB
(1,500 MB of 10**6 bytes). data/raw and data/processed are not touched. Exits 1 if a target is missed
(or the cleaning fails).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import BIN, ROOT, verdict

TARGET_SECONDS = 60.0
TARGET_BYTES = 1.5e9


def generate(raw: Path, rows: int, seed: int) -> dict[str, int]:
    sys.path.insert(0, str(ROOT / "src"))
    from antt.data import codebook, synthetic

    book = codebook.load_indicators(ROOT / "data" / "codebook").to_dict("records")
    return synthetic.write_raw(raw, rows, book, seed=seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="SYNTHETIC figure rows (default: 1,000,000)")
    parser.add_argument("--seed", type=int, default=14, help="seed of the generator (default: 14)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="antt-bench-clean-") as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "processed"
        start = time.perf_counter()
        counts = generate(raw, args.rows, args.seed)
        generated = time.perf_counter() - start
        size = (raw / "figures.csv").stat().st_size
        print(
            f"SYNTHETIC data (seed {args.seed}): {counts['figures']:,} figures of {counts['sources']:,} sources, "
            f"{counts['exclusions']:,} exclusions; figures.csv {size / 1e6:,.0f} MB; generated in {generated:.1f} s "
            "(not counted)"
        )
        command = [str(BIN / "antt"), "clean", "--raw", str(raw), "--codebook", str(ROOT / "data" / "codebook")]
        command += ["--out", str(out)]
        start = time.perf_counter()
        child = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=os.environ.copy())
        wall = time.perf_counter() - start
        # The largest resident set of any waited-for child: the only child is the cleaning (Linux: KiB).
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak, cpu = usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime
        if child.returncode != 0:
            print(f"antt clean failed (exit {child.returncode}): {child.stderr.strip()}", file=sys.stderr)
            return 1
        written = {p.name: p.stat().st_size for p in sorted(out.iterdir())}

    checks = [
        (f"wall time <= {TARGET_SECONDS:.0f} s", wall <= TARGET_SECONDS),
        (f"peak memory <= {TARGET_BYTES / 1e9:.1f} GB", peak <= TARGET_BYTES),
    ]
    print(f"antt clean: {child.stdout.strip()}")
    print(f"  written: {', '.join(f'{name} {n / 1e6:,.1f} MB' for name, n in written.items())}")
    print(f"rows:            {counts['figures']:>12,}")
    print(f"wall time:       {wall:>12.1f} s   on {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"CPU time:        {cpu:>12.1f} s   (user + system; below the wall time when other work shares the cores)")
    print(f"rows per second: {counts['figures'] / wall:>12,.0f}")
    print(f"peak memory:     {peak / 1e6:>12,.0f} MB  (maximum resident set of the antt clean process)")
    return verdict(checks)


if __name__ == "__main__":
    sys.exit(main())
