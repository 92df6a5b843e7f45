"""``emolib export``: turn a trained ``.keras`` model into a ``.tflite`` for fast inference."""

from __future__ import annotations

import argparse
from pathlib import Path

from emolib.cli.common import output_path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="write a .tflite of a trained Keras model",
        description="Convert a .keras model to .tflite (LiteRT), with horizontal-flip averaging folded in.",
    )
    parser.add_argument("model", type=Path, help="a .keras file written by `emolib train`")
    parser.add_argument("--out", type=Path, default=None, help="output .tflite (default: beside the model)")
    parser.add_argument("--no-flip-tta", action="store_true", help="do not average each face with its mirror image")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from emolib.export import check_keras_file, load_keras_model, to_tflite

    check_keras_file(args.model)
    out = output_path(args.out or args.model.with_suffix(".tflite"), args.overwrite)  # before the slow part
    model = load_keras_model(args.model)
    path = to_tflite(model, out, flip_tta=not args.no_flip_tta, overwrite=args.overwrite)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0
