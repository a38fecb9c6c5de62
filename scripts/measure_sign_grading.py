"""Sign grading on real group photos (issue 20): photos with a high finding, before and after.

"Before" is the rules as they were (no grading: ``uncertain_margin`` and ``min_sign_share`` 0, no
posed filter, hands not linked to people); "after" links hands to people, scores them posed
(``hands/people.py``) and grades signs (``rules/engine.py``); "after_without_held_cue" is "after"
with the held-together cue (two grip-shaped hands of one person close together) switched off;
"after_without_rival" is "after" with ``rival_ratio`` 0 (a few signs among as many hands or more
showing one other gesture are not graded down); "after_with_held_object" is "after" plus the
held-object cue (``hands/held.py``: COCO's YOLOv5n
on a crop around each hand a sign finding could rest on; a held cup, bottle, phone... lowers the
hand's posed score), off by default. All run on the same detections: each photo is scanned once
(``--cache`` keeps the detections, pickled, outside the repository: the photos have no licence to
be copied) and the rules are re-run, so the difference is the rules' alone. The held cue decodes
again each photo that has a sign hand, to crop it; its milliseconds per photo are the stage's
alone, on one onnxruntime thread (as in a scan worker). Photos are counted by what a person saw
in them (``bench/sign_grading_labels.csv``: ``photo,posed_gesture,what`` for every photo that
was flagged high before; ``yes``: someone poses a hand gesture to the camera; photos not listed
were not flagged high and are counted as ``no``).

    .venv/bin/python scripts/measure_sign_grading.py \\
        --set attire=../shared/train/attire/photos --set material=../shared/train/material/images \\
        --posed-set selfies=../shared/train/hands:hands_ --out bench/sign_grading.json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import pickle
import platform
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

from gesture_scan import ScanConfig, Scanner
from gesture_scan.config import HeldOptions, LinkOptions
from gesture_scan.hands import people as linking
from gesture_scan.hands.held import HeldStage, apply_held
from gesture_scan.hands.people import link_and_score
from gesture_scan.io import load_image
from gesture_scan.results import Hand, ImageResult
from gesture_scan.rules import RuleEngine, load_profile
from gesture_scan.rules.profile import Thresholds

SEVERITIES = ("high", "medium", "low", "none")
ROOT = Path(__file__).resolve().parents[1]


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def read_cache(cache: Path) -> dict[str, ImageResult]:
    """{str(photo): record} of every record ``scan_cached`` appended to ``cache`` (none: {})."""
    done: dict[str, ImageResult] = {}
    if cache.exists():
        with cache.open("rb") as f:
            while True:
                try:
                    r = pickle.load(f)
                except EOFError:
                    break
                done[str(r.path)] = r
    return done


def scan_cached(
    photos: list[Path],
    cache: Path,
    config: ScanConfig,
    keep: Callable[[ImageResult], ImageResult] = lambda r: r,
) -> dict[str, ImageResult]:
    """{str(photo): record} of each photo, scanned once with ``config``: records are appended to
    ``cache`` as they come (``keep`` trims each first), so a later or interrupted run scans only
    what is missing. ``meta["wall"]`` is each scan's seconds."""
    done = read_cache(cache)
    todo = [p for p in photos if str(p) not in done]
    if todo:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with Scanner(config) as scanner, cache.open("ab") as f:
            for i, p in enumerate(todo):
                t0 = time.perf_counter()
                r = scanner.scan_image(p)
                r.meta["wall"] = time.perf_counter() - t0
                r = keep(r)
                pickle.dump(r, f)
                f.flush()
                done[str(p)] = r
                print(f"{i + 1}/{len(todo)} {p.name} {r.meta['wall']:.2f}s", flush=True)
    return done


def _bare(r: ImageResult) -> ImageResult:
    """The rules are re-run below from bare detections, whatever the scan linked."""
    return replace(r, hands=tuple(replace(h, person=None, posed=None) for h in r.hands))


def scanned(folder: Path, cache: Path, prefix: str = "") -> list[ImageResult]:
    """Every photo of ``folder`` (recursive) whose name starts with ``prefix``, scanned once; text
    reading off (it cannot make a high finding, and would double the time)."""
    photos = sorted(
        p for p in folder.rglob(f"{prefix}*") if p.suffix.lower() in (".jpg", ".jpeg", ".png")
    )
    done = scan_cached(photos, cache, ScanConfig(read_text="off"), _bare)
    return [done[str(p)] for p in photos]


def severity(result: ImageResult) -> str:
    return result.severity or "none"


