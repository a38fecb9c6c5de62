"""The photo's sign (``ImageResult.sign``): the one answer a table reader or a calling system
needs when a group's hands disagree. Rules on hand-made detections, then the record, the CSV and
the page written by the real writer; no models."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gesture_scan.report.render import render_report
from gesture_scan.report.tables import read_csv
from gesture_scan.report.writer import ReportWriter
from gesture_scan.results import Finding, ImageResult, PhotoSign
from gesture_scan.rules import RuleEngine, load_profile

from .test_sign_grading import hand, record


@pytest.fixture(scope="module")
def engine() -> RuleEngine:
    return RuleEngine(load_profile("pilpres-2024"))


def test_a_group_of_vs_among_misread_fists_and_ones_is_the_sign_of_02(engine) -> None:
    # Four people making the V, two raised fists and one hand misread as "one" (01): the sign
    # of the photo is 02, made by P1-P4, whatever the commonest other reading.
    hands = [hand("v", person=i) for i in range(4)] + [hand("fist"), hand("fist"), hand("one")]
    result = engine.apply(record(6, *hands))
    sign = result.sign
    assert sign is not None and sign.label == "02" and sign.number == 2
    assert sign.hands == (0, 1, 2, 3) and sign.people == (0, 1, 2, 3)
    assert sign.severity == "high" and sign.share is not None and 0.5 < sign.share < 0.7
    as_json = result.to_dict()["sign"]
    assert as_json["label"] == "02" and as_json["people"] == [0, 1, 2, 3]


def test_the_most_severe_sign_finding_names_it_not_the_highest_score() -> None:
    low_one = Finding("single-sign", "medium", "m", hands=(1,), score=0.9, details={"number": 1})
    v = Finding("group-candidate-sign", "high", "h", hands=(0,), score=0.5, details={"number": 2})
    material = Finding("group-with-material", "high", "g", objects=(0,), score=0.99)
    assert PhotoSign.of([low_one, material, v]).label == "02"  # type: ignore[union-attr]
    party = Finding("party-sign", "low", "p", hands=(2,), score=0.4, details={"party": "PDI-P"})
    assert PhotoSign.of([party]).label == "PDI-P"  # type: ignore[union-attr]
    # Findings that rest on no hand (material, a candidate's face, text) name no sign.
    assert PhotoSign.of([material]) is None and PhotoSign.of([]) is None


def test_no_sign_where_nobody_makes_one(engine) -> None:
    result = engine.apply(record(4, hand("fist"), hand("fist")))
    assert result.sign is None and result.to_dict()["sign"] is None


def _photo(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((800, 1600, 3), 90, np.uint8)).save(path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_table_and_the_page_name_the_photos_sign(engine, tmp_path: Path) -> None:
    photo = tmp_path / "bukti" / "apel pagi.jpg"
    sha = _photo(photo)
    hands = [hand("v", person=i) for i in range(3)] + [hand("fist")]
    result = engine.apply(record(5, *hands))
    out = tmp_path / "laporan"
    with ReportWriter(out) as w:
        w.write(ImageResult(str(photo), sha, 1600, 800))  # nothing found: no sign
        w.write(replace(result, path=str(photo), sha256=sha))
    render_report(out)
    rows = read_csv(out / "report.csv")
    assert [r["sign"] for r in rows] == ["", "02"]
    with (out / "report.csv").open(encoding="utf-8-sig") as f:
        assert "sign" in next(csv.reader(f, delimiter=";"))
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Simbol foto" in page and "02: 3 tangan, dibuat oleh P1, P2, P3" in page
