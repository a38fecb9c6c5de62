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
  grips a cup, a medal or a microphone), and left neutral where no person was linked. This
  hand-written score is the fallback (``LinkOptions(learned_posed=False)``): the scanner's
  ``posed`` is the logistic regression of ``hands/posed.py``, learned on the same geometry from
  hands labelled by eye. The cup itself, seen by a detector, is ``hands/held.py``'s
  (``ScanConfig.held``, off by default), which lowers ``posed`` further after this step.

With MediaPipe Pose on (``LinkOptions.pose``, ``people/pose.py``) the bodies found under the
faces say where each person's wrists are: a hand whose wrist lies on a body's wrist is cheaper to
give to that body's face (and may go to it beyond the geometric reach); faces without a body keep
the geometric link. Pose is a cue, not the answer: in a crowded crop the one-person model often
draws a neighbour's arm. The posed score then measures
height from the body's own shoulders instead of the guessed ones.

Pure numpy on our types, so it is unit-tested without models (``tests/test_sign_grading.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Optional

import numpy as np

from ..config import LinkOptions
from ..detections import box_ioa
from ..results import Hand
from .landmarks import HandLandmark
from .posed import GRIP_SHAPES, PosedModel, features, shipped_model, shoulder_line_height
from .posed import face_geometry as _face_geometry
from .posed import hand_centre as _hand_centre

if TYPE_CHECKING:
    from ..people.pose import Body


#: A hand's wrist within this many face sizes of a body's wrist (or its centre of the body's
#: index-finger point) is that body's hand. Chosen with ``POSE_BONUS`` on the 28 hands whose owner
#: was labelled by eye (``bench/pose_linking.json``: 0.8 and a hard "pose first" did worse than
#: geometry: in a crowded crop the one-person pose model often draws a neighbour's arm).
WRIST_MATCH = 0.4
#: Pose keypoints below this visibility are not trusted (MediaPipe's own "visible" cut is 0.5).
MIN_VISIBILITY = 0.5
#: How much a wrist on the hand lowers a link's cost (geometric costs are ~0.2..1.5; 1.0 lets a
#: tight pose match win over a nearer face), and the cost a pose match starts from where the
#: geometry finds the hand out of reach. A body whose wrists are seen elsewhere does not veto a
#: link: that cost accuracy on the labelled hands (a hand on the chest, pose wrists at the sides).
POSE_BONUS = 1.0
OUT_OF_REACH = 1.5

#: Two grip-shaped hands of one person whose centres are within this many hand sizes are holding
#: something together; their posed score is multiplied by ``HELD_TOGETHER_FACTOR``.
HELD_TOGETHER_GAP = 1.5
HELD_TOGETHER_FACTOR = 0.4

# Body keypoint rows (people/pose.py NAMES order), kept here to avoid importing the model module.
_SHOULDERS = (1, 2)
_WRISTS = (5, 6)
_INDEXES = (7, 8)


def pose_distance(hand: Hand, body: Body, face_size: float) -> float:
    """Face sizes from ``hand`` to the nearer visible wrist (or index point) of ``body``."""
    wrist = np.asarray(hand.landmarks[HandLandmark.WRIST, :2], dtype=np.float64)
    centre = _hand_centre(hand)
    best = np.inf
    for w, ix in zip(_WRISTS, _INDEXES):
        if body.visibility[w] >= MIN_VISIBILITY:
            best = min(best, float(np.linalg.norm(wrist - body.points[w])))
        if body.visibility[ix] >= MIN_VISIBILITY:
            best = min(best, float(np.linalg.norm(centre - body.points[ix])))
    return best / max(face_size, 1.0)


def link_costs(
    hands: tuple[Hand, ...],
    faces_xyxy: np.ndarray,
    options: LinkOptions,
    bodies: Sequence[Body] = (),
) -> np.ndarray:
    """(hands, faces) cost of giving each hand to each face; inf where out of reach or scale."""
    centres, sizes = _face_geometry(faces_xyxy)
    body_of = {b.face: b for b in bodies if 0 <= b.face < len(sizes)}
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
            scale_misfit = abs(float(np.log(ratio / o.size_ratio)))
            cost = reach / o.reach + o.scale_weight * scale_misfit if reach <= o.reach else np.inf
            body = body_of.get(j)
            if body is not None:
                d = pose_distance(hand, body, float(s))
                if d <= WRIST_MATCH:
                    cost = min(cost, OUT_OF_REACH) - POSE_BONUS * (1.0 - d / WRIST_MATCH)
            costs[i, j] = cost
    return costs


def link_hands(
    hands: tuple[Hand, ...],
    faces_xyxy: np.ndarray,
    options: LinkOptions,
    bodies: Sequence[Body] = (),
) -> tuple[Optional[int], ...]:
    """The face index each hand belongs to (None: nobody within reach), two hands per person."""
    costs = link_costs(hands, faces_xyxy, options, bodies)
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


def shoulder_height(
    hand: Hand, face_xyxy: np.ndarray, options: LinkOptions, body: Optional[Body] = None
) -> float:
    """Face sizes the hand's centre lies above (+) or below (-) its person's shoulder line: the
    body's own shoulders where pose saw them, else guessed from the face."""
    if body is not None and all(body.visibility[k] >= MIN_VISIBILITY for k in _SHOULDERS):
        size = _face_geometry(face_xyxy)[1][0]
        shoulder_y = float(np.mean([body.points[k, 1] for k in _SHOULDERS]))
        return float((shoulder_y - _hand_centre(hand)[1]) / size)
    return shoulder_line_height(hand, np.asarray(face_xyxy, dtype=np.float64), options)


def posed_score(
    hand: Hand,
    person: Optional[int],
    faces_xyxy: np.ndarray,
    options: LinkOptions,
    body: Optional[Body] = None,
) -> float:
    """0..1: how much ``hand`` looks held up to show a sign (see the module docstring)."""
    o = options
    xyxy = np.asarray(faces_xyxy, dtype=np.float64).reshape(-1, 4)
    score = 1.0
    if person is None:
        raised = o.unlinked_raised
    else:
        # + over the head, - down at the waist.
        height = shoulder_height(hand, xyxy[person : person + 1], o, body)
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
    hands: tuple[Hand, ...],
    faces_xyxy: Optional[np.ndarray],
    options: LinkOptions,
    bodies: Sequence[Body] = (),
    model: Optional[PosedModel] = None,
) -> tuple[Hand, ...]:
    """``hands`` with ``person`` and ``posed`` set (same pixel space as ``faces_xyxy`` and
    ``bodies``; no bodies: geometry alone). ``posed`` is the learned score (``hands/posed.py``:
    ``model``, else the one shipped in ``weights/``) unless ``options.learned_posed`` is off or
    none is shipped; then it is the hand-written ``posed_score``.

    Every face takes part, also those marked ``on_print`` (inside a detected banner): on real
    photos that box also covers people standing in front of a glass door or a backdrop, and
    leaving their faces out sent their hands to a neighbour.
    """
    if not options.enabled or not hands:
        return hands
    faces = np.zeros((0, 4)) if faces_xyxy is None else np.asarray(faces_xyxy).reshape(-1, 4)
    people = link_hands(hands, faces, options, bodies)
    body_of = {b.face: b for b in bodies}
    together = held_together(hands, people)
    if model is None and options.learned_posed:
        model = shipped_model()
    out = []
    for h, p, both in zip(hands, people, together):
        body = None if p is None else body_of.get(p)
        if model is not None:
            height = None if p is None else shoulder_height(h, faces[p : p + 1], options, body)
            score = model(features(h, p, faces, both, options, height))
        else:
            score = posed_score(h, p, faces, options, body)
            score *= HELD_TOGETHER_FACTOR if both else 1.0
        out.append(replace(h, person=p, posed=round(score, 4)))
    return tuple(out)


def held_together(hands: tuple[Hand, ...], people: Sequence[Optional[int]]) -> tuple[bool, ...]:
    """Whether each hand is one of a person's two grip-shaped hands held close together.

    Two fists or thumbs-ups of one person side by side are how a trophy, a book, a framed
    certificate or a pole is held; a sign made with both hands is made with free fingers (two
    V's) or with the hands apart (two thumbs-ups beside the body)."""
    out = [False] * len(hands)
    for i, a in enumerate(hands):
        for j in range(i + 1, len(hands)):
            b = hands[j]
            if people[i] is None or people[i] != people[j]:
                continue
            if a.reading.gesture not in GRIP_SHAPES or b.reading.gesture not in GRIP_SHAPES:
                continue
            gap = float(np.linalg.norm(_hand_centre(a) - _hand_centre(b)))
            if gap <= HELD_TOGETHER_GAP * max(a.size, b.size, 1.0):
                out[i] = out[j] = True
    return tuple(out)
