"""Many small faces: detection recall on generated classroom crowds, and ``emolib video`` speed with 10 faces.

    PYTHONPATH=. python benchmarks/bench_video_crowd.py [--crowds 30,60] [--repeats 2]

1. Recall: 1920x1080 frames with 30 and 60 real faces from ``skimage.data.lfw_subset()`` (tight 25 px
   greyscale crops of LFW photos, scaled to 40-60 px, tinted, on a textured background), searched the ways
   ``emolib video`` can: the old fixed 480 px stream default, ``--detect-size auto`` with ``--min-face`` 32
   (the default) and 40, and with tiles of 960 px (emolib tiles only copies over ``TILE_SIDE``, 1920 px:
   these figures are why), and the full frame in tiles and in one pass. A face counts as found when a
   detection's centre lies in its square and the box side is within 0.5-1.5x of it.
2. Speed: a 10 s 1280x720 H.264 clip with 10 such faces drifting, ``emolib video --out .mp4 --csv`` in a
   fresh process (wall-clock fps including start-up, and the ``analysed at`` figure). Goal >= 30 fps.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_video_real import run_cli, write_recording  # noqa: E402


def lfw_faces() -> np.ndarray:
    """(100, 25, 25) uint8: the face images of ``lfw_subset`` (its other 100 images are not faces)."""
    from skimage import data

    return (data.lfw_subset()[:100] * 255).astype(np.uint8)


def background(size: tuple[int, int], seed: int = 0) -> np.ndarray:
    width, height = size
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 12)
    base = 110 + 40 * noise / max(float(np.abs(noise).max()), 1e-6)
    return np.repeat(base[..., None], 3, axis=2).clip(0, 255).astype(np.uint8)


def place(count: int, size: tuple[int, int], rng: np.random.Generator) -> list[tuple[int, int, int]]:
    """(x, y, side) of ``count`` non-overlapping squares of 40-60 px on a jittered grid."""
    width, height = size
    columns = int(np.ceil(np.sqrt(count * width / height)))
    rows = int(np.ceil(count / columns))
    cell_w, cell_h = width // columns, height // rows
    cells = rng.permutation(rows * columns)[:count]
    spots = []
    for cell in cells:
        side = int(rng.integers(40, 61))
        r, c = divmod(int(cell), columns)
        x = c * cell_w + int(rng.integers(0, max(1, cell_w - side)))
        y = r * cell_h + int(rng.integers(0, max(1, cell_h - side)))
        spots.append((x, y, side))
    return spots


def crowd_frame(spots: list[tuple[int, int, int]], faces: np.ndarray, size: tuple[int, int],
                shift: tuple[int, int] = (0, 0)) -> np.ndarray:
    """A BGR frame with face ``i % 100`` in spot ``i``, each tinted to a skin tone."""
    frame = background(size)
    for index, (x, y, side) in enumerate(spots):
        x, y = x + shift[0], y + shift[1]
        grey = cv2.resize(faces[index % len(faces)], (side, side), interpolation=cv2.INTER_CUBIC).astype(np.float32)
        tint = np.array([0.75, 0.85, 1.0]) if index % 2 else np.array([0.6, 0.7, 0.85])
        frame[y:y + side, x:x + side] = np.clip(grey[..., None] * tint, 0, 255).astype(np.uint8)
    return frame


def recall(found: list, spots: list[tuple[int, int, int]]) -> float:
    hits = 0
    for x, y, side in spots:
        for face in found:
            bx, by, bw, bh = face.box
            cx, cy = bx + bw / 2, by + bh / 2
            if x <= cx <= x + side and y <= cy <= y + side and 0.5 * side <= max(bw, bh) <= 1.5 * side:
                hits += 1
                break
    return hits / len(spots)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crowds", default="30,60", help="faces per crowd (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=2, help="passes per measurement; the best counts")
    parser.add_argument("--no-speed", action="store_true", help="recall only")
    args = parser.parse_args()

    from emolib.detect import TILE_SIDE, auto_detect_size, detect_faces
    from emolib.pipeline import Analyzer

    print(f"machine: {os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}")
    detector = Analyzer().detector
    faces = lfw_faces()
    size = (1920, 1080)
    ways = {
        "fixed 480 px (the old stream default)": (480, None),
        "auto, --min-face 40": (auto_detect_size(*size, 40), TILE_SIDE),
        "auto, --min-face 32 (the default)": (auto_detect_size(*size, 32), TILE_SIDE),
        "auto, --min-face 32, in tiles of 960 px": (auto_detect_size(*size, 32), 960),
        "full frame, in tiles of 960 px": (None, 960),
        "full frame, one pass": (None, None),
    }
    for count in (int(v) for v in args.crowds.split(",")):
        spots = place(count, size, np.random.default_rng(count))
        frame = crowd_frame(spots, faces, size)
        for name, (detect_size, tile) in ways.items():
            best = np.inf
            for _ in range(args.repeats):
                start = time.perf_counter()
                found = detect_faces(detector, frame, detect_size=detect_size, tile_side=tile)
                best = min(best, time.perf_counter() - start)
            side = "full" if detect_size is None else f"{detect_size} px"
            print(f"1920x1080 crowd of {count} faces at 40-60 px, {name} [{side}]: recall {recall(found, spots):.2f}, "
                  f"{len(found)} boxes, {best * 1e3:.0f} ms per detection")
    if args.no_speed:
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        size = (1280, 720)
        spots = place(10, size, np.random.default_rng(10))
        frames = [crowd_frame(spots, faces, size, (round(8 * np.sin(i / 20)), round(4 * np.cos(i / 25))))
                  for i in range(300)]
        clip = write_recording(folder / "crowd720.mp4", frames)
        best_wall, best_fps = np.inf, 0.0
        for _ in range(args.repeats):
            wall, analysing = run_cli(clip, folder)
            best_wall, best_fps = min(best_wall, wall), max(best_fps, analysing)
        print(f"1280x720, 10 faces, 10 s clip, emolib video --out .mp4 --csv: {300 / best_wall:.0f} fps including "
              f"start-up, {best_fps:.0f} fps while analysing (goal >= 30)")


if __name__ == "__main__":
    main()
