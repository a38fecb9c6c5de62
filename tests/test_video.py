"""Video sampling on real video files written here with OpenCV (mp4v in .mp4, MJPG in .avi).

Content is rendered per frame so each test knows what every frame shows; where ``../shared`` is
present a real hand photo is used too. Rotation is tested on real files: OpenCV cannot write
rotation metadata, so we write the display matrix into the MP4's ``tkhd`` box ourselves.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tracemalloc
import wave
from collections.abc import Iterable
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
import pytest

from gesture_scan.errors import ConfigError, InputError
from gesture_scan.io import video_probe
from gesture_scan.io.video import (
    VIDEO_EXTENSIONS,
    SamplingOptions,
    VideoSampler,
    parse_duration,
    probe_video,
    sample_frames,
)
from gesture_scan_devkit.handset import shared_dir

from .conftest import finishes as _finishes

W, H = 160, 120
NO_EXTRAS = SamplingOptions(scene_cuts=False, dedupe=False)


def _write(path: Path, frames: Iterable[np.ndarray], fps: float, fourcc: str = "mp4v") -> Path:
    frames = iter(frames)
    first = next(frames)
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter.fourcc(*fourcc), fps, (first.shape[1], first.shape[0])
    )
    assert writer.isOpened(), f"this OpenCV cannot write {fourcc}"
    writer.write(first)
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def _scene(seed: int, w: int = W, h: int = H) -> np.ndarray:
    """A distinct, sharp BGR picture per seed: coloured blocks plus edges."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    img = cv2.resize(blocks, (w, h), interpolation=cv2.INTER_NEAREST)
    for _ in range(6):
        p1 = tuple(int(v) for v in rng.integers(0, (w, h)))
        p2 = tuple(int(v) for v in rng.integers(0, (w, h)))
        cv2.line(img, p1, p2, (255, 255, 255), 2)
    return img


def _stamp(img: np.ndarray, index: int) -> np.ndarray:
    """Write ``index`` as 8 black/white 12 px squares along the top edge."""
    out = img.copy()
    for bit in range(8):
        out[0:12, 12 * bit : 12 * bit + 12] = 255 if index >> bit & 1 else 0
    return out


def _read_stamp(rgb: np.ndarray) -> int:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return sum(1 << bit for bit in range(8) if grey[3:9, 12 * bit + 3 : 12 * bit + 9].mean() > 128)


def _mad(rgb: np.ndarray, bgr: np.ndarray) -> float:
    ref = cv2.cvtColor(cv2.resize(bgr, (rgb.shape[1], rgb.shape[0])), cv2.COLOR_BGR2RGB)
    return float(np.abs(rgb.astype(np.int16) - ref.astype(np.int16)).mean())


def _real_hand() -> Optional[np.ndarray]:
    base = shared_dir()
    if base is None:
        return None
    photos = sorted((base / "train" / "hands").glob("hands_*.jpg"))
    return cv2.imread(str(photos[0])) if photos else None


# -- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("500ms", 0.5), ("2.5", 2.5), ("1m", 60.0), (" 3 sec ", 3.0), ("0.25s", 0.25)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "abc", "-1s", "0", "0ms", "1 fortnight", "1e3", "nan"])
def test_parse_duration_rejects(text):
    with pytest.raises(ConfigError) as info:
        parse_duration(text)
    assert info.value.field == "every"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("every_s", 0),
        ("every_s", -1.0),
        ("cut_threshold", 0),
        ("sharpest_window_s", -0.1),
        ("dedupe_distance", 65),
        ("dedupe_distance", 2.5),
        ("max_frames", 0),
        ("max_side", 8),
        ("scene_cuts", "yes"),
    ],
)
def test_sampling_options_validated(field, value):
    with pytest.raises(ConfigError) as info:
        SamplingOptions(**{field: value})
    assert info.value.field == f"SamplingOptions.{field}"


def test_video_extensions_are_lowercase_with_dot():
    assert {".mp4", ".mov", ".avi", ".mkv", ".webm", ".3gp", ".m4v"} == VIDEO_EXTENSIONS


