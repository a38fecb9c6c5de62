"""Open a video as a checked regular file, read what its container says and prove it decodes.

- **Only regular files.** A FIFO or a link to a device named ``.mp4`` would block FFmpeg forever,
  so both the probe and the sampler open the file as ``files.open_regular`` does (``stat``
  first, ``O_NONBLOCK``, ``fstat`` on the descriptor) and refuse anything else with "not a
  regular file (...)". FFmpeg is then pointed at that descriptor (``/proc/self/fd/N`` on Linux),
  not at the name, so what it decodes is the file we checked and hashed even if the name is
  swapped in between. Where there is no ``/proc`` the name is used after the same checks. Only
  containers reach FFmpeg at all (``video_format``).
- **Frame size.** Frames over ``MAX_FRAME_PIXELS`` (40 MP; 8K video is 33) are refused from
  the container's dimensions before any is decoded, and again from the first decoded frame.
- **Errors.** ``probe_video`` (also run by ``sample_frames``) raises ``InputError`` with a reason a
  user can act on when nothing at all can be decoded: missing, empty, not a video, audio only,
  an MP4 whose index was never written (a recording cut off or a copy interrupted), unsupported
  codec. Anything that decodes at least one frame is sampled as far as it goes.
- **Rotation.** Phones store portrait videos as landscape frames plus a display-matrix rotation.
  This OpenCV build (4.11, pip wheel) reads it (``CAP_PROP_ORIENTATION_META``) but does *not*
  apply it by default (``CAP_PROP_ORIENTATION_AUTO`` reads 0). Other builds may, so we switch
  auto-rotation off and rotate ourselves; if a backend refuses to switch it off, it rotates and we
  do not. Either way frames come out upright exactly once. Rotating ourselves also means only the
  yielded frames are rotated, after downscaling, not every thumbnail. A matrix that is not a
  quarter turn (a matrix of zeros reads as INT_MIN degrees, shears as odd angles) is ignored and
  noted in ``VideoInfo.warnings``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, Optional

import cv2

from ..errors import InputError, PathLike
from . import remote
from .files import EMPTY_SHA256, opened, os_reason, sha256_of
from .video_format import is_container, still_image, why_unopenable

# FFmpeg's own messages ("moov atom not found", "ac-tex damaged") would tear through a progress
# bar and say less than our InputError does. Read once, when OpenCV first starts FFmpeg; a user
# who wants them sets the variable.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

#: Failed ``grab()``s in a row before a video counts as ended (or undecodable); failing at the
#: real end of file costs microseconds each.
MAX_FAILED_GRABS = 1000

# 8K UHD is 33 MP. A frame costs 3 bytes a pixel as BGR and FFmpeg's own buffers on top.
MAX_FRAME_PIXELS = 40_000_000


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
    warnings: tuple[str, ...] = ()  # metadata we could not use (see ``display_rotation``)

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


@contextmanager
def _quiet_opencv() -> Iterator[None]:
    """OpenCV warns on stderr when a backend cannot open a file; our InputError says it better."""
    previous = cv2.setLogLevel(1)  # fatal only
    try:
        yield
    finally:
        cv2.setLogLevel(previous)


def open_capture(path: str, fh: Optional[BinaryIO] = None) -> Any:
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


def backend_rotates(cap: Any) -> bool:
    """Switch the backend's own rotation off; True where it refuses (it rotates, we must not)."""
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    return bool(cap.get(cv2.CAP_PROP_ORIENTATION_AUTO) == 1)


def display_rotation(cap: Any) -> tuple[int, Optional[str]]:
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


@contextmanager
def regular_file(path: PathLike) -> Iterator[BinaryIO]:
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
    with regular_file(name) as fh:
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
        still = still_image(fh)
    except OSError as exc:
        raise InputError(name, os_reason(exc), digest) from exc
    if still:
        raise InputError(name, still, digest)
    fh.seek(0)
    if not is_container(fh.read(256)):
        raise InputError(name, why_unopenable(fh, size), digest)
    cap = open_capture(name, fh)
    try:
        if not cap.isOpened():
            try:
                reason = why_unopenable(fh, size)
            except OSError as exc:
                reason = os_reason(exc)
            raise InputError(name, reason, digest)
        codec = _fourcc(cap)
        _check_frame_size(
            name, digest, cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
        )
        rotates = backend_rotates(cap)
        rotation, note = display_rotation(cap)
        first = None
        for _ in range(MAX_FAILED_GRABS):  # a damaged first packet is not the end
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
