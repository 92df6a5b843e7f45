"""Cost of the panel layout (emolib.layout) per frame, for crowds of 2 to 100 faces, still and tracked.

Goals (issue 15): at most 1 ms per frame for 20 faces and 5 ms for 100 faces. Printed beside the time of
drawing the same frame with ``annotate`` (measured in the same run), so the layout's share of the work shows.
Faces are generated crowds of scikit-image's LFW faces (``emolib.scenes.crowd``); tracked runs move them a
few pixels a frame and reuse one PanelLayout, as a video does.

    python benchmarks/bench_layout.py
    python benchmarks/bench_layout.py --figure docs/crowd_annotated.png   # the README's crowded picture
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from emolib.draw import annotate, plan_panels
from emolib.layout import PanelLayout
from emolib.results import FaceResult
from emolib.scenes import crowd


def faces_for(boxes: list[tuple[int, int, int, int]], seed: int, ids: bool) -> list[FaceResult]:
    rng = np.random.default_rng(seed)
    return [FaceResult(box, rng.dirichlet(np.ones(7)).astype(np.float32), 0.9, i if ids else None)
            for i, box in enumerate(boxes)]


def per_frame_ms(run, repeats: int) -> float:
    """Median CPU time of this process per call (``time.process_time``: steadier than wall time when other
    programs share the machine)."""
    run(0)  # warm-up (caches of panel sizes)
    times = []
    for i in range(repeats):
        start = time.process_time()
        for _ in range(5):
            run(i)
        times.append((time.process_time() - start) / 5)
    return float(np.median(times)) * 1000


def figure(path: Path) -> None:
    """A generated crowd of 12 LFW faces at 1280x720, analysed by the bundled default and annotated."""
    import cv2

    from emolib import Analyzer

    image, boxes = crowd(12, (1280, 720), seed=5, fill=0.55)
    faces = Analyzer().analyze(image)
    cv2.imwrite(str(path), annotate(image, faces))
    print(f"{path}: {len(faces)} of {len(boxes)} faces found and annotated")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figure", type=Path, help="write the annotated crowd picture here instead")
    args = parser.parse_args()
    if args.figure:
        figure(args.figure)
        return
    print(f"{'faces':>5} {'frame':>10} {'mode':>8} {'layout ms':>10} {'annotate ms':>12} {'share':>6}  goal")
    for count, size in [(2, (640, 480)), (6, (1280, 720)), (20, (1280, 720)), (20, (1920, 1080)),
                        (48, (1920, 1080)), (100, (1920, 1080)), (100, (3840, 2160))]:
        frame, boxes = crowd(count, size, seed=count)
        for mode in ("still", "tracked"):
            results = faces_for(boxes, count, ids=mode == "tracked")
            engine = PanelLayout()

            frames = [[FaceResult((r.box[0] + int(3 * np.sin(i / 5)), *r.box[1:]), r.probabilities, r.score,
                                  r.face_id) for r in results] for i in range(60)]  # faces move a little

            def layout_only(i: int, frame=frame, frames=frames, engine=engine, mode=mode) -> None:
                plan_panels(frame.shape, frames[i], layout=engine if mode == "tracked" else None)

            def drawing(i: int, frame=frame, frames=frames, engine=engine, mode=mode) -> None:
                annotate(frame, frames[i], layout=engine if mode == "tracked" else None)

            layout_ms = per_frame_ms(layout_only, 40)
            annotate_ms = per_frame_ms(drawing, 20)
            goal = {20: " <= 1 ms", 100: " <= 5 ms"}.get(count, "")
            print(f"{count:5d} {size[0]:>5}x{size[1]:<4} {mode:>8} {layout_ms:10.3f} {annotate_ms:12.2f} "
                  f"{layout_ms / annotate_ms:6.0%} {goal}")


if __name__ == "__main__":
    main()
