"""Whose hand is it, and is it held up to show a sign? Geometry on faces and hand landmarks.

The rule that matters is a civil servant making a candidate's sign *beside* the candidate, so a
finding must say who makes the sign; and the costliest mistake, a high finding on an innocent group
photo, mostly comes from hands that are not showing anything: a hand round a cup or a trophy read as
a thumbs-up, a hand on a phone, at a mouth or on a table read as "one". Both questions are answered
from what the scan already has (face boxes, 21 landmarks per hand), without another model:

- **linking**: a hand belongs to the face whose shoulders it is within arm's reach of, at a size
  that fits that face (a hand is about as long as a face is high; a far person's hand is small).
  Each person gets at most two hands, assigned greedily from the closest fit.
- **posed** (0..1): a sign is held up towards the camera. It is lowered for a hand below the chest
  of its person (resting, holding, on a table), for a hand over a face (drinking, a phone call, a
  mask, a chin on a hand) and for curled fingers (a fist or thumbs-up shape is also how a hand
  grips a cup, a medal or a microphone), and left neutral where no person was linked.

Pure numpy on our types, so it is unit-tested without models (``tests/test_sign_grading.py``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import numpy as np

from ..config import LinkOptions
from ..detections import box_ioa
from ..results import Gesture, Hand
from .landmarks import HandLandmark

#: Readings whose shape is also a grip round an object (fingers curled): less evidence of a pose.
GRIP_SHAPES = {Gesture.FIST, Gesture.THUMBS_UP, Gesture.THUMBS_DOWN, Gesture.OTHER}


def _face_geometry(faces_xyxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Face centres (n, 2) and sizes (n,) (the longer side of each box)."""
    xyxy = np.asarray(faces_xyxy, dtype=np.float64).reshape(-1, 4)
    centres = (xyxy[:, :2] + xyxy[:, 2:]) / 2
    sizes = np.maximum(np.maximum(xyxy[:, 2] - xyxy[:, 0], xyxy[:, 3] - xyxy[:, 1]), 1.0)
    return centres, sizes


def _hand_centre(hand: Hand) -> np.ndarray:
    return np.asarray(hand.landmarks[:, :2], dtype=np.float64).mean(axis=0)


def link_costs(hands: tuple[Hand, ...], faces_xyxy: np.ndarray, options: LinkOptions) -> np.ndarray:
    """(hands, faces) cost of giving each hand to each face; inf where out of reach or scale."""
    centres, sizes = _face_geometry(faces_xyxy)
    costs = np.full((len(hands), len(sizes)), np.inf)
    if not len(hands) or not len(sizes):
        return costs
    o = options
    for i, hand in enumerate(hands):
        c = _hand_centre(hand)
        wrist = np.asarray(hand.landmarks[HandLandmark.WRIST, :2], dtype=np.float64)
        for j, (fc, s) in enumerate(zip(centres, sizes)):
            ratio = max(hand.size, 1.0) / s
            if not o.min_size_ratio <= ratio <= o.max_size_ratio:
                continue
            shoulders = (
                fc
                + np.array(
                    [[-o.shoulder_width, o.shoulder_drop], [o.shoulder_width, o.shoulder_drop]]
                )
                * s
            )
            # The arm ends at the wrist; the hand's centre is a little further on.
            reach = min(float(np.linalg.norm(p - q)) for p in shoulders for q in (wrist, c)) / s
            if reach > o.reach:
                continue
            scale_misfit = abs(float(np.log(ratio / o.size_ratio)))
            costs[i, j] = reach / o.reach + o.scale_weight * scale_misfit
    return costs


def link_hands(
    hands: tuple[Hand, ...], faces_xyxy: np.ndarray, options: LinkOptions
) -> tuple[Optional[int], ...]:
    """The face index each hand belongs to (None: nobody within reach), two hands per person."""
    costs = link_costs(hands, faces_xyxy, options)
    people: list[Optional[int]] = [None] * len(hands)
    if costs.size == 0:
        return tuple(people)
    taken = np.zeros(costs.shape[1], dtype=int)
    for flat in np.argsort(costs, axis=None, kind="stable"):
        i, j = divmod(int(flat), costs.shape[1])
        if not np.isfinite(costs[i, j]):
            break
        if people[i] is None and taken[j] < options.max_hands_per_person:
            people[i] = j
            taken[j] += 1
    return tuple(people)


def posed_score(
    hand: Hand, person: Optional[int], faces_xyxy: np.ndarray, options: LinkOptions
) -> float:
    """0..1: how much ``hand`` looks held up to show a sign (see the module docstring)."""
    o = options
    xyxy = np.asarray(faces_xyxy, dtype=np.float64).reshape(-1, 4)
    score = 1.0
    if person is None:
        raised = o.unlinked_raised
    else:
        centres, sizes = _face_geometry(xyxy[person : person + 1])
        c = _hand_centre(hand)
        # Face sizes above the person's shoulder line: + over the head, - down at the waist.
        height = (centres[0, 1] + o.shoulder_drop * sizes[0] - c[1]) / sizes[0]
        raised = float(1.0 / (1.0 + np.exp(-(height - o.raised_at) / o.raised_softness)))
    score *= raised
    if len(xyxy):
        # Share of the hand's box inside a face: a hand over a mouth or an ear is busy.
        over = float(box_ioa(hand.box[None, :].astype(np.float64), xyxy).max())
        score *= 1.0 - o.face_penalty * float(np.clip((over - 0.15) / 0.45, 0.0, 1.0))
    if hand.reading.gesture in GRIP_SHAPES:
        score *= o.grip_factor
    return float(np.clip(score, 0.0, 1.0))


def link_and_score(
    hands: tuple[Hand, ...], faces_xyxy: Optional[np.ndarray], options: LinkOptions
) -> tuple[Hand, ...]:
    """``hands`` with ``person`` and ``posed`` set (same pixel space as ``faces_xyxy``).

    Every face takes part, also those marked ``on_print`` (inside a detected banner): on real
    photos that box also covers people standing in front of a glass door or a backdrop, and
    leaving their faces out sent their hands to a neighbour.
    """
    if not options.enabled or not hands:
        return hands
    faces = np.zeros((0, 4)) if faces_xyxy is None else np.asarray(faces_xyxy).reshape(-1, 4)
    people = link_hands(hands, faces, options)
    return tuple(
        replace(h, person=p, posed=round(posed_score(h, p, faces, options), 4))
        for h, p in zip(hands, people)
    )
