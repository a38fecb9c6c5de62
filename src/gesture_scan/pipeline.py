"""``Scanner``: load media -> faces -> hands -> campaign objects -> rules -> ``ImageResult``.

One Scanner holds one copy of each model. It is a context manager (``close()`` releases the
MediaPipe graphs). It is safe to share between threads - each stage serialises its own model
calls - but threads then take turns; for parallel throughput use ``scan_paths(..., workers=N)``,
which starts N worker processes with one Scanner each.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Optional

import cv2
import numpy as np

from ._stage import quiet_native_logs
from .config import ScanConfig
from .detections import Detections
from .errors import GestureScanError, InputError, PathLike, WorkerError
from .io import SamplingOptions, discover, is_video, load_image, sample_frames
from .io.image import ImageSource, LoadedImage
from .people.attire import attire_cues
from .results import (
    SEVERITY_ORDER,
    FaceInfo,
    FrameInfo,
    ImageResult,
    TextLine,
    TextMatchInfo,
)
from .rules import Profile, RuleEngine, load_profile

FACE_NAMES = ("face",)
OBJECT_NAMES = ("banner", "flag")


def gallery_path(config: ScanConfig, profile: Optional[Profile]) -> Optional[str]:
    """The candidate gallery to use: ``--gallery`` wins over the profile's ``gallery:`` entry."""
    if config.gallery.path is not None:
        return str(config.gallery.path)
    return profile.gallery if profile is not None else None


