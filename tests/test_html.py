"""report.html: self-contained, sorted for triage, escaped, videos grouped, usable in a browser.

Records are built here in the JSON-lines shape (no models), with tiny annotated JPEGs on disk.
Most checks read the English page (``lang="en"``), whose words they were written against; the
Indonesian default has its own tests (``tests/test_report_i18n.py``).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Optional

import markupsafe
import pytest
from PIL import Image

from gesture_scan.errors import ConfigError
from gesture_scan.report.html import NOTICE_EN, NOTICE_ID, write_html
from gesture_scan.report.views import clock

ROOT = Path(__file__).resolve().parents[1]
NASTY = "bukti/<script>alert(1)</script>&\"'.jpg"
REFS = ["PP 94/2021 Pasal 5 huruf n", "SKB Netralitas ASN 2022"]
PROFILE = {"id": "pilpres-2024", "name": "Pilpres 2024", "election_day": "2024-02-14"}


def hand(gesture: str = "two_v", score: float = 0.9, fingers: int = 2) -> dict[str, Any]:
    return {
        "box": [10.0, 10.0, 40.0, 50.0],
        "handedness": "Right",
        "fingers": fingers,
        "gesture": gesture,
        "direction": "up",
        "score": score,
        "landmarks": [[float(i), float(i)] for i in range(21)],
    }


def finding(
    rule: str,
    severity: str,
    hands: tuple[int, ...] = (),
    objects: tuple[int, ...] = (),
    score: float = 0.8,
) -> dict[str, Any]:
    return {
        "rule": rule,
        "severity": severity,
        "message": f"{rule}: English message",
        "message_id": f"{rule}: pesan bahasa Indonesia",
        "hands": list(hands),
        "objects": list(objects),
        "score": score,
        "references": list(REFS),
        "details": {"candidate": "02"},
    }


def record(
    path: str,
    score: float = 0.0,
    findings: Optional[list[dict[str, Any]]] = None,
    hands: Optional[list[dict[str, Any]]] = None,
    objects: Optional[list[dict[str, Any]]] = None,
    frame: Optional[dict[str, Any]] = None,
    error: Optional[str] = None,
    annotated: Optional[str] = None,
    sha256: Optional[str] = None,
) -> dict[str, Any]:
    findings = findings or []
    order = {"high": 3, "medium": 2, "low": 1}
    severity = max((f["severity"] for f in findings), key=order.__getitem__, default=None)
    r: dict[str, Any] = {
        "path": path,
        "sha256": sha256 or hashlib.sha256(path.encode()).hexdigest(),
        "frame": frame,
        "width": 640,
        "height": 480,
        "error": error,
        "people": 3,
        "group": True,
        "faces": [{"box": [1, 2, 3, 4], "score": 0.9}] * 3,
        "hands": hands if hands is not None else [hand()],
        "objects": objects or [],
        "findings": findings,
        "flagged": bool(findings),
        "triage_score": score,
        "severity": severity,
        "meta": {
            "exif": {"datetime": "2024:02:01 10:22:03", "make": "samsung", "model": "SM-A525F"}
        },
    }
    if annotated is not None:
        r["annotated"] = annotated
    return r


def jpeg(out_dir: Path, name: str, colour: tuple[int, int, int] = (200, 40, 40)) -> str:
    rel = f"annotated/{name}"
    (out_dir / "annotated").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (48, 32), colour).save(out_dir / rel, quality=80)
    return rel


class Page(HTMLParser):
    """Entries (the cards, in page order), the triage table's rows, the text of each section, and
    every URL the page refers to."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.entries: list[dict[str, str]] = []
        self.rows: list[dict[str, str]] = []
        self.urls: list[str] = []
        self.hidden: list[str] = []
        self.sections: dict[str, list[str]] = {}
        self._section: Optional[str] = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "section":
            self._section = a.get("id")
            self.sections[self._section or ""] = []
        if "data-sev" in a and tag == "article":
            self.entries.append({"tag": tag, **a})
        elif "data-sev" in a and tag == "tr":
            self.rows.append({"tag": tag, **a})
        if "is-hidden" in a.get("class", "").split():
            self.hidden.append(tag)
        self.urls += [a[k] for k in ("src", "href") if k in a]

    def handle_data(self, data: str) -> None:
        if self._section is not None:
            self.sections[self._section].append(data)

    def text(self, section: str) -> str:
        return " ".join(" ".join(self.sections.get(section, [])).split())


