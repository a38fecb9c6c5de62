"""The Scanner end to end on real photos (needs the MediaPipe models; photos from ../shared)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from gesture_scan import Gesture, ScanConfig, Scanner
from gesture_scan_devkit.handset import load_handset

pytestmark = pytest.mark.models
SAMPLES = Path(__file__).resolve().parents[1] / "samples"

REQUIRED_KEYS = {
    "path",
    "sha256",
    "frame",
    "width",
    "height",
    "error",
    "people",
    "hands",
    "objects",
    "findings",
    "flagged",
}
HAND_KEYS = {"box", "handedness", "fingers", "gesture", "direction", "score", "landmarks"}


@pytest.fixture(scope="module")
def heldout(hands_dir):
    return [p for p in load_handset(hands_dir) if p.heldout]


def test_record_shape_and_json(scanner, packaged):
    result = scanner.scan_image(packaged["zidane"])
    record = json.loads(json.dumps(result.to_dict()))
    assert set(record) >= REQUIRED_KEYS
    assert record["error"] is None and record["frame"] is None
    assert (record["width"], record["height"]) == (1280, 720)
    assert record["people"] >= 2 and record["group"] is True  # the two coaches, maybe the crowd
    hand = record["hands"][0]
    assert set(hand) >= HAND_KEYS
    assert len(hand["landmarks"]) == 21 and hand["handedness"] in ("Left", "Right")
    x1, y1, x2, y2 = hand["box"]
    assert 0 <= x1 < x2 <= 1280 and 0 <= y1 < y2 <= 720
    assert 0 < hand["score"] <= 1
    # Zidane points sideways at something: a raised index, but not the ballot sign "one".
    assert (hand["gesture"], hand["direction"]) == ("one", "side")
    assert not record["flagged"]


def test_path_bytes_and_array_agree(scanner, packaged):
    path = packaged["zidane"]
    a = scanner.scan_image(path)
    b = scanner.scan_image(path.read_bytes(), path="upload.jpg")
    c = scanner.scan_image(cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB))
    assert a.sha256 == b.sha256 and b.path == "upload.jpg"
    assert [h.reading.gesture for h in a.hands] == [h.reading.gesture for h in b.hands]
    assert [h.reading.count for h in a.hands] == [h.reading.count for h in c.hands] == [1]
    assert c.sha256 != a.sha256  # arrays are hashed as pixels, files as bytes


@pytest.mark.parametrize("source", ["sld", "epsrc", "hands"])
def test_heldout_finger_counts(scanner, heldout, source):
    """Most confident hand's count on 24 held-out photos per source (README: full figures)."""
    photos = [p for p in heldout if p.source == source and p.fingers is not None][:24]
    correct = 0
    for p in photos:
        hands = scanner.scan_image(p.path).hands
        correct += bool(hands) and max(hands, key=lambda h: h.score).reading.count == p.fingers
    assert correct / len(photos) >= 0.9


def test_bad_input_gives_error_record(scanner, tmp_path):
    bad = tmp_path / "x.jpg"
    bad.write_text("not an image")
    result = scanner.scan_image(bad)
    assert result.error and "not a readable image" in result.error
    assert result.sha256 is not None and not result.hands
    assert scanner.scan_image(b"\x00\x01").error


