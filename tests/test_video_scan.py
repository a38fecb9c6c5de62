"""Videos end to end: sampled frames scanned, timestamps reported, bad videos recorded as errors."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from gesture_scan.cli import main

pytestmark = pytest.mark.models


def write_video(path: Path, segments: list[tuple[np.ndarray, float]], fps: int = 10) -> None:
    """segments: (BGR image, seconds) shown one after another, at 640x480."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (640, 480))
    assert writer.isOpened()
    for image, seconds in segments:
        frame = cv2.resize(image, (640, 480), interpolation=cv2.INTER_AREA)
        for _ in range(round(seconds * fps)):
            writer.write(frame)
    writer.release()


@pytest.fixture(scope="module")
def sign_video(tmp_path_factory, packaged, hands_dir) -> Path:
    """A V sign (a real webcam photo) only between 3 s and 4 s; sign-free photos around it."""
    path = tmp_path_factory.mktemp("video") / "event.mp4"
    portrait = cv2.imread(str(packaged["grace_hopper"]))
    street = cv2.imread(str(packaged["bus"]))
    v_sign = cv2.imread(str(hands_dir / "hands_1528664299.56_pic00132.jpg"))
    write_video(path, [(portrait, 3.0), (v_sign, 1.0), (street, 4.0)])
    return path


def test_sign_between_3_and_4_seconds_is_found_there(scanner, sign_video):
    results = list(scanner.scan_video(sign_video))
    assert results and all(r.frame is not None and r.error is None for r in results)
    times = [r.frame.time_s for r in results]
    # Three static shots: one sample each after dedupe (the 2nd and 3rd at their scene cuts).
    assert times == sorted(times) and times[-1] >= 4.0 and len(times) <= 6
    flagged = [r for r in results if r.flagged]
    assert flagged, [(r.frame.time_s, [h.reading.gesture.value for h in r.hands]) for r in results]
    assert all(3.0 <= r.frame.time_s < 4.0 for r in flagged)
    assert any(h.reading.gesture.value == "two_v" for r in flagged for h in r.hands)
    assert len({r.sha256 for r in results}) == 1 and (results[0].width, results[0].height) == (
        640,
        480,
    )


def test_cli_scans_videos_next_to_photos(tmp_path, capsys, sign_video, packaged):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "event.mp4").write_bytes(sign_video.read_bytes())
    (evidence / "photo.jpg").write_bytes(packaged["zidane"].read_bytes())
    (evidence / "broken.mp4").write_bytes(sign_video.read_bytes()[:2000])
    (evidence / "voice.3gp").write_bytes(b"\x00" * 64)
    out = tmp_path / "report"
    with pytest.raises(SystemExit) as info:
        main([str(evidence), "--out", str(out), "--save-frames"])
    assert info.value.code == 0
    capsys.readouterr()
    records = [json.loads(x) for x in (out / "report.jsonl").read_text().splitlines()]
    frames = [r for r in records if r["path"].endswith("event.mp4")]
    assert all(r["frame"] is not None for r in frames) and len(frames) >= 3
    flagged = [r for r in frames if r["flagged"]]
    assert flagged and all(3 <= r["frame"]["time_s"] < 4 for r in flagged)
    for r in flagged:
        assert (out / r["frame_image"]).stat().st_size > 1000
    errors = {Path(r["path"]).name: r["error"] for r in records if r["error"]}
    assert set(errors) == {"broken.mp4", "voice.3gp"}
    assert next(r for r in records if r["path"].endswith("photo.jpg"))["frame"] is None
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "event.mp4" in page and "00:03" in page


def test_video_results_do_not_depend_on_workers(scanner, sign_video):
    def strip(r):
        d = r.to_dict()
        d["meta"].pop("seconds", None)
        d["meta"].pop("stage_seconds", None)  # wall clock
        return d

    one = [strip(r) for r in scanner.scan_paths([sign_video], workers=1)]
    two = [strip(r) for r in scanner.scan_paths([sign_video], workers=2)]
    assert one == two and len(one) >= 3
