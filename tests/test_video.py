from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from emolib.cli import main
from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.pipeline import Analyzer
from emolib.video import (
    FRAME_COLUMNS,
    RAW_COLUMNS,
    VideoTracker,
    analyze_video,
    iter_video,
    summarize,
)
from tests.conftest import write_face_clip

EXPECTED_COLUMNS = ["frame", "time_s", "face_id", "x", "y", "w", "h", "angry", "disgust", "fear", "happy", "sad",
                    "surprise", "neutral", "emotion"]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def _frame_count_and_size(path: Path) -> tuple[int, tuple[int, int]]:
    """Frames actually decodable in a video, and its (width, height)."""
    capture = cv2.VideoCapture(str(path))
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    return count, size


def _one_error_line(err: str, command: str = "video") -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"emolib {command}: error: ")
    return lines[0]


def test_columns_constant_matches_the_issue() -> None:
    assert list(FRAME_COLUMNS) == EXPECTED_COLUMNS
    assert RAW_COLUMNS == tuple(f"raw_{name}" for name in CLASSES)


def test_analyze_video_tracks_one_face_and_writes_every_frame(face_clip: Path, tmp_path: Path,
                                                              analyzer: Analyzer) -> None:
    out = tmp_path / "annotated.mp4"
    frames = analyze_video(face_clip, analyzer, out=out, progress=False)
    assert list(frames.columns[:15]) == EXPECTED_COLUMNS
    assert list(frames.columns[15:]) == list(RAW_COLUMNS)
    assert frames["frame"].tolist() == list(range(60))
    assert frames["face_id"].unique().tolist() == [1]
    np.testing.assert_allclose(frames[list(CLASSES)].sum(axis=1), 1.0, atol=1e-4)
    assert frames["time_s"].iloc[30] == pytest.approx(1.0)
    assert frames["w"].iloc[-1] > frames["w"].iloc[0] and frames["x"].iloc[-1] > frames["x"].iloc[0]
    assert frames.attrs["unreadable_frames"] == 0 and not frames.attrs["truncated"]
    assert _frame_count_and_size(out) == (60, (320, 240))
    assert not list(tmp_path.glob(".*partial*"))


def test_smoothing_reduces_flicker(face_clip: Path, analyzer: Analyzer) -> None:
    frames = analyze_video(face_clip, analyzer, progress=False, smoothing_s=0.5)
    smoothed = frames[list(CLASSES)].to_numpy()
    raw = frames[list(RAW_COLUMNS)].to_numpy()
    assert np.abs(np.diff(smoothed, axis=0)).mean() < np.abs(np.diff(raw, axis=0)).mean()


def test_every_and_detect_every(face_clip: Path, analyzer: Analyzer) -> None:
    frames = analyze_video(face_clip, analyzer, progress=False, every=2, detect_every=1, raw=False)
    assert frames["frame"].tolist() == list(range(0, 60, 2))
    assert list(frames.columns) == EXPECTED_COLUMNS
    assert frames.attrs["frame_s"] == pytest.approx(2 / 30)


def test_summary_table(face_clip: Path, analyzer: Analyzer) -> None:
    frames = analyze_video(face_clip, analyzer, progress=False)
    summary = summarize(frames)
    assert list(summary.columns) == ["face_id", "frames", "seconds", "start_s", "end_s", "dominant", *CLASSES]
    (row,) = summary.itertuples(index=False)
    assert row.face_id == 1 and row.frames == 60 and row.seconds == pytest.approx(2.0)
    assert summary[list(CLASSES)].sum(axis=1).iloc[0] == pytest.approx(1.0)
    assert row.dominant == frames["emotion"].mode()[0]
    assert summarize(frames.iloc[:0]).empty


def test_iter_video_files_and_captures(face_clip: Path, analyzer: Analyzer) -> None:
    items = list(iter_video(face_clip, analyzer, every=10))
    assert [index for index, *_ in items] == list(range(0, 60, 10))
    index, time_s, frame, faces = items[3]
    assert time_s == pytest.approx(1.0) and frame.shape == (240, 320, 3) and frame.dtype == np.uint8
    assert [face.face_id for face in faces] == [1] and faces[0].raw_probabilities.shape == (7,)
    assert len(list(iter_video(face_clip, analyzer, every=20, detect_every=1))) == 3
    assert len(analyze_video(face_clip, analyzer, progress=False, every=3)) == 20
    capture = cv2.VideoCapture(str(face_clip))
    assert len(list(iter_video(capture, analyzer, every=30))) == 2
    assert capture.isOpened()  # a capture passed in stays open
    capture.release()


