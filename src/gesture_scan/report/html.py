"""``report.html``: the one page a supervisor triages from, beside ``report.jsonl``.

Design choices, and why:

- **One self-contained file, no network.** Evidence is reviewed on air-gapped machines and the
  page may be opened from a USB stick, so CSS and the small filter script are inline, fonts are the
  system's own, and a Content-Security-Policy forbids every remote fetch: even a path that slipped
  past escaping could not make the browser call out.
- **Images are linked, not embedded.** The annotated copies already sit in ``annotated/`` next to
  the page, and a relative link costs nothing to write. Embedded thumbnails would mean decoding and
  re-encoding every JPEG (seconds per thousand photos) and would grow the file by megabytes, while
  the page only ever travels together with its report folder anyway. ``loading="lazy"`` lets the
  browser fetch just the images on screen, so thousands of entries stay openable.
- **Streaming.** A record can carry hundreds of landmarks; only a small summary of each (strings
  already formatted, no landmarks, no faces) is kept until the sort order is known, then the page is
  written entry by entry. Past ``max_entries`` entries only a one-line table row is written.
- **Works without JavaScript.** Everything is shown by default; the script only hides entries that
  the filters exclude and reveals the filter bar, so a browser with scripts disabled still shows
  the whole report (minus the filters).
- **Everything from a record is untrusted text.** Paths come from evidence folders (``<``, ``&``,
  quotes, Indonesian names, bidi controls); it all goes through ``html.escape``, links through
  ``urllib.parse.quote``, and invisible control characters in paths are shown as ``\\uXXXX`` so a
  right-to-left override cannot disguise a file name.
"""

from __future__ import annotations

import html
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any, NamedTuple, Optional
from urllib.parse import quote, unquote

from ..errors import ConfigError

SEVERITIES = ("high", "medium", "low")
_SEV_RANK = {"high": 3, "medium": 2, "low": 1}
_SEV_LABEL = {"high": "High", "medium": "Medium", "low": "Low", "none": "Not flagged"}
_ARROW = {"up": "↑", "side": "→", "down": "↓"}
_MAX_HANDS_LISTED = 12
_EAGER_IMAGES = 16

NOTICE_ID = "Temuan ini adalah penanda untuk ditinjau petugas, bukan kesimpulan hukum."
NOTICE_EN = "Findings are flags for human review, not a legal conclusion."