def render(tmp_path: Path, records: list[dict[str, Any]], **kw: Any) -> tuple[str, Page]:
    kw.setdefault("lang", "en")
    out = write_html(iter(records), tmp_path, generated_at="2024-02-20 09:00 +07:00", **kw)
    assert out == tmp_path / "report.html"
    text = out.read_text(encoding="utf-8")
    return text, Page(text)


@pytest.fixture
def scan(tmp_path: Path) -> list[dict[str, Any]]:
    """A small report folder: flagged photos of every severity, a clean one, a video, errors."""
    a = jpeg(tmp_path, "a.jpg")
    return [
        record("z/clean.jpg", 0.0, annotated=jpeg(tmp_path, "clean.jpg")),
        record(
            "a/group.jpg",
            0.93,
            [
                finding("group-candidate-sign", "high", hands=(0, 2), score=0.93),
                finding("several-same-sign", "medium", hands=(0, 2), score=0.6),
            ],
            hands=[hand("two_v", 0.91), hand("fist", 0.8, 0), hand("two_v", 0.88)],
            annotated=a,
        ),
        record(
            "b/banner.jpg",
            0.7,
            [finding("material-with-sign", "medium", hands=(0,), objects=(0,))],
            objects=[{"label": "banner", "box": [0, 0, 9, 9], "score": 0.85}],
        ),
        record("c/single.jpg", 0.4, [finding("single-sign", "low", hands=(0,))]),
        record("d/broken.jpg", error="truncated image file (incomplete download or copy?)"),
    ]


def test_page_is_self_contained_and_offline(tmp_path: Path, scan: list[dict[str, Any]]) -> None:
    text, page = render(tmp_path, scan, profile=PROFILE)
    low = text.lower()
    for needle in ('src="http', 'href="http', "@import", "url(http", 'src="//', 'href="//'):
        assert needle not in low, needle
    assert "<link" not in low and "<script src" not in low
    assert all(not re.match(r"[a-z]+:|//", u) or u.startswith("#") for u in page.urls), page.urls
    # Every linked image is a file inside the report folder: annotated copies and thumbnails.
    images = [u for u in page.urls if u.startswith(("annotated/", "thumbs/"))]
    assert images and all((tmp_path / u).is_file() for u in images)
    assert {u.split("/")[0] for u in images} == {"annotated", "thumbs"}
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert not (tmp_path / "report.html.tmp").exists()


def test_header_notice_profile_and_totals(tmp_path: Path, scan: list[dict[str, Any]]) -> None:
    text, _ = render(tmp_path, scan, profile=PROFILE, title="Aduan 17 & 21")
    assert html.escape(NOTICE_EN) in text and html.escape(NOTICE_ID) not in text
    assert "<title>Aduan 17 &amp; 21</title>" in text
    assert "2024-02-20 09:00 +07:00" in text
    assert "Pilpres 2024" in text and "pilpres-2024" in text and "2024-02-14" in text
    tiles = dict(re.findall(r'<div class="l">([^<]+)</div><div class="n">(\d+)</div>', text))
    assert tiles == {
        "Inputs": "5",
        "Flagged": "3",
        "Not flagged": "1",
        "Unreadable": "1",
        "Decided": "0",
    }
    assert re.search(r"High 1<.*Medium 1<.*Low 1<", text)
    rules = dict(
        re.findall(r"<tr><td>[^<]*<code>([\w-]+)</code></td><td class=\"num\">(\d+)<", text)
    )
    assert rules == {
        "group-candidate-sign": "1",
        "several-same-sign": "1",
        "material-with-sign": "1",
        "single-sign": "1",
    }


def test_sorted_by_triage_score_then_path(tmp_path: Path) -> None:
    records = [
        record("m.jpg", 0.2, [finding("single-sign", "low")]),
        record("x.jpg", 0.9, [finding("group-candidate-sign", "high")]),
        record("b.jpg", 0.5, [finding("material-with-sign", "medium")]),
        record("a.jpg", 0.5, [finding("material-with-sign", "medium")]),
        record("c.jpg", 0.0),
    ]
    _, page = render(tmp_path, records)
    assert [e["data-path"] for e in page.entries] == ["x.jpg", "a.jpg", "b.jpg", "m.jpg", "c.jpg"]


