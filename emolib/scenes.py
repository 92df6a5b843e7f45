"""Generated scenes of real public-domain faces (scikit-image's LFW subset) for tests, benchmarks and demos.

>>> image, boxes = crowd(24, (1280, 720), seed=0)   # (720, 1280, 3) uint8 BGR, 24 (x, y, w, h) face boxes

Needs scikit-image (the ``lab`` extra), imported when a scene is made.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

Box = tuple[int, int, int, int]


@lru_cache(maxsize=1)
def lfw_faces() -> np.ndarray:
    """The 100 faces of ``skimage.data.lfw_subset()``: (100, 25, 25) uint8, grey, tightly cropped."""
    from skimage.data import lfw_subset

    return np.clip(lfw_subset() * 255, 0, 255).astype(np.uint8)[:100]


def crowd(
    count: int,
    frame_wh: tuple[int, int],
    *,
    seed: int = 0,
    fill: float = 0.6,
    touching: bool = False,
    face_px: int | None = None,
) -> tuple[np.ndarray, list[Box]]:
    """A frame with ``count`` LFW faces on a grid, jittered, their boxes in frame pixels.

    frame_wh : (width, height). ``fill``: face side as a fraction of its grid cell (``touching=True``: the
    faces fill their cells, edge to edge, up to the frame's border). ``face_px``: a fixed face side instead.
    Returns the (H, W, 3) uint8 BGR image and one (x, y, w, h) box per face, row by row.
    """
    if count < 1:
        raise ValueError("a crowd needs at least one face")
    width, height = frame_wh
    rng = np.random.default_rng(seed)
    faces = lfw_faces()
    cols = max(1, round(np.sqrt(count * width / height)))
    rows = -(-count // cols)
    cell_w, cell_h = width / cols, height / rows
    side = face_px or int(min(cell_w, cell_h) * (1.0 if touching else fill))
    side = max(8, min(side, int(cell_w), int(cell_h)))
    image = np.full((height, width, 3), 90, np.uint8)
    image[:] = rng.integers(60, 140, 3, dtype=np.uint8)  # a plain background of a random grey-ish colour
    boxes: list[Box] = []
    for index in range(count):
        row, col = divmod(index, cols)
        slack_x, slack_y = int(cell_w) - side, int(cell_h) - side
        x = int(col * cell_w) + (0 if touching else int(rng.integers(0, slack_x + 1)))
        y = int(row * cell_h) + (0 if touching else int(rng.integers(0, slack_y + 1)))
        x, y = min(x, width - side), min(y, height - side)
        face = cv2.resize(faces[index % len(faces)], (side, side), interpolation=cv2.INTER_LINEAR)
        image[y:y + side, x:x + side] = face[..., None]
        boxes.append((x, y, side, side))
    return image, boxes
