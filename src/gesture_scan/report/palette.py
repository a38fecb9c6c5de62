"""The colours of the annotated copies, shared with the page's legend (so the two never drift).

RGB. Kept apart from ``annotate`` so the page can show the legend without importing OpenCV.
"""

from __future__ import annotations

#: key -> (RGB, Indonesian, English), in the legend's order.
PALETTE: dict[str, tuple[tuple[int, int, int], str, str]] = {
    "hand_flagged": ((255, 0, 200), "tangan dalam temuan", "hand in a finding"),
    "hand": ((255, 64, 64), "tangan lain", "other hand"),
    "face": (
        (64, 200, 255),
        "wajah = orang P1, P2, … (nomor yang sama pada tangan dan temuan)",
        "face = person P1, P2, … (the same number on hands and findings)",
    ),
    "body": ((170, 170, 170), "badan (detektor orang)", "body (person detector)"),
    "held": (
        (0, 160, 255),
        "benda yang dipegang tangan (isyarat --held)",
        "object held by a hand (the --held cue)",
    ),
    "candidate": ((255, 40, 40), "wajah cocok dengan calon", "face matching a candidate"),
    "banner": ((255, 200, 0), "spanduk/baliho", "banner"),
    "flag": ((0, 230, 120), "bendera", "flag"),
    "text": ((180, 120, 255), "teks yang menyebut calon/partai", "text naming a candidate/party"),
    "object": ((200, 200, 200), "objek lain", "other object"),
}


def colour(key: str) -> tuple[int, int, int]:
    return PALETTE.get(key, PALETTE["object"])[0]


def legend(lang: str) -> list[tuple[str, str]]:
    """(CSS colour, words) for the page."""
    i = 1 if lang == "id" else 2
    return [("rgb({},{},{})".format(*entry[0]), str(entry[i])) for entry in PALETTE.values()]
