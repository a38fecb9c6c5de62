"""Campaign artwork: party palettes, names, slogans and ballot numbers laid out as baliho, spanduk,
poster and backdrop, commercial signs, and flags.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from gesture_scan.errors import ConfigError

from . import canvas
from .backgrounds import procedural_background
from .canvas import (
    PALETTES,
    RGB,
    Box,
    Palette,
    _dist,
    _hsv,
    _ink,
    _jitter,
    _mix,
    _pick,
    _u,
    draw_text,
    linear_gradient,
    mul,
    pick_w,
    star_points,
)
from .people import _SKIN, HAIR, HIJAB, SUIT

BANNER_KINDS: tuple[str, ...] = ("baliho", "spanduk", "poster", "a3", "backdrop", "commercial")


# Party-like colour schemes (not the real logos): red/white, yellow/black/green, orange/white,
# greens, blues, navy/orange, white-ground prints, ...
def word_list(text: str) -> tuple[str, ...]:
    """``"A | B | C"`` -> ``("A", "B", "C")``: keeps the long word lists below readable."""
    return tuple(w.strip() for w in text.split("|") if w.strip())


_FIRST_M = word_list(
    """
    BUDI | AGUS | JOKO | BAMBANG | HENDRA | RUDI | ARIF | DEDI | ANDI | WAHYU | IMAM |
    FAJAR | RAHMAT | YUSUF | SLAMET | EKO | IWAN | TEGUH | HERMAN | ILHAM | MUHAMMAD |
    AHMAD | SUGENG | DONI | RIZAL
"""
)
_FIRST_F = word_list(
    """
    SITI | DEWI | SRI | RINA | ANI | WULAN | NUR | LESTARI | FITRI | INDAH | RATNA |
    YULI | MEGA | PUTRI | AYU | NURUL
"""
)
_LAST = word_list(
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
    *word_list(
        ", S.H. | , S.E. | , M.M. | , M.Si. | , S.Pd. | , S.T. | , M.H. | , S.Sos. | , S.Ag."
    ),
)
_ROLES = word_list(
    """
    CALON BUPATI | CALON WALIKOTA | CALON GUBERNUR | CALEG DPRD KABUPATEN |
    CALEG DPRD PROVINSI | CALEG DPR RI | CALON ANGGOTA DPD RI | CALON KEPALA DESA
"""
)
_PAIR_ROLES = word_list(
    """
    CALON BUPATI & WAKIL BUPATI | CALON WALIKOTA & WAKIL WALIKOTA |
    CALON GUBERNUR & WAKIL GUBERNUR | CAPRES & CAWAPRES | PASANGAN CALON NOMOR URUT {n}
"""
)
_REGIONS = word_list(
    """
    KAB. SLEMAN | KOTA MEDAN | KAB. BOGOR | KOTA SURABAYA | KAB. GOWA | KOTA DEPOK |
    KAB. BANYUWANGI | JAWA TENGAH | SUMATERA UTARA | KOTA PADANG | KAB. BANDUNG |
    DAPIL JATIM II | DAPIL 3 | KALIMANTAN BARAT | NTB | KOTA MAKASSAR | KAB. KLATEN
"""
)
_EVENTS = word_list(
    """
    PILKADA 2024 | PEMILU 2024 | PILKADA SERENTAK 2024 | PILEG 2024 | PILPRES 2024 |
    PILKADES 2025 | PEMILU 2019 | PILGUB 2024
"""
)
_SLOGANS = word_list(
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
_ACRONYMS = word_list(
    """
    PDK | PKR | PBN | PPI | PRD | PKN | PSD | PNR | PBI | PAR | PIM | PKRI | PGB | PRB |
    PNI | PKS | PKB | PAN | PPP
"""
)
_BACKDROP_TITLES = word_list(
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
FASCIA = word_list(
    """
    TOKO SUMBER REJEKI | APOTEK SEHAT | BENGKEL MOTOR | LAUNDRY | WARUNG MAKAN |
    SALON AYU | FOTOKOPI | MINIMARKET | KANTOR DESA | SD NEGERI 3 | MASJID AL-IKHLAS |
    PUSKESMAS | TOKO BANGUNAN | RUMAH MAKAN PADANG | KLINIK | BANK | HOTEL | CAFE |
    KOPERASI | GEREJA | POLSEK | TOKO EMAS | MEUBEL JATI
