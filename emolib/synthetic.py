"""Moved to :mod:`emolib.training.synthetic`; this name stays importable for existing notebooks and scripts."""

from emolib.training.synthetic import *  # noqa: F403
