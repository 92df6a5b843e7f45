"""Export a trained Keras model to ``.tflite`` for LiteRT inference (this module imports TensorFlow)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emolib.errors import EmolibError, require_file
from emolib.labels import FACE_SIZE
from emolib.training._keras import import_keras, import_tensorflow

#: First bytes of the files Keras loads: ``.keras`` files are zip archives, legacy ``.h5`` files HDF5.
_SIGNATURES = {".keras": b"PK\x03\x04", ".h5": b"\x89HDF\r\n\x1a\n"}


def check_keras_file(path: str | os.PathLike) -> Path:
    """``path`` if it looks like a Keras model file (``.keras`` zip or ``.h5``), else :class:`EmolibError`.

    Checked before TensorFlow is imported, so a wrong file costs no import time and prints none of its logs.
    """
    path = require_file(path, "a Keras model")
    signature = _SIGNATURES.get(path.suffix.lower())
    if signature is None:
        raise EmolibError(f"{path}: not a Keras model file (expected .keras or .h5, e.g. best.keras of a training run)")
    with open(path, "rb") as handle:
        if handle.read(len(signature)) != signature:
            raise EmolibError(f"{path}: not a Keras model ({path.suffix} file with other content)")
    return path


def load_keras_model(path: str | os.PathLike) -> Any:
    """Load a ``.keras`` file written by :mod:`emolib.training.train`."""
    path = check_keras_file(path)
    keras = import_keras()

    import emolib.training.layers  # noqa: F401  (registers the layers exported models use)

    try:
        return keras.saving.load_model(path, compile=False)
    except (ValueError, OSError) as err:
        raise EmolibError(f"{path}: not a loadable Keras model ({err})") from None


def combine(model: Any, flip_tta: bool | Sequence[bool] = True) -> Any:
    """One Keras model from ``model`` (or a list of models: an ensemble) with flip averaging built in.

    ``flip_tta`` averages each face with its mirror image; for an ensemble it may be one flag per member,
    since a mirror view costs a member's full run time and an ensemble has a latency budget to share.
    The members' probabilities are averaged, each member weighing the same. A single model without
    flip averaging is returned as it is.
    """
    members = list(model) if isinstance(model, list | tuple) else [model]
    flips = [flip_tta] * len(members) if isinstance(flip_tta, bool) else [bool(flag) for flag in flip_tta]
    if len(flips) != len(members):
        raise ValueError(f"flip_tta has {len(flips)} flags for {len(members)} models")
    if len(members) == 1 and not flips[0]:
        return members[0]
    keras = import_keras()

    from emolib.training.layers import MirrorFaces

    layers = keras.layers
    faces = keras.Input((FACE_SIZE, FACE_SIZE, 1), name="face")
    mirrored = MirrorFaces(name="mirror")(faces)
    outputs = []
    for index, (member, flip) in enumerate(zip(members, flips, strict=True)):
        if len(members) > 1:
            member.name = f"member_{index}_{member.name}"  # nested models need distinct names
        output = member(faces)
        if flip:
            name = "flip_tta" if len(members) == 1 else f"member_{index}_flip_tta"
            output = layers.Average(name=name)([output, member(mirrored)])
        outputs.append(output)
    averaged = layers.Average(name="ensemble")(outputs) if len(outputs) > 1 else outputs[0]
    return keras.Model(faces, averaged, name="ensemble" if len(members) > 1 else f"{members[0].name}_flip_tta")


def to_tflite(
    model: Any,
    out: str | os.PathLike,
    *,
    flip_tta: bool | Sequence[bool] = True,
    overwrite: bool = False,
) -> Path:
    """Write ``model`` (or the mean of a list of models: an ensemble) as a float32 ``.tflite``.

    The file takes (N, 48, 48, 1) pixels 0-255 and returns (N, 7) probabilities. ``flip_tta`` folds
    horizontal-flip test-time augmentation in (see :func:`combine`, which builds the model written), so every
    runtime gets the gain for free.
    """
    out = Path(out)
    if out.exists() and not overwrite:
        raise EmolibError(f"{out} exists; pass overwrite=True (--overwrite) to replace it")
    model = combine(model, flip_tta)
    tf = import_tensorflow()

    # from_keras_model keeps the weights; a hand-made concrete function loses them under Keras 3.
    payload = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(payload)
    tmp.replace(out)
    return out
