"""The ``antt`` command: a thin layer over the modules; heavy libraries load only where needed."""

from __future__ import annotations

import argparse
import sys


def _cmd_run(args: argparse.Namespace) -> int:
    from antt.pipeline import runner

    if args.list:
        print(runner.list_notebooks())
        return 0
    overrides = dict(runner.parse_override(o) for o in args.param)
    with runner.interrupt_guard():
        runner.run(overrides, force=args.force, only=args.only or None, jobs_limit=args.jobs, scheduler=args.scheduler)
    return 0


def _cmd_clean(args: argparse.Namespace) -> int:
    from pathlib import Path

    from antt import paths
    from antt.data import clean

    raw = Path(args.raw) if args.raw else paths.RAW
    codebook = Path(args.codebook) if args.codebook else paths.CODEBOOK
    out = Path(args.out) if args.out else paths.PROCESSED
    # Checked before any work: raw data is never written by code (resolve() follows symlinks, so a
    # link cannot smuggle the outputs into it).
    for folder in dict.fromkeys([raw.resolve(), paths.RAW.resolve()]):
        if out.resolve().is_relative_to(folder):
            print(
                f"error: {out}: --out is the raw folder {folder} (or inside it), whose files are never written "
                f"by code; give another folder",
                file=sys.stderr,
            )
            return 1
    # Errors (DataError, OSError while writing) reach main(), which prints one line; clean()
    # writes its three files together, so a failure leaves the output folder as it was.
    result = clean.clean(raw, codebook, out, fail_on_quality_error=not args.allow_failures)
    flags = int((result.quality["status"] == "flag").sum())
    print(
        f"{len(result.indicators)} indicators written{f' to {out}' if args.out else ''}; "
        f"quality: {flags} flag(s), {len(clean.failures(result.quality))} failure(s)"
    )
    return 0


def _cmd_strip(args: argparse.Namespace) -> int:
    from antt.pipeline.strip import strip_notebooks

    # Every path is checked to be a notebook before any is written; a DataError reaches main().
    for path in strip_notebooks(args.paths):
        print(f"stripped {path}")
    return 0


def _cmd_extract(args: argparse.Namespace) -> int:
    import re
    from pathlib import Path

    from antt import paths
    from antt.data import schemas
    from antt.data.io import csv_text, write_text_atomic
    from antt.errors import quote
    from antt.sources.extract import extract
    from antt.text import TextEncodingError

    def _read_error(message: object) -> int:
        print(f"error: {message}", file=sys.stderr)
        return 1

    # Checked before any work: data/raw is immutable, and a draft must never replace a reviewed file.
    # resolve() follows every symlink, a final one too, so a link cannot smuggle a write in.
    for option, out in (("--out", args.out), ("--exclusions-out", args.exclusions_out)):
        if out and Path(out).resolve().is_relative_to(paths.RAW.resolve()):
            return _read_error(
                f"{out}: {option} is inside data/raw, whose files are never written by code; "
                f"write the draft elsewhere and copy the reviewed rows by hand"
            )
    article = Path(args.article)
    if not article.exists():  # anything else that is not a regular file is refused by read_text, naming it
        return _read_error(f"{article}: file not found")
    if not re.fullmatch(schemas.SLUG, args.source_id):
        return _read_error(
            f"source id {quote(args.source_id)} is not a slug "
            "(lower-case letters, digits and hyphens, as in sources.csv)"
        )
    try:
        candidates, excluded = extract(article, args.source_id)
    except TextEncodingError as exc:
        return _read_error(exc)
    counts = candidates["confidence"].value_counts()
    if args.figures_only:
        candidates = candidates[list(schemas.FIGURES.columns)]
    if args.out:
        write_text_atomic(csv_text(candidates), args.out)
    else:
        sys.stdout.write(csv_text(candidates))
    print(
        f"{len(candidates)} candidate figure(s) "
        f"({', '.join(f'{counts.get(c, 0)} {c}' for c in ('high', 'medium', 'low'))} "
        f"confidence) and {len(excluded)} exclusion(s) from {article}; indicator is left for you to assign",
        file=sys.stderr,
    )
    if args.exclusions_out:
        write_text_atomic(csv_text(excluded), args.exclusions_out)
        print(f"exclusions written to {args.exclusions_out}", file=sys.stderr)
    else:
        for row in excluded.itertuples():
            print(
                f"  excluded: paragraph {row.paragraph}: {row.raw_text!r} ({row.reason}) «{row.evidence}»",
                file=sys.stderr,
            )
        if len(excluded):
            print("  (write them in exclusions.csv format with --exclusions-out FILE)", file=sys.stderr)
    return 0


