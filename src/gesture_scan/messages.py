"""The command line's own messages, in Indonesian (the default) and English (``--lang en``).

Only ``cli/`` prints them. Errors raised deeper in the library keep their English text (they
name options, fields and files, which read the same in both languages); the CLI's prefix and hints
around them follow the chosen language.
"""

from __future__ import annotations

import os
from typing import Any

LANG_ENV = "GESTURE_SCAN_LANG"

MESSAGES: dict[str, tuple[str, str]] = {
    "error": ("galat", "error"),
    "model_error": ("galat model", "model error"),
    "warning": ("peringatan", "warning"),
    "resuming": (
        "melanjutkan: {kept} berkas sudah ada di laporan, {todo} akan dipindai",
        "resuming: {kept} input(s) already in the report, {todo} to scan",
    ),
    "empty_folder": (
        "tidak ada foto atau video di folder {where}",
        "no photos or videos in folder {where}",
    ),
    "no_images": (
        "tidak ada gambar di {where} (dicari foto .jpg .jpeg .png .webp .bmp .tif .tiff .heic "
        ".heif dan video .mp4 .mov .m4v .avi .mkv .webm .3gp; {skipped} berkas lain dilewati)",
        "no images found in {where} (looked for photos .jpg .jpeg .png .webp .bmp .tif .tiff "
        ".heic .heif and videos .mp4 .mov .m4v .avi .mkv .webm .3gp; {skipped} other files "
        "skipped)",
    ),
    "missing": ("{where}: berkas atau folder tidak ada", "{where}: no such file or folder"),
    "skipping": (
        "melewati {n} berkas lain; lihat {where}",
        "skipping {n} other file(s); see {where}",
    ),
    "profile": ("profil: {id} ({name})", "profile: {id} ({name})"),
    "nothing_read": (
        "tidak ada yang dapat dibaca; lihat galat di laporan",
        "nothing could be read; see the errors in the report",
    ),
    "gallery": (
        "galeri: {path}: {n} calon ({people}); ambang jarak {threshold:.2f}",
        "gallery: {path}: {n} candidate(s) ({people}); distance threshold {threshold:.2f}",
    ),
    "gallery_photo": ("foto galeri {where}: {reason}", "gallery photo {where}: {reason}"),
    "summary": ("ringkasan gesture-scan", "gesture-scan summary"),
    "interrupted": ("(dihentikan)", "(interrupted)"),
    "photos_scanned": ("foto dipindai", "photos scanned"),
    "frames_scanned": ("bingkai video dipindai ({n} video)", "video frames scanned ({n} videos)"),
    "errors": ("galat (berkas tak terbaca)", "errors (unreadable inputs)"),
    "skipped": ("berkas bukan gambar dilewati", "non-image files skipped"),
    "with_hands": ("foto/bingkai dengan tangan", "photos/frames with hands"),
    "hands": ("tangan ditemukan", "hands found"),
    "groups": ("foto bersama (2+ wajah)", "group photos (2+ faces)"),
    "people": ("orang (wajah, badan tanpa wajah)", "people (faces, bodies without a face)"),
    "objects": ("objek kampanye", "campaign objects"),
    "flagged": ("ditandai untuk ditinjau", "flagged for review"),
    "gesture_row": ("  gestur {name}", "  gesture {name}"),
    "findings_row": ("  temuan {sev}", "  findings {sev}"),
    "rule_row": ("  aturan {rule}", "  rule {rule}"),
    "time": ("waktu", "time"),
    "rate": ("{s:.1f} dtk ({rate:.2f} foto/dtk)", "{s:.1f} s ({rate:.2f} photos/s)"),
    "look_first": ("temuan: {counts}. Periksa lebih dulu:", "findings: {counts}. Look first at:"),
    "unreadable": (
        "{n} berkas tidak dapat dibaca: lihat galat di laporan",
        "{n} input(s) could not be read: see the errors in the report",
    ),
    "report_at": (
        "laporan: {where}/report.html (buka di peramban), {where}/report.jsonl, {where}/report.csv",
        "report: {where}/report.html (open in a browser), {where}/report.jsonl, {where}/report.csv",
    ),
    "rendered": ("ditulis ulang di {where}: {files}", "rewritten in {where}: {files}"),
    "decisions": ("{n} keputusan dari review.jsonl", "{n} decision(s) from review.jsonl"),
    "not_made": ("tidak dibuat: {what}", "not made: {what}"),
    "review_at": (
        "server tinjauan: {url} (Ctrl-C untuk berhenti); keputusan disimpan di {where}",
        "review server: {url} (Ctrl-C to stop); decisions are saved in {where}",
    ),
}

SEVERITY_WORDS = {
    "id": {"high": "tinggi", "medium": "sedang", "low": "rendah"},
    "en": {"high": "high", "medium": "medium", "low": "low"},
}


def default_lang() -> str:
    """``$GESTURE_SCAN_LANG`` where it names a language, else Indonesian."""
    lang = os.environ.get(LANG_ENV, "")
    return lang if lang in ("id", "en") else "id"


def msg(lang: str, key: str, **fields: Any) -> str:
    text = MESSAGES[key][0 if lang == "id" else 1]
    return text.format(**fields) if fields else text
