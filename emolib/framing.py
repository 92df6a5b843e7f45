"""Where to cut a face for the emotion model: FER2013's framing, predicted from the detector's box and landmarks.

The model learned faces as FER2013 frames them, and FER2013's frame is not a fixed ratio of YuNet's box: over
FER2013 Training faces placed in pictures, the frame's side varies by about 20% (log-scale spread) around
0.92x the box's longer side, and the model loses 3.5 points of accuracy under that much scale jitter. YuNet's
five landmarks say much of where FER2013's frame would be. :class:`Framing` is a linear map, fitted on those
faces (:mod:`emolib.training.framing`, ``python benchmarks/calibrate_framing.py --fit``), from a box and its
landmarks to FER2013's square; faces without landmarks (Haar, tracked boxes with none carried) get a square
of ``1 + DEFAULT_MARGIN`` times the box's longer side, and an explicit ``margin`` always means that square.

Features, in units of the box's longer side ``s`` around the box's centre ``c``: ``w/s, h/s`` and the ten
landmark coordinates ``(point - c) / s``. Outputs: the square's centre offset ``(dx, dy)`` in units of ``s``
and ``log(side / s)``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from emolib.errors import EmolibError
from emolib.resources import bundled_path
from emolib.results import Box, Landmarks

#: Crop side relative to the detector box's longer side, minus 1, for faces without landmarks: FER2013
#: frames a face at 0.93x YuNet's box (median over 1,410 Training faces placed in pictures by
#: :mod:`emolib.training.end_to_end`, ``benchmarks/calibrate_framing.py``).
DEFAULT_MARGIN = -0.07
#: File of the bundled framing for YuNet's landmarks in ``models/``.
YUNET_FRAMING = "framing_yunet.json"
#: Squares are kept within this factor of the box's longer side, whatever the landmarks say.
SIDE_LIMITS = (0.6, 1.5)

#: A square crop: left, top, side (float pixels).
Square = tuple[float, float, float]


@dataclass(frozen=True)
class Framing:
    """Linear map from (box, five landmarks) to FER2013's square: ``outputs = features @ weights + bias``.

    ``weights``: float64 (12, 3); ``bias``: float64 (3,); ``info``: how it was fitted (faces, residuals).
    """

    weights: np.ndarray
    bias: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if np.shape(self.weights) != (12, 3) or np.shape(self.bias) != (3,):
            raise EmolibError(f"a framing needs weights (12, 3) and bias (3,), got {np.shape(self.weights)}, "
                              f"{np.shape(self.bias)}")

    def square(self, box: Box, landmarks: Landmarks) -> Square:
        """FER2013's square for one face: ``box`` (x, y, w, h) and five (x, y) landmarks, image pixels."""
        features, (cx, cy, s) = framing_features(box, landmarks)
        dx, dy, log_side = features @ self.weights + self.bias
        side = s * float(np.clip(np.exp(log_side), *SIDE_LIMITS))
        return cx + dx * s - side / 2, cy + dy * s - side / 2, side

    def to_json(self) -> str:
        return json.dumps({"weights": self.weights.tolist(), "bias": self.bias.tolist(), "info": self.info},
                          indent=1)

    @classmethod
    def from_json(cls, text: str) -> Framing:
        try:
            data = json.loads(text)
            return cls(np.asarray(data["weights"], np.float64), np.asarray(data["bias"], np.float64),
                       dict(data.get("info", {})))
        except (ValueError, KeyError, TypeError) as err:
            raise EmolibError(f"not a framing file ({err})") from None


def framing_features(box: Box, landmarks: Landmarks) -> tuple[np.ndarray, tuple[float, float, float]]:
    """The (12,) float64 features of one face and its frame of reference (centre x, centre y, longer side)."""
    x, y, w, h = (float(v) for v in box)
    s = max(w, h, 1.0)
    cx, cy = x + w / 2, y + h / 2
    points = (np.asarray(landmarks, np.float64).reshape(5, 2) - (cx, cy)) / s
    return np.concatenate([[w / s, h / s], points.ravel()]), (cx, cy, s)


@lru_cache(maxsize=4)
def load_framing(path: str | Path | None = None) -> Framing:
    """A framing file (None: the bundled one for YuNet's landmarks)."""
    file = Path(path) if path is not None else bundled_path("models", YUNET_FRAMING)
    try:
        return Framing.from_json(file.read_text())
    except OSError as err:
        raise EmolibError(f"cannot read framing file {file}: {err.strerror or err}") from None


def box_square(box: Box, margin: float = DEFAULT_MARGIN) -> Square:
    """A square of ``max(w, h) * (1 + margin)`` centred on ``box``."""
    x, y, w, h = (float(v) for v in box)
    side = max(w, h) * (1 + margin)
    return x + w / 2 - side / 2, y + h / 2 - side / 2, side


def face_square(box: Box, landmarks: Landmarks | None = None, *, margin: float | None = None,
                framing: Framing | None = None) -> Square:
    """The square one face is cut from: FER2013's framing from its ``landmarks`` when it has some and
    ``margin`` is None, else a box square with ``margin`` (None: :data:`DEFAULT_MARGIN`)."""
    if margin is None and landmarks is not None:
        return (framing or load_framing()).square(box, landmarks)
    return box_square(box, DEFAULT_MARGIN if margin is None else margin)


def face_squares(
    boxes: Sequence[Box], landmarks: Sequence[Landmarks | None] | None = None, *, margin: float | None = None,
    framing: Framing | None = None,
) -> list[Square]:
    """:func:`face_square` of every face (``landmarks``: one set or None per box, or None for all)."""
    marks = list(landmarks) if landmarks is not None else [None] * len(boxes)
    if len(marks) != len(boxes):
        raise EmolibError(f"{len(boxes)} boxes but {len(marks)} landmark sets")
    return [face_square(box, points, margin=margin, framing=framing)
            for box, points in zip(boxes, marks, strict=True)]


def move_landmarks(landmarks: Landmarks, from_box: Box, to_box: Box) -> Landmarks:
    """``landmarks`` of a face at ``from_box`` carried to ``to_box`` (same offsets relative to centre and
    size): a tracker's predicted box keeps the framing its last detection gave."""
    fx, fy, fw, fh = from_box
    tx, ty, tw, th = to_box
    scale = max(tw, th) / max(fw, fh, 1)
    fcx, fcy, tcx, tcy = fx + fw / 2, fy + fh / 2, tx + tw / 2, ty + th / 2
    return tuple((tcx + (px - fcx) * scale, tcy + (py - fcy) * scale) for px, py in landmarks)
