"""Moved to :mod:`emolib.training.export`; this name stays importable for existing notebooks and scripts."""

from emolib.training.export import *  # noqa: F403
