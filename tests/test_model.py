from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("keras", reason="training extra (keras, tensorflow) not installed")

from emolib.training.data import load  # noqa: E402
from emolib.training.model import ARCHITECTURES, build_model  # noqa: E402
from tests.conftest import write_fer_csv  # noqa: E402


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_architectures_build(name: str) -> None:
    model = build_model(name)
    assert model.input_shape == (None, 48, 48, 1) and model.output_shape == (None, 7)
    probabilities = np.asarray(model(np.zeros((2, 48, 48, 1), np.float32)))
    assert probabilities.shape == (2, 7)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_mini_xception_structure() -> None:
    model = build_model("mini_xception")
    names = [layer.name for layer in model.layers]
    assert sum(n.endswith("_conv") and n.startswith("base") for n in names) == 2
    assert sum(n.endswith("_add") for n in names) == 4
    assert sum("sep" in n and not n.endswith(("_bn", "_relu")) for n in names) == 8
    assert 50_000 < model.count_params() < 70_000


def test_compact_vgg_structure() -> None:
    """Plain 3x3 convolutions (no separable ones, no shortcuts), two per stage, four stages."""
    model = build_model("compact_vgg")
    names = [layer.name for layer in model.layers]
    assert sum("_conv" in n for n in names) == 8
    assert not any("sep" in n or n.endswith("_add") for n in names)
    assert 250_000 < model.count_params() < 350_000


def test_unknown_architecture() -> None:
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("resnet9000")
    assert "mini_xception" in ARCHITECTURES


