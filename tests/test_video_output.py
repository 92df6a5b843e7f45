"""Annotated video output: H.264 / VP9 through PyAV, the source's sound kept, frame count, size and timing of
the source (variable frame rates too), and failed writes that leave nothing behind."""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys
import warnings
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from emolib.cli import main
from emolib.errors import EmolibError
from emolib.media import VideoFileWriter, VideoReader
from emolib.media.encode import AvEncoder
from emolib.pipeline import Analyzer
from emolib.video import analyze_video

REPO = Path(__file__).resolve().parents[1]
TONE_HZ = 440.0


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def write_tone_clip(path: Path, face_bgr: np.ndarray, *, seconds: float = 2.0, fps: int = 30,
                    size: tuple[int, int] = (320, 240), audio_codec: str = "aac") -> Path:
    """A clip of the face drifting right with a 440 Hz mono tone (48 kHz) the whole way, written with PyAV."""
    width, height = size
    face = cv2.resize(face_bgr[20:300, 110:350], (140, 160), interpolation=cv2.INTER_AREA)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = out.add_stream(audio_codec, rate=48000)
        audio.layout = "mono"
        chunk = audio.codec_context.frame_size or 1024
        total = round(seconds * 48000)
        tone = 0.5 * np.sin(2 * np.pi * TONE_HZ * np.arange(total) / 48000)
        sample_format = audio.codec_context.format.name
        frames, samples = round(seconds * fps), 0
        for index in range(frames):
            canvas = np.full((height, width, 3), 90, np.uint8)
            x = 10 + round(150 * index / frames)
            canvas[40:200, x:x + 140] = face
            picture = av.VideoFrame.from_ndarray(canvas, format="bgr24")
            picture.pts = index
            out.mux(video.encode(picture))
            while samples < min(total, (index + 1) * 48000 // fps):
                part = tone[samples:samples + chunk][None, :]
                part = (part * 32767).astype(np.int16) if sample_format.startswith("s16") else part.astype(np.float32)
                sound = av.AudioFrame.from_ndarray(part, format=sample_format, layout="mono")
                sound.sample_rate, sound.pts = 48000, samples
                out.mux(audio.encode(sound))
                samples += part.shape[1]
        out.mux(video.encode(None))
        out.mux(audio.encode(None))
    return path


def write_vfr_clip(path: Path, face_bgr: np.ndarray, times: list[float], *, size: tuple[int, int] = (320, 240)) -> Path:
    """A variable-frame-rate H.264 clip: one frame of the face at each of ``times`` (seconds)."""
    width, height = size
    face = cv2.resize(face_bgr[20:300, 110:350], (140, 160), interpolation=cv2.INTER_AREA)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=30)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.time_base = Fraction(1, 1000)
        for index, time_s in enumerate(times):
            canvas = np.full((height, width, 3), 90, np.uint8)
            canvas[40:200, 20 + 5 * index:160 + 5 * index] = face
            picture = av.VideoFrame.from_ndarray(canvas, format="bgr24")
            picture.pts, picture.time_base = round(time_s * 1000), Fraction(1, 1000)
            out.mux(video.encode(picture))
        out.mux(video.encode(None))
    return path


