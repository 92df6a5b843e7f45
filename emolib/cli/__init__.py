"""The ``emolib`` command line: one subcommand per module in this package.

Each subcommand module defines ``register(subparsers)``, which adds its parser and sets ``run`` (a function
taking the parsed arguments and returning an exit code) as the parser's default. A user error raises
:class:`emolib.errors.EmolibError` (or an ``OSError`` reading or writing a file) and becomes one line on stderr
and exit code 2 (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn

from emolib.errors import EmolibError

#: Subcommand modules, in the order ``emolib --help`` lists them.
COMMANDS = ("image", "video", "webcam", "batch", "train", "evaluate", "export", "doctor")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other emolib error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every subcommand whose module is importable."""
    parser = _Parser(prog="emolib", description="Facial emotion analysis of images, folders, videos and the webcam.")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks for errors")
    parser.add_argument("--version", action="version", version=f"emolib {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"emolib.cli.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"emolib.cli.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def _version() -> str:
    from emolib import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 success, 1 partial failure, 2 user error, 130 interrupted)."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:  # Ctrl-C while the modules load
        print("emolib: interrupted", file=sys.stderr)
        return 130
    if args.command is None:
        parser.print_help()
        return 2
    from emolib.cli.quiet import cli_quiet

    try:
        with cli_quiet(args.debug):  # native libraries' chatter would bury emolib's one-line errors
            return int(args.run(args) or 0)
    except EmolibError as err:
        if args.debug:
            raise
        print(f"emolib {args.command}: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a file the command could not read or write: no traceback for that either
        if args.debug:
            raise
        where = f"{err.filename}: " if err.filename else ""
        print(f"emolib {args.command}: error: {where}{err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"emolib {args.command}: interrupted", file=sys.stderr)
        return 130