def test_findings_show_rule_messages_evidence_and_references(
    tmp_path: Path, scan: list[dict[str, Any]]
) -> None:
    raw, page = render(tmp_path, scan)
    text = page.text("entries")
    assert "group-candidate-sign" in text
    assert "group-candidate-sign: English message" in text
    assert "group-candidate-sign: pesan bahasa Indonesia" in text
    # Gestures in words, next to their ids.
    assert "hands #0, #2: two-finger V (two_v) 0.91, two-finger V (two_v) 0.88" in text
    assert "hands #0: two-finger V (two_v) 0.90; objects #0: banner 0.85" in text
    assert scan[1]["sha256"] in text  # full SHA-256, not a prefix
    assert "2024:02:01 10:22:03" in text and "samsung SM-A525F" in text
    assert (
        "#0 R two-finger V (two_v)↑ 0.91 · #1 R fist↑ 0.80 · #2 R two-finger V (two_v)↑ 0.88"
        in (text)
    )
    # The references: listed once, numbered, and cited by number from every finding.
    refs = page.text("refs")
    assert "PP 94/2021 Pasal 5 huruf n" in refs and "SKB Netralitas" in refs
    assert raw.count("PP 94/2021 Pasal 5 huruf n") == 1 and "SKB Netralitas" not in text
    assert '<li id="ref1" value="1">PP 94/2021 Pasal 5 huruf n</li>' in raw
    assert raw.count('href="#ref1">[1]</a><a class="ref" href="#ref2">[2]</a>') == 4
    # The clean photo has a card saying so; flagged ones without an image, a placeholder.
    assert "No findings." in text and "No image" in text


@pytest.mark.parametrize(
    "path",
    [NASTY, "Foto Bapak Ahmad Hidayat – Kecamatan Sukamaju <2024>.jpg", "a\u202egpj.exe"],
)
def test_paths_are_escaped(tmp_path: Path, path: str) -> None:
    records = [
        record(path, 0.9, [finding("single-sign", "low")]),
        record(path, error="permission denied"),
    ]
    text, page = render(tmp_path, records)
    assert "<script>alert" not in text
    assert text.count("<script>") == 1  # the page's own filter script
    assert text.count("<h3") == 1
    shown = path.replace("\u202e", "\\u202e")  # a bidi override is shown, not obeyed
    assert str(markupsafe.escape(shown)) in text
    assert shown in page.text("entries") and shown in page.text("errors")
    assert page.entries[0]["data-path"] == path.lower()


def test_annotated_links_are_quoted_and_stay_in_the_folder(tmp_path: Path) -> None:
    odd = jpeg(tmp_path, "<b>\"&'.jpg")
    records = [record("odd.jpg", 0.5, [finding("single-sign", "low")], annotated=odd)]
    for i, bad in enumerate(
        ["http://evil.example/x.jpg", "//evil.example/x.jpg", "/etc/passwd", "../outside.jpg"]
    ):
        records.append(record(f"bad{i}.jpg", 0.1, annotated=bad))
    text, page = render(tmp_path, records)
    assert 'href="annotated/%3Cb%3E%22%26%27.jpg"' in text
    urls = {u for u in page.urls if not u.startswith(("#", "casefile.html"))}
    # The copy, and its thumbnail (a reduced copy in thumbs/); the unsafe ones got a placeholder.
    assert len(urls) == 2 and "annotated/%3Cb%3E%22%26%27.jpg" in urls
    (thumb,) = urls - {"annotated/%3Cb%3E%22%26%27.jpg"}
    assert thumb.startswith("thumbs/odd_") and (tmp_path / thumb).is_file()
    assert text.count("No image") == 4 * 2  # in the table and on the card


def test_missing_annotated_file_gets_placeholder(tmp_path: Path) -> None:
    records = [
        record("p.jpg", 0.5, [finding("single-sign", "low")], annotated="annotated/gone.jpg")
    ]
    text, _ = render(tmp_path, records)
    assert "annotated/gone.jpg" not in text and "No image" in text


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "00:00"),
        (5.9, "00:05"),
        (65.5, "01:05"),
        (3599.99, "59:59"),
        (3600, "1:00:00"),
        (3725, "1:02:05"),
        (36000, "10:00:00"),
        (float("nan"), "?"),
        (-1, "?"),
    ],
)
def test_clock(seconds: float, expected: str) -> None:
    assert clock(seconds) == expected


