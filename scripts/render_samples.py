"""Draw the committed demo photos of ``samples/`` (see ``samples/SOURCES.md``), seeded.

The README's first command scans ``samples/``; a newcomer should see what the tool is for: a group
photo with a candidate's hand sign (high), a group in front of a candidate's banner (medium), the
same banner with nobody in front of it (low), a group with no sign (not flagged) and a broken
download (an error record). No real photo of such scenes may be redistributed (complaint photos
are evidence; press photos are not ours), so these are composites drawn here from material whose
licence allows it:

- people: webcam selfies of SubhiH/HandsDataset (Apache-2.0; one man, so every "person" is him),
  cut out as head and shoulders with :func:`gesture_scan_devkit.hand_scenes.load_people`; his own
  raised hand is kept where the scene needs a sign and cut away where it must not show one;
- backgrounds: St Petersburg street facades of Urban-Research-Lab/building-facades-advertising-
  dataset (CC0-1.0), picked without shop-window posters or hanging signs, so the only campaign
  material in a scene is the one drawn here;
- the banner: artwork from :mod:`gesture_scan_devkit.material` (drawn, no photo), with the
  pilpres-2024 profile's ballot number 02 and its candidates' names.

Needs ``../shared/train`` (hands, signage) and MediaPipe (face boxes of the selfies). Run
``python scripts/render_samples.py`` (or ``scripts/make_samples.py --render``); the same seed on
the same machine gives the same pixels, another machine's fonts or OpenCV may differ slightly.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

sys.path.append(
    str(Path(__file__).resolve().parents[1] / "src")
)  # gesture_scan_devkit: not installed

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SEED = 15
SIZE = (1200, 800)  # width, height of every scene
JPEG_QUALITY = 88

#: The selfies the people are cut from (``../shared/train/hands``); each shows the face and one
#: labeled hand: ``V`` a raised V (two fingers, the 02 sign of pilpres-2024), the others a fist or
#: an open palm, which are cut away.
SIGN_PERSON = "hands_1528664299.56_pic00132.jpg"
OTHER_PEOPLE = (
    "hands_pic00067.jpg",
    "hands_pic00071.jpg",
    "hands_2_pic00070.jpg",
    "hands_1528664299.56_pic00168.jpg",
)
#: Backgrounds (``../shared/train/signage/images``, CC0-1.0 facades).
BACKGROUNDS = {
    "sign": "facade_img_274.jpg",
    "banner_group": "facade_img_184.jpg",
    "banner": "facade_img_284.jpg",
    "plain": "facade_img_333.jpg",
}


@dataclass(frozen=True)
class Sample:
    name: str
    intent: str  # what the scan should say, for SOURCES.md and the tests
    made_from: str


def _shared() -> Path:
    from gesture_scan_devkit.handset import shared_dir

    base = shared_dir()
    if base is None:
        raise SystemExit("render_samples: ../shared/train not found (the people and backgrounds)")
    return base / "train"


def _people(train: Path) -> dict[str, object]:
    from gesture_scan_devkit.hand_scenes import load_people
    from gesture_scan_devkit.handset import load_handset

    wanted = {SIGN_PERSON, *OTHER_PEOPLE}
    photos = [p for p in load_handset(train / "hands") if p.file in wanted]
    people = {p.file: p for p in load_people(photos)}
    missing = wanted - set(people)
    if missing:
        raise SystemExit(f"render_samples: no face found in {sorted(missing)}")
    return people


def _background(train: Path, key: str, rng: np.random.Generator) -> np.ndarray:
    from gesture_scan_devkit.hand_scenes import load_background as cover

    return cover(train / "signage" / "images" / BACKGROUNDS[key], SIZE, rng)


def _silhouettes(people: dict) -> dict[str, np.ndarray]:
    """Each selfie's person mask (0..1), from MediaPipe's selfie segmentation (in the pinned
    wheel), so the webcam room around the man does not come along into the street."""
    import mediapipe as mp

    out = {}
    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as seg:
        for file, person in people.items():
            mask = seg.process(person.rgb).segmentation_mask
            out[file] = np.clip((mask.astype(np.float32) - 0.3) / 0.4, 0.0, 1.0)
    return out


def _person_layer(
    person, silhouette: np.ndarray, face_px: float, keep_hand: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Premultiplied RGBA of the person at ``face_px`` face height, and the face box in it.

    Without ``keep_hand`` the person is rendered without their labeled hand, and the hand's box
    and the forearm below it are cleared from the alpha, so no hand of theirs reaches the scene.
    """
    from dataclasses import replace

    from gesture_scan_devkit.hand_scenes import render_person

    shown = person if keep_hand else replace(person, hand_boxes=np.zeros((0, 4), np.float32))
    layer, face, _ = render_person(shown, face_px)
    h, w = layer.shape[:2]
    sil = cv2.resize(silhouette, (w, h), interpolation=cv2.INTER_LINEAR)
    sil = cv2.GaussianBlur(sil, (0, 0), max(0.8, 0.01 * face_px))
    layer = layer * sil[..., None]
    if keep_hand:
        return layer, face
    s = face_px / float(person.face[3] - person.face[1])
    mask = np.zeros((h, w), np.float32)
    for hb in person.hand_boxes * s:
        m = 0.15 * max(hb[2] - hb[0], hb[3] - hb[1])
        x0, y0 = int(max(0, hb[0] - m)), int(max(0, hb[1] - m))
        x1 = int(min(w, math.ceil(hb[2] + m)))
        y1 = int(min(h, math.ceil(hb[3] + m + 1.5 * (hb[3] - hb[1]))))  # and the forearm
        mask[y0:y1, x0:x1] = 1.0
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.05 * face_px))
    mask = np.clip(mask * 1.5, 0.0, 1.0)
    return layer * (1.0 - mask[..., None]), face


