"""EXIF of one photo: orientation, capture time and camera, read so that metadata never fails
the photo.

Metadata is the input's problem: a wrong-typed or out-of-range tag (orientation, capture time,
camera), a broken EXIF block or IFD offset is ignored (an unusable orientation counts as 1, upright
as stored) and ``exif["warnings"]`` says what was ignored. ``io/image`` transposes by the
orientation itself rather than with ``ImageOps.exif_transpose``, which re-serialises the whole EXIF
block and fails on tags it cannot write back.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, Optional

import numpy as np
from PIL import Image

_MAX_TAG_TEXT = 256  # longest EXIF text we carry into a record (camera names, dates)
_MAX_NOTES = 8  # Pillow's own metadata warnings kept per photo
# "2024:02:14 10:00:00" as EXIF writes it; some software uses "-" and "T".
_EXIF_DATE = re.compile(r"^\d{4}[:\-]\d{2}[:\-]\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?")
_EXIF_IFD = 0x8769
_ORIENTATION = 0x0112
_TAGS = {"datetime": (_EXIF_IFD, 0x9003), "make": (None, 0x010F), "model": (None, 0x0110)}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _tag_text(value: Any) -> Optional[str]:
    """An EXIF ASCII tag as text, or None where it is not text at all."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.split("\x00", 1)[0].strip()
    value = "".join(ch for ch in value if ch.isprintable())[:_MAX_TAG_TEXT]
    return value


def _orientation(value: Any) -> Optional[int]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 1 <= value <= 8:
        return int(value)
    return None


def metadata(im: Image.Image) -> tuple[int, dict[str, Any]]:
    """(orientation 1-8, the EXIF fields we report); never raises.

    Called after ``load()``: PNG keeps EXIF that follows the pixel data, and Pillow's
    ``getexif()`` would otherwise decode the whole image to find it, before our size checks.
    Pillow parses EXIF lazily and skips broken tags with a ``UserWarning`` (data past the end of
    the file, too many values); those become notes in the record as well.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        orientation, out = _read_metadata(im)
    pillow = list(dict.fromkeys(f"EXIF: {w.message}" for w in caught))[:_MAX_NOTES]
    if pillow:
        out["warnings"] = [*out.get("warnings", []), *pillow]
    return orientation, out


def _read_metadata(im: Image.Image) -> tuple[int, dict[str, Any]]:
    notes: list[str] = []
    out: dict[str, Any] = {}
    try:
        exif = im.getexif()
    except Exception as exc:  # a broken EXIF block must not cost us the photo
        return 1, {"warnings": [f"unreadable EXIF block ignored ({type(exc).__name__})"]}
    orientation = 1
    try:
        raw = exif.get(_ORIENTATION)
    except Exception as exc:
        raw, notes = None, [f"unreadable EXIF orientation ignored ({type(exc).__name__})"]
    if raw is not None:
        value = _orientation(raw)
        if value is None:
            notes.append(f"EXIF orientation {_short(raw)} is not 1-8: image taken as stored")
        else:
            orientation = value
    for key, (ifd, tag) in _TAGS.items():
        try:
            raw = (exif.get_ifd(ifd) if ifd else exif).get(tag)
        except Exception as exc:
            notes.append(f"unreadable EXIF {key} ignored ({type(exc).__name__})")
            continue
        if raw is None:
            continue
        text = _tag_text(raw)
        if text is None:
            notes.append(f"EXIF {key} {_short(raw)} is not text: ignored")
        elif key == "datetime" and text and not _EXIF_DATE.match(text):
            notes.append(f"EXIF {key} {_short(text)} is not a date: ignored")
        elif text:
            out[key] = text
    if notes:
        out["warnings"] = notes
    return orientation, out
