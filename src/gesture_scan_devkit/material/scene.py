"""Scenes put together: banners, flags, people and look-alikes placed in perspective on a
background, with the box policy, then the camera's blur, noise and JPEG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from gesture_scan.errors import ConfigError

from . import canvas
from .art import BANNER_KINDS, FASCIA, KIND_ASPECT, flag_art, render_banner
from .backgrounds import neg_panel, neg_tiles, neg_window, sample_background
from .canvas import (
    RGB,
    Box,
    _cloth,
    _hsv,
    _jitter,
    _noise,
    _pick,
    _u,
    _wave,
    draw_text,
    logu,
    pick_w,
    weather,
)
from .labels import BANNER, FLAG, MIN_BOX_PX, SIGNBOARD, SynthScene
from .negatives import neg_door, neg_screen, neg_sign
from .people import _person

_MIN_VISIBLE_FRACTION = 0.12
_MIN_VISIBLE_PX = 40
_FULL_BOX_VISIBLE_FRACTION = 0.5


# --------------------------------------------------------------------------------------------
# compositing with occlusion bookkeeping


@dataclass
class _Obj:
    cls: int
    seq: int  # paste number that owns its pixels in SceneBuilder.seq; 0 = a background box
    x0: int
    y0: int
    mask: np.ndarray  # its own pixels (bool) inside its in-image bounding box


class SceneBuilder:
    """Pastes layers onto a background and keeps, per pixel, which paste is on top, so the final
    boxes follow the module's occlusion policy whatever order things were drawn in."""

    def __init__(self, image: np.ndarray):
        if image.ndim != 3 or image.shape[2] != 3:
            raise ConfigError("image", f"expected HxWx3 RGB, got shape {image.shape}")
        self.image = np.ascontiguousarray(image, dtype=np.uint8).copy()
        self.h, self.w = self.image.shape[:2]
        self.seq = np.zeros((self.h, self.w), np.int32)
        self._next = 1
        self.objects: list[_Obj] = []

    @property
    def size(self) -> tuple[int, int]:
        return self.w, self.h

    def boxes_so_far(self, cls: int | None = None) -> list[Box]:
        out = []
        for o in self.objects:
            if cls is None or o.cls == cls:
                mh, mw = o.mask.shape
                out.append((float(o.x0), float(o.y0), float(o.x0 + mw), float(o.y0 + mh)))
        return out

    def is_free(self, box: Box, max_overlap: float = 0.3) -> bool:
        """Whether ``box`` would hide (or be hidden by) at most ``max_overlap`` of a labeled
        object: real scenes have some overlap, but not piles of banners on banners."""
        x0, y0, x1, y1 = box
        for bx0, by0, bx1, by1 in self.boxes_so_far():
            iw = min(x1, bx1) - max(x0, bx0)
            ih = min(y1, by1) - max(y0, by0)
            if iw <= 0 or ih <= 0:
                continue
            inter = iw * ih
            small = min((x1 - x0) * (y1 - y0), (bx1 - bx0) * (by1 - by0))
            if inter > max_overlap * max(small, 1e-6):
                return False
        return True

    def add_existing(self, box: Sequence[float], cls: int) -> None:
        """A box the background photo already had: it is 'seen' wherever no paste covers it."""
        x0, y0 = max(0, round(box[0])), max(0, round(box[1]))
        x1, y1 = min(self.w, round(box[2])), min(self.h, round(box[3]))
        if x1 - x0 < 1 or y1 - y0 < 1:
            return
        self.objects.append(_Obj(int(cls), 0, x0, y0, np.ones((y1 - y0, x1 - x0), bool)))

    def paste(
        self, rgb: np.ndarray, alpha: np.ndarray | None, x: int, y: int, cls: int | None = None
    ) -> bool:
        """Alpha-blend a patch with its top-left at (x, y); ``cls`` None marks an unlabeled layer
        (occluder, negative). Returns whether any of it landed in the image."""
        ph, pw = rgb.shape[:2]
        ix0, iy0 = max(0, x), max(0, y)
        ix1, iy1 = min(self.w, x + pw), min(self.h, y + ph)
        if ix1 <= ix0 or iy1 <= iy0:
            return False
        sub = rgb[iy0 - y : iy1 - y, ix0 - x : ix1 - x]
        region = self.image[iy0:iy1, ix0:ix1]
        if alpha is None:
            region[:] = sub
            opaque = np.ones(sub.shape[:2], bool)
        else:
            a = alpha[iy0 - y : iy1 - y, ix0 - x : ix1 - x]
            af = a[..., None]
            blended = region.astype(np.float32) + (sub.astype(np.float32) - region) * af
            region[:] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
            opaque = a > 0.5
        seq = self._next
        self._next += 1
        self.seq[iy0:iy1, ix0:ix1][opaque] = seq
        if cls is not None:
            rows = np.flatnonzero(opaque.any(1))
            cols = np.flatnonzero(opaque.any(0))
            if len(rows) == 0:
                return False
            m = opaque[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
            self.objects.append(
                _Obj(int(cls), seq, ix0 + int(cols[0]), iy0 + int(rows[0]), m.copy())
            )
        return True

    def paste_quad(
        self,
        rgb: np.ndarray,
        alpha: np.ndarray | None,
        quad: np.ndarray,
        cls: int | None = None,
        blur: float = 0.0,
    ) -> np.ndarray:
        """Warp a flat patch onto the image quadrilateral ``quad`` (TL, TR, BR, BL); returns the
        3x3 map from patch to image pixels so callers can attach poles and ropes to it.
        ``blur`` (sigma, px) softens crisp artwork to the focus of the photo it lands in."""
        h, w = rgb.shape[:2]
        quad = np.asarray(quad, np.float32)
        src = _corners(w, h)
        qx0, qy0 = np.floor(quad.min(0)).astype(int) - 1
        qx1, qy1 = np.ceil(quad.max(0)).astype(int) + 1
        # only warp what can land in the image
        cx0, cy0 = max(qx0, -2), max(qy0, -2)
        cx1, cy1 = min(qx1, self.w + 2), min(qy1, self.h + 2)
        m_full = cv2.getPerspectiveTransform(src, quad)
        if cx1 <= cx0 or cy1 <= cy0:
            return m_full
        qw = float(np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])) / 2
        qh = float(np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])) / 2
        if w > 1.6 * qw and h > 1.6 * qh and qw > 2 and qh > 2:  # shrink first: warp alone aliases
            nw, nh = max(2, int(qw * 1.2)), max(2, int(qh * 1.2))
            rgb = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
            if alpha is not None:
                alpha = cv2.resize(alpha, (nw, nh), interpolation=cv2.INTER_AREA)
            src = _corners(nw, nh)
        shift = np.array([[1, 0, -cx0], [0, 1, -cy0], [0, 0, 1]], np.float64)
        m = shift @ cv2.getPerspectiveTransform(src, quad)
        size = (int(cx1 - cx0), int(cy1 - cy0))
        warped = cv2.warpPerspective(
            rgb, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        a_src = np.ones(rgb.shape[:2], np.float32) if alpha is None else alpha.astype(np.float32)
        a = cv2.warpPerspective(
            a_src, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0,)
        )
        if blur > 0.2:
            warped = cv2.GaussianBlur(warped, (0, 0), blur)
            a = cv2.GaussianBlur(a, (0, 0), blur)
        self.paste(warped, a, int(cx0), int(cy0), cls)
        return m_full

    def line(self, p0: Sequence[float], p1: Sequence[float], colour: RGB, width: float) -> None:
        """Poles, legs, ropes, sticks: drawn in front of what is there, never labeled."""
        t = max(1, round(width))
        a = (round(p0[0]), round(p0[1]))
        b = (round(p1[0]), round(p1[1]))
        cv2.line(self.image, a, b, tuple(int(c) for c in colour), t, cv2.LINE_AA)
        cv2.line(self.seq, a, b, (self._next,), t, cv2.LINE_8)
        self._next += 1

    def add_banner(
        self, rng: np.random.Generator, kind: str | None = None, width_frac: float | None = None
    ) -> bool:
        """Put one banner (artwork, mount, perspective, weathering) somewhere free."""
        return _add_banner(self, rng, kind, width_frac) is not None

    def add_flag(self, rng: np.random.Generator, width_frac: float | None = None) -> None:
        """Put one waving flag on its pole somewhere in the image."""
        fw = (width_frac if width_frac is not None else logu(rng, 0.05, 0.4)) * self.w
        x = _u(rng, 0.02 * self.w, max(0.02 * self.w, 0.98 * self.w - fw))
        y = _u(rng, 0.05, 0.5) * self.h
        _add_flag(self, rng, fw, (x, y))

    def labels(self) -> tuple[np.ndarray, np.ndarray]:
        """Boxes by the module's policy: full extent while at least half is visible, else the
        visible part, else nothing."""
        boxes, classes = [], []
        for o in self.objects:
            mh, mw = o.mask.shape
            area = int(o.mask.sum())
            if area == 0:
                continue
            vis = o.mask & (self.seq[o.y0 : o.y0 + mh, o.x0 : o.x0 + mw] == o.seq)
            nvis = int(vis.sum())
            frac = nvis / area
            if frac >= _FULL_BOX_VISIBLE_FRACTION:
                m = o.mask
            elif frac >= _MIN_VISIBLE_FRACTION and nvis >= _MIN_VISIBLE_PX:
                m = vis
            else:
                continue
            rows = np.flatnonzero(m.any(1))
            cols = np.flatnonzero(m.any(0))
            x0, x1 = o.x0 + cols[0], o.x0 + cols[-1] + 1
            y0, y1 = o.y0 + rows[0], o.y0 + rows[-1] + 1
            if x1 - x0 < MIN_BOX_PX or y1 - y0 < MIN_BOX_PX:
                continue
            boxes.append((x0, y0, x1, y1))
            classes.append(o.cls)
        return np.asarray(boxes, np.float32).reshape(-1, 4), np.asarray(classes, np.int64)


