"""The photo's sign, graded honestly: rules on hand-made detections (no models, milliseconds).

A high finding on an innocent group photo is the costliest mistake: one uncertain hand, or a sign
that only a minority of the photo's hands show, is graded down and the message says why.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Optional

import numpy as np
import pytest

from gesture_scan.detections import Detections
from gesture_scan.errors import ConfigError
from gesture_scan.hands.fingers import read_fingers
from gesture_scan.results import (
    SEVERITY_ORDER,
    Direction,
    FaceInfo,
    FingerReading,
    Gesture,
    Hand,
    Handedness,
    ImageResult,
)
from gesture_scan.rules import RuleEngine, load_profile
from gesture_scan.rules.profile import Thresholds

from .handgen import make_hand

T, F = True, False
PATTERNS = {
    "v": (F, T, T, F, F),
    "one": (F, T, F, F, F),
    "three": (F, T, T, T, F),
    "fist": (F, F, F, F, F),
    "four": (F, T, T, T, T),
    "palm": (T, T, T, T, T),
}


def hand(
    pose: str,
    score: float = 0.95,
    x: float = 300,
    person: Optional[int] = None,
    posed: Optional[float] = None,
) -> Hand:
    """A hand whose overall ``score`` is exactly ``score`` (reading confidence 1)."""
    if pose == "other":
        lm = make_hand(PATTERNS["fist"], centre=(x, 300))
        reading = FingerReading((F, T, F, F, T), 2, Gesture.OTHER, Direction.SIDE, 1.0)
    else:
        lm = make_hand(PATTERNS[pose], centre=(x, 300))
        reading = replace(read_fingers(lm), confidence=1.0)
    return Hand(lm, Handedness.RIGHT, 0.9, score**2, reading, person=person, posed=posed)


def faces(n: int) -> Detections:
    boxes = [[100 + 150 * i, 50, 160 + 150 * i, 110] for i in range(n)]
    return Detections(np.array(boxes).reshape(-1, 4), np.full(n, 0.9), np.zeros(n, int), ("face",))


def record(people: int, *hands: Hand, info: tuple[FaceInfo, ...] = ()) -> ImageResult:
    spread = tuple(
        replace(h, landmarks=h.landmarks + np.float32([180.0 * i, 0, 0]))
        for i, h in enumerate(hands)
    )
    return ImageResult(
        path="x.jpg",
        sha256="0" * 64,
        width=1600,
        height=800,
        faces=faces(people),
        hands=spread,
        face_info=info,
    )


@pytest.fixture(scope="module")
def engine() -> RuleEngine:
    return RuleEngine(load_profile("pilpres-2024"))


def by_rule(engine: RuleEngine, r: ImageResult) -> dict[str, object]:
    findings, _ = engine.evaluate(r)
    return {f.rule: f for f in findings}


def test_hand_scores_are_what_the_helper_says():
    assert hand("v", 0.65).score == pytest.approx(0.65)
    assert hand("v").reading.gesture == Gesture.TWO_V


def test_one_confident_hand_stays_high(engine):
    f = by_rule(engine, record(3, hand("v", 0.95)))["group-candidate-sign"]
    assert f.severity == "high"
    assert "check by eye" not in f.message
    assert f.details["readable_hands"] == 1 and "uncertain_hands" not in f.details


def test_one_uncertain_hand_in_a_group_is_graded_down_and_says_why(engine):
    sure = by_rule(engine, record(3, hand("v", 0.95)))["group-candidate-sign"]
    unsure = by_rule(engine, record(3, hand("v", 0.65)))["group-candidate-sign"]
    assert unsure.severity == "medium"
    assert "one low-confidence hand: check by eye" in unsure.message
    assert "satu tangan dengan skor rendah: perlu dicek" in unsure.message_id
    assert unsure.details["uncertain_hands"] == [0]
    assert unsure.score < 0.75 * sure.score


@pytest.mark.parametrize(("score", "graded"), [(0.69, True), (0.71, False), (0.59, None)])
def test_the_margin_is_a_threshold(engine, score, graded):
    """min_hand_score 0.6 + uncertain_margin 0.1: below 0.6 no evidence at all."""
    found = by_rule(engine, record(3, hand("v", score)))
    if graded is None:
        assert found == {}
    else:
        assert (found["group-candidate-sign"].severity == "medium") == graded


def test_a_minority_reading_is_not_high(engine):
    """4 hands: one reads "two" weakly, three confidently read "three" (candidate 03)."""
    r = record(4, hand("v", 0.66), hand("three"), hand("three"), hand("three"))
    findings, _ = engine.evaluate(r)
    two = [f for f in findings if f.details.get("number") == 2]
    three = [f for f in findings if f.details.get("number") == 3]
    assert two and all(f.severity == "low" for f in two)
    assert "only 1 of 4 readable hands show this sign" in two[0].message
    assert "hanya 1 dari 4 tangan" in two[0].message_id
    # The photo's consistent, confident reading is the high finding, and sorts first.
    assert {f.rule for f in three} == {"group-candidate-sign", "several-same-sign"}
    assert all(f.severity == "high" for f in three)
    assert findings[0].details["number"] == 3


def test_one_confident_sign_among_many_other_readings_is_medium(engine):
    r = record(5, hand("v"), hand("fist"), hand("three", 0.9), hand("fist"))
    f = next(f for f in engine.evaluate(r)[0] if f.details.get("number") == 2)
    assert f.severity == "medium"
    assert f.details["sign_share"] == 0.25


def test_several_confident_hands_outweigh_the_others(engine):
    """Two Vs are 2 of 5 readable hands, but no other reading is as common (a waving palm is
    no rival): the sign is the photo's."""
    r = record(6, hand("v"), hand("v", 0.85), hand("fist"), hand("four"), hand("palm"))
    rules = by_rule(engine, r)
    assert rules["group-candidate-sign"].severity == "high"
    assert rules["several-same-sign"].severity == "high"