class HeldCue:
    """The held-object cue on recorded hands: the photo is decoded again (as the scan did) and the
    hands the rules could rest on are cropped; seconds and crops are counted per photo."""

    def __init__(self, stage: HeldStage, engine: RuleEngine) -> None:
        self.stage, self.engine = stage, engine
        self.seconds: list[float] = []
        self.crops = 0
        self.found: Counter[str] = Counter()

    def __call__(self, r: ImageResult, hands: tuple[Hand, ...]) -> tuple[Hand, ...]:
        look_at = self.engine.sign_hands(hands)
        if not look_at:
            self.seconds.append(0.0)
            return hands
        img = load_image(str(r.path), ScanConfig().max_side, ScanConfig().max_pixels)
        scan_hands = tuple(h.scaled(1 / img.scale) for h in hands)
        t0 = time.perf_counter()
        held = self.stage.run(img.rgb, scan_hands, look_at).scaled(img.scale)
        self.seconds.append(time.perf_counter() - t0)
        self.crops += held.calls
        self.found.update(h.label for h in held.held if h is not None)
        return apply_held(hands, held.held, self.stage.options.posed_factor)

    def summary(self) -> dict[str, Any]:
        n = max(len(self.seconds), 1)
        return {
            "options": {
                k: getattr(self.stage.options, k)
                for k in ("conf", "crop_scale", "imgsz", "posed_factor", "max_area")
            },
            "photos_cropped": sum(1 for t in self.seconds if t > 0),
            "crops": self.crops,
            "held_found": dict(self.found.most_common()),
            "ms_per_photo_mean": round(1000 * sum(self.seconds) / n, 2),
            "ms_per_crop_mean": round(1000 * sum(self.seconds) / max(self.crops, 1), 2),
        }


def add_to_table(
    table: dict[str, dict[str, Counter[str]]], label: str, group: bool, severities: dict[str, str]
) -> None:
    """One photo's severity per column (rule variant), under its eye label and, for a group
    photo, also under "<label> (group photos)": the target is about group photos."""
    for key in (label, f"{label} (group photos)") if group else (label,):
        row = table.setdefault(key, {k: Counter() for k in severities})
        for k, s in severities.items():
            row[k][s] += 1


def table_counts(table: dict[str, dict[str, Counter[str]]]) -> dict[str, Any]:
    """``add_to_table``'s tallies as JSON, every severity listed (zeros too)."""
    return {
        label: {k: {s: row[k][s] for s in SEVERITIES} for k in row}
        for label, row in sorted(table.items())
    }


def measure(
    results: list[ImageResult], labels: dict[str, str], held: Optional[HeldCue] = None
) -> dict[str, Any]:
    """Long because it keeps the four rule runs of each photo side by side (one table)."""
    profile = load_profile("pilpres-2024")
    off = Thresholds(
        uncertain_margin=0.0,
        min_sign_share=0.0,
        min_posed_score=0.0,
        grip_gestures=(),
        rival_ratio=0.0,
    )
    before_rules = RuleEngine(replace(profile, thresholds=off))
    after_rules = RuleEngine(profile)
    no_rival_rules = RuleEngine(
        replace(profile, thresholds=replace(profile.thresholds, rival_ratio=0.0))
    )
    link = LinkOptions()
    table: dict[str, dict[str, Counter[str]]] = {}
    changed: list[dict[str, Any]] = []
    link_s: list[float] = []
    rules_s: list[float] = []
    for r in results:
        if r.error:
            continue
        name = Path(str(r.path)).stem
        label = labels.get(name, "no")
        bare = replace(r, hands=tuple(replace(h, person=None, posed=None) for h in r.hands))
        before = before_rules.apply(bare)
        t0 = time.perf_counter()
        linked = replace(bare, hands=link_and_score(bare.hands, bare.faces.xyxy, link))
        t1 = time.perf_counter()
        after = after_rules.apply(linked)
        t2 = time.perf_counter()
        # The same, without the held-together cue (two grip-shaped hands of one person close).
        saved, linking.HELD_TOGETHER_FACTOR = linking.HELD_TOGETHER_FACTOR, 1.0
        no_cue = after_rules.apply(
            replace(bare, hands=link_and_score(bare.hands, bare.faces.xyxy, link))
        )
        linking.HELD_TOGETHER_FACTOR = saved
        no_rival = no_rival_rules.apply(linked)
        link_s.append(t1 - t0)
        rules_s.append(t2 - t1)
        with_held = (
            after_rules.apply(replace(linked, hands=held(r, linked.hands))) if held else None
        )
        columns = {
            "before": before,
            "after_without_held_cue": no_cue,
            "after_without_rival": no_rival,
            "after": after,
        }
        if with_held is not None:
            columns["after_with_held_object"] = with_held
        add_to_table(table, label, r.people >= 2, {k: severity(v) for k, v in columns.items()})
        last = with_held or after
        if (
            severity(before) != severity(after)
            or severity(after) != severity(last)
            or (label == "no" and severity(last) == "high")
        ):
            top = last.findings[0] if last.findings else None
            held_in = [h.held.label for h in last.hands if h.held is not None]
            changed.append(
                {
                    "photo": name,
                    "posed_gesture": label,
                    **{k: severity(v) for k, v in columns.items()},
                    **({"held": held_in} if held_in else {}),
                    "why": top.message if top else "no finding: the hands were not posed",
                }
            )
    walls = [float(r.meta.get("wall", r.meta.get("seconds", 0.0))) for r in results if not r.error]
    return {
        "photos": sum(1 for r in results if not r.error),
        "errors": sum(1 for r in results if r.error),
        "by_posed_gesture": table_counts(table),
        "scan_seconds_per_photo_mean": round(statistics.fmean(walls), 3) if walls else None,
        "link_ms_per_photo_mean": round(1000 * statistics.fmean(link_s), 3) if link_s else None,
        "rules_ms_per_photo_mean": round(1000 * statistics.fmean(rules_s), 3) if rules_s else None,
        **({"held_object_cue": held.summary()} if held else {}),
        "changed": changed,
    }


