"""Add copy-paste scenes to a fine-tuning dataset: real banner and flag crops, pasted small.

Why: on the held-out Indonesian websites the detector finds large banners (over 5% of the photo)
and misses nearly every smaller one, and neither tiles nor a larger input at inference bring them
back (``bench/material_tiles.json``): it has seen too few real spanduk and flags at that scale.
The procedural scenes of ``gesture_scan_devkit.material`` do have small boxes, but drawn art; this
takes the *real* training crops (the reviewed Indonesian photos' train rows and the real train
split of ``../shared/train/material``) and pastes each one at 4-30% of the scene's longer side,
slightly warped and re-lit, onto real training photos: the reviewed Indonesian photos (their own
boxes kept) and the signage train photos (their signboards kept). Rows of one flag along a line
stand for the roadside flag rows. This is "simple copy-paste" augmentation (Ghiasi et al. 2021).

Only train rows are read: the Indonesian held-out websites, the 4 held-out roadside photos, the
signage held-out photos and the material val split never reach a scene. ``../shared/fieldset`` is
never read. Scenes go to ``images/train/cp_*.jpg`` of an existing dataset folder (for example a
hard-linked copy of one ``make_finetune_dataset.py`` wrote); ``dataset.json`` gains a
``train_pasted`` entry.

  cp -al data/finetune_r5 data/finetune_cp && python scripts/add_pasted_scenes.py \\
      --dataset data/finetune_cp --n 800 --seed 0
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from gesture_scan.detections import box_ioa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from make_finetune_dataset import (  # noqa: E402
    DEFAULT_SEED,
    DEFAULT_SIGNAGE_TRAIN_FRACTION,
    OUR_CLASSES,
    indonesian_rows,
    signage_labels,
    signage_split,
)

BANNER, FLAG = 0, 1
SCENE_LONG = 640
MIN_CROP_LONG = 40  # px in the source photo: smaller crops are mush once warped
MIN_CROP_SHORT = 12


@dataclass(frozen=True)
class Crop:
    pixels: np.ndarray  # BGR
    cls: int
    source: str


@dataclass(frozen=True)
class Background:
    path: Path
    lines: tuple[str, ...]  # YOLO lines kept in the scene


def _yolo_to_px(line: str, w: int, h: int) -> tuple[int, tuple[int, int, int, int]]:
    c, cx, cy, bw, bh = line.split()
    x0, x1 = (float(cx) - float(bw) / 2) * w, (float(cx) + float(bw) / 2) * w
    y0, y1 = (float(cy) - float(bh) / 2) * h, (float(cy) + float(bh) / 2) * h
    box = (max(0, int(x0)), max(0, int(y0)), min(w, round(x1)), min(h, round(y1)))
    return int(c), box


def collect_crops(shared: Path) -> list[Crop]:
    """Every banner and flag box of the training rows that is large enough to shrink."""
    sources: list[tuple[Path, list[str]]] = [
        (shared / "train" / name, lines) for name, lines in indonesian_rows("train").items()
    ]
    mat = shared / "train" / "material"
    for img in sorted((mat / "images" / "train").iterdir()):
        label = mat / "labels" / "train" / f"{img.stem}.txt"
        if label.is_file():
            sources.append((img, label.read_text(encoding="utf-8").split("\n")))
    crops: list[Crop] = []
    for path, lines in sources:
        lines = [x for x in lines if x.strip()]
        if not lines:
            continue
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            raise SystemExit(f"error: cannot read {path}")
        h, w = img.shape[:2]
        for line in lines:
            cls, (x0, y0, x1, y1) = _yolo_to_px(line, w, h)
            if cls not in (BANNER, FLAG):
                continue
            cw, ch = x1 - x0, y1 - y0
            if max(cw, ch) < MIN_CROP_LONG or min(cw, ch) < MIN_CROP_SHORT:
                continue
            crops.append(Crop(img[y0:y1, x0:x1].copy(), cls, path.name))
    return crops


def collect_backgrounds(shared: Path, seed: int) -> list[Background]:
    """Reviewed Indonesian train photos (with or without material) and signage train photos."""
    out = [
        Background(shared / "train" / name, tuple(lines))
        for name, lines in indonesian_rows("train").items()
    ]
    sig = shared / "train" / "signage"
    for name in signage_split(shared, seed, DEFAULT_SIGNAGE_TRAIN_FRACTION)["train"]:
        label = sig / "labels" / f"{Path(name).stem}.txt"
        lines = signage_labels(label) if label.is_file() else []
        out.append(Background(sig / "images" / name, tuple(lines)))
    return out


def _overlaps(box: tuple[float, float, float, float], boxes: list, limit: float = 0.15) -> bool:
    """Whether ``box`` covers, or lies in, more than ``limit`` of any of ``boxes``."""
    if not boxes:
        return False
    a, b = np.array([box], np.float64), np.array(boxes, np.float64).reshape(-1, 4)
    return bool((box_ioa(a, b) > limit).any() or (box_ioa(b, a) > limit).any())


def _relight(rng: np.random.Generator, px: np.ndarray) -> np.ndarray:
    """Brightness, contrast and saturation jitter: the crop should take the scene's light, not
    keep the light of the photo it came from."""
    hsv = cv2.cvtColor(px, cv2.COLOR_BGR2HSV).astype(np.float32)
    hsv[..., 1] *= rng.uniform(0.75, 1.2)
    hsv[..., 2] = hsv[..., 2] * rng.uniform(0.75, 1.2) + rng.uniform(-20, 20)
    return cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2BGR)


def _warp(
    rng: np.random.Generator, px: np.ndarray, long_px: float, skew: float
) -> tuple[np.ndarray, np.ndarray]:
    """The crop scaled so its longer side is ``long_px`` and its corners moved by up to ``skew``
    of its size (a banner seen at an angle), with a soft-edged mask."""
    h, w = px.shape[:2]
    s = long_px / max(w, h)
    tw, th = max(2.0, w * s), max(2.0, h * s)
    jit = rng.uniform(-skew, skew, size=(4, 2)) * np.array([tw, th])
    dst = np.array([[0, 0], [tw, 0], [tw, th], [0, th]], np.float32) + jit.astype(np.float32)
    dst -= dst.min(axis=0)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    size = (int(np.ceil(dst[:, 0].max())) + 1, int(np.ceil(dst[:, 1].max())) + 1)
    m = cv2.getPerspectiveTransform(src, dst)
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    out = cv2.warpPerspective(px, m, size, flags=interp, borderMode=cv2.BORDER_REPLICATE)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, size, flags=cv2.INTER_LINEAR)
    if rng.random() < 0.5:  # distant things are soft
        out = cv2.GaussianBlur(out, (3, 3), rng.uniform(0.3, 1.0))
    mask = cv2.GaussianBlur(mask, (3, 3), 0.8)
    return out, mask


def _paste(scene: np.ndarray, px: np.ndarray, mask: np.ndarray, x: int, y: int) -> tuple:
    """Alpha-blend at (x, y); the box is the mask's tight extent inside the scene."""
    h, w = px.shape[:2]
    H, W = scene.shape[:2]
    a = mask.astype(np.float32)[..., None] / 255.0
    region = scene[y : y + h, x : x + w]
    region[:] = (px * a + region * (1 - a)).astype(np.uint8)
    ys, xs = np.nonzero(mask > 127)
    return (x + xs.min(), y + ys.min(), min(W, x + xs.max() + 1), min(H, y + ys.max() + 1))


