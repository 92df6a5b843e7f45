"""``emolib webcam``: live emotion analysis of a camera in an OpenCV window (q or Esc quits).

A background thread (:class:`emolib.media.LatestFrameReader`) reads the camera and keeps only the newest
frame, so a slow frame makes the next ones be dropped instead of the picture lagging behind. Needs an
OpenCV build with GUI support (``opencv-python``, not ``opencv-python-headless``) and a display.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import cv2

from emolib.cli.common import add_analyzer_options, add_tracking_options, make_analyzer, output_path, tracking_options
from emolib.errors import EmolibError
from emolib.options import TrackingOptions

WINDOW = "emolib webcam (q or Esc quits)"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "webcam", help="live analysis of a camera in a window",
        description="Show the camera with a box, id, emoji and probability bars for every face, and the frame "
                    "rate. Press q or Esc to quit.",
    )
    parser.add_argument("--camera", type=_camera, default=0,
                        help="camera index, device path or stream URL (default: %(default)s)")
    parser.add_argument("--record", type=Path, default=None, help="also save the annotated stream (.mp4, .avi)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --record file")
    parser.add_argument("--size", default="640x480", help="requested capture size WxH (default: %(default)s)")
    add_tracking_options(parser, TrackingOptions(detect_every=2, detect_size=320))
    add_analyzer_options(parser)
    parser.set_defaults(run=run)


def _camera(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def check_display() -> None:
    """Raise :class:`EmolibError` unless OpenCV can open a window here (GUI build, and a display on Linux)."""
    match = re.search(r"^\s*GUI:\s*(\S+)", cv2.getBuildInformation(), re.MULTILINE)
    if match and match.group(1).upper() == "NONE":
        raise EmolibError("this OpenCV build has no GUI (opencv-python-headless); install opencv-python for the "
                          "webcam window, or use the Jupyter webcam widget")
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise EmolibError("no display to show the webcam window on (DISPLAY is not set)")


def _parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)[xX](\d+)", text.strip())
    if not match:
        raise EmolibError(f"--size must look like 640x480, got {text!r}")
    return int(match.group(1)), int(match.group(2))


def run(args: argparse.Namespace) -> int:
    from emolib.draw import annotate, draw_fps
    from emolib.layout import PanelLayout
    from emolib.media import LatestFrameReader, VideoFileWriter, open_camera
    from emolib.video import VideoTracker

    size = _parse_size(args.size)
    if args.record is not None:
        output_path(args.record, args.overwrite)
    check_display()
    analyzer = make_analyzer(args)
    capture = open_camera(args.camera, size=size)
    camera_fps = capture.get(cv2.CAP_PROP_FPS)
    camera_fps = camera_fps if 1 <= camera_fps <= 240 else 30.0
    tracker = VideoTracker(analyzer, fps=camera_fps, options=tracking_options(args))
    reader = LatestFrameReader(capture)
    layout = PanelLayout()  # panels keep their place from frame to frame
    writer: VideoFileWriter | None = None
    shown, fps, start = 0, 0.0, time.monotonic()
    last = start
    try:
        try:
            cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)
        except cv2.error as err:
            raise EmolibError(f"cannot open a window: {str(err).strip().splitlines()[-1]}") from None
        while True:
            frame, captured = reader.get()
            faces = tracker.process(frame, time_s=captured - start)
            picture = annotate(frame, faces, copy=False, layout=layout)
            now = time.monotonic()
            fps = 1.0 / max(now - last, 1e-6) if shown == 0 else 0.9 * fps + 0.1 / max(now - last, 1e-6)
            last = now
            draw_fps(picture, fps)
            if args.record is not None:
                if writer is None:
                    writer = VideoFileWriter(args.record, camera_fps, picture.shape[1::-1], overwrite=args.overwrite)
                while writer.frames < round((captured - start) * camera_fps) + 1:  # real-time playback
                    writer.write(picture)
            cv2.imshow(WINDOW, picture)
            shown += 1
            key = cv2.waitKey(1) & 0xFF
            if key in (ord("q"), 27) or cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
                break
    finally:
        reader.stop()
        capture.release()
        if writer is not None:
            writer.close()
        cv2.destroyAllWindows()
    elapsed = time.monotonic() - start
    print(f"{shown} frames in {elapsed:.1f} s ({shown / max(elapsed, 1e-6):.1f} fps shown, {reader.dropped} stale "
          f"frames dropped); {tracker.tracker.faces_seen} face(s) seen")
    if writer is not None:
        print(f"recorded {writer.path}")
    return 0
