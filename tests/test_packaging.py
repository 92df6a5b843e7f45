"""The wheel: every file of models/ and emojis/ inside it, one version string, the classifier plugins,
and the default model loading from an installed copy (not from this checkout)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("hatchling")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip, "-w", str(out), str(ROOT)], check=True, capture_output=True)
    (found,) = out.glob("emolib-*.whl")
    return found


def _shipped(folder: str) -> set[str]:
    listed = subprocess.run(["git", "ls-files", folder], cwd=ROOT, capture_output=True, text=True).stdout.split()
    return {Path(name).name for name in listed} or {p.name for p in (ROOT / folder).iterdir() if p.is_file()}


def test_every_model_emoji_and_licence_is_in_the_wheel(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("models", "emojis"):
        expected = {f"emolib/{folder}/{name}" for name in _shipped(folder)}
        assert expected <= names, f"missing from the wheel: {sorted(expected - names)}"
    assert "emolib/py.typed" in names and not any(name.startswith("tests/") for name in names)


def test_one_version_and_the_plugins_in_the_metadata(wheel: Path) -> None:
    import emolib

    archive = zipfile.ZipFile(wheel)
    assert wheel.name.startswith(f"emolib-{emolib.__version__}-")
    (entry_points,) = [n for n in archive.namelist() if n.endswith("entry_points.txt")]
    text = archive.read(entry_points).decode()
    assert "[emolib.classifiers]" in text and "emolib.training.classifier:load_keras_classifier" in text
    (metadata,) = [n for n in archive.namelist() if n.endswith("METADATA")]
    requires = [line for line in archive.read(metadata).decode().splitlines() if line.startswith("Requires-Dist")]
    runtime = [line for line in requires if "extra ==" not in line]
    assert not any("scikit-learn" in line or "tensorflow" in line for line in runtime), runtime


def test_the_installed_wheel_loads_its_own_models(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run([*pip, "--target", str(target), str(wheel)], check=True, capture_output=True)
    code = ("import json, emolib; from emolib.classify import bundled_models; a = emolib.Analyzer();"
            "print(json.dumps({'file': emolib.__file__, 'model': str(a.classifier.path), 'models': bundled_models()}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["file"].startswith(str(target)) and result["model"].startswith(str(target))
    tflite = {p.stem.removeprefix("emotion_") for p in (ROOT / "models").glob("emotion_*.tflite")}
    assert set(result["models"]) == tflite
