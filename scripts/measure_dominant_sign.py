"""The photo's dominant sign on real group photos (issue 20, points 3 and 4).

Issue 20's target: the sign people pose is the photo's dominant reading in at least 80% of sign
photos. Counting that needs the sign a person sees, so every photo that
``bench/sign_grading_labels.csv`` marks ``yes`` or ``unclear`` (someone poses a hand gesture) was
looked at by eye and its sign written to ``scripts/data/dominant_sign_labels.csv``: the finger
count the posing people show together (``1``..``5``, ``thumb`` for a thumbs-up, a V is ``2``) or
``none`` where it is not a number sign (finger hearts, horns, pointing, fists). Only photos with a
number (or thumb) are counted; that list is short, and its length is part of the result.

Each photo is scanned once with the library's defaults (``Scanner(ScanConfig())``: hands linked to
faces, posed scores, the pilpres-2024 profile, text read where it pays off); the records are
pickled outside the repository (the photos have no licence to be copied). Per photo:

- (a) the dominant reading: the most common sign among the hands the rules rest on with
  confidence (``RuleEngine``: score at least ``min_hand_score + uncertain_margin``, posed score at
  least ``min_posed_score``); direction is not asked (a V held sideways is still a V to the eye);
- (b) the ballot number of the record's photo sign (``ImageResult.sign``, ``sign`` in the report:
  its most severe, then highest-scored, sign finding);
- whether the sign is among the readings at all (any hand, whatever its score or posed score).

    .venv/bin/python scripts/measure_dominant_sign.py \\
        --photos ../shared/train/attire/photos --out bench/dominant_sign.json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import platform
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any, Optional

from gesture_scan import HeldOptions, ScanConfig
from gesture_scan.results import Gesture, Hand, ImageResult
from gesture_scan.rules import load_profile
from gesture_scan.rules.profile import COUNTING_GESTURES, Profile, Thresholds
from measure_sign_grading import cpu_name, scan_cached

NUMBER_SIGNS = ("1", "2", "3", "4", "5", "thumb")


def machine() -> str:
    """The CPU as lscpu names it (the model name, cores), or /proc/cpuinfo's where lscpu is
    missing; the scan shares these cores with other jobs, so times are indicative only."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        info = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        name = info.get("Model name", "").strip() or cpu_name()
        cpus = info.get("CPU(s)", "?").strip()
    except (OSError, subprocess.CalledProcessError):
        name, cpus = cpu_name(), "?"
    return f"{name}, {cpus} CPU(s), {platform.system()} {platform.release()}"


def label(hand: Hand) -> Optional[str]:
    """A hand's reading in the words of the eye labels: a finger count for the counting shapes,
    ``thumb``, or the named pose; None for an unreadable ``other`` (the rules' voters skip it)."""
    r = hand.reading
    if r.gesture == Gesture.OTHER:
        return None
    if r.gesture == Gesture.THUMBS_UP:
        return "thumb"
    if r.gesture == Gesture.FIST:
        return "fist"
    if r.gesture in COUNTING_GESTURES.get(r.count, ()):
        return str(r.count)
    return r.gesture.value


def confident_posed(hand: Hand, t: Thresholds) -> bool:
    """The hands a sign finding rests on without being graded down (``RuleEngine._evidence``
    and its firm hands): sure, clear of the uncertain margin, and not scored resting/holding."""
    return hand.score >= t.min_hand_score + t.uncertain_margin and (
        hand.posed is None or hand.posed >= t.min_posed_score
    )


def eye_number(sign: str, profile: Profile) -> Optional[int]:
    """The ballot number whose sign the eye label is (thumb is 01's in pilpres-2024), if any."""
    for c in profile.candidates:
        for s in c.signs:
            if (sign == "thumb" and s.gesture == Gesture.THUMBS_UP) or (
                s.gesture is None and s.fingers is not None and sign == str(s.fingers)
            ):
                return c.number
    return None


def scanned(photos: list[Path], cache: Path, config: ScanConfig) -> dict[str, ImageResult]:
    """{photo stem: record}, each photo scanned once with ``config`` (cached between runs)."""
    done = scan_cached(photos, cache, config)
    return {p.stem: done[str(p)] for p in photos}


