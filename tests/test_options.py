"""emolib.options.TrackingOptions: validation, overrides, and the CLI flags built from its fields."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from emolib.errors import EmolibError
from emolib.options import TrackingOptions


@pytest.mark.parametrize("bad", [{"detect_every": 0}, {"detect_size": 16}, {"smoothing": "median"},
                                 {"smoothing_s": -1.0}, {"max_age_s": float("inf")}, {"iou_threshold": 1.5},
                                 {"max_distance": -0.1}])
def test_bad_values_are_one_emolib_error(bad: dict) -> None:
    with pytest.raises(EmolibError, match=next(iter(bad))):
        TrackingOptions(**bad)


def test_build_applies_overrides_and_rejects_unknown_names() -> None:
    base = TrackingOptions(detect_every=2)
    assert TrackingOptions.build(base, max_distance=0.0) == TrackingOptions(detect_every=2, max_distance=0.0)
    assert TrackingOptions.build() == TrackingOptions()
    assert base.replace(detect_size=None).detect_size is None
    with pytest.raises(EmolibError, match="unknown tracking option.*detect_evry"):
        TrackingOptions.build(detect_evry=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.detect_every = 5  # type: ignore[misc]


def test_every_field_reaches_the_tracker() -> None:
    from emolib.video import VideoTracker

    options = TrackingOptions(detect_every=4, detect_size=256, smoothing="window", smoothing_s=0.5, max_age_s=2.0,
                              iou_threshold=0.4, max_distance=0.5)
    tracker = VideoTracker(analyzer=object(), fps=10, options=options)  # type: ignore[arg-type]
    inner = tracker.tracker
    assert (tracker.detect_every, tracker.detect_size) == (4, 256)
    assert (inner.smoothing, inner.smoothing_s, inner.max_age, inner.iou_threshold, inner.max_distance) == (
        "window", 0.5, 20, 0.4, 0.5)


def test_cli_flags_come_from_the_fields() -> None:
    from emolib.cli.common import add_tracking_options, tracking_options

    parser = argparse.ArgumentParser()
    add_tracking_options(parser, TrackingOptions(detect_every=2, detect_size=320))
    flags = {action.dest for action in parser._actions}
    assert {f"tracking_{name}" for name in TrackingOptions.names()} <= flags
    assert tracking_options(parser.parse_args([])) == TrackingOptions(detect_every=2, detect_size=320)
    parsed = tracking_options(parser.parse_args(["--max-distance", "0", "--iou-threshold", "0.5"]))
    assert parsed == TrackingOptions(detect_every=2, detect_size=320, max_distance=0.0, iou_threshold=0.5)
    assert "face sizes apart" in " ".join(parser.format_help().split())
    assert "--detect-every DETECT_EVERY" in parser.format_help()
