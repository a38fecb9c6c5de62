"""Mutated real JPEG, PNG and MP4 bytes (issue 12): the loaders raise nothing but ``InputError``,
and a scan of a folder of mutants gives every input its record, raises nothing, and leaves the
evidence as it was (bytes and modification times).

Seeds are the bundled sample photo, a PNG made from it and a short MP4 written with OpenCV from
it, kept small so that a mutation lands in a header often. Mutations are what damaged evidence
looks like: truncation (an interrupted copy), flipped bytes (bad storage), inserted and deleted
spans (broken transfers) and overwritten header fields (PNG IHDR and JPEG SOF dimensions, MP4 box
sizes), which is where decoders allocate. ``derandomize`` keeps the examples the same on every
run, so a failure here is a regression, not luck.
"""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from gesture_scan.errors import InputError
from gesture_scan.io import load_image, probe_video
from gesture_scan.io.video import SamplingOptions

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "rendered_campaign_1.jpg"

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,  # nothing to replay: the same examples run every time
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- seeds -------------------------------------------------------------------------------------


def _small_rgb() -> np.ndarray:
    with Image.open(SAMPLE) as im:
        return np.asarray(im.convert("RGB").resize((320, 213)))


def _jpeg_seed() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(_small_rgb()).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _png_seed() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(_small_rgb()).save(buf, "PNG")
    return buf.getvalue()


def _mp4_seed() -> bytes:
    bgr = cv2.resize(np.ascontiguousarray(_small_rgb()[..., ::-1]), (160, 112))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "seed.mp4")
        writer = cv2.VideoWriter(path, cv2.VideoWriter.fourcc(*"mp4v"), 10.0, (160, 112))
        assert writer.isOpened(), "this OpenCV cannot write mp4v"
        for i in range(15):
            writer.write(np.roll(bgr, 8 * i, axis=1))
        writer.release()
        return Path(path).read_bytes()


@pytest.fixture(scope="module")
def seeds() -> dict[str, bytes]:
    return {".jpg": _jpeg_seed(), ".png": _png_seed(), ".mp4": _mp4_seed()}


# -- mutations ---------------------------------------------------------------------------------

_DIMENSIONS = st.sampled_from([0, 1, 2, 255, 4096, 16384, 20000, 65535, 1 << 24, (1 << 31) - 1])


def _header_fields(data: bytes, ext: str) -> list[tuple[int, int]]:
    """(offset, width in bytes) of fields where decoders size their buffers."""
    fields: list[tuple[int, int]] = []
    if ext == ".png" and data[12:16] == b"IHDR":
        fields += [(16, 4), (20, 4)]  # width, height (the CRC then no longer matches)
    if ext == ".jpg":
        for marker in (b"\xff\xc0", b"\xff\xc2"):
            i = data.find(marker)
            if i >= 0:
                fields += [(i + 5, 2), (i + 7, 2)]  # SOF height, width
    if ext == ".mp4":
        for box in (b"moov", b"trak", b"mdat", b"stsz", b"stco", b"stsd"):
            i = data.find(box)
            if i >= 4:
                fields.append((i - 4, 4))  # the box size
        i = data.find(b"tkhd")
        if i >= 0:
            fields += [(i + 80, 4), (i + 84, 4)]  # track width, height (16.16)
    return [(o, n) for o, n in fields if o + n <= len(data)]


