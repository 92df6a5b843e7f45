from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from emolib.cli import main


@pytest.fixture
def photo(tmp_path: Path, astronaut_bgr: np.ndarray) -> Path:
    path = tmp_path / "in" / "astronaut.jpg"
    path.parent.mkdir()
    cv2.imwrite(str(path), astronaut_bgr)
    return path


def test_image_writes_annotated_and_json(photo: Path, tmp_path: Path, astronaut_bgr: np.ndarray) -> None:
    out = tmp_path / "out"
    assert main(["image", str(photo), "--out", str(out)]) == 0
    report = json.loads((out / "astronaut.json").read_text())
    assert len(report["faces"]) == 1 and report["faces"][0]["emotion"] == "happy"
    annotated = cv2.imread(str(out / "astronaut_annotated.jpg"))
    assert annotated.shape == astronaut_bgr.shape
    x, y, w, h = (report["faces"][0][k] for k in "xywh")
    region = (slice(max(0, y - 5), y + h + 5), slice(max(0, x - 5), x + w + 5))
    assert np.abs(annotated[region].astype(int) - cv2.imread(str(photo))[region]).mean() > 3


def test_image_refuses_to_overwrite(photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    assert main(["image", str(photo), "--out", str(out)]) == 0
    before = (out / "astronaut_annotated.jpg").stat().st_mtime_ns
    assert main(["image", str(photo), "--out", str(out)]) != 0
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "astronaut_annotated.jpg").stat().st_mtime_ns == before
    assert main(["image", str(photo), "--out", str(out), "--overwrite"]) == 0


def test_folder_with_a_bad_file(photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (photo.parent / "sub").mkdir()
    cv2.imwrite(str(photo.parent / "sub" / "copy.png"), cv2.imread(str(photo)))
    (photo.parent / "broken.jpg").write_text("not an image")
    out = tmp_path / "out"
    code = main(["image", str(photo.parent), "--out", str(out), "--json"])
    assert code == 1, "a partial failure exits 1"
    reports = json.loads(capsys.readouterr().out)
    assert len(reports) == 2
    assert (out / "in" / "sub" / "copy_annotated.png").is_file() and (out / "in" / "astronaut.json").is_file()


@pytest.mark.parametrize("kind", ["missing", "empty", "text", "truncated", "noface"])
def test_bad_input_is_one_line(kind: str, tmp_path: Path, astronaut_bgr: np.ndarray) -> None:
    path = tmp_path / "input.jpg"
    if kind == "empty":
        path.touch()
    elif kind == "text":
        path.write_text("this is text")
    elif kind == "truncated":
        path.write_bytes(cv2.imencode(".jpg", astronaut_bgr)[1].tobytes()[:5000])
    elif kind == "noface":
        cv2.imwrite(str(path), np.full((200, 200, 3), 90, np.uint8))
    run = subprocess.run([sys.executable, "-m", "emolib", "image", str(path), "--out", str(tmp_path / "o")],
                         capture_output=True, text=True)
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("emolib image: error:"), run.stderr
    assert "Traceback" not in run.stderr


def test_help_for_every_command(capsys: pytest.CaptureFixture) -> None:
    from emolib.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices  # noqa: SLF001
    assert {"image", "train", "evaluate", "export"} <= set(commands)
    for name in commands:
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
    assert "usage" in capsys.readouterr().out


def test_evaluate_without_data_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture) -> None:
    assert main(["evaluate", "--data", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
