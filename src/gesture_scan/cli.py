"""Command line: ``gesture-scan PATH...`` scans; ``gesture-scan profiles`` lists election profiles.

This is the only module that turns ``GestureScanError`` into a message and an exit code:

| code | meaning |
| --- | --- |
| 0 | the scan ran (whether or not anything was found) |
| 1 | nothing could be read: every input was missing, corrupt or unreadable |
| 2 | usage error: bad option, empty folder, report folder inside the evidence, bad profile |
| 3 | a model or weight file is missing or broken, or worker processes could not start |
| 4 | the report could not be written (disk full, read-only, folder gone); records written
  before that are complete |
| 130 | interrupted (Ctrl-C); the report holds everything scanned until then |
| 143, 129 | stopped by SIGTERM (systemd, Kubernetes, a batch system) or SIGHUP (terminal
  closed), handled like Ctrl-C |
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
from typing import IO, Any, List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from . import __version__
from .config import (
    DEFAULT_PROFILE,
    AttireOptions,
    GalleryOptions,
    HandOptions,
    ObjectOptions,
    ScanConfig,
    SearchOptions,
)
from .errors import (
    ConfigError,
    GestureScanError,
    ModelError,
    ReportWriteError,
    UsageError,
    WorkerError,
)
from .io import discover
from .io.discover import is_video, is_within
from .messages import SEVERITY_WORDS, default_lang, msg
from .results import display_path
from .service.command import serve_command

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find partisan hand signs and campaign material in evidence photos.",
    rich_markup_mode=None,
)
SUBCOMMANDS = ("scan", "profiles", "version", "serve", "report", "review")

EXIT_OK, EXIT_NOTHING_READ, EXIT_USAGE, EXIT_MODEL, EXIT_WRITE = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130  # SIGTERM and SIGHUP: 143 and 129 (Terminated.exit_code)


@app.command("scan")
def scan_command(
    paths: List[Path] = typer.Argument(
        ..., help="Photos, videos and/or folders (searched recursively)."
    ),
    out: Path = typer.Option(
        Path("gesture-scan-report"),
        "--out",
        "-o",
        help="Report folder (created). Never inside an evidence folder; refused if it already "
        "holds files, unless --overwrite.",
    ),
    overwrite: bool = typer.Option(
        False,
        "--overwrite",
        help="Reuse a report folder: first remove the files an earlier gesture-scan run wrote "
        "there (and nothing else).",
    ),
    resume: bool = typer.Option(
        False,
        "--resume",
        help="Go on with a stopped scan into the same --out: inputs that already have a record "
        "(same path and SHA-256) are skipped, the rest appended.",
    ),
    engine: str = typer.Option(
        "local",
        "--engine",
        help="local (worker processes on this machine) or ray (a Ray cluster; see --ray-address).",
    ),
    ray_address: Optional[str] = typer.Option(
        None,
        "--ray-address",
        help="With --engine ray: join this running cluster (HEAD:6379); without it a local "
        "cluster is started for the scan.",
    ),
    s3_endpoint_url: Optional[str] = typer.Option(
        None,
        "--s3-endpoint-url",
        help="For s3://BUCKET/PREFIX inputs: an S3-compatible server (MinIO, Ceph) at this URL "
        "instead of AWS; also read from AWS_ENDPOINT_URL_S3. Credentials: AWS_* variables.",
    ),
    jsonl: Optional[str] = typer.Option(
        None, "--jsonl", help="Also stream JSON lines to FILE, or '-' for stdout."
    ),
    annotate: bool = typer.Option(
        True,
        "--annotate/--no-annotate",
        help="Write annotated copies of photos and frames with hands or objects.",
    ),
    max_side: int = typer.Option(
        4096,
        "--max-side",
        min=256,
        max=32768,
        help="Downscale larger photos to this longest side for scanning.",
    ),
    workers: int = typer.Option(
        0,
        "--workers",
        "-w",
        min=0,
        max=64,
        help="Worker processes, each with its own models; 0: one per CPU core (at most 8).",
    ),
    search: bool = typer.Option(
        True, "--search/--no-search", help="Search tiles and crops around people for small hands."
    ),
    profile: str = typer.Option(
        DEFAULT_PROFILE,
        "--profile",
        "-p",
        help="Election profile: a shipped name (see 'gesture-scan profiles') or a YAML file.",
    ),
    every: str = typer.Option(
        "1s", "--every", help="Video: sample one frame per interval (e.g. 1s, 500ms, 2.5, 1m)."
    ),
    scene_cuts: bool = typer.Option(
        True, "--scene-cuts/--no-scene-cuts", help="Video: also sample right after scene cuts."
    ),
    dedupe: bool = typer.Option(
        True, "--dedupe/--no-dedupe", help="Video: drop samples that look like the last one kept."
    ),
    save_frames: bool = typer.Option(
        False, "--save-frames", help="Video: save sampled frames that have findings as JPEGs."
    ),
    objects: bool = typer.Option(
        True, "--objects/--no-objects", help="Detect campaign banners and flags (YOLO)."
    ),
    device: str = typer.Option(
        "auto",
        "--device",
        help="YOLO device: auto (onnxruntime on the CPU unless an NVIDIA GPU is visible), "
        "cpu, cuda[:N].",
    ),
    gallery: Optional[Path] = typer.Option(
        None,
        "--gallery",
        help="Folder of candidate reference photos (one sub-folder per candidate, named by "
        "ballot number, e.g. 02-prabowo); faces in the scan are matched against them.",
    ),
    gallery_threshold: Optional[float] = typer.Option(
        None,
        "--gallery-threshold",
        min=0.0,
        max=2.0,
        help="Largest face-descriptor distance that counts as the same person "
        "(default measured on real faces, see README).",
    ),
    read_text: Optional[str] = typer.Option(
        None,
        "--text",
        help="Read text (OCR): off, banners (inside detected banners), auto (also the whole "
        "photo when it is flagged or a group photo; the default), all (every photo).",
    ),
    fast: bool = typer.Option(
        False,
        "--fast",
        help="About twice the photos per second on group photos for a few percent of the hands: "
        "no blind tiles where a face was found, text only inside banners (unless --text says "
        "otherwise).",
    ),
    attire: bool = typer.Option(
        True, "--attire/--no-attire", help="Civil-servant uniform cue on each person's torso."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Only warnings and errors: no progress bar, no summary."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", help="Also show the model libraries' own log lines (MediaPipe, TFLite)."
    ),
    lang: str = typer.Option(
        default_lang(),
        "--lang",
        help="Language of the report and of these messages: id (Bahasa Indonesia, the default; "
        "or $GESTURE_SCAN_LANG) or en.",
    ),
) -> None:
    """Scan photos and videos and write a report folder."""
    from .report.i18n import check_lang

    check_lang(lang)
    from ._stage import VERBOSE_ENV
    from .io import SamplingOptions, remote
    from .io.video import parse_duration

    if verbose:
        os.environ[VERBOSE_ENV] = "1"  # before any model starts; spawned workers inherit it
    remote.configure(s3_endpoint_url)  # the same: workers and a local Ray cluster inherit it
    config = ScanConfig(
        max_side=max_side,
        hands=HandOptions(search=SearchOptions(enabled=search)),
        objects=ObjectOptions(enabled=objects, device=device),
        profile=profile,
        gallery=GalleryOptions(
            path=None if gallery is None else str(gallery),
            threshold=GalleryOptions.threshold if gallery_threshold is None else gallery_threshold,
        ),
        attire=AttireOptions(enabled=attire),
    )
    if fast:
        config = config.fast()
    if read_text is not None:
        config = config.with_(read_text=read_text)
    request = ScanRequest(
        paths=[remote.input_path(p) for p in paths],  # s3://... survives as its URL
        out=out,
        jsonl=jsonl,
        annotate=annotate,
        overwrite=overwrite,
        resume=resume,
        engine=engine,
        ray_address=ray_address,
        workers=workers,
        save_frames=save_frames,
        quiet=quiet,
        lang=lang,
        config=config,
        sampling=SamplingOptions(
            every_s=parse_duration(every, "--every"), scene_cuts=scene_cuts, dedupe=dedupe
        ),
    )
    raise typer.Exit(run_scan(request))


@app.command("profiles")
def profiles_command(
    export: Optional[str] = typer.Option(
        None,
        "--export",
        metavar="NAME",
        help="Print the YAML of a shipped profile, to copy and fill: "
        "gesture-scan profiles --export pilkada-2024-template > my-region.yaml",
    ),
) -> None:
    """List the shipped election profiles, or print one's YAML (--export NAME)."""
    from .rules import list_profiles, profile_text

    if export is not None:
        sys.stdout.write(profile_text(export))
        return
    profiles = list_profiles()
    table = Table(
        title="election profiles: use with --profile NAME, or make your own with "
        "gesture-scan profiles --export NAME > my-region.yaml",
    )
    # The name is what the user types: never shortened, whatever the terminal's width.
    table.add_column("name", no_wrap=True, min_width=max(len(p.id) for p in profiles))
    for col in ("election", "day", "candidates and signs"):
        table.add_column(col, overflow="fold")
    for p in profiles:
        cands = "\n".join(f"{c.label}: {', '.join(s.label for s in c.signs)}" for c in p.candidates)
        title = p.name + (" [template: export and fill]" if p.template else "")
        day = p.election_day.isoformat() if p.election_day else ""
        table.add_row(p.id, escape(title), day, escape(cands))
    Console().print(table)


