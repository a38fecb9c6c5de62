"""Evidence safety against hostile inputs and options (issue 12): nothing written into evidence,
nothing hangs, every input gets a record. Real files, real processes, real signals."""

from __future__ import annotations

import base64
import json
import multiprocessing as mp
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gesture_scan.cli import main
from gesture_scan.config import FaceOptions, SearchOptions
from gesture_scan.hands.search import tile_regions
from gesture_scan.io import discover
from gesture_scan.people.stage import face_regions
from gesture_scan.report.tables import read_csv
from gesture_scan.report.writer import ReportWriter, clear_report
from gesture_scan.results import ImageResult, display_path, path_fields

from .conftest import sha256

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "rendered_campaign_1.jpg"
#: Model options that keep CLI runs short where the test is about files, not findings.
QUICK = ["--no-objects", "--text", "off", "--no-attire", "--no-search"]


def run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every entry under ``root``: content hash (files) and mtime, links not followed."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            digest = sha256(p) if p.is_file() and not p.is_symlink() else "-"
            out[str(p.relative_to(root))] = (digest, st.st_mtime_ns)
    return out


@pytest.fixture()
def case(tmp_path):
    """An evidence folder with one real photo in it and one in a sub-folder."""
    ev = tmp_path / "evidence"
    (ev / "sub").mkdir(parents=True)
    shutil.copy(SAMPLE, ev / "photo.jpg")
    shutil.copy(SAMPLE, ev / "sub" / "inner.jpg")
    return ev


# -- 1 and 2: no output lands in, on or around evidence ------------------------------------------


def _layouts(tmp_path: Path, ev: Path):
    photo = ev / "photo.jpg"
    outside = tmp_path / "report"
    (tmp_path / "link.jsonl").symlink_to(photo)
    os.link(photo, tmp_path / "hard.jsonl")
    (tmp_path / "outlink").symlink_to(ev / "sub")
    return {
        "jsonl is an evidence photo": ([ev, "--out", outside, "--jsonl", photo], "photo.jpg"),
        "jsonl is a photo named as a file": (
            [photo, "--out", outside, "--jsonl", photo],
            "photo.jpg",
        ),
        "jsonl new file in evidence": (
            [ev, "--out", outside, "--jsonl", ev / "sub" / "new.jsonl"],
            "evidence",
        ),
        "jsonl symlink to evidence": (
            [ev, "--out", outside, "--jsonl", tmp_path / "link.jsonl"],
            "photo.jpg",
        ),
        "jsonl hard link to evidence": (
            [ev, "--out", outside, "--jsonl", tmp_path / "hard.jsonl"],
            "hard link",
        ),
        "jsonl is the report's own file": (
            [ev, "--out", outside, "--jsonl", outside / "report.jsonl"],
            "report's own",
        ),
        "out inside evidence": ([ev, "--out", ev / "sub" / "report"], "evidence"),
        "out holds the evidence": ([ev, "--out", tmp_path], "holds the evidence"),
        "evidence given as OUT/annotated": (
            [ev / "sub", "--out", ev],
            "evidence",
        ),
        "out/annotated is an evidence folder": (
            [tmp_path / "case2" / "annotated", "--out", tmp_path / "case2"],
            "holds the evidence",
        ),
        "photo inside out, named as a file": (
            [tmp_path / "case2" / "annotated" / "x.jpg", "--out", tmp_path / "case2"],
            "holds the evidence file",
        ),
        "out is a symlink into evidence": ([ev, "--out", tmp_path / "outlink"], "evidence"),
    }


@pytest.mark.parametrize(
    "layout",
    [
        "jsonl is an evidence photo",
        "jsonl is a photo named as a file",
        "jsonl new file in evidence",
        "jsonl symlink to evidence",
        "jsonl hard link to evidence",
        "jsonl is the report's own file",
        "out inside evidence",
        "out holds the evidence",
        "evidence given as OUT/annotated",
        "out/annotated is an evidence folder",
        "photo inside out, named as a file",
        "out is a symlink into evidence",
    ],
)
def test_outputs_that_would_touch_evidence_are_refused(layout, case, tmp_path, capsys):
    (tmp_path / "case2" / "annotated").mkdir(parents=True)
    shutil.copy(SAMPLE, tmp_path / "case2" / "annotated" / "x.jpg")
    argv, named = _layouts(tmp_path, case)[layout]
    before, before2 = snapshot(case), snapshot(tmp_path / "case2")
    code, _, err = run(argv, capsys)
    assert code == 2, err
    message = " ".join(err.split())
    assert named in message
    assert "Traceback" not in err
    assert snapshot(case) == before  # not a byte, not an mtime, not a new file
    assert snapshot(tmp_path / "case2") == before2
    assert not (tmp_path / "report").exists()  # refused before anything was written


