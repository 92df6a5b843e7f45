"""The Python side of the widgets: frame messages in, JSON results out; image, video and evaluation widgets."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("ipywidgets", reason="the widgets need the lab extra (ipywidgets, anywidget)")
pytest.importorskip("anywidget", reason="the widgets need the lab extra (ipywidgets, anywidget)")

from emolib.labels import CLASSES  # noqa: E402
from emolib.results import FRAME_COLUMNS  # noqa: E402
from emolib.training.evaluate import Evaluation  # noqa: E402
from emolib.widgets import ConfusionExplorer, ImageWidget, VideoWidget, WebcamWidget  # noqa: E402
from emolib.widgets.webcam import camera_error_message, decode_frame  # noqa: E402


@pytest.fixture(scope="module")
def webcam() -> WebcamWidget:
    return WebcamWidget(kernel_camera=None)


@pytest.fixture(scope="module")
def face_320(astronaut_bgr: np.ndarray) -> np.ndarray:
    """The astronaut at the size the browser sends: 320 px wide."""
    return cv2.resize(astronaut_bgr, (320, 320), interpolation=cv2.INTER_AREA)


def frame_message(image_bgr: np.ndarray, frame_id: int = 7, fmt: str = "jpeg") -> tuple[dict, list[bytes]]:
    """A frame message as the browser sends it: JSON content and one binary buffer."""
    height, width = image_bgr.shape[:2]
    if fmt == "gray":
        data = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY).tobytes()
    else:
        data = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, 70])[1].tobytes()
    return {"type": "frame", "view": "v1", "id": frame_id, "width": width, "height": height, "format": fmt}, [data]


def check_reply(reply: dict, frame_id: int) -> dict:
    json.dumps(reply)  # the reply must be plain JSON
    assert reply["type"] == "results" and reply["id"] == frame_id and reply["view"] == "v1"
    assert "error" not in reply
    assert len(reply["faces"]) == 1
    face = reply["faces"][0]
    assert set(face) >= {"face_id", "x", "y", "w", "h", "emotion", "probabilities"}
    assert list(face["probabilities"]) == list(CLASSES)
    assert sum(face["probabilities"].values()) == pytest.approx(1, abs=0.01)
    assert face["emotion"] in CLASSES and face["face_id"] >= 1
    assert 60 <= face["x"] + face["w"] / 2 <= 260 and face["y"] < 160  # the astronaut's face: upper middle
    return face


@pytest.mark.parametrize("fmt", ["jpeg", "gray"])
def test_webcam_frame_buffer_gets_json_results(webcam: WebcamWidget, face_320: np.ndarray, fmt: str) -> None:
    content, buffers = frame_message(face_320, 11, fmt)
    check_reply(webcam.handle_frame(content, [memoryview(buffers[0])]), 11)


def test_webcam_sends_the_reply_over_the_comm(webcam: WebcamWidget, face_320: np.ndarray,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[dict] = []
    monkeypatch.setattr(webcam, "send", lambda content, buffers=None: sent.append(content))
    webcam._on_msg(webcam, {"type": "started", "view": "v1"}, [])
    for frame_id in range(4):
        webcam._on_msg(webcam, *frame_message(face_320, frame_id))
    assert [reply["id"] for reply in sent] == [0, 1, 2, 3]
    ids = {check_reply(reply, reply["id"])["face_id"] for reply in sent}
    assert ids == {1}, "one face tracked across frames keeps one id (the tracker is reset on start)"


def test_webcam_results_table(webcam: WebcamWidget, face_320: np.ndarray) -> None:
    webcam.handle_frame(*frame_message(face_320))
    table = webcam.results
    assert list(table.columns) == list(FRAME_COLUMNS)
    assert len(table) >= 1 and table["emotion"].isin(CLASSES).all()


def test_webcam_bad_frames_answer_with_an_error(webcam: WebcamWidget) -> None:
    reply = webcam.handle_frame({"type": "frame", "id": 3, "format": "jpeg"}, [b"not a jpeg"])
    assert reply["faces"] == [] and "not a readable" in reply["error"]
    reply = webcam.handle_frame({"type": "frame", "id": 4, "format": "gray", "width": 10, "height": 10}, [b"x" * 7])
    assert "does not match" in reply["error"]
    with pytest.raises(Exception, match="buffer"):
        decode_frame({"format": "jpeg"}, [])


def test_webcam_frames_from_two_threads(webcam: WebcamWidget, face_320: np.ndarray) -> None:
    """Comms over subshells: frames may arrive on another thread while a cell uses the widget."""
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for index in range(10):
                check_reply(webcam.handle_frame(*frame_message(face_320, offset + index)), offset + index)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in (0, 100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


def test_webcam_camera_refused_gives_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    widget = WebcamWidget(kernel_camera=None)
    sent: list[dict] = []
    monkeypatch.setattr(widget, "send", lambda content, buffers=None: sent.append(content))
    widget._on_msg(widget, {"type": "camera_error", "view": "v", "name": "NotAllowedError", "message": "denied"}, [])
    assert sent == [{"type": "error", "view": "v", "message": widget.error}]
    assert "refused camera access" in widget.error
    assert "https://" in camera_error_message("InsecureContext", origin="http://10.0.0.5:8888")
    assert "10.0.0.5" in camera_error_message("InsecureContext", origin="http://10.0.0.5:8888")


@pytest.mark.parametrize("name", ["NotAllowedError", "SecurityError", "NotFoundError", "NotReadableError"])
def test_a_failed_browser_camera_never_opens_the_kernels(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Consent: the kernel's camera (on a student's laptop, the one just refused) is not opened in its place.
    A refusal is final; for a missing or busy camera the kernel's camera is offered, not taken."""
    import emolib.widgets.webcam as webcam_module

    opened: list[object] = []
    monkeypatch.setattr(webcam_module, "open_camera", lambda source: opened.append(source))
    widget = WebcamWidget(kernel_camera=0)
    sent: list[dict] = []
    monkeypatch.setattr(widget, "send", lambda content, buffers=None: sent.append(content))
    widget._on_msg(widget, {"type": "camera_error", "view": "v", "name": name, "message": "x"}, [])
    assert opened == [] and widget._kernel is None
    assert [content["type"] for content in sent] == ["error"] and sent[0]["message"] == widget.error
    offered = 'widget.source = "kernel"' in widget.error
    assert offered == (name not in ("NotAllowedError", "SecurityError")), widget.error


