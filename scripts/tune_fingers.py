"""Grid-search the finger-logic thresholds on the TRAINING split of ../shared/train/hands.

Reads the landmark cache of ``scripts/extract_handset_landmarks.py``. Scores the finger count of the
most confident hand per photo (the README's measure), averaged over the three sources so the large
close-up set does not drown the others. Prints the best settings; they are then written into
``FingerThresholds`` by hand, so the shipped defaults are visible in code review.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.append(
    str(Path(__file__).resolve().parents[1] / "src")
)  # gesture_scan_devkit: not installed

from gesture_scan.detections import box_iou
from gesture_scan.hands.fingers import DEFAULT_THRESHOLDS, extension_probabilities, hand_features
from gesture_scan_devkit.handset import load_handset


def load_items(cache: Path, heldout: bool) -> list[tuple[str, int, object, object]]:
    d = np.load(cache)
    best: dict[str, int] = {}
    for i, f in enumerate(d["files"]):
        f = str(f)
        if f not in best or d["detection_score"][i] > d["detection_score"][best[f]]:
            best[f] = i
    items = []
    for p in load_handset():
        if p.heldout != heldout or p.file not in best:
            continue
        i = best[p.file]
        lm = d["landmarks"][i]
        label = p.fingers
        if p.boxes:  # photos with two hands: compare with the box this hand is in
            box = np.r_[lm[:, :2].min(0), lm[:, :2].max(0)]
            ious = [box_iou(box, b.xyxy)[0, 0] for b in p.boxes]
            j = int(np.argmax(ious))
            if ious[j] > 0.1:
                label = p.boxes[j].fingers
        if label is None:
            continue
        items.append((p.source, label, hand_features(lm), hand_features(d["world"][i])))
    return items


def accuracy(items, t, world: bool = False) -> dict[str, float]:  # type: ignore[no-untyped-def]
    per = defaultdict(list)
    for source, label, fp, fw in items:
        probs = extension_probabilities(fw if world else fp, t)
        per[source].append(int((probs >= 0.5).sum()) == label)
    return {k: float(np.mean(v)) for k, v in sorted(per.items())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cache", type=Path, default=Path("data/handset_landmarks.npz"))
    args = ap.parse_args()
    items = load_items(args.cache, heldout=False)
    grid = itertools.product(
        range(55, 116, 5), range(25, 61, 5), np.round(np.arange(0.95, 1.41, 0.05), 2)
    )
    results = []
    for world in (False, True):
        for fb, tb, ta in (
            grid
            if not world
            else itertools.product(
                range(55, 131, 5), range(25, 61, 5), np.round(np.arange(0.95, 1.41, 0.05), 2)
            )
        ):
            t = replace(DEFAULT_THRESHOLDS, finger_bend=fb, thumb_bend=tb, thumb_away=float(ta))
            per = accuracy(items, t, world)
            results.append((float(np.mean(list(per.values()))), world, fb, tb, float(ta), per))
    for world in (False, True):
        best = max((r for r in results if r[1] == world), key=lambda r: r[0])
        name = "world" if world else "pixel"
        print(
            f"{name:5s} landmarks: mean {best[0]:.4f} finger_bend={best[2]} thumb_bend={best[3]} "
            f"thumb_away={best[4]} per source {best[5]}"
        )
    print("current defaults:", accuracy(items, DEFAULT_THRESHOLDS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
