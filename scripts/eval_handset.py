"""Finger-count accuracy of the whole scan on the labeled hand photos, per source.

For each photo the most confident hand's finger count is compared with the label (for the webcam
photos with per-hand boxes, with the label of the box that hand is in). A photo where no hand is
found counts as wrong. By default only the held-out split (one photo in five, by file-name hash),
which no threshold or model was fitted on. Writes ``bench/handset_accuracy.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.append(
    str(Path(__file__).resolve().parents[1] / "src")
)  # gesture_scan_devkit: not installed

from gesture_scan import HandOptions, ScanConfig, Scanner
from gesture_scan.detections import box_iou
from gesture_scan_devkit.handset import SOURCES, load_handset


def _expected_gesture(name: str, fingers: int) -> str | None:
    """The gesture a label implies: the close-up set names it; a count of 0 is a fist."""
    if name:
        return {"five_palm": "open_palm"}.get(name, name)
    return "fist" if fingers == 0 else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--split", choices=("heldout", "train", "all"), default="heldout")
    ap.add_argument("--out", type=Path, default=Path("bench/handset_accuracy.json"))
    ap.add_argument(
        "--model-complexity", type=int, choices=(0, 1), default=HandOptions.model_complexity
    )
    args = ap.parse_args()
    photos = [
        p for p in load_handset() if args.split == "all" or p.heldout == (args.split == "heldout")
    ]
    per: dict[str, Counter] = defaultdict(Counter)
    confusion: dict[str, Counter] = defaultdict(Counter)
    t0 = time.perf_counter()
    config = ScanConfig(hands=HandOptions(model_complexity=args.model_complexity))
    with Scanner(config) as scanner:
        for p in photos:
            result = scanner.scan_image(p.path)
            c = per[p.source]
            c["photos"] += 1
            if not result.hands:
                confusion[p.source][f"{p.fingers}->none"] += 1
                continue
            c["found"] += 1
            hand = max(result.hands, key=lambda h: h.score)
            label = p.fingers
            if p.boxes:
                ious = [box_iou(hand.box, b.xyxy)[0, 0] for b in p.boxes]
                j = int(np.argmax(ious))
                label = p.boxes[j].fingers if ious[j] > 0.1 else p.fingers
            if label is None:
                c["photos"] -= 1
                c["found"] -= 1
                continue
            ok = hand.reading.count == label
            c["correct"] += ok
            expected = _expected_gesture(p.gesture, label)
            if expected is not None:
                c["gesture_labeled"] += 1
                c["gesture_correct"] += hand.reading.gesture.value == expected
                c[f"{expected}_labeled"] += 1
                c[f"{expected}_correct"] += hand.reading.gesture.value == expected
            if not ok:
                confusion[p.source][f"{label}->{hand.reading.count}"] += 1
    elapsed = time.perf_counter() - t0
    rows = {}
    total = Counter()
    for source in SOURCES:
        c = per[source]
        total.update(c)
        rows[source] = {
            "name": SOURCES[source],
            "photos": c["photos"],
            "found": round(c["found"] / c["photos"], 4),
            "count_accuracy": round(c["correct"] / c["photos"], 4),
            "gesture_accuracy": (
                round(c["gesture_correct"] / c["gesture_labeled"], 4)
                if c["gesture_labeled"]
                else None
            ),
            "gesture_photos": c["gesture_labeled"],
            "errors": dict(confusion[source].most_common()),
        }
    gestures = sorted(
        {k[: -len("_labeled")] for k in total if k.endswith("_labeled")} - {"gesture"}
    )
    rows["by_gesture"] = {
        g: {
            "photos": total[f"{g}_labeled"],
            "accuracy": round(total[f"{g}_correct"] / total[f"{g}_labeled"], 4),
        }
        for g in gestures
    }
    rows["all"] = {
        "photos": total["photos"],
        "found": round(total["found"] / total["photos"], 4),
        "count_accuracy": round(total["correct"] / total["photos"], 4),
    }
    report = {
        "split": args.split,
        "seconds": round(elapsed, 1),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cpus",
        "sources": rows,
    }
    print(f"{'source':8s} {'photos':>6s} {'found':>6s} {'count acc':>9s}")
    for k, r in rows.items():
        if k == "by_gesture":
            continue
        print(f"{k:8s} {r['photos']:6d} {r['found']:6.3f} {r['count_accuracy']:9.3f}")
    for g, r in rows["by_gesture"].items():
        print(f"gesture {g:10s} {r['photos']:4d} photos, named right {r['accuracy']:.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"{elapsed:.0f}s; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