def photo_row(r: ImageResult, eye: dict[str, str], profile: Profile) -> dict[str, Any]:
    t = profile.thresholds
    labels = [label(h) for h in r.hands]
    votes = Counter(
        lbl for h, lbl in zip(r.hands, labels) if lbl is not None and confident_posed(h, t)
    )
    top = max(votes.values(), default=0)
    modes = sorted(lbl for lbl, n in votes.items() if n == top)
    sign = eye["sign_by_eye"]
    finding = r.sign  # the record's photo sign: its most severe sign finding (PhotoSign)
    number = finding.number if finding else None
    want = eye_number(sign, profile)
    return {
        "photo": Path(str(r.path)).stem,
        "sign_by_eye": sign,
        "n_people_showing": int(eye["n_people_showing"]) if eye["n_people_showing"] else None,
        "faces": len(r.faces),
        "hands": len(r.hands),
        "readings_all": dict(Counter(lbl or "other" for lbl in labels).most_common()),
        "readings_confident_posed": dict(votes.most_common()),
        "dominant": modes,
        "dominant_is_sign": modes == [sign],
        "dominant_tie_with_sign": len(modes) > 1 and sign in modes,
        "sign_among_readings": sign in labels,
        "sign_among_confident_posed": sign in votes,
        "eye_ballot_number": want,
        "top_sign_finding": None
        if finding is None
        else {"rule": finding.rule, "severity": finding.severity, "number": number},
        "finding_names_sign": want is not None and number == want,
        "severity": r.severity or "none",
        "scan_seconds": None if r.meta.get("wall") is None else round(r.meta["wall"], 3),
        "notes": eye["notes"],
    }


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    counted = [row for row in rows if row["sign_by_eye"] in NUMBER_SIGNS]
    with_number = [row for row in counted if row["eye_ballot_number"] is not None]
    return {
        "photos_looked_at": len(rows),
        "signs_by_eye": dict(Counter(row["sign_by_eye"] for row in rows).most_common()),
        "number_sign_photos": len(counted),
        "a_dominant_is_sign": sum(row["dominant_is_sign"] for row in counted),
        "a_tied_with_sign": sum(row["dominant_tie_with_sign"] for row in counted),
        "b_photos_whose_sign_is_a_ballot_number": len(with_number),
        "b_top_sign_finding_names_it": sum(row["finding_names_sign"] for row in with_number),
        "b_top_sign_finding_names_another": sum(
            row["top_sign_finding"] is not None and not row["finding_names_sign"]
            for row in with_number
        ),
        "b_no_sign_finding": sum(row["top_sign_finding"] is None for row in with_number),
        "sign_among_readings": sum(row["sign_among_readings"] for row in counted),
        "sign_among_confident_posed": sum(row["sign_among_confident_posed"] for row in counted),
        "none_photos_with_a_sign_finding": {
            sev: sum(
                row["sign_by_eye"] not in NUMBER_SIGNS
                and row["top_sign_finding"] is not None
                and row["top_sign_finding"]["severity"] == sev
                for row in rows
            )
            for sev in ("high", "medium", "low")
        },
    }


def table(rows: list[dict[str, Any]], s: dict[str, Any]) -> str:
    n = s["number_sign_photos"]
    b = s["b_photos_whose_sign_is_a_ballot_number"]
    lines = [
        f"{'photo':9} {'eye':5} {'ppl':>3} {'(a) dominant':14} {'(b) finding':16} among",
    ]
    for row in rows:
        f = row["top_sign_finding"]
        named = f"{f['number']:02d} {f['severity']}" if f else "-"
        among = "-" if row["sign_by_eye"] not in NUMBER_SIGNS else "no"
        among = "yes" if row["sign_among_readings"] else among
        lines.append(
            f"{row['photo']:9} {row['sign_by_eye']:5} {row['n_people_showing'] or '':>3} "
            f"{'/'.join(row['dominant']) or '-':14} "
            f"{named:16} "
            f"{among}"
        )
    lines += [
        "",
        f"number-sign photos by eye: {n} of {s['photos_looked_at']} looked at",
        f"(a) dominant confident posed reading is the sign: {s['a_dominant_is_sign']}/{n}"
        f" (tied with another: {s['a_tied_with_sign']})",
        f"(b) top sign finding names the sign's ballot number: "
        f"{s['b_top_sign_finding_names_it']}/{b} (another number: "
        f"{s['b_top_sign_finding_names_another']}, none: {s['b_no_sign_finding']})",
        f"sign among the readings at all: {s['sign_among_readings']}/{n} "
        f"(among confident posed hands: {s['sign_among_confident_posed']}/{n})",
        f"no number sign by eye, top sign finding high / medium / low: "
        f"{' / '.join(str(v) for v in s['none_photos_with_a_sign_finding'].values())}"
        f" of {s['photos_looked_at'] - n}",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=Path, default=Path("../shared/train/attire/photos"))
    ap.add_argument("--grading", type=Path, default=Path("bench/sign_grading_labels.csv"))
    ap.add_argument("--labels", type=Path, default=Path("scripts/data/dominant_sign_labels.csv"))
    ap.add_argument("--cache", type=Path, default=Path("/tmp/gesture-scan-dominant-sign.pkl"))
    ap.add_argument("--out", type=Path, default=Path("bench/dominant_sign.json"))
    ap.add_argument("--scan-only", action="store_true", help="scan (fill the cache), no report")
    ap.add_argument(
        "--held",
        action="store_true",
        help="the defaults plus the held-object cue (hands/held.py; give another --cache/--out)",
    )
    args = ap.parse_args()
    config = ScanConfig(held=HeldOptions(enabled=True)) if args.held else ScanConfig()
    with args.grading.open(newline="") as f:
        names = [r["photo"] for r in csv.DictReader(f) if r["posed_gesture"] in ("yes", "unclear")]
    results = scanned([args.photos / f"{n}.jpg" for n in names], args.cache, config)
    if args.scan_only:
        return
    with args.labels.open(newline="") as f:
        eye = {r["photo"]: r for r in csv.DictReader(f)}
    missing = sorted(set(names) - set(eye))
    if missing:
        raise SystemExit(f"no eye label for {', '.join(missing)} in {args.labels}")
    profile = load_profile(ScanConfig().profile or "pilpres-2024")
    rows = [photo_row(results[n], eye[n], profile) for n in names if not results[n].error]
    s = summary(rows)
    report = {
        "what": "the photo's dominant sign on real group photos (issue 20): (a) the most common "
        "reading among confident posed hands, (b) the ballot number of the record's photo sign "
        "(ImageResult.sign: the top sign finding), "
        "against the sign seen by eye; library defaults (Scanner(ScanConfig()))"
        + (", plus the held-object cue (ScanConfig.held enabled)" if args.held else ""),
        "date": dt.date.today().isoformat(),
        "machine": machine(),
        "machine_note": "cores shared with other jobs: times indicative",
        "photos": str(args.photos),
        "labels": str(args.labels),
        "errors": sorted(n for n in names if results[n].error),
        **s,
        "rows": rows,
    }
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(table(rows, s))


if __name__ == "__main__":
    main()
