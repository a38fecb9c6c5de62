"""How well ``people`` counts the people in real group photos: faces only against faces + bodies
(issue 20), and what the person detector costs at each input size.

The photos: 40 real Indonesian group photos of ``../shared/train/attire/photos`` (office, school,
village and event pictures; never ``../shared/fieldset``), the people in each counted by eye in
``scripts/data/people_counts.csv`` (``photo, people_by_eye, notes``): everyone visible as a
person, also those seen from behind, half hidden, cut by the frame or small in the distance;
printed people (portraits, banners, posters) and mannequins not. Counts of crowds are a careful
estimate (the notes say where).

Each photo is decoded as the scan decodes it (``load_image``) and runs the face stage once and
the person stage once per ``--imgsz``; ``people`` is ``ImageResult.people`` of the two (faces
plus the person boxes with no face in their top half, ``results.body_faces``). Reported per
configuration: mean absolute error of the count, photos counted exactly, photos under- and
over-counted, people missed and added in all, person boxes found, and the cost per photo on one
thread (each stage's fastest of ``--repeat`` runs per photo, the median and mean over photos; run
it pinned to one core: ``taskset -c 0``; the figures in the JSON say how loaded the machine was).

    taskset -c 0 .venv/bin/python scripts/measure_people_count.py \\
        --photos ../shared/train/attire/photos --out bench/people_count.json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import cv2

from gesture_scan.config import FaceOptions, PersonOptions
from gesture_scan.io.image import load_image
from gesture_scan.people.persons import PersonStage
from gesture_scan.people.stage import FaceStage
from gesture_scan.results import ImageResult

sys.path.insert(0, str(Path(__file__).parent))
from measure_sign_grading import cpu_name

ROOT = Path(__file__).resolve().parents[1]
COUNTS = ROOT / "scripts" / "data" / "people_counts.csv"
SIZES = (320, 416, 480, 640)


def read_counts(path: Path = COUNTS) -> dict[str, int]:
    with path.open(encoding="utf-8", newline="") as f:
        return {r["photo"]: int(r["people_by_eye"]) for r in csv.DictReader(f)}


def fastest(run: Any, rgb: Any, repeat: int) -> tuple[Any, float]:
    """``run(rgb)``'s result and its fastest wall time of ``repeat`` runs, in ms."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = run(rgb)
        best = min(best, time.perf_counter() - t)
    return out, best * 1000