def test_video_frames_grouped_under_one_entry(tmp_path: Path) -> None:
    video = "rekaman/kampanye.mp4"
    times = [0.0, 5.0, 10.0, 65.5, 70.0, 80.0, 90.0, 3725.0]
    frames = []
    for i, t in enumerate(times):
        flagged = t in (65.5, 3725.0)
        frames.append(
            record(
                video,
                0.8 if t == 3725.0 else (0.6 if flagged else 0.0),
                [finding("group-with-material", "high" if t == 3725.0 else "medium")]
                if flagged
                else [],
                frame={"index": i * 25, "time_s": t},
                annotated=jpeg(tmp_path, f"kampanye_f{i:06d}.jpg"),
                sha256="ab" * 32,
            )
        )
    frames.reverse()  # records may come in any order; frames are shown in time order
    photo = record("foto.jpg", 0.7, [finding("single-sign", "low")])
    _, page = render(tmp_path, [*frames, photo], frames_per_video=2)
    assert [e["data-path"] for e in page.entries] == [video, "foto.jpg"]
    entry = page.entries[0]
    assert entry["data-sev"] == "high"
    assert entry["data-rules"] == "group-with-material"
    text = page.text("entries")
    assert "0.80" in text and "8 frames sampled, 2 flagged" in text
    stamps = re.findall(r"\b(\d+:\d\d(?::\d\d)?) frame (\d+)", text)
    # Flagged frames plus the first two others, in time order; the rest summarised.
    assert stamps == [("00:00", "0"), ("00:05", "25"), ("01:05", "75"), ("1:02:05", "175")]
    assert "4 more unflagged frames not shown" in text


def test_video_not_flagged_when_no_frame_is(tmp_path: Path) -> None:
    frames = [record("v.mp4", 0.0, frame={"index": i, "time_s": i}) for i in range(3)]
    _, page = render(tmp_path, frames)
    assert [e["data-sev"] for e in page.entries] == ["none"]


def test_errors_listed_in_their_own_section(tmp_path: Path, scan: list[dict[str, Any]]) -> None:
    scan.append(
        record("v.mp4", frame={"index": 50, "time_s": 62.0}, error="frame could not be decoded")
    )
    text, page = render(tmp_path, scan)
    assert "d/broken.jpg" not in [e["data-path"] for e in page.entries]
    errors = page.text("errors")
    assert "d/broken.jpg" in errors and "truncated image file" in errors
    assert "01:02 (frame 50)" in errors and "frame could not be decoded" in errors
    assert scan[-2]["sha256"] in errors
    assert text.index('id="errors"') > text.index('id="entries"')
    assert "truncated image file" not in page.text("entries")


def test_no_errors_says_so(tmp_path: Path) -> None:
    _, page = render(tmp_path, [record("a.jpg")])
    assert "every input could be read" in page.text("errors")


def test_filters_present_and_everything_shown_without_js(
    tmp_path: Path, scan: list[dict[str, Any]]
) -> None:
    text, page = render(tmp_path, scan)
    form = re.search(r'<form id="filters" class="filters js-only".*?</form>', text, re.S)
    assert form is not None
    for sev in ("high", "medium", "low", "none"):
        assert f'name="sev" value="{sev}" checked' in form.group(0)
    select = re.search(r'<select name="rule">.*?</select>', form.group(0), re.S)
    assert select is not None
    options = re.findall(r'<option value="([^"]*)">', select.group(0))
    assert options == [
        "",
        "group-candidate-sign",
        "material-with-sign",
        "several-same-sign",
        "single-sign",
    ]
    # Without scripts the filter bar is hidden by CSS and no entry is hidden.
    assert "body:not([data-ready]) .js-only{display:none}" in text
    assert page.hidden == []
    assert "setAttribute('data-ready','1')" in text
    assert {e["data-sev"] for e in page.entries} == {"high", "medium", "low", "none"}


def test_max_entries_summarises_the_rest(tmp_path: Path) -> None:
    records = [
        record(f"p{i:02d}.jpg", i / 10, [finding("single-sign", "low")] if i else [])
        for i in range(10)
    ]
    _, page = render(tmp_path, records, max_entries=3)
    # Every input is a row of the triage table; only the first three have a card.
    assert [e["data-path"] for e in page.entries] == ["p09.jpg", "p08.jpg", "p07.jpg"]
    assert [r["data-path"] for r in page.rows][:4] == ["p09.jpg", "p08.jpg", "p07.jpg", "p06.jpg"]
    assert len(page.rows) == 10 and page.rows[-1]["data-path"] == "p00.jpg"
    assert "7 more inputs" in page.text("entries")


def test_records_are_read_once(tmp_path: Path) -> None:
    consumed = []

    def gen() -> Iterator[dict[str, Any]]:
        for i in range(3):
            consumed.append(i)
            yield record(f"{i}.jpg", 0.1 * i)

    write_html(gen(), tmp_path)
    assert consumed == [0, 1, 2]


def test_rules_layer_fields_may_be_missing(tmp_path: Path) -> None:
    """A record from before the rules layer (no triage_score, severity) still renders."""
    r = record("old.jpg", findings=[finding("single-sign", "medium", score=0.42)])
    del r["triage_score"], r["severity"], r["meta"]
    r["findings"][0].pop("message_id")
    _, page = render(tmp_path, [r])
    assert page.entries[0]["data-sev"] == "medium"
    assert "0.42" in page.text("entries")