def _group(
    image: np.ndarray,
    people: dict,
    silhouettes: dict,
    rng: np.random.Generator,
    row: list[tuple[str, bool]],
    face_px: float,
) -> None:
    """A row of people side by side, left to right, cut off by the bottom of the photo as in a
    half-body group shot (the selfies end at the chest)."""
    from gesture_scan_devkit.hand_scenes import Canvas

    height, width = image.shape[:2]
    xs = np.linspace(0.22, 0.78, len(row)) * width if len(row) > 1 else [0.5 * width]
    canvas = Canvas(image)
    for (file, keep_hand), x in zip(row, xs):
        f = face_px * rng.uniform(0.93, 1.07)
        layer, face = _person_layer(people[file], silhouettes[file], f, keep_hand)
        cx = x + rng.normal(0, 0.02 * width)
        x0 = round(cx - 0.5 * (face[0] + face[2]))
        y0 = height - round(layer.shape[0] * rng.uniform(0.9, 0.97))
        canvas.paste(layer, x0, y0)


def _banner_art(rng: np.random.Generator, width: int, height: int, busts: bool) -> np.ndarray:
    """A pilpres-2024 style banner for candidate pair 02, in the detector's training style: a
    baliho with the pair's drawn busts, or (``busts`` False) a text-only spanduk, whose scan has
    no printed faces to count as people."""
    from gesture_scan_devkit import material as synth

    campaign = synth.Campaign(
        number=2,
        names=("PRABOWO SUBIANTO", "GIBRAN RAKABUMING RAKA"),
        role="CAPRES & CAWAPRES {nn}".format(nn="02"),
        event="PILPRES 2024",
        region="INDONESIA",
        # the spanduk may print one line only: its first line names the pair and the number
        slogan="14 FEBRUARI 2024 COBLOS 02" if busts else "COBLOS 02 PRABOWO - GIBRAN",
        cta="COBLOS NO. 2",
        party="INDONESIA MAJU",
    )
    palette = synth.PALETTES[9]  # light blue and white, the pair's colours in the profile
    art = synth.Art(rng, width, height)
    if busts:
        synth.layout_baliho(art, palette, campaign)
    else:

        def number_badge(box, pal, n, fingers=0):  # the ballot number where a bust would go
            r = 0.42 * min(box[2] - box[0], box[3] - box[1])
            art.badge(0.5 * (box[0] + box[2]), 0.5 * (box[1] + box[3]), r, "02", pal)

        art.busts = number_badge  # type: ignore[method-assign]
        synth.layout_spanduk(art, palette, campaign)
    return art.array()


