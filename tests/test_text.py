"""Banner text: matching OCR'd text against the shipped pilpres-2024 profile (pure Python), and
RapidOCR reading banners that these tests render onto a real photo with known words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from gesture_scan.errors import ConfigError, InputError, ModelError
from gesture_scan.rules import load_profile
from gesture_scan.rules.profile import Profile
from gesture_scan.text import (
    TextMatch,
    TextMatcher,
    TextOptions,
    TextRead,
    TextResult,
    TextStage,
    match_text,
    summarise,
)
from gesture_scan.text.match import EventVocabulary
from gesture_scan_devkit import material as synth


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile("pilpres-2024")


def _candidates(matches: tuple[TextMatch, ...]) -> set[int]:
    return {m.candidate for m in matches if m.candidate is not None}


# -- matching ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "candidate"),
    [
        ("No. 2", "ballot_number", 2),
        ("NO.02", "ballot_number", 2),
        ("02", "ballot_number", 2),
        ("Nomor Urut 2", "ballot_number", 2),
        ("nomor 2", "ballot_number", 2),
        ("coblos no 2", "ballot_number", 2),
        ("NOMOR URUT 02", "ballot_number", 2),
        ("COBLOSNO.2", "ballot_number", 2),  # OCR drops the space
        ("NOMORURUTOI", "ballot_number", 1),  # ...and reads 01 as letters
        ("Pilih nomor 3!", "ballot_number", 3),
        ("AYO MENANG\n03\nSATU PUTARAN", "ballot_number", 3),  # a number alone on its line
        ("PRABOWO SUBIANTO", "candidate_name", 2),
        ("PRABOW0 SUBIANT0", "candidate_name", 2),  # zeros for O
        ("PRABOWOGIBRAN", "candidate_name", 2),  # run together
        ("PRABOWOCIBRAN", "candidate_name", 2),  # run together and misread
        ("PRA BOWO", "candidate_name", 2),  # split
        ("GANJAR PRANOW0", "candidate_name", 3),
        ("Ganjar - Mahfud", "candidate_name", 3),
        ("Anies Baswedan", "candidate_name", 1),
        ("anies  BASWEDAN", "candidate_name", 1),
        ("ANIESBASWEDAN", "candidate_name", 1),
        ("MUHAIMIINISKANDAR", "candidate_name", 1),  # one extra letter in 16
        ("G1BRAN", "candidate_name", 2),
        ("AMIN", "keyword", 1),
        ("Bersama AMIN!", "keyword", 1),
        ("Indonesia Maju", "keyword", 2),
        ("GERAK CEPAAT", "keyword", 3),  # "Gerak Cepat", one letter off in 10
        ("PKS", "party", 1),
        ("Partai NasDem", "party", 1),
        ("GERINDRA", "party", 2),
        ("golkar", "party", 2),
        ("PAN", "party", 2),
        ("PDI-P", "party", 3),
        ("PDIP", "party", 3),
        ("PDI Perjuangan", "party", 3),
        ("Partai Demokrasi Indonesia Perjuangan", "party", 3),
    ],
)
def test_match_names_the_candidate(profile: Profile, text: str, kind: str, candidate: int) -> None:
    matches = match_text(text, profile)
    assert any(m.kind == kind and m.candidate == candidate for m in matches), matches
    support = summarise(matches)
    assert max(support, key=lambda n: support[n]) == candidate, support


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Ganja",  # not Ganjar
        "ganjaran",  # a reward; starts with Ganjar
        "Mahmud",  # one letter from Mahfud
        "COMPANIES",  # contains "anies"
        "PRANOWO",  # one letter from Prabowo, and Ganjar's surname
        "ANIN",  # OCR-ish AMIN: short terms are exact
        "aamiin",  # "amen"
        "PANAS",  # contains PAN
        "Hubungi 0812-3456-7890",
        "telp (021) 555 0202",
        "PILKADA 2024",
        "PEMILU 2024",
        "Harga Rp 2.000",
        "RT 02/RW 05",
        "Jl. Merdeka No. 2",
        "02 Februari 2024",
        "pukul 02:30",
        "8-3\n91\n37\n02\nAPEHAA",  # a phone number read in groups, one per line
        "No. 12",
        "nomor urut 2024",
        "NO. O2",  # a weak "no" takes digits only
        "Selamat datang di Kantor Kecamatan",
        "SALE 50%",
    ],
)
def test_match_refuses_near_misses(profile: Profile, text: str) -> None:
    matches = match_text(text, profile)
    assert _candidates(matches) == set(), matches
    assert summarise(matches) == {}


def test_party_match_names_party_and_coalition(profile: Profile) -> None:
    matches = match_text("Partai Gerindra", profile)
    assert [(m.kind, m.party, m.candidate) for m in matches] == [("party", "Gerindra", 2)]
    assert matches[0].score == 1.0 and matches[0].weight < 1.0


def test_ballot_numbers_share_one_term(profile: Profile) -> None:
    """However it is printed, ballot number 2 is one piece of evidence, at its strongest form."""
    matches = match_text("COBLOS NO. 2\nnomor 2\n02", profile)
    assert [(m.kind, m.term, m.candidate, m.weight) for m in matches] == [
        ("ballot_number", "02", 2, 1.0)
    ]


def test_longer_name_absorbs_its_parts(profile: Profile) -> None:
    matches = match_text("Prabowo Subianto", profile)
    assert [m.term for m in matches] == ["Prabowo Subianto"]


def test_fuzzy_score_drops_with_edits(profile: Profile) -> None:
    exact = match_text("MUHAIMIN ISKANDAR", profile)[0]
    typo = match_text("MUHAIMIN ISKANDRR", profile)[0]
    assert exact.term == typo.term == "Muhaimin Iskandar"
    assert exact.score == 1.0 > typo.score >= 0.9


def test_summarise_combines_evidence_and_ignores_repeats(profile: Profile) -> None:
    name = summarise(match_text("PRABOWO", profile))[2]
    number = summarise(match_text("No. 2", profile))[2]
    both = summarise(match_text("PRABOWO\nNo. 2", profile))[2]
    assert both == pytest.approx(1 - (1 - name) * (1 - number))
    assert summarise(match_text("PDIP\nPDIP\nPDIP", profile)) == summarise(
        match_text("PDIP", profile)
    )
    mixed = summarise(match_text("AMIN\nGanjar Pranowo", profile))
    assert set(mixed) == {1, 3} and mixed[3] > mixed[1]


def test_matcher_reuses_prepared_terms(profile: Profile) -> None:
    matcher = TextMatcher(profile)
    assert matcher.match("Nomor Urut 3") == match_text("Nomor Urut 3", profile)
    assert {t.candidate for t in matcher.terms} >= {1, 2, 3}


# -- options -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"min_score": 1.5},
        {"max_side": 64},
        {"region_side": 10_000},
        {"pad": -0.1},
        {"threads": -1},
        {"threads": 1.5},
        {"enabled": "yes"},
        {"max_regions": True},
    ],
)
def test_text_options_reject_bad_values(bad: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as err:
        TextOptions(**bad)
    assert next(iter(bad)) in str(err.value)


# -- OCR on rendered banners -------------------------------------------------------------------


def _font_path() -> Optional[str]:
    return next((f.path for f in synth.FONTS if f.path is not None), None)


def _banner(
    photo: np.ndarray,
    lines: tuple[str, ...],
    box: tuple[int, int, int, int],
    colours: tuple[tuple[int, int, int], tuple[int, int, int]] = ((200, 20, 20), (255, 255, 255)),
) -> np.ndarray:
    """``photo`` with a filled banner at ``box`` carrying ``lines``, each fitted to the width."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    line_h = h / len(lines)
    out = photo.copy()
    font = _font_path()
    if font is None:  # no FreeType type face: OpenCV's built-in stroke font
        cv2.rectangle(out, (x0, y0), (x1, y1), colours[0], -1)
        for i, text in enumerate(lines):
            scale = 4.0
            while cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, 3)[0][0] > w * 0.9:
                scale *= 0.9
            (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, 3)
            org = (int(x0 + (w - tw) / 2), int(y0 + line_h * (i + 0.5) + th / 2))
            cv2.putText(out, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, colours[1], 3, cv2.LINE_AA)
        return out
    banner = Image.new("RGB", (w, h), colours[0])
    draw = ImageDraw.Draw(banner)
    for i, text in enumerate(lines):
        size = int(line_h * 0.6)
        face = ImageFont.truetype(font, size)
        while face.getlength(text) > w * 0.9:
            size -= 2
            face = ImageFont.truetype(font, size)
        draw.text((w / 2, line_h * (i + 0.5)), text, font=face, fill=colours[1], anchor="mm")
    out[y0:y1, x0:x1] = np.asarray(banner)
    return out