def test_the_kernel_camera_streams_when_asked_for(monkeypatch: pytest.MonkeyPatch, face_320: np.ndarray) -> None:
    """source="kernel" and Start: frames come from a cv2.VideoCapture in the kernel, sent with their results."""
    import emolib.widgets.webcam as webcam_module

    class FakeCapture:
        def __init__(self) -> None:
            self.frames = 3

        def read(self) -> tuple[bool, np.ndarray | None]:
            time.sleep(0.1)  # a 10 fps camera: the kernel keeps up and sends each frame
            self.frames -= 1
            return (True, face_320.copy()) if self.frames >= 0 else (False, None)

        def release(self) -> None:
            pass

    monkeypatch.setattr(webcam_module, "open_camera", lambda source: FakeCapture())
    widget = WebcamWidget(kernel_camera=0)
    sent: list[tuple[dict, list | None]] = []
    done = threading.Event()

    def send(content: dict, buffers: list | None = None) -> None:
        sent.append((content, buffers))
        if content["type"] == "kernel_frame":
            widget._on_msg(widget, {"type": "ack", "view": "v", "id": content["id"]}, [])
        if content["type"] == "error":
            done.set()

    monkeypatch.setattr(widget, "send", send)
    widget._on_msg(widget, {"type": "start_kernel", "view": "v"}, [])
    assert done.wait(20)
    kinds = [content["type"] for content, _ in sent]
    assert kinds[0] == "status" and kinds[-1] == "error" and set(kinds[1:-1]) == {"kernel_frame"}
    assert 2 <= len(kinds) - 2 <= 3, "each camera frame is sent at most once (a late one may be dropped as stale)"
    assert "the kernel's camera 0" in sent[0][0]["text"]
    content, buffers = sent[1]
    assert len(content["faces"]) == 1 and content["width"] == 320
    assert cv2.imdecode(np.frombuffer(buffers[0], np.uint8), cv2.IMREAD_COLOR).shape == (320, 320, 3)
    widget.close()