def probe(path: Path) -> dict:
    """What is in a video file, decoded with PyAV: codecs, size, frames, frame times and the audio samples."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        info: dict = {"codec": video.codec_context.name, "pix_fmt": video.codec_context.pix_fmt,
                      "size": (video.codec_context.width, video.codec_context.height), "audio": None}
        times = [float(frame.time) for frame in container.decode(video)]
        info["frames"], info["times"] = len(times), times
    with av.open(str(path)) as container:
        if container.streams.audio:
            stream = container.streams.audio[0]
            pcm = [frame.to_ndarray().reshape(-1, frame.samples)[0] for frame in container.decode(stream)]
            info["audio"] = (stream.codec_context.name, stream.rate, np.concatenate(pcm).astype(np.float64))
    return info


def peak_hz(pcm: np.ndarray, rate: int) -> float:
    return float(np.argmax(np.abs(np.fft.rfft(pcm))) * rate / len(pcm))


def test_mp4_is_h264_yuv420p_faststart_with_the_source_frames(face_clip: Path, tmp_path: Path,
                                                              analyzer: Analyzer) -> None:
    out = tmp_path / "annotated.mp4"
    analyze_video(face_clip, analyzer, out=out, progress=False)
    info = probe(out)
    assert (info["codec"], info["pix_fmt"], info["size"], info["frames"]) == ("h264", "yuv420p", (320, 240), 60)
    assert info["times"][30] == pytest.approx(1.0, abs=1e-3)
    head = out.read_bytes()
    assert head.index(b"moov") < head.index(b"mdat"), "faststart: the index comes before the media data"
    assert not list(tmp_path.glob(".*partial*"))


def test_webm_is_vp9(face_clip: Path, tmp_path: Path, analyzer: Analyzer) -> None:
    out = tmp_path / "annotated.webm"
    analyze_video(face_clip, analyzer, out=out, progress=False)
    info = probe(out)
    assert (info["codec"], info["size"], info["frames"]) == ("vp9", (320, 240), 60)


@pytest.mark.parametrize(("audio_codec", "suffix", "expected"),
                         [("aac", ".mp4", "aac"), ("aac", ".webm", "opus"), ("libopus", ".mp4", "opus")])
def test_the_source_sound_is_kept(audio_codec: str, suffix: str, expected: str, astronaut_bgr: np.ndarray,
                                  tmp_path: Path, analyzer: Analyzer) -> None:
    clip = write_tone_clip(tmp_path / "tone.mp4", astronaut_bgr, audio_codec=audio_codec)
    out = tmp_path / f"annotated{suffix}"
    frames = analyze_video(clip, analyzer, out=out, progress=False)
    assert frames["face_id"].nunique() == 1
    info = probe(out)
    assert info["frames"] == 60 and info["size"] == (320, 240)
    name, rate, pcm = info["audio"]
    assert name == expected  # AAC is copied into MP4, re-encoded to Opus for WebM
    assert len(pcm) / rate == pytest.approx(2.0, abs=0.05)
    assert peak_hz(pcm, rate) == pytest.approx(TONE_HZ, abs=2)
    assert np.sqrt(np.mean(pcm[rate // 2:-rate // 2] ** 2)) > 0.2  # the tone, not silence
    analyze_video(clip, analyzer, out=out, progress=False, overwrite=True, audio=False)
    assert probe(out)["audio"] is None


def test_cli_keeps_the_sound(astronaut_bgr: np.ndarray, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    clip = write_tone_clip(tmp_path / "tone.mp4", astronaut_bgr)
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), "--out", str(out), "--no-progress"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert probe(out)["audio"][0] == "aac"
    assert main(["video", str(clip), "--out", str(out), "--no-progress", "--overwrite", "--no-audio"]) == 0
    assert probe(out)["audio"] is None


def test_variable_frame_rate_keeps_its_times(astronaut_bgr: np.ndarray, tmp_path: Path, analyzer: Analyzer) -> None:
    times = [0.0, 0.1, 0.2, 0.3, 0.4, 1.0, 1.1, 1.2, 1.5]
    clip = write_vfr_clip(tmp_path / "vfr.mp4", astronaut_bgr, times)
    with VideoReader(clip) as reader:
        assert [round(t, 3) for _, t, _ in reader.iter_timed()] == times
    out = tmp_path / "annotated.mp4"
    frames = analyze_video(clip, analyzer, out=out, progress=False, detect_every=1)
    assert frames["frame"].tolist() == list(range(len(times)))
    np.testing.assert_allclose(frames["time_s"], times, atol=1e-3)  # not index / average fps
    assert frames["face_id"].nunique() == 1
    np.testing.assert_allclose(probe(out)["times"], times, atol=1e-3)


def test_odd_sizes_are_padded_to_even(tmp_path: Path) -> None:
    with VideoFileWriter(tmp_path / "odd.mp4", 10, (161, 121)) as writer:
        for value in range(10):
            writer.write(np.full((121, 161, 3), value * 20, np.uint8))
    info = probe(tmp_path / "odd.mp4")
    assert info["size"] == (162, 122) and info["frames"] == 10


def test_failed_close_leaves_nothing_and_keeps_the_old_file(face_clip: Path, tmp_path: Path, analyzer: Analyzer,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.mp4"
    out.write_bytes(b"the previous result")

    def full_disk(self: AvEncoder) -> None:
        self.abort()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(AvEncoder, "close", full_disk)
    with pytest.raises(EmolibError, match=r"could not write .*out\.mp4: No space left on device"):
        analyze_video(face_clip, analyzer, out=out, progress=False, overwrite=True)
    assert out.read_bytes() == b"the previous result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


def test_cli_on_a_full_disk_is_one_line_and_writes_nothing(face_clip: Path, tmp_path: Path) -> None:
    """A real write failure: the process may write files of at most 8 KB (RLIMIT_FSIZE), the video needs more."""

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    out = tmp_path / "out.mp4"
    done = subprocess.run(
        [sys.executable, "-m", "emolib", "video", str(face_clip), "--out", str(out), "--no-progress"],
        capture_output=True, text=True, preexec_fn=small_files, timeout=120,  # noqa: PLW1509 - test only
        env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}, cwd=tmp_path,
    )
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("emolib video: error: could not write"), done.stderr
    assert "wrote" not in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_without_pyav_opencv_writes_mp4v_with_a_warning(face_clip: Path, tmp_path: Path, analyzer: Analyzer,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture) -> None:
    def no_encoder(*args: object, **kwargs: object) -> None:
        raise av.FFmpegError(0, "Encoder not found")

    monkeypatch.setattr(AvEncoder, "__init__", no_encoder)
    out = tmp_path / "out.mp4"
    with pytest.warns(RuntimeWarning, match="browsers do not play"):
        analyze_video(face_clip, analyzer, out=out, progress=False)
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 60
    assert int(capture.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little") in (b"mp4v", b"FMP4")  # MPEG-4 Part 2
    capture.release()
    with warnings.catch_warnings():
        warnings.simplefilter("default")  # the CLI prints it as one line of its own
        assert main(["video", str(face_clip), "--out", str(out), "--no-progress", "--overwrite"]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("emolib video: warning: PyAV could not start"), lines
