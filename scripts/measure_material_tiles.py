"""Would tiled inference find the small banners and flags the 320 px detector misses? Measured.

Of the held-out Indonesian banners and flags the shipped detector misses, the small ones (under a
quarter of the photo's longer side) are all missed, so the obvious fix is to look closer: the
whole photo at 320 px plus overlapping tiles (each at 320 px), boxes mapped back, a box cut by an
inner tile edge dropped (a partial view the whole-photo pass sees whole), then per-class NMS that
also drops a box lying mostly inside a kept one. This script measures that against the one pass
on the held-out websites of ``scripts/data/indonesian_event_boxes.csv`` (banners and flags found
at IoU 0.5, photos without material given a box) and the ms per photo on one onnxruntime thread.

The same for the two other ways to look closer: a lower confidence, and one pass at a larger
input (416, 512 px). The answer on 2026-12-02 was no (``bench/material_tiles.json``): every grid
found at most a few more boxes and gave several times more photos without material a box, at 2-5x
the cost; larger inputs found fewer; so the stage stays one pass at 320 px.
Never reads ../shared/fieldset.

    .venv/bin/python scripts/measure_material_tiles.py --out bench/material_tiles.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from gesture_scan.detect.onnx_yolo import OnnxDetector, shrink
from gesture_scan.detect.options import TRAINED_IMGSZ
from gesture_scan.detect.stage import CLASS_NAMES
from gesture_scan.detections import box_ioa, box_iou

sys.path.append(str(Path(__file__).resolve().parent))  # the dataset builder, for its CSV reader
from make_finetune_dataset import INDONESIAN_EVENT_BOXES, indonesian_rows
from measure_sign_grading import cpu_name

ROOT = Path(__file__).resolve().parents[1]
GRIDS: tuple[tuple[int, int] | None, ...] = (None, (2, 1), (2, 2), (3, 2))
LOWER_CONFS = (0.25, 0.2)
LARGER_SIZES = (416, 512)
OVERLAP = 0.2  # share of a tile that overlaps its neighbour
EDGE = 0.02  # a box within this share of an inner tile edge is a cut-off view


def _nms(xyxy: np.ndarray, conf: np.ndarray, cls: np.ndarray, iou: float) -> np.ndarray:
    """Indices kept: best first, a box dropped where it overlaps a kept one of its class at
    ``iou`` or lies 70% inside it (a tile's view of part of a banner the whole pass saw)."""
    keep: list[int] = []
    for i in np.argsort(-conf, kind="stable"):
        same = [j for j in keep if cls[j] == cls[i]]
        if same and (
            box_iou(xyxy[i : i + 1], xyxy[same]).max() > iou
            or box_ioa(xyxy[i : i + 1], xyxy[same]).max() > 0.7
        ):
            continue
        keep.append(int(i))
    return np.array(keep, dtype=np.int64)


def _tiles(w: int, h: int, grid: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    gx, gy = grid if w >= h else grid[::-1]  # more columns along the longer side
    tw, th = w / (gx - (gx - 1) * OVERLAP), h / (gy - (gy - 1) * OVERLAP)
    out = []
    for iy in range(gy):
        for ix in range(gx):
            x0, y0 = ix * tw * (1 - OVERLAP), iy * th * (1 - OVERLAP)
            out.append((int(x0), int(y0), int(min(w, x0 + tw)), int(min(h, y0 + th))))
    return out


def detect(
    det: OnnxDetector, rgb: np.ndarray, conf: float, grid: tuple[int, int] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xyxy, conf, class) of banners and flags: the whole photo, plus ``grid`` tiles, each at
    ``det.imgsz``."""
    h, w = rgb.shape[:2]
    parts = [(0, 0, w, h)] + (_tiles(w, h, grid) if grid else [])
    boxes, confs, classes = [], [], []
    for x0, y0, x1, y1 in parts:
        small, sx, sy = shrink(rgb[y0:y1, x0:x1], det.imgsz)
        b, c, k = det.detect(small, conf, 0.5, 100)
        b = b * np.float32([sx, sy, sx, sy]) + np.float32([x0, y0, x0, y0])
        keep = k < len(CLASS_NAMES)  # the signboard class is not evidence
        ew, eh = EDGE * (x1 - x0), EDGE * (y1 - y0)
        if x0 > 0:
            keep &= b[:, 0] > x0 + ew
        if y0 > 0:
            keep &= b[:, 1] > y0 + eh
        if x1 < w:
            keep &= b[:, 2] < x1 - ew
        if y1 < h:
            keep &= b[:, 3] < y1 - eh
        boxes.append(b[keep]), confs.append(c[keep]), classes.append(k[keep])
    b, c, k = np.concatenate(boxes), np.concatenate(confs), np.concatenate(classes)
    kept = _nms(b, c, k, 0.5)
    return b[kept], c[kept], k[kept]


def _truth(lines: list[str], w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    rows = [x.split() for x in lines if int(x.split()[0]) < len(CLASS_NAMES)]
    xyxy = np.array(
        [
            [(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h]
            for cx, cy, bw, bh in ([float(v) for v in r[1:]] for r in rows)
        ],
        dtype=np.float32,
    ).reshape(-1, 4)
    return xyxy, np.array([int(r[0]) for r in rows], dtype=np.int64)


def measure(
    det: OnnxDetector, photos: dict[Path, list[str]], conf: float, grid: tuple[int, int] | None
) -> dict[str, Any]:
    found = {n: 0 for n in CLASS_NAMES}
    total = {n: 0 for n in CLASS_NAMES}
    false_boxes = negatives = negatives_with_box = 0
    ms = []
    for path, lines in photos.items():
        rgb = cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        h, w = rgb.shape[:2]
        t0 = time.perf_counter()
        b, _, k = detect(det, rgb, conf, grid)
        ms.append(1000 * (time.perf_counter() - t0))
        gt, gcls = _truth(lines, w, h)
        if not len(gt):
            negatives += 1
            negatives_with_box += int(len(b) > 0)
            continue
        used = np.zeros(len(gt), bool)
        for i in range(len(b)):  # best first
            iou = box_iou(b[i : i + 1], gt)[0]
            cand = np.flatnonzero(~used & (gcls == k[i]) & (iou >= 0.5))
            if len(cand):
                used[cand[int(iou[cand].argmax())]] = True
            else:
                false_boxes += 1
        for cid, name in enumerate(CLASS_NAMES):
            total[name] += int((gcls == cid).sum())
            found[name] += int((used & (gcls == cid)).sum())
    return {
        "conf": conf,
        "imgsz": det.imgsz,
        "tiles": None if grid is None else f"{grid[0]}x{grid[1]}",
        "found": found,
        "of": total,
        "false_boxes_on_material_photos": false_boxes,
        "photos_without_material": negatives,
        "photos_without_material_with_a_box": negatives_with_box,
        "ms_per_photo_median_one_thread": round(float(np.median(ms)), 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", type=Path, default=ROOT / "weights" / "material_yolo.onnx")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--conf", type=float, default=0.35)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "material_tiles.json")
    args = ap.parse_args(argv)
    train = args.shared.resolve() / "train"
    photos = {
        train / name: lines
        for name, lines in indonesian_rows("holdout", (INDONESIAN_EVENT_BOXES,)).items()
    }
    det = OnnxDetector(args.weights, TRAINED_IMGSZ, 1, CLASS_NAMES)
    runs: list[tuple[OnnxDetector, float, tuple[int, int] | None]] = [
        (det, args.conf, g) for g in GRIDS
    ]
    runs += [(det, c, None) for c in LOWER_CONFS]  # or simply a lower threshold
    for size in LARGER_SIZES:  # or one pass at a larger input (the export takes any size)
        runs.append((OnnxDetector(args.weights, size, 1, CLASS_NAMES), args.conf, None))
    rows = []
    for d, conf, grid in runs:
        rows.append(measure(d, photos, conf, grid))
        print(json.dumps(rows[-1]), flush=True)
    report = {
        "what": "tiled inference (whole photo + overlapping tiles, each at the trained 320 px), "
        "a lower conf and one pass at a larger input, against the shipped one pass at 320 px "
        "and conf 0.35, on the held-out websites of scripts/data/indonesian_event_boxes.csv",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{cpu_name()}, {platform.system()}, 2 cores shared with a training run",
        "weights": str(args.weights),
        "photos": len(photos),
        "overlap": OVERLAP,
        "results": rows,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
