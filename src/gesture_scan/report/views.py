"""Record dicts (``report.jsonl``'s lines) -> what the pages show: small frozen views of formatted
strings, never landmarks, and the inputs in triage order (``collect``).

Records are read as untrusted data: every field may be missing or of the wrong type (a report
folder is evidence that travels), so each is read with a default, links are made safe
(``safe_link``, ``original_link``) and invisible characters shown (``visible``). A record can
carry hundreds of landmarks; only a small summary of each is kept until the sort order is known.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Optional
from urllib.parse import quote

from ..results import SEVERITY_ORDER, person_tag, person_tags
from .i18n import DEFAULT_LANG, Words
from .tables import as_dict, candidates

_ARROW = {"up": "↑", "side": "→", "down": "↓"}
_MAX_HANDS_LISTED = 12


@dataclass(frozen=True)
class FindingView:
    """One finding as the page shows it."""

    index: int
    rule: str
    title: str
    severity: str
    score: Optional[float]
    message: str  # in the page's language
    message_other: str  # in the other one
    evidence: str
    refs: tuple[int, ...]  # numbers into the page's reference list
    fid: str = ""


@dataclass(frozen=True)
class RecView:
    """What the page needs of one record: formatted strings, never landmarks."""

    path: str
    sha256: Optional[str]
    frame_index: Optional[int]
    time_s: Optional[float]
    score: float
    severity: Optional[str]  # high/medium/low, None when not flagged
    flagged: bool
    rules: tuple[str, ...]
    findings: tuple[FindingView, ...]
    annotated: Optional[str]  # safe relative link, or None
    width: int
    height: int
    people: Optional[int]
    hands: str
    n_hands: int
    objects: str
    captured: str
    camera: str
    faces: str = ""  # faces with a matched candidate or a uniform cue
    #: How ``people`` was counted: "12 wajah, 14 badan" (bodies only where the person detector
    #: ran), "" where the record says nothing.
    head_count: str = ""
    texts: str = ""  # lines of text that name a candidate or party
    candidates: tuple[str, ...] = ()
    #: The photo's sign (the record's ``sign``): "02: 9 tangan, dibuat oleh P1, P3", or "".
    sign: str = ""
    exif: tuple[tuple[str, str], ...] = ()
    thumb: Optional[str] = None
    original: Optional[str] = None
    fid: str = ""  # the whole record's finding id (decisions on the photo or frame)

    @property
    def when(self) -> str:
        return clock(self.time_s if self.time_s is not None else float("nan"))


@dataclass(frozen=True)
class EntryView:
    """A photo, or a video with its sampled frames (in time order)."""

    path: str
    score: float
    severity: Optional[str]
    rules: tuple[str, ...]
    recs: tuple[RecView, ...]
    video: bool
    index: int = 0
    shown: tuple[RecView, ...] = ()  # a video's frames on its card
    hidden_frames: int = 0
    decision: str = ""  # latest decision on the input or one of its findings; "" none
    decisions: dict[str, Any] = field(default_factory=dict)

    @property
    def rec(self) -> RecView:
        """The record that stands for the input in the table: a video's most urgent frame."""
        return max(self.recs, key=lambda r: (r.score, r.flagged, -(r.frame_index or 0)))

    @property
    def candidates(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for r in self.recs for c in r.candidates))

    @property
    def people(self) -> Optional[int]:
        known = [r.people for r in self.recs if r.people is not None]
        return max(known) if known else None

    @property
    def head_count(self) -> str:
        """The faces and bodies behind ``people`` (of the frame with the most people)."""
        known = [r for r in self.recs if r.people is not None]
        return max(known, key=lambda r: r.people or 0).head_count if known else ""

    @property
    def thumb(self) -> Optional[str]:
        return self.rec.thumb or next((r.thumb for r in self.recs if r.thumb), None)


@dataclass(frozen=True)
class ErrorView:
    path: str
    sha256: Optional[str]
    frame: str
    error: str


