"""Compare campaign-material weights on the real val split of ../shared/train/material.

For each ``--weights LABEL=PATH`` and each ``--imgsz``:

- mAP50 and mAP50-95 per class from Ultralytics' validator (conf 0.001, IoU 0.7 NMS), the figure
  training selects on;
- precision and recall per class *at the shipped confidence* (``ObjectOptions().conf``, NMS IoU
  ``ObjectOptions().iou``), through ``ObjectStage`` itself (torch backend), so the figure is what
  a user gets: a prediction is a true positive when it overlaps a not yet matched true box of its
  class with IoU >= 0.5 (greedy, best score first);
- the same precision and recall on the 4 Indonesian photos of ``material/unlabeled`` that
  ``scripts/data/indonesian_boxes.csv`` holds out (5 banner boxes: roadside candidate baliho,
  an event spanduk; 1 office flag), the only held-out photos of the large printed material the
  tool is for (the val split's banners are shop-window posters);
- with ``--unlabeled``: the boxes at the shipped conf on all 15 photos of ``material/unlabeled``
  (11 of them are training photos since the third fine-tune: a look, not a measure);
- with ``--onnx LABEL=PATH``: that export through the onnxruntime stage on one thread (as a scan
  worker runs it), median ms per photo over the 89 photos of ../shared/train/material and
  ``samples/``, decoded beforehand; weights are timed in alternation so other load on the machine
  hits them alike.

The val photos are copied to data/material_val_real/ (git-ignored) first: Ultralytics writes a
label cache next to the labels, and ../shared is read-only material. Never reads
../shared/fieldset. Writes --out (default bench/material_val.json).

  python scripts/eval_material_val.py --weights today=weights/material_yolo.pt \\
      --weights new=runs/ship320/material_yolo.pt --imgsz 320 --imgsz 416 --unlabeled
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

os.environ["YOLO_OFFLINE"] = "1"  # before any ultralytics import

import cv2
import numpy as np

sys.path.append(
    str(Path(__file__).resolve().parents[1] / "src")
)  # gesture_scan_devkit: not installed

from gesture_scan.detect.options import ObjectOptions
from gesture_scan.detect.stage import CLASS_NAMES, ObjectStage
from gesture_scan.detections import box_iou
from gesture_scan_devkit import material as synth

sys.path.append(str(Path(__file__).resolve().parent))  # the dataset builder, for its CSV reader
from make_finetune_dataset import INDONESIAN_BOXES, INDONESIAN_EVENT_BOXES, indonesian_rows

ROOT = Path(__file__).resolve().parents[1]
MATCH_IOU = 0.5


def _pair(text: str) -> tuple[str, Path]:
    label, sep, path = text.partition("=")
    if not sep or not label or not path:
        raise argparse.ArgumentTypeError(f"expected LABEL=PATH, got {text!r}")
    return label, Path(path)


def indonesian_holdout(shared: Path, dest: Path, table: Path) -> tuple[Path, Path]:
    """(images, labels) folders of the held-out rows of one Indonesian box table."""
    images, labels = dest / "images", dest / "labels"
    for d in (images, labels):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    for name, lines in indonesian_rows("holdout", (table,)).items():
        shutil.copyfile(shared / "train" / name, images / Path(name).name)
        (labels / f"{Path(name).stem}.txt").write_text("".join(f"{x}\n" for x in lines), "utf-8")
    return images, labels


def model_names(weights: Path) -> tuple[str, ...]:
    from ultralytics import YOLO

    names = YOLO(str(weights), task="detect").names
    return tuple(str(names[i]) for i in sorted(names))


def val_folder(shared: Path, dest: Path, names: tuple[str, ...] = CLASS_NAMES) -> Path:
    """A copy of the real val split with a data.yaml of its own (``names``: the model's classes,
    which Ultralytics' validator wants to match); returns the yaml."""
    src = shared / "train" / "material"
    for kind in ("images", "labels"):
        d = dest / kind / "val"
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        for f in sorted((src / kind / "val").iterdir()):
            shutil.copyfile(f, d / f.name)
    for cache in (dest / "labels").glob("*.cache"):
        cache.unlink()
    yaml_path = dest / "data.yaml"
    yaml_path.write_text(
        f"path: {dest}\ntrain: images/val\nval: images/val\n"
        + "names:\n"
        + "".join(f"  {i}: {n}\n" for i, n in enumerate(names)),
        encoding="utf-8",
    )
    return yaml_path


def ultralytics_map(weights: Path, data_yaml: Path, imgsz: int, runs: Path) -> dict[str, Any]:
    from ultralytics import YOLO

    m = YOLO(str(weights), task="detect").val(
        data=str(data_yaml),
        split="val",
        imgsz=imgsz,
        batch=8,
        device="cpu",
        workers=0,
        plots=False,
        save_json=False,
        project=str(runs),
        name="eval_val",
        exist_ok=True,
        verbose=False,
    )
    box = m.box
    index = [int(i) for i in box.ap_class_index]
    out: dict[str, Any] = {"all": {"mAP50": float(box.map50), "mAP50-95": float(box.map)}}
    for cid, name in enumerate(CLASS_NAMES):
        if cid in index:
            _, _, ap50, ap = box.class_result(index.index(cid))
            out[name] = {"mAP50": float(ap50), "mAP50-95": float(ap)}
        else:
            out[name] = {"mAP50": None, "mAP50-95": None}
    return out


def _truth(label: Path, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    norm, cls = synth.read_yolo_labels(label)
    xyxy = np.stack(
        [
            (norm[:, 0] - norm[:, 2] / 2) * w,
            (norm[:, 1] - norm[:, 3] / 2) * h,
            (norm[:, 0] + norm[:, 2] / 2) * w,
            (norm[:, 1] + norm[:, 3] / 2) * h,
        ],
        1,
    ).reshape(-1, 4)
    return xyxy.astype(np.float32), cls


def at_conf(
    weights: Path, images: Path, labels: Path, imgsz: int, conf: float | None = None
) -> dict[str, Any]:
    """Per class TP/FP/FN, precision and recall of the stage at its shipped conf (or ``conf``)
    and NMS IoU."""
    kw: dict[str, Any] = {} if conf is None else {"conf": conf}
    opts = ObjectOptions(weights=weights, device="cpu", backend="torch", imgsz=imgsz, **kw)
    counts = {n: {"instances": 0, "tp": 0, "fp": 0} for n in CLASS_NAMES}
    per_image = []
    with ObjectStage(opts) as stage:
        for img_path in sorted(images.iterdir()):
            bgr = cv2.imread(str(img_path), cv2.IMREAD_COLOR)
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            h, w = rgb.shape[:2]
            gt, gcls = _truth(labels / f"{img_path.stem}.txt", w, h)
            dets = stage.run(rgb).detections
            row: dict[str, Any] = {"image": img_path.name}
            for cid, name in enumerate(CLASS_NAMES):
                g = gt[gcls == cid]
                d = dets[dets.class_id == cid]  # best score first
                used = np.zeros(len(g), bool)
                tp = 0
                if len(g) and len(d):
                    iou = box_iou(d.xyxy, g)
                    for i in range(len(d)):
                        cand = np.where(~used & (iou[i] >= MATCH_IOU))[0]
                        if len(cand):
                            used[cand[int(iou[i, cand].argmax())]] = True
                            tp += 1
                counts[name]["instances"] += len(g)
                counts[name]["tp"] += tp
                counts[name]["fp"] += len(d) - tp
                row[name] = {"true": len(g), "found": tp, "false": len(d) - tp}
            row["material"] = bool(np.isin(gcls, list(range(len(CLASS_NAMES)))).any())
            row["boxes"] = len(dets)
            per_image.append(row)
    out: dict[str, Any] = {"conf": opts.conf, "nms_iou": opts.iou, "match_iou": MATCH_IOU}
    clean = [r for r in per_image if not r["material"]]
    out["photos_without_material"] = len(clean)
    out["photos_without_material_with_a_box"] = sum(r["boxes"] > 0 for r in clean)
    for name, c in counts.items():
        pred = c["tp"] + c["fp"]
        out[name] = {
            **c,
            "fn": c["instances"] - c["tp"],
            "precision": round(c["tp"] / pred, 4) if pred else None,
            "recall": round(c["tp"] / c["instances"], 4) if c["instances"] else None,
        }
    tot = {k: sum(counts[n][k] for n in CLASS_NAMES) for k in ("instances", "tp", "fp")}
    pred = tot["tp"] + tot["fp"]
    out["all"] = {
        **tot,
        "precision": round(tot["tp"] / pred, 4) if pred else None,
        "recall": round(tot["tp"] / tot["instances"], 4) if tot["instances"] else None,
    }
    out["per_image"] = per_image
    return out


def unlabeled_check(weights: Path, shared: Path) -> dict[str, list[dict[str, Any]]]:
    """Boxes at the shipped conf on ``material/unlabeled`` (15 Indonesian baliho, spanduk,
    backdrop and party-flag photos, no labels): every one shows material, so a photo with no box
    is a miss; whether a box is on the material is for a look by eye, not counted here."""
    folder = shared / "train" / "material" / "unlabeled"
    out: dict[str, list[dict[str, Any]]] = {}
    opts = ObjectOptions(weights=weights, device="cpu", backend="torch")
    with ObjectStage(opts) as stage:
        for p in sorted(folder.iterdir()):
            if p.suffix.lower() not in synth.PHOTO_EXTENSIONS:
                continue
            bgr = cv2.imread(str(p), cv2.IMREAD_COLOR)
            dets = stage.run(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)).detections
            out[p.name] = [
                {"label": o["label"], "score": round(float(o["score"]), 3)} for o in dets.to_dicts()
            ]
    return out


def timing_images(shared: Path) -> list[np.ndarray]:
    paths = sorted(p for p in (shared / "train" / "material" / "images").glob("*/*.jpg"))
    paths += sorted(p for p in (ROOT / "samples").glob("*.jpg"))
    out = []
    for p in paths:
        bgr = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if bgr is not None:
            out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return out


def time_onnx(onnx: dict[str, Path], sizes: list[int], images: list[np.ndarray], rounds: int):
    """Median ms per photo of the onnx stage, one thread, per (weights, imgsz)."""
    cv2.setNumThreads(1)
    ms: dict[tuple[str, int], list[float]] = {(k, s): [] for k in onnx for s in sizes}
    stages = {
        (k, s): ObjectStage(ObjectOptions(weights=p, imgsz=s, threads=1, device="cpu"))
        for k, p in onnx.items()
        for s in sizes
    }
    try:
        for st in stages.values():
            st.run(images[0])  # warm-up
        for _ in range(rounds):
            for key, st in stages.items():  # alternate: background load hits all alike
                for rgb in images:
                    t0 = time.perf_counter()
                    st.run(rgb)
                    ms[key].append((time.perf_counter() - t0) * 1000)
    finally:
        for st in stages.values():
            st.close()
    return {
        f"{k}@{s}": {
            "images": len(images),
            "calls": len(v),
            "ms_median": round(statistics.median(v), 1),
            "ms_p90": round(float(np.percentile(v, 90)), 1),
        }
        for (k, s), v in ms.items()
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--weights", type=_pair, action="append", required=True, help="LABEL=PATH")
    ap.add_argument("--onnx", type=_pair, action="append", default=[], help="LABEL=PATH to time")
    ap.add_argument("--imgsz", type=int, action="append", default=None)
    ap.add_argument("--rounds", type=int, default=3, help="timing passes over the photos")
    ap.add_argument(
        "--sweep",
        type=float,
        nargs="*",
        default=[],
        help="also precision/recall at these confs (information, not the shipped figure)",
    )
    ap.add_argument(
        "--unlabeled", action="store_true", help="also list boxes on material/unlabeled"
    )
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--work", type=Path, default=ROOT / "data" / "material_val_real")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "material_val.json")
    args = ap.parse_args(argv)
    sizes = args.imgsz or [320]
    images, labels = args.work / "images" / "val", args.work / "labels" / "val"
    idn_images, idn_labels = indonesian_holdout(
        args.shared.resolve(), args.work / "idn_holdout", INDONESIAN_BOXES
    )
    ev_images, ev_labels = indonesian_holdout(
        args.shared.resolve(), args.work / "idn_event_holdout", INDONESIAN_EVENT_BOXES
    )
    results: dict[str, Any] = {}
    for label, weights in args.weights:
        if not weights.is_file():
            print(f"error: {weights} not found", file=sys.stderr)
            return 2
        data_yaml = val_folder(args.shared.resolve(), args.work.resolve(), model_names(weights))
        for s in sizes:
            key = f"{label}@{s}"
            results[key] = {
                "weights": str(weights),
                "imgsz": s,
                "map": ultralytics_map(weights, data_yaml, s, ROOT / "runs" / "eval"),
                "at_conf": at_conf(weights, images, labels, s),
                "indonesian_holdout_at_conf": at_conf(weights, idn_images, idn_labels, s),
                "indonesian_event_holdout_at_conf": at_conf(weights, ev_images, ev_labels, s),
            }
            results[key]["at_conf_sweep"] = {
                str(c): {
                    n: {
                        k: v
                        for k, v in at_conf(weights, images, labels, s, c)[n].items()
                        if k != "per_image"
                    }
                    for n in (*CLASS_NAMES, "all")
                }
                for c in args.sweep
            }
            r = results[key]
            print(
                f"{key:16s} mAP50 all {r['map']['all']['mAP50']:.3f} "
                + " ".join(
                    f"{n}: mAP50 {r['map'][n]['mAP50'] or 0:.3f} "
                    f"P {r['at_conf'][n]['precision']} R {r['at_conf'][n]['recall']}"
                    for n in CLASS_NAMES
                )
                + " | Indonesian holdout: "
                + " ".join(
                    f"{n} {r['indonesian_holdout_at_conf'][n]['tp']}/"
                    f"{r['indonesian_holdout_at_conf'][n]['instances']} "
                    f"(+{r['indonesian_holdout_at_conf'][n]['fp']} false)"
                    for n in CLASS_NAMES
                )
                + " | event holdout: "
                + " ".join(
                    f"{n} {r['indonesian_event_holdout_at_conf'][n]['tp']}/"
                    f"{r['indonesian_event_holdout_at_conf'][n]['instances']} "
                    f"(+{r['indonesian_event_holdout_at_conf'][n]['fp']} false)"
                    for n in CLASS_NAMES
                )
                + f" photos without material with a box "
                f"{r['indonesian_event_holdout_at_conf']['photos_without_material_with_a_box']}/"
                f"{r['indonesian_event_holdout_at_conf']['photos_without_material']}",
                flush=True,
            )
    unlabeled = None
    if args.unlabeled:
        unlabeled = {}
        for label, weights in args.weights:
            found = unlabeled_check(weights, args.shared.resolve())
            unlabeled[label] = {
                "photos": len(found),
                "photos_with_a_box": sum(bool(v) for v in found.values()),
                "boxes": found,
            }
            print(f"{label}: unlabeled photos with a box {unlabeled[label]['photos_with_a_box']}")
    timing = None
    if args.onnx:
        os.environ["OMP_NUM_THREADS"] = "1"
        timing = time_onnx(dict(args.onnx), sizes, timing_images(args.shared), args.rounds)
        print(json.dumps(timing, indent=1))
    report = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} logical CPUs",
        "split": "../shared/train/material val (13 photos, 19 banner / 5 flag boxes); "
        "indonesian_holdout: 4 photos of material/unlabeled, boxes by eye "
        "(scripts/data/indonesian_boxes.csv, 5 banner / 1 flag); indonesian_event_holdout: "
        "the held-out websites of scripts/data/indonesian_event_boxes.csv (government office, "
        "event and school photos of ../shared/train/attire, boxes reviewed on proposal sheets)",
        "results": results,
        "unlabeled_indonesian_at_shipped_conf": unlabeled,
        "onnx_timing_one_thread": timing,
        "notes": [
            "mAP: Ultralytics validator, conf 0.001, IoU 0.7 NMS",
            "precision/recall: ObjectStage (torch backend) at the shipped conf and NMS IoU; "
            "a prediction matches an unmatched true box of its class at IoU >= 0.5",
            "the same 13 photos chose the training epoch: optimistic for the model trained here",
        ],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
