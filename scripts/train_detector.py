"""Train the campaign-material detector (class 0 banner, 1 flag) and ship it to weights/.

We are air-gapped and no pretrained checkpoint may be downloaded, so the network starts from an
Ultralytics model YAML (random init), or with ``--init`` from a local checkpoint (the COCO YOLOv5n
transfer of scripts/transfer_yolov5n.py), and learns from synthetic scenes plus the oversampled
real training photos (scripts/make_material_dataset.py; ``--dataset`` takes a folder built
beforehand, e.g. by scripts/make_finetune_dataset.py with real signage photos). Everything that
could reach the network is shut off: YOLO_OFFLINE is set before ultralytics is imported, AMP is
off (its check loads a downloaded model), plots are off (they fetch a font), the dataset check's
font lookup is replaced by a no-op, and any AF_INET/AF_INET6 connection raises. A run that tried
to download fails loudly instead of hanging on a timeout or quietly using a file we never shipped.

After training, the best checkpoint (optimizer stripped) is validated on both validation sets -
the real val photos, which model selection trusts, and synthetic val, which only says whether the
synthetic task was learned - and written with a model card and machine-readable metrics:

  weights/material_yolo.pt     best checkpoint, FP16, no optimizer state
  weights/MODEL_CARD.md        data, command, timing, per-class metrics, caveats
  weights/material_yolo.json   the same metrics

Ultralytics' run folder goes under runs/ (git-ignored), the dataset under data/ (git-ignored).

  python scripts/train_detector.py --model yolov8n.yaml --imgsz 416 --epochs 40 --batch 16 \
      --n-train 2500 --workers 2 --out weights/
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The detector's classes, as the dataset builder writes them (synthetic scenes, real photos).
sys.path.append(str(ROOT / "src"))  # for gesture_scan_devkit
from gesture_scan_devkit.material import CLASS_NAMES as _DATASET_CLASSES  # noqa: E402

CLASS_NAMES = tuple(_DATASET_CLASSES[i] for i in sorted(_DATASET_CLASSES))
WEIGHTS_NAME = "material_yolo.pt"

os.environ["YOLO_OFFLINE"] = "1"  # before any ultralytics import: no online checks, no hub


# --------------------------------------------------------------------------------------------
# no network, ever


def forbid_network() -> None:
    """Make any internet connection attempt raise: an air-gapped run must not depend on one, and
    a timeout would hide the attempt. Unix sockets stay allowed (DataLoader workers use them)."""
    inet = {socket.AF_INET, socket.AF_INET6}
    original_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in inet:
            raise RuntimeError(f"network access attempted during training: {address!r}")
        return original_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"network lookup attempted during training: {host!r}")

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


def patch_ultralytics_offline() -> None:
    """``check_det_dataset`` looks for Arial.ttf and would try to download it; we never plot, so
    no font is needed."""
    import ultralytics.data.utils as data_utils

    data_utils.check_font = lambda *a, **k: None  # type: ignore[assignment]


# --------------------------------------------------------------------------------------------
# data


def build_dataset(args: argparse.Namespace) -> Path:
    """Run the dataset builder (seeded), or reuse a folder built with the same arguments."""
    out = args.data_dir.resolve()
    wanted = {
        "n_train": args.n_train,
        "n_val": args.n_val,
        "seed": args.seed,
        "imgsz": args.scene_size,
        "real_repeats": args.real_repeats,
    }
    info_path = out / "dataset.json"
    if info_path.is_file() and not args.rebuild_data:
        built = json.loads(info_path.read_text(encoding="utf-8"))["arguments"]
        if all(built.get(k) == v for k, v in wanted.items()):
            print(f"reusing dataset {out} (same arguments; --rebuild-data to render it again)")
            return out
    cmd = [
        sys.executable,
        str(ROOT / "scripts" / "make_material_dataset.py"),
        "--out",
        str(out),
        "--n-train",
        str(args.n_train),
        "--n-val",
        str(args.n_val),
        "--seed",
        str(args.seed),
        "--imgsz",
        str(args.scene_size),
        "--real-repeats",
        str(args.real_repeats),
        "--shared",
        str(args.shared),
        "--workers",
        str(max(1, args.workers)),
        "--overwrite",
    ]
    print("building dataset:", shlex.join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return out


# --------------------------------------------------------------------------------------------
# metrics


def per_class_metrics(metrics: Any) -> dict[str, Any]:
    """Per-class P/R/mAP50/mAP50-95 and instance counts from an Ultralytics ``DetMetrics``."""
    box = metrics.box
    nt = getattr(metrics, "nt_per_class", None)
    out: dict[str, Any] = {
        "all": {
            "precision": float(box.mp),
            "recall": float(box.mr),
            "mAP50": float(box.map50),
            "mAP50-95": float(box.map),
        },
        "classes": {},
    }
    index = [int(i) for i in getattr(box, "ap_class_index", [])]
    for cid, name in enumerate(CLASS_NAMES):
        entry: dict[str, Any] = {"instances": int(nt[cid]) if nt is not None else None}
        if cid in index:
            p, r, ap50, ap = box.class_result(index.index(cid))
            entry.update(
                precision=float(p), recall=float(r), mAP50=float(ap50), **{"mAP50-95": float(ap)}
            )
        else:  # no boxes of this class in the split: there is nothing to measure
            entry.update(precision=None, recall=None, mAP50=None, **{"mAP50-95": None})
        out["classes"][name] = entry
    return out


def validate(weights: Path, data_yaml: Path, args: argparse.Namespace, name: str) -> dict:
    from ultralytics import YOLO

    model = YOLO(str(weights), task="detect")
    metrics = model.val(
        data=str(data_yaml),
        split="val",
        imgsz=args.imgsz,
        batch=args.batch,
        device=args.device,
        workers=args.workers,
        plots=False,
        save_json=False,
        project=str(args.runs_dir.resolve()),
        name=f"{args.name}_val_{name}",
        exist_ok=True,
        verbose=False,
    )
    return per_class_metrics(metrics)


# --------------------------------------------------------------------------------------------
# the card


def _fmt(v: Any) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def _table(m: dict) -> str:
    rows = [
        "| class | instances | precision | recall | mAP50 | mAP50-95 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, c in m["classes"].items():
        rows.append(
            f"| {name} | {c['instances']} | {_fmt(c['precision'])} | {_fmt(c['recall'])} | "
            f"{_fmt(c['mAP50'])} | {_fmt(c['mAP50-95'])} |"
        )
    a = m["all"]
    rows.append(
        f"| all | {sum(c['instances'] or 0 for c in m['classes'].values())} | "
        f"{_fmt(a['precision'])} | {_fmt(a['recall'])} | {_fmt(a['mAP50'])} | "
        f"{_fmt(a['mAP50-95'])} |"
    )
    return "\n".join(rows)


def _fp_section(path: Path) -> str:
    """The false-positive table of scripts/measure_false_positives.py, when it has been run
    (run it after training, then ``--report-only`` to put it in the card)."""
    if not path.is_file():
        return ""
    fp = json.loads(path.read_text(encoding="utf-8"))
    rows = [
        "",
        f"False positives on photos without campaign material, at the stage's default conf "
        f"{fp['conf']} (`bench/false_positives.json`, `scripts/measure_false_positives.py`):",
        "",
        "| images | n | with >= 1 object | objects/image | banner | flag |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, g in fp["groups"].items():
        per = g["per_class"]
        rows.append(
            f"| {name} | {g['images']} | {g['images_with_objects']} | "
            f"{g['objects_per_image']:.3f} | {per['banner']} | {per['flag']} |"
        )
    return "\n".join(rows) + "\n"


def write_card(path: Path, report: dict) -> None:
    d = report["dataset"]
    t = report["training"]
    splits = d["splits"]
    syn, vr = splits["train_synthetic"], splits["val_real"]
    real = report["metrics"]["val_real"]
    synth = report["metrics"]["val_synth"]
    if t.get("time_hours"):
        schedule = (
            f"{t['epochs_run']} epochs: Ultralytics' time cap of {t['time_hours']} h re-plans the "
            f"epoch count (and the LR schedule) from the measured epoch time, so on a faster or "
            f"less loaded machine the same command runs more epochs"
        )
    else:
        schedule = f"{t['epochs_run']} of {t['epochs']} epochs"
    dt = t.get("dataset_seconds")
    data_time = "" if dt is None else f" (plus {dt / 60:.1f} min to build the dataset)"
    false_positives = _fp_section(ROOT / "bench" / "false_positives.json")
    if t.get("init"):
        origin = (
            f"Fine-tuned from `{t['init']}`: layers 0-23 (backbone and neck) of the "
            "COCO-pretrained YOLOv5n (Ultralytics, AGPL-3.0, "
            "`../shared/pretrained/yolov5n-coco.pt`) copied into "
            f"`{t['model']}` by `scripts/transfer_yolov5n.py`, new detect head; no downloads."
        )
    else:
        origin = (
            f"Trained from scratch (random init from\n`{t['model']}`): no pretrained weights, "
            "no downloads."
        )
    builder = d["arguments"].get("builder", "scripts/make_material_dataset.py")
    sig = splits.get("train_signage")
    sig_boxes = (sig or {}).get("boxes", {})
    signage = (
        ""
        if sig is None
        else f"""- {sig["images"]} real street photos of `../shared/train/signage` (CC0 facades, MIT
  Vietnamese shopfronts): {sig_boxes.get("signboard", 0)} shop signboards and projecting signs as
  class `signboard`, printed window posters as banner ({sig_boxes.get("banner", 0)}), windows
  and doors unlabelled background; {d["signage"]["holdout"]} more held out for the
  false-positive measure, and the {d["signage"]["skipped_in_material"]} that are also in
  `../shared/train/material` skipped;
