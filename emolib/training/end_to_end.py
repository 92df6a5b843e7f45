"""Accuracy in use: FER2013 faces placed in pictures the way users' photos hold them, through the real Analyzer.

The model card's crop-level figure scores FER2013's own 48x48 crops; users hand emolib photos, videos and
webcams, where a face reaches the model through the detector's box and :func:`emolib.detect.crop_faces`.
:func:`evaluate_end_to_end` measures both on the same faces in the same run, so the gap is one number.

Protocol (seeded per face, so every model and detector sees the same pictures):

- the face is upscaled (bicubic) to a side of ``scales`` x 48 px (uniform in the range), its brightness
  multiplied by a factor in ``brightness``, and framed by a reflected border of half its side on every
  side (hair and background continue past FER2013's tight crop);
- the framed patch is rotated in plane by an angle uniform in ``±rotation`` degrees and blended with a
  feathered elliptical mask into a ``frame_size`` background (a random grey gradient with noise texture) at a
  random position that keeps the face inside the frame;
- the result is converted to BGR and given to ``Analyzer.analyze``. A face is *found* when a detection's
  box overlaps the true face square with IoU >= ``min_iou`` (the best-overlapping detection is scored).

Reported: detection rate, accuracy on faces found, accuracy counting misses as wrong, the crop-level accuracy
of the same faces (all of them, and the found ones), and the gap between crop-level and end-to-end accuracy
on the found faces; per class too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import cv2
import numpy as np
import pandas as pd

from emolib.labels import CLASSES, FACE_SIZE
from emolib.results import Box
from emolib.tracking import iou_matrix
from emolib.training.data import FerData
from emolib.training.evaluate import predict_in_batches

if TYPE_CHECKING:
    from emolib.pipeline import Analyzer



class _Boxed(Protocol):
    @property
    def box(self) -> Box: ...


T = TypeVar("T", bound=_Boxed)


@dataclass(frozen=True)
class Placement:
    """How the faces are put into pictures (see the module docstring)."""

    frame_size: tuple[int, int] = (640, 480)  # width, height
    scales: tuple[float, float] = (2.0, 5.0)
    rotation: float = 10.0
    brightness: tuple[float, float] = (0.7, 1.3)
    min_iou: float = 0.3
    seed: int = 0


def place_face(face: np.ndarray, index: int, placement: Placement = Placement()) -> tuple[np.ndarray, Box]:
    """A (H, W, 3) uint8 BGR picture holding the (48, 48) uint8 grey ``face``, and the face square's box.

    Deterministic in (``placement.seed``, ``index``).
    """
    rng = np.random.default_rng([placement.seed, index])
    width, height = placement.frame_size
    side = int(round(FACE_SIZE * rng.uniform(*placement.scales)))
    side = min(side, height - 8, width - 8)
    patch = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    patch = np.clip(patch * rng.uniform(*placement.brightness), 0, 255)
    pad = side // 2
    framed = cv2.copyMakeBorder(patch, pad, pad, pad, pad, cv2.BORDER_REFLECT_101)
    size = framed.shape[0]
    angle = rng.uniform(-placement.rotation, placement.rotation)
    rotation = cv2.getRotationMatrix2D(((size - 1) / 2, (size - 1) / 2), angle, 1.0)
    framed = cv2.warpAffine(framed, rotation, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    mask = np.zeros((size, size), np.float32)
    cv2.ellipse(mask, (size // 2, size // 2), (int(side * 0.8), int(side * 0.9)), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), side * 0.08)
    background = _background(rng, width, height)
    x = int(rng.integers(0, width - side + 1))
    y = int(rng.integers(0, height - side + 1))
    # paste the framed patch centred on the face square, clipped to the frame
    x0, y0 = x - pad, y - pad
    fx0, fy0 = max(0, -x0), max(0, -y0)
    fx1, fy1 = min(size, width - x0), min(size, height - y0)
    region = background[y0 + fy0:y0 + fy1, x0 + fx0:x0 + fx1]
    alpha = mask[fy0:fy1, fx0:fx1]
    region[:] = alpha * framed[fy0:fy1, fx0:fx1] + (1 - alpha) * region
    picture = cv2.cvtColor(np.clip(background, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    return picture, (x, y, side, side)


def _background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A float32 (height, width) grey gradient with a blurred noise texture."""
    low, high = np.sort(rng.uniform(20, 235, 2))
    horizontal = rng.random() < 0.5
    ramp = np.linspace(low, high, width if horizontal else height, dtype=np.float32)
    gradient = np.broadcast_to(ramp if horizontal else ramp[:, None], (height, width))
    noise = cv2.GaussianBlur(rng.normal(0, 25, (height, width)).astype(np.float32), (0, 0), 3)
    return np.array(gradient + noise, np.float32)