# -- 3: a report folder holds one case -------------------------------------------------------


@pytest.mark.models
def test_rescan_needs_overwrite_which_removes_only_our_files(case, tmp_path, capsys):
    out = tmp_path / "report"
    quick = ["--workers", "1", "--text", "off", "--no-attire", "--no-search"]
    assert run([case, "--out", out, *quick], capsys)[0] == 0
    first = {p.name for p in (out / "annotated").iterdir()}
    assert len(first) == 2  # the rendered photo has a banner: each copy gets an annotated one
    (out / "my-notes.txt").write_text("officer's notes")
    before = snapshot(out)
    code, _, err = run([case / "sub", "--out", out, *quick], capsys)
    assert code == 2 and "--overwrite" in err
    assert snapshot(out) == before  # the refused run touched nothing
    code, _, err = run([case / "sub", "--out", out, "--overwrite", *quick], capsys)
    assert code == 0, err
    records = [json.loads(x) for x in (out / "report.jsonl").read_text().splitlines()]
    assert [Path(r["path"]).name for r in records] == ["inner.jpg"]
    assert (out / "my-notes.txt").read_text() == "officer's notes"
    annotated = {p.name for p in (out / "annotated").iterdir()}
    assert len(annotated) == 1 and all(name.startswith("inner_") for name in annotated)


def test_clear_report_ignores_names_that_leave_the_folder(tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    victim = tmp_path / "victim.jpg"
    victim.write_bytes(b"evidence")
    (out / ".gesture-scan-files").write_text(f"../victim.jpg\n{victim}\nreport.csv\n")
    (out / "report.csv").write_text("x")
    (out / "annotated").mkdir()
    (out / "annotated" / "a_0123456789.jpg").write_bytes(b"ours")
    (out / "annotated" / "holiday.jpg").write_bytes(b"not ours")
    clear_report(out)
    assert victim.read_bytes() == b"evidence"
    assert sorted(p.name for p in out.rglob("*")) == ["annotated", "holiday.jpg"]


# -- 4, 5, 8, 10: hostile inputs in one folder, scanned by two workers ---------------------------


@pytest.fixture()
def hostile(tmp_path):
    ev = tmp_path / "hostile"
    ev.mkdir()
    shutil.copy(SAMPLE, ev / "real.jpg")
    os.mkfifo(ev / "pipe.jpg")
    os.mkfifo(ev / "pipe.mp4")
    (ev / "zero.jpg").symlink_to("/dev/zero")
    Image.new("RGB", (1, 1)).save(ev / "tiny.png")
    Image.new("RGB", (20000, 8), (120, 90, 80)).save(ev / "strip.png")
    shutil.copy(SAMPLE, os.path.join(os.fsencode(ev), b"foto_\xff\xfe.jpg"))
    return ev


@pytest.mark.models
def test_hostile_inputs_each_get_one_record_and_nothing_hangs(hostile, tmp_path):
    before = snapshot(hostile)
    out = tmp_path / "report"
    started = time.monotonic()
    proc = subprocess.run(
        # Every stage on: hostile inputs must pass all of them.
        [sys.executable, "-m", "gesture_scan.cli", str(hostile), "--out", str(out), "-w", "2"],
        capture_output=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-3000:]
    assert time.monotonic() - started < 240
    # Strict UTF-8 everywhere: the undecodable name must not leak into the files.
    lines = (out / "report.jsonl").read_bytes().decode("utf-8").splitlines()
    records = {}
    for line in lines:
        r = json.loads(line)
        raw = base64.b64decode(r["path_bytes"]) if "path_bytes" in r else os.fsencode(r["path"])
        records[os.path.basename(raw)] = r
    assert set(records) == {
        b"real.jpg",
        b"pipe.jpg",
        b"pipe.mp4",
        b"zero.jpg",
        b"tiny.png",
        b"strip.png",
        b"foto_\xff\xfe.jpg",
    }
    for name in (b"pipe.jpg", b"pipe.mp4", b"zero.jpg"):
        assert records[name]["error"].startswith("not a regular file"), records[name]
    tiny = records[b"tiny.png"]  # a stage may refuse a 1x1 photo, but only in its record
    assert tiny["error"] is None or "too small" in tiny["error"], tiny
    strip = records[b"strip.png"]
    assert strip["error"] is None and strip["meta"]["detector_calls"]["face"] <= 20
    odd = records[b"foto_\xff\xfe.jpg"]
    assert odd["error"] is None and odd["path"].endswith("foto_\ufffd\ufffd.jpg")
    assert odd["sha256"] == records[b"real.jpg"]["sha256"]
    rows = read_csv(out / "report.csv")
    assert len(rows) == len(records)
    assert any(base64.b64decode(r["path_bytes"]).endswith(b"\xff\xfe.jpg") for r in rows)
    assert "foto_" in (out / "report.html").read_text(encoding="utf-8")
    assert snapshot(hostile) == before


@pytest.mark.parametrize("shape", [(20000, 8), (8, 20000), (60000, 300), (3, 100000), (640, 480)])
def test_tiles_are_bounded_for_any_shape(shape):
    w, h = shape
    faces = face_regions(w, h, FaceOptions())
    hands = tile_regions(w, h, SearchOptions())
    assert len(faces) <= 1 + 12 * 12 and len(hands) <= 12 * 12
    for regions in (faces, hands):
        for r in regions:
            assert r.width >= 1 and r.height >= 1
            assert r.x0 >= 0 and r.y0 >= 0 and r.x1 <= w + 1e-6 and r.y1 <= h + 1e-6
    if len(faces) > 1:  # the tiles cover the whole image
        assert max(r.x1 for r in faces) == pytest.approx(w)
        assert max(r.y1 for r in faces) == pytest.approx(h)


def test_unreadable_subfolders_are_listed_with_the_reason():
    base = Path(tempfile.mkdtemp(prefix="gs-locked-"))
    try:
        base.chmod(0o755)
        (base / "ok").mkdir()
        shutil.copy(SAMPLE, base / "ok" / "a.jpg")
        (base / "locked").mkdir()
        shutil.copy(SAMPLE, base / "locked" / "b.jpg")
        (base / "locked").chmod(0)
        # Root reads every folder, so as root the walk runs as nobody (after the imports, which
        # need the root-owned interpreter).
        code = (
            "import json, os, sys; from gesture_scan.io import discover\n"
            "if os.geteuid() == 0:\n    os.setgid(65534); os.setuid(65534)\n"
            "d = discover([sys.argv[1]])\n"
            "skipped = [[s.path, s.reason] for s in d.skipped]\n"
            "print(json.dumps([[str(p) for p in d.inputs], skipped]))"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code, str(base)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd="/",
        )
        assert proc.returncode == 0, proc.stderr
        inputs, skipped = json.loads(proc.stdout)
        assert inputs == [str(base / "ok" / "a.jpg")]
        assert skipped == [[str(base / "locked"), "folder cannot be read (permission denied)"]]
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)


