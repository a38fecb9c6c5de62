"""The command line on real folders: reports, exit codes, and evidence left untouched."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace

import pytest

from gesture_scan import HeldOptions
from gesture_scan.cli import main
from gesture_scan.report.tables import read_csv

from .conftest import sha256

pytestmark = pytest.mark.models


def run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture()
def evidence(tmp_path, packaged):
    """A small evidence folder with real photos, a subfolder, a non-image and bad inputs."""
    root = tmp_path / "evidence"
    (root / "sub").mkdir(parents=True)
    shutil.copy(packaged["bus"], root / "group.jpg")
    shutil.copy(packaged["zidane"], root / "sub" / "point.jpg")
    (root / "notes.txt").write_text("complaint notes")
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    (root / "empty.png").write_bytes(b"")
    os.symlink(root / "loop_b.jpg", root / "loop_a.jpg")
    os.symlink(root / "loop_a.jpg", root / "loop_b.jpg")
    return root


def _hashes(root):
    return {p: sha256(p) for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def test_scan_folder_writes_report_and_leaves_evidence_untouched(evidence, tmp_path, capsys):
    before = _hashes(evidence)
    listing = sorted(p.name for p in evidence.rglob("*"))
    out = tmp_path / "report"
    code, stdout, _ = run([evidence, "--out", out], capsys)
    assert code == 0
    assert "foto dipindai" in stdout  # the messages are Indonesian unless --lang en
    records = [json.loads(line) for line in (out / "report.jsonl").read_text().splitlines()]
    by_name = {os.path.basename(r["path"]): r for r in records}
    assert set(by_name) == {
        "group.jpg",
        "point.jpg",
        "broken.jpg",
        "empty.png",
        "loop_a.jpg",
        "loop_b.jpg",
    }
    assert by_name["point.jpg"]["hands"][0]["gesture"] == "one"
    assert by_name["group.jpg"]["group"] is True
    assert by_name["group.jpg"]["sha256"] == before[evidence / "group.jpg"]
    assert "link loop" in by_name["loop_a.jpg"]["error"]
    assert by_name["empty.png"]["error"].startswith("empty file")
    assert by_name["broken.jpg"]["error"]
    rows = read_csv(out / "report.csv")
    assert len(rows) == len(records)
    assert {r["path"] for r in rows} == {r["path"] for r in records}
    assert (out / by_name["point.jpg"]["annotated"]).stat().st_size > 1000
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "bukan kesimpulan hukum" in page and "group.jpg" in page
    assert 'src="http' not in page and 'href="http' not in page
    skipped = (out / "skipped.csv").read_text()
    assert "notes.txt" in skipped and "not an image" in skipped
    # Evidence: same files, same bytes, nothing added.
    assert _hashes(evidence) == before
    assert sorted(p.name for p in evidence.rglob("*")) == listing


def test_jsonl_to_stdout_and_no_annotate(evidence, tmp_path, capsys):
    out = tmp_path / "r"
    code, stdout, err = run(
        [evidence / "sub" / "point.jpg", "--out", out, "--jsonl", "-", "--no-annotate"], capsys
    )
    assert code == 0
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1 and lines[0]["hands"][0]["fingers"] == 1
    assert "foto dipindai" in err  # the summary moves to stderr when stdout carries data
    assert not (out / "annotated").exists()


@pytest.mark.parametrize(
    ("setup", "code", "message"),
    [
        ("empty_folder", 2, "tidak ada gambar"),
        ("only_bad", 1, "tidak ada yang dapat dibaca"),
        ("out_inside", 2, "inside the evidence folder"),
        ("missing", 1, "berkas atau folder tidak ada"),
    ],
)
def test_exit_codes(tmp_path, capsys, setup, code, message):
    folder = tmp_path / "in"
    folder.mkdir()
    out = tmp_path / "out"
    args = [folder, "--out", out]
    if setup == "only_bad":
        (folder / "a.jpg").write_text("no")
    elif setup == "out_inside":
        (folder / "a.jpg").write_text("no")
        args = [folder, "--out", folder / "report"]
    elif setup == "missing":
        args = [tmp_path / "nothing_here.jpg", "--out", out]
    got, stdout, err = run(args, capsys)
    assert got == code
    assert message in (stdout + err).replace("\n", " ")
    if setup == "out_inside":
        assert not (folder / "report").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--gallery", "{tmp}/no-gallery"], "gallery: folder not found"),
        (["--gallery", "{tmp}/empty-gallery"], "no reference photos"),
        (["--text", "sometimes"], "read_text: must be one of off, banners, auto, all"),
    ],
)
def test_bad_evidence_options_are_usage_errors(tmp_path, capsys, packaged, extra, message):
    """A broken gallery or text mode stops the run before any photo is scanned (exit 2)."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(packaged["grace_hopper"], folder / "a.jpg")
    (tmp_path / "empty-gallery").mkdir()
    args = [folder, "--out", tmp_path / "out", *(a.format(tmp=tmp_path) for a in extra)]
    code, stdout, err = run(args, capsys)
    assert code == 2
    assert message in (stdout + err).replace("\n", " ")
    assert not (tmp_path / "out" / "report.jsonl").exists()


