"""emolib.training.end_to_end: the placement protocol and the scoring of faces found, missed and cropped."""

from __future__ import annotations

import numpy as np
import pytest

from emolib.results import FaceResult
from emolib.training.data import FerData
from emolib.training.end_to_end import Placement, evaluate_end_to_end, place_face


def _faces(count: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (count, 48, 48), dtype=np.uint8)


def test_placement_is_seeded_and_holds_the_face_where_it_says() -> None:
    import cv2

    face = _faces(1)[0]
    placement = Placement(rotation=0.0, brightness=(1.0, 1.0))
    picture, (x, y, w, h) = place_face(face, 5, placement)
    again, box = place_face(face, 5, placement)
    assert np.array_equal(picture, again) and box == (x, y, w, h)
    assert picture.shape == (480, 640, 3) and picture.dtype == np.uint8
    assert 0 <= x and x + w <= 640 and 0 <= y and y + h <= 480 and 96 <= w <= 240 and w == h
    inside = cv2.resize(cv2.cvtColor(picture[y:y + h, x:x + w], cv2.COLOR_BGR2GRAY), (48, 48),
                        interpolation=cv2.INTER_AREA)
    assert np.corrcoef(inside.ravel(), face.ravel())[0, 1] > 0.8, "the face square holds the face"
    other, _ = place_face(face, 6, placement)
    assert not np.array_equal(picture, other), "another index, another picture"


class _Classifier:
    def predict(self, faces: np.ndarray) -> np.ndarray:
        return np.tile(np.eye(7, dtype=np.float32)[3], (len(faces), 1))  # always "happy"


class _Analyzer:
    """Finds the face in every second picture; right in half of those, wrong (angry) in the others."""

    def __init__(self, truths: list[tuple[int, int, int, int]]) -> None:
        self.classifier = _Classifier()
        self.truths = truths
        self.calls = 0

    def analyze(self, picture: np.ndarray) -> list[FaceResult]:
        index, self.calls = self.calls, self.calls + 1
        if index % 2:
            return [FaceResult((0, 0, 20, 20), np.eye(7, dtype=np.float32)[3])]  # a box elsewhere: a miss
        winner = 3 if index % 4 == 0 else 0
        return [FaceResult(self.truths[index], np.eye(7, dtype=np.float32)[winner])]


def test_scores_found_missed_and_cropped_faces() -> None:
    images = _faces(8)
    data = FerData(images, np.full(8, 3), np.array(["PrivateTest"] * 8))
    truths = [place_face(face, index)[1] for index, face in enumerate(images)]
    result = evaluate_end_to_end(data, _Analyzer(truths))  # type: ignore[arg-type]
    summary = result.summary()
    assert summary["detection_rate"] == 0.5 and summary["accuracy_found"] == 0.5 and summary["accuracy_all"] == 0.25
    assert summary["crop_accuracy_found"] == 1.0 and summary["gap_found"] == 0.5
    table = result.per_class()
    assert table.loc["happy", "faces"] == 8 and table.loc["happy", "detection_rate"] == 0.5
    assert np.isnan(table.loc["angry", "accuracy_found"])


def test_the_cli_reports_end_to_end(tmp_path, capsys: pytest.CaptureFixture) -> None:  # noqa: ANN001
    """Real detector and model on real faces (scikit-image's LFW subset), through `emolib evaluate`."""
    skimage_data = pytest.importorskip("skimage.data")
    import cv2

    from emolib.cli import main

    faces = np.stack([cv2.resize((face * 255).astype(np.uint8), (48, 48)) for face in skimage_data.lfw_subset()[:12]])
    rows = [f"{label},{' '.join(map(str, face.ravel()))},PrivateTest" for label, face in zip([3] * 12, faces)]
    csv = tmp_path / "faces.csv"
    csv.write_text("emotion,pixels,Usage\n" + "\n".join(rows) + "\n")
    assert main(["evaluate", "--data", str(csv), "--end-to-end", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "end to end on PrivateTest (12 faces in pictures" in out and "gap" in out
    assert (tmp_path / "out" / "end_to_end_emotion_compact_vgg_deep_PrivateTest.csv").is_file()
