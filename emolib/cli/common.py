"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

from emolib.errors import EmolibError


def add_analyzer_options(parser: argparse.ArgumentParser) -> None:
    """--detector, --model and --margin: how faces are found and classified."""
    from emolib.detect import DEFAULT_DETECTOR, DETECTORS

    parser.add_argument("--detector", choices=sorted(DETECTORS), default=DEFAULT_DETECTOR,
                        help="face detector (default: %(default)s)")
    parser.add_argument("--model", default=None, help="emotion model: bundled name or .tflite path (default: bundled)")
    parser.add_argument("--margin", type=float, default=0.15, help="context around each face box for the crop")


def make_analyzer(args: argparse.Namespace):  # noqa: ANN201 - returns emolib.Analyzer
    """An Analyzer from the options of :func:`add_analyzer_options`."""
    from emolib.pipeline import Analyzer

    return Analyzer(detector=args.detector, classifier=args.model, margin=args.margin)


def output_path(path: Path, overwrite: bool) -> Path:
    """``path`` if it may be written: it does not exist yet, or ``overwrite`` was given."""
    if path.exists() and not overwrite:
        raise EmolibError(f"{path} exists; pass --overwrite to replace it")
    return path
