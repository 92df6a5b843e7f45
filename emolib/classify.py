"""Emotion classification of 48x48 grayscale face crops with a LiteRT (``.tflite``) model.

Inference never imports TensorFlow: LiteRT loads in ~0.2 s and runs a face in well under a millisecond,
where TensorFlow's import alone takes seconds.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from emolib.errors import EmolibError
from emolib.labels import CLASSES, FACE_SIZE
from emolib.native_log import native_stderr_to_null
from emolib.resources import DEFAULT_MODEL, bundled_dir, bundled_path


def resolve_model(model: str | os.PathLike | None) -> Path:
    """Path of a model given as None (the bundled default), a bundled file name, or a path."""
    if model is None:
        return bundled_path("models", DEFAULT_MODEL)
    path = Path(model)
    if path.is_file():
        return path
    for name in (str(model), f"{model}.tflite", f"emotion_{model}.tflite"):
        try:
            return bundled_path("models", name)
        except EmolibError:
            continue
    raise EmolibError(f"no such model file or bundled model: {model}")


def bundled_models() -> list[str]:
    """Names of the bundled emotion models (``models/emotion_NAME.tflite``), the default first.

    Each name works wherever a model is asked for (``--model NAME``, :func:`load_classifier`).
    """
    default = Path(DEFAULT_MODEL).stem.removeprefix("emotion_")
    names = (path.stem.removeprefix("emotion_") for path in bundled_dir("models").glob("emotion_*.tflite"))
    return sorted(names, key=lambda name: (name != default, name))


class EmotionClassifier:
    """Seven-way emotion probabilities for face crops, from a ``.tflite`` model.

    ``model``: None for the bundled default, a bundled model name, or a path to a ``.tflite`` file whose
    input is (N, 48, 48, 1) float32 pixels 0-255 and output (N, 7) probabilities in :data:`CLASSES` order.
    Thread-safe: one interpreter, guarded by a lock (the webcam widget calls from a comm thread).
    """

    def __init__(self, model: str | os.PathLike | None = None, *, num_threads: int = 1) -> None:
        self.path = resolve_model(model)
        self._runner = LiteRTRunner(self.path, num_threads=num_threads)
        shape = self._runner.input_shape
        if shape[1:] != (FACE_SIZE, FACE_SIZE, 1) or self._runner.output_shape[-1] != len(CLASSES):
            raise EmolibError(
                f"{self.path}: expected input (N, 48, 48, 1) and output (N, 7), "
                f"got {shape} -> {self._runner.output_shape}"
            )

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """Probabilities (N, 7) float32 in :data:`CLASSES` order for uint8 crops shaped (N, 48, 48)."""
        faces = check_faces(faces)
        if len(faces) == 0:
            return np.zeros((0, len(CLASSES)), np.float32)
        probabilities = self._runner.run(faces.astype(np.float32)[..., None])
        return probabilities / probabilities.sum(axis=1, keepdims=True)


def check_faces(faces: np.ndarray) -> np.ndarray:
    """``faces`` as an array, or :class:`EmolibError` (a ValueError) saying what it got unless it is a stack
    of 48x48 grey crops, uint8 0-255, shaped (N, 48, 48) (what :func:`emolib.detect.crop_faces` makes).

    Floats (0-1 or 0-255), uint16 or NaN crops would be scored as if they were 0-255 bytes and give confident
    nonsense, so they are refused rather than guessed at.
    """
    faces = np.asarray(faces)
    if faces.ndim == 2:
        raise EmolibError("faces must be shaped (N, 48, 48); wrap a single face as faces[None]")
    if faces.ndim != 3 or faces.shape[1:] != (FACE_SIZE, FACE_SIZE):
        raise EmolibError(f"faces must be uint8 shaped (N, 48, 48), got {faces.dtype} {faces.shape}")
    if faces.dtype != np.uint8:
        hint = ""
        if faces.dtype.kind == "f":
            finite = np.isfinite(faces).all()
            top = float(np.nanmax(faces)) if faces.size and not np.isnan(faces).all() else float("nan")
            hint = (" containing NaN or infinity" if not finite else
                    "; values look like 0-1: use (faces * 255).round().astype(np.uint8)" if top <= 1 else
                    "; convert with faces.clip(0, 255).round().astype(np.uint8)")
        raise EmolibError(f"faces must be uint8 grey crops (0-255) shaped (N, 48, 48), got {faces.dtype} "
                          f"{faces.shape}{hint}")
    return faces


class LiteRTRunner:
    """One ``.tflite`` interpreter behind a lock, resized to each new batch size.

    Thread-safe (the webcam widget calls from a comm thread). A file LiteRT cannot load is an
    :class:`EmolibError`.
    """

    def __init__(self, path: str | os.PathLike, *, num_threads: int = 1) -> None:
        from ai_edge_litert.interpreter import Interpreter

        try:
            with native_stderr_to_null():  # LiteRT prints "INFO: Created ... XNNPACK delegate" to fd 2
                self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
                self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as err:
            raise EmolibError(f"{path}: not a loadable .tflite model ({err})") from None
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self.input_shape = tuple(int(n) for n in self._input["shape"])
        self.output_shape = tuple(int(n) for n in self._output["shape"])
        self._batch = -1
        self._lock = threading.Lock()

    def run(self, batch: np.ndarray) -> np.ndarray:
        """The model's float32 output for one float32 input batch."""
        with self._lock:
            if self._batch != len(batch):
                self._interpreter.resize_tensor_input(self._input["index"], batch.shape)
                self._interpreter.allocate_tensors()
                self._batch = len(batch)
            self._interpreter.set_tensor(self._input["index"], np.ascontiguousarray(batch, np.float32))
            self._interpreter.invoke()
            return self._interpreter.get_tensor(self._output["index"]).astype(np.float32)
