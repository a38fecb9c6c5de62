"""The campaign-material network through onnxruntime: ``ObjectStage``'s CPU backend.

Why it exists: a worker that runs the YOLO stage through torch + Ultralytics spends ~6 s of its
start-up on importing them, building the model and warming up the predictor, and carries several
hundred MB of torch. onnxruntime is installed anyway (RapidOCR runs on it) and starts the same
network in a fraction of a second (figures in ``bench/yolo_backends.json``).

It reproduces what Ultralytics' predictor does around the network, so both backends give the same
detections (``tests/test_detect.py`` compares them on real photos): the same letterbox (linear
resize, grey 114 padding, centred, the smallest stride-multiple rectangle when the model takes
dynamic shapes), RGB in 0..1, the best class per anchor above ``conf``, per-class NMS at ``iou``,
``max_det`` best, boxes mapped back with the rounded per-axis gains Ultralytics uses.

onnxruntime is imported when a detector is built, not when this module is, like torch in
``stage.py``: the rest of the package imports without it.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import ModelError

PAD_VALUE = 114  # Ultralytics' letterbox grey; the network was trained with it around photos


def first_line(exc: BaseException) -> str:
    """An exception's first line, for a one-line ``ModelError`` (runtimes raise pages)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


#: Classes a model may predict after ours, which the stage drops: the detector learns shop signs
#: and commercial billboards as a class of their own so that it can tell them from campaign
#: banners (as unlabelled background they taught it that every board by a road is nothing).
REJECT_CLASSES: tuple[str, ...] = ("signboard",)


def known_classes(names: Sequence[str], ours: Sequence[str]) -> bool:
    """Whether a model's classes are ``ours`` followed by nothing but reject classes."""
    head, rest = tuple(names[: len(ours)]), names[len(ours) :]
    return head == tuple(ours) and all(n in REJECT_CLASSES for n in rest)


def _class_names(meta: dict[str, str]) -> tuple[str, ...] | None:
    """The ``names`` Ultralytics' exporter writes into the ONNX metadata (a dict's repr)."""
    try:
        names = ast.literal_eval(meta.get("names", ""))
    except (ValueError, SyntaxError):
        return None
    if not isinstance(names, dict):
        return None
    return tuple(str(names[i]) for i in sorted(names))


def shrink(rgb: np.ndarray, imgsz: int) -> tuple[np.ndarray, float, float]:
    """An RGB image whose longer side is at most ``imgsz``, and the factors back to ``rgb``.

    The letterbox would shrink a large photo itself, but with a linear resize that aliases when a
    12 MP photo shrinks 10x; INTER_AREA averages instead, like the training images. Both stages
    that run a YOLO export (material, persons) shrink this way before ``detect``."""
    h, w = rgb.shape[:2]
    scale = imgsz / max(h, w)
    # OpenCV refuses views with negative strides (``bgr[..., ::-1]``); a copy only for those
    rgb = np.ascontiguousarray(rgb)
    if scale >= 1.0:
        return rgb, 1.0, 1.0
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    return cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA), w / nw, h / nh


def open_detector(
    weights: Path, shipped: str, maker: str, imgsz: int, threads: int, class_names: tuple[str, ...]
) -> OnnxDetector:
    """The session of a stage that runs one YOLO export (persons, held objects). A missing file
    is a ``ModelError`` naming the file the package ships and the script that makes it, rather
    than onnxruntime's page about a path it cannot open."""
    if not weights.is_file():
        raise ModelError(
            str(weights),
            f"weights file not found (the package ships weights/{shipped}; {maker} makes it)",
        )
    return OnnxDetector(weights, imgsz, threads, class_names)


