"""Proof under stress (make stress; not part of make test).

Clones the repository afresh (the last commit, as CI sees it) into a temporary folder with
``../shared`` beside it, keeps every core busy with another process, and runs the whole
``make test`` there ``--runs`` times (default 3). Prints one line per run and how many passed;
exits 1 unless all passed. The first run also creates the clone's .venv.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUSY = "while True: pass"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 1, help="busy processes (default: one per core)")
    parser.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    args = parser.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="antt-stress-"))
    clone = base / "main"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    if (ROOT.parent / "shared").exists():
        (base / "shared").symlink_to(ROOT.parent / "shared")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"stress: fresh clone of {commit} in {clone}; {args.busy} busy process(es) on {os.cpu_count()} core(s)",
        flush=True,
    )
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(args.busy)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTT_", "VIRTUAL_ENV"))}
    passed = 0
    try:
        for run in range(1, args.runs + 1):
            began = time.monotonic()
            log = base / f"make-test-{run}.log"
            with open(log, "w") as out:
                code = subprocess.run(
                    ["make", "test"], cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT
                ).returncode
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
            passed += code == 0
            print(
                f"stress: run {run}: {'passed' if code == 0 else f'FAILED (exit {code})'} in "
                f"{time.monotonic() - began:.0f} s — {tail[0][:160]} (log: {log})",
                flush=True,
            )
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
        if not args.keep and passed == args.runs:
            shutil.rmtree(base, ignore_errors=True)
    print(f"stress: {passed} of {args.runs} runs of make test passed under load")
    return 0 if passed == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
