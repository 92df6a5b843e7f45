"""Where each face's panel goes: one layout engine for images, videos and the live widget (pure geometry).

>>> layout = PanelLayout()
>>> placements = layout.place((640, 480), boxes, sizes, ids)   # one Placement per face, in input order

Rules, in order: a panel never overlaps another panel; it never covers a face box (its own included); it
stays inside the frame; it sits as close to its face as it can (``Placement.leader`` gives a line's end
points when it had to go further). When the full panel does not fit, the face degrades on its own, not the
whole frame: ``Detail.FULL`` -> ``COMPACT`` -> ``TAG`` -> ``BADGE`` (a small square inside the box's corner,
on its edge: the one level that lies on its own face, and never on another face or panel).

Method: greedy placement over candidate slots, largest faces first. For each face and level of detail the
candidates are slots beside the box (right, left, below, above; slid along the box's side in quarter-panel
steps), then a grid of slots further away within reach. Candidates are tested against every face box and
every panel already placed (NumPy, vectorised) and the free slot of least cost wins: distance from the face,
plus a fixed cost per side (right < left < below < above), with the face's previous side and offset
preferred. Stable in time (video, live): keyed by face id, a face keeps its level of detail and side while
they still fit, drops a level at once when it must, and moves up a level only after it has fitted for
``upgrade_after`` consecutive frames (hysteresis).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

import numpy as np

#: A rectangle in frame pixels: (x0, y0, x1, y1), x1 and y1 exclusive.
Rect = tuple[int, int, int, int]

SIDES = ("right", "left", "below", "above")
#: Cost of a side, in units of the panel's gap: right is the reading order, above the last resort.
_SIDE_COST = {"right": 0.0, "left": 2.0, "below": 4.0, "above": 6.0, "apart": 12.0}
#: What keeping last frame's side is worth: more than any two sides differ, so a panel changes side only when
#: its side is taken, and does not come back the next frame.
_KEEP_SIDE = 10.0
_SLIDE_STEPS = 4  # slots per panel length when sliding along a side
_GRID = 5  # slots per axis of the "apart" search window


class Detail(IntEnum):
    """Level of detail of a face's panel, lowest first."""

    BADGE = 0  #: coloured box, small emoji badge on its corner
    TAG = 1  #: emoji and emotion
    COMPACT = 2  #: emoji, emotion, confidence, the top few bars
    FULL = 3  #: emoji, emotion, confidence, id, every bar


