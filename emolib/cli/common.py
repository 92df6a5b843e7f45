"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import dataclasses
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emolib.errors import EmolibError
from emolib.options import TrackingOptions

if TYPE_CHECKING:
    from emolib.pipeline import Analyzer
    from emolib.training.data import FerData


def positive_int(text: str) -> int:
    """argparse type: an integer of 1 or more."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def add_analyzer_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, model: bool = True) -> None:
    """--detector, --model (unless ``model=False``: the command has its own) and --margin: how faces are found
    and classified."""
    from emolib.detect import DEFAULT_DETECTOR, DEFAULT_MARGIN, DETECTORS

    parser.add_argument("--detector", choices=sorted(DETECTORS), default=DEFAULT_DETECTOR,
                        help="face detector (default: %(default)s)")
    if model:
        parser.add_argument("--model", default=None,
                            help="emotion model: bundled name or .tflite path (default: bundled)")
    parser.add_argument("--margin", type=float, default=DEFAULT_MARGIN,
                        help="crop side relative to the face box, minus 1 (default: %(default)s, FER2013's framing)")


def make_analyzer(args: argparse.Namespace) -> Analyzer:
    """An Analyzer from the options of :func:`add_analyzer_options` (native loading chatter silenced)."""
    from emolib.cli.quiet import native_stderr_silenced
    from emolib.pipeline import Analyzer

    with native_stderr_silenced():
        return Analyzer(detector=args.detector, classifier=args.model, margin=args.margin)


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
            options["type"] = positive_int if hints[field.name] in (int, int | None) else float
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
    """``path`` if it may be written: it does not exist yet, or ``overwrite`` was given."""
    if path.exists() and not overwrite:
        raise EmolibError(f"{path} exists; pass --overwrite to replace it")
    return path


def output_folder(path: Path) -> Path:
    """``path`` if it is a folder or can become one (it is not a file)."""
    if path.exists() and not path.is_dir():
        raise EmolibError(f"--out {path} is a file; it must be a folder")
    return path
