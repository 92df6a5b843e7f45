"""emolib.loaders.load_classifier: one dispatch over objects, bundled names, LiteRT files, peers and plugins."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emolib.classify import EmotionClassifier, bundled_models
from emolib.errors import EmolibError
from emolib.loaders import load_classifier, plugin_loaders
from emolib.resources import DEFAULT_MODEL, bundled_path


def test_objects_and_bundled_models() -> None:
    class Constant:
        def predict(self, faces: np.ndarray) -> np.ndarray:
            return np.full((len(faces), 7), 1 / 7, np.float32)

    custom = Constant()
    assert load_classifier(custom) is custom
    default = load_classifier(None)
    assert isinstance(default, EmotionClassifier) and default.path.name == DEFAULT_MODEL
    other = bundled_models()[1]
    assert isinstance(load_classifier(other), EmotionClassifier)
    assert load_classifier(other).path.name == f"emotion_{other}.tflite"
    assert load_classifier(bundled_path("models", DEFAULT_MODEL)).path.name == DEFAULT_MODEL


def test_bad_names_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(EmolibError, match="no such model"):
        load_classifier("no_such_model")
    with pytest.raises(EmolibError, match="must be a name, a path"):
        load_classifier(42)
    (tmp_path / "junk.tflite").write_bytes(b"not a model")
    with pytest.raises(EmolibError, match="not a loadable"):
        load_classifier(tmp_path / "junk.tflite")


def test_keras_files_go_through_the_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtime finds the Keras loader through the entry point, not an import of emolib.training."""
    assert {".keras", ".h5"} <= set(plugin_loaders())
    seen = []
    monkeypatch.setattr("emolib.loaders.plugin_loaders", lambda: {".keras": lambda path: seen.append(path) or "k"})
    assert load_classifier(tmp_path / "best.keras") == "k" and seen == [tmp_path / "best.keras"]


def test_a_real_keras_file_loads_via_the_plugin(tmp_path: Path) -> None:
    pytest.importorskip("keras")
    weights = bundled_path("models", DEFAULT_MODEL.replace(".tflite", ".weights.h5"))
    classifier = load_classifier(weights)
    assert type(classifier).__name__ == "KerasEmotionClassifier"
    probabilities = classifier.predict(np.full((2, 48, 48), 128, np.uint8))
    assert probabilities.shape == (2, 7) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-4)
    with pytest.raises(EmolibError, match="not a Keras model"):
        (tmp_path / "fake.keras").write_bytes(b"nope")
        load_classifier(tmp_path / "fake.keras")