def test_webcam_ships_emojis_and_colours_once(webcam: WebcamWidget) -> None:
    assert set(webcam.emojis) == set(CLASSES)
    assert all(url.startswith("data:image/png;base64,") for url in webcam.emojis.values())
    assert set(webcam.colors) == set(CLASSES) and webcam.classes == list(CLASSES)
    assert webcam.max_in_flight == 2


def test_image_widget_finds_the_astronaut(astronaut_bgr: np.ndarray, tmp_path: Path) -> None:
    widget = ImageWidget(astronaut_bgr)
    table = widget.results
    assert list(table.columns) == list(FRAME_COLUMNS)
    assert len(table) == 1 and table.loc[0, "emotion"] in CLASSES
    assert bytes(widget.picture.value).startswith(b"\x89PNG") and "<table" in widget.table.value
    widget.detector.value = "haar"
    assert len(widget.results) == 1
    path = tmp_path / "astronaut.png"
    cv2.imwrite(str(path), astronaut_bgr)
    assert len(widget.analyze(str(path))) == 1
    assert len(widget.analyze(path.read_bytes())) == 1
    widget.min_score.value = 0.99  # haar: exactly the detections scoring 0.99 or more are shown
    kept = [tuple(face.box) for face in widget.analyzer.analyze(astronaut_bgr) if face.score >= 0.99]
    assert [tuple(face.box) for face in widget.faces] == kept
    assert [tuple(row) for row in widget.results[["x", "y", "w", "h"]].to_numpy()] == kept


def test_image_widget_min_score_is_the_least_score_shown(astronaut_bgr: np.ndarray) -> None:
    """The one face of the photo stays while min score is at or below its score, and goes above it."""
    widget = ImageWidget(astronaut_bgr)  # min score 0.6
    assert len(widget.results) == 1
    score = widget.faces[0].score
    assert 0.61 <= score <= 0.98, "the slider (up to 0.99) must be able to pass the face's score"
    widget.min_score.value = score - 0.01
    assert len(widget.results) == 1 and widget.message.value.startswith("1 face found")
    widget.min_score.value = score + 0.01
    assert widget.results.empty and widget.faces == []
    assert widget.message.value == "0 faces found in 512x512" and "No face found" in widget.table.value


def test_image_widget_counts_the_faces(astronaut_bgr: np.ndarray) -> None:
    widget = ImageWidget(np.full((480, 640, 3), 128, np.uint8))  # a blank frame: nobody
    assert widget.results.empty and list(widget.results.columns) == list(FRAME_COLUMNS)
    assert widget.message.value == "0 faces found in 640x480"
    table = widget.analyze(np.hstack([astronaut_bgr, astronaut_bgr]))  # the astronaut twice, side by side
    assert len(table) == 2 and sorted(table["face_id"]) == [1, 2]
    centres = sorted((table["x"] + table["w"] / 2).tolist())
    assert centres[0] < 512 < centres[1], "one face in each half"
    assert abs((centres[1] - centres[0]) - 512) < 10, "the same face, 512 px apart"
    assert widget.message.value == "2 faces found in 1024x512"


def test_image_widget_reports_bad_input_without_raising(tmp_path: Path) -> None:
    widget = ImageWidget()
    widget.analyze(str(tmp_path / "missing.jpg"))
    assert "no such file" in widget.message.value and widget.results.empty
    widget.analyze(b"garbage")
    assert "not a readable image" in widget.message.value


def test_video_widget_timeline_and_slider(astronaut_bgr: np.ndarray, tmp_path: Path) -> None:
    from emolib.training.synthetic import write_demo_video

    clip = write_demo_video(tmp_path / "clip.mp4", astronaut_bgr, seconds=1, fps=10, size=(320, 240))
    widget = VideoWidget(clip, folder=tmp_path)
    assert widget.path.options == (str(clip),)
    table = widget.analyze()
    assert list(table.columns) == list(FRAME_COLUMNS)
    assert table["frame"].nunique() >= 8 and table["face_id"].nunique() == 1
    assert widget.progress.value == widget.progress.max and widget.slider.max >= 9
    assert bytes(widget.timeline.value).startswith(b"\x89PNG") and bytes(widget.frame_view.value[:2]) == b"\xff\xd8"
    before = widget.timeline.value
    widget.slider.value = 5
    assert widget.time_label.value == "0.50 s" and widget.timeline.value != before
    assert len(widget.faces_at(5)) == 1
    widget.analyze(tmp_path / "missing.mp4")
    assert "no such file" in widget.status.value
    widget.close()


