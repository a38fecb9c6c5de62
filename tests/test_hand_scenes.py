"""The small-hand benchmark's scene builder and scoring.

Most tests build scenes from drawn hands on a flat blue wall, so they run everywhere and can check
pixel by pixel that each answer-key box holds the hand that was pasted; the tests marked ``shared``
repeat the essentials on the real held-out photos.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gesture_scan_devkit.hand_scenes import (
    BUCKETS,
    HandCutout,
    HandScene,
    PastedHand,
    Person,
    Predicted,
    load_cutouts,
    make_scene,
    score_scene,
    size_bucket,
    summarize,
)
from gesture_scan_devkit.handset import load_handset, shared_dir

SKIN = (205, 150, 120)
WALL = (20, 40, 230)


def drawn_hand(fingers: int = 2, height: int = 120, arm: bool = False) -> HandCutout:
    """A palm and ``fingers`` raised fingers in skin colour, optionally with a forearm below."""
    width = 80
    total = height + (40 if arm else 0)
    rgba = np.zeros((total, width, 4), np.uint8)
    rgba[..., :3] = SKIN
    palm_top = height // 2
    rgba[palm_top:height, 10:70, 3] = 255
    for i in range(fingers):
        x = 12 + i * 12
        rgba[5:palm_top, x : x + 9, 3] = 255
    if arm:
        rgba[height:, 25:55, 3] = 255
        arm_line = np.array([40, height - 5, 40, total, 30], np.float32)
    else:
        arm_line = None
    box = np.array([10, 5, 70, height], np.float32)
    return HandCutout(rgba, fingers, f"drawn_{fingers}.png", box, arm_line)


@pytest.fixture
def walls(tmp_path: Path) -> list[Path]:
    """Two flat blue backgrounds of different sizes (one needs upscaling, one downscaling)."""
    paths = []
    for i, (w, h) in enumerate([(640, 480), (2000, 1500)]):
        path = tmp_path / f"wall{i}.png"
        Image.fromarray(np.full((h, w, 3), WALL, np.uint8)).save(path)
        paths.append(path)
    return paths


@pytest.fixture
def cutouts() -> list[HandCutout]:
    return [drawn_hand(f) for f in (1, 2, 3, 5)]


def drawn_person() -> Person:
    """A grey head and torso with one labeled raised hand, like a cropped webcam selfie."""
    rgb = np.zeros((400, 400, 3), np.uint8)
    rgb[:] = (90, 90, 90)
    rgb[60:160, 150:240] = (180, 140, 110)  # face
    rgb[40:260, 280:360] = SKIN  # own hand
    return Person(
        rgb=rgb,
        face=np.array([150, 60, 240, 160], np.float32),
        hand_boxes=np.array([[280, 40, 360, 260]], np.float32),
        fingers=(4,),
        file="drawn_person.png",
    )


def not_wall(image: np.ndarray) -> np.ndarray:
    return np.abs(image.astype(int) - np.array(WALL)).sum(axis=-1) > 60


# ---------------------------------------------------------------------------------------- scenes


@pytest.mark.parametrize("kind", ["background", "group"])
def test_same_seed_same_scene(kind, cutouts, walls):
    def build(seed: int) -> HandScene:
        people = [drawn_person()]
        return make_scene(
            np.random.default_rng(seed), cutouts, walls, kind, size=(900, 600), people=people
        )

    a, b, c = build(7), build(7), build(8)
    assert np.array_equal(a.image, b.image)
    assert [h.box.tolist() for h in a.hands] == [h.box.tolist() for h in b.hands]
    assert [h.fingers for h in a.hands] == [h.fingers for h in b.hands]
    assert not np.array_equal(a.image, c.image)


def test_background_scene_boxes_hold_the_pasted_hands(cutouts, walls):
    """Each box is inside the image, in the size range, and fits the hand's pixels tightly."""
    lo, hi = 30.0, 60.0  # hands keep a fifth of their size apart: >= 6 px here
    counts = []
    for seed in range(6):
        scene = make_scene(
            np.random.default_rng(seed),
            cutouts,
            walls,
            "background",
            size=(800, 600),
            hand_px=(lo, hi),
            n_hands=(2, 5),
        )
        assert scene.image.shape == (600, 800, 3) and scene.image.dtype == np.uint8
        assert scene.kind == "background"
        counts.append(len(scene.hands))
        hand_px = not_wall(scene.image)
        for hand in scene.hands:
            x0, y0, x1, y1 = hand.box
            assert 0 <= x0 < x1 <= 800 and 0 <= y0 < y1 <= 600
            assert lo - 1 <= hand.size <= hi + 1
            assert hand.origin == "pasted" and hand.fingers in (1, 2, 3, 5)
            # the hand's own pixels, searched just around the box, fill the box
            pad = 3
            wx0, wy0 = int(max(0, x0 - pad)), int(max(0, y0 - pad))
            ys, xs = np.nonzero(hand_px[wy0 : int(y1 + pad), wx0 : int(x1 + pad)])
            seen = np.array(
                [xs.min() + wx0, ys.min() + wy0, xs.max() + wx0 + 1, ys.max() + wy0 + 1]
            )
            assert np.abs(seen - hand.box).max() <= 0.15 * hand.size + 2
        # nothing but the hands was pasted (no sleeves: the drawn hands have no arm)
        covered = np.zeros(hand_px.shape, bool)
        for hand in scene.hands:
            bx0, by0, bx1, by1 = hand.box.astype(int)
            covered[max(0, by0 - 3) : by1 + 4, max(0, bx0 - 3) : bx1 + 4] = True
        assert not (hand_px & ~covered).any()
    assert all(2 <= n <= 5 for n in counts)


