"""Moved to :mod:`emolib.training.audit`; this name stays importable for existing notebooks and scripts."""

from emolib.training.audit import *  # noqa: F403
