"""Videos and frame streams: tracked, smoothed analysis per frame, a per-frame table and annotated output.

>>> frames = analyze_video("talk.mp4", out="talk_annotated.mp4")   # DataFrame: one row per face per frame
>>> summarize(frames)                                             # DataFrame: one row per face
>>> for index, time_s, frame_bgr, faces in iter_video("talk.mp4"): ...
>>> for index, time_s, frame_bgr, faces in iter_video(open_camera(0)): ...   # a live camera

Speed comes from :class:`VideoTracker`: it detects faces on a downscaled frame every ``detect_every``
frames, moves the tracked boxes with their motion model in between, and classifies every face of a frame
in one batched call. Frames FFmpeg cannot decode are skipped and counted; the rest is analysed.

Importing this module quiets FFmpeg's own console messages (``OPENCV_FFMPEG_LOGLEVEL=-8``) unless that
variable is already set: problems surface as one :class:`EmolibError` line instead.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import pandas as pd

from emolib.detect import clip_box
from emolib.errors import EmolibError, require_file
from emolib.labels import CLASSES
from emolib.pipeline import FaceResult
from emolib.tracking import Tracker

if TYPE_CHECKING:
    from emolib.pipeline import Analyzer

# Read by OpenCV when it first opens a file with FFmpeg; -8 is AV_LOG_QUIET.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

#: The first columns of the per-frame table, in this order (probabilities are the smoothed ones).
FRAME_COLUMNS: tuple[str, ...] = ("frame", "time_s", "face_id", "x", "y", "w", "h", *CLASSES, "emotion")
#: Unsmoothed probabilities, after :data:`FRAME_COLUMNS` when ``raw=True``.
RAW_COLUMNS: tuple[str, ...] = tuple(f"raw_{name}" for name in CLASSES)
#: Video file suffixes a folder search picks up.
VIDEO_SUFFIXES: tuple[str, ...] = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv")
#: FourCC used to write each output suffix (all of them built into OpenCV's FFmpeg).
WRITER_FOURCC: dict[str, str] = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".mkv": "mp4v", ".avi": "MJPG"}

#: Run the detector every n-th frame; tracks carry the faces in between.
DEFAULT_DETECT_EVERY = 3
#: Longest side of the copy of the frame the detector sees (faces under ~10 px there are missed).
DEFAULT_DETECT_SIZE = 480
#: Frame rate assumed when a file does not state a usable one.
FALLBACK_FPS = 30.0


@dataclass
class TrackedFace(FaceResult):
    """A :class:`FaceResult` from a stream: ``face_id`` is the track id, ``probabilities`` are smoothed.

    ``raw_probabilities``: this frame's (7,) float32 probabilities before smoothing; ``detected``: the box
    comes from the detector on this frame (False: moved there by the tracker's motion model).
    """

    raw_probabilities: np.ndarray | None = field(default=None, repr=False)
    detected: bool = True


class VideoTracker:
    """An :class:`Analyzer` plus a :class:`~emolib.tracking.Tracker` for a stream of frames (file, webcam, widget).

    ``fps``: the stream's frame rate (track lifetimes are in seconds); ``detect_every``: run the detector
    once at least this many frames have passed since its last run (so on every call when frames are
    skipped), moving the tracked boxes with their motion model in between; ``detect_size``: longest side
    of the frame copy the detector sees (None: the detector's own limit); ``smoothing``/``smoothing_s``/
    ``max_age_s``/``iou_threshold``: see :class:`~emolib.tracking.Tracker`. Thread-safe: one call at a
    time runs, in call order.
    """

    def __init__(
        self,
        analyzer: Analyzer | None = None,
        *,
        fps: float = FALLBACK_FPS,
        detect_every: int = DEFAULT_DETECT_EVERY,
        detect_size: int | None = DEFAULT_DETECT_SIZE,
        smoothing: str = "ema",
        smoothing_s: float = 0.3,
        max_age_s: float = 1.0,
        iou_threshold: float = 0.3,
    ) -> None:
        if analyzer is None:
            from emolib.pipeline import Analyzer

            analyzer = Analyzer()
        if detect_every < 1:
            raise EmolibError(f"detect_every must be 1 or more, got {detect_every}")
        if detect_size is not None and detect_size < 32:
            raise EmolibError(f"detect_size must be at least 32 pixels, got {detect_size}")
        self.analyzer = analyzer
        self.fps = float(fps)
        self.detect_every = detect_every
        self.detect_size = detect_size
        self.tracker = Tracker(fps=fps, max_age_s=max_age_s, iou_threshold=iou_threshold, smoothing=smoothing,
                               smoothing_s=smoothing_s)
        self._lock = threading.Lock()
        self._last_detect: int | None = None
        self._last_frame = -1
        self._start: float | None = None
        self._scores: dict[int, float] = {}

    def reset(self) -> None:
        """Start over: no tracks, ids from 1, the next call detects."""
        with self._lock:
            self.tracker.reset()
            self._last_detect, self._last_frame, self._start = None, -1, None
            self._scores.clear()

    def process(
        self, frame_bgr: np.ndarray, *, frame_index: int | None = None, time_s: float | None = None
    ) -> list[TrackedFace]:
        """Tracked faces of the next (H, W, 3) uint8 BGR frame, sorted by ``face_id``.

        Give the frame's position as ``frame_index`` (files) or ``time_s`` (streams); with neither, the
        time since the first call is used (live sources).
        """
        with self._lock:
            if frame_index is None:
                if time_s is None:
                    now = time.monotonic()
                    self._start = now if self._start is None else self._start
                    time_s = now - self._start
                frame_index = round(time_s * self.fps)
            frame_index = max(int(frame_index), self._last_frame)
            time_s = frame_index / self.fps if time_s is None else float(time_s)
            self._last_frame = frame_index
            detect = self._last_detect is None or frame_index - self._last_detect >= self.detect_every
            if detect:
                self._last_detect = frame_index
                detections = self.analyzer.detect(frame_bgr, max_side=self.detect_size)
                boxes = [d.box for d in detections]
                tracks = self.tracker.update(boxes, frame_index)
                scores = [d.score for d in detections]
                landmarks = [d.landmarks for d in detections]
                self._scores = {t.id: s for t, s in zip(tracks, scores, strict=True)}
            else:
                height, width = frame_bgr.shape[:2]
                tracks, boxes = [], []
                for track in self.tracker.predict(frame_index):
                    box = clip_box(track.box, width, height, min_side=8)
                    if box is not None:
                        tracks.append(track)
                        boxes.append(box)
                scores = [self._scores.get(t.id, 1.0) for t in tracks]
                landmarks = None
            results = self.analyzer.classify_boxes(frame_bgr, boxes, scores, landmarks)
            faces = [
                TrackedFace(r.box, track.smooth(r.probabilities, time_s), r.score, track.id, r.landmarks,
                            raw_probabilities=r.probabilities, detected=detect)
                for r, track in zip(results, tracks, strict=True)
            ]
        faces.sort(key=lambda face: face.face_id)
        return faces


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
        self._writer = cv2.VideoWriter(str(self._partial), cv2.VideoWriter_fourcc(*WRITER_FOURCC[suffix]),
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


def open_camera(camera: int | str, *, size: tuple[int, int] | None = None) -> cv2.VideoCapture:
    """An opened camera that has delivered a first frame, or :class:`EmolibError` saying why not."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # our message replaces OpenCV's warnings
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
        cv2.utils.logging.setLogLevel(level)


def iter_video(
    source: str | os.PathLike | cv2.VideoCapture,
    analyzer: Analyzer | None = None,
    *,
    every: int = 1,
    tracker: VideoTracker | None = None,
    **tracker_options: Any,
) -> Iterator[tuple[int, float, np.ndarray, list[TrackedFace]]]:
    """``(frame_index, time_s, frame_bgr, faces)`` for every ``every``-th decodable frame of a video.

    ``source``: a file path or an open ``cv2.VideoCapture`` (left open). ``frame_bgr`` is (H, W, 3)
    uint8 BGR; ``faces`` are :class:`TrackedFace` with stable ids and smoothed probabilities. Give a
    ``tracker`` to reuse one, or ``tracker_options`` for a new :class:`VideoTracker`.
    """
    if every < 1:
        raise EmolibError(f"every must be 1 or more, got {every}")
    with VideoReader(source) as reader:
        tracker = tracker or VideoTracker(analyzer, fps=reader.fps, **tracker_options)
        for index, frame in reader.iter_frames(every=every):
            if frame is not None:
                yield index, index / reader.fps, frame, tracker.process(frame, frame_index=index)
        if reader.decoded == 0:
            raise EmolibError(f"{reader.name}: no frame could be decoded")


def analyze_video(
    path: str | os.PathLike,
    analyzer: Analyzer | None = None,
    *,
    out: str | os.PathLike | None = None,
    every: int = 1,
    progress: bool = True,
    overwrite: bool = False,
    raw: bool = True,
    detect_every: int = DEFAULT_DETECT_EVERY,
    detect_size: int | None = DEFAULT_DETECT_SIZE,
    smoothing: str = "ema",
    smoothing_s: float = 0.3,
    max_age_s: float = 1.0,
) -> pd.DataFrame:
    """Track and classify every face of a video file; one row per face per analysed frame.

    Columns: :data:`FRAME_COLUMNS` (smoothed probabilities), then :data:`RAW_COLUMNS` when ``raw``.
    ``out``: also write the annotated video there (source size and frame rate, every frame; undecodable
    frames repeat the previous one so the timing holds). ``every``: analyse every n-th frame only.
    ``progress``: tqdm bar with ETA. Other options: see :class:`VideoTracker`. ``DataFrame.attrs`` holds
    source, fps, width, height, frames, expected_frames, analyzed_frames, unreadable_frames, truncated,
    frame_s (seconds per analysed frame), elapsed_s and processing_fps.
    """
    from tqdm.auto import tqdm

    from emolib.draw import annotate

    if every < 1:
        raise EmolibError(f"every must be 1 or more, got {every}")
    path = Path(path)
    if out is not None and Path(out).exists() and path.exists() and Path(out).resolve() == path.resolve():
        raise EmolibError(f"{out} is the input video; choose another output name")
    reader = VideoReader(path)
    writer = None
    rows: list[tuple] = []
    analyzed = 0
    try:
        tracker = VideoTracker(analyzer, fps=reader.fps, detect_every=detect_every, detect_size=detect_size,
                               smoothing=smoothing, smoothing_s=smoothing_s, max_age_s=max_age_s)
        if out is not None:
            writer = VideoFileWriter(out, reader.fps, (reader.width, reader.height), overwrite=overwrite)
        start = time.perf_counter()
        faces: list[TrackedFace] = []
        previous = None
        with tqdm(total=reader.expected_frames or None, unit="frame", desc=path.name, disable=not progress,
                  dynamic_ncols=True) as bar:
            for index, frame in reader.iter_frames(every=1 if writer else every):
                bar.update(index + 1 - bar.n)
                if frame is None:
                    if writer:  # keep the timing: repeat the previous frame
                        writer.write(previous if previous is not None else _black(reader.width, reader.height))
                    continue
                if index % every == 0:
                    faces = tracker.process(frame, frame_index=index)
                    analyzed += 1
                    time_s = round(index / reader.fps, 4)
                    for face in faces:
                        row = (index, time_s, face.face_id, *face.box, *face.probabilities.tolist(), face.emotion)
                        rows.append(row + tuple(face.raw_probabilities.tolist()) if raw else row)
                if writer:
                    previous = annotate(frame, faces, copy=False)
                    writer.write(previous)
        elapsed = time.perf_counter() - start
        if reader.decoded == 0:
            raise EmolibError(f"{path}: no frame could be decoded")
    except BaseException:
        if writer:
            writer.abort()
        raise
    finally:
        reader.close()
    if writer:
        writer.close()
    table = frames_table(rows, raw=raw)
    table.attrs.update(
        source=str(path), fps=reader.fps, width=reader.width, height=reader.height, frames=reader.frames,
        expected_frames=reader.expected_frames, analyzed_frames=analyzed, unreadable_frames=reader.unreadable,
        truncated=reader.truncated, frame_s=every / reader.fps, elapsed_s=elapsed,
        processing_fps=reader.frames / elapsed if elapsed > 0 else math.inf,
    )
    return table


def _black(width: int, height: int) -> np.ndarray:
    return np.zeros((height, width, 3), np.uint8)


def frames_table(rows: list[tuple], *, raw: bool = True) -> pd.DataFrame:
    """The per-frame DataFrame from row tuples in :data:`FRAME_COLUMNS` (+ :data:`RAW_COLUMNS`) order."""
    columns = list(FRAME_COLUMNS) + (list(RAW_COLUMNS) if raw else [])
    table = pd.DataFrame.from_records(rows, columns=columns)
    dtypes = {name: "int64" for name in ("frame", "face_id", "x", "y", "w", "h")}
    dtypes |= {name: "float64" for name in ("time_s", *CLASSES, *(RAW_COLUMNS if raw else ()))}
    return table.astype(dtypes | {"emotion": "object"})


def summarize(frames: pd.DataFrame, *, frame_s: float | None = None) -> pd.DataFrame:
    """One row per face of a per-frame table: how long it was seen and how its emotions were shared.

    Columns: face_id, frames, seconds (frames x ``frame_s``), start_s, end_s, dominant (the emotion shown
    in most of its frames), then one column per class with the share (0-1) of its frames showing that
    emotion. ``frame_s``: seconds per analysed frame (default: ``frames.attrs["frame_s"]``, else the
    typical step of ``time_s``).
    """
    columns = ["face_id", "frames", "seconds", "start_s", "end_s", "dominant", *CLASSES]
    if frames.empty:
        return pd.DataFrame(columns=columns)
    if frame_s is None:
        frame_s = frames.attrs.get("frame_s")
    if frame_s is None:
        steps = np.diff(np.unique(frames["time_s"].to_numpy()))
        frame_s = float(np.median(steps)) if len(steps) else 0.0
    grouped = frames.groupby("face_id")
    table = pd.DataFrame({
        "frames": grouped.size(),
        "start_s": grouped["time_s"].min(),
        "end_s": grouped["time_s"].max(),
    })
    table["seconds"] = table["frames"] * frame_s
    shares = pd.crosstab(frames["face_id"], frames["emotion"], normalize="index")
    shares = shares.reindex(columns=list(CLASSES), fill_value=0.0)
    table["dominant"] = shares.idxmax(axis=1)
    table = table.join(shares).reset_index()
    return table[columns]
