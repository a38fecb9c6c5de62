"""Draw the evidence onto a copy of the photo: hands (skeleton, box, reading), faces, objects.

OpenCV's Hershey fonts rather than Pillow text: they are compiled into cv2, so drawing needs no font
file on an air-gapped machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..detections import Detections
from ..hands.landmarks import HAND_CONNECTIONS
from ..results import Direction, FaceInfo, Hand, TextLine

_ARROW = {Direction.UP: "^", Direction.DOWN: "v", Direction.SIDE: ">"}
# RGB colours
_HAND = (255, 64, 64)
_HAND_FLAGGED = (255, 0, 200)
_FACE = (64, 200, 255)
_CANDIDATE = (255, 40, 40)
_TEXT = (180, 120, 255)
_OBJECT = {"banner": (255, 200, 0), "flag": (0, 230, 120)}


def _ascii(text: str, limit: int) -> str:
    """Hershey fonts draw ASCII only; other characters (names, OCR text) become '?'."""
    return text.encode("ascii", "replace").decode()[:limit]


def _label(
    img: np.ndarray, text: str, x: float, y: float, colour: tuple[int, int, int], scale: float
) -> None:
    font = cv2.FONT_HERSHEY_SIMPLEX
    thick = max(1, round(scale * 2))
    (tw, th), base = cv2.getTextSize(text, font, scale, thick)
    x0 = int(np.clip(x, 0, max(0, img.shape[1] - tw - 4)))
    y0 = int(np.clip(y - th - base - 4, 0, max(0, img.shape[0] - th - base - 4)))
    cv2.rectangle(img, (x0, y0), (x0 + tw + 4, y0 + th + base + 4), colour, -1)
    cv2.putText(img, text, (x0 + 2, y0 + th + 2), font, scale, (0, 0, 0), thick, cv2.LINE_AA)


def draw(
    rgb: np.ndarray,
    hands: Sequence[Hand],
    faces: Detections,
    objects: Detections,
    scale: float = 1.0,
    flagged_hands: Sequence[int] = (),
    face_info: Sequence[FaceInfo] = (),
    texts: Sequence[TextLine] = (),
) -> np.ndarray:
    """An annotated RGB copy. Coordinates are in original pixels; ``scale`` maps them to ``rgb``.

    ``face_info`` (one per face, or empty) labels faces with the matched candidate and the uniform
    cue; ``texts`` outlines lines of text that name a candidate or party.
    """
    img = rgb.copy()
    s = 1.0 / scale
    unit = max(img.shape[:2]) / 1000.0
    line = max(1, round(2 * unit))
    text_scale = max(0.4, 0.55 * unit)
    infos = list(face_info) if len(face_info) == len(faces) else [FaceInfo()] * len(faces)
    # People who have a hand are labelled P<face index>, as the hands' labels and the findings'
    # "person #" name them.
    with_hands = {h.person for h in hands if h.person is not None}
    for j, ((x0, y0, x1, y1), info) in enumerate(zip(faces.xyxy * s, infos)):
        tags = [f"P{j}"] if j in with_hands else []
        if info.candidate is not None:
            who = " ".join(
                part
                for part in (
                    f"{info.number:02d}" if info.number is not None else "",
                    _ascii(info.name or "", 24),
                )
                if part
            )
            tags.append(f"{who}{' print' if info.on_print else ''} d={info.distance or 0:.2f}")
        if info.attire is not None:
            tags.append(f"{info.attire} {info.attire_score:.2f}")
        colour = _CANDIDATE if info.candidate is not None else _FACE
        cv2.rectangle(
            img, (int(x0), int(y0)), (int(x1), int(y1)), colour, line if tags else max(1, line // 2)
        )
        if tags:
            _label(img, " | ".join(tags), x0, y0, colour, max(0.35, text_scale * 0.8))
    for t in texts:
        if not t.matches:
            continue
        x0, y0, x1, y1 = (v * s for v in t.box)
        cv2.rectangle(img, (int(x0), int(y0)), (int(x1), int(y1)), _TEXT, line)
        _label(img, _ascii(t.text, 40), x0, y1 + 30 * unit, _TEXT, max(0.35, text_scale * 0.8))
    for (x0, y0, x1, y1), label, conf in zip(objects.xyxy * s, objects.labels, objects.confidence):
        colour = _OBJECT.get(label, (200, 200, 200))
        cv2.rectangle(img, (int(x0), int(y0)), (int(x1), int(y1)), colour, line)
        _label(img, f"{label} {conf:.2f}", x0, y0, colour, text_scale)
    for i, hand in enumerate(hands):
        colour = _HAND_FLAGGED if i in flagged_hands else _HAND
        pts = hand.landmarks[:, :2] * s
        for a, b in HAND_CONNECTIONS:
            cv2.line(
                img,
                tuple(np.round(pts[a]).astype(int)),
                tuple(np.round(pts[b]).astype(int)),
                (255, 255, 255),
                line + 1,
                cv2.LINE_AA,
            )
            cv2.line(
                img,
                tuple(np.round(pts[a]).astype(int)),
                tuple(np.round(pts[b]).astype(int)),
                colour,
                line,
                cv2.LINE_AA,
            )
        for p in pts:
            cv2.circle(img, tuple(np.round(p).astype(int)), line + 1, colour, -1, cv2.LINE_AA)
        x0, y0, x1, y1 = hand.box * s
        cv2.rectangle(img, (int(x0), int(y0)), (int(x1), int(y1)), colour, line)
        r = hand.reading
        # Small hands in group photos sit close together: their labels shrink with them so
        # neighbours stay readable.
        hand_scale = float(np.clip((y1 - y0) / 90.0, 0.35, 1.0)) * text_scale
        _label(
            img,
            f"#{i} {r.gesture.value} {_ARROW[r.direction]} {hand.score:.2f}"
            # Whose hand (the person # of the findings), so a reviewer can check the link.
            + ("" if hand.person is None else f" P{hand.person}"),
            x0,
            y0,
            colour,
            max(hand_scale, 0.35),
        )
    return img
