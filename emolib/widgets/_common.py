"""Pieces every emolib widget shares: result-table HTML, PNG/JPEG encoding, emoji data URLs, class colours.

Widgets build their tables with :mod:`emolib.results` (``face_rows``, ``frames_table``), like every other entry point.
"""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pandas as pd

from emolib.draw import EMOTION_COLORS
from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.resources import bundled_path

#: Detector names offered in the widgets' menus.
DETECTOR_CHOICES: tuple[str, ...] = ("yunet", "haar")


def table_html(table: pd.DataFrame) -> str:
    """A result table as compact HTML: probabilities in percent, the winning class in bold."""
    if table.empty:
        return "<p><i>No face found.</i></p>"
    shown = table.drop(columns=["frame", "time_s"]).copy()
    for name in CLASSES:
        shown[name] = [f"<b>{p:.0%}</b>" if name == emotion else f"{p:.0%}"
                       for p, emotion in zip(shown[name], shown["emotion"])]
    return shown.to_html(index=False, escape=False, border=0, classes="emolib-table")


def encode(image_bgr: np.ndarray, suffix: str = ".png", quality: int = 85) -> bytes:
    """A (H, W, 3) uint8 BGR image as PNG or JPEG bytes."""
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if suffix == ".jpg" else []
    ok, data = cv2.imencode(suffix, image_bgr, params)
    if not ok:
        raise EmolibError(f"could not encode a {image_bgr.shape} image as {suffix}")
    return data.tobytes()


def emoji_data_urls() -> dict[str, str]:
    """Class name -> ``data:image/png;base64,...`` of the bundled emoji; empty when they are not installed."""
    try:
        return {name: "data:image/png;base64," + base64.b64encode(bundled_path("emojis", f"{name}.png").read_bytes())
                .decode("ascii") for name in CLASSES}
    except EmolibError:
        return {}


def css_colors() -> dict[str, str]:
    """Class name -> ``#rrggbb``: the box colours of :mod:`emolib.draw` for browser drawing."""
    return {name: "#{:02x}{:02x}{:02x}".format(*bgr[::-1]) for name, bgr in EMOTION_COLORS.items()}
