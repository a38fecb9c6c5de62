"""Throughput benchmark of the whole scan, against a naive baseline, on a fixed folder.

The folder (built once under ``bench/tmp/``, git-ignored): a fixed, stratified selection of real
photos from ``../shared/train/hands`` plus rendered group scenes (1600x1067, 1.7 MP: held-out hands
pasted beside people, ``gesture_scan_devkit.hand_scenes``); without ``../shared`` the photos that
installed packages ship and our rendered samples. Measured, after a warm-up run, ``--runs`` times:

- ``pipeline``: ``gesture-scan`` itself (``cli.run_scan``: decode, faces, hands with the small-hand
  search, YOLO where weights ship, rules, JSONL/CSV/annotated copies/HTML report) with
  ``--workers`` processes (default: all cores);
- ``naive``: one MediaPipe Hands call and one YOLO call (our ``ObjectStage``, so the same runtime
  as the pipeline) per full image, sequential, one process, models loaded before the clock
  starts: what a first script would do.
- ``after_startup``: the pipeline's rate once its workers have loaded their models (the folder
  scanned twice over against once), which is what a folder of thousands of photos sees.
- ``fast``: ``gesture-scan --fast`` on the mixed folder and the group scenes, against the same
  naive runs, with the share of the default's hands it keeps.

Prints and writes to ``bench/results.json``: median photos/second, peak memory (PSS of the whole
process tree, sampled every 50 ms), hands found, and the ratio pipeline/naive; the same for the real
photos alone and for the group scenes alone (the 1-3 MP case the throughput target is about); and
video throughput (seconds of a 1080p 30 fps video per second of wall time, default sampling). Also
the cost of single stages on one thread: YOLO per image, and text reading (OCR) per whole photo and
per banner; and, from the records themselves (``meta.stage_seconds``), milliseconds per photo in
each stage inside the workers; and for every timed run the share of the machine's CPU that other
processes used meanwhile (a busy machine halves the figures). ``--memory N`` scans N photos once,
in a process of its own, and records peak memory (the "10,000 photos" check).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np
import psutil

sys.path.append(
    str(Path(__file__).resolve().parents[1] / "src")
)  # gesture_scan_devkit: not installed

from gesture_scan.cli import ScanRequest, run_scan
from gesture_scan.config import TEXT_MODES, ScanConfig
from gesture_scan.io import discover, load_image
from gesture_scan.report import read_jsonl
from gesture_scan_devkit.handset import load_handset, shared_dir

ROOT = Path(__file__).resolve().parents[1]
TMP = ROOT / "bench" / "tmp"


def _pss(p: psutil.Process) -> int:
    """Proportional set size: shared pages (the same libraries mapped by every worker) are split
    between the processes that map them, so summing over the tree does not count them twice."""
    try:
        return int(p.memory_full_info().pss)
    except (psutil.AccessDenied, AttributeError):
        return int(p.memory_info().rss)


class PeakMemory:
    """Peak memory (PSS) of this process and its children, sampled in a thread."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            with contextlib.suppress(psutil.Error):
                for p in [me, *me.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):  # a child may exit meanwhile
                        total += _pss(p)
            self.peak = max(self.peak, total)
            self._stop.wait(0.05)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def build_folder(n_photos: int, n_groups: int) -> tuple[Path, Path]:
    """The fixed benchmark folders: (all photos, group scenes only)."""
    folder = TMP / f"photos_{n_photos}_{n_groups}"
    groups = folder / "groups"
    if folder.exists() and (folder / ".complete").exists():
        return folder, groups
    shutil.rmtree(folder, ignore_errors=True)
    groups.mkdir(parents=True)
    base = shared_dir()
    if base is None:
        from importlib.util import find_spec

        for pkg, rel in (("ultralytics", "assets/bus.jpg"), ("ultralytics", "assets/zidane.jpg")):
            spec = find_spec(pkg)
            assert spec is not None and spec.origin is not None
            shutil.copy(Path(spec.origin).parent / rel, folder / Path(rel).name)
        for p in sorted((ROOT / "samples").glob("rendered_*.jpg")):
            shutil.copy(p, groups / p.name)
    else:
        photos = load_handset(base / "train" / "hands")
        step = max(1, len(photos) // n_photos)
        for p in photos[::step][:n_photos]:
            shutil.copy(p.path, folder / p.file)
        from gesture_scan_devkit.hand_scenes import (
            default_backgrounds,
            default_people,
            load_cutouts,
            make_scene,
        )

        heldout = [p for p in photos if p.heldout]
        cutouts = load_cutouts(heldout)
        people, backgrounds = default_people(), default_backgrounds()
        rng = np.random.default_rng(2026)
        for i in range(n_groups):
            scene = make_scene(rng, cutouts, backgrounds, "group", size=(1600, 1067), people=people)
            cv2.imwrite(
                str(groups / f"group_{i:03d}.jpg"),
                cv2.cvtColor(scene.image, cv2.COLOR_RGB2BGR),
                [cv2.IMWRITE_JPEG_QUALITY, 90],
            )
    (folder / ".complete").write_text("ok")
    return folder, groups


def real_photos(folder: Path) -> Path:
    """The real photos of the benchmark folder without the rendered group scenes (hard links)."""
    real = TMP / f"{folder.name}_real"
    if not (real / ".complete").exists():
        shutil.rmtree(real, ignore_errors=True)
        real.mkdir(parents=True)
        for p in folder.iterdir():
            if p.is_file() and p.suffix.lower() in (".jpg", ".jpeg", ".png"):
                os.link(p, real / p.name)
        (real / ".complete").write_text("ok")
    return real


class OtherLoad:
    """CPU seconds that other processes on the machine used while a run was timed.

    A benchmark on a shared machine measures the machine's other jobs too: two runs of the same
    code on this project's build machine once differed by 2x. System-wide busy time minus this
    process tree's own CPU time (children counted once they are reaped, which a scan's worker
    pool is before ``run_scan`` returns) says how much of the machine was elsewhere."""

    def __enter__(self) -> OtherLoad:
        self._busy0 = self._busy()
        self._own0 = self._own()
        self._t0 = time.perf_counter()
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
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_pipeline(folder: Path, workers: int, config: ScanConfig) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix="gs-bench-"))
    try:
        with PeakMemory() as mem, OtherLoad() as load:
            t0 = time.perf_counter()
            request = ScanRequest([folder], out=out / "report", workers=workers, config=config)
            code = run_scan(request)
            elapsed = time.perf_counter() - t0
        records = list(read_jsonl(out / "report" / "report.jsonl"))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    assert code == 0, code
    spent: dict[str, float] = {}
    for r in records:
        for stage, sec in r.get("meta", {}).get("stage_seconds", {}).items():
            spent[stage] = spent.get(stage, 0.0) + sec
    n = max(len(records), 1)
    return {
        "seconds": elapsed,
        "photos": len(records),
        "hands": sum(len(r["hands"]) for r in records),
        "objects": sum(len(r["objects"]) for r in records),
        "peak_pss_mb": mem.peak / 2**20,
        "other_cpu_share": load.share,
        # inside the workers, per photo: where the time goes (decode and report writing are
        # outside these; the difference to 1/rate is those, start-up and idle cores)
        "stage_ms_per_photo": {k: round(1000 * v / n, 1) for k, v in sorted(spent.items())},
    }


