"""``gesture-scan review DIR``: the report served on 127.0.0.1, taking the officer's decisions.

Why a local server rather than export/import of a decisions file: a page opened from ``file://``
cannot write a file, so with a static page every decision would go through the browser's download
folder and back (and a forgotten export loses a day's work). A server in the report folder appends
each decision to ``review.jsonl`` the moment it is taken, synced to disk, and every reload shows
them because the page is rendered from the records and the decisions on each request. FastAPI, the
framework of ``gesture-scan serve``, so the later HTTP service can mount the same routes.

Bounds and safety:

- Listens on 127.0.0.1 only, and answers only requests whose ``Host`` is that address or
  ``localhost`` (a DNS-rebinding page cannot talk to it under another name).
- Writing needs the per-run token embedded in the page, sent as ``X-Review-Token``: a custom
  header that another site's page cannot send without a CORS preflight, which is never allowed.
- A decision must name a record of the report (its SHA-256 and frame) and one of its findings.
- Files served are the report's own images (names as gesture-scan writes them) and the originals
  the records name, an original only while its SHA-256 is still the record's; nothing else on the
  disk is reachable, and the evidence is only ever opened for reading.
"""

import hmac
import mimetypes
import os
import re
import secrets
import threading
from pathlib import Path
from typing import Any, Optional

from ..errors import ModelError, UsageError
from .decisions import (
    REVIEW_CSV,
    Decision,
    DecisionIn,
    append_decision,
    load_decisions,
    write_review_csv,
)

_IMAGE_NAME = re.compile(r"[A-Za-z0-9._-]{1,200}\.jpg")
TOKEN_HEADER = "X-Review-Token"


def require_fastapi() -> Any:
    try:
        import fastapi
    except ImportError as exc:
        raise ModelError(
            "gesture-scan review",
            f"needs the serve extra ({exc.name} is missing): pip install 'gesture-scan[serve]'",
        ) from None
    return fastapi


