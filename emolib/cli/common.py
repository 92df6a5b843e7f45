"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import dataclasses
import math
import typing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emolib.errors import EmolibError
from emolib.options import TrackingOptions

if TYPE_CHECKING:
    from emolib.pipeline import Analyzer
    from emolib.training.data import FerData


def positive_int(text: str) -> int:
    """argparse type: an integer of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def number(low: float | None = None, high: float | None = None) -> Callable[[str], float]:
    """argparse type: a finite number within [``low``, ``high``] (either end None: open); NaN and
    infinities are refused with one line, like any value out of range."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
        if low is not None and value < low or high is not None and value > high:
            where = (f"between {low:g} and {high:g}" if low is not None and high is not None
                     else f"{low:g} or more" if low is not None else f"{high:g} or less")
            raise argparse.ArgumentTypeError(f"must be {where}, got {text}")
        return value

    parse.__name__ = "number"  # argparse names the type in its messages
    return parse


def pixel_count(text: str) -> int:
    """argparse type for --max-pixels: a count of pixels, plain (50000000) or with M/G (50M, 1.5G)."""
    scale = {"k": 1e3, "m": 1e6, "g": 1e9}.get(text[-1:].lower(), 1.0)
    digits = text[:-1] if scale != 1.0 else text
    try:
        value = float(digits) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a pixel count such as 100M, got {text!r}") from None
    if not math.isfinite(value) or value < 1:
        raise argparse.ArgumentTypeError(f"must be a pixel count of 1 or more, got {text}")
    return int(value)


def add_input_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """--max-pixels: the pixel budget of each input image, checked from its header before decoding."""
    from emolib.media.images import DEFAULT_MAX_PIXELS

    parser.add_argument("--max-pixels", type=pixel_count, default=DEFAULT_MAX_PIXELS, metavar="N",
                        help="most pixels an image may have (e.g. 100M, the default): larger JPEGs are decoded at "
                             "1/2, 1/4 or 1/8 size, other larger images are skipped with a reason")


def add_analyzer_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, model: bool = True) -> None:
    """--detector, --model (unless ``model=False``: the command has its own) and --margin: how faces are found
    and classified."""
    from emolib.detect import DEFAULT_DETECTOR, DEFAULT_MARGIN, DETECTORS
    from emolib.pipeline import MAX_MARGIN, MIN_MARGIN

    parser.add_argument("--detector", choices=sorted(DETECTORS), default=DEFAULT_DETECTOR,
                        help="face detector (default: %(default)s)")
    if model:
        parser.add_argument("--model", default=None,
                            help="emotion model: bundled name or .tflite path (default: bundled)")
    parser.add_argument("--margin", type=number(MIN_MARGIN, MAX_MARGIN), default=None,
                        help="crop every face as a square of (1 + MARGIN) x the box's longer side instead of "
                             "FER2013's framing predicted from the detector's landmarks (the default; faces "
                             f"without landmarks get {DEFAULT_MARGIN:g})")
    parser.add_argument("--align", action="store_true",
                        help="level the eyes of each face before classifying it (off by default: see the model card)")


def make_analyzer(args: argparse.Namespace) -> Analyzer:
    """An Analyzer from the options of :func:`add_analyzer_options` (native loading chatter silenced)."""
    from emolib.cli.quiet import native_stderr_silenced
    from emolib.pipeline import Analyzer

    with native_stderr_silenced():
        return Analyzer(detector=args.detector, classifier=args.model, margin=args.margin,
                        align=args.align)


#: Ranges of the tracking flags that are not just "0 or more" (TrackingOptions checks them again).
_RANGES: dict[str, tuple[float, float | None]] = {"iou_threshold": (0, 1)}


def add_tracking_options(parser: argparse.ArgumentParser, defaults: TrackingOptions | None = None) -> None:
    """One flag per field of :class:`~emolib.options.TrackingOptions` (``--detect-every`` ...), help from its
    metadata; ``defaults``: this command's (e.g. the webcam's lighter ones). Read back with :func:`tracking_options`."""
    defaults = defaults or TrackingOptions()
    group = parser.add_argument_group("tracking", "how faces are followed from frame to frame")
    hints = typing.get_type_hints(TrackingOptions)
    for field in dataclasses.fields(TrackingOptions):
        default = getattr(defaults, field.name)
        options: dict[str, Any] = {"default": default, "dest": f"tracking_{field.name}",
                                   "help": f"{field.metadata['help']} (default: {default})"}
        if "choices" in field.metadata:
            options["choices"] = field.metadata["choices"]
        elif "parse" in field.metadata:  # e.g. --detect-size auto|full|PX
            options["type"], options["metavar"] = _argument_type(field.metadata["parse"]), field.metadata["metavar"]
        else:  # the other fields are counts (int) or amounts (float)
            options["type"] = positive_int if hints[field.name] in (int, int | None) else number(*_RANGES.get(
                field.name, (0, None)))
            options["metavar"] = field.name.upper()
        group.add_argument(f"--{field.name.replace('_', '-')}", **options)


def _argument_type(parse: typing.Callable[[str], Any]) -> typing.Callable[[str], Any]:
    """``parse`` with its ValueError as argparse's usage error (one line)."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return convert


def tracking_options(args: argparse.Namespace) -> TrackingOptions:
    """The :class:`~emolib.options.TrackingOptions` of the flags of :func:`add_tracking_options`."""
    return TrackingOptions(**{name: getattr(args, f"tracking_{name}") for name in TrackingOptions.names()})


def load_fer_data(path: Path | None) -> FerData:
    """FER2013 from ``path`` (CSV or image-folder tree), or from the usual places when None."""
    from emolib.training.data import find_fer2013, load

    source = path or find_fer2013()
    if source is None:
        raise EmolibError("no FER2013 data found: pass --data PATH (see data/README.md for where to get it)")
    return load(source)


def output_path(path: Path, overwrite: bool) -> Path:
    """``path`` if it may be written: it does not exist yet (nor is it a folder), or ``overwrite`` was given.

    Check the exact path that will be written (for plots: :func:`emolib.media.atomic.figure_path`)."""
    from emolib.media.atomic import check_writable

    return check_writable(path, overwrite)


def output_folder(path: Path) -> Path:
    """``path`` if it is a folder or can become one (it is not a file)."""
    if path.exists() and not path.is_dir():
        raise EmolibError(f"--out {path} is a file; it must be a folder")
    return path
