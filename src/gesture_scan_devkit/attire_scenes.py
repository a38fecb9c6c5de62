"""Rendered people in civil-servant uniforms and in ordinary clothes, for the attire cue.

No labeled real photos of ASN uniforms are available to us, so positives are drawn: shirt fabric
with folds and shading, and per uniform the parts that make it recognisable (the PDH's pockets,
epaulettes, name tag and button placket; the KORPRI batik's repeating tree-and-wing motif in white
and light blue on a blue ground). Negatives are drawn the same way and lean on the hard cases:
beige, brown and olive solids, brown and red batik, blue plaid, plain blue shirts, white shirts,
dark suits, prints. Every scene then goes through a colour cast, an exposure change, noise and
JPEG, so a threshold that only works under studio light fails here first.

What this cannot tell: how real uniforms look under real light in real crowds (faded fabric, a
vest over the shirt, a jacket, a lanyard). Figures on these scenes bound the logic, not the field.

Everything is deterministic given the ``numpy.random.Generator``; only numpy and OpenCV are used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

UNIFORM_KINDS = ("pdh_khaki", "korpri_batik", "linmas_green", "satpol_pp")
#: Ordinary clothing; the ``near_*`` kinds and ``plaid_blue`` / ``plain_blue`` / ``batik_brown``
#: are the ones most like a uniform.
ORDINARY_KINDS = (
    "solid",
    "near_beige",
    "near_brown",
    "near_olive",
    "plain_blue",
    "plaid_blue",
    "stripes",
    "print",
    "white_shirt",
    "dark_suit",
    "batik_brown",
)
KINDS = UNIFORM_KINDS + ORDINARY_KINDS


def label_of(kind: str) -> Optional[str]:
    """The uniform label a kind should get, None for ordinary clothes."""
    if kind not in KINDS:
        raise ValueError(f"unknown attire kind {kind!r}; known: {', '.join(KINDS)}")
    return kind if kind in UNIFORM_KINDS else None


# --------------------------------------------------------------------------------------------------
# colours


def _lab_to_rgb(L: float, chroma: float, hue_deg: float) -> np.ndarray:
    """One CIE Lab colour (L 0-100, chroma, hue angle) as float RGB in [0, 255]."""
    a = chroma * math.cos(math.radians(hue_deg))
    b = chroma * math.sin(math.radians(hue_deg))
    lab = np.array([[[L, a, b]]], dtype=np.float32)
    rgb = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)[0, 0]
    return np.clip(rgb * 255.0, 0, 255).astype(np.float32)


def _colour(kind: str, rng: np.random.Generator) -> np.ndarray:
    """Base fabric colour of a kind: uniforms within their real range, near-misses just outside.

    Ranges (Lab): PDH khaki is a light, yellowish brown (L 58-76, hue 72-92); Satpol PP a darker
    khaki/olive-brown; Linmas a dark green to olive. The near-misses sit beside them: a beige
    sweater is paler and greyer, a brown jacket redder and darker, an olive T-shirt is the Linmas
    colour itself (no colour rule can reject it; the measurement shows how often it is taken).
    """
    u = rng.uniform
    if kind == "pdh_khaki":
        return _lab_to_rgb(u(58, 76), u(16, 28), u(72, 92))
    if kind == "satpol_pp":
        return _lab_to_rgb(u(32, 47), u(12, 24), u(70, 98))
    if kind == "linmas_green":
        return _lab_to_rgb(u(22, 42), u(12, 28), u(108, 150))
    if kind == "korpri_batik":
        return _lab_to_rgb(u(30, 48), u(35, 55), u(270, 295))
    if kind == "near_beige":
        return _lab_to_rgb(u(80, 90), u(6, 16), u(65, 90))
    if kind == "near_brown":
        return _lab_to_rgb(u(25, 45), u(15, 30), u(40, 62))
    if kind == "near_olive":
        return _lab_to_rgb(u(30, 50), u(10, 25), u(95, 130))
    if kind == "plain_blue":
        return _lab_to_rgb(u(30, 60), u(25, 55), u(260, 300))
    if kind == "white_shirt":
        return _lab_to_rgb(u(88, 97), u(0, 4), u(0, 360))
    # "solid": any hue, lightness and chroma a shirt might have
    return _lab_to_rgb(u(15, 90), u(0, 50), u(0, 360))


def _skin_colour(rng: np.random.Generator) -> np.ndarray:
    """Indonesian skin tones, light to dark (Lab hue 45-65, where skin sits under daylight)."""
    return _lab_to_rgb(rng.uniform(40, 72), rng.uniform(14, 26), rng.uniform(45, 65))


# --------------------------------------------------------------------------------------------------
# fabric


def _smooth_noise(h: int, w: int, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Low-frequency noise in [-1, 1], ``scale`` px per blob."""
    gh, gw = max(2, round(h / scale) + 2), max(2, round(w / scale) + 2)
    n = rng.standard_normal((gh, gw)).astype(np.float32)
    up = cv2.resize(n, (w, h), interpolation=cv2.INTER_CUBIC)
    return up / max(1e-6, float(np.abs(up).max()))


