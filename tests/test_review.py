"""The review server (``gesture-scan review DIR``) for real: uvicorn on 127.0.0.1 in a thread,
called with httpx. Decisions land in ``review.jsonl``, survive a restart, show on the page and in
the CSV export; the server refuses what it must (no token, another Host, a record or finding the
report does not have, files outside the report) and never shows a changed original.

No models: the report is built from records in the JSON-lines shape over real little JPEGs.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from gesture_scan.report.render import render_report, write_meta
from gesture_scan.review.decisions import finding_id, load_decisions

httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")
pytest.importorskip("fastapi")

from gesture_scan.review.app import TOKEN_HEADER, create_app  # noqa: E402


class LiveServer:
    """The review app on a free port of 127.0.0.1, in a thread of this process."""

    def __init__(self, out_dir: Path, **kw: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(out_dir, port=self.port, **kw)
        self.token = self.app.state.token
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/", timeout=5)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the review server did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()

    def post(self, payload: dict[str, Any], token: str | None = None) -> Any:
        headers = {TOKEN_HEADER: self.token if token is None else token}
        return httpx.post(self.url + "/api/decisions", json=payload, headers=headers, timeout=10)


def _photo(path: Path, colour: tuple[int, int, int]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), colour).save(path, quality=90)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record(path: Path, sha: str, findings: int) -> dict[str, Any]:
    return {
        "path": str(path),
        "sha256": sha,
        "frame": None,
        "width": 64,
        "height": 48,
        "error": None,
        "people": 2,
        "group": True,
        "faces": [],
        "hands": [],
        "objects": [],
        "texts": [],
        "findings": [
            {
                "rule": f"rule-{i}",
                "severity": "high",
                "message": f"finding {i}",
                "message_id": f"temuan {i}",
                "score": 0.9,
                "references": ["UU No. 5 Tahun 2014"],
                "details": {"number": 2},
            }
            for i in range(findings)
        ],
        "flagged": bool(findings),
        "severity": "high" if findings else None,
        "triage_score": 0.9 if findings else 0.0,
    }


@pytest.fixture
def report(tmp_path: Path) -> dict[str, Any]:
    """A report folder of two photos (one with two findings) and their evidence folder."""
    evidence, out = tmp_path / "bukti", tmp_path / "laporan"
    out.mkdir()
    a, b = evidence / "a.jpg", evidence / "b.jpg"
    sha_a, sha_b = _photo(a, (200, 30, 30)), _photo(b, (30, 200, 30))
    lines = [_record(a, sha_a, 2), _record(b, sha_b, 0)]
    (out / "report.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8"
    )
    write_meta(out, "Aduan 7", None, "id")
    return {"out": out, "a": a, "b": b, "sha_a": sha_a, "sha_b": sha_b}


def _decision(report: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {
        "reviewer": "Siti Rahma",
        "decision": "confirmed",
        "note": "jelas salam dua jari",
        "sha256": report["sha_a"],
        "frame": None,
        "finding": 1,
        "rule": "rule-1",
        "path": str(report["a"]),
        **kw,
    }


def test_decisions_are_appended_kept_and_shown(report: dict[str, Any]) -> None:
    out = report["out"]
    with LiveServer(out) as srv:
        page = httpx.get(srv.url + "/", timeout=10).text
        assert f'data-review="{srv.token}"' in page and 'lang="id"' in page
        got = srv.post(_decision(report))
        assert got.status_code == 201, got.text
        body = got.json()
        assert body["id"] == finding_id(report["sha_a"], None, 1) and body["time"]
        # The officer changes their mind: both lines are kept, the latest one counts.
        assert srv.post(_decision(report, decision="needs-check", note="")).status_code == 201
        whole = _decision(report, finding=None, rule=None, decision="rejected")
        assert srv.post(whole).status_code == 201
        page = httpx.get(srv.url + "/", timeout=10).text
        listed = httpx.get(srv.url + "/api/decisions", headers={TOKEN_HEADER: srv.token})
        assert len(listed.json()) == 3
        export = httpx.get(srv.url + "/review.csv", timeout=10)
    lines = (out / "review.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["decision"] for x in lines] == ["confirmed", "needs-check", "rejected"]
    latest = load_decisions(out)
    assert latest[finding_id(report["sha_a"], None, 1)].decision == "needs-check"
    assert latest[finding_id(report["sha_a"], None, None)].decision == "rejected"
    # The reloaded page shows them (in Indonesian), and so does the static page re-rendered.
    assert "Perlu dicek" in page and "Ditolak" in page and "Siti Rahma" in page
    render_report(out)
    static = (out / "report.html").read_text(encoding="utf-8")
    assert "Perlu dicek" in static and "<body data-review" not in static
    # CSV export: UTF-8 with BOM, ';' between fields, every decision with its finding id.
    assert export.status_code == 200 and export.content.startswith(b"\xef\xbb\xbf")
    rows = export.content.decode("utf-8-sig").splitlines()
    assert rows[0].split(";")[:3] == ["time", "reviewer", "decision"] and len(rows) == 4
    assert finding_id(report["sha_a"], None, 1) in rows[1]
    assert (out / "review.csv").is_file()
    assert "review.csv" in (out / ".gesture-scan-files").read_text()
    # The report's CSV carries the latest decision of each photo.
    csv_text = (out / "report.csv").read_text(encoding="utf-8-sig")
    assert "rejected" in csv_text.splitlines()[1]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"sha256": "0" * 64}, 422),  # no such record
        ({"finding": 2}, 422),  # the record has findings 0 and 1
        ({"frame": 5}, 422),  # a photo, not a video frame
        ({"decision": "maybe"}, 422),
        ({"reviewer": ""}, 422),
        ({"sha256": "../../etc/passwd"}, 422),
        ({"extra": 1}, 422),
    ],
)
def test_bad_decisions_are_refused(report: dict[str, Any], change: dict, status: int) -> None:
    with LiveServer(report["out"]) as srv:
        got = srv.post(_decision(report, **change))
    assert got.status_code == status, got.text
    assert not (report["out"] / "review.jsonl").exists()


def test_writing_needs_the_token_and_this_host(report: dict[str, Any]) -> None:
    with LiveServer(report["out"]) as srv:
        assert srv.post(_decision(report), token="").status_code == 403
        assert srv.post(_decision(report), token="guess").status_code == 403
        # A page on another name that resolves to 127.0.0.1 (DNS rebinding) gets nothing.
        other = httpx.get(srv.url + "/", headers={"Host": "evil.example:80"}, timeout=10)
        assert other.status_code == 421
        assert httpx.get(srv.url + "/api/decisions", timeout=10).status_code == 403
    assert not (report["out"] / "review.jsonl").exists()


def test_only_the_reports_files_and_unchanged_originals_are_served(
    report: dict[str, Any], tmp_path: Path
) -> None:
    out = report["out"]
    (tmp_path / "secret.jpg").write_bytes(b"not yours")
    with LiveServer(out) as srv:
        page = httpx.get(srv.url + "/", timeout=10).text
        thumbs = sorted(p.name for p in (out / "thumbs").iterdir())
        assert len(thumbs) == 2  # made from the originals (no annotated copies here)
        assert f"thumbs/{thumbs[0]}" in page
        assert httpx.get(f"{srv.url}/thumbs/{thumbs[0]}", timeout=10).status_code == 200
        for bad in ("thumbs/..%2F..%2Fsecret.jpg", "annotated/../../secret.jpg", "etc/passwd"):
            assert httpx.get(f"{srv.url}/{bad}", timeout=10).status_code == 404, bad
        original = httpx.get(f"{srv.url}/original/{report['sha_a']}", timeout=10)
        assert original.status_code == 200 and original.content == report["a"].read_bytes()
        assert f"original/{report['sha_a']}" in page
        # Evidence that changed since the scan is not shown as the evidence.
        report["b"].write_bytes(report["b"].read_bytes() + b"\0")
        changed = httpx.get(f"{srv.url}/original/{report['sha_b']}", timeout=10)
        assert changed.status_code == 404
        assert httpx.get(f"{srv.url}/original/{'0' * 64}", timeout=10).status_code == 404


def test_review_command_serves_on_loopback(report: dict[str, Any]) -> None:
    """``gesture-scan review DIR --port N`` as a user starts it: the page answers on 127.0.0.1
    (Indonesian, the reviewer's name filled in) and the process stops on SIGTERM."""
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = "from gesture_scan.cli import main; main()"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            cmd,
            "review",
            str(report["out"]),
            "--port",
            str(port),
            "--reviewer",
            "Siti",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, page = time.monotonic() + 60, None
        while time.monotonic() < deadline and page is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)
        assert page is not None and page.status_code == 200
        assert 'lang="id"' in page.text and 'value="Siti"' in page.text
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in " ".join(err.split())
