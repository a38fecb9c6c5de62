"""Draw the evidence onto a copy of the photo: hands (skeleton, box, reading), faces, objects.

Readable at any size and in crowded group photos:

- **Labels never overlap.** They are placed after every shape is drawn, most important first
  (hands in a finding, the faces of a candidate and of the people making the sign, other hands,
  other faces, objects), each at the first free spot of a few around its box (above, below,
  inside; left or right aligned), as supervision's label annotator does; where all are taken it
  slides down past the labels in the way, and a thin leader line joins it to its box. So ``#0``
  is never hidden under ``#1``, and ``P12`` still points at its face in a crowd.
- **People are numbered** P1, P2... on their faces (``results.person_tag``), as the findings
  name them; a hand linked to a person carries the number; person boxes of the body detector are
  thin neutral outlines without a label.
- **Scaled with the photo**: text height is 2.5 % of the longer side (at least 14 px), line width
  0.2 %; labels are kept inside the picture, never clipped.
- **Pillow's own scalable font** (``ImageFont.load_default(size)``, shipped inside Pillow): no font
  file to find on an air-gapped machine, and it draws the Latin letters of Indonesian names that
  OpenCV's Hershey fonts replaced with "?". The direction a sign points is a small drawn
  triangle, not an ASCII "^" or ">".
- Colours come from ``palette`` (the page shows the same legend).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..detections import Detections
from ..hands.landmarks import HAND_CONNECTIONS
from ..results import Direction, FaceInfo, Hand, TextLine, person_tag
from .palette import colour

Box = tuple[float, float, float, float]

#: Text height of a bare person label ("P12") against the other labels': a group photo of thirty
#: has thirty of them, and the hands' labels are what the officer reads first.
SMALL_LABEL = 0.75

# Label priorities, placed in this order so the most important get the best spot.
_FLAGGED_HAND, _MAKER_FACE, _HAND, _FACE, _OBJECT = range(5)


def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=px)
    except (TypeError, OSError, ImportError):  # Pillow < 10.1, or built without FreeType
        return ImageFont.load_default()


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


class _Placer:
    """Finds each label a spot that no earlier label covers."""

    def __init__(self, width: int, height: int) -> None:
        self.w, self.h = width, height
        self.taken: list[Box] = []

    def _fit(self, x: float, y: float, bw: float, bh: float) -> Box:
        x = min(max(x, 0.0), max(0.0, self.w - bw))
        y = min(max(y, 0.0), max(0.0, self.h - bh))
        return (x, y, x + bw, y + bh)

    def place(self, box: Box, bw: float, bh: float) -> Box:
        x0, y0, x1, y1 = box
        tries = [
            (x0, y0 - bh),  # above, left-aligned (where readers look first)
            (x1 - bw, y0 - bh),  # above, right-aligned
            (x0, y1),  # below
            (x1 - bw, y1),
            (x0, y0),  # inside the top
            (x0 - bw, y0),  # beside
            (x1, y0),
        ]
        spots = [self._fit(x, y, bw, bh) for x, y in tries]
        for spot in spots:
            if not any(_overlap(spot, t) for t in self.taken):
                self.taken.append(spot)
                return spot
        # All taken: slide the first spot down (then up) past the labels in the way.
        best = spots[0]
        for step in range(1, 40):
            for sign in (1, -1):
                spot = self._fit(best[0], best[1] + sign * step * bh, bw, bh)
                if not any(_overlap(spot, t) for t in self.taken):
                    self.taken.append(spot)
                    return spot
        self.taken.append(best)
        return best


class _Labels:
    """Labels collected while drawing shapes, then placed and written in priority order."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str, Box, tuple[int, int, int], Optional[Direction], bool]] = []

    def add(
        self,
        priority: int,
        text: str,
        box: Box,
        rgb: tuple[int, int, int],
        arrow: Optional[Direction] = None,
        small: bool = False,
    ) -> None:
        """``small``: a bare person number, in smaller type so thirty of them leave the photo
        visible."""
        self.items.append((priority, text, box, rgb, arrow, small))

    def draw(self, img: np.ndarray, px: int) -> np.ndarray:
        """Place every label, draw the leader lines of those pushed away from their box, then
        the labels over them (a line never crosses a label's text)."""
        if not self.items:
            return img
        im = Image.fromarray(img)
        d = ImageDraw.Draw(im)
        fonts = {False: _font(px), True: _font(max(12, round(px * SMALL_LABEL)))}
        placer = _Placer(im.width, im.height)
        placed = []
        for _prio, text, box, rgb, arrow, small in sorted(self.items, key=lambda it: it[0]):
            font = fonts[small]
            pad = max(2, round(px * (SMALL_LABEL if small else 1)) // 6)
            left, top, right, bottom = d.textbbox((0, 0), text, font=font)
            tw, th = right - left, bottom - top
            aw = int(th * 0.9) + pad if arrow is not None else 0
            bw, bh = tw + aw + 2 * pad, th + 2 * pad
            spot = placer.place(box, bw, bh)
            _leader(d, spot, box, rgb, gap=bh / 2)
            placed.append((spot, text, font, pad, (left, top, th, aw), rgb, arrow))
        for (x0, y0, x1, y1), text, font, pad, (left, top, th, aw), rgb, arrow in placed:
            d.rectangle((x0, y0, x1, y1), fill=rgb)
            ink = (0, 0, 0) if sum(rgb) > 380 else (255, 255, 255)
            d.text((x0 + pad - left, y0 + pad - top), text, font=font, fill=ink)
            if arrow is not None:
                _arrow(d, (x1 - pad - aw / 2 + pad / 2, y0 + (y1 - y0) / 2), th * 0.42, arrow, ink)
        return np.asarray(im).copy()


def _leader(
    d: ImageDraw.ImageDraw, label: Box, box: Box, rgb: tuple[int, int, int], gap: float
) -> None:
    """A thin line from a label pushed away from its box (a crowded group photo) to the box, so
    "P12" still points at the right face."""
    lx = min(max((box[0] + box[2]) / 2, label[0]), label[2])
    ly = min(max((box[1] + box[3]) / 2, label[1]), label[3])
    bx = min(max(lx, box[0]), box[2])
    by = min(max(ly, box[1]), box[3])
    if max(abs(lx - bx), abs(ly - by)) > gap:
        d.line((lx, ly, bx, by), fill=rgb, width=max(1, round(gap / 6)))


def _arrow(
    d: ImageDraw.ImageDraw,
    centre: tuple[float, float],
    r: float,
    direction: Direction,
    ink: tuple[int, int, int],
) -> None:
    cx, cy = centre
    if direction == Direction.UP:
        pts = [(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    elif direction == Direction.DOWN:
        pts = [(cx, cy + r), (cx + r, cy - r), (cx - r, cy - r)]
    else:
        pts = [(cx + r, cy), (cx - r, cy - r), (cx - r, cy + r)]
    d.polygon(pts, fill=ink)


@dataclass
class _Pen:
    """The copy being drawn on, the scale from original pixels to it, the line width and the
    labels collected on the way (placed last, so none hides another)."""

    img: np.ndarray
    s: float
    line: int
    labels: _Labels

    def rect(self, box: Any, rgb: tuple[int, int, int], width: int) -> None:
        x0, y0, x1, y1 = box
        cv2.rectangle(self.img, (int(x0), int(y0)), (int(x1), int(y1)), rgb, width)


def draw(
    rgb: np.ndarray,
    hands: Sequence[Hand],
    faces: Detections,
    objects: Detections,
    scale: float = 1.0,
    flagged_hands: Sequence[int] = (),
    face_info: Sequence[FaceInfo] = (),
    texts: Sequence[TextLine] = (),
    bodies: Optional[Detections] = None,
) -> np.ndarray:
    """An annotated RGB copy. Coordinates are in original pixels; ``scale`` maps them to ``rgb``.

    Every face is a person, labelled P1, P2... (``person_tag``, as the findings name them), with
    the matched candidate and the uniform cue from ``face_info`` (one per face, or empty); a hand
    linked to a person carries the same number. ``bodies`` (the person detector's boxes) are
    outlined thinly in a neutral colour, unlabelled: the face names the person. ``texts``
    outlines lines of text that name a candidate or party. Drawn in this order: bodies, faces,
    text lines, objects, hands (on top).
    """
    img = np.ascontiguousarray(rgb.copy())
    unit = max(img.shape[:2]) / 1000.0
    pen = _Pen(img, 1.0 / scale, max(1, round(2 * unit)), _Labels())
    px = max(14, round(25 * unit))
    infos = list(face_info) if len(face_info) == len(faces) else [FaceInfo()] * len(faces)
    if bodies is not None:
        for box in bodies.xyxy * pen.s:
            pen.rect(box, colour("body"), max(1, pen.line // 2))
    _draw_faces(pen, faces, infos, hands, flagged_hands)
    for t in texts:
        if t.matches:
            # Outlined only: a label would cover the neighbouring line of the banner, which is
            # the evidence itself; the page lists what each line says.
            pen.rect([v * pen.s for v in t.box], colour("text"), pen.line)
    for box, label, conf in zip(objects.xyxy * pen.s, objects.labels, objects.confidence):
        rgb_obj = colour(label if label in ("banner", "flag") else "object")
        pen.rect(box, rgb_obj, pen.line)
        pen.labels.add(_OBJECT, f"{label} {conf:.2f}", tuple(box), rgb_obj)
    _draw_hands(pen, hands, flagged_hands)
    return pen.labels.draw(pen.img, px)


def _face_tags(j: int, info: FaceInfo) -> list[str]:
    """A face's label parts: its person number (as the hands' labels and the findings name it),
    the matched candidate, the uniform cue."""
    tags = [person_tag(j)]
    if info.candidate is not None:
        number = f"{info.number:02d}" if info.number is not None else ""
        who = " ".join(part for part in (number, (info.name or "")[:24]) if part)
        tags.append(f"{who}{' (cetak)' if info.on_print else ''} d={info.distance or 0:.2f}")
    if info.attire is not None:
        tags.append(f"{info.attire} {info.attire_score:.2f}")
    return tags


def _draw_faces(
    pen: _Pen,
    faces: Detections,
    infos: Sequence[FaceInfo],
    hands: Sequence[Hand],
    flagged_hands: Sequence[int],
) -> None:
    """Faces whose person has a hand stand out (a thicker box); a candidate's face and those
    making a flagged sign get their label placed first, beside the hands' labels."""
    with_hands = {h.person for h in hands if h.person is not None}
    makers = {hands[i].person for i in flagged_hands if 0 <= i < len(hands)}
    for j, (box, info) in enumerate(zip(faces.xyxy * pen.s, infos)):
        tags = _face_tags(j, info)
        rgb_face = colour("candidate" if info.candidate is not None else "face")
        plain = len(tags) == 1 and j not in with_hands
        pen.rect(box, rgb_face, max(1, pen.line // 2) if plain else pen.line)
        priority = _MAKER_FACE if j in makers or info.candidate is not None else _FACE
        pen.labels.add(priority, " | ".join(tags), tuple(box), rgb_face, small=len(tags) == 1)


def _draw_hands(pen: _Pen, hands: Sequence[Hand], flagged_hands: Sequence[int]) -> None:
    img, line = pen.img, pen.line
    for i, hand in enumerate(hands):
        flagged = i in flagged_hands
        rgb_hand = colour("hand_flagged" if flagged else "hand")
        pts = np.round(hand.landmarks[:, :2] * pen.s).astype(int)
        for a, b in HAND_CONNECTIONS:
            pa, pb = (int(pts[a][0]), int(pts[a][1])), (int(pts[b][0]), int(pts[b][1]))
            cv2.line(img, pa, pb, (255, 255, 255), line + 1, cv2.LINE_AA)
            cv2.line(img, pa, pb, rgb_hand, line, cv2.LINE_AA)
        for p in pts:
            cv2.circle(img, (int(p[0]), int(p[1])), line + 1, rgb_hand, -1, cv2.LINE_AA)
        box = hand.box * pen.s
        pen.rect(box, rgb_hand, line)
        if hand.held is not None:
            # The object the held-object cue saw, thin: a reviewer checks that it really is in
            # the hand (a cup on the table behind it is not), which the label alone cannot show.
            pen.rect(hand.held.box * pen.s, colour("held"), max(1, line // 2))
        r = hand.reading
        # Whose hand (the person # of the findings), so a reviewer can check the link.
        who = "" if hand.person is None else f" {person_tag(hand.person)}"
        held = "" if hand.held is None else f" [{hand.held.label}]"  # what the cue saw in it
        text = f"#{i} {r.gesture.value} {hand.score:.2f}{who}{held}"
        pen.labels.add(_FLAGGED_HAND if flagged else _HAND, text, tuple(box), rgb_hand, r.direction)
