"""The rules: ids, severities, bilingual messages and the regulations they point to.

Kept as data so a reviewer can read every rule in one place and a profile can re-grade a rule
(``rules: {single-sign: {severity: medium}}``) without touching code. Messages are templates
filled by the engine. References name the regulation and, where known, the article; they say where
the prohibition comes from, not that it was broken: findings are flags for human review.
"""

from __future__ import annotations

from dataclasses import dataclass

UU_5_2014 = (
    "UU No. 5 Tahun 2014 tentang Aparatur Sipil Negara, Pasal 2 huruf f (asas netralitas) dan "
    "Pasal 9 ayat (2)"
)
UU_20_2023 = "UU No. 20 Tahun 2023 tentang Aparatur Sipil Negara (asas netralitas ASN)"
PP_94_2021 = (
    "PP No. 94 Tahun 2021 tentang Disiplin PNS, Pasal 5 huruf n (larangan memberikan dukungan "
    "kepada calon presiden/wakil presiden dan calon kepala daerah)"
)
SKB_2022 = (
    "Keputusan Bersama Menteri PANRB, Mendagri, Kepala BKN, Ketua KASN dan Ketua Bawaslu "
    "tahun 2022 tentang Pedoman Pembinaan dan Pengawasan Netralitas Pegawai ASN dalam "
    "Penyelenggaraan Pemilu dan Pemilihan (SKB netralitas ASN 2022), lampiran: daftar bentuk "
    "pelanggaran netralitas"
)

REVIEW_NOTICE_EN = "Findings are flags for human review, not a legal conclusion."
REVIEW_NOTICE_ID = "Temuan ini adalah penanda untuk ditinjau petugas, bukan kesimpulan hukum."


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title_en: str
    title_id: str
    message_en: str  # str.format template; fields: see engine
    message_id: str
    references: tuple[str, ...]
    base: float  # finding score = base + weight * evidence strength (0..1)
    weight: float


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "candidate-with-sign",
            "high",
            "The candidate in the photo, with a partisan sign",
            "Foto bersama calon dengan simbol tangan keberpihakan",
            "A face matches candidate {face_candidate} (gallery distance {distance}) and {n} "
            "hand(s) show the sign of {candidate}",
            "Wajah cocok dengan calon {face_candidate} (jarak galeri {distance}) dan {n} tangan "
            "membentuk simbol {candidate}",
            (SKB_2022, PP_94_2021, UU_5_2014, UU_20_2023),
            0.75,
            0.25,
        ),
        Rule(
            "group-candidate-sign",
            "high",
            "Group photo with a candidate's hand sign",
            "Foto bersama dengan simbol tangan keberpihakan",
            "Group photo ({people} people) in which {n} hand(s) show the sign of {candidate}",
            "Foto bersama ({people} orang) dengan {n} tangan membentuk simbol {candidate}",
            (SKB_2022, PP_94_2021, UU_5_2014, UU_20_2023),
            0.6,
            0.3,
        ),
        Rule(
            "several-same-sign",
            "high",
            "Several hands show the same candidate's sign",
            "Beberapa tangan membentuk simbol calon yang sama",
            "{n} hands in one photo show the same sign of {candidate}: stronger than one hand",
            "{n} tangan dalam satu foto membentuk simbol yang sama untuk {candidate}",
            (SKB_2022, PP_94_2021),
            0.45,
            0.35,
        ),
        Rule(
            "material-with-sign",
            "high",
            "Campaign material together with a partisan sign",
            "Alat peraga kampanye bersama simbol tangan keberpihakan",
            "A printed banner or flag ({objects}) in the photo together with the sign of "
            "{candidate}",
            "Spanduk/baliho atau bendera ({objects}) dalam foto bersama simbol {candidate}",
            (SKB_2022, PP_94_2021, UU_5_2014),
            0.5,
            0.4,
        ),
        Rule(
            "group-with-material",
            "medium",
            "Group posing with campaign material",
            "Foto bersama dengan alat peraga kampanye",
            "Group photo ({people} people) in front of a printed banner or flag ({objects}); "
            "whether it is campaign material needs a look at its text",
            "Foto bersama ({people} orang) di depan spanduk/baliho atau bendera ({objects}); "
            "periksa isinya apakah alat peraga kampanye",
            (SKB_2022, PP_94_2021),
            0.3,
            0.3,
        ),
        Rule(
            "group-with-candidate",
            "medium",
            "Group photo with a candidate",
            "Foto bersama calon",
            "Group photo ({people} people) with a face that matches candidate {face_candidate} "
            "(gallery distance {distance}); no partisan sign seen",
            "Foto bersama ({people} orang) dengan wajah yang cocok dengan calon {face_candidate} "
            "(jarak galeri {distance}); tidak terlihat simbol tangan",
            (SKB_2022, PP_94_2021),
            0.35,
            0.3,
        ),
        Rule(
            "candidate-text",
            "low",
            "Text naming a candidate or party",
            "Tulisan yang menyebut calon atau partai",
            'Text in the photo names {named}: "{text}"',
            'Tulisan dalam foto menyebut {named}: "{text}"',
            (SKB_2022,),
            0.15,
            0.25,
        ),
        Rule(
            "party-sign",
            "low",
            "A party's sign",
            "Simbol tangan partai",
            "{n} hand(s) show the sign of party {party}",
            "{n} tangan membentuk simbol partai {party}",
            (SKB_2022, UU_5_2014),
            0.2,
            0.3,
        ),
        Rule(
            "single-sign",
            "low",
            "One person showing a candidate's sign",
            "Satu orang membentuk simbol calon",
            "A hand shows the sign of {candidate} (no group, no campaign material)",
            "Tangan membentuk simbol {candidate} (bukan foto bersama, tanpa alat peraga)",
            (SKB_2022, PP_94_2021),
            0.2,
            0.3,
        ),
    )
}

#: COCO class -> (Indonesian, English) for the held-object note ("memegang botol"): the classes
#: ``hands/held.py`` counts as held. A class missing here is named as the detector calls it.
HELD_OBJECT_NAMES: dict[str, tuple[str, str]] = {
    "bottle": ("botol", "a bottle"),
    "wine glass": ("gelas", "a glass"),
    "cup": ("gelas atau cangkir", "a cup"),
    "fork": ("garpu", "a fork"),
    "knife": ("pisau", "a knife"),
    "spoon": ("sendok", "a spoon"),
    "bowl": ("mangkuk", "a bowl"),
    "banana": ("pisang", "a banana"),
    "apple": ("buah", "a fruit"),
    "orange": ("buah", "a fruit"),
    "donut": ("makanan", "food"),
    "sandwich": ("makanan", "food"),
    "cell phone": ("ponsel", "a phone"),
    "remote": ("benda genggam (remote, mikrofon)", "a handheld device (remote, microphone)"),
    "mouse": ("benda genggam", "a handheld device"),
    "book": ("buku atau kertas", "a book or papers"),
    "scissors": ("gunting", "scissors"),
    "toothbrush": ("benda kecil (mikrofon, pena)", "a small stick (microphone, pen)"),
    "hair drier": ("benda genggam (mikrofon)", "a handheld device (microphone)"),
    "sports ball": ("bola", "a ball"),
    "umbrella": ("payung", "an umbrella"),
    "baseball bat": ("tongkat", "a stick or pole"),
    "tennis racket": ("raket", "a racket"),
    "vase": ("piala atau vas", "a trophy or vase"),
}


def held_object_name(label: str) -> tuple[str, str]:
    """(Indonesian, English) words for a held COCO class."""
    return HELD_OBJECT_NAMES.get(label, (label, label))
