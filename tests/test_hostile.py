"""A hostile-input corpus, generated here (no committed binaries): for each case the expected outcome
(analysed, skipped with a reason, or a one-line error), no traceback, nothing overwritten, memory bounded.

Images and the API in-process; the command line through ``main`` (and one subprocess for what only a real
process shows: native libraries' own stderr lines). The batch cases are in ``test_hostile_batch.py``.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from emolib.cli import main
from emolib.errors import EmolibError
from emolib.media.images import check_pixel_budget, decode_image, read_header

# --------------------------------------------------------------------------- the corpus


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` RGB pixels (a decompression bomb's header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def motion_photo(jpeg: bytes) -> bytes:
    """A JPEG followed by an MP4-like trailer (Google/Samsung motion photos) holding the bytes FF DA."""
    rng = np.random.default_rng(1)
    trailer = b"\x00\x00\x00\x18ftypmp42" + rng.integers(0, 256, 4000, dtype=np.uint8).tobytes()
    trailer = trailer.replace(b"\xff\xd9", b"\xff\x00")  # no end-of-image marker after the scan marker
    return jpeg + trailer + b"\xff\xda\x00\x0c" + bytes(40)


@pytest.fixture(scope="module")
def face_jpeg(astronaut_bgr: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", astronaut_bgr)[1].tobytes()


@pytest.fixture(scope="module")
def analyzer():  # noqa: ANN201
    from emolib import Analyzer

    return Analyzer()


def _no_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any decode of pixels fails the test: the budget must refuse from the header alone."""
    import emolib.media.images as images

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(images.cv2, "imdecode", refuse)


# --------------------------------------------------------------------------- images: pixel budget


def test_a_bomb_header_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = png_declaring(30000, 30000)
    assert len(bomb) < 200 and read_header(bomb)[1:] == (30000, 30000)
    _no_decode(monkeypatch)
    with pytest.raises(EmolibError, match=r"30000x30000 pixels \(900 Mpx\), over the pixel budget of 100 Mpx"):
        decode_image(bomb, name="bomb.png")


def test_headers_over_opencvs_own_limit_are_one_error_even_without_a_budget() -> None:
    with pytest.raises(EmolibError, match="bomb.png"):  # OpenCV raises cv2.error over 1 Gpx
        decode_image(png_declaring(40000, 40000), name="bomb.png", max_pixels=None)
    with pytest.raises(EmolibError, match=r"60000x60000 pixels \(3600 Mpx\)"):  # past Pillow's own bomb check
        decode_image(png_declaring(60000, 60000), name="huge.png")


def test_large_jpegs_are_decoded_reduced_within_the_budget(astronaut_bgr: np.ndarray) -> None:
    big = cv2.resize(astronaut_bgr, (1200, 800))
    jpeg = cv2.imencode(".jpg", big)[1].tobytes()
    assert decode_image(jpeg).shape == (800, 1200, 3), "within the budget: full size"
    assert decode_image(jpeg, max_pixels=300_000).shape == (400, 600, 3), "1/2 fits 300k pixels"
    assert decode_image(jpeg, max_pixels=20_000).shape == (100, 150, 3), "1/8 is the least"
    with pytest.raises(EmolibError, match="over the pixel budget"):
        decode_image(jpeg, max_pixels=10_000)
    with pytest.raises(EmolibError, match="over the pixel budget"):  # PNG cannot be decoded reduced
        decode_image(cv2.imencode(".png", big)[1].tobytes(), max_pixels=300_000)


def test_pixel_budget_check_for_announced_frames() -> None:
    check_pixel_budget(640, 480)
    with pytest.raises(EmolibError, match="over the pixel budget of 1 Mpx"):
        check_pixel_budget(2000, 2000, 1_000_000, name="the frame")
    with pytest.raises(EmolibError, match="no pixels"):
        check_pixel_budget(0, 480)


# --------------------------------------------------------------------------- images: valid files read


