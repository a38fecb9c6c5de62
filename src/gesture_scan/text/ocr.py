"""The banner-text stage: RapidOCR (PP-OCRv4 detection + recognition in ONNX) over banner
regions, or over the whole photo when no banner was found.

RapidOCR because its wheel carries its three ONNX models (we run air-gapped; 1.4.4 has no
download code at all), it runs on onnxruntime alone (no torch, no paddle), and PP-OCRv4 reads the
large display type of banners well. This is the only module that imports it, and only when a
stage is built, so matching and the rules test without it.

RapidOCR treats a 3-channel array as BGR (it converts only files and PIL images), so the RGB
arrays we pass around are swapped here.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import util as importlib_util
from pathlib import Path
from typing import Any, Optional

import cv2
import numpy as np

from .._stage import ModelStage
from .._validate import check_rgb
from ..config import TextOptions
from ..errors import InputError, ModelError

#: The ONNX files RapidOCR loads from its own package folder; checked before building the engine
#: so a broken install names the file instead of failing deep inside onnxruntime.
MODEL_FILES = (
    "ch_PP-OCRv4_det_infer.onnx",
    "ch_PP-OCRv4_rec_infer.onnx",
    "ch_ppocr_mobile_v2.0_cls_infer.onnx",
)


@dataclass(frozen=True)
class TextRead:
    """One line of text: ``box`` (x0, y0, x1, y1) in the pixels of the image passed to ``read``,
    ``region`` the index of the banner box it was read in (None: read off the whole photo)."""

    box: tuple[float, float, float, float]
    text: str
    score: float
    region: Optional[int] = None


@dataclass(frozen=True)
class TextResult:
    """The text stage's result: lines in reading order, banner by banner, and ``calls``, the OCR
    passes (banner crops or the whole photo) it took."""

    reads: tuple[TextRead, ...]
    calls: int


def _check_regions(regions: Any) -> np.ndarray:
    try:
        arr = np.asarray(regions, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InputError(None, f"banner regions must be an (N, 4) xyxy array: {exc}") from None
    if arr.size == 0:
        return np.zeros((0, 4), np.float32)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise InputError(None, f"banner regions must be an (N, 4) xyxy array, got {arr.shape}")
    if not np.isfinite(arr).all():
        raise InputError(None, "banner regions contain NaN or infinite coordinates")
    return arr


def _reading_order(reads: list[TextRead]) -> list[TextRead]:
    """Top to bottom, and left to right within a line: boxes whose vertical centres fall inside
    the first box of a line belong to it. RapidOCR's own order uses a fixed 10 px tolerance,
    which splits one line of large banner type into several."""
    rest = sorted(reads, key=lambda r: (r.box[1] + r.box[3]) / 2)
    out: list[TextRead] = []
    while rest:
        first = rest[0]
        top, bottom = first.box[1], first.box[3]
        line = [r for r in rest if top <= (r.box[1] + r.box[3]) / 2 <= bottom]
        out += sorted(line, key=lambda r: r.box[0])
        rest = [r for r in rest if r not in line]
    return out


class TextStage(ModelStage):
    """Reads text off banners or whole photos. A context manager: ``close()`` drops the engine.

    Calls are serialised with a lock (RapidOCR keeps per-call state on the engine); use one stage
    per worker process for parallel scans.
    """

    def __init__(self, options: Optional[TextOptions] = None) -> None:
        self.options = options or TextOptions()
        super().__init__()
        self._engine: Any = None
        spec = importlib_util.find_spec("rapidocr_onnxruntime")
        if spec is None or not spec.submodule_search_locations:
            raise ModelError(
                "rapidocr_onnxruntime", "not installed (pip install rapidocr_onnxruntime)"
            )
        models = Path(next(iter(spec.submodule_search_locations))) / "models"
        for name in MODEL_FILES:
            if not (models / name).is_file():
                raise ModelError(str(models / name), "OCR model missing; reinstall rapidocr")
        try:
            from rapidocr_onnxruntime import RapidOCR
        except Exception as exc:  # pragma: no cover - depends on the install
            raise ModelError("rapidocr_onnxruntime", f"cannot import: {exc}") from exc
        o = self.options
        threads = o.threads or -1  # RapidOCR's "onnxruntime decides"
        try:
            self._engine = RapidOCR(
                text_score=o.min_score,
                use_cls=o.angle,
                # We size images ourselves (max_side, region_side); RapidOCR's own resizing would
                # enlarge every crop to 736 px on its *shorter* side, 6x the pixels of a banner.
                max_side_len=8192,
                min_side_len=16,
                det_limit_type="max",
                det_limit_side_len=8192,
                intra_op_num_threads=threads,
                inter_op_num_threads=1 if o.threads else -1,
            )
        except Exception as exc:
            raise ModelError("rapidocr_onnxruntime", f"cannot build the OCR engine: {exc}") from exc

    def _release(self) -> None:
        self._engine = None

    # -- reading ---------------------------------------------------------------------------------

    def _ocr(self, rgb: np.ndarray, side: int, grow: bool) -> list[tuple[np.ndarray, str, float]]:
        """Lines in ``rgb`` as (4x2 corner points in ``rgb`` pixels, text, score)."""
        h, w = rgb.shape[:2]
        scale = side / max(h, w)
        if scale < 1.0 or (grow and scale > 1.0):
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            interp = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_CUBIC
            img = cv2.resize(rgb, size, interpolation=interp)
            sx, sy = w / size[0], h / size[1]
        else:
            img, sx, sy = rgb, 1.0, 1.0
        bgr = np.ascontiguousarray(img[..., ::-1])
        with self._lock:
            if self._engine is None:
                raise ModelError("rapidocr_onnxruntime", "stage is closed")
            result, _ = self._engine(bgr)
        out = []
        for points, text, score in result or ():
            pts = np.asarray(points, np.float32).reshape(4, 2) * np.array([sx, sy], np.float32)
            out.append((pts, str(text).strip(), float(score)))
        return out

    def _lines(
        self, rgb: np.ndarray, side: int, grow: bool, dx: float, dy: float, region: Optional[int]
    ) -> list[TextRead]:
        o = self.options
        reads = []
        for pts, text, score in self._ocr(rgb, side, grow):
            x0, y0 = pts.min(axis=0)
            x1, y1 = pts.max(axis=0)
            if not text or score < o.min_score:
                continue
            box = (float(x0 + dx), float(y0 + dy), float(x1 + dx), float(y1 + dy))
            reads.append(TextRead(box, text, round(score, 4), region))
        return _reading_order(reads)

    def run(self, rgb: np.ndarray, regions: Optional[np.ndarray] = None) -> TextResult:
        """Lines of text in reading order: banner by banner (``regions``, the chosen banners'
        boxes from the material stage, in their order; the largest ``max_regions`` of them), or
        off the whole photo when ``regions`` is None or empty and ``whole_photo`` is set. Boxes
        are in ``rgb``'s pixels."""
        o = self.options
        rgb = check_rgb(rgb, "read")
        if not o.enabled:
            return TextResult((), 0)
        boxes = _check_regions(regions) if regions is not None else np.zeros((0, 4), np.float32)
        h, w = rgb.shape[:2]
        if len(boxes) == 0:
            if not o.whole_photo:
                return TextResult((), 0)
            return TextResult(tuple(self._lines(rgb, o.max_side, False, 0.0, 0.0, None)), 1)
        sizes = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        chosen = sorted(np.argsort(-sizes, kind="stable")[: o.max_regions].tolist())
        out: list[TextRead] = []
        calls = 0
        for i in chosen:
            x0, y0, x1, y1 = boxes[i]
            px, py = (x1 - x0) * o.pad, (y1 - y0) * o.pad
            ix0, iy0 = max(0, int(np.floor(x0 - px))), max(0, int(np.floor(y0 - py)))
            ix1, iy1 = min(w, int(np.ceil(x1 + px))), min(h, int(np.ceil(y1 + py)))
            if ix1 - ix0 < 8 or iy1 - iy0 < 8:
                continue  # too small to hold a readable letter
            crop = rgb[iy0:iy1, ix0:ix1]
            out += self._lines(crop, o.region_side, True, float(ix0), float(iy0), int(i))
            calls += 1
        return TextResult(tuple(out), calls)
