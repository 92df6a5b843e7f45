"""Emotion classification of 48x48 grayscale face crops with a LiteRT (``.tflite``) model.

Inference never imports TensorFlow: LiteRT loads in ~0.2 s and runs a face in well under a millisecond,
where TensorFlow's import alone takes seconds.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from emolib.errors import EmolibError
from emolib.labels import CLASSES, FACE_SIZE
from emolib.resources import DEFAULT_MODEL, bundled_path


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
    from emolib.resources import bundled_dir

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
    """``faces`` as an array, or ValueError unless it is a stack of 48x48 crops (N, 48, 48)."""
    faces = np.asarray(faces)
    if faces.ndim == 2:
        raise ValueError("faces must be shaped (N, 48, 48); wrap a single face as faces[None]")
    if faces.ndim != 3 or faces.shape[1:] != (FACE_SIZE, FACE_SIZE):
        raise ValueError(f"faces must be shaped (N, 48, 48), got {faces.shape}")
    return faces


class LiteRTRunner:
    """One ``.tflite`` interpreter behind a lock, resized to each new batch size.

    Thread-safe (the webcam widget calls from a comm thread). A file LiteRT cannot load is an
    :class:`EmolibError`.
    """

    def __init__(self, path: str | os.PathLike, *, num_threads: int = 1) -> None:
        from ai_edge_litert.interpreter import Interpreter

        try:
            self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
            with _native_stderr_silenced():  # LiteRT prints "INFO: Created ... XNNPACK delegate" when it applies it
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


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Point file descriptor 2 at the null device for the duration: native libraries' console chatter goes.

    For short calls only (the whole process's stderr is redirected); without a usable fd 2 it does nothing.
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class KerasEmotionClassifier:
    """The same ``predict`` contract for a Keras model (``.keras``, or ``.weights.h5`` plus ``arch``).

    For evaluating training runs, Grad-CAM and the speed baseline; imports TensorFlow/Keras, so the
    real-time paths use :class:`EmotionClassifier` instead. ``flip_tta`` averages each face with its mirror.
    """

    def __init__(self, model: str | os.PathLike, *, arch: str | None = None, flip_tta: bool = True) -> None:
        from emolib.export import check_keras_file

        self.path = check_keras_file(model)  # before TensorFlow loads: a wrong file fails fast and quietly
        if self.path.name.endswith(".weights.h5"):
            from emolib.model import build_model

            self.model = build_model(arch or _arch_from_name(self.path.name))
            self.model.load_weights(self.path)
        else:
            from emolib.export import load_keras_model

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
    from emolib.model import ARCHITECTURES

    for arch in sorted(ARCHITECTURES, key=len, reverse=True):
        if arch in name:
            return arch
    raise EmolibError(f"cannot tell the architecture of {name}; pass arch=")


def load_classifier(model: object = None) -> EmotionClassifier | KerasEmotionClassifier:
    """A classifier from an object with ``predict``, None (bundled), a bundled name, a .tflite/.keras path,
    or a peer package's model name (``fer``, ``fer-flip``: see :mod:`emolib.peers`)."""
    if hasattr(model, "predict"):
        return model  # type: ignore[return-value]
    from emolib.peers import PEER_MODELS, load_peer

    if model in PEER_MODELS and not Path(str(model)).exists():
        return load_peer(str(model))  # type: ignore[return-value]
    if model is not None and str(model).endswith((".keras", ".h5")):
        return KerasEmotionClassifier(model)  # type: ignore[arg-type]
    return EmotionClassifier(model)  # type: ignore[arg-type]
