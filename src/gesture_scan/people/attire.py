"""Civil-servant attire cue: does the torso below a face look like an ASN uniform?

Complaints about ASN neutrality often turn on *who* is in the photo, and a uniform is the quickest
visual hint that someone is a civil servant: the khaki daily service uniform (PDH), the blue
KORPRI batik, the dark-green Linmas and the Satpol PP uniforms, the white PNS shirt. This module
gives a **cue**, never proof: the rule layer may only use it to rank or annotate, and a reviewer
decides.

Two methods share the torso geometry and the lighting handling below. ``"learned"`` (the default,
issue 19) runs the head of ``uniform.py``, trained and measured on 797 real torso crops from 32
Indonesian sites, held out by site; it says ``civil_servant`` true only above a threshold chosen
for precision, because a false "civil servant" names an innocent person. ``"rule"`` is the colour
rule of issue 6, tuned on rendered people when no labelled real photo existed; measured on the same
real crops it cued a third as many uniforms at twice the false cues, so it is no longer the
default, but its scores stay features of the learned head (its KORPRI score is a good one), and it
is kept as an option for comparison.

The rule: fractions of torso pixels inside a colour range in CIE Lab, explainable in a report
("62% of torso khaki-coloured"). The batik adds one texture statistic, because a plain blue shirt
is the commonest blue near-miss; plaid (blue-white checks) is the next, and its edges run along
two axes while a batik motif curls in every direction.

Lighting: colours are read after a partial grey-world white balance of the whole photo (the torso
alone cannot be balanced: balancing a khaki shirt to grey erases the evidence), with the gains
clamped, because a photo dominated by one wall colour would otherwise be "corrected" into a lie.
Skin (neck, hands, forearms) is masked with the person's own face colour as reference, since light
skin and khaki sit a few Lab units apart and a generic skin rule eats the uniform.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from ..config import AttireOptions

#: Labels in a stable order (reports and benchmarks list them so).
LABELS = ("pdh_khaki", "korpri_batik", "linmas_green", "satpol_pp")

_REASON_COLOUR = {
    "pdh_khaki": "khaki-coloured",
    "linmas_green": "dark green/olive",
    "satpol_pp": "dark khaki/olive-brown",
}

#: Side of the square the torso is resampled to: enough for a batik motif (4-8 repeats across a
#: chest) and small enough that one person costs well under a millisecond.
_SIDE = 48
_TYPICAL_SKIN_AB = np.array(
    [18.0 * math.cos(math.radians(55.0)), 18.0 * math.sin(math.radians(55.0))], dtype=np.float32
)
_MAX_SKIN_SHIFT = 12.0


@dataclass(frozen=True)
class AttireCue:
    """One person's attire cue.

    ``label`` is set only for a likely civil servant: the learned head's civil-servant probability
    at or above its precision threshold (``civil_servant`` True; ``label`` names the most likely
    civil-servant uniform), or, with the colour rule, a rule score >= ``min_score``. ``score`` is
    the calibrated civil-servant probability (the rule: its best uniform's score), kept for
    near-misses so callers can rank them. ``uniform`` is the head's top class, whatever it is
    (``other_uniform`` and ``civilian`` included), and ``classes`` its top three with
    probabilities. A torso too small or outside the image gives ``label=None, score=0.0,
    civil_servant=None`` and says why.
    """

    label: Optional[str]
    score: float
    box: tuple[float, float, float, float]  # torso region used, xyxy pixels (clipped)
    reason: str
    civil_servant: Optional[bool] = None  # None: not judged (torso not usable)
    uniform: Optional[str] = None
    classes: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "score": round(self.score, 4),
            "box": [round(v, 1) for v in self.box],
            "reason": self.reason,
            "civil_servant": self.civil_servant,
            "uniform": self.uniform,
            "classes": [[c, round(p, 4)] for c, p in self.classes],
        }


def torso_box(
    face_box: np.ndarray | tuple[float, float, float, float], options: AttireOptions
) -> tuple[float, float, float, float]:
    """The torso region below a face, xyxy, not clipped."""
    x0, y0, x1, y1 = (float(v) for v in np.asarray(face_box, dtype=np.float64).reshape(4))
    fw, fh = max(x1 - x0, 0.0), max(y1 - y0, 0.0)
    cx = (x0 + x1) / 2
    top = y1 + options.torso_gap * fh
    half = options.torso_width * fw / 2
    return (cx - half, top, cx + half, top + options.torso_height * fh)


def _clip(box: tuple[float, float, float, float], w: int, h: int) -> tuple[float, ...]:
    return (
        min(max(box[0], 0.0), float(w)),
        min(max(box[1], 0.0), float(h)),
        min(max(box[2], 0.0), float(w)),
        min(max(box[3], 0.0), float(h)),
    )


def white_balance_gains(rgb: np.ndarray, options: AttireOptions) -> np.ndarray:
    """Per-channel gains (3,) from a partial shades-of-grey estimate over the whole photo.

    Shades of grey (Minkowski p=4) rather than plain grey world: bright neutral surfaces (walls,
    white shirts, paper) weigh more, and they are the best hint of the light's colour. Gains keep
    the mean luminance, so only the colour cast changes.
    """
    h, w = rgb.shape[:2]
    step = max(1, max(h, w) // 128)  # a global statistic: every n-th pixel is plenty
    x = rgb[::step, ::step].reshape(-1, 3).astype(np.float32) / 255.0
    x2 = x * x
    est = np.sqrt(np.sqrt(np.mean(x2 * x2, axis=0))) + 1e-6
    gains = est.mean() / est
    gains = np.power(gains, options.white_balance)
    gains = np.clip(gains, 1.0 / options.max_gain, options.max_gain)
    return (gains / (gains @ np.array([0.299, 0.587, 0.114]))).astype(np.float32)


def _lab(rgb01: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """L (0-100), chroma and hue angle (degrees, 0-360) of float RGB in [0, 1]."""
    lab = cv2.cvtColor(np.ascontiguousarray(rgb01, dtype=np.float32), cv2.COLOR_RGB2LAB)
    a, b = lab[..., 1], lab[..., 2]
    hue = np.degrees(np.arctan2(b, a)) % 360.0
    return lab[..., 0], np.hypot(a, b), hue


def _face_skin_lab(rgb: np.ndarray, face: np.ndarray, gains: np.ndarray) -> Optional[np.ndarray]:
    """Median (L, a, b) of the face's skin, or None when the face shows too little skin.

    Only the upper-middle of the box (eyes, cheeks, nose bridge): the lower half is often a
    medical mask or a beard, the top a peci or a headscarf.
    """
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = (float(v) for v in face)
    fw, fh = x1 - x0, y1 - y0
    xs = (int(max(0, x0 + 0.25 * fw)), int(min(w, x1 - 0.25 * fw)))
    ys = (int(max(0, y0 + 0.3 * fh)), int(min(h, y0 + 0.65 * fh)))
    if xs[1] - xs[0] < 2 or ys[1] - ys[0] < 2:
        return None
    patch = rgb[ys[0] : ys[1], xs[0] : xs[1]].astype(np.float32) / 255.0 * gains
    lab = cv2.cvtColor(np.clip(patch, 0, 1), cv2.COLOR_RGB2LAB).reshape(-1, 3)
    a, b = lab[:, 1], lab[:, 2]
    hue = np.degrees(np.arctan2(b, a)) % 360.0
    c = np.hypot(a, b)
    ok = (hue > 15) & (hue < 80) & (c > 6) & (c < 55) & (lab[:, 0] > 15) & (lab[:, 0] < 92)
    if ok.sum() < max(8, 0.2 * len(ok)):
        return None
    return np.median(lab[ok], axis=0)


def _ramp(x: float, lo: float, hi: float) -> float:
    """0 at ``lo``, 1 at ``hi`` (either order), smooth in between."""
    t = min(max((x - lo) / (hi - lo), 0.0), 1.0)
    return t * t * (3 - 2 * t)


def _axis_share(grey: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """Largest share of gradient energy on one pair of perpendicular axes (+-12 deg), and edge
    density.

    Plaid and stripes put nearly all their edges on two perpendicular directions, however the
    shirt is turned; a batik motif (curls, leaves, dots) spreads them. An isotropic texture scores
    about 0.28, a clean check 0.8 or more.
    """
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.hypot(gx, gy)[mask]
    total = float(mag.sum())
    if mag.size == 0 or total <= 1e-6:
        return 1.0, 0.0
    ang = np.degrees(np.arctan2(gy[mask], gx[mask])) % 90.0
    hist = np.bincount(np.minimum((ang / 5.0).astype(np.int64), 17), weights=mag, minlength=18)
    window = np.convolve(np.concatenate([hist[-2:], hist, hist[:2]]), np.ones(5), "valid")
    share = float(window.max() / total)
    density = float((mag > 0.25).mean())
    return share, density


def _score_torso(
    torso01: np.ndarray, skin_ab: Optional[np.ndarray], skin_balance: float = 0.0
) -> tuple[dict[str, float], dict[str, str], float]:
    """Per-label scores and reasons for a white-balanced torso crop, and its non-skin share.

    With the face's skin colour known, part of its offset from typical skin (Lab hue ~55 degrees,
    chroma ~18 for light to dark skin alike under neutral light) is read as the light's colour
    cast and taken out of the torso's a/b: a cast moves every low-chroma colour by about the same
    a/b offset, and khaki is low-chroma. Capped, because skin tones do vary.
    """
    lab = np.asarray(cv2.cvtColor(torso01, cv2.COLOR_RGB2LAB), dtype=np.float32)
    if skin_ab is not None and skin_balance > 0:
        shift = skin_balance * (_TYPICAL_SKIN_AB - skin_ab)
        norm = float(np.hypot(*shift))
        if norm > _MAX_SKIN_SHIFT:
            shift *= _MAX_SKIN_SHIFT / norm
        lab[..., 1:] += shift.astype(np.float32)
        skin_ab = skin_ab + shift
    L, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    c = np.hypot(a, b)
    hue = np.degrees(np.arctan2(b, a)) % 360.0
    if skin_ab is not None:
        d = np.hypot(a - skin_ab[0], b - skin_ab[1])
        skin = (d < 7.0) & (hue > 15) & (hue < 75) & (L > 12)
    else:  # generic rule, kept to the red-orange side of khaki
        skin = (hue > 25) & (hue < 60) & (c > 12) & (c < 50) & (L > 20)
    if skin.mean() > 0.6:  # fabric of skin-like colour (khaki on a light-skinned face), not skin
        skin[:] = False
    cloth = ~skin
    n = int(cloth.sum())
    share = n / cloth.size
    if n < 0.3 * cloth.size:
        return dict.fromkeys(LABELS, 0.0), dict.fromkeys(LABELS, "torso mostly skin"), share

    def frac(m: np.ndarray) -> float:
        return float((m & cloth).sum()) / n

    rel = c / np.maximum(L, 1.0)  # chroma per lightness: survives exposure changes
    yellowish = (hue >= 62) & (hue <= 108)
    khaki = (L >= 48) & (L <= 86) & (c >= 9) & (c <= 40) & (rel >= 0.16) & yellowish
    satpol = (L >= 20) & (L < 50) & (c >= 7) & (c <= 34) & (rel >= 0.2) & yellowish
    green = (L >= 10) & (L < 50) & (c >= 7) & (c <= 45) & (hue > 108) & (hue <= 170)
    blue = (L >= 15) & (L <= 72) & (c >= 18) & (hue >= 235) & (hue <= 315)
    light = (L >= 58) & ((c < 14) | ((hue >= 200) & (hue <= 320) & (c < 40)))

    axis, density = _axis_share(L / 100.0, cloth)
    scores: dict[str, float] = {}
    reasons: dict[str, str] = {}
    # The service uniforms are plain cloth: a dense pattern in their colours is batik or a print.
    plain = _ramp(density, 0.4, 0.22)
    for label, m in (("pdh_khaki", khaki), ("satpol_pp", satpol), ("linmas_green", green)):
        f = frac(m)
        scores[label] = _ramp(f, 0.3, 0.75) * plain
        reasons[label] = f"{f:.0%} of torso {_REASON_COLOUR[label]}"
        if plain < 0.5:
            reasons[label] += f", but patterned (edge density {density:.0%})"

    fb, fl = frac(blue), frac(light)
    # light pixels that sit among blue ones: a motif, not a white undershirt beside a blue jacket
    near_blue = cv2.dilate(blue.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    mixed = float((light & near_blue & cloth).sum()) / max(1.0, float((light & cloth).sum()))
    motif = fl / max(fb + fl, 1e-6)
    scores["korpri_batik"] = (
        _ramp(fb + fl, 0.4, 0.8)
        * _ramp(motif, 0.05, 0.18)
        * _ramp(fl * mixed, 0.03, 0.1)
        * _ramp(axis, 0.45, 0.38)
        * _ramp(density, 0.3, 0.5)
    )
    reasons["korpri_batik"] = (
        f"{fb:.0%} of torso blue with {fl:.0%} light motif "
        f"(edges {axis:.0%} on-axis, density {density:.0%})"
    )
    return scores, reasons, share


@dataclass(frozen=True)
class TorsoInput:
    """What both the rule and the learned head read for one face: the white-balanced torso
    resampled to ``_SIDE`` x ``_SIDE`` (float RGB in [0, 1]), the face's skin colour, the
    face height. Public so that ``scripts/train_attire.py`` trains on exactly what a scan sees."""

    box: tuple[float, float, float, float]
    torso01: np.ndarray
    skin_lab: Optional[np.ndarray]
    face_px: float
    crop: np.ndarray  # the torso as it is (no white balance), resized for the learned head


def torso_input(
    rgb: np.ndarray, face: np.ndarray, gains: np.ndarray, options: AttireOptions
) -> TorsoInput | AttireCue:
    """The torso below one face, or an unjudged cue saying why there is none."""
    h, w = rgb.shape[:2]
    full = torso_box(face, options)
    box = _clip(full, w, h)
    bw, bh = box[2] - box[0], box[3] - box[1]
    area = max((full[2] - full[0]) * (full[3] - full[1]), 1e-9)
    clipped = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
    if bw < options.min_torso_px or bh < options.min_torso_px:
        return AttireCue(None, 0.0, clipped, f"torso too small ({bw:.0f}x{bh:.0f} px)")
    if bw * bh / area < options.min_visible:
        return AttireCue(None, 0.0, clipped, f"torso {bw * bh / area:.0%} inside the image")
    x0, y0 = int(box[0]), int(box[1])
    x1, y1 = max(x0 + 1, math.ceil(box[2])), max(y0 + 1, math.ceil(box[3]))
    crop = rgb[y0:y1, x0:x1]
    small = cv2.resize(crop, (_SIDE, _SIDE), interpolation=cv2.INTER_AREA)
    torso01 = np.clip(small.astype(np.float32) * (gains / 255.0), 0.0, 1.0)
    skin = _face_skin_lab(rgb, face, gains)
    if options.method == "learned":
        from .uniform import resize_crop

        learned_crop = resize_crop(crop)
    else:
        learned_crop = np.zeros((0, 0, 3), np.uint8)
    return TorsoInput(clipped, torso01, skin, float(face[3] - face[1]), learned_crop)


def rule_scores(t: TorsoInput, options: AttireOptions) -> tuple[dict[str, float], dict[str, str]]:
    """The colour rule's per-label scores and reasons (and ``"share"``, the non-skin share)."""
    skin_ab = None if t.skin_lab is None else t.skin_lab[1:]
    scores, reasons, share = _score_torso(t.torso01, skin_ab, options.skin_balance)
    return {**scores, "share": share}, reasons


