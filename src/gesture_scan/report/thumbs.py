"""Thumbnails: a reduced copy of every input in ``thumbs/``, so no entry of the report is blank.

An input without an annotated copy (nothing was found on it) still needs a picture, or a "not
flagged" verdict cannot be checked at a glance. The copy is made from the annotated copy where
there is one, else from the original, opened read-only through the scan's own loader (regular
files only, decode budget, EXIF orientation) and only when its SHA-256 is still the record's: a
thumbnail never shows a file that changed since the scan. Written into the report folder only,
named like the annotated copies (``<stem>_<10 hex>[_f<frame>].jpg``, so ``--overwrite`` clears
them) and listed in the manifest.
"""

from __future__ import annotations

import io
import os
from pathlib import Path, PurePosixPath
from typing import Optional
from urllib.parse import unquote

from PIL import Image

THUMB_SIDE = 480
THUMBS = "thumbs"


def _save(img: Image.Image, target: Path) -> None:
    img = img.convert("RGB")
    img.thumbnail((THUMB_SIDE, THUMB_SIDE))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=78, optimize=True)
    tmp = target.with_suffix(".jpg.tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, target)


def _from_original(path: str, sha256: Optional[str], frame: Optional[int]) -> Optional[Image.Image]:
    if not path or not sha256 or not os.path.isfile(path):
        return None
    if frame is not None:
        import cv2

        cap = cv2.VideoCapture(path)
        try:
            cap.set(cv2.CAP_PROP_POS_FRAMES, frame)
            ok, bgr = cap.read()
        finally:
            cap.release()
        return Image.fromarray(bgr[:, :, ::-1]) if ok else None
    from ..errors import GestureScanError
    from ..io.image import load_image

    try:
        loaded = load_image(path, max_side=THUMB_SIDE)
    except (GestureScanError, OSError, ValueError):
        return None
    if loaded.sha256 != sha256:
        return None  # the file changed since the scan: never show it as the evidence
    return Image.fromarray(loaded.rgb)


def make_thumbnail(
    out_dir: Path,
    name: str,
    annotated: Optional[str],
    path: str,
    sha256: Optional[str],
    frame: Optional[int],
) -> Optional[str]:
    """``thumbs/<name>`` (relative to ``out_dir``), made if missing; None where no picture can be
    had (an unreadable or changed original, a record from elsewhere)."""
    rel = f"{THUMBS}/{name}"
    target = Path(out_dir) / THUMBS / name
    if target.is_file():
        return rel
    img: Optional[Image.Image] = None
    if annotated:
        source = Path(out_dir) / PurePosixPath(unquote(annotated))
        if source.is_file():
            try:
                with Image.open(source) as im:
                    im.draft("RGB", (THUMB_SIDE, THUMB_SIDE))
                    img = im.copy()
            except (OSError, ValueError):
                img = None
    if img is None:
        img = _from_original(path, sha256, frame)
    if img is None:
        return None
    target.parent.mkdir(exist_ok=True)
    _save(img, target)
    return rel
