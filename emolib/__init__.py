"""emolib: real-time facial emotion analysis for notebooks, the command line and video.

>>> import emolib
>>> analyzer = emolib.Analyzer()                    # face detector + bundled emotion model
>>> results = analyzer.analyze(image_bgr)           # one FaceResult per face
>>> picture = emolib.annotate(image_bgr, results)   # box, emoji and bars for every face
>>> table = emolib.analyze_image("group.jpg")       # the same as a DataFrame, one row per face

Names are imported on first use, so ``import emolib`` stays fast and light; type checkers see them through
the ``TYPE_CHECKING`` imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from emolib._version import __version__
from emolib.errors import EmolibError
from emolib.labels import CLASSES

if TYPE_CHECKING:
    from emolib.batch import analyze_many as analyze_many
    from emolib.classify import EmotionClassifier as EmotionClassifier
    from emolib.draw import annotate as annotate
    from emolib.loaders import load_classifier as load_classifier
    from emolib.media import read_image as read_image
    from emolib.options import TrackingOptions as TrackingOptions
    from emolib.pipeline import Analyzer as Analyzer
    from emolib.pipeline import analyze_image as analyze_image
    from emolib.results import FRAME_COLUMNS as FRAME_COLUMNS
    from emolib.results import Detection as Detection
    from emolib.results import FaceResult as FaceResult
    from emolib.results import TrackedFace as TrackedFace
    from emolib.video import VideoTracker as VideoTracker
    from emolib.video import analyze_video as analyze_video
    from emolib.video import iter_video as iter_video
    from emolib.video import summarize as summarize


_LAZY = {
    "Analyzer": "emolib.pipeline",
    "analyze_image": "emolib.pipeline",
    "FaceResult": "emolib.results",
    "TrackedFace": "emolib.results",
    "Detection": "emolib.results",
    "FRAME_COLUMNS": "emolib.results",
    "TrackingOptions": "emolib.options",
    "read_image": "emolib.media",
    "EmotionClassifier": "emolib.classify",
    "load_classifier": "emolib.loaders",
    "annotate": "emolib.draw",
    "analyze_video": "emolib.video",
    "iter_video": "emolib.video",
    "VideoTracker": "emolib.video",
    "summarize": "emolib.video",
    "analyze_many": "emolib.batch",
}
__all__ = ["CLASSES", "EmolibError", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'emolib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
