"""The profile schema: a YAML profile's data checked and turned into ``profile.Profile``.

Parsing is strict and every error names the field (``candidates[1].signs[0]``) because a typo in a
profile silently disables a rule otherwise. The schema is pydantic's, not hand-written type checks,
so that every field gets the same strictness (``enabled: "false"`` is an error, not a true value).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from ..errors import ConfigError
from ..results import Direction, Gesture
from .catalog import RULES
from .profile import Candidate, Party, Profile, RuleSetting, Sign, Thresholds

# pydantic models are the parse layer only: they check the shape and the types of the YAML data,
# then ``_to_profile`` turns them into the frozen dataclasses above, which the rule engine uses.
# Checks that span several fields (repeated ballot numbers, start after end, unknown rule ids, the
# gallery's folder) run on the validated models, where a plain ``ConfigError`` can name the field.

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DIGITS = re.compile(r"^[0-9]+$")
_GESTURES = {g.value for g in Gesture}
#: Union tags of the sign forms; they appear in pydantic's error locations and are left out of
#: the field path, which the user reads.
_SHORT, _LONG = "<short>", "<mapping>"


def _fail(reason: str) -> PydanticCustomError:
    # The reason goes in the context, not the template, so braces in user text stay literal.
    return PydanticCustomError("profile", "{reason}", {"reason": reason})


def _shown(value: Any) -> str:
    """The offending value as a profile author would recognise it, kept short."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        text = repr(value)
        return f"{text if len(text) <= 40 else text[:37] + '...'} (a text)"
    if isinstance(value, (int, float)):
        return f"{value!r} (a number)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, dt.date):
        return f"{value.isoformat()} (a date)"
    if isinstance(value, bytes):
        return "binary data"
    return f"a {type(value).__name__}"


def _text_in(value: Any) -> Any:
    # A bare number is text in YAML authors' eyes (``region: 2024``, ``keywords: [2]``).
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _texts_in(value: Any) -> Any:
    """``names: Anies`` stands for ``names: [Anies]``, and a key left empty for an empty list."""
    if value is None:
        return []
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return [value]
    return value


def _signs_in(value: Any) -> Any:
    """A single sign (``signs: 2`` or ``signs: {gesture: ok}``) stands for a list of one."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _list_in(value: Any) -> Any:
    return [] if value is None else value


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise _fail(f"{value!r} is not a real date") from None
    raise _fail(f"must be a date YYYY-MM-DD, got {_shown(value)}")


def _gesture(value: Any) -> Gesture:
    if isinstance(value, str) and value in _GESTURES:
        return Gesture(value)
    if isinstance(value, str):
        raise _fail(f"unknown gesture {value!r}; expected one of {sorted(_GESTURES)}")
    raise _fail(f"must be a gesture name, got {_shown(value)}")


def _fingers(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(f"must be a finger count 0-5, got {_shown(value)}")
    if not 0 <= value <= 5:
        raise _fail(f"finger count must be 0-5, got {value}")
    return value


def _short_sign(value: Any) -> Sign:
    """``2``, ``"2"`` or ``metal``: a quoted count is still a sign's name, not a typed number."""
    if isinstance(value, str) and _DIGITS.match(value.strip()):
        return Sign(fingers=_fingers(int(value)))
    if isinstance(value, str):
        return Sign(gesture=_gesture(value))
    return Sign(fingers=_fingers(value))


def _sign_form(value: Any) -> Optional[str]:
    if isinstance(value, dict):
        return _LONG
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return _SHORT
    return None  # pydantic reports the Discriminator's custom error


Text = Annotated[str, BeforeValidator(_text_in), Field(min_length=1)]
Texts = Annotated[list[Text], BeforeValidator(_texts_in)]
Date = Annotated[dt.date, PlainValidator(_date)]
GestureName = Annotated[Gesture, PlainValidator(_gesture)]
Fingers = Annotated[int, PlainValidator(_fingers)]


