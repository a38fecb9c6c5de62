"""False positives of the campaign-material detector on photos that show no campaign material.

A triage tool that flags every office photo as "campaign banner" is useless, and the real labeled
material set has no pure negatives, so we measure the false-positive rate here, per group of
images, at the stage's default confidence:

  hands_sld, hands_epsrc, hands_webcam   ../shared/train/hands (sld_*, epsrc_*, hands_*): hand
                                          close-ups with no banner or flag. epsrc_* and hands_*
                                          are also backgrounds of the synthetic training scenes,
                                          so the model has seen these rooms: optimistic.
  packaged_zidane, packaged_grace_hopper photos shipped by ultralytics / matplotlib: unseen
                                          (grace_hopper.jpg has a US flag behind her: a flag
                                          there would be right, a banner would not)
  packaged_bus                            ultralytics' bus.jpg: has printed ads on the bus side and
                                          a street sign, so a "banner" there is arguably right;
                                          reported apart and left out of the totals
  procedural_documents, procedural_landscapes
                                          drawn here (pages of text with tables and stamps; skies,
                                          hills, trees, water), seeded; not the training generator
  signage_holdout                         ../shared/train/signage photos held out of training by
                                          scripts/make_finetune_dataset.py (same seed and
                                          fraction: --signage-seed, --signage-train-fraction)
                                          and without a printed-poster (win_ad) box: real street
                                          facades and shopfronts, signboards, lightboxes, windows
  synth_hard_negatives                    the training generator's negative scenes (windows,
                                          screens, signs, doors, shop lettering) on procedural
                                          backgrounds, from seeds training never drew: in-domain

For every group: images, images with >= 1 object, objects per image and per class; every detection
is listed (file, label, score, box) so it can be checked by eye (``--save-dir`` draws them). The
same run times the stage on 20 photos resized to about 2 MP (CPU, one image at a time, after a
warm-up). Results go to bench/false_positives.json and are printed.

  python scripts/measure_false_positives.py [--weights PATH] [--conf 0.35] [--save-dir bench/tmp/fp]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from collections.abc import Iterator
from importlib import util as import_util
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.append(
    str(Path(__file__).resolve().parents[1] / "src")
)  # gesture_scan_devkit: not installed

from gesture_scan.detect.options import ObjectOptions
from gesture_scan.detect.stage import CLASS_NAMES, ObjectStage
from gesture_scan.detections import Detections
from gesture_scan_devkit import material as synth

ROOT = Path(__file__).resolve().parents[1]
SEED = 2024
N_PROCEDURAL = 60
N_SYNTH_NEGATIVE = 100
# Disjoint from the dataset builder's streams ([seed, 0|1, index] with small seeds).
_SYNTH_NEG_STREAM = 7_777


# --------------------------------------------------------------------------------------------
# images


def _read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"error: cannot read {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _package_file(package: str, *parts: str) -> Path | None:
    spec = import_util.find_spec(package)
    for loc in (spec.submodule_search_locations or []) if spec else []:
        p = Path(loc, *parts)
        if p.is_file():
            return p
    return None


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: bitmap font, one size
        return ImageFont.load_default()


_WORDS = synth.word_list(
    """surat | keputusan | nomor | tentang | pelaksanaan | kegiatan | dinas | pegawai | negeri |
    sipil | anggaran | tahun | laporan | hasil | rapat | koordinasi | kepala | bagian | umum |
    bahwa | dalam | rangka | menimbang | mengingat | memutuskan | menetapkan | pasal | ayat"""
)


def render_document(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A photographed page: letterhead, paragraphs, maybe a table, a signature and a stamp."""
    paper = tuple(int(v) for v in rng.integers(225, 256, 3))
    img = Image.new("RGB", (w, h), paper)  # type: ignore[arg-type]
    d = ImageDraw.Draw(img)
    margin = int(w * rng.uniform(0.06, 0.12))
    ink = tuple(int(v) for v in rng.integers(0, 60, 3))
    y = int(h * rng.uniform(0.04, 0.08))
    title = " ".join(rng.choice(_WORDS, int(rng.integers(2, 5)))).upper()
    d.text((w // 2, y), title, fill=ink, font=_font(max(10, h // 28)), anchor="mt")  # type: ignore[arg-type]
    y += h // 18
    d.line((margin, y, w - margin, y), fill=ink, width=max(1, h // 300))  # type: ignore[arg-type]
    y += h // 30
    size = max(8, h // 48)
    font = _font(size)
    table = rng.random() < 0.5
    while y < h * 0.8:
        if table and rng.random() < 0.15:
            rows, cols = int(rng.integers(3, 7)), int(rng.integers(2, 5))
            rh = size * 2
            for r in range(rows + 1):
                d.line((margin, y + r * rh, w - margin, y + r * rh), fill=ink, width=1)  # type: ignore[arg-type]
            for c in range(cols + 1):
                x = margin + c * (w - 2 * margin) // cols
                d.line((x, y, x, y + rows * rh), fill=ink, width=1)  # type: ignore[arg-type]
            y += rows * rh + size
            table = False
            continue
        n = int(rng.integers(4, 12))
        line = " ".join(rng.choice(_WORDS, n))
        d.text((margin, y), line, fill=ink, font=font)  # type: ignore[arg-type]
        y += int(size * rng.uniform(1.4, 1.9))
    sx, sy = int(w * rng.uniform(0.55, 0.75)), int(h * 0.85)
    pts = [(sx + i * w // 60, sy + int(rng.normal(0, h // 80))) for i in range(8)]
    d.line(pts, fill=(20, 30, 120), width=max(1, h // 250))
    if rng.random() < 0.6:  # a round office stamp
        r = int(min(w, h) * rng.uniform(0.06, 0.1))
        cx, cy = sx - r // 2, sy - r // 3
        colour = (40, 60, 170) if rng.random() < 0.7 else (170, 40, 60)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=colour, width=max(2, r // 12))
        d.ellipse((cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7), outline=colour, width=1)
    arr = np.asarray(img, np.float32)
    # photographed, not scanned: uneven light, a slight perspective, noise
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1 - 0.25 * ((xx / w - rng.uniform(0, 1)) ** 2 + (yy / h - rng.uniform(0, 1)) ** 2)
    arr *= light[..., None]
    arr += rng.normal(0, 3, arr.shape).astype(np.float32)
    out = np.clip(arr, 0, 255).astype(np.uint8)
    jitter = rng.uniform(-0.04, 0.04, (4, 2)) * [w, h]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = (src + jitter).astype(np.float32)
    table_bg = tuple(int(v) for v in rng.integers(60, 160, 3))
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(out, m, (w, h), borderValue=table_bg)


def render_landscape(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Sky, clouds, layered hills, fields, trees and sometimes water: no man-made panels."""
    horizon = int(h * rng.uniform(0.35, 0.6))
    top = np.array(rng.uniform([90, 140, 200], [150, 190, 250]))
    bottom = np.array(rng.uniform([180, 200, 220], [235, 240, 250]))
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = (top * (1 - t) + bottom * t) * np.ones((h, w, 3), np.float32)
    clouds = cv2.resize(rng.random((6, 10)).astype(np.float32), (w, h), cv2.INTER_CUBIC)
    cover = np.clip((clouds - rng.uniform(0.4, 0.7)) * 3, 0, 1)[..., None]
    img = img * (1 - cover) + 245 * cover
    for layer in range(int(rng.integers(2, 4))):
        base = horizon + layer * h // 12
        xs = np.linspace(0, w, 12)
        ys = base - rng.uniform(0, h * 0.15, 12) * (1 - layer * 0.25)
        poly = np.array([[0, h], *zip(xs, ys), [w, h]], np.int32)
        green = np.array([40 + 25 * layer, 90 + 30 * layer, 40 + 10 * layer]) * rng.uniform(
            0.7, 1.2
        )
        cv2.fillPoly(img, [poly], tuple(float(c) for c in green))
    if rng.random() < 0.4:  # a river or lake
        y0 = int(h * rng.uniform(0.7, 0.85))
        img[y0 : y0 + h // 12] = img[y0 : y0 + h // 12] * 0.4 + np.array([70, 110, 160]) * 0.6
    for _ in range(int(rng.integers(3, 15))):
        x = int(rng.uniform(0, w))
        y = int(rng.uniform(horizon, h))
        s = int(h * rng.uniform(0.02, 0.08) * (0.5 + y / h))
        cv2.line(img, (x, y), (x, y - s), (60, 40, 25), max(1, s // 6))
        leaf = tuple(float(c) for c in rng.uniform([20, 60, 20], [60, 120, 50]))
        cv2.circle(img, (x, y - s), max(2, int(s * 0.6)), leaf, -1)
    img += rng.normal(0, 4, img.shape)
    return cv2.GaussianBlur(np.clip(img, 0, 255).astype(np.uint8), (0, 0), 0.8)


Item = tuple[str, Any]  # (name, path or a callable returning the RGB image)


def signage_holdout(shared: Path, seed: int, train_fraction: float) -> list[Path]:
    """The held-out signage photos with no printed poster boxed (so no banner is right there)."""
    sig = shared / "train" / "signage"
    if not (sig / "provenance.csv").is_file():
        return []
    scripts = str(ROOT / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    from make_finetune_dataset import signage_labels, signage_split

    names = signage_split(shared, seed, train_fraction)["holdout"]
    out = []
    for name in names:
        label = sig / "labels" / f"{Path(name).stem}.txt"
        ours = signage_labels(label) if label.is_file() else []
        if not any(line.split()[0] == "0" for line in ours):  # no printed poster (banner)
            out.append(sig / "images" / name)
    return out


def groups(
    shared: Path, signage_seed: int = 0, signage_fraction: float = 0.6
) -> dict[str, list[Item]]:
    out: dict[str, list[Item]] = {}
    hands = shared / "train" / "hands"
    for group, prefix in (
        ("hands_sld", "sld_"),
        ("hands_epsrc", "epsrc_"),
        ("hands_webcam", "hands_"),
    ):
        files = sorted(
            p for p in hands.glob(f"{prefix}*") if p.suffix.lower() in synth.PHOTO_EXTENSIONS
        )
        if files:
            out[group] = [(p.name, p) for p in files]
    for group, package, parts in (
        ("packaged_zidane", "ultralytics", ("assets", "zidane.jpg")),
        ("packaged_grace_hopper", "matplotlib", ("mpl-data", "sample_data", "grace_hopper.jpg")),
        ("packaged_bus", "ultralytics", ("assets", "bus.jpg")),
    ):
        path = _package_file(package, *parts)
        if path is not None:
            out[group] = [(f"{package}/{'/'.join(parts)}", path)]

    held_out = signage_holdout(shared, signage_seed, signage_fraction)
    if held_out:
        out["signage_holdout"] = [(p.name, p) for p in held_out]

    def doc(i: int) -> Any:
        rng = np.random.default_rng([SEED, 1, i])
        w, h = (900, 1200) if rng.random() < 0.7 else (1200, 900)
        return lambda: render_document(rng, w, h)

    def land(i: int) -> Any:
        rng = np.random.default_rng([SEED, 2, i])
        return lambda: render_landscape(rng, 1280, int(1280 * rng.uniform(0.56, 0.8)))

    def neg(i: int) -> Any:
        rng = np.random.default_rng([_SYNTH_NEG_STREAM, i])
        return lambda: synth.render_scene(rng, (640, 480), None, negative=True).image

    out["procedural_documents"] = [(f"document_{i:03d}", doc(i)) for i in range(N_PROCEDURAL)]
    out["procedural_landscapes"] = [(f"landscape_{i:03d}", land(i)) for i in range(N_PROCEDURAL)]
    out["synth_hard_negatives"] = [
        (f"synth_negative_{i:03d}", neg(i)) for i in range(N_SYNTH_NEGATIVE)
    ]
    return out


def load(item: Item) -> np.ndarray:
    _, src = item
    return _read_rgb(src) if isinstance(src, Path) else src()


# --------------------------------------------------------------------------------------------
# measuring


def summarise(per_image: list[tuple[str, Detections]]) -> dict:
    n = len(per_image)
    counts = dict.fromkeys(CLASS_NAMES, 0)
    hit_images = 0
    listed = []
    for name, dets in per_image:
        if len(dets):
            hit_images += 1
            listed.append({"image": name, "objects": dets.to_dicts()})
        for label in dets.labels:
            counts[label] += 1
    total = sum(counts.values())
    return {
        "images": n,
        "images_with_objects": hit_images,
        "image_fp_rate": round(hit_images / n, 4) if n else None,
        "objects": total,
        "objects_per_image": round(total / n, 4) if n else None,
        "per_class": counts,
        "per_class_per_image": {k: round(v / n, 4) if n else None for k, v in counts.items()},
        "detections": listed,
    }


def draw(rgb: np.ndarray, dets: Detections, path: Path) -> None:
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    t = max(2, round(max(rgb.shape[:2]) / 400))
    for (x0, y0, x1, y1), label, score in zip(dets.xyxy, dets.labels, dets.confidence):
        colour = (0, 0, 255) if label == "banner" else (255, 128, 0)
        cv2.rectangle(bgr, (int(x0), int(y0)), (int(x1), int(y1)), colour, t)
        cv2.putText(
            bgr,
            f"{label} {score:.2f}",
            (int(x0), max(12, int(y0) - 4)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5 * t,
            colour,
            max(1, t // 2),
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), bgr)


def run_group(stage: ObjectStage, items: list[Item], save_dir: Path | None, group: str) -> dict:
    per_image = []
    for k, item in enumerate(items):
        rgb = load(item)
        dets = stage.run(rgb).detections
        per_image.append((item[0], dets))
        if save_dir is not None and len(dets):
            draw(rgb, dets, save_dir / group / f"{Path(item[0]).stem}.jpg")
        if sys.stderr.isatty() and k % 50 == 0:
            print(f"\r{group}: {k}/{len(items)}", end="", file=sys.stderr)
    return summarise(per_image)


def _timing_images(all_groups: dict[str, list[Item]]) -> Iterator[np.ndarray]:
    """20 photos resized to about 2 MP (1-3 MP is what phones and cameras send as evidence)."""
    photos = [it for g in ("hands_webcam", "hands_epsrc") for it in all_groups.get(g, [])][::13]
    photos += [it for g in all_groups if g.startswith("packaged_") for it in all_groups[g]]
    photos += all_groups["procedural_landscapes"]
    for item in photos[:20]:
        rgb = load(item)
        h, w = rgb.shape[:2]
        s = math.sqrt(2.0e6 / (w * h))
        yield cv2.resize(rgb, (round(w * s), round(h * s)), interpolation=cv2.INTER_LINEAR)


def time_stage(stage: ObjectStage, all_groups: dict[str, list[Item]]) -> dict:
    images = list(_timing_images(all_groups))
    stage.run(images[0])  # warm-up: first call builds the predictor
    ms = []
    for rgb in images:
        t0 = time.perf_counter()
        stage.run(rgb)
        ms.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    stage.detect_batch(images, batch_size=len(images))
    batch_ms = (time.perf_counter() - t0) * 1000 / len(images)
    return {
        "images": len(images),
        "megapixels": [round(im.shape[0] * im.shape[1] / 1e6, 2) for im in images[:3]],
        "device": stage.device,
        "backend": stage.backend,
        "imgsz": stage.options.imgsz,
        "ms_per_image_mean": round(statistics.mean(ms), 1),
        "ms_per_image_median": round(statistics.median(ms), 1),
        "ms_per_image_max": round(max(ms), 1),
        "ms_per_image_batched": round(batch_ms, 1),
        "note": "detect() on decoded RGB arrays (resize to imgsz included, decoding not)",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--weights", type=Path, default=None, help="default: the shipped weights")
    ap.add_argument("--conf", type=float, default=None, help="default: the stage's default")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "false_positives.json")
    ap.add_argument("--save-dir", type=Path, default=None, help="draw every detection here")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--signage-seed", type=int, default=0, help="make_finetune_dataset's --seed")
    ap.add_argument(
        "--signage-train-fraction",
        type=float,
        default=0.6,
        help="make_finetune_dataset's --signage-train-fraction",
    )
    ap.add_argument("--groups", nargs="+", default=None, help="only these groups")
    ap.add_argument(
        "--limit", type=int, default=None, help="first N images per group (a quick look)"
    )
    args = ap.parse_args(argv)

    kw: dict[str, Any] = {"device": args.device}
    if args.weights is not None:
        kw["weights"] = args.weights
    if args.conf is not None:
        kw["conf"] = args.conf
    options = ObjectOptions(**kw)
    all_groups = groups(args.shared, args.signage_seed, args.signage_train_fraction)
    if not any(g.startswith("hands_") for g in all_groups):
        print(f"warning: no hand photos under {args.shared}/train/hands", file=sys.stderr)
    if args.groups is not None:
        unknown = sorted(set(args.groups) - set(all_groups))
        if unknown:
            ap.error(f"unknown groups {unknown}; there are {sorted(all_groups)}")
        all_groups = {g: all_groups[g] for g in args.groups}
    if args.limit is not None:
        all_groups = {g: items[: args.limit] for g, items in all_groups.items()}

    results: dict[str, Any] = {}
    with ObjectStage(options) as stage:
        for group, items in all_groups.items():
            t0 = time.perf_counter()
            results[group] = run_group(stage, items, args.save_dir, group)
            results[group]["seconds"] = round(time.perf_counter() - t0, 1)
            r = results[group]
            print(
                f"{group:24s} images {r['images']:5d}  with objects {r['images_with_objects']:4d}"
                f"  objects/image {r['objects_per_image']:.3f}  {r['per_class']}",
                flush=True,
            )
        has_timing_photos = "procedural_landscapes" in all_groups
        timing = None if args.no_timing or not has_timing_photos else time_stage(stage, all_groups)

    honest = [g for g in results if g != "packaged_bus"]
    unseen = [g for g in honest if g not in ("hands_epsrc", "hands_webcam", "synth_hard_negatives")]

    def pooled(names: list[str]) -> dict:
        n = sum(results[g]["images"] for g in names)
        hits = sum(results[g]["images_with_objects"] for g in names)
        per = {c: sum(results[g]["per_class"][c] for g in names) for c in CLASS_NAMES}
        return {
            "groups": names,
            "images": n,
            "images_with_objects": hits,
            "image_fp_rate": round(hits / n, 4) if n else None,
            "objects_per_image": round(sum(per.values()) / n, 4) if n else None,
            "per_class": per,
        }

    from gesture_scan.detect.stage import default_weights

    weights = options.weights or default_weights()
    report = {
        "weights": str(
            weights.resolve().relative_to(ROOT) if ROOT in weights.resolve().parents else weights
        ),
        "conf": options.conf,
        "iou": options.iou,
        "imgsz": options.imgsz,
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
        "totals": {
            "all_without_bus": pooled(honest),
            "never_seen_in_training": pooled(unseen),
            # real photos only, none of which has campaign material (grace_hopper's flag and
            # the bus's printed ads would count as right, so they are left out)
            "real_photos": pooled([g for g in honest if g.startswith(("hands_", "signage_"))]),
        },
        "groups": results,
        "timing": timing,
        "notes": [
            "hands_epsrc and hands_webcam photos are backgrounds of the synthetic training scenes",
            "synth_hard_negatives come from the training generator (other seeds): in-domain",
            "packaged_bus shows printed ads and a street sign: reported apart, not in the totals",
            "packaged_grace_hopper has a real US flag in the background: a flag there is correct",
        ],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"totals": report["totals"], "timing": timing}, indent=2))
    for group in ("packaged_bus", "packaged_zidane", "packaged_grace_hopper"):
        if group in results:
            print(group, json.dumps(results[group]["detections"]))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
