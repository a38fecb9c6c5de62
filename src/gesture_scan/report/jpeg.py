"""The annotated copy as JPEG bytes: whether a scan is worth one, drawing it (``annotate``),
encoding it. Workers call this where the decoded pixels are; the parent writes the bytes."""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from ..results import ImageResult
from .annotate import draw


def encode_jpeg(rgb: np.ndarray, quality: int = 88) -> Optional[bytes]:
    ok, buf = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    return buf.tobytes() if ok else None


def worth_annotating(result: ImageResult) -> bool:
    """Whether the annotated copy shows anything: hands, objects, a candidate's face or a uniform
    cue, or text that names someone."""
    notable = any(f.candidate or f.attire for f in result.face_info) or any(
        t.matches for t in result.texts
    )
    return bool(result.hands or len(result.objects) or notable)


def annotated_jpeg(rgb: np.ndarray, scale: float, result: ImageResult) -> Optional[bytes]:
    """The annotated copy of the scanned image ``rgb`` (``scale``: its pixels per original
    pixel), or None where drawing fails: the findings stand without a picture."""
    flagged = sorted({i for f in result.findings for i in f.hands})
    try:
        return encode_jpeg(
            draw(
                rgb,
                result.hands,
                result.faces,
                result.objects,
                scale,
                flagged,
                result.face_info,
                result.texts,
                result.bodies,
            )
        )
    except Exception:
        return None