def test_motion_photo_trailers_are_read(face_jpeg: bytes, astronaut_bgr: np.ndarray) -> None:
    photo = motion_photo(face_jpeg)
    assert photo.rfind(b"\xff\xd9") < photo.rfind(b"\xff\xda"), "the trailer fooled the old check"
    assert decode_image(photo).shape == astronaut_bgr.shape


@pytest.mark.parametrize("flags", [[], [cv2.IMWRITE_JPEG_PROGRESSIVE, 1], [cv2.IMWRITE_JPEG_RST_INTERVAL, 4]],
                         ids=["baseline", "progressive", "restart-markers"])
def test_jpeg_ends_are_found_in_every_layout(astronaut_bgr: np.ndarray, flags: list[int]) -> None:
    jpeg = cv2.imencode(".jpg", astronaut_bgr, flags)[1].tobytes()
    assert decode_image(jpeg + b"any trailer").shape == astronaut_bgr.shape
    for cut in (len(jpeg) // 3, len(jpeg) - 3):
        with pytest.raises(EmolibError, match="truncated JPEG"):
            decode_image(jpeg[:cut], name="cut.jpg")


def _pillow_bytes(image: object, fmt: str, **options: object) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)  # type: ignore[attr-defined]
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["exif-rotated", "cmyk", "16-bit", "rgba", "palette", "grey", "webp", "tiff"])
def test_valid_images_of_every_kind_are_read(astronaut_bgr: np.ndarray, kind: str) -> None:
    from PIL import Image

    rgb = Image.fromarray(cv2.cvtColor(astronaut_bgr, cv2.COLOR_BGR2RGB))
    if kind == "exif-rotated":  # a phone held upright: pixels stored sideways, EXIF says turn them
        exif = Image.Exif()
        exif[0x0112] = 6
        data = _pillow_bytes(rgb.crop((0, 0, 512, 300)), "JPEG", exif=exif.tobytes())
        assert decode_image(data).shape == (512, 300, 3)
        assert decode_image(data, max_pixels=40_000).shape == (256, 150, 3), "reduced and still turned"
        return
    data = {
        "cmyk": lambda: _pillow_bytes(rgb.convert("CMYK"), "JPEG"),
        "16-bit": lambda: cv2.imencode(".png", astronaut_bgr.astype(np.uint16) * 257)[1].tobytes(),
        "rgba": lambda: _pillow_bytes(rgb.convert("RGBA"), "PNG"),
        "palette": lambda: _pillow_bytes(rgb.convert("P"), "PNG"),
        "grey": lambda: _pillow_bytes(rgb.convert("L"), "PNG"),
        "webp": lambda: _pillow_bytes(rgb, "WEBP"),
        "tiff": lambda: _pillow_bytes(rgb, "TIFF"),
    }[kind]()
    image = decode_image(data, name=kind)
    assert image.shape == astronaut_bgr.shape and image.dtype == np.uint8


@pytest.mark.parametrize("shape", [(1, 500), (500, 1), (1, 1), (3, 900)])
def test_thin_images_are_skipped_with_a_reason(shape: tuple[int, int]) -> None:
    png = cv2.imencode(".png", np.full((*shape, 3), 128, np.uint8))[1].tobytes()
    with pytest.raises(EmolibError, match=f"{shape[1]}x{shape[0]} pixels, too small to analyse"):
        decode_image(png, name="strip.png")


def test_thin_strips_never_give_infinite_boxes(analyzer) -> None:  # noqa: ANN001
    from emolib.detect import clip_box

    assert clip_box((np.inf, 0, 10, 10), 100, 100) is None and clip_box((0, 0, np.nan, 10), 100, 100) is None
    rng = np.random.default_rng(0)
    for _ in range(30):  # YuNet returned infinite boxes on about 10% of such strips
        assert analyzer.analyze(rng.integers(0, 256, (7, 4000, 3), dtype=np.uint8)) == []


# --------------------------------------------------------------------------- the API's boundary