def test_hands_never_overlap(cutouts, walls):
    for seed in range(5):
        scene = make_scene(
            np.random.default_rng(seed), cutouts, walls, "background", n_hands=(8, 8)
        )
        boxes = np.stack([h.box for h in scene.hands])
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_size_is_the_longest_side_also_for_wide_hands(walls):
    """A thumbs-up or a sideways hand is wider than tall: its width is what must be in range."""
    rgba = np.zeros((50, 150, 4), np.uint8)
    rgba[..., :3] = SKIN
    rgba[5:45, 5:145, 3] = 255
    wide = HandCutout(rgba, 1, "wide.png", np.array([5, 5, 145, 45], np.float32))
    for seed in range(5):
        scene = make_scene(
            np.random.default_rng(seed), [wide], walls, "background", (800, 600), (30, 50), (3, 3)
        )
        for hand in scene.hands:
            w, h = hand.box[2] - hand.box[0], hand.box[3] - hand.box[1]
            assert w > h and 29 <= hand.size <= 51


def test_a_layer_may_not_hide_a_hand():
    """Sleeves and people are pasted after earlier hands; the canvas refuses what would hide one."""
    from gesture_scan_devkit.hand_scenes import Canvas

    canvas = Canvas(np.zeros((200, 200, 3), np.uint8))
    canvas.hands.append(PastedHand(np.array([50, 50, 90, 100], np.float32), 2, "a.jpg"))
    layer = np.zeros((40, 40, 4), np.float32)
    layer[..., 3] = 1.0
    assert not canvas.fits(layer, 60, 60, ())  # right over the hand
    assert not canvas.fits(layer, 80, 90, ())  # its corner: 10x10 px of a 40x50 box
    assert canvas.fits(layer, 120, 120, ())  # elsewhere
    assert not canvas.fits(layer, 120, 120, [np.array([130, 130, 150, 150], np.float32)])
    layer[..., 3] = 0.0  # a transparent margin over the hand is fine
    assert canvas.fits(layer, 60, 60, ())


def test_sleeve_continues_the_arm_below_the_box(walls):
    """With an arm, something is pasted outside the hand box, but the box stays the hand's."""
    cut = drawn_hand(3, arm=True)
    outside = 0
    for seed in range(8):
        scene = make_scene(
            np.random.default_rng(seed), [cut], walls, "background", (800, 600), (40, 60), (1, 1)
        )
        (hand,) = scene.hands
        assert 39 <= hand.size <= 61
        mask = not_wall(scene.image)
        x0, y0, x1, y1 = hand.box.astype(int)
        mask[max(0, y0 - 2) : y1 + 3, max(0, x0 - 2) : x1 + 3] = False
        outside += int(mask.any())
    assert outside >= 4  # forearm stub (always) and sleeve (most of the time)


def test_group_scene_keeps_the_peoples_own_hands(cutouts, walls):
    person = drawn_person()
    scene = make_scene(
        np.random.default_rng(3),
        cutouts,
        walls,
        "group",
        size=(1200, 800),
        hand_px=(20, 50),
        n_hands=(3, 5),
        people=[person],
    )
    assert scene.kind == "group"
    own = [h for h in scene.hands if h.origin == "person"]
    pasted = [h for h in scene.hands if h.origin == "pasted"]
    assert own and all(h.fingers == 4 and h.file == "drawn_person.png" for h in own)
    assert 3 <= len(pasted) <= 5 and all(19 <= h.size <= 51 for h in pasted)
    for hand in scene.hands:
        assert 0 <= hand.box[0] < hand.box[2] <= 1200 and 0 <= hand.box[1] < hand.box[3] <= 800
    # an own hand is where the person's skin-coloured hand was pasted
    for hand in own:
        x0, y0, x1, y1 = hand.box.astype(int)
        patch = scene.image[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].reshape(-1, 3).astype(int)
        assert np.abs(patch - np.array(SKIN)).sum(axis=1).mean() < 40


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "crowd"},
        {"hand_px": (0, 10)},
        {"hand_px": (50, 20)},
        {"n_hands": (5, 2)},
        {"size": (100, 100)},
    ],
)
def test_make_scene_rejects_bad_arguments(kwargs, cutouts, walls):
    args = {"kind": "background", **kwargs}
    with pytest.raises(ValueError):
        make_scene(np.random.default_rng(0), cutouts, walls, **args)


