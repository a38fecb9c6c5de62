"""One ``gesture-scan PATH...`` run: check the request, find the inputs, prepare the profile and the
gallery, scan on the engine asked for, write the report, and return the exit code (``exits``).

A stop (Ctrl-C, SIGTERM, SIGHUP) or a write error still leaves a valid report: the pages are
rebuilt from the JSON lines already on disk.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Optional

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..config import ScanConfig
from ..errors import GestureScanError, ReportWriteError, UsageError
from ..io import Discovery, discover
from ..io.discover import is_video, is_within
from ..messages import msg
from ..results import display_path
from .exits import EXIT_INTERRUPTED, EXIT_NOTHING_READ, EXIT_OK
from .summary import ProgressBars, print_summary


@dataclass(frozen=True)
class ScanRequest:
    """What one ``gesture-scan PATH...`` run was asked to do."""

    paths: list[Path]
    out: Path = Path("gesture-scan-report")
    jsonl: Optional[str] = None  # FILE, or "-" for stdout
    annotate: bool = True
    overwrite: bool = False  # clear an earlier report in ``out`` (only gesture-scan's files)
    resume: bool = False  # keep the earlier records of unchanged inputs, scan the rest
    engine: str = "local"  # "local" | "ray"
    ray_address: Optional[str] = None  # join this Ray cluster; None: start one
    workers: int = 0  # 0: one per core (auto_workers)
    save_frames: bool = False
    quiet: bool = False  # warnings and errors only
    lang: str = "id"  # report and messages: id | en
    config: ScanConfig = field(default_factory=ScanConfig)
    sampling: Any = None  # io.SamplingOptions; None: defaults


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where Ctrl-C would be, so all stop the scan the same careful
    way; ``exit_code`` is the shell's 128 + signal number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.exit_code = 128 + signum


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """systemd, Kubernetes and batch systems stop a job with SIGTERM (a closed terminal sends
    SIGHUP), whose default kills the process at once and leaves no ``report.html``; handle them
    like Ctrl-C instead."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (a library caller's thread)
        return

    def stop(signum: int, frame: Any) -> None:
        raise Terminated(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_scan(req: ScanRequest) -> int:
    with _sigterm_as_interrupt():
        return _run_scan(req)


@dataclass(frozen=True)
class _Consoles:
    """Where a run prints: warnings and errors, what ``--quiet`` leaves out, and the summary
    (on stderr when the JSON lines go to stdout)."""

    err: Console
    info: Console
    summary: Console

    @classmethod
    def of(cls, req: ScanRequest) -> _Consoles:
        err = Console(stderr=True)
        return cls(
            err=err,
            info=Console(stderr=True, quiet=req.quiet),
            summary=err if req.jsonl == "-" else Console(),
        )

    def warn(self, lang: str, text: str) -> None:
        self.err.print(f"[yellow]{msg(lang, 'warning')}:[/] {text}")


def _run_scan(req: ScanRequest) -> int:
    from ..report import ReportWriter
    from ..results import ImageResult

    con = _Consoles.of(req)
    _check_request(req)
    found, inputs, keep = _find_inputs(req, con)
    active, config = _prepare(req, found, con)
    stream = _open_stream(req)
    t0 = time.perf_counter()
    stopped: Optional[KeyboardInterrupt] = None
    with ReportWriter(req.out, stream, req.annotate, req.overwrite, keep) as writer:
        writer.write_skipped(found.skipped)
        for m in found.missing:
            writer.write(ImageResult(path=str(m), sha256=None, error="no such file or folder"))
        try:
            _scan_into(writer, req, inputs, config, con.err)
        except KeyboardInterrupt as exc:
            stopped = exc
        except ReportWriteError:
            with contextlib.suppress(OSError, GestureScanError):
                _write_page(req.out, req, active)
            raise
    # The page is built from the JSON lines on disk, so it also covers an interrupted scan and
    # memory does not grow with the number of photos.
    try:
        _write_page(req.out, req, active)
    except OSError as exc:
        raise ReportWriteError(
            f"cannot write {req.out / 'report.html'} ({exc.strerror or exc}); report.jsonl and "
            "report.csv are complete"
        ) from exc
    elapsed = time.perf_counter() - t0
    if not req.quiet:
        skipped = len(found.skipped)
        print_summary(con.summary, writer, skipped, elapsed, req.out, stopped is not None, req.lang)
    if stopped is not None:
        return stopped.exit_code if isinstance(stopped, Terminated) else EXIT_INTERRUPTED
    if writer.stats["scanned"] == 0:
        con.err.print(f"[red]{msg(req.lang, 'error')}:[/] {msg(req.lang, 'nothing_read')}")
        return EXIT_NOTHING_READ
    return EXIT_OK


def _check_request(req: ScanRequest) -> None:
    """Option combinations typer cannot check, refused before anything is read."""
    from ..io import remote

    if req.engine not in ("local", "ray"):
        raise UsageError(f"--engine {req.engine!r}: choose local or ray")
    if req.resume and req.overwrite:
        raise UsageError("--resume keeps the earlier report and --overwrite removes it: pick one")
    if remote.is_remote(req.out):  # typer made s3://b/x the local path s3:/b/x
        raise UsageError(
            f"--out {req.out}: the report is written to a local (or mounted) folder, "
            "never to object storage"
        )


def _find_inputs(
    req: ScanRequest, con: _Consoles
) -> tuple[Discovery, list[Path], Optional[set[str]]]:
    """(what was found, the inputs still to scan, the inputs whose earlier records stay with
    ``--resume``), with the warnings about empty folders, missing paths and skipped files."""
    from ..report import ReportWriter
    from ..report.guard import check_outputs, report_outputs

    out, lang = req.out, req.lang
    found = discover(req.paths, exclude=[out])
    # Before anything is opened or cleared: no output may land in, on or around evidence.
    check_outputs(report_outputs(out, req.jsonl), req.paths, found.inputs)
    inputs, keep = found.inputs, None
    if req.resume:
        inputs, keep = _unfinished(found.inputs, out)
        con.info.print(msg(lang, "resuming", kept=len(keep), todo=len(inputs)))
    else:
        ReportWriter.check_folder(out, req.overwrite)
    for folder in found.empty_folders:
        con.warn(lang, msg(lang, "empty_folder", where=escape(display_path(str(folder)))))
    if not found.inputs and not found.missing:
        where = ", ".join(display_path(str(p)) for p in req.paths)
        raise UsageError(msg(lang, "no_images", where=where, skipped=len(found.skipped)))
    for m in found.missing:
        con.warn(lang, msg(lang, "missing", where=escape(display_path(str(m)))))
    if found.skipped:
        listed = out / "skipped.csv"
        con.info.print(escape(msg(lang, "skipping", n=len(found.skipped), where=listed)))
    return found, inputs, keep


def _prepare(req: ScanRequest, found: Discovery, con: _Consoles) -> tuple[Any, ScanConfig]:
    """(the election profile, the scan's configuration): the profile, the YOLO backend and the
    gallery are checked here, so a bad one fails naming its field before any worker starts."""
    from ..rules import load_profile

    active = None
    if req.config.profile is not None:
        active = load_profile(req.config.profile)  # fail now, naming the field, not in a worker
        con.info.print(escape(msg(req.lang, "profile", id=active.id, name=active.name)))
    config = _keep_cache_out_of_evidence(req.config, active, req.paths, found.inputs)
    if config.objects.enabled:
        from ..detect.stage import check_installed

        check_installed(config.objects)
    _prepare_gallery(config, active, con.err, con.info, req.lang)
    return active, config


def _open_stream(req: ScanRequest) -> Optional[IO[str]]:
    """Where ``--jsonl`` streams the records: stdout, a file (closed by the writer) or nowhere."""
    if req.jsonl == "-":
        return sys.stdout
    if not req.jsonl:
        return None
    try:
        return open(req.jsonl, "w", encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        raise UsageError(f"--jsonl {req.jsonl}: cannot write ({exc.strerror})") from exc


def _scan_into(
    writer: Any, req: ScanRequest, inputs: list[Path], config: ScanConfig, err: Console
) -> None:
    """Every input scanned and written, with the progress bars; a stop propagates from here."""
    from ..io import SamplingOptions
    from ..pipeline import iter_tasks

    videos = sum(1 for p in inputs if is_video(p))
    workers = auto_workers(req.workers, len(inputs) - videos, videos)
    tasks = iter_tasks(inputs, req.sampling or SamplingOptions())
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=req.quiet or not err.is_terminal,
        transient=False,
    )
    with progress:
        bars = ProgressBars(progress, len(inputs))
        # closing(): a stop or a write error shuts the workers (or actors, or the one Scanner)
        # down here, not whenever the generator happens to be collected.
        with contextlib.closing(_scanned(req, tasks, config, workers)) as done_iter:
            for done in done_iter:
                writer.write(done.result, done.annotated, done.frame_jpeg)
                bars.advance(done.result)
        bars.finish()


def _scanned(
    req: ScanRequest, tasks: Any, config: ScanConfig, workers: int
) -> Generator[Any, None, None]:
    """The scanned tasks (``pipeline.Done``), in task order, from the engine the run asked for:
    Ray actors, local worker processes, or one Scanner in this process."""
    from ..pipeline import Scanner, scan_in_workers, scan_task

    if req.engine == "ray":
        from ..engines.ray_engine import scan_with_ray

        yield from scan_with_ray(
            tasks,
            config,
            actors=req.workers,  # 0: one actor per CPU of the cluster
            annotate=req.annotate,
            keep_frame=req.save_frames,
            address=req.ray_address,
        )
    elif workers > 1:
        yield from scan_in_workers(tasks, config, workers, req.annotate, req.save_frames)
    else:
        with Scanner(config) as scanner:
            for task in tasks:
                yield scan_task(scanner, task, req.annotate, req.save_frames)


def _unfinished(inputs: list[Path], out: Path) -> tuple[list[Path], set[str]]:
    """(inputs still to scan, inputs whose earlier records stay) for ``--resume``: an input is
    done when the report has its records and the file still has the SHA-256 they name (changed
    evidence is scanned again, and its old records dropped)."""
    from ..io import sha256_file
    from ..report.writer import finished_inputs

    done = finished_inputs(out)
    todo, keep = [], set()
    for p in inputs:
        sha = done.get(str(p))
        try:
            same = sha is not None and sha256_file(p) == sha
        except OSError:
            same = False
        if same:
            keep.add(str(p))
        else:
            todo.append(p)
    return todo, keep


def _write_page(out: Path, req: ScanRequest, active: Any) -> None:
    """The pages and tables, rebuilt from ``report.jsonl`` (``report.render``); the case's title
    and profile are kept beside them for ``gesture-scan report DIR``."""
    from ..report.render import render_report, write_meta

    title = "gesture-scan: " + ", ".join(display_path(str(p)) for p in req.paths)
    profile = active.summary() if active is not None else None
    write_meta(out, title, profile, req.lang)
    render_report(out, req.lang, title=title, profile=profile)


def _keep_cache_out_of_evidence(
    config: ScanConfig, profile: Any, paths: list[Path], inputs: list[Path]
) -> ScanConfig:
    """A gallery folder that lies in a folder being scanned, or holds an input, keeps its
    descriptor cache in the user's cache folder instead of beside the photos: gesture-scan never
    writes into evidence folders."""
    from ..pipeline import gallery_path

    path = gallery_path(config, profile)
    if path is None:
        return config
    gallery = Path(path)
    inside_evidence = any(p.is_dir() and is_within(gallery, p) for p in paths)
    holds_evidence = gallery.is_dir() and any(is_within(p, gallery) for p in [*paths, *inputs])
    if not (inside_evidence or holds_evidence):
        return config
    return config.with_(gallery=replace(config.gallery, cache_beside=False))


def _prepare_gallery(
    config: ScanConfig, profile: Any, err: Console, info: Console, lang: str = "id"
) -> None:
    """Embed the candidate gallery once here, so bad gallery folders fail before any worker starts
    and the workers find every descriptor in the cache instead of each embedding the photos."""
    from ..pipeline import gallery_path

    path = gallery_path(config, profile)
    if path is None:
        return
    from ..people.gallery import FaceEmbedder, Gallery

    with FaceEmbedder(config.gallery) as embedder:
        gallery = Gallery.load(path, embedder, config.gallery)
    people = ", ".join(gallery.labels)
    info.print(
        escape(
            msg(
                lang,
                "gallery",
                path=path,
                n=len(gallery),
                people=people,
                threshold=config.gallery.threshold,
            )
        )
    )
    for skipped in gallery.skipped:
        where = escape(display_path(str(skipped.path)))
        text = msg(lang, "gallery_photo", where=where, reason=escape(skipped.reason))
        err.print(f"[yellow]{msg(lang, 'warning')}:[/] {text}")


def auto_workers(requested: int, photos: int, videos: int) -> int:
    """``0`` means one worker per core, at most 8 (each holds its own models, ~0.4 GB), and one
    for a single photo: starting a worker costs more than scanning one photo."""
    if requested > 0:
        return requested
    if videos == 0 and photos <= 1:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))
