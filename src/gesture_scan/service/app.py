"""The FastAPI app: ``create_app(settings)``, and ``app_from_env`` for uvicorn's ``--workers N``.

One Scanner per server process, built in a thread that the lifespan hook starts, so the process
answers ``/healthz`` (and ``/readyz`` with 503) while the models load, and flips to ready after.

Bounds, so a burst cannot exhaust memory or time: a request takes a slot (``queue`` of them)
*before* its body is read, and waits at most ``queue_wait_s`` for one (else 503 with
Retry-After); bodies are counted while they stream (413 past the limit, even when Content-Length
lies); the upload and the scan share ``request_timeout_s`` (408 / 504). A scan that times out keeps
its slot until its thread is done, so timed-out requests cannot pile up work behind the limit.

No Swagger page: FastAPI's ``/docs`` loads Swagger UI from a CDN, which an air-gapped server
cannot reach, so only ``/openapi.json`` is served (behind the token, like everything but the
health checks); any OpenAPI viewer on the client's side can read it.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations at run
# time, and ``Request`` is imported inside ``create_app`` (lazily), where string annotations could
# not be resolved; every annotation below is valid on Python 3.9 as it stands.
import asyncio
import base64
import contextlib
import hmac
import logging
import math
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Optional

from .. import __version__
from ..errors import ModelError
from .jobs import JobsFull, JobStore
from .scanning import scan_bytes, scan_config
from .settings import ServiceSettings
from .uploads import BadBody, BodyTooLarge, read_upload
from .zipped import ZipLimits

log = logging.getLogger("uvicorn.error")  # configured in every server process

SERVE_EXTRA = "pip install 'gesture-scan[serve]'"

_BINARY_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def require_fastapi() -> Any:
    """FastAPI, or a ModelError that says which extra to install."""
    try:
        import fastapi
        import python_multipart  # noqa: F401
    except ImportError as exc:
        raise ModelError(
            "gesture-scan serve", f"needs the serve extra ({exc.name} is missing): {SERVE_EXTRA}"
        ) from None
    return fastapi


class ServiceState:
    """What one server process holds: the Scanner (once loaded), the slots and the jobs."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.scanner: Any = None
        self.ready = threading.Event()
        self.load_error: Optional[str] = None
        self.slots: Optional[asyncio.Semaphore] = None
        self.in_use = 0  # slots taken (tests and logs read it)
        self.executor = ThreadPoolExecutor(settings.queue, thread_name_prefix="gesture-scan")
        self._loader: Optional[threading.Thread] = None
        self._temp_jobs: Optional[Path] = None
        self._jobs: Optional[JobStore] = None

    @property
    def jobs(self) -> JobStore:
        assert self._jobs is not None, "the server has not started"
        return self._jobs

    def start(self) -> None:
        """Server start-up (the lifespan hook): jobs folder, then the models in a thread."""
        settings = self.settings
        self.slots = asyncio.Semaphore(settings.queue)
        if settings.jobs_dir is None:
            # Made here, not in create_app, so an app that never serves leaves no folder behind.
            self._temp_jobs = Path(tempfile.mkdtemp(prefix="gesture-scan-jobs-"))
        root = self._temp_jobs or Path(settings.jobs_dir or "")
        limits = ZipLimits(
            max_members=settings.max_zip_members,
            max_member_bytes=settings.max_upload_bytes,
            max_total_bytes=int(settings.max_zip_total_mb * 1024 * 1024),
        )
        self._jobs = JobStore(root, settings.max_jobs, limits)
        counts = self.jobs.recover()
        if self._temp_jobs is not None:
            log.info("jobs kept in %s until shutdown (no --jobs-dir)", self._temp_jobs)
        else:
            log.info("jobs folder %s: %s", self.jobs.root, counts)
        self._loader = threading.Thread(target=self._load, name="gesture-scan-models", daemon=True)
        self._loader.start()

    def _load(self) -> None:
        from ..pipeline import Scanner

        try:
            self.scanner = Scanner(scan_config(self.settings))
        except Exception as exc:
            self.load_error = f"{type(exc).__name__}: {exc}"
            log.error("models could not be loaded: %s", self.load_error)
            return
        self.ready.set()
        log.info("models loaded; ready")

    def close(self) -> None:
        if self._loader is not None:
            self._loader.join()
        if self._jobs is not None:
            self._jobs.close()
        self.executor.shutdown(wait=True)
        if self.scanner is not None:
            self.scanner.close()
        if self._temp_jobs is not None:
            shutil.rmtree(self._temp_jobs, ignore_errors=True)