def learned_features(t: TorsoInput, options: AttireOptions) -> np.ndarray:
    """The learned head's (2, F) features for one torso: the crop and its mirror image."""
    from .uniform import features, load_backbone

    scores, _ = rule_scores(t, options)
    rule = np.array([scores[k] for k in (*LABELS, "share")], np.float32)
    return features(load_backbone(), t.crop, rule)


_UNIFORM_NAMES = {
    "pdh_khaki": "khaki PDH uniform",
    "korpri_batik": "KORPRI batik",
    "linmas_green": "Linmas uniform",
    "satpol_pp": "Satpol PP uniform",
    "white_pns": "white civil-servant shirt",
}


def _learned_cue(t: TorsoInput, options: AttireOptions) -> AttireCue:
    from .uniform import CIVIL_SERVANT_CLASSES, load_model

    head = load_model(options.head).head
    probs = head.probabilities(learned_features(t, options))
    p_cs = head.civil_servant_probability(probs)
    order = np.argsort(-probs)
    top = tuple((head.classes[i], float(probs[i])) for i in order[:3])
    best_cs = max(CIVIL_SERVANT_CLASSES, key=lambda c: float(probs[head.classes.index(c)]))
    threshold = head.threshold if options.threshold is None else options.threshold
    is_cs = p_cs >= threshold
    shown = ", ".join(f"{c} {p:.2f}" for c, p in top)
    if is_cs:
        reason = f"{_UNIFORM_NAMES[best_cs]}: civil-servant probability {p_cs:.2f} ({shown})"
    else:
        reason = f"no civil-servant uniform: probability {p_cs:.2f} ({shown})"
    return AttireCue(
        best_cs if is_cs else None,
        p_cs,
        t.box,
        reason,
        civil_servant=is_cs,
        uniform=top[0][0],
        classes=top,
    )


