"""Fine-tune the shipped compact_vgg_deep on FER2013 Training plus detector re-crops of it (issue 14, item 4).

An experiment (model card, "Training on detector crops"; not shipped). Writes the re-crops and the run to
OUT, outside the checkout; resumable (rerun the same command). Then export and score on PublicTest:

    python benchmarks/recrop_finetune.py ../runs/recrop
    emolib export ../runs/recrop/run/averaged.keras --out ../runs/recrop/recrop.tflite
    emolib evaluate --split PublicTest --model ../runs/recrop/recrop.tflite --end-to-end
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import emolib
from emolib.detect import crop_faces
from emolib.training.data import FerData, find_fer2013, load
from emolib.training.end_to_end import Placement, matching_face, place_face
from emolib.training.train import TrainConfig, fit

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "models" / "emotion_compact_vgg_deep.weights.h5"


def detector_recrops(train: FerData, seed: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Each Training face placed in a picture (the end-to-end protocol), detected, and cropped as the pipeline does."""
    analyzer = emolib.Analyzer()
    images, labels = [], []
    for index, face in enumerate(train.images):
        picture, truth = place_face(face, index, Placement(seed=seed))
        found = matching_face(truth, analyzer.detect(picture))
        if found is not None:
            images.append(crop_faces(picture, [found.box])[0])
            labels.append(train.labels[index])
    return np.stack(images), np.array(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="run folder (outside the checkout)")
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    path = find_fer2013()
    if path is None:
        raise SystemExit("FER2013 not found (see data/README.md)")
    data = load(path)
    args.out.mkdir(parents=True, exist_ok=True)
    cache = args.out / "recrops.npz"
    if not cache.is_file():
        np.savez_compressed(cache, *detector_recrops(data.split("Training")))
    stored = np.load(cache)
    images, labels = stored["arr_0"], stored["arr_1"]
    print(f"{len(labels)} detector re-crops of {int((data.usage == 'Training').sum())} Training faces")
    mixed = FerData(np.concatenate([data.images, images]), np.concatenate([data.labels, labels]),
                    np.concatenate([data.usage, np.full(len(labels), "Training")]))
    run = args.out / "run"
    run.mkdir(exist_ok=True)
    if not (run / "last.keras").is_file():  # start from the shipped weights: fit() continues a finished run
        from emolib.training.model import build_model

        model = build_model("compact_vgg_deep")
        model.load_weights(WEIGHTS)
        model.save(run / "last.keras")
        (run / "log.csv").write_text("epoch,accuracy,learning_rate,loss,val_accuracy,val_loss\n")
    config = TrainConfig(arch="compact_vgg_deep", batch_size=128, learning_rate=2e-4, epochs=args.epochs,
                         warmup_epochs=1, average_last=args.epochs,
                         augment={"shift": 0.1, "rotation": 0.05, "zoom": 0.1, "brightness": 0.2, "contrast": 0.2,
                                  "erase": 0.25})
    fit(mixed, run, config, verbose=2)


if __name__ == "__main__":
    main()