def run_naive(folder: Path) -> dict[str, Any]:
    """One MediaPipe Hands call and one YOLO call per full image, one process."""
    import mediapipe as mp

    yolo: Callable[[np.ndarray], int] | None = None
    try:
        from gesture_scan.detect.stage import ObjectStage

        stage = ObjectStage()
        yolo = lambda rgb: len(stage.run(rgb).detections)  # noqa: E731
    except Exception as exc:  # no shipped weights yet: measure hands only, and say so
        print(f"naive baseline without YOLO: {exc}", file=sys.stderr)
    paths = discover([folder]).images
    hands = objects = 0
    with (
        PeakMemory() as mem,
        OtherLoad() as load,
        mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=10) as mp_hands,
    ):
        t0 = time.perf_counter()
        for p in paths:
            rgb = load_image(p).rgb
            res = mp_hands.process(rgb)
            hands += len(res.multi_hand_landmarks or [])
            if yolo is not None:
                objects += yolo(rgb)
        elapsed = time.perf_counter() - t0
    return {
        "seconds": elapsed,
        "photos": len(paths),
        "hands": hands,
        "objects": objects,
        "with_yolo": yolo is not None,
        "peak_pss_mb": mem.peak / 2**20,
        "other_cpu_share": load.share,
    }


def measure(fn: Callable[[], dict[str, Any]], runs: int) -> dict[str, Any]:
    fn()  # warm-up: file cache, imports, model load paths
    samples = [fn() for _ in range(runs)]
    rates = [s["photos"] / s["seconds"] for s in samples]
    first = samples[0]
    return {
        "seconds_median": round(statistics.median(s["seconds"] for s in samples), 2),
        "photos": first["photos"],
        "hands": first["hands"],
        "objects": first["objects"],
        "photos_per_second_median": round(statistics.median(rates), 3),
        "photos_per_second_runs": [round(r, 3) for r in rates],
        "peak_pss_mb": round(max(s["peak_pss_mb"] for s in samples), 1),
        # share of the machine's CPU that other processes used during each timed run
        "other_cpu_share_runs": [round(s["other_cpu_share"], 3) for s in samples],
        **({"with_yolo": first["with_yolo"]} if "with_yolo" in first else {}),
        **(
            {"stage_ms_per_photo": first["stage_ms_per_photo"]}
            if "stage_ms_per_photo" in first
            else {}
        ),
    }


