"""Small-hand benchmark: recall and finger-count accuracy by hand size, one pass vs our search.

Scenes come from ``gesture_scan_devkit.hand_scenes``: held-out labeled real hands pasted at
15-80 px into large real street photos ("background") and into group-photo collages of real people
("group"). Each scene is scanned three ways:

- ``mediapipe``: plain MediaPipe Hands on the whole image, as most code does it;
- ``full``: our single full-image pass (margin + area-averaged resize), no search;
- ``search``: the product's default: faces, crops around people, tiles.
- ``fast``: ``gesture-scan --fast``'s search: tiles only where no face was found.

Writes ``bench/small_hands.json`` and prints a table. Seeded: the same scenes every run.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.append(
    str(Path(__file__).resolve().parents[1] / "src")
)  # gesture_scan_devkit: not installed

from gesture_scan.config import HandOptions, SearchOptions
from gesture_scan.hands.stage import HandStage
from gesture_scan.people.stage import FaceStage
from gesture_scan.regions import Region
from gesture_scan_devkit.hand_scenes import (
    KINDS,
    Predicted,
    default_backgrounds,
    default_people,
    load_cutouts,
    make_scene,
    score_scene,
    summarize,
)
from gesture_scan_devkit.handset import load_handset


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenes", type=int, default=12, help="scenes per kind")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("bench/small_hands.json"))
    ap.add_argument(
        "--model-complexity", type=int, choices=(0, 1), default=HandOptions.model_complexity
    )
    args = ap.parse_args()

    heldout = [p for p in load_handset() if p.heldout]
    cutouts = load_cutouts(heldout)
    people = default_people()
    backgrounds = default_backgrounds()
    rng = np.random.default_rng(args.seed)
    scenes = [
        make_scene(rng, cutouts, backgrounds, kind, people=people)
        for kind in KINDS
        for _ in range(args.scenes)
    ]
    methods = ("mediapipe", "full", "search", "fast")
    rows: dict[str, list[dict]] = defaultdict(list)
    seconds: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    mc = args.model_complexity
    no_search = HandOptions(model_complexity=mc, search=SearchOptions(enabled=False))
    searching_opts = HandOptions(model_complexity=mc)
    fast_opts = HandOptions(model_complexity=mc, search=SearchOptions(skip_tiles_with_faces=True))
    with (
        FaceStage() as faces,
        HandStage(searching_opts) as searching,
        HandStage(fast_opts) as fast,
        HandStage(no_search) as single,
    ):
        for scene in scenes:
            h, w = scene.image.shape[:2]
            for method in methods:
                t0 = time.perf_counter()
                if method == "mediapipe":
                    raws = single.run_region(scene.image, Region(0, 0, w, h, "full", max(w, h)))
                    hands = single.finish(raws)
                    n = 1
                elif method == "full":
                    found = single.run(scene.image)
                    hands, n = found.hands, found.calls
                else:
                    seen = faces.run(scene.image)
                    stage = searching if method == "search" else fast
                    found = stage.run(scene.image, seen.detections)
                    hands, n = found.hands, found.calls + seen.calls
                seconds[method] += time.perf_counter() - t0
                calls[method] += n
                pred = [Predicted(hd.box, hd.reading.count, hd.score) for hd in hands]
                for r in score_scene(scene, pred):
                    rows[method].append(r)
                    rows[f"{method}/{scene.kind}"].append(r)

    report = {
        "scenes_per_kind": args.scenes,
        "model_complexity": mc,
        "seed": args.seed,
        "scene_size": list(scenes[0].image.shape[1::-1]),
        "machine": f"{platform.machine()} {platform.processor() or ''} "
        f"{__import__('os').cpu_count()} cpus".strip(),
        "methods": {},
    }
    print(f"{'method':22s} {'bucket':7s} {'n':>4s} {'recall':>7s} {'count':>7s}")
    for key in sorted(rows):
        summary = summarize(rows[key])
        report["methods"][key] = summary
        for bucket, s in summary.items():
            if s["n"]:
                print(f"{key:22s} {bucket:7s} {s['n']:4d} {s['recall']:7.2f} {s['count_acc']:7.2f}")
    for method in methods:
        report["methods"][method]["seconds_per_image"] = round(seconds[method] / len(scenes), 3)
        report["methods"][method]["detector_calls_per_image"] = round(
            calls[method] / len(scenes), 1
        )
        print(
            f"{method}: {seconds[method] / len(scenes):.2f} s/image, "
            f"{calls[method] / len(scenes):.1f} detector calls/image"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print("wrote", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