@pytest.mark.slow
def test_fit_resume_and_export(tmp_path: Path) -> None:
    """Two epochs, then resume to three from the checkpoint, then export and compare with LiteRT."""
    import keras
    import pandas as pd

    from emolib.classify import EmotionClassifier
    from emolib.training.export import load_keras_model, to_tflite
    from emolib.training.train import TrainConfig, fit

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            if epoch == 1:
                raise KeyboardInterrupt  # the session ends during the second epoch

    data = load(write_fer_csv(tmp_path / "fer.csv", rows_per_class=10), cache=False)
    config = TrainConfig(epochs=2, batch_size=16, warmup_epochs=0)
    with pytest.raises(KeyboardInterrupt):
        fit(data, tmp_path / "run", config, verbose=0, callbacks=[Interrupt()])
    assert (tmp_path / "run" / "backup").exists()
    resumed = fit(data, tmp_path / "run", None, verbose=0)  # settings come from run/config.json
    assert len(resumed.history["loss"]) == 1, "an interrupted run resumes at the unfinished epoch"
    assert (tmp_path / "run" / "best.keras").is_file()
    config.epochs, config.average_last = 3, 2
    best_before = (tmp_path / "run" / "best.keras").stat().st_mtime_ns
    best_so_far = pd.read_csv(tmp_path / "run" / "log.csv")["val_accuracy"].max()
    extended = fit(data, tmp_path / "run", config, verbose=0)
    improved = extended.history["val_accuracy"][0] > best_so_far
    assert ((tmp_path / "run" / "best.keras").stat().st_mtime_ns != best_before) == improved, \
        "best.keras is the best epoch of the whole run, not of the latest call"
    assert (tmp_path / "run" / "averaged.keras").is_file(), "average_last writes the averaged weights"
    assert len(extended.history["loss"]) == 1, "a finished run asked for more epochs runs only the new ones"
    assert len((tmp_path / "run" / "log.csv").read_text().splitlines()) == 1 + 3
    final_rate = float(keras.ops.convert_to_numpy(extended.model.optimizer.learning_rate))
    assert final_rate == pytest.approx(0.01 * config.learning_rate, rel=1e-3), \
        "the fresh optimizer's cosine spans the new epochs only, so it ends annealed"

    model = load_keras_model(tmp_path / "run" / "last.keras")
    out = to_tflite(model, tmp_path / "model.tflite", flip_tta=True)
    faces = data.images[:8]
    lite = EmotionClassifier(out).predict(faces)
    keras_side = (np.asarray(model(faces[..., None].astype(np.float32)))
                  + np.asarray(model(faces[:, :, ::-1, None].astype(np.float32)))) / 2
    np.testing.assert_allclose(lite, keras_side, atol=1e-4)
    from emolib.errors import EmolibError

    with pytest.raises(EmolibError, match="exists"):
        to_tflite(model, out)

    # two models exported by the CLI as one ensemble file: the mean of both models' flip-averaged outputs
    from emolib.cli import main

    best = load_keras_model(tmp_path / "run" / "best.keras")
    assert main(["export", str(tmp_path / "run" / "last.keras"), str(tmp_path / "run" / "best.keras")]) == 0
    ensemble = EmotionClassifier(tmp_path / "run" / "last_ensemble.tflite").predict(faces)
    best_side = (np.asarray(best(faces[..., None].astype(np.float32)))
                 + np.asarray(best(faces[:, :, ::-1, None].astype(np.float32)))) / 2
    np.testing.assert_allclose(ensemble, (keras_side + best_side) / 2, atol=1e-4)

    # --single-view 2: the second member sees only the face (half its time), and still weighs half
    mixed = tmp_path / "mixed.tflite"
    assert main(["export", str(tmp_path / "run" / "last.keras"), str(tmp_path / "run" / "best.keras"),
                 "--single-view", "2", "--out", str(mixed), "--keras"]) == 0
    best_plain = np.asarray(best(faces[..., None].astype(np.float32)))
    np.testing.assert_allclose(EmotionClassifier(mixed).predict(faces), (keras_side + best_plain) / 2, atol=1e-4)
    twin = load_keras_model(tmp_path / "mixed.keras")  # the same ensemble for Keras (safe-mode loadable)
    np.testing.assert_allclose(np.asarray(twin(faces[..., None].astype(np.float32))), (keras_side + best_plain) / 2,
                               atol=1e-4)
    assert main(["export", str(tmp_path / "run" / "best.keras"), "--keras", "--overwrite"]) == 2, \
        "--keras must not write over its input"
    assert main(["export", str(tmp_path / "run" / "last.keras"), "--single-view", "3",
                 "--out", str(tmp_path / "x.tflite")]) == 2
    assert not (tmp_path / "x.tflite").exists()


