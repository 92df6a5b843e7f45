"""Interactive front ends for JupyterLab 4 and Notebook 7 (ipywidgets 8 and anywidget).

Every widget analyses with an :class:`emolib.Analyzer` (pass ``analyzer=`` or ``detector=``), shows
annotated pictures, and exposes what it found as ``widget.results``: a DataFrame with the columns of
:data:`emolib.results.FRAME_COLUMNS` (frame, time_s, face_id, x, y, w, h, the seven classes, emotion).

- :class:`ImageWidget`: one photo, uploaded or by path.
- :class:`VideoWidget`: a video file, with progress, a timeline and a frame slider.
- :class:`WebcamWidget`: the browser's camera, live (needs https or localhost).
- :class:`ConfusionExplorer`: the faces behind an evaluation's most confused class pairs.

:mod:`emolib.widgets.server` holds an optional Jupyter Server setting that makes live widgets faster.
Needs the ``lab`` extra: ``pip install "emolib[lab]"``.
"""

from emolib.widgets.evaluation import ConfusionExplorer
from emolib.widgets.image import ImageWidget
from emolib.widgets.video import VideoWidget
from emolib.widgets.webcam import WebcamWidget

__all__ = ["ConfusionExplorer", "ImageWidget", "VideoWidget", "WebcamWidget"]
