"""Videos and frame streams: tracked, smoothed analysis per frame, a per-frame table and annotated output.

>>> frames = analyze_video("talk.mp4", out="talk_annotated.mp4")   # DataFrame: one row per face per frame
>>> summarize(frames)                                             # DataFrame: one row per face
>>> for index, time_s, frame_bgr, faces in iter_video("talk.mp4"): ...
>>> for index, time_s, frame_bgr, faces in iter_video(open_camera(0)): ...   # a live camera

Speed comes from :class:`VideoTracker`: it detects faces on a downscaled frame every ``detect_every``
frames, moves the tracked boxes with their motion model in between, and classifies every face of a frame
in one batched call. How is set by one :class:`~emolib.options.TrackingOptions`. Frames FFmpeg cannot
decode are skipped and counted; the rest is analysed. Reading, writing and cameras live in
:mod:`emolib.media`, the face types and table columns in :mod:`emolib.results`.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from emolib.detect import MIN_DETECT_SIDE, TILE_SIDE, auto_detect_size, clip_box
from emolib.errors import EmolibError
from emolib.framing import move_landmarks
from emolib.labels import CLASSES
from emolib.media import VIDEO_SUFFIXES, VideoFileWriter, VideoReader, open_camera
from emolib.media.video_io import FALLBACK_FPS
from emolib.options import TrackingOptions
from emolib.pipeline import Analyzer
from emolib.results import FRAME_COLUMNS, RAW_COLUMNS, Box, Landmarks, TrackedFace, face_rows, frames_table
from emolib.tracking import Tracker

if TYPE_CHECKING:
    import pandas as pd  # imported where a table is made: the first frame is analysed without it

    from emolib.layout import PanelLayout

#: With ``detect_size="auto"``: tracked faces are re-found on a copy that shows the smallest at this side...
FOLLOW_FACE_PX = 48
#: ...and at least this often (seconds) the detector looks at the size ``min_face`` needs, for new faces.
DISCOVER_S = 1.0

#: Names this module has always offered; their homes are :mod:`emolib.media` and :mod:`emolib.results`.
__all__ = [
    "FALLBACK_FPS", "FRAME_COLUMNS", "RAW_COLUMNS", "VIDEO_SUFFIXES", "TrackedFace", "VideoFileWriter",
    "VideoReader", "VideoTracker", "analyze_video", "frames_table", "iter_video", "open_camera", "summarize",
]


class VideoTracker:
    """An :class:`Analyzer` plus a :class:`~emolib.tracking.Tracker` for a stream of frames (file, webcam, widget).

    ``fps``: the stream's frame rate (track lifetimes are in seconds); ``options``: a
    :class:`~emolib.options.TrackingOptions` (default: the defaults), with ``overrides`` by field name
    (``detect_every=2``...). The detector runs once at least ``detect_every`` frames have passed since its
    last run (so on every call when frames are skipped), on a copy of at most ``detect_size`` pixels (None:
    full size); tracks carry the faces in between. With ``detect_size="auto"`` the copy is as large as a
    ``min_face`` face needs (:func:`emolib.detect.auto_detect_size`) at least every :data:`DISCOVER_S`
    seconds and while nothing is tracked; in between, only as large as the smallest tracked face needs
    (:data:`FOLLOW_FACE_PX`), so large faces cost little. Thread-safe: one call at a time, in call order.
    """

    def __init__(
        self,
        analyzer: Analyzer | None = None,
        *,
        fps: float = FALLBACK_FPS,
        options: TrackingOptions | None = None,
        **overrides: Any,
    ) -> None:
        self.options = TrackingOptions.build(options, **overrides)
        self.analyzer = analyzer if analyzer is not None else Analyzer()
        self.fps = float(fps)
        self.tracker = Tracker.from_options(self.options, fps=fps)
        self._lock = threading.Lock()
        self._last_detect: int | None = None
        self._last_frame = -1
        self._start: float | None = None
        self._scores: dict[int, float] = {}
        #: Each track's last detected box and landmarks: predicted boxes keep the crop framing they gave.
        self._marks: dict[int, tuple[Box, Landmarks]] = {}
        self._last_discovery: float | None = None

    @property
    def detect_every(self) -> int:
        return self.options.detect_every

    @property
    def detect_size(self) -> int | str | None:
        return self.options.detect_size

    def detection_size(self, width: int, height: int, time_s: float) -> int:
        """The longest side of the detector's copy for a detection on a ``width`` x ``height`` frame now."""
        longest = max(width, height)
        size = self.options.detect_size
        if size != "auto":
            return longest if size is None else int(size)
        wanted = auto_detect_size(width, height, self.options.min_face) or longest
        tracked = [min(t.box[2], t.box[3]) for t in self.tracker.tracks if t.visible]
        if not tracked or self._last_discovery is None or time_s - self._last_discovery >= DISCOVER_S:
            self._last_discovery = time_s
            return wanted
        follow = math.ceil(longest * FOLLOW_FACE_PX / max(min(tracked), 1) / 32) * 32
        return min(wanted, max(MIN_DETECT_SIDE, follow))

    def reset(self) -> None:
        """Start over: no tracks, ids from 1, the next call detects."""
        with self._lock:
            self._reset_locked()

    def _reset_locked(self) -> None:
        self.tracker.reset()
        self._last_detect, self._last_frame, self._start = None, -1, None
        self._last_discovery = None
        self._scores.clear()
        self._marks.clear()

    def process(
        self, frame_bgr: np.ndarray, *, frame_index: int | None = None, time_s: float | None = None
    ) -> list[TrackedFace]:
        """Tracked faces of the next (H, W, 3) uint8 BGR frame, sorted by ``face_id``.

        Give the frame's position as ``frame_index`` (files) or ``time_s`` (streams); with neither, the
        time since the first call is used (live sources). A ``frame_index`` before the last one (the tracker
        reused for another file, or a seek back) starts over: no track or box carries over.
        """
        with self._lock:
            if frame_index is not None and int(frame_index) < self._last_frame:
                self._reset_locked()  # an earlier frame of a file: a new file or a seek; nothing carried over
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
                size = self.detection_size(frame_bgr.shape[1], frame_bgr.shape[0], time_s)
                detections = self.analyzer.detect(frame_bgr, detect_size=size, tile_side=TILE_SIDE)
                boxes = [d.box for d in detections]
                tracks = self.tracker.update(boxes, frame_index)
                scores = [d.score for d in detections]
                landmarks = [d.landmarks for d in detections]
                self._scores = {t.id: s for t, s in zip(tracks, scores, strict=True)}
                self._marks = {t.id: (b, m) for t, b, m in zip(tracks, boxes, landmarks, strict=True) if m is not None}
            else:
                height, width = frame_bgr.shape[:2]
                tracks, boxes = [], []
                for track in self.tracker.predict(frame_index):
                    box = clip_box(track.box, width, height, min_side=8)
                    if box is not None:
                        tracks.append(track)
                        boxes.append(box)
                scores = [self._scores.get(t.id, 1.0) for t in tracks]
                landmarks = [move_landmarks(self._marks[t.id][1], self._marks[t.id][0], box) if t.id in self._marks
                             else None for t, box in zip(tracks, boxes, strict=True)]
            results = self.analyzer.classify_boxes(frame_bgr, boxes, scores, landmarks)
            faces = [
                TrackedFace(r.box, track.smooth(r.probabilities, time_s), r.score, track.id, r.landmarks,
                            raw_probabilities=r.probabilities, detected=detect)
                for r, track in zip(results, tracks, strict=True)
            ]
        faces.sort(key=lambda face: face.face_id or 0)
        return faces


