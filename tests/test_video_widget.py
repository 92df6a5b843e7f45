"""The video widget plays the annotated file (H.264 with the source's sound) in a <video> element."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

widgets = pytest.importorskip("ipywidgets", reason="the lab extra is not installed")

from emolib.widgets import VideoWidget  # noqa: E402
from tests.test_video_output import probe, write_tone_clip  # noqa: E402


def test_video_widget_shows_the_annotated_video_with_its_sound(astronaut_bgr: np.ndarray, tmp_path: Path) -> None:
    clip = write_tone_clip(tmp_path / "talk.mp4", astronaut_bgr, seconds=1.0)
    widget = VideoWidget(clip, folder=tmp_path)
    assert widget.player.layout.display == "none"  # nothing to play before the analysis
    table = widget.analyze()
    assert table["face_id"].nunique() == 1
    annotated = widget.annotated
    assert annotated is not None and annotated.parent != tmp_path  # a scratch folder, not beside the source
    assert isinstance(widget.player, widgets.Video) and widget.player.format == "mp4" and widget.player.controls
    assert bytes(widget.player.value) == annotated.read_bytes() and bytes(widget.player.value)[4:8] == b"ftyp"
    assert widget.player.layout.display is None and widget.player in widget.children
    info = probe(annotated)
    assert (info["codec"], info["frames"], info["size"]) == ("h264", 30, (320, 240))
    assert info["audio"] is not None and info["audio"][0] == "aac"
    widget.close()
    assert not annotated.exists()


def test_video_widget_writes_where_asked(face_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "kept.webm"
    widget = VideoWidget(face_clip, folder=tmp_path, out=out)
    widget.analyze()
    assert widget.annotated == out and widget.player.format == "webm"
    widget.close()
    assert probe(out)["codec"] == "vp9"