# -- formatting helpers --------------------------------------------------------------------------


def visible(text: str) -> str:
    """Control and format characters (bidi overrides, zero-width joiners...) as ``\\uXXXX``."""
    if text.isprintable():
        return text
    return "".join(
        ch if unicodedata.category(ch) not in ("Cc", "Cf", "Cs") else f"\\u{ord(ch):04x}"
        for ch in text
    )


def _num(value: Any, default: float = 0.0) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return default
    return f if math.isfinite(f) else default


def clock(seconds: float) -> str:
    """mm:ss, or h:mm:ss from one hour on: how people read video timestamps."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    whole = int(seconds)
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def rule_key(rule: str) -> str:
    """Rule ids go into a space-separated data attribute, so they must not contain spaces."""
    return re.sub(r"\s+", "_", rule.strip()) or "_"


def safe_link(annotated: Any) -> Optional[str]:
    """A relative URL inside the report folder, or None.

    ``quote`` turns ``http://x`` into ``http%3A//x`` (a relative path); absolute paths, ``//host``
    and ``..`` are refused outright so a record cannot point the page outside its folder.
    """
    if not isinstance(annotated, str) or not annotated or "\\" in annotated:
        return None
    p = PurePosixPath(annotated)
    if p.is_absolute() or ".." in p.parts or annotated.startswith("/"):
        return None
    return quote(p.as_posix(), safe="/")


def original_link(path: str, out_dir: Path) -> Optional[str]:
    """The input as a link relative to the report folder (works from ``file://`` and from a USB
    stick that carries both folders), or None where the file is not there from here (a record
    scanned from another working folder)."""
    if not path or "\x00" in path:
        return None
    try:
        if not os.path.isfile(path):
            return None
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(out_dir))
    except (OSError, ValueError):
        return None
    return quote(Path(rel).as_posix(), safe="/")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def rule_title(rule: str, lang: str) -> str:
    """The rule's title from the catalog (read only), or the id for a rule it does not know."""
    try:
        from ..rules.catalog import RULES
    except ImportError:  # pragma: no cover - the catalog moved
        return rule
    known = RULES.get(rule)
    if known is None:
        return rule
    return str(getattr(known, "title_id" if lang == "id" else "title_en", rule))