def test_report_folder_met_inside_a_scan_is_listed_not_dropped(case):
    found = discover([case], exclude=[case / "sub"])
    assert [s.reason for s in found.skipped] == ["the report folder: not scanned"]


@pytest.mark.parametrize(
    "raw, shown",
    [(b"plain.jpg", "plain.jpg"), (b"caf\xc3\xa9.jpg", "café.jpg"), (b"x\xff.jpg", "x\ufffd.jpg")],
)
def test_paths_that_are_not_utf8_are_carried_losslessly(raw, shown):
    name = os.fsdecode(raw)
    fields = path_fields(name)
    assert fields["path"] == shown == display_path(name)
    assert base64.b64decode(fields.get("path_bytes", base64.b64encode(raw))) == raw
    assert ("path_bytes" in fields) == (raw != shown.encode())
    json.dumps(ImageResult(path=name, sha256=None).to_dict()).encode("utf-8")


# -- 11: stops and faults --------------------------------------------------------------------


@pytest.mark.models
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_stops_like_ctrl_c_and_leaves_a_report(signum, code, tmp_path):
    ev = tmp_path / "many"
    ev.mkdir()
    for i in range(40):
        shutil.copy(SAMPLE, ev / f"p{i:02d}.jpg")
    out = tmp_path / "report"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gesture_scan.cli", str(ev), "--out", str(out), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    jsonl = out / "report.jsonl"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not (jsonl.exists() and jsonl.read_text().strip()):
        time.sleep(0.2)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err.decode(errors="replace")[-2000:]
    records = [json.loads(x) for x in jsonl.read_text().splitlines()]
    assert 1 <= len(records) < 40
    assert (out / "report.html").stat().st_size > 1000
    assert b"Traceback" not in err
    time.sleep(0.5)
    assert not [p for p in mp.active_children()]  # and no worker left behind by the test itself


@pytest.mark.models
def test_a_write_error_has_its_own_exit_code(case, tmp_path, capsys):
    code, _, err = run(
        [case / "photo.jpg", "--out", tmp_path / "r", "--jsonl", "/dev/full", *QUICK], capsys
    )
    assert code == 4, err
    assert "No space left on device" in " ".join(err.split())
    assert "Traceback" not in err


def test_a_report_folder_that_cannot_be_made_is_a_write_error(case, capsys):
    code, _, err = run([case, "--out", "/proc/gesture-scan-report"], capsys)
    assert code == 4 and "cannot write there" in err and "Traceback" not in err


