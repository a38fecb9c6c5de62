"""Options of the campaign-material (YOLO) stage.

Kept next to the stage rather than in ``config.py`` so this module, like the rest of the package,
imports without torch or onnxruntime; the stage alone pulls in the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .._validate import check_bool, check_int, check_stride
from .._validate import check_range as _check_range
from ..errors import ConfigError

# The size material_yolo.pt was trained at (weights/MODEL_CARD.md). Larger sizes work (the network
# is fully convolutional) but see objects at scales it never trained on, and cost time.
TRAINED_IMGSZ = 320

_DEVICE = re.compile(r"^(auto|cpu|cuda|cuda:\d+)$")
BACKENDS = ("auto", "onnx", "torch")


@dataclass(frozen=True)
class ObjectOptions:
    """How the YOLO stage runs. ``weights`` None means the shipped model (``material_yolo.pt`` and
    its ONNX export ``material_yolo.onnx``).

    ``backend`` picks the runtime; "auto" decides without importing torch (that import alone costs
    seconds per worker):

    - ``.onnx`` weights run on onnxruntime, on the CPU;
    - the shipped model runs on onnxruntime when ``material_yolo.onnx`` is there and no GPU is
      asked for or visible: ``device`` "cpu", or "auto" with no NVIDIA device node (``/dev/nvidia0``
      ...) or with ``CUDA_VISIBLE_DEVICES`` set empty or to -1; otherwise on torch, which takes
      the GPU and batches on it (``detect_batch``);
    - any other weights (your own ``.pt``) run on torch.

    "onnx" forces onnxruntime: ``.pt`` weights then mean the ``.onnx`` file beside them
    (``scripts/export_yolo_onnx.py`` makes it). "torch" forces torch + Ultralytics. onnxruntime
    runs on the CPU here, so "onnx" with a CUDA ``device`` is refused.

    ``threads``: onnxruntime's intra-op threads, 0 lets onnxruntime decide (one per core); the
    scanner's worker processes (one per core) ask for 1. The torch backend ignores it (torch's own
    thread count applies).
    """

    enabled: bool = True
    weights: Path | None = None
    device: str = "auto"  # "auto": a GPU when one is visible (see above), else the CPU
    imgsz: int = TRAINED_IMGSZ
    conf: float = 0.35
    iou: float = 0.5
    max_det: int = 100
    backend: str = "auto"  # one of BACKENDS
    threads: int = 0

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
        check_stride(self, "imgsz")  # the network's largest stride is 32
        _check_range(self, "conf", 0.0, 1.0)
        _check_range(self, "iou", 0.0, 1.0)
        check_int(self, "max_det")
        _check_range(self, "max_det", 1, 10_000)
        if not isinstance(self.backend, str) or self.backend not in BACKENDS:
            raise ConfigError(
                "ObjectOptions.backend",
                f"must be one of {', '.join(BACKENDS)}, got {self.backend!r}",
            )
        check_int(self, "threads")
        _check_range(self, "threads", 0, 256)
        onnx_weights = self.weights is not None and self.weights.suffix.lower() == ".onnx"
        if onnx_weights and self.backend == "torch":
            raise ConfigError(
                "ObjectOptions.backend", "'torch' cannot run .onnx weights; use 'onnx' or 'auto'"
            )
        if (onnx_weights or self.backend == "onnx") and self.device.startswith("cuda"):
            raise ConfigError(
                "ObjectOptions.device",
                f"{self.device!r} needs the torch backend: onnxruntime runs on the CPU here",
            )
