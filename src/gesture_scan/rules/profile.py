"""Election profiles: who runs under which ballot number, and which hand signs stand for them.

Profiles are YAML files that users copy and fill (``gesture-scan profiles`` lists the shipped ones).
Parsing is strict and every error names the field (``candidates[1].signs[0]``) because a typo in a
profile silently disables a rule otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any, Optional, Union

import yaml

from ..errors import ConfigError
from ..results import Direction, Gesture, Hand
from .catalog import RULES

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

    def __post_init__(self) -> None:
        for name, lo, hi in (
            ("min_hand_score", 0, 1),
            ("min_object_score", 0, 1),
            ("min_object_area", 0, 1),
            ("min_text_score", 0, 1),
            ("min_text_match", 0, 1),
            ("min_attire_score", 0, 1),
            ("attire_boost", 0, 1),
        ):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                raise ConfigError(f"thresholds.{name}", f"must be a number in [{lo}, {hi}]")
        for name in ("group_min_people", "several_min_hands"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"thresholds.{name}", "must be an integer >= 1")


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


# -- parsing ---------------------------------------------------------------------------------

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class _Reader:
    """Pulls typed fields out of a YAML mapping, naming the field path on every error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, reason: str) -> ConfigError:
        return ConfigError(path, reason, self.source)

    def mapping(self, value: Any, path: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"must be a mapping, got {type(value).__name__}")
        unknown = sorted(set(map(str, value)) - allowed)
        if unknown:
            raise self.fail(path, f"unknown key(s) {unknown}; allowed: {sorted(allowed)}")
        return value

    def text(self, value: Any, path: str, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool) or str(value) == "":
            raise self.fail(path, "must be a non-empty text")
        return str(value)

    def texts(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(path, "must be a text or a list of texts")
        return tuple(self.text(v, f"{path}[{i}]") for i, v in enumerate(value))

    def date(self, value: Any, path: str) -> Optional[dt.date]:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(path, f"must be a date YYYY-MM-DD, got {value!r}") from None

    def sign(self, value: Any, path: str) -> Sign:
        names = {g.value for g in Gesture}
        if isinstance(value, bool):
            raise self.fail(path, "must be a finger count 0-5 or a gesture name")
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            n = int(value)
            if not 0 <= n <= 5:
                raise self.fail(path, f"finger count must be 0-5, got {n}")
            return Sign(fingers=n)
        if isinstance(value, str):
            if value not in names:
                raise self.fail(path, f"unknown gesture {value!r}; expected one of {sorted(names)}")
            return Sign(gesture=Gesture(value))
        if isinstance(value, dict):
            m = self.mapping(value, path, {"fingers", "gesture", "direction"})
            base = (
                self.sign(m.get("gesture", m.get("fingers")), path)
                if ("gesture" in m or "fingers" in m)
                else None
            )
            if base is None or ("gesture" in m and "fingers" in m):
                raise self.fail(path, "give exactly one of 'fingers' or 'gesture'")
            direction = m.get("direction", "up")
            if direction == "any":
                return Sign(base.fingers, base.gesture, None)
            if direction not in {d.value for d in Direction}:
                raise self.fail(f"{path}.direction", "must be up, side, down or any")
            return Sign(base.fingers, base.gesture, Direction(direction))
        raise self.fail(path, "must be a finger count 0-5, a gesture name, or a mapping")

    def signs(self, value: Any, path: str) -> tuple[Sign, ...]:
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        return tuple(self.sign(v, f"{path}[{i}]") for i, v in enumerate(items))


def parse_profile(data: Any, source: str = "<profile>") -> Profile:
    """Validate a profile's YAML data; raises ``ConfigError`` naming the field at fault."""
    rd = _Reader(source)
    top = rd.mapping(
        data,
        "profile",
        {
            "id",
            "name",
            "election_day",
            "start",
            "end",
            "region",
            "template",
            "candidates",
            "parties",
            "thresholds",
            "rules",
            "notes",
            "gallery",
        },
    )
    pid = rd.text(top.get("id"), "id")
    if not _ID.match(pid):
        raise rd.fail("id", "use lower-case letters, digits, '-', '_' or '.'")
    cands = top.get("candidates")
    if not isinstance(cands, list) or not cands:
        raise rd.fail("candidates", "must be a non-empty list")
    candidates = []
    for i, c in enumerate(cands):
        p = f"candidates[{i}]"
        m = rd.mapping(c, p, {"number", "names", "parties", "colours", "signs", "keywords"})
        number = m.get("number")
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise rd.fail(f"{p}.number", "must be a ballot number >= 1")
        signs = rd.signs(m.get("signs"), f"{p}.signs")
        if not signs:
            raise rd.fail(f"{p}.signs", "needs at least one sign (a finger count or gesture)")
        candidates.append(
            Candidate(
                number,
                rd.texts(m.get("names"), f"{p}.names"),
                rd.texts(m.get("parties"), f"{p}.parties"),
                rd.texts(m.get("colours"), f"{p}.colours"),
                signs,
                rd.texts(m.get("keywords"), f"{p}.keywords"),
            )
        )
    numbers = [c.number for c in candidates]
    if len(set(numbers)) != len(numbers):
        raise rd.fail("candidates", f"ballot numbers repeat: {numbers}")
    parties = []
    for i, party in enumerate(top.get("parties") or []):
        p = f"parties[{i}]"
        m = rd.mapping(party, p, {"name", "colours", "signs", "keywords"})
        parties.append(
            Party(
                rd.text(m.get("name"), f"{p}.name"),
                rd.texts(m.get("colours"), f"{p}.colours"),
                rd.signs(m.get("signs"), f"{p}.signs"),
                rd.texts(m.get("keywords"), f"{p}.keywords"),
            )
        )
    th = top.get("thresholds") or {}
    allowed = {f.name for f in fields(Thresholds)}
    rd.mapping(th, "thresholds", allowed)
    kwargs = dict(th)
    if "casual_gestures" in kwargs:
        kwargs["casual_gestures"] = tuple(
            s.gesture
            for s in rd.signs(kwargs["casual_gestures"], "thresholds.casual_gestures")
            if s.gesture is not None
        )
    try:
        thresholds = Thresholds(**kwargs)
    except ConfigError as exc:
        raise rd.fail(exc.field, exc.reason) from None
    rules = {}
    for rid, setting in (top.get("rules") or {}).items():
        if rid not in RULES:
            raise rd.fail(f"rules.{rid}", f"unknown rule; known: {sorted(RULES)}")
        m = rd.mapping(setting, f"rules.{rid}", {"enabled", "severity"})
        sev = m.get("severity")
        if sev is not None and sev not in ("low", "medium", "high"):
            raise rd.fail(f"rules.{rid}.severity", "must be low, medium or high")
        rules[rid] = RuleSetting(bool(m.get("enabled", True)), sev)
    start, end = rd.date(top.get("start"), "start"), rd.date(top.get("end"), "end")
    if start and end and start > end:
        raise rd.fail("end", "is before start")
    return Profile(
        id=pid,
        name=rd.text(top.get("name"), "name"),
        election_day=rd.date(top.get("election_day"), "election_day"),
        start=start,
        end=end,
        region=rd.text(top.get("region"), "region", required=False),
        template=bool(top.get("template", False)),
        candidates=tuple(candidates),
        parties=tuple(parties),
        thresholds=thresholds,
        rules=rules,
        notes=rd.text(top.get("notes"), "notes", required=False),
        source=source,
        gallery=_gallery_path(rd, top.get("gallery"), source),
    )


def _gallery_path(rd: _Reader, value: Any, source: str) -> Optional[str]:
    """A relative ``gallery:`` is relative to the profile file, so a profile and its gallery can
    travel together; for a shipped profile (no file of the user's) it must be absolute."""
    if value is None:
        return None
    text = rd.text(value, "gallery")
    path = Path(text).expanduser()
    if not path.is_absolute():
        base = Path(source).parent
        if not Path(source).exists():
            raise rd.fail("gallery", "a relative path needs a profile file to be relative to")
        path = base / path
    return str(path)


def _shipped() -> dict[str, Any]:
    return {
        p.name[: -len(".yaml")]: p
        for p in resources.files("gesture_scan.profiles").iterdir()
        if p.name.endswith(".yaml")
    }


def list_profiles() -> list[Profile]:
    """The profiles that ship with gesture-scan."""
    return [load_profile(name) for name in sorted(_shipped())]


def load_profile(name_or_path: Union[str, Path]) -> Profile:
    """A shipped profile by name (``pilpres-2024``) or a YAML file by path."""
    shipped = _shipped()
    key = str(name_or_path)
    if key in shipped:
        text, source = shipped[key].read_text(encoding="utf-8"), f"profile {key}"
    else:
        path = Path(name_or_path)
        if not path.exists():
            raise ConfigError(
                "--profile",
                f"{key!r} is neither a shipped profile ({', '.join(sorted(shipped))}) nor a file",
            )
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError("--profile", f"cannot read {path}: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError("profile", f"not valid YAML: {exc}", source) from exc
    return parse_profile(data, source)
