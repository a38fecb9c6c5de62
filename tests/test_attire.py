"""Civil-servant attire cue: torso geometry, each uniform on rendered people, near-miss clothes,
lighting, and real people in ordinary clothes (skipped without ../shared)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gesture_scan.errors import ConfigError
from gesture_scan.people.attire import (
    LABELS,
    AttireOptions,
    attire_cues,
    torso_box,
    white_balance_gains,
)
from gesture_scan_devkit.attire_scenes import (
    KINDS,
    UNIFORM_KINDS,
    label_of,
    render_group,
    render_person,
    render_torso_crop,
)

from .scripts import load_script

KHAKI = (190, 172, 128)
SKIN = (200, 150, 120)
GREY = (128, 128, 128)


def canvas(shirt: tuple[int, int, int], size: tuple[int, int] = (400, 300)) -> np.ndarray:
    """Grey wall, a skin-coloured face at (120, 60)-(180, 130), a flat shirt below it."""
    h, w = size
    img = np.full((h, w, 3), GREY, np.uint8)
    img[60:130, 120:180] = SKIN
    img[150:, 60:240] = shirt
    return img


FACE = np.array([[120.0, 60.0, 180.0, 130.0]])
#: The colour rule of issue 6, kept as an option and as features of the learned head.
RULE = AttireOptions(method="rule")


def flagged_rate(kind: str, n: int, seed: int, wanted: str | None = None, **kw: object) -> float:
    """Share of ``n`` seeded renders of ``kind`` labeled ``wanted`` (any label when None)."""
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(n):
        scene = render_person(kind, rng, **kw)  # type: ignore[arg-type]
        (cue,) = attire_cues(scene.rgb, scene.face_boxes, RULE)
        hits += cue.label == wanted if wanted else cue.label is not None
    return hits / n


# ---------------------------------------------------------------------------------------------
# geometry


@pytest.mark.parametrize(
    ("face", "size", "expected"),
    [
        # 40x50 face in the middle: 2.4 face widths wide, from 0.3 face heights below the chin
        ((100, 100, 140, 150), (480, 640), (72.0, 165.0, 168.0, 285.0)),
        # near the right border: clipped to the image width
        ((590, 100, 630, 150), (480, 640), (562.0, 165.0, 640.0, 285.0)),
        # near the bottom: clipped to the image height
        ((100, 300, 140, 350), (400, 640), (72.0, 365.0, 168.0, 400.0)),
    ],
)
def test_torso_box_lies_below_the_face_and_is_clipped(
    face: tuple[int, int, int, int], size: tuple[int, int], expected: tuple[float, ...]
) -> None:
    rgb = np.full((*size, 3), 128, np.uint8)
    (cue,) = attire_cues(rgb, np.array([face], float))
    assert cue.box == pytest.approx(expected)
    assert cue.box[1] > face[3]


def test_torso_box_follows_the_options() -> None:
    opts = AttireOptions(torso_width=3.0, torso_gap=0.0, torso_height=2.0)
    assert torso_box((100, 100, 140, 150), opts) == pytest.approx((60.0, 150.0, 180.0, 250.0))


@pytest.mark.parametrize(
    ("face", "reason"),
    [
        ((200, 100, 206, 107), "torso too small"),  # 6 px face: a 14x17 px torso
        ((100, 380, 140, 398), "torso too small"),  # face at the bottom: torso outside
        ((0, 300, 40, 350), "inside the image"),  # 21% of the torso in frame (left, bottom)
    ],
)
def test_no_cue_for_tiny_or_cut_off_torsos(face: tuple[int, ...], reason: str) -> None:
    rgb = canvas(KHAKI)
    (cue,) = attire_cues(rgb, np.array([face], float))
    assert cue.label is None and cue.score == 0.0
    assert reason in cue.reason


def test_one_cue_per_face_in_order_and_edge_cases() -> None:
    rgb = canvas(KHAKI)
    faces = np.array([[120.0, 60.0, 180.0, 130.0], [200, 100, 206, 107]])
    cues = attire_cues(rgb, faces, RULE)
    assert [c.label for c in cues] == ["pdh_khaki", None]
    assert attire_cues(rgb, np.zeros((0, 4))) == ()
    assert attire_cues(rgb, faces, AttireOptions(enabled=False)) == ()
    with pytest.raises(ValueError, match="uint8"):
        attire_cues(rgb.astype(np.float32), faces)
    assert set(cues[0].to_dict()) == {
        "label",
        "score",
        "box",
        "reason",
        "civil_servant",
        "uniform",
        "classes",
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_score", 1.5),
        ("torso_width", 0.0),
        ("torso_height", -1.0),
        ("min_torso_px", 0),
        ("min_visible", 2.0),
        ("white_balance", -0.1),
        ("max_gain", 0.5),
        ("skin_balance", 3.0),
        ("enabled", "yes"),
        ("method", "cnn"),
        ("threshold", 1.5),
        ("head", 3),
    ],
)
def test_bad_options_name_the_field(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=field):
        AttireOptions(**{field: value})  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# colour and skin, on flat drawn shirts


@pytest.mark.parametrize(
    ("shirt", "label"),
    [
        (KHAKI, "pdh_khaki"),
        ((110, 100, 70), "satpol_pp"),  # dark khaki / olive-brown
        ((55, 80, 50), "linmas_green"),
        ((235, 235, 230), None),  # white shirt
        ((30, 30, 35), None),  # dark suit
        ((40, 90, 170), None),  # plain blue: no motif, no batik
        ((150, 40, 40), None),  # red
    ],
)
def test_flat_shirt_colours(shirt: tuple[int, int, int], label: str | None) -> None:
    (cue,) = attire_cues(canvas(shirt), FACE, RULE)
    assert cue.label == label, cue.reason
    if label:
        assert cue.score >= 0.5 and "%" in cue.reason


def test_skin_in_front_of_the_shirt_does_not_change_the_label() -> None:
    rgb = canvas(KHAKI)
    rgb[200:280, 80:220] = SKIN  # clasped hands and forearms over the belly
    (cue,) = attire_cues(rgb, FACE, RULE)
    assert cue.label == "pdh_khaki", cue.reason


def test_bare_skin_torso_is_not_a_uniform() -> None:
    (cue,) = attire_cues(canvas(SKIN), FACE, RULE)
    assert cue.label is None, cue.reason


@pytest.mark.parametrize(
    "cast", [(1.3, 1.0, 0.75), (1.25, 1.0, 0.8), (0.86, 1.0, 1.15), (1.0, 1.08, 0.95)]
)
def test_khaki_survives_a_colour_cast(cast: tuple[float, float, float]) -> None:
    """Warm tungsten to cool shade. Known limit: a stronger cool cast (0.82, 1, 1.2) turns khaki
    grey-green beyond what the partial white balance takes back, and the cue says nothing."""
    lit = np.clip(canvas(KHAKI).astype(np.float32) * cast, 0, 255).astype(np.uint8)
    (cue,) = attire_cues(lit, FACE, RULE)
    assert cue.label == "pdh_khaki", cue.reason


def test_white_balance_gains_counter_a_warm_cast() -> None:
    warm = np.clip(canvas(GREY).astype(np.float32) * (1.25, 1.0, 0.8), 0, 255).astype(np.uint8)
    gains = white_balance_gains(warm, AttireOptions())
    assert gains[2] > 1.0 > gains[0]
    none = white_balance_gains(warm, AttireOptions(white_balance=0.0))
    assert none == pytest.approx(np.ones(3), abs=1e-6)


# ---------------------------------------------------------------------------------------------
# rendered people (rates over seeded batches, not single samples)

# seeds differ from the tuning seed (0) of scripts/measure_attire.py
N = 16


@pytest.mark.parametrize(
    ("kind", "min_rate"),
    [("pdh_khaki", 0.5), ("korpri_batik", 0.85), ("linmas_green", 0.7), ("satpol_pp", 0.6)],
)
def test_each_uniform_is_recognised_on_rendered_people(kind: str, min_rate: float) -> None:
    assert flagged_rate(kind, N, seed=11, wanted=kind) >= min_rate


@pytest.mark.parametrize(
    ("kind", "max_rate"),
    [
        ("near_beige", 0.25),  # beige sweater: paler and greyer than khaki
        ("near_brown", 0.25),  # brown jacket: redder and darker
        ("plain_blue", 0.0),  # blue without motif is never the batik
        ("plaid_blue", 0.1),  # blue-white checks: texture on two axes
        ("batik_brown", 0.3),  # batik of another colour
        ("white_shirt", 0.1),
        ("dark_suit", 0.05),
        ("stripes", 0.15),
        ("print", 0.15),
    ],
)
def test_near_miss_clothes_are_mostly_rejected(kind: str, max_rate: float) -> None:
    assert flagged_rate(kind, N, seed=12) <= max_rate


def test_olive_t_shirt_is_a_known_confusion() -> None:
    """An olive T-shirt has the Linmas colour: colour alone cannot tell them apart. The cue says
    so by labelling most of them; this test pins that limit so a change that hides it is seen."""
    assert flagged_rate("near_olive", N, seed=13) >= 0.4


@pytest.mark.parametrize("kind", ["pdh_khaki", "korpri_batik"])
def test_uniform_under_no_and_strong_lighting(kind: str) -> None:
    clean = flagged_rate(kind, N, seed=14, wanted=kind, lighting=0.0)
    harsh = flagged_rate(kind, N, seed=14, wanted=kind, lighting=1.0)
    assert clean >= 0.8
    assert harsh >= 0.5


def test_group_scene_gives_each_person_their_own_cue() -> None:
    rng = np.random.default_rng(15)
    kinds = ["korpri_batik", "dark_suit", "linmas_green", "white_shirt"]
    scene = render_group(kinds, rng, size=(420, 760), face_px=(50.0, 70.0), lighting=0.3)
    cues = attire_cues(scene.rgb, scene.face_boxes, RULE)
    assert [c.label for c in cues] == [label_of(k) for k in kinds]
    xs = [c.box[0] for c in cues]
    assert xs == sorted(xs)


def test_renderer_is_deterministic_and_labels_kinds() -> None:
    a = render_person("pdh_khaki", np.random.default_rng(3))
    b = render_person("pdh_khaki", np.random.default_rng(3))
    assert np.array_equal(a.rgb, b.rgb) and np.array_equal(a.face_boxes, b.face_boxes)
    assert a.labels == ("pdh_khaki",)
    crop = render_torso_crop("korpri_batik", np.random.default_rng(3), (60, 80))
    assert crop.shape == (60, 80, 3) and crop.dtype == np.uint8
    assert set(UNIFORM_KINDS) == set(LABELS) and set(LABELS) < set(KINDS)
    with pytest.raises(ValueError, match="unknown attire kind"):
        label_of("tuxedo")


# ---------------------------------------------------------------------------------------------
# real people in ordinary clothes

#: Webcam selfies whose torso is in frame: blue plaid shirts, a blue polo, dark T-shirts.
SELFIES = (
    "hands_16_pic00035.jpg",
    "hands_26_pic00031.jpg",
    "hands_3_pic00031.jpg",  # blue plaid: the real near-miss of the blue batik
    "hands_5_pic00114.jpg",
    "hands_996_pic00049.jpg",
    "hands_996_pic00118.jpg",
)


@pytest.fixture(scope="module")
def face_stage():  # type: ignore[no-untyped-def]
    from gesture_scan.people.stage import FaceStage

    with FaceStage() as stage:
        yield stage


def test_real_people_in_ordinary_clothes_are_not_flagged(
    hands_dir: Path,
    face_stage,  # type: ignore[no-untyped-def]
) -> None:
    from PIL import Image

    judged, flags = 0, []
    for name in SELFIES:
        path = hands_dir / name
        if not path.is_file():
            pytest.skip(f"{path} not found")
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"))
        faces = face_stage.run(rgb).detections
        for cue in attire_cues(rgb, faces.xyxy):
            judged += not cue.reason.startswith("torso")
            if cue.label is not None:
                flags.append((name, cue))
    assert judged >= 5
    assert flags == []


# ---------------------------------------------------------------------------------------------
# the learned head (issue 19): weights/attire_backbone.onnx + weights/attire_head.npz


def cued_rate(kind: str, n: int, seed: int, **kw: object) -> float:
    """Share of ``n`` seeded renders of ``kind`` the learned head calls a civil servant."""
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(n):
        scene = render_person(kind, rng, **kw)  # type: ignore[arg-type]
        (cue,) = attire_cues(scene.rgb, scene.face_boxes)
        hits += bool(cue.civil_servant)
    return hits / n


@pytest.mark.parametrize(("kind", "min_rate"), [("pdh_khaki", 0.5), ("satpol_pp", 0.4)])
def test_learned_head_cues_rendered_service_uniforms(kind: str, min_rate: float) -> None:
    """The head never saw a rendered person: khaki service shirts drawn by our renderer are
    still mostly read as civil servants' (seed 21; 10/12 and 9/12 at seed 5)."""
    assert cued_rate(kind, N, seed=21) >= min_rate


