"""Decode one photo into the RGB copy the stages scan, without ever writing to the source.

Pillow rather than ``cv2.imread``: it tells a truncated file from a corrupt one, reads EXIF
(orientation, capture time, camera), and for JPEG can decode straight to 1/2, 1/4 or 1/8 scale
(``draft``), which keeps memory bounded for 100-megapixel scans.

Hostile inputs, and what bounds them:

- **Only regular files are read** (``io/files``: ``stat`` first, ``O_NONBLOCK``, ``fstat`` on the
  descriptor): a FIFO or a device named ``.jpg`` is refused with "not a regular file (FIFO)"
  without blocking, and the hash and the decoded pixels come from that one descriptor. A file
  whose size reads 0 is not read at all (procfs files say 0 and then go on, or block).
- **Decode memory budget.** Pillow keeps a decoded image at full size in memory before we can
  shrink it, and a PNG, WebP, TIFF or BMP of one colour compresses a gigapixel into a few hundred
  kilobytes. ``max_pixels`` (the user's limit on the stated size) is checked from the header,
  and so is ``max_decode_bytes`` (``DECODE_BUDGET_BYTES``, 512 MiB by default): the bytes Pillow
  needs for the decoded image at the size it will actually decode, plus any full-size copy the
  mode needs before it can be shrunk. Pillow holds most modes as 4 bytes a pixel (RGB and RGBA
  included), 16-bit grey as 2 and 8-bit grey or palette as 1, so the budget is about 134
  megapixels of RGB, 67 of RGBA, 107 of palette, 89 of 16-bit grey and ``max_pixels`` of 8-bit
  grey; WebP, AVIF and JPEG 2000 decoders hold about four copies: 33 megapixels of WebP. JPEG is
  measured after ``draft``, i.e. at 1/8 scale for a large photo, so JPEGs up to ``max_pixels``
  still scan. Pillow's pointer per row and the decoder's row buffers count too, which bounds
  strips one pixel wide or high. Anything over budget is refused before decoding, with its size
  and the budget.
  Measured peak memory (``ru_maxrss``) of a load near the budget is about 1.5 times what it
  needs, so at most about 800 MiB above the interpreter's own: Pillow's resize keeps one
  intermediate pass. (Before the budget, a 1.2 MB PNG of 19900x19900 took 4.6 GiB.)
- **Only photo formats** (``_FORMATS``: JPEG, PNG, WebP, BMP, TIFF, GIF, AVIF, JPEG 2000, and
  HEIC/HEIF, the iPhone's default, through pillow-heif's bundled libheif) are
  decoded, whatever the name says; Pillow's other decoders are never reached.
- **Only the first frame** of a multi-frame TIFF, WebP, GIF or APNG is decoded. TIFFs whose first
  directory lists more than ``_MAX_TIFF_PARTS`` strips or tiles are refused from their header,
  before Pillow builds a Python object per part. PNG text and ICC chunks over Pillow's limits
  (``PngImagePlugin.MAX_TEXT_CHUNK``, ``MAX_TEXT_MEMORY``) are skipped, not fatal: they are
  metadata, and the photo is decoded without them.
- **Metadata is the input's problem** (``io/exif``): a broken or wrong-typed EXIF tag never fails
  the photo; it is ignored and ``exif["warnings"]`` says so.
- **Nothing but InputError** leaves ``load_image`` for a bad input: decoders fed hostile bytes
  raise whatever their parsers hit (``struct.error``, ``IndexError``, ...), and each of those is
  a corrupt file, reported as such.
"""

from __future__ import annotations

import hashlib
import io
import struct
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..errors import InputError
from .exif import metadata
from .files import EMPTY_SHA256, open_regular, opened, os_reason, sha256_of, stated_size
from .files import sha256_file as sha256_file  # where callers found it before io/files

ImageSource = Union[str, Path, bytes, bytearray, memoryview, np.ndarray]

# We do our own size checks (``max_pixels``, ``max_decode_bytes``) with messages a user can act on.
Image.MAX_IMAGE_PIXELS = None

DECODE_BUDGET_BYTES = 512 << 20
_MAX_TIFF_PARTS = 1 << 17  # strips or tiles in the first directory; 40000x40000 in 256^2 is 24k

_PIL_OPEN = Image.open


# Formats people photograph and send ("JPEG" also opens MPO). Pillow identifies files by
# content, so without a list a file named .jpg could reach any of its ~40 decoders (PSD layers,
# FITS, SPIDER, EPS through Ghostscript...), each one more parser for hostile bytes and one more
# memory profile to bound.
_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "DIB", "TIFF", "GIF", "AVIF", "JPEG2000", "HEIF")
_heif_ready = False


