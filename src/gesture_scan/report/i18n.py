"""The report's and the command line's words, in Indonesian (the default) and English.

Indonesian first because the readers are Bawaslu staff and civil-service discipline officers; the
English is for the technical reviewer and for reports shared abroad. One table, so both languages
always have the same keys (``tests/test_report_i18n.py`` checks it), and the gesture names are the
ones officers use in their own reports ("salam dua jari", "jempol"), always shown next to the id
the records carry, so the page and ``report.jsonl`` can be matched.
"""

from __future__ import annotations

from typing import Any, Optional

from ..errors import UsageError
from ..results import GESTURE_NAMES, person_tags
from ..rules.catalog import held_object_name

LANGS = ("id", "en")
DEFAULT_LANG = "id"


#: What a people count is made of: (Indonesian, English one, English several).
COUNTED = {"face": ("wajah", "face", "faces"), "body": ("badan", "body", "bodies")}

SEVERITY = {
    "id": {"high": "Tinggi", "medium": "Sedang", "low": "Rendah", "none": "Tidak ditandai"},
    "en": {"high": "High", "medium": "Medium", "low": "Low", "none": "Not flagged"},
}

DECISIONS = {
    "id": {"confirmed": "Dikonfirmasi", "rejected": "Ditolak", "needs-check": "Perlu dicek"},
    "en": {"confirmed": "Confirmed", "rejected": "Rejected", "needs-check": "Needs check"},
}

#: key -> (Indonesian, English). Templates read them as ``t.key``.
TEXT: dict[str, tuple[str, str]] = {
    "title": ("Laporan gesture-scan", "gesture-scan report"),
    "generated": ("Dibuat", "Generated"),
    "profile": ("Profil pemilu", "Election profile"),
    "election_day": ("Hari pemungutan suara", "Election day"),
    "notice": (
        "Temuan ini adalah penanda untuk ditinjau petugas, bukan kesimpulan hukum.",
        "Findings are flags for human review, not a legal conclusion.",
    ),
    "inputs": ("Berkas", "Inputs"),
    "photos": ("foto", "photos"),
    "videos": ("video", "videos"),
    "frames": ("bingkai", "frames"),
    "flagged": ("Ditandai", "Flagged"),
    "not_flagged": ("Tidak ditandai", "Not flagged"),
    "unreadable": ("Tidak terbaca", "Unreadable"),
    "listed_at_end": ("didaftar di akhir", "listed at the end"),
    "decided": ("Sudah diputuskan", "Decided"),
    "by_rule": ("Ditandai menurut aturan", "Flagged by rule"),
    "rule": ("Aturan", "Rule"),
    "inputs_col": ("berkas", "inputs"),
    "findings_col": ("temuan", "findings"),
    "no_rule": ("Tidak ada aturan yang cocok.", "No rule matched."),
    "triage": ("Tabel triase", "Triage table"),
    "triage_hint": (
        "Yang ditandai lebih dulu, skor tertinggi di atas. Klik judul kolom untuk mengurutkan, "
        "klik baris untuk membuka rinciannya.",
        "Flagged first, highest score on top. Click a column heading to sort, a row to open its "
        "details.",
    ),
    "holding": ("memegang", "holding"),
    "col_image": ("Gambar", "Image"),
    "col_severity": ("Tingkat", "Severity"),
    "col_score": ("Skor", "Score"),
    "col_rule": ("Aturan", "Rule"),
    "col_candidate": ("Calon / nomor", "Candidate / number"),
    "col_people": ("Orang", "People"),
    "col_captured": ("Waktu pengambilan", "Captured"),
    "col_path": ("Berkas", "Path"),
    "col_decision": ("Keputusan", "Decision"),
    "severity": ("Tingkat", "Severity"),
    "all_rules": ("semua aturan", "all rules"),
    "all_decisions": ("semua", "all"),
    "undecided": ("belum diputuskan", "not decided"),
    "search": ("Cari", "Search"),
    "search_hint": ("cari nama berkas", "filter by path"),
    "shown": ("ditampilkan", "shown"),
    "of": ("dari", "of"),
    "no_match": ("Tidak ada berkas yang cocok dengan saringan.", "No input matches the filters."),
    "details": ("Rincian per berkas", "Details by input"),
    "details_hint": (
        "Nomor tangan (#0, #1, …) dan orang (P1, P2, …, pada wajah) sama dengan label pada "
        "gambar beranotasi; klik gambar untuk ukuran penuh.",
        "Hand numbers (#0, #1, …) and people (P1, P2, …, on the faces) match the labels on the "
        "annotated images; click an image to open it full size.",
    ),
    "photo": ("foto", "photo"),
    "video": ("video", "video"),
    "score": ("skor", "score"),
    "frames_sampled": ("bingkai diambil", "frames sampled"),
    "frames_flagged": ("ditandai", "flagged"),
    "more_frames": (
        "bingkai lain tanpa temuan tidak ditampilkan (semua ada di report.jsonl).",
        "more unflagged frames not shown (all frames are in report.jsonl).",
    ),
    "frame": ("bingkai", "frame"),
    "no_findings": ("Tidak ada temuan.", "No findings."),
    "no_image": ("Tidak ada gambar", "No image"),
    "image_missing": ("gambar tidak ada", "image missing"),
    "original": ("berkas asli", "original"),
    "original_missing": (
        "berkas asli tidak ditemukan dari folder ini",
        "original not found from this folder",
    ),
    "annotated": ("salinan beranotasi", "annotated copy"),
    "sha256": ("SHA-256", "SHA-256"),
    "captured": ("Diambil", "Captured"),
    "camera": ("Kamera", "Camera"),
    "size": ("Ukuran", "Size"),
    "people": ("Orang", "People"),
    "hands": ("Tangan", "Hands"),
    "objects": ("Objek", "Objects"),
    "faces": ("Wajah", "Faces"),
    "made_by": ("dibuat oleh", "made by"),
    "photo_sign": ("Simbol foto", "Photo's sign"),
    "text": ("Teks", "Text"),
    "evidence": ("Bukti", "Evidence"),
    "legend": ("Warna pada gambar", "Colours on the images"),
    "references": ("Dasar hukum", "Legal references"),
    "references_hint": (
        "Temuan merujuk ke nomor di bawah. Rujukan menyebut asal larangan, bukan bahwa larangan "
        "itu dilanggar.",
        "Findings cite the numbers below. A reference names where the prohibition comes from, "
        "not that it was broken.",
    ),
    "more_inputs": ("berkas lainnya", "more inputs"),
    "more_hint": (
        "Hanya {n} berkas pertama yang dirinci agar halaman cepat dibuka; semua ada di tabel "
        "triase, report.jsonl dan report.csv.",
        "Only the first {n} inputs are shown in detail, to keep this page quick to open; every "
        "input is in the triage table, report.jsonl and report.csv.",
    ),
    "errors": ("Berkas yang tidak dapat dibaca", "Unreadable inputs"),
    "no_errors": ("Tidak ada: semua berkas dapat dibaca.", "None: every input could be read."),
    "no_inputs": ("Tidak ada berkas yang dapat dibaca.", "No readable inputs."),
    "reason": ("Alasan", "Reason"),
    "footer": (
        "Ditulis oleh gesture-scan dari report.jsonl, yang memuat setiap catatan secara lengkap.",
        "Written by gesture-scan from report.jsonl, which holds every record in full.",
    ),
    "casefile": ("Berkas perkara (A4)", "Case file (A4)"),
    "casefile_link": ("berkas perkara A4 untuk dicetak", "A4 case file to print"),
    "pdf_link": ("PDF", "PDF"),
    "review_hint": (
        "Keputusan dicatat dengan `gesture-scan review {dir}` (server lokal di 127.0.0.1).",
        "Decisions are recorded with `gesture-scan review {dir}` (a local server on 127.0.0.1).",
    ),
    "reviewer": ("Nama peninjau", "Reviewer name"),
    "note": ("Catatan", "Note"),
    "whole_input": ("seluruh berkas", "whole input"),
    "saved": ("tersimpan", "saved"),
    "save_failed": ("gagal menyimpan", "could not save"),
    "need_reviewer": ("isi nama peninjau dulu", "enter the reviewer's name first"),
    "export_csv": ("Unduh keputusan (CSV)", "Download decisions (CSV)"),
    "decided_by": ("oleh", "by"),
    "case": ("Perkara", "Case"),
    "cover_counts": ("Ringkasan", "Summary"),
    "report_hash": ("SHA-256 report.jsonl", "SHA-256 of report.jsonl"),
    "flagged_inputs": ("Berkas yang ditandai", "Flagged inputs"),
    "page": ("Halaman", "Page"),
    "exif": ("EXIF", "EXIF"),
    "findings": ("Temuan", "Findings"),
    "none": ("—", "—"),
    "video_frames": ("bingkai video", "video frames"),
}


