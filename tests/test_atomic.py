"""The atomic writer: all of a file at its final path, or nothing (full disks, refused names, no-clobber)."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from emolib.errors import EmolibError
from emolib.media.atomic import (
    TEMP_MARKER,
    atomic_path,
    atomic_write,
    figure_path,
    remove_temporaries,
    write_bytes,
    write_figure,
    write_image,
    write_text,
)


def _disk_full(handle) -> None:
    handle.write(b"half of a file")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_failed_write_leaves_nothing_at_the_final_path(tmp_path: Path) -> None:
    with pytest.raises(EmolibError, match=r"could not write .*out\.csv: No space left on device$") as caught:
        atomic_write(tmp_path / "out.csv", _disk_full)
    assert "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []  # no final file, no temporary file


def test_a_failed_overwrite_keeps_the_old_file(tmp_path: Path) -> None:
    old = write_text(tmp_path / "report.json", '{"old": true}')
    with pytest.raises(EmolibError):
        atomic_write(old, _disk_full, overwrite=True)
    assert json.loads(old.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_full_disk_reported_by_fsync_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Delayed allocation (and NFS) report a full disk only when the data is synced."""
    from emolib.media import atomic

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(EmolibError, match="No space left on device"):
        write_bytes(tmp_path / "a.bin", b"x" * 100_000)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_without_overwrite_an_existing_file_is_refused_and_kept(tmp_path: Path) -> None:
    target = write_text(tmp_path / "a.json", "first")
    with pytest.raises(EmolibError, match="exists; pass --overwrite"):
        write_text(target, "second", overwrite=False)
    assert target.read_text() == "first"
    write_text(target, "second", overwrite=True)
    assert target.read_text() == "second"
    assert not any(TEMP_MARKER in p.name for p in tmp_path.iterdir())


def test_images_are_encoded_by_suffix_and_read_back(tmp_path: Path) -> None:
    image = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    png = write_image(tmp_path / "a.png", image)
    assert np.array_equal(cv2.imread(str(png)), image)
    assert cv2.imread(str(write_image(tmp_path / "a.jpg", image))).shape == (20, 30, 3)
    with pytest.raises(EmolibError, match="could not write"):
        write_image(tmp_path / "a.notanimage", image)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg", "a.png"]


def test_a_plot_name_without_suffix_is_the_png_matplotlib_writes(tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    assert figure_path(tmp_path / "plot") == tmp_path / "plot.png"
    assert figure_path(tmp_path / "plot.pdf") == tmp_path / "plot.pdf"
    existing = write_bytes(tmp_path / "plot.png", b"keep me")
    figure = Figure()
    figure.subplots().plot([0, 1])
    with pytest.raises(EmolibError, match=r"plot\.png exists"):
        write_figure(figure, tmp_path / "plot", overwrite=False)
    assert existing.read_bytes() == b"keep me"
    written = write_figure(figure, tmp_path / "plot", overwrite=True)
    assert written == existing and written.read_bytes()[:4] == b"\x89PNG"


def test_atomic_path_for_writers_that_take_a_name(tmp_path: Path) -> None:
    final = tmp_path / "clip.mp4"
    with atomic_path(final) as temp:
        assert temp.parent == tmp_path and temp.suffix == ".mp4" and temp.name.startswith(".")
        temp.write_bytes(b"video")
    assert final.read_bytes() == b"video"
    with pytest.raises(EmolibError, match="nothing was written"), atomic_path(tmp_path / "empty.mp4") as temp:
        temp.write_bytes(b"")
    with pytest.raises(EmolibError, match="moov"), atomic_path(tmp_path / "bad.mp4") as temp:
        temp.write_bytes(b"x")
        raise RuntimeError("no moov atom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


def test_a_name_the_filesystem_refuses_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(EmolibError, match="could not write .*File name too long"):
        write_text(tmp_path / ("x" * 300 + ".json"), "{}")
    assert list(tmp_path.iterdir()) == []


def test_leftover_temporaries_are_removed(tmp_path: Path) -> None:
    (tmp_path / f".a.csv{TEMP_MARKER}1234abcd.csv").write_text("half")
    (tmp_path / ".hidden_user_file").write_text("keep")
    assert remove_temporaries(tmp_path) == 1
    assert [p.name for p in tmp_path.iterdir()] == [".hidden_user_file"]
