"""Import Keras (and TensorFlow under it) without TensorFlow's C++ start-up lines on the console.

TensorFlow 2.21 prints absl/oneDNN/cpu_feature_guard lines to file descriptor 2 while it loads, whatever
``TF_CPP_MIN_LOG_LEVEL`` says; in a notebook they show as red boxes that students read as errors. Every
module of the training subpackage gets Keras from :func:`import_keras`, which points descriptor 2 at the null
device for the import only (:mod:`emolib.native_log`; Python errors still raise) and changes nothing else.
"""

from __future__ import annotations

import sys
from typing import Any

from emolib.native_log import native_stderr_to_null


def import_keras() -> Any:
    """The ``keras`` module, imported on first use with TensorFlow's native start-up log silenced."""
    if "keras" in sys.modules:
        return sys.modules["keras"]
    with native_stderr_to_null():
        import keras
    return keras


def import_tensorflow() -> Any:
    """The ``tensorflow`` module, imported (after Keras) with its native start-up log silenced."""
    import_keras()
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with native_stderr_to_null():
        import tensorflow
    return tensorflow
