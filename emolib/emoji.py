"""Emoji images for the seven classes: load the bundled PNGs, resize once per size, alpha-blend onto frames.

The PNGs in ``emojis/`` are rendered from Noto Color Emoji by :func:`render_emoji_set`
(``python -m emolib.emoji --font /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf --out emojis/``).
Only that generator needs Pillow; loading and drawing use OpenCV and numpy.
"""

from __future__ import annotations

import argparse
import os
from functools import cache, lru_cache
from pathlib import Path

import cv2
import numpy as np

from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.resources import bundled_path

#: The emoji drawn for each class (Unicode code point).
EMOJI_GLYPHS: dict[str, str] = {
    "angry": "\U0001F620",     # angry face
    "disgust": "\U0001F922",   # nauseated face
    "fear": "\U0001F628",      # fearful face
    "happy": "\U0001F604",     # grinning face with smiling eyes
    "sad": "\U0001F622",       # crying face
    "surprise": "\U0001F62E",  # face with open mouth
    "neutral": "\U0001F610",   # neutral face
}

#: Side length of the bundled PNGs.
EMOJI_SIZE = 128
#: The only bitmap strike size of the CBDT Noto Color Emoji font.
_NOTO_STRIKE = 109


def render_emoji_set(
    font_path: str | os.PathLike, out_dir: str | os.PathLike, *, size: int = EMOJI_SIZE, overwrite: bool = False
) -> list[Path]:
    """Render one ``<class>.png`` per class (size x size RGBA, glyph centred) from a colour emoji font.

    ``font_path``: a CBDT colour font such as ``NotoColorEmoji.ttf``. Existing files are kept unless
    ``overwrite``. Returns the paths written. Needs Pillow built with FreeType.
    """
    from PIL import Image, ImageDraw, ImageFont  # lazy: only the generator needs Pillow

    try:
        font = ImageFont.truetype(str(font_path), _NOTO_STRIKE)
    except OSError as error:
        raise EmolibError(f"cannot load emoji font {font_path}: {error}") from error
    out_dir = Path(out_dir)
    targets = {name: out_dir / f"{name}.png" for name in CLASSES}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing and not overwrite:
        raise EmolibError(f"not overwriting existing {', '.join(existing)} (pass overwrite=True / --overwrite)")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, path in targets.items():
        glyph = EMOJI_GLYPHS[name]
        left, top, right, bottom = font.getbbox(glyph)
        canvas = Image.new("RGBA", (int(right - left + 8), int(bottom - top + 8)), (0, 0, 0, 0))
        ImageDraw.Draw(canvas).text((4 - left, 4 - top), glyph, font=font, embedded_color=True)
        bbox = canvas.getbbox()
        if bbox is None:
            raise EmolibError(f"font {font_path} has no colour glyph for {name} (U+{ord(glyph):04X})")
        glyph_image = canvas.crop(bbox)
        side = max(glyph_image.size)
        square = Image.new("RGBA", (side, side), (0, 0, 0, 0))
        square.paste(glyph_image, ((side - glyph_image.width) // 2, (side - glyph_image.height) // 2))
        square.resize((size, size), Image.Resampling.LANCZOS).save(path, optimize=True)
        written.append(path)
    return written


@cache
def load_emojis() -> dict[str, np.ndarray]:
    """The bundled emojis, read once: class name -> (128, 128, 4) uint8 BGRA (read-only)."""
    images = {}
    for name in CLASSES:
        path = bundled_path("emojis", f"{name}.png")
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if image is None or image.ndim != 3 or image.shape[2] != 4:
            raise EmolibError(f"{path} is not an RGBA PNG")
        image.flags.writeable = False
        images[name] = image
    return images


@lru_cache(maxsize=512)
def emoji_image(emotion: str, size: int) -> np.ndarray:
    """The emoji of ``emotion`` as a (size, size, 4) uint8 BGRA array (cached per size, read-only)."""
    images = load_emojis()
    if emotion not in images:
        raise EmolibError(f"unknown emotion {emotion!r}; expected one of {', '.join(CLASSES)}")
    if size < 1:
        raise EmolibError(f"emoji size must be positive, got {size}")
    source = images[emotion]
    interpolation = cv2.INTER_AREA if size < source.shape[0] else cv2.INTER_CUBIC
    image = cv2.resize(source, (size, size), interpolation=interpolation)
    image.flags.writeable = False
    return image


def overlay_rgba(frame_bgr: np.ndarray, rgba: np.ndarray, x: int, y: int) -> np.ndarray:
    """Alpha-blend a 4-channel image onto ``frame_bgr`` in place with its top-left at (x, y), clipped.

    frame_bgr : (H, W, 3) uint8 ndarray, BGR. rgba : (h, w, 4) uint8 ndarray whose colour channels are in the
    frame's order (BGRA for BGR frames, as :func:`emoji_image` returns). Returns ``frame_bgr``.
    """
    height, width = frame_bgr.shape[:2]
    h, w = rgba.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
    if x0 >= x1 or y0 >= y1:
        return frame_bgr
    src = rgba[y0 - y:y1 - y, x0 - x:x1 - x]
    roi = frame_bgr[y0:y1, x0:x1]
    alpha = src[:, :, 3:4].astype(np.uint16)
    blended = (src[:, :, :3] * alpha + roi * (255 - alpha) + 128).astype(np.uint16)
    roi[:] = (blended + (blended >> 8)) >> 8  # rounded division by 255, exact for these sums
    return frame_bgr


def main(argv: list[str] | None = None) -> int:
    """``python -m emolib.emoji --font PATH --out DIR [--overwrite]``: regenerate the emoji PNGs."""
    parser = argparse.ArgumentParser(prog="python -m emolib.emoji", description=main.__doc__)
    parser.add_argument("--font", required=True, help="colour emoji font, e.g. NotoColorEmoji.ttf")
    parser.add_argument("--out", required=True, help="folder for <class>.png")
    parser.add_argument("--size", type=int, default=EMOJI_SIZE, help="side length in pixels (default 128)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing PNGs")
    args = parser.parse_args(argv)
    try:
        for path in render_emoji_set(args.font, args.out, size=args.size, overwrite=args.overwrite):
            print(path)
    except EmolibError as error:
        parser.exit(1, f"error: {error}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