@pytest.fixture(scope="module")
def photo(packaged: dict[str, Path]) -> np.ndarray:
    bgr = cv2.imread(str(packaged["bus"]))
    assert bgr is not None
    return np.ascontiguousarray(bgr[..., ::-1])


@pytest.fixture(scope="module")
def stage() -> Iterator[TextStage]:
    with TextStage(TextOptions(threads=1)) as st:
        yield st


def _support(reads: tuple[TextRead, ...], profile: Profile) -> dict[int, float]:
    return summarise(match_text("\n".join(r.text for r in reads), profile))


# Banners on bus.jpg (810x1080): placed over the street, the bus and the people.
BANNERS = [
    (("COBLOS NO. 2", "PRABOWO GIBRAN"), (40, 620, 760, 820), ((200, 20, 20), (255, 255, 255)), 2),
    (
        ("ANIES BASWEDAN", "MUHAIMIN ISKANDAR", "NOMOR URUT 01"),
        (120, 250, 600, 420),
        ((20, 40, 140), (255, 220, 0)),
        1,
    ),
    (("GANJAR - MAHFUD", "03"), (430, 860, 790, 1040), ((250, 250, 250), (200, 0, 0)), 3),
    (("PRABOWO", "NOMOR URUT 2"), (500, 120, 680, 180), ((240, 200, 0), (0, 0, 0)), 2),  # small
]


