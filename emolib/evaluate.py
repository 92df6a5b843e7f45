"""Moved to :mod:`emolib.training.evaluate`; this name stays importable for existing notebooks and scripts."""

from emolib.training.evaluate import *  # noqa: F403
