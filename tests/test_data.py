from __future__ import annotations

import gzip
from pathlib import Path

import cv2
import numpy as np
import pytest

from emolib.errors import EmolibError
from emolib.labels import CLASSES, FERPLUS_COLUMNS
from emolib.training.data import FerData, ferplus_majority_labels, ferplus_soft_labels, load, load_ferplus, with_ferplus
from tests.conftest import write_fer_csv


def test_csv_roundtrip(tmp_path: Path) -> None:
    path = write_fer_csv(tmp_path / "fer.csv", rows_per_class=2)
    data = load(path, cache=False)
    assert data.images.shape == (2 * 7 * 3, 48, 48) and data.images.dtype == np.uint8
    assert set(data.usage) == {"Training", "PublicTest", "PrivateTest"}
    assert data.counts().loc["disgust", "PrivateTest"] == 2
    first = path.read_text().splitlines()[1].split(",")
    assert np.array_equal(data.images[0].ravel(), np.array(first[1].split(), np.uint8))
    assert len(data.split("PublicTest")) == 14


def test_gzipped_csv_and_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMOLIB_CACHE", str(tmp_path / "cache"))
    plain = write_fer_csv(tmp_path / "fer.csv")
    packed = tmp_path / "fer.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    first = load(packed)
    assert list((tmp_path / "cache").glob("*.npz")), "parsed CSV was not cached"
    second = load(packed)
    assert np.array_equal(first.images, second.images) and np.array_equal(first.labels, second.labels)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("label,pixels\n1,2 3\n", "missing column"),
        ("emotion,pixels,Usage\n3," + " ".join(["1"] * 100) + ",Training\n", "100 pixel values"),
        ("emotion,pixels,Usage\n9," + " ".join(["1"] * 2304) + ",Training\n", "not an integer 0-6"),
        ("emotion,pixels,Usage\n3," + " ".join(["1"] * 2304) + ",Validation\n", "unknown Usage"),
        ("emotion,pixels,Usage\n", "no rows"),
    ],
)
def test_wrong_csv_names_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(EmolibError, match=message):
        load(path, cache=False)


def test_binary_file_is_not_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(EmolibError):
        load(path, cache=False)


def _write_folder(root: Path, split: str, cls: str, count: int, size: int = 48) -> None:
    folder = root / split / cls
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        cv2.imwrite(str(folder / f"im{index}.png"), np.full((size, size), 10 * index, np.uint8))


def test_image_folders(tmp_path: Path) -> None:
    _write_folder(tmp_path, "train", "happy", 3)
    _write_folder(tmp_path, "train", "Sad", 2, size=64)  # other sizes are resized; case does not matter
    _write_folder(tmp_path, "test", "angry", 1)
    data = load(tmp_path)
    assert data.images.shape == (6, 48, 48)
    assert sorted(np.asarray(CLASSES)[data.labels]) == ["angry", "happy", "happy", "happy", "sad", "sad"]
    assert list(data.usage).count("PrivateTest") == 1


def test_unknown_class_folder(tmp_path: Path) -> None:
    _write_folder(tmp_path, "train", "contempt", 1)
    with pytest.raises(EmolibError, match="unknown class folder 'contempt'"):
        load(tmp_path)


def test_missing_path() -> None:
    with pytest.raises(EmolibError, match="no such file"):
        load("/nonexistent/fer2013.csv")


def test_ferplus(tmp_path: Path) -> None:
    header = "Usage,Image name," + ",".join(FERPLUS_COLUMNS)
    rows = ["Training,fer0000000.png,0,10,0,0,0,0,0,0,0,0",  # all happiness
            "Training,fer0000001.png,2,0,0,0,6,0,2,0,0,0",  # mostly anger
            "Training,,0,0,0,0,0,0,0,0,0,10"]  # not a face
    path = tmp_path / "fer2013new.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    votes = load_ferplus(path, n_rows=3)
    assert list(ferplus_majority_labels(votes)) == [CLASSES.index("happy"), CLASSES.index("angry"), -1]
    soft = ferplus_soft_labels(votes)
    assert soft[1, CLASSES.index("angry")] == pytest.approx(0.6)
    assert soft[2].sum() == 0
    with pytest.raises(EmolibError, match="join by row"):
        load_ferplus(path, n_rows=5)

    data = FerData(np.zeros((3, 48, 48), np.uint8), np.array([3, 0, 5]), np.array(["Training"] * 3))
    soft_data = with_ferplus(data, path)
    assert soft_data.targets[1, CLASSES.index("angry")] == pytest.approx(0.6)
    assert soft_data.targets[2].argmax() == 5 and soft_data.targets[2].sum() == 1, "no-vote rows keep their label"
    assert soft_data.select(np.array([1, 2])).targets.shape == (2, 7), "select keeps the targets aligned"
    majority = with_ferplus(data, path, labels="majority")
    assert list(majority.labels) == [CLASSES.index("happy"), CLASSES.index("angry")], "not-a-face row dropped"
    with pytest.raises(EmolibError, match="join by row"):
        with_ferplus(data.select(slice(0, 2)), path)


@pytest.mark.realdata
def test_real_fer2013_shape(fer2013_path: Path) -> None:
    data = load(fer2013_path)
    assert len(data) == 35887
    assert data.counts().loc["disgust"].tolist() == [436, 56, 55]


def test_csv_is_parsed_in_chunks_with_rows_counted_across_them(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The chunked parser (bounded memory, a progress bar) gives the same arrays, and errors name the file's row."""
    import emolib.training.data as data_module

    path = write_fer_csv(tmp_path / "fer.csv", rows_per_class=2)
    whole = load(path, cache=False)
    monkeypatch.setattr(data_module, "_CHUNK_ROWS", 5)
    chunked = data_module.load_fer_csv(path, cache=False, progress=True)
    assert np.array_equal(whole.images, chunked.images) and np.array_equal(whole.labels, chunked.labels)
    assert np.array_equal(whole.usage, chunked.usage)
    lines = path.read_text().splitlines()
    lines[13] = "9," + lines[13].split(",", 1)[1]  # data row 13, in the third chunk of five rows
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(EmolibError, match="row 13: emotion '9' is not"):
        data_module.load_fer_csv(path, cache=False)
