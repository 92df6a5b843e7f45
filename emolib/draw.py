"""Draw analysis results on BGR frames: a box per face and, beside it, a panel with emoji, label and bars.

>>> picture = annotate(image_bgr, analyzer.analyze(image_bgr))

Sizes follow the face and the frame (readable from 320x240 to 4K); panel layouts and emoji sizes are
computed once per size and cached, so a frame costs one copy plus a few small OpenCV calls per face. Where
each panel goes, and how much it shows in a crowd, is decided by :mod:`emolib.layout` (one engine for
images, videos and the live widget).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import cv2
import numpy as np

from emolib.emoji import emoji_image, overlay_rgba
from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.layout import Detail, PanelLayout, Placement, clip_boxes
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
#: Bars on a compact panel (the most likely classes).
COMPACT_BARS = 3


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
    bar_rows: int  # bars shown: every class (full panel), the top few (compact) or none
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


@lru_cache(maxsize=512)
def _layout(row: int, show_emoji: bool, bar_rows: int, show_ids: bool) -> _Layout:
    """The panel geometry for rows ``row`` pixels high and ``bar_rows`` bars (cached: a few sizes per video)."""
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
    width = max(header_w, rows_w) if bar_rows else header_w
    bar_x = pad + name_w + gap
    bar_w = width - bar_x - gap - pct_widths[-1] - pad
    _, cap_h, _ = _text_size("A", scale, thickness)
    bar_h = max(3, round(row * 0.5))
    height = header_h + (bar_rows * row + pad if bar_rows else 0)
    return _Layout(
        row=row, width=width, height=height, pad=pad, scale=scale, thickness=thickness,
        title_scale=title_scale, title_thickness=title_thickness, emoji=emoji,
        title_xy=title_xy, info_xy=info_xy, rows_y=header_h if bar_rows else -1, bar_rows=bar_rows,
        text_dy=(row + cap_h) // 2, bar_x=bar_x, bar_w=bar_w, bar_y=(row - bar_h) // 2, bar_h=bar_h,
        pct_right=width - pad, pct_widths=pct_widths, box_thickness=max(1, round(row / 11)),
    )


@lru_cache(maxsize=256)
def _tag_layout(row: int, show_emoji: bool) -> _Layout:
    """A one-line tag: emoji and emotion name, ``row`` pixels of text."""
    scale = row / 32.0
    thickness = max(1, round(scale * 1.3))
    title_scale = scale * 1.15
    title_thickness = max(1, round(title_scale * 1.6))
    pad = max(2, row // 5)
    emoji = round(row * 1.3) if show_emoji else 0
    title_w = max(_text_size(name, title_scale, title_thickness)[0] for name in CLASSES)
    _, title_h, _ = _text_size("Ag", title_scale, title_thickness)
    inner = max(emoji, title_h + 2)
    text_x = pad + (emoji + pad if emoji else 0)
    return _Layout(
        row=row, width=text_x + title_w + pad, height=inner + 2 * pad, pad=pad, scale=scale, thickness=thickness,
        title_scale=title_scale, title_thickness=title_thickness, emoji=emoji,
        title_xy=(text_x, pad + (inner + title_h) // 2), info_xy=(-1, -1), rows_y=-1, bar_rows=0,
        text_dy=0, bar_x=0, bar_w=0, bar_y=0, bar_h=0, pct_right=0, pct_widths=(),
        box_thickness=max(1, round(row / 11)),
    )


def _row_size(face_h: int, frame_w: int, frame_h: int) -> int:
    """Panel row height for a face: about a ninth of the face, bounded by the frame size."""
    short = min(frame_w, frame_h)
    low = max(MIN_ROW, round(short * 0.022))
    high = max(low, round(short * 0.045))
    row = int(min(max(face_h * 0.11, low), high))
    return row if row < 24 else row // 4 * 4  # coarser steps for big rows: fewer cached layouts


def _fit(layout: _Layout, make: Callable[[int], _Layout], frame_w: int, frame_h: int) -> _Layout:
    while (layout.width > frame_w or layout.height > frame_h) and layout.row > 6:
        layout = make(layout.row - 1)
    return layout


@lru_cache(maxsize=1024)
def _face_layouts(face_h: int, frame_w: int, frame_h: int, flags: tuple[bool, bool, bool]) -> dict[Detail, _Layout]:
    """The panel at each level of detail a face of ``face_h`` px may use (the badge: its side in ``row``)."""
    show_emoji, show_bars, show_ids = flags
    row = _row_size(face_h, frame_w, frame_h)
    layouts = {}
    if show_bars:
        layouts[Detail.FULL] = _fit(_layout(row, show_emoji, len(CLASSES), show_ids),
                                    lambda r: _layout(r, show_emoji, len(CLASSES), show_ids), frame_w, frame_h)
        layouts[Detail.COMPACT] = _fit(_layout(row, show_emoji, COMPACT_BARS, show_ids),
                                       lambda r: _layout(r, show_emoji, COMPACT_BARS, show_ids), frame_w, frame_h)
    else:
        layouts[Detail.FULL] = _fit(_layout(row, show_emoji, 0, show_ids),
                                    lambda r: _layout(r, show_emoji, 0, show_ids), frame_w, frame_h)
    layouts[Detail.TAG] = _fit(_tag_layout(row, show_emoji), lambda r: _tag_layout(r, show_emoji), frame_w, frame_h)
    return layouts


def _badge_side(face_h: int, row: int) -> int:
    return max(8, min(round(row * 1.6), face_h // 3))


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
        emoji_y = y0 + (layout.pad if layout.rows_y >= 0 or layout.info_xy[1] >= 0
                        else (y1 - y0 - layout.emoji) // 2)
        overlay_rgba(image, emoji_image(emotion, layout.emoji), x0 + layout.pad, emoji_y)
    probabilities = result.probabilities
    top = int(np.argmax(probabilities))
    tx, ty = layout.title_xy
    cv2.putText(image, emotion, (x0 + tx, y0 + ty), _FONT, layout.title_scale, color, layout.title_thickness, _AA)
    if layout.info_xy[1] < 0:  # a tag: emoji and emotion only
        return
    info = _PERCENTS[int(round(min(max(float(probabilities[top]), 0.0), 1.0) * 100))]
    if show_ids and result.face_id is not None:
        info = f"{info}  #{result.face_id}"
    ix, iy = layout.info_xy
    cv2.putText(image, info, (x0 + ix, y0 + iy), _FONT, layout.scale, _TEXT, layout.thickness, _AA)
    if layout.rows_y < 0:
        return
    rows = range(len(CLASSES)) if layout.bar_rows >= len(CLASSES) else \
        [int(i) for i in np.argsort(-np.asarray(probabilities), kind="stable")[:layout.bar_rows]]
    bar_x = x0 + layout.bar_x
    for row_index, i in enumerate(rows):
        name = CLASSES[i]
        row_y = y0 + layout.rows_y + row_index * layout.row
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


def _draw_badge(image: np.ndarray, rect: tuple[int, int, int, int], emotion: str, show_emoji: bool) -> None:
    x0, y0, x1, y1 = rect
    color = EMOTION_COLORS[emotion]
    cv2.rectangle(image, (x0, y0), (x1 - 1, y1 - 1), color, -1)
    side = min(x1 - x0, y1 - y0)
    if show_emoji and side >= 6:
        inner = max(4, side - 2)
        overlay_rgba(image, emoji_image(emotion, inner), x0 + (side - inner) // 2, y0 + (side - inner) // 2)


def annotate(
    image_bgr: np.ndarray,
    results: Sequence[FaceResult],
    *,
    copy: bool = True,
    show_bars: bool = True,
    show_emoji: bool = True,
    show_ids: bool = True,
    layout: PanelLayout | None = None,
) -> np.ndarray:
    """Draw every face's box and, beside it, a panel (emoji, emotion, confidence, ``#face_id``, bars).

    image_bgr : (H, W, 3) uint8 ndarray, BGR. results : FaceResult objects with boxes in image pixels.
    ``copy``: draw on a copy (default) or in place (then ``image_bgr`` must be writable and C-contiguous).
    ``show_bars``/``show_emoji``/``show_ids``: the probability bars, the emoji and the track id.
    ``layout``: the :class:`emolib.layout.PanelLayout` of a video or stream (keeps panels steady from frame to
    frame); a fresh one per call when omitted. Panels never cover a face or another panel and stay inside the
    frame; where a full panel does not fit, that face gets a compact panel, a tag or a badge (see
    :mod:`emolib.layout`). Returns the annotated (H, W, 3) uint8 BGR image.
    """
    check_bgr(image_bgr, "image to annotate")
    if copy:
        image = image_bgr.copy()
    elif not (image_bgr.flags.c_contiguous and image_bgr.flags.writeable):
        raise EmolibError("annotate(copy=False) needs a writable, C-contiguous image")
    else:
        image = image_bgr
    flags = (show_emoji, show_bars, show_ids)
    plan = _plan(image.shape, results, flags, layout)
    for result, (box, layouts, _) in zip(results, plan, strict=True):
        thickness = layouts[Detail.TAG].box_thickness
        cv2.rectangle(image, box[:2], (box[2] - 1, box[3] - 1), EMOTION_COLORS[result.emotion], thickness)
    for result, (_, layouts, placement) in zip(results, plan, strict=True):
        if placement.leader is not None:
            fx, fy, tx, ty = placement.leader
            cv2.line(image, (fx, fy), (tx, ty), EMOTION_COLORS[result.emotion], 1, _AA)
        if placement.detail == Detail.BADGE:
            _draw_badge(image, placement.rect, result.emotion, show_emoji)
        else:
            _draw_panel(image, placement.rect, layouts[placement.detail], result, show_ids)
    return image


def plan_panels(
    frame_shape: tuple[int, ...],
    results: Sequence[FaceResult],
    *,
    show_bars: bool = True,
    show_emoji: bool = True,
    show_ids: bool = True,
    layout: PanelLayout | None = None,
) -> list[dict[str, object]]:
    """What :func:`annotate` draws for each face, JSON-ready (the live widget paints from it).

    One dict per result, in order: :meth:`emolib.layout.Placement.to_dict` (``x, y, w, h`` in frame pixels,
    ``detail``, ``side``, ``leader``) plus ``row``, the panel's bar-row height in pixels.
    """
    plan = _plan(frame_shape, results, (show_emoji, show_bars, show_ids), layout)
    out = []
    for _, layouts, placement in plan:
        row = layouts[placement.detail].row if placement.detail != Detail.BADGE else layouts[Detail.TAG].row
        out.append({**placement.to_dict(), "row": row})
    return out


def panel_boxes(
    frame_shape: tuple[int, ...],
    results: Sequence[FaceResult],
    *,
    show_bars: bool = True,
    show_emoji: bool = True,
    show_ids: bool = True,
    layout: PanelLayout | None = None,
) -> list[tuple[int, int, int, int]]:
    """Where :func:`annotate` puts each face's panel: (x, y, w, h) in pixels, one per result, in order.

    ``frame_shape``: the image's shape, (H, W) or (H, W, 3). Every box lies inside the frame. A face that
    only got a badge (a crowded frame) gets the badge's square, which lies inside its own face box.
    """
    plan = _plan(frame_shape, results, (show_emoji, show_bars, show_ids), layout)
    return [placement.xywh for _, _, placement in plan]


def _plan(
    frame_shape: tuple[int, ...], results: Sequence[FaceResult], flags: tuple[bool, bool, bool],
    layout: PanelLayout | None,
) -> list[tuple[tuple[int, int, int, int], dict[Detail, _Layout], Placement]]:
    """(clipped face box (x0, y0, x1, y1), its panel layouts by level of detail, its placement) per result."""
    frame_h, frame_w = frame_shape[:2]
    boxes = clip_boxes([result.box for result in results], (frame_w, frame_h)).tolist()
    planned = [_face_plan(y1 - y0, frame_w, frame_h, flags) for _, y0, _, y1 in boxes]
    engine = layout if layout is not None else PanelLayout()
    placements = engine.place((frame_w, frame_h), [(x0, y0, x1 - x0, y1 - y0) for x0, y0, x1, y1 in boxes],
                              [sizes for _, sizes, _ in planned], [result.face_id for result in results],
                              [gap for _, _, gap in planned])
    return [(tuple(box), face_layouts, placement)
            for box, (face_layouts, _, _), placement in zip(boxes, planned, placements, strict=True)]


@lru_cache(maxsize=1024)
def _face_plan(face_h: int, frame_w: int, frame_h: int, flags: tuple[bool, bool, bool],
               ) -> tuple[dict[Detail, _Layout], dict[Detail, tuple[int, int]], int]:
    """A face's panel layouts by level, their (width, height) and the badge's side, and its gap (cached)."""
    face_layouts = _face_layouts(face_h, frame_w, frame_h, flags)
    sizes = {level: (panel.width, panel.height) for level, panel in face_layouts.items()}
    badge = _badge_side(face_h, face_layouts[Detail.TAG].row)
    sizes[Detail.BADGE] = (badge, badge)
    return face_layouts, sizes, max(2, face_layouts[Detail.TAG].row // 3)


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
