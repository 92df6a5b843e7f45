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
# # 6. The live webcam widget
#
# **What this notebook teaches**
# - `emolib.widgets.WebcamWidget`: your browser's camera, analysed live by the kernel, with boxes, face ids,
#   emoji and the seven probabilities drawn over the video;
# - how it works when the kernel is on another machine: the browser sends small frames (320x240 JPEG) to
#   the kernel over the notebook's websocket as binary buffers, **two at a time** so the round-trip latency
#   is hidden, and draws the kernel's JSON answers on a canvas at the camera's frame rate.
#
# **Needs**: a camera, and a page served from `https://` or `http://localhost` (browsers refuse cameras to
# other pages; for a remote kernel use an SSH tunnel: `ssh -L 8888:localhost:8888 server`). When the
# browser has no camera but the kernel runs on your machine, `widget.source = "kernel"` and Start use the
# kernel's camera instead; a camera you refused is never opened some other way.
#
# **Faster**: Jupyter Server holds back small websocket messages (Nagle's algorithm), which delays each answer
# by up to ~40 ms. Start Jupyter with
# `--ServerApp.kernel_websocket_connection_class=emolib.widgets.server.NoDelayWebsocketConnection` (`make lab`
# does; the widget says so once when its timings show the delay). The widget shows the frame rate and the median
# time from the camera's capture to the boxes drawn; `webcam.latency` has every stage per frame. Measured with
# `benchmarks/bench_browser_webcam.py` (30 fps camera, one face, browser and kernel on one quiet 2-core machine):
# JupyterLab with NoDelay 29.9 results/s, median 28 ms; the stock server 29.9/s, 51 ms (README, "Latency", has
# the full table: Notebook 7, two faces, and a busy machine).

# %% tags=["parameters"]
from emolib.training.modes import notebook_mode

# "workshop" (the default), "quick" (CI: seconds) or "full"; None: $EMOLIB_MODE (EMOLIB_QUICK=1 means quick)
MODE = notebook_mode(None, expected={mode: "a few seconds, then as long as you stream"
                                     for mode in ("quick", "workshop", "full")})

import os

DETECTOR = os.environ.get("EMOLIB_DETECTOR", "yunet")  # "yunet" or "haar"

# %% [markdown]
# Press **Start** (allow the camera when the browser asks). The fps shown is full round trips per second.

# %%
from emolib.widgets import WebcamWidget

webcam = WebcamWidget(detector=DETECTOR)
webcam

# %% [markdown]
# ## Under the hood
# Each frame the browser sends is handled by `webcam.handle_frame`: decode, then the same tracked pipeline as
# videos (`emolib.video.VideoTracker`), then a JSON reply. Here we feed it one JPEG ourselves:

# %%
import json

import cv2
from skimage import data as samples

photo = cv2.resize(cv2.cvtColor(samples.astronaut(), cv2.COLOR_RGB2BGR), (320, 320))
jpeg = cv2.imencode(".jpg", photo)[1].tobytes()
reply = webcam.handle_frame({"type": "frame", "id": 0, "width": 320, "height": 320, "format": "jpeg"}, [jpeg])
print(json.dumps(reply, indent=1)[:600])

# %% [markdown]
# While it runs (or after), `webcam.results` holds the recent faces in the same table as the other widgets:

# %%
webcam.results.tail()

# %% [markdown]
# ## What to try next
# - `webcam.frame_format = "gray"` sends raw grey bytes instead of JPEG (no decoding in the kernel, 4x the bytes).
# - `WebcamWidget(detector="haar", tracker_options={"detect_every": 1})`: detect on every frame.
# - `webcam.max_in_flight = 1` and watch the frame rate drop: one frame at a time waits for every round trip.
# - From a terminal (kernel-side camera, OpenCV window): `emolib webcam`.
