"""Command line: ``gesture-scan PATH...`` scans; ``gesture-scan profiles`` lists election profiles;
``report``, ``review``, ``serve`` and ``version`` do what they say.

This package is the only place that turns ``GestureScanError`` into a message and an exit code
(the codes and their meaning are in ``exits``). Here: the typer commands and ``main``; ``scan``
runs one scan; ``summary`` prints its progress and its summary.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .. import __version__
from ..config import (
    DEFAULT_PROFILE,
    AttireOptions,
    GalleryOptions,
    HandOptions,
    HeldOptions,
    LinkOptions,
    ObjectOptions,
    PersonOptions,
    ScanConfig,
    SearchOptions,
)
from ..errors import (
    ConfigError,
    GestureScanError,
    ModelError,
    ReportWriteError,
    UsageError,
    WorkerError,
)
from ..messages import default_lang, msg
from ..results import display_path
from ..service.command import serve_command
from .exits import EXIT_MODEL, EXIT_OK, EXIT_USAGE, EXIT_WRITE
from .scan import ScanRequest, run_scan

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find partisan hand signs and campaign material in evidence photos.",
    rich_markup_mode=None,
)
SUBCOMMANDS = ("scan", "profiles", "version", "serve", "report", "review")


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
    pose: bool = typer.Option(
        False,
        "--pose/--no-pose",
        help="Whose hand: MediaPipe Pose under each face links hands to people by their wrists "
        "(about 0.1 s per face; off: face geometry alone).",
    ),
    held: bool = typer.Option(
        False,
        "--held/--no-held",
        help="Look for a held cup, bottle, phone... in each hand that shows a sign (a COCO "
        "detector on a crop, tens of ms per hand); a holding hand counts less as a sign.",
    ),
    bodies: bool = typer.Option(
        False,
        "--bodies/--no-bodies",
        help="Count people by their bodies too (a person detector, about 0.1 s per photo): "
        "people facing away or too small for the face detector.",
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
    """Scan photos and videos and write a report folder.
    \f
    Long because typer declares each of the scan's options in the signature; the body only turns
    them into a ``ScanRequest`` (``--help`` shows the text before the form feed only).
    """
    from ..report.i18n import check_lang

    check_lang(lang)
    from .._stage import VERBOSE_ENV
    from ..io import SamplingOptions, remote
    from ..io.video import parse_duration

    if verbose:
        os.environ[VERBOSE_ENV] = "1"  # before any model starts; spawned workers inherit it
    remote.configure(s3_endpoint_url)  # the same: workers and a local Ray cluster inherit it
    config = ScanConfig(
        max_side=max_side,
        hands=HandOptions(search=SearchOptions(enabled=search), link=LinkOptions(pose=pose)),
        objects=ObjectOptions(enabled=objects, device=device),
        profile=profile,
        gallery=GalleryOptions(
            path=None if gallery is None else str(gallery),
            threshold=GalleryOptions.threshold if gallery_threshold is None else gallery_threshold,
        ),
        attire=AttireOptions(enabled=attire),
        persons=PersonOptions(enabled=bodies),
        held=HeldOptions(enabled=held),
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
    from ..rules import list_profiles, profile_text

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
    from ..report.i18n import check_lang
    from ..report.render import render_report

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
    from ..report.i18n import check_lang
    from ..review.app import serve

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