@st.composite
def _mutant(draw: Any, data: bytes, ext: str) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(0, 3))):  # 0: the intact file, which must scan
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "header"]))
        n = len(out)
        if n == 0:
            break
        if kind == "truncate":  # past the signature mostly: cutting at 0 only tests "empty"
            del out[draw(st.integers(min(16, n - 1), n - 1)) :]
        elif kind == "flip":
            for _ in range(draw(st.integers(1, 16))):
                out[draw(st.integers(0, n - 1))] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            at = draw(st.integers(0, n))
            out[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            at = draw(st.integers(0, n - 1))
            del out[at : at + draw(st.integers(1, 256))]
        else:
            fields = _header_fields(bytes(out), ext)
            if fields:
                offset, width = draw(st.sampled_from(fields))
                value = draw(_DIMENSIONS) & ((1 << (8 * width)) - 1)
                out[offset : offset + width] = value.to_bytes(width, "big")
    return bytes(out)


def _mutants(seeds: dict[str, bytes], exts: tuple[str, ...]) -> Any:
    return st.tuples(*(_mutant(seeds[ext], ext) for ext in exts))


def _fix_png_crc(data: bytes) -> bytes:
    """Recompute the CRC of every chunk still framed as one, so that mutated headers and pixel
    data reach the decoder instead of stopping at Pillow's checksum test."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data
    out, pos = bytearray(data), 8
    while pos + 12 <= len(out):
        length = struct.unpack(">I", out[pos : pos + 4])[0]
        end = pos + 8 + length
        if end + 4 > len(out):
            break
        out[end : end + 4] = struct.pack(">I", zlib.crc32(out[pos + 4 : end]) & 0xFFFFFFFF)
        pos = end + 4
    return bytes(out)


# -- the loaders -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        yield Path(tmp)


def _load_quietly(call: Any, *args: Any) -> None:
    try:
        call(*args)
    except InputError as exc:
        assert exc.reason and isinstance(exc.reason, str)


@settings(FUZZ, max_examples=100)  # no models: a hundred cost about a second
@given(data=st.data())
def test_loaders_raise_only_input_error(seeds: dict[str, bytes], folder: Path, data: Any) -> None:
    ext = data.draw(st.sampled_from([".jpg", ".png", ".mp4"]))
    mutant = data.draw(_mutant(seeds[ext], ext))
    if ext == ".png":
        mutant = _fix_png_crc(mutant)
    path = folder / f"mutant{ext}"
    path.write_bytes(mutant)
    event(ext)
    if ext == ".mp4":
        _load_quietly(probe_video, path)
    else:
        _load_quietly(load_image, path, 1024)
        _load_quietly(load_image, mutant, 1024)
    assert path.read_bytes() == mutant


# -- a whole scan ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fast_scanner() -> Iterator[Any]:
    """Hands and faces only (no YOLO, OCR or attire): the scan path, quickly."""
    from gesture_scan import Scanner
    from gesture_scan.config import HandOptions, ObjectOptions, ScanConfig, SearchOptions
    from gesture_scan.people.attire import AttireOptions

    config = ScanConfig(
        max_side=512,
        read_text="off",
        objects=ObjectOptions(enabled=False),
        attire=AttireOptions(enabled=False),
        hands=HandOptions(search=SearchOptions(enabled=False)),
    )
    with Scanner(config) as scanner:
        yield scanner


_SAMPLING = SamplingOptions(max_frames=2)


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()
    } | {str(p): (b"", 0) for p in folder.rglob("*") if p.is_dir()}


@pytest.mark.models
@FUZZ
@given(data=st.data())
def test_scan_of_mutants_gives_each_input_its_record_and_leaves_them_alone(
    seeds: dict[str, bytes], fast_scanner: Any, data: Any
) -> None:
    names = ["a.jpg", "b.png", "c.mp4", "sub/d.jpg", "sub/e.png"]
    mutants = data.draw(_mutants(seeds, tuple(Path(n).suffix for n in names)))
    with tempfile.TemporaryDirectory(prefix="evidence-") as tmp:
        evidence = Path(tmp)
        for name, mutant in zip(names, mutants):
            path = evidence / name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(_fix_png_crc(mutant) if name.endswith(".png") else mutant)
            os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
        before = _snapshot(evidence)

        results = list(fast_scanner.scan_paths([evidence], sampling=_SAMPLING))

        by_path: dict[str, list[Any]] = {}
        for r in results:
            json.dumps(r.to_dict())  # every record is writable as a JSON line
            event(f"{Path(str(r.path)).suffix}: {'error' if r.error else 'scanned'}")
            by_path.setdefault(str(r.path), []).append(r)
        assert set(by_path) == {str(evidence / n) for n in names}
        for name in names:
            got = by_path[str(evidence / name)]
            if name.endswith(".mp4"):
                frames = [r for r in got if r.frame is not None]
                errors = [r for r in got if r.frame is None]
                assert len(frames) <= 2 and len(errors) <= 1 and got
                assert all(r.error for r in errors)
            else:
                assert len(got) == 1, (name, got)
        assert _snapshot(evidence) == before  # same files, bytes and times: nothing written
