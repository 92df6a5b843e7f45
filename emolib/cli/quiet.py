"""Scoped quieting of native libraries' console chatter, for the command line only.

Library code changes no process-wide state; the CLI, which owns its process and its terminal, may, for
the span of a ``with`` block: LiteRT's "Created TensorFlow Lite XNNPACK delegate" line while a model loads,
FFmpeg's per-frame warnings while a video is read (each problem then surfaces as one emolib error line).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

#: Read by OpenCV when it opens a file with FFmpeg; -8 is AV_LOG_QUIET.
FFMPEG_LOGLEVEL = "OPENCV_FFMPEG_LOGLEVEL"


@contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Point file descriptor 2 at the null device for the block (short calls only: Python's stderr goes too).

    Without a usable fd 2 it does nothing.
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


@contextmanager
def ffmpeg_quiet() -> Iterator[None]:
    """Set ``OPENCV_FFMPEG_LOGLEVEL=-8`` for the block unless the user set it; restored afterwards."""
    if FFMPEG_LOGLEVEL in os.environ:
        yield
        return
    os.environ[FFMPEG_LOGLEVEL] = "-8"
    try:
        yield
    finally:
        os.environ.pop(FFMPEG_LOGLEVEL, None)
