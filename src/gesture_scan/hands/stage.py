"""The MediaPipe Hands stage: runs the palm + landmark models over the planned regions.

This is the only module that imports mediapipe's hand solution. Results leave it as our own types
(landmarks in scan-image pixels), so everything after it is testable without models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ..config import HandOptions
from ..graphs import GraphStage, crop_region
from ..results import Hand, Handedness
from .fingers import read_fingers
from .landmarks import HandLandmark
from .search import Region, merge_duplicates, plan_regions

_PALM_CENTER = [
    HandLandmark.WRIST,
    HandLandmark.INDEX_MCP,
    HandLandmark.MIDDLE_MCP,
    HandLandmark.PINKY_MCP,
]


@dataclass(frozen=True, eq=False)
class RawHand:
    """One hand as the detector saw it, before merging and finger reading."""

    landmarks: np.ndarray  # (21, 3) scan pixels; z scaled like x
    world: np.ndarray  # (21, 3) metres
    handedness: Handedness
    handedness_score: float
    detection_score: float
    source: str

    @property
    def box(self) -> np.ndarray:
        xy = self.landmarks[:, :2]
        return np.concatenate([xy.min(axis=0), xy.max(axis=0)]).astype(np.float32)


class HandStage(GraphStage):
    """Finds hands and reads their fingers. A context manager: ``close()`` frees the graph.

    Calls are serialised (see ``graphs``); use one stage per thread or process for parallel scans.
    """

    model = "mediapipe hands"

    def __init__(self, options: Optional[HandOptions] = None) -> None:
        super().__init__()
        self.options = o = options or HandOptions()
        self._classifier: Any = None

        def factory() -> Any:
            from mediapipe.python.solution_base import SolutionBase
            from mediapipe.python.solutions import hands as mp_hands

            # The solution class, but with the palm detections as an output too: their scores
            # are our per-hand detection confidence.
            return SolutionBase(
                binary_graph_path=mp_hands._BINARYPB_FILE_PATH,
                side_inputs={
                    "model_complexity": o.model_complexity,
                    "num_hands": o.max_hands_per_region,
                    "use_prev_landmarks": False,
                },
                calculator_params={
                    "palmdetectioncpu__TensorsToDetectionsCalculator.min_score_thresh": (
                        o.min_detection_confidence
                    ),
                    "handlandmarkcpu__ThresholdingCalculator.threshold": o.min_presence_confidence,
                },
                outputs=[
                    "multi_hand_landmarks",
                    "multi_hand_world_landmarks",
                    "multi_handedness",
                    "palm_detections",
                ],
            )

        self._start(factory)
        if o.use_classifier:
            from .classifier import load_default_classifier

            self._classifier = load_default_classifier()

    # -- detection ---------------------------------------------------------------------------

    def run_region(self, rgb: np.ndarray, region: Region) -> list[RawHand]:
        """Hands in one region, with landmarks mapped back to scan-image pixels."""
        crop = crop_region(rgb, region)
        out = self._process({"image": crop})
        lms = out.multi_hand_landmarks or []
        worlds = out.multi_hand_world_landmarks or []
        sides = out.multi_handedness or []
        palms = out.palm_detections or []
        h, w = crop.shape[:2]
        palm_centres = []
        palm_scores = []
        for det in palms:
            bb = det.location_data.relative_bounding_box
            palm_centres.append((bb.xmin + bb.width / 2, bb.ymin + bb.height / 2))
            palm_scores.append(float(det.score[0]) if det.score else 0.0)
        pc = np.array(palm_centres, dtype=np.float32).reshape(-1, 2)
        s = region.scale
        hands = []
        for i, lm in enumerate(lms):
            norm = np.array([[p.x, p.y, p.z] for p in lm.landmark], dtype=np.float32)
            world = (
                np.array([[p.x, p.y, p.z] for p in worlds[i].landmark], dtype=np.float32)
                if i < len(worlds)
                else np.zeros((21, 3), np.float32)
            )
            px = np.empty_like(norm)
            px[:, 0] = norm[:, 0] * w / s + region.x0
            px[:, 1] = norm[:, 1] * h / s + region.y0
            px[:, 2] = norm[:, 2] * w / s
            # The palm detection this hand came from: nearest palm centre.
            score = 0.0
            if len(pc):
                centre = norm[_PALM_CENTER, :2].mean(axis=0)
                score = palm_scores[int(np.argmin(((pc - centre) ** 2).sum(axis=1)))]
            label, side_score = "Right", 0.5
            if i < len(sides) and sides[i].classification:
                c = sides[i].classification[0]
                label, side_score = c.label, float(c.score)
            # MediaPipe labels hands as if the photo were a mirrored selfie; evidence photos are
            # not mirrored, so swap to name the person's own hand.
            handed = Handedness.LEFT if label == "Right" else Handedness.RIGHT
            hands.append(RawHand(px, world, handed, side_score, score, region.kind))
        return hands

    def detect(
        self, rgb: np.ndarray, faces_xyxy: Optional[np.ndarray] = None
    ) -> tuple[list[Hand], int]:
        """All hands in a scan image, and how many detector calls it took."""
        h, w = rgb.shape[:2]
        regions = plan_regions(w, h, faces_xyxy, self.options.search)
        raws: list[RawHand] = []
        for region in regions:
            raws.extend(self.run_region(rgb, region))
        return self.finish(raws), len(regions)

    def finish(self, raws: list[RawHand]) -> list[Hand]:
        """Merge duplicates across regions and read each hand's fingers."""
        if not raws:
            return []
        boxes = np.stack([r.box for r in raws])
        keep = merge_duplicates(
            boxes, np.array([r.detection_score for r in raws]), self.options.merge_iou
        )
        hands = []
        for i in keep:
            r = raws[i]
            reading = read_fingers(r.landmarks, r.world, classifier=self._classifier)
            hands.append(
                Hand(
                    r.landmarks,
                    r.handedness,
                    r.handedness_score,
                    r.detection_score,
                    reading,
                    world=r.world,
                    source=r.source,
                )
            )
        hands.sort(key=lambda hd: (-hd.score, float(hd.box[0])))
        return hands
