"""Command line: ``gesture-scan PATH...`` scans; ``gesture-scan profiles`` lists election profiles.

This is the only module that turns ``GestureScanError`` into a message and an exit code:

| code | meaning |
| --- | --- |
| 0 | the scan ran (whether or not anything was found) |
| 1 | nothing could be read: every input was missing, corrupt or unreadable |
| 2 | usage error: bad option, empty folder, report folder inside the evidence, bad profile |
| 3 | a model or weight file is missing or broken |
| 130 | interrupted (Ctrl-C); the report holds everything scanned until then |
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import IO, List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from . import __version__
from .config import DEFAULT_PROFILE, HandOptions, ScanConfig, SearchOptions
from .errors import ConfigError, GestureScanError, ModelError, UsageError
from .io import discover

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find partisan hand signs and campaign material in evidence photos.",
    rich_markup_mode=None,
)
SUBCOMMANDS = ("scan", "profiles", "version")

EXIT_OK, EXIT_NOTHING_READ, EXIT_USAGE, EXIT_MODEL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _is_within(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


@app.command("scan")
def scan_command(
    paths: List[Path] = typer.Argument(
        ..., help="Image files and/or folders (searched recursively)."
    ),
    out: Path = typer.Option(
        Path("gesture-scan-report"),
        "--out",
        "-o",
        help="Report folder (created). Never inside an evidence folder.",
    ),
    jsonl: Optional[str] = typer.Option(
        None, "--jsonl", help="Also stream JSON lines to FILE, or '-' for stdout."
    ),
    annotate: bool = typer.Option(
        True,
        "--annotate/--no-annotate",
        help="Write annotated copies of photos with hands or objects.",
    ),
    max_side: int = typer.Option(
        4096,
        "--max-side",
        min=256,
        max=32768,
        help="Downscale larger photos to this longest side for scanning.",
    ),
    workers: int = typer.Option(
        1, "--workers", "-w", min=1, max=64, help="Worker processes, each with its own models."
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
) -> None:
    """Scan photos and write a report folder."""
    code = run_scan(paths, out, jsonl, annotate, max_side, workers, search, profile)
    raise typer.Exit(code)


@app.command("profiles")
def profiles_command() -> None:
    """List the shipped election profiles."""
    from .rules import list_profiles

    table = Table(title="election profiles (use with --profile NAME, or copy the YAML)")
    for col in ("name", "election", "day", "candidates and signs"):
        table.add_column(col)
    for p in list_profiles():
        cands = "\n".join(f"{c.label}: {', '.join(s.label for s in c.signs)}" for c in p.candidates)
        title = p.name + (" [template: copy and fill]" if p.template else "")
        day = p.election_day.isoformat() if p.election_day else ""
        table.add_row(p.id, title, day, cands)
    Console().print(table)


@app.command("version")
def version_command() -> None:
    """Print the version."""
    typer.echo(__version__)


def run_scan(
    paths: list[Path],
    out: Path,
    jsonl: Optional[str],
    annotate: bool,
    max_side: int,
    workers: int,
    search: bool,
    profile: Optional[str] = DEFAULT_PROFILE,
) -> int:
    from .pipeline import Scanner, scan_in_workers, scan_with_annotation
    from .report import ReportWriter, read_jsonl, write_html
    from .results import ImageResult

    jsonl_to_stdout = jsonl == "-"
    err = Console(stderr=True)
    summary_console = err if jsonl_to_stdout else Console()

    for p in paths:
        if p.is_dir() and _is_within(out, p):
            raise UsageError(
                f"--out {out} is inside the evidence folder {p}; choose a report folder outside it "
                "(gesture-scan never writes into evidence folders)"
            )
    found = discover(paths, exclude=[out])
    for folder in found.empty_folders:
        err.print(f"[yellow]warning:[/] no images in folder {folder}")
    if not found.images and not found.missing:
        where = ", ".join(str(p) for p in paths)
        raise UsageError(
            f"no images found in {where} (looked for .jpg .jpeg .png .webp .bmp .tif "
            f".tiff; {len(found.skipped)} other files skipped)"
        )
    for m in found.missing:
        err.print(f"[yellow]warning:[/] {m}: no such file or folder")
    if found.skipped:
        err.print(f"skipping {len(found.skipped)} non-image file(s); see {out / 'skipped.csv'}")

    stream: Optional[IO[str]] = None
    if jsonl_to_stdout:
        stream = sys.stdout
    elif jsonl:
        try:
            stream = open(jsonl, "w", encoding="utf-8")  # noqa: SIM115 - closed by the writer
        except OSError as exc:
            raise UsageError(f"--jsonl {jsonl}: cannot write ({exc.strerror})") from exc

    config = ScanConfig(
        max_side=max_side,
        hands=HandOptions(search=SearchOptions(enabled=search)),
        profile=profile,
    )
    from .rules import load_profile

    active = None
    if profile is not None:
        active = load_profile(profile)  # fail now, with the field at fault, not in a worker
        err.print(f"profile: {active.id} ({active.name})")
    t0 = time.perf_counter()
    interrupted = False
    with ReportWriter(out, stream, annotate) as writer:
        writer.write_skipped(found.skipped)
        for m in found.missing:
            writer.write(ImageResult(path=str(m), sha256=None, error="no such file or folder"))
        progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=not err.is_terminal,
            transient=False,
        )
        try:
            with progress:
                task = progress.add_task("scanning", total=len(found.images))
                if workers > 1 and len(found.images) > 1:
                    results = scan_in_workers(found.images, config, workers, annotate)
                    for result, jpeg in results:
                        writer.write(result, jpeg)
                        progress.advance(task)
                else:
                    with Scanner(config) as scanner:
                        for path in found.images:
                            result, jpeg = scan_with_annotation(scanner, path, annotate)
                            writer.write(result, jpeg)
                            progress.advance(task)
        except KeyboardInterrupt:
            interrupted = True
    # The page is built from the JSON lines on disk, so it also covers an interrupted scan and
    # memory does not grow with the number of photos.
    write_html(
        read_jsonl(out / "report.jsonl"),
        out,
        title=f"gesture-scan report: {', '.join(str(p) for p in paths)}",
        profile=active.summary() if active is not None else None,
    )
    elapsed = time.perf_counter() - t0
    _print_summary(summary_console, writer, len(found.skipped), elapsed, out, interrupted)
    if interrupted:
        return EXIT_INTERRUPTED
    if writer.stats["scanned"] == 0:
        err.print("[red]error:[/] nothing could be read; see the errors in the report")
        return EXIT_NOTHING_READ
    return EXIT_OK


def _print_summary(
    console: Console,
    writer,
    skipped: int,
    elapsed: float,
    out: Path,
    interrupted: bool,
) -> None:
    s = writer.stats
    table = Table(
        title="gesture-scan summary" + (" (interrupted)" if interrupted else ""), show_header=False
    )
    table.add_column("what")
    table.add_column("count", justify="right")
    rate = s["records"] / elapsed if elapsed > 0 else 0.0
    rows = [
        ("photos scanned", s["scanned"]),
        ("errors (unreadable inputs)", s["errors"]),
        ("non-image files skipped", skipped),
        ("photos with hands", s["with_hands"]),
        ("hands found", s["hands"]),
        ("group photos (2+ faces)", s["groups"]),
        ("campaign objects", s["objects"]),
        ("flagged for review", s["flagged"]),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    for gesture, n in writer.gestures.most_common():
        table.add_row(f"  gesture {gesture}", str(n))
    for sev, n in writer.severities.most_common():
        table.add_row(f"  findings {sev}", str(n))
    for rule, n in writer.rules.most_common():
        table.add_row(f"  rule {rule}", str(n))
    table.add_row("time", f"{elapsed:.1f} s ({rate:.2f} photos/s)")
    console.print(table)
    console.print(
        f"report: {out}/report.html (open in a browser), {out}/report.jsonl, {out}/report.csv"
    )


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: ``gesture-scan PATH...`` means ``gesture-scan scan PATH...``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] not in SUBCOMMANDS and args[0] not in ("--help", "-h"):
        args.insert(0, "scan")
    err = Console(stderr=True)
    try:
        app(args=args, prog_name="gesture-scan", standalone_mode=True)
    except (UsageError, ConfigError) as exc:
        err.print(f"[red]error:[/] {exc}")
        sys.exit(EXIT_USAGE)
    except ModelError as exc:
        err.print(f"[red]model error:[/] {exc}")
        sys.exit(EXIT_MODEL)
    except GestureScanError as exc:
        err.print(f"[red]error:[/] {exc}")
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    main()
