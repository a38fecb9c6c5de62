"""Typed results that flow from the stages to the rules and reporters.

They are frozen so a stage cannot change what an earlier stage saw, and each ``to_dict`` gives the
JSON-lines shape that downstream tools rely on (documented in the README; keep its keys stable).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Optional

import numpy as np

from .detections import Detections


class Gesture(str, Enum):
    """Named hand poses. The list follows the poses the 2022 joint decree on ASN neutrality is
    reported to list (thumb up, index up, V, thumb+index, call, OK, five fingers, finger heart,
    metal, gun) plus the clenched fist that civil servants are told to use instead."""

    FIST = "fist"
    ONE = "one"
    TWO_V = "two_v"
    THREE = "three"
    FOUR = "four"
    OPEN_PALM = "open_palm"
    THUMBS_UP = "thumbs_up"
    THUMBS_DOWN = "thumbs_down"
    OK = "ok"
    METAL = "metal"
    CALL = "call"
    L = "L"
    FINGER_HEART = "finger_heart"
    OTHER = "other"


#: gesture id -> (Indonesian, English): what an officer calls the pose (the report and the
#: rules' notes both use it).
GESTURE_NAMES: dict[str, tuple[str, str]] = {
    "fist": ("kepalan tangan", "fist"),
    "one": ("salam satu jari", "one finger"),
    "two_v": ("salam dua jari", "two-finger V"),
    "three": ("salam tiga jari", "three fingers"),
    "four": ("empat jari", "four fingers"),
    "open_palm": ("lima jari (telapak terbuka)", "open palm (five)"),
    "thumbs_up": ("jempol", "thumbs up"),
    "thumbs_down": ("jempol ke bawah", "thumbs down"),
    "ok": ("tanda oke", "OK sign"),
    "metal": ("salam metal", "metal"),
    "call": ("isyarat telepon", "call sign"),
    "L": ("pistol jari (L)", "finger gun (L)"),
    "finger_heart": ("finger heart (hati jari)", "finger heart"),
    "other": ("lainnya", "other"),
}


class Direction(str, Enum):
    """Where the raised fingers point in the image; a finger pointing sideways at something is not
    the ballot-number sign "one"."""

    UP = "up"
    SIDE = "side"
    DOWN = "down"


class Handedness(str, Enum):
    LEFT = "Left"
    RIGHT = "Right"


@dataclass(frozen=True)
class FingerReading:
    """What the finger logic read from one hand's landmarks."""

    extended: tuple[bool, bool, bool, bool, bool]  # thumb, index, middle, ring, pinky
    count: int
    gesture: Gesture
    direction: Direction
    confidence: float

    def __post_init__(self) -> None:
        if len(self.extended) != 5:
            raise ValueError("extended needs 5 entries (thumb..pinky)")
        if not 0 <= self.count <= 5:
            raise ValueError(f"finger count {self.count} outside 0..5")


@dataclass(frozen=True, eq=False)
class Held:
    """An object the hand seems to hold (``hands/held.py``: COCO's YOLOv5n on a crop around the
    hand): its COCO class name (``cup``, ``bottle``, ``cell phone``...), the detector's score and
    its box, in the same pixels as the hand's landmarks. A cue, never proof."""

    label: str
    score: float
    box: np.ndarray

    def scaled(self, factor: float) -> Held:
        return self if factor == 1.0 else replace(self, box=self.box * np.float32(factor))

    def to_dict(self, ndigits: int = 1) -> dict[str, Any]:
        return {
            "label": self.label,
            "score": round(float(self.score), 4),
            "box": [round(float(v), ndigits) for v in self.box],
        }


