"""annotate(): boxes, panels with emoji and bars, placement inside the frame (its speed: benchmarks/bench_video.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from emolib.draw import EMOTION_COLORS, annotate, draw_fps, panel_boxes
from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.resources import DEFAULT_MODEL, bundled_path
from emolib.results import FaceResult


def face(box: tuple[int, int, int, int], emotion: str = "happy", face_id: int | None = None,
         top: float = 0.7) -> FaceResult:
    p = np.full(7, (1 - top) / 6, np.float32)
    p[CLASSES.index(emotion)] = top
    return FaceResult(box, p, 0.9, face_id)


def has_model() -> bool:
    try:
        return bundled_path("models", DEFAULT_MODEL).is_file()
    except EmolibError:
        return False


def gray(width: int = 640, height: int = 480, value: int = 128) -> np.ndarray:
    return np.full((height, width, 3), value, np.uint8)


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a != b).any(axis=2)


def intersect(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def assert_panel_fully_drawn(image: np.ndarray, panel: tuple[int, int, int, int], emotion: str) -> None:
    """The panel's border (emotion colour) is present on all four sides: nothing was clipped."""
    x, y, w, h = panel
    height, width = image.shape[:2]
    assert x >= 0 and y >= 0 and x + w <= width and y + h <= height, (panel, image.shape)
    color = np.array(EMOTION_COLORS[emotion], np.uint8)
    sides = {
        "top": image[y, x + 1:x + w - 1], "bottom": image[y + h - 1, x + 1:x + w - 1],
        "left": image[y + 1:y + h - 1, x], "right": image[y + 1:y + h - 1, x + w - 1],
    }
    for side, pixels in sides.items():
        assert (pixels == color).all(axis=1).mean() > 0.9, f"{side} border of {panel} missing"


def test_annotate_draws_box_and_panel_beside_the_face() -> None:
    image = gray()
    result = face((100, 120, 120, 140), "happy", 3)
    out = annotate(image, [result])
    (panel,) = panel_boxes(image.shape, [result])
    x, y, w, h = panel
    assert x >= 220, "the panel goes right of the face when there is room"
    color = np.array(EMOTION_COLORS["happy"], np.uint8)
    assert (out[120, 100:220] == color).all() and (out[120:260, 100] == color).all()  # box edges
    inner = changed(out, image)[y:y + h, x:x + w]
    assert inner.mean() > 0.95, "semi-transparent background over the whole panel"
    assert out[y + 2:y + h - 2, x + 2:x + w - 2].mean() < 100, "background is darkened"
    assert not changed(out, image)[300:, :90].any(), "nothing drawn far from the face"
    assert_panel_fully_drawn(out, panel, "happy")


def test_copy_leaves_the_input_alone_and_copy_false_draws_in_place() -> None:
    image = gray()
    before = image.copy()
    out = annotate(image, [face((50, 50, 100, 100))])
    assert out is not image and np.array_equal(image, before) and not np.array_equal(out, before)
    same = annotate(image, [face((50, 50, 100, 100))], copy=False)
    assert same is image and np.array_equal(image, out)


def test_zero_faces_returns_an_equal_copy() -> None:
    image = gray()
    out = annotate(image, [])
    assert out is not image and np.array_equal(out, image)


@pytest.mark.parametrize("box", [(0, 0, 120, 140), (520, 0, 120, 140), (0, 340, 120, 140), (520, 340, 120, 140),
                                 (-30, -20, 120, 140), (600, 420, 120, 140), (250, 0, 140, 480)])
def test_faces_at_the_edges_keep_the_panel_inside_the_frame(box: tuple[int, int, int, int]) -> None:
    image = gray()
    result = face(box, "sad")
    (panel,) = panel_boxes(image.shape, [result])
    assert_panel_fully_drawn(annotate(image, [result]), panel, "sad")


@pytest.mark.parametrize(("size", "face_box"), [((320, 240), (120, 60, 50, 60)),
                                                 ((3840, 2160), (1500, 600, 500, 600))])
def test_panels_fit_and_scale_from_small_frames_to_4k(size: tuple[int, int], face_box: tuple) -> None:
    image = gray(*size)
    result = face(face_box, "surprise", 4)
    (panel,) = panel_boxes(image.shape, [result])
    assert_panel_fully_drawn(annotate(image, [result]), panel, "surprise")
    _, _, w, h = panel
    assert not intersect(panel, face_box), "the panel never covers the face"
    if size[0] == 320:
        assert h >= 13 * 3 + 30, "no room for every bar beside the face: a compact panel, rows of at least 13 px"
        assert w <= 320 and h <= 240
    else:
        assert h >= 400, "panels grow with the face and the frame at 4K"
        assert w < 3840 // 2


def test_tiny_frames_still_get_a_panel_inside() -> None:
    image = gray(160, 120)
    result = face((60, 40, 30, 36), "fear")
    (panel,) = panel_boxes(image.shape, [result])
    assert_panel_fully_drawn(annotate(image, [result]), panel, "fear")


def test_two_faces_both_annotated_without_overlapping_panels() -> None:
    image = gray()
    results = [face((60, 80, 110, 130), "angry", 1), face((360, 80, 110, 130), "happy", 2)]
    out = annotate(image, results)
    diff = changed(out, image)
    panels = panel_boxes(image.shape, results)
    for result, panel in zip(results, panels, strict=True):
        x, y, w, h = result.box
        assert diff[y, x:x + w].all(), "box top edge drawn"
        assert_panel_fully_drawn(out, panel, result.emotion)
        for other in results:
            assert not intersect(panel, other.box), "panels never cover a face when there is room"
    assert not intersect(panels[0], panels[1])


