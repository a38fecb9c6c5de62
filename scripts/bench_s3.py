"""``s3://`` inputs against local files (issue 17): what reading photos from object storage costs.

An S3 server (moto's, ``python -m moto.server``) runs in a process of its own on 127.0.0.1; the
same ``--photos`` photos (real ones from ``../shared/train/hands``, never ``../shared/fieldset``;
without ``../shared`` the bundled samples repeated) are uploaded to it and copied to a local
folder. Measured, local files against the bucket:

- ``list_s``: ``discover`` of the folder against listing the prefix;
- ``read``: every input read and hashed (``sha256_file``, as ``--resume`` does; for ``s3://`` one
  ``GET`` per object): objects/s and MB/s, the transport alone;
- ``scan``: the scan itself, photos/s, with one ``Scanner`` in this process (models loaded before
  the clock starts) and with the local pool of ``--workers`` processes (start-up included and
  apart), ``annotate=True``; results consumed, not written;
- ``records_equal``: whether both gave the same records apart from the path and ``meta`` timings.

moto is a Python server, slower per request than MinIO or AWS, so the ``s3`` figures are a floor
for a real server on the same network. Also records the share of the machine's CPU that other
processes used meanwhile (the machine is shared). Writes ``bench/s3.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "src"))  # for gesture_scan_devkit
TIMINGS = ("seconds", "stage_seconds")
BUCKET = "bench"


def photos(n: int) -> tuple[list[tuple[str, Path]], str]:
    """``n`` (name, source) pairs."""
    from gesture_scan_devkit.handset import shared_dir

    base = shared_dir()
    if base is not None and (base / "train" / "hands").is_dir():
        found = sorted((base / "train" / "hands").glob("*.jpg"))[:n]
        return [(p.name, p) for p in found], "../shared/train/hands (real hand photos)"
    samples = sorted((ROOT / "samples").glob("*.jpg"))
    cycled = itertools.islice(itertools.cycle(samples), n)
    return [(f"{i:04d}_{p.name}", p) for i, p in enumerate(cycled)], "samples/ repeated"


class OtherLoad:
    """Share of the machine's CPU used by processes other than this one and its children."""

    def __enter__(self) -> OtherLoad:
        self._t0, self._busy0, self._own0 = time.monotonic(), self._busy(), self._own()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.monotonic() - self._t0
        other = (self._busy() - self._busy0) - (self._own() - self._own0)
        self.share = round(max(0.0, other) / (wall * (os.cpu_count() or 1)), 2)

    @staticmethod
    def _busy() -> float:
        t = psutil.cpu_times()
        return float(t.user + t.nice + t.system)

    @staticmethod
    def _own() -> float:
        me = psutil.Process()
        total = sum(me.cpu_times()[:4])
        for child in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += sum(child.cpu_times()[:2])
        return float(total)


def record(done: Any, base: str) -> dict[str, Any]:
    d = done.result.to_dict()
    d["path"] = d["path"][len(base) :]
    d["meta"] = {k: v for k, v in d.get("meta", {}).items() if k not in TIMINGS}
    return d


def timed_scan(scan: Callable[[], Iterator[Any]]) -> tuple[list[Any], dict[str, float]]:
    t0 = time.perf_counter()
    out, first = [], None
    with OtherLoad() as load:
        for done in scan():
            out.append(done)
            if first is None:
                first = time.perf_counter()
    end = time.perf_counter()
    assert first is not None
    return out, {
        "wall_s": round(end - t0, 2),
        "first_result_s": round(first - t0, 2),
        "photos_per_s": round(len(out) / (end - t0), 2),
        "steady_photos_per_s": round((len(out) - 1) / (end - first), 2) if end > first else 0.0,
        "other_processes_cpu_share": load.share,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--photos", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "s3.json")
    args = ap.parse_args()

    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    import boto3

    from gesture_scan.config import ScanConfig
    from gesture_scan.io import discover, remote, sha256_file
    from gesture_scan.people.attire import AttireOptions
    from gesture_scan.pipeline import Scanner, Task, scan_in_workers, scan_task
    from gesture_scan_devkit.s3server import moto_process

    config = ScanConfig().with_(attire=AttireOptions(enabled=False))
    chosen, source = photos(args.photos)
    total_mb = sum(p.stat().st_size for _, p in chosen) / 1e6
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB",
        "python": platform.python_version(),
        "photos": args.photos,
        "source": source,
        "total_mb": round(total_mb, 1),
        "server": "moto (python -m moto.server) in its own process on 127.0.0.1",
        "config": "defaults (read_text auto, YOLO onnxruntime) with the attire cue off",
    }
    tmp = Path(tempfile.mkdtemp(prefix="gs-bench-s3-"))
    try:
        folder = tmp / "p"
        folder.mkdir()
        for name, p in chosen:
            shutil.copy(p, folder / name)
        with moto_process() as endpoint:
            remote.configure(endpoint)
            client = boto3.client("s3", endpoint_url=endpoint)
            client.create_bucket(Bucket=BUCKET)
            for name, p in chosen:
                client.upload_file(str(p), BUCKET, f"p/{name}")
            sources = {"local": str(folder), "s3": f"s3://{BUCKET}/p"}

            inputs: dict[str, list[Path]] = {}
            listing = {}
            for kind, where in sources.items():
                t0 = time.perf_counter()
                inputs[kind] = discover([where]).inputs
                listing[kind] = round(time.perf_counter() - t0, 3)
                assert len(inputs[kind]) == len(chosen), (kind, len(inputs[kind]))
            result["list_s"] = listing

            reads = {}
            for kind in sources:
                t0 = time.perf_counter()
                for p in inputs[kind]:
                    sha256_file(p)
                wall = time.perf_counter() - t0
                reads[kind] = {
                    "objects_per_s": round(len(chosen) / wall, 1),
                    "mb_per_s": round(total_mb / wall, 1),
                    "ms_per_object": round(1000 * wall / len(chosen), 2),
                }
            result["read"] = reads

            scans: dict[str, Any] = {"one_scanner": {}, f"pool_{args.workers}_workers": {}}
            records: dict[str, list[dict[str, Any]]] = {}
            with Scanner(config) as scanner:
                for p in inputs["local"][:3]:  # warm-up: first calls of each model
                    scan_task(scanner, Task(str(p)), True, False)
                for kind in sources:
                    done, figures = timed_scan(
                        lambda kind=kind: (
                            scan_task(scanner, Task(str(p)), True, False) for p in inputs[kind]
                        )
                    )
                    scans["one_scanner"][kind] = figures
                    records[kind] = [record(d, sources[kind] + "/") for d in done]
            for kind in sources:
                done, figures = timed_scan(
                    lambda kind=kind: scan_in_workers(
                        (Task(str(p)) for p in inputs[kind]), config, args.workers, True, False
                    )
                )
                scans[f"pool_{args.workers}_workers"][kind] = figures
                assert [record(d, sources[kind] + "/") for d in done] == records[kind]
            for figures in scans.values():
                figures["s3_vs_local_steady"] = round(
                    figures["s3"]["steady_photos_per_s"] / figures["local"]["steady_photos_per_s"],
                    2,
                )
            result["scan"] = scans
            result["records_equal"] = records["local"] == records["s3"]
            result["records_compared"] = len(records["s3"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