@dataclass(frozen=True, eq=False)
class Hand:
    """One hand found in an image.

    ``landmarks`` is (21, 3): x, y in pixels of the original image (after EXIF orientation), z in
    the same pixel scale relative to the wrist (MediaPipe's convention). ``world`` is MediaPipe's
    metric 3D estimate, kept for callers; the finger logic reads the pixel landmarks (see fingers).
    """

    landmarks: np.ndarray
    handedness: Handedness
    handedness_score: float
    detection_score: float
    reading: FingerReading
    world: Optional[np.ndarray] = None
    source: str = "full"
    #: Index into the record's faces of the person this hand belongs to (hands/people.py), None
    #: where no face was close enough or linking did not run.
    person: Optional[int] = None
    #: 0..1: how much this hand looks held up to show a sign rather than resting or holding
    #: something (the learned score of hands/posed.py); None where it was not computed (the
    #: rules then count the hand as before).
    posed: Optional[float] = None
    #: What the hand holds (``hands/held.py``), None where nothing was found or the held cue did
    #: not look (it is off, or the hand could not be evidence of a sign anyway).
    held: Optional[Held] = None
    #: 0..1: the landmark model's "is this a hand" (under 0.5 dropped); low on hair or a head the
    #: palm detector took for a palm. None in records made before it was kept.
    presence: Optional[float] = None

    def scaled(self, factor: float) -> Hand:
        """The same hand with pixel coordinates multiplied by ``factor`` (scan copy -> original)."""
        if factor == 1.0:
            return self
        held = None if self.held is None else self.held.scaled(factor)
        return replace(self, landmarks=self.landmarks * np.float32(factor), held=held)

    @property
    def box(self) -> np.ndarray:
        """Landmark extent padded by 10%: the landmarks sit on joints, not on the skin's outline."""
        xy = self.landmarks[:, :2]
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        pad = 0.1 * (hi - lo).max()
        return np.concatenate([lo - pad, hi + pad]).astype(np.float32)

    @property
    def size(self) -> float:
        """Longest side of the landmark extent in pixels (the hand size used in benchmarks)."""
        xy = self.landmarks[:, :2]
        return float((xy.max(axis=0) - xy.min(axis=0)).max())

    @property
    def score(self) -> float:
        """Overall confidence: the hand must exist (detector) and its reading must be clear."""
        return float(np.sqrt(max(self.detection_score, 0.0) * max(self.reading.confidence, 0.0)))

    def to_dict(self, ndigits: int = 1) -> dict[str, Any]:
        return {
            "box": [round(float(v), ndigits) for v in self.box],
            "handedness": self.handedness.value,
            "fingers": self.reading.count,
            "gesture": self.reading.gesture.value,
            "direction": self.reading.direction.value,
            "extended": [int(e) for e in self.reading.extended],
            "score": round(self.score, 4),
            "detection_score": round(float(self.detection_score), 4),
            "presence": None if self.presence is None else round(float(self.presence), 4),
            "gesture_score": round(float(self.reading.confidence), 4),
            "source": self.source,
            "person": self.person,
            "posed": None if self.posed is None else round(float(self.posed), 4),
            "held": None if self.held is None else self.held.to_dict(ndigits),
            "landmarks": [
                [round(float(x), ndigits), round(float(y), ndigits)]
                for x, y in self.landmarks[:, :2]
            ],
        }


@dataclass(frozen=True)
class FrameInfo:
    """Where a sampled video frame sits in its video."""

    index: int
    time_s: float

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "time_s": round(self.time_s, 3)}


@dataclass(frozen=True)
class FaceInfo:
    """The optional evidence about one face (``ImageResult.face_info`` runs parallel to ``faces``).

    ``candidate`` comes from the user's candidate gallery (nearest reference face within the
    distance threshold); ``on_print`` marks a face inside a detected banner: a candidate on a
    baliho is campaign material, not a person at the event. ``attire`` is a cue for a
    civil-servant uniform on the torso below the face (``people/attire.py``: a head learned on
    real crops): a cue for a reviewer, never proof. It is set only when ``civil_servant`` is True,
    i.e. the calibrated civil-servant probability ``attire_score`` reached the precision
    threshold; ``uniform`` and ``attire_classes`` say what the head saw either way
    (``other_uniform`` and ``civilian`` included), ``civil_servant`` is None where the torso was
    not usable or the cue did not run.
    """

    candidate: Optional[str] = None  # gallery label, e.g. "02-prabowo-subianto"
    number: Optional[int] = None  # ballot number parsed from the label
    name: Optional[str] = None
    distance: Optional[float] = None  # to the nearest gallery person (None: no gallery)
    on_print: bool = False
    attire: Optional[str] = None  # pdh_khaki, korpri_batik, linmas_green, satpol_pp, white_pns
    attire_score: float = 0.0
    attire_reason: str = ""
    civil_servant: Optional[bool] = None
    uniform: Optional[str] = None  # the head's top class, whatever it is
    attire_classes: tuple[tuple[str, float], ...] = ()  # top three (class, probability)

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "number": self.number,
            "name": self.name,
            "distance": None if self.distance is None else round(float(self.distance), 4),
            "on_print": self.on_print,
            "attire": None
            if self.attire is None and self.civil_servant is None
            else {
                "label": self.attire,
                "score": round(float(self.attire_score), 4),
                "reason": self.attire_reason,
                "civil_servant": self.civil_servant,
                "uniform": self.uniform,
                "classes": [[c, round(float(p), 4)] for c, p in self.attire_classes],
            },
        }


