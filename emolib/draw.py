"""Draw analysis results on BGR frames: a box per face and, beside it, a panel with emoji, label and bars.

>>> picture = annotate(image_bgr, analyzer.analyze(image_bgr))

Sizes follow the face and the frame (readable from 320x240 to 4K); panel layouts and emoji sizes are
computed once per size and cached, so a frame costs one copy plus a few small OpenCV calls per face.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import cv2
import numpy as np

from emolib.emoji import emoji_image, overlay_rgba
from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.media.images import check_bgr

if TYPE_CHECKING:
    from emolib.results import FaceResult

#: Box, title and bar colour of each class, BGR.
EMOTION_COLORS: dict[str, tuple[int, int, int]] = {
    "angry": (60, 60, 235),
    "disgust": (60, 175, 95),
    "fear": (190, 100, 170),
    "happy": (0, 210, 255),
    "sad": (235, 145, 60),
    "surprise": (0, 140, 255),
    "neutral": (200, 200, 200),
}

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_AA = cv2.LINE_AA
#: Smallest panel row height in pixels (text stays readable at about 0.4 font scale).
MIN_ROW = 13
_TEXT = (255, 255, 255)
_DIM_TEXT = (190, 190, 190)
_TRACK = (70, 70, 70)
_PERCENTS = tuple(f"{i}%" for i in range(101))


@dataclass(frozen=True)
class _Layout:
    """Pixel geometry of one panel, relative to its top-left corner."""

    row: int
    width: int
    height: int
    pad: int
    scale: float
    thickness: int
    title_scale: float
    title_thickness: int
    emoji: int  # emoji side, 0 when hidden
    title_xy: tuple[int, int]  # baseline origin of the emotion name
    info_xy: tuple[int, int]  # baseline origin of "87%  #3"
    rows_y: int  # top of the first bar row, -1 when bars are hidden
    text_dy: int  # baseline offset inside a row
    bar_x: int
    bar_w: int
    bar_y: int  # bar top offset inside a row
    bar_h: int
    pct_right: int  # right edge of the percent column
    pct_widths: tuple[int, ...]  # text width of "0%" .. "100%"
    box_thickness: int


def _text_size(text: str, scale: float, thickness: int) -> tuple[int, int, int]:
    (w, h), baseline = cv2.getTextSize(text, _FONT, scale, thickness)
    return w, h, baseline


@lru_cache(maxsize=256)
def _layout(row: int, show_emoji: bool, show_bars: bool, show_ids: bool) -> _Layout:
    """The panel geometry for rows ``row`` pixels high (cached: a handful of sizes per video)."""
    scale = row / 32.0
    thickness = max(1, round(scale * 1.3))
    title_scale = scale * 1.3
    title_thickness = max(1, round(title_scale * 1.6))
    pad = max(3, row // 4)
    gap = max(3, row // 3)

    emoji = round(row * 2.4) if show_emoji else 0
    title_w = max(_text_size(name, title_scale, title_thickness)[0] for name in CLASSES)
    _, title_h, _ = _text_size("Ag", title_scale, title_thickness)
    info_w, info_h, info_base = _text_size("100%  #000" if show_ids else "100%", scale, thickness)
    text_h = title_h + gap + info_h + info_base
    header_inner = max(emoji, text_h)
    text_x = pad + (emoji + gap if emoji else 0)
    text_top = pad + (header_inner - text_h) // 2
    title_xy = (text_x, text_top + title_h)
    info_xy = (text_x, text_top + title_h + gap + info_h)
    header_w = text_x + max(title_w, info_w) + pad
    header_h = pad + header_inner + pad

    name_w = max(_text_size(name, scale, thickness)[0] for name in CLASSES)
    pct_widths = tuple(_text_size(p, scale, thickness)[0] for p in _PERCENTS)
    rows_w = pad + name_w + gap + round(row * 4.5) + gap + pct_widths[-1] + pad
    width = max(header_w, rows_w) if show_bars else header_w
    bar_x = pad + name_w + gap
    bar_w = width - bar_x - gap - pct_widths[-1] - pad
    _, cap_h, _ = _text_size("A", scale, thickness)
    bar_h = max(3, round(row * 0.5))
    height = header_h + (len(CLASSES) * row + pad if show_bars else 0)
    return _Layout(
        row=row, width=width, height=height, pad=pad, scale=scale, thickness=thickness,
        title_scale=title_scale, title_thickness=title_thickness, emoji=emoji,
        title_xy=title_xy, info_xy=info_xy, rows_y=header_h if show_bars else -1,
        text_dy=(row + cap_h) // 2, bar_x=bar_x, bar_w=bar_w, bar_y=(row - bar_h) // 2, bar_h=bar_h,
        pct_right=width - pad, pct_widths=pct_widths, box_thickness=max(1, round(row / 11)),
    )


def _row_size(face_h: int, frame_w: int, frame_h: int) -> int:
    """Panel row height for a face: about a ninth of the face, bounded by the frame size."""
    short = min(frame_w, frame_h)
    low = max(MIN_ROW, round(short * 0.022))
    high = max(low, round(short * 0.045))
    row = int(min(max(face_h * 0.11, low), high))
    return row if row < 24 else row // 4 * 4  # coarser steps for big rows: fewer cached layouts


def _fitting_layout(face_h: int, frame_w: int, frame_h: int, flags: tuple[bool, bool, bool]) -> _Layout:
    layout = _layout(_row_size(face_h, frame_w, frame_h), *flags)
    while (layout.width > frame_w or layout.height > frame_h) and layout.row > 6:
        layout = _layout(layout.row - 1, *flags)
    return layout


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    """Intersection area of two (x0, y0, x1, y1) rectangles."""
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def _place(
    box: tuple[int, int, int, int],
    size: tuple[int, int],
    frame_wh: tuple[int, int],
    faces: list[tuple[int, int, int, int]],
    panels: list[tuple[int, int, int, int]],
    gap: int,
) -> tuple[int, int, int, int]:
    """Panel rectangle (x0, y0, x1, y1) inside the frame: right of the face, else left, below, above.

    Candidates are shifted into the frame and scored by how much they cover faces (own face worst) and
    panels already placed; the first candidate that covers nothing wins. In crowded frames a coarse grid
    of positions is tried too, weighing what a position covers against its distance from the face.
    """
    fx0, fy0, fx1, fy1 = box
    pw, ph = size
    fw, fh = frame_wh

    per_pixel = max(1, min(pw, ph) // 8)  # moving a panel 8 px further weighs as much as covering a strip

    def cost(x: int, y: int) -> tuple[int, int]:
        rect = (x, y, x + pw, y + ph)
        covered = 8 * _overlap(rect, box) + 4 * sum(_overlap(rect, f) for f in faces)
        covered += sum(_overlap(rect, p) for p in panels)
        distance = max(0, fx0 - x - pw, x - fx1) + max(0, fy0 - y - ph, y - fy1)
        return covered + per_pixel * max(0, distance - gap), distance

    candidates = (
        (fx1 + gap, fy0), (fx0 - gap - pw, fy0),  # right, left (top-aligned)
        (fx1 + gap, fy1 - ph), (fx0 - gap - pw, fy1 - ph),  # right, left (bottom-aligned)
        (fx0, fy1 + gap), (fx1 - pw, fy1 + gap),  # below
        (fx0, fy0 - gap - ph), (fx1 - pw, fy0 - gap - ph),  # above
    )
    clamped = [(min(max(x, 0), fw - pw), min(max(y, 0), fh - ph)) for x, y in candidates]
    scored = [(cost(x, y), rank, x, y) for rank, (x, y) in enumerate(clamped)]
    for (covered, _), _, x, y in scored:
        if covered == 0:
            return x, y, x + pw, y + ph
    steps = 8
    scored += [(cost(x, y), len(clamped), x, y)
               for x in {(fw - pw) * i // steps for i in range(steps + 1)}
               for y in {(fh - ph) * j // steps for j in range(steps + 1)}]
    _, _, x, y = min(scored)
    return x, y, x + pw, y + ph


def _connect(image: np.ndarray, box: tuple[int, int, int, int], rect: tuple[int, int, int, int],
             color: tuple[int, int, int], near: int) -> None:
    """A line from the face box to its panel when the panel had to go further than ``near`` pixels."""
    px, py = (rect[0] + rect[2]) // 2, (rect[1] + rect[3]) // 2
    fx, fy = min(max(px, box[0]), box[2] - 1), min(max(py, box[1]), box[3] - 1)
    tx, ty = min(max(fx, rect[0]), rect[2] - 1), min(max(fy, rect[1]), rect[3] - 1)
    if abs(tx - fx) + abs(ty - fy) > near:
        cv2.line(image, (fx, fy), (tx, ty), color, 1, _AA)


def _draw_panel(image: np.ndarray, rect: tuple[int, int, int, int], layout: _Layout, result: FaceResult,
                show_ids: bool) -> None:
    x0, y0, x1, y1 = rect
    emotion = result.emotion
    color = EMOTION_COLORS[emotion]
    roi = image[y0:y1, x0:x1]
    cv2.convertScaleAbs(roi, dst=roi, alpha=0.35)  # semi-transparent dark background
    border = max(1, layout.box_thickness // 2)
    inset = border // 2
    cv2.rectangle(image, (x0 + inset, y0 + inset), (x1 - 1 - inset, y1 - 1 - inset), color, border)
    if layout.emoji:
        overlay_rgba(image, emoji_image(emotion, layout.emoji), x0 + layout.pad, y0 + layout.pad)
    probabilities = result.probabilities
    top = int(np.argmax(probabilities))
    tx, ty = layout.title_xy
    cv2.putText(image, emotion, (x0 + tx, y0 + ty), _FONT, layout.title_scale, color, layout.title_thickness, _AA)
    info = _PERCENTS[int(round(min(max(float(probabilities[top]), 0.0), 1.0) * 100))]
    if show_ids and result.face_id is not None:
        info = f"{info}  #{result.face_id}"
    ix, iy = layout.info_xy
    cv2.putText(image, info, (x0 + ix, y0 + iy), _FONT, layout.scale, _TEXT, layout.thickness, _AA)
    if layout.rows_y < 0:
        return
    bar_x = x0 + layout.bar_x
    for i, name in enumerate(CLASSES):
        row_y = y0 + layout.rows_y + i * layout.row
        value = min(max(float(probabilities[i]), 0.0), 1.0)
        percent = int(round(value * 100))
        text_y = row_y + layout.text_dy
        name_color = _TEXT if i == top else _DIM_TEXT
        cv2.putText(image, name, (x0 + layout.pad, text_y), _FONT, layout.scale, name_color, layout.thickness, _AA)
        bar_y = row_y + layout.bar_y
        bar_bottom = bar_y + layout.bar_h - 1
        cv2.rectangle(image, (bar_x, bar_y), (bar_x + layout.bar_w - 1, bar_bottom), _TRACK, -1)
        filled = round(value * layout.bar_w)
        if filled:
            cv2.rectangle(image, (bar_x, bar_y), (bar_x + filled - 1, bar_bottom), EMOTION_COLORS[name], -1)
        pct_x = x0 + layout.pct_right - layout.pct_widths[percent]
        cv2.putText(image, _PERCENTS[percent], (pct_x, text_y), _FONT, layout.scale, name_color, layout.thickness,
                    _AA)


def annotate(
    image_bgr: np.ndarray,
    results: Sequence[FaceResult],
    *,
    copy: bool = True,
    show_bars: bool = True,
    show_emoji: bool = True,
    show_ids: bool = True,
) -> np.ndarray:
    """Draw every face's box and, beside it, a panel (emoji, emotion, confidence, ``#face_id``, bars).

    image_bgr : (H, W, 3) uint8 ndarray, BGR. results : FaceResult objects with boxes in image pixels.
    ``copy``: draw on a copy (default) or in place (then ``image_bgr`` must be writable and C-contiguous).
    ``show_bars``/``show_emoji``/``show_ids``: the probability bars, the emoji and the track id.
    Returns the annotated (H, W, 3) uint8 BGR image. Panels stay inside the frame and avoid faces and
    each other where the frame has room.
    """
    check_bgr(image_bgr, "image to annotate")
    if copy:
        image = image_bgr.copy()
    elif not (image_bgr.flags.c_contiguous and image_bgr.flags.writeable):
        raise EmolibError("annotate(copy=False) needs a writable, C-contiguous image")
    else:
        image = image_bgr
    plan = _plan(image.shape, results, (show_emoji, show_bars, show_ids))
    for result, (box, layout, _) in zip(results, plan, strict=True):
        cv2.rectangle(image, box[:2], (box[2] - 1, box[3] - 1), EMOTION_COLORS[result.emotion], layout.box_thickness)
    for result, (box, layout, rect) in zip(results, plan, strict=True):
        _connect(image, box, rect, EMOTION_COLORS[result.emotion], max(2, layout.row // 3) * 2)
        _draw_panel(image, rect, layout, result, show_ids)
    return image


def panel_boxes(
    frame_shape: tuple[int, ...],
    results: Sequence[FaceResult],
    *,
    show_bars: bool = True,
    show_emoji: bool = True,
    show_ids: bool = True,
) -> list[tuple[int, int, int, int]]:
    """Where :func:`annotate` puts each face's panel: (x, y, w, h) in pixels, one per result, in order.

    ``frame_shape``: the image's shape, (H, W) or (H, W, 3). Every box lies inside the frame.
    """
    plan = _plan(frame_shape, results, (show_emoji, show_bars, show_ids))
    return [(x0, y0, x1 - x0, y1 - y0) for _, _, (x0, y0, x1, y1) in plan]


def _plan(
    frame_shape: tuple[int, ...], results: Sequence[FaceResult], flags: tuple[bool, bool, bool]
) -> list[tuple[tuple[int, int, int, int], _Layout, tuple[int, int, int, int]]]:
    """(clipped face box, panel layout, panel rectangle) per result; rectangles are (x0, y0, x1, y1)."""
    frame_h, frame_w = frame_shape[:2]
    boxes = []
    for result in results:
        x, y, w, h = (int(v) for v in result.box)
        x0, y0 = min(max(x, 0), frame_w - 1), min(max(y, 0), frame_h - 1)
        boxes.append((x0, y0, max(min(x + w, frame_w), x0 + 1), max(min(y + h, frame_h), y0 + 1)))
    plan = []
    panels: list[tuple[int, int, int, int]] = []
    for index, box in enumerate(boxes):
        layout = _fitting_layout(box[3] - box[1], frame_w, frame_h, flags)
        others = boxes[:index] + boxes[index + 1:]
        rect = _place(box, (layout.width, layout.height), (frame_w, frame_h), others, panels,
                      max(2, layout.row // 3))
        panels.append(rect)
        plan.append((box, layout, rect))
    return plan


def draw_fps(image_bgr: np.ndarray, fps: float) -> np.ndarray:
    """Write "NN.N fps" in the top-left corner of ``image_bgr`` in place; returns it.

    image_bgr : (H, W, 3) uint8 ndarray, BGR (writable). Text size follows the frame size.
    """
    frame_h, frame_w = image_bgr.shape[:2]
    scale = max(0.4, min(frame_w, frame_h) / 800)
    thickness = max(1, round(scale * 1.5))
    text = f"{fps:.1f} fps"
    (w, h), baseline = cv2.getTextSize(text, _FONT, scale, thickness)
    pad = max(3, round(h * 0.4))
    x1, y1 = min(w + 2 * pad, frame_w), min(h + baseline + 2 * pad, frame_h)
    roi = image_bgr[:y1, :x1]
    cv2.convertScaleAbs(roi, dst=roi, alpha=0.35)
    cv2.putText(image_bgr, text, (pad, pad + h), _FONT, scale, _TEXT, thickness, _AA)
    return image_bgr
