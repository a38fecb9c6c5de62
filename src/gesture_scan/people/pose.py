"""Bodies under the faces: MediaPipe Pose run on a region seeded by each face (issue 20).

Linking a hand to a person from face geometry alone guesses where the shoulders are; in a tight
group a hand between two people goes to whichever face is nearer. Pose says where the wrists and
elbows *are*. MediaPipe Pose finds one body per call, so it runs once per face on a crop a few face
sizes wide around and below it (`pose_detection` + `pose_landmark_full`, both in the mediapipe
wheel); a body is kept only if its nose lies in the seed face, otherwise the crop's most visible
body was a neighbour and that face keeps the geometric link. mediapipe is imported only here, in
the stage's factory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .._validate import check_bool
from ..detections import Detections
from ..errors import ConfigError
from ..graphs import GraphStage, crop_region
from ..hands.search import Region

#: MediaPipe Pose landmark indices kept per body, in this order.
KEYPOINTS = {
    "nose": 0,
    "left_shoulder": 11,
    "right_shoulder": 12,
    "left_elbow": 13,
    "right_elbow": 14,
    "left_wrist": 15,
    "right_wrist": 16,
    "left_index": 19,
    "right_index": 20,
}
NAMES = tuple(KEYPOINTS)
WRISTS = (NAMES.index("left_wrist"), NAMES.index("right_wrist"))
ELBOWS = (NAMES.index("left_elbow"), NAMES.index("right_elbow"))
SHOULDERS = (NAMES.index("left_shoulder"), NAMES.index("right_shoulder"))


@dataclass(frozen=True)
class PoseOptions:
    """Where pose looks for each face's body, in face sizes (the face box's longer side).

    A standing person's body from the top of the head to the hips is about 4 face sizes, and arms
    raised in a sign reach a face size or two above and beside the head: a square 6 face sizes
    wide, from one face size above the face down, holds both. Faces are taken largest first and at
    most ``max_faces`` of them (each costs one pose call).
    """

    enabled: bool = False
    region_side: float = 6.0
    region_above: float = 1.0
    out_side: int = 256  # crop resized to this (the landmark model reads 256 px)
    min_face_px: float = 12.0  # smaller faces have too few pixels of body to pose
    max_faces: int = 24
    min_detection_confidence: float = 0.5
    nose_slack: float = 0.5  # the nose may lie this far (face sizes) outside the seed face

    def __post_init__(self) -> None:
        check_bool(self, "enabled")
        for name, lo, hi in (
            ("region_side", 1.0, 20.0),
            ("region_above", 0.0, 10.0),
            ("out_side", 64, 2048),
            ("min_face_px", 0.0, 1000.0),
            ("max_faces", 1, 1000),
            ("min_detection_confidence", 0.0, 1.0),
            ("nose_slack", 0.0, 5.0),
        ):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                raise ConfigError(f"PoseOptions.{name}", f"must be a number in [{lo}, {hi}]")


@dataclass(frozen=True)
class Body:
    """One person's pose: ``points`` (len(NAMES), 2) in image pixels, ``visibility`` 0..1 each."""

    face: int
    points: np.ndarray
    visibility: np.ndarray

    def point(self, name: str) -> np.ndarray:
        return self.points[NAMES.index(name)]

    def scaled(self, factor: float) -> Body:
        if factor == 1.0:
            return self
        return Body(self.face, self.points * factor, self.visibility)


@dataclass(frozen=True, eq=False)
class PoseResult:
    """The pose stage's result: bodies (in the pixels of the image passed in) of the faces that
    had one, by face index, and ``calls``, the pose runs (faces large enough to seed one)."""

    bodies: tuple[Body, ...]
    calls: int

    @classmethod
    def empty(cls) -> PoseResult:
        """What the link sees without pose (off, or no face or hand to link): no body, no call."""
        return cls((), 0)


def seed_region(face_xyxy: np.ndarray, options: PoseOptions) -> Region:
    """The square around and below one face where its body should be."""
    x0, y0, x1, y1 = (float(v) for v in face_xyxy)
    size = max(x1 - x0, y1 - y0, 1.0)
    side = options.region_side * size
    cx = (x0 + x1) / 2
    top = y0 - options.region_above * size
    return Region(cx - side / 2, top, cx + side / 2, top + side, "person", options.out_side)


class PoseStage(GraphStage):
    """One body per face. A context manager; calls are serialised (see ``graphs``)."""

    model = "mediapipe pose"

    def __init__(self, options: Optional[PoseOptions] = None) -> None:
        super().__init__()
        self.options = options or PoseOptions()

        def factory() -> Any:
            from mediapipe.python.solutions.pose import Pose

            return Pose(
                static_image_mode=True,
                model_complexity=1,  # pose_landmark_full, the one the wheel ships
                enable_segmentation=False,
                min_detection_confidence=self.options.min_detection_confidence,
            )

        self._start(factory)

    def body(self, rgb: np.ndarray, face: int, face_xyxy: np.ndarray) -> Optional[Body]:
        """The body whose nose is in ``face_xyxy``, or None (no body, or a neighbour's)."""
        region = seed_region(face_xyxy, self.options)
        crop = np.ascontiguousarray(crop_region(rgb, region))
        out = self._process(crop)
        if out.pose_landmarks is None:
            return None
        lms = out.pose_landmarks.landmark
        h, w = crop.shape[:2]
        s = region.scale
        pts = np.array(
            [
                [lms[i].x * w / s + region.x0, lms[i].y * h / s + region.y0]
                for i in KEYPOINTS.values()
            ]
        )
        vis = np.array([float(lms[i].visibility) for i in KEYPOINTS.values()])
        x0, y0, x1, y1 = (float(v) for v in face_xyxy)
        slack = self.options.nose_slack * max(x1 - x0, y1 - y0)
        nx, ny = pts[0]
        if not (x0 - slack <= nx <= x1 + slack and y0 - slack <= ny <= y1 + slack):
            return None
        return Body(face, pts, vis)

    def run(self, rgb: np.ndarray, faces: Detections) -> PoseResult:
        """Bodies of the largest ``faces`` (the face stage's, in ``rgb``'s pixels): one pose run
        each, so a crowd costs ``max_faces`` runs at most."""
        xyxy = np.asarray(faces.xyxy, dtype=np.float64).reshape(-1, 4)
        sizes = np.maximum(xyxy[:, 2] - xyxy[:, 0], xyxy[:, 3] - xyxy[:, 1])
        order = [
            int(j)
            for j in np.argsort(-sizes, kind="stable")
            if sizes[j] >= self.options.min_face_px
        ]
        order = order[: self.options.max_faces]
        bodies = [self.body(rgb, j, xyxy[j]) for j in order]
        found = tuple(sorted((b for b in bodies if b is not None), key=lambda b: b.face))
        return PoseResult(found, len(order))
