"""The held-object cue (hands/held.py): a cup, a bottle or a phone in a hand lowers its posed score.

The crop and overlap logic, the posed factor and the rule note run on hand-made boxes (no model);
the shipped COCO export runs on real photos: Ultralytics' zidane.jpg (the ``packaged`` fixture:
two people, one tie) and, where ``../shared`` is present, real group photos of
``../shared/train/attire`` (read in place, never copied) with a hand on a phone and a hand posing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gesture_scan import HeldOptions, ScanConfig
from gesture_scan.errors import ConfigError, ModelError
from gesture_scan.hands.held import COCO_CLASSES, HELD_CLASSES, apply_held, crop_box, pick_held
from gesture_scan.results import SEVERITY_ORDER, Hand, Held
from gesture_scan.rules import RuleEngine, load_profile
from gesture_scan.rules.catalog import HELD_OBJECT_NAMES

from .test_sign_grading import hand, record

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "weights" / "coco_yolov5n.onnx"
HAND = np.array([100.0, 100.0, 140.0, 160.0])  # 40 x 60 px


@pytest.mark.parametrize(
    ("box", "scale", "size", "expected"),
    [
        (HAND, 2.0, (1000, 1000), (60, 70, 180, 190)),  # 2 x 60 px square around the centre
        (HAND, 1.0, (1000, 1000), (90, 100, 150, 160)),
        ((0, 0, 20, 20), 3.0, (1000, 1000), (0, 0, 40, 40)),  # clipped at the top left
        ((980, 490, 1000, 510), 3.0, (1000, 600), (960, 470, 1000, 530)),  # and at the right
        ((5, 5, 5, 5), 2.0, (10, 10), (4, 4, 6, 6)),  # a point still gives pixels
    ],
)
def test_the_crop_is_a_clipped_square_around_the_hand(box, scale, size, expected):
    got = crop_box(np.asarray(box, float), scale, *size)
    assert got == expected
    x0, y0, x1, y1 = got
    assert 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]


@pytest.mark.parametrize(
    ("box", "label", "held"),
    [
        ((120, 130, 150, 190), "cup", True),  # overlaps the hand
        ((140, 100, 170, 150), "bottle", True),  # touches its right edge
        ((141, 100, 170, 150), "bottle", False),  # one pixel beside it
        ((100, 200, 130, 260), "cell phone", False),  # below the hand
        ((110, 110, 130, 150), "person", False),  # not a held class (the arm, the body)
        ((0, 0, 200, 200), "book", False),  # far larger than a hand: a banner behind it
        ((90, 90, 150, 170), "book", True),  # a book about two hands large
    ],
)
def test_an_object_counts_when_it_touches_the_hand(box, label, held):
    found = pick_held(HAND, np.array([box], float), np.array([0.5]), [label], max_area=6.0)
    assert (found is not None) is held
    if held:
        assert found.label == label and found.score == 0.5
        assert found.box.tolist() == list(box)


def test_the_best_touching_object_wins_and_nothing_is_none():
    boxes = np.array([[120, 130, 150, 190], [100, 140, 130, 170], [500, 500, 520, 520]], float)
    found = pick_held(HAND, boxes, np.array([0.3, 0.6, 0.9]), ["cup", "cell phone", "cup"], 6.0)
    assert found is not None and (found.label, found.score) == ("cell phone", 0.6)
    assert pick_held(HAND, np.zeros((0, 4)), np.zeros(0), [], 6.0) is None


def test_held_classes_are_coco_classes_with_words_for_the_note():
    assert len(COCO_CLASSES) == 80 and set(HELD_CLASSES) <= set(COCO_CLASSES)
    assert set(HELD_CLASSES) <= set(HELD_OBJECT_NAMES)
    assert "person" not in HELD_CLASSES and "dining table" not in HELD_CLASSES


def test_a_holding_hand_loses_posed_and_the_record_says_what_it_holds():
    cup = Held("cup", 0.61234, np.array([10, 20, 30, 40], np.float32))
    hands = (hand("one", posed=0.9), hand("v", posed=0.8), hand("one"))
    out = apply_held(hands, (cup, None, cup), 0.4)
    assert out[0].posed == pytest.approx(0.36) and out[0].held is cup
    assert out[1] is hands[1]  # nothing held: the very same hand
    assert out[2].posed == pytest.approx(0.4)  # no posed score yet: taken as fully posed
    rec = json.loads(json.dumps(out[0].to_dict()))
    assert rec["held"] == {"label": "cup", "score": 0.6123, "box": [10.0, 20.0, 30.0, 40.0]}
    assert hands[1].to_dict()["held"] is None
    # Scaling a hand back to the photo scales what it holds.
    assert out[0].scaled(2.0).held.box.tolist() == [20.0, 40.0, 60.0, 80.0]


def test_options_are_validated():
    assert HeldOptions().enabled is False and ScanConfig().held == HeldOptions()
    for bad, field in (
        ({"imgsz": 250}, "imgsz"),
        ({"imgsz": 256.0}, "imgsz"),
        ({"conf": 1.5}, "conf"),
        ({"crop_scale": 0.5}, "crop_scale"),
        ({"posed_factor": 2.0}, "posed_factor"),
        ({"enabled": "yes"}, "enabled"),
        ({"threads": -1}, "threads"),
        ({"max_hands": -1}, "max_hands"),
    ):
        with pytest.raises(ConfigError, match=field):
            HeldOptions(**bad)


@pytest.mark.parametrize(
    ("lang", "words"),
    [("id", "memegang ponsel (cell phone)"), ("en", "holding a phone (cell phone)")],
)
def test_the_report_says_what_a_hand_holds(tmp_path, lang, words):
    """The page's hand list names the object in the report's language; a hand without one, and
    a record from before the cue (no ``held`` key), say nothing of it."""
    from gesture_scan.report.views import collect

    phone = Held("cell phone", 0.5, np.array([1, 2, 3, 4], np.float32))
    r = record(2, replace(hand("one", posed=0.3), held=phone), hand("v"))
    rec = json.loads(json.dumps(r.to_dict()))
    del rec["hands"][1]["held"]
    shown = collect([rec], tmp_path, lang).entries[0].rec.hands
    first, second = shown.split(" · ")
    assert first.endswith(words) and "memegang" not in second and "holding" not in second


# -- the rules -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine():
    return RuleEngine(load_profile("pilpres-2024"))


def test_the_rules_look_only_at_hands_a_sign_finding_could_rest_on(engine):
    hands = (
        hand("v", 0.7),
        hand("fist"),
        hand("one", 0.95),
        hand("v", 0.4),
        hand("one", posed=0.1),
    )
    # fists are no candidate's sign; 0.4 is below min_hand_score; posed 0.1 is resting
    assert engine.sign_hands(hands) == (2, 0)


def test_a_sign_made_only_with_holding_hands_is_graded_down_with_the_object_named(engine):
    phone = Held("cell phone", 0.5, np.zeros(4, np.float32))
    free = record(3, hand("v", posed=0.9, person=0))
    holding = record(3, hand("v", posed=0.9, person=0), hand("v", posed=0.9, person=1))
    held = replace(holding, hands=tuple(replace(h, held=phone) for h in holding.hands[:1]))
    held = replace(held, hands=held.hands + holding.hands[1:])
    lone = replace(free, hands=(replace(free.hands[0], held=phone),))
    f_free = engine.evaluate(free)[0][0]
    f_lone = engine.evaluate(lone)[0][0]
    assert SEVERITY_ORDER[f_lone.severity] < SEVERITY_ORDER[f_free.severity]
    assert "memegang ponsel" in f_lone.message_id and "a phone" in f_lone.message
    assert "memegang" not in f_free.message_id
    # Another person's free hand makes the same sign: the finding does not rest on the phone.
    f_two = engine.evaluate(held)[0][0]
    assert "memegang" not in f_two.message_id


# -- the model -------------------------------------------------------------------------------


def test_shipped_onnx_is_the_export_of_the_pinned_checkpoint():
    """weights/coco_yolov5n.json describes the file beside it; the metadata names COCO's classes
    in order and the source checkpoint (scripts/export_coco_detector.py)."""
    import onnxruntime as ort

    card = json.loads(WEIGHTS.with_suffix(".json").read_text(encoding="utf-8"))
    assert card["sha256"] == hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()
    assert card["bytes"] == WEIGHTS.stat().st_size
    session = ort.InferenceSession(str(WEIGHTS), providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    assert meta["source_sha256"] == card["source"]["sha256"]
    assert meta["names"] == repr(dict(enumerate(COCO_CLASSES)))
    assert [isinstance(d, int) for d in session.get_inputs()[0].shape[2:]] == [False, False]


@pytest.fixture(scope="module")
def stage():
    from gesture_scan.hands.held import HeldStage

    with HeldStage(HeldOptions(threads=1), WEIGHTS) as s:
        yield s


@pytest.mark.models
@pytest.mark.parametrize(
    ("photo", "expected"),
    [("zidane", {"person": 2, "tie": 1}), ("bus", {"person": 4, "bus": 1})],
)
def test_the_export_sees_what_yolov5n_sees(packaged, photo, expected):
    """Whole photos at 640 and YOLOv5's ``detect.py`` defaults (conf 0.25, iou 0.45): the
    anchors and the decode are right if the people are boxed as persons, standing, and the tie
    and the bus as themselves (what a person sees in these two photos)."""
    from collections import Counter

    from gesture_scan.detect.onnx_yolo import OnnxDetector, shrink
    from gesture_scan.io.image import load_image

    img = load_image(packaged[photo])
    small, sx, _ = shrink(img.rgb, 640)
    det = OnnxDetector(WEIGHTS, 640, 1, COCO_CLASSES)
    xyxy, _, cls = det.detect(small, 0.25, 0.45, 50)
    names = [COCO_CLASSES[c] for c in cls]
    assert Counter(names) == expected
    people = xyxy[[n == "person" for n in names]] * sx
    tall = (people[:, 3] - people[:, 1]) > (people[:, 2] - people[:, 0])
    assert tall.sum() >= len(people) - 1  # standing people (one may be cut by the frame)


@pytest.mark.models
def test_a_closed_stage_and_missing_weights_are_model_errors(tmp_path):
    from gesture_scan.hands.held import HeldStage

    with pytest.raises(ModelError, match="not found"):
        HeldStage(weights=tmp_path / "none.onnx")
    s = HeldStage(weights=WEIGHTS)
    s.close()
    with pytest.raises(ModelError, match="closed"):
        s.run(np.zeros((64, 64, 3), np.uint8), (hand("one"),), (0,))


@pytest.mark.models
def test_only_the_hands_asked_for_are_cropped(stage):
    """A plain grey image: nothing held; calls count the crops, at most ``max_hands``."""
    grey = np.full((600, 1600, 3), 128, np.uint8)
    hands = (hand("one"), hand("v"), hand("one"))
    out = stage.run(grey, hands, (2, 0))
    assert out.calls == 2 and out.held == (None, None, None)
    assert stage.run(grey, hands, ()).calls == 0


#: Real photos of ../shared/train/attire and one hand in each, boxed by the hand stage
#: (bench/sign_grading.json run); ``holds``: what a person sees in that hand.
ATTIRE_HANDS = [
    ("649c4ef6.jpg", (437, 573, 487, 646), "cell phone"),  # a thumb on a phone on a table
    ("71e4cb99.jpg", (930, 170, 954, 203), "cell phone"),  # a phone held up to take a photo
    ("78cbaabb.jpg", (561, 331, 594, 389), None),  # a V sign, nothing in the hand
    ("14af1f45.jpg", (491, 255, 584, 377), None),  # horns held up, nothing in the hand
]


def hand_in_box(box: tuple[float, float, float, float]) -> Hand:
    """A hand whose padded landmark box (``Hand.box``) is ``box``: the stage reads only that."""
    x0, y0, x1, y1 = box
    extent = max(x1 - x0, y1 - y0) / 1.2  # the box pads the landmarks by 10% of this each side
    pad = 0.1 * extent
    xy = np.linspace([x0 + pad, y0 + pad], [x1 - pad, y1 - pad], 21)
    lm = np.zeros((21, 3), np.float32)
    lm[:, :2] = xy
    made = replace(hand("one"), landmarks=lm)
    assert np.allclose(made.box, box, atol=0.01)
    return made


@pytest.mark.models
@pytest.mark.parametrize(("photo", "box", "holds"), ATTIRE_HANDS)
def test_a_phone_in_a_hand_is_found_and_a_posing_hand_holds_nothing(
    stage, shared, photo, box, holds
):
    from gesture_scan.io.image import load_image

    path = shared / "train" / "attire" / "photos" / photo
    if not path.is_file():
        pytest.skip(f"{path} not found")
    img = load_image(path)
    got = stage.run(img.rgb, (hand_in_box(box),), (0,)).held[0]
    assert (None if got is None else got.label) == holds


@pytest.mark.models
def test_the_scanner_crops_sign_hands_only_when_asked(shared, monkeypatch):
    """649c4ef6 (by eye: a thumb up on a phone held in a classroom): the posed score (0.54 since
    it reads the presence score; 0.45 before, under its cut) keeps that hand as a sign hand, a
    "01" beside a banner; with the cue on it holds a phone and is no longer evidence, the sign
    findings go; off, nothing is cropped."""
    from gesture_scan import Scanner
    from gesture_scan.hands import held as held_module

    path = shared / "train" / "attire" / "photos" / "649c4ef6.jpg"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    monkeypatch.setattr(held_module, "default_weights", lambda: WEIGHTS)  # also in a worktree
    rules = RuleEngine(load_profile("pilpres-2024"))
    base = ScanConfig(read_text="off")
    with Scanner(base) as scanner:
        off = scanner.scan_image(path)
    with Scanner(base.with_(held=HeldOptions(enabled=True))) as scanner:
        on = scanner.scan_image(path)
    assert "held" not in off.meta["detector_calls"] and all(h.held is None for h in off.hands)
    signs = rules.sign_hands(off.hands)
    assert len(signs) == 1 and off.hands[signs[0]].reading.gesture.value == "thumbs_up"
    holding = [i for i, h in enumerate(on.hands) if h.held is not None]
    assert [on.hands[i].held.label for i in holding] == ["cell phone"] and holding == list(signs)
    i = holding[0]
    assert on.hands[i].posed == pytest.approx(off.hands[i].posed * 0.4, abs=1e-3)
    assert rules.sign_hands(on.hands) == ()
    assert {f.rule for f in off.findings} >= {"group-candidate-sign", "material-with-sign"}
    assert not {f.rule for f in on.findings} & {"group-candidate-sign", "material-with-sign"}
    assert on.meta["detector_calls"]["held"] >= 1 and "held" in on.meta["stage_seconds"]
    # The phone's box is in the photo's pixels, beside the hand, like the hand's landmarks.
    box, hand_box = on.hands[i].held.box, on.hands[i].box
    assert box[0] <= hand_box[2] and box[2] >= hand_box[0] and box[3] <= on.height
    assert SEVERITY_ORDER[on.severity or "none"] <= SEVERITY_ORDER[off.severity or "none"]