@dataclass(frozen=True, slots=True)
class Placement:
    """One face's panel: its level of detail, rectangle (x0, y0, x1, y1) in frame pixels and side.

    ``side``: "right", "left", "below", "above", "apart" (further away: ``leader`` is then the line's end
    points (x0, y0, x1, y1), from the box's edge to the panel's) or "badge" (``rect`` inside the face box).
    """

    detail: Detail
    rect: Rect
    side: str
    leader: Rect | None = None

    @property
    def xywh(self) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = self.rect
        return x0, y0, x1 - x0, y1 - y0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: ``{"x", "y", "w", "h", "detail": "full" | ..., "side", "leader": [x0, y0, x1, y1] | None}``."""
        x, y, w, h = self.xywh
        return {"x": x, "y": y, "w": w, "h": h, "detail": self.detail.name.lower(), "side": self.side,
                "leader": list(self.leader) if self.leader else None}


@dataclass(slots=True)
class _Memory:
    detail: Detail
    side: str
    offset: float  # where along its side the panel sat, relative to the box
    fitted_above: int  # consecutive frames in which the next level up would have fitted beside the face
    seen: int  # frame number when last placed


def clip_boxes(boxes: Sequence[Sequence[float]], frame_wh: tuple[int, int]) -> np.ndarray:
    """(N, 4) int64 (x0, y0, x1, y1) boxes from (x, y, w, h) ones, clipped to the frame, at least 1 px each."""
    frame_w, frame_h = frame_wh
    xywh = np.asarray(boxes, np.float64).reshape(-1, 4)
    if not np.isfinite(xywh).all():
        raise ValueError("face boxes must be finite numbers")
    x, y = np.trunc(xywh[:, 0]).astype(np.int64), np.trunc(xywh[:, 1]).astype(np.int64)
    x1, y1 = np.trunc(xywh[:, 0] + xywh[:, 2]).astype(np.int64), np.trunc(xywh[:, 1] + xywh[:, 3]).astype(np.int64)
    x0, y0 = np.clip(x, 0, frame_w - 1), np.clip(y, 0, frame_h - 1)
    return np.stack([x0, y0, np.maximum(np.minimum(x1, frame_w), x0 + 1), np.maximum(np.minimum(y1, frame_h), y0 + 1)],
                    axis=1)


def _levels(sizes: Mapping[Detail, tuple[int, int]]) -> tuple[tuple[int, int, int], ...]:
    """(level, width, height) of each panel level, highest first (the badge apart)."""
    return tuple(sorted(((int(level), *size) for level, size in sizes.items() if level != Detail.BADGE),
                        reverse=True))


def badge_rect(box: Rect, side: int) -> Rect:
    """The badge: a ``side``-px square inside ``box``'s top-left corner (shrunk to fit small boxes)."""
    x0, y0, x1, y1 = box
    side = max(1, min(side, x1 - x0, y1 - y0))
    return x0, y0, x0 + side, y0 + side


