"""The live widget paints the kernel's panel layout: two faces side by side in JupyterLab in headless Chromium.

The fake camera plays two real faces (the astronaut's, and the same face mirrored) next to each other, the
case where the widget's old panel covered the neighbour. The kernel sends each face's panel rectangle with
every reply (emolib.layout); the test checks that what the browser painted is exactly that rectangle scaled
to the canvas, that the two panels do not overlap each other or either face, and that the canvas really has
paint inside each panel. ``EMOLIB_UPDATE_DOCS=1`` writes the screenshot to ``docs/webcam_two_faces.png``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from test_browser_webcam import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FRONT_ENDS,
    jupyter_server,
    run_notebook_and_press_start,
    write_y4m,
)

pytestmark = pytest.mark.browser
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "webcam_two_faces.png"


def two_faces(astronaut_bgr: np.ndarray) -> np.ndarray:
    """A 640x480 picture with two faces about 150 px wide, 60 px apart."""
    face = astronaut_bgr[0:260, 100:300]  # head and shoulders of the astronaut
    face = cv2.resize(face, (220, 286), interpolation=cv2.INTER_AREA)
    frame = np.full((480, 640, 3), 70, np.uint8)
    frame[100:386, 70:290] = face
    frame[100:386, 350:570] = face[:, ::-1]
    return frame


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def test_two_faces_side_by_side_get_the_kernels_panels(tmp_path: Path, astronaut_bgr: np.ndarray) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    pytest.importorskip("jupyterlab", reason="jupyterlab is not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    assert "jupyterlab-nodelay" in FRONT_ENDS
    video = write_y4m(tmp_path / "two.y4m", two_faces(astronaut_bgr), fps=30)
    with jupyter_server("jupyterlab-nodelay", tmp_path) as url, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={video}"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            run_notebook_and_press_start(page, url)
            widget = page.locator(".emolib-webcam")
            widget.scroll_into_view_if_needed()
            reading: dict[str, Any] = {}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                reading = widget.evaluate("e => ({faces: +e.dataset.faces, panels: e.dataset.panels || '[]',"
                                          " layout: e.dataset.layout || '{}', state: e.dataset.state})")
                assert reading["state"] != "error", page.locator(".emolib-webcam-message").inner_text()
                if reading["faces"] == 2 and len(json.loads(reading["panels"])) == 2:
                    break
                time.sleep(0.3)
            # freeze the overlay: read what is painted now, and the pixels, in one go
            snapshot = page.evaluate("""() => {
                const root = document.querySelector('.emolib-webcam');
                const canvas = document.querySelector('.emolib-webcam-overlay');
                const ratio = canvas.width / canvas.clientWidth;
                const painted = JSON.parse(root.dataset.panels);
                const context = canvas.getContext('2d');
                const inked = painted.map((p) => {
                    const data = context.getImageData(Math.round((p.x + 2) * ratio), Math.round((p.y + 2) * ratio),
                        Math.max(1, Math.round((p.w - 4) * ratio)), Math.max(1, Math.round((p.h - 4) * ratio))).data;
                    let count = 0;
                    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count += 1;
                    return count / (data.length / 4);
                });
                return {painted, layout: JSON.parse(root.dataset.layout), inked, faces: +root.dataset.faces};
            }""")
            screenshot = SCREENSHOT if os.environ.get("EMOLIB_UPDATE_DOCS") == "1" else tmp_path / SCREENSHOT.name
            widget.screenshot(path=str(screenshot))
            page.locator(".emolib-webcam-button").click()
        finally:
            browser.close()
    painted, layout = snapshot["painted"], snapshot["layout"]
    assert snapshot["faces"] == 2 and len(painted) == 2, f"two faces expected on the overlay: {snapshot}"
    scale, offset = layout["scale"], layout["offsetX"]
    for panel, drawn in zip(layout["panels"], painted, strict=True):
        assert panel is not None, "the kernel sent no layout for a face"
        x = layout["shownWidth"] - (panel["x"] + panel["w"]) * scale + offset if layout["mirrored"] else \
            panel["x"] * scale + offset
        expected = {"x": x, "y": panel["y"] * scale, "w": panel["w"] * scale, "h": panel["h"] * scale}
        for key, value in expected.items():
            assert abs(drawn[key] - value) < 0.5, f"painted {drawn} is not the kernel's {panel} scaled ({expected})"
        assert drawn["detail"] == panel["detail"]
    assert not overlap(painted[0], painted[1]), painted
    for panel in layout["panels"]:
        assert panel["detail"] in ("full", "compact", "tag"), "two faces in 640x480 both get a readable panel"
        for face in layout["faces"]:
            assert not overlap(panel, face), f"panel {panel} covers face {face} (frame pixels)"
    assert min(snapshot["inked"]) > 0.9, f"panel areas not painted: {snapshot['inked']}"
