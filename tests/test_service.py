"""The HTTP service with a real server: uvicorn on 127.0.0.1 in a thread, called with httpx.

One server for the module (models load once); its Scanner is the library the records are
compared with (``state.scanner.scan_image``), so "equal to the library" means the same models
and the same bytes, through the library's own entry point.
"""

from __future__ import annotations

import base64
import io
import json
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")

from gesture_scan.errors import InputError, UsageError  # noqa: E402
from gesture_scan.service.app import create_app  # noqa: E402
from gesture_scan.service.jobs import INTERRUPTED, JobStore  # noqa: E402
from gesture_scan.service.settings import TOKEN_ENV, ServiceSettings, is_loopback  # noqa: E402
from gesture_scan.service.zipped import ZipLimits, ZipPhotos  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT / "samples" / "rendered_campaign_1.jpg"
PHOTO2 = ROOT / "samples" / "rendered_campaign_2.jpg"
TOKEN = "s3cret-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SLOTS = 16


def _timeless(record: dict[str, Any]) -> dict[str, Any]:
    """The record without wall-clock timings (the only part two scans may differ in)."""
    out = json.loads(json.dumps(record))
    meta = out.get("meta", {})
    meta.pop("seconds", None)
    meta.pop("stage_seconds", None)
    return out


def _jpeg(path: Path, width: int) -> bytes:
    img = cv2.imread(str(path))
    h = round(img.shape[0] * width / img.shape[1])
    ok, buf = cv2.imencode(".jpg", cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA))
    assert ok
    return buf.tobytes()


