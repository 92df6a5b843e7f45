"""Live emotion analysis of the browser's camera in JupyterLab 4 and Notebook 7 (anywidget, no build step).

The browser captures the camera (``getUserMedia``), sends small frames (320 px wide JPEG or grey bytes) to
the kernel as binary comm buffers (base64 in the message where the front end drops buffers, as Google
Colab's does: detected at each start) with two frames in flight; the kernel runs the same pipeline as videos
(:class:`emolib.video.VideoTracker`: detection, tracking, smoothing) and answers each frame with JSON
results, which the browser draws over the live video: boxes, face ids, emoji and the seven probabilities.
Because frames travel over the kernel's websocket, this works with a kernel on another machine too.
The browser times every frame (capture -> sent -> answered -> drawn) and reports it: :attr:`WebcamWidget.latency`.
"""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
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

from emolib.draw import annotate, plan_panels
from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.layout import PanelLayout
from emolib.media import LatestFrameReader, open_camera
from emolib.media.images import check_pixel_budget, decode_image
from emolib.media.video_io import VideoFileWriter
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


#: Columns of :attr:`WebcamWidget.latency`, one row per frame, in milliseconds measured in the browser
#: (``performance.now()``): ``wait_ms`` camera capture -> grabbed for sending (waiting for a free slot),
#: ``encode_ms`` scaling + JPEG/grey encoding, ``send_ms`` handing it to the comm (base64 included),
#: ``network_ms`` sent -> answer received less the kernel's time (websocket, server, kernel queue),
#: ``kernel_ms`` decoding + analysis in the kernel, ``draw_ms`` painting the results,
#: ``capture_to_drawn_ms`` the whole way; ``bytes`` the frame's size.
LATENCY_COLUMNS: tuple[str, ...] = ("frame", "wait_ms", "encode_ms", "send_ms", "network_ms", "kernel_ms", "draw_ms",
                                    "capture_to_drawn_ms", "bytes")

#: The binary buffer the kernel echoes when a view starts, so the browser learns whether buffers travel.
PROBE = b"emol"

