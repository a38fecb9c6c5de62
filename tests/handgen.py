"""Synthetic hand landmarks for finger-logic tests: a skeleton with chosen fingers raised.

Real landmarks (tests/fixtures) test accuracy; these test invariances (rotation, mirroring, scale)
and the rare poses the photo sets lack (metal, call, thumbs down, finger heart), exactly.
"""

from __future__ import annotations

import numpy as np

from gesture_scan.hands.landmarks import HandLandmark as L

# Knuckle x positions (palm length 1, wrist at origin, fingers towards -y) and segment lengths.
_MCP_X = {1: -0.32, 2: -0.1, 3: 0.12, 4: 0.32}
_SEGMENTS = {
    1: (0.42, 0.26, 0.22),
    2: (0.46, 0.3, 0.24),
    3: (0.43, 0.28, 0.22),
    4: (0.34, 0.22, 0.2),
}
_CURL = (80.0, 100.0, 60.0)  # bend at MCP, PIP, DIP for a curled finger, degrees
_STRAIGHT = (4.0, 4.0, 3.0)


def _chain(start: np.ndarray, direction: np.ndarray, lengths, bends, axis: np.ndarray) -> list:
    pts = []
    p = start.astype(float)
    d = direction / np.linalg.norm(direction)
    for length, bend in zip(lengths, bends):
        d = _rotate(d, axis, np.radians(bend))
        p = p + length * d
        pts.append(p.copy())
    return pts


def _rotate(v: np.ndarray, axis: np.ndarray, angle: float) -> np.ndarray:
    axis = axis / np.linalg.norm(axis)
    return (
        v * np.cos(angle)
        + np.cross(axis, v) * np.sin(angle)
        + axis * np.dot(axis, v) * (1 - np.cos(angle))
    )


def make_hand(
    extended: tuple[bool, bool, bool, bool, bool],
    roll_deg: float = 0.0,
    mirror: bool = False,
    scale: float = 100.0,
    centre: tuple[float, float] = (300.0, 300.0),
    ok_ring: bool = False,
    heart: bool = False,
    bends: dict[int, tuple[float, float, float]] | None = None,
) -> np.ndarray:
    """(21, 3) landmarks in image pixels (y down) of an upright right hand, palm to camera,
    rotated by ``roll_deg`` in the image plane (positive = clockwise) and optionally mirrored."""
    custom = bends
    p = np.zeros((21, 3))
    p[L.WRIST] = (0, 0, 0)
    curl_axis = np.array([1.0, 0.0, 0.0])  # fingers curl towards the camera (-z)
    for f in (1, 2, 3, 4):
        mcp = np.array([_MCP_X[f], -1.0 + 0.05 * abs(f - 2.5), 0.0])
        p[4 * f + 1] = mcp
        joint = _STRAIGHT if extended[f] else _CURL
        if ok_ring and f == 1:
            joint = (45.0, 70.0, 40.0)
        if heart and f == 1:
            joint = (70.0, 40.0, 10.0)
        if custom and f in custom:
            joint = custom[f]
        direction = mcp - p[L.WRIST] if f != 4 else np.array([0.12, -1.0, 0.0])
        for k, q in enumerate(_chain(mcp, direction, _SEGMENTS[f], joint, -curl_axis)):
            p[4 * f + 2 + k] = q
    cmc = np.array([-0.3, -0.22, 0.0])
    p[L.THUMB_CMC] = cmc
    if extended[0]:
        pts = _chain(
            cmc,
            np.array(
                [-0.95, -0.3, 0.0]
            ),  # out to the side, clear of the curled index (real thumbs-up)
            (0.3, 0.25, 0.22),
            (0, 5, 5),
            np.array([0.0, 0.0, 1.0]),
        )
    else:  # folded across the palm towards the ring knuckle
        pts = _chain(
            cmc,
            np.array([-0.3, -1.0, -0.2]),
            (0.3, 0.24, 0.2),
            (10, 70, 50),
            np.array([0.0, 0.0, -1.0]),
        )
    if ok_ring or heart:
        pts = _chain(
            cmc,
            np.array([-0.5, -1.0, -0.3]),
            (0.3, 0.25, 0.22),
            (0, 25, 20),
            np.array([0.0, 0.0, -1.0]),
        )
        target = p[L.INDEX_TIP] if ok_ring else 0.5 * (p[L.INDEX_PIP] + p[L.INDEX_DIP])
        pts[-1] = target + np.array([0.0, 0.0, -0.03])
        pts[-2] = 0.5 * (pts[-3] + pts[-1])
    for k, q in enumerate(pts):
        p[L.THUMB_MCP + k] = q
    if mirror:
        p[:, 0] = -p[:, 0]
    a = np.radians(roll_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    p[:, :2] = p[:, :2] @ rot.T
    p *= scale
    p[:, 0] += centre[0]
    p[:, 1] += centre[1]
    return p.astype(np.float32)
