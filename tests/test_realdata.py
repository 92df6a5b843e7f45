"""Checks of the bundled model on the real FER2013 PrivateTest split (skipped when the data is absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emolib.data import load
from emolib.evaluate import evaluate

pytestmark = pytest.mark.realdata
WEIGHTS = Path(__file__).resolve().parents[1] / "models" / "emotion_mini_xception_wide.weights.h5"


@pytest.fixture(scope="module")
def private_test(fer2013_path: Path):  # noqa: ANN201
    return load(fer2013_path).split("PrivateTest")


@pytest.fixture(scope="module")
def bundled(private_test):  # noqa: ANN001, ANN201
    return evaluate(private_test, None, split=None)


#: PrivateTest accuracy of the bundled model, as its model card (models/README.md) states.
MODEL_CARD_ACCURACY = 0.6682


def test_bundled_model_matches_model_card(bundled) -> None:  # noqa: ANN001
    assert len(bundled.labels) == 3589
    assert bundled.accuracy == pytest.approx(MODEL_CARD_ACCURACY, abs=0.002), "model card and model disagree"
    assert bundled.per_class().loc["happy", "recall"] > 0.8


def test_bundled_model_reaches_seed_accuracy(bundled) -> None:  # noqa: ANN001
    assert bundled.accuracy >= 0.66, f"PrivateTest accuracy {bundled.accuracy:.4f} < 0.66"


@pytest.mark.slow
def test_tflite_agrees_with_keras(private_test, bundled) -> None:  # noqa: ANN001
    pytest.importorskip("keras", reason="training extra not installed")
    from emolib.classify import KerasEmotionClassifier

    keras_side = KerasEmotionClassifier(WEIGHTS).predict(private_test.images)
    agreement = float(np.mean(keras_side.argmax(axis=1) == bundled.predictions))
    assert agreement >= 0.995, f"LiteRT and Keras agree on {agreement:.2%} of PrivateTest"
