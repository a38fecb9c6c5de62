"""``report.html`` and ``casefile.html``: the pages an officer triages from.

Design choices, and why:

- **Indonesian first** (``lang="id"``; ``lang="en"`` switches): the readers are Bawaslu staff and
  civil-service discipline officers. Words live in ``i18n``; gesture names are the officers' own
  ("salam dua jari") next to the ids the records carry. Each finding shows its message in the
  page's language and the other language below it, as the records carry both.
- **Triage first.** A compact table of every input (flagged first, by triage score): thumbnail,
  severity, rule, candidate/number, people, capture time, path and decision; sortable by any
  column and filtered by severity, rule, decision and path. The cards with the evidence follow,
  one per input. Legal references are listed once, numbered, and findings cite the numbers.
- **Every input has a picture and a link to its original.** ``thumbs/`` holds a reduced copy of
  each input (``thumbs.py``); a "not flagged" verdict can be checked at a glance.
- **Templates, not string building**: Jinja2 with autoescaping on, so every value from a record
  (paths from evidence folders hold ``<``, ``&``, quotes, bidi controls) is escaped by default;
  invisible control characters in paths are shown as ``\\uXXXX`` so a right-to-left override
  cannot disguise a file name, and links go through ``urllib.parse.quote``.
- **One self-contained file, no network.** Evidence is reviewed on air-gapped machines, maybe from
  a USB stick: CSS and script are inline, fonts are the system's, and a Content-Security-Policy
  forbids every remote fetch. Images are linked (relative to the folder), not embedded.
- **Works without JavaScript.** Everything is shown; the script only sorts, hides what the filters
  exclude and (served by ``gesture-scan review``) records decisions.
- **Bounded.** A record can carry hundreds of landmarks; only a small summary of each (strings
  already formatted) is kept until the sort order is known. Past ``max_entries`` inputs only the
  table row is written.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any, Optional
from urllib.parse import quote

from ..errors import ConfigError
from ..results import SEVERITY_ORDER
from .i18n import DEFAULT_LANG, TEXT, Words, check_lang
from .palette import legend
from .tables import as_dict, candidates

SEVERITIES = tuple(sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.__getitem__, reverse=True))
_ARROW = {"up": "↑", "side": "→", "down": "↓"}
_MAX_HANDS_LISTED = 12

NOTICE_ID, NOTICE_EN = TEXT["notice"]

# default-src 'none' blocks fetches of every kind (scripts, styles, fonts, frames, XHR); images may
# only come from the page's own folder. The inline style and script are the page itself.
_CSP = (
    "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)
#: Served by ``gesture-scan review``: the page may also post decisions to its own server.
_CSP_REVIEW = _CSP.replace("default-src 'none';", "default-src 'none'; connect-src 'self';")


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
    texts: str = ""  # lines of text that name a candidate or party
    candidates: tuple[str, ...] = ()
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


def _rule_title(rule: str, lang: str) -> str:
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
        return f"{self.w.gesture(hand.get('gesture', '?'))} {_num(hand.get('score')):.2f}"

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
            parts.append(f"{names[key]} {', '.join(f'#{i}' for i in idx)}: {', '.join(labels)}")
        return "; ".join(parts)

    def hands(self, hands: list[Any]) -> str:
        """One short token per hand, numbered like the labels drawn on the annotated copy."""
        out = []
        for i, h in enumerate(hands[:_MAX_HANDS_LISTED]):
            if not isinstance(h, dict):
                continue
            side = str(h.get("handedness") or "?")[:1]
            arrow = _ARROW.get(str(h.get("direction")), "")
            person = h.get("person")
            who = f" P{person}" if isinstance(person, int) else ""
            out.append(
                f"#{i} {side}{who} {self.w.gesture(h.get('gesture', '?'))}{arrow} "
                f"{_num(h.get('score')):.2f}"
            )
        if len(hands) > _MAX_HANDS_LISTED:
            out.append(f"+{len(hands) - _MAX_HANDS_LISTED}")
        return " · ".join(out)

    def faces(self, faces: list[Any]) -> str:
        return " · ".join(
            f"#{i} {self.face(f)}"
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

        en = self.w.lang == "en"
        findings = tuple(
            FindingView(
                index=i,
                rule=str(f.get("rule") or "?"),
                title=_rule_title(str(f.get("rule") or "?"), self.w.lang),
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
        findings = tuple(
            replace(f, message_other="") if f.message_other == f.message else f for f in findings
        )
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
            texts=self.texts(texts),
            candidates=candidates(raw, faces),
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


# -- rendering -----------------------------------------------------------------------------------


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gesture_scan.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["visible"] = visible
    env.filters["rulekey"] = rule_key
    env.filters["clock"] = clock
    return env


def _template_text(name: str) -> str:
    from importlib.resources import files

    return (files("gesture_scan.report") / "templates" / name).read_text(encoding="utf-8")


def _prepare(
    col: Collected,
    out_dir: Path,
    max_entries: int,
    frames_per_video: int,
    decisions: dict[str, Any],
    thumbnails: bool,
) -> list[str]:
    """Thumbnails, each video's frames on its card, and decisions; returns the files written."""
    from .thumbs import make_thumbnail
    from .writer import safe_name

    written: list[str] = []
    for i, entry in enumerate(col.entries):
        recs = list(entry.recs)
        if entry.video:
            flagged = [r for r in recs if r.flagged]
            others = [r for r in recs if not r.flagged][:frames_per_video]
            shown = sorted(flagged + others, key=lambda r: (r.frame_index or 0, r.time_s or 0.0))
            if not shown and recs:
                shown = recs[:1]
        else:
            shown = recs
        # Thumbnails for what the page shows: a photo, a video's shown frames (and its table row).
        pos = {id(r): n for n, r in enumerate(recs)}
        want = {pos[id(r)] for r in (shown if i < max_entries else [])} | {pos[id(entry.rec)]}
        new_recs = []
        for n, r in enumerate(recs):
            if r.annotated is not None and not _exists(out_dir, r.annotated):
                r = replace(r, annotated=None)  # a record naming a copy that is not there
            if thumbnails and n in want:
                name = safe_name(r.path, r.sha256, r.frame_index)
                before = (out_dir / "thumbs" / name).is_file()
                thumb = make_thumbnail(out_dir, name, r.annotated, r.path, r.sha256, r.frame_index)
                if thumb and not before:
                    written.append(thumb)
                r = replace(r, thumb=thumb)
            new_recs.append(r)
        shown = [new_recs[pos[id(r)]] for r in shown]
        mine = {r.fid for r in new_recs} | {f.fid for r in new_recs for f in r.findings}
        decided = {k: decisions[k] for k in mine if k in decisions}
        latest = max(decided.values(), key=lambda d: d.time, default=None)
        col.entries[i] = replace(
            entry,
            recs=tuple(new_recs),
            shown=tuple(shown),
            hidden_frames=len(recs) - len(shown) if entry.video else 0,
            decisions=decided,
            decision=latest.decision if latest is not None else "",
        )
    return written