def _register_heif() -> None:
    """Teach Pillow HEIC/HEIF once, on the first photo (pillow-heif's import costs ~50 ms).

    libheif applies the file's rotation itself and pillow-heif then reports EXIF orientation 1
    (the original in ``info["original_orientation"]``), so our own transpose never turns an iPhone
    photo twice. Without pillow-heif a HEIC file is simply "not a readable image"."""
    global _heif_ready
    if _heif_ready:
        return
    _heif_ready = True
    try:
        from pillow_heif import register_heif_opener
    except ImportError:  # pragma: no cover - a dependency, but a broken install must not crash
        return
    register_heif_opener()


def _open(fp: Any) -> Image.Image:
    """``PIL.Image.open`` as Pillow ships it, for ``_FORMATS`` only.

    Importing ultralytics replaces ``PIL.Image.open`` process-wide with a wrapper that, on a file
    Pillow cannot identify, tries to install ``pi-heif`` from the network. We run air-gapped and a
    text file named ``.jpg`` must simply be an error record, so we call the original.
    """
    patches = sys.modules.get("ultralytics.utils.patches")
    original = getattr(patches, "_image_open", None) if patches is not None else None
    _register_heif()
    return (original or _PIL_OPEN)(fp, formats=_FORMATS)


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


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


def is_photo_file(path: Union[str, Path]) -> bool:
    """Whether ``path`` is a regular file whose bytes open as one of our photo formats (header
    only, nothing decoded). Through ``_open``: with Ultralytics imported, ``PIL.Image.open``
    itself would try to install a package on a file it cannot identify."""
    try:
        with open_regular(path) as fh, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with _open(fh) as im:
                return bool(im.format)
    except Exception:  # any parser error on hostile bytes means: not a photo we can read
        return False


# -- decoding ----------------------------------------------------------------------------------


def _to_rgb_array(im: Image.Image) -> np.ndarray:
    """Any Pillow mode -> HxWx3 uint8 RGB.

    16-bit and float images are scaled by their range instead of clipped (Pillow's own
    ``convert("RGB")`` saturates them to white); transparency is flattened onto white, which is
    what a viewer shows for a transparent screenshot or sticker.
    """
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(im, dtype=np.float32)
        lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
        if not (np.isfinite(lo) and np.isfinite(hi)):
            arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
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


# Bytes a pixel in Pillow's memory, and the mode a full-size image must become before Pillow can
# shrink it (with its cost), for the decode budget.
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
_SHRINK_AS = {"1": "L", "P": "RGBA", "PA": "RGBA", "I;16": "I", "I;16B": "I", "I;16L": "I"}
_SHRINK_AS["I;16N"] = "I"
_ROW_BYTES = 8
_PREMULTIPLIED = {"RGBA", "LA"}  # Pillow's reduce() makes a premultiplied full-size copy first
# Decoders that hold more full-size copies than Pillow's own buffer, measured with ru_maxrss:
# libwebp's canvas and frame plus Pillow's bytes copy (16 bytes a pixel for a 112 MP WebP),
# OpenJPEG's 32-bit planes.
_FORMAT_COPIES = {"WEBP": 4, "JPEG2000": 4, "AVIF": 4, "HEIF": 4}  # HEIF: as AVIF, not measured


def decode_bytes(mode: str, width: int, height: int, shrink: bool, fmt: str = "") -> int:
    """Peak bytes Pillow needs to decode (and, with ``shrink``, to start shrinking) an image.

    Pillow also keeps a pointer per row of every image (``_ROW_BYTES``): a 1x100,000,000 grey
    PNG is 95 MiB of pixels but took 860 MiB; and decoders hold a previous and a current row
    (PNG's filters): a 100,000,000x1 one took three times its pixels.
    """
    copies = _FORMAT_COPIES.get(fmt, 1)
    per_pixel = _MODE_BYTES.get(mode, 4) * copies
    if shrink:
        if mode in _SHRINK_AS:
            per_pixel += _MODE_BYTES.get(_SHRINK_AS[mode], 4)
            copies += 1
        elif mode in _PREMULTIPLIED:
            per_pixel += 4
            copies += 1
    rows = copies * _ROW_BYTES * height + 2 * _MODE_BYTES.get(mode, 4) * width
    return per_pixel * width * height + rows


