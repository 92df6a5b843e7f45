"""Reading images and checking that an array is one."""

from __future__ import annotations

import os

import cv2
import numpy as np

from emolib.errors import EmolibError, require_file


def check_bgr(image: object, what: str = "image") -> np.ndarray:
    """``image`` if it is a (H, W, 3) uint8 BGR ndarray, else :class:`EmolibError` saying what it is instead."""
    if not isinstance(image, np.ndarray):
        raise EmolibError(f"expected the {what} as a (H, W, 3) uint8 BGR array, got {type(image).__name__}"
                          + (" (read files with emolib.read_image)" if isinstance(image, (str, os.PathLike)) else ""))
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 or 0 in image.shape:
        raise EmolibError(f"expected the {what} as a (H, W, 3) uint8 BGR array, got {image.dtype} {image.shape}")
    return image


def read_image(path: str | os.PathLike) -> np.ndarray:
    """A (H, W, 3) uint8 BGR image from a file, or :class:`EmolibError` naming what is wrong with it."""
    path = require_file(path, "an image")
    return decode_image(np.fromfile(path, np.uint8), name=str(path))


def decode_image(data: bytes | memoryview | np.ndarray, *, name: str = "the data") -> np.ndarray:
    """A (H, W, 3) uint8 BGR image from encoded bytes (PNG, JPEG, ...), e.g. an upload, or :class:`EmolibError`."""
    encoded = np.frombuffer(data, np.uint8)
    image = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    if image is None:
        raise EmolibError(f"{name} is not a readable image")
    if _truncated_jpeg(encoded.tobytes()):
        raise EmolibError(f"{name} is a truncated JPEG (no end-of-image marker)")
    return image


def _truncated_jpeg(data: bytes) -> bool:
    """JPEG bytes (by content, whatever the file name) with no end-of-image marker after the last scan.

    OpenCV decodes such files with the missing part grey. Bytes after the marker (trailers some cameras
    write) and the markers of an embedded EXIF thumbnail, which comes before the main image, do not count.
    """
    return data[:2] == b"\xff\xd8" and data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda")