def test_both_hands_of_one_person_are_not_several_people(engine):
    rules = by_rule(engine, record(3, hand("v", person=1), hand("v", person=1)))
    assert rules["several-same-sign"].severity == "medium"
    assert rules["group-candidate-sign"].severity == "high"
    two = by_rule(engine, record(3, hand("v", person=1), hand("v", person=2)))
    assert two["several-same-sign"].severity == "high"


def _row(signs: int, fists: int) -> ImageResult:
    """``signs`` people's "one" (candidate 01) among ``fists`` people's raised fists."""
    hands = [hand("one", person=i) for i in range(signs)]
    hands += [hand("fist", person=signs + i) for i in range(fists)]
    return record(signs + fists, *hands)


@pytest.mark.parametrize(
    ("signs", "fists", "severity"),
    [(3, 4, "medium"), (3, 8, "medium"), (2, 3, "medium"), (3, 3, "high"), (3, 2, "high")],
)
def test_a_few_signs_in_a_row_of_raised_fists_are_medium(engine, signs, fists, severity):
    """rival_ratio 1: a few "ones" among as many raised fists or more, under half the readable
    hands, are most often those fists misread; at half the hands or more the sign stands."""
    f = by_rule(engine, _row(signs, fists))["group-candidate-sign"]
    assert f.severity == severity
    if severity == "medium":
        assert f.details["rival"] == {"gesture": "fist", "hands": fists}
        assert f"more readable hands show another gesture (fist: {fists} hands" in f.message
        assert f"(kepalan tangan: {fists} tangan, simbol ini: {signs})" in f.message_id
    else:
        assert "rival" not in f.details


def test_a_tie_with_another_gesture_under_half_the_hands_is_medium(engine):
    """b2548682 of the labelled photos: three "ones" and thumbs-ups, three fists at the chest,
    other readings besides; nobody poses a number, and a tie is no photo's reading."""
    r = record(7, *_row(3, 3).hands, hand("four", person=6))
    f = by_rule(engine, r)["group-candidate-sign"]
    assert f.severity == "medium"
    assert f.details["rival"] == {"gesture": "fist", "hands": 3}
    assert "as many readable hands show another gesture (fist: 3 hands, this sign: 3)" in f.message
    assert "gestur lain sama banyak (kepalan tangan: 3 tangan, simbol ini: 3)" in f.message_id


def test_a_rival_with_fewer_hands_is_named_as_nearly_as_many(engine):
    """A profile's rival_ratio under 1: the note must not say the rival has more hands."""
    half = RuleEngine(replace(engine.profile, thresholds=Thresholds(rival_ratio=0.5)))
    r = record(8, *_row(3, 2).hands, hand("four", person=5), hand("four", person=6))
    f = by_rule(half, r)["group-candidate-sign"]
    assert f.severity == "medium"
    assert "nearly as many readable hands show another gesture (fist: 2 hands" in f.message
    assert "gestur lain hampir sama banyak (kepalan tangan: 2 tangan, simbol ini: 3)" in (
        f.message_id
    )


