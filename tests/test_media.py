"""emolib.media: the one walker over inputs, image checks, and the threaded camera reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emolib.errors import EmolibError
from emolib.media import check_bgr, collect_inputs, find_media, media_kind


def test_collect_inputs_files_folders_globs(tmp_path: Path) -> None:
    (tmp_path / "a" / "deep").mkdir(parents=True)
    for name in ("a/one.mp4", "a/deep/two.MOV", "a/pic.jpg", "a/readme.txt", "a/.hidden.mp4", "b.png", "c.dat"):
        (tmp_path / name).write_bytes(b"x")
    found = collect_inputs([tmp_path / "a", str(tmp_path / "*.png"), tmp_path / "a" / "one.mp4", tmp_path / "c.dat"])
    names = {path.relative_to(tmp_path).as_posix(): kind for path, kind in found}
    assert names == {"a/deep/two.MOV": "video", "a/one.mp4": "video", "a/pic.jpg": "image", "b.png": "image",
                     "c.dat": "video"}, "folder recursive without hidden/non-media, glob, explicit file, no duplicates"
    assert all(path.is_absolute() for path, _ in found)
    with pytest.raises(EmolibError, match="no such file"):
        collect_inputs([tmp_path / "missing.mp4"])
    with pytest.raises(EmolibError, match="matches no videos"):
        collect_inputs([str(tmp_path / "*.mkv")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmolibError, match="no videos or images"):
        collect_inputs([tmp_path / "empty"])



def test_one_hidden_file_rule_for_every_entry_point(tmp_path: Path) -> None:
    from emolib.cli.image import collect_images
    from emolib.widgets.video import find_videos

    for name in ("v/a.mp4", "v/.b.mp4", "v/.cache/c.mp4", "v/d.png", "v/.e.png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in find_media(tmp_path / "v")] == ["a.mp4", "d.png"]
    assert [p.name for p in find_media(tmp_path / "v", ["video"])] == ["a.mp4"]
    assert [Path(p).name for p in find_videos(tmp_path / "v")] == ["a.mp4"]
    assert [source.name for source, _ in collect_images([tmp_path / "v"])] == ["d.png"]
    assert [p.name for p, _ in collect_inputs(tmp_path / "v")] == ["a.mp4", "d.png"]
    assert media_kind("X.JPEG") == "image" and media_kind("clip.MKV") == "video" and media_kind("a.txt") is None


@pytest.mark.parametrize("bad", [None, "photo.jpg", np.zeros((4, 4), np.uint8), np.zeros((4, 4, 3), np.float32),
                                 np.zeros((0, 4, 3), np.uint8)])
def test_check_bgr_is_one_emolib_error(bad: object) -> None:
    with pytest.raises(EmolibError, match="expected the image"):
        check_bgr(bad)
    with pytest.raises(ValueError):  # EmolibError is a ValueError
        check_bgr(bad)


def test_every_entry_point_rejects_a_bad_image_the_same_way() -> None:
    from emolib import Analyzer, annotate
    from emolib.detect import crop_faces

    analyzer = Analyzer()
    for call in (lambda: analyzer.analyze("photo.jpg"), lambda: analyzer.detect(None),  # type: ignore[arg-type]
                 lambda: analyzer.classify_boxes(np.zeros((9, 9)), [(0, 0, 4, 4)]),
                 lambda: crop_faces(np.zeros((9, 9), np.uint8), [(0, 0, 4, 4)]),
                 lambda: annotate(np.zeros((9, 9, 4), np.uint8), [])):
        with pytest.raises(EmolibError, match="expected the image"):
            call()
