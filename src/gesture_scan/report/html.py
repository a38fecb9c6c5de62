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
  already formatted, ``views``) is kept until the sort order is known. Past ``max_entries`` inputs
  only the table row is written.

Here: ``PageOptions`` (one frozen set of choices for both pages), the thumbnails and decisions
beside each input, the templates' context, and writing the pages.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any, Optional

from ..errors import ConfigError
from ..results import SEVERITY_ORDER
from .i18n import DEFAULT_LANG, TEXT, Words, check_lang
from .palette import legend
from .views import Collected, clock, collect, rule_key, rule_title, visible

SEVERITIES = tuple(sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.__getitem__, reverse=True))

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
class PageOptions:
    """What the pages say and how much they show, passed as one value from ``write_html`` (or the
    review server) to ``build_page`` and ``_prepare``. ``decisions`` are
    ``review.decisions.load_decisions``'s; ``review_token`` is set only when ``gesture-scan
    review`` serves the page (it may then post decisions); ``thumbnails`` off writes none."""

    title: Optional[str] = None
    profile: Optional[dict[str, Any]] = None
    generated_at: Optional[str] = None
    lang: str = DEFAULT_LANG
    max_entries: int = 2000
    frames_per_video: int = 3
    decisions: Optional[dict[str, Any]] = None
    thumbnails: bool = True
    review_token: Optional[str] = None

    def __post_init__(self) -> None:
        if self.max_entries < 0:
            raise ConfigError("max_entries", f"must be >= 0, got {self.max_entries}")
        if self.frames_per_video < 0:
            raise ConfigError("frames_per_video", f"must be >= 0, got {self.frames_per_video}")
        check_lang(self.lang)


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


def _prepare(col: Collected, out_dir: Path, options: PageOptions) -> list[str]:
    """Thumbnails, each video's frames on its card, and decisions; returns the files written."""
    from .thumbs import make_thumbnail
    from .writer import safe_name

    max_entries, frames_per_video = options.max_entries, options.frames_per_video
    decisions, thumbnails = options.decisions or {}, options.thumbnails
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
    records: Iterable[dict[str, Any]], out_dir: Path, options: PageOptions
) -> tuple[Page, list[str]]:
    """The pages' context and the thumbnails written for it (``records`` is read once)."""
    w = Words(options.lang)
    out_dir = Path(out_dir)
    col = collect(records, out_dir, options.lang)
    written = _prepare(col, out_dir, options)
    when = options.generated_at or datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    jsonl = out_dir / "report.jsonl"
    review_token = options.review_token
    context = {
        "t": w,
        "lang": w.lang,
        "title": options.title or w.title,
        "generated_at": when,
        "profile": options.profile or {},
        "col": col,
        "counts": _counts(col),
        "rules": sorted({r for e in col.entries for r in e.rules}),
        "rule_titles": {r: rule_title(r, w.lang) for e in col.entries for r in e.rules},
        "max_entries": options.max_entries,
        "detailed": col.entries[: options.max_entries],
        "rest": len(col.entries) - min(len(col.entries), options.max_entries),
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
    options: Optional[PageOptions] = None,
    *,
    casefile: bool = True,
    **fields: Any,
) -> Path:
    """Write ``out_dir/report.html`` (and ``casefile.html``) from JSON-lines records; return the
    report's path. ``fields`` are ``PageOptions``'s, for a one-off call
    (``write_html(records, out, lang="en")``), and override those of ``options``.

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
    options = replace(options or PageOptions(), **fields)
    page, written = build_page(records, out_dir, options)
    target = _write(out_dir, "report.html", render(page, "report.html.j2"))
    names = ["report.html", *written]
    if casefile:
        _write(out_dir, "casefile.html", render(page, "casefile.html.j2"))
        names.append("casefile.html")
    register_outputs(out_dir, names)
    return target
