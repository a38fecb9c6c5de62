"""A small learned finger-count model that corrects the rule-based reading where it is unsure.

Why a model at all: joint-angle rules miss poses the thresholds did not foresee (a thumb half
tucked, a ring finger that drifts up in a "two"). Why so small: it must run in microseconds, ship
as a few kilobytes in ``weights/``, and need nothing beyond numpy. It is trained by
``scripts/train_finger_classifier.py`` on the training split only, and shipped only because it beat
the rules on the held-out split (numbers in the README and in the weights' metadata).

The model predicts the *count*; the reading's per-finger pattern is then made consistent with it by
flipping the fingers whose rule-based probabilities were closest to 0.5, so the named gesture always
agrees with the count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Optional

import numpy as np

from ..errors import ModelError
from .fingers import FingerFeatures
from .landmarks import HandLandmark

L = HandLandmark
WEIGHTS_NAME = "finger_count.npz"


def canonical_points(landmarks: np.ndarray) -> np.ndarray:
    """(21, 3) landmarks in a hand-centred frame: wrist at 0, palm length 1, middle knuckle on +y,
    index-to-pinky along +x (which also mirrors left hands onto right ones)."""
    p = np.asarray(landmarks, dtype=np.float64)
    p = p - p[L.WRIST]
    palm = max(float(np.linalg.norm(p[L.MIDDLE_MCP])), 1e-9)
    p = p / palm
    y = p[L.MIDDLE_MCP] / max(float(np.linalg.norm(p[L.MIDDLE_MCP])), 1e-9)
    x = p[L.PINKY_MCP] - p[L.INDEX_MCP]
    x = x - np.dot(x, y) * y
    x = x / max(float(np.linalg.norm(x)), 1e-9)
    z = np.cross(x, y)
    return p @ np.stack([x, y, z], axis=1)


def feature_vector(landmarks: np.ndarray, feats: FingerFeatures, probs: np.ndarray) -> np.ndarray:
    """Rule features, rule probabilities and the canonical landmark cloud, as one vector."""
    rule = np.concatenate(
        [
            feats.bend / 180.0,
            [feats.thumb_out, feats.thumb_pinky, feats.touch, feats.heart],
            feats.tip_reach,
            probs,
        ]
    )
    return np.concatenate([rule, canonical_points(landmarks)[1:].ravel()]).astype(np.float32)


@dataclass
class CountClassifier:
    """One-hidden-layer MLP over ``feature_vector``; outputs P(count = 0..5)."""

    mean: np.ndarray
    std: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    min_confidence: float = 0.6  # below this the rule reading stands
    meta: dict[str, Any] = field(default_factory=dict)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        x = (np.atleast_2d(x) - self.mean) / self.std
        h = np.maximum(x @ self.w1 + self.b1, 0.0)
        z = h @ self.w2 + self.b2
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def refine(
        self,
        landmarks: np.ndarray,
        world: Optional[np.ndarray],
        feats: FingerFeatures,
        probs: np.ndarray,
    ) -> np.ndarray:
        """Extension probabilities adjusted so that their count matches the model's."""
        p_count = self.predict_proba(feature_vector(landmarks, feats, probs))[0]
        count = int(np.argmax(p_count))
        if p_count[count] < self.min_confidence:
            return probs
        return match_count(probs, count, float(p_count[count]))

    def save(self, path: Path) -> None:
        np.savez(
            path,
            mean=self.mean,
            std=self.std,
            w1=self.w1,
            b1=self.b1,
            w2=self.w2,
            b2=self.b2,
            min_confidence=np.float32(self.min_confidence),
            meta=np.array(json.dumps(self.meta)),
        )

    @classmethod
    def load(cls, path: Any) -> CountClassifier:
        try:
            with np.load(path, allow_pickle=False) as d:
                return cls(
                    d["mean"],
                    d["std"],
                    d["w1"],
                    d["b1"],
                    d["w2"],
                    d["b2"],
                    float(d["min_confidence"]),
                    json.loads(str(d["meta"])),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(str(path), f"finger classifier weights unreadable: {exc}") from exc


def match_count(probs: np.ndarray, count: int, confidence: float) -> np.ndarray:
    """Flip the least certain fingers until exactly ``count`` are extended.

    Flipped fingers get probability ``confidence`` (or 1 - it), so the reading's overall
    confidence reflects that the model, not the rule, decided them.
    """
    out = probs.copy()
    on = out >= 0.5
    diff = count - int(on.sum())
    if diff > 0:
        for i in np.argsort(-out)[: len(out)]:
            if diff == 0:
                break
            if not on[i]:
                out[i] = max(out[i], confidence)
                diff -= 1
    elif diff < 0:
        for i in np.argsort(out):
            if diff == 0:
                break
            if on[i]:
                out[i] = min(out[i], 1.0 - confidence)
                diff += 1
    return out


def load_default_classifier() -> Optional[CountClassifier]:
    """The shipped model from ``weights/``, or None where it is not shipped."""
    ref = resources.files("gesture_scan.weights").joinpath(WEIGHTS_NAME)
    if not ref.is_file():
        return None
    with resources.as_file(ref) as path:
        return CountClassifier.load(path)
