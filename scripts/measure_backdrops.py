"""Official event backdrops: how the material findings change when the banner's text is read.

Most group photos of civil servants are taken before a printed banner of the event (a village
government's "sosialisasi", a school's, a provincial office's); the detector boxes it as a banner
like a candidate's, so without its text every such photo is "group photo with campaign material"
(medium) and one misread hand before it "campaign material with a sign". The rules read the
banner's OCR text (``Thresholds.min_backdrop_terms``, ``text.match.OFFICIAL_TERMS``) and make
those material findings low where it reads as an official event's and names no campaign.

Scans with the library defaults (text reading on, unlike ``measure_sign_grading.py``) the Indonesian
photos of ``../shared/train/attire/photos`` and the unlabeled Indonesian campaign photos of
``../shared/train/material/unlabeled``, then applies the rules with the cue off (0) and at the
default, by the eye's posed-gesture label of ``bench/sign_grading_labels.csv`` (unlisted: no;
the campaign photos: "campaign"). Never reads ../shared/fieldset.

    .venv/bin/python scripts/measure_backdrops.py --cache /tmp/lead-bd.pkl \\
        --out bench/backdrops.json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from gesture_scan import ScanConfig
from gesture_scan.rules import RuleEngine, load_profile
from measure_sign_grading import add_to_table, cpu_name, scan_cached, severity, table_counts

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--cache", type=Path, required=True, help="scan records, appended as they come")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "backdrops.json")
    args = ap.parse_args()
    sets = {
        "attire": sorted((args.shared / "train" / "attire" / "photos").glob("*.jpg")),
        "campaign": sorted((args.shared / "train" / "material" / "unlabeled").glob("*.jpg")),
    }
    records = scan_cached([p for ps in sets.values() for p in ps], args.cache, ScanConfig())
    with (ROOT / "bench" / "sign_grading_labels.csv").open(newline="") as f:
        eye = {row["photo"]: row["posed_gesture"] for row in csv.DictReader(f)}
    profile = load_profile("pilpres-2024")
    off = RuleEngine(replace(profile, thresholds=replace(profile.thresholds, min_backdrop_terms=0)))
    on = RuleEngine(profile)
    table: dict[str, dict[str, Counter[str]]] = {}
    changed, backdrop_photos = [], 0
    for name, photos in sets.items():
        for p in photos:
            r = records[str(p)]
            if r.error:
                continue
            label = "campaign" if name == "campaign" else eye.get(p.stem, "no")
            a, b = off.apply(r), on.apply(r)
            add_to_table(
                table, label, r.people >= 2, {"cue_off": severity(a), "cue_on": severity(b)}
            )
            terms = sorted({w for f in b.findings for w in f.details.get("backdrop_terms", ())})
            backdrop_photos += bool(terms)
            if severity(a) != severity(b) or terms:
                changed.append(
                    {
                        "photo": p.stem,
                        "label": label,
                        "cue_off": severity(a),
                        "cue_on": severity(b),
                        # the words only: the photos' text stays with the photos (no licence)
                        "backdrop_terms": terms,
                    }
                )
    walls = [float(r.meta.get("wall", 0.0)) for r in records.values() if not r.error]
    result: dict[str, Any] = {
        "what": __doc__.split("\n\n")[0],
        "date": dt.date.today().isoformat(),
        "machine": cpu_name(),
        "config": "library defaults (ScanConfig(), read_text auto), profile pilpres-2024",
        "min_backdrop_terms": profile.thresholds.min_backdrop_terms,
        "photos": {k: len(v) for k, v in sets.items()},
        "scan_seconds_per_photo_mean": round(sum(walls) / max(len(walls), 1), 3),
        "photos_with_a_backdrop": backdrop_photos,
        "by_label": table_counts(table),
        "changed": changed,
    }
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for label, row in sorted(table.items()):
        print(label, {k: dict(v) for k, v in row.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
