"""Rules on the optional evidence (candidate gallery faces, uniform cues, banner text) on hand-made
records: no models, milliseconds."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gesture_scan.detections import Detections
from gesture_scan.errors import ConfigError
from gesture_scan.results import FaceInfo, TextLine, TextMatch
from gesture_scan.rules import RuleEngine, load_profile

from .test_rules import banner, record
from .test_sign_grading import by_rule

PRABOWO = FaceInfo(candidate="02-prabowo", number=2, name="Prabowo", distance=0.41)
ON_BANNER = replace(PRABOWO, on_print=True)
KHAKI = FaceInfo(attire="pdh_khaki", attire_score=0.8, attire_reason="khaki torso")
FAINT_KHAKI = FaceInfo(attire="pdh_khaki", attire_score=0.3)


def with_faces(rec, infos):
    return replace(rec, face_info=tuple(infos) + (FaceInfo(),) * (rec.people - len(infos)))


def line(
    text, candidate=None, party=None, region=None, score=0.9, match=0.95, kind="ballot_number"
):
    matches = (TextMatch(kind, text, candidate, party, match),) if candidate or party else ()
    return TextLine((10, 10, 200, 60), text, score, region, matches)


@pytest.fixture(scope="module")
def engine() -> RuleEngine:
    return RuleEngine(load_profile("pilpres-2024"))


@pytest.mark.parametrize(
    ("people", "poses", "infos", "expected"),
    [
        # The candidate in person plus a partisan sign: the highest-scoring case.
        (3, ["v"], [PRABOWO], {"candidate-with-sign", "group-candidate-sign"}),
        (2, ["one"], [PRABOWO], {"candidate-with-sign", "group-candidate-sign"}),
        # The candidate in a group photo, no sign: worth a look, medium.
        (3, [], [PRABOWO], {"group-with-candidate"}),
        (3, ["fist"], [PRABOWO], {"group-with-candidate"}),
        # Alone with the candidate's face and no sign: nothing (a portrait of the candidate).
        (1, [], [PRABOWO], set()),
        # The candidate alone with a sign: probably their own campaign photo (medium, below).
        (1, ["v"], [PRABOWO], {"candidate-with-sign", "single-sign"}),
        # A face on a printed banner is not a person at the event.
        (3, [], [ON_BANNER], set()),
        (3, ["v"], [ON_BANNER], {"group-candidate-sign"}),
        # A uniform cue alone is never a finding.
        (3, [], [KHAKI, KHAKI], set()),
    ],
)
def test_gallery_rules(engine, people, poses, infos, expected):
    findings, _ = engine.evaluate(with_faces(record(people, poses), infos))
    assert {f.rule for f in findings} == expected


def test_candidate_with_own_sign_outranks_everything(engine):
    own = engine.apply(with_faces(record(3, ["v"]), [PRABOWO]))
    other = engine.apply(with_faces(record(3, ["one"]), [PRABOWO]))
    plain = engine.apply(record(3, ["v"]))
    top = own.findings[0]
    assert top.rule == "candidate-with-sign" and top.severity == "high"
    assert top.faces == (0,) and top.hands == (0,)
    assert "Prabowo" in top.message and "0.41" in top.message
    assert own.triage_score > other.triage_score > plain.triage_score
    assert other.findings[0].details["number"] == 1  # the sign's candidate, not the face's


def test_candidate_alone_with_a_sign_is_medium(engine):
    solo = engine.apply(with_faces(record(1, ["v"]), [PRABOWO]))
    group = engine.apply(with_faces(record(2, ["v"]), [PRABOWO]))
    f = {f.rule: f for f in solo.findings}["candidate-with-sign"]
    assert f.severity == "medium" and f.details["solo"] is True
    assert "may be their own" in f.message and "calon sendiri" in f.message_id
    g = {f.rule: f for f in group.findings}["candidate-with-sign"]
    assert g.severity == "high" and g.score > f.score
    assert group.triage_score > solo.triage_score


def test_uniform_cue_raises_score_and_names_faces(engine):
    plain = engine.apply(record(3, ["v"]))
    uniform = engine.apply(with_faces(record(3, ["v"]), [FaceInfo(), KHAKI]))
    faint = engine.apply(with_faces(record(3, ["v"]), [FAINT_KHAKI]))
    assert uniform.triage_score > plain.triage_score == faint.triage_score
    f = uniform.findings[0]
    assert f.faces == (1,) and f.details["attire"] == ["pdh_khaki"]
    assert "not proof" in f.message and "bukan bukti" in f.message_id


#: What the learned head (issue 19) hands the rules: a likely civil servant, and people it read
#: as another service's uniform or ordinary clothes (no label: below the precision threshold).
SATPOL = FaceInfo(
    attire="satpol_pp",
    attire_score=0.91,
    attire_reason="seragam Satpol PP",
    civil_servant=True,
    uniform="satpol_pp",
    attire_classes=(("satpol_pp", 0.7), ("pdh_khaki", 0.2), ("other_uniform", 0.05)),
)
POLICE = FaceInfo(
    attire_score=0.4, civil_servant=False, uniform="other_uniform", attire_classes=(("x", 1.0),)
)
CIVILIAN = FaceInfo(attire_score=0.05, civil_servant=False, uniform="civilian")


def test_likely_civil_servant_is_named_with_score_in_both_languages(engine):
    rec = engine.apply(with_faces(record(3, ["v"]), [FaceInfo(), KHAKI]))
    f = {f.rule: f for f in rec.findings}["group-candidate-sign"]
    assert "kemungkinan ASN: seragam PDH khaki, skor 0.80 - isyarat, bukan bukti" in f.message_id
    assert "possible civil servant: khaki PDH uniform, score 0.80 - a cue, not proof" in f.message
    assert f.details["civil_servant_faces"] == [1] and 1 in f.faces


def test_several_civil_servants_are_named_strongest_first(engine):
    rec = engine.apply(with_faces(record(4, ["v"]), [KHAKI, CIVILIAN, SATPOL]))
    f = {f.rule: f for f in rec.findings}["group-candidate-sign"]
    assert f.details["civil_servant_faces"] == [2, 0]
    assert "seragam Satpol PP, skor 0.91; seragam PDH khaki, skor 0.80" in f.message_id
    assert f.details["attire"] == ["pdh_khaki", "satpol_pp"]


@pytest.mark.parametrize("poses", [["v"], ["three", "three"]])
def test_group_sign_with_a_likely_civil_servant_ranks_above_one_without(engine, poses):
    plain = engine.apply(with_faces(record(4, poses), [CIVILIAN, POLICE]))
    asn = engine.apply(with_faces(record(4, poses), [CIVILIAN, POLICE, SATPOL]))
    assert asn.triage_score > plain.triage_score
    ranked = sorted([("plain", plain.triage_score), ("asn", asn.triage_score)], key=lambda r: -r[1])
    assert ranked[0][0] == "asn"
    by_rule = {f.rule: f.score for f in plain.findings}
    for f in asn.findings:
        assert f.score > by_rule[f.rule], f.rule
    # People read as another service or in ordinary clothes add nothing and are not named.
    assert plain.triage_score == engine.apply(record(4, poses)).triage_score
    assert all("ASN" not in f.message_id for f in plain.findings)


def test_non_civil_servant_faces_still_report_what_the_head_saw(engine):
    d = json.loads(
        json.dumps(engine.apply(with_faces(record(3, ["v"]), [POLICE, SATPOL])).to_dict())
    )
    police, satpol = d["faces"][0]["attire"], d["faces"][1]["attire"]
    assert police["label"] is None and police["civil_servant"] is False
    assert police["uniform"] == "other_uniform"
    assert satpol["civil_servant"] is True and satpol["classes"][0] == ["satpol_pp", 0.7]
    assert d["faces"][2]["attire"] is None  # not judged


@pytest.mark.parametrize(
    ("lines", "people", "objects", "expected", "supports"),
    [
        (
            [line("COBLOS NO. 2", candidate=2, region=0)],
            3,
            True,
            {"group-with-material", "candidate-text"},
            [2],
        ),
        (
            [line("PDI PERJUANGAN", party="PDI-P", candidate=3, region=0)],
            0,
            True,
            {"candidate-text"},
            None,
        ),
        # Whole-photo text (a shared campaign graphic): a low-severity flag on its own.
        (
            [line("PRABOWO GIBRAN", candidate=2, kind="candidate_name")],
            0,
            False,
            {"candidate-text"},
            None,
        ),
        # Unsure OCR or a weak fuzzy match names no one.
        ([line("COBLOS NO. 2", candidate=2, score=0.3)], 0, False, set(), None),
        ([line("PRABOWA", candidate=2, match=0.6)], 0, False, set(), None),
        ([line("SELAMAT DATANG")], 3, True, {"group-with-material"}, None),
    ],
)
def test_text_rules(engine, lines, people, objects, expected, supports):
    rec = replace(record(people, (), banner() if objects else None), texts=tuple(lines))
    findings = {f.rule: f for f in engine.evaluate(rec)[0]}
    assert set(findings) == expected
    if "candidate-text" in findings:
        assert findings["candidate-text"].texts == (0,)
    if supports:
        mat = findings["group-with-material"]
        assert mat.details["material_supports"] == supports and mat.texts == (0,)
        assert "02" in mat.message


def test_banner_text_for_the_signed_candidate_is_named(engine):
    rec = replace(record(3, ["v"], banner()), texts=(line("NO. 02", candidate=2, region=0),))
    f = {f.rule: f for f in engine.evaluate(rec)[0]}["material-with-sign"]
    assert f.details["material_supports"] == [2] and f.details["number"] == 2


def test_record_json_carries_faces_and_texts(engine):
    rec = replace(
        with_faces(record(3, ["v"], banner()), [PRABOWO, KHAKI]),
        texts=(line("NO. 02", candidate=2, region=0),),
    )
    d = json.loads(json.dumps(engine.apply(rec).to_dict()))
    assert [f["candidate"] for f in d["faces"]] == ["02-prabowo", None, None]
    assert d["faces"][1]["attire"]["label"] == "pdh_khaki"
    assert d["faces"][2]["attire"] is None and d["faces"][2]["distance"] is None
    assert d["texts"][0]["matches"][0]["candidate"] == 2
    assert d["findings"][0]["faces"] == [0, 1]


def test_profile_gallery_is_relative_to_the_profile(tmp_path):
    prof = tmp_path / "p.yaml"
    prof.write_text(
        "id: p\nname: P\ngallery: galeri\ncandidates: [{number: 1, signs: [1]}]\n", "utf-8"
    )
    assert load_profile(prof).gallery == str(tmp_path / "galeri")
    assert load_profile("pilpres-2024").gallery is None


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("thresholds: {min_text_match: 2}", "thresholds.min_text_match"),
        ("thresholds: {attire_boost: -1}", "thresholds.attire_boost"),
        ("gallery: [a, b]", "gallery"),
    ],
)
def test_bad_evidence_settings_name_the_field(tmp_path, extra, field):
    prof = tmp_path / "p.yaml"
    prof.write_text(f"id: p\nname: P\ncandidates: [{{number: 1, signs: [1]}}]\n{extra}\n", "utf-8")
    with pytest.raises(ConfigError) as info:
        load_profile(prof)
    assert info.value.field == field
    assert Path(str(prof)).name in str(info.value)


# -- official event backdrops ---------------------------------------------------------------------

#: Lines as PP-OCR returns them off such backdrops (made up, in their style).
SCHOOL_BACKDROP = ("SOSIALISASI", "KESEHATAN ANAK SEKOLAH", "SMP NEGERI 4 SUKAMAJU")
POLICE_BACKDROP = ("KEGIATAN ASISTENSI", "SATUAN POLISI PAMONGPRAJA", "PROVINSI JAWA TENGAH")


def on_banner(*texts):
    return tuple(line(t, region=0) for t in texts)


@pytest.mark.parametrize("texts", [SCHOOL_BACKDROP, POLICE_BACKDROP])
def test_a_group_before_an_official_backdrop_is_low_and_says_why(engine, texts):
    rec = replace(record(3, (), banner()), texts=on_banner(*texts))
    f = by_rule(engine, rec)["group-with-material"]
    assert f.severity == "low"
    assert "official event's backdrop" in f.message and "latar acara resmi" in f.message_id
    assert len(f.details["backdrop_terms"]) >= 2
    # The same banner unread (no text) is campaign material as before.
    plain = by_rule(engine, record(3, (), banner()))
    assert plain["group-with-material"].severity == "medium"


@pytest.mark.parametrize(
    "texts",
    [
        # a campaign word vetoes the official ones
        (*SCHOOL_BACKDROP, "COBLOS CALEG DPRD"),
        # a profile name on the banner: campaign material whatever else it says
        ("SOSIALISASI", "PEMERINTAH KABUPATEN", "PRABOWO"),
        # one official word is not enough ("desa" is on candidates' banners too)
        ("MENGABDI UNTUK DESA", "TONY HATMOKO"),
    ],
)
def test_campaign_words_or_one_official_word_keep_the_banner_campaign_material(engine, texts):
    lines = on_banner(*texts)
    if "PRABOWO" in texts:
        lines = (*lines[:-1], line("PRABOWO", candidate=2, region=0, kind="candidate_name"))
    rec = replace(record(3, (), banner()), texts=lines)
    f = by_rule(engine, rec)["group-with-material"]
    assert f.severity == "medium" and "backdrop_terms" not in f.details


def test_a_sign_before_an_official_backdrop_is_judged_as_a_sign(engine):
    """The backdrop makes the material finding low; the sign findings are the sign's own."""
    rec = replace(record(3, ["v", "v"], banner()), texts=on_banner(*SCHOOL_BACKDROP))
    rules = by_rule(engine, rec)
    assert rules["material-with-sign"].severity == "low"
    assert rules["group-candidate-sign"].severity == "high"
    assert rules["several-same-sign"].severity == "high"
    before = by_rule(engine, record(3, ["v", "v"], banner()))
    assert before["material-with-sign"].severity == "high"


