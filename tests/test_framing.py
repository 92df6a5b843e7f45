"""emolib.framing: FER2013's square from the detector's box and landmarks; its fit; its use in the pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from emolib import Analyzer
from emolib.detect import crop_faces
from emolib.errors import EmolibError
from emolib.framing import (
    DEFAULT_MARGIN,
    SIDE_LIMITS,
    Framing,
    box_square,
    face_squares,
    framing_features,
    load_framing,
    move_landmarks,
)
from emolib.training.framing import FramingSamples, fit_framing
from emolib.video import VideoTracker

#: Five landmarks of a face in a 100 x 120 box at (50, 40): eyes, nose, mouth corners.
BOX = (50, 40, 100, 120)
MARKS = ((80.0, 85.0), (120.0, 85.0), (100.0, 110.0), (84.0, 130.0), (116.0, 130.0))


def test_box_square_is_the_old_margin_crop() -> None:
    left, top, side = box_square(BOX, 0.2)
    assert side == pytest.approx(144) and left + side / 2 == pytest.approx(100) and top + side / 2 == 100


def test_landmarks_place_the_square_unless_a_margin_is_given() -> None:
    framing = load_framing()
    by_marks = framing.square(BOX, MARKS)
    assert face_squares([BOX], [MARKS]) == [by_marks]
    assert face_squares([BOX], [None]) == [box_square(BOX, DEFAULT_MARGIN)], "no landmarks: the box square"
    assert face_squares([BOX], [MARKS], margin=0.3) == [box_square(BOX, 0.3)], "a margin overrides"
    # the same box with the face's points higher up: the square moves up (the landmarks say where the face is)
    higher = tuple((x, y - 12) for x, y in MARKS)
    assert framing.square(BOX, higher)[1] < by_marks[1] - 2
    with pytest.raises(EmolibError, match="2 landmark sets"):
        face_squares([BOX], [MARKS, MARKS])
    with pytest.raises(EmolibError, match="2 landmark sets"):
        crop_faces(np.zeros((200, 200, 3), np.uint8), [BOX], landmarks=[MARKS, MARKS])


def test_bundled_framing_is_fitted_and_sane() -> None:
    framing = load_framing()
    assert framing.info["faces"] > 20_000 and framing.info["detector"] == "yunet"
    # the fitted map explains part of the spread of FER2013's frame around the box
    assert all(r < t for r, t in zip(framing.info["residual_std"], framing.info["target_std"], strict=True))
    left, top, side = framing.square(BOX, MARKS)
    assert 0.8 * 120 < side < 1.05 * 120 and abs(left + side / 2 - 100) < 6 and abs(top + side / 2 - 100) < 8


def test_extreme_landmarks_keep_the_square_within_limits() -> None:
    wild = ((0.0, 0.0), (1000.0, 0.0), (500.0, 900.0), (-400.0, 800.0), (900.0, -300.0))
    side = load_framing().square(BOX, wild)[2]
    assert SIDE_LIMITS[0] * 120 - 1e-6 <= side <= SIDE_LIMITS[1] * 120 + 1e-6


def test_json_round_trip_and_bad_files(tmp_path) -> None:  # noqa: ANN001
    framing = load_framing()
    again = Framing.from_json(framing.to_json())
    assert again.square(BOX, MARKS) == pytest.approx(framing.square(BOX, MARKS))
    bad = tmp_path / "bad.json"
    bad.write_text('{"weights": [1, 2]}')
    with pytest.raises(EmolibError, match="not a framing file"):
        load_framing(bad)
    with pytest.raises(EmolibError, match="cannot read framing file"):
        load_framing(tmp_path / "missing.json")


def test_fit_recovers_a_known_framing() -> None:
    """Squares made by a known linear map of the features (plus noise): the fit finds the map again."""
    rng = np.random.default_rng(3)
    count = 400
    boxes = np.column_stack([rng.uniform(0, 300, (count, 2)), rng.uniform(60, 140, count),
                             rng.uniform(70, 160, count)])
    marks = np.array(MARKS)[None] - (100, 100) + boxes[:, None, :2] + boxes[:, None, 2:] / 2
    marks = marks + rng.normal(0, 3, marks.shape)
    truth = Framing(rng.normal(0, 0.05, (12, 3)), np.array([0.01, -0.02, -0.1]))
    squares = np.array([truth.square(tuple(b), tuple(map(tuple, m))) for b, m in zip(boxes, marks, strict=True)])
    samples = FramingSamples(np.arange(count), boxes, marks, squares + rng.normal(0, 0.1, squares.shape))
    fitted = fit_framing(samples, ridge=1e-6)
    found = np.array([fitted.square(tuple(b), tuple(map(tuple, m))) for b, m in zip(boxes, marks, strict=True)])
    assert np.abs(found - squares).max() < 1.0, "within a pixel of the true squares"
    assert fitted.info["faces"] == count and fitted.info["residual_std"][2] < 0.01
    with pytest.raises(ValueError, match="too few"):
        fit_framing(FramingSamples(np.arange(3), boxes[:3], marks[:3], squares[:3]))


def test_features_are_relative_to_the_box() -> None:
    features, (cx, cy, s) = framing_features(BOX, MARKS)
    moved = tuple((x + 30, y - 7) for x, y in MARKS)
    shifted, _ = framing_features((80, 33, 100, 120), moved)
    np.testing.assert_allclose(features, shifted)
    assert (cx, cy, s) == (100, 100, 120) and features[:2].tolist() == [100 / 120, 1.0]


def test_move_landmarks_follows_the_box() -> None:
    moved = move_landmarks(MARKS, BOX, (150, 40, 200, 240))
    assert moved[0] == pytest.approx((250 - 40, 160 - 30)) and moved[2] == pytest.approx((250, 180))
    assert framing_features((150, 40, 200, 240), moved)[0] == pytest.approx(framing_features(BOX, MARKS)[0])


def test_the_analyzer_crops_where_the_landmarks_say(astronaut_bgr: np.ndarray) -> None:
    (face,) = Analyzer().analyze(astronaut_bgr)
    assert face.landmarks is not None
    by_marks = crop_faces(astronaut_bgr, [face.box], landmarks=[face.landmarks])
    by_box = crop_faces(astronaut_bgr, [face.box])
    assert not np.array_equal(by_marks, by_box)
    classifier = Analyzer().classifier
    np.testing.assert_allclose(face.probabilities, classifier.predict(by_marks)[0], atol=1e-5)
    (override,) = Analyzer(margin=0.1).analyze(astronaut_bgr)
    np.testing.assert_allclose(override.probabilities,
                               classifier.predict(crop_faces(astronaut_bgr, [face.box], margin=0.1))[0], atol=1e-5)


def test_tracked_frames_keep_the_detections_framing(astronaut_bgr: np.ndarray) -> None:
    """Between detections the tracker's box gets the last detection's landmarks, moved with it, so the crop
    of a still face is the detected frame's crop."""
    tracker = VideoTracker(detect_every=3)
    detected = tracker.process(astronaut_bgr, frame_index=0)
    carried = tracker.process(astronaut_bgr, frame_index=1)
    assert detected[0].detected and not carried[0].detected
    assert carried[0].landmarks is not None
    np.testing.assert_allclose(carried[0].raw_probabilities, detected[0].raw_probabilities, atol=0.02)


