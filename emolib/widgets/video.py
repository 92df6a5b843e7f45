"""Analyse a video interactively: pick it, watch the progress, then play the annotated video (with its sound)
and scrub a timeline linked to the frames."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import ipywidgets as widgets
import pandas as pd

from emolib.draw import annotate
from emolib.errors import EmolibError
from emolib.media import VideoReader, find_media
from emolib.options import TrackingOptions
from emolib.pipeline import Analyzer
from emolib.results import FaceResult, faces_from_frame, frames_table
from emolib.timeline import plot_timeline
from emolib.training.plots import figure_png
from emolib.video import analyze_video, summarize
from emolib.widgets._common import DETECTOR_CHOICES, encode


def find_videos(folder: str | os.PathLike = ".", *, limit: int = 200) -> list[str]:
    """Video files under ``folder`` (recursively, hidden folders skipped), as paths starting with ``folder``."""
    return [str(path) for path in find_media(folder, ["video"])[:limit]]


class VideoWidget(widgets.VBox):
    """Pick a video, analyse it with a progress bar, then explore: the annotated video in a ``<video>``
    player (H.264 with the source's sound), a timeline of each face's emotions and a frame slider showing
    the annotated frame at that time (the timeline marks it).

    >>> widget = VideoWidget("talk.mp4")    # display it, press Analyze; widget.results is the per-frame table

    ``folder``: where the path box looks for videos to offer. ``every``: analyse every n-th frame.
    ``tracking``: a :class:`~emolib.options.TrackingOptions` (default: the defaults). ``out``: where the
    annotated video goes (``.mp4`` or ``.webm``; replaced at each analysis); default: a temporary folder
    removed by :meth:`close`. :attr:`annotated` is its path once analysed.
    """

    def __init__(self, source: str | os.PathLike | None = None, *, analyzer: Analyzer | None = None,
                 detector: str = "yunet", folder: str | os.PathLike = ".", every: int = 1,
                 tracking: TrackingOptions | None = None, out: str | os.PathLike | None = None) -> None:
        self.tracking = tracking or TrackingOptions()
        self.analyzer = analyzer
        self._analyzer_for = detector if analyzer is not None else None
        self.source: Path | None = None
        self.fps = 30.0
        self._table = frames_table([])
        self._capture: cv2.VideoCapture | None = None
        self._figure: Any = None
        self._cursors: list[Any] = []
        self._out = Path(out) if out is not None else None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self.annotated: Path | None = None
        self.path = widgets.Combobox(value=str(source or ""), options=find_videos(folder), ensure_option=False,
                                     placeholder="path/to/video.mp4", description="video",
                                     layout={"width": "420px"})
        self.detector = widgets.Dropdown(options=DETECTOR_CHOICES, value=detector, description="detector",
                                         layout={"width": "200px"})
        self.every = widgets.BoundedIntText(value=every, min=1, max=60, description="every n-th",
                                            layout={"width": "150px"})
        self.run_button = widgets.Button(description="Analyze", icon="play", button_style="primary")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="", layout={"width": "420px"})
        self.status = widgets.HTML()
        self.timeline = widgets.Image(format="png", layout={"max_width": "100%"})
        self.slider = widgets.IntSlider(value=0, min=0, max=0, description="frame", continuous_update=True,
                                        layout={"width": "600px"}, disabled=True)
        self.time_label = widgets.Label()
        self.frame_view = widgets.Image(format="jpeg", layout={"max_width": "100%"})
        self.player = widgets.Video(format="mp4", controls=True, autoplay=False, loop=False,
                                    layout={"max_width": "100%", "display": "none"})
        self.summary = widgets.HTML()
        super().__init__([
            widgets.HBox([self.path, self.detector, self.every, self.run_button]),
            widgets.HBox([self.progress, self.status]),
            self.player,
            self.timeline,
            widgets.HBox([self.slider, self.time_label]),
            self.frame_view, self.summary,
        ])
        self.run_button.on_click(lambda _: self.analyze())
        self.slider.observe(lambda change: self.show_frame(change["new"]), "value")

    @property
    def results(self) -> pd.DataFrame:
        """One row per face per analysed frame (columns of :data:`emolib.results.FRAME_COLUMNS`)."""
        return self._table

    def analyze(self, source: str | os.PathLike | None = None) -> pd.DataFrame:
        """Analyse ``source`` (default: the path box), updating the progress bar; returns :attr:`results`."""
        path = Path(source if source is not None else self.path.value.strip())
        self.run_button.disabled = True
        try:
            if self.analyzer is None or self._analyzer_for != self.detector.value:
                classifier = self.analyzer.classifier if self.analyzer is not None else None
                self.analyzer = Analyzer(detector=self.detector.value, classifier=classifier)
                self._analyzer_for = self.detector.value
            with VideoReader(path) as reader:
                self.fps, total = reader.fps, reader.expected_frames
            self.progress.max, self.progress.value = max(total, 1), 0
            start, last = time.perf_counter(), 0.0

            def report(done: int, expected: int) -> None:
                nonlocal last
                now = time.perf_counter()
                if now - last > 0.1:
                    self.progress.value, last = done, now
                    self.status.value = f"frame {done} / {expected or '?'}"

            annotated = self._annotated_path(path)
            table = analyze_video(path, self.analyzer, out=annotated, every=self.every.value, progress=False,
                                  overwrite=True, raw=False, on_progress=report, options=self.tracking)
            self.progress.value = self.progress.max
        except EmolibError as error:
            self.status.value = f'<span style="color:#c9302c">⚠ {error}</span>'
            return self._table
        finally:
            self.run_button.disabled = False
        elapsed = time.perf_counter() - start
        self.source, self.path.value = path, str(path)
        self._table = table
        self._table.attrs.update(frame_s=self.every.value / self.fps, fps=self.fps, source=str(path))
        self._show_video(annotated)
        self.status.value = f"{len(self._table)} face rows, {elapsed:.1f} s"
        self._open_capture()
        self._draw_timeline()
        last_frame = max(total - 1, int(self._table["frame"].max()) if len(self._table) else 0)
        self.slider.step = self.every.value
        self.slider.max, self.slider.disabled = last_frame, False
        self.summary.value = summarize(self._table).to_html(index=False, float_format="{:.2f}".format, border=0)
        self.show_frame(self.slider.value if self.slider.value <= last_frame else 0)
        return self._table

    def _annotated_path(self, source: Path) -> Path:
        if self._out is not None:
            return self._out
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="emolib-video-")
        return Path(self._scratch.name) / f"{source.stem}_annotated.mp4"

    def _show_video(self, annotated: Path) -> None:
        """Put the annotated file in the ``<video>`` player (its bytes travel to the browser once)."""
        self.annotated = annotated
        self.player.format = annotated.suffix.lstrip(".").lower()
        self.player.value = annotated.read_bytes()
        self.player.layout.display = None

    def faces_at(self, frame: int) -> list[FaceResult]:
        """The faces of the analysed frame nearest at or before ``frame``, as FaceResults."""
        table = self._table
        if table.empty:
            return []
        frames = table["frame"].to_numpy()
        earlier = frames[frames <= frame]
        if not len(earlier) or frame - earlier.max() >= self.every.value:
            return []
        return faces_from_frame(table[table["frame"] == earlier.max()])

    def show_frame(self, frame: int) -> None:
        """Show the annotated frame ``frame`` and move the timeline's marker to its time."""
        time_s = frame / self.fps
        self.time_label.value = f"{time_s:.2f} s"
        if self._capture is not None:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, frame)
            ok, image = self._capture.read()
            if ok and image is not None:
                self.frame_view.value = encode(annotate(image, self.faces_at(frame)), ".jpg")
                self.frame_view.width = str(image.shape[1])
        if self._figure is not None:
            for cursor in self._cursors:
                cursor.set_xdata([time_s, time_s])
            self.timeline.value = figure_png(self._figure, dpi=80)

    def _open_capture(self) -> None:
        if self._capture is not None:
            self._capture.release()
        self._capture = cv2.VideoCapture(str(self.source))

    def _draw_timeline(self) -> None:
        self._figure = plot_timeline(self._table, max_faces=3)
        self._cursors = [ax.axvline(0, color="black", linewidth=1) for ax in self._figure.axes if ax.lines]

    def close(self) -> None:
        """Release the video and close the widget."""
        if self._capture is not None:
            self._capture.release()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
        super().close()
