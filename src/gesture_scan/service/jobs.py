"""Jobs: a video or a zip of photos, scanned in a background thread with the server's Scanner.

Each job is a folder ``<jobs dir>/<id>/`` holding ``job.json`` (state and progress, replaced
atomically), ``records.jsonl`` (the same lines as a ``report.jsonl``) and, until the job ends,
``upload`` (the posted bytes; a video decoder needs a file). The folder is private (0700) and the
upload is removed when the job ends, whatever the outcome.

After a restart, a job that was queued or running is marked failed ("interrupted by a restart"),
not resumed: its owner may have died on that very input, and a client polling the job gets a
definite answer and can post it again. Whether a job's owner is alive is told by an ``flock`` on
``<id>/lock`` held from submission to the end: the kernel drops it when the process dies, so the
N processes of ``--workers N`` sharing one jobs folder never mark each other's live jobs failed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, Optional

from ..errors import InputError
from ..io import SamplingOptions
from ..results import ImageResult
from .scanning import scan_bytes
from .zipped import ZipLimits, ZipPhotos, is_zip

# uvicorn's own logger: it is configured in every server process (also those of --workers N),
# so start-up and job failures show in the server's log without a logging setup of our own.
log = logging.getLogger("uvicorn.error")

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
STATES = ("queued", "running", "done", "failed")
INTERRUPTED = "interrupted by a restart of the server; post the input again"


class JobsFull(Exception):
    """``max_jobs`` jobs are queued or running (503)."""


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
    os.replace(tmp, path)


def _is_photo(path: Path) -> bool:
    """A still image (by its bytes): a client may post one photo as a job; it gets one record."""
    from ..io.image import is_photo_file

    return is_photo_file(path)


def _record_line(result: ImageResult) -> str:
    # The report writer's own serialisation (report/writer.py), so lines match report.jsonl.
    return json.dumps(result.to_dict(), ensure_ascii=False) + "\n"


class Job:
    """A job this process owns: its folder, its lock and its state (written on every change)."""

    def __init__(self, folder: Path, name: Optional[str]) -> None:
        self.id = folder.name
        self.folder = folder
        self.upload = folder / "upload"
        self.records = folder / "records.jsonl"
        self._lock: Optional[IO[str]] = open(folder / "lock", "w")  # noqa: SIM115 (held for the job)
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.state: dict[str, Any] = {
            "id": self.id,
            "name": name,
            "kind": None,
            "state": "queued",
            "created": time.time(),
            "started": None,
            "finished": None,
            "progress": {"records": 0, "total": None, "fraction": 0.0},
            "error": None,
        }
        self.save()

    def save(self) -> None:
        _write_json(self.folder / "job.json", self.state)

    def update(self, **changes: Any) -> None:
        self.state.update(changes)
        self.save()

    def release(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.upload.unlink()
        if self._lock is not None:
            self._lock.close()
            self._lock = None


class JobStore:
    """The jobs folder and the one background thread that runs jobs, one at a time.

    One at a time because the Scanner's stages take turns anyway: a second job thread would only
    interleave two jobs' frames and slow both, and the ``/v1/scan`` requests share the Scanner too.
    """

    def __init__(self, root: Path, max_jobs: int, limits: ZipLimits) -> None:
        self.root = root
        self.max_jobs = max_jobs
        self.limits = limits
        self.sampling = SamplingOptions()
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._pending = 0
        self._guard = threading.Lock()
        self._runner = ThreadPoolExecutor(1, thread_name_prefix="gesture-scan-job")

    # -- start-up ---------------------------------------------------------------------------------

    def recover(self) -> dict[str, int]:
        """Mark the jobs a dead server left queued or running as failed; count jobs by state."""
        counts = dict.fromkeys(STATES, 0)
        for folder in sorted(self.root.iterdir()):
            state = self._read(folder)
            if state is None:
                continue
            if state.get("state") in ("queued", "running") and self._orphaned(folder):
                state.update(state="failed", error=INTERRUPTED, finished=time.time())
                _write_json(folder / "job.json", state)
                with contextlib.suppress(FileNotFoundError):
                    (folder / "upload").unlink()
            if state.get("state") in counts:
                counts[state["state"]] += 1
        return counts

    @staticmethod
    def _orphaned(folder: Path) -> bool:
        try:
            with open(folder / "lock", "w") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when fh closes
        except BlockingIOError:
            return False  # a live server process holds it
        except OSError:
            return True
        return True

    @staticmethod
    def _read(folder: Path) -> Optional[dict[str, Any]]:
        if not JOB_ID.match(folder.name):
            return None
        try:
            data = json.loads((folder / "job.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    # -- requests ---------------------------------------------------------------------------------

    def reserve(self, name: Optional[str]) -> Job:
        """A new job folder for an upload; ``JobsFull`` if ``max_jobs`` are queued or running."""
        with self._guard:
            if self._pending >= self.max_jobs:
                raise JobsFull()
            self._pending += 1
        folder = self.root / secrets.token_hex(16)
        folder.mkdir(mode=0o700)
        return Job(folder, name)

    def discard(self, job: Job) -> None:
        """Forget a job whose upload never completed."""
        job.release()
        for path in sorted(job.folder.iterdir()):
            path.unlink()
        job.folder.rmdir()
        with self._guard:
            self._pending -= 1

    def submit(self, job: Job, scanner: Any) -> None:
        self._runner.submit(self._run, job, scanner)

    def get(self, job_id: str) -> Optional[dict[str, Any]]:
        if not JOB_ID.match(job_id):  # ids are hex: nothing else can name a path
            return None
        return self._read(self.root / job_id)

    def list(self) -> list[dict[str, Any]]:
        out = [s for s in (self._read(f) for f in self.root.iterdir()) if s is not None]
        return sorted(out, key=lambda s: s.get("created") or 0)

    def records(self, job_id: str) -> Optional[bytes]:
        """The job's JSON lines so far, up to the last complete line."""
        if self.get(job_id) is None:
            return None
        try:
            data = (self.root / job_id / "records.jsonl").read_bytes()
        except FileNotFoundError:
            return b""
        return data[: data.rfind(b"\n") + 1]

    def close(self) -> None:
        self._runner.shutdown(wait=True, cancel_futures=True)

    # -- the work ---------------------------------------------------------------------------------

    def _run(self, job: Job, scanner: Any) -> None:
        job.update(state="running", started=time.time())
        try:
            with open(job.records, "w", encoding="utf-8") as out:
                with open(job.upload, "rb") as fh:
                    head = fh.read(8)
                if is_zip(head):
                    job.update(kind="zip")
                    self._run_zip(job, scanner, out)
                elif _is_photo(job.upload):
                    job.update(kind="photo", progress={**job.state["progress"], "total": 1})
                    result = scan_bytes(scanner, job.upload.read_bytes(), job.state["name"])[0]
                    self._emit(job, out, result, 1.0)
                else:
                    job.update(kind="video")
                    self._run_video(job, scanner, out)
            job.update(state="done", finished=time.time())
        except Exception as exc:  # the job's failure, never the server's
            log.exception("job %s failed", job.id)
            job.update(state="failed", finished=time.time(), error=f"{type(exc).__name__}: {exc}")
        finally:
            job.release()
            with self._guard:
                self._pending -= 1

    def _emit(self, job: Job, out: IO[str], result: ImageResult, fraction: float) -> None:
        out.write(_record_line(result))
        out.flush()
        progress = dict(job.state["progress"])
        progress["records"] += 1
        progress["fraction"] = round(min(max(fraction, 0.0), 1.0), 4)
        job.update(progress=progress)

    def _run_zip(self, job: Job, scanner: Any, out: IO[str]) -> None:
        try:
            photos = ZipPhotos(job.upload, self.limits)
        except InputError as exc:
            failed = ImageResult(path=job.state["name"], sha256=None, error=exc.reason)
            self._emit(job, out, failed, 1.0)
            return
        with photos:
            total = len(photos)
            job.update(progress={**job.state["progress"], "total": total})
            for i, member in enumerate(photos, 1):
                if member.data is None:
                    result = ImageResult(path=member.name, sha256=None, error=member.error)
                else:
                    result = scan_bytes(scanner, member.data, member.name)[0]
                self._emit(job, out, result, i / total)
            if total == 0:
                job.update(progress={**job.state["progress"], "fraction": 1.0})

    def _run_video(self, job: Job, scanner: Any, out: IO[str]) -> None:
        from ..pipeline import scan_task, video_tasks

        name = job.state["name"]
        duration = 0.0
        for task in video_tasks(str(job.upload), self.sampling):
            result = scan_task(scanner, task, annotate=False, keep_frame=False).result
            # Records name the upload, not the private file it was decoded from.
            meta = dict(result.meta)
            if isinstance(meta.get("video"), dict):
                meta["video"] = {**meta["video"], "path": name}
                duration = float(meta["video"].get("duration_s") or 0.0)
            result = replace(result, path=name, meta=meta)
            t = result.frame.time_s if result.frame is not None else duration
            self._emit(job, out, result, t / duration if duration > 0 else 0.0)
        job.update(progress={**job.state["progress"], "fraction": 1.0})