def test_eye_angle_sign_and_limit() -> None:
    from emolib.detect import MAX_ALIGN_DEGREES, eye_angle

    assert MAX_ALIGN_DEGREES < 45
    assert eye_angle(((0, 0), (10, 10), (0, 0), (0, 0), (0, 0))) == MAX_ALIGN_DEGREES, "45 degrees is clipped"
    assert eye_angle(((0, 0), (10, -1.76), (0, 0), (0, 0), (0, 0))) == pytest.approx(-10, abs=0.05)
    assert eye_angle(MARKS) == 0


def test_aligned_crop_levels_a_rolled_face(astronaut_bgr: np.ndarray) -> None:
    """The astronaut rolled by 12 degrees, with her landmarks rolled alike: the aligned crop matches the upright
    crop far better than the plain crop does; upright (her roll is 1 degree), aligned and plain crops agree."""
    import cv2

    (face,) = Analyzer().analyze(astronaut_bgr)
    x, y, w, h = face.box
    upright = crop_faces(astronaut_bgr, [face.box], landmarks=[face.landmarks], align=True)[0].astype(float)
    plain_upright = crop_faces(astronaut_bgr, [face.box], landmarks=[face.landmarks])[0].astype(float)
    assert np.corrcoef(upright.ravel(), plain_upright.ravel())[0, 1] > 0.97, "a 1 degree roll: nearly the same"
    matrix = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), -12, 1.0)
    rolled = cv2.warpAffine(astronaut_bgr, matrix, astronaut_bgr.shape[1::-1], borderMode=cv2.BORDER_REFLECT)
    marks = tuple(map(tuple, np.c_[np.asarray(face.landmarks), np.ones(5)] @ matrix.T))
    aligned = crop_faces(rolled, [face.box], landmarks=[marks], align=True)[0].astype(float)
    plain = crop_faces(rolled, [face.box], landmarks=[marks])[0].astype(float)
    match = lambda a: np.corrcoef(a.ravel(), upright.ravel())[0, 1]  # noqa: E731
    assert match(aligned) > 0.95 and match(aligned) > match(plain) + 0.1, (match(aligned), match(plain))


def test_aligned_crops_of_large_faces_are_not_aliased() -> None:
    """A 900 px 'face' of 3 px stripes: shrunk to 48 px it must come out as flat grey, not moire."""
    stripes = np.zeros((2000, 2000, 3), np.uint8)
    stripes[:, ::3] = 255
    marks = ((800.0, 900.0), (1200.0, 920.0), (1000.0, 1050.0), (850.0, 1200.0), (1150.0, 1200.0))
    aligned = crop_faces(stripes, [(550, 550, 900, 900)], landmarks=[marks], align=True)[0]
    assert aligned.std() < 8 and abs(float(aligned.mean()) - 85) < 10, (aligned.std(), aligned.mean())
