"""The one exception type front ends turn into a one-line message, and the check of a file the user names."""

from __future__ import annotations

import os
from pathlib import Path


class EmolibError(ValueError):
    """A problem with the user's input (file, data, camera, option) that deserves one clear line, not a traceback.

    A :class:`ValueError`, so code that catches bad values catches it too.
    """


def require_file(path: str | os.PathLike, kind: str) -> Path:
    """``path`` as a Path if it is a non-empty file, else :class:`EmolibError` saying what it is instead.

    ``kind``: what the file should be ("an image", "a video", ...), for the message about a folder.
    """
    path = Path(path)
    if not path.exists():
        raise EmolibError(f"no such file: {path}")
    if path.is_dir():
        raise EmolibError(f"{path} is a folder, not {kind}")
    if path.stat().st_size == 0:
        raise EmolibError(f"{path} is empty (0 bytes)")
    return path
