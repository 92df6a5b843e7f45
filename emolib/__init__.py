"""emolib: real-time facial emotion analysis for notebooks, the command line and video.

>>> import emolib
>>> analyzer = emolib.Analyzer()                    # face detector + bundled emotion model
>>> results = analyzer.analyze(image_bgr)           # one FaceResult per face
>>> picture = emolib.annotate(image_bgr, results)   # box, emoji and bars for every face

Names are imported on first use, so ``import emolib`` stays fast and light.
"""

from __future__ import annotations

import importlib
from typing import Any

from emolib.errors import EmolibError
from emolib.labels import CLASSES

__version__ = "0.1.0"

_LAZY = {
    "Analyzer": "emolib.pipeline",
    "FaceResult": "emolib.pipeline",
    "read_image": "emolib.pipeline",
    "EmotionClassifier": "emolib.classify",
    "annotate": "emolib.draw",
    "analyze_video": "emolib.video",
    "iter_video": "emolib.video",
    "VideoTracker": "emolib.video",
    "summarize": "emolib.video",
    "analyze_many": "emolib.batch",
}
__all__ = ["CLASSES", "EmolibError", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'emolib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
