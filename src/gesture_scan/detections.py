"""Boxes as arrays, in the style of supervision's ``Detections``.

We do not depend on supervision itself: it would pull in matplotlib-era extras for a class of ~80
lines, and we need only boxes, scores and class ids. Filtering works the same way: ``dets[mask]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


def _f32(a: Any, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float32)
    return arr.reshape(shape)


@dataclass(frozen=True, eq=False)
class Detections:
    """N boxes ``xyxy`` (N, 4) in image pixels, ``confidence`` (N,), ``class_id`` (N,).

    ``class_names`` maps a class id to its label, so a filtered copy still knows its labels.
    """

    xyxy: np.ndarray
    confidence: np.ndarray
    class_id: np.ndarray
    class_names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        n = len(self.confidence)
        object.__setattr__(self, "xyxy", _f32(self.xyxy, (n, 4)))
        object.__setattr__(self, "confidence", _f32(self.confidence, (n,)))
        object.__setattr__(self, "class_id", np.asarray(self.class_id, dtype=np.int64).reshape(n))
        if n and self.class_names and int(self.class_id.max()) >= len(self.class_names):
            raise ValueError("class_id out of range of class_names")

    @classmethod
    def empty(cls, class_names: tuple[str, ...] = ()) -> Detections:
        return cls(np.zeros((0, 4)), np.zeros(0), np.zeros(0, dtype=np.int64), class_names)

    def __len__(self) -> int:
        return len(self.confidence)

    def __getitem__(self, index: Any) -> Detections:
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        return Detections(
            self.xyxy[index], self.confidence[index], self.class_id[index], self.class_names
        )

    @property
    def labels(self) -> list[str]:
        return [self.class_names[i] if self.class_names else str(i) for i in self.class_id]

    @property
    def area(self) -> np.ndarray:
        wh = np.clip(self.xyxy[:, 2:] - self.xyxy[:, :2], 0, None)
        return wh[:, 0] * wh[:, 1]

    def scaled(self, factor: float) -> Detections:
        """Boxes times ``factor``: maps detections on a resized copy back to the original."""
        return Detections(self.xyxy * factor, self.confidence, self.class_id, self.class_names)

    @classmethod
    def merge(cls, parts: list[Detections], class_names: tuple[str, ...] = ()) -> Detections:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty(class_names)
        names = class_names or parts[0].class_names
        return cls(
            np.concatenate([p.xyxy for p in parts]),
            np.concatenate([p.confidence for p in parts]),
            np.concatenate([p.class_id for p in parts]),
            names,
        )

    def to_dicts(self, ndigits: int = 1) -> list[dict[str, Any]]:
        return [
            {
                "label": label,
                "box": [round(float(v), ndigits) for v in box],
                "score": round(float(score), 4),
            }
            for label, box, score in zip(self.labels, self.xyxy, self.confidence)
        ]


def _intersections(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise intersection areas (N, M) of xyxy boxes, and each set's own areas."""
    a = np.asarray(a, dtype=np.float32).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float32).reshape(-1, 4)
    tl = np.maximum(a[:, None, :2], b[None, :, :2])
    br = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(br - tl, 0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0, None), axis=1)
    return inter, area_a, area_b


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of (N, 4) and (M, 4) xyxy boxes -> (N, M)."""
    inter, area_a, area_b = _intersections(a, b)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


def box_ioa(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over the area of each box of ``a`` (N, M): how much of a lies inside b."""
    inter, area_a, _ = _intersections(a, b)
    return inter / np.maximum(area_a[:, None], 1e-9)


def nms(xyxy: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression, best score first.

    Hand-written because it is a dozen lines and the alternatives (torchvision, cv2.dnn.NMSBoxes)
    would pull torch into model-free code or use xywh integer boxes.
    """
    order = np.argsort(-np.asarray(scores), kind="stable")
    keep: list[int] = []
    boxes = np.asarray(xyxy, dtype=np.float32)
    while order.size:
        i = int(order[0])
        keep.append(i)
        if order.size == 1:
            break
        ious = box_iou(boxes[i : i + 1], boxes[order[1:]])[0]
        order = order[1:][ious <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)