# default-src 'none' blocks fetches of every kind (scripts, styles, fonts, frames, XHR); images may
# only come from the page's own folder. The inline style and script are the page itself.
_CSP = (
    "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)


class _Finding(NamedTuple):
    rule: str
    severity: str
    score: Optional[float]
    message: str
    message_id: str
    evidence: str  # "hands #0, #2: two_v (0.91), two_v (0.88); objects #0: banner (0.80)"
    references: tuple[str, ...]


class _Rec(NamedTuple):
    """What the page needs of one record: formatted strings, never landmarks."""

    path: str
    sha256: Optional[str]
    frame_index: Optional[int]
    time_s: Optional[float]
    score: float
    severity: Optional[str]  # high/medium/low, None when not flagged
    flagged: bool
    rules: tuple[str, ...]
    findings: tuple[_Finding, ...]
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


class _Entry(NamedTuple):
    """A photo, or a video with its sampled frames (in time order)."""

    path: str
    score: float
    severity: Optional[str]
    rules: tuple[str, ...]
    recs: tuple[_Rec, ...]
    video: bool


class _Error(NamedTuple):
    path: str
    sha256: Optional[str]
    frame: str
    error: str


# -- formatting helpers --------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _visible(text: str) -> str:
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


def _rule_key(rule: str) -> str:
    """Rule ids go into a space-separated data attribute, so they must not contain spaces."""
    return re.sub(r"\s+", "_", rule.strip()) or "_"


def _safe_link(annotated: Any) -> Optional[str]:
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


def _hand_label(hand: dict[str, Any]) -> str:
    return f"{hand.get('gesture', '?')} ({_num(hand.get('score')):.2f})"


def _face_label(face: dict[str, Any]) -> str:
    """The matched candidate's number and name (what a reviewer checks first), then the cue."""
    tags = []
    if face.get("candidate"):
        num = face.get("number")
        who = f"{num:02d} " if isinstance(num, int) else ""
        who += str(face.get("name") or face.get("candidate"))
        where = " on printed material" if face.get("on_print") else ""
        tags.append(f"{who}{where} (distance {_num(face.get('distance')):.2f})")
    attire = face.get("attire")
    if isinstance(attire, dict) and attire.get("label"):
        tags.append(f"uniform cue {attire['label']} ({_num(attire.get('score')):.2f})")
    return ", ".join(tags) or "face"


def _text_label(text: dict[str, Any]) -> str:
    line = str(text.get("text") or "")
    return f"\u201c{line[:60]}\u201d" + ("…" if len(line) > 60 else "")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _cued(face: dict[str, Any]) -> bool:
    """A uniform cue to show: every judged torso has an ``attire`` entry (what the head saw),
    but only a likely civil servant's has a ``label``."""
    attire = face.get("attire")
    return isinstance(attire, dict) and bool(attire.get("label"))


def _faces_summary(faces: list[Any]) -> str:
    return " · ".join(
        f"#{i} {_face_label(f)}"
        for i, f in enumerate(faces)
        if isinstance(f, dict) and (f.get("candidate") or _cued(f))
    )


def _texts_summary(texts: list[Any]) -> str:
    return " · ".join(
        _text_label(t)
        + " → "
        + ", ".join(str(m.get("term")) for m in t["matches"][:3] if isinstance(m, dict))
        for t in texts
        if isinstance(t, dict) and isinstance(t.get("matches"), list) and t["matches"]
    )


def _evidence(
    finding: dict[str, Any],
    hands: list[Any],
    objects: list[Any],
    faces: list[Any],
    texts: list[Any],
) -> str:
    parts = []
    for key, items, describe in (
        ("hands", hands, _hand_label),
        (
            "objects",
            objects,
            lambda o: f"{o.get('label', '?')} ({_num(o.get('score')):.2f})",
        ),
        ("faces", faces, _face_label),
        ("texts", texts, _text_label),
    ):
        idx = [i for i in finding.get(key) or [] if isinstance(i, int)]
        if not idx:
            continue
        labels = [
            describe(items[i]) if 0 <= i < len(items) and isinstance(items[i], dict) else "missing"
            for i in idx
        ]
        parts.append(f"{key} {', '.join(f'#{i}' for i in idx)}: {', '.join(labels)}")
    return "; ".join(parts)


def _hands_summary(hands: list[Any]) -> str:
    """One short token per hand, numbered like the labels drawn on the annotated copy."""
    out = []
    for i, h in enumerate(hands[:_MAX_HANDS_LISTED]):
        if not isinstance(h, dict):
            continue
        side = str(h.get("handedness") or "?")[:1]
        arrow = _ARROW.get(str(h.get("direction")), "")
        out.append(f"#{i} {side} {h.get('gesture', '?')}{arrow} {_num(h.get('score')):.2f}")
    if len(hands) > _MAX_HANDS_LISTED:
        out.append(f"+{len(hands) - _MAX_HANDS_LISTED} more")
    return " · ".join(out)


def _severity(
    record: dict[str, Any], findings: list[dict[str, Any]], flagged: bool
) -> Optional[str]:
    """The record's severity; for a flagged record whose rules gave none we fall back to 'low' so
    it still shows among the flagged ones rather than disappearing from the filters."""
    sev = record.get("severity")
    if sev not in _SEV_RANK:
        known = [str(f["severity"]) for f in findings if f.get("severity") in _SEV_RANK]
        sev = max(known, key=_SEV_RANK.__getitem__, default=None)
    if sev is None and flagged:
        sev = "low"
    return sev if flagged else None


def _summarise(record: dict[str, Any]) -> _Rec:
    hands = record.get("hands") or []
    objects = record.get("objects") or []
    faces: list[Any] = _as_list(record.get("faces"))
    texts: list[Any] = _as_list(record.get("texts"))
    raw_findings = [f for f in record.get("findings") or [] if isinstance(f, dict)]
    flagged = bool(record.get("flagged", bool(raw_findings))) or bool(raw_findings)
    severity = _severity(record, raw_findings, flagged)
    findings = tuple(
        _Finding(
            rule=str(f.get("rule") or "?"),
            severity=str(f.get("severity") or ""),
            score=_num(f["score"]) if f.get("score") is not None else None,
            message=str(f.get("message") or ""),
            message_id=str(f.get("message_id") or ""),
            evidence=_evidence(f, hands, objects, faces, texts),
            references=tuple(str(r) for r in f.get("references") or []),
        )
        for f in raw_findings
    )
    score = record.get("triage_score")
    triage = (
        _num(score) if score is not None else max((f.score or 0.0 for f in findings), default=0.0)
    )
    frame = record.get("frame") if isinstance(record.get("frame"), dict) else None
    exif = (
        ((record.get("meta") or {}).get("exif") or {})
        if isinstance(record.get("meta"), dict)
        else {}
    )
    camera = " ".join(str(exif[k]).strip() for k in ("make", "model") if exif.get(k))
    people = record.get("people")
    return _Rec(
        path=str(record.get("path") or ""),
        sha256=record.get("sha256") or None,
        frame_index=int(_num(frame.get("index"), -1)) if frame else None,
        time_s=_num(frame.get("time_s"), float("nan")) if frame else None,
        score=triage,
        severity=severity,
        flagged=flagged,
        rules=tuple(dict.fromkeys(f.rule for f in findings)),
        findings=findings,
        # --save-frames keeps the plain frame: shown where there is no annotated copy
        annotated=_safe_link(record.get("annotated") or record.get("frame_image")),
        width=int(_num(record.get("width"))),
        height=int(_num(record.get("height"))),
        people=people if isinstance(people, int) else None,
        hands=_hands_summary(hands),
        n_hands=len(hands),
        objects=", ".join(
            f"{o.get('label', '?')} {_num(o.get('score')):.2f}"
            for o in objects
            if isinstance(o, dict)
        ),
        captured=str(exif.get("datetime") or ""),
        camera=camera,
        faces=_faces_summary(faces),
        texts=_texts_summary(texts),
    )


def _max_severity(recs: Iterable[_Rec]) -> Optional[str]:
    return max((r.severity for r in recs if r.severity), key=lambda s: _SEV_RANK[s], default=None)


# -- collecting ----------------------------------------------------------------------------------


class _Collected(NamedTuple):
    entries: list[_Entry]
    errors: list[_Error]
    photos: int
    videos: int
    frames: int


def _collect(records: Iterable[dict[str, Any]]) -> _Collected:
    photos: list[_Entry] = []
    videos: dict[str, list[_Rec]] = {}
    errors: list[_Error] = []
    error_inputs: set[tuple[str, bool]] = set()
    for record in records:
        frame = record.get("frame")
        if record.get("error"):
            path = str(record.get("path") or "")
            when = ""
            if isinstance(frame, dict):
                when = (
                    f"{clock(_num(frame.get('time_s'), float('nan')))} (frame {frame.get('index')})"
                )
            errors.append(_Error(path, record.get("sha256"), when, str(record["error"])))
            error_inputs.add((path, isinstance(frame, dict)))
            continue
        rec = _summarise(record)
        if rec.frame_index is not None:
            videos.setdefault(rec.path, []).append(rec)
        else:
            photos.append(_Entry(rec.path, rec.score, rec.severity, rec.rules, (rec,), False))
    entries = photos
    frames = 0
    for path, recs in videos.items():
        recs.sort(key=lambda r: (r.frame_index or 0, r.time_s or 0.0))
        frames += len(recs)
        rules = tuple(dict.fromkeys(rule for r in recs for rule in r.rules))
        score = max(r.score for r in recs)
        entries.append(_Entry(path, score, _max_severity(recs), rules, tuple(recs), True))
    entries.sort(key=lambda e: (-e.score, e.path))
    # An input that failed outright has no entry; count it once among the inputs.
    failed_photos = sum(1 for _path, is_frame in error_inputs if not is_frame)
    failed_videos = sum(1 for path, is_frame in error_inputs if is_frame and path not in videos)
    return _Collected(
        entries=entries,
        errors=errors,
        photos=len(photos) + failed_photos,
        videos=len(videos) + failed_videos,
        frames=frames,
    )


# -- rendering -----------------------------------------------------------------------------------


def _badge(severity: Optional[str], text: Optional[str] = None) -> str:
    key = severity if severity in _SEV_RANK else "none"
    return f'<span class="badge sev-{key}">{_e(text or _SEV_LABEL[key])}</span>'


def _path_html(path: str) -> str:
    return _e(_visible(path)) if path else '<span class="muted">(no path)</span>'


def _findings_html(findings: tuple[_Finding, ...]) -> str:
    if not findings:
        return ""
    items = []
    for f in findings:
        refs = (
            '<div class="refs"><span class="k">References</span> '
            + "; ".join(_e(r) for r in f.references)
            + "</div>"
            if f.references
            else ""
        )
        score = f' <span class="fscore">{f.score:.2f}</span>' if f.score is not None else ""
        ev = (
            f'<div class="ev"><span class="k">Evidence</span> {_e(f.evidence)}</div>'
            if f.evidence
            else ""
        )
        msg_id = f'<div class="msg" lang="id">{_e(f.message_id)}</div>' if f.message_id else ""
        items.append(
            f'<li class="finding">{_badge(f.severity, f.severity or "?")} '
            f'<code class="rule">{_e(f.rule)}</code>{score}'
            f'<div class="msg" lang="en">{_e(f.message)}</div>{msg_id}{ev}{refs}</li>'
        )
    return f'<ol class="findings">{"".join(items)}</ol>'


def _facts(rec: _Rec, video: bool) -> str:
    rows = [("SHA-256", f'<code class="sha">{_e(rec.sha256)}</code>' if rec.sha256 else "—")]
    if rec.captured:
        rows.append(("Captured", _e(rec.captured)))
    if rec.camera:
        rows.append(("Camera", _e(rec.camera)))
    if not video and rec.width and rec.height:
        rows.append(("Size", f"{rec.width}×{rec.height}"))
    return "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)


def _detections(rec: _Rec) -> str:
    people = "?" if rec.people is None else str(rec.people)
    parts = [f'<span class="k">People</span> {people}']
    hands = f"{rec.n_hands}" + (f" — {_e(rec.hands)}" if rec.hands else "")
    parts.append(f'<span class="k">Hands</span> {hands}')
    if rec.objects:
        parts.append(f'<span class="k">Objects</span> {_e(rec.objects)}')
    if rec.faces:
        parts.append(f'<span class="k">Faces</span> {_e(rec.faces)}')
    if rec.texts:
        parts.append(f'<span class="k">Text</span> {_e(rec.texts)}')
    return f'<div class="det">{"<br>".join(parts)}</div>'


def _data_attrs(entry: _Entry) -> str:
    sev = entry.severity or "none"
    rules = " ".join(_rule_key(r) for r in entry.rules)
    return f'data-sev="{sev}" data-rules="{_e(rules)}" data-path="{_e(entry.path.lower())}"'


def _head(entry: _Entry, extra: str = "") -> str:
    kind = "video" if entry.video else "photo"
    return (
        f'<div class="head">{_badge(entry.severity)}'
        f'<span class="score" title="triage score">{entry.score:.2f}</span>'
        f'<span class="kind">{kind}</span>{extra}'
        f'<h3 class="path">{_path_html(entry.path)}</h3></div>'
    )


class _Renderer:
    def __init__(self, out_dir: Path, frames_per_video: int) -> None:
        self.out_dir = out_dir
        self.frames_per_video = frames_per_video
        self._exists: dict[str, bool] = {}
        self._images = 0

    def thumb(self, rec: _Rec, label: str) -> str:
        link = rec.annotated
        if link is not None and link not in self._exists:
            # The link is percent-encoded; the file on disk is the record's own relative path.
            self._exists[link] = (self.out_dir / PurePosixPath(unquote(link))).is_file()
        if link is None or not self._exists[link]:
            return (
                '<div class="thumb none"><span>No annotated copy<br>'
                '<span lang="id">Tidak ada salinan beranotasi</span></span></div>'
            )
        # The first screenful loads at once; the rest only when scrolled to.
        lazy = ' loading="lazy" decoding="async"' if self._images >= _EAGER_IMAGES else ""
        self._images += 1
        return (
            f'<a class="thumb" href="{_e(link)}" target="_blank" rel="noopener">'
            f'<img src="{_e(link)}"{lazy} alt="{_e(label)}"></a>'
        )

    def photo(self, i: int, entry: _Entry) -> str:
        rec = entry.recs[0]
        cls = f"entry sev-{entry.severity or 'none'}" + ("" if rec.flagged else " plain")
        body = _findings_html(rec.findings) or '<p class="muted nofind">No findings.</p>'
        return (
            f'<article class="{cls}" id="e{i}" {_data_attrs(entry)}>'
            f"{self.thumb(rec, 'annotated copy of ' + entry.path)}"
            f'<div class="body">{_head(entry)}<dl class="facts">{_facts(rec, False)}</dl>'
            f"{_detections(rec)}{body}</div></article>\n"
        )

    def video(self, i: int, entry: _Entry) -> str:
        flagged = [r for r in entry.recs if r.flagged]
        others = [r for r in entry.recs if not r.flagged][: self.frames_per_video]
        shown = sorted(flagged + others, key=lambda r: (r.frame_index or 0, r.time_s or 0.0))
        hidden = len(entry.recs) - len(shown)
        first = entry.recs[0]
        extra = (
            f'<span class="frames">{len(entry.recs)} frames sampled, {len(flagged)} flagged</span>'
        )
        frames = []
        for r in shown:
            when = clock(r.time_s if r.time_s is not None else float("nan"))
            label = f"frame {r.frame_index} at {when} of {entry.path}"
            status = (
                f'{_badge(r.severity)} <span class="score">{r.score:.2f}</span>'
                if r.flagged
                else '<span class="muted">· no findings</span>'
            )
            frames.append(
                f'<figure class="frame sev-{r.severity or "none"}">{self.thumb(r, label)}'
                f'<figcaption><span class="ts">{when}</span> '
                f'<span class="muted">frame {r.frame_index}</span> {status}'
                f"{_detections(r)}{_findings_html(r.findings)}</figcaption></figure>"
            )
        more = (
            f'<p class="muted">{hidden} more unflagged frame{"s" if hidden != 1 else ""} '
            "not shown (all frames are in report.jsonl).</p>"
            if hidden
            else ""
        )
        cls = f"entry video sev-{entry.severity or 'none'}"
        return (
            f'<article class="{cls}" id="e{i}" {_data_attrs(entry)}>'
            f'<div class="body">{_head(entry, extra)}<dl class="facts">{_facts(first, True)}</dl>'
            f'<div class="frames-grid">{"".join(frames)}</div>{more}</div></article>\n'
        )

    def row(self, i: int, entry: _Entry) -> str:
        rec = next((r for r in entry.recs if r.flagged and r.annotated), entry.recs[0])
        path = _path_html(entry.path)
        if rec.annotated is not None:
            path = f'<a href="{_e(rec.annotated)}" target="_blank" rel="noopener">{path}</a>'
        sha = _e((entry.recs[0].sha256 or "")[:12])
        kind = f"video ({len(entry.recs)} frames)" if entry.video else "photo"
        return (
            f'<tr id="e{i}" {_data_attrs(entry)}><td>{i + 1}</td><td>{_badge(entry.severity)}</td>'
            f'<td class="num">{entry.score:.2f}</td><td class="p">{path}</td><td>{kind}</td>'
            f"<td>{_e(', '.join(entry.rules))}</td>"
            f'<td><code title="{_e(entry.recs[0].sha256 or "")}">{sha}</code></td></tr>\n'
        )


# -- the page ------------------------------------------------------------------------------------


_CSS = """
:root{--high:#c62828;--medium:#e37400;--low:#c9a100;--none:#8a94a6;--ink:#1d2433;--muted:#5f6b7f;
--line:#dfe3ea;--bg:#f4f6f9;--card:#fff;--accent:#1f4e8c}
*{box-sizing:border-box}
html{font-size:15px}
body{margin:0;background:var(--bg);color:var(--ink);line-height:1.45;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans","DejaVu Sans",
Arial,sans-serif}
code,.sha{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"Liberation Mono",
"DejaVu Sans Mono",monospace;font-size:.86em}
a{color:var(--accent)}
.wrap{max-width:1320px;margin:0 auto;padding:0 20px}
header.top{background:#14213d;color:#fff;padding:18px 0 16px}
header.top h1{margin:0;font-size:1.55rem;font-weight:650;letter-spacing:.2px}
header.top .meta{color:#c8d1e0;font-size:.9rem;margin-top:4px}
header.top .meta b{color:#fff;font-weight:600}
.notice{margin:16px 0 0;background:#fff4e5;color:#4a2c00;border:1px solid #f5c27a;
border-left:6px solid var(--medium);border-radius:6px;padding:10px 14px;font-size:1rem}
.notice p{margin:0}.notice p+p{margin-top:2px}
.notice strong{font-weight:650}
.totals{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0 4px;align-items:flex-start}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px;
min-width:150px}
.tile .n{font-size:1.5rem;font-weight:650;line-height:1.2}
.tile .l{color:var(--muted);font-size:.82rem;text-transform:uppercase;letter-spacing:.4px}
.tile .sub{font-size:.85rem;color:var(--muted)}
.tile.rules{flex:1 1 320px}
.rules table{border-collapse:collapse;width:100%;font-size:.88rem}
.rules td{padding:2px 8px 2px 0;border-bottom:1px solid #eef0f4}
.rules td.num{text-align:right;width:4em}
.sevcount{display:flex;gap:6px;margin-top:4px;flex-wrap:wrap}
.badge{display:inline-block;border-radius:4px;padding:1px 7px;font-size:.74rem;font-weight:700;
letter-spacing:.5px;text-transform:uppercase;vertical-align:middle;white-space:nowrap;color:#fff}
.badge.sev-high{background:var(--high)}.badge.sev-medium{background:var(--medium)}
.badge.sev-low{background:var(--low);color:#2b2100}.badge.sev-none{background:#e6e9ef;color:#4a5568}
.filters{position:sticky;top:0;z-index:5;background:rgba(244,246,249,.96);
border-bottom:1px solid var(--line);padding:8px 0;backdrop-filter:blur(4px)}
.filters .wrap{display:flex;flex-wrap:wrap;gap:6px 18px;align-items:center;font-size:.9rem}
.filters label{white-space:nowrap;cursor:pointer}
.filters select,.filters input[type=search]{font:inherit;padding:3px 6px;border:1px solid #c5ccd8;
border-radius:5px;background:#fff}
.filters .count{margin-left:auto;color:var(--muted)}
body:not([data-ready]) .js-only{display:none}
.is-hidden{display:none!important}
h2{font-size:1.15rem;margin:22px 0 10px;font-weight:650}
h2 .id{color:var(--muted);font-weight:400;font-size:.9rem;margin-left:6px}
.hint{color:var(--muted);font-size:.88rem;margin:-4px 0 12px}
.entry{display:flex;gap:16px;background:var(--card);border:1px solid var(--line);
border-left:5px solid var(--none);border-radius:8px;padding:12px;margin:0 0 12px}
.entry.sev-high{border-left-color:var(--high)}.entry.sev-medium{border-left-color:var(--medium)}
.entry.sev-low{border-left-color:var(--low)}
.thumb{flex:0 0 360px;height:270px;background:#10141c;border-radius:6px;overflow:hidden;
display:flex;align-items:center;justify-content:center}
.thumb img{width:100%;height:100%;object-fit:contain;display:block}
.thumb.none{
background:repeating-linear-gradient(45deg,#eef0f4,#eef0f4 8px,#e5e8ee 8px,#e5e8ee 16px);
color:var(--muted);font-size:.85rem;text-align:center;border:1px dashed #c5ccd8}
.thumb.broken img{display:none}.thumb.broken::after{content:"annotated copy missing";color:#c8d1e0;
font-size:.85rem}
.entry.plain .thumb{flex-basis:160px;height:120px}
.entry.plain{padding:8px 12px}
.body{flex:1;min-width:0}
.head{display:flex;flex-wrap:wrap;align-items:center;gap:8px}
.head .path{flex-basis:100%;margin:2px 0 0;font-size:1rem;font-weight:600;overflow-wrap:anywhere}
.score{font-variant-numeric:tabular-nums;font-weight:650;font-size:.95rem}
.score::before{content:"score ";font-weight:400;color:var(--muted);font-size:.8rem}
.kind,.frames{color:var(--muted);font-size:.82rem}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:1px 12px;margin:6px 0;
font-size:.86rem}
.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
.det{font-size:.86rem;margin:4px 0 2px}
.k{color:var(--muted);font-size:.78rem;text-transform:uppercase;letter-spacing:.4px;margin-right:4px}
.findings{list-style:none;margin:8px 0 0;padding:0}
.finding{border-top:1px solid #eef0f4;padding:7px 0 5px}
.finding .rule{font-weight:600;margin-left:4px}
.fscore{color:var(--muted);font-size:.85rem;margin-left:6px}
.msg{margin-top:2px}
.msg[lang=id]{color:#3d4a60;font-style:italic}
.ev,.refs{font-size:.85rem;margin-top:2px;overflow-wrap:anywhere}
.muted{color:var(--muted)}.nofind{margin:6px 0 0;font-size:.88rem}
.frames-grid{display:grid;align-items:start;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px;
margin-top:8px}
.frame{margin:0;border:1px solid var(--line);border-top:4px solid var(--none);border-radius:6px;
padding:6px;background:#fafbfc}
.frame.sev-high{border-top-color:var(--high)}.frame.sev-medium{border-top-color:var(--medium)}
.frame.sev-low{border-top-color:var(--low)}
.frame .thumb{height:160px;flex:none}
.frame figcaption{font-size:.86rem;margin-top:6px}
.ts{font-weight:700;font-variant-numeric:tabular-nums;font-size:.95rem}
table.list{border-collapse:collapse;width:100%;background:var(--card);font-size:.86rem;
border:1px solid var(--line)}
table.list th,table.list td{padding:4px 8px;border-bottom:1px solid #eef0f4;text-align:left;
vertical-align:top}
table.list th{background:#eef1f6;font-weight:600}
table.list td.p{overflow-wrap:anywhere}
table.list td.num{font-variant-numeric:tabular-nums}
footer.wrap{color:var(--muted);font-size:.82rem;padding-top:18px;padding-bottom:30px}
@media (max-width:800px){.entry{flex-direction:column}.thumb{flex-basis:auto;width:100%}}
@media print{.filters{display:none}.entry{break-inside:avoid}body{background:#fff}}
"""

_JS = """
(function(){
  var form=document.getElementById('filters');
  var items=Array.prototype.slice.call(document.querySelectorAll('main [data-sev]'));
  var count=document.getElementById('shown'), nomatch=document.getElementById('nomatch');
  items.forEach(function(el){el._rules=' '+el.getAttribute('data-rules')+' ';});
  function apply(){
    var sev={};
    Array.prototype.forEach.call(form.querySelectorAll('input[name=sev]'),
      function(c){sev[c.value]=c.checked;});
    var rule=form.elements.rule.value, q=form.elements.q.value.trim().toLowerCase(), n=0;
    items.forEach(function(el){
      var ok=sev[el.getAttribute('data-sev')]&&(!rule||el._rules.indexOf(' '+rule+' ')>=0)&&
        (!q||el.getAttribute('data-path').indexOf(q)>=0);
      el.classList.toggle('is-hidden',!ok); if(ok){n++;}
    });
    count.textContent=n+' of '+items.length+' shown';
    nomatch.hidden=n>0||!items.length;
  }
  function broken(img){var a=img.closest('.thumb'); if(a){a.classList.add('broken');}}
  document.addEventListener('error',function(ev){
    if(ev.target&&ev.target.tagName==='IMG'){broken(ev.target);}},true);
  Array.prototype.forEach.call(document.images,function(img){
    if(img.complete&&img.naturalWidth===0&&img.getAttribute('loading')!=='lazy'){broken(img);}});
  form.addEventListener('change',apply);
  form.addEventListener('input',apply);
  form.addEventListener('submit',function(ev){ev.preventDefault();});
  // A link such as report.html#f:sev=high,medium;rule=single-sign opens with those filters set.
  var h=''; try{h=decodeURIComponent(location.hash||'');}catch(e){}
  if(h.indexOf('#f:')===0){h.slice(3).split(';').forEach(function(kv){
    var i=kv.indexOf('='), k=kv.slice(0,i), v=kv.slice(i+1);
    if(k==='sev'){var want=v.split(',');
      Array.prototype.forEach.call(form.querySelectorAll('input[name=sev]'),
        function(c){c.checked=want.indexOf(c.value)>=0;});}
    else if(k==='rule'){form.elements.rule.value=v;}
    else if(k==='q'){form.elements.q.value=v;}
  });}
  apply();
  document.body.setAttribute('data-ready','1');
})();
"""


def _header(
    title: str,
    generated_at: str,
    profile: Optional[dict[str, Any]],
    col: _Collected,
    max_entries: int,
) -> str:
    meta = [f"Generated <b>{_e(generated_at)}</b>"]
    if profile:
        name = profile.get("name") or profile.get("id")
        if name:
            pid = profile.get("id")
            ident = f" <span>({_e(pid)})</span>" if pid and pid != name else ""
            meta.append(f"Election profile <b>{_e(name)}</b>{ident}")
        if profile.get("election_day"):
            meta.append(f"Election day <b>{_e(profile['election_day'])}</b>")
    sev_entries: Counter[str] = Counter(e.severity for e in col.entries if e.severity)
    rule_entries: Counter[str] = Counter(r for e in col.entries for r in e.rules)
    rule_findings: Counter[str] = Counter(
        f.rule for e in col.entries for r in e.recs for f in r.findings
    )
    flagged = sum(sev_entries.values())
    inputs = col.photos + col.videos
    videos = (
        f"{col.videos} video{'s' if col.videos != 1 else ''} ({col.frames} frames)"
        if col.videos
        else "no videos"
    )
    sev_chips = "".join(f"{_badge(s, f'{_SEV_LABEL[s]} {sev_entries[s]}')}" for s in SEVERITIES)
    if rule_entries:
        rows = "".join(
            f'<tr><td><code>{_e(rule)}</code></td><td class="num">{n}</td>'
            f'<td class="num muted">{rule_findings[rule]}</td></tr>'
            for rule, n in sorted(rule_entries.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        rules = (
            '<table><tr><td class="muted">rule</td><td class="num muted">inputs</td>'
            f'<td class="num muted">findings</td></tr>{rows}</table>'
        )
    else:
        rules = '<div class="sub">No rule matched.</div>'
    notice = (
        '<div class="notice" role="note">'
        f'<p lang="id"><strong>{_e(NOTICE_ID)}</strong></p><p lang="en">{_e(NOTICE_EN)}</p></div>'
    )
    totals = (
        '<div class="totals">'
        f'<div class="tile"><div class="l">Inputs</div><div class="n">{inputs}</div>'
        f'<div class="sub">{col.photos} photo{"s" if col.photos != 1 else ""}, {videos}</div></div>'
        f'<div class="tile"><div class="l">Flagged</div><div class="n">{flagged}</div>'
        f'<div class="sevcount">{sev_chips}</div></div>'
        f'<div class="tile"><div class="l">Not flagged</div>'
        f'<div class="n">{len(col.entries) - flagged}</div></div>'
        f'<div class="tile"><div class="l">Unreadable</div><div class="n">{len(col.errors)}</div>'
        f'<div class="sub"><a href="#errors">listed at the end</a></div></div>'
        f'<div class="tile rules"><div class="l">Flagged by rule</div>{rules}</div></div>'
    )
    return (
        '<header class="top"><div class="wrap">'
        f'<h1>{_e(title)}</h1><div class="meta">{" · ".join(meta)}</div>{notice}</div></header>'
        f'<div class="wrap">{totals}</div>'
    )


def _filters(rules: list[str]) -> str:
    sev = "".join(
        f'<label><input type="checkbox" name="sev" value="{s}" checked> {_badge(s)}</label>'
        for s in (*SEVERITIES, "none")
    )
    options = "".join(f'<option value="{_e(_rule_key(r))}">{_e(r)}</option>' for r in rules)
    return (
        '<form id="filters" class="filters js-only" autocomplete="off"><div class="wrap">'
        f'<span class="k">Severity</span>{sev}'
        '<label><span class="k">Rule</span> <select name="rule">'
        f'<option value="">all rules</option>{options}</select></label>'
        '<label><span class="k">Path</span> <input type="search" name="q" '
        'placeholder="filter by path"></label>'
        '<span class="count" id="shown"></span></div></form>'
    )


def _sections(col: _Collected, renderer: _Renderer, max_entries: int) -> Iterator[str]:
    detailed = col.entries[:max_entries]
    rest = col.entries[max_entries:]
    yield (
        '<section id="entries"><h2>Inputs by triage score<span class="id" lang="id">'
        "Berkas menurut skor triase</span></h2>"
        '<p class="hint">Highest score first. Hand numbers (#0, #1, …) match the labels on the '
        "annotated images; click an image to open it full size.</p>"
    )
    yield '<p id="nomatch" class="muted" hidden>No input matches the filters.</p>'
    if not col.entries:
        yield '<p class="muted">No readable inputs.</p>'
    for i, entry in enumerate(detailed):
        yield renderer.video(i, entry) if entry.video else renderer.photo(i, entry)
    yield "</section>"
    if rest:
        yield (
            f'<section id="more"><h2>{len(rest)} more inputs<span class="id" lang="id">'
            "Berkas lainnya</span></h2>"
            f'<p class="hint">Only the first {max_entries} inputs are shown in detail, to keep '
            "this page quick to open; every record is in report.jsonl and report.csv.</p>"
            '<table class="list"><thead><tr><th>#</th><th>Severity</th><th>Score</th><th>Path</th>'
            "<th>Kind</th><th>Rules</th><th>SHA-256</th></tr></thead><tbody>"
        )
        for i, entry in enumerate(rest, start=len(detailed)):
            yield renderer.row(i, entry)
        yield "</tbody></table></section>"


def _errors(errors: list[_Error]) -> Iterator[str]:
    yield (
        '<section id="errors"><h2>Unreadable inputs<span class="id" lang="id">'
        "Berkas yang tidak dapat dibaca</span></h2>"
    )
    if not errors:
        yield '<p class="muted">None: every input could be read.</p></section>'
        return
    frames = any(err.frame for err in errors)
    frame_th = "<th>Frame</th>" if frames else ""
    yield (
        f'<table class="list"><thead><tr><th>Path</th>{frame_th}<th>Reason</th><th>SHA-256</th>'
        "</tr></thead><tbody>"
    )
    for err in sorted(errors, key=lambda x: x.path):
        sha = f'<code class="sha">{_e(err.sha256)}</code>' if err.sha256 else "—"
        frame_td = f"<td>{_e(err.frame)}</td>" if frames else ""
        yield (
            f'<tr class="error"><td class="p">{_path_html(err.path)}</td>{frame_td}'
            f"<td>{_e(err.error)}</td><td>{sha}</td></tr>\n"
        )
    yield "</tbody></table></section>"


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


def write_html(
    records: Iterable[dict[str, Any]],
    out_dir: Path,
    title: str = "gesture-scan report",
    profile: Optional[dict[str, Any]] = None,
    generated_at: Optional[str] = None,
    *,
    max_entries: int = 2000,
    frames_per_video: int = 3,
) -> Path:
    """Write ``out_dir/report.html`` from JSON-lines records and return its path.

    ``records`` is read once, so a generator over a huge ``report.jsonl`` is fine. The first
    ``max_entries`` inputs in triage order get a card with image and findings, the rest a table
    row; a video shows its flagged frames and its first ``frames_per_video`` others. The page is
    written to a temporary name and renamed, so a crash never leaves half a page behind.
    """
    if max_entries < 0:
        raise ConfigError("max_entries", f"must be >= 0, got {max_entries}")
    if frames_per_video < 0:
        raise ConfigError("frames_per_video", f"must be >= 0, got {frames_per_video}")
    out_dir = Path(out_dir)
    col = _collect(records)
    when = generated_at or datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    rules = sorted({r for e in col.entries for r in e.rules})
    renderer = _Renderer(out_dir, frames_per_video)

    def chunks() -> Iterator[str]:
        yield (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
            '<meta name="referrer" content="no-referrer">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n"
        )
        yield _header(title, when, profile, col, max_entries)
        yield _filters(rules)
        yield '<main class="wrap">'
        yield from _sections(col, renderer, max_entries)
        yield from _errors(col.errors)
        yield "</main>"
        yield (
            '<footer class="wrap">Written by gesture-scan from report.jsonl, which holds every '
            "record in full (hands with landmarks, faces, objects, findings with details). "
            f"{_e(NOTICE_EN)}</footer>"
        )
        yield f"<script>{_JS}</script></body></html>\n"

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "report.html"
    tmp = out_dir / "report.html.tmp"
    # backslashreplace: a path with undecodable bytes (a lone surrogate) is shown, not fatal.
    with open(tmp, "w", encoding="utf-8", errors="backslashreplace") as fh:
        _write_all(fh, chunks())
    os.replace(tmp, target)
    return target
