"""Synthetic training scenes for the campaign-material detector (class 0 ``banner``, 1 ``flag``).

The real labeled set (``../shared/train/material``) has 76 training photos and not one Indonesian
baliho, spanduk or party flag in it, and we are air-gapped: no pretrained weights, no web fonts, no
scraped photos. So the detector learns what Indonesian campaign material looks like mostly from
scenes drawn here: party-coloured artwork with ballot numbers, slogans, names and portrait-like
busts, put on poles, frames, walls and stages, in perspective, wrinkled, waved, occluded by people,
relit and re-encoded. Things that look like printed panels but are not (windows, screens, traffic
signs, doors, tiles, lettering painted straight on a wall) are drawn too, without boxes, so the
detector does not learn "any coloured rectangle is a banner".

Everything is plain numpy / OpenCV / Pillow (no torch), and every random choice goes through the
``numpy.random.Generator`` the caller passes, so a seed reproduces a scene pixel for pixel on one
machine. Fonts are found at import time (Pillow's embedded font, plus DejaVu where installed); a
machine with other fonts draws other glyphs for the same seed, and a Pillow without FreeType falls
back to OpenCV's Hershey fonts.

Box policy (kept the same for every object): the box is the tight box of the object's own pixels
inside the image (the printed panel or the cloth, never the poles, legs or ropes). When later pixels
(people, signs, other banners) hide half or more of it, the box shrinks to the visible part, and an
object with less than 12 % or 40 px left visible gets no box.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont, features

from gesture_scan.errors import ConfigError, GestureScanError, InputError

BANNER = 0
FLAG = 1
#: Commercial boards and shop signs: drawn so that the detector learns they are not campaign
#: material (the rules ignore the class), the same class the real signage photos' signboards get.
SIGNBOARD = 2
CLASS_NAMES: dict[int, str] = {BANNER: "banner", FLAG: "flag", SIGNBOARD: "signboard"}
BANNER_KINDS: tuple[str, ...] = ("baliho", "spanduk", "poster", "a3", "backdrop", "commercial")
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")

# How often a scene is drawn on one of the caller's photos rather than a procedural background.
PHOTO_BACKGROUND_P = 0.7
_MIN_BOX_PX = 4
_MIN_VISIBLE_FRACTION = 0.12
_MIN_VISIBLE_PX = 40
_FULL_BOX_VISIBLE_FRACTION = 0.5

T = TypeVar("T")
RGB = tuple[int, int, int]
Box = tuple[float, float, float, float]


@dataclass(frozen=True, eq=False)
class SynthScene:
    """One rendered scene: ``image`` HxWx3 uint8 RGB, ``boxes`` (N, 4) float32 xyxy pixels,
    ``classes`` (N,) int64 (0 banner, 1 flag)."""

    image: np.ndarray
    boxes: np.ndarray
    classes: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.classes)
        object.__setattr__(self, "boxes", np.asarray(self.boxes, np.float32).reshape(n, 4))
        object.__setattr__(self, "classes", np.asarray(self.classes, np.int64).reshape(n))


# --------------------------------------------------------------------------------------------
# small random helpers


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _logu(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _pick(rng: np.random.Generator, seq: Sequence[T]) -> T:
    return seq[int(rng.integers(len(seq)))]


def _pick_w(rng: np.random.Generator, items: Sequence[T], weights: Sequence[float]) -> T:
    w = np.asarray(weights, np.float64)
    return items[int(rng.choice(len(items), p=w / w.sum()))]


def _mul(c: Sequence[int], f: float) -> RGB:
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


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
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


_FONTS: tuple[_FontSource, ...] = _discover_fonts()


def available_fonts() -> list[str]:
    """Names of the type faces this machine renders with (recorded next to a built dataset,
    because another machine draws other glyphs for the same seed)."""
    return [f.name for f in _FONTS] or ["opencv-hershey"]


@functools.lru_cache(maxsize=512)
def _font(index: int, size: int) -> ImageFont.FreeTypeFont:
    src = _FONTS[index]
    if src.path is None:
        return ImageFont.load_default(size=size)  # type: ignore[return-value]
    return ImageFont.truetype(src.path, size)


@functools.lru_cache(maxsize=4096)
def _text_extent(index: int, text: str) -> tuple[float, float]:
    left, top, right, bottom = _font(index, 100).getbbox(text)
    return max(1.0, float(right - left)), max(1.0, float(bottom - top))


def _draw_text(
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
    if font < 0 or not _FONTS:
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
class _Palette:
    primary: RGB
    secondary: RGB
    accent: RGB
    text: RGB


# Party-like colour schemes (not the real logos): red/white, yellow/black/green, orange/white,
# greens, blues, navy/orange, white-ground prints, ...
def _words(text: str) -> tuple[str, ...]:
    """``"A | B | C"`` -> ``("A", "B", "C")``: keeps the long word lists below readable."""
    return tuple(w.strip() for w in text.split("|") if w.strip())


_PALETTES: tuple[_Palette, ...] = (
    _Palette((204, 16, 32), (255, 255, 255), (20, 20, 20), (255, 255, 255)),
    _Palette((178, 22, 30), (255, 255, 255), (232, 181, 48), (255, 255, 255)),
    _Palette((255, 206, 0), (22, 22, 22), (0, 122, 61), (22, 22, 22)),
    _Palette((250, 214, 20), (0, 110, 55), (22, 22, 22), (20, 20, 20)),
    _Palette((243, 112, 33), (255, 255, 255), (25, 25, 25), (255, 255, 255)),
    _Palette((0, 136, 68), (255, 255, 255), (253, 216, 53), (255, 255, 255)),
    _Palette((0, 94, 48), (255, 255, 255), (255, 214, 0), (255, 255, 255)),
    _Palette((0, 71, 171), (255, 255, 255), (110, 180, 240), (255, 255, 255)),
    _Palette((16, 38, 102), (250, 166, 26), (255, 255, 255), (255, 255, 255)),
    _Palette((0, 150, 214), (255, 255, 255), (0, 60, 130), (255, 255, 255)),
    _Palette((18, 36, 88), (220, 30, 45), (255, 255, 255), (255, 255, 255)),
    _Palette((248, 248, 246), (200, 16, 32), (30, 30, 30), (200, 16, 32)),
    _Palette((248, 248, 246), (0, 71, 171), (250, 190, 0), (0, 55, 140)),
    _Palette((248, 248, 246), (0, 128, 64), (20, 20, 20), (0, 100, 50)),
    _Palette((245, 240, 225), (243, 112, 33), (20, 20, 20), (30, 30, 30)),
    _Palette((128, 20, 40), (255, 215, 0), (255, 255, 255), (255, 255, 255)),
    _Palette((96, 40, 140), (255, 255, 255), (255, 200, 0), (255, 255, 255)),
    _Palette((25, 25, 25), (255, 210, 0), (200, 16, 32), (255, 210, 0)),
)
_SKIN: tuple[RGB, ...] = (
    (236, 192, 160),
    (224, 172, 135),
    (205, 150, 110),
    (190, 134, 96),
    (160, 108, 74),
    (132, 88, 60),
    (228, 185, 150),
)
_HAIR: tuple[RGB, ...] = ((18, 16, 16), (35, 28, 24), (55, 42, 34), (90, 90, 90), (150, 150, 150))
_SUIT: tuple[RGB, ...] = ((20, 24, 40), (28, 28, 30), (45, 50, 60), (70, 70, 76), (15, 30, 70))
_HIJAB: tuple[RGB, ...] = (
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

_FIRST_M = _words(
    """
    BUDI | AGUS | JOKO | BAMBANG | HENDRA | RUDI | ARIF | DEDI | ANDI | WAHYU | IMAM |
    FAJAR | RAHMAT | YUSUF | SLAMET | EKO | IWAN | TEGUH | HERMAN | ILHAM | MUHAMMAD |
    AHMAD | SUGENG | DONI | RIZAL
"""
)
_FIRST_F = _words(
    """
    SITI | DEWI | SRI | RINA | ANI | WULAN | NUR | LESTARI | FITRI | INDAH | RATNA |
    YULI | MEGA | PUTRI | AYU | NURUL
"""
)
_LAST = _words(
    """
    SANTOSO | RAHAYU | WIBOWO | SETIAWAN | HIDAYAT | NUGROHO | KURNIAWAN | SAPUTRA |
    PRATAMA | HASIBUAN | SIREGAR | LUBIS | WIJAYA | SUSANTO | HARAHAP | PANJAITAN |
    MAULANA | FIRMANSYAH | GUNAWAN | PURNOMO | MARPAUNG | TAMBUNAN | RAMADHAN | HAKIM |
    SULISTYO | HANDAYANI | WAHYUNI | SYAHPUTRA | BASRI | PATTIMURA
