"""Names for MediaPipe's 21 hand landmarks: ``lm[HandLandmark.INDEX_TIP]``, never ``lm[8]``."""

from __future__ import annotations

from enum import IntEnum


class HandLandmark(IntEnum):
    WRIST = 0
    THUMB_CMC = 1
    THUMB_MCP = 2
    THUMB_IP = 3
    THUMB_TIP = 4
    INDEX_MCP = 5
    INDEX_PIP = 6
    INDEX_DIP = 7
    INDEX_TIP = 8
    MIDDLE_MCP = 9
    MIDDLE_PIP = 10
    MIDDLE_DIP = 11
    MIDDLE_TIP = 12
    RING_MCP = 13
    RING_PIP = 14
    RING_DIP = 15
    RING_TIP = 16
    PINKY_MCP = 17
    PINKY_PIP = 18
    PINKY_DIP = 19
    PINKY_TIP = 20


class Finger(IntEnum):
    THUMB = 0
    INDEX = 1
    MIDDLE = 2
    RING = 3
    PINKY = 4


L = HandLandmark

#: The four joints of each finger from the knuckle nearest the wrist to the tip.
FINGER_CHAIN: dict[Finger, tuple[HandLandmark, HandLandmark, HandLandmark, HandLandmark]] = {
    Finger.THUMB: (L.THUMB_CMC, L.THUMB_MCP, L.THUMB_IP, L.THUMB_TIP),
    Finger.INDEX: (L.INDEX_MCP, L.INDEX_PIP, L.INDEX_DIP, L.INDEX_TIP),
    Finger.MIDDLE: (L.MIDDLE_MCP, L.MIDDLE_PIP, L.MIDDLE_DIP, L.MIDDLE_TIP),
    Finger.RING: (L.RING_MCP, L.RING_PIP, L.RING_DIP, L.RING_TIP),
    Finger.PINKY: (L.PINKY_MCP, L.PINKY_PIP, L.PINKY_DIP, L.PINKY_TIP),
}

#: Bones to draw, as MediaPipe's HAND_CONNECTIONS (copied so drawing does not import mediapipe).
HAND_CONNECTIONS: tuple[tuple[HandLandmark, HandLandmark], ...] = (
    (L.WRIST, L.THUMB_CMC),
    (L.THUMB_CMC, L.THUMB_MCP),
    (L.THUMB_MCP, L.THUMB_IP),
    (L.THUMB_IP, L.THUMB_TIP),
    (L.WRIST, L.INDEX_MCP),
    (L.INDEX_MCP, L.INDEX_PIP),
    (L.INDEX_PIP, L.INDEX_DIP),
    (L.INDEX_DIP, L.INDEX_TIP),
    (L.INDEX_MCP, L.MIDDLE_MCP),
    (L.MIDDLE_MCP, L.MIDDLE_PIP),
    (L.MIDDLE_PIP, L.MIDDLE_DIP),
    (L.MIDDLE_DIP, L.MIDDLE_TIP),
    (L.MIDDLE_MCP, L.RING_MCP),
    (L.RING_MCP, L.RING_PIP),
    (L.RING_PIP, L.RING_DIP),
    (L.RING_DIP, L.RING_TIP),
    (L.RING_MCP, L.PINKY_MCP),
    (L.WRIST, L.PINKY_MCP),
    (L.PINKY_MCP, L.PINKY_PIP),
    (L.PINKY_PIP, L.PINKY_DIP),
    (L.PINKY_DIP, L.PINKY_TIP),
)

NUM_LANDMARKS = len(HandLandmark)
