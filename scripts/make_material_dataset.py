"""Build the YOLO dataset for the campaign-material detector (class 0 banner, 1 flag).

The real labeled set (../shared/train/material) is 76 training photos with no Indonesian baliho,
spanduk or party flag in them, so training leans on synthetic scenes
(gesture_scan_devkit.material) and keeps the real photos in, oversampled, so the detector still
sees real pixels. Validation on the real val split is what model selection should trust;
val_synth only says whether the network learned the synthetic task.

Layout under --out:
  images/train, labels/train          synthetic scenes + real train photos (as-is + augmented)
  images/val_synth, labels/val_synth  synthetic scenes from an independent random stream
  images/val_real, labels/val_real    the real val split, copied unchanged
  data.yaml                           val: images/val_real  (val_synth with --no-real)
  data_synth.yaml                     val: images/val_synth
  dataset.json                        arguments, counts, generation speed, sources

Reads only ../shared/train/hands (EPSRC and hands_* photos, as backgrounds) and
../shared/train/material/images/{train,val}; never fieldset/ or material/unlabeled/.

  python scripts/make_material_dataset.py --out data/material --n-train 3000 --n-val 300 \
      --seed 0 --imgsz 640 --shared ../shared
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import shutil
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import yaml
from rich.progress import Progress

sys.path.append(
    str(Path(__file__).resolve().parents[1] / "src")
)  # gesture_scan_devkit: not installed

from gesture_scan.errors import GestureScanError, InputError, UsageError
from gesture_scan_devkit import material as synth

ROOT = Path(__file__).resolve().parents[1]
SPLITS = ("train", "val_synth", "val_real")
_SPLIT_STREAM = {"train": 0, "val_synth": 1}  # independent random streams per split
_REAL_EXTS = synth.PHOTO_EXTENSIONS

# filled in each worker by _init_worker, so the background list is not pickled per task
_WORKER: dict = {}


def _init_worker(backgrounds: list[Path], size: tuple[int, int], jpeg_quality: int) -> None:
    cv2.setNumThreads(1)  # one process per core is the parallelism; threads would fight
    _WORKER.update(backgrounds=backgrounds, size=size, jpeg_quality=jpeg_quality)


def _render_one(task: tuple[str, int, int, float, Path]) -> tuple[str, list[int]]:
    split, seed, index, negative_fraction, out = task
    stream = _SPLIT_STREAM[split]
    negative = np.random.default_rng([seed, stream, index, 1]).random() < negative_fraction
    rng = np.random.default_rng([seed, stream, index])
    scene = synth.render_scene(rng, _WORKER["size"], _WORKER["backgrounds"] or None, negative)
    name = f"synth_{split}_{index:06d}"
    synth.write_yolo(
        scene,
        out / "images" / split / f"{name}.jpg",
        out / "labels" / split / f"{name}.txt",
        jpeg_quality=_WORKER["jpeg_quality"],
    )
    return name, [int((scene.classes == c).sum()) for c in sorted(synth.CLASS_NAMES)]


def _progress(iterable, total: int, label: str):  # type: ignore[no-untyped-def]
    """A progress bar on a terminal, a few plain lines in a log file."""
    if sys.stderr.isatty():
        with Progress(transient=False) as prog:
            task = prog.add_task(label, total=total)
            for item in iterable:
                prog.advance(task)
                yield item
        return
    step = max(1, total // 10)
    for i, item in enumerate(iterable, 1):
        if i % step == 0 or i == total:
            print(f"{label}: {i}/{total}", file=sys.stderr, flush=True)
        yield item


def render_split(
    split: str,
    n: int,
    out: Path,
    seed: int,
    size: tuple[int, int],
    backgrounds: list[Path],
    negative_fraction: float,
    workers: int,
    jpeg_quality: int,
) -> dict:
    tasks = [(split, seed, i, negative_fraction, out) for i in range(n)]
    counts = np.zeros(len(synth.CLASS_NAMES), np.int64)
    negatives = 0
    t0 = time.perf_counter()
    if workers <= 1:
        _init_worker(backgrounds, size, jpeg_quality)
        results = map(_render_one, tasks)
        for _, c in _progress(results, n, split):
            counts += c
            negatives += sum(c) == 0
    else:
        ctx = mp.get_context("spawn")  # no fork: cv2/torch state in the parent is not fork-safe
        with ctx.Pool(workers, _init_worker, (backgrounds, size, jpeg_quality)) as pool:
            results = pool.imap_unordered(_render_one, tasks, chunksize=8)
            for _, c in _progress(results, n, split):
                counts += c
                negatives += sum(c) == 0
    dt = time.perf_counter() - t0
    return {
        "images": n,
        "images_without_boxes": int(negatives),
        "boxes": {synth.CLASS_NAMES[i]: int(v) for i, v in enumerate(counts)},
        "seconds": round(dt, 2),
        "scenes_per_second": round(n / dt, 2) if dt > 0 else None,
        "workers": workers,
    }


# --------------------------------------------------------------------------------------------
# real photos


def _real_pairs(image_dir: Path) -> list[tuple[Path, Path | None]]:
    pairs = []
    for img in sorted(image_dir.iterdir()):
        if img.suffix.lower() in _REAL_EXTS:
            lab = synth.label_path_for(img)
            pairs.append((img, lab if lab is not None and lab.is_file() else None))
    return pairs


def _read_rgb(path: Path) -> np.ndarray:
    data = np.fromfile(str(path), np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if bgr is None:
        raise InputError(path, "cannot decode image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def augment_real(
    img: np.ndarray, boxes: np.ndarray, classes: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Light augmentation of a real labeled photo: crop, downscale, flip, colour jitter.

    A crop is accepted only if every box keeps at least 60 % of its area (and is then clipped)
    or falls wholly outside; a half-cut banner with no box, or a box on plain wall, would teach
    the detector the wrong thing. ``boxes`` are xyxy pixels.
    """
    h, w = img.shape[:2]
    x0, y0, x1, y1 = 0.0, 0.0, float(w), float(h)
    for _ in range(20):
        cw, ch = w * rng.uniform(0.7, 1.0), h * rng.uniform(0.7, 1.0)
        cx0, cy0 = rng.uniform(0, w - cw), rng.uniform(0, h - ch)
        ix = (np.minimum(boxes[:, 2], cx0 + cw) - np.maximum(boxes[:, 0], cx0)).clip(0)
        iy = (np.minimum(boxes[:, 3], cy0 + ch) - np.maximum(boxes[:, 1], cy0)).clip(0)
        area = ((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])).clip(1e-6)
        kept = ix * iy / area
        if ((kept >= 0.6) | (kept == 0)).all() and (kept > 0).any():
            x0, y0, x1, y1 = cx0, cy0, cx0 + cw, cy0 + ch
            break
    ix0, iy0, ix1, iy1 = round(x0), round(y0), round(x1), round(y1)
    out = img[iy0:iy1, ix0:ix1]
    b = boxes.copy()
    b[:, [0, 2]] = (b[:, [0, 2]] - ix0).clip(0, ix1 - ix0)
    b[:, [1, 3]] = (b[:, [1, 3]] - iy0).clip(0, iy1 - iy0)
    keep = ((b[:, 2] - b[:, 0]) >= 2) & ((b[:, 3] - b[:, 1]) >= 2)
    b, cls = b[keep], classes[keep]
    scale = rng.uniform(0.6, 1.0)
    oh, ow = out.shape[:2]
    nw, nh = max(32, round(ow * scale)), max(32, round(oh * scale))
    out = cv2.resize(out, (nw, nh), interpolation=cv2.INTER_AREA)
    b[:, [0, 2]] *= nw / ow
    b[:, [1, 3]] *= nh / oh
    if rng.random() < 0.5:
        out = out[:, ::-1]
        b[:, [0, 2]] = nw - b[:, [2, 0]]
    hsv = cv2.cvtColor(np.ascontiguousarray(out), cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-5, 5)) % 180
    hsv[..., 1] *= rng.uniform(0.7, 1.3)
    hsv[..., 2] = hsv[..., 2] * rng.uniform(0.7, 1.25) + rng.uniform(-10, 10)
    out = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB)
    return out, b.astype(np.float32), cls


