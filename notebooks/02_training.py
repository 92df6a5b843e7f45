# ---
# jupyter:
#   jupytext:
#     notebook_metadata_filter: language_info
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
#   language_info:
#     name: python
# ---

# %% [markdown]
# # 2. Training the mini-Xception
#
# **What this notebook teaches**
# - the mini-Xception (Arriaga et al. 2017), layer by layer: why separable convolutions and residual modules;
# - training with `emolib.training.train.fit`: augmentation, a warm-up + cosine learning-rate schedule, label
#   smoothing, live training curves;
# - checkpoints (`best.keras`, `last.keras`, `log.csv`) and resuming a run.
#
# Quick mode trains a couple of epochs on a subset, so the numbers are low; the full run
# (`emolib train --epochs 80`, hours on a CPU) is what `models/README.md` reports.

# %% tags=["parameters"]
import os

# Quick mode (EMOLIB_QUICK=1, as CI runs it): a small subset and one or two epochs, a few minutes on a CPU.
QUICK = os.environ.get("EMOLIB_QUICK", "0").lower() not in ("", "0", "false", "no")

from pathlib import Path

ARCH = "mini_xception"                 # see emolib.training.model.ARCHITECTURES
EPOCHS = 2 if QUICK else 80
SUBSET = 3000 if QUICK else None       # faces, random rows of all splits
OUT = Path("runs") / "02_training"     # checkpoints and log (git-ignored)

# %%
# %matplotlib inline

from emolib.training.synthetic import fer2013_or_synthetic

data = fer2013_or_synthetic(quick=QUICK)  # data/, ../shared/data/fer2013/ or $EMOLIB_FER2013

import numpy as np

if SUBSET and len(data) > SUBSET:
    data = data.select(np.random.default_rng(0).permutation(len(data))[:SUBSET])
data.counts()

# %% [markdown]
# ## The model, layer by layer
# `emolib.training.model.build_model` builds any registered architecture. Every model takes raw 0-255 pixels
# (the `scale` layer maps them to -1..1, so exported files need no preprocessing) and ends in seven
# softmax probabilities.
#
# - **base1, base2**: two plain 3x3 convolutions (8 filters) + batch-norm + ReLU: edges and blobs.
# - **module1-4**: residual *separable* modules. A separable convolution filters each channel on its own
#   (depthwise 3x3), then mixes channels (1x1): about 8x fewer weights than a full 3x3 convolution. Each
#   module halves the image (max-pool) and adds a 1x1 *shortcut*, which keeps gradients flowing.
# - **class_maps**: a 3x3 convolution to seven maps, one per class; **average** pools each to one number
#   (global average pooling, no dense layers: few parameters, little overfitting); **probabilities**: softmax.

# %%
import pandas as pd

from emolib.training.model import build_model

model = build_model(ARCH)
pd.DataFrame([(layer.name, type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params())
              for layer in model.layers], columns=["layer", "type", "output", "parameters"])

# %%
print(f"{model.count_params():,} parameters in all")

# %% [markdown]
# ## Train with live curves
# `fit` trains on *Training*, keeps the best *PublicTest* epoch, and writes everything under `OUT`.
# `emolib.training.plots.live_training_plot()` is an ordinary Keras callback that redraws the curves each epoch.

# %%
import shutil

from emolib.training.plots import live_training_plot
from emolib.training.train import TrainConfig, fit

shutil.rmtree(OUT, ignore_errors=True)  # a fresh run each time (keep OUT to resume instead)
config = TrainConfig(arch=ARCH, epochs=EPOCHS, batch_size=64, warmup_epochs=0 if QUICK else 2)
history = fit(data, OUT, config, verbose=1, callbacks=[live_training_plot()])

# %% [markdown]
# ## Checkpoints and resume
# `OUT` now holds `best.keras` (best validation epoch), `last.keras`, `log.csv` and `config.json`.
# Two kinds of resume:
# - **interrupted** (kernel interrupted, machine rebooted): rerun the same `fit(data, OUT, ...)` and it
#   continues from the last finished epoch, optimizer included (Keras `BackupAndRestore`, in `OUT/backup`);
# - **finished, want more**: ask for more epochs with the same `OUT`; training continues from `last.keras`
#   with a fresh optimizer and a new warm-up + cosine schedule over the new epochs (a warm restart).
#
# Here we ask for one more epoch:

# %%
sorted(path.name for path in OUT.iterdir())

# %%
config.epochs = EPOCHS + 1
history = fit(data, OUT, config, verbose=1)

from emolib.training.plots import training_curves

training_curves(OUT / "log.csv")  # every epoch of both calls

# %% [markdown]
# ## What to try next
# - `ARCH = "mini_xception_wide"` (4x the parameters) and `EPOCHS = 80` with `EMOLIB_QUICK=0`; or
#   `ARCH = "compact_vgg"`, a different design whose mistakes differ, to average with it
#   (`emolib export a.keras b.keras` writes the pair as one file).
# - `ARCH = "compact_vgg_deep"`, the bundled default's design (1.2M parameters, 0.84 ms per face): it needs
#   about 70 epochs, hours on a laptop's CPU but minutes on a GPU. The same code runs there on JAX or PyTorch
#   (`KERAS_BACKEND=jax emolib train --arch compact_vgg_deep ...`); the model card has the exact recipe.
# - Export the best checkpoint for fast inference: `emolib export runs/02_training/best.keras model.tflite`,
#   then `emolib.Analyzer(classifier="model.tflite")`.
# - Evaluate it in notebook 3: `KERAS_MODEL = "runs/02_training/best.keras"`.
