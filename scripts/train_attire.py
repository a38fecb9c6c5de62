"""Train and measure the learned attire head on the real torso crops in ../shared/train/attire.

Every crop in labels.csv is re-cut from its source photo with the scan's own torso geometry from the
MediaPipe face box stored with it, through the same code a scan runs (``torso_input`` and
``learned_features`` in ``gesture_scan.people.attire``), so training sees what a scan sees.

Validation is by **source repository** (website) and fully nested: each of the 32 sites is held out
in turn (outer leave-one-site-out); inside the other 31 sites, a grouped 4-fold split by site gives
inner held-out scores, and the temperature, the civil-servant calibration and the threshold for
that outer site are fit on those inner scores only. The head trained on all 31 sites then scores
the held-out site at that threshold. So the published figures never saw the site they are measured
on, neither in the weights nor in the operating point. The colour rule of ``attire.py``
(``method="rule"``) is measured on the same crops (it learns nothing, so every crop is held out for
it). The threshold aims at ``TARGET_FPR`` false cues on everyone not in a civil-servant uniform,
a precision choice (a false "civil servant" hurts an innocent person more than a missed one hurts
a complaint). The shipped head is then fit on every crop, with the temperature, calibration and
threshold fit the same way on the leave-one-site-out scores of all 32 sites.

The photos carry no licence grant: they are read from ../shared only, never copied into the
repository; only the head's weights (weights/attire_head.npz, a few kB) and the figures are.

  nice -n 10 .venv/bin/python scripts/train_attire.py            # features cached in build/
  .venv/bin/python scripts/train_attire.py --no-write            # measure only
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

# One BLAS thread: the fits are small (1,600 x 901), and on a shared 2-core machine a second
# thread only contends (measured: 3x slower with two threads under load). Set before numpy loads,
# and only when run as a script (a test importing this module keeps its process's settings).
if __name__ == "__main__":
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import cv2
import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gesture_scan.people.attire import (  # noqa: E402
    AttireCue,
    AttireOptions,
    _rule_cue,
    learned_features,
    torso_input,
    white_balance_gains,
)
from gesture_scan.people.uniform import (  # noqa: E402
    BACKBONE_FILE,
    CIVIL_SERVANT_CLASSES,
    CLASSES,
    FEATURES_VERSION,
    UniformHead,
    calibrate,
    load_backbone,
    weights_file,
)

DATA = ROOT.parent / "shared" / "train" / "attire"
CACHE = ROOT / "build" / "attire_features.npz"
#: False-cue rate on everyone not in a civil-servant uniform that the threshold aims at, on
#: held-out scores (the issue's target is at most 5%, its goal 2%). Nested, 0.02 cued 44% of the
#: uniforms at 2.0% and 0.04 cued 53% at 4.1% (precision 0.80): only the latter meets the
#: target's recall, so the head ships there, with a margin under 5%.
TARGET_FPR = 0.04
#: Operating points reported besides the shipped one (nested, like it).
OTHER_TARGETS = (0.02, 0.03)
#: Inner folds (grouped by site) inside each outer training set of the nested validation.
INNER_FOLDS = 4
#: One site may not dominate a class: a (site, class) group weighs at most this many crops.
CAP = 25
#: L2 penalty on the standardised features (0.1-0.3 measured alike on held-out sites).
L2 = 0.2


def load_rows() -> tuple[list[dict[str, str]], dict[str, str]]:
    with open(DATA / "photos.csv", newline="") as f:
        repo = {r["photo"]: r["source_repo"] for r in csv.DictReader(f)}
    with open(DATA / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return rows, repo


def extract(rows: list[dict[str, str]], options: AttireOptions) -> dict[str, np.ndarray]:
    """Features (crop and mirror image), the rule's verdict and the per-person cost, per crop."""
    load_backbone()  # the first call loads the ONNX session: not part of a person's cost
    by_photo: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_photo[r["photo"]].append(i)
    out_f: dict[int, np.ndarray] = {}
    out_rule: dict[int, bool] = {}
    costs = []
    for photo, idx in by_photo.items():
        bgr = cv2.imread(str(DATA / "photos" / photo), cv2.IMREAD_COLOR)
        rgb = np.ascontiguousarray(bgr[..., ::-1])
        gains = white_balance_gains(rgb, options)
        for i in idx:
            x, y, w, h = (float(v) for v in rows[i]["face_box"].split(","))
            face = np.array([x, y, x + w, y + h])
            t0, c0 = time.perf_counter(), time.thread_time()
            t = torso_input(rgb, face, gains, options)
            if isinstance(t, AttireCue):
                continue
            out_f[i] = learned_features(t, options)
            # wall time and this thread's CPU time (onnxruntime runs on the calling thread
            # with one intra-op thread): on a shared machine the CPU time is the cost on one core
            costs.append((time.perf_counter() - t0, time.thread_time() - c0))
            out_rule[i] = _rule_cue(t, options).label is not None
    shape = next(iter(out_f.values())).shape
    X = np.stack([out_f.get(i, np.zeros(shape, np.float32)) for i in range(len(rows))])
    return {
        "X": X[:, 0],
        "XF": X[:, 1],
        "rule": np.array([out_rule.get(i, False) for i in range(len(rows))]),
        "ok": np.array([i in out_f for i in range(len(rows))]),
        "cost": np.array(costs),
    }