def test_crowded_faces_avoid_overlap_where_possible() -> None:
    image = gray()
    results = [face((20, 20, 90, 100), "angry"), face((20, 250, 90, 100), "fear"),
               face((300, 20, 90, 100), "sad"), face((300, 250, 90, 100), "neutral")]
    panels = panel_boxes(image.shape, results)
    for i, panel in enumerate(panels):
        assert not any(intersect(panel, r.box) for r in results)
        assert not any(intersect(panel, other) for other in panels[i + 1:])


def test_a_panel_moves_aside_when_another_face_sits_right_of_it() -> None:
    image = gray()
    results = [face((200, 60, 100, 120), "angry"), face((310, 60, 100, 120), "happy"),
               face((200, 300, 100, 120), "sad")]
    panels = panel_boxes(image.shape, results)
    assert panels[0][0] + panels[0][2] <= 200, "left of the first face: its right side is taken by a face"
    for i, panel in enumerate(panels):
        assert not any(intersect(panel, r.box) for r in results), (i, panel)
        assert not any(intersect(panel, other) for other in panels[i + 1:]), (i, panel)


def test_bars_follow_the_probabilities() -> None:
    image = gray()
    box = (100, 100, 120, 140)
    happy_color = np.array(EMOTION_COLORS["happy"], np.uint8)
    counts = []
    for top in (0.2, 0.9):
        p = np.full(7, (1 - top) / 6, np.float32)
        p[CLASSES.index("happy")] = top
        out = annotate(image, [FaceResult(box, p)])
        x, y, w, h = panel_boxes(image.shape, [FaceResult(box, p)])[0]
        inner = out[y + 3:y + h - 3, x + 3:x + w - 3]  # without the border, which has the same colour
        counts.append(int((inner == happy_color).all(axis=2).sum(axis=1).max()))  # longest happy bar row
    assert counts[0] > 5 and 3.5 < counts[1] / counts[0] < 5.5


def test_options_change_what_is_drawn() -> None:
    image = gray()
    result = face((100, 100, 120, 140), "neutral", 7)
    full = panel_boxes(image.shape, [result])[0]
    no_bars = panel_boxes(image.shape, [result], show_bars=False)[0]
    no_emoji = panel_boxes(image.shape, [result], show_bars=False, show_emoji=False)[0]
    assert no_bars[3] < full[3] / 2 and no_emoji[3] < no_bars[3]
    with_id = annotate(image, [result])
    without_id = annotate(image, [face((100, 100, 120, 140), "neutral", None)])
    assert not np.array_equal(with_id, without_id)
    assert np.array_equal(annotate(image, [result], show_ids=False),
                          annotate(image, [face((100, 100, 120, 140), "neutral", None)], show_ids=False))
    x, y, w, h = no_bars
    assert changed(annotate(image, [result], show_bars=False), image)[y:y + h, x:x + w].mean() > 0.95


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(EmolibError, match="uint8"):
        annotate(np.zeros((10, 10), np.uint8), [])
    with pytest.raises(EmolibError, match="uint8"):
        annotate(np.zeros((10, 10, 3), np.float32), [])
    with pytest.raises(EmolibError, match="C-contiguous"):
        annotate(gray()[:, ::2], [], copy=False)


def test_emotion_colors_cover_every_class_and_differ() -> None:
    assert set(EMOTION_COLORS) == set(CLASSES)
    assert len(set(EMOTION_COLORS.values())) == len(CLASSES)
    assert all(len(c) == 3 and all(isinstance(v, int) and 0 <= v <= 255 for v in c) for c in EMOTION_COLORS.values())


def test_draw_fps_writes_in_the_top_left_corner() -> None:
    image = gray()
    assert draw_fps(image, 123.4) is image
    diff = changed(image, gray())
    assert diff[:30, :120].mean() > 0.5 and not diff[60:].any() and not diff[:, 200:].any()


def test_annotate_again_gives_the_same_picture_and_leaves_the_input_alone() -> None:
    """Layouts are cached per size: a repeated call draws the same pixels; the default draws on a copy.

    (What a call costs is measured by benchmarks/bench_video.py, goal <= 5 ms at 640x480.)
    """
    image = gray()
    results = [face((250, 150, 110, 130), "happy", 3)]
    first = annotate(image, results)
    assert first is not image and np.array_equal(image, gray())
    for _ in range(3):
        np.testing.assert_array_equal(annotate(image, results), first)
    assert changed(first, image)[150:280, 250:360].any()


@pytest.mark.skipif(not has_model(), reason="bundled model missing")
def test_astronaut_photo_end_to_end() -> None:
    from skimage import data

    from emolib import Analyzer

    image = np.ascontiguousarray(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    results = Analyzer().analyze(image)
    assert len(results) >= 1
    x, y, w, h = results[0].box
    assert 120 < x + w / 2 < 320 and 40 < y + h / 2 < 220, "the astronaut's face"
    out = annotate(image, results)
    assert changed(out, image)[y, x:x + w].mean() > 0.9
    assert_panel_fully_drawn(out, panel_boxes(image.shape, results)[0], results[0].emotion)
