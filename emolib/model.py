"""Moved to :mod:`emolib.training.model`; this name stays importable for existing notebooks and scripts."""

from emolib.training.model import *  # noqa: F403