def _place(
    rng: np.random.Generator, scene: np.ndarray, px: np.ndarray, mask: np.ndarray, taken: list
) -> tuple | None:
    H, W = scene.shape[:2]
    h, w = px.shape[:2]
    if w >= W or h >= H:
        return None
    for _ in range(25):
        x, y = int(rng.integers(0, W - w)), int(rng.integers(0, H - h))
        if not _overlaps((x, y, x + w, y + h), taken):
            return _paste(scene, px, mask, x, y)
    return None


def _flag_row(rng: np.random.Generator, scene: np.ndarray, crop: Crop, taken: list) -> list[tuple]:
    """3-7 copies of one flag along a line, shrinking towards the far end (a roadside row)."""
    H, W = scene.shape[:2]
    n = int(rng.integers(3, 8))
    long0 = W * rng.uniform(0.05, 0.14)
    shrink = rng.uniform(0.75, 1.0)
    x, y = rng.uniform(0, 0.4) * W, rng.uniform(0.1, 0.6) * H
    dx, dy = 1.0 if rng.random() < 0.5 else -1.0, rng.uniform(-0.05, 0.08)
    if dx < 0:
        x = W - x
    boxes = []
    for _ in range(n):
        px, mask = _warp(rng, _relight(rng, crop.pixels), long0, 0.06)
        h, w = px.shape[:2]
        xi, yi = int(x if dx > 0 else x - w), int(y)
        if xi < 0 or yi < 0 or xi + w >= W or yi + h >= H:
            break
        if not _overlaps((xi, yi, xi + w, yi + h), taken + boxes):
            boxes.append(_paste(scene, px, mask, xi, yi))
        x += dx * w * rng.uniform(1.2, 2.0)
        y += dy * long0
        long0 *= shrink
    return boxes