# The HTTP service (``pip install 'gesture-scan[serve]'``); its module imports only typer here.
app.command("serve")(serve_command)


@app.command("version")
def version_command() -> None:
    """Print the version."""
    typer.echo(__version__)


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


def _run_scan(req: ScanRequest) -> int:
    from .io import SamplingOptions, remote
    from .pipeline import iter_tasks
    from .report import ReportWriter, read_jsonl, write_html
    from .report.guard import check_outputs, report_outputs
    from .results import ImageResult
    from .rules import load_profile

    out = req.out
    lang = req.lang
    jsonl_to_stdout = req.jsonl == "-"
    err = Console(stderr=True)
    summary_console = err if jsonl_to_stdout else Console()
    info = Console(stderr=True, quiet=req.quiet)  # what --quiet leaves out

    if req.engine not in ("local", "ray"):
        raise UsageError(f"--engine {req.engine!r}: choose local or ray")
    if req.resume and req.overwrite:
        raise UsageError("--resume keeps the earlier report and --overwrite removes it: pick one")
    if remote.is_remote(req.out):  # typer made s3://b/x the local path s3:/b/x
        raise UsageError(
            f"--out {req.out}: the report is written to a local (or mounted) folder, "
            "never to object storage"
        )
    found = discover(req.paths, exclude=[out])
    # Before anything is opened or cleared: no output may land in, on or around evidence.
    check_outputs(report_outputs(out, req.jsonl), req.paths, found.inputs)
    inputs, keep = found.inputs, None
    if req.resume:
        inputs, keep = _unfinished(found.inputs, out)
        info.print(msg(lang, "resuming", kept=len(keep), todo=len(inputs)))
    else:
        ReportWriter.check_folder(out, req.overwrite)
    for folder in found.empty_folders:
        where = escape(display_path(str(folder)))
        err.print(f"[yellow]{msg(lang, 'warning')}:[/] {msg(lang, 'empty_folder', where=where)}")
    if not found.inputs and not found.missing:
        where = ", ".join(display_path(str(p)) for p in req.paths)
        raise UsageError(msg(lang, "no_images", where=where, skipped=len(found.skipped)))
    for m in found.missing:
        where = escape(display_path(str(m)))
        err.print(f"[yellow]{msg(lang, 'warning')}:[/] {msg(lang, 'missing', where=where)}")
    if found.skipped:
        listed = out / "skipped.csv"
        info.print(escape(msg(lang, "skipping", n=len(found.skipped), where=listed)))

    active = None
    if req.config.profile is not None:
        active = load_profile(req.config.profile)  # fail now, naming the field, not in a worker
        info.print(escape(msg(lang, "profile", id=active.id, name=active.name)))
    config = _keep_cache_out_of_evidence(req.config, active, req.paths, found.inputs)
    if config.objects.enabled:
        from .detect.stage import check_installed

        check_installed(config.objects)
    _prepare_gallery(config, active, err, info, lang)

    stream: Optional[IO[str]] = None
    if jsonl_to_stdout:
        stream = sys.stdout
    elif req.jsonl:
        try:
            stream = open(  # noqa: SIM115 - closed by the writer
                req.jsonl, "w", encoding="utf-8", errors="backslashreplace"
            )
        except OSError as exc:
            raise UsageError(f"--jsonl {req.jsonl}: cannot write ({exc.strerror})") from exc

    t0 = time.perf_counter()
    stopped: Optional[KeyboardInterrupt] = None
    videos = sum(1 for p in inputs if is_video(p))
    workers = auto_workers(req.workers, len(inputs) - videos, videos)
    tasks = iter_tasks(inputs, req.sampling or SamplingOptions())
    with ReportWriter(out, stream, req.annotate, req.overwrite, keep) as writer:
        writer.write_skipped(found.skipped)
        for m in found.missing:
            writer.write(ImageResult(path=str(m), sha256=None, error="no such file or folder"))
        progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=req.quiet or not err.is_terminal,
            transient=False,
        )
        try:
            with progress:
                bars = _Bars(progress, len(inputs))
                # closing(): a stop or a write error shuts the workers (or actors, or the
                # one Scanner) down here, not whenever the generator happens to be collected.
                with contextlib.closing(_scanned(req, tasks, config, workers)) as done_iter:
                    for done in done_iter:
                        writer.write(done.result, done.annotated, done.frame_jpeg)
                        bars.advance(done.result)
                bars.finish()
        except KeyboardInterrupt as exc:
            stopped = exc
        except ReportWriteError:
            with contextlib.suppress(OSError, GestureScanError):
                _write_page(out, req, active, read_jsonl, write_html)
            raise
    # The page is built from the JSON lines on disk, so it also covers an interrupted scan and
    # memory does not grow with the number of photos.
    try:
        _write_page(out, req, active, read_jsonl, write_html)
    except OSError as exc:
        raise ReportWriteError(
            f"cannot write {out / 'report.html'} ({exc.strerror or exc}); report.jsonl and "
            "report.csv are complete"
        ) from exc
    elapsed = time.perf_counter() - t0
    if not req.quiet:
        _print_summary(
            summary_console, writer, len(found.skipped), elapsed, out, stopped is not None, lang
        )
    if stopped is not None:
        return stopped.exit_code if isinstance(stopped, Terminated) else EXIT_INTERRUPTED
    if writer.stats["scanned"] == 0:
        err.print(f"[red]{msg(lang, 'error')}:[/] {msg(lang, 'nothing_read')}")
        return EXIT_NOTHING_READ
    return EXIT_OK