def test_the_rival_rule_can_be_turned_off_and_ignores_unreadable_hands(engine):
    off = RuleEngine(replace(engine.profile, thresholds=Thresholds(rival_ratio=0)))
    assert by_rule(off, _row(3, 8))["group-candidate-sign"].severity == "high"
    waving = [hand("fist", person=3 + i) for i in range(8)]
    palms = tuple(replace(h, reading=replace(h.reading, gesture=Gesture.OPEN_PALM)) for h in waving)
    # People waving beside those who pose a sign do not make the sign a misreading.
    r = record(11, *[hand("one", person=i) for i in range(3)], *palms)
    assert by_rule(engine, r)["group-candidate-sign"].severity == "high"
    others = [hand("other", person=3 + i) for i in range(8)]
    r = record(11, *[hand("one", person=i) for i in range(3)], *others)
    assert by_rule(engine, r)["group-candidate-sign"].severity == "high"


def thumbs(person: Optional[int] = None) -> Hand:
    from .test_rules import hand as rules_hand

    return replace(rules_hand("thumbs_up"), person=person)


def test_one_persons_thumbs_up_is_medium_and_says_why(engine):
    """A hand round a cup, a trophy or a microphone reads as a thumbs-up: one alone is not high."""
    f = by_rule(engine, record(3, thumbs()))["group-candidate-sign"]
    assert f.severity == "medium"
    assert "the shape of a hand holding something" in f.message
    assert "bentuknya sama dengan tangan yang memegang benda" in f.message_id
    # Both hands of one person are still one person; two people make it a high finding.
    assert by_rule(engine, record(3, thumbs(0), thumbs(0)))["group-candidate-sign"].severity == (
        "medium"
    )
    assert by_rule(engine, record(3, thumbs(0), thumbs(1)))["group-candidate-sign"].severity == (
        "high"
    )


def test_a_thumbs_up_beside_a_candidate_stays_high(engine):
    r = record(3, thumbs(1), info=(PRABOWO, FaceInfo(), FaceInfo()))
    assert by_rule(engine, r)["candidate-with-sign"].severity == "high"


def test_unreadable_hands_do_not_vote(engine):
    r = record(4, hand("v"), hand("other"), hand("other"), hand("other"))
    f = by_rule(engine, r)["group-candidate-sign"]
    assert f.severity == "high" and f.details["readable_hands"] == 1


def test_several_counts_confident_hands(engine):
    rules = by_rule(engine, record(3, hand("v"), hand("v", 0.62)))
    assert rules["several-same-sign"].severity == "medium"
    assert "only 1 person(s) among them with a confident" in rules["several-same-sign"].message
    # The group finding rests on the confident hand, so it stays high.
    assert rules["group-candidate-sign"].severity == "high"
    assert rules["group-candidate-sign"].details["uncertain_hands"] == [1]
    assert rules["group-candidate-sign"].score == pytest.approx(0.6 + 0.3 * 0.95)


@pytest.mark.parametrize(
    ("posed", "from_cut", "found"),
    [
        (None, False, True),
        (0.9, False, True),
        (0.01, True, True),
        (-0.01, True, False),
        (0.1, False, False),
    ],
)
def test_only_posed_hands_are_evidence(engine, posed, from_cut, found):
    """``from_cut``: ``posed`` is an offset from the default cut, so the test follows a refit."""
    if from_cut:
        posed += Thresholds().min_posed_score
    assert bool(by_rule(engine, record(3, hand("v", posed=posed)))) == found


def test_hands_held_round_objects_cannot_make_the_sign_but_still_weigh_against_it(engine):
    """Three hands scored as holding are no evidence of "three" (no 03 finding), but they are
    readable hands: a lone V among them is not the photo's reading, so it is graded down (a
    strict posed cut must not leave a misread hand as "1 of 1")."""
    held = [hand("three", posed=0.1) for _ in range(3)]
    findings = engine.apply(record(4, hand("v", posed=0.8), *held)).findings
    assert [f.details.get("number") for f in findings] == [2]
    f = findings[0]
    assert f.rule == "group-candidate-sign"
    assert f.severity == "medium" and f.details["readable_hands"] == 4


