"""Region planning, merging and box arrays: pure geometry, no models."""

from __future__ import annotations

import numpy as np
import pytest

from gesture_scan.config import FaceOptions, SearchOptions
from gesture_scan.detections import Detections, box_ioa, box_iou, nms
from gesture_scan.errors import ConfigError
from gesture_scan.hands.search import (
    full_region,
    merge_duplicates,
    person_regions,
    plan_regions,
    tile_regions,
)
from gesture_scan.people.stage import face_regions, merge_faces


def test_detections_filter_with_boolean_masks():
    d = Detections(
        np.array([[0, 0, 10, 10], [5, 5, 20, 20], [100, 100, 110, 130]]),
        np.array([0.9, 0.2, 0.6]),
        np.array([0, 1, 0]),
        ("banner", "flag"),
    )
    kept = d[d.confidence > 0.5]
    assert len(kept) == 2
    assert kept.labels == ["banner", "banner"]
    assert kept.area.tolist() == [100.0, 300.0]
    assert d.scaled(2.0).xyxy[2].tolist() == [200, 200, 220, 260]
    assert d.to_dicts()[1] == {"label": "flag", "box": [5.0, 5.0, 20.0, 20.0], "score": 0.2}


def test_detections_reject_unknown_class():
    with pytest.raises(ValueError):
        Detections(np.zeros((1, 4)), np.ones(1), np.array([3]), ("banner",))


@pytest.mark.parametrize(
    ("a", "b", "iou", "ioa"),
    [
        ([0, 0, 10, 10], [0, 0, 10, 10], 1.0, 1.0),
        ([0, 0, 10, 10], [5, 0, 15, 10], 50 / 150, 0.5),
        ([0, 0, 10, 10], [20, 20, 30, 30], 0.0, 0.0),
        ([2, 2, 4, 4], [0, 0, 10, 10], 4 / 100, 1.0),
    ],
)
def test_iou_and_ioa(a, b, iou, ioa):
    assert box_iou(a, b)[0, 0] == pytest.approx(iou)
    assert box_ioa(a, b)[0, 0] == pytest.approx(ioa)


def test_nms_keeps_best_of_overlaps():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]])
    assert nms(boxes, np.array([0.5, 0.9, 0.7]), 0.5).tolist() == [1, 2]


def test_full_region_pads_small_images_more():
    small, large = full_region(100, 100), full_region(2000, 1000)
    assert small.x0 == -50 and small.out_side == 512
    assert large.x0 == pytest.approx(-300) and large.out_side == 320


def test_tiles_cover_the_image_with_overlap():
    opts = SearchOptions()
    tiles = tile_regions(2400, 1600, opts)
    assert tiles
    xs = sorted({t.x0 for t in tiles})
    assert xs[0] == 0 and max(t.x1 for t in tiles) == pytest.approx(2400)
    assert max(t.y1 for t in tiles) == pytest.approx(1600)
    assert all(t.width == pytest.approx(800) and t.height == pytest.approx(800) for t in tiles)
    assert xs[1] - xs[0] < 800  # neighbours overlap
    assert tile_regions(500, 400, opts) == []  # small photos need no tiles


def test_person_squares_sit_beside_each_face():
    opts = SearchOptions()
    regions = person_regions(np.array([[1000, 500, 1040, 540]]), 3000, 2000, opts)
    assert len(regions) == 2
    left, right = sorted(regions, key=lambda r: r.x0)
    assert left.width == pytest.approx(opts.person_square * 40)
    assert left.x0 < 1000 and right.x1 > 1040  # both sides of the face
    assert left.x1 > 1020 > right.x0  # and they overlap over it


def test_person_squares_of_one_face_seen_twice_are_not_repeated():
    faces = np.array([[1000, 500, 1040, 540], [1002, 501, 1041, 541]])
    assert len(person_regions(faces, 3000, 2000, SearchOptions())) == 2


