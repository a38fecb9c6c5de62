"""MediaPipe Pose under each face (people/pose.py) and its use in hand -> person linking.

The stage runs on the committed sample photos (real model, real pixels); the labelled group
photos of ``../shared`` are used where present and skipped cleanly where not.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gesture_scan import ScanConfig, Scanner
from gesture_scan.config import HandOptions, LinkOptions
from gesture_scan.detections import Detections
from gesture_scan.errors import ConfigError
from gesture_scan.hands.landmarks import HandLandmark
from gesture_scan.hands.people import link_and_score, link_hands, posed_score
from gesture_scan.io.image import load_image
from gesture_scan.people.pose import NAMES, Body, PoseOptions, PoseStage, seed_region

from .test_sign_grading import TWO_FACES, at

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
ATTIRE = ROOT.parent / "shared" / "train" / "attire" / "photos"


def body_with_wrist(face: int, wrist_xy: tuple[float, float], vis: float = 0.9) -> Body:
    pts = np.zeros((len(NAMES), 2))
    v = np.zeros(len(NAMES))
    pts[NAMES.index("right_wrist")] = wrist_xy
    v[NAMES.index("right_wrist")] = vis
    return Body(face, pts, v)


def test_a_wrist_on_the_hand_takes_it_from_a_nearer_face():
    """Between two people geometry picks the nearer shoulders; a body's wrist on the hand wins."""
    h = at("v", 470, 300)  # a little nearer face 0's right shoulder than face 1's left one
    wrist = tuple(float(v) for v in h.landmarks[HandLandmark.WRIST, :2])
    assert link_hands((h,), TWO_FACES, LinkOptions()) == (0,)
    assert link_hands((h,), TWO_FACES, LinkOptions(), (body_with_wrist(1, wrist),)) == (1,)
    # An unseen wrist (low visibility) or one far from the hand says nothing.
    hidden = body_with_wrist(1, wrist, vis=0.1)
    far = body_with_wrist(1, (wrist[0] + 200, wrist[1]))
    assert link_hands((h,), TWO_FACES, LinkOptions(), (hidden,)) == (0,)
    assert link_hands((h,), TWO_FACES, LinkOptions(), (far,)) == (0,)


def test_posed_height_is_measured_from_the_bodys_own_shoulders():
    o = LinkOptions()
    h = at("v", 200, 420)  # at the chest by the guessed shoulder line (y = 330)
    low = Body(0, np.zeros((len(NAMES), 2)), np.ones(len(NAMES)))
    pts = low.points.copy()
    pts[[NAMES.index("left_shoulder"), NAMES.index("right_shoulder")], 1] = 520  # sits lower
    seated = replace(low, points=pts)
    assert posed_score(h, 0, TWO_FACES, o, seated) > posed_score(h, 0, TWO_FACES, o) + 0.1


def test_options_are_validated():
    with pytest.raises(ConfigError, match="pose"):
        LinkOptions(pose="yes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="region_side"):
        PoseOptions(region_side=0.1)
    region = seed_region(np.array([100, 100, 150, 150]), PoseOptions())
    assert (region.x0, region.y0, region.x1, region.y1) == (-25, 50, 275, 350)


@pytest.fixture(scope="module")
def pose():
    with PoseStage() as stage:
        yield stage


def test_pose_finds_the_body_under_each_face_of_a_real_photo(pose):
    with Scanner(ScanConfig(read_text="off")) as scanner:
        r = scanner.scan_image(SAMPLES / "group_no_sign.jpg")
    img = load_image(SAMPLES / "group_no_sign.jpg")
    found = pose.run(img.rgb, r.faces.scaled(1 / img.scale))
    bodies = found.bodies
    assert found.calls == len(r.faces) >= 2
    assert len(bodies) >= 2
    for b in bodies:
        x0, y0, x1, y1 = r.faces.scaled(1 / img.scale).xyxy[b.face]
        nose = b.point("nose")
        assert x0 <= nose[0] <= x1 and y0 <= nose[1] <= y1
        # Shoulders below the face, a face size or more apart.
        sh = b.points[[NAMES.index("left_shoulder"), NAMES.index("right_shoulder")]]
        assert (sh[:, 1] > y1).all() and abs(sh[0, 0] - sh[1, 0]) > 0.8 * (x1 - x0)
    # No person in the pixels: no body, whatever box it is handed.
    face = Detections(np.array([[150, 50, 250, 150]]), np.ones(1), np.zeros(1), ("face",))
    nobody = pose.run(np.full((400, 400, 3), 128, np.uint8), face)
    assert nobody.bodies == () and nobody.calls == 1


def test_scanner_with_pose_names_the_stage_and_still_finds_the_sign():
    config = ScanConfig(read_text="off", hands=HandOptions(link=LinkOptions(pose=True)))
    with Scanner(config) as scanner:
        r = scanner.scan_image(SAMPLES / "group_salam_dua_jari.jpg")
        plain = scanner.scan_image(SAMPLES / "group_no_sign.jpg")
    assert r.meta["detector_calls"]["pose"] == len(r.faces)
    assert r.severity == "high" and all(h.person is not None for h in r.hands)
    assert "pose" not in plain.meta["detector_calls"]  # no hands: pose is not run
    with Scanner(ScanConfig(read_text="off")) as scanner:
        assert scanner._pose is None  # off by default: the scan costs what it did


@pytest.mark.skipif(not ATTIRE.is_dir(), reason="../shared/train/attire is not here")
def test_pose_links_the_labelled_hands_of_a_real_group_photo(pose):
    """ab13b5a4: eight people in a row, hands labelled by eye (bench/sign_grading_owners.csv)."""
    path = ATTIRE / "ab13b5a4.jpg"
    with Scanner(ScanConfig(read_text="off")) as scanner:
        r = scanner.scan_image(path)
    img = load_image(path)
    found = pose.run(img.rgb, r.faces.scaled(1 / img.scale)).bodies
    bodies = tuple(b.scaled(img.scale) for b in found)
    assert len(bodies) >= 5
    with (ROOT / "bench" / "sign_grading_owners.csv").open(newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["photo"] == "ab13b5a4"]
    linked = link_and_score(r.hands, r.faces.xyxy, LinkOptions(pose=True), bodies)
    right = 0
    for row in rows:
        box = np.array([float(row[k]) for k in ("x0", "y0", "x1", "y1")])
        face = np.array([float(row[k]) for k in ("face_x0", "face_y0", "face_x1", "face_y1")])
        i = int(np.argmin([np.abs(h.box - box).sum() for h in linked]))
        owner = int(np.argmin(np.abs(r.faces.xyxy - face).sum(axis=1)))
        right += linked[i].person == owner
    assert len(rows) >= 8 and right >= len(rows) - 1
