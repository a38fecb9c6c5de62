"""report.csv for an Indonesian Excel (UTF-8 with BOM, ';'), report.xlsx, the re-render command
(``gesture-scan report DIR``) and the report folder's bookkeeping: thumbnails of every input
made without touching the evidence, registered in the manifest, cleared by ``--overwrite`` while
the officer's ``review.jsonl`` stays. No models: records in the JSON-lines shape over real JPEGs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from gesture_scan.cli import main
from gesture_scan.io.discover import Skipped
from gesture_scan.report.render import render_report, write_meta
from gesture_scan.report.tables import CSV_COLUMNS, read_csv
from gesture_scan.report.writer import MANIFEST, ReportWriter, clear_report
from gesture_scan.results import Finding, FrameInfo, ImageResult

MESSAGE_ID = 'Foto bersama (3 orang) dengan 1 tangan membentuk simbol 02; "COBLOS 02", ya'


def _photo(path: Path, colour: tuple[int, int, int], exif_time: str | None = None) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", (320, 240), colour)
    exif = Image.Exif()
    if exif_time:
        exif[0x0132] = exif_time
    im.save(path, quality=90, exif=exif)
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def case(tmp_path: Path) -> dict[str, Any]:
    """Evidence (two photos, Indonesian names) and a report written by the real writer."""
    evidence, out = tmp_path / "bukti", tmp_path / "laporan"
    a, b = evidence / "foto Pak Ahmad.jpg", evidence / "kantor desa.jpg"
    sha_a, sha_b = _photo(a, (190, 40, 40)), _photo(b, (40, 160, 40))
    finding = Finding(
        "group-candidate-sign",
        "high",
        "Group photo (3 people) in which 1 hand(s) show the sign of 02",
        MESSAGE_ID,
        score=0.87,
        references=("UU No. 5 Tahun 2014",),
        details={"candidate": "02 (Prabowo Subianto - Gibran Rakabuming Raka)", "number": 2},
    )
    meta = {"exif": {"datetime": "2024:02:01 10:22:03"}}
    with ReportWriter(out) as w:
        w.write_skipped([Skipped(str(evidence / "catatan.txt"), "not an image")])
        w.write(
            ImageResult(str(a), sha_a, 320, 240, findings=(finding,), triage_score=0.87, meta=meta)
        )
        w.write(ImageResult(str(b), sha_b, 320, 240))
        w.write(ImageResult(str(evidence / "rusak.jpg"), None, error="truncated image file"))
    write_meta(out, "Aduan 12", {"id": "pilpres-2024", "name": "Pilpres 2024"}, "id")
    return {"evidence": evidence, "out": out, "a": a, "b": b, "sha_a": sha_a, "sha_b": sha_b}


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


def test_csv_opens_in_an_indonesian_excel(case: dict[str, Any]) -> None:
    raw = (case["out"] / "report.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8, not the ANSI code page
    text = raw.decode("utf-8-sig")
    header = text.splitlines()[0]
    # id-ID's list separator is ';' (its decimal separator is ','): one column per field there.
    assert header.split(";") == CSV_COLUMNS and "," not in header
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert {len(r) for r in rows} == {len(CSV_COLUMNS)}
    row = dict(zip(CSV_COLUMNS, rows[1]))
    assert row["messages_id"] == MESSAGE_ID  # ';' and quotes inside a message stay in the field
    assert row["captured"] == "2024:02:01 10:22:03" and row["score"] == "0.87"
    assert row["candidates"] == "02 (Prabowo Subianto - Gibran Rakabuming Raka)"
    assert row["severity"] == "high" and row["path"] == str(case["a"])
    assert read_csv(case["out"] / "report.csv")[2]["error"] == "truncated image file"
    skipped = (case["out"] / "skipped.csv").read_bytes()
    assert skipped.startswith(b"\xef\xbb\xbf") and b"path;reason" in skipped
    assert b"catatan.txt;not an image" in skipped


def test_report_command_rerenders_without_scanning(case: dict[str, Any], capsys) -> None:
    out, before = case["out"], _hashes(case["evidence"])
    jsonl = (out / "report.jsonl").read_bytes()
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(out), "--lang", "en"])
    assert exit_info.value.code == 0
    assert "rewritten in" in capsys.readouterr().out
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Triage table" in page and "Aduan 12" in page
    assert (out / "report.jsonl").read_bytes() == jsonl  # nothing rescanned or rewritten
    # Every input has a thumbnail, made from the original (there is no annotated copy here).
    thumbs = sorted(p.name for p in (out / "thumbs").iterdir())
    assert len(thumbs) == 2 and all(f"thumbs/{t}" in page for t in thumbs)
    assert all(f"thumbs/{t}" in (out / MANIFEST).read_text() for t in thumbs)
    assert _hashes(case["evidence"]) == before  # the evidence only read
    # The language is remembered: the next plain re-render stays English.
    render_report(out)
    assert '<html lang="en">' in (out / "report.html").read_text(encoding="utf-8")
    render_report(out, "id")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="id">' in page and "Tabel triase" in page and MESSAGE_ID[:30] in page


def test_xlsx_has_typed_numbers_and_headings_in_the_language(case: dict[str, Any]) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    render_report(case["out"], "id")
    ws = openpyxl.load_workbook(case["out"] / "report.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("Tingkat", "Skor", "Berkas", "Aturan")
    assert rows[1][0] == "Tinggi" and rows[1][1] == pytest.approx(0.87)
    assert isinstance(rows[1][1], float) and rows[1][2] == str(case["a"])
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    assert len(rows) == 4


def test_a_changed_original_gets_no_thumbnail(case: dict[str, Any]) -> None:
    case["b"].write_bytes(case["b"].read_bytes() + b"extra")  # changed after the scan
    render_report(case["out"])
    names = [p.name for p in (case["out"] / "thumbs").iterdir()]
    assert len(names) == 1 and names[0].startswith("foto_Pak_Ahmad_")


def test_overwrite_clears_thumbnails_and_pages_but_keeps_decisions(case: dict[str, Any]) -> None:
    out = case["out"]
    render_report(out)
    (out / "review.jsonl").write_text('{"decision": "confirmed"}\n', encoding="utf-8")
    mine = out / "catatan.txt"
    mine.write_text("the officer's own file")
    assert ReportWriter.check_folder(out, overwrite=True)
    clear_report(out)
    left = sorted(os.listdir(out))
    assert left == ["catatan.txt", "review.jsonl"], left


def test_report_of_a_folder_without_records_is_a_usage_error(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "report.jsonl" in capsys.readouterr().err


def test_records_written_by_resume_keep_one_header(case: dict[str, Any]) -> None:
    """--resume appends to report.csv: no second BOM or header in the middle."""
    out = case["out"]
    with ReportWriter(out, keep={str(case["a"])}) as w:
        w.write(ImageResult(str(case["b"]), case["sha_b"], 320, 240))
    raw = (out / "report.csv").read_bytes()
    assert raw.count(b"\xef\xbb\xbf") == 1 and raw.count(b"path;sha256") == 1
    assert [r["path"] for r in read_csv(out / "report.csv")] == [str(case["a"]), str(case["b"])]
    assert json.loads((out / "report.jsonl").read_text().splitlines()[0])["sha256"] == case["sha_a"]


def test_video_frames_without_a_copy_get_a_thumbnail_of_their_own_frame(tmp_path: Path) -> None:
    """Frames nothing was found on have no annotated copy: their thumbnail is read from the video
    itself at the frame's index (read-only), so each shows its own moment."""
    import cv2
    import numpy as np

    video = tmp_path / "bukti" / "acara.avi"
    video.parent.mkdir()
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 5, (96, 64))
    for i in range(10):
        writer.write(np.full((64, 96, 3), (0, 25 * i, 250 - 25 * i), np.uint8))  # BGR
    writer.release()
    sha = hashlib.sha256(video.read_bytes()).hexdigest()
    out = tmp_path / "laporan"
    with ReportWriter(out) as w:
        for index in (0, 5, 9):
            frame = FrameInfo(index, index / 5)
            w.write(ImageResult(str(video), sha, 96, 64, frame=frame))
    render_report(out)
    thumbs = sorted((out / "thumbs").iterdir())
    assert [p.name[-12:] for p in thumbs] == ["_f000000.jpg", "_f000005.jpg", "_f000009.jpg"]
    greens = [np.asarray(Image.open(p))[..., 1].mean() for p in thumbs]
    assert greens[0] < greens[1] < greens[2]  # each its own frame, not the first one thrice
    page = (out / "report.html").read_text(encoding="utf-8")
    assert all(f"thumbs/{p.name}" in page for p in thumbs)


def test_the_csv_says_what_the_people_count_rests_on() -> None:
    """Faces always; bodies only where the person detector ran, blank (not 0) where it did not,
    so an officer does not read "no detector" as "nobody"."""
    from gesture_scan.report.tables import csv_row

    face, body = {"box": [0, 0, 10, 10]}, {"box": [0, 0, 10, 40], "score": 0.9}
    with_detector = {"people": 3, "faces": [face, face], "bodies": [body, body, body]}
    ran_found_none = {
        "people": 1,
        "faces": [face],
        "bodies": [],
        "meta": {"stage_seconds": {"bodies": 0.08}},
    }
    without = {"people": 2, "faces": [face, face], "bodies": []}
    rows = [csv_row(r) for r in (with_detector, ran_found_none, without)]
    assert [(r["people"], r["faces"], r["bodies"]) for r in rows] == [
        (3, 2, 3),
        (1, 1, 0),
        (2, 2, ""),
    ]
    assert {"faces", "bodies"} <= set(CSV_COLUMNS)