def matching_face(truth: Box, found: Sequence[T], min_iou: float = Placement.min_iou) -> T | None:
    """The detection or face (anything with ``box``) overlapping the true face square most, if by ``min_iou``."""
    if not found:
        return None
    overlap = iou_matrix(np.array([truth]), np.array([item.box for item in found]))[0]
    best = int(np.argmax(overlap))
    return found[best] if overlap[best] >= min_iou else None


@dataclass
class EndToEnd:
    """Per-face outcome of an end-to-end run: labels, crop-level and in-picture predictions, found or not."""

    model: str
    split: str
    labels: np.ndarray  # (N,) int64
    crop_predictions: np.ndarray  # (N,) int64
    predictions: np.ndarray  # (N,) int64, -1 where no face was found
    placement: Placement = field(default_factory=Placement)

    @property
    def found(self) -> np.ndarray:
        return self.predictions >= 0

    def summary(self) -> dict[str, Any]:
        """Headline figures (shares 0-1): detection rate, accuracies, and the gap on the found faces."""
        found, labels = self.found, self.labels
        right = self.predictions == labels
        crop_right = self.crop_predictions == labels
        accuracy_found = float(right[found].mean()) if found.any() else float("nan")
        crop_found = float(crop_right[found].mean()) if found.any() else float("nan")
        return {
            "model": self.model, "split": self.split, "faces": int(len(labels)),
            "detection_rate": round(float(found.mean()), 4),
            "accuracy_found": round(accuracy_found, 4),
            "accuracy_all": round(float(right.mean()), 4),
            "crop_accuracy_found": round(crop_found, 4),
            "crop_accuracy_all": round(float(crop_right.mean()), 4),
            "gap_found": round(crop_found - accuracy_found, 4),
        }

    def per_class(self) -> pd.DataFrame:
        """One row per class: faces, detection rate, end-to-end and crop-level accuracy on the found faces."""
        rows = []
        for index, name in enumerate(CLASSES):
            mine = self.labels == index
            found = mine & self.found
            rows.append({
                "class": name, "faces": int(mine.sum()),
                "detection_rate": float(found.sum() / max(mine.sum(), 1)),
                "accuracy_found": float((self.predictions[found] == index).mean()) if found.any() else float("nan"),
                "crop_accuracy_found": (float((self.crop_predictions[found] == index).mean()) if found.any()
                                        else float("nan")),
            })
        return pd.DataFrame(rows).set_index("class")


def evaluate_end_to_end(
    data: FerData, analyzer: Analyzer, *, split: str | None = "PrivateTest", limit: int | None = None,
    placement: Placement = Placement(), name: str | None = None, progress: bool = False,
) -> EndToEnd:
    """Place every face of ``split`` (the first ``limit``) in a picture, analyse it with ``analyzer``, and
    score it beside the crop-level prediction of the same face by the same classifier."""
    from tqdm.auto import tqdm

    subset = data.split(split) if split else data
    if limit is not None:
        subset = subset.select(slice(0, limit))
    crop = predict_in_batches(analyzer.classifier, subset.images).argmax(axis=1)
    predictions = np.full(len(subset), -1, np.int64)
    for index in tqdm(range(len(subset)), desc="end-to-end", unit="face", disable=not progress):
        picture, truth = place_face(subset.images[index], index, placement)
        face = matching_face(truth, analyzer.analyze(picture), placement.min_iou)
        if face is not None:
            predictions[index] = int(np.argmax(face.probabilities))
    label = name or str(getattr(analyzer.classifier, "name", None) or getattr(analyzer.classifier, "path", "model"))
    return EndToEnd(label, split or "all", subset.labels.astype(np.int64), crop.astype(np.int64), predictions,
                    placement)
