"""Media in and out: finding input files, reading images, reading and writing video files, cameras.

One home for every entry point's I/O (the CLI, the pipeline, batch runs and the widgets).
"""

from emolib.media.camera import FRAME_TIMEOUT_S, LatestFrameReader, open_camera
from emolib.media.images import check_bgr, decode_image, read_image
from emolib.media.inputs import IMAGE_SUFFIXES, VIDEO_SUFFIXES, collect_inputs, find_media, media_kind
from emolib.media.video_io import FALLBACK_FPS, WRITER_FOURCC, VideoFileWriter, VideoReader

__all__ = [
    "FALLBACK_FPS", "FRAME_TIMEOUT_S", "IMAGE_SUFFIXES", "VIDEO_SUFFIXES", "WRITER_FOURCC", "LatestFrameReader",
    "VideoFileWriter", "VideoReader", "check_bgr", "collect_inputs", "decode_image", "find_media", "media_kind",
    "open_camera", "read_image",
]