def _exists(out_dir: Path, link: str) -> bool:
    """The link is percent-encoded; the file on disk is the record's own relative path."""
    from urllib.parse import unquote

    return (out_dir / PurePosixPath(unquote(link))).is_file()


def _counts(col: Collected) -> dict[str, Any]:
    sev_entries: Counter[str] = Counter(e.severity for e in col.entries if e.severity)
    rule_entries: Counter[str] = Counter(r for e in col.entries for r in e.rules)
    rule_findings: Counter[str] = Counter(
        f.rule for e in col.entries for r in e.recs for f in r.findings
    )
    flagged = sum(sev_entries.values())
    return {
        "inputs": col.photos + col.videos,
        "photos": col.photos,
        "videos": col.videos,
        "frames": col.frames,
        "flagged": flagged,
        "not_flagged": len(col.entries) - flagged,
        "unreadable": len(col.errors),
        "decided": sum(1 for e in col.entries if e.decision),
        "severities": [(s, sev_entries[s]) for s in SEVERITIES],
        "rules": [
            (rule, n, rule_findings[rule])
            for rule, n in sorted(rule_entries.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }


def _write_all(fh: IO[str], chunks: Iterable[str]) -> None:
    buf: list[str] = []
    size = 0
    for chunk in chunks:
        buf.append(chunk)
        size += len(chunk)
        if size > 1 << 16:
            fh.write("".join(buf))
            buf.clear()
            size = 0
    fh.write("".join(buf))


@dataclass(frozen=True)
class Page:
    """Everything a template gets, built once per render (``render_pages`` writes two pages)."""

    col: Collected
    context: dict[str, Any]


def build_page(
    records: Iterable[dict[str, Any]],
    out_dir: Path,
    title: Optional[str] = None,
    profile: Optional[dict[str, Any]] = None,
    generated_at: Optional[str] = None,
    *,
    lang: str = DEFAULT_LANG,
    max_entries: int = 2000,
    frames_per_video: int = 3,
    decisions: Optional[dict[str, Any]] = None,
    thumbnails: bool = True,
    review_token: Optional[str] = None,
) -> tuple[Page, list[str]]:
    """The pages' context and the thumbnails written for it (``records`` is read once)."""
    if max_entries < 0:
        raise ConfigError("max_entries", f"must be >= 0, got {max_entries}")
    if frames_per_video < 0:
        raise ConfigError("frames_per_video", f"must be >= 0, got {frames_per_video}")
    w = Words(check_lang(lang))
    out_dir = Path(out_dir)
    col = collect(records, out_dir, lang)
    written = _prepare(col, out_dir, max_entries, frames_per_video, decisions or {}, thumbnails)
    when = generated_at or datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    jsonl = out_dir / "report.jsonl"
    context = {
        "t": w,
        "lang": w.lang,
        "title": title or w.title,
        "generated_at": when,
        "profile": profile or {},
        "col": col,
        "counts": _counts(col),
        "rules": sorted({r for e in col.entries for r in e.rules}),
        "rule_titles": {r: _rule_title(r, w.lang) for e in col.entries for r in e.rules},
        "max_entries": max_entries,
        "detailed": col.entries[:max_entries],
        "rest": len(col.entries) - min(len(col.entries), max_entries),
        "review": review_token is not None,
        "review_token": review_token or "",
        "csp": _CSP_REVIEW if review_token is not None else _CSP,
        "css": _template_text("report.css"),
        "js": _template_text("report.js"),
        "decision_values": ("confirmed", "rejected", "needs-check"),
        "out_name": out_dir.name,
        "jsonl_sha256": _sha256(jsonl) if jsonl.is_file() else "",
        "has_pdf": (out_dir / "report.pdf").is_file(),
        "reviewer_default": "",
        "legend": legend(w.lang),
    }
    return Page(col, context), written


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def render(page: Page, template: str, **extra: Any) -> Iterator[str]:
    """The template's text, in pieces (``generate``: a 10,000-input page is never one string)."""
    return _environment().get_template(template).generate(**page.context, **extra)


def _write(out_dir: Path, name: str, chunks: Iterable[str]) -> Path:
    target = out_dir / name
    tmp = out_dir / f"{name}.tmp"
    # backslashreplace: a path with undecodable bytes (a lone surrogate) is shown, not fatal.
    with open(tmp, "w", encoding="utf-8", errors="backslashreplace") as fh:
        _write_all(fh, chunks)
    os.replace(tmp, target)
    return target


def write_html(
    records: Iterable[dict[str, Any]],
    out_dir: Path,
    title: Optional[str] = None,
    profile: Optional[dict[str, Any]] = None,
    generated_at: Optional[str] = None,
    *,
    lang: str = DEFAULT_LANG,
    max_entries: int = 2000,
    frames_per_video: int = 3,
    decisions: Optional[dict[str, Any]] = None,
    casefile: bool = True,
) -> Path:
    """Write ``out_dir/report.html`` (and ``casefile.html``) from JSON-lines records; return the
    report's path.

    ``records`` is read once, so a generator over a huge ``report.jsonl`` is fine. The first
    ``max_entries`` inputs in triage order get a card with image and findings, every input a
    table row; a video shows its flagged frames and its first ``frames_per_video`` others.
    ``decisions`` (``review.decisions.load_decisions``) are shown beside what they decide. Pages
    are written to a temporary name and renamed, so a crash never leaves half a page behind;
    thumbnails and pages are listed in the folder's manifest.
    """
    from .writer import register_outputs

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    page, written = build_page(
        records,
        out_dir,
        title,
        profile,
        generated_at,
        lang=lang,
        max_entries=max_entries,
        frames_per_video=frames_per_video,
        decisions=decisions,
    )
    target = _write(out_dir, "report.html", render(page, "report.html.j2"))
    names = ["report.html", *written]
    if casefile:
        _write(out_dir, "casefile.html", render(page, "casefile.html.j2"))
        names.append("casefile.html")
    register_outputs(out_dir, names)
    return target