def test_large_photo_reports_original_pixels(packaged):
    """A 3x upscaled photo scanned at max_side 1280 gives landmarks ~3x those of the original."""
    rgb = cv2.cvtColor(cv2.imread(str(packaged["zidane"])), cv2.COLOR_BGR2RGB)
    big = cv2.resize(rgb, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    with Scanner(ScanConfig(max_side=1280)) as small_scan:
        small = small_scan.scan_image(rgb)
        large = small_scan.scan_image(big)
    assert (large.width, large.height) == (3840, 2160)
    assert large.scan_scale == pytest.approx(3)
    a = max(small.hands, key=lambda h: h.score).landmarks[:, :2]
    b = max(large.hands, key=lambda h: h.score).landmarks[:, :2]
    assert np.abs(b / 3 - a).mean() < 4  # pixels of the original photo
    np.testing.assert_allclose(large.faces.xyxy / 3, small.faces.xyxy, atol=8)


@pytest.fixture(scope="module")
def group_scene(hands_dir):
    """A rendered group photo with held-out real hands pasted beside real people (seeded)."""
    from gesture_scan_devkit.hand_scenes import (
        default_backgrounds,
        default_people,
        load_cutouts,
        make_scene,
    )

    photos = load_handset(hands_dir)
    cutouts = load_cutouts([p for p in photos if p.heldout and p.source == "sld"][:30])
    rng = np.random.default_rng(5)
    return make_scene(rng, cutouts, default_backgrounds(), "group", people=default_people())


def test_search_finds_small_hands_a_single_pass_misses(scanner, group_scene):
    from gesture_scan.config import HandOptions, SearchOptions
    from gesture_scan_devkit.hand_scenes import Predicted, score_scene

    scene = group_scene
    searched = scanner.scan_image(scene.image)
    with Scanner(ScanConfig(hands=HandOptions(search=SearchOptions(enabled=False)))) as plain:
        single = plain.scan_image(scene.image)

    def found(result):
        rows = score_scene(scene, [Predicted(h.box, h.reading.count) for h in result.hands])
        return sum(r["found"] for r in rows)

    assert searched.people >= 2 and searched.group
    assert found(searched) >= found(single) + 3


def test_fast_skips_tiles_where_faces_were_found_and_keeps_most_hands(scanner, group_scene):
    """``--fast`` on a group photo: fewer hand-detector calls, and the hands it finds are
    hands the default found (tiles with a face were searched by that person's squares)."""
    from gesture_scan_devkit.hand_scenes import Predicted, score_scene

    scene = group_scene
    default = scanner.scan_image(scene.image)
    with Scanner(ScanConfig().fast()) as fast_scanner:
        fast = fast_scanner.scan_image(scene.image)

    def found(result):
        rows = score_scene(scene, [Predicted(h.box, h.reading.count) for h in result.hands])
        return {i for i, r in enumerate(rows) if r["found"]}

    calls = default.meta["detector_calls"]["hand"], fast.meta["detector_calls"]["hand"]
    assert fast.group and fast.people == default.people
    assert calls[1] < calls[0], calls
    assert found(fast) <= found(default)
    assert len(found(fast)) >= 0.8 * len(found(default)) > 0


def test_results_do_not_depend_on_worker_count(scanner, packaged):
    files = [*packaged.values(), *sorted(SAMPLES.glob("rendered_*.jpg"))]
    one = [r.to_dict() for r in scanner.scan_paths(files, workers=1)]
    two = [r.to_dict() for r in scanner.scan_paths(files, workers=2)]
    for r in one + two:
        r.pop("meta", None)
    assert one == two
    assert [r["path"] for r in one] == [str(f) for f in files]


def test_record_says_where_the_time_went(scanner, packaged):
    meta = scanner.scan_image(packaged["bus"]).meta
    spent = meta["stage_seconds"]
    assert {"faces", "hands", "objects", "people", "rules"} <= set(spent)
    assert all(v >= 0 for v in spent.values())
    assert spent["hands"] > 0 and spent["faces"] > 0
    assert sum(spent.values()) <= meta["seconds"] + 0.002


def test_gesture_enum_values_are_the_documented_names():
    assert {g.value for g in Gesture} == {
        "fist",
        "one",
        "two_v",
        "three",
        "four",
        "open_palm",
        "thumbs_up",
        "thumbs_down",
        "ok",
        "metal",
        "call",
        "L",
        "finger_heart",
        "other",
    }


def test_group_scene_with_v_signs_is_flagged(scanner, hands_dir):
    """End to end: rendered group scenes with pasted real V-sign hands -> 'foto bersama'."""
    from gesture_scan_devkit.hand_scenes import (
        default_backgrounds,
        default_people,
        load_cutouts,
        make_scene,
    )

    photos = [p for p in load_handset(hands_dir) if p.heldout and p.file.startswith("sld_2_")]
    cutouts = load_cutouts(photos[:20])
    people, backgrounds = default_people(), default_backgrounds()
    for seed in (0, 2, 4):
        scene = make_scene(
            np.random.default_rng(seed),
            cutouts,
            backgrounds,
            "group",
            size=(1600, 1067),
            hand_px=(60, 80),
            n_hands=(4, 6),
            people=people,
        )
        result = scanner.scan_image(scene.image)
        assert result.flagged and result.severity == "high"
        group = [f for f in result.findings if f.rule == "group-candidate-sign"]
        assert any(f.details["number"] == 2 for f in group), seed
        for f in group:
            assert f.hands and all(result.hands[i].score >= 0.6 for i in f.hands)


def test_fists_are_not_read_as_signs(scanner, hands_dir):
    """Webcam photos labeled 0 fingers: the neutral pose civil servants are told to use. No finding
    may rest on a hand (a banner false positive in the room can still give a hand-free finding)."""
    paths = [p.path for p in load_handset(hands_dir) if p.fingers == 0][:12]
    for path in paths:
        result = scanner.scan_image(path)
        assert result.hands, path
        assert not [f.rule for f in result.findings if f.hands], path


def test_photos_without_signs_are_not_flagged(scanner, packaged):
    """Nobody poses in these: nothing may be flagged on a hand. The drawn campaign scenes may
    still carry a low text finding (rendered_campaign_1's baliho reads "02"), never more."""
    for path in packaged.values():
        result = scanner.scan_image(path)
        assert not result.flagged, (path, [f.rule for f in result.findings])
    for path in sorted(SAMPLES.glob("rendered_*.jpg")):
        result = scanner.scan_image(path)
        assert {f.rule for f in result.findings} <= {"candidate-text"}, path
        assert not any(f.hands for f in result.findings), path
        assert result.severity in (None, "low"), path


def test_campaign_material_is_detected_in_original_pixels(scanner):
    """The shipped YOLO weights find the banner of a rendered campaign scene; boxes are reported
    in the photo's own pixels even when it is scanned downscaled."""
    path = SAMPLES / "rendered_campaign_2.jpg"
    result = scanner.scan_image(path)
    banners = [o for o in result.objects.to_dicts() if o["label"] == "banner"]
    assert banners, result.objects.to_dicts()
    with Scanner(ScanConfig(max_side=512)) as small:
        scaled = small.scan_image(path)
    assert scaled.scan_scale > 2
    np.testing.assert_allclose(scaled.objects.xyxy[0], result.objects.xyxy[0], atol=40)


def test_palms_merged_before_landmarks_find_the_same_hands_for_fewer_runs(group_scene):
    """The search merges palms across overlapping regions, then runs the landmark model once per
    palm. It must find what landmarking every region's palms and merging the hands finds (the
    older, costlier order), with fewer landmark runs."""
    from gesture_scan.hands.search import plan_regions
    from gesture_scan.hands.stage import HandStage
    from gesture_scan.people.stage import FaceStage

    scene = group_scene
    with FaceStage() as faces, HandStage() as stage:
        seen = faces.run(scene.image).detections
        face_boxes = seen.xyxy
        runs = []
        original = stage.landmarks
        stage.landmarks = lambda *a: runs.append(1) or original(*a)  # type: ignore[method-assign]
        found = stage.run(scene.image, seen)
        merged = found.hands
        merged_runs = len(runs)
        h, w = scene.image.shape[:2]
        runs.clear()
        regions = plan_regions(w, h, face_boxes, stage.options.search)
        every = stage.finish([r for reg in regions for r in stage.run_region(scene.image, reg)])
    assert len(merged) >= 5
    assert found.calls == len(regions)  # one palm-detector run per planned region
    assert merged_runs < len(runs)  # 11 against 14 when written
    assert len(merged) == len(every)
    for a, b in zip(
        sorted(merged, key=lambda hd: tuple(hd.box)), sorted(every, key=lambda hd: tuple(hd.box))
    ):
        np.testing.assert_allclose(a.box, b.box, atol=2)
        assert a.reading.count == b.reading.count
