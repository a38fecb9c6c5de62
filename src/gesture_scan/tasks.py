"""Units of work between the input walk and the engines: a ``Task`` (a photo to load, a decoded
video frame, or an input that already failed) and its ``Done`` (the result and its JPEGs).

Every engine (one process, the local worker pool, Ray actors, the HTTP service's jobs) scans a
task with ``scan_task``, so their records and annotated copies are the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Optional

from .errors import InputError
from .io import SamplingOptions, is_video, sample_frames
from .io.image import LoadedImage
from .report.jpeg import annotated_jpeg, encode_jpeg, worth_annotating
from .results import FrameInfo, ImageResult
from .scanner import ImageScanner, load_or_error


@dataclass(frozen=True, eq=False)
class Task:
    """One photo to load, or one decoded video frame, or an input that already failed.

    Picklable, so the parent can decode videos (sequential by nature) while workers scan frames.
    """

    path: str
    frame: Optional[FrameInfo] = None
    image: Optional[LoadedImage] = None  # a decoded video frame
    error: Optional[str] = None
    sha256: Optional[str] = None
    video: Optional[dict[str, Any]] = None  # VideoInfo.to_dict() for frames and video errors


@dataclass(frozen=True, eq=False)
class Done:
    """A scanned task: the result, its annotated JPEG and (``--save-frames``) the plain frame."""

    result: ImageResult
    annotated: Optional[bytes] = None
    frame_jpeg: Optional[bytes] = None


def video_tasks(path: str, sampling: SamplingOptions) -> Iterator[Task]:
    """Tasks for the sampled frames of one video; the decoding happens here, lazily."""
    try:
        sampler = sample_frames(path, sampling)
    except InputError as exc:
        yield Task(path, error=exc.reason, sha256=exc.sha256)
        return
    except Exception as exc:
        yield Task(path, error=f"could not be read ({type(exc).__name__}: {exc})")
        return
    info = sampler.info
    video = info.to_dict()
    frames = iter(sampler)
    while True:
        # Decoding happens in the parent, between tasks: a file moved, changed or swapped for a
        # FIFO after the probe, or a decoder failing mid-stream, ends this video with its error
        # record, never the scan.
        try:
            f = next(frames)
        except StopIteration:
            break
        except InputError as exc:
            yield Task(path, error=exc.reason, sha256=info.sha256, video=video)
            return
        except Exception as exc:
            reason = f"video decoding failed part-way ({type(exc).__name__}: {exc})"
            yield Task(path, error=reason, sha256=info.sha256, video=video)
            return
        image = LoadedImage(f.rgb, info.width, info.height, f.scale, info.sha256, path)
        yield Task(path, FrameInfo(f.index, f.time_s), image, sha256=info.sha256, video=video)
    if sampler.truncated or (sampler.frames_read == 0):
        m, sec = divmod(int(sampler.position_s), 60)
        yield Task(
            path,
            error=f"video truncated or damaged: decoding stopped at {m:02d}:{sec:02d} of "
            f"{info.duration_s:.0f} s; frames before that were scanned",
            sha256=info.sha256,
            video=video,
        )


def iter_tasks(inputs: Iterable[Path], sampling: SamplingOptions) -> Iterator[Task]:
    for p in inputs:
        if is_video(p):
            yield from video_tasks(str(p), sampling)
        else:
            yield Task(str(p))


def scan_task(scanner: ImageScanner, task: Task, annotate: bool, keep_frame: bool) -> Done:
    """Scan one task; draw the annotated copy where it has hands or objects, and keep the plain
    frame of a flagged video frame when asked (``--save-frames``).

    Drawing happens here (in the worker) because the decoded pixels are here; shipping JPEG bytes
    back to the parent is cheaper than shipping the image.
    """
    if task.error is not None:
        meta = {"video": task.video} if task.video else {}
        return Done(ImageResult(path=task.path, sha256=task.sha256, error=task.error, meta=meta))
    img = task.image
    if img is None:
        loaded = load_or_error(task.path, scanner.config, task.path)
        if isinstance(loaded, ImageResult):
            return Done(loaded)
        img = loaded
    result = scanner.scan_safely(img, path=task.path, frame=task.frame)
    if result.error is not None:
        return Done(result)
    if task.video is not None:
        result = replace(result, meta={**result.meta, "video": task.video})
    annotated = None
    if annotate and worth_annotating(result):
        annotated = annotated_jpeg(img.rgb, img.scale, result)
    frame_jpeg = None
    if keep_frame and task.frame is not None and result.flagged:
        frame_jpeg = encode_jpeg(img.rgb, 92)
    return Done(result, annotated, frame_jpeg)


def scan_with_annotation(
    scanner: ImageScanner, path: str | Path, annotate: bool
) -> tuple[ImageResult, Optional[bytes]]:
    """Scan one photo file and render its annotated JPEG (None where nothing was found)."""
    done = scan_task(scanner, Task(str(path)), annotate, keep_frame=False)
    return done.result, done.annotated


def task_error(task: Task, reason: str) -> Done:
    """The error record of a task that got no result from its worker (local pool or Ray):
    the same fields either way, so the engines' reports stay alike."""
    return Done(
        ImageResult(
            path=task.path,
            sha256=task.sha256,
            frame=task.frame,
            error=reason,
            meta={"video": task.video} if task.video else {},
        )
    )


def unreturned(task: Task, exc: BaseException) -> Done:
    """A result that could not come back from the worker (it would not pickle, for one)."""
    return task_error(task, f"could not be scanned ({type(exc).__name__}: {exc})")
