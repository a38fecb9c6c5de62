"""The learned posed score: is a hand held up to show a gesture, from its geometry.

``hands/people.py``'s hand-written score (height over the shoulder line, a hand over a face, a
grip shape) separated posed from resting and holding hands with ROC AUC 0.77 on 1,136 hands
labelled by eye in real Indonesian group photos and webcam selfies; a logistic regression on the
same geometry reached 0.94 out of fold (folds grouped by website and selfie session,
``scripts/measure_posed_score.py``, ``bench/posed_score.json``), 0.90 on the group photos alone.
Resting fists (at a chair back, clasped at the waist), which the hand-written score let through
at 0.5-0.75, are where it differs. The reading alone says little about a hand round a cup, a
torch or a sheet of paper, which also reads as a fist, a thumbs-up or a "one"; so since
2026-12-03 the features also say how far each finger is bent at its two nearest joints and
where the fingertips lie (``finger_geometry``): out of fold 0.96, 0.93 on the group photos, and
at 90% of the posed hands kept the non-posed hands let through fell from 92 to 56 of 574. The
landmark model's own hand-presence score (``Hand.presence``) is the 30th: boxes on hair or a
head pass MediaPipe's 0.5 cut near 0.64, and the non-hands let through fell from 12 to 7.
Thirty weights, a bias and a dot product: numpy, no learning library at run time (a
gradient-boosted model would add a dependency for a feature set this small; products of the
features were tried and gained nothing).

The features only need what linking already has (faces, the hand's landmarks and reading), so
the score is unit-tested without models (``tests/test_posed_model.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Optional

import numpy as np

from ..config import LinkOptions
from ..detections import box_ioa
from ..errors import ModelError
from ..results import Direction, Gesture, Hand
from .fingers import angle_between
from .landmarks import HandLandmark

WEIGHTS_NAME = "posed_score.json"

#: Readings whose shape is also a grip round an object (fingers curled).
GRIP_SHAPES = {Gesture.FIST, Gesture.THUMBS_UP, Gesture.THUMBS_DOWN, Gesture.OTHER}
#: Readings made with free fingers: what a posed sign looks like.
NUMBER_SHAPES = {
    Gesture.ONE,
    Gesture.TWO_V,
    Gesture.THREE,
    Gesture.FOUR,
    Gesture.L,
    Gesture.METAL,
    Gesture.CALL,
    Gesture.OK,
    Gesture.FINGER_HEART,
}
FEATURES = (
    "linked",
    "height",
    "face_overlap",
    "grip_shape",
    "open_palm",
    "number_shape",
    "size_vs_face",
    "points_up",
    "points_side",
    "fingers_up",
    "extended",
    "reading_confidence",
    "detection_score",
    "held_together",
    "from_tile",
    "near_face",
    *(
        f"{finger}_{joint}_bend"
        for finger in ("index", "middle", "ring", "pinky")
        for joint in ("mcp", "pip")
    ),
    "thumb_mcp_bend",
    "thumb_ip_bend",
    "thumb_index_gap",
    "fingertip_spread",
    "fingertip_reach",
    "presence_logit",
)

L = HandLandmark
#: (before, joint, after) landmarks of each bend in ``FEATURES``' order: the angle at a finger's
#: knuckle (MCP) and middle joint (PIP), then the thumb's MCP and IP.
BENDS = (
    *(
        trio
        for mcp, pip, dip in (
            (L.INDEX_MCP, L.INDEX_PIP, L.INDEX_DIP),
            (L.MIDDLE_MCP, L.MIDDLE_PIP, L.MIDDLE_DIP),
            (L.RING_MCP, L.RING_PIP, L.RING_DIP),
            (L.PINKY_MCP, L.PINKY_PIP, L.PINKY_DIP),
        )
        for trio in ((L.WRIST, mcp, pip), (mcp, pip, dip))
    ),
    (L.THUMB_CMC, L.THUMB_MCP, L.THUMB_IP),
    (L.THUMB_MCP, L.THUMB_IP, L.THUMB_TIP),
)
_TIPS = (L.INDEX_TIP, L.MIDDLE_TIP, L.RING_TIP, L.PINKY_TIP)
#: Presence scores are clipped here before the logit: the model saturates near 1.
_PRESENCE_CLIP = 1e-4


def presence_logit(hand: Hand) -> float:
    """The landmark model's hand-presence score as a log-odds, NaN where the record has none
    (``PosedModel`` then takes the training mean: an unknown presence moves nothing). The
    log-odds, because the scores crowd near 1: 0.99 and 0.9 are far apart as evidence."""
    if hand.presence is None:
        return float("nan")
    p = float(np.clip(hand.presence, _PRESENCE_CLIP, 1 - _PRESENCE_CLIP))
    return float(np.log(p / (1 - p)))


def face_geometry(faces_xyxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Face centres (n, 2) and sizes (n,) (the longer side of each box)."""
    xyxy = np.asarray(faces_xyxy, dtype=np.float64).reshape(-1, 4)
    centres = (xyxy[:, :2] + xyxy[:, 2:]) / 2
    sizes = np.maximum(np.maximum(xyxy[:, 2] - xyxy[:, 0], xyxy[:, 3] - xyxy[:, 1]), 1.0)
    return centres, sizes


def hand_centre(hand: Hand) -> np.ndarray:
    return np.asarray(hand.landmarks[:, :2], dtype=np.float64).mean(axis=0)


def shoulder_line_height(hand: Hand, face_xyxy: np.ndarray, options: LinkOptions) -> float:
    """Face sizes the hand lies above (+) or below (-) the shoulder line guessed from one face."""
    centres, sizes = face_geometry(face_xyxy.reshape(-1, 4))
    shoulder_y = centres[0, 1] + options.shoulder_drop * sizes[0]
    return float((shoulder_y - hand_centre(hand)[1]) / sizes[0])


