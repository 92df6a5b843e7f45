"""``emolib export``: turn a trained ``.keras`` model into a ``.tflite`` for fast inference."""

from __future__ import annotations

import argparse
from pathlib import Path

from emolib.cli.common import output_path
from emolib.errors import EmolibError


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
    parser.add_argument("--single-view", type=int, action="append", default=[], metavar="N",
                        help="in an ensemble, run model N (1 = the first) on the face only, without its mirror "
                             "image: half its time; repeatable")
    parser.add_argument("--keras", action="store_true",
                        help="also write the same model as .keras beside the .tflite (for Keras-side checks)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from emolib.training.export import check_keras_file, combine, load_keras_model, to_tflite

    for model in args.model:
        check_keras_file(model)
    first = args.model[0]
    default = first.with_suffix(".tflite") if len(args.model) == 1 else first.with_name(f"{first.stem}_ensemble.tflite")
    for number in args.single_view:
        if not 1 <= number <= len(args.model):
            raise EmolibError(f"--single-view {number}: there are {len(args.model)} models (1 to {len(args.model)})")
    out = output_path(args.out or default, args.overwrite)  # checked before the slow part
    keras_out = output_path(out.with_suffix(".keras"), args.overwrite) if args.keras else None
    if keras_out is not None and keras_out.resolve() in {model.resolve() for model in args.model}:
        raise EmolibError(f"--keras would write over the input {keras_out}; choose another --out")
    models = [load_keras_model(model) for model in args.model]
    flips = [not args.no_flip_tta and number not in args.single_view for number in range(1, len(models) + 1)]
    combined = combine(models, flips)
    path = to_tflite(combined, out, flip_tta=False, overwrite=args.overwrite)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    if keras_out is not None:
        combined.save(keras_out)
        print(f"wrote {keras_out} ({keras_out.stat().st_size / 1e6:.2f} MB)")
    return 0
