"""A small synthetic stand-in for FER2013: cartoon faces whose brows, eyes and mouth follow the class.

Notebooks and tests fall back to it when the FER2013 CSV is not on the machine, so every step (data
views, training, evaluation, Grad-CAM) still runs. It is **not** a face dataset: models trained on it
learn cartoons, and its figures say nothing about real faces. :func:`write_demo_video` makes a short
video from one photo, :func:`write_expression_video` one whose expression changes (faces chosen by
:func:`expression_faces`), for the video demos.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from emolib.labels import CLASSES, FACE_SIZE, SPLITS
from emolib.training.data import FerData

# Per class: (mouth curve: + smile / - frown, mouth opening, brow tilt: + inner end down, brow lift, eye size)
_FEATURES: dict[str, tuple[float, float, float, float, float]] = {
    "angry": (-0.2, 0.0, 1.0, 0.0, 0.8),
    "disgust": (-0.6, 0.2, 0.6, -0.5, 0.6),
    "fear": (-0.3, 0.5, -0.8, 1.0, 1.3),
    "happy": (1.0, 0.3, 0.0, 0.3, 0.9),
    "sad": (-1.0, 0.0, -1.0, 0.3, 0.9),
    "surprise": (0.0, 1.0, 0.0, 1.2, 1.4),
    "neutral": (0.0, 0.0, 0.0, 0.2, 1.0),
}


def draw_face(emotion: str, rng: np.random.Generator, *, size: int = FACE_SIZE) -> np.ndarray:
    """One (size, size) uint8 grayscale cartoon face showing ``emotion``, with random pose, light and noise."""
    curve, opening, tilt, lift, eye = _FEATURES[emotion]
    scale = 8  # draw large, then downsample: smooth anti-aliased strokes
    side = size * scale
    background = int(rng.integers(20, 120))
    skin = int(rng.integers(140, 230))
    image = np.full((side, side), background, np.uint8)
    cx = side / 2 + rng.normal(0, 0.04) * side
    cy = side / 2 + rng.normal(0, 0.04) * side
    radius = side * rng.uniform(0.36, 0.44)
    cv2.ellipse(image, (round(cx), round(cy)), (round(radius * 0.85), round(radius)), rng.normal(0, 6), 0, 360,
                skin, -1, cv2.LINE_AA)
    dark = max(0, skin - int(rng.integers(110, 140)))
    stroke = max(1, round(radius * 0.06))
    for sign in (-1, 1):  # left and right eye with its brow
        ex, ey = cx + sign * radius * 0.38, cy - radius * 0.18
        axes = (round(radius * 0.12 * eye), round(radius * 0.08 * eye))
        cv2.ellipse(image, (round(ex), round(ey)), axes, 0, 0, 360, dark, -1, cv2.LINE_AA)
        by = ey - radius * (0.22 + 0.1 * lift)
        inner = (round(ex - sign * radius * 0.18), round(by + tilt * radius * 0.08))
        outer = (round(ex + sign * radius * 0.18), round(by - tilt * radius * 0.08))
        cv2.line(image, inner, outer, dark, stroke, cv2.LINE_AA)
    mx, my = cx, cy + radius * 0.5
    width, bend = radius * 0.32, curve * radius * 0.15
    xs = np.linspace(-1, 1, 24)
    top = np.stack([mx + xs * width, my + bend * (1 - xs**2) - opening * radius * 0.1 * (1 - xs**2)], axis=1)
    bottom = np.stack([mx + xs * width, my + bend * (1 - xs**2) + opening * radius * 0.12 * (1 - xs**2)], axis=1)
    outline = np.concatenate([top, bottom[::-1]]).round().astype(np.int32)
    cv2.fillPoly(image, [outline], dark, cv2.LINE_AA)
    cv2.polylines(image, [top.round().astype(np.int32)], False, dark, stroke, cv2.LINE_AA)
    small = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
    small += rng.normal(0, rng.uniform(3, 10), small.shape)
    return np.clip(small, 0, 255).astype(np.uint8)


def make_synthetic_fer(n_per_class: int = 60, seed: int = 0) -> FerData:
    """A balanced synthetic FER2013 look-alike: ``n_per_class`` faces per class, split 70/15/15.

    Returns a :class:`~emolib.training.data.FerData` with (N, 48, 48) uint8 images, labels in :data:`CLASSES`
    order, and the three FER2013 split names, rows shuffled.
    """
    if n_per_class < 1:
        raise ValueError(f"n_per_class must be at least 1, got {n_per_class}")
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(CLASSES), dtype=np.int64), n_per_class)
    rng.shuffle(labels)
    images = np.stack([draw_face(CLASSES[label], rng) for label in labels])
    position = np.arange(len(labels)) / len(labels)
    usage = np.where(position < 0.7, SPLITS[0], np.where(position < 0.85, SPLITS[1], SPLITS[2])).astype("<U11")
    return FerData(images, labels, usage)


def write_demo_video(path: str | os.PathLike, image_bgr: np.ndarray, *, seconds: float = 3.0, fps: float = 15.0,
                     size: tuple[int, int] = (480, 360), overwrite: bool = True) -> Path:
    """A short video of a slow pan and zoom over one photo (e.g. a face), for demos and tests.

    image_bgr : (H, W, 3) uint8 ndarray, BGR. ``size``: (width, height) of the video. Returns its path.
    """
    from emolib.media import VideoFileWriter

    height, width = image_bgr.shape[:2]
    frames = max(1, round(seconds * fps))
    aspect = size[0] / size[1]
    with VideoFileWriter(path, fps, size, overwrite=overwrite) as writer:
        for index in range(frames):
            phase = index / max(frames - 1, 1)
            crop_h = min(height, width / aspect) * (1.0 - 0.25 * np.sin(np.pi * phase))
            crop_w = crop_h * aspect
            x0 = (width - crop_w) * (0.5 + 0.3 * np.sin(2 * np.pi * phase))
            y0 = (height - crop_h) * 0.1
            crop = image_bgr[round(y0):round(y0 + crop_h), round(x0):round(x0 + crop_w)]
            writer.write(cv2.resize(crop, size, interpolation=cv2.INTER_AREA))
    return Path(path)


def expression_faces(data: FerData, emotions: list[str] | tuple[str, ...], *, classifier: Any = None,
                     detector: Any = "yunet", candidates: int = 200, seed: int = 0) -> np.ndarray:
    """One face per name in ``emotions``: of ``candidates`` random faces with that label, the one
    ``classifier`` (anything :func:`emolib.loaders.load_classifier` takes; None: the bundled model) is surest of
    among those ``detector`` (a name or detector, None: no check) finds in a :func:`write_expression_video` frame.

    Returns (len(emotions), 48, 48) uint8 grey faces, in ``emotions`` order: clear expressions for a demo clip.
    """
    from emolib.detect import detect_faces, make_detector
    from emolib.loaders import load_classifier

    predictor = load_classifier(classifier)
    finder = make_detector(detector) if detector is not None else None
    rng = np.random.default_rng(seed)
    chosen = []
    for emotion in emotions:
        label = CLASSES.index(emotion)
        rows = np.flatnonzero(data.labels == label)
        if not len(rows):
            raise ValueError(f"the data has no {emotion!r} faces")
        rows = rng.permutation(rows)[:candidates]
        order = rows[np.argsort(-predictor.predict(data.images[rows])[:, label])]
        best = order[0]
        for row in order[:30]:  # the surest face that the detector also finds in the clip
            if finder is None or detect_faces(finder, _clip_frame(data.images[row], data.images[row])):
                best = row
                break
        chosen.append(data.images[best])
    return np.stack(chosen)


def _clip_frame(picture: np.ndarray, faces: np.ndarray, *, size: tuple[int, int] = (480, 360),
                face_side: int = 200) -> np.ndarray:
    """(height, width, 3) uint8 BGR frame: ``picture`` (face_side, face_side) or (48, 48) in the middle of a
    background of the faces' median edge grey."""
    width, height = size
    if picture.shape[0] != face_side:
        picture = cv2.resize(picture, (face_side, face_side), interpolation=cv2.INTER_CUBIC)
    background = int(np.median(np.asarray(faces)[..., :4]))
    canvas = np.full((height, width), background, np.uint8)
    x0, y0 = (width - face_side) // 2, (height - face_side) // 2
    canvas[y0:y0 + face_side, x0:x0 + face_side] = np.clip(picture, 0, 255).astype(np.uint8)
    return cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR)