class _Strict(BaseModel):
    """Strict types (``"false"`` is not a boolean, ``"3"`` not a number) and no unknown keys: a
    typo in a profile would otherwise switch a rule off or on without a word."""

    model_config = ConfigDict(strict=True, extra="forbid", validate_default=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _a_mapping(cls, data: Any) -> Any:
        # Here rather than pydantic's own errors: they would name the key's path (the field does not
        # exist) and not say which keys are allowed.
        if not isinstance(data, dict):
            raise _fail(f"must be a mapping, got {_shown(data)}")
        unknown = sorted(set(map(str, data)) - set(cls.model_fields))
        if unknown:
            raise _fail(f"unknown key(s) {unknown}; allowed: {sorted(cls.model_fields)}")
        return data


class _SignIn(_Strict):
    fingers: Optional[Fingers] = None
    gesture: Optional[GestureName] = None
    direction: Literal["up", "side", "down", "any"] = "up"

    @model_validator(mode="after")
    def _one_of(self) -> _SignIn:
        if (self.fingers is None) == (self.gesture is None):
            raise _fail("give exactly one of 'fingers' or 'gesture'")
        return self

    def to_sign(self) -> Sign:
        direction = None if self.direction == "any" else Direction(self.direction)
        return Sign(self.fingers, self.gesture, direction)


SignIn = Annotated[
    Union[
        Annotated[Sign, PlainValidator(_short_sign), Tag(_SHORT)],
        Annotated[_SignIn, Tag(_LONG)],
    ],
    Discriminator(
        _sign_form,
        custom_error_type="sign",
        custom_error_message="must be a finger count 0-5, a gesture name, or a mapping",
    ),
]
Signs = Annotated[list[SignIn], BeforeValidator(_signs_in)]


def _signs(items: list[Union[Sign, _SignIn]]) -> tuple[Sign, ...]:
    return tuple(s if isinstance(s, Sign) else s.to_sign() for s in items)


class _CandidateIn(_Strict):
    number: Annotated[int, Field(ge=1)]
    names: Texts = []
    parties: Texts = []
    colours: Texts = []
    signs: Signs = []
    keywords: Texts = []

    @field_validator("signs")
    @classmethod
    def _some_sign(cls, value: list[Any]) -> list[Any]:
        if not value:
            raise _fail("needs at least one sign (a finger count or gesture)")
        return value


class _PartyIn(_Strict):
    name: Text
    colours: Texts = []
    signs: Signs = []
    keywords: Texts = []


class _ThresholdsIn(_Strict):
    # Types only; ranges stay in ``Thresholds.__post_init__``, the one place that knows them.
    min_hand_score: Optional[float] = None
    min_object_score: Optional[float] = None
    group_min_people: Optional[int] = None
    several_min_hands: Optional[int] = None
    min_object_area: Optional[float] = None
    casual_gestures: Annotated[list[GestureName], BeforeValidator(_texts_in)] = []
    min_text_score: Optional[float] = None
    min_text_match: Optional[float] = None
    min_attire_score: Optional[float] = None
    attire_boost: Optional[float] = None
    uncertain_margin: Optional[float] = None
    min_sign_share: Optional[float] = None
    min_posed_score: Optional[float] = None
    rival_ratio: Optional[float] = None
    min_backdrop_terms: Optional[int] = None
    grip_gestures: Annotated[list[GestureName], BeforeValidator(_texts_in)] = []


class _RuleIn(_Strict):
    enabled: bool = True
    severity: Optional[Literal["low", "medium", "high"]] = None


class _ProfileIn(_Strict):
    id: Text
    name: Text
    election_day: Optional[Date] = None
    start: Optional[Date] = None
    end: Optional[Date] = None
    region: Optional[Text] = None
    template: bool = False
    candidates: Annotated[list[_CandidateIn], Field(min_length=1)]
    parties: Annotated[list[_PartyIn], BeforeValidator(_list_in)] = []
    thresholds: Optional[_ThresholdsIn] = None
    rules: Optional[dict[Text, _RuleIn]] = None
    notes: Optional[Text] = None
    gallery: Optional[Text] = None

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not _ID.match(value):
            raise _fail("use lower-case letters, digits, '-', '_' or '.'")
        return value


_TYPE_REASONS = {
    "bool_type": "must be true or false (written without quotes)",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "string_type": "must be a text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
}


def _field_path(loc: tuple[Union[int, str], ...]) -> str:
    path = ""
    for part in loc:
        if part in (_SHORT, _LONG):
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            path += " (key)"
        else:
            path += f".{part}" if path else str(part)
    return path or "profile"


def _reason(error: ErrorDetails) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in _TYPE_REASONS:
        return f"{_TYPE_REASONS[kind]}, got {_shown(error['input'])}"
    if kind == "missing":
        return "is required"
    if kind in ("too_short", "string_too_short"):
        return (
            "must not be empty" if isinstance(error["input"], str) else "must be a non-empty list"
        )
    if kind == "greater_than_equal":
        return f"must be {ctx['ge']} or more, got {_shown(error['input'])}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}, got {_shown(error['input'])}"
    msg = error["msg"]
    return "must be" + msg[len("Input should be") :] if msg.startswith("Input should be") else msg


def _config_error(exc: ValidationError, source: str) -> ConfigError:
    """All of pydantic's errors in one message, so an author fixes the file in one pass; the first
    one's path is the error's ``field``."""
    found = [(_field_path(e["loc"]), _reason(e)) for e in exc.errors(include_url=False)]
    (field_, reason), rest = found[0], found[1:]
    if rest:
        more = "; ".join(f"{f}: {r}" for f, r in rest[:4])
        reason += f"; also {more}" + (f" (and {len(rest) - 4} more)" if len(rest) > 4 else "")
    return ConfigError(field_, reason, source)


def parse_profile(data: Any, source: str = "<profile>") -> Profile:
    """Validate a profile's YAML data; raises ``ConfigError`` naming the field at fault."""
    if data is None:
        raise ConfigError("profile", "is empty; a profile needs id, name and candidates", source)
    if not isinstance(data, dict):
        raise ConfigError(
            "profile",
            f"must be a mapping of fields (id, name, candidates, ...), got {_shown(data)}",
            source,
        )
    try:
        model = _ProfileIn.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, source) from None
    return _to_profile(model, source)