def iter_video(
    source: str | os.PathLike | cv2.VideoCapture,
    analyzer: Analyzer | None = None,
    *,
    every: int = 1,
    tracker: VideoTracker | None = None,
    options: TrackingOptions | None = None,
    **overrides: Any,
) -> Iterator[tuple[int, float, np.ndarray, list[TrackedFace]]]:
    """``(frame_index, time_s, frame_bgr, faces)`` for every ``every``-th decodable frame of a video.

    ``source``: a file path or an open ``cv2.VideoCapture`` (left open). ``frame_bgr`` is (H, W, 3)
    uint8 BGR; ``faces`` are :class:`TrackedFace` with stable ids and smoothed probabilities. Give a
    ``tracker`` to reuse one, or tracking ``options`` / ``overrides`` for a new :class:`VideoTracker`.
    """
    if every < 1:
        raise EmolibError(f"every must be 1 or more, got {every}")
    with VideoReader(source) as reader:
        tracker = tracker or VideoTracker(analyzer, fps=reader.fps, options=options, **overrides)
        for index, time_s, frame in reader.iter_timed(every=every, prefetch=True):
            if frame is not None:
                yield index, time_s, frame, tracker.process(frame, frame_index=index, time_s=time_s)
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
    audio: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    options: TrackingOptions | None = None,
    **overrides: Any,
) -> pd.DataFrame:
    """Track and classify every face of a video file; one row per face per analysed frame.

    Columns: :data:`FRAME_COLUMNS` (smoothed probabilities), then :data:`RAW_COLUMNS` when ``raw``.
    ``time_s`` is each frame's presentation time in the container, so variable-frame-rate files keep theirs.
    ``out``: also write the annotated video there (see :class:`~emolib.media.VideoFileWriter`: H.264 for
    ``.mp4``, VP9 for ``.webm``; source size and timing, every frame, undecodable frames repeat the previous
    one; the source's sound when ``audio``). ``every``: analyse every n-th frame only. ``progress``: tqdm bar
    with ETA; ``on_progress(frames_done, expected_frames)`` is called every frame (expected 0: unknown).
    Decoding and encoding run on threads of their own. ``options`` / ``overrides``: tracking, see
    :class:`VideoTracker`.
    ``DataFrame.attrs`` holds source, fps, width, height, frames, expected_frames, analyzed_frames,
    unreadable_frames, truncated, frame_s (seconds per analysed frame), elapsed_s and processing_fps.
    """
    from emolib.draw import annotate
    from emolib.layout import PanelLayout

    if every < 1:
        raise EmolibError(f"every must be 1 or more, got {every}")
    options = TrackingOptions.build(options, **overrides)
    path = Path(path)
    if out is not None and Path(out).exists() and path.exists() and Path(out).resolve() == path.resolve():
        raise EmolibError(f"{out} is the input video; choose another output name")
    reader = VideoReader(path)
    writer = None
    rows: list[tuple] = []
    analyzed = 0
    try:
        tracker = VideoTracker(analyzer, fps=reader.fps, options=options)
        if out is not None:
            writer = VideoFileWriter(out, reader.fps, (reader.width, reader.height), overwrite=overwrite,
                                     audio_from=path if audio else None)
        start = time.perf_counter()
        faces: list[TrackedFace] = []
        previous = None
        layout = PanelLayout()  # one per video: panels keep their side and detail from frame to frame
        with _progress_bar(progress, reader.expected_frames, path.name) as bar:
            for index, time_s, frame in reader.iter_timed(every=1 if writer else every, prefetch=True):
                bar.update(index + 1 - bar.n)
                if on_progress is not None:
                    on_progress(index + 1, reader.expected_frames)
                if frame is None:
                    if writer:  # keep the timing: repeat the previous frame (annotated in place by then: FIFO)
                        writer.write(previous if previous is not None else _black(reader.width, reader.height),
                                     time_s)
                    continue
                if index % every == 0:
                    faces = tracker.process(frame, frame_index=index, time_s=time_s)
                    analyzed += 1
                    rows += face_rows(faces, index, round(time_s, 4), raw=raw)
                if writer:  # drawn on the encoding thread, while this one goes on to the next frame
                    previous = frame
                    writer.write(frame, time_s, prepare=_drawer(annotate, faces, layout))
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
    elapsed = time.perf_counter() - start  # until the output is finished
    table = frames_table(rows, raw=raw)
    table.attrs.update(
        source=str(path), fps=reader.fps, width=reader.width, height=reader.height, frames=reader.frames,
        expected_frames=reader.expected_frames, analyzed_frames=analyzed, unreadable_frames=reader.unreadable,
        truncated=reader.truncated, frame_s=every / reader.fps, elapsed_s=elapsed,
        processing_fps=reader.frames / elapsed if elapsed > 0 else math.inf,
    )
    return table