class _Refs:
    """Legal references numbered in order of first citation, so each is printed once."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def cite(self, refs: Iterable[Any]) -> tuple[int, ...]:
        out = []
        for r in refs:
            text = str(r)
            out.append(self.numbers.setdefault(text, len(self.numbers) + 1))
        return tuple(out)

    @property
    def listed(self) -> list[tuple[int, str]]:
        return [(n, text) for text, n in self.numbers.items()]


class _Summariser:
    """Record dict -> RecView, in the page's language."""

    def __init__(self, w: Words, out_dir: Path, refs: _Refs) -> None:
        self.w = w
        self.out_dir = out_dir
        self.refs = refs

    def hand(self, hand: dict[str, Any]) -> str:
        return (
            f"{self.w.gesture(hand.get('gesture', '?'))} {_num(hand.get('score')):.2f}"
            f"{_who(hand.get('person'))}"
        )

    def face(self, face: dict[str, Any]) -> str:
        """The matched candidate's number and name (what a reviewer checks first), then the cue."""
        en = self.w.lang == "en"
        tags = []
        if face.get("candidate"):
            num = face.get("number")
            who = f"{num:02d} " if isinstance(num, int) else ""
            who += str(face.get("name") or face.get("candidate"))
            if face.get("on_print"):
                who += " on printed material" if en else " pada bahan cetak"
            dist = "distance" if en else "jarak"
            tags.append(f"{who} ({dist} {_num(face.get('distance')):.2f})")
        attire = face.get("attire")
        if isinstance(attire, dict) and attire.get("label"):
            cue = "uniform cue" if en else "petunjuk seragam"
            tags.append(f"{cue} {attire['label']} ({_num(attire.get('score')):.2f})")
        return ", ".join(tags) or ("face" if en else "wajah")

    def sign(self, sign: Any) -> str:
        """The record's ``sign`` as one line, "" where it has none (or is not a dict: records
        from older versions)."""
        if not isinstance(sign, dict) or not sign.get("label"):
            return ""
        hands = [h for h in _as_list(sign.get("hands")) if isinstance(h, int)]
        return self.w.sign_line(str(sign["label"]), len(hands), _people(sign))

    def head_count(self, record: dict[str, Any], faces: list[Any]) -> str:
        """ "12 wajah, 14 badan": bodies where the person detector ran (it left boxes, or its
        time in ``meta.stage_seconds``); a record without it counts faces only."""
        if not isinstance(record.get("people"), int):
            return ""
        bodies = record.get("bodies")
        spent = as_dict(as_dict(record.get("meta")).get("stage_seconds"))
        ran = bool(bodies) or "bodies" in spent
        return self.w.head_count(len(faces), len(_as_list(bodies)) if ran else None)

    @staticmethod
    def text(text: dict[str, Any]) -> str:
        line = str(text.get("text") or "")
        return f"\u201c{line[:60]}\u201d" + ("…" if len(line) > 60 else "")

    def evidence(self, finding: dict[str, Any], items: dict[str, list[Any]]) -> str:
        parts = []
        names = {
            "hands": self.w.hands.lower(),
            "objects": self.w.objects.lower(),
            "faces": self.w.faces.lower(),
            "texts": self.w.text.lower(),
        }
        makers = _people(finding)
        if makers:
            # Who makes the sign, as the annotated copy numbers them (also for records written
            # before the messages said so).
            parts.append(f"{self.w.made_by} {person_tags(makers)}")
        describe = {
            "hands": self.hand,
            "objects": lambda o: f"{o.get('label', '?')} {_num(o.get('score')):.2f}",
            "faces": self.face,
            "texts": self.text,
        }
        for key in ("hands", "objects", "faces", "texts"):
            idx = [i for i in finding.get(key) or [] if isinstance(i, int)]
            if not idx:
                continue
            got = items[key]
            labels = [
                describe[key](got[i]) if 0 <= i < len(got) and isinstance(got[i], dict) else "?"
                for i in idx
            ]
            tag = person_tag if key == "faces" else (lambda i: f"#{i}")
            parts.append(f"{names[key]} {', '.join(tag(i) for i in idx)}: {', '.join(labels)}")
        return "; ".join(parts)

    def hands(self, hands: list[Any]) -> str:
        """One short token per hand, numbered like the labels drawn on the annotated copy."""
        out = []
        for i, h in enumerate(hands[:_MAX_HANDS_LISTED]):
            if not isinstance(h, dict):
                continue
            side = str(h.get("handedness") or "?")[:1]
            arrow = _ARROW.get(str(h.get("direction")), "")
            who = _who(h.get("person"))
            held = h.get("held")
            holds = f", {self.w.held(held.get('label', '?'))}" if isinstance(held, dict) else ""
            out.append(
                f"#{i} {side}{who} {self.w.gesture(h.get('gesture', '?'))}{arrow} "
                f"{_num(h.get('score')):.2f}{holds}"
            )
        if len(hands) > _MAX_HANDS_LISTED:
            out.append(f"+{len(hands) - _MAX_HANDS_LISTED}")
        return " · ".join(out)

    def faces(self, faces: list[Any]) -> str:
        return " · ".join(
            f"{person_tag(i)} {self.face(f)}"
            for i, f in enumerate(faces)
            if isinstance(f, dict) and (f.get("candidate") or _cued(f))
        )

    def texts(self, texts: list[Any]) -> str:
        return " · ".join(
            self.text(t)
            + " → "
            + ", ".join(str(m.get("term")) for m in t["matches"][:3] if isinstance(m, dict))
            for t in texts
            if isinstance(t, dict) and isinstance(t.get("matches"), list) and t["matches"]
        )

    def findings(
        self,
        raw: list[dict[str, Any]],
        items: dict[str, list[Any]],
        sha: Optional[str],
        frame_index: Optional[int],
    ) -> tuple[FindingView, ...]:
        """The record's findings in the page's language (the other language's message only where
        it differs), their references numbered."""
        from ..review.decisions import finding_id

        en = self.w.lang == "en"
        findings = tuple(
            FindingView(
                index=i,
                rule=str(f.get("rule") or "?"),
                title=rule_title(str(f.get("rule") or "?"), self.w.lang),
                severity=str(f.get("severity") or ""),
                score=_num(f["score"]) if f.get("score") is not None else None,
                message=str(
                    (f.get("message") if en else f.get("message_id")) or f.get("message") or ""
                ),
                message_other=str((f.get("message_id") if en else f.get("message")) or ""),
                evidence=self.evidence(f, items),
                refs=self.refs.cite(_as_list(f.get("references"))),
                fid=finding_id(sha, frame_index, i),
            )
            for i, f in enumerate(raw)
        )
        return tuple(
            replace(f, message_other="") if f.message_other == f.message else f for f in findings
        )

    def __call__(self, record: dict[str, Any]) -> RecView:
        hands = _as_list(record.get("hands"))
        objects = _as_list(record.get("objects"))
        faces = _as_list(record.get("faces"))
        texts = _as_list(record.get("texts"))
        items = {"hands": hands, "objects": objects, "faces": faces, "texts": texts}
        raw = [f for f in record.get("findings") or [] if isinstance(f, dict)]
        flagged = bool(record.get("flagged", bool(raw))) or bool(raw)
        severity = _severity(record, raw, flagged)
        frame = record.get("frame") if isinstance(record.get("frame"), dict) else None
        frame_index = int(_num(frame.get("index"), -1)) if frame else None
        sha = record.get("sha256") or None
        from ..review.decisions import finding_id

        findings = self.findings(raw, items, sha, frame_index)
        score = record.get("triage_score")
        triage = (
            _num(score) if score is not None else max((f.score or 0.0 for f in findings), default=0)
        )
        exif = as_dict(as_dict(record.get("meta")).get("exif"))
        camera = " ".join(str(exif[k]).strip() for k in ("make", "model") if exif.get(k))
        people = record.get("people")
        path = str(record.get("path") or "")
        return RecView(
            path=path,
            sha256=sha,
            frame_index=frame_index,
            time_s=_num(frame.get("time_s"), float("nan")) if frame else None,
            score=triage,
            severity=severity,
            flagged=flagged,
            rules=tuple(dict.fromkeys(f.rule for f in findings)),
            findings=findings,
            # --save-frames keeps the plain frame: shown where there is no annotated copy
            annotated=safe_link(record.get("annotated") or record.get("frame_image")),
            width=int(_num(record.get("width"))),
            height=int(_num(record.get("height"))),
            people=people if isinstance(people, int) else None,
            hands=self.hands(hands),
            n_hands=len(hands),
            objects=", ".join(
                f"{o.get('label', '?')} {_num(o.get('score')):.2f}"
                for o in objects
                if isinstance(o, dict)
            ),
            captured=str(exif.get("datetime") or ""),
            camera=camera,
            faces=self.faces(faces),
            head_count=self.head_count(record, faces),
            texts=self.texts(texts),
            candidates=candidates(raw, faces),
            sign=self.sign(record.get("sign")),
            exif=tuple(
                (str(k), str(v)[:200])
                for k, v in exif.items()
                if k != "warnings" and isinstance(v, (str, int, float))
            ),
            original=original_link(path, self.out_dir)
            if frame is None or frame_index == 0
            else None,
            fid=finding_id(sha, frame_index, None),
        )


