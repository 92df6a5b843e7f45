"""Compare the face detectors on real photos: recall, false boxes and speed.

Usage: ``python benchmarks/bench_detectors.py``. Test images, all real photos shipped with scikit-image
(no downloads):

- the astronaut portrait, at 640x480 and 320x240 (speed; one face);
- "group photos": a 5x4 grid of the 100 LFW faces in ``skimage.data.lfw_subset()`` (upscaled to 96 px,
  on a mid-grey background with jitter), five images of 20 faces: recall on faces of many people;
- non-face photos (coffee, cat, rocket, coins, a grid of LFW's 100 non-face patches): false boxes.

A detection counts as a hit when its centre falls inside a true face tile. The figures choose the
default detector (README, "Choosing the face detector").
"""

from __future__ import annotations

import statistics
import time

import cv2
import numpy as np
from skimage import data

from emolib.detect import HaarDetector, YuNetDetector

TILE, COLS, ROWS = 120, 5, 4


def group_photos(faces: np.ndarray, rng: np.random.Generator) -> list[tuple[np.ndarray, list[tuple[int, int]]]]:
    """Grids of faces; returns (image, tile origins) pairs."""
    photos = []
    per_photo = COLS * ROWS
    for start in range(0, len(faces) - per_photo + 1, per_photo):
        canvas = np.full((ROWS * TILE, COLS * TILE, 3), 128, np.uint8)
        origins = []
        for index, face in enumerate(faces[start:start + per_photo]):
            size = int(rng.integers(80, 104))
            patch = cv2.resize((face * 255).astype(np.uint8), (size, size), interpolation=cv2.INTER_CUBIC)
            x = (index % COLS) * TILE + int(rng.integers(0, TILE - size + 1))
            y = (index // COLS) * TILE + int(rng.integers(0, TILE - size + 1))
            canvas[y:y + size, x:x + size] = patch[..., None]
            origins.append((x, y, size))
        photos.append((canvas, origins))
    return photos


def hits(detections: list, origins: list[tuple[int, int, int]]) -> tuple[int, int]:
    """(faces found, detections that hit no face)."""
    found, false = set(), 0
    for detection in detections:
        x, y, w, h = detection.box
        cx, cy = x + w / 2, y + h / 2
        inside = [i for i, (ox, oy, s) in enumerate(origins) if ox <= cx <= ox + s and oy <= cy <= oy + s]
        if inside:
            found.add(inside[0])
        else:
            false += 1
    return len(found), false


def timed(detector, image: np.ndarray, repeats: int = 30) -> float:  # noqa: ANN001
    detector.detect(image)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        detector.detect(image)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    rng = np.random.default_rng(0)
    lfw = data.lfw_subset()
    faces, non_faces = lfw[:100], lfw[100:]
    groups = group_photos(faces, rng)
    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    portrait = np.full((480, 640, 3), 128, np.uint8)
    portrait[:, 80:560] = cv2.resize(astronaut, (480, 480), interpolation=cv2.INTER_AREA)
    small = cv2.resize(portrait, (320, 240), interpolation=cv2.INTER_AREA)
    clutter = [data.coffee(), data.chelsea(), data.rocket(), cv2.cvtColor(data.coins(), cv2.COLOR_GRAY2RGB)]
    clutter = [cv2.cvtColor(image, cv2.COLOR_RGB2BGR) for image in clutter]
    patch_grid, _ = group_photos(non_faces, rng)[0]
    clutter.append(patch_grid)

    detectors = {
        "yunet": YuNetDetector(),
        "haar (scale 1.1)": HaarDetector(scale_factor=1.1),
        "haar (scale 1.2)": HaarDetector(scale_factor=1.2),
    }
    total_faces = sum(len(origins) for _, origins in groups)
    print(f"{'detector':<18} {'group recall':>13} {'false (groups)':>15} {'false (non-face)':>17} "
          f"{'astronaut':>10} {'ms 640x480':>11} {'ms 320x240':>11}")
    for name, detector in detectors.items():
        found = false = 0
        for image, origins in groups:
            f, x = hits(detector.detect(image), origins)
            found, false = found + f, false + x
        false_clutter = sum(len(detector.detect(image)) for image in clutter)
        astro_hits, astro_false = hits(detector.detect(portrait), [(80 + 160, 55, 140)])
        print(f"{name:<18} {found:>5}/{total_faces:<3} {found / total_faces:>5.0%}  {false:>14} {false_clutter:>17} "
              f"{f'{astro_hits} +{astro_false} false':>10} {timed(detector, portrait):>11.1f} "
              f"{timed(detector, small):>11.1f}")


if __name__ == "__main__":
    main()
