"""Hostile inputs and shared machines for ``emolib batch``: its own cluster is closed to other users, globs
do not loop, one bad file never stops the batch, a full disk leaves no summary half-written."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("distributed")
pytest.importorskip("cryptography")

from distributed import Client  # noqa: E402

from emolib.batch import analyze_many, local_cluster, write_summary  # noqa: E402
from emolib.errors import EmolibError  # noqa: E402
from tests.test_hostile import motion_photo, png_declaring  # noqa: E402


@pytest.fixture(scope="module")
def secured() -> Client:
    with local_cluster(1) as cluster, Client(cluster, set_as_default=False) as client:
        yield client


def test_the_local_cluster_refuses_connections_without_its_credentials(secured: Client) -> None:
    address = secured.scheduler.address
    assert address.startswith("tls://127.0.0.1:")
    assert secured.submit(sum, [1, 2]).result() == 3, "the batch itself gets in"
    for intruder in (address, address.replace("tls://", "tcp://")):  # no certificate; plain TCP
        with pytest.raises((OSError, TypeError, ValueError)):
            Client(intruder, timeout=3, set_as_default=False)
    import urllib.error
    import urllib.request

    ports = [secured.scheduler_info()["services"]["dashboard"]]
    ports += [w["services"]["dashboard"] for w in secured.scheduler_info()["workers"].values()]
    for port in ports:  # the HTTP servers listen on loopback but show nothing: no status, no file names
        for page in ("status", "info/main/workers.html", "metrics"):
            with pytest.raises(urllib.error.HTTPError, match="404"):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/{page}", timeout=3)  # noqa: S310


def test_a_batch_of_hostile_files_finishes_every_good_one(secured: Client, tmp_path: Path,
                                                         astronaut_bgr: np.ndarray) -> None:
    face = cv2.imencode(".jpg", astronaut_bgr)[1].tobytes()
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "loop").symlink_to(folder)  # 'in/**/*' must not follow it round and round
    (folder / "good.jpg").write_bytes(face)
    (folder / "sub" / "motion.jpg").write_bytes(motion_photo(face))
    (folder / "bomb.png").write_bytes(png_declaring(30000, 30000))
    cv2.imwrite(str(folder / "strip.png"), np.full((1, 400, 3), 128, np.uint8))
    (folder / "text.jpg").write_text("not an image")
    summary = analyze_many(f"{folder}/**/*.*", tmp_path / "out", secured, progress=False)
    status = dict(zip(summary["source"].map(lambda s: Path(s).name), summary["status"], strict=True))
    assert status == {"good.jpg": "done", "motion.jpg": "done", "bomb.png": "failed", "strip.png": "failed",
                      "text.jpg": "failed"}
    reasons = dict(zip(summary["source"].map(lambda s: Path(s).name), summary["error"], strict=True))
    assert "over the pixel budget" in reasons["bomb.png"] and "too small" in reasons["strip.png"]
    assert (summary.loc[summary["status"] == "done", "faces"] == 1).all()


def test_a_full_disk_leaves_no_summary_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from emolib.batch import summary_table
    from emolib.media import atomic

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)
    summary = summary_table([{"source": "a.jpg", "kind": "image", "status": "failed", "error": "x"}])
    with pytest.raises(EmolibError, match="summary.parquet: No space left on device"):
        write_summary(summary, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_cli_batch_is_quiet_and_one_line_per_problem(tmp_path: Path, astronaut_bgr: np.ndarray) -> None:
    """In a real process with its own (TLS) cluster: no Dask log blocks or TLS chatter around emolib's lines."""
    folder = tmp_path / "in"
    folder.mkdir()
    cv2.imwrite(str(folder / "good.jpg"), astronaut_bgr)
    (folder / "bomb.png").write_bytes(png_declaring(30000, 30000))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-m", "emolib", "batch", str(folder), "--out", str(tmp_path / "out"),
                           "--workers", "1", "--no-progress"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines and all(line.lstrip().startswith(("emolib batch:", "failures:")) for line in lines), done.stderr
    assert "2 input(s): 1 analysed, 0 skipped (already complete), 1 failed" in done.stdout


def test_an_output_that_cannot_be_written_fails_that_input_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                astronaut_bgr: np.ndarray) -> None:
    """In the task itself (run here, as a worker would): a full disk is a failed record, not an exception."""
    from emolib.batch import Job, analyze_one, split_options
    from emolib.media import atomic

    image = tmp_path / "face.jpg"
    cv2.imwrite(str(image), astronaut_bgr)
    job = Job(str(image), "image", str(tmp_path / "frames" / "face.parquet"), {"format": 1})

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)
    record = analyze_one(job, *split_options({}))
    assert record["status"] == "failed" and "No space left on device" in record["error"]
    assert not any(p.is_file() for p in (tmp_path / "frames").rglob("*"))
