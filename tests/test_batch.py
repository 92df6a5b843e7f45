"""emolib.batch and ``emolib batch``: many inputs on a Dask cluster, Parquet out, resumable, failures isolated.

The slow tests share one ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` on loopback and
one batch run over a folder of synthetic clips (tests.conftest.write_face_clip), an image and a corrupt clip.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from emolib.errors import EmolibError
from emolib.labels import CLASSES
from tests.conftest import REPO, write_face_clip

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")
dd = pytest.importorskip("dask.dataframe")

from distributed import Client, LocalCluster  # noqa: E402

from emolib.batch import (  # noqa: E402
    FRAMES_DIR,
    SUMMARY_COLUMNS,
    analyze_many,
    atomic_write,
    output_name,
    read_frames,
    read_metadata,
    split_options,
    write_parquet,
)
from emolib.media import read_image  # noqa: E402
from emolib.options import TrackingOptions  # noqa: E402
from emolib.pipeline import Analyzer  # noqa: E402
from emolib.results import frames_table  # noqa: E402
from emolib.video import analyze_video  # noqa: E402

VIDEOS = ("clip_a.mp4", "sub/clip_b.mp4", "clip_c.avi", "no_face.mp4")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def cluster() -> LocalCluster:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster:
        yield cluster


@pytest.fixture(scope="module")
def client(cluster: LocalCluster) -> Client:
    with Client(cluster, set_as_default=False) as client:  # analyze_many must not rely on a default client
        yield client


def _write_inputs(folder: Path, astronaut_bgr: np.ndarray) -> Path:
    """Face clips (one in a sub-folder, one a truncated MJPG .avi), a clip without faces, a photo, a corrupt clip."""
    (folder / "sub").mkdir(parents=True)
    write_face_clip(folder / "clip_a.mp4", astronaut_bgr, frames=40)
    write_face_clip(folder / "sub" / "clip_b.mp4", astronaut_bgr, frames=30)
    cut = write_face_clip(folder / "clip_c.avi", astronaut_bgr, frames=60, fourcc="MJPG")
    cut.write_bytes(cut.read_bytes()[:len(cut.read_bytes()) // 2])  # truncated: the first half is analysed
    write_face_clip(folder / "no_face.mp4", np.full_like(astronaut_bgr, 90), frames=30)
    cv2.imwrite(str(folder / "photo.png"), astronaut_bgr)
    (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    (folder / "notes.txt").write_text("not media: ignored in folders")
    return folder


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, astronaut_bgr: np.ndarray) -> Path:
    return _write_inputs(tmp_path_factory.mktemp("batch_in"), astronaut_bgr)


@pytest.fixture(scope="module")
def first_run(inputs: Path, client: Client, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("batch_out")
    return out, analyze_many([inputs], out, client, progress=False)


def _by_name(summary: pd.DataFrame) -> pd.DataFrame:
    return summary.set_index(summary["source"].map(lambda s: Path(s).name))


def _mtimes(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}


# --------------------------------------------------------------------------- fast: no cluster


def test_output_names_are_stable_distinct_and_visible(tmp_path: Path) -> None:
    assert output_name(tmp_path / "x" / "clip.mp4") == output_name(tmp_path / "x" / ".." / "x" / "clip.mp4")
    assert output_name(tmp_path / "x" / "clip.mp4") != output_name(tmp_path / "y" / "clip.mp4")
    for name in ("_intro.mp4", ".hidden.mp4", "a b?.mp4"):  # "_" and "." files are skipped by read_parquet
        assert output_name(tmp_path / name)[0].isalnum() and output_name(tmp_path / name).endswith(".parquet")


def test_split_options_fills_defaults_and_rejects_unknown() -> None:
    analyzer, video = split_options({"every": 2, "margin": 0.2})
    assert analyzer["margin"] == 0.2 and analyzer["detector"] == "yunet" and video["every"] == 2
    assert set(video) == {"every", "raw", "tracking"} and video["tracking"] == TrackingOptions()
    tracking = split_options({"detect_every": 5, "max_distance": 0.0})[1]["tracking"]
    assert tracking == TrackingOptions(5, max_distance=0.0)
    assert split_options({}) == split_options({"detector": "yunet", "every": 1}), "explicit defaults change nothing"
    with pytest.raises(EmolibError, match="unknown option"):
        split_options({"evry": 2})
    with pytest.raises(EmolibError, match="unknown option"):
        split_options({"out": "x.mp4"})


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    path = atomic_write(tmp_path / "f.bin", lambda handle: handle.write(b"old"))

    def fail(handle) -> None:  # noqa: ANN001
        handle.write(b"half")
        raise RuntimeError("killed")

    with pytest.raises(EmolibError, match="could not write .*killed"):
        atomic_write(path, fail)
    assert path.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["f.bin"], "no temp file left"


def test_parquet_schema_does_not_depend_on_rows(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    row = (0, 0.0, 1, 1, 2, 3, 4, *[1 / 7] * 7, "happy", *[1 / 7] * 7)
    for name, rows in (("empty", []), ("full", [row])):
        table = frames_table(rows, raw=True)
        table.insert(0, "source", name)
        write_parquet(table, tmp_path / f"{name}.parquet", {"stamp": {}, "summary": {}})
    assert pq.read_schema(tmp_path / "empty.parquet").equals(pq.read_schema(tmp_path / "full.parquet"))
    assert len(dd.read_parquet(str(tmp_path)).compute()) == 1


def test_cli_batch_options(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    from emolib.cli import main

    with pytest.raises(SystemExit):
        main(["batch", "x.mp4", "--out", str(tmp_path), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert "not allowed with" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists(), "inputs are checked before anything is written"


# --------------------------------------------------------------------------- slow: on the cluster


@pytest.mark.slow
def test_every_input_has_an_output_and_the_corrupt_one_a_failure(first_run: tuple[Path, pd.DataFrame]) -> None:
    out, summary = first_run
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    status = _by_name(summary)["status"].to_dict()
    assert status == {"clip_a.mp4": "done", "clip_b.mp4": "done", "clip_c.avi": "done", "no_face.mp4": "done",
                      "photo.png": "done", "broken.mp4": "failed"}
    failures = pd.read_csv(out / "failures.csv")
    assert list(failures.columns) == ["source", "reason"] and len(failures) == 1
    assert failures.loc[0, "source"].endswith("broken.mp4") and "\n" not in failures.loc[0, "reason"]
    assert "not a video" in failures.loc[0, "reason"]
    files = sorted(p.name for p in (out / FRAMES_DIR).iterdir())
    assert len(files) == 5 and all(name.endswith(".parquet") and name[0].isalnum() for name in files)
    saved = pd.read_parquet(out / "summary.parquet")
    assert saved["status"].tolist() == summary["status"].tolist()
    np.testing.assert_allclose(saved["happy"], summary["happy"])
    assert pd.read_csv(out / "summary.csv")["source"].tolist() == summary["source"].tolist()
    everything = read_frames(out).compute()  # dask reads the whole set: videos, the image, an empty table
    assert set(everything["source"]) == set(summary.loc[summary["faces"] > 0, "source"])
    assert len(everything) == sum(len(pd.read_parquet(path)) for path in summary["output"].dropna())
    rows = _by_name(summary)
    assert "truncated" in rows.loc["clip_c.avi", "error"] and 10 < rows.loc["clip_c.avi", "frames"] < 50
    assert rows.drop(index=["clip_c.avi", "broken.mp4"])["error"].isna().all()
    assert rows.loc["no_face.mp4", "faces"] == 0 and pd.isna(rows.loc["no_face.mp4", "dominant"])
    assert rows.loc["clip_a.mp4", "frames"] == 40 and rows.loc["clip_a.mp4", "faces"] == 1
    assert rows.loc["clip_a.mp4", "dominant"] == "happy" and rows.loc["photo.png", "dominant"] == "happy"
    assert rows.loc["clip_a.mp4", list(CLASSES)].sum() == pytest.approx(1.0)
    assert rows.loc["clip_a.mp4", "face_seconds"] == pytest.approx(40 / 30)


@pytest.mark.slow
def test_results_match_single_process_analysis(first_run: tuple[Path, pd.DataFrame], inputs: Path) -> None:
    out, summary = first_run
    analyzer = Analyzer()
    outputs = _by_name(summary)["output"]
    for name in VIDEOS:
        got = pd.read_parquet(outputs[Path(name).name])
        assert (got["source"] == str((inputs / name).resolve())).all()
        expected = analyze_video(inputs / name, analyzer, progress=False)
        pd.testing.assert_frame_equal(got.drop(columns="source").astype({"emotion": object}), expected,
                                      check_exact=True)
    photo = pd.read_parquet(outputs["photo.png"])
    results = analyzer.analyze(read_image(inputs / "photo.png"))
    assert len(photo) == len(results) == 1 and photo.loc[0, ["frame", "time_s", "face_id"]].tolist() == [0, 0, 1]
    assert tuple(photo.loc[0, ["x", "y", "w", "h"]]) == results[0].box and photo.loc[0, "emotion"] == "happy"
    np.testing.assert_allclose(photo.loc[0, list(CLASSES)].to_numpy(float), results[0].probabilities, rtol=1e-6)


@pytest.mark.slow
def test_second_run_skips_everything_done(first_run: tuple[Path, pd.DataFrame], inputs: Path, client: Client) -> None:
    out, first = first_run
    before = _mtimes(out / FRAMES_DIR)
    second = analyze_many([inputs], out, client, progress=False)
    assert _by_name(second)["status"].value_counts().to_dict() == {"skipped": 5, "failed": 1}
    assert _mtimes(out / FRAMES_DIR) == before, "complete outputs are not rewritten"
    same = [c for c in SUMMARY_COLUMNS if c != "status"]
    pd.testing.assert_frame_equal(second[same], first[same])
    assert pd.read_csv(out / "summary.csv")["status"].tolist() == second["status"].tolist()


@pytest.mark.slow
def test_changed_input_or_options_are_redone(inputs: Path, client: Client, tmp_path: Path) -> None:
    clip = shutil.copy(inputs / "sub" / "clip_b.mp4", tmp_path / "clip.mp4")
    out = tmp_path / "out"
    assert analyze_many(clip, out, client, progress=False)["status"].tolist() == ["done"]
    assert analyze_many(clip, out, client, progress=False)["status"].tolist() == ["skipped"]
    stat = os.stat(clip)
    os.utime(clip, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert analyze_many(clip, out, client, progress=False)["status"].tolist() == ["done"], "touched: redone"
    summary = analyze_many(clip, out, client, progress=False, every=2)
    assert summary["status"].tolist() == ["done"], "other options: redone"
    assert len(pd.read_parquet(summary.loc[0, "output"])) == 15
    assert read_metadata(summary.loc[0, "output"])["stamp"]["mtime_ns"] == stat.st_mtime_ns + 10**9
    assert len(list((out / FRAMES_DIR).iterdir())) == 1, "one file per input, replaced in place"


@pytest.mark.slow
def test_progress_bar_and_dashboard_link(inputs: Path, client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture) -> None:
    import importlib.util

    from emolib.batch import dashboard_link

    find_spec = importlib.util.find_spec
    if find_spec("bokeh") is None:
        assert dashboard_link(client) is None, "no bokeh, no dashboard to link to"
        # The scheduler of this LocalCluster runs in this process: let it believe bokeh is installed.
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: name == "bokeh" or find_spec(name, *a))
    assert dashboard_link(client) == client.dashboard_link
    analyze_many(inputs / "photo.png", tmp_path / "out", client)
    err = capsys.readouterr().err
    assert f"Dask dashboard at {client.dashboard_link}" in err and "emolib batch: 100%" in err and "1/1" in err


def _crash_first_video(marker: str) -> None:
    """Run on every worker: the first analyze_video call of the cluster kills its worker process."""
    import emolib.video

    original = emolib.video.analyze_video

    def crash_once(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL))  # only one worker wins
        except FileExistsError:
            return original(*args, **kwargs)
        os._exit(1)

    crash_once.original = original
    emolib.video.analyze_video = crash_once


def _restore_analyze_video() -> None:
    import emolib.video

    emolib.video.analyze_video = getattr(emolib.video.analyze_video, "original", emolib.video.analyze_video)


@pytest.mark.slow
def test_worker_that_dies_has_its_task_rerun(inputs: Path, client: Client, tmp_path: Path) -> None:
    marker = tmp_path / "crashed"
    client.run(_crash_first_video, str(marker))
    try:
        summary = analyze_many(inputs / "sub" / "clip_b.mp4", tmp_path / "out", client, progress=False)
    finally:
        client.run(_restore_analyze_video)
        client.wait_for_workers(2, timeout=120)
    assert marker.exists(), "a worker died"
    assert summary["status"].tolist() == ["done"] and summary.loc[0, "frames"] == 30


@pytest.mark.slow
def test_cli_against_a_running_scheduler(first_run: tuple[Path, pd.DataFrame], inputs: Path, cluster: LocalCluster,
                                         tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    done = _cli(inputs, "--out", out, "--scheduler", cluster.scheduler_address)
    assert done.returncode == 1, done.stderr  # one input failed, the rest completed
    assert "6 input(s): 5 analysed, 0 skipped (already complete), 1 failed" in done.stdout
    assert "warning:" in done.stderr and "clip_c.avi: truncated" in done.stderr
    for path in (first_run[0] / FRAMES_DIR).iterdir():
        pd.testing.assert_frame_equal(pd.read_parquet(out / FRAMES_DIR / path.name), pd.read_parquet(path))


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_outputs(client: Client, astronaut_bgr: np.ndarray, tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    for index in range(6):
        write_face_clip(clips / f"clip{index}.mp4", astronaut_bgr, frames=60)
    out, frames = tmp_path / "out", tmp_path / "out" / FRAMES_DIR
    # A whole local run (CLI, scheduler, worker) in its own process group, killed once the first output lands.
    process = _cli(clips, "--out", out, "--workers", "1", wait=False)
    try:
        deadline = time.monotonic() + 120
        while not list(frames.glob("*.parquet")) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    _wait_group_gone(process.pid)
    complete = list(frames.glob("*.parquet"))
    assert 1 <= len(complete) < 6, "killed half way"
    assert all(read_metadata(path) for path in complete), "every file that looks complete is complete"
    assert not (out / "summary.csv").exists()

    resumed = analyze_many(clips, out, client, progress=False)  # the same run again (the CLI calls this)
    assert resumed["status"].value_counts().to_dict() == {"done": 6 - len(complete), "skipped": len(complete)}
    assert not list(frames.glob(".*")), "no temporary files left"
    clean = analyze_many(clips, tmp_path / "clean", client, progress=False)
    for path in frames.iterdir():
        expected = pd.read_parquet(tmp_path / "clean" / FRAMES_DIR / path.name)
        pd.testing.assert_frame_equal(pd.read_parquet(path), expected, check_exact=True)
    same = [c for c in SUMMARY_COLUMNS if c not in ("status", "elapsed_s", "output")]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "summary.parquet")[same],
                                  pd.read_parquet(tmp_path / "clean" / "summary.parquet")[same])
    assert len(read_frames(out).compute()) == 6 * 60 == clean["frames"].sum()


def _cli(*args: object, wait: bool = True) -> subprocess.CompletedProcess | subprocess.Popen:
    """``python -m emolib batch ARGS --no-progress`` from the repository, in a new process group."""
    command = [sys.executable, "-m", "emolib", "batch", *map(str, args), "--no-progress"]
    env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    if not wait:
        return subprocess.Popen(command, env=env, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    return subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)


def _wait_group_gone(group: int, timeout: float = 30) -> None:
    """Wait until no process of the killed group is left (its worker processes included)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"processes of group {group} still running")