def overlaps(a: Rect, b: Rect) -> bool:
    """Whether two (x0, y0, x1, y1) rectangles share any pixel."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class PanelLayout:
    """The layout engine; keep one per video or stream so panels stay put from frame to frame.

    ``upgrade_after``: frames a higher level of detail must fit before a face moves up to it.
    ``forget_after``: frames after which an absent face id is forgotten.
    ``reach``: how far (in panel heights) a panel may go from its face before it degrades instead.
    """

    def __init__(self, *, upgrade_after: int = 8, forget_after: int = 90, reach: float = 1.5) -> None:
        self.upgrade_after = upgrade_after
        self.forget_after = forget_after
        self.reach = reach
        self._memory: dict[int, _Memory] = {}
        self._frame = 0

    def reset(self) -> None:
        """Forget every face (a new video or stream)."""
        self._memory.clear()
        self._frame = 0

    def place(
        self,
        frame_wh: tuple[int, int],
        boxes: Sequence[Sequence[float]],
        sizes: Sequence[Mapping[Detail, tuple[int, int]]],
        ids: Sequence[int | None] | None = None,
        gaps: Sequence[int] | None = None,
    ) -> list[Placement]:
        """One :class:`Placement` per face, in the order of ``boxes``.

        frame_wh : (width, height) in pixels. boxes : (x, y, w, h) per face, frame pixels.
        sizes : per face, the (width, height) of its panel at each level of detail it may use (a level that
        is missing is skipped; ``Detail.BADGE``'s size is the badge's side, both numbers equal).
        ids : track ids (video, live) for stability from frame to frame; ``None`` for stills.
        gaps : pixels between a face and its panel, per face (default: a tenth of the badge side, >= 2).
        """
        self._frame += 1
        frame_w, frame_h = frame_wh
        ids = list(ids) if ids is not None else [None] * len(boxes)
        if not (len(ids) == len(sizes) == len(boxes)):
            raise ValueError(f"{len(boxes)} boxes, {len(sizes)} sizes and {len(ids)} ids: one each per face")
        faces = clip_boxes(boxes, frame_wh)
        count = len(faces)
        obstacles = np.empty((4, 2 * count), np.int32)  # every face box, then the panels placed so far
        obstacles[:, :count] = faces.T
        used = count
        areas = (faces[:, 2] - faces[:, 0]) * (faces[:, 3] - faces[:, 1])
        out: list[Placement | None] = [None] * count
        face_list = faces.tolist()
        for i in sorted(range(count), key=lambda i: (-int(areas[i]), i)):
            box: Rect = tuple(face_list[i])
            face_sizes = sizes[i]
            badge = face_sizes.get(Detail.BADGE, (0, 0))[0] or max(8, (box[3] - box[1]) // 5)
            gap = gaps[i] if gaps is not None else max(2, badge // 10)
            levels = _levels(face_sizes)
            face_id = ids[i]
            memory = self._memory.get(face_id) if face_id is not None else None
            placement, fits_above = self._place_one(box, levels, gap, memory, obstacles[:, :used], frame_wh)
            if placement is None:
                placement = Placement(Detail.BADGE, badge_rect(box, badge), "badge")
            else:
                obstacles[:, used] = placement.rect
                used += 1
            out[i] = placement
            if face_id is not None:
                fitted = (memory.fitted_above + 1 if memory is not None else 1) if fits_above else 0
                self._memory[face_id] = _Memory(placement.detail, placement.side,
                                                _offset(placement.rect, box, placement.side), fitted, self._frame)
        self._forget()
        return [p for p in out if p is not None]

    def _place_one(self, box: Rect, levels: tuple[tuple[int, int, int], ...], gap: int, memory: _Memory | None,
                   obstacles: np.ndarray, frame_wh: tuple[int, int]) -> tuple[Placement | None, bool]:
        """The best free slot over every level at once: beside the face first (highest level that fits),
        then further away; and whether the level above the chosen one would have fitted beside the face."""
        if not levels:
            return None, False
        ceiling: int = Detail.FULL
        if memory is not None:  # hysteresis: no higher than last time, unless it has fitted for a while
            higher = [level for level, _, _ in levels if level > memory.detail]
            ceiling = memory.detail if memory.fitted_above < self.upgrade_after or not higher else min(higher)
        found = _choose(_slots(box[2] - box[0], box[3] - box[1], levels, gap, self.reach), box, gap, memory,
                        ceiling, obstacles, frame_wh)
        return found if found is not None else (None, False)

    def _forget(self) -> None:
        stale = [key for key, memory in self._memory.items() if self._frame - memory.seen > self.forget_after]
        for key in stale:
            del self._memory[key]


_SIDE_NAMES = (*SIDES, "apart")


def _choose(slots: _Slots, box: Rect, gap: int, memory: _Memory | None, ceiling: int, obstacles: np.ndarray,
            frame_wh: tuple[int, int]) -> tuple[Placement, bool] | None:
    """The free slot beside the face at the highest level (up to ``ceiling``) and least cost, else the best one
    further away; and whether a higher level than the chosen one had a free slot beside the face too.
    ``obstacles``: (4, M) int32 rows x0, y0, x1, y1 of the faces and panels placed.

    Written for few NumPy calls (this runs once or twice per face and frame): candidate extents and base
    scores are cached per face size, and moving candidates into the frame is skipped when none leaves it.
    """
    if not len(slots.level):
        return None
    frame_w, frame_h = frame_wh
    bx, by = box[0], box[1]
    lo_x, lo_y, hi_x, hi_y = bx + slots.extent[0], by + slots.extent[1], bx + slots.extent[2], by + slots.extent[3]
    inside = lo_x >= 0 and lo_y >= 0 and hi_x <= frame_w and hi_y <= frame_h
    if inside:
        left, top = slots.x + bx, slots.y + by
        score = slots.score
    else:  # move candidates into the frame; the move costs as much as that distance from the face
        wanted_x, wanted_y = slots.x + bx, slots.y + by
        left = np.minimum(np.maximum(wanted_x, 0), frame_w - slots.w)
        top = np.minimum(np.maximum(wanted_y, 0), frame_h - slots.h)
        score = slots.score + (np.abs(left - wanted_x) + np.abs(top - wanted_y)) / max(gap, 1)
        score = np.where((slots.w <= frame_w) & (slots.h <= frame_h), score, np.inf)
        # where the moved candidates can be, at most (keeps the obstacle filter tight near the frame's edge)
        max_w, max_h = slots.largest
        lo_x, lo_y = max(0, min(lo_x, frame_w - max_w)), max(0, min(lo_y, frame_h - max_h))
        hi_x, hi_y = min(frame_w, max(hi_x, max_w)), min(frame_h, max(hi_y, max_h))
    right, bottom = left + slots.w, top + slots.h
    # the obstacles near any candidate, then each candidate against each of them
    ox0, oy0, ox1, oy1 = obstacles
    near = (ox0 < hi_x) & (ox1 > lo_x) & (oy0 < hi_y) & (oy1 > lo_y)
    if near.any():
        o = obstacles[:, near][:, None, :]  # (4, 1, M)
        hit = (left[:, None] < o[2]) & (o[0] < right[:, None])
        hit &= top[:, None] < o[3]
        hit &= o[1] < bottom[:, None]
        score = np.where(hit.any(axis=1), np.inf, score)
    if memory is not None and memory.side in _SIDE_NAMES:  # keep the side and the place along it
        same = slots.side == _SIDE_NAMES.index(memory.side)
        score = score - same * (_KEEP_SIDE - np.abs(slots.offset - memory.offset) * slots.offset_scale)
    level = slots.level
    allowed = np.where(level <= ceiling, score, np.inf)
    best = int(np.argmin(allowed))
    if allowed[best] == np.inf:  # nothing free at or below the remembered level
        best = int(np.argmin(score))
        if score[best] == np.inf:
            return None
        free_levels = level[score < np.inf]
        best = int(np.argmin(np.where((level == free_levels.min()) & (score < np.inf), score, np.inf)))
    chosen = int(level[best])
    side = _SIDE_NAMES[int(slots.side[best])]
    rect = (int(left[best]), int(top[best]), int(right[best]), int(bottom[best]))
    fits_above = chosen < Detail.FULL and bool(((level > chosen) & ~slots.apart & (score < np.inf)).any())
    return Placement(Detail(chosen), rect, side, _leader(box, rect) if side == "apart" else None), fits_above


@dataclass(frozen=True, eq=False)
class _Slots:
    """Candidate panel slots for one face size, relative to the box's top-left corner (cached by size)."""

    x: np.ndarray  # (K,) int32 left edge, relative to the box's
    y: np.ndarray  # (K,) int32 top edge, relative to the box's
    w: np.ndarray  # (K,) int32 panel width
    h: np.ndarray  # (K,) int32 panel height
    level: np.ndarray  # (K,) Detail
    side: np.ndarray  # (K,) index into _SIDE_NAMES
    offset: np.ndarray  # (K,) float64 position along the side
    offset_scale: np.ndarray  # (K,) float64 cost of moving one pixel along the side (2 per panel length)
    apart: np.ndarray  # (K,) bool: further away (leader line), not beside the face
    score: np.ndarray  # (K,) float64: 1e7 for being apart (beside first), -1e6 per level (higher first),
    #                    plus the side's cost, the offset's and the distance from the box in gaps
    extent: tuple[int, int, int, int]  # the candidates' bounding box, relative to the box
    largest: tuple[int, int]  # the widest and the tallest panel



