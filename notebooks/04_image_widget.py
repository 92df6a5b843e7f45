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
# # 4. The image widget
#
# **What this notebook teaches**
# - `emolib.widgets.ImageWidget`: upload a photo or type its path, choose the face detector (YuNet or
#   Haar) and the thresholds, and see each face boxed with its emoji, bars and a result table;
# - that the widget is a thin front end: `widget.results` is the same table `emolib.Analyzer` gives you
#   in plain code.
#
# Widgets need a live kernel: run the cells in JupyterLab 4 or Notebook 7 and play with the controls.

# %% tags=["parameters"]
from emolib.training.modes import notebook_mode

# "workshop" (the default), "quick" (CI: seconds) or "full"; None: $EMOLIB_MODE (EMOLIB_QUICK=1 means quick)
MODE = notebook_mode(None, expected={"quick": "a few seconds", "workshop": "a few seconds", "full": "a few seconds"})

DETECTOR = "yunet"  # or "haar"

# %%
# %matplotlib inline

import cv2
from skimage import data as samples

from emolib.widgets import ImageWidget

photo = cv2.cvtColor(samples.astronaut(), cv2.COLOR_RGB2BGR)  # a public-domain photo with one face
widget = ImageWidget(photo, detector=DETECTOR)
widget

# %% [markdown]
# `widget.results` is what the table shows, as a DataFrame (one row per face):

# %%
widget.results

# %% [markdown]
# The same analysis without a widget:

# %%
import emolib

faces = emolib.Analyzer(detector=DETECTOR).analyze(photo)
[(face.emotion, round(face.confidence, 2), face.box) for face in faces]

# %% [markdown]
# ## What to try next
# - Upload a group photo; lower *min score* until the small faces appear, then watch false boxes come too.
# - Switch the detector to *haar*: faster on some machines, more false positives and no profile faces.
# - Try notebook 2's model: `ImageWidget(analyzer=emolib.Analyzer(classifier="runs/02_training/best.keras"))`
#   (Keras, slower), or export it first for LiteRT speed:
#   `emolib export runs/02_training/best.keras runs/02_training/model.tflite`, then
#   `classifier="runs/02_training/model.tflite"`.
