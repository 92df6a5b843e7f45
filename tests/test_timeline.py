"""Timeline figures (:func:`emolib.timeline.plot_timeline`) of a small handmade per-frame table.

Frames are 0.1 s apart (frames 0-9). Three faces:

- face 5: frames 0-3 and 6-9 (8 rows; not seen at frames 4 and 5, so its lines must break there);
- face 9: frames 0-5 (6 rows, no gap);
- face 2: frames 0-1 (2 rows): the shortest track, hidden with ``max_faces=2``.

Probabilities change every frame (happy rises by 0.1 a frame, neutral falls) so each line's data can be
compared with the table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emolib.errors import EmolibError
from emolib.labels import CLASSES
from emolib.results import FRAME_COLUMNS
from emolib.timeline import plot_timeline

TRACKS = {5: [0, 1, 2, 3, 6, 7, 8, 9], 9: [0, 1, 2, 3, 4, 5], 2: [0, 1]}


def frame_table(tracks: dict[int, list[int]] = TRACKS) -> pd.DataFrame:
    rows = []
    for face_id, frames in tracks.items():
        for frame in frames:
            probabilities = dict.fromkeys(CLASSES, 0.0)
            probabilities["happy"] = frame / 10
            probabilities["neutral"] = 1 - frame / 10 - face_id / 100
            probabilities["sad"] = face_id / 100
            emotion = max(probabilities, key=probabilities.get)
            rows.append({"frame": frame, "time_s": frame / 10, "face_id": face_id, "x": 10 * face_id, "y": 20,
                         "w": 40, "h": 40, **probabilities, "emotion": emotion})
    table = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    return table.sample(frac=1, random_state=0).reset_index(drop=True)  # row order must not matter


def lines_by_class(ax) -> dict[str, tuple[np.ndarray, np.ndarray]]:  # noqa: ANN001
    return {line.get_label(): (np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float))
            for line in ax.get_lines()}


def test_one_panel_per_face_the_longest_tracks_in_id_order() -> None:
    figure = plot_timeline(frame_table(), max_faces=2)
    axes = figure.axes
    assert len(axes) == 2
    # faces 5 (8 rows) and 9 (6 rows) are the longest; face 2 (the lowest id) is left out
    assert [ax.get_ylabel() for ax in axes] == ["face #5", "face #9"]
    for ax in axes:
        assert list(lines_by_class(ax)) == list(CLASSES)
        assert ax.get_ylim() == (0, 1)
    assert axes[-1].get_xlabel() == "time (s)"
    assert [text.get_text() for text in figure.legends[0].get_texts()] == list(CLASSES)
    assert len(plot_timeline(frame_table()).axes) == 3  # default max_faces=6: everyone, ids 2, 5, 9
    assert [ax.get_ylabel() for ax in plot_timeline(frame_table()).axes] == ["face #2", "face #5", "face #9"]


def test_a_gap_in_a_track_breaks_its_lines() -> None:
    figure = plot_timeline(frame_table(), max_faces=2)
    face5, face9 = (lines_by_class(ax) for ax in figure.axes)
    times, happy = face5["happy"]
    # frames 0-3, a NaN break where frames 4 and 5 are missing, then frames 6-9, in time order
    np.testing.assert_allclose(times, [0, 0.1, 0.2, 0.3, np.nan, 0.6, 0.7, 0.8, 0.9])
    np.testing.assert_allclose(happy, [0, 0.1, 0.2, 0.3, np.nan, 0.6, 0.7, 0.8, 0.9])
    np.testing.assert_allclose(face5["neutral"][1], [0.95, 0.85, 0.75, 0.65, np.nan, 0.35, 0.25, 0.15, 0.05])
    np.testing.assert_allclose(face5["sad"][1], [0.05] * 4 + [np.nan] + [0.05] * 4)
    for name in CLASSES:
        assert np.isnan(face5[name][1][4]) and np.isnan(face5[name][0][4])
    # face 9 was seen on every frame of its track: one unbroken line
    times, neutral = face9["neutral"]
    np.testing.assert_allclose(times, [0, 0.1, 0.2, 0.3, 0.4, 0.5])
    np.testing.assert_allclose(neutral, [0.91, 0.81, 0.71, 0.61, 0.51, 0.41])
    assert not any(np.isnan(y).any() for _, y in face9.values())


def test_the_frame_step_attribute_sets_what_counts_as_a_gap() -> None:
    """A 0.9 s step is a gap when frames are 0.3 s apart, not when attrs["frame_s"] says 1 s was analysed."""
    table = frame_table({1: [0, 3, 6, 15, 18]})
    times, _ = lines_by_class(plot_timeline(table).axes[0])["happy"]
    np.testing.assert_allclose(times, [0, 0.3, 0.6, np.nan, 1.5, 1.8])  # smallest step 0.3 s: 0.9 s is a gap
    table.attrs["frame_s"] = 1.0
    times, _ = lines_by_class(plot_timeline(table).axes[0])["happy"]
    np.testing.assert_allclose(times, [0, 0.3, 0.6, 1.5, 1.8])


def test_an_empty_table_says_no_faces_found() -> None:
    figure = plot_timeline(pd.DataFrame(columns=list(FRAME_COLUMNS)))
    assert len(figure.axes) == 1
    ax = figure.axes[0]
    assert [text.get_text() for text in ax.texts] == ["no faces found"]
    assert not ax.get_lines() and not ax.axison
    assert figure.get_suptitle() == ""


def test_suptitle_tells_of_hidden_tracks() -> None:
    assert plot_timeline(frame_table(), max_faces=2, title="talk.mp4").get_suptitle() == (
        "talk.mp4 (1 shorter face tracks not shown)")
    assert plot_timeline(frame_table(), max_faces=1).get_suptitle() == "(2 shorter face tracks not shown)"
    assert plot_timeline(frame_table(), max_faces=3, title="talk.mp4").get_suptitle() == "talk.mp4"
    assert plot_timeline(frame_table(), max_faces=3).get_suptitle() == ""


def test_saves_to_a_path_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "figures" / "timeline.png"  # the folder is created
    plot_timeline(frame_table(), path)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = tmp_path / "timeline.svg"
    plot_timeline(frame_table(), svg)
    assert b"<svg" in svg.read_bytes()[:1000]

    path.write_bytes(b"keep me")
    with pytest.raises(EmolibError, match="exists.*overwrite"):
        plot_timeline(frame_table(), path)
    assert path.read_bytes() == b"keep me"
    plot_timeline(frame_table(), path, overwrite=True)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_an_unknown_format_is_an_emolib_error(tmp_path: Path) -> None:
    with pytest.raises(EmolibError, match="could not write .*not supported"):
        plot_timeline(frame_table(), tmp_path / "timeline.nosuchformat")
