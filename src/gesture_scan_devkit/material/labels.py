"""Class ids, the rendered scene and YOLO label files: what the material scenes hand to training."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from gesture_scan.errors import GestureScanError, InputError

BANNER = 0
FLAG = 1
#: Commercial boards and shop signs: drawn so that the detector learns they are not campaign
#: material (the rules ignore the class), the same class the real signage photos' signboards get.
SIGNBOARD = 2
CLASS_NAMES: dict[int, str] = {BANNER: "banner", FLAG: "flag", SIGNBOARD: "signboard"}
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
MIN_BOX_PX = 4


@dataclass(frozen=True, eq=False)
class SynthScene:
    """One rendered scene: ``image`` HxWx3 uint8 RGB, ``boxes`` (N, 4) float32 xyxy pixels,
    ``classes`` (N,) int64 (0 banner, 1 flag)."""

    image: np.ndarray
    boxes: np.ndarray
    classes: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.classes)
        object.__setattr__(self, "boxes", np.asarray(self.boxes, np.float32).reshape(n, 4))
        object.__setattr__(self, "classes", np.asarray(self.classes, np.int64).reshape(n))


# --------------------------------------------------------------------------------------------
# photo backgrounds (and the labels they already carry)


def label_path_for(image_path: Path) -> Path | None:
    """YOLO layout: ``.../images/<split>/x.jpg`` has its boxes in ``.../labels/<split>/x.txt``."""
    parts = list(Path(image_path).parts)
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            return Path(*parts).with_suffix(".txt")
    return None


def read_yolo_labels(label_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Normalised ``cx cy w h`` boxes (N, 4) float32 and classes (N,) int64 of a YOLO label
    file; a malformed file is an :class:`InputError` naming the line, not a silent skip."""
    label_path = Path(label_path)
    rows = []
    for n, line in enumerate(label_path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 5:
            raise InputError(label_path, f"line {n}: expected 'class cx cy w h', got {line!r}")
        try:
            rows.append([float(p) for p in parts])
        except ValueError as exc:
            raise InputError(label_path, f"line {n}: {exc}") from None
    if not rows:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    arr = np.asarray(rows, np.float32)
    cls = arr[:, 0].astype(np.int64)
    if not np.isin(cls, list(CLASS_NAMES)).all():
        found = sorted(set(cls.tolist()))
        raise InputError(label_path, f"class ids must be in {sorted(CLASS_NAMES)}, got {found}")
    return arr[:, 1:5], cls


@functools.lru_cache(maxsize=4096)
def read_labels(image_path: str) -> tuple[np.ndarray, np.ndarray]:
    """Labels of a background photo (cached: the same photos come back thousands of times);
    empty for a photo with no label file."""
    lp = label_path_for(Path(image_path))
    if lp is None or not lp.is_file():
        return np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    return read_yolo_labels(lp)


def has_labels(image_path: Path) -> bool:
    """Whether a background photo already shows labeled material (so it cannot be a negative)."""
    return len(read_labels(str(image_path))[1]) > 0


def to_yolo_lines(scene: SynthScene) -> list[str]:
    """``class cx cy w h`` lines, normalised to the image size."""
    h, w = scene.image.shape[:2]
    lines = []
    for (x0, y0, x1, y1), c in zip(scene.boxes.tolist(), scene.classes.tolist()):
        x0, x1 = min(max(x0, 0.0), w), min(max(x1, 0.0), w)
        y0, y1 = min(max(y0, 0.0), h), min(max(y1, 0.0), h)
        if x1 - x0 <= 0 or y1 - y0 <= 0:
            continue
        cx, cy, bw, bh = (x0 + x1) / 2 / w, (y0 + y1) / 2 / h, (x1 - x0) / w, (y1 - y0) / h
        lines.append(f"{int(c)} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}")
    return lines


def write_yolo(
    scene: SynthScene, image_path: Path, label_path: Path, jpeg_quality: int = 90
) -> None:
    """Write the image (JPEG unless the suffix says PNG) and its label file (empty for negatives:
    Ultralytics counts an empty file as a background image, a missing one as unlabeled)."""
    image_path, label_path = Path(image_path), Path(label_path)
    image_path.parent.mkdir(parents=True, exist_ok=True)
    label_path.parent.mkdir(parents=True, exist_ok=True)
    bgr = cv2.cvtColor(scene.image, cv2.COLOR_RGB2BGR)
    ext = image_path.suffix.lower()
    params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)] if ext in (".jpg", ".jpeg") else []
    ok, enc = cv2.imencode(ext or ".jpg", bgr, params)
    if not ok:
        raise GestureScanError(f"{image_path}: could not encode the image as {ext or '.jpg'}")
    image_path.write_bytes(enc.tobytes())
    lines = to_yolo_lines(scene)
    label_path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
