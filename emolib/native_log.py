"""Keep native libraries' start-up lines (LiteRT's "Created TensorFlow Lite XNNPACK delegate", TensorFlow's
absl/oneDNN notes) off the console and out of notebook outputs, for the span of one call.

Those libraries write to file descriptor 2 from C++, past Python's ``sys.stderr``, whatever their log-level
variables say; a notebook shows each line as a red box that students read as an error. The redirect covers
only the wrapped call (model loading, TensorFlow's import) and is undone afterwards: no global state changes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def native_stderr_to_null() -> Iterator[None]:
    """Point file descriptor 2 at the null device for the block; does nothing without a usable fd 2.

    Python exceptions raised in the block still propagate; only native writes to fd 2 are dropped.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
