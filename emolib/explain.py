"""Moved to :mod:`emolib.training.explain`; this name stays importable for existing notebooks and scripts."""

from emolib.training.explain import *  # noqa: F403
