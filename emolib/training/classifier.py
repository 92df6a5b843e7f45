"""Keras models behind the runtime's ``predict`` contract, for evaluating training runs and Grad-CAM.

Imports TensorFlow/Keras when a model loads; the real-time paths use :class:`emolib.classify.EmotionClassifier`.
:func:`emolib.loaders.load_classifier` reaches :func:`load_keras_classifier` through the ``emolib.classifiers``
entry point for ``.keras`` and ``.h5`` files, so the runtime never imports this module.
"""

from __future__ import annotations

import os

import numpy as np

from emolib.errors import EmolibError
from emolib.training.export import check_keras_file, load_keras_model
from emolib.training.model import ARCHITECTURES, build_model


class KerasEmotionClassifier:
    """The same ``predict`` contract for a Keras model (``.keras``, or ``.weights.h5`` plus ``arch``).

    For evaluating training runs, Grad-CAM and the speed baseline; imports TensorFlow/Keras, so the
    real-time paths use :class:`EmotionClassifier` instead. ``flip_tta`` averages each face with its mirror.
    """

    def __init__(self, model: str | os.PathLike, *, arch: str | None = None, flip_tta: bool = True) -> None:
        self.path = check_keras_file(model)  # before TensorFlow loads: a wrong file fails fast and quietly
        if self.path.name.endswith(".weights.h5"):
            self.model = build_model(arch or _arch_from_name(self.path.name))
            self.model.load_weights(self.path)
        else:
            self.model = load_keras_model(self.path)
        self.flip_tta = flip_tta

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """Probabilities (N, 7) float32 in :data:`CLASSES` order for uint8 crops shaped (N, 48, 48)."""
        images = np.asarray(faces, np.float32)[..., None]
        probabilities = np.asarray(self.model.predict(images, batch_size=512, verbose=0))
        if self.flip_tta:
            probabilities = (probabilities + self.model.predict(images[:, :, ::-1], batch_size=512, verbose=0)) / 2
        return np.asarray(probabilities, np.float32)


def _arch_from_name(name: str) -> str:
    for arch in sorted(ARCHITECTURES, key=len, reverse=True):
        if arch in name:
            return arch
    raise EmolibError(f"cannot tell the architecture of {name}; pass arch=")


def load_keras_classifier(path: str | os.PathLike) -> KerasEmotionClassifier:
    """The ``emolib.classifiers`` entry point for ``.keras`` / ``.h5`` files (flip-averaged, as evaluated)."""
    return KerasEmotionClassifier(path)
