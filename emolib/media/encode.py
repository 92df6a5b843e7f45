"""Encoding video that browsers play, with PyAV: H.264 in MP4 (yuv420p, faststart), VP9 in WebM, and the
source's audio stream carried over (packets copied when the container takes its codec, else re-encoded).

Used through :class:`emolib.media.VideoFileWriter`, which adds the partial-file-then-rename safety, the
encoding thread and the OpenCV fallback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import cv2
import numpy as np

#: Container format and video codec per output suffix.
FORMATS: dict[str, tuple[str, str]] = {
    ".mp4": ("mp4", "h264"), ".m4v": ("mp4", "h264"), ".mov": ("mov", "h264"), ".mkv": ("matroska", "h264"),
    ".webm": ("webm", "vp9"),
}
#: FFmpeg encoder and its options per codec: fast presets, since the analysis, not the encoding, is the job.
ENCODERS: dict[str, tuple[str, dict[str, str]]] = {
    "h264": ("libx264", {"preset": "superfast", "crf": "23"}),
    "vp9": ("libvpx-vp9", {"deadline": "realtime", "cpu-used": "8", "row-mt": "1", "crf": "32", "b": "0"}),
}
#: Audio codecs each container takes as they are (the rest are re-encoded to AAC, or Opus for WebM).
COPY_AUDIO: dict[str, set[str] | None] = {
    "mp4": {"aac", "mp3", "opus", "flac", "alac", "ac3", "eac3"},
    "mov": {"aac", "mp3", "alac", "ac3", "pcm_s16le", "pcm_s24le", "pcm_f32le"},
    "matroska": None,  # Matroska takes any codec
    "webm": {"opus", "vorbis"},
}
#: Time base of the output video: fine enough for the presentation times of variable-frame-rate sources.
TIME_BASE = Fraction(1, 90000)


class AvEncoder:
    """Frames to a video file with PyAV; ``audio_from``: a file whose first audio stream goes along.

    ``size``: (width, height); odd sides are padded by one replicated pixel (4:2:0 needs even sides).
    Not thread-safe: one thread writes (:class:`~emolib.media.VideoFileWriter` gives it its own).
    """

    def __init__(self, path: str | os.PathLike, suffix: str, fps: float, size: tuple[int, int], *,
                 audio_from: str | os.PathLike | None = None) -> None:
        import av

        container_format, self.codec = FORMATS[suffix]
        options = {"movflags": "+faststart"} if container_format in ("mp4", "mov") else {}
        self._out: Any = av.open(str(path), "w", format=container_format, options=options)
        self._source: Any = None
        try:
            encoder, codec_options = ENCODERS[self.codec]
            self.size = (int(size[0]), int(size[1]))
            self._pad = (self.size[0] % 2, self.size[1] % 2)
            rate = Fraction(fps).limit_denominator(100000)
            stream: Any = self._out.add_stream(encoder, rate=rate, options=codec_options)
            stream.width, stream.height = self.size[0] + self._pad[0], self.size[1] + self._pad[1]
            stream.pix_fmt = "yuv420p"
            stream.codec_context.time_base = TIME_BASE
            self._video: Any = stream
            self._audio: Iterator[Any] | None = None
            self.audio_codec: str | None = None
            if audio_from is not None:
                self._open_audio(audio_from, container_format)
        except BaseException:
            self._out.close()
            raise
        self._last_pts = -1
        self._pending: Any = None

    def _open_audio(self, source: str | os.PathLike, container_format: str) -> None:
        import av

        try:
            self._source = av.open(str(source))
        except av.FFmpegError:
            return  # not a file FFmpeg reads: no audio to carry
        streams = self._source.streams.audio
        if not streams:
            self._source.close()
            self._source = None
            return
        audio = streams[0]
        copyable = COPY_AUDIO[container_format]
        name = audio.codec_context.name
        video = self._source.streams.video
        start = video[0].start_time if video and video[0].start_time is not None else 0
        offset = float(start * video[0].time_base) if video else 0.0
        if copyable is None or name in copyable:
            out = self._out.add_stream_from_template(audio)
            self._audio = _copied_packets(self._source, audio, out, offset)
        else:
            out = self._out.add_stream("libopus" if container_format == "webm" else "aac",
                                       rate=48000 if container_format == "webm" else audio.rate or 48000)
            self._audio = _reencoded_packets(self._source, audio, out)
        self.audio_codec = out.codec_context.name

    def write(self, frame_bgr: np.ndarray, time_s: float) -> None:
        """Encode a (height, width, 3) uint8 BGR frame shown at ``time_s`` seconds (kept strictly increasing)."""
        if any(self._pad):
            frame_bgr = cv2.copyMakeBorder(frame_bgr, 0, self._pad[1], 0, self._pad[0], cv2.BORDER_REPLICATE)
        import av

        yuv: Any = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2YUV_I420)  # (H * 3/2, W) uint8: BT.601, limited range
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        pts = max(round(time_s / TIME_BASE), self._last_pts + 1)
        frame.pts, frame.time_base = pts, TIME_BASE
        self._last_pts = pts
        self._out.mux(self._video.encode(frame))
        self._mux_audio(until_s=float(pts * TIME_BASE))

    def _mux_audio(self, until_s: float | None) -> None:
        """Mux source audio up to ``until_s`` seconds of output time (None: all of it), interleaved with video."""
        if self._audio is None:
            return
        while True:
            if self._pending is None:
                self._pending = next(self._audio, None)
                if self._pending is None:
                    self._audio = None
                    return
            packet = self._pending
            if until_s is not None and packet.pts is not None and packet.pts * packet.time_base > until_s:
                return
            self._out.mux(packet)
            self._pending = None

    def close(self) -> None:
        """Flush the encoder and the rest of the audio, and finish the file (errors raise)."""
        try:
            self._out.mux(self._video.encode(None))
            self._mux_audio(until_s=None)
        finally:
            self._close_files()

    def abort(self) -> None:
        """Stop without finishing; errors while closing are ignored (the file is deleted by the caller)."""
        try:
            self._close_files()
        except Exception:  # noqa: BLE001, S110 - the partial file is thrown away anyway
            pass

    def _close_files(self) -> None:
        try:
            if self._source is not None:
                self._source.close()
        finally:
            self._out.close()


def _copied_packets(source: Any, audio: Any, out: Any, offset_s: float) -> Iterator[Any]:
    """The audio stream's packets, moved to ``out`` and shifted ``offset_s`` earlier (the video's start)."""
    shift = round(offset_s / audio.time_base) if audio.time_base else 0
    for packet in source.demux(audio):
        if packet.size == 0 or packet.dts is None:
            continue
        packet.stream = out
        if shift:
            packet.dts -= shift
            if packet.pts is not None:
                packet.pts -= shift
        yield packet


def _reencoded_packets(source: Any, audio: Any, out: Any) -> Iterator[Any]:
    """The audio stream decoded and encoded with ``out``'s codec (for codecs the container does not take)."""
    import av

    resampler = av.AudioResampler(format=out.codec_context.format, layout=out.codec_context.layout,
                                  rate=out.codec_context.sample_rate)
    for packet in source.demux(audio):
        for frame in packet.decode():
            for resampled in resampler.resample(frame):
                yield from out.encode(resampled)
    for resampled in resampler.resample(None):
        yield from out.encode(resampled)
    yield from out.encode(None)
