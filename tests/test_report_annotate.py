"""Annotated copies stay readable: labels never overlap (the crowded group photo of issue 16,
where ``#0`` hid under ``#1``), stay inside the picture, grow with the photo, and point with a
drawn triangle rather than an ASCII arrow. No models: hands are built from landmarks."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from gesture_scan.detections import Detections
from gesture_scan.report.annotate import _Labels, _leader, _overlap, _Placer, draw
from gesture_scan.report.palette import PALETTE, colour, legend
from gesture_scan.results import Direction, FingerReading, Gesture, Hand, Handedness


def hand(x: float, y: float, size: float = 40.0, direction=Direction.UP) -> Hand:
    t = np.linspace(0, 1, 21, dtype=np.float32)
    landmarks = np.stack([x + size * t, y + size * (1 - t), np.zeros(21, np.float32)], axis=1)
    reading = FingerReading((False, True, True, False, False), 2, Gesture.TWO_V, direction, 0.9)
    return Hand(landmarks, Handedness.RIGHT, 0.9, 0.9, reading)


def _placed(width: int, height: int, boxes: list, bw: float, bh: float) -> list:
    placer = _Placer(width, height)
    return [placer.place(b, bw, bh) for b in boxes]


def test_labels_of_a_crowd_of_hands_never_overlap_and_stay_inside():
    # Twelve small hands side by side, 20 px apart: every label wants the same strip above.
    boxes = [(100 + 20 * i, 300, 130 + 20 * i, 340) for i in range(12)]
    spots = _placed(640, 480, boxes, 120, 20)
    for i, a in enumerate(spots):
        assert a[0] >= 0 and a[2] <= 640 and a[1] >= 0 and a[3] <= 480
        for b in spots[i + 1 :]:
            assert _overlap(a, b) == 0, (a, b)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 600), st.integers(0, 440), st.integers(5, 80)),
        min_size=1,
        max_size=15,
    ),
    st.integers(30, 200),
)
def test_placed_labels_are_disjoint_for_any_boxes(boxes, width):
    rects = [(x, y, x + s, y + s) for x, y, s in boxes]
    spots = _placed(640, 480, rects, width, 18)
    for i, a in enumerate(spots):
        assert a[0] >= 0 and a[2] <= 640 + 1e-6
        for b in spots[i + 1 :]:
            assert _overlap(a, b) == 0


@pytest.mark.parametrize(("w", "h", "px"), [(640, 480, 16), (1200, 800, 30), (4000, 3000, 100)])
def test_text_grows_with_the_photo(w, h, px, monkeypatch):
    seen = []
    real = _Labels.draw
    monkeypatch.setattr(
        _Labels, "draw", lambda self, img, size: seen.append(size) or real(self, img, size)
    )
    img = np.zeros((h, w, 3), np.uint8)
    out = draw(
        img, [hand(w * 0.4, h * 0.5, w * 0.05)], Detections.empty(("face",)), Detections.empty()
    )
    assert seen == [px] and out.shape == img.shape and out.any()


def test_label_is_drawn_inside_a_small_photo():
    """A hand at the very top-left corner of a 200x150 photo: its label is moved into the picture
    (ink in the top rows), not clipped away."""
    img = np.zeros((150, 200, 3), np.uint8)
    out = draw(
        img, [hand(0, 0, 30)], Detections.empty(("face",)), Detections.empty(), flagged_hands=[0]
    )
    label_rgb = np.array(colour("hand_flagged"))
    strip = out[:20, :120].reshape(-1, 3)
    assert (np.abs(strip.astype(int) - label_rgb).sum(axis=1) < 30).mean() > 0.3


def test_direction_is_a_drawn_triangle_for_each_way():
    img = np.zeros((480, 640, 3), np.uint8)
    faces = Detections.empty(("face",))
    outs = [draw(img, [hand(300, 300, 60, d)], faces, Detections.empty()) for d in Direction]
    # The same label text, pointing three ways: the pictures differ only where the arrow is.
    assert not np.array_equal(outs[0], outs[1]) and not np.array_equal(outs[1], outs[2])


def test_legend_has_every_colour_in_both_languages():
    assert [c for c, _ in legend("id")] == [c for c, _ in legend("en")]
    assert len(legend("id")) == len(PALETTE) and "tangan dalam temuan" in dict(
        (w, c) for c, w in legend("id")
    )


# -- people: P1, P2... on faces, on their hands, bodies in a thin neutral colour ------------------


def _faces(*boxes: tuple[float, float, float, float]) -> Detections:
    n = len(boxes)
    return Detections(
        np.array(boxes, float).reshape(-1, 4), np.full(n, 0.9), np.zeros(n, int), ("face",)
    )


def _labels_of(monkeypatch, *args, **kwargs) -> tuple[np.ndarray, dict[str, tuple]]:
    """The drawn copy and its labels' texts -> (box, colour): what the placer was given."""
    seen: dict[str, tuple] = {}
    real = _Labels.draw

    def spy(self, img, px):
        seen.update({text: (box, rgb) for _p, text, box, rgb, _a, _s in self.items})
        return real(self, img, px)

    monkeypatch.setattr(_Labels, "draw", spy)
    return draw(*args, **kwargs), seen


def _near(img: np.ndarray, rgb: tuple[int, int, int]) -> np.ndarray:
    return np.abs(img.astype(int) - np.array(rgb)).sum(axis=-1) < 40


