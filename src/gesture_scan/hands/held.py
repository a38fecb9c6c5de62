"""Does the hand hold something? COCO's YOLOv5n on a crop around each hand that could be evidence.

Why: the costliest mistake is a high finding on an innocent group photo, and a hand round a cup, a
bottle, a phone or a trophy reads as a thumbs-up or as "one" (issue 20). The posed score
(``hands/people.py``) already lowers grip shapes and hands below the chest; it cannot see the cup.
COCO's 80 classes include most small things people hold, so the original YOLOv5n
(``weights/coco_yolov5n.onnx``, ``scripts/export_coco_detector.py``, weights/COCO_CARD.md) looks at
a square crop around the hand (``HeldOptions.crop_scale`` hand sizes): a held-class box that touches
the hand's box makes the hand ``held``, and its posed score is multiplied by
``HeldOptions.posed_factor``.

Only hands the rules could rest on are cropped (``RuleEngine.sign_hands``: sure enough, posed, and
matching a candidate's or a party's sign), so a photo without a sign costs nothing, and at most
``max_hands`` a photo. A crop rather than the whole photo: in a group photo a cup is a few dozen
pixels, far below what the detector sees of a 640 px copy of the photo.

The crop and overlap logic is pure numpy (``crop_box``, ``pick_held``), unit-tested without the
model; onnxruntime is imported when the stage is built (``detect/onnx_yolo.OnnxDetector``, the same
letterbox and NMS the material and person stages use).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Optional

import numpy as np

from .._stage import ModelStage
from .._validate import check_rgb
from ..config import HeldOptions
from ..detect.onnx_yolo import open_detector
from ..errors import ModelError
from ..results import Hand, Held

ONNX_FILE = "coco_yolov5n.onnx"  # scripts/export_coco_detector.py

#: COCO's 80 classes in the export's order (its metadata is checked against them).
COCO_CLASSES: tuple[str, ...] = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
    "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant",
    "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush",
)  # fmt: skip

#: The classes that count as held: what a hand closes round or pinches, so that its fingers read
#: as a fist, a thumbs-up or "one". Drinkware (bottle, wine glass, cup: the commonest at events),
#: cutlery and snacks (fork, knife, spoon, bowl, banana, apple, orange, donut, sandwich), the
#: handheld devices (cell phone, remote, mouse: also what a microphone is most often boxed as;
#: COCO has no microphone, nor a trophy, which it boxes as a cup or a vase), paper (book: also
#: folders, certificates, plaques), scissors (the ribbon cutting of an inauguration), toothbrush
#: and hair drier (thin handheld sticks: microphones again), sports ball, and the handles of
#: umbrella, baseball bat and tennis racket (a banner or flag pole is often boxed as a bat).
#: Left out: people, vehicles, animals, furniture and appliances (a hand rests on them, it does not
#: hold them), bags and ties (worn), and large things behind a hand (tv, laptop, kite).
HELD_CLASSES: tuple[str, ...] = (
    "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "orange",
    "donut", "sandwich", "cell phone", "remote", "mouse", "book", "scissors", "toothbrush",
    "hair drier", "sports ball", "umbrella", "baseball bat", "tennis racket", "vase",
)  # fmt: skip


def default_weights() -> Path:
    """The shipped export, in an editable checkout and in an installed wheel alike."""
    return Path(str(resources.files("gesture_scan.weights") / ONNX_FILE))


def crop_box(hand_box: np.ndarray, scale: float, width: int, height: int) -> tuple[int, ...]:
    """(x0, y0, x1, y1) integer pixels of the square of side ``scale`` x the hand box's longer
    side, centred on the hand, clipped to the image (at least one pixel each way)."""
    x0, y0, x1, y1 = (float(v) for v in hand_box)
    half = scale * max(x1 - x0, y1 - y0, 1.0) / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = int(np.clip(np.floor(cx - half), 0, max(width - 1, 0)))
    top = int(np.clip(np.floor(cy - half), 0, max(height - 1, 0)))
    right = int(np.clip(np.ceil(cx + half), left + 1, width))
    bottom = int(np.clip(np.ceil(cy + half), top + 1, height))
    return left, top, right, bottom


def pick_held(
    hand_box: np.ndarray,
    xyxy: np.ndarray,
    scores: np.ndarray,
    labels: Sequence[str],
    max_area: float,
) -> Optional[Held]:
    """The best-scoring held-class box that touches or overlaps ``hand_box`` and is at most
    ``max_area`` hand boxes large; None if there is none. Boxes in one pixel space."""
    hand = np.asarray(hand_box, dtype=np.float64).reshape(4)
    boxes = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    if not len(boxes):
        return None
    hand_area = max((hand[2] - hand[0]) * (hand[3] - hand[1]), 1.0)
    area = (boxes[:, 2] - boxes[:, 0]).clip(0) * (boxes[:, 3] - boxes[:, 1]).clip(0)
    # Touching counts (a cup held at its side shares only the edge of the hand's padded box).
    touch = (
        (boxes[:, 0] <= hand[2])
        & (boxes[:, 2] >= hand[0])
        & (boxes[:, 1] <= hand[3])
        & (boxes[:, 3] >= hand[1])
    )
    held = np.array([lbl in HELD_CLASSES for lbl in labels], dtype=bool).reshape(-1)
    keep = touch & held & (area <= max_area * hand_area)
    if not keep.any():
        return None
    best = int(np.flatnonzero(keep)[np.argmax(np.asarray(scores)[keep])])
    return Held(str(labels[best]), float(scores[best]), boxes[best].astype(np.float32))


def apply_held(
    hands: tuple[Hand, ...], found: Sequence[Optional[Held]], posed_factor: float
) -> tuple[Hand, ...]:
    """``hands`` with ``held`` set and the posed score of each holding hand multiplied by
    ``posed_factor`` (a hand with no posed score is taken as fully posed, 1.0, first)."""
    out = []
    for hand, held in zip(hands, found):
        if held is None:
            out.append(hand)
            continue
        posed = 1.0 if hand.posed is None else hand.posed
        out.append(replace(hand, held=held, posed=round(posed * posed_factor, 4)))
    return tuple(out) + hands[len(out) :]


@dataclass(frozen=True)
class HeldResult:
    """The held cue's result: per hand passed in, what it holds (None: nothing, or not looked
    at), in the pixels of the image passed in; ``calls``, the crops run through the network."""

    held: tuple[Optional[Held], ...]
    calls: int

    def scaled(self, factor: float) -> HeldResult:
        return replace(self, held=tuple(None if h is None else h.scaled(factor) for h in self.held))


class HeldStage(ModelStage):
    """Looks for held objects around hands. A context manager: ``close()`` drops the session.

    ``weights`` None means the shipped ``coco_yolov5n.onnx``; another export must predict COCO's
    80 classes in COCO's order. Calls are serialised with the stage's lock.
    """

    def __init__(self, options: Optional[HeldOptions] = None, weights: Optional[Path] = None):
        self.options = options or HeldOptions()
        super().__init__()
        self.weights = Path(weights) if weights is not None else default_weights()
        # onnxruntime is imported here, when the session starts
        self._onnx: Any = open_detector(
            self.weights,
            ONNX_FILE,
            "scripts/export_coco_detector.py",
            self.options.imgsz,
            self.options.threads,
            COCO_CLASSES,
        )

    def _release(self) -> None:
        if self._onnx is not None:
            self._onnx.close()
            self._onnx = None

    def run(self, rgb: np.ndarray, hands: Sequence[Hand], look_at: Sequence[int]) -> HeldResult:
        """What each of ``hands`` holds; only the hands at ``look_at`` (indices, best first) are
        cropped, at most ``max_hands`` of them. Hands in ``rgb``'s pixels."""
        rgb = check_rgb(rgb, "scan")
        o = self.options
        h, w = rgb.shape[:2]
        found: list[Optional[Held]] = [None] * len(hands)
        calls = 0
        for i in list(dict.fromkeys(look_at))[: o.max_hands]:
            box = hands[i].box
            x0, y0, x1, y1 = crop_box(box, o.crop_scale, w, h)
            with self._lock:
                if self._onnx is None:
                    raise ModelError(str(self.weights), "stage is closed")
                xyxy, conf, cls = self._onnx.detect(rgb[y0:y1, x0:x1], o.conf, o.iou, 50)
            calls += 1
            xyxy = xyxy + np.array([x0, y0, x0, y0], np.float32)
            labels = [COCO_CLASSES[c] for c in cls]
            found[i] = pick_held(box, xyxy, conf, labels, o.max_area)
        return HeldResult(tuple(found), calls)
