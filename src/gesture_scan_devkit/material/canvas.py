"""The drawing primitives every material scene shares: seeded random helpers, colours and palettes,
noise, fonts and text, gradients, cloth and weather effects.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont, features

T = TypeVar("T")
RGB = tuple[int, int, int]
Box = tuple[float, float, float, float]


# --------------------------------------------------------------------------------------------
# small random helpers


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def logu(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _pick(rng: np.random.Generator, seq: Sequence[T]) -> T:
    return seq[int(rng.integers(len(seq)))]


def pick_w(rng: np.random.Generator, items: Sequence[T], weights: Sequence[float]) -> T:
    w = np.asarray(weights, np.float64)
    return items[int(rng.choice(len(items), p=w / w.sum()))]


def mul(c: Sequence[int], f: float) -> RGB:
    return (
        int(min(255, max(0, c[0] * f))),
        int(min(255, max(0, c[1] * f))),
        int(min(255, max(0, c[2] * f))),
    )


def _mix(a: Sequence[int], b: Sequence[int], t: float) -> RGB:
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


def _dist(a: Sequence[int], b: Sequence[int]) -> float:
    return float(math.sqrt(sum((int(x) - int(y)) ** 2 for x, y in zip(a, b))))


def _ink(bg: Sequence[int]) -> RGB:
    """Black or white, whichever reads on ``bg``."""
    lum = 0.3 * bg[0] + 0.59 * bg[1] + 0.11 * bg[2]
    return (20, 20, 20) if lum > 140 else (255, 255, 255)


def _to_u8(f: np.ndarray) -> np.ndarray:
    """float -> uint8 with saturation (numpy's astype would wrap around)."""
    np.clip(f, 0, 255, out=f)
    return f.astype(np.uint8)


def _jitter(rng: np.random.Generator, c: Sequence[int], amount: float = 18) -> RGB:
    d = rng.uniform(-amount, amount, 3)
    return (
        int(np.clip(c[0] + d[0], 0, 255)),
        int(np.clip(c[1] + d[1], 0, 255)),
        int(np.clip(c[2] + d[2], 0, 255)),
    )


def _hsv(rng: np.random.Generator, s: tuple[float, float], v: tuple[float, float]) -> RGB:
    h = _u(rng, 0, 180)
    px = np.array([[[h, _u(rng, *s) * 255, _u(rng, *v) * 255]]], np.uint8)
    r, g, b = cv2.cvtColor(px, cv2.COLOR_HSV2RGB)[0, 0]
    return int(r), int(g), int(b)


@functools.lru_cache(maxsize=1)
def _noise_bank() -> np.ndarray:
    """A fixed noise texture: cropping it at random offsets is ~20x cheaper than drawing fresh
    Gaussian noise for every 640x640 image, and it stays deterministic."""
    return np.random.default_rng(20240214).normal(0, 1, (768, 768, 3)).astype(np.float32)


def _noise(rng: np.random.Generator, h: int, w: int, channels: int = 3) -> np.ndarray:
    bank = _noise_bank()
    reps_y, reps_x = -(-h // bank.shape[0]), -(-w // bank.shape[1])
    if reps_y > 1 or reps_x > 1:
        bank = np.tile(bank, (reps_y + 1, reps_x + 1, 1))
    y = int(rng.integers(bank.shape[0] - h + 1))
    x = int(rng.integers(bank.shape[1] - w + 1))
    c = int(rng.integers(3 - channels + 1))
    return bank[y : y + h, x : x + w, c : c + channels]


def smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """Low-frequency noise in [0, 1] (stains, clouds, uneven light)."""
    gy = max(2, cells)
    gx = max(2, round(cells * w / max(h, 1)))
    small = rng.random((gy, gx)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


# --------------------------------------------------------------------------------------------
# fonts: no downloads, so we use what Pillow embeds and what the machine happens to have


@dataclass(frozen=True)
class _FontSource:
    name: str
    path: str | None  # None: Pillow's embedded default font (FreeType, Pillow >= 10.1)


def _discover_fonts() -> tuple[_FontSource, ...]:
    if not features.check("freetype2"):
        return ()
    found: list[_FontSource] = []
    try:
        if isinstance(ImageFont.load_default(size=12), ImageFont.FreeTypeFont):
            found.append(_FontSource("pillow-default", None))
    except (TypeError, OSError, ValueError):
        pass
    candidates: list[Path] = []
    spec = importlib.util.find_spec("matplotlib")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        ttf = Path(loc) / "mpl-data" / "fonts" / "ttf"
        candidates += [ttf / "DejaVuSans-Bold.ttf", ttf / "DejaVuSerif-Bold.ttf"]
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    candidates += [
        dejavu / "DejaVuSans-Bold.ttf",
        dejavu / "DejaVuSansCondensed-Bold.ttf",
        dejavu / "DejaVuSerif-Bold.ttf",
    ]
    seen = set()
    for path in candidates:
        if path.name in seen or not path.is_file():
            continue
        try:
            ImageFont.truetype(str(path), 12)
        except OSError:
            continue
        seen.add(path.name)
        found.append(_FontSource(path.stem, str(path)))
    return tuple(found)


FONTS: tuple[_FontSource, ...] = _discover_fonts()


def available_fonts() -> list[str]:
    """Names of the type faces this machine renders with (recorded next to a built dataset,
    because another machine draws other glyphs for the same seed)."""
    return [f.name for f in FONTS] or ["opencv-hershey"]


@functools.lru_cache(maxsize=512)
def _font(index: int, size: int) -> ImageFont.FreeTypeFont:
    src = FONTS[index]
    if src.path is None:
        return ImageFont.load_default(size=size)  # type: ignore[return-value]
    return ImageFont.truetype(src.path, size)


@functools.lru_cache(maxsize=4096)
def _text_extent(index: int, text: str) -> tuple[float, float]:
    left, top, right, bottom = _font(index, 100).getbbox(text)
    return max(1.0, float(right - left)), max(1.0, float(bottom - top))


def draw_text(
    img: Image.Image,
    box: Box,
    text: str,
    fill: RGB,
    font: int,
    outline: RGB | None = None,
    bold: bool = True,
) -> None:
    """Fit ``text`` into ``box`` and centre it; bold comes from a stroke of the fill colour
    because the fonts we can count on have no bold face."""
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    if bw < 4 or bh < 3 or not text:
        return
    if font < 0 or not FONTS:
        _draw_text_hershey(img, box, text, fill, outline)
        return
    tw, th = _text_extent(font, text)
    size = int(min(bw / tw, bh / th) * 100 * 0.9)
    if size < 4:
        return
    f = _font(font, size)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    draw = ImageDraw.Draw(img)
    if outline is not None and size >= 12 and _dist(outline, fill) > 100:
        draw.text(
            (cx, cy),
            text,
            font=f,
            fill=outline,
            anchor="mm",
            stroke_width=max(2, size // 9),
            stroke_fill=outline,
        )
    stroke = max(0, size // 22) if bold else 0
    draw.text((cx, cy), text, font=f, fill=fill, anchor="mm", stroke_width=stroke, stroke_fill=fill)


def _draw_text_hershey(
    img: Image.Image, box: Box, text: str, fill: RGB, outline: RGB | None
) -> None:
    x0, y0, x1, y1 = (int(v) for v in box)
    bw, bh = x1 - x0, y1 - y0
    face = cv2.FONT_HERSHEY_DUPLEX
    (tw, th), base = cv2.getTextSize(text, face, 1.0, 2)
    scale = min(bw / tw, bh / (th + base)) * 0.9
    if scale * th < 3:
        return
    thick = max(1, round(scale * 2))
    mask = np.zeros((max(bh, 1), max(bw, 1)), np.uint8)
    (tw2, th2), _ = cv2.getTextSize(text, face, scale, thick)
    org = ((bw - tw2) // 2, (bh + th2) // 2)
    if outline is not None:
        cv2.putText(mask, text, org, face, scale, (255,), thick + 4, cv2.LINE_AA)
        img.paste(outline, (x0, y0), Image.fromarray(mask))
        mask[:] = 0
    cv2.putText(mask, text, org, face, scale, (255,), thick, cv2.LINE_AA)
    img.paste(fill, (x0, y0), Image.fromarray(mask))


# --------------------------------------------------------------------------------------------
# what goes on the banners


@dataclass(frozen=True)
class Palette:
    primary: RGB
    secondary: RGB
    accent: RGB
    text: RGB


PALETTES: tuple[Palette, ...] = (
    Palette((204, 16, 32), (255, 255, 255), (20, 20, 20), (255, 255, 255)),
    Palette((178, 22, 30), (255, 255, 255), (232, 181, 48), (255, 255, 255)),
    Palette((255, 206, 0), (22, 22, 22), (0, 122, 61), (22, 22, 22)),
    Palette((250, 214, 20), (0, 110, 55), (22, 22, 22), (20, 20, 20)),
    Palette((243, 112, 33), (255, 255, 255), (25, 25, 25), (255, 255, 255)),
    Palette((0, 136, 68), (255, 255, 255), (253, 216, 53), (255, 255, 255)),
    Palette((0, 94, 48), (255, 255, 255), (255, 214, 0), (255, 255, 255)),
    Palette((0, 71, 171), (255, 255, 255), (110, 180, 240), (255, 255, 255)),
    Palette((16, 38, 102), (250, 166, 26), (255, 255, 255), (255, 255, 255)),
    Palette((0, 150, 214), (255, 255, 255), (0, 60, 130), (255, 255, 255)),
    Palette((18, 36, 88), (220, 30, 45), (255, 255, 255), (255, 255, 255)),
    Palette((248, 248, 246), (200, 16, 32), (30, 30, 30), (200, 16, 32)),
    Palette((248, 248, 246), (0, 71, 171), (250, 190, 0), (0, 55, 140)),
    Palette((248, 248, 246), (0, 128, 64), (20, 20, 20), (0, 100, 50)),
    Palette((245, 240, 225), (243, 112, 33), (20, 20, 20), (30, 30, 30)),
    Palette((128, 20, 40), (255, 215, 0), (255, 255, 255), (255, 255, 255)),
    Palette((96, 40, 140), (255, 255, 255), (255, 200, 0), (255, 255, 255)),
    Palette((25, 25, 25), (255, 210, 0), (200, 16, 32), (255, 210, 0)),
)


def _ramp(w: int, h: int, angle: float) -> np.ndarray:
    """A 0..1 linear ramp across an (h, w) image along ``angle`` degrees."""
    a = math.radians(angle)
    ca, sa = math.cos(a), math.sin(a)
    xs = np.linspace(0.0, 1.0, w, dtype=np.float32) * ca
    ys = np.linspace(0.0, 1.0, h, dtype=np.float32) * sa
    xs -= xs.min()
    ys -= ys.min()
    span = max(float(xs.max() + ys.max()), 1e-6)
    return (ys[:, None] / span) + (xs[None, :] / span)


def linear_gradient(
    w: int, h: int, c0: Sequence[int], c1: Sequence[int], angle: float
) -> np.ndarray:
    c0a = np.asarray(c0, np.float32)
    d = np.asarray(c1, np.float32) - c0a
    a = math.radians(angle)
    ca, sa = math.cos(a), math.sin(a)
    xs = np.linspace(0.0, 1.0, w, dtype=np.float32) * ca
    ys = np.linspace(0.0, 1.0, h, dtype=np.float32) * sa
    xs -= xs.min()
    ys -= ys.min()
    span = max(float(xs.max() + ys.max()), 1e-6)
    row = c0a + (xs / span)[:, None] * d  # (w, 3)
    col = (ys / span)[:, None] * d  # (h, 3)
    return (row[None, :, :] + col[:, None, :]).astype(np.uint8)


def star_points(cx: float, cy: float, r: float, n: int = 5, inner: float = 0.45, rot: float = -90):
    pts = []
    for i in range(2 * n):
        rr = r if i % 2 == 0 else r * inner
        a = math.radians(rot + i * 180 / n)
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


# --------------------------------------------------------------------------------------------
# cloth and lighting on the artwork


def _wave(
    rgb: np.ndarray, rng: np.random.Generator, amp_frac: float, cycles: float, hoist_left: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Flag cloth: a vertical sine displacement growing away from the hoist, shaded by slope."""
    h, w = rgb.shape[:2]
    amp = amp_frac * h
    pad = math.ceil(amp) + 2
    xs = np.arange(w, dtype=np.float32)
    t = xs / max(w - 1, 1)
    if not hoist_left:
        t = 1.0 - t
    phase = _u(rng, 0, 2 * math.pi)
    arg = 2 * math.pi * cycles * t + phase
    disp = amp * (np.sin(arg) - math.sin(phase)) * np.power(t, 0.7)
    out_h = h + 2 * pad
    map_x = np.broadcast_to(xs[None, :], (out_h, w)).astype(np.float32)
    map_y = (np.arange(out_h, dtype=np.float32)[:, None] - pad - disp[None, :]).astype(np.float32)
    out = cv2.remap(rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    ones = np.ones((h, w), np.float32)
    alpha = cv2.remap(
        ones, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0,)
    )
    slope = np.cos(arg) * np.power(t, 0.5)
    shade = 1.0 + _u(rng, 0.15, 0.35) * slope.astype(np.float32)
    out = np.clip(out.astype(np.float32) * shade[None, :, None], 0, 255).astype(np.uint8)
    return out, alpha


def _cloth(rgb: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A tied cloth banner: sag between the ties plus a few soft, slanted creases; the crease
    slopes shade the print (bright ridges, dark valleys) as real vinyl or cloth does."""
    h, w = rgb.shape[:2]
    t = np.linspace(0.0, 1.0, w, dtype=np.float32)
    sag = _u(rng, 0.0, 0.07) * h * 4 * t * (1 - t)
    xs = np.arange(w, dtype=np.float32)
    pad = math.ceil(float(sag.max()) + 0.03 * h) + 2
    out_h = h + 2 * pad
    ys = np.arange(out_h, dtype=np.float32)[:, None] - pad
    u = xs[None, :] / max(w, 1)
    v = ys / max(h, 1)
    folds = np.zeros((out_h, w), np.float32)
    slope = np.zeros((out_h, w), np.float32)
    for _ in range(int(rng.integers(1, 4))):
        f = _u(rng, 1.5, 8) * w / max(h, 1) / 3
        tilt = _u(rng, -1.2, 1.2)
        amp = _u(rng, 0.004, 0.018) * h
        arg = 2 * math.pi * f * (u + tilt * v * h / max(w, 1)) + _u(rng, 0, 6.28)
        folds += amp * np.sin(arg)
        slope += np.cos(arg)
    held = np.clip(v, 0, 1) * 0.7 + 0.3  # the top edge is held by the ropes
    map_x = np.broadcast_to(xs[None, :], (out_h, w)).astype(np.float32)
    map_y = (ys - sag[None, :] - folds * held).astype(np.float32)
    out = cv2.remap(rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    ones = np.ones((h, w), np.float32)
    alpha = cv2.remap(
        ones, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0,)
    )
    shade = 1.0 + _u(rng, 0.04, 0.14) * slope * held
    lit = out.astype(np.float32)
    lit *= shade[..., None]
    return _to_u8(lit), alpha


def weather(rgb: np.ndarray, rng: np.random.Generator, light: float = 1.0) -> np.ndarray:
    """Prints outdoors are faded, unevenly lit, dirty or glossy; the flat artwork never is.
    ``light`` scales the whole print to the brightness of where it is put."""
    h, w = rgb.shape[:2]
    f = rgb.astype(np.float32) * light
    if rng.random() < 0.3:
        k = _u(rng, 0.05, 0.35)
        f = f * (1 - k) + k * _u(rng, 170, 240)
    lo, hi = _u(rng, 0.6, 1.0), _u(rng, 0.85, 1.15)
    f *= (lo + (hi - lo) * _ramp(w, h, _u(rng, 0, 360)))[..., None]
    if rng.random() < 0.2:
        dirt = 0.75 + 0.25 * smooth_noise(rng, h, w, int(rng.integers(3, 8)))
        f *= dirt[..., None]
    if rng.random() < 0.15:
        gl = (
            linear_gradient(w, h, (0, 0, 0), (255, 255, 255), _u(rng, 0, 360))[..., 0].astype(
                np.float32
            )
            / 255
        )
        band = np.exp(-(((gl - _u(rng, 0.2, 0.8)) / 0.08) ** 2)) * _u(rng, 30, 90)
        f += band[..., None]
    return np.clip(f, 0, 255).astype(np.uint8)