def _cmd_check_source(args: argparse.Namespace) -> int:
    from antt.sources.extract import check_source
    from antt.text import TextEncodingError

    try:
        problems, warnings, article = check_source(args.source_id, args.article, args.raw_dir)
    except TextEncodingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for problem in problems:
        print(f"{problem.kind}: {problem.message}")
    if problems:
        print(
            f"{len(problems)} problem(s): transcribe or exclude every number listed, and correct every row not found "
            f"in the text (data/raw/figures.csv, data/raw/exclusions.csv)",
            file=sys.stderr,
        )
        return 1
    print(
        f"ok: every number in {article} is a figure or an exclusion of {args.source_id}, "
        "and every row is found in the text"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="antt", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the notebooks (what changed) and build the reports")
    run.add_argument(
        "-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="override a parameter (YAML value)"
    )
    run.add_argument("--force", action="store_true", help="rerun every notebook, cached or not")
    run.add_argument("--list", action="store_true", help="list the notebooks with their parameters and exit")
    run.add_argument(
        "--only", action="append", metavar="PREFIX", help="run only notebooks whose name starts with PREFIX"
    )
    run.add_argument(
        "-j", "--jobs", type=int, default=None, help="notebooks run in parallel (default: number of cores)"
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="run the notebooks on the Dask cluster of this scheduler (default: DASK_SCHEDULER_ADDRESS if set, "
        "else a local cluster); the workers need this checkout and environment (docs/cluster.md)",
    )
    run.set_defaults(func=_cmd_run)
    cl = sub.add_parser("clean", help="clean the raw figures into data/processed without a notebook")
    cl.add_argument("--allow-failures", action="store_true", help="write the outputs even if a quality check fails")
    cl.add_argument(
        "--raw", metavar="DIR", help="folder of sources.csv, figures.csv and exclusions.csv (default: data/raw)"
    )
    cl.add_argument("--codebook", metavar="DIR", help="codebook folder (default: data/codebook)")
    cl.add_argument(
        "--out", metavar="DIR", help="write the processed files here (default: data/processed); never the raw folder"
    )
    cl.set_defaults(func=_cmd_clean)
    st = sub.add_parser("strip-notebooks", help="remove outputs and execution counts from notebooks")
    st.add_argument("paths", nargs="*", help="notebooks (default: notebooks/*.ipynb)")
    st.set_defaults(func=_cmd_strip)
    ex = sub.add_parser("extract", help="draft figures.csv rows (and exclusions) from an article's UTF-8 text")
    ex.add_argument("article", metavar="ARTICLE.txt", help="the article's plain text, UTF-8")
    ex.add_argument(
        "--source-id", required=True, metavar="ID", help="the source_id the rows will carry (as in sources.csv)"
    )
    ex.add_argument("--out", metavar="FILE", help="write the candidate rows here (default: standard output)")
    ex.add_argument(
        "--exclusions-out",
        metavar="FILE",
        help="write the numbers that are not statistics here, in exclusions.csv format",
    )
    ex.add_argument(
        "--figures-only", action="store_true", help="only the figures.csv columns (drop the review columns)"
    )
    ex.set_defaults(func=_cmd_extract)
    cs = sub.add_parser("check-source", help="check that every number of a source's text is a figure or an exclusion")
    cs.add_argument("source_id", metavar="ID", help="the source_id in data/raw/sources.csv")
    cs.add_argument(
        "article",
        metavar="ARTICLE.txt",
        nargs="?",
        help="the source's plain text, UTF-8 (default: its text_file in ../shared/seeds)",
    )
    cs.add_argument(
        "--raw-dir", metavar="DIR", help="the folder with sources.csv, figures.csv, exclusions.csv (default: data/raw)"
    )
    cs.set_defaults(func=_cmd_check_source)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from antt.errors import DataError
    from antt.pipeline.runner import RunError

    try:
        return args.func(args)
    except (DataError, RunError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. disk full or a file-size limit while writing: the file, and why
        from antt.errors import os_error_message

        print(f"error: {os_error_message(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: outputs written so far are complete; nothing half-written was kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