@pytest.mark.parametrize(("key", "value"), [("max_entries", -1), ("frames_per_video", -2)])
def test_bad_options(tmp_path: Path, key: str, value: int) -> None:
    with pytest.raises(ConfigError, match=key):
        write_html([], tmp_path, **{key: value})


def test_empty_scan(tmp_path: Path) -> None:
    _, page = render(tmp_path, [])
    assert page.entries == [] and "No readable inputs" in page.text("triage")


def _many(n: int) -> Iterator[dict[str, Any]]:
    rules = ["group-candidate-sign", "material-with-sign", "group-with-material", "single-sign"]
    sevs = ["high", "medium", "medium", "low"]
    for i in range(n):
        if i % 50 == 0:
            yield record(f"bukti/{i:05d}.jpg", error="truncated image file")
        elif i % 7 == 0:
            k = i % 4
            f = finding(rules[k], sevs[k], hands=(0,), score=(i % 100) / 100)
            yield record(f"bukti/{i:05d}.jpg", (i % 100) / 100, [f], hands=[hand()] * 3)
        else:
            yield record(f"bukti/{i:05d}.jpg", 0.0, hands=[hand()] * 2)


def test_ten_thousand_records_page_stays_openable(tmp_path: Path) -> None:
    """10,000 inputs: detailed cards stop at max_entries, the rest become table rows, and the page
    stays a few megabytes (its build time is a benchmark figure, scripts/bench.py, not a test)."""
    out = write_html(_many(10_000), tmp_path, lang="en")
    size = out.stat().st_size
    assert size < 20_000_000, f"{size} bytes"
    text = out.read_text(encoding="utf-8")
    assert text.count("<article") == 2000 and "7800 more inputs" in text
    assert text.count('<tr class="row') == 10_000 - 200  # one row per readable input


@pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="chromium is not installed (apt-get install chromium) - the in-browser check is skipped",
)
def test_page_works_in_headless_chromium(tmp_path: Path, scan: list[dict[str, Any]]) -> None:
    out = write_html(scan, tmp_path, profile=PROFILE)
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_html_report.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout)
    assert result["entries"] == 4 and result["shown_with_high_only"] == 1
    assert result["broken_images"] == 0


def test_matched_candidates_uniform_cues_and_banner_text_are_shown(tmp_path: Path) -> None:
    rec = record(
        "e/with-candidate.jpg",
        0.95,
        [{**finding("candidate-with-sign", "high", hands=(0,), score=0.95), "faces": [1, 2]}],
    )
    rec["faces"] = [
        {"box": [1, 2, 3, 4], "score": 0.9, "candidate": None, "attire": None},
        {
            "box": [5, 6, 7, 8],
            "score": 0.9,
            "candidate": "02-prabowo-subianto",
            "number": 2,
            "name": "Prabowo Subianto",
            "distance": 0.41,
            "on_print": False,
            "attire": None,
        },
        {
            "box": [9, 9, 12, 12],
            "score": 0.8,
            "candidate": None,
            "attire": {"label": "pdh_khaki", "score": 0.77, "reason": "khaki torso"},
        },
        {  # judged, not a civil servant: what the head saw is in the record, not on the page
            "box": [20, 20, 24, 24],
            "score": 0.8,
            "candidate": None,
            "attire": {"label": None, "score": 0.08, "civil_servant": False, "uniform": "civilian"},
        },
    ]
    rec["texts"] = [
        {
            "box": [0, 0, 9, 9],
            "text": "COBLOS <NO. 2>",
            "score": 0.9,
            "region": 0,
            "matches": [{"kind": "ballot_number", "term": "No. 2", "candidate": 2}],
        },
        {"box": [0, 0, 9, 9], "text": "SELAMAT DATANG", "score": 0.9, "matches": []},
    ]
    text, page = render(tmp_path, [rec])
    shown = page.text("entries")
    # Faces are people, numbered from P1 as on the annotated copy.
    assert "P2 02 Prabowo Subianto (distance 0.41)" in shown
    assert "P3 uniform cue pdh_khaki (0.77)" in shown
    assert "P4" not in shown
    assert "faces P2, P3: 02 Prabowo Subianto (distance 0.41), uniform cue pdh_khaki" in shown
    assert "\u201cCOBLOS <NO. 2>\u201d \u2192 No. 2" in shown
    assert "SELAMAT DATANG" not in shown  # text that names no one is not evidence
    assert "COBLOS &lt;NO. 2&gt;" in text  # escaped in the page source
