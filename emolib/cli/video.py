"""``emolib video``: track and classify the faces of a video (or a folder of videos) frame by frame."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from emolib.cli.common import (
    add_analyzer_options,
    add_tracking_options,
    make_analyzer,
    output_folder,
    output_path,
    positive_int,
    tracking_options,
)
from emolib.errors import EmolibError
from emolib.labels import CLASSES

if TYPE_CHECKING:
    import pandas as pd

#: Most faces listed one per line in the printed summary (the CSV has them all).
SUMMARY_FACES = 12


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "video", help="analyse a video file or a folder of videos",
        description="Track faces through a video, classify their emotions (smoothed over time), and write an "
                    "annotated video, a per-frame CSV and a timeline plot. With a folder, --out is a folder that "
                    "receives NAME_annotated.mp4, NAME.csv and NAME_timeline.png for every video.",
    )
    parser.add_argument("input", type=Path, metavar="IN", help="video file, or folder of videos (searched recursively)")
    parser.add_argument("--out", type=Path, default=None,
                        help="annotated video: .mp4 (H.264, plays in browsers), .webm (VP9), .mov, .mkv, "
                             ".avi (MJPEG), with the source's sound; with a folder IN: output folder "
                             "(default: emolib_output)")
    parser.add_argument("--csv", type=Path, default=None, help="per-frame table: one row per face per frame")
    parser.add_argument("--plot", type=Path, default=None, help="timeline plot of every face's probabilities (.png)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    parser.add_argument("--no-audio", action="store_true", help="leave the source's sound out of the annotated video")
    parser.add_argument("--every", type=positive_int, default=1,
                        help="analyse every n-th frame (default: %(default)s)")
    add_tracking_options(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_analyzer_options(parser)
    parser.set_defaults(run=run)


def plan_outputs(args: argparse.Namespace) -> list[tuple[Path, Path | None, Path | None, Path | None]]:
    """(video, annotated out, csv, plot) for every video to analyse, checked against --overwrite."""
    from emolib.media import VIDEO_SUFFIXES, find_media, media_kind

    source: Path = args.input
    if not source.exists():
        raise EmolibError(f"no such file or folder: {source}")
    if source.is_dir():
        if args.csv or args.plot:
            raise EmolibError("with a folder, --csv and --plot are not used: --out names the output folder")
        videos = find_media(source, ["video"])
        if not videos:
            raise EmolibError(f"{source}: no videos in this folder ({', '.join(VIDEO_SUFFIXES)})")
        folder = output_folder(args.out or Path("emolib_output"))
        jobs: list[tuple[Path, Path | None, Path | None, Path | None]] = []
        for video in videos:
            stem = folder / video.relative_to(source).with_suffix("")
            jobs.append((video, stem.with_name(f"{stem.name}_annotated.mp4"), stem.with_name(f"{stem.name}.csv"),
                         stem.with_name(f"{stem.name}_timeline.png")))
    else:
        if media_kind(source) == "image":
            raise EmolibError(f"{source} is an image, not a video; analyse pictures with `emolib image`")
        from emolib.media.atomic import figure_path

        # the exact file matplotlib writes (NAME -> NAME.png) is the one checked for overwrites
        jobs = [(source, args.out, args.csv, figure_path(args.plot) if args.plot else None)]
    outputs = [path for job in jobs for path in job[1:] if path is not None]
    for path in outputs:
        if outputs.count(path) > 1:
            raise EmolibError(f"{path} would be written twice (two videos or options with the same name)")
        if path.resolve() in {job[0].resolve() for job in jobs}:
            raise EmolibError(f"{path} is an input video; choose another output name")
        output_path(path, args.overwrite)
    return jobs


def run(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        warnings.showwarning = _warning_line  # e.g. the OpenCV fallback without PyAV: one line, not two
        return _run(args)


def _warning_line(message: Warning | str, *_: object, **__: object) -> None:
    print(f"emolib video: warning: {message}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    from emolib.video import VideoReader, analyze_video, summarize

    jobs = plan_outputs(args)
    analyzer = None
    failures = 0
    for video, out, csv, plot in jobs:
        try:
            VideoReader(video).close()  # an unreadable file fails here, before the model loads
            analyzer = analyzer or make_analyzer(args)
            frames = analyze_video(
                video, analyzer, out=out, every=args.every, progress=not args.no_progress, overwrite=args.overwrite,
                audio=not args.no_audio, options=tracking_options(args),
            )
            if csv is not None:
                write_csv(frames, csv, overwrite=args.overwrite)
            if plot is not None:
                from emolib.timeline import plot_timeline  # matplotlib only when a plot is asked for

                plot_timeline(frames, plot, title=video.name, overwrite=args.overwrite)
        except EmolibError as err:
            if len(jobs) == 1:
                raise
            failures += 1
            print(f"emolib video: error: {err}", file=sys.stderr)
            continue
        print_summary(video, frames, summarize(frames), [p for p in (out, csv, plot) if p is not None])
        attrs = frames.attrs
        if attrs["truncated"]:
            failures += 1
            print(f"emolib video: error: {video}: stopped at frame {attrs['frames']} of {attrs['expected_frames']} "
                  "(file truncated or damaged); the frames before were analysed", file=sys.stderr)
    if failures:
        return 2 if failures == len(jobs) and len(jobs) > 1 else 1
    return 0


def write_csv(frames: pd.DataFrame, path: Path, *, overwrite: bool = False) -> None:
    """The per-frame table as CSV (probabilities to 4 decimals), written atomically: all of it or nothing."""
    from emolib.media.atomic import write_text

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise EmolibError(f"could not write {path}: {err.strerror or err}") from None
    write_text(path, frames.to_csv(index=False, float_format="%.4f"), overwrite=overwrite)


def print_summary(video: Path, frames: pd.DataFrame, summary: pd.DataFrame, written: list[Path]) -> None:
    """A few lines on stdout: frames, speed, and each face's time on screen and share per emotion."""
    attrs = frames.attrs
    seconds = attrs["frames"] / attrs["fps"]
    print(f"{video}: {attrs['frames']} frames ({seconds:.1f} s, {attrs['width']}x{attrs['height']} at "
          f"{attrs['fps']:.4g} fps) analysed at {attrs['processing_fps']:.0f} fps; {len(summary)} face(s) tracked")
    if attrs["unreadable_frames"]:
        print(f"  {attrs['unreadable_frames']} frame(s) could not be decoded and were skipped")
    longest = summary.sort_values("frames", ascending=False).head(SUMMARY_FACES).sort_values("face_id")
    for row in longest.itertuples(index=False):
        shares = sorted(((getattr(row, name), name) for name in CLASSES), reverse=True)
        text = ", ".join(f"{name} {share:.0%}" for share, name in shares[:3] if share > 0)
        print(f"  face #{row.face_id}: {row.seconds:.1f} s, mostly {row.dominant} ({text})")
    if len(summary) > SUMMARY_FACES:
        print(f"  ... and {len(summary) - SUMMARY_FACES} shorter face tracks (see the CSV)")
    for path in written:
        print(f"  wrote {path}")

