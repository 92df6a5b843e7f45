"""Reading and writing video files with OpenCV: every decodable frame, safe partial writes."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from emolib.errors import EmolibError, require_file

#: FourCC used to write each output suffix (all of them built into OpenCV's FFmpeg).
WRITER_FOURCC: dict[str, str] = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".mkv": "mp4v", ".avi": "MJPG"}
#: Frame rate assumed when a file does not state a usable one.
FALLBACK_FPS = 30.0


class VideoReader:
    """Frames of a video file or an open ``cv2.VideoCapture``, skipping (and counting) undecodable ones.

    Attributes: ``name``, ``fps`` (``FALLBACK_FPS`` when the file states none), ``width``, ``height``,
    ``expected_frames`` (the container's frame count; 0 when unknown), and after iterating: ``frames``
    (positions seen), ``decoded``, ``unreadable`` and ``truncated`` (ended well before the expected count).
    A capture passed in is not released by :meth:`close`; one opened from a path is.
    """

    def __init__(self, source: str | os.PathLike | cv2.VideoCapture, *, max_bad: int = 100) -> None:
        if isinstance(source, cv2.VideoCapture):
            if not source.isOpened():
                raise EmolibError("the video capture is not open")
            self.name, self._capture, self._owned = "stream", source, False
        else:
            path = require_file(source, "a video")
            capture = cv2.VideoCapture(str(path))
            if not capture.isOpened():
                capture.release()
                raise EmolibError(f"{path} is not a video OpenCV can read (not a video, or truncated or damaged)")
            self.name, self._capture, self._owned = str(path), capture, True
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if math.isfinite(fps) and 0 < fps <= 1000 else FALLBACK_FPS
        self.width = int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        count = self._capture.get(cv2.CAP_PROP_FRAME_COUNT)
        self.expected_frames = int(count) if math.isfinite(count) and count > 0 else 0
        self.max_bad = max_bad
        self.frames = self.decoded = self.unreadable = 0
        self.truncated = False

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owned:
            self._capture.release()

    def __iter__(self) -> Iterator[tuple[int, np.ndarray | None]]:
        return self.iter_frames()

    def iter_frames(self, *, every: int = 1) -> Iterator[tuple[int, np.ndarray | None]]:
        """(index, (H, W, 3) uint8 BGR frame) for every ``every``-th frame; ``None`` for frames that failed to decode.

        Frames in between are grabbed but not converted. Frames that cannot be decoded are yielded as
        ``(index, None)`` (whether or not they fall on the ``every`` grid), so writers can keep the timing.
        """
        index, failures = -1, 0
        while True:
            if not self._capture.grab():
                if failures >= self.max_bad or (self.expected_frames and index + 1 >= self.expected_frames):
                    break
                failures += 1
                continue
            for _ in range(failures):  # failed grabs followed by a good one: undecodable frames
                index += 1
                self.unreadable += 1
                yield index, None
            failures = 0
            index += 1
            self.frames = index + 1
            if index % every:
                continue
            ok, frame = self._capture.retrieve()
            if not ok or frame is None or frame.size == 0:
                self.unreadable += 1
                yield index, None
                continue
            yield index, self._conform(frame)
        self.frames = index + 1
        self.truncated = self.expected_frames - self.frames > 2

    def _conform(self, frame: np.ndarray) -> np.ndarray:
        """The frame as (height, width, 3) uint8 BGR, whatever the decoder returned."""
        self.decoded += 1
        if frame.ndim == 2 or frame.shape[2] == 1:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        elif frame.shape[2] == 4:
            frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
        if self.width <= 0 or self.height <= 0:
            self.height, self.width = frame.shape[:2]
        if frame.shape[:2] != (self.height, self.width):
            frame = cv2.resize(frame, (self.width, self.height), interpolation=cv2.INTER_AREA)
        return frame


class VideoFileWriter:
    """Write frames to a video file safely: into a hidden partial file, renamed over ``path`` when closed.

    ``size``: (width, height); the codec follows the suffix (:data:`WRITER_FOURCC`). An existing ``path``
    is only replaced with ``overwrite``; a failed run (exception in the ``with`` block) leaves it untouched.
    """

    def __init__(self, path: str | os.PathLike, fps: float, size: tuple[int, int], *, overwrite: bool = False) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in WRITER_FOURCC:
            raise EmolibError(f"cannot write {self.path}: use one of {', '.join(WRITER_FOURCC)}")
        if self.path.exists() and not overwrite:
            raise EmolibError(f"{self.path} exists; pass --overwrite (overwrite=True) to replace it")
        if self.path.is_dir():
            raise EmolibError(f"{self.path} is a folder, not a video file name")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._partial = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        self.size = (int(size[0]), int(size[1]))
        self._writer = cv2.VideoWriter(str(self._partial), cv2.VideoWriter.fourcc(*WRITER_FOURCC[suffix]),
                                       float(fps), self.size)
        if not self._writer.isOpened():
            self._partial.unlink(missing_ok=True)
            raise EmolibError(f"could not open {self.path} for writing")
        self.frames = 0

    def write(self, frame_bgr: np.ndarray) -> None:
        """Append a (height, width, 3) uint8 BGR frame (resized if it is another size)."""
        if frame_bgr.shape[1::-1] != self.size:
            frame_bgr = cv2.resize(frame_bgr, self.size, interpolation=cv2.INTER_AREA)
        self._writer.write(frame_bgr)
        self.frames += 1

    def close(self) -> Path:
        """Finish the file and move it into place; returns its path."""
        self._writer.release()
        os.replace(self._partial, self.path)
        return self.path

    def abort(self) -> None:
        """Stop and delete the partial file; ``path`` keeps what it had."""
        self._writer.release()
        self._partial.unlink(missing_ok=True)

    def __enter__(self) -> VideoFileWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
