"""The labeled real hand photos in ``../shared/train/hands`` and our fixed train / held-out split.

The split is by a hash of the file name, so it never changes when files are added and every script
(classifier training, accuracy report, small-hand benchmark) agrees on which photos are held out.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

#: Source prefixes of the file names, in the order the README reports them.
SOURCES = {
    "sld": "ardamavi/Sign-Language-Digits-Dataset",
    "epsrc": "EPSRC-NUMBERS/Human-Robot_Finger-Counting_Dataset",
    "hands": "SubhiH/HandsDataset",
}
HELDOUT_MODULO = 5  # one photo in five is held out


def shared_dir() -> Optional[Path]:
    """``../shared`` beside the checkout, if it exists.

    ``$GESTURE_SCAN_SHARED`` overrides the search (set it to a missing path to run the test suite
    as CI sees it, without the shared photos).
    """
    env = os.environ.get("GESTURE_SCAN_SHARED")
    if env:
        return Path(env) if (Path(env) / "train").is_dir() else None
    here = Path(__file__).resolve()
    candidates = [p / "shared" for p in here.parents[3:6]]
    candidates.append(Path.cwd().parent / "shared")
    for c in candidates:
        if (c / "train").is_dir():
            return c
    return None


def is_heldout(file_name: str) -> bool:
    digest = hashlib.sha1(file_name.encode("utf-8")).hexdigest()
    return int(digest, 16) % HELDOUT_MODULO == 0


@dataclass(frozen=True)
class HandBox:
    xyxy: np.ndarray  # (4,) float32 pixels
    fingers: Optional[int]


@dataclass(frozen=True)
class LabeledPhoto:
    path: Path
    file: str
    source: str  # "sld" | "epsrc" | "hands"
    fingers: Optional[int]  # None where the photo's hands disagree (see boxes)
    gesture: str  # "" when the source does not name it
    boxes: tuple[HandBox, ...]  # per-hand boxes (hands_* only)

    @property
    def heldout(self) -> bool:
        return is_heldout(self.file)


def load_handset(root: Optional[Path] = None) -> list[LabeledPhoto]:
    """All labeled photos, sorted by file name. ``root`` is the ``train/hands`` folder."""
    if root is None:
        base = shared_dir()
        if base is None:
            raise FileNotFoundError("../shared/train/hands not found")
        root = base / "train" / "hands"
    boxes: dict[str, list[HandBox]] = {}
    with open(root / "boxes.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            n = int(row["class"].split("_")[0])
            xyxy = np.array([float(row[k]) for k in ("x1", "y1", "x2", "y2")], dtype=np.float32)
            boxes.setdefault(row["file"], []).append(HandBox(xyxy, n))
    photos = []
    with open(root / "labels.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            name = row["file"]
            photos.append(
                LabeledPhoto(
                    path=root / name,
                    file=name,
                    source=name.split("_", 1)[0],
                    fingers=int(row["fingers"]) if row["fingers"] else None,
                    gesture=row["gesture"],
                    boxes=tuple(boxes.get(name, ())),
                )
            )
    return sorted(photos, key=lambda p: p.file)