# --------------------------------------------------------------------------------------------
# placing things


def _corners(w: float, h: float) -> np.ndarray:
    return np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)


def _quad(
    rng: np.random.Generator, x: float, y: float, w: float, h: float, persp: float
) -> np.ndarray:
    """A w x h rectangle at (x, y) seen slightly from the side/below: one edge shorter, a small
    roll, corner jitter."""
    k = _u(rng, -persp, persp)
    kv = _u(rng, -persp, persp) * 0.4
    hl, hr = h * (1 + k / 2), h * (1 - k / 2)
    wt, wb = w * (1 + kv / 2), w * (1 - kv / 2)
    cx, cy = x + w / 2, y + h / 2
    pts = np.array(
        [
            [cx - wt / 2, cy - hl / 2],
            [cx + wt / 2, cy - hr / 2],
            [cx + wb / 2, cy + hr / 2],
            [cx - wb / 2, cy + hl / 2],
        ],
        np.float32,
    )
    ang = math.radians(float(rng.normal(0, 2.5)))
    rot = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]], np.float32)
    pts = (pts - [cx, cy]) @ rot.T + [cx, cy]
    pts += rng.normal(0, 0.008 * max(w, h), pts.shape).astype(np.float32)
    return pts.astype(np.float32)


def _art_size(target_w: float, aspect: float, cap: int = 720, floor: int = 48) -> tuple[int, int]:
    """Artwork is drawn near the size it will show at (cheap, no wasted detail) but never so
    small that the layout code degenerates."""
    aw = int(min(cap, max(floor, target_w)))
    ah = int(max(8, round(aw / aspect)))
    if ah > cap:
        ah = cap
        aw = int(max(8, round(ah * aspect)))
    return aw, ah


