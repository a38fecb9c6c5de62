"""How long the report takes to render, and how big it gets: ``bench/report.json``.

Two cases, both without models (records in the JSON-lines shape):

- ``photos``: N JPEG photos (4000x3000 of noise, about 2.7 MB each, drawn here) with no annotated
  copy, as most inputs of a folder are: the first render makes a thumbnail of each from the
  original (read-only, SHA-256 checked), the second reuses them.
- ``records``: 10,000 records whose files are not on disk (no thumbnails): the cost of the pages
  and tables themselves (``report.html``, ``casefile.html``, ``report.csv``, ``report.xlsx``).

    .venv/bin/python scripts/bench_report.py --photos 40
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def _record(path: str, sha: str, i: int) -> dict[str, Any]:
    flagged = i % 5 == 0
    finding = {
        "rule": "group-candidate-sign",
        "severity": "high",
        "message": "Group photo (4 people) in which 1 hand(s) show the sign of 02",
        "message_id": "Foto bersama (4 orang) dengan 1 tangan membentuk simbol 02",
        "hands": [0],
        "score": 0.8,
        "references": ["UU No. 5 Tahun 2014", "PP No. 94 Tahun 2021"],
        "details": {"candidate": "02 (Prabowo Subianto - Gibran Rakabuming Raka)", "number": 2},
    }
    return {
        "path": path,
        "sha256": sha,
        "frame": None,
        "width": 4000,
        "height": 3000,
        "error": None,
        "people": 4,
        "group": True,
        "faces": [],
        "hands": [{"gesture": "two_v", "direction": "up", "score": 0.9, "handedness": "Right"}],
        "objects": [],
        "texts": [],
        "findings": [finding] if flagged else [],
        "flagged": flagged,
        "severity": "high" if flagged else None,
        "triage_score": 0.8 if flagged else 0.0,
        "meta": {"exif": {"datetime": "2024:02:01 10:22:03"}},
    }


def _render(out: Path, records: list[dict[str, Any]]) -> float:
    from gesture_scan.report.render import render_report

    (out / "report.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8"
    )
    t0 = time.perf_counter()
    render_report(out)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "report.json")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "note": "2-core development machine shared with a training run and other engineers",
    }
    with tempfile.TemporaryDirectory() as tmp:
        evidence, out = Path(tmp) / "bukti", Path(tmp) / "laporan"
        evidence.mkdir()
        out.mkdir()
        records = []
        base = rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)
        for i in range(args.photos):
            path = evidence / f"IMG_{i:04d}.jpg"
            big = Image.fromarray(np.roll(base, i * 7, axis=1)).resize((4000, 3000))
            big.save(path, quality=85)
            records.append(_record(str(path), hashlib.sha256(path.read_bytes()).hexdigest(), i))
        first = _render(out, records)
        again = _render(out, records)
        result["photos"] = {
            "inputs": args.photos,
            "photo_bytes_mean": int(np.mean([p.stat().st_size for p in evidence.iterdir()])),
            "first_render_s": round(first, 3),
            "per_thumbnail_ms": round(1000 * (first - again) / args.photos, 1),
            "second_render_s": round(again, 3),
            "thumbs_bytes_mean": int(
                np.mean([p.stat().st_size for p in (out / "thumbs").iterdir()])
            ),
        }
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        records = [_record(f"gone/IMG_{i:05d}.jpg", f"{i:064x}", i) for i in range(args.records)]
        took = _render(out, records)
        result["records"] = {
            "inputs": args.records,
            "render_s": round(took, 2),
            "report_html_mb": round((out / "report.html").stat().st_size / 1e6, 2),
            "casefile_html_mb": round((out / "casefile.html").stat().st_size / 1e6, 2),
            "report_csv_mb": round((out / "report.csv").stat().st_size / 1e6, 2),
            "report_xlsx_mb": round((out / "report.xlsx").stat().st_size / 1e6, 2),
        }
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
