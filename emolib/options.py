"""How faces are followed through a stream of frames: one options object for every video entry point.

:class:`TrackingOptions` is what :class:`~emolib.video.VideoTracker`, :func:`~emolib.video.iter_video`,
:func:`~emolib.video.analyze_video`, :func:`~emolib.batch.analyze_many`, the widgets and the CLI take;
the CLI builds its flags and their help from its fields, and batch runs stamp their outputs with it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from emolib.errors import EmolibError

#: Smoothing methods: exponential moving average, mean over a sliding window, or none.
SMOOTHING_METHODS: tuple[str, ...] = ("ema", "window", "none")


def _option(default: Any, help: str, **metadata: Any) -> Any:
    return field(default=default, metadata={"help": help, **metadata})


def detect_size_value(text: str) -> int | str | None:
    """``--detect-size`` text: "auto", "full" (no downscaling) or a number of pixels (at least 32)."""
    if text.strip().lower() in ("auto", "full"):
        return "auto" if text.strip().lower() == "auto" else None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"expected auto, full or a number of pixels, got {text!r}") from None
    if value < 32:
        raise ValueError(f"must be at least 32 pixels, got {value}")
    return value


@dataclass(frozen=True)
class TrackingOptions:
    """Detection cadence, tracking and temporal smoothing of faces in a video or live stream.

    Validated when made: a bad value is an :class:`~emolib.errors.EmolibError`. Derive variants with
    :meth:`replace` (or :func:`dataclasses.replace`).
    """

    detect_every: int = _option(3, "run the face detector every n-th frame, moving tracked boxes in between")
    detect_size: int | str | None = _option(
        "auto", "longest side of the frame copy the detector sees: auto (from the frame size and --min-face; "
        "faces already tracked are re-found at the size they need), full, or pixels (larger finds smaller faces, "
        "slower)", parse=detect_size_value, metavar="auto|full|PX")
    min_face: int = _option(32, "with --detect-size auto: the smallest face side to find, in frame pixels")
    smoothing: str = _option("ema", "temporal smoothing of each face's probabilities", choices=SMOOTHING_METHODS)
    smoothing_s: float = _option(0.3, "smoothing time constant (ema) or window (window), in seconds")
    max_age_s: float = _option(1.0, "seconds a face may be missing before its track (and id) ends")
    iou_threshold: float = _option(0.3, "least overlap (IoU) of a predicted box and a detection to match them")
    max_distance: float = _option(
        1.0, "second matching pass: centres at most this many face sizes apart (0 turns it off)")

    def __post_init__(self) -> None:
        if not isinstance(self.detect_every, int) or self.detect_every < 1:
            raise EmolibError(f"detect_every must be 1 or more, got {self.detect_every}")
        if self.detect_size not in (None, "auto") and (not isinstance(self.detect_size, int) or self.detect_size < 32):
            raise EmolibError(f"detect_size must be 'auto', None or at least 32 pixels, got {self.detect_size!r}")
        if not isinstance(self.min_face, int) or self.min_face < 8:
            raise EmolibError(f"min_face must be at least 8 pixels, got {self.min_face}")
        if self.smoothing not in SMOOTHING_METHODS:
            raise EmolibError(f"unknown smoothing {self.smoothing!r}; choose from {', '.join(SMOOTHING_METHODS)}")
        for name in ("smoothing_s", "max_age_s", "max_distance"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value < 0 or not math.isfinite(value):
                raise EmolibError(f"{name} must be a non-negative number, got {value}")
        if not isinstance(self.iou_threshold, (int, float)) or not 0 <= self.iou_threshold <= 1:
            raise EmolibError(f"iou_threshold must be between 0 and 1, got {self.iou_threshold}")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names, in field order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def build(cls, options: TrackingOptions | None = None, **overrides: Any) -> TrackingOptions:
        """``options`` (default: the defaults) with ``overrides`` applied; unknown names are an EmolibError."""
        unknown = sorted(set(overrides) - set(cls.names()))
        if unknown:
            raise EmolibError(f"unknown tracking option(s) {', '.join(unknown)}; known: {', '.join(cls.names())}")
        return dataclasses.replace(options or cls(), **overrides)

    def replace(self, **changes: Any) -> TrackingOptions:
        """A copy with ``changes`` applied (validated)."""
        return self.build(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The options as a plain dict (JSON-ready), in field order."""
        return dataclasses.asdict(self)