def test_video_tracker_is_thread_safe(face_clip: Path, analyzer: Analyzer) -> None:
    # One still frame: threads call in any order, and a moving face seen out of order (on a loaded machine,
    # wall-clock gaps too) can fairly start a second track; what is tested here is that calls do not collide.
    frames = [next(_frames(face_clip))] * 20
    tracker = VideoTracker(analyzer, fps=30, detect_every=2)
    ids: list[int] = []
    errors: list[BaseException] = []

    def worker(start: int) -> None:
        try:
            for frame in frames[start::4]:
                ids.extend(face.face_id for face in tracker.process(frame))
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and ids and set(ids) == {1}


def _frames(path: Path):  # noqa: ANN202 - a generator of BGR frames
    capture = cv2.VideoCapture(str(path))
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        yield frame
    capture.release()


def test_cli_writes_video_csv_and_plot(face_clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out, csv, plot = tmp_path / "out.mp4", tmp_path / "frames.csv", tmp_path / "timeline.png"
    assert main(["video", str(face_clip), "--out", str(out), "--csv", str(csv), "--plot", str(plot),
                 "--no-progress"]) == 0
    stdout = capsys.readouterr().out
    assert "1 face(s) tracked" in stdout and "face #1: 2.0 s, mostly" in stdout
    assert re.search(r"analysed at \d+ fps", stdout)
    table = pd.read_csv(csv)
    assert list(table.columns[:15]) == EXPECTED_COLUMNS
    assert len(table) == 60 and table["frame"].is_unique and table["face_id"].nunique() == 1
    assert _frame_count_and_size(out) == (60, (320, 240))
    image = cv2.imread(str(plot))
    assert image is not None and image.shape[1] > 600


def test_cli_refuses_to_overwrite(face_clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    csv = tmp_path / "frames.csv"
    csv.write_text("precious\n")
    assert main(["video", str(face_clip), "--csv", str(csv), "--no-progress"]) == 2
    assert "--overwrite" in _one_error_line(capsys.readouterr().err)
    assert csv.read_text() == "precious\n"
    out = tmp_path / "out.mp4"
    out.write_bytes(b"keep")
    with pytest.raises(EmolibError, match="overwrite"):
        analyze_video(face_clip, out=out, progress=False)
    assert out.read_bytes() == b"keep"
    assert main(["video", str(face_clip), "--csv", str(csv), "--out", str(out), "--overwrite", "--no-progress"]) == 0
    assert len(pd.read_csv(csv)) == 60 and _frame_count_and_size(out)[0] == 60


def test_cli_refuses_to_write_over_the_input(face_clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    clip = Path(shutil.copy(face_clip, tmp_path / "clip.mp4"))
    assert main(["video", str(clip), "--out", str(clip), "--overwrite", "--no-progress"]) == 2
    assert "input" in _one_error_line(capsys.readouterr().err)
    assert clip.read_bytes() == face_clip.read_bytes()


@pytest.mark.parametrize("kind", ["truncated", "text", "empty", "missing"])
def test_cli_bad_video_is_one_line_error(kind: str, face_clip: Path, tmp_path: Path) -> None:
    """In its own process, as a user runs it: FFmpeg's messages are quieted by the CLI before the first read."""
    path = tmp_path / f"{kind}.mp4"
    if kind == "truncated":
        data = face_clip.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "text":
        path.write_text("this is not a video\n")
    elif kind == "empty":
        path.write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if k != "OPENCV_FFMPEG_LOGLEVEL"}
    done = subprocess.run([sys.executable, "-m", "emolib", "video", str(path), "--out", str(tmp_path / "out.mp4"),
                           "--no-progress"], capture_output=True, text=True, env=env)
    assert done.returncode == 2
    line = _one_error_line(done.stderr)  # FFmpeg's own messages would show up here too
    assert str(path) in line
    assert not (tmp_path / "out.mp4").exists()


def _corrupt_frame(path: Path, index: int) -> None:
    """Zero one JPEG of an MJPEG .avi, from its start-of-image to its end-of-image marker."""
    data = bytearray(path.read_bytes())
    starts = [m.start() for m in re.finditer(b"\xff\xd8\xff", data)]
    start = starts[index]
    end = data.index(b"\xff\xd9", start) + 2
    data[start:end] = bytes(end - start)
    path.write_bytes(bytes(data))


def test_corrupted_frame_is_skipped_and_the_rest_analysed(astronaut_bgr: np.ndarray, tmp_path: Path,
                                                          analyzer: Analyzer, capsys: pytest.CaptureFixture) -> None:
    clip = write_face_clip(tmp_path / "broken.avi", astronaut_bgr, fourcc="MJPG")
    _corrupt_frame(clip, 30)
    out = tmp_path / "out.avi"
    frames = analyze_video(clip, analyzer, out=out, progress=False, detect_every=1)
    assert frames.attrs["unreadable_frames"] == 1 and not frames.attrs["truncated"]
    assert frames["frame"].tolist() == [i for i in range(60) if i != 30]
    assert frames["face_id"].unique().tolist() == [1]
    assert _frame_count_and_size(out) == (60, (320, 240))  # the bad frame is replaced, timing kept
    assert main(["video", str(clip), "--no-progress"]) == 0
    assert "1 frame(s) could not be decoded" in capsys.readouterr().out


def test_cli_truncated_but_readable_start_is_partial(astronaut_bgr: np.ndarray, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    clip = write_face_clip(tmp_path / "cut.avi", astronaut_bgr, fourcc="MJPG")
    data = clip.read_bytes()
    clip.write_bytes(data[: len(data) // 2])
    csv = tmp_path / "cut.csv"
    assert main(["video", str(clip), "--csv", str(csv), "--no-progress"]) == 1
    assert "truncated" in _one_error_line(capsys.readouterr().err)
    assert 10 < len(pd.read_csv(csv)) < 40


def test_cli_folder_of_videos(face_clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "videos"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(face_clip, folder / "a.mp4")
    shutil.copy(face_clip, folder / "sub" / "b.mp4")
    (folder / "notes.mp4").write_text("not a video")
    out = tmp_path / "out"
    assert main(["video", str(folder), "--out", str(out), "--no-progress", "--every", "3"]) == 1
    captured = capsys.readouterr()
    assert "notes.mp4" in _one_error_line(captured.err)
    for stem in ("a", "sub/b"):
        assert len(pd.read_csv(out / f"{stem}.csv")) == 20
        assert _frame_count_and_size(out / f"{stem}_annotated.mp4") == (60, (320, 240))
        assert (out / f"{stem}_timeline.png").is_file()
    assert main(["video", str(folder), "--out", str(out), "--no-progress"]) == 2  # outputs exist now
    assert "--overwrite" in _one_error_line(capsys.readouterr().err)


def test_webcam_without_display_is_one_line_error(capsys: pytest.CaptureFixture) -> None:
    from emolib.cli.webcam import check_display

    try:
        check_display()
    except EmolibError:
        pass
    else:
        pytest.skip("this machine can open windows; the webcam would start")
    assert main(["webcam"]) == 2
    line = _one_error_line(capsys.readouterr().err, "webcam")
    assert "GUI" in line or "display" in line


def test_missing_camera_is_one_line_error() -> None:
    from emolib.media import open_camera

    with pytest.raises(EmolibError, match="camera 97 could not be opened"):
        open_camera(97)


def test_webcam_refuses_to_overwrite_the_recording(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    record = tmp_path / "rec.mp4"
    record.write_bytes(b"keep")
    assert main(["webcam", "--record", str(record)]) == 2
    assert "--overwrite" in _one_error_line(capsys.readouterr().err, "webcam")
    assert record.read_bytes() == b"keep"


class _FakeCamera:
    """A capture that produces numbered frames every 5 ms, then fails."""

    def __init__(self, frames: int) -> None:
        self.left = frames
        self.number = 0

    def read(self) -> tuple[bool, np.ndarray | None]:
        import time

        time.sleep(0.005)
        if self.left == 0:
            return False, None
        self.left -= 1
        self.number += 1
        return True, np.full((4, 4, 3), self.number % 256, np.uint8)


def test_latest_frame_reader_drops_stale_frames() -> None:
    import time

    from emolib.media import LatestFrameReader

    reader = LatestFrameReader(_FakeCamera(40), max_failures=3)  # type: ignore[arg-type]
    seen = []
    try:
        while True:
            frame, _ = reader.get(timeout=2.0)
            seen.append(int(frame[0, 0, 0]))
            time.sleep(0.03)  # a slow consumer: the reader must skip ahead, not queue
    except EmolibError as err:
        assert "stopped" in str(err)
    finally:
        reader.stop()
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    assert reader.dropped > 10 and len(seen) < 30 and seen[-1] == 40


def test_a_video_tracker_reused_for_another_file_starts_over() -> None:
    """Frame indices going back (a new file) reset the tracker: the last file's boxes never carry over."""
    from emolib.pipeline import Analyzer
    from emolib.results import Detection
    from emolib.video import VideoTracker

    analyzer = Analyzer()
    boxes = [(100, 100, 80, 80)]
    analyzer.detect = lambda frame, **options: [Detection(box, 0.9) for box in boxes]  # type: ignore[method-assign]
    tracker = VideoTracker(analyzer, fps=30.0, detect_every=5)
    frame = np.zeros((240, 320, 3), np.uint8)
    for index in range(20):
        faces = tracker.process(frame, frame_index=index)
    assert faces and faces[0].box[0] == 100
    boxes.clear()  # the next file has no face
    assert tracker.process(frame, frame_index=0) == [], "a new file must not show the previous file's face"
