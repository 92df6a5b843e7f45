"""Soak: memory of a long run of the tracker and of the webcam widget's frame handler, garbage included.

Usage: ``python benchmarks/bench_soak.py [--seconds 180]``. Half the time feeds a :class:`VideoTracker`
320x240 frames of a face drifting about (a new "file" every 300 frames, so tracks end and restart, and a
malformed frame now and then); the other half sends :meth:`WebcamWidget.handle_frame` JPEG and grey frame
messages mixed with garbage (empty buffers, wrong sizes, bytes that are not a JPEG, a header-only JPEG
bomb). The resident set size is printed after a warm-up (the baseline: imports, model, caches) and at the
end; the goal is under 5% growth.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from pathlib import Path

import cv2
import numpy as np


def rss_mb() -> float:
    """This process's resident set size in MB (Linux /proc, else psutil)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    import psutil

    return psutil.Process(os.getpid()).memory_info().rss / 2**20


def face_frames(count: int = 120) -> list[np.ndarray]:
    """(240, 320, 3) uint8 BGR frames: the astronaut's face drifting right and back."""
    from skimage import data

    face = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)[20:300, 110:350], (120, 140))
    frames = []
    for index in range(count):
        frame = np.full((240, 320, 3), 60, np.uint8)
        x = 20 + int(160 * abs((index % 60) / 30 - 1))
        frame[50:190, x:x + 120] = face
        frames.append(frame)
    return frames


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` pixels (a decompression bomb's header)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(64)))
            + chunk(b"IEND", b""))


def soak_tracker(seconds: float, frames: list[np.ndarray], analyzer: object) -> tuple[int, int]:
    """(frames processed, malformed frames refused) in ``seconds``."""
    from emolib.errors import EmolibError
    from emolib.video import VideoTracker

    tracker = VideoTracker(analyzer, fps=30.0)
    done = refused = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        index = done % 300  # a new file every 300 frames: frame indices start again
        frame = frames[done % len(frames)] if done % 97 else np.zeros((240, 320), np.uint8)
        try:
            tracker.process(frame, frame_index=index)
        except EmolibError:
            refused += 1
        done += 1
    return done, refused


def soak_widget(seconds: float, frames: list[np.ndarray], analyzer: object) -> tuple[int, int, int]:
    """(messages handled, replies with an error, messages that raised) in ``seconds``."""
    from emolib.widgets.webcam import WebcamWidget

    widget = WebcamWidget(analyzer, kernel_camera=None)
    jpegs = [cv2.imencode(".jpg", frame)[1].tobytes() for frame in frames[::4]]
    grey = cv2.cvtColor(frames[0], cv2.COLOR_BGR2GRAY).tobytes()
    garbage: list[tuple[dict, list]] = [
        ({"type": "frame", "id": 0, "format": "jpeg"}, []),
        ({"type": "frame", "id": 0, "format": "gray", "width": 7, "height": 3}, [grey]),
        ({"type": "frame", "id": 0, "format": "gray", "width": -320, "height": -240}, [grey]),
        ({"type": "frame", "id": 0, "format": "jpeg"}, [b"not a jpeg at all"]),
        ({"type": "frame", "id": 0, "format": "jpeg"}, [png_declaring(30000, 30000)]),
    ]
    handled = errors = raised = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        if handled % 9 == 8:
            content, buffers = garbage[handled % len(garbage)]
        elif handled % 9 == 4:
            content, buffers = {"type": "frame", "id": handled, "format": "gray", "width": 320, "height": 240}, [grey]
        else:
            content, buffers = ({"type": "frame", "id": handled, "format": "jpeg", "width": 320, "height": 240},
                                [jpegs[handled % len(jpegs)]])
        try:
            reply = widget.handle_frame(content, buffers)
            errors += "error" in reply
        except Exception:  # noqa: BLE001 - counted: the handler should reply, not raise
            raised += 1
        handled += 1
    widget.close()
    return handled, errors, raised


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="total soak time (default: %(default)s)")
    parser.add_argument("--warmup", type=float, default=8.0, help="untimed warm-up before the baseline RSS")
    args = parser.parse_args()

    from emolib.cli.quiet import native_stderr_silenced
    from emolib.pipeline import Analyzer

    with native_stderr_silenced():
        analyzer = Analyzer()
    frames = face_frames()
    soak_tracker(args.warmup / 2, frames, analyzer)
    with native_stderr_silenced():
        soak_widget(args.warmup / 2, frames, analyzer)
    gc.collect()
    start = rss_mb()
    print(f"RSS at start (after {args.warmup:.0f} s warm-up): {start:.1f} MB")
    half = args.seconds / 2
    frames_done, refused = soak_tracker(half, frames, analyzer)
    gc.collect()
    middle = rss_mb()
    print(f"tracker: {frames_done} frames ({frames_done / half:.0f}/s), {refused} malformed refused; "
          f"RSS {middle:.1f} MB")
    with native_stderr_silenced():  # libpng's lines for the garbage the handler decodes
        handled, errors, raised = soak_widget(half, frames, analyzer)
    gc.collect()
    end = rss_mb()
    print(f"widget: {handled} messages ({handled / half:.0f}/s), {errors} answered with an error, {raised} raised; "
          f"RSS {end:.1f} MB")
    growth = (end - start) / start
    print(f"RSS at end: {end:.1f} MB; growth {growth:+.1%} over {args.seconds:.0f} s (goal < 5%): "
          f"{'ok' if growth < 0.05 else 'TOO MUCH'}")


if __name__ == "__main__":
    main()