def test_confusion_explorer_shows_the_faces_of_a_pair() -> None:
    from emolib.training.synthetic import make_synthetic_fer

    data = make_synthetic_fer(6, seed=1)
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(len(CLASSES)), len(data)).astype(np.float32)
    evaluation = Evaluation("random", "all", data.labels, probabilities, data.images)
    explorer = ConfusionExplorer(evaluation, top=5)
    assert len(explorer.pair.options) == 5 and bytes(explorer.picture.value).startswith(b"\x89PNG")
    first = explorer.picture.value
    explorer.pair.value = explorer.pair.options[1][1]
    assert explorer.picture.value != first


def test_webcam_base64_frames_decode_like_buffers(face_320: np.ndarray) -> None:
    """Front ends that drop binary buffers (Google Colab): the same frame as base64 in the message content."""
    import base64

    content, buffers = frame_message(face_320, 5)
    from_base64 = decode_frame({**content, "data": base64.b64encode(buffers[0]).decode("ascii")}, [])
    assert np.array_equal(from_base64, decode_frame(content, buffers))
    with pytest.raises(ValueError, match="not base64"):
        decode_frame({**content, "data": "***"}, [])


def test_webcam_start_probe_tells_whether_buffers_travel(monkeypatch: pytest.MonkeyPatch) -> None:
    """A claim carries a probe buffer; the kernel's answer counts the buffers it got and echoes the probe
    (none of either where the front end drops buffers), so the browser picks binary or base64."""
    from emolib.widgets.webcam import PROBE

    widget = WebcamWidget(kernel_camera=None)
    sent: list[tuple[dict, list | None]] = []
    monkeypatch.setattr(widget, "send", lambda content, buffers=None: sent.append((content, buffers)))
    widget._on_msg(widget, {"type": "claim", "view": "a", "click": True}, [PROBE])
    assert sent[-1] == ({"type": "owner", "owner": "a", "to": "a", "buffers": 1}, [PROBE])
    widget.drop_buffers = True
    widget._on_msg(widget, {"type": "claim", "view": "a", "click": True}, [PROBE])
    assert sent[-1] == ({"type": "owner", "owner": "a", "to": "a", "buffers": 0}, [])


def test_webcam_one_view_streams_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shown twice: a view that did not click does not take the camera from a live one; a click does. A view
    that fell silent (its page reloaded) loses it, and a new view's hello turns a stale running off."""
    import emolib.widgets.webcam as webcam_module

    widget = WebcamWidget(kernel_camera=None)
    owners: list[str | None] = []
    monkeypatch.setattr(widget, "send", lambda content, buffers=None: owners.append(content.get("owner")))
    widget.running = True
    widget._on_msg(widget, {"type": "claim", "view": "a", "click": True}, [])
    widget._on_msg(widget, {"type": "claim", "view": "b", "click": False}, [])
    assert owners == ["a", "a"]
    widget._on_msg(widget, {"type": "claim", "view": "b", "click": True}, [])
    assert owners[-1] == "b"
    widget._on_msg(widget, {"type": "hello", "view": "c"}, [])
    assert owners[-1] == "b" and widget.running, "b streams: the new view c leaves it alone"
    monkeypatch.setattr(webcam_module, "OWNER_TIMEOUT_S", 0.0)  # b fell silent
    widget._on_msg(widget, {"type": "hello", "view": "c"}, [])
    assert owners[-1] is None and not widget.running
    widget.running = True
    widget._on_msg(widget, {"type": "claim", "view": "c", "click": False}, [])
    widget._on_msg(widget, {"type": "release", "view": "c"}, [])
    assert not widget.running and widget._owner is None


