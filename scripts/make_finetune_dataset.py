"""Build the fine-tuning dataset of the campaign-material detector: real photos first.

What ``scripts/make_material_dataset.py`` builds (synthetic scenes, the 76 real train photos of
``../shared/train/material`` as-is plus augmented copies, the real val split unchanged), plus real
street signage from ``../shared/train/signage``:

- shop signboards and projecting signs are class 2 ``signboard`` (reported, ignored by the
  rules): a shop sign is not campaign material, and a detector that never saw one calls every
  printed rectangle a banner. As unlabelled background (the first fine-tune) they taught it that
  every large printed board by a road is nothing, baliho included; as a class of their own the
  detector still finds boards and has to tell the campaign ones apart. Windows, doors and arches
  stay unlabelled background;
- printed window posters (``win_ad``) are class 0 ``banner``, the mapping the material set uses;
- photos that are also in ``../shared/train/material`` (by source path or SHA-256 of the original
  bytes: 48 train and 8 val facades, every signage photo with a ``win_ad`` box) are skipped here,
  so the val split's photos never reach training and the train ones come once, at full size;
- the rest is split per source (``facade_``, ``vnsign_``), seeded: ``--signage-train-fraction``
  trains, the others are held out for ``scripts/measure_false_positives.py`` (``signage_split``
  below is the one place that split is drawn, the measure imports it).

- the 15 Indonesian photos of ``material/unlabeled`` with the boxes drawn by eye in
  ``scripts/data/indonesian_boxes.csv`` (baliho, spanduk, backdrops as banner; party and office
  flags; commercial billboards and public-service boards as signboard). The rows marked
  ``holdout`` (4 photos, by place) never reach training: ``scripts/eval_material_val.py`` measures
  on them.

Never reads ``../shared/fieldset``. Writes under --out (git-ignored
``data/`` by default); dataset.json records the arguments, counts and held-out file names.

  python scripts/make_finetune_dataset.py --out data/finetune_s0 --n-train 600 --seed 0
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SIGNAGE_CLASSES = ("window", "cantilever", "arch", "signboard", "win_ad", "door")
SIGNAGE_TO_OURS = {4: 0, 3: 2, 1: 2}  # win_ad -> banner, signboard/cantilever -> signboard
OUR_CLASSES = ("banner", "flag", "signboard")
INDONESIAN_BOXES = ROOT / "scripts" / "data" / "indonesian_boxes.csv"
#: Government event and office photos of ../shared/train/attire, reviewed on detector proposal
#: sheets (scripts/propose_material_boxes.py, merge_material_labels.py); held out by website.
INDONESIAN_EVENT_BOXES = ROOT / "scripts" / "data" / "indonesian_event_boxes.csv"
INDONESIAN_TABLES = (INDONESIAN_BOXES, INDONESIAN_EVENT_BOXES)
#: Folder under ../shared/train each table's ``file`` column is relative to.
INDONESIAN_FOLDERS = {INDONESIAN_BOXES.name: "material/unlabeled/", INDONESIAN_EVENT_BOXES.name: ""}
SIGNAGE_SOURCES = ("facade", "vnsign")
DEFAULT_SEED = 0
DEFAULT_SIGNAGE_TRAIN_FRACTION = 0.6  # the rest: held out for scripts/measure_false_positives.py


def _load_builder() -> ModuleType:
    """scripts/make_material_dataset.py as the module ``make_material_dataset``: its render pool
    spawns workers that import it by that name, so scripts/ goes on sys.path (inherited)."""
    scripts = str(ROOT / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    return importlib.import_module("make_material_dataset")


def _material_keys(shared: Path) -> tuple[set[tuple[str, str]], set[str]]:
    rows = list(csv.DictReader((shared / "train" / "material" / "provenance.csv").open()))
    return {(r["source_repo"], r["source_path"]) for r in rows}, {r["source_sha256"] for r in rows}


def signage_split(shared: Path, seed: int, train_fraction: float) -> dict[str, list[str]]:
    """{"train": [...], "holdout": [...], "in_material": [...]} of signage file names.

    Per source, sorted by name, then a seeded permutation: the first ``train_fraction`` trains.
    Deterministic for a given seed and folder, so the false-positive measure draws the same
    held-out photos without reading the dataset folder."""
    sig = shared / "train" / "signage"
    rows = list(csv.DictReader((sig / "provenance.csv").open()))
    paths, shas = _material_keys(shared)
    out: dict[str, list[str]] = {"train": [], "holdout": [], "in_material": []}
    by_source: dict[str, list[str]] = {s: [] for s in SIGNAGE_SOURCES}
    for r in rows:
        if (r["source_repo"], r["source_path"]) in paths or r["source_sha256"] in shas:
            out["in_material"].append(r["file"])
            continue
        source = r["file"].split("_", 1)[0]
        if source not in by_source:
            raise SystemExit(f"error: signage file {r['file']} of an unknown source")
        by_source[source].append(r["file"])
    for k, source in enumerate(SIGNAGE_SOURCES):
        names = sorted(by_source[source])
        order = np.random.default_rng([seed, 31, k]).permutation(len(names))
        n_train = round(train_fraction * len(names))
        out["train"] += [names[i] for i in sorted(order[:n_train])]
        out["holdout"] += [names[i] for i in sorted(order[n_train:])]
    return {k: sorted(v) for k, v in out.items()}


def signage_labels(label_path: Path) -> list[str]:
    """Our YOLO lines for one signage label file: ``win_ad`` as banner, signboards and projecting
    signs as signboard, the rest dropped."""
    lines = []
    for line in label_path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 5 and int(parts[0]) in SIGNAGE_TO_OURS:
            lines.append(" ".join([str(SIGNAGE_TO_OURS[int(parts[0])]), *parts[1:]]))
    return lines


def copy_signage(shared: Path, names: list[str], out: Path) -> dict:
    sig = shared / "train" / "signage"
    img_dir, lab_dir = out / "images" / "train", out / "labels" / "train"
    dropped = dict.fromkeys(SIGNAGE_CLASSES, 0)
    boxes = dict.fromkeys(OUR_CLASSES, 0)
    empty = 0
    for name in names:
        src = sig / "images" / name
        label = sig / "labels" / f"{Path(name).stem}.txt"
        lines = signage_labels(label) if label.is_file() else []
        if label.is_file():
            for line in label.read_text(encoding="utf-8").splitlines():
                if line.split() and int(line.split()[0]) not in SIGNAGE_TO_OURS:
                    dropped[SIGNAGE_CLASSES[int(line.split()[0])]] += 1
        for x in lines:
            boxes[OUR_CLASSES[int(x.split()[0])]] += 1
        empty += not lines
        stem = f"sig_{Path(name).stem}"
        shutil.copyfile(src, img_dir / f"{stem}{src.suffix.lower()}")
        (lab_dir / f"{stem}.txt").write_text("".join(f"{x}\n" for x in lines), encoding="utf-8")
    return {
        "images": len(names),
        "images_without_boxes": empty,
        "boxes": boxes,
        "background_boxes_dropped": dropped,
    }


def indonesian_rows(
    split: str, tables: tuple[Path, ...] = INDONESIAN_TABLES
) -> dict[str, list[str]]:
    """{photo path under ../shared/train: YOLO lines} of the hand-labelled Indonesian photos in
    ``split``; a photo reviewed and found without material has no lines (a negative)."""
    out: dict[str, list[str]] = {}
    for table in tables:
        if not table.is_file():
            continue
        folder = INDONESIAN_FOLDERS.get(table.name, "")
        for r in csv.DictReader(table.open(encoding="utf-8")):
            if r["split"] != split:
                continue
            lines = out.setdefault(f"{folder}{r['file']}", [])
            if r["class"] != "":
                lines.append(" ".join((r["class"], r["cx"], r["cy"], r["w"], r["h"])))
    return out


def copy_indonesian(shared: Path, out: Path, repeats: int, negative_repeats: int = 1) -> dict:
    """The train rows of the Indonesian box tables, ``repeats`` copies of each photo with boxes
    and ``negative_repeats`` of each without (mosaic and the augmentations make each copy a
    different picture). The negatives are government offices and events: framed portraits,
    emblems and uniforms the detector called banners."""
    img_dir, lab_dir = out / "images" / "train", out / "labels" / "train"
    boxes = dict.fromkeys(OUR_CLASSES, 0)
    rows = indonesian_rows("train")
    images = 0
    for name, lines in rows.items():
        n = repeats if lines else negative_repeats
        for x in lines:
            boxes[OUR_CLASSES[int(x.split()[0])]] += n
        for k in range(n):
            stem = f"idn_{Path(name).stem}_r{k}"
            shutil.copyfile(shared / "train" / name, img_dir / f"{stem}.jpg")
            (lab_dir / f"{stem}.txt").write_text("".join(f"{x}\n" for x in lines), "utf-8")
            images += 1
    return {
        "images": images,
        "source_images": len(rows),
        "negatives": sum(not v for v in rows.values()),
        "boxes": boxes,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--n-train", type=int, default=600, help="synthetic training scenes")
    ap.add_argument("--n-val", type=int, default=200, help="synthetic validation scenes")
    ap.add_argument("--imgsz", type=int, default=640, help="synthetic scene size (square)")
    ap.add_argument("--real-repeats", type=int, default=3, help="copies of each real train photo")
    ap.add_argument("--negative-fraction", type=float, default=0.15)
    ap.add_argument("--signage-train-fraction", type=float, default=DEFAULT_SIGNAGE_TRAIN_FRACTION)
    ap.add_argument("--indonesian-repeats", type=int, default=5)
    ap.add_argument(
        "--indonesian-negative-repeats",
        type=int,
        default=1,
        help="copies of each reviewed Indonesian photo without material",
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--jpeg-quality", type=int, default=90)
    ap.add_argument("--overwrite", action="store_true")
    args = ap.parse_args(argv)
    if not 0.0 <= args.signage_train_fraction <= 1.0:
        ap.error("--signage-train-fraction must be between 0 and 1")
    shared = args.shared.resolve()
    if not (shared / "train" / "signage" / "provenance.csv").is_file():
        print(f"error: no signage set under {shared}/train/signage", file=sys.stderr)
        return 2

    mmd = _load_builder()
    base = argparse.Namespace(
        out=args.out,
        n_train=args.n_train,
        n_val=args.n_val,
        seed=args.seed,
        imgsz=args.imgsz,
        shared=shared,
        real_repeats=args.real_repeats,
        negative_fraction=args.negative_fraction,
        workers=args.workers,
        jpeg_quality=args.jpeg_quality,
        no_real=False,
        no_photos=False,
        overwrite=args.overwrite,
    )
    try:
        info = mmd.build(base)
    except mmd.GestureScanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    split = signage_split(shared, args.seed, args.signage_train_fraction)
    out = args.out.resolve()
    sig = copy_signage(shared, split["train"], out)
    idn = copy_indonesian(shared, out, args.indonesian_repeats, args.indonesian_negative_repeats)
    info["splits"]["train_indonesian"] = idn
    info["arguments"] = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()} | {
        "builder": "scripts/make_finetune_dataset.py"
    }
    info["splits"]["train_signage"] = sig
    info["signage"] = {
        "train_fraction": args.signage_train_fraction,
        "train": len(split["train"]),
        "holdout": len(split["holdout"]),
        "skipped_in_material": len(split["in_material"]),
        "holdout_files": split["holdout"],
    }
    (out / "dataset.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    s = info["splits"]
    print(
        f"wrote {out}: synthetic {s['train_synthetic']['images']}, real {s['train_real']['images']}"
        f" ({s['train_real']['source_images']} photos), signage {sig['images']} "
        f"({sig['images_without_boxes']} without boxes), Indonesian {idn['images']}, "
        f"val_real {s['val_real']['images']}; "
        f"signage held out {len(split['holdout'])}, skipped (in material) "
        f"{len(split['in_material'])}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
