"""The one atomic writer for every file emolib writes: all of it at the final path, or nothing.

Each write goes to a hidden temporary name in the same folder (``.NAME.emolib-tmp-XXXXXXXX``: same
filesystem, so the rename is atomic; :func:`atomic_path` adds the real suffix again, so encoders that pick
the format by suffix still work), is flushed and ``fsync``-ed, checked (the size on disk equals the bytes
written, and an optional ``verify`` reads it back), and only then renamed onto the final path. A failure
anywhere (full disk, quota, a name the filesystem refuses, a killed encoder) removes the temporary file,
leaves the final path as it was (absent, or the old file with ``overwrite``) and raises
:class:`~emolib.errors.EmolibError` with one line: ``could not write PATH: No space left on device``.

>>> write_bytes("out/report.json", json.dumps(report).encode(), overwrite=False)
>>> write_figure(figure, "out/timeline")             # writes out/timeline.png; see figure_path
>>> with atomic_path("out/clip.mp4") as temp:        # for writers that need a path (VideoWriter, PyAV)
...     encode_video_to(temp)                        # renamed onto out/clip.mp4 only if this succeeds

Without ``overwrite`` an existing final path is refused before anything is written, and the final step
(``os.link``, which fails if the name exists) never replaces a file another process made in the meantime.
"""

from __future__ import annotations

import errno
import io
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from emolib.errors import EmolibError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Marker in temporary names; :func:`remove_temporaries` deletes files with it that a killed run left behind.
TEMP_MARKER = ".emolib-tmp-"


def temporary_name(path: str | os.PathLike, *, keep_suffix: bool = False) -> Path:
    """A fresh hidden temporary path next to ``path``: ``.a.csv.emolib-tmp-1f2e3d4c``, or with ``keep_suffix``
    (for encoders that choose the format by suffix) ``.a.mp4.emolib-tmp-1f2e3d4c.mp4``. Without the suffix a
    glob such as ``*.parquet`` never takes a file still being written for a finished one."""
    path = Path(path)
    return path.with_name(f".{path.name}{TEMP_MARKER}{uuid.uuid4().hex[:8]}{path.suffix if keep_suffix else ''}")


def remove_temporaries(folder: str | os.PathLike) -> int:
    """Delete the temporary files of :func:`temporary_name` in ``folder`` (not recursive); returns how many."""
    removed = 0
    for temp in Path(folder).glob(f".*{TEMP_MARKER}*"):
        temp.unlink(missing_ok=True)
        removed += 1
    return removed


def check_writable(path: str | os.PathLike, overwrite: bool) -> Path:
    """``path`` if it may be written: it does not exist, or ``overwrite`` (and it is not a folder)."""
    path = Path(path)
    try:
        is_dir, exists = path.is_dir(), path.exists()
    except OSError as err:  # a name too long, a folder we may not search
        raise EmolibError(f"could not write {path}: {_reason(err)}") from None
    if is_dir:
        raise EmolibError(f"{path} is a folder; give a file name")
    if exists and not overwrite:
        raise EmolibError(f"{path} exists; pass --overwrite to replace it")
    return path


def _reason(err: BaseException) -> str:
    if isinstance(err, OSError):
        return err.strerror or str(err) or type(err).__name__
    return " ".join(str(err).split()) or type(err).__name__


def _publish(temp: Path, path: Path, overwrite: bool) -> None:
    """Move the finished ``temp`` onto ``path`` (no-clobber without ``overwrite``) and sync the folder."""
    if overwrite:
        os.replace(temp, path)
    else:
        try:
            os.link(temp, path)  # fails with EEXIST rather than replacing a file made since the check
        except FileExistsError:
            raise EmolibError(f"{path} exists; pass --overwrite to replace it") from None
        except OSError as err:  # filesystems without hard links
            if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            if path.exists():
                raise EmolibError(f"{path} exists; pass --overwrite to replace it") from None
            os.replace(temp, path)
        else:
            temp.unlink()
    try:
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(folder)
    except OSError:  # some filesystems cannot sync a folder; the file itself is synced
        pass
    finally:
        os.close(folder)