def marginal_rate(
    folder: Path, workers: int, once: dict[str, Any], config: ScanConfig
) -> dict[str, Any]:
    """Photos per second once the workers are running: the folder scanned twice over (hard links
    under new names) against once, so start-up (each worker loads its models: seconds) cancels
    out. What a folder of thousands sees; the plain rate is what a folder this small sees."""
    double = TMP / f"{folder.parent.name}_{folder.name}_x2"
    if not (double / ".complete").exists():
        shutil.rmtree(double, ignore_errors=True)
        double.mkdir(parents=True)
        for i in (0, 1):
            for p in discover([folder]).images:
                os.link(p, double / f"{i}_{p.name}")
        (double / ".complete").write_text("ok")
    twice = run_pipeline(double, workers, config)
    extra = twice["photos"] - once["photos"]
    seconds = twice["seconds"] - once["seconds_median"]
    return {
        "photos_per_second": round(extra / seconds, 3) if seconds > 0 else None,
        "startup_seconds": round(once["seconds_median"] - once["photos"] * seconds / extra, 2)
        if extra
        else None,
    }


def yolo_cost(folder: Path) -> dict[str, Any]:
    """What the YOLO stage adds per image on this machine: detect() alone, decode excluded,
    one process, the default backend (onnxruntime on a CPU) with its default threads."""
    from gesture_scan.detect.stage import ObjectStage

    images = [load_image(p).rgb for p in discover([folder]).images[:100]]
    times = []
    with ObjectStage() as stage:
        stage.run(images[0])  # warm-up
        for rgb in images:
            t0 = time.perf_counter()
            stage.run(rgb)
            times.append(time.perf_counter() - t0)
    return {
        "images": len(times),
        "ms_per_image_median": round(1000 * statistics.median(times), 1),
        "ms_per_image_p90": round(1000 * float(np.percentile(times, 90)), 1),
    }


def text_cost(folder: Path) -> dict[str, Any]:
    """What reading text costs per image on one thread (as in a worker): the whole photo (what
    ``--text auto`` adds to flagged and group photos without a banner) and one banner-sized
    region (the middle third of the photo)."""
    from gesture_scan.text.ocr import TextOptions, TextStage

    images = [load_image(p).rgb for p in discover([folder]).images[:40]]
    whole, region, lines = [], [], 0
    with TextStage(TextOptions(threads=1)) as stage:
        stage.run(images[0], None)  # warm-up
        for rgb in images:
            h, w = rgb.shape[:2]
            t0 = time.perf_counter()
            lines += len(stage.run(rgb, None).reads)
            t1 = time.perf_counter()
            stage.run(rgb, np.array([[w / 3, h / 3, 2 * w / 3, 2 * h / 3]], np.float32))
            t2 = time.perf_counter()
            whole.append(t1 - t0)
            region.append(t2 - t1)
    return {
        "images": len(images),
        "whole_photo_ms_median": round(1000 * statistics.median(whole), 1),
        "region_ms_median": round(1000 * statistics.median(region), 1),
        "lines_per_photo": round(lines / max(len(images), 1), 2),
    }


def video_throughput(workers: int, seconds: float, config: ScanConfig) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_video import write_clip

    folder = TMP / "video"
    clip = folder / f"clip_{int(seconds)}s_1080p.mp4"
    if not clip.exists():
        folder.mkdir(parents=True, exist_ok=True)
        write_clip(clip, seconds, kinds=("handheld", "subject", "tripod", "pan_slow"))
    result = run_pipeline(folder, workers, config)
    return {
        "video_seconds": seconds,
        "wall_seconds": round(result["seconds"], 2),
        "video_seconds_per_wall_second": round(seconds / result["seconds"], 3),
        "frames_scanned": result["photos"],
        "peak_pss_mb": round(result["peak_pss_mb"], 1),
    }