def _place_xy(
    rng: np.random.Generator,
    b: SceneBuilder,
    w: float,
    h: float,
    out_p: float = 0.12,
    y_range: tuple[float, float] = (0.0, 1.0),
):
    """A top-left for a w x h object: inside the image, sometimes hanging over an edge."""
    W, H = b.size
    lo_x, hi_x = (-0.3 * w, W - 0.7 * w) if rng.random() < out_p else (0.0, max(0.0, W - w))
    ymin = y_range[0] * H
    ymax = max(ymin, y_range[1] * H - h)
    return _u(rng, lo_x, max(lo_x, hi_x)), _u(
        rng, min(ymin, max(0.0, H - h)), max(0.0, min(ymax, H - h)) if h < H else 0.0
    )


def _pole_colour(rng: np.random.Generator) -> RGB:
    return _pick(
        rng,
        (
            (150, 150, 155),
            (200, 200, 200),
            (90, 90, 95),
            (150, 120, 70),
            (60, 60, 60),
            (230, 230, 230),
        ),
    )


def _local_light(b: SceneBuilder, rng: np.random.Generator, box: Box) -> float:
    """How bright to print something put at ``box``: a dim room dims the poster in it too."""
    if rng.random() < 0.4:
        return 1.0
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(b.w, int(box[2]) + 1), min(b.h, int(box[3]) + 1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return 1.0
    lum = float(b.image[y0:y1:4, x0:x1:4].mean())
    return float(np.clip((lum / 140.0) ** 0.5, 0.6, 1.15))


def _soft(rng: np.random.Generator) -> float:
    return _u(rng, 0.3, 1.2) if rng.random() < 0.45 else 0.0


def _add_banner(
    b: SceneBuilder,
    rng: np.random.Generator,
    kind: str | None = None,
    width_frac: float | None = None,
    mount: str | None = None,
    at: tuple[float, float] | None = None,
    art: np.ndarray | None = None,
    tries: int = 6,
) -> tuple[np.ndarray, Box] | None:
    W, H = b.size
    kind = kind or pick_w(rng, BANNER_KINDS, (0.28, 0.2, 0.17, 0.1, 0.1, 0.15))
    lo_a, hi_a = KIND_ASPECT[kind]
    aspect = _u(rng, lo_a, hi_a) if art is None else art.shape[1] / art.shape[0]
    lo_w, hi_w = {
        "baliho": (0.07, 0.9),
        "spanduk": (0.15, 0.95),
        "poster": (0.05, 0.4),
        "a3": (0.04, 0.2),
        "backdrop": (0.35, 0.95),
        "commercial": (0.05, 0.8),
    }[kind]
    wf = width_frac if width_frac is not None else logu(rng, lo_w, hi_w)
    pw = wf * W
    ph = pw / aspect
    if ph > 0.92 * H:
        ph = 0.92 * H
        pw = ph * aspect
    if pw < 10 or ph < 6:
        return None
    if mount is None:
        mount = {
            "baliho": pick_w(rng, ("legs", "wall", "roof"), (0.6, 0.3, 0.1)),
            "spanduk": pick_w(rng, ("poles", "trees", "wall", "fence"), (0.45, 0.15, 0.25, 0.15)),
            "poster": pick_w(rng, ("wall", "pole"), (0.8, 0.2)),
            "a3": pick_w(rng, ("wall", "pole"), (0.65, 0.35)),
            "backdrop": "wall",
            "commercial": pick_w(rng, ("wall", "legs", "poles"), (0.6, 0.25, 0.15)),
        }[kind]
    for _ in range(tries):
        if at is not None:
            x, y = at
        else:
            yr = (0.0, 0.75) if mount == "legs" else (0.0, 1.0)
            x, y = _place_xy(rng, b, pw, ph, y_range=yr)
        if at is not None or b.is_free((x, y, x + pw, y + ph)):
            break
    else:
        return None
    if art is None:
        aw, ah = _art_size(pw, aspect)
        art = render_banner(rng, aw, ah, kind)
    art = weather(art, rng, _local_light(b, rng, (x, y, x + pw, y + ph)))
    alpha = None
    cloth = (
        kind == "spanduk"
        or (kind == "backdrop" and rng.random() < 0.4)
        or (mount in ("poles", "trees", "fence") and rng.random() < 0.8)
    )
    if cloth:
        art, alpha = _cloth(art, rng)
    quad = _quad(
        rng,
        x,
        y,
        pw,
        pw / (art.shape[1] / art.shape[0]),
        0.35 if mount in ("wall", "roof") else 0.5,
    )
    pole = _pole_colour(rng)
    tl, tr, br, bl = quad
    span = float(np.linalg.norm(tr - tl))
    hgt = float(np.linalg.norm(bl - tl))
    if mount == "legs":
        leg_w = max(2.0, 0.03 * span)
        length = hgt * _u(rng, 0.4, 1.8)
        for t in (_u(rng, 0.12, 0.25), _u(rng, 0.75, 0.88)):
            p = bl + (br - bl) * t
            b.line((p[0], p[1] - hgt * 0.5), (p[0], p[1] + length), pole, leg_w)
    elif mount in ("poles", "trees"):
        gap = span * _u(rng, 0.02, 0.15)
        colour = (85, 60, 40) if mount == "trees" else pole
        pw_ = max(2.0, span * (0.04 if mount == "trees" else 0.015))
        ground = hgt * _u(rng, 0.8, 3.0)
        for c0, c1, sgn in ((tl, bl, -1), (tr, br, 1)):
            px = float(c0[0]) + sgn * gap
            b.line((px, c0[1] - hgt * _u(rng, 0.2, 0.8)), (px, c1[1] + ground), colour, pw_)
        if mount == "trees":
            for c0, sgn in ((tl, -1), (tr, 1)):
                tx, ty = float(c0[0]) + sgn * gap, float(c0[1]) - hgt * 0.8
                r = span * 0.08
                leaf = _jitter(rng, (50, 100, 45), 20)
                patch = np.empty((int(2 * r) + 1, int(2 * r) + 1, 3), np.uint8)
                patch[:] = leaf
                al = np.zeros(patch.shape[:2], np.float32)
                cv2.circle(al, (int(r), int(r)), int(r), (1.0,), -1, cv2.LINE_AA)
                b.paste(patch, al, int(tx - r), int(ty - r))
    elif mount == "pole":
        x_mid = float((tl[0] + tr[0]) / 2)
        b.line((x_mid, tl[1] - hgt * 2), (x_mid, bl[1] + hgt * 3), pole, max(3.0, span * 0.25))
    elif mount == "fence":
        b.line(
            (bl[0] - span * 0.05, bl[1] + hgt * 0.05),
            (br[0] + span * 0.05, br[1] + hgt * 0.05),
            pole,
            max(2.0, hgt * 0.06),
        )
    b.paste_quad(art, alpha, quad, SIGNBOARD if kind == "commercial" else BANNER, blur=_soft(rng))
    if mount in ("poles", "trees"):
        rope = (60, 55, 50)
        gap = span * 0.06
        for c0, sgn in ((tl, -1), (tr, 1)):
            b.line(c0, (c0[0] + sgn * gap, c0[1] - hgt * 0.05), rope, 1)
    x0, y0 = quad.min(0)
    x1, y1 = quad.max(0)
    return quad, (float(x0), float(y0), float(x1), float(y1))


def _add_flag(
    b: SceneBuilder,
    rng: np.random.Generator,
    width: float,
    top_left: tuple[float, float],
    art: np.ndarray | None = None,
    pole_len: float | None = None,
    hoist_left: bool | None = None,
    pole_w: float | None = None,
) -> Box:
    """A flag waving on a pole; the box is the cloth only."""
    aspect = _u(rng, 1.3, 1.8) if art is None else art.shape[1] / art.shape[0]
    fw, fh = width, width / aspect
    if art is None:
        aw, ah = _art_size(fw, aspect, cap=360, floor=40)
        art = flag_art(rng, aw, ah)
    hoist_left = rng.random() < 0.6 if hoist_left is None else hoist_left
    waved, alpha = _wave(
        weather(
            art,
            rng,
            _local_light(b, rng, (top_left[0], top_left[1], top_left[0] + fw, top_left[1] + fh)),
        ),
        rng,
        _u(rng, 0.04, 0.22),
        _u(rng, 0.6, 2.0),
        hoist_left,
    )
    x, y = top_left
    scale = fw / art.shape[1]
    full_h = waved.shape[0] * scale
    quad = _quad(rng, x, y - (full_h - fh) / 2, fw, full_h, 0.3)
    # foreshortening of waving cloth: the fly end looks shorter than the hoist
    top_i, bot_i = (1, 2) if hoist_left else (0, 3)
    mid = (quad[top_i] + quad[bot_i]) / 2
    k = _u(rng, 0.0, 0.15)
    quad[top_i] += (mid - quad[top_i]) * k
    quad[bot_i] += (mid - quad[bot_i]) * k
    m = cv2.getPerspectiveTransform(_corners(waved.shape[1], waved.shape[0]), quad)
    hx = 0 if hoist_left else waved.shape[1]
    pad = (waved.shape[0] - art.shape[0]) / 2
    ends = cv2.perspectiveTransform(
        np.array([[[hx, pad], [hx, pad + art.shape[0]]]], np.float32), m
    )[0]
    pole_len = fh * _u(rng, 1.5, 4.0) if pole_len is None else pole_len
    pw = max(1.5, fw * 0.035) if pole_w is None else pole_w
    pcol = _pole_colour(rng)
    top = ends[0] - (0, fh * 0.12)
    bottom = ends[0] + (0, pole_len)
    b.line(top, bottom, pcol, pw)
    if rng.random() < 0.5:
        r = max(1, int(pw * 0.9))
        ball = np.empty((2 * r + 1, 2 * r + 1, 3), np.uint8)
        ball[:] = (210, 180, 60) if rng.random() < 0.5 else pcol
        al = np.zeros(ball.shape[:2], np.float32)
        cv2.circle(al, (r, r), r, (1.0,), -1, cv2.LINE_AA)
        b.paste(ball, al, int(top[0] - r), int(top[1] - r))
    b.paste_quad(waved, alpha, quad, FLAG, blur=_soft(rng))
    x0, y0 = quad.min(0)
    x1, y1 = quad.max(0)
    return float(x0), float(y0), float(x1), float(y1)


def _add_umbul(
    b: SceneBuilder, rng: np.random.Generator, height: float, x: float, y: float
) -> None:
    """Umbul-umbul: the tall narrow party flags hung along Indonesian roads on bamboo poles."""
    aspect = _u(rng, 0.18, 0.32)
    fh, fw = height, height * aspect
    long_side, short_side = _art_size(fh, 1 / aspect, cap=400, floor=48)
    art = flag_art(rng, long_side, short_side)  # the design runs along the cloth
    left = rng.random() < 0.5
    amp, cycles = _u(rng, 0.03, 0.12), _u(rng, 0.8, 2.5)
    waved, alpha = _wave(art, rng, amp, cycles, hoist_left=True)
    # turn clockwise: the hoist edge (left) becomes the top, the flutter goes sideways
    waved = np.ascontiguousarray(np.rot90(waved, -1))
    alpha = np.ascontiguousarray(np.rot90(alpha, -1))
    full_w = fw * waved.shape[1] / short_side
    quad = _quad(rng, x, y, full_w, fh, 0.15)
    edge = (waved.shape[1] - short_side) / 2 / waved.shape[1]  # the cloth starts after the pad
    t = edge if left else 1 - edge
    pole_x = float(quad[0][0] + (quad[1][0] - quad[0][0]) * t)
    bamboo = _pick(rng, ((170, 140, 80), (140, 115, 70), (200, 190, 150)))
    b.line(
        (pole_x, y - fh * 0.15), (pole_x, y + fh * _u(rng, 1.3, 2.0)), bamboo, max(1.5, fw * 0.1)
    )
    b.paste_quad(waved, alpha, quad, FLAG)


def _add_flag_row(b: SceneBuilder, rng: np.random.Generator) -> None:
    """Flags on poles along a road, shrinking towards a vanishing point; often one design."""
    W, H = b.size
    vp = (_u(rng, 0.25, 0.75) * W, _u(rng, 0.3, 0.55) * H)
    near = (_pick(rng, (_u(rng, -0.05, 0.2), _u(rng, 0.8, 1.05))) * W, _u(rng, 0.75, 1.0) * H)
    size0 = _u(rng, 0.08, 0.28) * W
    ratio = _u(rng, 0.62, 0.85)
    umbul = rng.random() < 0.3
    art = None
    if not umbul and rng.random() < 0.7:
        aspect = _u(rng, 1.3, 1.7)
        art = flag_art(rng, *_art_size(size0, aspect, cap=300, floor=40))
    hoist = near[0] < vp[0]
    n = int(rng.integers(3, 9))
    items = []
    for i in range(n):
        s = ratio**i
        fw = size0 * s
        if fw < 8:
            break
        gx = vp[0] + (near[0] - vp[0]) * s
        gy = vp[1] + (near[1] - vp[1]) * s
        items.append((fw, gx, gy))
    for fw, gx, gy in reversed(items):  # far first, near ones cover them
        pole_len = fw * 2.2
        if umbul:
            _add_umbul(b, rng, fw * 2.5, gx, gy - pole_len - fw * 1.5)
        else:
            _add_flag(
                b,
                rng,
                fw,
                (gx if hoist else gx - fw, gy - pole_len - fw / 1.5),
                art=art,
                pole_len=pole_len,
                hoist_left=hoist,
            )


def _add_people(b: SceneBuilder, rng: np.random.Generator, n: int, front: bool = True) -> None:
    W, H = b.size
    for _ in range(n):
        full = rng.random() < 0.4
        ph = int((_u(rng, 0.3, 0.9) if full else _u(rng, 0.25, 0.8)) * H)
        rgb, al, _ = _person(rng, ph, full)
        x = int(_u(rng, -0.2, 1.0) * W)
        y = H - ph + int(_u(rng, 0, 0.35) * ph) if front else int(_u(rng, 0.2, 0.9) * H) - ph
        b.paste(rgb, al, x, y)


def _add_crowd(b: SceneBuilder, rng: np.random.Generator, flags: bool) -> None:
    """Rows of people seen from behind; some hold small flags on sticks above their heads."""
    W, H = b.size
    rows = int(rng.integers(1, 4))
    base = _u(rng, 0.18, 0.4) * H
    art = (
        flag_art(rng, *_art_size(base * 0.6, 1.5, cap=200, floor=40))
        if rng.random() < 0.6
        else None
    )
    for r in range(rows):
        scale = 0.65 ** (rows - 1 - r)
        ph = int(base * scale * _u(rng, 0.9, 1.1))
        top = int(H - ph * (0.55 + 0.35 * (rows - 1 - r)))
        x = _u(rng, -0.6, 0) * ph
        while x < W:
            up = flags and rng.random() < 0.35
            rgb, al, hand = _person(rng, int(ph * _u(rng, 0.9, 1.1)), False, arm_up=up)
            y = top + int(_u(rng, -0.08, 0.08) * ph)
            b.paste(rgb, al, int(x), y)
            if up:
                hx, hy = int(x) + hand[0], y + hand[1]
                stick = ph * _u(rng, 0.35, 0.7)
                fw = ph * _u(rng, 0.3, 0.55)
                b.line((hx, hy), (hx, hy - stick), (150, 120, 70), max(1.0, ph * 0.02))
                _add_flag(
                    b,
                    rng,
                    fw,
                    (hx, hy - stick),
                    art=art,
                    pole_len=stick * 0.9,
                    hoist_left=True,
                    pole_w=max(1.0, ph * 0.02),
                )
            x += rgb.shape[1] * _u(rng, 0.45, 0.85)


def _add_negative(b: SceneBuilder, rng: np.random.Generator, kind: str | None = None) -> None:
    W, H = b.size
    kind = kind or pick_w(
        rng,
        ("window", "screen", "door", "tiles", "panel", "sign", "fascia"),
        (0.17, 0.17, 0.12, 0.08, 0.12, 0.18, 0.16),
    )
    if kind == "sign":
        s = int(logu(rng, 0.04, 0.2) * W)
        if s < 8:
            return
        rgb, al = neg_sign(rng, s)
        x, y = _place_xy(rng, b, rgb.shape[1], rgb.shape[0], y_range=(0.05, 0.75))
        b.line(
            (x + rgb.shape[1] / 2, y + s / 2),
            (x + rgb.shape[1] / 2, y + s * _u(rng, 2.5, 6)),
            _pole_colour(rng),
            max(2.0, s * 0.07),
        )
        b.paste_quad(rgb, al, _quad(rng, x, y, rgb.shape[1], rgb.shape[0], 0.2))
        return
    if kind == "fascia":
        text = _pick(rng, FASCIA)
        fw = logu(rng, 0.15, 0.8) * W
        fh = fw / max(3.0, len(text) * 0.65)
        if fh < 5:
            return
        aw, ah = _art_size(fw, fw / fh, cap=900, floor=60)
        mask = Image.new("RGB", (aw, ah), (0, 0, 0))
        draw_text(
            mask,
            (0, 0, aw, ah),
            text,
            (255, 255, 255),
            int(rng.integers(len(canvas.FONTS))) if canvas.FONTS else -1,
        )
        al = np.asarray(mask, np.float32)[..., 0] / 255.0 * _u(rng, 0.8, 1.0)
        col = np.empty((ah, aw, 3), np.uint8)
        col[:] = _hsv(rng, (0.0, 1.0), (0.05, 0.9))
        x, y = _place_xy(rng, b, fw, fh, y_range=(0.0, 0.8))
        b.paste_quad(col, al, _quad(rng, x, y, fw, fh, 0.3))
        return
    lo, hi, aspect_rng = {
        "window": (0.1, 0.5, (0.5, 1.8)),
        "screen": (0.06, 0.45, (1.3, 1.9)),
        "door": (0.08, 0.3, (0.4, 0.55)),
        "tiles": (0.15, 0.7, (0.6, 2.5)),
        "panel": (0.1, 0.6, (0.5, 3.0)),
    }[kind]
    pw = logu(rng, lo, hi) * W
    aspect = _u(rng, *aspect_rng)
    ph = min(pw / aspect, 0.95 * H)
    aw, ah = _art_size(pw, pw / ph, cap=480, floor=32)
    rgb = {
        "window": neg_window,
        "screen": neg_screen,
        "door": neg_door,
        "tiles": neg_tiles,
        "panel": neg_panel,
    }[kind](rng, aw, ah)
    x, y = _place_xy(rng, b, pw, ph)
    if kind == "screen" and rng.random() < 0.5:  # a monitor on a stand
        b.line((x + pw / 2, y + ph), (x + pw / 2, y + ph * 1.25), (30, 30, 30), max(2.0, pw * 0.06))
    b.paste_quad(rgb, None, _quad(rng, x, y, pw, ph, 0.3))


# --------------------------------------------------------------------------------------------
# scene templates


def _tpl_street(b: SceneBuilder, rng: np.random.Generator) -> None:
    for _ in range(int(rng.integers(0, 3))):
        _add_negative(b, rng, _pick(rng, ("sign", "sign", "fascia", "window", "panel")))
    if rng.random() < 0.4:
        _add_flag_row(b, rng)
    for _ in range(int(rng.integers(1, 3))):
        _add_banner(
            b,
            rng,
            pick_w(rng, ("baliho", "spanduk", "commercial", "poster"), (0.5, 0.3, 0.12, 0.08)),
        )
    if rng.random() < 0.3:
        W, H = b.size
        fw = logu(rng, 0.05, 0.3) * W
        _add_flag(b, rng, fw, (_u(rng, 0, W - fw), _u(rng, 0.02, 0.5) * H))
    if rng.random() < 0.35:
        _add_people(b, rng, int(rng.integers(1, 4)))


def _tpl_wall(b: SceneBuilder, rng: np.random.Generator) -> None:
    W, H = b.size
    for _ in range(int(rng.integers(0, 3))):
        _add_negative(
            b, rng, _pick(rng, ("door", "window", "fascia", "screen", "tiles", "panel", "sign"))
        )
    if rng.random() < 0.4:  # the same poster pasted side by side, as campaign teams do
        kind = _pick(rng, ("poster", "a3"))
        wf = logu(rng, 0.05, 0.22)
        aspect = _u(rng, *KIND_ASPECT[kind])
        art = render_banner(rng, *_art_size(wf * W, aspect), kind)
        n = int(rng.integers(2, 6))
        gap = wf * W * _u(rng, 0.02, 0.3)
        x = _u(rng, 0, max(1.0, W - n * (wf * W + gap)))
        y = _u(rng, 0.05, 0.6) * H
        for _ in range(n):
            _add_banner(b, rng, kind, wf, "wall", at=(x, y + float(rng.normal(0, 2))), art=art)
            x += wf * W + gap
    for _ in range(int(rng.integers(1, 4))):
        _add_banner(
            b,
            rng,
            pick_w(
                rng, ("poster", "a3", "baliho", "commercial", "spanduk"), (0.3, 0.2, 0.2, 0.2, 0.1)
            ),
        )
    if rng.random() < 0.4:
        _add_people(b, rng, int(rng.integers(1, 4)))


def _tpl_stage(b: SceneBuilder, rng: np.random.Generator) -> None:
    W, H = b.size
    wf = _u(rng, 0.45, 0.98)
    res = _add_banner(
        b, rng, "backdrop", wf, "wall", at=(_u(rng, 0, (1 - wf) * W), _u(rng, 0.0, 0.25) * H)
    )
    if rng.random() < 0.3:
        fw = _u(rng, 0.06, 0.18) * W
        _add_flag(b, rng, fw, (_u(rng, 0, 0.15) * W, _u(rng, 0.05, 0.3) * H))
    if rng.random() < 0.3:
        _add_negative(b, rng, "screen")
    if res is not None:
        _, (x0, y0, x1, y1) = res
        n = int(rng.integers(2, 8))
        for i in range(n):
            ph = int(_u(rng, 0.5, 1.0) * (y1 - y0) * _u(rng, 0.9, 1.6))
            rgb, al, _ = _person(rng, max(12, ph), rng.random() < 0.6, arm_up=rng.random() < 0.2)
            px = int(x0 + (x1 - x0) * (i + _u(rng, 0.0, 0.6)) / n)
            py = int(y1 - ph * _u(rng, 0.45, 0.9))
            b.paste(rgb, al, px, py)
    if rng.random() < 0.3:
        _add_crowd(b, rng, flags=rng.random() < 0.5)


def _tpl_crowd(b: SceneBuilder, rng: np.random.Generator) -> None:
    if rng.random() < 0.6:
        _add_banner(b, rng, _pick(rng, ("baliho", "spanduk", "backdrop")), mount="wall")
    if rng.random() < 0.3:
        _add_flag_row(b, rng)
    _add_crowd(b, rng, flags=True)


def _tpl_mixed(b: SceneBuilder, rng: np.random.Generator) -> None:
    W, H = b.size
    for _ in range(int(rng.integers(1, 6))):
        r = rng.random()
        if r < 0.45:
            _add_banner(b, rng)
        elif r < 0.65:
            fw = logu(rng, 0.04, 0.4) * W
            _add_flag(b, rng, fw, (_u(rng, -0.1, 0.95) * W, _u(rng, 0.0, 0.6) * H))
        elif r < 0.72:
            _add_umbul(b, rng, logu(rng, 0.15, 0.7) * H, _u(rng, 0, 0.95) * W, _u(rng, 0, 0.4) * H)
        else:
            _add_negative(b, rng)
    if rng.random() < 0.3:
        _add_people(b, rng, int(rng.integers(1, 3)))


def _tpl_negative(b: SceneBuilder, rng: np.random.Generator) -> None:
    for _ in range(int(rng.integers(1, 6))):
        _add_negative(b, rng)
    if rng.random() < 0.4:
        _add_people(b, rng, int(rng.integers(1, 4)))
    elif rng.random() < 0.15:
        _add_crowd(b, rng, flags=False)


_TEMPLATES = (
    (_tpl_street, 0.3),
    (_tpl_wall, 0.25),
    (_tpl_stage, 0.13),
    (_tpl_crowd, 0.1),
    (_tpl_mixed, 0.22),
)


# --------------------------------------------------------------------------------------------
# the camera


def _camera(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Exposure, white balance, cast shadows, blur, sensor noise, JPEG: the same things a phone
    does to a real evidence photo, so pasted material does not stay suspiciously clean."""
    h, w = img.shape[:2]
    gain = _u(rng, 0.75, 1.2) * (1 + rng.uniform(-0.07, 0.07, 3))
    bias = _u(rng, -15, 15)
    gamma = _u(rng, 0.7, 1.4) if rng.random() < 0.3 else 1.0
    v = np.arange(256, dtype=np.float64)[:, None]
    lut = 255.0 * np.power(np.clip((v * gain[None, :] + bias) / 255.0, 0, 1), gamma)
    out = cv2.LUT(img, lut.astype(np.uint8).reshape(256, 1, 3))  # one table: gain, WB, gamma
    factor: np.ndarray | None = None
    if rng.random() < 0.3:  # cast shadow of a building or tree
        sw, sh = max(8, w // 8), max(8, h // 8)
        poly = np.zeros((sh, sw), np.float32)
        pts = rng.random((int(rng.integers(3, 7)), 2)) * [sw, sh] * 1.4 - [sw * 0.2, sh * 0.2]
        cv2.fillPoly(poly, [cv2.convexHull(pts.astype(np.int32))], (1.0,))
        soft = cv2.GaussianBlur(poly, (0, 0), _u(rng, 0.5, 3))
        factor = 1 - _u(rng, 0.25, 0.55) * soft
    if rng.random() < 0.2:
        yy = np.linspace(-1, 1, max(8, h // 8), dtype=np.float32)[:, None]
        xx = np.linspace(-1, 1, max(8, w // 8), dtype=np.float32)[None, :]
        vig = 1 - _u(rng, 0.15, 0.4) * (xx * xx + yy * yy) / 2
        factor = vig if factor is None else factor * vig
    if factor is not None:
        full = cv2.resize(factor, (w, h), interpolation=cv2.INTER_LINEAR)
        out = cv2.multiply(out, cv2.merge([full, full, full]), dtype=cv2.CV_8U)
    r = rng.random()
    if r < 0.1:
        k = int(rng.integers(3, 10))
        kern = np.zeros((k, k), np.float32)
        kern[k // 2, :] = 1.0 / k
        rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), _u(rng, 0, 180), 1.0)
        streak = cv2.warpAffine(kern, rot, (k, k))
        out = cv2.filter2D(out, -1, streak / max(float(streak.sum()), 1e-6))
    elif r < 0.25:
        out = cv2.GaussianBlur(out, (0, 0), _u(rng, 0.5, 1.6))
    if rng.random() < 0.1:
        s = _u(rng, 0.35, 0.7)
        small = cv2.resize(
            out, (max(8, int(w * s)), max(8, int(h * s))), interpolation=cv2.INTER_AREA
        )
        out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.4:
        noise = _noise(rng, h, w) * _u(rng, 2, 8)
        out = cv2.add(out, noise, dtype=cv2.CV_8U)
    if rng.random() < 0.6:
        ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 92))])
        if ok:
            out = cv2.imdecode(enc, cv2.IMREAD_UNCHANGED)
    return np.ascontiguousarray(out)


# --------------------------------------------------------------------------------------------
# public entry points


def render_scene(
    rng: np.random.Generator,
    size: tuple[int, int] = (640, 640),
    backgrounds: Sequence[Path] | None = None,
    negative: bool = False,
) -> SynthScene:
    """One training image with its boxes. ``size`` is (width, height). ``backgrounds`` are photos
    to draw on (their YOLO labels, if they have any, are carried over); a negative scene has only
    unlabeled hard negatives on an unlabeled background and therefore no boxes."""
    w, h = (int(v) for v in size)
    if w < 64 or h < 64:
        raise ConfigError("size", f"scene must be at least 64x64 px, got {w}x{h}")
    bg, boxes, classes = sample_background(rng, (w, h), backgrounds, unlabeled_only=negative)
    b = SceneBuilder(bg)
    for box, c in zip(boxes, classes):
        b.add_existing(box, int(c))
    if negative:
        _tpl_negative(b, rng)
    else:
        tpl = pick_w(rng, [t for t, _ in _TEMPLATES], [p for _, p in _TEMPLATES])
        tpl(b, rng)
        if not b.objects:  # every positive scene shows at least one piece of material
            _add_banner(b, rng, tries=20)
    out_boxes, out_classes = b.labels()
    return SynthScene(_camera(b.image, rng), out_boxes, out_classes)
