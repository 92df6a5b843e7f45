"""The live webcam widget end to end: JupyterLab 4 and Notebook 7 in headless Chromium, a fake camera showing a face.

Chromium's fake camera plays a y4m file made from the astronaut photo; the test runs the webcam notebook
in JupyterLab, presses Start, and checks that the kernel's results keep coming back and are drawn over the
video (a face box and an emoji); the widget's lifecycle (a kernel restart while streaming, Stop, a page
reload, one widget shown twice), its base64 transport, and its latency goal (test_latency_goal_with_a_30_fps_camera).
Frame rate and capture-to-drawn latency per front end are measured by ``benchmarks/bench_browser_webcam.py``,
which drives the same notebook through :func:`jupyter_server` and :func:`measure_latency`. Screenshots go to the test's
tmp folder; with ``EMOLIB_UPDATE_DOCS=1`` the JupyterLab one replaces ``docs/webcam_widget.png`` (a test run
leaves the checkout clean otherwise).

Needs the Debian package ``chromium`` and the Python packages ``playwright`` (no ``playwright install``:
the system Chromium is used) and ``jupyterlab`` (``notebook`` 7 for its case; skipped without it). Run alone with
``pytest -m browser``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "06_webcam_widget.ipynb"
SCREENSHOT = REPO / "docs" / "webcam_widget.png"  # rewritten only with EMOLIB_UPDATE_DOCS=1
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
]
MIN_FPS = 25.0

pytestmark = pytest.mark.browser


def write_y4m(path: Path, image_bgr: np.ndarray, *, size: tuple[int, int] = (640, 480), fps: int = 60,
              frames: int = 60) -> Path:
    """A y4m clip (I420) of ``image_bgr`` fitted to ``size`` with a slight sway, for Chromium's fake camera.

    60 fps by default: the widget sends each camera frame at most once, so a 30 fps camera would cap the
    measured round trips at 30 per second and hide what the pipeline itself can do.
    """
    width, height = size
    scale = 1.05 * max(width / image_bgr.shape[1], height / image_bgr.shape[0])
    fitted = cv2.resize(image_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for index in range(frames):
            dx = round(4 * np.sin(2 * np.pi * index / frames))
            x0 = (fitted.shape[1] - width) // 2 + dx
            frame = fitted[:height, max(0, x0):max(0, x0) + width]
            out.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def two_faces(image_bgr: np.ndarray) -> np.ndarray:
    """A 4:3 picture of ``image_bgr`` twice, side by side (the second mirrored), for a two-face camera."""
    height, width = image_bgr.shape[:2]
    canvas = np.zeros((round(2 * width * 3 / 4), 2 * width, 3), np.uint8)
    top = (canvas.shape[0] - height) // 2
    canvas[top:top + height, :width] = image_bgr
    canvas[top:top + height, width:] = cv2.flip(image_bgr, 1)
    return canvas


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                json.load(response)
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout} s")


NODELAY = "--ServerApp.kernel_websocket_connection_class=emolib.widgets.server.NoDelayWebsocketConnection"
#: Front ends: (Python module to run, its app class for the expose flag, notebook URL path, server options,
#: least round trips per second, the goal benchmarks/bench_browser_webcam.py reports on). With emolib's
#: TCP_NODELAY kernel connection (emolib.widgets.server) the widget should reach MIN_FPS. Jupyter Server's
#: stock connection leaves Nagle's algorithm on: each answer can wait ~40 ms for the browser's delayed ACK, so
#: there the bar is lower (~25-30 fps on an idle 2-core machine, ~20 under load). Notebook 7 should work end
#: to end at a real-time rate; the 25 fps bar is for JupyterLab, the front end the notebooks are written for.
FRONT_ENDS = {
    "jupyterlab-nodelay": ("jupyterlab", "LabApp", "lab/tree", [NODELAY], MIN_FPS),
    "notebook7-nodelay": ("notebook", "JupyterNotebookApp", "notebooks", [NODELAY], 20.0),
    "jupyterlab-stock": ("jupyterlab", "LabApp", "lab/tree", [], 12.0),
    "notebook7-stock": ("notebook", "JupyterNotebookApp", "notebooks", [], 12.0),  # benchmark only
}
TESTED_FRONT_ENDS = sorted(case for case in FRONT_ENDS if case != "notebook7-stock")
#: The latency goal of the browser test (a 30 fps camera, JupyterLab with NoDelay, one face).
LATENCY_FPS, LATENCY_MEDIAN_MS = 25.0, 80.0


@contextmanager
def jupyter_server(case: str, folder: Path) -> Iterator[str]:
    """Front end ``case`` of FRONT_ENDS on a free localhost port, serving ``folder``/lab with a copy of the webcam
    notebook (config, settings and logs under ``folder``); yields the notebook's URL."""
    module, app, url_path, options, _ = FRONT_ENDS[case]
    root = folder / "lab"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    port, token = free_port(), "emolib-browser-test"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
           "JUPYTER_CONFIG_DIR": str(folder / "config"), "JUPYTERLAB_SETTINGS_DIR": str(folder / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces"), "JUPYTER_RUNTIME_DIR": str(folder / "runtime")}
    notifications = folder / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notifications.parent.mkdir(parents=True)
    notifications.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))  # no news toast
    log = (folder / "jupyterlab.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", f"--{app}.expose_app_in_browser=True",
         "--allow-root", *options],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_server(f"http://127.0.0.1:{port}/api/status?token={token}", process)
        yield f"http://127.0.0.1:{port}/{url_path}/{NOTEBOOK.name}?token={token}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def run_webcam(page: Any, url: str, *, seconds: float = 8.0, screenshot: Path | None = None) -> dict[str, Any]:
    """Open the webcam notebook at ``url`` in a playwright ``page``, run it, press Start and watch ``seconds``
    of results after the first; then press Stop.

    Returns the best reading with a face and an emoji (fps: round trips per second, averaged by the widget
    over its last seconds; faces; emoji; state; latency_ms: median capture-to-drawn), plus ``painted`` (overlay
    pixels drawn), ``shown`` (the widget's own fps line) and ``final`` (the last reading before Stop). Fails on
    a widget error. ``screenshot``: save the widget there.
    """
    page.goto(url)
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext?.session?.kernel",
                           timeout=90_000)
    page.wait_for_function("window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
                           " === 'idle'", timeout=90_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    widget = page.locator(".emolib-webcam")
    widget.wait_for(timeout=120_000)
    widget.scroll_into_view_if_needed()
    page.locator(".emolib-webcam-button").click()
    best: dict[str, Any] = {"fps": 0.0, "faces": 0, "emoji": "", "state": ""}
    deadline = time.monotonic() + 45
    started = None
    while time.monotonic() < deadline:
        state = widget.evaluate("e => ({fps: +e.dataset.fps, faces: +e.dataset.faces, emoji: e.dataset.emoji,"
                                " state: e.dataset.state, latency_ms: +e.dataset.latency})")
        message = page.locator(".emolib-webcam-message").inner_text()
        assert state["state"] != "error", f"the widget reports an error: {message}"
        if state["fps"] > 0 and started is None:
            started = time.monotonic()
        if state["faces"] and state["emoji"] and state["fps"] >= best["fps"]:
            best = state
        if started is not None and time.monotonic() - started > seconds and best["faces"]:
            break
        time.sleep(0.5)
    best["final"] = state
    best["painted"] = page.evaluate("""() => {
        const canvas = document.querySelector('.emolib-webcam-overlay');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let count = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count += 1;
        return count;
    }""")
    best["shown"] = page.locator(".emolib-webcam-fps").inner_text()
    if screenshot is not None:
        screenshot.parent.mkdir(exist_ok=True)
        widget.screenshot(path=str(screenshot))
    page.locator(".emolib-webcam-button").click()
    return best


@pytest.fixture(params=TESTED_FRONT_ENDS)
def lab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """JupyterLab 4 or Notebook 7 on a free localhost port, serving a temp folder with a copy of the webcam notebook."""
    pytest.importorskip(FRONT_ENDS[request.param][0], reason=f"{FRONT_ENDS[request.param][0]} is not installed")
    with jupyter_server(request.param, tmp_path) as url:
        yield url, tmp_path, request.param


def test_webcam_widget_draws_results_over_the_video(lab: tuple[str, Path, str], astronaut_bgr: np.ndarray) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    url, tmp_path, case = lab
    video = write_y4m(tmp_path / "astronaut.y4m", astronaut_bgr)
    update_docs = case == "jupyterlab-nodelay" and os.environ.get("EMOLIB_UPDATE_DOCS") == "1"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={video}"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            screenshot = SCREENSHOT if update_docs else tmp_path / SCREENSHOT.name
            best = run_webcam(page, url, seconds=3, screenshot=screenshot)
        finally:
            browser.close()
    print(f"{case}: {best}")
    assert best["faces"] >= 1, "no face box came back from the kernel"
    assert best["emoji"], "no emoji was drawn over the video"
    assert best["painted"] > 500, "nothing was drawn on the overlay canvas"
    final = best["final"]
    assert final["state"] == "running" and final["fps"] > 0, f"results stopped coming back: {final}"


def run_notebook(page: Any, url: str) -> None:
    """Open the webcam notebook at ``url``, run all its cells once the kernel is idle, wait for the widget."""
    page.goto(url)
    page.wait_for_function("window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel?.status"
                           " === 'idle'", timeout=90_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.locator(".emolib-webcam-button").first.wait_for(timeout=120_000)
    page.wait_for_function("window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                           timeout=120_000)


def run_notebook_and_press_start(page: Any, url: str) -> None:
    """Open the webcam notebook at ``url``, run all its cells once the kernel is idle, and press Start."""
    run_notebook(page, url)
    page.locator(".emolib-webcam-button").click(timeout=120_000)


def run_in_kernel(page: Any, code: str) -> None:
    """Execute ``code`` in the notebook's kernel (as a cell would, without a cell) and wait for it."""
    page.evaluate("code => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                  ".requestExecute({code}).done", code)


def add_cell_and_run(page: Any, code: str) -> None:
    """Append a code cell with ``code`` to the open notebook and run it."""
    page.evaluate("""code => {
        const notebook = window.jupyterapp.shell.currentWidget.content;
        notebook.activeCellIndex = notebook.widgets.length - 1;
        return window.jupyterapp.commands.execute('notebook:insert-cell-below').then(() => {
            notebook.activeCell.model.sharedModel.setSource(code);
            return window.jupyterapp.commands.execute('notebook:run-cell');
        });
    }""", code)


#: Records every camera stream the page opens (window.__emolibStreams), so a test can check the tracks stopped.
STREAM_SPY = """(() => {
    window.__emolibStreams = [];
    const devices = navigator.mediaDevices;
    if (!devices?.getUserMedia) return;
    const original = devices.getUserMedia.bind(devices);
    devices.getUserMedia = async (constraints) => {
        const stream = await original(constraints);
        window.__emolibStreams.push(stream);
        return stream;
    };
})()"""
LIVE_TRACKS = "window.__emolibStreams.flatMap(s => s.getTracks()).filter(t => t.readyState === 'live').length"


def widget_state(page: Any, index: int = 0) -> dict[str, Any]:
    """The dataset of the ``index``-th webcam view on the page, with its message text."""
    return page.evaluate("""index => {
        const root = document.querySelectorAll('.emolib-webcam')[index];
        return {...root.dataset, message: root.querySelector('.emolib-webcam-message').textContent,
                button: root.querySelector('.emolib-webcam-button').textContent};
    }""", index)


def wait_streaming(page: Any, index: int = 0, timeout: float = 60) -> dict[str, Any]:
    """Wait until the ``index``-th view draws results with a face; returns its state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = widget_state(page, index)
        assert state["state"] != "error", f"the widget reports an error: {state['message']}"
        if state["state"] == "running" and float(state["fps"]) > 0 and int(state["faces"]) >= 1:
            return state
        time.sleep(0.5)
    raise AssertionError(f"view {index} never streamed: {widget_state(page, index)}")


#: A page error is the widget's when its stack passes through the widget code (anywidget loads the ESM from a
#: blob: URL; the comms are @jupyter-widgets') or it is about sending. Notebook 7 itself logs an unrelated
#: TypeError in its keyboard-shortcut settings when a kernel restarts.
WIDGET_ERROR_MARKS = ("anywidget", "blob:", "jupyter-widgets", "jupyterlab-manager", "emolib", "send", "comm")


def widget_errors(errors: list[str]) -> list[str]:
    """The collected page errors that come from the widget (see WIDGET_ERROR_MARKS)."""
    return [error for error in errors if any(mark in error.lower() for mark in WIDGET_ERROR_MARKS)]


@contextmanager
def fake_camera_page(tmp_path: Path, image_bgr: np.ndarray, *, fps: int = 60) -> Iterator[tuple[Any, list[str]]]:
    """A Chromium page with a fake camera playing ``image_bgr`` and the stream spy; yields it with the list of
    page errors (uncaught exceptions, and console errors about sending) that it collects."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    video = write_y4m(tmp_path / f"camera{fps}.y4m", image_bgr, fps=fps, frames=2 * fps)
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={video}"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.add_init_script(STREAM_SPY)
            page.on("pageerror", lambda error: errors.append(f"page error: {error.stack or error}"))
            page.on("console", lambda message: errors.append(f"console: {message.text}")
                    if message.type == "error" and "send" in message.text.lower() else None)
            yield page, errors
        finally:
            browser.close()


@pytest.mark.parametrize("lab", ["jupyterlab-stock"], indirect=True)
def test_webcam_widget_without_a_camera_says_so(lab: tuple[str, Path, str]) -> None:
    """No camera in the browser (nor in the kernel's machine): a clear message in the widget, no traceback."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    url = lab[0]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS[:7])  # no fake camera
        try:
            page = browser.new_page()
            run_notebook_and_press_start(page, url)
            message = page.locator(".emolib-webcam-message")
            page.wait_for_function("document.querySelector('.emolib-webcam').dataset.state === 'error'",
                                   timeout=30_000)
            page.wait_for_function("document.querySelector('.emolib-webcam-message').textContent.includes('kernel')",
                                   timeout=30_000)
            text = message.inner_text()
            assert "camera" in text.lower() and "Traceback" not in page.content()
            assert page.locator(".emolib-webcam-button").inner_text().endswith("Start")
        finally:
            browser.close()


@pytest.mark.parametrize("lab", ["jupyterlab-stock"], indirect=True)
def test_a_refused_camera_stays_off(lab: tuple[str, Path, str]) -> None:
    """The user blocks the camera (NotAllowedError): the widget says so, offers nothing else, and the kernel
    opens no camera in its place (the kernel's camera of a local kernel is the one just refused)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    url = lab[0]
    args = [arg for arg in CHROMIUM_ARGS if arg != "--use-fake-ui-for-media-stream"] + ["--deny-permission-prompts"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            page = browser.new_page()
            run_notebook_and_press_start(page, url)
            page.wait_for_function("document.querySelector('.emolib-webcam-message').textContent.includes('refused')",
                                   timeout=30_000)
            time.sleep(2)  # the kernel has had time to act on the refusal
            text = page.locator(".emolib-webcam-message").inner_text()
            state = page.evaluate("document.querySelector('.emolib-webcam').dataset.state")
            assert "refused camera access" in text and 'source = "kernel"' not in text, text
            assert state == "error" and page.locator(".emolib-webcam-button").inner_text().endswith("Start")
        finally:
            browser.close()


@pytest.mark.parametrize("lab", ["jupyterlab-nodelay", "notebook7-nodelay"], indirect=True)
def test_a_kernel_restart_stops_the_camera_and_says_so(lab: tuple[str, Path, str], astronaut_bgr: np.ndarray) -> None:
    """Restart the kernel while streaming: the camera stops (tracks ended), the overlay is cleared, the button
    says Start, one line says what happened, and nothing logs errors afterwards (the widget sends nothing)."""
    url, tmp_path, _ = lab
    with fake_camera_page(tmp_path, astronaut_bgr) as (page, errors):
        run_notebook_and_press_start(page, url)
        wait_streaming(page)
        assert page.evaluate(LIVE_TRACKS) == 1
        page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()")
        page.wait_for_function("document.querySelector('.emolib-webcam').dataset.state === 'idle'", timeout=30_000)
        time.sleep(7)  # longer than the widget's 5 s wait for an unanswered frame
        state = widget_state(page)
        assert state["message"] == "The kernel restarted: run the cell again.", state
        assert state["button"].endswith("Start") and state["faces"] == "0" and state["fps"] == "0.0"
        assert page.evaluate(LIVE_TRACKS) == 0, "the camera is still on after the kernel restarted"
        painted = page.evaluate("""() => {
            const canvas = document.querySelector('.emolib-webcam-overlay');
            return canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
                .filter((value, i) => i % 4 === 3 && value > 0).length;
        }""")
        assert painted == 0, "the last boxes stay drawn after the restart"
        page.locator(".emolib-webcam-button").click()  # Start on a dead widget: the same line, no camera
        time.sleep(1)
        assert page.evaluate(LIVE_TRACKS) == 0 and widget_state(page)["message"].startswith("The kernel restarted")
        assert widget_errors(errors) == [], errors


@pytest.mark.parametrize("lab", ["jupyterlab-nodelay"], indirect=True)
def test_stop_releases_the_camera_and_a_reload_waits_for_a_click(lab: tuple[str, Path, str],
                                                                 astronaut_bgr: np.ndarray) -> None:
    """Stop ends every camera track (the camera light goes off). A page reload while streaming restores the
    widget without opening a camera: it waits for Start."""
    url, tmp_path, _ = lab
    with fake_camera_page(tmp_path, astronaut_bgr) as (page, errors):
        run_notebook_and_press_start(page, url)
        wait_streaming(page)
        page.locator(".emolib-webcam-button").click()
        page.wait_for_function("document.querySelector('.emolib-webcam').dataset.state === 'idle'", timeout=10_000)
        assert page.evaluate(LIVE_TRACKS) == 0 and page.evaluate("window.__emolibStreams.length") == 1
        page.locator(".emolib-webcam-button").click()
        wait_streaming(page)
        page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")  # the reload shows the saved outputs
        time.sleep(1)
        page.reload()  # the widget's view comes back from the kernel, with running=True
        page.locator(".emolib-webcam").wait_for(timeout=90_000)
        time.sleep(6)  # the kernel has seen the old view fall silent, and the new one has had time to act
        state = widget_state(page)
        assert page.evaluate("window.__emolibStreams.length") == 0, "a reload opened the camera without a click"
        assert state["state"] == "idle" and state["button"].endswith("Start"), state
        assert "Press Start" in state["message"], state
        page.locator(".emolib-webcam-button").click()
        wait_streaming(page)
        assert page.evaluate(LIVE_TRACKS) == 1
        assert widget_errors(errors) == [], errors


@pytest.mark.parametrize("lab", ["jupyterlab-nodelay"], indirect=True)
def test_one_widget_shown_twice_and_two_widgets(lab: tuple[str, Path, str], astronaut_bgr: np.ndarray) -> None:
    """The same widget displayed twice streams in one view at a time (Start in the other moves it there, and
    the first says so); a second widget streams beside it, each view drawing its own results."""
    url, tmp_path, _ = lab
    with fake_camera_page(tmp_path, astronaut_bgr) as (page, errors):
        run_notebook(page, url)
        add_cell_and_run(page, "webcam")
        add_cell_and_run(page, "other = WebcamWidget(detector=DETECTOR)\nother")
        page.wait_for_function("document.querySelectorAll('.emolib-webcam').length === 3", timeout=60_000)
        buttons = page.locator(".emolib-webcam-button")
        buttons.nth(0).click()
        wait_streaming(page, 0)
        assert widget_state(page, 1)["state"] == "idle"
        buttons.nth(1).click()  # the second view of the same widget
        wait_streaming(page, 1)
        page.wait_for_function("document.querySelectorAll('.emolib-webcam')[0].dataset.state === 'idle'",
                               timeout=10_000)
        assert "another view" in widget_state(page, 0)["message"]
        buttons.nth(2).click()  # the other widget
        wait_streaming(page, 2)
        time.sleep(2)
        assert widget_state(page, 1)["state"] == "running" and float(widget_state(page, 1)["fps"]) > 0
        assert page.evaluate(LIVE_TRACKS) == 2
        buttons.nth(1).click()
        buttons.nth(2).click()
        page.wait_for_function(LIVE_TRACKS + " === 0", timeout=10_000)
        assert widget_errors(errors) == [], errors


@pytest.mark.parametrize("lab", ["jupyterlab-nodelay"], indirect=True)
def test_frames_travel_as_base64_where_buffers_do_not(lab: tuple[str, Path, str], astronaut_bgr: np.ndarray) -> None:
    """A front end that drops binary comm buffers (Google Colab's widget manager), simulated in the kernel: the
    start probe finds out, frames travel as base64, and the results come back as usual."""
    url, tmp_path, _ = lab
    with fake_camera_page(tmp_path, astronaut_bgr) as (page, errors):
        run_notebook(page, url)
        run_in_kernel(page, "webcam.drop_buffers = True")
        page.locator(".emolib-webcam-button").click()
        state = wait_streaming(page)
        assert state["transport"] == "base64", state
        time.sleep(2)
        assert float(widget_state(page)["fps"]) > 5
        page.locator(".emolib-webcam-button").click()
        run_in_kernel(page, "webcam.drop_buffers = False")
        page.locator(".emolib-webcam-button").click()
        assert wait_streaming(page)["transport"] == "binary"
        assert widget_errors(errors) == [], errors


def measure_latency(page: Any, seconds: float = 8.0, *, index: int = 0) -> dict[str, float]:
    """With the ``index``-th view streaming, watch ``seconds`` of frames after a 2 s warm-up; returns results
    drawn per second (fps), the camera's frame rate, capture-to-drawn median and p90, and the median of each
    stage (the widget's own per-frame timings, root.emolibTimings)."""
    wait_streaming(page, index)
    time.sleep(2)
    start = page.evaluate("performance.now()")
    time.sleep(seconds)
    return page.evaluate("""([index, start]) => {
        const root = document.querySelectorAll('.emolib-webcam')[index];
        const now = performance.now();
        const frames = root.emolibTimings.filter(t => t.drawn >= start);
        const median = (values) => {
            const v = [...values].sort((a, b) => a - b);
            return v.length ? v[Math.floor((v.length - 1) / 2)] : NaN;
        };
        const p90 = (values) => {
            const v = [...values].sort((a, b) => a - b);
            return v.length ? v[Math.floor(0.9 * (v.length - 1))] : NaN;
        };
        const total = frames.map(t => t.drawn - t.capture);
        return {
            fps: frames.length * 1000 / (now - start), frames: frames.length,
            camera_fps: +root.querySelector('.emolib-webcam-fps').textContent.split(' of ')[1]?.split(' ')[0] || 0,
            median_ms: median(total), p90_ms: p90(total),
            wait_ms: median(frames.map(t => t.grabbed - t.capture)),
            encode_ms: median(frames.map(t => t.encoded - t.grabbed)),
            network_ms: median(frames.map(t => t.received - t.sent - t.kernel)),
            kernel_ms: median(frames.map(t => t.kernel)),
            draw_ms: median(frames.map(t => t.drawn - t.received)),
            faces: +root.dataset.faces, nagle: root.dataset.nagle ? 1 : 0,
        };
    }""", [index, start])


@pytest.mark.parametrize("lab", ["jupyterlab-nodelay"], indirect=True)
def test_latency_goal_with_a_30_fps_camera(lab: tuple[str, Path, str], astronaut_bgr: np.ndarray) -> None:
    """JupyterLab with NoDelay and a 30 fps camera: >= 25 results drawn per second, median capture-to-drawn
    <= 80 ms. Timed, so on an overloaded machine (load average above the cores) a miss skips, with the
    figures in the reason; on a machine with room it fails."""
    url, tmp_path, _ = lab
    with fake_camera_page(tmp_path, astronaut_bgr, fps=30) as (page, _errors):
        run_notebook_and_press_start(page, url)
        figures = measure_latency(page, 8.0)
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    print(f"latency: {figures}, load average {load:.1f} on {cores} cores")
    met = figures["fps"] >= LATENCY_FPS and figures["median_ms"] <= LATENCY_MEDIAN_MS
    if not met and load > cores:
        pytest.skip(f"the machine is overloaded (load average {load:.1f} on {cores} cores): measured "
                    f"{figures['fps']:.1f} fps, median capture-to-drawn {figures['median_ms']:.0f} ms (goal >= "
                    f"{LATENCY_FPS:.0f} fps, <= {LATENCY_MEDIAN_MS:.0f} ms)")
    assert figures["fps"] >= LATENCY_FPS, figures
    assert figures["median_ms"] <= LATENCY_MEDIAN_MS, figures