class Scanner:
    """Loads the models once and scans images.

    >>> with Scanner() as scanner:                        # doctest: +SKIP
    ...     result = scanner.scan_image("photo.jpg")
    ...     print(result.to_dict()["hands"])
    """

    def __init__(self, config: Optional[ScanConfig] = None) -> None:
        self.config = config or ScanConfig()
        self._faces: Any = None
        self._hands: Any = None
        self._objects: Any = None
        self._embedder: Any = None  # dlib face descriptors, only with a candidate gallery
        self._gallery: Any = None
        self._text: Any = None  # RapidOCR
        self._matcher: Any = None
        self.profile: Optional[Profile] = None
        self._rules: Optional[RuleEngine] = None
        if self.config.profile is not None:
            self.profile = load_profile(self.config.profile)
            self._rules = RuleEngine(self.profile)
        with quiet_native_logs():  # onnxruntime, dlib and TFLite log natively while they start
            self._start_stages()

    def _start_stages(self) -> None:
        from .hands.stage import HandStage
        from .people.stage import FaceStage

        try:
            self._faces = FaceStage(self.config.faces) if self.config.faces.enabled else None
            self._hands = HandStage(self.config.hands)
            if self.config.objects.enabled:
                from .detect.stage import ObjectStage

                self._objects = ObjectStage(self.config.objects)
            gallery = self.gallery_path
            if gallery is not None:
                from .people.gallery import FaceEmbedder, Gallery

                self._embedder = FaceEmbedder(self.config.gallery)
                self._gallery = Gallery.load(gallery, self._embedder, self.config.gallery)
            if self.config.read_text != "off":
                from .text.ocr import TextStage

                self._text = TextStage(self.config.text)
                if self.profile is not None:
                    from .text.match import TextMatcher

                    self._matcher = TextMatcher(self.profile)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Scanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for stage in (self._faces, self._hands, self._objects, self._embedder, self._text):
            if stage is not None:
                stage.close()

    @property
    def gallery_path(self) -> Optional[str]:
        return gallery_path(self.config, self.profile)

    # -- scanning ----------------------------------------------------------------------------

    def scan_image(
        self,
        source: ImageSource,
        path: Optional[PathLike] = None,
        frame: Optional[FrameInfo] = None,
    ) -> ImageResult:
        """Scan a file path, encoded image bytes, or an RGB numpy array.

        Never raises for a bad input: the result's ``error`` says what was wrong (so a batch goes
        on). ``path`` names in-memory inputs in the report.
        """
        if not isinstance(source, (str, Path, bytes, bytearray, memoryview, np.ndarray)):
            # A programming error, not bad evidence: say so at once rather than in a record.
            raise TypeError(
                "scan_image() takes a path (str or Path), encoded image bytes or an RGB numpy "
                f"array, not {type(source).__name__}"
            )
        name = (
            str(path)
            if path is not None
            else (str(source) if isinstance(source, (str, Path)) else None)
        )
        if isinstance(source, (str, Path)) and "\x00" in str(source):
            return ImageResult(path=name, sha256=None, frame=frame, error="path has a NUL byte")
        img = _load(source, self.config, name, frame)
        if isinstance(img, ImageResult):
            return img
        return self.scan_safely(img, path=name, frame=frame)

    def scan_safely(
        self, img: LoadedImage, path: Optional[str] = None, frame: Optional[FrameInfo] = None
    ) -> ImageResult:
        """``scan_loaded`` that turns any failure into the input's error record.

        A stage can still refuse an image that decoded fine (a 1x1 photo, a shape no model
        takes); one bad photo must cost its own record, never the batch or a worker pool.
        """
        try:
            return self.scan_loaded(img, path=path, frame=frame)
        except InputError as exc:
            reason = exc.reason
        except MemoryError:
            reason = "not enough memory to scan this image"
        except Exception as exc:
            reason = f"could not be scanned ({type(exc).__name__}: {exc})"
        return ImageResult(
            path=path if path is not None else img.path,
            sha256=img.sha256,
            width=img.width,
            height=img.height,
            frame=frame,
            error=reason,
        )

    def scan_loaded(
        self, img: LoadedImage, path: Optional[str] = None, frame: Optional[FrameInfo] = None
    ) -> ImageResult:
        """Scan an already decoded image (video frames come this way)."""
        t0 = time.perf_counter()
        # Wall seconds per stage, in the record: where a slow folder spends its time, without a
        # profiler (the benchmark sums them; see README "Throughput").
        spent: dict[str, float] = {}
        clock = t0

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            spent[stage] = round(spent.get(stage, 0.0) + now - clock, 4)
            clock = now

        calls = {}
        faces = Detections.empty(FACE_NAMES)
        if self._faces is not None:
            faces, calls["face"] = self._faces.detect(img.rgb)
            lap("faces")
        hands, calls["hand"] = self._hands.detect(img.rgb, faces.xyxy if len(faces) else None)
        lap("hands")
        objects = Detections.empty(OBJECT_NAMES)
        if self._objects is not None:
            objects = self._objects.detect(img.rgb)
            lap("objects")
        face_info = self._face_info(img.rgb, faces, objects) if len(faces) else ()
        lap("people")
        s = img.scale
        # Whose hand, and held up to show a sign or not (geometry on faces and landmarks): the
        # rules count only posed hands and name the people making the sign.
        from .hands.people import link_and_score

        linked = link_and_score(
            tuple(h.scaled(s) for h in hands), faces.scaled(s).xyxy, self.config.hands.link
        )
        lap("link")
        result = ImageResult(
            path=path if path is not None else img.path,
            sha256=img.sha256,
            width=img.width,
            height=img.height,
            frame=frame,
            faces=faces.scaled(s),
            hands=linked,
            objects=objects.scaled(s),
            face_info=face_info,
            scan_scale=s,
            meta={
                **({"exif": img.exif} if img.exif else {}),
                "detector_calls": calls,
                "stage_seconds": spent,
            },
        )
        if self._text is not None:
            texts = self._read_text(img.rgb, objects, result)
            if texts:
                result = replace(result, texts=tuple(t.scaled(s) for t in texts))
            lap("text")
        if self._rules is not None:
            result = self._rules.apply(result)
            lap("rules")
        result.meta["seconds"] = round(time.perf_counter() - t0, 3)
        return result

    def _face_info(
        self, rgb: np.ndarray, faces: Detections, objects: Detections
    ) -> tuple[FaceInfo, ...]:
        """Candidate match and uniform cue per face (scan-copy pixels in, nothing scaled out)."""
        n = len(faces)
        matches: list[Any] = [None] * n
        if self._gallery is not None:
            matches = list(self._gallery.match(self._embedder.embed(rgb, faces.xyxy)))
        cues: list[Any] = [None] * n
        if self.config.attire.enabled:
            cues = list(attire_cues(rgb, faces.xyxy, self.config.attire))
        if not any(m is not None for m in matches) and not any(
            c is not None and c.label is not None for c in cues
        ):
            return ()
        banners = objects.xyxy[np.array([lbl == "banner" for lbl in objects.labels], dtype=bool)]
        centres = (faces.xyxy[:, :2] + faces.xyxy[:, 2:]) / 2
        # A face whose centre lies in a banner is printed on it (a candidate on a baliho).
        on_print = (
            (
                (centres[:, None, :] >= banners[None, :, :2])
                & (centres[:, None, :] <= banners[None, :, 2:])
            )
            .all(axis=2)
            .any(axis=1)
        )
        out = []
        for i in range(n):
            m, c = matches[i], cues[i]
            # Every judged torso is reported (civil_servant True or False, the head's classes):
            # a reviewer of a flagged photo sees who was read as what. Unjudged ones stay empty.
            judged = c is not None and c.civil_servant is not None
            out.append(
                FaceInfo(
                    candidate=m.candidate if m else None,
                    number=m.number if m and m.candidate else None,
                    name=m.name if m and m.candidate else None,
                    distance=m.distance if m else None,
                    on_print=bool(on_print[i]),
                    attire=c.label if judged else None,
                    attire_score=float(c.score) if judged else 0.0,
                    attire_reason=c.reason if judged else "",
                    civil_servant=c.civil_servant if judged else None,
                    uniform=c.uniform if judged else None,
                    attire_classes=c.classes if judged else (),
                )
            )
        return tuple(out)

    def _worth_reading(self, result: ImageResult) -> bool:
        """A medium or high finding: text can name whom it is for. Reading the whole photo is the
        dearest step of a scan (0.2 s for a small photo, 0.6 s for a 1.7 MP one on one core), and
        a lone hand showing a number (a low finding) is in most photos of people waving."""
        if self._rules is None:
            return False
        findings = self._rules.evaluate(result)[0]
        return any(SEVERITY_ORDER[f.severity] >= SEVERITY_ORDER["medium"] for f in findings)

    def _read_text(
        self, rgb: np.ndarray, objects: Detections, result: ImageResult
    ) -> tuple[TextLine, ...]:
        """Banner text, and (``read_text`` auto/all) whole-photo text where it can pay off.

        ``result`` has no findings yet: "auto" asks the rules for a medium or high finding only
        when it has no banner and is not a group photo, so most photos are evaluated once."""
        min_score = self.profile.thresholds.min_object_score if self.profile else 0.4
        idx = [
            i
            for i, (lbl, conf) in enumerate(zip(objects.labels, objects.confidence))
            if lbl == "banner" and conf >= min_score
        ]
        mode = self.config.read_text
        if idx:
            reads = self._text.read(rgb, objects.xyxy[idx])
        elif mode == "all" or (mode == "auto" and (result.group or self._worth_reading(result))):
            reads = self._text.read(rgb, None)
        else:
            return ()
        matches: list[list[TextMatchInfo]] = [[] for _ in reads]
        if self._matcher is not None:
            groups: dict[Optional[int], list[int]] = {}
            for i, r in enumerate(reads):
                groups.setdefault(r.region, []).append(i)
                matches[i] = [_match_info(m) for m in self._matcher.match(r.text)]
            # Banners break phrases over lines ("NOMOR URUT" / "02"): terms found only in a
            # region's joined text are credited to its first line.
            for lines in groups.values():
                joined = "\n".join(reads[i].text for i in lines)
                seen = {(m.kind, m.term, m.candidate) for i in lines for m in matches[i]}
                for m in self._matcher.match(joined):
                    if (m.kind, m.term, m.candidate) not in seen:
                        matches[lines[0]].append(_match_info(m))
        out = []
        for r, found in zip(reads, matches):
            region = idx[r.region] if r.region is not None else None
            out.append(TextLine(r.box, r.text, r.score, region, tuple(found)))
        return tuple(out)

    def scan_video(
        self, path: PathLike, sampling: Optional[SamplingOptions] = None
    ) -> Iterator[ImageResult]:
        """One result per sampled frame of a video (``frame`` set), streaming.

        A video that cannot be decoded at all yields one result with ``error``; one that breaks
        off part-way yields its frames and then one result (``frame`` None) whose ``error`` says
        where it stopped.
        """
        for task in video_tasks(str(path), sampling or SamplingOptions()):
            yield scan_task(self, task, annotate=False, keep_frame=False).result

    def scan_paths(
        self,
        paths: Iterable[PathLike],
        workers: int = 1,
        sampling: Optional[SamplingOptions] = None,
    ) -> Iterator[ImageResult]:
        """Scan files and folders (recursively): one result per photo and per sampled video frame,
        in a stable order that does not depend on ``workers``.

        Paths that do not exist yield a result with ``error``; other files are not yielded (use
        ``gesture_scan.io.discover`` to list them).
        """
        found = discover(paths)
        for missing in found.missing:
            yield ImageResult(path=str(missing), sha256=None, error="no such file or folder")
        tasks = iter_tasks(found.inputs, sampling or SamplingOptions())
        if workers <= 1:
            for task in tasks:
                yield scan_task(self, task, annotate=False, keep_frame=False).result
        else:
            for done in scan_in_workers(tasks, self.config, workers, False, False):
                yield done.result