class _CountingFile(io.RawIOBase):
    """A binary file that counts the bytes written through it (to check the size on disk afterwards)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.count = raw, 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        written = self.raw.write(view)
        written = len(view) if written is None else written
        self.count += written
        return written

    def tell(self) -> int:
        return self.count

    def flush(self) -> None:
        self.raw.flush()


def atomic_write(
    path: str | os.PathLike,
    write: Callable[[IO[bytes]], Any],
    *,
    overwrite: bool = True,
    verify: Callable[[Path], object] | None = None,
) -> Path:
    """Call ``write(binary file)`` for the temporary file, then sync, check and rename it onto ``path``.

    ``verify(temp path)``: optional read-back check (raise to refuse the result). The folder is created.
    Returns ``path``; raises :class:`EmolibError` (one line) with nothing left at ``path`` on any failure.
    """
    path = check_writable(path, overwrite)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise EmolibError(f"could not write {path}: {_reason(err)}") from None
    temp = temporary_name(path)
    try:
        with open(temp, "xb") as handle:
            counter = _CountingFile(handle)
            write(counter)  # type: ignore[arg-type]
            handle.flush()
            os.fsync(handle.fileno())
            size = os.fstat(handle.fileno()).st_size
        if size != counter.count:
            raise EmolibError(f"could not write {path}: {size} bytes on disk of {counter.count} written")
        if verify is not None:
            verify(temp)
        _publish(temp, path, overwrite)
    except EmolibError:
        temp.unlink(missing_ok=True)
        raise
    except KeyboardInterrupt:
        temp.unlink(missing_ok=True)
        raise
    except Exception as err:
        temp.unlink(missing_ok=True)
        raise EmolibError(f"could not write {path}: {_reason(err)}") from None
    return path


@contextmanager
def atomic_path(
    path: str | os.PathLike, *, overwrite: bool = True, verify: Callable[[Path], object] | None = None
) -> Iterator[Path]:
    """A temporary path (same folder and suffix) for writers that take a file name; renamed onto ``path``
    when the block ends without an error, after an ``fsync`` and the optional ``verify(temp path)``.

    An empty result counts as a failure. On any error the temporary file is removed, ``path`` is left as it
    was, and :class:`EmolibError` is raised (errors that are already EmolibError pass unchanged).
    """
    path = check_writable(path, overwrite)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise EmolibError(f"could not write {path}: {_reason(err)}") from None
    temp = temporary_name(path, keep_suffix=True)
    try:
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
            if os.fstat(handle.fileno()).st_size == 0:
                raise EmolibError(f"could not write {path}: nothing was written")
        if verify is not None:
            verify(temp)
        _publish(temp, path, overwrite)
    except (EmolibError, KeyboardInterrupt, GeneratorExit):
        temp.unlink(missing_ok=True)
        raise
    except Exception as err:
        temp.unlink(missing_ok=True)
        raise EmolibError(f"could not write {path}: {_reason(err)}") from None


def write_bytes(path: str | os.PathLike, data: bytes, *, overwrite: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda handle: handle.write(data), overwrite=overwrite)


def write_text(path: str | os.PathLike, text: str, *, overwrite: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically: JSON, CSV, reports."""
    return write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


def write_image(path: str | os.PathLike, image: np.ndarray, *, overwrite: bool = True) -> Path:
    """Encode ``image`` ((H, W, 3) uint8 BGR, or (H, W) grey) by ``path``'s suffix (.png, .jpg, ...) and write it
    atomically."""
    import cv2

    path = Path(path)
    try:
        ok, encoded = cv2.imencode(path.suffix or ".png", image)
    except cv2.error as err:
        raise EmolibError(f"could not write {path}: cannot encode a {path.suffix or 'suffix-less'} image "
                          f"({_reason(err).splitlines()[0] if str(err) else 'cv2.error'})") from None
    if not ok or not len(encoded):
        raise EmolibError(f"could not write {path}: OpenCV cannot encode {path.suffix or 'suffix-less'} images")
    return write_bytes(path, encoded.tobytes(), overwrite=overwrite)


def figure_path(path: str | os.PathLike) -> Path:
    """The exact file ``Figure.savefig(path)`` writes: ``path`` plus ``.png`` (matplotlib's
    ``savefig.format``) when it has no suffix. Check this path, not the one the user typed, for overwrites."""
    path = Path(path)
    if path.suffix:
        return path
    try:
        import matplotlib

        fmt = str(matplotlib.rcParams["savefig.format"])
    except ImportError:
        fmt = "png"
    return path.with_name(f"{path.name}.{fmt}")


def write_figure(figure: Figure, path: str | os.PathLike, *, overwrite: bool = True, **savefig: Any) -> Path:
    """Save a matplotlib figure atomically to :func:`figure_path` of ``path`` (format from its suffix);
    ``savefig``: more ``Figure.savefig`` options (``dpi``...). Returns the path written."""
    final = figure_path(path)
    fmt = final.suffix.lstrip(".").lower()
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format=fmt, **savefig)
    except ValueError as err:  # an unknown format
        raise EmolibError(f"could not write {final}: {_reason(err)}") from None
    return write_bytes(final, buffer.getvalue(), overwrite=overwrite)
