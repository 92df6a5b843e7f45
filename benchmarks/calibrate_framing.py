"""Where YuNet's box and landmarks fall on FER2013 faces placed in pictures: the framing emolib crops with.

Places Training faces with the end-to-end protocol (no rotation, no brightness change), detects them, and
prints the median box and landmarks in FER2013's 48 px frame, and the frame's side relative to the box's
longer side: ``emolib.framing.DEFAULT_MARGIN`` (the crop of faces without landmarks) is that ratio minus 1.
With ``--fit FILE`` it then places every Training face (``Placement(seed=1000)``, rotations and brightness
changes included), detects it, and fits :class:`emolib.framing.Framing` (box and landmarks to FER2013's square)
into FILE: ``models/framing_yunet.json`` is made so (about 6 minutes on 2 cores). Needs FER2013
(``../shared`` or ``data/``).

    python benchmarks/calibrate_framing.py [--faces 1500] [--fit models/framing_yunet.json]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import emolib
from emolib.media.atomic import write_text
from emolib.training.data import find_fer2013, load
from emolib.training.end_to_end import Placement, matching_face, place_face
from emolib.training.framing import detect_placed, fit_framing


def crops_figure(faces: np.ndarray, analyzer: emolib.Analyzer, out: Path) -> None:
    """A PNG of three rows: FER2013's crops, the box-square crops and the landmark-framed crops of the same
    faces placed in pictures with the end-to-end protocol (rotations included)."""
    import cv2

    from emolib.detect import crop_faces

    rows: list[list[np.ndarray]] = [[], [], []]
    for index, face in enumerate(faces):
        picture, truth = place_face(face, index, Placement())
        found = matching_face(truth, analyzer.detect(picture))
        if found is None:
            continue
        rows[0].append(face)
        rows[1].append(crop_faces(picture, [found.box], margin=emolib.framing.DEFAULT_MARGIN)[0])
        rows[2].append(crop_faces(picture, [found.box], landmarks=[found.landmarks])[0])
    grid = np.vstack([np.hstack(row) for row in rows])
    grid = cv2.resize(grid, None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST)
    label = np.full((grid.shape[0], 260), 255, np.uint8)
    for row, text in enumerate(("FER2013 crop", "box square", "landmark framing")):
        cv2.putText(label, text, (8, row * 144 + 78), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2, cv2.LINE_AA)
    cv2.imwrite(str(out), np.hstack([label, grid]))
    print(f"figure: {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=1500)
    parser.add_argument("--fit", type=Path, help="fit the landmark framing on all Training faces into this file")
    parser.add_argument("--figure", type=Path, help="also draw PublicTest faces: FER2013's crop, box square, landmarks")
    args = parser.parse_args()
    path = find_fer2013()
    if path is None:
        raise SystemExit("FER2013 not found (see data/README.md)")
    faces = load(path).split("Training").select(slice(0, args.faces))
    analyzer = emolib.Analyzer()
    placement = Placement(rotation=0.0, brightness=(1.0, 1.0), seed=7)
    rows = []
    for index, face in enumerate(faces.images):
        picture, (x, y, side, _) = place_face(face, index, placement)
        found = matching_face((x, y, side, side), analyzer.detect(picture))
        if found is None:
            continue
        bx, by, bw, bh = found.box
        marks = (np.asarray(found.landmarks) - [x, y]) / side * 48
        rows.append([(bx - x) / side * 48, (by - y) / side * 48, bw / side * 48, bh / side * 48,
                     *marks[0], *marks[1], *marks[3:5].mean(axis=0), side / max(bw, bh)])
    table = np.median(np.array(rows), axis=0)
    print(f"{len(rows)} of {len(faces)} faces found; medians in FER2013's 48 px frame:")
    print(f"  box x {table[0]:.1f}, y {table[1]:.1f}, w {table[2]:.1f}, h {table[3]:.1f}")
    print(f"  right eye ({table[4]:.1f}, {table[5]:.1f}), left eye ({table[6]:.1f}, {table[7]:.1f}), "
          f"mouth centre ({table[8]:.1f}, {table[9]:.1f})")
    print(f"  frame side / box's longer side: {table[10]:.3f} -> margin {table[10] - 1:+.3f} "
          f"(emolib.framing.DEFAULT_MARGIN = {emolib.framing.DEFAULT_MARGIN:+.2f})")
    if args.figure:
        crops_figure(load(path).split("PublicTest").images[:10], analyzer, args.figure)
    if args.fit:
        training = load(path).split("Training")
        samples = detect_placed(training.images, analyzer, Placement(seed=1000))
        framing = fit_framing(samples, info={"detector": "yunet",
                                             "data": "FER2013 Training, all faces, Placement(seed=1000)",
                                             "command": "python benchmarks/calibrate_framing.py --fit FILE"})
        write_text(args.fit, framing.to_json())
        print(f"framing fitted on {len(samples)} faces: residual spread {framing.info['residual_std']} "
              f"(against {framing.info['target_std']} around the box) -> {args.fit}")


if __name__ == "__main__":
    main()