"""
)
STREETS = ("JL. MERDEKA", "JL. SUDIRMAN", "JL. DIPONEGORO", "JL. GATOT SUBROTO", "JL. AHMAD YANI")


@dataclass(frozen=True)
class Campaign:
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


def _campaign(rng: np.random.Generator) -> Campaign:
    pair = rng.random() < 0.5
    n = int(rng.integers(1, 6)) if pair or rng.random() < 0.6 else int(rng.integers(1, 13))
    names = tuple(_person_name(rng, rng.random() < 0.3) for _ in range(2 if pair else 1))
    role = _fmt(_pick(rng, _PAIR_ROLES if pair else _ROLES), n)
    return Campaign(
        number=n,
        names=names,
        role=role,
        event=_pick(rng, _EVENTS),
        region=_pick(rng, _REGIONS),
        slogan=_fmt(_pick(rng, _SLOGANS), n),
        cta=_fmt(_pick(rng, _CTA), n),
        party=_pick(rng, _ACRONYMS),
    )


class Art:
    """A banner or flag being drawn: a Pillow canvas plus the typography chosen for it, so one
    banner keeps one type face like a real print job."""

    def __init__(self, rng: np.random.Generator, w: int, h: int, fill: RGB = (255, 255, 255)):
        self.rng = rng
        self.w, self.h = w, h
        self.img = Image.new("RGB", (w, h), fill)
        self.draw = ImageDraw.Draw(self.img)
        n = len(canvas.FONTS)
        self.font = int(rng.integers(n)) if n else -1
        self.font2 = int(rng.integers(n)) if n else -1

    def array(self) -> np.ndarray:
        return np.asarray(self.img, dtype=np.uint8).copy()

    def text(self, box: Box, text: str, fill: RGB, outline: RGB | None = None, alt: bool = False):
        draw_text(self.img, box, text, fill, self.font2 if alt else self.font, outline)

    def paste(self, arr: np.ndarray, x: float, y: float) -> None:
        self.img.paste(Image.fromarray(arr), (int(x), int(y)))

    # -- backgrounds ---------------------------------------------------------------------
    def background(self, pal: Palette, plain_p: float = 0.25) -> None:
        rng, w, h = self.rng, self.w, self.h
        style = pick_w(rng, range(6), (plain_p, 0.25, 0.12, 0.22, 0.1, 0.08))
        if style == 0:
            self.draw.rectangle((0, 0, w, h), fill=pal.primary)
        elif style == 1:
            dark = mul(pal.primary, _u(rng, 0.55, 0.85))
            self.paste(linear_gradient(w, h, pal.primary, dark, _u(rng, 0, 360)), 0, 0)
        elif style == 2:
            other = _mix(pal.primary, pal.secondary, _u(rng, 0.2, 0.5))
            self.paste(linear_gradient(w, h, pal.primary, other, _u(rng, 0, 360)), 0, 0)
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

    def swoosh(self, pal: Palette) -> None:
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
    def logo(self, cx: float, cy: float, r: float, pal: Palette, style: int | None = None):
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
            d.polygon(star_points(cx, cy, s), fill=fg)
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
            d.polygon(star_points(cx + s * 0.45, cy - s * 0.1, s * 0.35), fill=fg)
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

    def badge(self, cx: float, cy: float, r: float, label: str, pal: Palette) -> None:
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
            d.polygon(star_points(cx, cy, r * 1.2, 8, 0.8), fill=ring)
            d.ellipse(ib, fill=fill)
        self.text((cx - r * 0.62, cy - r * 0.55, cx + r * 0.62, cy + r * 0.55), label, fg)

    def bust(self, box: Box, pal: Palette, fingers: int = 0) -> None:
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
        skin_d = mul(skin, 0.82)
        head_cy = top + 0.27 * s
        chin = top + 0.47 * s
        sh = top + 0.58 * s
        outfit_kind = pick_w(rng, ("suit", "party", "batik", "white"), (0.45, 0.3, 0.13, 0.12))
        outfit = {
            "suit": _pick(rng, SUIT),
            "party": _pick(rng, (pal.primary, pal.secondary, pal.accent)),
            "batik": _pick(rng, ((120, 70, 30), (90, 50, 25), (160, 110, 40), (40, 60, 110))),
            "white": (242, 242, 238),
        }[outfit_kind]
        tw = s * _u(rng, 0.46, 0.56)
        d.ellipse((cx - tw, sh, cx + tw, sh + 1.1 * s), fill=outfit)
        d.rectangle((cx - tw, sh + 0.3 * s, cx + tw, y1 + 2), fill=outfit)
        if outfit_kind == "batik":
            dot = mul(outfit, 1.5)
            for _ in range(int(rng.integers(10, 25))):
                px, py = cx + _u(rng, -tw, tw) * 0.9, _u(rng, sh + 0.1 * s, y1)
                rr = s * _u(rng, 0.015, 0.04)
                d.ellipse((px - rr, py - rr, px + rr, py + rr), fill=dot)
        hijab = female and rng.random() < 0.65
        hij = _pick(rng, HIJAB)
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
            collar = mul(outfit, 0.7) if outfit_kind == "party" else (40, 40, 40)
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
        hair = _pick(rng, HAIR)
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
                fill=mul(hair, 1.0),
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

    def busts(self, box: Box, pal: Palette, n: int, fingers: int = 0) -> None:
        x0, y0, x1, y1 = box
        if n <= 1:
            self.bust(box, pal, fingers if self.rng.random() < 0.35 else 0)
            return
        w = x1 - x0
        self.bust((x0 + 0.4 * w, y0 + 0.06 * (y1 - y0), x1, y1), pal)
        self.bust((x0, y0, x0 + 0.62 * w, y1), pal, fingers if self.rng.random() < 0.3 else 0)

    def band(self, y0: float, y1: float, colour: RGB, x0: float = 0, x1: float | None = None):
        self.draw.rectangle((x0, y0, self.w if x1 is None else x1, y1), fill=colour)


def _contrast_text(bg: Sequence[int], pal: Palette) -> RGB:
    lum = 0.3 * bg[0] + 0.59 * bg[1] + 0.11 * bg[2]
    if lum > 150:
        return pal.text if sum(pal.text) < 300 else (20, 20, 20)
    return (255, 255, 255) if sum(pal.text) > 300 or pal.text == bg else pal.text


# --------------------------------------------------------------------------------------------
# banner layouts


def layout_baliho(a: Art, pal: Palette, c: Campaign) -> None:
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
        bar = _pick(rng, ((255, 255, 255), pal.secondary, mul(pal.primary, 0.7)))
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
    bc = _pick(rng, (pal.secondary, pal.accent, mul(pal.primary, 0.6)))
    if rng.random() < 0.6:
        a.band(h - band_h, h, bc)
    else:
        a.band(h - band_h, h, bc, tx0 - m, tx1 + m)
    a.text((m, h - band_h * 0.85, w - m, h - band_h * 0.15), c.slogan, _contrast_text(bc, pal))


def _layout_poster(a: Art, pal: Palette, c: Campaign, simple: bool = False) -> None:
    rng, w, h = a.rng, a.w, a.h
    a.background(pal, plain_p=0.4)
    m = 0.03 * w
    hdr = h * _u(rng, 0.09, 0.14)
    bar = _pick(rng, (pal.secondary, (255, 255, 255), mul(pal.primary, 0.7)))
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


def layout_spanduk(a: Art, pal: Palette, c: Campaign) -> None:
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


def _layout_backdrop(a: Art, pal: Palette, c: Campaign) -> None:
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


def _layout_commercial(a: Art, rng: np.random.Generator) -> None:
    w, h = a.w, a.h
    head, sub = _pick(rng, _COMMERCIAL)
    c0 = _hsv(rng, (0.4, 1.0), (0.5, 1.0)) if rng.random() < 0.7 else (250, 250, 248)
    c1 = _hsv(rng, (0.5, 1.0), (0.4, 1.0))
    pal = Palette(
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
            photo = procedural_background(rng, pw, ph)
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
        phone if rng.random() < 0.6 else _pick(rng, STREETS) + f" NO. {int(rng.integers(1, 200))}",
        col,
    )
    if rng.random() < 0.3:
        r = min(w, h) * 0.16
        cx, cy = _u(rng, r, w - r), _u(rng, r, h - r)
        a.draw.polygon(star_points(cx, cy, r, 12, 0.75), fill=pal.accent)
        a.text(
            (cx - r * 0.6, cy - r * 0.35, cx + r * 0.6, cy + r * 0.35),
            _pick(rng, ("HEMAT!", "PROMO", "50%", "BARU!")),
            (20, 20, 20) if sum(pal.accent) > 400 else (255, 255, 255),
        )


KIND_ASPECT: dict[str, tuple[float, float]] = {
    "baliho": (1.3, 2.4),
    "spanduk": (3.0, 7.0),
    "poster": (0.6, 0.8),
    "a3": (0.68, 0.74),
    "backdrop": (1.6, 3.2),
    "commercial": (0.6, 4.5),
}


def _kind_for_aspect(rng: np.random.Generator, aspect: float) -> str:
    if aspect >= 2.8:
        return pick_w(rng, ("spanduk", "commercial", "backdrop"), (0.7, 0.2, 0.1))
    if aspect >= 1.1:
        return pick_w(rng, ("baliho", "backdrop", "commercial"), (0.6, 0.2, 0.2))
    return pick_w(rng, ("poster", "a3", "commercial"), (0.55, 0.25, 0.2))


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
    a = Art(rng, int(width), int(height))
    if kind == "commercial":
        _layout_commercial(a, rng)
        return a.array()
    pal = _pick(rng, PALETTES)
    c = _campaign(rng)
    if kind == "baliho":
        layout_baliho(a, pal, c)
    elif kind == "spanduk":
        layout_spanduk(a, pal, c)
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


def flag_art(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    kind = pick_w(
        rng, ("national", "party", "number", "stripe", "diagonal"), (0.3, 0.35, 0.12, 0.15, 0.08)
    )
    a = Art(rng, w, h)
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
    pal = _pick(rng, PALETTES)
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
