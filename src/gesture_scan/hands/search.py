"""Where to look for hands: the whole image, overlapping tiles, and crops around people.

MediaPipe's palm detector sees a 192x192 copy of its input and needs a hand to span roughly 1/6 of
it (measured: 3% recall when a hand is 8% of the input, 77% at 16%). A 40 px hand in a 3000 px group
photo is ~1%, so one full-image pass misses it. Cropping a region a few hands wide around each face
brings such a hand to ~20% of the region; tiles catch hands whose face was not found. Everything
here is geometry on numpy arrays, so it is unit-tested without models.
"""

from __future__ import annotations

import numpy as np

from ..config import SearchOptions
from ..detections import box_ioa, box_iou
from ..regions import Region, tile_starts

__all__ = [
    "Region",
    "full_region",
    "merge_duplicates",
    "person_regions",
    "plan_regions",
    "tile_regions",
]


def full_region(width: int, height: int) -> Region:
    """The whole image with a margin, resized to 320 px.

    Hands cut by the border (an arm entering from below, a 100 px close-up crop) are found far more
    often with a margin around them (close-up crops: 83% -> 99.6% found). The small size is
    deliberate: MediaPipe shrinks its input to 192 px without anti-aliasing, and letting OpenCV do
    most of that reduction with area averaging found 98-100% of the training photos' hands against
    89% when MediaPipe got the 640 px photo itself.
    """
    side = max(width, height)
    pad = 0.5 * side if side < 320 else 0.15 * side
    out = 512 if side < 320 else 320
    return Region(-pad, -pad, width + pad, height + pad, "full", out)


def tile_regions(width: int, height: int, opts: SearchOptions) -> list[Region]:
    """Overlapping tiles half the short side wide, for hands of 1/12 to 1/5 of the image.

    Tiles are at least 1/8 of the long side (spanning the short side where that is narrower), so
    an extreme aspect ratio costs at most ~12 tiles per axis, not hundreds: for ordinary photos
    (up to 4:1) half the short side is the larger of the two anyway.
    """
    tile = min(width, height) / 2.0
    if tile < opts.min_tile_side:
        return []
    tile = max(tile, max(width, height) / 8.0)
    tile_w, tile_h = min(tile, float(width)), min(tile, float(height))
    return [
        Region(x, y, x + tile_w, y + tile_h, "tile", opts.region_side)
        for y in tile_starts(height, tile_h, opts.tile_overlap)
        for x in tile_starts(width, tile_w, opts.tile_overlap)
    ]


def person_regions(
    faces_xyxy: np.ndarray, width: int, height: int, opts: SearchOptions
) -> list[Region]:
    """Two squares beside each face, where that person's raised hands are.

    Squares because MediaPipe letterboxes its input to a square: a tall region would shrink the
    hand. Two of them (left and right of the face, overlapping over it) because one region wide
    enough for both hands makes each hand too small for the palm detector: on the benchmark's group
    scenes one 4.5-face-wide region per person found 54 of 140 hands, two squares 68. A square that
    mostly repeats one already planned (dense rows of people) is dropped.
    """
    faces = np.asarray(faces_xyxy, dtype=np.float32).reshape(-1, 4)
    boxes: list[np.ndarray] = []
    half = 0.5 * opts.person_square
    for x0, y0, x1, y1 in faces[np.argsort(-(faces[:, 2] - faces[:, 0]))]:
        s = max(x1 - x0, y1 - y0)
        cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1) + opts.person_drop * s
        for side in (-1.0, 1.0):
            c = cx + side * opts.person_offset * s
            box = np.array([c - half * s, cy - half * s, c + half * s, cy + half * s], np.float32)
            if boxes and (box_iou(box, np.stack(boxes))[0] > 0.6).any():
                continue
            boxes.append(box)
    out = []
    for x0, y0, x1, y1 in boxes:
        if min(x1, width) - max(x0, 0) < 8 or min(y1, height) - max(y0, 0) < 8:
            continue  # entirely off the image
        out.append(Region(float(x0), float(y0), float(x1), float(y1), "person", opts.person_side))
    return out


def plan_regions(
    width: int, height: int, faces_xyxy: np.ndarray | None, opts: SearchOptions
) -> list[Region]:
    """All regions to run the hand detector on, cheapest and most productive first."""
    regions = [full_region(width, height)]
    if not opts.enabled:
        return regions
    extra: list[Region] = []
    if opts.people and faces_xyxy is not None:
        extra += person_regions(faces_xyxy, width, height, opts)
    if opts.tiles:
        tiles = tile_regions(width, height, opts)
        # only where person squares have searched around those faces
        gated = opts.skip_tiles_with_faces and opts.people
        if gated and faces_xyxy is not None and len(faces_xyxy):
            tiles = [t for t in tiles if not _holds_a_face(t, faces_xyxy)]
        extra += tiles
    return regions + extra[: opts.max_regions]


def _holds_a_face(region: Region, faces_xyxy: np.ndarray) -> bool:
    """Whether a face's centre lies in the region (its person squares cover that person)."""
    faces = np.asarray(faces_xyxy, dtype=np.float32).reshape(-1, 4)
    cx, cy = 0.5 * (faces[:, 0] + faces[:, 2]), 0.5 * (faces[:, 1] + faces[:, 3])
    inside = (cx >= region.x0) & (cx < region.x1) & (cy >= region.y0) & (cy < region.y1)
    return bool(inside.any())


def merge_duplicates(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Indices of hands to keep when overlapping regions found the same hand twice.

    Besides IoU, a box mostly inside a better one is a duplicate: a partial hand from a tile edge.
    """
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    order = np.argsort(-np.asarray(scores, dtype=np.float32), kind="stable")
    keep: list[int] = []
    for i in order:
        if keep:
            k = np.array(keep)
            if (box_iou(boxes[i], boxes[k])[0] > iou).any() or (
                box_ioa(boxes[i], boxes[k])[0] > 0.6
            ).any():
                continue
        keep.append(int(i))
    return np.array(keep, dtype=np.int64)