def test_an_official_backdrop_does_not_corroborate_one_thumbs_up(engine):
    """Campaign material makes one person's thumbs-up a high finding; a backdrop does not."""
    bare = record(3, ["thumbs_up"], banner())
    assert by_rule(engine, bare)["group-candidate-sign"].severity == "high"
    rec = replace(bare, texts=on_banner(*POLICE_BACKDROP))
    assert by_rule(engine, rec)["group-candidate-sign"].severity == "medium"


def test_a_flag_beside_the_backdrop_keeps_the_material_finding(engine):
    objs = Detections(
        np.array([[0, 0, 400, 200], [500, 0, 600, 200]]),
        np.array([0.8, 0.8]),
        np.array([0, 1]),
        ("banner", "flag"),
    )
    rec = replace(record(3, (), objs), texts=on_banner(*SCHOOL_BACKDROP))
    assert by_rule(engine, rec)["group-with-material"].severity == "medium"


def test_the_backdrop_rule_can_be_turned_off(engine):
    prof = load_profile("pilpres-2024")
    off = RuleEngine(replace(prof, thresholds=replace(prof.thresholds, min_backdrop_terms=0)))
    rec = replace(record(3, (), banner()), texts=on_banner(*SCHOOL_BACKDROP))
    assert by_rule(off, rec)["group-with-material"].severity == "medium"
    with pytest.raises(ConfigError, match=r"thresholds\.min_backdrop_terms"):
        replace(prof.thresholds, min_backdrop_terms=-1)
