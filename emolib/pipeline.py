"""The analysis pipeline every front end uses: detect faces, crop them, classify all in one batch.

>>> analyzer = Analyzer()                     # YuNet + the bundled model
>>> results = analyzer.analyze(image_bgr)     # list[FaceResult]
>>> table = analyzer.analyze_table(image_bgr) # the same faces as a per-frame DataFrame
>>> annotated = annotate(image_bgr, results)  # see emolib.draw
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from emolib.detect import DEFAULT_DETECT_SIZE, FaceDetector, crop_faces, detect_faces, make_detector
from emolib.errors import EmolibError
from emolib.loaders import Classifier, load_classifier
from emolib.media.images import check_bgr, read_image
from emolib.results import Box, Detection, FaceResult, Landmarks, faces_to_frame

if TYPE_CHECKING:
    import pandas as pd

#: Range of crop margins taken: -0.5 crops to half the face box, 4 makes the crop 5 face sides wide.
MIN_MARGIN, MAX_MARGIN = -0.5, 4.0


class Analyzer:
    """Faces and their emotions in BGR images.

    ``detector``: a name from :data:`emolib.detect.DETECTORS` ("yunet", "haar"), a detector object, or
    None for the default. ``classifier``: anything :func:`emolib.loaders.load_classifier` takes (None: the
    bundled model; a bundled name; a ``.tflite``/``.keras`` path; an object with ``predict``).
    ``margin``: None (the default) cuts each face where FER2013 would have framed it, predicted from the
    detector's landmarks (:mod:`emolib.framing`); a number overrides that with a square of ``1 + margin``
    times the box's longer side (faces without landmarks always get one, at
    :data:`emolib.framing.DEFAULT_MARGIN`). ``align``: also level the eyes of faces with landmarks before
    the resize (off by default: the end-to-end evaluation in the model card found it no help, as YuNet's
    landmarks follow only a small part of a face's roll). ``min_face``: least
    face side in pixels. ``detect_size``: longest side of the image copy the detector sees (None: full size).
    Thread-safe: the detector and classifier guard their native state.
    """

    def __init__(
        self,
        detector: str | FaceDetector | None = None,
        classifier: Classifier | str | os.PathLike | None = None,
        *,
        margin: float | None = None,
        align: bool = False,
        min_face: int = 20,
        detect_size: int | None = DEFAULT_DETECT_SIZE,
    ) -> None:
        if margin is not None and (isinstance(margin, bool) or not isinstance(margin, (int, float))
                                   or not MIN_MARGIN <= margin <= MAX_MARGIN):
            raise EmolibError(f"margin must be None or a number from {MIN_MARGIN:g} to {MAX_MARGIN:g}, got {margin!r}")
        if not isinstance(min_face, int) or min_face < 1:
            raise EmolibError(f"min_face must be a whole number of pixels, 1 or more, got {min_face!r}")
        if detect_size is not None and (not isinstance(detect_size, int) or detect_size < 32):
            raise EmolibError(f"detect_size must be None or at least 32 pixels, got {detect_size!r}")
        self.detector = make_detector(detector)
        self.classifier = load_classifier(classifier)
        self.margin = margin
        self.align = bool(align)
        self.min_face = min_face
        self.detect_size = detect_size

    def detect(self, image_bgr: np.ndarray, *, detect_size: int | None = None,
               tile_side: int | None = None) -> list[Detection]:
        """Faces of at least ``min_face`` pixels in a (H, W, 3) uint8 BGR image, largest first.

        ``detect_size``: this call's longest side of the detector's copy (None: the analyzer's own); boxes
        and landmarks come back in full-image pixels. ``tile_side``: see :func:`emolib.detect.detect_faces`.
        """
        found = detect_faces(self.detector, image_bgr, detect_size=detect_size or self.detect_size,
                             tile_side=tile_side)
        detections = [d for d in found if min(d.box[2:]) >= self.min_face]
        detections.sort(key=lambda d: d.box[2] * d.box[3], reverse=True)
        return detections

    def analyze(self, image_bgr: np.ndarray) -> list[FaceResult]:
        """Every face found in a (H, W, 3) uint8 BGR image, largest first.

        Anything else (a path, a grey or float array, an empty one) is an :class:`EmolibError` saying what
        it got; images too thin to hold a face (a side under ``min_face``) have no faces.
        """
        image_bgr = np.ascontiguousarray(check_bgr(image_bgr))
        if min(image_bgr.shape[:2]) < self.min_face:
            return []
        detections = self.detect(image_bgr)
        return self.classify_boxes(image_bgr, [d.box for d in detections], [d.score for d in detections],
                                   [d.landmarks for d in detections])

    def analyze_table(self, image: np.ndarray | str | os.PathLike, *, raw: bool = False) -> pd.DataFrame:
        """The faces of one image (array or file) as the per-frame table: one row per face, largest first,
        face_id 1..n, frame 0, time_s 0 (columns :data:`emolib.results.FRAME_COLUMNS`)."""
        if isinstance(image, (str, os.PathLike)):
            image = read_image(image)
        return faces_to_frame(self.analyze(image), raw=raw)

    def classify_boxes(
        self,
        image_bgr: np.ndarray,
        boxes: Sequence[Box],
        scores: Sequence[float] | None = None,
        landmarks: Sequence[Landmarks | None] | None = None,
    ) -> list[FaceResult]:
        """Classify given face boxes (from a detector or a tracker) in one batched model call; ``landmarks``
        (the detector's five points per face, or None) place the crop (see :class:`Analyzer`)."""
        check_bgr(image_bgr)
        if not boxes:
            return []
        probabilities = self.classifier.predict(crop_faces(image_bgr, list(boxes), margin=self.margin,
                                                            landmarks=landmarks, align=self.align))
        scores = scores or [1.0] * len(boxes)
        landmarks = landmarks or [None] * len(boxes)
        return [FaceResult((int(box[0]), int(box[1]), int(box[2]), int(box[3])), p, float(s), None, m)
                for box, p, s, m in zip(boxes, probabilities, scores, landmarks)]


def analyze_image(image: np.ndarray | str | os.PathLike, analyzer: Analyzer | None = None) -> pd.DataFrame:
    """The faces of one image (a (H, W, 3) uint8 BGR array or a file) as a DataFrame, one row per face.

    Columns :data:`emolib.results.FRAME_COLUMNS` (frame 0, time_s 0, face_id 1..n largest first, box, the
    seven probabilities, emotion). ``analyzer``: default a new :class:`Analyzer`.
    """
    return (analyzer or Analyzer()).analyze_table(image)
