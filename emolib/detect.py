"""Face detectors behind one small interface, and cropping faces the way FER2013 shows them.

A detector is any object with ``detect(image_bgr) -> list[Detection]``. Two ship: YuNet (a small CNN,
``cv2.FaceDetectorYN``; the default, see the README for the measurements behind that choice) and
OpenCV's Haar cascade. Register more in :data:`DETECTORS`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import cv2
import numpy as np

from emolib.errors import EmolibError
from emolib.framing import DEFAULT_MARGIN as DEFAULT_MARGIN
from emolib.framing import face_square
from emolib.labels import FACE_SIZE
from emolib.media.images import check_bgr
from emolib.resources import YUNET_MODEL, bundled_path
from emolib.results import Box, Detection, Landmarks


class FaceDetector(Protocol):
    """What the pipeline needs of a face detector."""

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        """Faces in a (H, W, 3) uint8 BGR image."""
        ...


class YuNetDetector:
    """YuNet (OpenCV Zoo, MIT): fast and accurate CNN detector with five landmarks.

    Runs at the size it is given; :func:`detect_faces` (used by the Analyzer) scales large frames down first.
    """

    def __init__(self, *, score_threshold: float = 0.7, nms_threshold: float = 0.3) -> None:
        self.score_threshold = score_threshold
        self._net = cv2.FaceDetectorYN.create(
            str(bundled_path("models", YUNET_MODEL)), "", (320, 320), score_threshold, nms_threshold, 5000
        )
        self._size: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        image = check_bgr(image_bgr)
        height, width = image.shape[:2]
        with self._lock:
            if self._size != (width, height):
                self._net.setInputSize((width, height))
                self._size = (width, height)
            _, faces = self._net.detect(image)
        detections = []
        for face in [] if faces is None else faces:
            box = clip_box(face[:4], width, height)
            if box is not None:
                marks = tuple((float(face[i]), float(face[i + 1])) for i in range(4, 14, 2))
                detections.append(Detection(box, float(face[14]), marks))
        return detections


class HaarDetector:
    """OpenCV's frontal-face Haar cascade: no model file needed, slower and with more false boxes."""

    def __init__(self, *, scale_factor: float = 1.1, min_neighbors: int = 5, min_size: int = 30) -> None:
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.min_size = min_size
        self._cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")  # type: ignore[attr-defined]
        if self._cascade.empty():
            raise EmolibError("OpenCV's Haar cascade file could not be loaded (is opencv-python < 5 installed?)")

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        image = check_bgr(image_bgr)
        height, width = image.shape[:2]
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        boxes, _, weights = self._cascade.detectMultiScale3(
            gray, self.scale_factor, self.min_neighbors, minSize=(self.min_size, self.min_size), outputRejectLevels=True
        )
        detections = []
        for box, weight in zip(boxes, np.ravel(weights) if len(boxes) else []):
            clipped = clip_box(box, width, height)
            if clipped is not None:
                # Squash the cascade's stage margin into 0-1 so scores read like YuNet's confidences.
                detections.append(Detection(clipped, float(1 / (1 + np.exp(-weight)))))
        return detections


#: Detector factories by name (``Analyzer(detector="haar")``, ``--detector haar``).
DETECTORS: dict[str, Callable[..., FaceDetector]] = {"yunet": YuNetDetector, "haar": HaarDetector}
DEFAULT_DETECTOR = "yunet"
#: Longest side of the frame copy detectors see in still images (:func:`detect_faces`); streams use
#: :attr:`emolib.options.TrackingOptions.detect_size`.
DEFAULT_DETECT_SIZE = 640


def make_detector(detector: str | FaceDetector | None = None, **options: Any) -> FaceDetector:
    """A detector from a name in :data:`DETECTORS`, an existing detector, or None for the default."""
    if detector is None:
        detector = DEFAULT_DETECTOR
    if isinstance(detector, str):
        if detector not in DETECTORS:
            raise EmolibError(f"unknown detector {detector!r}; choose from {sorted(DETECTORS)}")
        return DETECTORS[detector](**options)
    return detector