"""
)
_PREFIX_M = ("", "", "", "H. ", "H. ", "Ir. ", "Dr. ", "Drs. ", "KH. ", "Prof. Dr. ")
_PREFIX_F = ("", "", "", "Hj. ", "Hj. ", "Ir. ", "Dr. ", "Dra. ")
_SUFFIX = (
    "",
    "",
    "",
    *_words(", S.H. | , S.E. | , M.M. | , M.Si. | , S.Pd. | , S.T. | , M.H. | , S.Sos. | , S.Ag."),
)
_ROLES = _words(
    """
    CALON BUPATI | CALON WALIKOTA | CALON GUBERNUR | CALEG DPRD KABUPATEN |
    CALEG DPRD PROVINSI | CALEG DPR RI | CALON ANGGOTA DPD RI | CALON KEPALA DESA
"""
)
_PAIR_ROLES = _words(
    """
    CALON BUPATI & WAKIL BUPATI | CALON WALIKOTA & WAKIL WALIKOTA |
    CALON GUBERNUR & WAKIL GUBERNUR | CAPRES & CAWAPRES | PASANGAN CALON NOMOR URUT {n}
"""
)
_REGIONS = _words(
    """
    KAB. SLEMAN | KOTA MEDAN | KAB. BOGOR | KOTA SURABAYA | KAB. GOWA | KOTA DEPOK |
    KAB. BANYUWANGI | JAWA TENGAH | SUMATERA UTARA | KOTA PADANG | KAB. BANDUNG |
    DAPIL JATIM II | DAPIL 3 | KALIMANTAN BARAT | NTB | KOTA MAKASSAR | KAB. KLATEN
"""
)
_EVENTS = _words(
    """
    PILKADA 2024 | PEMILU 2024 | PILKADA SERENTAK 2024 | PILEG 2024 | PILPRES 2024 |
    PILKADES 2025 | PEMILU 2019 | PILGUB 2024
"""
)
_SLOGANS = _words(
    """
    COBLOS | PILIH NOMOR {n} | SALAM {n} JARI | COBLOS NOMOR {n} | BERSAMA MEMBANGUN |
    LANJUTKAN! | MENUJU PERUBAHAN | JUJUR, AMANAH, MERAKYAT | SIAP MENANG |
    SATU TEKAD SATU TUJUAN | BERSIH & PEDULI | KERJA NYATA UNTUK RAKYAT |
    MOHON DOA DAN DUKUNGAN | INDONESIA MAJU | AYO KE TPS! | MENANG TOTAL |
    DARI RAKYAT UNTUK RAKYAT | BANGKIT BERSAMA | SEJAHTERA BERSAMA | GOTONG ROYONG |
    AMANAH & BERPENGALAMAN | BERSATU KITA MENANG | COBLOS NO. {n} LANJUTKAN |
    27 NOVEMBER COBLOS NO. {n} | 14 FEBRUARI 2024 COBLOS {nn} | MUDA BERANI BERGERAK
"""
)
_CTA = ("COBLOS", "COBLOS NO. {n}", "PILIH NO. {n}", "SALAM {n} JARI", "NOMOR URUT {nn}")
_ACRONYMS = _words(
    """
    PDK | PKR | PBN | PPI | PRD | PKN | PSD | PNR | PBI | PAR | PIM | PKRI | PGB | PRB |
    PNI | PKS | PKB | PAN | PPP
"""
)
_BACKDROP_TITLES = _words(
    """
    KAMPANYE AKBAR | DEKLARASI PEMENANGAN | KONSOLIDASI PEMENANGAN | RAPAT UMUM |
    DEBAT PUBLIK | SILATURAHMI AKBAR | PELANTIKAN TIM PEMENANGAN | JALAN SEHAT BERSAMA |
    TEMU KADER | ORASI POLITIK | SOSIALISASI PEMILU | KAMPANYE DIALOGIS
"""
)
_COMMERCIAL = (
    ("DISKON 50%", "SEMUA PRODUK"),
    ("PROMO SPESIAL", "BELI 2 GRATIS 1"),
    ("SEDIA PULSA", "TOKEN LISTRIK - E-TOLL"),
    ("BAKSO MALANG", "CAK NO"),
    ("MIE AYAM", "ENAK & MURAH"),
    ("SELAMAT DATANG", "DI DESA WISATA"),
    ("DIRGAHAYU RI KE-79", "NUSANTARA BARU INDONESIA MAJU"),
    ("MARHABAN YA RAMADHAN", "1445 H"),
    ("SELAMAT HARI RAYA", "IDUL FITRI 1445 H"),
    ("TERIMA PESANAN", "NASI KOTAK - TUMPENG"),
    ("GRAND OPENING", "DISKON HINGGA 70%"),
    ("SERVICE HP", "GANTI LCD - BATERAI"),
    ("LES PRIVAT", "SD - SMP - SMA"),
    ("DIJUAL", "TANAH & BANGUNAN"),
    ("KOPI SUSU", "KEKINIAN"),
    ("BIMBEL", "MASUK PTN"),
    ("VAKSINASI GRATIS", "PUSKESMAS"),
    ("AYO CUCI TANGAN", "HIDUP SEHAT"),
    ("LOMBA 17 AGUSTUS", "RT 05 RW 02"),
    ("PENERIMAAN SISWA BARU", "TAHUN AJARAN 2024/2025"),
    ("JUAL BELI MOTOR", "KREDIT & CASH"),
    ("SALE", "UP TO 70% OFF"),
    ("NEW ARRIVAL", "OPEN DAILY"),
    ("AYAM GEPREK", "MULAI 10RB"),
    ("LAUNDRY KILAT", "1 HARI JADI"),
)
_FASCIA = _words(
    """
    TOKO SUMBER REJEKI | APOTEK SEHAT | BENGKEL MOTOR | LAUNDRY | WARUNG MAKAN |
    SALON AYU | FOTOKOPI | MINIMARKET | KANTOR DESA | SD NEGERI 3 | MASJID AL-IKHLAS |
    PUSKESMAS | TOKO BANGUNAN | RUMAH MAKAN PADANG | KLINIK | BANK | HOTEL | CAFE |
    KOPERASI | GEREJA | POLSEK | TOKO EMAS | MEUBEL JATI
