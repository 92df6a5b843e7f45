"""Matplotlib figures the notebooks and widgets share: face grids, galleries of mistakes, training curves.

Video timelines live in :mod:`emolib.timeline`.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state), so they work in notebooks,
scripts and widget callbacks alike; :func:`figure_png` turns one into PNG bytes.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from emolib.labels import CLASSES
from emolib.training._keras import import_keras
from emolib.training.data import FerData


def figure_png(figure: Figure, *, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def gallery(images: np.ndarray, titles: Sequence[str] | None = None, *, columns: int = 8, size: float = 1.25,
            title: str | None = None) -> Figure:
    """Grey (N, H, W) or RGB (N, H, W, 3) uint8 images in a grid, each with an optional title."""
    count = max(len(images), 1)
    rows = -(-count // columns)
    figure = Figure(figsize=(columns * size, rows * (size + 0.25)), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index < len(images):
            ax.imshow(images[index], cmap="gray", vmin=0, vmax=255)
            if titles is not None:
                ax.set_title(titles[index], fontsize=8)
    if title:
        figure.suptitle(title)
    return figure


def sample_grid(data: FerData, *, per_class: int = 8, seed: int = 0, title: str | None = None) -> Figure:
    """``per_class`` random faces of every class, one row per class (its size under the name)."""
    rng = np.random.default_rng(seed)
    figure = Figure(figsize=(per_class * 1.1 + 1, len(CLASSES) * 1.15), layout="constrained")
    axes = figure.subplots(len(CLASSES), per_class, squeeze=False)
    for label, row in enumerate(axes):
        rows = np.flatnonzero(data.labels == label)
        chosen: Any = rng.choice(rows, min(per_class, len(rows)), replace=False) if len(rows) else []
        for column, ax in enumerate(row):
            ax.set_xticks([])
            ax.set_yticks([])
            if column < len(chosen):
                ax.imshow(data.images[chosen[column]], cmap="gray", vmin=0, vmax=255)
        row[0].set_ylabel(f"{CLASSES[label]}\n({len(rows)})", rotation=0, ha="right", va="center", fontsize=9)
    if title:
        figure.suptitle(title)
    return figure


def confused_examples(evaluation: Any, true: str, predicted: str, *, limit: int = 16) -> np.ndarray:
    """Row indices of faces of class ``true`` predicted as ``predicted``, most confident mistakes first."""
    rows = np.flatnonzero((evaluation.labels == CLASSES.index(true))
                          & (evaluation.predictions == CLASSES.index(predicted)))
    order = np.argsort(-evaluation.probabilities[rows, CLASSES.index(predicted)])
    return rows[order][:limit]


def misclassified_gallery(evaluation: Any, *, true: str | None = None, predicted: str | None = None,
                          limit: int = 24, columns: int = 8, data_name: str = "") -> Figure:
    """The most confident mistakes (optionally of one true and/or predicted class), titled true -> predicted.

    ``data_name`` (e.g. "synthetic") goes into the figure title."""
    if evaluation.images is None:
        raise ValueError("the evaluation kept no images; run evaluate(..., keep_images=True)")
    wrong = evaluation.predictions != evaluation.labels
    if true is not None:
        wrong &= evaluation.labels == CLASSES.index(true)
    if predicted is not None:
        wrong &= evaluation.predictions == CLASSES.index(predicted)
    rows = np.flatnonzero(wrong)
    rows = rows[np.argsort(-evaluation.probabilities[rows].max(axis=1))][:limit]
    titles = [f"{CLASSES[evaluation.labels[r]]}→{CLASSES[evaluation.predictions[r]]} "
              f"{evaluation.probabilities[r].max():.0%}" for r in rows]
    label = " ".join(part for part in (true and f"true {true}", predicted and f"predicted {predicted}") if part)
    return gallery(evaluation.images[rows], titles, columns=columns,
                   title=" ".join(f"{len(rows)} most confident mistakes {label} {data_name}".split()))


def training_curves(log: pd.DataFrame | dict[str, Sequence[float]] | str | os.PathLike, *,
                    figure: Figure | None = None, title: str | None = None) -> Figure:
    """Loss and accuracy per epoch (train and validation) from a Keras history dict or ``log.csv``."""
    frame = pd.read_csv(log) if isinstance(log, str | os.PathLike) else pd.DataFrame(log)
    figure = figure or Figure(figsize=(10, 3.5), layout="constrained")
    figure.clear()
    axes = figure.subplots(1, 2)
    epochs = frame["epoch"].to_numpy() + 1 if "epoch" in frame else np.arange(1, len(frame) + 1)
    for ax, metric in zip(axes, ("loss", "accuracy")):
        for prefix, style, label in (("", "-o", "training"), ("val_", "--o", "validation")):
            if f"{prefix}{metric}" in frame:
                ax.plot(epochs, frame[f"{prefix}{metric}"], style, label=label)
        ax.set(xlabel="epoch", ylabel=metric, title=metric)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(epochs):
            ax.legend()
    if title:
        figure.suptitle(title)
    return figure


def live_training_plot(title: str | None = None) -> Any:
    """A Keras callback that redraws :func:`training_curves` in the notebook after every epoch.

    Pass it in ``callbacks=[...]`` of a Keras ``fit``; it draws in the output of the running cell.
    """
    import_keras()  # TensorFlow's start-up lines off the console, then the module as usual
    import keras
    from IPython.display import Image, display

    class LiveTrainingPlot(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.history: dict[str, list[float]] = {}
            self.handle: Any = None
            self.figure = Figure(figsize=(10, 3.5), layout="constrained")

        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            for key, value in (logs or {}).items():
                self.history.setdefault(key, []).append(float(value))
            png = Image(figure_png(training_curves(self.history, figure=self.figure, title=title), dpi=80))
            if self.handle is None:
                self.handle = display(png, display_id=True)
            else:
                self.handle.update(png)

    return LiveTrainingPlot()