#: Smallest face side (in the detector's copy) YuNet finds reliably: measured on tight 25 px LFW crops
#: (``skimage.data.lfw_subset()``) scaled up, it finds 40% of faces with 28 px crops (boxes of 20-24 px) and
#: 85% at 30 px; faces with hair and shoulders around them are found down to about 10 px.
RELIABLE_FACE_PX = 24
#: Longest side of one detector pass: a larger copy is cut into overlapping tiles of at most this side.
#: Measured (benchmarks/bench_video_crowd.py, 1920x1080 crowds): tiles of 960 px cost as much as one pass at
#: full size and more than one pass at 1440 px (their overlap and the coarse pass add pixels), so only
#: copies beyond 1920 px (4K frames with small faces) are tiled.
TILE_SIDE = 1920
#: Least longest side ``auto_detect_size`` goes down to.
MIN_DETECT_SIDE = 160


def auto_detect_size(width: int, height: int, min_face: int) -> int | None:
    """The detector's longest side that shows a ``min_face``-pixel face (of a ``width`` x ``height`` frame) at
    :data:`RELIABLE_FACE_PX`, rounded up to 32 px and at least :data:`MIN_DETECT_SIDE`; None: the full size."""
    longest = max(width, height)
    size = max(MIN_DETECT_SIDE, math.ceil(longest * RELIABLE_FACE_PX / max(min_face, 1) / 32) * 32)
    return None if size >= longest else size


def detection_scale(width: int, height: int, detect_size: int | None) -> float:
    """The factor (at most 1) that brings a ``width`` x ``height`` frame's longest side down to ``detect_size``."""
    return 1.0 if detect_size is None else min(1.0, detect_size / max(width, height))


def detect_faces(detector: FaceDetector, image_bgr: np.ndarray, *,
                 detect_size: int | None = DEFAULT_DETECT_SIZE, tile_side: int | None = None) -> list[Detection]:
    """``detector``'s faces in a (H, W, 3) uint8 BGR image, detected on a copy whose longest side is at most
    ``detect_size`` (None: full size), with boxes and landmarks mapped back to the image's pixels.

    The one place emolib scales frames for detection: large frames cost what a ``detect_size`` one does;
    faces under ~10 px in the scaled copy are missed. A copy longer than ``tile_side`` (None: never; video
    uses :data:`TILE_SIDE`) is searched in overlapping tiles of at most that side plus one pass over all of
    it at that side (for faces larger than the overlap), the results merged by non-maximum suppression.
    """
    image = check_bgr(image_bgr)
    height, width = image.shape[:2]
    scale = detection_scale(width, height, detect_size)
    small = image if scale == 1.0 else cv2.resize(image, (round(width * scale), round(height * scale)),
                                                  interpolation=cv2.INTER_AREA)
    if tile_side is None or max(small.shape[:2]) <= tile_side:
        found = list(detector.detect(small))
    else:
        found = _detect_tiled(detector, small, tile_side)
    if scale == 1.0:
        return found
    detections = []
    for face in found:
        box = clip_box(np.asarray(face.box, float) / scale, width, height)
        if box is None:
            continue
        marks = None if face.landmarks is None else tuple((x / scale, y / scale) for x, y in face.landmarks)
        detections.append(Detection(box, face.score, marks))
    return detections


def tile_spans(length: int, tile: int, overlap: int) -> list[tuple[int, int]]:
    """(start, stop) of the fewest equal tiles of at most ``tile`` pixels covering ``length`` pixels, neighbours
    overlapping by at least ``overlap``."""
    if length <= tile:
        return [(0, length)]
    count = math.ceil((length - overlap) / (tile - overlap))
    side = math.ceil((length + (count - 1) * overlap) / count)
    starts = [round(i * (length - side) / (count - 1)) for i in range(count)]
    return [(start, start + side) for start in starts]