class OnnxDetector:
    """One onnxruntime session of an Ultralytics detection export (``(1, 4 + nc, N)`` output).

    ``class_names``: the classes the export must predict first (``known_classes``), checked
    against the names Ultralytics wrote into its metadata. Not locked: the stage that owns it
    (``ObjectStage``, ``PersonStage``) serialises calls and owns the lifetime.
    """

    def __init__(self, path: Path, imgsz: int, threads: int, class_names: tuple[str, ...]) -> None:
        try:
            import onnxruntime as ort
        except Exception as exc:  # pragma: no cover - depends on the install
            raise ModelError("onnxruntime", f"cannot import onnxruntime: {exc}") from exc
        so = ort.SessionOptions()
        # 0 is onnxruntime's own choice (one thread per physical core); scan workers ask for 1,
        # as N workers x N spinning threads on N cores only fight each other.
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1  # a plain conv chain: nothing runs in parallel branches
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.log_severity_level = 3  # its warnings are about graph details, not about our inputs
        try:
            self._session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        except Exception as exc:  # not ONNX, truncated, an opset this runtime lacks
            raise ModelError(str(path), f"not a loadable ONNX model ({first_line(exc)})") from exc
        meta = dict(self._session.get_modelmeta().custom_metadata_map)
        names = _class_names(meta)
        if names is None or not known_classes(names, class_names):
            raise ModelError(str(path), f"model predicts classes {names}, expected {class_names}")
        self.names: tuple[str, ...] = names
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        if len(inputs) != 1 or len(inputs[0].shape) != 4 or len(outputs) < 1:
            raise ModelError(str(path), "not a YOLO detection export (one NCHW image input)")
        self._input = inputs[0].name
        channels = outputs[0].shape[1] if len(outputs[0].shape) == 3 else None
        if isinstance(channels, int) and channels != 4 + len(names):
            raise ModelError(
                str(path), f"output has {channels} channels, expected {4 + len(names)}"
            )
        h, w = inputs[0].shape[2:]
        # A static export (ints here) only takes its own size; a dynamic one takes any stride
        # multiple, which lets it see exactly the rectangle Ultralytics' torch predictor builds.
        self.fixed: tuple[int, int] | None = None
        if isinstance(h, int) and isinstance(w, int):
            if max(h, w) != imgsz:
                raise ModelError(
                    str(path), f"exported for {w}x{h} input, but the options ask imgsz {imgsz}"
                )
            self.fixed = (h, w)
        self.imgsz = imgsz
        try:
            self.stride = int(meta.get("stride", 32))
        except ValueError:
            self.stride = 32

    def letterbox(self, rgb: np.ndarray) -> tuple[np.ndarray, tuple[float, float, int, int]]:
        """The NCHW float32 network input, and (gain_x, gain_y, left, top) to map boxes back.

        The arithmetic is Ultralytics' ``LetterBox`` (centred, ``round(d -/+ 0.1)`` split of the
        padding, ``scaleup``), so the same pixels reach the network as on the torch path."""
        h, w = rgb.shape[:2]
        nh_max, nw_max = self.fixed or (self.imgsz, self.imgsz)
        r = min(nh_max / h, nw_max / w)
        nw, nh = max(round(w * r), 1), max(round(h * r), 1)
        dw, dh = nw_max - nw, nh_max - nh
        if self.fixed is None:  # the smallest stride-multiple rectangle around the photo
            dw, dh = dw % self.stride, dh % self.stride
        img = (
            rgb if (w, h) == (nw, nh) else cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR)
        )
        top, bottom = round(dh / 2 - 0.1), round(dh / 2 + 0.1)
        left, right = round(dw / 2 - 0.1), round(dw / 2 + 0.1)
        img = cv2.copyMakeBorder(
            img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3
        )
        blob = cv2.dnn.blobFromImage(img, scalefactor=1 / 255.0)  # HWC uint8 -> 1x3xHxW float32
        return blob, (nw / w, nh / h, left, top)

    def detect(
        self, rgb: np.ndarray, conf: float, iou: float, max_det: int, agnostic: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xyxy float32 in ``rgb`` pixels, scores, class ids), best score first.

        ``agnostic``: one NMS over all classes (Ultralytics' ``agnostic_nms``), for a model whose
        classes are states of one thing (the person detector's standing and fallen person), so
        one person does not keep a box of each."""
        blob, (gx, gy, left, top) = self.letterbox(rgb)
        pred: Any = self._session.run(None, {self._input: blob})[0][0]  # (4 + nc, anchors)
        scores_all = pred[4:]
        cls = scores_all.argmax(axis=0)
        scores = np.take_along_axis(scores_all, cls[None], axis=0)[0]
        keep = scores > conf  # strict, as in Ultralytics' non_max_suppression
        if not keep.any():
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
        cx, cy, bw, bh = pred[:4, keep]
        scores, cls = scores[keep], cls[keep]
        x0, y0 = cx - bw / 2, cy - bh / 2
        # OpenCV's batched NMS is per-class NMS (IoU > iou suppresses), like Ultralytics' class-
        # offset torchvision.ops.nms; it takes (x, y, w, h) boxes.
        groups = np.zeros_like(cls) if agnostic else cls
        picked = cv2.dnn.NMSBoxesBatched(
            np.stack([x0, y0, bw, bh], axis=1), scores, groups.astype(np.int32), conf, iou
        )
        idx = np.asarray(picked, np.int64).reshape(-1)
        idx = idx[np.argsort(-scores[idx], kind="stable")][:max_det]
        xyxy = np.stack([x0[idx], y0[idx], x0[idx] + bw[idx], y0[idx] + bh[idx]], axis=1)
        xyxy -= np.array([left, top, left, top], np.float32)
        xyxy /= np.array([gx, gy, gx, gy], np.float32)
        h, w = rgb.shape[:2]
        xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, w)
        xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, h)
        return xyxy.astype(np.float32), scores[idx].astype(np.float32), cls[idx].astype(np.int64)

    def close(self) -> None:
        self._session = None
