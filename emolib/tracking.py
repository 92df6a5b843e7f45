"""Face tracks across video frames: stable ids and temporally smoothed emotion probabilities.

Association follows SORT (Bewley et al. 2016): each track has a constant-velocity Kalman filter over its
box (centre, area, aspect ratio; ``cv2.KalmanFilter``), predicted boxes are matched to new detections by
IoU with the Hungarian algorithm (``scipy.optimize.linear_sum_assignment``), unmatched detections start new
tracks, and a track ends once its face has been missing for ``max_age_s`` seconds. Between detector runs,
:meth:`Tracker.predict` moves the visible tracks along their velocity, so the detector need not run on
every frame. Each track smooths its probabilities with :class:`ProbabilitySmoother` so the emotion shown
does not flicker. Frames are counted in frame indices; seconds are converted with ``fps``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

from emolib.errors import EmolibError
from emolib.options import SMOOTHING_METHODS, TrackingOptions
from emolib.results import Box


class ProbabilitySmoother:
    """Temporal smoothing of one face's (7,) probabilities, with time constants in seconds.

    ``method="ema"``: exponential moving average with time constant ``seconds`` (the weight of a new frame
    is ``1 - exp(-dt / seconds)``, so it behaves the same at any frame rate); ``"window"``: the mean of
    the frames of the last ``seconds``; ``"none"``: the latest probabilities as they are.
    """

    def __init__(self, *, method: str = "ema", seconds: float = 0.3) -> None:
        if method not in SMOOTHING_METHODS:
            raise EmolibError(f"unknown smoothing {method!r}; choose from {', '.join(SMOOTHING_METHODS)}")
        if seconds < 0 or not math.isfinite(seconds):
            raise EmolibError(f"smoothing time must be a non-negative number of seconds, got {seconds}")
        self.method = method if seconds > 0 else "none"
        self.seconds = seconds
        self._value: np.ndarray | None = None
        self._time = 0.0
        self._window: deque[tuple[float, np.ndarray]] = deque()

    def update(self, probabilities: np.ndarray, time_s: float) -> np.ndarray:
        """Add the (7,) float probabilities seen at ``time_s``; returns the smoothed (7,) float32 ones."""
        probabilities = np.asarray(probabilities, np.float32)
        if self.method == "window":
            self._window.append((time_s, probabilities))
            oldest = time_s - self.seconds + 1e-6  # keep frames of the last `seconds` only (and always this one)
            while len(self._window) > 1 and self._window[0][0] <= oldest:
                self._window.popleft()
            value = np.asarray(np.mean([p for _, p in self._window], axis=0, dtype=np.float32))
        elif self.method == "ema" and self._value is not None:
            weight = 1.0 - math.exp(-max(time_s - self._time, 1e-6) / self.seconds)
            value = np.asarray(self._value + weight * (probabilities - self._value), np.float32)
        else:
            value = probabilities
        self._value, self._time = value, time_s
        return value


def _box_to_z(box: Box | np.ndarray) -> np.ndarray:
    """(x, y, w, h) -> (4, 1) float32 measurement (centre x, centre y, area, aspect w/h)."""
    x, y, w, h = (float(v) for v in box)
    return np.array([[x + w / 2], [y + h / 2], [w * h], [w / max(h, 1e-6)]], np.float32)


def _state_to_box(state: np.ndarray) -> np.ndarray:
    """Kalman state (7, 1) -> (x, y, w, h) floats."""
    cx, cy, area, aspect = (float(v) for v in state[:4, 0])
    w = math.sqrt(max(area * aspect, 1.0))
    h = max(area, 1.0) / w
    return np.array([cx - w / 2, cy - h / 2, w, h])


def iou_matrix(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """Intersection over union of every (x, y, w, h) box in ``boxes_a`` (N, 4) with every one in (M, 4); (N, M)."""
    a = np.asarray(boxes_a, np.float64).reshape(-1, 1, 4)
    b = np.asarray(boxes_b, np.float64).reshape(1, -1, 4)
    low = np.maximum(a[..., :2], b[..., :2])
    high = np.minimum(a[..., :2] + a[..., 2:], b[..., :2] + b[..., 2:])
    inter = np.prod(np.clip(high - low, 0, None), axis=-1)
    union = a[..., 2] * a[..., 3] + b[..., 2] * b[..., 3] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


def _centre_distance(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """(N, M) distance between box centres, in units of the geometric mean side of the ``boxes_a`` box."""
    centre_a = boxes_a[:, None, :2] + boxes_a[:, None, 2:] / 2
    centre_b = boxes_b[None, :, :2] + boxes_b[None, :, 2:] / 2
    size = np.sqrt(boxes_a[:, 2] * boxes_a[:, 3])[:, None]
    return np.linalg.norm(centre_a - centre_b, axis=-1) / np.maximum(size, 1e-6)


@dataclass(eq=False)
class Track:
    """One tracked face: id, box estimate, and its smoothed probabilities.

    ``box``: current (x, y, w, h) estimate as floats (the detection when just matched, else the motion
    model's prediction); ``visible``: matched at the latest detector run (shown until the next one);
    ``probabilities``: smoothed (7,) float32, None until :meth:`smooth` is first called.
    """

    id: int
    box: np.ndarray
    frame: int
    last_seen: int
    smoother: ProbabilitySmoother
    hits: int = 1
    visible: bool = True
    probabilities: np.ndarray | None = None
    kalman: cv2.KalmanFilter = field(default=None, repr=False)  # type: ignore[assignment]

    def smooth(self, probabilities: np.ndarray, time_s: float) -> np.ndarray:
        """Feed this frame's raw (7,) probabilities; returns (and stores) the smoothed ones."""
        self.probabilities = self.smoother.update(probabilities, time_s)
        return self.probabilities


_PROCESS_NOISE = np.diag([1, 1, 1, 1, 0.01, 0.01, 0.0001]).astype(np.float32)


def _new_kalman(box: Box | np.ndarray) -> cv2.KalmanFilter:
    """SORT's constant-velocity filter: state (cx, cy, area, aspect, v_cx, v_cy, v_area), measures the first four."""
    kalman = cv2.KalmanFilter(7, 4)
    kalman.transitionMatrix = np.eye(7, dtype=np.float32)
    kalman.measurementMatrix = np.eye(4, 7, dtype=np.float32)
    kalman.measurementNoiseCov = np.diag([1, 1, 10, 10]).astype(np.float32)
    kalman.processNoiseCov = _PROCESS_NOISE
    kalman.errorCovPost = np.diag([10, 10, 10, 10, 1e4, 1e4, 1e4]).astype(np.float32)
    kalman.statePost = np.vstack([_box_to_z(box), np.zeros((3, 1), np.float32)])
    return kalman


class Tracker:
    """Stable ids for face boxes across frames (SORT: Kalman motion model + Hungarian IoU matching).

    ``fps``: frames per second, to turn ``max_age_s`` (how long a face may be missing before its track
    ends) into frames; ``iou_threshold``: least IoU between a predicted box and a detection to match them;
    ``max_distance``: boxes that IoU leaves unmatched still match when their centres are at most this many
    face sizes apart and their sizes within 2x (0 turns this second pass off);
    ``smoothing`` / ``smoothing_s``: see :class:`ProbabilitySmoother`. Not thread-safe on its own
    (:class:`emolib.video.VideoTracker` adds the lock). Costs tens of microseconds per face per frame.
    """

    def __init__(
        self,
        *,
        fps: float = 30.0,
        max_age_s: float = 1.0,
        iou_threshold: float = 0.3,
        max_distance: float = 1.0,
        smoothing: str = "ema",
        smoothing_s: float = 0.3,
    ) -> None:
        if not fps > 0:
            raise EmolibError(f"fps must be positive, got {fps}")
        ProbabilitySmoother(method=smoothing, seconds=smoothing_s)  # validate the options now
        self.fps = float(fps)
        self.max_age = max(1, math.ceil(max_age_s * fps))
        self.iou_threshold = iou_threshold
        self.max_distance = max_distance
        self.smoothing = smoothing
        self.smoothing_s = smoothing_s
        self.tracks: list[Track] = []
        self._next_id = 1
        self._frame: int | None = None

    @classmethod
    def from_options(cls, options: TrackingOptions, *, fps: float = 30.0) -> Tracker:
        """A tracker with the tracking fields of ``options`` (:class:`~emolib.options.TrackingOptions`)."""
        return cls(fps=fps, max_age_s=options.max_age_s, iou_threshold=options.iou_threshold,
                   max_distance=options.max_distance, smoothing=options.smoothing, smoothing_s=options.smoothing_s)

    @property
    def faces_seen(self) -> int:
        """How many tracks (faces) have been started since the last :meth:`reset`."""
        return self._next_id - 1

    def reset(self) -> None:
        """Forget all tracks; ids start again at 1."""
        self.tracks = []
        self._next_id = 1
        self._frame = None

    def _start_frame(self, frame: int) -> None:
        """A ``frame`` before the last one seen means a new stream (another file, a restarted camera): the old
        tracks, their boxes and their smoothing would only be carried into it, so the tracker starts over."""
        if self._frame is not None and frame < self._frame:
            self.reset()
        self._frame = frame

    def _advance(self, frame: int) -> None:
        """End stale tracks and move the others' motion model forward to ``frame``."""
        self.tracks = [t for t in self.tracks if frame - t.last_seen <= self.max_age]
        for track in self.tracks:
            dt = frame - track.frame
            kalman = track.kalman
            if dt <= 0:  # same frame again: a correction must start from the latest estimate
                kalman.statePre, kalman.errorCovPre = kalman.statePost.copy(), kalman.errorCovPost.copy()
                continue
            state = kalman.statePost
            if state[2, 0] + dt * state[6, 0] <= 0:  # the area would shrink below zero: stop shrinking
                state[6, 0] = 0.0
                kalman.statePost = state
            transition = np.eye(7, dtype=np.float32)
            transition[0, 4] = transition[1, 5] = transition[2, 6] = dt
            kalman.transitionMatrix = transition
            kalman.processNoiseCov = _PROCESS_NOISE * np.float32(dt)
            track.box = _state_to_box(kalman.predict())
            track.frame = frame

    def update(self, boxes: list[Box] | np.ndarray, frame: int) -> list[Track]:
        """Match the detector's (x, y, w, h) boxes of frame ``frame`` to tracks; returns one track per box, in order.

        Unmatched boxes start new tracks; tracks left unmatched stop being :attr:`Track.visible`.
        A ``frame`` lower than the previous call's starts a new stream (see :meth:`reset`). Boxes that are
        not finite are an :class:`EmolibError`.
        """
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        if not np.isfinite(boxes).all():
            raise EmolibError(f"face boxes must be finite (x, y, w, h), got {boxes[~np.isfinite(boxes).all(1)][0]}")
        self._start_frame(frame)
        self._advance(frame)
        assigned: list[Track | None] = [None] * len(boxes)
        for track in self.tracks:
            track.visible = False
        if self.tracks and len(boxes):
            predicted = np.array([t.box for t in self.tracks])
            iou = iou_matrix(predicted, boxes)
            pairs = self._assign(iou, iou >= self.iou_threshold)
            if self.max_distance > 0 and len(pairs) < min(len(predicted), len(boxes)):
                # Second chance for what IoU left apart (fast motion, sparse frames): near in face sizes,
                # similar in size.
                distance = _centre_distance(predicted, boxes)
                ratio = np.sqrt(np.outer(predicted[:, 2] * predicted[:, 3], 1 / (boxes[:, 2] * boxes[:, 3])))
                allowed = (distance <= self.max_distance) & (ratio > 0.5) & (ratio < 2.0)
                allowed[[r for r, _ in pairs], :] = False
                allowed[:, [c for _, c in pairs]] = False
                pairs += self._assign(-distance, allowed)
            for row, col in pairs:
                track = self.tracks[row]
                track.kalman.correct(_box_to_z(boxes[col]))
                track.box, track.last_seen, track.visible = boxes[col].copy(), frame, True
                track.hits += 1
                assigned[col] = track
        for col, box in enumerate(boxes):
            if assigned[col] is None:
                smoother = ProbabilitySmoother(method=self.smoothing, seconds=self.smoothing_s)
                track = Track(self._next_id, box.copy(), frame, frame, smoother, kalman=_new_kalman(box))
                self._next_id += 1
                self.tracks.append(track)
                assigned[col] = track
        return assigned  # type: ignore[return-value]

    @staticmethod
    def _assign(score: np.ndarray, allowed: np.ndarray) -> list[tuple[int, int]]:
        """Hungarian matching maximising ``score`` over the ``allowed`` (row, col) pairs.

        One track or one face (the usual case) is an argmax; SciPy is imported only for more.
        """
        if not allowed.any():
            return []
        if 1 in score.shape:
            masked = np.where(allowed, score, -np.inf)
            r, c = np.unravel_index(int(np.argmax(masked)), masked.shape)
            return [(int(r), int(c))]
        from scipy.optimize import linear_sum_assignment  # 0.4-0.8 s to import: only when it is needed

        rows, cols = linear_sum_assignment(np.where(allowed, score, -1e6), maximize=True)
        return [(r, c) for r, c in zip(rows.tolist(), cols.tolist(), strict=True) if allowed[r, c]]

    def predict(self, frame: int) -> list[Track]:
        """Frames without a detector run: the visible tracks with their boxes moved to frame ``frame``."""
        self._start_frame(frame)
        self._advance(frame)
        return [t for t in self.tracks if t.visible]
