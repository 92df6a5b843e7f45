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
# # 1. The data: FER2013
#
# **What this notebook teaches**
# - FER2013's seven classes and how unbalanced they are (disgust is ~1.5% of the faces);
# - what the faces look like: 48x48 grey crops, one row of samples per class;
# - how often people disagree about the labels, from the ten FERPlus annotators per face;
# - duplicates (also across the train/test splits) and junk images (blank, not a face).
#
# All logic lives in `emolib` (`emolib.training.data`, `emolib.training.audit`, `emolib.training.plots`);
# this notebook calls it.

# %% tags=["parameters"]
from emolib.training.modes import notebook_mode

# "workshop" (the default), "quick" (CI: seconds) or "full"; None: $EMOLIB_MODE (EMOLIB_QUICK=1 means quick)
MODE = notebook_mode(None, expected={"quick": "about 10 s", "workshop": "about 10 s", "full": "about 10 s"})

SAMPLES_PER_CLASS = {"quick": 6, "workshop": 10, "full": 12}[MODE]

# %%
# %matplotlib inline

from emolib.training.synthetic import notebook_data

# FER2013 from data/, ../shared/data/fer2013/ or $EMOLIB_FER2013; else a synthetic set, and how to get FER2013
data, DATA_NAME = notebook_data(MODE)

# %% [markdown]
# ## Classes and imbalance
# FER2013 has three splits: *Training* (to fit), *PublicTest* (to choose epochs and settings) and
# *PrivateTest* (to report, once). The classes are far from balanced: a model that ignores *disgust*
# loses little accuracy, which is why we also report macro-F1 in notebook 3.

# %%
counts = data.counts()
counts["share"] = (counts.sum(axis=1) / counts.values.sum()).round(3)
counts

# %%
ax = data.counts().plot.barh(stacked=True, figsize=(7, 3.2), title=f"{DATA_NAME}: faces per class and split")
ax.set(xlabel="faces", ylabel="")
ax.invert_yaxis()

# %% [markdown]
# ## A sample of every class
# Each row is one class; the number under its name is its size.

# %%
from emolib.training.plots import sample_grid

sample_grid(data, per_class=SAMPLES_PER_CLASS, title=f"{DATA_NAME}: {SAMPLES_PER_CLASS} random faces per class")

# %% [markdown]
# ## FERPlus: how much do people agree?
# [FERPlus](https://github.com/microsoft/FERPlus) had ten crowd workers relabel every FER2013 face.
# `emolib.training.audit.label_agreement` puts the two side by side: `agreement` is the share of the ten votes
# that went to the original FER2013 label.

# %%
from IPython.display import display

from emolib.training.audit import label_agreement
from emolib.training.data import find_fer2013, load_ferplus

fer_path = find_fer2013()

ferplus_path = fer_path.parent / "fer2013new.csv" if fer_path is not None else None
if ferplus_path is not None and ferplus_path.is_file():
    agreement = label_agreement(data, load_ferplus(ferplus_path, n_rows=len(data)))
    print(f"FERPlus majority differs from the FER2013 label for {(agreement.ferplus != agreement.emotion).mean():.0%}"
          " of the faces")
    display(agreement.groupby("emotion")["agreement"].describe()[["mean", "25%", "50%", "75%"]].round(2))
else:
    agreement = None
    print("fer2013new.csv (FERPlus votes) not found next to the FER2013 CSV: skipping this part.")

# %%
import pandas as pd

if agreement is not None:
    display(pd.crosstab(agreement.emotion, agreement.ferplus, normalize="index").round(2)
            .style.background_gradient(cmap="Blues", axis=None).format("{:.2f}"))

# %% [markdown]
# The faces the annotators rejected most clearly: FER2013 label, then what FERPlus voted.

# %%
from emolib.training.plots import gallery

if agreement is not None:
    disputed = agreement[(agreement.not_face == 0)].sort_values("agreement").head(16)
    display(gallery(data.images[disputed.index], [f"{r.emotion}→{r.ferplus}" for r in disputed.itertuples()],
                    title=f"{DATA_NAME}: the faces whose label FERPlus disputes most (FER2013→FERPlus)"))

# %% [markdown]
# ## Duplicates and junk
# Identical pixels under different rows inflate the test scores when one copy is in Training and another
# in a test split, and copies with different labels are label noise.

# %%
from emolib.labels import CLASSES
from emolib.training.audit import find_blank, find_duplicates

duplicates = find_duplicates(data)
groups = duplicates.drop_duplicates("group")
print(f"{len(duplicates)} faces in {len(groups)} groups of identical pixels; "
      f"{groups.cross_split.sum()} groups span two splits, {groups.conflict.sum()} carry different labels")
duplicates.head(8)

# %%
if len(duplicates):
    shown = duplicates[duplicates.group.isin(groups[groups.conflict | groups.cross_split].group.head(8))]
    display(gallery(data.images[shown.row], [f"#{r.group} {r.split[:5]} {r.emotion}" for r in shown.itertuples()],
                    title=f"{DATA_NAME}: identical faces (group, split, label)"))

# %%
import numpy as np

blank = find_blank(data)
not_face = agreement.index[agreement.not_face >= 0.5].to_numpy() if agreement is not None else np.array([], int)
print(f"{len(blank)} blank images (one grey level); {len(not_face)} that most FERPlus annotators call 'not a face'")
# a few blank ones (they all look alike), then the not-a-face ones, each titled with its split and label
junk = [(row, "blank") for row in blank[:3]]
junk += [(row, f"not a face {agreement.not_face[row]:.0%}") for row in not_face[:16 - len(junk)]]
if junk:
    display(gallery(data.images[[row for row, _ in junk]],
                    [f"{why}\n{data.usage[row][:5]} {CLASSES[data.labels[row]]}" for row, why in junk], columns=8,
                    title=f"{DATA_NAME}: junk rows (why, split, label)"))

# %% [markdown]
# ## What to try next
# - `emolib.training.data.ferplus_soft_labels` gives the vote shares: train on them instead of the hard labels.
# - Drop the blank and not-a-face rows, and de-duplicate across splits, before training (notebook 2).
# - Compare the class balance of your own data: `emolib.training.data.load("my_faces/")` reads class folders too.
