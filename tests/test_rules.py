"""Rules and election profiles on hand-made detections: no models, milliseconds."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from gesture_scan.detections import Detections
from gesture_scan.errors import ConfigError
from gesture_scan.hands.fingers import read_fingers
from gesture_scan.hands.landmarks import HandLandmark
from gesture_scan.results import Gesture, Hand, Handedness, ImageResult
from gesture_scan.rules import RULES, RuleEngine, list_profiles, load_profile
from gesture_scan.rules.schema import parse_profile

from .handgen import make_hand

T, F = True, False
POSES = {
    "v": ((F, T, T, F, F), 0),
    "one": ((F, T, F, F, F), 0),
    "point_side": ((F, T, F, F, F), 90),
    "three": ((F, T, T, T, F), 0),
    "metal": ((F, T, F, F, T), 0),
    "palm": ((T, T, T, T, T), 0),
    "fist": ((F, F, F, F, F), 0),
}


def hand(pose: str, x: float = 300, score: float = 0.95) -> Hand:
    if pose == "thumbs_up":  # rotate the fist until the thumb points straight up
        upright = make_hand((T, F, F, F, F))
        thumb = upright[HandLandmark.THUMB_TIP, :2] - upright[HandLandmark.THUMB_CMC, :2]
        roll = -np.degrees(np.arctan2(thumb[0], -thumb[1]))
        lm = make_hand((T, F, F, F, F), roll_deg=roll, centre=(x, 300))
    else:
        pattern, roll = POSES[pose]
        lm = make_hand(pattern, roll_deg=roll, centre=(x, 300))
    return Hand(lm, Handedness.RIGHT, 0.9, score, read_fingers(lm))


def faces(n: int) -> Detections:
    boxes = [[100 + 150 * i, 50, 160 + 150 * i, 110] for i in range(n)]
    return Detections(np.array(boxes).reshape(-1, 4), np.full(n, 0.9), np.zeros(n, int), ("face",))


def banner(size: float = 400, score: float = 0.8) -> Detections:
    return Detections(
        np.array([[0, 0, size, size / 2]]), np.array([score]), np.array([0]), ("banner", "flag")
    )


def record(people: int, poses=(), objects=None, error=None) -> ImageResult:
    hands = tuple(hand(p, x=200 + 180 * i) for i, p in enumerate(poses))
    return ImageResult(
        path="x.jpg",
        sha256="0" * 64,
        width=1200,
        height=800,
        error=error,
        faces=faces(people),
        hands=hands,
        objects=objects if objects is not None else Detections.empty(("banner", "flag")),
    )


@pytest.fixture(scope="module")
def engine() -> RuleEngine:
    return RuleEngine(load_profile("pilpres-2024"))


@pytest.mark.parametrize(
    ("people", "poses", "objects", "expected"),
    [
        (3, ["v"], None, {"group-candidate-sign"}),
        (3, ["v", "v"], None, {"group-candidate-sign", "several-same-sign"}),
        (1, ["v"], None, {"single-sign"}),
        (0, ["one"], None, {"single-sign"}),
        (1, ["v"], "banner", {"material-with-sign"}),
        (
            4,
            ["three"],
            "banner",
            {"group-candidate-sign", "material-with-sign", "group-with-material"},
        ),
        (3, [], "banner", {"group-with-material"}),
        # Two people: one person's thumbs-up alone is medium (tests/test_sign_grading.py).
        (3, ["thumbs_up", "thumbs_up"], None, {"group-candidate-sign", "several-same-sign"}),
        (3, ["metal"], None, {"group-candidate-sign"}),
        # Casual gestures are not findings by themselves.
        (3, ["palm"], None, set()),
        (3, ["point_side"], None, set()),
        (3, ["fist"], None, set()),
        (3, [], None, set()),
        (0, [], None, set()),
        (3, [], "tiny_banner", set()),
    ],
)
def test_rule_table(engine, people, poses, objects, expected):
    objs = {"banner": banner(), "tiny_banner": banner(size=40)}.get(objects)
    findings, score = engine.evaluate(record(people, poses, objs))
    assert {f.rule for f in findings} == expected
    assert (score > 0) == bool(expected)
    for f in findings:
        assert f.message and f.message_id and f.references
        assert f.severity == RULES[f.rule].severity


def test_findings_name_their_evidence(engine):
    r = record(3, ["fist", "v", "one", "v"], banner())
    findings, _ = engine.evaluate(r)
    by_rule = {(f.rule, f.details.get("number")): f for f in findings}
    assert by_rule[("group-candidate-sign", 2)].hands == (1, 3)
    assert by_rule[("group-candidate-sign", 1)].hands == (2,)
    assert by_rule[("material-with-sign", 2)].objects == (0,)
    assert "02" in by_rule[("several-same-sign", 2)].message
    assert "Prabowo" in by_rule[("group-candidate-sign", 2)].message_id


def test_more_evidence_sorts_higher(engine):
    scores = [
        engine.evaluate(record(*args))[1]
        for args in (
            (1, ["v"], None),
            (3, ["v"], None),
            (3, ["v", "v"], None),
            (3, ["v", "v", "v"], banner()),
        )
    ]
    assert scores == sorted(scores) and len(set(scores)) == 4 and scores[-1] < 1.0


def test_unsure_hands_and_error_records_are_not_evidence(engine):
    r = record(3, ["v"])
    weak = ImageResult(
        path="x", sha256=None, width=1200, height=800, faces=faces(3), hands=(hand("v", score=0.2),)
    )
    assert engine.evaluate(weak) == ((), 0.0)
    assert engine.evaluate(record(3, ["v"], error="truncated")) == ((), 0.0)
    assert engine.evaluate(r)[0]


def test_open_palms_count_when_corroborated():
    profile = parse_profile(
        {
            "id": "five",
            "name": "Five",
            "candidates": [{"number": 5, "names": ["Lima"], "signs": [5]}],
        }
    )
    eng = RuleEngine(profile)
    assert eng.evaluate(record(3, ["palm"]))[0] == ()
    rules = {f.rule for f in eng.evaluate(record(3, ["palm", "palm"]))[0]}
    assert rules == {"group-candidate-sign", "several-same-sign"}


def test_profile_can_regrade_and_disable_rules():
    base = {"id": "t", "name": "T", "candidates": [{"number": 2, "signs": [2]}]}
    eng = RuleEngine(parse_profile({**base, "rules": {"single-sign": {"severity": "medium"}}}))
    assert [f.severity for f in eng.evaluate(record(1, ["v"]))[0]] == ["medium"]
    off = RuleEngine(parse_profile({**base, "rules": {"single-sign": {"enabled": False}}}))
    assert off.evaluate(record(1, ["v"]))[0] == ()


def test_party_signs():
    profile = parse_profile(
        {
            "id": "p",
            "name": "P",
            "candidates": [{"number": 1, "signs": [1]}],
            "parties": [
                {"name": "Partai Contoh", "signs": [{"gesture": "fist", "direction": "any"}]}
            ],
        }
    )
    findings, _ = RuleEngine(profile).evaluate(record(2, ["fist"]))
    assert [f.rule for f in findings] == ["party-sign"]
    assert "Partai Contoh" in findings[0].message


def test_json_record_carries_findings(engine):
    result = engine.apply(record(3, ["v"], banner()))
    d = json.loads(json.dumps(result.to_dict()))
    assert d["flagged"] is True and d["severity"] == "high"
    assert 0 < d["triage_score"] <= 1
    assert {f["rule"] for f in d["findings"]} >= {"group-candidate-sign", "material-with-sign"}


def test_shipped_profiles():
    profiles = {p.id: p for p in list_profiles()}
    assert {"pilpres-2024", "pilkada-2024-template"} <= set(profiles)
    pilpres = profiles["pilpres-2024"]
    assert pilpres.election_day == dt.date(2024, 2, 14)
    assert [c.number for c in pilpres.candidates] == [1, 2, 3]
    assert "Anies Baswedan" in pilpres.candidates[0].names
    assert "Gerindra" in pilpres.candidates[1].parties
    assert "PDI-P" in pilpres.candidates[2].parties
    assert {s.gesture for s in pilpres.candidates[2].signs} >= {Gesture.METAL}
    pilkada = profiles["pilkada-2024-template"]
    assert pilkada.template and pilkada.election_day == dt.date(2024, 11, 27)


GOOD = {"id": "ok", "name": "OK", "candidates": [{"number": 1, "signs": [1]}]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"candidates": []}, "candidates"),
        ({"candidates": [{"number": 1, "signs": ["peace"]}]}, "candidates[0].signs[0]"),
        ({"candidates": [{"number": 1, "signs": [7]}]}, "candidates[0].signs[0]"),
        ({"candidates": [{"number": 1, "signs": []}]}, "candidates[0].signs"),
        ({"candidates": [{"number": 0, "signs": [1]}]}, "candidates[0].number"),
        ({"candidates": [{"number": 1, "signs": [1]}, {"number": 1, "signs": [2]}]}, "candidates"),
        ({"candidates": [{"number": 1, "signs": [1], "colour": "red"}]}, "candidates[0]"),
        ({"election_day": "14/02/2024"}, "election_day"),
        ({"start": "2024-02-10", "end": "2024-01-01"}, "end"),
        ({"thresholds": {"min_hand_score": 2}}, "thresholds.min_hand_score"),
        ({"thresholds": {"group_min_people": 0}}, "thresholds.group_min_people"),
        ({"thresholds": {"typo": 1}}, "thresholds"),
        ({"rules": {"no-such-rule": {}}}, "rules.no-such-rule"),
        ({"id": "Has Spaces"}, "id"),
        (
            {"candidates": [{"number": 1, "signs": [{"fingers": 1, "direction": "left"}]}]},
            "candidates[0].signs[0].direction",
        ),
    ],
)
def test_bad_profiles_name_the_field(change, field):
    with pytest.raises(ConfigError) as info:
        parse_profile({**GOOD, **change}, "my.yaml")
    assert info.value.field == field
    assert "my.yaml" in str(info.value)


def test_profile_files(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_profile(bad)
    with pytest.raises(ConfigError, match="neither a shipped profile"):
        load_profile("pilpres-2029")
    good = tmp_path / "mine.yaml"
    good.write_text(
        "id: mine\nname: Mine\ncandidates:\n  - number: 4\n    signs: [4, {gesture: ok}]\n"
    )
    assert load_profile(good).candidates[0].number == 4