def test_plan_respects_switches_and_cap():
    faces = np.array([[100.0 * i, 500, 100.0 * i + 40, 540] for i in range(20)])
    assert len(plan_regions(3000, 2000, faces, SearchOptions(enabled=False))) == 1
    capped = plan_regions(3000, 2000, faces, SearchOptions(max_regions=5))
    assert len(capped) == 6 and capped[0].kind == "full"
    no_people = plan_regions(3000, 2000, faces, SearchOptions(people=False))
    assert {r.kind for r in no_people} == {"full", "tile"}


def test_tiles_holding_a_found_face_are_skipped_only_when_asked():
    face = np.array([[100.0, 100, 140, 140]])  # centre (120, 120): in the top-left tile only
    everywhere = plan_regions(3000, 2000, face, SearchOptions())
    gated = plan_regions(3000, 2000, face, SearchOptions(skip_tiles_with_faces=True))
    tiles = [r for r in everywhere if r.kind == "tile"]
    kept = [r for r in gated if r.kind == "tile"]
    assert len(kept) == len(tiles) - 1
    assert all(not (r.x0 <= 120 < r.x1 and r.y0 <= 120 < r.y1) for r in kept)
    assert [r for r in gated if r.kind != "tile"] == [r for r in everywhere if r.kind != "tile"]
    # without person squares nothing else searched around the face: every tile stays
    no_people = SearchOptions(skip_tiles_with_faces=True, people=False)
    assert [r for r in plan_regions(3000, 2000, face, no_people) if r.kind == "tile"] == tiles
    # no face found anywhere: the blind search runs in full
    no_faces = plan_regions(3000, 2000, np.zeros((0, 4)), SearchOptions(skip_tiles_with_faces=True))
    assert [r for r in no_faces if r.kind == "tile"] == tiles


def test_merge_duplicates_keeps_best_and_drops_contained():
    boxes = np.array([[0, 0, 50, 50], [2, 2, 52, 52], [10, 10, 30, 30], [200, 200, 240, 240]])
    keep = merge_duplicates(boxes, np.array([0.6, 0.9, 0.8, 0.5]), 0.3)
    assert sorted(keep.tolist()) == [1, 3]


def test_face_tiles_and_merge():
    regions = face_regions(2400, 1600, FaceOptions())
    assert regions[0].kind == "full" and len(regions) > 1
    dets = Detections(
        np.array([[100, 100, 140, 140], [100, 100, 140, 125], [400, 400, 440, 440]]),
        np.array([0.9, 0.95, 0.7]),
        np.zeros(3, dtype=np.int64),
        ("face",),
    )
    merged = merge_faces(dets, 0.3)
    assert len(merged) == 2  # the half face cut by a tile edge is a duplicate


@pytest.mark.parametrize(
    ("cls", "field", "value"),
    [
        (SearchOptions, "tile_overlap", 0.9),
        (SearchOptions, "person_square", 0.0),
        (SearchOptions, "skip_tiles_with_faces", "false"),  # a YAML string is not a flag
        (FaceOptions, "min_confidence", 1.5),
        (FaceOptions, "tile_side", 10),
    ],
)
def test_options_validate_with_field_name(cls, field, value):
    with pytest.raises(ConfigError, match=field):
        cls(**{field: value})


@pytest.mark.parametrize(
    ("read_text", "after"),
    [("auto", "banners"), ("all", "banners"), ("banners", "banners"), ("off", "off")],
)
def test_fast_config_gates_tiles_and_whole_photo_text(read_text, after):
    from gesture_scan.config import ScanConfig

    base = ScanConfig(read_text=read_text, max_side=2000)
    fast = base.fast()
    assert fast.hands.search.skip_tiles_with_faces and fast.hands.search.tiles
    assert fast.read_text == after
    assert (
        fast.max_side == 2000 and fast.hands.search.person_square == base.hands.search.person_square
    )
    assert not base.hands.search.skip_tiles_with_faces  # the original is unchanged
