"""Decoding and discovery on real files, including every kind of bad input. No models needed."""

from __future__ import annotations

import errno
import io
import os
import socket
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gesture_scan.errors import InputError
from gesture_scan.io import discover, load_image, sha256_file


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
    (tmp_path / "a" / "clip.heic").write_bytes(b"x")
    (tmp_path / "readme.txt").write_text("x")
    os.symlink(tmp_path / "a", tmp_path / "link_to_a")
    (tmp_path / "empty").mkdir()
    found = discover([tmp_path, tmp_path / "empty", tmp_path / "nope.jpg"])
    assert [p.relative_to(tmp_path).as_posix() for p in found.images] == ["a/1.png", "b/2.JPG"]
    reasons = {Path(s.path).name: s.reason for s in found.skipped}
    assert "HEIC" in reasons["clip.heic"]
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


def _finishes(call, timeout: float = 10.0):
    """Run ``call`` in a thread; fail (instead of hanging the suite) if it blocks."""
    box: dict[str, object] = {}

    def target():
        try:
            box["value"] = call()
        except BaseException as exc:  # handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"blocked for over {timeout} s"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


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
