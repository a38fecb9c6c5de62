"""Election profiles: who runs under which ballot number, and which hand signs stand for them.

Profiles are YAML files that users copy and fill (``gesture-scan profiles`` lists the shipped ones);
``loading`` reads them and ``schema`` validates them into the frozen types here, which the rule
engine and the text matcher read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Optional

from ..errors import ConfigError
from ..results import Direction, Gesture, Hand

#: Gestures that are plain finger counts; a count sign N matches these only. Named poses with the
#: same count (metal and call have 2 fingers, OK has 3, a thumbs-up 1) must be listed by name.
COUNTING_GESTURES = {
    0: {Gesture.FIST},
    1: {Gesture.ONE},
    2: {Gesture.TWO_V, Gesture.L},
    3: {Gesture.THREE},
    4: {Gesture.FOUR},
    5: {Gesture.OPEN_PALM},
}
#: Poses whose meaning does not depend on where the fingers point.
DIRECTION_FREE = {Gesture.THUMBS_UP, Gesture.THUMBS_DOWN, Gesture.FINGER_HEART, Gesture.OK}


@dataclass(frozen=True)
class Sign:
    """A finger count or a named gesture, optionally with a required direction.

    By default a sign needs the fingers pointing up: an index finger pointed sideways at something
    is not "salam satu jari".
    """

    fingers: Optional[int] = None
    gesture: Optional[Gesture] = None
    direction: Optional[Direction] = Direction.UP  # None: any direction

    def matches(self, hand: Hand) -> bool:
        r = hand.reading
        if self.gesture is not None:
            if r.gesture != self.gesture:
                return False
            if self.gesture in DIRECTION_FREE:
                return True
        elif self.fingers is not None and (
            r.count != self.fingers or r.gesture not in COUNTING_GESTURES[self.fingers]
        ):
            return False
        return self.direction is None or r.direction == self.direction

    @property
    def label(self) -> str:
        if self.gesture is not None:
            return self.gesture.value
        return "1 finger" if self.fingers == 1 else f"{self.fingers} fingers"


@dataclass(frozen=True)
class Candidate:
    number: int
    names: tuple[str, ...]
    parties: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()
    signs: tuple[Sign, ...] = ()
    keywords: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        who = " - ".join(self.names)
        return f"{self.number:02d}" + (f" ({who})" if who else "")


@dataclass(frozen=True)
class Party:
    name: str
    colours: tuple[str, ...] = ()
    signs: tuple[Sign, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Thresholds:
    """Decision points of the rules; a profile may override any of them."""

    min_hand_score: float = 0.6  # hands less sure than this are not evidence
    min_object_score: float = 0.4  # campaign objects less sure than this are ignored
    group_min_people: int = 2  # "foto bersama": at least this many faces
    several_min_hands: int = 2  # hands with the same sign for "several-same-sign"
    min_object_area: float = 0.01  # share of the photo a banner/flag must cover to pose "with" it
    casual_gestures: tuple[Gesture, ...] = (Gesture.OPEN_PALM,)  # need corroboration
    min_text_score: float = 0.5  # OCR lines less sure than this do not name anyone
    min_text_match: float = 0.8  # fuzzy-match score for a text to name a candidate or party
    min_attire_score: float = 0.5  # a uniform cue below this is not mentioned
    attire_boost: float = 0.1  # added to a finding's score (times the cue) when a uniform is seen
    #: A hand scoring less than ``min_hand_score + uncertain_margin`` is evidence, but uncertain:
    #: a sign resting on such hands alone is graded down to medium (one false reading must not
    #: make an innocent group photo a high finding).
    uncertain_margin: float = 0.1
    #: Below this share of the photo's readable hands agreeing on the sign, and with fewer than
    #: ``several_min_hands`` confident hands making it, the sign is not the photo's reading: the
    #: finding is graded down to medium.
    min_sign_share: float = 0.5
    #: Hands whose ``posed`` score is below this are not evidence; hands without a score (None:
    #: not computed) count as before. 0.515 is where the learned score (hands/posed.py) keeps
    #: 90% of the posed hands labelled by eye, out of fold (weights/posed_score.json: 0.5152;
    #: 0.50 before the presence score, 0.39 before the finger-bend features); the hand-written
    #: score (``LinkOptions(learned_posed=False)``) was cut at 0.35.
    min_posed_score: float = 0.515
    #: Shapes a hand also makes round a cup, a medal or a microphone (fingers curled, thumb up):
    #: shown by one person only and not beside campaign material, such a sign is medium. On real
    #: group photos most false high findings were one "thumbs-up" (bench/sign_grading.json).
    grip_gestures: tuple[Gesture, ...] = (Gesture.THUMBS_UP, Gesture.THUMBS_DOWN)
    #: Where one other reading is shown by at least this many times as many evidence hands as the
    #: sign (and the sign is below ``min_sign_share``), the sign is not the photo's reading: a
    #: few thumbs-ups or "ones" among raised fists or finger hearts are most often those hands
    #: misread. Graded down to medium however many hands show the sign; 0 turns it off. At 1 a
    #: tie is enough: at 2, two of the 11 labelled photos with no number sign of
    #: ``scripts/data/dominant_sign_labels.csv`` (fists at the chest, finger hearts: 3 hands read
    #: as "one" or thumbs-up against 3 fists) were high; at 1 neither is, and no number-sign
    #: photo of that list or of ``bench/sign_grading_labels.csv`` changes severity.
    rival_ratio: float = 1.0
    #: Words of an official event (``text.match.OFFICIAL_TERMS``: pemerintah, desa, sosialisasi,
    #: SMP negeri...) a banner's text must show, with no campaign word and no profile name, for
    #: its material findings to be low (``RuleEngine._backdrops``); 0 turns it off. Two, not
    #: one: a candidate's banner may well say "desa" or "kabupaten" and nothing a campaign word.
    min_backdrop_terms: int = 2

    def __post_init__(self) -> None:
        for name, lo, hi in (
            ("min_hand_score", 0, 1),
            ("min_object_score", 0, 1),
            ("min_object_area", 0, 1),
            ("min_text_score", 0, 1),
            ("min_text_match", 0, 1),
            ("min_attire_score", 0, 1),
            ("attire_boost", 0, 1),
            ("uncertain_margin", 0, 1),
            ("min_sign_share", 0, 1),
            ("min_posed_score", 0, 1),
            ("rival_ratio", 0, 100),
        ):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                raise ConfigError(f"thresholds.{name}", f"must be a number in [{lo}, {hi}]")
        for name, least in (
            ("group_min_people", 1),
            ("several_min_hands", 1),
            ("min_backdrop_terms", 0),
        ):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < least:
                raise ConfigError(f"thresholds.{name}", f"must be an integer >= {least}")


@dataclass(frozen=True)
class RuleSetting:
    enabled: bool = True
    severity: Optional[str] = None  # None: the catalog's


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    election_day: Optional[dt.date] = None
    start: Optional[dt.date] = None
    end: Optional[dt.date] = None
    region: str = ""
    template: bool = False
    candidates: tuple[Candidate, ...] = ()
    parties: tuple[Party, ...] = ()
    thresholds: Thresholds = field(default_factory=Thresholds)
    rules: dict[str, RuleSetting] = field(default_factory=dict)
    notes: str = ""
    source: str = ""
    #: Folder of candidate reference photos (``--gallery``), resolved against the profile's folder.
    gallery: Optional[str] = None

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "election_day": self.election_day.isoformat() if self.election_day else None,
            "candidates": [c.label for c in self.candidates],
            "template": self.template,
        }