class LiveServer:
    def __init__(self, settings: ServiceSettings) -> None:
        self.app = create_app(settings)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level="warning", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def state(self) -> Any:
        return self.app.state.service

    def start(self, timeout: float = 120.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError("the server did not become ready")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()


@pytest.fixture(scope="module")
def jobs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jobs")


@pytest.fixture(scope="module")
def live(jobs_dir: Path) -> Iterator[LiveServer]:
    settings = ServiceSettings(
        token=TOKEN,
        max_upload_mb=1.0,
        max_job_mb=8.0,
        queue=SLOTS,
        queue_wait_s=1.0,
        jobs_dir=str(jobs_dir),
    )
    server = LiveServer(settings)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(live: LiveServer) -> Iterator[Any]:
    with httpx.Client(base_url=live.url, headers=AUTH, timeout=120) as c:
        yield c


def _wait_job(client: Any, job_id: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(f"/v1/jobs/{job_id}").json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def _records(client: Any, job_id: str) -> list[dict[str, Any]]:
    r = client.get(f"/v1/jobs/{job_id}/records")
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-ndjson"
    return [json.loads(line) for line in r.text.splitlines()]


# -- without models ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("192.168.1.5", False), ("example.org", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_refuses_a_network_host_without_a_token() -> None:
    with pytest.raises(UsageError, match="without a token"):
        ServiceSettings(host="0.0.0.0")
    assert ServiceSettings(host="0.0.0.0", token="t").token == "t"


def test_settings_travel_through_the_environment_without_the_token() -> None:
    settings = ServiceSettings(host="0.0.0.0", token="tok", queue=3, jobs_dir="/srv/jobs")
    env = {"GESTURE_SCAN_SERVE_SETTINGS": settings.to_env(), TOKEN_ENV: "tok"}
    assert "tok" not in env["GESTURE_SCAN_SERVE_SETTINGS"]
    assert ServiceSettings.from_env(env) == settings


def test_serve_command_refuses_0000_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    from gesture_scan.service.command import serve_command

    monkeypatch.delenv(TOKEN_ENV, raising=False)
    app = typer.Typer()
    app.command()(serve_command)
    result = CliRunner().invoke(app, ["--host", "0.0.0.0", "--port", "8765"])
    assert isinstance(result.exception, UsageError), result.output
    assert "without a token" in str(result.exception)
    help_text = CliRunner().invoke(app, ["--help"]).output
    for option in ("--host", "--port", "--workers", "--token-file", "--max-upload-mb", "--queue"):
        assert option in help_text


def test_module_entry_point_exits_2_on_0000_without_a_token() -> None:
    env = {k: v for k, v in __import__("os").environ.items() if k != TOKEN_ENV}
    proc = subprocess.run(
        [sys.executable, "-m", "gesture_scan.service", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2 and "without a token" in proc.stderr


def test_command_module_does_not_import_the_web_stack() -> None:
    code = (
        "import sys, gesture_scan.cli, gesture_scan.service.command; "
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_missing_extra_names_it() -> None:
    code = (
        "import sys; sys.modules['fastapi'] = None\n"
        "from gesture_scan.service.app import require_fastapi\n"
        "from gesture_scan.errors import ModelError\n"
        "try:\n    require_fastapi()\nexcept ModelError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "pip install 'gesture-scan[serve]'" in out.stdout, out.stderr


def test_readyz_is_503_until_the_models_are_loaded() -> None:
    """An app whose lifespan has not run has no models: not ready, and scans are refused."""
    import asyncio

    app = create_app(ServiceSettings(token=TOKEN))

    async def calls() -> list[Any]:
        # httpx's ASGI transport runs no lifespan, so the models never load.
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return [
                await c.get("/healthz"),
                await c.get("/readyz"),
                await c.post("/v1/scan", content=b"x", headers=AUTH),
            ]

    health, ready, scan = asyncio.run(calls())
    assert health.status_code == 200
    assert ready.status_code == 503 and ready.json()["status"] == "loading"
    assert scan.status_code == 503 and scan.headers["retry-after"] == "5"


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_bombs_and_member_counts_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(_zip({"a.jpg": b"\0" * (3 * 1024 * 1024), "b.jpg": b"small"}))
    assert path.stat().st_size < 100_000  # a real bomb: tiny on the wire
    limits = ZipLimits(max_members=10, max_member_bytes=1024 * 1024, max_total_bytes=10**8)
    with ZipPhotos(path, limits) as photos:
        members = list(photos)
    assert members[0].data is None and "larger than the limit" in (members[0].error or "")
    assert members[1].data == b"small"
    with pytest.raises(InputError, match="uncompressed"):
        ZipPhotos(path, ZipLimits(max_total_bytes=1024 * 1024))
    with pytest.raises(InputError, match="more than 1"):
        ZipPhotos(path, ZipLimits(max_members=1))
    (tmp_path / "not.zip").write_bytes(b"PK\x03\x04 but nothing else")
    with pytest.raises(InputError, match="not a readable zip"):
        ZipPhotos(tmp_path / "not.zip", ZipLimits())


def test_unfinished_jobs_are_marked_failed_after_a_restart(tmp_path: Path) -> None:
    store = JobStore(tmp_path, max_jobs=4, limits=ZipLimits())
    live_job = store.reserve("still-running.mp4")  # this process holds its lock
    dead = tmp_path / ("a" * 32)
    dead.mkdir()
    (dead / "upload").write_bytes(b"video bytes")
    (dead / "job.json").write_text(json.dumps({"id": dead.name, "state": "running"}))
    done = tmp_path / ("b" * 32)
    done.mkdir()
    (done / "job.json").write_text(json.dumps({"id": done.name, "state": "done"}))
    counts = JobStore(tmp_path, max_jobs=4, limits=ZipLimits()).recover()
    assert counts == {"queued": 1, "running": 0, "done": 1, "failed": 1}
    assert store.get(dead.name) == {
        "id": dead.name, "state": "failed", "error": INTERRUPTED,
        "finished": store.get(dead.name)["finished"],  # type: ignore[index]
    }  # fmt: skip
    assert not (dead / "upload").exists()
    assert store.get(live_job.id)["state"] == "queued"  # type: ignore[index]
    assert store.get("../" + "a" * 29) is None
    store.discard(live_job)
    store.close()


# -- a real server --------------------------------------------------------------------------


@pytest.mark.models
def test_health_needs_no_token_and_the_rest_does(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as anon:
        assert anon.get("/healthz").status_code == 200
        assert anon.get("/readyz").json() == {"status": "ready"}
        for method, path in (
            ("POST", "/v1/scan"),
            ("GET", "/v1/profiles"),
            ("POST", "/v1/jobs"),
            ("GET", "/v1/jobs"),
            ("GET", "/openapi.json"),
        ):
            r = anon.request(method, path, content=b"x")
            assert r.status_code == 401, path
            assert r.headers["www-authenticate"] == "Bearer"
            wrong = {"Authorization": "Bearer " + TOKEN[:-1] + "X"}
            assert anon.request(method, path, content=b"x", headers=wrong).status_code == 401
        assert anon.get("/docs").status_code == 404  # Swagger UI would need a CDN
        spec = anon.get("/openapi.json", headers=AUTH).json()
        assert {"/v1/scan", "/v1/jobs", "/v1/jobs/{job_id}/records"} <= set(spec["paths"])


@pytest.mark.models
def test_a_photo_gives_the_librarys_record(live: LiveServer, client: Any) -> None:
    data = PHOTO.read_bytes()
    expected = live.state.scanner.scan_image(data).to_dict()
    raw = client.post("/v1/scan", content=data)
    assert raw.status_code == 200
    assert _timeless(raw.json()) == _timeless(expected)
    assert raw.json()["objects"]  # the sample shows banners: a real scan, not an empty record
    # Multipart with a name (the name labels the record; the bytes decide what it is).
    multi = client.post(
        "/v1/scan", params={"annotate": "true"}, files={"file": ("notes.txt", data, "text/plain")}
    )
    record = multi.json()
    jpeg = base64.b64decode(record.pop("annotated_jpeg"))
    assert cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR).shape[:2] == (
        expected["height"],
        expected["width"],
    )
    assert record["path"] == "notes.txt"
    assert _timeless({**record, "path": None}) == _timeless(expected)


@pytest.mark.models
def test_profiles(client: Any) -> None:
    body = client.get("/v1/profiles").json()
    assert body["active"]["id"] == "pilpres-2024"
    assert "pilpres-2024" in {p["id"] for p in body["profiles"]}


@pytest.mark.models
@pytest.mark.parametrize(
    "data",
    [b"definitely not a photo", b"\xff\xd8\xff\xe0" + b"\0" * 100, b""],
    ids=["text", "truncated-jpeg", "empty"],
)
def test_bad_bytes_give_an_error_record_not_a_500(
    live: LiveServer, client: Any, data: bytes
) -> None:
    r = client.post("/v1/scan", content=data)
    assert r.status_code == 200
    assert r.json()["error"]
    assert r.json() == live.state.scanner.scan_image(data).to_dict()


@pytest.mark.models
def test_oversize_bodies_get_413(client: Any) -> None:
    big = b"\xff" * (1024 * 1024 + 1)
    assert client.post("/v1/scan", content=big).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams
        for _ in range(20):
            yield b"\0" * 65536

    assert client.post("/v1/scan", content=chunks()).status_code == 413
    # Multipart counts the whole body, headers and all.
    assert client.post("/v1/scan", files={"file": ("a.jpg", big)}).status_code == 413


@pytest.mark.models
def test_16_concurrent_requests_equal_the_library(live: LiveServer, client: Any) -> None:
    data = _jpeg(PHOTO, 480)
    expected = _timeless(live.state.scanner.scan_image(data).to_dict())
    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(lambda _: client.post("/v1/scan", content=data), range(16)))
    assert [r.status_code for r in responses] == [200] * 16
    assert all(_timeless(r.json()) == expected for r in responses)


@pytest.mark.models
def test_a_full_queue_answers_503_with_retry_after(live: LiveServer, client: Any) -> None:
    """Slow uploads hold every slot (a slot is taken before the body is read); one more: 503."""
    held = []
    head = (
        f"POST /v1/scan HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
        "Content-Length: 100000\r\n\r\n"
    ).encode()
    try:
        for _ in range(SLOTS):
            s = socket.create_connection(("127.0.0.1", live.port))
            s.sendall(head + b"\xff\xd8")
            held.append(s)
        deadline = time.monotonic() + 30
        while live.state.in_use < SLOTS and time.monotonic() < deadline:
            time.sleep(0.05)
        assert live.state.in_use == SLOTS
        r = client.post("/v1/scan", content=b"x")
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
    finally:
        for s in held:
            s.close()
    deadline = time.monotonic() + 30
    while live.state.in_use and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live.state.in_use == 0
    assert client.post("/v1/scan", content=b"x").status_code == 200


@pytest.mark.models
def test_slow_uploads_get_408_and_slow_scans_504(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second server with a 0.3 s timeout and one slot, sharing the module server's models.

    The timeout is well under the big photo's scan (about 1.1 s on an idle 2-core machine, more
    under load): at 1.5 s the test failed whenever the machine was idle."""
    from gesture_scan.service.app import ServiceState

    def borrow(self: ServiceState) -> None:
        self.scanner = live.state.scanner
        self.ready.set()

    monkeypatch.setattr(ServiceState, "_load", borrow)
    short = LiveServer(ServiceSettings(token=TOKEN, queue=1, queue_wait_s=0.2,
                                       request_timeout_s=0.3))  # fmt: skip
    short.start()
    try:
        with socket.create_connection(("127.0.0.1", short.port)) as s:
            s.sendall(
                f"POST /v1/scan HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                "Content-Length: 1000\r\n\r\nabc".encode()
            )
            s.settimeout(30)
            assert s.recv(4096).startswith(b"HTTP/1.1 408 ")
        img = cv2.imread(str(PHOTO))
        big = cv2.imencode(".jpg", cv2.resize(img, (4096, 2730)))[1].tobytes()
        with httpx.Client(base_url=short.url, headers=AUTH, timeout=60) as c:
            t0 = time.monotonic()
            r = c.post("/v1/scan", content=big)
            assert r.status_code == 504 and time.monotonic() - t0 < 10
            # The timed-out scan still runs and keeps the only slot until it is done.
            assert short.state.in_use == 1
            busy = c.post("/v1/scan", content=b"x")
            assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
            deadline = time.monotonic() + 60
            while short.state.in_use and time.monotonic() < deadline:
                time.sleep(0.1)
            assert c.post("/v1/scan", content=b"x").status_code == 200
    finally:
        short.state.scanner = None  # the module server's: not this server's to close
        short.stop()


@pytest.mark.models
def test_a_zip_job_scans_photos_and_records_the_rest(
    live: LiveServer, client: Any, jobs_dir: Path, tmp_path: Path
) -> None:
    small = _jpeg(PHOTO, 320)
    members = {
        "a/one.jpg": small,
        "two.jpg": _jpeg(PHOTO2, 320),
        "notes.txt": b"not a photo",
        "../x.jpg": small,  # a traversal name: a label in the record, never a path
        "/abs.jpg": small,
    }
    r = client.post("/v1/jobs", files={"file": ("evidence.zip", _zip(members))})
    assert r.status_code == 202
    job = r.json()
    assert r.headers["location"] == f"/v1/jobs/{job['id']}"
    final = _wait_job(client, job["id"])
    assert final["state"] == "done" and final["kind"] == "zip" and final["name"] == "evidence.zip"
    assert final["progress"] == {"records": 5, "total": 5, "fraction": 1.0}
    records = _records(client, job["id"])
    assert [rec["path"] for rec in records] == list(members)
    for rec, (name, data) in zip(records, members.items()):
        assert _timeless(rec) == _timeless(live.state.scanner.scan_image(data, path=name).to_dict())
    assert records[2]["error"] and not records[0]["error"]
    # Nothing was extracted: the job folder holds its state and records only, and no x.jpg
    # appeared beside it or above it.
    assert sorted(p.name for p in (jobs_dir / job["id"]).iterdir()) == [
        "job.json",
        "lock",
        "records.jsonl",
    ]
    for folder in (jobs_dir, jobs_dir.parent, Path.cwd()):
        assert not (folder / "x.jpg").exists()
        assert not (folder / "abs.jpg").exists()
    assert job["id"] in {j["id"] for j in client.get("/v1/jobs").json()["jobs"]}


@pytest.mark.models
def test_a_video_job_gives_the_librarys_frames(
    live: LiveServer, client: Any, tmp_path: Path
) -> None:
    frames = [cv2.imdecode(np.frombuffer(_jpeg(p, 320), np.uint8), 1) for p in (PHOTO, PHOTO2)]
    h, w = frames[0].shape[:2]
    path = tmp_path / "event.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 5.0, (w, h))
    assert writer.isOpened()
    for f in frames:
        for _ in range(5):
            writer.write(cv2.resize(f, (w, h)))
    writer.release()
    r = client.post("/v1/jobs", content=path.read_bytes(), params={"name": "event.mp4"})
    assert r.status_code == 202
    final = _wait_job(client, r.json()["id"])
    assert final["state"] == "done" and final["kind"] == "video", final
    records = _records(client, final["id"])
    expected = [res.to_dict() for res in live.state.scanner.scan_video(path)]
    assert len(records) == len(expected) >= 2
    for rec, exp in zip(records, expected):
        exp = _timeless(exp)
        exp["path"] = "event.mp4"  # records name the upload, not the file it was decoded from
        if "video" in exp.get("meta", {}):
            exp["meta"]["video"]["path"] = "event.mp4"
        assert _timeless(rec) == exp
    assert final["progress"]["records"] == len(records)
    # One photo as a job: one record, the library's.
    photo = _jpeg(PHOTO, 320)
    final = _wait_job(client, client.post("/v1/jobs", content=photo).json()["id"])
    assert (final["state"], final["kind"]) == ("done", "photo")
    [record] = _records(client, final["id"])
    assert _timeless(record) == _timeless(live.state.scanner.scan_image(photo).to_dict())
    # Not a video, a photo or a zip: one error record, the job still ends cleanly.
    r = client.post("/v1/jobs", content=b"hello")
    final = _wait_job(client, r.json()["id"])
    assert final["state"] == "done"
    [record] = _records(client, final["id"])
    assert record["error"]


@pytest.mark.models
def test_unknown_jobs_are_404(client: Any) -> None:
    assert client.get("/v1/jobs/" + "0" * 32).status_code == 404
    assert client.get("/v1/jobs/..%2F..%2Fetc").status_code == 404
    assert client.get("/v1/jobs/" + "0" * 32 + "/records").status_code == 404
