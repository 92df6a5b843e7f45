"""Annotated videos play in a browser: headless Chromium loads emolib's .mp4 (H.264) and .webm (VP9) output
in a <video> element, reaches readyState >= 2 (HAVE_CURRENT_DATA) and reports the source's duration.

Needs the Debian package ``chromium`` and the Python package ``playwright`` (the system Chromium is used);
skipped with the reason otherwise. Run alone with ``pytest -m browser tests/test_browser_video.py``.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from emolib.pipeline import Analyzer
from emolib.video import analyze_video

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required"]
#: Resolves to what the <video> element made of the file: its readyState, duration and error code.
PLAY = """async (src) => {
  const video = document.createElement("video");
  video.muted = true;
  document.body.appendChild(video);
  const done = new Promise((resolve) => {
    const report = () => resolve({ready: video.readyState, duration: video.duration,
                                  error: video.error ? video.error.code : null,
                                  width: video.videoWidth, height: video.videoHeight});
    video.addEventListener("loadeddata", report, {once: true});
    video.addEventListener("error", report, {once: true});
    setTimeout(report, 15000);
  });
  video.src = src;
  video.load();
  return await done;
}"""

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on localhost (Chromium plays media from http:// as users see it), and its URL."""
    folder = tmp_path_factory.mktemp("served")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def play(browser: object, url: str, name: str) -> dict:
    """What Chromium reports after trying to play ``name`` from the served folder (see :data:`PLAY`)."""
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(f"{url}/")
        return page.evaluate(PLAY, f"{url}/{name}")
    finally:
        page.close()


@pytest.mark.parametrize("suffix", [".mp4", ".webm"])
def test_annotated_video_plays_in_chromium(suffix: str, face_clip: Path, served: tuple[Path, str], browser: object,
                                           tmp_path: Path) -> None:
    folder, url = served
    out = folder / f"annotated{suffix}"
    analyze_video(face_clip, Analyzer(), out=out, progress=False, overwrite=True)
    state = play(browser, url, out.name)
    assert state["error"] is None, f"Chromium refused {out.name}: MediaError code {state['error']}"
    assert state["ready"] >= 2
    assert state["duration"] == pytest.approx(2.0, abs=0.05)  # 60 frames at 30 fps
    assert (state["width"], state["height"]) == (320, 240)


def test_opencv_mp4v_is_what_chromium_refuses(face_clip: Path, served: tuple[Path, str], browser: object) -> None:
    """The baseline the H.264 output replaces: the test above would catch a fall back to mp4v."""
    folder, url = served
    shutil.copy(face_clip, folder / "mp4v.mp4")  # the fixture is written with OpenCV's mp4v
    state = play(browser, url, "mp4v.mp4")
    assert state["error"] is not None or state["ready"] < 2
