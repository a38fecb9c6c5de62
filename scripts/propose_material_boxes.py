"""Labelling aid: draw the shipped detector's boxes (all classes, low confidence) and a 10% grid
on copies of photos, so a reviewer can accept, re-class or add boxes by eye.

Why: boxing by eye from scratch is slow and imprecise; most campaign boards the detector misses
it still proposes, as ``signboard`` or below the shipped confidence. The reviewer's decisions go
into a CSV that ``merge_material_labels.py`` turns into ``scripts/data/*_boxes.csv``. The photos
are read, never written: sheets go to ``--out``.

    python scripts/propose_material_boxes.py ../shared/train/attire/photos --out /tmp/label
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
COLOURS = {0: (230, 40, 40), 1: (40, 90, 230), 2: (240, 170, 0)}  # RGB: banner, flag, signboard


def draw_sheet(rgb: np.ndarray, boxes: list[tuple[int, int, float, np.ndarray]]) -> np.ndarray:
    """The photo with a labelled 10% grid and numbered proposals."""
    img = rgb.copy()
    h, w = img.shape[:2]
    for k in range(1, 10):
        x, y = round(w * k / 10), round(h * k / 10)
        cv2.line(img, (x, 0), (x, h - 1), (255, 255, 255), 1)
        cv2.line(img, (0, y), (w - 1, y), (255, 255, 255), 1)
        cv2.putText(img, str(k), (x + 2, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 0), 1)
        cv2.putText(img, str(k), (2, y - 3), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 0), 1)
    for i, cls, score, (x0, y0, x1, y1) in boxes:
        c = COLOURS.get(cls, (255, 0, 255))
        cv2.rectangle(img, (int(x0), int(y0)), (int(x1), int(y1)), c, 2)
        tag = f"{i}:{'BFS'[cls] if cls < 3 else cls}{score:.2f}"
        cv2.putText(
            img, tag, (int(x0) + 2, int(y0) + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3
        )
        cv2.putText(img, tag, (int(x0) + 2, int(y0) + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.5, c, 1)
    return img


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("photos", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--weights", type=Path, default=ROOT / "weights" / "material_yolo.onnx")
    ap.add_argument("--conf", type=float, default=0.12)
    ap.add_argument("--imgsz", type=int, default=320)
    args = ap.parse_args(argv)
    from gesture_scan.detect.onnx_yolo import OnnxDetector

    det = OnnxDetector(args.weights, args.imgsz, 1, ("banner", "flag", "signboard"))
    (args.out / "sheets").mkdir(parents=True, exist_ok=True)
    rows = []
    for path in sorted(args.photos.glob("*.jpg")):
        bgr = cv2.imread(str(path))
        if bgr is None:
            continue
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        h, w = rgb.shape[:2]
        xyxy, scores, cls = det.detect(rgb, args.conf, 0.5, 50)
        boxes = [(i, int(c), float(s), b) for i, (b, s, c) in enumerate(zip(xyxy, scores, cls))]
        for i, c, s, (x0, y0, x1, y1) in boxes:
            rows.append(
                [path.name, i, c, f"{s:.3f}"]
                + [f"{v:.4f}" for v in ((x0 + x1) / 2 / w, (y0 + y1) / 2 / h)]
                + [f"{v:.4f}" for v in ((x1 - x0) / w, (y1 - y0) / h)]
            )
        sheet = draw_sheet(rgb, boxes)
        cv2.imwrite(
            str(args.out / "sheets" / f"{path.stem}.png"), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR)
        )
    with (args.out / "proposals.csv").open("w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f)
        wr.writerow(["file", "id", "class", "conf", "cx", "cy", "w", "h"])
        wr.writerows(rows)
    print(f"{len(rows)} proposals on {len(list(args.photos.glob('*.jpg')))} photos -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
