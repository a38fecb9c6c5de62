"""Hand stage: landmarks (MediaPipe, ``stage``), small-hand search, finger logic (model-free)."""

from .fingers import FingerThresholds, hand_features, read_fingers
from .landmarks import Finger, HandLandmark

__all__ = ["Finger", "FingerThresholds", "HandLandmark", "hand_features", "read_fingers"]
