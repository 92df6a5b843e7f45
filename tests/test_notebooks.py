"""The tutorial notebooks' shape, and the emolib modules written for them (synthetic data, audit, plots, Grad-CAM).

The notebooks themselves run in CI with ``EMOLIB_QUICK=1 pytest --nbmake notebooks/``.
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
    """Teaches first, suggests next steps last, a `parameters` cell reading EMOLIB_QUICK, no stored outputs."""
    cells = load_notebook(name)["cells"]
    assert cells[0]["cell_type"] == "markdown" and "What this notebook teaches" in "".join(cells[0]["source"])
    assert cells[-1]["cell_type"] == "markdown" and "What to try next" in "".join(cells[-1]["source"])
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code[0]["metadata"].get("tags") == ["parameters"] and "EMOLIB_QUICK" in "".join(code[0]["source"])
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


def test_notebook_data_falls_back_only_in_quick_mode(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture) -> None:
    from emolib.errors import EmolibError
    from emolib.training.synthetic import fer2013_or_synthetic

    monkeypatch.setattr("emolib.training.data.find_fer2013", lambda: None)
    data = fer2013_or_synthetic(quick=True, n_per_class=5)
    assert len(data) == 35 and "SYNTHETIC" in capsys.readouterr().out
    with pytest.raises(EmolibError, match="EMOLIB_QUICK=1"):
        fer2013_or_synthetic(quick=False)