def _rule_cue(t: TorsoInput, options: AttireOptions) -> AttireCue:
    scores, reasons = rule_scores(t, options)
    best = max(LABELS, key=lambda k: scores[k])
    score = float(scores[best])
    if score >= options.min_score and score > 0.0:
        return AttireCue(best, score, t.box, reasons[best], civil_servant=True, uniform=best)
    return AttireCue(
        None,
        score,
        t.box,
        f"no uniform (best {best}: {reasons[best]})",
        civil_servant=False,
        uniform=None,
    )


def attire_cues(
    rgb: np.ndarray, face_boxes: np.ndarray, options: Optional[AttireOptions] = None
) -> tuple[AttireCue, ...]:
    """One cue per face box (same order); ``()`` when the options disable the cue.

    ``rgb`` is the scan image (H, W, 3) uint8 RGB; ``face_boxes`` (N, 4) xyxy pixels in it.
    """
    options = options or AttireOptions()
    if not options.enabled:
        return ()
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"rgb must be HxWx3 uint8, got {rgb.shape} {rgb.dtype}")
    faces = np.asarray(face_boxes, dtype=np.float64).reshape(-1, 4)
    if not len(faces):
        return ()
    gains = white_balance_gains(rgb, options)
    cue = _learned_cue if options.method == "learned" else _rule_cue
    out = []
    for face in faces:
        t = torso_input(rgb, face, gains, options)
        out.append(t if isinstance(t, AttireCue) else cue(t, options))
    return tuple(out)
