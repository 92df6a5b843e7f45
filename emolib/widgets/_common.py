"""Pieces every emolib widget shares: the result table, PNG/JPEG encoding, emoji data URLs, class colours."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence

import cv2
import numpy as np
import pandas as pd

from emolib.draw import EMOTION_COLORS
from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.pipeline import FaceResult
from emolib.resources import bundled_path
from emolib.video import frames_table

#: Detector names offered in the widgets' menus.
DETECTOR_CHOICES: tuple[str, ...] = ("yunet", "haar")


def face_rows(frame: int, time_s: float, faces: Sequence[FaceResult]) -> list[tuple]:
    """Rows in :data:`emolib.video.FRAME_COLUMNS` order; faces without a track id are numbered 1, 2, ..."""
    return [(frame, time_s, face.face_id if face.face_id is not None else index, *face.box,
             *np.asarray(face.probabilities, float).tolist(), face.emotion)
            for index, face in enumerate(faces, start=1)]


def results_table(rows: Iterable[tuple]) -> pd.DataFrame:
    """The one result table of every widget: :func:`emolib.video.frames_table`'s columns, without raw ones."""
    return frames_table(list(rows), raw=False)


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