def summary(truth: list[int], counted: list[int], ms: list[float]) -> dict[str, Any]:
    err = [c - t for c, t in zip(counted, truth)]
    return {
        "mae": round(statistics.mean(abs(e) for e in err), 2),
        "right": sum(e == 0 for e in err),
        "under": sum(e < 0 for e in err),
        "over": sum(e > 0 for e in err),
        "missed_people": -sum(e for e in err if e < 0),
        "extra_people": sum(e for e in err if e > 0),
        "counted_people": sum(counted),
        "ms_per_photo_median": round(statistics.median(ms), 1),
        "ms_per_photo_mean": round(statistics.mean(ms), 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=Path, default=ROOT.parent / "shared/train/attire/photos")
    ap.add_argument("--counts", type=Path, default=COUNTS)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "people_count.json")
    ap.add_argument("--imgsz", type=int, nargs="+", default=list(SIZES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--conf", type=float, default=PersonOptions().conf)
    ap.add_argument(
        "--sensitivity",
        type=float,
        nargs="*",
        default=[0.25, 0.35],
        help="other conf values, counted (not timed) at the stage's default imgsz: how much the "
        "default's choice matters; the default was not chosen on these photos",
    )
    args = ap.parse_args(argv)
    if "fieldset" in args.photos.resolve().parts:
        raise SystemExit("error: the fieldset measures the product from outside; not here")
    truth = read_counts(args.counts)
    cv2.setNumThreads(1)
    load = [os.getloadavg()[0]]
    faces_ms: list[float] = []
    per_photo: list[dict[str, Any]] = []
    images = []
    with FaceStage(FaceOptions()) as faces:
        for name in truth:
            img = load_image(args.photos / name)
            found, ms = fastest(faces.run, img.rgb, args.repeat)
            faces_ms.append(ms)
            images.append((name, img, found.detections))
            per_photo.append(
                {"photo": name, "by_eye": truth[name], "faces": len(found.detections), "sizes": {}}
            )
    stage_ms: dict[int, list[float]] = {}
    for size in args.imgsz:
        stage_ms[size] = []
        with PersonStage(PersonOptions(imgsz=size, conf=args.conf, threads=1)) as persons:
            for (name, img, face_boxes), row in zip(images, per_photo):
                found, ms = fastest(persons.run, img.rgb, args.repeat)
                stage_ms[size].append(ms)
                rec = ImageResult(name, None, faces=face_boxes, bodies=found.detections)
                row["sizes"][str(size)] = {
                    "bodies": len(found.detections),
                    "bodies_without_face": int((rec.body_faces < 0).sum()),
                    "people": rec.people,
                    "ms": round(ms, 1),
                }
    sensitivity: dict[str, Any] = {}
    default_size = PersonOptions().imgsz
    for conf in args.sensitivity:
        counted = []
        with PersonStage(PersonOptions(imgsz=default_size, conf=conf, threads=1)) as persons:
            for name, img, face_boxes in images:
                found = persons.run(img.rgb).detections
                counted.append(ImageResult(name, None, faces=face_boxes, bodies=found).people)
        s = summary([truth[n] for n, _, _ in images], counted, [0.0])
        sensitivity[f"faces+bodies@{default_size} conf {conf}"] = {
            k: v for k, v in s.items() if not k.startswith("ms_")
        }
    load.append(os.getloadavg()[0])
    eye = [truth[n] for n, _, _ in images]
    configs: dict[str, Any] = {"faces": summary(eye, [r["faces"] for r in per_photo], faces_ms)}
    for size in args.imgsz:
        counted = [r["sizes"][str(size)]["people"] for r in per_photo]
        both_ms = [a + b for a, b in zip(faces_ms, stage_ms[size])]
        s = summary(eye, counted, both_ms)
        s["person_boxes"] = sum(r["sizes"][str(size)]["bodies"] for r in per_photo)
        s["person_stage_ms_median"] = round(statistics.median(stage_ms[size]), 1)
        s["person_stage_ms_mean"] = round(statistics.mean(stage_ms[size]), 1)
        configs[f"faces+bodies@{size}"] = s
    out = {
        "what": "people counted in 40 real group photos (../shared/train/attire), faces only "
        f"against faces + person boxes without a face (conf {args.conf}, iou "
        f"{PersonOptions().iou}), "
        "against counts by eye (scripts/data/people_counts.csv)",
        "date": dt.date.today().isoformat(),
        "machine": f"{cpu_name()}, {os.cpu_count()} logical CPUs, {platform.system()} "
        f"{platform.machine()}; one thread (onnxruntime intra-op 1, OpenCV 1); load average "
        f"{load[0]:.1f} at the start, {load[1]:.1f} at the end",
        "photos": len(images),
        "people_by_eye": sum(eye),
        "timing": f"fastest of {args.repeat} runs per photo and stage; 'ms_per_photo' is the face "
        "stage alone (faces) or face + person stage (faces+bodies)",
        "configs": configs,
        "conf_sensitivity": sensitivity,
        "per_photo": per_photo,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    for name, s in {**configs, **sensitivity}.items():
        print(
            f"{name:18s} MAE {s['mae']:5.2f}  right {s['right']:2d}  under {s['under']:2d}  "
            f"over {s['over']:2d}  missed {s['missed_people']:3d}  extra {s['extra_people']:3d}  "
            + (f"{s['ms_per_photo_median']:7.1f} ms" if "ms_per_photo_median" in s else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
