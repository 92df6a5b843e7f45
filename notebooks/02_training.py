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
# **Modes.** *workshop* (the default) trains for about 3 minutes on all of FER2013's Training faces with a
# recipe made for a short run (no augmentation, a high peak learning rate of 5e-3, five epochs): validation
# accuracy climbs from ~40% to ~58% before your eyes. Then it loads the bundled default model beside it, to
# show what the full recipe reaches and why. *quick* (CI) trains an epoch or two on a subset: its numbers mean
# nothing. *full* is the long run (`emolib train --epochs 80`, hours on a CPU).

# %% tags=["parameters"]
from pathlib import Path

from emolib.training.modes import notebook_mode

# "workshop" (the default), "quick" (CI: seconds) or "full"; None: $EMOLIB_MODE (EMOLIB_QUICK=1 means quick)
MODE = notebook_mode(None, expected={"quick": "about 1 minute", "workshop": "3-4 minutes",
                                     "full": "2.5-3 hours (80 epochs)"})

ARCH = "mini_xception"                                          # see emolib.training.model.ARCHITECTURES
EPOCHS = {"quick": 2, "workshop": 4, "full": 80}[MODE]          # the first run; the resume adds one more
SUBSET = {"quick": 3000, "workshop": None, "full": None}[MODE]   # faces, random rows of all splits
LEARNING_RATE = {"quick": 5e-3, "workshop": 5e-3, "full": 2e-3}[MODE]  # peak of the cosine schedule
AUGMENT = MODE == "full"     # augmentation pays off over many epochs; a 5-epoch run learns faster without it
OUT = Path("runs") / "02_training"                              # checkpoints and log (git-ignored)

# %%
# %matplotlib inline

import numpy as np

from emolib.training.synthetic import notebook_data

# FER2013 from data/, ../shared/data/fer2013/ or $EMOLIB_FER2013; else a synthetic set, and how to get FER2013
data, DATA_NAME = notebook_data(MODE)
if SUBSET and len(data) > SUBSET:
    data = data.select(np.random.default_rng(0).permutation(len(data))[:SUBSET])
# Small sets get small batches: batch-norm layers need a few hundred steps before their running statistics
# (used for validation) fit the data; with too few, validation predicts one class for everything.
BATCH_SIZE = 64 if len(data) > 10_000 else 16
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
config = TrainConfig(arch=ARCH, epochs=EPOCHS, batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE,
                     warmup_epochs=2 if MODE == "full" else 0, augment=TrainConfig().augment if AUGMENT else {})
history = fit(data, OUT, config, verbose=1, callbacks=[live_training_plot(title=f"{ARCH} on {DATA_NAME}")])

# %% [markdown]
# ## Checkpoints and resume
# `OUT` now holds `best.keras` (best validation epoch), `last.keras`, `log.csv` and `config.json`.
# Two kinds of resume:
# - **interrupted** (kernel interrupted, machine rebooted): rerun the same `fit(data, OUT, ...)` and it
#   continues from the last finished epoch, optimizer included (Keras `BackupAndRestore`, in `OUT/backup`);
# - **finished, want more**: ask for more epochs with the same `OUT`; training continues from `last.keras`
#   with a fresh optimizer and a new warm-up + cosine schedule over the new epochs (a warm restart).
#
# Here we ask for one more epoch, restarting at a fifth of the peak learning rate (a gentle warm restart that
# refines the weights rather than shaking them up):

# %%
sorted(path.name for path in OUT.iterdir())

# %%
config.epochs = EPOCHS + 1
config.learning_rate = LEARNING_RATE / 5
history = fit(data, OUT, config, verbose=1)

from emolib.training.plots import training_curves

training_curves(OUT / "log.csv", title=f"{ARCH} on {DATA_NAME}: every epoch of both calls")

# %% [markdown]
# ## Beside the bundled default
# The model emolib ships (`compact_vgg_deep`, 1.2M parameters) was trained with the full recipe: 75 epochs with
# augmentation (shifts, zoom, brightness, random erasing), a warm restart and weight averaging, on a GPU
# (`models/README.md`). Same PublicTest faces, both with flip averaging:

# %%
import pandas as pd

from emolib.training.evaluate import evaluate

validation = data.split("PublicTest")
short_run = evaluate(validation, OUT / "best.keras", split=None, name=f"{ARCH}, {EPOCHS + 1} epochs here")
bundled = evaluate(validation, None, split=None, name="bundled default (compact_vgg_deep)")
if DATA_NAME == "synthetic":
    print("On synthetic cartoons the short run wins: it learnt cartoons, the bundled model real faces. A test set\n"
          "measures only what it contains; with FER2013 the order flips.")
(pd.DataFrame([short_run.summary(), bundled.summary()]).assign(split=f"PublicTest ({DATA_NAME})").set_index("model")
 .style.format({"accuracy": "{:.1%}", "macro_f1": "{:.3f}", "ece": "{:.3f}", "faces": "{:,}"}))

# %% [markdown]
# With FER2013, the gap is what the full recipe buys: many more epochs (the curve above is still climbing),
# augmentation so those epochs do not overfit, a larger network, and averaging the weights of the last epochs.
# Per class, the short run is weakest on the rare classes (disgust, fear):

# %%
pd.DataFrame({"short run F1": short_run.per_class()["f1"], "bundled F1": bundled.per_class()["f1"]}).round(2).T

# %% [markdown]
# ## What to try next
# - `ARCH = "mini_xception_wide"` (4x the parameters) and `MODE = "full"`; or
#   `ARCH = "compact_vgg"`, a different design whose mistakes differ, to average with it
#   (`emolib export a.keras b.keras` writes the pair as one file).
# - `ARCH = "compact_vgg_deep"`, the bundled default's design (1.2M parameters, 0.84 ms per face): it needs
#   about 70 epochs, hours on a laptop's CPU but minutes on a GPU. The same code runs there on JAX or PyTorch
#   (`KERAS_BACKEND=jax emolib train --arch compact_vgg_deep ...`); the model card has the exact recipe.
# - Export the best checkpoint for fast inference: `emolib export runs/02_training/best.keras model.tflite`,
#   then `emolib.Analyzer(classifier="model.tflite")`.
# - Evaluate it in notebook 3: `MODEL = KERAS_MODEL = "runs/02_training/best.keras"`.