def create_app(settings: ServiceSettings) -> Any:
    """The FastAPI app for ``settings`` (models load when the server starts, not here).

    Long because the routes are closures over this app's settings, scanner holder and job store
    (FastAPI's factory idiom: no module state, so tests and workers build apps side by side); each
    route itself is a few lines.
    """
    fastapi = require_fastapi()
    from fastapi import Depends, HTTPException, Request
    from fastapi.responses import JSONResponse, Response
    from starlette.requests import ClientDisconnect

    state = ServiceState(settings)
    token = settings.token.encode() if settings.token is not None else None
    retry_after = {"Retry-After": str(max(1, math.ceil(settings.queue_wait_s)))}

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        state.start()
        try:
            yield
        finally:
            await asyncio.get_running_loop().run_in_executor(None, state.close)

    app = fastapi.FastAPI(
        title="gesture-scan",
        version=__version__,
        description="Triage evidence photos and videos for partisan hand signs and campaign "
        "material. Send `Authorization: Bearer <token>` on every endpoint but the health checks.",
        docs_url=None,  # Swagger UI and ReDoc load from a CDN (see the module notes)
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.service = state

    def authorized(request: Request) -> None:
        if token is None:
            return
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            credentials.strip().encode(), token
        ):
            raise HTTPException(
                401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"}
            )

    def require_ready() -> None:
        if not state.ready.is_set():
            reason = state.load_error or "the models are still loading"
            raise HTTPException(503, reason, headers={"Retry-After": "5"})

    auth = [Depends(authorized)]

    async def receive(request: Request, limit: int, sink: Any, timeout: float) -> Optional[str]:
        try:
            return await asyncio.wait_for(
                read_upload(request.headers, request.stream(), limit, sink), timeout
            )
        except BodyTooLarge as exc:
            raise HTTPException(413, str(exc)) from None
        except BadBody as exc:
            raise HTTPException(400, str(exc)) from None
        except asyncio.TimeoutError:
            raise HTTPException(408, "the upload took longer than the request timeout") from None
        except ClientDisconnect:
            raise HTTPException(400, "the client went away during the upload") from None

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, Any]:
        """Liveness: the process answers (models may still be loading)."""
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> Any:
        """Readiness: 200 once this process's models are loaded, 503 before (or if they failed)."""
        if state.ready.is_set():
            return {"status": "ready"}
        body = {"status": "failed" if state.load_error else "loading", "error": state.load_error}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})

    @app.get("/openapi.json", dependencies=auth, include_in_schema=False)
    async def openapi() -> Any:
        return JSONResponse(app.openapi())

    @app.get("/v1/profiles", dependencies=auth, tags=["scan"])
    async def profiles() -> dict[str, Any]:
        """The shipped election profiles, and the one this server applies."""
        from ..rules import list_profiles

        scanner = state.scanner
        active = scanner.profile.summary() if scanner is not None and scanner.profile else None
        return {
            "active": active if active is not None else settings.profile,
            "profiles": [p.summary() for p in list_profiles()],
        }

    @app.post("/v1/scan", dependencies=auth, tags=["scan"], openapi_extra=_BINARY_BODY)
    async def scan(
        request: Request, annotate: bool = False, name: Optional[str] = None
    ) -> dict[str, Any]:
        """Scan one photo (multipart field ``file``, or the raw body). Returns its record, the
        same object as a line of ``report.jsonl``; bytes that are not a photo give a record with
        ``error``. ``annotate=true`` adds ``annotated_jpeg`` (base64; null when it has an error).
        ``name`` labels the record's ``path`` for a raw body (a multipart file name does so too).
        """
        require_ready()
        loop = asyncio.get_running_loop()
        start = loop.time()
        assert state.slots is not None
        try:
            await asyncio.wait_for(state.slots.acquire(), settings.queue_wait_s)
        except asyncio.TimeoutError:
            raise HTTPException(
                503, "the server is busy: try again shortly", headers=retry_after
            ) from None
        state.in_use += 1
        handed_over = False

        def free(*_: Any) -> None:
            state.in_use -= 1
            assert state.slots is not None
            state.slots.release()

        try:
            buf = bytearray()
            filename = await receive(
                request, settings.max_upload_bytes, buf.extend, settings.request_timeout_s
            )
            label = name if name is not None else filename
            work = loop.run_in_executor(
                state.executor, scan_bytes, state.scanner, bytes(buf), label, annotate
            )
            del buf
            left = max(0.0, settings.request_timeout_s - (loop.time() - start))
            try:
                result, jpeg = await asyncio.wait_for(asyncio.shield(work), left)
            except asyncio.TimeoutError:
                handed_over = True
                work.add_done_callback(free)  # the slot is free when the thread is
                raise HTTPException(504, "the scan took longer than the request timeout") from None
        finally:
            if not handed_over:
                free()
        record = result.to_dict()
        if annotate:
            record["annotated_jpeg"] = base64.b64encode(jpeg).decode("ascii") if jpeg else None
        return record

    @app.post(
        "/v1/jobs", dependencies=auth, tags=["jobs"], status_code=202, openapi_extra=_BINARY_BODY
    )
    async def post_job(request: Request, name: Optional[str] = None) -> Any:
        """Queue a video or a zip of photos (multipart field ``file``, or the raw body); the kind
        is read from the bytes. Poll ``/v1/jobs/{id}``; records at ``/v1/jobs/{id}/records``."""
        require_ready()
        try:
            job = state.jobs.reserve(name)
        except JobsFull:
            raise HTTPException(
                503, f"{settings.max_jobs} jobs are queued or running", headers=retry_after
            ) from None
        try:
            with open(job.upload, "wb") as fh:
                filename = await receive(
                    request, settings.max_job_bytes, fh.write, settings.request_timeout_s
                )
        except BaseException:
            state.jobs.discard(job)
            raise
        if name is None and filename is not None:
            job.update(name=filename)
        state.jobs.submit(job, state.scanner)
        return JSONResponse(job.state, status_code=202, headers={"Location": f"/v1/jobs/{job.id}"})

    @app.get("/v1/jobs", dependencies=auth, tags=["jobs"])
    async def list_jobs() -> dict[str, Any]:
        """Every job in the jobs folder (also those finished before a restart, with --jobs-dir)."""
        return {"jobs": state.jobs.list()}

    @app.get("/v1/jobs/{job_id}", dependencies=auth, tags=["jobs"])
    async def get_job(job_id: str) -> dict[str, Any]:
        """A job's state (queued, running, done, failed), progress and error."""
        found = state.jobs.get(job_id)
        if found is None:
            raise HTTPException(404, "no such job")
        return found

    @app.get("/v1/jobs/{job_id}/records", dependencies=auth, tags=["jobs"])
    async def job_records(job_id: str) -> Any:
        """The job's records so far as JSON lines (the lines of a ``report.jsonl``)."""
        data = state.jobs.records(job_id)
        if data is None:
            raise HTTPException(404, "no such job")
        return Response(data, media_type="application/x-ndjson")

    return app


def app_from_env() -> Any:
    """The app for ``uvicorn.run(..., factory=True, workers=N)``: settings from the environment
    (``GESTURE_SCAN_SERVE_SETTINGS``, ``GESTURE_SCAN_TOKEN``), as ``serve_command`` sets them."""
    return create_app(ServiceSettings.from_env())
