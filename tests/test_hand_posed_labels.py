"""The hand labels behind ``bench/posed_score.json`` and the script's arithmetic, checked
without the photos (which are not in the repository)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import measure_posed_score as mps  # noqa: E402

LABELS = ("posed", "holding", "resting", "face", "not_hand", "unclear")


def test_every_labelled_hand_has_one_known_label_and_a_box():
    rows = list(csv.DictReader(mps.LABELS.open(encoding="utf-8")))
    assert len(rows) > 1000
    assert len({r["hand"] for r in rows}) == len(rows)
    for r in rows:
        assert r["label"] in LABELS, r
        name, _, idx = r["hand"].partition("#")
        assert name.split("/")[0] in ("attire", "selfies") and idx.isdigit(), r
        x0, y0, x1, y1 = (float(r[k]) for k in ("x0", "y0", "x1", "y1"))
        assert x0 < x1 and y0 < y1, r  # landmarks may reach past the frame's edge


def test_auc_and_average_precision_on_known_rankings():
    y = np.array([0, 0, 1, 1.0])
    assert mps.auc(np.array([0.1, 0.2, 0.8, 0.9]), y) == 1.0
    assert mps.auc(np.array([0.9, 0.8, 0.2, 0.1]), y) == 0.0
    assert mps.auc(np.full(4, 0.5), y) == 0.5  # ties count half
    # Ranked 1, 0, 1, 0: precision 1/1 at the first hit, 2/3 at the second.
    ap = mps.average_precision(np.array([0.9, 0.1, 0.8, 0.2]), np.array([1, 0, 0, 1.0]))
    assert abs(ap - (1 + 2 / 3) / 2) < 1e-12


def test_the_logistic_fit_finds_the_informative_feature():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] + 0.3 * rng.normal(size=400) > 0).astype(float)
    w = mps.fit_logistic(x, y, l2=1.0)
    assert w[1] > 2.0 and abs(w[2]) < 0.5  # the first feature decides, the second is noise
    p = mps.predict(w, x)
    assert ((p > 0.5) == (y == 1)).mean() > 0.9
