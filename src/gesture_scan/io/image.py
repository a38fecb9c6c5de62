"""Decode one photo into the RGB copy the stages scan, without ever writing to the source.

Pillow rather than ``cv2.imread``: it tells a truncated file from a corrupt one, reads EXIF
(orientation, capture time, camera), and for JPEG can decode straight to 1/2, 1/4 or 1/8 scale
(``draft``), which keeps memory bounded for 100-megapixel scans.
"""

from __future__ import annotations

import errno
import hashlib
import io
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import InputError

ImageSource = Union[str, Path, bytes, bytearray, memoryview, np.ndarray]

# We do our own size check (``max_pixels``) with a message a user can act on.
Image.MAX_IMAGE_PIXELS = None

_PIL_OPEN = Image.open


def _open(fp: Any) -> Image.Image:
    """``PIL.Image.open`` as Pillow ships it.

    Importing ultralytics replaces ``PIL.Image.open`` process-wide with a wrapper that, on a file
    Pillow cannot identify, tries to install ``pi-heif`` from the network. We run air-gapped and a
    text file named ``.jpg`` must simply be an error record, so we call the original.
    """
    patches = sys.modules.get("ultralytics.utils.patches")
    original = getattr(patches, "_image_open", None) if patches is not None else None
    return (original or _PIL_OPEN)(fp)


_EXIF_IFD = 0x8769
_TAGS = {"datetime": (_EXIF_IFD, 0x9003), "make": (None, 0x010F), "model": (None, 0x0110)}
_READ_CHUNK = 1 << 20


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """The scan copy of one input and how it maps back to the original.

    ``rgb`` may be smaller than the original (see ``scale``): stages work on it and the pipeline
    multiplies their coordinates by ``scale`` so reports are in original-image pixels.
    """

    rgb: np.ndarray
    width: int
    height: int
    scale: float
    sha256: Optional[str]
    path: Optional[str] = None
    exif: dict[str, Any] = field(default_factory=dict)


def sha256_file(path: Union[str, Path]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_READ_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if exc.errno == errno.EACCES:
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "no such file (or a broken link)"
    if exc.errno == errno.EISDIR:
        return "is a folder, not a file"
    return exc.strerror or str(exc)


def _exif(im: Image.Image) -> dict[str, Any]:
    try:
        exif = im.getexif()
    except Exception:  # a broken EXIF block must not cost us the photo
        return {}
    out: dict[str, Any] = {}
    for key, (ifd, tag) in _TAGS.items():
        try:
            value = (exif.get_ifd(ifd) if ifd else exif).get(tag)
        except Exception:
            value = None
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str):
            value = value.strip("\x00 ").strip()
        if value:
            out[key] = value
    return out