"""
)
_STREETS = ("JL. MERDEKA", "JL. SUDIRMAN", "JL. DIPONEGORO", "JL. GATOT SUBROTO", "JL. AHMAD YANI")


@dataclass(frozen=True)
class _Campaign:
    number: int
    names: tuple[str, ...]
    role: str
    event: str
    region: str
    slogan: str
    cta: str
    party: str

    @property
    def num(self) -> str:
        return f"{self.number:02d}"


def _fmt(t: str, n: int) -> str:
    return t.format(n=n, nn=f"{n:02d}")


def _person_name(rng: np.random.Generator, female: bool) -> str:
    if female:
        first, prefix = _pick(rng, _FIRST_F), _pick(rng, _PREFIX_F)
    else:
        first, prefix = _pick(rng, _FIRST_M), _pick(rng, _PREFIX_M)
    return f"{prefix}{first} {_pick(rng, _LAST)}{_pick(rng, _SUFFIX)}"


def _campaign(rng: np.random.Generator) -> _Campaign:
    pair = rng.random() < 0.5
    n = int(rng.integers(1, 6)) if pair or rng.random() < 0.6 else int(rng.integers(1, 13))
    names = tuple(_person_name(rng, rng.random() < 0.3) for _ in range(2 if pair else 1))
    role = _fmt(_pick(rng, _PAIR_ROLES if pair else _ROLES), n)
    return _Campaign(
        number=n,
        names=names,
        role=role,
        event=_pick(rng, _EVENTS),
        region=_pick(rng, _REGIONS),
        slogan=_fmt(_pick(rng, _SLOGANS), n),
        cta=_fmt(_pick(rng, _CTA), n),
        party=_pick(rng, _ACRONYMS),
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


def _linear_gradient(
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


def _star_points(cx: float, cy: float, r: float, n: int = 5, inner: float = 0.45, rot: float = -90):
    pts = []
    for i in range(2 * n):
        rr = r if i % 2 == 0 else r * inner
        a = math.radians(rot + i * 180 / n)
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


class _Art:
    """A banner or flag being drawn: a Pillow canvas plus the typography chosen for it, so one
    banner keeps one type face like a real print job."""

    def __init__(self, rng: np.random.Generator, w: int, h: int, fill: RGB = (255, 255, 255)):
        self.rng = rng
        self.w, self.h = w, h
        self.img = Image.new("RGB", (w, h), fill)
        self.draw = ImageDraw.Draw(self.img)
        n = len(_FONTS)
        self.font = int(rng.integers(n)) if n else -1
        self.font2 = int(rng.integers(n)) if n else -1

    def array(self) -> np.ndarray:
        return np.asarray(self.img, dtype=np.uint8).copy()

    def text(self, box: Box, text: str, fill: RGB, outline: RGB | None = None, alt: bool = False):
        _draw_text(self.img, box, text, fill, self.font2 if alt else self.font, outline)

    def paste(self, arr: np.ndarray, x: float, y: float) -> None:
        self.img.paste(Image.fromarray(arr), (int(x), int(y)))

    # -- backgrounds ---------------------------------------------------------------------
    def background(self, pal: _Palette, plain_p: float = 0.25) -> None:
        rng, w, h = self.rng, self.w, self.h
        style = _pick_w(rng, range(6), (plain_p, 0.25, 0.12, 0.22, 0.1, 0.08))
        if style == 0:
            self.draw.rectangle((0, 0, w, h), fill=pal.primary)
        elif style == 1:
            dark = _mul(pal.primary, _u(rng, 0.55, 0.85))
            self.paste(_linear_gradient(w, h, pal.primary, dark, _u(rng, 0, 360)), 0, 0)
        elif style == 2:
            other = _mix(pal.primary, pal.secondary, _u(rng, 0.2, 0.5))
            self.paste(_linear_gradient(w, h, pal.primary, other, _u(rng, 0, 360)), 0, 0)
        elif style == 3:
            self.draw.rectangle((0, 0, w, h), fill=pal.primary)
            self.swoosh(pal)
        elif style == 4:
            self.draw.rectangle((0, 0, w, h), fill=pal.primary)
            cx, cy = _u(rng, 0, w), _u(rng, 0, h)
            ray = _mix(pal.primary, (255, 255, 255), _u(rng, 0.08, 0.2))
            k = int(rng.integers(10, 24))
            big = 2 * (w + h)
            off = _u(rng, 0, 360)
            for i in range(k):
                a0 = math.radians(off + 360 * i / k)
                a1 = math.radians(off + 360 * (i + 0.5) / k)
                self.draw.polygon(
                    [
                        (cx, cy),
                        (cx + big * math.cos(a0), cy + big * math.sin(a0)),
                        (cx + big * math.cos(a1), cy + big * math.sin(a1)),
                    ],
                    fill=ray,
                )
        else:
            self.draw.rectangle((0, 0, w, h), fill=pal.primary)
            x = _u(rng, 0.3, 0.7) * w
            d = _u(rng, -0.3, 0.3) * w
            self.draw.polygon([(x, 0), (w, 0), (w, h), (x + d, h)], fill=pal.secondary)
            self.draw.line([(x, 0), (x + d, h)], fill=pal.accent, width=max(2, int(0.02 * h)))

    def swoosh(self, pal: _Palette) -> None:
        rng, w, h = self.rng, self.w, self.h
        base = _u(rng, 0.55, 0.95) * h
        amp = _u(rng, 0.05, 0.25) * h
        thick = _u(rng, 0.04, 0.16) * h
        ph = _u(rng, 0, 6.28)
        xs = np.linspace(0, w, 24)
        top = [(float(x), base + amp * math.sin(ph + 3 * x / w)) for x in xs]
        for colour, t in ((pal.secondary, thick), (pal.accent, thick * 0.35)):
            bottom = [(x, y + t) for x, y in reversed(top)]
            self.draw.polygon(top + bottom, fill=colour)
            top = [(x, y + t) for x, y in top]

    # -- graphic elements ----------------------------------------------------------------
    def logo(self, cx: float, cy: float, r: float, pal: _Palette, style: int | None = None):
        """A party-like emblem built from simple shapes inside a ring."""
        rng, d = self.rng, self.draw
        if r < 3:
            return
        ring = _pick(rng, ((255, 255, 255), pal.secondary, pal.accent))
        inner = _pick(rng, (pal.primary, (255, 255, 255), pal.secondary))
        if _dist(inner, ring) < 60:
            inner = _ink(ring)
        fg = pal.accent if _dist(pal.accent, inner) >= 90 else pal.secondary
        if _dist(fg, inner) < 90:
            fg = _ink(inner)
        shape_square = rng.random() < 0.2
        box = (cx - r, cy - r, cx + r, cy + r)
        ib = (cx - r * 0.84, cy - r * 0.84, cx + r * 0.84, cy + r * 0.84)
        if shape_square:
            d.rectangle(box, fill=ring)
            d.rectangle(ib, fill=inner)
        else:
            d.ellipse(box, fill=ring)
            d.ellipse(ib, fill=inner)
        s = r * 0.6
        style = int(rng.integers(9)) if style is None else style
        if style == 0:  # star
            d.polygon(_star_points(cx, cy, s), fill=fg)
        elif style == 1:  # bull-head-like
            d.polygon(
                [(cx - s * 0.6, cy - s * 0.35), (cx + s * 0.6, cy - s * 0.35), (cx, cy + s)],
                fill=fg,
            )
            d.polygon(
                [
                    (cx - s * 0.6, cy - s * 0.35),
                    (cx - s, cy - s * 0.9),
                    (cx - s * 0.3, cy - s * 0.3),
                ],
                fill=fg,
            )
            d.polygon(
                [
                    (cx + s * 0.6, cy - s * 0.35),
                    (cx + s, cy - s * 0.9),
                    (cx + s * 0.3, cy - s * 0.3),
                ],
                fill=fg,
            )
            e = s * 0.1
            for ex in (cx - s * 0.25, cx + s * 0.25):
                d.ellipse(
                    (ex - e, cy - e, ex + e, cy + e),
                    fill=pal.primary if inner != pal.primary else (255, 255, 255),
                )
        elif style == 2:  # crescent and star
            d.ellipse((cx - s, cy - s, cx + s, cy + s), fill=fg)
            o = s * 0.35
            d.ellipse((cx - s + o, cy - s * 0.9, cx + s + o * 0.6, cy + s * 0.9), fill=inner)
            d.polygon(_star_points(cx + s * 0.45, cy - s * 0.1, s * 0.35), fill=fg)
        elif style == 3:  # bars
            n = int(rng.integers(3, 6))
            bw = 2 * s / (2 * n - 1)
            for i in range(n):
                x = cx - s + i * 2 * bw
                top = cy + s - 2 * s * (0.4 + 0.6 * (i + 1) / n)
                d.rectangle((x, top, x + bw, cy + s), fill=fg)
        elif style == 4:  # tree
            d.rectangle((cx - s * 0.12, cy, cx + s * 0.12, cy + s), fill=fg)
            d.ellipse((cx - s * 0.9, cy - s * 0.9, cx + s * 0.9, cy + s * 0.3), fill=fg)
        elif style == 5:  # sun
            for i in range(12):
                a = math.radians(i * 30)
                d.line(
                    [(cx, cy), (cx + s * math.cos(a), cy + s * math.sin(a))],
                    fill=fg,
                    width=max(1, int(s * 0.12)),
                )
            d.ellipse((cx - s * 0.5, cy - s * 0.5, cx + s * 0.5, cy + s * 0.5), fill=fg)
        elif style == 6:  # kaaba-like block
            d.rectangle((cx - s * 0.7, cy - s * 0.7, cx + s * 0.7, cy + s * 0.7), fill=(20, 20, 20))
            d.rectangle(
                (cx - s * 0.7, cy - s * 0.4, cx + s * 0.7, cy - s * 0.25), fill=(230, 190, 60)
            )
        elif style == 7:  # globe
            wd = max(1, int(s * 0.1))
            d.ellipse((cx - s, cy - s, cx + s, cy + s), outline=fg, width=wd)
            d.ellipse((cx - s * 0.45, cy - s, cx + s * 0.45, cy + s), outline=fg, width=wd)
            d.line([(cx - s, cy), (cx + s, cy)], fill=fg, width=wd)
        else:  # letters
            self.text((cx - s, cy - s * 0.5, cx + s, cy + s * 0.5), _pick(rng, _ACRONYMS), fg)

    def badge(self, cx: float, cy: float, r: float, label: str, pal: _Palette) -> None:
        """The ballot number, big in a ring: the one thing every campaign print repeats."""
        rng, d = self.rng, self.draw
        if r < 3:
            return
        ring = _pick(rng, ((255, 255, 255), pal.accent, pal.secondary))
        fill = _pick(rng, (pal.primary, pal.secondary, (255, 255, 255), (20, 20, 20)))
        if _dist(fill, ring) < 90:
            fill = _ink(ring)
        fg = _ink(fill)
        if rng.random() < 0.3 and _dist(pal.primary, fill) > 120:
            fg = pal.primary
        shape = rng.random()
        box = (cx - r, cy - r, cx + r, cy + r)
        ib = (cx - r * 0.85, cy - r * 0.85, cx + r * 0.85, cy + r * 0.85)
        if shape < 0.75:
            d.ellipse(box, fill=ring)
            d.ellipse(ib, fill=fill)
        elif shape < 0.92:
            d.rounded_rectangle(box, radius=r * 0.25, fill=ring)
            d.rounded_rectangle(ib, radius=r * 0.2, fill=fill)
        else:
            d.polygon(_star_points(cx, cy, r * 1.2, 8, 0.8), fill=ring)
            d.ellipse(ib, fill=fill)
        self.text((cx - r * 0.62, cy - r * 0.55, cx + r * 0.62, cy + r * 0.55), label, fg)

    def bust(self, box: Box, pal: _Palette, fingers: int = 0) -> None:
        """A head-and-shoulders candidate photo stand-in: skin-toned face, dark hair, peci or
        hijab, suit or party shirt; optionally a hand showing the ballot number."""
        rng, d = self.rng, self.draw
        x0, y0, x1, y1 = box
        s = min(y1 - y0, (x1 - x0) * 1.15)
        if s < 8:
            return
        cx = (x0 + x1) / 2
        top = y1 - s
        female = rng.random() < 0.35
        skin = _jitter(rng, _pick(rng, _SKIN), 10)
        skin_d = _mul(skin, 0.82)
        head_cy = top + 0.27 * s
        chin = top + 0.47 * s
        sh = top + 0.58 * s
        outfit_kind = _pick_w(rng, ("suit", "party", "batik", "white"), (0.45, 0.3, 0.13, 0.12))
        outfit = {
            "suit": _pick(rng, _SUIT),
            "party": _pick(rng, (pal.primary, pal.secondary, pal.accent)),
            "batik": _pick(rng, ((120, 70, 30), (90, 50, 25), (160, 110, 40), (40, 60, 110))),
            "white": (242, 242, 238),
        }[outfit_kind]
        tw = s * _u(rng, 0.46, 0.56)
        d.ellipse((cx - tw, sh, cx + tw, sh + 1.1 * s), fill=outfit)
        d.rectangle((cx - tw, sh + 0.3 * s, cx + tw, y1 + 2), fill=outfit)
        if outfit_kind == "batik":
            dot = _mul(outfit, 1.5)
            for _ in range(int(rng.integers(10, 25))):
                px, py = cx + _u(rng, -tw, tw) * 0.9, _u(rng, sh + 0.1 * s, y1)
                rr = s * _u(rng, 0.015, 0.04)
                d.ellipse((px - rr, py - rr, px + rr, py + rr), fill=dot)
        hijab = female and rng.random() < 0.65
        hij = _pick(rng, _HIJAB)
        if not hijab:
            d.rectangle((cx - 0.07 * s, chin - 0.06 * s, cx + 0.07 * s, sh + 0.06 * s), fill=skin_d)
        if outfit_kind == "suit":
            d.polygon(
                [(cx - 0.12 * s, sh), (cx + 0.12 * s, sh), (cx, sh + 0.34 * s)],
                fill=(245, 245, 245),
            )
            tie = _pick(rng, ((190, 20, 30), pal.primary, (30, 40, 90), pal.accent))
            d.polygon(
                [
                    (cx - 0.03 * s, sh + 0.03 * s),
                    (cx + 0.03 * s, sh + 0.03 * s),
                    (cx + 0.045 * s, sh + 0.27 * s),
                    (cx, sh + 0.33 * s),
                    (cx - 0.045 * s, sh + 0.27 * s),
                ],
                fill=tie,
            )
        elif outfit_kind in ("party", "white"):
            collar = _mul(outfit, 0.7) if outfit_kind == "party" else (40, 40, 40)
            d.polygon(
                [
                    (cx - 0.12 * s, sh - 0.01 * s),
                    (cx, sh + 0.12 * s),
                    (cx - 0.02 * s, sh + 0.02 * s),
                ],
                fill=collar,
            )
            d.polygon(
                [
                    (cx + 0.12 * s, sh - 0.01 * s),
                    (cx, sh + 0.12 * s),
                    (cx + 0.02 * s, sh + 0.02 * s),
                ],
                fill=collar,
            )
            if rng.random() < 0.5:
                self.logo(cx + tw * 0.5, sh + 0.3 * s, s * 0.06, pal)
        hair = _pick(rng, _HAIR)
        if hijab:
            d.polygon(
                [
                    (cx - 0.22 * s, head_cy),
                    (cx + 0.22 * s, head_cy),
                    (cx + 0.4 * s, sh + 0.3 * s),
                    (cx - 0.4 * s, sh + 0.3 * s),
                ],
                fill=hij,
            )
            d.ellipse((cx - 0.22 * s, top + 0.02 * s, cx + 0.22 * s, chin + 0.1 * s), fill=hij)
            d.ellipse((cx - 0.13 * s, top + 0.11 * s, cx + 0.13 * s, chin), fill=skin)
        else:
            if female:
                d.rounded_rectangle(
                    (cx - 0.19 * s, top + 0.03 * s, cx + 0.19 * s, sh + 0.12 * s),
                    radius=0.1 * s,
                    fill=hair,
                )
            for side in (-1, 1):
                ex = cx + side * 0.15 * s
                d.ellipse(
                    (ex - 0.03 * s, head_cy - 0.04 * s, ex + 0.03 * s, head_cy + 0.05 * s),
                    fill=skin_d,
                )
            d.ellipse(
                (cx - 0.155 * s, top + 0.02 * s, cx + 0.155 * s, head_cy + 0.04 * s), fill=hair
            )
            d.ellipse((cx - 0.145 * s, top + 0.08 * s, cx + 0.145 * s, chin), fill=skin)
            d.chord(
                (cx - 0.15 * s, top + 0.03 * s, cx + 0.15 * s, top + 0.24 * s), 180, 360, fill=hair
            )
            if not female and rng.random() < 0.4:  # peci
                d.rounded_rectangle(
                    (cx - 0.16 * s, top - 0.02 * s, cx + 0.16 * s, top + 0.12 * s),
                    radius=0.04 * s,
                    fill=(15, 15, 18),
                )
        ey = head_cy + 0.0 * s
        er = max(0.8, 0.017 * s)
        for side in (-1, 1):
            ex = cx + side * 0.055 * s
            d.ellipse((ex - er, ey - er, ex + er, ey + er), fill=(25, 20, 20))
            d.line(
                [(ex - 0.03 * s, ey - 0.035 * s), (ex + 0.03 * s, ey - 0.04 * s)],
                fill=_mul(hair, 1.0),
                width=max(1, int(0.012 * s)),
            )
        d.line(
            [(cx, ey + 0.02 * s), (cx - 0.012 * s, ey + 0.08 * s)],
            fill=skin_d,
            width=max(1, int(0.01 * s)),
        )
        d.arc(
            (cx - 0.05 * s, ey + 0.07 * s, cx + 0.05 * s, ey + 0.13 * s),
            20,
            160,
            fill=(150, 60, 60),
            width=max(1, int(0.012 * s)),
        )
        if rng.random() < 0.15:
            for side in (-1, 1):
                ex = cx + side * 0.055 * s
                d.ellipse(
                    (ex - 0.04 * s, ey - 0.03 * s, ex + 0.04 * s, ey + 0.03 * s),
                    outline=(20, 20, 20),
                    width=max(1, int(0.008 * s)),
                )
        if fingers > 0:
            side = _pick(rng, (-1, 1))
            hx, hy = cx + side * 0.36 * s, head_cy + 0.12 * s
            d.polygon(
                [
                    (hx - 0.05 * s, hy + 0.05 * s),
                    (hx + 0.05 * s, hy + 0.05 * s),
                    (cx + side * 0.3 * s, sh + 0.4 * s),
                    (cx + side * 0.18 * s, sh + 0.4 * s),
                ],
                fill=outfit,
            )
            d.rounded_rectangle(
                (hx - 0.065 * s, hy - 0.05 * s, hx + 0.065 * s, hy + 0.1 * s),
                radius=0.03 * s,
                fill=skin,
            )
            fw = 0.026 * s
            for i in range(min(fingers, 5)):
                fx = hx - 0.05 * s + i * 0.032 * s
                d.rounded_rectangle(
                    (fx, hy - 0.19 * s, fx + fw, hy - 0.02 * s), radius=fw / 2, fill=skin
                )

    def busts(self, box: Box, pal: _Palette, n: int, fingers: int = 0) -> None:
        x0, y0, x1, y1 = box
        if n <= 1:
            self.bust(box, pal, fingers if self.rng.random() < 0.35 else 0)
            return
        w = x1 - x0
        self.bust((x0 + 0.4 * w, y0 + 0.06 * (y1 - y0), x1, y1), pal)
        self.bust((x0, y0, x0 + 0.62 * w, y1), pal, fingers if self.rng.random() < 0.3 else 0)

    def band(self, y0: float, y1: float, colour: RGB, x0: float = 0, x1: float | None = None):
        self.draw.rectangle((x0, y0, self.w if x1 is None else x1, y1), fill=colour)


def _contrast_text(bg: Sequence[int], pal: _Palette) -> RGB:
    lum = 0.3 * bg[0] + 0.59 * bg[1] + 0.11 * bg[2]
    if lum > 150:
        return pal.text if sum(pal.text) < 300 else (20, 20, 20)
    return (255, 255, 255) if sum(pal.text) > 300 or pal.text == bg else pal.text


# --------------------------------------------------------------------------------------------
# banner layouts


def _layout_baliho(a: _Art, pal: _Palette, c: _Campaign) -> None:
    rng, w, h = a.rng, a.w, a.h
    a.background(pal)
    m = 0.03 * min(w, h)
    hdr = h * _u(rng, 0.11, 0.18) if rng.random() < 0.7 else 0.0
    left = rng.random() < 0.5
    pw = w * _u(rng, 0.34, 0.5)
    px0 = 0 if left else w - pw
    a.busts((px0, hdr + m, px0 + pw, h), pal, len(c.names), c.number)
    tx0, tx1 = (pw + m, w - m) if left else (m, w - pw - m)
    if hdr:
        bar = _pick(rng, ((255, 255, 255), pal.secondary, _mul(pal.primary, 0.7)))
        a.band(0, hdr, bar)
        nl = int(rng.integers(1, 5))
        r = hdr * 0.38
        for i in range(nl):
            a.logo(m + r + i * 2.3 * r, hdr / 2, r, pal)
        a.text(
            (m + nl * 2.3 * r + m, hdr * 0.15, w - m, hdr * 0.85),
            f"{c.event} {c.region}",
            _contrast_text(bar, pal),
        )
    tw = tx1 - tx0
    y = hdr + 2 * m
    col = _contrast_text(pal.primary, pal)
    a.text((tx0, y, tx1, y + h * 0.08), c.role, col, alt=True)
    y += h * 0.1
    r = min(h * _u(rng, 0.13, 0.2), tw * 0.22)
    a.badge(tx0 + r + m, y + r, r, c.num, pal)
    a.text(
        (tx0 + 2 * r + 2 * m, y + 0.1 * r, tx1, y + 0.9 * r),
        _pick(rng, ("COBLOS", "NO. URUT", c.cta)),
        col,
        outline=pal.accent if rng.random() < 0.4 else None,
    )
    a.text((tx0 + 2 * r + 2 * m, y + 1.05 * r, tx1, y + 1.8 * r), c.party, col)
    y += 2 * r + m
    band_h = h * _u(rng, 0.12, 0.18)
    per = max(h * 0.06, (h - band_h - y - m) / max(1, len(c.names)))
    for name in c.names:
        a.text(
            (tx0, y, tx1, y + min(per, h * 0.11)),
            name,
            col,
            outline=(20, 20, 20) if rng.random() < 0.3 else None,
        )
        y += min(per, h * 0.11) + m * 0.5
    bc = _pick(rng, (pal.secondary, pal.accent, _mul(pal.primary, 0.6)))
    if rng.random() < 0.6:
        a.band(h - band_h, h, bc)
    else:
        a.band(h - band_h, h, bc, tx0 - m, tx1 + m)
    a.text((m, h - band_h * 0.85, w - m, h - band_h * 0.15), c.slogan, _contrast_text(bc, pal))


def _layout_poster(a: _Art, pal: _Palette, c: _Campaign, simple: bool = False) -> None:
    rng, w, h = a.rng, a.w, a.h
    a.background(pal, plain_p=0.4)
    m = 0.03 * w
    hdr = h * _u(rng, 0.09, 0.14)
    bar = _pick(rng, (pal.secondary, (255, 255, 255), _mul(pal.primary, 0.7)))
    a.band(0, hdr, bar)
    a.text(
        (m, hdr * 0.12, w - m, hdr * 0.88),
        c.event if rng.random() < 0.6 else c.role,
        _contrast_text(bar, pal),
    )
    if not simple or rng.random() < 0.6:
        a.busts((w * 0.08, hdr + m, w * 0.92, h * 0.72), pal, len(c.names), c.number)
        r = w * _u(rng, 0.11, 0.17)
        a.badge(_pick(rng, (m + r, w - m - r)), h * 0.66, r, c.num, pal)
        y = h * 0.72
    else:
        r = w * 0.3
        a.badge(w / 2, hdr + m + r, r, c.num, pal)
        y = hdr + 2 * m + 2 * r
    col = _contrast_text(pal.primary, pal)
    band_h = h * _u(rng, 0.1, 0.15)
    per = (h - band_h - y - m) / (len(c.names) + 1)
    a.text((m, y, w - m, y + per * 0.8), c.role, col, alt=True)
    y += per
    for name in c.names:
        a.text((m, y, w - m, y + per * 0.9), name, col)
        y += per
    bc = _pick(rng, (pal.secondary, pal.accent, (255, 255, 255)))
    a.band(h - band_h, h, bc)
    a.text(
        (m, h - band_h * 0.85, w - m, h - band_h * 0.15),
        c.cta if rng.random() < 0.6 else c.slogan,
        _contrast_text(bc, pal),
    )
    if rng.random() < 0.6:
        r = hdr * 0.35
        for i in range(int(rng.integers(1, 4))):
            a.logo(w - m - r - i * 2.3 * r, hdr + m + r, r, pal)


def _layout_spanduk(a: _Art, pal: _Palette, c: _Campaign) -> None:
    rng, w, h = a.rng, a.w, a.h
    a.background(pal, plain_p=0.45)
    m = 0.06 * h
    if rng.random() < 0.6:
        sc = _pick(rng, (pal.secondary, pal.accent))
        t = h * _u(rng, 0.04, 0.08)
        a.band(0, t, sc)
        a.band(h - t, h, sc)
    x0, x1 = m, w - m
    if rng.random() < 0.7:
        r = h * 0.36
        a.logo(m + r, h / 2, r, pal)
        x0 = 2 * r + 2 * m
    if rng.random() < 0.6:
        if rng.random() < 0.5:
            a.busts((w - h * 0.95, m, w - m, h), pal, len(c.names))
            x1 = w - h * 1.0
        else:
            r = h * 0.36
            a.badge(w - m - r, h / 2, r, c.num, pal)
            x1 = w - 2 * r - 2 * m
    col = _contrast_text(pal.primary, pal)
    lines = _pick(rng, (1, 2, 2, 3))
    texts = [c.slogan, c.names[0] if rng.random() < 0.5 else c.event, f"{c.role} {c.region}"][
        :lines
    ]
    hs = [0.5, 0.3, 0.2][:lines]
    tot = sum(hs)
    y = m
    for i, (txt, hh) in enumerate(zip(texts, hs)):
        lh = (h - 2 * m) * hh / tot
        a.text(
            (x0, y, x1, y + lh),
            txt,
            col,
            outline=pal.accent if i == 0 and rng.random() < 0.3 else None,
            alt=i > 0,
        )
        y += lh


def _layout_backdrop(a: _Art, pal: _Palette, c: _Campaign) -> None:
    rng, w, h = a.rng, a.w, a.h
    if rng.random() < 0.35:  # step-and-repeat photo wall
        a.draw.rectangle((0, 0, w, h), fill=_pick(rng, ((250, 250, 250), pal.primary)))
        cell = h * _u(rng, 0.14, 0.25)
        style = int(rng.integers(9))
        col = _contrast_text(tuple(int(v) for v in a.array()[0, 0]), pal)
        for j, yy in enumerate(np.arange(cell * 0.6, h, cell)):
            for i, xx in enumerate(np.arange(cell * (0.6 + 0.9 * (j % 2)), w, cell * 1.8)):
                if (i + j) % 2 == 0:
                    a.logo(float(xx), float(yy), cell * 0.33, pal, style)
                else:
                    a.text(
                        (xx - cell * 0.7, yy - cell * 0.2, xx + cell * 0.7, yy + cell * 0.2),
                        c.party,
                        col,
                    )
        return
    a.background(pal)
    m = 0.03 * h
    nl = int(rng.integers(2, 7))
    r = h * 0.06
    x = (w - nl * 2.4 * r) / 2
    for i in range(nl):
        a.logo(x + r + i * 2.4 * r, m + r, r, pal)
    col = _contrast_text(pal.primary, pal)
    side = w * 0.22 if rng.random() < 0.6 else 0
    if side:
        a.busts((m, h * 0.25, side, h), pal, 1, c.number)
        a.busts((w - side, h * 0.25, w - m, h), pal, 1)
    a.text(
        (side + m, h * 0.2, w - side - m, h * 0.45),
        _pick(rng, _BACKDROP_TITLES),
        col,
        outline=(20, 20, 20) if rng.random() < 0.3 else None,
    )
    a.text((side + m, h * 0.48, w - side - m, h * 0.6), c.role, col, alt=True)
    a.text(
        (side + m, h * 0.62, w - side - m, h * 0.75),
        " & ".join(c.names) if len(c.names) > 1 else c.names[0],
        col,
    )
    rb = h * 0.09
    a.badge(w / 2, h * 0.86, rb, c.num, pal)


def _layout_commercial(a: _Art, rng: np.random.Generator) -> None:
    w, h = a.w, a.h
    head, sub = _pick(rng, _COMMERCIAL)
    c0 = _hsv(rng, (0.4, 1.0), (0.5, 1.0)) if rng.random() < 0.7 else (250, 250, 248)
    c1 = _hsv(rng, (0.5, 1.0), (0.4, 1.0))
    pal = _Palette(
        c0,
        c1,
        _hsv(rng, (0.6, 1.0), (0.7, 1.0)),
        (20, 20, 20) if sum(c0) > 450 else (255, 255, 255),
    )
    a.background(pal)
    m = 0.04 * min(w, h)
    landscape = w >= h
    if rng.random() < 0.45:  # a "photo" block: real prints are often half photo
        pw, ph = (int(w * 0.45), int(h - 2 * m)) if landscape else (int(w - 2 * m), int(h * 0.4))
        if pw > 8 and ph > 8:
            photo = _procedural_background(rng, pw, ph)
            px = m if rng.random() < 0.5 or not landscape else w - m - pw
            py = m if landscape else h * 0.3
            a.paste(photo, px, py)
            tb = (
                (px + pw + m, m, w - m, h - m)
                if landscape and px < w / 2
                else (m, m, px - m, h - m)
                if landscape
                else (m, m, w - m, h * 0.3 - m)
            )
        else:
            tb = (m, m, w - m, h - m)
    else:
        tb = (m, m, w - m, h - m)
        for _ in range(int(rng.integers(0, 4))):  # product-like blobs
            r = min(w, h) * _u(rng, 0.1, 0.25)
            cx, cy = _u(rng, r, w - r), _u(rng, h * 0.5, h - r * 0.5)
            colour = _hsv(rng, (0.3, 1.0), (0.4, 1.0))
            if rng.random() < 0.5:
                a.draw.ellipse((cx - r, cy - r * 0.7, cx + r, cy + r * 0.7), fill=colour)
                a.draw.ellipse(
                    (cx - r * 0.5, cy - r * 0.5, cx - r * 0.1, cy - r * 0.2),
                    fill=_mix(colour, (255, 255, 255), 0.6),
                )
            else:
                a.draw.rounded_rectangle(
                    (cx - r * 0.35, cy - r, cx + r * 0.35, cy + r), radius=r * 0.2, fill=colour
                )
    x0, y0, x1, y1 = tb
    th = y1 - y0
    col = _contrast_text(c0, pal)
    a.text((x0, y0, x1, y0 + th * 0.4), head, col, outline=_pick(rng, (None, (20, 20, 20), c1)))
    a.text((x0, y0 + th * 0.45, x1, y0 + th * 0.65), sub, col, alt=True)
    digits = [int(rng.integers(lo, hi)) for lo, hi in ((11, 99), (1000, 9999), (1000, 9999))]
    phone = "HUB: 08{}-{}-{}".format(*digits)
    a.text(
        (x0, y0 + th * 0.72, x1, y0 + th * 0.85),
        phone if rng.random() < 0.6 else _pick(rng, _STREETS) + f" NO. {int(rng.integers(1, 200))}",
        col,
    )
    if rng.random() < 0.3:
        r = min(w, h) * 0.16
        cx, cy = _u(rng, r, w - r), _u(rng, r, h - r)
        a.draw.polygon(_star_points(cx, cy, r, 12, 0.75), fill=pal.accent)
        a.text(
            (cx - r * 0.6, cy - r * 0.35, cx + r * 0.6, cy + r * 0.35),
            _pick(rng, ("HEMAT!", "PROMO", "50%", "BARU!")),
            (20, 20, 20) if sum(pal.accent) > 400 else (255, 255, 255),
        )


_KIND_ASPECT: dict[str, tuple[float, float]] = {
    "baliho": (1.3, 2.4),
    "spanduk": (3.0, 7.0),
    "poster": (0.6, 0.8),
    "a3": (0.68, 0.74),
    "backdrop": (1.6, 3.2),
    "commercial": (0.6, 4.5),
}


def _kind_for_aspect(rng: np.random.Generator, aspect: float) -> str:
    if aspect >= 2.8:
        return _pick_w(rng, ("spanduk", "commercial", "backdrop"), (0.7, 0.2, 0.1))
    if aspect >= 1.1:
        return _pick_w(rng, ("baliho", "backdrop", "commercial"), (0.6, 0.2, 0.2))
    return _pick_w(rng, ("poster", "a3", "commercial"), (0.55, 0.25, 0.2))


def render_banner(
    rng: np.random.Generator, width: int, height: int, kind: str | None = None
) -> np.ndarray:
    """Flat (unwarped) printed artwork, HxWx3 uint8 RGB.

    ``kind`` is one of :data:`BANNER_KINDS`; ``None`` picks one that suits the aspect ratio, so a
    caller asking for a 6:1 strip gets a spanduk rather than a squashed poster.
    """
    if width < 8 or height < 8:
        raise ConfigError("size", f"banner must be at least 8x8 px, got {width}x{height}")
    if kind is None:
        kind = _kind_for_aspect(rng, width / height)
    if kind not in BANNER_KINDS:
        raise ConfigError("kind", f"unknown banner kind {kind!r}; expected one of {BANNER_KINDS}")
    a = _Art(rng, int(width), int(height))
    if kind == "commercial":
        _layout_commercial(a, rng)
        return a.array()
    pal = _pick(rng, _PALETTES)
    c = _campaign(rng)
    if kind == "baliho":
        _layout_baliho(a, pal, c)
    elif kind == "spanduk":
        _layout_spanduk(a, pal, c)
    elif kind in ("poster", "a3"):
        _layout_poster(a, pal, c, simple=kind == "a3")
    else:
        _layout_backdrop(a, pal, c)
    return a.array()


# --------------------------------------------------------------------------------------------
# flags

_NATIONAL: tuple[tuple[str, tuple[RGB, ...]], ...] = (
    ("h", ((206, 17, 38), (255, 255, 255))),  # Indonesia (and Monaco)
    ("h", ((206, 17, 38), (255, 255, 255))),
    ("h", ((206, 17, 38), (255, 255, 255))),
    ("v", ((0, 85, 164), (255, 255, 255), (239, 65, 53))),
    ("v", ((0, 140, 69), (244, 249, 255), (205, 33, 42))),
    ("h", ((0, 0, 0), (221, 0, 0), (255, 206, 0))),
    ("h", ((255, 255, 255), (0, 57, 166), (213, 43, 30))),
    ("h", ((0, 106, 78), (255, 255, 255), (0, 106, 78))),
    ("v", ((0, 158, 96), (255, 255, 255), (255, 130, 0))),
    ("h", ((227, 27, 35), (255, 255, 255), (0, 0, 0))),
)


def _flag_art(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    kind = _pick_w(
        rng, ("national", "party", "number", "stripe", "diagonal"), (0.3, 0.35, 0.12, 0.15, 0.08)
    )
    a = _Art(rng, w, h)
    d = a.draw
    if kind == "national":
        orient, cols = _pick(rng, _NATIONAL)
        n = len(cols)
        for i, col in enumerate(cols):
            if orient == "h":
                d.rectangle((0, i * h / n, w, (i + 1) * h / n), fill=col)
            else:
                d.rectangle((i * w / n, 0, (i + 1) * w / n, h), fill=col)
        if rng.random() < 0.15:
            d.polygon([(0, 0), (w * 0.4, h / 2), (0, h)], fill=_hsv(rng, (0.6, 1), (0.3, 0.9)))
        return a.array()
    pal = _pick(rng, _PALETTES)
    d.rectangle((0, 0, w, h), fill=pal.primary)
    if kind == "stripe":
        k = int(rng.integers(1, 4))
        vertical = rng.random() < 0.3
        for i in range(k):
            col = pal.secondary if i % 2 == 0 else pal.accent
            t0 = _u(rng, 0.1, 0.8)
            t1 = t0 + _u(rng, 0.05, 0.2)
            if vertical:
                d.rectangle((t0 * w, 0, t1 * w, h), fill=col)
            else:
                d.rectangle((0, t0 * h, w, t1 * h), fill=col)
    elif kind == "diagonal":
        d.polygon([(0, h), (w, 0), (w, h)], fill=pal.secondary)
    r = h * _u(rng, 0.22, 0.34)
    cx = w / 2 if rng.random() < 0.75 else w * 0.3
    if kind == "number":
        a.badge(cx, h * 0.45, r, _pick(rng, ("1", "2", "3", "01", "02", "03", "04", "05")), pal)
    else:
        a.logo(cx, h * 0.45 if rng.random() < 0.5 else h / 2, r, pal)
    if rng.random() < 0.45:
        a.text(
            (w * 0.15, h * 0.78, w * 0.85, h * 0.96),
            _pick(rng, _ACRONYMS),
            _contrast_text(pal.primary, pal),
        )
    return a.array()


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


def _weather(rgb: np.ndarray, rng: np.random.Generator, light: float = 1.0) -> np.ndarray:
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
        dirt = 0.75 + 0.25 * _smooth_noise(rng, h, w, int(rng.integers(3, 8)))
        f *= dirt[..., None]
    if rng.random() < 0.15:
        gl = (
            _linear_gradient(w, h, (0, 0, 0), (255, 255, 255), _u(rng, 0, 360))[..., 0].astype(
                np.float32
            )
            / 255
        )
        band = np.exp(-(((gl - _u(rng, 0.2, 0.8)) / 0.08) ** 2)) * _u(rng, 30, 90)
        f += band[..., None]
    return np.clip(f, 0, 255).astype(np.uint8)


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
    shirt = _pick_w(
        rng,
        [
            _hsv(rng, (0.2, 0.9), (0.2, 0.9)),
            (240, 240, 236),
            (25, 25, 28),
            _pick(rng, _SUIT),
            _pick(rng, _PALETTES).primary,
        ],
        [0.35, 0.2, 0.2, 0.15, 0.1],
    )
    hair = _pick(rng, _HAIR)
    hijab = rng.random() < 0.3
    head_col = _pick(rng, _HIJAB) if hijab else hair

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
            _mul(skin, 0.85),
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


# --------------------------------------------------------------------------------------------
# hard negatives: panel-like things that are not printed material


def _neg_window(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
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
                g = _linear_gradient(
                    x1 - x0,
                    y1 - y0,
                    _jitter(rng, (40, 45, 50), 15),
                    _jitter(rng, (80, 85, 90), 20),
                    _u(rng, 30, 150),
                )
            else:
                g = _linear_gradient(
                    x1 - x0,
                    y1 - y0,
                    _jitter(rng, (170, 200, 225), 20),
                    _jitter(rng, (110, 130, 150), 20),
                    _u(rng, 30, 150),
                )
            img[y0:y1, x0:x1] = g
    return img


def _neg_screen(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    img = np.empty((h, w, 3), np.uint8)
    img[:] = _pick(rng, ((15, 15, 15), (30, 30, 32), (200, 200, 200)))
    b = max(1, int(min(w, h) * _u(rng, 0.02, 0.06)))
    sw, sh = w - 2 * b, h - 2 * b
    if sw < 4 or sh < 4:
        return img
    if rng.random() < 0.45:
        scr = _linear_gradient(sw, sh, (12, 14, 18), (45, 50, 58), _u(rng, 0, 180))
    else:  # bright UI: window, header bar, text lines, tiles
        a = _Art(
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


def _neg_door(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
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
    img = _linear_gradient(w, h, _mul(base, 1.08), _mul(base, 0.9), 90)
    a = _Art(rng, w, h)
    a.img = Image.fromarray(img)
    a.draw = ImageDraw.Draw(a.img)
    line = _mul(base, 0.7)
    m = 0.12 * w
    for y0, y1 in ((0.06, 0.45), (0.52, 0.94)):
        a.draw.rectangle((m, y0 * h, w - m, y1 * h), outline=line, width=max(1, int(w * 0.025)))
    hx = w * (0.85 if rng.random() < 0.5 else 0.15)
    a.draw.ellipse(
        (hx - w * 0.04, h * 0.5 - w * 0.04, hx + w * 0.04, h * 0.5 + w * 0.04), fill=(200, 190, 120)
    )
    return a.array()


def _neg_tiles(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    base = _jitter(
        rng,
        _pick(
            rng, ((230, 230, 225), (200, 210, 220), (180, 140, 110), (120, 150, 130), (60, 60, 65))
        ),
        10,
    )
    grout = _mul(base, _u(rng, 0.6, 0.85))
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


def _neg_panel(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A patch of plain painted wall: a coloured rectangle with no print on it."""
    c = _hsv(rng, (0.05, 0.7), (0.4, 0.98))
    img = _linear_gradient(w, h, c, _mul(c, _u(rng, 0.8, 1.0)), _u(rng, 0, 180))
    if rng.random() < 0.4:
        t = max(1, int(min(w, h) * 0.04))
        img[:t] = img[-t:] = _mul(c, 0.7)
    return img


