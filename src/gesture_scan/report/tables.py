"""``report.csv`` (and ``report.xlsx``): one row per photo or video frame, for Excel and scripts.

The CSV dialect, and why:

- **UTF-8 with a byte-order mark.** Excel opens a CSV without a BOM in the machine's legacy code
  page (Windows-1252 on an Indonesian Windows), which mangles names and the Indonesian messages;
  with the BOM it reads UTF-8. Python reads it back with ``encoding="utf-8-sig"``.
- **``;`` between fields.** Excel splits a CSV at the *list separator* of the machine's region
  settings, and Indonesian Windows (id-ID: decimal comma, so the list separator is ``;``) puts a
  comma-separated file's every row into one column. ``;`` splits correctly there and in most of
  Europe; in an en-US Excel it does not, which is what ``report.xlsx`` is for (no separator to
  guess, numbers typed as numbers). A ``sep=;`` first line would fix en-US too but makes Excel
  ignore the BOM, so it is not used. Numbers keep a decimal *point* (``0.87``): the file is also
  read by scripts, and an id-ID Excel shows such a score as text, which still sorts correctly
  because every score has the same width.
- Lists inside a field (a photo's gestures) are joined with ``", "``, never the separator.

The columns are stable ids (``CSV_COLUMNS``), the same in both languages, so scripts keep working
when the report language changes; ``report.xlsx`` has headings in the report's language.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, Optional

from ..results import SEVERITY_ORDER

CSV_COLUMNS = [
    "path",
    "sha256",
    "frame_index",
    "time_s",
    "width",
    "height",
    "error",
    "people",
    "faces",
    "bodies",
    "group",
    "hands",
    "fingers",
    "gestures",
    "directions",
    "best_hand_score",
    "objects",
    "flagged",
    "severity",
    "score",
    "rules",
    "candidates",
    "sign",
    "captured",
    "messages_id",
    "messages_en",
    "decision",
    "annotated",
    "path_bytes",
]
DELIMITER = ";"
#: Encoding of a new file (the BOM); appending to an existing one uses plain "utf-8".
ENCODING = "utf-8-sig"


def csv_writer(fh: IO[str]) -> csv.DictWriter[str]:
    return csv.DictWriter(fh, CSV_COLUMNS, delimiter=DELIMITER)


def open_csv(path: Path, append: bool = False) -> IO[str]:
    return open(
        path,
        "a" if append else "w",
        encoding="utf-8" if append else ENCODING,
        errors="backslashreplace",
        newline="",
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a ``report.csv`` as written here (tests, scripts)."""
    with open(path, encoding=ENCODING, newline="") as fh:
        return list(csv.DictReader(fh, delimiter=DELIMITER))


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def candidates(findings: list[dict[str, Any]], faces: Iterable[Any] = ()) -> tuple[str, ...]:
    """Who the findings name: the candidate pair (with its ballot number), else bare numbers;
    a bare "02" is left out beside "02 (Prabowo ...)"."""
    out: list[str] = []
    for f in findings:
        d = as_dict(f.get("details"))
        named = d.get("candidate") or d.get("named")
        if isinstance(named, str) and named:
            out.append(named)
        elif isinstance(d.get("number"), int):
            out.append(f"{d['number']:02d}")
        else:
            numbers = d.get("numbers")
            if isinstance(numbers, list):
                out += [f"{n:02d}" for n in numbers if isinstance(n, int)]
    for face in faces:
        if isinstance(face, dict) and face.get("candidate"):
            num = face.get("number")
            out.append(f"{num:02d}" if isinstance(num, int) else str(face["candidate"]))
    full = [c for c in out if len(c) > 2]
    return tuple(dict.fromkeys(c for c in out if len(c) > 2 or not any(x[:2] == c for x in full)))


def _bodies(r: dict[str, Any]) -> Any:
    """Person boxes counted where the person detector ran (it left boxes, or its time is in
    ``meta.stage_seconds``), else "" (the same test as the report page's head count)."""
    bodies = r.get("bodies") or []
    spent = as_dict(as_dict(r.get("meta")).get("stage_seconds"))
    return len(bodies) if bodies or "bodies" in spent else ""


