"""``--engine ray`` against the local process pool (issue 17), on the same photos, on this machine.

The photos: real ones from ``../shared/train/hands`` (never ``../shared/fieldset``), or without
``../shared`` the bundled samples repeated. Both engines get the same tasks, one ``Scanner`` per
worker / actor, ``annotate=True`` (annotated JPEGs come back to the driver, as in a report run);
results are consumed, not written, so the figures are the engines' and not the report writer's.

Measured for each engine, ``--photos`` photos:

- ``wall_s`` from the call to the last result, ``first_result_s`` (start-up: workers or actors
  loading their models, plus one photo), and ``steady_photos_per_s``: photos after the first
  divided by the time from the first result to the last (what a folder of thousands sees);
- for Ray, ``ray_init_s`` (an embedded 2-CPU cluster started in this process) apart;
- ``peak_pss_mib``: peak memory (PSS) of this process and all its children, sampled every 50 ms
  (the local pool's workers; Ray's GCS, raylet, idle workers and actors), and a timeline (MiB
  every few seconds) to show whether it stays flat;
- ``records_equal``: whether both engines gave the same records apart from timings.

``--large N`` repeats the memory measurement on N tasks (the photos cycled) for both engines.
``--writer N``: the report writer alone (the driver's single writer, the limit of one run on a big
cluster): N records (the local pool's results cycled, each under its own path) written with their
annotated copies to a temporary report folder; records/s and MB/s of annotated JPEGs.
``--writer-only`` measures just that and adds it to an existing ``bench/ray.json``.
Also records the share of the machine's CPU that other processes used meanwhile (the machine is
shared: a busy machine lowers every rate). Writes ``bench/ray.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import os
import platform
import resource
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import psutil

sys.path.append(
    str(Path(__file__).resolve().parents[1] / "src")
)  # gesture_scan_devkit: not installed

from gesture_scan.config import ScanConfig
from gesture_scan.people.attire import AttireOptions
from gesture_scan.pipeline import Done, Task, scan_in_workers
from gesture_scan_devkit.handset import shared_dir

ROOT = Path(__file__).resolve().parents[1]
TIMINGS = ("seconds", "stage_seconds")


def _pss(p: psutil.Process) -> int:
    try:
        return int(p.memory_full_info().pss)
    except (psutil.AccessDenied, AttributeError):
        return int(p.memory_info().rss)


class Memory:
    """Peak PSS of this process and its children (sampled every 50 ms), and a coarse timeline."""

    def __init__(self, every_s: float) -> None:
        self.peak = 0
        self.timeline: list[float] = []
        self._every = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        last = 0.0
        while not self._stop.is_set():
            total = 0
            with contextlib.suppress(psutil.Error):
                for p in [me, *me.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += _pss(p)
            self.peak = max(self.peak, total)
            if time.monotonic() - last >= self._every:
                self.timeline.append(round(total / 2**20))
                last = time.monotonic()
            self._stop.wait(0.05)

    def __enter__(self) -> Memory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class OtherLoad:
    """Share of the machine's CPU used by processes other than this one and its children."""

    def __enter__(self) -> OtherLoad:
        self._t0 = time.perf_counter()
        self._busy0 = self._busy()
        self._own0 = self._own()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self._t0
        other = (self._busy() - self._busy0) - (self._own() - self._own0)
        self.share = max(0.0, other) / max(wall * (os.cpu_count() or 1), 1e-9)

    @staticmethod
    def _busy() -> float:
        t = psutil.cpu_times()
        return float(sum(t) - t.idle - getattr(t, "iowait", 0.0))

    @staticmethod
    def _own() -> float:
        """This process, its reaped children (the pool's workers; Ray's raylet with the actors
        it reaped) and any still running."""
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        total = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
        for p in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
        return total


def photos() -> tuple[list[Path], str]:
    base = shared_dir()
    if base is not None and (base / "train" / "hands").is_dir():
        found = sorted((base / "train" / "hands").glob("*.jpg"))
        return found, "../shared/train/hands (real hand photos)"
    found = sorted(p for p in (ROOT / "samples").glob("*.jpg") if "broken" not in p.name)
    return found, "samples/*.jpg (repeated)"


def timed(
    scan: Callable[[Iterator[Task]], Iterator[Done]], tasks: list[Task], every_s: float
) -> tuple[dict[str, Any], list[Done]]:
    kept: list[Done] = []
    with Memory(every_s) as mem, OtherLoad() as load:
        t0 = time.perf_counter()
        first = last = t0
        n = 0
        for done in scan(iter(tasks)):
            last = time.perf_counter()
            if n == 0:
                first = last
            n += 1
            if len(kept) < 200:
                kept.append(done)
    assert n == len(tasks), (n, len(tasks))
    steady = (n - 1) / (last - first) if n > 1 and last > first else None
    return {
        "tasks": n,
        "wall_s": round(last - t0, 2),
        "first_result_s": round(first - t0, 2),
        "steady_photos_per_s": round(steady, 2) if steady else None,
        "overall_photos_per_s": round(n / (last - t0), 2),
        "peak_pss_mib": round(mem.peak / 2**20),
        "pss_timeline_mib": mem.timeline,
        "other_processes_cpu_share": round(load.share, 2),
    }, kept


def local(config: ScanConfig, workers: int) -> Callable[[Iterator[Task]], Iterator[Done]]:
    def scan(tasks: Iterator[Task]) -> Iterator[Done]:
        with contextlib.closing(scan_in_workers(tasks, config, workers, True, False)) as it:
            yield from it

    return scan


