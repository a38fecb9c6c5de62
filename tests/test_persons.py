"""The person detector (people/persons.py) and how its boxes join the faces in ``people``.

The pairing of faces with person boxes is tested on hand-made boxes (no model); the stage runs on
real photos: Ultralytics' bus.jpg (the ``packaged`` fixture) and, where ``../shared`` is present,
a real group photo counted by eye in ``scripts/data/people_counts.csv``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from gesture_scan import PersonOptions, ScanConfig
from gesture_scan.detections import Detections
from gesture_scan.errors import ConfigError, ModelError
from gesture_scan.results import ImageResult, body_faces

ROOT = Path(__file__).resolve().parents[1]
COUNTS = ROOT / "scripts" / "data" / "people_counts.csv"


def faces(*boxes: tuple[float, float, float, float]) -> Detections:
    return Detections(np.array(boxes).reshape(-1, 4), np.ones(len(boxes)), np.zeros(len(boxes)))


def bodies(*boxes: tuple[float, float, float, float]) -> Detections:
    n = len(boxes)
    return Detections(np.array(boxes).reshape(-1, 4), np.ones(n), np.zeros(n), ("person",))


def record(f: Detections, b: Detections) -> ImageResult:
    return ImageResult("x.jpg", None, faces=f, bodies=b)


STANDING = (100, 100, 200, 500)  # a standing person, 100 x 400 px: the head at the top


@pytest.mark.parametrize(
    ("face", "matched"),
    [
        ((130, 110, 170, 150), True),  # the head of the standing person
        ((130, 260, 170, 300), True),  # still in the top half (bent over, seated)
        ((130, 320, 170, 360), False),  # in the lower half: someone crouching in front
        ((210, 110, 250, 150), False),  # beside the box: a neighbour
        ((60, 110, 90, 150), False),
    ],
)
def test_a_face_counts_for_a_body_when_its_centre_is_in_the_top_half(face, matched):
    r = record(faces(face), bodies(STANDING))
    assert r.body_faces.tolist() == ([0] if matched else [-1])
    assert r.people == (1 if matched else 2)


def test_a_body_cut_off_by_the_frame_still_takes_its_face():
    """Head and shoulders at the bottom edge (as in samples/group_no_sign.jpg): the box is only
    about two face heights tall and its top half ends above the face's centre."""
    cut = (795, 553, 1140, 799)
    face = (876, 630, 989, 744)
    assert body_faces(faces(face).xyxy, bodies(cut).xyxy).tolist() == [0]
    # The allowance is in face heights: a small face low in a tall box is still not its head.
    assert body_faces(faces((140, 320, 160, 340)).xyxy, bodies(STANDING).xyxy).tolist() == [-1]


def test_one_face_is_one_person():
    """Two boxes on one face (a person behind, whose face is hidden): the face takes the box it
    heads best, the other box is a person of its own; two faces in one box head it once."""
    behind = (90, 80, 230, 560)
    r = record(faces((130, 110, 170, 150)), bodies(STANDING, behind))
    assert sorted(r.body_faces.tolist()) == [-1, 0] and r.people == 2
    two = record(faces((130, 110, 170, 150), (150, 200, 180, 230)), bodies(STANDING))
    assert two.body_faces.tolist() == [0] and two.people == 2


def test_in_a_tight_group_each_box_keeps_its_own_face():
    """Face B lies in the top half of A's box too; pairs closest to a box's top centre go first,
    so A's box takes A's face and B's box B's, rather than whichever face comes first."""
    box_a, box_b = (0, 0, 100, 400), (70, 50, 170, 450)
    face_b, face_a = (80, 60, 100, 80), (40, 20, 60, 40)  # B listed first
    r = record(faces(face_b, face_a), bodies(box_a, box_b))
    assert r.body_faces.tolist() == [1, 0] and r.people == 2


def test_without_bodies_people_is_the_face_count_and_the_record_says_so():
    f = faces((10, 10, 50, 50), (100, 10, 140, 50), (300, 300, 320, 320))
    off = record(f, Detections.empty(("person",)))
    assert off.people == 3 and off.to_dict()["people"] == 3 and off.to_dict()["bodies"] == []
    # Bodies off means exactly the old record: no default of ImageResult changes ``people``.
    assert ImageResult("x.jpg", None, faces=f).people == 3
    on = record(f, bodies((0, 0, 60, 200), (500, 100, 560, 300)))
    rec = json.loads(json.dumps(on.to_dict()))
    assert rec["people"] == 4 and rec["group"] is True
    assert [b["face"] for b in rec["bodies"]] == [0, None]
    assert rec["bodies"][1]["box"] == [500.0, 100.0, 560.0, 300.0]


def test_options_are_validated():
    assert PersonOptions().enabled is False and ScanConfig().persons.enabled is False
    for bad, field in (
        ({"imgsz": 500}, "imgsz"),
        ({"imgsz": 480.0}, "imgsz"),
        ({"conf": 1.5}, "conf"),
        ({"iou": -0.1}, "iou"),
        ({"enabled": "yes"}, "enabled"),
        ({"threads": -1}, "threads"),
    ):
        with pytest.raises(ConfigError, match=field):
            PersonOptions(**bad)


