"""Options of the campaign-material (YOLO) stage.

Kept next to the stage rather than in ``config.py`` so this module, like the rest of the package,
imports without torch; the stage alone pulls in the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .._validate import check_bool, check_int
from .._validate import check_range as _check_range
from ..errors import ConfigError

# The size material_yolo.pt was trained at (weights/MODEL_CARD.md). Larger sizes work (the network
# is fully convolutional) but see objects at scales it never trained on, and cost time.
TRAINED_IMGSZ = 320

_DEVICE = re.compile(r"^(auto|cpu|cuda|cuda:\d+)$")


@dataclass(frozen=True)
class ObjectOptions:
    """How the YOLO stage runs. ``weights`` None means the shipped ``material_yolo.pt``."""

    enabled: bool = True
    weights: Path | None = None
    device: str = "auto"  # "auto" takes the GPU when torch sees one
    imgsz: int = TRAINED_IMGSZ
    conf: float = 0.35
    iou: float = 0.5
    max_det: int = 100

    def __post_init__(self) -> None:
        check_bool(self, "enabled")
        weights: str | Path | None = self.weights
        if weights is not None:
            if not isinstance(weights, (str, Path)) or not str(weights):
                raise ConfigError("ObjectOptions.weights", f"must be a file path, got {weights!r}")
            object.__setattr__(self, "weights", Path(weights))
        if not isinstance(self.device, str) or not _DEVICE.match(self.device):
            raise ConfigError(
                "ObjectOptions.device",
                f"must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {self.device!r}",
            )
        check_int(self, "imgsz")
        _check_range(self, "imgsz", 64, 4096)
        if self.imgsz % 32:
            # the network's largest stride is 32; Ultralytics would silently round it up
            raise ConfigError("ObjectOptions.imgsz", f"must be a multiple of 32, got {self.imgsz}")
        _check_range(self, "conf", 0.0, 1.0)
        _check_range(self, "iou", 0.0, 1.0)
        check_int(self, "max_det")
        _check_range(self, "max_det", 1, 10_000)