def _shrink(im: Image.Image, max_side: int) -> Image.Image:
    """Downscale to ``max_side`` in Pillow, before any numpy copy, so the only full-size buffer is
    the decoded one."""
    w, h = im.size
    if max(w, h) <= max_side:
        return im
    if im.mode in _SHRINK_AS:
        target = _SHRINK_AS[im.mode]
        if im.mode == "P" and "transparency" not in im.info:
            target = "RGB"
        im = im.convert(target)
    s = max_side / max(w, h)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return im.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def _resize_to(arr: np.ndarray, max_side: int) -> np.ndarray:
    h, w = arr.shape[:2]
    if max(h, w) <= max_side:
        return arr
    s = max_side / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return np.asarray(
        Image.fromarray(arr).resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    )


def _tiff_parts(fp: Any) -> int:
    """Strips or tiles listed in a TIFF's first directory (0 if not a TIFF), from its header.

    Pillow turns each offset into a Python object while opening the file, so a 10 MB TIFF that
    lists 2.5 million tiles costs gigabytes before we could look at ``im.tile``.
    """
    start = fp.tell()
    try:
        head = fp.read(16)
        order = {b"II": "<", b"MM": ">"}.get(head[:2])
        if order is None or len(head) < 8:
            return 0
        magic = struct.unpack(order + "H", head[2:4])[0]
        if magic == 42:
            fp.seek(start + struct.unpack(order + "I", head[4:8])[0])
            count_fmt, entry_size, value_fmt = "H", 12, "HHI"
        elif magic == 43 and len(head) >= 16:  # BigTIFF
            fp.seek(start + struct.unpack(order + "Q", head[8:16])[0])
            count_fmt, entry_size, value_fmt = "Q", 20, "HHQ"
        else:
            return 0
        raw = fp.read(struct.calcsize(count_fmt))
        if len(raw) < struct.calcsize(count_fmt):
            return 0
        entries = min(struct.unpack(order + count_fmt, raw)[0], 4096)
        table = fp.read(entries * entry_size)
        parts = 0
        for i in range(len(table) // entry_size):
            tag, _type, count = struct.unpack_from(order + value_fmt, table, i * entry_size)
            if tag in (273, 279, 324, 325):  # Strip/Tile Offsets/ByteCounts
                parts = max(parts, count)
        return parts
    finally:
        fp.seek(start)


class _Spans(io.RawIOBase):
    """A read-only view of a file without some byte ranges (the PNG chunks we drop)."""

    def __init__(self, fp: Any, keep: list[tuple[int, int]]) -> None:
        self._fp, self._pos = fp, 0
        self._map: list[tuple[int, int, int]] = []  # (view start, file start, length)
        at = 0
        for start, length in keep:
            self._map.append((at, start, length))
            at += length
        self._size = at

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        for at, start, length in self._map:
            if done >= len(view) or self._pos >= self._size:
                break
            if not at <= self._pos < at + length:
                continue
            n = min(len(view) - done, at + length - self._pos)
            self._fp.seek(start + self._pos - at)
            got = self._fp.read(n)
            view[done : done + len(got)] = got
            done += len(got)
            self._pos += len(got)
            if len(got) < n:
                break
        return done


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_METADATA_CHUNKS = {b"tEXt", b"zTXt", b"iTXt", b"iCCP"}


def _png_without_metadata(fp: Any) -> Optional[_Spans]:
    """The PNG in ``fp`` minus its text and ICC chunks, or None if it is not a PNG."""
    fp.seek(0)
    if fp.read(8) != _PNG_SIGNATURE:
        return None
    keep, pos = [(0, 8)], 8
    while True:
        fp.seek(pos)
        hdr = fp.read(8)
        if len(hdr) < 8:
            keep.append((pos, len(hdr)))
            break
        length = int.from_bytes(hdr[:4], "big")
        if hdr[4:8] not in _PNG_METADATA_CHUNKS:
            keep.append((pos, 12 + length))
        pos += 12 + length
        if hdr[4:8] == b"IEND":
            break
    return _Spans(fp, keep)


def _is_text_limit(exc: BaseException) -> bool:
    text = str(exc)
    return "MAX_TEXT" in text or "text chunks" in text


def _decode(
    fp: Any, source: Optional[str], max_side: int, max_pixels: int, max_decode_bytes: int
) -> tuple[np.ndarray, int, int, dict[str, Any]]:
    try:
        try:
            return _decode_checked(fp, source, max_side, max_pixels, max_decode_bytes)
        except ValueError as exc:
            if not _is_text_limit(exc):
                raise
            stripped = _png_without_metadata(fp)
            if stripped is None:
                raise
        arr, w, h, meta = _decode_checked(stripped, source, max_side, max_pixels, max_decode_bytes)
        note = "PNG text/ICC chunks over Pillow's size limits ignored"
        return arr, w, h, {**meta, "warnings": [note, *meta.get("warnings", [])]}
    except InputError:
        raise
    except UnidentifiedImageError as exc:
        raise InputError(source, "not a readable image (unknown or corrupt format)") from exc
    except OSError as exc:
        if exc.errno is not None:
            raise InputError(source, os_reason(exc)) from exc
        text = str(exc)
        if "truncated" in text.lower():
            raise InputError(source, "truncated image file (incomplete download or copy?)") from exc
        raise InputError(source, f"corrupt image data: {text}") from exc
    except MemoryError as exc:
        raise InputError(source, "not enough memory to decode this image") from exc
    except Exception as exc:  # hostile bytes: whatever a decoder's parser hits is corruption
        raise InputError(source, f"corrupt image data: {type(exc).__name__}: {exc}") from exc


def _decode_checked(
    fp: Any, source: Optional[str], max_side: int, max_pixels: int, max_decode_bytes: int
) -> tuple[np.ndarray, int, int, dict[str, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = _tiff_parts(fp)
        if parts > _MAX_TIFF_PARTS:
            raise InputError(
                source, f"TIFF lists {parts} strips or tiles (limit {_MAX_TIFF_PARTS}): refused"
            )
        im: Image.Image = _open(fp)
        w, h = im.size
        if w <= 0 or h <= 0:
            raise InputError(source, f"image has no pixels ({w}x{h})")
        if w * h > max_pixels:
            raise InputError(
                source,
                f"image too large ({w}x{h} = {w * h / 1e6:.0f} MP, limit "
                f"{max_pixels / 1e6:.0f} MP)",
            )
        if im.format in ("JPEG", "MPO") and max(w, h) > max_side:
            # Decode at the smallest power-of-two scale still >= the scan size: bounded memory.
            s = max_side / max(w, h)
            im.draft("RGB", (int(w * s) + 1, int(h * s) + 1))
        dw, dh = im.size
        need = decode_bytes(im.mode, dw, dh, max(dw, dh) > max_side, im.format or "")
        if need > max_decode_bytes:
            raise InputError(
                source,
                f"image too large to decode safely ({w}x{h} {im.mode} needs "
                f"{need / 2**20:.0f} MiB, decode budget {max_decode_bytes / 2**20:.0f} MiB)",
            )
        tiles = len(getattr(im, "tile", ()))
        if tiles > _MAX_TIFF_PARTS:
            raise InputError(source, f"image in {tiles} parts (limit {_MAX_TIFF_PARTS})")
        im.load()  # the first frame only: we never seek
        orientation, meta = metadata(im)
        im = _shrink(im, max_side)
        if orientation in _TRANSPOSE:
            im = im.transpose(_TRANSPOSE[orientation])
        if orientation in (5, 6, 7, 8):
            w, h = h, w
        arr = _to_rgb_array(im)
    if arr.size == 0:
        raise InputError(source, "image has no pixels")
    return _resize_to(arr, max_side), w, h, meta


def load_image(
    source: ImageSource,
    max_side: int = 4096,
    max_pixels: int = 400_000_000,
    max_decode_bytes: int = DECODE_BUDGET_BYTES,
) -> LoadedImage:
    """Load a path, encoded bytes, or an RGB array.

    Arrays are taken as RGB (``cv2`` users convert from BGR first); grayscale and RGBA arrays are
    accepted. Their ``sha256`` is that of the contiguous pixel buffer, since there is no file.
    Bad input of any kind raises ``InputError`` and nothing else (see the module notes).
    """
    if isinstance(source, np.ndarray):
        return _from_array(source, max_side)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise InputError(None, "empty input (0 bytes)")
        digest = hashlib.sha256(data).hexdigest()
        try:
            arr, w, h, meta = _decode(
                io.BytesIO(data), None, max_side, max_pixels, max_decode_bytes
            )
        except InputError as exc:
            exc.sha256 = digest
            raise
        return LoadedImage(arr, w, h, w / arr.shape[1], digest, None, meta)

    name = str(source)
    try:
        with opened(name) as fh:
            if stated_size(fh) == 0:  # not read: /proc files say 0 and go on
                raise InputError(name, "empty file (0 bytes)", EMPTY_SHA256)
            digest = sha256_of(fh)
            fh.seek(0)
            try:
                arr, w, h, meta = _decode(fh, name, max_side, max_pixels, max_decode_bytes)
            except InputError as exc:
                exc.sha256 = digest
                raise
    except InputError:
        raise
    except OSError as exc:
        raise InputError(name, os_reason(exc)) from exc
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
