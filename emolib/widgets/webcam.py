"""Live emotion analysis of the browser's camera in JupyterLab 4 and Notebook 7 (anywidget, no build step).

The browser captures the camera (``getUserMedia``), sends small frames (320 px wide JPEG or grey bytes) to
the kernel as binary comm buffers with two frames in flight, the kernel runs the same pipeline as videos
(:class:`emolib.video.VideoTracker`: detection, tracking, smoothing) and answers each frame with JSON
results, which the browser draws over the live video: boxes, face ids, emoji and the seven probabilities.
Because frames travel over the kernel's websocket, this works with a kernel on another machine too.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

import anywidget
import cv2
import numpy as np
import pandas as pd
import traitlets

from emolib.draw import plan_panels
from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.layout import PanelLayout
from emolib.media import LatestFrameReader, open_camera
from emolib.options import TrackingOptions
from emolib.pipeline import Analyzer
from emolib.results import FaceResult, face_rows, frames_table
from emolib.video import VideoTracker
from emolib.widgets._common import css_colors, emoji_data_urls, encode

_HERE = Path(__file__).parent

#: What to tell the user for each ``getUserMedia`` error name.
CAMERA_ERRORS: dict[str, str] = {
    "NotAllowedError": "The browser refused camera access. Allow the camera for this page (the camera icon in "
                       "the address bar or the site settings), then press Start.",
    "SecurityError": "The browser refused camera access for security reasons.",
    "NotFoundError": "The browser found no camera. Plug one in, then press Start.",
    "OverconstrainedError": "The chosen camera cannot deliver video; choose another camera.",
    "NotReadableError": "The camera is in use by another application or could not be started.",
    "AbortError": "The camera could not be started.",
    "InsecureContext": "Browsers give camera access only to https:// pages and http://localhost; this page is {origin}."
                       " Open Jupyter over https, or through an SSH tunnel to localhost.",
    "NotSupportedError": "This browser offers no camera access (navigator.mediaDevices is missing).",
}


#: Browser camera errors that mean the user (or the page's policy) said no: nothing else is tried.
REFUSALS: frozenset[str] = frozenset({"NotAllowedError", "SecurityError"})


def camera_error_message(name: str, message: str = "", origin: str = "") -> str:
    """One friendly paragraph for a ``getUserMedia`` failure (``name`` as the browser's DOMException gives it)."""
    text = CAMERA_ERRORS.get(name, f"The camera could not be opened ({name}: {message}).")
    return text.format(origin=origin or "not secure")


class WebcamWidget(anywidget.AnyWidget):
    """The browser's camera, analysed live in the kernel, with results drawn over the video.

    >>> widget = WebcamWidget()            # then press Start, or: widget.running = True
    >>> widget.results                     # recent per-frame results (emolib.results.FRAME_COLUMNS)

    ``analyzer``: an :class:`emolib.Analyzer` (default: one with ``detector``); ``tracking``: a
    :class:`emolib.options.TrackingOptions`; ``tracker_options``: overrides of its fields (``detect_every``...).
    ``kernel_camera``: the ``cv2.VideoCapture`` source of the kernel's machine that ``source="kernel"``
    streams (useful when the kernel runs locally); it is opened only when asked for, never in place of a
    browser camera that failed or was refused; None disables it.
    ``history``: faces kept for :attr:`results`.

    Browsers give the camera only to secure pages: ``https://`` or ``http://localhost`` / ``127.0.0.1``.
    For a remote kernel, reach Jupyter through https or an SSH tunnel (``ssh -L 8888:localhost:8888 host``).
    Camera refused or missing: the widget says so in a message, no traceback. For the full frame rate, start
    Jupyter with :class:`emolib.widgets.server.NoDelayWebsocketConnection` (its docstring says how): the
    stock server delays small messages (Nagle), which caps the round trips near 25 per second.

    Traits: ``running`` (start/stop), ``source`` ("browser" or "kernel"), ``camera`` (device id chosen),
    ``cameras`` (the browser's list), ``width`` (analysed frame width), ``frame_format`` ("jpeg" or "gray"),
    ``max_in_flight`` (frames on their way at once: 2 hides the round trip, 1 halves the rate), ``pace`` (send
    each camera frame at most once; False sends as fast as answers come, repeating frames), ``mirror``,
    ``show_bars``; set by the browser: ``fps`` (round trips per second), ``faces`` (faces in the latest
    frame); ``error`` (the latest problem, "" when none).
    """

    _esm = _HERE / "webcam.js"
    _css = _HERE / "webcam.css"

    running = traitlets.Bool(False).tag(sync=True)
    source = traitlets.Enum(("browser", "kernel"), "browser").tag(sync=True)
    camera = traitlets.Unicode("").tag(sync=True)
    cameras = traitlets.List(traitlets.Dict()).tag(sync=True)
    width = traitlets.Int(320).tag(sync=True)
    frame_format = traitlets.Enum(("jpeg", "gray"), "jpeg").tag(sync=True)
    jpeg_quality = traitlets.Float(0.7).tag(sync=True)
    max_in_flight = traitlets.Int(2).tag(sync=True)
    pace = traitlets.Bool(True).tag(sync=True)
    mirror = traitlets.Bool(True).tag(sync=True)
    show_bars = traitlets.Bool(True).tag(sync=True)
    fps = traitlets.Float(0.0).tag(sync=True)
    faces = traitlets.Int(0).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    emojis = traitlets.Dict().tag(sync=True)
    colors = traitlets.Dict().tag(sync=True)
    classes = traitlets.List(traitlets.Unicode()).tag(sync=True)

    def __init__(
        self,
        analyzer: Analyzer | None = None,
        *,
        detector: str | None = None,
        kernel_camera: int | str | None = 0,
        history: int = 5000,
        tracking: TrackingOptions | None = None,
        tracker_options: dict[str, Any] | None = None,
        **traits: Any,
    ) -> None:
        super().__init__(emojis=emoji_data_urls(), colors=css_colors(), classes=list(CLASSES), **traits)
        self.analyzer = analyzer if analyzer is not None else Analyzer(detector=detector)
        self.tracker = VideoTracker(self.analyzer, fps=30.0, options=tracking, **(tracker_options or {}))
        self.kernel_camera = kernel_camera
        self._lock = threading.Lock()
        self._layout = PanelLayout()
        self._rows: deque[tuple] = deque(maxlen=history)
        self._frame = 0
        self._start = time.monotonic()
        self._kernel: _KernelCamera | None = None
        self.on_msg(self._on_msg)
        self.observe(self._on_running, "running")

    # -- the frame handler (runs on the kernel's shell thread, or a subshell thread in JupyterLab 4.6) --

    def handle_frame(self, content: dict[str, Any], buffers: list[bytes | memoryview]) -> dict[str, Any]:
        """Analyse one frame message from the browser; returns the JSON reply it is answered with.

        ``content``: ``{"type": "frame", "id", "width", "height", "format": "jpeg" | "gray"}``;
        ``buffers[0]``: the JPEG file or ``height * width`` grey bytes. Reply: ``{"type": "results", "id",
        "width", "height", "ms", "faces": [FaceResult.to_dict() + {"panel": ...}, ...]}`` plus ``"error"`` for a
        bad frame; ``panel`` is where the face's panel goes (:func:`emolib.draw.plan_panels`).
        """
        reply: dict[str, Any] = {"type": "results", "id": content.get("id"), "view": content.get("view"),
                 "width": content.get("width"), "height": content.get("height"), "faces": [], "ms": 0.0}
        try:
            frame = decode_frame(content, buffers)
        except EmolibError as error:
            return {**reply, "error": str(error)}
        display = content.get("display")
        try:
            return {**reply, **self.analyze(frame, display_width=display if isinstance(display, int | float) else None)}
        except Exception as error:  # noqa: BLE001 - a live stream must survive one bad frame
            return {**reply, "error": f"frame not analysed: {type(error).__name__}: {error}"}

    def analyze(self, frame_bgr: np.ndarray, *, display_width: float | None = None) -> dict[str, Any]:
        """Track and classify one live (H, W, 3) uint8 BGR frame: ``{"faces": [...], "ms": ...}``. Thread-safe.

        Each face carries its ``panel`` (:func:`emolib.draw.plan_panels`), in frame pixels. ``display_width``:
        the width in screen pixels the browser shows the frame at; panels are laid out for that size (text as
        large on screen as planned) and given back in frame pixels.
        """
        start = time.perf_counter()
        faces = self.tracker.process(frame_bgr)
        height, width = frame_bgr.shape[:2]
        zoom = min(max(display_width / width, 0.25), 8.0) if display_width else 1.0
        shown = faces if zoom == 1.0 else [
            FaceResult(_zoom_box(face.box, zoom), face.probabilities, face.score, face.face_id) for face in faces]
        with self._lock:  # one layout per stream: panels keep their side and detail from frame to frame
            panels = plan_panels((round(height * zoom), round(width * zoom)), shown, show_bars=self.show_bars,
                                 layout=self._layout)
            self._frame += 1
            self._rows.extend(face_rows(faces, self._frame, round(time.monotonic() - self._start, 3)))
        if zoom != 1.0:
            panels = [_unzoom(panel, zoom) for panel in panels]
        elapsed = (time.perf_counter() - start) * 1000
        return {"faces": [{**face.to_dict(), "panel": panel} for face, panel in zip(faces, panels, strict=True)],
                "ms": round(elapsed, 2), "width": int(width), "height": int(height)}

    @property
    def results(self) -> pd.DataFrame:
        """Recent faces, one row per face per analysed frame (columns of :data:`emolib.results.FRAME_COLUMNS`)."""
        with self._lock:
            rows = list(self._rows)
        return frames_table(rows)

    def _on_msg(self, _widget: Any, content: dict[str, Any], buffers: list[bytes | memoryview]) -> None:
        kind = content.get("type")
        if kind == "frame":
            self.send(self.handle_frame(content, buffers))
        elif kind == "started":
            self.tracker.reset()
            self.error = ""
        elif kind == "camera_error":
            self._browser_camera_failed(content)
        elif kind == "start_kernel":
            self._start_kernel_camera(content.get("view"))
        elif kind == "stop_kernel":
            self._stop_kernel_camera()
        elif kind == "ack" and self._kernel is not None:
            self._kernel.ack()

    # -- kernel-side camera: only when the user asks for it (source="kernel"), never as a fallback --

    def _browser_camera_failed(self, content: dict[str, Any]) -> None:
        """Say why the browser's camera failed. The kernel's camera is never opened in its place: after a
        refusal (NotAllowedError, SecurityError) it would be the camera the user just refused, on a laptop
        with a local kernel; for a missing camera it is offered as a choice."""
        name = content.get("name", "")
        reason = camera_error_message(name, content.get("message", ""), content.get("origin", ""))
        if name not in REFUSALS and self.kernel_camera is not None:
            reason += (f" To use camera {self.kernel_camera!r} of the machine the kernel runs on instead, set "
                       "widget.source = \"kernel\" and press Start.")
        self.error = reason
        self.send({"type": "error", "view": content.get("view"), "message": reason})


    def _start_kernel_camera(self, view: str | None) -> None:
        """Stream the kernel machine's camera (the user chose ``source="kernel"`` and pressed Start)."""
        self._stop_kernel_camera()
        if self.kernel_camera is None:
            self.error = "No kernel camera is set for this widget (kernel_camera=None)."
            self.send({"type": "error", "view": view, "message": self.error})
            return
        try:
            capture = open_camera(self.kernel_camera)
        except EmolibError as error:
            self.error = f"The kernel's machine has no usable camera {self.kernel_camera!r}: {error}"
            self.send({"type": "error", "view": view, "message": self.error})
            return
        self.error = ""
        self.send({"type": "status", "view": view, "text": f"the kernel's camera {self.kernel_camera!r}", "kind": ""})
        self.tracker.reset()
        self._kernel = _KernelCamera(self, capture, view)
        self._kernel.start()

    def _stop_kernel_camera(self) -> None:
        kernel, self._kernel = self._kernel, None
        if kernel is not None:
            kernel.stop()

    def _on_running(self, change: dict[str, Any]) -> None:
        if not change["new"]:
            self._stop_kernel_camera()

    def close(self) -> None:
        """Stop any kernel-side camera and close the widget."""
        self._stop_kernel_camera()
        super().close()


def _zoom_box(box: tuple[int, int, int, int], zoom: float) -> tuple[int, int, int, int]:
    x, y, w, h = box
    return round(x * zoom), round(y * zoom), round(w * zoom), round(h * zoom)


def _unzoom(panel: dict[str, Any], zoom: float) -> dict[str, Any]:
    """A panel laid out on the frame shown ``zoom`` times larger, back in frame pixels (floats, 0.01 px)."""
    out = {**panel, **{key: round(panel[key] / zoom, 2) for key in ("x", "y", "w", "h", "row")}}
    if panel.get("leader"):
        out["leader"] = [round(v / zoom, 2) for v in panel["leader"]]
    return out


def decode_frame(content: dict[str, Any], buffers: list[bytes | memoryview]) -> np.ndarray:
    """The (H, W, 3) uint8 BGR frame of a browser frame message (JPEG bytes or H*W grey bytes)."""
    if not buffers:
        raise EmolibError("frame message without an image buffer")
    data = np.frombuffer(buffers[0], np.uint8)
    if content.get("format") == "gray":
        width, height = int(content.get("width", 0)), int(content.get("height", 0))
        if width <= 0 or height <= 0 or data.size != width * height:
            raise EmolibError(f"grey frame of {data.size} bytes does not match {width}x{height}")
        return cv2.cvtColor(data.reshape(height, width), cv2.COLOR_GRAY2BGR)
    frame = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if frame is None:
        raise EmolibError("frame is not a readable JPEG")
    return frame


class _KernelCamera:
    """A thread reading the kernel's camera, analysing each frame and sending it with its results as JPEG.

    At most ``widget.max_in_flight`` frames wait for the browser's acknowledgement, so a slow link drops
    frames instead of queueing them.
    """

    def __init__(self, widget: WebcamWidget, capture: cv2.VideoCapture, view: str | None) -> None:
        self.widget, self.capture, self.view = widget, capture, view
        self._stop = threading.Event()
        self._slots = threading.BoundedSemaphore(max(1, widget.max_in_flight))
        self._thread = threading.Thread(target=self._run, name="emolib-kernel-camera", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def ack(self) -> None:
        with contextlib.suppress(ValueError):
            self._slots.release()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=2)

    def _run(self) -> None:
        widget, index = self.widget, 0
        reader = LatestFrameReader(self.capture)
        try:
            while not self._stop.is_set():
                try:
                    frame, _ = reader.get()
                except EmolibError:
                    widget.send({"type": "error", "view": self.view,
                                 "message": "The kernel's camera stopped delivering frames."})
                    break
                self._slots.acquire(timeout=2)  # no answer in 2 s (browser gone or busy): send anyway
                scale = min(1.0, 640 / frame.shape[1])
                if scale < 1:
                    frame = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                reply = widget.analyze(frame)
                index += 1
                widget.send({**reply, "type": "kernel_frame", "id": index, "view": self.view},
                            buffers=[encode(frame, ".jpg", 80)])
        finally:
            reader.stop()
            self.capture.release()