@pytest.mark.parametrize("frame", [
    "photo.jpg", np.zeros((64, 64), np.uint8), np.zeros((64, 64, 3), np.float32), np.zeros((0, 0, 3), np.uint8),
    np.zeros((64, 64, 4), np.uint8), [[1, 2, 3]], None,
], ids=["path", "grey", "float", "empty", "rgba", "list", "none"])
def test_analyze_refuses_malformed_frames_with_one_error(analyzer, frame: object) -> None:  # noqa: ANN001
    with pytest.raises(EmolibError, match=r"expected the image as a \(H, W, 3\) uint8 BGR array, got"):
        analyzer.analyze(frame)


def test_analyze_takes_views_that_are_not_contiguous(analyzer, astronaut_bgr: np.ndarray) -> None:  # noqa: ANN001
    flipped = astronaut_bgr[:, ::-1]
    assert [r.emotion for r in analyzer.analyze(flipped)] == ["happy"]


@pytest.mark.parametrize(("faces", "said"), [
    (np.full((1, 48, 48), 0.5, np.float32), "float32 (1, 48, 48); values look like 0-1"),
    (np.full((1, 48, 48), 300, np.uint16), "uint16 (1, 48, 48)"),
    (np.full((1, 48, 48), np.nan), "float64 (1, 48, 48) containing NaN"),
    (np.zeros((1, 64, 64), np.uint8), "uint8 (1, 64, 64)"),
])
def test_predict_takes_uint8_crops_or_says_what_it_got(analyzer, faces: np.ndarray, said: str) -> None:  # noqa: ANN001
    with pytest.raises(EmolibError) as caught:
        analyzer.classifier.predict(faces)
    assert said in str(caught.value)


def test_analyzer_options_are_checked() -> None:
    from emolib import Analyzer

    for options in ({"margin": float("nan")}, {"margin": -5}, {"min_face": 0}, {"detect_size": 3}):
        with pytest.raises(EmolibError, match=next(iter(options))):
            Analyzer(**options)


def test_a_tracker_given_a_new_file_starts_over() -> None:
    from emolib.tracking import Tracker

    tracker = Tracker(fps=30)
    for frame in range(50):
        tracker.update([(100, 100, 50, 50)], frame)
    (track,) = tracker.update([(300, 20, 40, 40)], 0)  # frame 0 again: another file
    assert track.id == 1 and tracker.faces_seen == 1 and len(tracker.tracks) == 1
    assert tracker.predict(1)[0].box[0] == pytest.approx(300, abs=5), "no box carried from the old file"
    with pytest.raises(EmolibError, match="finite"):
        tracker.update([(np.inf, 0, 10, 10)], 2)


# --------------------------------------------------------------------------- data files


def _fer_row(pixel: str) -> str:
    return f"emotion,pixels,Usage\n0,{' '.join([pixel] * 2304)},Training\n"


@pytest.mark.parametrize(("name", "content", "said"), [
    ("float.csv", _fer_row("1.5"), "row 1: pixel values must be integers 0-255 .*'1.5'"),
    ("words.csv", _fer_row("ab"), "row 1: pixel values must be integers .*'ab'"),
    ("negative.csv", _fer_row("-3"), "'-3'"),
    ("large.csv", _fer_row("300"), "'300'"),
    ("truncated.csv.gz", gzip.compress(_fer_row("7").encode() * 20)[:200], "not a readable FER2013 CSV"),
    ("garbage.csv.gz", b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4, "not a readable FER2013 CSV"),
])
def test_bad_fer_csvs_are_one_line(tmp_path: Path, name: str, content: str | bytes, said: str) -> None:
    from emolib.training.data import load_fer_csv

    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(EmolibError, match=said) as caught:
        load_fer_csv(path, cache=False)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("kind", ["random", "empty-zip"])
def test_damaged_keras_files_are_one_line(tmp_path: Path, kind: str) -> None:
    from emolib.loaders import load_classifier

    path = tmp_path / "model.keras"
    if kind == "random":
        path.write_bytes(np.random.default_rng(0).integers(0, 256, 2000, dtype=np.uint8).tobytes())
    else:
        zipfile.ZipFile(path, "w").close()
    with pytest.raises(EmolibError, match="model.keras: not a"):
        load_classifier(path)


