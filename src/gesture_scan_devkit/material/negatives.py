"""Look-alikes drawn without boxes (screens, doors, road and shop signs), so the detector does not
learn that any printed rectangle is a banner.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .art import STREETS, Art
from .canvas import _hsv, _pick, _u, linear_gradient, mul


def neg_screen(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    img = np.empty((h, w, 3), np.uint8)
    img[:] = _pick(rng, ((15, 15, 15), (30, 30, 32), (200, 200, 200)))
    b = max(1, int(min(w, h) * _u(rng, 0.02, 0.06)))
    sw, sh = w - 2 * b, h - 2 * b
    if sw < 4 or sh < 4:
        return img
    if rng.random() < 0.45:
        scr = linear_gradient(sw, sh, (12, 14, 18), (45, 50, 58), _u(rng, 0, 180))
    else:  # bright UI: window, header bar, text lines, tiles
        a = Art(
            rng, sw, sh, _pick(rng, ((250, 250, 250), (235, 240, 245), (30, 40, 60), (20, 90, 170)))
        )
        bar = _hsv(rng, (0.4, 0.9), (0.4, 0.9))
        a.band(0, sh * 0.1, bar)
        fg = (190, 190, 195) if sum(a.array()[-1, 0]) > 400 else (120, 130, 150)
        for i in range(int(rng.integers(3, 9))):
            y = sh * (0.18 + i * 0.09)
            a.draw.rectangle((sw * 0.05, y, sw * _u(rng, 0.3, 0.9), y + sh * 0.035), fill=fg)
        for _ in range(int(rng.integers(0, 4))):
            x, y = _u(rng, 0.05, 0.7) * sw, _u(rng, 0.2, 0.7) * sh
            a.draw.rectangle(
                (x, y, x + sw * 0.22, y + sh * 0.22), fill=_hsv(rng, (0.3, 0.8), (0.5, 0.95))
            )
        scr = a.array()
    img[b : b + sh, b : b + sw] = scr
    return img


def neg_door(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    base = _pick(
        rng,
        (
            (120, 75, 40),
            (150, 100, 60),
            (235, 235, 230),
            (90, 60, 40),
            (70, 90, 120),
            (190, 190, 185),
        ),
    )
    img = linear_gradient(w, h, mul(base, 1.08), mul(base, 0.9), 90)
    a = Art(rng, w, h)
    a.img = Image.fromarray(img)
    a.draw = ImageDraw.Draw(a.img)
    line = mul(base, 0.7)
    m = 0.12 * w
    for y0, y1 in ((0.06, 0.45), (0.52, 0.94)):
        a.draw.rectangle((m, y0 * h, w - m, y1 * h), outline=line, width=max(1, int(w * 0.025)))
    hx = w * (0.85 if rng.random() < 0.5 else 0.15)
    a.draw.ellipse(
        (hx - w * 0.04, h * 0.5 - w * 0.04, hx + w * 0.04, h * 0.5 + w * 0.04), fill=(200, 190, 120)
    )
    return a.array()


def neg_sign(rng: np.random.Generator, s: int) -> tuple[np.ndarray, np.ndarray]:
    """Traffic and street signs: the reds, blues and lettering of a poster, but not a poster."""
    kind = _pick(
        rng, ("noentry", "limit", "blue_round", "blue_rect", "warning", "street", "noparking")
    )
    rect = kind in ("blue_rect", "street")
    w = int(s * (2.6 if kind == "street" else 1.0))
    h = s
    a = Art(rng, w, h, (0, 0, 0))
    m = Image.new("L", (w, h), 0)
    md = ImageDraw.Draw(m)
    d = a.draw
    full = (0, 0, w - 1, h - 1)
    red, blue, white, black, yellow = (
        (200, 20, 30),
        (0, 80, 170),
        (250, 250, 250),
        (20, 20, 20),
        (250, 200, 0),
    )
    if rect:
        bg = blue if kind == "blue_rect" else _pick(rng, ((0, 110, 60), (0, 80, 170)))
        d.rectangle(full, fill=white)
        d.rectangle((w * 0.04, h * 0.04, w * 0.96, h * 0.96), fill=bg)
        md.rectangle(full, fill=255)
        if kind == "blue_rect":
            p = _pick(rng, ("P", "arrow"))
            if p == "P":
                a.text((w * 0.2, h * 0.15, w * 0.8, h * 0.85), "P", white)
            else:
                d.polygon(
                    [
                        (w * 0.2, h * 0.42),
                        (w * 0.55, h * 0.42),
                        (w * 0.55, h * 0.25),
                        (w * 0.85, h * 0.5),
                        (w * 0.55, h * 0.75),
                        (w * 0.55, h * 0.58),
                        (w * 0.2, h * 0.58),
                    ],
                    fill=white,
                )
        else:
            a.text((w * 0.08, h * 0.2, w * 0.92, h * 0.8), _pick(rng, STREETS), white)
    elif kind == "warning":
        tri = [(w / 2, h * 0.04), (w * 0.97, h * 0.94), (w * 0.03, h * 0.94)]
        d.polygon(tri, fill=red if rng.random() < 0.5 else black)
        inner = [(w / 2, h * 0.22), (w * 0.83, h * 0.85), (w * 0.17, h * 0.85)]
        d.polygon(inner, fill=yellow if rng.random() < 0.6 else white)
        md.polygon(tri, fill=255)
        a.text((w * 0.38, h * 0.4, w * 0.62, h * 0.82), "!", black)
    else:
        d.ellipse(full, fill=red if kind != "blue_round" else white)
        md.ellipse(full, fill=255)
        if kind == "noentry":
            d.rectangle((w * 0.18, h * 0.42, w * 0.82, h * 0.58), fill=white)
        elif kind == "blue_round":
            d.ellipse((w * 0.04, h * 0.04, w * 0.96, h * 0.96), fill=blue)
            d.polygon(
                [
                    (w * 0.5, h * 0.18),
                    (w * 0.78, h * 0.5),
                    (w * 0.58, h * 0.5),
                    (w * 0.58, h * 0.82),
                    (w * 0.42, h * 0.82),
                    (w * 0.42, h * 0.5),
                    (w * 0.22, h * 0.5),
                ],
                fill=white,
            )
        else:
            d.ellipse(
                (w * 0.14, h * 0.14, w * 0.86, h * 0.86), fill=white if kind == "limit" else blue
            )
            if kind == "limit":
                a.text(
                    (w * 0.25, h * 0.3, w * 0.75, h * 0.7),
                    _pick(rng, ("40", "30", "60", "20")),
                    black,
                )
            else:
                a.text(
                    (w * 0.3, h * 0.25, w * 0.7, h * 0.75),
                    "P",
                    white if rng.random() < 0.5 else black,
                )
                d.line(
                    [(w * 0.25, h * 0.25), (w * 0.75, h * 0.75)],
                    fill=red,
                    width=max(1, int(w * 0.1)),
                )
    return a.array(), np.asarray(m, np.float32) / 255.0
