"""Bounded load test of ``gesture-scan serve`` on loopback: requests/s and p50/p95 latency.

Starts one server process (``python -m gesture_scan.service``, one worker, a random token) on
127.0.0.1 only, waits for ``/readyz``, then at each concurrency sends a fixed number of
``POST /v1/scan`` requests of one photo, stopping early at a time cap, and writes the figures to
``bench/service.json``. Nothing leaves the machine.

    .venv/bin/python scripts/bench_service.py --requests 16 --cap-s 120
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_level(url: str, headers: dict[str, str], data: bytes, concurrency: int, n: int,
              cap_s: float) -> dict[str, Any]:  # fmt: skip
    """``n`` requests from ``concurrency`` threads; none is started after ``cap_s``."""
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    left = [n]
    t0 = time.perf_counter()
    deadline = t0 + cap_s

    def worker() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=cap_s + 60) as client:
            while True:
                with lock:
                    if left[0] == 0 or time.perf_counter() > deadline:
                        return
                    left[0] -= 1
                start = time.perf_counter()
                try:
                    r = client.post("/v1/scan", content=data)
                    status = str(r.status_code)
                    if r.status_code == 200 and r.json().get("error"):
                        status = "200 with error"  # not a full scan: kept out of the figures
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                took = time.perf_counter() - start
                with lock:
                    statuses[status] += 1
                    if status == "200":
                        latencies.append(took)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    ok = len(latencies)
    return {
        "concurrency": concurrency,
        "requests": n,
        "sent": sum(statuses.values()),
        "ok": ok,
        "statuses": dict(statuses),
        "seconds": round(wall, 2),
        "requests_per_s": round(ok / wall, 3) if wall > 0 else None,
        "p50_ms": round(1000 * statistics.median(latencies)) if ok else None,
        "p95_ms": round(1000 * _percentile(latencies, 0.95)) if ok else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photo", type=Path, default=ROOT / "samples" / "rendered_campaign_1.jpg")
    ap.add_argument("--requests", type=int, default=16, help="requests per concurrency level")
    ap.add_argument("--cap-s", type=float, default=120.0, help="time cap per level")
    ap.add_argument("--levels", default="1,4,16")
    ap.add_argument("--queue", type=int, default=16, help="the server's --queue")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "service.json")
    args = ap.parse_args()
    data = args.photo.read_bytes()
    token = secrets.token_urlsafe(24)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GESTURE_SCAN_TOKEN": token}
    cmd = [sys.executable, "-m", "gesture_scan.service", "--host", "127.0.0.1", "--port",
           str(port), "--queue", str(args.queue), "--timeout", "600"]  # fmt: skip
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        t0 = time.perf_counter()
        while True:
            if server.poll() is not None:
                raise SystemExit(f"the server exited: {server.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.perf_counter() - t0 > 180:
                raise SystemExit("the server was not ready within 180 s")
            time.sleep(0.25)
        ready_s = time.perf_counter() - t0
        headers = {"Authorization": f"Bearer {token}"}
        run_level(url, headers, data, 1, 2, args.cap_s)  # warm-up: first calls are slower
        levels = []
        for c in (int(x) for x in args.levels.split(",")):
            level = run_level(url, headers, data, c, args.requests, args.cap_s)
            print(json.dumps(level))
            levels.append(level)
    finally:
        server.terminate()
        server.wait(30)
    out = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpu": _cpu(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "note": "one server process (--workers 1) on 127.0.0.1; client threads in another "
        "process on the same cores; a Scanner's stages take turns, so concurrency adds queueing, "
        "not throughput",
        "photo": {"path": str(args.photo.relative_to(ROOT)), "bytes": len(data)},
        "server": {"workers": 1, "queue": args.queue, "ready_after_s": round(ready_s, 1)},
        "requests_per_level": args.requests,
        "cap_s_per_level": args.cap_s,
        "levels": levels,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