def make_scene(
    rng: np.random.Generator, bg: Background, crops: list[Crop], flags: list[Crop]
) -> tuple[np.ndarray, list[str]]:
    img = cv2.imread(str(bg.path), cv2.IMREAD_COLOR)
    if img is None:
        raise SystemExit(f"error: cannot read {bg.path}")
    h, w = img.shape[:2]
    s = SCENE_LONG / max(w, h)
    scene = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    H, W = scene.shape[:2]
    kept = [_yolo_to_px(x, W, H) for x in bg.lines]
    taken = [b for _, b in kept]
    pasted: list[tuple[int, tuple]] = []
    if flags and rng.random() < 0.25:
        pasted += [(FLAG, b) for b in _flag_row(rng, scene, flags[rng.integers(len(flags))], taken)]
        taken += [b for _, b in pasted]
    for _ in range(int(rng.choice([1, 2, 2, 3, 3, 4]))):
        crop = crops[rng.integers(len(crops))]
        long_px = W * float(np.exp(rng.uniform(np.log(0.04), np.log(0.30))))
        px, mask = _warp(rng, _relight(rng, crop.pixels), long_px, 0.08)
        box = _place(rng, scene, px, mask, taken)
        if box is not None:
            pasted.append((crop.cls, box))
            taken.append(box)
    lines = list(bg.lines)
    for cls, (x0, y0, x1, y1) in pasted:
        cx, cy = (x0 + x1) / 2 / W, (y0 + y1) / 2 / H
        lines.append(f"{cls} {cx:.6f} {cy:.6f} {(x1 - x0) / W:.6f} {(y1 - y0) / H:.6f}")
    return scene, lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--dataset", type=Path, required=True, help="folder with images/train")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--n", type=int, default=800, help="scenes to add")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--jpeg-quality", type=int, default=88)
    args = ap.parse_args(argv)
    shared = args.shared.resolve()
    img_dir, lab_dir = args.dataset / "images" / "train", args.dataset / "labels" / "train"
    if not img_dir.is_dir() or not lab_dir.is_dir():
        print(f"error: {args.dataset} has no images/train and labels/train", file=sys.stderr)
        return 2
    if any(img_dir.glob("cp_*")):
        print(f"error: {img_dir} already has pasted scenes", file=sys.stderr)
        return 2
    rng = np.random.default_rng([args.seed, 77])
    crops = collect_crops(shared)
    flags = [c for c in crops if c.cls == FLAG]
    bgs = collect_backgrounds(shared, args.seed)
    boxes = dict.fromkeys(OUR_CLASSES, 0)
    for i in range(args.n):
        bg = bgs[rng.integers(len(bgs))]
        scene, lines = make_scene(rng, bg, crops, flags)
        stem = f"cp_{i:04d}"
        quality = [cv2.IMWRITE_JPEG_QUALITY, args.jpeg_quality]
        cv2.imwrite(str(img_dir / f"{stem}.jpg"), scene, quality)
        (lab_dir / f"{stem}.txt").write_text("".join(f"{x}\n" for x in lines), encoding="utf-8")
        for x in lines:
            boxes[OUR_CLASSES[int(x.split()[0])]] += 1
    info_path = args.dataset / "dataset.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
    info.setdefault("splits", {})["train_pasted"] = {
        "images": args.n,
        "seed": args.seed,
        "crops": {"banner": len(crops) - len(flags), "flag": len(flags)},
        "backgrounds": len(bgs),
        "boxes": boxes,
        "builder": "scripts/add_pasted_scenes.py",
    }
    # hard-linked copies share dataset.json with their source: replace, never write through
    tmp = info_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    tmp.replace(info_path)
    crops_n = info["splits"]["train_pasted"]["crops"]
    print(f"added {args.n} pasted scenes to {img_dir}: crops {crops_n}, boxes {boxes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