# ---------------------------------------------------------------------------------------------
# the head: L2-regularised softmax regression, weighted, fit with L-BFGS (scipy: training only)


def sample_weights(y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Balanced classes, and no site weighing more than ``CAP`` crops within a class."""
    w = np.ones(len(y))
    counts = Counter(zip(groups.tolist(), y.tolist()))
    for i, key in enumerate(zip(groups.tolist(), y.tolist())):
        w[i] = min(1.0, CAP / counts[key])
    per_class = np.array([w[y == c].sum() for c in range(len(CLASSES))])
    present = per_class > 0
    target = w.sum() / present.sum()
    for c in np.flatnonzero(present):
        w[y == c] *= target / per_class[c]
    return w / w.mean()


def fit(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    mean = X.mean(0)
    scale = X.std(0) + 1e-3
    Z = (X - mean) / scale
    n, d = Z.shape
    k = len(CLASSES)
    Y = np.eye(k)[y]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        W = theta[: d * k].reshape(d, k)
        b = theta[d * k :]
        logits = Z @ W + b
        logits -= logits.max(1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
        p = np.exp(logp)
        nll = -(w[:, None] * Y * logp).sum() / n
        g = (w[:, None] * (p - Y)) / n
        gW = Z.T @ g + L2 * W
        gb = g.sum(0)
        return nll + 0.5 * L2 * (W * W).sum(), np.concatenate([gW.ravel(), gb])

    res = minimize(loss, np.zeros(d * k + k), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    W = res.x[: d * k].reshape(d, k)
    b = res.x[d * k :]
    return mean, scale, W, b


def logits_of(model: tuple[np.ndarray, ...], X: np.ndarray) -> np.ndarray:
    mean, scale, W, b = model
    return np.asarray(((X - mean) / scale) @ W + b)


def softmax(z: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = z / temperature
    z = z - z.max(1, keepdims=True)
    p = np.exp(z)
    return np.asarray(p / p.sum(1, keepdims=True))


CS = [CLASSES.index(c) for c in CIVIL_SERVANT_CLASSES]


def fit_temperature(z: np.ndarray, y: np.ndarray) -> float:
    """Temperature that minimises the held-out log loss (plain, unweighted: calibration is about
    the sites as they come)."""
    best, best_t = np.inf, 1.0
    for t in np.exp(np.linspace(np.log(0.3), np.log(5.0), 60)):
        p = softmax(z, t)
        nll = -np.log(p[np.arange(len(y)), y] + 1e-9).mean()
        if nll < best:
            best, best_t = nll, float(t)
    return best_t


def fit_platt(p: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """(slope, intercept) of a logistic fit of the truth on logit(p), plain log loss."""
    q = np.clip(p, 1e-6, 1 - 1e-6)
    x = np.log(q / (1 - q))
    t = target.astype(np.float64)

    def loss(ab: np.ndarray) -> tuple[float, np.ndarray]:
        s = 1.0 / (1.0 + np.exp(-(ab[0] * x + ab[1])))
        s = np.clip(s, 1e-9, 1 - 1e-9)
        nll = -(t * np.log(s) + (1 - t) * np.log(1 - s)).mean()
        g = s - t
        return float(nll), np.array([(g * x).mean(), g.mean()])

    res = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return float(res.x[0]), float(res.x[1])


def pick_threshold(p_cs: np.ndarray, is_cs: np.ndarray, fpr: float = TARGET_FPR) -> float:
    """Lowest threshold whose false-cue rate on non-civil-servants stays within ``fpr``."""
    neg = np.sort(p_cs[~is_cs])[::-1]
    allowed = int(np.floor(fpr * len(neg)))
    # above the (allowed+1)-th highest negative score
    t = float(neg[allowed]) + 1e-6 if allowed < len(neg) else 0.0
    return max(t, 0.3)


def loso(X: np.ndarray, XF: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Leave-one-site-out logits: trained on the other sites' crops and their mirror images,
    scored as a scan scores (logits of the crop and its mirror image averaged)."""
    z = np.zeros((len(y), len(CLASSES)))
    for s in sorted(set(groups.tolist())):
        test = groups == s
        tr = ~test
        Xtr = np.concatenate([X[tr], XF[tr]])
        ytr = np.concatenate([y[tr], y[tr]])
        gtr = np.concatenate([groups[tr], groups[tr]])
        model = fit(Xtr, ytr, sample_weights(ytr, gtr))
        z[test] = (logits_of(model, X[test]) + logits_of(model, XF[test])) / 2
    return z


def inner_folds(groups: np.ndarray, k: int) -> np.ndarray:
    """Sites dealt to ``k`` folds, largest first onto the lightest fold (deterministic)."""
    sites, counts = np.unique(groups, return_counts=True)
    load = np.zeros(k)
    fold_of: dict[str, int] = {}
    for i in np.argsort(-counts, kind="stable"):
        j = int(np.argmin(load))
        fold_of[str(sites[i])] = j
        load[j] += counts[i]
    return np.array([fold_of[str(s)] for s in groups])


def grouped_logits(
    X: np.ndarray, XF: np.ndarray, y: np.ndarray, groups: np.ndarray, folds: np.ndarray
) -> np.ndarray:
    """Held-out logits by fold (each fold's sites scored by a head fit on the other folds)."""
    z = np.zeros((len(y), len(CLASSES)))
    for f in sorted(set(folds.tolist())):
        test = folds == f
        tr = ~test
        ytr, gtr = np.concatenate([y[tr], y[tr]]), np.concatenate([groups[tr], groups[tr]])
        model = fit(np.concatenate([X[tr], XF[tr]]), ytr, sample_weights(ytr, gtr))
        z[test] = (logits_of(model, X[test]) + logits_of(model, XF[test])) / 2
    return z


def operating_point(
    z: np.ndarray, y: np.ndarray, targets: tuple[float, ...]
) -> tuple[float, tuple[float, float], dict[float, float]]:
    """Temperature, civil-servant calibration and a threshold per target false-cue rate, all fit
    on held-out logits ``z``."""
    temperature = fit_temperature(z, y)
    p = softmax(z, temperature)[:, CS].sum(1)
    is_cs = np.isin(y, CS)
    ab = fit_platt(p, is_cs)
    pc = calibrate(p, ab)
    return temperature, ab, {t: pick_threshold(pc, is_cs, t) for t in targets}


def nested(
    X: np.ndarray, XF: np.ndarray, y: np.ndarray, groups: np.ndarray, targets: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray, dict[float, np.ndarray]]:
    """Outer leave-one-site-out with the operating point fit inside the training sites.

    Returns the held-out logits, the held-out calibrated civil-servant probabilities and, per
    target, the threshold each crop was judged at (its site's, from the inner folds)."""
    z = np.zeros((len(y), len(CLASSES)))
    p_cs = np.zeros(len(y))
    thr = {t: np.zeros(len(y)) for t in targets}
    for s in sorted(set(groups.tolist())):
        test = groups == s
        tr = ~test
        zi = grouped_logits(X[tr], XF[tr], y[tr], groups[tr], inner_folds(groups[tr], INNER_FOLDS))
        temperature, ab, ts = operating_point(zi, y[tr], targets)
        ytr, gtr = np.concatenate([y[tr], y[tr]]), np.concatenate([groups[tr], groups[tr]])
        model = fit(np.concatenate([X[tr], XF[tr]]), ytr, sample_weights(ytr, gtr))
        z[test] = (logits_of(model, X[test]) + logits_of(model, XF[test])) / 2
        p_cs[test] = calibrate(softmax(z[test], temperature)[:, CS].sum(1), ab)
        for t in targets:
            thr[t][test] = ts[t]
    return z, p_cs, thr


# ---------------------------------------------------------------------------------------------
# figures


def report(pred_cs: np.ndarray, cls: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Civil-servant cue figures plus per-class precision/recall and the confusion matrix."""
    is_cs = np.isin(y, CS)
    tp = int((pred_cs & is_cs).sum())
    fp = int((pred_cs & ~is_cs).sum())
    out: dict[str, Any] = {
        "civil_servant": {
            "people_in_uniform": int(is_cs.sum()),
            "cued": tp,
            "recall": round(tp / max(1, is_cs.sum()), 3),
            "everyone_else": int((~is_cs).sum()),
            "false_cues": fp,
            "false_cue_rate": round(fp / max(1, (~is_cs).sum()), 3),
            "precision": round(tp / max(1, tp + fp), 3),
        },
        "cued_by_class": {
            CLASSES[c]: f"{int((pred_cs & (y == c)).sum())}/{int((y == c).sum())}"
            for c in range(len(CLASSES))
        },
    }
    if cls is not None:
        per = {}
        for c in range(len(CLASSES)):
            tpc = int(((cls == c) & (y == c)).sum())
            per[CLASSES[c]] = {
                "n": int((y == c).sum()),
                "precision": round(tpc / max(1, int((cls == c).sum())), 3),
                "recall": round(tpc / max(1, int((y == c).sum())), 3),
            }
        out["per_class"] = per
        out["confusion"] = {
            "rows_truth_cols_predicted": list(CLASSES),
            "matrix": [
                [int(((y == a) & (cls == b)).sum()) for b in range(len(CLASSES))]
                for a in range(len(CLASSES))
            ],
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-write", action="store_true", help="measure only")
    parser.add_argument("--refresh", action="store_true", help="recompute cached features")
    args = parser.parse_args()
    if not (DATA / "labels.csv").is_file():
        sys.exit(f"{DATA} not found")
    options = AttireOptions()
    rows, repo_of = load_rows()
    backbone_sha = load_backbone().sha256
    data: dict[str, np.ndarray] = {}
    if CACHE.is_file() and not args.refresh:
        with np.load(CACHE) as z:
            if (
                int(z["version"]) == FEATURES_VERSION
                and str(z["backbone"]) == backbone_sha
                and len(z["X"]) == len(rows)
            ):
                data = {k: z[k] for k in ("X", "XF", "rule", "ok", "cost")}
    if not data:
        t0 = time.time()
        data = extract(rows, options)
        CACHE.parent.mkdir(exist_ok=True)
        np.savez(CACHE, version=FEATURES_VERSION, backbone=backbone_sha, **data)
        print(f"features for {len(rows)} crops in {time.time() - t0:.0f} s")
    y_all = np.array([CLASSES.index(r["label"]) for r in rows])
    g_all = np.array([repo_of[r["photo"]] for r in rows])
    ok = data["ok"]
    X, XF, y, groups = data["X"][ok], data["XF"][ok], y_all[ok], g_all[ok]
    sites = sorted(set(groups.tolist()))
    print(f"{ok.sum()} of {len(rows)} crops usable ({len(sites)} sites); dim {X.shape[1]}")

    t0 = time.time()
    targets = (TARGET_FPR, *OTHER_TARGETS)
    z_n, p_cs, thr_n = nested(X, XF, y, groups, targets)
    print(f"nested validation in {time.time() - t0:.0f} s")
    is_cs = np.isin(y, CS)
    learned = report(p_cs >= thr_n[TARGET_FPR], z_n.argmax(1), y)
    learned["threshold_per_site"] = {
        "min": round(float(thr_n[TARGET_FPR].min()), 3),
        "max": round(float(thr_n[TARGET_FPR].max()), 3),
    }
    other_points = {
        f"target_{t}": {
            **report(p_cs >= thr_n[t], None, y)["civil_servant"],
            "threshold_per_site": [
                round(float(thr_n[t].min()), 3),
                round(float(thr_n[t].max()), 3),
            ],
        }
        for t in OTHER_TARGETS
    }
    # The shipped operating point: the same fits on all 32 sites' leave-one-site-out logits.
    t0 = time.time()
    z = loso(X, XF, y, groups)
    print(f"leave-one-site-out in {time.time() - t0:.0f} s")
    temperature, cs_calibration, shipped = operating_point(z, y, (TARGET_FPR,))
    shipped_t = shipped[TARGET_FPR]
    # Operating curve on the held-out scores (what other thresholds would give).
    curve = []
    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        m = p_cs >= t
        tp, fp = int((m & is_cs).sum()), int((m & ~is_cs).sum())
        curve.append(
            {
                "threshold": t,
                "recall": round(tp / int(is_cs.sum()), 3),
                "false_cue_rate": round(fp / int((~is_cs).sum()), 3),
                "precision": round(tp / max(1, tp + fp), 3),
            }
        )
    # Calibration of the civil-servant probability on the held-out scores.
    reliability = []
    for lo, hi in ((0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.01)):
        m = (p_cs >= lo) & (p_cs < hi)
        reliability.append(
            {
                "p_range": [lo, min(hi, 1.0)],
                "people": int(m.sum()),
                "mean_p": round(float(p_cs[m].mean()), 3) if m.any() else None,
                "civil_servant_share": round(float(is_cs[m].mean()), 3) if m.any() else None,
            }
        )
    # the colour rule on the same people (it learns nothing: every crop is held out for it)
    rule = report(data["rule"][ok], None, y)
    print(json.dumps({"learned": learned["civil_servant"], "rule": rule["civil_servant"]}))
    print("learned cued by class", learned["cued_by_class"])
    print("rule cued by class", rule["cued_by_class"])
    for c, v in learned["per_class"].items():
        print(f"  {c:14s} n={v['n']:4d} P={v['precision']:.2f} R={v['recall']:.2f}")
    print("threshold (shipped)", round(shipped_t, 3), "temperature", round(temperature, 3))
    print("civil-servant calibration", cs_calibration)
    print("per-site thresholds", learned["threshold_per_site"])
    print("other operating points", json.dumps(other_points))
    print("curve", curve)
    print("reliability", reliability)

    cost = data["cost"].reshape(-1, 2)
    figures = {
        "date": dt.date.today().isoformat(),
        "machine": "AMD EPYC, 2 cores shared (another job was training), one thread, "
        f"Python {platform.python_version()}, onnxruntime {_ort_version()}",
        "data": {
            "source": "../shared/train/attire (labels.csv, photos.csv; not in the repository)",
            "crops": len(rows),
            "usable": int(ok.sum()),
            "sites": len(sites),
            "per_class": {CLASSES[c]: int((y == c).sum()) for c in range(len(CLASSES))},
            "sites_per_class": {
                CLASSES[c]: len(set(groups[y == c].tolist())) for c in range(len(CLASSES))
            },
            "largest_site_share_per_class": {
                CLASSES[c]: round(
                    max(Counter(groups[y == c].tolist()).values()) / (y == c).sum(), 2
                )
                for c in range(len(CLASSES))
            },
        },
        "validation": "nested, by source repository: each of the 32 sites held out in turn "
        "(its crops never in training); temperature, civil-servant calibration and threshold "
        f"for it fit on grouped {INNER_FOLDS}-fold (by site) held-out scores of the other 31 "
        "sites only. Curve and reliability below are on these held-out probabilities. Chosen "
        "on held-out figures (a mild optimism): L2 0.2 (of 0.05-1), the features (of the "
        "variants in weights/ATTIRE_CARD.md) and TARGET_FPR (of 0.02-0.045).",
        "civil_servant_classes": list(CIVIL_SERVANT_CLASSES),
        "target_false_cue_rate": TARGET_FPR,
        "learned": learned,
        "learned_other_operating_points": other_points,
        "learned_curve": curve,
        "learned_reliability": reliability,
        "rule": rule,
        "shipped": {
            "threshold": round(shipped_t, 4),
            "temperature": round(temperature, 4),
            "cs_calibration": [round(v, 4) for v in cs_calibration],
        },
        "cost_ms_per_person_one_core": {
            "cpu_median": round(float(np.median(cost[:, 1])) * 1e3, 2),
            "cpu_p90": round(float(np.percentile(cost[:, 1], 90)) * 1e3, 2),
            "wall_median_shared_machine": round(float(np.median(cost[:, 0])) * 1e3, 2),
            "what": "torso cut and resize, colour rule, backbone on crop + mirror (batch of 2); "
            "the head itself is microseconds; the photo's white balance (once per photo) not "
            "included",
        },
        "command": "nice -n 10 .venv/bin/python scripts/train_attire.py",
    }
    if args.no_write:
        return
    model = fit(
        np.concatenate([X, XF]),
        np.concatenate([y, y]),
        sample_weights(np.concatenate([y, y]), np.concatenate([groups, groups])),
    )
    head = UniformHead(
        mean=model[0].astype(np.float32),
        scale=model[1].astype(np.float32),
        weights=model[2].astype(np.float32),
        bias=model[3].astype(np.float32),
        temperature=temperature,
        threshold=shipped_t,
        backbone_sha256=backbone_sha,
        cs_calibration=cs_calibration,
    )
    head.save(ROOT / "weights" / "attire_head.npz", trained=figures["date"], l2=L2)
    (ROOT / "bench" / "attire_real.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote weights/attire_head.npz ({BACKBONE_FILE} {weights_file(BACKBONE_FILE)})")
    print("wrote bench/attire_real.json")


def _ort_version() -> str:
    import onnxruntime

    return str(onnxruntime.__version__)


if __name__ == "__main__":
    main()
