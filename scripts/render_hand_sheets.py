"""Sheets of numbered hand crops, for labelling by eye whether each hand is posed (issue 20).

Reads the detections ``scripts/measure_sign_grading.py`` cached (``--cache`` folder, one pickle
per photo set, hands unlinked) and draws every hand on a tile: a crop of four hand sizes around
it (enough to see a cup, a table or the raised arm), the hand's box in magenta, and its id
``SET/PHOTO#HAND`` under the tile. Sheets go to ``--out`` (outside the repository: the photos
have no licence to be copied); ``index.csv`` there lists each tile's id, sheet and box, which is
also how labels written against it are matched to a later scan (by box, not by hand order).

    .venv/bin/python scripts/render_hand_sheets.py --cache /tmp/lead-sg --out /tmp/hand-sheets
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure_sign_grading import read_cache

TILE = 300
COLS, ROWS = 4, 4
STRIP = 22


def load(cache: Path) -> list:
    """The cached records that have hands (``measure_sign_grading.read_cache``)."""
    return [r for r in read_cache(cache).values() if r.hands]


def square_around(shape: tuple[int, ...], box: np.ndarray, scale: float) -> tuple[int, ...]:
    """(x0, y0, x1, y1) of the square ``scale`` hand sizes wide around ``box``, cut at the image
    edge (an image of ``shape``): what a labeller sees round a hand, and what
    ``measure_posed_appearance`` feeds the backbone."""
    x0, y0, x1, y1 = (float(v) for v in box)
    cx, cy, side = (x0 + x1) / 2, (y0 + y1) / 2, scale * max(x1 - x0, y1 - y0, 16.0)
    h, w = shape[:2]
    a, b = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    return a, b, int(min(w, cx + side / 2)), int(min(h, cy + side / 2))


def tile(img: np.ndarray, box: np.ndarray, label: str) -> np.ndarray:
    x0, y0, x1, y1 = (float(v) for v in box)
    a, b, c, d = square_around(img.shape, box, 4.0)
    crop = img[b:d, a:c]
    s = TILE / max(crop.shape[:2])
    crop = cv2.resize(crop, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)
    t = np.zeros((TILE + STRIP, TILE, 3), np.uint8)
    t[: crop.shape[0], : crop.shape[1]] = crop
    p0 = (int((x0 - a) * s), int((y0 - b) * s))
    p1 = (int((x1 - a) * s), int((y1 - b) * s))
    cv2.rectangle(t, p0, p1, (255, 0, 255), 2)
    cv2.putText(t, label, (4, TILE + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
    return t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, required=True, help="measure_sign_grading's --cache")
    ap.add_argument("--sets", nargs="+", default=["attire", "selfies"])
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tiles: list[tuple[str, np.ndarray, list[float]]] = []
    for name in args.sets:
        for r in load(args.cache / f"{name}.pkl"):
            img = cv2.imread(str(r.path), cv2.IMREAD_COLOR)
            if img is None:
                continue
            stem = Path(str(r.path)).stem
            for i, hand in enumerate(r.hands):
                hid = f"{name}/{stem}#{i}"
                tiles.append(
                    (hid, tile(img, hand.box, hid), [round(float(v), 1) for v in hand.box])
                )
    per = COLS * ROWS
    rows = []
    for k in range(0, len(tiles), per):
        chunk = tiles[k : k + per]
        blank = np.zeros_like(chunk[0][1])
        grid = [t for _, t, _ in chunk] + [blank] * (per - len(chunk))
        sheet = np.vstack([np.hstack(grid[r * COLS : (r + 1) * COLS]) for r in range(ROWS)])
        name = f"sheet_{k // per:03d}.png"
        cv2.imwrite(str(args.out / name), sheet)
        rows += [(hid, name, *box) for hid, _, box in chunk]
    with (args.out / "index.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["hand", "sheet", "x0", "y0", "x1", "y1"])
        w.writerows(rows)
    print(f"{len(tiles)} hands on {(len(tiles) + per - 1) // per} sheets in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
