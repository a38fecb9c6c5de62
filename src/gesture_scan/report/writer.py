"""The report folder: ``report.jsonl``, ``report.csv``, ``skipped.csv`` and annotated copies.

Records are written and flushed one at a time, so a report interrupted by Ctrl-C or a crash is
still valid up to the last photo, and memory does not grow with the number of photos.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Optional

from ..errors import UsageError
from ..io.discover import Skipped
from ..results import ImageResult

CSV_COLUMNS = [
    "path",
    "sha256",
    "frame_index",
    "time_s",
    "width",
    "height",
    "error",
    "people",
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
    "annotated",
]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a ``report.jsonl``, one at a time (the HTML page is built from them)."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _safe_name(path: Optional[str], sha256: Optional[str], frame: Optional[int]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(path or "image").stem)[:60] or "image"
    tag = (sha256 or hashlib.sha256((path or "").encode()).hexdigest())[:10]
    suffix = f"_f{frame:06d}" if frame is not None else ""
    return f"{stem}_{tag}{suffix}.jpg"


class ReportWriter:
    """Streams results into ``out_dir`` (created; refused if it is an existing file)."""

    def __init__(
        self,
        out_dir: Path,
        jsonl_stream: Optional[IO[str]] = None,
        annotate: bool = True,
    ) -> None:
        self.out_dir = Path(out_dir)
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise UsageError(f"--out {self.out_dir}: exists and is not a folder")
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            if annotate:
                (self.out_dir / "annotated").mkdir(exist_ok=True)
            # Kept open for the whole scan and closed by close()/__exit__.
            self._jsonl = open(self.out_dir / "report.jsonl", "w", encoding="utf-8")  # noqa: SIM115
            self._csv_file = open(  # noqa: SIM115
                self.out_dir / "report.csv", "w", encoding="utf-8", newline=""
            )
        except OSError as exc:
            raise UsageError(f"--out {self.out_dir}: cannot write there ({exc.strerror})") from exc
        self._csv = csv.DictWriter(self._csv_file, CSV_COLUMNS)
        self._csv.writeheader()
        self._extra = jsonl_stream
        self.annotate = annotate
        self.stats: Counter[str] = Counter()
        self.gestures: Counter[str] = Counter()
        self.rules: Counter[str] = Counter()
        self.severities: Counter[str] = Counter()
        self._last_video: Optional[str] = None

    def __enter__(self) -> ReportWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for fh in (self._jsonl, self._csv_file):
            if not fh.closed:
                fh.close()
        if self._extra is not None and self._extra not in (sys.stdout, sys.stderr):
            self._extra.close()

    def write_skipped(self, skipped: list[Skipped]) -> None:
        with open(self.out_dir / "skipped.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["path", "reason"])
            for s in skipped:
                w.writerow([s.path, s.reason])

    def write(
        self,
        result: ImageResult,
        annotated_jpeg: Optional[bytes] = None,
        frame_jpeg: Optional[bytes] = None,
    ) -> dict[str, Any]:
        """Append one record; save its annotated copy and (``--save-frames``) its plain frame."""
        record = result.to_dict()
        frame = result.frame.index if result.frame else None
        if annotated_jpeg is not None and self.annotate:
            rel = Path("annotated") / _safe_name(result.path, result.sha256, frame)
            (self.out_dir / rel).write_bytes(annotated_jpeg)
            record["annotated"] = rel.as_posix()
        if frame_jpeg is not None:
            rel = Path("frames") / _safe_name(result.path, result.sha256, frame)
            (self.out_dir / "frames").mkdir(exist_ok=True)
            (self.out_dir / rel).write_bytes(frame_jpeg)
            record["frame_image"] = rel.as_posix()
        line = json.dumps(record, ensure_ascii=False)
        self._jsonl.write(line + "\n")
        self._jsonl.flush()
        if self._extra is not None:
            self._extra.write(line + "\n")
            self._extra.flush()
        self._csv.writerow(self._csv_row(record))
        self._csv_file.flush()
        self._count(result)
        return record

    def _count(self, result: ImageResult) -> None:
        self.stats["records"] += 1
        if result.error:
            self.stats["errors"] += 1
            return
        self.stats["scanned"] += 1
        if result.frame is not None:
            self.stats["frames"] += 1
            if result.path != self._last_video:
                self.stats["videos"] += 1
                self._last_video = result.path
        else:
            self.stats["photos"] += 1
        self.stats["hands"] += len(result.hands)
        self.stats["with_hands"] += bool(result.hands)
        self.stats["groups"] += result.group
        self.stats["objects"] += len(result.objects)
        self.stats["flagged"] += result.flagged
        for h in result.hands:
            self.gestures[h.reading.gesture.value] += 1
        for f in result.findings:
            self.rules[f.rule] += 1
            self.severities[f.severity] += 1

    @staticmethod
    def _csv_row(r: dict[str, Any]) -> dict[str, Any]:
        hands = r["hands"]
        findings = r["findings"]
        order = {"high": 3, "medium": 2, "low": 1}
        severity = max((f["severity"] for f in findings), key=lambda s: order.get(s, 0), default="")
        return {
            "path": r["path"],
            "sha256": r["sha256"],
            "frame_index": r["frame"]["index"] if r["frame"] else "",
            "time_s": r["frame"]["time_s"] if r["frame"] else "",
            "width": r["width"],
            "height": r["height"],
            "error": r["error"] or "",
            "people": r["people"],
            "group": int(r["group"]),
            "hands": len(hands),
            "fingers": ";".join(str(h["fingers"]) for h in hands),
            "gestures": ";".join(h["gesture"] for h in hands),
            "directions": ";".join(h["direction"] for h in hands),
            "best_hand_score": max((h["score"] for h in hands), default=""),
            "objects": len(r["objects"]),
            "flagged": int(r["flagged"]),
            "severity": severity,
            "score": r.get("triage_score", ""),
            "rules": ";".join(sorted({f["rule"] for f in findings})),
            "annotated": r.get("annotated", ""),
        }
