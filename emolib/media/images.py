"""Reading images (within a pixel budget checked before decoding) and checking that an array is one."""

from __future__ import annotations

import io
import os
import warnings
from typing import NamedTuple

import cv2
import numpy as np

from emolib.errors import EmolibError, require_file

#: Default pixel budget: the most pixels an image may have once decoded (100 Mpx, a 12000x8000 photo).
#: Larger JPEGs are decoded at 1/2, 1/4 or 1/8 size when that fits; anything else larger is refused.
DEFAULT_MAX_PIXELS = 100_000_000
#: Least width and height of an image worth analysing (a face needs more; 1-pixel strips are skipped).
MIN_SIDE = 8
_REDUCED = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
            8: cv2.IMREAD_REDUCED_COLOR_8}


class ImageHeader(NamedTuple):
    """What an image file's header says, before any pixel is decoded: ``format`` is Pillow's name
    ("JPEG", "PNG", ...); ``width``/``height`` are None when the header declares too many pixels to say."""

    format: str
    width: int | None
    height: int | None


def check_bgr(image: object, what: str = "image") -> np.ndarray:
    """``image`` if it is a (H, W, 3) uint8 BGR ndarray, else :class:`EmolibError` saying what it is instead."""
    if not isinstance(image, np.ndarray):
        raise EmolibError(f"expected the {what} as a (H, W, 3) uint8 BGR array, got {type(image).__name__}"
                          + (" (read files with emolib.read_image)" if isinstance(image, (str, os.PathLike)) else ""))
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 or 0 in image.shape:
        raise EmolibError(f"expected the {what} as a (H, W, 3) uint8 BGR array, got {image.dtype} {image.shape}")
    return image


def check_pixel_budget(width: int, height: int, max_pixels: int | None = DEFAULT_MAX_PIXELS, *,
                       name: str = "the image") -> None:
    """:class:`EmolibError` unless a ``width`` x ``height`` image is within ``max_pixels`` (None: no budget)
    and both sides are positive. For frames announced before they are decoded (uploads, webcam messages)."""
    if width < 1 or height < 1:
        raise EmolibError(f"{name} has no pixels ({width}x{height})")
    if max_pixels is not None and width * height > max_pixels:
        raise EmolibError(f"{name} is {width}x{height} pixels ({width * height / 1e6:.0f} Mpx), over the pixel "
                          f"budget of {max_pixels / 1e6:g} Mpx (--max-pixels)")