def _shade(fabric: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Folds (vertical-ish soft bands), a little side shadow and fabric grain."""
    h, w = fabric.shape[:2]
    folds = _smooth_noise(h, w, w / rng.uniform(2.5, 6.0), rng)
    xx = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    side = 1.0 - rng.uniform(0.05, 0.2) * xx**2 + rng.uniform(-0.08, 0.08) * xx
    grain = rng.normal(0, 0.015, (h, w)).astype(np.float32)
    factor = (1.0 + rng.uniform(0.06, 0.16) * folds + grain) * side
    return fabric * factor[..., None]


def _batik_motif(h: int, w: int, rng: np.random.Generator, tile: int) -> np.ndarray:
    """Mask (float 0-1) of a KORPRI-like motif: tree crowns, trunks, wing curls and dots.

    Drawn per tile in offset rows, like printed batik; each element is outline-and-dot work, the
    way batik motifs are lines of wax rather than filled shapes.
    """
    m = np.zeros((h, w), np.uint8)
    thick = max(1, round(tile / 14))
    for row, y in enumerate(range(-tile, h + tile, tile)):
        off = (tile // 2) * (row % 2)
        for x in range(-tile + off, w + tile, tile):
            cx, cy = x + tile // 2, y + tile // 2
            r = tile * 0.22
            # tree: crown of leaf arcs around a trunk
            cv2.line(m, (cx, int(cy + r)), (cx, int(cy + 1.6 * r)), (255,), thick)
            for k in range(5):
                ang = math.pi * (0.1 + 0.2 * k)
                px = int(cx + r * math.cos(ang) * 1.1)
                py = int(cy - r * math.sin(ang) * 0.9)
                cv2.ellipse(
                    m,
                    (px, py),
                    (max(1, int(r / 2.2)), max(1, int(r / 4))),
                    math.degrees(-ang),
                    0,
                    360,
                    (255,),
                    thick,
                )
            # wings / curls either side
            for sx in (-1, 1):
                cv2.ellipse(
                    m,
                    (int(cx + sx * 1.9 * r), int(cy + 0.6 * r)),
                    (int(0.9 * r), int(0.5 * r)),
                    0,
                    180 if sx < 0 else 0,
                    360 if sx < 0 else 180,
                    (255,),
                    thick,
                )
            # isen-isen dots between motifs
            for _ in range(4):
                dx, dy = rng.uniform(-0.5, 0.5, 2) * tile
                cv2.circle(m, (int(x + tile / 2 + dx), int(y + dy)), thick, (255,), -1)
    return m.astype(np.float32) / 255.0


def _brown_batik_motif(h: int, w: int, rng: np.random.Generator, tile: int) -> np.ndarray:
    """Floral batik (kawung-like rosettes and scattered petals): the near-miss of the blue batik."""
    m = np.zeros((h, w), np.uint8)
    for y in range(0, h + tile, tile):
        for x in range(0, w + tile, tile):
            cx, cy = int(x + rng.uniform(-0.2, 0.2) * tile), int(y + rng.uniform(-0.2, 0.2) * tile)
            r = int(tile * rng.uniform(0.2, 0.35))
            for k in range(4):
                ang = k * 90 + rng.uniform(0, 45)
                cv2.ellipse(m, (cx, cy), (r, max(1, r // 2)), ang, 0, 360, (255,), -1)
    return m.astype(np.float32) / 255.0


def render_shirt(
    kind: str, rng: np.random.Generator, size: tuple[int, int] = (160, 200)
) -> np.ndarray:
    """A torso-sized piece of clothing (h, w) as float RGB 0-255, unlit, with no skin.

    The garment fills the crop; :func:`render_person` cuts it to a body outline.
    """
    label_of(kind)
    h, w = size
    base = _colour(kind, rng)
    fabric = np.empty((h, w, 3), np.float32)
    fabric[:] = base
    if kind == "korpri_batik":
        tile = int(w / rng.uniform(3.5, 6.0))
        motif = _batik_motif(h, w, rng, tile)
        motif = cv2.GaussianBlur(motif, (0, 0), 0.6)
        light = _lab_to_rgb(rng.uniform(78, 95), rng.uniform(2, 25), rng.uniform(240, 280))
        fabric = fabric * (1 - motif[..., None]) + light * motif[..., None]
    elif kind == "batik_brown":
        fabric[:] = _lab_to_rgb(rng.uniform(25, 45), rng.uniform(15, 30), rng.uniform(45, 75))
        tile = int(w / rng.uniform(3.0, 5.0))
        motif = _brown_batik_motif(h, w, rng, tile)
        accent = _lab_to_rgb(rng.uniform(55, 80), rng.uniform(20, 45), rng.uniform(40, 90))
        fabric = fabric * (1 - motif[..., None]) + accent * motif[..., None]
    elif kind == "plaid_blue":
        fabric[:] = _lab_to_rgb(rng.uniform(30, 55), rng.uniform(25, 50), rng.uniform(260, 295))
        period = int(w / rng.uniform(5, 10))
        band = max(2, int(period * rng.uniform(0.2, 0.4)))
        other = _lab_to_rgb(rng.uniform(75, 95), rng.uniform(0, 12), rng.uniform(0, 360))
        yy, xx = np.mgrid[0:h, 0:w]
        lines = ((xx % period) < band).astype(np.float32) * 0.6 + ((yy % period) < band) * 0.6
        lines = np.clip(lines, 0, 1)
        fabric = fabric * (1 - lines[..., None]) + other * lines[..., None]
        fabric = _rotate(fabric, rng.uniform(-12, 12))
    elif kind == "stripes":
        period = int(w / rng.uniform(6, 16))
        other = _colour("solid", rng)
        xx = np.arange(w)[None, :]
        vertical = rng.random() < 0.6
        idx = (xx if vertical else np.arange(h)[:, None]) % period < period // 2
        stripes = np.broadcast_to(idx, (h, w)).astype(np.float32)
        fabric = fabric * (1 - stripes[..., None]) + other * stripes[..., None]
    elif kind == "print":
        for _ in range(rng.integers(4, 14)):
            col = _colour("solid", rng)
            centre = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
            axes = (int(rng.uniform(0.05, 0.25) * w), int(rng.uniform(0.05, 0.25) * h))
            cv2.ellipse(fabric, centre, axes, float(rng.uniform(0, 180)), 0, 360, col.tolist(), -1)
    elif kind == "dark_suit":
        fabric[:] = _lab_to_rgb(rng.uniform(8, 25), rng.uniform(0, 8), rng.uniform(200, 300))
        shirt = _colour("white_shirt", rng) if rng.random() < 0.7 else _colour("plain_blue", rng)
        v = np.array([[w // 2 - w // 5, 0], [w // 2 + w // 5, 0], [w // 2, int(h * 0.65)]])
        cv2.fillPoly(fabric, [v], shirt.tolist())
        tie = _colour("solid", rng)
        cv2.fillPoly(
            fabric,
            [
                np.array(
                    [
                        [w // 2 - w // 40 - 2, int(h * 0.05)],
                        [w // 2 + w // 40 + 2, int(h * 0.05)],
                        [w // 2, int(h * 0.6)],
                    ]
                )
            ],
            tie.tolist(),
        )
    if kind == "pdh_khaki":
        _draw_pdh_details(fabric, base, rng)
    elif kind in ("satpol_pp", "linmas_green"):
        _draw_pdh_details(fabric, base, rng, name_tag=rng.random() < 0.5)
    elif kind in ("korpri_batik", "white_shirt", "plain_blue", "near_beige") and rng.random() < 0.5:
        _placket(fabric, base, rng)
    return np.clip(_shade(fabric, rng), 0, 255)


def _rotate(img: np.ndarray, deg: float) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.15)
    return cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT)


def _placket(fabric: np.ndarray, base: np.ndarray, rng: np.random.Generator) -> None:
    h, w = fabric.shape[:2]
    seam = (base * 0.8).tolist()
    cx = w // 2
    cv2.line(fabric, (cx - w // 40, 0), (cx - w // 40, h), seam, 1)
    for y in np.linspace(h * 0.1, h * 0.95, 5):
        cv2.circle(fabric, (cx, int(y)), max(1, w // 80), (base * 0.7).tolist(), -1)


def _draw_pdh_details(
    fabric: np.ndarray, base: np.ndarray, rng: np.random.Generator, name_tag: bool = True
) -> None:
    """Chest pockets with flaps, epaulettes, the button placket and a black name tag."""
    h, w = fabric.shape[:2]
    dark = (base * rng.uniform(0.72, 0.85)).tolist()
    _placket(fabric, base, rng)
    pw, ph = int(w * 0.2), int(h * 0.28)
    top = int(h * rng.uniform(0.15, 0.25))
    for cx in (int(w * 0.3), int(w * 0.7)):
        cv2.rectangle(fabric, (cx - pw // 2, top), (cx + pw // 2, top + ph), dark, 1)
        cv2.line(fabric, (cx - pw // 2, top + ph // 4), (cx + pw // 2, top + ph // 4), dark, 1)
        cv2.circle(fabric, (cx, top + ph // 6), max(1, w // 90), dark, -1)
    for x0 in (0, w - int(w * 0.16)):  # epaulettes on the shoulders
        cv2.rectangle(fabric, (x0, 0), (x0 + int(w * 0.16), int(h * 0.05)), dark, -1)
    if name_tag:
        x0 = int(w * 0.62)
        y0 = max(0, top - int(h * 0.09))
        cv2.rectangle(fabric, (x0, y0), (x0 + int(w * 0.17), y0 + int(h * 0.05)), (15, 15, 15), -1)
        cv2.line(
            fabric,
            (x0 + 3, y0 + int(h * 0.025)),
            (x0 + int(w * 0.14), y0 + int(h * 0.025)),
            (230, 230, 230),
            1,
        )


# --------------------------------------------------------------------------------------------------
# people and scenes


@dataclass(frozen=True, eq=False)
class AttireScene:
    """A rendered photo (H, W, 3) uint8 RGB with its people's face boxes and clothing kinds."""

    rgb: np.ndarray
    face_boxes: np.ndarray  # (N, 4) float32 xyxy, as a face detector would report them
    kinds: tuple[str, ...]

    @property
    def labels(self) -> tuple[Optional[str], ...]:
        return tuple(label_of(k) for k in self.kinds)


def _background(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A wall (any colour, often cream or white) with a gradient, a door, a banner or furniture."""
    wall = _colour("solid", rng) if rng.random() < 0.5 else _colour("near_beige", rng)
    img = np.empty((h, w, 3), np.float32)
    img[:] = wall
    grad = np.linspace(rng.uniform(0.8, 1.0), rng.uniform(0.9, 1.15), h, dtype=np.float32)
    img *= grad[:, None, None]
    for _ in range(rng.integers(1, 5)):
        x0, y0 = int(rng.uniform(0, w)), int(rng.uniform(0, h))
        x1, y1 = x0 + int(rng.uniform(0.05, 0.4) * w), y0 + int(rng.uniform(0.1, 0.6) * h)
        cv2.rectangle(img, (x0, y0), (x1, y1), _colour("solid", rng).tolist(), -1)
    return img


def _draw_person(
    img: np.ndarray, kind: str, cx: float, face_w: float, top: float, rng: np.random.Generator
) -> np.ndarray:
    """Head, neck, torso and arms of one person; returns the face box (brow to chin)."""
    h, w = img.shape[:2]
    skin = _skin_colour(rng)
    fw, fh = face_w, face_w * rng.uniform(1.05, 1.2)
    head_c = (cx, top + fh * 0.45)
    shoulder_y = top + fh * 1.35
    torso_w = fw * rng.uniform(2.6, 3.1)
    torso_h = fh * rng.uniform(3.0, 3.6)
    # torso: shoulders slope down from the neck, body widens slightly to the waist
    pts = np.array(
        [
            [cx - fw * 0.45, shoulder_y - fh * 0.1],
            [cx + fw * 0.45, shoulder_y - fh * 0.1],
            [cx + torso_w / 2, shoulder_y + fh * 0.35],
            [cx + torso_w / 2 * 0.95, shoulder_y + torso_h],
            [cx - torso_w / 2 * 0.95, shoulder_y + torso_h],
            [cx - torso_w / 2, shoulder_y + fh * 0.35],
        ],
        np.int32,
    )
    x0, y0 = int(pts[:, 0].min()), int(pts[:, 1].min())
    x1, y1 = int(pts[:, 0].max()) + 1, int(pts[:, 1].max()) + 1
    shirt = render_shirt(kind, rng, (y1 - y0, x1 - x0))
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(mask, [pts - [x0, y0]], (1,))
    # arms: sleeves of the same fabric down the sides, skin forearms, sometimes hands in front
    for sx in (-1, 1):
        ax = int(cx + sx * torso_w * 0.47 - x0)
        cv2.line(
            mask,
            (ax, int(fh * 0.5)),
            (ax + sx * int(fw * 0.1), int(fh * 1.6)),
            (1,),
            int(fw * 0.55),
        )
    _paste(img, shirt, mask, x0, y0)
    # neck and collar opening
    neck = np.array(
        [
            [cx - fw * 0.22, top + fh * 0.8],
            [cx + fw * 0.22, top + fh * 0.8],
            [cx + fw * 0.12, shoulder_y + fh * rng.uniform(0.0, 0.4)],
            [cx - fw * 0.12, shoulder_y + fh * rng.uniform(0.0, 0.4)],
        ],
        np.int32,
    )
    cv2.fillPoly(img, [neck], (skin * 0.9).tolist())
    if rng.random() < 0.4:  # hands clasped in front of the belly
        hc = (int(cx + rng.uniform(-0.3, 0.3) * fw), int(shoulder_y + torso_h * 0.75))
        cv2.ellipse(img, hc, (int(fw * 0.5), int(fw * 0.28)), 0, 0, 360, skin.tolist(), -1)
    # head: hair (or a peci / headscarf) behind, face ellipse, eyes and mouth
    hair = _colour("solid", rng) if rng.random() < 0.3 else np.array([25, 22, 20], np.float32)
    cv2.ellipse(
        img,
        (int(head_c[0]), int(head_c[1] - fh * 0.12)),
        (int(fw * 0.58), int(fh * 0.62)),
        0,
        0,
        360,
        hair.tolist(),
        -1,
    )
    cv2.ellipse(
        img,
        (int(head_c[0]), int(head_c[1])),
        (int(fw * 0.5), int(fh * 0.55)),
        0,
        0,
        360,
        skin.tolist(),
        -1,
    )
    for sx in (-1, 1):
        cv2.circle(
            img,
            (int(cx + sx * fw * 0.2), int(top + fh * 0.35)),
            max(1, int(fw * 0.05)),
            (30, 25, 25),
            -1,
        )
    cv2.line(
        img,
        (int(cx - fw * 0.15), int(top + fh * 0.75)),
        (int(cx + fw * 0.15), int(top + fh * 0.75)),
        (120, 50, 50),
        max(1, int(fw * 0.03)),
    )
    face = np.array([cx - fw * 0.5, top, cx + fw * 0.5, top + fh], np.float32)
    del w, h
    return face


def _paste(img: np.ndarray, part: np.ndarray, mask: np.ndarray, x0: int, y0: int) -> None:
    h, w = img.shape[:2]
    ph, pw = part.shape[:2]
    sx0, sy0 = max(0, -x0), max(0, -y0)
    dx0, dy0 = max(0, x0), max(0, y0)
    dx1, dy1 = min(w, x0 + pw), min(h, y0 + ph)
    if dx1 <= dx0 or dy1 <= dy0:
        return
    region = img[dy0:dy1, dx0:dx1]
    m = mask[sy0 : sy0 + dy1 - dy0, sx0 : sx0 + dx1 - dx0].astype(bool)
    region[m] = part[sy0 : sy0 + dy1 - dy0, sx0 : sx0 + dx1 - dx0][m]


def _light_and_encode(img: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Colour cast (warm tungsten to cool shade, a little green/magenta), exposure, noise, JPEG.

    ``strength`` 0 gives a clean render (still JPEG-compressed at high quality).
    """
    temp = rng.uniform(-1, 1) * strength
    tint = rng.uniform(-1, 1) * strength
    cast = np.array([1 + 0.18 * temp, 1 + 0.05 * tint, 1 - 0.18 * temp], np.float32)
    exposure = math.exp(rng.uniform(-0.3, 0.3) * strength)
    gamma = math.exp(rng.uniform(-0.15, 0.15) * strength)
    out = np.clip(img * cast * exposure, 0, 255) / 255.0
    out = np.power(out, gamma) * 255.0
    out = out + rng.normal(0, 1 + 5 * strength * rng.random(), out.shape).astype(np.float32)
    u8 = np.clip(out, 0, 255).astype(np.uint8)
    quality = int(95 - 45 * strength * rng.random())
    ok, enc = cv2.imencode(
        ".jpg", cv2.cvtColor(u8, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    assert ok
    return cv2.cvtColor(cv2.imdecode(enc, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def render_group(
    kinds: tuple[str, ...] | list[str],
    rng: np.random.Generator,
    size: tuple[int, int] = (480, 640),
    face_px: tuple[float, float] = (40.0, 90.0),
    lighting: float = 1.0,
) -> AttireScene:
    """People side by side, one per kind, face widths drawn from ``face_px``; photo (h, w).

    Face boxes are jittered by up to ~8% the way a detector's boxes wander around a face.
    """
    for k in kinds:
        label_of(k)
    h, w = size
    img = _background(h, w, rng)
    n = len(kinds)
    boxes = []
    slot = w / max(n, 1)
    for i, kind in enumerate(kinds):
        fw = min(rng.uniform(*face_px), slot / 3.2)
        cx = slot * (i + 0.5) + rng.uniform(-0.1, 0.1) * slot
        top = rng.uniform(0.08, 0.3) * h
        face = _draw_person(img, kind, cx, fw, top, rng)
        jitter = rng.uniform(-0.08, 0.08, 4) * fw
        boxes.append(face + jitter.astype(np.float32))
    rgb = _light_and_encode(img, rng, lighting)
    return AttireScene(rgb, np.array(boxes, np.float32).reshape(-1, 4), tuple(kinds))


def render_person(
    kind: str,
    rng: np.random.Generator,
    size: tuple[int, int] = (360, 320),
    face_px: tuple[float, float] = (50.0, 80.0),
    lighting: float = 1.0,
) -> AttireScene:
    """One person, head and shoulders to the waist, like a cropped ID or event photo."""
    return render_group([kind], rng, size, face_px, lighting)


def render_torso_crop(
    kind: str, rng: np.random.Generator, size: tuple[int, int] = (120, 140), lighting: float = 1.0
) -> np.ndarray:
    """A lit, JPEG-compressed shirt crop (h, w, 3) uint8 RGB, no person around it."""
    return _light_and_encode(render_shirt(kind, rng, size), rng, lighting)