#: A view that sent nothing for this long no longer holds the camera (its page was reloaded or closed).
OWNER_TIMEOUT_S = 3.0


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
    stock server delays small messages (Nagle); the widget says so once when its timings show it.

    Traits: ``running`` (start/stop), ``source`` ("browser" or "kernel"), ``camera`` (device id chosen),
    ``cameras`` (the browser's list), ``width`` (analysed frame width), ``frame_format`` ("auto": raw grey
    bytes when Jupyter is served from localhost, no encoding; JPEG, 6x smaller, from any other host; or
    "jpeg", "gray"), ``max_in_flight`` (frames on their way at once: 2 hides the round trip, 1 halves the
    rate), ``pace`` (send each camera frame at most once; False sends as fast as answers come, repeating
    frames), ``mirror``, ``show_bars``, ``transport`` ("auto": binary buffers when they travel both ways,
    else base64; or "binary", "base64"), ``encoder`` ("auto" or "main": the page's canvas; "worker":
    createImageBitmap and an OffscreenCanvas in a worker); set by the browser: ``fps`` (results drawn per
    second), ``latency_ms`` and ``latency_p90_ms`` (median and 90th percentile of capture-to-drawn over the
    last 2 s), ``faces`` (faces in the latest frame); ``error`` (the latest problem, "" when none);
    ``recording`` (the video file being written, "" when none).

    One view streams at a time: shown twice, the widget's other view says where the camera runs. After a
    kernel restart each view stops its camera and says "The kernel restarted: run the cell again".
    """

    _esm = _HERE / "webcam.js"
    _css = _HERE / "webcam.css"

    running = traitlets.Bool(False).tag(sync=True)
    source = traitlets.Enum(("browser", "kernel"), "browser").tag(sync=True)
    camera = traitlets.Unicode("").tag(sync=True)
    cameras = traitlets.List(traitlets.Dict()).tag(sync=True)
    width = traitlets.Int(320).tag(sync=True)
    frame_format = traitlets.Enum(("auto", "jpeg", "gray"), "auto").tag(sync=True)
    jpeg_quality = traitlets.Float(0.7).tag(sync=True)
    max_in_flight = traitlets.Int(2).tag(sync=True)
    pace = traitlets.Bool(True).tag(sync=True)
    mirror = traitlets.Bool(True).tag(sync=True)
    show_bars = traitlets.Bool(True).tag(sync=True)
    fps = traitlets.Float(0.0).tag(sync=True)
    faces = traitlets.Int(0).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    latency_ms = traitlets.Float(0.0).tag(sync=True)
    latency_p90_ms = traitlets.Float(0.0).tag(sync=True)
    transport = traitlets.Enum(("auto", "binary", "base64"), "auto").tag(sync=True)
    encoder = traitlets.Enum(("auto", "worker", "main"), "auto").tag(sync=True)
    recording = traitlets.Unicode("").tag(sync=True)
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
        self._owner: str | None = None  # the view streaming now
        self._owner_seen = 0.0  # time.monotonic() of its latest message
        self._transport = "binary"  # how kernel frames travel to the owner ("binary" or "base64")
        self._timings: deque[dict[str, Any]] = deque(maxlen=history)
        self._recorder: _Recorder | None = None
        #: For tests: behave as a front end that drops binary buffers both ways (Google Colab's widget manager).
        self.drop_buffers = False
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
        start = time.perf_counter()
        if not isinstance(content, dict):
            return {"type": "results", "id": None, "faces": [], "ms": 0.0,
                    "error": f"a frame message must be a JSON object, got {type(content).__name__}"}
        reply: dict[str, Any] = {"type": "results", "id": content.get("id"), "view": content.get("view"),
                 "width": content.get("width"), "height": content.get("height"), "faces": [], "ms": 0.0}
        try:
            frame = decode_frame(content, buffers)
        except EmolibError as error:
            return {**reply, "error": str(error)}
        display = content.get("display")
        try:
            reply |= self.analyze(frame, display_width=display if isinstance(display, int | float) else None)
        except Exception as error:  # noqa: BLE001 - a live stream must survive one bad frame
            return {**reply, "error": f"frame not analysed: {type(error).__name__}: {error}"}
        self._record(frame, reply["faces"])
        reply["handle_ms"] = round((time.perf_counter() - start) * 1000, 2)  # decode + analysis
        return reply

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

    @property
    def latency(self) -> pd.DataFrame:
        """Recent frames' timings as the browser measured them, one row per frame (:data:`LATENCY_COLUMNS`, ms).

        ``widget.latency.describe()`` shows where the time goes; ``capture_to_drawn_ms`` is the whole way from
        the camera's capture to the boxes drawn. Filled about once a second while the camera runs.
        """
        with self._lock:
            rows = list(self._timings)
        return pd.DataFrame.from_records(rows, columns=list(LATENCY_COLUMNS))

    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write :attr:`results` to ``path`` (``.csv`` or ``.parquet``); returns the path.

        Written to a temporary file beside it, then renamed, so an interrupted save leaves no half file; an
        existing file is replaced only with ``overwrite=True``.
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise EmolibError(f"cannot save {target}: use a .csv or .parquet file name")
        if target.exists() and not overwrite:
            raise EmolibError(f"{target} exists; pass overwrite=True to replace it")
        if suffix == ".parquet":
            try:
                import pyarrow  # noqa: F401  # pandas writes Parquet with it
            except ImportError as error:
                raise EmolibError("saving .parquet needs pyarrow (pip install pyarrow); or save as .csv") from error
        target.parent.mkdir(parents=True, exist_ok=True)
        table = self.results
        handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".partial{suffix}", dir=target.parent)
        os.close(handle)
        try:
            if suffix == ".csv":
                table.to_csv(temporary, index=False)
            else:
                table.to_parquet(temporary, index=False)
            os.replace(temporary, target)
        finally:
            Path(temporary).unlink(missing_ok=True)
        return target

    def record(self, path: str | os.PathLike, *, fps: float = 30.0, overwrite: bool = False) -> None:
        """Record the annotated stream (each analysed frame, at the size it was analysed, with its boxes and
        panels) to the video file ``path`` in the kernel, until :meth:`stop_recording`.

        The frames arrive at the camera's pace; ``fps`` is the rate written in the file. An existing file is
        replaced only with ``overwrite=True``.
        """
        target = Path(path)
        if target.exists() and not overwrite:
            raise EmolibError(f"{target} exists; pass overwrite=True to replace it")
        self.stop_recording()
        self._recorder = _Recorder(target, fps, overwrite)
        self.recording = str(target)

    def stop_recording(self) -> Path | None:
        """Finish the recording; returns its path (None when nothing was recorded)."""
        recorder, self._recorder = self._recorder, None
        self.recording = ""
        return recorder.close() if recorder is not None else None

    def _record(self, frame_bgr: np.ndarray, faces: list[dict[str, Any]]) -> None:
        recorder = self._recorder
        if recorder is None:
            return
        try:
            recorder.write(frame_bgr, [FaceResult.from_dict(face) for face in faces])
        except EmolibError as error:
            self._recorder = None
            recorder.abort()
            self.error = f"recording stopped: {error}"

    def _on_msg(self, _widget: Any, content: dict[str, Any], buffers: list[bytes | memoryview]) -> None:
        if not isinstance(content, dict):  # not a message of webcam.js: nothing to answer
            return
        kind = content.get("type")
        if self.drop_buffers:
            buffers = []
        view = content.get("view")
        if view is not None and view == self._owner:
            self._owner_seen = time.monotonic()
        if kind == "frame":
            self.send(self.handle_frame(content, buffers))
        elif kind == "latency":
            with self._lock:
                self._timings.extend(row for row in content.get("frames", []) if isinstance(row, dict))
        elif kind == "claim":
            self._claim(view, bool(content.get("click")), len(buffers))
        elif kind == "hello":
            if self.running and not self._owner_alive():
                self._owner = None
                self.running = False  # restored from before a page reload: no view streams any more
            self.send({"type": "owner", "owner": self._owner, "to": view})
        elif kind == "release":
            if view == self._owner:
                self._owner = None
                self.running = False
        elif kind == "started":
            self.tracker.reset()
            self.error = ""
            self._transport = content.get("transport", "binary")
        elif kind == "camera_error":
            self._browser_camera_failed(content)
        elif kind == "start_kernel":
            self._transport = content.get("transport", "binary")
            self._start_kernel_camera(view)
        elif kind == "stop_kernel":
            self._stop_kernel_camera()
        elif kind == "ack" and self._kernel is not None:
            self._kernel.ack()

    # -- which view streams: one at a time; a click moves the camera to the clicked view --

    def _owner_alive(self) -> bool:
        return self._owner is not None and time.monotonic() - self._owner_seen < OWNER_TIMEOUT_S

    def _claim(self, view: str | None, click: bool, buffers_in: int) -> None:
        """A view wants to start: it gets the camera on a click, or when no other view streams. The answer
        goes to every view (the others stop) and echoes :data:`PROBE`, so the view learns whether binary
        buffers reached the kernel (``buffers``) and come back (the reply's buffer)."""
        if click or not self._owner_alive() or self._owner == view:
            if self._owner != view:
                self._stop_kernel_camera()
            self._owner, self._owner_seen = view, time.monotonic()
        self.send({"type": "owner", "owner": self._owner, "to": view, "buffers": buffers_in},
                  buffers=[] if self.drop_buffers else [PROBE])

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
            self._owner = None
            self._stop_kernel_camera()

    def close(self) -> None:
        """Stop any kernel-side camera and recording, and close the widget."""
        self._stop_kernel_camera()
        self.stop_recording()
        super().close()


class _Recorder:
    """The annotated frames of a live stream into a video file, opened at the first frame's size. Thread-safe."""

    def __init__(self, path: Path, fps: float, overwrite: bool) -> None:
        self.path, self.fps, self.overwrite = path, fps, overwrite
        self._writer: VideoFileWriter | None = None
        self._layout = PanelLayout()  # the recording's panels keep their place from frame to frame
        self._lock = threading.Lock()

    def write(self, frame_bgr: np.ndarray, faces: list[FaceResult]) -> None:
        annotated = annotate(frame_bgr, faces, layout=self._layout)
        with self._lock:
            if self._writer is None:
                self._writer = VideoFileWriter(self.path, self.fps, (frame_bgr.shape[1], frame_bgr.shape[0]),
                                               overwrite=self.overwrite)
            self._writer.write(annotated)

    def close(self) -> Path | None:
        with self._lock:
            writer, self._writer = self._writer, None
        return writer.close() if writer is not None else None

    def abort(self) -> None:
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.abort()


def _zoom_box(box: tuple[int, int, int, int], zoom: float) -> tuple[int, int, int, int]:
    x, y, w, h = box
    return round(x * zoom), round(y * zoom), round(w * zoom), round(h * zoom)


def _unzoom(panel: dict[str, Any], zoom: float) -> dict[str, Any]:
    """A panel laid out on the frame shown ``zoom`` times larger, back in frame pixels (floats, 0.01 px)."""
    out = {**panel, **{key: round(panel[key] / zoom, 2) for key in ("x", "y", "w", "h", "row")}}
    if panel.get("leader"):
        out["leader"] = [round(v / zoom, 2) for v in panel["leader"]]
    return out


#: The largest live frame the kernel decodes (a 4K camera is 8.3 Mpx): a forged header is refused unread.
LIVE_MAX_PIXELS = 16_000_000


def decode_frame(content: dict[str, Any], buffers: list[bytes | memoryview]) -> np.ndarray:
    """The (H, W, 3) uint8 BGR frame of a browser frame message: JPEG bytes or H*W grey bytes, in the first
    binary buffer or, base64-encoded, in ``content["data"]`` (front ends that drop buffers)."""
    if buffers:
        data = np.frombuffer(buffers[0], np.uint8)
    elif isinstance(content.get("data"), str):
        try:
            data = np.frombuffer(base64.b64decode(content["data"], validate=True), np.uint8)
        except ValueError as error:
            raise EmolibError(f"frame data is not base64: {error}") from error
    else:
        raise EmolibError("frame message without an image buffer")
    if content.get("format") == "gray":
        try:
            width, height = int(content.get("width", 0)), int(content.get("height", 0))
        except (TypeError, ValueError):
            raise EmolibError("grey frame without a numeric width and height") from None
        if width <= 0 or height <= 0 or data.size != width * height:
            raise EmolibError(f"grey frame of {data.size} bytes does not match {width}x{height}")
        check_pixel_budget(width, height, LIVE_MAX_PIXELS, name="the frame")
        return cv2.cvtColor(data.reshape(height, width), cv2.COLOR_GRAY2BGR)
    return decode_image(data, name="the frame", max_pixels=LIVE_MAX_PIXELS)  # the size is checked before decoding


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
                widget._record(frame, reply["faces"])
                index += 1
                jpeg = encode(frame, ".jpg", 80)
                message = {**reply, "type": "kernel_frame", "id": index, "view": self.view}
                if widget._transport == "base64":
                    widget.send({**message, "data": base64.b64encode(jpeg).decode("ascii")})
                else:
                    widget.send(message, buffers=[jpeg])
        finally:
            reader.stop()
            self.capture.release()
