"""``Scanner``: the library's entry point. Photos, folders and videos in, ``ImageResult`` out.

One Scanner holds one copy of each model (``scanner.ImageScanner`` orders the stages on one
decoded image). It is a context manager (``close()`` releases the MediaPipe graphs). It is safe to
share between threads - each stage serialises its own model calls - but threads then take turns;
for parallel throughput use ``scan_paths(..., workers=N)``, which starts N worker processes with
one scanner each (``engines.local``).

The names the command line, the engines and callers import from here are re-exported below.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Optional

import cv2
import numpy as np

from .engines.local import init_worker, scan_in_workers, work, worker_ready
from .errors import PathLike
from .io import SamplingOptions, discover
from .results import ImageResult
from .scanner import ImageScanner, gallery_path, load_or_error
from .tasks import (
    Done,
    Task,
    iter_tasks,
    scan_task,
    scan_with_annotation,
    task_error,
    unreturned,
    video_tasks,
)

__all__ = [
    "Done",
    "ImageScanner",
    "Scanner",
    "Task",
    "as_rgb",
    "gallery_path",
    "init_worker",
    "iter_tasks",
    "load_or_error",
    "scan_in_workers",
    "scan_task",
    "scan_with_annotation",
    "task_error",
    "unreturned",
    "video_tasks",
    "work",
    "worker_ready",
]


class Scanner(ImageScanner):
    """Loads the models once and scans images, folders and videos.

    >>> with Scanner() as scanner:                        # doctest: +SKIP
    ...     result = scanner.scan_image("photo.jpg")
    ...     print(result.to_dict()["hands"])
    """

    def __enter__(self) -> Scanner:
        return self

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


def as_rgb(array: np.ndarray) -> np.ndarray:
    """Convenience for OpenCV users: BGR -> RGB, the order ``scan_image`` expects for arrays."""
    return cv2.cvtColor(array, cv2.COLOR_BGR2RGB)
