"""Measure dlib face-descriptor distances on real faces and choose the gallery's match threshold.

Same person: the webcam selfies ``hands_*`` in ``../shared/train/hands`` whose identity was
confirmed by eye (``tests/data/face_identities.csv``; the set shows one person across ~15 sessions,
days, lightings and head poses). Different people: every face in the photos installed packages ship
(Ultralytics' bus.jpg and zidane.jpg, matplotlib's grace_hopper.jpg) and in the campaign-material
training photos (``../shared/train/material``), listed below after checking each crop by eye. None
of them is the selfie person, and none appears twice.

Faces are found with the scan's own detector (MediaPipe, ``FaceStage``) so the boxes are those the
gallery will see, and embedded with ``FaceEmbedder``. Two things are decided here:

- the box recipe: MediaPipe boxes are ~14% larger than dlib's HOG boxes, which dlib's aligner was
  trained on; the table ``box_scale`` compares scaled boxes (and dlib's own HOG boxes) by the
  true-accept rate at a 1% false-accept rate;
- ``DEFAULT_THRESHOLD``: the largest threshold on the 0.40..0.70 grid whose false-accept rate is at
  most 1%. Misnaming a bystander as a candidate is the costlier error in a complaint, so false
  accepts are capped and true accepts maximised under that cap.

Same-person pairs are reported over all pairs and over pairs from different sessions (different
file-name prefixes), since frames of one session are near-duplicates; the threshold uses the
cross-session pairs. Writes ``bench/face_threshold.json``.

    python scripts/measure_face_threshold.py
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from importlib.util import find_spec
from itertools import combinations
from pathlib import Path
from typing import Any, Optional

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gesture_scan.io import load_image  # noqa: E402
from gesture_scan.people.gallery import DEFAULT_THRESHOLD, FaceEmbedder  # noqa: E402
from gesture_scan.people.stage import FaceStage  # noqa: E402
from gesture_scan_devkit.handset import shared_dir  # noqa: E402

IDENTITIES = ROOT / "tests" / "data" / "face_identities.csv"
OUT = ROOT / "bench" / "face_threshold.json"
GRID = np.round(np.arange(0.40, 0.7001, 0.02), 2)
MAX_FAR = 0.01
BOX_SCALES = (0.8, 0.875, 0.95, 1.0, 1.1, 1.2)

#: Faces of other people, checked by eye: (where, file, face centre x, y in pixels, who).
#: "pkg:" files come from installed packages, "material:" from ../shared/train/material.
#: Left out after looking: zidane.jpg's blurred background blob, urban_img_326.jpg's two
#: profile/back-of-head detections and a sign, and duplicate boxes of one face in abo_36.jpg.
OTHER_FACES = (
    ("pkg:ultralytics", "assets/bus.jpg", 135, 451, "bus-left"),
    ("pkg:ultralytics", "assets/bus.jpg", 290, 453, "bus-middle"),
    ("pkg:ultralytics", "assets/zidane.jpg", 993, 201, "ancelotti"),
    ("pkg:ultralytics", "assets/zidane.jpg", 618, 356, "zidane"),
    ("pkg:matplotlib", "mpl-data/sample_data/grace_hopper.jpg", 266, 230, "grace-hopper"),
    ("material:", "images/*/abo_26.jpg", 309, 188, "abo26-man"),
    ("material:", "images/*/abo_36.jpg", 258, 160, "abo36-green-hat"),
    ("material:", "images/*/abo_36.jpg", 1059, 155, "abo36-blond"),
    ("material:", "images/*/abo_36.jpg", 720, 165, "abo36-glasses"),
    ("material:", "images/*/abo_36.jpg", 927, 156, "abo36-smiling"),
    ("material:", "images/*/abo_20.jpg", 209, 173, "abo20-man"),
    ("material:", "images/*/urban_img_242.jpg", 268, 207, "poster-woman-1"),
    ("material:", "images/*/urban_img_373.jpg", 276, 400, "poster-woman-2"),
    ("material:", "images/*/urban_img_61.jpg", 907, 386, "poster-woman-3"),
    ("material:", "unlabeled/caleg_2decbffed635.jpg", 546, 97, "speaker"),
    ("material:", "unlabeled/caleg_95df9f190b06.jpg", 196, 177, "politician-desk"),
    ("material:", "unlabeled/caleg_bb1c8b3798e3.jpg", 443, 352, "stage-left"),
    ("material:", "unlabeled/caleg_bb1c8b3798e3.jpg", 854, 353, "stage-right"),
    ("material:", "unlabeled/raka_e87c3f82242a.jpg", 89, 375, "baliho-7"),
)


def session(file: str) -> str:
    """Frames of one recording share the name up to ``pic``: ``hands_2_pic00070`` -> ``2``."""
    m = re.match(r"hands_(.*?)_?pic\d+", file)
    return m.group(1) if m else file


def resolve(where: str, rel: str, material: Optional[Path]) -> Optional[Path]:
    if where.startswith("pkg:"):
        spec = find_spec(where[4:])
        return Path(spec.origin).parent / rel if spec and spec.origin else None
    if material is None:
        return None
    found = sorted(material.glob(rel))
    return found[0] if found else None


def box_at(faces: np.ndarray, x: float, y: float) -> Optional[np.ndarray]:
    """The smallest detected box containing (x, y): duplicates of one face nest."""
    inside = [b for b in faces if b[0] <= x <= b[2] and b[1] <= y <= b[3]]
    return min(inside, key=lambda b: (b[2] - b[0]) * (b[3] - b[1])) if inside else None


def scaled(box: np.ndarray, s: float) -> np.ndarray:
    c, half = (box[:2] + box[2:]) / 2, (box[2:] - box[:2]) * s / 2
    return np.concatenate([c - half, c + half])


def pair_dists(a: np.ndarray, b: Optional[np.ndarray] = None) -> np.ndarray:
    if b is None:
        d = np.linalg.norm(a[:, None] - a[None], axis=2)
        return d[np.triu_indices(len(a), 1)]
    return np.linalg.norm(a[:, None] - b[None], axis=2).ravel()


def rates(same: np.ndarray, diff: np.ndarray) -> list[dict[str, float]]:
    return [
        {
            "threshold": float(t),
            "tar": round(float(np.mean(same <= t)), 4),
            "far": round(float(np.mean(diff <= t)), 4),
        }
        for t in GRID
    ]


def choose(table: list[dict[str, float]]) -> dict[str, float]:
    ok = [row for row in table if row["far"] <= MAX_FAR]
    return ok[-1] if ok else table[0]


def percentiles(x: np.ndarray) -> dict[str, float]:
    qs = (1, 5, 25, 50, 75, 95, 99)
    return {f"p{q}": round(float(np.percentile(x, q)), 4) for q in qs} | {
        "min": round(float(x.min()), 4),
        "max": round(float(x.max()), 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    base = shared_dir()
    if base is None:
        print("../shared not found: the labeled selfies live outside the repository")
        return 2
    hands = base / "train" / "hands"
    with IDENTITIES.open(newline="") as fh:
        labeled = [(row["file"], row["person"]) for row in csv.DictReader(fh)]

    import dlib  # only for the HOG comparison; the gallery itself uses MediaPipe boxes

    hog = dlib.get_frontal_face_detector()
    boxes: dict[str, np.ndarray] = {}  # MediaPipe box of each usable face, keyed by face id
    hog_boxes: dict[str, np.ndarray] = {}
    images: dict[str, np.ndarray] = {}
    person: dict[str, str] = {}
    missing: list[str] = []
    with FaceStage() as faces, FaceEmbedder() as embedder:
        for file, who in labeled:
            rgb = load_image(hands / file).rgb
            found = faces.run(rgb).detections
            if not len(found):
                missing.append(file)
                continue
            boxes[file] = found.xyxy[int(np.argmax(found.area))].astype(np.float64)
            images[file], person[file] = rgb, who
            rects = hog(rgb, 1)
            if len(rects):
                r = max(rects, key=lambda r: r.area())
                hog_boxes[file] = np.array([r.left(), r.top(), r.right(), r.bottom()], float)
        material = base / "train" / "material"
        for where, rel, x, y, who in OTHER_FACES:
            path = resolve(where, rel, material if material.is_dir() else None)
            if path is None or not path.is_file():
                missing.append(f"{where}{rel}")
                continue
            rgb = load_image(path).rgb
            found = faces.run(rgb).detections
            box = box_at(found.xyxy, x, y)
            if box is None:
                missing.append(f"{path.name}@{x},{y}")
                continue
            key = f"{path.name}@{x},{y}"
            boxes[key], images[key], person[key] = box.astype(np.float64), rgb, who

        def embed_all(scale: float, which: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            return {
                k: embedder.embed(images[k], scaled(b, scale)[None])[0] for k, b in which.items()
            }

        t0 = time.perf_counter()
        by_scale = {s: embed_all(s, boxes) for s in BOX_SCALES}
        per_embedding = (time.perf_counter() - t0) / (len(BOX_SCALES) * len(boxes))
        hog_emb = embed_all(1.0, hog_boxes)

    selfies = [k for k in boxes if k.startswith("hands_")]
    others = [k for k in boxes if not k.startswith("hands_")]

    def split(emb: dict[str, np.ndarray], keys: list[str]) -> dict[str, np.ndarray]:
        same_all, same_cross, diff = [], [], []
        for a, b in combinations(keys, 2):
            d = float(np.linalg.norm(emb[a] - emb[b]))
            if person[a] == person[b]:
                same_all.append(d)
                if not (a.startswith("hands_") and session(a) == session(b)):
                    same_cross.append(d)
            else:
                diff.append(d)
        return {
            k: np.array(v) for k, v in (("all", same_all), ("cross", same_cross), ("diff", diff))
        }

    variants: dict[str, Any] = {}
    for s in BOX_SCALES:
        parts = split(by_scale[s], selfies + others)
        best = choose(rates(parts["cross"], parts["diff"]))
        variants[f"mediapipe_x{s}"] = {
            "tar_at_far_1pct": best["tar"],
            "threshold": best["threshold"],
        }
    chosen_scale = max(BOX_SCALES, key=lambda s: variants[f"mediapipe_x{s}"]["tar_at_far_1pct"])
    # dlib's own HOG boxes, on the selfies where HOG finds a face (fewer than MediaPipe does).
    hog_keys = [k for k in selfies if k in hog_emb]
    hog_parts = split({**hog_emb, **{k: by_scale[1.0][k] for k in others}}, hog_keys + others)
    best = choose(rates(hog_parts["cross"], hog_parts["diff"]))
    variants["dlib_hog_boxes"] = {
        "tar_at_far_1pct": best["tar"],
        "threshold": best["threshold"],
        "selfies_with_a_face": len(hog_keys),
    }
    # The same selfies with MediaPipe boxes: HOG only finds the easier faces, so compare like
    # with like before reading the HOG row as better.
    sub = split(by_scale[1.0], hog_keys + others)
    best = choose(rates(sub["cross"], sub["diff"]))
    variants["mediapipe_x1.0_on_hog_subset"] = {
        "tar_at_far_1pct": best["tar"],
        "threshold": best["threshold"],
    }

    parts = split(by_scale[chosen_scale], selfies + others)
    table = rates(parts["cross"], parts["diff"])
    pick = choose(table)
    table_all = rates(parts["all"], parts["diff"])
    emb = by_scale[chosen_scale]
    closest = sorted(
        (float(np.linalg.norm(emb[a] - emb[b])), person[a], person[b])
        for a, b in combinations(selfies + others, 2)
        if person[a] != person[b]
    )
    nearest_impostors: dict[str, float] = {}
    for d, a, b in closest:
        nearest_impostors.setdefault(f"{a} / {b}", round(d, 4))
    report = {
        "what": "dlib face-descriptor distances on real faces (scripts/measure_face_threshold.py)",
        "data": {
            "same_person_photos": len(selfies),
            "same_person_identities": len({person[k] for k in selfies}),
            "sessions": len({session(k) for k in selfies}),
            "different_people": len(others),
            "labeled_without_a_mediapipe_face": missing,
            "selfies_with_a_dlib_hog_face": len(hog_keys),
        },
        "pairs": {
            "same_all": len(parts["all"]),
            "same_cross_session": len(parts["cross"]),
            "different": len(parts["diff"]),
        },
        "distances": {
            "same_all": percentiles(parts["all"]),
            "same_cross_session": percentiles(parts["cross"]),
            "different": percentiles(parts["diff"]),
        },
        "box_variants": variants,
        "chosen_box_scale": chosen_scale,
        "roc": [{**row, "tar_all_pairs": all_row["tar"]} for row, all_row in zip(table, table_all)],
        "closest_different_people": dict(list(nearest_impostors.items())[:8]),
        "chosen_threshold": pick["threshold"],
        "at_chosen": pick,
        "dlib_default_0.6": next(r for r in table if r["threshold"] == 0.6),
        "why": (
            f"largest grid threshold with a false-accept rate <= {MAX_FAR:.0%} over different-"
            "person pairs, measured with cross-session same-person pairs: naming a bystander as a "
            "candidate is the costlier mistake in a complaint"
        ),
        "code_default_threshold": DEFAULT_THRESHOLD,
        "seconds_per_embedding": round(per_embedding, 4),
        "caveats": [
            "the same-person side is one person (the selfie data set's author) across sessions",
            "the different-person side is 19 faces, many small (30-50 px) and some printed on "
            "posters; FAR comes from few identities",
            "the closest different pair (~0.49) is two Indonesian men with glasses "
            "(a desk portrait and a party-stage photo): below the threshold a match is a lead "
            "for a reviewer, not an identification, and Indonesian faces are few here (5)",
        ],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: report[k] for k in ("pairs", "box_variants", "at_chosen")}, indent=2))
    print(f"chosen threshold {pick['threshold']} (code default {DEFAULT_THRESHOLD}); {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