def copy_real(
    pairs: list[tuple[Path, Path | None]],
    out: Path,
    split: str,
    repeats: int,
    seed: int,
    jpeg_quality: int,
) -> dict:
    """Copy 0 is the photo and label file unchanged; copies 1..repeats-1 are augmented."""
    img_dir, lab_dir = out / "images" / split, out / "labels" / split
    counts = np.zeros(len(synth.CLASS_NAMES), np.int64)
    written = 0
    for k, (img_path, lab_path) in enumerate(_progress(pairs, len(pairs), f"{split} (real)")):
        norm, cls = (
            synth.read_yolo_labels(lab_path)
            if lab_path
            else (np.zeros((0, 4), np.float32), np.zeros(0, np.int64))
        )
        for r in range(repeats):
            stem = f"real_{img_path.stem}" + (f"_r{r}" if repeats > 1 else "")
            if r == 0:
                shutil.copyfile(img_path, img_dir / f"{stem}{img_path.suffix.lower()}")
                text = lab_path.read_text(encoding="utf-8") if lab_path else ""
                (lab_dir / f"{stem}.txt").write_text(text, encoding="utf-8")
                counts += [int((cls == c).sum()) for c in sorted(synth.CLASS_NAMES)]
                written += 1
                continue
            img = _read_rgb(img_path)
            h, w = img.shape[:2]
            px = np.stack(
                [
                    (norm[:, 0] - norm[:, 2] / 2) * w,
                    (norm[:, 1] - norm[:, 3] / 2) * h,
                    (norm[:, 0] + norm[:, 2] / 2) * w,
                    (norm[:, 1] + norm[:, 3] / 2) * h,
                ],
                1,
            ).reshape(-1, 4)
            rng = np.random.default_rng([seed, 2, k, r])
            aug, boxes, acls = augment_real(img, px.clip(0, [w, h, w, h]), cls, rng)
            scene = synth.SynthScene(aug, boxes, acls)
            synth.write_yolo(
                scene, img_dir / f"{stem}.jpg", lab_dir / f"{stem}.txt", jpeg_quality=jpeg_quality
            )
            counts += [int((acls == c).sum()) for c in sorted(synth.CLASS_NAMES)]
            written += 1
    return {
        "images": written,
        "source_images": len(pairs),
        "repeats": repeats,
        "boxes": {synth.CLASS_NAMES[i]: int(v) for i, v in enumerate(counts)},
    }


