"""Would a learned posed score beat the hand-written one? Measured on hands labelled by eye.

Issue 20 asks for the per-hand ``posed`` score to be learned where that can be shown on real
data. ``scripts/data/hand_posed_labels.csv`` holds a label by eye for every hand the scan finds in
the 329 Indonesian photos of ``../shared/train/attire/photos`` and the 260 webcam selfies of
``../shared/train/hands`` (``scripts/render_hand_sheets.py`` drew the sheets): posed (held up to
show a gesture), holding, resting, face, not_hand, unclear. Here both scores are compared on the
binary question "posed or not" (unclear left out):

- ``heuristic``: ``hands/people.py``'s ``posed`` (geometry: height over the person's shoulder
  line, a hand over a face, a grip shape, two grip hands held together);
- ``learned``: a logistic regression on the same geometry as features (the height, the face
  overlap, the shape, the hand's size against its face, where the fingers point, the reading's
  confidence, how each finger is bent...), L2-regularised, fitted by Newton's method in numpy
  (30 features: scikit-learn would add a 40 MB dependency for a dot product), scored out of
  fold: 5 folds grouped by website (attire) and by recording session (selfies), so no site is
  scored by a model that saw it.

Reports ROC AUC, average precision and, at the hand-written score's cut (0.35) and at the
learned score's threshold giving the same recall, the share of non-posed hands let through. Never
reads ../shared/fieldset.

    .venv/bin/python scripts/measure_posed_score.py --cache /tmp/lead-sg \\
        --out bench/posed_score.json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import platform
import sys
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from gesture_scan.config import LinkOptions
from gesture_scan.hands import posed
from gesture_scan.hands.people import held_together, link_and_score
from gesture_scan.results import Hand
from gesture_scan.rules import RuleEngine, load_profile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from measure_sign_grading import add_to_table, table_counts  # noqa: E402
from render_hand_sheets import load  # noqa: E402

LABELS = ROOT / "scripts" / "data" / "hand_posed_labels.csv"


def features(hand: Hand, person: int | None, faces: np.ndarray, together: bool) -> list[float]:
    """The shipped model's features (``hands/posed.py``), the height guessed from the face."""
    return [float(v) for v in posed.features(hand, person, faces, together, LinkOptions())]


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 50) -> np.ndarray:
    """Weights (bias first) of an L2-regularised logistic regression, by Newton's method."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2)
    reg[0] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def standardiser(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and spreads, ignoring a feature a hand lacks (NaN: the presence score of a
    record cached before it was kept)."""
    return np.nanmean(x, axis=0), np.nanstd(x, axis=0) + 1e-6


def filled(x: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """NaN features replaced by the mean, as ``posed.PosedModel`` does at run time."""
    return np.where(np.isnan(x), mu, x)


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(w[0] + x @ w[1:])))


#: More feature columns for a fold's training and scored hands, fitted on the training ones.
Extra = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def out_of_fold(
    x: np.ndarray,
    y: np.ndarray,
    labelled: np.ndarray,
    fold: np.ndarray,
    l2: float,
    extra: Optional[Extra] = None,
) -> np.ndarray:
    """P(posed) of every hand (labelled or not: the rules need a score for each) from a model
    fitted on the labelled hands of the other folds; ``y`` is the labelled hands' only, and
    ``extra(train, scored)`` (boolean masks) adds columns such as measure_posed_appearance's."""
    out = np.zeros(len(x))
    y_all = np.zeros(len(x))
    y_all[labelled] = y
    for f in np.unique(fold):
        tr, te = (fold != f) & labelled, fold == f
        xtr, xte = x[tr], x[te]
        if extra is not None:
            etr, ete = extra(tr, te)
            xtr, xte = np.hstack([xtr, etr]), np.hstack([xte, ete])
        mu, sd = standardiser(xtr)
        w = fit_logistic((filled(xtr, mu) - mu) / sd, y_all[tr], l2)
        out[te] = predict(w, (filled(xte, mu) - mu) / sd)
    return out


