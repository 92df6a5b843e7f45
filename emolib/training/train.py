"""Train a registered architecture on FER2013: tf.data input with augmentation, Keras callbacks, resume.

Train on ``Training``, select the best epoch on ``PublicTest``; ``PrivateTest`` is left for
:mod:`emolib.training.evaluate`. Everything a run writes goes under one folder::

    OUT/best.keras     weights of the best PublicTest epoch
    OUT/last.keras     weights after the latest epoch
    OUT/log.csv        one row per epoch (loss, accuracy, val_loss, val_accuracy, learning_rate)
    OUT/config.json    the settings, so `emolib train --out OUT` resumes the same run
    OUT/averaged.keras weights averaged over the last ``average_last`` epochs (SWA-style), when asked for
    OUT/epochs/        per-epoch weights of those last epochs, from which averaged.keras is made
    OUT/backup/        Keras BackupAndRestore state: an interrupted run resumes from its last epoch
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.training._keras import import_keras, import_tensorflow
from emolib.training.augment import Augmenter
from emolib.training.augment import random_erase as random_erase
from emolib.training.data import FerData


@dataclass
class TrainConfig:
    """Settings of one training run (all saved to ``config.json``)."""

    arch: str = "mini_xception"
    epochs: int = 80
    batch_size: int = 64
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    warmup_epochs: int = 2
    label_smoothing: float = 0.1
    #: Stop after this many epochs without a better PublicTest accuracy (0: never, the default). Under the
    #: cosine schedule the best epochs come at its low-learning-rate end, which early stopping cuts off.
    patience: int = 0
    seed: int = 1
    augment: dict[str, float] = field(
        default_factory=lambda: {
            "shift": 0.1, "rotation": 0.05, "zoom": 0.1, "brightness": 0.2, "contrast": 0.2, "erase": 0.0
        }
    )
    arch_options: dict[str, Any] = field(default_factory=dict)
    #: Average the weights of this many final epochs into ``averaged.keras`` (0: off). Weight averaging
    #: (stochastic weight averaging, Izmailov et al. 2018) lands in a flatter minimum than any single epoch.
    average_last: int = 0
    #: FERPlus votes file (``fer2013new.csv``): train on its vote shares instead of the FER2013 labels.
    ferplus: str = ""
    #: Teacher models (anything :func:`emolib.loaders.load_classifier` takes): knowledge distillation. Their
    #: mean probabilities on each training face are mixed into the targets with weight ``teacher_weight``.
    teacher: list[str] = field(default_factory=list)
    teacher_weight: float = 0.5

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """:class:`EmolibError` for settings no run can use (unknown architecture, non-positive sizes)."""
        from emolib.training.model import ARCHITECTURES

        if self.arch not in ARCHITECTURES:
            raise EmolibError(f"unknown architecture {self.arch!r}; known: {', '.join(sorted(ARCHITECTURES))}")
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise EmolibError(f"{name} must be a whole number of 1 or more, got {value!r}")
        if not isinstance(self.learning_rate, (int, float)) or not self.learning_rate > 0:
            raise EmolibError(f"learning_rate must be positive, got {self.learning_rate!r}")
        if not isinstance(self.augment, dict):
            raise EmolibError(f"augment must be a mapping of option to amount, got {self.augment!r}")

    @classmethod
    def load(cls, path: str | os.PathLike) -> TrainConfig:
        """The settings saved in a run's ``config.json``, or :class:`EmolibError` if the file is not one."""
        try:
            return cls(**json.loads(Path(path).read_text()))
        except EmolibError as err:
            raise EmolibError(f"{path}: not a valid run configuration: {err}") from None
        except (ValueError, TypeError) as err:
            raise EmolibError(f"{path}: not a valid run configuration ({err})") from None


