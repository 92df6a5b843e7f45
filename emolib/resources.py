"""Find the files emolib ships (models, emojis) in an installed wheel or in a source checkout.

In a wheel they live inside the package (``emolib/models``, ``emolib/emojis``); in a checkout they are
the top-level ``models/`` and ``emojis/`` folders beside the package.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from emolib.errors import EmolibError

#: File name of the bundled default emotion model in ``models/``.
DEFAULT_MODEL = "emotion_compact_vgg_deep.tflite"
#: File name of the YuNet face detector in ``models/``.
YUNET_MODEL = "face_detection_yunet_2023mar.onnx"


def bundled_path(folder: str, name: str) -> Path:
    """Path of a bundled file ``folder/name`` (``folder`` is "models" or "emojis")."""
    candidates = [Path(str(files("emolib"))) / folder / name, Path(__file__).resolve().parents[1] / folder / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise EmolibError(f"bundled file {folder}/{name} is missing from this installation")


def bundled_dir(folder: str) -> Path:
    """The folder holding bundled ``folder`` files ("models" or "emojis")."""
    for candidate in (Path(str(files("emolib"))) / folder, Path(__file__).resolve().parents[1] / folder):
        if candidate.is_dir():
            return candidate
    raise EmolibError(f"bundled folder {folder}/ is missing from this installation")
