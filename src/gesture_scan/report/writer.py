"""The report folder: ``report.jsonl``, ``report.csv``, ``skipped.csv`` and annotated copies.

Records are written and flushed one at a time, so a report interrupted by Ctrl-C or a crash is
still valid up to the last photo, and memory does not grow with the number of photos.

A report folder holds one case. One that already holds files is refused unless ``overwrite``,
which removes only what gesture-scan wrote there (listed in ``.gesture-scan-files`` as it writes
them), so a rescan never mixes an old case's annotated copies with a new one's and never deletes
a file it did not make.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import IO, Any, Optional

from ..errors import ReportWriteError, UsageError
from ..io.discover import Skipped
from ..results import SEVERITY_ORDER, Finding, ImageResult, path_fields
from .tables import CSV_COLUMNS as CSV_COLUMNS
from .tables import csv_row, csv_writer, open_csv

TOP = 5


def _urgency(f: Finding) -> tuple[int, float]:
    return SEVERITY_ORDER[f.severity], f.score


#: The files of a report, relative to its folder; each one is also listed in ``MANIFEST``.
#: (``review.jsonl``, the officer's decisions, is not one of them: ``--overwrite`` keeps it.)
REPORT_FILES = (
    "report.jsonl",
    "report.csv",
    "skipped.csv",
    "report.html",
    "casefile.html",
    "report.xlsx",
    "report.pdf",
    "review.csv",
)
#: Folders of our images: annotated copies, saved frames, thumbnails.
IMAGE_FOLDERS = ("annotated", "frames", "thumbs")
MANIFEST = ".gesture-scan-files"
#: Our annotated copies and saved frames: ``<stem>_<10 hex>[_f<6 digits>].jpg``.
_OUR_IMAGE = re.compile(r"[A-Za-z0-9._-]*_[0-9a-f]{10}(_f\d{6})?\.jpg")


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a ``report.jsonl``, one at a time (the HTML page is built from them).

    A line that does not parse is left out: the one a stop (a signal, a full disk) cut short.
    """
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue


def record_path(record: dict[str, Any]) -> Optional[str]:
    """The input a record is of, as the scan named it (``path_bytes`` restores a non-UTF-8 name)."""
    raw = record.get("path_bytes")
    if raw:
        return os.fsdecode(base64.b64decode(raw))
    path = record.get("path")
    return path if isinstance(path, str) else None


def finished_inputs(out_dir: Path) -> dict[str, str]:
    """Inputs an earlier run into ``out_dir`` finished, as path -> SHA-256, for ``--resume``.

    Records are written in input order, so a stopped run's report is complete up to its last
    input: a photo's one line is whole or skipped (``read_jsonl``), but a video cut off part-way
    has only its first frames, so a video that is the last input is done again. Records without
    a SHA-256 (a file that could not be read at all, a path that did not exist) are retried.
    """
    jsonl = Path(out_dir) / "report.jsonl"
    if not jsonl.is_file():
        return {}
    done: dict[str, str] = {}
    last: Optional[str] = None
    last_is_video = False
    for record in read_jsonl(jsonl):
        path, sha = record_path(record), record.get("sha256")
        if path is None:
            continue
        last, last_is_video = path, bool(record.get("frame") or record.get("meta", {}).get("video"))
        if isinstance(sha, str):
            done[path] = sha
    if last is not None and last_is_video:
        done.pop(last, None)
    return done


def clear_report(out_dir: Path) -> None:
    """Remove what an earlier gesture-scan run wrote in ``out_dir`` and nothing else: the files
    its manifest lists, the report's fixed names, and our annotated copies and frames.
    A listed name that leads out of the folder (``..``, an absolute path) is ignored."""
    out_dir = Path(out_dir)
    names = set(REPORT_FILES) | {MANIFEST} | {f"{name}.tmp" for name in REPORT_FILES}
    manifest = out_dir / MANIFEST
    if manifest.is_file():
        names |= {ln.strip() for ln in manifest.read_text("utf-8", "replace").splitlines()}
    for sub in IMAGE_FOLDERS:
        folder = out_dir / sub
        if folder.is_dir() and not folder.is_symlink():
            names |= {f"{sub}/{p.name}" for p in folder.iterdir() if _OUR_IMAGE.fullmatch(p.name)}
    for name in sorted(names):
        rel = Path(name)
        if not name or rel.is_absolute() or ".." in rel.parts:
            continue
        target = out_dir / rel
        if target.is_symlink() or target.is_file():
            target.unlink()  # a symlink is removed itself: its target is never touched
    for sub in IMAGE_FOLDERS:
        folder = out_dir / sub
        if folder.is_symlink():
            folder.unlink()
        elif folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _safe_name(path: Optional[str], sha256: Optional[str], frame: Optional[int]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(path or "image").stem)[:60] or "image"
    tag = (sha256 or hashlib.sha256((path or "").encode("utf-8", "replace")).hexdigest())[:10]
    suffix = f"_f{frame:06d}" if frame is not None else ""
    return f"{stem}_{tag}{suffix}.jpg"


