"""The tutorial notebooks' shape, and the emolib modules written for them (modes, synthetic data, audit, plots,
Grad-CAM, the demo clip).

The notebooks themselves run in CI with ``EMOLIB_QUICK=1 pytest --nbmake notebooks/``; the slow tests below run
each in quick mode and fail on any warning, stderr text or traceback in its outputs (the same check
``benchmarks/run_notebooks.py`` makes in workshop mode, where it also times them).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from emolib.labels import CLASSES, FERPLUS_COLUMNS, SPLITS
from emolib.training.audit import find_blank, find_duplicates, label_agreement
from emolib.training.data import FerData
from emolib.training.evaluate import Evaluation
from emolib.training.plots import confused_examples, gallery, misclassified_gallery, sample_grid, training_curves
from emolib.training.synthetic import make_synthetic_fer

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXPECTED = ["01_data", "02_training", "03_evaluation", "04_image_widget", "05_video_widget", "06_webcam_widget"]


def load_notebook(name: str) -> dict:
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())


def test_the_ordered_notebooks_are_there() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_shape(name: str) -> None:
    """Teaches first, suggests next steps last, a `parameters` cell choosing the mode, no stored outputs."""
    cells = load_notebook(name)["cells"]
    assert cells[0]["cell_type"] == "markdown" and "What this notebook teaches" in "".join(cells[0]["source"])
    assert cells[-1]["cell_type"] == "markdown" and "What to try next" in "".join(cells[-1]["source"])
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    parameters = "".join(code[0]["source"])
    assert code[0]["metadata"].get("tags") == ["parameters"]
    assert "MODE = notebook_mode(" in parameters and "EMOLIB_MODE" in parameters and "expected=" in parameters
    assert all(not cell["outputs"] and cell["execution_count"] is None for cell in code)


def cells_of(notebook) -> list[tuple[str, str, list[str]]]:
    return [(cell.cell_type, cell.source, cell.metadata.get("tags", [])) for cell in notebook.cells]


@pytest.mark.parametrize("name", EXPECTED)
def test_notebooks_match_their_sources(name: str) -> None:
    """Each .ipynb is built from notebooks/NN_name.py (jupytext percent format): edit the .py, run `make notebooks`."""
    jupytext = pytest.importorskip("jupytext")
    nbformat = pytest.importorskip("nbformat")
    built = jupytext.read(NOTEBOOKS / f"{name}.py")
    stored = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert cells_of(stored) == cells_of(built), f"{name}.ipynb differs from {name}.py: run `make notebooks`"
    for key in ("kernelspec", "language_info"):
        assert stored.metadata.get(key) == built.metadata.get(key), f"{name}.ipynb metadata.{key}: run `make notebooks`"


def test_synthetic_fer_is_balanced_and_split() -> None:
    data = make_synthetic_fer(10, seed=3)
    assert data.images.shape == (70, 48, 48) and data.images.dtype == np.uint8
    assert np.bincount(data.labels).tolist() == [10] * len(CLASSES)
    assert set(data.usage) == set(SPLITS)
    again = make_synthetic_fer(10, seed=3)
    assert np.array_equal(data.images, again.images)
    with pytest.raises(ValueError):
        make_synthetic_fer(0)


def test_find_duplicates_and_blank() -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 48, 48), dtype=np.uint8)
    images[3] = images[0]  # same face in Training and PrivateTest, other label
    images[4] = 128  # blank
    data = FerData(images, np.array([0, 1, 2, 3, 4, 5]),
                   np.array(["Training"] * 3 + ["PrivateTest"] * 3))
    duplicates = find_duplicates(data)
    assert duplicates["row"].tolist() == [0, 3]
    assert duplicates["cross_split"].all() and duplicates["conflict"].all() and (duplicates["size"] == 2).all()
    assert find_blank(data).tolist() == [4]
    assert find_duplicates(data.select(slice(0, 3))).empty


def test_label_agreement() -> None:
    data = FerData(np.zeros((2, 48, 48), np.uint8), np.array([3, 0]), np.array(["Training", "Training"]))
    votes = pd.DataFrame(0, index=range(2), columns=list(FERPLUS_COLUMNS))
    votes.loc[0, "happiness"] = 10
    votes.loc[1, ["anger", "NF"]] = [2, 8]
    table = label_agreement(data, votes)
    assert table["ferplus"].tolist() == ["happy", "none"]
    assert table["agreement"].tolist() == [1.0, 1.0] and table["not_face"].tolist() == pytest.approx([0.0, 0.8])
    with pytest.raises(ValueError):
        label_agreement(data, votes.iloc[:1])


def test_plots_return_figures(tmp_path: Path) -> None:
    data = make_synthetic_fer(4)
    assert isinstance(sample_grid(data, per_class=3), Figure)
    assert isinstance(gallery(data.images[:5], ["a"] * 5, columns=3), Figure)
    log = tmp_path / "log.csv"
    pd.DataFrame({"epoch": [0, 1], "loss": [2.0, 1.5], "accuracy": [0.2, 0.3], "val_loss": [1.9, 1.6],
                  "val_accuracy": [0.25, 0.3]}).to_csv(log, index=False)
    assert len(training_curves(log).axes) == 2
    probabilities = np.eye(len(CLASSES), dtype=np.float32)[(data.labels + 1) % len(CLASSES)]  # all wrong
    evaluation = Evaluation("m", "all", data.labels, probabilities, data.images)
    rows = confused_examples(evaluation, "angry", "disgust")
    assert len(rows) == 4 and (data.labels[rows] == 0).all()
    assert isinstance(misclassified_gallery(evaluation, true="sad"), Figure)


@pytest.mark.slow
def test_grad_cam_on_the_mini_xception() -> None:
    """Layer choice and shapes on the real architecture; where the maps point is checked in test_explain.py."""
    pytest.importorskip("tensorflow")
    from emolib.training.explain import grad_cam, last_conv_layer, overlay_heatmaps
    from emolib.training.model import build_model

    model = build_model("mini_xception")
    faces = make_synthetic_fer(1).images[:3]
    assert last_conv_layer(model) == "module4_sep2_bn"
    heatmaps = grad_cam(model, faces)
    assert heatmaps.shape == (3, 48, 48) and heatmaps.dtype == np.float32
    assert grad_cam(model, faces, class_index=CLASSES.index("fear")).shape == (3, 48, 48)
    assert overlay_heatmaps(faces, heatmaps).shape == (3, 48, 48, 3)


def test_notebook_data_falls_back_to_synthetic_in_every_mode(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture) -> None:
    """Without FER2013 no mode stops: a synthetic set, named so, with how to get the real data."""
    from emolib.training.synthetic import fer2013_or_synthetic, notebook_data

    monkeypatch.setattr("emolib.training.data.find_fer2013", lambda: None)
    data = fer2013_or_synthetic(quick=True, n_per_class=5)
    assert len(data) == 35
    data, name = notebook_data("full", n_per_class=4)
    assert len(data) == 28 and name == "synthetic"
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out
    for needed in ("Kaggle", "accept", "fer2013.csv", "301 MB", "data/", "EMOLIB_FER2013"):
        assert needed in out, needed


def test_notebook_data_names_fer2013(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from emolib.training.synthetic import notebook_data
    from tests.conftest import write_fer_csv

    csv = write_fer_csv(tmp_path / "fer2013.csv", rows_per_class=1)
    monkeypatch.setattr("emolib.training.data.find_fer2013", lambda: csv)
    data, name = notebook_data("workshop")
    assert name == "FER2013" and len(data) == 21


@pytest.mark.parametrize(("mode", "env", "expected"), [
    (None, {}, "workshop"),
    (None, {"EMOLIB_QUICK": "1"}, "quick"),
    (None, {"EMOLIB_QUICK": "0"}, "workshop"),
    (None, {"EMOLIB_MODE": "full", "EMOLIB_QUICK": "1"}, "full"),
    ("Quick", {"EMOLIB_MODE": "full"}, "quick"),
])
def test_one_switch_for_the_mode(monkeypatch: pytest.MonkeyPatch, mode: str | None, env: dict[str, str],
                                 expected: str) -> None:
    from emolib.training.modes import resolve_mode

    monkeypatch.delenv("EMOLIB_MODE", raising=False)
    monkeypatch.delenv("EMOLIB_QUICK", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert resolve_mode(mode) == expected


def test_a_wrong_mode_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from emolib.errors import EmolibError
    from emolib.training.modes import resolve_mode

    monkeypatch.setenv("EMOLIB_MODE", "fast")
    with pytest.raises(EmolibError, match="EMOLIB_MODE='fast' is not a mode; choose one of quick, workshop, full"):
        resolve_mode()


def test_the_mode_line_says_how_long(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from emolib.training.modes import notebook_mode

    monkeypatch.delenv("EMOLIB_QUICK", raising=False)
    monkeypatch.setenv("EMOLIB_MODE", "full")
    assert notebook_mode(expected={"workshop": "4 minutes", "full": "3 hours"}) == "full"
    out = capsys.readouterr().out
    assert "Mode: full, expected run time 3 hours" in out and "this takes 3 hours before it finishes" in out
    assert notebook_mode("workshop", expected={"workshop": "4 minutes"}) == "workshop"
    assert "FULL" not in capsys.readouterr().out


def test_expression_clip_changes_expression(tmp_path: Path) -> None:
    """The notebook 05 clip: faces of the asked classes, held then cross-faded, in a video the pipeline reads."""
    import cv2

    from emolib.training.synthetic import expression_faces, write_expression_video

    data = make_synthetic_fer(6)
    faces = expression_faces(data, ["happy", "sad"])
    assert faces.shape == (2, 48, 48) and faces.dtype == np.uint8
    assert any(np.array_equal(faces[0], image) for image in data.images[data.labels == CLASSES.index("happy")])
    clip = write_expression_video(tmp_path / "clip.mp4", faces, seconds_per_face=1.0, fade_seconds=0.4, fps=10)
    capture = cv2.VideoCapture(str(clip))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame[..., 0].astype(int))
    capture.release()
    assert len(frames) == 20 and frames[0].shape == (360, 480)
    middle = slice(80, 280), slice(140, 340)
    first, last, fading = frames[0][middle], frames[-1][middle], frames[8][middle]
    assert np.abs(first - last).mean() > 10, "the two expressions should look different"
    assert np.abs(frames[0] - frames[5]).mean() < 3, "a face is held before the fade"
    assert np.abs(fading - first).mean() > 2 and np.abs(fading - last).mean() > 2, "a blend between the two"
    with pytest.raises(ValueError):
        write_expression_video(tmp_path / "none.mp4", np.zeros((0, 48, 48), np.uint8))


def test_output_check_catches_what_students_read_as_errors() -> None:
    from benchmarks.run_notebooks import output_problems

    def notebook(*outputs: dict) -> dict:
        return {"cells": [{"cell_type": "code", "outputs": list(outputs)}]}

    clean = notebook({"output_type": "stream", "name": "stdout", "text": "Mode: workshop\nEpoch 1/4\n"},
                     {"output_type": "display_data", "data": {"text/plain": "<Figure>"}})
    assert output_problems(clean) == []
    cases = [
        {"output_type": "stream", "name": "stderr", "text": "INFO: Created TensorFlow Lite XNNPACK delegate\n"},
        {"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": []},
        {"output_type": "stream", "name": "stdout", "text": "x.py:3: UserWarning: shuffle=True was passed\n"},
        {"output_type": "execute_result", "data": {"text/plain": "Traceback (most recent call last):\n  ..."}},
        {"output_type": "stream", "name": "stdout", "text": "W0000 00:00 cpu_feature_guard.cc] ...\n"},
    ]
    for case in cases:
        assert len(output_problems(notebook(case))) == 1, case


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_outputs_are_clean_in_quick_mode(name: str) -> None:
    """Run All in quick mode: no error, no warning, nothing on stderr (each would be a red box in class)."""
    pytest.importorskip("nbclient")
    if name in ("02_training", "03_evaluation"):
        pytest.importorskip("tensorflow")
    from benchmarks.run_notebooks import run_notebook

    _, problems = run_notebook(NOTEBOOKS / f"{name}.ipynb", "quick")
    assert problems == [], f"{name} in quick mode: " + "; ".join(problems)
