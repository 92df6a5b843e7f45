"""--detect-size auto and --min-face: the detector's copy as large as the smallest face needs, tiles for large
copies, and tracked large faces re-found on small copies."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from emolib.cli import main
from emolib.detect import RELIABLE_FACE_PX, TILE_SIDE, auto_detect_size, detect_faces, tile_spans
from emolib.options import TrackingOptions
from emolib.pipeline import Analyzer
from emolib.video import DISCOVER_S, FOLLOW_FACE_PX, VideoTracker, analyze_video


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def crowd(count: int, size: tuple[int, int] = (1920, 1080), side: int = 50) -> tuple[np.ndarray, list]:
    """A BGR frame with ``count`` LFW faces of ``side`` px on a grid, and their (x, y) corners."""
    width, height = size
    faces = (data.lfw_subset()[:100] * 255).astype(np.uint8)
    frame = np.full((height, width, 3), 120, np.uint8)
    spots = []
    columns = 8
    for index in range(count):
        x = 60 + (index % columns) * (width - 120) // columns
        y = 60 + (index // columns) * 220
        grey = cv2.resize(faces[index * 3], (side, side), interpolation=cv2.INTER_CUBIC)
        frame[y:y + side, x:x + side] = grey[..., None]
        spots.append((x, y))
    return frame, spots


def found_share(detections: list, spots: list, side: int = 50) -> float:
    hits = sum(any(x <= d.box[0] + d.box[2] / 2 <= x + side and y <= d.box[1] + d.box[3] / 2 <= y + side
                   for d in detections) for x, y in spots)
    return hits / len(spots)


def test_auto_detect_size_follows_the_smallest_face() -> None:
    assert auto_detect_size(640, 480, 32) == 480  # 24/32 of 640
    assert auto_detect_size(1920, 1080, 40) == 1152
    assert auto_detect_size(1920, 1080, 20) is None  # the full frame
    assert auto_detect_size(640, 480, 400) == 160  # never below MIN_DETECT_SIDE
    size = auto_detect_size(1280, 720, 50)
    assert size is not None and 50 * size / 1280 >= RELIABLE_FACE_PX


@pytest.mark.parametrize(("length", "tile", "overlap"), [(1920, 960, 72), (1081, 960, 60), (5000, 700, 100)])
def test_tiles_cover_everything_with_the_overlap(length: int, tile: int, overlap: int) -> None:
    spans = tile_spans(length, tile, overlap)
    assert spans[0][0] == 0 and spans[-1][1] == length
    assert all(stop - start <= tile for start, stop in spans) and len({stop - start for start, stop in spans}) == 1
    assert all(a[1] - b[0] >= overlap for a, b in zip(spans, spans[1:], strict=False))
    assert tile_spans(500, 960, 72) == [(0, 500)]


def test_a_classroom_crowd_is_found_at_the_auto_size_not_at_480(analyzer: Analyzer) -> None:
    frame, spots = crowd(16, side=60)  # tight LFW crops: their faces (YuNet's boxes) are about 48 px
    size = auto_detect_size(1920, 1080, TrackingOptions().min_face)
    assert size is not None and size <= TILE_SIDE  # one pass
    one_pass = detect_faces(analyzer.detector, frame, detect_size=size, tile_side=TILE_SIDE)
    assert found_share(one_pass, spots, 60) >= 0.8
    tiled = detect_faces(analyzer.detector, frame, detect_size=size, tile_side=960)  # 2 tiles and a coarse pass
    assert found_share(tiled, spots, 60) >= 0.8
    assert found_share(detect_faces(analyzer.detector, frame, detect_size=480), spots, 60) <= 0.2
    assert len(tiled) <= len(spots) + 1  # tiles overlap, but each face is kept once


def test_a_large_face_in_a_tiled_search_is_found_once(analyzer: Analyzer, astronaut_bgr: np.ndarray) -> None:
    frame = np.full((1080, 1920, 3), 120, np.uint8)
    frame[200:712, 700:1212] = astronaut_bgr  # a 90x113 face across a tile border
    (face,) = detect_faces(analyzer.detector, frame, detect_size=None, tile_side=960)
    assert 850 < face.box[0] + face.box[2] / 2 < 990


def test_tracked_large_faces_are_refound_on_a_small_copy(analyzer: Analyzer, astronaut_bgr: np.ndarray) -> None:
    frame = cv2.resize(astronaut_bgr, (1280, 1280))  # a 225 px face
    tracker = VideoTracker(analyzer, fps=30, detect_every=1, min_face=40)
    wanted = auto_detect_size(1280, 1280, 40)
    assert tracker.detection_size(1280, 1280, 0.0) == wanted  # nothing tracked: look for faces of 40 px
    (face,) = tracker.process(frame, frame_index=0)
    follow = tracker.detection_size(1280, 1280, 0.1)
    assert follow < wanted and follow * min(face.box[2:]) / 1280 >= FOLLOW_FACE_PX - 1
    (again,) = tracker.process(frame, frame_index=3)
    assert again.face_id == face.face_id
    assert tracker.detection_size(1280, 1280, DISCOVER_S + 0.1) == wanted  # new faces are looked for each second
    fixed = VideoTracker(analyzer, fps=30, detect_size=300)
    assert fixed.detection_size(1280, 1280, 0.0) == 300
    assert VideoTracker(analyzer, fps=30, detect_size=None).detection_size(1280, 720, 0.0) == 1280


def test_cli_detect_size_and_min_face(face_clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    csv = tmp_path / "frames.csv"
    for flags in (["--detect-size", "auto", "--min-face", "24"], ["--detect-size", "full"], ["--detect-size", "256"]):
        assert main(["video", str(face_clip), "--csv", str(csv), "--no-progress", "--overwrite", *flags]) == 0
    assert "1 face(s) tracked" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["video", str(face_clip), "--detect-size", "huge"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "auto, full or a number of pixels" in err
    assert TrackingOptions().detect_size == "auto" and TrackingOptions().min_face == 32


def test_analyze_video_with_auto_size_tracks_the_face(face_clip: Path, analyzer: Analyzer) -> None:
    frames = analyze_video(face_clip, analyzer, progress=False)
    assert frames["frame"].tolist() == list(range(60)) and frames["face_id"].unique().tolist() == [1]