@pytest.mark.parametrize("kind", ["plain_blue", "plaid_blue", "stripes", "dark_suit", "near_olive"])
def test_learned_head_leaves_rendered_ordinary_clothes_alone(kind: str) -> None:
    assert cued_rate(kind, N, seed=22) <= 0.1


def test_rendered_white_shirts_are_the_known_risk() -> None:
    """A plain white shirt is the head's commonest false cue (read as ``white_pns``, the white
    civil-servant shirt, whose insignia a 96 px crop barely shows). At the shipped threshold
    (0.473, aimed at 4% false cues) 2 of these 16 were cued (at most 1 at the earlier 0.537); the
    bound pins the limit so a change that makes it worse is seen."""
    assert cued_rate("white_shirt", N, seed=22) <= 0.2


def test_learned_cue_fields_and_threshold() -> None:
    from gesture_scan.people.uniform import CIVIL_SERVANT_CLASSES, CLASSES

    scene = render_person("pdh_khaki", np.random.default_rng(5))
    (cue,) = attire_cues(scene.rgb, scene.face_boxes)
    assert cue.civil_servant is True and cue.label in CIVIL_SERVANT_CLASSES
    assert cue.uniform == cue.classes[0][0] and len(cue.classes) == 3
    assert all(c in CLASSES for c, _ in cue.classes)
    assert 0.0 < sum(p for _, p in cue.classes) <= 1.0 + 1e-6
    assert "civil-servant probability" in cue.reason
    (never,) = attire_cues(scene.rgb, scene.face_boxes, AttireOptions(threshold=1.0))
    assert never.civil_servant is False and never.label is None
    assert never.score == pytest.approx(cue.score) and never.uniform == cue.uniform
    (dark,) = attire_cues(canvas((30, 30, 35)), FACE)
    assert dark.civil_servant is False and dark.label is None and dark.uniform == "civilian"


