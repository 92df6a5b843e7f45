"""Cameras: opening one with a clear error, and a threaded reader that keeps only the newest frame.

The CLI's webcam window and the webcam widget's kernel camera both read through :class:`LatestFrameReader`,
so a slow frame makes the next ones be dropped instead of the picture lagging behind.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import cv2
import numpy as np

from emolib.errors import EmolibError

#: Seconds without a new frame after which the camera counts as gone.
FRAME_TIMEOUT_S = 5.0


def open_camera(camera: int | str, *, size: tuple[int, int] | None = None) -> cv2.VideoCapture:
    """An opened camera that has delivered a first frame, or :class:`EmolibError` saying why not."""
    log = _opencv_log()
    level = log.getLogLevel() if log is not None else None
    if log is not None:
        log.setLogLevel(log.LOG_LEVEL_ERROR)  # our message replaces OpenCV's warnings
    try:
        capture = cv2.VideoCapture(camera)
        if not capture.isOpened():
            raise EmolibError(f"camera {camera} could not be opened (no camera there, no permission, or in use)")
        if size is not None:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        ok, _ = capture.read()
        if not ok:
            capture.release()
            raise EmolibError(f"camera {camera} opened but sent no picture")
        return capture
    finally:
        if log is not None:
            log.setLogLevel(level)


def _opencv_log() -> Any:
    """OpenCV's log-level module, or None where the build lacks it (OpenCV 4.11's wheels for Intel Macs)."""
    try:
        from cv2.utils import logging as log
    except ImportError:
        return None
    return log if hasattr(log, "setLogLevel") else None


class LatestFrameReader:
    """Reads a capture in a daemon thread and keeps only the newest frame (older unread ones are dropped).

    :meth:`get` returns each frame at most once: ``((H, W, 3) uint8 BGR frame, time.monotonic() of capture)``.
    """

    def __init__(self, capture: cv2.VideoCapture, *, max_failures: int = 50) -> None:
        self._capture = capture
        self._max_failures = max_failures
        self._condition = threading.Condition()
        self._frame: np.ndarray | None = None
        self._time = 0.0
        self._fresh = False
        self._running = True
        self.error: str | None = None
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="emolib-camera", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        failures = 0
        while self._running:
            ok, frame = self._capture.read()  # blocks without the GIL until the camera has a frame
            if not ok:
                failures += 1
                if failures > self._max_failures:
                    with self._condition:
                        self.error = "the camera stopped sending pictures"
                        self._condition.notify_all()
                    return
                time.sleep(0.01)
                continue
            failures = 0
            with self._condition:
                self.dropped += self._fresh
                self._frame, self._time, self._fresh = frame, time.monotonic(), True
                self._condition.notify_all()

    def get(self, timeout: float = FRAME_TIMEOUT_S) -> tuple[np.ndarray, float]:
        """The newest frame not returned yet, waiting up to ``timeout`` seconds for one."""
        with self._condition:
            if not self._condition.wait_for(lambda: self._fresh or self.error, timeout):
                raise EmolibError(f"the camera sent no picture for {timeout:.0f} s")
            if not self._fresh:
                raise EmolibError(self.error)
            self._fresh = False
            assert self._frame is not None  # fresh implies a frame
            return self._frame, self._time

    def stop(self) -> None:
        self._running = False
        self._thread.join(timeout=2.0)