def copy_val_real(pairs: list[tuple[Path, Path | None]], out: Path) -> dict:
    counts = np.zeros(len(synth.CLASS_NAMES), np.int64)
    for img_path, lab_path in pairs:
        shutil.copyfile(img_path, out / "images" / "val_real" / img_path.name)
        if lab_path is not None:
            shutil.copyfile(lab_path, out / "labels" / "val_real" / lab_path.name)
            _, cls = synth.read_yolo_labels(lab_path)
            counts += [int((cls == c).sum()) for c in sorted(synth.CLASS_NAMES)]
    boxes = {synth.CLASS_NAMES[i]: int(v) for i, v in enumerate(counts)}
    return {"images": len(pairs), "boxes": boxes}


# --------------------------------------------------------------------------------------------


def _prepare_out(out: Path, shared: Path | None, overwrite: bool) -> None:
    if shared is not None and (out == shared or shared in out.parents):
        raise UsageError(f"--out {out} lies inside the shared folder {shared}; write elsewhere")
    ours = [out / d / s for d in ("images", "labels") for s in SPLITS]
    existing = [p for p in ours if p.exists() and any(p.iterdir())]
    if existing and not overwrite:
        raise UsageError(
            f"{out} already holds a dataset ({existing[0]} is not empty); "
            "pass --overwrite to replace it or choose another --out"
        )
    for p in ours:
        if p.exists():
            shutil.rmtree(p)  # only the split folders this script writes
        p.mkdir(parents=True)
    for cache in (out / "labels").glob("*.cache"):  # Ultralytics' label caches of old splits
        cache.unlink()


def _write_yaml(path: Path, root: Path, val: str) -> None:
    header = (
        "# Written by scripts/make_material_dataset.py; see dataset.json for how it was built.\n"
    )
    body = {
        "path": str(root),
        "train": "images/train",
        "val": val,
        "names": dict(synth.CLASS_NAMES),
    }
    path.write_text(header + yaml.safe_dump(body, sort_keys=False), encoding="utf-8")


