"""Who makes the sign, and what the people count rests on, as the officer reads them: the page
and the case file, in both languages, from records the rule engine wrote (no models)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gesture_scan.detections import Detections
from gesture_scan.report.html import write_html
from gesture_scan.results import FaceInfo, ImageResult
from gesture_scan.rules import RuleEngine, load_profile

from .test_html import Page
from .test_sign_grading import hand


def faces(n: int) -> Detections:
    boxes = [[100 + 150 * i, 50, 160 + 150 * i, 110] for i in range(n)]
    return Detections(np.array(boxes, float), np.full(n, 0.9), np.zeros(n, int), ("face",))


def bodies(n_with_face: int, n_without: int) -> Detections:
    """Person boxes under the first faces, then boxes far to the right with no face."""
    boxes = [[85 + 150 * i, 40, 175 + 150 * i, 500] for i in range(n_with_face)]
    boxes += [[1200 + 90 * i, 40, 1280 + 90 * i, 500] for i in range(n_without)]
    n = len(boxes)
    return Detections(np.array(boxes, float), np.full(n, 0.7), np.zeros(n, int), ("person",))


def scanned(result: ImageResult, bodies_ran: bool) -> dict[str, Any]:
    record = RuleEngine(load_profile("pilpres-2024")).apply(result).to_dict()
    record["meta"] = {"stage_seconds": {"faces": 0.1, **({"bodies": 0.09} if bodies_ran else {})}}
    return record


def group(**kw: Any) -> ImageResult:
    """Three faces (P1..P3), a V by P1 and one by P3, a fist by P2."""
    hands = (hand("v", person=0, posed=0.9), hand("fist", person=1), hand("v", person=2, posed=0.9))
    spread = tuple(
        replace(h, landmarks=h.landmarks + np.float32([180.0 * i, 0, 0]))
        for i, h in enumerate(hands)
    )
    base = dict(path="e/group.jpg", sha256="1" * 64, width=1600, height=800, faces=faces(3))
    return ImageResult(**{**base, "hands": spread, **kw})


def page(tmp_path: Path, records: list[dict[str, Any]], lang: str) -> Page:
    out = write_html(iter(records), tmp_path, generated_at="2024-02-20 09:00 +07:00", lang=lang)
    return Page(out.read_text(encoding="utf-8"))


def test_the_record_names_the_sign_makers_as_the_hands_link_them():
    rec = scanned(group(bodies=bodies(3, 1)), bodies_ran=True)
    sign = next(f for f in rec["findings"] if f["rule"] == "group-candidate-sign")
    assert sign["people"] == [0, 2] == sorted({rec["hands"][i]["person"] for i in sign["hands"]})
    assert rec["people"] == 4 and len(rec["faces"]) == 3
    assert [(b["face"], b["score"]) for b in rec["bodies"]] == [
        (0, 0.7),
        (1, 0.7),
        (2, 0.7),
        (None, 0.7),
    ]
    json.dumps(rec)  # JSON-ready


@pytest.mark.parametrize(
    ("lang", "made_by", "count", "evidence"),
    [
        ("id", "dibuat oleh P1, P3 (2 orang)", "3 wajah, 4 badan", "dibuat oleh P1, P3"),
        ("en", "made by P1, P3 (2 people)", "3 faces, 4 bodies", "made by P1, P3"),
    ],
)
def test_the_page_says_who_makes_the_sign_and_how_people_were_counted(
    tmp_path, lang, made_by, count, evidence
):
    shown = page(tmp_path, [scanned(group(bodies=bodies(3, 1)), bodies_ran=True)], lang)
    entries = shown.text("entries")
    assert made_by in entries
    assert f"{evidence}; " in entries  # the evidence line opens with the sign makers
    assert f"4 ({count})" in entries  # the card: people, then faces and bodies
    assert count in shown.text("triage")  # under the count in the table
    assert "#0 R P1 " in entries and "#2 R P3 " in entries  # hands carry their person


@pytest.mark.parametrize(
    ("bodies_ran", "count"), [(False, "(3 faces)"), (True, "(3 faces, 0 bodies)")]
)
def test_bodies_are_counted_only_where_the_person_detector_ran(tmp_path, bodies_ran, count):
    shown = page(tmp_path, [scanned(group(), bodies_ran=bodies_ran)], "en").text("entries")
    assert f"People 3 {count}" in shown


def test_a_single_person_reads_in_the_singular(tmp_path):
    one = ImageResult(path="e/one.jpg", sha256="2" * 64, width=800, height=600, faces=faces(1))
    shown = page(tmp_path, [scanned(one, bodies_ran=True)], "en").text("entries")
    assert "People 1 (1 face, 0 bodies)" in shown


def test_older_records_name_the_makers_from_their_details(tmp_path):
    rec = scanned(group(), bodies_ran=False)
    for f in rec["findings"]:
        f.pop("people", None)
        f["message"] = f["message_id"] = "older wording"
    shown = page(tmp_path, [rec], "en").text("entries")
    assert "made by P1, P3; hands #0, #2" in shown


PRABOWO = FaceInfo(candidate="02-prabowo", number=2, name="Prabowo", distance=0.4)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("id", "orang di samping calon (P2) membentuk simbol"),
        ("en", "someone beside the candidate (P2) makes the sign"),
    ],
)
def test_candidate_with_sign_says_whether_the_candidate_makes_it(tmp_path, lang, text):
    """The candidate is P2 (a matched face), the V is made by P1 and P3."""
    rec = scanned(group(face_info=(FaceInfo(), PRABOWO, FaceInfo())), bodies_ran=False)
    cand = next(f for f in rec["findings"] if f["rule"] == "candidate-with-sign")
    assert cand["details"]["made_by"] == "others" and cand["people"] == [0, 2]
    entries = page(tmp_path, [rec], lang).text("entries")
    assert text in entries
    casefile = (tmp_path / "casefile.html").read_text(encoding="utf-8")
    assert text in casefile and ("3 wajah" if lang == "id" else "3 faces") in casefile


# -- the terminal summary --------------------------------------------------------------------------


def summary(tmp_path: Path, results: list[ImageResult], lang: str) -> str:
    from rich.console import Console

    from gesture_scan.cli.summary import print_summary
    from gesture_scan.report.writer import ReportWriter

    engine = RuleEngine(load_profile("pilpres-2024"))
    console = Console(record=True, width=200, color_system=None)
    with ReportWriter(tmp_path / "r", annotate=False) as writer:
        for result in results:
            writer.write(engine.apply(result))
        print_summary(console, writer, 0, 1.0, tmp_path / "r", False, lang)
    return console.export_text()


@pytest.mark.parametrize(
    ("lang", "row", "count", "who"),
    [
        ("id", "orang (wajah, badan tanpa wajah)", "7 (6 wajah, 4 badan)", "[dibuat oleh P1, P3]"),
        ("en", "people (faces, bodies without", "7 (6 faces, 4 bodies)", "[made by P1, P3]"),
    ],
)
def test_the_terminal_summary_counts_faces_and_bodies_and_names_the_makers(
    tmp_path, lang, row, count, who
):
    """Two photos: 3 faces and 4 bodies (one without a face) = 4 people, and 3 faces alone."""
    with_bodies = replace(group(bodies=bodies(3, 1)), meta={"stage_seconds": {"bodies": 0.1}})
    text = summary(tmp_path, [with_bodies, group(path="e/other.jpg", sha256="3" * 64)], lang)
    assert count in next(ln for ln in text.splitlines() if row in ln)
    assert f"group-candidate-sign {who}: " in text


def test_the_terminal_summary_leaves_bodies_out_when_the_detector_was_off(tmp_path):
    text = summary(tmp_path, [group()], "en")
    line = next(ln for ln in text.splitlines() if "people (faces" in ln)
    assert "3 (3 faces)" in line and "bod" not in line.split("without a face")[1]
