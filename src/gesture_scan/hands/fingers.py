"""Which fingers are raised, how many, what named gesture, and where it points.

Extension is read from joint angles, not from "tip above knuckle" in image coordinates, so it does
not care whether the hand is upright, sideways, left or right, palm or back to the camera. Angles
use x, y and MediaPipe's relative depth z, so a finger pointing at the camera (short in 2D) still
reads as straight. The thumb bends differently from the other four and gets its own test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ..results import Direction, FingerReading, Gesture
from .landmarks import FINGER_CHAIN, Finger, HandLandmark

L = HandLandmark


@dataclass(frozen=True)
class FingerThresholds:
    """Decision points, tuned on the training split of ../shared/train/hands by
    ``scripts/tune_fingers.py`` (held-out photos never used). Angles in degrees; distances in units
    of the palm length (wrist to middle knuckle)."""

    finger_bend: float = 70.0  # summed bend at MCP + PIP + DIP: straight < this < curled
    finger_soft: float = 8.0  # sigmoid width around it (degrees), for the confidence
    thumb_bend: float = 30.0  # summed bend at thumb MCP + IP
    thumb_bend_soft: float = 10.0
    thumb_away: float = 1.2  # thumb tip to pinky knuckle / thumb knuckle to pinky knuckle
    thumb_away_soft: float = 0.08
    thumb_clear: float = 0.4  # thumb tip to the nearest joint of the other four fingers...
    thumb_clear_soft: float = 0.04  # ...a thumb laid on a fist's curled fingers is well under it
    touch: float = 0.4  # thumb tip to index tip, for "OK"
    heart_cross: float = 0.25  # thumb tip to the index PIP-DIP segment, for a finger heart...
    heart_index_bend: float = 150.0  # ...with the index only half bent (a fist's is ~170-190)...
    heart_index_reach: float = 1.1  # ...and its tip well away from the wrist (a fist's ~0.8-1.0)
    direction_cone: float = 50.0  # degrees from vertical that still count as up / down


DEFAULT_THRESHOLDS = FingerThresholds()


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-9)


def angle_between(u: np.ndarray, v: np.ndarray) -> float:
    """Degrees between two directions; 90 where either is zero-length (coincident landmarks)."""
    c = float(np.clip(np.dot(_unit(u), _unit(v)), -1.0, 1.0))
    return float(np.degrees(np.arccos(c)))


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


@dataclass(frozen=True)
class FingerFeatures:
    """Scale- and rotation-free measurements of one hand; also the learned classifier's input."""

    bend: np.ndarray  # (5,) summed joint bend per finger, degrees
    thumb_out: float  # thumb tip to index MCP / palm length
    thumb_pinky: float  # thumb tip to pinky MCP / (thumb MCP to pinky MCP)
    tip_reach: np.ndarray  # (5,) tip-to-wrist / palm length
    touch: float  # thumb tip to index tip / palm length
    heart: float  # thumb tip to index PIP..DIP segment / palm length
    thumb_clear: float  # thumb tip to the nearest index..pinky landmark / palm length