def test_shipped_onnx_is_the_export_of_the_pinned_checkpoint():
    """weights/person_yolo.json describes the file shipped beside it, and the export's metadata
    names the checkpoint of the wheel it came from (scripts/export_person_onnx.py)."""
    import onnxruntime as ort

    from gesture_scan.people.persons import MODEL_CLASSES, default_weights

    path = default_weights()
    card = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert card["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert card["bytes"] == path.stat().st_size
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    assert meta["source_sha256"] == card["source"]["pt_sha256"]
    assert meta["names"] == "{0: 'Normal', 1: 'Fall'}" and len(MODEL_CLASSES) == 2
    assert [isinstance(d, int) for d in session.get_inputs()[0].shape[2:]] == [False, False]
    if sys.version_info >= (3, 11):  # tomllib; the package data must carry the .onnx and .json
        import tomllib

        data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        shipped = data["tool"]["setuptools"]["package-data"]["gesture_scan.weights"]
        assert {"*.onnx", "*.json"} <= set(shipped)


# -- the model on real photos ----------------------------------------------------------------


@pytest.fixture(scope="module")
def stage():
    from gesture_scan.people.persons import PersonStage

    with PersonStage() as s:
        yield s


@pytest.mark.models
def test_the_stage_finds_the_people_of_a_real_photo(stage, packaged):
    from gesture_scan.io.image import load_image

    img = load_image(packaged["bus"])  # four people standing by a bus, one cut by the frame
    found = stage.run(img.rgb)
    boxes = found.detections
    assert found.calls == 1 and 3 <= len(boxes) <= 5
    assert set(boxes.labels) == {"person"}
    w, h = boxes.xyxy[:, 2] - boxes.xyxy[:, 0], boxes.xyxy[:, 3] - boxes.xyxy[:, 1]
    assert (h > 1.5 * w).all()  # standing people, not the bus
    assert (boxes.xyxy >= 0).all() and (boxes.xyxy[:, [0, 2]] <= img.rgb.shape[1]).all()
    # No person in the pixels: no box, one call.
    empty = stage.run(np.full((480, 640, 3), 128, np.uint8))
    assert len(empty.detections) == 0 and empty.calls == 1


@pytest.mark.models
def test_a_closed_stage_and_missing_weights_are_model_errors(tmp_path):
    from gesture_scan.people.persons import PersonStage

    with pytest.raises(ModelError, match="not found"):
        PersonStage(weights=tmp_path / "none.onnx")
    s = PersonStage()
    s.close()
    with pytest.raises(ModelError, match="closed"):
        s.run(np.zeros((64, 64, 3), np.uint8))


@pytest.mark.models
def test_the_scanner_counts_bodies_only_when_asked(packaged):
    from gesture_scan import Scanner

    base = ScanConfig(read_text="off", profile=None)
    with Scanner(base) as scanner:
        off = scanner.scan_image(packaged["bus"])
    with Scanner(base.with_(persons=PersonOptions(enabled=True))) as scanner:
        on = scanner.scan_image(packaged["bus"])
    assert len(off.bodies) == 0 and off.people == len(off.faces)
    assert "bodies" not in off.meta["stage_seconds"]
    assert len(on.faces) == len(off.faces)  # the face stage sees what it saw
    assert len(on.bodies) >= 3 and "bodies" in on.meta["stage_seconds"]
    # bus.jpg: the face detector misses a face the person detector finds the body of
    assert on.people > len(on.faces)
    assert on.people == len(on.faces) + int((on.body_faces < 0).sum())
    rec = on.to_dict()
    assert rec["people"] == on.people and len(rec["bodies"]) == len(on.bodies)
    assert all(b["face"] is None or 0 <= b["face"] < len(rec["faces"]) for b in rec["bodies"])
    # Boxes in the photo's pixels, like the faces (the scan copy is scaled back).
    assert (on.bodies.xyxy[:, 3] <= on.height).all() and (on.bodies.xyxy[:, 2] <= on.width).all()


def test_the_counts_by_eye_are_a_table_of_real_photos():
    with COUNTS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 40 and len({r["photo"] for r in rows}) == 40
    assert all(int(r["people_by_eye"]) >= 3 and r["notes"] for r in rows)


@pytest.mark.models
@pytest.mark.shared
def test_bodies_count_the_masked_ranks_of_a_real_photo(stage, shared):
    """cbc522e8: ranks of Satpol PP officers in caps and masks (16 by eye); the face detector
    finds one face, the person detector most of the front rank."""
    from gesture_scan.io.image import load_image
    from gesture_scan.people.stage import FaceStage

    path = shared / "train" / "attire" / "photos" / "cbc522e8.jpg"
    with COUNTS.open(encoding="utf-8", newline="") as f:
        by_eye = {r["photo"]: int(r["people_by_eye"]) for r in csv.DictReader(f)}["cbc522e8.jpg"]
    img = load_image(path)
    with FaceStage() as face_stage:
        found_faces = face_stage.run(img.rgb).detections
    r = record(found_faces, stage.run(img.rgb).detections)
    assert len(found_faces) <= 3
    assert len(found_faces) + 5 <= r.people <= by_eye