def _scanned(
    req: ScanRequest, tasks: Any, config: ScanConfig, workers: int
) -> Generator[Any, None, None]:
    """The scanned tasks (``pipeline.Done``), in task order, from the engine the run asked for:
    Ray actors, local worker processes, or one Scanner in this process."""
    from .pipeline import Scanner, scan_in_workers, scan_task

    if req.engine == "ray":
        from .engines.ray_engine import scan_with_ray

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
    from .io import sha256_file
    from .report.writer import finished_inputs

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


def _write_page(out: Path, req: ScanRequest, active: Any, read_jsonl: Any, write_html: Any) -> None:
    """The pages and tables, rebuilt from ``report.jsonl`` (``report.render``); the case's title
    and profile are kept beside them for ``gesture-scan report DIR``."""
    from .report.render import render_report, write_meta

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
    from .pipeline import gallery_path

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
    from .pipeline import gallery_path

    path = gallery_path(config, profile)
    if path is None:
        return
    from .people.gallery import FaceEmbedder, Gallery

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


class _Bars:
    """One bar over the inputs, and one per video showing the position in the video."""

    def __init__(self, progress: Progress, n_inputs: int) -> None:
        self.progress = progress
        self.inputs = progress.add_task("inputs", total=n_inputs)
        self.video_path: Optional[str] = None
        self.video_bar: Any = None

    def _close_video(self) -> None:
        if self.video_bar is not None:
            self.progress.remove_task(self.video_bar)
            self.progress.advance(self.inputs)
        self.video_bar, self.video_path = None, None

    def advance(self, result: Any) -> None:
        video = result.meta.get("video") if result.meta else None
        if video is None or result.frame is None:
            if self.video_path is not None and result.path == self.video_path:
                self._close_video()  # the video's closing error record
                return
            self._close_video()
            self.progress.advance(self.inputs)
            return
        if result.path != self.video_path:
            self._close_video()
            self.video_path = result.path
            name = Path(result.path).name
            self.video_bar = self.progress.add_task(
                f"  {name[:40]} (s)", total=max(float(video.get("duration_s") or 0), 1.0)
            )
        self.progress.update(self.video_bar, completed=result.frame.time_s)

    def finish(self) -> None:
        self._close_video()