def auc(score: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    for v in np.unique(score):  # ties share their mean rank
        tie = score == v
        ranks[tie] = ranks[tie].mean()
    pos = y == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def average_precision(score: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(-score, kind="stable")
    hits = y[order] == 1
    precision = np.cumsum(hits) / np.arange(1, len(y) + 1)
    return float(precision[hits].mean())


def at_threshold(score: np.ndarray, y: np.ndarray, t: float) -> dict[str, Any]:
    keep = score >= t
    pos = y == 1
    return {
        "threshold": round(float(t), 4),
        "posed_kept": int((keep & pos).sum()),
        "posed": int(pos.sum()),
        "recall": round(float((keep & pos).sum() / max(pos.sum(), 1)), 3),
        "not_posed_kept": int((keep & ~pos).sum()),
        "not_posed": int((~pos).sum()),
        "false_pass_rate": round(float((keep & ~pos).sum() / max((~pos).sum(), 1)), 3),
    }


#: The posed recall the learned score's cut keeps, out of fold, on the labelled hands: issue 20's
#: "signs still found in 90% of sign photos", as a hand-level floor. (A first run cut at 95%, 0.18;
#: 90% was chosen after that run's photo outcomes were seen, so the photo figures are in-sample
#: for the cut, though each hand is scored by a model that never saw its website.)
RULE_RECALL = 0.90
#: The hand-written score's cut, as it shipped before the learned score.
HAND_WRITTEN_CUT = 0.35


def photo_outcomes(
    records: list[tuple[str, Any, tuple[Hand, ...]]], learned: np.ndarray, threshold: float
) -> dict[str, Any]:
    """The rules on every photo with each score as ``posed`` (and its threshold): attire photos by
    the eye's posed-gesture label of ``bench/sign_grading_labels.csv`` (unlisted: no), and the
    selfies' hands still posed (every selfie hand poses a finger count)."""
    profile = load_profile("pilpres-2024")
    # The hand-written score with the cut it shipped with (0.35: 98% of the labelled posed hands).
    heuristic_rules = RuleEngine(
        replace(profile, thresholds=replace(profile.thresholds, min_posed_score=HAND_WRITTEN_CUT))
    )
    learned_rules = RuleEngine(
        replace(profile, thresholds=replace(profile.thresholds, min_posed_score=threshold))
    )
    with (ROOT / "bench" / "sign_grading_labels.csv").open(newline="") as f:
        eye = {row["photo"]: row["posed_gesture"] for row in csv.DictReader(f)}
    table: dict[str, dict[str, Counter[str]]] = {}
    selfies = {"hands_score_0.6_or_more": 0, "posed_heuristic": 0, "posed_learned": 0}
    changed = []
    k = 0
    for name, r, hands in records:
        scores = learned[k : k + len(hands)]
        k += len(hands)
        swapped = tuple(replace(h, posed=round(float(v), 4)) for h, v in zip(hands, scores))
        if name == "selfies":
            sure = [(h, s) for h, s in zip(hands, swapped) if h.score >= 0.6]
            selfies["hands_score_0.6_or_more"] += len(sure)
            t_h = HAND_WRITTEN_CUT
            selfies["posed_heuristic"] += sum((a.posed or 0) >= t_h for a, _ in sure)
            selfies["posed_learned"] += sum((b.posed or 0) >= threshold for _, b in sure)
            continue
        stem = Path(str(r.path)).stem
        label = eye.get(stem, "no")
        a = heuristic_rules.apply(replace(r, hands=hands)).severity or "none"
        b = learned_rules.apply(replace(r, hands=swapped)).severity or "none"
        add_to_table(table, label, r.people >= 2, {"heuristic": a, "learned": b})
        if a != b:
            changed.append({"photo": stem, "posed_gesture": label, "heuristic": a, "learned": b})
    return {
        "learned_threshold": round(threshold, 4),
        "by_posed_gesture": table_counts(table),
        "selfies": selfies,
        "changed": changed,
    }


def _cut(score: np.ndarray, y: np.ndarray, recall: float) -> float:
    """The highest threshold that keeps at least ``recall`` of the posed hands."""
    pos = np.sort(score[y == 1])[::-1]
    return float(pos[max(int(np.ceil(recall * len(pos))) - 1, 0)])


def group_folds(groups: list[str], folds: int) -> np.ndarray:
    """Each item's fold: whole groups (a website, a selfie session) go to one fold, in a seeded
    order, so no group is scored by a model that saw it."""
    uniq = sorted(set(groups))
    order = np.random.default_rng(0).permutation(len(uniq))
    fold_of = {uniq[j]: k % folds for k, j in enumerate(order)}
    return np.array([fold_of[g] for g in groups])


@dataclass(frozen=True)
class LinkedPhoto:
    """A cached photo with hands, linked with the hand-written score (the baseline to compare);
    ``group`` is its fold group: the website (attire) or the recording session (selfies)."""

    set_name: str
    stem: str
    record: Any
    faces: np.ndarray
    hands: tuple[Hand, ...]
    together: tuple[bool, ...]
    group: str

    def hand_ids(self) -> list[str]:
        """The hands' keys in ``scripts/data/hand_posed_labels.csv``."""
        return [f"{self.set_name}/{self.stem}#{i}" for i in range(len(self.hands))]

    def features(self) -> list[list[float]]:
        return [features(h, h.person, self.faces, t) for h, t in zip(self.hands, self.together)]


def linked_photos(cache: Path, sites: dict[str, str]) -> list[LinkedPhoto]:
    """Every cached photo with hands, attire then selfies, in cache order."""
    link = LinkOptions(learned_posed=False)
    out = []
    for name in ("attire", "selfies"):
        for r in load(cache / f"{name}.pkl"):
            faces = np.asarray(r.faces.xyxy, dtype=np.float64).reshape(-1, 4)
            linked = link_and_score(r.hands, faces, link)
            together = held_together(linked, [h.person for h in linked])
            stem = Path(str(r.path)).stem
            group = sites.get(stem, stem) if name == "attire" else stem.split("_pic")[0]
            out.append(LinkedPhoto(name, stem, r, faces, linked, together, f"{name}:{group}"))
    return out


def site_of(shared: Path) -> dict[str, str]:
    rows = csv.DictReader((shared / "train" / "attire" / "photos.csv").open(encoding="utf-8"))
    return {Path(r["photo"]).stem: r["source_repo"] for r in rows}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, required=True, help="measure_sign_grading's --cache")
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--folds", type=int, default=5)
    # 20: with the finger-bend features (2026-12-03) the out-of-fold AUC was 0.958 / 0.960 /
    # 0.960 / 0.959 at 1 / 5 / 20 / 50, and 20 let the fewest non-posed hands through at 90%.
    ap.add_argument("--l2", type=float, default=20.0)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "posed_score.json")
    ap.add_argument(
        "--write-weights",
        type=Path,
        help="also write the model fitted on every labelled hand here (weights/posed_score.json)",
    )
    args = ap.parse_args()
    eye = {r["hand"]: r for r in csv.DictReader(args.labels.open(encoding="utf-8"))}
    sites = site_of(args.shared)
    link = LinkOptions(learned_posed=False)  # the hand-written score, to compare
    # Every hand of every photo (labelled or not: the rules below need a score for each).
    photos = linked_photos(args.cache, sites)
    records = [(p.set_name, p.record, p.hands) for p in photos]
    all_x_arr = np.array([x for p in photos for x in p.features()])
    all_groups = [p.group for p in photos for _ in p.hands]
    all_ids = [i for p in photos for i in p.hand_ids()]
    heur_all = np.array(
        [
            float(h.posed if h.posed is not None else link.unlinked_raised)
            for _, _, hands in records
            for h in hands
        ]
    )
    labelled = np.array([eye.get(i, {}).get("label") not in (None, "unclear") for i in all_ids])
    kinds = [eye[i]["label"] for i, m in zip(all_ids, labelled) if m]
    x = all_x_arr[labelled]
    y = np.array([1.0 if k == "posed" else 0.0 for k in kinds])
    h_score = heur_all[labelled]
    groups = [g for g, m in zip(all_groups, labelled) if m]
    ids = [i for i, m in zip(all_ids, labelled) if m]
    if not len(x):
        print(f"error: no labelled hands matched ({args.labels})", file=sys.stderr)
        return 2
    # Folds by group, assigned in a seeded order, so each fold's sites are unseen in training;
    # an unlabelled hand is scored by the model of its group's fold as well.
    uniq = sorted(set(all_groups))
    fold_all = group_folds(all_groups, args.folds)
    learned_all = out_of_fold(all_x_arr, y, labelled, fold_all, args.l2)
    learned = learned_all[labelled]
    mu, sd = standardiser(x)
    w_all = fit_logistic((filled(x, mu) - mu) / sd, y, args.l2)
    cut = _cut(learned, y, RULE_RECALL)
    if args.write_weights:
        model = posed.PosedModel(
            mu,
            sd,
            float(w_all[0]),
            w_all[1:],
            {
                "what": "P(posed): a hand held up to show a gesture, not resting or holding",
                "trained": dt.date.today().isoformat(),
                "script": "scripts/measure_posed_score.py",
                "labels": "scripts/data/hand_posed_labels.csv",
                "hands": len(y),
                "posed": int(y.sum()),
                "data": "../shared/train/attire/photos (SOURCES.md there) and the webcam selfies "
                "of ../shared/train/hands (HandsDataset, SOURCES.md there)",
                "auc_out_of_fold": round(auc(learned, y), 3),
                "cut_at_posed_recall": {"recall": RULE_RECALL, "cut": round(cut, 4)},
            },
        )
        args.write_weights.write_text(json.dumps(model.to_dict(), indent=1) + "\n", "utf-8")
    base = at_threshold(h_score, y, HAND_WRITTEN_CUT)
    # The learned threshold that keeps at least as many posed hands as the heuristic does.
    need = base["posed_kept"]
    t_learned = float(np.sort(learned[y == 1])[::-1][max(need - 1, 0)])
    by_set = {}
    for name in ("attire", "selfies"):
        m = np.array([g.startswith(name) for g in groups])
        if m.any() and 0 < y[m].sum() < m.sum():
            by_set[name] = {
                "hands": int(m.sum()),
                "posed": int(y[m].sum()),
                "auc_heuristic": round(auc(h_score[m], y[m]), 3),
                "auc_learned": round(auc(learned[m], y[m]), 3),
            }
    report = {
        "what": "posed or not, per hand, on hands labelled by eye: the hand-written posed score "
        "(hands/people.py) against a logistic regression on the same geometry, out of fold "
        f"({args.folds} folds grouped by website / selfie session)",
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.processor() or platform.machine()}, {platform.system()}",
        "labels": str(args.labels.relative_to(ROOT))
        if args.labels.is_relative_to(ROOT)
        else str(args.labels),
        "label_counts": {k: kinds.count(k) for k in sorted(set(kinds))},
        "hands": len(y),
        "posed": int(y.sum()),
        "groups": len(uniq),
        "auc": {"heuristic": round(auc(h_score, y), 3), "learned": round(auc(learned, y), 3)},
        "average_precision": {
            "heuristic": round(average_precision(h_score, y), 3),
            "learned": round(average_precision(learned, y), 3),
        },
        "heuristic_at_min_posed_score": base,
        "learned_at_the_same_recall": at_threshold(learned, y, t_learned),
        # Where a stricter cut would sit: non-posed hands let through at a given posed recall.
        "at_recall": {
            str(r): {
                "heuristic": at_threshold(h_score, y, _cut(h_score, y, r)),
                "learned": at_threshold(learned, y, _cut(learned, y, r)),
            }
            for r in (0.8, 0.9, 0.95)
        },
        "by_set": by_set,
        "weights_all_data": {
            "features": list(posed.FEATURES),
            "mean": [round(float(v), 5) for v in mu],
            "std": [round(float(v), 5) for v in sd],
            "bias": round(float(w_all[0]), 5),
            "coef": [round(float(v), 5) for v in w_all[1:]],
        },
        "photos": photo_outcomes(records, learned_all, cut),
        "out_of_fold": {i: round(float(v), 4) for i, v in zip(ids, learned)},
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    a, ap_ = report["auc"], report["average_precision"]
    print(
        f"{len(y)} hands ({int(y.sum())} posed), {len(uniq)} groups; AUC heuristic "
        f"{a['heuristic']} learned {a['learned']}; AP {ap_['heuristic']} / {ap_['learned']}"
    )
    print("heuristic @", base)
    print("learned   @", report["learned_at_the_same_recall"])
    print("by set", by_set)
    print(json.dumps(report["photos"], indent=1))
    for r, v in report["at_recall"].items():
        h, lr = v["heuristic"], v["learned"]
        print(f"recall {r}: not posed let through {h['not_posed_kept']} / {lr['not_posed_kept']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
