from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from emolib import Analyzer, FaceResult, read_image
from emolib.detect import DETECTORS, crop_faces, make_detector
from emolib.errors import EmolibError
from emolib.media.images import _truncated_jpeg


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def test_one_face_on_astronaut(analyzer: Analyzer, astronaut_bgr: np.ndarray) -> None:
    results = analyzer.analyze(astronaut_bgr)
    assert len(results) == 1
    (face,) = results
    x, y, w, h = face.box
    assert 150 < x + w / 2 < 300 and 60 < y + h / 2 < 200, "box should sit on the astronaut's face"
    assert face.emotion == "happy" and 0.5 < face.score <= 1
    record = face.to_dict()
    assert record["emotion"] == "happy" and set(record["probabilities"]) >= {"happy", "neutral"}


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_every_detector_finds_the_face(name: str, astronaut_bgr: np.ndarray) -> None:
    boxes = [d.box for d in make_detector(name).detect(astronaut_bgr)]
    assert any(150 < x + w / 2 < 300 and 60 < y + h / 2 < 200 for x, y, w, h in boxes)


def test_large_frames_are_downscaled_for_detection(astronaut_bgr: np.ndarray) -> None:
    """Analyzer.detect on a 1280x960 frame: the detector sees 640x480, boxes and landmarks come back in full pixels."""
    seen: list[tuple[int, int]] = []

    class Recording:
        def __init__(self) -> None:
            self.inner = make_detector("yunet")

        def detect(self, image: np.ndarray) -> list:
            seen.append(image.shape[1::-1])
            return self.inner.detect(image)

    frame = cv2.resize(astronaut_bgr, (640, 480))
    big = cv2.resize(frame, (1280, 960))
    analyzer = Analyzer(Recording())
    (small_face,) = analyzer.detect(frame)
    (big_face,) = analyzer.detect(big)
    assert seen == [(640, 480), (640, 480)], "the 1280x960 frame is detected at the default 640 px"
    np.testing.assert_allclose(np.array(big_face.box) / 2, small_face.box, atol=1)
    np.testing.assert_allclose(np.array(big_face.landmarks) / 2, small_face.landmarks, atol=1.0)
    x, y, w, h = big_face.box
    assert all(x <= px <= x + w and y <= py <= y + h for px, py in big_face.landmarks), "landmarks inside the box"
    (full,) = analyzer.detect(big, detect_size=1280)
    assert seen[-1] == (1280, 960) and abs(full.box[2] - big_face.box[2]) < 0.1 * big_face.box[2]


def test_no_face_in_blank_image(analyzer: Analyzer) -> None:
    assert analyzer.analyze(np.full((240, 320, 3), 128, np.uint8)) == []


def test_crop_matches_training_framing(astronaut_bgr: np.ndarray) -> None:
    crops = crop_faces(astronaut_bgr, [(178, 63, 90, 113), (0, 0, 40, 40)])
    assert crops.shape == (2, 48, 48) and crops.dtype == np.uint8
    # the edge face is padded by replication, not shrunk or shifted off-centre: it crops exactly like the
    # same face inside a frame whose border was replicated beforehand
    pad = 60
    framed = cv2.copyMakeBorder(astronaut_bgr, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    for box in [(0, 0, 40, 40), (490, 470, 40, 50), (-30, 200, 80, 80)]:
        inside = crop_faces(framed, [(box[0] + pad, box[1] + pad, box[2], box[3])])
        np.testing.assert_array_equal(crop_faces(astronaut_bgr, [box]), inside)
    assert crops[1].std() > 0


def test_face_result_emotion_follows_probabilities() -> None:
    p = np.zeros(7, np.float32)
    p[5] = 1
    assert FaceResult((0, 0, 10, 10), p).emotion == "surprise"


def test_read_image_errors(tmp_path: Path, astronaut_bgr: np.ndarray) -> None:
    with pytest.raises(EmolibError, match="no such file"):
        read_image(tmp_path / "missing.jpg")
    empty = tmp_path / "empty.jpg"
    empty.touch()
    with pytest.raises(EmolibError, match="empty"):
        read_image(empty)
    text = tmp_path / "notes.jpg"
    text.write_text("hello")
    with pytest.raises(EmolibError, match="not a readable image"):
        read_image(text)
    ok, encoded = cv2.imencode(".jpg", astronaut_bgr)
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(encoded.tobytes()[: len(encoded) // 2])
    with pytest.raises(EmolibError, match="truncated|not a readable"):
        read_image(truncated)



def test_read_image_judges_jpegs_by_content(tmp_path: Path, astronaut_bgr: np.ndarray) -> None:
    encoded = cv2.imencode(".jpg", astronaut_bgr)[1].tobytes()
    trailer = tmp_path / "trailer.jpg"
    trailer.write_bytes(encoded + b"camera trailer after the end-of-image marker")
    assert read_image(trailer).shape == astronaut_bgr.shape
    png_named_jpg = tmp_path / "really_a_png.jpg"
    png_named_jpg.write_bytes(cv2.imencode(".png", astronaut_bgr)[1].tobytes())
    np.testing.assert_array_equal(read_image(png_named_jpg), astronaut_bgr)
    jpeg_named_png = tmp_path / "really_a_jpeg.png"
    jpeg_named_png.write_bytes(encoded[: len(encoded) * 3 // 4])
    with pytest.raises(EmolibError, match="truncated|not a readable"):  # newer OpenCV refuses it by itself
        read_image(jpeg_named_png)
    # the check itself, for OpenCV versions that decode a cut JPEG with its missing part grey
    assert _truncated_jpeg(encoded[: len(encoded) * 3 // 4])
    assert not _truncated_jpeg(encoded) and not _truncated_jpeg(encoded + b"trailer")
    assert not _truncated_jpeg(cv2.imencode(".png", astronaut_bgr)[1].tobytes())