@dataclass(frozen=True)
class TextMatch:
    """One profile term that a text matched (a candidate's name, ballot number, party, keyword).

    ``candidate`` is the ballot number the term supports (None for a party no candidate lists);
    ballot numbers have the term ``"02"`` however they were printed. ``score`` is how closely the
    text matched (1.0 exact, less for each OCR-style edit), comparable with a profile's
    ``min_text_match``; ``weight`` is how much such a term says about a candidate by itself
    (``text.match.WEIGHTS``). The matcher returns these and a ``TextLine`` carries them.
    """

    kind: str  # candidate_name | ballot_number | party | keyword
    term: str
    candidate: Optional[int] = None  # ballot number the term supports
    party: Optional[str] = None
    score: float = 1.0  # closeness of the text to the term (1.0 exact)
    weight: float = 1.0  # what such a term says by itself (a name 1.0, a bare "02" 0.7)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "term": self.term,
            "candidate": self.candidate,
            "party": self.party,
            "score": round(float(self.score), 4),
            "weight": round(float(self.weight), 4),
        }


@dataclass(frozen=True)
class TextLine:
    """A line of text read off a banner (``region``: index into ``objects``) or the whole photo,
    in original-image pixels, with the profile terms it names (``text.match.match_lines``)."""

    box: tuple[float, float, float, float]  # original-image pixels
    text: str
    score: float
    region: Optional[int] = None
    matches: tuple[TextMatch, ...] = ()

    def scaled(self, factor: float) -> TextLine:
        if factor == 1.0:
            return self
        x0, y0, x1, y1 = self.box
        return replace(self, box=(x0 * factor, y0 * factor, x1 * factor, y1 * factor))

    def to_dict(self) -> dict[str, Any]:
        return {
            "box": [round(float(v), 1) for v in self.box],
            "text": self.text,
            "score": round(float(self.score), 4),
            "region": self.region,
            "matches": [m.to_dict() for m in self.matches],
        }


def person_tag(face: int) -> str:
    """How a person (a face index, as ``Hand.person`` and ``Finding.people`` hold it) is named to
    the officer: P1 for face 0. Counted from one because officers count people so, and the
    annotated copy, the findings' messages, the page and the terminal all use this one name."""
    return f"P{face + 1}"


def person_tags(faces: Iterable[int]) -> str:
    """People as one list, "P1, P3": the findings, the page, the case file and the terminal
    name the makers of a sign alike."""
    return ", ".join(person_tag(p) for p in faces)


#: The one ranking of severities (rules, reports, CLI); a finding's severity is one of its keys.
SEVERITY_ORDER = {"low": 1, "medium": 2, "high": 3}