def _print_summary(
    console: Console,
    writer,
    skipped: int,
    elapsed: float,
    out: Path,
    interrupted: bool,
    lang: str = "id",
) -> None:
    s = writer.stats
    title = msg(lang, "summary") + (" " + msg(lang, "interrupted") if interrupted else "")
    table = Table(title=title, show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    rate = s["records"] / elapsed if elapsed > 0 else 0.0
    rows = [
        (msg(lang, "photos_scanned"), s["photos"]),
        (msg(lang, "frames_scanned", n=s["videos"]), s["frames"]),
        (msg(lang, "errors"), s["errors"]),
        (msg(lang, "skipped"), skipped),
        (msg(lang, "with_hands"), s["with_hands"]),
        (msg(lang, "hands"), s["hands"]),
        (msg(lang, "groups"), s["groups"]),
        (msg(lang, "objects"), s["objects"]),
        (msg(lang, "flagged"), s["flagged"]),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    from .report.i18n import Words

    words = Words(lang)
    sev_words = SEVERITY_WORDS[lang]
    for gesture, n in writer.gestures.most_common():
        table.add_row(msg(lang, "gesture_row", name=words.gesture(gesture)), str(n))
    for sev, n in writer.severities.most_common():
        table.add_row(msg(lang, "findings_row", sev=sev_words.get(sev, sev)), str(n))
    for rule, n in writer.rules.most_common():
        table.add_row(msg(lang, "rule_row", rule=rule), str(n))
    table.add_row(msg(lang, "time"), msg(lang, "rate", s=elapsed, rate=rate))
    console.print(table)
    if writer.look_first:
        counts = ", ".join(
            f"{writer.severities[sev]} {sev_words[sev]}"
            for sev in ("high", "medium", "low")
            if writer.severities[sev]
        )
        console.print(msg(lang, "look_first", counts=counts))
        for path, finding in writer.look_first:
            text = finding.message_id if lang == "id" and finding.message_id else finding.message
            message = text if len(text) <= 90 else text[:89] + "…"
            console.print(
                f"  {sev_words.get(finding.severity, finding.severity):<6}  "
                f"{escape(display_path(path))}  {finding.rule}: {escape(message)}",
                soft_wrap=True,
            )
    if s["errors"]:
        console.print(msg(lang, "unreadable", n=s["errors"]))
    console.print(msg(lang, "report_at", where=display_path(str(out))))


@app.command("report")
def report_command(
    folder: Path = typer.Argument(..., help="A report folder (it holds report.jsonl)."),
    lang: Optional[str] = typer.Option(
        None,
        "--lang",
        help="id or en; default: the language the folder was last written in.",
    ),
    pdf: bool = typer.Option(
        False, "--pdf", help="Also print the A4 case file to report.pdf (needs Chromium)."
    ),
) -> None:
    """Rebuild report.html, casefile.html, report.csv and report.xlsx (and the PDF) from
    report.jsonl and the decisions in review.jsonl, without scanning again."""
    from .report.i18n import check_lang
    from .report.render import render_report

    if lang is not None:
        check_lang(lang)
    done = render_report(folder, lang, pdf=pdf)
    shown = done.lang
    where = escape(display_path(str(folder)))
    Console().print(
        msg(shown, "rendered", where=where, files=", ".join(done.files)), soft_wrap=True
    )
    if done.decisions:
        Console().print(msg(shown, "decisions", n=done.decisions))
    for what in done.skipped:
        Console(stderr=True).print(msg(shown, "not_made", what=what))


@app.command("review")
def review_command(
    folder: Path = typer.Argument(..., help="A report folder (it holds report.jsonl)."),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="TCP port on 127.0.0.1."),
    lang: Optional[str] = typer.Option(
        None, "--lang", help="id or en; default: the language the folder was written in."
    ),
    reviewer: Optional[str] = typer.Option(
        None, "--reviewer", help="Fill the reviewer's name in the page (it can be changed there)."
    ),
) -> None:
    """Serve the report on 127.0.0.1 and record the officer's decisions in review.jsonl."""
    from .report.i18n import check_lang
    from .review.app import serve

    if lang is not None:
        check_lang(lang)
    serve(folder, port=port, lang=lang, reviewer=reviewer)


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: ``gesture-scan PATH...`` means ``gesture-scan scan PATH...``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("--version", "-V"):
        print(f"gesture-scan {__version__}")
        sys.exit(EXIT_OK)
    if args and args[0] not in SUBCOMMANDS and args[0] not in ("--help", "-h"):
        args.insert(0, "scan")
    err = Console(stderr=True)
    lang = _lang_of(args)
    error, model_error = msg(lang, "error"), msg(lang, "model_error")
    try:
        app(args=args, prog_name="gesture-scan", standalone_mode=True)
    except (UsageError, ConfigError) as exc:
        err.print(f"[red]{error}:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(EXIT_USAGE)
    except (ModelError, WorkerError) as exc:
        err.print(f"[red]{model_error}:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(EXIT_MODEL)
    except ReportWriteError as exc:
        err.print(f"[red]{error}:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(EXIT_WRITE)
    except GestureScanError as exc:
        err.print(f"[red]{error}:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(EXIT_USAGE)


def _lang_of(args: list[str]) -> str:
    """The ``--lang`` of the command line (for messages printed outside a command)."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args) and args[i + 1] in ("id", "en"):
            return args[i + 1]
        if arg in ("--lang=id", "--lang=en"):
            return arg.split("=", 1)[1]
    return default_lang()


if __name__ == "__main__":
    main()