def read_header(data: bytes) -> ImageHeader | None:
    """The format and size an encoded image declares (Pillow reads the header only, never the pixels);
    None if Pillow does not know the format (OpenCV may still)."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                return ImageHeader(str(image.format), *image.size)
        except Image.DecompressionBombError:  # over 2 * Image.MAX_IMAGE_PIXELS: ask the format's reader itself
            return _header_past_bomb_check(data)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            return None


def _header_past_bomb_check(data: bytes) -> ImageHeader:
    """The header of an image Pillow's ``open`` refused as a decompression bomb: its registered readers
    (``Image.OPEN``, what ``open`` calls before that check) parse the header without the check."""
    from PIL import Image

    for format_id in Image.ID:
        factory, accept = Image.OPEN[format_id]
        if accept is not None and not accept(data[:16]):
            continue
        try:
            with factory(io.BytesIO(data), "") as image:
                return ImageHeader(str(image.format), *image.size)
        except Exception:  # noqa: BLE001, S112 - not this format: try the next reader
            continue
    return ImageHeader("unknown", None, None)


def read_image(path: str | os.PathLike, *, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """A (H, W, 3) uint8 BGR image from a file, or :class:`EmolibError` naming what is wrong with it.

    ``max_pixels``: the pixel budget (see :func:`decode_image`).
    """
    path = require_file(path, "an image")
    return decode_image(np.fromfile(path, np.uint8), name=str(path), max_pixels=max_pixels)


def decode_image(data: bytes | memoryview | np.ndarray, *, name: str = "the data",
                 max_pixels: int | None = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """A (H, W, 3) uint8 BGR image from encoded bytes (PNG, JPEG, ...), e.g. an upload, or :class:`EmolibError`.

    The header is read first: an image over ``max_pixels`` (None: OpenCV's own 1 Gpx limit only) is decoded
    at 1/2, 1/4 or 1/8 size if it is a JPEG and that fits (libjpeg scales while decoding, so memory stays
    within the budget), else refused before decoding. EXIF orientation is applied; images with a side under
    :data:`MIN_SIDE` pixels are refused as too small to analyse.
    """
    encoded = np.frombuffer(data, np.uint8)
    raw = encoded.tobytes()
    header = read_header(raw)
    factor = 1
    if header is not None and max_pixels is not None:
        if header.width is None or header.height is None:
            raise EmolibError(f"{name} declares more pixels than emolib reads (over "
                              f"{max_pixels / 1e6:g} Mpx, --max-pixels)")
        factor = _reduction(header, max_pixels, name)
    if header is not None and header.format == "JPEG" and _truncated_jpeg(raw):
        raise EmolibError(f"{name} is a truncated JPEG (no end-of-image marker)")
    try:
        image = cv2.imdecode(encoded, _REDUCED[factor])
    except cv2.error as err:
        raise EmolibError(f"{name} is not a readable image ({_first_line(err)})") from None
    if image is None:
        raise EmolibError(f"{name} is not a readable image")
    if header is None and max_pixels is not None:  # a format only OpenCV knows: checked after the fact
        check_pixel_budget(image.shape[1], image.shape[0], max_pixels, name=name)
    if min(image.shape[:2]) < MIN_SIDE:
        raise EmolibError(f"{name} is {image.shape[1]}x{image.shape[0]} pixels, too small to analyse (a side "
                          f"under {MIN_SIDE})")
    return image


def _reduction(header: ImageHeader, max_pixels: int, name: str) -> int:
    """1, or the least JPEG scale-down (2, 4, 8) that brings the image within ``max_pixels``."""
    width, height = header.width or 0, header.height or 0
    if width * height <= max_pixels:
        return 1
    if header.format == "JPEG":
        for factor in (2, 4, 8):
            if -(-width // factor) * -(-height // factor) <= max_pixels:
                return factor
    check_pixel_budget(width, height, max_pixels, name=name)  # raises
    return 1


def _first_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[-1] if lines else type(err).__name__


def _truncated_jpeg(data: bytes) -> bool:
    """JPEG bytes (by content, whatever the file name) whose main image ends before its end-of-image marker.

    OpenCV decodes such files with the missing part grey. The marker segments are walked from the start
    (an EXIF thumbnail sits inside its APP1 segment and is skipped whole) through every scan to the main
    image's end-of-image marker, so data after it (motion photos' MP4 trailers, even ones holding the
    bytes of another scan marker) does not count.
    """
    if data[:2] != b"\xff\xd8":
        return False
    return _jpeg_end(data) is None


def _jpeg_end(data: bytes) -> int | None:
    """Offset just after the end-of-image marker of the JPEG starting at ``data[0]``, or None if it is cut short."""
    pos, size = 2, len(data)
    while pos + 4 <= size:
        if data[pos] != 0xFF:
            return None  # not a marker where one must be: damaged
        marker = data[pos + 1]
        if marker == 0xFF:  # fill bytes before a marker
            pos += 1
            continue
        if marker == 0xD9:
            return pos + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        pos += 2 + length
        if marker == 0xDA:  # a scan: entropy-coded data up to the next marker that is not a stuffed FF or RSTn
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= size:
                    return None
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos += 1 if following == 0xFF else 2
                    continue
                break
    if pos + 2 <= size and data[pos:pos + 2] == b"\xff\xd9":
        return pos + 2
    return None