def _to_profile(m: _ProfileIn, source: str) -> Profile:
    numbers = [c.number for c in m.candidates]
    if len(set(numbers)) != len(numbers):
        raise ConfigError("candidates", f"ballot numbers repeat: {numbers}", source)
    if m.start and m.end and m.start > m.end:
        raise ConfigError("end", "is before start", source)
    rules = {}
    for rid, setting in (m.rules or {}).items():
        if rid not in RULES:
            raise ConfigError(f"rules.{rid}", f"unknown rule; known: {sorted(RULES)}", source)
        rules[rid] = RuleSetting(setting.enabled, setting.severity)
    th = m.thresholds
    given = {} if th is None else {k: getattr(th, k) for k in th.model_fields_set}
    for listed in ("casual_gestures", "grip_gestures"):
        if listed in given:
            given[listed] = tuple(given[listed])
    try:
        thresholds = Thresholds(**given)
    except ConfigError as exc:
        raise ConfigError(exc.field, exc.reason, source) from None
    return Profile(
        id=m.id,
        name=m.name,
        election_day=m.election_day,
        start=m.start,
        end=m.end,
        region=m.region or "",
        template=m.template,
        candidates=tuple(
            Candidate(
                c.number,
                tuple(c.names),
                tuple(c.parties),
                tuple(c.colours),
                _signs(c.signs),
                tuple(c.keywords),
            )
            for c in m.candidates
        ),
        parties=tuple(
            Party(p.name, tuple(p.colours), _signs(p.signs), tuple(p.keywords)) for p in m.parties
        ),
        thresholds=thresholds,
        rules=rules,
        notes=m.notes or "",
        source=source,
        gallery=_gallery_path(m.gallery, source),
    )


def _gallery_path(value: Optional[str], source: str) -> Optional[str]:
    """A relative ``gallery:`` is relative to the profile file, so a profile and its gallery can
    travel together; for a shipped profile (no file of the user's) it must be absolute."""
    if value is None:
        return None
    try:
        path = Path(value).expanduser()
    except RuntimeError:  # ``~nosuchuser/...``
        raise ConfigError("gallery", f"no home folder for {value!r}", source) from None
    if not path.is_absolute():
        base = Path(source).parent
        if not Path(source).exists():
            raise ConfigError(
                "gallery", "a relative path needs a profile file to be relative to", source
            )
        path = base / path
    return str(path)
