"""Hand -> person linking on real group photos, face geometry vs MediaPipe Pose (issue 20).

Each photo is scanned once with pose on (``LinkOptions(pose=True)``); the bodies the pose stage
found are kept, and the same hands are linked twice: by geometry alone and with the bodies. The
owners are hands labelled by eye (``bench/sign_grading_owners.csv``: the hand's box, the face box
of its owner, or no face where the owner's face was not found, matched to the scan by overlap);
hands not labelled are not counted. ``--sheets DIR`` draws every hand on which the two links
disagree (hand green, geometry's face red, pose's face blue, the body's arms yellow) for labelling
by eye; DIR must be outside the repository (the photos are never committed).

Cost: the pose stage's seconds per photo and per call, on one core (``taskset -c 0`` if the
machine has more), next to the scan without pose.

    taskset -c 0 .venv/bin/python scripts/measure_pose_linking.py \\
        --photos ../shared/train/attire/photos --out bench/pose_linking.json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import pickle
import platform
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

import numpy as np

from gesture_scan import ScanConfig, Scanner
from gesture_scan.config import LinkOptions
from gesture_scan.hands import people as linking
from gesture_scan.hands.people import link_and_score
from gesture_scan.people.pose import Body, PoseStage
from gesture_scan.results import ImageResult
from gesture_scan.rules import RuleEngine, load_profile

sys.path.insert(0, str(Path(__file__).parent))
from measure_sign_grading import cpu_name


def iou(a: np.ndarray, b: np.ndarray) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def scan(photos: list[Path], cache: Path) -> list[tuple[ImageResult, tuple[Body, ...], float]]:
    """Each photo's record (pose off: the plain scan), its bodies and the pose stage's seconds."""
    done: dict[str, tuple[ImageResult, tuple[Body, ...], float]] = {}
    if cache.exists():
        done = pickle.loads(cache.read_bytes())
    todo = [p for p in photos if str(p) not in done]
    if todo:
        config = ScanConfig(read_text="off")
        with Scanner(config) as scanner, PoseStage() as pose:
            for i, p in enumerate(todo):
                r = scanner.scan_image(p)
                bodies: tuple[Body, ...] = ()
                t0 = time.perf_counter()
                if not r.error and len(r.faces) and r.hands:
                    # The scanner poses the scan copy; the record is in original pixels, and so
                    # is this image (decoded the same way, EXIF orientation applied).
                    from gesture_scan.io.image import load_image

                    img = load_image(p, config.max_side, config.max_pixels)
                    found = pose.run(img.rgb, r.faces.scaled(1 / img.scale)).bodies
                    bodies = tuple(b.scaled(img.scale) for b in found)
                spent = time.perf_counter() - t0
                done[str(p)] = (r, bodies, spent)
                print(f"{i + 1}/{len(todo)} {p.name} {len(bodies)} bodies {spent:.2f}s", flush=True)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(done))
    return [done[str(p)] for p in photos]


def owner_of(row: dict[str, str], faces: np.ndarray) -> Optional[int]:
    """The face index of the labelled owner (None: owner's face not found); -1 if unmatched."""
    if not row["face_x0"]:
        return None
    box = np.array([float(row[k]) for k in ("face_x0", "face_y0", "face_x1", "face_y1")])
    overlaps = [iou(box, f) for f in faces]
    if overlaps and max(overlaps) >= 0.5:
        return int(np.argmax(overlaps))
    return -1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=Path, required=True)
    ap.add_argument("--owners", type=Path, default=Path("bench/sign_grading_owners.csv"))
    ap.add_argument("--names", help="only these photo stems (comma-separated)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/gesture-scan-pose-linking.pkl"))
    ap.add_argument("--sheets", type=Path, help="draw the disagreements here (outside the repo)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    owners: dict[str, list[dict[str, str]]] = {}
    if args.owners.exists():
        with args.owners.open(newline="") as f:
            for row in csv.DictReader(f):
                owners.setdefault(row["photo"], []).append(row)
    names = args.names.split(",") if args.names else sorted(owners)
    photos = [p for n in names for p in sorted(args.photos.glob(f"{n}.*"))]
    scans = scan(photos, args.cache)
    geo_opts, pose_opts = LinkOptions(), LinkOptions(pose=True)
    counts = {"labelled": 0, "geometry_right": 0, "pose_right": 0, "unmatched": 0}
    disagree: list[dict[str, Any]] = []
    per_photo_pose_s: list[float] = []
    per_call_s: list[float] = []
    scan_s: list[float] = []
    bodies_n = faces_n = 0
    link_ms: dict[str, list[float]] = {"geometry": [], "pose": []}
    for p, (r, bodies, spent) in zip(photos, scans):
        if r.error:
            continue
        faces = r.faces.xyxy
        bare = tuple(replace(h, person=None, posed=None) for h in r.hands)
        t0 = time.perf_counter()
        geo = link_and_score(bare, faces, geo_opts)
        t1 = time.perf_counter()
        pos = link_and_score(bare, faces, pose_opts, bodies)
        t2 = time.perf_counter()
        link_ms["geometry"].append(1000 * (t1 - t0))
        link_ms["pose"].append(1000 * (t2 - t1))
        scan_s.append(float(r.meta.get("seconds", 0.0)))
        if len(faces) and r.hands:
            per_photo_pose_s.append(spent)
            per_call_s.append(spent / len(faces))
            bodies_n += len(bodies)
            faces_n += len(faces)
        for i, (g, q) in enumerate(zip(geo, pos)):
            if g.person != q.person:
                disagree.append(
                    {
                        "photo": p.stem,
                        "hand": i,
                        "box": [round(float(v)) for v in g.box],
                        "geometry": g.person,
                        "pose": q.person,
                    }
                )
        for row in owners.get(p.stem, []):
            box = np.array([float(row[k]) for k in ("x0", "y0", "x1", "y1")])
            match = [iou(box, h.box) for h in bare]
            owner = owner_of(row, faces)
            if not match or max(match) < 0.3 or owner == -1:
                counts["unmatched"] += 1
                continue
            i = int(np.argmax(match))
            counts["labelled"] += 1
            counts["geometry_right"] += int(geo[i].person == owner)
            counts["pose_right"] += int(pos[i].person == owner)
    if args.sheets:
        draw_sheets(args.sheets, photos, scans, disagree)
    n = counts["labelled"]
    # The photos' findings with either link (rules of the pilpres-2024 profile).
    engine = RuleEngine(load_profile("pilpres-2024"))
    with Path("bench/sign_grading_labels.csv").open(newline="") as f:
        posed_by_eye = {row["photo"]: row["posed_gesture"] for row in csv.DictReader(f)}
    findings: dict[str, dict[str, Counter[str]]] = {}
    for p, (r, bodies, _) in zip(photos, scans):
        if r.error:
            continue
        bare = tuple(replace(h, person=None, posed=None) for h in r.hands)
        row = findings.setdefault(
            posed_by_eye.get(p.stem, "no"), {"geometry": Counter(), "pose": Counter()}
        )
        for way, opts, found in (("geometry", geo_opts, ()), ("pose", pose_opts, bodies)):
            judged = engine.apply(replace(r, hands=link_and_score(bare, r.faces.xyxy, opts, found)))
            row[way][judged.severity or "none"] += 1
    # The first try: any wrist within 0.8 face sizes decides the link, before geometry.
    saved = linking.WRIST_MATCH, linking.POSE_BONUS
    linking.WRIST_MATCH, linking.POSE_BONUS = 0.8, 10.0
    first_try = 0
    for p, (r, bodies, _) in zip(photos, scans):
        for row in owners.get(p.stem, []):
            box = np.array([float(row[k]) for k in ("x0", "y0", "x1", "y1")])
            match = [iou(box, h.box) for h in r.hands]
            owner = owner_of(row, r.faces.xyxy)
            if match and max(match) >= 0.3 and owner != -1:
                linked = link_and_score(r.hands, r.faces.xyxy, pose_opts, bodies)
                first_try += int(linked[int(np.argmax(match))].person == owner)
    linking.WRIST_MATCH, linking.POSE_BONUS = saved
    report = {
        "what": "hand -> person links on real group photos, face geometry alone vs MediaPipe "
        "Pose seeded by each face (issue 20); owners labelled by eye",
        "date": dt.date.today().isoformat(),
        "machine": f"{cpu_name()}, {platform.system()}, {os.cpu_count()} cores shared with "
        "other jobs; pose timed on one core (taskset -c 0)",
        "photos": len(photos),
        "faces": faces_n,
        "bodies_found": bodies_n,
        "owners": str(args.owners),
        **counts,
        "geometry_accuracy": round(counts["geometry_right"] / n, 3) if n else None,
        "pose_accuracy": round(counts["pose_right"] / n, 3) if n else None,
        "pose_first_try_right": first_try,
        "pose_first_try": "wrist within 0.8 face sizes decides before geometry",
        "findings_by_posed_gesture": {
            label: {way: dict(sorted(c.items())) for way, c in row.items()}
            for label, row in sorted(findings.items())
        },
        "hands": sum(len(r.hands) for r, _, _ in scans if not r.error),
        "links_that_differ": len(disagree),
        "scan_seconds_per_photo_without_pose_mean": round(statistics.fmean(scan_s), 3)
        if scan_s
        else None,
        "pose_seconds_per_photo_mean": round(statistics.fmean(per_photo_pose_s), 3)
        if per_photo_pose_s
        else None,
        "pose_seconds_per_face_mean": round(statistics.fmean(per_call_s), 4)
        if per_call_s
        else None,
        "link_ms_per_photo_mean": {
            k: round(statistics.fmean(v), 3) for k, v in link_ms.items() if v
        },
        "differ": disagree,
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


def draw_sheets(
    folder: Path,
    photos: list[Path],
    scans: list[tuple[ImageResult, tuple[Body, ...], float]],
    disagree: list[dict[str, Any]],
) -> None:
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    by_stem = {p.stem: (p, s) for p, s in zip(photos, scans)}
    for d in disagree:
        p, (r, bodies, _) = by_stem[d["photo"]]
        img = Image.open(p).convert("RGB")
        draw = ImageDraw.Draw(img)
        draw.rectangle(d["box"], outline=(0, 255, 0), width=3)
        for who, colour in (("geometry", (255, 0, 0)), ("pose", (0, 80, 255))):
            j = d[who]
            if j is not None:
                draw.rectangle([float(v) for v in r.faces.xyxy[j]], outline=colour, width=3)
        for b in bodies:
            for a, c in ((1, 3), (3, 5), (2, 4), (4, 6)):
                draw.line([tuple(b.points[a]), tuple(b.points[c])], fill=(255, 220, 0), width=2)
        # Cropped to the hand and both faces, with room for the arms.
        boxes = [d["box"]] + [
            [float(v) for v in r.faces.xyxy[d[w]]] for w in ("geometry", "pose") if d[w] is not None
        ]
        xs = [b[0] for b in boxes] + [b[2] for b in boxes]
        ys = [b[1] for b in boxes] + [b[3] for b in boxes]
        pad = 0.5 * max(max(xs) - min(xs), max(ys) - min(ys), 100)
        img = img.crop((min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad))
        img.save(folder / f"{d['photo']}_{d['hand']}.png")


if __name__ == "__main__":
    main()
