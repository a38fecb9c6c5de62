"""People drawn into material scenes (standing or seated figures, busts' colours): they occlude
banners as they do in real photos.
"""

from __future__ import annotations

import cv2
import numpy as np

from .canvas import PALETTES, RGB, _hsv, _jitter, _pick, mul, pick_w

_SKIN: tuple[RGB, ...] = (
    (236, 192, 160),
    (224, 172, 135),
    (205, 150, 110),
    (190, 134, 96),
    (160, 108, 74),
    (132, 88, 60),
    (228, 185, 150),
)
HAIR: tuple[RGB, ...] = ((18, 16, 16), (35, 28, 24), (55, 42, 34), (90, 90, 90), (150, 150, 150))
SUIT: tuple[RGB, ...] = ((20, 24, 40), (28, 28, 30), (45, 50, 60), (70, 70, 76), (15, 30, 70))
HIJAB: tuple[RGB, ...] = (
    (250, 250, 250),
    (20, 20, 20),
    (200, 30, 40),
    (0, 110, 60),
    (240, 200, 0),
    (120, 60, 140),
    (230, 150, 170),
    (90, 140, 200),
    (150, 110, 80),
)


# --------------------------------------------------------------------------------------------
# people, used as occluders and crowds


def _person(rng: np.random.Generator, height: int, full_body: bool, arm_up: bool = False):
    """A person-shaped cut-out (rgb, alpha, hand position) drawn from ellipses and polygons."""
    h = max(12, int(height))
    w = int(h * (0.42 if full_body else 0.95))
    rgb = np.zeros((h, w, 3), np.uint8)
    alpha = np.zeros((h, w), np.uint8)
    cx = w // 2
    skin = _jitter(rng, _pick(rng, _SKIN), 12)
    shirt = pick_w(
        rng,
        [
            _hsv(rng, (0.2, 0.9), (0.2, 0.9)),
            (240, 240, 236),
            (25, 25, 28),
            _pick(rng, SUIT),
            _pick(rng, PALETTES).primary,
        ],
        [0.35, 0.2, 0.2, 0.15, 0.1],
    )
    hair = _pick(rng, HAIR)
    hijab = rng.random() < 0.3
    head_col = _pick(rng, HIJAB) if hijab else hair

    def fill(draw_fn, colour):  # draw on both layers
        draw_fn(rgb, colour)
        draw_fn(alpha, 255)

    if full_body:
        hr = h / 16
        hy = hr * 1.2
        sh_y = hy + hr * 1.3
        sw = hr * 2.1
        legs = _pick(
            rng, ((30, 30, 40), (60, 60, 70), (20, 40, 80), (120, 100, 80), (200, 200, 200))
        )
        for dx in (-0.5, 0.5):
            pts = np.array(
                [
                    [cx + dx * sw * 0.9 - hr * 0.55, h * 0.52],
                    [cx + dx * sw * 0.9 + hr * 0.55, h * 0.52],
                    [cx + dx * sw * 0.7 + hr * 0.45, h - 1],
                    [cx + dx * sw * 0.7 - hr * 0.45, h - 1],
                ],
                np.int32,
            )
            fill(lambda im, c, p=pts: cv2.fillPoly(im, [p], c, cv2.LINE_AA), legs)
        torso = np.array(
            [
                [cx - sw, sh_y],
                [cx + sw, sh_y],
                [cx + sw * 0.85, h * 0.56],
                [cx - sw * 0.85, h * 0.56],
            ],
            np.int32,
        )
        fill(lambda im, c: cv2.fillPoly(im, [torso], c, cv2.LINE_AA), shirt)
        arm_w = max(1, int(hr * 0.7))
        for side in (-1, 1):
            up = arm_up and side == 1
            end = (
                (int(cx + side * sw * 1.1), int(hy - hr * 2.5))
                if up
                else (int(cx + side * sw * 1.15), int(h * 0.52))
            )
            fill(
                lambda im, c, e=end, s=side: cv2.line(
                    im, (int(cx + s * sw * 0.9), int(sh_y + hr * 0.3)), e, c, arm_w, cv2.LINE_AA
                ),
                shirt,
            )
            fill(
                lambda im, c, e=end: cv2.circle(im, e, max(1, int(hr * 0.4)), c, -1, cv2.LINE_AA),
                skin,
            )
        hand = (int(cx + sw * 1.1), int(hy - hr * 2.5))
        fill(
            lambda im, c: cv2.ellipse(
                im, (cx, int(hy)), (int(hr), int(hr * 1.2)), 0, 0, 360, c, -1, cv2.LINE_AA
            ),
            skin,
        )
        fill(
            lambda im, c: cv2.ellipse(
                im,
                (cx, int(hy - hr * 0.3)),
                (int(hr * 1.05), int(hr * (1.3 if hijab else 0.95))),
                0,
                180 if not hijab else 0,
                360,
                c,
                -1,
                cv2.LINE_AA,
            ),
            head_col,
        )
    else:
        hr = h * 0.17
        hy = h * 0.25
        sw = w * 0.48
        body = np.array(
            [
                [cx - sw * 0.55, h * 0.5],
                [cx + sw * 0.55, h * 0.5],
                [cx + sw, h * 0.68],
                [cx + sw, h],
                [cx - sw, h],
                [cx - sw, h * 0.68],
            ],
            np.int32,
        )
        fill(lambda im, c: cv2.fillPoly(im, [body], c, cv2.LINE_AA), shirt)
        fill(
            lambda im, c: cv2.ellipse(
                im, (cx, int(h * 0.6)), (int(sw), int(h * 0.14)), 0, 180, 360, c, -1, cv2.LINE_AA
            ),
            shirt,
        )
        fill(
            lambda im, c: cv2.rectangle(
                im, (int(cx - hr * 0.45), int(hy)), (int(cx + hr * 0.45), int(h * 0.52)), c, -1
            ),
            mul(skin, 0.85),
        )
        fill(
            lambda im, c: cv2.ellipse(
                im, (cx, int(hy)), (int(hr * 0.85), int(hr)), 0, 0, 360, c, -1, cv2.LINE_AA
            ),
            skin,
        )
        if hijab:
            fill(
                lambda im, c: cv2.ellipse(
                    im,
                    (cx, int(hy)),
                    (int(hr * 1.05), int(hr * 1.2)),
                    0,
                    0,
                    360,
                    c,
                    -1,
                    cv2.LINE_AA,
                ),
                head_col,
            )
            if rng.random() < 0.5:  # seen from the front: face inside the hijab
                fill(
                    lambda im, c: cv2.ellipse(
                        im,
                        (cx, int(hy + hr * 0.1)),
                        (int(hr * 0.62), int(hr * 0.8)),
                        0,
                        0,
                        360,
                        c,
                        -1,
                        cv2.LINE_AA,
                    ),
                    skin,
                )
        elif rng.random() < 0.6:  # seen from behind: all hair
            fill(
                lambda im, c: cv2.ellipse(
                    im,
                    (cx, int(hy - hr * 0.05)),
                    (int(hr * 0.9), int(hr * 1.02)),
                    0,
                    0,
                    360,
                    c,
                    -1,
                    cv2.LINE_AA,
                ),
                hair,
            )
        else:
            fill(
                lambda im, c: cv2.ellipse(
                    im,
                    (cx, int(hy - hr * 0.2)),
                    (int(hr * 0.9), int(hr * 0.85)),
                    0,
                    180,
                    360,
                    c,
                    -1,
                    cv2.LINE_AA,
                ),
                hair,
            )
        hand = (int(cx + sw * 0.7), int(hy - hr * 1.5))
        if arm_up:
            fill(
                lambda im, c: cv2.line(
                    im,
                    (int(cx + sw * 0.8), int(h * 0.75)),
                    hand,
                    c,
                    max(1, int(hr * 0.45)),
                    cv2.LINE_AA,
                ),
                shirt,
            )
            fill(
                lambda im, c: cv2.circle(im, hand, max(1, int(hr * 0.3)), c, -1, cv2.LINE_AA), skin
            )
    # soft shading so silhouettes are not flat stickers
    ramp = np.linspace(1.1, 0.75, h, dtype=np.float32)[:, None, None]
    rgb = np.clip(rgb.astype(np.float32) * ramp, 0, 255).astype(np.uint8)
    return rgb, alpha.astype(np.float32) / 255.0, hand
