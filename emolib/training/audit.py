"""Look for trouble in FER2013: exact duplicates (also across splits), blank images, and where FERPlus's ten
annotators disagree with the original label.

>>> groups = find_duplicates(data)          # one row per duplicated face
>>> blank = find_blank(data)                # row indices of (nearly) uniform images
>>> table = label_agreement(data, votes)    # FER2013 label vs FERPlus votes, per row
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from emolib.labels import CLASSES, FERPLUS_COLUMNS
from emolib.training.data import FerData, ferplus_majority_labels, ferplus_soft_labels


def find_duplicates(data: FerData) -> pd.DataFrame:
    """Faces whose 48x48 pixels occur more than once.

    One row per member of a duplicate group: ``group`` (0, 1, ...), ``row`` (index in ``data``), ``split``,
    ``emotion``, plus per group ``size``, ``cross_split`` (copies in more than one split: train/test leakage)
    and ``conflict`` (copies carry different labels).
    """
    digests = np.array([hashlib.blake2b(image.tobytes(), digest_size=8).hexdigest() for image in data.images])
    frame = pd.DataFrame({"digest": digests, "row": np.arange(len(data)), "split": data.usage,
                          "emotion": np.asarray(CLASSES)[data.labels]})
    frame = frame[frame.duplicated("digest", keep=False)]
    if frame.empty:
        return pd.DataFrame(columns=["group", "row", "split", "emotion", "size", "cross_split", "conflict"])
    by_group = frame.groupby("digest")
    frame = frame.assign(
        size=by_group["row"].transform("size"),
        cross_split=by_group["split"].transform("nunique") > 1,
        conflict=by_group["emotion"].transform("nunique") > 1,
        group=by_group.ngroup(),
    )
    columns = ["group", "row", "split", "emotion", "size", "cross_split", "conflict"]
    return frame.sort_values(["group", "row"])[columns].reset_index(drop=True)


def find_blank(data: FerData, *, max_std: float = 4.0) -> np.ndarray:
    """Row indices of images whose pixel standard deviation is at most ``max_std`` (blank or near-uniform)."""
    spread = data.images.reshape(len(data), -1).std(axis=1)
    return np.flatnonzero(spread <= max_std)


def label_agreement(data: FerData, votes: pd.DataFrame) -> pd.DataFrame:
    """FER2013 labels against FERPlus votes, one row per face (aligned by row with ``data``).

    Columns: ``emotion`` (FER2013 label), ``ferplus`` (FERPlus majority among the seven classes, or
    "none": tie, contempt, unknown, not a face), ``agreement`` (share of FERPlus votes for the FER2013
    label), ``not_face`` (share of "NF" votes), ``split``.
    """
    if len(votes) != len(data):
        raise ValueError(f"votes has {len(votes)} rows but data has {len(data)}; they align by row position")
    soft = ferplus_soft_labels(votes)
    majority = ferplus_majority_labels(votes)
    totals = votes[list(FERPLUS_COLUMNS)].sum(axis=1).to_numpy(np.float32)
    names = np.asarray([*CLASSES, "none"])
    return pd.DataFrame({
        "emotion": names[data.labels],
        "ferplus": names[np.where(majority >= 0, majority, len(CLASSES))],
        "agreement": soft[np.arange(len(data)), data.labels],
        "not_face": np.divide(votes["NF"].to_numpy(np.float32), totals, out=np.zeros_like(totals),
                              where=totals > 0),
        "split": data.usage,
    })
