"""The analysis pipeline every front end uses: detect faces, crop them, classify all in one batch.

>>> analyzer = Analyzer()                     # YuNet + the bundled model
>>> results = analyzer.analyze(image_bgr)     # list[FaceResult]
>>> annotated = annotate(image_bgr, results)  # see emolib.draw
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from emolib.classify import EmotionClassifier, load_classifier
from emolib.detect import Detection, FaceDetector, clip_box, crop_faces, make_detector
from emolib.errors import EmolibError, require_file
from emolib.labels import CLASSES

#: File suffixes the image commands and batch analysis treat as images.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


@dataclass
class FaceResult:
    """One analysed face.

    ``box``: (x, y, w, h) in pixels of the analysed image; ``probabilities``: (7,) float32 in
    :data:`CLASSES` order; ``emotion``: the most probable class; ``score``: the detector's confidence;
    ``face_id``: a track id when faces are tracked across frames (video, webcam), else None.
    """

    box: tuple[int, int, int, int]
    probabilities: np.ndarray
    score: float = 1.0
    face_id: int | None = None
    landmarks: tuple[tuple[float, float], ...] | None = field(default=None, repr=False)

    @property
    def emotion(self) -> str:
        return CLASSES[int(np.argmax(self.probabilities))]

    @property
    def confidence(self) -> float:
        """Probability of :attr:`emotion`."""
        return float(np.max(self.probabilities))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields: box, emotion, score, face_id and one entry per class."""
        x, y, w, h = self.box
        return {
            "face_id": self.face_id,
            "x": int(x), "y": int(y), "w": int(w), "h": int(h),
            "score": round(float(self.score), 4),
            "emotion": self.emotion,
            "probabilities": {name: round(float(p), 4) for name, p in zip(CLASSES, self.probabilities)},
        }


class Analyzer:
    """Faces and their emotions in BGR images.

    ``detector``: a name from :data:`emolib.detect.DETECTORS` ("yunet", "haar"), a detector object, or
    None for the default. ``classifier``: an :class:`EmotionClassifier` (or any object with the same
    ``predict``), a bundled model name, a ``.tflite``/``.keras`` path, or None for the bundled model.
    ``margin``: extra context around each face box for the crop (FER2013-like framing).
    Thread-safe: the detector and classifier guard their native state.
    """

    def __init__(
        self,
        detector: str | FaceDetector | None = None,
        classifier: EmotionClassifier | str | os.PathLike | None = None,
        *,
        margin: float = 0.15,
        min_face: int = 20,
    ) -> None:
        self.detector = make_detector(detector)
        self.classifier = load_classifier(classifier)
        self.margin = margin
        self.min_face = min_face

    def detect(self, image_bgr: np.ndarray, *, max_side: int | None = None) -> list[Detection]:
        """Faces of at least ``min_face`` pixels in a (H, W, 3) uint8 BGR image, largest first.

        ``max_side``: detect on a copy scaled down to this longest side (faster on large frames; boxes and
        landmarks come back in full-image pixels).
        """
        height, width = image_bgr.shape[:2]
        scale = 1.0 if max_side is None else min(1.0, max_side / max(height, width))
        small = image_bgr
        if scale < 1.0:
            small = cv2.resize(image_bgr, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        detections = []
        for found in self.detector.detect(small):
            box = found.box if scale == 1.0 else clip_box(np.asarray(found.box, float) / scale, width, height)
            if box is None or min(box[2:]) < self.min_face:
                continue
            marks = found.landmarks
            if marks is not None and scale != 1.0:
                marks = tuple((x / scale, y / scale) for x, y in marks)
            detections.append(Detection(box, found.score, marks))
        detections.sort(key=lambda d: d.box[2] * d.box[3], reverse=True)
        return detections

    def analyze(self, image_bgr: np.ndarray) -> list[FaceResult]:
        """Every face found in a (H, W, 3) uint8 BGR image, largest first."""
        detections = self.detect(image_bgr)
        return self.classify_boxes(image_bgr, [d.box for d in detections], [d.score for d in detections],
                                   [d.landmarks for d in detections])

    def classify_boxes(
        self,
        image_bgr: np.ndarray,
        boxes: list[tuple[int, int, int, int]],
        scores: list[float] | None = None,
        landmarks: list[Any] | None = None,
    ) -> list[FaceResult]:
        """Classify given face boxes (from a detector or a tracker) in one batched model call."""
        if not boxes:
            return []
        probabilities = self.classifier.predict(crop_faces(image_bgr, boxes, margin=self.margin))
        scores = scores or [1.0] * len(boxes)
        landmarks = landmarks or [None] * len(boxes)
        return [FaceResult(tuple(int(v) for v in box), p, float(s), None, m)
                for box, p, s, m in zip(boxes, probabilities, scores, landmarks)]

    def analyze_video(self, path: str | os.PathLike, **options: Any) -> Any:
        """Track and classify the faces of a video file with this analyzer: a per-frame pandas DataFrame.

        Options (out, every, progress, ...) as for :func:`emolib.video.analyze_video`.
        """
        from emolib.video import analyze_video

        return analyze_video(path, self, **options)

    def iter_video(self, source: Any, **options: Any) -> Any:
        """``(frame_index, time_s, frame_bgr, faces)`` per frame of a file or ``cv2.VideoCapture``.

        Options as for :func:`emolib.video.iter_video`.
        """
        from emolib.video import iter_video

        return iter_video(source, self, **options)



def read_image(path: str | os.PathLike) -> np.ndarray:
    """A (H, W, 3) uint8 BGR image from a file, or :class:`EmolibError` naming what is wrong with it."""
    path = require_file(path, "an image")
    return decode_image(np.fromfile(path, np.uint8), name=str(path))


def decode_image(data: bytes | memoryview | np.ndarray, *, name: str = "the data") -> np.ndarray:
    """A (H, W, 3) uint8 BGR image from encoded bytes (PNG, JPEG, ...), e.g. an upload, or :class:`EmolibError`."""
    encoded = np.frombuffer(data, np.uint8)
    image = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    if image is None:
        raise EmolibError(f"{name} is not a readable image")
    if _truncated_jpeg(encoded.tobytes()):
        raise EmolibError(f"{name} is a truncated JPEG (no end-of-image marker)")
    return image


def _truncated_jpeg(data: bytes) -> bool:
    """JPEG bytes (by content, whatever the file name) with no end-of-image marker after the last scan.

    OpenCV decodes such files with the missing part grey. Bytes after the marker (trailers some cameras
    write) and the markers of an embedded EXIF thumbnail, which comes before the main image, do not count.
    """
    return data[:2] == b"\xff\xd8" and data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda")