def test_findings_name_the_people_making_the_sign(engine):
    r = record(4, hand("v", person=2), hand("v", person=0), hand("fist", person=1))
    rules = by_rule(engine, r)
    f = rules["group-candidate-sign"]
    assert f.details["people"] == [0, 2] and f.people == (0, 2)
    assert f.to_dict()["people"] == [0, 2]
    # Named as the annotated copy numbers them: face 0 is P1.
    assert f.message.endswith("; made by P1, P3 (2 people)")
    assert f.message_id.endswith("; dibuat oleh P1, P3 (2 orang)")
    assert f.message.startswith("Group photo (4 people)") and "(4 orang)" in f.message_id
    unlinked = by_rule(engine, record(4, hand("v")))["group-candidate-sign"]
    assert "people" not in unlinked.details and "made by" not in unlinked.message
    assert unlinked.people == () and unlinked.to_dict()["people"] == []


def test_findings_say_how_many_hands_are_linked_to_nobody(engine):
    r = record(4, hand("v", person=1), hand("v"), hand("v"))
    f = by_rule(engine, r)["several-same-sign"]
    assert f.people == (1,)
    assert "; made by P2 (1 person) and 2 hand(s) linked to no face" in f.message
    assert "; dibuat oleh P2 (1 orang) dan 2 tangan yang tidak terkait dengan wajah" in (
        f.message_id
    )


PRABOWO = FaceInfo(candidate="02-prabowo", number=2, name="Prabowo", distance=0.4)


@pytest.mark.parametrize(
    ("maker", "made_by", "text"),
    [
        (0, "candidate", "; made by P1 (1 person); the candidate (P1) makes the sign"),
        (1, "others", "; made by P2 (1 person); someone beside the candidate (P1) makes the sign"),
    ],
)
def test_candidate_with_sign_says_who_makes_it(engine, maker, made_by, text):
    r = record(3, hand("v", person=maker, posed=0.9), info=(PRABOWO, FaceInfo(), FaceInfo()))
    f = by_rule(engine, r)["candidate-with-sign"]
    assert f.severity == "high"
    assert f.details.get("made_by") == made_by and f.people == (maker,)
    assert text in f.message


@pytest.mark.parametrize(("posed", "made_by"), [(0.6, "unknown"), (None, None)])
def test_candidate_with_sign_says_when_the_maker_is_not_known(engine, posed, made_by):
    """A hand linked to nobody after linking ran (posed set): the officer must look; where
    linking did not run (posed None) the message stays silent about who."""
    r = record(3, hand("v", posed=posed), info=(PRABOWO, FaceInfo(), FaceInfo()))
    f = by_rule(engine, r)["candidate-with-sign"]
    assert f.details.get("made_by") == made_by and f.people == ()
    known = "whether the candidate (P1) makes the sign is not known" in f.message
    assert known == (made_by is not None)
    assert ("tidak diketahui apakah calon (P1)" in f.message_id) == known


def test_candidate_and_a_neighbour_both_making_the_sign(engine):
    r = record(3, hand("v", person=0), hand("v", person=2), info=(PRABOWO, FaceInfo(), FaceInfo()))
    f = by_rule(engine, r)["candidate-with-sign"]
    assert f.details["made_by"] == "candidate_and_others"
    assert f.people == (0, 2)
    assert "calon (P1) dan orang di sampingnya membentuk simbol" in f.message_id


def test_candidate_with_an_uncertain_sign_is_not_high(engine):
    r = record(3, hand("v", 0.63, person=1), info=(PRABOWO, FaceInfo(), FaceInfo()))
    f = by_rule(engine, r)["candidate-with-sign"]
    assert SEVERITY_ORDER[f.severity] < SEVERITY_ORDER["high"]
    assert "one low-confidence hand" in f.message


def test_record_fields_are_added_not_renamed():
    d = hand("v", person=1, posed=0.876543).to_dict()
    assert d["person"] == 1 and d["posed"] == 0.8765
    assert {"box", "gesture", "score", "source", "landmarks"} <= set(d)
    assert hand("v").to_dict()["posed"] is None


@pytest.mark.parametrize(
    "name", ["uncertain_margin", "min_sign_share", "min_posed_score", "rival_ratio"]
)
def test_new_thresholds_are_validated(name):
    with pytest.raises(ConfigError, match=name):
        Thresholds(**{name: 1.5 if name != "rival_ratio" else 101.0})


# -- hands linked to people, posed or not (hands/people.py: geometry, no models) ---------------

from gesture_scan.config import LinkOptions  # noqa: E402
from gesture_scan.hands.people import link_and_score, link_hands, posed_score  # noqa: E402