def posed_recall(results: list[ImageResult], held: Optional[HeldCue] = None) -> dict[str, Any]:
    """On photos where every hand is held up to show a finger count: the share still posed
    (``posed_with_held_object``: after the held-object cue, which should find nothing here)."""
    link = LinkOptions()
    threshold = Thresholds().min_posed_score
    hands = []
    held_hands = []
    for r in results:
        if not r.error:
            linked_hands = link_and_score(r.hands, r.faces.xyxy, link)
            hands += [h for h in linked_hands if h.score >= 0.6]
            if held is not None:
                held_hands += [h for h in held(r, linked_hands) if h.score >= 0.6]
    linked = [h for h in hands if h.person is not None]
    return {
        "photos": len(results),
        "photos_with_a_face": sum(1 for r in results if r.people),
        "hands_score_0.6_or_more": len(hands),
        "linked_to_a_face": len(linked),
        "posed": sum(1 for h in hands if (h.posed or 0.0) >= threshold),
        "posed_of_linked": sum(1 for h in linked if (h.posed or 0.0) >= threshold),
        "posed_min": round(min((h.posed or 0.0 for h in hands), default=0.0), 4),
        **(
            {
                "posed_with_held_object": sum(
                    1 for h in held_hands if (h.posed or 0.0) >= threshold
                ),
                "held_object_cue": held.summary(),
            }
            if held is not None
            else {}
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", action="append", required=True, help="name=folder of photos")
    ap.add_argument(
        "--posed-set",
        help="name=folder[:prefix] of photos whose hands all pose a sign (posed recall)",
    )
    ap.add_argument("--labels", type=Path, default=Path("bench/sign_grading_labels.csv"))
    ap.add_argument("--cache", type=Path, default=Path("/tmp/gesture-scan-sign-grading"))
    ap.add_argument("--out", type=Path, default=Path("bench/sign_grading.json"))
    ap.add_argument("--no-held", action="store_true", help="leave the held-object column out")
    ap.add_argument("--held-weights", type=Path, default=ROOT / "weights" / "coco_yolov5n.onnx")
    ap.add_argument("--held-conf", type=float, default=HeldOptions.conf)
    ap.add_argument("--held-scale", type=float, default=HeldOptions.crop_scale)
    ap.add_argument("--held-imgsz", type=int, default=HeldOptions.imgsz)
    ap.add_argument("--held-factor", type=float, default=HeldOptions.posed_factor)
    args = ap.parse_args()
    options = HeldOptions(
        enabled=True,
        conf=args.held_conf,
        crop_scale=args.held_scale,
        imgsz=args.held_imgsz,
        posed_factor=args.held_factor,
        threads=1,  # as in a scan worker
    )
    stage = None if args.no_held else HeldStage(options, args.held_weights)
    engine = RuleEngine(load_profile("pilpres-2024"))
    with args.labels.open(newline="") as f:
        labels = {row["photo"]: row["posed_gesture"] for row in csv.DictReader(f)}
    sets = {}
    for spec in args.set:
        name, _, folder = spec.partition("=")
        results = scanned(Path(folder), args.cache / f"{name}.pkl")
        cue = HeldCue(stage, engine) if stage else None
        sets[name] = {"folder": folder, **measure(results, labels, cue)}
    posed = None
    if args.posed_set:
        name, _, rest = args.posed_set.partition("=")
        folder, _, prefix = rest.partition(":")
        posed = {
            "folder": folder,
            "prefix": prefix,
            **posed_recall(
                scanned(Path(folder), args.cache / f"{name}.pkl", prefix),
                HeldCue(stage, engine) if stage else None,
            ),
        }
    if stage is not None:
        stage.close()
    report = {
        "what": "photos with a high/medium/low/no finding, before vs after sign grading, "
        "hands linked to people and the posed score (issue 20); after_without_held_cue: the "
        "same without the held-together cue (hands/people.py held_together); "
        "after_without_rival: the same without the rival-reading grade-down (thresholds."
        "rival_ratio 0);"
        " after_with_held_object: after plus the held-object cue (hands/held.py, off by default); "
        "same detections, rules re-run",
        "date": dt.date.today().isoformat(),
        "machine": f"{cpu_name()}, {platform.system()}, 2 cores shared with other jobs",
        "labels": str(args.labels),
        "sets": sets,
        "posed_recall": posed,
    }
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if posed:
        print("posed recall", json.dumps(posed))
    for name, s in sets.items():
        print(name, json.dumps(s["by_posed_gesture"]))
        print(
            f"  scan {s['scan_seconds_per_photo_mean']} s/photo, link "
            f"{s['link_ms_per_photo_mean']} ms, rules {s['rules_ms_per_photo_mean']} ms"
        )


if __name__ == "__main__":
    main()