"""
    )
    idn = splits.get("train_indonesian")
    indonesian = (
        ""
        if idn is None
        else f"""- {idn["source_images"]} real Indonesian photos of
  `../shared/train/material/unlabeled` (roadside baliho, spanduk, stage backdrops, party flags,
  commercial billboards) with boxes drawn by eye (`scripts/data/indonesian_boxes.csv`),
  x{idn["images"] // max(idn["source_images"], 1)}: {idn["boxes"]["banner"]} banner,
  {idn["boxes"]["flag"]} flag, {idn["boxes"]["signboard"]} signboard boxes; 4 more photos of
  that folder are held out by place for the measure below;
"""
    )
    text = f"""# material_yolo.pt: campaign-material detector

Ultralytics YOLO detector for `banner` (printed campaign material: baliho, spanduk, posters,
stage backdrops, printed photo walls) and `flag` (cloth flags on poles, in rows, hand-held), plus
`signboard` (shop signs, lightboxes, commercial billboards): a reject class, learned so that the
detector tells a shop sign from a baliho instead of suppressing every printed board, and dropped
by `gesture_scan.detect.stage.ObjectStage`, which uses the model. {origin}

- file: `material_yolo.pt` ({report["weights"]["bytes"] / 1e6:.1f} MB, FP16, optimizer stripped),
  sha256 `{report["weights"]["sha256"]}`
- input size: {t["imgsz"]} px (letterboxed by Ultralytics); classes: {", ".join(CLASS_NAMES)}
- ultralytics {t["ultralytics"]}, torch {t["torch"]}, Python {t["python"]}

## Data

Built by `{builder}` (seed {d["arguments"]["seed"]}, scenes of
{d["arguments"]["imgsz"]} px):

- {syn["images"]} synthetic scenes (`gesture_scan_devkit.material`;
  {syn["images_without_boxes"]} without material as hard negatives;
  {syn["boxes"]["banner"]} banner, {syn["boxes"]["flag"]} flag and
  {syn["boxes"].get("signboard", 0)} signboard boxes), drawn on procedural
  backgrounds and on the hand photos and real material train photos of `../shared/train`
  (backgrounds: {d["backgrounds"]["photos"]} photos);
- the {splits["train_real"]["source_images"]} real training photos of `../shared/train/material`
  x{splits["train_real"]["repeats"]} (first copy as-is, the others cropped/flipped/recoloured):
  {splits["train_real"]["boxes"]["banner"]} banner and {splits["train_real"]["boxes"]["flag"]} flag
  boxes. See `../shared/train/material/SOURCES.md` for the sources and licences (CC0 facade
  adverts, flag datasets);
{signage}{indonesian}- validation: the real val split ({vr["images"]} photos,
  {vr["boxes"]["banner"]} banner / {vr["boxes"]["flag"]} flag boxes),
  and {splits["val_synth"]["images"]} synthetic scenes from an independent random stream.

Fonts the scenes were drawn with: {", ".join(d["fonts"])}. `../shared/fieldset` was not used.

## Training

```
{t["command"]}
```

{schedule}, imgsz {t["imgsz"]}, batch {t["batch"]}, optimizer chosen by Ultralytics ("auto":
AdamW for a run this short), mosaic on with close_mosaic {t["close_mosaic"]}, seed {t["seed"]},
deterministic algorithms. The shipped checkpoint is epoch {t["best_epoch"]}, the best by
Ultralytics' fitness (0.1 mAP50 + 0.9 mAP50-95) on the real val split. Training took
{t["train_seconds"] / 60:.0f} min{data_time} on {t["machine"]} ({t["device"]}, {t["threads"]}
torch threads, CPU shared with other jobs), finished {t["finished"]}.

## Metrics

Real val split (the number to trust, but see caveats):

{_table(real)}

Synthetic val split (whether the synthetic task was learned; optimistic for real photos):

{_table(synth)}

mAP computed by Ultralytics' validator at conf 0.001, IoU 0.7 NMS, on {t["imgsz"]} px.
{false_positives}

## Caveats

- The real val split is tiny ({splits["val_real"]["boxes"]["banner"]} banner boxes from 8
  St Petersburg facade photos, {splits["val_real"]["boxes"]["flag"]} flag boxes from 5 photos):
  these numbers are a smoke test with huge uncertainty (one flag box more or less found moves flag
  mAP50 by 0.2), not an estimate of field accuracy. The same split also picked the shipped
  epoch, so its numbers are optimistic on top of that.
- Real Indonesian campaign material in training is 11 photos (one district's roads and a few
  party events); most of that look is learned from synthetic scenes. Expect misses on real
  campaign material whose layout the generator does not draw, and false banners on other
  printed or patterned flat things: document headings and text blocks, name tags, signs, wall
  hangings, house facades (the table above; every detection is listed in
  `bench/false_positives.json`).
- Real val banners are small (10-60 px at 320 px input in the wide facade shots): a larger
  `imgsz` in training and inference would help them, at about twice the cost per image.
- The hand photos `epsrc_*` and `hands_*` of `../shared/train/hands` are backgrounds of the
  synthetic scenes, so false-positive rates measured on them are optimistic.
- Small network trained {"briefly" if t.get("init") else "from scratch"} on CPU for a short
  schedule; a longer run on a GPU (`--device cuda:0`) with more scenes should do better.
- Real val banners are shop-window adverts (`win_ad`), not campaign banners: a low banner score
  there partly reflects a domain and labelling-policy mismatch.
"""
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _machine(device: str) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    desc = f"{cpu}, {os.cpu_count()} logical CPUs visible"
    if device.startswith("cuda"):
        import torch

        desc += f", GPU {torch.cuda.get_device_name(0)}"
    return desc


def resolve_model(name: str) -> str:
    """A YAML in scripts/ (a custom width) or one of the installed package's model YAMLs; refuse
    anything else, because a .pt name would make Ultralytics download pretrained weights."""
    if not name.endswith((".yaml", ".yml")):
        raise SystemExit(f"--model must be a model YAML (no pretrained weights offline): {name}")
    local = Path(name)
    if local.is_file():
        return str(local.resolve())
    if (ROOT / "scripts" / name).is_file():
        return str(ROOT / "scripts" / name)
    return name  # resolved by Ultralytics from its own cfg/models folder


def set_threads(n: int) -> None:
    """Ultralytics resets torch to ``cpu_count - 1`` threads when it picks the CPU (one thread on a
    two-core machine, half the speed); make it use the number we asked for."""
    import torch
    import ultralytics.utils.torch_utils as torch_utils

    torch.set_num_threads(n)
    torch_utils.NUM_THREADS = n


def train(args: argparse.Namespace) -> dict:
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    set_threads(args.threads)
    patch_ultralytics_offline()
    from ultralytics import YOLO

    t0 = time.perf_counter()
    if args.dataset is not None:  # built beforehand (scripts/make_finetune_dataset.py)
        data_dir = args.dataset.resolve()
        if not (data_dir / "data.yaml").is_file() or not (data_dir / "dataset.json").is_file():
            raise SystemExit(f"error: {data_dir} has no data.yaml / dataset.json")
    else:
        data_dir = build_dataset(args)
    t_data = time.perf_counter() - t0
    if args.report_only is not None:  # post-training steps for a finished (or stopped) run
        run_dir = args.report_only.resolve()
        if not (run_dir / "weights").is_dir():
            raise SystemExit(f"error: {run_dir} is not an Ultralytics run folder (no weights/)")
        return finish(args, run_dir, data_dir, None, None)

    if args.init is not None:  # a local starting checkpoint (scripts/transfer_yolov5n.py)
        if not args.init.is_file():  # Ultralytics would go looking for it online
            raise SystemExit(f"error: --init {args.init} not found")
        model = YOLO(str(args.init.resolve()), task="detect")
    else:
        model = YOLO(resolve_model(args.model), task="detect")
    t1 = time.perf_counter()
    model.train(
        data=str(data_dir / "data.yaml"),
        epochs=args.epochs,
        imgsz=args.imgsz,
        batch=args.batch,
        workers=args.workers,
        device=args.device,
        seed=args.seed,
        deterministic=True,
        pretrained=args.init is not None,
        amp=False,
        plots=False,
        cache=args.cache if args.cache != "none" else False,
        patience=args.patience,
        close_mosaic=args.close_mosaic,
        mosaic=1.0,
        project=str(args.runs_dir.resolve()),
        name=args.name,
        exist_ok=True,
        val=True,
        verbose=True,
        **({"time": args.time_hours} if args.time_hours else {}),
    )
    t_train = time.perf_counter() - t1
    return finish(args, Path(model.trainer.save_dir), data_dir, t_train, t_data)


def _history(run_dir: Path) -> dict[str, Any]:
    """Epochs run, the best epoch by Ultralytics' fitness (0.1 mAP50 + 0.9 mAP50-95 on the real
    val split), and the training seconds it logged."""
    import csv

    results_csv = run_dir / "results.csv"
    if not results_csv.is_file():
        return {"epochs_run": None, "best_epoch": None, "logged_seconds": None, "per_epoch": []}
    with results_csv.open(encoding="utf-8") as f:
        rows = [{k.strip(): v.strip() for k, v in r.items()} for r in csv.DictReader(f)]
    per_epoch = [
        {
            "epoch": int(r["epoch"]),
            "mAP50": float(r["metrics/mAP50(B)"]),
            "mAP50-95": float(r["metrics/mAP50-95(B)"]),
        }
        for r in rows
    ]
    best = max(per_epoch, key=lambda e: 0.1 * e["mAP50"] + 0.9 * e["mAP50-95"], default=None)
    return {
        "epochs_run": len(rows),
        "best_epoch": best["epoch"] if best else None,
        "logged_seconds": float(rows[-1]["time"]) if rows and "time" in rows[-1] else None,
        "per_epoch": per_epoch,
    }


def finish(
    args: argparse.Namespace,
    run_dir: Path,
    data_dir: Path,
    t_train: float | None,
    t_data: float | None,
) -> dict:
    """Ship the best checkpoint, validate it on both val sets, write the card and the JSON."""
    import torch
    from ultralytics import __version__ as ul_version
    from ultralytics.utils.torch_utils import strip_optimizer

    best = run_dir / "weights" / "best.pt"
    if not best.is_file():
        best = run_dir / "weights" / "last.pt"
    out_dir = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    shipped = out_dir / WEIGHTS_NAME
    strip_optimizer(best, str(shipped))  # FP16, no optimizer/EMA copies: ~6 MB instead of ~18

    metrics = {
        "val_real": validate(shipped, data_dir / "data.yaml", args, "real"),
        "val_synth": validate(shipped, data_dir / "data_synth.yaml", args, "synth"),
    }
    history = _history(run_dir)
    # results.csv rounds to 5 digits, which can tie two epochs' fitness; the epoch whose logged
    # real-val metrics the shipped weights reproduce is the one Ultralytics kept.
    real_all = metrics["val_real"]["all"]
    if history["per_epoch"]:
        match = min(
            history["per_epoch"],
            key=lambda e: (
                abs(e["mAP50"] - real_all["mAP50"]) + abs(e["mAP50-95"] - real_all["mAP50-95"])
            ),
        )
        if abs(match["mAP50-95"] - real_all["mAP50-95"]) < 5e-4:
            history["best_epoch"] = match["epoch"]
    if t_train is None:
        t_train = history["logged_seconds"] or 0.0
    dataset_info = json.loads((data_dir / "dataset.json").read_text(encoding="utf-8"))
    report = {
        "classes": list(CLASS_NAMES),
        "weights": {
            "file": WEIGHTS_NAME,
            "bytes": shipped.stat().st_size,
            "sha256": _sha256(shipped),
            "from": str(best.relative_to(ROOT) if ROOT in best.parents else best),
        },
        "training": {
            "command": args.command,
            "model": args.model,
            "init": None if args.init is None else str(args.init),
            "imgsz": args.imgsz,
            "epochs": args.epochs,
            "time_hours": args.time_hours,
            "epochs_run": history["epochs_run"],
            "best_epoch": history["best_epoch"],
            "batch": args.batch,
            "close_mosaic": args.close_mosaic,
            "seed": args.seed,
            "device": args.device,
            "threads": args.threads,
            "machine": _machine(args.device),
            "train_seconds": round(t_train, 1),
            "dataset_seconds": None if t_data is None else round(t_data, 1),
            "finished": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "ultralytics": ul_version,
            "torch": torch.__version__,
            "python": platform.python_version(),
            "run_dir": str(run_dir.relative_to(ROOT) if ROOT in run_dir.parents else run_dir),
            "real_val_per_epoch": history["per_epoch"],
        },
        "dataset": {
            "arguments": dataset_info["arguments"],
            "fonts": dataset_info["fonts"],
            "backgrounds": dataset_info["backgrounds"],
            "splits": dataset_info["splits"],
            **({"signage": dataset_info["signage"]} if "signage" in dataset_info else {}),
        },
        "metrics": metrics,
    }
    (out_dir / "material_yolo.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    write_card(out_dir / "MODEL_CARD.md", report)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--model", default="yolov8n.yaml", help="model YAML (never a .pt name)")
    ap.add_argument("--imgsz", type=int, default=416, help="training and inference size")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--n-train", type=int, default=2500, help="synthetic training scenes")
    ap.add_argument("--n-val", type=int, default=300, help="synthetic validation scenes")
    ap.add_argument("--real-repeats", type=int, default=3, help="copies of each real train photo")
    ap.add_argument("--scene-size", type=int, default=None, help="synthetic scene px (= imgsz)")
    ap.add_argument("--workers", type=int, default=2, help="dataloader and rendering processes")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--device", default="cpu", help="cpu, cuda:0, ...")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--patience", type=int, default=15, help="epochs without improvement to stop")
    ap.add_argument("--close-mosaic", type=int, default=5)
    ap.add_argument("--cache", choices=("ram", "disk", "none"), default="ram")
    ap.add_argument("--time-hours", type=float, default=None, help="Ultralytics' time cap")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--data-dir", type=Path, default=None, help="dataset folder (under data/)")
    ap.add_argument(
        "--dataset",
        type=Path,
        default=None,
        help="a dataset folder built beforehand (data.yaml, dataset.json); nothing is rendered",
    )
    ap.add_argument(
        "--init",
        type=Path,
        default=None,
        help="local starting checkpoint (.pt, e.g. from scripts/transfer_yolov5n.py); "
        "--model then only names its architecture in the card",
    )
    ap.add_argument("--rebuild-data", action="store_true")
    ap.add_argument("--runs-dir", type=Path, default=ROOT / "runs" / "material")
    ap.add_argument("--name", default="train")
    ap.add_argument("--out", type=Path, default=ROOT / "weights")
    ap.add_argument(
        "--report-only",
        type=Path,
        default=None,
        metavar="RUN_DIR",
        help="skip training: ship, validate and document the run in RUN_DIR (pass the arguments "
        "it was trained with, so the card records them)",
    )
    ap.add_argument("--allow-network", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.scene_size is None:
        args.scene_size = args.imgsz
    if args.data_dir is None:
        args.data_dir = ROOT / "data" / f"material_{args.scene_size}_n{args.n_train}_s{args.seed}"
    if args.imgsz % 32:
        ap.error(f"--imgsz must be a multiple of 32, got {args.imgsz}")
    for name in ("epochs", "batch", "n_train", "threads"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    argv_used = list(sys.argv[1:] if argv is None else argv)
    if args.report_only is not None:  # record the training command, not this one
        i = argv_used.index("--report-only") if "--report-only" in argv_used else -1
        if i >= 0:
            del argv_used[i : i + 2]
        else:
            argv_used = [a for a in argv_used if not a.startswith("--report-only=")]
    args.command = shlex.join(["python", "scripts/train_detector.py", *argv_used])
    if not args.allow_network:
        forbid_network()
    report = train(args)
    real = report["metrics"]["val_real"]
    synth = report["metrics"]["val_synth"]
    print(json.dumps({"val_real": real, "val_synth": synth}, indent=2))
    print(f"wrote {args.out / WEIGHTS_NAME}, MODEL_CARD.md, material_yolo.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