@dataclass(frozen=True)
class Finding:
    """A rule that matched, and the hands/objects (indices into the record) it rests on.

    A finding is a flag for human review, not a legal conclusion; ``references`` name the
    regulations the matched prohibition comes from so the reviewer can check them.
    """

    rule: str
    severity: str
    message: str  # English
    message_id: str = ""  # Indonesian
    hands: tuple[int, ...] = ()
    objects: tuple[int, ...] = ()
    score: float = 0.0
    faces: tuple[int, ...] = ()  # faces matched to a candidate, or wearing a uniform
    texts: tuple[int, ...] = ()  # lines of text naming a candidate or party
    references: tuple[str, ...] = ()
    #: The people making the sign: the faces (indices into the record) that the finding's hands
    #: are linked to (``Hand.person``), sorted; empty where no hand is linked. Shown as P1, P2...
    #: (index + 1) on the annotated copy and in the messages.
    people: tuple[int, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_ORDER:
            raise ValueError(f"severity must be one of {sorted(SEVERITY_ORDER)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "message_id": self.message_id,
            "hands": list(self.hands),
            "objects": list(self.objects),
            "faces": list(self.faces),
            "texts": list(self.texts),
            "score": round(float(self.score), 4),
            "references": list(self.references),
            "people": list(self.people),
            **({"details": self.details} if self.details else {}),
        }


@dataclass(frozen=True)
class PhotoSign:
    """The photo's sign: the ballot number (or party) of its top sign finding, who makes it and
    on how many hands it rests.

    In a group the hands disagree: a raised fist here, a hand round a cup read as "one" there, so
    the most common reading is often not what the photo shows. The rules already weigh which
    hands count (posed, confident, the sign's share, rivals); this names their answer once per
    photo, so a reader of the table or a calling system need not pick it out of the findings.
    """

    rule: str
    severity: str
    hands: tuple[int, ...]
    people: tuple[int, ...]
    number: Optional[int] = None
    candidate: Optional[str] = None
    party: Optional[str] = None
    #: The sign's hands over the photo's readable evidence hands (``details.sign_share``).
    share: Optional[float] = None

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Optional[PhotoSign]:
        """From the most severe, then highest-scored, finding that rests on hands showing a
        candidate's or a party's sign; None where no finding does."""
        signs = [f for f in findings if f.hands and ("number" in f.details or "party" in f.details)]
        if not signs:
            return None
        top = max(signs, key=lambda f: (SEVERITY_ORDER[f.severity], f.score))
        d = top.details
        share = d.get("sign_share")
        return cls(
            rule=top.rule,
            severity=top.severity,
            hands=top.hands,
            people=top.people,
            number=d.get("number"),
            candidate=d.get("candidate"),
            party=d.get("party"),
            share=None if share is None else float(share),
        )

    @property
    def label(self) -> str:
        """The sign as the table and the page name it: "02", or the party's name."""
        if self.number is not None:
            return f"{self.number:02d}"
        return self.party or self.candidate or ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "number": self.number,
            "candidate": self.candidate,
            "party": self.party,
            "rule": self.rule,
            "severity": self.severity,
            "hands": list(self.hands),
            "people": list(self.people),
            "share": self.share,
        }


def _raw(path: str) -> bytes:
    try:
        return path.encode("utf-8", "surrogateescape")  # how os.walk decoded the name
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogatepass")


def display_path(path: str) -> str:
    """``path`` as valid Unicode: undecodable bytes of a file name become U+FFFD.

    Linux file names are bytes; Python hands us the undecodable ones as lone surrogates, which
    no UTF-8 file, terminal or JSON parser (PHP's rejects the whole line) accepts.
    """
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return _raw(path).decode("utf-8", "replace")
    return path


def path_fields(path: Optional[str]) -> dict[str, Any]:
    """The record's ``path``, plus ``path_bytes`` (base64 of the name's raw bytes) where the name
    is not valid UTF-8: ``path`` is then shown with U+FFFD, and ``path_bytes`` still names the
    exact file, so the report stays lossless."""
    if path is None:
        return {"path": None}
    shown = display_path(path)
    if shown == path:
        return {"path": path}
    return {"path": shown, "path_bytes": base64.b64encode(_raw(path)).decode("ascii")}


#: How far below a person box's top (in face heights) a face's centre may lie and still be its
#: head, however short the box (``body_faces``): the chin is about one face height below the top of
#: the head, and a detector's box top sits on the hair or a little above.
HEAD_REACH = 1.5


def body_faces(faces_xyxy: np.ndarray, bodies_xyxy: np.ndarray) -> np.ndarray:
    """For each person box, the index of the face that is its head, or -1: (M,) int64.

    A face counts for a box when its centre lies in the box's top half (the head of a standing
    or seated person; a neighbour's face beside the shoulders falls outside the box or lower), or
    within ``HEAD_REACH`` face heights of the box's top: a person cut off at the chest by the
    frame has a box only two or three face heights tall, whose top half ends above the face's
    centre (the committed samples' head-and-shoulders people, half-length portraits). One face
    is one person, so the pairing is one to one: pairs are taken closest first, by how
    far the face centre is from the box's top centre in box sizes, so that in a tight group the
    face of the person behind, inside a nearer person's box, leaves that box to its own face.
    ``ImageResult.people`` counts the faces plus the boxes left without one.
    """
    faces = np.asarray(faces_xyxy, dtype=np.float64).reshape(-1, 4)
    bodies = np.asarray(bodies_xyxy, dtype=np.float64).reshape(-1, 4)
    out = np.full(len(bodies), -1, dtype=np.int64)
    if not len(faces) or not len(bodies):
        return out
    cx = (faces[:, 0] + faces[:, 2]) / 2
    cy = (faces[:, 1] + faces[:, 3]) / 2
    fh = faces[:, 3] - faces[:, 1]
    x0, y0, x1, y1 = (bodies[:, i][:, None] for i in range(4))  # (M, 1) against (N,) faces
    w, h = np.maximum(x1 - x0, 1e-6), np.maximum(y1 - y0, 1e-6)
    head = y0 + np.maximum(h / 2, HEAD_REACH * fh)
    inside = (cx >= x0) & (cx <= x1) & (cy >= y0) & (cy <= np.minimum(head, y1))
    cost = np.abs(cx - (x0 + x1) / 2) / w + np.abs(cy - y0) / h
    cost = np.where(inside, cost, np.inf)
    taken = np.zeros(len(faces), dtype=bool)
    for flat in np.argsort(cost, axis=None, kind="stable"):
        b, f = divmod(int(flat), len(faces))
        if not np.isfinite(cost[b, f]):
            break
        if out[b] < 0 and not taken[f]:
            out[b], taken[f] = f, True
    return out