@lru_cache(maxsize=4096)
def _slots(box_w: int, box_h: int, levels: tuple[tuple[int, int, int], ...], gap: int,
           reach: float) -> _Slots:
    """The slots beside the box (each side, slid in quarter-panel steps) and further away (a grid in reach)."""
    parts: list[tuple[np.ndarray, ...]] = []
    for level, w, h in levels:
        if w <= 0 or h <= 0:
            continue
        vertical = np.arange(-_SLIDE_STEPS, _SLIDE_STEPS + 1) * max(1, h // _SLIDE_STEPS)
        vertical = vertical[(vertical > -h) & (vertical < box_h)]  # the panel still spans part of the face
        horizontal = np.arange(-_SLIDE_STEPS, _SLIDE_STEPS + 1) * max(1, w // _SLIDE_STEPS)
        horizontal = horizontal[(horizontal > -w) & (horizontal < box_w)]
        far = int(reach * h) + gap
        grid_x = np.linspace(-far - w, box_w + far, _GRID).astype(np.int64)
        grid_y = np.linspace(-far - h, box_h + far, _GRID).astype(np.int64)
        gx, gy = (a.ravel() for a in np.meshgrid(grid_x, grid_y))
        for wanted, side, xs, ys, along in (
            (True, 0, np.full_like(vertical, box_w + gap), vertical, vertical),  # right, slid along the side
            (True, 1, np.full_like(vertical, -gap - w), vertical, vertical),  # left
            (True, 2, horizontal, np.full_like(horizontal, box_h + gap), horizontal),  # below
            (True, 3, horizontal, np.full_like(horizontal, -gap - h), horizontal),  # above
            (level <= Detail.COMPACT, 4, gx, gy, np.zeros_like(gx)),  # further away, within reach
        ):
            if not wanted:
                continue
            n = len(xs)
            scale = 2.0 / max(w, h)
            dx = np.maximum(0, np.maximum(-(xs + w), xs - box_w))  # gap between the slot and the box
            dy = np.maximum(0, np.maximum(-(ys + h), ys - box_h))
            parts.append((xs, ys, np.full(n, w), np.full(n, h), np.full(n, level), np.full(n, side),
                          along.astype(np.float64), np.full(n, scale), np.full(n, side == 4),
                          _SIDE_COST[_SIDE_NAMES[side]] + np.abs(along) * scale / 2 + (dx + dy) / max(gap, 1)
                          - level * 1e6 + (side == 4) * 1e7))
    return _stack_slots(parts)


_SLOT_COLUMNS = ("x", "y", "w", "h", "level", "side", "offset", "offset_scale", "apart", "score")


def _stack_slots(parts: list[tuple[np.ndarray, ...]]) -> _Slots:
    if not parts:
        parts = [(*(np.zeros(0, np.int32) for _ in range(6)), np.zeros(0), np.zeros(0), np.zeros(0, bool),
                  np.zeros(0))]
    columns = {name: np.concatenate(column) for name, column in zip(_SLOT_COLUMNS, zip(*parts, strict=True),
                                                                   strict=True)}
    for name in _SLOT_COLUMNS[:6]:
        columns[name] = columns[name].astype(np.int32)
    for column in columns.values():
        column.setflags(write=False)
    x, y, w, h = columns["x"], columns["y"], columns["w"], columns["h"]
    if not len(x):
        return _Slots(**columns, extent=(0, 0, 0, 0), largest=(0, 0))
    extent = (int(x.min()), int(y.min()), int((x + w).max()), int((y + h).max()))
    return _Slots(**columns, extent=extent, largest=(int(w.max()), int(h.max())))


def _offset(rect: Rect, box: Rect, side: str) -> float:
    if side in ("right", "left"):
        return float(rect[1] - box[1])
    if side in ("below", "above"):
        return float(rect[0] - box[0])
    return 0.0


def _leader(box: Rect, rect: Rect) -> Rect:
    """End points (x0, y0, x1, y1) of a line from the nearest point of ``box`` to the nearest of ``rect``."""
    cx, cy = (rect[0] + rect[2]) // 2, (rect[1] + rect[3]) // 2
    fx, fy = min(max(cx, box[0]), box[2] - 1), min(max(cy, box[1]), box[3] - 1)
    tx, ty = min(max(fx, rect[0]), rect[2] - 1), min(max(fy, rect[1]), rect[3] - 1)
    return fx, fy, tx, ty