def _detect_tiled(detector: FaceDetector, image: np.ndarray, tile_side: int) -> list[Detection]:
    height, width = image.shape[:2]
    # Faces too small for the coarse pass below (under RELIABLE_FACE_PX there) lie whole in some tile.
    overlap = math.ceil(1.5 * RELIABLE_FACE_PX * max(height, width) / tile_side)
    found: list[Detection] = []
    for y0, y1 in tile_spans(height, tile_side, overlap):
        for x0, x1 in tile_spans(width, tile_side, overlap):
            for face in detector.detect(image[y0:y1, x0:x1]):
                bx, by, bw, bh = face.box
                marks = None if face.landmarks is None else tuple((mx + x0, my + y0) for mx, my in face.landmarks)
                found.append(Detection((bx + x0, by + y0, bw, bh), face.score, marks))
    coarse = tile_side / max(height, width)
    small = cv2.resize(image, (round(width * coarse), round(height * coarse)), interpolation=cv2.INTER_AREA)
    for face in detector.detect(small):
        box = clip_box(np.asarray(face.box, float) / coarse, width, height)
        if box is not None:
            marks = None if face.landmarks is None else tuple((mx / coarse, my / coarse) for mx, my in face.landmarks)
            found.append(Detection(box, face.score, marks))
    if len(found) < 2:
        return found
    keep = cv2.dnn.NMSBoxes([list(f.box) for f in found], [f.score for f in found], 0.0, 0.3)
    return [found[int(i)] for i in np.ravel(keep)]


def clip_box(box: Any, width: int, height: int, *, min_side: int = 2) -> Box | None:
    """An (x, y, w, h) box rounded and clipped to a ``width`` x ``height`` frame, or None when less than
    ``min_side`` pixels of it are left in either direction (or when it is not finite: detectors can give
    infinite boxes on thin strips)."""
    x, y, w, h = (float(v) for v in box[:4])
    if not math.isfinite(x + y + w + h):
        return None
    x0, y0 = max(0, round(x)), max(0, round(y))
    x1, y1 = min(width, round(x + w)), min(height, round(y + h))
    if x1 - x0 < min_side or y1 - y0 < min_side:
        return None
    return x0, y0, x1 - x0, y1 - y0


#: In aligned crops, roll angles beyond this (degrees) are taken as landmark errors and clipped.
MAX_ALIGN_DEGREES = 30.0


def crop_faces(
    image_bgr: np.ndarray, boxes: list[Box], *, margin: float | None = None,
    landmarks: Sequence[Landmarks | None] | None = None, align: bool = False,
) -> np.ndarray:
    """(N, 48, 48) uint8 grayscale crops as FER2013 frames its faces.

    Each face is cut from the square :func:`emolib.framing.face_squares` gives: FER2013's framing predicted
    from the face's five ``landmarks`` when it has them and ``margin`` is None, else a square of
    ``max(w, h) * (1 + margin)`` centred on the box (``margin`` None: :data:`DEFAULT_MARGIN`). ``align``:
    also level the eyes (faces with landmarks): the square is rotated about its centre by the eye line's
    angle, after an INTER_AREA shrink of large faces to twice the model's side, so they are not aliased.
    Parts outside the image are filled by replicating the border, so faces at the edge keep their size and
    position. Only the pixels around each square are converted to grey and padded, so the cost follows the
    faces, not the frame size.
    """
    if not boxes:
        return np.zeros((0, FACE_SIZE, FACE_SIZE), np.uint8)
    image = check_bgr(image_bgr)
    marks = list(landmarks) if landmarks is not None else [None] * len(boxes)
    if len(marks) != len(boxes):
        raise EmolibError(f"{len(boxes)} boxes but {len(marks)} landmark sets")
    crops = np.empty((len(boxes), FACE_SIZE, FACE_SIZE), np.uint8)
    for index, (box, points) in enumerate(zip(boxes, marks, strict=True)):
        if align and points is not None:
            crops[index] = _aligned_crop(image, box, points, margin)
            continue
        left, top, side = face_square(box, points, margin=margin)
        crops[index] = cv2.resize(_grey_square(image, round(left), round(top), max(round(side), 1)),
                                  (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
    return crops


def eye_angle(landmarks: Landmarks) -> float:
    """Roll of a face in degrees from its eyes (landmarks 0 and 1), positive when the eye line runs down to
    the right of the image; clipped to :data:`MAX_ALIGN_DEGREES`."""
    (rx, ry), (lx, ly) = landmarks[0], landmarks[1]
    angle = math.degrees(math.atan2(ly - ry, lx - rx))
    return float(np.clip(angle, -MAX_ALIGN_DEGREES, MAX_ALIGN_DEGREES))


def _aligned_crop(image: np.ndarray, box: Box, landmarks: Landmarks, margin: float | None) -> np.ndarray:
    """The (48, 48) uint8 crop of a face levelled by its eye angle: its square is framed on the levelled
    landmarks (as on an upright face), then cut rotated back into the image."""
    angle = eye_angle(landmarks)
    x, y, w, h = box
    level = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), angle, 1.0)  # levels the face (and its points)
    points = np.c_[np.asarray(landmarks, np.float64), np.ones(len(landmarks))] @ level.T
    left, top, side = face_square(box, tuple(map(tuple, points)), margin=margin)
    cx, cy = cv2.invertAffineTransform(level) @ (left + side / 2, top + side / 2, 1.0)
    return _level_crop(image, float(cx), float(cy), side, angle)