@pytest.mark.parametrize(
    ("extra", "gated", "text"),
    [
        ([], False, "auto"),
        (["--fast"], True, "banners"),
        (["--fast", "--text", "all"], True, "all"),  # an explicit --text wins
        (["--text", "off", "--fast"], True, "off"),
        (["--text", "banners"], False, "banners"),
    ],
)
def test_fast_and_text_reach_the_scan_config(tmp_path, capsys, monkeypatch, extra, gated, text):
    from gesture_scan import cli

    seen = []
    monkeypatch.setattr(cli, "run_scan", lambda request: seen.append(request.config) or 0)
    code, _, _ = run([tmp_path, *extra], capsys)
    assert code == 0 and len(seen) == 1
    assert seen[0].hands.search.skip_tiles_with_faces is gated
    assert seen[0].hands.search.tiles and seen[0].read_text == text


def test_bad_option_is_a_usage_error(tmp_path, capsys):
    code, _, _ = run([tmp_path, "--max-side", "10"], capsys)
    assert code == 2


def test_ctrl_c_leaves_a_valid_report(evidence, tmp_path, capsys, monkeypatch):
    """Interrupted after the first input: exit 130, and what was scanned is a valid report."""
    import gesture_scan.pipeline as pipeline

    real = pipeline.scan_task
    calls = {"n": 0}

    def interrupt_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "scan_task", interrupt_second)
    out = tmp_path / "partial"
    code, stdout, _ = run([evidence, "--out", out, "--workers", "1"], capsys)
    assert code == 130
    assert "dihentikan" in stdout
    lines = (out / "report.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["path"]
    assert (out / "report.html").exists()
    assert len(read_csv(out / "report.csv")) == 1


@pytest.mark.parametrize(
    ("extra", "pose", "bodies"),
    [([], False, False), (["--pose"], True, False), (["--no-pose", "--bodies"], False, True)],
)
def test_pose_and_bodies_flags_reach_the_options(
    tmp_path, capsys, monkeypatch, extra, pose, bodies
):
    from gesture_scan import cli

    seen = []
    monkeypatch.setattr(cli, "run_scan", lambda request: seen.append(request.config) or 0)
    code, _, _ = run([tmp_path, *extra, "--fast"], capsys)
    assert code == 0 and seen[0].hands.link.pose is pose and seen[0].hands.link.enabled
    assert seen[0].persons.enabled is bodies
    assert seen[0].hands.search.skip_tiles_with_faces  # --fast keeps the link options


@pytest.mark.parametrize(
    ("extra", "held"), [([], False), (["--held"], True), (["--no-held"], False)]
)
def test_the_held_flag_reaches_the_options(tmp_path, capsys, monkeypatch, extra, held):
    from gesture_scan import cli

    seen = []
    monkeypatch.setattr(cli, "run_scan", lambda request: seen.append(request.config) or 0)
    code, _, _ = run([tmp_path, *extra], capsys)
    assert code == 0 and seen[0].held.enabled is held
    assert seen[0].held == replace(HeldOptions(), enabled=held)  # the other options untouched
