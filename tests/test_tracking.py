from __future__ import annotations

import numpy as np
import pytest

from emolib.errors import EmolibError
from emolib.tracking import ProbabilitySmoother, Tracker, iou_matrix


def _run(tracker: Tracker, boxes_per_frame: list[list[tuple[int, int, int, int]]], *, detect_every: int = 1,
         ) -> list[list[int]]:
    """Ids per frame: detections on every ``detect_every``-th frame, motion-model predictions in between."""
    ids = []
    for frame, boxes in enumerate(boxes_per_frame):
        if frame % detect_every == 0:
            ids.append([track.id for track in tracker.update(boxes, frame)])
        else:
            ids.append(sorted(track.id for track in tracker.predict(frame)))
    return ids


def test_iou_matrix() -> None:
    iou = iou_matrix(np.array([[0, 0, 10, 10], [100, 100, 10, 10]]), np.array([[0, 0, 10, 10], [5, 0, 10, 10]]))
    np.testing.assert_allclose(iou, [[1.0, 50 / 150], [0.0, 0.0]])


@pytest.mark.parametrize("detect_every", [1, 3])
def test_crossing_faces_keep_their_ids(detect_every: int) -> None:
    # Face A walks right, face B walks left a little lower; their boxes overlap in the middle frames.
    frames = [[(10 + 5 * f, 100, 50, 60), (310 - 5 * f, 110, 50, 60)] for f in range(61)]
    ids = _run(Tracker(fps=30), frames, detect_every=detect_every)
    assert all(frame_ids == [1, 2] for frame_ids in ids)


def test_detection_order_does_not_matter() -> None:
    tracker = Tracker(fps=30)
    assert [t.id for t in tracker.update([(0, 0, 40, 40), (200, 0, 40, 40)], 0)] == [1, 2]
    assert [t.id for t in tracker.update([(202, 1, 40, 40), (2, 1, 40, 40)], 1)] == [2, 1]


def test_separated_faces_missing_briefly_keep_ids_and_expire_after_max_age() -> None:
    tracker = Tracker(fps=10, max_age_s=1.0)  # a track survives 10 frames without its face
    a, b = (20, 20, 60, 60), (300, 40, 60, 60)
    for frame in range(5):
        assert [t.id for t in tracker.update([a, b], frame)] == [1, 2]
    for frame in range(5, 12):  # B gone for 0.7 s
        assert [t.id for t in tracker.update([a], frame)] == [1]
    assert [t.id for t in tracker.update([a, b], 12)] == [1, 2]
    for frame in range(13, 30):  # B gone for 1.7 s: its track ends
        tracker.update([a], frame)
    assert [t.id for t in tracker.update([a, b], 30)] == [1, 3]
    assert tracker.faces_seen == 3


def test_fast_motion_without_overlap_keeps_the_id() -> None:
    tracker = Tracker(fps=30)
    ids = [[t.id for t in tracker.update([(40 * step, 100, 50, 50)], 10 * step)] for step in range(6)]
    assert ids == [[1]] * 6
    no_second_pass = Tracker(fps=30, max_distance=0)
    no_second_pass.update([(0, 0, 50, 50)], 0)
    assert [t.id for t in no_second_pass.update([(45, 0, 50, 50)], 10)] == [2]


def test_repeated_update_of_one_frame_uses_the_latest_estimate() -> None:
    tracker = Tracker(fps=30)
    tracker.update([(0, 0, 40, 40)], 0)
    (track,) = tracker.update([(4, 0, 40, 40)], 1)
    variance = float(track.kalman.errorCovPost[0, 0])
    (again,) = tracker.update([(8, 0, 40, 40)], 1)
    assert again is track
    assert float(track.kalman.errorCovPost[0, 0]) < variance  # both measurements count, the first is not lost


def test_unmatched_track_is_not_visible_between_detections() -> None:
    tracker = Tracker(fps=30)
    tracker.update([(0, 0, 40, 40), (200, 0, 40, 40)], 0)
    tracker.update([(0, 0, 40, 40)], 3)
    assert [t.id for t in tracker.predict(4)] == [1]


def test_prediction_follows_constant_velocity() -> None:
    tracker = Tracker(fps=30)
    for frame in range(0, 30, 3):
        tracker.update([(10 + 4 * frame, 50, 40, 40)], frame)
    (track,) = tracker.predict(28)
    np.testing.assert_allclose(track.box, (10 + 4 * 28, 50, 40, 40), atol=2)


def test_smoothing_ema_window_and_none() -> None:
    happy, sad = np.eye(7, dtype=np.float32)[3], np.eye(7, dtype=np.float32)[4]
    ema = ProbabilitySmoother(method="ema", seconds=0.3)
    ema.update(happy, 0.0)
    one_frame = ema.update(sad, 1 / 30)
    assert one_frame.argmax() == 3 and one_frame[4] == pytest.approx(1 - np.exp(-1 / 9), rel=1e-4)
    for step in range(2, 60):
        value = ema.update(sad, step / 30)
    assert value.argmax() == 4 and value.dtype == np.float32
    window = ProbabilitySmoother(method="window", seconds=0.1)
    for step, p in enumerate([happy, happy, sad, sad, sad]):  # 30 fps: the window holds the last 3 frames
        value = window.update(p, step / 30)
    np.testing.assert_allclose(value, sad, atol=1e-6)
    np.testing.assert_array_equal(ProbabilitySmoother(method="none").update(happy, 0.0), happy)
    with pytest.raises(EmolibError):
        ProbabilitySmoother(method="median")


def test_ema_is_frame_rate_independent() -> None:
    happy, sad = np.eye(7, dtype=np.float32)[3], np.eye(7, dtype=np.float32)[4]
    results = []
    for fps in (10, 60):
        smoother = ProbabilitySmoother(method="ema", seconds=0.3)
        smoother.update(happy, 0.0)
        for step in range(1, fps // 2 + 1):  # half a second of "sad"
            value = smoother.update(sad, step / fps)
        results.append(value)
    np.testing.assert_allclose(results[0], results[1], atol=1e-5)


def test_five_drifting_faces_keep_five_ids_for_300_frames() -> None:
    """Five faces 10 px apart, drifting 1 px a frame: the same five ids, each on its own box, every frame.

    (What this costs per frame is measured by benchmarks/bench_video.py, goal <= 5 ms.)
    """
    tracker = Tracker(fps=30)
    boxes = [(60 * i, 50, 50, 50) for i in range(5)]
    uniform = np.full(7, 1 / 7, np.float32)
    for frame in range(300):
        moved = [(x + frame, y, w, h) for x, y, w, h in boxes]
        tracks = tracker.update(moved, frame)
        assert [track.id for track in tracks] == [1, 2, 3, 4, 5]
        np.testing.assert_allclose([track.box for track in tracks], moved)
        for track in tracks:
            np.testing.assert_allclose(track.smooth(uniform, frame / 30), uniform, atol=1e-6)
    assert tracker.faces_seen == 5
