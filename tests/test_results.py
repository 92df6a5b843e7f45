"""emolib.results: face types, equality, and the one conversion between faces and table rows."""

from __future__ import annotations

import numpy as np
import pytest

from emolib.labels import CLASSES
from emolib.results import (
    FRAME_COLUMNS,
    RAW_COLUMNS,
    FaceResult,
    TrackedFace,
    face_rows,
    faces_from_frame,
    faces_to_frame,
    frames_table,
)


def _p(winner: int) -> np.ndarray:
    probabilities = np.full(7, 0.05, np.float32)
    probabilities[winner] = 0.7
    return probabilities


def test_face_results_compare_by_value_without_raising() -> None:
    a = FaceResult((1, 2, 30, 40), _p(3), 0.9, None, ((1.0, 2.0),) * 5)
    assert a == FaceResult((1, 2, 30, 40), _p(3).copy(), 0.9, None, ((1.0, 2.0),) * 5)
    assert a != FaceResult((1, 2, 30, 40), _p(4), 0.9)
    assert a != FaceResult((1, 2, 31, 40), _p(3), 0.9, None, ((1.0, 2.0),) * 5)
    assert a in [FaceResult((0, 0, 1, 1), _p(0)), a]
    tracked = TrackedFace((1, 2, 30, 40), _p(3), 0.9, 7, raw_probabilities=_p(0))
    assert tracked != TrackedFace((1, 2, 30, 40), _p(3), 0.9, 7, raw_probabilities=_p(1))
    assert tracked != a, "a tracked face is not equal to an untracked one"
    with pytest.raises(TypeError):
        hash(a)


def test_rows_number_untracked_faces_and_keep_track_ids() -> None:
    faces = [FaceResult((0, 0, 10, 10), _p(3)), FaceResult((20, 0, 10, 10), _p(6))]
    rows = face_rows(faces, 5, 0.25)
    assert [row[:3] for row in rows] == [(5, 0.25, 1), (5, 0.25, 2)]
    assert [row[-1] for row in rows] == ["happy", "neutral"] and len(rows[0]) == len(FRAME_COLUMNS)
    tracked = [TrackedFace((0, 0, 10, 10), _p(3), face_id=9, raw_probabilities=_p(0))]
    (row,) = face_rows(tracked, raw=True)
    assert row[2] == 9 and len(row) == len(FRAME_COLUMNS) + len(RAW_COLUMNS)
    assert row[len(FRAME_COLUMNS)] == pytest.approx(0.7), "raw columns hold the unsmoothed probabilities"


def test_table_round_trip_and_typed_empty_table() -> None:
    faces = [FaceResult((3, 4, 50, 60), _p(2), face_id=4), FaceResult((100, 4, 50, 60), _p(5), face_id=8)]
    table = faces_to_frame(faces, frame=2, time_s=0.1)
    assert list(table.columns) == list(FRAME_COLUMNS)
    assert table["face_id"].tolist() == [4, 8] and table["emotion"].tolist() == ["fear", "surprise"]
    back = faces_from_frame(table)
    assert [f.box for f in back] == [f.box for f in faces] and [f.face_id for f in back] == [4, 8]
    np.testing.assert_allclose([f.probabilities for f in back], [f.probabilities for f in faces])
    empty = frames_table([], raw=True)
    assert list(empty.columns) == [*FRAME_COLUMNS, *RAW_COLUMNS] and empty["x"].dtype == np.int64
    assert faces_from_frame(empty) == []


def test_to_dict_is_json_ready() -> None:
    record = FaceResult((1, 2, 3, 4), _p(0), 0.123456, 3).to_dict()
    assert record == {"face_id": 3, "x": 1, "y": 2, "w": 3, "h": 4, "score": 0.1235, "emotion": "angry",
                      "probabilities": {name: (0.7 if name == "angry" else 0.05) for name in CLASSES}}


def test_a_face_round_trips_through_its_dict() -> None:
    face = FaceResult((10, 20, 30, 40), np.array([0.1, 0.0, 0.05, 0.6, 0.05, 0.1, 0.1], np.float32), 0.87, 5)
    back = FaceResult.from_dict(face.to_dict())
    assert back.box == face.box and back.face_id == 5 and back.emotion == "happy"
    assert abs(back.score - 0.87) < 1e-4 and np.allclose(back.probabilities, face.probabilities, atol=1e-4)
