"""The MediaPipe Hands stage: the palm detector over the planned regions, then the landmark model
once per distinct palm.

This is the only module that imports mediapipe's hand models. Results leave it as our own types
(landmarks in scan-image pixels), so everything after it is testable without models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from ..config import HandOptions
from ..detections import Detections
from ..graphs import GraphStage, crop_region
from ..regions import Region
from ..results import Hand, Handedness
from .fingers import read_fingers
from .search import merge_duplicates, plan_regions


@dataclass(frozen=True, eq=False)
class HandResult:
    """The hand stage's result: hands in scan-image pixels, best first, fingers read, and
    ``calls``, the palm-detector runs (regions searched) it took."""

    hands: tuple[Hand, ...]
    calls: int


@dataclass(frozen=True, eq=False)
class RawHand:
    """One hand as the detector saw it, before merging and finger reading."""

    landmarks: np.ndarray  # (21, 3) scan pixels; z scaled like x
    world: np.ndarray  # (21, 3) metres
    handedness: Handedness
    handedness_score: float
    detection_score: float
    source: str
    presence: float  # the landmark model's hand-presence score (landmarks come only above 0.5)

    @property
    def box(self) -> np.ndarray:
        xy = self.landmarks[:, :2]
        return np.concatenate([xy.min(axis=0), xy.max(axis=0)]).astype(np.float32)


# MediaPipe's own hand graph runs palm detection and then the landmark model on every palm, one
# region at a time, so a hand seen by three overlapping regions costs three landmark runs. We run
# the two halves as separate graphs built from the subgraphs that ship in the wheel: palms from
# every region first, merged in image pixels, then landmarks once per distinct palm. On the
# benchmark's group scenes this halves the landmark runs (see README, "Throughput").
_PALM_GRAPH = """
input_stream: "image"
input_side_packet: "model_complexity"
output_stream: "palm_detections"
node {
  calculator: "PalmDetectionCpu"
  input_side_packet: "MODEL_COMPLEXITY:model_complexity"
  input_stream: "IMAGE:image"
  output_stream: "DETECTIONS:palm_detections"
}
"""

# The landmark half is MediaPipe's ``HandLandmarkCpu`` subgraph (mediapipe/modules/hand_landmark/
# hand_landmark_cpu.pbtxt in the 0.10.21 sources) written out node for node, with one change: the
# model's hand-presence score, which the subgraph only thresholds, is also an output. A box the
# palm detector put on hair or the back of a head passes the 0.5 threshold with a presence score
# around 0.64 (median of 56 such boxes labelled by eye) where posed hands sit at 0.99, so the
# posed score reads it (``hands/posed.py``). Same model, same nodes: landmarks are unchanged.
_LANDMARK_GRAPH = """
input_stream: "image"
input_stream: "palm_detection"
input_side_packet: "model_complexity"
output_stream: "landmarks"
output_stream: "world_landmarks"
output_stream: "handedness"
output_stream: "presence"
node {
  calculator: "ImagePropertiesCalculator"
  input_stream: "IMAGE:image"
  output_stream: "SIZE:image_size"
}
node {
  calculator: "PalmDetectionDetectionToRoi"
  input_stream: "DETECTION:palm_detection"
  input_stream: "IMAGE_SIZE:image_size"
  output_stream: "ROI:roi"
}
node {
  calculator: "ImageToTensorCalculator"
  input_stream: "IMAGE:image"
  input_stream: "NORM_RECT:roi"
  output_stream: "TENSORS:input_tensor"
  output_stream: "LETTERBOX_PADDING:letterbox_padding"
  options: {
    [mediapipe.ImageToTensorCalculatorOptions.ext] {
      output_tensor_width: 224
      output_tensor_height: 224
      keep_aspect_ratio: true
      output_tensor_float_range { min: 0.0 max: 1.0 }
    }
  }
}
node {
  calculator: "HandLandmarkModelLoader"
  input_side_packet: "MODEL_COMPLEXITY:model_complexity"
  output_side_packet: "MODEL:model"
}
node {
  calculator: "InferenceCalculator"
  input_side_packet: "MODEL:model"
  input_stream: "TENSORS:input_tensor"
  output_stream: "TENSORS:output_tensors"
  options: { [mediapipe.InferenceCalculatorOptions.ext] { delegate { xnnpack {} } } }
}
node {
  calculator: "SplitTensorVectorCalculator"
  input_stream: "output_tensors"
  output_stream: "landmark_tensors"
  output_stream: "hand_flag_tensor"
  output_stream: "handedness_tensor"
  output_stream: "world_landmark_tensor"
  options: {
    [mediapipe.SplitVectorCalculatorOptions.ext] {
      ranges: { begin: 0 end: 1 }
      ranges: { begin: 1 end: 2 }
      ranges: { begin: 2 end: 3 }
      ranges: { begin: 3 end: 4 }
    }
  }
}
node {
  calculator: "TensorsToFloatsCalculator"
  input_stream: "TENSORS:hand_flag_tensor"
  output_stream: "FLOAT:presence"
}
node {
  name: "presence_threshold"
  calculator: "ThresholdingCalculator"
  input_stream: "FLOAT:presence"
  output_stream: "FLAG:hand_presence"
  options: { [mediapipe.ThresholdingCalculatorOptions.ext] { threshold: 0.5 } }
}
node {
  calculator: "GateCalculator"
  input_stream: "handedness_tensor"
  input_stream: "ALLOW:hand_presence"
  output_stream: "ensured_handedness_tensor"
}
node {
  calculator: "TensorsToClassificationCalculator"
  input_stream: "TENSORS:ensured_handedness_tensor"
  output_stream: "CLASSIFICATIONS:handedness"
  options: {
    [mediapipe.TensorsToClassificationCalculatorOptions.ext] {
      top_k: 1
      label_map_path: "mediapipe/modules/hand_landmark/handedness.txt"
      binary_classification: true
    }
  }
}
node {
  calculator: "GateCalculator"
  input_stream: "landmark_tensors"
  input_stream: "ALLOW:hand_presence"
  output_stream: "ensured_landmark_tensors"
}
node {
  calculator: "TensorsToLandmarksCalculator"
  input_stream: "TENSORS:ensured_landmark_tensors"
  output_stream: "NORM_LANDMARKS:crop_landmarks"
  options: {
    [mediapipe.TensorsToLandmarksCalculatorOptions.ext] {
      num_landmarks: 21
      input_image_width: 224
      input_image_height: 224
      normalize_z: 0.4
    }
  }
}
node {
  calculator: "LandmarkLetterboxRemovalCalculator"
  input_stream: "LANDMARKS:crop_landmarks"
  input_stream: "LETTERBOX_PADDING:letterbox_padding"
  output_stream: "LANDMARKS:scaled_landmarks"
}
node {
  calculator: "LandmarkProjectionCalculator"
  input_stream: "NORM_LANDMARKS:scaled_landmarks"
  input_stream: "NORM_RECT:roi"
  output_stream: "NORM_LANDMARKS:landmarks"
}
node {
  calculator: "GateCalculator"
  input_stream: "world_landmark_tensor"
  input_stream: "ALLOW:hand_presence"
  output_stream: "ensured_world_landmark_tensor"
}
node {
  calculator: "TensorsToLandmarksCalculator"
  input_stream: "TENSORS:ensured_world_landmark_tensor"
  output_stream: "LANDMARKS:unprojected_world_landmarks"
  options: { [mediapipe.TensorsToLandmarksCalculatorOptions.ext] { num_landmarks: 21 } }
}
node {
  calculator: "WorldLandmarkProjectionCalculator"
  input_stream: "LANDMARKS:unprojected_world_landmarks"
  input_stream: "NORM_RECT:roi"
  output_stream: "LANDMARKS:world_landmarks"
}
"""


@dataclass(frozen=True, eq=False)
class Palm:
    """One palm detection: where in the scan image, how sure, and what to run landmarks on."""

    box: np.ndarray  # (4,) scan pixels
    score: float
    region: int  # index into the regions (and crops) of this image
    detection: Any  # MediaPipe Detection proto, relative to that region's crop


class HandStage(GraphStage):
    """Finds hands and reads their fingers. A context manager: ``close()`` frees the graphs.

    Calls are serialised (see ``graphs``); use one stage per thread or process for parallel scans.
    """

    model = "mediapipe hands"

    def __init__(self, options: Optional[HandOptions] = None) -> None:
        super().__init__()
        self.options = o = options or HandOptions()
        self._classifier: Any = None

        def factory(graph: str, outputs: list[str], **params: Any) -> Callable[[], Any]:
            def build() -> Any:
                from google.protobuf import text_format
                from mediapipe.framework import calculator_pb2
                from mediapipe.python.solution_base import SolutionBase

                config = text_format.Parse(graph, calculator_pb2.CalculatorGraphConfig())
                return SolutionBase(
                    graph_config=config,
                    side_inputs={"model_complexity": o.model_complexity},
                    calculator_params=params,
                    outputs=outputs,
                )

            return build

        self._start(
            factory(
                _PALM_GRAPH,
                ["palm_detections"],
                **{
                    "palmdetectioncpu__TensorsToDetectionsCalculator.min_score_thresh": (
                        o.min_detection_confidence
                    )
                },
            ),
            "palm",
        )
        self._start(
            factory(
                _LANDMARK_GRAPH,
                ["landmarks", "world_landmarks", "handedness", "presence"],
                **{"presence_threshold.threshold": o.min_presence_confidence},
            ),
            "landmarks",
        )
        if o.use_classifier:
            from .classifier import load_default_classifier

            self._classifier = load_default_classifier()

    # -- detection ---------------------------------------------------------------------------

    def palms(self, crop: np.ndarray, region: Region, index: int) -> list[Palm]:
        """The region's best ``max_hands_per_region`` palms, boxes in scan-image pixels."""
        out = self._process({"image": crop}, "palm")
        h, w = crop.shape[:2]
        s = region.scale
        found = []
        for det in out.palm_detections or []:
            bb = det.location_data.relative_bounding_box
            x0 = bb.xmin * w / s + region.x0
            y0 = bb.ymin * h / s + region.y0
            box = np.array([x0, y0, x0 + bb.width * w / s, y0 + bb.height * h / s], np.float32)
            found.append(Palm(box, float(det.score[0]) if det.score else 0.0, index, det))
        found.sort(key=lambda p: -p.score)
        return found[: self.options.max_hands_per_region]

    def landmarks(self, crop: np.ndarray, region: Region, palm: Palm) -> Optional[RawHand]:
        """The landmark model on one palm; None when it says there is no hand there."""
        out = self._process({"image": crop, "palm_detection": palm.detection}, "landmarks")
        if out.landmarks is None:
            return None
        h, w = crop.shape[:2]
        s = region.scale
        norm = np.array([[p.x, p.y, p.z] for p in out.landmarks.landmark], dtype=np.float32)
        world = (
            np.array([[p.x, p.y, p.z] for p in out.world_landmarks.landmark], dtype=np.float32)
            if out.world_landmarks is not None
            else np.zeros((21, 3), np.float32)
        )
        px = np.empty_like(norm)
        px[:, 0] = norm[:, 0] * w / s + region.x0
        px[:, 1] = norm[:, 1] * h / s + region.y0
        px[:, 2] = norm[:, 2] * w / s
        label, side_score = "Right", 0.5
        if out.handedness is not None and out.handedness.classification:
            c = out.handedness.classification[0]
            label, side_score = c.label, float(c.score)
        # MediaPipe labels hands as if the photo were a mirrored selfie; evidence photos are
        # not mirrored, so swap to name the person's own hand.
        handed = Handedness.LEFT if label == "Right" else Handedness.RIGHT
        # The landmarks are gated on this score, so where they came it came too.
        return RawHand(px, world, handed, side_score, palm.score, region.kind, float(out.presence))

    def run_region(self, rgb: np.ndarray, region: Region) -> list[RawHand]:
        """Hands in one region, with landmarks mapped back to scan-image pixels."""
        crop = crop_region(rgb, region)
        hands = [self.landmarks(crop, region, p) for p in self.palms(crop, region, 0)]
        return [h for h in hands if h is not None]

    def run(self, rgb: np.ndarray, faces: Optional[Detections] = None) -> HandResult:
        """All hands in a scan image; ``faces`` (the face stage's, same pixels) say where small
        hands are worth a closer look.

        Palms from all regions are merged before the landmark model runs, each on the crop of the
        region that saw its palm best (that region's scale is the one the palm detector liked)."""
        h, w = rgb.shape[:2]
        faces_xyxy = faces.xyxy if faces is not None and len(faces) else None
        regions = plan_regions(w, h, faces_xyxy, self.options.search)
        crops = [crop_region(rgb, r) for r in regions]
        palms = [p for i, (r, c) in enumerate(zip(regions, crops)) for p in self.palms(c, r, i)]
        raws: list[RawHand] = []
        if palms:
            keep = merge_duplicates(
                np.stack([p.box for p in palms]),
                np.array([p.score for p in palms]),
                self.options.merge_iou,
            )
            for i in keep:
                p = palms[i]
                raw = self.landmarks(crops[p.region], regions[p.region], p)
                if raw is not None:
                    raws.append(raw)
        return HandResult(tuple(self.finish(raws)), len(regions))

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
                    presence=r.presence,
                )
            )
        hands.sort(key=lambda hd: (-hd.score, float(hd.box[0])))
        return hands
