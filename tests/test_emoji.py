"""The bundled emoji images, their cache and alpha blending, and the generator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from emolib.emoji import EMOJI_GLYPHS, emoji_image, load_emojis, main, overlay_rgba, render_emoji_set
from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.resources import bundled_dir

NOTO = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")


@pytest.mark.parametrize("name", CLASSES)
def test_every_class_has_an_emoji_png_with_real_alpha(name: str) -> None:
    image = cv2.imread(str(bundled_dir("emojis") / f"{name}.png"), cv2.IMREAD_UNCHANGED)
    assert image is not None and image.shape == (128, 128, 4) and image.dtype == np.uint8
    alpha = image[:, :, 3]
    assert (alpha == 0).mean() > 0.1, "corners should be transparent"
    assert (alpha == 255).mean() > 0.5, "the face should be opaque"
    assert alpha[0, 0] == 0 and alpha[64, 64] == 255
    assert image[:, :, :3][alpha == 255].std() > 20, "a real picture, not a flat disc"


def test_emojis_differ_per_class_and_are_bgra() -> None:
    images = load_emojis()
    assert list(images) == list(CLASSES)
    for a in CLASSES:
        for b in CLASSES:
            if a < b:
                assert not np.array_equal(images[a], images[b]), (a, b)
    happy = images["happy"]
    opaque = happy[:, :, 3] == 255
    blue, red = happy[:, :, 0][opaque].mean(), happy[:, :, 2][opaque].mean()
    assert red > blue + 60, "the yellow face must have more red than blue in BGRA order"
    assert load_emojis() is images


def test_emoji_image_is_sized_cached_and_read_only() -> None:
    small = emoji_image("sad", 40)
    assert small.shape == (40, 40, 4) and small.dtype == np.uint8
    assert emoji_image("sad", 40) is small
    assert emoji_image("sad", 41).shape == (41, 41, 4)
    assert small[20, 20, 3] == 255 and small[0, 0, 3] == 0
    with pytest.raises(ValueError):
        small[0, 0, 0] = 1
    with pytest.raises(EmolibError, match="unknown emotion"):
        emoji_image("contempt", 40)
    with pytest.raises(EmolibError):
        emoji_image("sad", 0)


def test_overlay_blends_by_alpha() -> None:
    frame = np.full((10, 10, 3), 100, np.uint8)
    patch = np.zeros((2, 3, 4), np.uint8)
    patch[:, :, :3] = (0, 50, 250)
    patch[:, :, 3] = [[255, 0, 128], [255, 0, 128]]
    assert overlay_rgba(frame, patch, 4, 5) is frame
    np.testing.assert_array_equal(frame[5, 4], (0, 50, 250))  # opaque: replaced
    np.testing.assert_array_equal(frame[5, 5], (100, 100, 100))  # transparent: kept
    np.testing.assert_allclose(frame[6, 6], (50, 75, 175), atol=1)  # half: mixed
    assert (frame[:5] == 100).all() and (frame[7:] == 100).all() and (frame[:, :4] == 100).all()


def test_overlay_is_clipped_to_the_frame() -> None:
    frame = np.zeros((20, 30, 3), np.uint8)
    patch = np.full((10, 10, 4), 255, np.uint8)
    overlay_rgba(frame, patch, -4, -6)
    assert (frame[:4, :6] == 255).all() and frame[4:, :].max() == 0 and frame[:, 6:].max() == 0
    frame[:] = 0
    overlay_rgba(frame, patch, 25, 15)
    assert (frame[15:, 25:] == 255).all() and int(frame.sum()) == 5 * 5 * 3 * 255
    frame[:] = 0
    overlay_rgba(frame, patch, 40, -30)
    overlay_rgba(frame, patch, -10, 0)
    assert frame.max() == 0


@pytest.mark.skipif(not NOTO.exists(), reason="needs fonts-noto-color-emoji")
def test_render_emoji_set_writes_rgba_and_refuses_to_overwrite(tmp_path: Path) -> None:
    paths = render_emoji_set(NOTO, tmp_path, size=64)
    assert sorted(p.name for p in paths) == sorted(f"{name}.png" for name in CLASSES)
    image = cv2.imread(str(tmp_path / "happy.png"), cv2.IMREAD_UNCHANGED)
    assert image.shape == (64, 64, 4) and image[0, 0, 3] == 0 and image[32, 32, 3] == 255
    before = (tmp_path / "angry.png").read_bytes()
    with pytest.raises(EmolibError, match="not overwriting"):
        render_emoji_set(NOTO, tmp_path, size=32)
    assert (tmp_path / "angry.png").read_bytes() == before
    assert main(["--font", str(NOTO), "--out", str(tmp_path), "--size", "32", "--overwrite"]) == 0
    assert cv2.imread(str(tmp_path / "angry.png"), cv2.IMREAD_UNCHANGED).shape == (32, 32, 4)
    with pytest.raises(SystemExit) as exit_info:
        main(["--font", str(NOTO), "--out", str(tmp_path)])
    assert exit_info.value.code == 1


def test_render_emoji_set_reports_a_bad_font(tmp_path: Path) -> None:
    font = tmp_path / "not-a-font.ttf"
    font.write_bytes(b"nope")
    with pytest.raises(EmolibError, match="cannot load emoji font"):
        render_emoji_set(font, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_glyph_table_covers_every_class() -> None:
    assert set(EMOJI_GLYPHS) == set(CLASSES)
    assert len(set(EMOJI_GLYPHS.values())) == len(CLASSES)


def test_drawing_imports_neither_pillow_nor_tensorflow() -> None:
    code = (
        "import sys, numpy as np, emolib\n"
        "from emolib.results import FaceResult\n"
        "emolib.annotate(np.zeros((240, 320, 3), np.uint8), [FaceResult((10, 10, 60, 60), np.full(7, 1 / 7))])\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PIL', 'tensorflow', 'keras')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])