def _neg_sign(rng: np.random.Generator, s: int) -> tuple[np.ndarray, np.ndarray]:
    """Traffic and street signs: the reds, blues and lettering of a poster, but not a poster."""
    kind = _pick(
        rng, ("noentry", "limit", "blue_round", "blue_rect", "warning", "street", "noparking")
    )
    rect = kind in ("blue_rect", "street")
    w = int(s * (2.6 if kind == "street" else 1.0))
    h = s
    a = _Art(rng, w, h, (0, 0, 0))
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
            a.text((w * 0.08, h * 0.2, w * 0.92, h * 0.8), _pick(rng, _STREETS), white)
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


# --------------------------------------------------------------------------------------------
# procedural backgrounds, so the module works with no photos at all


def _bg_street(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    hz = int(h * _u(rng, 0.3, 0.62))
    overcast = rng.random() < 0.35
    top = (175, 180, 185) if overcast else _jitter(rng, (90, 150, 215), 20)
    low = (215, 218, 220) if overcast else _jitter(rng, (190, 215, 235), 15)
    img = np.empty((h, w, 3), np.uint8)
    img[:hz] = _linear_gradient(w, max(hz, 1), top, low, 90)[:hz]
    if rng.random() < 0.5 and hz > 4:
        cl = _smooth_noise(rng, hz, w, int(rng.integers(3, 7)))
        cl = np.clip((cl - 0.5) * 3, 0, 1)[..., None] * _u(rng, 0.4, 0.9)
        img[:hz] = (img[:hz] * (1 - cl) + 245 * cl).astype(np.uint8)
    ground = _pick(rng, ((95, 95, 98), (120, 118, 112), (80, 82, 85), (110, 100, 85)))
    img[hz:] = _linear_gradient(w, h - hz, _mul(ground, 1.05), _mul(ground, 0.85), 90)
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
                    d.rectangle((wx, wy, wx + ww, wy + ww * 1.2), fill=_mul(col, 0.55))
        if rng.random() < 0.4:
            d.rectangle((x + bw * 0.1, hz - bh * 0.3, x + bw * 0.9, hz), fill=_mul(col, 0.4))
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
    img[:floor_y] = _linear_gradient(
        w, floor_y, _mul(wall, _u(rng, 0.8, 1.05)), _mul(wall, _u(rng, 0.8, 1.05)), _u(rng, 0, 180)
    )
    floor = _pick(rng, ((150, 110, 80), (200, 200, 195), (120, 120, 125), (170, 140, 100)))
    img[floor_y:] = _linear_gradient(w, h - floor_y, _mul(floor, 0.9), floor, 90)
    img[max(0, floor_y - max(2, h // 60)) : floor_y] = _mul(wall, 0.6)
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
    return _linear_gradient(w, h, c0, c1, _u(rng, 0, 360))


def _bg_noise(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    base = np.asarray(_hsv(rng, (0, 0.5), (0.3, 0.9)), np.float32)
    n = _smooth_noise(rng, h, w, int(rng.integers(2, 9)))
    n2 = _smooth_noise(rng, h, w, int(rng.integers(10, 40)))
    f = base * (0.6 + 0.5 * n[..., None]) + 40 * (n2[..., None] - 0.5)
    return np.clip(f, 0, 255).astype(np.uint8)


def _bg_field(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Open sky over a field or square: where flags and roadside baliho usually stand."""
    hz = int(h * _u(rng, 0.45, 0.85))
    img = np.empty((h, w, 3), np.uint8)
    img[:hz] = _linear_gradient(
        w, hz, _jitter(rng, (80, 140, 210), 20), _jitter(rng, (200, 220, 235), 15), 90
    )
    img[hz:] = _linear_gradient(
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
    (_neg_tiles, 0.05),
    (_neg_window, 0.05),
)


def _procedural_background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    fns = [f for f, _ in _BACKGROUNDS]
    fn = _pick_w(rng, fns, [p for _, p in _BACKGROUNDS])
    sw, sh = max(8, w // 2), max(8, h // 2)  # draw at half size: faster, and softer like a photo
    img = cv2.resize(fn(rng, sw, sh), (w, h), interpolation=cv2.INTER_LINEAR)
    grain = _noise(rng, h, w) * _u(rng, 2, 7)
    return np.clip(img.astype(np.float32) + grain, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------------
# photo backgrounds (and the labels they already carry)


def label_path_for(image_path: Path) -> Path | None:
    """YOLO layout: ``.../images/<split>/x.jpg`` has its boxes in ``.../labels/<split>/x.txt``."""
    parts = list(Path(image_path).parts)
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            return Path(*parts).with_suffix(".txt")
    return None


def read_yolo_labels(label_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Normalised ``cx cy w h`` boxes (N, 4) float32 and classes (N,) int64 of a YOLO label
    file; a malformed file is an :class:`InputError` naming the line, not a silent skip."""
    label_path = Path(label_path)
    rows = []
    for n, line in enumerate(label_path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 5:
            raise InputError(label_path, f"line {n}: expected 'class cx cy w h', got {line!r}")
        try:
            rows.append([float(p) for p in parts])
        except ValueError as exc:
            raise InputError(label_path, f"line {n}: {exc}") from None
    if not rows:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    arr = np.asarray(rows, np.float32)
    cls = arr[:, 0].astype(np.int64)
    if not np.isin(cls, list(CLASS_NAMES)).all():
        found = sorted(set(cls.tolist()))
        raise InputError(label_path, f"class ids must be in {sorted(CLASS_NAMES)}, got {found}")
    return arr[:, 1:5], cls


@functools.lru_cache(maxsize=4096)
def _read_labels(image_path: str) -> tuple[np.ndarray, np.ndarray]:
    """Labels of a background photo (cached: the same photos come back thousands of times);
    empty for a photo with no label file."""
    lp = label_path_for(Path(image_path))
    if lp is None or not lp.is_file():
        return np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    return read_yolo_labels(lp)


def has_labels(image_path: Path) -> bool:
    """Whether a background photo already shows labeled material (so it cannot be a negative)."""
    return len(_read_labels(str(image_path))[1]) > 0


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
        & ((c[:, 2] - c[:, 0]) >= _MIN_BOX_PX)
        & ((c[:, 3] - c[:, 1]) >= _MIN_BOX_PX)
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
            _procedural_background(rng, w, h),
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
    norm, cls = _read_labels(str(path))
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
        fw = (width_frac if width_frac is not None else _logu(rng, 0.05, 0.4)) * self.w
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
            if x1 - x0 < _MIN_BOX_PX or y1 - y0 < _MIN_BOX_PX:
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
    kind = kind or _pick_w(rng, BANNER_KINDS, (0.28, 0.2, 0.17, 0.1, 0.1, 0.15))
    lo_a, hi_a = _KIND_ASPECT[kind]
    aspect = _u(rng, lo_a, hi_a) if art is None else art.shape[1] / art.shape[0]
    lo_w, hi_w = {
        "baliho": (0.07, 0.9),
        "spanduk": (0.15, 0.95),
        "poster": (0.05, 0.4),
        "a3": (0.04, 0.2),
        "backdrop": (0.35, 0.95),
        "commercial": (0.05, 0.8),
    }[kind]
    wf = width_frac if width_frac is not None else _logu(rng, lo_w, hi_w)
    pw = wf * W
    ph = pw / aspect
    if ph > 0.92 * H:
        ph = 0.92 * H
        pw = ph * aspect
    if pw < 10 or ph < 6:
        return None
    if mount is None:
        mount = {
            "baliho": _pick_w(rng, ("legs", "wall", "roof"), (0.6, 0.3, 0.1)),
            "spanduk": _pick_w(rng, ("poles", "trees", "wall", "fence"), (0.45, 0.15, 0.25, 0.15)),
            "poster": _pick_w(rng, ("wall", "pole"), (0.8, 0.2)),
            "a3": _pick_w(rng, ("wall", "pole"), (0.65, 0.35)),
            "backdrop": "wall",
            "commercial": _pick_w(rng, ("wall", "legs", "poles"), (0.6, 0.25, 0.15)),
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
    art = _weather(art, rng, _local_light(b, rng, (x, y, x + pw, y + ph)))
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
        art = _flag_art(rng, aw, ah)
    hoist_left = rng.random() < 0.6 if hoist_left is None else hoist_left
    waved, alpha = _wave(
        _weather(
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
    art = _flag_art(rng, long_side, short_side)  # the design runs along the cloth
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
        art = _flag_art(rng, *_art_size(size0, aspect, cap=300, floor=40))
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
        _flag_art(rng, *_art_size(base * 0.6, 1.5, cap=200, floor=40))
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
    kind = kind or _pick_w(
        rng,
        ("window", "screen", "door", "tiles", "panel", "sign", "fascia"),
        (0.17, 0.17, 0.12, 0.08, 0.12, 0.18, 0.16),
    )
    if kind == "sign":
        s = int(_logu(rng, 0.04, 0.2) * W)
        if s < 8:
            return
        rgb, al = _neg_sign(rng, s)
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
        text = _pick(rng, _FASCIA)
        fw = _logu(rng, 0.15, 0.8) * W
        fh = fw / max(3.0, len(text) * 0.65)
        if fh < 5:
            return
        aw, ah = _art_size(fw, fw / fh, cap=900, floor=60)
        mask = Image.new("RGB", (aw, ah), (0, 0, 0))
        _draw_text(
            mask,
            (0, 0, aw, ah),
            text,
            (255, 255, 255),
            int(rng.integers(len(_FONTS))) if _FONTS else -1,
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
    pw = _logu(rng, lo, hi) * W
    aspect = _u(rng, *aspect_rng)
    ph = min(pw / aspect, 0.95 * H)
    aw, ah = _art_size(pw, pw / ph, cap=480, floor=32)
    rgb = {
        "window": _neg_window,
        "screen": _neg_screen,
        "door": _neg_door,
        "tiles": _neg_tiles,
        "panel": _neg_panel,
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
            _pick_w(rng, ("baliho", "spanduk", "commercial", "poster"), (0.5, 0.3, 0.12, 0.08)),
        )
    if rng.random() < 0.3:
        W, H = b.size
        fw = _logu(rng, 0.05, 0.3) * W
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
        wf = _logu(rng, 0.05, 0.22)
        aspect = _u(rng, *_KIND_ASPECT[kind])
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
            _pick_w(
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
            fw = _logu(rng, 0.04, 0.4) * W
            _add_flag(b, rng, fw, (_u(rng, -0.1, 0.95) * W, _u(rng, 0.0, 0.6) * H))
        elif r < 0.72:
            _add_umbul(b, rng, _logu(rng, 0.15, 0.7) * H, _u(rng, 0, 0.95) * W, _u(rng, 0, 0.4) * H)
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
        tpl = _pick_w(rng, [t for t, _ in _TEMPLATES], [p for _, p in _TEMPLATES])
        tpl(b, rng)
        if not b.objects:  # every positive scene shows at least one piece of material
            _add_banner(b, rng, tries=20)
    out_boxes, out_classes = b.labels()
    return SynthScene(_camera(b.image, rng), out_boxes, out_classes)


def to_yolo_lines(scene: SynthScene) -> list[str]:
    """``class cx cy w h`` lines, normalised to the image size."""
    h, w = scene.image.shape[:2]
    lines = []
    for (x0, y0, x1, y1), c in zip(scene.boxes.tolist(), scene.classes.tolist()):
        x0, x1 = min(max(x0, 0.0), w), min(max(x1, 0.0), w)
        y0, y1 = min(max(y0, 0.0), h), min(max(y1, 0.0), h)
        if x1 - x0 <= 0 or y1 - y0 <= 0:
            continue
        cx, cy, bw, bh = (x0 + x1) / 2 / w, (y0 + y1) / 2 / h, (x1 - x0) / w, (y1 - y0) / h
        lines.append(f"{int(c)} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}")
    return lines


def write_yolo(
    scene: SynthScene, image_path: Path, label_path: Path, jpeg_quality: int = 90
) -> None:
    """Write the image (JPEG unless the suffix says PNG) and its label file (empty for negatives:
    Ultralytics counts an empty file as a background image, a missing one as unlabeled)."""
    image_path, label_path = Path(image_path), Path(label_path)
    image_path.parent.mkdir(parents=True, exist_ok=True)
    label_path.parent.mkdir(parents=True, exist_ok=True)
    bgr = cv2.cvtColor(scene.image, cv2.COLOR_RGB2BGR)
    ext = image_path.suffix.lower()
    params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)] if ext in (".jpg", ".jpeg") else []
    ok, enc = cv2.imencode(ext or ".jpg", bgr, params)
    if not ok:
        raise GestureScanError(f"{image_path}: could not encode the image as {ext or '.jpg'}")
    image_path.write_bytes(enc.tobytes())
    lines = to_yolo_lines(scene)
    label_path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