def test_learned_cue_is_the_same_for_a_mirrored_photo() -> None:
    """The head averages the crop and its mirror image: a person facing the other way (or a
    selfie's mirrored copy) wears the same uniform."""
    scene = render_person("satpol_pp", np.random.default_rng(7))
    w = scene.rgb.shape[1]
    flipped = np.ascontiguousarray(scene.rgb[:, ::-1])
    boxes = scene.face_boxes.copy()
    boxes[:, [0, 2]] = w - scene.face_boxes[:, [2, 0]]
    (a,) = attire_cues(scene.rgb, scene.face_boxes)
    (b,) = attire_cues(flipped, boxes)
    assert a.score == pytest.approx(b.score, abs=0.02)
    assert a.uniform == b.uniform


def test_a_broken_or_mismatched_head_is_refused(tmp_path: Path) -> None:
    from gesture_scan.errors import ModelError
    from gesture_scan.people.uniform import HEAD_FILE, UniformHead, weights_file

    bad = tmp_path / "head.npz"
    bad.write_bytes(b"not a zip")
    rgb = canvas(KHAKI)
    with pytest.raises(ModelError, match=r"head\.npz"):
        attire_cues(rgb, FACE, AttireOptions(head=str(bad)))
    head = UniformHead.load(weights_file(HEAD_FILE))
    other = tmp_path / "other.npz"
    UniformHead(**{**head.__dict__, "backbone_sha256": "0" * 64}).save(other)
    with pytest.raises(ModelError, match="another backbone"):
        attire_cues(rgb, FACE, AttireOptions(head=str(other)))


