"""Learned uniform classifier on the torso crop: pretrained YOLOv5n features, a softmax head.

Why this shape: the colour rule in ``attire.py`` was tuned on rendered people and, measured on
797 labelled real torso crops from 32 Indonesian government, school and village websites (held out
site by site), it cued 13% of real civil-servant uniforms while 5% of everyone else got a cue. Our
own colour and texture statistics (Lab histograms per torso band, LBP, gradient orientation, the
face's skin as a lighting reference) with a learned head did little better (18% at 2%). What
worked: the early layers of the COCO-pretrained YOLOv5n (``person`` is one of its classes), pooled
over the torso: its filters already separate weave from print, camouflage, batik, collars and
pockets, which 32 sites' worth of crops cannot teach from scratch. The rule's own scores ride along
(the KORPRI batik's blue-and-motif score is a good one). Figures: ``bench/attire_real.json``.

At scan time that is onnxruntime (already a dependency) on a 96 x 96 crop and its mirror image
(``weights/attire_backbone.onnx``, layers 0-9, BatchNorm folded, 4 MB) plus a matrix product
(``weights/attire_head.npz``): about 3 ms per person on one core, no torch, nothing downloaded.
Model card: ``weights/ATTIRE_CARD.md``; training: ``scripts/train_attire.py``.

The feature layout is versioned (``FEATURES_VERSION``), and the head records the backbone it was
trained with: a mismatched pair is refused instead of silently scoring nonsense.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import ModelError

#: Bump when ``features`` changes; the head file records the version it was trained on.
FEATURES_VERSION = 2
HEAD_FILE = "attire_head.npz"
BACKBONE_FILE = "attire_backbone.onnx"

#: Classes the head predicts, in the head's order.
CLASSES = (
    "pdh_khaki",
    "korpri_batik",
    "linmas_green",
    "satpol_pp",
    "white_pns",
    "other_uniform",
    "civilian",
)
#: Classes that name a civil-servant uniform. Other agencies' service uniforms (police, army,
#: fire service, prosecutors, transport...) and school, scout and security uniforms are
#: ``other_uniform`` and never count: with 276 such crops against 191 civil-servant ones the head
#: cannot tell a fire officer's khaki from a PDH reliably, and a mistaken "civil servant" names
#: an innocent person.
CIVIL_SERVANT_CLASSES = CLASSES[:5]

#: Side of the square crop the backbone sees: at stride 32 a 3 x 3 map, enough for collar, chest
#: and belly; bigger inputs measured no better on held-out sites and cost more.
SIDE = 96


def weights_file(name: str) -> Path:
    return Path(str(resources.files("gesture_scan.weights") / name))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Backbone:
    """The ONNX feature extractor: pooled maps of YOLOv5n layers 4, 6 and 9.

    One thread: a scan calls it once per person on a 96 px crop, where more threads only spin.
    onnxruntime sessions may be shared between threads; loading costs ~50 ms, once per process.
    """

    def __init__(self, path: Path) -> None:
        try:
            import onnxruntime as ort
        except Exception as exc:  # pragma: no cover - depends on the install
            raise ModelError("onnxruntime", f"cannot import onnxruntime: {exc}") from exc
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelError(str(path), f"not a loadable ONNX model ({exc})") from exc
        self.sha256 = _sha256(path)

    def pooled(self, crops: np.ndarray) -> np.ndarray:
        """(N, 896) channel means and maxima of the three taps for (N, SIDE, SIDE, 3) uint8 RGB."""
        x = np.ascontiguousarray(crops.astype(np.float32).transpose(0, 3, 1, 2) / 255.0)
        maps = self._session.run(None, {"rgb": x})
        return np.concatenate(
            [np.concatenate([m.mean(axis=(2, 3)), m.max(axis=(2, 3))], axis=1) for m in maps],
            axis=1,
        )


def features(backbone: Backbone, crop: np.ndarray, rule_scores: np.ndarray) -> np.ndarray:
    """(2, F) features of one torso crop (``SIDE`` x ``SIDE`` uint8 RGB, not white-balanced: the
    backbone learned COCO's photos as they come) and of its mirror image, each with the colour
    rule's per-label scores and non-skin share appended. The head averages the two: a person
    turned the other way wears the same uniform, and the pocket or name tag may be on either side.
    """
    pair = np.stack([crop, crop[:, ::-1]])
    pooled = backbone.pooled(pair)
    rule = np.broadcast_to(np.asarray(rule_scores, np.float32), (2, len(rule_scores)))
    return np.concatenate([pooled, rule], axis=1).astype(np.float32)


def resize_crop(crop: np.ndarray) -> np.ndarray:
    return np.asarray(cv2.resize(crop, (SIDE, SIDE), interpolation=cv2.INTER_AREA))


@dataclass(frozen=True)
class UniformHead:
    """A standardising softmax head over ``features`` and its precision threshold.

    ``threshold`` applies to the calibrated civil-servant probability (the sum of the
    civil-servant classes' probabilities after temperature scaling): at or above it a person is
    a likely civil servant. It was chosen on held-out websites for precision, not balance.
    """

    mean: np.ndarray  # (F,)
    scale: np.ndarray  # (F,)
    weights: np.ndarray  # (F, C)
    bias: np.ndarray  # (C,)
    temperature: float
    threshold: float
    backbone_sha256: str
    classes: tuple[str, ...] = CLASSES
    #: (slope, intercept) on the logit of the summed civil-servant probability: the sum of five
    #: temperature-scaled classes came out over-confident in the middle on held-out sites
    #: (0.5 meant 0.2), so it is mapped once more, fit on the held-out scores (Platt scaling).
    cs_calibration: tuple[float, float] = (1.0, 0.0)

    @classmethod
    def load(cls, path: Path) -> UniformHead:
        with np.load(path, allow_pickle=False) as z:
            version = int(z["features_version"])
            if version != FEATURES_VERSION:
                raise ValueError(
                    f"head trained on feature layout {version}, this code computes "
                    f"{FEATURES_VERSION}; retrain with scripts/train_attire.py"
                )
            return cls(
                mean=z["mean"].astype(np.float32),
                scale=z["scale"].astype(np.float32),
                weights=z["weights"].astype(np.float32),
                bias=z["bias"].astype(np.float32),
                temperature=float(z["temperature"]),
                threshold=float(z["threshold"]),
                backbone_sha256=str(z["backbone_sha256"]),
                classes=tuple(str(c) for c in z["classes"]),
                cs_calibration=(float(z["cs_calibration"][0]), float(z["cs_calibration"][1])),
            )

    def save(self, path: Path, **meta: Any) -> None:
        np.savez(
            path,
            features_version=np.int64(FEATURES_VERSION),
            classes=np.array(self.classes),
            mean=self.mean.astype(np.float32),
            scale=self.scale.astype(np.float32),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            temperature=np.float64(self.temperature),
            threshold=np.float64(self.threshold),
            backbone_sha256=np.array(self.backbone_sha256),
            cs_calibration=np.array(self.cs_calibration, np.float64),
            **{k: np.asarray(v) for k, v in meta.items()},
        )

    def logits(self, feats: np.ndarray) -> np.ndarray:
        """(N, C) raw logits of (N, F) features (before the temperature)."""
        x = (np.asarray(feats, np.float32).reshape(-1, len(self.mean)) - self.mean) / self.scale
        return np.asarray(x @ self.weights + self.bias)

    def probabilities(self, feats: np.ndarray) -> np.ndarray:
        """(C,) calibrated class probabilities of one person from their (k, F) feature rows
        (the crop and its mirror image), logits averaged."""
        z = self.logits(feats).mean(axis=0) / self.temperature
        p = np.exp(z - z.max())
        return np.asarray(p / p.sum())

    def civil_servant_probability(self, probs: np.ndarray) -> float:
        """Calibrated probability that the person wears a civil-servant uniform."""
        raw = float(sum(probs[self.classes.index(c)] for c in CIVIL_SERVANT_CLASSES))
        return calibrate(raw, self.cs_calibration)


def calibrate(p: float | np.ndarray, ab: tuple[float, float]) -> Any:
    """Platt scaling on the logit: sigmoid(a * logit(p) + b)."""
    q = np.clip(np.asarray(p, np.float64), 1e-6, 1 - 1e-6)
    z = ab[0] * np.log(q / (1 - q)) + ab[1]
    out = 1.0 / (1.0 + np.exp(-z))
    return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class UniformModel:
    backbone: Backbone
    head: UniformHead


_BACKBONES: dict[str, Backbone] = {}
_MODELS: dict[tuple[str, str], UniformModel] = {}
_LOCK = threading.RLock()


def load_backbone(path: str | None = None) -> Backbone:
    """The ONNX backbone, loaded once per process and path (scan workers each load their own)."""
    bp = str(Path(path) if path else weights_file(BACKBONE_FILE))
    with _LOCK:
        if bp not in _BACKBONES:
            _BACKBONES[bp] = Backbone(Path(bp))
        return _BACKBONES[bp]


def load_model(head_path: str | None = None, backbone_path: str | None = None) -> UniformModel:
    """The backbone and the head trained on it, loaded once per process and path pair."""
    hp = Path(head_path) if head_path else weights_file(HEAD_FILE)
    key = (str(hp), str(backbone_path))
    with _LOCK:
        if key not in _MODELS:
            try:
                head = UniformHead.load(hp)
            except (OSError, ValueError, KeyError) as exc:
                raise ModelError(str(hp), f"cannot load the attire head: {exc}") from exc
            backbone = load_backbone(backbone_path)
            if backbone.sha256 != head.backbone_sha256:
                raise ModelError(str(hp), "trained on another backbone; retrain the head")
            _MODELS[key] = UniformModel(backbone, head)
        return _MODELS[key]
