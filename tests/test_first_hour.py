"""The first hour of a new user (issue 15): version, profiles, a quiet terminal."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gesture_scan import __version__
from gesture_scan.rules import load_profile

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "rendered_campaign_1.jpg"


def cli(*args: str, columns: int = 80, **kw) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    env.pop("GESTURE_SCAN_VERBOSE", None)
    return subprocess.run(
        [sys.executable, "-m", "gesture_scan.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        **kw,
    )


@pytest.mark.parametrize("flag", ["--version", "-V", "version"])
def test_version(flag):
    proc = cli(flag)
    assert proc.returncode == 0 and __version__ in proc.stdout


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_profiles_never_truncate_the_name_you_type(columns):
    proc = cli("profiles", columns=columns)
    assert proc.returncode == 0, proc.stderr
    for name in ("pilkada-2024-template", "pilpres-2024"):
        assert name in proc.stdout
    assert "--export" in proc.stdout.replace("\n", " ")


def test_exported_profile_is_the_shipped_one(tmp_path):
    proc = cli("profiles", "--export", "pilkada-2024-template")
    assert proc.returncode == 0, proc.stderr
    mine = tmp_path / "my-region.yaml"
    mine.write_text(proc.stdout, encoding="utf-8")
    shipped, copy = load_profile("pilkada-2024-template"), load_profile(mine)
    assert copy.candidates == shipped.candidates and copy.id == shipped.id
    bad = cli("profiles", "--export", "no-such-profile")
    assert bad.returncode == 2 and "pilpres-2024" in bad.stderr


NATIVE_LOG_MARKS = ("W0000", "I0000", "INFO: Created TensorFlow", "absl::InitializeLog", ".cc:")


@pytest.mark.models
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_default_scan_prints_no_native_log_lines(tmp_path, workers):
    ev = tmp_path / "ev"
    ev.mkdir()
    shutil.copy(SAMPLE, ev / "a.jpg")
    shutil.copy(SAMPLE, ev / "b.jpg")
    proc = cli(str(ev), "--out", str(tmp_path / "r"), "--workers", workers)
    assert proc.returncode == 0, proc.stderr
    assert not [m for m in NATIVE_LOG_MARKS if m in proc.stderr], proc.stderr
    assert "ringkasan gesture-scan" in proc.stdout  # Indonesian unless --lang en
    loud = cli(str(ev), "--out", str(tmp_path / "r2"), "--workers", workers, "--verbose")
    assert loud.returncode == 0 and any(m in loud.stderr for m in NATIVE_LOG_MARKS)


@pytest.mark.models
def test_quiet_prints_only_problems(tmp_path):
    ev = tmp_path / "ev"
    ev.mkdir()
    shutil.copy(SAMPLE, ev / "a.jpg")
    (ev / "notes.txt").write_text("x")
    proc = cli(str(ev), str(tmp_path / "missing.jpg"), "--out", str(tmp_path / "r"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "missing.jpg" in proc.stderr and "profil:" not in proc.stderr
    assert (tmp_path / "r" / "report.html").exists()


WITHOUT_TORCH = (
    "import sys; sys.modules.update(torch=None, torchvision=None, ultralytics=None)\n"
    "from gesture_scan.cli import main; main(sys.argv[1:])\n"
)


@pytest.mark.models
@pytest.mark.parametrize(
    "options, code",
    [([], 0), (["--device", "cuda"], 3), (["--device", "cuda:0", "--workers", "2"], 3)],
)
def test_without_the_gpu_extra(tmp_path, options, code):
    """The default install has no torch: the CPU scan runs; CUDA names the extra (exit 3)."""
    proc = subprocess.run(
        [sys.executable, "-c", WITHOUT_TORCH, str(SAMPLE), "--out", str(tmp_path / "r"), *options],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == code, proc.stderr
    if code:
        assert "gesture-scan[gpu]" in " ".join(proc.stderr.split())
        assert "Traceback" not in proc.stderr
    else:
        assert '"label": "banner"' in (tmp_path / "r" / "report.jsonl").read_text()


def test_the_summary_names_the_most_urgent_inputs_first(tmp_path):
    from gesture_scan.report.writer import TOP, ReportWriter
    from gesture_scan.results import Finding, FrameInfo, ImageResult

    def flagged(path, severity, score, frame=None):
        finding = Finding(rule="r", severity=severity, message=f"{path} {score}", score=score)
        return ImageResult(path=path, sha256="x", frame=frame, findings=(finding,))

    with ReportWriter(tmp_path / "r", annotate=False) as writer:
        writer.write(flagged("low.jpg", "low", 0.9))
        for i, score in enumerate((0.3, 0.8, 0.5)):  # one video: its best frame counts once
            writer.write(flagged("v.mp4", "medium", score, FrameInfo(i, float(i))))
        writer.write(flagged("high.jpg", "high", 0.6))
        for i in range(TOP + 3):
            writer.write(flagged(f"m{i}.jpg", "medium", 0.1 + i / 100))
        writer.write(ImageResult(path="plain.jpg", sha256="y"))
    paths = [p for p, _ in writer.look_first]
    assert len(paths) == TOP and paths[:2] == ["high.jpg", "v.mp4"]
    assert writer.look_first[1][1].score == 0.8
    assert "low.jpg" not in paths and "plain.jpg" not in paths
