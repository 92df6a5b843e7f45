"""One way to get a classifier from whatever the user names: an object, a bundled name, a file, a peer model.

:func:`load_classifier` is what the :class:`~emolib.pipeline.Analyzer`, the CLI and evaluation call. It
knows the LiteRT models (:mod:`emolib.classify`) and the peer packages' models (:mod:`emolib.peers`); other
file types come from plugins registered under the ``emolib.classifiers`` entry-point group, keyed by file
suffix (emolib's own ``pyproject.toml`` registers ``.keras`` and ``.h5`` for
:mod:`emolib.training.classifier`). So the runtime never imports training code or TensorFlow, and a package
can add a model format without touching emolib.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from emolib.classify import EmotionClassifier
from emolib.errors import EmolibError
from emolib.peers import PEER_MODELS, load_peer

#: Entry-point group of classifier plugins: name = file suffix (".keras"), value = a loader taking the path.
ENTRY_POINT_GROUP = "emolib.classifiers"


class Classifier(Protocol):
    """What the pipeline needs of an emotion classifier."""

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """Probabilities (N, 7) float32 in :data:`~emolib.labels.CLASSES` order for (N, 48, 48) uint8 crops."""
        ...


def plugin_loaders() -> dict[str, Callable[[str | os.PathLike], Classifier]]:
    """Suffix -> loader of the installed ``emolib.classifiers`` plugins (loaded only when called)."""
    from importlib.metadata import entry_points  # only when a file needs it: keeps the image path's start-up

    found = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        found[point.name.lower()] = _lazy(point.load)
    return found


def _lazy(load: Callable[[], Callable[[str | os.PathLike], Classifier]]) -> Callable[[str | os.PathLike], Classifier]:
    def loader(path: str | os.PathLike) -> Classifier:
        try:
            function = load()
        except ImportError as err:
            raise EmolibError(f"{path}: this model type needs the training extra (pip install 'emolib[train]'): "
                              f"{err}") from None
        try:
            return function(path)
        except EmolibError:
            raise
        except Exception as err:  # a crafted or damaged file: whatever the plugin raised, one line
            reason = " ".join(str(err).split())[:200] or "no details"
            raise EmolibError(f"{path}: not a loadable model ({type(err).__name__}: {reason})") from None

    return loader


def load_classifier(model: object = None) -> Classifier:
    """A classifier from: an object with ``predict`` (used as is), None (the bundled default), a bundled
    model name, a ``.tflite`` path, a peer package's model name (``fer``, ``fer-flip``: :mod:`emolib.peers`),
    or a file a plugin loads by suffix (``.keras``, ``.h5`` with the training extra)."""
    if hasattr(model, "predict"):
        return model
    if model is not None and not isinstance(model, (str, os.PathLike)):
        raise EmolibError(f"a model must be a name, a path or an object with predict(), not {type(model).__name__}")
    if model is not None:
        name = str(model)
        if name in PEER_MODELS and not Path(name).exists():
            return load_peer(name)
        suffixes = "".join(Path(name).suffixes).lower()
        for suffix, loader in sorted(plugin_loaders().items(), key=lambda item: -len(item[0])):
            if suffixes.endswith(suffix):
                return loader(model)
    return EmotionClassifier(model)
