"""Reading and writing video files: every decodable frame with its presentation time (OpenCV), and output
that browsers play (H.264 / VP9 with the source's audio, through PyAV) written safely on its own thread."""

from __future__ import annotations

import math
import os
import queue
import threading
import typing
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, TypeVar

import cv2
import numpy as np

from emolib.errors import EmolibError, require_file

#: FourCC OpenCV writes each output suffix with: the fallback when PyAV cannot (``.avi`` always: MJPEG).
WRITER_FOURCC: dict[str, str] = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".mkv": "mp4v", ".avi": "MJPG",
                                 ".webm": "VP80"}
#: Frames waiting for the decoding or encoding thread: enough to even out, little memory.
QUEUE_FRAMES = 8

T = TypeVar("T")
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
        for index, _time_s, frame in self.iter_timed(every=every):
            yield index, frame

    def iter_timed(self, *, every: int = 1, prefetch: bool = False) -> Iterator[tuple[int, float, np.ndarray | None]]:
        """Like :meth:`iter_frames`, with each frame's presentation time in seconds from the first frame
        (the container's timestamps, so variable-frame-rate files keep their timing): (index, time_s, frame).

        ``prefetch``: decode on a thread of its own, up to :data:`QUEUE_FRAMES` frames ahead (FFmpeg
        releases the GIL), so decoding overlaps the caller's work.
        """
        if not prefetch:
            yield from self._decode(every)
            return
        yield from _threaded(lambda: self._decode(every), name="emolib-decode")

    def _decode(self, every: int) -> Iterator[tuple[int, float, np.ndarray | None]]:
        index, failures, time_s = -1, 0, -1 / self.fps
        while True:
            if not self._capture.grab():
                if failures >= self.max_bad or (self.expected_frames and index + 1 >= self.expected_frames):
                    break
                failures += 1
                continue
            for _ in range(failures):  # failed grabs followed by a good one: undecodable frames
                index += 1
                self.unreadable += 1
                time_s += 1 / self.fps
                yield index, time_s, None
            failures = 0
            index += 1
            self.frames = index + 1
            time_s = self._time_s(index, time_s)
            if index % every:
                continue
            ok, frame = self._capture.retrieve()
            if not ok or frame is None or frame.size == 0:
                self.unreadable += 1
                yield index, time_s, None
                continue
            yield index, time_s, self._conform(frame)
        self.frames = index + 1
        self.truncated = self.expected_frames - self.frames > 2

    def _time_s(self, index: int, previous: float) -> float:
        """The grabbed frame's presentation time (FFmpeg's, in seconds), else ``index / fps``; always increasing."""
        msec = self._capture.get(cv2.CAP_PROP_POS_MSEC)
        time_s = msec / 1000 if math.isfinite(msec) and msec >= 0 and (msec > 0 or index == 0) else index / self.fps
        return time_s if time_s > previous else previous + 1e-3

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

    ``size``: (width, height). ``.mp4``/``.m4v``/``.mov``/``.mkv``: H.264 (yuv420p; MP4 with faststart),
    ``.webm``: VP9, both through PyAV, with the first audio stream of ``audio_from`` (e.g. the source video)
    copied along; ``.avi``: MJPEG through OpenCV. Without PyAV (or its encoder) OpenCV's MPEG-4 Part 2 is
    written instead, with a warning: browsers do not play it. Frames are encoded on a thread of their own:
    do not change a frame after :meth:`write` took it. An existing ``path`` is only replaced with
    ``overwrite``; a failed run (exception in the ``with`` block, a write or close that fails, e.g. on a full
    disk) leaves it untouched, removes the partial file and raises :class:`EmolibError`.
    Attributes: ``codec`` ("h264", "vp9", "mjpeg" or "mp4v"), ``audio_codec`` (None: no audio), ``frames``.
    """

    def __init__(self, path: str | os.PathLike, fps: float, size: tuple[int, int], *, overwrite: bool = False,
                 audio_from: str | os.PathLike | None = None) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in WRITER_FOURCC:
            raise EmolibError(f"cannot write {self.path}: use one of {', '.join(WRITER_FOURCC)}")
        if self.path.exists() and not overwrite:
            raise EmolibError(f"{self.path} exists; pass --overwrite (overwrite=True) to replace it")
        if self.path.is_dir():
            raise EmolibError(f"{self.path} is a folder, not a video file name")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise EmolibError(f"could not write {self.path}: {err.strerror or err}") from None
        self._partial = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        self.size = (int(size[0]), int(size[1]))
        self.fps = float(fps)
        self.frames = 0
        self._codecs: tuple[str, str | None] | None = None
        self._fallback: str | None = None  # why OpenCV writes instead of PyAV: warned in the caller's thread
        self._backend: _Backend | None = None
        self._opened = threading.Event()
        self._queue: queue.Queue[tuple[np.ndarray, float, Callable[[np.ndarray], np.ndarray] | None] | None] = (
            queue.Queue(QUEUE_FRAMES))
        self._error: BaseException | None = None
        self._done = False
        # The encoder opens on its thread too: importing PyAV overlaps the caller's start (model, first frame).
        self._thread = threading.Thread(target=self._encode, args=(suffix, audio_from), name="emolib-encode",
                                        daemon=True)
        self._thread.start()

    @property
    def codec(self) -> str:
        """The video codec written: "h264", "vp9", "mjpeg" or "mp4v" (waits for the encoder to open)."""
        self._opened.wait()
        return self._codecs[0] if self._codecs else "none"

    @property
    def audio_codec(self) -> str | None:
        """The audio codec written, None without sound (waits for the encoder to open)."""
        self._opened.wait()
        return self._codecs[1] if self._codecs else None

    def _open(self, suffix: str, audio_from: str | os.PathLike | None) -> _Backend:
        if suffix != ".avi":
            try:
                from emolib.media.encode import AvEncoder

                encoder = AvEncoder(self._partial, suffix, self.fps, self.size, audio_from=audio_from)
            except ImportError as err:
                reason = f"PyAV is not installed ({err.name})"
            except Exception as err:  # noqa: BLE001 - any failure to start the encoder: fall back, say why
                self._partial.unlink(missing_ok=True)
                reason = f"PyAV could not start its encoder ({type(err).__name__}: {err})"
            else:
                self._codecs = (encoder.codec, encoder.audio_codec)
                return encoder
            fourcc = WRITER_FOURCC[suffix]
            self._fallback = (f"{reason}: writing {self.path} with OpenCV's {fourcc} codec, which browsers do not "
                              "play, and without the sound (pip install av)")
        writer = _OpenCvBackend(self._partial, WRITER_FOURCC[suffix], self.fps, self.size)
        self._codecs = ("mjpeg" if suffix == ".avi" else WRITER_FOURCC[suffix].lower(), None)
        return writer

    def write(self, frame_bgr: np.ndarray, time_s: float | None = None, *,
              prepare: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        """Append a (height, width, 3) uint8 BGR frame (resized if it is another size), shown at ``time_s``
        seconds (default: ``frames / fps``, i.e. a constant frame rate). ``prepare``: run on the frame in the
        encoding thread first (e.g. drawing the results on it), so it overlaps the caller's next frame."""
        self._check()
        self._queue.put((frame_bgr, self.frames / self.fps if time_s is None else float(time_s), prepare))
        self.frames += 1

    def _encode(self, suffix: str, audio_from: str | os.PathLike | None) -> None:
        """The encoding thread: opens the backend, then frames from the queue into it; after an error it only
        drains the queue."""
        try:
            self._backend = self._open(suffix, audio_from)
        except BaseException as err:  # noqa: BLE001 - raised in the caller's thread by _check
            self._error = err
        finally:
            self._opened.set()
        while (item := self._queue.get()) is not None:
            if self._error is None and self._backend is not None:
                frame, time_s, prepare = item
                try:
                    if prepare is not None:
                        frame = prepare(frame)
                    if frame.shape[1::-1] != self.size:
                        frame = cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA)
                    self._backend.write(frame, time_s)
                except BaseException as err:  # noqa: BLE001 - raised in the caller's thread by _check
                    self._error = err

    def _check_fallback(self) -> None:
        if self._fallback is not None:
            message, self._fallback = self._fallback, None
            warnings.warn(message, RuntimeWarning, stacklevel=4)

    def _check(self) -> None:
        self._check_fallback()
        if self._error is not None:
            self.abort()
            raise self._failure(self._error)

    def _failure(self, err: BaseException) -> EmolibError:
        if isinstance(err, EmolibError):
            return err
        reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
        return EmolibError(f"could not write {self.path}: {reason}")

    def close(self) -> Path:
        """Finish the file and move it into place; returns its path. A failure removes the partial file and
        raises :class:`EmolibError`; ``path`` keeps what it had."""
        if self._done:
            return self.path
        self._done = True
        self._queue.put(None)
        self._thread.join()
        self._check_fallback()
        if self._error is None and self._backend is not None:
            try:
                self._backend.close()
                os.replace(self._partial, self.path)
            except BaseException as err:  # noqa: BLE001 - a full disk, a vanished folder...
                self._error = err
        if self._error is not None:
            if self._backend is not None:
                self._backend.abort()
            self._partial.unlink(missing_ok=True)
            raise self._failure(self._error)
        return self.path

    def abort(self) -> None:
        """Stop and delete the partial file; ``path`` keeps what it had."""
        if not self._done:
            self._done = True
            self._queue.put(None)
            self._thread.join()
        if self._backend is not None:
            self._backend.abort()
        self._partial.unlink(missing_ok=True)

    def __enter__(self) -> VideoFileWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class _Backend(Protocol):
    """What :class:`VideoFileWriter` needs of an encoder (:class:`~emolib.media.encode.AvEncoder` or OpenCV)."""

    def write(self, frame_bgr: np.ndarray, time_s: float) -> None: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