def memory_run(n: int, workers: int, config: ScanConfig) -> dict[str, Any]:
    """Scan n photos (the benchmark photos repeated under new names) once; peak memory."""
    folder = TMP / f"memory_{n}"
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        src = [p for p in build_folder(300, 20)[0].glob("*.jpg")]
        for i in range(n):
            os.link(src[i % len(src)], folder / f"{i:05d}_{src[i % len(src)].name}")
        (folder / ".complete").write_text("ok")
    result = run_pipeline(folder, workers, config)
    return {
        "photos": result["photos"],
        "seconds": round(result["seconds"], 1),
        "peak_pss_mb": round(result["peak_pss_mb"], 1),
    }


def versus(pipe: dict[str, Any], naive: dict[str, Any]) -> dict[str, float]:
    """The pipeline against the naive baseline: speed and hands found, as ratios."""
    return {
        "speed_ratio": round(
            pipe["photos_per_second_median"] / naive["photos_per_second_median"], 3
        ),
        "hands_ratio": round(pipe["hands"] / max(naive["hands"], 1), 2),
    }


def fresh_memory_run(n: int, workers: int, read_text: str) -> dict[str, Any]:
    """``memory_run`` in a new process: this one holds models of its own by now (stage costs,
    the naive baseline), which would count against the scan's peak."""
    cmd = [sys.executable, __file__, "--memory-only", str(n), "--workers", str(workers)]
    done = subprocess.run(
        [*cmd, "--read-text", read_text], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--photos", type=int, default=300)
    ap.add_argument("--groups", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--video-seconds", type=float, default=60.0)
    ap.add_argument("--memory", type=int, default=0, help="also scan N photos once (peak memory)")
    ap.add_argument("--memory-only", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    ap.add_argument(
        "--read-text", choices=TEXT_MODES, default="auto", help="as gesture-scan --text"
    )
    ap.add_argument(
        "--fast",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure gesture-scan --fast on the mixed folder and the group scenes",
    )
    args = ap.parse_args()
    config = ScanConfig(read_text=args.read_text)
    if args.memory_only:
        print(json.dumps(memory_run(args.memory_only, args.workers, config)))
        return 0

    folder, groups = build_folder(args.photos, args.groups)
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, {platform.processor() or 'cpu'}",
        "gpu": _gpu(),
        "workers": args.workers,
        "read_text": args.read_text,
        "folder": {"photos": len(discover([folder]).images), "group_scenes": args.groups},
    }
    try:
        results["yolo_stage"] = {"all": yolo_cost(folder), "group_scenes": yolo_cost(groups)}
        print(json.dumps({"yolo_stage": results["yolo_stage"]}, indent=1))
    except Exception as exc:  # no shipped weights: the rest still measures
        print(f"YOLO stage not measured: {exc}", file=sys.stderr)
    try:
        results["text_stage"] = {"all": text_cost(folder), "group_scenes": text_cost(groups)}
        print(json.dumps({"text_stage": results["text_stage"]}, indent=1))
    except Exception as exc:
        print(f"text stage not measured: {exc}", file=sys.stderr)
    real = real_photos(folder)
    for name, path in (("all", folder), ("real_photos", real), ("group_scenes", groups)):
        pipe = measure(lambda path=path: run_pipeline(path, args.workers, config), args.runs)
        pipe["after_startup"] = marginal_rate(path, args.workers, pipe, config)
        naive = measure(lambda path=path: run_naive(path), args.runs)
        results[name] = {"pipeline": pipe, "naive": naive, **versus(pipe, naive)}
        print(json.dumps({name: results[name]}, indent=1))
    if args.fast:
        # --fast against the same naive runs: the speed it buys and the hands it gives up
        fast = config.fast()
        results["fast"] = {"read_text": fast.read_text}
        for name, path in (("all", folder), ("group_scenes", groups)):
            pipe = measure(lambda path=path: run_pipeline(path, args.workers, fast), args.runs)
            pipe["after_startup"] = marginal_rate(path, args.workers, pipe, fast)
            results["fast"][name] = {
                "pipeline": pipe,
                **versus(pipe, results[name]["naive"]),
                "hands_vs_default": round(
                    pipe["hands"] / max(results[name]["pipeline"]["hands"], 1), 3
                ),
            }
            print(json.dumps({"fast": {name: results["fast"][name]}}, indent=1))
    if args.video_seconds > 0:
        results["video"] = video_throughput(args.workers, args.video_seconds, config)
        print(json.dumps({"video": results["video"]}, indent=1))
    if args.memory:
        results["memory"] = fresh_memory_run(args.memory, args.workers, args.read_text)
        print(json.dumps({"memory": results["memory"]}, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print("wrote", args.out)
    return 0


def _gpu() -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except Exception:
        pass
    return "none (CPU only)"


if __name__ == "__main__":
    raise SystemExit(main())
