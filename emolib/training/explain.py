"""Grad-CAM (Selvaraju et al. 2017): which parts of a face pushed a Keras model towards a class.

>>> heatmaps = grad_cam(model, faces)                 # (N, 48, 48) float32 in 0-1, for the predicted class
>>> pictures = overlay_heatmaps(faces, heatmaps)      # (N, 48, 48, 3) uint8 RGB, face under a colour map

Needs TensorFlow (the ``train`` extra) and a Keras model, e.g. ``best.keras`` of a training run;
``.tflite`` files carry no gradients.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from emolib.training._keras import import_keras, import_tensorflow


def last_conv_layer(model: Any, *, min_side: int = 6) -> str:
    """Name of the last layer with a 4-D output at least ``min_side`` pixels wide (the default Grad-CAM layer).

    The mini-Xception's last maps are 3x3, too coarse to show anything on a 48x48 face; ``min_side=6``
    picks the last module's separable convolutions (6x6, before its pooling) instead.
    """
    for layer in reversed(model.layers):
        shape = getattr(layer, "output", None) is not None and tuple(layer.output.shape)
        if shape and len(shape) == 4 and (shape[1] or 0) >= min_side:
            return layer.name
    raise ValueError(f"{model.name} has no convolutional layer with outputs of at least {min_side}x{min_side}")


def grad_cam(model: Any, faces: np.ndarray, class_index: int | np.ndarray | None = None, *,
             layer: str | None = None) -> np.ndarray:
    """Grad-CAM heatmaps for (N, 48, 48) uint8 faces: (N, 48, 48) float32, each scaled to 0-1.

    ``class_index``: the class to explain, one per face or one for all; None explains each face's
    predicted class. ``layer``: the convolutional layer to weigh (default :func:`last_conv_layer`).
    """
    keras = import_keras()
    tf = import_tensorflow()

    faces = np.asarray(faces)
    if faces.ndim != 3:
        raise ValueError(f"faces must be shaped (N, 48, 48), got {faces.shape}")
    layer = layer or last_conv_layer(model)
    probe = keras.Model(model.inputs, [model.get_layer(layer).output, model.output])
    images = tf.convert_to_tensor(faces[..., None].astype(np.float32))
    with tf.GradientTape() as tape:
        maps, probabilities = probe(images, training=False)
        if class_index is None:
            targets = tf.argmax(probabilities, axis=1)
        else:
            targets = tf.convert_to_tensor(np.broadcast_to(np.asarray(class_index), (len(faces),)), tf.int64)
        score = tf.gather(probabilities, targets, axis=1, batch_dims=1)
    gradients = tape.gradient(score, maps)
    weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
    cams = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1)).numpy()
    size = faces.shape[1:3][::-1]
    heatmaps = np.stack([cv2.resize(cam, size, interpolation=cv2.INTER_CUBIC) for cam in cams]).clip(0)
    peaks = heatmaps.reshape(len(heatmaps), -1).max(axis=1)[:, None, None]
    return np.divide(heatmaps, peaks, out=np.zeros_like(heatmaps), where=peaks > 0).astype(np.float32)


def overlay_heatmaps(faces: np.ndarray, heatmaps: np.ndarray, *, alpha: float = 0.45) -> np.ndarray:
    """Faces (N, H, W) uint8 grey with heatmaps (N, H, W) 0-1 blended on top: (N, H, W, 3) uint8 RGB (jet)."""
    out = np.empty((*faces.shape, 3), np.uint8)
    for index, (face, heatmap) in enumerate(zip(faces, heatmaps)):
        colour = cv2.applyColorMap((np.clip(heatmap, 0, 1) * 255).astype(np.uint8), cv2.COLORMAP_JET)
        grey = cv2.cvtColor(face, cv2.COLOR_GRAY2BGR)
        out[index] = cv2.cvtColor(cv2.addWeighted(colour, alpha, grey, 1 - alpha, 0), cv2.COLOR_BGR2RGB)
    return out