class _OpenCvBackend:
    """``cv2.VideoWriter`` at a constant frame rate (times are ignored); a short or missing file is an error."""

    def __init__(self, path: Path, fourcc: str, fps: float, size: tuple[int, int]) -> None:
        self._path = path
        self._writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, size)
        if not self._writer.isOpened():
            path.unlink(missing_ok=True)
            raise EmolibError(f"could not open {path.name.removeprefix('.').replace('.partial', '')} for writing")
        self._frames = 0

    def write(self, frame_bgr: np.ndarray, time_s: float) -> None:
        self._writer.write(frame_bgr)
        self._frames += 1

    def close(self) -> None:
        self._writer.release()
        capture = cv2.VideoCapture(str(self._path))  # OpenCV's writer does not report failed writes: check
        try:
            count = capture.get(cv2.CAP_PROP_FRAME_COUNT) if capture.isOpened() else 0
        finally:
            capture.release()
        if self._frames and count < self._frames:
            raise OSError(f"the file holds {int(count)} of {self._frames} frames (disk full?)")

    def abort(self) -> None:
        self._writer.release()


def _threaded(make: Callable[[], Iterator[T]], *, name: str) -> Iterator[T]:
    """The items of the iterator ``make()`` produced on a thread of its own, up to :data:`QUEUE_FRAMES`
    ahead; its exceptions are raised here; leaving the loop early stops the thread."""
    items: queue.Queue[tuple[str, object]] = queue.Queue(QUEUE_FRAMES)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in make():
                while not stop.is_set():
                    try:
                        items.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            message: tuple[str, object] = ("done", None)
        except BaseException as err:  # noqa: BLE001 - raised in the consumer's thread
            message = ("error", err)
        while not stop.is_set():
            try:
                items.put(message, timeout=0.1)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            kind, item = items.get()
            if kind == "done":
                return
            if kind == "error":
                raise typing.cast(BaseException, item)
            yield typing.cast(T, item)
    finally:
        stop.set()
        thread.join()
