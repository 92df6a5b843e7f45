"""Custom Keras layers of exported models, registered so that saved ``.keras`` files load without code.

Imports Keras: only training, export and Keras-side evaluation use it, never the LiteRT runtime.
"""

from __future__ import annotations

from typing import Any

from emolib.training._keras import import_keras

import_keras()  # TensorFlow's start-up lines off the console, then the module as usual

import keras  # noqa: E402


@keras.saving.register_keras_serializable(package="emolib")
class MirrorFaces(keras.layers.Layer):
    """Each face's mirror image (flipped left to right): the second view of flip test-time averaging.

    A named layer rather than a ``Lambda``, so an exported ensemble saves as a ``.keras`` file that loads
    in safe mode.
    """

    def call(self, images: Any) -> Any:
        return keras.ops.flip(images, axis=2)