def csv_row(r: dict[str, Any], decision: str = "") -> dict[str, Any]:
    """One record as a row (no landmarks, no faces: those stay in ``report.jsonl``)."""
    hands = r.get("hands") or []
    findings = [f for f in r.get("findings") or [] if isinstance(f, dict)]
    frame = as_dict(r.get("frame"))
    severity = max(
        (str(f.get("severity")) for f in findings),
        key=lambda s: SEVERITY_ORDER.get(s, 0),
        default="",
    )
    exif = as_dict(as_dict(r.get("meta")).get("exif"))
    return {
        "path": r.get("path"),
        "sha256": r.get("sha256"),
        "frame_index": frame["index"] if frame else "",
        "time_s": frame["time_s"] if frame else "",
        "width": r.get("width"),
        "height": r.get("height"),
        "error": r.get("error") or "",
        "people": r.get("people"),
        # What ``people`` rests on: faces always; bodies only where the person detector ran
        # (empty otherwise, not 0, so "no detector" is not read as "nobody").
        "faces": len(r.get("faces") or []) if "faces" in r else "",
        "bodies": _bodies(r),
        "group": int(bool(r.get("group"))),
        "hands": len(hands),
        "fingers": ", ".join(str(h.get("fingers")) for h in hands),
        "gestures": ", ".join(str(h.get("gesture")) for h in hands),
        "directions": ", ".join(str(h.get("direction")) for h in hands),
        "best_hand_score": max((h.get("score", 0) for h in hands), default=""),
        "objects": len(r.get("objects") or []),
        "flagged": int(bool(r.get("flagged"))),
        "severity": severity or "",
        "score": r.get("triage_score", ""),
        "rules": ", ".join(sorted({str(f.get("rule")) for f in findings})),
        "candidates": ", ".join(candidates(findings)),
        # The photo's sign (``PhotoSign``): "02", or a party's name; "" where none.
        "sign": str(as_dict(r.get("sign")).get("label") or ""),
        "captured": exif.get("datetime") or "",
        "messages_id": " | ".join(str(f.get("message_id") or "") for f in findings),
        "messages_en": " | ".join(str(f.get("message") or "") for f in findings),
        "decision": decision,
        "annotated": r.get("annotated", ""),
        "path_bytes": r.get("path_bytes", ""),
    }


def _decision_of(record: dict[str, Any], decisions: dict[str, Any]) -> str:
    """The latest decision on the record or any of its findings."""
    if not decisions:
        return ""
    from ..review.decisions import finding_id

    index = as_dict(record.get("frame")).get("index")
    sha = record.get("sha256")
    ids = [finding_id(sha, index, None)]
    ids += [finding_id(sha, index, i) for i in range(len(record.get("findings") or []))]
    found = [decisions[i] for i in ids if i in decisions]
    return max(found, key=lambda d: d.time).decision if found else ""


def write_csv(
    records: Iterable[dict[str, Any]], out_dir: Path, decisions: Optional[dict[str, Any]] = None
) -> Path:
    """Rewrite ``report.csv`` from the records (``gesture-scan report``), with decisions."""
    target = Path(out_dir) / "report.csv"
    tmp = target.with_suffix(".csv.tmp")
    with open_csv(tmp) as fh:
        w = csv_writer(fh)
        w.writeheader()
        for r in records:
            w.writerow(csv_row(r, _decision_of(r, decisions or {})))
    os.replace(tmp, target)
    return target


#: Columns of the spreadsheet: (CSV column, Indonesian heading, English heading, width).
XLSX_COLUMNS = (
    ("severity", "Tingkat", "Severity", 10),
    ("score", "Skor", "Score", 7),
    ("path", "Berkas", "Path", 44),
    ("rules", "Aturan", "Rules", 26),
    ("candidates", "Calon / nomor", "Candidate / number", 28),
    ("sign", "Simbol foto", "Photo's sign", 10),
    ("people", "Orang", "People", 7),
    ("faces", "Wajah", "Faces", 7),
    ("bodies", "Badan", "Bodies", 7),
    ("captured", "Waktu pengambilan", "Captured", 19),
    ("decision", "Keputusan", "Decision", 13),
    ("messages_id", "Pesan", "Message (Indonesian)", 60),
    ("messages_en", "Pesan (Inggris)", "Message", 60),
    ("gestures", "Gestur", "Gestures", 18),
    ("hands", "Tangan", "Hands", 7),
    ("objects", "Objek", "Objects", 7),
    ("frame_index", "Bingkai", "Frame", 8),
    ("time_s", "Detik", "Time (s)", 8),
    ("error", "Galat", "Error", 30),
    ("sha256", "SHA-256", "SHA-256", 66),
    ("annotated", "Salinan beranotasi", "Annotated copy", 30),
)


def write_xlsx(
    records: Iterable[dict[str, Any]],
    out_dir: Path,
    lang: str = "id",
    decisions: Optional[dict[str, Any]] = None,
) -> Optional[Path]:
    """``report.xlsx``: the same rows with typed numbers, headings in the report's language, a
    filter on every column and the header frozen; None where openpyxl is not installed."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError:
        return None
    from ..review.decisions import DECISION_VALUES
    from .i18n import DECISIONS, SEVERITY

    wb = Workbook()
    ws = wb.active
    ws.title = "Laporan" if lang == "id" else "Report"
    heads = [c[1] if lang == "id" else c[2] for c in XLSX_COLUMNS]
    ws.append(heads)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    n = 0
    for r in records:
        row = csv_row(r, _decision_of(r, decisions or {}))
        if row["severity"]:
            row["severity"] = SEVERITY[lang][row["severity"]]
        if row["decision"] in DECISION_VALUES:
            row["decision"] = DECISIONS[lang][row["decision"]]
        values = []
        for key, *_ in XLSX_COLUMNS:
            v = row[key]
            values.append(None if v == "" else v)
        ws.append(values)
        n += 1
    for i, (*_, width) in enumerate(XLSX_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(XLSX_COLUMNS))}{n + 1}"
    target = Path(out_dir) / "report.xlsx"
    tmp = Path(out_dir) / "report.xlsx.tmp"
    wb.save(tmp)
    os.replace(tmp, target)
    return target