def build(args: argparse.Namespace) -> dict:
    out = args.out.resolve()
    shared = args.shared.resolve() if args.shared else None
    have_shared = shared is not None and (shared / "train").is_dir()
    if not args.no_real and not have_shared:
        raise UsageError(
            f"shared folder not found at {shared}: pass --shared DIR, or --no-real to build a "
            "synthetic-only dataset"
        )
    mat = shared / "train" / "material" / "images" if have_shared and shared else None
    if not args.no_real and mat is not None and not (mat / "train").is_dir():
        raise UsageError(f"{mat / 'train'} is missing: is {shared} the project's shared folder?")
    _prepare_out(out, shared, args.overwrite)

    backgrounds: list[Path] = []
    if have_shared and shared is not None and not args.no_photos:
        backgrounds = synth.default_backgrounds(shared)
    size = (args.imgsz, args.imgsz)
    info: dict = {
        "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "generator": "gesture_scan_devkit.material",
        "fonts": synth.available_fonts(),
        "backgrounds": {
            "photos": len(backgrounds),
            "labeled_photos": sum(synth.has_labels(p) for p in backgrounds),
            "photo_probability": synth.PHOTO_BACKGROUND_P if backgrounds else 0.0,
        },
        "splits": {},
    }
    common = (out, args.seed, size, backgrounds, args.negative_fraction, args.workers)
    info["splits"]["train_synthetic"] = render_split(
        "train", args.n_train, *common, args.jpeg_quality
    )
    info["splits"]["val_synth"] = render_split("val_synth", args.n_val, *common, args.jpeg_quality)
    if not args.no_real and mat is not None:
        train_pairs = _real_pairs(mat / "train")
        info["splits"]["train_real"] = copy_real(
            train_pairs, out, "train", args.real_repeats, args.seed, args.jpeg_quality
        )
        val_dir = mat / "val"
        val_pairs = _real_pairs(val_dir) if val_dir.is_dir() else []
        info["splits"]["val_real"] = copy_val_real(val_pairs, out)
    use_real_val = not args.no_real and info["splits"].get("val_real", {}).get("images", 0) > 0
    _write_yaml(out / "data.yaml", out, "images/val_real" if use_real_val else "images/val_synth")
    _write_yaml(out / "data_synth.yaml", out, "images/val_synth")
    (out / "dataset.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, required=True, help="dataset folder to write")
    ap.add_argument("--n-train", type=int, default=3000, help="synthetic training scenes")
    ap.add_argument("--n-val", type=int, default=300, help="synthetic validation scenes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--imgsz", type=int, default=640, help="synthetic scene size (square)")
    ap.add_argument(
        "--shared", type=Path, default=ROOT.parent / "shared", help="the project's shared folder"
    )
    ap.add_argument(
        "--real-repeats", type=int, default=3, help="copies of each real train photo (first as-is)"
    )
    ap.add_argument(
        "--negative-fraction", type=float, default=0.15, help="share of scenes with no material"
    )
    ap.add_argument("--workers", type=int, default=1, help="rendering processes")
    ap.add_argument("--jpeg-quality", type=int, default=90)
    ap.add_argument("--no-real", action="store_true", help="synthetic only; val = val_synth")
    ap.add_argument("--no-photos", action="store_true", help="procedural backgrounds only")
    ap.add_argument("--overwrite", action="store_true", help="replace the splits in --out")
    args = ap.parse_args(argv)
    for name in ("n_train", "n_val", "imgsz", "real_repeats", "workers"):
        if getattr(args, name) < (64 if name == "imgsz" else 1 if name != "n_val" else 0):
            ap.error(f"--{name.replace('_', '-')} is too small: {getattr(args, name)}")
    if not 0.0 <= args.negative_fraction <= 1.0:
        ap.error("--negative-fraction must be between 0 and 1")
    if not 1 <= args.jpeg_quality <= 100:
        ap.error("--jpeg-quality must be between 1 and 100")
    try:
        info = build(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except GestureScanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    splits = info["splits"]
    speed = splits["train_synthetic"]["scenes_per_second"]
    print(
        f"wrote {args.out.resolve()}: " + ", ".join(f"{k} {v['images']}" for k, v in splits.items())
    )
    print(f"synthetic scenes: {speed} per second with {args.workers} worker(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