def make_dataset(
    data: FerData, *, batch_size: int, training: bool, augment: Augmenter | None = None, seed: int = 1,
    pipeline: str | None = None,
) -> Any:
    """Batches of (float32 (B, 48, 48, 1) pixels 0-255, (B, 7) targets) for ``model.fit``.

    The targets are ``data.targets`` when set (soft labels), else the one-hot labels. ``pipeline``:
    ``"tf.data"`` (the default on the TensorFlow backend: prefetching, augmentation in ``tf.numpy_function``)
    or ``"python"`` (the default on JAX and PyTorch, where TensorFlow may be absent: a ``keras.utils.PyDataset``
    with worker threads); both apply the same :class:`Augmenter`, so one recipe trains on every backend.
    """
    keras = import_keras()

    targets = data.targets if data.targets is not None else np.eye(len(CLASSES), dtype=np.float32)[data.labels]
    pipeline = pipeline or ("tf.data" if keras.backend.backend() == "tensorflow" else "python")
    if pipeline == "python":
        return _face_batches(data.images, targets, batch_size=batch_size, training=training, augment=augment,
                             seed=seed)
    if pipeline != "tf.data":
        raise EmolibError(f"pipeline must be 'tf.data' or 'python', not {pipeline!r}")
    tf = import_tensorflow()

    dataset = tf.data.Dataset.from_tensor_slices((data.images[..., None].astype(np.float32), targets))
    if training:
        dataset = dataset.shuffle(len(data), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=training)
    if training and augment is not None:

        def augment_batch(x: Any, y: Any) -> tuple[Any, Any]:
            return tf.ensure_shape(tf.numpy_function(augment, [x], tf.float32), x.shape), y

        dataset = dataset.map(augment_batch, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _face_batches(images: np.ndarray, targets: np.ndarray, *, batch_size: int, training: bool,
                  augment: Augmenter | None, seed: int) -> Any:
    """A ``keras.utils.PyDataset`` of shuffled, augmented batches that needs no TensorFlow."""
    import_keras()  # TensorFlow's start-up lines off the console, then the module as usual
    import keras

    class FaceBatches(keras.utils.PyDataset):
        def __init__(self) -> None:
            # Worker threads prepare the next batches while the accelerator runs this one.
            super().__init__(workers=min(4, os.cpu_count() or 1) if training else 1)
            self.rng = np.random.default_rng(seed)
            self.order = self.rng.permutation(len(images)) if training else np.arange(len(images))

        def __len__(self) -> int:
            return len(images) // batch_size if training else -(-len(images) // batch_size)

        def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
            rows = self.order[index * batch_size:(index + 1) * batch_size]
            x = images[rows][..., None].astype(np.float32)
            if training and augment is not None:
                x = augment(x)
            return x, targets[rows]

        def on_epoch_end(self) -> None:
            if training:
                self.order = self.rng.permutation(len(images))

    return FaceBatches()


def training_targets(data: FerData, config: TrainConfig) -> FerData:
    """``data`` with the targets ``config`` asks for: FERPlus vote shares and/or a teacher's probabilities.

    ``config.ferplus`` needs ``data`` to be the whole FER2013 CSV in file order (the votes join by row).
    Teachers (with their flip averaging, if built in) run once over the Training faces before training
    starts; the other splits keep their labels, so selection on PublicTest measures the real task.
    """
    from emolib.training.data import with_ferplus

    if config.ferplus:
        data = with_ferplus(data, config.ferplus)
    if config.teacher:
        from emolib.loaders import load_classifier
        from emolib.training.evaluate import predict_in_batches

        targets = data.targets if data.targets is not None else np.eye(len(CLASSES), dtype=np.float32)[data.labels]
        rows = np.flatnonzero(data.usage == "Training")  # validation keeps its labels: selection stays honest
        taught = np.mean([predict_in_batches(load_classifier(t), data.images[rows]) for t in config.teacher], axis=0)
        targets = targets.copy()
        targets[rows] = (1 - config.teacher_weight) * targets[rows] + config.teacher_weight * taught
        data = data.with_targets(targets)
    return data


def fit(
    data: FerData,
    out: str | os.PathLike,
    config: TrainConfig | None = None,
    *,
    verbose: int | str = 2,
    callbacks: list[Any] | None = None,
) -> Any:
    """Train ``config.arch`` on the Training split, validating on PublicTest, writing to ``out``.

    Rerunning with the same ``out`` resumes: an interrupted run continues from its last finished epoch
    (BackupAndRestore, optimizer state included); a finished run asked for more epochs continues from
    ``last.keras`` with a fresh optimizer and a cosine schedule over the new epochs (a warm restart).
    ``callbacks`` are added to the standard ones (e.g. live plots).
    Soft targets (``config.ferplus``, ``config.teacher``) are made by :func:`training_targets` unless
    ``data.targets`` is already set. Returns the Keras ``History``; the best weights are in ``out/best.keras``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    config_file = out / "config.json"
    if config is None:
        config = TrainConfig.load(config_file) if config_file.is_file() else TrainConfig()
    config.validate()  # fields may have been set after construction
    keras = import_keras()

    from emolib.training.model import build_model

    config_file.write_text(json.dumps(dataclasses.asdict(config), indent=2))
    keras.utils.set_random_seed(config.seed)
    if data.targets is None and (config.ferplus or config.teacher):
        data = training_targets(data, config)
    if not (data.usage == "Training").any():
        raise EmolibError("the data has no Training rows to train on")
    train = data.split("Training")
    validation = data.split("PublicTest") if (data.usage == "PublicTest").any() else None

    initial_epoch = 0
    log = out / "log.csv"
    continued = not (out / "backup").exists() and (out / "last.keras").is_file() and log.is_file()
    if continued:  # a finished run, asked for more epochs: a fresh optimizer and schedule over the new epochs
        initial_epoch = max(0, len(log.read_text().splitlines()) - 1)
    steps_per_epoch = len(train) // config.batch_size
    if steps_per_epoch == 0:
        raise EmolibError(f"only {len(train)} training faces: fewer than one batch of {config.batch_size}")
    total_steps = steps_per_epoch * max(config.epochs - initial_epoch, 1)
    warmup = min(steps_per_epoch * config.warmup_epochs, total_steps // 2)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else config.learning_rate, max(total_steps - warmup, 1), alpha=0.01,
        warmup_target=config.learning_rate if warmup else None, warmup_steps=warmup,
    )
    model = build_model(config.arch, **config.arch_options)
    if continued:  # weights only, before compile: the fresh optimizer does not try to take the saved one's state
        model.load_weights(out / "last.keras")
    model.compile(
        optimizer=keras.optimizers.AdamW(schedule, weight_decay=config.weight_decay),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
        metrics=["accuracy"],
    )
    monitor = "val_accuracy" if validation is not None else "accuracy"
    standard = [
        keras.callbacks.BackupAndRestore(str(out / "backup")),
        keras.callbacks.ModelCheckpoint(str(out / "best.keras"), monitor=monitor, save_best_only=True,
                                        initial_value_threshold=_best_logged(log, monitor)),
        keras.callbacks.ModelCheckpoint(str(out / "last.keras")),
        keras.callbacks.CSVLogger(str(out / "log.csv"), append=True),
    ]
    if config.patience:
        standard.append(keras.callbacks.EarlyStopping(monitor=monitor, patience=config.patience,
                                                      restore_best_weights=True))
    if config.average_last:
        first = max(0, config.epochs - config.average_last)
        (out / "epochs").mkdir(exist_ok=True)

        def save_epoch(epoch: int, logs: dict | None = None) -> None:
            if epoch >= first:
                model.save_weights(out / "epochs" / f"epoch_{epoch + 1:03d}.weights.h5")

        standard.append(keras.callbacks.LambdaCallback(on_epoch_end=save_epoch))
    augment = Augmenter(config.augment, config.seed)
    history = model.fit(
        make_dataset(train, batch_size=config.batch_size, training=True, augment=augment, seed=config.seed),
        validation_data=None if validation is None else make_dataset(validation, batch_size=256, training=False),
        epochs=config.epochs,
        initial_epoch=initial_epoch,
        callbacks=standard + list(callbacks or []),
        verbose=verbose,
        shuffle=False,  # the datasets shuffle themselves (Keras ignores shuffle= for them, with a warning)
    )
    if config.average_last:
        files = sorted((out / "epochs").glob("epoch_*.weights.h5"))[-config.average_last:]
        if files:
            average_weights(model, files).save(out / "averaged.keras")
    return history


def _best_logged(log: Path, monitor: str) -> float | None:
    """The best ``monitor`` value in a run's ``log.csv`` so far (None for a new run), so that a resumed or
    continued run replaces ``best.keras`` only with a better epoch."""
    if not log.is_file():
        return None
    import pandas as pd

    try:
        values = pd.read_csv(log)[monitor].dropna()
    except (KeyError, ValueError, pd.errors.EmptyDataError):
        return None
    return float(values.max()) if len(values) else None


def trained_weights(out: str | os.PathLike) -> Path:
    """The weights a finished run in ``out`` offers for export: ``averaged.keras`` when it was written,
    else ``best.keras`` (the averaged epochs may never have come, e.g. after early stopping)."""
    out = Path(out)
    return out / "averaged.keras" if (out / "averaged.keras").is_file() else out / "best.keras"


def average_weights(model: Any, weight_files: list[Path]) -> Any:
    """``model`` with the element-wise mean of the weights in ``weight_files`` (same architecture).

    Batch-norm statistics are averaged too, an approximation that holds when the epochs are close, as at
    the end of a cosine schedule.
    """
    total = None
    for file in weight_files:
        model.load_weights(file)
        weights = model.get_weights()
        total = weights if total is None else [t + w for t, w in zip(total, weights)]
    model.set_weights([t / len(weight_files) for t in total or []])
    return model