def _put_banner(
    image: np.ndarray, rng: np.random.Generator, box: tuple[float, ...], busts: bool = True
) -> None:
    """The banner hung flat on the wall inside ``box`` (x0, y0, x1, y1 as shares of the photo),
    with a slight perspective, a shadow edge and the wall's light."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    bw, bh = int(x1 - x0), int(y1 - y0)
    art = _banner_art(rng, bw * 2, bh * 2, busts).astype(np.float32)
    ah, aw = art.shape[:2]
    src = np.float32([[0, 0], [aw, 0], [aw, ah], [0, ah]])
    j = 0.015 * bw
    dst = np.float32(
        [
            [x0 + rng.normal(0, j), y0 + rng.normal(0, j)],
            [x1 + rng.normal(0, j), y0 + 0.02 * bh + rng.normal(0, j)],
            [x1 + rng.normal(0, j), y1 - 0.02 * bh + rng.normal(0, j)],
            [x0 + rng.normal(0, j), y1 + rng.normal(0, j)],
        ]
    )
    m = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(art, m, (w, h), flags=cv2.INTER_AREA)
    alpha = cv2.warpPerspective(np.ones((ah, aw), np.float32), m, (w, h), flags=cv2.INTER_AREA)
    # the wall's own brightness around the banner, so it does not glow like a screen
    wall = float(image[int(y0) : int(y1), int(x0) : int(x1)].mean()) / 255.0
    light = 0.75 + 0.3 * wall
    shadow = cv2.GaussianBlur(alpha, (0, 0), 6.0)
    shadow = np.roll(np.roll(shadow, 5, axis=0), 5, axis=1)
    out = image.astype(np.float32) * (1.0 - 0.35 * shadow[..., None] * (1.0 - alpha[..., None]))
    out = out * (1.0 - alpha[..., None]) + warped * light * alpha[..., None]
    image[:] = np.clip(out + rng.normal(0, 2.0, out.shape), 0, 255).astype(np.uint8)


def _save(image: np.ndarray, path: Path) -> None:
    ok = cv2.imwrite(
        str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )
    if not ok:
        raise SystemExit(f"render_samples: could not write {path}")


def render(dest: Path = SAMPLES, seed: int = SEED) -> list[Path]:
    """Draw every sample into ``dest``; returns the paths written."""
    train = _shared()
    people = _people(train)
    sil = _silhouettes(people)
    rng = np.random.default_rng(seed)
    others = list(OTHER_PEOPLE)
    out = []

    # (a) a group photo in which one person raises the V: salam dua jari, the 02 sign -> high
    image = _background(train, "sign", rng)
    _group(
        image,
        people,
        sil,
        rng,
        [(others[0], False), (SIGN_PERSON, True), (others[2], False)],
        120,
    )
    out.append(dest / "group_salam_dua_jari.jpg")
    _save(image, out[-1])

    # (b) a group in front of a 02 baliho, nobody making a sign -> medium
    image = _background(train, "banner_group", rng)
    _put_banner(image, rng, (0.2, 0.04, 0.8, 0.42))
    _group(
        image,
        people,
        sil,
        rng,
        [(others[1], False), (others[3], False), (others[0], False)],
        105,
    )
    out.append(dest / "group_with_banner_02.jpg")
    _save(image, out[-1])

    # (c) a text-only spanduk on a street wall, nobody in the photo -> low (its text)
    image = _background(train, "banner", rng)
    _put_banner(image, rng, (0.1, 0.3, 0.9, 0.52), busts=False)
    out.append(dest / "banner_02_street.jpg")
    _save(image, out[-1])

    # (d) a group photo with no sign and no campaign material -> not flagged
    image = _background(train, "plain", rng)
    _group(
        image,
        people,
        sil,
        rng,
        [(others[2], False), (others[3], False), (others[1], False)],
        115,
    )
    out.append(dest / "group_no_sign.jpg")
    _save(image, out[-1])

    # (e) a download that broke off: the first 30% of (d)'s bytes -> an error record
    data = out[-1].read_bytes()
    broken = dest / "broken_download.jpg"
    broken.write_bytes(data[: int(len(data) * 0.3)])
    out.append(broken)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", type=Path, default=SAMPLES, help="folder to write into (samples/)")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for p in render(args.out, args.seed):
        print("sample:", p, f"({p.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
