"""Scene backgrounds: the caller's photos (cropped clear of their labelled boxes) or procedural
streets, walls, rooms and fields, and plain wall textures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
from PIL import Image, ImageDraw

from gesture_scan.errors import InputError

from .canvas import _hsv, _jitter, _noise, _pick, _u, linear_gradient, mul, pick_w, smooth_noise
from .labels import MIN_BOX_PX, PHOTO_EXTENSIONS, has_labels, read_labels

# How often a scene is drawn on one of the caller's photos rather than a procedural background.
PHOTO_BACKGROUND_P = 0.7


# --------------------------------------------------------------------------------------------
# hard negatives: panel-like things that are not printed material


def neg_window(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    frame = _pick(
        rng, ((240, 240, 240), (110, 70, 40), (170, 170, 175), (40, 40, 40), (60, 90, 60))
    )
    img = np.empty((h, w, 3), np.uint8)
    img[:] = frame
    rows, cols = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    t = max(1, int(min(w, h) * _u(rng, 0.02, 0.06)))
    dark = rng.random() < 0.5
    for r in range(rows):
        for c in range(cols):
            x0 = t + c * (w - t) // cols
            x1 = (c + 1) * (w - t) // cols
            y0 = t + r * (h - t) // rows
            y1 = (r + 1) * (h - t) // rows
            if x1 - x0 < 2 or y1 - y0 < 2:
                continue
            if dark:
                g = linear_gradient(
                    x1 - x0,
                    y1 - y0,
                    _jitter(rng, (40, 45, 50), 15),
                    _jitter(rng, (80, 85, 90), 20),
                    _u(rng, 30, 150),
                )
            else:
                g = linear_gradient(
                    x1 - x0,
                    y1 - y0,
                    _jitter(rng, (170, 200, 225), 20),
                    _jitter(rng, (110, 130, 150), 20),
                    _u(rng, 30, 150),
                )
            img[y0:y1, x0:x1] = g
    return img


def neg_tiles(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    base = _jitter(
        rng,
        _pick(
            rng, ((230, 230, 225), (200, 210, 220), (180, 140, 110), (120, 150, 130), (60, 60, 65))
        ),
        10,
    )
    grout = mul(base, _u(rng, 0.6, 0.85))
    t = max(4, int(min(w, h) * _u(rng, 0.05, 0.2)))
    yy, xx = np.mgrid[0:h, 0:w]
    g = max(1, t // 12)
    mask = ((yy % t) < g) | ((xx % t) < g)
    img = np.empty((h, w, 3), np.uint8)
    img[:] = base
    ids = (yy // t) * 977 + (xx // t)
    var = (np.sin(ids * 12.9898) * 43758.5453) % 1.0
    img = np.clip(img.astype(np.float32) * (0.94 + 0.12 * var[..., None]), 0, 255).astype(np.uint8)
    img[mask] = grout
    return img


def neg_panel(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A patch of plain painted wall: a coloured rectangle with no print on it."""
    c = _hsv(rng, (0.05, 0.7), (0.4, 0.98))
    img = linear_gradient(w, h, c, mul(c, _u(rng, 0.8, 1.0)), _u(rng, 0, 180))
    if rng.random() < 0.4:
        t = max(1, int(min(w, h) * 0.04))
        img[:t] = img[-t:] = mul(c, 0.7)
    return img


# --------------------------------------------------------------------------------------------
# procedural backgrounds, so the module works with no photos at all