def _who(person: Any) -> str:
    """ " P2" for a hand linked to face 1, "" for one linked to nobody."""
    return f" {person_tag(person)}" if isinstance(person, int) and person >= 0 else ""


def _people(finding: dict[str, Any]) -> list[int]:
    """The faces making a finding's sign: ``people``, or ``details.people`` in records written
    before the finding carried it."""
    people = finding.get("people")
    if not isinstance(people, list):
        people = as_dict(finding.get("details")).get("people")
    return [
        p for p in _as_list(people) if isinstance(p, int) and not isinstance(p, bool) and p >= 0
    ]


def _cued(face: dict[str, Any]) -> bool:
    """A uniform cue to show: only a likely civil servant's ``attire`` has a ``label``."""
    attire = face.get("attire")
    return isinstance(attire, dict) and bool(attire.get("label"))


def _severity(
    record: dict[str, Any], findings: list[dict[str, Any]], flagged: bool
) -> Optional[str]:
    """The record's severity; a flagged record whose rules gave none counts as 'low' so it still
    shows among the flagged ones rather than disappearing from the filters."""
    sev = record.get("severity")
    if sev not in SEVERITY_ORDER:
        known = [str(f["severity"]) for f in findings if f.get("severity") in SEVERITY_ORDER]
        sev = max(known, key=SEVERITY_ORDER.__getitem__, default=None)
    if sev is None and flagged:
        sev = "low"
    return sev if flagged else None


