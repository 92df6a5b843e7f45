"""Evaluate an emotion model on a FER2013 split: accuracy, macro-F1, per-class table, confusion, calibration.

Metrics come from scikit-learn; plots from matplotlib. Models are anything
:func:`emolib.loaders.load_classifier` takes: ``.tflite`` files run with LiteRT (the bundled default, a
bundled name or a path) or, for checking training runs, ``.keras`` files (those need TensorFlow).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from emolib.labels import CLASSES
from emolib.training.data import FerData


def predict_in_batches(predictor: Any, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """(N, 7) probabilities for (N, 48, 48) uint8 faces, in batches to bound memory."""
    chunks = [predictor.predict(images[start:start + batch_size]) for start in range(0, len(images), batch_size)]
    return np.concatenate(chunks) if chunks else np.zeros((0, len(CLASSES)), np.float32)


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error: mean |accuracy - confidence| over equal-width confidence bins, weighted."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(error)


@dataclass
class Evaluation:
    """Predictions of one model on one split, with the metrics derived from them."""

    model: str
    split: str
    labels: np.ndarray  # (N,) int64
    probabilities: np.ndarray  # (N, 7) float32
    images: np.ndarray | None = None  # (N, 48, 48) uint8, kept for galleries

    @property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    @property
    def accuracy(self) -> float:
        from sklearn.metrics import accuracy_score

        return float(accuracy_score(self.labels, self.predictions))

    @property
    def macro_f1(self) -> float:
        from sklearn.metrics import f1_score

        return float(f1_score(self.labels, self.predictions, average="macro", labels=range(len(CLASSES)),
                              zero_division=0))

    @property
    def ece(self) -> float:
        return expected_calibration_error(self.probabilities, self.labels)

    def per_class(self) -> pd.DataFrame:
        """Precision, recall, F1 and support per class (rows in :data:`CLASSES` order)."""
        from sklearn.metrics import classification_report

        report = classification_report(self.labels, self.predictions, labels=range(len(CLASSES)),
                                       target_names=list(CLASSES), output_dict=True, zero_division=0)
        table = pd.DataFrame(report).T.loc[list(CLASSES), ["precision", "recall", "f1-score", "support"]]
        return table.rename(columns={"f1-score": "f1"}).astype({"support": int})

    def confusion(self, normalize: str | None = None) -> pd.DataFrame:
        """Confusion matrix (rows: true class, columns: predicted); ``normalize="true"`` for row shares."""
        from sklearn.metrics import confusion_matrix

        matrix = confusion_matrix(self.labels, self.predictions, labels=range(len(CLASSES)), normalize=normalize)
        return pd.DataFrame(matrix, index=pd.Index(CLASSES, name="true"), columns=pd.Index(CLASSES, name="predicted"))

    def most_confused(self, top: int = 5) -> pd.DataFrame:
        """The ``top`` (true, predicted) pairs with the most mistakes, with count and share of the true class."""
        counts = self.confusion()
        shares = self.confusion("true")
        pairs = [(t, p, int(counts.loc[t, p]), float(shares.loc[t, p]))
                 for t in CLASSES for p in CLASSES if t != p and counts.loc[t, p] > 0]
        frame = pd.DataFrame(pairs, columns=["true", "predicted", "count", "share_of_true"])
        # stable: tied pairs keep CLASSES order (true class, then predicted)
        return frame.sort_values("count", ascending=False, kind="stable").head(top).reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """Headline figures as plain numbers (for JSON and the model card)."""
        return {"model": self.model, "split": self.split, "faces": int(len(self.labels)),
                "accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4), "ece": round(self.ece, 4)}


def evaluate(data: FerData, model: Any = None, *, split: str | None = "PrivateTest", keep_images: bool = False,
             name: str | None = None) -> Evaluation:
    """Run ``model`` on ``split`` of ``data`` (None: all rows).

    ``model``: anything :func:`emolib.loaders.load_classifier` takes (None for the bundled model, a bundled
    name, a ``.tflite``/``.keras`` path, or an object with ``predict``).
    """
    from emolib.loaders import load_classifier

    subset = data.split(split) if split else data
    predictor = load_classifier(model)
    probabilities = predict_in_batches(predictor, subset.images)
    path = getattr(predictor, "path", None)
    label = name or getattr(predictor, "name", None)
    if label is None:
        label = Path(path).name if path is not None else str(model or "default")
    return Evaluation(label, split or "all", subset.labels, probabilities, subset.images if keep_images else None)


def plot_confusion(evaluation: Evaluation, path: str | os.PathLike | None = None) -> Any:
    """Counts and row-normalised confusion matrices side by side; saved to ``path`` when given.

    Without ``path`` the figure is a pyplot figure (it shows in notebooks); with one it is drawn off-screen
    (no pyplot, the session's matplotlib backend untouched) and only saved.
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    if path is None:
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(1, 2, figsize=(15, 6.5), layout="constrained")
    else:
        from matplotlib.figure import Figure

        figure = Figure(figsize=(15, 6.5), layout="constrained")
        axes = figure.subplots(1, 2)
    for ax, normalize, title, fmt in ((axes[0], None, "counts", "d"), (axes[1], "true", "share of true class", ".2f")):
        ConfusionMatrixDisplay.from_predictions(
            evaluation.labels, evaluation.predictions, labels=range(len(CLASSES)), display_labels=list(CLASSES),
            normalize=normalize, values_format=fmt, cmap="Blues", ax=ax, colorbar=False, xticks_rotation=45,
        )
        ax.set_title(f"{title}")
    figure.suptitle(f"{evaluation.model} on {evaluation.split}: accuracy {evaluation.accuracy:.1%}, "
                    f"macro-F1 {evaluation.macro_f1:.3f}")
    if path is not None:
        figure.savefig(path, dpi=110)
    return figure


def reliability_diagram(evaluation: Evaluation, *, bins: int = 10, ax: Any = None) -> Any:
    """Accuracy against confidence in equal-width bins, with the diagonal of perfect calibration."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    confidence = evaluation.probabilities.max(axis=1)
    correct = evaluation.predictions == evaluation.labels
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    centres = (edges[:-1] + edges[1:]) / 2
    accuracy = [correct[which == b].mean() if (which == b).any() else np.nan for b in range(bins)]
    ax.bar(centres, accuracy, width=1 / bins, edgecolor="black", alpha=0.7, label="accuracy")
    ax.plot([0, 1], [0, 1], "k--", label="perfect calibration")
    ax.set(xlabel="confidence", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1),
           title=f"{evaluation.model} on {evaluation.split}: reliability (ECE {evaluation.ece:.3f})")
    ax.legend(loc="upper left")
    return ax