def test_every_face_is_a_numbered_person_and_its_hands_carry_the_number(monkeypatch):
    img = np.zeros((600, 800, 3), np.uint8)
    faces = _faces((100, 200, 160, 260), (400, 200, 460, 260), (650, 200, 710, 260))
    linked = replace(hand(470, 300, 50), person=1)  # the second face's hand: P2
    out, labels = _labels_of(monkeypatch, img, [linked], faces, Detections.empty())
    assert {"P1", "P2", "P3"} <= set(labels)
    assert "#0 two_v 0.90 P2" in labels
    # Each label is drawn above its face, in the face colour: ink right above each face box.
    face_ink = _near(out, colour("face"))
    for x0 in (100, 400, 650):
        assert face_ink[170:200, x0 : x0 + 30].any(), x0


def test_the_faces_of_people_making_a_flagged_sign_are_labelled_before_other_hands(monkeypatch):
    img = np.zeros((600, 800, 3), np.uint8)
    faces = _faces((100, 200, 160, 260), (400, 200, 460, 260))
    hands = [replace(hand(170, 300, 50), person=0), replace(hand(470, 300, 50), person=1)]
    order: list[str] = []
    real = _Labels.draw
    monkeypatch.setattr(
        _Labels,
        "draw",
        lambda self, im, px: (
            order.extend(t for _p, t, *_ in sorted(self.items, key=lambda i: i[0]))
            or real(self, im, px)
        ),
    )
    draw(img, hands, faces, Detections.empty(), flagged_hands=[1])
    assert order.index("P2") < order.index("#0 two_v 0.90 P1") < order.index("P1")
    assert order[0] == "#1 two_v 0.90 P2"


def test_bodies_are_thin_neutral_outlines_without_a_label(monkeypatch):
    img = np.zeros((1000, 1000, 3), np.uint8)
    faces = _faces((420, 100, 480, 160))
    bodies = Detections(np.array([[350.0, 80, 550, 900]]), np.array([0.8]), np.zeros(1, int))
    hands = [replace(hand(700, 700, 60), person=0)]  # a person with a hand: a full-width face box
    plain, _ = _labels_of(monkeypatch, img, hands, faces, Detections.empty())
    out, labels = _labels_of(monkeypatch, img, hands, faces, Detections.empty(), bodies=bodies)
    assert set(labels) == {"P1", "#0 two_v 0.90 P1"}  # the person is named on the face only
    body_ink = _near(out, colour("body")) & ~_near(plain, colour("body"))
    # The left edge, away from every label: one pixel wide, thinner than the face's line.
    assert body_ink[400:600, 340:360].all(axis=0).sum() == 1
    assert _near(out, colour("face"))[120:140, 410:430].all(axis=0).sum() > 1
    assert not body_ink[400:600, 360:540].any()  # outlined, not filled


def test_the_object_a_hand_holds_is_outlined_thinly_and_named_in_the_hand_label(monkeypatch):
    from gesture_scan.results import Held

    img = np.zeros((800, 800, 3), np.uint8)
    cup = Held("cup", 0.6, np.array([300.0, 300, 420, 460], np.float32))
    holding = replace(hand(250, 400, 80), held=cup)
    plain, _ = _labels_of(
        monkeypatch, img, [replace(holding, held=None)], _faces(), Detections.empty()
    )
    out, labels = _labels_of(monkeypatch, img, [holding], _faces(), Detections.empty())
    assert "#0 two_v 0.90 [cup]" in labels
    ink = _near(out, colour("held")) & ~_near(plain, colour("held"))
    # The cup's bottom edge, clear of the hand and its label: one thin line at y=460.
    assert ink[450:470, 340:410].all(axis=1).sum() == 1
    assert not ink[320:450, 340:410].any()  # outlined, not filled


def test_a_label_pushed_away_from_its_box_gets_a_leader_line():
    img = Image.fromarray(np.zeros((200, 200, 3), np.uint8))
    d = ImageDraw.Draw(img)
    _leader(d, (10, 10, 50, 30), (100, 120, 120, 140), (255, 255, 255), gap=10)
    _leader(d, (100, 95, 140, 115), (100, 120, 120, 140), (0, 255, 0), gap=10)  # adjacent
    px = np.asarray(img)
    assert (px[60:100, 20:120] == 255).all(axis=-1).any()  # the line between label and box
    assert not ((px[..., 1] == 255) & (px[..., 0] == 0)).any()  # no line for an adjacent label


def test_the_annotated_copy_of_a_result_draws_its_bodies():
    import cv2

    from gesture_scan.report.jpeg import annotated_jpeg
    from gesture_scan.results import ImageResult

    rgb = np.full((600, 800, 3), 40, np.uint8)
    bodies = Detections(np.array([[100.0, 100, 300, 550]]), np.array([0.8]), np.zeros(1, int))
    base = ImageResult(
        path="x.jpg", sha256="0" * 64, width=800, height=600, hands=(hand(500, 300),)
    )
    copies = []
    for result in (base, replace(base, bodies=bodies)):
        jpeg = annotated_jpeg(rgb, 1.0, result)
        assert jpeg is not None
        copies.append(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)[..., ::-1])
    edge = (slice(200, 500), slice(98, 103))
    assert not _near(copies[0][edge], colour("body")).any()
    assert _near(copies[1][edge], colour("body")).any(axis=1).all()
