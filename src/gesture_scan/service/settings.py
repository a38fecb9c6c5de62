"""The service's settings: one frozen, validated dataclass, so a bad value fails before any model
loads, and one JSON form of it in the environment, which is how ``--workers N`` hands the settings
to the N server processes that uvicorn spawns (they import the app by name and take no arguments).

The token never goes into that JSON: it travels in ``GESTURE_SCAN_TOKEN``, the variable users set
anyway, so the settings can be logged or shown without leaking it.
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, Optional

from ..config import DEFAULT_PROFILE
from ..errors import ConfigError, UsageError

#: The bearer token clients must send (``Authorization: Bearer <token>``).
TOKEN_ENV = "GESTURE_SCAN_TOKEN"
#: The settings (without the token) as JSON, for the processes of ``--workers N``.
SETTINGS_ENV = "GESTURE_SCAN_SERVE_SETTINGS"


def is_loopback(host: str) -> bool:
    """Only a loopback address keeps the service off the network; ``localhost`` is one by name."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def read_token_file(path: Path) -> str:
    """The token in ``path`` (surrounding whitespace and the final newline removed)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--token-file {path}: cannot read the token ({exc})") from None
    if not text:
        raise UsageError(f"--token-file {path}: the file is empty")
    return text


@dataclass(frozen=True)
class ServiceSettings:
    """Everything ``create_app`` needs. Limits are per server process."""

    host: str = "127.0.0.1"
    port: int = 8000
    #: Bearer token; None only on a loopback host (then no endpoint asks for one).
    token: Optional[str] = None
    max_upload_mb: float = 50.0  # POST /v1/scan: larger bodies get 413
    max_job_mb: float = 1024.0  # POST /v1/jobs (a video or a zip of photos)
    #: Requests held at once (reading, waiting for the models, scanning). It bounds memory to
    #: about ``queue x max_upload_mb``; one more waits ``queue_wait_s`` for a slot, then gets 503.
    queue: int = 8
    queue_wait_s: float = 2.0
    request_timeout_s: float = 120.0  # body upload plus scan; then 408 (upload) or 504 (scan)
    profile: Optional[str] = DEFAULT_PROFILE
    gallery: Optional[str] = None
    #: Job state; None: a private temporary folder removed at shutdown (jobs do not survive a
    #: restart). A named folder keeps finished jobs across restarts.
    jobs_dir: Optional[str] = None
    jobs_dir_is_temporary: bool = False  # set by serve_command for --workers N without --jobs-dir
    max_jobs: int = 16  # queued and running jobs at once (one runs at a time); then 503
    max_zip_members: int = 2000
    max_zip_total_mb: float = 4096.0  # uncompressed, all members together (zip bombs)
    workers: int = 1  # server processes, each with its own models

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ConfigError("--port", f"must be 1-65535, not {self.port}")
        for name in ("max_upload_mb", "max_job_mb", "max_zip_total_mb", "request_timeout_s"):
            if not float(getattr(self, name)) > 0:
                raise ConfigError(f"--{name.replace('_', '-')}", "must be above 0")
        if self.queue_wait_s < 0:
            raise ConfigError("--queue-wait", "must be 0 or more seconds")
        for name in ("queue", "max_jobs", "max_zip_members", "workers"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"--{name.replace('_', '-')}", "must be at least 1")
        if self.token is not None and not self.token.strip():
            raise UsageError("the token is empty")
        if self.token is None and not is_loopback(self.host):
            raise UsageError(
                f"refusing to serve on {self.host} without a token: anyone on the network could "
                f"send and read evidence. Set {TOKEN_ENV} or pass --token-file, or serve on "
                "127.0.0.1"
            )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def max_job_bytes(self) -> int:
        return int(self.max_job_mb * 1024 * 1024)

    def to_env(self) -> str:
        """JSON for ``SETTINGS_ENV``: every field but the token."""
        data = asdict(self)
        data.pop("token")
        return json.dumps(data)

    @classmethod
    def from_env(cls, environ: Optional[dict[str, str]] = None) -> ServiceSettings:
        env = os.environ if environ is None else environ
        raw = env.get(SETTINGS_ENV)
        data: dict[str, Any] = {}
        if raw:
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ConfigError(SETTINGS_ENV, f"not valid JSON ({exc})") from None
            known = {f.name for f in fields(cls)} - {"token"}
            unknown = set(data) - known
            if unknown:
                raise ConfigError(SETTINGS_ENV, f"unknown settings: {', '.join(sorted(unknown))}")
        return cls(**data, token=env.get(TOKEN_ENV) or None)

    def with_(self, **changes: Any) -> ServiceSettings:
        return replace(self, **changes)