@pytest.mark.slow
@pytest.mark.parametrize("config", ["[1, 2]", json.dumps({"class_name": "Os", "config": {}, "module": "os"})],
                         ids=["list", "unknown-class"])
def test_crafted_keras_configs_are_one_line(tmp_path: Path, config: str) -> None:
    """Keras itself parses these (TensorFlow loads: slow); whatever it raises becomes one line."""
    pytest.importorskip("keras")
    from emolib.loaders import load_classifier

    path = tmp_path / "crafted.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", config)
        archive.writestr("metadata.json", '{"keras_version": "3.0.0"}')
        archive.writestr("model.weights.h5", b"not weights")
    with pytest.raises(EmolibError, match="crafted.keras: not a loadable model"):
        load_classifier(path)


# --------------------------------------------------------------------------- the command line


def _error_lines(err: str, command: str = "image") -> list[str]:
    """stderr's lines; each must be one of emolib's, never a traceback."""
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert "Traceback" not in err, err
    assert all(line.startswith(f"emolib {command}: error: ") for line in lines), err
    return lines


@pytest.mark.parametrize(("argv", "said"), [
    (["image", "x.jpg", "--margin", "nan"], "--margin: must be a finite number, got nan"),
    (["image", "x.jpg", "--margin", "-5"], "--margin: must be between -0.5 and 4, got -5"),
    (["image", "x.jpg", "--max-pixels", "lots"], "--max-pixels: must be a pixel count"),
    (["video", "x.mp4", "--max-age-s", "nan"], "--max-age-s: must be a finite number"),
    (["video", "x.mp4", "--max-age-s", "inf"], "--max-age-s: must be a finite number"),
    (["video", "x.mp4", "--smoothing-s", "-1"], "--smoothing-s: must be 0 or more"),
    (["batch", "x", "--out", "o", "--iou-threshold", "2"], "--iou-threshold: must be between 0 and 1"),
    (["video", "x.mp4", "--detect-every", "0"], "--detect-every: must be 1 or more"),
    (["video", "x.mp4", "--detect-every", "2.5"], "--detect-every: must be a whole number"),
])
def test_numeric_options_are_checked_with_one_line(argv: list[str], said: str,
                                                   capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and said in err, err


@pytest.fixture
def hostile_folder(tmp_path: Path, face_jpeg: bytes, astronaut_bgr: np.ndarray) -> Path:
    """Every kind of image a phone-photo folder throws at emolib, good and bad, with colliding names."""
    folder = tmp_path / "photos"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    (folder / "p.jpg").write_bytes(face_jpeg)
    cv2.imwrite(str(folder / "p.png"), astronaut_bgr)
    (folder / "a" / "x.jpg").write_bytes(face_jpeg)
    (folder / "b" / "x.jpg").write_bytes(face_jpeg)
    (folder / "motion.jpg").write_bytes(motion_photo(face_jpeg))
    (folder / "bomb.png").write_bytes(png_declaring(30000, 30000))
    cv2.imwrite(str(folder / "strip.png"), np.full((1, 500, 3), 128, np.uint8))
    (folder / "cut.jpg").write_bytes(face_jpeg[: len(face_jpeg) // 2])
    (folder / "text.jpg").write_text("not an image")
    (folder / "empty.png").touch()
    (folder / ("long" * 61 + ".jpg")).write_bytes(face_jpeg)  # its output names are over 255 bytes
    return folder


GOOD = ("p_jpg", "p_png", "a/x", "b/x", "motion")
BAD = {"bomb.png": "over the pixel budget", "strip.png": "too small to analyse", "cut.jpg": "truncated JPEG",
       "text.jpg": "not a readable image", "empty.png": "empty (0 bytes)", "longlong": "File name too long"}


def test_a_folder_of_hostile_files_analyses_every_good_one(hostile_folder: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    assert main(["image", str(hostile_folder), "--out", str(out), "--json"]) == 1, "partial failure"
    captured = capsys.readouterr()
    reports = json.loads(captured.out)
    lines = _error_lines(captured.err)
    assert len(lines) == len(BAD) and all(any(name in line and reason in line for line in lines)
                                          for name, reason in BAD.items()), lines
    written = {str(p.relative_to(out / "photos").with_suffix("")) for p in out.rglob("*.json")}
    assert written == set(GOOD), "one JSON per good image, none for the bad ones, names unique"
    assert {Path(r["source"]).name for r in reports} == {"p.jpg", "p.png", "x.jpg", "motion.jpg"}
    assert all(len(r["faces"]) == 1 for r in reports)
    assert not [p for p in out.rglob("*") if ".emolib-tmp-" in p.name], "no temporary files left"


def test_colliding_stems_keep_their_results_apart_with_overwrite(hostile_folder: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    jpg, png = hostile_folder / "p.jpg", hostile_folder / "p.png"
    assert main(["image", str(jpg), str(png), "--out", str(out)]) == 0
    assert main(["image", str(jpg), str(png), "--out", str(out), "--overwrite"]) == 0
    sources = {json.loads((out / f"p_{ext}.json").read_text())["source"] for ext in ("jpg", "png")}
    assert sources == {str(jpg), str(png)}
    a, b = hostile_folder / "a" / "x.jpg", hostile_folder / "b" / "x.jpg"
    assert main(["image", str(a), str(b), "--out", str(out)]) == 0  # named directly: the folders tell them apart
    assert {json.loads(p.read_text())["source"] for p in out.glob("*/x.json")} == {str(a), str(b)}
    capsys.readouterr()


def test_an_existing_output_is_never_replaced_without_overwrite(hostile_folder: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    (out).mkdir()
    (out / "p_jpg.json").write_text("the user's own file")
    assert main(["image", str(hostile_folder / "p.jpg"), str(hostile_folder / "p.png"), "--out", str(out)]) == 1
    assert (out / "p_jpg.json").read_text() == "the user's own file"
    assert "p_jpg.json exists; pass --overwrite" in capsys.readouterr().err
    assert (out / "p_png.json").is_file(), "the other image still ran"


def test_a_full_disk_leaves_nothing_and_says_one_line(hostile_folder: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture) -> None:
    from emolib.media import atomic

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)
    out = tmp_path / "out"
    assert main(["image", str(hostile_folder / "p.jpg"), "--out", str(out)]) == 2
    (line,) = _error_lines(capsys.readouterr().err)
    assert line.endswith("p_annotated.jpg: No space left on device") or "No space left on device" in line
    assert [p for p in out.rglob("*") if p.is_file()] == [], "nothing at the final paths, no temporary files"


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir()
    if os.geteuid() != 0 or sys.platform != "linux":
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


def test_a_real_full_disk(hostile_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """On a 64 KB tmpfs (where the machine lets the tests mount one): the annotated copy does not fit."""
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "64k"):
        pytest.skip("cannot mount a tmpfs here (needs root on Linux); the mocked full disk covers it")
    try:
        (disk / "filler").write_bytes(b"x" * 40_000)
        code = main(["image", str(hostile_folder / "p.png"), "--out", str(disk / "out")])
        (line,) = _error_lines(capsys.readouterr().err)
        assert code == 2 and "No space left on device" in line
        assert sorted(p.name for p in disk.rglob("*") if p.is_file()) == ["filler"]
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_ctrl_c_is_one_line_and_exit_130(hostile_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture) -> None:
    import emolib.cli.image

    def interrupted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr(emolib.cli.image, "analyze_one", interrupted)
    assert main(["image", str(hostile_folder / "p.jpg"), "--out", str(tmp_path / "out")]) == 130
    assert capsys.readouterr().err.strip() == "emolib image: interrupted"


def test_noisy_native_libraries_are_quiet_in_a_real_process(tmp_path: Path, face_jpeg: bytes) -> None:
    """libpng's and libjpeg's own stderr lines (a PNG with a damaged ancillary chunk, a JPEG with corrupt
    entropy data) and OpenCV's are silenced: stderr holds emolib's lines only; ``--debug`` shows them."""
    folder = tmp_path / "noisy"
    folder.mkdir()
    png = cv2.imencode(".png", np.full((64, 64, 3), 90, np.uint8))[1].tobytes()
    bad_chunk = struct.pack(">I", 4) + b"tEXt" + b"a\x00bc" + b"\x00\x00\x00\x00"  # wrong CRC: libpng warns
    (folder / "crc.png").write_bytes(png[:33] + bad_chunk + png[33:])
    corrupt = bytearray(face_jpeg)
    start = corrupt.find(b"\xff\xda") + 400
    corrupt[start:start + 40] = bytes([0xFF, 0xD3] * 20)  # restart markers where none belong: libjpeg warns
    (folder / "corrupt.jpg").write_bytes(bytes(corrupt))
    command = [sys.executable, "-m", "emolib", "image", str(folder), "--out", str(tmp_path / "out"), "--json"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    quiet = subprocess.run(command, capture_output=True, text=True, env=env)
    assert quiet.returncode in (1, 2)
    _error_lines(quiet.stderr)
    loud = subprocess.run([*command[:3], "--debug", *command[3:], "--overwrite"], capture_output=True, text=True,
                          env=env)
    assert any(not line.startswith("emolib image:") for line in loud.stderr.splitlines()), loud.stderr


# --------------------------------------------------------------------------- globs and the widget


def test_globs_do_not_follow_symlink_loops(tmp_path: Path, face_jpeg: bytes) -> None:
    from emolib.media.inputs import collect_inputs

    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "sub" / "x.jpg").write_bytes(face_jpeg)
    (tmp_path / "d" / "sub" / "loop").symlink_to(tmp_path / "d")
    (tmp_path / "d" / "sub" / "self").symlink_to(".")
    found = collect_inputs(f"{tmp_path}/d/**/*.jpg")
    assert found == [((tmp_path / "d" / "sub" / "x.jpg").resolve(), "image")]
    assert collect_inputs(tmp_path / "d") == found, "the folder form agrees"


def test_image_widget_refuses_a_bomb_upload_with_a_message() -> None:
    pytest.importorskip("ipywidgets")
    from emolib.widgets.image import ImageWidget

    widget = ImageWidget()
    widget.analyze(png_declaring(30000, 30000))
    assert "over the pixel budget" in widget.message.value and widget.image is None
    widget._on_upload({"new": [{"name": "x.png"}]})  # noqa: SLF001 - what a malformed upload message calls
    assert "no file content" in widget.message.value


def test_webcam_frames_are_refused_from_the_header_and_malformed_ones_get_an_error_reply(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("anywidget")
    import emolib.media.images as images
    from emolib.widgets.webcam import WebcamWidget

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("a frame over the budget must not be decoded")

    widget = WebcamWidget(kernel_camera=None)
    monkeypatch.setattr(images.cv2, "imdecode", no_decoding)
    reply = widget.handle_frame({"type": "frame", "id": 1, "format": "jpeg"}, [png_declaring(30000, 30000)])
    assert "over the pixel budget" in reply["error"] and reply["faces"] == []
    monkeypatch.undo()
    for content, buffers in [({"format": "gray", "width": "wide", "height": 2}, [b"\0" * 4]),
                             ({"format": "gray", "width": 9000, "height": 9000}, [b"\0" * 81_000_000]),
                             ({"format": "jpeg"}, [b"not an image"]), ({"format": "jpeg"}, [])]:
        reply = widget.handle_frame({"type": "frame", "id": 2, **content}, buffers)
        assert reply["error"] and reply["faces"] == [], content
    for garbage in (["frame"], "frame", None, 3):
        assert "JSON object" in widget.handle_frame(garbage, [b"x"])["error"]  # type: ignore[arg-type]
        widget._on_msg(widget, garbage, [])  # type: ignore[arg-type]  # noqa: SLF001 - ignored, never raises
    widget.close()
