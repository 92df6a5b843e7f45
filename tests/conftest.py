"""Shared fixtures: a real face photo, small FER-format data written by the tests, the real dataset."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from emolib.labels import CLASSES

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def astronaut_bgr() -> np.ndarray:
    """(512, 512, 3) uint8 BGR: a real smiling face (scikit-image's public-domain astronaut photo)."""
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def write_fer_csv(path: Path, rows_per_class: int = 3, *, seed: int = 0) -> Path:
    """A tiny FER2013-format CSV: every class in every split, random pixels."""
    rng = np.random.default_rng(seed)
    lines = ["emotion,pixels,Usage"]
    for usage in ("Training", "PublicTest", "PrivateTest"):
        for label in range(len(CLASSES)):
            for _ in range(rows_per_class):
                lines.append(f"{label},{' '.join(map(str, rng.integers(0, 256, 48 * 48)))},{usage}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def fer_csv(tmp_path: Path) -> Path:
    return write_fer_csv(tmp_path / "fer2013.csv")


@pytest.fixture(scope="session")
def fer2013_path() -> Path:
    """The real FER2013 CSV, or skip: it lives in ../shared/data/fer2013 (or data/) and is never committed."""
    from emolib.training.data import find_fer2013

    path = find_fer2013()
    if path is None:
        pytest.skip("FER2013 not found (expected ../shared/data/fer2013/fer2013.csv.gz or data/fer2013.csv)")
    return path


def write_face_clip(
    path: Path, face_bgr: np.ndarray, *, frames: int = 60, size: tuple[int, int] = (320, 240), fps: float = 30.0,
    fourcc: str = "mp4v",
) -> Path:
    """A synthetic clip: the astronaut's face drifting right and growing over ``frames`` frames of ``size`` (w, h)."""
    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened(), f"cannot write {path}"
    face = face_bgr[20:300, 110:350]  # head and shoulders of the 512x512 photo
    for index in range(frames):
        t = index / max(frames - 1, 1)
        scale = 0.45 + 0.25 * t
        patch = cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        canvas = np.full((height, width, 3), 90, np.uint8)
        x, y = round(20 + 120 * t), round(10 + 10 * t)
        h, w = min(patch.shape[0], height - y), min(patch.shape[1], width - x)
        canvas[y:y + h, x:x + w] = patch[:h, :w]
        writer.write(canvas)
    writer.release()
    return path


@pytest.fixture(scope="session")
def face_clip(tmp_path_factory: pytest.TempPathFactory, astronaut_bgr: np.ndarray) -> Path:
    """A 60-frame 320x240 30 fps MPEG-4 clip of one face moving and scaling (read-only: copy before changing)."""
    return write_face_clip(tmp_path_factory.mktemp("clips") / "face.mp4", astronaut_bgr)
