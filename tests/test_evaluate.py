"""The metrics of :mod:`emolib.evaluate` against values worked out by hand on ten crafted faces.

Each face's probabilities put ``p`` on the predicted class and share ``1 - p`` equally among the other six,
so the confidence is ``p``. Confidences are 0.9, 0.7 and 0.5: each sits in the middle of one of the 15
equal-width bins of the expected calibration error (bins 13, 10 and 7), far from any bin edge.

====  ========  =========  ====  =======
face  true      predicted  p     correct
====  ========  =========  ====  =======
0-2   happy     happy      0.9   yes
3     angry     angry      0.9   yes
4     sad       sad        0.7   yes
5     neutral   neutral    0.7   yes
6-7   sad       neutral    0.7   no
8     angry     disgust    0.5   no
9     happy     surprise   0.5   no
====  ========  =========  ====  =======

By hand: accuracy 6/10. ECE: bin 0.9 has 4 faces, all right (|1 - 0.9| = 0.1); bin 0.7 has 4, half right
(|0.5 - 0.7| = 0.2); bin 0.5 has 2, none right (0.5): 0.4 * 0.1 + 0.4 * 0.2 + 0.2 * 0.5 = 0.22 (one single
bin would give |0.6 - 0.74| = 0.14 instead). Per class (precision, recall, F1, support): angry (1, 1/2, 2/3, 2),
disgust (0, 0, 0, 0), fear (0, 0, 0, 0), happy (1, 3/4, 6/7, 4), sad (1, 1/3, 1/2, 3), surprise (0, 0, 0, 0),
neutral (1/3, 1, 1/2, 1); macro-F1 over all seven classes = (2/3 + 6/7 + 1/2 + 1/2) / 7 = 53/147 (fear,
absent from labels and predictions, counts as a zero).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from emolib.labels import CLASSES
from emolib.training.evaluate import Evaluation, expected_calibration_error

C = {name: index for index, name in enumerate(CLASSES)}
FACES = [  # (true, predicted, confidence)
    ("happy", "happy", 0.9), ("happy", "happy", 0.9), ("happy", "happy", 0.9), ("angry", "angry", 0.9),
    ("sad", "sad", 0.7), ("neutral", "neutral", 0.7), ("sad", "neutral", 0.7), ("sad", "neutral", 0.7),
    ("angry", "disgust", 0.5), ("happy", "surprise", 0.5),
]


def probabilities_for(predicted: list[str], confidence: list[float]) -> np.ndarray:
    """(N, 7) float32: ``confidence`` on the predicted class, the rest shared equally by the other six."""
    rows = np.empty((len(predicted), len(CLASSES)), np.float32)
    for row, name, p in zip(rows, predicted, confidence, strict=True):
        row[:] = (1 - p) / (len(CLASSES) - 1)
        row[C[name]] = p
    return rows


@pytest.fixture
def evaluation() -> Evaluation:
    true, predicted, confidence = zip(*FACES, strict=True)
    labels = np.array([C[name] for name in true], np.int64)
    return Evaluation("handmade", "test", labels, probabilities_for(list(predicted), list(confidence)))


def test_the_crafted_faces_predict_what_the_table_says(evaluation: Evaluation) -> None:
    assert [CLASSES[i] for i in evaluation.predictions] == [predicted for _, predicted, _ in FACES]
    np.testing.assert_allclose(evaluation.probabilities.sum(axis=1), 1, atol=1e-6)


def test_accuracy_macro_f1_and_ece(evaluation: Evaluation) -> None:
    assert evaluation.accuracy == pytest.approx(0.6)
    assert evaluation.macro_f1 == pytest.approx(53 / 147)
    assert evaluation.ece == pytest.approx(0.22, abs=1e-6)


def test_summary_is_plain_rounded_numbers(evaluation: Evaluation) -> None:
    assert evaluation.summary() == {"model": "handmade", "split": "test", "faces": 10, "accuracy": 0.6,
                                    "macro_f1": 0.3605, "ece": 0.22}


def test_ece_bins() -> None:
    """The bins matter: one bin gives |accuracy - mean confidence|; a calibrated bin contributes nothing."""
    true, predicted, confidence = zip(*FACES, strict=True)
    labels = np.array([C[name] for name in true])
    probabilities = probabilities_for(list(predicted), list(confidence))
    assert expected_calibration_error(probabilities, labels) == pytest.approx(0.22, abs=1e-6)
    assert expected_calibration_error(probabilities, labels, bins=1) == pytest.approx(0.14, abs=1e-6)
    # 0.7 confident and right 7 times out of 10 (bin 10 of 15): perfectly calibrated
    calibrated = probabilities_for(["happy"] * 10, [0.7] * 10)
    assert expected_calibration_error(calibrated, np.array([C["happy"]] * 7 + [C["sad"]] * 3)) == pytest.approx(
        0, abs=1e-6)
    # confidence exactly 1 lands in the last bin, not past it: right every time, no error
    certain = probabilities_for(["fear"] * 3, [1.0] * 3)
    assert expected_calibration_error(certain, np.full(3, C["fear"])) == 0
    # wrong every time at confidence 1: error 1
    assert expected_calibration_error(certain, np.full(3, C["sad"])) == pytest.approx(1)


def test_per_class_table(evaluation: Evaluation) -> None:
    table = evaluation.per_class()
    assert list(table.index) == list(CLASSES)
    assert list(table.columns) == ["precision", "recall", "f1", "support"]
    expected = pd.DataFrame(
        {"precision": [1, 0, 0, 1, 1, 0, 1 / 3], "recall": [1 / 2, 0, 0, 3 / 4, 1 / 3, 0, 1],
         "f1": [2 / 3, 0, 0, 6 / 7, 1 / 2, 0, 1 / 2]}, index=list(CLASSES))
    pd.testing.assert_frame_equal(table[["precision", "recall", "f1"]].astype(float), expected, check_names=False)
    assert table["support"].tolist() == [2, 0, 0, 4, 3, 0, 1]
    assert table["support"].dtype.kind == "i"


def test_confusion_counts_and_shares(evaluation: Evaluation) -> None:
    counts = evaluation.confusion()
    assert list(counts.index) == list(CLASSES) and list(counts.columns) == list(CLASSES)
    assert counts.index.name == "true" and counts.columns.name == "predicted"
    expected = np.zeros((7, 7), int)
    for true, predicted, _ in FACES:
        expected[C[true], C[predicted]] += 1
    # written out, so that a transposed matrix (rows: predicted) fails too
    assert counts.loc["sad", "neutral"] == 2 and counts.loc["neutral", "sad"] == 0
    assert counts.loc["happy", "happy"] == 3 and counts.loc["angry", "disgust"] == 1
    np.testing.assert_array_equal(counts.to_numpy(), expected)
    assert counts.to_numpy().sum() == 10
    shares = evaluation.confusion("true")
    assert shares.loc["sad", "neutral"] == pytest.approx(2 / 3) and shares.loc["sad", "sad"] == pytest.approx(1 / 3)
    assert shares.loc["happy", "surprise"] == pytest.approx(1 / 4)
    assert shares.loc["fear"].sum() == 0  # no fear face: a row of zeros, not NaN


def test_most_confused_order(evaluation: Evaluation) -> None:
    """Mistakes only (never the diagonal), most first; count and share of the true class."""
    table = evaluation.most_confused()
    assert list(table.columns) == ["true", "predicted", "count", "share_of_true"]
    assert len(table) == 3  # only three off-diagonal pairs have mistakes, however large top is
    assert tuple(table.loc[0, ["true", "predicted", "count"]]) == ("sad", "neutral", 2)
    assert table.loc[0, "share_of_true"] == pytest.approx(2 / 3)
    # the two pairs tied at one mistake follow in CLASSES order (a stable sort)
    ties = {(row.true, row.predicted): (row.count, row.share_of_true) for row in table.iloc[1:].itertuples()}
    assert list(ties) == [("angry", "disgust"), ("happy", "surprise")]
    assert ties[("angry", "disgust")] == (1, pytest.approx(1 / 2))
    assert ties[("happy", "surprise")] == (1, pytest.approx(1 / 4))
    top = evaluation.most_confused(top=1)
    assert len(top) == 1 and tuple(top.loc[0, ["true", "predicted"]]) == ("sad", "neutral")


def test_most_confused_when_everything_is_right() -> None:
    labels = np.array([C["happy"], C["sad"]])
    evaluation = Evaluation("perfect", "test", labels, probabilities_for(["happy", "sad"], [0.9, 0.9]))
    assert evaluation.accuracy == 1 and evaluation.most_confused().empty
