"""What emolib finds, in one place: face types, the per-frame table's columns, and the one conversion between them.

Every front end and every pipeline step speaks these types: a detector returns :class:`Detection`, the
:class:`~emolib.pipeline.Analyzer` returns :class:`FaceResult`, video tracking returns :class:`TrackedFace`,
and tables (video, batch, widgets, images) are built by :func:`faces_to_frame` / :func:`frames_table` with
the columns :data:`FRAME_COLUMNS` (+ :data:`RAW_COLUMNS`), and read back by :func:`faces_from_frame`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from emolib.labels import CLASSES

if TYPE_CHECKING:
    import pandas as pd  # imported where a table is made: the image path (CLI, Analyzer) stays without it

#: A face box in pixels: (x, y, width, height).
Box = tuple[int, int, int, int]
#: Five (x, y) landmarks in pixels: right eye, left eye, nose tip, right and left mouth corners.
Landmarks = tuple[tuple[float, float], ...]

#: The first columns of the per-frame table, in this order (for tracked faces, smoothed probabilities).
FRAME_COLUMNS: tuple[str, ...] = ("frame", "time_s", "face_id", "x", "y", "w", "h", *CLASSES, "emotion")
#: Unsmoothed probabilities, after :data:`FRAME_COLUMNS` when a table is made with ``raw=True``.
RAW_COLUMNS: tuple[str, ...] = tuple(f"raw_{name}" for name in CLASSES)


@dataclass(frozen=True)
class Detection:
    """One face from a detector: box in pixels of the analysed image, confidence (0-1), optional landmarks."""

    box: Box
    score: float
    landmarks: Landmarks | None = None


@dataclass(eq=False)
class FaceResult:
    """One analysed face.

    ``box``: (x, y, w, h) in pixels of the analysed image; ``probabilities``: (7,) float32 in
    :data:`~emolib.labels.CLASSES` order; ``score``: the detector's confidence; ``face_id``: a track id when
    faces are tracked across frames (video, webcam), else None; ``landmarks``: the detector's five points.
    Two results are equal when every field is (arrays compared element-wise).
    """

    box: Box
    probabilities: np.ndarray
    score: float = 1.0
    face_id: int | None = None
    landmarks: Landmarks | None = field(default=None, repr=False)

    @property
    def emotion(self) -> str:
        """The most probable class."""
        return CLASSES[int(np.argmax(self.probabilities))]

    @property
    def confidence(self) -> float:
        """Probability of :attr:`emotion`."""
        return float(np.max(self.probabilities))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))

    __hash__ = None  # type: ignore[assignment]  # mutable, holds arrays

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields: face_id, x, y, w, h, score, emotion, and ``probabilities`` by class name."""
        x, y, w, h = (int(v) for v in self.box)
        return {
            "face_id": self.face_id, "x": x, "y": y, "w": w, "h": h,
            "score": round(float(self.score), 4),
            "emotion": self.emotion,
            "probabilities": {name: round(float(p), 4) for name, p in zip(CLASSES, self.probabilities)},
        }

    @classmethod
    def from_dict(cls, face: dict[str, Any]) -> FaceResult:
        """The face :meth:`to_dict` described (box, probabilities, score, face_id; landmarks are not kept)."""
        probabilities = np.array([face["probabilities"][name] for name in CLASSES], np.float32)
        return cls((int(face["x"]), int(face["y"]), int(face["w"]), int(face["h"])), probabilities,
                   score=float(face.get("score", 1.0)), face_id=face.get("face_id"))


@dataclass(eq=False)
class TrackedFace(FaceResult):
    """A :class:`FaceResult` from a stream: ``face_id`` is the track id, ``probabilities`` are smoothed.

    ``raw_probabilities``: this frame's (7,) float32 probabilities before smoothing; ``detected``: the box
    comes from the detector on this frame (False: moved there by the tracker's motion model).
    """

    raw_probabilities: np.ndarray | None = field(default=None, repr=False)
    detected: bool = True


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return a is not None and b is not None and np.array_equal(np.asarray(a), np.asarray(b))
    return bool(a == b)


def face_rows(faces: Iterable[FaceResult], frame: int = 0, time_s: float = 0.0, *, raw: bool = False) -> list[tuple]:
    """Row tuples in :data:`FRAME_COLUMNS` order (+ :data:`RAW_COLUMNS` when ``raw``), one per face.

    Faces without a ``face_id`` are numbered 1, 2, ... in the given order. Raw probabilities are a
    :class:`TrackedFace`'s unsmoothed ones, else the face's own.
    """
    rows = []
    for number, face in enumerate(faces, start=1):
        probabilities = np.asarray(face.probabilities, np.float64).tolist()
        face_id = face.face_id if face.face_id is not None else number
        row = (int(frame), float(time_s), int(face_id), *(int(v) for v in face.box), *probabilities, face.emotion)
        if raw:
            unsmoothed = getattr(face, "raw_probabilities", None)
            row += tuple(np.asarray(face.probabilities if unsmoothed is None else unsmoothed, np.float64).tolist())
        rows.append(row)
    return rows


def frames_table(rows: Iterable[tuple], *, raw: bool = False) -> pd.DataFrame:
    """The per-frame DataFrame from row tuples of :func:`face_rows`: typed columns, even with no rows."""
    import pandas as pd

    columns = list(FRAME_COLUMNS) + (list(RAW_COLUMNS) if raw else [])
    table = pd.DataFrame.from_records(list(rows), columns=columns)
    dtypes: dict[str, str] = {name: "int64" for name in ("frame", "face_id", "x", "y", "w", "h")}
    dtypes |= {name: "float64" for name in ("time_s", *CLASSES, *(RAW_COLUMNS if raw else ()))}
    return table.astype(dtypes | {"emotion": "object"})


def faces_to_frame(faces: Sequence[FaceResult], frame: int = 0, time_s: float = 0.0, *,
                   raw: bool = False) -> pd.DataFrame:
    """One frame's faces as the per-frame table (see :func:`face_rows`)."""
    return frames_table(face_rows(faces, frame, time_s, raw=raw), raw=raw)


def faces_from_frame(table: pd.DataFrame) -> list[FaceResult]:
    """The faces of the rows of a per-frame table (box, probabilities in :data:`CLASSES` order, face_id)."""
    boxes = table[["x", "y", "w", "h"]].to_numpy(np.int64)
    probabilities = table[list(CLASSES)].to_numpy(np.float32)
    ids = table["face_id"].to_numpy(np.int64)
    return [FaceResult((int(b[0]), int(b[1]), int(b[2]), int(b[3])), p, face_id=int(i))
            for b, p, i in zip(boxes, probabilities, ids, strict=True)]
