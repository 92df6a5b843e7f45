"""Finding inputs: which files are images or videos, and the one walker over folders and globs.

One rule for every entry point (``emolib image DIR``, ``emolib video DIR``, ``emolib batch``, the video
widget's file list): folders are searched recursively, hidden files and hidden folders are skipped, and
results are sorted. Neither folders nor ``**`` globs follow symbolic links to folders, so link loops end.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from emolib.errors import EmolibError

#: File suffixes treated as images.
IMAGE_SUFFIXES: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
#: File suffixes treated as videos.
VIDEO_SUFFIXES: tuple[str, ...] = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv")

Kind = Literal["image", "video"]
_ALL_KINDS: tuple[Kind, ...] = ("image", "video")


def media_kind(path: str | os.PathLike) -> Kind | None:
    """"image" or "video" by the file's suffix (any case); None for other suffixes."""
    suffix = Path(path).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    return None


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def find_media(folder: str | os.PathLike, kinds: Iterable[Kind] = _ALL_KINDS) -> list[Path]:
    """Files of the given kinds under ``folder`` (recursively), sorted; hidden files and folders skipped."""
    root, wanted = Path(folder), set(kinds)
    return sorted(path for path in root.rglob("*")
                  if media_kind(path) in wanted and path.is_file() and not _hidden(path, root))


def expand_glob(pattern: str) -> list[Path]:
    """The paths matching a glob (``**`` for any depth), sorted, hidden ones skipped. ``**`` does not
    descend into symbolic links to folders (pathlib's rule), so a link back to a parent cannot loop."""
    parts = Path(pattern).parts
    first = next(index for index, part in enumerate(parts) if glob.has_magic(part))
    base = Path(*parts[:first]) if first else Path()
    rest = Path(*parts[first:]).as_posix()
    if not base.is_dir():
        return []
    return sorted(path for path in base.glob(rest) if not _hidden(path, base))


def _describe(kinds: set[Kind]) -> str:
    return "videos or images" if kinds == set(_ALL_KINDS) else f"{next(iter(kinds))}s"


def collect_inputs(
    inputs: str | os.PathLike | Iterable[str | os.PathLike], kinds: Iterable[Kind] = _ALL_KINDS
) -> list[tuple[Path, Kind]]:
    """(absolute path, kind) for every file, folder (see :func:`find_media`) and glob given, deduplicated.

    A file named directly is taken by its suffix, else as the only kind asked for (or as a video). Raises
    :class:`EmolibError` for a path that does not exist, or a folder or glob with nothing of those kinds.
    """
    wanted = tuple(kinds)
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    found: dict[Path, Kind] = {}
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files = find_media(path, wanted)
            if not files:
                raise EmolibError(f"{path}: no {_describe(set(wanted))} in this folder")
        elif path.exists():
            files = [path]
        elif glob.has_magic(str(item)):
            files = []
            for match in expand_glob(str(item)):
                if match.is_dir():
                    files += find_media(match, wanted)
                elif media_kind(match) in wanted:
                    files.append(match)
            if not files:
                raise EmolibError(f"{item}: matches no {_describe(set(wanted))}")
        else:
            raise EmolibError(f"no such file or folder: {path}")
        default: Kind = wanted[0] if len(wanted) == 1 else "video"
        for file in files:
            found.setdefault(file.resolve(), media_kind(file) or default)
    return list(found.items())