def _load(
    source: ImageSource, config: ScanConfig, name: Optional[str], frame: Optional[FrameInfo] = None
) -> LoadedImage | ImageResult:
    """The decoded image, or the input's error record: a decoder bug on hostile bytes is still
    that input's problem, never the batch's."""
    try:
        return load_image(source, config.max_side, config.max_pixels)
    except InputError as exc:
        return ImageResult(path=name, sha256=exc.sha256, frame=frame, error=exc.reason)
    except MemoryError:
        reason = "not enough memory to decode this image"
    except Exception as exc:
        reason = f"could not be read ({type(exc).__name__}: {exc})"
    return ImageResult(path=name, sha256=None, frame=frame, error=reason)


def _match_info(m: Any) -> TextMatchInfo:
    """``text.match.TextMatch`` -> our result type (the rules never import the matcher)."""
    return TextMatchInfo(m.kind, m.term, m.candidate, m.party, m.score, m.weight)


# -- units of work -----------------------------------------------------------------------------


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


def _encode_jpeg(rgb: np.ndarray, quality: int = 88) -> Optional[bytes]:
    ok, buf = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    return buf.tobytes() if ok else None


def scan_task(scanner: Scanner, task: Task, annotate: bool, keep_frame: bool) -> Done:
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
        loaded = _load(task.path, scanner.config, task.path)
        if isinstance(loaded, ImageResult):
            return Done(loaded)
        img = loaded
    result = scanner.scan_safely(img, path=task.path, frame=task.frame)
    if result.error is not None:
        return Done(result)
    if task.video is not None:
        result = replace(result, meta={**result.meta, "video": task.video})
    annotated = None
    notable = any(f.candidate or f.attire for f in result.face_info) or any(
        t.matches for t in result.texts
    )
    if annotate and (result.hands or len(result.objects) or notable):
        annotated = _annotated_jpeg(img, result)
    frame_jpeg = None
    if keep_frame and task.frame is not None and result.flagged:
        frame_jpeg = _encode_jpeg(img.rgb, 92)
    return Done(result, annotated, frame_jpeg)


