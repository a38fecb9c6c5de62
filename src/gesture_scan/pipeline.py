"""``Scanner``: load media -> faces -> hands -> (objects) -> (rules) -> ``ImageResult``.

One Scanner holds one copy of each model. It is a context manager (``close()`` releases the
MediaPipe graphs). It is safe to share between threads - each stage serialises its own model
calls - but threads then take turns; for parallel throughput use ``scan_paths(..., workers=N)``,
which starts N worker processes with one Scanner each.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Optional

import cv2
import numpy as np

from .config import ScanConfig
from .detections import Detections
from .errors import InputError, PathLike
from .io import discover, load_image
from .io.image import ImageSource, LoadedImage
from .results import FrameInfo, ImageResult
from .rules import Profile, RuleEngine, load_profile

FACE_NAMES = ("face",)


class Scanner:
    """Loads the models once and scans images.

    >>> with Scanner() as scanner:                        # doctest: +SKIP
    ...     result = scanner.scan_image("photo.jpg")
    ...     print(result.to_dict()["hands"])
    """

    def __init__(self, config: Optional[ScanConfig] = None) -> None:
        from .hands.stage import HandStage
        from .people.stage import FaceStage

        self.config = config or ScanConfig()
        self._faces: Any = None
        self._hands: Any = None
        self.profile: Optional[Profile] = None
        self._rules: Optional[RuleEngine] = None
        if self.config.profile is not None:
            self.profile = load_profile(self.config.profile)
            self._rules = RuleEngine(self.profile)
        try:
            self._faces = FaceStage(self.config.faces) if self.config.faces.enabled else None
            self._hands = HandStage(self.config.hands)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Scanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for stage in (self._faces, self._hands):
            if stage is not None:
                stage.close()

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
        name = (
            str(path)
            if path is not None
            else (str(source) if isinstance(source, (str, Path)) else None)
        )
        try:
            img = load_image(source, self.config.max_side, self.config.max_pixels)
        except InputError as exc:
            return ImageResult(path=name, sha256=exc.sha256, frame=frame, error=exc.reason)
        return self.scan_loaded(img, path=name, frame=frame)

    def scan_loaded(
        self, img: LoadedImage, path: Optional[str] = None, frame: Optional[FrameInfo] = None
    ) -> ImageResult:
        """Scan an already decoded image (video frames come this way)."""
        t0 = time.perf_counter()
        calls = {}
        faces = Detections.empty(FACE_NAMES)
        if self._faces is not None:
            faces, calls["face"] = self._faces.detect(img.rgb)
        hands, calls["hand"] = self._hands.detect(img.rgb, faces.xyxy if len(faces) else None)
        s = img.scale
        result = ImageResult(
            path=path if path is not None else img.path,
            sha256=img.sha256,
            width=img.width,
            height=img.height,
            frame=frame,
            faces=faces.scaled(s),
            hands=tuple(h.scaled(s) for h in hands),
            scan_scale=s,
            meta={
                **({"exif": img.exif} if img.exif else {}),
                "detector_calls": calls,
                "seconds": round(time.perf_counter() - t0, 3),
            },
        )
        if self._rules is not None:
            result = self._rules.apply(result)
        return result

    def scan_paths(self, paths: Iterable[PathLike], workers: int = 1) -> Iterator[ImageResult]:
        """Scan files and folders (recursively), one result per image, in a stable order.

        Paths that do not exist yield a result with ``error``; non-image files are not yielded
        (use ``gesture_scan.io.discover`` to list them).
        """
        found = discover(paths)
        for missing in found.missing:
            yield ImageResult(path=str(missing), sha256=None, error="no such file or folder")
        if workers <= 1:
            for p in found.images:
                yield self.scan_image(p)
        else:
            for result, _ in scan_in_workers(found.images, self.config, workers, annotate=False):
                yield result


# -- worker processes --------------------------------------------------------------------------

_worker_scanner: Optional[Scanner] = None


def _init_worker(config: ScanConfig) -> None:
    global _worker_scanner
    cv2.setNumThreads(1)
    _worker_scanner = Scanner(config)


def _work(args: tuple[str, bool]) -> tuple[ImageResult, Optional[bytes]]:
    path, annotate = args
    assert _worker_scanner is not None
    return scan_with_annotation(_worker_scanner, path, annotate)


def scan_with_annotation(
    scanner: Scanner, path: PathLike, annotate: bool
) -> tuple[ImageResult, Optional[bytes]]:
    """Scan one file and, where it has hands or objects, render the annotated JPEG.

    Annotation happens here (in the worker) because the decoded pixels are here; shipping JPEG
    bytes back to the parent is cheaper than shipping the image.
    """
    name = str(path)
    try:
        img = load_image(path, scanner.config.max_side, scanner.config.max_pixels)
    except InputError as exc:
        return ImageResult(path=name, sha256=exc.sha256, error=exc.reason), None
    result = scanner.scan_loaded(img, path=name)
    if not annotate or not (result.hands or len(result.objects)):
        return result, None
    from .report.annotate import draw

    flagged = sorted({i for f in result.findings for i in f.hands})
    picture = draw(img.rgb, result.hands, result.faces, result.objects, img.scale, flagged)
    ok, buf = cv2.imencode(
        ".jpg", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88]
    )
    return result, (buf.tobytes() if ok else None)


def scan_in_workers(
    paths: list[Path], config: ScanConfig, workers: int, annotate: bool
) -> Iterator[tuple[ImageResult, Optional[bytes]]]:
    """Scan in ``workers`` processes (spawned: MediaPipe runs threads, which do not survive fork),
    each with its own Scanner, yielding results in input order so reports do not depend on the
    number of workers."""
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(config,)) as pool:
        yield from pool.imap(_work, [(str(p), annotate) for p in paths], chunksize=1)


def as_rgb(array: np.ndarray) -> np.ndarray:
    """Convenience for OpenCV users: BGR -> RGB, the order ``scan_image`` expects for arrays."""
    return cv2.cvtColor(array, cv2.COLOR_BGR2RGB)