def test_an_empty_path_argument_is_missing_not_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(SAMPLE, tmp_path / "here.jpg")
    found = discover([""])
    assert found.inputs == [] and found.missing == [Path("")]


@pytest.mark.models
def test_a_gallery_that_holds_an_input_keeps_its_cache_elsewhere(
    tmp_path, packaged, monkeypatch, capsys
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    person = tmp_path / "galeri" / "02-orang-contoh"
    person.mkdir(parents=True)
    shutil.copy(packaged["grace_hopper"], person / "ref.jpg")
    before = snapshot(tmp_path / "galeri")
    argv = [person / "ref.jpg", "--out", tmp_path / "r", "--gallery", tmp_path / "galeri", *QUICK]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    assert snapshot(tmp_path / "galeri") == before  # the photo, named as evidence, is alone
    assert list((tmp_path / "user-cache" / "gesture-scan").glob("gallery-*.npz"))


def test_a_report_folder_on_a_full_disk_is_a_write_error(tmp_path):
    """The writer's own files on a full disk (``/dev/full`` stands in for the report)."""
    out = tmp_path / "r"
    with ReportWriter(out, open("/dev/full", "w"), annotate=False) as writer:
        from gesture_scan.errors import ReportWriteError

        with pytest.raises(ReportWriteError, match="No space left"):
            writer.write(ImageResult(path="x.jpg", sha256=None, error="test"))


# -- 5 and 12: the pool and the library's edges ------------------------------------------------


@pytest.mark.models
def test_a_worker_killed_mid_scan_costs_no_input(tmp_path):
    from gesture_scan.config import ObjectOptions, ScanConfig
    from gesture_scan.pipeline import Task, scan_in_workers

    paths = []
    for i in range(8):
        p = tmp_path / f"p{i}.jpg"
        shutil.copy(SAMPLE, p)
        paths.append(p)
    config = ScanConfig(read_text="off").with_(objects=ObjectOptions(enabled=False))
    results = []
    for done in scan_in_workers((Task(str(p)) for p in paths), config, 2, False, False):
        results.append(done.result)
        if len(results) == 1:
            victims = mp.active_children()
            assert victims
            os.kill(victims[0].pid, signal.SIGKILL)  # what the kernel's OOM killer does
    assert [r.path for r in results] == [str(p) for p in paths]
    assert all(r.error is None for r in results), [r.error for r in results]


@pytest.mark.models
def test_scan_paths_without_main_guard_fails_fast(tmp_path):
    """The README's ``scan_paths(..., workers=2)`` at module level, without ``__main__`` guard:
    the spawned workers import the script again; that must end at once with a clear message."""
    shutil.copy(SAMPLE, tmp_path / "a.jpg")
    shutil.copy(SAMPLE, tmp_path / "b.jpg")
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from gesture_scan import ScanConfig, Scanner
            config = ScanConfig(read_text="off")
            with Scanner(config) as scanner:
                for r in scanner.scan_paths([{str(tmp_path)!r}], workers=2):
                    print(r.path)
            """
        )
    )
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert time.monotonic() - started < 300
    assert proc.returncode != 0
    assert "could not start" in proc.stderr and "__main__" in proc.stderr
    assert proc.stderr.count("Traceback") <= 6


def test_scan_image_type_errors_and_bad_paths(scanner):
    with pytest.raises(TypeError, match="scan_image"):
        scanner.scan_image(None)
    with pytest.raises(TypeError):
        scanner.scan_image(42)
    assert scanner.scan_image("a\x00b.jpg").error == "path has a NUL byte"
    assert scanner.scan_image(np.zeros((1, 1, 3), np.uint8)).error.startswith("image too small")
    assert scanner.scan_image(b"").error.startswith("empty")


def test_a_video_swapped_for_a_fifo_mid_scan_ends_in_its_error_record(tmp_path, monkeypatch):
    """The parent probes a video, then decodes it between tasks: the file can change between the
    two (here: swapped for a FIFO right after the probe)."""
    import cv2

    from gesture_scan import tasks
    from gesture_scan.io import SamplingOptions

    path = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10.0, (160, 120))
    for i in range(30):
        writer.write(np.full((120, 160, 3), (i * 8) % 256, np.uint8))
    writer.release()
    probe = tasks.sample_frames

    def probe_then_swap(p, sampling):
        sampler = probe(p, sampling)
        os.unlink(p)
        os.mkfifo(p)
        return sampler

    monkeypatch.setattr(tasks, "sample_frames", probe_then_swap)
    sampling = SamplingOptions(every_s=0.5, scene_cuts=False, dedupe=False)
    out = list(tasks.video_tasks(str(path), sampling))
    assert len(out) == 1 and out[0].error.startswith("not a regular file (FIFO)")
    assert out[0].video is not None and out[0].sha256
