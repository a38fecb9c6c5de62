"""The report of the bundled ``samples/`` in a real browser: Debian's ``/usr/bin/chromium`` driven
by Playwright's Python package (``executable_path``; no browser is ever downloaded).

One scan of the samples (the README's first command, Indonesian by default), then: the static page
loads from ``file://`` with every thumbnail showing and no console error, its filters and sorting
work; the review server takes a decision through the page's own buttons, a reload still shows it,
and it is in ``review.jsonl``; the case file prints to an A4 PDF. Screenshots of each step are
written to ``$GESTURE_SCAN_SHOTS`` when set (to look at them), else to the test's folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.models,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)"
    ),
]
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")

from .test_review import LiveServer  # noqa: E402


@pytest.fixture(scope="module")
def samples_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the committed samples. Scanned from a copy of them: the README's first
    command also copies packaged photos into the git-ignored ``samples/packaged/``, and a user
    who ran it before the tests must not see them change the rows counted here."""
    work = tmp_path_factory.mktemp("samples")
    (work / "samples").mkdir()
    for f in (ROOT / "samples").iterdir():
        if f.is_file():
            shutil.copy2(f, work / "samples" / f.name)
    out = work / "laporan"
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from gesture_scan.cli import main; main()",
            "samples/",
            "--out",
            str(out),
            "-q",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return out


@pytest.fixture(scope="module")
def browser() -> Any:
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("GESTURE_SCAN_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _visible_rows(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "#triage-table tbody tr:not(.is-hidden)", "rows => rows.map(r => r.dataset.path)"
    )


def test_static_report_loads_filters_and_sorts(samples_report: Path, browser: Any, shots: Path):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((samples_report / "report.html").as_uri())
    page.wait_for_selector("body[data-ready='1']")
    assert page.get_attribute("html", "lang") == "id"
    assert "Tabel triase" in page.inner_text("#triage h2")
    rows = _visible_rows(page)
    # 7 samples: 6 readable (one row each, flagged first), the broken download among the errors.
    assert len(rows) == 6 and rows[0] == "samples/group_salam_dua_jari.jpg"
    assert "broken_download.jpg" in page.inner_text("#errors")
    # Every row has a thumbnail that really loaded, also the photos nothing was found on.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('#triage-table img')).every(i => i.complete)"
    )
    widths = page.eval_on_selector_all(
        "#triage-table tbody tr img", "imgs => imgs.map(i => i.naturalWidth)"
    )
    assert len(widths) == 6 and min(widths) > 0
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(
        path=str(shots / "report-triage.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1366, "height": 1000},
    )
    assert "salam dua jari (two_v)" in page.inner_text("#entries")
    # Filters: only the flagged ones, then one rule, then a path.
    page.uncheck("input[name=sev][value=none]")
    assert len(_visible_rows(page)) == 2
    assert "2 dari 6 ditampilkan" in page.inner_text("#shown")
    page.select_option("select[name=rule]", "candidate-text")
    assert _visible_rows(page) == ["samples/group_with_banner_02.jpg"]
    page.select_option("select[name=rule]", "group-with-material")
    assert sorted(_visible_rows(page)) == [
        "samples/group_salam_dua_jari.jpg",
        "samples/group_with_banner_02.jpg",
    ]
    page.fill("input[name=q]", "banner")
    assert _visible_rows(page) == ["samples/group_with_banner_02.jpg"]
    assert page.locator("article.entry:not(.is-hidden)").count() == 1
    page.fill("input[name=q]", "")
    page.select_option("select[name=rule]", "")
    page.check("input[name=sev][value=none]")
    # Sorting: a number column sorts most first on the first click, the other way on the next.
    head = page.locator("#triage-table th[data-key=people]")
    order = "rows => rows.map(r => +r.dataset.people)"
    head.click()
    people = page.eval_on_selector_all("#triage-table tbody tr", order)
    assert people == sorted(people, reverse=True) and people[0] == 5
    assert head.get_attribute("aria-sort") == "descending"
    head.click()
    assert page.eval_on_selector_all("#triage-table tbody tr", order) == sorted(people)
    page.locator("#triage-table th[data-key=idx]").click()
    assert _visible_rows(page)[0] == "samples/group_salam_dua_jari.jpg"
    assert errors == []
    page.close()


def test_decision_survives_a_reload_and_the_case_file_prints(
    samples_report: Path, browser: Any, shots: Path
) -> None:
    with LiveServer(samples_report) as srv:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(srv.url + "/")
        page.wait_for_selector("body[data-ready='1']")
        page.fill("#reviewer", "Budi Santoso")
        page.dispatch_event("#reviewer", "change")
        card = page.locator("article#e0")
        assert "samples/group_salam_dua_jari.jpg" in card.inner_text()
        box = card.locator(".finding .decide").first
        box.locator("input.note").fill("Tangan #0 jelas membentuk salam dua jari")
        box.locator("button[data-decision=confirmed]").click()
        page.wait_for_selector("article#e0 .finding .decide[data-saved=confirmed]")
        assert page.get_attribute("#r0", "data-decision") == "confirmed"
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        status = page.locator("article#e0 .finding .decide .status").first.inner_text()
        assert "Dikonfirmasi" in status and "Budi Santoso" in status
        assert page.input_value("#reviewer") == "Budi Santoso"  # kept in the browser
        assert "Dikonfirmasi" in page.inner_text("#r0 .dcell")
        page.select_option("select[name=decision]", "confirmed")
        assert _visible_rows(page) == ["samples/group_salam_dua_jari.jpg"]
        page.select_option("select[name=decision]", "")
        page.locator("article#e0").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "report-review.png"))
        # The original opens through the server (a file:// link would be blocked there).
        href = page.get_attribute("article#e0 a.orig", "href")
        assert href is not None and re.fullmatch(r"original/[0-9a-f]{64}", href)
        assert errors == []
        page.close()
    (line,) = (samples_report / "review.jsonl").read_text(encoding="utf-8").splitlines()
    decision = json.loads(line)
    record = next(
        json.loads(x)
        for x in (samples_report / "report.jsonl").read_text(encoding="utf-8").splitlines()
        if "group_salam_dua_jari" in x
    )
    assert decision["sha256"] == record["sha256"] and decision["finding"] == 0
    assert decision["rule"] == record["findings"][0]["rule"] == "group-candidate-sign"
    assert decision["reviewer"] == "Budi Santoso" and decision["decision"] == "confirmed"
    assert decision["note"] == "Tangan #0 jelas membentuk salam dua jari"
    # Re-render with the decision (English this time) and print the A4 case file.
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from gesture_scan.cli import main; main()",
            "report",
            str(samples_report),
            "--lang",
            "en",
            "--pdf",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    pdf = (samples_report / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    # A cover page, then one page per flagged photo (3 in the samples).
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 4
    boxes = {
        tuple(round(float(v)) for v in m)
        for m in re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    }
    assert boxes == {(595, 842)}, boxes  # A4 in points, not US Letter (612 x 792)
    page = browser.new_page(viewport={"width": 900, "height": 1200})
    page.goto((samples_report / "casefile.html").as_uri())
    assert page.get_attribute("html", "lang") == "en"
    text = page.inner_text("body")
    assert "Case file (A4)" in text and "Confirmed" in text and record["sha256"] in text
    page.emulate_media(media="print")
    page.screenshot(path=str(shots / "casefile.png"), full_page=False)
    page.close()
