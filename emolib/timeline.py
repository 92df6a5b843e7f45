"""Timeline figures of a video's per-frame table: the seven probabilities of each face over time.

Figures are built on :class:`matplotlib.figure.Figure` directly (Agg canvas): no pyplot state, no display
needed, safe from threads. In Jupyter a returned figure shows inline.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from emolib.draw import EMOTION_COLORS
from emolib.labels import CLASSES
from emolib.media.atomic import check_writable, figure_path, write_figure

#: Line colour per class: the overlay colours of :mod:`emolib.draw` (RGB 0-1), neutral darkened for white paper.
TIMELINE_COLORS: dict[str, tuple[float, float, float]] = {
    name: (0.45, 0.45, 0.45) if name == "neutral" else (bgr[2] / 255, bgr[1] / 255, bgr[0] / 255)
    for name, bgr in EMOTION_COLORS.items()
}


def plot_timeline(
    frames: pd.DataFrame,
    path: str | os.PathLike | None = None,
    *,
    max_faces: int = 6,
    title: str | None = None,
    overwrite: bool = False,
    dpi: int = 120,
) -> Figure:
    """One panel per face (the ``max_faces`` seen longest, by id) with its seven probabilities against time_s.

    ``frames``: the per-frame table of :func:`emolib.video.analyze_video` (columns time_s, face_id and the
    class names). Lines break where a face was not seen. ``path``: also save the figure there (PNG, SVG,
    PDF...; a name without a suffix gets ``.png``, the file matplotlib writes; written atomically; an existing
    file only with ``overwrite``). Returns the figure.
    """
    if path is not None:
        path = check_writable(figure_path(path), overwrite)
    counts = frames["face_id"].value_counts() if len(frames) else pd.Series(dtype=int)
    face_ids = sorted(counts.index[:max_faces].tolist())
    panels = max(1, len(face_ids))
    figure = Figure(figsize=(10, 0.8 + 2.0 * panels), layout="constrained")
    axes = figure.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
    step = _frame_step(frames)
    for ax, face_id in zip(axes, face_ids, strict=False):
        face = frames[frames["face_id"] == face_id].sort_values("time_s")
        times = face["time_s"].to_numpy(float)
        values = face[list(CLASSES)].to_numpy(float)
        gaps = np.flatnonzero(np.diff(times) > 1.5 * step) + 1
        times, values = np.insert(times, gaps, np.nan), np.insert(values, gaps, np.nan, axis=0)
        for column, name in enumerate(CLASSES):
            ax.plot(times, values[:, column], color=TIMELINE_COLORS[name], linewidth=1.3, label=name)
        ax.set_ylim(0, 1)
        ax.set_ylabel(f"face #{face_id}")
        ax.grid(alpha=0.3)
    if face_ids:
        axes[-1].set_xlabel("time (s)")
        figure.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", frameon=False)
    else:
        axes[0].text(0.5, 0.5, "no faces found", ha="center", va="center", transform=axes[0].transAxes)
        axes[0].set_axis_off()
    hidden = len(counts) - len(face_ids)
    note = f" ({hidden} shorter face tracks not shown)" if hidden > 0 else ""
    if title or note:
        figure.suptitle(f"{title or ''}{note}".strip())
    if path is not None:
        write_figure(figure, path, overwrite=overwrite, dpi=dpi)
    return figure


def _frame_step(frames: pd.DataFrame) -> float:
    """Seconds between analysed frames: ``attrs["frame_s"]``, else the smallest step of time_s."""
    if frames.attrs.get("frame_s"):
        return float(frames.attrs["frame_s"])
    steps = np.diff(np.unique(frames["time_s"].to_numpy(float))) if len(frames) else np.array([])
    return float(steps.min()) if len(steps) else 1.0
