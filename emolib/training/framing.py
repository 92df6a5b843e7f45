"""Fit :class:`emolib.framing.Framing` on FER2013 faces: where YuNet's box and landmarks fall against FER2013's frame.

Each face is placed in a picture with the end-to-end protocol (:mod:`emolib.training.end_to_end`), so the
square it came from is known; the detector runs on the picture, and a ridge regression maps its box and
landmarks to that square (centre offset and log side, in units of the box's longer side).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from emolib.framing import Framing, framing_features
from emolib.training.end_to_end import Placement, matching_face, place_face

if TYPE_CHECKING:
    from emolib.pipeline import Analyzer


@dataclass
class FramingSamples:
    """Detections of placed faces beside the squares the faces were placed in (image pixels).

    ``index``: (N,) int64 face numbers; ``boxes``: (N, 4) float64 x, y, w, h; ``landmarks``: (N, 5, 2) float64;
    ``squares``: (N, 3) float64 left, top, side of the true FER2013 frame.
    """

    index: np.ndarray
    boxes: np.ndarray
    landmarks: np.ndarray
    squares: np.ndarray

    def __len__(self) -> int:
        return len(self.index)

    def targets(self) -> np.ndarray:
        """(N, 3) float64: the true square's centre offset from the box's centre (units of the box's longer
        side) and the log of its side over that side."""
        out = np.empty((len(self), 3))
        for row, (box, (left, top, side)) in enumerate(zip(self.boxes, self.squares, strict=True)):
            x, y, w, h = box
            s = max(w, h, 1.0)
            out[row] = ((left + side / 2 - x - w / 2) / s, (top + side / 2 - y - h / 2) / s, np.log(side / s))
        return out

    def features(self) -> np.ndarray:
        """(N, 12) float64 :func:`emolib.framing.framing_features` of every detection."""
        return np.array([framing_features(tuple(b), tuple(map(tuple, m)))[0]
                         for b, m in zip(self.boxes, self.landmarks, strict=True)]).reshape(-1, 12)


def detect_placed(faces: np.ndarray, analyzer: Analyzer, placement: Placement | None = None,
                  first_index: int = 0) -> FramingSamples:
    """Place every (48, 48) uint8 face of ``faces`` (numbered from ``first_index``) and detect it; faces the
    detector misses, or finds without landmarks, are left out."""
    placement = placement or Placement()
    rows: list[tuple[int, tuple, tuple, tuple]] = []
    for offset, face in enumerate(faces):
        index = first_index + offset
        picture, (x, y, side, _) = place_face(face, index, placement)
        found = matching_face((x, y, side, side), analyzer.detect(picture), placement.min_iou)
        if found is not None and found.landmarks is not None:
            rows.append((index, found.box, found.landmarks, (x, y, side)))
    if not rows:
        return FramingSamples(np.zeros(0, np.int64), np.zeros((0, 4)), np.zeros((0, 5, 2)), np.zeros((0, 3)))
    index, boxes, marks, squares = zip(*rows, strict=True)
    return FramingSamples(np.array(index, np.int64), np.array(boxes, np.float64), np.array(marks, np.float64),
                          np.array(squares, np.float64))


def fit_framing(samples: FramingSamples, ridge: float = 1e-3, info: dict | None = None) -> Framing:
    """Ridge regression of :meth:`FramingSamples.targets` on :meth:`FramingSamples.features` (centred, so the
    bias is not shrunk). ``info`` is stored with the residual spread and the number of faces."""
    if len(samples) < 24:
        raise ValueError(f"{len(samples)} faces are too few to fit a framing (24 or more)")
    features, targets = samples.features(), samples.targets()
    mean_f, mean_t = features.mean(axis=0), targets.mean(axis=0)
    centred = features - mean_f
    weights = np.linalg.solve(centred.T @ centred + ridge * np.eye(features.shape[1]),
                              centred.T @ (targets - mean_t))
    bias = mean_t - mean_f @ weights
    residual = targets - (features @ weights + bias)
    described = dict(info or {}) | {
        "faces": len(samples),
        "residual_std": np.round(residual.std(axis=0), 4).tolist(),
        "target_std": np.round(targets.std(axis=0), 4).tolist(),
        "outputs": ["dx / s", "dy / s", "log(side / s)"],
    }
    return Framing(weights, bias, described)