def with_ray(config: ScanConfig, actors: int, init: dict[str, float]) -> Any:
    def scan(tasks: Iterator[Task]) -> Iterator[Done]:
        import ray

        from gesture_scan.engines.ray_engine import scan_with_ray

        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
        t0 = time.perf_counter()
        ray.init(
            num_cpus=actors,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
        init["ray_init_s"] = round(time.perf_counter() - t0, 2)
        try:
            it = scan_with_ray(tasks, config, actors=actors, annotate=True, keep_frame=False)
            with contextlib.closing(it):
                yield from it
        finally:
            ray.shutdown()

    return scan


def record(done: Done) -> dict[str, Any]:
    d = done.result.to_dict()
    d["meta"] = {k: v for k, v in d.get("meta", {}).items() if k not in TIMINGS}
    return d


def measure_writer(kept: list[Done], n: int) -> dict[str, Any]:
    import shutil
    import tempfile
    from dataclasses import replace

    from gesture_scan.report import ReportWriter

    folder = Path(tempfile.mkdtemp(prefix="gs-bench-writer-"))
    annotated = 0
    size = 0
    try:
        t0 = time.perf_counter()
        with ReportWriter(folder / "report", None, annotate=True) as writer:
            for i in range(n):
                d = kept[i % len(kept)]
                name = Path(d.result.path).name
                writer.write(replace(d.result, path=f"/mnt/evidence/{i}/{name}"), d.annotated)
                if d.annotated:
                    annotated += 1
                    size += len(d.annotated)
        wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "records": n,
        "annotated": annotated,
        "mean_annotated_kib": round(size / max(annotated, 1) / 1024, 1),
        "records_per_s": round(n / wall),
        "annotated_mib_per_s": round(size / wall / 2**20, 1),
        "note": "report.jsonl + report.csv + annotated JPEGs, flushed per record, local disk; "
        "no HTML page (built once at the end)",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--photos", type=int, default=120)
    ap.add_argument("--large", type=int, default=0, help="also measure memory on N tasks")
    ap.add_argument("--workers", type=int, default=2, help="pool workers and Ray actors")
    ap.add_argument("--writer", type=int, default=3000, help="records for the writer alone")
    ap.add_argument("--writer-only", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "ray.json")
    args = ap.parse_args()

    found, source = photos()
    # Text reading as the command line's default (auto). The attire cue off: its learned head was
    # being retrained in this tree when this was measured, and both engines run the same code.
    config = ScanConfig().with_(attire=AttireOptions(enabled=False))
    pick = [found[i * len(found) // args.photos] for i in range(args.photos)]
    if len(found) < args.photos:
        pick = list(itertools.islice(itertools.cycle(found), args.photos))
    tasks = [Task(str(p)) for p in pick]
    if args.writer_only:
        done = list(local(config, args.workers)(iter(tasks)))
        out = json.loads(args.out.read_text()) if args.out.exists() else {}
        out["report_writer"] = measure_writer(done, args.writer)
        args.out.write_text(json.dumps(out, indent=2) + "\n")
        print(json.dumps(out["report_writer"], indent=2))
        return
    out: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, {_cpu_model()}",
        "python": platform.python_version(),
        "ray": _ray_version(),
        "photos": source,
        "workers_and_actors": args.workers,
        "config": "defaults (read_text auto, YOLO onnxruntime) with the attire cue off",
        "annotate": True,
        "results_written": False,
    }
    runs: dict[str, Any] = {}
    print(f"{len(tasks)} photos from {source}", file=sys.stderr)
    runs["local_pool"], local_done = timed(local(config, args.workers), tasks, 2.0)
    print("local pool", runs["local_pool"], file=sys.stderr)
    init: dict[str, float] = {}
    runs["ray"], ray_done = timed(with_ray(config, args.workers, init), tasks, 2.0)
    runs["ray"].update(init)
    print("ray", runs["ray"], file=sys.stderr)
    out["runs"] = runs
    out["records_equal"] = [record(d) for d in ray_done] == [record(d) for d in local_done]
    out["records_compared"] = len(local_done)
    lr, rr = runs["local_pool"]["steady_photos_per_s"], runs["ray"]["steady_photos_per_s"]
    if lr and rr:
        out["ray_steady_rate_vs_local"] = round(rr / lr, 2)
        out["per_actor_photos_per_s"] = round(rr / args.workers, 2)
    out["ray_startup_extra_s"] = round(
        runs["ray"]["first_result_s"] - runs["local_pool"]["first_result_s"], 2
    )
    if args.writer:
        out["report_writer"] = measure_writer(local_done, args.writer)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    if args.large:
        big = [Task(str(p)) for p in itertools.islice(itertools.cycle(found), args.large)]
        large: dict[str, Any] = {"tasks": args.large}
        large["local_pool"], _ = timed(local(config, args.workers), big, 10.0)
        print("large local pool", large["local_pool"], file=sys.stderr)
        init = {}
        large["ray"], _ = timed(with_ray(config, args.workers, init), big, 10.0)
        large["ray"].update(init)
        print("large ray", large["ray"], file=sys.stderr)
        out["large"] = large
        args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "cpu"


def _ray_version() -> str:
    try:
        import ray

        return str(ray.__version__)
    except ImportError:
        return "not installed"


if __name__ == "__main__":
    main()
