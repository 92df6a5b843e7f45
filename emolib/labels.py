"""Class names and label conventions shared by every part of emolib."""

from __future__ import annotations

#: The seven FER2013 emotions, in the dataset's label order (label 0 is "angry").
CLASSES: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

#: Side length of the square grayscale face crops the classifiers take.
FACE_SIZE = 48

#: FERPlus vote columns (``fer2013new.csv``), in that file's order.
FERPLUS_COLUMNS: tuple[str, ...] = (
    "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF",
)

#: FERPlus column name for each entry of :data:`CLASSES`.
FERPLUS_TO_CLASS: dict[str, str] = {
    "anger": "angry",
    "disgust": "disgust",
    "fear": "fear",
    "happiness": "happy",
    "sadness": "sad",
    "surprise": "surprise",
    "neutral": "neutral",
}

#: The three FER2013 splits: train on the first, select on the second, report on the third.
SPLITS: tuple[str, ...] = ("Training", "PublicTest", "PrivateTest")
