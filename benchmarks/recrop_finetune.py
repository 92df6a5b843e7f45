"""Fine-tune compact_vgg_deep on FER2013 Training plus detector re-crops of it (issue 14, item 4).

Stage 4 of the shipped model (model card, "Training procedure"), and the shorter experiments of "Training on
detector crops". Starts from the weights in ``--weights`` (default: the bundled ones; stage 4 started from the
stage-3 weights, which were bundled then: ``git show 07d507f:models/emotion_compact_vgg_deep.weights.h5``).
Each Training face is placed in a
picture with the end-to-end protocol (another seed), detected and cropped as the pipeline crops it (the
landmark framing; ``--margin M`` for the box square the first run used, -0.07). ``--distill W``: targets mix
the label with the shipped model's (flip-averaged) probabilities on the *original* crop, weight W, for the
face and its re-crop alike (self-distillation: the re-crop should say what the original says); label
smoothing is then off. Writes the re-crops and the run to OUT, outside the checkout; resumable (rerun the same
command). Then export and score on PublicTest:

    python benchmarks/recrop_finetune.py ../runs/stage4 --weights stage3.weights.h5 --epochs 30 \
        --learning-rate 1e-3 --warmup-epochs 2 --average-last 8 --zoom 0.15 --seed 5      # stage 4
    python benchmarks/recrop_finetune.py ../runs/recrop --distill 0.5                      # an experiment
    emolib export ../runs/recrop/run/averaged.keras --out ../runs/recrop/recrop.tflite
    emolib evaluate --split PublicTest --model ../runs/recrop/recrop.tflite --end-to-end
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import emolib
from emolib.detect import crop_faces
from emolib.labels import CLASSES
from emolib.training.data import FerData, find_fer2013, load
from emolib.training.end_to_end import Placement, matching_face, place_face
from emolib.training.evaluate import predict_in_batches
from emolib.training.train import TrainConfig, fit

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "models" / "emotion_compact_vgg_deep.weights.h5"


def detector_recrops(train: FerData, margin: float | None, seed: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """(M, 48, 48) uint8 re-crops of the Training faces the detector finds, and their (M,) row numbers."""
    analyzer = emolib.Analyzer()
    images, rows = [], []
    for index, face in enumerate(train.images):
        picture, truth = place_face(face, index, Placement(seed=seed))
        found = matching_face(truth, analyzer.detect(picture))
        if found is not None:
            images.append(crop_faces(picture, [found.box], margin=margin, landmarks=[found.landmarks])[0])
            rows.append(index)
    return np.stack(images), np.array(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="run folder (outside the checkout)")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--margin", type=float, default=None, help="box-square crops (default: landmark framing)")
    parser.add_argument("--distill", type=float, default=0.0, help="weight of the shipped model's targets")
    parser.add_argument("--weights", type=Path, default=WEIGHTS, help="starting weights (.weights.h5)")
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--warmup-epochs", type=int, default=1)
    parser.add_argument("--average-last", type=int, default=0, help="epochs averaged (default: all)")
    parser.add_argument("--zoom", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    path = find_fer2013()
    if path is None:
        raise SystemExit("FER2013 not found (see data/README.md)")
    data = load(path)
    train, public = data.split("Training"), data.split("PublicTest")
    args.out.mkdir(parents=True, exist_ok=True)
    cache = args.out / "recrops.npz"
    if not cache.is_file():
        np.savez_compressed(cache, *detector_recrops(train, args.margin))
    stored = np.load(cache)
    images, rows = stored["arr_0"], stored["arr_1"]
    print(f"{len(rows)} detector re-crops of {len(train)} Training faces")
    eye = np.eye(len(CLASSES), dtype=np.float32)
    targets = eye[train.labels]
    if args.distill:
        teacher = predict_in_batches(emolib.Analyzer().classifier, train.images)
        targets = (1 - args.distill) * targets + args.distill * teacher
    mixed = FerData(np.concatenate([train.images, images, public.images]),
                    np.concatenate([train.labels, train.labels[rows], public.labels]),
                    np.array(["Training"] * (len(train) + len(rows)) + ["PublicTest"] * len(public)))
    mixed = mixed.with_targets(np.concatenate([targets, targets[rows], eye[public.labels]]))
    run = args.out / "run"
    run.mkdir(exist_ok=True)
    if not (run / "last.keras").is_file():  # start from the shipped weights: fit() continues a finished run
        from emolib.training.model import build_model

        model = build_model("compact_vgg_deep")
        model.load_weights(args.weights)
        model.save(run / "last.keras")
        (run / "log.csv").write_text("epoch,accuracy,learning_rate,loss,val_accuracy,val_loss\n")
    config = TrainConfig(arch="compact_vgg_deep", batch_size=128, learning_rate=args.learning_rate,
                         epochs=args.epochs, warmup_epochs=args.warmup_epochs, seed=args.seed,
                         average_last=args.average_last or args.epochs, label_smoothing=0.0 if args.distill else 0.1,
                         augment={"shift": 0.1, "rotation": 0.05, "zoom": args.zoom, "brightness": 0.2,
                                  "contrast": 0.2, "erase": 0.25})
    fit(mixed, run, config, verbose=2)


if __name__ == "__main__":
    main()