#: Two faces 100 px high, centres (300, 200) and (700, 200): shoulders 130 px below, 90 beside.
TWO_FACES = np.array([[250, 150, 350, 250], [650, 150, 750, 250]], dtype=np.float32)


def at(pose: str, x: float, y: float, size: float = 80.0) -> Hand:
    """A hand of ``pose`` whose landmark extent is about ``size`` px, centred near (x, y)."""
    h = hand(pose)
    lm = h.landmarks.copy()
    lm[:, :2] -= lm[:, :2].mean(axis=0)
    lm[:, :2] *= size / h.size
    lm[:, :2] += np.float32([x, y])
    return replace(h, landmarks=lm)


def test_a_hand_goes_to_the_person_within_reach():
    hands = (at("v", 180, 220), at("v", 820, 230), at("v", 500, 700))
    assert link_hands(hands, TWO_FACES, LinkOptions()) == (0, 1, None)


def test_a_hand_of_the_wrong_size_is_not_that_persons():
    """A tiny hand beside a close face belongs to someone far behind (not found)."""
    assert link_hands((at("v", 180, 220, size=15),), TWO_FACES, LinkOptions()) == (None,)
    assert link_hands((at("v", 180, 220, size=400),), TWO_FACES, LinkOptions()) == (None,)


def test_a_person_has_at_most_two_hands():
    hands = (at("v", 190, 220), at("v", 410, 220), at("v", 300, 330))
    people = link_hands(hands, TWO_FACES[:1], LinkOptions())
    assert sorted(p for p in people if p is not None) == [0, 0] and people.count(None) == 1


def test_no_faces_no_links():
    assert link_hands((at("v", 100, 100),), np.zeros((0, 4)), LinkOptions()) == (None,)


def test_raised_hands_score_as_posed_resting_ones_not():
    o = LinkOptions()
    raised = posed_score(at("v", 180, 200), 0, TWO_FACES, o)
    chest = posed_score(at("v", 200, 380), 0, TWO_FACES, o)
    waist = posed_score(at("v", 220, 620), 0, TWO_FACES, o)
    assert raised > 0.9 > chest > waist and waist < 0.2


def test_a_hand_over_a_face_is_busy_not_posed():
    o = LinkOptions()
    beside = posed_score(at("v", 180, 200), 0, TWO_FACES, o)
    over = posed_score(at("v", 300, 210), 0, TWO_FACES, o)
    assert over < 0.35 < beside


def test_a_grip_shape_is_less_posed_than_free_fingers():
    o = LinkOptions()
    fist = posed_score(at("fist", 180, 200), 0, TWO_FACES, o)
    v = posed_score(at("v", 180, 200), 0, TWO_FACES, o)
    assert fist == pytest.approx(v * o.grip_factor, abs=1e-6)


def test_unlinked_hands_are_neutral():
    o = LinkOptions()
    assert posed_score(at("v", 500, 700), None, TWO_FACES, o) == pytest.approx(o.unlinked_raised)


#: The hand-written posed score (the learned one, hands/posed.py, is tested on real hands in
#: tests/test_posed_model.py: these synthetic hands test the geometry it falls back on).
HAND_WRITTEN = LinkOptions(learned_posed=False)


def test_link_and_score_sets_both_fields_and_can_be_switched_off():
    hands = (at("v", 180, 200), at("v", 820, 620))
    linked = link_and_score(hands, TWO_FACES, HAND_WRITTEN)
    assert [h.person for h in linked] == [0, 1]
    assert linked[0].posed > 0.9 > 0.2 > linked[1].posed
    off = link_and_score(hands, TWO_FACES, LinkOptions(enabled=False))
    assert off == hands and all(h.person is None and h.posed is None for h in off)


def test_a_resting_hand_at_the_waist_is_no_evidence(engine):
    """The pipeline's order: link and score, then rules; the same V at the waist is no finding."""
    faces = Detections(TWO_FACES, np.full(2, 0.9), np.zeros(2, int), ("face",))

    def scan(h: Hand) -> ImageResult:
        return ImageResult(
            path="x.jpg",
            sha256=None,
            width=1000,
            height=800,
            faces=faces,
            hands=link_and_score((h,), faces.xyxy, HAND_WRITTEN),
        )

    up = by_rule(engine, scan(at("v", 180, 200)))["group-candidate-sign"]
    assert up.severity == "high" and up.details["people"] == [0]
    assert by_rule(engine, scan(at("v", 220, 560))) == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reach": 0}, "reach"),
        ({"grip_factor": 2}, "grip_factor"),
        ({"enabled": "yes"}, "enabled"),
        ({"min_size_ratio": 5, "max_size_ratio": 1}, "min_size_ratio"),
    ],
)
def test_link_options_are_validated(changes, field):
    with pytest.raises(ConfigError, match=field):
        LinkOptions(**changes)


