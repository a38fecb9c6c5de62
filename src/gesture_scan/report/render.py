"""Rebuild a report folder's pages and tables from ``report.jsonl`` and ``review.jsonl``.

The scan calls it once at the end; ``gesture-scan report DIR`` calls it again (another
language, new decisions, a PDF) without rescanning: everything the pages show is in the records,
and the case's title and profile are kept in ``report-meta.json`` beside them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..errors import UsageError
from .i18n import DEFAULT_LANG, check_lang

META = "report-meta.json"


@dataclass(frozen=True)
class Rendered:
    """What a render wrote, relative to the report folder."""

    out_dir: Path
    lang: str = DEFAULT_LANG
    files: tuple[str, ...] = ()
    decisions: int = 0
    skipped: tuple[str, ...] = field(default=())  # optional outputs that could not be made


def write_meta(out_dir: Path, title: str, profile: Optional[dict[str, Any]], lang: str) -> None:
    from .writer import register_outputs

    data = {"title": title, "profile": profile, "lang": lang}
    tmp = Path(out_dir) / f"{META}.tmp"
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, Path(out_dir) / META)
    register_outputs(out_dir, [META])


def read_meta(out_dir: Path) -> dict[str, Any]:
    path = Path(out_dir) / META
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def render_report(
    out_dir: Path,
    lang: Optional[str] = None,
    *,
    pdf: bool = False,
    tables: bool = True,
    title: Optional[str] = None,
    profile: Optional[dict[str, Any]] = None,
    generated_at: Optional[str] = None,
) -> Rendered:
    """``report.html``, ``casefile.html``, ``report.csv``, ``report.xlsx``, ``review.csv`` (when
    there are decisions) and, with ``pdf``, ``report.pdf``."""
    from ..review.decisions import REVIEW_FILE, load_decisions, write_review_csv
    from .html import PageOptions, write_html
    from .tables import write_csv, write_xlsx
    from .writer import read_jsonl, register_outputs

    out_dir = Path(out_dir)
    jsonl = out_dir / "report.jsonl"
    if not jsonl.is_file():
        raise UsageError(f"{out_dir}: no report.jsonl here (is it a gesture-scan report folder?)")
    meta = read_meta(out_dir)
    lang = check_lang(lang or meta.get("lang") or DEFAULT_LANG)
    title = title or meta.get("title") or None
    profile = profile if profile is not None else meta.get("profile")
    if lang != meta.get("lang") or title != meta.get("title"):
        write_meta(out_dir, title or "", profile, lang)  # the next re-render keeps this language
    decisions = load_decisions(out_dir)
    written = ["report.html", "casefile.html"]
    skipped: list[str] = []
    page = PageOptions(
        title=title, profile=profile, generated_at=generated_at, lang=lang, decisions=decisions
    )
    write_html(read_jsonl(jsonl), out_dir, page)
    if tables:
        write_csv(read_jsonl(jsonl), out_dir, decisions)
        written.append("report.csv")
        if write_xlsx(read_jsonl(jsonl), out_dir, lang, decisions) is not None:
            written.append("report.xlsx")
        else:
            skipped.append("report.xlsx (pip install openpyxl)")
    if (out_dir / REVIEW_FILE).is_file():
        write_review_csv(out_dir)
        written.append("review.csv")
    if pdf:
        from .pdf import print_pdf

        print_pdf(out_dir / "casefile.html", out_dir / "report.pdf")
        written.append("report.pdf")
        # The page links the PDF once it exists.
        write_html(read_jsonl(jsonl), out_dir, page)
    register_outputs(out_dir, written)
    return Rendered(out_dir, lang, tuple(written), len(decisions), tuple(skipped))