def test_make_scene_needs_material(cutouts, walls):
    with pytest.raises(ValueError, match="cutouts"):
        make_scene(np.random.default_rng(0), [], walls, "background")
    with pytest.raises(ValueError, match="background"):
        make_scene(np.random.default_rng(0), cutouts, [], "background")


def test_cutout_box_must_lie_inside():
    rgba = np.zeros((20, 20, 4), np.uint8)
    with pytest.raises(ValueError, match="hand_box"):
        HandCutout(rgba, 1, "x.jpg", np.array([0, 0, 30, 10], np.float32))


# --------------------------------------------------------------------------------------- scoring


@pytest.mark.parametrize(
    ("px", "bucket"),
    [
        (1, "<32"),
        (15, "<32"),
        (31.9, "<32"),
        (32, "32-64"),
        (48, "32-64"),
        (64, "32-64"),
        (64.1, ">64"),
        (80, ">64"),
        (500, ">64"),
    ],
)
def test_size_bucket(px, bucket):
    assert size_bucket(px) == bucket


def answer_key() -> HandScene:
    """Three hands, one per size bucket, far apart."""
    hands = (
        PastedHand(np.array([100, 100, 120, 125], np.float32), 2, "a.jpg"),
        PastedHand(np.array([300, 100, 340, 150], np.float32), 5, "b.jpg"),
        PastedHand(np.array([500, 100, 570, 180], np.float32), 1, "c.jpg"),
    )
    return HandScene(np.zeros((400, 700, 3), np.uint8), hands, "background")


def test_size_is_the_longest_side():
    sizes = [h.size for h in answer_key().hands]
    assert sizes == [25, 50, 80]


def test_perfect_predictions_find_everything():
    scene = answer_key()
    predicted = [Predicted(h.box.copy(), h.fingers, 0.9) for h in scene.hands]
    rows = score_scene(scene, predicted)
    assert [r["bucket"] for r in rows] == ["<32", "32-64", ">64"]
    assert all(r["found"] and r["count_ok"] for r in rows)
    assert [r["pred_fingers"] for r in rows] == [2, 5, 1]
    summary = summarize(rows)
    for bucket in (*BUCKETS, "all"):
        assert summary[bucket]["recall"] == 1.0
        assert summary[bucket]["count_acc"] == 1.0


def test_shifted_boxes_find_nothing():
    scene = answer_key()
    predicted = [Predicted(h.box + np.float32(2 * h.size), h.fingers, 0.9) for h in scene.hands]
    rows = score_scene(scene, predicted)
    assert not any(r["found"] or r["count_ok"] for r in rows)
    assert all(r["pred_fingers"] is None for r in rows)
    assert summarize(rows)["all"] == {
        "n": 3,
        "recall": 0.0,
        "count_acc": 0.0,
        "count_acc_found": None,
    }


def test_no_predictions():
    rows = score_scene(answer_key(), [])
    assert len(rows) == 3 and not any(r["found"] for r in rows)


def test_wrong_counts_are_found_but_not_correct():
    scene = answer_key()
    fingers = [2, 3, -1]  # right, wrong, detector does not count
    predicted = [Predicted(h.box.copy(), f, 0.9) for h, f in zip(scene.hands, fingers)]
    rows = score_scene(scene, predicted)
    assert [r["found"] for r in rows] == [True, True, True]
    assert [r["count_ok"] for r in rows] == [True, False, False]
    summary = summarize(rows)
    assert summary["all"]["recall"] == 1.0
    assert summary["all"]["count_acc"] == pytest.approx(1 / 3)
    assert summary["<32"]["count_acc"] == 1.0 and summary["32-64"]["count_acc"] == 0.0


@pytest.mark.parametrize(
    ("box", "found"),
    [
        ([305, 110, 335, 145], True),  # landmark-style: smaller, IoU 0.53
        ([311, 114, 331, 142], True),  # IoU 0.28 but centre inside and size within 2x
        ([315, 120, 330, 135], False),  # centre inside but 3.3x smaller
        ([280, 78, 360, 173], True),  # 1.9x larger, IoU 0.26, centre inside
        ([250, 40, 400, 200], False),  # 3x larger
        ([330, 140, 380, 190], False),  # overlapping corner, centre outside
    ],
)
def test_landmark_boxes_match_by_centre_and_size(box, found):
    scene = answer_key()
    rows = score_scene(scene, [Predicted(np.array(box, np.float32), 5, 0.5)])
    assert rows[1]["found"] is found
    assert not rows[0]["found"] and not rows[2]["found"]


