"""Export a trained Keras model to ``.tflite`` for LiteRT inference (this module imports TensorFlow)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from emolib.errors import EmolibError
from emolib.labels import FACE_SIZE


def load_keras_model(path: str | os.PathLike) -> Any:
    """Load a ``.keras`` file written by :mod:`emolib.train`."""
    import keras

    path = Path(path)
    if not path.is_file():
        raise EmolibError(f"no such Keras model: {path}")
    try:
        return keras.saving.load_model(path, compile=False)
    except (ValueError, OSError) as err:
        raise EmolibError(f"{path}: not a loadable Keras model ({err})") from None


def to_tflite(model: Any, out: str | os.PathLike, *, flip_tta: bool = True, overwrite: bool = False) -> Path:
    """Write ``model`` as a float32 ``.tflite`` taking (N, 48, 48, 1) pixels 0-255.

    ``flip_tta`` folds horizontal-flip test-time augmentation into the file: it returns the mean of the
    probabilities of each face and its mirror image, so every runtime gets the gain for free.
    """
    import tensorflow as tf

    out = Path(out)
    if out.exists() and not overwrite:
        raise EmolibError(f"{out} exists; pass overwrite=True (--overwrite) to replace it")

    if flip_tta:
        import keras

        faces = keras.Input((FACE_SIZE, FACE_SIZE, 1), name="face")
        mirrored = keras.layers.Lambda(lambda images: keras.ops.flip(images, axis=2), name="mirror")(faces)
        model = keras.Model(faces, keras.layers.Average(name="flip_tta")([model(faces), model(mirrored)]))
    # from_keras_model keeps the weights; a hand-made concrete function loses them under Keras 3.
    payload = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(payload)
    tmp.replace(out)
    return out
