"""gesture-scan: triage evidence photos for partisan hand signs and campaign material.

Library use::

    from gesture_scan import Scanner
    with Scanner() as scanner:
        result = scanner.scan_image("photo.jpg")   # or bytes, or an RGB numpy array
        record = result.to_dict()                   # the JSON-lines record

Models load when the Scanner is built (once) and are released by ``close()`` / ``with``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .config import (
    AttireOptions,
    FaceOptions,
    GalleryOptions,
    HandOptions,
    HeldOptions,
    ObjectOptions,
    PersonOptions,
    ScanConfig,
    SearchOptions,
    TextOptions,
)
from .detections import Detections
from .errors import (
    ConfigError,
    GestureScanError,
    InputError,
    ModelError,
    ReportWriteError,
    UsageError,
    WorkerError,
)
from .results import (
    Direction,
    FaceInfo,
    Finding,
    FingerReading,
    FrameInfo,
    Gesture,
    Hand,
    Held,
    ImageResult,
    TextLine,
    TextMatch,
)

#: The result type's name before the text types were made one (the matcher's ``TextMatch``).
TextMatchInfo = TextMatch

if TYPE_CHECKING:
    from .pipeline import Scanner


def __getattr__(name: str) -> Any:
    # Scanner imports the model stages; resolve it lazily so `import gesture_scan` stays cheap for
    # code that only needs the result types.
    if name == "Scanner":
        from .pipeline import Scanner

        return Scanner
    raise AttributeError(name)


__all__ = [
    "AttireOptions",
    "ConfigError",
    "Detections",
    "Direction",
    "FaceInfo",
    "FaceOptions",
    "Finding",
    "FingerReading",
    "FrameInfo",
    "GalleryOptions",
    "Gesture",
    "GestureScanError",
    "Hand",
    "HandOptions",
    "Held",
    "HeldOptions",
    "ImageResult",
    "InputError",
    "ModelError",
    "ObjectOptions",
    "PersonOptions",
    "ReportWriteError",
    "ScanConfig",
    "Scanner",
    "SearchOptions",
    "TextLine",
    "TextMatch",
    "TextMatchInfo",
    "TextOptions",
    "UsageError",
    "WorkerError",
    "__version__",
]