@pytest.mark.models
@pytest.mark.parametrize(("lines", "box", "colours", "candidate"), BANNERS)
def test_ocr_reads_banner_region(
    stage: TextStage,
    photo: np.ndarray,
    profile: Profile,
    lines: tuple[str, ...],
    box: tuple[int, int, int, int],
    colours: tuple[tuple[int, int, int], tuple[int, int, int]],
    candidate: int,
) -> None:
    image = _banner(photo, lines, box, colours)
    x0, y0, x1, y1 = box
    # a detector's box is never exact: a few pixels off on each side, one of them cutting in
    region = np.array([[x0 + 4, y0 - 3, x1 - 2, y1 + 5], [0, 0, 30, 30]], np.float32)
    found = stage.run(image, region)
    assert found.calls == 2  # one OCR pass per box, the 30 px corner included
    reads = found.reads
    assert reads, "nothing read off the banner"
    assert {r.region for r in reads} <= {0, 1}
    on_banner = [r for r in reads if r.region == 0]
    support = _support(tuple(on_banner), profile)
    assert support and max(support, key=lambda n: support[n]) == candidate, [r.text for r in reads]
    pad = 0.1 * max(x1 - x0, y1 - y0)
    for r in on_banner:
        bx0, by0, bx1, by1 = r.box
        assert x0 - pad <= bx0 < bx1 <= x1 + pad and y0 - pad <= by0 < by1 <= y1 + pad, r
        assert 0.5 <= r.score <= 1.0
    # reading order: the first line printed is the first line read
    assert match_text(on_banner[0].text, profile) or lines[0] == "GANJAR - MAHFUD"
    centres = [(r.box[1] + r.box[3]) / 2 for r in on_banner]
    assert centres[0] < (y0 + y1) / 2


