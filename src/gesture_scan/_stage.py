"""What every model stage shares: one lock that serialises calls, and a ``with`` block that
releases the model.

Model runtimes (MediaPipe graphs, onnxruntime sessions, an Ultralytics predictor, dlib) keep
per-call state, so each stage takes ``_lock`` around a call; closing takes it too, so a model is
never dropped under a running call. Subclasses say what to release in ``_release``; this module
imports no model library.
"""

from __future__ import annotations

import threading
from typing import TypeVar

S = TypeVar("S", bound="ModelStage")


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
