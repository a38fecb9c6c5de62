"""What every model stage shares: one lock that serialises calls, a ``with`` block that
releases the model, and the shape of what it returns.

The stage protocol: a stage's one scanning method is ``run(rgb, ...)``. It takes the decoded scan
image (an RGB array, so a crop or a rendered scene runs the same way) and, as typed arguments,
what it needs from earlier stages (the hand stage takes the face stage's ``Detections``), and
returns one small frozen result of its own type (``FaceResult``, ``HandResult``, ``ObjectResult``,
``PoseResult``, ``TextResult``, each next to its stage) that satisfies ``StageResult``: it says how
many model calls it took, so ``ImageScanner`` records calls and time the same way for each stage.

Model runtimes (MediaPipe graphs, onnxruntime sessions, an Ultralytics predictor, dlib) keep
per-call state, so each stage takes ``_lock`` around a call; closing takes it too, so a model is
never dropped under a running call. Subclasses say what to release in ``_release``; this module
imports no model library.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Protocol, TypeVar

S = TypeVar("S", bound="ModelStage")


class StageResult(Protocol):
    """What every stage's ``run`` returns, beyond its own fields: ``calls``, the model calls this
    image cost (tiles, regions, faces, OCR passes). A read-only property so frozen dataclasses
    satisfy it."""

    @property
    def calls(self) -> int: ...


class ModelStage:
    """Base of the stages: ``with Stage(...) as s:`` closes it; ``close()`` may be called twice."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self: S) -> S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._release()

    def _release(self) -> None:
        """Drop the model(s); called under ``_lock``, possibly more than once."""
        raise NotImplementedError


#: Set (to anything but "" or "0") to let the model libraries' own log lines through; the CLI's
#: ``--verbose`` sets it, and spawned workers inherit it.
VERBOSE_ENV = "GESTURE_SCAN_VERBOSE"
_quiet_lock = threading.RLock()


def verbose() -> bool:
    return os.environ.get(VERBOSE_ENV, "") not in ("", "0")


@contextlib.contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for the duration.

    MediaPipe's C++ (glog/absl) and TFLite write straight to fd 2 when a graph starts and on its
    first inference (a dozen lines per scan that break the progress bar); ``GLOG_minloglevel`` and
    ``TF_CPP_MIN_LOG_LEVEL`` do not reach them, and Python's ``sys.stderr`` never sees them, so
    only the descriptor itself can be redirected. Python's own messages written meanwhile are
    flushed first and would be lost, so this wraps only model start-up and first calls. Re-entrant
    and serialised: two threads restoring fd 2 in the wrong order would silence it for good.
    """
    if verbose():
        yield
        return
    with _quiet_lock:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError):  # no fd 2 (a service without stderr): nothing to silence
            yield
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)
