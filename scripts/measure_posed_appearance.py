"""Would the look of the hand's surroundings help the posed score? Measured; not shipped (issue 20).

The posed score (``hands/posed.py``) reads geometry only: height, faces, the reading, the finger
bends. A hand round a torch, a cup or a sheet of paper has the object in its crop, so this script
asks whether appearance adds to it: a square crop around each labelled hand (``--scale`` hand
sizes, 96 x 96) goes through the COCO-pretrained YOLOv5n backbone the attire cue already ships
(``weights/attire_backbone.onnx``, ``people/uniform.py``: channel means and maxima of three maps,
896 numbers), those are reduced to ``--components`` principal components (fitted inside each
training fold), appended to the 30 features, and the same L2 logistic regression is
scored out of fold on the same folds as ``scripts/measure_posed_score.py`` (grouped by website and
selfie session).

2026-12-03 (Intel Xeon, 2 cores; ``bench/posed_appearance.json``): the ranking improves with a
wide crop (AUC on the group photos 0.929 -> 0.95 at 4 hand sizes), but at the rules' operating
point (90% of the posed hands kept) the non-posed hands let through go only from 56 to 50-55 and
the holding hands from 23 to 26-27, so it is not shipped (a backbone run costs ~1 ms a hand; the
cost is a stage between the hand search and linking, not time); see docs/hands.md. Never reads
../shared/fieldset.

    .venv/bin/python scripts/measure_posed_appearance.py --cache /tmp/lead-sg \\
        --out bench/posed_appearance.json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from gesture_scan.people.uniform import load_backbone, resize_crop
from gesture_scan.results import Hand

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from measure_posed_score import (  # noqa: E402
    LABELS,
    RULE_RECALL,
    Extra,
    _cut,
    auc,
    group_folds,
    linked_photos,
    out_of_fold,
    photo_outcomes,
    site_of,
)
from measure_sign_grading import cpu_name  # noqa: E402
from render_hand_sheets import square_around  # noqa: E402


def hand_crop(rgb: np.ndarray, box: np.ndarray, scale: float) -> np.ndarray:
    """The square of ``scale`` hand sizes around the hand, cut at the image edge, 96 x 96."""
    a, b, c, d = square_around(rgb.shape, box, scale)
    crop = rgb[b:d, a:c]
    if crop.size == 0:
        crop = np.zeros((8, 8, 3), np.uint8)
    return resize_crop(np.ascontiguousarray(crop))


def pca_columns(emb: np.ndarray, k: int) -> Extra:
    """``k`` principal components of the crops' pooled maps, fitted on each fold's training
    hands only."""

    def extra(tr: np.ndarray, te: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mu_e, sd_e = emb[tr].mean(axis=0), emb[tr].std(axis=0) + 1e-6
        _, _, vt = np.linalg.svd((emb[tr] - mu_e) / sd_e, full_matrices=False)
        return ((emb[tr] - mu_e) / sd_e) @ vt[:k].T, ((emb[te] - mu_e) / sd_e) @ vt[:k].T

    return extra


def summary(
    score_all: np.ndarray,
    labelled: np.ndarray,
    y: np.ndarray,
    kinds: np.ndarray,
    group_photo: np.ndarray,
    records: list[tuple[str, Any, tuple[Hand, ...]]],
) -> dict:
    """The labelled hands' figures at the 90%-recall cut, and what the rules make of every
    photo with these out-of-fold scores as ``posed`` at that cut."""
    score = score_all[labelled]
    cut = _cut(score, y, RULE_RECALL)
    keep = score >= cut
    photos = photo_outcomes(records, score_all, cut)
    table = photos["by_posed_gesture"]
    return {
        "auc": round(auc(score, y), 3),
        "auc_group_photos": round(auc(score[group_photo], y[group_photo]), 3),
        "cut_at_90pct_posed_recall": round(cut, 4),
        "not_posed_let_through": int((keep & (y == 0)).sum()),
        "holding_let_through": int((keep & (kinds == "holding")).sum()),
        "photos_sign_free": table.get("no", {}).get("learned"),
        "photos_posed": table.get("yes", {}).get("learned"),
        "selfie_hands_posed": photos["selfies"]["posed_learned"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, required=True, help="measure_sign_grading's --cache")
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--l2", type=float, default=20.0, help="as measure_posed_score's default")
    ap.add_argument("--scale", type=float, action="append", help="crop side in hand sizes")
    ap.add_argument("--components", type=int, action="append", help="principal components kept")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "posed_appearance.json")
    args = ap.parse_args()
    scales = args.scale or [1.5, 2.5, 4.0]
    comps = args.components or [16, 32, 64]
    eye = {r["hand"]: r["label"] for r in csv.DictReader(args.labels.open(encoding="utf-8"))}
    sites = site_of(args.shared)
    backbone = load_backbone()
    # Every hand is cropped and scored (the rules need a score for each); folds are drawn over
    # every hand's group, as measure_posed_score does, so both scripts score a hand with the
    # same fold.
    photos = linked_photos(args.cache, sites)
    records = [(p.set_name, p.record, p.hands) for p in photos]
    groups, kinds_all, feats = [], [], []
    crops: dict[float, list[np.ndarray]] = {s: [] for s in scales}
    for photo in photos:
        bgr = cv2.imread(str(photo.record.path))
        if bgr is None:
            print(f"error: cannot read {photo.record.path}", file=sys.stderr)
            return 2
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        for h, hand_id, x in zip(photo.hands, photo.hand_ids(), photo.features()):
            groups.append(photo.group)
            kinds_all.append(eye.get(hand_id, "unclear"))
            feats.append(x)
            for s in scales:
                crops[s].append(hand_crop(rgb, h.box, s))
    labelled = np.array([k != "unclear" for k in kinds_all])
    if not labelled.any():
        print(f"error: no labelled hands matched ({args.labels})", file=sys.stderr)
        return 2
    kinds = np.array(kinds_all)[labelled]
    x = np.array(feats)
    y = (kinds == "posed").astype(np.float64)
    fold = group_folds(groups, 5)
    group_photo = np.array([g.startswith("attire") for g in groups])[labelled]

    def result(extra: Extra | None) -> dict:
        score = out_of_fold(x, y, labelled, fold, args.l2, extra)
        return summary(score, labelled, y, kinds, group_photo, records)

    results: dict[str, Any] = {"geometry_only": result(None)}
    timing: dict[str, float] = {}
    for s in scales:
        t0 = time.perf_counter()
        emb = np.concatenate(
            [backbone.pooled(np.stack(crops[s][i : i + 64])) for i in range(0, len(x), 64)]
        )
        timing[str(s)] = (time.perf_counter() - t0) / len(x) * 1000
        for k in comps:
            results[f"crop_{s}_hand_sizes_pca_{k}"] = result(pca_columns(emb, k))
    report = {
        "what": "posed or not, per labelled hand, out of fold (5 folds grouped by website / "
        "selfie session): the 30 features of hands/posed.py alone, and with principal "
        "components of the attire backbone's pooled maps of a crop around the hand",
        "date": dt.date.today().isoformat(),
        "machine": f"{cpu_name()}, {platform.system()}",
        "labels": str(args.labels.relative_to(ROOT))
        if args.labels.is_relative_to(ROOT)
        else str(args.labels),
        "hands": len(y),
        "posed": int(y.sum()),
        "hands_scored": len(x),
        "l2": args.l2,
        "backbone_ms_per_hand": {k: round(v, 2) for k, v in timing.items()},
        "results": results,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for k, v in results.items():
        print(f"{k:32s} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
