"""Scenes for the small-hand benchmark, and the scoring that turns detections into recall by size.

No labeled group photos with 15-80 px hands exist that we may measure on (the fieldset is for
looking at, not for tuning), so we build them: held-out labeled hands are cut out of their photos
and pasted at a controlled size into large real photos ("background") or into group-photo-like
collages of real people ("group"). Pasting lets the benchmark say exactly at which hand size one
full-image pass of the palm detector stops seeing hands and how much the search wins back.

Everything is deterministic given the ``numpy.random.Generator`` passed in. MediaPipe is imported
only by :func:`load_people` (face boxes of the webcam photos); the rest is OpenCV and numpy.

Known limits, which matter when reading the numbers: the answer key holds only the hands we paste
(and, in group scenes, the people's own labeled hands), so real hands in a background photo (the
crowds of some flag photos) are not in it; that leaves recall right but would make a precision
figure wrong. The "people" are all the same man (the webcam set has one subject), their room
shows around them, and their own hands follow their face size, so most are over 64 px.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from gesture_scan.detections import box_iou

from .handset import LabeledPhoto, load_handset, shared_dir

BUCKETS = ("<32", "32-64", ">64")
KINDS = ("background", "group")

#: A pasted hand must not be hidden by anything pasted later: the largest share of its box that a
#: later layer may cover. Anything hidden more would be a hand the detector cannot find.
_MAX_COVER = 0.02
#: Raised hand box (longest side) over face box height, for the people of group scenes. A face box
#: (brow to chin) is ~15 cm, an open hand ~19 cm and a fist ~10 cm; ``face = hand * U(lo, hi)``.
_FACE_PER_HAND = (0.9, 1.5)
#: Clothing colours (RGB) for the sleeve stubs: dark suits, white shirts, khaki civil-service
#: uniform, batik browns, party reds and greens.
_SLEEVE_COLOURS = np.array(
    [
        (25, 28, 36),
        (40, 48, 80),
        (225, 225, 220),
        (200, 190, 150),
        (120, 85, 55),
        (160, 30, 35),
        (30, 110, 60),
        (90, 90, 95),
        (60, 100, 170),
    ],
    dtype=np.float32,
)


# --------------------------------------------------------------------------------------------------
# cutouts


@dataclass(frozen=True, eq=False)
class HandCutout:
    """One labeled hand, cut out of its photo, ready to paste at any size."""

    rgba: np.ndarray  # HxWx4 uint8, alpha = hand (and forearm) mask, tight crop
    fingers: int
    file: str  # source file name
    hand_box: np.ndarray  # (4,) float32 xyxy of the hand itself (no forearm): the ground-truth box
    #: (5,) float32 ``[wrist_x, wrist_y, end_x, end_y, width]``: where the forearm leaves the hand,
    #: where it was cut off, and its width, so a sleeve can continue it. None: no forearm kept.
    arm: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.rgba.ndim != 3 or self.rgba.shape[2] != 4 or self.rgba.dtype != np.uint8:
            raise ValueError(f"{self.file}: rgba must be HxWx4 uint8, got {self.rgba.shape}")
        box = np.asarray(self.hand_box, dtype=np.float32).reshape(4)
        h, w = self.rgba.shape[:2]
        if not (0 <= box[0] < box[2] <= w and 0 <= box[1] < box[3] <= h):
            raise ValueError(f"{self.file}: hand_box {box.tolist()} is not inside {w}x{h}")
        object.__setattr__(self, "hand_box", box)


def _read_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def _odd(x: float) -> int:
    k = max(3, round(x))
    return k if k % 2 else k + 1


def _largest_component(mask: np.ndarray) -> np.ndarray:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return mask.astype(bool)
    return labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))


def _fill_small_holes(mask: np.ndarray, max_share: float) -> np.ndarray:
    """Fill holes smaller than ``max_share`` of the mask.

    Why not fill all: the ring of an OK sign and the gap between a V's fingers are real background;
    small holes are specular highlights on a pale palm that read as wall colour.
    """
    inv = (~mask).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(inv, connectivity=4)
    out = mask.copy()
    h, w = mask.shape
    limit = max_share * mask.sum()
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        touches = x == 0 or y == 0 or x + bw == w or y + bh == h
        if not touches and area <= limit:
            out[labels == i] = True
    return out


def _plain_background_mask(rgb: np.ndarray, close_holes: bool) -> np.ndarray:
    """Hand (and arm) pixels of a photo taken against a plain wall or sheet.

    The wall colour is a quadratic surface per Lab channel fitted to the wall-like pixels, because
    these walls are lit from one side (L varies by ~50 across an epsrc frame): one median colour
    either eats pale skin or keeps the dark corner. Chroma separates skin from a grey-green wall;
    lightness catches dark sleeves. ``close_holes`` fills gaps and highlights inside the hand
    (epsrc: pale palms under a lamp read as wall); in the 100 px sld crops the same gaps are the
    white wall between fingers, so they stay open.
    """
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    h, w = lab.shape[:2]
    band = max(2, min(h, w) // 50)
    border = np.zeros((h, w), dtype=bool)
    border[:band] = True
    border[: int(h * 0.6), :band] = True
    border[: int(h * 0.6), -band:] = True
    ref = np.median(lab[border], axis=0)
    chroma = np.linalg.norm(lab[..., 1:] - ref[1:], axis=-1)
    wall = (chroma < 6.0) & (lab[..., 0] > ref[0] - 45.0)
    k = _odd(min(h, w) / 50)
    wall = cv2.erode(wall.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
    if wall.sum() < 50:
        wall = border
    ys, xs = np.nonzero(wall)
    pick = np.linspace(0, len(ys) - 1, min(len(ys), 5000)).astype(int)

    def basis(y: np.ndarray, x: np.ndarray) -> np.ndarray:
        y = y / h - 0.5
        x = x / w - 0.5
        return np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=-1)

    coef, *_ = np.linalg.lstsq(
        basis(ys[pick].astype(np.float32), xs[pick].astype(np.float32)),
        lab[ys[pick], xs[pick]],
        rcond=None,
    )
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    resid = lab - basis(yy, xx) @ coef.astype(np.float32)
    fg = (np.linalg.norm(resid[..., 1:], axis=-1) > 7.0) | (np.abs(resid[..., 0]) > 30.0)
    fg8 = cv2.morphologyEx(fg.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    if not close_holes:
        return _largest_component(fg8 > 0)
    kc = _odd(min(h, w) / 70)
    fg8 = cv2.morphologyEx(fg8, cv2.MORPH_CLOSE, np.ones((kc, kc), np.uint8))
    return _fill_small_holes(_largest_component(fg8 > 0), 0.015)


def _skin(rgb: np.ndarray) -> np.ndarray:
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    cr, cb = ycc[..., 1].astype(np.int16), ycc[..., 2].astype(np.int16)
    return (cr >= 133) & (cr <= 180) & (cb >= 77) & (cb <= 135) & (ycc[..., 0] > 40)


def _bbox(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=np.float32)


def _component_at(mask: np.ndarray, x: int, y: int) -> np.ndarray:
    _, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    return (labels == labels[y, x]) & mask


def _split_forearm(
    mask: np.ndarray, rgb: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Alpha with the forearm shortened and faded, the hand box, and the arm line for a sleeve.

    The arm enters from the frame border and the hand is the skin at the far end. The wrist is put
    1.4 palm radii behind the palm centre (the deepest point of the skin, so a thick sleeve is not
    taken for the palm), measured along the entry-to-fingertip axis; the hand is what stays
    connected to the palm beyond that line, which drops a torso or hair joined to the arm. Keeping
    half a hand length of forearm makes it at most a third of the cutout; its end fades out so no
    straight cut shows.
    """
    h, w = mask.shape
    alpha = mask.astype(np.float32)
    ys, xs = np.nonzero(mask)
    bottom = ys >= h - 3
    left, right = xs <= 2, xs >= w - 3
    if bottom.sum() >= 3:
        edge = bottom
    elif max(left.sum(), right.sum()) >= 3:
        edge = left if left.sum() >= right.sum() else right
    else:
        return alpha, _bbox(mask), None
    entry = np.array([xs[edge].mean(), ys[edge].mean()], dtype=np.float32)

    skin = cv2.morphologyEx(
        (_skin(rgb) & mask).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)
    )
    if skin.sum() < 0.05 * mask.sum():  # pale skin in a dim room: at least drop dark sleeves
        luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        skin = ((luma > 60) & mask).astype(np.uint8)
    base = skin if skin.sum() >= 0.05 * mask.sum() else mask.astype(np.uint8)
    bys, bxs = np.nonzero(base)
    bpts = np.stack([bxs, bys], axis=1).astype(np.float32)
    tip = bpts[int(np.argmax(np.linalg.norm(bpts - entry, axis=1)))]
    length = float(np.linalg.norm(tip - entry))
    if length < 4:
        return alpha, _bbox(mask), None
    axis = (tip - entry) / length
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    along = (xx - entry[0]) * axis[0] + (yy - entry[1]) * axis[1]

    dist = cv2.distanceTransform(base, cv2.DIST_L2, 5)
    dist[along < 0.35 * length] = 0  # the palm is not next to where the arm enters
    py, px = np.unravel_index(int(np.argmax(dist)), dist.shape)
    radius = float(dist[py, px])
    if radius <= 0:
        return alpha, _bbox(mask), None
    s_wrist = max(0.0, float(along[py, px]) - 1.4 * radius)
    hand = _component_at(mask & (along >= s_wrist), int(px), int(py))
    hand_len = length - s_wrist
    arm_len = min(s_wrist, 0.5 * hand_len)
    s_cut = s_wrist - arm_len
    keep = _component_at(mask & (along >= s_cut), int(px), int(py))
    alpha = keep.astype(np.float32)
    arm = None
    if arm_len > 1:
        alpha *= np.clip((along - s_cut) / (0.4 * arm_len), 0.0, 1.0)
        width = float((keep & (along < s_wrist)).sum()) / arm_len
        hys, hxs = np.nonzero(hand)
        hpts = np.stack([hxs, hys], axis=1).astype(np.float32)
        gap = np.abs((hpts - entry) @ axis - s_wrist)
        wrist = hpts[gap <= max(2.0, float(gap.min()))].mean(axis=0)
        if width > 2:
            arm = np.array([*wrist, *(wrist - axis * arm_len), width], dtype=np.float32)
    return alpha, _bbox(hand), arm


