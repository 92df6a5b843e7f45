"""The one exception type front ends turn into a one-line message."""

from __future__ import annotations


class EmolibError(Exception):
    """A problem with the user's input (file, data, camera) that deserves one clear line, not a traceback."""