def _to_rgb_array(im: Image.Image) -> np.ndarray:
    """Any Pillow mode -> HxWx3 uint8 RGB.

    16-bit and float images are scaled by their range instead of clipped (Pillow's own
    ``convert("RGB")`` saturates them to white); transparency is flattened onto white, which is
    what a viewer shows for a transparent screenshot or sticker.
    """
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(im, dtype=np.float32)
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
        gray = np.clip(arr + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        mode = im.mode
    if mode in ("RGBA", "LA", "RGBa", "La", "PA"):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(background, rgba)
    if im.mode != "RGB":
        im = im.convert("RGB")
    return np.asarray(im, dtype=np.uint8)


def _resize_to(arr: np.ndarray, max_side: int) -> np.ndarray:
    h, w = arr.shape[:2]
    if max(h, w) <= max_side:
        return arr
    s = max_side / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return np.asarray(
        Image.fromarray(arr).resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    )


def _decode(
    fp: Any, source: Optional[str], max_side: int, max_pixels: int
) -> tuple[np.ndarray, int, int, dict[str, Any]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            im: Image.Image = _open(fp)
            w, h = im.size
            if w * h > max_pixels:
                raise InputError(
                    source,
                    f"image too large ({w}x{h} = {w * h / 1e6:.0f} MP, limit "
                    f"{max_pixels / 1e6:.0f} MP)",
                )
            orientation = im.getexif().get(0x0112, 1) if hasattr(im, "getexif") else 1
            meta = _exif(im)
            if orientation in (5, 6, 7, 8):
                w, h = h, w
            if im.format == "JPEG" and max(w, h) > max_side:
                # Decode at the smallest power-of-two scale still >= the scan size: bounded memory.
                s = max_side / max(w, h)
                im.draft("RGB", (int(im.size[0] * s) + 1, int(im.size[1] * s) + 1))
            im.load()
            im = ImageOps.exif_transpose(im) or im
            arr = _to_rgb_array(im)
    except InputError:
        raise
    except UnidentifiedImageError as exc:
        raise InputError(source, "not a readable image (unknown or corrupt format)") from exc
    except OSError as exc:
        if exc.errno is not None:
            raise InputError(source, _os_reason(exc)) from exc
        text = str(exc)
        if "truncated" in text:
            raise InputError(source, "truncated image file (incomplete download or copy?)") from exc
        raise InputError(source, f"corrupt image data: {text}") from exc
    except (SyntaxError, ValueError, TypeError, Image.DecompressionBombError) as exc:
        raise InputError(source, f"corrupt image data: {exc}") from exc
    except MemoryError as exc:
        raise InputError(source, "not enough memory to decode this image") from exc
    if arr.size == 0:
        raise InputError(source, "image has no pixels")
    return _resize_to(arr, max_side), w, h, meta


def load_image(
    source: ImageSource, max_side: int = 4096, max_pixels: int = 400_000_000
) -> LoadedImage:
    """Load a path, encoded bytes, or an RGB array.

    Arrays are taken as RGB (``cv2`` users convert from BGR first); grayscale and RGBA arrays are
    accepted. Their ``sha256`` is that of the contiguous pixel buffer, since there is no file.
    """
    if isinstance(source, np.ndarray):
        return _from_array(source, max_side)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise InputError(None, "empty input (0 bytes)")
        digest = hashlib.sha256(data).hexdigest()
        try:
            arr, w, h, meta = _decode(io.BytesIO(data), None, max_side, max_pixels)
        except InputError as exc:
            exc.sha256 = digest
            raise
        return LoadedImage(arr, w, h, w / arr.shape[1], digest, None, meta)

    path = Path(source)
    name = str(path)
    try:
        if path.is_dir():
            raise InputError(name, "is a folder, not a file")
        digest = sha256_file(path)
        if path.stat().st_size == 0:
            raise InputError(name, "empty file (0 bytes)", digest)
        with open(path, "rb") as fh:
            try:
                arr, w, h, meta = _decode(fh, name, max_side, max_pixels)
            except InputError as exc:
                exc.sha256 = digest
                raise
    except InputError:
        raise
    except OSError as exc:
        raise InputError(name, _os_reason(exc)) from exc
    return LoadedImage(arr, w, h, w / arr.shape[1], digest, name, meta)


def _from_array(arr: np.ndarray, max_side: int) -> LoadedImage:
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4) or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(None, f"array of shape {arr.shape} is not an HxW, HxWx3 or HxWx4 image")
    if arr.dtype != np.uint8:
        if arr.dtype == np.uint16:
            arr = (arr >> 8).astype(np.uint8)
        elif np.issubdtype(arr.dtype, np.floating) and float(np.nanmax(arr)) <= 1.0:
            arr = np.clip(np.nan_to_num(arr) * 255 + 0.5, 0, 255).astype(np.uint8)
        else:
            raise InputError(None, f"array dtype {arr.dtype} not supported (use uint8 RGB)")
    if arr.shape[2] == 4:
        alpha = arr[:, :, 3:4].astype(np.float32) / 255.0
        arr = (arr[:, :, :3] * alpha + 255 * (1 - alpha) + 0.5).astype(np.uint8)
    arr = np.ascontiguousarray(arr)
    digest = hashlib.sha256(arr.tobytes()).hexdigest()
    h, w = arr.shape[:2]
    scan = _resize_to(arr, max_side)
    return LoadedImage(scan, w, h, w / scan.shape[1], digest, None, {})