def write_expression_video(path: str | os.PathLike, faces: np.ndarray, *, seconds_per_face: float = 2.0,
                           fade_seconds: float = 0.6, fps: float = 15.0, size: tuple[int, int] = (480, 360),
                           face_side: int = 200, overwrite: bool = True) -> Path:
    """A clip whose expression changes: each (48, 48) uint8 grey face of ``faces`` (N, 48, 48) held for
    ``seconds_per_face``, cross-faded into the next over ``fade_seconds``, enlarged to ``face_side`` pixels in
    the middle of a ``size`` (width, height) frame. Written as BGR frames; returns the path.
    """
    from emolib.media import VideoFileWriter

    faces = np.asarray(faces, np.uint8)
    if faces.ndim != 3 or not len(faces):
        raise ValueError(f"faces must be shaped (N, 48, 48), got {faces.shape}")
    big = np.stack([cv2.resize(face, (face_side, face_side), interpolation=cv2.INTER_CUBIC) for face in faces])
    hold = max(1, round(seconds_per_face * fps))
    fade = min(hold - 1, max(0, round(fade_seconds * fps)))
    with VideoFileWriter(path, fps, size, overwrite=overwrite) as writer:
        for index in range(len(big) * hold):
            which, into = divmod(index, hold)
            picture = big[which].astype(np.float32)
            if which + 1 < len(big) and into >= hold - fade:  # cross-fade into the next face
                weight = (into - (hold - fade) + 1) / (fade + 1)
                picture = (1 - weight) * picture + weight * big[which + 1]
            writer.write(_clip_frame(picture, faces, size=size, face_side=face_side))
    return Path(path)