def _sld_wrist(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The sld crops end at the wrist, so the whole mask is hand; the frame cut gets a soft edge.

    (The palm-radius rule of :func:`_split_forearm` cut these close-ups mid-palm: without a visible
    forearm there is no wrist narrowing to find.)
    """
    h, _w = mask.shape
    box = _bbox(mask)
    # the white sheet bleeds into the edge pixels: drop them, or every finger gets a pale halo
    inner = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    inner[h - 1] = mask[h - 1]  # ...but keep the frame cut where the wrist leaves the crop
    alpha = inner.astype(np.float32)
    xs = np.nonzero(mask[h - 1])[0]
    if len(xs) < 3:
        return alpha, box, None
    fade = max(2, int(0.08 * h))
    alpha[h - fade :] *= np.linspace(1.0, 0.2, fade, dtype=np.float32)[:, None]
    cx, span = float(xs.mean()), float(xs.max() - xs.min() + 1)
    arm = np.array([cx, h - 2.0 * fade, cx, float(h), span], dtype=np.float32)
    return alpha, box, arm


def _crop_cutout(
    rgb: np.ndarray,
    alpha: np.ndarray,
    hand_box: np.ndarray,
    arm: np.ndarray | None,
    fingers: int,
    file: str,
) -> HandCutout | None:
    keep = alpha > 0.02
    if keep.sum() < 30:
        return None
    x0, y0, x1, y1 = _bbox(keep).astype(int)
    rgba = np.dstack([rgb[y0:y1, x0:x1], np.round(alpha[y0:y1, x0:x1] * 255).astype(np.uint8)])
    shift = np.array([x0, y0, x0, y0], dtype=np.float32)
    box = np.clip(hand_box - shift, 0, [x1 - x0, y1 - y0, x1 - x0, y1 - y0]).astype(np.float32)
    if arm is not None:
        arm = arm - np.array([x0, y0, x0, y0, 0], dtype=np.float32)
    return HandCutout(np.ascontiguousarray(rgba), int(fingers), file, box, arm)


def _plain_cutout(photo: LabeledPhoto, rgb: np.ndarray) -> HandCutout | None:
    mask = _plain_background_mask(rgb, close_holes=photo.source != "sld")
    share = mask.mean()
    if not 0.02 <= share <= 0.85:  # segmentation failed: the wall model ate the hand or the frame
        return None
    if photo.source == "sld":
        alpha, hand_box, arm = _sld_wrist(mask)
    else:
        alpha, hand_box, arm = _split_forearm(mask, rgb)
    # soften the 1 px stair-steps of the mask; the resize at paste time does the rest
    alpha = cv2.GaussianBlur(alpha, (0, 0), 0.6)
    assert photo.fingers is not None
    return _crop_cutout(rgb, alpha, hand_box, arm, photo.fingers, photo.file)


def _box_window(shape: tuple[int, int], box: np.ndarray, margin: float) -> np.ndarray:
    """1 inside ``box``, falling linearly to 0 at ``margin`` px outside it."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dx = np.maximum(np.maximum(box[0] - xx, xx - box[2]), 0)
    dy = np.maximum(np.maximum(box[1] - yy, yy - box[3]), 0)
    return np.clip(1.0 - np.hypot(dx, dy) / max(margin, 1.0), 0.0, 1.0)


def _webcam_cutouts(photo: LabeledPhoto, rgb: np.ndarray) -> list[HandCutout]:
    """Each labeled box of a busy webcam photo, with a GrabCut mask inside the box.

    GrabCut from the box needs no training and separates a hand from a wall or a shirt well enough
    at the sizes we paste; where it fails (hand over the face or another hand) the mask is a
    feathered ellipse around the box, as rough as the brief allows.
    """
    out: list[HandCutout] = []
    height, width = rgb.shape[:2]
    for hb in photo.boxes:
        if hb.fingers is None:
            continue
        x1, y1, x2, y2 = (float(v) for v in hb.xyxy)
        margin = 0.08 * max(x2 - x1, y2 - y1)
        cx0, cy0 = max(0, int(x1 - margin)), max(0, int(y1 - margin))
        cx1, cy1 = min(width, math.ceil(x2 + margin)), min(height, math.ceil(y2 + margin))
        crop = rgb[cy0:cy1, cx0:cx1]
        box = np.array([x1 - cx0, y1 - cy0, x2 - cx0, y2 - cy0], dtype=np.float32)
        box = np.clip(box, 0, [cx1 - cx0, cy1 - cy0, cx1 - cx0, cy1 - cy0])
        ch, cw = crop.shape[:2]
        f = min(1.0, 160.0 / max(ch, cw))
        small = cv2.resize(
            crop, (max(1, round(cw * f)), max(1, round(ch * f))), interpolation=cv2.INTER_AREA
        )
        sh, sw = small.shape[:2]
        rx0, ry0 = int(box[0] * f), int(box[1] * f)
        rx1, ry1 = min(sw, math.ceil(box[2] * f)), min(sh, math.ceil(box[3] * f))
        ellipse = np.zeros((sh, sw), np.uint8)
        # full axes sqrt(2) x the box: the ellipse passes through the box corners
        centre = ((rx0 + rx1) / 2, (ry0 + ry1) / 2)
        cv2.ellipse(ellipse, (centre, (1.41 * (rx1 - rx0), 1.41 * (ry1 - ry0)), 0.0), (1,), -1)
        fg: np.ndarray = ellipse > 0
        if (rx0 > 0 or ry0 > 0 or rx1 < sw or ry1 < sh) and rx1 - rx0 > 4 and ry1 - ry0 > 4:
            gc = np.zeros((sh, sw), np.uint8)
            bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
            cv2.setRNGSeed(0)  # GrabCut seeds its GMMs with OpenCV's global RNG
            cv2.grabCut(
                cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
                gc,
                (rx0, ry0, rx1 - rx0, ry1 - ry0),
                bgd,
                fgd,
                4,
                cv2.GC_INIT_WITH_RECT,
            )
            cand = _largest_component((gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD))
            share = cand.sum() / max(1, (rx1 - rx0) * (ry1 - ry0))
            if 0.2 <= share <= 0.92:
                fg = cand
        soft = cv2.resize(fg.astype(np.float32), (cw, ch), interpolation=cv2.INTER_LINEAR)
        soft = cv2.dilate(soft, np.ones((3, 3), np.uint8))
        soft = cv2.GaussianBlur(soft, (0, 0), max(1.0, 0.015 * max(ch, cw)))
        alpha = np.clip(soft, 0, 1) * _box_window((ch, cw), box, margin)
        cut = _crop_cutout(crop, alpha, box, None, hb.fingers, photo.file)
        if cut is not None:
            out.append(cut)
    return out


def load_cutouts(photos: Sequence[LabeledPhoto]) -> list[HandCutout]:
    """Cut out every labeled hand of ``photos`` (pass held-out photos only for the benchmark).

    Photos whose segmentation fails or whose count is unknown are left out, so the result may be
    shorter than ``photos``; the order follows ``photos``.
    """
    out: list[HandCutout] = []
    for photo in photos:
        if photo.source in ("sld", "epsrc"):
            if photo.fingers is None:
                continue
            cut = _plain_cutout(photo, _read_rgb(photo.path))
            if cut is not None:
                out.append(cut)
        elif photo.source == "hands":
            out.extend(_webcam_cutouts(photo, _read_rgb(photo.path)))
        else:
            raise ValueError(f"{photo.file}: unknown source {photo.source!r}")
    return out


# --------------------------------------------------------------------------------------------------
# people for group scenes


@dataclass(frozen=True, eq=False)
class Person:
    """A webcam selfie cropped to head, shoulders and own labeled hands."""

    rgb: np.ndarray  # HxWx3 uint8
    face: np.ndarray  # (4,) float32 xyxy in ``rgb``
    hand_boxes: np.ndarray  # (K, 4) float32 xyxy in ``rgb``: every visible hand, labeled
    fingers: tuple[int, ...]  # per hand box
    file: str


def load_people(photos: Sequence[LabeledPhoto], min_score: float = 0.6) -> list[Person]:
    """People for group scenes from the ``hands_`` webcam photos that show a face.

    Their own hands stay in the picture and become ground truth, so photos with an unlabeled hand
    (a box without a count) are left out. Faces come from MediaPipe's full-range face detector,
    which ships in the pinned wheel.
    """
    import mediapipe as mp  # only here: the rest of the module must work without the models

    people: list[Person] = []
    with mp.solutions.face_detection.FaceDetection(
        model_selection=1, min_detection_confidence=min_score
    ) as detector:
        for photo in photos:
            if photo.source != "hands" or not photo.boxes:
                continue
            if any(b.fingers is None for b in photo.boxes):
                continue
            rgb = _read_rgb(photo.path)
            h, w = rgb.shape[:2]
            result = detector.process(rgb)
            best = None
            for det in result.detections or ():
                rb = det.location_data.relative_bounding_box
                face = np.array(
                    [rb.xmin * w, rb.ymin * h, (rb.xmin + rb.width) * w, (rb.ymin + rb.height) * h],
                    dtype=np.float32,
                )
                if face[0] < 0 or face[1] < 0 or face[2] > w or face[3] > h:
                    continue  # a face cut by the frame makes a headless person
                if best is None or det.score[0] > best[0]:
                    best = (det.score[0], face)
            if best is None:
                continue
            face = best[1]
            fw, fh = face[2] - face[0], face[3] - face[1]
            hands = np.stack([b.xyxy for b in photo.boxes]).astype(np.float32)
            margin = 0.08 * np.max(hands[:, 2:] - hands[:, :2], axis=1, keepdims=True)
            region = np.array(
                [
                    min(face[0] - 1.7 * fw, *(hands[:, 0] - margin[:, 0])),
                    min(face[1] - 0.5 * fh, *(hands[:, 1] - margin[:, 0])),
                    max(face[2] + 1.7 * fw, *(hands[:, 2] + margin[:, 0])),
                    max(face[3] + 2.6 * fh, *(hands[:, 3] + margin[:, 0])),
                ]
            )
            x0, y0 = int(max(0, region[0])), int(max(0, region[1]))
            x1, y1 = int(min(w, math.ceil(region[2]))), int(min(h, math.ceil(region[3])))
            shift = np.array([x0, y0, x0, y0], dtype=np.float32)
            people.append(
                Person(
                    rgb=np.ascontiguousarray(rgb[y0:y1, x0:x1]),
                    face=face - shift,
                    hand_boxes=hands - shift,
                    fingers=tuple(int(b.fingers) for b in photo.boxes if b.fingers is not None),
                    file=photo.file,
                )
            )
    return people


_DEFAULT_PEOPLE: list[Person] | None = None


def default_people() -> list[Person]:
    """People from the held-out ``hands_`` photos (computed once per process)."""
    global _DEFAULT_PEOPLE
    if _DEFAULT_PEOPLE is None:
        photos = [p for p in load_handset() if p.heldout and p.source == "hands"]
        _DEFAULT_PEOPLE = load_people(photos)
    return _DEFAULT_PEOPLE


def default_backgrounds(min_side: int = 360) -> list[Path]:
    """The campaign-material training photos big enough to stretch to a scene.

    Upscaling a 1280 px photo twice is fine for a background; the 174 px flag thumbnails are not.
    Some show crowds whose own small hands are not in any answer key (see the module notes).
    """
    base = shared_dir()
    if base is None:
        raise FileNotFoundError("../shared/train/material not found")
    out = []
    for path in sorted((base / "train" / "material" / "images" / "train").glob("*.jpg")):
        with Image.open(path) as im:
            if min(im.size) >= min_side:
                out.append(path)
    return out


# --------------------------------------------------------------------------------------------------
# scenes


@dataclass(frozen=True, eq=False)
class PastedHand:
    box: np.ndarray  # (4,) float32 xyxy in scene pixels: the hand (not forearm)
    fingers: int
    file: str
    origin: str = "pasted"  # "pasted" (a cutout) | "person" (a group-scene person's own hand)

    @property
    def size(self) -> float:
        """Longest side of the box: the size the benchmark reports by."""
        return float(max(self.box[2] - self.box[0], self.box[3] - self.box[1]))


@dataclass(frozen=True, eq=False)
class HandScene:
    image: np.ndarray  # HxWx3 uint8 RGB
    hands: tuple[PastedHand, ...]
    kind: str  # "background" | "group"
    background: str = ""  # file name of the background photo


class Canvas:
    """The scene being built, and every ground-truth box on it so far.

    Layers are only ever added on top; a layer that would hide part of a ground-truth hand is
    refused (``fits``), so every hand in the answer key stays visible to the end.
    """

    def __init__(self, image: np.ndarray) -> None:
        self.image = image
        self.hands: list[PastedHand] = []

    @property
    def boxes(self) -> np.ndarray:
        if not self.hands:
            return np.zeros((0, 4), dtype=np.float32)
        return np.stack([h.box for h in self.hands])

    def inside(self, box: np.ndarray, margin: float = 2.0) -> bool:
        h, w = self.image.shape[:2]
        return bool(
            box[0] >= margin and box[1] >= margin and box[2] <= w - margin and box[3] <= h - margin
        )

    def fits(self, layer: np.ndarray, x0: int, y0: int, keep_clear: Sequence[np.ndarray]) -> bool:
        """Whether the layer's alpha leaves every existing hand (and ``keep_clear`` box) visible."""
        lh, lw = layer.shape[:2]
        for box in [*self.boxes, *keep_clear]:
            bx0, by0 = math.floor(box[0]), math.floor(box[1])
            bx1, by1 = math.ceil(box[2]), math.ceil(box[3])
            ix0, iy0 = max(bx0, x0), max(by0, y0)
            ix1, iy1 = min(bx1, x0 + lw), min(by1, y0 + lh)
            if ix0 >= ix1 or iy0 >= iy1:
                continue
            covered = (layer[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0, 3] > 0.1).sum()
            if covered > _MAX_COVER * max(1, (bx1 - bx0) * (by1 - by0)):
                return False
        return True

    def region(self, layer: np.ndarray, x0: int, y0: int) -> tuple[Any, Any] | None:
        """Index expressions (scene, layer) of the part of a layer at (x0, y0) inside the scene."""
        h, w = self.image.shape[:2]
        lh, lw = layer.shape[:2]
        ix0, iy0, ix1, iy1 = max(0, x0), max(0, y0), min(w, x0 + lw), min(h, y0 + lh)
        if ix0 >= ix1 or iy0 >= iy1:
            return None
        return np.s_[iy0:iy1, ix0:ix1], np.s_[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0]

    def luminance_under(self, layer: np.ndarray, x0: int, y0: int) -> float:
        reg = self.region(layer, x0, y0)
        if reg is None:
            return 128.0
        dst, src = reg
        a = layer[src][..., 3]
        under = self.image[dst].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
        return float((under * a).sum() / max(a.sum(), 1e-6))

    def paste(self, layer: np.ndarray, x0: int, y0: int) -> None:
        """Composite a premultiplied float RGBA layer (0..255 colour, 0..1 alpha)."""
        reg = self.region(layer, x0, y0)
        if reg is None:
            return
        dst, src = reg
        piece = layer[src]
        under = self.image[dst].astype(np.float32)
        out = piece[..., :3] + under * (1.0 - piece[..., 3:4])
        self.image[dst] = np.clip(out + 0.5, 0, 255).astype(np.uint8)


def load_background(path: Path, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """The photo scaled to cover the scene, a little more for a random crop."""
    rgb = _read_rgb(path)
    width, height = size
    h, w = rgb.shape[:2]
    s = max(width / w, height / h) * rng.uniform(1.0, 1.15)
    nw, nh = max(width, round(w * s)), max(height, round(h * s))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    big = cv2.resize(rgb, (nw, nh), interpolation=interp)
    x0 = int(rng.integers(0, nw - width + 1))
    y0 = int(rng.integers(0, nh - height + 1))
    return np.ascontiguousarray(big[y0 : y0 + height, x0 : x0 + width])


def _add_sleeve(
    rgba: np.ndarray, hand_alpha: np.ndarray, arm: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Continue the cutout's forearm with a coloured sleeve drawn under it.

    Why: a cut-off forearm floating in a facade is an easy "not a hand" cue for nobody but is an
    unnatural edge for the palm detector; real raised hands come out of a sleeve. Returns the
    grown premultiplied RGBA, the grown hand-only alpha and the offset of the old canvas in it.
    """
    wrist, end, width = arm[:2], arm[2:4], float(arm[4])
    direction = end - wrist
    norm = float(np.linalg.norm(direction))
    if norm < 1e-3:
        return rgba, hand_alpha, np.zeros(2, np.float32)
    direction /= norm
    hand_len = max(rgba.shape[:2])
    start = wrist + 0.55 * (end - wrist)
    stop = end + direction * rng.uniform(0.4, 1.0) * hand_len
    half = 0.5 * width * rng.uniform(1.2, 1.5)
    normal = np.array([-direction[1], direction[0]], dtype=np.float32)
    poly = np.array(
        [start + normal * half, stop + normal * half, stop - normal * half, start - normal * half]
    )
    h, w = rgba.shape[:2]
    lo = np.floor(np.minimum(poly.min(axis=0), 0)).astype(int)
    hi = np.ceil(np.maximum(poly.max(axis=0), [w, h])).astype(int)
    gw, gh = hi - lo
    grown = np.zeros((gh, gw, 4), np.float32)
    grown_hand = np.zeros((gh, gw), np.float32)
    ox, oy = -lo
    grown[oy : oy + h, ox : ox + w] = rgba
    grown_hand[oy : oy + h, ox : ox + w] = hand_alpha

    mask = np.zeros((gh * 4, gw * 4), np.uint8)  # 4x supersampled for smooth edges
    cv2.fillPoly(mask, [np.round((poly - lo) * 4).astype(np.int32)], (255,), lineType=cv2.LINE_AA)
    sleeve_a = cv2.resize(mask, (gw, gh), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    yy, xx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    rel_x, rel_y = xx - (start[0] - lo[0]), yy - (start[1] - lo[1])
    along = (rel_x * direction[0] + rel_y * direction[1]) / max(
        float(np.linalg.norm(stop - start)), 1
    )
    across = (rel_x * normal[0] + rel_y * normal[1]) / max(half, 1)
    sleeve_a *= np.clip((1.0 - along) / 0.3, 0, 1)  # fade into the body at the far end
    colour = _SLEEVE_COLOURS[rng.integers(len(_SLEEVE_COLOURS))] * rng.uniform(0.8, 1.15)
    shade = 1.0 - 0.35 * np.clip(np.abs(across), 0, 1) ** 2  # a cylinder is darker at its sides
    noise = rng.normal(0, 5.0, (gh, gw)).astype(np.float32)
    sleeve_rgb = np.clip(colour[None, None, :] * shade[..., None] + noise[..., None], 0, 255)
    a = grown[..., 3:4]
    grown[..., :3] = grown[..., :3] + sleeve_rgb * sleeve_a[..., None] * (1 - a)
    grown[..., 3:4] = a + sleeve_a[..., None] * (1 - a)
    return grown, grown_hand, np.array([ox, oy], np.float32)


def _render_hand(
    cut: HandCutout, size: float, angle: float, sleeve: bool, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The cutout rotated, scaled so its hand box's longest side is ``size``, lightly blurred.

    Rotation comes first and the scale is taken from the rotated hand box, so the size the scene
    reports is the size drawn. Returns a premultiplied float RGBA layer and the hand box in it.
    """
    rgba = cut.rgba.astype(np.float32)
    rgba[..., 3] /= 255.0
    rgba[..., :3] *= rgba[..., 3:4]
    hand_alpha = rgba[..., 3] * _box_window((rgba.shape[0], rgba.shape[1]), cut.hand_box, 0.5)
    pivot = 0.5 * (cut.hand_box[:2] + cut.hand_box[2:])
    if sleeve and cut.arm is not None:
        rgba, hand_alpha, offset = _add_sleeve(rgba, hand_alpha, cut.arm, rng)
        pivot = pivot + offset
    h, w = rgba.shape[:2]
    m = np.asarray(cv2.getRotationMatrix2D((float(pivot[0]), float(pivot[1])), angle, 1.0))
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float32) @ m.T
    lo = np.floor(corners.min(axis=0))
    hi = np.ceil(corners.max(axis=0))
    m[:, 2] = m[:, 2] - lo
    rw, rh = int(hi[0] - lo[0]), int(hi[1] - lo[1])
    rot = cv2.warpAffine(rgba, m, (rw, rh), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
    rot_hand = cv2.warpAffine(hand_alpha, m, (rw, rh), flags=cv2.INTER_LINEAR)
    box = _bbox(rot_hand > 0.5) if (rot_hand > 0.5).any() else _bbox(rot_hand > 0)
    f = size / float(max(box[2] - box[0], box[3] - box[1]))
    nw, nh = max(1, round(rw * f)), max(1, round(rh * f))
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR
    layer = cv2.resize(rot, (nw, nh), interpolation=interp)
    box = box * np.array([nw / rw, nh / rh, nw / rw, nh / rh], dtype=np.float32)
    layer = cv2.GaussianBlur(layer, (0, 0), rng.uniform(0.3, 0.8))
    layer[..., 3] = np.clip(layer[..., 3], 0, 1)
    return layer, box


def _match_brightness(layer: np.ndarray, target: float) -> np.ndarray:
    """Nudge the layer's mean luminance a quarter of the way (in log) toward what it covers."""
    a = layer[..., 3]
    if a.sum() < 1:
        return layer
    lum = (layer[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)).sum() / a.sum()
    gain = float(np.clip((max(target, 1.0) / max(lum, 1.0)) ** 0.25, 0.8, 1.25))
    out = layer.copy()
    out[..., :3] = np.minimum(out[..., :3] * gain, 255.0 * a[..., None])
    return out


def _try_paste_hand(
    canvas: Canvas,
    cut: HandCutout,
    size: float,
    rng: np.random.Generator,
    sleeve: bool,
    centres: Sequence[tuple[float, float]],
    keep_clear: Sequence[np.ndarray] = (),
) -> bool:
    """Paste at the first candidate centre where the hand is inside and hides no other hand."""
    layer, box = _render_hand(cut, size, rng.uniform(-30, 30), sleeve, rng)
    bw, bh = box[2] - box[0], box[3] - box[1]
    for cx, cy in centres:
        x0, y0 = round(cx - box[0] - bw / 2), round(cy - box[1] - bh / 2)
        placed = box + np.array([x0, y0, x0, y0], dtype=np.float32)
        if not canvas.inside(placed):
            continue
        # keep a gap of a fifth of a hand to other hands, so boxes never touch
        pad = 0.2 * size
        grown = placed + np.array([-pad, -pad, pad, pad], dtype=np.float32)
        if len(canvas.hands) and box_iou(grown[None], canvas.boxes).max() > 0:
            continue
        if not canvas.fits(layer, x0, y0, keep_clear):
            continue
        layer = _match_brightness(layer, canvas.luminance_under(layer, x0, y0))
        canvas.paste(layer, x0, y0)
        canvas.hands.append(PastedHand(placed, cut.fingers, cut.file, "pasted"))
        return True
    return False


def _random_centres(rng: np.random.Generator, size: tuple[int, int], n: int) -> list:
    width, height = size
    return [(rng.uniform(0, width), rng.uniform(0, height)) for _ in range(n)]


def render_person(person: Person, face_px: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The person scaled to a face ``face_px`` tall, with a soft head-and-shoulders alpha.

    The alpha is two ellipses (head, torso) plus the own hand boxes, feathered, so the webcam room
    behind the person fades into the scene. Returns the premultiplied layer, face box and hand
    boxes in it.
    """
    s = face_px / float(person.face[3] - person.face[1])
    h, w = person.rgb.shape[:2]
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    rgb = cv2.resize(
        person.rgb, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    )
    sx, sy = nw / w, nh / h
    scale = np.array([sx, sy, sx, sy], dtype=np.float32)
    face = person.face * scale
    hands = person.hand_boxes * scale
    fw, fh = face[2] - face[0], face[3] - face[1]
    fcx, fcy = 0.5 * (face[0] + face[2]), 0.5 * (face[1] + face[3])
    shape = np.zeros((nh, nw), np.uint8)
    head = ((float(fcx), float(fcy - 0.1 * fh)), (float(1.5 * fw), float(1.9 * fh)), 0.0)
    torso = ((float(fcx), float(face[3] + 1.6 * fh)), (float(4.2 * fw), float(3.8 * fh)), 0.0)
    cv2.ellipse(shape, head, (255,), -1)
    cv2.ellipse(shape, torso, (255,), -1)
    for hb in hands:
        m = 0.06 * max(hb[2] - hb[0], hb[3] - hb[1])
        top_left = (int(hb[0] - m), int(hb[1] - m))
        cv2.rectangle(shape, top_left, (math.ceil(hb[2] + m), math.ceil(hb[3] + m)), (255,), -1)
    alpha = shape.astype(np.float32) / 255.0
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(1.0, 0.12 * float(fw))).astype(np.float32)
    # the crop ends mid-torso and wherever the webcam frame ended: fade it rather than cut it
    inner = np.array([0, 0, nw, nh], dtype=np.float32)
    inner += np.array([1, 1, -1, -1], dtype=np.float32) * 0.06 * max(nw, nh)
    alpha *= _box_window((nh, nw), inner, 0.06 * max(nw, nh))
    for hb in hands:  # ...but never fade a labeled hand
        x0, y0 = int(max(0, hb[0])), int(max(0, hb[1]))
        x1, y1 = int(min(nw, math.ceil(hb[2]))), int(min(nh, math.ceil(hb[3])))
        alpha[y0:y1, x0:x1] = 1.0
    layer = np.dstack([rgb.astype(np.float32) * alpha[..., None], alpha])
    return layer, face, hands


def _group_scene(
    rng: np.random.Generator,
    canvas: Canvas,
    cutouts: Sequence[HandCutout],
    people: Sequence[Person],
    hand_px: tuple[float, float],
    n: int,
) -> None:
    """A row or two of people side by side, back row (smaller faces) higher, with raised hands.

    Each pasted hand belongs to a person whose face fits its size (``_FACE_PER_HAND``), since the
    search crops around faces and relies on that relation; one to three extra people bring only
    their own hands. People may overlap each other but never hide a hand.
    """
    height, width = canvas.image.shape[:2]
    sizes = np.sort(rng.uniform(hand_px[0], hand_px[1], n))
    plan: list[tuple[float, list[float]]] = []
    i = 0
    while i < n:
        take = 2 if i + 1 < n and rng.random() < 0.3 else 1
        group = [float(x) for x in sizes[i : i + take]]
        plan.append((float(np.mean(group)) * rng.uniform(*_FACE_PER_HAND), group))
        i += take
    for _ in range(int(rng.integers(1, 4))):
        plan.append((rng.uniform(hand_px[0], hand_px[1]) * rng.uniform(*_FACE_PER_HAND), []))
    plan.sort(key=lambda p: p[0])
    rows = 2 if len(plan) > 3 and rng.random() < 0.7 else 1
    row_y = [height * rng.uniform(0.3, 0.42), height * rng.uniform(0.55, 0.68)]
    if rows == 1:
        row_y = [height * rng.uniform(0.35, 0.6)]
    cursor = [width * rng.uniform(0.03, 0.4) for _ in row_y]
    leftovers: list[float] = []
    for k, (face_px, hand_sizes) in enumerate(plan):
        row = min(rows - 1, k * rows // len(plan))
        person = people[int(rng.integers(len(people)))]
        layer, face, own = render_person(person, face_px)
        fcx, fcy = 0.5 * (face[0] + face[2]), 0.5 * (face[1] + face[3])
        tile_w = layer.shape[1]
        placed_at = None
        for attempt in range(40):
            if attempt < 10:  # next to the previous person of the row, shifting right if blocked
                cx = cursor[row] + (0.3 + 0.15 * attempt) * tile_w
                cy = row_y[row] + rng.normal(0, 0.3 * face_px)
            else:  # the row is full or blocked: anywhere
                cx = rng.uniform(0.03, 0.97) * width
                cy = rng.uniform(0.2, 0.75) * height
            x0, y0 = round(cx - fcx), round(cy - fcy)
            shift = np.array([x0, y0, x0, y0], dtype=np.float32)
            if not all(canvas.inside(b + shift) for b in own):
                continue
            if not canvas.inside(face + shift, 0.0):
                continue
            if not canvas.fits(layer, x0, y0, ()):
                continue
            if len(canvas.hands) and len(own) and box_iou(own + shift, canvas.boxes).max() > 0:
                continue
            placed_at = (x0, y0, shift)
            if attempt < 10:
                cursor[row] = cx + 0.3 * tile_w
            break
        if placed_at is None:
            leftovers.extend(hand_sizes)
            continue
        x0, y0, shift = placed_at
        canvas.paste(layer, x0, y0)
        for b, fingers in zip(own, person.fingers):
            canvas.hands.append(PastedHand(b + shift, fingers, person.file, "person"))
        face_s = face + shift
        fw, fh = face_s[2] - face_s[0], face_s[3] - face_s[1]
        fx, fy = 0.5 * (face_s[0] + face_s[2]), 0.5 * (face_s[1] + face_s[3])
        sides = [-1, 1] if len(hand_sizes) == 2 else [int(rng.choice([-1, 1]))]
        for size, side in zip(hand_sizes, sides):
            # beside the head, raised; the other side, then lower (a hand at the chest), if blocked
            centres = [
                (
                    fx + sgn * (rng.uniform(0.8, 2.0) * fw + 0.4 * size),
                    fy + rng.uniform(lo, hi) * fh,
                )
                for sgn, lo, hi in ((side, -1.2, 0.4), (-side, -1.2, 0.4), (side, 0.4, 2.0))
                for _ in range(20)
            ]
            cut = cutouts[int(rng.integers(len(cutouts)))]
            if not _try_paste_hand(canvas, cut, size, rng, rng.random() < 0.8, centres, [face_s]):
                leftovers.append(size)
    for size in leftovers:  # nobody had room: the hand goes anywhere, like a background scene
        cut = cutouts[int(rng.integers(len(cutouts)))]
        centres = _random_centres(rng, (width, height), 100)
        _try_paste_hand(canvas, cut, size, rng, rng.random() < 0.6, centres)


def make_scene(
    rng: np.random.Generator,
    cutouts: Sequence[HandCutout],
    backgrounds: Sequence[Path],
    kind: str,
    size: tuple[int, int] = (2400, 1600),
    hand_px: tuple[float, float] = (15, 80),
    n_hands: tuple[int, int] = (3, 8),
    people: Sequence[Person] | None = None,
) -> HandScene:
    """One benchmark scene: ``size`` is (width, height); ``n_hands`` counts the pasted hands.

    A hand that finds no free place (other hands in the way) is dropped rather than allowed to
    hide another, so a scene may hold fewer than ``n_hands[0]`` pasted hands. Group scenes also
    hold the people's own hands (``origin="person"``), whose size follows their face, not
    ``hand_px``. ``people`` defaults to :func:`default_people`.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if not cutouts:
        raise ValueError("no hand cutouts to paste")
    if not backgrounds:
        raise ValueError("no background photos")
    if not 0 < hand_px[0] <= hand_px[1]:
        raise ValueError(f"hand_px must be 0 < low <= high, got {hand_px}")
    if not 0 <= n_hands[0] <= n_hands[1]:
        raise ValueError(f"n_hands must be 0 <= low <= high, got {n_hands}")
    width, height = int(size[0]), int(size[1])
    if hand_px[1] * 2 > min(width, height):
        raise ValueError(f"a {width}x{height} scene is too small for {hand_px[1]} px hands")
    bg_path = Path(backgrounds[int(rng.integers(len(backgrounds)))])
    canvas = Canvas(load_background(bg_path, (width, height), rng))
    n = int(rng.integers(n_hands[0], n_hands[1] + 1))
    if kind == "group":
        if people is None:
            people = default_people()
        if not people:
            raise ValueError("no people for a group scene")
        _group_scene(rng, canvas, cutouts, people, hand_px, n)
    else:
        for _ in range(n):
            cut = cutouts[int(rng.integers(len(cutouts)))]
            hand = float(rng.uniform(hand_px[0], hand_px[1]))
            centres = _random_centres(rng, (width, height), 100)
            _try_paste_hand(canvas, cut, hand, rng, rng.random() < 0.6, centres)
    return HandScene(canvas.image, tuple(canvas.hands), kind, bg_path.name)


# --------------------------------------------------------------------------------------------------
# scoring


def size_bucket(px: float) -> str:
    """The benchmark's size classes; 32 and 64 belong to the middle one."""
    if px < 32:
        return "<32"
    if px <= 64:
        return "32-64"
    return ">64"


@dataclass(frozen=True, eq=False)
class Predicted:
    box: np.ndarray  # (4,) xyxy in scene pixels
    fingers: int  # -1 when the detector does not count
    score: float = 1.0


def _longest(boxes: np.ndarray) -> np.ndarray:
    return np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])


def score_scene(scene: HandScene, predicted: Sequence[Predicted], iou: float = 0.3) -> list[dict]:
    """One row per ground-truth hand: was it found, and was its finger count right.

    Matching is greedy, best IoU first (ties: higher score). A pair with a low IoU still matches
    when the predicted box's centre lies in the ground-truth box and their sizes agree within 2x:
    MediaPipe boxes are landmark extents (fingertips to wrist), our boxes are mask extents, and
    for a fist or a tilted hand the two overlap less than 0.3 although they are the same hand.
    """
    rows: list[dict[str, Any]] = []
    gts = scene.hands
    if not gts:
        return rows
    gt = np.stack([h.box for h in gts]).astype(np.float32)
    pairs: list[tuple[float, float, int, int]] = []
    if len(predicted):
        pb = np.stack([np.asarray(p.box, np.float32).reshape(4) for p in predicted])
        ious = box_iou(gt, pb)
        centres = 0.5 * (pb[:, :2] + pb[:, 2:])
        inside = (
            (centres[None, :, 0] >= gt[:, None, 0])
            & (centres[None, :, 0] <= gt[:, None, 2])
            & (centres[None, :, 1] >= gt[:, None, 1])
            & (centres[None, :, 1] <= gt[:, None, 3])
        )
        ratio = _longest(gt)[:, None] / np.maximum(_longest(pb)[None, :], 1e-6)
        ok = (ious >= iou) | (inside & (ratio <= 2.0) & (ratio >= 0.5))
        for g, p in zip(*np.nonzero(ok)):
            pairs.append((float(ious[g, p]), float(predicted[p].score), int(g), int(p)))
    pairs.sort(key=lambda t: (-t[0], -t[1], t[2], t[3]))
    match: dict[int, int] = {}
    used: set[int] = set()
    for _, _, g, p in pairs:
        if g in match or p in used:
            continue
        match[g] = p
        used.add(p)
    for g, hand in enumerate(gts):
        p = match.get(g)
        pred_fingers = None if p is None else int(predicted[p].fingers)
        rows.append(
            {
                "bucket": size_bucket(hand.size),
                "size": round(hand.size, 2),
                "found": p is not None,
                "count_ok": pred_fingers is not None and pred_fingers == hand.fingers,
                "fingers": int(hand.fingers),
                "pred_fingers": pred_fingers,
                "file": hand.file,
                "origin": hand.origin,
                "kind": scene.kind,
            }
        )
    return rows


def summarize(rows: Sequence[dict]) -> dict[str, dict[str, Any]]:
    """Recall and count accuracy per size bucket, plus ``"all"``.

    ``count_acc`` counts correct readings among all hands of the bucket (what a user gets),
    ``count_acc_found`` among the hands that were found (how good the finger logic is on what the
    detector saw). Ratios of an empty bucket are None, which JSON writes as null.
    """
    out: dict[str, dict[str, Any]] = {}
    for bucket in (*BUCKETS, "all"):
        sel = [r for r in rows if bucket == "all" or r["bucket"] == bucket]
        n = len(sel)
        found = sum(bool(r["found"]) for r in sel)
        correct = sum(bool(r["count_ok"]) for r in sel)
        out[bucket] = {
            "n": n,
            "recall": found / n if n else None,
            "count_acc": correct / n if n else None,
            "count_acc_found": correct / found if found else None,
        }
    return out
