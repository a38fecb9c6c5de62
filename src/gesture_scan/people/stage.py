"""Counting people as faces, with MediaPipe's full-range face detector on overlapping tiles.

The detector sees a 192x192 copy of its input and misses faces below ~8% of it (measured: 24% found
at 5%, 48% at 8%), so a group photo's 40-60 px faces are invisible in one full-image pass. We run it
on the whole image and on overlapping tiles. Faces also tell the hand search where to look.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ..config import FaceOptions
from ..detections import Detections, box_ioa, box_iou
from ..graphs import GraphStage, crop_region
from ..regions import Region, tile_starts

FACE = ("face",)
_DETECTOR_SIDE = 320  # pre-shrink with area averaging; MediaPipe's own resize aliases


@dataclass(frozen=True, eq=False)
class FaceResult:
    """The face stage's result: faces in scan-image pixels (clipped to it), and ``calls``, the
    detector runs (whole image plus tiles) it took."""

    detections: Detections
    calls: int

    @classmethod
    def empty(cls) -> FaceResult:
        """What a scan with the face stage off sees: no face, no call."""
        return cls(Detections.empty(FACE), 0)


def face_regions(width: int, height: int, opts: FaceOptions) -> list[Region]:
    """Whole image plus tiles ``tile_side`` wide (at least 1/8 of the long side, so a 12 MP photo
    costs ~60 cheap calls, not hundreds).

    Where the short side is narrower than a tile (a panorama, a 20000x8 strip), tiles span the
    whole short side instead of shrinking to it: shrunk squares made 2,732 detector calls on a
    20000x8 image. So the count stays below ~12 per axis whatever the shape.
    """
    regions = [Region(0, 0, width, height, "full", _DETECTOR_SIDE)]
    tile = max(float(opts.tile_side), max(width, height) / 8.0)
    if max(width, height) <= tile * 1.25:
        return regions
    tile_w, tile_h = min(tile, float(width)), min(tile, float(height))
    for y in tile_starts(height, tile_h, opts.tile_overlap):
        for x in tile_starts(width, tile_w, opts.tile_overlap):
            regions.append(Region(x, y, x + tile_w, y + tile_h, "tile", _DETECTOR_SIDE))
    return regions


def merge_faces(dets: Detections, iou: float) -> Detections:
    """Keep the best of overlapping faces; a face cut by a tile edge lies mostly inside the whole
    face found by a neighbouring tile, so containment counts as overlap too."""
    if not len(dets):
        return dets
    order = np.argsort(-dets.confidence, kind="stable")
    keep: list[int] = []
    for i in order:
        if keep:
            kept = dets.xyxy[keep]
            if (box_iou(dets.xyxy[i], kept)[0] > iou).any() or (
                box_ioa(dets.xyxy[i], kept)[0] > 0.5
            ).any():
                continue
        keep.append(int(i))
    return dets[np.array(keep)]


class FaceStage(GraphStage):
    """Finds faces. A context manager; calls are serialised (see ``graphs``)."""

    model = "mediapipe face detection"

    def __init__(self, options: Optional[FaceOptions] = None) -> None:
        super().__init__()
        self.options = options or FaceOptions()

        def factory() -> Any:
            from mediapipe.python.solutions.face_detection import FaceDetection

            return FaceDetection(
                model_selection=1, min_detection_confidence=self.options.min_confidence
            )

        self._start(factory)

    def run_region(self, rgb: np.ndarray, region: Region) -> Detections:
        crop = crop_region(rgb, region)
        out = self._process(crop)
        h, w = crop.shape[:2]
        s = region.scale
        boxes, scores = [], []
        for det in out.detections or []:
            bb = det.location_data.relative_bounding_box
            x0 = bb.xmin * w / s + region.x0
            y0 = bb.ymin * h / s + region.y0
            boxes.append([x0, y0, x0 + bb.width * w / s, y0 + bb.height * h / s])
            scores.append(float(det.score[0]) if det.score else 0.0)
        return Detections(
            np.array(boxes).reshape(-1, 4),
            np.array(scores),
            np.zeros(len(scores), dtype=np.int64),
            FACE,
        )

    def run(self, rgb: np.ndarray) -> FaceResult:
        """Faces in ``rgb``, found on the whole image and its tiles, then merged."""
        h, w = rgb.shape[:2]
        regions = face_regions(w, h, self.options)
        found = Detections.merge([self.run_region(rgb, r) for r in regions], FACE)
        faces = merge_faces(found, self.options.merge_iou)
        # Clip to the image: the detector extrapolates boxes of faces cut by the border.
        if len(faces):
            xyxy = faces.xyxy.copy()
            xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, w)
            xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, h)
            faces = Detections(xyxy, faces.confidence, faces.class_id, FACE)
        return FaceResult(faces, len(regions))
