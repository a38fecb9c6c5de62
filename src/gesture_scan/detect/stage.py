"""The campaign-material stage: our Ultralytics YOLO model (``banner``, ``flag``) over a photo.

The model may predict reject classes after those two (``signboard``: shop signs and commercial
billboards, ``onnx_yolo.REJECT_CLASSES``); their boxes are dropped here, at the edge, because
they are not evidence of anything and every later step (rules, text, annotation) would have to
skip them.

Two backends run the same network: onnxruntime on the CPU (``onnx_yolo.py``, the shipped
``material_yolo.onnx``; starts in a fraction of a second, no torch in the process) and torch +
Ultralytics (``material_yolo.pt``; GPUs, batching, and any ``.pt`` a user trains).
``ObjectOptions`` says how "auto" picks one; ``select_backend`` does it without importing torch.

The only modules that import torch, ultralytics and (for YOLO) onnxruntime, and only when a stage
is built, so the rest of the package (finger logic, rules, reports) imports and tests without them.
Results leave as our ``Detections`` in the pixels of the image passed in.

The weights come from the package data ``gesture_scan.weights`` (the repository's ``weights/``),
never from the network: ``YOLO_OFFLINE`` is set before ultralytics is imported, and a missing file
is reported here rather than handed to Ultralytics, which would try to download a file it does not
find.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .._stage import ModelStage
from .._validate import check_rgb
from ..detections import Detections
from ..errors import ModelError
from .onnx_yolo import first_line, known_classes, shrink
from .options import ObjectOptions

CLASS_NAMES: tuple[str, ...] = ("banner", "flag")
WEIGHTS_FILE = "material_yolo.pt"
ONNX_FILE = "material_yolo.onnx"  # scripts/export_yolo_onnx.py, from WEIGHTS_FILE


@dataclass(frozen=True, eq=False)
class ObjectResult:
    """The material stage's result: banners and flags in the pixels of the image passed in, best
    score first, and ``calls``, the network runs it took (one per image)."""

    detections: Detections
    calls: int

    @classmethod
    def empty(cls) -> ObjectResult:
        """What a scan with the material stage off sees: no object, no call."""
        return cls(Detections.empty(CLASS_NAMES), 0)


def default_weights() -> Path:
    """Where the shipped weights are, in an editable checkout and in an installed wheel alike."""
    return Path(str(resources.files("gesture_scan.weights") / WEIGHTS_FILE))


def default_onnx_weights() -> Path:
    """The shipped ONNX export of ``default_weights()``."""
    return Path(str(resources.files("gesture_scan.weights") / ONNX_FILE))


def nvidia_gpu_visible() -> bool:
    """Whether torch could find an NVIDIA GPU, answered without importing torch (seconds per
    process): the driver's device nodes, narrowed by an empty or -1 ``CUDA_VISIBLE_DEVICES``.
    Platforms without ``/dev/nvidia*`` (Windows, WSL, macOS) answer no: ask ``device="cuda"``."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return False
    return any(Path("/dev").glob("nvidia[0-9]*"))


GPU_EXTRA = "pip install 'gesture-scan[gpu]'"


def torch_installed() -> bool:
    """Whether the ``gpu`` extra (torch, Ultralytics) is installed, without importing it: the
    default install leaves it out (3-4 GB of CUDA wheels the CPU scan never uses)."""
    from importlib.util import find_spec

    return find_spec("torch") is not None and find_spec("ultralytics") is not None