# -- probing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("fourcc", "ext"), [("mp4v", ".mp4"), ("MJPG", ".avi")])
def test_probe_reports_properties_and_leaves_file_alone(tmp_path, fourcc, ext):
    path = _write(tmp_path / f"clip{ext}", (_scene(i) for i in range(25)), 10.0, fourcc)
    before = path.read_bytes()
    info = probe_video(path)
    assert (info.width, info.height, info.rotation) == (W, H, 0)
    assert info.fps == pytest.approx(10.0)
    assert info.frame_count == 25
    assert info.duration_s == pytest.approx(2.5)
    assert info.codec == ("FMP4" if fourcc == "mp4v" else "MJPG")
    assert info.sha256 == hashlib.sha256(before).hexdigest()
    list(sample_frames(path))
    assert path.read_bytes() == before


# -- sampling ----------------------------------------------------------------------------------


def test_interval_sampling_one_per_second_with_true_index_and_time(tmp_path):
    frames = (_stamp(_scene(i // 10), i) for i in range(100))  # new picture every second
    path = _write(tmp_path / "ten.mp4", frames, 10.0)
    samples = list(sample_frames(path, NO_EXTRAS))
    assert len(samples) == 10
    for k, s in enumerate(samples):
        assert s.reason == "interval"
        assert abs(s.time_s - k) <= 0.25 + 1e-6
        assert s.time_s == pytest.approx(s.index / 10.0)
        assert _read_stamp(s.rgb) == s.index  # the pixels are the frame the sample claims
        assert _mad(s.rgb, _stamp(_scene(s.index // 10), s.index)) < 12
        assert s.rgb.dtype == np.uint8 and s.rgb.shape == (H, W, 3)
    assert np.diff([s.time_s for s in samples]) == pytest.approx(1.0, abs=0.5)


def test_picture_shown_only_between_3_and_4_seconds_is_sampled(tmp_path):
    background = _scene(1, 320, 240)
    special = _real_hand()
    special = _scene(99, 320, 240) if special is None else cv2.resize(special, (320, 240))
    frames = [special if 30 <= i < 40 else background for i in range(80)]
    path = _write(tmp_path / "moment.mp4", frames, 10.0)
    samples = list(sample_frames(path))  # default options
    during = [s for s in samples if 3.0 <= s.time_s < 4.0]
    assert during, [(s.time_s, s.reason) for s in samples]
    best = min(_mad(s.rgb, special) for s in during)
    assert best < 10 < _mad(during[0].rgb, background)
    outside = [s for s in samples if not 3.0 <= s.time_s < 4.0]
    assert all(_mad(s.rgb, special) > 20 for s in outside)


@pytest.mark.parametrize("source", ["rendered", "real"])
def test_sharpest_frame_in_window_is_chosen(tmp_path, source):
    if source == "real":
        real = _real_hand()
        if real is None:
            pytest.skip("../shared not found: no real hand photo to blur")
        sharp = cv2.resize(real, (320, 240), interpolation=cv2.INTER_AREA)
    else:
        sharp = _scene(5, 320, 240)
    kernel = np.zeros((9, 9), np.float32)
    kernel[4, :] = 1 / 9  # horizontal motion blur, as from a panning phone
    blurred = cv2.filter2D(sharp, -1, kernel)
    sharp_at = {12, 18}  # t=1.2 (target 1's window) and t=1.8 (target 2's)
    frames = [_stamp(sharp if i in sharp_at else blurred, i) for i in range(30)]
    path = _write(tmp_path / "blur.avi", frames, 10.0, "MJPG")
    samples = list(sample_frames(path, NO_EXTRAS))
    by_target = {round(s.time_s): s for s in samples}
    assert by_target[1].index == 12 and by_target[2].index == 18
    assert _read_stamp(by_target[1].rgb) == 12
    assert by_target[1].sharpness > 1.5 * by_target[0].sharpness


def test_scene_cut_adds_a_sample_right_after_the_cut(tmp_path):
    a, b = _scene(10, 320, 240), _scene(20, 320, 240)
    path = _write(tmp_path / "cut.mp4", [a if i < 24 else b for i in range(60)], 10.0)
    opts = SamplingOptions(every_s=5, dedupe=False)
    samples = list(sample_frames(path, opts))
    cuts = [s for s in samples if s.reason == "scene_cut"]
    assert len(cuts) == 1
    assert 2.4 <= cuts[0].time_s <= 2.4 + opts.sharpest_window_s + 1e-6
    assert _mad(cuts[0].rgb, b) < 10 < _mad(cuts[0].rgb, a)
    assert [round(s.time_s) for s in samples if s.reason == "interval"] == [0, 5]
    without = list(sample_frames(path, SamplingOptions(every_s=5, dedupe=False, scene_cuts=False)))
    assert [s.reason for s in without] == ["interval", "interval"]


def test_static_video_is_deduplicated(tmp_path):
    rng = np.random.default_rng(0)
    still = _scene(3)
    frames = (
        cv2.add(still, rng.normal(0, 2, still.shape).astype(np.int16), dtype=cv2.CV_8U)
        for _ in range(200)
    )
    path = _write(tmp_path / "static.mp4", frames, 10.0)
    sampler = sample_frames(path)
    kept = list(sampler)
    assert len(kept) == 1
    assert sampler.duplicates_dropped == 19
    assert len(list(sample_frames(path, SamplingOptions(dedupe=False)))) == 20


def test_max_frames_spreads_samples_and_max_side_scales(tmp_path):
    frames = (_stamp(_scene(i // 10, 640, 360), i) for i in range(200))
    path = _write(tmp_path / "long.mp4", frames, 10.0)
    sampler = sample_frames(path, SamplingOptions(max_frames=5, max_side=320, scene_cuts=False))
    samples = list(sampler)
    assert len(samples) == 5
    assert sampler.interval_s == pytest.approx(4.0)
    assert samples[-1].time_s >= 15.0  # the cap covers the whole video, not its first seconds
    assert samples[0].rgb.shape == (180, 320, 3)
    assert samples[0].scale == pytest.approx(2.0)


def test_live_capture_without_duration_is_sampled_to_its_end(tmp_path):
    """Browser/live-stream recordings (WebM from MediaRecorder) often announce no duration."""
    path = tmp_path / "live.webm"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"VP80"), 10.0, (W, H))
    if not writer.isOpened():
        pytest.skip("this OpenCV build cannot write VP8 WebM")
    for i in range(50):
        writer.write(_stamp(_scene(i // 10), i))
    writer.release()
    data = bytearray(path.read_bytes())
    i = data.find(b"\x44\x89")  # Matroska Duration element -> Void element of the same length
    n = 3 + (data[i + 2] & 0x7F)
    data[i : i + n] = bytes([0xEC, 0x80 | (n - 2)]) + bytes(n - 2)
    path.write_bytes(bytes(data))
    sampler = sample_frames(path, NO_EXTRAS)
    assert (sampler.info.frame_count, sampler.info.duration_s) == (0, 0.0)
    samples = list(sampler)
    assert sampler.frames_read == 50 and not sampler.truncated
    assert [round(s.time_s) for s in samples] == [0, 1, 2, 3, 4, 5]
    assert all(_read_stamp(s.rgb) == s.index for s in samples)


# -- rotation ----------------------------------------------------------------------------------

_MATRIX = {
    90: (0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30),
    180: (-65536, 0, 0, 0, -65536, 0, 0, 0, 1 << 30),
    270: (0, -65536, 0, 65536, 0, 0, 0, 0, 1 << 30),
}


def _set_rotation(path: Path, degrees: int) -> None:
    """Write a phone-style display matrix into the video track's ``tkhd`` box."""
    data = bytearray(path.read_bytes())
    i = data.find(b"tkhd")
    version = data[i + 4]
    # tkhd: version/flags, 2 or 3 times+ids, reserved, duration, 8 reserved, layer..volume..
    off = i + 4 + 4 + (32 if version == 1 else 20) + 8 + 8
    assert struct.unpack(">9i", data[off : off + 36])[0] == 65536  # identity before
    data[off : off + 36] = struct.pack(">9i", *_MATRIX[degrees])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_phone_rotation_is_applied_exactly_once(tmp_path, degrees):
    frame = np.zeros((H, W, 3), np.uint8)
    frame[:30, :40] = (0, 0, 255)  # red marker top-left of the stored frame
    path = _write(tmp_path / "phone.mp4", [frame] * 10, 10.0)
    _set_rotation(path, degrees)
    info = probe_video(path)
    assert info.rotation == degrees
    portrait = degrees in (90, 270)
    assert (info.width, info.height) == ((H, W) if portrait else (W, H))
    sample = next(iter(sample_frames(path)))
    assert sample.rgb.shape[:2] == (info.height, info.width)
    ys, xs = np.nonzero(sample.rgb[:, :, 0] > 128)
    top = ys.mean() < info.height / 2
    left = xs.mean() < info.width / 2
    # Clockwise by the angle: top-left goes to top-right (90), bottom-right (180), bottom-left.
    assert (top, left) == {90: (True, False), 180: (False, False), 270: (False, True)}[degrees]
    # ...which is what OpenCV itself shows when asked to rotate.
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    ok, ref = cap.read()
    cap.release()
    assert ok and ref.shape == sample.rgb.shape
    assert np.abs(cv2.cvtColor(ref, cv2.COLOR_BGR2RGB).astype(int) - sample.rgb).mean() < 2


def test_no_second_rotation_when_backend_rotates_itself(tmp_path, monkeypatch):
    """Builds where auto-rotation cannot be switched off deliver upright frames already."""
    frame = np.zeros((H, W, 3), np.uint8)
    frame[:30, :40] = (0, 0, 255)
    path = _write(tmp_path / "phone.mp4", [frame] * 10, 10.0)
    _set_rotation(path, 90)
    real_open = video_probe.open_capture

    class AutoRotating:
        def __init__(self, cap):
            self._cap = cap
            cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)

        def set(self, prop, value):
            return prop != cv2.CAP_PROP_ORIENTATION_AUTO and self._cap.set(prop, value)

        def __getattr__(self, name):
            return getattr(self._cap, name)

    monkeypatch.setattr(
        video_probe, "open_capture", lambda p, fh=None: AutoRotating(real_open(p, fh))
    )
    info = probe_video(path)
    sample = next(iter(sample_frames(path)))
    assert info.rotation == 90 and (info.width, info.height) == (H, W)
    assert sample.rgb.shape[:2] == (W, H)
    ys, xs = np.nonzero(sample.rgb[:, :, 0] > 128)
    assert ys.mean() < W / 2 and xs.mean() > H / 2  # top-right, as after one 90° turn


# -- bad and damaged inputs --------------------------------------------------------------------


def _wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((np.sin(np.arange(8000) / 5) * 8000).astype("<i2").tobytes())
    return path


def _valid_mp4(tmp_path: Path) -> bytes:
    return _write(tmp_path / "ok.mp4", (_scene(i // 5) for i in range(30)), 10.0).read_bytes()


BAD = [
    ("zero-byte", "empty.mp4", lambda tmp: b"", "empty file"),
    ("text", "notes.mp4", lambda tmp: b"not a video at all\n" * 20, "not a video"),
    ("wav as mp4", "voice.mp4", lambda tmp: _wav(tmp / "a.wav").read_bytes(), "audio-only"),
    ("jpeg as mp4", "photo.mp4", lambda tmp: cv2.imencode(".jpg", _scene(1))[1].tobytes(), "image"),
    (
        "truncated mp4",
        "cut.mp4",
        lambda tmp: (lambda d: d[: len(d) * 3 // 10])(_valid_mp4(tmp)),
        "truncated",
    ),
]


@pytest.mark.parametrize(("case", "name", "make", "reason"), BAD, ids=[b[0] for b in BAD])
def test_bad_inputs_raise_input_error_with_reason(tmp_path, case, name, make, reason):
    path = tmp_path / name
    data = make(tmp_path)
    path.write_bytes(data)
    for call in (probe_video, sample_frames):
        with pytest.raises(InputError) as info:
            call(path)
        assert reason in info.value.reason
        assert info.value.source == str(path)
        assert info.value.sha256 == hashlib.sha256(data).hexdigest()


def test_missing_path_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        probe_video(tmp_path / "gone.mp4")
    with pytest.raises(InputError, match="folder"):
        sample_frames(tmp_path)


def test_unsupported_codec_is_named(tmp_path):
    path = _write(tmp_path / "odd.avi", (_scene(i) for i in range(5)), 10.0, "MJPG")
    path.write_bytes(path.read_bytes().replace(b"MJPG", b"ZZZZ"))
    with pytest.raises(InputError, match="unsupported codec 'ZZZZ'"):
        probe_video(path)


def test_truncated_avi_yields_the_decodable_part_and_says_so(tmp_path):
    frames = (_stamp(_scene(i // 10), i) for i in range(100))
    full = _write(tmp_path / "full.avi", frames, 10.0, "MJPG")
    cut = tmp_path / "cut.avi"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) * 3 // 10])
    sampler = sample_frames(cut, NO_EXTRAS)
    assert sampler.info.frame_count == 100  # the header still announces the whole video
    samples = list(sampler)
    assert sampler.truncated and sampler.finished
    assert 20 <= sampler.frames_read <= 35
    assert 2 <= len(samples) <= 4 and all(s.time_s < 3.5 for s in samples)
    assert all(_read_stamp(s.rgb) == s.index for s in samples)
    whole = sample_frames(full, NO_EXTRAS)
    assert len(list(whole)) == 10 and not whole.truncated


def _move_moov_first(data: bytes) -> bytes:
    """Rewrite an MP4 as 'fast start' (index before the media, as streaming sites deliver it)."""
    boxes, pos = {}, 0
    while pos < len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        boxes[data[pos + 4 : pos + 8]] = data[pos : pos + size]
        pos += size
    moov = bytearray(boxes[b"moov"])
    i = moov.find(b"stco")
    n = int.from_bytes(moov[i + 8 : i + 12], "big")
    for j in range(n):  # chunk offsets move forward by the size of the moved index
        at = i + 12 + 4 * j
        offset = int.from_bytes(moov[at : at + 4], "big") + len(moov)
        moov[at : at + 4] = offset.to_bytes(4, "big")
    rest = b"".join(v for k, v in boxes.items() if k not in (b"ftyp", b"moov"))
    return boxes[b"ftyp"] + bytes(moov) + rest


def test_truncated_fast_start_mp4_is_sampled_as_far_as_it_goes(tmp_path):
    frames = (_stamp(_scene(i // 10), i) for i in range(100))
    data = _move_moov_first(_write(tmp_path / "full.mp4", frames, 10.0).read_bytes())
    whole = tmp_path / "faststart.mp4"
    whole.write_bytes(data)
    complete = sample_frames(whole, NO_EXTRAS)
    assert len(list(complete)) == 10 and not complete.truncated
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    sampler = sample_frames(cut, NO_EXTRAS)
    samples = list(sampler)
    assert sampler.truncated
    assert 0 < len(samples) < 10 and sampler.frames_read < 100
    assert all(_read_stamp(s.rgb) == s.index for s in samples)


def test_damaged_packets_are_skipped_not_the_end(tmp_path):
    frames = (_stamp(_scene(i // 10), i) for i in range(100))
    path = _write(tmp_path / "damaged.mp4", frames, 10.0)
    data = bytearray(path.read_bytes())
    mdat = data.find(b"mdat")
    mid = mdat + (len(data) - mdat) // 3
    data[mid : mid + 3000] = np.random.default_rng(0).integers(0, 256, 3000, np.uint8).tobytes()
    path.write_bytes(bytes(data))
    sampler = sample_frames(path, NO_EXTRAS)
    samples = list(sampler)
    assert sampler.frames_read >= 90  # decoding went on after the damage
    assert samples[-1].time_s >= 8.75
    assert all(_read_stamp(s.rgb) == s.index for s in samples if s.time_s < 3)


# -- streaming ---------------------------------------------------------------------------------


def test_long_video_streams_with_bounded_memory(tmp_path):
    base = _scene(7, 640 + 240, 360)
    pan = (abs(i % 480 - 240) for i in range(1800))  # slow pan back and forth, no cuts
    path = _write(tmp_path / "minute.mp4", (base[:, x : x + 640] for x in pan), 30.0)
    positions: list[float] = []
    sampler = sample_frames(path, SamplingOptions(dedupe=False), on_progress=positions.append)
    assert isinstance(sampler, VideoSampler)
    frame_bytes = 640 * 360 * 3
    tracemalloc.start()
    try:
        it = iter(sampler)
        first = next(it)
        assert first.time_s < 0.5 and sampler.frames_read < 30  # yielded before reading on
        count = 1 + sum(1 for _ in it)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sampler.frames_read == 1800 and not sampler.truncated
    assert 58 <= count <= 61
    assert peak < 8 * frame_bytes, f"peak {peak / 1e6:.1f} MB: frames are being held"
    assert positions == sorted(positions) and positions[-1] >= 59.9
    assert len(positions) >= 50


# -- inputs that never end ---------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs and devices")
@pytest.mark.parametrize(
    ("kind", "what"),
    [("fifo", "FIFO"), ("zero", "character device"), ("urandom", "character device")],
)
def test_fifo_and_device_links_are_refused_without_blocking(tmp_path, kind, what):
    path = tmp_path / f"{kind}.mp4"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        os.symlink(f"/dev/{kind}", path)
    for call in (probe_video, sample_frames):
        with pytest.raises(InputError) as info:
            _finishes(lambda call=call: call(path))
        assert info.value.reason.startswith("not a regular file")
        assert what in info.value.reason and info.value.source == str(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_video_replaced_by_a_fifo_after_the_probe_is_refused(tmp_path):
    """The sampler opens the file again for each pass: by then it may be something else."""
    path = _write(tmp_path / "clip.mp4", (_scene(i // 5) for i in range(20)), 10.0)
    sampler = sample_frames(path, NO_EXTRAS)
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(InputError, match="not a regular file \\(FIFO\\)"):
        _finishes(lambda: list(sampler))


def test_ffmpeg_decodes_the_checked_descriptor_not_the_name(tmp_path, monkeypatch):
    """Where ``/proc/self/fd`` exists FFmpeg is given the descriptor we checked and hashed."""
    path = _write(tmp_path / "clip.mp4", (_scene(i // 5) for i in range(20)), 10.0)
    opened: list[str] = []
    real = cv2.VideoCapture
    monkeypatch.setattr(cv2, "VideoCapture", lambda src, api: opened.append(src) or real(src, api))
    info = probe_video(path)
    assert len(list(sample_frames(path, NO_EXTRAS))) == 2 and info.frame_count == 20
    if os.path.isdir("/proc/self/fd"):
        assert opened and all(src.startswith("/proc/self/fd/") for src in opened)
    else:
        assert opened and all(src == os.path.abspath(path) for src in opened)


# -- malformed rotation metadata ---------------------------------------------------------------

_BAD_MATRIX = {
    # FFmpeg reads these as INT_MIN, 45 and 35 degrees: none is a phone's quarter turn.
    "all zeros": (0,) * 9,
    "45 degrees": (46341, 46341, 0, -46341, 46341, 0, 0, 0, 1 << 30),
    "shear": (65536, 65536, 0, 0, 65536, 0, 0, 0, 1 << 30),
    "overflowing": (2**31 - 1, 2**31 - 1, 2**31 - 1, -(2**31), 2**31 - 1, -(2**31), 1, 1, 1),
}


@pytest.mark.parametrize("case", list(_BAD_MATRIX))
def test_unusable_display_matrix_leaves_frames_as_stored(tmp_path, case, monkeypatch):
    frame = np.zeros((H, W, 3), np.uint8)
    frame[:30, :40] = (0, 0, 255)
    path = _write(tmp_path / "odd.mp4", [frame] * 10, 10.0)
    monkeypatch.setitem(_MATRIX, 0, _BAD_MATRIX[case])
    _set_rotation(path, 0)
    info = probe_video(path)
    assert info.rotation == 0 and (info.width, info.height) == (W, H)
    assert info.warnings and "frames taken as stored" in info.warnings[0]
    assert info.to_dict()["warnings"] == list(info.warnings)
    samples = list(sample_frames(path, NO_EXTRAS))
    assert samples and all(s.rgb.shape == (H, W, 3) for s in samples)
    ys, xs = np.nonzero(samples[0].rgb[:, :, 0] > 128)
    assert ys.mean() < H / 2 and xs.mean() < W / 2  # the marker is still top-left


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
@pytest.mark.parametrize(
    ("case", "text", "kind"),
    [
        ("hls", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{fifo}\n#EXT-X-ENDLIST\n", "HLS"),
        ("hls-bom", "\ufeff#EXTM3U\n#EXTINF:10,\nfile://{fifo}\n", "HLS"),
        ("ffconcat", "ffconcat version 1.0\nfile '{fifo}'\n", "concat"),
        ("dash", '<?xml version="1.0"?><MPD><BaseURL>{fifo}</BaseURL></MPD>', "XML"),
    ],
)
def test_playlist_named_mp4_is_not_followed_to_the_files_it_names(tmp_path, case, text, kind):
    """FFmpeg opens what a playlist lists, whatever the playlist is called: listing a FIFO hung
    the probe forever (and any other file would be read into the scan)."""
    fifo = tmp_path / "segment.ts"
    os.mkfifo(fifo)
    path = tmp_path / f"{case}.mp4"
    path.write_text(text.format(fifo=fifo), encoding="utf-8")
    for call in (probe_video, sample_frames):
        with pytest.raises(InputError) as info:
            _finishes(lambda call=call: call(path))
        assert kind in info.value.reason and "not a video file" in info.value.reason


# -- decompression bombs -----------------------------------------------------------------------


def test_oversized_frames_are_refused_before_decoding(tmp_path):
    """One-colour 16000x16000 MJPEG frames are 4.6 MB of AVI and took 3.5 GB to probe and
    sample; anything over MAX_FRAME_PIXELS is refused from the container's size."""
    side = 6400  # 41 MP, just over the limit; 8K (7680x4320, 33 MP) stays under it
    assert side * side > video_probe.MAX_FRAME_PIXELS > 7680 * 4320
    path = _write(tmp_path / "huge.avi", [np.full((side, side, 3), 90, np.uint8)] * 2, 10.0, "MJPG")
    for call in (probe_video, sample_frames):
        with pytest.raises(InputError, match=r"video frames too large \(6400x6400 = 41 MP"):
            call(path)


def test_opencv_errors_on_a_file_become_input_errors(tmp_path, monkeypatch):
    """OpenCV raises ``cv2.error`` from native code (e.g. on a frame it cannot convert); for a
    scan that is the file's problem, like any other decode failure."""
    path = _write(tmp_path / "clip.mp4", (_scene(i // 5) for i in range(20)), 10.0)
    real_open = video_probe.open_capture
    retrieved = []

    class Failing:
        def __init__(self, cap):
            self._cap = cap

        def retrieve(self):
            retrieved.append(1)
            if len(retrieved) > 1:
                raise cv2.error("OpenCV(4.11.0) cvtColor: bad frame")
            return self._cap.retrieve()

        def __getattr__(self, name):
            return getattr(self._cap, name)

    monkeypatch.setattr(video_probe, "open_capture", lambda p, fh=None: Failing(real_open(p, fh)))
    sampler = sample_frames(path, NO_EXTRAS)  # the probe retrieves one frame
    with pytest.raises(InputError, match="video decoding failed") as info:
        list(sampler)
    assert info.value.sha256 == sampler.info.sha256
    retrieved.clear()
    retrieved.append(1)  # the probe's first retrieve fails now
    with pytest.raises(InputError, match="cannot decode this video"):
        probe_video(path)