@dataclass(frozen=True, eq=False)
class ImageResult:
    """Everything gesture-scan found in one image or one sampled video frame."""

    path: Optional[str]
    sha256: Optional[str]
    width: int = 0
    height: int = 0
    frame: Optional[FrameInfo] = None
    error: Optional[str] = None
    faces: Detections = field(default_factory=lambda: Detections.empty(("face",)))
    hands: tuple[Hand, ...] = ()
    objects: Detections = field(default_factory=Detections.empty)
    #: Person boxes of the person detector (``people/persons.py``); empty where it is off.
    bodies: Detections = field(default_factory=lambda: Detections.empty(("person",)))
    #: One per face (gallery match, uniform cue, on-print); empty ones where no optional
    #: evidence ran. Built with fewer (or none), it is filled with empty ones.
    face_info: tuple[FaceInfo, ...] = ()
    texts: tuple[TextLine, ...] = ()
    findings: tuple[Finding, ...] = ()
    triage_score: float = 0.0  # 0..1, for sorting thousands of photos; set by the rules
    scan_scale: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Evidence that does not line up with the faces cannot say whose it is: none is kept.
        if len(self.face_info) != len(self.faces):
            object.__setattr__(self, "face_info", tuple(FaceInfo() for _ in range(len(self.faces))))

    @property
    def body_faces(self) -> np.ndarray:
        """Each person box's face index, -1 for a body whose face was not found (``body_faces``)."""
        return body_faces(self.faces.xyxy, self.bodies.xyxy)

    @property
    def people(self) -> int:
        """Faces, plus person boxes with no face: exactly the face count without the person
        stage, as every rule's threshold was first written against."""
        if not len(self.bodies):
            return len(self.faces)
        return len(self.faces) + int((self.body_faces < 0).sum())

    @property
    def group(self) -> bool:
        return self.people >= 2

    @property
    def flagged(self) -> bool:
        return bool(self.findings)

    @property
    def severity(self) -> Optional[str]:
        """The most severe finding's severity, or None."""
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=SEVERITY_ORDER.__getitem__)

    @property
    def sign(self) -> Optional[PhotoSign]:
        """The photo's sign (``PhotoSign``), from its findings."""
        return PhotoSign.of(self.findings)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {
            **path_fields(self.path),
            "sha256": self.sha256,
            "frame": None if self.frame is None else self.frame.to_dict(),
            "width": self.width,
            "height": self.height,
            "error": self.error,
            "people": self.people,
            "group": self.group,
            "faces": [
                {"box": d["box"], "score": d["score"], **info.to_dict()}
                for d, info in zip(self.faces.to_dicts(), self.face_info)
            ],
            "hands": [h.to_dict() for h in self.hands],
            "objects": self.objects.to_dicts(),
            "bodies": [
                {"box": d["box"], "score": d["score"], "face": None if f < 0 else int(f)}
                for d, f in zip(self.bodies.to_dicts(), self.body_faces)
            ],
            "texts": [t.to_dict() for t in self.texts],
            "findings": [f.to_dict() for f in self.findings],
            "sign": None if (sign := self.sign) is None else sign.to_dict(),
            "flagged": self.flagged,
            "severity": self.severity,
            "triage_score": round(float(self.triage_score), 4),
            "scan_scale": round(self.scan_scale, 4),
            **({"meta": self.meta} if self.meta else {}),
        }
