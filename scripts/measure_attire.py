"""Precision and recall of the civil-servant attire cue, on rendered people and on real negatives.

  rendered   people drawn by ``gesture_scan_devkit.attire_scenes`` in each uniform and in ordinary
             clothes (near-miss colours, plaid, batik of other colours, suits...), under colour
             casts, exposure changes, noise and JPEG. Thresholds were tuned on seed 0; the figures
             here come from a held-out seed. One person per photo, plus group photos.
  real       people in real photos that show no ASN uniform, found with our face stage:
             ../shared/train/hands/hands_* (webcam selfies; one man in ordinary clothes, among them
             a blue plaid shirt, a blue polo, dark T-shirts), the Indonesian photos in
             ../shared/train/material/unlabeled (looked at by eye: party and office photos; no
             PDH, KORPRI, Linmas or Satpol PP uniform appears; the madrasah teachers of
             caleg_4435c26db313 wear matching *brown* batik, a useful near-miss), and the photos
             that installed packages ship (bus.jpg, zidane.jpg, grace_hopper.jpg: a US Navy
             uniform, dark navy, which is not an ASN uniform). Every person there is a negative,
             so the figure is a false-positive rate per person; every flag is listed, to check
             by eye.

Real uniforms are measured by scripts/train_attire.py (bench/attire_real.json: 797 labelled crops
from 32 sites, held out by site). The fieldset is not used. ``--method rule`` measures the colour
rule (bench/attire.json, issue 6), ``--method learned`` the learned head of issue 19 (which never
saw a rendered person: these figures are a cross-domain check for it, not its tuning set).

  python scripts/measure_attire.py [--per-kind 60] [--seed 2024] [--method rule|learned]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Optional

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gesture_scan.people.attire import LABELS, AttireOptions, attire_cues  # noqa: E402
from gesture_scan_devkit.attire_scenes import (  # noqa: E402
    KINDS,
    ORDINARY_KINDS,
    label_of,
    render_group,
    render_person,
)
from gesture_scan_devkit.handset import shared_dir  # noqa: E402

TUNING_SEED = 0


def _prf(pairs: list[tuple[Optional[str], Optional[str]]]) -> dict[str, Any]:
    """Per-label precision/recall from (truth, predicted) pairs."""
    out: dict[str, Any] = {}
    for label in LABELS:
        tp = sum(1 for t, p in pairs if t == label and p == label)
        fp = sum(1 for t, p in pairs if t != label and p == label)
        fn = sum(1 for t, p in pairs if t == label and p != label)
        out[label] = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        }
    return out


def measure_rendered(per_kind: int, seed: int, options: AttireOptions) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    pairs: list[tuple[Optional[str], Optional[str]]] = []
    confusion: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    seconds, people = 0.0, 0
    for kind in KINDS:
        for _ in range(per_kind):
            scene = render_person(kind, rng)
            t0 = time.perf_counter()
            cue = attire_cues(scene.rgb, scene.face_boxes, options)[0]
            seconds += time.perf_counter() - t0
            people += 1
            pairs.append((label_of(kind), cue.label))
            confusion[kind][str(cue.label)] += 1
    single = {
        "people": len(pairs),
        "per_label": _prf(pairs),
        "false_positive_rate_ordinary": round(
            sum(1 for t, p in pairs if t is None and p is not None)
            / max(1, sum(1 for t, _ in pairs if t is None)),
            3,
        ),
        "confusion": {k: dict(v) for k, v in confusion.items()},
        "ms_per_person_single": round(1000 * seconds / max(people, 1), 3),
    }
    # group photos: 5 people of random kinds, smaller faces (30-60 px wide)
    gpairs: list[tuple[Optional[str], Optional[str]]] = []
    seconds, people = 0.0, 0
    for _ in range(max(4, per_kind // 2)):
        kinds = [str(k) for k in rng.choice(np.array(KINDS), 5)]
        scene = render_group(kinds, rng, size=(480, 800), face_px=(30.0, 60.0))
        t0 = time.perf_counter()
        cues = attire_cues(scene.rgb, scene.face_boxes, options)
        seconds += time.perf_counter() - t0
        people += len(cues)
        gpairs.extend((label_of(k), c.label) for k, c in zip(kinds, cues))
    single["group"] = {
        "photos": max(4, per_kind // 2),
        "people": len(gpairs),
        "per_label": _prf(gpairs),
        "false_positive_rate_ordinary": round(
            sum(1 for t, p in gpairs if t is None and p is not None)
            / max(1, sum(1 for t, _ in gpairs if t is None)),
            3,
        ),
        "ms_per_person": round(1000 * seconds / max(people, 1), 3),
    }
    return single


def _real_photos() -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = {}
    base = shared_dir()
    if base is not None:
        groups["hands_webcam"] = sorted((base / "train" / "hands").glob("hands_*.jpg"))
        groups["material_unlabeled"] = sorted(
            (base / "train" / "material" / "unlabeled").glob("*.jpg")
        )
    from importlib.util import find_spec

    packaged = []
    for package, rel in (
        ("ultralytics", "assets/bus.jpg"),
        ("ultralytics", "assets/zidane.jpg"),
        ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),
    ):
        spec = find_spec(package)
        if spec is not None and spec.origin is not None:
            path = Path(spec.origin).parent / rel
            if path.is_file():
                packaged.append(path)
    groups["packaged"] = packaged
    return groups


def measure_real(options: AttireOptions) -> dict[str, Any]:
    from PIL import Image

    from gesture_scan.config import FaceOptions
    from gesture_scan.people.stage import FaceStage

    out: dict[str, Any] = {}
    seconds, timed = 0.0, 0
    with FaceStage(FaceOptions()) as stage:
        for group, paths in _real_photos().items():
            faces_total, judged, flagged = 0, 0, []
            for path in paths:
                with Image.open(path) as im:
                    rgb = np.asarray(im.convert("RGB"))
                faces = stage.run(rgb).detections
                t0 = time.perf_counter()
                cues = attire_cues(rgb, faces.xyxy, options)
                seconds += time.perf_counter() - t0
                timed += len(cues)
                faces_total += len(cues)
                for cue in cues:
                    if not cue.reason.startswith("torso"):
                        judged += 1
                    if cue.label is not None:
                        flagged.append({"file": path.name, **cue.to_dict()})
            out[group] = {
                "photos": len(paths),
                "faces": faces_total,
                "people_judged": judged,  # torso big enough and inside the image
                "flagged": len(flagged),
                "false_positive_rate_per_person": round(len(flagged) / judged, 3)
                if judged
                else None,
                "flags": flagged,
            }
    judged_all = sum(g["people_judged"] for g in out.values())
    flagged_all = sum(g["flagged"] for g in out.values())
    out["total"] = {
        "people_judged": judged_all,
        "flagged": flagged_all,
        "false_positive_rate_per_person": round(flagged_all / judged_all, 3)
        if judged_all
        else None,
        "ms_per_person": round(1000 * seconds / max(timed, 1), 3),
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-kind", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--method", choices=("rule", "learned"), default="rule")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.out is None:
        name = "attire.json" if args.method == "rule" else "attire_learned_rendered.json"
        args.out = ROOT / "bench" / name
    if args.seed == TUNING_SEED:
        parser.error(f"seed {TUNING_SEED} is the tuning seed; pick a held-out one")
    options = AttireOptions(method=args.method)
    result = {
        "options": {k: getattr(options, k) for k in options.__dataclass_fields__},
        "kinds": {"uniforms": list(LABELS), "ordinary": list(ORDINARY_KINDS)},
        "rendered": {"seed": args.seed, "tuning_seed": TUNING_SEED, "per_kind": args.per_kind}
        | measure_rendered(args.per_kind, args.seed, options),
        "real_negatives": measure_real(options),
        "real_uniforms": "see bench/attire_real.json (scripts/train_attire.py)",
        "machine": {"python": platform.python_version(), "cpu": platform.processor()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    r = result["rendered"]
    print(f"rendered (seed {args.seed}, {r['people']} people, one per photo):")
    for label, m in r["per_label"].items():
        print(f"  {label:13s} precision {m['precision']}  recall {m['recall']}")
    print(f"  ordinary clothes flagged: {r['false_positive_rate_ordinary']:.1%}")
    g = r["group"]
    print(
        f"rendered groups ({g['people']} people): ordinary flagged "
        f"{g['false_positive_rate_ordinary']:.1%}"
    )
    for label, m in g["per_label"].items():
        print(f"  {label:13s} precision {m['precision']}  recall {m['recall']}")
    for group, m in result["real_negatives"].items():
        print(f"real {group}: {m.get('flagged')} flagged of {m.get('people_judged')} people")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