def select_backend(options: ObjectOptions, gpu: bool | None = None) -> tuple[str, Path]:
    """("onnx" | "torch", the weights file it loads) by the rule in ``ObjectOptions``' docstring.

    ``gpu`` overrides ``nvidia_gpu_visible()`` (tests). The file is not checked here: a missing
    one is the stage's ``ModelError``, except that "auto" falls back to torch when the shipped
    ``.onnx`` is missing."""
    weights = options.weights
    if weights is not None and weights.suffix.lower() == ".onnx":
        return "onnx", weights
    pt = weights if weights is not None else default_weights()
    if options.backend == "torch":
        return "torch", pt
    if options.backend == "onnx":
        return "onnx", default_onnx_weights() if weights is None else pt.with_suffix(".onnx")
    shipped = weights is None or weights.resolve() == default_weights().resolve()
    if not shipped or options.device.startswith("cuda"):
        return "torch", pt
    onnx = default_onnx_weights()
    if not onnx.is_file():
        return "torch", pt
    if options.device == "auto" and (nvidia_gpu_visible() if gpu is None else gpu):
        # A GPU without the gpu extra: the CPU backend, as on any machine without a GPU.
        return ("torch", pt) if torch_installed() else ("onnx", onnx)
    return "onnx", onnx


def check_installed(options: ObjectOptions) -> None:
    """``ModelError`` (exit 3) naming the extra where ``options`` need torch and it is missing;
    the CLI asks before starting workers, so the message comes once and at once."""
    backend, weights = select_backend(options)
    if backend == "torch" and not torch_installed():
        raise ModelError(
            "material detector",
            f"{weights.name} on device {options.device!r} needs torch and Ultralytics, which the "
            f"default install leaves out: {GPU_EXTRA} (or use the shipped ONNX weights on the "
            "CPU: --device cpu)",
        )


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda:0`` when torch sees a GPU, else ``cpu``; an explicit CUDA device that is
    not there is an error rather than a silent fall-back, so a slow run does not surprise anyone."""
    import torch

    if device == "auto":
        return "cuda:0" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ModelError(
                "material detector", f"device {device!r} asked for, but torch sees no GPU"
            )
        index = int(device.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            raise ModelError(
                "material detector",
                f"device {device!r} asked for, but torch sees {torch.cuda.device_count()} GPU(s)",
            )
        return f"cuda:{index}"
    return "cpu"


class ObjectStage(ModelStage):
    """Finds campaign banners and flags. A context manager: ``close()`` drops the model.

    ``backend`` ("onnx" | "torch") and ``weights`` say what was loaded, ``device`` where it runs.
    Calls are serialised with a lock (an Ultralytics predictor keeps per-call state); use one stage
    per worker process for parallel scans.
    """

    def __init__(self, options: ObjectOptions | None = None) -> None:
        self.options = options or ObjectOptions()
        super().__init__()
        self._model: Any = None  # Ultralytics YOLO (torch backend)
        self._onnx: Any = None  # OnnxDetector (onnx backend)
        self.backend, self.weights = select_backend(self.options)
        # Checked here, not by Ultralytics: for a file it cannot find it goes looking online.
        if not self.weights.is_file():
            how = (
                "export it with scripts/export_yolo_onnx.py, or use backend='torch'"
                if self.backend == "onnx"
                else "train it with scripts/train_detector.py"
            )
            raise ModelError(
                str(self.weights),
                f"weights file not found ({how}; the package ships weights/{WEIGHTS_FILE} "
                f"and weights/{ONNX_FILE})",
            )
        if self.backend == "onnx":
            from .onnx_yolo import OnnxDetector

            self.device = "cpu"
            self._onnx = OnnxDetector(
                self.weights, self.options.imgsz, self.options.threads, CLASS_NAMES
            )
            return
        os.environ["YOLO_OFFLINE"] = "1"  # before ultralytics is imported: no online checks
        check_installed(self.options)
        try:
            import torch  # before ultralytics, which sets OMP_NUM_THREADS=1 when it is unset
            from ultralytics import YOLO
        except Exception as exc:  # pragma: no cover - depends on the install
            raise ModelError("ultralytics", f"cannot import ultralytics: {exc}") from exc
        # Ultralytics drops torch to cpu_count - 1 threads when its predictor picks the CPU; we
        # put back what the caller had, so a library call does not change the process's speed.
        self._threads = torch.get_num_threads()
        self.device = resolve_device(self.options.device)
        try:
            model = YOLO(str(self.weights.resolve()), task="detect")
        except Exception as exc:  # corrupt, truncated, not a checkpoint, another torch's pickle
            raise ModelError(
                str(self.weights), f"not a loadable YOLO checkpoint ({first_line(exc)})"
            ) from exc
        names = tuple(str(model.names[i]) for i in sorted(model.names))
        if not known_classes(names, CLASS_NAMES):
            raise ModelError(
                str(self.weights), f"model predicts classes {names}, expected {CLASS_NAMES}"
            )
        self._model = model

    def _release(self) -> None:
        if self._onnx is not None:
            self._onnx.close()
            self._onnx = None
        if self._model is None:
            return
        self._model = None
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.empty_cache()

    # -- detection ---------------------------------------------------------------------------

    def _shrink(self, rgb: np.ndarray) -> tuple[np.ndarray, float, float]:
        """``rgb`` shrunk to ``imgsz`` with INTER_AREA (``onnx_yolo.shrink``: both backends)."""
        return shrink(rgb, self.options.imgsz)

    def _predict(self, images: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(xyxy, scores, class ids) per RGB image, boxes in that image's pixels."""
        o = self.options
        with self._lock:
            if self._model is None and self._onnx is None:
                raise ModelError(str(self.weights), "stage is closed")
            if self._onnx is not None:
                # One image per run: on a CPU a batch costs the sum of its images anyway, and
                # each image keeps its own tight rectangle, as ``run`` gives it.
                return [self._onnx.detect(im, o.conf, o.iou, o.max_det) for im in images]
            # Ultralytics takes BGR (OpenCV's order); the swap copies only the shrunk images.
            bgr = [np.ascontiguousarray(im[..., ::-1]) for im in images]
            results = list(
                self._model.predict(
                    bgr,
                    imgsz=o.imgsz,
                    conf=o.conf,
                    iou=o.iou,
                    max_det=o.max_det,
                    device=self.device,
                    verbose=False,
                    save=False,
                )
            )
            import torch

            if torch.get_num_threads() != self._threads:
                torch.set_num_threads(self._threads)
        return [self._arrays(r) for r in results]

    @staticmethod
    def _arrays(result: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        boxes = result.boxes
        if boxes is None or len(boxes) == 0:
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
        return (
            boxes.xyxy.detach().cpu().numpy().astype(np.float32),
            boxes.conf.detach().cpu().numpy().astype(np.float32),
            boxes.cls.detach().cpu().numpy().astype(np.int64),
        )

    @staticmethod
    def _to_detections(
        found: tuple[np.ndarray, np.ndarray, np.ndarray], sx: float, sy: float, w: int, h: int
    ) -> Detections:
        xyxy, conf, cls = found
        ours = cls < len(CLASS_NAMES)  # reject classes (signboard) are not evidence
        xyxy, conf, cls = xyxy[ours], conf[ours], cls[ours]
        if len(conf) == 0:
            return Detections.empty(CLASS_NAMES)
        xyxy = xyxy * np.array([sx, sy, sx, sy], np.float32)
        xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, w)
        xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, h)
        order = np.argsort(-conf, kind="stable")
        return Detections(xyxy[order], conf[order], cls[order], CLASS_NAMES)

    def run(self, rgb: np.ndarray) -> ObjectResult:
        """Banners and flags in one RGB image (the scan's step; ``detect_batch`` for many)."""
        return ObjectResult(self.detect_batch([rgb])[0], 1)

    def detect_batch(self, images: Sequence[np.ndarray], batch_size: int = 16) -> list[Detections]:
        """``run``'s detections for many images, ``batch_size`` at a time: one forward pass per
        batch is what makes a GPU worth having (torch backend); on a CPU it is about as fast as
        one by one, and the onnx backend runs them one by one."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        checked = [check_rgb(im, "scan") for im in images]
        out: list[Detections] = []
        for start in range(0, len(checked), batch_size):
            chunk = checked[start : start + batch_size]
            shrunk = [self._shrink(im) for im in chunk]
            results = self._predict([s[0] for s in shrunk])
            for im, (_, sx, sy), res in zip(chunk, shrunk, results):
                out.append(self._to_detections(res, sx, sy, im.shape[1], im.shape[0]))
        return out
