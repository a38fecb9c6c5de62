"""The YOLO stage's two backends, onnxruntime and torch + Ultralytics, on one CPU thread.

What a scan worker pays for each: start-up (importing the backend, building the stage and the
first ``detect``, which for Ultralytics includes its predictor's warm-up and layer fusing), the
time per image once warm, and the memory the process holds. Each backend runs in a fresh
process (an import already done would hide most of the start-up), with one thread everywhere
(``OMP_NUM_THREADS=1``, torch threads 1, onnxruntime ``threads=1``, OpenCV 1), as in the scanner's
worker processes. Runs alternate backend by backend (onnx, torch, onnx, torch, ...) so that load
from other jobs on the machine hits both alike; the figures are the median over runs.

Images (decoded before timing, as the scan hands the stage a decoded photo): the photos of
``../shared/train/material`` (banners and flags, 0.1-12 MP) and the rendered group scenes under
``bench/tmp/photos_300_60/groups`` (1600x1067; built by ``scripts/bench.py --groups 60``), where
present; otherwise the photos in ``samples/``. Each image is detected ``--passes`` times; ms per
image are the median and 90th percentile of all those calls. The number of boxes each backend
found is recorded too (they should be equal: ``tests/test_detect.py`` checks the boxes).
Memory: ``stage_rss_added`` is what building the stage and detecting added to the process's RSS
(imports included); the process figures also hold the decoded test images, the same for both.

Writes ``bench/yolo_backends.json``. Pin it to a core on a shared machine:

  taskset -c 1 python scripts/bench_yolo_backends.py [--runs 3] [--passes 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.append(
    str(Path(__file__).resolve().parents[1] / "src")
)  # gesture_scan_devkit: not installed

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "yolo_backends.json"
GROUPS = ROOT / "bench" / "tmp" / "photos_300_60" / "groups"
SUFFIXES = (".jpg", ".jpeg", ".png")
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")  # as in scan workers


def rel(path: Path) -> str:
    """A path as the README writes it: relative to the checkout, ``../shared`` beside it."""
    path = path.resolve()
    for base, prefix in ((ROOT, ""), (ROOT.parent, "../")):
        if path.is_relative_to(base):
            return prefix + path.relative_to(base).as_posix()
    return str(path)


def image_set() -> dict[str, list[Path]]:
    from gesture_scan_devkit.handset import shared_dir

    sets: dict[str, list[Path]] = {}
    shared = shared_dir()
    material = shared / "train" / "material" / "images" if shared else None
    if material is not None and material.is_dir():
        sets["material"] = sorted(p for p in material.glob("*/*") if p.suffix.lower() in SUFFIXES)
    if GROUPS.is_dir():
        sets["groups"] = sorted(p for p in GROUPS.iterdir() if p.suffix.lower() in SUFFIXES)
    if not sets:
        sets["samples"] = sorted(p for p in (ROOT / "samples").rglob("*") if p.suffix in SUFFIXES)
    return sets


# -- one backend, in its own process ----------------------------------------------------------


def _decodable(paths: list[Path], load_image: Any) -> Any:
    """The photos' pixels, leaving out the ones that do not decode (samples/ holds a broken
    download on purpose)."""
    from gesture_scan.errors import InputError

    for p in paths:
        try:
            yield load_image(p).rgb
        except InputError:
            continue


def child(backend: str, listing: Path, passes: int) -> dict[str, Any]:
    """Runs in a fresh interpreter: only numpy/OpenCV/our light modules are imported yet."""
    t_start = time.perf_counter()
    import resource

    import cv2
    import psutil

    from gesture_scan.detect.options import ObjectOptions
    from gesture_scan.io import load_image

    cv2.setNumThreads(1)
    groups: dict[str, list[str]] = json.loads(listing.read_text(encoding="utf-8"))
    images = {g: list(_decodable(paths, load_image)) for g, paths in groups.items()}
    first = next(iter(images.values()))[0]
    base_mb = psutil.Process().memory_info().rss / 2**20

    t0 = time.perf_counter()
    from gesture_scan.detect.stage import ObjectStage

    stage = ObjectStage(ObjectOptions(device="cpu", backend=backend, threads=1))
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    t1 = time.perf_counter()
    stage.run(first)
    t2 = time.perf_counter()

    per_group: dict[str, list[float]] = {}
    boxes: dict[str, int] = {}
    for g, rgbs in images.items():
        times = per_group.setdefault(g, [])
        for p in range(passes):
            for rgb in rgbs:
                a = time.perf_counter()
                dets = stage.run(rgb).detections
                times.append(1000 * (time.perf_counter() - a))
                if p == 0:
                    boxes[g] = boxes.get(g, 0) + len(dets)
    info = psutil.Process().memory_info()
    return {
        "backend": stage.backend,
        "weights": rel(Path(stage.weights)),
        "build_s": t1 - t0,
        "first_detect_s": t2 - t1,
        "startup_s": t2 - t0,
        "process_s_before_stage": t0 - t_start,
        "ms": per_group,
        "boxes": boxes,
        "rss_mb_after": info.rss / 2**20,
        "rss_mb_stage": info.rss / 2**20 - base_mb,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch_loaded": "torch" in sys.modules,
    }


def run_child(backend: str, listing: Path, passes: int) -> dict[str, Any]:
    env = {**os.environ, **dict.fromkeys(THREAD_VARS, "1")}
    cmd = [sys.executable, __file__, "--child", backend, "--listing", str(listing)]
    proc = subprocess.run(
        [*cmd, "--passes", str(passes)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{backend} run failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- summary ---------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarise(runs: list[dict[str, Any]], groups: dict[str, list[Path]]) -> dict[str, Any]:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    per_image = {}
    for g in groups:
        medians = [statistics.median(r["ms"][g]) for r in runs]
        p90s = [pct(r["ms"][g], 0.9) for r in runs]
        per_image[g] = {
            "images": len(groups[g]),
            "ms_median": round(statistics.median(medians), 1),
            "ms_p90": round(statistics.median(p90s), 1),
            "ms_median_runs": [round(m, 1) for m in medians],
            "boxes": runs[0]["boxes"][g],
        }
    every = [t for r in runs for g in groups for t in r["ms"][g]]
    return {
        "weights": runs[0]["weights"],
        "startup_s": round(med("startup_s"), 2),
        "startup_s_runs": [round(r["startup_s"], 2) for r in runs],
        "build_s": round(med("build_s"), 2),
        "first_detect_s": round(med("first_detect_s"), 2),
        "ms_per_image": per_image,
        "ms_per_image_all": {
            "images": sum(len(v) for v in groups.values()),
            "ms_median": round(statistics.median(every), 1),
            "ms_p90": round(pct(every, 0.9), 1),
        },
        "memory_mb": {
            "stage_rss_added": round(med("rss_mb_stage")),
            "process_rss_after": round(med("rss_mb_after")),
            "process_peak_rss": round(med("peak_rss_mb")),
        },
        "torch_loaded": runs[0]["torch_loaded"],
    }


def machine() -> str:
    model = platform.processor() or "cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 0
    return f"{platform.machine()}, {model}, {os.cpu_count()} cpus ({cores} usable by this run)"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("onnxruntime", "torch", "ultralytics", "opencv-python", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="fresh processes per backend")
    ap.add_argument("--passes", type=int, default=3, help="detects per image and process")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--child", choices=("onnx", "torch"), help=argparse.SUPPRESS)
    ap.add_argument("--listing", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.listing, args.passes)))
        return 0

    groups = image_set()
    listing = args.out.parent / "tmp" / "yolo_backends_images.json"
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text(json.dumps({g: [str(p) for p in ps] for g, ps in groups.items()}))
    runs: dict[str, list[dict[str, Any]]] = {"onnx": [], "torch": []}
    for i in range(args.runs):
        for backend in runs:
            r = run_child(backend, listing, args.passes)
            runs[backend].append(r)
            print(
                f"run {i + 1}/{args.runs} {backend}: start-up {r['startup_s']:.2f} s, "
                + ", ".join(f"{g} {statistics.median(v):.1f} ms" for g, v in r["ms"].items()),
                file=sys.stderr,
            )
    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions(),
        "threads": 1,
        "runs": args.runs,
        "passes": args.passes,
        "images": {
            g: {
                "count": len(ps),
                "from": rel(ps[0].parent.parent if g == "material" else ps[0].parent),
            }
            for g, ps in groups.items()
        },
        "backends": {b: summarise(rs, groups) for b, rs in runs.items()},
    }
    o, t = result["backends"]["onnx"], result["backends"]["torch"]
    result["torch_over_onnx"] = {
        "startup": round(t["startup_s"] / o["startup_s"], 1),
        "ms_per_image_median": round(
            t["ms_per_image_all"]["ms_median"] / o["ms_per_image_all"]["ms_median"], 2
        ),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
