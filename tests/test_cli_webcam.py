"""``emolib webcam`` end to end: a video file as the camera, OpenCV's window functions replaced by fakes.

The clip (the astronaut's face drifting over 90 frames of 320x240, 30 fps) is played at its frame rate,
like a camera: read as fast as it decodes, a 3 s file would be used up by the camera thread before the
window loop has shown a handful of frames (and a camera that stops sending ends the command with an error).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from emolib.cli import main
from tests.conftest import write_face_clip

SHOWN = 6  # frames shown before the fake window answers "q"
FPS = 30.0
REAL_CAPTURE = cv2.VideoCapture


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory, astronaut_bgr: np.ndarray) -> Path:
    return write_face_clip(tmp_path_factory.mktemp("webcam") / "camera.mp4", astronaut_bgr, frames=90, fps=FPS)


class Window:
    """Fakes of cv2.namedWindow, imshow, waitKey, getWindowProperty and destroyAllWindows.

    ``waitKey`` answers "q" once ``quit_after`` frames have been shown; ``shown`` holds (a copy of the picture
    passed to imshow, the camera's frame it was drawn from, the faces the tracker found on that frame).
    """

    def __init__(self, quit_after: int) -> None:
        self.quit_after = quit_after
        self.processed: tuple[np.ndarray, list] | None = None  # the latest frame tracked, and its faces
        self.opened: list[str] = []
        self.shown: list[tuple[np.ndarray, np.ndarray, list]] = []
        self.destroyed = False

    def named_window(self, name: str, flags: int = 0) -> None:
        self.opened.append(name)

    def imshow(self, name: str, picture: np.ndarray) -> None:
        assert name in self.opened and self.processed is not None
        raw, faces = self.processed
        assert picture.shape == raw.shape and picture.dtype == np.uint8
        self.shown.append((picture.copy(), raw, faces))

    def wait_key(self, delay: int = 0) -> int:
        return ord("q") if len(self.shown) >= self.quit_after else -1

    def get_window_property(self, name: str, prop: int) -> float:
        return 1.0  # visible

    def destroy_all_windows(self) -> None:
        self.destroyed = True


@pytest.fixture
def window(monkeypatch: pytest.MonkeyPatch) -> Window:
    """The window fakes, a camera that plays a file in real time, and a spy on the tracker (frames and faces)."""
    import emolib.cli.webcam
    from emolib.video import VideoTracker

    class RealTimeCapture:
        """A cv2.VideoCapture whose reads wait a frame's time (a wrapper: subclasses of it crash the GC)."""

        def __init__(self, *args: object) -> None:
            self._capture = REAL_CAPTURE(*args)

        def read(self) -> tuple[bool, np.ndarray | None]:
            time.sleep(1 / FPS)
            return self._capture.read()

        def __getattr__(self, name: str) -> object:
            return getattr(self._capture, name)

    process = VideoTracker.process
    fake = Window(SHOWN)

    def spy(self: VideoTracker, frame: np.ndarray, *args: object, **kwargs: object) -> list:
        raw = frame.copy()
        found = process(self, frame, *args, **kwargs)
        fake.processed = (raw, list(found))
        return found

    monkeypatch.setattr(cv2, "VideoCapture", RealTimeCapture)
    monkeypatch.setattr(VideoTracker, "process", spy)
    monkeypatch.setattr(cv2, "namedWindow", fake.named_window)
    monkeypatch.setattr(cv2, "imshow", fake.imshow)
    monkeypatch.setattr(cv2, "waitKey", fake.wait_key)
    monkeypatch.setattr(cv2, "getWindowProperty", fake.get_window_property)
    monkeypatch.setattr(cv2, "destroyAllWindows", fake.destroy_all_windows)
    monkeypatch.setattr(emolib.cli.webcam, "check_display", lambda: None)
    return fake


def summary(out: str) -> tuple[int, int]:
    """(frames shown, faces seen) from the command's summary line."""
    match = re.search(r"^(\d+) frames in [\d.]+ s \(.*\); (\d+) face\(s\) seen$", out, re.MULTILINE)
    assert match, f"no summary line in {out!r}"
    return int(match.group(1)), int(match.group(2))


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("emolib webcam: error: "), err
    assert "Traceback" not in err
    return lines[0]


def read_video(path: Path) -> list[np.ndarray]:
    capture = REAL_CAPTURE(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def check_annotated(picture: np.ndarray, raw: np.ndarray, faces: list) -> None:
    """The picture shown differs from the camera's frame on the outline of each face box, not inside it."""
    assert faces, "no face on a frame of the astronaut"
    changed = (picture != raw).any(axis=2)
    height, width = changed.shape
    for face in faces:
        x, y, w, h = face.box
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
        top = changed[y0, x0:x1]
        left = changed[y0:y1, x0]
        assert top.mean() > 0.9 and left.mean() > 0.9, "no box drawn on the face's outline"
        inside = changed[y0 + h // 4:y1 - h // 4, x0 + w // 4:x1 - w // 4]
        assert inside.mean() < 0.05, "the face itself should stay visible"


def test_webcam_shows_annotated_frames_until_q(clip: Path, window: Window, capsys: pytest.CaptureFixture) -> None:
    assert main(["webcam", "--camera", str(clip)]) == 0
    out, err = capsys.readouterr()
    assert len(window.shown) == SHOWN and window.destroyed
    shown, seen = summary(out)
    assert shown == SHOWN and seen >= 1
    assert "recorded" not in out and err == ""
    for picture, raw, faces in window.shown:
        check_annotated(picture, raw, faces)
    # the frame rate is drawn in the top-left corner of every frame
    assert all((picture[:20, :80] != raw[:20, :80]).any() for picture, raw, _ in window.shown)


def test_webcam_records_the_annotated_stream(clip: Path, window: Window, tmp_path: Path,
                                            capsys: pytest.CaptureFixture) -> None:
    record = tmp_path / "out.mp4"
    assert main(["webcam", "--camera", str(clip), "--record", str(record)]) == 0
    out = capsys.readouterr().out
    assert f"recorded {record}" in out and summary(out)[0] == SHOWN
    frames = read_video(record)
    # written in real time: at least one frame per frame shown (camera frames dropped are filled in)
    assert len(frames) >= SHOWN and frames[0].shape == (240, 320, 3)
    assert not list(tmp_path.glob(".*partial*")), "the partial file was moved into place"
    last_shown, last_raw, _ = window.shown[-1]
    recorded = frames[-1].astype(int)
    # the last frame written is the last frame shown, annotations and all (MPEG-4 is lossy: compare errors)
    assert np.abs(recorded - last_shown).mean() < 0.5 * np.abs(recorded - last_raw).mean()


def test_webcam_refuses_to_overwrite_a_recording(clip: Path, window: Window, tmp_path: Path,
                                                 capfd: pytest.CaptureFixture) -> None:
    record = tmp_path / "out.mp4"
    record.write_bytes(b"an earlier recording")
    assert main(["webcam", "--camera", str(clip), "--record", str(record)]) == 2
    out, err = capfd.readouterr()
    assert "--overwrite" in one_error_line(err) and out == ""
    assert record.read_bytes() == b"an earlier recording" and not window.opened and not window.shown
    assert main(["webcam", "--camera", str(clip), "--record", str(record), "--overwrite"]) == 0
    assert len(read_video(record)) >= SHOWN


def test_webcam_with_a_missing_camera_file_is_one_line(window: Window, tmp_path: Path,
                                                       capfd: pytest.CaptureFixture) -> None:
    missing = tmp_path / "no-such-camera.mp4"
    assert main(["webcam", "--camera", str(missing)]) == 2
    out, err = capfd.readouterr()
    line = one_error_line(err)
    assert str(missing) in line and "could not be opened" in line and out == ""
    assert not window.opened and not window.shown
