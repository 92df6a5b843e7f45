"""Training augmentation in NumPy and OpenCV: one implementation for tf.data and Keras ``PyDataset`` alike."""

from __future__ import annotations

import numpy as np


class Augmenter:
    """Random horizontal flips, shifts, rotations, zooms, brightness and contrast changes, in NumPy and OpenCV.

    One implementation for every backend and pipeline, so a recipe trains the same model on TensorFlow, JAX
    or PyTorch. (Keras preprocessing layers were used before: run eagerly outside ``tf.data`` they cost
    ~65 ms per batch of 128 on an H100, which then idles; one affine warp per face costs ~5 ms on one core.)
    ``rotation`` is a share of a full turn, ``shift`` and ``zoom`` shares of the face's side (one zoom for
    both axes), ``brightness`` a share of 255 added, ``contrast`` the spread of a factor around 1, ``erase``
    the share of faces given :func:`random_erase`. Thread-safe (NumPy generators lock).
    """

    def __init__(self, options: dict[str, float], seed: int) -> None:
        self.options = dict(options)
        self.rng = np.random.default_rng(seed)

    def __call__(self, images: np.ndarray) -> np.ndarray:
        """Augmented copies of float32 (B, H, W, 1) pixels 0-255."""
        import cv2

        get, rng, count = self.options.get, self.rng, len(images)
        size = images.shape[1]
        angles = rng.uniform(-1, 1, count) * get("rotation", 0.0) * 360.0
        scales = 1.0 + rng.uniform(-1, 1, count) * get("zoom", 0.0)
        shifts = rng.uniform(-1, 1, (count, 2)) * get("shift", 0.0) * size
        flips = rng.random(count) < 0.5
        out = np.empty_like(images)
        for index in range(count):
            face = images[index, :, :, 0]
            if flips[index]:
                face = face[:, ::-1]
            matrix = cv2.getRotationMatrix2D(((size - 1) / 2, (size - 1) / 2), angles[index], scales[index])
            matrix[:, 2] += shifts[index]
            out[index, :, :, 0] = cv2.warpAffine(np.ascontiguousarray(face), matrix, (size, size),
                                                 flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
        contrast, brightness, erase = (float(get(name) or 0.0) for name in ("contrast", "brightness", "erase"))
        if contrast:
            factors = 1.0 + rng.uniform(-1, 1, (count, 1, 1, 1)) * contrast
            means = out.mean(axis=(1, 2, 3), keepdims=True)
            out = (out - means) * factors + means
        if brightness:
            out = out + rng.uniform(-1, 1, (count, 1, 1, 1)) * brightness * 255.0
        out = np.clip(out, 0, 255).astype(np.float32)
        return random_erase(out, erase, rng) if erase else out


def random_erase(images: np.ndarray, probability: float, rng: np.random.Generator) -> np.ndarray:
    """Random erasing: blank one rectangle (up to half the face's side) to mid-grey in a share of the images.

    ``images``: float32 (B, H, W, 1); a changed copy is returned.
    """
    images = images.copy()
    size = images.shape[1]
    for index in np.flatnonzero(rng.random(len(images)) < probability):
        half_h, half_w = rng.integers(4, size // 4, 2)
        row, col = rng.integers(0, size, 2)
        images[index, max(row - half_h + 1, 0):row + half_h, max(col - half_w + 1, 0):col + half_w] = 127.0
    return images
