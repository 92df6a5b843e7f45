"""Moved to :mod:`emolib.training.train`; this name stays importable for existing notebooks and scripts."""

from emolib.training.train import *  # noqa: F403
