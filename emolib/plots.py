"""Moved to :mod:`emolib.training.plots`; this name stays importable for existing notebooks and scripts."""

from emolib.training.plots import *  # noqa: F403