ATTIRE = Path(__file__).resolve().parents[1].parent / "shared" / "train" / "attire"


def test_scan_path_reproduces_the_training_features_on_real_crops() -> None:
    """Every third real photo of ../shared/train/attire through ``attire_cues``, as a scan runs
    it. The shipped head was fit on all of these crops, so this is a check that the scan path
    computes what training computed (a drift in the crop, the resize or the backbone shows up
    here), not a held-out measurement: that one (38% of uniforms cued at 2% false cues, held
    out by website) is in bench/attire_real.json, from scripts/train_attire.py."""
    import csv

    import cv2

    from gesture_scan.people.uniform import CIVIL_SERVANT_CLASSES

    if not (ATTIRE / "labels.csv").is_file():
        pytest.skip(f"{ATTIRE} not found")
    with open(ATTIRE / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    photos = sorted({r["photo"] for r in rows})[::3]
    tp = fp = pos = neg = 0
    for photo in photos:
        mine = [r for r in rows if r["photo"] == photo]
        rgb = np.ascontiguousarray(cv2.imread(str(ATTIRE / "photos" / photo))[..., ::-1])
        faces = []
        for r in mine:
            x, y, w, h = (float(v) for v in r["face_box"].split(","))
            faces.append([x, y, x + w, y + h])
        for r, cue in zip(mine, attire_cues(rgb, np.array(faces))):
            truth = r["label"] in CIVIL_SERVANT_CLASSES
            pos += truth
            neg += not truth
            tp += bool(cue.civil_servant) and truth
            fp += bool(cue.civil_servant) and not truth
    assert pos >= 40 and neg >= 150
    # measured 2026-12-01 on these photos at the earlier threshold 0.537: 36 of 54 uniforms
    # cued, 0 of 196 others
    assert tp / pos >= 0.55 and fp / neg <= 0.02, (tp, pos, fp, neg)


def test_head_trained_without_the_two_largest_sites_holds_on_them() -> None:
    """A held-out check in the suite: the head is refit (scripts/train_attire.py's own fit) on 30
    of the 32 sites and scored on the two largest (a school with 45 civil servants' uniforms among
    166 people; a district site with 11 among 199), with the shipped calibration and threshold.
    Measured 2026-12-01: 41 of 56 cued, 7 of 309 others (precision 0.85)."""

    pytest.importorskip("scipy")  # the training script's optimiser; not a scan dependency
    if not (ATTIRE / "labels.csv").is_file():
        pytest.skip(f"{ATTIRE} not found")
    from gesture_scan.people.uniform import HEAD_FILE, UniformHead, calibrate, weights_file

    train = load_script("train_attire")
    rows, repo_of = train.load_rows()
    data = train.extract(rows, AttireOptions())
    assert data["ok"].all()
    y = np.array([train.CLASSES.index(r["label"]) for r in rows])
    g = np.array([repo_of[r["photo"]] for r in rows])
    held = np.isin(g, ["adeyusuf211/smpn-dobo", "dhitoary/Digitalisasi-Lematang"])
    X, XF = data["X"], data["XF"]
    tr = ~held
    y2, g2 = np.concatenate([y[tr], y[tr]]), np.concatenate([g[tr], g[tr]])
    model = train.fit(np.concatenate([X[tr], XF[tr]]), y2, train.sample_weights(y2, g2))
    z = (train.logits_of(model, X[held]) + train.logits_of(model, XF[held])) / 2
    head = UniformHead.load(weights_file(HEAD_FILE))
    probs = train.softmax(z, head.temperature)
    p_cs = calibrate(probs[:, list(train.CS)].sum(1), head.cs_calibration)
    truth = np.isin(y[held], train.CS)
    cued = p_cs >= head.threshold
    tp, fp = int((cued & truth).sum()), int((cued & ~truth).sum())
    assert truth.sum() >= 50 and (~truth).sum() >= 300
    assert tp / truth.sum() >= 0.6, (tp, int(truth.sum()))
    assert fp / (~truth).sum() <= 0.05, (fp, int((~truth).sum()))
    assert tp / max(1, tp + fp) >= 0.7, (tp, fp)


def test_scan_features_equal_the_training_scripts_on_real_crops() -> None:
    """The scan's cue on a real photo is exactly what the training script's features give under
    the shipped head: same torso cut from the stored face box, same white balance, same resize,
    backbone and colour-rule scores. A drift in any of them (a geometry default, an interpolation,
    a new feature in one path only) changes the score here."""

    import cv2

    if not (ATTIRE / "labels.csv").is_file():
        pytest.skip(f"{ATTIRE} not found")
    from gesture_scan.people.uniform import HEAD_FILE, UniformHead, weights_file

    train = load_script("train_attire")
    rows, _ = train.load_rows()
    photos = sorted({r["photo"] for r in rows})[::40]  # 9 photos, people of several classes
    mine = [r for r in rows if r["photo"] in photos]
    data = train.extract(mine, AttireOptions())
    head = UniformHead.load(weights_file(HEAD_FILE))
    compared = 0
    for photo in photos:
        idx = [i for i, r in enumerate(mine) if r["photo"] == photo]
        rgb = np.ascontiguousarray(cv2.imread(str(ATTIRE / "photos" / photo))[..., ::-1])
        faces = []
        for i in idx:
            x, y, w, h = (float(v) for v in mine[i]["face_box"].split(","))
            faces.append([x, y, x + w, y + h])
        for i, cue in zip(idx, attire_cues(rgb, np.array(faces))):
            assert data["ok"][i] == (cue.civil_servant is not None)
            if not data["ok"][i]:
                continue
            probs = head.probabilities(np.stack([data["X"][i], data["XF"][i]]))
            assert cue.score == pytest.approx(head.civil_servant_probability(probs), abs=1e-5)
            top = [head.classes[j] for j in np.argsort(-probs)[:3]]
            assert [c for c, _ in cue.classes] == top
            compared += 1
    assert compared >= 15
