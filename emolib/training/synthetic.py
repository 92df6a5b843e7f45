"""A small synthetic stand-in for FER2013: cartoon faces whose brows, eyes and mouth follow the class.

Notebooks and tests fall back to it when the FER2013 CSV is not on the machine, so every step (data
views, training, evaluation, Grad-CAM) still runs. It is **not** a face dataset: models trained on it
learn cartoons, and its figures say nothing about real faces. :func:`write_demo_video` makes a short
video from one photo for the video demos.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from emolib.errors import EmolibError
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


def fer2013_or_synthetic(*, quick: bool, n_per_class: int = 80, seed: int = 0) -> FerData:
    """FER2013 when it is found (``data/``, ``../shared/data/fer2013/`` or ``$EMOLIB_FER2013``), else in quick
    mode a small synthetic set (saying so), else :class:`EmolibError` saying where to put the data.

    The first cell of the tutorial notebooks that use data.
    """
    from emolib.training.data import find_fer2013, load

    path = find_fer2013()
    if path is not None:
        data = load(path)
        print(f"FER2013 from {path}: {len(data)} faces")
        return data
    if quick:
        print("NOTE: FER2013 not found, so this run uses a small SYNTHETIC set of cartoon faces.\n"
              "Every step runs, but no figure below says anything about real faces.")
        return make_synthetic_fer(n_per_class=n_per_class, seed=seed)
    raise EmolibError("FER2013 not found: put fer2013.csv(.gz) in data/ (see data/README.md) or set EMOLIB_FER2013; "
                      "or set EMOLIB_QUICK=1 to run this notebook on a small synthetic set")