def _annotated_jpeg(img: LoadedImage, result: ImageResult) -> Optional[bytes]:
    """The annotated copy, or None where drawing fails: the findings stand without a picture."""
    from .report.annotate import draw

    flagged = sorted({i for f in result.findings for i in f.hands})
    try:
        return _encode_jpeg(
            draw(
                img.rgb,
                result.hands,
                result.faces,
                result.objects,
                img.scale,
                flagged,
                result.face_info,
                result.texts,
            )
        )
    except Exception:
        return None


def scan_with_annotation(
    scanner: Scanner, path: PathLike, annotate: bool
) -> tuple[ImageResult, Optional[bytes]]:
    """Scan one photo file and render its annotated JPEG (None where nothing was found)."""
    done = scan_task(scanner, Task(str(path)), annotate, keep_frame=False)
    return done.result, done.annotated


# -- worker processes --------------------------------------------------------------------------

_worker: Optional[tuple[Scanner, bool, bool]] = None
_worker_error: Optional[BaseException] = None  # why this worker's Scanner could not be built


def _exit_with_parent(parent: int) -> None:
    """End this worker when the parent is gone: workers ignore SIGTERM, and a parent killed
    outright (SIGKILL, the OOM killer) never stops them, so each would sit on its models, waiting
    for work, forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="gesture-scan-parent-watch", daemon=True).start()


def _init_worker(
    config: ScanConfig, annotate: bool, keep_frame: bool, parent: Optional[int] = None
) -> None:
    """Build this process's Scanner; ``parent``: the pool's pid (it may already be gone by the
    time this runs), watched so the worker ends with it. Ray's actors pass None: Ray reaps them."""
    global _worker, _worker_error
    if parent is not None:
        _exit_with_parent(parent)
    # Ctrl-C and SIGTERM are the parent's to handle: it stops feeding work, closes the report and
    # kills the workers. A worker dying of the signal mid-task would look like a crash.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # One thread per worker: the pool already uses every core, and torch's OpenMP threads spin
    # while they wait, so N workers x N threads made two workers three times slower than one.
    # Set before torch is imported (the YOLO stage imports it) so OpenMP starts with one thread.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    cv2.setNumThreads(1)
    if config.text.threads == 0:  # onnxruntime (OCR) too
        config = config.with_(text=replace(config.text, threads=1))
    if config.objects.threads == 0:  # and onnxruntime running the YOLO stage
        config = config.with_(objects=replace(config.objects, threads=1))
    # An initializer that raises leaves the executor broken with no word of why; keep the error
    # and hand it to the parent with the first task instead.
    try:
        _worker = (Scanner(config), annotate, keep_frame)
    except Exception as exc:
        _worker_error = exc
        return
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def _ready() -> Optional[BaseException]:
    return _worker_error


