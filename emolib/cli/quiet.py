"""Scoped quieting of native libraries' console chatter, for the command line only.

Library code changes no process-wide state; the CLI, which owns its process and its terminal, may, for
the span of a ``with`` block: LiteRT's "Created TensorFlow Lite XNNPACK delegate" line while a model loads,
FFmpeg's per-frame warnings while a video is read, and (:func:`cli_quiet`, around every command unless
``--debug``) TensorFlow's start-up lines, OpenCV's warnings, and Dask's log blocks ("Compute Failed",
TLS handshakes) in this process and in the worker processes it starts. Each problem then surfaces as one
emolib error line.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext

from emolib.native_log import native_stderr_to_null

#: Environment set for the span of a command (unless the user set them): read by TensorFlow when it loads,
#: by OpenCV's logger, and by Dask's logging set-up in worker processes started meanwhile.
QUIET_ENVIRONMENT: dict[str, str] = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "OPENCV_LOG_LEVEL": "ERROR",
    "DASK_LOGGING__DISTRIBUTED": "error",
    "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "error",
}
#: Python loggers that print multi-line blocks at WARNING (Dask's, TensorFlow's and absl's).
QUIET_LOGGERS: tuple[str, ...] = ("distributed", "tensorflow", "absl", "bokeh", "tornado")


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set the ``values`` the user has not set for the block; restored afterwards."""
    added = [name for name in values if name not in os.environ]
    os.environ.update({name: values[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


@contextmanager
def loggers_quiet(names: tuple[str, ...] = QUIET_LOGGERS, level: int = logging.ERROR) -> Iterator[None]:
    """Raise the level of the named Python loggers to ``level`` for the block; restored afterwards."""
    saved = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(max(level, saved[name]))
    try:
        yield
    finally:
        for name, old in saved.items():
            logging.getLogger(name).setLevel(old)


@contextmanager
def opencv_quiet() -> Iterator[None]:
    """OpenCV's own log (``[ WARN:0@...]`` lines) at ERROR for the block, if cv2 is importable."""
    try:
        import cv2
        from cv2.utils import logging as cv_logging
    except ImportError:
        yield
        return
    saved = cv_logging.getLogLevel()
    cv_logging.setLogLevel(min(saved, cv_logging.LOG_LEVEL_ERROR) if saved > 0 else saved)
    del cv2
    try:
        yield
    finally:
        cv_logging.setLogLevel(saved)


@contextmanager
def cli_quiet(debug: bool = False) -> Iterator[None]:
    """Everything this module quiets, for one command; with ``debug`` nothing (every native line shows)."""
    with ExitStack() as stack:
        if not debug:
            stack.enter_context(ffmpeg_quiet())
            stack.enter_context(environment(QUIET_ENVIRONMENT))
            stack.enter_context(loggers_quiet())
            stack.enter_context(opencv_quiet())
        yield

#: Read by OpenCV when it opens a file with FFmpeg; -8 is AV_LOG_QUIET.
FFMPEG_LOGLEVEL = "OPENCV_FFMPEG_LOGLEVEL"


#: File descriptor 2 to the null device for a block (one home: :mod:`emolib.native_log`).
native_stderr_silenced = native_stderr_to_null


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


def native_quiet(debug: bool = False) -> AbstractContextManager[None]:
    """:func:`native_stderr_silenced` unless ``debug``: for a short call whose native libraries write to
    fd 2 directly (TensorFlow's and absl's start-up lines ignore TF_CPP_MIN_LOG_LEVEL)."""
    return nullcontext() if debug else native_stderr_silenced()


def import_keras_quietly(debug: bool = False) -> None:
    """Import Keras (and its backend: TensorFlow's start-up lines) with fd 2 silenced, if it is installed."""
    import importlib.util

    if importlib.util.find_spec("keras") is None:
        return
    with native_quiet(debug):
        import keras

        keras.backend.backend()
