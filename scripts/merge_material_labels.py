"""Turn reviewers' decisions on ``propose_material_boxes.py`` sheets into a box table.

Input: the proposals CSV and one or more decision CSVs (``file,action,ref,class,x0,y0,x1,y1,note``;
``keep`` a proposal by id with its right class, ``add`` a box in grid units 0..10, ``none`` a photo
without material). Output: ``file,site,split,class,cx,cy,w,h,note`` (YOLO-normalised; a photo
without material is one row with an empty class, so it trains as a negative).

The split is by website (``photos.csv``'s ``source_repo``): sites in SHA-256 order of their names
go to ``holdout`` until it holds 30% of the photos. Chosen before any box was drawn and blind to
the labels, so the held-out figures are an honest look at sites the detector never saw.

    python scripts/merge_material_labels.py --proposals /tmp/label/attire/proposals.csv \\
        --decisions /tmp/label/out_p*.csv --photos ../shared/train/attire/photos.csv \\
        --prefix attire/photos --out scripts/data/indonesian_event_boxes.csv
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections import Counter
from pathlib import Path

HOLDOUT_FRACTION = 0.3


def holdout_sites(sites: Counter[str], fraction: float = HOLDOUT_FRACTION) -> set[str]:
    """Sites taken in SHA-256 order of their names until ``fraction`` of the photos."""
    total, held, out = sum(sites.values()), 0, set()
    for s in sorted(sites, key=lambda s: hashlib.sha256(s.encode()).hexdigest()):
        if held >= fraction * total:
            break
        out.add(s)
        held += sites[s]
    return out


def _f(v: str) -> float:
    return min(max(float(v) / 10.0, 0.0), 1.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proposals", type=Path, required=True)
    ap.add_argument("--decisions", type=Path, nargs="+", required=True)
    ap.add_argument("--photos", type=Path, required=True, help="photos.csv: photo,source_repo")
    ap.add_argument("--prefix", default="attire/photos", help="folder under ../shared/train")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument(
        "--drop-note",
        action="append",
        default=["bunting", "folded"],
        help="boxes whose note has this word become background (default: strings of small "
        "pennants and a folded flag: decoration, not the flags campaigns put up)",
    )
    args = ap.parse_args(argv)

    site = {r["photo"]: r["source_repo"] for r in csv.DictReader(args.photos.open())}
    held = holdout_sites(Counter(site.values()))
    props = {(r["file"], r["id"]): r for r in csv.DictReader(args.proposals.open())}
    rows: dict[str, list[list[str]]] = {}
    seen: set[str] = set()
    problems = []
    counts_dropped: Counter[str] = Counter()
    for path in args.decisions:
        for n, r in enumerate(csv.DictReader(path.open()), start=2):
            name, action = r["file"].strip(), r["action"].strip()
            if name.endswith(".png"):
                name = name[:-4] + ".jpg"
            if name not in site:
                problems.append(f"{path}:{n}: unknown photo {name}")
                continue
            seen.add(name)
            note = (r.get("note") or "").strip()
            if action == "none":
                rows.setdefault(name, [])
                continue
            if any(w in note.split() for w in args.drop_note):
                rows.setdefault(name, [])
                counts_dropped[note] += 1
                continue
            cls = (r.get("class") or "").strip()
            if cls not in ("0", "1", "2"):
                problems.append(f"{path}:{n}: class {cls!r}")
                continue
            if action == "keep":
                p = props.get((name, r["ref"].strip()))
                if p is None:
                    problems.append(f"{path}:{n}: no proposal {r['ref']} on {name}")
                    continue
                box = [p["cx"], p["cy"], p["w"], p["h"]]
            elif action == "add":
                try:
                    x0, y0, x1, y1 = (_f(r[k]) for k in ("x0", "y0", "x1", "y1"))
                except (TypeError, ValueError):
                    problems.append(f"{path}:{n}: bad coordinates")
                    continue
                x0, x1 = sorted((x0, x1))
                y0, y1 = sorted((y0, y1))
                if x1 - x0 < 0.005 or y1 - y0 < 0.005:
                    problems.append(f"{path}:{n}: empty box")
                    continue
                box = [f"{v:.4f}" for v in ((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0)]
            else:
                problems.append(f"{path}:{n}: action {action!r}")
                continue
            rows.setdefault(name, []).append([cls, *box, note])
    missing = sorted(set(site) - seen)
    for p in problems:
        print(p, file=sys.stderr)
    if missing:
        print(f"{len(missing)} photos without a decision: {missing[:10]}", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    counts: Counter[tuple[str, str]] = Counter()
    with args.out.open("w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f)
        wr.writerow(["file", "site", "split", "class", "cx", "cy", "w", "h", "note"])
        for name in sorted(rows):
            split = "holdout" if site[name] in held else "train"
            counts[(split, "photos")] += 1
            if not rows[name]:
                wr.writerow([f"{args.prefix}/{name}", site[name], split, "", "", "", "", "", ""])
                counts[(split, "negatives")] += 1
            for cls, *box, note in rows[name]:
                wr.writerow([f"{args.prefix}/{name}", site[name], split, cls, *box, note])
                counts[(split, f"class {cls}")] += 1
    print(f"dropped as background: {dict(counts_dropped)}")
    print(
        f"wrote {args.out}: " + ", ".join(f"{a} {b}: {v}" for (a, b), v in sorted(counts.items()))
    )
    return 1 if problems or missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
