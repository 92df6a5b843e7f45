"""Moved to :mod:`emolib.training.data`; this name stays importable for existing notebooks and scripts."""

from emolib.training.data import *  # noqa: F403
