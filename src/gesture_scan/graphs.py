"""What the MediaPipe stages share: a graph behind a lock, closed once, and the region crop.

MediaPipe graphs are not re-entrant, so every call goes through one lock; a stage is a context
manager so the graph's threads and memory are released deterministically. mediapipe itself is
imported by the stage modules, inside the factory they pass in.
"""

from __future__ import annotations

from typing import Any, Callable

import cv2
import numpy as np

from ._stage import ModelStage, quiet_native_logs
from .errors import ModelError
from .regions import Region


class GraphStage(ModelStage):
    """Base of the MediaPipe stages: ``_start(factory)`` builds a graph, ``_process`` runs it.

    A stage may hold several graphs by name (the hand stage runs its palm detector and its landmark
    model as two graphs, so it can merge palms across regions before paying for landmarks)."""

    model = "mediapipe"

    def __init__(self) -> None:
        super().__init__()
        self._graphs: dict[str, Any] = {}
        self._warm: set[str] = set()  # graphs past their first call, which logs natively
        self._closed = False

    def _start(self, factory: Callable[[], Any], name: str = "main") -> None:
        try:
            with quiet_native_logs():
                self._graphs[name] = factory()
        except ImportError as exc:  # pragma: no cover - depends on the install
            self.close()
            raise ModelError(self.model, f"cannot import mediapipe: {exc}") from exc
        except Exception as exc:  # pragma: no cover
            self.close()
            raise ModelError(self.model, f"failed to start: {exc}") from exc

    def _process(self, inputs: Any, name: str = "main") -> Any:
        with self._lock:
            if self._closed or name not in self._graphs:
                raise ModelError(self.model, "stage is closed")
            if name in self._warm:
                return self._graphs[name].process(inputs)
            with quiet_native_logs():
                out = self._graphs[name].process(inputs)
            self._warm.add(name)
            return out

    def _release(self) -> None:
        self._closed = True
        graphs, self._graphs = self._graphs, {}
        for graph in graphs.values():
            graph.close()


def crop_region(rgb: np.ndarray, region: Region) -> np.ndarray:
    """Cut ``region`` out of ``rgb`` (replicating the border where it reaches past the image) and
    resize it to the detector size, in one affine warp: one copy instead of crop + pad + resize."""
    s = region.scale
    out_w = max(1, round(region.width * s))
    out_h = max(1, round(region.height * s))
    m = np.array([[s, 0, -region.x0 * s], [0, s, -region.y0 * s]], dtype=np.float64)
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(rgb, m, (out_w, out_h), flags=interp, borderMode=cv2.BORDER_REPLICATE)
