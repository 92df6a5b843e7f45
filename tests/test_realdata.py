"""Checks of the bundled model on the real FER2013 PrivateTest split (skipped when the data is absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emolib.resources import DEFAULT_MODEL
from emolib.training.data import load
from emolib.training.evaluate import evaluate

pytestmark = pytest.mark.realdata
WEIGHTS = (Path(__file__).resolve().parents[1] / "models" / DEFAULT_MODEL).with_suffix(".weights.h5")  # for Keras


@pytest.fixture(scope="module")
def private_test(fer2013_path: Path):  # noqa: ANN201
    return load(fer2013_path).split("PrivateTest")


@pytest.fixture(scope="module")
def bundled(private_test):  # noqa: ANN001, ANN201
    return evaluate(private_test, None, split=None)


#: PrivateTest accuracy of the bundled default, as its model card (models/README.md) states.
MODEL_CARD_ACCURACY = 0.7027


def test_bundled_model_matches_model_card(bundled) -> None:  # noqa: ANN001
    assert len(bundled.labels) == 3589
    assert bundled.accuracy == pytest.approx(MODEL_CARD_ACCURACY, abs=0.0005), "model card and model disagree"
    assert bundled.per_class().loc["happy", "recall"] > 0.85


def test_bundled_default_reaches_70_percent(bundled) -> None:  # noqa: ANN001
    """Issue 6: the real-time default scores at least 70% on PrivateTest (2,513 of 3,589 faces)."""
    assert bundled.accuracy >= 0.70, f"PrivateTest accuracy {bundled.accuracy:.4f} < 0.70"


def test_previous_default_still_matches_its_card(private_test) -> None:  # noqa: ANN001
    """The mini-Xception (the previous default) stays bundled, by name, with its card's figure."""
    wide = evaluate(private_test, "mini_xception_wide", split=None)
    assert wide.accuracy == pytest.approx(0.6682, abs=0.0005)


@pytest.mark.slow
def test_tflite_agrees_with_keras(private_test, bundled) -> None:  # noqa: ANN001
    pytest.importorskip("keras", reason="training extra not installed")
    from emolib.training.classifier import KerasEmotionClassifier

    keras_side = KerasEmotionClassifier(WEIGHTS).predict(private_test.images)
    agreement = float(np.mean(keras_side.argmax(axis=1) == bundled.predictions))
    assert agreement >= 0.995, f"LiteRT and Keras agree on {agreement:.2%} of PrivateTest"


def test_the_default_crop_reproduces_fer2013s_framing(fer2013_path: Path) -> None:
    """FER2013 faces placed in pictures, detected and cropped with the default framing (landmarks) come back
    at FER2013's framing: YuNet's eyes and mouth on the crop, against those on the original, have a median
    scale within 4% and a median centre shift under 1 px (48 px frame); and the crops match the originals'
    pixels better than the box-only crop (median correlation, measured 0.62 against 0.54, and 0.49 for the
    old margin 0.15). Single faces' landmarks on 48 px faces jitter by a few pixels, so the test reads the
    systematic part (medians over ~240 faces)."""
    import cv2

    from emolib.detect import DEFAULT_MARGIN, crop_faces, make_detector
    from emolib.pipeline import Analyzer
    from emolib.training.end_to_end import Placement, place_face

    faces = load(fer2013_path).split("PublicTest").images[:250]
    analyzer, yunet = Analyzer(), make_detector("yunet")

    def marks(face: np.ndarray) -> np.ndarray | None:
        big = cv2.cvtColor(cv2.resize(face, (192, 192), interpolation=cv2.INTER_CUBIC), cv2.COLOR_GRAY2BGR)
        found = yunet.detect(cv2.copyMakeBorder(big, 96, 96, 96, 96, cv2.BORDER_REFLECT_101))
        if not found:
            return None
        points = np.asarray(found[0].landmarks)
        return (np.stack([points[0], points[1], points[3:5].mean(axis=0)]) - 96) / 4  # eyes, mouth centre

    def framing(margin: float | None) -> tuple[float, float, float]:
        scales, shifts, correlations = [], [], []
        for index, face in enumerate(faces):
            picture, _ = place_face(face, index, Placement(rotation=0.0, brightness=(1.0, 1.0)))
            detections = analyzer.detect(picture)
            original = marks(face)
            if not detections or original is None:
                continue
            crop = crop_faces(picture, [detections[0].box], margin=margin, landmarks=[detections[0].landmarks])[0]
            correlations.append(np.corrcoef(crop.ravel().astype(float), face.ravel().astype(float))[0, 1])
            cropped = marks(crop)
            if cropped is None:
                continue
            spread = lambda points: np.linalg.norm(points - points.mean(axis=0), axis=1).sum()  # noqa: E731
            scales.append(spread(cropped) / spread(original))
            shifts.append(cropped.mean(axis=0) - original.mean(axis=0))
        assert len(scales) > 180
        return (float(np.median(scales)), float(np.linalg.norm(np.median(shifts, axis=0))),
                float(np.median(correlations)))

    scale, shift, correlation = framing(None)
    assert abs(scale - 1) < 0.04 and shift < 1.0, (scale, shift)
    box_scale, box_shift, box_correlation = framing(DEFAULT_MARGIN)
    assert abs(box_scale - 1) < 0.04 and box_shift < 1.0, (box_scale, box_shift)
    assert correlation > 0.58 and correlation > box_correlation + 0.03, (correlation, box_correlation)
    old_scale, _, _ = framing(0.15)
    assert old_scale < 0.92, f"the old margin 0.15 shrinks faces (scale {old_scale:.3f})"


def test_end_to_end_accuracy_stays_near_crop_level(private_test) -> None:  # noqa: ANN001
    """The bundled default through detector and crop, on PrivateTest faces placed in pictures: the gap to the
    crop-level accuracy of the same faces was 7.2 points with the first crop margin, 2.9 with a calibrated box
    square, 2.0 with the landmark framing, and is 0.5 with the model trained on the pipeline's crops (model
    card: 70.39% against 70.87%). Issue 14 asks for 1.5 points at most and at least 69% on the faces found."""
    from emolib.pipeline import Analyzer
    from emolib.training.end_to_end import evaluate_end_to_end

    summary = evaluate_end_to_end(private_test, Analyzer(), split=None).summary()
    assert summary["detection_rate"] > 0.9
    assert summary["gap_found"] <= 0.015, summary
    assert summary["accuracy_found"] >= 0.69, summary
