"""Train the finger-count MLP on the training split; compare it with the rules on held-out photos.

Writes ``weights/finger_count.npz`` only when rules+model beat the rules alone on the held-out split
(mean over sources of the count accuracy of the most confident hand), unless ``--force``.
Seeded; plain numpy (Adam, cross-entropy, L2), a minute on a laptop.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.append(
    str(Path(__file__).resolve().parents[1] / "src")
)  # gesture_scan_devkit: not installed

from gesture_scan.detections import box_iou
from gesture_scan.hands.classifier import WEIGHTS_NAME, CountClassifier, feature_vector
from gesture_scan.hands.fingers import extension_probabilities, hand_features
from gesture_scan_devkit.handset import load_handset


def dataset(cache: Path):  # type: ignore[no-untyped-def]
    """Every cached hand that can be matched to a label (one per photo, or per box for hands_)."""
    d = np.load(cache)
    photos = {p.file: p for p in load_handset()}
    best: dict[str, int] = {}
    for i, f in enumerate(d["files"]):
        f = str(f)
        if f not in best or d["detection_score"][i] > d["detection_score"][best[f]]:
            best[f] = i
    rows = []
    for i, f in enumerate(d["files"]):
        p = photos[str(f)]
        lm = d["landmarks"][i]
        label = p.fingers
        if p.boxes:
            box = np.r_[lm[:, :2].min(0), lm[:, :2].max(0)]
            ious = [box_iou(box, b.xyxy)[0, 0] for b in p.boxes]
            j = int(np.argmax(ious))
            label = p.boxes[j].fingers if ious[j] > 0.1 else None
        elif best[str(f)] != i:
            continue  # an extra hand in a one-label photo: its label is unknown
        if label is None:
            continue
        feats = hand_features(lm)
        probs = extension_probabilities(feats)
        rows.append(
            (p, best[str(f)] == i, feature_vector(lm, feats, probs), probs, label, lm, feats)
        )
    return rows


def train(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    hidden: int,
    epochs: int,
    seed: int,
    l2: float = 1e-3,
) -> CountClassifier:
    rng = np.random.default_rng(seed)
    mean, std = x.mean(0), x.std(0) + 1e-6
    xn = (x - mean) / std
    n, k = xn.shape
    params = {
        "w1": rng.normal(0, np.sqrt(2 / k), (k, hidden)),
        "b1": np.zeros(hidden),
        "w2": rng.normal(0, np.sqrt(1 / hidden), (hidden, 6)),
        "b2": np.zeros(6),
    }
    m = {key: np.zeros_like(v) for key, v in params.items()}
    v2 = {key: np.zeros_like(v) for key, v in params.items()}
    onehot = np.eye(6)[y]
    lr, b1, b2, step = 3e-3, 0.9, 0.999, 0
    for _ in range(epochs):
        for idx in np.array_split(rng.permutation(n), max(1, n // 64)):
            step += 1
            xb, yb, wb = xn[idx], onehot[idx], w[idx][:, None]
            h_pre = xb @ params["w1"] + params["b1"]
            h = np.maximum(h_pre, 0)
            z = h @ params["w2"] + params["b2"]
            z -= z.max(1, keepdims=True)
            pr = np.exp(z)
            pr /= pr.sum(1, keepdims=True)
            dz = (pr - yb) * wb / wb.sum()
            grads = {"w2": h.T @ dz + l2 * params["w2"], "b2": dz.sum(0)}
            dh = (dz @ params["w2"].T) * (h_pre > 0)
            grads["w1"] = xb.T @ dh + l2 * params["w1"]
            grads["b1"] = dh.sum(0)
            for key in params:
                m[key] = b1 * m[key] + (1 - b1) * grads[key]
                v2[key] = b2 * v2[key] + (1 - b2) * grads[key] ** 2
                mh = m[key] / (1 - b1**step)
                vh = v2[key] / (1 - b2**step)
                params[key] -= lr * mh / (np.sqrt(vh) + 1e-8)
    return CountClassifier(
        mean.astype(np.float32),
        std.astype(np.float32),
        *(params[key].astype(np.float32) for key in ("w1", "b1", "w2", "b2")),
    )


def evaluate(rows, clf):  # type: ignore[no-untyped-def]
    per = defaultdict(list)
    for p, is_best, _x, probs, label, lm, feats in rows:
        if not is_best:
            continue
        if clf is not None:
            probs = clf.refine(lm, None, feats, probs)
        per[p.source].append(int((probs >= 0.5).sum()) == label)
    return {k: round(float(np.mean(v)), 4) for k, v in sorted(per.items())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cache", type=Path, default=Path("data/handset_landmarks.npz"))
    ap.add_argument("--out", type=Path, default=Path("weights") / WEIGHTS_NAME)
    ap.add_argument("--epochs", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    rows = dataset(args.cache)
    train_rows = [r for r in rows if not r[0].heldout]
    test_rows = [r for r in rows if r[0].heldout]
    rules = (evaluate(train_rows, None), evaluate(test_rows, None))
    print("rules only      train", rules[0], "held-out", rules[1])

    def fit(rows, hidden, l2):  # type: ignore[no-untyped-def]
        x = np.stack([r[2] for r in rows])
        y = np.array([r[4] for r in rows])
        # Weight sources equally: 1,345 close-ups should not decide alone.
        src = np.array([r[0].source for r in rows])
        w = np.array([1.0 / (src == s).sum() for s in src]) * len(src) / 3
        return train(x, y, w, hidden, args.epochs, args.seed, l2)

    # Model size, regularisation and the confidence gate are chosen by 5-fold cross-validation
    # inside the training split; the held-out split is looked at once, at the end.
    folds = np.arange(len(train_rows)) % 5
    np.random.default_rng(args.seed).shuffle(folds)
    cv: dict[tuple[int, float, float], list[float]] = defaultdict(list)
    for hidden in (16, 32):
        for l2 in (1e-3, 1e-2, 3e-2):
            for k in range(5):
                fit_rows = [r for r, f in zip(train_rows, folds) if f != k]
                val_rows = [r for r, f in zip(train_rows, folds) if f == k]
                clf = fit(fit_rows, hidden, l2)
                for gate in (0.6, 0.7, 0.8, 0.9):
                    clf.min_confidence = gate
                    cv[(hidden, l2, gate)].append(np.mean(list(evaluate(val_rows, clf).values())))
    base_cv = []
    for k in range(5):
        val_rows = [r for r, f in zip(train_rows, folds) if f == k]
        base_cv.append(np.mean(list(evaluate(val_rows, None).values())))
    hidden, l2, gate = max(cv, key=lambda key: np.mean(cv[key]))
    print(
        f"cross-validation: rules {np.mean(base_cv):.4f}; best hidden={hidden} l2={l2} "
        f"gate={gate}: {np.mean(cv[(hidden, l2, gate)]):.4f}"
    )
    clf = fit(train_rows, hidden, l2)
    clf.min_confidence = gate
    tr, te = evaluate(train_rows, clf), evaluate(test_rows, clf)
    print("rules+model     train", tr, "held-out", te)
    better = np.mean(list(te.values())) > np.mean(list(rules[1].values()))
    clf.meta = {
        "heldout_rules": rules[1],
        "heldout_model": te,
        "train_model": tr,
        "cv_rules": float(np.mean(base_cv)),
        "cv_model": float(np.mean(cv[(hidden, l2, gate)])),
        "min_confidence": gate,
        "seed": args.seed,
        "hidden": hidden,
        "l2": l2,
    }
    print(f"held-out {te} vs rules {rules[1]} -> {'ship' if better else 'do not ship'}")
    if better or args.force:
        clf.save(args.out)
        print("wrote", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
