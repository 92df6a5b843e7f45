"""Video speed of emolib on this machine, and against the ``fer`` package on the same frames.

    PYTHONPATH=. python benchmarks/bench_video.py [--frames 300] [--fer-frames 60]

Measures, on 640x480 frames with one moving face (scikit-image's astronaut photo):

1. the live per-frame pipeline: detect (downscaled, every k frames), classify (one batched call),
   track and annotate -- what ``emolib webcam`` and the notebook widget run per frame;
2. the same with the detector on every full-size frame (no tracking shortcuts), for reference;
3. video file analysis, ``analyze_video`` with decoding, annotation and H.264 encoding (its defaults);
4. ``fer``'s ``FER().detect_emotions`` (Haar cascade + its TFLite model) on the same frames, if installed
   (``pip install --no-deps fer``; it needs TensorFlow), else skipped with a note. It is imported after
   emolib has loaded and warmed up; emolib's code never touches TensorFlow.

Each figure is the best of ``--repeats`` passes, the passes of all runs alternating so that a change in
the machine's load (it may be shared) hits every side alike. Goals: live >= 100 fps,
file >= 60 fps, >= 5x fer; annotate one face <= 5 ms and the tracker <= 5 ms per frame with 5 faces.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np


def make_frames(count: int, *, size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """(H, W, 3) uint8 BGR frames: the astronaut photo drifting slowly on a grey background."""
    from skimage import data

    width, height = size
    photo = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (440, 440), interpolation=cv2.INTER_AREA)
    frames = []
    for index in range(count):
        phase = 2 * np.pi * index / 150
        x, y = round(100 + 60 * np.sin(phase)), round(20 + 10 * np.cos(phase))
        canvas = np.full((height, width, 3), 96, np.uint8)
        canvas[y:y + 440, x:x + 440] = photo[: height - y, : width - x]
        frames.append(canvas)
    return frames


def best_fps(runs: dict[str, Callable[[], tuple[int, int]]], repeats: int) -> dict[str, tuple[float, int]]:
    """Per name: (frames per second of the fastest pass, faces found in it).

    Each ``run`` returns (frames done, faces found). Passes of the different runs alternate, so a change in
    the machine's load hits them all alike.
    """
    best: dict[str, tuple[float, int]] = {name: (0.0, 0) for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            frames, faces = run()
            fps = frames / (time.perf_counter() - start)
            if fps > best[name][0]:
                best[name] = (fps, faces)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300, help="frames per pass (default: %(default)s)")
    parser.add_argument("--fer-frames", type=int, default=60, help="frames for fer (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=5, help="passes per measurement; the best counts")
    parser.add_argument("--detect-every", type=int, default=2, help="live pipeline: detector every n-th frame")
    parser.add_argument("--detect-size", type=int, default=320, help="live pipeline: detector input size")
    args = parser.parse_args()

    from emolib.detect import crop_faces
    from emolib.draw import annotate
    from emolib.pipeline import Analyzer
    from emolib.video import VideoTracker, analyze_video

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
          f"load average {os.getloadavg()[0]:.1f} (other work on the machine slows every figure)")
    frames = make_frames(args.frames)
    analyzer = Analyzer()

    def live() -> tuple[int, int]:
        tracker = VideoTracker(analyzer, fps=30, detect_every=args.detect_every, detect_size=args.detect_size)
        faces = 0
        for index, frame in enumerate(frames):
            found = tracker.process(frame, frame_index=index)
            annotate(frame, found)
            faces += len(found)
        return len(frames), faces

    def full() -> tuple[int, int]:
        faces = 0
        for frame in frames:
            found = analyzer.analyze(frame)
            annotate(frame, found)
            faces += len(found)
        return len(frames), faces

    live()  # warm up: model load, caches
    fer_run = load_fer(frames[: args.fer_frames])  # after emolib's warm-up; None when not importable
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), 30, (640, 480))
        for frame in frames:
            writer.write(frame)
        writer.release()

        def file_with_video() -> tuple[int, int]:
            table = analyze_video(clip, analyzer, out=Path(tmp) / "out.mp4", overwrite=True, progress=False)
            return table.attrs["frames"], len(table)

        def file_table_only() -> tuple[int, int]:
            table = analyze_video(clip, analyzer, progress=False)
            return table.attrs["frames"], len(table)

        runs = {"live": live, "full": full, "file": file_with_video, "table": file_table_only}
        if fer_run is not None:
            runs["fer"] = fer_run
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fer's TensorFlow deprecation notices
            best = best_fps(runs, args.repeats)
    fps = {name: value for name, (value, _) in best.items()}
    print(f"live pipeline, 640x480, detect every {args.detect_every} at {args.detect_size} px, classify, track, "
          f"annotate: {fps['live']:7.1f} fps  ({best['live'][1] / len(frames):.2f} faces/frame; goal >= 100)")
    print(f"detector on every full frame + classify + annotate:           {fps['full']:7.1f} fps  "
          f"({best['full'][1] / len(frames):.2f} faces/frame)")
    print(f"video file: decode, analyse, annotate, encode 640x480 H.264:  {fps['file']:7.1f} fps  "
          f"({best['file'][1]} face rows / {len(frames)} frames; goal >= 60)")
    print(f"video file, per-frame table only (no output video):          {fps['table']:7.1f} fps")
    if fer_run is not None:
        print(f"fer FER().detect_emotions (Haar + TFLite), 640x480:           {fps['fer']:7.1f} fps  "
              f"({best['fer'][1] / args.fer_frames:.2f} faces/frame)")
        print(f"ratio vs fer: live pipeline {fps['live'] / fps['fer']:.1f}x (goal >= 5x), "
              f"detector on every frame {fps['full'] / fps['fer']:.1f}x, "
              f"video file with output {fps['file'] / fps['fer']:.1f}x")

    # Per-stage cost, for the record.
    frame = frames[0]
    small = cv2.resize(frame, (args.detect_size, round(args.detect_size * 3 / 4)), interpolation=cv2.INTER_AREA)
    (face,) = analyzer.analyze(frame)[:1]
    stages = {
        f"detect at {args.detect_size} px": lambda: analyzer.detector.detect(small),
        "detect at 640 px": lambda: analyzer.detector.detect(frame),
        "crop + classify one face": lambda: analyzer.classifier.predict(crop_faces(frame, [face.box],
                                                                                 landmarks=[face.landmarks])),
        "annotate": lambda: annotate(frame, [face]),
    }
    timings = []
    for name, stage in stages.items():
        start = time.perf_counter()
        for _ in range(50):
            stage()
        timings.append(f"{name} {(time.perf_counter() - start) / 50 * 1000:.2f} ms")
    print("  per stage: " + "; ".join(timings))

    # Goals once asserted by wall clock in the tests (tests/test_draw.py, tests/test_tracking.py): measured
    # here, each against a baseline from this same run, so a busy machine shows up in both figures.
    annotate_s = median_seconds(lambda: annotate(frame, [face]), 30)
    live_frame_s = 1 / fps["live"]
    tracker_s = tracker_seconds_per_frame(faces=5, frames=300)
    detect_s = median_seconds(lambda: analyzer.detector.detect(small), 30)
    print(f"goal: annotate one face at 640x480 <= 5 ms: {'met' if annotate_s <= 5e-3 else 'NOT met'} "
          f"({annotate_s * 1e3:.2f} ms, {annotate_s / live_frame_s:.0%} of a live-pipeline frame)")
    print(f"goal: tracker with 5 faces <= 5 ms per frame: {'met' if tracker_s <= 5e-3 else 'NOT met'} "
          f"({tracker_s * 1e3:.3f} ms; the detector at {args.detect_size} px it stands in for costs "
          f"{detect_s / tracker_s:.0f}x as much)")


def median_seconds(call: Callable[[], object], repeats: int) -> float:
    """Median seconds per ``call()`` over ``repeats`` timed calls, after one untimed warm-up call."""
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def tracker_seconds_per_frame(*, faces: int, frames: int) -> float:
    """Seconds per frame of :class:`~emolib.tracking.Tracker` following ``faces`` drifting boxes, smoothing each."""
    from emolib.tracking import Tracker

    tracker = Tracker(fps=30)
    boxes = [(60 * i, 50, 50, 50) for i in range(faces)]
    uniform = np.full(7, 1 / 7, np.float32)
    start = time.perf_counter()
    for frame in range(frames):
        for track in tracker.update([(x + frame, y, w, h) for x, y, w, h in boxes], frame):
            track.smooth(uniform, frame / 30)
    return (time.perf_counter() - start) / frames


def load_fer(frames: list[np.ndarray]) -> Callable[[], tuple[int, int]] | None:
    """A run of ``FER().detect_emotions`` over ``frames`` (warmed up), or None with a printed note."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            from fer.fer import FER

            detector = FER()
            detector.detect_emotions(frames[0])
    except Exception as err:  # noqa: BLE001 - any import problem means: skip this side
        print(f"fer: skipped, not importable ({type(err).__name__}: {err}); pip install --no-deps fer")
        return None

    def run() -> tuple[int, int]:
        faces = 0
        for frame in frames:
            faces += len(detector.detect_emotions(frame))
        return len(frames), faces

    return run

if __name__ == "__main__":
    main()
