"""What is known about each face beyond its box: the candidate it matches in the gallery, the
uniform cue on the torso below it, and whether it is printed on a banner.

The one place that joins the optional face evidence into the result's ``FaceInfo``; the models
behind it (dlib descriptors, the attire head) are started by ``Scanner`` and passed in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from ..config import AttireOptions
from ..detections import Detections
from ..results import FaceInfo
from .attire import attire_cues

if TYPE_CHECKING:
    from .gallery import FaceEmbedder, Gallery


def on_print(faces_xyxy: np.ndarray, objects: Detections) -> np.ndarray:
    """Per face: does its centre lie inside a detected banner (a candidate on a baliho)?"""
    banners = objects.xyxy[np.array([lbl == "banner" for lbl in objects.labels], dtype=bool)]
    centres = (faces_xyxy[:, :2] + faces_xyxy[:, 2:]) / 2
    inside = (centres[:, None, :] >= banners[None, :, :2]) & (
        centres[:, None, :] <= banners[None, :, 2:]
    )
    return inside.all(axis=2).any(axis=1)


def face_evidence(
    rgb: np.ndarray,
    faces: Detections,
    objects: Detections,
    attire: AttireOptions,
    gallery: Optional[Gallery] = None,
    embedder: Optional[FaceEmbedder] = None,
) -> tuple[FaceInfo, ...]:
    """One ``FaceInfo`` per face (scan-copy pixels in, nothing scaled out), or () where neither
    a gallery match nor a judged torso says anything about any face."""
    n = len(faces)
    if not n:
        return ()
    matches: list[Any] = [None] * n
    if gallery is not None and embedder is not None:
        matches = list(gallery.match(embedder.embed(rgb, faces.xyxy)))
    cues: list[Any] = [None] * n
    if attire.enabled:
        cues = list(attire_cues(rgb, faces.xyxy, attire))
    if not any(m is not None for m in matches) and not any(
        c is not None and c.label is not None for c in cues
    ):
        return ()
    printed = on_print(faces.xyxy, objects)
    out = []
    for i in range(n):
        m, c = matches[i], cues[i]
        # Every judged torso is reported (civil_servant True or False, the head's classes): a
        # reviewer of a flagged photo sees who was read as what. Unjudged ones stay empty.
        judged = c is not None and c.civil_servant is not None
        out.append(
            FaceInfo(
                candidate=m.candidate if m else None,
                number=m.number if m and m.candidate else None,
                name=m.name if m and m.candidate else None,
                distance=m.distance if m else None,
                on_print=bool(printed[i]),
                attire=c.label if judged else None,
                attire_score=float(c.score) if judged else 0.0,
                attire_reason=c.reason if judged else "",
                civil_servant=c.civil_servant if judged else None,
                uniform=c.uniform if judged else None,
                attire_classes=c.classes if judged else (),
            )
        )
    return tuple(out)
