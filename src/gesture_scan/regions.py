"""The rectangles the MediaPipe stages look at, and how a side is cut into overlapping tiles.

Hands (``hands/search.py``) and faces (``people/stage.py``) both run a detector that sees a small
square copy of its input, so both search overlapping tiles of the image; the geometry is shared
here, below both, and crops are cut by ``graphs.crop_region``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Region:
    """A rectangle of the scan image (may extend past its border: padding) and its resize."""

    x0: float
    y0: float
    x1: float
    y1: float
    kind: str  # "full" | "tile" | "person"
    out_side: int  # longer side after resizing for the detector

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def scale(self) -> float:
        """Detector pixels per scan pixel."""
        return self.out_side / max(self.width, self.height)

    @property
    def xyxy(self) -> np.ndarray:
        return np.array([self.x0, self.y0, self.x1, self.y1], dtype=np.float32)


def tile_starts(length: float, tile: float, overlap: float) -> list[float]:
    """Where tiles of side ``tile`` start along ``length`` so that neighbours overlap by at least
    ``overlap`` of a tile and the last one ends at the border (the step is evened out)."""
    if length <= tile:
        return [0.0]
    step = tile * (1.0 - overlap)
    n = math.ceil((length - tile) / step) + 1
    step = (length - tile) / (n - 1)
    return [i * step for i in range(n)]
