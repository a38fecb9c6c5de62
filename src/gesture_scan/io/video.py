"""Turn one video file into a short stream of frames worth scanning, without holding the video.

Event videos are long (a 2-hour live-stream capture is 216,000 frames at 30 fps) and mostly
redundant, so we scan a sample: one frame per ``every_s`` seconds, plus one right after each scene
cut, each the sharpest frame near its target time (motion blur ruins hand landmarks), and drop a
sample that looks the same as the last one kept (a static shot must not give 300 equal findings).

Design notes (opening, probing and the refusals are in ``video_probe`` and ``video_format``):

- **Streaming.** One sequential pass with ``cv2.VideoCapture``: ``grab()`` decodes a frame but
  keeps it in the decoder; only frames we look at are ``retrieve()``-d (colour-converted into a
  numpy array): about 10 per second of video, whatever its frame rate, each giving the cut
  detector's thumbnail and, inside a sampling window, a sharpest-frame candidate. We never seek:
  it is slow and inexact in long-GOP phone videos. At most four frames are held (the current one,
  the best and second-best candidates of the open window, the one being yielded).
- **Truncated or damaged files.** ``sample_frames`` returns a ``VideoSampler``: iterate it for the
  frames, then read ``truncated`` (decoding ended before the end the container announced, or lost
  more than a tenth of its frames), ``decode_errors`` (damaged packets skipped) and
  ``frames_read``. A failed ``grab()`` is not the end of the file: OpenCV's FFmpeg backend also
  returns False for one damaged packet, and grabbing again resumes after it, so we only stop after
  many failures in a row.
- **Rotation** (read by ``video_probe``) is applied to the yielded frames only, after
  downscaling, not to every thumbnail, and only where the backend does not rotate itself.
- **Time.** ``time_s`` comes from the frame's presentation timestamp (variable frame rate phone
  videos, damaged stretches), falling back to ``index / fps`` where the container has none.
  ``index`` is the frame's position in decode order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

import cv2
import numpy as np

from ..errors import ConfigError, InputError, PathLike
from . import video_probe
from .discover import VIDEO_EXTENSIONS as VIDEO_EXTENSIONS  # one list, kept in discover
from .video_format import is_container
from .video_probe import MAX_FAILED_GRABS, VideoInfo, probe_video

_ANALYSIS_SIDE = 480  # grey copy for sharpness and the hash: blur still shows, resizing is cheap
_THUMB_SIZE = (64, 36)  # cut detector: coarse enough that noise and small motion average out
# Frames we retrieve and look at, per second of video, whatever its frame rate: the cut detector's
# thumbnails and the sharpest-frame candidates are the same frames, so each costs one conversion.
_LOOKS_PER_S = 10
_MIN_CUT_GAP_S = 0.5  # a photographer's flash must not count as two cuts
_PROGRESS_EVERY_S = 1.0
_LOST_FRAMES_TRUNCATED = 0.1

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
        with video_probe.regular_file(self.path) as fh:  # the probe's checks, every pass
            if not is_container(fh.read(256)):
                raise InputError(self.path, "changed since it was probed: not a video now")
            cap = video_probe.open_capture(self.path, fh)
        if not cap.isOpened():
            cap.release()
            raise InputError(
                self.path, "could not be opened again (was it moved?)", self.info.sha256
            )
        decoding = _Pass(self, cap)
        try:
            yield from decoding.frames()
        finally:
            decoding.pending = None
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


class _Pass:
    """One decoding pass of a ``VideoSampler``: the open sampling window, the next interval
    target, the cut detector's last thumbnail and the last kept sample's hash. The sampler's
    counters (``frames_read``, ``samples``...) are updated as the pass goes."""

    def __init__(self, sampler: VideoSampler, cap: Any) -> None:
        self.s, self.cap = sampler, cap
        o, fps = sampler.options, sampler.info.fps
        self.rotate = (
            0 if video_probe.backend_rotates(cap) else video_probe.display_rotation(cap)[0]
        )
        self.every = sampler.interval_s
        # Half-width of a sampling window; at least half a frame so every target gets a frame.
        self.half = max(min(o.sharpest_window_s, self.every / 2), 0.5 / fps)
        self.cut_len = max(o.sharpest_window_s, 0.5 / fps)
        self.stride = max(1, round(fps / _LOOKS_PER_S))
        self.k = 0  # next interval target: k * every
        self.pending: Optional[_Window] = None
        self.prev_thumb: Optional[np.ndarray] = None
        self.last_cut = -math.inf
        self.kept_hash: Optional[int] = None
        self.prev_t = -math.inf
        self.next_progress = 0.0

    def frames(self) -> Iterator[SampledFrame]:
        s, o = self.s, self.s.options
        while self._grab():
            i = s.frames_read
            s.frames_read += 1
            t = self._time(i)
            if self.pending is not None and t > self.pending.end:
                yield from self._emit(next_target=self.pending.reason == "interval")
                if s.limited:
                    return
            if self.pending is None:
                self._open_interval(t)
            look = i % self.stride == 0
            check_cut = o.scene_cuts and look
            # ...and the first frame of a window, so that a short one still gets a sample.
            candidate = self.pending is not None and (look or self.pending.best is None)
            if not (check_cut or candidate):
                continue
            ok, bgr = self.cap.retrieve()
            if not ok or bgr is None:
                s.decode_errors += 1
                continue
            grey = s._analysis_grey(bgr)
            if check_cut and self._is_cut(t, grey):
                if self.pending is not None:  # the old scene's last look
                    yield from self._emit()
                    if s.limited:
                        return
                self._open_cut(t)
                candidate = True
            if candidate and self.pending is not None:
                self.pending.offer(i, t, bgr, grey)
        s.truncated = s._judge_truncated(self.prev_t)
        if self.pending is not None:
            best = self.pending.best
            if s.truncated and best is not None and best.index == s.frames_read - 1:
                self.pending.best = self.pending.second
            yield from self._emit(last=True)
        s.finished = True
        if s.on_progress is not None:
            s.on_progress(s.position_s)

    def _grab(self) -> bool:
        """Decode the next frame into the decoder; False at the end. Damaged packets (a failed
        grab that is not near the announced end) are skipped and counted."""
        info, failed = self.s.info, 0
        while not self.cap.grab():
            failed += 1
            near_end = info.duration_s > 0 and self.prev_t >= info.duration_s - 1.5 / info.fps
            if near_end or failed >= MAX_FAILED_GRABS:
                return False
        self.s.decode_errors += failed  # damaged packets skipped: decoding resumed after them
        return True

    def _time(self, i: int) -> float:
        """The grabbed frame's time (its timestamp, or its index where there is none), with the
        progress callback about once per second of video."""
        s, fps = self.s, self.s.info.fps
        ms = self.cap.get(cv2.CAP_PROP_POS_MSEC)
        t = ms / 1000.0 if math.isfinite(ms) and ms / 1000.0 > self.prev_t else None
        if t is None:  # no timestamps: count frames
            t = i / fps if i / fps > self.prev_t else self.prev_t + 1.0 / fps
        self.prev_t = t
        s.position_s = t
        if s.on_progress is not None and t >= self.next_progress:
            s.on_progress(t)
            self.next_progress = t + _PROGRESS_EVERY_S
        return t

    def _open_interval(self, t: float) -> None:
        every, half, duration = self.every, self.half, self.s.info.duration_s
        while self.k * every + half < t:
            self.k += 1
        # Targets at or past the announced end would only repeat the last frames.
        inside = duration <= 0 or self.k * every < duration - 0.5 / self.s.info.fps
        if inside and t >= self.k * every - half:
            self.pending = _Window("interval", self.k * every + half)

    def _is_cut(self, t: float, grey: np.ndarray) -> bool:
        thumb = cv2.resize(grey, _THUMB_SIZE, interpolation=cv2.INTER_AREA)
        cut = (
            self.prev_thumb is not None
            and t - self.last_cut >= _MIN_CUT_GAP_S
            and not (self.pending is not None and self.pending.reason == "scene_cut")
            and float(cv2.absdiff(thumb, self.prev_thumb).mean()) >= self.s.options.cut_threshold
        )
        self.prev_thumb = thumb
        if cut:
            self.last_cut = t
        return cut

    def _open_cut(self, t: float) -> None:
        self.pending = _Window("scene_cut", t + self.cut_len)
        # Interval samples never overlap a cut sample: skip targets whose window would start
        # before this one ends.
        while self.k * self.every - self.half <= self.pending.end:
            self.k += 1

    def _emit(self, next_target: bool = False, last: bool = False) -> Iterator[SampledFrame]:
        """Close the open window and yield its sample unless it repeats the last one kept;
        ``next_target``: it was an interval window, so the next target is due. Past
        ``max_frames`` the sampler is marked ``limited`` (the caller stops), except at the end."""
        window, self.pending = self.pending, None
        if next_target:
            self.k += 1
        out = self._sample(window) if window is not None else None
        if out is None:
            return
        yield out
        max_frames = self.s.options.max_frames
        if not last and max_frames is not None and self.s.samples >= max_frames:
            self.s.limited = True

    def _sample(self, w: _Window) -> Optional[SampledFrame]:
        """The window's sharpest frame, downscaled and upright, or None for a repeat."""
        o, best = self.s.options, w.best
        if best is None:
            return None
        h = _dhash(best.grey)
        if (
            o.dedupe
            and self.kept_hash is not None
            and _hamming(h, self.kept_hash) <= o.dedupe_distance
        ):
            self.s.duplicates_dropped += 1
            return None
        self.kept_hash = h
        bgr, rotate = best.bgr, self.rotate
        src_w = bgr.shape[0] if rotate in (90, 270) else bgr.shape[1]
        side = max(bgr.shape[:2])
        if side > o.max_side:
            scale = o.max_side / side
            size = (max(1, round(bgr.shape[1] * scale)), max(1, round(bgr.shape[0] * scale)))
            bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
        if rotate:
            bgr = cv2.rotate(bgr, _ROTATE[rotate])
        rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        self.s.samples += 1
        return SampledFrame(
            index=best.index,
            time_s=best.time_s,
            rgb=rgb,
            reason=w.reason,
            sharpness=best.sharpness,
            scale=src_w / rgb.shape[1],
        )


def sample_frames(
    path: PathLike,
    options: Optional[SamplingOptions] = None,
    on_progress: Optional[Callable[[float], None]] = None,
) -> VideoSampler:
    """Probe ``path`` now (bad files raise ``InputError`` here) and return the lazy sampler."""
    return VideoSampler(path, options, on_progress=on_progress)