def test_one_prediction_matches_one_hand():
    """Two touching hands and one box over both: the better overlap wins, the other is missed."""
    hands = (
        PastedHand(np.array([100, 100, 140, 150], np.float32), 2, "a.jpg"),
        PastedHand(np.array([140, 100, 180, 150], np.float32), 3, "b.jpg"),
    )
    scene = HandScene(np.zeros((300, 300, 3), np.uint8), hands, "group")
    rows = score_scene(scene, [Predicted(np.array([105, 100, 165, 150], np.float32), 2, 0.9)])
    assert [r["found"] for r in rows] == [True, False]
    # with a second prediction both are found, each by its own box
    rows = score_scene(
        scene,
        [
            Predicted(np.array([105, 100, 165, 150], np.float32), 2, 0.9),
            Predicted(np.array([142, 102, 178, 148], np.float32), 3, 0.8),
        ],
    )
    assert [r["count_ok"] for r in rows] == [True, True]


def test_summarize_counts_per_bucket_and_empty_buckets():
    rows = [
        {"bucket": "<32", "found": True, "count_ok": False},
        {"bucket": "<32", "found": False, "count_ok": False},
        {"bucket": "<32", "found": True, "count_ok": True},
        {"bucket": "<32", "found": True, "count_ok": True},
        {"bucket": ">64", "found": True, "count_ok": True},
    ]
    s = summarize(rows)
    assert list(s) == [*BUCKETS, "all"]
    assert s["<32"] == {"n": 4, "recall": 0.75, "count_acc": 0.5, "count_acc_found": 2 / 3}
    assert s["32-64"] == {"n": 0, "recall": None, "count_acc": None, "count_acc_found": None}
    assert s["all"]["n"] == 5 and s["all"]["recall"] == 0.8


# ------------------------------------------------------------------------------- real photos


def shared_or_skip() -> Path:
    base = shared_dir()
    if base is None:
        pytest.skip("../shared not found: the labeled hand photos are needed")
    return base


def heldout_sample(per_source: int) -> list:
    shared_or_skip()
    photos = [p for p in load_handset() if p.heldout]
    out = []
    for source in ("sld", "epsrc", "hands"):
        out += [p for p in photos if p.source == source][:per_source]
    return out


@pytest.mark.shared
def test_real_cutouts_keep_labels_and_little_arm():
    photos = heldout_sample(3)
    cuts = load_cutouts(photos)
    labels = {p.file: p for p in photos}
    assert {c.file.split("_")[0] for c in cuts} == {"sld", "epsrc", "hands"}
    for cut in cuts:
        photo = labels[cut.file]
        if photo.source == "hands":
            assert cut.fingers in [b.fingers for b in photo.boxes]
        else:
            assert cut.fingers == photo.fingers
        alpha = cut.rgba[..., 3] > 127
        assert 0.1 < alpha.mean() < 0.98, cut.file
        x0, y0, x1, y1 = cut.hand_box.astype(int)
        # the forearm kept below the hand is at most ~40% of the cutout
        assert (y1 - y0) >= 0.55 * cut.rgba.shape[0], cut.file
        inside = alpha[y0:y1, x0:x1].sum() / alpha.sum()
        assert inside > 0.55, cut.file


@pytest.mark.shared
def test_real_background_scene():
    base = shared_or_skip()
    cuts = load_cutouts(heldout_sample(2))
    backgrounds = sorted((base / "train" / "material" / "images" / "train").glob("urban_*.jpg"))[:2]
    scene = make_scene(np.random.default_rng(0), cuts, backgrounds, "background", (1200, 800))
    assert scene.image.shape == (800, 1200, 3)
    assert 3 <= len(scene.hands) <= 8
    assert all(14 <= h.size <= 81 for h in scene.hands)
    assert scene.background in {p.name for p in backgrounds}


@pytest.mark.shared
@pytest.mark.models
def test_real_people_from_webcam_photos():
    from gesture_scan_devkit.hand_scenes import load_people

    shared_or_skip()
    photos = [p for p in load_handset() if p.heldout and p.source == "hands"][:8]
    people = load_people(photos)
    assert people, "no face found in 8 webcam selfies"
    for person in people:
        h, w = person.rgb.shape[:2]
        assert (
            0 <= person.face[0] < person.face[2] <= w and 0 <= person.face[1] < person.face[3] <= h
        )
        assert len(person.fingers) == len(person.hand_boxes) >= 1
        boxes = person.hand_boxes
        assert (boxes[:, :2] >= -1).all() and (boxes[:, 2] <= w + 1).all()
        assert (boxes[:, 3] <= h + 1).all()
