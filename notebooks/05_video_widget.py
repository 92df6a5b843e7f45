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
# We make the demo clip at run time, so the notebook needs no video file: one face per expression, each held two
# seconds and cross-faded into the next (FER2013 faces when the data is there, else synthetic cartoons). You know
# what each second shows, so you can check the timeline against it.

# %% tags=["parameters"]
from emolib.training.modes import notebook_mode

# "workshop" (the default), "quick" (CI: seconds) or "full"; None: $EMOLIB_MODE (EMOLIB_QUICK=1 means quick)
MODE = notebook_mode(None, expected={"quick": "about 10 s", "workshop": "about 10 s", "full": "about 10 s"})

EMOTIONS = ["neutral", "happy", "sad"] if MODE == "quick" else [
    "neutral", "happy", "surprise", "sad", "angry", "neutral"]
SECONDS_PER_FACE = 1.0 if MODE == "quick" else 2.0
DETECTOR = "yunet"

# %%
# %matplotlib inline

from emolib.training.plots import gallery
from emolib.training.synthetic import expression_faces, notebook_data, write_expression_video

data, DATA_NAME = notebook_data(MODE)
faces = expression_faces(data, EMOTIONS)  # per expression, the face the bundled model is surest of
clip = write_expression_video("demo_clip.mp4", faces, seconds_per_face=SECONDS_PER_FACE, fps=15)
for index, emotion in enumerate(EMOTIONS):
    print(f"{index * SECONDS_PER_FACE:4.1f}-{(index + 1) * SECONDS_PER_FACE:4.1f} s  {emotion}")
gallery(faces, EMOTIONS, columns=len(EMOTIONS), size=1.6, title=f"the clip's faces, in order ({DATA_NAME})")

# %% [markdown]
# Watch the progress bar while the widget analyses the clip, then drag the frame slider.

# %%
from IPython.display import display

from emolib.widgets import VideoWidget

widget = VideoWidget(clip, detector=DETECTOR)
display(widget)    # shown first, so the progress bar fills while you watch
widget.analyze();  # the same as pressing "Analyze"

# %% [markdown]
# The per-frame table (one row per face per frame) and a summary per face:

# %%
from emolib.video import summarize

display(widget.results.head().round(3))
summarize(widget.results).round(3)

# %% [markdown]
# Without the widget, `emolib.video.analyze_video` returns the same table and writes the annotated video;
# `emolib.timeline.plot_timeline` draws the figure. The expression changes every few seconds: does the
# timeline follow it, and how long does the smoothing take to catch up?

# %%
from emolib.timeline import plot_timeline
from emolib.video import analyze_video

frames = analyze_video(clip, out="demo_clip_annotated.mp4", overwrite=True, progress=False)
plot_timeline(frames, title=f"the {DATA_NAME} clip: {' → '.join(EMOTIONS)}")

# %% [markdown]
# The annotated video, as `emolib video` writes it (boxes, emoji, bars):

# %%
from IPython.display import Video

Video("demo_clip_annotated.mp4", html_attributes="controls loop muted", width=480)

# %% [markdown]
# ## What to try next
# - Type the path of your own video in the widget's box (videos under this folder are offered).
# - *every n-th* = 3 analyses a third of the frames: three times faster on long videos.
# - From a terminal: `emolib video talk.mp4 --out talk_annotated.mp4`.
