"""Run the hand stage over ../shared/train/hands once and cache every hand's landmarks.

Tuning the finger thresholds and training the classifier then take seconds instead of re-running
MediaPipe over 1,905 photos. The cache is data, not code: it goes to data/ (git-ignored).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.append(
    str(Path(__file__).resolve().parents[1] / "src")
)  # gesture_scan_devkit: not installed

from gesture_scan.config import HandOptions, SearchOptions
from gesture_scan.hands.stage import HandStage
from gesture_scan.io import load_image
from gesture_scan_devkit.handset import load_handset


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("data/handset_landmarks.npz"))
    ap.add_argument("--search", action="store_true", help="also run the small-hand search")
    args = ap.parse_args()
    photos = load_handset()
    opts = HandOptions(use_classifier=False, search=SearchOptions(enabled=args.search))
    rows = []
    t0 = time.perf_counter()
    with HandStage(opts) as stage:
        for i, photo in enumerate(photos):
            img = load_image(photo.path)
            hands = stage.run(img.rgb).hands
            for h in hands:
                rows.append(
                    (
                        photo.file,
                        h.landmarks,
                        h.world,
                        h.handedness.value,
                        h.detection_score,
                        h.handedness_score,
                    )
                )
            if i % 200 == 0:
                print(f"{i}/{len(photos)} {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        files=np.array([r[0] for r in rows]),
        landmarks=np.stack([r[1] for r in rows]).astype(np.float32),
        world=np.stack([r[2] for r in rows]).astype(np.float32),
        handedness=np.array([r[3] for r in rows]),
        detection_score=np.array([r[4] for r in rows], dtype=np.float32),
        handedness_score=np.array([r[5] for r in rows], dtype=np.float32),
    )
    print(f"{len(rows)} hands from {len(photos)} photos in {time.perf_counter() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