def _grey_square(image: np.ndarray, x0: int, y0: int, size: int) -> np.ndarray:
    """The (size, size) uint8 grey pixels of the square at (x0, y0), the image's border replicated outside."""
    height, width = image.shape[:2]
    top_row, bottom_row, top, bottom = _span(y0, y0 + size, height)
    left_col, right_col, left, right = _span(x0, x0 + size, width)
    patch = cv2.cvtColor(image[top_row:bottom_row, left_col:right_col], cv2.COLOR_BGR2GRAY)
    if top or bottom or left or right:
        patch = cv2.copyMakeBorder(patch, top, bottom, left, right, cv2.BORDER_REPLICATE)
    return patch


def _level_crop(image: np.ndarray, cx: float, cy: float, side: float, angle: float) -> np.ndarray:
    """The (48, 48) uint8 grey crop of the square of ``side`` centred at (cx, cy), rotated by ``angle`` degrees
    (counter-clockwise on screen) so that a face rolled by ``angle`` comes out level."""
    reach = max(int(math.ceil(side * math.sqrt(2) / 2)) + 1, 1)  # the rotated square's corners stay inside
    patch: np.ndarray = _grey_square(image, round(cx) - reach, round(cy) - reach, 2 * reach).astype(np.float32)
    shrink = min(1.0, 2 * FACE_SIZE / max(side, 1.0))
    if shrink < 1.0:
        small = max(int(round(2 * reach * shrink)), 2)
        shrink = small / (2 * reach)
        patch = cv2.resize(patch, (small, small), interpolation=cv2.INTER_AREA)
    # the square's centre in the (shrunk) patch's pixel-centre coordinates
    centre = ((cx - (round(cx) - reach)) * shrink - 0.5, (cy - (round(cy) - reach)) * shrink - 0.5)
    matrix = cv2.getRotationMatrix2D(centre, angle, FACE_SIZE / (side * shrink))
    matrix[0, 2] += (FACE_SIZE - 1) / 2 - centre[0]
    matrix[1, 2] += (FACE_SIZE - 1) / 2 - centre[1]
    out = cv2.warpAffine(patch, matrix, (FACE_SIZE, FACE_SIZE), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _span(start: int, stop: int, size: int) -> tuple[int, int, int, int]:
    """The part of pixels ``[start, stop)`` inside ``[0, size)`` (at least the nearest edge pixel), and the
    padding before and after it that makes up the rest."""
    low = min(max(start, 0), size - 1)
    high = max(min(stop, size), low + 1)
    before = min(max(low - start, 0), stop - start - (high - low))
    return low, high, before, stop - start - (high - low) - before