#: Synthetic faces per class when FER2013 is missing, by notebook mode (see :mod:`emolib.training.modes`).
SYNTHETIC_PER_CLASS = {"quick": 80, "workshop": 300, "full": 600}

#: How to get FER2013, printed when it is missing.
HOW_TO_GET_FER2013 = (
    "To use the real faces: sign in to Kaggle (a free account), open "
    "https://www.kaggle.com/c/challenges-in-representation-learning-facial-expression-recognition-challenge/data,\n"
    "accept the competition's rules, download fer2013.tar.gz (about 90 MB) and take fer2013.csv out of it\n"
    "(301 MB, 35,887 rows, header emotion,pixels,Usage; gzipped as fer2013.csv.gz is fine). Put it in the\n"
    "data/ folder of the emolib checkout (or this notebook's folder's data/), or point EMOLIB_FER2013 at it,\n"
    "then restart the kernel. `python -m emolib doctor` says whether it is found."
)


def notebook_data(mode: str | None = None, *, n_per_class: int | None = None, seed: int = 0) -> tuple[FerData, str]:
    """The notebooks' data and its name: (FER2013, "FER2013") when the CSV is found (``data/``,
    ``../shared/data/fer2013/`` or ``$EMOLIB_FER2013``), else (a synthetic set, "synthetic"), saying so and how
    to get FER2013. Put the name in every figure title, so a synthetic figure is never taken for a real one.

    ``mode``: "quick", "workshop" or "full" (None: :func:`emolib.training.modes.resolve_mode`); it sets the
    synthetic set's size (``n_per_class`` overrides it).
    """
    from emolib.training.data import find_fer2013, load
    from emolib.training.modes import resolve_mode

    path = find_fer2013()
    if path is not None:
        data = load(path)
        print(f"FER2013 from {path}: {len(data):,} faces")
        return data, "FER2013"
    count = n_per_class or SYNTHETIC_PER_CLASS[resolve_mode(mode)]
    print("NOTE: FER2013 not found, so this run uses a SYNTHETIC set of cartoon faces "
          f"({count * len(CLASSES):,} faces). Every step runs, but no figure below says anything about real faces;\n"
          "their titles say 'synthetic'.\n" + HOW_TO_GET_FER2013)
    return make_synthetic_fer(n_per_class=count, seed=seed), "synthetic"


def fer2013_or_synthetic(mode: str | None = None, *, quick: bool | None = None, n_per_class: int | None = None,
                         seed: int = 0) -> FerData:
    """FER2013 when it is found, else a synthetic set, saying so and how to get FER2013 (:func:`notebook_data`
    without the name). ``quick=True`` is the older spelling of ``mode="quick"``."""
    return notebook_data("quick" if quick else mode, n_per_class=n_per_class, seed=seed)[0]
