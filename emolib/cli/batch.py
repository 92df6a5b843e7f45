"""``emolib batch``: many videos and images on a Dask cluster, one Parquet file per input, resumable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emolib.cli.common import (
    add_analyzer_options,
    add_input_options,
    add_tracking_options,
    positive_int,
    tracking_options,
)

#: Most warnings (inputs analysed only in part) printed; the summary has them all.
MAX_WARNINGS = 20


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "batch", help="analyse many videos and images on a Dask cluster (resumable, Parquet output)",
        description="Analyse videos and images (files, folders, globs) in parallel, one task per file, on a local "
                    "Dask cluster (one single-threaded worker per core; TLS with credentials of its own, so other "
                    "users of the machine cannot connect) or an existing one (--scheduler). Writes "
                    "OUT/frames/NAME-HASH.parquet per input, OUT/summary.parquet and .csv, OUT/failures.csv. "
                    "Rerunning skips inputs whose output is complete; failed inputs are tried again.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="video or image files, folders (searched recursively) or quoted globs ('clips/**/*.mp4')")
    parser.add_argument("--out", type=Path, required=True, help="output folder (created; reused to resume)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: start a local "
                            "cluster)")
    where.add_argument("--workers", type=positive_int, default=None,
                       help="worker processes of the local cluster (default: one per core)")
    parser.add_argument("--every", type=positive_int, default=1, help="analyse every n-th video frame (default: 1)")
    add_tracking_options(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar or dashboard link")
    parser.add_argument("--dashboard", action="store_true",
                        help="serve the local cluster's Dask dashboard on 127.0.0.1:8787 (needs bokeh; off by "
                             "default: it has no login, so anyone on the machine could watch it)")
    add_input_options(parser)
    add_analyzer_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from emolib.batch import analyze_many

    summary = analyze_many(
        args.inputs, args.out, args.scheduler, workers=args.workers, progress=not args.no_progress,
        dashboard=args.dashboard, quiet_workers=not args.debug, max_pixels=args.max_pixels,
        detector=args.detector, classifier=args.model, margin=args.margin, align=args.align, every=args.every,
        tracking=tracking_options(args),
    )
    warned = summary[(summary["status"] != "failed") & summary["error"].notna()]
    for row in warned.head(MAX_WARNINGS).itertuples(index=False):
        print(f"emolib batch: warning: {row.source}: {row.error}", file=sys.stderr)
    if len(warned) > MAX_WARNINGS:
        print(f"emolib batch: ... and {len(warned) - MAX_WARNINGS} more warnings (error column of the summary)",
              file=sys.stderr)
    counts = summary["status"].value_counts()
    done, skipped, failed = (int(counts.get(status, 0)) for status in ("done", "skipped", "failed"))
    print(f"{len(summary)} input(s): {done} analysed, {skipped} skipped (already complete), {failed} failed")
    print(f"  per-input tables: {args.out / 'frames'} (dask.dataframe.read_parquet)")
    print(f"  summary: {args.out / 'summary.csv'}, {args.out / 'summary.parquet'}")
    if failed:
        print(f"  failures: {args.out / 'failures.csv'}", file=sys.stderr)
        return 2 if failed == len(summary) else 1
    return 0
