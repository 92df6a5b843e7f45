"""``emolib export``: turn a trained ``.keras`` model into a ``.tflite`` for fast inference."""

from __future__ import annotations

import argparse
from pathlib import Path

from emolib.cli.common import output_path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="write a .tflite of a trained Keras model",
        description="Convert a .keras model to .tflite (LiteRT), with horizontal-flip averaging folded in. "
                    "Several models become one ensemble file that averages their probabilities.",
    )
    parser.add_argument("model", type=Path, nargs="+", help="one or more .keras files written by `emolib train`")
    parser.add_argument("--out", type=Path, default=None,
                        help="output .tflite (default: beside the first model; *_ensemble.tflite for several)")
    parser.add_argument("--no-flip-tta", action="store_true", help="do not average each face with its mirror image")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from emolib.export import check_keras_file, load_keras_model, to_tflite

    for model in args.model:
        check_keras_file(model)
    first = args.model[0]
    default = first.with_suffix(".tflite") if len(args.model) == 1 else first.with_name(f"{first.stem}_ensemble.tflite")
    out = output_path(args.out or default, args.overwrite)  # checked before the slow part
    models = [load_keras_model(model) for model in args.model]
    path = to_tflite(models if len(models) > 1 else models[0], out, flip_tta=not args.no_flip_tta,
                     overwrite=args.overwrite)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0