def test_webcam_latency_table_from_the_browsers_reports(face_320: np.ndarray) -> None:
    from emolib.widgets.webcam import LATENCY_COLUMNS

    widget = WebcamWidget(kernel_camera=None)
    assert list(widget.latency.columns) == list(LATENCY_COLUMNS) and widget.latency.empty
    row = {"frame": 1, "wait_ms": 5.0, "encode_ms": 3.0, "send_ms": 0.2, "network_ms": 9.0, "kernel_ms": 6.0,
           "draw_ms": 1.0, "capture_to_drawn_ms": 24.2, "bytes": 76800}
    widget._on_msg(widget, {"type": "latency", "view": "v", "frames": [row, {**row, "frame": 2}]}, [])
    table = widget.latency
    assert table["frame"].tolist() == [1, 2] and table["capture_to_drawn_ms"].median() == pytest.approx(24.2)
    reply = widget.handle_frame(*frame_message(face_320, 3))
    assert reply["handle_ms"] >= reply["ms"] > 0, "the kernel's time includes decoding"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_webcam_save_writes_the_results_and_never_overwrites(face_320: np.ndarray, tmp_path: Path,
                                                             suffix: str) -> None:
    import pandas as pd

    if suffix == ".parquet":
        pytest.importorskip("pyarrow", reason="Parquet needs pyarrow (the batch extra)")
    widget = WebcamWidget(kernel_camera=None)
    for frame_id in range(3):
        widget.handle_frame(*frame_message(face_320, frame_id))
    path = widget.save(tmp_path / f"class{suffix}")
    saved = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    assert list(saved.columns) == list(FRAME_COLUMNS) and len(saved) == 3
    before = path.read_bytes()
    with pytest.raises(ValueError, match="exists"):
        widget.save(path)
    assert path.read_bytes() == before
    widget.handle_frame(*frame_message(face_320, 4))
    widget.save(path, overwrite=True)
    assert len(pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name], "no temporary file left behind"
    with pytest.raises(ValueError, match="csv or .parquet"):
        widget.save(tmp_path / "class.xlsx")


def test_webcam_records_the_annotated_stream(face_320: np.ndarray, tmp_path: Path) -> None:
    widget = WebcamWidget(kernel_camera=None)
    path = tmp_path / "session.mp4"
    widget.record(path)
    assert widget.recording == str(path)
    for frame_id in range(6):
        widget.handle_frame(*frame_message(face_320, frame_id))
    assert widget.stop_recording() == path and widget.recording == ""
    from emolib.media import VideoReader

    reader = VideoReader(path)
    frames = [frame for _, frame in reader if frame is not None]
    reader.close()
    assert len(frames) == 6 and frames[0].shape == (320, 320, 3)
    changed = np.abs(frames[3].astype(int) - face_320.astype(int)).sum(axis=2) > 60
    assert changed.sum() > 500, "the recorded frames carry the boxes and panels"
    with pytest.raises(ValueError, match="exists"):
        widget.record(path)
    widget.record(path, overwrite=True)
    assert widget.stop_recording() is None, "nothing analysed since: no file written"
    assert path.exists()


def test_the_server_config_file_turns_nodelay_on(tmp_path: Path) -> None:
    """docs/jupyter_server_config.py, as a server's only configuration, makes the server use emolib's
    NoDelayWebsocketConnection: its log line appears when a kernel's websocket connects."""
    import asyncio
    import os
    import shutil
    import subprocess
    import sys
    import urllib.request

    from tornado.websocket import websocket_connect

    from tests.test_browser_webcam import free_port, wait_for_server

    repo = Path(__file__).resolve().parents[1]
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(repo / "docs" / "jupyter_server_config.py", config / "jupyter_server_config.py")
    port, token = free_port(), "emolib-config-test"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))}
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}", "--allow-root"],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"127.0.0.1:{port}"
            wait_for_server(f"http://{base}/api/status?token={token}", server)
            request = urllib.request.Request(f"http://{base}/api/kernels?token={token}", data=b"{}", method="POST")
            with urllib.request.urlopen(request, timeout=60) as response:
                kernel = json.load(response)

            async def connect() -> None:
                socket = await websocket_connect(f"ws://{base}/api/kernels/{kernel['id']}/channels?token={token}")
                await asyncio.sleep(1)
                socket.close()

            asyncio.run(connect())
            deadline = time.monotonic() + 20
            while "TCP_NODELAY" not in log_path.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(timeout=15)
    text = log_path.read_text()
    assert f"emolib: kernel websocket with TCP_NODELAY (kernel {kernel['id']})" in text, text[-2000:]
