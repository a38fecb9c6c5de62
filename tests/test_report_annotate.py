"""Annotated copies stay readable: labels never overlap (the crowded group photo of issue 16,
where ``#0`` hid under ``#1``), stay inside the picture, grow with the photo, and point with a
drawn triangle rather than an ASCII arrow. No models: hands are built from landmarks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gesture_scan.detections import Detections
from gesture_scan.report.annotate import _Labels, _overlap, _Placer, draw
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
