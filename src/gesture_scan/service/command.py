"""``gesture-scan serve``: settings from the options, then uvicorn.

FastAPI and uvicorn are imported inside ``serve_command`` only, so ``import gesture_scan.cli``
stays cheap and the command line works without the ``serve`` extra.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional

import typer

from ..config import DEFAULT_PROFILE
from ..errors import ConfigError, ModelError
from .settings import SETTINGS_ENV, TOKEN_ENV, ServiceSettings, read_token_file

#: uvicorn imports the app by this name in each of the ``--workers N`` processes.
APP_FACTORY = "gesture_scan.service.app:app_from_env"


def serve_command(
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to listen on. Anything but a loopback address needs a token.",
    ),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(
        1,
        "--workers",
        "-w",
        min=1,
        max=64,
        help="Server processes, each loading its own models (about 1 GB of memory each).",
    ),
    profile: str = typer.Option(
        DEFAULT_PROFILE,
        "--profile",
        "-p",
        help="Election profile: a shipped name (see 'gesture-scan profiles') or a YAML file.",
    ),
    gallery: Optional[Path] = typer.Option(
        None, "--gallery", help="Folder of candidate reference photos (see 'gesture-scan --help')."
    ),
    token_file: Optional[Path] = typer.Option(
        None,
        "--token-file",
        help=f"File holding the bearer token clients must send; default: ${TOKEN_ENV}.",
    ),
    max_upload_mb: float = typer.Option(
        50.0, "--max-upload-mb", min=0.001, help="Largest photo /v1/scan takes (else 413)."
    ),
    max_job_mb: float = typer.Option(
        1024.0, "--max-job-mb", min=0.001, help="Largest video or zip /v1/jobs takes (else 413)."
    ),
    jobs_dir: Optional[Path] = typer.Option(
        None,
        "--jobs-dir",
        help="Folder for job state and records, kept across restarts (jobs left unfinished by a "
        "restart are marked failed). Default: a private temporary folder, removed at shutdown.",
    ),
    queue: int = typer.Option(
        8,
        "--queue",
        min=1,
        max=1024,
        help="Requests held at once per process; more wait briefly, then get 503 + Retry-After.",
    ),
    timeout: float = typer.Option(
        120.0, "--timeout", min=1.0, help="Seconds for one request's upload and scan."
    ),
    verbose: bool = typer.Option(False, "--verbose", help="Debug logs and the access log."),
) -> None:
    """Serve scans over HTTP for complaint-triage systems (needs the serve extra).
    \f
    Long because typer declares each of the service's options in the signature; the body only
    builds the settings and starts uvicorn (``--help`` shows the text before the form feed only).
    """
    from .app import require_fastapi

    require_fastapi()
    try:
        import uvicorn
    except ImportError:
        raise ModelError(
            "gesture-scan serve", "needs the serve extra: pip install 'gesture-scan[serve]'"
        ) from None
    token = read_token_file(token_file) if token_file is not None else None
    token = token or os.environ.get(TOKEN_ENV) or None
    settings = ServiceSettings(
        host=host,
        port=port,
        token=token,
        max_upload_mb=max_upload_mb,
        max_job_mb=max_job_mb,
        queue=queue,
        request_timeout_s=timeout,
        profile=profile,
        gallery=None if gallery is None else str(gallery),
        jobs_dir=None if jobs_dir is None else str(jobs_dir),
        workers=workers,
    )
    _check_inputs(settings)
    level = "debug" if verbose else "info"
    common = {"host": host, "port": port, "log_level": level, "access_log": verbose}
    if workers == 1:
        from .app import create_app

        uvicorn.run(create_app(settings), **common)  # type: ignore[arg-type]
        return
    # N processes import the app by name and share one jobs folder (a job can be polled on any
    # of them); without --jobs-dir that folder is a temporary one that lives as long as we do.
    temporary = None
    if settings.jobs_dir is None:
        temporary = tempfile.mkdtemp(prefix="gesture-scan-jobs-")
        settings = settings.with_(jobs_dir=temporary, jobs_dir_is_temporary=True)
    os.environ[SETTINGS_ENV] = settings.to_env()
    if settings.token is not None:
        os.environ[TOKEN_ENV] = settings.token
    try:
        uvicorn.run(APP_FACTORY, factory=True, workers=workers, **common)  # type: ignore[arg-type]
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


def _check_inputs(settings: ServiceSettings) -> None:
    """A bad profile or gallery fails here, naming the option, not later in /readyz."""
    from ..rules import load_profile

    if settings.profile is not None:
        load_profile(settings.profile)
    if settings.gallery is not None and not Path(settings.gallery).is_dir():
        raise ConfigError("--gallery", "is not a folder", settings.gallery)