def _seg_dist(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    t = float(np.clip(np.dot(p - a, ab) / max(float(np.dot(ab, ab)), 1e-12), 0.0, 1.0))
    return float(np.linalg.norm(p - (a + t * ab)))


def hand_features(points: np.ndarray) -> FingerFeatures:
    """Measurements on (21, 3) landmarks (world or pixel: only ratios and angles are used)."""
    p = np.asarray(points, dtype=np.float64)
    palm = max(float(np.linalg.norm(p[L.MIDDLE_MCP] - p[L.WRIST])), 1e-9)
    bend = np.zeros(5)
    for finger, (a, b, c, d) in FINGER_CHAIN.items():
        base = p[L.WRIST] if finger != Finger.THUMB else None
        segs = [p[b] - p[a], p[c] - p[b], p[d] - p[c]]
        total = angle_between(segs[0], segs[1]) + angle_between(segs[1], segs[2])
        if base is not None:
            total += angle_between(p[a] - base, segs[0])
        bend[finger] = total
    tip_reach = np.array(
        [np.linalg.norm(p[FINGER_CHAIN[f][3]] - p[L.WRIST]) / palm for f in Finger]
    )
    thumb_tip = p[L.THUMB_TIP]
    return FingerFeatures(
        bend=bend,
        thumb_out=float(np.linalg.norm(thumb_tip - p[L.INDEX_MCP]) / palm),
        thumb_pinky=float(
            np.linalg.norm(thumb_tip - p[L.PINKY_MCP])
            / max(float(np.linalg.norm(p[L.THUMB_MCP] - p[L.PINKY_MCP])), 1e-9)
        ),
        tip_reach=tip_reach,
        touch=float(np.linalg.norm(thumb_tip - p[L.INDEX_TIP]) / palm),
        heart=_seg_dist(thumb_tip, p[L.INDEX_PIP], p[L.INDEX_DIP]) / palm,
        thumb_clear=float(np.min(np.linalg.norm(p[L.INDEX_MCP :] - thumb_tip, axis=1)) / palm),
    )


def extension_probabilities(
    f: FingerFeatures, t: FingerThresholds = DEFAULT_THRESHOLDS
) -> np.ndarray:
    """P(extended) per finger, thumb first; 0.5 means the hand sits on a decision boundary.

    The thumb is "out" when it is straight *and* its tip is away from the palm: a straight thumb
    laid across the palm (the "four") must not count, nor a bent one sticking out of a fist. It
    must also stand clear of the other fingers: in a fist raised towards the camera the thumb lies
    straight along the curled fingers, tip on their joints, and the bend and pinky-distance terms
    alone read it as a thumbs-up (issue 20: most raised fists of real group photos did). That
    test is a separate AND, not one more term of the sum, so a far-out thumb cannot outvote it.
    """
    probs = np.zeros(5)
    for finger in (Finger.INDEX, Finger.MIDDLE, Finger.RING, Finger.PINKY):
        probs[finger] = _sigmoid((t.finger_bend - f.bend[finger]) / t.finger_soft)
    z = (t.thumb_bend - f.bend[Finger.THUMB]) / t.thumb_bend_soft + (
        f.thumb_pinky - t.thumb_away
    ) / t.thumb_away_soft
    clear = (f.thumb_clear - t.thumb_clear) / t.thumb_clear_soft
    probs[Finger.THUMB] = min(_sigmoid(z), _sigmoid(clear))
    return probs


def _direction(points2d: np.ndarray, extended: tuple[bool, ...], cone: float) -> Direction:
    """Image-plane direction of the raised fingers (or of the hand, for a fist)."""
    p = points2d
    vecs = [
        p[FINGER_CHAIN[f][3]] - p[FINGER_CHAIN[f][0]]
        for f in Finger
        if extended[f] and (f != Finger.THUMB or sum(extended) == 1)
    ]
    v = np.mean(vecs, axis=0) if vecs else p[L.MIDDLE_MCP] - p[L.WRIST]
    # Image y grows downwards: "up" is -y.
    ang = float(np.degrees(np.arctan2(abs(v[0]), -v[1])))  # 0 = up, 180 = down
    if ang <= cone:
        return Direction.UP
    if ang >= 180 - cone:
        return Direction.DOWN
    return Direction.SIDE


_BY_PATTERN: dict[tuple[bool, ...], Gesture] = {
    (False, False, False, False, False): Gesture.FIST,
    (False, True, False, False, False): Gesture.ONE,
    (False, True, True, False, False): Gesture.TWO_V,
    (True, True, False, False, False): Gesture.L,
    (True, True, True, False, False): Gesture.THREE,
    (False, True, True, True, False): Gesture.THREE,
    (False, True, True, True, True): Gesture.FOUR,
    (True, True, True, True, True): Gesture.OPEN_PALM,
    (False, True, False, False, True): Gesture.METAL,
    (True, True, False, False, True): Gesture.METAL,
    (True, False, False, False, True): Gesture.CALL,
}


def name_gesture(
    extended: tuple[bool, ...],
    f: FingerFeatures,
    direction_of_thumb: Direction,
    t: FingerThresholds = DEFAULT_THRESHOLDS,
) -> Gesture:
    """The named pose for a raised-finger pattern, with the touches that change its meaning."""
    rest = extended[Finger.MIDDLE], extended[Finger.RING], extended[Finger.PINKY]
    if f.touch < t.touch and all(rest[1:]) and not extended[Finger.INDEX]:
        return Gesture.OK  # thumb and index form the ring, middle/ring/pinky up
    if f.touch < t.touch and all(rest) and extended[Finger.INDEX]:
        return Gesture.OK
    if (
        not any(rest)
        and f.heart < t.heart_cross
        and f.bend[Finger.INDEX] < t.heart_index_bend
        and f.tip_reach[Finger.INDEX] > t.heart_index_reach
    ):
        # Thumb tip crossing a half-bent index. In a fist the thumb also lies on the index, but
        # the index is rolled up tight; without the two index tests 57 of 77 fists of the training
        # photos read as hearts.
        return Gesture.FINGER_HEART
    if extended == (True, False, False, False, False):
        if direction_of_thumb == Direction.UP:
            return Gesture.THUMBS_UP
        if direction_of_thumb == Direction.DOWN:
            return Gesture.THUMBS_DOWN
        return Gesture.OTHER
    return _BY_PATTERN.get(tuple(extended), Gesture.OTHER)


def read_fingers(
    landmarks: np.ndarray,
    world: Optional[np.ndarray] = None,
    thresholds: FingerThresholds = DEFAULT_THRESHOLDS,
    classifier: Any = None,
) -> FingerReading:
    """Read a hand: extension per finger, count, gesture, direction and a confidence.

    ``classifier`` (optional) refines the per-finger extension probabilities; the named gesture is
    always derived from the final extension pattern so count and gesture never disagree.
    """
    # Pixel landmarks (x, y and MediaPipe's relative depth z) separate straight from curled fingers
    # better than the metric "world" landmarks, whose joints are noisier (training split, best
    # thresholds for each: 96.8% vs 92.1% mean count accuracy), so world points are only recorded.
    feats = hand_features(landmarks)
    probs = extension_probabilities(feats, thresholds)
    if classifier is not None:
        probs = classifier.refine(landmarks, world, feats, probs)
    extended = tuple(bool(p >= 0.5) for p in probs)
    count = int(sum(extended))
    direction = _direction(landmarks[:, :2], extended, thresholds.direction_cone)
    thumb_dir = _direction(
        landmarks[:, :2], (True, False, False, False, False), thresholds.direction_cone
    )
    gesture = name_gesture(extended, feats, thumb_dir, thresholds)
    # Confidence: how far the least certain finger is from its decision boundary.
    margin = float(np.min(np.abs(probs - 0.5))) * 2.0
    confidence = 0.5 + 0.5 * margin
    return FingerReading(extended, count, gesture, direction, round(confidence, 4))  # type: ignore[arg-type]
