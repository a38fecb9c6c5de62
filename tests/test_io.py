"""Decoding and discovery on real files, including every kind of bad input. No models needed."""

from __future__ import annotations

import errno
import io
import json
import os
import socket
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Optional

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from gesture_scan.errors import InputError
from gesture_scan.io import discover, load_image, sha256_file
from gesture_scan.io.image import DECODE_BUDGET_BYTES

from .conftest import finishes as _finishes

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]


def _jpeg_bytes(w: int = 64, h: int = 48, **save) -> bytes:
    rng = np.random.default_rng(0)
    arr = (rng.random((h, w, 3)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", **save)
    return buf.getvalue()


def _png(mode: str, size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    if mode == "I;16":
        arr = (np.arange(size[0] * size[1]).reshape(size[1], size[0]) * 50).astype(np.uint16)
        Image.fromarray(arr).save(buf, "PNG")
    else:
        Image.new(mode, size, (10, 200, 30, 128) if mode == "RGBA" else 120).save(buf, "PNG")
    return buf.getvalue()


BAD_FILES = [
    ("zero-byte", "empty.jpg", b"", "empty file"),
    ("text named .jpg", "notes.jpg", b"just some text, not a picture\n", "not a readable image"),
    ("corrupt jpeg", "corrupt.jpg", b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50, ""),
    ("truncated jpeg", "cut.jpg", _jpeg_bytes(400, 300)[:1500], "truncated"),
]


@pytest.mark.parametrize(
    ("case", "name", "data", "reason"), BAD_FILES, ids=[c[0] for c in BAD_FILES]
)
def test_bad_files_raise_input_error_naming_file_and_reason(tmp_path, case, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        load_image(path)
    assert info.value.source == str(path)
    assert reason in info.value.reason
    assert str(path) in str(info.value)
    assert info.value.sha256 is not None  # the bytes were readable: the record can still cite them


def test_symlink_loop_and_folder_and_missing(tmp_path):
    a, b = tmp_path / "a.jpg", tmp_path / "b.jpg"
    os.symlink(b, a)
    os.symlink(a, b)
    with pytest.raises(InputError, match="link loop"):
        load_image(a)
    folder = tmp_path / "folder.jpg"
    folder.mkdir()
    with pytest.raises(InputError, match="folder"):
        load_image(folder)
    with pytest.raises(InputError, match="no such file"):
        load_image(tmp_path / "missing.jpg")


def test_permission_denied(tmp_path, monkeypatch):
    path = tmp_path / "secret.jpg"
    path.write_bytes(_jpeg_bytes())
    if os.geteuid() != 0:
        path.chmod(0)
    else:  # root reads anything; simulate what a normal user gets
        real_open = os.open

        def deny(p, *a, **k):
            if Path(p) == path:
                raise PermissionError(errno.EACCES, "Permission denied", str(p))
            return real_open(p, *a, **k)

        monkeypatch.setattr(os, "open", deny)
    with pytest.raises(InputError, match="permission denied"):
        load_image(path)


@pytest.mark.parametrize(
    ("mode", "expect"),
    [("L", 120), ("I;16", None), ("RGBA", None), ("P", None)],
)
def test_png_modes_become_rgb(tmp_path, mode, expect):
    path = tmp_path / f"{mode.replace(';', '')}.png"
    path.write_bytes(_png(mode))
    img = load_image(path)
    assert img.rgb.dtype == np.uint8 and img.rgb.shape == (30, 40, 3)
    if expect is not None:
        assert int(img.rgb[0, 0, 0]) == expect
    if mode == "I;16":  # scaled by range, not clipped to white
        assert img.rgb.min() == 0 and img.rgb.max() == 255
    if mode == "RGBA":  # half-transparent green on white
        assert tuple(img.rgb[0, 0]) == pytest.approx((132, 227, 142), abs=2)


def test_exif_orientation_is_applied(tmp_path):
    arr = np.zeros((30, 60, 3), np.uint8)
    arr[:, :10] = 255  # white band on the left of the stored pixels
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    exif[0x0110] = "TestCam 1"
    path = tmp_path / "rotated.jpg"
    Image.fromarray(arr).save(path, exif=exif.tobytes(), quality=95)
    img = load_image(path)
    assert (img.width, img.height) == (30, 60)
    assert img.rgb.shape == (60, 30, 3)
    assert img.rgb[:10].mean() > 200  # the band is now on top
    assert img.exif["model"] == "TestCam 1"


def test_huge_image_is_scanned_downscaled_with_bounded_memory(tmp_path):
    path = tmp_path / "huge.jpg"
    Image.new("RGB", (12000, 9000), (90, 120, 150)).save(path, quality=70)
    img = load_image(path, max_side=2000)
    assert (img.width, img.height) == (12000, 9000)
    assert max(img.rgb.shape[:2]) == 2000
    assert img.scale == pytest.approx(6.0)


def test_too_many_pixels_is_refused(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("L", (5000, 5000)).save(path)
    with pytest.raises(InputError, match="too large"):
        load_image(path, max_pixels=10_000_000)


def test_bytes_and_arrays():
    data = _jpeg_bytes()
    a = load_image(data)
    assert a.path is None and len(a.sha256) == 64 and a.rgb.shape == (48, 64, 3)
    b = load_image(np.zeros((10, 20), np.uint8))
    assert b.rgb.shape == (10, 20, 3)
    with pytest.raises(InputError, match="shape"):
        load_image(np.zeros((3, 4, 5), np.uint8))
    with pytest.raises(InputError, match="empty"):
        load_image(b"")


def test_discover_recurses_sorts_and_explains_skips(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "2.JPG").write_bytes(b"x")
    (tmp_path / "a" / "1.png").write_bytes(b"x")
    (tmp_path / "a" / "clip.gif").write_bytes(b"x")
    (tmp_path / "readme.txt").write_text("x")
    os.symlink(tmp_path / "a", tmp_path / "link_to_a")
    (tmp_path / "empty").mkdir()
    found = discover([tmp_path, tmp_path / "empty", tmp_path / "nope.jpg"])
    assert [p.relative_to(tmp_path).as_posix() for p in found.images] == ["a/1.png", "b/2.JPG"]
    reasons = {Path(s.path).name: s.reason for s in found.skipped}
    assert "GIF" in reasons["clip.gif"]
    assert reasons["readme.txt"].startswith("not an image")
    assert "not followed" in reasons["link_to_a"]
    assert found.missing == [tmp_path / "nope.jpg"]
    assert found.empty_folders == [tmp_path / "empty"]


def test_discover_excludes_report_folder(tmp_path):
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "x.jpg").write_bytes(b"x")
    (tmp_path / "y.jpg").write_bytes(b"x")
    found = discover([tmp_path], exclude=[tmp_path / "report"])
    assert [p.name for p in found.images] == ["y.jpg"]


def test_unidentified_file_stays_an_error_after_ultralytics_import(tmp_path):
    """Ultralytics patches PIL.Image.open to pip-install a HEIF plugin on unknown files; our loader
    must not go through that patch (air-gapped, and the file is simply not an image)."""
    pytest.importorskip("ultralytics.utils.patches")
    path = tmp_path / "letter.jpg"
    path.write_text("Dear Bawaslu, ...")
    with pytest.raises(InputError, match="not a readable image"):
        load_image(path)


# -- inputs that never end: only regular files are read ---------------------------------------


def _make_special(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.jpg"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "link-to-fifo":
        os.mkfifo(tmp_path / "pipe")
        os.symlink(tmp_path / "pipe", path)
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()  # the socket file stays
    else:  # "zero", "urandom": a link to a character device that never ends
        os.symlink(f"/dev/{kind}", path)
    return path


SPECIAL = [
    ("fifo", "FIFO"),
    ("link-to-fifo", "FIFO"),
    ("zero", "character device"),
    ("urandom", "character device"),
    ("socket", "socket"),
]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs and devices")
@pytest.mark.parametrize(("kind", "what"), SPECIAL, ids=[s[0] for s in SPECIAL])
def test_non_regular_files_are_refused_without_blocking(tmp_path, kind, what):
    path = _make_special(tmp_path, kind)
    with pytest.raises(InputError) as info:
        _finishes(lambda: load_image(path))
    assert info.value.reason.startswith("not a regular file")
    assert what in info.value.reason and info.value.source == str(path)
    with pytest.raises(OSError, match="not a regular file"):
        _finishes(lambda: sha256_file(path))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_fifo_swapped_in_after_the_stat_is_refused_on_the_descriptor(tmp_path, monkeypatch):
    """The name is checked, then opened: a FIFO put there in between must neither block the open
    nor be read. We make ``os.stat`` say "regular file" to stand in for the swap."""
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(_jpeg_bytes())
    fifo = tmp_path / "swapped.jpg"
    os.mkfifo(fifo)
    real_stat = os.stat
    monkeypatch.setattr(
        os, "stat", lambda p, *a, **k: real_stat(photo if Path(p) == fifo else p, *a, **k)
    )
    with pytest.raises(InputError, match=r"not a regular file \(FIFO"):
        _finishes(lambda: load_image(fifo))


# -- decompression bombs: a decode budget for every format -------------------------------------


def _png_bomb(w: int, h: int, color_type: int = 2, bit_depth: int = 8, extra: bytes = b"") -> bytes:
    """A one-colour PNG of any size in a few hundred KB, built without holding its pixels.

    Rows are compressed in chunks with a full flush, which resets the compressor, so one chunk's
    output can be repeated; the Adler-32 of the whole stream is computed row by row.
    """
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    row = b"\x00" + b"\x7f" * (w * channels * bit_depth // 8)
    rows_per_chunk = 64
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(row * rows_per_chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(h):
        adler = zlib.adler32(row, adler)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    rest = tail.compress(row * (h % rows_per_chunk)) + tail.flush(zlib.Z_FINISH)
    idat = b"\x78\xda" + block * (h // rows_per_chunk) + rest + struct.pack(">I", adler)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    body = _chunk(b"IHDR", ihdr)
    if color_type == 3:
        body += _chunk(b"PLTE", b"\x10\x20\x30\x40\x50\x60")
    return b"\x89PNG\r\n\x1a\n" + body + extra + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


_PEAK = """
import resource, sys
from gesture_scan.errors import InputError
from gesture_scan.io import load_image
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    img = load_image(sys.argv[1])
    outcome = f"loaded {img.rgb.shape[1]}x{img.rgb.shape[0]}"
except InputError as exc:
    outcome = "refused: " + exc.reason
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((peak - base) * 1024, outcome)
"""


def _peak_load(path: Path) -> tuple[int, str]:
    """Bytes of peak resident memory a fresh interpreter adds while loading ``path``."""
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()
    grown, outcome = out.split(" ", 1)
    return int(grown), outcome


@pytest.mark.skipif(resource is None, reason="needs resource.getrusage (POSIX)")
def test_png_bomb_is_refused_from_its_header_with_bounded_memory(tmp_path):
    """A 1.2 MB PNG of 19900x19900 used to take 4.6 GB; now its header is enough to refuse it."""
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_bomb(19900, 19900))
    assert path.stat().st_size < 2_000_000
    grown, outcome = _peak_load(path)
    assert outcome.startswith("refused: image too large to decode safely (19900x19900 RGB")
    assert "decode budget 512 MiB" in outcome
    assert grown < 64 << 20


@pytest.mark.skipif(resource is None, reason="needs resource.getrusage (POSIX)")
def test_png_under_the_budget_decodes_within_it(tmp_path):
    """Just under the budget (9000x9000 RGB, 309 MiB decoded) it scans, shrunk to max_side,
    and the peak stays within about 1.5 times the budget."""
    path = tmp_path / "large.png"
    path.write_bytes(_png_bomb(9000, 9000))
    grown, outcome = _peak_load(path)
    assert outcome == "loaded 4096x4096"
    assert grown < 1.5 * DECODE_BUDGET_BYTES


BOMBS = [
    # (case, color type, bit depth, side): each over the 512 MiB budget, each under max_pixels
    ("rgb", 2, 8, 12000),
    ("rgba", 6, 8, 8500),
    ("grey 16-bit", 0, 16, 9800),
    ("palette", 3, 8, 10500),
    ("grey+alpha", 4, 8, 8500),
]


@pytest.mark.parametrize(("case", "color_type", "depth", "side"), BOMBS, ids=[b[0] for b in BOMBS])
def test_bombs_of_every_png_mode_are_refused_before_decoding(
    tmp_path, case, color_type, depth, side
):
    path = tmp_path / f"{case}.png"
    path.write_bytes(_png_bomb(side, side, color_type, depth))
    with pytest.raises(InputError, match=rf"too large to decode safely \({side}x{side} "):
        load_image(path)
    small = tmp_path / f"small-{case}.png"  # the same kind, smaller: decodes
    small.write_bytes(_png_bomb(300, 200, color_type, depth))
    assert load_image(small).rgb.shape == (200, 300, 3)


@pytest.mark.parametrize(
    ("fmt", "budget_mib", "refused"),
    [("WEBP", 64, True), ("WEBP", 160, False), ("TIFF", 64, False), ("BMP", 16, True)],
)
def test_budget_counts_the_decoders_copies(tmp_path, fmt, budget_mib, refused):
    """3000x3000 RGB is 34 MiB in Pillow; libwebp holds about four copies of it."""
    path = tmp_path / f"big.{fmt.lower()}"
    Image.new("RGB", (3000, 3000), (30, 90, 150)).save(path, fmt)
    if refused:
        with pytest.raises(InputError, match="decode budget"):
            load_image(path, max_decode_bytes=budget_mib << 20)
    else:
        assert load_image(path, max_decode_bytes=budget_mib << 20).rgb.shape == (3000, 3000, 3)


def test_large_jpeg_is_measured_after_draft_not_refused(tmp_path):
    """JPEG decodes at 1/4 scale straight from the file (3000x2250): 12000x9000 fits 32 MiB."""
    path = tmp_path / "big.jpg"
    Image.new("RGB", (12000, 9000), (90, 120, 150)).save(path, quality=60)
    img = load_image(path, max_side=1500, max_decode_bytes=32 << 20)
    assert (img.width, img.height) == (12000, 9000) and max(img.rgb.shape) == 1500


def _tiff_with_parts(n: int, tile: int = 16) -> bytes:
    """An uncompressed grey TIFF whose only directory lists ``n`` tiles (all at one offset)."""
    per_row = 1024
    w, h = per_row * tile, -(-n // per_row) * tile
    entries = [
        (256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
        (277, 3, 1, 1), (322, 3, 1, tile), (323, 3, 1, tile),
    ]  # fmt: skip
    offsets_at = 8 + 2 + 12 * (len(entries) + 2) + 4
    counts_at = offsets_at + 4 * n
    data_at = counts_at + 4 * n
    entries += [(324, 4, n, offsets_at), (325, 4, n, counts_at)]
    out = bytearray(b"II*\x00" + struct.pack("<IH", 8, len(entries)))
    for tag, typ, count, value in entries:
        out += struct.pack("<HHI", tag, typ, count)
        out += struct.pack("<HH", value, 0) if typ == 3 else struct.pack("<I", value)
    out += b"\x00\x00\x00\x00"
    out += struct.pack(f"<{n}I", *([data_at] * n)) + struct.pack(f"<{n}I", *([tile * tile] * n))
    return bytes(out + b"\x80" * tile * tile)


def test_tiff_listing_millions_of_tiles_is_refused_from_its_header(tmp_path):
    """Pillow makes a Python object per tile while opening: 2M tiles took 740 MB and 8 s."""
    path = tmp_path / "tiles.tif"
    path.write_bytes(_tiff_with_parts(2_000_000))
    with pytest.raises(InputError, match="TIFF lists 2000000 strips or tiles"):
        load_image(path)
    ok = tmp_path / "few.tif"
    ok.write_bytes(_tiff_with_parts(4096))
    assert load_image(ok).rgb.shape == (16, 4096, 3)  # 16384x64, shrunk to max_side


def test_multi_frame_tiff_and_webp_decode_their_first_frame(tmp_path):
    first = Image.new("RGB", (64, 48), (200, 30, 30))
    later = [Image.new("RGB", (64, 48), (30, 30, 60 * i)) for i in range(1, 4)]
    for fmt in ("TIFF", "WEBP"):
        path = tmp_path / f"frames.{fmt.lower()}"
        first.save(path, fmt, save_all=True, append_images=later, lossless=True)
        with Image.open(path) as im:
            assert getattr(im, "n_frames", 1) == 4
        rgb = load_image(path).rgb
        assert rgb.shape == (48, 64, 3) and tuple(rgb[10, 10]) == (200, 30, 30)


def test_png_text_and_icc_over_pillows_limits_are_skipped_not_fatal(tmp_path):
    """Pillow refuses a zTXt that inflates past MAX_TEXT_CHUNK, and text totalling more than
    MAX_TEXT_MEMORY; both are metadata, so the photo decodes without them."""
    big = zlib.compress(b"A" * (PngImagePlugin.MAX_TEXT_CHUNK + 10), 9)
    one_mb = zlib.compress(b"B" * (PngImagePlugin.MAX_TEXT_CHUNK - 10), 9)
    cases = {
        "one huge zTXt": _chunk(b"zTXt", b"Comment\x00\x00" + big),
        "huge iCCP": _chunk(b"iCCP", b"icc\x00\x00" + big),
        "70 MB of text": b"".join(_chunk(b"zTXt", b"k%d\x00\x00" % i + one_mb) for i in range(70)),
    }
    for case, extra in cases.items():
        path = tmp_path / f"{case}.png"
        path.write_bytes(_png_bomb(120, 80, extra=extra))
        with pytest.raises(ValueError):  # what Pillow alone does with it
            Image.open(path).load()
        img = load_image(path)
        assert img.rgb.shape == (80, 120, 3), case
        assert any("PNG text/ICC" in w for w in img.exif["warnings"]), case


def test_zero_sized_png_is_an_input_error(tmp_path):
    for w, h in ((0, 10), (10, 0)):
        path = tmp_path / f"{w}x{h}.png"
        path.write_bytes(_png_bomb(w, h))
        with pytest.raises(InputError):
            load_image(path)


# -- malformed metadata: the tag is ignored, the photo scans ----------------------------------


def _tiff_block(
    entries: list, exif_entries: Optional[list] = None, ifd0_at: int = 8, exif_at=None
) -> bytes:
    """An ``Exif\\0\\0`` block written by hand, so tags can have any type, count and offset
    (Pillow's ``Image.Exif`` writes each known tag with its proper type). Entries are
    ``(tag, type, count, value)``: ``bytes`` up to 4 are stored inline, longer ones after the
    directory, an ``int`` is written as the raw value/offset field."""

    def directory(items: list, start: int) -> bytes:
        data_at = start + 2 + 12 * len(items) + 4
        table, data = b"", b""
        for tag, typ, count, value in sorted(items, key=lambda e: e[0]):
            if isinstance(value, int):
                field = struct.pack("<I", value)
            elif len(value) <= 4:
                field = value.ljust(4, b"\0")
            else:
                field = struct.pack("<I", data_at + len(data))
                data += value + b"\0" * (len(value) % 2)
            table += struct.pack("<HHI", tag, typ, count) + field
        return struct.pack("<H", len(items)) + table + b"\0\0\0\0" + data

    items = list(entries)
    if exif_entries is not None:
        items.append((0x8769, 4, 1, 0))
        sub_at = 8 + len(directory(items, 8))
        items[-1] = (0x8769, 4, 1, sub_at if exif_at is None else exif_at)
    out = b"II*\0" + struct.pack("<I", ifd0_at) + directory(items, 8)
    if exif_entries is not None:
        out += directory(exif_entries, sub_at)
    return b"Exif\0\0" + out


def _u16(v: int) -> bytes:
    return struct.pack("<H", v)


_OR, _DATE = 0x0112, 0x9003
_GOOD_DATE = (_DATE, 2, 20, b"2024:02:14 10:00:00\0")
_MAKERNOTE = bytes(range(256)) * 2 + b"\xff" * 88
# (case, IFD0 entries, Exif-IFD entries or None, IFD0 offset, Exif-IFD offset, expected note)
BAD_EXIF = [
    ("orientation as text", [(_OR, 2, 2, b"6\0")], None, 8, None, "orientation '6'"),
    ("orientation as rational", [(_OR, 5, 1, struct.pack("<II", 6, 1))], None, 8, None, "6.0"),
    ("orientation 0/0", [(_OR, 5, 1, struct.pack("<II", 0, 0))], None, 8, None, "nan"),
    ("orientation 0", [(_OR, 3, 1, _u16(0))], None, 8, None, "orientation 0 is not 1-8"),
    ("orientation 9", [(_OR, 3, 1, _u16(9))], None, 8, None, "orientation 9 is not 1-8"),
    ("orientation 70000", [(_OR, 4, 1, struct.pack("<I", 70000))], None, 8, None, "70000"),
    ("orientation -6", [(_OR, 8, 1, struct.pack("<h", -6))], None, 8, None, "-6"),
    ("orientation double", [(_OR, 12, 1, struct.pack("<d", 6.0))], None, 8, None, "6.0"),
    ("orientation bytes", [(_OR, 7, 4, b"\x06\0\0\0")], None, 8, None, "orientation b'"),
    ("orientation count 0", [(_OR, 3, 0, b"")], None, 8, None, None),
    ("orientation huge count", [(_OR, 3, 0x7FFFFFFF, 0x100)], None, 8, None, None),
    ("orientation offset past end", [(_OR, 3, 4, 0xFFFFFF00)], None, 8, None, None),
    ("orientation unknown type", [(_OR, 99, 1, _u16(6))], None, 8, None, None),
    ("date as bytes", [], [(_DATE, 7, 8, b"\xff\xfe2024\0\1")], 8, None, "not a date"),
    ("date as int", [], [(_DATE, 4, 1, struct.pack("<I", 20240214))], 8, None, "not text"),
    ("date as rationals", [], [(_DATE, 5, 2, struct.pack("<4I", 1, 0, 5, 0))], 8, None, "text"),
    ("make as int", [(0x010F, 3, 1, _u16(7))], None, 8, None, "EXIF make 7 is not text"),
    ("model as rational", [(0x0110, 5, 1, struct.pack("<II", 1, 3))], None, 8, None, "model"),
    ("exif IFD past end", [], [_GOOD_DATE], 8, 0x7FFFFFF0, None),
    ("exif IFD loop", [], [_GOOD_DATE], 8, 8, None),
    ("IFD0 past end", [(_OR, 3, 1, _u16(6))], None, 0xFFFFFFF0, None, None),
    ("MakerNote garbage", [], [(0x927C, 7, 600, _MAKERNOTE)], 8, None, None),
]  # fmt: skip


def _striped(fmt: str, **save) -> bytes:
    """60x30 with a white band on the left of the stored pixels (to see any rotation)."""
    arr = np.zeros((30, 60, 3), np.uint8)
    arr[:, :10] = 255
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt, **save)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize(
    ("case", "ifd0", "sub", "ifd0_at", "exif_at", "note"), BAD_EXIF, ids=[b[0] for b in BAD_EXIF]
)
def test_wrong_typed_exif_never_fails_the_photo(
    tmp_path, fmt, case, ifd0, sub, ifd0_at, exif_at, note
):
    path = tmp_path / f"photo.{fmt.lower()}"
    path.write_bytes(_striped(fmt, exif=_tiff_block(ifd0, sub, ifd0_at, exif_at)))
    img = load_image(path)
    assert img.rgb.shape == (30, 60, 3) and (img.width, img.height) == (60, 30)  # as stored
    assert img.rgb[:, :10].mean() > 200
    json.dumps(img.exif)  # the record must stay JSON: no IFDRational, no bytes
    assert all(isinstance(v, str) for k, v in img.exif.items() if k != "warnings")
    if note is not None:
        assert any(note in w for w in img.exif["warnings"]), img.exif


def test_hand_written_exif_block_is_read_when_valid(tmp_path):
    """The same builder with proper types: orientation 6 applied, date and camera kept."""
    block = _tiff_block([(_OR, 3, 1, _u16(6)), (0x0110, 2, 6, b"Cam 1\0")], [_GOOD_DATE])
    path = tmp_path / "good.jpg"
    path.write_bytes(_striped("JPEG", exif=block))
    img = load_image(path)
    assert img.rgb.shape == (60, 30, 3) and img.rgb[:10].mean() > 200
    assert img.exif == {"model": "Cam 1", "datetime": "2024:02:14 10:00:00"}


def test_garbage_xmp_icc_and_mpf_are_ignored(tmp_path):
    garbage = bytes(range(256)) * 40
    for name, save in {
        "xmp.jpg": {"xmp": b"<x:xmpmeta \xff\xfe" + garbage},
        "icc.jpg": {"icc_profile": garbage},
        "icc.png": {"icc_profile": garbage},
        "icc.webp": {"icc_profile": garbage},
        "xmp-and-bad-exif.jpg": {"xmp": garbage, "exif": b"Exif\0\0" + garbage},
    }.items():
        path = tmp_path / name
        path.write_bytes(_striped(name.rsplit(".", 1)[1].upper().replace("JPG", "JPEG"), **save))
        img = load_image(path)
        assert img.rgb.shape == (30, 60, 3), name
        json.dumps(img.exif)
    # An MPF (multi-picture) APP2 segment of garbage right after SOI.
    data = _striped("JPEG")
    app2 = b"MPF\0" + garbage[:500]
    path = tmp_path / "mpf.jpg"
    path.write_bytes(data[:2] + b"\xff\xe2" + struct.pack(">H", len(app2) + 2) + app2 + data[2:])
    assert load_image(path).rgb.shape == (30, 60, 3)


def test_row_overheads_count_against_the_budget(tmp_path):
    """1x2,000,000 grey is 1.9 MiB of pixels, but Pillow keeps an 8-byte pointer per row: 17 MiB.
    (At 1x100,000,000 that was 860 MiB for a 17 MB file.)"""
    tall = tmp_path / "tall.png"
    tall.write_bytes(_png_bomb(1, 2_000_000, 0))
    with pytest.raises(InputError, match=r"\(1x2000000 L needs 17 MiB, decode budget 8 MiB\)"):
        load_image(tall, max_decode_bytes=8 << 20)
    assert load_image(tall, max_decode_bytes=32 << 20).rgb.shape == (4096, 1, 3)


@pytest.mark.parametrize("fmt", ["PCX", "SGI", "TGA", "PPM", "ICO"])
def test_other_pillow_formats_are_not_decoded_whatever_the_name(tmp_path, fmt):
    """Pillow identifies files by content; only photo formats reach a decoder."""
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (32, 32), (1, 2, 3)).save(path, fmt)
    with Image.open(path) as im:
        assert im.format == fmt  # Pillow alone would decode it
    with pytest.raises(InputError, match="not a readable image"):
        load_image(path)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
@pytest.mark.parametrize("target", ["/proc/self/environ", "/proc/kmsg"])
def test_links_to_proc_files_are_not_read(tmp_path, target):
    """procfs files are regular files that say 0 bytes and then go on (``/proc/kmsg`` blocks
    until the kernel logs something): a size of 0 is taken at its word, nothing is read."""
    if not os.path.exists(target):
        pytest.skip(f"{target} absent")
    path = tmp_path / "photo.jpg"
    os.symlink(target, path)
    with pytest.raises(InputError) as info:
        _finishes(lambda: load_image(path))
    assert "empty file" in info.value.reason or "permission" in info.value.reason


def test_heic_photos_load_with_orientation_and_exif(tmp_path):
    """iPhones save HEIC: a real one, written with pillow-heif, rotated by its EXIF orientation
    (6: turned 90 degrees clockwise), with its camera and capture time."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    src = Image.open(Path(__file__).resolve().parents[1] / "samples" / "rendered_campaign_1.jpg")
    src = src.convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 13"
    exif.get_ifd(0x8769)[0x9003] = "2024:02:01 10:22:03"
    path = tmp_path / "IMG_0001.HEIC"
    src.save(path, format="HEIF", exif=exif.tobytes(), quality=85)
    assert [p.name for p in discover([tmp_path]).images] == ["IMG_0001.HEIC"]
    img = load_image(path)
    assert (img.width, img.height) == (src.height, src.width)  # upright: portrait
    assert img.exif["make"] == "Apple" and img.exif["model"] == "iPhone 13"
    assert img.exif["datetime"] == "2024:02:01 10:22:03"
    # The same pixels as the JPEG turned by hand (lossy codecs: close, not equal).
    upright = np.asarray(src.transpose(Image.Transpose.ROTATE_270), dtype=np.float32)
    assert np.abs(img.rgb.astype(np.float32) - upright).mean() < 6.0
    assert img.sha256 == sha256_file(path)


def test_is_photo_file_sniffs_bytes_even_with_ultralytics_imported(tmp_path):
    """Importing Ultralytics patches ``PIL.Image.open`` to install pi-heif on any file it cannot
    identify; the service's job sniffing met that (a video posted as a job failed)."""
    from gesture_scan.io.image import is_photo_file

    pytest.importorskip("ultralytics")
    import ultralytics  # noqa: F401 - the patch is the point

    clip = tmp_path / "event.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    photo = tmp_path / "x.bin"
    photo.write_bytes(
        (Path(__file__).resolve().parents[1] / "samples" / "group_no_sign.jpg").read_bytes()
    )
    assert is_photo_file(photo) and not is_photo_file(clip) and not is_photo_file(tmp_path)
