"""Turn one video file into a short stream of frames worth scanning, without holding the video.

Event videos are long (a 2-hour live-stream capture is 216,000 frames at 30 fps) and mostly
redundant, so we scan a sample: one frame per ``every_s`` seconds, plus one right after each scene
cut, each the sharpest frame near its target time (motion blur ruins hand landmarks), and drop a
sample that looks the same as the last one kept (a static shot must not give 300 equal findings).

Design notes:

- **Streaming.** One sequential pass with ``cv2.VideoCapture``: ``grab()`` decodes a frame but
  keeps it in the decoder; only frames we look at are ``retrieve()``-d (colour-converted into a
  numpy array): about 10 per second of video, whatever its frame rate, each giving the cut
  detector's thumbnail and, inside a sampling window, a sharpest-frame candidate. We never seek:
  it is slow and inexact in long-GOP phone videos. At most four frames are held (the current one,
  the best and second-best candidates of the open window, the one being yielded).
- **Only regular files.** A FIFO or a link to a device named ``.mp4`` would block FFmpeg forever,
  so both the probe and the sampler open the file as ``files.open_regular`` does (``stat``
  first, ``O_NONBLOCK``, ``fstat`` on the descriptor) and refuse anything else with "not a
  regular file (...)". FFmpeg is then pointed at that descriptor (``/proc/self/fd/N`` on Linux),
  not at the name, so what it decodes is the file we checked and hashed even if the name is
  swapped in between. Where there is no ``/proc`` the name is used after the same checks.
- **One file only.** FFmpeg reads playlists and lists (HLS, ffconcat, DASH) by their content
  and opens the files they name, which could be a FIFO or anything on the machine; only files
  that start like a self-contained container (MP4/MOV, AVI, Matroska/WebM, MPEG-PS/TS, FLV, ASF,
  Ogg) are handed to FFmpeg, and the rest get a reason from their first bytes.
- **Frame size.** Frames over ``MAX_FRAME_PIXELS`` (40 MP; 8K video is 33) are refused from
  the container's dimensions before any is decoded, and again from the first decoded frame.
- **Errors.** ``probe_video`` (also run by ``sample_frames``) raises ``InputError`` with a reason a
  user can act on when nothing at all can be decoded: missing, empty, not a video, audio only,
  an MP4 whose index was never written (a recording cut off or a copy interrupted), unsupported
  codec. Anything that decodes at least one frame is sampled as far as it goes.
- **Truncated or damaged files.** ``sample_frames`` returns a ``VideoSampler``: iterate it for the
  frames, then read ``truncated`` (decoding ended before the end the container announced, or lost
  more than a tenth of its frames), ``decode_errors`` (damaged packets skipped) and
  ``frames_read``. A failed ``grab()`` is not the end of the file: OpenCV's FFmpeg backend also
  returns False for one damaged packet, and grabbing again resumes after it, so we only stop after
  many failures in a row.
- **Rotation.** Phones store portrait videos as landscape frames plus a display-matrix rotation.
  This OpenCV build (4.11, pip wheel) reads it (``CAP_PROP_ORIENTATION_META``) but does *not*
  apply it by default (``CAP_PROP_ORIENTATION_AUTO`` reads 0). Other builds may, so we switch
  auto-rotation off and rotate ourselves; if a backend refuses to switch it off, it rotates and we
  do not. Either way frames come out upright exactly once. Rotating ourselves also means only the
  yielded frames are rotated, after downscaling, not every thumbnail. A matrix that is not a
  quarter turn (a matrix of zeros reads as INT_MIN degrees, shears as odd angles) is ignored and
  noted in ``VideoInfo.warnings``.
- **Time.** ``time_s`` comes from the frame's presentation timestamp (variable frame rate phone
  videos, damaged stretches), falling back to ``index / fps`` where the container has none.
  ``index`` is the frame's position in decode order.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Optional, Union

import cv2
import numpy as np

from ..errors import ConfigError, InputError, PathLike
from . import remote
from .discover import VIDEO_EXTENSIONS as VIDEO_EXTENSIONS  # one list, kept in discover
from .files import EMPTY_SHA256, opened, os_reason, sha256_of

# FFmpeg's own messages ("moov atom not found", "ac-tex damaged") would tear through a progress
# bar and say less than our InputError does. Read once, when OpenCV first starts FFmpeg; a user
# who wants them sets the variable.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")


_ANALYSIS_SIDE = 480  # grey copy for sharpness and the hash: blur still shows, resizing is cheap
_THUMB_SIZE = (64, 36)  # cut detector: coarse enough that noise and small motion average out
# Frames we retrieve and look at, per second of video, whatever its frame rate: the cut detector's
# thumbnails and the sharpest-frame candidates are the same frames, so each costs one conversion.
_LOOKS_PER_S = 10
_MIN_CUT_GAP_S = 0.5  # a photographer's flash must not count as two cuts
_MAX_FAILED_GRABS = 1000  # in a row; failing at the real end of file costs microseconds each
_PROGRESS_EVERY_S = 1.0
_LOST_FRAMES_TRUNCATED = 0.1

# 8K UHD is 33 MP. A frame costs 3 bytes a pixel as BGR and FFmpeg's own buffers on top.
MAX_FRAME_PIXELS = 40_000_000

_ROTATE = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


# -- options -----------------------------------------------------------------------------------


_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|sec|m|min|h)?\s*$", re.IGNORECASE)
_UNIT_S = {"ms": 0.001, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_duration(text: Union[str, float, int], field: str = "every") -> float:
    """``"1s"``, ``"500ms"``, ``"2.5"`` (seconds), ``"1m"``, ``"1h"`` -> seconds (> 0).

    Bare numbers are seconds, because that is what ``--every 2`` means to a person.
    """
    if isinstance(text, bool):
        raise ConfigError(field, f"not a duration: {text!r}")
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        m = _DURATION.match(str(text))
        if m is None:
            raise ConfigError(field, f"not a duration: {text!r} (use e.g. 1s, 500ms, 2.5 or 1m)")
        value = float(m.group(1)) * _UNIT_S[(m.group(2) or "s").lower()]
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(field, f"must be a positive duration, got {text!r}")
    return value


@dataclass(frozen=True)
class SamplingOptions:
    """Which frames of a video get scanned.

    ``cut_threshold`` is the mean absolute difference (0-255 grey levels) between 64x36 grey
    thumbnails taken 0.1 s apart; ``dedupe_distance`` is a Hamming distance between 64-bit dHashes.
    Both defaults come from generated clips of real photos with known cuts
    (``scripts/bench_video.py --tune``, 640x360 mp4v, figures in ``bench/video_tuning.json``):
    cuts scored a median 65 (5th percentile 39; the lowest, 14, joined two photos of one room),
    motion inside a shot (hand-held shake, slow pans, zoom, exposure drift, a person crossing) at
    most 18-20, so 22 separates them; whip pans (over half the frame per second) score up to 41
    and count as cuts, which only adds a sample of new content. Samples 1 s apart in a tripod shot
    are mostly 0-1 bits apart, in a hand-held one 0-16, in different shots 2 or more (4 or less in
    2 of 10,152 pairs): 4 drops a static shot's repeats but keeps most hand-held ones, because a
    64-bit hash cannot see a small change such as one hand raised in a wide shot.

    ``max_frames`` caps the samples per video; when the duration is known the interval is stretched
    so the cap covers the whole video instead of its first minutes. ``max_side`` bounds the frames
    handed to the scan (decoding itself always runs at the video's full size).
    """

    every_s: float = 1.0
    scene_cuts: bool = True
    cut_threshold: float = 22.0
    sharpest_window_s: float = 0.25
    dedupe: bool = True
    dedupe_distance: int = 4
    max_frames: Optional[int] = None
    max_side: int = 1920

    def __post_init__(self) -> None:
        def fail(name: str, reason: str) -> None:
            raise ConfigError(f"SamplingOptions.{name}", f"{reason}, got {getattr(self, name)!r}")

        def number(name: str, lo: float, hi: float) -> None:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                fail(name, f"must be in [{lo}, {hi}]")

        for name in ("scene_cuts", "dedupe"):
            if not isinstance(getattr(self, name), bool):
                fail(name, "must be true or false")
        number("every_s", 0.001, 86_400.0)
        number("cut_threshold", 0.1, 255.0)
        number("sharpest_window_s", 0.0, 10.0)
        if isinstance(self.dedupe_distance, bool) or not isinstance(self.dedupe_distance, int):
            fail("dedupe_distance", "must be an integer in [0, 64]")
        number("dedupe_distance", 0, 64)
        if self.max_frames is not None and (
            isinstance(self.max_frames, bool)
            or not isinstance(self.max_frames, int)
            or self.max_frames < 1
        ):
            fail("max_frames", "must be a positive integer or None")
        if isinstance(self.max_side, bool) or not isinstance(self.max_side, int):
            fail("max_side", "must be an integer in [32, 16384]")
        number("max_side", 32, 16384)


# -- what we hand out --------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoInfo:
    """What the container says, corrected by the first decoded frame.

    ``width``/``height`` are upright (after ``rotation``). ``frame_count`` and ``duration_s`` are
    0 where the container does not say (some live-stream captures); ``frame_count`` is estimated
    from duration x fps where the container has no frame count.
    """

    path: str
    sha256: str
    width: int
    height: int
    fps: float
    frame_count: int
    duration_s: float
    rotation: int
    codec: str
    warnings: tuple[str, ...] = ()  # metadata we could not use (see ``_rotation``)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "width": self.width,
            "height": self.height,
            "fps": round(self.fps, 3),
            "frame_count": self.frame_count,
            "duration_s": round(self.duration_s, 3),
            "rotation": self.rotation,
            "codec": self.codec,
            **({"warnings": list(self.warnings)} if self.warnings else {}),
        }


@dataclass(frozen=True, eq=False)
class SampledFrame:
    """One frame to scan. ``rgb`` is upright and at most ``max_side``; ``scale`` maps its pixels
    back to the video's own (upright) size, as ``LoadedImage.scale`` does for photos.
    ``sharpness`` is the variance of the Laplacian of a 480 px grey copy: comparable between
    frames of one shot, not between videos."""

    index: int
    time_s: float
    rgb: np.ndarray
    reason: str  # "interval" | "scene_cut"
    sharpness: float
    scale: float = 1.0


# -- opening and probing -----------------------------------------------------------------------


@contextmanager
def _quiet_opencv() -> Iterator[None]:
    """OpenCV warns on stderr when a backend cannot open a file; our InputError says it better."""
    previous = cv2.setLogLevel(1)  # fatal only
    try:
        yield
    finally:
        cv2.setLogLevel(previous)


def _open_capture(path: str, fh: Optional[BinaryIO] = None) -> Any:
    """FFmpeg explicitly: with CAP_ANY OpenCV would also try its image-sequence reader, which
    takes ``%d`` in a file name as a pattern. The absolute path keeps FFmpeg from reading a name
    like ``concat:...`` or ``http:...`` as a protocol. With ``fh`` (a checked regular file),
    FFmpeg opens that very file through ``/proc/self/fd``."""
    source = os.path.abspath(path)
    if fh is not None:
        proc = f"/proc/self/fd/{fh.fileno()}"
        if os.path.exists(proc):
            source = proc
    with _quiet_opencv():
        cap = cv2.VideoCapture(source, cv2.CAP_FFMPEG)
    return cap


def _backend_rotates(cap: Any) -> bool:
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    return bool(cap.get(cv2.CAP_PROP_ORIENTATION_AUTO) == 1)


def _rotation(cap: Any) -> tuple[int, Optional[str]]:
    """(rotation in 0/90/180/270, a note when the display matrix is unusable).

    The display matrix is the file's word, and files lie: FFmpeg reports a matrix of zeros as
    INT_MIN degrees and a shear or a 45-degree turn as what its arithmetic gives. Only a turn
    within a degree of a quarter is applied; anything else leaves the frames as stored.
    """
    meta = cap.get(cv2.CAP_PROP_ORIENTATION_META)
    if not math.isfinite(meta) or abs(meta) > 360:
        return 0, f"display-matrix rotation {meta!r} unusable: frames taken as stored"
    quarters = round(meta / 90.0)
    if abs(meta - quarters * 90) > 1.0:
        return 0, f"display-matrix rotation {meta:g} is not a quarter turn: frames taken as stored"
    return quarters % 4 * 90, None


def _fourcc(cap: Any) -> str:
    code = int(cap.get(cv2.CAP_PROP_FOURCC)) & 0xFFFFFFFF
    text = code.to_bytes(4, "little").decode("latin-1")
    return text if code and text.isprintable() else ""


_AUDIO_MAGIC = (
    (b"ID3", "MP3 audio"),
    (b"fLaC", "FLAC audio"),
    (b"#!AMR", "AMR audio (voice recording)"),
)
_IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG", "PNG"),
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
)
_MAX_MP4_BOXES = 100_000  # top-level; a fragmented 2-hour recording has about 7,000
_MP4_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}


def _mp4_reason(fh: BinaryIO, size: int) -> Optional[str]:
    """Why an MP4/MOV that FFmpeg cannot open fails, from its box structure.

    Phones write the index (``moov``) after the media data, so a recording that was cut off or a
    copy that stopped early has none, and no decoder can find its frames without it.
    """
    fh.seek(0)
    head = fh.read(16)
    brand = head[8:12] if head[4:8] == b"ftyp" else b""
    pos, moov, truncated = 0, b"", False
    top: list[bytes] = []
    while pos + 8 <= size:
        fh.seek(pos)
        hdr = fh.read(16)
        box_size = int.from_bytes(hdr[:4], "big")
        kind = hdr[4:8]
        if box_size == 1:
            box_size = int.from_bytes(hdr[8:16], "big")
        elif box_size == 0:
            box_size = size - pos
        if box_size < 8 or not kind.isalnum():
            return None if not top else "corrupt MP4/MOV structure"
        top.append(kind)
        if len(top) > _MAX_MP4_BOXES:  # 8-byte boxes end to end: a crafted file, not a video
            return "corrupt MP4/MOV structure"
        if pos + box_size > size:
            truncated = True
        if kind == b"moov" and box_size <= 64 << 20:
            fh.seek(pos)
            moov = fh.read(box_size)
        pos += box_size
    if not top:
        return None
    if brand in _MP4_AUDIO_BRANDS:
        return "audio-only file (M4A audio, no video stream)"
    if not moov:
        if truncated or b"mdat" in top:
            return (
                "truncated video: the MP4/MOV index ('moov') is missing (recording cut off, "
                "or an incomplete download or copy?)"
            )
        return "not a playable MP4/MOV (no 'moov' index)"
    handlers = {moov[i + 12 : i + 16] for i in (m.start() for m in re.finditer(b"hdlr", moov))}
    if b"vide" not in handlers:
        return "audio-only file (no video track)" if b"soun" in handlers else "no video track"
    codec = ""
    i = moov.find(b"stsd")
    if i >= 0:
        codec = moov[i + 16 : i + 20].decode("latin-1")
    if truncated:
        return "truncated video file (incomplete download or copy?)"
    return f"cannot decode the video stream (unsupported codec {codec!r}, or corrupt data)"


def _riff_reason(head: bytes) -> Optional[str]:
    form = head[8:12]
    if form == b"WAVE":
        return "audio-only file (WAV audio, no video stream)"
    if form == b"AVI ":
        i = head.find(b"strf")
        j = head.find(b"vids")
        codec = ""
        if i >= 0 and i + 28 <= len(head):
            codec = head[i + 24 : i + 28].decode("latin-1")
        elif j >= 0:
            codec = head[j + 4 : j + 8].decode("latin-1")
        if j < 0:
            return "audio-only AVI (no video stream)"
        return f"cannot decode the video stream (unsupported codec {codec!r}, or corrupt data)"
    return None


# Containers that hold their media themselves. FFmpeg also reads playlists and lists (HLS,
# ffconcat, DASH, image sequences) whatever the file is called, and then opens the files they
# name: a FIFO listed in an ``.m3u8`` named ``clip.mp4`` blocks it forever, and anything else it
# names would be read into the scan. So a file reaches FFmpeg only if it starts like one of these.
_ISO_BOXES = {
    b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"uuid", b"junk", b"styp",
    b"sidx", b"moof", b"udta", b"prfl",
}  # fmt: skip
_CONTAINER_MAGIC = (
    b"\x1a\x45\xdf\xa3",  # Matroska / WebM
    b"FLV\x01",
    b"\x30\x26\xb2\x75\x8e\x66\xcf\x11",  # ASF / WMV
    b"OggS",
    b"\x00\x00\x01",  # MPEG program stream and elementary streams
    b"\x00\x00\x00\x01",
)
_PLAYLIST_MAGIC = (
    (b"#EXTM3U", "an HLS playlist"),
    (b"ffconcat", "an FFmpeg concat list"),
    (b"<?xml", "an XML file (a DASH playlist?)"),
    (b"<MPD", "a DASH playlist"),
)


def _is_container(head: bytes) -> bool:
    if head[4:8] in _ISO_BOXES or (head[:4] == b"RIFF" and head[8:12] == b"AVI "):
        return True
    if head[:1] == b"\x47" and (len(head) < 189 or head[188:189] == b"\x47"):  # MPEG-TS
        return True
    if head[4:5] == b"\x47" and head[196:197] == b"\x47":  # M2TS (Blu-ray, AVCHD cameras)
        return True
    return head.startswith(_CONTAINER_MAGIC)


def _why_unopenable(fh: BinaryIO, size: int) -> str:
    """A reason for a file FFmpeg will not open, from its first bytes."""
    fh.seek(0)
    head = fh.read(64 * 1024)
    for magic, kind in _PLAYLIST_MAGIC:
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(magic):
            return f"{kind}, not a video file (the files it names are not read)"
    if head[4:8] == b"ftyp" or head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        reason = _mp4_reason(fh, size)
        if reason:
            return reason
    if head[:4] == b"RIFF":
        reason = _riff_reason(head)
        if reason:
            return reason
    if head[:4] == b"\x1a\x45\xdf\xa3":  # Matroska / WebM
        codecs = {m.group(1) for m in re.finditer(rb"\x86[\x81-\xbf]([AVS])_", head)}
        if codecs and b"V" not in codecs:
            return "audio-only file (Matroska/WebM without a video track)"
        return "cannot decode this Matroska/WebM file (unsupported codec or corrupt data)"
    if head[:4] == b"OggS":
        return "cannot decode this Ogg file (audio only, or an unsupported video codec)"
    for magic, name in _AUDIO_MAGIC:
        if head.startswith(magic):
            return f"audio-only file ({name}, no video stream)"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "audio-only file (MP3/AAC audio, no video stream)"
    for magic, name in _IMAGE_MAGIC:
        if head.startswith(magic):
            return f"a still image ({name}), not a video"
    return "not a video (unknown or corrupt format)"


@contextmanager
def _regular_file(path: PathLike) -> Iterator[BinaryIO]:
    """The video opened as a checked regular file; OS errors become ``InputError``."""
    name = str(path)
    if remote.is_remote(name):  # the sampler reads a local file descriptor, in two passes
        raise InputError(name, remote.VIDEO_REFUSED)
    try:
        with opened(name) as fh:
            yield fh
    except InputError:
        raise
    except OSError as exc:
        raise InputError(name, os_reason(exc)) from exc


def probe_video(path: PathLike) -> VideoInfo:
    """Read a video's properties and prove it decodes (its first frame), or say why not."""
    name = str(path)
    with _regular_file(name) as fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:  # not read: /proc files say 0 and go on
                raise InputError(name, "empty file (0 bytes)", EMPTY_SHA256)
            digest = sha256_of(fh)
        except OSError as exc:
            raise InputError(name, os_reason(exc)) from exc
        try:
            return _probe(name, fh, digest, size)
        except cv2.error as exc:  # OpenCV's own failures on a hostile file are the file's
            raise InputError(name, f"cannot decode this video ({exc.msg or exc})", digest) from exc
        except OSError as exc:
            raise InputError(name, os_reason(exc), digest) from exc


def _still_image(fh: BinaryIO) -> Optional[str]:
    """FFmpeg happily opens a photo as a one-frame video; a photo named .mp4 should say so."""
    fh.seek(0)
    head = fh.read(16)
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return f"a still image ({kind}), not a video"
    return None


def _check_frame_size(name: str, digest: str, width: float, height: float) -> None:
    """Refuse frames over ``MAX_FRAME_PIXELS`` before decoding one: FFmpeg allocates each
    decoded frame at full size and we hold up to four, so a one-colour 16000x16000 frame (a few
    kilobytes of MJPEG) would cost gigabytes."""
    if math.isfinite(width) and math.isfinite(height) and width * height > MAX_FRAME_PIXELS:
        raise InputError(
            name,
            f"video frames too large ({int(width)}x{int(height)} = {width * height / 1e6:.0f} MP, "
            f"limit {MAX_FRAME_PIXELS / 1e6:.0f} MP)",
            digest,
        )


def _probe(name: str, fh: BinaryIO, digest: str, size: int) -> VideoInfo:
    try:
        still = _still_image(fh)
    except OSError as exc:
        raise InputError(name, os_reason(exc), digest) from exc
    if still:
        raise InputError(name, still, digest)
    fh.seek(0)
    if not _is_container(fh.read(256)):
        raise InputError(name, _why_unopenable(fh, size), digest)
    cap = _open_capture(name, fh)
    try:
        if not cap.isOpened():
            try:
                reason = _why_unopenable(fh, size)
            except OSError as exc:
                reason = os_reason(exc)
            raise InputError(name, reason, digest)
        codec = _fourcc(cap)
        _check_frame_size(
            name, digest, cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
        )
        rotates = _backend_rotates(cap)
        rotation, note = _rotation(cap)
        first = None
        for _ in range(_MAX_FAILED_GRABS):  # a damaged first packet is not the end
            if cap.grab():
                ok, first = cap.retrieve()
                if ok and first is not None:
                    break
        if first is None:
            raise InputError(
                name,
                f"no decodable video frames (codec {codec or 'unknown'!r}: unsupported, or the "
                "video stream is corrupt or truncated)",
                digest,
            )
        h, w = first.shape[:2]
        _check_frame_size(name, digest, w, h)  # the stream may disagree with its container
        if rotation in (90, 270) and not rotates:
            w, h = h, w
        fps = cap.get(cv2.CAP_PROP_FPS)
        fps = fps if math.isfinite(fps) and 0 < fps <= 1000 else 0.0
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        count = int(count) if math.isfinite(count) and count > 0 else 0
        return VideoInfo(
            path=name,
            sha256=digest,
            width=int(w),
            height=int(h),
            fps=fps or 30.0,  # unknown rate: times still come from timestamps where present
            frame_count=count,
            duration_s=count / fps if fps and count else 0.0,
            rotation=rotation,
            warnings=(note,) if note else (),
            codec=codec,
        )
    finally:
        cap.release()


# -- sampling ----------------------------------------------------------------------------------


def _dhash(grey: np.ndarray) -> int:
    """64-bit difference hash: robust to compression noise and exposure, blind to small details."""
    small = cv2.resize(grey, (9, 8), interpolation=cv2.INTER_AREA).astype(np.int16)
    bits = (small[:, 1:] > small[:, :-1]).ravel()
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def _hamming(a: int, b: int) -> int:
    return bin(a ^ b).count("1")


def _sharpness(grey: np.ndarray) -> float:
    """Variance of the Laplacian: motion and focus blur remove the high frequencies it measures."""
    lap = cv2.Laplacian(grey, cv2.CV_32F)
    return float(lap.var())


@dataclass(frozen=True, eq=False)
class _Candidate:
    index: int
    time_s: float
    sharpness: float
    bgr: np.ndarray
    grey: np.ndarray


@dataclass
class _Window:
    """Frames competing to become one sample.

    The runner-up is kept too: when a file turns out to be truncated, its last decoded frame is
    often only partly there (the decoder fills the rest from the frame before), so it must not
    be the one we hand out.
    """

    reason: str
    end: float
    best: Optional[_Candidate] = None
    second: Optional[_Candidate] = None

    def offer(self, index: int, t: float, bgr: np.ndarray, grey: np.ndarray) -> None:
        c = _Candidate(index, t, _sharpness(grey), bgr, grey)
        if self.best is None or c.sharpness > self.best.sharpness:
            self.best, self.second = c, self.best
        elif self.second is None or c.sharpness > self.second.sharpness:
            self.second = c


class VideoSampler:
    """Iterate for ``SampledFrame``s; afterwards ``truncated``, ``decode_errors`` and
    ``frames_read`` say how much of the video was actually seen.

    Each iteration decodes the file again from the start. ``position_s`` follows the decoder (for a
    progress bar, with ``info.duration_s``); ``on_progress(position_s)`` is called about once per
    second of video, also while duplicates are being dropped and nothing is yielded.
    """

    def __init__(
        self,
        path: PathLike,
        options: Optional[SamplingOptions] = None,
        info: Optional[VideoInfo] = None,
        on_progress: Optional[Callable[[float], None]] = None,
    ) -> None:
        self.options = options or SamplingOptions()
        self.info = info if info is not None else probe_video(path)
        self.path = str(path)
        self.on_progress = on_progress
        self._reset()

    def _reset(self) -> None:
        self.frames_read = 0
        self.decode_errors = 0
        self.position_s = 0.0
        self.samples = 0
        self.duplicates_dropped = 0
        self.truncated = False
        self.limited = False  # stopped at options.max_frames
        self.finished = False  # decoded to the end (of the file, or of what could be decoded)

    @property
    def interval_s(self) -> float:
        """The interval actually used: ``every_s``, stretched when ``max_frames`` needs it."""
        o = self.options
        if o.max_frames and self.info.duration_s > 0:
            return max(o.every_s, self.info.duration_s / o.max_frames)
        return o.every_s

    def __iter__(self) -> Iterator[SampledFrame]:
        return self._guarded()

    def _guarded(self) -> Iterator[SampledFrame]:
        """``InputError`` for what OpenCV raises on a hostile file mid-way (not for OS errors:
        those may come from ``on_progress``, i.e. from the caller's own output)."""
        try:
            yield from self._frames()
        except cv2.error as exc:
            raise InputError(
                self.path, f"video decoding failed ({exc.msg or exc})", self.info.sha256
            ) from exc

    def _frames(self) -> Iterator[SampledFrame]:
        self._reset()
        o, info = self.options, self.info
        with _regular_file(self.path) as fh:  # the same checks as the probe, every pass
            if not _is_container(fh.read(256)):
                raise InputError(self.path, "changed since it was probed: not a video now")
            cap = _open_capture(self.path, fh)
        if not cap.isOpened():
            cap.release()
            raise InputError(self.path, "could not be opened again (was it moved?)", info.sha256)
        rotate = 0 if _backend_rotates(cap) else _rotation(cap)[0]
        fps = info.fps
        every = self.interval_s
        # Half-width of a sampling window; at least half a frame so every target gets a frame.
        half = max(min(o.sharpest_window_s, every / 2), 0.5 / fps)
        cut_len = max(o.sharpest_window_s, 0.5 / fps)
        stride = max(1, round(fps / _LOOKS_PER_S))
        k = 0  # next interval target: k * every
        pending: Optional[_Window] = None
        prev_thumb: Optional[np.ndarray] = None
        last_cut = -math.inf
        kept_hash: Optional[int] = None
        prev_t = -math.inf
        next_progress = 0.0
        failed = 0

        def finish(w: _Window) -> Optional[SampledFrame]:
            nonlocal kept_hash
            best = w.best
            if best is None:
                return None
            h = _dhash(best.grey)
            if o.dedupe and kept_hash is not None and _hamming(h, kept_hash) <= o.dedupe_distance:
                self.duplicates_dropped += 1
                return None
            kept_hash = h
            bgr = best.bgr
            src_w = bgr.shape[0] if rotate in (90, 270) else bgr.shape[1]
            side = max(bgr.shape[:2])
            if side > o.max_side:
                s = o.max_side / side
                size = (max(1, round(bgr.shape[1] * s)), max(1, round(bgr.shape[0] * s)))
                bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
            if rotate:
                bgr = cv2.rotate(bgr, _ROTATE[rotate])
            rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            self.samples += 1
            return SampledFrame(
                index=best.index,
                time_s=best.time_s,
                rgb=rgb,
                reason=w.reason,
                sharpness=best.sharpness,
                scale=src_w / rgb.shape[1],
            )

        try:
            while True:
                if not cap.grab():
                    failed += 1
                    near_end = info.duration_s > 0 and prev_t >= info.duration_s - 1.5 / fps
                    if near_end or failed >= _MAX_FAILED_GRABS:
                        break
                    continue
                if failed:  # damaged packets skipped: decoding resumed after them
                    self.decode_errors += failed
                    failed = 0
                i = self.frames_read
                self.frames_read += 1
                ms = cap.get(cv2.CAP_PROP_POS_MSEC)
                t = ms / 1000.0 if math.isfinite(ms) and ms / 1000.0 > prev_t else None
                if t is None:  # no timestamps: count frames
                    t = i / fps if i / fps > prev_t else prev_t + 1.0 / fps
                prev_t = t
                self.position_s = t
                if self.on_progress is not None and t >= next_progress:
                    self.on_progress(t)
                    next_progress = t + _PROGRESS_EVERY_S

                if pending is not None and t > pending.end:
                    out = finish(pending)
                    if pending.reason == "interval":
                        k += 1
                    pending = None
                    if out is not None:
                        yield out
                        if o.max_frames is not None and self.samples >= o.max_frames:
                            self.limited = True
                            return
                if pending is None:
                    while k * every + half < t:
                        k += 1
                    # Targets at or past the announced end would only repeat the last frames.
                    inside = info.duration_s <= 0 or k * every < info.duration_s - 0.5 / fps
                    if inside and t >= k * every - half:
                        pending = _Window("interval", k * every + half)

                look = i % stride == 0
                check_cut = o.scene_cuts and look
                # ...and the first frame of a window, so that a short one still gets a sample.
                candidate = pending is not None and (look or pending.best is None)
                if not (check_cut or candidate):
                    continue
                ok, bgr = cap.retrieve()
                if not ok or bgr is None:
                    self.decode_errors += 1
                    continue
                grey = self._analysis_grey(bgr)

                if check_cut:
                    thumb = cv2.resize(grey, _THUMB_SIZE, interpolation=cv2.INTER_AREA)
                    cut = (
                        prev_thumb is not None
                        and t - last_cut >= _MIN_CUT_GAP_S
                        and not (pending is not None and pending.reason == "scene_cut")
                        and float(cv2.absdiff(thumb, prev_thumb).mean()) >= o.cut_threshold
                    )
                    prev_thumb = thumb
                    if cut:
                        last_cut = t
                        if pending is not None:  # the old scene's last look
                            out = finish(pending)
                            pending = None
                            if out is not None:
                                yield out
                                if o.max_frames is not None and self.samples >= o.max_frames:
                                    self.limited = True
                                    return
                        pending = _Window("scene_cut", t + cut_len)
                        # Interval samples never overlap a cut sample: skip targets whose
                        # window would start before this one ends.
                        while k * every - half <= pending.end:
                            k += 1
                        candidate = True
                if candidate and pending is not None:
                    pending.offer(i, t, bgr, grey)

            self.truncated = self._judge_truncated(prev_t)
            if pending is not None:
                best = pending.best
                if self.truncated and best is not None and best.index == self.frames_read - 1:
                    pending.best = pending.second
                out = finish(pending)
                pending = None
                if out is not None:
                    yield out
            self.finished = True
            if self.on_progress is not None:
                self.on_progress(self.position_s)
        finally:
            pending = None
            cap.release()

    def _judge_truncated(self, last_t: float) -> bool:
        info = self.info
        if info.duration_s > 0:
            # Containers may announce a little more than the video track holds (a longer audio
            # track), so allow a second, or half a percent of a long recording.
            slack = max(1.0, 3.0 / info.fps, 0.005 * info.duration_s)
            if last_t + 1.0 / info.fps < info.duration_s - slack:
                return True
        if info.frame_count > 0:
            return self.frames_read < (1 - _LOST_FRAMES_TRUNCATED) * info.frame_count
        return False

    @staticmethod
    def _analysis_grey(bgr: np.ndarray) -> np.ndarray:
        # Grey first: area-resizing one channel instead of three halves the cost per look.
        grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        h, w = grey.shape
        s = _ANALYSIS_SIDE / max(h, w)
        if s < 1:
            size = (max(1, round(w * s)), max(1, round(h * s)))
            grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        return grey


def sample_frames(
    path: PathLike,
    options: Optional[SamplingOptions] = None,
    on_progress: Optional[Callable[[float], None]] = None,
) -> VideoSampler:
    """Probe ``path`` now (bad files raise ``InputError`` here) and return the lazy sampler."""
    return VideoSampler(path, options, on_progress=on_progress)
