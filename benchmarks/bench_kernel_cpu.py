"""Kernel CPU per live webcam stream: what one streaming student costs a shared server's kernel side.

    python benchmarks/bench_kernel_cpu.py

Feeds 320x240 JPEG frames of a real face (scikit-image's astronaut) through ``WebcamWidget.handle_frame``
(decode, tracked YuNet detection + classification, JSON reply), one untimed warm-up, then reports CPU time per
frame (``time.process_time``) and the share of one core at 30 frames per second. The server's websocket work
and the browser side are not included. Figures go in docs/workshop.md.
"""

from __future__ import annotations

import time

import cv2
from skimage import data as samples

from emolib.widgets import WebcamWidget

FRAMES = 300
FPS = 30


def main() -> None:
    widget = WebcamWidget(detector="yunet")
    photo = cv2.resize(cv2.cvtColor(samples.astronaut(), cv2.COLOR_RGB2BGR), (320, 240))
    jpeg = cv2.imencode(".jpg", photo)[1].tobytes()
    message = {"type": "frame", "width": 320, "height": 240, "format": "jpeg"}
    for index in range(20):  # warm-up: model loads, tracker settles
        widget.handle_frame(dict(message, id=index), [jpeg])
    cpu, wall = time.process_time(), time.perf_counter()
    for index in range(FRAMES):
        widget.handle_frame(dict(message, id=20 + index), [jpeg])
    cpu_ms = (time.process_time() - cpu) / FRAMES * 1000
    wall_ms = (time.perf_counter() - wall) / FRAMES * 1000
    print(f"per frame: {cpu_ms:.2f} ms CPU ({wall_ms:.2f} ms wall); at {FPS} fps one stream uses "
          f"{cpu_ms * FPS / 10:.1f}% of one core")


if __name__ == "__main__":
    main()
