"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emolib.errors import EmolibError

if TYPE_CHECKING:
    from emolib.data import FerData
    from emolib.pipeline import Analyzer


def positive_int(text: str) -> int:
    """argparse type: an integer of 1 or more."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def add_analyzer_options(parser: argparse.ArgumentParser) -> None:
    """--detector, --model and --margin: how faces are found and classified."""
    from emolib.detect import DEFAULT_DETECTOR, DETECTORS

    parser.add_argument("--detector", choices=sorted(DETECTORS), default=DEFAULT_DETECTOR,
                        help="face detector (default: %(default)s)")
    parser.add_argument("--model", default=None, help="emotion model: bundled name or .tflite path (default: bundled)")
    parser.add_argument("--margin", type=float, default=0.15, help="context around each face box for the crop")


def make_analyzer(args: argparse.Namespace) -> Analyzer:
    """An Analyzer from the options of :func:`add_analyzer_options`."""
    from emolib.pipeline import Analyzer

    return Analyzer(detector=args.detector, classifier=args.model, margin=args.margin)


def add_tracking_options(parser: argparse.ArgumentParser, *, detect_every: int | None = None,
                         detect_size: int | None = None) -> None:
    """--detect-every, --detect-size, --smoothing, --smoothing-s, --max-age-s: how faces are followed between frames.

    ``detect_every``/``detect_size``: this command's defaults; None for those of :mod:`emolib.video` (3 and 480,
    resolved by :func:`tracking_options`, so that building the parser does not import it).
    """
    parser.add_argument("--detect-every", type=positive_int, default=detect_every,
                        help="run the face detector every n-th frame, tracking in between "
                             f"(default: {detect_every or 3})")
    parser.add_argument("--detect-size", type=positive_int, default=detect_size,
                        help="longest side of the frame copy the detector sees; larger finds smaller faces, slower "
                             f"(default: {detect_size or 480})")
    parser.add_argument("--smoothing", choices=("ema", "window", "none"), default="ema",
                        help="temporal smoothing of each face's probabilities (default: %(default)s)")
    parser.add_argument("--smoothing-s", type=float, default=0.3,
                        help="smoothing time in seconds (default: %(default)s)")
    parser.add_argument("--max-age-s", type=float, default=1.0,
                        help="seconds a face may be missing before its track (and id) ends (default: %(default)s)")


def tracking_options(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`emolib.video.VideoTracker` keyword options from those of :func:`add_tracking_options`."""
    from emolib.video import DEFAULT_DETECT_EVERY, DEFAULT_DETECT_SIZE

    return {"detect_every": args.detect_every or DEFAULT_DETECT_EVERY,
            "detect_size": args.detect_size or DEFAULT_DETECT_SIZE,
            "smoothing": args.smoothing, "smoothing_s": args.smoothing_s, "max_age_s": args.max_age_s}


def load_fer_data(path: Path | None) -> FerData:
    """FER2013 from ``path`` (CSV or image-folder tree), or from the usual places when None."""
    from emolib.data import find_fer2013, load

    source = path or find_fer2013()
    if source is None:
        raise EmolibError("no FER2013 data found: pass --data PATH (see data/README.md for where to get it)")
    return load(source)


def output_path(path: Path, overwrite: bool) -> Path:
    """``path`` if it may be written: it does not exist yet, or ``overwrite`` was given."""
    if path.exists() and not overwrite:
        raise EmolibError(f"{path} exists; pass --overwrite to replace it")
    return path


def output_folder(path: Path) -> Path:
    """``path`` if it is a folder or can become one (it is not a file)."""
    if path.exists() and not path.is_dir():
        raise EmolibError(f"--out {path} is a file; it must be a folder")
    return path