@pytest.mark.models
def test_ocr_whole_photo_finds_banner_and_its_place(
    stage: TextStage, photo: np.ndarray, profile: Profile
) -> None:
    image = _banner(photo, ("COBLOS NO. 2", "PRABOWO GIBRAN"), (40, 620, 760, 820))
    found = stage.run(image)  # no banner boxes: the whole photo
    assert found.calls == 1
    reads = found.reads
    assert all(r.region is None for r in reads)
    support = _support(reads, profile)
    assert set(support) == {2}, [r.text for r in reads]
    named = [r for r in reads if match_text(r.text, profile)]
    assert named and all(600 <= (r.box[1] + r.box[3]) / 2 <= 840 for r in named)
    # the unmodified photo (Spanish bus adverts) names no one
    assert _support(stage.run(photo).reads, profile) == {}


@pytest.mark.models
def test_ocr_text_without_candidate(stage: TextStage, photo: np.ndarray, profile: Profile) -> None:
    image = _banner(photo, ("PILKADA 2024", "RT 02/RW 05"), (40, 620, 760, 820))
    reads = stage.run(image, np.array([[40, 620, 760, 820]])).reads
    text = " ".join(r.text for r in reads).upper()
    assert "PILKADA" in text and "2024" in text
    assert _support(reads, profile) == {}


@pytest.mark.models
@pytest.mark.parametrize("kind", ["noise", "plain"])
def test_ocr_no_text_no_candidate(stage: TextStage, profile: Profile, kind: str) -> None:
    rng = np.random.default_rng(7)
    if kind == "noise":
        image = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    else:
        image = np.full((480, 640, 3), (90, 140, 60), np.uint8)
    reads = stage.run(image).reads
    assert _support(reads, profile) == {}
    assert all(not match_text(r.text, profile) for r in reads)


@pytest.mark.models
def test_ocr_options_and_bad_input(photo: np.ndarray, stage: TextStage) -> None:
    image = _banner(photo, ("COBLOS NO. 2",), (40, 620, 760, 820))
    with TextStage(TextOptions(whole_photo=False, threads=1)) as st:
        assert st.run(image) == TextResult((), 0)  # nothing read, no OCR pass paid for
        assert st.run(image, np.zeros((0, 4))) == TextResult((), 0)
        banner = st.run(image, np.array([[40, 620, 760, 820]]))
        assert [r.text for r in banner.reads] == ["COBLOS NO. 2"] and banner.calls == 1
        # a box too small to hold a letter is not read
        assert st.run(image, np.array([[40, 620, 45, 625]])) == TextResult((), 0)
    with TextStage(TextOptions(enabled=False)) as off:
        assert off.run(image, np.array([[40, 620, 760, 820]])) == TextResult((), 0)
    with pytest.raises(InputError):
        stage.run(image[..., 0])
    with pytest.raises(InputError):
        stage.run(image, np.array([1, 2, 3]))
    closed = TextStage(TextOptions(threads=1))
    closed.close()
    with pytest.raises(ModelError, match="closed"):
        closed.run(image)


# -- the official-event vocabulary (rules: official backdrops) -----------------------------------


@pytest.mark.parametrize(
    ("text", "official", "campaign"),
    [
        # as PP-OCR reads backdrops (made up, in its style): run-together and misread words count
        ("PEMERINTAHDESASUKAMAJU\nKECAMATAN", {"pemerintah", "kecamatan"}, set()),
        ("SOSIALISASI\nKESEHATAN ANAK SEKOLAH\nSMP NEGERI 4 SUKAMAJU", 3, set()),
        ("PELANTIKA PEJABAT\nDILINGXUNGAN PEMERINTAHI", {"pemerintah", "pelantikan"}, set()),
        # campaign words are found beside official ones
        ("Caleg DPRD Kabupaten Dapil 3", {"kabupaten"}, {"caleg", "dprd", "dapil"}),
        ("COBLOS NOMOR URUT 2", set(), {"coblos", "nomor urut"}),
        # whole words only: "desain" is not "desa", "badang" not "badan"
        ("DESAIN GRAFIS\nBADANG", set(), set()),
        ("BNSP\nKEUANGAN\nSYARIAH", set(), set()),
        ("", set(), set()),
    ],
)
def test_event_vocabulary(text, official, campaign):
    found, camp = EventVocabulary().find(text, 0.8)
    if isinstance(official, int):
        assert len(found) == official
    else:
        assert set(found) == official
    assert set(camp) == campaign
