"""The panel layout engine (emolib.layout) on generated crowds, at the frame's edge and in moving video."""

from __future__ import annotations

import numpy as np
import pytest

from emolib.draw import annotate, panel_boxes, plan_panels
from emolib.layout import Detail, PanelLayout, badge_rect, overlaps
from emolib.results import FaceResult

pytest.importorskip("skimage", reason="generated crowds use scikit-image's LFW faces")
from emolib.scenes import crowd  # noqa: E402


def results_for(boxes: list[tuple[int, int, int, int]], seed: int = 0, ids: bool = False) -> list[FaceResult]:
    rng = np.random.default_rng(seed)
    return [FaceResult(box, rng.dirichlet(np.ones(7)).astype(np.float32), 0.9, i if ids else None)
            for i, box in enumerate(boxes)]


def as_rect(xywh: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x, y, w, h = xywh
    return x, y, x + w, y + h


def assert_clean_layout(frame_shape: tuple[int, ...], results: list[FaceResult], layout: PanelLayout | None = None,
                        ) -> list[dict]:
    """No panel on a panel, no panel on any face, everything inside the frame; badges inside their own box."""
    height, width = frame_shape[:2]
    plan = plan_panels(frame_shape, results, layout=layout)
    faces = [as_rect(r.box) for r in results]
    panels = []
    for face, placed in zip(faces, plan, strict=True):
        rect = as_rect((placed["x"], placed["y"], placed["w"], placed["h"]))
        assert 0 <= rect[0] < rect[2] <= width and 0 <= rect[1] < rect[3] <= height, (placed, frame_shape)
        if placed["detail"] == "badge":
            clipped = (max(face[0], 0), max(face[1], 0), min(face[2], width), min(face[3], height))
            assert clipped[0] <= rect[0] and clipped[1] <= rect[1] and rect[2] <= clipped[2] and rect[3] <= clipped[3]
            continue
        panels.append(rect)
        covered = [f for f in faces if overlaps(rect, f)]
        assert not covered, f"{placed} covers faces {covered}"
    for i, a in enumerate(panels):
        for b in panels[i + 1:]:
            assert not overlaps(a, b), (a, b)
    return plan


@pytest.mark.parametrize("count", [2, 6, 12, 24, 48, 100])
@pytest.mark.parametrize("size", [(320, 240), (1280, 720), (3840, 2160)])
@pytest.mark.parametrize("touching", [False, True], ids=["spaced", "touching"])
def test_generated_crowds_never_overlap(count: int, size: tuple[int, int], touching: bool) -> None:
    image, boxes = crowd(count, size, seed=count, touching=touching)
    plan = assert_clean_layout(image.shape, results_for(boxes, count))
    if not touching and count <= 6 and size[0] >= 1280:
        assert all(p["detail"] != "badge" for p in plan), "a few faces in a large frame all get a panel"


def test_faces_at_the_edges_and_touching_each_other() -> None:
    width, height = 640, 480
    boxes = [(0, 0, 120, 130), (120, 0, 120, 130), (width - 110, 0, 110, 120), (0, height - 100, 100, 100),
             (width - 100, height - 100, 100, 100), (-40, 200, 100, 110), (width - 60, 220, 100, 100)]
    plan = assert_clean_layout((height, width, 3), results_for(boxes))
    assert any(p["detail"] != "badge" for p in plan)


def test_detail_degrades_per_face_not_for_the_whole_frame() -> None:
    """A packed group gets small panels while a face alone in open space keeps its full panel."""
    width, height = 1280, 720
    group = [(x, y, 70, 70) for x in range(20, 360, 72) for y in range(20, 700, 72)]
    alone = (900, 250, 140, 160)
    results = results_for([*group, alone])
    plan = assert_clean_layout((height, width, 3), results)
    assert plan[-1]["detail"] == "full" and plan[-1]["side"] in ("right", "left")
    assert {p["detail"] for p in plan[:-1]} <= {"tag", "badge", "compact"}
    assert sum(p["detail"] == "badge" for p in plan[:-1]) > 10


def test_the_full_panel_sits_right_of_a_single_face_and_annotate_draws_it_there() -> None:
    frame = np.full((480, 640, 3), 128, np.uint8)
    result = FaceResult((100, 120, 120, 140), np.eye(7, dtype=np.float32)[3], 0.9, 1)
    (placed,) = plan_panels(frame.shape, [result])
    assert placed["detail"] == "full" and placed["side"] == "right" and placed["leader"] is None
    assert placed["x"] > 220 and (placed["x"], placed["y"], placed["w"], placed["h"]) == \
        panel_boxes(frame.shape, [result])[0]
    drawn = annotate(frame, [result])
    x, y, w, h = panel_boxes(frame.shape, [result])[0]
    assert (drawn[y:y + h, x:x + w] != frame[y:y + h, x:x + w]).any()


def test_a_panel_that_must_go_further_gets_a_leader_line() -> None:
    # a face with neighbours close on all four sides; the corners between them are free
    width, height = 800, 600
    centre = (340, 250, 100, 100)
    ring = [(230, 250, 100, 100), (450, 250, 100, 100), (340, 140, 100, 100), (340, 360, 100, 100)]
    sizes = [{Detail.TAG: (80, 24), Detail.BADGE: (12, 12)}] * 5
    placements = PanelLayout().place((width, height), [centre, *ring], sizes)
    first = placements[0]
    assert first.detail == Detail.TAG and first.side == "apart" and first.leader is not None
    fx, fy, tx, ty = first.leader
    assert centre[0] <= fx < centre[0] + centre[2] and centre[1] <= fy < centre[1] + centre[3]
    x0, y0, x1, y1 = first.rect
    assert x0 <= tx < x1 and y0 <= ty < y1


def moving_faces(frames: int) -> list[list[tuple[int, int, int, int]]]:
    """Three faces side by side, jittering and drifting a few pixels a frame (a webcam with three students)."""
    rng = np.random.default_rng(3)
    out = []
    for i in range(frames):
        drift = int(40 * np.sin(i / 25))
        out.append([(80 + drift + int(rng.integers(-4, 5)), 150 + int(rng.integers(-4, 5)), 150, 170),
                    (330 + int(rng.integers(-4, 5)), 140 + drift // 2, 150, 170),
                    (590 - drift + int(rng.integers(-4, 5)), 160 + int(rng.integers(-4, 5)), 150, 170)])
    return out


def changes(layout_of_frame) -> int:
    previous: dict[int, tuple[str, str]] = {}
    count = 0
    for frame_boxes in moving_faces(200):
        results = results_for(frame_boxes, ids=True)
        plan = layout_of_frame(results)
        for result, placed in zip(results, plan, strict=True):
            state = (placed["side"], placed["detail"])
            if result.face_id in previous and previous[result.face_id] != state:
                count += 1
            previous[result.face_id] = state
    return count


def test_panels_keep_their_side_and_detail_while_faces_move_a_little() -> None:
    shape = (480, 900, 3)
    layout = PanelLayout()
    steady = changes(lambda results: assert_clean_layout(shape, results, layout))
    assert steady <= 6, f"{steady} changes of side or detail in 200 frames"


def test_a_face_moves_up_a_level_only_after_it_has_fitted_for_a_while() -> None:
    layout = PanelLayout(upgrade_after=5)
    big = {Detail.FULL: (200, 200), Detail.TAG: (80, 20), Detail.BADGE: (10, 10)}
    crowded = [(100, 100, 100, 100), (300, 100, 100, 100)]  # the neighbour leaves no room for 200 px
    alone = [(100, 100, 100, 100), (700, 100, 100, 100)]
    first = layout.place((800, 300), crowded, [big, big], [1, 2])
    assert first[0].detail == Detail.TAG
    levels = [layout.place((800, 300), alone, [big, big], [1, 2])[0].detail for _ in range(8)]
    assert levels[:4] == [Detail.TAG] * 4 and levels[-1] == Detail.FULL
    fresh = PanelLayout().place((800, 300), alone, [big, big], [1, 2])[0]
    assert fresh.detail == Detail.FULL, "a face seen for the first time gets what fits at once"


def test_badge_lies_on_the_box_edge_inside_the_box() -> None:
    assert badge_rect((10, 20, 60, 80), 16) == (10, 20, 26, 36)
    assert badge_rect((10, 20, 14, 80), 16) == (10, 20, 14, 24), "shrunk to a narrow box"


def test_mismatched_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="one each per face"):
        PanelLayout().place((100, 100), [(0, 0, 10, 10)], [])


def test_the_live_widget_sends_the_kernel_layout_with_each_reply() -> None:
    """The webcam widget's reply carries each face's panel, the same the drawing code would use."""
    pytest.importorskip("anywidget")
    from emolib.widgets.webcam import WebcamWidget

    widget = WebcamWidget(kernel_camera=None)
    side_by_side = [(150, 120, 150, 170), (330, 130, 150, 170)]  # two students, close together
    widget.tracker.process = lambda frame: results_for(side_by_side, ids=True)  # type: ignore[method-assign]
    frame = np.zeros((480, 640, 3), np.uint8)
    replies = [widget.analyze(frame) for _ in range(3)]
    panels = [face["panel"] for face in replies[-1]["faces"]]
    assert panels == plan_panels(frame.shape, results_for(side_by_side, ids=True), layout=PanelLayout())
    rects = [as_rect((p["x"], p["y"], p["w"], p["h"])) for p in panels]
    assert not overlaps(rects[0], rects[1])
    assert not any(overlaps(r, as_rect(box)) for r in rects for box in side_by_side)
    assert all(p["detail"] in ("full", "compact", "tag") and p["row"] >= 13 for p in panels)
    widget.close()
