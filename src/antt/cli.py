"""The ``antt`` command: a thin layer over the modules; heavy libraries load only where needed."""

from __future__ import annotations

import argparse
import sys


def _cmd_run(args: argparse.Namespace) -> int:
    from antt import runner

    if args.list:
        print(runner.list_notebooks())
        return 0
    overrides = dict(runner.parse_override(o) for o in args.param)
    runner.run(overrides, force=args.force, only=args.only or None, jobs_limit=args.jobs)
    return 0


def _cmd_clean(args: argparse.Namespace) -> int:
    from antt import clean

    result = clean.clean(fail_on_quality_error=not args.allow_failures)
    flags = int((result.quality["status"] == "flag").sum())
    print(f"{len(result.indicators)} indicators written; quality: {flags} flag(s), {len(clean.failures(result.quality))} failure(s)")
    return 0


def _cmd_strip(args: argparse.Namespace) -> int:
    from antt.strip import strip_notebooks

    for path in strip_notebooks(args.paths):
        print(f"stripped {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="antt", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the notebooks (what changed) and build the reports")
    run.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="override a parameter (YAML value)")
    run.add_argument("--force", action="store_true", help="rerun every notebook, cached or not")
    run.add_argument("--list", action="store_true", help="list the notebooks with their parameters and exit")
    run.add_argument("--only", action="append", metavar="PREFIX", help="run only notebooks whose name starts with PREFIX")
    run.add_argument("-j", "--jobs", type=int, default=None, help="notebooks run in parallel (default: number of cores)")
    run.set_defaults(func=_cmd_run)
    cl = sub.add_parser("clean", help="clean the raw figures into data/processed without a notebook")
    cl.add_argument("--allow-failures", action="store_true", help="write the outputs even if a quality check fails")
    cl.set_defaults(func=_cmd_clean)
    st = sub.add_parser("strip-notebooks", help="remove outputs and execution counts from notebooks")
    st.add_argument("paths", nargs="*", help="notebooks (default: notebooks/*.ipynb)")
    st.set_defaults(func=_cmd_strip)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from antt.errors import DataError
    from antt.runner import RunError

    try:
        return args.func(args)
    except (DataError, RunError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: outputs written so far are complete; nothing half-written was kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
