"""Analyse one photo interactively: upload or path, detector and thresholds, annotated image, result table."""

from __future__ import annotations

import os
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from emolib.detect import make_detector
from emolib.draw import annotate
from emolib.errors import EmolibError
from emolib.media import decode_image, read_image
from emolib.media.images import DEFAULT_MAX_PIXELS
from emolib.pipeline import Analyzer
from emolib.results import FaceResult, faces_to_frame
from emolib.widgets._common import DETECTOR_CHOICES, encode, table_html

#: Detector options the score slider sets, by detector name (others are filtered after detection).
_SCORE_OPTION = {"yunet": "score_threshold"}


class ImageWidget(widgets.VBox):
    """Upload a photo (or give its path), choose the detector and thresholds, see every face analysed.

    >>> widget = ImageWidget("group.jpg")     # display it; widget.results is the table shown

    ``source``: an image to start with (path, file bytes, or (H, W, 3) uint8 BGR array). ``analyzer``: used as
    given (its detector too) until the detector controls change; its classifier is always reused.
    ``min_score``: least detector confidence shown; ``min_face``: least face side in pixels. ``max_pixels``:
    the pixel budget of uploads and files, checked from the header before decoding (see
    :func:`emolib.media.images.decode_image`); a file over it is refused with a message, not decoded.
    """

    def __init__(self, source: str | os.PathLike | bytes | np.ndarray | None = None, *,
                 analyzer: Analyzer | None = None, detector: str = "yunet", min_score: float = 0.6,
                 min_face: int = 20, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> None:
        self.max_pixels = max_pixels
        self.analyzer = analyzer or Analyzer(detector=detector, min_face=min_face)
        self.image: np.ndarray | None = None
        self.faces: list[FaceResult] = []
        self.annotated: np.ndarray | None = None
        self.upload = widgets.FileUpload(accept="image/*", multiple=False, description="Upload")
        self.path = widgets.Text(placeholder="or type a path: photos/group.jpg", layout={"width": "320px"})
        self.open_button = widgets.Button(description="Open", icon="folder-open", layout={"width": "90px"})
        self.detector = widgets.Dropdown(options=DETECTOR_CHOICES, value=detector, description="detector",
                                         layout={"width": "200px"})
        self.min_score = widgets.FloatSlider(value=min_score, min=0.05, max=0.99, step=0.05,
                                             description="min score", continuous_update=False)
        self.min_face = widgets.IntSlider(value=min_face, min=8, max=200, step=2, description="min face px",
                                          continuous_update=False)
        self.bars = widgets.Checkbox(value=True, description="bars", indent=False, layout={"width": "70px"})
        self.picture = widgets.Image(format="png", layout={"max_width": "100%"})
        self.table = widgets.HTML()
        self.message = widgets.HTML()
        super().__init__([
            widgets.HBox([self.upload, self.path, self.open_button]),
            widgets.HBox([self.detector, self.min_score, self.min_face, self.bars]),
            self.message, self.picture, self.table,
        ])
        self.upload.observe(self._on_upload, "value")
        self.open_button.on_click(lambda _: self.analyze(self.path.value))
        self.path.on_submit(lambda _: self.analyze(self.path.value))
        self.detector.observe(self._on_detector, "value")
        self.min_score.observe(self._on_detector, "value")
        for control in (self.min_face, self.bars):
            control.observe(lambda _: self.refresh(), "value")
        if analyzer is None:
            self._on_detector()  # a given analyzer keeps its detector until the dropdown changes
        if source is not None:
            self.analyze(source)

    @property
    def results(self) -> pd.DataFrame:
        """The faces of the current image, one row each (columns of :data:`emolib.results.FRAME_COLUMNS`)."""
        return faces_to_frame(self.faces)

    def analyze(self, source: str | os.PathLike | bytes | np.ndarray) -> pd.DataFrame:
        """Load ``source`` (path, image file bytes, or BGR array), analyse it and show it; returns :attr:`results`."""
        try:
            if isinstance(source, np.ndarray):
                image = source
            elif isinstance(source, bytes | bytearray | memoryview):
                image = decode_image(source, name="the upload", max_pixels=self.max_pixels)
            else:
                if not str(source).strip():
                    raise EmolibError("type the path of an image first")
                image = read_image(source, max_pixels=self.max_pixels)
        except (EmolibError, OSError) as error:
            self._fail(error)
            return self.results
        self.image = image
        return self.refresh()

    def refresh(self) -> pd.DataFrame:
        """Analyse the current image again with the current controls."""
        if self.image is None:
            return self.results
        self.analyzer.min_face = self.min_face.value
        try:
            faces = self.analyzer.analyze(self.image)
        except EmolibError as error:
            self._fail(error)
            return self.results
        self.faces = [face for face in faces if face.score >= self.min_score.value]
        self.annotated = annotate(self.image, self.faces, show_bars=self.bars.value)
        self.picture.value = encode(self.annotated, ".png")
        self.picture.width = str(self.annotated.shape[1])  # natural size (max_width keeps it inside the page)
        table = self.results
        self.table.value = table_html(table)
        found, (height, width) = len(self.faces), self.image.shape[:2]
        self.message.value = f"{found} face{'s' if found != 1 else ''} found in {width}x{height}"
        return table

    def _on_upload(self, change: Any) -> None:
        files = change["new"]
        if not files:
            return
        try:
            content = bytes(files[0]["content"])
        except (KeyError, TypeError, IndexError, ValueError):
            self._fail(EmolibError("the upload has no file content"))
            return
        self.analyze(content)

    def _on_detector(self, _change: Any = None) -> None:
        name = self.detector.value
        options = {_SCORE_OPTION[name]: self.min_score.value} if name in _SCORE_OPTION else {}
        try:
            self.analyzer = Analyzer(make_detector(name, **options), self.analyzer.classifier,
                                     margin=self.analyzer.margin, align=self.analyzer.align,
                                     min_face=self.min_face.value)
        except EmolibError as error:
            self._fail(error)
            return
        if _change is not None:
            self.refresh()

    def _fail(self, error: Exception) -> None:
        self.message.value = f'<span style="color:#c9302c">⚠ {error}</span>'