#: The name of an input's annotated copy, saved frame and thumbnail (``thumbs.py``).
safe_name = _safe_name


def register_outputs(out_dir: Path, names: Collection[str]) -> None:
    """Add files written after the scan (pages, thumbnails, the PDF) to the folder's manifest,
    so ``--overwrite`` removes them like the rest; names already listed are not repeated."""
    manifest = Path(out_dir) / MANIFEST
    listed = set()
    if manifest.is_file():
        listed = {ln.strip() for ln in manifest.read_text("utf-8", "replace").splitlines()}
    new = [n for n in dict.fromkeys(names) if n not in listed]
    if new:
        with open(manifest, "a", encoding="utf-8") as fh:
            fh.write("".join(f"{n}\n" for n in new))


class ReportWriter:
    """Streams results into ``out_dir`` (created; refused if it is an existing file, or holds
    files and ``overwrite`` is off)."""

    def __init__(
        self,
        out_dir: Path,
        jsonl_stream: Optional[IO[str]] = None,
        annotate: bool = True,
        overwrite: bool = False,
        keep: Optional[Collection[str]] = None,
    ) -> None:
        """``keep``: resume (``--resume``): the earlier records of these inputs stay, everything
        else the earlier run wrote in ``report.jsonl`` and ``report.csv`` is dropped, and new
        records are appended."""
        self.out_dir = Path(out_dir)
        if keep is None and self.check_folder(self.out_dir, overwrite):
            clear_report(self.out_dir)
        self.kept = 0
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            if annotate:
                (self.out_dir / "annotated").mkdir(exist_ok=True)
            if keep is not None:
                self._keep_earlier(set(keep))
            mode = "a" if keep is not None else "w"
            # Kept open for the whole scan and closed by close()/__exit__. backslashreplace: no
            # text in a record may end the scan (paths are made valid Unicode in to_dict).
            self._manifest = open(self.out_dir / MANIFEST, mode, encoding="utf-8")  # noqa: SIM115
            self._manifest.write("".join(f"{name}\n" for name in REPORT_FILES))
            self._manifest.flush()
            self._jsonl = open(  # noqa: SIM115
                self.out_dir / "report.jsonl", mode, encoding="utf-8", errors="backslashreplace"
            )
            self._csv_file = open_csv(self.out_dir / "report.csv", append=keep is not None)
            self._csv = csv_writer(self._csv_file)
            if keep is None:
                self._csv.writeheader()
        except OSError as exc:
            raise ReportWriteError(
                f"--out {self.out_dir}: cannot write there ({exc.strerror or exc})"
            ) from exc
        self._extra = jsonl_stream
        self.annotate = annotate
        self.stats: Counter[str] = Counter()
        self.gestures: Counter[str] = Counter()
        self.rules: Counter[str] = Counter()
        self.severities: Counter[str] = Counter()
        self._last_video: Optional[str] = None
        #: The most urgent flagged inputs, for the terminal's "look first at": one entry per
        #: input (a video's best frame), at most ``TOP`` of them, whatever the folder's size.
        self.top: list[Finding] = []
        self._top_paths: list[str] = []

    def _keep_earlier(self, keep: set[str]) -> None:
        """Rewrite ``report.jsonl`` and ``report.csv`` with only the earlier lines for the
        inputs in ``keep``, streaming through temporary files (a national batch's report does not
        fit in memory), renamed over the old ones only when complete."""
        jsonl, csv_path = self.out_dir / "report.jsonl", self.out_dir / "report.csv"
        tmp_jsonl, tmp_csv = jsonl.with_suffix(".jsonl.tmp"), csv_path.with_suffix(".csv.tmp")
        with contextlib.ExitStack() as files:  # (not one parenthesised with: Python 3.9)
            out = files.enter_context(
                open(tmp_jsonl, "w", encoding="utf-8", errors="backslashreplace")
            )
            table = files.enter_context(open_csv(tmp_csv))
            rows = csv_writer(table)
            rows.writeheader()
            for record in read_jsonl(jsonl) if jsonl.is_file() else ():
                if record_path(record) in keep:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    rows.writerow(self._csv_row(record))
                    self.kept += 1
        os.replace(tmp_jsonl, jsonl)
        os.replace(tmp_csv, csv_path)

    @staticmethod
    def check_folder(out_dir: Path, overwrite: bool) -> bool:
        """Refuse a report folder that is a file, or holds files without ``overwrite``; True
        where an earlier report must be cleared first. Called before anything is opened, so a
        refused run has written nothing (not even ``--jsonl``)."""
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"--out {out_dir}: exists and is not a folder")
        try:
            holds_files = out_dir.is_dir() and any(out_dir.iterdir())
        except OSError as exc:
            raise UsageError(f"--out {out_dir}: cannot be read ({exc.strerror})") from exc
        if holds_files and not overwrite:
            raise UsageError(
                f"--out {out_dir}: the folder is not empty (an earlier report?); choose a new "
                "report folder, or pass --overwrite to replace the files gesture-scan wrote "
                "there (nothing else in it is touched)"
            )
        return holds_files

    def __enter__(self) -> ReportWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every file; a close that fails (its last flush on a full disk) is not raised
        again here: the write that failed first already said so."""
        files: list[IO[str]] = [self._manifest, self._jsonl, self._csv_file]
        if self._extra is not None and self._extra not in (sys.stdout, sys.stderr):
            files.append(self._extra)
        for fh in files:
            if not fh.closed:
                with contextlib.suppress(OSError):
                    fh.close()

    def _failed(self, exc: OSError, what: str) -> ReportWriteError:
        return ReportWriteError(
            f"cannot write {what} ({exc.strerror or exc}); the report in {self.out_dir} holds "
            f"the {self.stats['records']} record(s) written before this"
        )

    def _save(self, rel: Path, data: bytes) -> None:
        self._manifest.write(rel.as_posix() + "\n")
        self._manifest.flush()
        (self.out_dir / rel).write_bytes(data)

    def write_skipped(self, skipped: list[Skipped]) -> None:
        try:
            with open(
                self.out_dir / "skipped.csv",
                "w",
                encoding="utf-8-sig",  # the same dialect as report.csv (tables.py)
                errors="backslashreplace",
                newline="",
            ) as fh:
                w = csv.writer(fh, delimiter=";")
                w.writerow(["path", "reason", "path_bytes"])
                for s in skipped:
                    fields = path_fields(s.path)
                    w.writerow([fields["path"], s.reason, fields.get("path_bytes", "")])
        except OSError as exc:
            raise self._failed(exc, "skipped.csv") from exc

    def write(
        self,
        result: ImageResult,
        annotated_jpeg: Optional[bytes] = None,
        frame_jpeg: Optional[bytes] = None,
    ) -> dict[str, Any]:
        """Append one record; save its annotated copy and (``--save-frames``) its plain frame."""
        record = result.to_dict()
        frame = result.frame.index if result.frame else None
        try:
            if annotated_jpeg is not None and self.annotate:
                rel = Path("annotated") / _safe_name(result.path, result.sha256, frame)
                self._save(rel, annotated_jpeg)
                record["annotated"] = rel.as_posix()
            if frame_jpeg is not None:
                rel = Path("frames") / _safe_name(result.path, result.sha256, frame)
                (self.out_dir / "frames").mkdir(exist_ok=True)
                self._save(rel, frame_jpeg)
                record["frame_image"] = rel.as_posix()
            line = json.dumps(record, ensure_ascii=False)
            self._jsonl.write(line + "\n")
            self._jsonl.flush()
            self._csv.writerow(self._csv_row(record))
            self._csv_file.flush()
        except OSError as exc:
            raise self._failed(exc, f"the report in {self.out_dir}") from exc
        if self._extra is not None:
            try:
                self._extra.write(line + "\n")
                self._extra.flush()
            except OSError as exc:
                raise self._failed(exc, "the --jsonl stream") from exc
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
        self.stats["people"] += result.people
        self.stats["faces"] += len(result.faces)
        self.stats["bodies"] += len(result.bodies)
        # Records scanned with the person detector: only they have counted bodies at all.
        self.stats["bodies_counted"] += bool(len(result.bodies)) or "bodies" in (
            result.meta or {}
        ).get("stage_seconds", {})
        self.stats["objects"] += len(result.objects)
        self.stats["flagged"] += result.flagged
        for h in result.hands:
            self.gestures[h.reading.gesture.value] += 1
        for f in result.findings:
            self.rules[f.rule] += 1
            self.severities[f.severity] += 1
        if result.findings:
            self._offer(result)

    def _offer(self, result: ImageResult) -> None:
        best = max(result.findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.score))
        path = result.path or ""
        if path in self._top_paths:
            i = self._top_paths.index(path)
            if _urgency(best) <= _urgency(self.top[i]):
                return
            del self.top[i], self._top_paths[i]
        self.top.append(best)
        self._top_paths.append(path)
        order = sorted(range(len(self.top)), key=lambda i: _urgency(self.top[i]), reverse=True)
        self.top = [self.top[i] for i in order][:TOP]
        self._top_paths = [self._top_paths[i] for i in order][:TOP]

    @property
    def look_first(self) -> list[tuple[str, Finding]]:
        """(path, its most severe finding) of the most urgent flagged inputs, most urgent first."""
        return list(zip(self._top_paths, self.top))

    @staticmethod
    def _csv_row(r: dict[str, Any]) -> dict[str, Any]:
        return csv_row(r)