class Words:
    """``t.key`` in templates: the text in the report's language (attribute access reads well in
    Jinja2, and a missing key fails loudly instead of printing nothing)."""

    def __init__(self, lang: str) -> None:
        self.lang = check_lang(lang)
        self._i = LANGS.index(self.lang)

    def __getattr__(self, key: str) -> str:
        try:
            return TEXT[key][self._i]
        except KeyError:
            raise AttributeError(key) from None

    def sev(self, severity: Optional[str]) -> str:
        return SEVERITY[self.lang].get(severity or "none", SEVERITY[self.lang]["none"])

    def decision(self, decision: Optional[str]) -> str:
        return DECISIONS[self.lang].get(decision or "", self.undecided)

    def gesture(self, gesture: Any) -> str:
        """``salam dua jari (two_v)``: the officer's word, then the id the record carries."""
        gid = str(gesture)
        names = GESTURE_NAMES.get(gid)
        if not names or names[self._i] == gid:
            return gid
        return f"{names[self._i]} ({gid})"

    def head_count(self, faces: int, bodies: Optional[int]) -> str:
        """ "12 wajah, 14 badan" / "12 faces, 14 bodies": what the people count rests on;
        ``bodies`` None where the person detector did not run."""
        parts = [(faces, COUNTED["face"])]
        if bodies is not None:
            parts.append((bodies, COUNTED["body"]))
        if self.lang == "id":
            return ", ".join(f"{n} {words[0]}" for n, words in parts)
        return ", ".join(f"{n} {words[1] if n == 1 else words[2]}" for n, words in parts)

    def sign_line(self, label: str, hands: int, people: list[int]) -> str:
        """ "02: 9 tangan, dibuat oleh P1, P3": the photo's sign (``PhotoSign``), its hand count
        and the people making it."""
        parts = [
            f"{hands} tangan" if self.lang == "id" else f"{hands} hand{'' if hands == 1 else 's'}"
        ]
        if people:
            parts.append(f"{self.made_by} {person_tags(people)}")
        return f"{label}: {', '.join(parts)}"

    def held(self, label: Any) -> str:
        """``memegang ponsel (cell phone)``: what the held-object cue saw, then the COCO class."""
        name = held_object_name(str(label))[self._i]
        return f"{self.holding} {name}" + ("" if name == str(label) else f" ({label})")

    def gesture_name(self, gesture: Any) -> str:
        names = GESTURE_NAMES.get(str(gesture))
        return names[self._i] if names else str(gesture)


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise UsageError(f"--lang {lang!r}: choose id (Bahasa Indonesia) or en (English)")
    return lang
