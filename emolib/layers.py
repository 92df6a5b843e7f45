"""Moved to :mod:`emolib.training.layers`; this name stays importable for existing notebooks and scripts."""

from emolib.training.layers import *  # noqa: F403
