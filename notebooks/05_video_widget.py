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
# # 5. The video widget
#
# **What this notebook teaches**
# - `emolib.widgets.VideoWidget`: pick a video, watch the progress bar while every face is detected,
#   tracked and classified, then scrub the frame slider: the timeline marks the time, the picture shows
#   the annotated frame;
# - tracking and smoothing: each face keeps an id across frames (`face_id`), and its probabilities are
#   smoothed over ~0.3 s so the emotion does not flicker.
#
# We make a short demo clip from a photo, so the notebook needs no video file.

# %% tags=["parameters"]
import os

# Quick mode (EMOLIB_QUICK=1, as CI runs it): a small subset and one or two epochs, a few minutes on a CPU.
QUICK = os.environ.get("EMOLIB_QUICK", "0").lower() not in ("", "0", "false", "no")

SECONDS = 2 if QUICK else 6
DETECTOR = "yunet"

# %%
# %matplotlib inline

import cv2
from skimage import data as samples

from emolib.training.synthetic import write_demo_video

photo = cv2.cvtColor(samples.astronaut(), cv2.COLOR_RGB2BGR)
clip = write_demo_video("demo_clip.mp4", photo, seconds=SECONDS, fps=15)
clip

# %%
from emolib.widgets import VideoWidget

widget = VideoWidget(clip, detector=DETECTOR)
widget.analyze()  # the same as pressing "Analyze"
widget

# %% [markdown]
# The per-frame table (one row per face per frame) and a summary per face:

# %%
from IPython.display import display

from emolib.video import summarize

display(widget.results.head())
summarize(widget.results)

# %% [markdown]
# Without the widget, `emolib.video.analyze_video` returns the same table and can write the annotated
# video; `emolib.timeline.plot_timeline` draws the figure:

# %%
from emolib.timeline import plot_timeline
from emolib.video import analyze_video

frames = analyze_video(clip, out="demo_clip_annotated.mp4", overwrite=True, progress=False)
plot_timeline(frames)

# %% [markdown]
# ## What to try next
# - Type the path of your own video in the widget's box (videos under this folder are offered).
# - *every n-th* = 3 analyses a third of the frames: three times faster on long videos.
# - From a terminal: `emolib video talk.mp4 --out talk_annotated.mp4`.