def _bg_street(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    hz = int(h * _u(rng, 0.3, 0.62))
    overcast = rng.random() < 0.35
    top = (175, 180, 185) if overcast else _jitter(rng, (90, 150, 215), 20)
    low = (215, 218, 220) if overcast else _jitter(rng, (190, 215, 235), 15)
    img = np.empty((h, w, 3), np.uint8)
    img[:hz] = linear_gradient(w, max(hz, 1), top, low, 90)[:hz]
    if rng.random() < 0.5 and hz > 4:
        cl = smooth_noise(rng, hz, w, int(rng.integers(3, 7)))
        cl = np.clip((cl - 0.5) * 3, 0, 1)[..., None] * _u(rng, 0.4, 0.9)
        img[:hz] = (img[:hz] * (1 - cl) + 245 * cl).astype(np.uint8)
    ground = _pick(rng, ((95, 95, 98), (120, 118, 112), (80, 82, 85), (110, 100, 85)))
    img[hz:] = linear_gradient(w, h - hz, mul(ground, 1.05), mul(ground, 0.85), 90)
    pil = Image.fromarray(img)
    d = ImageDraw.Draw(pil)
    vx = _u(rng, 0.2, 0.8) * w
    d.polygon(
        [(vx, hz), (w * 1.4, h), (w * 1.6, h), (w * 1.6, hz)],
        fill=_jitter(rng, (150, 145, 135), 15),
    )
    d.polygon(
        [(vx, hz), (-0.4 * w, h), (-0.6 * w, h), (-0.6 * w, hz)],
        fill=_jitter(rng, (150, 145, 135), 15),
    )
    for k in range(1, 8):
        t0, t1 = (k / 8) ** 2, ((k + 0.4) / 8) ** 2
        d.line(
            [(vx, hz + (h - hz) * t0), (vx, hz + (h - hz) * t1)],
            fill=(230, 230, 220),
            width=max(1, int(8 * t1)),
        )
    x = -_u(rng, 0, 0.2) * w
    while x < w:
        bw = _u(rng, 0.08, 0.3) * w
        bh = _u(rng, 0.05, 0.4) * h
        col = _hsv(rng, (0.05, 0.5), (0.45, 0.95))
        d.rectangle((x, hz - bh, x + bw, hz + 2), fill=col)
        if rng.random() < 0.7:
            ww = max(2, bw * 0.12)
            for wy in np.arange(hz - bh + ww, hz - ww * 1.5, ww * 2.2):
                for wx in np.arange(x + ww, x + bw - ww, ww * 2):
                    d.rectangle((wx, wy, wx + ww, wy + ww * 1.2), fill=mul(col, 0.55))
        if rng.random() < 0.4:
            d.rectangle((x + bw * 0.1, hz - bh * 0.3, x + bw * 0.9, hz), fill=mul(col, 0.4))
        x += bw + _u(rng, 0, 0.05) * w
    for _ in range(int(rng.integers(0, 6))):
        tx, tr = _u(rng, 0, w), _u(rng, 0.03, 0.12) * h
        ty = hz - _u(rng, 0, 0.1) * h
        d.line([(tx, ty), (tx, hz + tr * 0.3)], fill=(70, 50, 35), width=max(1, int(tr * 0.15)))
        for _ in range(4):
            ox, oy = _u(rng, -tr, tr) * 0.6, _u(rng, -tr, tr) * 0.5
            d.ellipse(
                (tx + ox - tr, ty + oy - tr, tx + ox + tr, ty + oy + tr),
                fill=_jitter(rng, (50, 100, 45), 20),
            )
    if rng.random() < 0.5:
        for _ in range(int(rng.integers(1, 4))):
            y0 = _u(rng, 0.02, 0.3) * h
            pts = [
                (float(xx), y0 + 0.03 * h * math.sin(math.pi * xx / w))
                for xx in np.linspace(0, w, 12)
            ]
            d.line(pts, fill=(30, 30, 30), width=1)
    return np.asarray(pil)


def _bg_indoor(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    wall = _hsv(rng, (0.02, 0.35), (0.55, 0.95))
    floor_y = int(h * _u(rng, 0.62, 0.95))
    img = np.empty((h, w, 3), np.uint8)
    img[:floor_y] = linear_gradient(
        w, floor_y, mul(wall, _u(rng, 0.8, 1.05)), mul(wall, _u(rng, 0.8, 1.05)), _u(rng, 0, 180)
    )
    floor = _pick(rng, ((150, 110, 80), (200, 200, 195), (120, 120, 125), (170, 140, 100)))
    img[floor_y:] = linear_gradient(w, h - floor_y, mul(floor, 0.9), floor, 90)
    img[max(0, floor_y - max(2, h // 60)) : floor_y] = mul(wall, 0.6)
    return img


def _bg_brick(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    bh = int(rng.integers(6, 22))
    bw = int(bh * _u(rng, 2.0, 3.2))
    base = _pick(
        rng, ((160, 75, 55), (180, 100, 70), (140, 60, 45), (190, 160, 130), (120, 120, 120))
    )
    mortar = _pick(rng, ((200, 195, 185), (150, 145, 140), (90, 85, 80)))
    yy, xx = np.mgrid[0:h, 0:w]
    row = yy // bh
    xo = xx + (row % 2) * (bw // 2)
    ids = row * 1009 + xo // bw
    var = (np.sin(ids * 12.9898) * 43758.5453) % 1.0
    img = np.asarray(base, np.float32) * (0.8 + 0.35 * var[..., None])
    m = max(1, bh // 7)
    mask = ((yy % bh) < m) | ((xo % bw) < m)
    img[mask] = mortar
    return np.clip(img, 0, 255).astype(np.uint8)


def _bg_gradient(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    c0, c1 = _hsv(rng, (0, 0.6), (0.2, 1)), _hsv(rng, (0, 0.6), (0.2, 1))
    return linear_gradient(w, h, c0, c1, _u(rng, 0, 360))


def _bg_noise(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    base = np.asarray(_hsv(rng, (0, 0.5), (0.3, 0.9)), np.float32)
    n = smooth_noise(rng, h, w, int(rng.integers(2, 9)))
    n2 = smooth_noise(rng, h, w, int(rng.integers(10, 40)))
    f = base * (0.6 + 0.5 * n[..., None]) + 40 * (n2[..., None] - 0.5)
    return np.clip(f, 0, 255).astype(np.uint8)


def _bg_field(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Open sky over a field or square: where flags and roadside baliho usually stand."""
    hz = int(h * _u(rng, 0.45, 0.85))
    img = np.empty((h, w, 3), np.uint8)
    img[:hz] = linear_gradient(
        w, hz, _jitter(rng, (80, 140, 210), 20), _jitter(rng, (200, 220, 235), 15), 90
    )
    img[hz:] = linear_gradient(
        w, h - hz, _jitter(rng, (90, 130, 60), 25), _jitter(rng, (60, 95, 40), 20), 90
    )
    return img


_BACKGROUNDS: tuple[tuple[Callable[[np.random.Generator, int, int], np.ndarray], float], ...] = (
    (_bg_street, 0.34),
    (_bg_indoor, 0.16),
    (_bg_brick, 0.12),
    (_bg_field, 0.12),
    (_bg_gradient, 0.06),
    (_bg_noise, 0.1),
    (neg_tiles, 0.05),
    (neg_window, 0.05),
)


def procedural_background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    fns = [f for f, _ in _BACKGROUNDS]
    fn = pick_w(rng, fns, [p for _, p in _BACKGROUNDS])
    sw, sh = max(8, w // 2), max(8, h // 2)  # draw at half size: faster, and softer like a photo
    img = cv2.resize(fn(rng, sw, sh), (w, h), interpolation=cv2.INTER_LINEAR)
    grain = _noise(rng, h, w) * _u(rng, 2, 7)
    return np.clip(img.astype(np.float32) + grain, 0, 255).astype(np.uint8)


def default_backgrounds(shared: Path) -> list[Path]:
    """Background photos from ``shared``: the indoor hand photos (EPSRC and ``hands_*``; the
    100x100 SLD crops are too small) and the real material *train* split, whose labels are then
    carried into the scene. Never ``fieldset/`` (the product's outside measure), never the
    material val split (it is what we validate on), never ``material/unlabeled`` (unlabeled
    banners would become false negatives)."""
    shared = Path(shared)
    out: list[Path] = []
    hands = shared / "train" / "hands"
    if hands.is_dir():
        out += sorted(
            p
            for p in hands.iterdir()
            if p.suffix.lower() in PHOTO_EXTENSIONS and p.name.startswith(("epsrc_", "hands_"))
        )
    mat = shared / "train" / "material" / "images" / "train"
    if mat.is_dir():
        out += sorted(p for p in mat.iterdir() if p.suffix.lower() in PHOTO_EXTENSIONS)
    return out


def _crop_boxes(
    boxes: np.ndarray,
    x0: float,
    y0: float,
    sx: float,
    sy: float,
    w: int,
    h: int,
    flip: bool,
    keep: float,
):
    """Map pixel boxes through crop+scale(+flip); drop those that lose more than ``1-keep`` of
    their area to the crop, so a sliver at the edge does not become a box of wall."""
    if len(boxes) == 0:
        return boxes, np.zeros(0, bool)
    b = boxes.copy()
    b[:, [0, 2]] = (b[:, [0, 2]] - x0) * sx
    b[:, [1, 3]] = (b[:, [1, 3]] - y0) * sy
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    c = b.copy()
    c[:, [0, 2]] = c[:, [0, 2]].clip(0, w)
    c[:, [1, 3]] = c[:, [1, 3]].clip(0, h)
    carea = (c[:, 2] - c[:, 0]).clip(0) * (c[:, 3] - c[:, 1]).clip(0)
    ok = (
        (carea >= keep * np.maximum(area, 1e-6))
        & ((c[:, 2] - c[:, 0]) >= MIN_BOX_PX)
        & ((c[:, 3] - c[:, 1]) >= MIN_BOX_PX)
    )
    if flip:
        c[:, [0, 2]] = w - c[:, [2, 0]]
    return c, ok


def sample_background(
    rng: np.random.Generator,
    size: tuple[int, int],
    backgrounds: Sequence[Path] | None = None,
    unlabeled_only: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A background (RGB, xyxy boxes, classes) of ``size`` (w, h): a random crop of one of the
    photos (keeping the boxes it already has) or, with no photos, a procedural scene."""
    w, h = size
    photos = list(backgrounds or ())
    if unlabeled_only:
        photos = [p for p in photos if not has_labels(p)]
    if not photos or rng.random() >= PHOTO_BACKGROUND_P:
        return (
            procedural_background(rng, w, h),
            np.zeros((0, 4), np.float32),
            np.zeros(0, np.int64),
        )
    path = Path(_pick(rng, photos))
    try:
        with Image.open(path) as im:
            im.draft("RGB", (w, h))  # JPEG DCT scaling: decode big photos at about the size we need
            dw, dh = im.size
            pic = im.convert("RGB")
    except (OSError, ValueError) as exc:
        raise InputError(path, f"cannot read background photo: {exc}") from None
    aspect = w / h
    cw = min(float(dw), dh * aspect)
    ch = cw / aspect
    s = _u(rng, 0.55, 1.0)
    cw, ch = cw * s, ch * s
    x0 = _u(rng, 0, dw - cw)
    y0 = _u(rng, 0, dh - ch)
    out = np.asarray(
        pic.resize((w, h), Image.Resampling.BILINEAR, box=(x0, y0, x0 + cw, y0 + ch)), np.uint8
    )
    flip = rng.random() < 0.5
    if flip:
        out = out[:, ::-1]
    norm, cls = read_labels(str(path))
    boxes = np.zeros((0, 4), np.float32)
    if len(cls):
        px = np.stack(
            [
                (norm[:, 0] - norm[:, 2] / 2) * dw,
                (norm[:, 1] - norm[:, 3] / 2) * dh,
                (norm[:, 0] + norm[:, 2] / 2) * dw,
                (norm[:, 1] + norm[:, 3] / 2) * dh,
            ],
            1,
        )
        boxes, ok = _crop_boxes(
            px.astype(np.float32), x0, y0, w / cw, h / ch, w, h, flip, keep=0.45
        )
        boxes, cls = boxes[ok], cls[ok]
    return np.ascontiguousarray(out), boxes.astype(np.float32), cls.astype(np.int64)
