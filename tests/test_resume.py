"""--resume (issue 17): a scan killed at any point and resumed ends with one record per input."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from gesture_scan.report.writer import finished_inputs

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "samples").glob("rendered_campaign_*.jpg"))
QUICK = ["--text", "off", "--no-attire", "--no-search"]


def records(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "report.jsonl").read_text().splitlines() if x.strip()]


def scan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gesture_scan.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture()
def folder(tmp_path):
    ev = tmp_path / "ev"
    ev.mkdir()
    for i in range(12):
        shutil.copy(SAMPLES[i % len(SAMPLES)], ev / f"p{i:02d}.jpg")
    (ev / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    return ev


@pytest.mark.models
def test_a_killed_scan_resumed_has_one_record_per_input(folder, tmp_path):
    out = tmp_path / "r"
    argv = [sys.executable, "-m", "gesture_scan.cli", str(folder), "--out", str(out), "-w", "2"]
    proc = subprocess.Popen(
        [*argv, *QUICK],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    jsonl = out / "report.jsonl"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and (not jsonl.exists() or len(records(out)) < 3):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # no handler runs: the hardest stop
    proc.wait(30)
    before = records(out)
    assert 3 <= len(before) < 13
    resumed = scan(str(folder), "--out", str(out), "--resume", "-w", "2", *QUICK)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(before)} berkas sudah ada di laporan" in " ".join(resumed.stderr.split())
    after = records(out)
    counts = Counter(Path(r["path"]).name for r in after)
    assert set(counts) == {f"p{i:02d}.jpg" for i in range(12)} | {"broken.jpg"}
    assert set(counts.values()) == {1}
    # The earlier records were kept as they were, not scanned again.
    assert after[: len(before)] == before
    assert (out / "report.html").exists()
    rows = (out / "report.csv").read_text().splitlines()
    assert len(rows) == 1 + 13


@pytest.mark.models
def test_resume_scans_changed_evidence_again(folder, tmp_path):
    out = tmp_path / "r"
    assert scan(str(folder), "--out", str(out), "-w", "1", *QUICK).returncode == 0
    shutil.copy(SAMPLES[1], folder / "p00.jpg")  # p00 was SAMPLES[0]: its bytes changed
    resumed = scan(str(folder), "--out", str(out), "--resume", "-w", "1", *QUICK)
    assert resumed.returncode == 0, resumed.stderr
    after = records(out)
    assert len(after) == 13
    p00 = [r for r in after if r["path"].endswith("p00.jpg")]
    assert len(p00) == 1 and p00[0]["sha256"] == finished_inputs(out)[str(folder / "p00.jpg")]
    assert after[-1]["path"].endswith("p00.jpg")  # scanned again, appended
    again = scan(str(folder), "--out", str(out), "--resume", *QUICK)
    assert "13 berkas sudah ada di laporan, 0 akan dipindai" in " ".join(again.stderr.split())
    assert len(records(out)) == 13


def test_a_video_cut_off_part_way_is_done_again(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    lines = [
        {"path": "a.jpg", "sha256": "aa", "frame": None},
        {"path": "b.jpg", "sha256": None, "frame": None, "error": "permission denied"},
        {"path": "v.mp4", "sha256": "vv", "frame": {"index": 0, "time_s": 0.0}},
    ]
    text = "".join(json.dumps(x) + "\n" for x in lines) + '{"path": "c.jpg", "sha2'
    (out / "report.jsonl").write_text(text)
    assert finished_inputs(out) == {"a.jpg": "aa"}


def test_resume_and_overwrite_exclude_each_other(folder, tmp_path):
    proc = scan(str(folder), "--out", str(tmp_path / "r"), "--resume", "--overwrite")
    assert proc.returncode == 2 and "pick one" in proc.stderr


def _workers_of(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            found.append(int(status.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.models
def test_workers_end_when_the_scan_is_killed(folder, tmp_path):
    """A SIGKILLed parent cannot stop its workers; they notice and exit on their own."""
    argv = [sys.executable, "-m", "gesture_scan.cli", str(folder), "--out", str(tmp_path / "r")]
    proc = subprocess.Popen([*argv, "-w", "2", *QUICK], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = [p for p in _workers_of(proc.pid) if "spawn_main" in _cmdline(p)]
        time.sleep(0.1)
    assert len(workers) == 2
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.2)
    assert not [p for p in workers if _alive(p)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