def finger_geometry(hand: Hand) -> list[float]:
    """How each finger is bent and where the fingertips lie, on the image-plane landmarks.

    The reading (``fist``, ``two_v``...) says which fingers count as extended; a hand round a cup,
    a medal ribbon or a phone bends them *evenly* part-way, while a posed sign folds the others
    tight and keeps the shown ones straight. Bends are 0 (straight) to 1 (folded back); the gap,
    spread and reach are in hand sizes. Depth (z) is left out: its scale varies with the crop."""
    p = np.asarray(hand.landmarks[:, :2], dtype=np.float64)
    out = []
    for a, b, c in BENDS:
        # The turn from one bone to the next: 0 degrees straight, 180 folded back.
        out.append(angle_between(p[b] - p[a], p[c] - p[b]) / 180.0)
    size = max(hand.size, 1.0)
    out.append(float(np.linalg.norm(p[L.THUMB_TIP] - p[L.INDEX_TIP])) / size)
    out.append(float(np.linalg.norm(p[L.INDEX_TIP] - p[L.PINKY_TIP])) / size)
    out.append(float(np.mean([np.linalg.norm(p[t] - p[L.WRIST]) for t in _TIPS])) / size)
    return out


def features(
    hand: Hand,
    person: Optional[int],
    faces_xyxy: np.ndarray,
    together: bool,
    options: LinkOptions,
    height: Optional[float] = None,
) -> np.ndarray:
    """The ``FEATURES`` of one hand; ``height`` over the person's shoulder line where the caller
    measured it from a body, else guessed from the person's face."""
    faces = np.asarray(faces_xyxy, dtype=np.float64).reshape(-1, 4)
    linked, h, size = 0.0, 0.0, 0.0
    if person is not None:
        own = faces[person : person + 1]
        h = shoulder_line_height(hand, own, options) if height is None else height
        h = float(np.clip(h, -6, 6))
        size = float(np.log(max(hand.size, 1.0) / face_geometry(own)[1][0]))
        linked = 1.0
    over = float(box_ioa(hand.box[None, :].astype(np.float64), faces).max()) if len(faces) else 0.0
    # Face sizes to the nearest face centre: a hand at an ear or a chin hardly overlaps the face
    # box but is as busy as one over the mouth.
    near = 5.0
    if len(faces):
        fc, fs = face_geometry(faces)
        near = float(min(5.0, (np.linalg.norm(fc - hand_centre(hand), axis=1) / fs).min()))
    lm = np.asarray(hand.landmarks[:, :2], dtype=np.float64)
    up = (lm[HandLandmark.WRIST, 1] - lm[HandLandmark.MIDDLE_MCP, 1]) / max(hand.size, 1.0)
    g = hand.reading.gesture
    return np.array(
        [
            linked,
            h,
            over,
            float(g in GRIP_SHAPES),
            float(g == Gesture.OPEN_PALM),
            float(g in NUMBER_SHAPES),
            size,
            float(hand.reading.direction == Direction.UP),
            float(hand.reading.direction == Direction.SIDE),
            float(up),
            sum(hand.reading.extended) / 5.0,
            float(hand.reading.confidence),
            float(hand.detection_score),
            float(together),
            float(hand.source != "full"),
            near,
            *finger_geometry(hand),
            presence_logit(hand),
        ]
    )


@dataclass(frozen=True)
class PosedModel:
    """A logistic regression on standardised ``FEATURES``: P(posed)."""

    mean: np.ndarray
    std: np.ndarray
    bias: float
    coef: np.ndarray
    meta: dict[str, Any]

    def __call__(self, x: np.ndarray) -> float:
        """P(posed); a NaN feature (not measured for this hand) counts as the training mean."""
        x = np.asarray(x, dtype=np.float64)
        x = np.where(np.isnan(x), self.mean, x)
        z = self.bias + float(((x - self.mean) / self.std) @ self.coef)
        return float(1.0 / (1.0 + np.exp(-z)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "mean": [round(float(v), 6) for v in self.mean],
            "std": [round(float(v), 6) for v in self.std],
            "bias": round(float(self.bias), 6),
            "coef": [round(float(v), 6) for v in self.coef],
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "posed weights") -> PosedModel:
        try:
            if list(d["features"]) != list(FEATURES):
                raise ValueError(f"features {d['features']} are not {list(FEATURES)}")
            arrays = [np.asarray(d[k], dtype=np.float64) for k in ("mean", "std", "coef")]
            if any(a.shape != (len(FEATURES),) for a in arrays) or np.any(arrays[1] <= 0):
                raise ValueError("mean, std and coef need one positive-std entry per feature")
            return cls(arrays[0], arrays[1], float(d["bias"]), arrays[2], dict(d.get("meta", {})))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(where, f"posed score weights unreadable: {exc}") from exc


def load_default_model() -> Optional[PosedModel]:
    """The shipped model from ``weights/``, or None where it is not shipped (the hand-written
    score is then used)."""
    ref = resources.files("gesture_scan.weights").joinpath(WEIGHTS_NAME)
    if not ref.is_file():
        return None
    try:
        data = json.loads(ref.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(WEIGHTS_NAME, f"posed score weights unreadable: {exc}") from exc
    return PosedModel.from_dict(data, WEIGHTS_NAME)


@cache
def shipped_model() -> Optional[PosedModel]:
    """``load_default_model`` once per process: linking runs on every photo and frame."""
    return load_default_model()