def _work(task: Task) -> Done:
    if _worker is None:
        raise _worker_error or WorkerError("worker process has no scanner")
    scanner, annotate, keep_frame = _worker
    return scan_task(scanner, task, annotate, keep_frame)


_NOT_STARTED = (
    "worker processes could not start, so nothing can be scanned with workers > 1. A script that "
    'calls scan_paths(..., workers=N) must do so under `if __name__ == "__main__":` (workers are '
    "spawned and import the script again); otherwise run with one worker (--workers 1) and see "
    "the error printed above"
)


class _WorkerPool:
    """A process pool that survives its workers.

    ``concurrent.futures`` rather than ``multiprocessing.Pool``: when a worker dies (a segfault in
    a native decoder, the kernel's OOM killer), ``Pool`` silently starts another and the lost
    task's result never comes, so the scan waits forever; the executor instead fails every
    pending future with ``BrokenProcessPool``, which we can act on. Workers are spawned, not
    forked: MediaPipe runs threads, which do not survive a fork.
    """

    def __init__(self, config: ScanConfig, workers: int, annotate: bool, keep_frame: bool) -> None:
        self._args = (config, annotate, keep_frame)
        self.workers = workers
        self._executor: Any = None
        self._start()

    def _start(self) -> None:
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        self._executor = ProcessPoolExecutor(
            self.workers,
            mp_context=mp.get_context("spawn"),
            initializer=_init_worker,
            initargs=(*self._args, os.getpid()),
        )
        try:
            problem = self._executor.submit(_ready).result()
        except BrokenProcessPool as exc:
            self.close()
            raise WorkerError(_NOT_STARTED) from exc
        if problem is not None:
            self.close()
            raise problem

    def submit(self, task: Task) -> Any:
        return self._executor.submit(_work, task)

    def restart(self) -> None:
        self.close()
        self._start()

    def close(self) -> None:
        """Stop now: queued tasks are cancelled and running workers killed (they ignore SIGTERM,
        which is the parent's to act on)."""
        if self._executor is None:
            return
        processes = list(getattr(self._executor, "_processes", {}).values())
        self._executor.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            if proc.is_alive():
                proc.kill()
        for proc in processes:
            proc.join(5)
        self._executor = None


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


_LOST = (
    "the worker process scanning this input died (a crash in a decoder or model, or out of "
    "memory); it died again when the input was scanned alone"
)


def scan_in_workers(
    tasks: Iterable[Task],
    config: ScanConfig,
    workers: int,
    annotate: bool,
    keep_frame: bool,
) -> Generator[Done, None, None]:
    """Scan in ``workers`` processes, each with its own Scanner, yielding results in task order
    so reports do not depend on the number of workers.

    At most ``2 x workers`` tasks are in flight: reading the task stream ahead would hold every
    decoded frame of a two-hour video in memory at once. When a worker dies, the tasks that were
    in flight are scanned again one at a time in a fresh pool, so the input that kills a worker
    is found and gets an error record, and the others get their real results.
    """
    from concurrent.futures.process import BrokenProcessPool

    pool = _WorkerPool(config, workers, annotate, keep_frame)

    def result(task: Task, future: Any) -> Done:
        try:
            return future.result()
        except BrokenProcessPool:
            raise
        except GestureScanError:
            raise  # e.g. a worker's models could not load: the whole scan's problem
        except Exception as exc:  # a result that could not come back from the worker
            return unreturned(task, exc)

    def alone(task: Task) -> Done:
        try:
            return result(task, pool.submit(task))
        except BrokenProcessPool:
            pool.restart()
            return task_error(task, _LOST)

    try:
        pending: deque[tuple[Task, Any]] = deque()

        def drain(keep: int) -> Iterator[Done]:
            while len(pending) > keep:
                task, future = pending[0]
                try:
                    done = result(task, future)
                except BrokenProcessPool:
                    suspects = list(pending)
                    pending.clear()
                    pool.restart()
                    for t, f in suspects:
                        finished = f.done() and not f.cancelled() and f.exception() is None
                        yield f.result() if finished else alone(t)
                    return
                pending.popleft()
                yield done

        for task in tasks:
            pending.append((task, pool.submit(task)))
            yield from drain(2 * workers - 1)
        yield from drain(0)
    finally:
        pool.close()


def as_rgb(array: np.ndarray) -> np.ndarray:
    """Convenience for OpenCV users: BGR -> RGB, the order ``scan_image`` expects for arrays."""
    return cv2.cvtColor(array, cv2.COLOR_BGR2RGB)
