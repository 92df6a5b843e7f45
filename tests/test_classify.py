from __future__ import annotations

import sys

import numpy as np
import pytest

from emolib import CLASSES, Analyzer, EmotionClassifier
from emolib.detect import crop_faces
from emolib.errors import EmolibError


@pytest.fixture(scope="module")
def classifier() -> EmotionClassifier:
    return EmotionClassifier()


def test_predict_shapes_and_rows(classifier: EmotionClassifier) -> None:
    faces = np.random.default_rng(0).integers(0, 256, (5, 48, 48), dtype=np.uint8)
    probabilities = classifier.predict(faces)
    assert probabilities.shape == (5, 7) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    # batching must not change answers: one at a time equals all at once
    single = np.concatenate([classifier.predict(face[None]) for face in faces])
    np.testing.assert_allclose(single, probabilities, atol=1e-5)
    assert classifier.predict(np.zeros((0, 48, 48), np.uint8)).shape == (0, 7)


def test_bad_shapes(classifier: EmotionClassifier) -> None:
    with pytest.raises(ValueError, match="48, 48"):
        classifier.predict(np.zeros((2, 64, 64), np.uint8))
    with pytest.raises(ValueError):
        classifier.predict(np.zeros((48, 48), np.uint8))


def test_astronaut_is_happy(classifier: EmotionClassifier, astronaut_bgr: np.ndarray) -> None:
    (face,) = Analyzer(classifier=classifier).detector.detect(astronaut_bgr)
    probabilities = classifier.predict(crop_faces(astronaut_bgr, [face.box]))[0]
    assert CLASSES[int(probabilities.argmax())] == "happy"
    assert probabilities[CLASSES.index("happy")] > 0.5


def test_inference_does_not_import_tensorflow() -> None:
    import subprocess

    code = ("import sys, numpy as np, emolib; emolib.EmotionClassifier().predict(np.zeros((1,48,48),np.uint8)); "
            "sys.exit('tensorflow' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_bad_model_path(tmp_path) -> None:
    with pytest.raises(EmolibError, match="no such model"):
        EmotionClassifier(tmp_path / "missing.tflite")
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"not a model")
    with pytest.raises(EmolibError, match="not a loadable"):
        EmotionClassifier(junk)