def _drawer(annotate: Callable[..., np.ndarray], faces: list[TrackedFace],
            layout: PanelLayout) -> Callable[[np.ndarray], np.ndarray]:
    """``frame -> annotate(frame, faces)``, drawing in place, for the writer's one thread (frames in order, so
    the layout's memory of each face follows the video)."""
    return lambda frame: annotate(frame, faces, copy=False, layout=layout)


class _NoBar:
    n = 0

    def update(self, steps: int) -> None:
        self.n += steps

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _progress_bar(progress: bool, total: int, name: str) -> Any:
    """A tqdm bar (console or notebook) when ``progress``; else a counter (tqdm is not even imported)."""
    if not progress:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total or None, unit="frame", desc=name, dynamic_ncols=True)


def _black(width: int, height: int) -> np.ndarray:
    return np.zeros((height, width, 3), np.uint8)


def summarize(frames: pd.DataFrame, *, frame_s: float | None = None) -> pd.DataFrame:
    """One row per face of a per-frame table: how long it was seen and how its emotions were shared.

    Columns: face_id, frames, seconds (frames x ``frame_s``), start_s, end_s, dominant (the emotion shown
    in most of its frames), then one column per class with the share (0-1) of its frames showing that
    emotion. ``frame_s``: seconds per analysed frame (default: ``frames.attrs["frame_s"]``, else the
    typical step of ``time_s``).
    """
    import pandas as pd

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
