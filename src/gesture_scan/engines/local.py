"""The local engine: N spawned worker processes, each with its own ``ImageScanner``.

``scan_in_workers`` yields results in task order whatever the number of workers, so reports do not
depend on it; Ray's actors (``ray_engine``) run this module's worker code too.
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
from dataclasses import replace
from typing import Any, Optional

import cv2

from ..config import ScanConfig
from ..errors import GestureScanError, WorkerError
from ..scanner import ImageScanner
from ..tasks import Done, Task, scan_task, task_error, unreturned

_worker: Optional[tuple[ImageScanner, bool, bool]] = None
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


#: ScanConfig fields of the stages run by onnxruntime (OCR, the YOLO stage, the person detector,
#: the held-object cue),
#: whose ``threads`` 0 means "one per core".
ONNXRUNTIME_STAGES = ("text", "objects", "persons", "held")


def init_worker(
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
    for name in ONNXRUNTIME_STAGES:  # and onnxruntime's, unless the caller chose a number
        options = getattr(config, name)
        if options.threads == 0:
            config = config.with_(**{name: replace(options, threads=1)})
    # An initializer that raises leaves the executor broken with no word of why; keep the error
    # and hand it to the parent with the first task instead.
    try:
        _worker = (ImageScanner(config), annotate, keep_frame)
    except Exception as exc:
        _worker_error = exc
        return
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def worker_ready() -> Optional[BaseException]:
    return _worker_error


def work(task: Task) -> Done:
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
            initializer=init_worker,
            initargs=(*self._args, os.getpid()),
        )
        try:
            problem = self._executor.submit(worker_ready).result()
        except BrokenProcessPool as exc:
            self.close()
            raise WorkerError(_NOT_STARTED) from exc
        if problem is not None:
            self.close()
            raise problem

    def submit(self, task: Task) -> Any:
        return self._executor.submit(work, task)

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