def _max_severity(recs: Iterable[RecView]) -> Optional[str]:
    known = (r.severity for r in recs if r.severity)
    return max(known, key=SEVERITY_ORDER.__getitem__, default=None)


# -- collecting ----------------------------------------------------------------------------------


@dataclass
class Collected:
    entries: list[EntryView]
    errors: list[ErrorView]
    photos: int
    videos: int
    frames: int
    refs: list[tuple[int, str]]


def collect(
    records: Iterable[dict[str, Any]], out_dir: Path, lang: str = DEFAULT_LANG
) -> Collected:
    """Summaries of every record, inputs in triage order (score, then path)."""
    w = Words(lang)
    refs = _Refs()
    summarise = _Summariser(w, out_dir, refs)
    photos: list[EntryView] = []
    videos: dict[str, list[RecView]] = {}
    errors: list[ErrorView] = []
    error_inputs: set[tuple[str, bool]] = set()
    for record in records:
        frame = record.get("frame")
        if record.get("error"):
            path = str(record.get("path") or "")
            when = ""
            if isinstance(frame, dict):
                t = clock(_num(frame.get("time_s"), float("nan")))
                when = f"{t} ({w.frame} {frame.get('index')})"
            errors.append(ErrorView(path, record.get("sha256"), when, str(record["error"])))
            error_inputs.add((path, isinstance(frame, dict)))
            continue
        rec = summarise(record)
        if rec.frame_index is not None:
            videos.setdefault(rec.path, []).append(rec)
        else:
            photos.append(EntryView(rec.path, rec.score, rec.severity, rec.rules, (rec,), False))
    entries = photos
    frames = 0
    for path, recs in videos.items():
        recs.sort(key=lambda r: (r.frame_index or 0, r.time_s or 0.0))
        frames += len(recs)
        rules = tuple(dict.fromkeys(rule for r in recs for rule in r.rules))
        score = max(r.score for r in recs)
        entries.append(EntryView(path, score, _max_severity(recs), rules, tuple(recs), True))
    # Flagged first (a flagged input with score 0 still outranks every unflagged one).
    entries.sort(key=lambda e: (e.severity is None, -e.score, e.path))
    failed_photos = sum(1 for _path, is_frame in error_inputs if not is_frame)
    failed_videos = sum(1 for path, is_frame in error_inputs if is_frame and path not in videos)
    return Collected(
        entries=[replace(e, index=i) for i, e in enumerate(entries)],
        errors=errors,
        photos=len(photos) + failed_photos,
        videos=len(videos) + failed_videos,
        frames=frames,
        refs=refs.listed,
    )
