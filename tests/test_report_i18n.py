"""Indonesian first: the page, the case file and the command line's own messages are Indonesian
unless ``--lang en``; both languages have every word; gesture names are the officers' own next to
the ids the records carry."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from gesture_scan.cli import main
from gesture_scan.errors import UsageError
from gesture_scan.messages import MESSAGES
from gesture_scan.report.html import write_html
from gesture_scan.report.i18n import DECISIONS, GESTURE_NAMES, SEVERITY, TEXT, Words, check_lang
from gesture_scan.results import Gesture

from .test_html import finding, hand, record


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_word_in_both_languages() -> None:
    for key, (ind, eng) in TEXT.items():
        assert ind and eng, key
        assert _fields(ind) == _fields(eng), key
    for key, (ind, eng) in MESSAGES.items():
        assert (ind and eng and ind != eng) or key == "profile", key
        assert _fields(ind) == _fields(eng), key
    assert set(GESTURE_NAMES) == {g.value for g in Gesture}
    assert SEVERITY["id"].keys() == SEVERITY["en"].keys()
    assert DECISIONS["id"].keys() == DECISIONS["en"].keys()


def test_gesture_names_are_the_officers_words() -> None:
    w = Words("id")
    assert w.gesture("two_v") == "salam dua jari (two_v)"
    assert w.gesture("thumbs_up") == "jempol (thumbs_up)"
    assert w.gesture("one") == "salam satu jari (one)"
    assert w.gesture("unknown_pose") == "unknown_pose"
    assert Words("en").gesture("fist") == "fist"  # no "fist (fist)"


def test_page_is_indonesian_by_default(tmp_path: Path) -> None:
    records = [
        record(
            "bukti/apel.jpg",
            0.9,
            [finding("group-candidate-sign", "high", hands=(0, 1))],
            hands=[hand("two_v"), hand("thumbs_up", fingers=1)],
        ),
        record("bukti/bersih.jpg"),
    ]
    page = write_html(records, tmp_path).read_text(encoding="utf-8")
    assert '<html lang="id">' in page
    for words in ("Tabel triase", "Rincian per berkas", "Dasar hukum", "Tidak ditandai"):
        assert words in page, words
    assert "Temuan ini adalah penanda untuk ditinjau petugas" in page
    assert "salam dua jari (two_v)" in page and "jempol (thumbs_up)" in page
    # The finding's Indonesian message comes first, the English one under it.
    first = page.index("group-candidate-sign: pesan bahasa Indonesia")
    assert first < page.index("group-candidate-sign: English message")
    assert "Foto bersama dengan simbol tangan keberpihakan" in page  # the rule's title
    casefile = (tmp_path / "casefile.html").read_text(encoding="utf-8")
    assert "Berkas perkara (A4)" in casefile and "size:A4" in casefile
    english = write_html(records, tmp_path, lang="en").read_text(encoding="utf-8")
    assert "Triage table" in english and "Tabel triase" not in english


def test_unknown_language_is_refused(tmp_path: Path, capsys) -> None:
    with pytest.raises(UsageError, match="--lang"):
        check_lang("fr")
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path), "--lang", "fr", "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "galat:" in err and "--lang 'fr'" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("lang", "words"), [("id", "tidak ada gambar"), ("en", "no images found")])
def test_cli_messages_follow_lang(tmp_path: Path, capsys, lang: str, words: str) -> None:
    (tmp_path / "in").mkdir()
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / "in"), "--lang", lang, "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert words in " ".join(err.split())
    assert ("galat:" if lang == "id" else "error:") in err