def test_annotated_copy_labels_the_people_who_have_hands():
    from gesture_scan.report.annotate import draw

    faces = Detections(TWO_FACES, np.full(2, 0.9), np.zeros(2, int), ("face",))
    rgb = np.zeros((800, 1000, 3), dtype=np.uint8)
    unlinked = (at("v", 180, 400),)
    linked = link_and_score(unlinked, faces.xyxy, LinkOptions())
    assert linked[0].person == 0
    plain, labelled = (
        draw(rgb, unlinked, faces, Detections.empty()),
        draw(rgb, linked, faces, Detections.empty()),
    )
    above_face = (slice(100, 150), slice(250, 350))  # where face 0's label sits
    assert (plain[above_face] != labelled[above_face]).any()
    above_other = (slice(100, 150), slice(650, 750))
    assert (plain[above_other] == labelled[above_other]).all()


# -- held, not posed: two grip-shaped hands of one person together (hands/people.py) ------------

from gesture_scan.hands.people import HELD_TOGETHER_FACTOR, held_together  # noqa: E402


def test_two_fists_of_one_person_side_by_side_are_holding_something():
    """A trophy, a book or a pole held in both hands: two fists/thumbs-ups close together."""
    fists = (at("fist", 260, 420), at("fist", 330, 420))
    assert held_together(fists, (0, 0)) == (True, True)
    alone = link_and_score(fists[:1], TWO_FACES, HAND_WRITTEN)[0]
    both = link_and_score(fists, TWO_FACES, HAND_WRITTEN)
    assert [h.person for h in both] == [0, 0]
    assert both[0].posed == pytest.approx(alone.posed * HELD_TOGETHER_FACTOR, abs=1e-3)


def test_free_fingers_hands_apart_or_two_people_are_not_held_together():
    assert held_together((at("v", 260, 420), at("v", 330, 420)), (0, 0)) == (False, False)
    assert held_together((at("fist", 260, 420), at("v", 330, 420)), (0, 0)) == (False, False)
    assert held_together((at("fist", 120, 300), at("fist", 480, 300)), (0, 0)) == (False, False)
    assert held_together((at("fist", 460, 420), at("fist", 530, 420)), (0, 1)) == (False, False)
    assert held_together((at("fist", 460, 420), at("fist", 530, 420)), (None, None)) == (
        False,
        False,
    )


ATTIRE = Path(__file__).resolve().parents[1].parent / "shared" / "train" / "attire" / "photos"


@pytest.mark.models
@pytest.mark.skipif(not ATTIRE.is_dir(), reason="../shared/train/attire is not here")
def test_a_double_thumbs_up_is_posed_and_the_hands_on_drawings_are_not():
    """e5dfacec (by eye: children hold up drawings; the man in khaki in front gives a double
    thumbs-up). His two hands side by side are grip-shaped, so the held-together cue fires; the
    finger bends still tell them from the children's hands round the paper, which fall below
    the cut. (Until 2026-12-03 this test said the thumbs-ups were a child's hands on a book.)"""
    from gesture_scan import ScanConfig, Scanner

    with Scanner(ScanConfig(read_text="off")) as scanner:
        r = scanner.scan_image(ATTIRE / "e5dfacec.jpg")
    cut = Thresholds().min_posed_score
    together = held_together(r.hands, tuple(h.person for h in r.hands))
    thumbs = [h for h, t in zip(r.hands, together) if t]
    assert len(thumbs) == 2 and {h.reading.gesture.value for h in thumbs} == {"thumbs_up"}
    assert thumbs[0].person == thumbs[1].person is not None
    assert all(h.posed is not None and h.posed >= cut for h in thumbs)
    # The boxes of the hands labelled "holding: drawing paper" in hand_posed_labels.csv.
    paper = [(140, 329), (259, 427), (483, 387), (411, 384), (708, 358), (346, 426)]
    on_paper = [
        h for h in r.hands if any(abs(h.box[0] - x) + abs(h.box[1] - y) < 8 for x, y in paper)
    ]
    assert len(on_paper) == 6
    assert sum(h.posed is not None and h.posed < cut for h in on_paper) >= 5
    sign = r.sign
    assert sign is not None and sign.number == 1