@pytest.mark.slow
def test_a_run_stopped_before_its_averaged_epochs_offers_best_weights(tmp_path: Path) -> None:
    """Early stopping used to end a cosine run before its averaged epochs while train named averaged.keras."""
    import keras

    from emolib.training.train import TrainConfig, fit, trained_weights

    class StopAfterTwo(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self.model.stop_training = epoch == 1

    data = load(write_fer_csv(tmp_path / "fer.csv", rows_per_class=6), cache=False)
    assert TrainConfig().patience == 0, "no early stopping unless asked: it cuts the cosine schedule's end"
    fit(data, tmp_path / "run", TrainConfig(epochs=4, batch_size=16, warmup_epochs=0, average_last=1),
        verbose=0, callbacks=[StopAfterTwo()])
    assert not (tmp_path / "run" / "averaged.keras").exists()
    assert trained_weights(tmp_path / "run") == tmp_path / "run" / "best.keras"
    fit(data, tmp_path / "full", TrainConfig(epochs=2, batch_size=16, warmup_epochs=0, average_last=1), verbose=0)
    assert trained_weights(tmp_path / "full") == tmp_path / "full" / "averaged.keras"


def test_average_weights(tmp_path: Path) -> None:
    from emolib.training.train import average_weights

    model = build_model("mini_xception")
    first = [np.zeros_like(w) for w in model.get_weights()]
    second = [np.full_like(w, 2.0) for w in model.get_weights()]
    files = []
    for index, weights in enumerate((first, second)):
        model.set_weights(weights)
        files.append(tmp_path / f"e{index}.weights.h5")
        model.save_weights(files[-1])
    averaged = average_weights(model, files).get_weights()
    assert all(np.allclose(w, 1.0) for w in averaged)


def test_distillation_and_ferplus_targets(tmp_path: Path) -> None:
    """Teachers' probabilities are mixed into the targets, and the tf.data input feeds the soft targets."""
    from emolib.training.train import TrainConfig, make_dataset, training_targets

    data = load(write_fer_csv(tmp_path / "fer.csv", rows_per_class=2), cache=False)

    class Teacher:  # any object with predict() is a teacher; names and .tflite/.keras paths load as models
        def predict(self, faces: np.ndarray) -> np.ndarray:
            return np.full((len(faces), 7), 1 / 7, np.float32)

    config = TrainConfig(teacher=[Teacher()], teacher_weight=0.25)  # type: ignore[list-item]
    taught = training_targets(data, config)
    onehot = np.eye(7, dtype=np.float32)[data.labels]
    training = data.usage == "Training"
    np.testing.assert_allclose(taught.targets[training], 0.75 * onehot[training] + 0.25 / 7, atol=1e-6)
    assert np.array_equal(taught.targets[~training], onehot[~training]), "validation keeps its labels"
    assert training_targets(data, TrainConfig()).targets is None, "no teacher, no FERPlus: one-hot labels"

    bundled = training_targets(data, TrainConfig(teacher=["emotion_mini_xception_wide"], teacher_weight=1.0))
    np.testing.assert_allclose(bundled.targets.sum(axis=1), 1, atol=1e-5)
    assert not np.allclose(bundled.targets[training], onehot[training]), "the teacher's probabilities are used"

    (images, targets), = make_dataset(taught.select(slice(0, 4)), batch_size=4, training=False).take(1)
    np.testing.assert_allclose(np.asarray(targets), taught.targets[:4], atol=1e-6)


def test_random_erase() -> None:
    from emolib.training.train import random_erase

    images = np.zeros((200, 48, 48, 1), np.float32)
    rng = np.random.default_rng(0)
    assert np.array_equal(random_erase(images, 0.0, rng), images)
    erased = random_erase(images, 0.5, rng)
    changed = (erased == 127).any(axis=(1, 2, 3))
    assert 60 < changed.sum() < 140, "about half the faces get a grey rectangle"
    assert (erased[changed] == 127).mean(axis=(1, 2, 3)).max() <= 0.25, "at most a quarter of a face"
    assert not images.any(), "the input is not changed in place"


def test_augmenter_is_seeded_and_bounded(astronaut_bgr: np.ndarray) -> None:
    """The augmentation of every pipeline: seeded, in range, and each change only as large as asked."""
    import cv2

    from emolib.training.train import Augmenter

    face = cv2.resize(cv2.cvtColor(astronaut_bgr[20:260, 130:350], cv2.COLOR_BGR2GRAY), (48, 48))
    faces = np.repeat(face[None, ..., None].astype(np.float32), 64, axis=0)
    full = {"shift": 0.1, "rotation": 0.05, "zoom": 0.1, "brightness": 0.2, "contrast": 0.2}
    changed = Augmenter(full, seed=3)(faces)
    assert changed.shape == faces.shape and changed.dtype == np.float32
    assert changed.min() >= 0 and changed.max() <= 255
    np.testing.assert_array_equal(changed, Augmenter(full, seed=3)(faces))
    assert not np.array_equal(changed, Augmenter(full, seed=4)(faces))
    assert (np.abs(changed - faces).mean(axis=(1, 2, 3)) > 1).all(), "every face is changed"

    flipped = Augmenter({}, seed=1)(faces)  # no options: only mirror images
    mirrored = np.array([np.array_equal(out, faces[0, :, ::-1]) for out in flipped])
    assert all(np.array_equal(out, faces[0]) or m for out, m in zip(flipped, mirrored))
    assert 16 < mirrored.sum() < 48, "about half are mirrored"

    blank = np.zeros((16, 48, 48, 1), np.float32)
    assert not Augmenter({}, seed=1)(blank).any()
    assert (Augmenter({"erase": 1.0}, seed=1)(blank) == 127).any(axis=(1, 2, 3)).all(), "erase: one grey patch each"

    brighter = Augmenter({"brightness": 0.2}, seed=1)(faces) - faces
    offsets = np.median(brighter, axis=(1, 2, 3))
    assert np.abs(offsets).max() <= 0.2 * 255 + 1e-3 and np.ptp(offsets) > 20


def test_python_pipeline_without_tf_data(tmp_path: Path) -> None:
    """The PyDataset pipeline (used on JAX/PyTorch) shuffles, augments, keeps targets aligned and trains."""
    from emolib.training.train import Augmenter, make_dataset

    data = load(write_fer_csv(tmp_path / "fer.csv", rows_per_class=4), cache=False).split("Training")
    batches = make_dataset(data, batch_size=8, training=True, augment=Augmenter({"shift": 0.1, "erase": 0.5}, 1),
                           pipeline="python")
    assert len(batches) == len(data) // 8
    x, y = batches[0]
    assert x.shape == (8, 48, 48, 1) and x.dtype == np.float32 and y.shape == (8, 7)
    assert x.min() >= 0 and x.max() <= 255
    assert not np.array_equal(x[..., 0], data.images[batches.order[:8]]), "augmented"
    np.testing.assert_array_equal(y.argmax(axis=1), data.labels[batches.order[:8]])
    plain = make_dataset(data, batch_size=8, training=False, pipeline="python")
    assert len(plain) == -(-len(data) // 8)
    first_order = batches.order.copy()
    batches.on_epoch_end()
    assert not np.array_equal(first_order, batches.order), "a new order each epoch"
    x, y = plain[0]
    np.testing.assert_array_equal(x[..., 0], data.images[:8])
    np.testing.assert_array_equal(y.argmax(axis=1), data.labels[:8])
    model = build_model("mini_xception")
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    history = model.fit(batches, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX not installed (backend-neutral check)")
def test_training_runs_on_the_jax_backend(tmp_path: Path) -> None:
    """The same recipe on Keras's JAX backend, as on a GPU machine without TensorFlow."""
    write_fer_csv(tmp_path / "fer.csv", rows_per_class=10)
    code = ("import keras; assert keras.backend.backend() == 'jax'; import sys; from emolib.cli import main; "
            "sys.exit(main(['train', '--data', sys.argv[1], '--epochs', '1', '--batch-size', '16', "
            "'--out', sys.argv[2]]))")
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path / "fer.csv"), str(tmp_path / "run")],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert (tmp_path / "run" / "best.keras").is_file()


@pytest.mark.slow
def test_fit_and_continue_emit_no_warnings(tmp_path: Path) -> None:
    """No red boxes in notebook 02: neither Keras's "shuffle=True ... ignored" nor "Skipping variable loading for
    optimizer" when a finished run is continued (weights load before the fresh optimizer exists)."""
    import warnings

    from emolib.training.train import TrainConfig, fit

    data = load(write_fer_csv(tmp_path / "fer.csv", rows_per_class=6), cache=False)
    config = TrainConfig(epochs=1, batch_size=16, warmup_epochs=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(data, tmp_path / "run", config, verbose=0)
        config.epochs = 2
        continued = fit(data, tmp_path / "run", config, verbose=0)
    assert len(continued.history["loss"]) == 1
    messages = [str(w.message) for w in caught if "keras" in w.filename or "tensorflow" in w.filename]
    assert not [m for m in messages if "shuffle" in m or "Skipping variable loading" in m], messages