class _Records:
    """SHA-256 -> (path, {frame index: number of findings}), reread when report.jsonl changes."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._stamp: Any = None
        self._by_sha: dict[str, tuple[str, dict[Optional[int], int]]] = {}
        self._verified: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()

    def get(self) -> dict[str, tuple[str, dict[Optional[int], int]]]:
        from ..report.writer import read_jsonl, record_path

        jsonl = self.out_dir / "report.jsonl"
        st = jsonl.stat()
        with self._lock:
            if self._stamp != (st.st_mtime_ns, st.st_size):
                by_sha: dict[str, tuple[str, dict[Optional[int], int]]] = {}
                for r in read_jsonl(jsonl):
                    sha, path = r.get("sha256"), record_path(r)
                    if not isinstance(sha, str) or path is None:
                        continue
                    frame = r.get("frame") if isinstance(r.get("frame"), dict) else None
                    index = frame.get("index") if frame else None
                    by_sha.setdefault(sha, (path, {}))[1][index] = len(r.get("findings") or [])
                self._by_sha, self._stamp = by_sha, (st.st_mtime_ns, st.st_size)
            return self._by_sha

    def original(self, sha: str) -> Optional[Path]:
        """The input with this SHA-256, while its bytes still have it (checked once per size
        and modification time)."""
        from ..io.files import sha256_file

        known = self.get().get(sha)
        if known is None:
            return None
        path = known[0]
        try:
            st = os.stat(path)
        except OSError:
            return None
        key = (path, st.st_mtime_ns, st.st_size)
        if key not in self._verified:
            try:
                self._verified[key] = sha256_file(path)
            except OSError:
                return None
        return Path(path) if self._verified[key] == sha else None


def create_app(
    out_dir: Path,
    lang: Optional[str] = None,
    token: Optional[str] = None,
    reviewer: Optional[str] = None,
    port: Optional[int] = None,
) -> Any:
    """The review app for one report folder; ``token`` (default: a fresh random one) is what the
    page must send to write.

    Long because its routes are closures over this folder's state (the records, the token, the
    write lock), declared one after another as FastAPI reads them, catch-all last.
    """
    fastapi = require_fastapi()
    from fastapi import Request
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

    from ..report.html import PageOptions, build_page, render
    from ..report.i18n import check_lang
    from ..report.render import read_meta
    from ..report.writer import read_jsonl, register_outputs

    out_dir = Path(out_dir).resolve()
    if not (out_dir / "report.jsonl").is_file():
        raise UsageError(f"{out_dir}: no report.jsonl here (is it a gesture-scan report folder?)")
    token = token or secrets.token_urlsafe(24)
    meta = read_meta(out_dir)
    page_lang = check_lang(lang or meta.get("lang") or "id")
    records = _Records(out_dir)
    write_lock = threading.Lock()
    app = fastapi.FastAPI(title="gesture-scan review", docs_url=None, redoc_url=None)
    app.state.token = token

    @app.middleware("http")
    async def only_this_host(request: Request, call_next: Any) -> Any:
        host = (request.headers.get("host") or "").rsplit(":", 1)[0].strip("[]")
        if host not in ("127.0.0.1", "localhost", "::1"):
            return JSONResponse({"detail": "this server answers on 127.0.0.1 only"}, 421)
        return await call_next(request)

    def page(template: str) -> HTMLResponse:
        options = PageOptions(
            title=meta.get("title"),
            profile=meta.get("profile"),
            lang=page_lang,
            decisions=load_decisions(out_dir),
            review_token=token,
        )
        built, written = build_page(read_jsonl(out_dir / "report.jsonl"), out_dir, options)
        if written:
            register_outputs(out_dir, written)
        built.context["reviewer_default"] = reviewer or ""
        html = "".join(render(built, template))
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    @app.get("/", response_class=HTMLResponse)
    @app.get("/report.html", response_class=HTMLResponse)
    def report_page() -> HTMLResponse:
        return page("report.html.j2")

    @app.get("/casefile.html", response_class=HTMLResponse)
    def casefile_page() -> HTMLResponse:
        return page("casefile.html.j2")

    @app.get("/original/{sha256}")
    def original(sha256: str) -> Response:
        path = records.original(sha256) if re.fullmatch(r"[0-9a-f]{64}", sha256) else None
        if path is None:
            return JSONResponse({"detail": "no input of this report has that SHA-256 now"}, 404)
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=media)

    @app.get("/report.pdf")
    def pdf() -> Response:
        path = out_dir / "report.pdf"
        if not path.is_file():
            return JSONResponse({"detail": "no report.pdf: gesture-scan report DIR --pdf"}, 404)
        return FileResponse(path, media_type="application/pdf")

    @app.get("/review.csv")
    def review_csv() -> Response:
        with write_lock:
            path = write_review_csv(out_dir)
            register_outputs(out_dir, [REVIEW_CSV])
        return FileResponse(path, media_type="text/csv; charset=utf-8", filename=REVIEW_CSV)

    def allowed(request: Request) -> bool:
        sent = request.headers.get(TOKEN_HEADER, "")
        return hmac.compare_digest(sent.encode(), token.encode())

    @app.get("/api/decisions")
    def list_decisions(request: Request) -> Response:
        if not allowed(request):
            return JSONResponse({"detail": f"missing or wrong {TOKEN_HEADER}"}, 403)
        from .decisions import read_decisions

        return JSONResponse([{**d.model_dump(), "id": d.id} for d in read_decisions(out_dir)])

    @app.post("/api/decisions")
    def decide(given: DecisionIn, request: Request) -> Response:
        if not allowed(request):
            return JSONResponse({"detail": f"missing or wrong {TOKEN_HEADER}"}, 403)
        known = records.get().get(given.sha256)
        if known is None or given.frame not in known[1]:
            return JSONResponse({"detail": "no record of this report has that SHA-256/frame"}, 422)
        if given.finding is not None and given.finding >= known[1][given.frame]:
            return JSONResponse({"detail": f"the record has no finding {given.finding}"}, 422)
        decision = Decision.now(given)
        with write_lock:
            append_decision(out_dir, decision)
        return JSONResponse({**decision.model_dump(), "id": decision.id}, 201)

    # Last: a catch-all of two path segments must not shadow /api/... or /original/...
    @app.get("/{folder}/{name}")
    def image(folder: str, name: str) -> Response:
        if folder not in ("annotated", "frames", "thumbs") or not _IMAGE_NAME.fullmatch(name):
            return JSONResponse({"detail": "not found"}, 404)
        path = out_dir / folder / name
        if not path.is_file() or path.is_symlink():
            return JSONResponse({"detail": "not found"}, 404)
        return FileResponse(path, media_type="image/jpeg")

    return app


def serve(
    out_dir: Path, port: int = 8765, lang: Optional[str] = None, reviewer: Optional[str] = None
) -> None:
    """Run the review app with uvicorn on 127.0.0.1 until Ctrl-C."""
    from rich.console import Console

    from ..messages import default_lang, msg

    app = create_app(out_dir, lang, reviewer=reviewer, port=port)
    import uvicorn

    url = f"http://127.0.0.1:{port}/"
    shown = lang or default_lang()
    where = Path(out_dir) / "review.jsonl"
    Console(stderr=True).print(msg(shown, "review_at", url=url, where=where), soft_wrap=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
